//! The full refit: every graded response → BKT (and 2PL IRT when there is enough data) with a
//! holdout for the figures → every student's mastery replayed with `learn::online::Tracker` →
//! stored in one transaction. Reading and saving are async; fitting and replaying run on a
//! blocking thread so requests go on meanwhile.

use std::{collections::HashMap, time::Instant};

use chrono::Utc;
use learn::{
    DatasetBuilder, Metrics,
    bkt::{self, BktConfig},
    irt::{self, IrtConfig, IrtKind},
    online::Tracker,
};
use store::{FitMetrics, GradedResponse, LearnFit, LearnFitSummary, Mastery, Store};

use super::{Learning, Model, Stage};

/// Students read per store call.
const PAGE_STUDENTS: u32 = 500;
/// Below these, no 2PL model is fitted: item parameters from a handful of answers are noise.
const IRT_MIN_RESPONSES: usize = 400;
const IRT_MIN_STUDENTS: usize = 30;
/// Students needed for a holdout (one fold in five); with fewer the figures are left out.
const HOLDOUT_MIN_STUDENTS: usize = 10;
/// The seed of the holdout split and of BKT's restarts: the same data gives the same models.
const SEED: u64 = 2026;

/// Why a refit stopped.
#[derive(Debug, thiserror::Error)]
pub enum RefitError {
    #[error("there are no graded responses yet")]
    NoData,
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("fitting failed: {0}")]
    Learn(#[from] learn::LearnError),
    #[error("the fitting thread failed: {0}")]
    Thread(String),
}

/// Runs one refit and installs its model.
pub(super) async fn run(learning: &std::sync::Arc<Learning>) -> Result<LearnFitSummary, RefitError> {
    let clock = Instant::now();
    let started = Utc::now();
    let store: &dyn Store = &*learning.store;
    let total = store.graded_response_count().await?;
    learning.progress(Stage::Reading, 0, total);
    let mut responses: Vec<GradedResponse> = Vec::with_capacity(total.min(10_000_000) as usize);
    let mut after: Option<String> = None;
    loop {
        let page = store.graded_responses(after.as_deref(), PAGE_STUDENTS).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.student_id.clone());
        responses.extend(page);
        learning.progress(Stage::Reading, responses.len() as u64, total.max(responses.len() as u64));
    }
    if responses.iter().all(|r| r.knowledge_points.is_empty()) {
        return Err(RefitError::NoData);
    }
    let progress = learning.clone();
    let (fitted, mastery, tracker) = tokio::task::spawn_blocking(move || {
        fit(&responses, &|stage, done, total| progress.progress(stage, done, total))
    })
    .await
    .map_err(|e| RefitError::Thread(e.to_string()))??;
    learning.progress(Stage::Saving, 0, 1);
    let fit = LearnFit {
        summary: LearnFitSummary {
            id: format!("fit-{}", started.format("%Y%m%d%H%M%S%3f")),
            fitted_at: Utc::now(),
            seconds: clock.elapsed().as_secs_f64(),
            ..fitted.summary
        },
        ..fitted
    };
    store.save_learn_fit(&fit, &mastery, started).await?;
    learning.install(Model { tracker, fit: fit.summary.clone() });
    Ok(fit.summary)
}

