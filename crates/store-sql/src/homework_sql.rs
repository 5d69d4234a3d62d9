//! Homework's SQL, rows and assembly, shared by both backends.
//!
//! Floats are `REAL` on both backends and read as `f32` (PostgreSQL's `real` is 4 bytes, SQLite
//! widens it losslessly), so aggregates are cast back to `REAL`. Integer aggregates are cast to
//! `BIGINT` because PostgreSQL sums `bigint` into `numeric`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    Subject,
    grading::{Outcome, Response},
    homework::{Answer, Homework, HomeworkItem, HomeworkKind, Mark, Mode, Submission, SubmissionState},
};
use sqlx::{FromRow, types::Json};
use store::{AnsweredItem, ClassDayMinutes, ClassPace, HomeworkSummary, StoreError, StudentHomework};

use crate::assemble::code;

/// The columns a new homework row is written with, in bind order.
pub const HOMEWORK_COLUMNS: [&str; 18] = [
    "id",
    "title",
    "kind",
    "follow_up_of",
    "subject",
    "school_id",
    "class_id",
    "teacher_id",
    "mode",
    "open_at",
    "due_at",
    "allow_late",
    "items",
    "minutes",
    "workload_date",
    "instructions",
    "created_at",
    "released_at",
];

/// The columns a new submission row is written with, in bind order (the rest start NULL).
pub const SUBMISSION_COLUMNS: [&str; 12] = [
    "homework_id",
    "student_id",
    "class_id",
    "state",
    "items",
    "late",
    "position",
    "score",
    "max_score",
    "pending",
    "seconds",
    "updated_at",
];

/// The start of a multi-row answer INSERT; [`ANSWER_BINDS`] values per row, in this order.
pub const ANSWER_INSERT: &str = "INSERT INTO answers \
    (homework_id, student_id, item_id, response, seconds, answered_at, score, max, outcome, marked_by, comment) ";
/// Binds per answer row.
pub const ANSWER_BINDS: usize = 11;

/// A homework's own columns as [`HomeworkRow`] reads them, from the table aliased `h`.
const HOMEWORK_SELECT: &str = "h.id, h.title, h.kind, h.follow_up_of, h.subject, h.school_id, h.class_id, \
    h.teacher_id, h.mode, h.open_at, h.due_at, h.allow_late, h.items, h.minutes, h.instructions, h.created_at, \
    h.released_at";

pub fn homework_by_id() -> String {
    format!("SELECT {HOMEWORK_SELECT} FROM homework h WHERE h.id = $1")
}

/// Homework with their class's name; callers append `AND …` filters, the order and the limit.
pub fn homework_list_head() -> String {
    format!(
        "SELECT {HOMEWORK_SELECT}, c.name AS class_name FROM homework h JOIN classes c ON c.id = h.class_id WHERE 1 = 1"
    )
}

/// Progress counts per homework; callers append the ids, `)` and [`PROGRESS_TAIL`].
pub const PROGRESS_HEAD: &str = "SELECT homework_id, COUNT(*) AS students, \
    CAST(SUM(CASE WHEN state <> 'assigned' THEN 1 ELSE 0 END) AS BIGINT) AS started, \
    CAST(SUM(CASE WHEN state = 'submitted' THEN 1 ELSE 0 END) AS BIGINT) AS submitted, \
    CAST(SUM(CASE WHEN state = 'submitted' AND late THEN 1 ELSE 0 END) AS BIGINT) AS late, \
    CAST(SUM(CASE WHEN state = 'submitted' AND pending > 0 THEN 1 ELSE 0 END) AS BIGINT) AS to_mark, \
    CAST(AVG(CASE WHEN state <> 'submitted' THEN NULL WHEN max_score > 0 THEN 100.0 * score / max_score ELSE 0.0 END) \
    AS REAL) AS mean_percent \
    FROM submissions WHERE homework_id IN (";
pub const PROGRESS_TAIL: &str = " GROUP BY homework_id";

