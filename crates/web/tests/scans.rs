//! Paper homework end to end without a socket, over a real SQLite store: the teacher assigns a
//! paper homework and prints the class's sheets; filled sheets rendered from the printed layout
//! with known answers are uploaded as photos and as a scanner's PDF; the batch grades them, refuses
//! another homework's sheet, sets a duplicate aside, reports a non-image and a missing corner
//! marker, and sends an unclear mark and an unreadable seat number to review, where the teacher
//! resolves them; written answers show on the marking page, and every scan viewed is audited.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{StatusCode, header};
use chrono::{Duration, Utc};
use domain::{
    grading::Outcome,
    homework::{
        SubmissionState,
        paper::{PaperItem, seats},
    },
    identity::AuditAction,
    items::{AnswerKey, Choice, Item, ItemType},
};
use omr::{
    imaging::Gray,
    layout::{Sheet, qr_payload},
    render::{Mark, MarkStyle, render_page},
};
use serde_json::{Value, json};
use store::{AccountStore, AuditFilter, AuditStore, HomeworkStore, RosterStore};

mod common;

use common::{Reply, TestApp, Who};

/// The bank items of the homework, in order: a single choice (key B), a multiple choice (A and C),
/// a true/false (false), a numeric fill-in (42) and an open question.
fn bank(subject: domain::Subject) -> Vec<Item> {
    let item = |id: &str, item_type: ItemType, answer: AnswerKey, options: usize| Item {
        id: id.into(),
        source: None,
        source_id: None,
        item_type,
        stem: format!("纸质作业题 {id}"),
        choices: (0..options)
            .map(|i| Choice { label: char::from(b'A' + i as u8).to_string(), content: format!("选项{i}") })
            .collect(),
        answer,
        analysis: String::new(),
        stage: None,
        grade: None,
        subject: Some(subject),
        knowledge_points: Vec::new(),
        difficulty: Some(2),
        seconds: 60,
        points: None,
        tags: Vec::new(),
    };
    vec![
        item("p-single", ItemType::SingleChoice, AnswerKey::Choices(vec!["B".into()]), 4),
        item("p-multi", ItemType::MultipleChoice, AnswerKey::Choices(vec!["A".into(), "C".into()]), 4),
        item("p-tf", ItemType::TrueFalse, AnswerKey::TrueFalse(false), 0),
        item("p-number", ItemType::FillBlank, AnswerKey::Blanks(vec![vec!["42".into()]]), 0),
        item("p-open", ItemType::ShortAnswer, AnswerKey::Reference("先通分".into()), 0),
    ]
}

const POINTS: [f32; 5] = [2.0, 4.0, 1.0, 3.0, 5.0];

/// The small demo district with the paper homework's items in the bank; answers the demo
/// teacher's class and the subject they teach it.
async fn setup() -> (TestApp, String, domain::Subject) {
    let district = common::district(1, |_, _| {}).await;
    let store = &district.store;
    let teacher = store.account_by_login("teacher").await.unwrap().unwrap().person.unwrap().id;
    let student = store.account_by_login("student").await.unwrap().unwrap().person.unwrap().id;
    let class = store.place(domain::access::ResourceKind::Student, &student).await.unwrap().unwrap().class_id.unwrap();
    let detail = store.teacher_detail(&teacher).await.unwrap().unwrap();
    let subject = detail.taught.iter().find(|t| t.class_id == class).expect("the teacher teaches the class").subject;
    district.publish(bank(subject)).await;
    (district.app().await, class, subject)
}

impl TestApp {
    async fn post_json(&self, uri: &str, who: &Who, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.bytes("POST", uri, who, "application/json", body).await
    }

    async fn post_bytes(&self, uri: &str, who: &Who, bytes: Vec<u8>) -> Reply {
        self.bytes("POST", uri, who, "application/octet-stream", bytes).await
    }
}

/// A filled page: the printed page with `qr` in its QR code and the pen marks, photographed flat.
fn filled(sheet: &Sheet, qr: &str, marks: &[(String, String)], extra: &[Mark]) -> Gray {
    let mut all: Vec<Mark> = marks
        .iter()
        .enumerate()
        .map(|(i, (field, value))| Mark {
            field: field.clone(),
            value: value.clone(),
            style: MarkStyle::Pen,
            coverage: 0.95,
            seed: i as u64 + 1,
        })
        .collect();
    all.extend_from_slice(extra);
    render_page(&sheet.pages[0], qr, 6.0, &all).unwrap()
}

/// Paints a page region (millimetres) white, as if it were torn off or covered.
fn blank_out(img: &mut Gray, x: f64, y: f64, w: f64, h: f64) {
    let s = 6.0;
    for py in (y * s) as usize..((y + h) * s) as usize {
        for px in (x * s) as usize..((x + w) * s) as usize {
            if px < img.width && py < img.height {
                img.data[py * img.width + px] = 250;
            }
        }
    }
}

