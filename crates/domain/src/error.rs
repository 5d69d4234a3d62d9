//! The one error type of the domain crate: a value that breaks a rule of the model.

/// A value that breaks a rule of the model. Always the user's mistake (bad input), never an internal failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A code that names no known variant of an enumeration, e.g. a school kind `"大学"`.
    #[error("unknown {what} `{value}`")]
    UnknownCode { what: &'static str, value: String },
    /// A record that points at something that does not exist.
    #[error("{what} `{id}` refers to missing {target} `{target_id}`")]
    DanglingReference { what: &'static str, id: String, target: &'static str, target_id: String },
    /// Two records of one kind with the same id.
    #[error("duplicate {what} id `{id}`")]
    DuplicateId { what: &'static str, id: String },
    /// A value outside its allowed range or shape.
    #[error("{what} `{id}`: {reason}")]
    Invalid { what: &'static str, id: String, reason: String },
}
