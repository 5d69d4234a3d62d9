//! The JSON API under `/api/v1` for integrators, its OpenAPI document at `/api/openapi.json`, and
//! the health check.
//!
//! Every route is registered through the [`RouteTable`] with its guard; the guard has signed the
//! request in, asked the access policy and audited roster and student reads before a handler runs.
//! Handlers shape store rows into the dedicated types of [`types`], masking personal numbers.

pub mod doc;
pub mod homework;
pub mod library;
pub mod types;

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{Method, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use domain::{
    Guardian, Student,
    access::{Action, ResourceKind},
    privacy::{mask_id_number, mask_phone, mask_student_number},
};

use crate::{
    App, RequestContext, WebError,
    auth::Via,
    context,
    error::Failure,
    guard::{Guard, RouteSpec, RouteTable, TargetFrom},
};
use doc::{Forbidden, InternalError, NotFound, Unauthorized};
use types::{
    ClassDetail, ClassItem, ClassStudent, GroupItem, GuardianItem, Me, Named, Overview, PersonItem, RoleItem,
    SchoolDetail, SchoolItem, SchoolList, StudentDetail, SubjectTeacher, TaughtClass, TeacherDetail, TeacherItem,
};

/// The API routes, the OpenAPI document, the health check and the static assets, each with its guard.
pub(crate) fn routes(app: Arc<App>) -> (Router<Arc<App>>, Vec<RouteSpec>) {
    use ResourceKind as K;
    let district = Guard::Policy { kind: K::District, action: Action::View, target: TargetFrom::District };
    let view = |kind| Guard::Policy { kind, action: Action::View, target: TargetFrom::Param("id") };
    let library_view = Guard::Policy { kind: K::Library, action: Action::View, target: TargetFrom::Nothing };
    let work = |action| Guard::Policy { kind: K::StudentWork, action, target: TargetFrom::Param("id") };
    let homework = |action| Guard::Policy { kind: K::Homework, action, target: TargetFrom::Param("id") };
    let (api, specs) = RouteTable::new(app)
        .add(Method::GET, "/api/v1/overview", district, true, get(overview))
        .add(Method::GET, "/api/v1/schools", district, true, get(schools))
        .add(Method::GET, "/api/v1/schools/{id}", view(K::School), true, get(school))
        .add(Method::GET, "/api/v1/classes/{id}", view(K::Class), true, get(class))
        .add(Method::GET, "/api/v1/teachers/{id}", view(K::Teacher), true, get(teacher))
        .add(Method::GET, "/api/v1/students/{id}", view(K::Student), true, get(student))
        .add(Method::GET, "/api/v1/me", Guard::SignedIn, true, get(me))
        .add(Method::GET, "/api/v1/search", library_view, true, get(library::search))
        .add(Method::GET, "/api/v1/items/{id}", library_view, true, get(library::item))
        .add(Method::GET, "/api/v1/students/{id}/homework", work(Action::View), true, get(homework::student_list))
        .add(Method::GET, "/api/v1/students/{id}/homework/{homework}", work(Action::View), true, get(homework::open))
        .add(
            Method::PUT,
            "/api/v1/students/{id}/homework/{homework}/answers",
            work(Action::Manage),
            true,
            put(homework::save_answer),
        )
        .add(
            Method::POST,
            "/api/v1/students/{id}/homework/{homework}/submit",
            work(Action::Manage),
            true,
            post(homework::submit),
        )
        // Assigning checks the policy for each class named in the body.
        .add(Method::POST, "/api/v1/homework", Guard::SignedIn, true, post(homework::assign))
        .add(Method::GET, "/api/v1/homework/{id}", homework(Action::View), true, get(homework::report))
        .add(Method::PUT, "/api/v1/homework/{id}/marks", homework(Action::Manage), true, put(homework::mark))
        .add(Method::POST, "/api/v1/homework/{id}/release", homework(Action::Manage), true, post(homework::release))
        .add(Method::GET, "/api/openapi.json", Guard::Public, true, get(openapi))
        .add(Method::GET, "/healthz", Guard::Public, true, get(healthz))
        .add(Method::GET, "/assets/{file}", Guard::Public, false, get(crate::assets::serve))
        .add(Method::GET, "/assets/vendor/{*path}", Guard::Public, false, get(crate::assets::serve_vendor))
        .finish();
    let api = api
        .route("/api/v1/{*rest}", get(not_found).post(not_found).put(not_found))
        .layer(middleware::from_fn(context::api_layer));
    (api, specs)
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// `GET /api/openapi.json`: the document, built once.
async fn openapi() -> Response {
    static DOCUMENT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let document = DOCUMENT.get_or_init(|| match doc::document().and_then(|doc| serde_json::to_string(&doc)) {
        Ok(json) => Some(json),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialise the OpenAPI document");
            None
        }
    });
    match document {
        Some(json) => ([(axum::http::header::CONTENT_TYPE, "application/json")], json.clone()).into_response(),
        None => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(Failure::Internal);
            response
        }
    }
}