fn marks(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(f, v)| ((*f).to_owned(), (*v).to_owned())).collect()
}

/// Right answers: B, AC, ×, 42 (in the last two of three columns).
fn right() -> Vec<(String, String)> {
    marks(&[("1", "B"), ("2", "A"), ("2", "C"), ("3", "F"), ("4.2", "4"), ("4.3", "2")])
}

/// Wrong answers: A, A (half credit), √, 41.
fn wrong() -> Vec<(String, String)> {
    marks(&[("1", "A"), ("2", "A"), ("3", "T"), ("4.1", "4"), ("4.2", "1")])
}

fn seat_marks(seat: &str) -> Vec<(String, String)> {
    seat.chars().enumerate().map(|(i, d)| (format!("student.{}", i + 1), d.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paper_homework_from_print_to_grades() {
    let (app, class, subject) = setup().await;
    let teacher = app.sign_in("teacher").await;
    let now = Utc::now();
    let compose = json!({
        "title": "纸质练习 分数",
        "subject": subject.code(),
        "mode": "paper",
        "open_at": now - Duration::minutes(5),
        "due_at": now + Duration::hours(6),
        "minutes": 15,
        "items": bank(subject).iter().zip(POINTS).map(|(i, p)| json!({"item_id": i.id, "points": p})).collect::<Vec<_>>(),
        "class_ids": [class],
    });
    let reply = app.post_json("/api/v1/homework", &teacher, Some(compose)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let hw = reply.json()["homework_ids"][0].as_str().unwrap().to_owned();

    // The report links the sheets page; the sheets print as one PDF for the class.
    let report = app.get(&format!("/homework/{hw}"), &teacher).await;
    assert!(report.text().contains(&format!("/homework/{hw}/scans")), "the report links the scans page");
    let index = app.get(&format!("/homework/{hw}/scans"), &teacher).await;
    assert_eq!(index.status, StatusCode::OK, "{}", index.text());
    assert!(index.text().contains("sheets.pdf"));
    let pdf = app.get(&format!("/homework/{hw}/sheets.pdf"), &teacher).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF-"));

    // Students may not touch the sheets or scans.
    let student = app.sign_in("student").await;
    assert_eq!(app.get(&format!("/homework/{hw}/scans"), &student).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post_json(&format!("/homework/{hw}/scans"), &student, None).await.status, StatusCode::FORBIDDEN);

    // The printed layout, rebuilt as the platform builds it, and the seat table.
    let homework = app.store.homework(&hw).await.unwrap().unwrap();
    let kinds: Vec<PaperItem> = bank(subject).iter().map(|i| PaperItem::of(Some(i))).collect();
    let submissions = app.store.submissions(&hw).await.unwrap();
    assert!(submissions.len() >= 8, "the class has enough students for every case");
    let detail = app.store.class_detail(&class).await.unwrap().unwrap();
    let numbered: Vec<(String, String)> = submissions
        .iter()
        .map(|s| {
            let n = detail.students.iter().find(|(st, _)| st.id == s.student_id).unwrap().0.student_number.clone();
            (s.student_id.clone(), n)
        })
        .collect();
    let seats: Vec<(String, String)> = seats(&numbered).into_iter().collect();
    let sheet = web::scans::layout_for(&homework, &kinds, submissions.len()).lay_out().unwrap();
    assert_eq!(sheet.pages.len(), 1);
    let qr = |seat: &str| qr_payload(&hw, 1, Some(seat));
    let (seat_a, a) = seats[0].clone();
    let (seat_b, b) = seats[1].clone();
    let (_, c) = seats[2].clone();
    let (_, d) = seats[3].clone();
    let (seat_e, e) = seats[4].clone();
    let (seat_f, f) = seats[5].clone();
    let (seat_g, _) = seats[6].clone();

    // Student A: all right, a JPEG photo. B: all wrong, a PNG whose QR code is unreadable, matched
    // by the bubbled seat number. C: an unclear second mark on item 1. D: QR unreadable and no seat
    // bubbled. A again (a second photo): a duplicate. Another homework's sheet. A text file. A photo
    // with the top-left corner marker cut off. E and F in a two-page scanner PDF.
    let photo_a = filled(&sheet, &qr(&seat_a), &right(), &[]).to_jpeg(85).unwrap();
    let mut photo_b = filled(&sheet, "", &[wrong(), seat_marks(&seat_b)].concat(), &[]);
    let q = sheet.pages[0].qr;
    blank_out(&mut photo_b, q.x, q.y, q.w, q.h);
    let photo_c = filled(
        &sheet,
        &qr(&seats[2].0),
        &right(),
        &[Mark {
            field: "1".into(),
            value: "C".into(),
            style: MarkStyle::Pencil { level: 140 },
            coverage: 1.0,
            seed: 9,
        }],
    )
    .to_jpeg(85)
    .unwrap();
    let mut photo_d = filled(&sheet, "", &wrong(), &[]);
    blank_out(&mut photo_d, q.x, q.y, q.w, q.h);
    let again_a = filled(&sheet, &qr(&seat_a), &wrong(), &[]).to_jpeg(80).unwrap();
    let other =
        filled(&sheet, &qr_payload("hw-someotherhomework", 1, Some(&seat_g)), &right(), &[]).to_jpeg(85).unwrap();
    let mut cornerless = filled(&sheet, &qr(&seat_g), &right(), &[]);
    let m = sheet.pages[0].markers[0];
    blank_out(&mut cornerless, m.x - 6.0, m.y - 6.0, 12.0, 12.0);
    let pdf = omr::imagepdf::images_pdf(
        &[filled(&sheet, &qr(&seat_e), &right(), &[]), filled(&sheet, &qr(&seat_f), &wrong(), &[])],
        210.0,
        297.0,
        85,
    )
    .unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("a.jpg", photo_a),
        ("b.png", photo_b.to_png().unwrap()),
        ("c.jpg", photo_c),
        ("d.png", photo_d.to_png().unwrap()),
        ("a-again.jpg", again_a),
        ("other.jpg", other),
        ("notes.txt", "这不是答题卡".as_bytes().to_vec()),
        ("cornerless.jpg", cornerless.to_jpeg(85).unwrap()),
        ("scanner.pdf", pdf),
    ];

    let created = app.post_json(&format!("/homework/{hw}/scans"), &teacher, None).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    let files_url = created["files_url"].as_str().unwrap().to_owned();
    let status_url = created["status_url"].as_str().unwrap().to_owned();
    for (name, bytes) in files {
        let reply = app.post_bytes(&format!("{files_url}?name={name}"), &teacher, bytes).await;
        assert_eq!(reply.status, StatusCode::OK, "{name}: {}", reply.text());
    }

    // The batch is read in the background; the status endpoint shows the progress.
    let mut status = Value::Null;
    for _ in 0..600 {
        status = app.get(&status_url, &teacher).await.json();
        if status["done"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(status["done"], true, "the batch was read: {status}");
    assert_eq!(status["pages"], 10, "{status}");
    let rows = status["rows"].as_array().unwrap();
    let row = |name: &str| rows.iter().find(|r| r["file_name"] == name).unwrap_or_else(|| panic!("{name}: {status}"));
    let state = |name: &str| row(name)["status"].as_str().unwrap().to_owned();
    assert_eq!(state("a.jpg"), "applied");
    assert_eq!(state("b.png"), "applied", "matched by the seat number: {}", row("b.png"));
    assert_eq!(state("c.jpg"), "review", "{}", row("c.jpg"));
    assert_eq!(state("d.png"), "review", "{}", row("d.png"));
    assert_eq!(state("a-again.jpg"), "duplicate", "{}", row("a-again.jpg"));
    assert_eq!(state("other.jpg"), "failed");
    assert!(row("other.jpg")["reasons"][0].as_str().unwrap().contains("hw-someotherhomework"), "{}", row("other.jpg"));
    assert_eq!(state("notes.txt"), "failed");
    assert_eq!(state("cornerless.jpg"), "failed");
    assert!(row("cornerless.jpg")["reasons"][0].as_str().unwrap().contains("top-left"), "{}", row("cornerless.jpg"));
    assert_eq!(state("scanner.pdf#1"), "applied");
    assert_eq!(state("scanner.pdf#2"), "applied");
    assert_eq!(
        (status["applied"].as_u64(), status["review"].as_u64(), status["failed"].as_u64()),
        (Some(4), Some(2), Some(3))
    );

    // Grades: A right everywhere (the open question waits for the teacher), B and F wrong with
    // half credit for the incomplete multiple choice; the duplicate did not change A.
    let outcomes = |s: &domain::homework::Submission| -> Vec<Option<Outcome>> {
        bank(subject).iter().map(|i| s.answer(&i.id).and_then(|a| a.mark.as_ref()).map(|m| m.outcome)).collect()
    };
    for (who, expected_points) in [(&a, 10.0), (&e, 10.0), (&b, 2.0), (&f, 2.0)] {
        let s = app.store.submission(&hw, who).await.unwrap().unwrap();
        assert_eq!(s.state, SubmissionState::Submitted, "{who}");
        let score = s.score(&homework);
        assert_eq!(score.points, expected_points, "{who}: {:?}", outcomes(&s));
        assert!(!score.complete, "the open question waits for the teacher");
        assert_eq!(outcomes(&s)[4], Some(Outcome::NeedsTeacher));
    }
    let sa = app.store.submission(&hw, &a).await.unwrap().unwrap();
    assert_eq!(outcomes(&sa)[..4], [Some(Outcome::Correct); 4]);
    let sb = app.store.submission(&hw, &b).await.unwrap().unwrap();
    assert_eq!(
        outcomes(&sb)[..4],
        [Some(Outcome::Wrong), Some(Outcome::Partial), Some(Outcome::Wrong), Some(Outcome::Wrong)]
    );
    for waiting in [&c, &d] {
        assert_ne!(app.store.submission(&hw, waiting).await.unwrap().unwrap().state, SubmissionState::Submitted);
    }

    // The batch report page lists every image with its status and reason.
    let report_page = app.get(created["report_url"].as_str().unwrap(), &teacher).await;
    assert_eq!(report_page.status, StatusCode::OK);
    let html = report_page.text();
    for name in ["a.jpg", "notes.txt", "cornerless.jpg", "scanner.pdf#2"] {
        assert!(html.contains(name), "{name} in the batch report");
    }

    // Review: both pages with their crops; viewing a crop is audited.
    let review = app.get(&format!("/homework/{hw}/scans/review"), &teacher).await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.text());
    let html = review.text();
    assert_eq!(html.matches("class=\"panel review-card\"").count(), 2, "{html}");
    let crop = html.split(&format!("/homework/{hw}/scans/images/")).nth(1).unwrap()[..64].to_owned();
    let image = app.get(&format!("/homework/{hw}/scans/images/{crop}"), &teacher).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.headers[header::CONTENT_TYPE], "image/png");
    let audited = app
        .store
        .audit_entries(&AuditFilter { action: Some(AuditAction::ViewStudentWork), limit: 50, ..AuditFilter::default() })
        .await
        .unwrap();
    assert!(audited.iter().any(|e| e.target_id == hw), "viewing a scan is audited");
    assert_eq!(
        app.get(&format!("/homework/{hw}/scans/images/{}", "0".repeat(64)), &teacher).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&format!("/homework/{hw}/scans/images/{crop}"), &student).await.status, StatusCode::FORBIDDEN);

    // The teacher decides C's unclear item 1 (B, the pen mark) and says whose sheet D is.
    let batch_id = created["batch_id"].as_str().unwrap();
    let seq = |name: &str| row(name)["seq"].as_u64().unwrap();
    let resolve_c = format!("/homework/{hw}/scans/{batch_id}/{}/resolve", seq("c.jpg"));
    let bad = app.form(&resolve_c, &teacher, &[("item-1", "Z")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "a mark the item does not have is refused");
    let done = app.form(&resolve_c, &teacher, &[("item-1", "B")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert!(done.headers[header::LOCATION].to_str().unwrap().ends_with("done=1"));
    let again = app.form(&resolve_c, &teacher, &[("item-1", "B")]).await;
    assert!(again.headers[header::LOCATION].to_str().unwrap().ends_with("done=0"), "resolved once");
    let resolve_d = format!("/homework/{hw}/scans/{batch_id}/{}/resolve", seq("d.png"));
    let nobody = app.form(&resolve_d, &teacher, &[("student", "not-a-student")]).await;
    assert_eq!(nobody.status, StatusCode::BAD_REQUEST);
    let done = app.form(&resolve_d, &teacher, &[("student", &d)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let sc = app.store.submission(&hw, &c).await.unwrap().unwrap();
    assert_eq!(sc.state, SubmissionState::Submitted);
    assert_eq!(outcomes(&sc)[0], Some(Outcome::Correct), "the teacher's decision was graded");
    let sd = app.store.submission(&hw, &d).await.unwrap().unwrap();
    assert_eq!(sd.state, SubmissionState::Submitted);
    assert_eq!(sd.score(&homework).points, 2.0);
    let review = app.get(&format!("/homework/{hw}/scans/review"), &teacher).await.text();
    assert!(review.contains("review-empty"), "nothing left to review");

    // The written answer is on the marking page next to the item, and marking works as usual.
    let mark = app.get(&format!("/homework/{hw}/mark?student={a}&item=p-open"), &teacher).await;
    assert_eq!(mark.status, StatusCode::OK);
    assert!(mark.text().contains("id=\"scan-answer\""), "the crop is shown");
    let saved = app
        .form(&format!("/homework/{hw}/mark"), &teacher, &[("student", &a), ("item", "p-open"), ("score", "5")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let sa = app.store.submission(&hw, &a).await.unwrap().unwrap();
    assert_eq!((sa.score(&homework).points, sa.score(&homework).complete), (15.0, true));

    // Activity: each sheet handed in left a `submitted` record.
    let report = app.get(&format!("/homework/{hw}"), &teacher).await.text();
    assert!(report.contains("id=\"submitted-count\">6<"), "six students handed in on paper");
}
