//! Pages about the org tree and its people: the district overview, a school, a class, a teacher,
//! and the school groups.

use std::sync::Arc;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use domain::{
    Locality, SchoolKind,
    access::{Action, ResourceKind, Target, decide},
    privacy::{mask_id_number, mask_phone, mask_student_number},
};
use serde::Deserialize;
use store::{DistrictOverview, GroupSummary};

use super::{Chrome, Fact, Link, Nav, Page, path_segment};
use crate::{App, RequestContext, WebError, guard::see_other, i18n::Lang};

/// One big number on the overview.
struct Stat {
    label: &'static str,
    value: String,
}

/// One row of a horizontal bar chart, linking to the schools it counts.
struct Bar {
    label: &'static str,
    value: String,
    /// Width of the bar in percent of the longest one.
    pct: u64,
    href: String,
}

/// One row of a bar chart without a link (stages span several kinds of school).
struct PlainBar {
    label: &'static str,
    value: String,
    pct: u64,
}

/// One choice of a filter's `<select>`.
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct SchoolRow {
    link: Link,
    kind: &'static str,
    locality: &'static str,
    central: Option<Link>,
    classes: String,
    teachers: String,
    students: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub(crate) struct OverviewPage {
    c: Chrome,
    stats: Vec<Stat>,
    by_kind: Vec<Bar>,
    by_locality: Vec<Bar>,
    by_stage: Vec<PlainBar>,
    kind_choices: Vec<Choice>,
    locality_choices: Vec<Choice>,
    filtered: bool,
    shown: String,
    rows: Vec<SchoolRow>,
}

/// The overview's filter, from the query string. Values that name no kind or locality are
/// ignored (the filter shows "all"), so an old or hand-edited link still shows a page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct OverviewQuery {
    kind: Option<String>,
    locality: Option<String>,
}

/// `GET /`: totals, distributions and the filterable list of schools, for those who may see the
/// whole district; everyone else is sent to their own home.
pub(crate) async fn overview(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Query(query): Query<OverviewQuery>,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let district = app.district_id().await?.unwrap_or_default();
    let place = app.store.place(ResourceKind::District, &district).await?.unwrap_or_default();
    if !decide(&p.actor, Action::View, &Target::new(ResourceKind::District, place)).is_allowed() {
        return Ok(see_other(&home_of(&p.actor)));
    }
    let overview = app.store.district_overview().await?;
    let district = app.remember_district(&overview);
    let c = Chrome::new(&app, &ctx, Nav::Overview, district);
    let kind = query.kind.as_deref().and_then(|k| SchoolKind::parse(k).ok());
    let locality = query.locality.as_deref().and_then(|l| Locality::parse(l).ok());
    Ok(Page(overview_page(c, &overview, kind, locality)).into_response())
}

/// Where an actor who may not see the whole district starts: their group, school, class or
/// child; the account page when they hold no role.
fn home_of(actor: &domain::access::Actor) -> String {
    use domain::access::Role;
    let first = |role: Role| actor.assignments.iter().find(|a| a.role == role).map(|a| a.scope_id.clone());
    if first(Role::GroupLead).is_some() {
        return "/groups".into();
    }
    if let Some(school) = first(Role::SchoolAdmin) {
        return format!("/schools/{school}");
    }
    if first(Role::Teacher).is_some() {
        if let Some(class) = actor.facts.head_of.first().or(actor.facts.taught.first().map(|(c, _)| c)) {
            return format!("/classes/{class}");
        }
        if let Some(school) = first(Role::Teacher) {
            return format!("/schools/{school}");
        }
    }
    if let Some(me) = first(Role::Student) {
        return format!("/students/{me}/homework");
    }
    if let Some(child) = actor.facts.children.first() {
        return format!("/students/{child}/homework");
    }
    "/account".into()
}

