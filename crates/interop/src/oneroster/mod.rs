//! OneRoster 1.2 CSV (bulk) in and out: a [`domain::Roster`] as the files a district's other systems
//! exchange.
//!
//! # Mapping
//!
//! | file | rows | notes |
//! |---|---|---|
//! | `manifest.csv` | `manifest.version` 1.0, `oneroster.version` 1.2, `file.*` `bulk`/`absent`, `source.systemName` Zhijiao | optional on read; when present it must say 1.2 and agree with the files given |
//! | `orgs.csv` | regions: province → `state`, city → `local`, district → `district`, `identifier` = 行政区划代码; schools: `school`, `parentSourcedId` = region, `identifier` = 学校标识码 | extension columns `metadata.zhijiao.schoolKind` (a [`domain::SchoolKind`] code), `metadata.zhijiao.locality`, `metadata.zhijiao.centralSchool` (the 中心校 of a 教学点) |
//! | `x-zhijiao-schoolGroups.csv` | `sourcedId,name,kind,leadSchoolSourcedId,memberSourcedIds` | school groups have no OneRoster equivalent; members joined by `;` |
//! | `academicSessions.csv` | school years: type `schoolYear`, `schoolYear` = the end year | other session types are refused |
//! | `courses.csv` | one course per (school, grade), id `crs-{schoolId}-{grade:02}`, title = 七年级 … | courses are not kept: on read they only check the classes |
//! | `classes.csv` | each class: `classType` `homeroom`, one grade, `termSourcedIds` = its school year | |
//! | `users.csv` | teachers, students, guardians | see below |
//! | `roles.csv` | one `primary` role per user: `teacher`, `student`, `guardian` (`parent` and `relative` read as guardian) | the role decides the kind of user; `orgSourcedId` = the school (a guardian: their first student's school) |
//! | `enrollments.csv` | student → class (`student`); 班主任 → `teacher`, `primary` true; 任课 → `teacher`, `primary` false, `metadata.zhijiao.subject` | |
//! | `demographics.csv` | `birthDate` (students) and `sex` `male`/`female` (students and teachers) | |
//!
//! Users: `familyName` is the surname (the first character, or a two-character compound surname such as
//! 欧阳 or 司马) and `givenName` the rest; on read the name is `familyName` + `givenName`, so any split
//! round-trips. A one-character name is written with an empty `familyName`, which is the only case where
//! an empty `familyName` is accepted. `username` is the `sourcedId` (Zhijiao keeps no login names in the
//! roster); `identifier` is a student's 学籍号; a 居民身份证号 is the `userIds` entry `{cn_resident_id:…}`;
//! `agentSourcedIds` links students and guardians both ways (a link given on either side is kept);
//! `metadata.zhijiao.tier` and `metadata.zhijiao.subjects` (codes joined by `;`) describe teachers, a
//! teacher without a tier being read as 新入职教师; `metadata.zhijiao.relations` (`studentId:relation;…`)
//! says how a guardian is related to each student, `other` when not given.
//!
//! Not supported yet, and refused with a clear error rather than imported wrongly: delta files (rows with
//! status `tobedeleted`, `file.*` `delta`), disabled users, users with more than one role, classes other
//! than `homeroom`, sessions other than `schoolYear`. Other OneRoster files (results, line items,
//! resources …) are ignored.
//!
//! # Reading
//!
//! Columns are found by name, in any order; extra columns are ignored. Files may be UTF-8 (with or
//! without BOM) or GBK/GB18030. Every problem is reported, each with its file, line (the header is line 1)
//! and column; the roster is returned only when there is none. If a file lacks a required column, only
//! those header problems are reported, since its rows cannot be read.
//!
//! # Writing
//!
//! Files are UTF-8 *without* a BOM: OneRoster files are read by machines, and a BOM ends up in the first
//! header name (`\u{feff}sourcedId`) of many readers. (Spreadsheet exports for people are a different
//! matter and carry a BOM; see `docs/ARCHITECTURE.md`.) `status` and `dateLastModified` are left empty,
//! as the OneRoster CSV binding asks of bulk files, which also keeps the output a pure function of the
//! roster. Ids of derived rows (courses, roles, enrollments) are deterministic.

mod read;
mod write;

pub use read::read;
pub use write::write;

/// One problem found in an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file's name, e.g. `users.csv`.
    pub file: String,
    /// The line, from 1 (the header); 0 when the problem concerns the file as a whole.
    pub line: usize,
    /// The column, where the problem is in one.
    pub column: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(column) = &self.column {
            write!(f, ": column {column}")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Every problem found in an import, sorted by file and line. Never empty when returned as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportErrors {
    pub errors: Vec<RowError>,
}

impl ImportErrors {
    /// How many problems were found.
    pub fn count(&self) -> usize {
        self.errors.len()
    }

    /// The problems, in file and line order.
    pub fn iter(&self) -> std::slice::Iter<'_, RowError> {
        self.errors.iter()
    }
}

