//! Targeted follow-ups (靶向作业): the plan for every student, reviewed on one page and assigned
//! with one button.

use std::sync::Arc;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use chrono::{Duration, TimeZone, Utc};
use domain::homework::{CHINA_TIME, Homework, followup::PlanNote};
use serde::Deserialize;

use super::{super::library::items::ItemView, report::web_error};
use crate::{
    App, RequestContext, WebError,
    guard::see_other,
    homework::{HomeworkError, ops, point_name, report::student_names},
    pages::{Chrome, Nav, Page},
};

pub(crate) struct PlanView {
    pub name: String,
    pub note: &'static str,
    pub targeted: bool,
    pub weak_points: Vec<String>,
    pub minutes: u32,
    pub items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "homework_followups.html")]
pub(crate) struct FollowUpPage {
    c: Chrome,
    h: Arc<Homework>,
    plans: Vec<PlanView>,
    budget: u32,
    max_items: usize,
    warning: Option<String>,
    assignable: usize,
    /// Whether the weak points came from the learning engine's estimates or from the marks.
    basis: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PlanQuery {
    budget: Option<u32>,
    max_items: Option<usize>,
}

async fn page(
    ctx: &RequestContext,
    app: &App,
    id: &str,
    budget: u32,
    max_items: usize,
    warning: Option<String>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let h = app.homeworks.homework(&*app.store, id).await?.ok_or(WebError::NotFound)?;
    let plans = ops::plan_follow_ups(app, principal, &h, budget, max_items).await.map_err(web_error)?;
    let names = student_names(app, &h.class_id).await.map_err(web_error)?;
    let names_kp = app.homeworks.points(&*app.store).await?;
    let c = app.chrome(ctx, Nav::Homework).await?;
    let lang = c.lang;
    let basis = match app.learning.model().await? {
        Some(m) => format!("{} {}", c.m.learn.basis_mastery, super::local_time(m.fit.fitted_at)),
        None => c.m.learn.basis_marks.to_owned(),
    };
    let ids: Vec<String> = plans.iter().flat_map(|p| p.items.iter().map(|i| i.item_id.clone())).collect();
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let views: Vec<PlanView> = plans
        .iter()
        .map(|p| PlanView {
            name: names
                .iter()
                .find(|(i, _)| *i == p.student_id)
                .map_or_else(|| p.student_id.clone(), |(_, n)| n.clone()),
            note: lang.label(p.note),
            targeted: !p.items.is_empty(),
            weak_points: p.weak_points.iter().map(|k| point_name(&names_kp, k).to_owned()).collect(),
            minutes: p.minutes,
            items: p.items.iter().filter_map(|i| bank.get(&i.item_id).map(|it| ItemView::of(lang, it))).collect(),
        })
        .collect();
    let assignable = plans.iter().filter(|p| !p.items.is_empty() && p.note != PlanNote::AllCorrect).count();
    Ok(Page(FollowUpPage { c, h, plans: views, budget, max_items, warning, assignable, basis }).into_response())
}

/// `GET /homework/{id}/follow-ups`: every student's plan.
pub(crate) async fn show(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, WebError> {
    page(&ctx, &app, &id, q.budget.unwrap_or(15).clamp(1, 120), q.max_items.unwrap_or(5).clamp(1, 20), None).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssignForm {
    budget: u32,
    max_items: usize,
    #[serde(default)]
    confirm_over_limit: Option<String>,
}

/// `POST /homework/{id}/follow-ups`: assigns every plan at once, due tomorrow evening.
pub(crate) async fn assign(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let h = app.homeworks.homework(&*app.store, &id).await?.ok_or(WebError::NotFound)?;
    let (budget, max_items) = (form.budget.clamp(1, 120), form.max_items.clamp(1, 20));
    let plans = ops::plan_follow_ups(&app, principal, &h, budget, max_items).await.map_err(web_error)?;
    let now = Utc::now();
    let tomorrow = (now + Duration::days(1)).with_timezone(&CHINA_TIME).date_naive().and_hms_opt(21, 0, 0);
    let due = tomorrow
        .and_then(|t| CHINA_TIME.from_local_datetime(&t).single())
        .map_or(now + Duration::days(1), |t| t.with_timezone(&Utc));
    match ops::assign_follow_ups(&app, principal, &h, &plans, due, form.confirm_over_limit.is_some(), now).await {
        Ok(Some(new_id)) => Ok(see_other(&format!("/homework/{new_id}?assigned=1"))),
        Ok(None) => Ok(see_other(&format!("/homework/{id}/follow-ups"))),
        Err(HomeworkError::OverLimit(w)) => {
            let text = w
                .iter()
                .map(|w| format!("{} · {}", w.class_name, w.date.format("%m-%d")))
                .collect::<Vec<_>>()
                .join("; ");
            page(&ctx, &app, &id, budget, max_items, Some(text)).await
        }
        Err(e) => Err(web_error(e)),
    }
}
