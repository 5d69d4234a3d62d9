//! School timetables: per school and term, the instance a 教务 solves (derived from the roster or
//! imported from a FET file, kept as text) and the solved timetable (placements with pinned
//! flags, as JSON text the store does not interpret) with the solver's figures.
//!
//! A school's timetabling conditions (排课条件) are kept beside them, per school for every term.
//!
//! The timetable is replaced as a whole, guarded by the version the caller read, so two people
//! moving lessons at once cannot silently undo each other.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Result;

/// Where a timetable's instance came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimetableSource {
    /// Derived from the roster (`input` is the instance as JSON).
    Roster,
    /// Imported from a FET file (`input` is the file's XML).
    Fet,
}

impl TimetableSource {
    pub fn code(self) -> &'static str {
        match self {
            TimetableSource::Roster => "roster",
            TimetableSource::Fet => "fet",
        }
    }

    pub fn parse(code: &str) -> Option<TimetableSource> {
        [TimetableSource::Roster, TimetableSource::Fet].into_iter().find(|s| s.code() == code)
    }
}

/// What the solver reported about the stored timetable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimetableFigures {
    /// Every hard constraint holds (by the independent checker).
    pub hard_ok: bool,
    /// Hard violations (0 when `hard_ok`).
    pub hard_violations: i64,
    /// Soft penalty (1.0 per violation of a 100 % wish).
    pub soft_penalty: f64,
    /// Seconds the solve took (0 for a move by hand).
    pub seconds: f64,
    /// Solver moves.
    pub iterations: i64,
}

/// New placements for one school's timetable, guarded by the version they were made from.
#[derive(Debug, Clone, Copy)]
pub struct PlacementsWrite<'a> {
    pub school_id: &'a str,
    pub term: &'a str,
    pub expected_version: i64,
    /// Placements as JSON.
    pub placements: &'a str,
    pub figures: &'a TimetableFigures,
}

/// One school's timetable for one term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredTimetable {
    pub school_id: String,
    pub term: String,
    pub source: TimetableSource,
    /// The instance: JSON for [`TimetableSource::Roster`], FET XML for [`TimetableSource::Fet`].
    pub input: String,
    /// Placements as JSON, `None` until solved.
    pub placements: Option<String>,
    /// The figures of the last solve or move, `None` until solved.
    pub figures: Option<TimetableFigures>,
    /// Increases with every write; the guard of [`TimetableStore::save_timetable_placements`].
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// The account that last changed it.
    pub updated_by: String,
}

#[async_trait]
pub trait TimetableStore: Send + Sync {
    /// Stores a school's instance for a term, replacing the instance (and, when `keep_placements`
    /// is false, dropping the placements, as after importing another file). Returns the new version.
    #[allow(clippy::too_many_arguments, reason = "the key, the value, who and when: each plain")]
    async fn save_timetable_input(
        &self,
        school_id: &str,
        term: &str,
        source: TimetableSource,
        input: &str,
        keep_placements: bool,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<i64>;

    /// Replaces the placements and figures of every write's school in one transaction, if each
    /// stored version is still the one expected; returns the new versions in order, or `None`
    /// with nothing written when someone else wrote any of them in between (or one has no
    /// timetable). Several schools are written together when a shared lesson moves in both.
    async fn save_timetable_placements(
        &self,
        writes: &[PlacementsWrite<'_>],
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<Vec<i64>>>;

    /// A school's timetable for a term.
    async fn timetable(&self, school_id: &str, term: &str) -> Result<Option<StoredTimetable>>;

    /// Every school's timetable for a term, by school id (the district view of shared lessons).
    async fn timetables_of_term(&self, term: &str) -> Result<Vec<StoredTimetable>>;

    /// A school's timetabling conditions (排课条件), `None` before any were saved.
    async fn timetable_settings(&self, school_id: &str) -> Result<Option<StoredTimetableSettings>>;

    /// Replaces a school's conditions if the stored version is still `expected_version` (0: none
    /// stored yet); returns the new version, or `None` when someone else wrote in between.
    async fn save_timetable_settings(
        &self,
        school_id: &str,
        expected_version: i64,
        settings: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>>;
}

/// One school's timetabling conditions, kept for every term until changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredTimetableSettings {
    pub school_id: String,
    /// The conditions as JSON (`timetable::platform::settings::Settings`).
    pub settings: String,
    /// Increases with every write; the guard of [`TimetableStore::save_timetable_settings`].
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// The account that last changed them.
    pub updated_by: String,
}
