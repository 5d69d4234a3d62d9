//! Why a homework operation was refused, said precisely enough for a form or an API client to
//! point at the field: `{"error": {"code", "message", "field", "problems"}}`.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use domain::{
    homework::{AnswerProblem, SpecProblem},
    workload::WorkloadVerdict,
};
use serde::Serialize;
use store::StoreError;

use crate::WebError;

/// A refused or failed homework operation.
#[derive(Debug, thiserror::Error)]
pub enum HomeworkError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The homework as composed breaks rules (no items, due before open …).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<SpecProblem>),
    /// An answer or submission refused.
    #[error("{0}")]
    Answer(AnswerProblem),
    /// Assigning would take classes past their daily limit; the teacher has to confirm.
    #[error("over the daily homework limit: {}", .0.iter().map(|w| w.class_name.as_str()).collect::<Vec<_>>().join(", "))]
    OverLimit(Vec<WorkloadWarning>),
    /// A request field that cannot be read.
    #[error("{field}: {message}")]
    BadField { field: &'static str, message: String },
    /// The request body is over the limit.
    #[error("request body too large")]
    TooLarge,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A JSON request body whose rejections (no `Content-Type: application/json`, malformed JSON, a
/// field of the wrong type) are answered in the API's JSON error shape, naming what was wrong,
/// instead of axum's plain-text replies.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = HomeworkError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(HomeworkError::TooLarge),
            Err(rejection) => Err(HomeworkError::BadField { field: "body", message: rejection.body_text() }),
        }
    }
}

/// One class that a homework would take past its daily limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadWarning {
    pub class_id: String,
    pub class_name: String,
    pub date: chrono::NaiveDate,
    pub verdict: WorkloadVerdict,
}

impl From<WebError> for HomeworkError {
    fn from(err: WebError) -> Self {
        match err {
            WebError::NotFound => HomeworkError::NotFound,
            WebError::Forbidden | WebError::Unauthorized => HomeworkError::Forbidden,
            WebError::Store(e) => HomeworkError::Store(e),
            other => HomeworkError::Store(StoreError::Unavailable(other.to_string())),
        }
    }
}

impl HomeworkError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            HomeworkError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            HomeworkError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            HomeworkError::Invalid(_) | HomeworkError::BadField { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_homework")
            }
            HomeworkError::Answer(AnswerProblem::AlreadySubmitted) => (StatusCode::CONFLICT, "already_submitted"),
            HomeworkError::Answer(AnswerProblem::PastDue) => (StatusCode::CONFLICT, "past_due"),
            HomeworkError::Answer(AnswerProblem::NotOpen) => (StatusCode::CONFLICT, "not_open"),
            HomeworkError::Answer(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_answer"),
            HomeworkError::OverLimit(_) => (StatusCode::CONFLICT, "over_workload_limit"),
            HomeworkError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            HomeworkError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }

    /// The field the error is about, when there is one (`items[2].rubric` for one item's rubric).
    pub fn field(&self) -> Option<String> {
        match self {
            HomeworkError::Invalid(problems) => problems.first().map(SpecProblem::field),
            HomeworkError::BadField { field, .. } => Some((*field).to_owned()),
            HomeworkError::Answer(AnswerProblem::NotInHomework { .. }) => Some("item_id".to_owned()),
            HomeworkError::Answer(AnswerProblem::TooLong { .. }) => Some("response".to_owned()),
            HomeworkError::Answer(AnswerProblem::BadSeconds) => Some("seconds".to_owned()),
            _ => None,
        }
    }
}

impl IntoResponse for HomeworkError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            HomeworkError::Store(err) => {
                tracing::error!(error = %err, "homework operation failed");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let mut body = serde_json::json!({ "error": { "code": code, "message": message } });
        if let Some(field) = self.field() {
            body["error"]["field"] = serde_json::json!(field);
        }
        match &self {
            HomeworkError::Invalid(problems) => body["error"]["problems"] = serde_json::json!(problems),
            HomeworkError::OverLimit(warnings) => body["error"]["classes"] = serde_json::json!(warnings),
            _ => {}
        }
        (status, Json(body)).into_response()
    }
}
