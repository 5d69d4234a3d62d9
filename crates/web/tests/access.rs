//! Identity and access end to end: every route in the route table is guarded, each role sees its
//! scope and nothing else, and the attacks the issue lists fail. Real SQLite store, small demo
//! district, `oneshot` requests.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers: a failed setup is a failed test")]

use std::sync::Arc;

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use chrono::{Duration, Utc};
use domain::{
    Roster,
    identity::{AuditAction, account_id_of},
};
use store::{AccountStore, AuditFilter, AuditStore, CurriculumStore, HomeworkStore, NoProgress, RosterStore, Session};
use store_sqlite::SqliteStore;
use tower::ServiceExt;
use web::{
    AppState,
    guard::{Guard, RouteSpec},
};

struct App {
    router: Router,
    routes: Vec<RouteSpec>,
    store: Arc<SqliteStore>,
    roster: Roster,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
            c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        })
    }
}

/// The password every test account gets (hashed once per test binary).
const PASSWORD: &str = "correct horse battery";

async fn setup_with(edit: impl FnOnce(&mut Roster)) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("z.db")).await.unwrap();
    let mut roster = demo::district(&demo::DemoConfig { seed: 3, scale: demo::Scale::Small });
    edit(&mut roster);
    store.import_roster(&roster, &NoProgress).await.unwrap();
    store.import_curriculum(&demo::curriculum(), &NoProgress).await.unwrap();
    let accounts = demo::accounts(&roster, Utc::now());
    store.add_accounts(&accounts.accounts, &accounts.assignments, &NoProgress).await.unwrap();
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = HASH.get_or_init(|| web::auth::secret::hash_password(PASSWORD).unwrap());
    for login in &accounts.logins {
        let account = store.account_by_login(&login.username).await.unwrap().unwrap();
        store.set_password(&account.id, hash, false).await.unwrap();
    }
    let store = Arc::new(store);
    let (router, routes) = web::router_and_routes(AppState {
        store: store.clone(),
        demo: true,
        demo_accounts: Vec::new(),
        library: Arc::new(web::library::Library::open_in(dir.path()).unwrap()),
        workload: Default::default(),
    });
    App { router, routes, store, roster, _dir: dir }
}

async fn setup() -> App {
    setup_with(|_| {}).await
}

impl App {
    /// A session for `username`, created directly in the store (no password hashing).
    async fn session(&self, username: &str) -> String {
        let account = self.store.account_by_login(username).await.unwrap().unwrap();
        let secret = web::auth::secret::random_secret().unwrap();
        self.store
            .create_session(&Session {
                id_hash: web::auth::secret::digest(&secret),
                account_id: account.id,
                csrf_token: format!("csrf-{username}"),
                created_at: Utc::now(),
                expires_at: Utc::now() + Duration::hours(1),
                ip: None,
                user_agent: None,
            })
            .await
            .unwrap();
        format!("zj_session={secret}")
    }

    async fn send(&self, method: Method, uri: &str, cookie: Option<&str>, body: Option<&str>) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        let body = match body {
            Some(b) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(b.to_owned())
            }
            None => Body::empty(),
        };
        let response = self.router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn get(&self, uri: &str, cookie: &str) -> Reply {
        self.send(Method::GET, uri, Some(cookie), None).await
    }

    async fn post(&self, uri: &str, cookie: &str, body: &str) -> Reply {
        self.send(Method::POST, uri, Some(cookie), Some(body)).await
    }

    /// The sign-in form's CSRF cookie and token, as a browser gets them.
    async fn login_form(&self) -> (String, String) {
        let reply = self.send(Method::GET, "/login", None, None).await;
        let token = reply.set_cookie("zj_login_csrf").expect("login csrf cookie");
        assert!(reply.body.contains(&format!("value=\"{token}\"")));
        (format!("zj_login_csrf={token}"), token)
    }

    async fn sign_in(&self, login: &str, password: &str) -> Reply {
        let (cookie, token) = self.login_form().await;
        self.post("/login", &cookie, &format!("csrf={token}&login={login}&password={password}")).await
    }

    fn head_class(&self) -> &domain::Class {
        // The demo teacher heads the first class with a head teacher in the first group's lead school.
        let lead = &self.roster.school_groups[0].lead_school_id;
        self.roster.classes.iter().find(|c| &c.school_id == lead && c.head_teacher_id.is_some()).unwrap()
    }

    fn other_school_class(&self) -> &domain::Class {
        let lead = &self.roster.school_groups[0].lead_school_id;
        self.roster.classes.iter().find(|c| &c.school_id != lead).unwrap()
    }
}

