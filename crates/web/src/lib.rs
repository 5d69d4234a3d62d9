//! The only crate that knows HTTP: the axum router, server-rendered pages (zh-CN first, English
//! second), the JSON API and the embedded static assets.
//!
//! Handlers read from the store traits and shape the values for templates; they hold no business
//! rules. Every page route is built in [`pages::routes`] behind one middleware
//! ([`context::pages_layer`]), which is where the access check will go.

pub mod api;
pub mod assets;
pub mod auth;
mod cache;
pub mod context;
pub mod error;
pub mod guard;
pub mod homework;
pub mod i18n;
pub mod library;
pub mod mastery;
pub mod pages;
pub mod scans;
mod timetables;
pub mod uploads;

use std::sync::{Arc, OnceLock};

use axum::Router;

pub use context::RequestContext;
pub use error::WebError;
pub use i18n::{Lang, Messages};

/// What the server is started with.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn store::Store>,
    /// The data is a generated demo district: pages say so.
    pub demo: bool,
    /// Demo accounts to list on the sign-in page (a demo instance only).
    pub demo_accounts: Vec<DemoAccount>,
    /// The search index and file store of the resource library and item bank.
    pub library: Arc<library::Library>,
    /// The district's written-homework limits (双减).
    pub workload: domain::workload::WorkloadPolicy,
}

/// A demo account as listed on a demo instance's sign-in page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: String,
    pub role: domain::access::Role,
    /// Where the role applies, in words (a school's name, a class …).
    pub scope: String,
}

/// The initial password of every demo account (each must choose a new one at first sign-in).
pub const DEMO_PASSWORD: &str = "zhijiao-demo";

/// The state handlers share: the [`AppState`] plus what is worth remembering between requests.
pub(crate) struct App {
    store: Arc<dyn store::Store>,
    demo: bool,
    /// The district's name for the header, read once: every page shows it and it does not change
    /// while the server runs.
    district_name: OnceLock<String>,
    /// The district's region id (the target of district-wide pages), read once.
    district_id: OnceLock<String>,
    /// Failed sign-ins per account and per address.
    throttle: auth::throttle::Throttle,
    /// Principals per credential and places per record, remembered between requests.
    access: auth::AccessCache,
    demo_accounts: Vec<DemoAccount>,
    library: Arc<library::Library>,
    /// The homework loop's write queue and caches.
    homeworks: homework::Homeworks,
    /// The background readers of scanned answer sheets.
    scans: scans::Scans,
    /// The learning engine: the model in use, the refit job, online mastery updates.
    learning: Arc<mastery::Learning>,
    /// The timetable solve job.
    timetables: timetables::Timetables,
}

impl App {
    /// The id of the district this instance serves: its most specific region.
    pub(crate) async fn district_id(&self) -> Result<Option<String>, store::StoreError> {
        if let Some(id) = self.district_id.get() {
            return Ok(Some(id.clone()));
        }
        let overview = self.store.district_overview().await?;
        self.remember_district(&overview);
        Ok(overview.regions.last().map(|r| self.district_id.get_or_init(|| r.id.clone()).clone()))
    }
}

/// Builds the whole application: pages, API, health check and assets.
pub fn router(state: AppState) -> Router {
    router_and_routes(state).0
}

/// The application and the table of every route it serves with its guard (for the tests that
/// check no route is left unguarded).
pub fn router_and_routes(state: AppState) -> (Router, Vec<guard::RouteSpec>) {
    router_with(state, mastery::Schedule::default())
}

/// The server's application: [`router`] with the learning engine's refits scheduled (at start
/// when stale, then on the interval).
pub fn router_with_learning(state: AppState, schedule: mastery::Schedule) -> Router {
    router_with(state, schedule).0
}

fn router_with(state: AppState, schedule: mastery::Schedule) -> (Router, Vec<guard::RouteSpec>) {
    let app = Arc::new(App {
        store: state.store.clone(),
        demo: state.demo,
        district_name: OnceLock::new(),
        district_id: OnceLock::new(),
        throttle: auth::throttle::Throttle::default(),
        access: auth::AccessCache::default(),
        demo_accounts: if state.demo { state.demo_accounts } else { Vec::new() },
        homeworks: homework::Homeworks::new(state.store.clone(), state.workload),
        scans: scans::Scans::default(),
        learning: mastery::Learning::new(state.store.clone(), schedule),
        timetables: timetables::Timetables::default(),
        library: state.library,
    });
    app.learning.start_schedule();
    let (pages, mut specs) = pages::routes(app.clone());
    let (api, api_specs) = api::routes(app.clone());
    specs.extend(api_specs);
    let router = Router::new()
        .merge(pages)
        .merge(api)
        .layer(axum::extract::DefaultBodyLimit::max(guard::BODY_LIMIT))
        .with_state(app);
    (router, specs)
}
