//! Timetable pages: a school's week grid per class, teacher and room (shared lessons marked, pins
//! shown), solving with a progress indicator (moving and pinning lessons by hand are in
//! [`super::timetable_moves`]), a summary of the school's conditions (edited in
//! [`super::timetable_settings`]), FET import, iCalendar and XLSX exports, and the district's list of
//! shared lessons with both schools' times side by side.

use std::{collections::HashMap, sync::Arc};

use askama::Template;
use axum::{
    Form, Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use domain::access::{Action, ResourceKind, Target, decide};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;
use store::TimetableSource;
use timetable::platform::{Instance, clock};

use super::homework::local_time;
use crate::{
    App, RequestContext, WebError,
    guard::see_other,
    i18n::timetable::TimetableMessages,
    pages::{Chrome, Nav, Page},
    timetables::{self, Ended, JobStatus, Loaded},
};

/// Which resource's week a grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ViewKind {
    Class,
    Teacher,
    Room,
}

impl ViewKind {
    fn parse(s: Option<&str>) -> ViewKind {
        match s {
            Some("teacher") => ViewKind::Teacher,
            Some("room") => ViewKind::Room,
            _ => ViewKind::Class,
        }
    }
    fn code(self) -> &'static str {
        match self {
            ViewKind::Class => "class",
            ViewKind::Teacher => "teacher",
            ViewKind::Room => "room",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ViewQuery {
    view: Option<String>,
    i: Option<usize>,
}

pub(crate) struct Tab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

pub(crate) struct Choice {
    pub index: usize,
    pub label: String,
    pub selected: bool,
}

pub(crate) struct LessonView {
    pub key: String,
    pub subject: String,
    pub detail: String,
    pub pinned: bool,
    /// For a shared lesson: where else (or from where) it takes place, with that school's time.
    pub shared: Option<String>,
}

pub(crate) struct CellView {
    pub day: u16,
    pub period: u16,
    pub lessons: Vec<LessonView>,
}

pub(crate) struct RowView {
    pub label: String,
    pub time: String,
    pub cells: Vec<CellView>,
}

pub(crate) struct Grid {
    pub title: String,
    pub days: Vec<String>,
    pub rows: Vec<RowView>,
}

pub(crate) struct FiguresView {
    pub hard_ok: bool,
    pub hard_violations: i64,
    pub soft_penalty: String,
    pub seconds: String,
    pub updated: String,
    pub source: &'static str,
}

/// One shared lesson with both schools' times.
pub(crate) struct SharedRow {
    pub lead_id: String,
    pub partner_id: String,
    pub subject: String,
    pub teacher: String,
    pub lead_school: String,
    pub lead_href: String,
    pub lead_time: String,
    pub partner_school: String,
    pub partner_href: String,
    pub partner_class: String,
    pub partner_time: String,
    /// The partner's time comes from the lead school's timetable (the partner has not solved yet).
    pub partner_from_lead: bool,
    pub same_time: bool,
}

#[derive(Template)]
#[template(path = "timetable_school.html")]
pub(crate) struct SchoolPage {
    c: Chrome,
    t: &'static TimetableMessages,
    js_href: &'static str,
    school_id: String,
    school_name: String,
    term: String,
    can_manage: bool,
    has_input: bool,
    version: i64,
    figures: Option<FiguresView>,
    job: JobStatus,
    tabs: Vec<Tab>,
    view: &'static str,
    choices: Vec<Choice>,
    grid: Option<Grid>,
    shared: Vec<SharedRow>,
    ics_href: String,
    xlsx_href: String,
    /// The school's timetabling conditions in a few lines.
    conditions: Vec<super::timetable_settings::SummaryLine>,
}

pub(super) async fn may_manage(app: &App, ctx: &RequestContext, school_id: &str) -> Result<bool, WebError> {
    let principal = ctx.principal()?;
    let Some(place) = app.store.place(ResourceKind::School, school_id).await? else { return Ok(false) };
    Ok(decide(&principal.actor, Action::Manage, &Target::new(ResourceKind::School, place)).is_allowed())
}

/// The resources of one kind in the instance's school, as (index into the problem, label).
fn resources(inst: &Instance, kind: ViewKind) -> Vec<(u32, String)> {
    let p = &inst.problem;
    match kind {
        ViewKind::Class => inst.classes.iter().map(|&i| (i, p.student_sets[i as usize].name.clone())).collect(),
        ViewKind::Teacher => inst.teachers.iter().map(|&i| (i, p.teachers[i as usize].clone())).collect(),
        ViewKind::Room => inst.rooms.iter().map(|&i| (i, p.rooms[i as usize].name.clone())).collect(),
    }
}

/// "周一 第3节 08:55–09:40" for an activity placed at `slot`.
pub(super) fn when(inst: &Instance, a: usize, slot: timetable::Slot) -> String {
    let (d, q) = inst.day_period(slot);
    let week = &inst.schools[inst.school_of[a]];
    let day = week.days.get(usize::from(d)).cloned().unwrap_or_default();
    let period = week.periods.get(usize::from(q)).map(|p| p.name.clone()).unwrap_or_default();
    match inst.clock_of(a, slot) {
        Some((s, e)) => format!("{day} {period} {}–{}", clock(s), clock(e)),
        None => format!("{day} {period}"),
    }
}

fn overlaps(a: Option<(u16, u16)>, b: Option<(u16, u16)>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.1.min(b.1) > a.0.max(b.0),
        _ => false,
    }
}

/// The activity that holds the other side of shared activity `a` (same shared id and week number).
fn other_side(inst: &Instance, a: usize) -> Option<usize> {
    let key = &inst.keys[a];
    let prefix = key.rsplit_once('/').map(|(p, _)| p)?;
    (0..inst.keys.len()).find(|&b| b != a && inst.keys[b].rsplit_once('/').map(|(p, _)| p) == Some(prefix))
}

fn shared_note(t: &TimetableMessages, inst: &Instance, loaded_tt: &timetable::Timetable, a: usize) -> Option<String> {
    let mark = inst.shared[a].as_ref()?;
    let other = other_side(inst, a)?;
    let school = &inst.schools[inst.school_of[other]].name;
    let class = inst.problem.activities[other]
        .students
        .iter()
        .filter_map(|&s| inst.problem.student_sets.get(s as usize).map(|x| x.name.clone()))
        .collect::<Vec<_>>()
        .join("、");
    let time = loaded_tt.placements[other].start.map(|s| when(inst, other, s)).unwrap_or_default();
    Some(if mark.lead {
        format!("{} {class} · {time}", t.shared_with)
    } else {
        format!("{} {school} {} · {time}", t.shared_from, mark.teacher)
    })
}

fn grid(t: &TimetableMessages, loaded: &Loaded, kind: ViewKind, resource: u32, title: String) -> Grid {
    let inst = &loaded.instance;
    let p = &inst.problem;
    let week = &inst.schools[0];
    let mut rows: Vec<RowView> = week
        .periods
        .iter()
        .enumerate()
        .map(|(q, period)| RowView {
            label: period.name.clone(),
            time: format!("{}–{}", clock(period.start), clock(period.end)),
            cells: (0..week.days.len())
                .map(|d| CellView { day: d as u16, period: q as u16, lessons: Vec::new() })
                .collect(),
        })
        .collect();
    for (a, act) in p.activities.iter().enumerate() {
        if inst.school_of[a] != 0 {
            continue;
        }
        let pl = loaded.tt.placements[a];
        let shows = match kind {
            ViewKind::Class => act.students.contains(&resource),
            ViewKind::Teacher => act.teachers.contains(&resource),
            ViewKind::Room => pl.room == Some(resource),
        };
        let Some(start) = pl.start.filter(|_| shows) else { continue };
        let (d, q) = inst.day_period(start);
        let teachers = act.teachers.iter().map(|&x| p.teachers[x as usize].as_str()).collect::<Vec<_>>().join("、");
        let classes =
            act.students.iter().map(|&x| p.student_sets[x as usize].name.as_str()).collect::<Vec<_>>().join("、");
        let room = pl.room.map(|r| p.rooms[r as usize].name.clone()).unwrap_or_default();
        // A class taken whole by an elective block sees the block and all its groups, not the
        // first group's lesson that holds the class.
        let block = inst.elective[a].as_ref().filter(|m| kind == ViewKind::Class && m.classes.contains(&resource));
        let detail = match kind {
            _ if block.is_some() => block.map(|m| m.groups.clone()).unwrap_or_default(),
            ViewKind::Class => [teachers, room].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · "),
            ViewKind::Teacher => [classes, room].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · "),
            ViewKind::Room => [classes, teachers].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · "),
        };
        for k in 0..act.duration.max(1) {
            let Some(cell) = rows.get_mut(usize::from(q + k)).and_then(|r| r.cells.get_mut(usize::from(d))) else {
                continue;
            };
            cell.lessons.push(LessonView {
                key: inst.keys[a].clone(),
                subject: match block {
                    Some(m) => format!("{}·{}", t.elective_badge, m.block),
                    None => act.subject.clone(),
                },
                detail: detail.clone(),
                pinned: loaded.pinned[a],
                shared: shared_note(t, inst, &loaded.tt, a),
            });
        }
    }
    // Periods no school day uses are left out (a FET grid may be longer than a school's day).
    rows.retain(|r| !r.label.is_empty());
    Grid { title, days: week.days.clone(), rows }
}

/// The shared lessons of one loaded timetable in which its school leads or follows.
fn shared_rows(loaded: &Loaded) -> Vec<(String, SharedRow)> {
    let inst = &loaded.instance;
    let mut out = Vec::new();
    for (a, mark) in inst.shared.iter().enumerate() {
        let Some(mark) = mark.as_ref().filter(|m| m.lead) else { continue };
        let Some(b) = other_side(inst, a) else { continue };
        let (lead_start, partner_start) = (loaded.tt.placements[a].start, loaded.tt.placements[b].start);
        let lead_clock = lead_start.and_then(|s| inst.clock_of(a, s));
        let partner_clock = partner_start.and_then(|s| inst.clock_of(b, s));
        let lead_week = &inst.schools[mark.lead_school];
        let partner_week = &inst.schools[mark.partner_school];
        let prefix = inst.keys[a].rsplit_once('/').map(|(p, _)| p.to_owned()).unwrap_or_default();
        out.push((
            prefix,
            SharedRow {
                lead_id: lead_week.id.clone(),
                partner_id: partner_week.id.clone(),
                subject: inst.problem.activities[a].subject.clone(),
                teacher: mark.teacher.clone(),
                lead_school: lead_week.name.clone(),
                lead_href: format!("/schools/{}/timetable", lead_week.id),
                lead_time: lead_start.map(|s| when(inst, a, s)).unwrap_or_default(),
                partner_school: partner_week.name.clone(),
                partner_href: format!("/schools/{}/timetable", partner_week.id),
                partner_class: inst.problem.activities[b]
                    .students
                    .iter()
                    .filter_map(|&s| inst.problem.student_sets.get(s as usize).map(|x| x.name.clone()))
                    .collect::<Vec<_>>()
                    .join("、"),
                partner_time: partner_start.map(|s| when(inst, b, s)).unwrap_or_default(),
                partner_from_lead: false,
                same_time: lead_start.is_some()
                    && partner_start.is_some()
                    && inst.day_period(lead_start.unwrap_or_default()).0
                        == inst.day_period(partner_start.unwrap_or_default()).0
                    && overlaps(lead_clock, partner_clock),
            },
        ));
    }
    out
}

/// `GET /schools/{id}/timetable`.
pub(crate) async fn show(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Page<SchoolPage>, WebError> {
    let c = app.chrome(&ctx, Nav::None).await?;
    let t = c.m.tt;
    let name = timetables::school_name(&*app.store, &id).await?;
    let term = timetables::current_term();
    let can_manage = may_manage(&app, &ctx, &id).await?;
    // The job first: a solve stores its timetable before it reports itself finished, so a finished
    // job read here means the load below sees that timetable. Read after the load, a solve ending
    // in between showed its result above the timetable from before it (and no poll to fix that).
    let job = app.timetables.status(&id);
    let loaded = timetables::load(&*app.store, &id, &name, &term.id).await?;
    let (settings, _) = timetables::settings(&*app.store, &id).await?;
    let conditions = super::timetable_settings::summary(ctx.lang, t.set, &settings);
    let kind = ViewKind::parse(q.view.as_deref());
    let base = format!("/schools/{id}/timetable");
    let tabs = [(ViewKind::Class, t.by_class), (ViewKind::Teacher, t.by_teacher), (ViewKind::Room, t.by_room)]
        .into_iter()
        .map(|(k, label)| Tab { label, href: format!("{base}?view={}", k.code()), current: k == kind })
        .collect();
    let mut choices = Vec::new();
    let mut grid_view = None;
    let mut figures = None;
    let mut shared = Vec::new();
    let index = q.i.unwrap_or(0);
    if let Some(loaded) = &loaded {
        let list = resources(&loaded.instance, kind);
        choices = list
            .iter()
            .enumerate()
            .map(|(i, (_, label))| Choice { index: i, label: label.clone(), selected: i == index })
            .collect();
        if loaded.stored.placements.is_some()
            && let Some((resource, label)) = list.get(index)
        {
            grid_view = Some(grid(t, loaded, kind, *resource, label.clone()));
        }
        figures = loaded.stored.figures.as_ref().map(|f| FiguresView {
            hard_ok: f.hard_ok,
            hard_violations: f.hard_violations,
            soft_penalty: format!("{:.2}", f.soft_penalty),
            seconds: format!("{:.1}", f.seconds),
            updated: local_time(loaded.stored.updated_at),
            source: match loaded.stored.source {
                TimetableSource::Roster => t.source_roster,
                TimetableSource::Fet => t.source_fet,
            },
        });
        if loaded.stored.placements.is_some() {
            shared = shared_rows(loaded).into_iter().map(|(_, r)| r).collect();
        }
    }
    // A school that has not solved yet still sees the shared lessons its partners placed.
    if loaded.as_ref().is_none_or(|l| l.stored.placements.is_none()) {
        shared = shared_across(&app, &term.id)
            .await?
            .into_iter()
            .filter(|r| r.lead_id == id || r.partner_id == id)
            .collect();
    }
    Ok(Page(SchoolPage {
        js_href: crate::assets::timetable_js_href(),
        job,
        has_input: loaded.is_some(),
        version: loaded.as_ref().map_or(0, |l| l.stored.version),
        ics_href: format!("{base}/export/ics?view={}&i={index}", kind.code()),
        xlsx_href: format!("{base}/export/xlsx"),
        view: kind.code(),
        school_id: id,
        school_name: name,
        term: term.id,
        can_manage,
        figures,
        tabs,
        choices,
        grid: grid_view,
        shared,
        conditions,
        c,
        t,
    }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct SolveForm {
    seconds: Option<String>,
}

/// `POST /schools/{id}/timetable/solve`: starts the solve (deriving the instance from the roster
/// the first time) and goes back to the page, which follows the progress.
pub(crate) async fn solve(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<SolveForm>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let seconds = match form.seconds.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => timetables::DEFAULT_SECONDS,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=timetables::MAX_SECONDS).contains(&n) => n,
            _ => {
                return Err(WebError::BadRequest(format!(
                    "时间上限应为 1–{} 秒 / the time limit must be 1–{} seconds",
                    timetables::MAX_SECONDS,
                    timetables::MAX_SECONDS
                )));
            }
        },
    };
    timetables::school_name(&*app.store, &id).await?;
    let term = timetables::current_term();
    let started =
        timetables::Timetables::start(app.clone(), id.clone(), term.id, seconds, principal.account.id.clone());
    if !started {
        return Ok((StatusCode::CONFLICT, Json(serde_json::json!({ "error": "already solving" }))).into_response());
    }
    Ok(see_other(&format!("/schools/{id}/timetable")))
}

/// `POST /schools/{id}/timetable/stop`: takes the school's solve off the queue, or ends the
/// running one with the best timetable found so far.
pub(crate) async fn stop(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Response, WebError> {
    if !app.timetables.stop(&id) {
        return Ok((StatusCode::CONFLICT, Json(serde_json::json!({ "error": "not running" }))).into_response());
    }
    Ok(see_other(&format!("/schools/{id}/timetable")))
}

/// `GET /schools/{id}/timetable/status`: the solve job as JSON.
pub(crate) async fn status(State(app): State<Arc<App>>, Path(id): Path<String>) -> Json<JobStatus> {
    Json(app.timetables.status(&id))
}

/// `POST /schools/{id}/timetable/derive`: rebuilds the instance from the roster.
pub(crate) async fn derive(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let term = timetables::current_term();
    timetables::derive(&*app.store, &id, &term.id, &principal.account.id).await?;
    Ok(see_other(&format!("/schools/{id}/timetable")))
}

/// The largest `.fet` file accepted (FET's real examples are well below this).
pub(crate) const MAX_FET_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ImportQuery {
    ignore_soft: Option<String>,
}

/// `POST /schools/{id}/timetable/import`: the body is a `.fet` file. It is read and checked in
/// full before anything is stored; a fault answers 400 with its line.
pub(crate) async fn import(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let name = timetables::school_name(&*app.store, &id).await?;
    let bad =
        |message: String| (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": message }))).into_response();
    let text = match std::str::from_utf8(&body) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_owned(),
        Err(e) => {
            return Ok(bad(format!("文件不是 UTF-8 文本 / the file is not UTF-8 text (byte {})", e.valid_up_to())));
        }
    };
    let ignore = matches!(q.ignore_soft.as_deref(), Some("1" | "true" | "on"));
    let checked = {
        let (text, id, name) = (text.clone(), id.clone(), name.clone());
        tokio::task::spawn_blocking(move || Instance::from_fet(&id, &name, &text, ignore))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?
    };
    let instance = match checked {
        Ok(i) => i,
        Err(e) => return Ok(bad(e.to_string())),
    };
    let term = timetables::current_term();
    app.store
        .save_timetable_input(&id, &term.id, TimetableSource::Fet, &text, false, &principal.account.id, Utc::now())
        .await?;
    Ok(Json(serde_json::json!({ "ok": true, "activities": instance.problem.activities.len() })).into_response())
}

/// `GET /schools/{id}/timetable/export/{format}`: `ics` (the chosen class's, teacher's or room's
/// week, one weekly-repeating event per lesson for the term) or `xlsx` (every class's grid and a
/// list of all lessons).
pub(crate) async fn export(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path((id, format)): Path<(String, String)>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, WebError> {
    let t = ctx.lang.messages().tt;
    let name = timetables::school_name(&*app.store, &id).await?;
    let term = timetables::current_term();
    let loaded = timetables::load(&*app.store, &id, &name, &term.id).await?.ok_or(WebError::NotFound)?;
    if loaded.stored.placements.is_none() {
        return Err(WebError::NotFound);
    }
    let (body, content_type, ext) = match format.as_str() {
        "ics" => {
            let kind = ViewKind::parse(q.view.as_deref());
            let list = resources(&loaded.instance, kind);
            let (resource, label) = list.get(q.i.unwrap_or(0)).cloned().ok_or(WebError::NotFound)?;
            let g = grid(t, &loaded, kind, resource, label.clone());
            (ics(&loaded, &g, &id, &name, &term).into_bytes(), "text/calendar; charset=utf-8", "ics")
        }
        "xlsx" => (
            xlsx(t, &loaded).map_err(|e| WebError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => return Err(WebError::NotFound),
    };
    let disposition = format!("attachment; filename=\"timetable-{id}-{}.{ext}\"", term.id);
    Ok(([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

/// Escapes text for an iCalendar property value (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n")
}

/// Folds a content line at 75 octets, on character boundaries (RFC 5545 §3.1).
fn ics_line(out: &mut String, line: &str) {
    let mut used = 0;
    for ch in line.chars() {
        if used + ch.len_utf8() > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += ch.len_utf8();
    }
    out.push_str("\r\n");
}

fn ics(loaded: &Loaded, g: &Grid, school_id: &str, school: &str, term: &timetable::platform::Term) -> String {
    let ymd = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let (start, end) = (ymd(term.start), ymd(term.end));
    let week = &loaded.instance.schools[0];
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Zhijiao//Timetable//ZH",
        "CALSCALE:GREGORIAN",
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Shanghai",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0800",
        "TZOFFSETTO:+0800",
        "TZNAME:CST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ] {
        ics_line(&mut out, line);
    }
    ics_line(&mut out, &format!("X-WR-CALNAME:{}", ics_text(&format!("{school} {}", g.title))));
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut seen = std::collections::HashSet::new();
    for row in &g.rows {
        for cell in &row.cells {
            for l in &cell.lessons {
                // A double lesson shows in two cells: one event.
                if !seen.insert(l.key.clone()) {
                    continue;
                }
                let Some(a) = loaded.activity(&l.key) else { continue };
                let Some(slot) = loaded.tt.placements[a].start else { continue };
                let Some((s, e)) = loaded.instance.clock_of(a, slot) else { continue };
                let (d, _) = loaded.instance.day_period(slot);
                // The first date on or after the term's start that falls on the lesson's weekday.
                let offset = (i64::from(d) - i64::from(start.weekday().num_days_from_monday())).rem_euclid(7);
                let first = start + Duration::days(offset);
                let time = |m: u16| format!("{}T{:02}{:02}00", first.format("%Y%m%d"), m / 60, m % 60);
                let uid = format!("{}-{}-{}@zhijiao", school_id, term.id, l.key.replace('/', "-"));
                ics_line(&mut out, "BEGIN:VEVENT");
                ics_line(&mut out, &format!("UID:{}", ics_text(&uid)));
                ics_line(&mut out, &format!("DTSTAMP:{stamp}"));
                ics_line(&mut out, &format!("DTSTART;TZID=Asia/Shanghai:{}", time(s)));
                ics_line(&mut out, &format!("DTEND;TZID=Asia/Shanghai:{}", time(e)));
                ics_line(&mut out, &format!("RRULE:FREQ=WEEKLY;UNTIL={}T235959Z", end.format("%Y%m%d")));
                let summary = if l.shared.is_some() { format!("{}（专递）", l.subject) } else { l.subject.clone() };
                ics_line(&mut out, &format!("SUMMARY:{}", ics_text(&summary)));
                let mut description = l.detail.clone();
                if let Some(s) = &l.shared {
                    description.push_str(&format!("\n{s}"));
                }
                ics_line(&mut out, &format!("DESCRIPTION:{}", ics_text(&description)));
                if let Some(room) =
                    loaded.tt.placements[a].room.and_then(|r| loaded.instance.problem.rooms.get(r as usize))
                {
                    ics_line(&mut out, &format!("LOCATION:{}", ics_text(&format!("{} {}", week.name, room.name))));
                }
                ics_line(&mut out, "END:VEVENT");
            }
        }
    }
    ics_line(&mut out, "END:VCALENDAR");
    out
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(name: &str, used: &mut std::collections::HashSet<String>) -> String {
    let clean: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
    let mut candidate = clean.clone();
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{clean}~{n}");
        n += 1;
    }
    candidate
}

fn xlsx(t: &TimetableMessages, loaded: &Loaded) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let mut used = std::collections::HashSet::new();
    for (resource, label) in resources(&loaded.instance, ViewKind::Class) {
        let g = grid(t, loaded, ViewKind::Class, resource, label.clone());
        let ws = book.add_worksheet();
        ws.set_name(sheet_name(&label, &mut used))?;
        ws.write_string_with_format(0, 0, t.period, &bold)?;
        for (d, day) in g.days.iter().enumerate() {
            ws.write_string_with_format(0, d as u16 + 1, day, &bold)?;
            ws.set_column_width(d as u16 + 1, 22)?;
        }
        for (r, row) in g.rows.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string_with_format(r, 0, format!("{}\n{}", row.label, row.time), &wrap)?;
            for (d, cell) in row.cells.iter().enumerate() {
                let text = cell
                    .lessons
                    .iter()
                    .map(|l| {
                        let mut s = format!("{}\n{}", l.subject, l.detail);
                        if let Some(x) = &l.shared {
                            s.push_str(&format!("\n[{}] {x}", t.shared_badge));
                        }
                        s
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                if !text.is_empty() {
                    ws.write_string_with_format(r, d as u16 + 1, text, &wrap)?;
                }
            }
        }
        ws.set_column_width(0, 14)?;
        ws.set_freeze_panes(1, 1)?;
    }
    // Every lesson of the school on one sheet, for filtering and pivot tables.
    let ws = book.add_worksheet();
    ws.set_name(sheet_name(t.sheet_lessons, &mut used))?;
    let header = [t.subject, t.teacher, t.class, t.room, t.day, t.period, t.time, t.pinned, t.shared_badge];
    for (col, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *h, &bold)?;
    }
    let inst = &loaded.instance;
    let p = &inst.problem;
    let week = &inst.schools[0];
    let mut row = 1;
    for (a, act) in p.activities.iter().enumerate() {
        if inst.school_of[a] != 0 {
            continue;
        }
        let Some(slot) = loaded.tt.placements[a].start else { continue };
        let (d, q) = inst.day_period(slot);
        let cells = [
            act.subject.clone(),
            act.teachers.iter().map(|&x| p.teachers[x as usize].clone()).collect::<Vec<_>>().join("、"),
            act.students.iter().map(|&x| p.student_sets[x as usize].name.clone()).collect::<Vec<_>>().join("、"),
            loaded.tt.placements[a].room.map(|r| p.rooms[r as usize].name.clone()).unwrap_or_default(),
            week.days.get(usize::from(d)).cloned().unwrap_or_default(),
            week.periods.get(usize::from(q)).map(|x| x.name.clone()).unwrap_or_default(),
            inst.clock_of(a, slot).map(|(s, e)| format!("{}–{}", clock(s), clock(e))).unwrap_or_default(),
            if loaded.pinned[a] { t.yes.to_owned() } else { String::new() },
            shared_note(t, inst, &loaded.tt, a).unwrap_or_default(),
        ];
        for (col, text) in cells.iter().enumerate() {
            ws.write_string(row, col as u16, text)?;
        }
        row += 1;
    }
    ws.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// A partner school's own time of a shared lesson: in words, its clock span, its day.
type PartnerTime = (String, Option<(u16, u16)>, u16);

#[derive(Template)]
#[template(path = "timetable_district.html")]
pub(crate) struct DistrictPage {
    c: Chrome,
    t: &'static TimetableMessages,
    term: String,
    shared: Vec<SharedRow>,
}

/// `GET /timetables`: every shared lesson in the term's timetables, both schools' times side by
/// side. The lead school's own timetable gives the lead time, the partner's own the partner time
/// (the lead's timetable stands in until the partner has solved).
pub(crate) async fn district(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<DistrictPage>, WebError> {
    let c = app.chrome(&ctx, Nav::Timetables).await?;
    let term = timetables::current_term();
    let shared = shared_across(&app, &term.id).await?;
    Ok(Page(DistrictPage { t: c.m.tt, term: term.id, shared, c }))
}

/// Every shared lesson in the term's stored timetables: the lead school's own timetable gives the
/// lead time, the partner's own the partner time (the lead's timetable stands in until then).
async fn shared_across(app: &App, term: &str) -> Result<Vec<SharedRow>, WebError> {
    let stored = app.store.timetables_of_term(term).await?;
    let mut rows: Vec<(String, SharedRow)> = Vec::new();
    // Per shared lesson: the partner's own time in words, its clock span and its day.
    let mut partner_times: HashMap<String, PartnerTime> = HashMap::new();
    let mut lead_clocks: HashMap<String, (Option<(u16, u16)>, u16)> = HashMap::new();
    for s in stored.into_iter().filter(|s| s.placements.is_some() && s.source == TimetableSource::Roster) {
        let name = s.school_id.clone();
        let instance = timetables::instance_of(&s, &name)?;
        let placements: Vec<timetable::platform::StoredPlacement> =
            serde_json::from_str(s.placements.as_deref().unwrap_or("[]"))
                .map_err(|e| WebError::Internal(e.to_string()))?;
        let (tt, pinned) = instance.from_stored(&placements);
        let loaded = Loaded { stored: s, instance, tt, pinned };
        let inst = &loaded.instance;
        for (prefix, row) in shared_rows(&loaded) {
            let a = inst.keys.iter().position(|k| k.starts_with(&prefix) && k.ends_with("/lead"));
            let b = a.and_then(|a| other_side(inst, a));
            let own_school_leads = a.is_some_and(|a| inst.school_of[a] == 0);
            if own_school_leads {
                if let Some(a) = a {
                    let start = loaded.tt.placements[a].start;
                    lead_clocks.insert(
                        prefix.clone(),
                        (start.and_then(|st| inst.clock_of(a, st)), start.map_or(u16::MAX, |st| inst.day_period(st).0)),
                    );
                }
                rows.push((prefix, SharedRow { partner_from_lead: true, ..row }));
            } else if let Some(b) = b {
                let start = loaded.tt.placements[b].start;
                partner_times.insert(
                    prefix,
                    (
                        start.map(|st| when(inst, b, st)).unwrap_or_default(),
                        start.and_then(|st| inst.clock_of(b, st)),
                        start.map_or(u16::MAX, |st| inst.day_period(st).0),
                    ),
                );
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|(prefix, mut row)| {
            if let Some((time, clock, day)) = partner_times.get(&prefix) {
                row.partner_time = time.clone();
                row.partner_from_lead = false;
                let (lead_clock, lead_day) = lead_clocks.get(&prefix).copied().unwrap_or((None, u16::MAX));
                row.same_time = lead_day == *day && overlaps(lead_clock, *clock);
            }
            row
        })
        .collect())
}
