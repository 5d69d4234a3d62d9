//! The library end to end without a socket, over a real SQLite store, search index and file store:
//! a teacher uploads courseware and a video in resumable chunks, submits them, the principal and
//! the district's 教研员 approve them, colleagues find them by a Chinese word of the title, the
//! video is served in byte ranges, bad files are refused by content, drafts stay private, and a
//! written item is flagged as a near duplicate of the bank's.

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
use chrono::{Duration, Utc};
use domain::resources::{ReviewState, Scope};
use store::{
    AccountStore, ActivityStore, ItemStore, NewItem, NoProgress, ResourceStore, RosterStore, Session, UsageStore,
};
use store_sqlite::SqliteStore;
use tower::ServiceExt;
use web::{AppState, auth::secret};

const TINY_MP4: &[u8] = include_bytes!("../../interop/tests/fixtures/tiny.mp4");

fn pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n".to_vec();
    pdf.extend_from_slice(b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n");
    // Enough bytes to need several chunks in the resumable-upload test.
    pdf.extend(std::iter::repeat_n(b'%', 9_000));
    pdf.extend_from_slice(b"\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    pdf
}

struct TestApp {
    router: Router,
    store: Arc<SqliteStore>,
    library: Arc<web::library::Library>,
    sessions: AtomicU32,
    _dir: tempfile::TempDir,
}

struct Browser {
    cookie: String,
    csrf: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }
    fn location(&self) -> String {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }
}

async fn setup() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("zhijiao.db")).await.unwrap();
    let roster = demo::district(&demo::DemoConfig { seed: 1, scale: demo::Scale::Small });
    store.import_roster(&roster, &NoProgress).await.unwrap();
    let mut accounts = demo::accounts(&roster, Utc::now());
    for a in &mut accounts.accounts {
        a.must_change_password = false;
    }
    store.add_accounts(&accounts.accounts, &accounts.assignments, &NoProgress).await.unwrap();
    let store = Arc::new(store);
    let library = Arc::new(web::library::Library::open_in(dir.path()).unwrap());
    let router = web::router(AppState {
        store: store.clone(),
        demo: true,
        demo_accounts: Vec::new(),
        library: library.clone(),
        workload: Default::default(),
    });
    TestApp { router, store, library, sessions: AtomicU32::new(0), _dir: dir }
}

impl TestApp {
    async fn sign_in(&self, username: &str) -> Browser {
        let account = self.store.account_by_login(username).await.unwrap().unwrap();
        let n = self.sessions.fetch_add(1, Ordering::Relaxed);
        let secret = format!("lib-session-{n}-{}", account.id);
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
        Browser { cookie: format!("zj_session={secret}"), csrf }
    }