/// The district's totals.
#[utoipa::path(
    get, path = "/api/v1/overview", operation_id = "overview", tag = "district",
    responses(
        (status = 200, description = "区域概览 / the district's totals", body = Overview),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
async fn overview(State(app): State<Arc<App>>) -> Result<Json<Overview>, WebError> {
    let overview = app.store.district_overview().await?;
    let district = overview.regions.last().ok_or(WebError::NotFound)?;
    let t = &overview.totals;
    Ok(Json(Overview {
        district_id: district.id.clone(),
        district_name: district.name.clone(),
        schools: t.schools,
        teaching_points: t.teaching_points,
        classes: t.classes,
        teachers: t.teachers,
        students: t.students,
        guardians: t.guardians,
    }))
}

fn school_item(s: &store::SchoolSummary) -> SchoolItem {
    SchoolItem {
        id: s.school.id.clone(),
        code: s.school.code.clone(),
        name: s.school.name.clone(),
        kind: s.school.kind.code().to_owned(),
        locality: s.school.locality.code().to_owned(),
        region_id: s.school.region_id.clone(),
        region_name: s.region_name.clone(),
        central_school_id: s.school.central_school_id.clone(),
        central_school_name: s.central_school_name.clone(),
        classes: s.classes,
        teachers: s.teachers,
        students: s.students,
    }
}

/// Every school of the district with its size.
#[utoipa::path(
    get, path = "/api/v1/schools", operation_id = "listSchools", tag = "district",
    responses(
        (status = 200, description = "学校列表 / every school", body = SchoolList,
            links(("getSchool" = (operation_id = "getSchool", parameters(("id" = "$response.body#/schools/0/id")))))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
async fn schools(State(app): State<Arc<App>>) -> Result<Json<SchoolList>, WebError> {
    let overview = app.store.district_overview().await?;
    Ok(Json(SchoolList { schools: overview.schools.iter().map(school_item).collect() }))
}

fn codes<T: Copy + Into<&'static str>>(values: &[T]) -> Vec<String> {
    values.iter().map(|v| (*v).into()).map(str::to_owned).collect()
}

/// A school with its classes, teachers, 教学点 and groups.
#[utoipa::path(
    get, path = "/api/v1/schools/{id}", operation_id = "getSchool", tag = "roster",
    params(("id" = String, Path, description = "学校编号 / school id")),
    responses(
        (status = 200, description = "学校 / the school", body = SchoolDetail,
            links(
                ("getClass" = (operation_id = "getClass", parameters(("id" = "$response.body#/classes/0/id")))),
                ("getTeacher" = (operation_id = "getTeacher", parameters(("id" = "$response.body#/teachers/0/id"))))
            )),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
async fn school(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Json<SchoolDetail>, WebError> {
    let d = app.store.school_detail(&id).await?.ok_or(WebError::NotFound)?;
    Ok(Json(SchoolDetail {
        school: school_item(&d.summary),
        teaching_points: d.teaching_points.into_iter().map(|(id, name)| Named { id, name }).collect(),
        groups: d
            .groups
            .into_iter()
            .map(|g| GroupItem {
                id: g.id,
                name: g.name,
                kind: g.kind.code().to_owned(),
                lead_school_id: g.lead_school_id,
                lead_school_name: g.lead_school_name,
            })
            .collect(),
        classes: d
            .classes
            .into_iter()
            .map(|c| ClassItem {
                id: c.class.id,
                name: c.class.name,
                grade: c.class.grade,
                students: c.students,
                head_teacher_name: c.head_teacher_name,
            })
            .collect(),
        teachers: d
            .teachers
            .into_iter()
            .map(|t| TeacherItem {
                id: t.teacher.id,
                name: t.teacher.name,
                gender: t.teacher.gender.code().to_owned(),
                subjects: codes(&t.teacher.subjects),
                classes: t.classes,
            })
            .collect(),
    }))
}

/// A student's guardians with their relation to this student and masked phones.
fn guardian_items(student: &Student, guardians: &[Guardian]) -> Vec<GuardianItem> {
    guardians
        .iter()
        .map(|g| GuardianItem {
            name: g.name.clone(),
            relation: g
                .students
                .iter()
                .find(|l| l.student_id == student.id)
                .map(|l| l.relation.code())
                .unwrap_or_else(|| domain::Relation::Other.code())
                .to_owned(),
            phone_masked: g.phone.as_deref().map(mask_phone),
        })
        .collect()
}

fn masked_number(s: &Student) -> String {
    mask_student_number(&s.student_number, s.id_number.as_deref())
}

/// A class with its teachers and students (numbers masked). The read is audited.
#[utoipa::path(
    get, path = "/api/v1/classes/{id}", operation_id = "getClass", tag = "roster",
    params(("id" = String, Path, description = "班级编号 / class id")),
    responses(
        (status = 200, description = "班级与学生名单（已脱敏） / the class and its students, masked", body = ClassDetail,
            links(("getStudent" = (operation_id = "getStudent", parameters(("id" = "$response.body#/students/0/id")))))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
async fn class(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Json<ClassDetail>, WebError> {
    let d = app.store.class_detail(&id).await?.ok_or(WebError::NotFound)?;
    Ok(Json(ClassDetail {
        id: d.class.id,
        name: d.class.name,
        grade: d.class.grade,
        school_id: d.class.school_id,
        school_name: d.school_name,
        school_year_id: d.class.school_year_id,
        school_year_name: d.school_year_name,
        head_teacher_id: d.class.head_teacher_id,
        head_teacher_name: d.head_teacher_name,
        teachers: d
            .teachers
            .into_iter()
            .map(|t| SubjectTeacher {
                subject: t.subject.code().to_owned(),
                teacher_id: t.teacher_id,
                teacher_name: t.teacher_name,
            })
            .collect(),
        students: d
            .students
            .iter()
            .map(|(s, guardians)| ClassStudent {
                id: s.id.clone(),
                name: s.name.clone(),
                gender: s.gender.code().to_owned(),
                student_number_masked: masked_number(s),
                id_number_masked: s.id_number.as_deref().map(mask_id_number),
                guardians: guardian_items(s, guardians),
            })
            .collect(),
    }))
}

/// A teacher's record (phone masked) with what they teach.
#[utoipa::path(
    get, path = "/api/v1/teachers/{id}", operation_id = "getTeacher", tag = "roster",
    params(("id" = String, Path, description = "教师编号 / teacher id")),
    responses(
        (status = 200, description = "教师档案（已脱敏） / the teacher's record, masked", body = TeacherDetail),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
async fn teacher(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Json<TeacherDetail>, WebError> {
    let d = app.store.teacher_detail(&id).await?.ok_or(WebError::NotFound)?;
    let t = d.teacher;
    Ok(Json(TeacherDetail {
        id: t.id,
        name: t.name,
        gender: t.gender.code().to_owned(),
        school_id: t.school_id,
        school_name: d.school_name,
        phone_masked: t.phone.as_deref().map(mask_phone),
        tier: t.tier.code().to_owned(),
        subjects: codes(&t.subjects),
        taught: d
            .taught
            .into_iter()
            .map(|c| TaughtClass {
                class_id: c.class_id,
                class_name: c.class_name,
                grade: c.grade,
                subject: c.subject.code().to_owned(),
                students: c.students,
            })
            .collect(),
        head_of: d.head_of.into_iter().map(|(id, name)| Named { id, name }).collect(),
    }))
}

/// A student's record (numbers masked) with their guardians. Audited unless the caller is the
/// student or their guardian.
#[utoipa::path(
    get, path = "/api/v1/students/{id}", operation_id = "getStudent", tag = "roster",
    params(("id" = String, Path, description = "学生编号 / student id")),
    responses(
        (status = 200, description = "学生档案（已脱敏） / the student's record, masked", body = StudentDetail),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
async fn student(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Json<StudentDetail>, WebError> {
    let place = app.store.place(ResourceKind::Student, &id).await?.ok_or(WebError::NotFound)?;
    let class_id = place.class_id.ok_or(WebError::NotFound)?;
    let class = app.store.class_detail(&class_id).await?.ok_or(WebError::NotFound)?;
    let (s, guardians) = class.students.iter().find(|(s, _)| s.id == id).ok_or(WebError::NotFound)?;
    Ok(Json(StudentDetail {
        id: s.id.clone(),
        name: s.name.clone(),
        gender: s.gender.code().to_owned(),
        student_number_masked: masked_number(s),
        id_number_masked: s.id_number.as_deref().map(mask_id_number),
        birth_month: s.birth_date.map(|d| d.format("%Y-%m").to_string()),
        class_id: class.class.id.clone(),
        class_name: class.class.name.clone(),
        school_id: class.class.school_id.clone(),
        school_name: class.school_name.clone(),
        guardians: guardian_items(s, guardians),
    }))
}

/// The caller's account and the role assignments this request acts with (a token: its one).
#[utoipa::path(
    get, path = "/api/v1/me", operation_id = "me", tag = "account",
    responses(
        (status = 200, description = "调用者 / the caller", body = Me),
        (status = 401, response = Unauthorized),
        (status = 500, response = InternalError)
    )
)]
async fn me(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Json<Me>, WebError> {
    let p = ctx.principal()?;
    let mut roles = Vec::new();
    for a in &p.actor.assignments {
        roles.push(RoleItem {
            id: a.id.clone(),
            role: a.role.code().to_owned(),
            scope_id: a.scope_id.clone(),
            scope_name: crate::pages::account::scope_name(&app, a).await?,
            subjects: codes(&a.subjects),
            grants: codes(&a.grants),
        });
    }
    let (auth, token_id) = match &p.via {
        Via::Session(_) => ("session", None),
        Via::Token { token_id } => ("token", Some(token_id.clone())),
    };
    let account = &p.account;
    Ok(Json(Me {
        account_id: account.id.clone(),
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        phone_masked: account.phone.as_deref().map(mask_phone),
        person: account
            .person
            .as_ref()
            .map(|person| PersonItem { kind: person.kind.code().to_owned(), id: person.id.clone() }),
        must_change_password: account.must_change_password,
        auth: auth.to_owned(),
        token_id,
        roles,
    }))
}

/// `GET /healthz`: `{"status":"ok","backend":"sqlite"}` when the store answers, 503 otherwise.
pub(crate) async fn healthz(State(app): State<Arc<App>>) -> Response {
    let backend = app.store.backend();
    match app.store.is_empty().await {
        Ok(_) => Json(serde_json::json!({ "status": "ok", "backend": backend })).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable", "backend": backend })))
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::ErrorCode;

    /// The error code the document lists for a failure. One exhaustive match, so a new kind of
    /// failure cannot be added without this test asking for it to be described in the document.
    fn error_code(failure: Failure) -> ErrorCode {
        match failure {
            Failure::NotFound => ErrorCode::NotFound,
            Failure::BadRequest => ErrorCode::BadRequest,
            Failure::Unauthorized => ErrorCode::Unauthorized,
            Failure::Forbidden => ErrorCode::Forbidden,
            Failure::CsrfFailed => ErrorCode::CsrfFailed,
            Failure::TooLarge => ErrorCode::PayloadTooLarge,
            Failure::TooMany => ErrorCode::TooManyAttempts,
            Failure::Internal => ErrorCode::InternalError,
        }
    }

    #[test]
    fn every_failure_has_its_documented_code() {
        let all = [
            Failure::NotFound,
            Failure::BadRequest,
            Failure::Unauthorized,
            Failure::Forbidden,
            Failure::CsrfFailed,
            Failure::TooLarge,
            Failure::TooMany,
            Failure::Internal,
        ];
        for failure in all {
            let documented = serde_json::to_value(error_code(failure)).unwrap_or_default();
            assert_eq!(documented, failure.code(), "{failure:?}");
        }
    }
}
