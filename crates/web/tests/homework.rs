//! The homework loop end to end without a socket, over a real SQLite store: a teacher assigns, two
//! students answer (autosave, resume, idempotent submit), the teacher marks and releases, the
//! report, exports, follow-ups and the guardian's page work, and every bad input of the issue is
//! refused with a precise error — a student reaching for a classmate's work is denied and audited.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use chrono::{Duration, Utc};
use domain::{
    identity::{AuditAction, account_id_of},
    items::ItemType,
};
use serde_json::{Value, json};
use store::{AccountStore, ActivityStore, AuditFilter, AuditStore, HomeworkStore, ItemStore, RosterStore};
use tower::ServiceExt;

mod common;

use common::TestApp;

async fn setup() -> TestApp {
    let district = common::district(1, |_, _| {}).await;
    district.publish(demo::bank::items(3_000, 7)).await;
    district.app().await
}

/// The demo teacher's headed class, a grade, and items of a subject they teach with one open item.
async fn class_and_items(app: &TestApp) -> (String, u8, String, Vec<(String, ItemType)>) {
    let teacher = app.person("teacher").await;
    let detail = app.store.teacher_detail(&teacher).await.unwrap().unwrap();
    let student = app.person("student").await;
    let class =
        app.store.place(domain::access::ResourceKind::Student, &student).await.unwrap().unwrap().class_id.unwrap();
    let bank = app.store.items_after(None, 5_000).await.unwrap();
    for taught in detail.taught.iter().filter(|t| t.class_id == class) {
        let of_subject: Vec<_> = bank.iter().filter(|r| r.item.subject == Some(taught.subject)).collect();
        let open = of_subject.iter().find(|r| r.item.item_type == ItemType::ShortAnswer);
        let objective: Vec<_> = of_subject.iter().filter(|r| r.item.item_type.is_objective()).take(4).collect();
        if let (Some(open), 4) = (open, objective.len()) {
            let mut picked: Vec<(String, ItemType)> =
                objective.iter().map(|r| (r.item.id.clone(), r.item.item_type)).collect();
            picked.push((open.item.id.clone(), ItemType::ShortAnswer));
            return (class, taught.grade, taught.subject.code().to_owned(), picked);
        }
    }
    panic!("the head teacher teaches no subject with items in the demo bank: {:?}", detail.taught);
}

fn compose(class: &str, subject: &str, items: &[(String, ItemType)], minutes: u32) -> Value {
    let now = Utc::now();
    json!({
        "title": "分数的加减 课后练习",
        "subject": subject,
        "open_at": now - Duration::minutes(5),
        "due_at": now + Duration::hours(6),
        "minutes": minutes,
        "items": items.iter().map(|(id, t)| json!({"item_id": id, "points": if *t == ItemType::ShortAnswer { 5.0 } else { 2.0 }})).collect::<Vec<_>>(),
        "class_ids": [class],
    })
}

