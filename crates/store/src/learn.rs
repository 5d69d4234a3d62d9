//! The learning engine's data: graded responses read from homework marks, the fitted models (as
//! JSON, so this crate need not know the engine's types) with the figures of their holdout, and
//! every student's mastery of every knowledge point they have practised.
//!
//! A full refit writes its models and all students' mastery in one transaction
//! ([`LearnStore::save_learn_fit`]); between refits, online updates write single students' rows
//! ([`LearnStore::upsert_mastery`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;

/// One marked answer as the learning engine sees it: right (full marks) or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GradedResponse {
    pub student_id: String,
    pub item_id: String,
    pub homework_id: String,
    /// The knowledge points the item is tagged with (empty when the item is gone from the bank or
    /// carries none).
    pub knowledge_points: Vec<String>,
    /// Full marks.
    pub correct: bool,
    pub answered_at: DateTime<Utc>,
}

/// How well a fit predicted responses it was not fitted on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitMetrics {
    /// Area under the ROC curve; `None` when the holdout had only one kind of answer.
    pub auc: Option<f64>,
    pub rmse: Option<f64>,
    pub logloss: Option<f64>,
    /// Responses in the holdout (a share of the students, predicted one step ahead).
    pub holdout_responses: u64,
    /// AUC of the item-response model on the same holdout, when one was fitted.
    pub irt_auc: Option<f64>,
}

/// The figures of one fit, without its models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearnFitSummary {
    pub id: String,
    pub fitted_at: DateTime<Utc>,
    /// Graded responses the fit used (one per answer, whatever its knowledge points).
    pub responses: u64,
    pub students: u64,
    pub knowledge_points: u64,
    pub items: u64,
    /// Wall time of the whole refit: reading, fitting, replaying.
    pub seconds: f64,
    pub metrics: FitMetrics,
}

/// A fit with its models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearnFit {
    pub summary: LearnFitSummary,
    /// The knowledge-tracing model (`learn::bkt::BktModel` as JSON).
    pub bkt: serde_json::Value,
    /// The item-response model (`learn::irt::IrtModel` as JSON), when there was enough data.
    pub irt: Option<serde_json::Value>,
}

/// A student's estimated mastery of one knowledge point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mastery {
    pub student_id: String,
    pub knowledge_point: String,
    /// P(known), in [0, 1].
    pub probability: f64,
    /// Responses on this knowledge point the estimate rests on.
    pub responses: u32,
    pub updated_at: DateTime<Utc>,
}

/// Fits and mastery.
#[async_trait]
pub trait LearnStore: Send + Sync {
    /// The graded responses of the first `students` students (by id) after `after_student` who
    /// have any, each student's in the order answered (then by homework and item). Answers waiting
    /// for the teacher and items left unanswered are not responses. Page through all students by
    /// passing the last student id of one page to the next call.
    async fn graded_responses(&self, after_student: Option<&str>, students: u32) -> Result<Vec<GradedResponse>>;

    /// How many graded responses there are (for progress and staleness).
    async fn graded_response_count(&self) -> Result<u64>;

    /// Stores a fit and every student's mastery after it in one transaction. A mastery row updated
    /// after `started` (an online update during the refit, which saw a response the refit did not)
    /// is kept. Keeps the latest 20 fits.
    async fn save_learn_fit(&self, fit: &LearnFit, mastery: &[Mastery], started: DateTime<Utc>) -> Result<()>;

    /// The newest fit with its models.
    async fn latest_learn_fit(&self) -> Result<Option<LearnFit>>;

    /// The newest fits' figures, newest first.
    async fn learn_fits(&self, limit: u32) -> Result<Vec<LearnFitSummary>>;

    /// The mastery rows of these students, by student and knowledge point.
    async fn mastery_of(&self, student_ids: &[String]) -> Result<Vec<Mastery>>;

    /// Writes these rows (online updates), replacing the same student and knowledge point.
    async fn upsert_mastery(&self, rows: &[Mastery]) -> Result<()>;
}
