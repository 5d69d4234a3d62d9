//! Homework: assigned sets, students' submissions and answers, marks and release.
//!
//! Students' writes (autosaves, submissions) and teachers' marks go through
//! [`HomeworkStore::apply_homework_writes`], which applies many at once in one transaction: the
//! web layer collects the writes of many concurrent requests into one commit (group commit), so a
//! busy evening costs one disk flush per batch instead of one per answer, and a write is only
//! acknowledged once its batch is durable.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    ActivityRecord, Subject,
    grading::Outcome,
    homework::{Answer, Homework, HomeworkItem, HomeworkKind, Mark, Submission, SubmissionState},
};
use serde::Serialize;

use crate::Result;

/// A student a homework is assigned to, with their own items for a targeted follow-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignee {
    pub student_id: String,
    /// `None`: the homework's items.
    pub items: Option<Vec<HomeworkItem>>,
}

/// Which homework a list shows. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HomeworkFilter {
    pub class_ids: Vec<String>,
    pub teacher_id: Option<String>,
    pub school_id: Option<String>,
    pub subject: Option<Subject>,
    pub kind: Option<HomeworkKind>,
    /// Due at or after.
    pub due_from: Option<DateTime<Utc>>,
    /// Due before.
    pub due_to: Option<DateTime<Utc>>,
    pub limit: u32,
}

/// One line of a homework list, with how far the class has got.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HomeworkSummary {
    pub homework: Homework,
    pub class_name: String,
    pub students: u32,
    pub started: u32,
    pub submitted: u32,
    pub late: u32,
    /// Submissions with at least one answer waiting for the teacher.
    pub to_mark: u32,
    /// Mean percentage over submitted work, when there is any.
    pub mean_percent: Option<f32>,
}

/// One homework as a student (or their guardian) sees it in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudentHomework {
    pub homework: Homework,
    pub state: SubmissionState,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    /// Points and maximum, once submitted.
    pub score: Option<f32>,
    pub max: f32,
    /// Answers waiting for the teacher.
    pub pending: u32,
    pub seconds: u32,
    pub comment: Option<String>,
}

/// One answer in a student's history across homework (for the 错题本 and follow-ups).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnsweredItem {
    pub student_id: String,
    pub homework_id: String,
    pub homework_title: String,
    /// Whether the homework's results are released (students and guardians see only those).
    pub released: bool,
    pub answer: Answer,
}

/// How fast a class works compared with the bank's estimates, over the answers it has given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ClassPace {
    /// Seconds the class's students actually spent, summed over answers with a recorded time.
    pub actual_seconds: u64,
    /// The bank's estimates for those same answers.
    pub estimated_seconds: u64,
    pub answers: u64,
}

/// Minutes of homework one class has for one day (by the day it is due).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassDayMinutes {
    pub class_id: String,
    pub date: NaiveDate,
    pub subject: Subject,
    pub homework_id: String,
    pub title: String,
    pub minutes: u32,
}

/// One write to students' work, applied with others in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum HomeworkWrite {
    /// The student opened the homework: `assigned` becomes `started`.
    Start { homework_id: String, student_id: String, at: DateTime<Utc>, activity: ActivityRecord },
    /// An autosave: replaces the answer to one item (adding its seconds to those already spent)
    /// and remembers where the student is. Refused once submitted.
    SaveAnswer { homework_id: String, student_id: String, answer: Answer, position: u32, activity: ActivityRecord },
    /// Hands the work in with the final answers, graded. They replace what was saved for their
    /// items, seconds included: the final sheet carries each item's total time. Saved answers to
    /// items not on the sheet stay, unmarked. `key` makes it idempotent: the same key again reports
    /// [`WriteOutcome::Done`], changes nothing and appends no second activity record.
    Submit {
        homework_id: String,
        student_id: String,
        key: String,
        at: DateTime<Utc>,
        late: bool,
        answers: Vec<Answer>,
        activity: ActivityRecord,
    },
    /// A teacher's mark on one answer (adding an answer row for an unanswered item if needed).
    Mark { homework_id: String, student_id: String, item_id: String, mark: Mark, activity: ActivityRecord },
    /// A teacher's comment on a student's whole homework.
    Comment { homework_id: String, student_id: String, comment: Option<String> },
}

/// What became of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    Done,
    /// The student has no such homework.
    NotAssigned,
    /// Already submitted (with another key, or an autosave after submission).
    AlreadySubmitted,
    /// A mark for work that has not been submitted.
    NotSubmitted,
}

/// Homework, submissions and answers.
#[async_trait]
pub trait HomeworkStore: Send + Sync {
    /// Writes homework with their assignees (one submission each, `assigned`) and the activity
    /// records, in one transaction.
    async fn create_homework(&self, homework: &[(Homework, Vec<Assignee>)], activity: &[ActivityRecord]) -> Result<()>;

    async fn homework(&self, id: &str) -> Result<Option<Homework>>;

    /// Homework matching the filter with progress counts, latest due first.
    async fn homework_list(&self, filter: &HomeworkFilter) -> Result<Vec<HomeworkSummary>>;

    /// One student's work with every answer, in the order of the items answered first.
    async fn submission(&self, homework_id: &str, student_id: &str) -> Result<Option<Submission>>;

    /// Every student's work on a homework with their answers, by student id.
    async fn submissions(&self, homework_id: &str) -> Result<Vec<Submission>>;

    /// A student's homework, latest due first.
    async fn student_homework(&self, student_id: &str, limit: u32) -> Result<Vec<StudentHomework>>;

    /// Applies writes in one transaction, in order, and says what became of each. An error
    /// rolls back the whole batch; refusals ([`WriteOutcome`] other than `Done`) change nothing.
    async fn apply_homework_writes(&self, writes: &[HomeworkWrite]) -> Result<Vec<WriteOutcome>>;

    /// Releases results to students and guardians; false when already released or missing.
    async fn release_homework(&self, id: &str, at: DateTime<Utc>, activity: &ActivityRecord) -> Result<bool>;

    /// Homework minutes of these classes on the days from `from` to `to` (inclusive), one row per
    /// homework.
    async fn class_minutes(&self, class_ids: &[String], from: NaiveDate, to: NaiveDate)
    -> Result<Vec<ClassDayMinutes>>;

    /// Answers of these students across all homework, newest first; with `outcomes`, only those
    /// graded with one of them (the wrong ones, for a 错题本).
    async fn answered_items(
        &self,
        student_ids: &[String],
        outcomes: &[Outcome],
        limit: u32,
    ) -> Result<Vec<AnsweredItem>>;

    /// How fast a class worked on a subject's items, against the items' estimates.
    async fn class_pace(&self, class_id: &str, subject: Subject) -> Result<ClassPace>;
}
