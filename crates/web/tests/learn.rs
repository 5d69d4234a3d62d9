//! The learning engine in the platform, without a socket, over a real SQLite store holding the
//! demo's simulated history: a refit started by district staff produces estimates and figures,
//! follow-ups switch to mastery as their basis, a submission moves the student's mastery exactly
//! as `Tracker::observe` would, and the pages are shown only to those allowed (another class's
//! teacher, another student and a 教研员 are denied; a guardian sees their own child only).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use domain::{
    access::ResourceKind,
    identity::account_id_of,
    items::{AnswerKey, Item},
};
use serde_json::{Value, json};
use store::{AccountStore, HomeworkStore, ItemStore, LearnStore, NoProgress};

mod common;

use common::TestApp;

/// The small demo district with its bank and simulated past homework, written as the CLI does.
async fn setup() -> TestApp {
    let district = common::district(1, |_, _| {}).await;
    let bank: Vec<Item> = demo::bank::items(3_000, 7).collect();
    district.publish(bank.iter().cloned()).await;
    let (store, roster) = (&district.store, &district.roster);
    let curriculum = demo::curriculum();
    store::CurriculumStore::import_curriculum(store, &curriculum, &NoProgress).await.unwrap();
    let history = demo::history::history(roster, &bank, &demo::history::HistoryConfig::demo(1, Utc::now()));
    let homework: Vec<_> = history
        .homework
        .into_iter()
        .map(|(h, students)| {
            (h, students.into_iter().map(|student_id| store::Assignee { student_id, items: None }).collect())
        })
        .collect();
    store.create_homework(&homework, &[]).await.unwrap();
    let writes: Vec<store::HomeworkWrite> = history
        .submissions
        .into_iter()
        .map(|s| store::HomeworkWrite::Submit {
            key: "history".into(),
            activity: domain::ActivityRecord {
                actor: domain::ActorRef { kind: "student".into(), id: s.student_id.clone() },
                verb: "submitted".into(),
                object: domain::ObjectRef { kind: "homework".into(), id: s.homework_id.clone() },
                school_id: None,
                class_id: None,
                result: None,
                timestamp: s.submitted_at.unwrap(),
            },
            homework_id: s.homework_id,
            student_id: s.student_id,
            at: s.submitted_at.unwrap(),
            late: s.late,
            answers: s.answers,
        })
        .collect();
    for chunk in writes.chunks(256) {
        store.apply_homework_writes(chunk).await.unwrap();
    }
    district.app().await
}

impl TestApp {
    async fn class_of(&self, student: &str) -> String {
        self.store.place(ResourceKind::Student, student).await.unwrap().unwrap().class_id.unwrap()
    }

