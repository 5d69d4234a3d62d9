//! The homework loop over JSON: a student's list, opening, autosaving and submitting; a teacher's
//! assigning, report, marking and release. The same operations as the pages
//! ([`crate::homework::ops`]), so schools' own apps and load tests drive exactly what browsers do.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Path, State},
    http::HeaderMap,
};
use chrono::{DateTime, Utc};
use domain::{
    homework::{Homework, Mark},
    items::{AnswerKey, Item},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::doc::{Conflict, Forbidden, InternalError, NotFound, PayloadTooLarge, Unauthorized, Unprocessable};
use crate::{
    App, RequestContext,
    homework::{
        HomeworkError, JsonBody,
        ops::{self, Assigned, Compose, GivenAnswer, GivenMark, Submitted},
    },
};

/// One homework in a student's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentHomeworkItem {
    pub homework_id: String,
    pub title: String,
    pub subject: String,
    /// `online` or `paper`
    pub mode: String,
    pub open_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub minutes: u32,
    /// `assigned`, `started` or `submitted`
    pub state: String,
    pub late: bool,
    pub released: bool,
    /// Points earned, once released.
    pub score: Option<f32>,
    pub max: f32,
    pub seconds: u32,
}

/// `GET /api/v1/students/{id}/homework`: a student's homework, latest due first.
#[utoipa::path(
    get, path = "/api/v1/students/{id}/homework", operation_id = "student_homework", tag = "homework",
    params(("id" = String, Path, description = "学生编号 / student id")),
    responses(
        (status = 200, description = "作业列表 / the student's homework", body = Vec<StudentHomeworkItem>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn student_list(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<Vec<StudentHomeworkItem>>, HomeworkError> {
    let rows = app.store.student_homework(&id, 200).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| {
                let released = r.homework.released_at.is_some();
                StudentHomeworkItem {
                    homework_id: r.homework.id,
                    title: r.homework.title,
                    subject: r.homework.subject.code().to_owned(),
                    mode: r.homework.mode.code().to_owned(),
                    open_at: r.homework.open_at,
                    due_at: r.homework.due_at,
                    minutes: r.homework.minutes,
                    state: r.state.code().to_owned(),
                    late: r.late,
                    released,
                    score: if released { r.score } else { None },
                    max: r.max,
                    seconds: r.seconds,
                }
            })
            .collect(),
    ))
}

/// One item as a student sees it: no answer key until results are released.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentItem {
    pub item_id: String,
    /// `single_choice`, `multiple_choice`, `true_false`, `fill_blank`, `short_answer`
    pub item_type: String,
    /// The stem, with LaTeX between `$…$` or `\(…\)`.
    pub stem: String,
    #[schema(value_type = Vec<Object>)]
    pub choices: Vec<domain::items::Choice>,
    /// How many blanks a fill-in item has.
    pub blanks: u32,
    pub points: f32,
    /// The student's saved answer, `{"kind": "choices"|"true_false"|"blanks"|"text", "value": …}`.
    #[schema(value_type = Option<Object>)]
    pub response: Option<domain::grading::Response>,
    pub seconds: u32,
    /// After release: the mark, the key and the analysis.
    #[schema(value_type = Option<Object>)]
    pub mark: Option<Mark>,
    #[schema(value_type = Option<Object>)]
    pub answer_key: Option<AnswerKey>,
    pub analysis: Option<String>,
}

/// A homework opened by a student (or their guardian, or teacher).
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentHomeworkDetail {
    pub homework_id: String,
    pub title: String,
    pub instructions: String,
    pub subject: String,
    pub mode: String,
    pub open_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub allow_late: bool,
    pub minutes: u32,
    pub state: String,
    /// The item to resume at (0-based).
    pub position: u32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub released: bool,
    pub score: Option<f32>,
    pub max: f32,
    pub comment: Option<String>,
    pub items: Vec<StudentItem>,
}

/// Shapes a student's view of a homework; keys and marks only once released.
pub(crate) fn student_detail(
    homework: &Homework,
    submission: &domain::homework::Submission,
    bank: &std::collections::HashMap<String, Arc<Item>>,
) -> StudentHomeworkDetail {
    let released = homework.released_at.is_some();
    let items = submission
        .items(homework)
        .iter()
        .filter_map(|hi| {
            let item = bank.get(&hi.item_id)?;
            let answer = submission.answer(&hi.item_id);
            Some(StudentItem {
                item_id: hi.item_id.clone(),
                item_type: item.item_type.code().to_owned(),
                stem: item.stem.clone(),
                choices: item.choices.clone(),
                blanks: match &item.answer {
                    AnswerKey::Blanks(b) => b.len() as u32,
                    _ => 0,
                },
                points: hi.points,
                response: answer.map(|a| a.response.clone()),
                seconds: answer.map_or(0, |a| a.seconds),
                mark: if released { answer.and_then(|a| a.mark.clone()) } else { None },
                answer_key: released.then(|| item.answer.clone()),
                analysis: released.then(|| item.analysis.clone()),
            })
        })
        .collect();
    let score = ops::visible_score(homework, submission);
    StudentHomeworkDetail {
        homework_id: homework.id.clone(),
        title: homework.title.clone(),
        instructions: homework.instructions.clone(),
        subject: homework.subject.code().to_owned(),
        mode: homework.mode.code().to_owned(),
        open_at: homework.open_at,
        due_at: homework.due_at,
        allow_late: homework.allow_late,
        minutes: homework.minutes,
        state: submission.state.code().to_owned(),
        position: submission.position,
        submitted_at: submission.submitted_at,
        late: submission.late,
        released,
        score: score.map(|s| s.points),
        max: score.map_or_else(|| submission.items(homework).iter().map(|i| i.points).sum(), |s| s.max),
        comment: if released { submission.comment.clone() } else { None },
        items,
    }
}

