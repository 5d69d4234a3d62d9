//! The signed-in person's own account: roles, password, sessions, API tokens.

use std::sync::Arc;

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use domain::identity::{AuditAction, AuditEntry};
use serde::Deserialize;
use store::ApiToken;

use super::{Chrome, Nav, Page};
use crate::{
    App, RequestContext, WebError,
    auth::{Principal, Via, secret},
    guard::see_other,
};

/// A role as shown: its label and where it applies.
pub(crate) struct RoleRow {
    pub id: String,
    pub role: &'static str,
    pub scope: String,
}

/// Describes a role assignment's scope in words (the school's, group's or region's name).
pub(crate) async fn scope_name(app: &App, a: &domain::access::RoleAssignment) -> Result<String, WebError> {
    use domain::access::Role;
    let store = &app.store;
    Ok(match a.role {
        Role::SchoolAdmin | Role::Teacher => {
            store.school_detail(&a.scope_id).await?.map(|d| d.summary.school.name).unwrap_or_else(|| a.scope_id.clone())
        }
        Role::GroupLead => store
            .school_groups()
            .await?
            .into_iter()
            .find(|g| g.id == a.scope_id)
            .map(|g| g.name)
            .unwrap_or_else(|| a.scope_id.clone()),
        Role::DistrictAdmin | Role::Researcher | Role::ThirdParty => store
            .district_overview()
            .await?
            .regions
            .into_iter()
            .find(|r| r.id == a.scope_id)
            .map(|r| r.name)
            .unwrap_or_else(|| a.scope_id.clone()),
        Role::Student | Role::Guardian => String::new(),
    })
}

async fn role_rows(app: &App, ctx: &RequestContext, p: &Principal) -> Result<Vec<RoleRow>, WebError> {
    let mut rows = Vec::new();
    for a in &p.actor.assignments {
        rows.push(RoleRow { id: a.id.clone(), role: ctx.lang.label(a.role), scope: scope_name(app, a).await? });
    }
    Ok(rows)
}

#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    c: Chrome,
    username: String,
    name: String,
    roles: Vec<RoleRow>,
    notice: Option<&'static str>,
}

