//! Pages of the learning engine: a student's mastery (student, guardians, teachers), a class's
//! heatmap (its teachers and school), and the refit page for district staff and 教研员.

use std::{collections::HashMap, sync::Arc};

use askama::Template;
use axum::{
    Json,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use domain::{
    Subject,
    access::{Action, ResourceKind, Target, decide},
    identity::PersonKind,
};
use serde::Deserialize;
use store::{LearnFitSummary, Mastery};

use super::homework::local_time;
use crate::{
    App, RequestContext, WebError,
    guard::see_other,
    homework::{PointInfo, point_name},
    i18n::{Lang, learn::LearnMessages},
    mastery::{JobStatus, Level, Stage},
    pages::{Chrome, Nav, Page},
};

/// One knowledge point of a student.
pub(crate) struct PointRow {
    pub name: String,
    pub percent: u32,
    pub level: &'static str,
    pub level_code: &'static str,
    pub responses: u32,
}

/// A subject's knowledge points, weakest first, with the chart drawn from the same rows.
pub(crate) struct SubjectView {
    pub subject: String,
    pub chart: String,
    pub rows: Vec<PointRow>,
}

#[derive(Template)]
#[template(path = "mastery_student.html")]
pub(crate) struct StudentPage {
    c: Chrome,
    l: &'static LearnMessages,
    student_id: String,
    student_name: String,
    guardian: bool,
    fitted: Option<String>,
    subjects: Vec<SubjectView>,
}

fn level_label(l: &LearnMessages, level: Level) -> &'static str {
    match level {
        Level::Mastered => l.mastered,
        Level::Basic => l.basic,
        Level::Weak => l.weak,
    }
}

/// The subject a knowledge point belongs to (from the curriculum; `None` for a free label).
fn subject_of(points: &HashMap<String, PointInfo>, kp: &str) -> Option<Subject> {
    points.get(kp).map(|p| p.subject)
}

fn subject_label(lang: Lang, l: &LearnMessages, subject: Option<Subject>) -> String {
    subject.map_or_else(|| l.other_subject.to_owned(), |s| lang.label(s).to_owned())
}

fn pct(p: f64) -> u32 {
    (p * 100.0).round().clamp(0.0, 100.0) as u32
}

