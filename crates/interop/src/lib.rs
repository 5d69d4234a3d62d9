//! The standards spoken at the platform's edges: OneRoster 1.2 CSV in and out, and the PEP (人教版)
//! curriculum import.
//!
//! This crate is pure: it reads no files, opens no sockets and reads no clock. Callers (the CLI, the
//! web upload handler) read files or archives into memory and hand over their bytes as [`InputFile`]s;
//! writers return file names and bytes for the caller to store.

pub mod filetype;
pub mod items;
pub mod oneroster;
pub mod pep;
mod text;
mod zipfile;

pub use oneroster::{ImportErrors, RowError};
pub use text::decode_text;
pub use zipfile::files_from_zip;

/// One input file, already read into memory by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file's name, e.g. `users.csv`. A folder prefix (`export/users.csv`) is allowed; readers
    /// look at the last path component.
    pub name: String,
    pub bytes: Vec<u8>,
}

impl InputFile {
    /// Wraps a name and its bytes.
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        InputFile { name: name.into(), bytes: bytes.into() }
    }

    /// The last component of the name, which is what OneRoster file names are matched against.
    pub fn base_name(&self) -> &str {
        self.name.rsplit(['/', '\\']).next().unwrap_or(&self.name)
    }
}

/// The one error type of this crate.
///
/// Every variant but [`InteropError::Internal`] is the user's bad input and says what and where.
#[derive(Debug, thiserror::Error)]
pub enum InteropError {
    /// The archive could not be read as a zip file.
    #[error("not a readable zip archive: {reason}")]
    BadZip { reason: String },
    /// A file is neither valid UTF-8 nor valid GB18030 (the superset of GBK).
    #[error("{file}: is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 and try again")]
    Encoding { file: String },
    /// A file that could be decoded but whose content is wrong.
    #[error("{}", match line { Some(line) => format!("{file}:{line}: {reason}"), None => format!("{file}: {reason}") })]
    BadInput { file: String, line: Option<usize>, reason: String },
    /// A OneRoster import with one or more bad rows.
    #[error("{0}")]
    Import(#[from] ImportErrors),
    /// A failure that is not the user's fault: a bug or a broken invariant.
    #[error("internal error: {0}")]
    Internal(String),
}

impl InteropError {
    /// Whether the error is the user's bad input (as opposed to an internal failure).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, InteropError::Internal(_))
    }
}
