//! The timetable inputs page (排课条件): a school's 教务 marks teachers' and classes' unavailable
//! periods on a day × period grid, sets daily and free-period limits, weekly counts and double
//! lessons per class and subject, and subject rules (not last period, morning or afternoon).
//!
//! The conditions are kept per school (`TimetableStore::save_timetable_settings`, guarded by the
//! version read), checked whole by `timetable::platform::settings` before anything is stored, and
//! applied at once: a roster-derived timetable input is rebuilt with them and its placements
//! re-checked. Each save leaves an activity record.

use std::{collections::HashMap, sync::Arc};

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use domain::{ActivityRecord, ActorRef, ObjectRef, Subject};
use serde::Deserialize;
use store::TimetableSource;
use timetable::platform::{
    SchoolPlan, plan_from_roster,
    settings::{HalfDay, LessonCount, Level, Limits, Settings, SubjectRule, lesson_key, subject_code},
};

use crate::{
    App, RequestContext, WebError,
    guard::see_other,
    i18n::{
        Lang,
        timetable::{SettingsMessages, TimetableMessages},
    },
    pages::{Chrome, Nav, Page},
    timetables,
};

/// One line of the conditions' summary: what and for whom.
pub(crate) struct SummaryLine {
    pub label: &'static str,
    pub text: String,
}

fn subject_label(lang: Lang, code: &str) -> String {
    Subject::parse(code).map_or_else(|_| code.to_owned(), |s| lang.label(s).to_owned())
}

fn level_label(m: &SettingsMessages, level: Option<Level>) -> &'static str {
    match level {
        None => m.opt_off,
        Some(Level::Prefer) => m.opt_prefer,
        Some(Level::Require) => m.opt_require,
    }
}

fn half_label(m: &SettingsMessages, half: (HalfDay, Level)) -> &'static str {
    match half {
        (HalfDay::Morning, Level::Prefer) => m.am_prefer,
        (HalfDay::Morning, Level::Require) => m.am_require,
        (HalfDay::Afternoon, Level::Prefer) => m.pm_prefer,
        (HalfDay::Afternoon, Level::Require) => m.pm_require,
    }
}

/// The conditions in a few lines, for the timetable page and the top of the inputs page.
pub(crate) fn summary(lang: Lang, m: &SettingsMessages, s: &Settings) -> Vec<SummaryLine> {
    let sep = if lang == Lang::En { ", " } else { "、" };
    let mut out = Vec::new();
    let mut line = |label: &'static str, parts: Vec<String>| {
        if !parts.is_empty() {
            out.push(SummaryLine { label, text: parts.join(sep) });
        }
    };
    for (limits, off, max, gaps) in [
        (&s.teachers, m.sum_teacher_off, m.sum_teacher_max, m.sum_teacher_gaps),
        (&s.classes, m.sum_class_off, m.sum_class_max, m.sum_class_gaps),
    ] {
        line(
            off,
            limits
                .values()
                .filter(|l| !l.unavailable.is_empty())
                .map(|l| format!("{} ({} {})", l.name, l.unavailable.len(), m.unit_periods))
                .collect(),
        );
        line(
            max,
            limits
                .values()
                .filter_map(|l| l.max_per_day.map(|n| format!("{} {} {n} {}", l.name, m.per_day, m.unit_periods)))
                .collect(),
        );
        line(gaps, limits.values().filter_map(|l| l.max_gaps_per_week.map(|n| format!("{} ≤ {n}", l.name))).collect());
    }
    line(
        m.sum_subjects,
        s.subjects
            .iter()
            .map(|(code, r)| {
                let mut bits = Vec::new();
                if let Some(level) = r.not_last_period {
                    bits.push(format!("{}: {}", m.not_last, level_label(m, level)));
                }
                if let Some(half) = r.half_day {
                    bits.push(half_label(m, half).to_owned());
                }
                format!("{} ({})", subject_label(lang, code), bits.join("; "))
            })
            .collect(),
    );
    line(
        m.sum_lessons,
        s.lessons
            .iter()
            .map(|(key, c)| {
                let code = key.rsplit_once('/').map_or(key.as_str(), |(_, c)| c);
                let mut text = format!("{} {}", c.class_name, subject_label(lang, code));
                if let Some(n) = c.per_week {
                    text.push_str(&format!(" {n} {}", m.unit_periods));
                }
                if c.doubles > 0 {
                    text.push_str(&format!(" ({} {})", c.doubles, m.unit_doubles));
                }
                text
            })
            .collect(),
    );
    out
}

