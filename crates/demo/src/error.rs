//! The crate's error type: a malformed line in a built-in data table.

/// An error of this crate. Generation itself cannot fail; only the built-in curriculum table can be
/// malformed, which is a bug in the table (caught by the crate's tests), reported with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DemoError {
    /// A line of a data table that does not parse or refers to something undefined.
    #[error("{file}:{line}: {reason}")]
    BadData { file: &'static str, line: usize, reason: String },
}
