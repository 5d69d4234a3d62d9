//! Progress bars for long writes, fed by the stores' progress callbacks.

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar that counts written rows.
pub struct RowsBar(ProgressBar);

impl RowsBar {
    /// A bar for `total` rows with a bilingual label.
    pub fn new(total: u64, label: &str) -> RowsBar {
        let bar = ProgressBar::new(total);
        let style =
            ProgressStyle::with_template("{msg} [{bar:40.cyan/blue}] {human_pos}/{human_len} ({per_sec}, {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(label.to_owned());
        RowsBar(bar)
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl store::Progress for RowsBar {
    fn advance(&self, rows: u64) {
        self.0.inc(rows);
    }
}

/// Rows a roster import writes, for the bar's length.
pub fn roster_rows(r: &domain::Roster) -> u64 {
    let links: usize = r.guardians.iter().map(|g| g.students.len()).sum();
    let members: usize = r.school_groups.iter().map(|g| g.member_school_ids.len()).sum();
    (r.regions.len()
        + r.schools.len()
        + r.school_groups.len()
        + members
        + r.school_years.len()
        + r.classes.len()
        + r.teachers.len()
        + r.students.len()
        + r.guardians.len()
        + links
        + r.teaching_assignments.len()) as u64
}

/// Rows a curriculum import writes.
pub fn curriculum_rows(c: &domain::Curriculum) -> u64 {
    let edges: usize = c.knowledge_points.iter().map(|k| k.prerequisite_ids.len()).sum();
    (c.editions.len() + c.volumes.len() + c.nodes.len() + c.knowledge_points.len() + edges) as u64
}
