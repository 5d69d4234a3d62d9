//! Signing in and out. A wrong user name and a wrong password get the same answer in the same
//! time; repeated failures are throttled per account and per address; every sign-in gets a new
//! session id (no fixation); the form itself is protected against cross-site submission.

use std::{sync::Arc, time::Instant};

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use chrono::{Duration, Utc};
use domain::identity::{AuditAction, AuditEntry};
use serde::Deserialize;
use store::Session;

use super::{Chrome, Nav, Page};
use crate::{
    App, RequestContext, WebError,
    auth::{self, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_HOURS, secret},
    guard::{see_other, set_cookie},
};

/// A demo account listed on a demo instance's sign-in page.
pub(crate) struct DemoLogin {
    pub username: String,
    pub role: String,
    pub scope: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    c: Chrome,
    next: String,
    csrf: String,
    error: Option<&'static str>,
    login: String,
    demo_logins: Vec<DemoLogin>,
    demo_password: &'static str,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// Only same-site paths: `/x` but not `//evil.example` or `/\\evil`, so the parameter cannot send
/// a user elsewhere after signing in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/login") => {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

async fn page(
    app: &App,
    ctx: &RequestContext,
    next: String,
    error: Option<&'static str>,
    login: String,
) -> Result<Response, WebError> {
    let c = app.chrome(ctx, Nav::None).await?;
    let csrf = secret::random_secret().map_err(|_| WebError::Forbidden)?;
    let demo_logins = app
        .demo_accounts
        .iter()
        .map(|d| DemoLogin {
            username: d.username.clone(),
            role: ctx.lang.label(d.role).to_owned(),
            scope: d.scope.clone(),
        })
        .collect();
    let page =
        LoginPage { c, next, csrf: csrf.clone(), error, login, demo_logins, demo_password: crate::DEMO_PASSWORD };
    let mut response = Page(page).into_response();
    set_cookie(
        &mut response,
        &format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600"),
    );
    Ok(response)
}

/// `GET /login`.
pub(crate) async fn form(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if ctx.principal.is_some() {
        return Ok(see_other(&safe_next(q.next.as_deref())));
    }
    page(&app, &ctx, safe_next(q.next.as_deref()), None, String::new()).await
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /login`.
pub(crate) async fn submit(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !secret::constant_time_eq(&form.csrf, expected) {
        return Err(WebError::CsrfFailed);
    }
    let next = safe_next(form.next.as_deref());
    let login = form.login.trim().to_owned();
    let address = ctx.ip.clone().unwrap_or_else(|| "unknown".into());
    let m = ctx.lang.messages();
    if let Some(wait) = app.throttle.wait(&login, &address, Instant::now()) {
        let mut response = page(&app, &ctx, next, Some(m.login_wait), login).await?;
        *response.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        if let Ok(v) = axum::http::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let account = app.store.account_by_login(&login).await?.filter(|a| !a.disabled);
    // Verify against a dummy hash when there is no account, so both failures take equally long.
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let password = form.password;
    let ok = tokio::task::spawn_blocking(move || {
        let h = hash.as_deref().unwrap_or_else(|| secret::dummy_hash());
        secret::verify_password(&password, h) && hash.is_some()
    })
    .await
    .unwrap_or(false);
    let Some(account) = account.filter(|_| ok) else {
        app.throttle.failed(&login, &address, Instant::now());
        app.store
            .append_audit(&AuditEntry {
                at: Utc::now(),
                actor_account_id: None,
                actor_name: login.chars().take(64).collect(),
                action: AuditAction::SignInFailed,
                target_kind: "account".into(),
                target_id: String::new(),
                school_id: None,
                ip: ctx.ip.clone(),
                detail: None,
            })
            .await?;
        let mut response = page(&app, &ctx, next, Some(m.login_failed), login).await?;
        *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
        return Ok(response);
    };
    app.throttle.succeeded(&login);
    // A new session id at every sign-in; a session the browser already had is ended.
    if let Some(old) = auth::cookie(&headers, SESSION_COOKIE) {
        app.store.delete_session(&secret::digest(old)).await?;
        app.access.session_ended(&secret::digest(old));
    }
    let id = secret::random_secret().map_err(|_| WebError::Forbidden)?;
    let now = Utc::now();
    app.store
        .create_session(&Session {
            id_hash: secret::digest(&id),
            account_id: account.id.clone(),
            csrf_token: secret::random_secret().map_err(|_| WebError::Forbidden)?,
            created_at: now,
            expires_at: now + Duration::hours(SESSION_HOURS),
            ip: ctx.ip.clone(),
            user_agent: headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(200).collect()),
        })
        .await?;
    app.store
        .append_audit(&AuditEntry {
            at: now,
            actor_account_id: Some(account.id.clone()),
            actor_name: account.display_name.clone(),
            action: AuditAction::SignIn,
            target_kind: "account".into(),
            target_id: account.id.clone(),
            school_id: None,
            ip: ctx.ip.clone(),
            detail: None,
        })
        .await?;
    let to = if account.must_change_password { "/account/password".to_owned() } else { next };
    let mut response = see_other(&to);
    set_cookie(
        &mut response,
        &format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}", SESSION_HOURS * 3600),
    );
    set_cookie(&mut response, &format!("{LOGIN_CSRF_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"));
    Ok(response)
}

/// `POST /logout`: ends this session.
pub(crate) async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(id) = auth::cookie(&headers, SESSION_COOKIE) {
        app.store.delete_session(&secret::digest(id)).await?;
        app.access.session_ended(&secret::digest(id));
    }
    let mut response = see_other("/login");
    set_cookie(&mut response, &format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(super::safe_next(Some("/classes/c1?x=1")), "/classes/c1?x=1");
        for bad in ["//evil.example/", "https://evil.example/", "/\\\\evil.example", "evil", "/login?next=/x"] {
            assert_eq!(super::safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(super::safe_next(None), "/");
    }
}
