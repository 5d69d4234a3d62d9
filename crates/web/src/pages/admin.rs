//! Administration: granting and revoking role assignments, resetting passwords and disabling
//! accounts, and the audit log viewer.
//!
//! The role pages are open to every signed-in account, so each handler asks the policy itself:
//! managing role assignments at the place of a scope (`decide(Manage, RoleAssignment @ place)`),
//! and on top of that which roles the allowing assignment may hand out ([`grantable_by`]). Every
//! change is written to the audit log before the answer is sent. The audit viewer only reads:
//! there is no code path that edits or deletes audit rows.

use std::{collections::HashMap, sync::Arc};

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, Utc};
use domain::{
    Subject,
    access::{Action, Actor, Place, ResourceKind, Role, RoleAssignment, Target, decide},
    identity::{Account, AuditAction, AuditEntry, PersonKind, PersonRef},
};
use serde::Deserialize;
use store::{AuditFilter, NoProgress, StoreError};

use super::{Chrome, Nav, Page, path_segment};
use crate::{
    App, RequestContext, WebError,
    auth::{Principal, secret},
    guard::see_other,
    i18n::Lang,
};

/// Entries per page of the audit viewer.
const AUDIT_PAGE_SIZE: u32 = 50;
/// The highest audit page one can ask for (keeps the offset far from overflowing).
const AUDIT_MAX_PAGE: u32 = 100_000;
/// Most role assignments listed at once.
const ASSIGNMENT_LIMIT: u32 = 500;
/// Accounts fetched for a search before filtering to the manageable ones, and shown after.
const SEARCH_FETCH: u32 = 100;
const SEARCH_SHOW: usize = 20;

/// Roles handed out on this page. Students' and guardians' roles come with the roster: each is
/// bound to the person's own record, so granting one by hand would only ever be a mistake.
const GRANTED_HERE: [Role; 6] =
    [Role::DistrictAdmin, Role::Researcher, Role::ThirdParty, Role::GroupLead, Role::SchoolAdmin, Role::Teacher];

/// What a third party can be granted: the kinds the policy lets a third party see at all.
const THIRD_PARTY_KINDS: [ResourceKind; 4] =
    [ResourceKind::District, ResourceKind::Group, ResourceKind::School, ResourceKind::Curriculum];

/// The kind of place a role's `scope_id` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ScopeKind {
    Region,
    Group,
    School,
    Student,
    Guardian,
}

fn scope_kind(role: Role) -> ScopeKind {
    match role {
        Role::DistrictAdmin | Role::Researcher | Role::ThirdParty => ScopeKind::Region,
        Role::GroupLead => ScopeKind::Group,
        Role::SchoolAdmin | Role::Teacher => ScopeKind::School,
        Role::Student => ScopeKind::Student,
        Role::Guardian => ScopeKind::Guardian,
    }
}

fn manage_target(place: &Place) -> Target {
    Target::new(ResourceKind::RoleAssignment, place.clone())
}

/// Whether `actor` may grant or revoke `role` at `place` (the rule lives in the policy).
fn may_grant(actor: &Actor, role: Role, place: &Place) -> bool {
    domain::access::may_grant(actor, role, place)
}

fn may_manage_place(actor: &Actor, place: &Place) -> bool {
    decide(actor, Action::Manage, &manage_target(place)).is_allowed()
}

/// Where a roster person sits: a teacher's or student's record, or each of a guardian's children.
async fn person_places(app: &App, person: &PersonRef) -> Result<Vec<Place>, WebError> {
    let store = &app.store;
    Ok(match person.kind {
        PersonKind::Teacher => store.place(ResourceKind::Teacher, &person.id).await?.into_iter().collect(),
        PersonKind::Student => store.place(ResourceKind::Student, &person.id).await?.into_iter().collect(),
        PersonKind::Guardian => {
            let mut places = Vec::new();
            for child in store.actor_facts(person).await?.children {
                places.extend(store.place(ResourceKind::Student, &child).await?);
            }
            places
        }
    })
}

