//! Composing a homework. The form carries its whole draft in its fields and every button posts it
//! back with an `op` (search, add, remove, auto-pick, assign), so composing needs no script and a
//! half-composed homework survives a reload of the page.
//!
//! Each chosen item carries its points, a subjective item its rubric (评分要点, prefilled when the
//! item is added by [`domain::homework::rubric::suggest`]: one point per numbered step of the
//! analysis, else one point for the whole item), and a fill-in or multiple-choice item its grading
//! toggles. Per-item fields are named `<field>:<item id>`.

use std::{collections::BTreeSet, sync::Arc};

use askama::Template;
use axum::{
    Form,
    extract::State,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use domain::{
    Subject,
    homework::{
        CHINA_TIME, HomeworkItem, Mode, RubricPoint, SpecProblem,
        compose::{Pace, PickRequest, auto_pick, estimate_minutes},
        followup::default_points,
        rubric::{self, format_points},
    },
    items::{AnswerKey, Item, ItemType},
};
use store::TaughtClass;

use super::super::library::items::ItemView;
use crate::{
    App, RequestContext, WebError,
    guard::see_other,
    homework::{
        HomeworkError,
        ops::{self, Compose, teacher_id},
        point_name,
    },
    pages::{Chrome, Nav, Page},
};

/// The draft as the form holds it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub title: String,
    pub subject: Option<Subject>,
    pub classes: Vec<String>,
    pub mode: Option<Mode>,
    pub open_at: String,
    pub due_at: String,
    pub allow_late: bool,
    pub minutes: String,
    /// The estimate the page filled in last time: while `minutes` still equals it, the teacher
    /// has not typed their own, and it follows the chosen items.
    pub minutes_auto: String,
    pub instructions: String,
    pub items: Vec<HomeworkItem>,
    pub q: String,
    pub kps: Vec<String>,
    pub count: String,
    pub target_minutes: String,
    pub difficulty: String,
    pub confirm: bool,
    pub op: String,
}

/// The per-item fields of the form, applied once every item is known.
#[derive(Default)]
struct ItemFields {
    points: Option<f32>,
    rubric_text: Vec<String>,
    rubric_points: Vec<String>,
    /// The grading toggles the form showed for the item (`numeric_equivalence,ignore_units`).
    shown: Option<String>,
    checked: Vec<String>,
}

/// Reads points as a teacher types them: `2`, `1.5`, `２分`.
fn parse_points(text: &str) -> Option<f32> {
    let text = domain::grading::normalize_blank(text);
    text.trim_end_matches('分').trim().parse().ok().filter(|p: &f32| p.is_finite())
}

impl ItemFields {
    fn apply(self, item: &mut HomeworkItem) {
        if let Some(points) = self.points {
            item.points = points;
        }
        let rows = self.rubric_text.len().max(self.rubric_points.len());
        let any_rubric_field = rows > 0;
        if any_rubric_field {
            item.rubric = (0..rows)
                .filter_map(|i| {
                    let text = self.rubric_text.get(i).map_or("", |t| t.trim());
                    let points = self.rubric_points.get(i).map_or("", |p| p.trim());
                    // An empty row is the one offered for adding, or one the teacher cleared.
                    (!text.is_empty() || !points.is_empty())
                        .then(|| RubricPoint { text: text.to_owned(), points: parse_points(points).unwrap_or(0.0) })
                })
                .collect();
        }
        // A one-point rubric can only be worth the whole item: it follows the item's points.
        if let [only] = item.rubric.as_mut_slice() {
            only.points = item.points;
        }
        if let Some(shown) = self.shown {
            for name in shown.split(',') {
                let on = self.checked.iter().any(|c| c == name);
                match name {
                    "numeric_equivalence" => item.grading.numeric_equivalence = on,
                    "ignore_units" => item.grading.ignore_units = on,
                    "partial_credit_multiple_choice" => item.grading.partial_credit_multiple_choice = on,
                    _ => {}
                }
            }
        }
    }
}