/// `GET /students/{id}/mastery`.
pub(crate) async fn student(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<StudentPage>, WebError> {
    let principal = ctx.principal()?;
    let c = app.chrome(&ctx, Nav::Homework).await?;
    let (lang, l) = (c.lang, c.m.learn);
    let place = app.store.place(ResourceKind::Student, &id).await?.ok_or(WebError::NotFound)?;
    let student_name = app
        .store
        .class_detail(place.class_id.as_deref().unwrap_or_default())
        .await?
        .and_then(|c| c.students.into_iter().find(|(s, _)| s.id == id).map(|(s, _)| s.name))
        .unwrap_or_else(|| id.clone());
    let model = app.learning.model().await?;
    let points = app.homeworks.points(&*app.store).await?;
    let rows = app.store.mastery_of(std::slice::from_ref(&id)).await?;
    let mut by_subject: HashMap<Option<Subject>, Vec<&Mastery>> = HashMap::new();
    for m in &rows {
        by_subject.entry(subject_of(&points, &m.knowledge_point)).or_default().push(m);
    }
    let mut subjects: Vec<(Option<Subject>, Vec<&Mastery>)> = by_subject.into_iter().collect();
    // Subjects in the curriculum's order, free labels last.
    subjects.sort_by_key(|(s, _)| (s.is_none(), s.map(|s| Subject::ALL.iter().position(|x| *x == s))));
    let subjects = subjects
        .into_iter()
        .map(|(subject, mut list)| {
            list.sort_by(|a, b| {
                a.probability.total_cmp(&b.probability).then(a.knowledge_point.cmp(&b.knowledge_point))
            });
            let rows: Vec<PointRow> = list
                .iter()
                .map(|m| {
                    let level = Level::of(m.probability);
                    PointRow {
                        name: point_name(&points, &m.knowledge_point).to_owned(),
                        percent: pct(m.probability),
                        level: level_label(l, level),
                        level_code: level.code(),
                        responses: m.responses,
                    }
                })
                .collect();
            let chart = serde_json::json!({
                "kind": "hbar",
                "labels": rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
                "values": rows.iter().map(|r| r.percent).collect::<Vec<_>>(),
                "levels": rows.iter().map(|r| r.level_code).collect::<Vec<_>>(),
                "name": l.probability,
                "unit": "%",
            })
            .to_string();
            SubjectView { subject: subject_label(lang, l, subject), chart, rows }
        })
        .collect();
    let guardian = principal.account.person.as_ref().is_some_and(|p| p.kind == PersonKind::Guardian);
    Ok(Page(StudentPage {
        fitted: model.map(|m| local_time(m.fit.fitted_at)),
        c,
        l,
        student_id: id,
        student_name,
        guardian,
        subjects,
    }))
}

/// One student's row of the class table.
pub(crate) struct ClassRow {
    pub student_id: String,
    pub name: String,
    /// Per column: the percentage, or none when the student has not practised the point.
    pub cells: Vec<Option<u32>>,
}

#[derive(Template)]
#[template(path = "mastery_class.html")]
pub(crate) struct ClassPage {
    c: Chrome,
    l: &'static LearnMessages,
    class_id: String,
    class_name: String,
    fitted: Option<String>,
    subjects: Vec<(String, String, bool)>,
    columns: Vec<String>,
    means: Vec<Option<u32>>,
    rows: Vec<ClassRow>,
    chart: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ClassQuery {
    subject: Option<String>,
}

/// Most knowledge points in the heatmap (the weakest of the class).
const MAX_COLUMNS: usize = 24;

/// `GET /classes/{id}/mastery`: students × knowledge points of one subject.
pub(crate) async fn class(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<ClassQuery>,
) -> Result<Page<ClassPage>, WebError> {
    let principal = ctx.principal()?;
    // The route lets the class's viewers in; the students' estimates are their work, which its
    // teachers, school and district see (a 教研员 sees the class, not the students' results).
    let place = app.store.place(ResourceKind::Class, &id).await?.ok_or(WebError::NotFound)?;
    if !decide(&principal.actor, Action::View, &Target::new(ResourceKind::StudentWork, place)).is_allowed() {
        return Err(WebError::Forbidden);
    }
    let detail = app.store.class_detail(&id).await?.ok_or(WebError::NotFound)?;
    let c = app.chrome(&ctx, Nav::None).await?;
    let (lang, l) = (c.lang, c.m.learn);
    let model = app.learning.model().await?;
    let points = app.homeworks.points(&*app.store).await?;
    let students: Vec<(String, String)> = detail.students.iter().map(|(s, _)| (s.id.clone(), s.name.clone())).collect();
    let ids: Vec<String> = students.iter().map(|(s, _)| s.clone()).collect();
    let rows = app.store.mastery_of(&ids).await?;

    // The class's subjects, the most practised first; the chosen one (or that first).
    let mut counts: HashMap<Option<Subject>, usize> = HashMap::new();
    for m in &rows {
        *counts.entry(subject_of(&points, &m.knowledge_point)).or_default() += 1;
    }
    let mut present: Vec<(Option<Subject>, usize)> = counts.into_iter().collect();
    present.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.map(Subject::code).cmp(&b.0.map(Subject::code))));
    let wanted = q.subject.as_deref().and_then(|s| Subject::parse(s).ok());
    let chosen =
        present.iter().map(|(s, _)| *s).find(|s| wanted.is_some() && *s == wanted).or(present.first().map(|p| p.0));
    let subjects = present
        .iter()
        .map(|(s, _)| (s.map_or("other", Subject::code).to_owned(), subject_label(lang, l, *s), *s == chosen.flatten()))
        .collect();

    // Columns: the subject's knowledge points, weakest class mean first.
    let mut by_point: HashMap<&str, Vec<&Mastery>> = HashMap::new();
    for m in rows.iter().filter(|m| chosen.is_some() && subject_of(&points, &m.knowledge_point) == chosen.flatten()) {
        by_point.entry(m.knowledge_point.as_str()).or_default().push(m);
    }
    let mean = |list: &[&Mastery]| list.iter().map(|m| m.probability).sum::<f64>() / list.len().max(1) as f64;
    let mut columns: Vec<(&str, f64)> = by_point.iter().map(|(k, list)| (*k, mean(list))).collect();
    columns.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    columns.truncate(MAX_COLUMNS);
    let cell: HashMap<(&str, &str), f64> =
        rows.iter().map(|m| ((m.student_id.as_str(), m.knowledge_point.as_str()), m.probability)).collect();
    let table: Vec<ClassRow> = students
        .iter()
        .map(|(sid, name)| ClassRow {
            student_id: sid.clone(),
            name: name.clone(),
            cells: columns.iter().map(|(kp, _)| cell.get(&(sid.as_str(), *kp)).map(|p| pct(*p))).collect(),
        })
        .collect();
    let names: Vec<String> = columns.iter().map(|(kp, _)| point_name(&points, kp).to_owned()).collect();
    let mut data = Vec::new();
    for (y, row) in table.iter().enumerate() {
        for (x, value) in row.cells.iter().enumerate() {
            if let Some(v) = value {
                data.push(serde_json::json!([x, y, v]));
            }
        }
    }
    let chart = serde_json::json!({
        "kind": "heatmap",
        "x": names,
        "y": table.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        "data": data,
        "name": l.probability,
    })
    .to_string();
    Ok(Page(ClassPage {
        fitted: model.map(|m| local_time(m.fit.fitted_at)),
        means: columns.iter().map(|(_, m)| Some(pct(*m))).collect(),
        class_name: format!("{} {}", detail.school_name, detail.class.name),
        c,
        l,
        class_id: id,
        subjects,
        columns: names,
        rows: table,
        chart,
    }))
}