    /// A teacher of another school than the demo teacher's, signed in.
    async fn other_school_teacher(&self) -> Browser {
        let principal = self.store.role_assignment("ra-principal").await.unwrap().unwrap();
        let roster = self.store.load_roster().await.unwrap();
        let teacher = roster.teachers.iter().find(|t| t.school_id != principal.scope_id).unwrap();
        let account = self.store.account(&domain::identity::account_id_of(&teacher.id)).await.unwrap().unwrap();
        self.sign_in(&account.username).await
    }

    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
        Reply { status, headers, body }
    }

    async fn get(&self, uri: &str, who: &Browser) -> Reply {
        self.send(Request::get(uri).header(header::COOKIE, &who.cookie).body(Body::empty()).unwrap()).await
    }

    async fn post(&self, uri: &str, who: &Browser, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", who.csrf.as_str())];
        all.extend_from_slice(fields);
        let request = Request::post(uri)
            .header(header::COOKIE, &who.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(&all).unwrap()))
            .unwrap();
        self.send(request).await
    }

    /// A script call: JSON or bytes with the CSRF header.
    async fn call(&self, method: &str, uri: &str, who: &Browser, body: Vec<u8>, content_type: &str) -> Reply {
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

    /// Uploads a file in chunks of `chunk` bytes, resending one chunk at a wrong offset on the way
    /// (as a client does after a lost response), and returns the finished file's description.
    async fn upload(&self, who: &Browser, name: &str, bytes: &[u8], chunk: usize) -> Reply {
        let begin = serde_json::json!({ "file_name": name, "size": bytes.len() }).to_string();
        let started = self.call("POST", "/uploads", who, begin.into_bytes(), "application/json").await;
        assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
        let id = started.json()["id"].as_str().unwrap().to_owned();
        let mut offset = 0usize;
        let mut resent = false;
        while offset < bytes.len() {
            let end = (offset + chunk).min(bytes.len());
            let uri = format!("/uploads/{id}?offset={offset}");
            let reply = self.call("PUT", &uri, who, bytes[offset..end].to_vec(), "application/octet-stream").await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            offset = reply.json()["received"].as_u64().unwrap() as usize;
            if !resent && offset < bytes.len() {
                // The same chunk again: the server says where it stands instead of duplicating.
                let again =
                    self.call("PUT", &uri, who, bytes[..end.min(10)].to_vec(), "application/octet-stream").await;
                assert_eq!(again.status, StatusCode::CONFLICT);
                assert_eq!(again.json()["expected_offset"].as_u64(), Some(offset as u64));
                let status = self.get(&format!("/uploads/{id}"), who).await;
                assert_eq!(status.json()["received"].as_u64(), Some(offset as u64));
                resent = true;
            }
        }
        self.call("POST", &format!("/uploads/{id}/finish"), who, Vec::new(), "application/json").await
    }

    async fn create(&self, who: &Browser, fields: &[(&str, &str)]) -> String {
        let created = self.post("/resources/new", who, fields).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
        created.location().trim_start_matches("/resources/").to_owned()
    }

    async fn step(&self, who: &Browser, id: &str, step: &str, reason: &str) -> Reply {
        self.post(&format!("/resources/{id}/step"), who, &[("step", step), ("reason", reason)]).await
    }

    async fn search(&self, who: &Browser, query: &str, tab: &str) -> String {
        let uri = format!("/library?tab={tab}&q={}", query.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
        let reply = self.get(&uri, who).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.text()
    }
}

#[tokio::test]
async fn courseware_and_a_video_go_from_upload_through_review_to_search_and_playback() {
    let app = setup().await;
    let teacher = app.sign_in("teacher").await;
    let principal = app.sign_in("principal").await;
    let researcher = app.sign_in("researcher").await;
    let other = app.other_school_teacher().await;

    let pdf = pdf();
    let finished = app.upload(&teacher, "分数的初步认识.pdf", &pdf, 4096).await;
    assert_eq!(finished.status, StatusCode::OK, "{}", finished.text());
    let file = finished.json();
    assert_eq!(file["media_type"], "application/pdf");
    let sha = file["sha256"].as_str().unwrap().to_owned();
    // The same content uploaded again is stored once.
    let again = app.upload(&teacher, "copy.pdf", &pdf, 1 << 20).await;
    assert_eq!(
        (again.json()["sha256"].as_str(), again.json()["deduplicated"].as_bool()),
        (Some(sha.as_str()), Some(true))
    );

    let courseware = app
        .create(
            &teacher,
            &[
                ("resource_type", "courseware"),
                ("title", "《分数的初步认识》课件"),
                ("description", "三年级上册第八单元"),
                ("scope", "school"),
                ("stage", "primary"),
                ("grade", "3"),
                ("subject", "math"),
                ("tags", "公开课，新授课"),
                ("knowledge_points", "分数的意义"),
                ("licence", "CC BY 4.0"),
                ("file", &sha),
            ],
        )
        .await;
    // A draft is its author's alone.
    assert!(app.search(&teacher, "分数", "").await.contains("《分数的初步认识》课件"));
    assert!(!app.search(&other, "分数", "").await.contains("《分数的初步认识》课件"));
    assert_eq!(app.get(&format!("/resources/{courseware}"), &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/resources/{courseware}"), &principal).await.status, StatusCode::NOT_FOUND);

    assert_eq!(app.step(&teacher, &courseware, "submit", "").await.status, StatusCode::SEE_OTHER);
    let queue = app.get("/review", &principal).await.text();
    assert!(queue.contains("《分数的初步认识》课件"), "the principal's queue lists the submission");
    // Rejecting needs a reason; with one, the author sees it and can revise and resubmit.
    assert_eq!(app.step(&principal, &courseware, "reject", "  ").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.step(&principal, &courseware, "reject", "请补充教学目标").await.status, StatusCode::SEE_OTHER);
    assert!(app.get(&format!("/resources/{courseware}"), &teacher).await.text().contains("请补充教学目标"));
    app.step(&teacher, &courseware, "submit", "").await;
    // The author cannot approve their own work; the other school's teacher cannot either.
    assert_eq!(app.step(&teacher, &courseware, "approve", "").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.step(&other, &courseware, "approve", "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.step(&principal, &courseware, "approve", "").await.status, StatusCode::SEE_OTHER);
    let record = app.store.resource(&courseware).await.unwrap().unwrap();
    assert_eq!((record.published_version, record.scope), (Some(1), Scope::School));
    // Published for the school: colleagues find it by a word inside the title; other schools don't.
    let colleague_view = app.search(&principal, "分数", "").await;
    assert!(colleague_view.contains("<mark>"), "the snippet or title marks the match");
    assert!(colleague_view.contains(&format!("/resources/{courseware}")));
    assert!(colleague_view.contains("<span class=\"tag\">课件</span>"), "each hit says what kind of resource it is");
    assert!(!app.search(&other, "分数", "").await.contains(&format!("/resources/{courseware}")));
    let history = app.store.activity_about("resource", &courseware, 50).await.unwrap();
    let verbs: Vec<&str> = history.iter().map(|r| r.verb.as_str()).collect();
    assert_eq!(verbs, ["created", "submitted", "rejected", "submitted", "approved"]);

    // The PDF is previewed inline and downloaded as an attachment, which counts.
    let inline = app.get(&format!("/resources/{courseware}/file?v=1"), &principal).await;
    assert_eq!(inline.status, StatusCode::OK);
    assert_eq!(inline.body, pdf);
    assert!(inline.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("inline"));
    let download = app.get(&format!("/resources/{courseware}/file?v=1&download=1"), &principal).await;
    assert!(download.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("filename*=UTF-8''"));
    let usage = app.store.usage("resource", &courseware).await.unwrap();
    assert_eq!(usage.downloads, 1);

    // A micro-lesson video for the whole district: school review, then district review.
    let video = app.upload(&teacher, "分数微课.mp4", TINY_MP4, 2048).await;
    assert_eq!(video.status, StatusCode::OK, "{}", video.text());
    assert_eq!(video.json()["duration_seconds"].as_u64(), Some(3));
    let video_sha = video.json()["sha256"].as_str().unwrap().to_owned();
    let lesson = app
        .create(
            &teacher,
            &[
                ("resource_type", "micro_lesson"),
                ("title", "分数微课：认识几分之一"),
                ("scope", "district"),
                ("licence", "CC BY 4.0"),
                ("file", &video_sha),
            ],
        )
        .await;
    app.step(&teacher, &lesson, "submit", "").await;
    app.step(&principal, &lesson, "approve", "").await;
    assert_eq!(app.store.resource(&lesson).await.unwrap().unwrap().versions[0].state, ReviewState::SchoolApproved);
    assert!(app.get("/review", &researcher).await.text().contains("分数微课"));
    app.step(&researcher, &lesson, "approve", "").await;
    assert!(app.search(&other, "微课", "").await.contains(&format!("/resources/{lesson}")), "district-wide now");
    let page = app.get(&format!("/resources/{lesson}"), &other).await.text();
    assert!(page.contains("<video") && page.contains("5"), "played in the page, flagged by length");

    // Seeking: a range request gets exactly those bytes.
    let mid = TINY_MP4.len() / 2;
    let request = Request::get(format!("/resources/{lesson}/file?v=1"))
        .header(header::COOKIE, &other.cookie)
        .header(header::RANGE, format!("bytes={mid}-{}", mid + 99))
        .body(Body::empty())
        .unwrap();
    let part = app.send(request).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, &TINY_MP4[mid..mid + 100]);
    assert_eq!(
        part.headers[header::CONTENT_RANGE].to_str().unwrap(),
        format!("bytes {mid}-{}/{}", mid + 99, TINY_MP4.len())
    );
    assert_eq!(part.headers[header::ACCEPT_RANGES], "bytes");
    let past = Request::get(format!("/resources/{lesson}/file?v=1"))
        .header(header::COOKIE, &other.cookie)
        .header(header::RANGE, format!("bytes={}-", TINY_MP4.len()))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(past).await.status, StatusCode::RANGE_NOT_SATISFIABLE);

    // A new version goes through review again while version 1 stays what colleagues see.
    let edit = app
        .post(
            &format!("/resources/{courseware}/edit"),
            &teacher,
            &[("title", "《分数的初步认识》课件（修订）"), ("licence", "CC BY 4.0"), ("file", &sha)],
        )
        .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.text());
    let record = app.store.resource(&courseware).await.unwrap().unwrap();
    assert_eq!((record.versions.len(), record.published_version), (2, Some(1)));
    let seen = app.get(&format!("/resources/{courseware}"), &principal).await.text();
    assert!(seen.contains("《分数的初步认识》课件") && !seen.contains("（修订）"));
}

#[tokio::test]
async fn uploads_are_judged_by_content_and_leave_nothing_half_written() {
    let app = setup().await;
    let teacher = app.sign_in("teacher").await;
    // A .pdf that is really a zip.
    let mut zip = Vec::new();
    {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut zip));
        w.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, b"hello").unwrap();
        w.finish().unwrap();
    }
    let refused = app.upload(&teacher, "课件.pdf", &zip, 1 << 20).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["error"], "file_extension_mismatch");
    assert!(refused.json()["message"].as_str().unwrap().contains(".pdf"), "{}", refused.text());
    // Zero bytes.
    let begin = serde_json::json!({ "file_name": "empty.pdf", "size": 0 }).to_string();
    let started = app.call("POST", "/uploads", &teacher, begin.into_bytes(), "application/json").await;
    if started.status == StatusCode::CREATED {
        let id = started.json()["id"].as_str().unwrap().to_owned();
        let finished =
            app.call("POST", &format!("/uploads/{id}/finish"), &teacher, Vec::new(), "application/json").await;
        assert_eq!(finished.json()["error"], "empty_file");
    } else {
        assert_eq!(started.json()["error"], "empty_file");
    }
    // Over the limit, refused before a byte is sent.
    let huge = serde_json::json!({ "file_name": "big.pdf", "size": 300u64 << 20 }).to_string();
    let too_big = app.call("POST", "/uploads", &teacher, huge.into_bytes(), "application/json").await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without the CSRF header a script call is refused.
    let request = Request::post("/uploads")
        .header(header::COOKIE, &teacher.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"file_name":"a.pdf","size":10}"#))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);
    // A form naming no uploaded file, for a type that needs one, is refused with the reason.
    let form = app
        .post("/resources/new", &teacher, &[("resource_type", "courseware"), ("title", "无文件"), ("licence", "x")])
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("file"), "the form says the file is missing");
    assert!(app.store.resources_after(None, 10).await.unwrap().is_empty(), "nothing was written");
    // Students and guardians have no library.
    let student = app.sign_in("student").await;
    assert_eq!(app.get("/library", &student).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_written_item_is_flagged_beside_its_near_duplicate_for_the_reviewer() {
    let app = setup().await;
    let teacher = app.sign_in("teacher").await;
    let principal = app.sign_in("principal").await;
    let original = domain::items::Item {
        id: "ape210k-491547".to_owned(),
        source: Some("ape210k".to_owned()),
        source_id: Some("491547".to_owned()),
        item_type: domain::items::ItemType::FillBlank,
        stem: "学校把135本练习本平均分给3个班，每班多少本？".to_owned(),
        choices: Vec::new(),
        answer: domain::items::AnswerKey::Blanks(vec![vec!["45".to_owned()]]),
        analysis: String::new(),
        stage: Some(domain::Stage::Primary),
        grade: None,
        subject: Some(domain::Subject::Math),
        knowledge_points: Vec::new(),
        difficulty: Some(1),
        seconds: 60,
        points: None,
        tags: Vec::new(),
    };
    let bank = NewItem {
        item: original.clone(),
        state: ReviewState::Published,
        scope: Scope::District,
        school_id: None,
        author_id: None,
        at: Utc::now(),
    };
    app.store.import_items(&[bank], &NoProgress).await.unwrap();
    // What the server does at start: index the bank, build the near-duplicate index.
    web::library::reindex(&*app.store, &app.library.search, &|_| {}).await.unwrap();
    *app.library.neardup.write().unwrap() = Some(web::library::build_neardup(&*app.store).await.unwrap());

    let created = app
        .post(
            "/items/new",
            &teacher,
            &[
                ("item_type", "fill_blank"),
                ("stem", "学校把 135 本练习本平均分给 3 个班，每个班多少本？"),
                ("answer", "45"),
                ("analysis", "$\\frac{135}{3"),
                ("subject", "math"),
                ("stage", "primary"),
                ("difficulty", "1"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let id = created.location().trim_start_matches("/items/").to_owned();
    let page = app.get(&format!("/items/{id}"), &teacher).await.text();
    assert!(page.contains("公式可能不完整"), "unbalanced LaTeX is accepted with a warning");
    app.post(&format!("/items/{id}/step"), &teacher, &[("step", "submit")]).await;
    let queue = app.get("/review", &principal).await.text();
    assert!(queue.contains(&id), "the submitted item waits for the principal");
    assert!(queue.contains("ape210k-491547"), "beside its near duplicate from the bank");
    let dups = app.store.item_duplicates(&id).await.unwrap();
    assert_eq!(dups.first().map(|(d, _)| d.as_str()), Some("ape210k-491547"));
    assert!(dups[0].1 > 0.7, "similarity {}", dups[0].1);
    // The bank is searchable by a phrase of a stem and by the source's own id.
    assert!(app.search(&teacher, "练习本平均分给", "items").await.contains("/items/ape210k-491547"));
    assert!(app.search(&teacher, "491547", "items").await.contains("/items/ape210k-491547"));
    // A draft item of the teacher's is not in the other school's results.
    let other = app.other_school_teacher().await;
    assert!(!app.search(&other, "练习本", "items").await.contains(&id));
}