const SUBMISSION_SELECT: &str =
    "SELECT homework_id, student_id, state, items, started_at, submitted_at, late, position, comment FROM submissions";
const ANSWER_SELECT: &str = "SELECT homework_id, student_id, item_id, response, seconds, answered_at, score, max, \
    outcome, marked_by, comment FROM answers";

pub fn submission_by_id() -> String {
    format!("{SUBMISSION_SELECT} WHERE homework_id = $1 AND student_id = $2")
}
pub fn submissions_of() -> String {
    format!("{SUBMISSION_SELECT} WHERE homework_id = $1 ORDER BY student_id")
}
pub fn answers_of_submission() -> String {
    format!("{ANSWER_SELECT} WHERE homework_id = $1 AND student_id = $2 ORDER BY answered_at, item_id")
}
pub fn answers_of_homework() -> String {
    format!("{ANSWER_SELECT} WHERE homework_id = $1 ORDER BY student_id, answered_at, item_id")
}

pub fn student_homework_query() -> String {
    format!(
        "SELECT {HOMEWORK_SELECT}, s.state, s.submitted_at, s.late, s.score, s.max_score, s.pending, s.seconds, \
         s.comment FROM submissions s JOIN homework h ON h.id = s.homework_id WHERE s.student_id = $1 \
         ORDER BY h.due_at DESC, h.id LIMIT $2"
    )
}

/// Answers with their homework's title; callers append the student ids, `)`, any outcome filter,
/// the order and the limit.
pub const ANSWERED_HEAD: &str = "SELECT a.homework_id, a.student_id, a.item_id, a.response, a.seconds, \
    a.answered_at, a.score, a.max, a.outcome, a.marked_by, a.comment, h.title AS homework_title, h.released_at \
    FROM answers a JOIN homework h ON h.id = a.homework_id WHERE a.student_id IN (";

/// Homework minutes per class and day; callers append the class ids, `)` and the date range.
pub const CLASS_MINUTES_HEAD: &str =
    "SELECT class_id, workload_date, subject, id, title, minutes FROM homework WHERE class_id IN (";
pub const CLASS_MINUTES_ORDER: &str = " ORDER BY workload_date, class_id, due_at, id";
pub const ANSWERED_ORDER: &str = " ORDER BY a.answered_at DESC, a.homework_id, a.student_id, a.item_id LIMIT ";

pub const CLASS_PACE: &str = "SELECT CAST(COALESCE(SUM(a.seconds), 0) AS BIGINT) AS actual, \
    CAST(COALESCE(SUM(i.seconds), 0) AS BIGINT) AS estimated, COUNT(*) AS answers \
    FROM homework h JOIN answers a ON a.homework_id = h.id JOIN items i ON i.id = a.item_id \
    WHERE h.class_id = $1 AND h.subject = $2 AND a.seconds > 0";

pub const RELEASE: &str = "UPDATE homework SET released_at = $1 WHERE id = $2 AND released_at IS NULL";

// The writes. Each one's first statement writes, so a SQLite transaction takes the write lock at
// once instead of upgrading a read snapshot that another writer may have made stale.

/// `assigned` → `started`; anything else stays as it is. Matches one row when assigned at all.
pub const START: &str = "UPDATE submissions SET \
    state = CASE WHEN state = 'assigned' THEN 'started' ELSE state END, \
    started_at = COALESCE(started_at, $1), \
    updated_at = CASE WHEN state = 'assigned' THEN $1 ELSE updated_at END \
    WHERE homework_id = $2 AND student_id = $3";

/// Autosaves of different submissions in one statement, each matching nothing once its work is
/// submitted: `SAVE_PROGRESS_HEAD`, then `VALUES` of (homework, student, time, position, seconds),
/// then [`SAVE_PROGRESS_TAIL`]. It returns the submissions it matched; the others were
/// submitted or never assigned. One round trip instead of one per autosave is what keeps a busy
/// evening's write queue short on PostgreSQL, where each statement is a trip to another process.
/// The values' columns have names of their own so that nothing in `SET` or `RETURNING` is ambiguous.
pub const SAVE_PROGRESS_HEAD: &str = "WITH v (v_homework, v_student, v_at, v_position, v_seconds) AS (";
pub const SAVE_PROGRESS_TAIL: &str = ") UPDATE submissions SET state = 'started', \
    started_at = COALESCE(started_at, v_at), position = v_position, seconds = seconds + v_seconds, updated_at = v_at \
    FROM v WHERE homework_id = v_homework AND student_id = v_student AND state <> 'submitted' \
    RETURNING homework_id, student_id";