/// A concrete path for a route pattern, with ids of `school`'s records (or `x` where none fits).
fn concrete(app: &App, pattern: &str, class: &domain::Class) -> String {
    let student = app.roster.students.iter().find(|s| s.class_id == class.id).unwrap();
    let teacher = app.roster.teachers.iter().find(|t| t.school_id == class.school_id).unwrap();
    let id = match pattern.split('/').nth(1).unwrap_or_default() {
        "schools" => class.school_id.clone(),
        "classes" => class.id.clone(),
        "teachers" => teacher.id.clone(),
        "students" => student.id.clone(),
        "api" if pattern.contains("/schools/") => class.school_id.clone(),
        "api" if pattern.contains("/classes/") => class.id.clone(),
        "api" if pattern.contains("/teachers/") => teacher.id.clone(),
        "api" if pattern.contains("/students/") => student.id.clone(),
        "homework" | "api" if pattern.contains("/homework/") => HOMEWORK_ID.to_owned(),
        _ => "x".to_owned(),
    };
    let mut out = String::new();
    for segment in pattern.split('/').skip(1) {
        out.push('/');
        out.push_str(if segment.starts_with('{') { &id } else { segment });
    }
    if out.is_empty() { "/".into() } else { out }
}

#[tokio::test]
async fn every_route_is_registered_with_a_guard_and_refuses_strangers() {
    let app = setup().await;
    let public: Vec<(Method, &str)> =
        app.routes.iter().filter(|r| r.guard == Guard::Public).map(|r| (r.method.clone(), r.path)).collect();
    let allowed_public = [
        (Method::GET, "/login"),
        (Method::POST, "/login"),
        (Method::GET, "/healthz"),
        (Method::GET, "/assets/{file}"),
        (Method::GET, "/assets/vendor/{*path}"),
        (Method::GET, "/api/openapi.json"),
    ];
    for p in &public {
        assert!(
            allowed_public.contains(p),
            "route {} {} is public: add it to this list only if anyone may call it",
            p.0,
            p.1
        );
    }
    assert!(app.routes.len() >= 20, "the route table looks incomplete: {}", app.routes.len());
    let class = app.head_class().clone();
    for spec in app.routes.iter().filter(|r| r.guard != Guard::Public) {
        let uri = concrete(&app, spec.path, &class);
        let reply = app.send(spec.method.clone(), &uri, None, (spec.method == Method::POST).then_some("a=b")).await;
        if spec.api {
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{} {uri} without credentials", spec.method);
        } else {
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{} {uri} without credentials", spec.method);
            assert!(reply.location().starts_with("/login?next="), "{} {uri} → {}", spec.method, reply.location());
        }
    }
}

/// The homework the route walks aim at (assigned to another school's class).
const HOMEWORK_ID: &str = "hw-access-test";

/// Assigns a homework to `class` so that homework routes have a real target.
async fn homework_in(app: &App, class: &domain::Class) {
    use domain::homework::{Homework, HomeworkItem, HomeworkKind, Mode};
    let teacher = app.roster.teachers.iter().find(|t| t.school_id == class.school_id).unwrap();
    let now = chrono::Utc::now();
    let homework = Homework {
        id: HOMEWORK_ID.to_owned(),
        title: "access".into(),
        kind: HomeworkKind::Regular,
        follow_up_of: None,
        subject: domain::Subject::Math,
        school_id: class.school_id.clone(),
        class_id: class.id.clone(),
        teacher_id: teacher.id.clone(),
        mode: Mode::Online,
        open_at: now,
        due_at: now + chrono::Duration::hours(1),
        allow_late: false,
        items: vec![HomeworkItem::new("i", 1.0)],
        minutes: 5,
        instructions: String::new(),
        created_at: now,
        released_at: None,
    };
    app.store.create_homework(&[(homework, Vec::new())], &[]).await.unwrap();
}

