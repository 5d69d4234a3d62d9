//! Writing a roster as OneRoster 1.2 CSV files (see the module above for the mapping).

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use domain::{RegionLevel, Roster};

use super::*;
use crate::text::CsvOut;

/// Writes the roster as OneRoster 1.2 bulk CSV files, UTF-8 without BOM, manifest first.
///
/// The roster is expected to pass [`Roster::validate`]; references that do not resolve are written
/// as they are.
pub fn write(roster: &Roster) -> Vec<(String, Vec<u8>)> {
    let files = vec![
        (ORGS, orgs(roster)),
        (GROUPS, groups(roster)),
        (SESSIONS, sessions(roster)),
        (COURSES, courses(roster)),
        (CLASSES, classes(roster)),
        (USERS, users(roster)),
        (ROLES, roles(roster)),
        (ENROLLMENTS, enrollments(roster)),
        (DEMOGRAPHICS, demographics(roster)),
    ];
    let mut out = vec![(MANIFEST.to_owned(), manifest())];
    out.extend(files.into_iter().map(|(name, bytes)| (name.to_owned(), bytes)));
    out
}

fn manifest() -> Vec<u8> {
    let mut csv = CsvOut::new();
    csv.row(["propertyName", "value"]);
    csv.row(["manifest.version", "1.0"]);
    csv.row(["oneroster.version", "1.2"]);
    let written = ["academicSessions", "classes", "courses", "demographics", "enrollments", "orgs", "roles", "users"];
    for file in MANIFEST_FILES {
        let mode = if written.contains(file) { "bulk" } else { "absent" };
        csv.row([format!("file.{file}").as_str(), mode]);
    }
    csv.row(["source.systemName", "Zhijiao"]);
    csv.row(["source.systemCode", "zhijiao"]);
    csv.into_bytes()
}

fn orgs(roster: &Roster) -> Vec<u8> {
    let mut csv = CsvOut::new();
    csv.row(ORGS_HEADER);
    for r in &roster.regions {
        let kind = match r.level {
            RegionLevel::Province => "state",
            RegionLevel::City => "local",
            RegionLevel::District => "district",
        };
        csv.row([&r.id, "", "", &r.name, kind, &r.code, opt(&r.parent_id), "", "", ""]);
    }
    for s in &roster.schools {
        csv.row([
            &s.id,
            "",
            "",
            &s.name,
            "school",
            &s.code,
            &s.region_id,
            s.kind.code(),
            s.locality.code(),
            opt(&s.central_school_id),
        ]);
    }
    csv.into_bytes()
}

fn groups(roster: &Roster) -> Vec<u8> {
    let mut csv = CsvOut::new();
    csv.row(GROUPS_HEADER);
    for g in &roster.school_groups {
        csv.row([&g.id, &g.name, g.kind.code(), &g.lead_school_id, &g.member_school_ids.join(";")]);
    }
    csv.into_bytes()
}

fn sessions(roster: &Roster) -> Vec<u8> {
    let mut csv = CsvOut::new();
    csv.row(SESSIONS_HEADER);
    for y in &roster.school_years {
        csv.row([
            y.id.as_str(),
            "",
            "",
            &y.name,
            "schoolYear",
            &y.start_date.format("%Y-%m-%d").to_string(),
            &y.end_date.format("%Y-%m-%d").to_string(),
            "",
            &y.end_date.year().to_string(),
        ]);
    }
    csv.into_bytes()
}

/// One course per (school, grade) that has classes; its school year is the smallest school year id
/// among those classes, so the output does not depend on the order of classes.
fn courses(roster: &Roster) -> Vec<u8> {
    let mut courses: BTreeMap<(&str, u8), &str> = BTreeMap::new();
    for c in &roster.classes {
        let year = courses.entry((c.school_id.as_str(), c.grade)).or_insert(c.school_year_id.as_str());
        if c.school_year_id.as_str() < *year {
            *year = c.school_year_id.as_str();
        }
    }
    let mut csv = CsvOut::new();
    csv.row(COURSES_HEADER);
    for ((school, grade), year) in courses {
        csv.row([
            course_id(school, grade).as_str(),
            "",
            "",
            year,
            domain::org::grade_label_zh(grade),
            "",
            &grade_code(grade),
            school,
            "",
            "",
        ]);
    }
    csv.into_bytes()
}

fn classes(roster: &Roster) -> Vec<u8> {
    let mut csv = CsvOut::new();
    csv.row(CLASSES_HEADER);
    for c in &roster.classes {
        csv.row([
            c.id.as_str(),
            "",
            "",
            &c.name,
            &grade_code(c.grade),
            &course_id(&c.school_id, c.grade),
            "",
            "homeroom",
            "",
            &c.school_id,
            &c.school_year_id,
            "",
            "",
            "",
        ]);
    }
    csv.into_bytes()
}

/// What a users.csv row says of one person; empty strings for what does not apply.
#[derive(Default)]
struct UserFields<'a> {
    id: &'a str,
    name: &'a str,
    id_number: Option<&'a str>,
    identifier: &'a str,
    phone: Option<&'a str>,
    agents: &'a [&'a str],
    grades: &'a str,
    primary_org: &'a str,
    tier: &'a str,
    subjects: &'a str,
    relations: &'a str,
}

