//! The homework operations pages and the JSON API share. Each checks what the policy cannot (is
//! this item part of this student's homework? is it still open?), then writes through the store
//! or the write queue with its activity record.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{
    Subject,
    access::{Action, ResourceKind, Target, decide},
    grading::{self, Outcome, Response},
    homework::{
        Answer, AnswerProblem, Homework, HomeworkItem, HomeworkKind, MAX_COMMENT_CHARS, Mark, Mode, Score, Submission,
        SubmissionState, check_answer, compose::estimate_minutes, rubric::mark_score, validate_spec,
    },
    identity::PersonKind,
    workload::{self, WorkloadVerdict},
};
use serde::{Deserialize, Serialize};
use store::{Assignee, HomeworkWrite, WriteOutcome};

use super::{HomeworkError, actor_ref, error::WorkloadWarning, homework_activity, student_actor};
use crate::{App, auth::Principal};

/// A homework as a teacher composed it, to be assigned to classes.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Compose {
    pub title: String,
    #[schema(value_type = String, example = "math")]
    pub subject: Subject,
    #[serde(default = "online")]
    #[schema(value_type = String, example = "online")]
    pub mode: Mode,
    pub open_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    #[serde(default)]
    pub allow_late: bool,
    /// The estimate in minutes; the bank's estimate when left out.
    #[serde(default)]
    pub minutes: Option<u32>,
    #[serde(default)]
    pub instructions: String,
    /// The items in order, each with its points, its rubric (for items the teacher marks) and its
    /// grading options (for the machine's).
    #[schema(value_type = Vec<crate::api::homework::ComposeItem>)]
    pub items: Vec<HomeworkItem>,
    pub class_ids: Vec<String>,
    /// Only these students of the classes (all when empty).
    #[serde(default)]
    pub student_ids: Vec<String>,
    /// Assign even though a class goes past its daily limit (the teacher saw the warning).
    #[serde(default)]
    pub confirm_over_limit: bool,
}

fn online() -> Mode {
    Mode::Online
}

/// What assigning did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    /// One homework per class.
    pub homework_ids: Vec<String>,
    pub minutes: u32,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<WorkloadWarning>,
}

/// The teacher behind a principal: only teachers assign and mark homework.
pub fn teacher_id(principal: &Principal) -> Result<&str, HomeworkError> {
    match &principal.account.person {
        Some(p) if p.kind == PersonKind::Teacher => Ok(&p.id),
        _ => Err(HomeworkError::Forbidden),
    }
}

/// Whether the actor may do `action` to a homework of this class.
async fn may_for_class(
    app: &App,
    principal: &Principal,
    class_id: &str,
    action: Action,
) -> Result<bool, HomeworkError> {
    let Some(place) = app.store.place(ResourceKind::Class, class_id).await? else { return Ok(false) };
    Ok(decide(&principal.actor, action, &Target::new(ResourceKind::Homework, place)).is_allowed())
}

/// The 双减 guard for one class: a warning when `homework` would take the class past its daily
/// limit on the day it is due, counting what all subjects already assigned that day. `field` is
/// the request field a grade outside 1–12 is reported against.
async fn workload_warning(
    app: &App,
    class: &domain::Class,
    homework: &Homework,
    field: &'static str,
) -> Result<Option<WorkloadWarning>, HomeworkError> {
    let date = homework.workload_date();
    let already: u32 =
        app.store.class_minutes(std::slice::from_ref(&class.id), date, date).await?.iter().map(|r| r.minutes).sum();
    let verdict = workload::check(&app.homeworks.workload, class.grade, date, already, homework.minutes)
        .map_err(|e| HomeworkError::BadField { field, message: e.to_string() })?;
    Ok((!matches!(verdict, WorkloadVerdict::Ok { .. })).then(|| WorkloadWarning {
        class_id: class.id.clone(),
        class_name: class.name.clone(),
        date,
        verdict,
    }))
}