pub(crate) struct Option_ {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) struct GridCell {
    pub value: String,
    pub label: String,
    pub off: bool,
}

pub(crate) struct GridRow {
    pub label: String,
    pub cells: Vec<GridCell>,
}

/// A teacher's or class's editor: the grid and the limits.
pub(crate) struct LimitsForm {
    pub id: String,
    pub name: String,
    pub rows: Vec<GridRow>,
    pub max_per_day: String,
    pub max_gaps: String,
}

pub(crate) struct LessonRow {
    pub code: String,
    pub subject: String,
    pub default_count: u16,
    pub per_week: String,
    pub doubles: String,
}

pub(crate) struct SubjectRow {
    pub code: String,
    pub subject: String,
    pub not_last: Vec<Option_>,
    pub half: Vec<Option_>,
}

#[derive(Template)]
#[template(path = "timetable_settings.html")]
pub(crate) struct SettingsPage {
    c: Chrome,
    t: &'static TimetableMessages,
    m: &'static SettingsMessages,
    school_id: String,
    school_name: String,
    version: i64,
    saved: bool,
    conflict: bool,
    fet: bool,
    errors: Vec<String>,
    summary: Vec<SummaryLine>,
    days: Vec<String>,
    teachers: Vec<Option_>,
    teacher: Option<LimitsForm>,
    classes: Vec<Option_>,
    class: Option<LimitsForm>,
    lessons: Vec<LessonRow>,
    subjects: Vec<SubjectRow>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    teacher: Option<String>,
    class: Option<String>,
    saved: Option<String>,
    conflict: Option<String>,
}

/// What the page needs beside the conditions: the school's plan as the roster gives it.
struct Base {
    name: String,
    plan: SchoolPlan,
    fet: bool,
}

async fn base(app: &App, school_id: &str) -> Result<Base, WebError> {
    let name = timetables::school_name(&*app.store, school_id).await?;
    let roster = app.store.load_roster().await?;
    let plan = plan_from_roster(&roster, school_id).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let term = timetables::current_term();
    let fet = app.store.timetable(school_id, &term.id).await?.is_some_and(|t| t.source == TimetableSource::Fet);
    Ok(Base { name, plan, fet })
}

/// The school's own teachers or classes as (roster id, name).
fn own(plan: &SchoolPlan, teachers: bool) -> Vec<(String, String)> {
    let d = &plan.district;
    if teachers {
        d.teachers
            .iter()
            .zip(&plan.teacher_ids)
            .filter(|(t, _)| t.school == 0)
            .map(|(t, id)| (id.clone(), t.name.clone()))
            .collect()
    } else {
        d.classes
            .iter()
            .zip(&plan.class_ids)
            .filter(|(c, _)| c.school == 0)
            .map(|(c, id)| (id.clone(), c.name.clone()))
            .collect()
    }
}

fn limits_form(plan: &SchoolPlan, id: &str, name: &str, limits: Option<&Limits>) -> LimitsForm {
    let school = &plan.district.schools[0];
    let off = |d: usize, q: usize| limits.is_some_and(|l| l.unavailable.contains(&(d as u16, q as u16)));
    LimitsForm {
        id: id.to_owned(),
        name: name.to_owned(),
        rows: school
            .periods
            .iter()
            .enumerate()
            .map(|(q, p)| GridRow {
                label: p.name.clone(),
                cells: school
                    .days
                    .iter()
                    .enumerate()
                    .map(|(d, day)| GridCell {
                        value: format!("{d}-{q}"),
                        label: format!("{day} {}", p.name),
                        off: off(d, q),
                    })
                    .collect(),
            })
            .collect(),
        max_per_day: limits.and_then(|l| l.max_per_day).map(|n| n.to_string()).unwrap_or_default(),
        max_gaps: limits.and_then(|l| l.max_gaps_per_week).map(|n| n.to_string()).unwrap_or_default(),
    }
}

fn choices(list: &[(String, String)], current: &str) -> Vec<Option_> {
    list.iter().map(|(id, name)| Option_ { value: id.clone(), label: name.clone(), selected: id == current }).collect()
}

