//! The marking page: one answer at a time, with the reference answer beside the student's, a score
//! and a comment; quick scores and the keyboard (J/K, Enter) move through the class without the
//! mouse. An item with a rubric lists its scoring points to tick (number keys 1–9), and the score
//! is their sum unless the teacher types another. Opening it without naming an answer goes to the
//! next one waiting for the teacher.

use std::sync::Arc;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use domain::{
    grading::Outcome,
    homework::{Homework, Submission, SubmissionState, analysis::render_response, rubric::format_points},
};
use serde::Deserialize;

use super::{super::library::items::ItemView, report::web_error};
use crate::{
    App, RequestContext, WebError,
    guard::see_other,
    homework::{
        ops::{self, GivenMark},
        report::student_names,
    },
    pages::{Chrome, Nav, Page},
};

#[derive(Debug, Deserialize)]
pub(crate) struct MarkQuery {
    student: Option<String>,
    item: Option<String>,
}

/// One of the student's items in the strip along the top.
pub(crate) struct ItemLink {
    pub href: String,
    pub number: usize,
    pub current: bool,
    /// `correct`, `wrong`, `partial`, `pending`, `blank`.
    pub status: &'static str,
}

/// One scoring point of the item's rubric, to tick.
pub(crate) struct RubricView {
    /// 0-based, as the form and the API send it.
    pub index: usize,
    /// 1-based: the number key that toggles it.
    pub number: usize,
    pub text: String,
    pub points: String,
}

#[derive(Template)]
#[template(path = "homework_mark.html")]
pub(crate) struct MarkPage {
    c: Chrome,
    h: Arc<Homework>,
    student_id: String,
    student_name: String,
    position: String,
    prev_href: Option<String>,
    next_href: Option<String>,
    strip: Vec<ItemLink>,
    item: Option<ItemView>,
    item_id: String,
    points: f32,
    half: String,
    rubric: Vec<RubricView>,
    response: String,
    score: String,
    comment: String,
    /// The teacher's comment on this student's whole homework.
    overall: String,
    seconds: u32,
    nothing_left: bool,
    /// The written answer cut out of the student's scanned sheet (paper homework).
    scan_crop: Option<String>,
}

fn status(submission: &Submission, item_id: &str) -> &'static str {
    match submission.answer(item_id).and_then(|a| a.mark.as_ref()).map(|m| m.outcome) {
        None => "blank",
        Some(Outcome::Correct) => "correct",
        Some(Outcome::Partial) => "partial",
        Some(Outcome::NeedsTeacher) => "pending",
        Some(Outcome::Wrong | Outcome::Unanswered) => "wrong",
    }
}

/// The next answer waiting for the teacher, from `student` on (wrapping around).
fn next_pending<'a>(homework: &Homework, subs: &'a [&'a Submission], from: usize) -> Option<(&'a Submission, String)> {
    (0..subs.len()).map(|k| subs[(from + k) % subs.len()]).find_map(|s| {
        s.items(homework).iter().find(|i| status(s, &i.item_id) == "pending").map(|i| (s, i.item_id.clone()))
    })
}

/// `GET /homework/{id}/mark`.
pub(crate) async fn show(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<MarkQuery>,
) -> Result<Response, WebError> {
    let h = app.homeworks.homework(&*app.store, &id).await?.ok_or(WebError::NotFound)?;
    let all = app.store.submissions(&id).await?;
    // Paper homework is marked whether or not anything was handed in online.
    let subs: Vec<&Submission> = all
        .iter()
        .filter(|s| s.state == SubmissionState::Submitted || h.mode == domain::homework::Mode::Paper)
        .collect();
    let names = student_names(&app, &h.class_id).await.map_err(web_error)?;
    let name_of = |sid: &str| names.iter().find(|(i, _)| i == sid).map_or_else(|| sid.to_owned(), |(_, n)| n.clone());
    let c = app.chrome(&ctx, Nav::Homework).await?;
    let lang = c.lang;
    let index = q.student.as_deref().and_then(|sid| subs.iter().position(|s| s.student_id == sid));
    let chosen = match (index, &q.item) {
        (Some(i), Some(item)) => Some((subs[i], item.clone())),
        (Some(i), None) => {
            let s = subs[i];
            let items = s.items(&h);
            let item = items
                .iter()
                .find(|it| status(s, &it.item_id) == "pending")
                .or_else(|| items.first())
                .map(|it| it.item_id.clone());
            item.map(|it| (s, it))
        }
        (None, _) => next_pending(&h, &subs, 0),
    };
    let Some((sub, item_id)) = chosen else {
        return Ok(Page(empty_page(c, h)).into_response());
    };
    let at = subs.iter().position(|s| s.student_id == sub.student_id).unwrap_or(0);
    let link = |s: &Submission| format!("/homework/{}/mark?student={}", h.id, s.student_id);
    let bank = app.homeworks.items(&*app.store, std::slice::from_ref(&item_id)).await?;
    let hi = sub.items(&h).iter().find(|i| i.item_id == item_id).cloned().ok_or(WebError::NotFound)?;
    let answer = sub.answer(&item_id);
    let mark = answer.and_then(|a| a.mark.as_ref());
    let scan_crop = match h.mode {
        domain::homework::Mode::Paper => app
            .store
            .answer_crop(&h.id, &sub.student_id, &item_id)
            .await?
            .map(|c| format!("/homework/{}/scans/images/{}", h.id, c.blob)),
        domain::homework::Mode::Online => None,
    };
    let strip = sub
        .items(&h)
        .iter()
        .enumerate()
        .map(|(n, i)| ItemLink {
            href: format!("/homework/{}/mark?student={}&item={}", h.id, sub.student_id, i.item_id),
            number: n + 1,
            current: i.item_id == item_id,
            status: status(sub, &i.item_id),
        })
        .collect();
    let page = MarkPage {
        student_id: sub.student_id.clone(),
        student_name: name_of(&sub.student_id),
        position: format!("{}/{}", at + 1, subs.len()),
        prev_href: (at > 0).then(|| link(subs[at - 1])),
        next_href: subs.get(at + 1).map(|s| link(s)),
        strip,
        item: bank.get(&item_id).map(|i| ItemView::of(lang, i)),
        item_id,
        points: hi.points,
        half: format!("{}", hi.points / 2.0),
        rubric: hi
            .rubric
            .iter()
            .enumerate()
            .map(|(index, p)| RubricView {
                index,
                number: index + 1,
                text: p.text.clone(),
                points: format_points(p.points),
            })
            .collect(),
        response: answer.map(|a| render_response(&a.response)).unwrap_or_default(),
        score: mark.filter(|m| m.outcome != Outcome::NeedsTeacher).map(|m| format!("{}", m.score)).unwrap_or_default(),
        comment: mark.and_then(|m| m.comment.clone()).unwrap_or_default(),
        overall: sub.comment.clone().unwrap_or_default(),
        seconds: answer.map_or(0, |a| a.seconds),
        nothing_left: false,
        scan_crop,
        c,
        h,
    };
    Ok(Page(page).into_response())
}