/// Where the scope of an assignment of `role` lies; empty when the scope does not exist.
async fn scope_places(app: &App, role: Role, scope_id: &str) -> Result<Vec<Place>, WebError> {
    let kind = match scope_kind(role) {
        ScopeKind::Region => ResourceKind::District,
        ScopeKind::Group => ResourceKind::Group,
        ScopeKind::School => ResourceKind::School,
        ScopeKind::Student => ResourceKind::Student,
        ScopeKind::Guardian => {
            return person_places(app, &PersonRef { kind: PersonKind::Guardian, id: scope_id.to_owned() }).await;
        }
    };
    Ok(app.store.place(kind, scope_id).await?.into_iter().collect())
}

/// The district's own place, for things that belong to the whole district.
async fn district_place(app: &App) -> Result<Option<Place>, WebError> {
    let Some(id) = app.district_id().await? else { return Ok(None) };
    Ok(app.store.place(ResourceKind::District, &id).await?)
}

/// An account the actor may reset or disable, with the school it belongs to (for the audit log).
struct Manageable {
    school_id: Option<String>,
}

/// Whether `actor` may reset the password of, disable or enable `account`. Taking over an account
/// gives its holder's powers, so the actor must manage the person's place (for a guardian, one of
/// their children's) and be able to grant every role the account holds. An account tied to
/// nothing (bureau staff without roles) belongs to the district.
async fn manageable_account(app: &App, actor: &Actor, account: &Account) -> Result<Option<Manageable>, WebError> {
    let mut school_id = None;
    let mut checked = false;
    if let Some(person) = &account.person {
        let places = person_places(app, person).await?;
        let Some(place) = places.iter().find(|p| may_manage_place(actor, p)) else { return Ok(None) };
        school_id = place.school_id.clone();
        checked = true;
    }
    for a in app.store.role_assignments(&account.id).await? {
        // A student's or guardian's own role is the person checked above.
        let own = matches!(a.role, Role::Student | Role::Guardian)
            && account.person.as_ref().is_some_and(|p| p.id == a.scope_id);
        if own {
            continue;
        }
        let places = scope_places(app, a.role, &a.scope_id).await?;
        // An assignment whose scope no longer exists reaches nothing, so it needs no say here.
        if places.is_empty() {
            continue;
        }
        if !places.iter().any(|p| may_grant(actor, a.role, p)) {
            return Ok(None);
        }
        if school_id.is_none() {
            school_id = places.iter().find_map(|p| p.school_id.clone());
        }
        checked = true;
    }
    if !checked {
        let Some(place) = district_place(app).await? else { return Ok(None) };
        if !may_manage_place(actor, &place) {
            return Ok(None);
        }
    }
    Ok(Some(Manageable { school_id }))
}

/// A scope the actor manages, with the roles they may grant there.
struct Scope {
    id: String,
    kind: ScopeKind,
    name: String,
    place: Place,
    roles: Vec<Role>,
}

/// Every region, group and school of the district where the actor may manage role assignments.
async fn manageable_scopes(app: &App, actor: &Actor) -> Result<Vec<Scope>, WebError> {
    // Most people manage nothing; they need not wait for every school's place to be read.
    if !actor.assignments.iter().any(|a| !domain::access::roles_grantable_by(a.role).is_empty()) {
        return Ok(Vec::new());
    }
    let overview = app.store.district_overview().await?;
    let groups = app.store.school_groups().await?;
    let candidates = overview
        .regions
        .into_iter()
        .map(|r| (ScopeKind::Region, ResourceKind::District, r.id, r.name))
        .chain(groups.into_iter().map(|g| (ScopeKind::Group, ResourceKind::Group, g.id, g.name)))
        .chain(
            overview.schools.into_iter().map(|s| (ScopeKind::School, ResourceKind::School, s.school.id, s.school.name)),
        );
    let mut scopes = Vec::new();
    for (kind, resource, id, name) in candidates {
        let Some(place) = app.store.place(resource, &id).await? else { continue };
        if !may_manage_place(actor, &place) {
            continue;
        }
        let roles =
            GRANTED_HERE.iter().copied().filter(|r| scope_kind(*r) == kind && may_grant(actor, *r, &place)).collect();
        scopes.push(Scope { id, kind, name, place, roles });
    }
    Ok(scopes)
}

fn internal(err: impl std::error::Error + Send + Sync + 'static) -> WebError {
    WebError::Store(StoreError::internal(err))
}

