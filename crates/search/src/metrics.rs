//! Ranking quality against hand-judged relevance labels (binary: relevant or not), to compare
//! rankings (ours, PostgreSQL's) on the relevance set in `relevance/queries.toml`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// The cut-off of the `@10` metrics.
pub const CUTOFF: usize = 10;

/// Quality of one ranked list (or the mean over several queries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Relevant documents among the first 10, divided by 10.
    pub precision_at_10: f64,
    /// Relevant documents among the first 10, divided by all relevant ones (at most 10).
    pub recall_at_10: f64,
    /// 1 / rank of the first relevant document (0 when none is returned).
    pub mrr: f64,
    /// Discounted cumulative gain of the first 10 over the best possible.
    pub ndcg_at_10: f64,
}

/// The relevance set as stored in `relevance/queries.toml` (`[[query]]` tables).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelevanceSet {
    pub query: Vec<Judged>,
}

/// One query of the relevance set with the source ids judged relevant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judged {
    /// What the teacher types.
    pub text: String,
    /// Why these documents are relevant, for the people who maintain the set.
    #[serde(default)]
    pub note: String,
    pub relevant: Vec<String>,
}

/// The metrics of `ranked` (document ids, best first) against the `relevant` ids.
///
/// Recall is taken against `min(|relevant|, 10)`, so a query with 30 relevant documents can
/// still reach 1.0 at the cut-off. With no relevant documents every metric is 0.
pub fn evaluate<R: AsRef<str>, L: AsRef<str>>(ranked: &[R], relevant: &[L]) -> Metrics {
    let relevant: HashSet<&str> = relevant.iter().map(AsRef::as_ref).collect();
    if relevant.is_empty() {
        return Metrics::default();
    }
    let mut seen = HashSet::new();
    // A ranked list that repeats an id counts it once.
    let gains: Vec<f64> = ranked
        .iter()
        .map(AsRef::as_ref)
        .filter(|id| seen.insert(*id))
        .map(|id| if relevant.contains(id) { 1.0 } else { 0.0 })
        .collect();
    let top = &gains[..gains.len().min(CUTOFF)];
    let hits: f64 = top.iter().sum();
    let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = top.iter().enumerate().map(|(i, g)| g * discount(i)).sum();
    let ideal_count = relevant.len().min(CUTOFF);
    let idcg: f64 = (0..ideal_count).map(discount).sum();
    Metrics {
        precision_at_10: hits / CUTOFF as f64,
        recall_at_10: hits / ideal_count as f64,
        mrr: gains.iter().position(|g| *g > 0.0).map_or(0.0, |r| 1.0 / (r + 1) as f64),
        ndcg_at_10: dcg / idcg,
    }
}

/// The mean of each metric over several queries.
pub fn mean(all: &[Metrics]) -> Metrics {
    if all.is_empty() {
        return Metrics::default();
    }
    let n = all.len() as f64;
    let sum = |f: fn(&Metrics) -> f64| all.iter().map(f).sum::<f64>() / n;
    Metrics {
        precision_at_10: sum(|m| m.precision_at_10),
        recall_at_10: sum(|m| m.recall_at_10),
        mrr: sum(|m| m.mrr),
        ndcg_at_10: sum(|m| m.ndcg_at_10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_ranking_scores_one() {
        let m = evaluate(&["a", "b", "x"], &["a", "b"]);
        assert!(close(m.recall_at_10, 1.0) && close(m.mrr, 1.0) && close(m.ndcg_at_10, 1.0), "{m:?}");
        assert!(close(m.precision_at_10, 0.2));
    }

    #[test]
    fn late_and_missing_hits_are_discounted() {
        let m = evaluate(&["x", "y", "a"], &["a", "b"]);
        assert!(close(m.mrr, 1.0 / 3.0));
        assert!(close(m.recall_at_10, 0.5));
        // DCG = 1/log2(4) = 0.5; IDCG = 1 + 1/log2(3).
        assert!(close(m.ndcg_at_10, 0.5 / (1.0 + 1.0 / 3f64.log2())), "{m:?}");
        // Beyond the cut-off counts for MRR only.
        let late: Vec<String> = (0..10).map(|i| format!("x{i}")).chain(["a".into()]).collect();
        let m = evaluate(&late, &["a"]);
        assert!(close(m.ndcg_at_10, 0.0) && close(m.recall_at_10, 0.0) && close(m.mrr, 1.0 / 11.0));
    }

    #[test]
    fn duplicates_and_empty_labels() {
        let m = evaluate(&["a", "a", "b"], &["a", "b"]);
        assert!(close(m.ndcg_at_10, 1.0), "{m:?}");
        assert_eq!(evaluate(&["a"], &[] as &[&str]), Metrics::default());
        let avg = mean(&[evaluate(&["a"], &["a"]), Metrics::default()]);
        assert!(close(avg.mrr, 0.5));
    }
}