/// `GET /api/v1/students/{id}/homework/{homework}`: opens a homework (the student's first open
/// marks it started).
#[utoipa::path(
    get, path = "/api/v1/students/{id}/homework/{homework}", operation_id = "open_homework", tag = "homework",
    params(("id" = String, Path, description = "学生编号 / student id"), ("homework" = String, Path, description = "作业编号 / homework id")),
    responses(
        (status = 200, description = "作业与作答 / the homework and the student's work", body = StudentHomeworkDetail),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn open(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path((id, homework)): Path<(String, String)>,
) -> Result<Json<StudentHomeworkDetail>, HomeworkError> {
    let principal = ctx.principal()?;
    let (homework, submission) = ops::open(&app, principal, &id, &homework, Utc::now()).await?;
    let ids: Vec<String> = submission.items(&homework).iter().map(|i| i.item_id.clone()).collect();
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    Ok(Json(student_detail(&homework, &submission, &bank)))
}

/// An autosave.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAnswerRequest {
    pub item_id: String,
    #[schema(value_type = Object, example = json!({"kind": "blanks", "value": ["1/2"]}))]
    pub response: domain::grading::Response,
    /// Seconds spent on the item since its last save (0–86400).
    #[serde(default)]
    pub seconds: u32,
    /// The item the student is on (0-based), to resume there.
    #[serde(default)]
    pub position: u32,
}

/// The answer is durable.
#[derive(Debug, Serialize, ToSchema)]
pub struct Saved {
    pub saved_at: DateTime<Utc>,
}

/// `PUT /api/v1/students/{id}/homework/{homework}/answers`: saves one answer (autosave).
#[utoipa::path(
    put, path = "/api/v1/students/{id}/homework/{homework}/answers", operation_id = "save_answer", tag = "homework",
    params(("id" = String, Path, description = "学生编号 / student id"), ("homework" = String, Path, description = "作业编号 / homework id")),
    request_body = SaveAnswerRequest,
    responses(
        (status = 200, description = "已保存 / saved durably", body = Saved),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Unprocessable),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn save_answer(
    State(app): State<Arc<App>>,
    Path((id, homework)): Path<(String, String)>,
    JsonBody(request): JsonBody<SaveAnswerRequest>,
) -> Result<Json<Saved>, HomeworkError> {
    let now = Utc::now();
    let given = GivenAnswer { item_id: request.item_id, response: request.response, seconds: request.seconds };
    ops::save_answer(&app, &id, &homework, given, request.position, now).await?;
    Ok(Json(Saved { saved_at: now }))
}

/// A submission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The idempotency key (or send the `Idempotency-Key` header): a retry with the same key gets
    /// the same success, never a second submission.
    #[serde(default)]
    pub key: Option<String>,
    /// Final answers not yet autosaved (optional).
    #[serde(default)]
    pub answers: Vec<GivenAnswer>,
}

/// `POST /api/v1/students/{id}/homework/{homework}/submit`: hands the work in; objective items are
/// graded at once.
#[utoipa::path(
    post, path = "/api/v1/students/{id}/homework/{homework}/submit", operation_id = "submit_homework", tag = "homework",
    params(
        ("id" = String, Path, description = "学生编号 / student id"),
        ("homework" = String, Path, description = "作业编号 / homework id"),
        ("Idempotency-Key" = Option<String>, Header, description = "重试安全 / makes retries safe")
    ),
    request_body = SubmitRequest,
    responses(
        (status = 200, description = "已提交 / submitted (or the same key again)", body = Submitted),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Unprocessable),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn submit(
    State(app): State<Arc<App>>,
    Path((id, homework)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<SubmitRequest>,
) -> Result<Json<Submitted>, HomeworkError> {
    let key = request
        .key
        .or_else(|| headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned))
        .unwrap_or_default();
    Ok(Json(ops::submit(&app, &id, &homework, &key, request.answers, Utc::now()).await?))
}

/// `POST /api/v1/homework`: assigns a homework to classes (one homework per class).
#[utoipa::path(
    post, path = "/api/v1/homework", operation_id = "assign_homework", tag = "homework",
    request_body = Compose,
    responses(
        (status = 201, description = "已布置 / assigned", body = Assigned),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Unprocessable),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn assign(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    JsonBody(compose): JsonBody<Compose>,
) -> Result<(axum::http::StatusCode, Json<Assigned>), HomeworkError> {
    let principal = ctx.principal()?;
    let assigned = ops::assign(&app, principal, &compose, Utc::now()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(assigned)))
}

