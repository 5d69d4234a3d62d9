//! The JSON API end to end without a socket: the OpenAPI document against the route table, every
//! endpoint's body against its type, 401 without a token, 403 out of scope, masked numbers only and
//! the audit of roster reads, over a real SQLite store filled with the small demo district.

// Helpers outside `#[test]` functions panic on purpose too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::Arc,
};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use domain::{
    Roster,
    access::{Role, RoleAssignment},
    identity::AuditAction,
    privacy::{mask_id_number, mask_phone, mask_student_number},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use store::{AccountStore, ApiToken, AuditFilter, AuditStore, NoProgress, RosterStore};
use store_sqlite::SqliteStore;
use tower::ServiceExt;
use web::{
    AppState,
    api::types::{
        ApiError, ClassDetail, ErrorCode, Me, Overview, SchoolDetail, SchoolList, StudentDetail, TeacherDetail,
    },
    auth::secret,
    guard::RouteSpec,
};

struct TestApp {
    router: Router,
    routes: Vec<RouteSpec>,
    roster: Roster,
    store: Arc<SqliteStore>,
    /// Every full identity number and phone number in the roster: none may ever appear in a reply.
    secrets: HashSet<String>,
    /// A token per demo username, each bound to the account's first role assignment.
    tokens: HashMap<&'static str, String>,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: String,
}

const USERS: [&str; 8] = ["admin", "researcher", "partner", "group-lead", "principal", "teacher", "student", "parent"];

async fn setup() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("zhijiao.db")).await.unwrap());
    let roster = demo::district(&demo::DemoConfig { seed: 1, scale: demo::Scale::Small });
    assert!(roster.schools.len() > 1, "the small demo district needs two schools for out-of-scope checks");
    store.import_roster(&roster, &NoProgress).await.unwrap();
    let accounts = demo::accounts(&roster, chrono::Utc::now());
    store.add_accounts(&accounts.accounts, &accounts.assignments, &NoProgress).await.unwrap();
    let secrets = roster
        .students
        .iter()
        .filter_map(|s| s.id_number.clone())
        .chain(roster.teachers.iter().filter_map(|t| t.id_number.clone()))
        .chain(roster.teachers.iter().filter_map(|t| t.phone.clone()))
        .chain(roster.guardians.iter().filter_map(|g| g.phone.clone()))
        .collect();
    let mut tokens = HashMap::new();
    for user in USERS {
        let account = store.account_by_login(user).await.unwrap().unwrap_or_else(|| panic!("demo account {user}"));
        let assignment = store.role_assignments(&account.id).await.unwrap().remove(0);
        tokens.insert(user, issue(&store, &assignment, user).await);
    }
    let (router, routes) = web::router_and_routes(AppState {
        store: store.clone(),
        demo: true,
        demo_accounts: Vec::new(),
        library: Arc::new(web::library::Library::open_in(dir.path()).unwrap()),
        workload: Default::default(),
    });
    TestApp { router, routes, roster, store, secrets, tokens, _dir: dir }
}

/// Creates a token straight in the store (no password hashing on the way).
async fn issue(store: &SqliteStore, assignment: &RoleAssignment, name: &str) -> String {
    let token = format!("zjt_test_{name}_{}", assignment.id);
    store
        .create_token(&ApiToken {
            id: format!("tok-{name}"),
            account_id: assignment.account_id.clone(),
            assignment_id: assignment.id.clone(),
            name: format!("test {name}"),
            token_hash: secret::digest(&token),
            created_at: chrono::Utc::now(),
            revoked_at: None,
        })
        .await
        .unwrap();
    token
}

impl TestApp {
    async fn get(&self, uri: &str, user: Option<&str>) -> Reply {
        let token = user.map(|u| self.tokens[u].clone());
        self.get_with_token(uri, token.as_deref()).await
    }

    async fn get_with_token(&self, uri: &str, token: Option<&str>) -> Reply {
        self.call_with_token(axum::http::Method::GET, uri, token).await
    }

