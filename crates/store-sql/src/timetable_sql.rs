//! School timetables' SQL, rows and assembly, shared by both backends.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use store::{StoreError, StoredTimetable, StoredTimetableSettings, TimetableFigures, TimetableSource};

/// Inserts the instance or replaces it; `$6` (keep placements) decides whether the solved
/// placements and figures survive.
pub const UPSERT_INPUT: &str = "INSERT INTO timetables \
    (school_id, term, source, input, placements, hard_ok, hard_violations, soft_penalty, seconds, iterations, \
     version, updated_at, updated_by) \
    VALUES ($1, $2, $3, $4, NULL, NULL, NULL, NULL, NULL, NULL, 1, $5, $7) \
    ON CONFLICT (school_id, term) DO UPDATE SET source = excluded.source, input = excluded.input, \
    placements = CASE WHEN $6 THEN timetables.placements ELSE NULL END, \
    hard_ok = CASE WHEN $6 THEN timetables.hard_ok ELSE NULL END, \
    hard_violations = CASE WHEN $6 THEN timetables.hard_violations ELSE NULL END, \
    soft_penalty = CASE WHEN $6 THEN timetables.soft_penalty ELSE NULL END, \
    seconds = CASE WHEN $6 THEN timetables.seconds ELSE NULL END, \
    iterations = CASE WHEN $6 THEN timetables.iterations ELSE NULL END, \
    version = timetables.version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by";

pub const VERSION_OF: &str = "SELECT version FROM timetables WHERE school_id = $1 AND term = $2";

/// Guarded by the version the caller read.
pub const UPDATE_PLACEMENTS: &str = "UPDATE timetables SET placements = $1, hard_ok = $2, hard_violations = $3, \
    soft_penalty = $4, seconds = $5, iterations = $6, version = version + 1, updated_at = $7, updated_by = $8 \
    WHERE school_id = $9 AND term = $10 AND version = $11";

const SELECT: &str = "SELECT school_id, term, source, input, placements, hard_ok, hard_violations, soft_penalty, \
    seconds, iterations, version, updated_at, updated_by FROM timetables";

pub fn by_key() -> String {
    format!("{SELECT} WHERE school_id = $1 AND term = $2")
}

pub fn of_term() -> String {
    format!("{SELECT} WHERE term = $1 ORDER BY school_id")
}

#[derive(FromRow)]
pub struct TimetableRow {
    pub school_id: String,
    pub term: String,
    pub source: String,
    pub input: String,
    pub placements: Option<String>,
    pub hard_ok: Option<bool>,
    pub hard_violations: Option<i64>,
    pub soft_penalty: Option<f64>,
    pub seconds: Option<f64>,
    pub iterations: Option<i64>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

pub fn timetable(r: TimetableRow) -> Result<StoredTimetable, StoreError> {
    let source = TimetableSource::parse(&r.source).ok_or_else(|| {
        StoreError::internal(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unknown timetable source `{}`", r.source),
        ))
    })?;
    let figures = match (r.hard_ok, r.hard_violations, r.soft_penalty, r.seconds, r.iterations) {
        (Some(hard_ok), Some(hard_violations), Some(soft_penalty), Some(seconds), Some(iterations)) => {
            Some(TimetableFigures { hard_ok, hard_violations, soft_penalty, seconds, iterations })
        }
        _ => None,
    };
    Ok(StoredTimetable {
        school_id: r.school_id,
        term: r.term,
        source,
        input: r.input,
        placements: r.placements,
        figures,
        version: r.version,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
    })
}

/// The first conditions of a school: nothing happens when another request stored some first.
pub const INSERT_SETTINGS: &str = "INSERT INTO timetable_settings (school_id, settings, version, updated_at, updated_by) \
    VALUES ($1, $2, 1, $3, $4) ON CONFLICT (school_id) DO NOTHING";

/// Guarded by the version the caller read.
pub const UPDATE_SETTINGS: &str = "UPDATE timetable_settings SET settings = $1, version = version + 1, \
    updated_at = $2, updated_by = $3 WHERE school_id = $4 AND version = $5";

pub const SETTINGS_OF: &str =
    "SELECT school_id, settings, version, updated_at, updated_by FROM timetable_settings WHERE school_id = $1";

#[derive(FromRow)]
pub struct SettingsRow {
    pub school_id: String,
    pub settings: String,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

pub fn settings(r: SettingsRow) -> StoredTimetableSettings {
    StoredTimetableSettings {
        school_id: r.school_id,
        settings: r.settings,
        version: r.version,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
    }
}
