//! Homework pages: the teacher's list with the 双减 workload view, composing and assigning, the class
//! report with charts, marking, release, targeted follow-ups, exports; the student's list, answering
//! page and 错题本; the guardian's view of a child.

pub(crate) mod compose;
pub(crate) mod export;
pub(crate) mod followups;
pub(crate) mod marking;
pub(crate) mod report;
pub(crate) mod student;

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use chrono::{Duration, Utc};
use domain::{
    homework::local_date,
    workload::{self, WorkloadVerdict},
};
use store::HomeworkFilter;

use crate::{
    App, RequestContext, WebError,
    homework::ops::teacher_id,
    i18n::Lang,
    pages::{Chrome, Nav, Page},
};

/// One homework in the teacher's list.
pub(crate) struct ListRow {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub class_name: String,
    pub subject: &'static str,
    pub due: String,
    pub students: u32,
    pub submitted: u32,
    pub to_mark: u32,
    pub mean: String,
    pub released: bool,
}

/// One class's homework minutes on one day, for the 班主任's workload table and chart.
pub(crate) struct WorkloadRow {
    pub class_name: String,
    pub date: String,
    pub total: u32,
    pub limit: String,
    pub over: bool,
    /// `subject title minutes` lines.
    pub parts: Vec<String>,
}

#[derive(Template)]
#[template(path = "homework_list.html")]
pub(crate) struct ListPage {
    c: Chrome,
    rows: Vec<ListRow>,
    workload: Vec<WorkloadRow>,
    /// The workload chart's data as JSON: `{dates, series: [{name, data}], limit}`.
    workload_chart: String,
}

/// A date and time in China Standard Time, as pages show it.
pub(crate) fn local_time(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&domain::homework::CHINA_TIME).format("%m-%d %H:%M").to_string()
}

/// A percentage for a table cell, or a dash.
pub(crate) fn percent(value: Option<f32>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.0}%"))
}

/// `GET /homework`: the homework the teacher assigned, and the daily totals of the classes they
/// head (all subjects together) for the coming week.
pub(crate) async fn list(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<ListPage>, WebError> {
    let principal = ctx.principal()?;
    let teacher = teacher_id(principal).map_err(|_| WebError::Forbidden)?.to_owned();
    let c = app.chrome(&ctx, Nav::Homework).await?;
    let lang = c.lang;
    let filter = HomeworkFilter { teacher_id: Some(teacher), limit: 200, ..HomeworkFilter::default() };
    let rows = app
        .store
        .homework_list(&filter)
        .await?
        .into_iter()
        .map(|s| ListRow {
            id: s.homework.id.clone(),
            title: s.homework.title.clone(),
            kind: lang.label(s.homework.kind),
            class_name: s.class_name.clone(),
            subject: lang.label(s.homework.subject),
            due: local_time(s.homework.due_at),
            students: s.students,
            submitted: s.submitted,
            to_mark: s.to_mark,
            mean: percent(s.mean_percent),
            released: s.homework.released_at.is_some(),
        })
        .collect();
    let (workload, workload_chart) = workload_view(&app, lang, &principal.actor.facts.head_of).await?;
    Ok(Page(ListPage { c, rows, workload, workload_chart }))
}

/// The next seven days' homework minutes of the classes a teacher heads, with each day checked
/// against the district's limit for the class's grade.
async fn workload_view(app: &App, lang: Lang, classes: &[String]) -> Result<(Vec<WorkloadRow>, String), WebError> {
    let m = lang.messages().hw;
    let today = local_date(Utc::now());
    let days: Vec<_> = (0..7).map(|d| today + Duration::days(d)).collect();
    let mut rows = Vec::new();
    let mut series = Vec::new();
    let mut limits = Vec::new();
    for class_id in classes {
        let Some(class) = app.store.class_detail(class_id).await? else { continue };
        let minutes = app.store.class_minutes(std::slice::from_ref(class_id), days[0], days[6]).await?;
        let limit = app.homeworks.workload.limit_for(class.class.grade).ok().flatten();
        limits.push(limit);
        let mut data = Vec::new();
        for day in &days {
            let parts: Vec<_> = minutes.iter().filter(|r| r.date == *day).collect();
            let total: u32 = parts.iter().map(|r| r.minutes).sum();
            data.push(total);
            if parts.is_empty() {
                continue;
            }
            let verdict = workload::check(&app.homeworks.workload, class.class.grade, *day, total, 0)
                .unwrap_or(WorkloadVerdict::Ok { total, limit });
            rows.push(WorkloadRow {
                class_name: class.class.name.clone(),
                date: day.format("%m-%d").to_string(),
                total,
                limit: match limit {
                    None => m.no_limit.to_owned(),
                    Some(0) => m.no_written.to_owned(),
                    Some(l) => format!("{l} {}", m.minutes_short),
                },
                over: !matches!(verdict, WorkloadVerdict::Ok { .. }),
                parts: parts
                    .iter()
                    .map(|r| format!("{} · {} · {} {}", lang.label(r.subject), r.title, r.minutes, m.minutes_short))
                    .collect(),
            });
        }
        series.push(serde_json::json!({ "name": class.class.name, "data": data }));
    }
    let chart = if series.is_empty() {
        String::new()
    } else {
        serde_json::json!({
            "kind": "workload",
            "dates": days.iter().map(|d| d.format("%m-%d").to_string()).collect::<Vec<_>>(),
            "series": series,
            "limit": limits.into_iter().flatten().min(),
            "limitLabel": m.limit,
            "unit": m.minutes_short,
        })
        .to_string()
    };
    Ok((rows, chart))
}