fn audit_entry(
    p: &Principal,
    ctx: &RequestContext,
    action: AuditAction,
    target_kind: &str,
    target_id: &str,
    school_id: Option<String>,
    detail: String,
) -> AuditEntry {
    AuditEntry { school_id, detail: Some(detail), ..p.audit(ctx.ip.clone(), action, target_kind, target_id) }
}

/// A query string from pairs, with the values percent-encoded.
fn query_string(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<_> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Role assignments

/// A selectable value in a form.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A group of scopes in the scope select.
struct ScopeGroup {
    label: &'static str,
    options: Vec<Choice>,
}

struct AccountRow {
    /// The id as a path segment.
    path: String,
    username: String,
    name: String,
    kind: &'static str,
    disabled: bool,
    yourself: bool,
    grant_href: String,
}

struct AssignmentRow {
    id: String,
    /// The id as a path segment.
    path: String,
    account_id: String,
    name: String,
    role: &'static str,
    scope: String,
    extra: String,
    can_revoke: bool,
}

#[derive(Template)]
#[template(path = "admin_roles.html")]
pub(crate) struct RolesPage {
    c: Chrome,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    manages: bool,
    query: String,
    searched: bool,
    accounts: Vec<AccountRow>,
    account: String,
    roles: Vec<Choice>,
    scope_groups: Vec<ScopeGroup>,
    subjects: Vec<Choice>,
    grants: Vec<Choice>,
    filter_scopes: Vec<ScopeGroup>,
    filtered: bool,
    assignments: Vec<AssignmentRow>,
    truncated: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RolesQuery {
    /// An account search.
    q: Option<String>,
    /// The account the grant form is filled in for.
    account: Option<String>,
    /// Lists the assignments of this scope only.
    scope: Option<String>,
    /// What the last change did.
    notice: Option<String>,
}

fn notice_text(lang: Lang, code: &str) -> Option<&'static str> {
    let m = lang.messages();
    Some(match code {
        "granted" => m.admin_granted,
        "revoked" => m.admin_revoked,
        "exists" => m.admin_already,
        "disabled" => m.admin_account_disabled,
        "enabled" => m.admin_account_enabled,
        _ => return None,
    })
}

fn scope_groups(lang: Lang, scopes: &[&Scope], selected: &str) -> Vec<ScopeGroup> {
    let m = lang.messages();
    [
        (ScopeKind::Region, m.admin_scope_regions),
        (ScopeKind::Group, m.admin_scope_groups),
        (ScopeKind::School, m.admin_scope_schools),
    ]
    .into_iter()
    .map(|(kind, label)| ScopeGroup {
        label,
        options: scopes
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| Choice { value: s.id.clone(), label: s.name.clone(), selected: s.id == selected })
            .collect(),
    })
    .filter(|g| !g.options.is_empty())
    .collect()
}

/// A roster person's kind in the page's language.
fn person_label(lang: Lang, kind: PersonKind) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

/// Accounts matching a search that the actor may manage (and their own, without actions).
async fn search(app: &App, p: &Principal, lang: Lang, query: &str) -> Result<Vec<AccountRow>, WebError> {
    let mut rows = Vec::new();
    for account in app.store.search_accounts(query, SEARCH_FETCH).await? {
        if rows.len() >= SEARCH_SHOW {
            break;
        }
        let yourself = account.id == p.account.id;
        if !yourself && manageable_account(app, &p.actor, &account).await?.is_none() {
            continue;
        }
        rows.push(AccountRow {
            grant_href: format!("/admin/roles?{}", query_string(&[("account", &account.id), ("q", query)])),
            kind: account.person.as_ref().map(|person| person_label(lang, person.kind)).unwrap_or_default(),
            path: path_segment(&account.id),
            username: account.username,
            name: account.display_name,
            disabled: account.disabled,
            yourself,
        });
    }
    Ok(rows)
}