fn overview_page(
    c: Chrome,
    overview: &DistrictOverview,
    kind: Option<SchoolKind>,
    locality: Option<Locality>,
) -> OverviewPage {
    let (lang, m) = (c.lang, c.m);
    let t = &overview.totals;
    let stats = [
        (m.total_schools, t.schools),
        (m.total_teaching_points, t.teaching_points),
        (m.total_classes, t.classes),
        (m.total_teachers, t.teachers),
        (m.total_students, t.students),
        (m.total_guardians, t.guardians),
    ]
    .into_iter()
    .map(|(label, n)| Stat { label, value: lang.count(n) })
    .collect();

    let by_kind = overview.count_by_kind();
    let max_kind = by_kind.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let by_kind = by_kind
        .into_iter()
        .map(|(k, n)| Bar {
            label: lang.label(k),
            value: format!("{} {}", lang.count(n), m.schools_unit),
            pct: percent(n, max_kind),
            href: format!("/?kind={}#schools", k.code()),
        })
        .collect();
    let by_locality = overview.count_by_locality();
    let max_students = by_locality.iter().map(|(_, _, s)| *s).max().unwrap_or(0);
    let by_locality = by_locality
        .into_iter()
        .map(|(l, schools, students)| Bar {
            label: lang.label(l),
            value: format!("{} {} · {} {}", lang.count(students), m.students_unit, lang.count(schools), m.schools_unit),
            pct: percent(students, max_students),
            href: format!("/?locality={}#schools", l.code()),
        })
        .collect();

    let by_stage = overview.count_by_stage();
    let max_stage = by_stage.iter().map(|(_, _, s)| *s).max().unwrap_or(0);
    let by_stage = by_stage
        .into_iter()
        .map(|(stage, classes, students)| PlainBar {
            label: lang.label(stage),
            value: format!("{} {} · {} {}", lang.count(students), m.students_unit, lang.count(classes), m.classes_unit),
            pct: percent(students, max_stage),
        })
        .collect();

    let rows: Vec<SchoolRow> = overview
        .schools
        .iter()
        .filter(|s| kind.is_none_or(|k| s.school.kind == k) && locality.is_none_or(|l| s.school.locality == l))
        .map(|s| SchoolRow {
            link: Link::school(&s.school.id, &s.school.name),
            kind: lang.label(s.school.kind),
            locality: lang.label(s.school.locality),
            central: match (&s.school.central_school_id, &s.central_school_name) {
                (Some(id), Some(name)) => Some(Link::school(id, name)),
                _ => None,
            },
            classes: lang.count(s.classes),
            teachers: lang.count(s.teachers),
            students: lang.count(s.students),
        })
        .collect();

    OverviewPage {
        stats,
        by_kind,
        by_locality,
        by_stage,
        kind_choices: choices(lang, SchoolKind::ALL, kind, |k| k.code()),
        locality_choices: choices(lang, Locality::ALL, locality, |l| l.code()),
        filtered: kind.is_some() || locality.is_some(),
        shown: format!("{} {}", lang.count(rows.len() as u64), m.shown_count),
        rows,
        c,
    }
}

fn choices<T: crate::i18n::Labelled + PartialEq>(
    lang: Lang,
    all: &[T],
    selected: Option<T>,
    code: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter().map(|v| Choice { value: code(*v), label: lang.label(*v), selected: selected == Some(*v) }).collect()
}

/// `part` as a whole percentage of `max`, at least 1 when `part` is not zero so a small bar stays visible.
fn percent(part: u64, max: u64) -> u64 {
    if max == 0 || part == 0 { 0 } else { (part * 100 / max).max(1) }
}

struct GroupRow {
    href: String,
    name: String,
    kind: &'static str,
    role: &'static str,
}

struct ClassRow {
    link: Link,
    size: String,
    head: Option<Link>,
}

/// Classes of one grade.
struct GradeClasses {
    grade: String,
    classes: Vec<ClassRow>,
}

struct TeacherRow {
    link: Link,
    subjects: String,
    tier: &'static str,
    classes: String,
}

#[derive(Template)]
#[template(path = "school.html")]
pub(crate) struct SchoolPage {
    c: Chrome,
    name: String,
    facts: Vec<Fact>,
    teaching_points: Vec<Link>,
    groups: Vec<GroupRow>,
    grades: Vec<GradeClasses>,
    teachers: Vec<TeacherRow>,
    /// The school's timetable page.
    timetable_href: String,
}

