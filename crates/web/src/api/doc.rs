//! The OpenAPI 3 document of the JSON API, generated from the handlers' annotations and served at
//! `/api/openapi.json`. `tests/api.rs` checks that it lists exactly the routes of the route table.

use utoipa::{
    Modify, OpenApi, ToResponse,
    openapi::{
        ContentBuilder, Ref, RefOr, Response, ResponseBuilder,
        header::HeaderBuilder,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use super::types::{
    ApiError, ClassDetail, ClassItem, ClassStudent, ErrorCode, ErrorDetail, GroupItem, GuardianItem, Me, Named,
    Overview, PersonItem, RoleItem, SchoolDetail, SchoolItem, SchoolList, StudentDetail, SubjectTeacher, TaughtClass,
    TeacherDetail, TeacherItem,
};

const DESCRIPTION: &str = "智教 Zhijiao 区域智慧教育平台的数据接口 / the JSON API of the Zhijiao regional \
education platform.\n\n\
Authenticate with an API token: `Authorization: Bearer zjt_…`. A token is created by its owner on the \
account page (or with `zhijiao token create`) and acts with the one role assignment it is bound to. \
Every request is checked against the access policy; reads of class rosters and of students' records \
by anyone but the student or their guardian are written to the audit log. Identity numbers, phone \
numbers and student numbers that embed an identity number are always masked.\n\n\
Errors are `{\"error\":{\"code\":…,\"message\":…}}` with a stable snake_case `code`: \
`unauthorized` (401), `forbidden` (403), `not_found` (404), `bad_request` (400), \
`payload_too_large` (413), `too_many_attempts` (429, with `Retry-After`), `internal_error` (500). \
Messages are in Chinese, or English with `?lang=en`.";

/// The document as served: [`ApiDoc`] with its response links written the way OpenAPI spells
/// them. utoipa 5.5 serialises a link's fields in snake_case (`operation_id`), which no client
/// recognises, so they are renamed here.
pub fn document() -> Result<serde_json::Value, serde_json::Error> {
    let mut doc = serde_json::to_value(ApiDoc::openapi())?;
    let links = doc
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(serde_json::Value::as_object_mut))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|response| response.get_mut("links").and_then(serde_json::Value::as_object_mut))
        .flat_map(|links| links.values_mut())
        .filter_map(serde_json::Value::as_object_mut);
    for link in links {
        for (from, to) in
            [("operation_id", "operationId"), ("operation_ref", "operationRef"), ("request_body", "requestBody")]
        {
            if let Some(value) = link.remove(from) {
                link.insert(to.to_owned(), value);
            }
        }
    }
    Ok(doc)
}

/// The API's OpenAPI document, before [`document`] fixes its links.
#[derive(OpenApi)]
#[openapi(
    info(title = "Zhijiao API", description = DESCRIPTION, license(name = "Apache-2.0")),
    paths(
        super::overview,
        super::schools,
        super::school,
        super::class,
        super::teacher,
        super::student,
        super::me,
        super::library::search,
        super::library::item,
        super::homework::student_list,
        super::homework::open,
        super::homework::save_answer,
        super::homework::submit,
        super::homework::assign,
        super::homework::report,
        super::homework::mark,
        super::homework::release
    ),
    components(
        schemas(
            super::library::SearchResponse,
            super::library::SearchHit,
            super::library::ItemResponse,
            super::homework::StudentHomeworkItem,
            super::homework::StudentItem,
            super::homework::StudentHomeworkDetail,
            super::homework::SaveAnswerRequest,
            super::homework::Saved,
            super::homework::SubmitRequest,
            super::homework::HomeworkDetail,
            super::homework::MarkRequest,
            super::homework::ComposeItem,
            super::homework::RubricPointBody,
            super::homework::GradingOptionsBody,
            super::homework::Released,
            crate::homework::ops::Compose,
            crate::homework::ops::Assigned,
            crate::homework::ops::GivenAnswer,
            crate::homework::ops::Submitted,
            Overview,
            SchoolList,
            SchoolItem,
            SchoolDetail,
            Named,
            GroupItem,
            ClassItem,
            TeacherItem,
            ClassDetail,
            SubjectTeacher,
            ClassStudent,
            GuardianItem,
            TeacherDetail,
            TaughtClass,
            StudentDetail,
            Me,
            PersonItem,
            RoleItem,
            ApiError,
            ErrorDetail,
            ErrorCode
        ),
        responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable, PayloadTooLarge, TooManyRequests, InternalError)
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "district", description = "区域 / the district"),
        (name = "roster", description = "学校、班级、教师、学生 / schools, classes, teachers, students"),
        (name = "account", description = "调用者本人 / the caller"),
        (name = "homework", description = "作业：布置、作答、批改、学情 / homework: assign, answer, mark, analyse")
    )
)]
pub struct ApiDoc;

/// Adds the bearer token scheme the `security` requirement names.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("zjt_…")
            .description(Some("API token created on the account page or with `zhijiao token create`"))
            .build();
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// An error response whose body is [`ApiError`].
fn error_response(description: &str) -> ResponseBuilder {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiError"))).build();
    ResponseBuilder::new().description(description).content("application/json", content)
}

/// Declares a reusable error response under `components/responses`.
macro_rules! error_responses {
    ($($name:ident => $description:literal;)+) => {
        $(
            #[doc = $description]
            pub(crate) struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), RefOr::T(error_response($description).build()))
                }
            }
        )+
    };
}

error_responses! {
    Unauthorized => "`unauthorized`: no token, or the token is unknown, revoked, or its account disabled.";
    Forbidden => "`forbidden`: the access policy does not let the token's role see this.";
    NotFound => "`not_found`: nothing has this id.";
    Conflict => "`already_submitted`, `past_due`, `not_open` or `over_workload_limit` (with the classes and their day's total): the request is valid but the homework's state refuses it.";
    Unprocessable => "`invalid_homework` or `invalid_answer`: a field is wrong; `field` names it and `problems` lists every problem.";
    PayloadTooLarge => "`payload_too_large`: the request body is over 64 KiB.";
    InternalError => "`internal_error`: the server failed; the cause is logged, not sent.";
}

/// `too_many_attempts`, with the seconds to wait in `Retry-After`.
pub(crate) struct TooManyRequests;

impl<'r> ToResponse<'r> for TooManyRequests {
    fn response() -> (&'r str, RefOr<Response>) {
        let retry = HeaderBuilder::new()
            .schema(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::Integer))
            .description(Some("Seconds to wait before trying again"))
            .build();
        let response = error_response("`too_many_attempts`: too many failed attempts; wait, then try again.")
            .header("Retry-After", retry)
            .build();
        ("TooManyRequests", RefOr::T(response))
    }
}
