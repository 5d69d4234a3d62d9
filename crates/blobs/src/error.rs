//! The one error type of the blobs crate.

use interop::filetype::FileType;

/// Why a blob operation failed. Every variant but [`BlobError::Internal`] is the caller's or the
/// uploader's doing and says what to change.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The file has no content.
    #[error("the file is empty")]
    Empty,
    /// The file is bigger than allowed for its kind.
    #[error("the file is larger than the limit of {} MiB", limit >> 20)]
    TooLarge { limit: u64 },
    /// The content is of a type the library does not keep.
    #[error("{detected} cannot be uploaded here")]
    TypeNotAllowed { detected: FileType },
    /// The file name claims another type than the content (e.g. a `.pdf` that is a zip).
    #[error("the file is named .{declared} but is {detected}; save it in its real format and upload it again")]
    ExtensionMismatch { declared: String, detected: FileType },
    /// A resumable upload chunk that does not start where the received data ends; resume at
    /// `expected`.
    #[error("the upload has {expected} bytes; send the next chunk from there")]
    OffsetConflict { expected: u64 },
    /// A chunk that would take the upload past the size declared when it began.
    #[error("the chunk goes past the upload's declared size of {total} bytes")]
    PastEnd { total: u64 },
    /// Finishing an upload that has not received all its bytes.
    #[error("the upload has {received} of {total} bytes; send the rest before finishing")]
    Incomplete { received: u64, total: u64 },
    /// No such upload (never begun, finished, aborted or swept), or a malformed upload id.
    #[error("no such upload")]
    UnknownUpload,
    /// Another request is working on the same upload right now; retry after it.
    #[error("the upload is busy with another request")]
    Busy,
    /// No blob with this hash.
    #[error("no such file")]
    NotFound,
    /// Not a lower-case hex SHA-256.
    #[error("not a SHA-256 hash")]
    BadHash,
    /// A byte range that is empty or reaches past the end of the blob.
    #[error("the range is outside the file's {size} bytes")]
    BadRange { size: u64 },
    /// A failure that is not the user's: the disk, the object store, a bug.
    #[error("internal storage error: {0}")]
    Internal(String),
}

impl BlobError {
    /// Whether the error is the user's (bad input) rather than an internal failure.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, BlobError::Internal(_))
    }

    /// A stable snake_case code for clients.
    pub fn code(&self) -> &'static str {
        match self {
            BlobError::Empty => "empty_file",
            BlobError::TooLarge { .. } => "file_too_large",
            BlobError::TypeNotAllowed { .. } => "file_type_not_allowed",
            BlobError::ExtensionMismatch { .. } => "file_extension_mismatch",
            BlobError::OffsetConflict { .. } => "upload_offset_conflict",
            BlobError::PastEnd { .. } => "upload_past_end",
            BlobError::Incomplete { .. } => "upload_incomplete",
            BlobError::UnknownUpload => "unknown_upload",
            BlobError::Busy => "upload_busy",
            BlobError::NotFound => "file_not_found",
            BlobError::BadHash => "bad_hash",
            BlobError::BadRange { .. } => "bad_range",
            BlobError::Internal(_) => "internal",
        }
    }

    /// Wraps an unexpected failure with what was being done.
    pub(crate) fn internal(doing: &str, error: impl std::fmt::Display) -> BlobError {
        BlobError::Internal(format!("{doing}: {error}"))
    }
}
