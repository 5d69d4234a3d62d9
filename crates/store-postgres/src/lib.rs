//! The PostgreSQL backend: what a district runs in production, selected by a `postgres://` URL.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use store::{Result, StoreError};

/// A store in a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` and applies pending migrations. Errors name the server, never the password.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let shown = redact(url);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot connect to PostgreSQL at {shown}: {e}")))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot migrate PostgreSQL database {shown}: {e}")))?;
        Ok(PgStore { pool })
    }

    /// The underlying pool, for backend-specific tests.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                if credentials.contains(':') {
                    format!("{scheme}://{user}:***@{host}")
                } else {
                    format!("{scheme}://{user}@{host}")
                }
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// The schema, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

store_sql::impl_portable_store!(crate::PgStore, sqlx::Postgres);

#[async_trait]
impl store::Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn is_empty(&self) -> Result<bool> {
        portable_impl::no_schools(&self.pool).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_show() {
        assert_eq!(super::redact("postgres://zj:s3cret@db:5432/zhijiao"), "postgres://zj:***@db:5432/zhijiao");
        assert_eq!(super::redact("postgres://zj@db/zhijiao"), "postgres://zj@db/zhijiao");
        assert_eq!(super::redact("postgres://db/zhijiao"), "postgres://db/zhijiao");
    }
}
