//! The one error type of the crate: the user's bad input (a broken layout, a template with a wrong
//! field, an unreadable image) kept apart from internal failures.

/// Everything that can go wrong in this crate.
///
/// Every variant but [`OmrError::Internal`] is the user's bad input and says what and where.
#[derive(Debug, thiserror::Error)]
pub enum OmrError {
    /// A sheet layout (our JSON format) that cannot be printed or read: names the field.
    #[error("layout: {field}: {reason}")]
    Layout { field: String, reason: String },
    /// An OMRChecker `template.json` that cannot be used: names the JSON path.
    #[error("template: {path}: {reason}")]
    Template { path: String, reason: String },
    /// The bytes are not an image we can decode (JPEG or PNG), or it is too large.
    #[error("image: {reason}")]
    Image { reason: String },
    /// The bytes are not a PDF we can take scanned pages from.
    #[error("pdf: {reason}")]
    Pdf { reason: String },
    /// The page belongs to another homework (its QR code says so): refused, never graded
    /// against the wrong key.
    #[error("this page belongs to sheet {found}, not {expected}")]
    WrongSheet { expected: String, found: String },
    /// A failure that is not the user's fault: a bug or a broken invariant.
    #[error("internal error: {0}")]
    Internal(String),
}

impl OmrError {
    /// Whether the error is the user's bad input (as opposed to an internal failure).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, OmrError::Internal(_))
    }

    pub(crate) fn layout(field: impl Into<String>, reason: impl Into<String>) -> Self {
        OmrError::Layout { field: field.into(), reason: reason.into() }
    }

    pub(crate) fn template(path: impl Into<String>, reason: impl Into<String>) -> Self {
        OmrError::Template { path: path.into(), reason: reason.into() }
    }

    pub(crate) fn image(reason: impl Into<String>) -> Self {
        OmrError::Image { reason: reason.into() }
    }
}
