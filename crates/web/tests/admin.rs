//! The administration pages end to end without a socket: role assignments granted and revoked
//! within scope and refused outside it, password resets, disabling, live sessions losing access at
//! once, and the audit log viewer — over a real SQLite store with the small demo district and its
//! accounts. Sessions are created directly in the store (no argon2 sign-in per test).

// Helpers outside `#[test]` functions panic on purpose too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering},
};

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use chrono::{Duration, TimeZone, Utc};
use domain::{
    Roster,
    access::Role,
    identity::{Account, AuditAction, AuditEntry},
};
use store::{AccountStore, AuditFilter, AuditStore, NoProgress, RosterStore, Session};
use store_sqlite::SqliteStore;
use tower::ServiceExt;
use web::{AppState, auth::secret};

struct TestApp {
    router: Router,
    store: Arc<SqliteStore>,
    roster: Roster,
    /// The principal's school (the first group's lead school).
    school: String,
    sessions: AtomicU32,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: its cookie and the CSRF token its forms carry.
struct Browser {
    cookie: String,
    csrf: String,
    secret: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or_default()
    }
}

async fn setup() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("zhijiao.db")).await.unwrap();
    let roster = demo::district(&demo::DemoConfig { seed: 1, scale: demo::Scale::Small });
    store.import_roster(&roster, &NoProgress).await.unwrap();
    let mut accounts = demo::accounts(&roster, Utc::now());
    // Sessions are made directly, so nobody needs a password; nobody is sent to change one.
    for a in &mut accounts.accounts {
        a.must_change_password = false;
    }
    store.add_accounts(&accounts.accounts, &accounts.assignments, &NoProgress).await.unwrap();
    let school = accounts.assignments.iter().find(|a| a.id == "ra-principal").unwrap().scope_id.clone();
    let store = Arc::new(store);
    let router = web::router(AppState {
        store: store.clone(),
        demo: false,
        demo_accounts: Vec::new(),
        library: Arc::new(web::library::Library::open_in(dir.path()).unwrap()),
        workload: Default::default(),
    });
    TestApp { router, store, roster, school, sessions: AtomicU32::new(0), _dir: dir }
}

impl TestApp {
    async fn account(&self, username: &str) -> Account {
        self.store.account_by_login(username).await.unwrap().unwrap_or_else(|| panic!("no account {username}"))
    }

