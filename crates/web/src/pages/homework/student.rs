//! The student's and the guardian's pages: the homework list, the answering page (phone first:
//! one item at a time, autosave, resume), the result once released, and the 错题本.

use std::sync::Arc;

use askama::Template;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use domain::{
    ActivityRecord, ObjectRef,
    grading::{Outcome, Response as Answered},
    homework::{Homework, Mode, Submission, SubmissionState, analysis::render_response},
    identity::PersonKind,
    items::AnswerKey,
};

use super::{super::library::items::ItemView, local_time, report::web_error};
use crate::{
    App, RequestContext, WebError,
    auth::Principal,
    homework::{actor_ref, ops},
    pages::{Chrome, Nav, Page},
};

/// One homework in the student's list.
pub(crate) struct Row {
    pub homework_id: String,
    pub href: String,
    pub title: String,
    pub subject: &'static str,
    pub due: String,
    pub minutes: u32,
    pub state: &'static str,
    pub state_code: &'static str,
    pub late: bool,
    pub score: Option<String>,
    pub time: String,
    pub comment: Option<String>,
    pub action: &'static str,
}

#[derive(Template)]
#[template(path = "student_homework.html")]
pub(crate) struct ListPage {
    c: Chrome,
    student_id: String,
    student_name: String,
    guardian: bool,
    todo: Vec<Row>,
    done: Vec<Row>,
}

fn is_person(principal: &Principal, kind: PersonKind, id: &str) -> bool {
    principal.account.person.as_ref().is_some_and(|p| p.kind == kind && p.id == id)
}

fn is_guardian(principal: &Principal) -> bool {
    principal.account.person.as_ref().is_some_and(|p| p.kind == PersonKind::Guardian)
}

/// A guardian looking at their child's homework is recorded (家长已查看), so the teacher knows
/// the results reached home.
async fn record_guardian_view(
    app: &App,
    principal: &Principal,
    object: ObjectRef,
    class_id: Option<String>,
) -> Result<(), WebError> {
    if !is_guardian(principal) {
        return Ok(());
    }
    let record = ActivityRecord {
        actor: actor_ref(principal.account.person.as_ref(), &principal.account.id),
        verb: "viewed".to_owned(),
        object,
        school_id: None,
        class_id,
        result: None,
        timestamp: Utc::now(),
    };
    app.store.append_activity(&[record]).await?;
    Ok(())
}

fn minutes_text(seconds: u32, unit: &str) -> String {
    format!("{:.0} {unit}", (f64::from(seconds) / 60.0).ceil())
}