/// An autosaved answer: seconds add up, a mark from an earlier grading no longer applies.
pub const SAVE_ANSWER_TAIL: &str = " ON CONFLICT (homework_id, student_id, item_id) DO UPDATE SET \
    response = excluded.response, seconds = answers.seconds + excluded.seconds, answered_at = excluded.answered_at, \
    score = NULL, max = NULL, outcome = NULL, marked_by = NULL, comment = NULL";

/// Hands the work in; matches nothing when already submitted (or not assigned).
pub const SUBMIT: &str = "UPDATE submissions SET state = 'submitted', submitted_at = $1, late = $2, \
    submit_key = $3, started_at = COALESCE(started_at, $1), updated_at = $1 \
    WHERE homework_id = $4 AND student_id = $5 AND state <> 'submitted'";

/// A final, graded answer: it replaces whatever was saved, seconds included.
pub const GRADED_ANSWER_TAIL: &str = " ON CONFLICT (homework_id, student_id, item_id) DO UPDATE SET \
    response = excluded.response, seconds = excluded.seconds, answered_at = excluded.answered_at, \
    score = excluded.score, max = excluded.max, outcome = excluded.outcome, marked_by = excluded.marked_by, \
    comment = excluded.comment";

/// A teacher's mark on an answer, creating the row for an unanswered item.
pub const MARK_TAIL: &str = " ON CONFLICT (homework_id, student_id, item_id) DO UPDATE SET \
    score = excluded.score, max = excluded.max, outcome = excluded.outcome, marked_by = excluded.marked_by, \
    comment = excluded.comment";

/// Touches submitted work before it is marked; matches nothing otherwise.
pub const TOUCH_SUBMITTED: &str =
    "UPDATE submissions SET updated_at = $1 WHERE homework_id = $2 AND student_id = $3 AND state = 'submitted'";

/// Score, pending answers and seconds recomputed from the answers table, for the submissions
/// whose `(homework_id, student_id)` pairs the caller appends as `VALUES …` and [`RECOMPUTE_TAIL`].
/// The pairs are selected from the list rather than compared with it (`IN (VALUES …)`): SQLite
/// would scan the whole table for the latter, and both backends look each pair up by key here.
pub const RECOMPUTE_HEAD: &str = "UPDATE submissions SET (score, pending, seconds) = (SELECT \
    CAST(COALESCE(SUM(CASE WHEN a.outcome <> 'needs_teacher' THEN a.score END), 0) AS REAL), \
    CAST(COUNT(CASE WHEN a.outcome = 'needs_teacher' THEN 1 END) AS BIGINT), \
    CAST(COALESCE(SUM(a.seconds), 0) AS BIGINT) \
    FROM answers a WHERE a.homework_id = submissions.homework_id AND a.student_id = submissions.student_id) \
    WHERE (homework_id, student_id) IN (SELECT column1, column2 FROM (";
pub const RECOMPUTE_TAIL: &str = ") AS v)";

pub const COMMENT: &str = "UPDATE submissions SET comment = $1 WHERE homework_id = $2 AND student_id = $3";

/// Where a refused write stands, read only when a guarded update matched nothing.
pub const SUBMISSION_STATE: &str =
    "SELECT state, submit_key FROM submissions WHERE homework_id = $1 AND student_id = $2";

#[derive(Debug, FromRow)]
pub struct HomeworkRow {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub follow_up_of: Option<String>,
    pub subject: String,
    pub school_id: String,
    pub class_id: String,
    pub teacher_id: String,
    pub mode: String,
    pub open_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub allow_late: bool,
    pub items: Json<Vec<HomeworkItem>>,
    pub minutes: i64,
    pub instructions: String,
    pub created_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
}

