//! Prediction quality measures: AUC, RMSE, log-loss and accuracy, computed the way scikit-learn
//! does (AUC with tied scores counted as half, log-loss with probabilities clipped away from 0 and 1).

use serde::{Deserialize, Serialize};

/// Probabilities are clipped to `[EPS, 1 - EPS]` before taking logarithms, as scikit-learn does,
/// so a confident wrong prediction costs a large but finite amount.
const EPS: f64 = 1e-15;

/// The usual measures over one set of predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Area under the ROC curve; `None` when the labels are all one class, where it is undefined.
    pub auc: Option<f64>,
    pub rmse: f64,
    pub logloss: f64,
    pub accuracy: f64,
    pub n: usize,
}

impl Metrics {
    /// Computes every measure; `labels` and `predictions` must have the same length.
    pub fn compute(labels: &[bool], predictions: &[f64]) -> Metrics {
        Metrics {
            auc: auc(labels, predictions),
            rmse: rmse(labels, predictions),
            logloss: logloss(labels, predictions),
            accuracy: accuracy(labels, predictions),
            n: labels.len().min(predictions.len()),
        }
    }
}

/// Area under the ROC curve by the rank-sum (Mann–Whitney) formula with tied predictions sharing
/// their average rank. `None` when either class is absent.
pub fn auc(labels: &[bool], predictions: &[f64]) -> Option<f64> {
    let n = labels.len().min(predictions.len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| predictions[a].total_cmp(&predictions[b]));
    let positives = labels[..n].iter().filter(|&&l| l).count();
    let negatives = n - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Sum of the (1-based, tie-averaged) ranks of the positive examples.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && predictions[order[j + 1]] == predictions[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        let tied_positives = order[i..=j].iter().filter(|&&k| labels[k]).count();
        rank_sum += average_rank * tied_positives as f64;
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// Root mean squared error between the 0/1 labels and the predicted probabilities (0 when empty).
pub fn rmse(labels: &[bool], predictions: &[f64]) -> f64 {
    let n = labels.len().min(predictions.len());
    if n == 0 {
        return 0.0;
    }
    let sum: f64 = labels.iter().zip(predictions).map(|(&l, &p)| (f64::from(u8::from(l)) - p).powi(2)).sum();
    (sum / n as f64).sqrt()
}

/// Mean negative log-likelihood of the labels (natural log), probabilities clipped to `[1e-15, 1 - 1e-15]`.
pub fn logloss(labels: &[bool], predictions: &[f64]) -> f64 {
    let n = labels.len().min(predictions.len());
    if n == 0 {
        return 0.0;
    }
    let sum: f64 = labels
        .iter()
        .zip(predictions)
        .map(|(&l, &p)| {
            let p = p.clamp(EPS, 1.0 - EPS);
            if l { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    sum / n as f64
}

/// Share of predictions on the right side of 0.5 (0.5 itself counts as "correct").
pub fn accuracy(labels: &[bool], predictions: &[f64]) -> f64 {
    let n = labels.len().min(predictions.len());
    if n == 0 {
        return 0.0;
    }
    labels.iter().zip(predictions).filter(|&(&l, &p)| l == (p >= 0.5)).count() as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Positives scored 0.9, 0.4; negatives 0.5, 0.1. Of the 4 positive/negative pairs the
        // positive wins 3 (0.9>0.5, 0.9>0.1, 0.4>0.1) and loses 1 (0.4<0.5): AUC = 3/4.
        let labels = [true, false, true, false];
        let preds = [0.9, 0.5, 0.4, 0.1];
        assert!((auc(&labels, &preds).unwrap() - 0.75).abs() < 1e-12);
    }

    #[test]
    fn auc_counts_ties_as_half() {
        // One positive and two negatives, all tied except one negative lower: pairs are
        // (0.5 vs 0.5) = 1/2 and (0.5 vs 0.2) = 1, so AUC = 1.5 / 2 = 0.75.
        let labels = [true, false, false];
        let preds = [0.5, 0.5, 0.2];
        assert!((auc(&labels, &preds).unwrap() - 0.75).abs() < 1e-12);
        // Everything tied: 0.5.
        assert!((auc(&[true, false, true], &[0.3, 0.3, 0.3]).unwrap() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn auc_undefined_for_one_class() {
        assert_eq!(auc(&[true, true], &[0.2, 0.9]), None);
        assert_eq!(auc(&[], &[]), None);
    }

    #[test]
    fn rmse_and_logloss_by_hand() {
        let labels = [true, false];
        let preds = [0.8, 0.4];
        // Errors 0.2 and 0.4: sqrt((0.04 + 0.16) / 2) = sqrt(0.1).
        assert!((rmse(&labels, &preds) - 0.1f64.sqrt()).abs() < 1e-12);
        // -(ln 0.8 + ln 0.6) / 2.
        let expected = -(0.8f64.ln() + 0.6f64.ln()) / 2.0;
        assert!((logloss(&labels, &preds) - expected).abs() < 1e-12);
        assert!((accuracy(&labels, &preds) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn logloss_is_finite_for_certain_wrong_predictions() {
        let l = logloss(&[true, false], &[0.0, 1.0]);
        assert!(l.is_finite());
        // Both rows cost about −ln(1e-15) ≈ 34.5 (1 − (1 − 1e-15) is not exactly 1e-15 in floating point).
        assert!((l - -(1e-15f64).ln()).abs() < 0.1, "{l}");
    }

    #[test]
    fn compute_collects_all() {
        let m = Metrics::compute(&[true, false, true, true], &[0.7, 0.3, 0.6, 0.2]);
        assert_eq!(m.n, 4);
        // Pairs: 0.7>0.3, 0.6>0.3, 0.2<0.3 -> 2/3.
        assert!((m.auc.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.accuracy - 0.75).abs() < 1e-12);
    }
}