impl Draft {
    fn from_pairs(pairs: Vec<(String, String)>) -> Draft {
        let mut d = Draft::default();
        let mut per_item: std::collections::HashMap<String, ItemFields> = std::collections::HashMap::new();
        for (k, v) in pairs {
            if let Some((field, id)) = k.split_once(':') {
                let f = per_item.entry(id.to_owned()).or_default();
                match field {
                    "points" => f.points = parse_points(&v),
                    "rubric_text" => f.rubric_text.push(v),
                    "rubric_points" => f.rubric_points.push(v),
                    "grading" => f.shown = Some(v),
                    "numeric_equivalence" | "ignore_units" | "partial_credit_multiple_choice" => {
                        f.checked.push(field.to_owned());
                    }
                    _ => {}
                }
                continue;
            }
            match k.as_str() {
                "title" => d.title = v,
                "subject" => d.subject = Subject::parse(&v).ok(),
                "class" if !d.classes.contains(&v) => d.classes.push(v),
                "mode" => d.mode = Mode::parse(&v).ok(),
                "open_at" => d.open_at = v,
                "due_at" => d.due_at = v,
                "allow_late" => d.allow_late = true,
                "minutes" => d.minutes = v,
                "minutes_auto" => d.minutes_auto = v,
                "instructions" => d.instructions = v,
                "item" => {
                    if let Some((id, points)) = v.split_once(':')
                        && let Ok(points) = points.parse::<f32>()
                        && !d.items.iter().any(|i| i.item_id == id)
                    {
                        d.items.push(HomeworkItem::new(id, points));
                    }
                }
                "q" => d.q = v,
                "kp" => d.kps.push(v),
                "count" => d.count = v,
                "target_minutes" => d.target_minutes = v,
                "difficulty" => d.difficulty = v,
                "confirm_over_limit" => d.confirm = true,
                "op" => d.op = v,
                _ => {}
            }
        }
        for item in &mut d.items {
            if let Some(fields) = per_item.remove(&item.item_id) {
                fields.apply(item);
            }
        }
        d
    }
}

/// Whether the teacher marks answers to this item (so it gets a rubric).
fn is_subjective(item: &Item) -> bool {
    item.item_type == ItemType::ShortAnswer || matches!(item.answer, AnswerKey::Reference(_))
}

/// A bank item as the draft adds it: its default points, and a suggested rubric when the teacher
/// marks it.
fn new_item(lang: crate::Lang, item: &Item) -> HomeworkItem {
    let mut hi = HomeworkItem::new(item.id.clone(), default_points(item));
    if is_subjective(item) {
        hi.rubric = rubric::suggest(&item.analysis, hi.points, lang.messages().hw.rubric_whole);
    }
    hi
}

/// Reads `2026-11-23T21:00` (a `datetime-local` field, China Standard Time).
fn parse_local(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok()?;
    CHINA_TIME.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc))
}

/// Writes an instant for a `datetime-local` field.
fn format_local(at: DateTime<Utc>) -> String {
    at.with_timezone(&CHINA_TIME).format("%Y-%m-%dT%H:%M").to_string()
}

/// One chosen item with its stem, for the draft's list.
pub(crate) struct ChosenView {
    pub item: ItemView,
    /// The item type's code (`short_answer`, …), for styling and tests.
    pub item_type: &'static str,
    pub points: String,
    pub value: String,
    pub seconds: u32,
    /// Whether the teacher marks it, and so edits its rubric.
    pub subjective: bool,
    /// The rubric's rows (text, points), then one empty row to add a point.
    pub rubric: Vec<(String, String)>,
    /// The grading toggles offered for its type: (field name, label, on).
    pub toggles: Vec<(&'static str, &'static str, bool)>,
    /// The toggles' names, so that an unticked box reads as off.
    pub toggles_shown: String,
}

/// The grading toggles that change anything for an item of this type.
fn toggles(lang: crate::Lang, item: &Item, hi: &HomeworkItem) -> Vec<(&'static str, &'static str, bool)> {
    let m = lang.messages().hw;
    match item.item_type {
        ItemType::FillBlank => vec![
            ("numeric_equivalence", m.opt_numeric, hi.grading.numeric_equivalence),
            ("ignore_units", m.opt_units, hi.grading.ignore_units),
        ],
        ItemType::MultipleChoice => {
            vec![("partial_credit_multiple_choice", m.opt_partial, hi.grading.partial_credit_multiple_choice)]
        }
        _ => Vec::new(),
    }
}

