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
    /// The request carries no valid session or token.
    #[error("not signed in")]
    Unauthorized,
    /// The policy refused the request.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing form without the session's CSRF token.
    #[error("CSRF token missing or wrong")]
    CsrfFailed,
    /// The request body is over the limit.
    #[error("request body too large")]
    TooLarge,
    /// Too many failed sign-ins: try again after this many seconds.
    #[error("too many attempts; retry in {0} s")]
    TooMany(u64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed to render.
    #[error("template rendering failed: {0}")]
    Render(#[from] askama::Error),
    /// Another part of the server failed (the search index, the file store); logged, never sent.
    #[error("internal failure: {0}")]
    Internal(String),
}

/// What the client is told about a failed request: the error with its cause removed. Responses
/// carry it as an extension so the layer that knows the user's language and the kind of route
/// (page or API) can write the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    NotFound,
    BadRequest,
    Unauthorized,
    Forbidden,
    CsrfFailed,
    TooLarge,
    TooMany,
    Internal,
}

impl Failure {
    pub(crate) fn status(self) -> StatusCode {
        match self {
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::BadRequest => StatusCode::BAD_REQUEST,
            Failure::Unauthorized => StatusCode::UNAUTHORIZED,
            Failure::Forbidden | Failure::CsrfFailed => StatusCode::FORBIDDEN,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Failure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code API clients match on.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Failure::NotFound => "not_found",
            Failure::BadRequest => "bad_request",
            Failure::Unauthorized => "unauthorized",
            Failure::Forbidden => "forbidden",
            Failure::CsrfFailed => "csrf_failed",
            Failure::TooLarge => "payload_too_large",
            Failure::TooMany => "too_many_attempts",
            Failure::Internal => "internal_error",
        }
    }

    /// The title and explanation shown to the user.
    pub(crate) fn text(self, lang: Lang) -> (&'static str, &'static str) {
        let m = lang.messages();
        match self {
            Failure::NotFound => (m.not_found_title, m.not_found_body),
            Failure::BadRequest => (m.bad_request_title, m.bad_request_body),
            Failure::Unauthorized => (m.unauthorized_title, m.unauthorized_body),
            Failure::Forbidden => (m.forbidden_title, m.forbidden_body),
            Failure::CsrfFailed => (m.csrf_title, m.csrf_body),
            Failure::TooLarge => (m.too_large_title, m.too_large_body),
            Failure::TooMany => (m.too_many_title, m.too_many_body),
            Failure::Internal => (m.error_title, m.error_body),
        }
    }
}

impl WebError {
    fn failure(&self) -> Failure {
        match self {
            WebError::NotFound => Failure::NotFound,
            WebError::Unauthorized => Failure::Unauthorized,
            WebError::Forbidden => Failure::Forbidden,
            WebError::CsrfFailed => Failure::CsrfFailed,
            WebError::TooLarge => Failure::TooLarge,
            WebError::TooMany(_) => Failure::TooMany,
            WebError::BadRequest(_) | WebError::Store(StoreError::Invalid(_)) => Failure::BadRequest,
            WebError::Store(_) | WebError::Render(_) | WebError::Internal(_) => Failure::Internal,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let failure = self.failure();
        match failure {
            Failure::Internal => tracing::error!(error = %self, "request failed"),
            Failure::BadRequest => tracing::debug!(error = %self, "bad request"),
            _ => {}
        }
        let mut response = failure.status().into_response();
        if let WebError::TooMany(seconds) = self
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(failure);
        response
    }
}