/// Assigns a composed homework to each class (or the chosen students of them), after the
/// workload guard: past a class's daily limit it is refused unless the teacher confirmed.
pub(crate) async fn assign(
    app: &App,
    principal: &Principal,
    compose: &Compose,
    now: DateTime<Utc>,
) -> Result<Assigned, HomeworkError> {
    let teacher = teacher_id(principal)?.to_owned();
    if compose.class_ids.is_empty() {
        return Err(HomeworkError::BadField { field: "class_ids", message: "choose at least one class".into() });
    }
    let ids: Vec<String> = compose.items.iter().map(|i| i.item_id.clone()).collect();
    let found = app.homeworks.items(&*app.store, &ids).await?;
    if let Some(missing) = ids.iter().find(|id| !found.contains_key(*id)) {
        return Err(HomeworkError::BadField { field: "items", message: format!("item {missing} does not exist") });
    }
    let items: Vec<&domain::items::Item> = ids.iter().filter_map(|id| found.get(id).map(|i| &**i)).collect();
    let minutes = compose.minutes.unwrap_or_else(|| estimate_minutes(&items, None).bank_minutes);
    let mut batch = Vec::new();
    let mut warnings = Vec::new();
    let mut activity = Vec::new();
    // A class named twice (a form listing it once per subject taught, a client's repeat) gets
    // one homework, not two.
    let mut seen = std::collections::HashSet::new();
    for class_id in compose.class_ids.iter().filter(|c| seen.insert(c.as_str())) {
        if !may_for_class(app, principal, class_id, Action::Manage).await? {
            return Err(HomeworkError::Forbidden);
        }
        let class = app.store.class_detail(class_id).await?.ok_or_else(|| HomeworkError::BadField {
            field: "class_ids",
            message: format!("class {class_id} does not exist"),
        })?;
        let homework = Homework {
            id: format!("hw-{}", crate::library::new_id()?.get(..16).unwrap_or_default()),
            title: compose.title.trim().to_owned(),
            kind: HomeworkKind::Regular,
            follow_up_of: None,
            subject: compose.subject,
            school_id: class.class.school_id.clone(),
            class_id: class_id.clone(),
            teacher_id: teacher.clone(),
            mode: compose.mode,
            open_at: compose.open_at,
            due_at: compose.due_at,
            allow_late: compose.allow_late,
            items: compose.items.clone(),
            minutes,
            instructions: compose.instructions.trim().to_owned(),
            created_at: now,
            released_at: None,
        };
        validate_spec(&homework).map_err(HomeworkError::Invalid)?;
        warnings.extend(workload_warning(app, &class.class, &homework, "class_ids").await?);
        let in_class: Vec<&String> = class.students.iter().map(|(s, _)| &s.id).collect();
        let chosen: Vec<String> = if compose.student_ids.is_empty() {
            in_class.iter().map(|s| (*s).clone()).collect()
        } else {
            compose.student_ids.iter().filter(|s| in_class.contains(s)).cloned().collect()
        };
        if chosen.is_empty() {
            continue;
        }
        activity.push(homework_activity(
            actor_ref(principal.account.person.as_ref(), &principal.account.id),
            "assigned",
            &homework,
            Some(serde_json::json!({ "students": chosen.len(), "items": homework.items.len(), "minutes": minutes })),
            now,
        ));
        let assignees = chosen.into_iter().map(|student_id| Assignee { student_id, items: None }).collect();
        batch.push((homework, assignees));
    }
    if batch.is_empty() {
        return Err(HomeworkError::BadField {
            field: "student_ids",
            message: "none of the chosen students is in these classes".into(),
        });
    }
    if !warnings.is_empty() && !compose.confirm_over_limit {
        return Err(HomeworkError::OverLimit(warnings));
    }
    app.store.create_homework(&batch, &activity).await?;
    Ok(Assigned { homework_ids: batch.iter().map(|(h, _)| h.id.clone()).collect(), minutes, warnings })
}