    async fn sign_in(&self, username: &str) -> Browser {
        let account = self.account(username).await;
        let n = self.sessions.fetch_add(1, Ordering::Relaxed);
        let secret = format!("test-session-{n}-{}", account.id);
        let csrf = format!("csrf-{n}");
        let now = Utc::now();
        self.store
            .create_session(&Session {
                id_hash: secret::digest(&secret),
                account_id: account.id,
                csrf_token: csrf.clone(),
                created_at: now,
                expires_at: now + Duration::hours(1),
                ip: None,
                user_agent: None,
            })
            .await
            .unwrap();
        Browser { cookie: format!("zj_session={secret}"), csrf, secret }
    }

    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Reply { status, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    async fn get(&self, uri: &str, who: &Browser) -> Reply {
        self.send(Request::get(uri).header(header::COOKIE, &who.cookie).body(Body::empty()).unwrap()).await
    }

    /// Posts a form with the browser's CSRF token.
    async fn post(&self, uri: &str, who: &Browser, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", who.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(uri, who, &serde_urlencoded::to_string(&all).unwrap()).await
    }

    async fn post_raw(&self, uri: &str, who: &Browser, body: &str) -> Reply {
        let request = Request::post(uri)
            .header(header::COOKIE, &who.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.send(request).await
    }

    async fn grant(&self, who: &Browser, account: &str, role: Role, scope: &str) -> Reply {
        self.post("/admin/roles", who, &[("account", account), ("role", role.code()), ("scope", scope)]).await
    }

    async fn audit(&self, action: AuditAction) -> Vec<AuditEntry> {
        let filter = AuditFilter { action: Some(action), limit: 1000, ..AuditFilter::default() };
        self.store.audit_entries(&filter).await.unwrap()
    }

    async fn roles_of(&self, account_id: &str) -> Vec<(Role, String)> {
        self.store.role_assignments(account_id).await.unwrap().into_iter().map(|a| (a.role, a.scope_id)).collect()
    }

    fn district(&self) -> &str {
        &self.roster.regions.iter().find(|r| r.level == domain::RegionLevel::District).unwrap().id
    }

    fn root_region(&self) -> &str {
        &self.roster.regions.iter().find(|r| r.parent_id.is_none()).unwrap().id
    }

    /// A school other than the principal's that has teachers.
    fn other_school(&self) -> &str {
        let s = self
            .roster
            .schools
            .iter()
            .find(|s| s.id != self.school && self.roster.teachers.iter().any(|t| t.school_id == s.id));
        &s.expect("another school with teachers").id
    }

    fn teachers_of(&self, school: &str) -> Vec<&domain::Teacher> {
        self.roster.teachers.iter().filter(|t| t.school_id == school).collect()
    }

    /// A guardian all of whose children are at `school` (or, with `inside` false, none of them).
    fn guardian(&self, school: &str, inside: bool) -> &domain::Guardian {
        self.roster
            .guardians
            .iter()
            .find(|g| {
                g.students.iter().all(|l| {
                    let at = self.roster.students.iter().find(|s| s.id == l.student_id).unwrap().school_id == school;
                    at == inside
                })
            })
            .expect("a guardian")
    }
}

fn acct(person_id: &str) -> String {
    domain::identity::account_id_of(person_id)
}

/// The number of assignment rows on the roles page.
fn assignment_rows(body: &str) -> usize {
    body.matches("<tr id=\"assignment-").count()
}

#[tokio::test]
async fn school_admin_grants_and_revokes_within_their_school() {
    let app = setup().await;
    let principal = app.sign_in("principal").await;
    let school = app.school.clone();
    let colleague = app
        .teachers_of(&school)
        .into_iter()
        .find(|t| app.roster.classes.iter().all(|c| c.head_teacher_id.as_ref() != Some(&t.id)))
        .unwrap_or(app.teachers_of(&school)[0]);
    let colleague_acct = acct(&colleague.id);

    // The page lists the school's assignments and no other school's.
    let page = app.get("/admin/roles", &principal).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"role\""), "no grant form for a school admin");
    for t in app.teachers_of(&school) {
        assert!(page.body.contains(&format!("<tr id=\"assignment-ra-{}-teacher\">", t.id)), "{} not listed", t.id);
    }
    for t in app.teachers_of(app.other_school()) {
        assert!(!page.body.contains(&acct(&t.id)), "another school's teacher {} is listed", t.id);
    }
    // Only the roles a school admin may grant are offered.
    assert!(page.body.contains("value=\"teacher\"") && page.body.contains("value=\"school_admin\""));
    assert!(!page.body.contains("value=\"district_admin\""), "a school admin is offered the district admin role");