#[tokio::test]
async fn the_homework_loop_end_to_end() {
    let app = setup().await;
    let (class, grade, subject, items) = class_and_items(&app).await;
    let teacher = app.sign_in("teacher").await;

    // Bad compositions are refused with the field named.
    let mut empty = compose(&class, &subject, &items, 20);
    empty["items"] = json!([]);
    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(empty)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    assert_eq!(reply.json()["error"]["field"], "items");
    let mut backwards = compose(&class, &subject, &items, 20);
    backwards["due_at"] = json!(Utc::now() - Duration::hours(1));
    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(backwards)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["error"]["problems"].as_array().unwrap().iter().any(|p| p["problem"] == "due_before_open"));

    // The workload guard: 500 minutes is past every limit up to grade 9; confirming assigns it.
    if grade <= 9 {
        let reply = app.call("POST", "/api/v1/homework", &teacher, Some(compose(&class, &subject, &items, 500))).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text());
        assert_eq!(reply.json()["error"]["code"], "over_workload_limit");
    }

    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(compose(&class, &subject, &items, 20))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let hw = reply.json()["homework_ids"][0].as_str().unwrap().to_owned();

    let student_id = app.person("student").await;
    let other_id = app.person("student2").await;
    let student = app.sign_in("student").await;
    let base = format!("/api/v1/students/{student_id}/homework/{hw}");

    let opened = app.call("GET", &base, &student, None).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text());
    let opened = opened.json();
    assert_eq!(opened["state"], "started");
    assert_eq!(opened["items"].as_array().unwrap().len(), items.len());
    assert!(opened["items"][0]["answer_key"].is_null(), "no key before release");

    // Autosave each item with a plausible answer; seconds add up across saves.
    for (n, (id, t)) in items.iter().enumerate() {
        let response = match t {
            ItemType::SingleChoice | ItemType::MultipleChoice => json!({"kind": "choices", "value": ["A"]}),
            ItemType::TrueFalse => json!({"kind": "true_false", "value": true}),
            ItemType::FillBlank => json!({"kind": "blanks", "value": ["1/2"]}),
            ItemType::ShortAnswer => json!({"kind": "text", "value": "先通分，再相加。"}),
        };
        let body = json!({"item_id": id, "response": response, "seconds": 30, "position": n});
        let reply = app.call("PUT", &format!("{base}/answers"), &student, Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    }
    let resumed = app.call("GET", &base, &student, None).await.json();
    assert_eq!(resumed["position"], items.len() - 1, "resumes where the student was");
    assert_eq!(resumed["items"][0]["seconds"], 30);

    // Bad answers.
    let stray = json!({"item_id": "not-in-this-homework", "response": {"kind": "text", "value": "x"}, "seconds": 1});
    let reply = app.call("PUT", &format!("{base}/answers"), &student, Some(stray)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["error"]["field"], "item_id");
    let huge = json!({"item_id": items[0].0, "response": {"kind": "text", "value": "长".repeat(6_000)}, "seconds": 1});
    let reply = app.call("PUT", &format!("{base}/answers"), &student, Some(huge)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["error"]["field"], "response");

    // A student answering a classmate's homework is denied, and the attempt is audited.
    let theirs = format!("/api/v1/students/{other_id}/homework/{hw}/answers");
    let body = json!({"item_id": items[0].0, "response": {"kind": "choices", "value": ["B"]}, "seconds": 1});
    assert_eq!(app.call("PUT", &theirs, &student, Some(body)).await.status, StatusCode::FORBIDDEN);
    let denied = app
        .store
        .audit_entries(&AuditFilter { action: Some(AuditAction::Denied), limit: 10, ..AuditFilter::default() })
        .await
        .unwrap();
    assert!(
        denied
            .iter()
            .any(|e| e.target_id == other_id
                && e.actor_account_id.as_deref() == Some(account_id_of(&student_id).as_str()))
    );

    // Submit: the same key again is the same success; another key is a conflict; no autosave after.
    let first = app.call("POST", &format!("{base}/submit"), &student, Some(json!({"key": "k-1"}))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.json()["replayed"], false);
    assert!(first.json()["pending"].as_u64().unwrap() >= 1, "the open item waits for the teacher");
    let again = app.call("POST", &format!("{base}/submit"), &student, Some(json!({"key": "k-1"}))).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["replayed"], true);
    let other_key = app.call("POST", &format!("{base}/submit"), &student, Some(json!({"key": "k-2"}))).await;
    assert_eq!(other_key.status, StatusCode::CONFLICT);
    assert_eq!(other_key.json()["error"]["code"], "already_submitted");
    let late_save = json!({"item_id": items[0].0, "response": {"kind": "choices", "value": ["C"]}, "seconds": 1});
    assert_eq!(
        app.call("PUT", &format!("{base}/answers"), &student, Some(late_save)).await.status,
        StatusCode::CONFLICT
    );

    // The second student submits without autosaving first: answers in the submission itself.
    let student2 = app.sign_in("student2").await;
    let base2 = format!("/api/v1/students/{other_id}/homework/{hw}");
    let answers: Vec<Value> = items
        .iter()
        .map(|(id, _)| json!({"item_id": id, "response": {"kind": "text", "value": "B"}, "seconds": 20}))
        .collect();
    let reply =
        app.call("POST", &format!("{base2}/submit"), &student2, Some(json!({"key": "s2", "answers": answers}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    // The teacher marks the open item of the first student; a score over the maximum is refused.
    let open_item = items.iter().find(|(_, t)| *t == ItemType::ShortAnswer).unwrap().0.clone();
    let over = json!({"student_id": student_id, "item_id": open_item, "score": 9.0});
    let reply = app.call("PUT", &format!("/api/v1/homework/{hw}/marks"), &teacher, Some(over)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mark = json!({"student_id": student_id, "item_id": open_item, "score": 4.0, "comment": "思路清楚，注意书写"});
    let reply = app.call("PUT", &format!("/api/v1/homework/{hw}/marks"), &teacher, Some(mark)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    // The page's marking form works the same way.
    let reply = app
        .form(
            &format!("/homework/{hw}/mark"),
            &teacher,
            &[("student", &other_id), ("item", &open_item), ("score", "1"), ("comment", "")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());

    // Nothing is shown to the student before release; everything after.
    assert!(app.call("GET", &base, &student, None).await.json()["score"].is_null());
    let reply = app.call("POST", &format!("/api/v1/homework/{hw}/release"), &teacher, None).await;
    assert_eq!(reply.json()["released"], true);
    let released = app.call("GET", &base, &student, None).await.json();
    assert!(released["score"].as_f64().unwrap() >= 4.0, "{released}");
    let open =
        released["items"].as_array().unwrap().iter().find(|i| i["item_id"] == open_item.as_str()).unwrap().clone();
    assert_eq!(open["mark"]["comment"], "思路清楚，注意书写");
    assert!(!open["answer_key"].is_null());

    // The class report.
    let report = app.call("GET", &format!("/api/v1/homework/{hw}"), &teacher, None).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text());
    let report = report.json()["report"].clone();
    assert_eq!(report["completion"]["submitted"], 2);
    assert_eq!(report["completion"]["pending_marking"], 0);
    assert_eq!(report["items"].as_array().unwrap().len(), items.len());

    // Pages: the report with its charts, exports, follow-ups, the guardian's view, the 错题本.
    let page = app.call("GET", &format!("/homework/{hw}"), &teacher, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("data-chart="));
    let csv = app.call("GET", &format!("/homework/{hw}/export/csv"), &teacher, None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("\u{feff}".as_bytes()));
    let xlsx = app.call("GET", &format!("/homework/{hw}/export/xlsx"), &teacher, None).await;
    assert!(xlsx.body.starts_with(b"PK"));
    assert_eq!(app.call("GET", &format!("/homework/{hw}/follow-ups"), &teacher, None).await.status, StatusCode::OK);
    let reply =
        app.form(&format!("/homework/{hw}/follow-ups"), &teacher, &[("budget", "15"), ("max_items", "3")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());

    let parent = app.sign_in("parent").await;
    let page = app.call("GET", &format!("/students/{student_id}/homework"), &parent, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("思路清楚") || page.text().contains("分数的加减"));
    assert_eq!(
        app.call("GET", &format!("/students/{student_id}/wrong-book"), &parent, None).await.status,
        StatusCode::OK
    );
    // A guardian cannot answer for the child.
    let body = json!({"item_id": items[0].0, "response": {"kind": "choices", "value": ["A"]}, "seconds": 1});
    assert_eq!(app.call("PUT", &format!("{base}/answers"), &parent, Some(body)).await.status, StatusCode::FORBIDDEN);

    // Every step is on record.
    let records = app.store.activity_about("homework", &hw, 500).await.unwrap();
    for verb in ["assigned", "started", "answered", "submitted", "graded", "released", "viewed"] {
        assert!(records.iter().any(|r| r.verb == verb), "no `{verb}` record");
    }
    let submitted_by_first = records.iter().filter(|r| r.verb == "submitted" && r.actor.id == student_id).count();
    assert_eq!(submitted_by_first, 1, "the retried submission left one record");
}

#[tokio::test]
async fn late_work_is_refused_unless_allowed() {
    let app = setup().await;
    let (class, _, subject, items) = class_and_items(&app).await;
    let teacher = app.sign_in("teacher").await;
    let mut strict = compose(&class, &subject, &items, 10);
    strict["open_at"] = json!(Utc::now() - Duration::hours(3));
    strict["due_at"] = json!(Utc::now() - Duration::hours(1));
    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(strict.clone())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let hw = reply.json()["homework_ids"][0].as_str().unwrap().to_owned();
    strict["allow_late"] = json!(true);
    let lenient = app.call("POST", "/api/v1/homework", &teacher, Some(strict)).await.json()["homework_ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let student_id = app.person("student").await;
    let student = app.sign_in("student").await;
    let reply = app
        .call(
            "POST",
            &format!("/api/v1/students/{student_id}/homework/{hw}/submit"),
            &student,
            Some(json!({"key": "a"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.json()["error"]["code"], "past_due");
    let reply = app
        .call(
            "POST",
            &format!("/api/v1/students/{student_id}/homework/{lenient}/submit"),
            &student,
            Some(json!({"key": "b"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["late"], true);
    // A body that is not JSON gets the API's JSON error naming the body, not a plain-text reply.
    let request = Request::post("/api/v1/homework")
        .header(header::COOKIE, &teacher.cookie)
        .header("x-csrf-token", &teacher.csrf)
        .body(Body::from("title=x"))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value =
        serde_json::from_slice(&axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap()).unwrap();
    assert_eq!(body["error"]["field"], "body");
    let mut wrong = compose(&class, &subject, &items, 10);
    wrong["subject"] = json!("");
    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(wrong)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["error"]["message"].as_str().unwrap().contains("subject"));
    // A submission without a key cannot be made idempotent, so it is refused.
    let reply = app
        .call("POST", &format!("/api/v1/students/{student_id}/homework/{hw}/submit"), &student, Some(json!({})))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Two fill-in items whose (first) key is a whole number (of any subject: the demo teacher teaches
/// none with numbers, and assigning does not tie items to the homework's subject), and an open item
/// of a subject the demo teacher teaches the student's class.
async fn rubric_items(app: &TestApp) -> (String, String, [(String, String); 2], String) {
    let teacher = app.person("teacher").await;
    let detail = app.store.teacher_detail(&teacher).await.unwrap().unwrap();
    let student = app.person("student").await;
    let class =
        app.store.place(domain::access::ResourceKind::Student, &student).await.unwrap().unwrap().class_id.unwrap();
    let bank = app.store.items_after(None, 5_000).await.unwrap();
    let numbers: Vec<(String, String)> = bank
        .iter()
        .filter_map(|r| match &r.item.answer {
            domain::items::AnswerKey::Blanks(key)
                if key.len() == 1 && key[0].first().is_some_and(|k| k.parse::<u32>().is_ok()) =>
            {
                Some((r.item.id.clone(), key[0][0].clone()))
            }
            _ => None,
        })
        .take(2)
        .collect();
    for taught in detail.taught.iter().filter(|t| t.class_id == class) {
        let open =
            bank.iter().find(|r| r.item.subject == Some(taught.subject) && r.item.item_type == ItemType::ShortAnswer);
        if let (Some(open), [a, b]) = (open, numbers.as_slice()) {
            return (class, taught.subject.code().to_owned(), [a.clone(), b.clone()], open.item.id.clone());
        }
    }
    panic!("no numeric fill-in items, or no open item for the head teacher: {:?}", detail.taught);
}

#[tokio::test]
async fn rubrics_and_grading_options_travel_with_the_items() {
    let app = setup().await;
    let (class, subject, [(lenient, key), (strict, strict_key)], open) = rubric_items(&app).await;
    let teacher = app.sign_in("teacher").await;
    let now = Utc::now();
    let rubric = json!([
        {"text": "列出算式", "points": 2.0},
        {"text": "计算正确", "points": 2.5},
        {"text": "写出答语", "points": 0.5},
    ]);
    let mut body = json!({
        "title": "评分要点练习",
        "subject": subject,
        "open_at": now - Duration::minutes(5),
        "due_at": now + Duration::hours(6),
        "minutes": 10,
        "items": [
            {"item_id": lenient, "points": 2.0},
            {"item_id": strict, "points": 2.0, "grading": {"numeric_equivalence": false}},
            {"item_id": open, "points": 5.0, "rubric": [{"text": "列出算式", "points": 2.0}, {"text": "计算正确", "points": 2.0}]},
        ],
        "class_ids": [class],
    });

    // A rubric that does not add up to the item's points, or has an empty point, names the item.
    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(body.clone())).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    let error = reply.json()["error"].clone();
    assert_eq!(error["field"], "items[2].rubric");
    assert_eq!(error["problems"][0]["problem"], "rubric_sum");
    assert!(error["message"].as_str().unwrap().contains("add up to 4, not the item's 5"), "{error}");
    body["items"][2]["rubric"] = json!([{"text": " ", "points": 5.0}]);
    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(body.clone())).await;
    assert_eq!(reply.json()["error"]["field"], "items[2].rubric", "{}", reply.text());
    assert_eq!(reply.json()["error"]["problems"][0]["problem"], "bad_rubric_text");

    body["items"][2]["rubric"] = rubric.clone();
    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let hw = reply.json()["homework_ids"][0].as_str().unwrap().to_owned();

    // Stored with the homework and listed by the API.
    let stored = app.call("GET", &format!("/api/v1/homework/{hw}"), &teacher, None).await.json()["homework"].clone();
    assert_eq!(stored["items"][2]["rubric"], rubric);
    assert_eq!(stored["items"][1]["grading"]["numeric_equivalence"], false);
    assert_eq!(stored["items"][0]["grading"]["numeric_equivalence"], true, "options default to on");
    assert_eq!(stored["items"][1]["grading"]["ignore_units"], true);

    // The same answer form (`12.0` for `12`) is right where the item allows equal numbers only.
    let student_id = app.person("student").await;
    let student = app.sign_in("student").await;
    let answers = json!([
        {"item_id": lenient, "response": {"kind": "blanks", "value": [format!("{key}.0")]}, "seconds": 10},
        {"item_id": strict, "response": {"kind": "blanks", "value": [format!("{strict_key}.0")]}, "seconds": 10},
        {"item_id": open, "response": {"kind": "text", "value": "3×4=12，答：12平方米"}, "seconds": 60},
    ]);
    let reply = app
        .call(
            "POST",
            &format!("/api/v1/students/{student_id}/homework/{hw}/submit"),
            &student,
            Some(json!({"key": "r-1", "answers": answers})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let submission = app.store.submission(&hw, &student_id).await.unwrap().unwrap();
    let mark = |s: &domain::homework::Submission, id: &str| s.answer(id).unwrap().mark.clone().unwrap();
    assert_eq!(mark(&submission, &lenient).outcome, domain::grading::Outcome::Correct);
    assert_eq!(mark(&submission, &strict).outcome, domain::grading::Outcome::Wrong);

    // Marking by rubric through the API: the score is the sum of the points awarded.
    let marks = format!("/api/v1/homework/{hw}/marks");
    let stray = json!({"student_id": student_id, "item_id": open, "rubric_points": [0, 3]});
    let reply = app.call("PUT", &marks, &teacher, Some(stray)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text());
    assert_eq!(reply.json()["error"]["field"], "rubric_points");
    let by_rubric = json!({"student_id": student_id, "item_id": open, "rubric_points": [0, 2]});
    let reply = app.call("PUT", &marks, &teacher, Some(by_rubric)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let submission = app.store.submission(&hw, &student_id).await.unwrap().unwrap();
    let stored = mark(&submission, &open);
    assert_eq!((stored.score, stored.max, stored.outcome), (2.5, 5.0, domain::grading::Outcome::Partial));
    let records = app.store.activity_about("homework", &hw, 100).await.unwrap();
    let graded = records.iter().find(|r| r.verb == "graded").unwrap();
    assert_eq!(graded.result.as_ref().unwrap()["rubric_points"], json!([0, 2]), "the ticks are on record");

    // The marking page lists the points to tick, and its form marks by them too.
    let page = app.get(&format!("/homework/{hw}/mark?student={student_id}&item={open}"), &teacher).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(r#"name="rubric" value="2""#) && html.contains("写出答语"), "{html}");
    let reply = app
        .form(
            &format!("/homework/{hw}/mark"),
            &teacher,
            &[("student", &student_id), ("item", &open), ("rubric", "0"), ("rubric", "1"), ("score", "")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let submission = app.store.submission(&hw, &student_id).await.unwrap().unwrap();
    assert_eq!(mark(&submission, &open).score, 4.5);
    // A typed score overrides the ticks.
    let reply = app
        .form(
            &format!("/homework/{hw}/mark"),
            &teacher,
            &[("student", &student_id), ("item", &open), ("rubric", "0"), ("score", "5")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let submission = app.store.submission(&hw, &student_id).await.unwrap().unwrap();
    assert_eq!(mark(&submission, &open).outcome, domain::grading::Outcome::Correct);

    // Composing on the page: an open item comes with a rubric to edit, a fill-in with its toggles.
    let page = app
        .form(
            "/homework/new",
            &teacher,
            &[("subject", &subject), ("item", &format!("{lenient}:2")), ("op", &format!("add:{open}"))],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains(&format!(r#"name="rubric_text:{open}""#)), "{html}");
    assert!(html.contains(&format!(r#"name="numeric_equivalence:{lenient}""#)), "{html}");
    assert!(html.contains("数值等价（0.5 = 1/2 = 50%）"));
}