/// `GET /students/{id}/homework`.
pub(crate) async fn list(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<ListPage>, WebError> {
    let principal = ctx.principal()?;
    let c = app.chrome(&ctx, Nav::Homework).await?;
    let (lang, m) = (c.lang, c.m.hw);
    let student = app.store.place(domain::access::ResourceKind::Student, &id).await?;
    let name = app
        .store
        .class_detail(student.as_ref().and_then(|p| p.class_id.as_deref()).unwrap_or_default())
        .await?
        .and_then(|c| c.students.into_iter().find(|(s, _)| s.id == id).map(|(s, _)| s.name))
        .unwrap_or_else(|| id.clone());
    let mut rows = app.store.student_homework(&id, 200).await?;
    // To do: the most urgent first. Done: the latest handed in first (many share a due time).
    rows.sort_by_key(|r| (r.submitted_at.is_some(), std::cmp::Reverse(r.submitted_at), r.homework.due_at));
    let mine = is_person(principal, PersonKind::Student, &id);
    let now = Utc::now();
    let (mut todo, mut done) = (Vec::new(), Vec::new());
    for r in rows {
        let released = r.homework.released_at.is_some();
        let submitted = r.state == SubmissionState::Submitted;
        let row = Row {
            homework_id: r.homework.id.clone(),
            href: format!("/students/{id}/homework/{}", r.homework.id),
            title: r.homework.title.clone(),
            subject: lang.label(r.homework.subject),
            due: local_time(r.homework.due_at),
            minutes: r.homework.minutes,
            state: lang.label(r.state),
            state_code: r.state.code(),
            late: r.late,
            score: (released && submitted).then(|| format!("{}/{}", r.score.unwrap_or(0.0), r.max)),
            time: minutes_text(r.seconds, m.minutes_short),
            comment: if released { r.comment.clone() } else { None },
            action: if !mine || submitted || r.homework.mode == Mode::Paper || !r.homework.is_open(now) {
                m.view_result
            } else if r.state == SubmissionState::Started {
                m.continue_
            } else {
                m.start
            },
        };
        if submitted { done.push(row) } else { todo.push(row) }
    }
    // A guardian's look at the list counts as seeing each homework on it (家长已查看).
    if is_guardian(principal) {
        let class_id = student.and_then(|p| p.class_id);
        let records: Vec<ActivityRecord> = todo
            .iter()
            .chain(&done)
            .map(|r| ActivityRecord {
                actor: actor_ref(principal.account.person.as_ref(), &principal.account.id),
                verb: "viewed".to_owned(),
                object: ObjectRef { kind: "homework".into(), id: r.homework_id.clone() },
                school_id: None,
                class_id: class_id.clone(),
                result: Some(serde_json::json!({ "student": id })),
                timestamp: now,
            })
            .collect();
        app.store.append_activity(&records).await?;
    }
    Ok(Page(ListPage { guardian: is_guardian(principal), student_id: id, student_name: name, todo, done, c }))
}

/// One item on the answering or result page.
pub(crate) struct ItemBlock {
    pub number: usize,
    pub view: ItemView,
    pub item_type: &'static str,
    pub points: f32,
    pub blanks: Vec<String>,
    pub chosen: Vec<String>,
    pub tf: Option<bool>,
    pub text: String,
    pub rendered: String,
    pub mark: Option<String>,
    pub outcome: &'static str,
    pub comment: Option<String>,
}

#[derive(Template)]
#[template(path = "student_answer.html")]
pub(crate) struct AnswerPage {
    c: Chrome,
    guardian: bool,
    h: Arc<Homework>,
    student_id: String,
    answering: bool,
    position: u32,
    state: &'static str,
    late: bool,
    released: bool,
    score: Option<String>,
    comment: Option<String>,
    notice: Option<&'static str>,
    items: Vec<ItemBlock>,
    due: String,
    submitted_at: Option<String>,
}

fn blocks(
    lang: crate::Lang,
    h: &Homework,
    s: &Submission,
    bank: &std::collections::HashMap<String, Arc<domain::items::Item>>,
    released: bool,
) -> Vec<ItemBlock> {
    s.items(h)
        .iter()
        .enumerate()
        .filter_map(|(n, hi)| {
            let item = bank.get(&hi.item_id)?;
            let answer = s.answer(&hi.item_id);
            let response = answer.map(|a| &a.response);
            let blank_count = match &item.answer {
                AnswerKey::Blanks(b) => b.len().max(1),
                _ => 1,
            };
            let mut blanks = match response {
                Some(Answered::Blanks(b)) => b.clone(),
                Some(Answered::Text(t)) if item.item_type == domain::items::ItemType::FillBlank => vec![t.clone()],
                _ => Vec::new(),
            };
            blanks.resize(blank_count, String::new());
            let mark = if released { answer.and_then(|a| a.mark.clone()) } else { None };
            let mut view = ItemView::of(lang, item);
            if !released {
                view.answer.clear();
                view.analysis.clear();
            }
            Some(ItemBlock {
                number: n + 1,
                item_type: item.item_type.code(),
                points: hi.points,
                blanks,
                chosen: match response {
                    Some(Answered::Choices(c)) => c.clone(),
                    _ => Vec::new(),
                },
                tf: match response {
                    Some(Answered::TrueFalse(v)) => Some(*v),
                    _ => None,
                },
                text: match response {
                    Some(Answered::Text(t)) => t.clone(),
                    _ => String::new(),
                },
                rendered: response.map(render_response).unwrap_or_default(),
                outcome: match mark.as_ref().map(|m| m.outcome) {
                    Some(Outcome::Correct) => "correct",
                    Some(Outcome::Partial) => "partial",
                    Some(Outcome::Wrong | Outcome::Unanswered) => "wrong",
                    Some(Outcome::NeedsTeacher) => "pending",
                    None => "",
                },
                comment: mark.as_ref().and_then(|m| m.comment.clone()),
                mark: mark.map(|m| format!("{}/{}", m.score, m.max)),
                view,
            })
        })
        .collect()
}

/// `GET /students/{id}/homework/{homework}`: the answering page for the student while the work is
/// open, otherwise the work and (once released) its results.
pub(crate) async fn show(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path((id, homework_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let now = Utc::now();
    let (h, s) = ops::open(&app, principal, &id, &homework_id, now).await.map_err(web_error)?;
    let c = app.chrome(&ctx, Nav::Homework).await?;
    let (lang, m) = (c.lang, c.m.hw);
    let ids: Vec<String> = s.items(&h).iter().map(|i| i.item_id.clone()).collect();
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let released = h.released_at.is_some();
    let submitted = s.state == SubmissionState::Submitted;
    let mine = is_person(principal, PersonKind::Student, &id);
    let answering = mine && !submitted && h.mode == Mode::Online && h.is_open(now);
    let notice = if h.mode == Mode::Paper {
        Some(m.paper_mode)
    } else if submitted && !released {
        Some(m.waiting_release)
    } else if !submitted && now < h.open_at {
        Some(m.not_open)
    } else if !submitted && !h.is_open(now) {
        Some(m.past_due)
    } else {
        None
    };
    let score = ops::visible_score(&h, &s).map(|sc| format!("{}/{}", sc.points, sc.max));
    let items = blocks(lang, &h, &s, &bank, released);
    record_guardian_view(
        &app,
        principal,
        ObjectRef { kind: "homework".into(), id: h.id.clone() },
        Some(h.class_id.clone()),
    )
    .await?;
    Ok(Page(AnswerPage {
        guardian: is_guardian(principal),
        student_id: id,
        answering,
        position: s.position,
        state: lang.label(s.state),
        late: s.late,
        released,
        score,
        comment: if released { s.comment.clone() } else { None },
        notice,
        items,
        due: local_time(h.due_at),
        submitted_at: s.submitted_at.map(local_time),
        h,
        c,
    })
    .into_response())
}

/// One wrong answer in the 错题本.
pub(crate) struct WrongEntry {
    pub homework_title: String,
    pub date: String,
    pub view: ItemView,
    pub yours: String,
}

#[derive(Template)]
#[template(path = "wrong_book.html")]
pub(crate) struct WrongBookPage {
    c: Chrome,
    guardian: bool,
    student_id: String,
    entries: Vec<WrongEntry>,
}

/// `GET /students/{id}/wrong-book`: wrong and partly wrong answers of released homework, with the
/// correct answer and the analysis; printable.
pub(crate) async fn wrong_book(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<WrongBookPage>, WebError> {
    let c = app.chrome(&ctx, Nav::Homework).await?;
    let lang = c.lang;
    let answered = app
        .store
        .answered_items(std::slice::from_ref(&id), &[Outcome::Wrong, Outcome::Partial, Outcome::Unanswered], 500)
        .await?;
    let released: Vec<_> = answered.into_iter().filter(|a| a.released).collect();
    let ids: Vec<String> = released.iter().map(|a| a.answer.item_id.clone()).collect();
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let mut seen = std::collections::HashSet::new();
    let entries = released
        .into_iter()
        .filter(|a| seen.insert(a.answer.item_id.clone()))
        .filter_map(|a| {
            let item = bank.get(&a.answer.item_id)?;
            Some(WrongEntry {
                homework_title: a.homework_title,
                date: local_time(a.answer.answered_at),
                view: ItemView::of(lang, item),
                yours: render_response(&a.answer.response),
            })
        })
        .collect();
    let guardian = is_guardian(ctx.principal()?);
    Ok(Page(WrongBookPage { c, guardian, student_id: id, entries }))
}