#[derive(Debug, FromRow)]
pub struct HomeworkListRow {
    #[sqlx(flatten)]
    pub homework: HomeworkRow,
    pub class_name: String,
}

#[derive(Debug, FromRow)]
pub struct ProgressRow {
    pub homework_id: String,
    pub students: i64,
    pub started: i64,
    pub submitted: i64,
    pub late: i64,
    pub to_mark: i64,
    pub mean_percent: Option<f32>,
}

#[derive(Debug, FromRow)]
pub struct SubmissionRow {
    pub homework_id: String,
    pub student_id: String,
    pub state: String,
    pub items: Option<Json<Vec<HomeworkItem>>>,
    pub started_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub position: i64,
    pub comment: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct AnswerRow {
    pub homework_id: String,
    pub student_id: String,
    pub item_id: String,
    pub response: Json<Response>,
    pub seconds: i64,
    pub answered_at: DateTime<Utc>,
    pub score: Option<f32>,
    pub max: Option<f32>,
    pub outcome: Option<String>,
    pub marked_by: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct AnsweredRow {
    #[sqlx(flatten)]
    pub answer: AnswerRow,
    pub homework_title: String,
    pub released_at: Option<DateTime<Utc>>,
}

#[derive(Debug, FromRow)]
pub struct StudentHomeworkRow {
    #[sqlx(flatten)]
    pub homework: HomeworkRow,
    pub state: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub score: f32,
    pub max_score: f32,
    pub pending: i64,
    pub seconds: i64,
    pub comment: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct MinutesRow {
    pub class_id: String,
    pub workload_date: NaiveDate,
    pub subject: String,
    pub id: String,
    pub title: String,
    pub minutes: i64,
}

#[derive(Debug, FromRow)]
pub struct PaceRow {
    pub actual: i64,
    pub estimated: i64,
    pub answers: i64,
}

#[derive(Debug, FromRow)]
pub struct StateRow {
    pub state: String,
    pub submit_key: Option<String>,
}

/// The stored code of an outcome (the same words its JSON uses).
pub fn outcome_code(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Correct => "correct",
        Outcome::Partial => "partial",
        Outcome::Wrong => "wrong",
        Outcome::Unanswered => "unanswered",
        Outcome::NeedsTeacher => "needs_teacher",
    }
}

fn outcome(value: &str) -> Result<Outcome, StoreError> {
    Ok(match value {
        "correct" => Outcome::Correct,
        "partial" => Outcome::Partial,
        "wrong" => Outcome::Wrong,
        "unanswered" => Outcome::Unanswered,
        "needs_teacher" => Outcome::NeedsTeacher,
        other => return Err(StoreError::internal(UnknownCode(format!("grading outcome {other:?}")))),
    })
}

/// A code in the database that the domain does not know.
#[derive(Debug)]
struct UnknownCode(String);

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown stored {}", self.0)
    }
}

impl std::error::Error for UnknownCode {}

/// A count or seconds column as the domain's `u32`.
fn small(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(StoreError::internal)
}

/// The maximum a student can score: the points of their own items, or else the homework's.
pub fn max_score(homework: &Homework, items: Option<&[HomeworkItem]>) -> f32 {
    items.unwrap_or(&homework.items).iter().map(|i| i.points).sum()
}

pub fn homework(r: HomeworkRow) -> Result<Homework, StoreError> {
    Ok(Homework {
        kind: code(HomeworkKind::parse(&r.kind))?,
        subject: code(Subject::parse(&r.subject))?,
        mode: code(Mode::parse(&r.mode))?,
        minutes: small(r.minutes)?,
        id: r.id,
        title: r.title,
        follow_up_of: r.follow_up_of,
        school_id: r.school_id,
        class_id: r.class_id,
        teacher_id: r.teacher_id,
        open_at: r.open_at,
        due_at: r.due_at,
        allow_late: r.allow_late,
        items: r.items.0,
        instructions: r.instructions,
        created_at: r.created_at,
        released_at: r.released_at,
    })
}

