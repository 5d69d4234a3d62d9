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
    Instance, SchoolPlan,
    electives::{self, ElectiveSetting, GroupSetting},
    plan_from_roster,
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
    line(
        m.sum_electives,
        s.electives
            .iter()
            .map(|b| {
                format!(
                    "{} ({} {}, {} {}, {} {} × {})",
                    b.name,
                    b.classes.len(),
                    m.unit_classes,
                    b.groups.len(),
                    m.unit_groups,
                    b.per_week,
                    m.unit_times,
                    if b.duration > 1 { m.elective_double } else { m.elective_single }
                )
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

/// A saved elective block in the list.
pub(crate) struct BlockRow {
    pub id: String,
    pub name: String,
    pub classes: String,
    pub groups: Vec<String>,
    pub per_week: String,
    /// The subjects whose lessons the block takes out of its classes, and how many periods.
    pub replaces: String,
    pub editing: bool,
}

/// A class to tick in the block editor.
pub(crate) struct ClassTick {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

/// One group row of the block editor.
pub(crate) struct GroupRow {
    pub n: usize,
    pub subjects: Vec<Option_>,
    pub teachers: Vec<Option_>,
    pub rooms: Vec<Option_>,
    pub students: String,
}

/// The block editor (a new block, or the one being edited).
pub(crate) struct BlockForm {
    pub id: String,
    pub name: String,
    pub classes: Vec<ClassTick>,
    pub per_week: String,
    pub double: bool,
    pub groups: Vec<GroupRow>,
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
    blocks: Vec<BlockRow>,
    block: BlockForm,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    teacher: Option<String>,
    class: Option<String>,
    saved: Option<String>,
    conflict: Option<String>,
    /// The elective block to edit.
    elective: Option<String>,
    /// A block as entered but refused, shown again to correct.
    #[serde(skip)]
    draft: Option<ElectiveSetting>,
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

/// The school's teachers as (roster id, "name（subjects taught）"), for choosing a group's teacher.
fn teacher_choices(lang: Lang, plan: &SchoolPlan) -> Vec<(String, String)> {
    let sep = if lang == Lang::En { ", " } else { "、" };
    own(plan, true)
        .into_iter()
        .map(|(id, name)| {
            let t = plan.teacher_ids.iter().position(|x| *x == id);
            let mut codes: Vec<String> = plan
                .district
                .lessons
                .iter()
                .filter(|l| Some(l.teacher) == t)
                .map(|l| subject_code(&l.subject))
                .collect();
            codes.sort_by_key(|c| subject_order(c));
            codes.dedup();
            let taught: Vec<String> = codes.iter().map(|c| subject_label(lang, c)).collect();
            let label = if taught.is_empty() { name } else { format!("{name} ({})", taught.join(sep)) };
            (id, label)
        })
        .collect()
}

/// The school's rooms by name.
fn room_names(plan: &SchoolPlan) -> Vec<String> {
    plan.district.rooms.iter().filter(|r| r.school == 0).map(|r| r.name.clone()).collect()
}

fn class_name(plan: &SchoolPlan, id: &str) -> String {
    plan.class_ids
        .iter()
        .position(|x| x == id)
        .and_then(|i| plan.district.classes.get(i))
        .map_or_else(|| id.to_owned(), |c| c.name.clone())
}

fn block_row(lang: Lang, m: &SettingsMessages, plan: &SchoolPlan, b: &ElectiveSetting, editing: bool) -> BlockRow {
    let sep = if lang == Lang::En { ", " } else { "、" };
    let teachers = own(plan, true);
    let groups = b
        .groups
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let teacher = teachers.iter().find(|(id, _)| *id == g.teacher).map_or(g.teacher.as_str(), |(_, n)| n);
            let room = match &g.room {
                Some(r) => r.clone(),
                None => b
                    .classes
                    .get(k)
                    .map(|c| timetable::platform::home_room_name(&class_name(plan, c)))
                    .unwrap_or_default(),
            };
            let mut text = format!("{} {teacher}", electives::group_name(&b.name, &b.groups, k));
            if !room.is_empty() {
                text.push_str(&format!(" · {room}"));
            }
            if let Some(n) = g.students {
                text.push_str(&format!(" · {n}"));
            }
            text
        })
        .collect();
    let mut codes: Vec<&str> = b.groups.iter().map(|g| g.subject.as_str()).collect();
    codes.sort_by_key(|c| subject_order(c));
    codes.dedup();
    let subjects: Vec<String> = codes.iter().map(|c| subject_label(lang, c)).collect();
    let length = if b.duration > 1 { m.elective_double } else { m.elective_single };
    BlockRow {
        id: b.id.clone(),
        name: b.name.clone(),
        classes: b.classes.iter().map(|c| class_name(plan, c)).collect::<Vec<_>>().join(sep),
        groups,
        per_week: format!("{} {} × {length}", b.per_week, m.unit_times),
        replaces: format!("{} −{} {}", subjects.join(sep), b.per_week * b.duration, m.unit_periods),
        editing,
    }
}

/// The block editor, filled with `block` (being edited, or entered and refused) or blank; it
/// has two empty group rows beyond the block's groups (at least four rows).
fn block_form(lang: Lang, plan: &SchoolPlan, block: Option<&ElectiveSetting>) -> BlockForm {
    let subjects = school_subjects(lang, plan);
    let teachers = teacher_choices(lang, plan);
    let rooms = room_names(plan);
    let blank = GroupSetting::default();
    let given = block.map_or(&[][..], |b| b.groups.as_slice());
    let rows = (given.len() + 2).clamp(4, electives::MAX_GROUPS);
    let with_blank = |list: Vec<Option_>, label: &str, none_selected: bool| {
        let mut out = vec![Option_ { value: String::new(), label: label.to_owned(), selected: none_selected }];
        out.extend(list);
        out
    };
    let groups = (0..rows)
        .map(|k| {
            let g = given.get(k).unwrap_or(&blank);
            let room = g.room.clone().unwrap_or_default();
            GroupRow {
                n: k + 1,
                subjects: with_blank(choices(&subjects, &g.subject), "—", g.subject.is_empty()),
                teachers: with_blank(choices(&teachers, &g.teacher), "—", g.teacher.is_empty()),
                rooms: with_blank(
                    rooms
                        .iter()
                        .map(|r| Option_ { value: r.clone(), label: r.clone(), selected: *r == room })
                        .collect(),
                    lang.messages().tt.set.room_auto,
                    room.is_empty(),
                ),
                students: g.students.map(|n| n.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    BlockForm {
        id: block.map(|b| b.id.clone()).unwrap_or_default(),
        name: block.map(|b| b.name.clone()).unwrap_or_default(),
        classes: own(plan, false)
            .into_iter()
            .map(|(id, name)| ClassTick { checked: block.is_some_and(|b| b.classes.contains(&id)), id, name })
            .collect(),
        per_week: block.map(|b| b.per_week.to_string()).unwrap_or_default(),
        double: block.is_some_and(|b| b.duration > 1),
        groups,
    }
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
    let blocks = settings
        .electives
        .iter()
        .map(|b| block_row(lang, m, plan, b, q.elective.as_deref() == Some(b.id.as_str())))
        .collect();
    let editing = q.elective.as_ref().and_then(|id| settings.electives.iter().find(|b| &b.id == id));
    let block = block_form(lang, plan, q.draft.as_ref().or(editing));
    SettingsPage {
        m,
        t,
        version,
        blocks,
        block,
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
        "elective" => {
            let (mut block, problems) = read_block(base, settings, m, pairs);
            if problems.is_empty() {
                match settings.electives.iter_mut().find(|b| !block.id.is_empty() && b.id == block.id) {
                    Some(b) => *b = block,
                    None => {
                        block.id = ElectiveSetting::next_id(&settings.electives);
                        settings.electives.push(block);
                    }
                }
            }
            errors.extend(problems);
        }
        "elective-delete" => {
            let before = settings.electives.len();
            settings.electives.retain(|b| b.id != id);
            if settings.electives.len() == before {
                errors.push(m.no_such_block.to_owned());
            }
        }
        other => errors.push(format!("未知的表单部分 “{other}” / unknown form section")),
    }
    settings.tidy();
    errors
}

/// The elective block of the editor's fields, with what is wrong in them (each naming the field
/// or the group row). An edited block keeps its id, so its lessons keep their places; a new one
/// has none yet.
fn read_block(
    base: &Base,
    settings: &Settings,
    m: &SettingsMessages,
    pairs: &[(String, String)],
) -> (ElectiveSetting, Vec<String>) {
    let field = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim().to_owned());
    let all = |k: &str| pairs.iter().filter(|(key, _)| key == k).map(|(_, v)| v.trim().to_owned()).collect::<Vec<_>>();
    let plan = &base.plan;
    let mut errors = Vec::new();
    let id = field("id").unwrap_or_default();
    if !id.is_empty() && !settings.electives.iter().any(|b| b.id == id) {
        errors.push(m.no_such_block.to_owned());
    }
    let own_classes = own(plan, false);
    let classes: Vec<String> = all("ec").into_iter().filter(|c| own_classes.iter().any(|(id, _)| id == c)).collect();
    let per_week = number(m, m.elective_per_week, field("per_week").as_ref(), electives::MAX_PER_WEEK)
        .unwrap_or_else(|e| {
            errors.push(e);
            None
        })
        .unwrap_or(0);
    let duration = if field("length").as_deref() == Some("2") { 2 } else { 1 };
    let (subjects, teachers, rooms, sizes) = (all("gs"), all("gt"), all("gr"), all("gn"));
    let mut groups = Vec::new();
    for k in 0..subjects.len().max(teachers.len()) {
        let (subject, teacher) =
            (subjects.get(k).cloned().unwrap_or_default(), teachers.get(k).cloned().unwrap_or_default());
        if subject.is_empty() && teacher.is_empty() {
            continue;
        }
        if subject.is_empty() || teacher.is_empty() {
            errors.push(m.row_incomplete.replace("{n}", &(k + 1).to_string()));
            continue;
        }
        let label = format!("{} {} {}", m.elective_groups, k + 1, m.group_students);
        let students = number(m, &label, sizes.get(k), 500).unwrap_or_else(|e| {
            errors.push(e);
            None
        });
        groups.push(GroupSetting {
            subject,
            teacher,
            room: rooms.get(k).filter(|r| !r.is_empty()).cloned(),
            students: students.map(u32::from),
        });
    }
    (ElectiveSetting { id, name: field("name").unwrap_or_default(), classes, groups, per_week, duration }, errors)
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
    let mut q = PageQuery { teacher: field("teacher"), class: field("class"), ..PageQuery::default() };
    let m = ctx.lang.messages().tt.set;
    let read_version = field("version").and_then(|v| v.parse::<i64>().ok());
    let mut errors = if read_version != Some(version) { vec![m.stale.to_owned()] } else { Vec::new() };
    if errors.is_empty() {
        errors = read_form(&base, &mut settings, m, &pairs);
    }
    if errors.is_empty() {
        // What cannot hold is said before anything is stored, down to the compiled model.
        match settings.apply(&base.plan) {
            Err(reasons) => errors = reasons,
            Ok(applied) => {
                if let Err(e) = Instance::from_plan(&applied) {
                    errors.push(e.to_string());
                }
            }
        }
    }
    let section = field("section").unwrap_or_default();
    let anchor = section.trim_end_matches("-delete").to_owned();
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
                return Ok(see_other(&format!("/schools/{id}/timetable/settings?{qs}#tts-{anchor}")));
            }
        }
    }
    // Shown with what was entered, so it can be corrected.
    let stale = errors.first().is_some_and(|e| e == m.stale);
    if section == "elective" && !stale {
        let draft = read_block(&base, &settings, m, &pairs).0;
        q.elective = Some(draft.id.clone()).filter(|id| !id.is_empty());
        q.draft = Some(draft);
    }
    let c = app.chrome(&ctx, Nav::None).await?;
    // A refused block is shown in its editor, not in the list of saved blocks.
    let (shown, shown_version) = if stale || section.starts_with("elective") {
        timetables::settings(&*app.store, &id).await?
    } else {
        (settings, version)
    };
    let page = render(&ctx, c, id, &base, &shown, shown_version, &q, errors);
    let status = if stale { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Page(page)).into_response())
}