/// A student's homework and their work on it. When the student opens it for the first time while
/// it is open, it becomes `started`.
pub(crate) async fn open(
    app: &App,
    principal: &Principal,
    student_id: &str,
    homework_id: &str,
    now: DateTime<Utc>,
) -> Result<(std::sync::Arc<Homework>, Submission), HomeworkError> {
    let homework = app.homeworks.homework(&*app.store, homework_id).await?.ok_or(HomeworkError::NotFound)?;
    let mut submission = app.store.submission(homework_id, student_id).await?.ok_or(HomeworkError::NotFound)?;
    let is_student =
        principal.account.person.as_ref().is_some_and(|p| p.kind == PersonKind::Student && p.id == student_id);
    if is_student && submission.state == SubmissionState::Assigned && homework.is_open(now) {
        let activity = homework_activity(student_actor(student_id), "started", &homework, None, now);
        let write = HomeworkWrite::Start {
            homework_id: homework_id.to_owned(),
            student_id: student_id.to_owned(),
            at: now,
            activity,
        };
        app.homeworks.queue.apply(write).await?;
        submission.state = SubmissionState::Started;
        submission.started_at = Some(now);
    }
    Ok((homework, submission))
}

/// Whether a student may still work on the homework at `now`, and whether it would be late.
fn openness(homework: &Homework, now: DateTime<Utc>) -> Result<bool, HomeworkError> {
    if now < homework.open_at {
        return Err(HomeworkError::Answer(AnswerProblem::NotOpen));
    }
    let late = now > homework.due_at;
    if late && !homework.allow_late {
        return Err(HomeworkError::Answer(AnswerProblem::PastDue));
    }
    Ok(late)
}

/// One answer as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct GivenAnswer {
    pub item_id: String,
    #[schema(value_type = Object, example = json!({"kind": "choices", "value": ["A"]}))]
    pub response: Response,
    /// Seconds spent on the item since the last save.
    #[serde(default)]
    pub seconds: u32,
}

/// The items one student answers: the homework's, or their own for a targeted follow-up (which
/// takes a read of the submission; regular homework does not need one).
async fn items_of(app: &App, homework: &Homework, student_id: &str) -> Result<Vec<HomeworkItem>, HomeworkError> {
    if homework.kind == HomeworkKind::Regular {
        return Ok(homework.items.clone());
    }
    let submission = app.store.submission(&homework.id, student_id).await?.ok_or(HomeworkError::NotFound)?;
    Ok(submission.items(homework).to_vec())
}

/// An autosave of one answer.
pub(crate) async fn save_answer(
    app: &App,
    student_id: &str,
    homework_id: &str,
    given: GivenAnswer,
    position: u32,
    now: DateTime<Utc>,
) -> Result<(), HomeworkError> {
    let homework = app.homeworks.homework(&*app.store, homework_id).await?.ok_or(HomeworkError::NotFound)?;
    if homework.mode == Mode::Paper {
        return Err(HomeworkError::BadField { field: "mode", message: "this homework is answered on paper".into() });
    }
    openness(&homework, now)?;
    let items = items_of(app, &homework, student_id).await?;
    check_answer(&items, &given.item_id, &given.response, given.seconds).map_err(HomeworkError::Answer)?;
    let activity = homework_activity(
        student_actor(student_id),
        "answered",
        &homework,
        Some(serde_json::json!({ "item": given.item_id, "seconds": given.seconds })),
        now,
    );
    let answer = Answer {
        item_id: given.item_id,
        response: given.response,
        seconds: given.seconds,
        answered_at: now,
        mark: None,
    };
    let write = HomeworkWrite::SaveAnswer {
        homework_id: homework_id.to_owned(),
        student_id: student_id.to_owned(),
        answer,
        position,
        activity,
    };
    match app.homeworks.queue.apply(write).await? {
        WriteOutcome::Done => Ok(()),
        WriteOutcome::NotAssigned | WriteOutcome::NotSubmitted => Err(HomeworkError::NotFound),
        WriteOutcome::AlreadySubmitted => Err(HomeworkError::Answer(AnswerProblem::AlreadySubmitted)),
    }
}

