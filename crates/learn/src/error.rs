//! The crate's one error type: the caller's bad input apart from internal failures.

/// Everything that can go wrong in the learning engine.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// The caller handed over data or settings the engine cannot use; the message says which.
    #[error("bad input: {0}")]
    BadInput(String),
    /// A bug or an impossible state inside the engine (for example a worker thread panicked).
    #[error("internal error in the learning engine: {0}")]
    Internal(String),
}

impl LearnError {
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        LearnError::BadInput(message.into())
    }
}