#[tokio::test]
async fn every_policy_route_refuses_an_actor_out_of_scope() {
    let app = setup().await;
    // The student of the demo class, aimed at another school's records.
    let student = app.session("student").await;
    let other = app.other_school_class().clone();
    homework_in(&app, &other).await;
    for spec in &app.routes {
        let Guard::Policy { kind, .. } = spec.guard else { continue };
        if kind == domain::access::ResourceKind::Curriculum {
            continue; // Everyone may read the curriculum.
        }
        let uri = concrete(&app, spec.path, &other);
        let body = "csrf=csrf-student&purpose=test";
        let reply = if spec.method == Method::GET {
            app.get(&uri, &student).await
        } else {
            app.send(spec.method.clone(), &uri, Some(&student), Some(body)).await
        };
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{} {uri} as a student of another school", spec.method);
    }
}

#[tokio::test]
async fn each_role_sees_its_scope() {
    let app = setup().await;
    let home = app.head_class().clone();
    let other = app.other_school_class().clone();
    let student_here = app.roster.students.iter().find(|s| s.class_id == home.id).unwrap().clone();
    let classmate = app.roster.students.iter().filter(|s| s.class_id == home.id).nth(1).unwrap().clone();
    let cases: &[(&str, &str, StatusCode)] = &[
        ("admin", "/", StatusCode::OK),
        ("researcher", "/", StatusCode::OK),
        ("partner", "/", StatusCode::OK),
        ("principal", "/", StatusCode::SEE_OTHER),
        ("teacher", "/", StatusCode::SEE_OTHER),
        ("student", "/", StatusCode::SEE_OTHER),
        ("parent", "/", StatusCode::SEE_OTHER),
    ];
    for (who, uri, status) in cases {
        let cookie = app.session(who).await;
        assert_eq!(app.get(uri, &cookie).await.status, *status, "{who} {uri}");
    }
    let check = |who: &'static str, uri: String, status: StatusCode| (who, uri, status);
    let cases = vec![
        check("principal", format!("/classes/{}", home.id), StatusCode::OK),
        check("principal", format!("/classes/{}", other.id), StatusCode::FORBIDDEN),
        check("teacher", format!("/classes/{}", home.id), StatusCode::OK),
        check("teacher", format!("/students/{}", student_here.id), StatusCode::OK),
        check("teacher", format!("/classes/{}", other.id), StatusCode::FORBIDDEN),
        check("student", format!("/students/{}", student_here.id), StatusCode::OK),
        check("student", format!("/students/{}", classmate.id), StatusCode::FORBIDDEN),
        check("student", format!("/classes/{}", home.id), StatusCode::FORBIDDEN),
        check("parent", format!("/students/{}", student_here.id), StatusCode::OK),
        check("parent", format!("/students/{}", classmate.id), StatusCode::FORBIDDEN),
        check("researcher", format!("/classes/{}", other.id), StatusCode::OK),
        check("researcher", format!("/students/{}", student_here.id), StatusCode::FORBIDDEN),
        check("partner", format!("/classes/{}", home.id), StatusCode::FORBIDDEN),
        check("group-lead", format!("/schools/{}", home.school_id), StatusCode::OK),
        check("admin", format!("/students/{}", classmate.id), StatusCode::OK),
    ];
    for (who, uri, status) in cases {
        let cookie = app.session(who).await;
        assert_eq!(app.get(&uri, &cookie).await.status, status, "{who} {uri}");
    }
}