/// A subject's place in the curriculum's order (unknown codes last).
fn subject_order(code: &str) -> (usize, String) {
    let at = Subject::parse(code).ok().and_then(|s| Subject::ALL.iter().position(|&x| x == s));
    (at.unwrap_or(usize::MAX), code.to_owned())
}

/// The school's subjects in the order of the curriculum, with the codes the conditions use.
fn school_subjects(lang: Lang, plan: &SchoolPlan) -> Vec<(String, String)> {
    let mut codes: Vec<String> = plan
        .district
        .lessons
        .iter()
        .filter(|l| plan.district.classes[l.class].school == 0)
        .map(|l| subject_code(&l.subject))
        .collect();
    codes.sort_by_key(|c| subject_order(c));
    codes.dedup();
    codes.into_iter().map(|c| (c.clone(), subject_label(lang, &c))).collect()
}

#[allow(clippy::too_many_arguments, reason = "the page's parts, each plain")]
fn render(
    ctx: &RequestContext,
    c: Chrome,
    school_id: String,
    base: &Base,
    settings: &Settings,
    version: i64,
    q: &PageQuery,
    errors: Vec<String>,
) -> SettingsPage {
    let t = c.m.tt;
    let m = t.set;
    let lang = ctx.lang;
    let plan = &base.plan;
    let teachers = own(plan, true);
    let classes = own(plan, false);
    let pick = |list: &[(String, String)], wanted: Option<&String>| {
        wanted.and_then(|w| list.iter().find(|(id, _)| id == w)).or(list.first()).cloned()
    };
    let teacher = pick(&teachers, q.teacher.as_ref());
    let class = pick(&classes, q.class.as_ref());
    let lessons = class
        .as_ref()
        .map(|(class_id, _)| {
            let mut rows: Vec<LessonRow> = Vec::new();
            for l in &plan.district.lessons {
                if plan.class_ids.get(l.class) != Some(class_id) {
                    continue;
                }
                let code = subject_code(&l.subject);
                if rows.iter().any(|r| r.code == code) {
                    continue;
                }
                let count = settings.lessons.get(&lesson_key(class_id, &code));
                rows.push(LessonRow {
                    subject: subject_label(lang, &code),
                    default_count: l.per_week * l.duration.max(1),
                    per_week: count.and_then(|c| c.per_week).map(|n| n.to_string()).unwrap_or_default(),
                    doubles: count.map(|c| c.doubles).filter(|&n| n > 0).map(|n| n.to_string()).unwrap_or_default(),
                    code,
                });
            }
            rows.sort_by_key(|r| subject_order(&r.code));
            rows
        })
        .unwrap_or_default();
    let subjects = school_subjects(lang, plan)
        .into_iter()
        .map(|(code, subject)| {
            let rule = settings.subjects.get(&code);
            let nl = rule.and_then(|r| r.not_last_period);
            let half = rule.and_then(|r| r.half_day);
            let opt = |value: &str, label: &str, selected: bool| Option_ {
                value: value.into(),
                label: label.into(),
                selected,
            };
            SubjectRow {
                not_last: vec![
                    opt("default", m.opt_default, nl.is_none()),
                    opt("off", m.opt_off, nl == Some(None)),
                    opt("prefer", m.opt_prefer, nl == Some(Some(Level::Prefer))),
                    opt("require", m.opt_require, nl == Some(Some(Level::Require))),
                ],
                half: vec![
                    opt("none", m.opt_off, half.is_none()),
                    opt("am-prefer", m.am_prefer, half == Some((HalfDay::Morning, Level::Prefer))),
                    opt("am-require", m.am_require, half == Some((HalfDay::Morning, Level::Require))),
                    opt("pm-prefer", m.pm_prefer, half == Some((HalfDay::Afternoon, Level::Prefer))),
                    opt("pm-require", m.pm_require, half == Some((HalfDay::Afternoon, Level::Require))),
                ],
                code,
                subject,
            }
        })
        .collect();
    SettingsPage {
        m,
        t,
        version,
        saved: q.saved.is_some() && errors.is_empty(),
        conflict: q.conflict.is_some() && errors.is_empty(),
        fet: base.fet,
        errors,
        summary: summary(lang, m, settings),
        days: plan.district.schools[0].days.clone(),
        teachers: choices(&teachers, teacher.as_ref().map_or("", |x| x.0.as_str())),
        teacher: teacher.as_ref().map(|(id, name)| limits_form(plan, id, name, settings.teachers.get(id))),
        classes: choices(&classes, class.as_ref().map_or("", |x| x.0.as_str())),
        class: class.as_ref().map(|(id, name)| limits_form(plan, id, name, settings.classes.get(id))),
        lessons,
        subjects,
        school_name: base.name.clone(),
        school_id,
        c,
    }
}