#[derive(Template)]
#[template(path = "learn_admin.html")]
pub(crate) struct AdminPage {
    c: Chrome,
    l: &'static LearnMessages,
    job: JobStatus,
    stage: &'static str,
    latest: Option<FitView>,
    history: Vec<FitView>,
}

/// A fit's figures as the page shows them.
#[derive(Clone)]
pub(crate) struct FitView {
    pub fitted_at: String,
    pub responses: String,
    pub students: String,
    pub knowledge_points: String,
    pub items: String,
    pub auc: String,
    pub irt_auc: String,
    pub rmse: String,
    pub holdout: String,
    pub seconds: String,
}

impl FitView {
    fn of(lang: Lang, f: &LearnFitSummary) -> FitView {
        let figure = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.3}"));
        FitView {
            fitted_at: local_time(f.fitted_at),
            responses: lang.count(f.responses),
            students: lang.count(f.students),
            knowledge_points: lang.count(f.knowledge_points),
            items: lang.count(f.items),
            auc: figure(f.metrics.auc),
            irt_auc: figure(f.metrics.irt_auc),
            rmse: figure(f.metrics.rmse),
            holdout: lang.count(f.metrics.holdout_responses),
            seconds: format!("{:.2}", f.seconds),
        }
    }
}

fn stage_label(l: &LearnMessages, stage: Stage) -> &'static str {
    match stage {
        Stage::Idle => l.stage_idle,
        Stage::Reading => l.stage_reading,
        Stage::Holdout => l.stage_holdout,
        Stage::FittingBkt => l.stage_bkt,
        Stage::FittingIrt => l.stage_irt,
        Stage::Replaying => l.stage_replaying,
        Stage::Saving => l.stage_saving,
        Stage::Done => l.stage_done,
        Stage::Failed => l.stage_failed,
    }
}

/// `GET /learn`: the last fit's figures, the history and the refit button with its progress.
pub(crate) async fn admin(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<AdminPage>, WebError> {
    let c = app.chrome(&ctx, Nav::None).await?;
    let (lang, l) = (c.lang, c.m.learn);
    let job = app.learning.status();
    let history: Vec<FitView> = app.store.learn_fits(10).await?.iter().map(|f| FitView::of(lang, f)).collect();
    let latest = history.first().cloned();
    Ok(Page(AdminPage { stage: stage_label(l, job.stage), c, l, job, latest, history }))
}

/// `POST /learn/refit`: starts a refit (unless one is running) and goes back to its page.
pub(crate) async fn refit(State(app): State<Arc<App>>) -> Response {
    app.learning.start_refit();
    see_other("/learn")
}

/// `GET /learn/status`: the job and the latest fit, for scripts and tests.
pub(crate) async fn status(State(app): State<Arc<App>>) -> Result<Response, WebError> {
    // The job before the fit: a refit stores its fit before it reports done, so "done" read first
    // comes with that fit (read the other way round, a refit ending in between paired "done" with
    // the fit before it).
    let job = app.learning.status();
    let latest = app.store.learn_fits(1).await?.pop();
    Ok(Json(serde_json::json!({ "job": job, "latest": latest })).into_response())
}
