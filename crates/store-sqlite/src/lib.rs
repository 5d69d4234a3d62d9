//! The SQLite backend: the embedded default. One file (WAL, foreign keys on, busy timeout),
//! created with its schema on first open.

use std::{path::Path, str::FromStr, time::Duration};

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use store::{Result, StoreError};

/// A store in one SQLite database file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> Result<SqliteStore> {
        let unavailable = |e: &dyn std::fmt::Display| {
            StoreError::Unavailable(format!("cannot open SQLite database {}: {e}", path.display()))
        };
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| unavailable(&e))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed transaction survives power loss, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // SQLite serialises writers; a few connections let reads go on beside one writer.
        let pool =
            SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(|e| unavailable(&e))?;
        MIGRATOR.run(&pool).await.map_err(|e| unavailable(&e))?;
        Ok(SqliteStore { pool })
    }

    /// The underlying pool, for backend-specific tests.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// The schema, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

store_sql::impl_portable_store!(crate::SqliteStore, sqlx::Sqlite);

#[async_trait]
impl store::Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn is_empty(&self) -> Result<bool> {
        portable_impl::no_schools(&self.pool).await
    }
}