/// What a submission came to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    pub homework_id: String,
    pub student_id: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    /// Answers the machine graded and answers left for the teacher.
    pub auto_graded: u32,
    pub pending: u32,
    /// True when this request repeated an earlier submission with the same key.
    pub replayed: bool,
}

/// Hands a student's work in: merges the final answers with those autosaved, grades what the
/// machine can, and writes it all at once. Repeating it with the same key changes nothing.
pub(crate) async fn submit(
    app: &App,
    student_id: &str,
    homework_id: &str,
    key: &str,
    given: Vec<GivenAnswer>,
    now: DateTime<Utc>,
) -> Result<Submitted, HomeworkError> {
    if key.is_empty() || key.len() > 100 {
        return Err(HomeworkError::BadField {
            field: "key",
            message: "an idempotency key of 1–100 characters is required".into(),
        });
    }
    let homework = app.homeworks.homework(&*app.store, homework_id).await?.ok_or(HomeworkError::NotFound)?;
    let submission = app.store.submission(homework_id, student_id).await?.ok_or(HomeworkError::NotFound)?;
    let counts = |s: &Submission| {
        let pending =
            s.answers.iter().filter(|a| a.mark.as_ref().is_some_and(|m| m.outcome == Outcome::NeedsTeacher)).count();
        (s.answers.len().saturating_sub(pending) as u32, pending as u32)
    };
    if submission.state == SubmissionState::Submitted {
        // Only a retry with the same key (after a lost response) is answered as a success.
        if !submit_key_matches(app, homework_id, student_id, key, &homework, now).await? {
            return Err(HomeworkError::Answer(AnswerProblem::AlreadySubmitted));
        }
        let (auto_graded, pending) = counts(&submission);
        return Ok(Submitted {
            homework_id: homework_id.to_owned(),
            student_id: student_id.to_owned(),
            submitted_at: submission.submitted_at,
            late: submission.late,
            auto_graded,
            pending,
            replayed: true,
        });
    }
    if homework.mode == Mode::Paper {
        return Err(HomeworkError::BadField { field: "mode", message: "this homework is answered on paper".into() });
    }
    let late = openness(&homework, now)?;
    let items = submission.items(&homework).to_vec();
    let mut answers: HashMap<String, Answer> =
        submission.answers.iter().map(|a| (a.item_id.clone(), a.clone())).collect();
    for g in given {
        check_answer(&items, &g.item_id, &g.response, g.seconds).map_err(HomeworkError::Answer)?;
        let seconds = answers.get(&g.item_id).map_or(0, |a| a.seconds).saturating_add(g.seconds);
        answers.insert(
            g.item_id.clone(),
            Answer { item_id: g.item_id, response: g.response, seconds, answered_at: now, mark: None },
        );
    }
    let ids: Vec<String> = items.iter().map(|i| i.item_id.clone()).collect();
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let mut graded = Vec::with_capacity(answers.len());
    for item in &items {
        let Some(mut answer) = answers.remove(&item.item_id) else { continue };
        answer.mark = bank.get(&item.item_id).map(|bank_item| {
            let g = grading::grade(bank_item, &answer.response, item.points, &item.grading);
            Mark { score: g.score, max: g.max, outcome: g.outcome, marked_by: None, comment: None }
        });
        graded.push(answer);
    }
    let pending =
        graded.iter().filter(|a| a.mark.as_ref().is_none_or(|m| m.outcome == Outcome::NeedsTeacher)).count() as u32;
    let auto_graded = graded.len() as u32 - pending;
    let activity = homework_activity(
        student_actor(student_id),
        "submitted",
        &homework,
        Some(serde_json::json!({ "late": late, "answered": graded.len(), "items": items.len() })),
        now,
    );
    let write = HomeworkWrite::Submit {
        homework_id: homework_id.to_owned(),
        student_id: student_id.to_owned(),
        key: key.to_owned(),
        at: now,
        late,
        answers: graded,
        activity,
    };
    let replayed = match app.homeworks.queue.apply(write).await? {
        WriteOutcome::Done => {
            app.learning.submitted(homework_id, student_id);
            false
        }
        WriteOutcome::AlreadySubmitted => return Err(HomeworkError::Answer(AnswerProblem::AlreadySubmitted)),
        WriteOutcome::NotAssigned | WriteOutcome::NotSubmitted => return Err(HomeworkError::NotFound),
    };
    Ok(Submitted {
        homework_id: homework_id.to_owned(),
        student_id: student_id.to_owned(),
        submitted_at: Some(now),
        late,
        auto_graded,
        pending,
        replayed,
    })
}