impl std::fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

// File names, as the OneRoster 1.2 CSV binding spells them.
pub(crate) const MANIFEST: &str = "manifest.csv";
pub(crate) const ORGS: &str = "orgs.csv";
pub(crate) const GROUPS: &str = "x-zhijiao-schoolGroups.csv";
pub(crate) const SESSIONS: &str = "academicSessions.csv";
pub(crate) const COURSES: &str = "courses.csv";
pub(crate) const CLASSES: &str = "classes.csv";
pub(crate) const USERS: &str = "users.csv";
pub(crate) const ROLES: &str = "roles.csv";
pub(crate) const ENROLLMENTS: &str = "enrollments.csv";
pub(crate) const DEMOGRAPHICS: &str = "demographics.csv";

/// Every `file.*` entry of a OneRoster 1.2 manifest, with the file it names.
pub(crate) const MANIFEST_FILES: &[&str] = &[
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItems",
    "lineItemScoreScales",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "results",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
];

// Headers written, in the order of the OneRoster 1.2 CSV binding, extension columns last.
pub(crate) const ORGS_HEADER: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "name",
    "type",
    "identifier",
    "parentSourcedId",
    "metadata.zhijiao.schoolKind",
    "metadata.zhijiao.locality",
    "metadata.zhijiao.centralSchool",
];
pub(crate) const GROUPS_HEADER: &[&str] = &["sourcedId", "name", "kind", "leadSchoolSourcedId", "memberSourcedIds"];
pub(crate) const SESSIONS_HEADER: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "type",
    "startDate",
    "endDate",
    "parentSourcedId",
    "schoolYear",
];
pub(crate) const COURSES_HEADER: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "schoolYearSourcedId",
    "title",
    "courseCode",
    "grades",
    "orgSourcedId",
    "subjects",
    "subjectCodes",
];
pub(crate) const CLASSES_HEADER: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "grades",
    "courseSourcedId",
    "classCode",
    "classType",
    "location",
    "schoolSourcedId",
    "termSourcedIds",
    "subjects",
    "subjectCodes",
    "periods",
];
pub(crate) const USERS_HEADER: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
    "userMasterIdentifier",
    "resourceSourcedIds",
    "preferredGivenName",
    "preferredMiddleName",
    "preferredFamilyName",
    "primaryOrgSourcedId",
    "pronouns",
    "metadata.zhijiao.tier",
    "metadata.zhijiao.subjects",
    "metadata.zhijiao.relations",
];
pub(crate) const ROLES_HEADER: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "userSourcedId",
    "roleType",
    "role",
    "orgSourcedId",
    "userProfileSourcedId",
    "beginDate",
    "endDate",
];
pub(crate) const ENROLLMENTS_HEADER: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
    "endDate",
    "metadata.zhijiao.subject",
];
pub(crate) const DEMOGRAPHICS_HEADER: &[&str] = &[
    "sourcedId",
    "status",
    "dateLastModified",
    "birthDate",
    "sex",
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
    "countryOfBirthCode",
    "stateOfBirthAbbreviation",
    "cityOfBirth",
    "publicSchoolResidenceStatus",
];

/// Two-character compound surnames (复姓) common enough to split correctly.
pub(crate) const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙", "宇文", "司徒",
    "轩辕",
];

/// Splits a Chinese name into (family name, given name).
pub(crate) fn split_name(name: &str) -> (&str, &str) {
    let mut chars = name.char_indices();
    let Some(second) = chars.nth(1).map(|(i, _)| i) else {
        // A name of one character (or none) has no surname to split off: it all goes in the given name.
        return ("", name);
    };
    if let Some(compound) = COMPOUND_SURNAMES.iter().find(|s| name.starts_with(**s))
        && name.len() > compound.len()
    {
        return name.split_at(compound.len());
    }
    name.split_at(second)
}

/// The OneRoster grade code (`01` … `12`) of a grade.
pub(crate) fn grade_code(grade: u8) -> String {
    format!("{grade:02}")
}

/// The id of the course written for a school's grade.
pub(crate) fn course_id(school_id: &str, grade: u8) -> String {
    format!("crs-{school_id}-{grade:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_names() {
        assert_eq!(split_name("张三"), ("张", "三"));
        assert_eq!(split_name("欧阳修"), ("欧阳", "修"));
        assert_eq!(split_name("欧阳"), ("欧", "阳"));
        assert_eq!(split_name("司马相如"), ("司马", "相如"));
        assert_eq!(split_name("王"), ("", "王"));
        assert_eq!(split_name(""), ("", ""));
    }
}