#[tokio::test]
async fn reading_a_student_is_audited_unless_by_the_student_or_guardian() {
    let app = setup().await;
    let student = app.roster.students.iter().find(|s| s.class_id == app.head_class().id).unwrap().clone();
    let uri = format!("/students/{}", student.id);
    for who in ["student", "parent"] {
        let cookie = app.session(who).await;
        assert_eq!(app.get(&uri, &cookie).await.status, StatusCode::OK);
    }
    let filter = AuditFilter { action: Some(AuditAction::ViewStudent), limit: 10, ..AuditFilter::default() };
    assert!(app.store.audit_entries(&filter).await.unwrap().is_empty(), "own reads are not audited");
    let teacher = app.session("teacher").await;
    assert_eq!(app.get(&uri, &teacher).await.status, StatusCode::OK);
    let entries = app.store.audit_entries(&filter).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].target_id, student.id);
    assert_eq!(entries[0].school_id.as_deref(), Some(student.school_id.as_str()));
}

#[tokio::test]
async fn revealing_needs_a_purpose_and_is_audited() {
    let app = setup().await;
    let student = app
        .roster
        .students
        .iter()
        .find(|s| s.class_id == app.head_class().id && s.id_number.is_some())
        .unwrap()
        .clone();
    let full = student.id_number.clone().unwrap();
    let uri = format!("/students/{}", student.id);
    let teacher = app.session("teacher").await;
    let page = app.get(&uri, &teacher).await;
    assert!(!page.body.contains(&full), "masked by default");
    assert!(page.body.contains("/reveal"), "the head teacher is offered the reveal form");
    let refused = app.post(&format!("{uri}/reveal"), &teacher, "csrf=csrf-teacher&purpose=").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!refused.body.contains(&full));
    let shown = app
        .post(&format!("{uri}/reveal"), &teacher, "csrf=csrf-teacher&purpose=%E5%8A%9E%E7%90%86%E8%BD%AC%E5%AD%A6")
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains(&full));
    let filter = AuditFilter { action: Some(AuditAction::Reveal), limit: 10, ..AuditFilter::default() };
    let entries = app.store.audit_entries(&filter).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].detail.as_deref(), Some("办理转学"));
    // A parent may see the child but not reveal (nor is offered to).
    let parent = app.session("parent").await;
    assert!(!app.get(&uri, &parent).await.body.contains("/reveal"));
    assert_eq!(
        app.post(&format!("{uri}/reveal"), &parent, "csrf=csrf-parent&purpose=xx").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn exports_need_a_purpose_are_masked_and_audited() {
    let app = setup().await;
    let class = app.head_class().clone();
    let uri = format!("/classes/{}/export", class.id);
    let teacher = app.session("teacher").await;
    assert_eq!(app.post(&uri, &teacher, "csrf=csrf-teacher&purpose=").await.status, StatusCode::BAD_REQUEST);
    let csv = app.post(&uri, &teacher, "csrf=csrf-teacher&purpose=%E5%AE%B6%E9%95%BF%E4%BC%9A").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with('\u{feff}'), "UTF-8 with BOM for WPS and Excel");
    let students: Vec<_> = app.roster.students.iter().filter(|s| s.class_id == class.id).collect();
    assert_eq!(csv.body.lines().count(), students.len() + 1);
    for s in &students {
        assert!(csv.body.contains(&s.name));
        if let Some(id) = &s.id_number {
            assert!(!csv.body.contains(id.as_str()), "masked unless asked");
        }
    }
    let full = app.post(&uri, &teacher, "csrf=csrf-teacher&purpose=%E5%AD%A6%E7%B1%8D&full=1").await;
    let with_id = students.iter().find_map(|s| s.id_number.clone()).unwrap();
    assert!(full.body.contains(&with_id));
    let entries = app
        .store
        .audit_entries(&AuditFilter { action: Some(AuditAction::Export), limit: 10, ..AuditFilter::default() })
        .await
        .unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].detail.as_deref(), Some("学籍 [full numbers]"));
    // A subject teacher who is not 班主任 may not export.
    let subject_teacher = app
        .roster
        .teaching_assignments
        .iter()
        .find(|a| {
            a.class_id == class.id
                && Some(&a.teacher_id) != class.head_teacher_id.as_ref()
                && !app.roster.classes.iter().any(|c| c.head_teacher_id.as_ref() == Some(&a.teacher_id))
        })
        .map(|a| a.teacher_id.clone());
    if let Some(t) = subject_teacher {
        // A roster account that has chosen its password (otherwise it is sent to do that first).
        app.store.set_password(&account_id_of(&t), "unused", false).await.unwrap();
        let cookie = app.session(&t).await;
        assert_eq!(app.post(&uri, &cookie, &format!("csrf=csrf-{t}&purpose=xx")).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn wrong_passwords_give_no_hint_and_are_throttled_without_locking_out_for_good() {
    let app = setup().await;
    let unknown = app.sign_in("nobody-here", "whatever-pass").await;
    let wrong = app.sign_in("admin", "whatever-pass").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let message = |r: &Reply| {
        r.body.split("role=\"alert\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default().to_owned()
    };
    assert_eq!(message(&unknown), message(&wrong));
    assert!(!message(&wrong).is_empty());
    for _ in 0..4 {
        app.sign_in("admin", "whatever-pass").await;
    }
    let throttled = app.sign_in("admin", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(throttled.headers.contains_key(header::RETRY_AFTER));
    // Another account is not affected, and the wait runs out (tested in the throttle's unit tests).
    assert_eq!(app.sign_in("principal", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let failures = app
        .store
        .audit_entries(&AuditFilter { action: Some(AuditAction::SignInFailed), limit: 50, ..AuditFilter::default() })
        .await
        .unwrap();
    assert!(failures.len() >= 6);
}

#[tokio::test]
async fn signing_in_rotates_the_session_and_first_sign_in_forces_a_new_password() {
    let app = setup().await;
    // An attacker plants a session cookie of their own in the victim's browser.
    let planted = app.session("student").await;
    let (login_cookie, token) = app.login_form().await;
    let reply = app
        .post(
            "/login",
            &format!("{planted}; {login_cookie}"),
            &format!("csrf={token}&login=teacher&password={}", PASSWORD.replace(' ', "+")),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let fresh = reply.set_cookie("zj_session").unwrap();
    assert_ne!(format!("zj_session={fresh}"), planted);
    assert!(reply.headers.get_all(header::SET_COOKIE).iter().any(|c| {
        let c = c.to_str().unwrap();
        c.starts_with("zj_session=") && c.contains("HttpOnly") && c.contains("SameSite=Lax")
    }));
    assert_eq!(app.get("/account", &planted).await.status, StatusCode::SEE_OTHER, "the planted session is gone");
    assert_eq!(app.get("/account", &format!("zj_session={fresh}")).await.status, StatusCode::OK);

    // An imported or demo account must choose a password first.
    let account = app.store.account_by_login("principal").await.unwrap().unwrap();
    let hash = account.password_hash.clone().unwrap();
    app.store.set_password(&account.id, &hash, true).await.unwrap();
    let reply = app.sign_in("principal", &PASSWORD.replace(' ', "+")).await;
    assert_eq!(reply.location(), "/account/password");
    let cookie = format!("zj_session={}", reply.set_cookie("zj_session").unwrap());
    let page = app.get(&format!("/classes/{}", app.head_class().id), &cookie).await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/account/password"));
}

#[tokio::test]
async fn forged_forms_are_refused() {
    let app = setup().await;
    let cookie = app.session("teacher").await;
    let class = app.head_class().id.clone();
    for (uri, body) in [
        ("/account/tokens".to_owned(), "name=x&assignment=y".to_owned()),
        (format!("/classes/{class}/export"), "purpose=xx".to_owned()),
        ("/account/sessions/end-all".to_owned(), String::new()),
        ("/logout".to_owned(), "csrf=wrong".to_owned()),
    ] {
        let reply = app.post(&uri, &cookie, &body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri} without the session's CSRF token");
    }
    assert_eq!(app.get("/account", &cookie).await.status, StatusCode::OK, "the session survived the forged posts");
    // Signing in from another site: no sign-in cookie, so no token to match.
    let reply = app.send(Method::POST, "/login", None, Some("csrf=&login=admin&password=x")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hostile_text_is_escaped_and_treated_as_data() {
    let script = "<script>alert('xss')</script>";
    let app = setup_with(|r| {
        let lead = r.school_groups[0].lead_school_id.clone();
        let class = r.classes.iter().find(|c| c.school_id == lead && c.head_teacher_id.is_some()).unwrap().id.clone();
        let s = r.students.iter_mut().find(|s| s.class_id == class).unwrap();
        s.name = format!("{script}小明");
        r.schools[0].name = format!("\"><img src=x onerror=alert(1)>{}", r.schools[0].name);
        r.teachers[0].name = format!("{script}'; DROP TABLE teachers; --");
    })
    .await;
    let admin = app.session("admin").await;
    let class = app.head_class().id.clone();
    let student = app.roster.students.iter().find(|s| s.class_id == class).unwrap().id.clone();
    for uri in [
        "/".to_owned(),
        format!("/classes/{class}"),
        format!("/students/{student}"),
        format!("/teachers/{}", app.roster.teachers[0].id),
        format!("/schools/{}", app.roster.schools[0].id),
    ] {
        let page = app.get(&uri, &admin).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert!(
            !page.body.contains("<script>alert") && !page.body.contains("<img src=x"),
            "{uri} renders markup from data"
        );
    }
    // SQL in filters and parameters is data.
    for uri in [
        "/?kind=%27%20OR%201%3D1--&locality=%22%3B%20DROP%20TABLE%20schools",
        "/schools/%27%20OR%20%271%27%3D%271",
        "/students/x%27%3B%20DELETE%20FROM%20students%3B--",
    ] {
        let status = app.get(uri, &admin).await.status;
        assert!(status == StatusCode::OK || status == StatusCode::NOT_FOUND, "{uri}: {status}");
    }
    assert_eq!(app.store.district_overview().await.unwrap().totals.students, app.roster.students.len() as u64);
}

#[tokio::test]
async fn path_traversal_and_oversized_bodies_are_refused() {
    let app = setup().await;
    let admin = app.session("admin").await;
    for uri in [
        "/assets/..%2F..%2F..%2Fetc%2Fpasswd",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/vendor/katex@0.16.47/..%2F..%2F..%2FCargo.toml",
        "/students/..%2F..%2Fetc%2Fpasswd",
        "/curriculum/..%2F..%2Fzhijiao.db",
    ] {
        let reply = app.get(uri, &admin).await;
        assert!(
            reply.status == StatusCode::NOT_FOUND || reply.status == StatusCode::FORBIDDEN,
            "{uri}: {}",
            reply.status
        );
        assert!(!reply.body.contains("root:") && !reply.body.contains("[package]"));
    }
    let huge = format!("csrf=x&login=admin&password={}", "a".repeat(2 * 1024 * 1024));
    let reply = app.send(Method::POST, "/login", None, Some(&huge)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let reply = app.post("/account/tokens", &admin, &huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn disabled_accounts_and_ended_sessions_lose_access_at_once() {
    // Through the server, as administrators do it: the server remembers principals for a few
    // seconds, and every change it makes to accounts and roles must empty that memory.
    let app = setup().await;
    let admin = app.session("admin").await;
    let cookie = app.session("teacher").await;
    assert_eq!(app.get("/account", &cookie).await.status, StatusCode::OK);
    let account = app.store.account_by_login("teacher").await.unwrap().unwrap();
    let disable = format!("/admin/accounts/{}/disable", account.id);
    assert_eq!(app.post(&disable, &admin, "csrf=csrf-admin").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/account", &cookie).await.status, StatusCode::SEE_OTHER);
    let enable = format!("/admin/accounts/{}/enable", account.id);
    assert_eq!(app.post(&enable, &admin, "csrf=csrf-admin").await.status, StatusCode::SEE_OTHER);
    // Disabling ended the session; a new sign-in works again.
    assert_eq!(app.get("/account", &cookie).await.status, StatusCode::SEE_OTHER);
    let cookie = app.session("teacher").await;
    assert_eq!(app.get("/account", &cookie).await.status, StatusCode::OK);
    // Signing out everywhere ends this session too.
    assert_eq!(app.post("/account/sessions/end-all", &cookie, "csrf=csrf-teacher").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/account", &cookie).await.status, StatusCode::SEE_OTHER);
    // A revoked role is gone on the next request.
    let cookie = app.session("principal").await;
    let school = &app.roster.school_groups[0].lead_school_id;
    assert_eq!(app.get(&format!("/schools/{school}"), &cookie).await.status, StatusCode::OK);
    let revoke = "/admin/roles/ra-principal/revoke";
    assert_eq!(app.post(revoke, &admin, "csrf=csrf-admin").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/schools/{school}"), &cookie).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_tokens_act_with_one_role_and_stop_when_revoked() {
    let app = setup().await;
    let cookie = app.session("admin").await;
    let page = app.get("/account/tokens", &cookie).await;
    assert!(page.body.contains("ra-admin"));
    let created = app
        .post(
            "/account/tokens",
            &cookie,
            "csrf=csrf-admin&name=%E6%95%99%E5%8A%A1%E7%B3%BB%E7%BB%9F&assignment=ra-admin",
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let token = created.body.split("id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(token.starts_with("zjt_"));
    assert!(!app.get("/account/tokens", &cookie).await.body.contains(&token), "shown once only");
    let call = |t: String| {
        let router = app.router.clone();
        async move {
            let request = Request::get("/api/v1/overview")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .body(Body::empty())
                .unwrap();
            router.oneshot(request).await.unwrap().status()
        }
    };
    assert_eq!(call(token.clone()).await, StatusCode::OK);
    assert_eq!(call("zjt_forged".into()).await, StatusCode::UNAUTHORIZED);
    // Someone else's assignment cannot be borrowed.
    let borrowed = app.post("/account/tokens", &cookie, "csrf=csrf-admin&name=x&assignment=ra-principal").await;
    assert_eq!(borrowed.status, StatusCode::FORBIDDEN);
    let id = app.store.tokens_of("acct-admin").await.unwrap();
    assert_eq!(
        app.post(&format!("/account/tokens/{}/revoke", id[0].id), &cookie, "csrf=csrf-admin").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(call(token).await, StatusCode::UNAUTHORIZED);
    let entries = app.store.audit_entries(&AuditFilter { limit: 50, ..AuditFilter::default() }).await.unwrap();
    assert!(entries.iter().any(|e| e.action == AuditAction::CreateToken));
    assert!(entries.iter().any(|e| e.action == AuditAction::RevokeToken));
}

#[tokio::test]
async fn password_change_checks_the_old_one_and_ends_other_sessions() {
    let app = setup().await;
    let here = app.session("researcher").await;
    let elsewhere = app.session("researcher").await;
    let form = |current: &str, new: &str, repeat: &str| {
        format!("csrf=csrf-researcher&current={current}&new={new}&repeat={repeat}")
    };
    let pw = PASSWORD.replace(' ', "+");
    assert_eq!(
        app.post("/account/password", &here, &form("wrong", "a-new-password-1", "a-new-password-1")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post("/account/password", &here, &form(&pw, "short", "short")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post("/account/password", &here, &form(&pw, "a-new-password-1", "different-one-2")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post("/account/password", &here, &form(&pw, "a-new-password-1", "a-new-password-1")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/account", &here).await.status, StatusCode::OK, "this session goes on");
    assert_eq!(app.get("/account", &elsewhere).await.status, StatusCode::SEE_OTHER, "the other one ended");
    assert_eq!(app.sign_in("researcher", "a-new-password-1").await.status, StatusCode::SEE_OTHER);
}