    let reply = app.grant(&principal, &colleague_acct, Role::SchoolAdmin, &school).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/admin/roles?notice=granted");
    assert!(app.roles_of(&colleague_acct).await.contains(&(Role::SchoolAdmin, school.clone())));
    let granted = app.audit(AuditAction::GrantRole).await;
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].actor_account_id.as_deref(), Some("acct-principal"));
    assert_eq!(granted[0].school_id.as_deref(), Some(school.as_str()));
    assert!(granted[0].detail.as_deref().unwrap().contains("school_admin"));

    // Granting the same role again changes nothing and writes nothing.
    let reply = app.grant(&principal, &colleague.id, Role::SchoolAdmin, &school).await;
    assert_eq!(reply.location(), "/admin/roles?notice=exists", "the user name works as well as the id");
    assert_eq!(app.audit(AuditAction::GrantRole).await.len(), 1);

    let new_id = granted[0].target_id.clone();
    let page = app.get("/admin/roles?notice=granted", &principal).await;
    assert!(page.body.contains("角色已授予"));
    assert!(
        page.body.contains(&format!("action=\"/admin/roles/{new_id}/revoke\"")),
        "no revoke button for the new role"
    );

    let reply = app.post(&format!("/admin/roles/{new_id}/revoke"), &principal, &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(!app.roles_of(&colleague_acct).await.contains(&(Role::SchoolAdmin, school.clone())));
    let revoked = app.audit(AuditAction::RevokeRole).await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].target_id, new_id);
    assert_eq!(revoked[0].school_id.as_deref(), Some(school.as_str()));
    let reply = app.post(&format!("/admin/roles/{new_id}/revoke"), &principal, &[]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "revoking twice");
}

