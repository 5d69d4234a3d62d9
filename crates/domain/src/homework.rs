//! Homework (四阶作业): a set of bank items assigned to a class (or some of its students) with an
//! open and a due time, answered online or on paper, graded, analysed and followed up per student.
//! Pure values and rules; the store persists them, the web layer serves them.
//!
//! One [`Homework`] is one class's assignment. Assigning the same set to three classes makes three
//! homework records with the same items, so every class has its own analysis, release and marking.
//! A targeted follow-up (靶向作业) is one homework whose students each get their own items
//! ([`Submission::items`]).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    Subject,
    grading::{GradingOptions, Response},
    org::coded_enum,
};

pub mod analysis;
pub mod compose;
pub mod followup;
pub mod paper;
pub mod rubric;
mod validate;

pub use rubric::RubricPoint;
pub use validate::{AnswerProblem, SpecProblem, check_answer, validate_spec};

/// Most items one homework may hold: more is a paper, not homework.
pub const MAX_ITEMS: usize = 100;
/// Longest answer text accepted for one item (characters); an essay fits, a pasted book does not.
pub const MAX_ANSWER_CHARS: usize = 5_000;
/// Longest teacher comment (characters).
pub const MAX_COMMENT_CHARS: usize = 1_000;

coded_enum!(
    /// How students answer.
    Mode, "homework mode" {
        Online => "online", "在线作答", "Online";
        Paper => "paper", "纸质作答", "On paper";
    }
);

coded_enum!(
    /// Where one student's work on one homework stands.
    SubmissionState, "submission state" {
        Assigned => "assigned", "未开始", "Not started";
        Started => "started", "作答中", "In progress";
        Submitted => "submitted", "已提交", "Submitted";
    }
);

coded_enum!(
    /// Why a homework was assigned.
    HomeworkKind, "homework kind" {
        Regular => "regular", "常规作业", "Regular";
        FollowUp => "follow_up", "靶向作业", "Targeted follow-up";
    }
);

/// One item of a homework, what it is worth, and how it is graded. Stored as JSON with the
/// homework, so the fields added later default to the behaviour before them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeworkItem {
    pub item_id: String,
    pub points: f32,
    /// The scoring points (评分要点) a teacher marks by; empty when the teacher just types a score
    /// (and always for items the machine grades unless the teacher wrote one).
    #[serde(default)]
    pub rubric: Vec<RubricPoint>,
    /// How leniently the machine grades this item's answers (fill-in and multiple choice).
    #[serde(default)]
    pub grading: GradingOptions,
}

impl HomeworkItem {
    /// An item worth `points` with no rubric and the default grading.
    pub fn new(item_id: impl Into<String>, points: f32) -> HomeworkItem {
        HomeworkItem { item_id: item_id.into(), points, rubric: Vec::new(), grading: GradingOptions::default() }
    }
}

/// One class's homework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Homework {
    pub id: String,
    pub title: String,
    pub kind: HomeworkKind,
    /// The homework this one follows up, for a targeted follow-up.
    pub follow_up_of: Option<String>,
    pub subject: Subject,
    pub school_id: String,
    pub class_id: String,
    /// The teacher (roster person id) who assigned it.
    pub teacher_id: String,
    pub mode: Mode,
    pub open_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// Whether answers may still be submitted after `due_at` (marked late).
    pub allow_late: bool,
    /// The items every student answers, unless their submission lists its own.
    pub items: Vec<HomeworkItem>,
    /// The teacher's estimate of the time it takes, in minutes: what the workload guard counts.
    pub minutes: u32,
    pub instructions: String,
    pub created_at: DateTime<Utc>,
    /// When results were released to students and guardians; `None` until then.
    pub released_at: Option<DateTime<Utc>>,
}

impl Homework {
    /// Whether students may open and answer it at `now` (a submission after the due time is only
    /// accepted when late work is allowed).
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now >= self.open_at && (now <= self.due_at || self.allow_late)
    }

    /// The day (China Standard Time) the homework counts against in the workload guard: the day it
    /// is due, which is the evening students do it.
    pub fn workload_date(&self) -> NaiveDate {
        local_date(self.due_at)
    }
}

/// One student's answer to one item, with its grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub item_id: String,
    pub response: Response,
    /// Seconds the student spent on the item (summed over visits).
    pub seconds: u32,
    pub answered_at: DateTime<Utc>,
    /// Filled in when the submission is graded: by the machine for objective items, by the
    /// teacher for the rest (and for any the teacher overrides).
    pub mark: Option<Mark>,
}

/// The grade of one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub score: f32,
    pub max: f32,
    pub outcome: crate::grading::Outcome,
    /// The teacher who marked it; `None` when the machine did.
    pub marked_by: Option<String>,
    pub comment: Option<String>,
}

/// One student's work on one homework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub homework_id: String,
    pub student_id: String,
    pub state: SubmissionState,
    /// This student's own items (a targeted follow-up); `None` means the homework's items.
    pub items: Option<Vec<HomeworkItem>>,
    pub started_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    /// The item the student was on when they last saved, so a reopened page resumes there.
    pub position: u32,
    pub answers: Vec<Answer>,
    /// A comment on the whole homework from the teacher.
    pub comment: Option<String>,
}

impl Submission {
    /// The items this student answers.
    pub fn items<'a>(&'a self, homework: &'a Homework) -> &'a [HomeworkItem] {
        self.items.as_deref().unwrap_or(&homework.items)
    }

    /// The answer to an item, if there is one.
    pub fn answer(&self, item_id: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.item_id == item_id)
    }

    /// Total seconds spent.
    pub fn seconds(&self) -> u32 {
        self.answers.iter().map(|a| a.seconds).sum()
    }

    /// Score and maximum over the marked answers, and whether every item has a mark.
    pub fn score(&self, homework: &Homework) -> Score {
        let items = self.items(homework);
        let mut score = Score { points: 0.0, max: items.iter().map(|i| i.points).sum(), complete: true };
        for item in items {
            match self.answer(&item.item_id).and_then(|a| a.mark.as_ref()) {
                Some(mark) if mark.outcome != crate::grading::Outcome::NeedsTeacher => score.points += mark.score,
                Some(_) => score.complete = false,
                // An item never answered earns nothing; it needs no teacher.
                None => {}
            }
        }
        score
    }
}

/// A submission's total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub points: f32,
    pub max: f32,
    /// False while some answer waits for the teacher.
    pub complete: bool,
}

impl Score {
    /// Points as a percentage of the maximum (0 when there is nothing to score).
    pub fn percent(&self) -> f32 {
        if self.max > 0.0 { 100.0 * self.points / self.max } else { 0.0 }
    }
}

/// China Standard Time (UTC+8, no daylight saving), in which school days are counted.
pub const CHINA_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The calendar date of an instant in China Standard Time.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&CHINA_TIME).date_naive()
}

#[cfg(test)]
mod tests;