    /// Starts a refit as district staff and waits for it to finish; returns the status JSON.
    async fn refit(&self) -> Value {
        let admin = self.sign_in("admin").await;
        let reply = self.call("POST", "/learn/refit", &admin, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        for _ in 0..1200 {
            let status = self.get("/learn/status", &admin).await.json();
            if status["job"]["running"] == false {
                return status;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the refit did not finish within a minute");
    }
}

/// A response to `item` that the grader marks right or wrong as asked.
fn response(item: &Item, right: bool) -> Value {
    match &item.answer {
        AnswerKey::Choices(key) if right => json!({"kind": "choices", "value": key}),
        AnswerKey::Choices(key) => {
            let wrong = item.choices.iter().map(|c| c.label.clone()).find(|l| !key.contains(l)).unwrap();
            json!({"kind": "choices", "value": [wrong]})
        }
        AnswerKey::TrueFalse(v) => json!({"kind": "true_false", "value": *v == right}),
        AnswerKey::Blanks(b) if right => {
            json!({"kind": "blanks", "value": b.iter().map(|x| x[0].clone()).collect::<Vec<_>>()})
        }
        AnswerKey::Blanks(b) => json!({"kind": "blanks", "value": b.iter().map(|_| "？").collect::<Vec<_>>()}),
        AnswerKey::Reference(_) => unreachable!("only objective items are used"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refit_gives_estimates_and_a_submission_moves_them() {
    let app = setup().await;
    let student_id = app.person("student").await;
    let class = app.class_of(&student_id).await;
    let student = app.sign_in("student").await;
    let teacher = app.sign_in("teacher").await;
    let history_hw = format!("hw-demo-{class}-08");
    assert!(app.store.homework(&history_hw).await.unwrap().is_some(), "the demo class has history");

    // Before any fit: no estimates, follow-ups from the marks.
    let page = app.get(&format!("/students/{student_id}/mastery"), &student).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"no-model\""));
    let plan = app.get(&format!("/homework/{history_hw}/follow-ups"), &teacher).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.text());
    assert!(plan.text().contains("依据：本次作业的批改结果"));
    let admin = app.sign_in("admin").await;
    assert!(app.get("/learn/status", &admin).await.json()["latest"].is_null());

    // District staff refit: figures and estimates for every student with history.
    let status = app.refit().await;
    assert_eq!(status["job"]["stage"], "done", "{status}");
    let latest = &status["latest"];
    let responses = latest["responses"].as_u64().unwrap();
    assert_eq!(responses, app.store.graded_response_count().await.unwrap(), "every marked answer was used");
    assert!(latest["students"].as_u64().unwrap() >= 30 && latest["knowledge_points"].as_u64().unwrap() >= 3);
    let auc = latest["metrics"]["auc"].as_f64().unwrap();
    assert!(auc > 0.6, "the simulated skill is learnable: AUC {auc}");
    let page = app.get("/learn", &admin).await.text();
    assert!(page.contains("id=\"fit-auc\"") && page.contains(&format!("{auc:.3}")));

    let before: Vec<store::Mastery> = app.store.mastery_of(std::slice::from_ref(&student_id)).await.unwrap();
    assert!(!before.is_empty());
    assert!(before.iter().all(|m| (0.0..=1.0).contains(&m.probability) && m.responses > 0));
    let page = app.get(&format!("/students/{student_id}/mastery"), &student).await.text();
    assert!(page.contains("mastery-table") && page.contains("hbar"), "{page}");
    assert!(["已掌握", "基本掌握", "待加强"].iter().any(|l| page.contains(l)));
    let heatmap = app.get(&format!("/classes/{class}/mastery"), &teacher).await;
    assert_eq!(heatmap.status, StatusCode::OK);
    assert!(heatmap.text().contains("heatmap") && heatmap.text().contains("mastery-matrix"));
    let plan = app.get(&format!("/homework/{history_hw}/follow-ups"), &teacher).await.text();
    assert!(plan.contains("依据：学习模型估计的掌握度"), "follow-ups use mastery once fitted");

    // A new homework: the student answers every item right but the last, wrong.
    let fit = app.store.latest_learn_fit().await.unwrap().unwrap();
    let bkt: learn::bkt::BktModel = serde_json::from_value(fit.bkt).unwrap();
    let homework = app.store.homework(&history_hw).await.unwrap().unwrap();
    let seen: Vec<String> = homework.items.iter().map(|i| i.item_id.clone()).collect();
    let bank = app.store.items_after(None, 5_000).await.unwrap();
    // Items on points the student has practised, the weakest points first (room to move up).
    let estimate = |i: &Item| before.iter().find(|m| m.knowledge_point == i.knowledge_points[0]).map(|m| m.probability);
    let mut fresh: Vec<&Item> = bank
        .iter()
        .map(|r| &r.item)
        .filter(|i| i.subject == Some(domain::Subject::Math) && i.item_type.is_objective())
        .filter(|i| i.knowledge_points.len() == 1 && !seen.contains(&i.id))
        .filter(|i| estimate(i).is_some())
        .collect();
    fresh.sort_by(|a, b| estimate(a).unwrap().total_cmp(&estimate(b).unwrap()).then(a.id.cmp(&b.id)));
    fresh.truncate(3);
    assert!(estimate(fresh[0]).unwrap() < 0.99, "the student has a point that is not yet certain");
    assert!(fresh.len() >= 2, "items on points the student has practised");
    let now = Utc::now();
    let compose = json!({
        "title": "复习", "subject": "math", "open_at": now - Duration::minutes(5), "due_at": now + Duration::hours(3),
        "minutes": 10, "class_ids": [class], "student_ids": [student_id],
        "items": fresh.iter().map(|i| json!({"item_id": i.id, "points": 2.0})).collect::<Vec<_>>(),
    });
    let reply = app.call("POST", "/api/v1/homework", &teacher, Some(compose)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let hw = reply.json()["homework_ids"][0].as_str().unwrap().to_owned();
    let last = fresh.len() - 1;
    let answers: Vec<Value> = fresh
        .iter()
        .enumerate()
        .map(|(n, i)| json!({"item_id": i.id, "response": response(i, n != last), "seconds": 20}))
        .collect();
    let uri = format!("/api/v1/students/{student_id}/homework/{hw}/submit");
    let reply = app.call("POST", &uri, &student, Some(json!({"key": "k", "answers": answers}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    // The expected estimates: the stored ones moved by BKT's update, item by item in order.
    let mut expected: std::collections::HashMap<String, (f64, u32)> =
        before.iter().map(|m| (m.knowledge_point.clone(), (m.probability, m.responses))).collect();
    let work = app.store.submission(&hw, &student_id).await.unwrap().unwrap();
    let mut graded: Vec<_> = work.answers.iter().collect();
    graded.sort_by(|a, b| (a.answered_at, &a.item_id).cmp(&(b.answered_at, &b.item_id)));
    for a in graded {
        let item = fresh.iter().find(|i| i.id == a.item_id).unwrap();
        let kp = &item.knowledge_points[0];
        let mark = a.mark.as_ref().unwrap();
        let right = mark.score >= mark.max;
        assert_eq!(right, a.item_id != fresh[last].id, "graded as intended");
        let entry = expected.entry(kp.clone()).or_insert((bkt.params(kp).prior, 0));
        *entry = (bkt.params(kp).update(entry.0, right), entry.1 + 1);
    }
    let mut after = Vec::new();
    for _ in 0..400 {
        after = app.store.mastery_of(std::slice::from_ref(&student_id)).await.unwrap();
        if after.iter().any(|m| m.updated_at > fit.summary.fitted_at) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    for m in &after {
        let (p, n) = expected[&m.knowledge_point];
        assert!((m.probability - p).abs() < 1e-9, "{}: {} ≠ {p}", m.knowledge_point, m.probability);
        assert_eq!(m.responses, n, "{}", m.knowledge_point);
    }
    let right_kp = &fresh[0].knowledge_points[0];
    if right_kp != &fresh[last].knowledge_points[0] {
        let old = before.iter().find(|m| &m.knowledge_point == right_kp).unwrap().probability;
        let new = after.iter().find(|m| &m.knowledge_point == right_kp).unwrap().probability;
        assert!(new > old, "a right answer raises mastery: {old} → {new}");
    }

    // A second refit counts the new answers and records a second fit.
    let status = app.refit().await;
    assert_eq!(status["job"]["stage"], "done");
    assert_eq!(status["latest"]["responses"].as_u64().unwrap(), responses + fresh.len() as u64);
    assert_eq!(app.store.learn_fits(10).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mastery_pages_are_shown_only_to_those_allowed() {
    let app = setup().await;
    app.refit().await;
    let student_id = app.person("student").await;
    let classmate_id = app.person("student2").await;
    let class = app.class_of(&student_id).await;
    let mine = format!("/students/{student_id}/mastery");
    let theirs = format!("/students/{classmate_id}/mastery");
    let heatmap = format!("/classes/{class}/mastery");

    // The student: their own page only.
    let student = app.sign_in("student").await;
    assert_eq!(app.get(&mine, &student).await.status, StatusCode::OK);
    assert_eq!(app.get(&theirs, &student).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&heatmap, &student).await.status, StatusCode::FORBIDDEN);
    // The guardian: their child only.
    let parent = app.sign_in("parent").await;
    assert_eq!(app.get(&mine, &parent).await.status, StatusCode::OK);
    assert_eq!(app.get(&theirs, &parent).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&heatmap, &parent).await.status, StatusCode::FORBIDDEN);
    // The class's teacher: both students and the class; the principal too.
    let teacher = app.sign_in("teacher").await;
    for uri in [&mine, &theirs, &heatmap] {
        assert_eq!(app.get(uri, &teacher).await.status, StatusCode::OK, "{uri}");
    }
    let principal = app.sign_in("principal").await;
    assert_eq!(app.get(&heatmap, &principal).await.status, StatusCode::OK);
    // Another class's teacher (same school, neither teaching nor heading this class): denied.
    let class_row = app.roster.classes.iter().find(|c| c.id == class).unwrap();
    let involved: Vec<&str> = app
        .roster
        .teaching_assignments
        .iter()
        .filter(|t| t.class_id == class)
        .map(|t| t.teacher_id.as_str())
        .chain(class_row.head_teacher_id.as_deref())
        .collect();
    let other = app
        .roster
        .teachers
        .iter()
        .find(|t| t.school_id == class_row.school_id && !involved.contains(&t.id.as_str()))
        .unwrap();
    let other = app.session_for(account_id_of(&other.id)).await;
    assert_eq!(app.get(&heatmap, &other).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&mine, &other).await.status, StatusCode::FORBIDDEN);
    // A 教研员 sees classes but not students' results; refits are theirs and the district's.
    let researcher = app.sign_in("researcher").await;
    assert_eq!(app.get(&heatmap, &researcher).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/learn", &researcher).await.status, StatusCode::OK);
    assert_eq!(app.get("/learn", &teacher).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.call("POST", "/learn/refit", &teacher, None).await.status, StatusCode::FORBIDDEN);

    // Reads of a student's estimates by staff are audited, as other student pages are.
    let entries = store::AuditStore::audit_entries(
        &*app.store,
        &store::AuditFilter { target_id: Some(classmate_id.clone()), limit: 50, ..Default::default() },
    )
    .await
    .unwrap();
    assert!(entries.iter().any(|e| e.action == domain::identity::AuditAction::ViewStudentWork));
}