#[tokio::test]
async fn district_admin_grants_every_role_in_the_region_with_subjects_and_grants() {
    let app = setup().await;
    let admin = app.sign_in("admin").await;
    let district = app.district().to_owned();
    let target = acct(&app.teachers_of(app.other_school())[0].id);

    let page = app.get("/admin/roles", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    for role in
        [Role::DistrictAdmin, Role::Researcher, Role::ThirdParty, Role::GroupLead, Role::SchoolAdmin, Role::Teacher]
    {
        assert!(page.body.contains(&format!("value=\"{}\"", role.code())), "{role:?} not offered");
    }
    // Every school's assignments are listed (one per teacher at least).
    assert!(assignment_rows(&page.body) >= app.roster.teachers.len().min(500));
    assert!(page.body.contains("ra-group-lead") && page.body.contains("ra-researcher"));

    let fields = [
        ("account", target.as_str()),
        ("role", "researcher"),
        ("scope", &district),
        ("subjects", "math"),
        ("subjects", "physics"),
        ("grants", "school"),
    ];
    let reply = app.post("/admin/roles", &admin, &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let researcher =
        app.store.role_assignments(&target).await.unwrap().into_iter().find(|a| a.role == Role::Researcher).unwrap();
    assert_eq!(researcher.subjects, vec![domain::Subject::Math, domain::Subject::Physics]);
    assert!(researcher.grants.is_empty(), "grants only apply to third parties");

    let group = &app.roster.school_groups[0].id;
    assert_eq!(app.grant(&admin, &target, Role::GroupLead, group).await.status, StatusCode::SEE_OTHER);
    assert!(app.roles_of(&target).await.contains(&(Role::GroupLead, group.clone())));

    // A third party needs something granted; the form is shown again with the reason.
    let reply = app.grant(&admin, "acct-partner", Role::ThirdParty, &district).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("请为第三方机构至少选择一项授权内容"));
    let reply = app
        .post("/admin/roles", &admin, &[("account", "nobody-here"), ("role", "teacher"), ("scope", &app.school)])
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("找不到这个账号"));
    // Students never get staff roles; roster roles are not granted by hand; junk is a bad request.
    let student = app.account("student").await;
    assert_eq!(
        app.grant(&admin, &student.id, Role::Teacher, &app.school).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.grant(&admin, &target, Role::Student, &student.person.unwrap().id).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post("/admin/roles", &admin, &[("account", &target), ("role", "emperor"), ("scope", &district)])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    assert_eq!(app.audit(AuditAction::GrantRole).await.len(), 2, "one entry per grant made, none for refusals");
}

#[tokio::test]
async fn grants_and_revokes_outside_the_actors_scope_are_refused() {
    let app = setup().await;
    let principal = app.sign_in("principal").await;
    let other = app.other_school().to_owned();
    let district = app.district().to_owned();
    let colleague = acct(&app.teachers_of(&app.school)[0].id);
    let outsider = app.teachers_of(&other)[0].id.clone();
    let before = app.roles_of(&colleague).await;

    // A school admin: not at another school, never a district admin, not a group role.
    assert_eq!(app.grant(&principal, &colleague, Role::Teacher, &other).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.grant(&principal, &colleague, Role::SchoolAdmin, &other).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.grant(&principal, &colleague, Role::DistrictAdmin, &district).await.status, StatusCode::FORBIDDEN);
    let group = &app.roster.school_groups[0].id;
    assert_eq!(app.grant(&principal, &colleague, Role::GroupLead, group).await.status, StatusCode::FORBIDDEN);
    // A district admin scope at the principal's own school id is no district admin scope.
    assert_eq!(
        app.grant(&principal, &colleague, Role::DistrictAdmin, &app.school).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Revoking another school's teacher or the district admin.
    assert_eq!(
        app.post(&format!("/admin/roles/ra-{outsider}-teacher/revoke"), &principal, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.post("/admin/roles/ra-admin/revoke", &principal, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.roles_of(&acct(&outsider)).await, vec![(Role::Teacher, other.clone())]);
    // A student's roster role lies within the school, but a school admin hands out staff roles only.
    let student = app.account("student").await.person.unwrap().id;
    assert_eq!(
        app.post(&format!("/admin/roles/ra-{student}-student/revoke"), &principal, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.roles_of(&acct(&student)).await, vec![(Role::Student, student.clone())]);

    // Nobody grants wider than their own scope: the district admin cannot act at the province.
    let admin = app.sign_in("admin").await;
    assert_eq!(
        app.grant(&admin, &colleague, Role::DistrictAdmin, app.root_region()).await.status,
        StatusCode::FORBIDDEN
    );
    // Nor change their own roles.
    assert_eq!(app.grant(&admin, "acct-admin", Role::Researcher, &district).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/admin/roles/ra-admin/revoke", &admin, &[]).await.status, StatusCode::FORBIDDEN);

    // A teacher manages nothing: the page says so and shows no form; posting is refused.
    let teacher = app.sign_in("teacher").await;
    let page = app.get("/admin/roles?q=a", &teacher).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"nothing-to-manage\""));
    assert!(
        !page.body.contains("name=\"role\"")
            && assignment_rows(&page.body) == 0
            && !page.body.contains("reset-password")
    );
    assert_eq!(app.grant(&teacher, &colleague, Role::Teacher, &app.school).await.status, StatusCode::FORBIDDEN);
    let researcher = app.sign_in("researcher").await;
    assert_eq!(app.grant(&researcher, &colleague, Role::Teacher, &app.school).await.status, StatusCode::FORBIDDEN);

    assert_eq!(app.roles_of(&colleague).await, before);
    assert!(app.audit(AuditAction::GrantRole).await.is_empty());
    assert!(app.audit(AuditAction::RevokeRole).await.is_empty());
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = setup().await;
    let principal = app.sign_in("principal").await;
    let colleague = acct(&app.teachers_of(&app.school)[0].id);
    let body = serde_urlencoded::to_string([
        ("account", colleague.as_str()),
        ("role", "school_admin"),
        ("scope", &app.school),
    ])
    .unwrap();
    assert_eq!(app.post_raw("/admin/roles", &principal, &body).await.status, StatusCode::FORBIDDEN);
    let forged = format!("csrf=not-the-token&{body}");
    assert_eq!(app.post_raw("/admin/roles", &principal, &forged).await.status, StatusCode::FORBIDDEN);
    let other_session = app.sign_in("principal").await;
    let stolen = format!("csrf={}&{body}", other_session.csrf);
    assert_eq!(
        app.post_raw("/admin/roles", &principal, &stolen).await.status,
        StatusCode::FORBIDDEN,
        "another session's token"
    );
    let target = format!("/admin/accounts/{colleague}/reset-password");
    assert_eq!(app.post_raw(&target, &principal, "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post_raw(&format!("/admin/accounts/{colleague}/disable"), &principal, "").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.post_raw("/admin/roles/ra-principal/revoke", &principal, "").await.status, StatusCode::FORBIDDEN);

    assert_eq!(app.roles_of(&colleague).await.len(), 1);
    assert!(!app.store.account(&colleague).await.unwrap().unwrap().disabled);
    assert!(
        app.audit(AuditAction::GrantRole).await.is_empty() && app.audit(AuditAction::DisableAccount).await.is_empty()
    );
}

#[tokio::test]
async fn reset_password_shows_it_once_and_ends_the_sessions() {
    let app = setup().await;
    let admin = app.sign_in("admin").await;
    let teacher = app.sign_in("teacher").await;
    let teacher_account = app.account("teacher").await;
    assert_eq!(app.get("/account", &teacher).await.status, StatusCode::OK);

    let reply = app.post(&format!("/admin/accounts/{}/reset-password", teacher_account.id), &admin, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    let start = reply.body.find("id=\"temp-password\">").unwrap() + "id=\"temp-password\">".len();
    let password = &reply.body[start..start + reply.body[start..].find('<').unwrap()];
    assert_eq!(password.chars().count(), 12, "{password}");

    let stored = app.store.account(&teacher_account.id).await.unwrap().unwrap();
    assert!(stored.must_change_password);
    assert!(secret::verify_password(password, stored.password_hash.as_deref().unwrap()));
    // The teacher's live session is over.
    let after = app.get("/account", &teacher).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/login"), "{}", after.location());
    assert!(app.store.session(&secret::digest(&teacher.secret), Utc::now()).await.unwrap().is_none());
    // Shown once: nowhere else, not in the audit log either.
    let page = app.get("/admin/roles?q=teacher", &admin).await;
    assert!(!page.body.contains(password));
    let resets = app.audit(AuditAction::ResetPassword).await;
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].target_id, teacher_account.id);
    assert_eq!(resets[0].school_id.as_deref(), Some(app.school.as_str()));
    assert!(!resets[0].detail.as_deref().unwrap_or_default().contains(password));

    // A school admin resets the school's people, and no one else's.
    let principal = app.sign_in("principal").await;
    let student = app.account("student").await;
    assert_eq!(
        app.post(&format!("/admin/accounts/{}/reset-password", student.id), &principal, &[]).await.status,
        StatusCode::OK
    );
    let parent = app.account("parent").await;
    assert_eq!(
        app.post(&format!("/admin/accounts/{}/reset-password", parent.id), &principal, &[]).await.status,
        StatusCode::OK
    );
    let outsider = acct(&app.teachers_of(app.other_school())[0].id);
    let foreign_parent = acct(&app.guardian(&app.school, false).id);
    for id in [outsider.as_str(), foreign_parent.as_str(), "acct-admin", "acct-researcher", "acct-principal"] {
        let reply = app.post(&format!("/admin/accounts/{id}/reset-password"), &principal, &[]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "principal reset {id}");
    }
    assert_eq!(
        app.post("/admin/accounts/acct-nobody/reset-password", &principal, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    // A colleague who is also a district researcher holds more than the school: taking the
    // account over would give the principal that too, so only the district may reset it.
    let colleague =
        acct(&app.teachers_of(&app.school).into_iter().find(|t| acct(&t.id) != teacher_account.id).unwrap().id);
    let reset = format!("/admin/accounts/{colleague}/reset-password");
    assert_eq!(app.post(&reset, &principal, &[]).await.status, StatusCode::OK);
    assert_eq!(app.grant(&admin, &colleague, Role::Researcher, app.district()).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.post(&reset, &principal, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post(&format!("/admin/accounts/{colleague}/disable"), &principal, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.post(&reset, &admin, &[]).await.status, StatusCode::OK);
    assert_eq!(app.audit(AuditAction::ResetPassword).await.len(), 5);
}

#[tokio::test]
async fn demoted_and_disabled_sessions_lose_access_at_once() {
    let app = setup().await;
    let principal = app.sign_in("principal").await;
    let teacher = app.sign_in("teacher").await;
    let teacher_account = app.account("teacher").await;
    let teacher_id = teacher_account.person.as_ref().unwrap().id.clone();
    let class = app.roster.classes.iter().find(|c| c.head_teacher_id.as_ref() == Some(&teacher_id)).unwrap();
    assert_eq!(app.get(&format!("/classes/{}", class.id), &teacher).await.status, StatusCode::OK);

    // The principal takes the teacher role away: the very next request of the live session is refused.
    let reply = app.post(&format!("/admin/roles/ra-{teacher_id}-teacher/revoke"), &principal, &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/classes/{}", class.id), &teacher).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/teachers/{teacher_id}"), &teacher).await.status, StatusCode::FORBIDDEN);
    // Granted back, it works again in the same session.
    assert_eq!(
        app.grant(&principal, &teacher_account.id, Role::Teacher, &app.school).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get(&format!("/classes/{}", class.id), &teacher).await.status, StatusCode::OK);

    // Disabling: the parent's live session ends at once and stays ended after enabling.
    let admin = app.sign_in("admin").await;
    let parent = app.sign_in("parent").await;
    let parent_account = app.account("parent").await;
    let child = &app.roster.guardians.iter().find(|g| acct(&g.id) == parent_account.id).unwrap().students[0].student_id;
    assert_eq!(app.get(&format!("/students/{child}"), &parent).await.status, StatusCode::OK);
    let reply = app.post(&format!("/admin/accounts/{}/disable", parent_account.id), &admin, &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(reply.location().starts_with("/admin/roles?notice=disabled"));
    assert!(app.store.account(&parent_account.id).await.unwrap().unwrap().disabled);
    let after = app.get(&format!("/students/{child}"), &parent).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/login"));
    // A session made after disabling (as if it had survived) is refused too: the account is checked per request.
    let revived = app.sign_in("parent").await;
    assert_eq!(app.get(&format!("/students/{child}"), &revived).await.status, StatusCode::SEE_OTHER);

    let page = app.get(&format!("/admin/roles?q={}", parent_account.username), &admin).await;
    assert!(page.body.contains("已停用") && page.body.contains("/enable\""));
    assert_eq!(
        app.post(&format!("/admin/accounts/{}/enable", parent_account.id), &admin, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(!app.store.account(&parent_account.id).await.unwrap().unwrap().disabled);
    assert_eq!(
        app.get(&format!("/students/{child}"), &parent).await.status,
        StatusCode::SEE_OTHER,
        "old sessions stay ended"
    );

    let disabled = app.audit(AuditAction::DisableAccount).await;
    assert_eq!(disabled.len(), 1);
    assert!(disabled[0].detail.as_deref().unwrap().starts_with("disabled"));
    let enabled = app.audit(AuditAction::EnableAccount).await;
    assert_eq!(enabled.len(), 1);
    assert!(enabled[0].detail.as_deref().unwrap().starts_with("enabled"));
    assert!(enabled[0].at >= disabled[0].at);
    assert_eq!(app.audit(AuditAction::RevokeRole).await.len(), 1);
    assert_eq!(app.audit(AuditAction::GrantRole).await.len(), 1);

    // Out of scope: the principal cannot disable the district admin or another school's teacher.
    let outsider = acct(&app.teachers_of(app.other_school())[0].id);
    assert_eq!(app.post("/admin/accounts/acct-admin/disable", &principal, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post(&format!("/admin/accounts/{outsider}/disable"), &principal, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post("/admin/accounts/acct-principal/disable", &principal, &[]).await.status,
        StatusCode::FORBIDDEN,
        "not oneself"
    );
    assert_eq!(app.audit(AuditAction::DisableAccount).await.len(), 1, "refused attempts write nothing");
}

/// How many rows the audit page shows.
fn audit_rows(body: &str) -> usize {
    body.matches("<tr class=\"audit-row\">").count()
}

#[tokio::test]
async fn audit_viewer_filters_pages_and_is_for_district_admins_only() {
    let app = setup().await;
    let other = app.other_school().to_owned();
    // Sixty reads by one actor, one a day from 2025-01-01 at noon Beijing time, alternating schools.
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 4, 0, 0).unwrap();
    for i in 0..60 {
        let entry = AuditEntry {
            at: start + Duration::days(i),
            actor_account_id: Some("acct-auditee".into()),
            actor_name: "审计对象".into(),
            action: AuditAction::ViewStudent,
            target_kind: "student".into(),
            target_id: format!("stu-{i:03}"),
            school_id: Some(if i % 2 == 0 { app.school.clone() } else { other.clone() }),
            ip: Some("10.0.0.1".into()),
            detail: None,
        };
        app.store.append_audit(&entry).await.unwrap();
    }
    let admin = app.sign_in("admin").await;
    let principal = app.sign_in("principal").await;
    let colleague = acct(&app.teachers_of(&app.school)[0].id);
    assert_eq!(app.grant(&admin, &colleague, Role::SchoolAdmin, &app.school).await.status, StatusCode::SEE_OTHER);

    let page = app.get("/admin/audit", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("审计日志") && page.body.contains("授予角色"));
    assert_eq!(audit_rows(&page.body), 50);
    assert!(page.body.contains("rel=\"next\""));
    // Newest first: the grant, then the last read.
    let grant_at = page.body.find("授予角色</td>").unwrap();
    assert!(grant_at < page.body.find("stu-059").unwrap());
    assert!(page.body.find("stu-059").unwrap() < page.body.find("stu-058").unwrap());

    let page = app.get("/admin/audit?action=grant_role", &admin).await;
    assert_eq!(audit_rows(&page.body), 1);
    assert!(page.body.contains("<option value=\"grant_role\" selected>"));
    let page = app.get("/admin/audit?actor=acct-auditee", &admin).await;
    assert_eq!(audit_rows(&page.body), 50);
    let page = app.get("/admin/audit?actor=acct-auditee&page=2", &admin).await;
    assert_eq!(audit_rows(&page.body), 10);
    assert!(!page.body.contains("rel=\"next\"") && page.body.contains("rel=\"prev\""));
    assert!(page.body.contains("stu-000") && !page.body.contains("stu-010"));
    let page = app
        .get("/admin/audit?actor=%E5%AE%A1%E8%AE%A1%E5%AF%B9%E8%B1%A1&target_kind=student&target_id=stu-007", &admin)
        .await;
    assert_eq!(audit_rows(&page.body), 1, "actor by name, kind and id");
    let page = app.get(&format!("/admin/audit?actor=acct-auditee&school={other}"), &admin).await;
    assert_eq!(audit_rows(&page.body), 30);
    // Whole days in Beijing time, both ends included: 2025-01-10 … 2025-01-12 are entries 9, 10, 11.
    let page = app.get("/admin/audit?from=2025-01-10&to=2025-01-12", &admin).await;
    assert_eq!(audit_rows(&page.body), 3);
    assert!(page.body.contains("stu-009") && page.body.contains("stu-011") && !page.body.contains("stu-012"));
    assert!(page.body.contains("2025-01-10 12:00:00"), "times in Beijing time");

    // Bad input gets a clear message, not a server error; injection strings are just data.
    for uri in ["/admin/audit?from=2025-13-01", "/admin/audit?to=yesterday", "/admin/audit?from=-0001-01-01"] {
        let page = app.get(uri, &admin).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(page.body.contains("日期格式应为"), "{uri}");
    }
    let page = app.get("/admin/audit?from=2025-02-01&to=2025-01-01", &admin).await;
    assert!(page.status == StatusCode::BAD_REQUEST && page.body.contains("起始日期晚于截止日期"));
    let page = app.get("/admin/audit?action=drop_table", &admin).await;
    assert!(page.status == StatusCode::BAD_REQUEST && page.body.contains("未知的操作类型"));
    let page = app.get("/admin/audit?page=0", &admin).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let page = app
        .get("/admin/audit?actor=%27%20OR%201%3D1%20--&target_id=%27%3B%20DROP%20TABLE%20audit_log%3B%20--", &admin)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(audit_rows(&page.body), 0);
    assert!(page.body.contains("&#39; OR 1=1 --"), "the filter is echoed, escaped");
    assert_eq!(audit_rows(&app.get("/admin/audit?actor=acct-auditee", &admin).await.body), 50, "the log is intact");

    // English labels.
    let page = app.get("/admin/audit?lang=en&action=view_student", &admin).await;
    assert!(
        page.body.contains("Audit log")
            && page.body.contains("Viewed a student record")
            && page.body.contains("Time (UTC+8)")
    );

    // Everyone but district admins is refused.
    for who in ["principal", "teacher", "researcher", "partner", "group-lead", "student", "parent"] {
        let browser = app.sign_in(who).await;
        assert_eq!(app.get("/admin/audit", &browser).await.status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(app.get("/admin/audit", &principal).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn account_search_escapes_hostile_names_and_shows_only_manageable_accounts() {
    let app = setup().await;
    let hostile = Account {
        id: "acct-hostile".into(),
        username: "hostile".into(),
        display_name: "<script>alert(1)</script>".into(),
        phone: None,
        person: None,
        password_hash: None,
        must_change_password: true,
        disabled: false,
        created_at: Utc::now(),
    };
    app.store.add_accounts(std::slice::from_ref(&hostile), &[], &NoProgress).await.unwrap();
    let admin = app.sign_in("admin").await;
    let page = app.get("/admin/roles?q=%3Cscript%3E", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{}", page.body);
    assert!(!page.body.contains("<script>"), "hostile markup reached the page");
    assert!(page.body.contains("/admin/accounts/acct-hostile/reset-password"));
    // A grant to it shows its name escaped in the assignment list too.
    assert_eq!(app.grant(&admin, "hostile", Role::Researcher, app.district()).await.status, StatusCode::SEE_OTHER);
    let page = app.get("/admin/roles", &admin).await;
    assert!(page.body.contains("&#60;script&#62;") && !page.body.contains("<script>"));

    // LIKE wildcards and quotes are data.
    for q in ["%", "_", "' OR '1'='1", "\\"] {
        let page = app.get(&format!("/admin/roles?{}", serde_urlencoded::to_string([("q", q)]).unwrap()), &admin).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
        assert!(!page.body.contains("acct-hostile/reset-password"), "{q} matched everything");
    }

    // The principal finds their own school's people but not the district's staff.
    let principal = app.sign_in("principal").await;
    let page = app.get("/admin/roles?q=hostile", &principal).await;
    assert!(!page.body.contains("acct-hostile"));
    // A teacher whose user name is still their roster id (the demo renamed one of them).
    let mut colleague = None;
    for t in app.teachers_of(&app.school) {
        if app.store.account(&acct(&t.id)).await.unwrap().unwrap().username == t.id {
            colleague = Some(t);
            break;
        }
    }
    let colleague = colleague.unwrap();
    let page = app.get(&format!("/admin/roles?q={}", colleague.id), &principal).await;
    assert!(page.body.contains(&format!("/admin/accounts/{}/reset-password", acct(&colleague.id))));
    let outsider = app.teachers_of(app.other_school())[0];
    let page = app.get(&format!("/admin/roles?q={}", outsider.id), &principal).await;
    assert!(!page.body.contains(&acct(&outsider.id)), "another school's teacher is offered");
}