    /// A request with an empty JSON body (for PUT and POST routes) or none.
    async fn call_with_token(&self, method: axum::http::Method, uri: &str, token: Option<&str>) -> Reply {
        let has_body = method != axum::http::Method::GET;
        let mut request = Request::builder().method(method).uri(uri);
        if has_body {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = if has_body { Body::from("{}") } else { Body::empty() };
        let response = self.router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        self.assert_no_personal_data(uri, &body);
        Reply { status, content_type, body }
    }

    /// Fails if any full identity or phone number of the roster appears in `body`.
    fn assert_no_personal_data(&self, uri: &str, body: &str) {
        for run in body.split(|c: char| !(c.is_ascii_digit() || c == 'X' || c == 'x')) {
            for len in [11, 18] {
                for window in run.as_bytes().windows(len) {
                    let candidate = std::str::from_utf8(window).unwrap();
                    assert!(!self.secrets.contains(candidate), "{uri} shows an unmasked number: {candidate}");
                }
            }
        }
    }

    /// GETs `uri` as `user`, expects 200 JSON and parses the body into `T`. The body must be exactly
    /// what `T` serialises back to: no field the type (and so the document) does not describe.
    async fn ok<T: DeserializeOwned + Serialize>(&self, uri: &str, user: &str) -> T {
        let reply = self.get(uri, Some(user)).await;
        assert_eq!(reply.status, StatusCode::OK, "{user} {uri}: {}", reply.body);
        assert_eq!(reply.content_type, "application/json", "{uri}");
        let raw: Value = serde_json::from_str(&reply.body).unwrap();
        let typed: T = serde_json::from_value(raw.clone()).unwrap_or_else(|e| panic!("{uri}: {e}: {}", reply.body));
        assert_eq!(serde_json::to_value(&typed).unwrap(), raw, "{uri} has fields its type does not describe");
        typed
    }

    /// GETs `uri` and expects an error of `status` with `code` in the documented error body.
    async fn fails(&self, uri: &str, user: Option<&str>, status: StatusCode, code: ErrorCode) {
        let reply = self.get(uri, user).await;
        assert_error(&reply, uri, status, code);
    }

    fn class_in_other_school(&self, school_id: &str) -> &domain::Class {
        self.roster.classes.iter().find(|c| c.school_id != school_id).unwrap()
    }

    async fn audit_of(&self, action: AuditAction, target_id: &str) -> Vec<domain::identity::AuditEntry> {
        let filter = AuditFilter {
            action: Some(action),
            target_id: Some(target_id.to_owned()),
            limit: 100,
            ..Default::default()
        };
        self.store.audit_entries(&filter).await.unwrap()
    }
}

fn assert_error(reply: &Reply, uri: &str, status: StatusCode, code: ErrorCode) {
    assert_eq!(reply.status, status, "{uri}: {}", reply.body);
    assert_eq!(reply.content_type, "application/json", "{uri}");
    let error: ApiError = serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{uri}: {e}: {}", reply.body));
    assert_eq!(error.error.code, code, "{uri}");
    assert!(!error.error.message.is_empty(), "{uri}");
}

/// The `/api/v1` routes of the route table with their path parameter filled in by `id`.
fn api_routes(routes: &[RouteSpec]) -> Vec<&RouteSpec> {
    routes.iter().filter(|r| r.api && r.path.starts_with("/api/v1")).collect()
}

#[tokio::test]
async fn the_document_lists_exactly_the_api_routes() {
    let app = setup().await;
    let reply = app.get("/api/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK, "the document is public");
    assert_eq!(reply.content_type, "application/json");
    let doc: Value = serde_json::from_str(&reply.body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "OpenAPI 3");

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), path.clone())))
        .collect();
    let registered: BTreeSet<(String, String)> =
        api_routes(&app.routes).iter().map(|r| (r.method.to_string(), r.path.to_owned())).collect();
    assert!(registered.len() >= 7, "{registered:?}");
    assert_eq!(documented, registered, "document paths vs. route table");

    // The bearer scheme, required everywhere.
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(doc["security"], serde_json::json!([{ "bearer": [] }]));

    // Every operation documents its success body, 401 and 500; the policy-guarded ones 403 and
    // those with an id 404, each error pointing at the one error body.
    for route in api_routes(&app.routes) {
        let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
        let responses = op["responses"].as_object().unwrap();
        // Success is 200 with a body, 201 (created, with a body) or 204 (no body).
        let success =
            ["200", "201", "204"].into_iter().find(|s| responses.contains_key(*s)).expect("a success response");
        if success != "204" {
            // A named schema, or (a list) an array of one.
            let schema = &responses[success]["content"]["application/json"]["schema"];
            let ok = if schema["type"] == "array" { &schema["items"]["$ref"] } else { &schema["$ref"] };
            assert!(ok.as_str().is_some_and(|r| r.starts_with("#/components/schemas/")), "{}: {schema}", route.path);
        }
        let mut expected = vec!["401", "500"];
        if matches!(route.guard, web::guard::Guard::Policy { .. }) {
            expected.extend(["403", "404"]);
        }
        for status in expected {
            let reference = responses.get(status).unwrap_or_else(|| panic!("{} documents no {status}", route.path));
            let name = reference["$ref"].as_str().unwrap().trim_start_matches("#/components/responses/");
            let schema = &doc["components"]["responses"][name]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(schema, "#/components/schemas/ApiError", "{} {status}", route.path);
        }
        if route.path.contains('{') {
            let params = op["parameters"].as_array().unwrap();
            assert!(
                params.iter().any(|p| p["name"] == "id" && p["in"] == "path" && p["required"] == true),
                "{}",
                route.path
            );
        }
    }
    // Links (which let a client, and schemathesis, walk from a list to its items) name real
    // operations in OpenAPI's own spelling.
    let operations: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let mut links = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            for link in op["responses"]["200"]["links"].as_object().into_iter().flat_map(|l| l.values()) {
                let target = link["operationId"].as_str().unwrap_or_else(|| panic!("link without operationId: {link}"));
                assert!(operations.contains(target), "link to unknown operation {target}");
                assert!(link["parameters"]["id"].as_str().unwrap().starts_with("$response.body#/"), "{link}");
                links += 1;
            }
        }
    }
    assert_eq!(links, 4, "schools → school → class, teacher; class → student");
    // Every error code, 413 and 429 included, is described.
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().unwrap();
    for code in ["unauthorized", "forbidden", "not_found", "payload_too_large", "too_many_attempts", "internal_error"] {
        assert!(codes.iter().any(|c| c == code), "{code} missing from ErrorCode");
    }
    for name in ["Unauthorized", "Forbidden", "NotFound", "PayloadTooLarge", "TooManyRequests", "InternalError"] {
        assert!(doc["components"]["responses"][name].is_object(), "response {name} missing");
    }
}

