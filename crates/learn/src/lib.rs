//! The learning engine: knowledge tracing (BKT), item response theory (1PL/2PL), online mastery and
//! ability updates, targeted item selection and the measures used to judge them.
//!
//! Pure: no files, no clock, no global randomness. Randomness comes from seeds in the
//! configurations; time budgets come in as a [`Stop`] callback the caller backs with its clock.
//! Fitting uses `threads` worker threads from the configuration (scoped, joined before returning).
//!
//! Typical use: [`bkt::fit`] / [`irt::fit`] over all responses (a background job), wrap the models
//! in an [`online::Tracker`], feed each new response to [`online::Tracker::observe`], and pick
//! follow-up items with [`online::Tracker::select`].

pub mod bkt;
pub mod data;
mod error;
pub mod irt;
pub mod metrics;
pub mod online;
pub mod select;

use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use data::{Dataset, DatasetBuilder, Row};
pub use error::LearnError;
pub use metrics::Metrics;

/// A time budget or cancellation signal: fitting and selection call it between units of work and
/// wind down (keeping the best result so far) once it returns true.
pub type Stop<'a> = &'a (dyn Fn() -> bool + Sync);

/// The models the engine can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelKind {
    Bkt,
    Irt1,
    Irt2,
}

/// A fitted model of either family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Model {
    Bkt(bkt::BktModel),
    Irt(irt::IrtModel),
}

/// Settings for both families; the one not used is ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitConfig {
    pub bkt: bkt::BktConfig,
    pub irt: irt::IrtConfig,
}

/// Fits the chosen model to `data`.
pub fn fit(kind: ModelKind, data: &Dataset, config: &FitConfig, stop: Stop) -> Result<Model, LearnError> {
    match kind {
        ModelKind::Bkt => Ok(Model::Bkt(bkt::fit_until(data, &config.bkt, stop)?)),
        ModelKind::Irt1 | ModelKind::Irt2 => {
            let kind = if kind == ModelKind::Irt1 { irt::IrtKind::OnePl } else { irt::IrtKind::TwoPl };
            Ok(Model::Irt(irt::fit_until(data, &irt::IrtConfig { kind, ..config.irt.clone() }, stop)?))
        }
    }
}

impl Model {
    /// One-step-ahead predictions for every row of `data` (each from the student's earlier rows).
    pub fn predict(&self, data: &Dataset) -> Vec<f64> {
        match self {
            Model::Bkt(m) => m.predict(data),
            Model::Irt(m) => m.predict(data),
        }
    }
}

/// Assigns each student of `data` to one of `folds` folds (0-based) by a seeded shuffle, sizes
/// differing by at most one student.
pub fn student_folds(data: &Dataset, folds: usize, seed: u64) -> Result<Vec<usize>, LearnError> {
    if folds < 2 {
        return Err(LearnError::bad("cross-validation needs at least 2 folds"));
    }
    let mut students: Vec<usize> = (0..data.students.len()).collect();
    if students.len() < folds {
        return Err(LearnError::bad(format!("{} students cannot fill {folds} folds", students.len())));
    }
    students.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut fold = vec![0; data.students.len()];
    for (k, s) in students.into_iter().enumerate() {
        fold[s] = k % folds;
    }
    Ok(fold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_balanced_and_seeded() {
        let mut b = DatasetBuilder::new();
        for s in 0..11 {
            b.push(&format!("s{s}"), "k", "i", s % 2 == 0);
        }
        let d = b.build().unwrap();
        let f = student_folds(&d, 5, 1).unwrap();
        let mut sizes = [0; 5];
        for &x in &f {
            sizes[x] += 1;
        }
        assert!(sizes.iter().all(|&n| n == 2 || n == 3));
        assert_eq!(f, student_folds(&d, 5, 1).unwrap());
        assert!(student_folds(&d, 1, 1).is_err());
        assert!(student_folds(&d, 12, 1).is_err());
    }
}
