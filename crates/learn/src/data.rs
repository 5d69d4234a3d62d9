//! Response logs as the models see them: interned students, knowledge points and items, and rows in
//! the order each student answered.
//!
//! Multi-skill items are represented the way the long-format research files and pyBKT represent
//! them: one row per (response, knowledge point). A response to an item tagged with k knowledge
//! points is k rows with the same student, item and correctness. BKT treats every row as evidence
//! for its own knowledge point only (each knowledge point is an independent chain), IRT sees the
//! item. Callers who want question-level evaluation drop the repeated copies first with
//! [`Dataset::dedup_consecutive`], which keeps the first copy.

use std::collections::HashMap;

use crate::LearnError;

/// One response, as indices into the dataset's name tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub student: u32,
    pub skill: u32,
    pub item: u32,
    pub correct: bool,
}

/// Responses with their name tables. Rows of one student are in the order they were answered;
/// rows of different students may interleave.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub students: Vec<String>,
    pub skills: Vec<String>,
    pub items: Vec<String>,
    pub rows: Vec<Row>,
}

/// Builds a [`Dataset`] row by row, interning names.
#[derive(Debug, Default)]
pub struct DatasetBuilder {
    data: Dataset,
    students: HashMap<String, u32>,
    skills: HashMap<String, u32>,
    items: HashMap<String, u32>,
}

fn intern(map: &mut HashMap<String, u32>, names: &mut Vec<String>, name: &str) -> u32 {
    if let Some(&i) = map.get(name) {
        return i;
    }
    let i = names.len() as u32;
    names.push(name.to_owned());
    map.insert(name.to_owned(), i);
    i
}

impl DatasetBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one response. `item` may equal `skill` when the data has no item ids.
    pub fn push(&mut self, student: &str, skill: &str, item: &str, correct: bool) {
        let student = intern(&mut self.students, &mut self.data.students, student);
        let skill = intern(&mut self.skills, &mut self.data.skills, skill);
        let item = intern(&mut self.items, &mut self.data.items, item);
        self.data.rows.push(Row { student, skill, item, correct });
    }

    /// Number of rows pushed so far.
    pub fn len(&self) -> usize {
        self.data.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.rows.is_empty()
    }

    /// The finished dataset; an empty one is refused because no model can be fitted to it.
    pub fn build(self) -> Result<Dataset, LearnError> {
        if self.data.rows.is_empty() {
            return Err(LearnError::bad("no responses: the data set is empty"));
        }
        Ok(self.data)
    }
}

impl Dataset {
    /// A dataset with the same name tables and only the rows `keep` accepts (their order kept).
    pub fn filter(&self, mut keep: impl FnMut(usize, &Row) -> bool) -> Dataset {
        Dataset {
            students: self.students.clone(),
            skills: self.skills.clone(),
            items: self.items.clone(),
            rows: self.rows.iter().enumerate().filter(|(i, r)| keep(*i, r)).map(|(_, r)| *r).collect(),
        }
    }

    /// Drops every row whose student and item equal those of the student's previous row: the
    /// duplicated copies of a multi-skill response (ASSISTments 2009 stores one row per skill).
    /// Returns the kept dataset and, for each kept row, its index in `self`.
    pub fn dedup_consecutive(&self) -> (Dataset, Vec<usize>) {
        let mut last_item: HashMap<u32, u32> = HashMap::new();
        let mut kept = Vec::with_capacity(self.rows.len());
        for (i, r) in self.rows.iter().enumerate() {
            if last_item.insert(r.student, r.item) != Some(r.item) {
                kept.push(i);
            }
        }
        let data = Dataset {
            students: self.students.clone(),
            skills: self.skills.clone(),
            items: self.items.clone(),
            rows: kept.iter().map(|&i| self.rows[i]).collect(),
        };
        (data, kept)
    }

    /// Share of correct rows; 0.5 for an empty dataset.
    pub fn base_rate(&self) -> f64 {
        if self.rows.is_empty() {
            return 0.5;
        }
        self.rows.iter().filter(|r| r.correct).count() as f64 / self.rows.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_interns_and_dedup_keeps_first_copy() {
        let mut b = DatasetBuilder::new();
        b.push("s1", "Table", "p1", true);
        b.push("s1", "Mean", "p1", true);
        b.push("s2", "Mean", "p1", false);
        b.push("s1", "Mean", "p2", false);
        b.push("s1", "Mean", "p1", true);
        let d = b.build().unwrap();
        assert_eq!(d.students, vec!["s1", "s2"]);
        assert_eq!(d.skills, vec!["Table", "Mean"]);
        assert_eq!(d.items, vec!["p1", "p2"]);
        let (dd, kept) = d.dedup_consecutive();
        // Row 1 repeats row 0 (same student, same item); row 4 answers p1 again after p2, a new attempt.
        assert_eq!(kept, vec![0, 2, 3, 4]);
        assert_eq!(dd.rows.len(), 4);
        assert!((d.base_rate() - 0.6).abs() < 1e-12);
    }

    #[test]
    fn empty_builder_is_refused() {
        let err = DatasetBuilder::new().build().unwrap_err();
        assert!(matches!(err, LearnError::BadInput(ref m) if m.contains("empty")));
    }
}
