//! The class report of one homework: facts, every chart with its table, the students with their
//! marking links, release, exports and the way to targeted follow-ups.

use std::sync::Arc;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use domain::homework::{Homework, analysis::ClassReport};
use serde::Deserialize;
use store::HomeworkFilter;

use super::{local_time, percent};
use crate::{
    App, RequestContext, WebError,
    guard::see_other,
    homework::{HomeworkError, Points, ops, point_name, report::class_report},
    pages::{Chrome, Fact, Nav, Page},
};

#[derive(Template)]
#[template(path = "homework_report.html")]
pub(crate) struct ReportPage {
    c: Chrome,
    h: Arc<Homework>,
    r: ClassReport,
    facts: Vec<Fact>,
    assigned: Option<u32>,
    may_manage: bool,
    completion_chart: String,
    score_chart: String,
    time_chart: String,
    scatter_chart: String,
    hours_chart: String,
    items_chart: String,
    trend_chart: String,
    trend: Vec<(String, String)>,
    names: Points,
}

impl ReportPage {
    /// A percentage (0–100): a student's, the class mean.
    fn pct(&self, value: &Option<f32>) -> String {
        percent(*value)
    }

    /// A rate (0–1) as a percentage: an item's correct or score rate, a knowledge point's.
    fn rate(&self, value: &Option<f32>) -> String {
        percent(value.map(|v| v * 100.0))
    }

    /// A knowledge point's name for its id.
    fn kp<'a>(&'a self, id: &'a str) -> &'a str {
        point_name(&self.names, id)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReportQuery {
    assigned: Option<u32>,
}

fn bar(labels: Vec<String>, values: Vec<u32>, name: &str, unit: &str) -> String {
    serde_json::json!({ "kind": "bar", "labels": labels, "values": values, "name": name, "unit": unit }).to_string()
}

/// `GET /homework/{id}`: the report.
pub(crate) async fn show(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Page<ReportPage>, WebError> {
    let principal = ctx.principal()?;
    let (h, mut r) = class_report(&app, &id).await.map_err(web_error)?;
    // The matrix shows who has rates; the students table below lists everyone else.
    r.matrix.rows.retain(|row| row.rates.iter().any(Option::is_some));
    let c = app.chrome(&ctx, Nav::Homework).await?;
    let (lang, m) = (c.lang, c.m.hw);
    let class_name = app.store.class_detail(&h.class_id).await?.map(|c| c.class.name).unwrap_or_default();
    let facts = vec![
        Fact::text(m.class_, class_name),
        Fact::text(m.subject, lang.label(h.subject)),
        Fact::text(m.item_type, lang.label(h.kind)),
        Fact::text(m.mode, lang.label(h.mode)),
        Fact::text(m.opens, local_time(h.open_at)),
        Fact::text(m.due, local_time(h.due_at)),
        Fact::text(m.minutes, h.minutes.to_string()),
    ];
    let place = app.store.place(domain::access::ResourceKind::Homework, &id).await?.unwrap_or_default();
    let may_manage = domain::access::decide(
        &principal.actor,
        domain::access::Action::Manage,
        &domain::access::Target::new(domain::access::ResourceKind::Homework, place),
    )
    .is_allowed();
    let co = &r.completion;
    let completion_chart = bar(
        vec![m.not_started.into(), m.started_n.into(), m.submitted.into(), m.late_n.into(), m.to_mark.into()],
        vec![co.not_started, co.started, co.submitted, co.late, co.pending_marking],
        m.number,
        "",
    );
    let score_chart = bar(
        r.score_bins.iter().map(|b| b.label.clone()).collect(),
        r.score_bins.iter().map(|b| b.count).collect(),
        m.number,
        "",
    );
    let time_chart = bar(
        r.time_bins.iter().map(|b| b.label.clone()).collect(),
        r.time_bins.iter().map(|b| b.count).collect(),
        m.number,
        "",
    );
    let hours_chart = bar(
        r.hours.iter().map(|h| format!("{}", h.hour)).collect(),
        r.hours.iter().map(|h| h.students).collect(),
        m.number,
        "",
    );
    let scatter_chart = serde_json::json!({
        "kind": "scatter",
        "xName": m.minutes_short,
        "points": r.scatter.iter().map(|p| serde_json::json!([p.minutes, p.percent, p.name])).collect::<Vec<_>>(),
    })
    .to_string();
    let items_chart = serde_json::json!({
        "kind": "line",
        "labels": r.items.iter().map(|i| i.number.to_string()).collect::<Vec<_>>(),
        "values": r.items.iter().map(|i| i.correct_rate.map(|v| (v * 1000.0).round() / 10.0)).collect::<Vec<_>>(),
        "name": m.correct_rate,
    })
    .to_string();
    // The class's trend over its latest homework in this subject.
    let filter = HomeworkFilter {
        class_ids: vec![h.class_id.clone()],
        subject: Some(h.subject),
        limit: 12,
        ..HomeworkFilter::default()
    };
    let mut recent = app.store.homework_list(&filter).await?;
    recent.reverse();
    let trend: Vec<(String, String)> =
        recent.iter().map(|s| (s.homework.title.clone(), percent(s.mean_percent))).collect();
    let trend_chart = serde_json::json!({
        "kind": "line",
        "labels": recent.iter().map(|s| s.homework.due_at.with_timezone(&domain::homework::CHINA_TIME).format("%m-%d").to_string()).collect::<Vec<_>>(),
        "values": recent.iter().map(|s| s.mean_percent).collect::<Vec<_>>(),
        "name": m.mean,
    })
    .to_string();
    let names = app.homeworks.points(&*app.store).await?;
    Ok(Page(ReportPage {
        names,
        c,
        h,
        r,
        facts,
        assigned: query.assigned,
        may_manage,
        completion_chart,
        score_chart,
        time_chart,
        scatter_chart,
        hours_chart,
        items_chart,
        trend_chart,
        trend,
    }))
}

/// Maps an operation's refusal onto the page errors.
pub(crate) fn web_error(err: HomeworkError) -> WebError {
    match err {
        HomeworkError::NotFound => WebError::NotFound,
        HomeworkError::Forbidden => WebError::Forbidden,
        HomeworkError::Store(e) => WebError::Store(e),
        other => WebError::BadRequest(other.to_string()),
    }
}

/// `POST /homework/{id}/release`: releases results, back to the report.
pub(crate) async fn release(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let homework = app.homeworks.homework(&*app.store, &id).await?.ok_or(WebError::NotFound)?;
    ops::release(&app, principal, &homework, Utc::now()).await.map_err(web_error)?;
    Ok(see_other(&format!("/homework/{id}")).into_response())
}
