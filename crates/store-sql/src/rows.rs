//! Row types as the tables hold them, decoded the same way by both drivers.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::FromRow;

#[derive(Debug, FromRow)]
pub struct RegionRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Debug, FromRow)]
pub struct SchoolRow {
    pub id: String,
    pub region_id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub locality: String,
    pub central_school_id: Option<String>,
}

/// A school with its region's name and its counts, for overview and detail pages.
#[derive(Debug, FromRow)]
pub struct SchoolSummaryRow {
    #[sqlx(flatten)]
    pub school: SchoolRow,
    pub region_name: String,
    pub central_school_name: Option<String>,
    pub classes: i64,
    pub teachers: i64,
    pub students: i64,
}

#[derive(Debug, FromRow)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub lead_school_id: String,
    pub lead_school_name: String,
}

#[derive(Debug, FromRow)]
pub struct GroupMemberRow {
    pub group_id: String,
    pub school_id: String,
    pub school_name: String,
}

#[derive(Debug, FromRow)]
pub struct SchoolYearRow {
    pub id: String,
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

#[derive(Debug, FromRow)]
pub struct ClassRow {
    pub id: String,
    pub school_id: String,
    pub school_year_id: String,
    pub grade: i64,
    pub name: String,
    pub head_teacher_id: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct ClassSummaryRow {
    #[sqlx(flatten)]
    pub class: ClassRow,
    pub students: i64,
    pub head_teacher_name: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct TeacherRow {
    pub id: String,
    pub school_id: String,
    pub name: String,
    pub gender: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub tier: String,
    /// Subject codes joined by `;`, in the teacher's order.
    pub subjects: String,
}

#[derive(Debug, FromRow)]
pub struct TeacherSummaryRow {
    #[sqlx(flatten)]
    pub teacher: TeacherRow,
    pub classes: i64,
}

#[derive(Debug, FromRow)]
pub struct StudentRow {
    pub id: String,
    pub school_id: String,
    pub class_id: String,
    pub name: String,
    pub gender: String,
    pub student_number: String,
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

#[derive(Debug, FromRow)]
pub struct GuardianRow {
    pub id: String,
    pub name: String,
    pub phone: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct GuardianLinkRow {
    pub guardian_id: String,
    pub student_id: String,
    pub relation: String,
}

#[derive(Debug, FromRow)]
pub struct AssignmentRow {
    pub teacher_id: String,
    pub class_id: String,
    pub subject: String,
}

#[derive(Debug, FromRow)]
pub struct SubjectTeacherRow {
    pub subject: String,
    pub teacher_id: String,
    pub teacher_name: String,
}

#[derive(Debug, FromRow)]
pub struct TaughtClassRow {
    pub class_id: String,
    pub class_name: String,
    pub grade: i64,
    pub subject: String,
    pub students: i64,
}

#[derive(Debug, FromRow)]
pub struct IdName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, FromRow)]
pub struct EditionRow {
    pub id: String,
    pub name: String,
    pub publisher: String,
}

#[derive(Debug, FromRow)]
pub struct VolumeRow {
    pub id: String,
    pub edition_id: String,
    pub stage: String,
    pub subject: String,
    pub grade: Option<i64>,
    pub volume: String,
    pub book_id: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct VolumeSummaryRow {
    #[sqlx(flatten)]
    pub volume: VolumeRow,
    pub edition_name: String,
    pub chapters: i64,
    pub knowledge_points: i64,
}

#[derive(Debug, FromRow)]
pub struct NodeRow {
    pub id: String,
    pub volume_id: String,
    pub parent_id: Option<String>,
    pub kind: String,
    pub ordinal: i64,
    pub title: String,
}

#[derive(Debug, FromRow)]
pub struct PointRow {
    pub id: String,
    pub stage: String,
    pub subject: String,
    pub name: String,
    pub node_id: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct PrerequisiteRow {
    pub point_id: String,
    pub prerequisite_id: String,
}

#[derive(Debug, FromRow)]
pub struct ActivityRow {
    pub actor_kind: String,
    pub actor_id: String,
    pub verb: String,
    pub object_kind: String,
    pub object_id: String,
    pub school_id: Option<String>,
    pub class_id: Option<String>,
    pub result: Option<sqlx::types::Json<serde_json::Value>>,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, FromRow)]
pub struct Count {
    pub n: i64,
}

#[derive(Debug, FromRow)]
pub struct TotalsRow {
    pub schools: i64,
    pub teaching_points: i64,
    pub classes: i64,
    pub teachers: i64,
    pub students: i64,
    pub guardians: i64,
}

#[derive(Debug, FromRow)]
pub struct GradeCountRow {
    pub grade: i64,
    pub classes: i64,
    pub students: i64,
}

#[derive(Debug, FromRow)]
pub struct AccountRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub person_kind: Option<String>,
    pub person_id: Option<String>,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, FromRow)]
pub struct RoleAssignmentRow {
    pub id: String,
    pub account_id: String,
    pub role: String,
    pub scope_id: String,
    /// Subject codes joined by `;`.
    pub subjects: String,
    /// Resource kind codes joined by `;`.
    pub grants: String,
}

#[derive(Debug, FromRow)]
pub struct NamedAssignmentRow {
    #[sqlx(flatten)]
    pub assignment: RoleAssignmentRow,
    pub display_name: String,
}

#[derive(Debug, FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub account_id: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct TokenRow {
    pub id: String,
    pub account_id: String,
    pub assignment_id: String,
    pub name: String,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, FromRow)]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    pub actor_account_id: Option<String>,
    pub actor_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub school_id: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, FromRow)]
pub struct IdRow {
    pub id: String,
}

#[derive(Debug, FromRow)]
pub struct ClassSubjectRow {
    pub class_id: String,
    pub subject: String,
}

#[derive(Debug, FromRow)]
pub struct SchoolClassRow {
    pub school_id: String,
    pub class_id: Option<String>,
}