async fn roles_page(
    app: &App,
    ctx: &RequestContext,
    query: RolesQuery,
    error: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let lang = ctx.lang;
    let scopes = manageable_scopes(app, &p.actor).await?;
    let manages = !scopes.is_empty();
    let q = query.q.as_deref().map(str::trim).unwrap_or_default().chars().take(100).collect::<String>();
    let searched = manages && !q.is_empty();
    let accounts = if searched { search(app, p, lang, &q).await? } else { Vec::new() };

    let filter = query.scope.as_deref().unwrap_or_default();
    let listed: Vec<&Scope> = scopes.iter().filter(|s| filter.is_empty() || s.id == filter).collect();
    let by_id: HashMap<(&str, ScopeKind), &Scope> = scopes.iter().map(|s| ((s.id.as_str(), s.kind), s)).collect();
    let ids: Vec<String> = listed.iter().map(|s| s.id.clone()).collect();
    let found = app.store.assignments_in_scopes(&ids, ASSIGNMENT_LIMIT).await?;
    let truncated = found.len() >= ASSIGNMENT_LIMIT as usize;
    let assignments = found
        .into_iter()
        .filter_map(|(a, name)| {
            // A row is shown only where its scope is of the kind its role needs.
            let scope = by_id.get(&(a.scope_id.as_str(), scope_kind(a.role)))?;
            let extra = if a.role == Role::Researcher {
                lang.join(a.subjects.iter().map(|s| lang.label(*s)))
            } else if a.role == Role::ThirdParty {
                lang.join(a.grants.iter().map(|k| lang.label(*k)))
            } else {
                String::new()
            };
            Some(AssignmentRow {
                can_revoke: a.account_id != p.account.id && may_grant(&p.actor, a.role, &scope.place),
                path: path_segment(&a.id),
                id: a.id,
                account_id: a.account_id,
                name,
                role: lang.label(a.role),
                scope: scope.name.clone(),
                extra,
            })
        })
        .collect();

    let mut grantable: Vec<Role> = scopes.iter().flat_map(|s| s.roles.iter().copied()).collect();
    grantable.sort();
    grantable.dedup();
    let all_scopes: Vec<&Scope> = scopes.iter().collect();
    let page = RolesPage {
        notice: query.notice.as_deref().and_then(|n| notice_text(lang, n)),
        error,
        manages,
        query: q,
        searched,
        accounts,
        account: query.account.unwrap_or_default(),
        roles: grantable
            .into_iter()
            .map(|r| Choice { value: r.code().to_owned(), label: lang.label(r).to_owned(), selected: false })
            .collect(),
        scope_groups: scope_groups(lang, &all_scopes, ""),
        subjects: Subject::ALL
            .iter()
            .map(|s| Choice { value: s.code().to_owned(), label: lang.label(*s).to_owned(), selected: false })
            .collect(),
        grants: THIRD_PARTY_KINDS
            .iter()
            .map(|k| Choice { value: k.code().to_owned(), label: lang.label(*k).to_owned(), selected: false })
            .collect(),
        filter_scopes: scope_groups(lang, &all_scopes, filter),
        filtered: !filter.is_empty(),
        assignments,
        truncated,
        c: app.chrome(ctx, Nav::Roles).await?,
    };
    let mut response = Page(page).into_response();
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /admin/roles`: the assignments in every scope the actor manages, an account search and
/// the grant form. Someone who manages nothing sees a page that says so.
pub(crate) async fn roles(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Query(query): Query<RolesQuery>,
) -> Result<Response, WebError> {
    roles_page(&app, &ctx, query, None, StatusCode::OK).await
}

/// `POST /admin/roles`: grants a role. Fields: `account` (id or user name), `role`, `scope`, and
/// repeated `subjects` (researchers) or `grants` (third parties).
pub(crate) async fn grant(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let m = ctx.lang.messages();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or_default();
    let all = |name: &'static str| {
        fields.iter().filter(move |(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim())
    };
    let role = Role::parse(field("role")).map_err(|e| WebError::BadRequest(e.to_string()))?;
    if !GRANTED_HERE.contains(&role) {
        return Err(WebError::BadRequest(format!("role {} comes with the roster", role.code())));
    }
    let subjects = if role == Role::Researcher {
        all("subjects")
            .map(Subject::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| WebError::BadRequest(e.to_string()))?
    } else {
        Vec::new()
    };
    let grants = if role == Role::ThirdParty {
        let kinds = all("grants")
            .map(ResourceKind::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| WebError::BadRequest(e.to_string()))?;
        if let Some(k) = kinds.iter().find(|k| !THIRD_PARTY_KINDS.contains(k)) {
            return Err(WebError::BadRequest(format!("a third party cannot be granted {}", k.code())));
        }
        kinds
    } else {
        Vec::new()
    };
    // A mistake shows the form again, with the account still filled in.
    let again = |error| {
        let query = RolesQuery { account: Some(field("account").to_owned()), ..RolesQuery::default() };
        roles_page(&app, &ctx, query, Some(error), StatusCode::UNPROCESSABLE_ENTITY)
    };
    let scope_id = field("scope");
    let places = scope_places(&app, role, scope_id).await?;
    if places.is_empty() {
        // Nothing is revealed to someone who may manage nothing.
        if manageable_scopes(&app, &p.actor).await?.is_empty() {
            return Err(WebError::Forbidden);
        }
        return again(m.admin_unknown_scope).await;
    }
    let Some(place) = places.iter().find(|pl| may_grant(&p.actor, role, pl)) else { return Err(WebError::Forbidden) };
    let login = field("account");
    let account = match app.store.account(login).await? {
        Some(a) => Some(a),
        None => app.store.account_by_login(login).await?,
    };
    let Some(account) = account else { return again(m.admin_unknown_account).await };
    // Nobody changes their own roles: it takes a second administrator.
    if account.id == p.account.id {
        return Err(WebError::Forbidden);
    }
    if account.person.as_ref().is_some_and(|person| person.kind == PersonKind::Student) {
        return again(m.admin_student_no_staff_role).await;
    }
    if role == Role::ThirdParty && grants.is_empty() {
        return again(m.admin_need_grants).await;
    }
    let held = app.store.role_assignments(&account.id).await?;
    if held.iter().any(|a| a.role == role && a.scope_id == scope_id) {
        return Ok(see_other("/admin/roles?notice=exists"));
    }
    let id = format!("ra-{}", &secret::random_secret().map_err(internal)?[..16]);
    let assignment = RoleAssignment {
        id: id.clone(),
        account_id: account.id.clone(),
        role,
        scope_id: scope_id.to_owned(),
        subjects,
        grants,
    };
    app.store.add_accounts(&[], std::slice::from_ref(&assignment), &NoProgress).await?;
    app.access.accounts_changed();
    let detail = assignment_detail(&account, &assignment);
    app.store
        .append_audit(&audit_entry(
            p,
            &ctx,
            AuditAction::GrantRole,
            "role_assignment",
            &id,
            place.school_id.clone(),
            detail,
        ))
        .await?;
    Ok(see_other("/admin/roles?notice=granted"))
}

/// What the audit log says about an assignment: whose, which role, where, with what.
fn assignment_detail(account: &Account, a: &RoleAssignment) -> String {
    let mut detail = format!("{} ({}) {} @ {}", account.username, account.id, a.role.code(), a.scope_id);
    let extra: Vec<&str> = a.subjects.iter().map(|s| s.code()).chain(a.grants.iter().map(|k| k.code())).collect();
    if !extra.is_empty() {
        detail.push_str(&format!(" [{}]", extra.join(",")));
    }
    detail
}

/// `POST /admin/roles/{id}/revoke`: takes a role away; the holder's next request no longer has it
/// (roles are read afresh on every request), and API tokens bound to it go with it.
pub(crate) async fn revoke(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let assignment = app.store.role_assignment(&id).await?.ok_or(WebError::NotFound)?;
    let mut places = scope_places(&app, assignment.role, &assignment.scope_id).await?;
    if places.is_empty() {
        // A role whose scope is gone is the district's to clean up.
        places.extend(district_place(&app).await?);
    }
    let Some(place) = places.iter().find(|pl| may_grant(&p.actor, assignment.role, pl)) else {
        return Err(WebError::Forbidden);
    };
    if assignment.account_id == p.account.id {
        return Err(WebError::Forbidden);
    }
    let account = app.store.account(&assignment.account_id).await?.ok_or(WebError::NotFound)?;
    app.store.remove_role_assignment(&id).await?;
    app.access.accounts_changed();
    let detail = assignment_detail(&account, &assignment);
    app.store
        .append_audit(&audit_entry(
            p,
            &ctx,
            AuditAction::RevokeRole,
            "role_assignment",
            &id,
            place.school_id.clone(),
            detail,
        ))
        .await?;
    Ok(see_other("/admin/roles?notice=revoked"))
}

// ---------------------------------------------------------------------------------------------
// Accounts

/// The account named in the path, if the actor may manage it (never their own).
async fn managed_account(app: &App, p: &Principal, id: &str) -> Result<(Account, Manageable), WebError> {
    let account = app.store.account(id).await?.ok_or(WebError::NotFound)?;
    if account.id == p.account.id {
        return Err(WebError::Forbidden);
    }
    let managed = manageable_account(app, &p.actor, &account).await?.ok_or(WebError::Forbidden)?;
    Ok((account, managed))
}

#[derive(Template)]
#[template(path = "admin_password.html")]
pub(crate) struct PasswordPage {
    c: Chrome,
    username: String,
    name: String,
    password: String,
    back_href: String,
}

/// `POST /admin/accounts/{id}/reset-password`: a new temporary password, shown once on the
/// answer and never stored in clear; the holder must change it at sign-in, and every session of
/// the account ends.
pub(crate) async fn reset_password(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let (account, managed) = managed_account(&app, p, &id).await?;
    let password = secret::temporary_password().map_err(internal)?;
    let clear = password.clone();
    let hash = tokio::task::spawn_blocking(move || secret::hash_password(&clear))
        .await
        .map_err(internal)?
        .map_err(internal)?;
    app.store.set_password(&account.id, &hash, true).await?;
    app.store.delete_sessions_of(&account.id).await?;
    app.access.accounts_changed();
    let detail = format!("{} ({})", account.username, account.id);
    app.store
        .append_audit(&audit_entry(
            p,
            &ctx,
            AuditAction::ResetPassword,
            "account",
            &account.id,
            managed.school_id,
            detail,
        ))
        .await?;
    let page = PasswordPage {
        back_href: format!("/admin/roles?{}", query_string(&[("q", &account.username)])),
        username: account.username,
        name: account.display_name,
        password,
        c: app.chrome(&ctx, Nav::Roles).await?,
    };
    let mut response = Page(page).into_response();
    // The password must not stay in any cache or history.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn set_disabled(ctx: RequestContext, app: Arc<App>, id: String, disabled: bool) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let (account, managed) = managed_account(&app, p, &id).await?;
    app.store.set_disabled(&account.id, disabled).await?;
    // A disabled account is refused on its next request anyway; ending its sessions also keeps
    // them from coming back if it is enabled again.
    app.store.delete_sessions_of(&account.id).await?;
    app.access.accounts_changed();
    let what = if disabled { "disabled" } else { "enabled" };
    let detail = format!("{what}: {} ({})", account.username, account.id);
    app.store
        .append_audit(&audit_entry(
            p,
            &ctx,
            if disabled { AuditAction::DisableAccount } else { AuditAction::EnableAccount },
            "account",
            &account.id,
            managed.school_id,
            detail,
        ))
        .await?;
    Ok(see_other(&format!("/admin/roles?{}", query_string(&[("notice", what), ("q", &account.username)]))))
}

/// `POST /admin/accounts/{id}/disable`: the account can no longer sign in, and its live sessions
/// lose access at once.
pub(crate) async fn disable(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(ctx, app, id, true).await
}

/// `POST /admin/accounts/{id}/enable`.
pub(crate) async fn enable(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(ctx, app, id, false).await
}

// ---------------------------------------------------------------------------------------------
// Audit log viewer

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    target_kind: Option<String>,
    target_id: Option<String>,
    school: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

struct AuditRow {
    at: String,
    actor: String,
    actor_id: String,
    action: &'static str,
    target_kind: String,
    target_id: String,
    school: String,
    ip: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
pub(crate) struct AuditPage {
    c: Chrome,
    errors: Vec<&'static str>,
    actor: String,
    target_id: String,
    from: String,
    to: String,
    actions: Vec<Choice>,
    kinds: Vec<Choice>,
    schools: Vec<Choice>,
    rows: Vec<AuditRow>,
    page: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// The time zone dates are entered and shown in: the platform serves Chinese districts.
fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Parses `YYYY-MM-DD`; the bound is the start of that day in Beijing time, or of the next day
/// when `end` (so the end date is included).
fn parse_day(value: &str, end: bool) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    if !(1900..=9999).contains(&chrono::Datelike::year(&date)) {
        return None;
    }
    let date = if end { date.succ_opt()? } else { date };
    let local = date.and_time(NaiveTime::MIN).and_local_timezone(beijing()).single()?;
    Some(local.with_timezone(&Utc))
}

/// The target kinds audit entries are written with, and their labels.
fn target_kinds(lang: Lang) -> Vec<(&'static str, &'static str)> {
    let m = lang.messages();
    vec![
        ("student", lang.label(ResourceKind::Student)),
        ("class", lang.label(ResourceKind::Class)),
        ("account", m.audit_kind_account),
        ("role_assignment", lang.label(ResourceKind::RoleAssignment)),
        ("token", m.audit_kind_token),
    ]
}

/// `GET /admin/audit`: the audit log, newest first, filtered and paged (district admins only,
/// enforced by the route's guard).
pub(crate) async fn audit(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let m = lang.messages();
    let text =
        |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().chars().take(200).collect::<String>();
    let (actor, action, kind, target_id, school, from, to, page) = (
        text(&q.actor),
        text(&q.action),
        text(&q.target_kind),
        text(&q.target_id),
        text(&q.school),
        text(&q.from),
        text(&q.to),
        text(&q.page),
    );
    let mut errors = Vec::new();
    let parsed_action = if action.is_empty() {
        None
    } else {
        match AuditAction::ALL.iter().find(|a| a.code() == action) {
            Some(a) => Some(*a),
            None => {
                errors.push(m.audit_bad_action);
                None
            }
        }
    };
    let mut bound = |value: &str, end: bool| {
        if value.is_empty() {
            return None;
        }
        let parsed = parse_day(value, end);
        if parsed.is_none() && !errors.contains(&m.audit_bad_date) {
            errors.push(m.audit_bad_date);
        }
        parsed
    };
    let from_at = bound(&from, false);
    let to_at = bound(&to, true);
    if let (Some(f), Some(t)) = (from_at, to_at)
        && f >= t
    {
        errors.push(m.audit_bad_range);
    }
    let page_no = if page.is_empty() {
        1
    } else {
        match page.parse::<u32>() {
            Ok(n) if (1..=AUDIT_MAX_PAGE).contains(&n) => n,
            _ => {
                errors.push(m.audit_bad_page);
                1
            }
        }
    };
    let overview = app.store.district_overview().await?;
    let school_names: HashMap<String, String> =
        overview.schools.iter().map(|s| (s.school.id.clone(), s.school.name.clone())).collect();
    let kinds = target_kinds(lang);

    let (mut rows, mut more) = (Vec::new(), false);
    if errors.is_empty() {
        let filter = AuditFilter {
            actor: (!actor.is_empty()).then(|| actor.clone()),
            action: parsed_action,
            target_kind: (!kind.is_empty()).then(|| kind.clone()),
            target_id: (!target_id.is_empty()).then(|| target_id.clone()),
            school_id: (!school.is_empty()).then(|| school.clone()),
            from: from_at,
            to: to_at,
            // One more than a page tells whether there is a next one.
            limit: AUDIT_PAGE_SIZE + 1,
            offset: (page_no - 1) * AUDIT_PAGE_SIZE,
        };
        let mut entries = app.store.audit_entries(&filter).await?;
        more = entries.len() > AUDIT_PAGE_SIZE as usize;
        entries.truncate(AUDIT_PAGE_SIZE as usize);
        let zone = beijing();
        rows = entries
            .into_iter()
            .map(|e| AuditRow {
                at: e.at.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S").to_string(),
                actor: e.actor_name,
                actor_id: e.actor_account_id.unwrap_or_default(),
                action: lang.label(e.action),
                target_kind: kinds
                    .iter()
                    .find(|(code, _)| *code == e.target_kind)
                    .map(|(_, l)| (*l).to_owned())
                    .unwrap_or(e.target_kind),
                target_id: e.target_id,
                school: e.school_id.map(|id| school_names.get(&id).cloned().unwrap_or(id)).unwrap_or_default(),
                ip: e.ip.unwrap_or_default(),
                detail: e.detail.unwrap_or_default(),
            })
            .collect();
    }
    let href = |n: u32| {
        let n = n.to_string();
        let pairs = [
            ("actor", actor.as_str()),
            ("action", action.as_str()),
            ("target_kind", kind.as_str()),
            ("target_id", target_id.as_str()),
            ("school", school.as_str()),
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("page", n.as_str()),
        ];
        format!("/admin/audit?{}", query_string(&pairs))
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page = AuditPage {
        prev_href: (page_no > 1 && errors.is_empty()).then(|| href(page_no - 1)),
        next_href: more.then(|| href(page_no + 1)),
        actions: AuditAction::ALL
            .iter()
            .map(|a| Choice {
                value: a.code().to_owned(),
                label: lang.label(*a).to_owned(),
                selected: a.code() == action,
            })
            .collect(),
        kinds: kinds
            .iter()
            .map(|(code, label)| Choice {
                value: (*code).to_owned(),
                label: (*label).to_owned(),
                selected: *code == kind,
            })
            .collect(),
        schools: overview
            .schools
            .iter()
            .map(|s| Choice {
                value: s.school.id.clone(),
                label: s.school.name.clone(),
                selected: s.school.id == school,
            })
            .collect(),
        errors,
        actor,
        target_id,
        from,
        to,
        rows,
        page: page_no,
        c: app.chrome(&ctx, Nav::Audit).await?,
    };
    let mut response = Page(page).into_response();
    *response.status_mut() = status;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(assignments: &[(Role, &str)]) -> Actor {
        Actor {
            account_id: "acct-x".into(),
            assignments: assignments
                .iter()
                .enumerate()
                .map(|(i, (role, scope))| RoleAssignment {
                    id: format!("ra-{i}"),
                    account_id: "acct-x".into(),
                    role: *role,
                    scope_id: (*scope).into(),
                    subjects: Vec::new(),
                    grants: Vec::new(),
                })
                .collect(),
            facts: Default::default(),
        }
    }

    fn school(id: &str) -> Place {
        Place {
            regions: vec!["prov".into(), "city".into(), "dist".into()],
            school_id: Some(id.into()),
            ..Place::default()
        }
    }

    fn region(path: &[&str]) -> Place {
        Place { regions: path.iter().map(|r| (*r).to_owned()).collect(), ..Place::default() }
    }

    #[test]
    fn school_admins_grant_only_their_schools_staff_roles() {
        let principal = actor(&[(Role::SchoolAdmin, "sch-1")]);
        assert!(may_grant(&principal, Role::Teacher, &school("sch-1")));
        assert!(may_grant(&principal, Role::SchoolAdmin, &school("sch-1")));
        assert!(!may_grant(&principal, Role::Teacher, &school("sch-2")));
        assert!(!may_grant(&principal, Role::DistrictAdmin, &school("sch-1")));
        assert!(!may_grant(&principal, Role::DistrictAdmin, &region(&["prov", "city", "dist"])));
    }

    #[test]
    fn district_admins_grant_anything_in_their_region_but_not_above_it() {
        let admin = actor(&[(Role::DistrictAdmin, "dist")]);
        assert!(may_grant(&admin, Role::DistrictAdmin, &region(&["prov", "city", "dist"])));
        assert!(may_grant(&admin, Role::Teacher, &school("sch-9")));
        assert!(!may_grant(&admin, Role::DistrictAdmin, &region(&["prov", "city"])));
        assert!(!may_grant(&admin, Role::Researcher, &region(&["prov", "city", "other"])));
    }

    #[test]
    fn one_roles_reach_does_not_lend_another_roles_powers() {
        // A teacher at sch-2 who is school admin at sch-1 cannot hand out roles at sch-2.
        let both = actor(&[(Role::SchoolAdmin, "sch-1"), (Role::Teacher, "sch-2")]);
        assert!(may_grant(&both, Role::Teacher, &school("sch-1")));
        assert!(!may_grant(&both, Role::Teacher, &school("sch-2")));
        let teacher = actor(&[(Role::Teacher, "sch-1")]);
        assert!(!may_grant(&teacher, Role::Teacher, &school("sch-1")));
    }

    #[test]
    fn dates_are_whole_days_in_beijing_time() {
        let from = parse_day("2026-03-01", false).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-02-28T16:00:00+00:00");
        let to = parse_day("2026-03-01", true).unwrap();
        assert_eq!(to.to_rfc3339(), "2026-03-01T16:00:00+00:00");
        for bad in ["2026-13-01", "01/03/2026", "", "-0001-01-01", "20260-01-01", "2026-02-30", "' OR 1=1 --"] {
            assert_eq!(parse_day(bad, false), None, "{bad}");
        }
    }
}
