//! The storage layer's contract: one trait per capability, the row types pages and exports read,
//! [`StoreError`], and the [`contract`] suite every backend must pass.
//!
//! No SQL lives here. `store-sqlite` and `store-postgres` implement these traits; `cli` picks one
//! from the database URL and hands `web` an `Arc<dyn Store>`.

pub mod contract;
pub mod error;
pub mod homework;
pub mod learn;
pub mod library;
pub mod scans;
pub mod timetable;
pub mod views;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    ActivityRecord, Curriculum, Roster,
    access::{ActorFacts, Place, ResourceKind, RoleAssignment},
    identity::{Account, AuditEntry, PersonRef},
};

pub use error::StoreError;
pub use homework::*;
pub use learn::*;
pub use library::*;
pub use scans::*;
pub use timetable::*;
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

    /// The records about one object (a resource's review history, …), oldest first.
    async fn activity_about(&self, object_kind: &str, object_id: &str, limit: u32) -> Result<Vec<ActivityRecord>>;
}

/// Sign-in accounts, role assignments, sessions and API tokens.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Adds accounts and role assignments whose ids do not exist yet; existing ones (and their
    /// passwords) are left alone. One transaction.
    async fn add_accounts(
        &self,
        accounts: &[Account],
        assignments: &[RoleAssignment],
        progress: &dyn Progress,
    ) -> Result<u64>;

    async fn account(&self, id: &str) -> Result<Option<Account>>;

    /// The account whose username or phone number is `login`.
    async fn account_by_login(&self, login: &str) -> Result<Option<Account>>;

    /// Accounts whose username or display name contains `query`, at most `limit`, by username.
    async fn search_accounts(&self, query: &str, limit: u32) -> Result<Vec<Account>>;

    /// Sets the password hash; `must_change` forces a new password at next sign-in.
    async fn set_password(&self, account_id: &str, hash: &str, must_change: bool) -> Result<()>;

    async fn set_disabled(&self, account_id: &str, disabled: bool) -> Result<()>;

    /// Every role assignment of an account, by id.
    async fn role_assignments(&self, account_id: &str) -> Result<Vec<RoleAssignment>>;

    /// Role assignments whose scope is one of `scope_ids`, with the account's display name.
    async fn assignments_in_scopes(&self, scope_ids: &[String], limit: u32) -> Result<Vec<(RoleAssignment, String)>>;

    /// The assignment with this id.
    async fn role_assignment(&self, id: &str) -> Result<Option<RoleAssignment>>;

    /// Removes an assignment (and the API tokens bound to it).
    async fn remove_role_assignment(&self, id: &str) -> Result<()>;

    /// Roster facts the policy needs about a person: classes taught and headed, children.
    async fn actor_facts(&self, person: &PersonRef) -> Result<ActorFacts>;

    /// Where a resource sits in the org tree, or `None` when it does not exist. The id is a region
    /// id for `District` and `Audit`, a group, school, class, teacher or student id otherwise.
    async fn place(&self, kind: ResourceKind, id: &str) -> Result<Option<Place>>;

    async fn create_session(&self, session: &Session) -> Result<()>;

    /// The session with this id hash, if it has not expired at `now`.
    async fn session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>>;

    async fn delete_session(&self, id_hash: &str) -> Result<()>;

    /// Ends every session of an account ("log out everywhere", password change, disabling).
    async fn delete_sessions_of(&self, account_id: &str) -> Result<u64>;

    async fn create_token(&self, token: &ApiToken) -> Result<()>;

    /// An account's tokens, newest first, revoked ones included.
    async fn tokens_of(&self, account_id: &str) -> Result<Vec<ApiToken>>;

    /// The unrevoked token with this hash.
    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>>;

    /// Revokes one of the account's tokens; false when there was no such unrevoked token.
    async fn revoke_token(&self, account_id: &str, token_id: &str, at: DateTime<Utc>) -> Result<bool>;
}

/// The append-only audit log of access to personal data and of permission changes.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one entry. There is no way to change or remove entries.
    async fn append_audit(&self, entry: &AuditEntry) -> Result<()>;

    /// Entries matching the filter, newest first.
    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
}

/// A signed-in browser session. The cookie holds a random secret; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: String,
    /// The synchronizer token every state-changing form must carry.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// An API token for integrators, bound to one role assignment. Only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    pub id: String,
    pub account_id: String,
    pub assignment_id: String,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Which audit entries to list. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<domain::identity::AuditAction>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub school_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
    pub offset: u32,
}

/// Everything a backend offers.
#[async_trait]
pub trait Store:
    RosterStore
    + CurriculumStore
    + ActivityStore
    + AccountStore
    + AuditStore
    + ItemStore
    + ResourceStore
    + UsageStore
    + HomeworkStore
    + LearnStore
    + ScanStore
    + TimetableStore
{
    /// `"sqlite"` or `"postgres"`, for logs and the about page.
    fn backend(&self) -> &'static str;

    /// True when no school has been stored yet (so `serve --demo` knows to generate one).
    async fn is_empty(&self) -> Result<bool>;
}