/// `GET /account`.
pub(crate) async fn show(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<AccountPage>, WebError> {
    let p = ctx.principal()?;
    let roles = role_rows(&app, &ctx, p).await?;
    Ok(Page(AccountPage {
        username: p.account.username.clone(),
        name: p.account.display_name.clone(),
        roles,
        notice: None,
        c: app.chrome(&ctx, Nav::Account).await?,
    }))
}

#[derive(Template)]
#[template(path = "password.html")]
pub(crate) struct PasswordPage {
    c: Chrome,
    forced: bool,
    error: Option<&'static str>,
}

/// `GET /account/password`.
pub(crate) async fn password_form(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
) -> Result<Page<PasswordPage>, WebError> {
    let forced = ctx.principal()?.account.must_change_password;
    Ok(Page(PasswordPage { forced, error: None, c: app.chrome(&ctx, Nav::Account).await? }))
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

/// Shortest password accepted.
const MIN_PASSWORD_CHARS: usize = 10;

/// `POST /account/password`: checks the current password, sets the new one and ends every other
/// session of the account.
pub(crate) async fn change_password(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let m = ctx.lang.messages();
    let hash = p.account.password_hash.clone().unwrap_or_default();
    let current = form.current.clone();
    let current_ok =
        tokio::task::spawn_blocking(move || secret::verify_password(&current, &hash)).await.unwrap_or(false);
    let error = if !current_ok {
        Some(m.password_wrong)
    } else if form.new != form.repeat {
        Some(m.password_mismatch)
    } else if form.new.chars().count() < MIN_PASSWORD_CHARS {
        Some(m.password_too_short)
    } else if form.new == form.current {
        Some(m.password_same)
    } else {
        None
    };
    if let Some(error) = error {
        let page = PasswordPage {
            forced: p.account.must_change_password,
            error: Some(error),
            c: app.chrome(&ctx, Nav::Account).await?,
        };
        let mut response = Page(page).into_response();
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let new = form.new;
    let hash = tokio::task::spawn_blocking(move || secret::hash_password(&new))
        .await
        .map_err(|_| WebError::Forbidden)?
        .map_err(|_| WebError::Forbidden)?;
    app.store.set_password(&p.account.id, &hash, false).await?;
    // Every other session ends; this one goes on.
    app.store.delete_sessions_of(&p.account.id).await?;
    app.access.accounts_changed();
    if let Via::Session(s) = &p.via {
        app.store.create_session(s).await?;
    }
    let roles = role_rows(&app, &ctx, p).await?;
    let mut c = app.chrome(&ctx, Nav::Account).await?;
    c.user = Some(p.account.display_name.clone());
    Ok(Page(AccountPage {
        username: p.account.username.clone(),
        name: p.account.display_name.clone(),
        roles,
        notice: Some(m.password_changed),
        c,
    })
    .into_response())
}

/// `POST /account/sessions/end-all`: signs the account out on every device, this one included.
pub(crate) async fn end_all_sessions(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    app.store.delete_sessions_of(&p.account.id).await?;
    app.access.accounts_changed();
    Ok(see_other("/login"))
}

struct TokenRow {
    id: String,
    name: String,
    role: String,
    created: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub(crate) struct TokensPage {
    c: Chrome,
    tokens: Vec<TokenRow>,
    roles: Vec<RoleRow>,
    created: Option<String>,
    error: Option<&'static str>,
}

async fn tokens_page(
    app: &App,
    ctx: &RequestContext,
    created: Option<String>,
    error: Option<&'static str>,
) -> Result<Page<TokensPage>, WebError> {
    let p = ctx.principal()?;
    let roles = role_rows(app, ctx, p).await?;
    let tokens = app
        .store
        .tokens_of(&p.account.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            role: roles
                .iter()
                .find(|r| r.id == t.assignment_id)
                .map(|r| format!("{} · {}", r.role, r.scope))
                .unwrap_or_default(),
            id: t.id,
            name: t.name,
            created: t.created_at.format("%Y-%m-%d %H:%M").to_string(),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(Page(TokensPage { tokens, roles, created, error, c: app.chrome(ctx, Nav::Account).await? }))
}

/// `GET /account/tokens`.
pub(crate) async fn tokens(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<TokensPage>, WebError> {
    tokens_page(&app, &ctx, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    name: String,
    assignment: String,
}

fn audit(
    p: &Principal,
    ctx: &RequestContext,
    action: AuditAction,
    target_kind: &str,
    target_id: &str,
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry { detail, ..p.audit(ctx.ip.clone(), action, target_kind, target_id) }
}

/// `POST /account/tokens`: creates a token bound to one of the account's own roles and shows it once.
pub(crate) async fn create_token(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Form(form): Form<TokenForm>,
) -> Result<Page<TokensPage>, WebError> {
    let p = ctx.principal()?;
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return tokens_page(&app, &ctx, None, Some(ctx.lang.messages().purpose_required)).await;
    }
    // Only one of the account's own assignments: a token can never hold more than its owner.
    if !p.actor.assignments.iter().any(|a| a.id == form.assignment) {
        return Err(WebError::Forbidden);
    }
    let secret = secret::random_secret().map_err(|_| WebError::Forbidden)?;
    let token = format!("zjt_{secret}");
    let id = format!("tok-{}", &secret::random_secret().map_err(|_| WebError::Forbidden)?[..16]);
    app.store
        .create_token(&ApiToken {
            id: id.clone(),
            account_id: p.account.id.clone(),
            assignment_id: form.assignment.clone(),
            name: name.to_owned(),
            token_hash: secret::digest(&token),
            created_at: Utc::now(),
            revoked_at: None,
        })
        .await?;
    app.store.append_audit(&audit(p, &ctx, AuditAction::CreateToken, "token", &id, Some(name.to_owned()))).await?;
    tokens_page(&app, &ctx, Some(token), None).await
}

/// `POST /account/tokens/{id}/revoke`.
pub(crate) async fn revoke_token(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    if !app.store.revoke_token(&p.account.id, &id, Utc::now()).await? {
        return Err(WebError::NotFound);
    }
    app.access.accounts_changed();
    app.store.append_audit(&audit(p, &ctx, AuditAction::RevokeToken, "token", &id, None)).await?;
    Ok(see_other("/account/tokens"))
}