/// One class the teacher teaches, once however many subjects they teach it.
pub(crate) struct ClassChoice {
    pub class_id: String,
    pub name: String,
    pub subjects: String,
    pub students: u64,
    pub checked: bool,
}

/// One search hit that can be added.
pub(crate) struct HitView {
    pub id: String,
    pub type_label: &'static str,
    /// The item type's code (`short_answer`, …), for styling and tests.
    pub item_type: &'static str,
    pub snippet: String,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "homework_new.html")]
pub(crate) struct ComposePage {
    c: Chrome,
    d: Draft,
    classes: Vec<ClassChoice>,
    subjects: Vec<(&'static str, &'static str, bool)>,
    chosen: Vec<ChosenView>,
    hits: Vec<HitView>,
    kp_options: Vec<KpOption>,
    estimate: String,
    notices: Vec<String>,
    problems: Vec<String>,
    warnings: Vec<String>,
    mode_online: bool,
}

/// `GET /homework/new`: an empty draft (due tomorrow evening) for the teacher's classes.
pub(crate) async fn form(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Response, WebError> {
    let now = Utc::now();
    let due = (now + Duration::days(1)).with_timezone(&CHINA_TIME).date_naive().and_hms_opt(21, 0, 0);
    let draft = Draft {
        open_at: format_local(now),
        due_at: due
            .and_then(|d| CHINA_TIME.from_local_datetime(&d).single())
            .map(|d| format_local(d.with_timezone(&Utc)))
            .unwrap_or_default(),
        count: "5".into(),
        target_minutes: "20".into(),
        difficulty: "3".into(),
        ..Draft::default()
    };
    render(&ctx, &app, draft, Vec::new(), Vec::new(), Vec::new()).await
}

/// `POST /homework/new`: applies the button pressed to the draft; `assign` assigns it.
pub(crate) async fn post(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut d = Draft::from_pairs(pairs);
    let op = std::mem::take(&mut d.op);
    let mut notices = Vec::new();
    if let Some(id) = op.strip_prefix("add:") {
        if !d.items.iter().any(|i| i.item_id == id) {
            let bank = app.homeworks.items(&*app.store, &[id.to_owned()]).await?;
            if let Some(item) = bank.get(id) {
                d.items.push(new_item(ctx.lang, item));
            }
        }
    } else if let Some(id) = op.strip_prefix("remove:") {
        d.items.retain(|i| i.item_id != id);
    } else if let Some(id) = op.strip_prefix("up:") {
        if let Some(pos) = d.items.iter().position(|i| i.item_id == id).filter(|&p| p > 0) {
            d.items.swap(pos, pos - 1);
        }
    } else if op == "autopick" {
        notices.extend(autopick(&ctx, &app, &mut d).await?);
    } else if op == "assign" {
        return assign(&ctx, &app, d).await;
    }
    render(&ctx, &app, d, notices, Vec::new(), Vec::new()).await
}

/// Items of the bank the teacher may use for this subject and grade, best matching `text` first.
async fn candidates(
    ctx: &RequestContext,
    app: &App,
    text: &str,
    subject: Option<Subject>,
    grade: Option<u8>,
    limit: usize,
) -> Result<Vec<String>, WebError> {
    crate::homework::bank_candidates(app, ctx.principal()?, text, subject, grade, limit)
        .map_err(|e| WebError::Internal(e.to_string()))
}

/// The grade of the first chosen class (the draft's items are aimed at it).
fn draft_grade(d: &Draft, classes: &[TaughtClass]) -> Option<u8> {
    classes.iter().find(|c| d.classes.contains(&c.class_id)).map(|c| c.grade)
}

async fn taught(app: &App, ctx: &RequestContext) -> Result<Vec<TaughtClass>, WebError> {
    let principal = ctx.principal()?;
    let teacher = teacher_id(principal).map_err(|_| WebError::Forbidden)?;
    Ok(app.store.teacher_detail(teacher).await?.map(|t| t.taught).unwrap_or_default())
}

/// Runs the automatic composer over the bank and appends its pick to the draft.
async fn autopick(ctx: &RequestContext, app: &App, d: &mut Draft) -> Result<Vec<String>, WebError> {
    let classes = taught(app, ctx).await?;
    let grade = draft_grade(d, &classes);
    let ids = candidates(ctx, app, "", d.subject, grade, 100).await?;
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let pool: Vec<&Item> = ids.iter().filter_map(|id| bank.get(id).map(|i| &**i)).collect();
    let request = PickRequest {
        count: d.count.trim().parse().unwrap_or(5).clamp(1, 50),
        knowledge_points: d.kps.clone(),
        target_minutes: d.target_minutes.trim().parse().ok(),
        difficulty: d.difficulty.trim().parse().ok(),
        exclude: d.items.iter().map(|i| i.item_id.clone()).collect(),
    };
    let seed = Utc::now().timestamp_micros().unsigned_abs();
    let pick = auto_pick(&pool, &request, seed);
    for id in &pick.items {
        if let Some(item) = bank.get(id) {
            d.items.push(new_item(ctx.lang, item));
        }
    }
    let lang = ctx.lang;
    let mut notices = Vec::new();
    if let Some(short) = &pick.shortfall {
        notices.push(if lang == crate::Lang::Zh { short.to_string() } else { short.label_en() });
    }
    if !pick.off_topic.is_empty() {
        let names = app.homeworks.points(&*app.store).await?;
        let off: Vec<&str> = pick.off_topic.iter().map(|k| point_name(&names, k)).collect();
        notices.push(format!("{}: {}", lang.messages().hw.kp, off.join("、")));
    }
    Ok(notices)
}

async fn assign(ctx: &RequestContext, app: &App, d: Draft) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let m = ctx.lang.messages().hw;
    let mut problems = Vec::new();
    let open_at = parse_local(&d.open_at);
    let due_at = parse_local(&d.due_at);
    if open_at.is_none() {
        problems.push(format!("{}: {}", m.opens, d.open_at));
    }
    if due_at.is_none() {
        problems.push(format!("{}: {}", m.due, d.due_at));
    }
    let Some(subject) = d.subject else {
        problems.push(m.subject.to_owned());
        return render(ctx, app, d, Vec::new(), problems, Vec::new()).await;
    };
    let (Some(open_at), Some(due_at)) = (open_at, due_at) else {
        return render(ctx, app, d, Vec::new(), problems, Vec::new()).await;
    };
    let compose = Compose {
        title: d.title.clone(),
        subject,
        mode: d.mode.unwrap_or(Mode::Online),
        open_at,
        due_at,
        allow_late: d.allow_late,
        minutes: d.minutes.trim().parse().ok(),
        instructions: d.instructions.clone(),
        items: d.items.clone(),
        class_ids: d.classes.clone(),
        student_ids: Vec::new(),
        confirm_over_limit: d.confirm,
    };
    match ops::assign(app, principal, &compose, Utc::now()).await {
        Ok(assigned) => {
            let first = assigned.homework_ids.first().cloned().unwrap_or_default();
            Ok(see_other(&format!("/homework/{first}?assigned={}", assigned.homework_ids.len())))
        }
        Err(HomeworkError::OverLimit(warnings)) => {
            let lines = warnings
                .iter()
                .map(|w| {
                    let detail = match w.verdict {
                        domain::workload::WorkloadVerdict::OverLimit { total, limit, .. } => {
                            format!("{total}/{limit} {}", m.minutes_short)
                        }
                        domain::workload::WorkloadVerdict::NoWrittenHomework => m.no_written.to_owned(),
                        domain::workload::WorkloadVerdict::Ok { .. } => String::new(),
                    };
                    format!("{} · {} · {detail}", w.class_name, w.date.format("%m-%d"))
                })
                .collect();
            render(ctx, app, d, Vec::new(), Vec::new(), lines).await
        }
        Err(HomeworkError::Invalid(list)) => {
            let lines = list.iter().map(|p| problem_text(ctx.lang, p, &d.items)).collect();
            render(ctx, app, d, Vec::new(), lines, Vec::new()).await
        }
        Err(HomeworkError::BadField { field, message }) => {
            let line = match (ctx.lang, field) {
                (crate::Lang::Zh, "class_ids") => "班级：请至少选择一个自己任教的班级".to_owned(),
                (crate::Lang::Zh, "items") => "题目：有题目已不在题库中，请移除后再布置".to_owned(),
                (crate::Lang::Zh, "student_ids") => "学生：所选学生不在这些班级中".to_owned(),
                _ => format!("{field}: {message}"),
            };
            render(ctx, app, d, Vec::new(), vec![line], Vec::new()).await
        }
        Err(HomeworkError::Forbidden) => Err(WebError::Forbidden),
        Err(HomeworkError::NotFound) => Err(WebError::NotFound),
        Err(HomeworkError::Store(e)) => Err(WebError::Store(e)),
        Err(other) => render(ctx, app, d, Vec::new(), vec![other.to_string()], Vec::new()).await,
    }
}

