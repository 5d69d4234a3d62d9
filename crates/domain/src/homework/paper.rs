//! Paper homework (纸质作答): how each item is printed on an answer sheet, which student a sheet
//! belongs to, and how what was read from a scanned sheet becomes graded answers. The sheet's
//! geometry and the reading itself are the `omr` crate's; this module only decides what to print
//! and what a reading means for grading.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Answer, HomeworkItem, Mark};
use crate::{
    grading::{self, Outcome, Response},
    items::{AnswerKey, Item, ItemType},
};

/// Fewest digit columns printed for a numeric fill-in: a short answer must not tell its length.
pub const MIN_NUMERIC_DIGITS: u8 = 3;
/// Most digit columns a numeric fill-in gets; longer numbers are written in a box instead.
pub const MAX_NUMERIC_DIGITS: u8 = 6;

/// How one homework item is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaperItem {
    /// Bubbles A, B, …; `multiple` allows several marks.
    Choice { options: u8, multiple: bool },
    /// Bubbles √ and ×.
    TrueFalse,
    /// A fill-in whose answer is a whole number: one column of 0–9 bubbles per digit.
    Numeric { digits: u8 },
    /// A framed box the student writes in; the teacher marks the cut-out image.
    Written { height_mm: u16 },
}

impl PaperItem {
    /// How `item` is printed; an item missing from the bank gets a box for the teacher to mark.
    pub fn of(item: Option<&Item>) -> PaperItem {
        let Some(item) = item else { return PaperItem::Written { height_mm: 40 } };
        match item.item_type {
            ItemType::SingleChoice | ItemType::MultipleChoice if (2..=8).contains(&item.choices.len()) => {
                PaperItem::Choice {
                    options: item.choices.len() as u8,
                    multiple: item.item_type == ItemType::MultipleChoice,
                }
            }
            ItemType::TrueFalse => PaperItem::TrueFalse,
            ItemType::FillBlank => match whole_number_answer(&item.answer) {
                Some(len) => PaperItem::Numeric { digits: len.max(MIN_NUMERIC_DIGITS) },
                None => PaperItem::Written { height_mm: 30 },
            },
            _ => PaperItem::Written { height_mm: 60 },
        }
    }

    /// Whether the machine reads this item's marks (the rest is marked by the teacher).
    pub fn is_bubbled(self) -> bool {
        !matches!(self, PaperItem::Written { .. })
    }
}

/// The length of a one-blank key whose accepted answers include a whole number of at most
/// [`MAX_NUMERIC_DIGITS`] digits.
fn whole_number_answer(key: &AnswerKey) -> Option<u8> {
    let AnswerKey::Blanks(blanks) = key else { return None };
    let [accepted] = blanks.as_slice() else { return None };
    accepted
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty() && a.len() <= MAX_NUMERIC_DIGITS as usize && a.bytes().all(|b| b.is_ascii_digit()))
        .map(|a| a.len() as u8)
        .min()
}

/// What was read for one item, or what the teacher decided for it in review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PaperAnswer {
    /// Nothing marked.
    Blank,
    /// The marked values in printed order ("B", "AC", "T", "42").
    Marked(String),
    /// Some mark could not be decided: a teacher must say what it is.
    Ambiguous,
    /// A written answer, cut out of the sheet for the teacher to mark.
    Written,
}

/// One digit column of a numeric fill-in as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digit {
    Blank,
    Value(u8),
    /// Two marks or an undecided one.
    Unclear,
}

/// The number a row of digit columns holds. Students may start in any column, so blank columns
/// before and after the digits are fine; a blank between digits, or any unclear column, is for the
/// teacher to read.
pub fn numeric_answer(columns: &[Digit]) -> PaperAnswer {
    if columns.contains(&Digit::Unclear) {
        return PaperAnswer::Ambiguous;
    }
    let first = columns.iter().position(|d| *d != Digit::Blank);
    let last = columns.iter().rposition(|d| *d != Digit::Blank);
    let (Some(first), Some(last)) = (first, last) else { return PaperAnswer::Blank };
    let mut value = String::new();
    for d in &columns[first..=last] {
        match d {
            Digit::Value(v) => value.push(char::from(b'0' + v % 10)),
            _ => return PaperAnswer::Ambiguous,
        }
    }
    PaperAnswer::Marked(value)
}

