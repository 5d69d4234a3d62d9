//! The JSON API under `/api/v1` for integrators, and the health check.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use store::Totals;

use crate::{App, WebError};

/// The API routes, relative to `/api/v1`.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route("/overview", get(overview)).fallback(not_found)
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// `GET /api/v1/overview`: the district's totals.
async fn overview(State(app): State<Arc<App>>) -> Result<Json<Totals>, WebError> {
    Ok(Json(app.store.district_overview().await?.totals))
}

/// `GET /healthz`: `{"status":"ok","backend":"sqlite"}` when the store answers, 503 otherwise.
pub(crate) async fn healthz(State(app): State<Arc<App>>) -> Response {
    let backend = app.store.backend();
    match app.store.is_empty().await {
        Ok(_) => Json(serde_json::json!({ "status": "ok", "backend": backend })).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable", "backend": backend })))
                .into_response()
        }
    }
}