fn user_row(csv: &mut CsvOut, u: UserFields<'_>) {
    let (family, given) = split_name(u.name);
    let user_ids = u.id_number.map(|n| format!("{{cn_resident_id:{n}}}")).unwrap_or_default();
    let agents = u.agents.join(",");
    #[rustfmt::skip]
    csv.row([
        u.id, "", "", "true", u.id, &user_ids, given, family, "", u.identifier, "", "", u.phone.unwrap_or(""),
        &agents, u.grades, "", "", "", "", "", "", u.primary_org, "", u.tier, u.subjects, u.relations,
    ]);
}

fn users(roster: &Roster) -> Vec<u8> {
    let grade_of_class: HashMap<&str, u8> = roster.classes.iter().map(|c| (c.id.as_str(), c.grade)).collect();
    let mut guardians_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for g in &roster.guardians {
        for link in &g.students {
            guardians_of.entry(link.student_id.as_str()).or_default().push(g.id.as_str());
        }
    }
    let mut csv = CsvOut::new();
    csv.row(USERS_HEADER);
    for t in &roster.teachers {
        let subjects: Vec<&str> = t.subjects.iter().map(|s| s.code()).collect();
        user_row(
            &mut csv,
            UserFields {
                id: &t.id,
                name: &t.name,
                id_number: t.id_number.as_deref(),
                phone: t.phone.as_deref(),
                primary_org: &t.school_id,
                tier: t.tier.code(),
                subjects: &subjects.join(";"),
                ..UserFields::default()
            },
        );
    }
    for s in &roster.students {
        let grades = grade_of_class.get(s.class_id.as_str()).map(|g| grade_code(*g)).unwrap_or_default();
        user_row(
            &mut csv,
            UserFields {
                id: &s.id,
                name: &s.name,
                id_number: s.id_number.as_deref(),
                identifier: &s.student_number,
                agents: guardians_of.get(s.id.as_str()).map(Vec::as_slice).unwrap_or_default(),
                grades: &grades,
                primary_org: &s.school_id,
                ..UserFields::default()
            },
        );
    }
    for g in &roster.guardians {
        let agents: Vec<&str> = g.students.iter().map(|l| l.student_id.as_str()).collect();
        let relations: Vec<String> =
            g.students.iter().map(|l| format!("{}:{}", l.student_id, l.relation.code())).collect();
        user_row(
            &mut csv,
            UserFields {
                id: &g.id,
                name: &g.name,
                phone: g.phone.as_deref(),
                agents: &agents,
                relations: &relations.join(";"),
                ..UserFields::default()
            },
        );
    }
    csv.into_bytes()
}

fn roles(roster: &Roster) -> Vec<u8> {
    let school_of_student: HashMap<&str, &str> =
        roster.students.iter().map(|s| (s.id.as_str(), s.school_id.as_str())).collect();
    // A guardian belongs to no school; OneRoster still wants an org, so a guardian's role points at
    // their first student's school, or, for a guardian with no student, at the first region.
    let fallback_org = roster.regions.first().map(|r| r.id.as_str()).unwrap_or_default();
    let mut csv = CsvOut::new();
    csv.row(ROLES_HEADER);
    let mut row = |user: &str, role: &str, org: &str| {
        csv.row([format!("role-{user}").as_str(), "", "", user, "primary", role, org, "", "", ""]);
    };
    for t in &roster.teachers {
        row(&t.id, "teacher", &t.school_id);
    }
    for s in &roster.students {
        row(&s.id, "student", &s.school_id);
    }
    for g in &roster.guardians {
        let org = g
            .students
            .first()
            .and_then(|l| school_of_student.get(l.student_id.as_str()).copied())
            .unwrap_or(fallback_org);
        row(&g.id, "guardian", org);
    }
    csv.into_bytes()
}

fn enrollments(roster: &Roster) -> Vec<u8> {
    let school_of_class: HashMap<&str, &str> =
        roster.classes.iter().map(|c| (c.id.as_str(), c.school_id.as_str())).collect();
    let school = |class: &str| school_of_class.get(class).copied().unwrap_or_default();
    let mut csv = CsvOut::new();
    csv.row(ENROLLMENTS_HEADER);
    for c in &roster.classes {
        if let Some(head) = &c.head_teacher_id {
            let id = format!("enr-{}-{head}-head", c.id);
            csv.row([id.as_str(), "", "", &c.id, &c.school_id, head, "teacher", "true", "", "", ""]);
        }
    }
    for a in &roster.teaching_assignments {
        let id = format!("enr-{}-{}-{}", a.class_id, a.teacher_id, a.subject.code());
        let row = [&id, "", "", &a.class_id, school(&a.class_id), &a.teacher_id, "teacher", "false", "", ""];
        csv.row(row.into_iter().chain([a.subject.code()]));
    }
    for s in &roster.students {
        let id = format!("enr-{}-{}", s.class_id, s.id);
        csv.row([id.as_str(), "", "", &s.class_id, school(&s.class_id), &s.id, "student", "false", "", "", ""]);
    }
    csv.into_bytes()
}

fn demographics(roster: &Roster) -> Vec<u8> {
    let mut csv = CsvOut::new();
    csv.row(DEMOGRAPHICS_HEADER);
    let empty = [""; 11];
    for t in &roster.teachers {
        csv.row([t.id.as_str(), "", "", "", t.gender.code()].into_iter().chain(empty));
    }
    for s in &roster.students {
        let birth = s.birth_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        csv.row([s.id.as_str(), "", "", &birth, s.gender.code()].into_iter().chain(empty));
    }
    csv.into_bytes()
}

fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}