/// Why a sheet cannot be graded yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetProblem {
    #[error("item {number}: the mark is not decided yet")]
    Undecided { number: usize },
    #[error("the sheet has {found} answers for {expected} items")]
    WrongCount { expected: usize, found: usize },
    #[error("item {number}: `{value}` is not a mark this item has")]
    NotAnOption { number: usize, value: String },
}

/// The response a paper answer stands for; `None` for a blank.
fn response(paper: PaperItem, value: &str) -> Response {
    match paper {
        PaperItem::Choice { .. } => Response::Choices(value.chars().map(String::from).collect()),
        PaperItem::TrueFalse => Response::TrueFalse(value == "T"),
        PaperItem::Numeric { .. } => Response::Blanks(vec![value.to_owned()]),
        PaperItem::Written { .. } => Response::Text(String::new()),
    }
}

/// Whether `value` is something the student could have marked on this item.
fn is_option(paper: PaperItem, value: &str) -> bool {
    match paper {
        PaperItem::Choice { options, .. } => {
            !value.is_empty() && value.chars().all(|c| ('A'..(char::from(b'A' + options))).contains(&c))
        }
        PaperItem::TrueFalse => matches!(value, "T" | "F" | "TF"),
        PaperItem::Numeric { digits } => {
            !value.is_empty() && value.len() <= digits as usize && value.bytes().all(|b| b.is_ascii_digit())
        }
        PaperItem::Written { .. } => false,
    }
}

/// Checks a value a teacher typed or chose in review for one item (1-based `number`).
pub fn check_decision(paper: PaperItem, number: usize, answer: &PaperAnswer) -> Result<(), SheetProblem> {
    match answer {
        PaperAnswer::Marked(v) if !is_option(paper, v) => Err(SheetProblem::NotAnOption { number, value: v.clone() }),
        PaperAnswer::Ambiguous => Err(SheetProblem::Undecided { number }),
        _ => Ok(()),
    }
}

/// Grades one student's sheet: `answers[i]` is what was read for `items[i]` (the homework's items
/// with their bank records). Blank items get no answer (they earn nothing and need no teacher);
/// written answers wait for the teacher; the rest are graded as online answers are. A single-answer
/// item with two marks is graded as written: wrong. Nothing undecided may be left.
pub fn grade_sheet(
    items: &[(HomeworkItem, Option<&Item>)],
    answers: &[PaperAnswer],
    at: DateTime<Utc>,
) -> Result<Vec<Answer>, SheetProblem> {
    if items.len() != answers.len() {
        return Err(SheetProblem::WrongCount { expected: items.len(), found: answers.len() });
    }
    let mut graded = Vec::new();
    for (n, ((hi, bank), answer)) in items.iter().zip(answers).enumerate() {
        let paper = PaperItem::of(*bank);
        check_decision(paper, n + 1, answer)?;
        let (response, mark) = match (answer, paper) {
            (PaperAnswer::Blank, PaperItem::Written { .. }) | (PaperAnswer::Written, _) => {
                (Response::Text(String::new()), teacher_mark(hi.points, Outcome::NeedsTeacher))
            }
            (PaperAnswer::Blank, _) => continue,
            (PaperAnswer::Marked(v), PaperItem::TrueFalse) if v.len() > 1 => {
                (Response::Choices(vec!["T".into(), "F".into()]), teacher_mark(hi.points, Outcome::Wrong))
            }
            (PaperAnswer::Marked(v), _) => {
                let response = response(paper, v);
                let mark = match bank {
                    Some(item) => {
                        let g = grading::grade(item, &response, hi.points, &hi.grading);
                        Mark { score: g.score, max: g.max, outcome: g.outcome, marked_by: None, comment: None }
                    }
                    None => teacher_mark(hi.points, Outcome::NeedsTeacher),
                };
                (response, mark)
            }
            (PaperAnswer::Ambiguous, _) => return Err(SheetProblem::Undecided { number: n + 1 }),
        };
        graded.push(Answer { item_id: hi.item_id.clone(), response, seconds: 0, answered_at: at, mark: Some(mark) });
    }
    Ok(graded)
}

fn teacher_mark(points: f32, outcome: Outcome) -> Mark {
    Mark { score: 0.0, max: points.max(0.0), outcome, marked_by: None, comment: None }
}

/// Seat numbers (班内序号) for a class print run: the students in order of their school number
/// (then id), numbered from 1 and zero-padded to [`seat_digits`]. The number is printed on each
/// student's sheet, carried in its QR code and bubbled in its number grid, so a sheet whose QR
/// code is unreadable is still matched — by the same table, which depends only on the students.
pub fn seats(students: &[(String, String)]) -> BTreeMap<String, String> {
    let mut sorted: Vec<&(String, String)> = students.iter().collect();
    sorted.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    let width = seat_digits(students.len()) as usize;
    sorted.iter().enumerate().map(|(i, (id, _))| (format!("{:0width$}", i + 1), id.clone())).collect()
}

