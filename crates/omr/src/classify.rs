//! Classifying bubbles as marked, unmarked or ambiguous from their darkness, relative to the
//! sheet's own statistics: the level of its empty bubbles, the level of its marks and the noise
//! between empty bubbles. A sheet filled with light pencil and one filled with heavy pen are read
//! with the same rule, and a bubble whose darkness falls between the two levels is never guessed.

use serde::Serialize;

/// What a bubble holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkState {
    Marked,
    Unmarked,
    /// Too close to call: goes to a teacher with the image crop.
    Ambiguous,
}

/// The tuning of [`classify`]. The defaults suit printed bubbles read as mean darkness in 0..1.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyConfig {
    /// The smallest difference between the sheet's empty bubbles and its marks for anything to
    /// count as a mark (in darkness units, 0..1).
    pub min_contrast: f64,
    /// The half-width of the ambiguous band around the decision level, as a share of the
    /// distance between the empty and the marked levels.
    pub band_share: f64,
    /// The noise multiple the band must at least cover.
    pub band_sigmas: f64,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        ClassifyConfig { min_contrast: 0.12, band_share: 0.18, band_sigmas: 2.0 }
    }
}

/// The levels a sheet was read with, kept for reports and debugging.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SheetLevels {
    /// The typical darkness of an empty bubble.
    pub empty: f64,
    /// The typical darkness of a mark (or an assumed level when the sheet has no marks).
    pub marked: f64,
    /// The spread of empty bubbles (robust standard deviation).
    pub noise: f64,
    /// Darker than this is marked.
    pub marked_above: f64,
    /// Lighter than this is unmarked.
    pub unmarked_below: f64,
}

/// Classifies every bubble of one sheet; `darkness` holds one value per bubble (0 = paper,
/// higher = darker). Returns the state and a confidence in 0..1 for each, and the levels used.
pub fn classify(darkness: &[f64], config: &ClassifyConfig) -> (Vec<(MarkState, f64)>, SheetLevels) {
    let levels = levels(darkness, config);
    let mid = (levels.marked_above + levels.unmarked_below) / 2.0;
    let half_span = ((levels.marked - levels.empty) / 2.0).max(1e-6);
    let out = darkness
        .iter()
        .map(|&d| {
            let confidence = ((d - mid).abs() / half_span).clamp(0.0, 1.0);
            let state = if d >= levels.marked_above {
                MarkState::Marked
            } else if d <= levels.unmarked_below {
                MarkState::Unmarked
            } else {
                MarkState::Ambiguous
            };
            (state, confidence)
        })
        .collect();
    (out, levels)
}

/// Settles ambiguous bubbles that their own field makes clear: an ambiguous bubble darker than
/// the sheet's decision level whose field has no other mark, and whose every other bubble is
/// unmarked and lighter by at least a third of the distance between the empty and marked levels,
/// is a (lighter) mark. Everything else stays as it was; confidence is not raised.
pub fn settle_in_field(field: &mut [(MarkState, f64)], darkness: &[f64], levels: &SheetLevels) {
    let mid = (levels.marked_above + levels.unmarked_below) / 2.0;
    let span = levels.marked - levels.empty;
    let ambiguous: Vec<usize> = (0..field.len()).filter(|&i| field[i].0 == MarkState::Ambiguous).collect();
    if ambiguous.len() != 1 {
        return;
    }
    let i = ambiguous[0];
    let others_clear = (0..field.len())
        .filter(|&j| j != i)
        .all(|j| field[j].0 == MarkState::Unmarked && darkness[i] - darkness[j] >= span / 3.0);
    if darkness[i] > mid && others_clear && field.len() > 1 {
        field[i].0 = MarkState::Marked;
    }
}