/// Whether `key` is the key the work was submitted with: asked of the store by replaying the
/// submission, which it answers `Done` only for the same key and otherwise leaves alone.
async fn submit_key_matches(
    app: &App,
    homework_id: &str,
    student_id: &str,
    key: &str,
    homework: &Homework,
    now: DateTime<Utc>,
) -> Result<bool, HomeworkError> {
    let probe = HomeworkWrite::Submit {
        homework_id: homework_id.to_owned(),
        student_id: student_id.to_owned(),
        key: key.to_owned(),
        at: now,
        late: false,
        answers: Vec::new(),
        activity: homework_activity(student_actor(student_id), "submitted", homework, None, now),
    };
    Ok(app.homeworks.queue.apply(probe).await? == WriteOutcome::Done)
}

/// A teacher's mark on one answer, as a page or a client gives it.
#[derive(Debug, Clone, Default)]
pub(crate) struct GivenMark {
    /// The score typed; `None` to take the sum of the ticked rubric points.
    pub score: Option<f32>,
    /// The rubric's scoring points awarded (0-based).
    pub rubric_points: Vec<usize>,
    pub comment: Option<String>,
}

/// A teacher's mark on one answer. On paper homework, marking hands the student's work in first.
/// The rubric points ticked are kept in the `graded` activity record (the mark itself holds the
/// score).
pub(crate) async fn mark(
    app: &App,
    principal: &Principal,
    homework: &Homework,
    student_id: &str,
    item_id: &str,
    given: GivenMark,
    now: DateTime<Utc>,
) -> Result<(), HomeworkError> {
    let GivenMark { score, rubric_points, comment } = given;
    let teacher = teacher_id(principal)?.to_owned();
    let submission = app.store.submission(&homework.id, student_id).await?.ok_or(HomeworkError::NotFound)?;
    let item = submission
        .items(homework)
        .iter()
        .find(|i| i.item_id == item_id)
        .ok_or_else(|| HomeworkError::Answer(AnswerProblem::NotInHomework { item_id: item_id.to_owned() }))?;
    let score = mark_score(item, score, &rubric_points)
        .map_err(|problem| HomeworkError::BadField { field: problem.field(), message: problem.to_string() })?;
    let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(HomeworkError::BadField {
            field: "comment",
            message: format!("at most {MAX_COMMENT_CHARS} characters"),
        });
    }
    if submission.state != SubmissionState::Submitted {
        if homework.mode != Mode::Paper {
            return Err(HomeworkError::BadField {
                field: "student",
                message: "this student has not submitted yet".into(),
            });
        }
        let activity = homework_activity(
            student_actor(student_id),
            "submitted",
            homework,
            Some(serde_json::json!({ "paper": true })),
            now,
        );
        let write = HomeworkWrite::Submit {
            homework_id: homework.id.clone(),
            student_id: student_id.to_owned(),
            key: "paper".to_owned(),
            at: now,
            late: false,
            answers: Vec::new(),
            activity,
        };
        app.homeworks.queue.apply(write).await?;
    }
    let outcome = if score >= item.points {
        Outcome::Correct
    } else if score <= 0.0 {
        Outcome::Wrong
    } else {
        Outcome::Partial
    };
    let mark = Mark { score, max: item.points, outcome, marked_by: Some(teacher), comment };
    let activity = homework_activity(
        actor_ref(principal.account.person.as_ref(), &principal.account.id),
        "graded",
        homework,
        Some(serde_json::json!({
            "student": student_id, "item": item_id, "score": score, "max": item.points, "rubric_points": rubric_points,
        })),
        now,
    );
    let write = HomeworkWrite::Mark {
        homework_id: homework.id.clone(),
        student_id: student_id.to_owned(),
        item_id: item_id.to_owned(),
        mark,
        activity,
    };
    match app.homeworks.queue.apply(write).await? {
        WriteOutcome::Done => {
            app.learning.marked(&submission, item_id, outcome == Outcome::Correct);
            Ok(())
        }
        _ => Err(HomeworkError::NotFound),
    }
}

