//! Row types the stores return for pages and reports: domain values joined with names and counts.

use domain::{
    Class, CurriculumNode, GroupKind, Guardian, KnowledgePoint, Locality, Region, School, SchoolKind, Stage, Student,
    Subject, Teacher, TextbookVolume,
};
use serde::Serialize;

/// How many records an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub rows_written: u64,
}

/// Counts for a whole district (or any set of schools).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub schools: u64,
    pub teaching_points: u64,
    pub classes: u64,
    pub teachers: u64,
    pub students: u64,
    pub guardians: u64,
}

/// One row of the district overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchoolSummary {
    pub school: School,
    pub region_name: String,
    /// Name of the central school for a 教学点.
    pub central_school_name: Option<String>,
    pub classes: u64,
    pub teachers: u64,
    pub students: u64,
}

/// The district overview page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistrictOverview {
    /// All regions, root first (province, city, district …).
    pub regions: Vec<Region>,
    pub totals: Totals,
    /// Schools ordered by kind, then code.
    pub schools: Vec<SchoolSummary>,
    /// Classes and students per grade, grade 1 first (grades without classes are absent).
    pub grades: Vec<GradeCount>,
}

/// Classes and students in one grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GradeCount {
    pub grade: u8,
    pub classes: u64,
    pub students: u64,
}

impl DistrictOverview {
    /// Number of schools (including 教学点) of each kind.
    pub fn count_by_kind(&self) -> Vec<(SchoolKind, u64)> {
        SchoolKind::ALL
            .iter()
            .map(|k| (*k, self.schools.iter().filter(|s| s.school.kind == *k).count() as u64))
            .collect()
    }

    /// Classes and students per stage (小学/初中/高中), from the per-grade counts.
    pub fn count_by_stage(&self) -> Vec<(Stage, u64, u64)> {
        Stage::ALL
            .iter()
            .map(|stage| {
                let rows = self.grades.iter().filter(|g| stage.grades().contains(&g.grade));
                let (classes, students) = rows.fold((0, 0), |(c, s), g| (c + g.classes, s + g.students));
                (*stage, classes, students)
            })
            .collect()
    }

    /// Number of schools and students in each locality.
    pub fn count_by_locality(&self) -> Vec<(Locality, u64, u64)> {
        Locality::ALL
            .iter()
            .map(|l| {
                let rows = self.schools.iter().filter(|s| s.school.locality == *l);
                let (n, students) = rows.fold((0, 0), |(n, st), s| (n + 1, st + s.students));
                (*l, n, students)
            })
            .collect()
    }
}

/// A class with its size, for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassSummary {
    pub class: Class,
    pub students: u64,
    pub head_teacher_name: Option<String>,
}

/// A teacher with the classes they teach, for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeacherSummary {
    pub teacher: Teacher,
    pub classes: u64,
}

/// A school group as seen from one of its schools or from the district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupSummary {
    pub id: String,
    pub name: String,
    pub kind: GroupKind,
    pub lead_school_id: String,
    pub lead_school_name: String,
    /// Member schools (not the lead) as (id, name), ordered by name.
    pub members: Vec<(String, String)>,
}

/// The school page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchoolDetail {
    pub summary: SchoolSummary,
    /// 教学点 attached to this school, as (id, name).
    pub teaching_points: Vec<(String, String)>,
    pub groups: Vec<GroupSummary>,
    /// Classes ordered by grade, then name.
    pub classes: Vec<ClassSummary>,
    /// Teachers ordered by name.
    pub teachers: Vec<TeacherSummary>,
}

/// Who teaches a subject to a class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectTeacher {
    pub subject: Subject,
    pub teacher_id: String,
    pub teacher_name: String,
}

/// The class page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassDetail {
    pub class: Class,
    pub school_name: String,
    pub school_year_name: String,
    pub head_teacher_name: Option<String>,
    /// Students ordered by student number, each with their guardians.
    pub students: Vec<(Student, Vec<Guardian>)>,
    /// Ordered by subject.
    pub teachers: Vec<SubjectTeacher>,
}

/// A class a teacher teaches, with the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaughtClass {
    pub class_id: String,
    pub class_name: String,
    pub grade: u8,
    pub subject: Subject,
    pub students: u64,
}

/// The teacher page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeacherDetail {
    pub teacher: Teacher,
    pub school_name: String,
    /// Ordered by grade, class name, subject.
    pub taught: Vec<TaughtClass>,
    /// Classes where this teacher is 班主任, as (id, name).
    pub head_of: Vec<(String, String)>,
}

/// A textbook volume for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeSummary {
    pub volume: TextbookVolume,
    pub edition_name: String,
    pub chapters: u64,
    pub knowledge_points: u64,
}

/// One volume's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeDetail {
    pub summary: VolumeSummary,
    /// Chapters and sections in reading order (a chapter, then its sections).
    pub nodes: Vec<CurriculumNode>,
    pub knowledge_points: Vec<KnowledgePoint>,
}

/// Stage of a class, for grouping in pages.
pub fn stage_of(class: &Class) -> Option<Stage> {
    Stage::of_grade(class.grade)
}