pub fn summary(r: HomeworkListRow, progress: Option<&ProgressRow>) -> Result<HomeworkSummary, StoreError> {
    let count = |f: fn(&ProgressRow) -> i64| progress.map_or(Ok(0), |p| small(f(p)));
    Ok(HomeworkSummary {
        homework: homework(r.homework)?,
        class_name: r.class_name,
        students: count(|p| p.students)?,
        started: count(|p| p.started)?,
        submitted: count(|p| p.submitted)?,
        late: count(|p| p.late)?,
        to_mark: count(|p| p.to_mark)?,
        mean_percent: progress.and_then(|p| p.mean_percent),
    })
}

pub fn answer(r: AnswerRow) -> Result<Answer, StoreError> {
    let mark = match r.outcome {
        Some(o) => Some(Mark {
            score: r.score.unwrap_or(0.0),
            max: r.max.unwrap_or(0.0),
            outcome: outcome(&o)?,
            marked_by: r.marked_by,
            comment: r.comment,
        }),
        None => None,
    };
    Ok(Answer {
        item_id: r.item_id,
        response: r.response.0,
        seconds: small(r.seconds)?,
        answered_at: r.answered_at,
        mark,
    })
}

pub fn submission(r: SubmissionRow, answers: Vec<Answer>) -> Result<Submission, StoreError> {
    Ok(Submission {
        state: code(SubmissionState::parse(&r.state))?,
        position: small(r.position)?,
        homework_id: r.homework_id,
        student_id: r.student_id,
        items: r.items.map(|j| j.0),
        started_at: r.started_at,
        submitted_at: r.submitted_at,
        late: r.late,
        answers,
        comment: r.comment,
    })
}

/// Submissions with their answers (grouped by student here rather than merged in order, so the
/// result does not depend on how the database collates ids).
pub fn submissions(rows: Vec<SubmissionRow>, answers: Vec<AnswerRow>) -> Result<Vec<Submission>, StoreError> {
    let mut by_student: HashMap<String, Vec<Answer>> = HashMap::new();
    for row in answers {
        by_student.entry(row.student_id.clone()).or_default().push(answer(row)?);
    }
    rows.into_iter()
        .map(|row| {
            let mine = by_student.remove(&row.student_id).unwrap_or_default();
            submission(row, mine)
        })
        .collect()
}

pub fn student_homework(r: StudentHomeworkRow) -> Result<StudentHomework, StoreError> {
    let state = code(SubmissionState::parse(&r.state))?;
    Ok(StudentHomework {
        homework: homework(r.homework)?,
        score: (state == SubmissionState::Submitted).then_some(r.score),
        state,
        submitted_at: r.submitted_at,
        late: r.late,
        max: r.max_score,
        pending: small(r.pending)?,
        seconds: small(r.seconds)?,
        comment: r.comment,
    })
}

pub fn answered_item(r: AnsweredRow) -> Result<AnsweredItem, StoreError> {
    Ok(AnsweredItem {
        student_id: r.answer.student_id.clone(),
        homework_id: r.answer.homework_id.clone(),
        homework_title: r.homework_title,
        released: r.released_at.is_some(),
        answer: answer(r.answer)?,
    })
}

pub fn class_minutes(r: MinutesRow) -> Result<ClassDayMinutes, StoreError> {
    Ok(ClassDayMinutes {
        subject: code(Subject::parse(&r.subject))?,
        minutes: small(r.minutes)?,
        class_id: r.class_id,
        date: r.workload_date,
        homework_id: r.id,
        title: r.title,
    })
}

pub fn class_pace(r: PaceRow) -> ClassPace {
    ClassPace {
        actual_seconds: r.actual.max(0) as u64,
        estimated_seconds: r.estimated.max(0) as u64,
        answers: r.answers.max(0) as u64,
    }
}
