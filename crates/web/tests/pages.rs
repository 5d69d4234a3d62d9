//! The web shell end to end without a socket: the router over a real SQLite store filled with the
//! small demo district, called with `oneshot`.

// Helpers outside `#[test]` functions panic on purpose too: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use domain::{Curriculum, Roster};
use store::{AccountStore, CurriculumStore, NoProgress, RosterStore};
use store_sqlite::SqliteStore;
use tower::ServiceExt;
use web::{AppState, router};

struct TestApp {
    router: Router,
    roster: Roster,
    curriculum: Curriculum,
    /// Every full identity number and phone number in the roster: none may ever appear in a page.
    secrets: HashSet<String>,
    /// The session cookie of the district administrator every request is made as.
    session: String,
    /// The database underneath, for tests that break it on purpose.
    pool: Option<sqlx::SqlitePool>,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn setup() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("zhijiao.db")).await.unwrap();
    let roster = demo::district(&demo::DemoConfig { seed: 1, scale: demo::Scale::Small });
    let curriculum = demo::curriculum();
    assert!(!roster.schools.is_empty(), "the small demo district has no schools");
    store.import_roster(&roster, &NoProgress).await.unwrap();
    store.import_curriculum(&curriculum, &NoProgress).await.unwrap();
    let secrets = roster
        .students
        .iter()
        .filter_map(|s| s.id_number.clone())
        .chain(roster.teachers.iter().filter_map(|t| t.id_number.clone()))
        .chain(roster.teachers.iter().filter_map(|t| t.phone.clone()))
        .chain(roster.guardians.iter().filter_map(|g| g.phone.clone()))
        .collect();
    let accounts = demo::accounts(&roster, chrono::Utc::now());
    store.add_accounts(&accounts.accounts, &accounts.assignments, &NoProgress).await.unwrap();
    let session = "0123456789abcdef".repeat(4);
    store
        .create_session(&store::Session {
            id_hash: web::auth::secret::digest(&session),
            account_id: "acct-admin".into(),
            csrf_token: "csrf".into(),
            created_at: chrono::Utc::now(),
            expires_at: chrono::Utc::now() + chrono::Duration::hours(1),
            ip: None,
            user_agent: None,
        })
        .await
        .unwrap();
    store.set_password("acct-admin", "unused", false).await.unwrap();
    let pool = Some(store.pool().clone());
    let router = router(AppState {
        store: Arc::new(store),
        demo: true,
        demo_accounts: Vec::new(),
        library: Arc::new(web::library::Library::open_in(dir.path()).unwrap()),
        workload: Default::default(),
    });
    TestApp { router, roster, curriculum, secrets, session: format!("zj_session={session}"), pool, _dir: dir }
}

impl TestApp {
    async fn get(&self, uri: &str) -> Reply {
        self.request(uri, None).await
    }

    async fn get_with_cookie(&self, uri: &str, cookie: &str) -> Reply {
        self.request(uri, Some(cookie)).await
    }

    async fn request(&self, uri: &str, cookie: Option<&str>) -> Reply {
        let cookie = match cookie {
            Some(c) => format!("{}; {c}", self.session),
            None => self.session.clone(),
        };
        let request = Request::get(uri).header(header::COOKIE, cookie);
        let response = self.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        self.assert_no_personal_data(uri, &body);
        Reply { status, headers, body }
    }

    /// Looks at every run of digits (with a trailing check character X) long enough to be a phone or
    /// identity number and fails if it contains a full one from the roster.
    fn assert_no_personal_data(&self, uri: &str, body: &str) {
        let bytes = body.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            if !bytes[start].is_ascii_digit() {
                start += 1;
                continue;
            }
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'X' || bytes[end] == b'x') {
                end += 1;
            }
            let run = &body[start..end];
            for len in [11, 18] {
                for window in run.as_bytes().windows(len) {
                    let candidate = std::str::from_utf8(window).unwrap();
                    assert!(!self.secrets.contains(candidate), "{uri} shows an unmasked number: {candidate}");
                }
            }
            start = end;
        }
    }

    fn district_name(&self) -> &str {
        // Regions are not guaranteed in any order: the district is the one no other region names as parent.
        let parents: HashSet<&str> = self.roster.regions.iter().filter_map(|r| r.parent_id.as_deref()).collect();
        &self.roster.regions.iter().find(|r| !parents.contains(r.id.as_str())).unwrap().name
    }
}

