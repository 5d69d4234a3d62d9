//! How many homework writes per second `apply_homework_writes` sustains on SQLite: a timing
//! sanity check run by hand, not a test (timings on shared CI machines prove nothing).
//!
//! `cargo run -p store-sqlite --example homework_write_rate [batch size] [answers per submit]`
//!
//! Loads the demo roster into a fresh database file, assigns every class ten homework, then
//! applies one autosave and one submission per student and homework, in batches, one batch after
//! another as the web layer's group commit does, and prints the rate and the batch latencies.

#![allow(clippy::expect_used, clippy::print_stdout, reason = "a by-hand measurement: failing loudly is fine")]

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use domain::{
    ActivityRecord, ActorRef, ObjectRef, Subject,
    grading::{Outcome, Response},
    homework::{Answer, Homework, HomeworkItem, HomeworkKind, Mark, Mode},
};
use store::{Assignee, HomeworkStore, HomeworkWrite, NoProgress, RosterStore};
use store_sqlite::SqliteStore;

const HOMEWORK_PER_CLASS: usize = 10;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("a number"));
    let batch = args.next().unwrap_or(100);
    let answers_per_submit = args.next().unwrap_or(10);

    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("rate.db")).await.expect("open");
    let roster = store::contract::sample_roster();
    store.import_roster(&roster, &NoProgress).await.expect("roster");
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).single().expect("time");

    let mut created = Vec::new();
    for class in &roster.classes {
        let students: Vec<Assignee> = roster
            .students
            .iter()
            .filter(|s| s.class_id == class.id)
            .map(|s| Assignee { student_id: s.id.clone(), items: None })
            .collect();
        let Some(teacher) = roster.teachers.iter().find(|t| t.school_id == class.school_id) else { continue };
        for n in 0..HOMEWORK_PER_CLASS {
            let homework = Homework {
                id: format!("{}-hw{n}", class.id),
                title: format!("练习 {n}"),
                kind: HomeworkKind::Regular,
                follow_up_of: None,
                subject: Subject::Math,
                school_id: class.school_id.clone(),
                class_id: class.id.clone(),
                teacher_id: teacher.id.clone(),
                mode: Mode::Online,
                open_at: t0,
                due_at: t0 + chrono::Duration::hours(10),
                allow_late: true,
                items: (0..answers_per_submit).map(|i| HomeworkItem::new(format!("item-{i}"), 2.0)).collect(),
                minutes: 20,
                instructions: String::new(),
                created_at: t0,
                released_at: None,
            };
            created.push((homework, students.clone()));
        }
    }
    let started = Instant::now();
    store.create_homework(&created, &[]).await.expect("create");
    let pairs: Vec<(String, String)> =
        created.iter().flat_map(|(h, list)| list.iter().map(move |a| (h.id.clone(), a.student_id.clone()))).collect();
    println!(
        "{} homework, {} submissions created in {:.2?} (batch {batch}, {answers_per_submit} answers per submission)",
        created.len(),
        pairs.len(),
        started.elapsed()
    );

    let record = |verb: &str, student: &str, homework: &str| ActivityRecord {
        actor: ActorRef { kind: "student".into(), id: student.into() },
        verb: verb.into(),
        object: ObjectRef { kind: "homework".into(), id: homework.into() },
        school_id: None,
        class_id: None,
        result: Some(serde_json::json!({"score": 14, "max": 20})),
        timestamp: t0,
    };
    let answer = |i: usize, mark: Option<Mark>| Answer {
        item_id: format!("item-{i}"),
        response: Response::Choices(vec!["A".into()]),
        seconds: 40,
        answered_at: t0,
        mark,
    };
    let saves: Vec<HomeworkWrite> = pairs
        .iter()
        .map(|(h, s)| HomeworkWrite::SaveAnswer {
            homework_id: h.clone(),
            student_id: s.clone(),
            answer: answer(0, None),
            position: 1,
            activity: record("answered", s, h),
        })
        .collect();
    let submits: Vec<HomeworkWrite> = pairs
        .iter()
        .map(|(h, s)| HomeworkWrite::Submit {
            homework_id: h.clone(),
            student_id: s.clone(),
            key: format!("{h}/{s}"),
            at: t0,
            late: false,
            answers: (0..answers_per_submit)
                .map(|i| {
                    let (outcome, score) = if i % 3 == 0 { (Outcome::Wrong, 0.0) } else { (Outcome::Correct, 2.0) };
                    answer(i, Some(Mark { score, max: 2.0, outcome, marked_by: None, comment: None }))
                })
                .collect(),
            activity: record("submitted", s, h),
        })
        .collect();
    run(&store, "autosave", &saves, batch).await;
    run(&store, "submit", &submits, batch).await;
    // Replays of the same submissions: acknowledged, nothing written but the check.
    run(&store, "submit replay", &submits, batch).await;
}

async fn run(store: &SqliteStore, name: &str, writes: &[HomeworkWrite], batch: usize) {
    let mut latencies: Vec<Duration> = Vec::new();
    let started = Instant::now();
    for chunk in writes.chunks(batch) {
        let t = Instant::now();
        store.apply_homework_writes(chunk).await.expect("apply");
        latencies.push(t.elapsed());
    }
    let total = started.elapsed();
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "{name:>14}: {} writes in {total:.2?} = {:.0} writes/s; batch latency p50 {:.1?}, p95 {:.1?}, max {:.1?}",
        writes.len(),
        writes.len() as f64 / total.as_secs_f64(),
        pick(0.5),
        pick(0.95),
        pick(1.0)
    );
}