/// `GET /schools/{id}/timetable/settings`.
pub(crate) async fn show(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Page<SettingsPage>, WebError> {
    let c = app.chrome(&ctx, Nav::None).await?;
    let base = base(&app, &id).await?;
    let (settings, version) = timetables::settings(&*app.store, &id).await?;
    Ok(Page(render(&ctx, c, id, &base, &settings, version, &q, Vec::new())))
}

/// A whole number from a form field, blank for none; an error names the field and the limit.
fn number(m: &SettingsMessages, field: &str, value: Option<&String>, max: u16) -> Result<Option<u16>, String> {
    let Some(v) = value.map(|v| v.trim()).filter(|v| !v.is_empty()) else { return Ok(None) };
    match v.parse::<u16>() {
        Ok(n) if n <= max => Ok(Some(n)),
        _ => Err(format!("{field}“{v}” {}", m.bad_number.replace("{max}", &max.to_string()))),
    }
}

/// Reads one section of the form into the conditions. Errors name the field.
fn read_form(base: &Base, settings: &mut Settings, m: &SettingsMessages, pairs: &[(String, String)]) -> Vec<String> {
    let field = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let plan = &base.plan;
    let school = &plan.district.schools[0];
    let (nd, np) = (school.days.len() as u16, school.periods.len() as u16);
    let mut errors = Vec::new();
    let section = field("section").map(String::as_str).unwrap_or("");
    let id = field("id").cloned().unwrap_or_default();
    match section {
        "teacher" | "class" => {
            let is_teacher = section == "teacher";
            let Some((_, name)) = own(plan, is_teacher).into_iter().find(|(x, _)| *x == id) else {
                return vec![format!(
                    "{} {id} 不在本校 / {id} is not in this school",
                    if is_teacher { m.teacher } else { m.class }
                )];
            };
            let mut unavailable = Vec::new();
            for (_, v) in pairs.iter().filter(|(k, _)| k == "u") {
                match v.split_once('-').map(|(d, q)| (d.parse::<u16>(), q.parse::<u16>())) {
                    Some((Ok(d), Ok(q))) if d < nd && q < np => unavailable.push((d, q)),
                    _ => errors.push(format!("{} “{v}” 不在本校作息内 / is not in the school's week", m.unavailable)),
                }
            }
            let max_per_day = number(m, m.max_per_day, field("max_per_day"), np).unwrap_or_else(|e| {
                errors.push(e);
                None
            });
            let gaps_label = if is_teacher { m.max_gaps_teacher } else { m.max_gaps_class };
            let max_gaps_per_week = number(m, gaps_label, field("max_gaps"), nd * np).unwrap_or_else(|e| {
                errors.push(e);
                None
            });
            let limits = Limits { name, unavailable, max_per_day, max_gaps_per_week };
            let map = if is_teacher { &mut settings.teachers } else { &mut settings.classes };
            map.insert(id.clone(), limits);
            if !is_teacher {
                for l in plan.district.lessons.iter().filter(|l| plan.class_ids.get(l.class) == Some(&id)) {
                    let code = subject_code(&l.subject);
                    let label = format!("{} {}", l.subject, m.per_week);
                    let per_week =
                        number(m, &label, field(&format!("n.{code}")), timetable::platform::settings::MAX_PER_WEEK)
                            .unwrap_or_else(|e| {
                                errors.push(e);
                                None
                            });
                    let label = format!("{} {}", l.subject, m.doubles);
                    let doubles = number(m, &label, field(&format!("d.{code}")), 10).unwrap_or_else(|e| {
                        errors.push(e);
                        None
                    });
                    let class_name = plan.district.classes[l.class].name.clone();
                    settings.lessons.insert(
                        lesson_key(&id, &code),
                        LessonCount { class_name, per_week, doubles: doubles.unwrap_or(0) },
                    );
                }
            }
        }
        "subjects" => {
            for (code, _) in school_subjects(Lang::Zh, plan) {
                let not_last_period = match field(&format!("nl.{code}")).map(String::as_str) {
                    Some("off") => Some(None),
                    Some("prefer") => Some(Some(Level::Prefer)),
                    Some("require") => Some(Some(Level::Require)),
                    _ => None,
                };
                let half_day = match field(&format!("hd.{code}")).map(String::as_str) {
                    Some("am-prefer") => Some((HalfDay::Morning, Level::Prefer)),
                    Some("am-require") => Some((HalfDay::Morning, Level::Require)),
                    Some("pm-prefer") => Some((HalfDay::Afternoon, Level::Prefer)),
                    Some("pm-require") => Some((HalfDay::Afternoon, Level::Require)),
                    _ => None,
                };
                settings.subjects.insert(code, SubjectRule { not_last_period, half_day });
            }
        }
        other => errors.push(format!("未知的表单部分 “{other}” / unknown form section")),
    }
    settings.tidy();
    errors
}

/// `POST /schools/{id}/timetable/settings`: one section (a teacher, a class, the subjects), with
/// the version read. Conditions that cannot hold are shown with every reason and nothing is
/// stored; otherwise they are saved, the roster-derived input is rebuilt with them and its
/// placements re-checked, and an activity record is left.
pub(crate) async fn save(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let by = ctx.principal()?.account.id.clone();
    let field = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let base = base(&app, &id).await?;
    let (mut settings, version) = timetables::settings(&*app.store, &id).await?;
    let q = PageQuery { teacher: field("teacher"), class: field("class"), ..PageQuery::default() };
    let m = ctx.lang.messages().tt.set;
    let read_version = field("version").and_then(|v| v.parse::<i64>().ok());
    let mut errors = if read_version != Some(version) { vec![m.stale.to_owned()] } else { Vec::new() };
    if errors.is_empty() {
        errors = read_form(&base, &mut settings, m, &pairs);
    }
    if errors.is_empty()
        && let Err(reasons) = settings.apply(&base.plan)
    {
        errors = reasons;
    }
    let section = field("section").unwrap_or_default();
    if errors.is_empty() {
        let json = serde_json::to_string(&settings).map_err(|e| WebError::Internal(e.to_string()))?;
        match app.store.save_timetable_settings(&id, version, &json, &by, Utc::now()).await? {
            None => errors.push(m.stale.to_owned()),
            Some(new_version) => {
                let term = timetables::current_term();
                let mut conflict = false;
                if !base.fet && app.store.timetable(&id, &term.id).await?.is_some() {
                    timetables::derive(&*app.store, &id, &term.id, &by).await?;
                    conflict = timetables::recheck(&*app.store, &id, &term.id, &by).await? == Some(false);
                }
                app.store
                    .append_activity(&[ActivityRecord {
                        actor: ActorRef { kind: "account".to_owned(), id: by.clone() },
                        verb: "updated".to_owned(),
                        object: ObjectRef { kind: "timetable_settings".to_owned(), id: id.clone() },
                        school_id: Some(id.clone()),
                        class_id: None,
                        result: Some(serde_json::json!({ "section": section, "version": new_version })),
                        timestamp: Utc::now(),
                    }])
                    .await?;
                let mut query: HashMap<&str, String> = HashMap::from([("saved", "1".to_owned())]);
                if conflict {
                    query.insert("conflict", "1".to_owned());
                }
                if let Some(t) = q.teacher.clone() {
                    query.insert("teacher", t);
                }
                if let Some(c) = q.class.clone() {
                    query.insert("class", c);
                }
                let mut pairs: Vec<(&str, String)> = query.into_iter().collect();
                pairs.sort();
                let qs = serde_urlencoded::to_string(&pairs).map_err(|e| WebError::Internal(e.to_string()))?;
                return Ok(see_other(&format!("/schools/{id}/timetable/settings?{qs}#tts-{section}")));
            }
        }
    }
    // Shown with what was entered, so it can be corrected.
    let stale = errors.first().is_some_and(|e| e == m.stale);
    let c = app.chrome(&ctx, Nav::None).await?;
    let (shown, shown_version) =
        if stale { timetables::settings(&*app.store, &id).await? } else { (settings, version) };
    let page = render(&ctx, c, id, &base, &shown, shown_version, &q, errors);
    let status = if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Page(page)).into_response())
}