fn empty_page(c: Chrome, h: Arc<Homework>) -> MarkPage {
    MarkPage {
        c,
        h,
        student_id: String::new(),
        student_name: String::new(),
        position: String::new(),
        prev_href: None,
        next_href: None,
        strip: Vec::new(),
        item: None,
        item_id: String::new(),
        points: 0.0,
        half: String::new(),
        rubric: Vec::new(),
        response: String::new(),
        score: String::new(),
        comment: String::new(),
        overall: String::new(),
        seconds: 0,
        nothing_left: true,
        scan_crop: None,
    }
}

/// The marking form: `rubric` repeats once per ticked point, so it is read from the pairs.
#[derive(Debug, Default)]
pub(crate) struct MarkForm {
    student: String,
    item: String,
    score: String,
    comment: String,
    /// The comment on the whole homework; absent from forms that do not offer it.
    overall: Option<String>,
    /// The rubric's scoring points ticked (0-based).
    rubric: Vec<usize>,
}

impl MarkForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Result<MarkForm, WebError> {
        let mut form = MarkForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "student" => form.student = v,
                "item" => form.item = v,
                "score" => form.score = v,
                "comment" => form.comment = v,
                "overall" => form.overall = Some(v),
                "rubric" => form
                    .rubric
                    .push(v.trim().parse().map_err(|_| WebError::BadRequest(format!("rubric: `{v}` is not a point")))?),
                _ => {}
            }
        }
        Ok(form)
    }
}

/// `POST /homework/{id}/mark`: saves the mark, then on to the next answer waiting.
pub(crate) async fn save(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let form = MarkForm::from_pairs(pairs)?;
    let principal = ctx.principal()?;
    let h = app.homeworks.homework(&*app.store, &id).await?.ok_or(WebError::NotFound)?;
    // An empty score with a rubric means the sum of the ticked points.
    let typed = form.score.trim();
    let score = if typed.is_empty() {
        None
    } else {
        Some(typed.parse::<f32>().map_err(|_| WebError::BadRequest(format!("score: `{typed}` is not a number")))?)
    };
    let comment = Some(form.comment).filter(|c| !c.trim().is_empty());
    let given = GivenMark { score, rubric_points: form.rubric, comment };
    ops::mark(&app, principal, &h, &form.student, &form.item, given, Utc::now()).await.map_err(web_error)?;
    let sub = app.store.submission(&id, &form.student).await?;
    if let Some(overall) = form.overall
        && sub.as_ref().is_some_and(|s| s.comment.as_deref().unwrap_or_default() != overall.trim())
    {
        ops::comment(&app, principal, &h, &form.student, Some(overall)).await.map_err(web_error)?;
    }
    // The same student's next item waiting, else the next student's.
    let next_item = sub
        .as_ref()
        .and_then(|s| s.items(&h).iter().find(|i| status(s, &i.item_id) == "pending").map(|i| i.item_id.clone()));
    let location = match next_item {
        Some(item) => format!("/homework/{id}/mark?student={}&item={item}", form.student),
        None => format!("/homework/{id}/mark"),
    };
    Ok(see_other(&location))
}
