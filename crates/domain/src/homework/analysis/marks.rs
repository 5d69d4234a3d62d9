//! What one answer counts for in a report or a follow-up: points out of a maximum, or nothing yet
//! because a teacher still has to mark it.

use crate::grading::{Outcome, Response, normalize_blank};
use crate::homework::{Answer, Homework, HomeworkItem, Submission};

/// One item of one student's work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::homework) enum ItemResult<'a> {
    /// Marked (by the machine or a teacher), or never answered, which earns nothing.
    Scored { score: f32, max: f32, outcome: Outcome, answer: Option<&'a Answer> },
    /// Answered and waiting for a teacher: counts neither as right nor as wrong.
    Pending,
}

impl ItemResult<'_> {
    /// Whether the student lost points on the item (wrong, partly right, or left out).
    pub(in crate::homework) fn is_mistake(&self) -> bool {
        matches!(self, ItemResult::Scored { outcome: Outcome::Wrong | Outcome::Partial | Outcome::Unanswered, .. })
    }
}

/// The result of `item` in `submission`. The maximum is the homework's points for the item (what
/// [`Submission::score`] counts too), and a score is kept within 0 and that maximum so rates stay
/// between 0 and 1 even after a generous teacher override.
pub(in crate::homework) fn item_result<'a>(submission: &'a Submission, item: &HomeworkItem) -> ItemResult<'a> {
    let max = if item.points.is_finite() && item.points > 0.0 { item.points } else { 0.0 };
    let Some(answer) = submission.answer(&item.item_id) else {
        return ItemResult::Scored { score: 0.0, max, outcome: Outcome::Unanswered, answer: None };
    };
    match &answer.mark {
        Some(mark) if mark.outcome == Outcome::NeedsTeacher => ItemResult::Pending,
        Some(mark) => {
            let score = if mark.score.is_finite() { mark.score.clamp(0.0, max) } else { 0.0 };
            ItemResult::Scored { score, max, outcome: mark.outcome, answer: Some(answer) }
        }
        // Submitting grades every answer, so an unmarked one with content is still being marked.
        None if is_empty(&answer.response) => {
            ItemResult::Scored { score: 0.0, max, outcome: Outcome::Unanswered, answer: Some(answer) }
        }
        None => ItemResult::Pending,
    }
}

/// A submission's percentage over its marked items: an answer waiting for the teacher is left out
/// of both sides, so a student whose essay is not marked yet is not shown as failing it. `None`
/// when nothing is marked yet.
pub fn marked_percent(homework: &Homework, submission: &Submission) -> Option<f32> {
    let (mut score, mut max) = (0.0f32, 0.0f32);
    for item in submission.items(homework) {
        if let ItemResult::Scored { score: s, max: m, .. } = item_result(submission, item) {
            score += s;
            max += m;
        }
    }
    (max > 0.0).then(|| 100.0 * score / max)
}

/// Whether a response holds no answer at all (the row a teacher's mark adds for an item the
/// student left out).
pub(in crate::homework) fn is_empty(response: &Response) -> bool {
    match response {
        Response::Choices(values) | Response::Blanks(values) => values.iter().all(|v| normalize_blank(v).is_empty()),
        Response::TrueFalse(_) => false,
        Response::Text(text) => normalize_blank(text).is_empty(),
    }
}