/// The teacher's comment on a student's whole homework (老师评语), shown with the score once the
/// results are released; an empty comment removes it.
pub(crate) async fn comment(
    app: &App,
    principal: &Principal,
    homework: &Homework,
    student_id: &str,
    comment: Option<String>,
) -> Result<(), HomeworkError> {
    teacher_id(principal)?;
    let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(HomeworkError::BadField {
            field: "comment",
            message: format!("at most {MAX_COMMENT_CHARS} characters"),
        });
    }
    let write = HomeworkWrite::Comment { homework_id: homework.id.clone(), student_id: student_id.to_owned(), comment };
    match app.homeworks.queue.apply(write).await? {
        WriteOutcome::Done => Ok(()),
        _ => Err(HomeworkError::NotFound),
    }
}

/// Releases results to students and guardians.
pub(crate) async fn release(
    app: &App,
    principal: &Principal,
    homework: &Homework,
    now: DateTime<Utc>,
) -> Result<bool, HomeworkError> {
    let activity = homework_activity(
        actor_ref(principal.account.person.as_ref(), &principal.account.id),
        "released",
        homework,
        None,
        now,
    );
    let released = app.store.release_homework(&homework.id, now, &activity).await?;
    app.homeworks.forget(&homework.id);
    Ok(released)
}

/// A submission's score as students and guardians may see it: only once released.
pub fn visible_score(homework: &Homework, submission: &Submission) -> Option<Score> {
    (homework.released_at.is_some() && submission.state == SubmissionState::Submitted)
        .then(|| submission.score(homework))
}

