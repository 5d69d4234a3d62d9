//! The route table: every route of the application is registered here together with its guard,
//! and one middleware enforces the guard before any handler runs. There is no other way to add a
//! route, so a route cannot be added unguarded; `tests/access.rs` walks the table.
//!
//! The guard signs the request in (session cookie or API token), asks the access policy
//! ([`domain::access::decide`]) about the route's target, writes the audit entry for reads of
//! students' data, checks the CSRF token of state-changing browser requests, and sends a user who
//! must choose a new password to do that first.

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    extract::{RawPathParams, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::MethodRouter,
};
use domain::{
    access::{Action, ResourceKind, Target, decide, read_is_audited},
    identity::{AuditAction, AuditEntry},
};

use crate::{
    App, WebError,
    auth::{self, Principal, Via},
    context::RequestContext,
};

/// Largest request body any route accepts (forms and JSON); larger ones get 413 unread.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Anyone, signed in or not (sign-in page, health check, assets).
    Public,
    /// Any signed-in account; the handler only touches the account's own things or filters
    /// what it shows through the policy itself.
    SignedIn,
    /// The policy must allow `action` on the resource of `kind` that `target` names.
    Policy { kind: ResourceKind, action: Action, target: TargetFrom },
}

/// Where a policy guard finds its target's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetFrom {
    /// The path parameter of this name.
    Param(&'static str),
    /// The district the instance serves (its most specific region).
    District,
    /// No particular target (the curriculum).
    Nothing,
}

/// One registered route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub guard: Guard,
    /// A JSON API route (answers 401/403 as JSON) rather than a page (redirects to sign-in).
    pub api: bool,
}

/// Builds a router while recording every route with its guard.
pub(crate) struct RouteTable {
    app: Arc<App>,
    router: Router<Arc<App>>,
    specs: Vec<RouteSpec>,
}

impl RouteTable {
    pub(crate) fn new(app: Arc<App>) -> RouteTable {
        RouteTable { app, router: Router::new(), specs: Vec::new() }
    }

    /// Registers a route; `handler` serves `method` only.
    pub(crate) fn add(
        mut self,
        method: Method,
        path: &'static str,
        guard: Guard,
        api: bool,
        handler: MethodRouter<Arc<App>>,
    ) -> RouteTable {
        let spec = Arc::new(RouteSpec { method, path, guard, api });
        self.specs.push((*spec).clone());
        let guarded = handler.route_layer(middleware::from_fn_with_state((self.app.clone(), spec), enforce));
        self.router = self.router.route(path, guarded);
        self
    }

    pub(crate) fn finish(self) -> (Router<Arc<App>>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

/// The client's address as the server saw it, when the server recorded one.
fn client_ip(request: &Request) -> Option<String> {
    request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string())
}

/// The guard middleware.
async fn enforce(
    State((app, spec)): State<(Arc<App>, Arc<RouteSpec>)>,
    params: RawPathParams,
    request: Request,
    next: Next,
) -> Response {
    match check(&app, &spec, &params, request).await {
        Ok(request) => next.run(request).await,
        Err(response) => response,
    }
}

async fn check(app: &App, spec: &RouteSpec, params: &RawPathParams, request: Request) -> Result<Request, Response> {
    let principal =
        app.access.principal(&*app.store, request.headers()).await.map_err(|e| WebError::from(e).into_response())?;
    let mut request = request;
    let ip = client_ip(&request);
    if let Some(ctx) = request.extensions_mut().get_mut::<RequestContext>() {
        ctx.principal = principal.clone().map(Arc::new);
        ctx.ip = ip.clone();
    } else {
        let mut ctx = RequestContext::from_headers(request.uri(), request.headers());
        ctx.principal = principal.clone().map(Arc::new);
        ctx.ip = ip.clone();
        request.extensions_mut().insert(ctx);
    }
    if spec.guard == Guard::Public {
        return Ok(request);
    }
    let Some(principal) = principal else {
        return Err(unauthenticated(spec, &request));
    };
    if let Via::Session(session) = &principal.via {
        if principal.account.must_change_password
            && !spec.api
            && spec.path != "/account/password"
            && spec.path != "/logout"
        {
            return Err(Redirect::to("/account/password").into_response());
        }
        if !matches!(spec.method, Method::GET | Method::HEAD) {
            request = check_csrf(request, &session.csrf_token).await?;
        }
    }
    if let Guard::Policy { kind, action, target } = spec.guard {
        authorize(app, spec, params, &principal, kind, action, target, ip).await?;
    }
    Ok(request)
}

fn unauthenticated(spec: &RouteSpec, request: &Request) -> Response {
    if spec.api {
        return WebError::Unauthorized.into_response();
    }
    let next = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut location = String::from("/login?next=");
    location.extend(form_urlencode(next));
    Redirect::to(&location).into_response()
}

/// Percent-encodes a value for a query string.
fn form_urlencode(value: &str) -> impl Iterator<Item = String> + '_ {
    value.bytes().map(|b| {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            char::from(b).to_string()
        } else {
            format!("%{b:02X}")
        }
    })
}