/// The text askama writes for `value`, so names with `(` or `'` still match.
fn escaped(value: &str) -> String {
    value.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

fn assert_shows(reply: &Reply, text: &str) {
    assert!(reply.body.contains(&escaped(text)), "page does not show {text:?}:\n{}", reply.body);
}

#[tokio::test]
async fn overview_shows_totals_distributions_and_every_school() {
    let app = setup().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(page.body.contains(r#"<html lang="zh-CN">"#));
    assert_shows(&page, "智教");
    assert_shows(&page, app.district_name());
    assert_shows(&page, "概览");
    assert_shows(&page, "城区");
    assert_shows(&page, "乡村");
    // Students per stage: the primary-stage count is the students of grades 1–6.
    assert_shows(&page, "学段分布");
    let primary_classes: Vec<&str> =
        app.roster.classes.iter().filter(|c| c.grade <= 6).map(|c| c.id.as_str()).collect();
    let primary = app.roster.students.iter().filter(|s| primary_classes.contains(&s.class_id.as_str())).count();
    let primary = web::Lang::Zh.count(primary as u64);
    assert!(page.body.contains(&format!("{primary} 人 · ")), "no primary-stage count {primary}");
    for school in &app.roster.schools {
        assert_shows(&page, &school.name);
        assert!(page.body.contains(&format!("href=\"/schools/{}\"", school.id)), "no link to {}", school.id);
    }
    // The students total, written with thousands separators.
    let grouped = web::Lang::Zh.count(app.roster.students.len() as u64);
    assert!(page.body.contains(&format!(r#"<span class="stat-value">{grouped}</span>"#)), "no total {grouped}");

    // A 教学点's row names its central school.
    if let Some(point) = app.roster.schools.iter().find(|s| s.central_school_id.is_some()) {
        let central = app.roster.schools.iter().find(|s| Some(&s.id) == point.central_school_id.as_ref()).unwrap();
        let row_start = page.body.find(&format!("href=\"/schools/{}\"", point.id)).unwrap();
        let row = &page.body[row_start..row_start + page.body[row_start..].find("</tr>").unwrap()];
        assert!(row.contains(&escaped(&central.name)), "the teaching point's row does not name its central school");
    }
}

#[tokio::test]
async fn overview_filters_schools_by_kind_and_locality() {
    let app = setup().await;
    let first = &app.roster.schools[0];
    let uri = format!("/?kind={}&locality={}", first.kind.code(), first.locality.code());
    let page = app.get(&uri).await;
    assert_eq!(page.status, StatusCode::OK);
    for school in &app.roster.schools {
        let link = format!("href=\"/schools/{}\"", school.id);
        let kept = school.kind == first.kind && school.locality == first.locality;
        assert_eq!(page.body.contains(&link), kept, "filter {uri} wrongly handles {}", school.name);
    }
    assert!(page.body.contains(&format!(r#"<option value="{}" selected>"#, first.kind.code())));
    // An unknown value is ignored rather than failing the page.
    let page = app.get("/?kind=castle").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("href=\"/schools/{}\"", first.id)));
}

#[tokio::test]
async fn school_page_shows_classes_by_grade_teachers_and_groups() {
    let app = setup().await;
    let school = app
        .roster
        .schools
        .iter()
        .find(|s| app.roster.classes.iter().any(|c| c.school_id == s.id))
        .expect("a school with classes");
    let page = app.get(&format!("/schools/{}", school.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_shows(&page, &school.name);
    assert_shows(&page, &school.code);
    assert_shows(&page, school.kind.label_zh());
    for class in app.roster.classes.iter().filter(|c| c.school_id == school.id) {
        assert_shows(&page, &class.name);
        assert_shows(&page, domain::org::grade_label_zh(class.grade));
    }
    for teacher in app.roster.teachers.iter().filter(|t| t.school_id == school.id) {
        assert!(page.body.contains(&format!("href=\"/teachers/{}\"", teacher.id)), "no link to {}", teacher.name);
    }
    for group in app.roster.school_groups.iter().filter(|g| g.lead_school_id == school.id) {
        assert_shows(&page, &group.name);
        assert_shows(&page, "牵头校");
    }

    // A teaching point links back to its central school, which lists it.
    if let Some(point) = app.roster.schools.iter().find(|s| s.central_school_id.is_some()) {
        let central_id = point.central_school_id.as_deref().unwrap();
        let page = app.get(&format!("/schools/{}", point.id)).await;
        assert!(page.body.contains(&format!("href=\"/schools/{central_id}\"")));
        let central = app.get(&format!("/schools/{central_id}")).await;
        assert!(central.body.contains(&format!("href=\"/schools/{}\"", point.id)));
        assert_shows(&central, "下属教学点");
    }
}

#[tokio::test]
async fn class_page_lists_students_with_masked_personal_data() {
    let app = setup().await;
    let guardians_of: HashMap<&str, Vec<&domain::Guardian>> =
        app.roster.guardians.iter().fold(HashMap::new(), |mut map, g| {
            for link in &g.students {
                map.entry(link.student_id.as_str()).or_default().push(g);
            }
            map
        });
    let class = app
        .roster
        .classes
        .iter()
        .find(|c| {
            app.roster.students.iter().any(|s| {
                s.class_id == c.id
                    && s.id_number.is_some()
                    && guardians_of.get(s.id.as_str()).is_some_and(|g| g.iter().any(|g| g.phone.is_some()))
            })
        })
        .expect("a class with a student who has an id number and a guardian with a phone");
    let page = app.get(&format!("/classes/{}", class.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_shows(&page, &class.name);
    let school = app.roster.schools.iter().find(|s| s.id == class.school_id).unwrap();
    assert_shows(&page, &school.name);
    for student in app.roster.students.iter().filter(|s| s.class_id == class.id) {
        assert_shows(&page, &student.name);
        if let Some(id) = &student.id_number {
            let masked = domain::privacy::mask_id_number(id);
            assert!(masked.contains('*'));
            assert_shows(&page, &masked);
            assert!(!page.body.contains(id.as_str()));
            // A 学籍号 (`G` + identity number) is masked like the identity number it contains.
            assert_shows(&page, &student.student_number.replace(id.as_str(), &masked));
        } else {
            assert_shows(&page, &student.student_number);
        }
        for guardian in guardians_of.get(student.id.as_str()).into_iter().flatten() {
            assert_shows(&page, &guardian.name);
            if let Some(phone) = &guardian.phone {
                assert_shows(&page, &domain::privacy::mask_phone(phone));
                assert!(!page.body.contains(phone.as_str()));
            }
        }
    }
    if let Some(head) = &class.head_teacher_id {
        assert!(page.body.contains(&format!("href=\"/teachers/{head}\"")));
    }
    for a in app.roster.teaching_assignments.iter().filter(|a| a.class_id == class.id) {
        assert!(page.body.contains(&format!("href=\"/teachers/{}\"", a.teacher_id)));
        assert_shows(&page, a.subject.label_zh());
    }
}

#[tokio::test]
async fn teacher_page_shows_school_classes_and_masked_phone() {
    let app = setup().await;
    let teacher = app
        .roster
        .teachers
        .iter()
        .find(|t| t.phone.is_some() && app.roster.classes.iter().any(|c| c.head_teacher_id.as_ref() == Some(&t.id)))
        .expect("a head teacher with a phone");
    let page = app.get(&format!("/teachers/{}", teacher.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_shows(&page, &teacher.name);
    assert_shows(&page, teacher.tier.label_zh());
    assert_shows(&page, &domain::privacy::mask_phone(teacher.phone.as_deref().unwrap()));
    let school = app.roster.schools.iter().find(|s| s.id == teacher.school_id).unwrap();
    assert_shows(&page, &school.name);
    for class in app.roster.classes.iter().filter(|c| c.head_teacher_id.as_ref() == Some(&teacher.id)) {
        assert_shows(&page, &class.name);
    }
    for a in app.roster.teaching_assignments.iter().filter(|a| a.teacher_id == teacher.id) {
        assert!(page.body.contains(&format!("href=\"/classes/{}\"", a.class_id)));
    }
}

#[tokio::test]
async fn english_switch_sets_a_cookie_and_changes_labels() {
    let app = setup().await;
    let page = app.get("/?lang=en").await;
    assert_eq!(page.status, StatusCode::OK);
    let cookie = page.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("lang=en;"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(page.body.contains(r#"<html lang="en">"#));
    assert_shows(&page, "Overview");
    assert_shows(&page, "School groups");
    assert_shows(&page, "Rural");
    assert!(!page.body.contains("城区"));
    assert!(page.body.contains(r#"href="/?lang=zh""#), "no way back to Chinese");

    // The cookie alone keeps English on other pages.
    let school = &app.roster.schools[0];
    let page = app.get_with_cookie(&format!("/schools/{}", school.id), "lang=en").await;
    assert!(page.body.contains(r#"<html lang="en">"#));
    assert_shows(&page, school.kind.label_en());
    assert_shows(&page, "School code");
    assert!(!page.body.contains(school.kind.label_zh()));

    // `?lang=zh` switches back even with the English cookie, and remembers it.
    let page = app.get_with_cookie("/groups?lang=zh", "lang=en").await;
    assert!(page.body.contains(r#"<html lang="zh-CN">"#));
    assert!(page.headers[header::SET_COOKIE].to_str().unwrap().starts_with("lang=zh;"));
    // Without a parameter nothing is set.
    assert!(app.get("/groups").await.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn groups_and_curriculum_pages_list_their_contents() {
    let app = setup().await;
    let page = app.get("/groups").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!app.roster.school_groups.is_empty(), "the demo district has no school groups");
    for group in &app.roster.school_groups {
        assert_shows(&page, &group.name);
        assert!(page.body.contains(&format!("href=\"/schools/{}\"", group.lead_school_id)));
        for member in &group.member_school_ids {
            assert!(page.body.contains(&format!("href=\"/schools/{member}\"")));
        }
    }

    assert!(!app.curriculum.volumes.is_empty(), "the demo curriculum has no volumes");
    let page = app.get("/curriculum").await;
    assert_eq!(page.status, StatusCode::OK);
    for volume in &app.curriculum.volumes {
        assert!(page.body.contains(&format!("href=\"/curriculum/{}\"", volume.id)), "no link to {}", volume.id);
    }

    // The volume with the most knowledge points that have prerequisites in the same volume.
    let points_in = |volume_id: &str| {
        let nodes: HashSet<&str> =
            app.curriculum.nodes.iter().filter(|n| n.volume_id == volume_id).map(|n| n.id.as_str()).collect();
        app.curriculum
            .knowledge_points
            .iter()
            .filter(move |k| k.node_id.as_deref().is_some_and(|n| nodes.contains(n)))
            .collect::<Vec<_>>()
    };
    let volume = app.curriculum.volumes.iter().max_by_key(|v| points_in(&v.id).len()).unwrap();
    let page = app.get(&format!("/curriculum/{}", volume.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_shows(&page, &volume.volume);
    for node in app.curriculum.nodes.iter().filter(|n| n.volume_id == volume.id) {
        assert_shows(&page, &node.title);
    }
    let points = points_in(&volume.id);
    assert!(!points.is_empty(), "no volume has knowledge points");
    for point in &points {
        assert_shows(&page, &point.name);
    }
    let names: HashMap<&str, &str> =
        app.curriculum.knowledge_points.iter().map(|k| (k.id.as_str(), k.name.as_str())).collect();
    let with_prerequisite =
        points.iter().find(|k| k.prerequisite_ids.iter().any(|p| points.iter().any(|q| &q.id == p)));
    if let Some(point) = with_prerequisite {
        let prerequisite = point.prerequisite_ids.iter().find(|p| points.iter().any(|q| &q.id == *p)).unwrap();
        assert!(page.body.contains(&format!("href=\"#kp-{prerequisite}\"")));
        assert_shows(&page, names[prerequisite.as_str()]);
    }

    // A prerequisite taught in another volume is named and linked there.
    let volume_of_node: HashMap<&str, &str> =
        app.curriculum.nodes.iter().map(|n| (n.id.as_str(), n.volume_id.as_str())).collect();
    let volume_of = |k: &str| {
        let point = app.curriculum.knowledge_points.iter().find(|p| p.id == k)?;
        volume_of_node.get(point.node_id.as_deref()?).copied()
    };
    let crossing = app.curriculum.knowledge_points.iter().find_map(|k| {
        let here = volume_of(&k.id)?;
        let p = k.prerequisite_ids.iter().find(|p| volume_of(p).is_some_and(|v| v != here))?;
        Some((here, p, volume_of(p)?))
    });
    let (here, prerequisite, there) = crossing.expect("a prerequisite taught in another volume");
    let page = app.get(&format!("/curriculum/{here}")).await;
    assert!(
        page.body.contains(&format!("href=\"/curriculum/{there}#kp-{prerequisite}\"")),
        "no link to {prerequisite}"
    );
    assert_shows(&page, names[prerequisite.as_str()]);
}

#[tokio::test]
async fn unknown_ids_get_a_not_found_page_in_the_users_language() {
    let app = setup().await;
    for uri in ["/schools/no-such-school", "/classes/none", "/teachers/none", "/curriculum/none", "/no/such/page"] {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}");
        assert_shows(&page, "页面不存在");
        assert!(page.body.contains(r#"<html lang="zh-CN">"#));
        let page = app.get_with_cookie(uri, "lang=en").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{uri}");
        assert_shows(&page, "Page not found");
    }
    let api = app.get("/api/v1/nothing").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["error"]["code"], "not_found");
}

#[tokio::test]
async fn assets_are_cache_busted_and_cached_forever() {
    let app = setup().await;
    let page = app.get("/").await;
    let start = page.body.find("/assets/app.").expect("a stylesheet link");
    let end = start + page.body[start..].find('"').unwrap();
    let href = &page.body[start..end];
    let hash = href.trim_start_matches("/assets/app.").trim_end_matches(".css");
    assert_eq!(hash.len(), 12, "{href}");
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{href}");

    let css = app.get(href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(css.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/css"));
    assert!(css.body.contains("Noto Sans CJK SC"));
    assert_eq!(app.get("/assets/app.000000000000.css").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/assets/other.css").await.status, StatusCode::NOT_FOUND);

    // Libraries from npm, when the build embedded them (see assets.rs for the thorough checks).
    if let Some(katex_css) = web::assets::vendor_href("katex", "dist/katex.min.css") {
        let css = app.get(&katex_css).await;
        assert_eq!(css.status, StatusCode::OK, "{katex_css}");
        assert_eq!(css.headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert!(css.body.contains("KaTeX_Main"), "{katex_css}");
    }
}

#[tokio::test]
async fn health_and_api_report_the_store() {
    let app = setup().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(json, serde_json::json!({ "status": "ok", "backend": "sqlite" }));

    let api = app.get("/api/v1/overview").await;
    assert_eq!(api.status, StatusCode::OK);
    let totals: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(totals["students"], app.roster.students.len());
    assert_eq!(totals["teachers"], app.roster.teachers.len());
    assert_eq!(totals["classes"], app.roster.classes.len());
    assert_eq!(totals["guardians"], app.roster.guardians.len());
}

#[tokio::test]
async fn a_failing_store_gives_an_error_page_without_the_cause() {
    // A real database that breaks under the running server: the tables the pages read are gone
    // (renamed away), while sign-in still works.
    let app = setup().await;
    sqlx::query("ALTER TABLE regions RENAME TO regions_gone").execute(app.pool.as_ref().unwrap()).await.unwrap();
    sqlx::query("ALTER TABLE textbook_volumes RENAME TO volumes_gone")
        .execute(app.pool.as_ref().unwrap())
        .await
        .unwrap();
    let school = format!("/schools/{}", app.roster.schools[0].id);
    for uri in ["/", school.as_str(), "/groups", "/curriculum", "/curriculum/x"] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert!(reply.body.contains("出错了"), "{uri}: {}", reply.body);
        assert!(!reply.body.contains("regions") && !reply.body.contains("no such table"), "{uri} leaks the cause");
    }
    let reply = app.get_with_cookie("/groups", "lang=en").await;
    assert!(reply.body.contains("Something went wrong"));

    let reply = app.get("/api/v1/overview").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["error"]["code"], "internal_error");
    assert!(!reply.body.contains("no such table"));
}
