//! The storage layer's contract: one trait per capability, the row types pages and exports read,
//! [`StoreError`], and the [`contract`] suite every backend must pass.
//!
//! No SQL lives here. `store-sqlite` and `store-postgres` implement these traits; `cli` picks one
//! from the database URL and hands `web` an `Arc<dyn Store>`.

pub mod contract;
pub mod error;
pub mod views;

use async_trait::async_trait;
use domain::{ActivityRecord, Curriculum, Roster};

pub use error::StoreError;
pub use views::*;

/// The result type of every store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Receives progress from long writes (imports, demo generation), e.g. to drive a progress bar.
pub trait Progress: Send + Sync {
    /// Called with the number of rows written since the last call.
    fn advance(&self, rows: u64);
}

/// A progress sink that ignores progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _rows: u64) {}
}

/// The org tree and its people.
#[async_trait]
pub trait RosterStore: Send + Sync {
    /// Validates `roster` and writes it in one transaction: records whose id exists are replaced,
    /// the rest are added. On any error nothing is written.
    async fn import_roster(&self, roster: &Roster, progress: &dyn Progress) -> Result<ImportSummary>;

    /// Reads the whole roster back, ordered by id within each kind (for export).
    async fn load_roster(&self) -> Result<Roster>;

    /// The district overview: regions, totals and one summary row per school.
    async fn district_overview(&self) -> Result<DistrictOverview>;

    /// A school with its grades, classes, teachers, teaching points and groups.
    async fn school_detail(&self, school_id: &str) -> Result<Option<SchoolDetail>>;

    /// A class with its students and teachers.
    async fn class_detail(&self, class_id: &str) -> Result<Option<ClassDetail>>;

    /// A teacher with what they teach.
    async fn teacher_detail(&self, teacher_id: &str) -> Result<Option<TeacherDetail>>;

    /// Every school group and alliance with its schools' names.
    async fn school_groups(&self) -> Result<Vec<GroupSummary>>;
}

/// The curriculum frame.
#[async_trait]
pub trait CurriculumStore: Send + Sync {
    /// Validates and writes a curriculum in one transaction (replace by id, add the rest).
    async fn import_curriculum(&self, curriculum: &Curriculum, progress: &dyn Progress) -> Result<ImportSummary>;

    /// Reads the whole curriculum back, ordered by id within each kind.
    async fn load_curriculum(&self) -> Result<Curriculum>;

    /// Every textbook volume with its edition's name and counts of chapters and knowledge points.
    async fn volumes(&self) -> Result<Vec<VolumeSummary>>;

    /// One volume with its table of contents and knowledge points.
    async fn volume_detail(&self, volume_id: &str) -> Result<Option<VolumeDetail>>;
}

/// The append-only activity record store.
#[async_trait]
pub trait ActivityStore: Send + Sync {
    /// Appends records in one transaction. Records are never changed or removed afterwards.
    async fn append_activity(&self, records: &[ActivityRecord]) -> Result<()>;

    /// How many records there are.
    async fn activity_count(&self) -> Result<u64>;

    /// The latest records, newest first.
    async fn recent_activity(&self, limit: u32) -> Result<Vec<ActivityRecord>>;
}

/// Everything a backend offers.
#[async_trait]
pub trait Store: RosterStore + CurriculumStore + ActivityStore {
    /// `"sqlite"` or `"postgres"`, for logs and the about page.
    fn backend(&self) -> &'static str;

    /// True when no school has been stored yet (so `serve --demo` knows to generate one).
    async fn is_empty(&self) -> Result<bool>;
}