#[tokio::test]
async fn every_endpoint_answers_with_its_type_for_an_allowed_actor() {
    let app = setup().await;
    let overview: Overview = app.ok("/api/v1/overview", "admin").await;
    assert_eq!(overview.students, app.roster.students.len() as u64);
    assert_eq!(overview.teachers, app.roster.teachers.len() as u64);

    let list: SchoolList = app.ok("/api/v1/schools", "admin").await;
    assert_eq!(list.schools.len(), app.roster.schools.len());
    let with_classes = list.schools.iter().find(|s| s.classes > 0).unwrap();

    let school: SchoolDetail = app.ok(&format!("/api/v1/schools/{}", with_classes.id), "admin").await;
    assert_eq!(school.school, *with_classes);
    assert_eq!(school.classes.len() as u64, with_classes.classes);

    let class: ClassDetail = app.ok(&format!("/api/v1/classes/{}", school.classes[0].id), "admin").await;
    assert_eq!(class.school_id, school.school.id);
    assert_eq!(class.students.len() as u64, school.classes[0].students);

    let teacher: TeacherDetail = app.ok(&format!("/api/v1/teachers/{}", school.teachers[0].id), "admin").await;
    assert_eq!(teacher.school_id, school.school.id);

    let student: StudentDetail = app.ok(&format!("/api/v1/students/{}", class.students[0].id), "admin").await;
    assert_eq!(student.class_id, class.id);

    let me: Me = app.ok("/api/v1/me", "admin").await;
    assert_eq!(me.username, "admin");
    assert_eq!(me.auth, "token");
    assert_eq!(me.token_id.as_deref(), Some("tok-admin"));
    assert_eq!(me.roles.len(), 1);
    assert_eq!(me.roles[0].role, "district_admin");
    assert_eq!(me.roles[0].scope_name, overview.district_name);

    // Narrower roles inside their scope.
    let principal: Me = app.ok("/api/v1/me", "principal").await;
    let own_school = &principal.roles[0].scope_id;
    let own: SchoolDetail = app.ok(&format!("/api/v1/schools/{own_school}"), "principal").await;
    let _: ClassDetail = app.ok(&format!("/api/v1/classes/{}", own.classes[0].id), "principal").await;
    let _: SchoolList = app.ok("/api/v1/schools", "partner").await;

    let teacher: Me = app.ok("/api/v1/me", "teacher").await;
    let teacher_id = teacher.person.unwrap().id;
    let record: TeacherDetail = app.ok(&format!("/api/v1/teachers/{teacher_id}"), "teacher").await;
    let headed: ClassDetail = app.ok(&format!("/api/v1/classes/{}", record.head_of[0].id), "teacher").await;

    let student: Me = app.ok("/api/v1/me", "student").await;
    let student_id = student.person.unwrap().id;
    assert!(headed.students.iter().any(|s| s.id == student_id), "the demo student is in the demo teacher's class");
    let _: StudentDetail = app.ok(&format!("/api/v1/students/{student_id}"), "student").await;
    let by_parent: StudentDetail = app.ok(&format!("/api/v1/students/{student_id}"), "parent").await;
    assert!(!by_parent.guardians.is_empty());
}

