//! A student's record, revealing full identity and phone numbers (with a stated purpose), and
//! exporting a class list. Every reveal and export is written to the audit log before it is served.

use std::sync::Arc;

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::{
    Guardian, Student,
    access::{Action, ResourceKind, Target, decide},
    identity::{AuditAction, AuditEntry},
    privacy::{mask_id_number, mask_phone, mask_student_number},
};
use serde::Deserialize;

use super::{Chrome, Link, Nav, Page};
use crate::{App, RequestContext, WebError, auth::Principal};

struct GuardianRow {
    name: String,
    relation: &'static str,
    phone: String,
}

#[derive(Template)]
#[template(path = "student.html")]
pub(crate) struct StudentPage {
    c: Chrome,
    id: String,
    name: String,
    gender: &'static str,
    number: String,
    id_number: String,
    birth: String,
    class: Link,
    school: Link,
    guardians: Vec<GuardianRow>,
    can_reveal: bool,
    revealed: bool,
    error: Option<&'static str>,
}

/// The student with their guardians, and the class and school names.
async fn find(app: &App, id: &str) -> Result<(Student, Vec<Guardian>, String, String), WebError> {
    let place = app.store.place(ResourceKind::Student, id).await?.ok_or(WebError::NotFound)?;
    let class_id = place.class_id.ok_or(WebError::NotFound)?;
    let class = app.store.class_detail(&class_id).await?.ok_or(WebError::NotFound)?;
    let (student, guardians) = class.students.into_iter().find(|(s, _)| s.id == id).ok_or(WebError::NotFound)?;
    Ok((student, guardians, class.class.name, class.school_name))
}

async fn allowed(app: &App, p: &Principal, action: Action, kind: ResourceKind, id: &str) -> Result<bool, WebError> {
    let place = app.store.place(kind, id).await?.ok_or(WebError::NotFound)?;
    Ok(decide(&p.actor, action, &Target::new(kind, place)).is_allowed())
}

async fn student_page(
    app: &App,
    ctx: &RequestContext,
    id: &str,
    revealed: bool,
    error: Option<&'static str>,
) -> Result<Page<StudentPage>, WebError> {
    let p = ctx.principal()?;
    let (s, guardians, class_name, school_name) = find(app, id).await?;
    let lang = ctx.lang;
    let show = |value: Option<&str>, mask: fn(&str) -> String| match value {
        Some(v) if revealed => v.to_owned(),
        Some(v) => mask(v),
        None => "—".to_owned(),
    };
    Ok(Page(StudentPage {
        id: s.id.clone(),
        name: s.name.clone(),
        gender: lang.label(s.gender),
        number: if revealed {
            s.student_number.clone()
        } else {
            mask_student_number(&s.student_number, s.id_number.as_deref())
        },
        id_number: show(s.id_number.as_deref(), mask_id_number),
        birth: s.birth_date.map(|d| d.format("%Y-%m").to_string()).unwrap_or_else(|| "—".into()),
        class: Link::class(&s.class_id, &class_name),
        school: Link::school(&s.school_id, &school_name),
        guardians: guardians
            .iter()
            .map(|g| GuardianRow {
                name: g.name.clone(),
                relation: g
                    .students
                    .iter()
                    .find(|l| l.student_id == s.id)
                    .map(|l| lang.label(l.relation))
                    .unwrap_or(""),
                phone: show(g.phone.as_deref(), mask_phone),
            })
            .collect(),
        can_reveal: allowed(app, p, Action::Reveal, ResourceKind::Student, id).await?,
        revealed,
        error,
        c: app.chrome(ctx, Nav::None).await?,
    }))
}

/// `GET /students/{id}` (the guard has checked and audited the read).
pub(crate) async fn student(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<StudentPage>, WebError> {
    student_page(&app, &ctx, &id, false, None).await
}

#[derive(Deserialize)]
pub(crate) struct PurposeForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    full: Option<String>,
}

fn purpose(form: &PurposeForm) -> Option<String> {
    let p = form.purpose.trim();
    (p.chars().count() >= 2).then(|| p.chars().take(200).collect())
}

fn entry(
    p: &Principal,
    ctx: &RequestContext,
    action: AuditAction,
    kind: &str,
    id: &str,
    school: Option<String>,
    detail: String,
) -> AuditEntry {
    AuditEntry { school_id: school, detail: Some(detail), ..p.audit(ctx.ip.clone(), action, kind, id) }
}

/// `POST /students/{id}/reveal`: the record with full numbers, for a stated purpose (audited).
pub(crate) async fn reveal(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<PurposeForm>,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let Some(purpose) = purpose(&form) else {
        let mut response =
            student_page(&app, &ctx, &id, false, Some(ctx.lang.messages().purpose_required)).await?.into_response();
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    let place = app.store.place(ResourceKind::Student, &id).await?.ok_or(WebError::NotFound)?;
    app.store.append_audit(&entry(p, &ctx, AuditAction::Reveal, "student", &id, place.school_id, purpose)).await?;
    Ok(student_page(&app, &ctx, &id, true, None).await?.into_response())
}

/// `POST /classes/{id}/export`: the class list as CSV (UTF-8 with BOM, opens cleanly in WPS and
/// Excel), masked unless full numbers were asked for and the role may reveal them (audited).
pub(crate) async fn export_class(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<PurposeForm>,
) -> Result<Response, WebError> {
    let p = ctx.principal()?;
    let Some(purpose) = purpose(&form) else { return Err(WebError::BadRequest("purpose missing".into())) };
    let full = form.full.is_some() && allowed(&app, p, Action::Reveal, ResourceKind::Class, &id).await?;
    if form.full.is_some() && !full {
        return Err(WebError::Forbidden);
    }
    let class = app.store.class_detail(&id).await?.ok_or(WebError::NotFound)?;
    let detail = if full { format!("{purpose} [full numbers]") } else { purpose };
    app.store
        .append_audit(&entry(p, &ctx, AuditAction::Export, "class", &id, Some(class.class.school_id.clone()), detail))
        .await?;
    let m = ctx.lang.messages();
    let mut csv = String::from("\u{feff}");
    let row = |fields: &[&str]| {
        fields.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect::<Vec<_>>().join(",") + "\r\n"
    };
    csv.push_str(&row(&[
        m.col_student_number,
        m.col_name,
        m.col_gender,
        m.col_id_number,
        m.col_guardians,
        m.col_phone,
    ]));
    for (s, guardians) in &class.students {
        let number = if full {
            s.student_number.clone()
        } else {
            mask_student_number(&s.student_number, s.id_number.as_deref())
        };
        let id_number =
            s.id_number.as_deref().map(|v| if full { v.to_owned() } else { mask_id_number(v) }).unwrap_or_default();
        let names = guardians.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join("、");
        let phones = guardians
            .iter()
            .filter_map(|g| g.phone.as_deref())
            .map(|v| if full { v.to_owned() } else { mask_phone(v) })
            .collect::<Vec<_>>()
            .join("、");
        csv.push_str(&row(&[&number, &s.name, ctx.lang.label(s.gender), &id_number, &names, &phones]));
    }
    let filename = format!(
        "attachment; filename=\"class-{}.csv\"",
        id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, filename)], csv)
        .into_response())
}
