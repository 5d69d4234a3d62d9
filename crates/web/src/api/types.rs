//! The JSON bodies of the API: dedicated types built from store rows, so that no secret (password
//! hashes, token hashes) and no unmasked identity or phone number can reach a client by accident.
//!
//! Coded values (kinds, genders, subjects, roles) are the domain's stable snake_case codes; the
//! OpenAPI document lists the allowed codes of each.

use domain::{
    Gender, GroupKind, GrowthTier, Locality, Relation, SchoolKind, Subject,
    access::{ResourceKind, Role},
    identity::PersonKind,
};
use serde::{Deserialize, Serialize};
use utoipa::{
    ToSchema,
    openapi::{ArrayBuilder, ObjectBuilder, RefOr, Schema, Type},
};

/// The schema of a string field holding one of `codes`.
fn codes(codes: impl Iterator<Item = &'static str>, description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes)).description(Some(description))
}

fn school_kind() -> ObjectBuilder {
    codes(SchoolKind::ALL.iter().map(|k| k.code()), "School kind code")
}

fn locality() -> ObjectBuilder {
    codes(Locality::ALL.iter().map(|l| l.code()), "Locality code")
}

fn group_kind() -> ObjectBuilder {
    codes(GroupKind::ALL.iter().map(|k| k.code()), "School group kind code")
}

fn gender() -> ObjectBuilder {
    codes(Gender::ALL.iter().map(|g| g.code()), "Gender code")
}

fn tier() -> ObjectBuilder {
    codes(GrowthTier::ALL.iter().map(|t| t.code()), "Teacher growth tier code")
}

fn relation() -> ObjectBuilder {
    codes(Relation::ALL.iter().map(|r| r.code()), "Guardian's relation to the student")
}

fn subject() -> ObjectBuilder {
    codes(Subject::ALL.iter().map(|s| s.code()), "Subject code")
}

fn subjects() -> ArrayBuilder {
    ArrayBuilder::new().items(RefOr::<Schema>::from(subject().build()))
}

fn role() -> ObjectBuilder {
    codes(Role::ALL.iter().map(|r| r.code()), "Role code")
}

fn grants() -> ArrayBuilder {
    let kinds = codes(ResourceKind::ALL.iter().map(|k| k.code()), "Resource kind code");
    ArrayBuilder::new().items(RefOr::<Schema>::from(kinds.build()))
}

fn person_kind() -> ObjectBuilder {
    codes(PersonKind::ALL.iter().map(|k| k.code()), "Kind of roster person")
}

fn grade() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(12)).description(Some("Grade (1–12)"))
}

/// The district's totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Overview {
    /// The district's region id.
    pub district_id: String,
    pub district_name: String,
    /// Schools, 教学点 included.
    pub schools: u64,
    pub teaching_points: u64,
    pub classes: u64,
    pub teachers: u64,
    pub students: u64,
    pub guardians: u64,
}

/// Every school of the district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchoolList {
    /// Ordered by kind, then code.
    pub schools: Vec<SchoolItem>,
}

/// A school with its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchoolItem {
    pub id: String,
    /// The school's code in the district.
    pub code: String,
    pub name: String,
    #[schema(schema_with = school_kind)]
    pub kind: String,
    #[schema(schema_with = locality)]
    pub locality: String,
    pub region_id: String,
    pub region_name: String,
    /// For a 教学点: its central school.
    pub central_school_id: Option<String>,
    pub central_school_name: Option<String>,
    pub classes: u64,
    pub teachers: u64,
    pub students: u64,
}

/// An id with a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// A school group or alliance a school belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupItem {
    pub id: String,
    pub name: String,
    #[schema(schema_with = group_kind)]
    pub kind: String,
    pub lead_school_id: String,
    pub lead_school_name: String,
}

/// A class in a school's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClassItem {
    pub id: String,
    pub name: String,
    #[schema(schema_with = grade)]
    pub grade: u8,
    pub students: u64,
    pub head_teacher_name: Option<String>,
}

/// A teacher in a school's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TeacherItem {
    pub id: String,
    pub name: String,
    #[schema(schema_with = gender)]
    pub gender: String,
    #[schema(schema_with = subjects)]
    pub subjects: Vec<String>,
    /// How many classes the teacher teaches.
    pub classes: u64,
}

/// A school with its classes, teachers, 教学点 and groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchoolDetail {
    pub school: SchoolItem,
    /// 教学点 attached to this school.
    pub teaching_points: Vec<Named>,
    pub groups: Vec<GroupItem>,
    /// Ordered by grade, then name.
    pub classes: Vec<ClassItem>,
    /// Ordered by name.
    pub teachers: Vec<TeacherItem>,
}

/// Who teaches a subject to a class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubjectTeacher {
    #[schema(schema_with = subject)]
    pub subject: String,
    pub teacher_id: String,
    pub teacher_name: String,
}

/// A guardian as a student's record shows them: the phone number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GuardianItem {
    pub name: String,
    #[schema(schema_with = relation)]
    pub relation: String,
    /// Masked mobile number (`138****5678`).
    pub phone_masked: Option<String>,
}

