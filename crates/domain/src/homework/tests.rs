//! Tests of the homework engines, with small fixtures whose results can be worked out by hand.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::grading::Outcome;
use crate::items::{AnswerKey, Item, ItemType};

mod analysis;
mod compose;
mod followup;

/// An item with a stem of its own (so no two fixtures are stem duplicates by accident).
fn item(id: &str, item_type: ItemType, kps: &[&str], difficulty: Option<u8>, seconds: u32) -> Item {
    let answer = match item_type {
        ItemType::SingleChoice | ItemType::MultipleChoice => AnswerKey::Choices(vec!["A".to_owned()]),
        ItemType::TrueFalse => AnswerKey::TrueFalse(true),
        ItemType::FillBlank => AnswerKey::Blanks(vec![vec!["1".to_owned()]]),
        ItemType::ShortAnswer => AnswerKey::Reference("略".to_owned()),
    };
    Item {
        id: id.to_owned(),
        source: None,
        source_id: None,
        item_type,
        stem: format!("第 {id} 题的题干，计算并说明理由"),
        choices: Vec::new(),
        answer,
        analysis: String::new(),
        stage: None,
        grade: Some(5),
        subject: Some(Subject::Math),
        knowledge_points: kps.iter().map(|kp| (*kp).to_owned()).collect(),
        difficulty,
        seconds,
        points: None,
        tags: Vec::new(),
    }
}

/// A single-choice item of one knowledge point taking a minute.
fn choice(id: &str, kp: &str, difficulty: u8) -> Item {
    item(id, ItemType::SingleChoice, &[kp], Some(difficulty), 60)
}

fn refs(items: &[Item]) -> Vec<&Item> {
    items.iter().collect()
}

/// 2025-03-10 at `hour:minute` UTC (China time is eight hours later).
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, hour, minute, 0).unwrap()
}

fn homework(items: &[(&str, f32)]) -> Homework {
    Homework {
        id: "hw1".to_owned(),
        title: "分数练习".to_owned(),
        kind: HomeworkKind::Regular,
        follow_up_of: None,
        subject: Subject::Math,
        school_id: "sch".to_owned(),
        class_id: "c1".to_owned(),
        teacher_id: "t1".to_owned(),
        mode: Mode::Online,
        open_at: at(0, 0),
        due_at: at(14, 0),
        allow_late: true,
        items: items.iter().map(|(id, points)| HomeworkItem::new(*id, *points)).collect(),
        minutes: 20,
        instructions: String::new(),
        created_at: at(0, 0),
        released_at: None,
    }
}

/// A marked answer; `score` out of `max`.
fn marked(
    item_id: &str,
    response: Response,
    seconds: u32,
    when: DateTime<Utc>,
    outcome: Outcome,
    score: f32,
    max: f32,
) -> Answer {
    Answer {
        item_id: item_id.to_owned(),
        response,
        seconds,
        answered_at: when,
        mark: Some(Mark { score, max, outcome, marked_by: None, comment: None }),
    }
}

fn submission(student: &str, state: SubmissionState, answers: Vec<Answer>) -> Submission {
    let submitted = state == SubmissionState::Submitted;
    Submission {
        homework_id: "hw1".to_owned(),
        student_id: student.to_owned(),
        state,
        items: None,
        started_at: (state != SubmissionState::Assigned).then(|| at(11, 0)),
        submitted_at: submitted.then(|| at(13, 0)),
        late: false,
        position: 0,
        answers,
        comment: None,
    }
}

fn close(actual: f32, expected: f32) -> bool {
    (actual - expected).abs() < 1e-4
}

#[track_caller]
fn assert_close(actual: Option<f32>, expected: f32) {
    match actual {
        Some(value) if close(value, expected) => {}
        other => panic!("expected {expected}, got {other:?}"),
    }
}
