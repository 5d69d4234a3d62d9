//! The web crate's error and its one mapping to HTTP: a status, a stable snake_case code, and a
//! message in the user's language. Internal causes are logged here and never sent to the client.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use store::StoreError;

use crate::i18n::Lang;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The path or id names nothing (the user's mistake, or a stale link).
    #[error("not found")]
    NotFound,
    /// A parameter could not be understood; says which.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed to render.
    #[error("template rendering failed: {0}")]
    Render(#[from] askama::Error),
}

/// What the client is told about a failed request: the error with its cause removed. Responses
/// carry it as an extension so the layer that knows the user's language and the kind of route
/// (page or API) can write the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    NotFound,
    BadRequest,
    Internal,
}

impl Failure {
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::BadRequest => StatusCode::BAD_REQUEST,
            Failure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code API clients match on.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Failure::NotFound => "not_found",
            Failure::BadRequest => "bad_request",
            Failure::Internal => "internal_error",
        }
    }

    /// The title and explanation shown to the user.
    pub(crate) fn text(self, lang: Lang) -> (&'static str, &'static str) {
        let m = lang.messages();
        match self {
            Failure::NotFound => (m.not_found_title, m.not_found_body),
            Failure::BadRequest => (m.bad_request_title, m.bad_request_body),
            Failure::Internal => (m.error_title, m.error_body),
        }
    }
}

impl WebError {
    fn failure(&self) -> Failure {
        match self {
            WebError::NotFound => Failure::NotFound,
            WebError::BadRequest(_) | WebError::Store(StoreError::Invalid(_)) => Failure::BadRequest,
            WebError::Store(_) | WebError::Render(_) => Failure::Internal,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let failure = self.failure();
        match failure {
            Failure::Internal => tracing::error!(error = %self, "request failed"),
            Failure::BadRequest => tracing::debug!(error = %self, "bad request"),
            Failure::NotFound => {}
        }
        let mut response = failure.status().into_response();
        response.extensions_mut().insert(failure);
        response
    }
}