/// Checks the synchronizer token of a state-changing browser request: the `x-csrf-token` header
/// or the form field `csrf`. The body is read (up to the limit) and handed on unchanged.
async fn check_csrf(request: Request, expected: &str) -> Result<Request, Response> {
    let from_header = request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    // Scripts send the token as a header; their bodies (upload chunks) are left unread here.
    if let Some(given) = &from_header {
        if !auth::secret::constant_time_eq(given, expected) {
            return Err(WebError::CsrfFailed.into_response());
        }
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|_| WebError::TooLarge.into_response())?;
    let from_form = || {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find_map(|(k, v)| (k == "csrf").then_some(v)))
    };
    let given = from_header.or_else(from_form).unwrap_or_default();
    if !auth::secret::constant_time_eq(&given, expected) {
        return Err(WebError::CsrfFailed.into_response());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[allow(clippy::too_many_arguments, reason = "the guard's inputs, passed straight through once")]
async fn authorize(
    app: &App,
    spec: &RouteSpec,
    params: &RawPathParams,
    principal: &Principal,
    kind: ResourceKind,
    action: Action,
    target: TargetFrom,
    ip: Option<String>,
) -> Result<(), Response> {
    let id = match target {
        TargetFrom::Param(name) => params.iter().find_map(|(k, v)| (k == name).then(|| v.to_owned())),
        TargetFrom::District => app.district_id().await.map_err(|e| WebError::from(e).into_response())?,
        TargetFrom::Nothing => Some(String::new()),
    };
    let Some(id) = id else { return Err(WebError::NotFound.into_response()) };
    let place = match target {
        TargetFrom::Nothing => Some(domain::access::Place::default()),
        _ => app.access.place(&*app.store, kind, &id).await.map_err(|e| WebError::from(e).into_response())?,
    };
    let Some(place) = place else { return Err(WebError::NotFound.into_response()) };
    let target = Target::new(kind, place);
    let decision = decide(&principal.actor, action, &target);
    if let domain::access::Decision::Deny(reason) = decision {
        tracing::info!(account = %principal.account.id, path = spec.path, id = %id, reason = reason.code(), "access denied");
        if matches!(kind, ResourceKind::Student | ResourceKind::StudentWork) {
            // An attempt on a minor's data that the policy refused is itself worth a record.
            let entry = AuditEntry {
                school_id: target.place.school_id.clone(),
                detail: Some(format!("{} {} ({})", spec.method, spec.path, reason.code())),
                ..principal.audit(ip, AuditAction::Denied, kind.code(), &id)
            };
            app.store.append_audit(&entry).await.map_err(|e| WebError::from(e).into_response())?;
        }
        return Err(WebError::Forbidden.into_response());
    }
    if spec.method == Method::GET && action == Action::View && read_is_audited(&principal.actor, &target) {
        let action = match kind {
            ResourceKind::Student => AuditAction::ViewStudent,
            ResourceKind::StudentWork => AuditAction::ViewStudentWork,
            _ => AuditAction::ViewClassRoster,
        };
        let entry =
            AuditEntry { school_id: target.place.school_id.clone(), ..principal.audit(ip, action, kind.code(), &id) };
        // The read is only served once it is on record.
        app.store.append_audit(&entry).await.map_err(|e| WebError::from(e).into_response())?;
    }
    Ok(())
}

/// Sets a cookie on a response.
pub(crate) fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// A `303 See Other` to `location`.
pub(crate) fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_owned())]).into_response()
}
