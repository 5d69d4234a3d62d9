//! What makes a homework or an answer acceptable. Each problem names the field it is about, so the
//! form and the API can point at it.

use std::collections::HashSet;

use serde::Serialize;

use super::{Homework, HomeworkItem, MAX_ANSWER_CHARS, MAX_ITEMS};
use crate::grading::Response;

/// Something wrong with a homework about to be assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum SpecProblem {
    #[error("title: a homework needs a title")]
    NoTitle,
    #[error("items: a homework needs at least one item")]
    NoItems,
    #[error("items: at most {max} items, not {count}")]
    TooManyItems { count: usize, max: usize },
    #[error("items: item {item_id} appears twice")]
    DuplicateItem { item_id: String },
    #[error("items: item {item_id} must be worth more than 0 points and at most 100")]
    BadPoints { item_id: String },
    /// `index` is the item's place in the list (0-based), as in the field `items[2].rubric`.
    #[error("items[{index}].rubric: the scoring points add up to {sum}, not the item's {points} points")]
    RubricSum { index: usize, sum: String, points: String },
    #[error("items[{index}].rubric: scoring point {point} needs a text of at most {max} characters")]
    BadRubricText { index: usize, point: usize, max: usize },
    #[error("items[{index}].rubric: scoring point {point} must be worth more than 0 points")]
    BadRubricPoints { index: usize, point: usize },
    #[error("items[{index}].rubric: at most {max} scoring points, not {count}")]
    TooManyRubricPoints { index: usize, count: usize, max: usize },
    #[error("due_at: the due time must be after the open time")]
    DueBeforeOpen,
    #[error("minutes: the estimate must be between 1 and 600 minutes")]
    BadMinutes,
}

impl SpecProblem {
    /// The form field the problem is about (`items[2].rubric` for one item's rubric).
    pub fn field(&self) -> String {
        match self {
            SpecProblem::NoTitle => "title".into(),
            SpecProblem::NoItems
            | SpecProblem::TooManyItems { .. }
            | SpecProblem::DuplicateItem { .. }
            | SpecProblem::BadPoints { .. } => "items".into(),
            SpecProblem::RubricSum { index, .. }
            | SpecProblem::BadRubricText { index, .. }
            | SpecProblem::BadRubricPoints { index, .. }
            | SpecProblem::TooManyRubricPoints { index, .. } => format!("items[{index}].rubric"),
            SpecProblem::DueBeforeOpen => "due_at".into(),
            SpecProblem::BadMinutes => "minutes".into(),
        }
    }
}

/// Checks a homework before it is stored; every problem is reported, not only the first.
pub fn validate_spec(homework: &Homework) -> Result<(), Vec<SpecProblem>> {
    // Item problems first: the first problem names the field a client points at, and a minutes
    // estimate of 0 is usually only the consequence of having no items.
    let mut problems = item_problems(&homework.items);
    if homework.title.trim().is_empty() {
        problems.push(SpecProblem::NoTitle);
    }
    if homework.due_at <= homework.open_at {
        problems.push(SpecProblem::DueBeforeOpen);
    }
    if homework.minutes == 0 || homework.minutes > 600 {
        problems.push(SpecProblem::BadMinutes);
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Problems with an item list (the homework's or one student's own).
pub(crate) fn item_problems(items: &[HomeworkItem]) -> Vec<SpecProblem> {
    let mut problems = Vec::new();
    if items.is_empty() {
        problems.push(SpecProblem::NoItems);
    }
    if items.len() > MAX_ITEMS {
        problems.push(SpecProblem::TooManyItems { count: items.len(), max: MAX_ITEMS });
    }
    let mut seen = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        if !seen.insert(item.item_id.as_str()) {
            problems.push(SpecProblem::DuplicateItem { item_id: item.item_id.clone() });
        }
        if !(item.points > 0.0 && item.points <= 100.0) {
            problems.push(SpecProblem::BadPoints { item_id: item.item_id.clone() });
        } else {
            problems.extend(super::rubric::rubric_problems(index, item));
        }
    }
    problems
}

/// Why an answer is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum AnswerProblem {
    #[error("item_id: item {item_id} is not part of this homework")]
    NotInHomework { item_id: String },
    #[error("response: the answer is {chars} characters long; at most {max} are accepted")]
    TooLong { chars: usize, max: usize },
    #[error("the homework is not open yet")]
    NotOpen,
    #[error("the homework was due and late work is not accepted")]
    PastDue,
    #[error("the homework has already been submitted")]
    AlreadySubmitted,
    #[error("seconds: time spent on one item cannot exceed a day")]
    BadSeconds,
}

/// Checks one answer against the items the student was given.
pub fn check_answer(
    items: &[HomeworkItem],
    item_id: &str,
    response: &Response,
    seconds: u32,
) -> Result<(), AnswerProblem> {
    if !items.iter().any(|i| i.item_id == item_id) {
        return Err(AnswerProblem::NotInHomework { item_id: item_id.to_owned() });
    }
    let chars = response_chars(response);
    if chars > MAX_ANSWER_CHARS {
        return Err(AnswerProblem::TooLong { chars, max: MAX_ANSWER_CHARS });
    }
    if seconds > 24 * 3600 {
        return Err(AnswerProblem::BadSeconds);
    }
    Ok(())
}

/// Characters of text in a response.
fn response_chars(response: &Response) -> usize {
    match response {
        Response::Choices(list) | Response::Blanks(list) => list.iter().map(|s| s.chars().count()).sum(),
        Response::TrueFalse(_) => 1,
        Response::Text(text) => text.chars().count(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::{
        Subject,
        homework::{HomeworkKind, Mode},
    };

    fn homework(items: Vec<HomeworkItem>, minutes: u32, due_in_hours: i64) -> Homework {
        let open = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).single().expect("valid time");
        Homework {
            id: "hw".into(),
            title: "练习".into(),
            kind: HomeworkKind::Regular,
            follow_up_of: None,
            subject: Subject::Math,
            school_id: "s".into(),
            class_id: "c".into(),
            teacher_id: "t".into(),
            mode: Mode::Online,
            open_at: open,
            due_at: open + Duration::hours(due_in_hours),
            allow_late: false,
            items,
            minutes,
            instructions: String::new(),
            created_at: open,
            released_at: None,
        }
    }

    #[test]
    fn every_problem_is_reported_items_first() {
        let problems = validate_spec(&homework(Vec::new(), 0, -1)).expect_err("refused");
        assert_eq!(problems, [SpecProblem::NoItems, SpecProblem::DueBeforeOpen, SpecProblem::BadMinutes]);
        assert_eq!(problems[0].field(), "items");
    }

    #[test]
    fn repeated_items_and_bad_points_are_named() {
        let item = |id: &str, points| HomeworkItem::new(id, points);
        let problems =
            validate_spec(&homework(vec![item("a", 2.0), item("a", 2.0), item("b", 0.0)], 10, 2)).expect_err("refused");
        assert_eq!(
            problems,
            [SpecProblem::DuplicateItem { item_id: "a".into() }, SpecProblem::BadPoints { item_id: "b".into() }]
        );
        assert!(validate_spec(&homework(vec![item("a", 2.0)], 10, 2)).is_ok());
    }

    #[test]
    fn a_rubric_problem_names_the_item_by_its_place() {
        let mut second = HomeworkItem::new("b", 4.0);
        second.rubric = vec![super::super::RubricPoint { text: "列式".into(), points: 3.0 }];
        let problems = validate_spec(&homework(vec![HomeworkItem::new("a", 2.0), second], 10, 2)).expect_err("refused");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field(), "items[1].rubric");
    }
}
