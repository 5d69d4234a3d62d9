//! Automatic grading of objective exercises: choices, true/false and fill-in-the-blank answers
//! compared with the answer key, with the leniency Chinese homework practice expects (full-width
//! input, `0.5` = `1/2` = `50%`, a forgotten unit, half credit for an incomplete multiple choice).
//! Open questions are left to the teacher. Pure rules: no I/O, no clock.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::items::{AnswerKey, Item, ItemType};

mod normalize;
mod number;
#[cfg(test)]
mod tests;
mod units;

pub use normalize::normalize_blank;

/// A student's answer, shaped like the answer key it is graded against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Response {
    /// The labels chosen (`["A", "C"]`; `["AC"]` and `["A,C"]` are read the same way).
    Choices(Vec<String>),
    TrueFalse(bool),
    /// One answer per blank, in order.
    Blanks(Vec<String>),
    /// Free text: the answer to an open question, or a single answer typed for any other type.
    Text(String),
}

/// How lenient automatic grading is. Each option can only turn a wrong answer into a right one
/// where the answers mean the same thing; none of them changes a correct answer into a wrong one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradingOptions {
    /// A blank's number may be written in any equal form: `0.5` = `1/2` = `50%` = `2/4`. Compared
    /// exactly, so `0.333` is not `1/3`.
    pub numeric_equivalence: bool,
    /// A unit on a number may be left out (`45本` or `45` for the key `45`), but a different unit
    /// is still wrong (`3m` for `3cm`).
    pub ignore_units: bool,
    /// 少选得一半，错选不得分: a multiple-choice answer with some of the right options and no wrong
    /// one earns half the points.
    pub partial_credit_multiple_choice: bool,
}

impl Default for GradingOptions {
    /// All on: the rules most Chinese teachers apply when marking by hand.
    fn default() -> Self {
        GradingOptions { numeric_equivalence: true, ignore_units: true, partial_credit_multiple_choice: true }
    }
}

/// The result of grading one response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    /// Points earned; always `0.0` when a teacher has to decide.
    pub score: f32,
    /// Points available.
    pub max: f32,
    pub outcome: Outcome,
    /// For fill-in-the-blank items, whether each blank of the key was answered correctly; empty for
    /// other types.
    pub per_blank: Vec<bool>,
}

/// What the grader concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Correct,
    /// Some credit: some blanks right, or an incomplete multiple choice.
    Partial,
    Wrong,
    /// Nothing was answered.
    Unanswered,
    /// The machine cannot grade this: an open question, a reference-only key, or a response it
    /// cannot read against the key.
    NeedsTeacher,
}

/// Grades `response` to `item`, worth `points` (negative or non-finite points count as zero).
/// Choices, true/false and blanks are graded automatically; short answers, and any response whose
/// shape does not fit the key, are left to the teacher ([`Outcome::NeedsTeacher`]).
pub fn grade(item: &Item, response: &Response, points: f32, options: &GradingOptions) -> Grade {
    let max = if points.is_finite() && points > 0.0 { points } else { 0.0 };
    let grader = Grader { max };
    if is_empty(response) {
        return grader.outcome(Outcome::Unanswered);
    }
    if item.item_type == ItemType::ShortAnswer {
        return grader.outcome(Outcome::NeedsTeacher);
    }
    match (&item.answer, response) {
        (AnswerKey::Choices(key), Response::Choices(chosen) | Response::Blanks(chosen)) => {
            grader.choices(item, key, chosen, options)
        }
        (AnswerKey::Choices(key), Response::Text(chosen)) => {
            grader.choices(item, key, std::slice::from_ref(chosen), options)
        }
        (AnswerKey::TrueFalse(key), Response::TrueFalse(answer)) => grader.true_false(*key, Some(*answer)),
        (AnswerKey::TrueFalse(key), Response::Text(text)) => grader.true_false(*key, read_true_false(text)),
        (AnswerKey::TrueFalse(key), Response::Blanks(blanks)) if blanks.len() == 1 => {
            grader.true_false(*key, read_true_false(&blanks[0]))
        }
        (AnswerKey::Blanks(key), Response::Blanks(answers)) => grader.blanks(key, answers, options),
        (AnswerKey::Blanks(key), Response::Text(answer)) if key.len() == 1 => {
            grader.blanks(key, std::slice::from_ref(answer), options)
        }
        _ => grader.outcome(Outcome::NeedsTeacher),
    }
}

/// Whether `answer` is one of the `accepted` answers of a blank under `options`. An answer that
/// normalises to nothing matches nothing.
pub fn blank_matches(accepted: &[String], answer: &str, options: &GradingOptions) -> bool {
    let answer = normalize_blank(answer);
    !answer.is_empty() && accepted.iter().any(|key| same_blank(&normalize_blank(key), &answer, options))
}

