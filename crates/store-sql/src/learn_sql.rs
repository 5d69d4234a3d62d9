//! The learning engine's SQL, rows and assembly, shared by both backends.
//!
//! Probabilities, seconds and AUCs are `DOUBLE PRECISION` in PostgreSQL and `REAL` (8 bytes) in
//! SQLite, read as `f64`. Models and metrics are JSON (`JSONB` / text).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::{FromRow, types::Json};
use store::{FitMetrics, GradedResponse, LearnFitSummary, Mastery, StoreError};

/// The outcomes that are evidence about a knowledge point: not an answer waiting for the teacher,
/// not an item left blank.
const EVIDENCE: &str = "('correct', 'partial', 'wrong')";

/// Graded answers of the next `$2` students after `$1` who have any, in order per student.
pub fn graded_responses() -> String {
    format!(
        "SELECT a.student_id, a.item_id, a.homework_id, a.score, a.max, a.answered_at FROM answers a \
         WHERE a.outcome IN {EVIDENCE} AND a.student_id IN (SELECT DISTINCT b.student_id FROM answers b \
         WHERE b.outcome IN {EVIDENCE} AND b.student_id > $1 ORDER BY b.student_id LIMIT $2) \
         ORDER BY a.student_id, a.answered_at, a.homework_id, a.item_id"
    )
}

pub fn graded_response_count() -> String {
    format!("SELECT COUNT(*) FROM answers WHERE outcome IN {EVIDENCE}")
}

/// Items' knowledge points; callers append the ids and `)`.
pub const ITEM_POINTS_HEAD: &str = "SELECT id, content FROM items WHERE id IN (";

pub const FIT_COLUMNS: &str =
    "id, fitted_at, responses, students, knowledge_points, items, seconds, auc, metrics, bkt, irt";
const SUMMARY_COLUMNS: &str = "id, fitted_at, responses, students, knowledge_points, items, seconds, metrics";

pub fn insert_fit() -> String {
    format!("INSERT INTO learn_fits ({FIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
}
pub fn latest_fit() -> String {
    format!("SELECT {FIT_COLUMNS} FROM learn_fits ORDER BY fitted_at DESC, id DESC LIMIT 1")
}
pub fn fit_summaries() -> String {
    format!("SELECT {SUMMARY_COLUMNS} FROM learn_fits ORDER BY fitted_at DESC, id DESC LIMIT $1")
}
/// Keeps the newest `$1` fits.
pub const PRUNE_FITS: &str = "DELETE FROM learn_fits WHERE id NOT IN \
    (SELECT id FROM (SELECT id FROM learn_fits ORDER BY fitted_at DESC, id DESC LIMIT $1) AS kept)";
/// How many fits are kept.
pub const FITS_KEPT: i64 = 20;

pub const MASTERY_INSERT: &str =
    "INSERT INTO mastery (student_id, knowledge_point, probability, responses, updated_at) ";
/// Binds per mastery row.
pub const MASTERY_BINDS: usize = 5;
/// An online update replaces the row.
pub const MASTERY_UPSERT_TAIL: &str = " ON CONFLICT (student_id, knowledge_point) DO UPDATE SET \
    probability = excluded.probability, responses = excluded.responses, updated_at = excluded.updated_at";
/// A refit replaces the row unless an online update wrote it after the refit started; callers
/// bind that instant after this.
pub const MASTERY_REFIT_TAIL: &str = " ON CONFLICT (student_id, knowledge_point) DO UPDATE SET \
    probability = excluded.probability, responses = excluded.responses, updated_at = excluded.updated_at \
    WHERE mastery.updated_at <= ";
/// Mastery rows of students; callers append the ids, `)` and [`MASTERY_ORDER`].
pub const MASTERY_HEAD: &str =
    "SELECT student_id, knowledge_point, probability, responses, updated_at FROM mastery WHERE student_id IN (";
pub const MASTERY_ORDER: &str = " ORDER BY student_id, knowledge_point";

#[derive(Debug, FromRow)]
pub struct ResponseRow {
    pub student_id: String,
    pub item_id: String,
    pub homework_id: String,
    pub score: Option<f32>,
    pub max: Option<f32>,
    pub answered_at: DateTime<Utc>,
}

/// Only the knowledge points of a stored item (the rest of its JSON is skipped, not parsed into
/// values).
#[derive(Debug, Deserialize)]
pub struct ItemPoints {
    #[serde(default)]
    pub knowledge_points: Vec<String>,
}

#[derive(Debug, FromRow)]
pub struct ItemPointsRow {
    pub id: String,
    pub content: Json<ItemPoints>,
}

#[derive(Debug, FromRow)]
pub struct FitSummaryRow {
    pub id: String,
    pub fitted_at: DateTime<Utc>,
    pub responses: i64,
    pub students: i64,
    pub knowledge_points: i64,
    pub items: i64,
    pub seconds: f64,
    pub metrics: Json<FitMetrics>,
}

#[derive(Debug, FromRow)]
pub struct FitRow {
    #[sqlx(flatten)]
    pub summary: FitSummaryRow,
    pub bkt: Json<serde_json::Value>,
    pub irt: Option<Json<serde_json::Value>>,
}

#[derive(Debug, FromRow)]
pub struct MasteryRow {
    pub student_id: String,
    pub knowledge_point: String,
    pub probability: f64,
    pub responses: i64,
    pub updated_at: DateTime<Utc>,
}

fn count(value: i64) -> u64 {
    value.max(0) as u64
}

/// A response from its row; `points` looks up the item's knowledge points.
pub fn response(r: ResponseRow, points: &std::collections::HashMap<String, Vec<String>>) -> GradedResponse {
    let correct = match (r.score, r.max) {
        (Some(score), Some(max)) => max > 0.0 && score >= max,
        _ => false,
    };
    GradedResponse {
        knowledge_points: points.get(&r.item_id).cloned().unwrap_or_default(),
        student_id: r.student_id,
        item_id: r.item_id,
        homework_id: r.homework_id,
        correct,
        answered_at: r.answered_at,
    }
}

pub fn fit_summary(r: FitSummaryRow) -> LearnFitSummary {
    LearnFitSummary {
        id: r.id,
        fitted_at: r.fitted_at,
        responses: count(r.responses),
        students: count(r.students),
        knowledge_points: count(r.knowledge_points),
        items: count(r.items),
        seconds: r.seconds,
        metrics: r.metrics.0,
    }
}

pub fn fit(r: FitRow) -> store::LearnFit {
    store::LearnFit { summary: fit_summary(r.summary), bkt: r.bkt.0, irt: r.irt.map(|j| j.0) }
}

pub fn mastery(r: MasteryRow) -> Result<Mastery, StoreError> {
    Ok(Mastery {
        student_id: r.student_id,
        knowledge_point: r.knowledge_point,
        probability: r.probability,
        responses: u32::try_from(r.responses).map_err(StoreError::internal)?,
        updated_at: r.updated_at,
    })
}

/// An `i64` for a count column.
pub fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
