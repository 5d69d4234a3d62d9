//! The only crate that knows HTTP: the axum router, server-rendered pages (zh-CN first, English
//! second), the JSON API and the embedded static assets.
//!
//! Handlers read from the store traits and shape the values for templates; they hold no business
//! rules. Every page route is built in [`pages::routes`] behind one middleware
//! ([`context::pages_layer`]), which is where the access check will go.

pub mod api;
pub mod assets;
pub mod context;
pub mod error;
pub mod i18n;
pub mod pages;

use std::sync::{Arc, OnceLock};

use axum::{Router, middleware, routing::get};

pub use context::RequestContext;
pub use error::WebError;
pub use i18n::{Lang, Messages};

/// What the server is started with.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn store::Store>,
    /// The data is a generated demo district: pages say so.
    pub demo: bool,
}

/// The state handlers share: the [`AppState`] plus what is worth remembering between requests.
pub(crate) struct App {
    store: Arc<dyn store::Store>,
    demo: bool,
    /// The district's name for the header, read once: every page shows it and it does not change
    /// while the server runs.
    district_name: OnceLock<String>,
}

/// Builds the whole application: pages, API, health check and assets.
pub fn router(state: AppState) -> Router {
    let app = Arc::new(App { store: state.store, demo: state.demo, district_name: OnceLock::new() });
    Router::new()
        .merge(pages::routes(app.clone()))
        .nest("/api/v1", api::routes().layer(middleware::from_fn(context::api_layer)))
        .route("/healthz", get(api::healthz))
        .route("/assets/{file}", get(assets::serve))
        .with_state(app)
}