#[tokio::test]
async fn without_a_valid_token_every_api_route_answers_401() {
    let app = setup().await;
    let class = &app.roster.classes[0];
    let student = app.roster.students.iter().find(|s| s.class_id == class.id).unwrap();
    let fill = |path: &str| {
        let id = match path {
            p if p.starts_with("/api/v1/schools/") => class.school_id.clone(),
            p if p.starts_with("/api/v1/classes/") => class.id.clone(),
            p if p.starts_with("/api/v1/teachers/") => app.roster.teachers[0].id.clone(),
            p if p.starts_with("/api/v1/students/") => student.id.clone(),
            p if p.starts_with("/api/v1/items/") => "any-item".to_owned(),
            p if p.starts_with("/api/v1/homework/") => "any-homework".to_owned(),
            _ => String::new(),
        };
        path.replace("{id}", &id).replace("{homework}", "any-homework")
    };
    for route in api_routes(&app.routes) {
        let uri = fill(route.path);
        assert!(!uri.contains('{'), "{uri}: a path parameter this test does not know");
        let reply = app.call_with_token(route.method.clone(), &uri, None).await;
        assert_error(&reply, &uri, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
        let reply = app.call_with_token(route.method.clone(), &uri, Some("zjt_not_a_token")).await;
        assert_error(&reply, &uri, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    }
    // A revoked token answers 401 in the API's error shape. (Revoked here in the store, before
    // its first use: a token the server has already seen stops through the server's own revoke
    // route at once, which `access.rs` walks, or within seconds when another process revokes it.)
    assert!(app.store.revoke_token("acct-admin", "tok-admin", chrono::Utc::now()).await.unwrap());
    app.fails("/api/v1/me", Some("admin"), StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    // Unknown API paths are JSON 404s, also for a valid token.
    app.fails("/api/v1/nothing", Some("principal"), StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn out_of_scope_is_403_and_unknown_ids_404() {
    let app = setup().await;
    let principal: Me = app.ok("/api/v1/me", "principal").await;
    let own_school = principal.roles[0].scope_id.clone();
    let other_class = app.class_in_other_school(&own_school);
    let other_student = app.roster.students.iter().find(|s| s.school_id != own_school).unwrap();
    let other_teacher = app.roster.teachers.iter().find(|t| t.school_id != own_school).unwrap();
    let forbidden = StatusCode::FORBIDDEN;
    app.fails(&format!("/api/v1/classes/{}", other_class.id), Some("principal"), forbidden, ErrorCode::Forbidden).await;
    app.fails(
        &format!("/api/v1/schools/{}", other_class.school_id),
        Some("principal"),
        forbidden,
        ErrorCode::Forbidden,
    )
    .await;
    app.fails(&format!("/api/v1/students/{}", other_student.id), Some("principal"), forbidden, ErrorCode::Forbidden)
        .await;
    app.fails(&format!("/api/v1/teachers/{}", other_teacher.id), Some("principal"), forbidden, ErrorCode::Forbidden)
        .await;
    app.fails("/api/v1/overview", Some("principal"), forbidden, ErrorCode::Forbidden).await;
    app.fails("/api/v1/schools", Some("teacher"), forbidden, ErrorCode::Forbidden).await;

    // A teacher sees their own classes only; a student and a parent only the one child.
    let teacher: Me = app.ok("/api/v1/me", "teacher").await;
    let teacher_id = teacher.person.unwrap().id;
    let record: TeacherDetail = app.ok(&format!("/api/v1/teachers/{teacher_id}"), "teacher").await;
    let not_taught = app
        .roster
        .classes
        .iter()
        .find(|c| {
            c.school_id == record.school_id
                && !record.taught.iter().any(|t| t.class_id == c.id)
                && !record.head_of.iter().any(|h| h.id == c.id)
        })
        .unwrap();
    app.fails(&format!("/api/v1/classes/{}", not_taught.id), Some("teacher"), forbidden, ErrorCode::Forbidden).await;
    let student: Me = app.ok("/api/v1/me", "student").await;
    let student_id = student.person.unwrap().id;
    let classmate = app
        .roster
        .students
        .iter()
        .find(|s| {
            s.id != student_id && app.roster.students.iter().any(|me| me.id == student_id && me.class_id == s.class_id)
        })
        .unwrap();
    for user in ["student", "parent"] {
        app.fails(&format!("/api/v1/students/{}", classmate.id), Some(user), forbidden, ErrorCode::Forbidden).await;
        app.fails(&format!("/api/v1/classes/{}", classmate.class_id), Some(user), forbidden, ErrorCode::Forbidden)
            .await;
    }
    // Third parties and researchers never read personal records.
    app.fails(&format!("/api/v1/students/{student_id}"), Some("partner"), forbidden, ErrorCode::Forbidden).await;
    app.fails(&format!("/api/v1/classes/{}", classmate.class_id), Some("partner"), forbidden, ErrorCode::Forbidden)
        .await;
    app.fails(&format!("/api/v1/students/{student_id}"), Some("researcher"), forbidden, ErrorCode::Forbidden).await;

    // A token acts with its one role, even when the account holds more.
    let extra = RoleAssignment {
        id: "ra-principal-extra".into(),
        account_id: "acct-principal".into(),
        role: Role::DistrictAdmin,
        scope_id: app.roster.regions.iter().find(|r| r.level == domain::RegionLevel::District).unwrap().id.clone(),
        subjects: Vec::new(),
        grants: Vec::new(),
    };
    app.store.add_accounts(&[], std::slice::from_ref(&extra), &NoProgress).await.unwrap();
    app.fails(&format!("/api/v1/classes/{}", other_class.id), Some("principal"), forbidden, ErrorCode::Forbidden).await;

    for uri in ["/api/v1/schools/nope", "/api/v1/classes/nope", "/api/v1/teachers/nope", "/api/v1/students/nope"] {
        app.fails(uri, Some("admin"), StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
        // Even for a caller who could never see it: absence says nothing about scope.
        app.fails(uri, Some("student"), StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }
    // Injection-looking ids are data.
    app.fails("/api/v1/students/x'%20OR%20'1'='1", Some("admin"), StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn personal_numbers_are_masked_and_roster_reads_audited() {
    let app = setup().await;
    // The class with the most guardians' phones and identity numbers to mask.
    let class = app
        .roster
        .classes
        .iter()
        .max_by_key(|c| app.roster.students.iter().filter(|s| s.class_id == c.id).count())
        .unwrap();
    let detail: ClassDetail = app.ok(&format!("/api/v1/classes/{}", class.id), "admin").await;
    let mut checked = 0;
    for listed in &detail.students {
        let s = app.roster.students.iter().find(|s| s.id == listed.id).unwrap();
        assert_eq!(listed.id_number_masked, s.id_number.as_deref().map(mask_id_number));
        assert_eq!(listed.student_number_masked, mask_student_number(&s.student_number, s.id_number.as_deref()));
        if s.id_number.as_deref().is_some_and(|id| s.student_number.contains(id)) {
            assert_ne!(listed.student_number_masked, s.student_number, "a 学籍号 embedding the identity number");
        }
        for g in &listed.guardians {
            let real = app
                .roster
                .guardians
                .iter()
                .find(|r| r.name == g.name && r.students.iter().any(|l| l.student_id == s.id))
                .unwrap();
            assert_eq!(g.phone_masked, real.phone.as_deref().map(mask_phone));
            checked += usize::from(g.phone_masked.is_some());
        }
    }
    assert!(checked > 0, "the class has guardians with phones to mask");
    let t = app.roster.teachers.iter().find(|t| t.phone.is_some()).unwrap();
    let teacher: TeacherDetail = app.ok(&format!("/api/v1/teachers/{}", t.id), "admin").await;
    assert_eq!(teacher.phone_masked, t.phone.as_deref().map(mask_phone));

    // The admin's roster and student reads are on record; a student reading their own is not.
    let entries = app.audit_of(AuditAction::ViewClassRoster, &class.id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor_account_id.as_deref(), Some("acct-admin"));
    let student: Me = app.ok("/api/v1/me", "student").await;
    let student_id = student.person.unwrap().id;
    let _: StudentDetail = app.ok(&format!("/api/v1/students/{student_id}"), "student").await;
    assert!(app.audit_of(AuditAction::ViewStudent, &student_id).await.is_empty());
    let _: StudentDetail = app.ok(&format!("/api/v1/students/{student_id}"), "principal").await;
    let entries = app.audit_of(AuditAction::ViewStudent, &student_id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor_account_id.as_deref(), Some("acct-principal"));
    // A refused read is not served, so there is nothing to audit.
    app.fails(
        &format!("/api/v1/students/{student_id}"),
        Some("researcher"),
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    assert_eq!(app.audit_of(AuditAction::ViewStudent, &student_id).await.len(), 1);
}