/// A homework with its class's progress, for the teacher.
#[derive(Debug, Serialize, ToSchema)]
pub struct HomeworkDetail {
    #[schema(value_type = Object)]
    pub homework: Homework,
    #[schema(value_type = Object)]
    pub report: domain::homework::analysis::ClassReport,
}

/// `GET /api/v1/homework/{id}`: the homework and its class report (completion, distributions,
/// per-item and per-knowledge-point correctness).
#[utoipa::path(
    get, path = "/api/v1/homework/{id}", operation_id = "homework_report", tag = "homework",
    params(("id" = String, Path, description = "作业编号 / homework id")),
    responses(
        (status = 200, description = "作业与学情 / the homework and its report", body = HomeworkDetail),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn report(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<HomeworkDetail>, HomeworkError> {
    let (homework, report) = crate::homework::report::class_report(&app, &id).await?;
    Ok(Json(HomeworkDetail { homework: (*homework).clone(), report }))
}

/// One item of a homework being composed (`items[]` of `POST /api/v1/homework`); the homework
/// returned by `GET /api/v1/homework/{id}` lists its items in the same shape.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the shape of domain::homework::HomeworkItem for the OpenAPI document")]
pub struct ComposeItem {
    pub item_id: String,
    /// What the item is worth (more than 0, at most 100).
    pub points: f32,
    /// 评分要点: the scoring points a teacher marks by. Optional; when given, every point needs a
    /// text and a worth above 0, and the worths add up to `points` (else 422 with the field
    /// `items[N].rubric`).
    #[serde(default)]
    pub rubric: Vec<RubricPointBody>,
    /// How leniently the machine grades this item; every option defaults to `true`.
    #[serde(default)]
    pub grading: Option<GradingOptionsBody>,
}

/// One scoring point of a rubric.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the shape of domain::homework::RubricPoint")]
pub struct RubricPointBody {
    /// What earns the points (at most 200 characters).
    #[schema(example = "列出方程")]
    pub text: String,
    #[schema(example = 2.0)]
    pub points: f32,
}

/// Grading options of one item (`domain::grading::GradingOptions`); a missing option is `true`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code, reason = "documents the shape of domain::grading::GradingOptions")]
pub struct GradingOptionsBody {
    /// 数值等价: a fill-in number may be written in any equal form (0.5 = 1/2 = 50%).
    pub numeric_equivalence: Option<bool>,
    /// 可省略单位: a unit on a fill-in number may be left out (but a different unit is wrong).
    pub ignore_units: Option<bool>,
    /// 少选得一半: a multiple choice with some right options and no wrong one earns half.
    pub partial_credit_multiple_choice: Option<bool>,
}

/// A teacher's mark: a score, or the rubric's scoring points awarded (the score is then their
/// sum), or both (the score wins, the points are recorded with the mark's activity).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRequest {
    pub student_id: String,
    pub item_id: String,
    /// 0 to the item's points; required unless `rubric_points` is given for an item with a rubric.
    #[serde(default)]
    pub score: Option<f32>,
    /// Indexes (0-based) into the item's `rubric` of the scoring points awarded.
    #[serde(default)]
    #[schema(example = json!([0, 2]))]
    pub rubric_points: Vec<usize>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// `PUT /api/v1/homework/{id}/marks`: marks one answer.
#[utoipa::path(
    put, path = "/api/v1/homework/{id}/marks", operation_id = "mark_answer", tag = "homework",
    params(("id" = String, Path, description = "作业编号 / homework id")),
    request_body = MarkRequest,
    responses(
        (status = 204, description = "已评分 / marked"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Unprocessable),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn mark(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<MarkRequest>,
) -> Result<axum::http::StatusCode, HomeworkError> {
    let principal = ctx.principal()?;
    let homework = app.homeworks.homework(&*app.store, &id).await?.ok_or(HomeworkError::NotFound)?;
    ops::mark(
        &app,
        principal,
        &homework,
        &request.student_id,
        &request.item_id,
        GivenMark { score: request.score, rubric_points: request.rubric_points, comment: request.comment },
        Utc::now(),
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Whether the release changed anything.
#[derive(Debug, Serialize, ToSchema)]
pub struct Released {
    pub released: bool,
}

/// `POST /api/v1/homework/{id}/release`: releases results to students and guardians.
#[utoipa::path(
    post, path = "/api/v1/homework/{id}/release", operation_id = "release_homework", tag = "homework",
    params(("id" = String, Path, description = "作业编号 / homework id")),
    responses(
        (status = 200, description = "已发布成绩 / released (false when it already was)", body = Released),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn release(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<Released>, HomeworkError> {
    let principal = ctx.principal()?;
    let homework = app.homeworks.homework(&*app.store, &id).await?.ok_or(HomeworkError::NotFound)?;
    let released = ops::release(&app, principal, &homework, Utc::now()).await?;
    Ok(Json(Released { released }))
}
