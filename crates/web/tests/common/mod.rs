//! What the platform's page-level integration tests share: the small demo district over a real
//! SQLite store in a temporary directory (its accounts past the first-sign-in password change),
//! items published to the district bank, the application router, signed-in sessions, and requests
//! sent to the router without a socket. Each test file adds the requests its flow needs as its own
//! `impl TestApp` block.

#![allow(dead_code, reason = "each test file uses its own part of the harness")]

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use chrono::{Duration, Utc};
use domain::{
    items::Item,
    resources::{ReviewState, Scope},
};
use serde_json::Value;
use store::{AccountStore, ItemStore, NewItem, NoProgress, RosterStore, Session};
use store_sqlite::SqliteStore;
use tower::ServiceExt;
use web::{AppState, auth::secret};

/// A demo district written to a fresh store, before the application is built on it.
pub struct District {
    pub dir: tempfile::TempDir,
    pub store: SqliteStore,
    pub roster: domain::Roster,
}

/// The small demo district generated with `seed`, with its demo accounts (no password change
/// pending); `adjust` may add accounts or roles before they are written.
pub async fn district(seed: u64, adjust: impl FnOnce(&domain::Roster, &mut demo::DemoAccounts)) -> District {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("zhijiao.db")).await.unwrap();
    let roster = demo::district(&demo::DemoConfig { seed, scale: demo::Scale::Small });
    store.import_roster(&roster, &NoProgress).await.unwrap();
    let mut accounts = demo::accounts(&roster, Utc::now());
    for a in &mut accounts.accounts {
        a.must_change_password = false;
    }
    adjust(&roster, &mut accounts);
    store.add_accounts(&accounts.accounts, &accounts.assignments, &NoProgress).await.unwrap();
    District { dir, store, roster }
}

impl District {
    /// Publishes `items` to the whole district's bank, as an import by the bureau would.
    pub async fn publish(&self, items: impl IntoIterator<Item = Item>) {
        let items: Vec<NewItem> = items
            .into_iter()
            .map(|item| NewItem {
                item,
                state: ReviewState::Published,
                scope: Scope::District,
                school_id: None,
                author_id: None,
                at: Utc::now(),
            })
            .collect();
        self.store.import_items(&items, &NoProgress).await.unwrap();
    }

    /// The application over this district, its search index built from the store.
    pub async fn app(self) -> TestApp {
        let store = Arc::new(self.store);
        let library = Arc::new(web::library::Library::open_in(self.dir.path()).unwrap());
        web::library::reindex(&*store, &library.search, &|_| {}).await.unwrap();
        let router = web::router(AppState {
            store: store.clone(),
            demo: true,
            demo_accounts: Vec::new(),
            library,
            workload: Default::default(),
        });
        TestApp { router, store, roster: self.roster, sessions: AtomicU32::new(0), _dir: self.dir }
    }
}

/// The application and its store.
pub struct TestApp {
    pub router: Router,
    pub store: Arc<SqliteStore>,
    pub roster: domain::Roster,
    sessions: AtomicU32,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: its session cookie and the CSRF token its forms carry.
pub struct Who {
    pub cookie: String,
    pub csrf: String,
}

/// An answer from the router.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn content_type(&self) -> &str {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

impl TestApp {
    /// A new session of `account_id`, written straight to the store (no password hashing).
    pub async fn session_for(&self, account_id: String) -> Who {
        let n = self.sessions.fetch_add(1, Ordering::Relaxed);
        let secret = format!("test-session-{n}-{account_id}");
        let csrf = format!("csrf-{n}");
        let now = Utc::now();
        let session = Session {
            id_hash: secret::digest(&secret),
            account_id,
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + Duration::hours(1),
            ip: None,
            user_agent: None,
        };
        self.store.create_session(&session).await.unwrap();
        Who { cookie: format!("zj_session={secret}"), csrf }
    }

    /// A new session of the demo account `username`.
    pub async fn sign_in(&self, username: &str) -> Who {
        let account = self.store.account_by_login(username).await.unwrap().unwrap();
        self.session_for(account.id).await
    }

    /// The roster person behind the demo account `username`.
    pub async fn person(&self, username: &str) -> String {
        self.store.account_by_login(username).await.unwrap().unwrap().person.unwrap().id
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
        Reply { status, headers, body }
    }

    /// A request as the page's scripts send it: the CSRF token in its header, a JSON body if any.
    pub async fn call(&self, method: &str, uri: &str, who: &Who, body: Option<Value>) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, &who.cookie)
            .header("x-csrf-token", &who.csrf);
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// A request with a body of any type, the CSRF token in its header.
    pub async fn bytes(&self, method: &str, uri: &str, who: &Who, content_type: &str, body: Vec<u8>) -> Reply {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    pub async fn get(&self, uri: &str, who: &Who) -> Reply {
        self.call("GET", uri, who, None).await
    }

    /// A form posted as a browser does, the CSRF token among its fields.
    pub async fn form(&self, uri: &str, who: &Who, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", who.csrf.as_str())];
        all.extend_from_slice(fields);
        let request = Request::post(uri)
            .header(header::COOKIE, &who.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(&all).unwrap()))
            .unwrap();
        self.send(request).await
    }
}
