//! The roster: the whole org tree and its people as one value, validated as a unit before any write.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{
    Class, DomainError, Guardian, Region, School, SchoolGroup, SchoolYear, Student, Teacher, TeachingAssignment,
    curriculum::{check_ref, unique_ids},
};

/// Everything a district's roster holds. Imports build one, validate it, then write it in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub regions: Vec<Region>,
    pub schools: Vec<School>,
    pub school_groups: Vec<SchoolGroup>,
    pub school_years: Vec<SchoolYear>,
    pub classes: Vec<Class>,
    pub teachers: Vec<Teacher>,
    pub students: Vec<Student>,
    pub guardians: Vec<Guardian>,
    pub teaching_assignments: Vec<TeachingAssignment>,
}

impl Roster {
    /// Checks the rules that make a roster consistent: unique ids, every reference resolves, regions
    /// form a tree, a 教学点's central school is not itself a 教学点, grades fit the school's kind,
    /// a student's school is their class's school.
    ///
    /// Returns every problem found, not only the first, so an import can report them all at once.
    pub fn validate(&self) -> Result<(), Vec<DomainError>> {
        let mut errors = Vec::new();
        let regions = unique_ids("region", self.regions.iter().map(|r| r.id.as_str()), &mut errors);
        let schools = unique_ids("school", self.schools.iter().map(|s| s.id.as_str()), &mut errors);
        unique_ids("school group", self.school_groups.iter().map(|g| g.id.as_str()), &mut errors);
        let years = unique_ids("school year", self.school_years.iter().map(|y| y.id.as_str()), &mut errors);
        let classes = unique_ids("class", self.classes.iter().map(|c| c.id.as_str()), &mut errors);
        let teachers = unique_ids("teacher", self.teachers.iter().map(|t| t.id.as_str()), &mut errors);
        let students = unique_ids("student", self.students.iter().map(|s| s.id.as_str()), &mut errors);
        unique_ids("guardian", self.guardians.iter().map(|g| g.id.as_str()), &mut errors);

        for r in &self.regions {
            if let Some(p) = &r.parent_id {
                check_ref(&mut errors, "region", &r.id, "region", p, &regions);
            }
        }
        self.check_region_tree(&mut errors);

        let school_by_id: std::collections::HashMap<&str, &School> =
            self.schools.iter().map(|s| (s.id.as_str(), s)).collect();
        for s in &self.schools {
            check_ref(&mut errors, "school", &s.id, "region", &s.region_id, &regions);
            if let Some(c) = &s.central_school_id {
                match school_by_id.get(c.as_str()) {
                    None => check_ref(&mut errors, "school", &s.id, "school", c, &schools),
                    Some(central) if central.central_school_id.is_some() => errors.push(DomainError::Invalid {
                        what: "school",
                        id: s.id.clone(),
                        reason: format!("central school `{c}` is itself a teaching point"),
                    }),
                    Some(_) => {}
                }
            }
        }
        for g in &self.school_groups {
            check_ref(&mut errors, "school group", &g.id, "school", &g.lead_school_id, &schools);
            for m in &g.member_school_ids {
                check_ref(&mut errors, "school group", &g.id, "school", m, &schools);
            }
        }
        for y in &self.school_years {
            if y.end_date <= y.start_date {
                errors.push(DomainError::Invalid {
                    what: "school year",
                    id: y.id.clone(),
                    reason: "ends before it starts".into(),
                });
            }
        }
        let mut class_school = std::collections::HashMap::new();
        for c in &self.classes {
            check_ref(&mut errors, "class", &c.id, "school year", &c.school_year_id, &years);
            if let Some(t) = &c.head_teacher_id {
                check_ref(&mut errors, "class", &c.id, "teacher", t, &teachers);
            }
            match school_by_id.get(c.school_id.as_str()) {
                None => check_ref(&mut errors, "class", &c.id, "school", &c.school_id, &schools),
                Some(s) if !s.kind.grades().any(|g| g == c.grade) => errors.push(DomainError::Invalid {
                    what: "class",
                    id: c.id.clone(),
                    reason: format!("grade {} is not taught at a {} school", c.grade, s.kind.code()),
                }),
                Some(_) => {}
            }
            class_school.insert(c.id.as_str(), c.school_id.as_str());
        }
        for t in &self.teachers {
            check_ref(&mut errors, "teacher", &t.id, "school", &t.school_id, &schools);
        }
        for s in &self.students {
            check_ref(&mut errors, "student", &s.id, "school", &s.school_id, &schools);
            match class_school.get(s.class_id.as_str()) {
                None => check_ref(&mut errors, "student", &s.id, "class", &s.class_id, &classes),
                Some(school) if *school != s.school_id => errors.push(DomainError::Invalid {
                    what: "student",
                    id: s.id.clone(),
                    reason: format!("class `{}` belongs to another school", s.class_id),
                }),
                Some(_) => {}
            }
        }
        for g in &self.guardians {
            for link in &g.students {
                check_ref(&mut errors, "guardian", &g.id, "student", &link.student_id, &students);
            }
        }
        let mut seen_assignments = HashSet::new();
        for a in &self.teaching_assignments {
            let id = format!("{}/{}/{}", a.teacher_id, a.class_id, a.subject.code());
            check_ref(&mut errors, "teaching assignment", &id, "teacher", &a.teacher_id, &teachers);
            check_ref(&mut errors, "teaching assignment", &id, "class", &a.class_id, &classes);
            if !seen_assignments.insert((&a.teacher_id, &a.class_id, a.subject)) {
                errors.push(DomainError::DuplicateId { what: "teaching assignment", id });
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Regions must form a forest: following parents from any region never comes back to it.
    fn check_region_tree(&self, errors: &mut Vec<DomainError>) {
        let parent: std::collections::HashMap<&str, Option<&str>> =
            self.regions.iter().map(|r| (r.id.as_str(), r.parent_id.as_deref())).collect();
        for r in &self.regions {
            let mut at = r.parent_id.as_deref();
            let mut steps = 0;
            while let Some(p) = at {
                steps += 1;
                if p == r.id || steps > self.regions.len() {
                    errors.push(DomainError::Invalid {
                        what: "region",
                        id: r.id.clone(),
                        reason: "its parents form a cycle".into(),
                    });
                    break;
                }
                at = parent.get(p).copied().flatten();
            }
        }
    }
}