/// Digits of the seat-number grid for `students` students (at least two).
pub fn seat_digits(students: usize) -> u8 {
    (students.max(1).to_string().len() as u8).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::Choice;

    fn item(id: &str, item_type: ItemType, answer: AnswerKey, options: usize) -> Item {
        Item {
            id: id.into(),
            source: None,
            source_id: None,
            item_type,
            stem: "题".into(),
            choices: (0..options)
                .map(|i| Choice { label: char::from(b'A' + i as u8).to_string(), content: "x".into() })
                .collect(),
            answer,
            analysis: String::new(),
            stage: None,
            grade: None,
            subject: None,
            knowledge_points: Vec::new(),
            difficulty: None,
            seconds: 60,
            points: None,
            tags: Vec::new(),
        }
    }

    fn hi(id: &str, points: f32) -> HomeworkItem {
        HomeworkItem::new(id, points)
    }

    #[test]
    fn items_are_printed_by_type() {
        let single = item("a", ItemType::SingleChoice, AnswerKey::Choices(vec!["B".into()]), 4);
        let multiple = item("b", ItemType::MultipleChoice, AnswerKey::Choices(vec!["A".into(), "C".into()]), 5);
        let tf = item("c", ItemType::TrueFalse, AnswerKey::TrueFalse(true), 0);
        let number = item("d", ItemType::FillBlank, AnswerKey::Blanks(vec![vec!["42".into(), "四十二".into()]]), 0);
        let long = item("e", ItemType::FillBlank, AnswerKey::Blanks(vec![vec!["1234".into()]]), 0);
        let words = item("f", ItemType::FillBlank, AnswerKey::Blanks(vec![vec!["白日".into()]]), 0);
        let two = item("g", ItemType::FillBlank, AnswerKey::Blanks(vec![vec!["1".into()], vec!["2".into()]]), 0);
        let open = item("h", ItemType::ShortAnswer, AnswerKey::Reference("…".into()), 0);
        let eleven = item("i", ItemType::SingleChoice, AnswerKey::Choices(vec!["A".into()]), 11);
        assert_eq!(PaperItem::of(Some(&single)), PaperItem::Choice { options: 4, multiple: false });
        assert_eq!(PaperItem::of(Some(&multiple)), PaperItem::Choice { options: 5, multiple: true });
        assert_eq!(PaperItem::of(Some(&tf)), PaperItem::TrueFalse);
        assert_eq!(PaperItem::of(Some(&number)), PaperItem::Numeric { digits: 3 }, "never shorter than three");
        assert_eq!(PaperItem::of(Some(&long)), PaperItem::Numeric { digits: 4 });
        assert_eq!(PaperItem::of(Some(&words)), PaperItem::Written { height_mm: 30 });
        assert_eq!(PaperItem::of(Some(&two)), PaperItem::Written { height_mm: 30 });
        assert_eq!(PaperItem::of(Some(&open)), PaperItem::Written { height_mm: 60 });
        assert_eq!(PaperItem::of(Some(&eleven)), PaperItem::Written { height_mm: 60 });
        assert_eq!(PaperItem::of(None), PaperItem::Written { height_mm: 40 });
    }

    #[test]
    fn digit_columns_make_a_number_or_go_to_review() {
        use Digit::*;
        assert_eq!(numeric_answer(&[Blank, Value(4), Value(2)]), PaperAnswer::Marked("42".into()));
        assert_eq!(numeric_answer(&[Value(4), Value(2), Blank]), PaperAnswer::Marked("42".into()));
        assert_eq!(numeric_answer(&[Value(0), Value(7), Blank]), PaperAnswer::Marked("07".into()));
        assert_eq!(numeric_answer(&[Blank, Blank, Blank]), PaperAnswer::Blank);
        assert_eq!(numeric_answer(&[Value(4), Blank, Value(2)]), PaperAnswer::Ambiguous);
        assert_eq!(numeric_answer(&[Value(4), Unclear, Blank]), PaperAnswer::Ambiguous);
    }

    #[test]
    fn a_sheet_is_graded_like_online_answers() {
        let single = item("a", ItemType::SingleChoice, AnswerKey::Choices(vec!["B".into()]), 4);
        let multiple = item("b", ItemType::MultipleChoice, AnswerKey::Choices(vec!["A".into(), "C".into()]), 4);
        let tf = item("c", ItemType::TrueFalse, AnswerKey::TrueFalse(false), 0);
        let number = item("d", ItemType::FillBlank, AnswerKey::Blanks(vec![vec!["42".into()]]), 0);
        let open = item("e", ItemType::ShortAnswer, AnswerKey::Reference("…".into()), 0);
        let items = vec![
            (hi("a", 2.0), Some(&single)),
            (hi("b", 4.0), Some(&multiple)),
            (hi("c", 1.0), Some(&tf)),
            (hi("d", 3.0), Some(&number)),
            (hi("e", 5.0), Some(&open)),
            (hi("a2", 2.0), Some(&single)),
            (hi("c2", 1.0), Some(&tf)),
        ];
        let answers = vec![
            PaperAnswer::Marked("B".into()),
            PaperAnswer::Marked("A".into()),
            PaperAnswer::Marked("F".into()),
            PaperAnswer::Marked("042".into()),
            PaperAnswer::Written,
            PaperAnswer::Blank,
            PaperAnswer::Marked("TF".into()),
        ];
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let graded = grade_sheet(&items, &answers, at).unwrap();
        let outcome = |id: &str| graded.iter().find(|a| a.item_id == id).and_then(|a| a.mark.clone()).unwrap();
        assert_eq!(outcome("a").outcome, Outcome::Correct);
        assert_eq!(outcome("b").outcome, Outcome::Partial, "少选得一半");
        assert_eq!(outcome("b").score, 2.0);
        assert_eq!(outcome("c").outcome, Outcome::Correct);
        assert_eq!(outcome("d").outcome, Outcome::Correct, "042 is 42");
        assert_eq!(outcome("e").outcome, Outcome::NeedsTeacher);
        assert!(graded.iter().all(|a| a.item_id != "a2"), "a blank item has no answer");
        assert_eq!(outcome("c2").outcome, Outcome::Wrong, "both √ and × marked");

        let mut undecided = answers.clone();
        undecided[1] = PaperAnswer::Ambiguous;
        assert_eq!(grade_sheet(&items, &undecided, at), Err(SheetProblem::Undecided { number: 2 }));
        let mut impossible = answers.clone();
        impossible[0] = PaperAnswer::Marked("E".into());
        assert!(matches!(grade_sheet(&items, &impossible, at), Err(SheetProblem::NotAnOption { number: 1, .. })));
        assert!(matches!(grade_sheet(&items, &answers[..2], at), Err(SheetProblem::WrongCount { .. })));
    }

    #[test]
    fn a_sheet_is_graded_with_each_items_own_options() {
        let multiple = item("b", ItemType::MultipleChoice, AnswerKey::Choices(vec!["A".into(), "C".into()]), 4);
        let number = item("d", ItemType::FillBlank, AnswerKey::Blanks(vec![vec!["42".into()]]), 0);
        let strict = |id: &str, points: f32| {
            let mut hi = hi(id, points);
            hi.grading.partial_credit_multiple_choice = false;
            hi.grading.numeric_equivalence = false;
            hi
        };
        let items = vec![
            (hi("b", 4.0), Some(&multiple)),
            (strict("b2", 4.0), Some(&multiple)),
            (hi("d", 3.0), Some(&number)),
            (strict("d2", 3.0), Some(&number)),
        ];
        let answers = ["A", "A", "042", "042"].map(|v| PaperAnswer::Marked(v.into()));
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let graded = grade_sheet(&items, &answers, at).unwrap();
        let score = |id: &str| graded.iter().find(|a| a.item_id == id).and_then(|a| a.mark.as_ref()).unwrap().score;
        assert_eq!((score("b"), score("b2")), (2.0, 0.0), "少选得一半 only where the item allows it");
        assert_eq!((score("d"), score("d2")), (3.0, 0.0), "042 is 42 only with numeric equivalence");
    }

    #[test]
    fn seats_follow_school_numbers_and_are_padded() {
        let students: Vec<(String, String)> = [("s-b", "G002"), ("s-a", "G003"), ("s-c", "G001")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let seats = seats(&students);
        assert_eq!(seats.get("01").map(String::as_str), Some("s-c"));
        assert_eq!(seats.get("03").map(String::as_str), Some("s-a"));
        assert_eq!(seat_digits(9), 2);
        assert_eq!(seat_digits(120), 3);
    }
}
