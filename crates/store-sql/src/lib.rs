//! Portable SQL shared by the SQLite and PostgreSQL backends.
//!
//! Both backends speak the same SQL for everything the platform needs (`$N` parameters,
//! `ON CONFLICT … DO UPDATE`, plain integer/text/date/timestamp types), so the queries, the row
//! types and the code that assembles domain values live here once. [`impl_portable_store!`]
//! instantiates the store traits for one backend's driver; each backend keeps its own
//! migrations, connection set-up and anything dialect-specific. The contract suite in `store`
//! keeps the two equivalent.

pub mod assemble;
pub mod homework_sql;
pub mod learn_sql;
pub mod library_sql;
pub mod rows;
pub mod scans_sql;
pub mod sql;
pub mod timetable_sql;

#[doc(hidden)]
pub mod reexports {
    pub use async_trait;
    pub use chrono;
    pub use domain;
    pub use serde_json;
    pub use sqlx;
    pub use store;
}

/// How many bound parameters one batched INSERT may carry. SQLite allows 32,766 and PostgreSQL
/// 65,535; staying well below both keeps statements small enough to prepare quickly.
pub const MAX_BINDS_PER_STATEMENT: usize = 16_000;

/// Rows per batched INSERT for a table with `columns` columns.
pub fn batch_rows(columns: usize) -> usize {
    (MAX_BINDS_PER_STATEMENT / columns.max(1)).max(1)
}

/// Maps a driver error to a store error.
pub fn db_err(err: sqlx::Error) -> store::StoreError {
    store::StoreError::internal(err)
}

mod homework_macro;
mod identity_macro;
mod learn_macro;
mod library_macro;
mod macros;
mod scans_macro;
mod timetable_macro;