fn levels(darkness: &[f64], config: &ClassifyConfig) -> SheetLevels {
    let mut sorted: Vec<f64> = darkness.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return SheetLevels { empty: 0.0, marked: 1.0, noise: 0.0, marked_above: 0.5, unmarked_below: 0.5 };
    }
    // Two-means in one dimension, started from the extremes, separates empty bubbles from marks
    // whatever their proportion (a reference sheet with one mark among blank paper included).
    let (mut lo, mut hi) = (sorted[0], sorted[sorted.len() - 1]);
    for _ in 0..30 {
        let cut = (lo + hi) / 2.0;
        let (a, b): (Vec<f64>, Vec<f64>) = sorted.iter().partition(|&&v| v < cut);
        if a.is_empty() || b.is_empty() {
            break;
        }
        let nl = a.iter().sum::<f64>() / a.len() as f64;
        let nh = b.iter().sum::<f64>() / b.len() as f64;
        if (nl - lo).abs() < 1e-9 && (nh - hi).abs() < 1e-9 {
            break;
        }
        lo = nl;
        hi = nh;
    }
    let cut = (lo + hi) / 2.0;
    let lower: Vec<f64> = sorted.iter().copied().filter(|&v| v < cut).collect();
    let upper: Vec<f64> = sorted.iter().copied().filter(|&v| v >= cut).collect();
    // The empty level and its noise come from the lower cluster only.
    let empty = if lower.is_empty() { sorted[sorted.len() / 2] } else { median(&lower) };
    let noise = if lower.len() >= 4 {
        let mut dev: Vec<f64> = lower.iter().map(|v| (v - empty).abs()).collect();
        dev.sort_by(f64::total_cmp);
        1.4826 * median(&dev)
    } else {
        0.02
    }
    .max(0.01);
    let floor = empty + config.min_contrast.max(6.0 * noise);
    // A mark is at least twice the floor contrast away from the empty level: with no clear marks
    // on the sheet (only noise or a smudge in the upper cluster), faint strokes are flagged
    // rather than read as marks.
    let assumed = empty + 2.0 * (floor - empty);
    let marked = match upper.is_empty() {
        false if median(&upper) - empty >= config.min_contrast => median(&upper),
        _ => assumed,
    };
    let span = marked - empty;
    let mid = empty + span / 2.0;
    let half_band = (config.band_share * span).max(config.band_sigmas * noise);
    let unmarked_below = (mid - half_band).max(empty + 3.0 * noise).min(mid);
    let marked_above = (mid + half_band).max(unmarked_below);
    SheetLevels { empty, marked, noise, marked_above, unmarked_below }
}

fn median(sorted_or_not: &[f64]) -> f64 {
    let mut v = sorted_or_not.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(d: &[f64]) -> Vec<MarkState> {
        classify(d, &ClassifyConfig::default()).0.into_iter().map(|(s, _)| s).collect()
    }

    #[test]
    fn pen_marks_among_empty_bubbles() {
        let mut d = vec![0.05, 0.06, 0.04, 0.05, 0.07, 0.05, 0.06, 0.05];
        d.extend([0.85, 0.9, 0.8]);
        let s = states(&d);
        assert!(s[..8].iter().all(|&s| s == MarkState::Unmarked));
        assert!(s[8..].iter().all(|&s| s == MarkState::Marked));
    }

    #[test]
    fn light_pencil_sheet_reads_like_a_pen_sheet() {
        let mut d = vec![0.05; 30];
        d.extend([0.33, 0.36, 0.31, 0.35]);
        let s = states(&d);
        assert!(s[30..].iter().all(|&s| s == MarkState::Marked));
    }

    #[test]
    fn a_half_mark_among_heavy_marks_is_ambiguous() {
        let mut d = vec![0.05; 30];
        d.extend([0.85, 0.9, 0.88, 0.45]);
        let s = states(&d);
        assert_eq!(s[33], MarkState::Ambiguous);
    }

    #[test]
    fn a_lone_light_mark_in_its_field_is_settled() {
        let mut d = vec![0.05; 30];
        d.extend([0.85, 0.9, 0.88]);
        let (states, levels) = classify(&d, &ClassifyConfig::default());
        let field = [0.05, 0.52, 0.06, 0.05];
        let mut fs: Vec<(MarkState, f64)> = field.iter().map(|&v| classify_one(v, &levels)).collect();
        assert_eq!(fs[1].0, MarkState::Ambiguous);
        settle_in_field(&mut fs, &field, &levels);
        assert_eq!(fs[1].0, MarkState::Marked);
        assert_eq!(states.len(), 33);
    }

    fn classify_one(d: f64, l: &SheetLevels) -> (MarkState, f64) {
        let s = if d >= l.marked_above {
            MarkState::Marked
        } else if d <= l.unmarked_below {
            MarkState::Unmarked
        } else {
            MarkState::Ambiguous
        };
        (s, 0.5)
    }

    #[test]
    fn an_empty_sheet_has_no_marks() {
        let d: Vec<f64> = (0..40).map(|i| 0.05 + (i % 5) as f64 * 0.004).collect();
        assert!(states(&d).iter().all(|&s| s == MarkState::Unmarked));
    }
}