/// A composing problem as the teacher reads it on the page: in Chinese, with items named by their
/// place in the list (第 3 题) rather than by id or by the API's field path. English keeps the
/// API's wording, which already names the field.
fn problem_text(lang: crate::Lang, problem: &SpecProblem, items: &[HomeworkItem]) -> String {
    if lang == crate::Lang::En {
        return problem.to_string();
    }
    let nth = |item_id: &str| match items.iter().position(|i| i.item_id == item_id) {
        Some(i) => format!("第 {} 题", i + 1),
        None => format!("题目 {item_id}"),
    };
    match problem {
        SpecProblem::NoTitle => "标题：请填写作业标题".to_owned(),
        SpecProblem::NoItems => "题目：作业至少需要一道题".to_owned(),
        SpecProblem::TooManyItems { count, max } => format!("题目：最多 {max} 道，现有 {count} 道"),
        SpecProblem::DuplicateItem { item_id } => format!("题目：{}重复加入了", nth(item_id)),
        SpecProblem::BadPoints { item_id } => format!("分值：{}的分值应大于 0 且不超过 100", nth(item_id)),
        SpecProblem::RubricSum { index, sum, points } => {
            format!("第 {} 题评分要点：各要点合计 {sum} 分，与本题分值 {points} 分不一致", index + 1)
        }
        SpecProblem::BadRubricText { index, point, max } => {
            format!("第 {} 题评分要点 {point}：请填写要点内容，不超过 {max} 字", index + 1)
        }
        SpecProblem::BadRubricPoints { index, point } => {
            format!("第 {} 题评分要点 {point}：分值应大于 0", index + 1)
        }
        SpecProblem::TooManyRubricPoints { index, count, max } => {
            format!("第 {} 题评分要点：最多 {max} 条，现有 {count} 条", index + 1)
        }
        SpecProblem::DueBeforeOpen => "截止时间：应晚于布置时间".to_owned(),
        SpecProblem::BadMinutes => "预计用时：应在 1–600 分钟之间".to_owned(),
    }
}