/// Compares two normalised answers.
fn same_blank(key: &str, answer: &str, options: &GradingOptions) -> bool {
    if key.is_empty() {
        return false;
    }
    if key == answer {
        return true;
    }
    let ((key_value, key_unit), (answer_value, answer_unit)) = if options.ignore_units {
        (units::split_unit(key), units::split_unit(answer))
    } else {
        ((key, None), (answer, None))
    };
    if let (Some(a), Some(b)) = (&key_unit, &answer_unit)
        && a != b
    {
        return false;
    }
    if key_value == answer_value {
        return true;
    }
    options.numeric_equivalence
        && matches!(
            (number::parse_number(key_value), number::parse_number(answer_value)),
            (Some(a), Some(b)) if a == b
        )
}

struct Grader {
    max: f32,
}

impl Grader {
    fn outcome(&self, outcome: Outcome) -> Grade {
        let score = if outcome == Outcome::Correct { self.max } else { 0.0 };
        Grade { score, max: self.max, outcome, per_blank: Vec::new() }
    }

    fn choices(&self, item: &Item, key: &[String], chosen: &[String], options: &GradingOptions) -> Grade {
        // Only the item's own labels: a key written `AC` means A and C, not a label `AC`.
        let known: BTreeSet<String> = item.choices.iter().map(|c| normalize_label(&c.label)).collect();
        let key = read_choices(key, &known);
        let chosen = read_choices(chosen, &known);
        if key.is_empty() {
            return self.outcome(Outcome::NeedsTeacher);
        }
        if chosen.is_empty() {
            return self.outcome(Outcome::Unanswered);
        }
        if chosen == key {
            return self.outcome(Outcome::Correct);
        }
        let partial_allowed = item.item_type == ItemType::MultipleChoice && options.partial_credit_multiple_choice;
        if partial_allowed && chosen.is_subset(&key) {
            return Grade { score: self.max / 2.0, max: self.max, outcome: Outcome::Partial, per_blank: Vec::new() };
        }
        self.outcome(Outcome::Wrong)
    }

    fn true_false(&self, key: bool, answer: Option<bool>) -> Grade {
        match answer {
            Some(answer) if answer == key => self.outcome(Outcome::Correct),
            Some(_) => self.outcome(Outcome::Wrong),
            None => self.outcome(Outcome::NeedsTeacher),
        }
    }

    fn blanks(&self, key: &[Vec<String>], answers: &[String], options: &GradingOptions) -> Grade {
        if key.is_empty() {
            return self.outcome(Outcome::NeedsTeacher);
        }
        let per_blank: Vec<bool> = key
            .iter()
            .enumerate()
            .map(|(i, accepted)| answers.get(i).is_some_and(|answer| blank_matches(accepted, answer, options)))
            .collect();
        let right = per_blank.iter().filter(|&&ok| ok).count();
        // Counts of blanks are tiny, so the conversions are exact.
        let score = self.max * right as f32 / per_blank.len() as f32;
        let outcome = match right {
            0 => Outcome::Wrong,
            n if n == per_blank.len() => Outcome::Correct,
            _ => Outcome::Partial,
        };
        Grade { score, max: self.max, outcome, per_blank }
    }
}

/// Whether the student gave no answer at all.
fn is_empty(response: &Response) -> bool {
    match response {
        Response::Choices(values) | Response::Blanks(values) => {
            values.iter().all(|value| normalize_blank(value).is_empty())
        }
        Response::TrueFalse(_) => false,
        Response::Text(text) => normalize_blank(text).is_empty(),
    }
}

/// `ａ ` → `A`.
fn normalize_label(label: &str) -> String {
    label.nfkc().collect::<String>().trim().to_uppercase()
}

/// The set of labels in a choice answer: each entry is a known label, or a run of letters
/// (`AC`), or a list (`A,C`, `A、C`, `A C`). Unknown labels are kept, so choosing them is wrong.
fn read_choices(entries: &[String], known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut labels = BTreeSet::new();
    for entry in entries {
        let entry = normalize_label(entry);
        if entry.is_empty() {
            continue;
        }
        if known.contains(&entry) {
            labels.insert(entry);
            continue;
        }
        for piece in entry.split(|c: char| matches!(c, ',' | '、' | ';' | '/' | '|') || c.is_whitespace()) {
            if piece.is_empty() {
                continue;
            }
            if known.contains(piece) || !piece.chars().all(|c| c.is_ascii_uppercase()) {
                labels.insert(piece.to_owned());
            } else {
                labels.extend(piece.chars().map(String::from));
            }
        }
    }
    labels
}

/// Reads `对`/`√`/`T`/`正确` and `错`/`×`/`F`/`错误` and their usual variants.
fn read_true_false(text: &str) -> Option<bool> {
    match normalize_blank(text).as_str() {
        "对" | "√" | "✓" | "✔" | "t" | "true" | "正确" | "是" | "yes" | "y" => Some(true),
        "错" | "×" | "✗" | "✘" | "x" | "f" | "false" | "错误" | "否" | "不对" | "no" | "n" => Some(false),
        _ => None,
    }
}