/// Fits the models and replays every student. Pure apart from the progress callback.
#[allow(clippy::type_complexity, reason = "three results of one pass, named at the one caller")]
fn fit(
    responses: &[GradedResponse],
    progress: &(dyn Fn(Stage, u64, u64) + Sync),
) -> Result<(LearnFit, Vec<Mastery>, Tracker), RefitError> {
    // BKT sees one row per (response, knowledge point); IRT one row per response.
    let mut by_point = DatasetBuilder::new();
    let mut by_item = DatasetBuilder::new();
    for r in responses.iter().filter(|r| !r.knowledge_points.is_empty()) {
        for kp in &r.knowledge_points {
            by_point.push(&r.student_id, kp, &r.item_id, r.correct);
        }
        by_item.push(&r.student_id, &r.knowledge_points[0], &r.item_id, r.correct);
    }
    let used = by_item.len();
    let by_point = by_point.build()?;
    let by_item = by_item.build()?;
    let bkt_config = BktConfig { seed: SEED, threads: 1, ..BktConfig::default() };
    let irt_config = IrtConfig { kind: IrtKind::TwoPl, threads: 1, ..IrtConfig::default() };
    let use_irt = used >= IRT_MIN_RESPONSES && by_item.students.len() >= IRT_MIN_STUDENTS;

    // The holdout: a fifth of the students, predicted one step ahead by models fitted on the rest.
    let mut metrics = FitMetrics::default();
    if by_point.students.len() >= HOLDOUT_MIN_STUDENTS {
        progress(Stage::Holdout, 0, 1);
        let folds = learn::student_folds(&by_point, 5, SEED)?;
        let train = by_point.filter(|_, r| folds[r.student as usize] != 0);
        let test = by_point.filter(|_, r| folds[r.student as usize] == 0);
        let model = bkt::fit(&train, &bkt_config)?;
        let labels: Vec<bool> = test.rows.iter().map(|r| r.correct).collect();
        let m = Metrics::compute(&labels, &model.predict(&test));
        metrics = FitMetrics {
            auc: m.auc,
            rmse: Some(m.rmse),
            logloss: Some(m.logloss),
            holdout_responses: labels.len() as u64,
            irt_auc: None,
        };
        if use_irt {
            // by_item interns students in the same order as by_point (both see the same rows).
            let train = by_item.filter(|_, r| folds[r.student as usize] != 0);
            let test = by_item.filter(|_, r| folds[r.student as usize] == 0);
            let model = irt::fit(&train, &irt_config)?;
            let labels: Vec<bool> = test.rows.iter().map(|r| r.correct).collect();
            metrics.irt_auc = Metrics::compute(&labels, &model.predict(&test)).auc;
        }
    }

    progress(Stage::FittingBkt, 0, 1);
    let bkt_model = bkt::fit(&by_point, &bkt_config)?;
    let irt_model = if use_irt {
        progress(Stage::FittingIrt, 0, 1);
        let mut model = irt::fit(&by_item, &irt_config)?;
        // Abilities live in students' states, not in the stored model.
        model.persons.clear();
        Some(model)
    } else {
        None
    };
    let bkt_json = serde_json::to_value(&bkt_model).map_err(|e| RefitError::Thread(e.to_string()))?;
    let irt_json =
        irt_model.as_ref().map(serde_json::to_value).transpose().map_err(|e| RefitError::Thread(e.to_string()))?;
    let tracker = Tracker::new(bkt_model, irt_model);

    // Replay: each student's responses in order, as the online updates would have seen them.
    let students = by_item.students.len() as u64;
    let now = Utc::now();
    let mut mastery = Vec::new();
    let mut done = 0;
    for chunk in responses.chunk_by(|a, b| a.student_id == b.student_id) {
        let mut state = tracker.new_student();
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for r in chunk.iter().filter(|r| !r.knowledge_points.is_empty()) {
            tracker.observe(&mut state, &r.item_id, &r.knowledge_points, r.correct);
            for kp in &r.knowledge_points {
                *counts.entry(kp.as_str()).or_default() += 1;
            }
        }
        let Some(first) = chunk.first() else { continue };
        let mut rows: Vec<Mastery> = counts
            .into_iter()
            .map(|(kp, n)| Mastery {
                student_id: first.student_id.clone(),
                knowledge_point: kp.to_owned(),
                probability: tracker.mastery(&state, kp),
                responses: n,
                updated_at: now,
            })
            .collect();
        rows.sort_by(|a, b| a.knowledge_point.cmp(&b.knowledge_point));
        mastery.extend(rows);
        done += 1;
        if done % 200 == 0 {
            progress(Stage::Replaying, done, students);
        }
    }
    let fit = LearnFit {
        summary: LearnFitSummary {
            id: String::new(),
            fitted_at: now,
            responses: used as u64,
            students,
            knowledge_points: by_point.skills.len() as u64,
            items: by_item.items.len() as u64,
            seconds: 0.0,
            metrics,
        },
        bkt: bkt_json,
        irt: irt_json,
    };
    Ok((fit, mastery, tracker))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(student: &str, item: &str, kp: &str, correct: bool, minute: i64) -> GradedResponse {
        GradedResponse {
            student_id: student.into(),
            item_id: item.into(),
            homework_id: "hw".into(),
            knowledge_points: vec![kp.into()],
            correct,
            answered_at: chrono::DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(minute),
        }
    }

    #[test]
    fn strong_students_end_above_weak_ones_and_figures_are_finite() {
        let mut all = Vec::new();
        for s in 0..40 {
            let strong = s % 2 == 0;
            for k in 0..12 {
                let correct = if strong { k % 5 != 0 } else { k % 4 == 0 };
                all.push(response(&format!("s{s:02}"), &format!("i{}", k % 6), "kp-a", correct, k));
            }
        }
        let (fit, mastery, _) = fit(&all, &|_, _, _| {}).unwrap();
        assert_eq!(fit.summary.responses, 480);
        assert_eq!(fit.summary.students, 40);
        assert!(fit.summary.metrics.auc.is_some_and(|a| a > 0.6), "{:?}", fit.summary.metrics);
        assert!(fit.irt.is_some(), "enough data for 2PL");
        let p = |s: &str| mastery.iter().find(|m| m.student_id == s).map(|m| m.probability).unwrap();
        assert!(p("s00") > 0.8 && p("s01") < 0.5, "{} {}", p("s00"), p("s01"));
        assert!(mastery.iter().all(|m| m.probability.is_finite() && m.responses == 12));
    }

    #[test]
    fn responses_without_points_are_no_data() {
        let mut r = response("s", "i", "kp", true, 0);
        r.knowledge_points.clear();
        assert!(matches!(fit(&[r], &|_, _, _| {}), Err(RefitError::Learn(_))));
    }
}