/// A knowledge point the auto-pick can aim at.
pub(crate) struct KpOption {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

/// The subject the teacher teaches in most classes (ties: the first listed), the draft's default.
fn main_subject(classes: &[TaughtClass]) -> Option<Subject> {
    let count = |s: Subject| classes.iter().filter(|c| c.subject == s).count();
    let most = classes.iter().map(|c| count(c.subject)).max()?;
    classes.iter().map(|c| c.subject).find(|s| count(*s) == most)
}

/// The taught classes, one entry per class with the subjects taught in it.
fn class_choices(lang: crate::Lang, classes: &[TaughtClass], checked: &[String]) -> Vec<ClassChoice> {
    let mut out: Vec<ClassChoice> = Vec::new();
    for c in classes {
        if let Some(seen) = out.iter_mut().find(|o| o.class_id == c.class_id) {
            seen.subjects = format!("{}、{}", seen.subjects, lang.label(c.subject));
            continue;
        }
        out.push(ClassChoice {
            class_id: c.class_id.clone(),
            name: c.class_name.clone(),
            subjects: lang.label(c.subject).to_owned(),
            students: c.students,
            checked: checked.contains(&c.class_id),
        });
    }
    out
}

async fn render(
    ctx: &RequestContext,
    app: &App,
    mut d: Draft,
    notices: Vec<String>,
    problems: Vec<String>,
    warnings: Vec<String>,
) -> Result<Response, WebError> {
    let c = app.chrome(ctx, Nav::Homework).await?;
    let lang = c.lang;
    let classes = taught(app, ctx).await?;
    if d.subject.is_none() {
        d.subject = main_subject(&classes);
    }
    let grade = draft_grade(&d, &classes).or(classes.first().map(|c| c.grade));
    let ids: Vec<String> = d.items.iter().map(|i| i.item_id.clone()).collect();
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let chosen: Vec<ChosenView> = d
        .items
        .iter()
        .filter_map(|hi| {
            let item = bank.get(&hi.item_id)?;
            let subjective = is_subjective(item);
            let mut rubric: Vec<(String, String)> =
                hi.rubric.iter().map(|p| (p.text.clone(), format_points(p.points))).collect();
            if subjective {
                rubric.push((String::new(), String::new()));
            }
            let toggles = toggles(lang, item, hi);
            Some(ChosenView {
                item: ItemView::of(lang, item),
                item_type: item.item_type.code(),
                points: format_points(hi.points),
                value: format!("{}:{}", hi.item_id, hi.points),
                seconds: item.seconds,
                subjective,
                rubric,
                toggles_shown: toggles.iter().map(|t| t.0).collect::<Vec<_>>().join(","),
                toggles,
            })
        })
        .collect();
    let items: Vec<&Item> = ids.iter().filter_map(|id| bank.get(id).map(|i| &**i)).collect();
    let pace = match d.classes.first() {
        Some(class_id) if d.subject.is_some() => {
            let p = app.store.class_pace(class_id, d.subject.unwrap_or(Subject::Math)).await?;
            Some(Pace { actual_seconds: p.actual_seconds, estimated_seconds: p.estimated_seconds, answers: p.answers })
        }
        _ => None,
    };
    let m = c.m.hw;
    let e = estimate_minutes(&items, pace);
    let estimate = if items.is_empty() {
        String::new()
    } else {
        match e.class_minutes {
            Some(class) => format!(
                "{class} {} ({} {} {}; {})",
                m.minutes_short, m.estimate_bank, e.bank_minutes, m.minutes_short, m.estimate_class
            ),
            None => format!("{} {} ({})", e.bank_minutes, m.minutes_short, m.estimate_bank),
        }
    };
    if d.minutes.trim().is_empty() || d.minutes.trim() == d.minutes_auto {
        d.minutes = if items.is_empty() { String::new() } else { e.minutes().to_string() };
        d.minutes_auto = d.minutes.clone();
    }
    // The search box, and the knowledge points the bank offers for this subject and grade.
    let hit_ids = candidates(ctx, app, &d.q, d.subject, grade, if d.q.trim().is_empty() { 0 } else { 10 }).await?;
    let hit_bank = app.homeworks.items(&*app.store, &hit_ids).await?;
    let hits = hit_ids
        .iter()
        .filter_map(|id| hit_bank.get(id))
        .map(|item| HitView {
            id: item.id.clone(),
            type_label: lang.label(item.item_type),
            item_type: item.item_type.code(),
            snippet: item.stem.chars().take(120).collect(),
            chosen: ids.contains(&item.id),
        })
        .collect();
    let pool_ids = candidates(ctx, app, "", d.subject, grade, 100).await?;
    let pool = app.homeworks.items(&*app.store, &pool_ids).await?;
    let kps: BTreeSet<String> = pool.values().flat_map(|i| i.knowledge_points.iter().cloned()).collect();
    let names = app.homeworks.points(&*app.store).await?;
    let kp_options = kps
        .into_iter()
        .take(40)
        .map(|k| KpOption { name: point_name(&names, &k).to_owned(), checked: d.kps.contains(&k), id: k })
        .collect();
    let classes = class_choices(lang, &classes, &d.classes);
    let subjects = Subject::ALL.iter().map(|s| (s.code(), lang.label(*s), d.subject == Some(*s))).collect();
    let mode_online = d.mode != Some(Mode::Paper);
    Ok(Page(ComposePage {
        c,
        d,
        classes,
        subjects,
        chosen,
        hits,
        kp_options,
        estimate,
        notices,
        problems,
        warnings,
        mode_online,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taught(class_id: &str, subject: Subject) -> TaughtClass {
        TaughtClass { class_id: class_id.into(), class_name: format!("{class_id}班"), grade: 7, subject, students: 40 }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_class_ticked_twice_is_one_class_and_items_keep_their_points() {
        let d = Draft::from_pairs(pairs(&[
            ("class", "c1"),
            ("class", "c1"),
            ("class", "c2"),
            ("item", "i1:3"),
            ("item", "i1:5"),
            ("item", "bad"),
            ("minutes", "12"),
            ("minutes_auto", "12"),
        ]));
        assert_eq!(d.classes, ["c1", "c2"]);
        assert_eq!(d.items, [HomeworkItem::new("i1", 3.0)]);
        assert_eq!((d.minutes.as_str(), d.minutes_auto.as_str()), ("12", "12"));
    }

    #[test]
    fn items_keep_their_rubric_and_grading_toggles() {
        let d = Draft::from_pairs(pairs(&[
            ("item", "i1:5"),
            ("item", "i2:2"),
            ("item", "i3:4"),
            ("points:i1", "６分"),
            ("rubric_text:i1", "列出方程"),
            ("rubric_points:i1", "2"),
            ("rubric_text:i1", "解得 x = 2"),
            ("rubric_points:i1", "4分"),
            ("rubric_text:i1", ""),
            ("rubric_points:i1", ""),
            ("grading:i2", "numeric_equivalence,ignore_units"),
            ("ignore_units:i2", "on"),
            ("rubric_text:i3", "完整正确"),
            ("rubric_points:i3", "5"),
        ]));
        let i1 = &d.items[0];
        assert_eq!(i1.points, 6.0);
        let rows: Vec<_> = i1.rubric.iter().map(|p| (p.text.as_str(), p.points)).collect();
        assert_eq!(rows, [("列出方程", 2.0), ("解得 x = 2", 4.0)], "the empty row is dropped");
        let i2 = &d.items[1].grading;
        assert!(!i2.numeric_equivalence && i2.ignore_units, "an unticked toggle is off");
        assert!(i2.partial_credit_multiple_choice, "a toggle not shown keeps its default");
        assert_eq!(d.items[2].rubric[0].points, 4.0, "a one-point rubric is worth the whole item");
    }

    #[test]
    fn composing_problems_read_in_chinese_with_items_by_place() {
        let items = [HomeworkItem::new("i1", 3.0), HomeworkItem::new("i2", 5.0)];
        let sum = SpecProblem::RubricSum { index: 1, sum: "4".into(), points: "5".into() };
        assert_eq!(
            problem_text(crate::Lang::Zh, &sum, &items),
            "第 2 题评分要点：各要点合计 4 分，与本题分值 5 分不一致"
        );
        let points = SpecProblem::BadPoints { item_id: "i2".into() };
        assert_eq!(problem_text(crate::Lang::Zh, &points, &items), "分值：第 2 题的分值应大于 0 且不超过 100");
        assert_eq!(problem_text(crate::Lang::En, &sum, &items), sum.to_string(), "English keeps the API's words");
    }

    #[test]
    fn each_class_is_offered_once_with_the_subjects_taught_in_it() {
        let classes = [taught("c1", Subject::Art), taught("c1", Subject::Chinese), taught("c2", Subject::Chinese)];
        let offered = class_choices(crate::Lang::Zh, &classes, &["c1".to_owned()]);
        let seen: Vec<_> = offered.iter().map(|c| (c.class_id.as_str(), c.subjects.as_str(), c.checked)).collect();
        assert_eq!(seen, [("c1", "美术、语文", true), ("c2", "语文", false)]);
    }

    #[test]
    fn the_default_subject_is_the_one_taught_in_most_classes() {
        let classes = [taught("c1", Subject::Art), taught("c1", Subject::Chinese), taught("c2", Subject::Chinese)];
        assert_eq!(main_subject(&classes), Some(Subject::Chinese));
        assert_eq!(main_subject(&classes[..2]), Some(Subject::Art), "a tie goes to the first listed");
        assert_eq!(main_subject(&[]), None);
    }
}
