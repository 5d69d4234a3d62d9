//! The storage error: the user's bad data kept apart from the database failing.

use domain::DomainError;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data breaks the model's rules (the caller's mistake). Nothing was written.
    #[error("{} invalid record(s); first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<DomainError>),
    /// The database could not be reached or opened; the message says which and why.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else the database reported. Logged, never shown to clients.
    #[error("database error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps a backend error as an internal failure.
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Internal(Box::new(err))
    }
}