/// `GET /schools/{id}`.
pub(crate) async fn school(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<SchoolPage>, WebError> {
    let detail = app.store.school_detail(&id).await?.ok_or(WebError::NotFound)?;
    let c = app.chrome(&ctx, Nav::Overview).await?;
    let (lang, m) = (c.lang, c.m);
    let school = &detail.summary.school;

    let mut facts = vec![
        Fact::text(m.col_kind, lang.label(school.kind)),
        Fact::text(m.col_locality, lang.label(school.locality)),
        Fact::text(m.school_region, detail.summary.region_name.clone()),
        Fact::text(m.school_code, school.code.clone()),
    ];
    if let (Some(id), Some(name)) = (&school.central_school_id, &detail.summary.central_school_name) {
        facts.push(Fact::link(m.central_school, Link::school(id, name)));
    }
    facts.push(Fact::text(m.col_classes, lang.count(detail.summary.classes)));
    facts.push(Fact::text(m.col_teachers, lang.count(detail.summary.teachers)));
    facts.push(Fact::text(m.col_students, lang.count(detail.summary.students)));

    let groups = detail
        .groups
        .iter()
        .map(|g| GroupRow {
            href: format!("/groups#group-{}", g.id),
            name: g.name.clone(),
            kind: lang.label(g.kind),
            role: if g.lead_school_id == school.id { m.role_lead } else { m.role_member },
        })
        .collect();

    // The store orders classes by grade, so grouping consecutive runs groups them all.
    let mut grades: Vec<(u8, GradeClasses)> = Vec::new();
    for summary in &detail.classes {
        let class = &summary.class;
        let row = ClassRow {
            link: Link::class(&class.id, &class.name),
            size: lang.count(summary.students),
            head: match (&class.head_teacher_id, &summary.head_teacher_name) {
                (Some(id), Some(name)) => Some(Link::teacher(id, name)),
                _ => None,
            },
        };
        match grades.last_mut() {
            Some((grade, group)) if *grade == class.grade => group.classes.push(row),
            _ => grades
                .push((class.grade, GradeClasses { grade: lang.grade(class.grade).into_owned(), classes: vec![row] })),
        }
    }

    let teachers = detail
        .teachers
        .iter()
        .map(|t| TeacherRow {
            link: Link::teacher(&t.teacher.id, &t.teacher.name),
            subjects: lang.join(t.teacher.subjects.iter().map(|s| lang.label(*s))),
            tier: lang.label(t.teacher.tier),
            classes: lang.count(t.classes),
        })
        .collect();

    Ok(Page(SchoolPage {
        timetable_href: format!("/schools/{}/timetable", path_segment(&school.id)),
        name: school.name.clone(),
        facts,
        teaching_points: detail.teaching_points.iter().map(|(id, name)| Link::school(id, name)).collect(),
        groups,
        grades: grades.into_iter().map(|(_, g)| g).collect(),
        teachers,
        c,
    }))
}

struct SubjectTeacherRow {
    subject: &'static str,
    teacher: Link,
}

struct GuardianView {
    name: String,
    relation: &'static str,
    /// Masked; the full number never reaches a template.
    phone: Option<String>,
}

struct StudentRow {
    href: String,
    number: String,
    name: String,
    gender: &'static str,
    /// Masked; the full number never reaches a template.
    id_number: Option<String>,
    guardians: Vec<GuardianView>,
}

#[derive(Template)]
#[template(path = "class.html")]
pub(crate) struct ClassPage {
    c: Chrome,
    name: String,
    facts: Vec<Fact>,
    teachers: Vec<SubjectTeacherRow>,
    students: Vec<StudentRow>,
    id: String,
    /// The viewer may export the list (with a stated purpose).
    can_export: bool,
    /// The viewer may include full numbers in the export.
    can_export_full: bool,
}

/// `GET /classes/{id}`: the class, its teachers and its students with masked personal data.
pub(crate) async fn class(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<ClassPage>, WebError> {
    let detail = app.store.class_detail(&id).await?.ok_or(WebError::NotFound)?;
    let c = app.chrome(&ctx, Nav::Overview).await?;
    let (lang, m) = (c.lang, c.m);
    let class = &detail.class;

    let mut facts = vec![
        Fact::link(m.class_school, Link::school(&class.school_id, &detail.school_name)),
        Fact::text(m.class_school_year, detail.school_year_name.clone()),
        Fact::text(m.class_grade, lang.grade(class.grade)),
    ];
    facts.push(match (&class.head_teacher_id, &detail.head_teacher_name) {
        (Some(id), Some(name)) => Fact::link(m.head_teacher, Link::teacher(id, name)),
        _ => Fact::text(m.head_teacher, m.none),
    });
    facts.push(Fact::text(m.col_students, lang.count(detail.students.len() as u64)));

    let teachers = detail
        .teachers
        .iter()
        .map(|t| SubjectTeacherRow {
            subject: lang.label(t.subject),
            teacher: Link::teacher(&t.teacher_id, &t.teacher_name),
        })
        .collect();

    let students = detail
        .students
        .iter()
        .map(|(student, guardians)| StudentRow {
            href: format!("/students/{}", student.id),
            number: mask_student_number(&student.student_number, student.id_number.as_deref()),
            name: student.name.clone(),
            gender: lang.label(student.gender),
            id_number: student.id_number.as_deref().map(mask_id_number),
            guardians: guardians
                .iter()
                .map(|g| GuardianView {
                    name: g.name.clone(),
                    relation: g
                        .students
                        .iter()
                        .find(|link| link.student_id == student.id)
                        .map_or(m.none, |link| lang.label(link.relation)),
                    phone: g.phone.as_deref().map(mask_phone),
                })
                .collect(),
        })
        .collect();

    let p = ctx.principal()?;
    let place = app.store.place(ResourceKind::Class, &id).await?.ok_or(WebError::NotFound)?;
    let target = Target::new(ResourceKind::Class, place);
    let can_export = decide(&p.actor, Action::Export, &target).is_allowed();
    let can_export_full = can_export && decide(&p.actor, Action::Reveal, &target).is_allowed();
    Ok(Page(ClassPage { name: class.name.clone(), facts, teachers, students, id, can_export, can_export_full, c }))
}

struct TaughtRow {
    class: Link,
    grade: String,
    subject: &'static str,
    size: String,
}

#[derive(Template)]
#[template(path = "teacher.html")]
pub(crate) struct TeacherPage {
    c: Chrome,
    name: String,
    facts: Vec<Fact>,
    taught: Vec<TaughtRow>,
    head_of: Vec<Link>,
}

/// `GET /teachers/{id}`.
pub(crate) async fn teacher(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<TeacherPage>, WebError> {
    let detail = app.store.teacher_detail(&id).await?.ok_or(WebError::NotFound)?;
    let c = app.chrome(&ctx, Nav::Overview).await?;
    let (lang, m) = (c.lang, c.m);
    let teacher = &detail.teacher;

    let facts = vec![
        Fact::link(m.teacher_school, Link::school(&teacher.school_id, &detail.school_name)),
        Fact::text(m.teacher_subjects, lang.join(teacher.subjects.iter().map(|s| lang.label(*s)))),
        Fact::text(m.teacher_tier, lang.label(teacher.tier)),
        Fact::text(m.col_gender, lang.label(teacher.gender)),
        Fact::text(m.teacher_phone, teacher.phone.as_deref().map_or_else(|| m.none.to_owned(), mask_phone)),
    ];
    let taught = detail
        .taught
        .iter()
        .map(|t| TaughtRow {
            class: Link::class(&t.class_id, &t.class_name),
            grade: lang.grade(t.grade).into_owned(),
            subject: lang.label(t.subject),
            size: lang.count(t.students),
        })
        .collect();
    let head_of = detail.head_of.iter().map(|(id, name)| Link::class(id, name)).collect();

    Ok(Page(TeacherPage { name: teacher.name.clone(), facts, taught, head_of, c }))
}

struct GroupView {
    id: String,
    name: String,
    kind: &'static str,
    lead: Link,
    members: Vec<Link>,
}

#[derive(Template)]
#[template(path = "groups.html")]
pub(crate) struct GroupsPage {
    c: Chrome,
    groups: Vec<GroupView>,
}

/// `GET /groups`: every education group and network alliance with its schools.
pub(crate) async fn groups(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<GroupsPage>, WebError> {
    let p = ctx.principal()?;
    let mut groups: Vec<GroupSummary> = Vec::new();
    for g in app.store.school_groups().await? {
        let Some(place) = app.store.place(ResourceKind::Group, &g.id).await? else { continue };
        if decide(&p.actor, Action::View, &Target::new(ResourceKind::Group, place)).is_allowed() {
            groups.push(g);
        }
    }
    let c = app.chrome(&ctx, Nav::Groups).await?;
    let lang = c.lang;
    groups.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    let groups = groups
        .iter()
        .map(|g| GroupView {
            id: g.id.clone(),
            name: g.name.clone(),
            kind: lang.label(g.kind),
            lead: Link::school(&g.lead_school_id, &g.lead_school_name),
            members: g.members.iter().map(|(id, name)| Link::school(id, name)).collect(),
        })
        .collect();
    Ok(Page(GroupsPage { c, groups }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_keeps_small_bars_visible() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(0, 10), 0);
        assert_eq!(percent(1, 1000), 1);
        assert_eq!(percent(50, 200), 25);
        assert_eq!(percent(200, 200), 100);
    }
}