/// A student in a class list: numbers masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClassStudent {
    pub id: String,
    pub name: String,
    #[schema(schema_with = gender)]
    pub gender: String,
    /// The student number, masked where it embeds an identity number.
    pub student_number_masked: String,
    /// Masked identity number (`110101********1234`).
    pub id_number_masked: Option<String>,
    pub guardians: Vec<GuardianItem>,
}

/// A class with its teachers and its students (personal numbers masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClassDetail {
    pub id: String,
    pub name: String,
    #[schema(schema_with = grade)]
    pub grade: u8,
    pub school_id: String,
    pub school_name: String,
    pub school_year_id: String,
    pub school_year_name: String,
    pub head_teacher_id: Option<String>,
    pub head_teacher_name: Option<String>,
    /// Ordered by subject.
    pub teachers: Vec<SubjectTeacher>,
    /// Ordered by student number.
    pub students: Vec<ClassStudent>,
}

/// A class a teacher teaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaughtClass {
    pub class_id: String,
    pub class_name: String,
    #[schema(schema_with = grade)]
    pub grade: u8,
    #[schema(schema_with = subject)]
    pub subject: String,
    pub students: u64,
}

/// A teacher's record: the phone number masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TeacherDetail {
    pub id: String,
    pub name: String,
    #[schema(schema_with = gender)]
    pub gender: String,
    pub school_id: String,
    pub school_name: String,
    /// Masked mobile number (`138****5678`).
    pub phone_masked: Option<String>,
    #[schema(schema_with = tier)]
    pub tier: String,
    /// Subjects the teacher is qualified for, main subject first.
    #[schema(schema_with = subjects)]
    pub subjects: Vec<String>,
    /// Ordered by grade, class name, subject.
    pub taught: Vec<TaughtClass>,
    /// Classes where the teacher is 班主任.
    pub head_of: Vec<Named>,
}

/// A student's record: identity number, student number and guardians' phones masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StudentDetail {
    pub id: String,
    pub name: String,
    #[schema(schema_with = gender)]
    pub gender: String,
    /// The student number, masked where it embeds an identity number.
    pub student_number_masked: String,
    /// Masked identity number (`110101********1234`).
    pub id_number_masked: Option<String>,
    /// Year and month of birth (`2015-03`), never the day.
    pub birth_month: Option<String>,
    pub class_id: String,
    pub class_name: String,
    pub school_id: String,
    pub school_name: String,
    pub guardians: Vec<GuardianItem>,
}

/// The roster person an account belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PersonItem {
    #[schema(schema_with = person_kind)]
    pub kind: String,
    pub id: String,
}

/// One role the caller acts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleItem {
    /// The role assignment's id.
    pub id: String,
    #[schema(schema_with = role)]
    pub role: String,
    /// A region, group or school id, or the person's own id (students, guardians).
    pub scope_id: String,
    /// Where the role applies, in words (empty for students and guardians).
    pub scope_name: String,
    /// For researchers: their subjects (empty means all).
    #[schema(schema_with = subjects)]
    pub subjects: Vec<String>,
    /// For third parties: the resource kinds granted.
    #[schema(schema_with = grants)]
    pub grants: Vec<String>,
}

fn auth_kind() -> ObjectBuilder {
    codes(["session", "token"].into_iter(), "How the request signed in")
}

/// The caller: their account and the roles they act with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub account_id: String,
    pub username: String,
    pub display_name: String,
    /// Masked mobile number, when the account has one.
    pub phone_masked: Option<String>,
    pub person: Option<PersonItem>,
    pub must_change_password: bool,
    /// `token` for an API token (which acts with its one role assignment), `session` for a browser.
    #[schema(schema_with = auth_kind)]
    pub auth: String,
    /// The API token's id, when signed in with one.
    pub token_id: Option<String>,
    /// The role assignments this request acts with.
    pub roles: Vec<RoleItem>,
}

/// A failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code to match on and a message in the caller's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// A human-readable explanation (Chinese by default; English with `?lang=en` or the `lang=en`
    /// cookie). Never contains internal causes.
    pub message: String,
    /// The request field the error is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The stable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 404: the path or id names nothing.
    NotFound,
    /// 400: a parameter could not be understood.
    BadRequest,
    /// 401: no valid session or token.
    Unauthorized,
    /// 403: the access policy refused the request.
    Forbidden,
    /// 403: a browser form without the session's CSRF token (not for token clients).
    CsrfFailed,
    /// 413: the request body is over the limit.
    PayloadTooLarge,
    /// 429: too many failed attempts; see `Retry-After`.
    TooManyAttempts,
    /// 500: the server failed; the cause is logged, not sent.
    InternalError,
    /// 409: the homework was already submitted (with another idempotency key).
    AlreadySubmitted,
    /// 409: the homework was due and late work is not accepted.
    PastDue,
    /// 409: the homework is not open yet.
    NotOpen,
    /// 409: assigning would take a class past its daily homework limit; resend with
    /// `confirm_over_limit`.
    OverWorkloadLimit,
    /// 422: the homework as composed breaks a rule; `field` and `problems` say which.
    InvalidHomework,
    /// 422: an answer is refused (an item not in the homework, an overlong text …).
    InvalidAnswer,
}
