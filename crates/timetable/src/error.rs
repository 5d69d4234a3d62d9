//! The crate's one error type: the user's bad input apart from internal failures.

use thiserror::Error;

/// Everything that can go wrong when reading a timetable problem or solving it.
#[derive(Debug, Error)]
pub enum TimetableError {
    /// The file is not well-formed XML; `line` is 1-based.
    #[error("line {line}: malformed XML: {message}")]
    MalformedXml {
        /// 1-based line of the error.
        line: usize,
        /// What the XML reader reported.
        message: String,
    },
    /// The file is XML but its content is not a usable problem (an unknown name, a missing field, a bad number).
    #[error("line {line}: {message}")]
    BadInput {
        /// 1-based line of the element at fault (0 when the fault is not tied to one line).
        line: usize,
        /// What is wrong, naming the element and field.
        message: String,
    },
    /// The file uses FET constraint types (or modes) this crate does not implement.
    #[error(
        "unsupported FET constraint types: {}{}",
        names.join(", "),
        if *soft_only { " (all soft: pass the option to ignore soft unsupported constraints to solve without them)" } else { "" }
    )]
    Unsupported {
        /// The element names, each once, sorted.
        names: Vec<String>,
        /// True when every unsupported constraint is soft, so the user may choose to ignore them.
        soft_only: bool,
    },
    /// The model itself is inconsistent (e.g. a shared lesson between schools whose periods never overlap).
    #[error("{0}")]
    Model(String),
    /// A bug or broken invariant inside the crate.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, TimetableError>;