/// Plans targeted follow-ups (靶向作业) for every student of a homework: similar items on the
/// knowledge points they got wrong, new to them, within the budget: weak points from the learning
/// engine's mastery estimates once a model is fitted, from this homework's marks before.
pub(crate) async fn plan_follow_ups(
    app: &App,
    principal: &Principal,
    homework: &Homework,
    budget_minutes: u32,
    max_items: usize,
) -> Result<Vec<domain::homework::followup::StudentPlan>, HomeworkError> {
    use domain::homework::followup::{FollowUpInput, plan_follow_ups};
    let submissions = app.store.submissions(&homework.id).await?;
    let mut ids: Vec<String> = homework.items.iter().map(|i| i.item_id.clone()).collect();
    for s in &submissions {
        ids.extend(s.items.iter().flatten().map(|i| i.item_id.clone()));
    }
    // Candidates: what the teacher may use from the bank in this subject and grade.
    let grade = app.store.class_detail(&homework.class_id).await?.map(|c| c.class.grade);
    let candidate_ids = super::bank_candidates(app, principal, "", Some(homework.subject), grade, 500)
        .map_err(|e| HomeworkError::Store(store::StoreError::Unavailable(e.to_string())))?;
    ids.extend(candidate_ids.iter().cloned());
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let items: Vec<&domain::items::Item> =
        homework.items.iter().filter_map(|i| bank.get(&i.item_id).map(|x| &**x)).collect();
    let candidates: Vec<&domain::items::Item> =
        candidate_ids.iter().filter_map(|id| bank.get(id).map(|x| &**x)).collect();
    let students: Vec<String> = submissions.iter().map(|s| s.student_id.clone()).collect();
    let mut seen: HashMap<String, std::collections::HashSet<String>> = HashMap::new();
    for answered in app.store.answered_items(&students, &[], 20_000).await? {
        seen.entry(answered.student_id).or_default().insert(answered.answer.item_id);
    }
    // With a fitted model, weak points come from the learning engine's mastery estimates.
    let mastery = crate::mastery::follow_up_estimates(app, &students).await?;
    let input = FollowUpInput {
        homework,
        submissions: &submissions,
        items: &items,
        candidates: &candidates,
        seen: &seen,
        budget_minutes,
        max_items,
        mastery: mastery.as_ref(),
    };
    Ok(plan_follow_ups(&input))
}

/// Assigns every student's follow-up in one homework (each student with their own items), after
/// the same workload guard as any homework.
pub(crate) async fn assign_follow_ups(
    app: &App,
    principal: &Principal,
    of: &Homework,
    plans: &[domain::homework::followup::StudentPlan],
    due_at: DateTime<Utc>,
    confirm_over_limit: bool,
    now: DateTime<Utc>,
) -> Result<Option<String>, HomeworkError> {
    let teacher = teacher_id(principal)?.to_owned();
    let plans: Vec<_> = plans.iter().filter(|p| !p.items.is_empty()).collect();
    if plans.is_empty() {
        return Ok(None);
    }
    let mut union: Vec<HomeworkItem> = Vec::new();
    for p in &plans {
        for i in &p.items {
            if !union.iter().any(|u| u.item_id == i.item_id) && union.len() < domain::homework::MAX_ITEMS {
                union.push(i.clone());
            }
        }
    }
    let minutes = plans.iter().map(|p| p.minutes).max().unwrap_or(1).max(1);
    let homework = Homework {
        id: format!("hw-{}", crate::library::new_id()?.get(..16).unwrap_or_default()),
        title: format!("{} · {}", HomeworkKind::FollowUp.label_zh(), of.title),
        kind: HomeworkKind::FollowUp,
        follow_up_of: Some(of.id.clone()),
        subject: of.subject,
        school_id: of.school_id.clone(),
        class_id: of.class_id.clone(),
        teacher_id: teacher,
        mode: Mode::Online,
        open_at: now,
        due_at,
        allow_late: true,
        items: union,
        minutes,
        instructions: String::new(),
        created_at: now,
        released_at: None,
    };
    validate_spec(&homework).map_err(HomeworkError::Invalid)?;
    let class = app.store.class_detail(&of.class_id).await?.ok_or(HomeworkError::NotFound)?;
    if let Some(warning) = workload_warning(app, &class.class, &homework, "due_at").await?
        && !confirm_over_limit
    {
        return Err(HomeworkError::OverLimit(vec![warning]));
    }
    let assignees: Vec<Assignee> =
        plans.iter().map(|p| Assignee { student_id: p.student_id.clone(), items: Some(p.items.clone()) }).collect();
    let activity = homework_activity(
        actor_ref(principal.account.person.as_ref(), &principal.account.id),
        "assigned",
        &homework,
        Some(serde_json::json!({ "follow_up_of": of.id, "students": assignees.len() })),
        now,
    );
    let id = homework.id.clone();
    app.store.create_homework(&[(homework, assignees)], &[activity]).await?;
    Ok(Some(id))
}
