//! Pupils and their guardians: names, identity numbers consistent with the grade, families with siblings.

use chrono::NaiveDate;
use domain::{Gender, Guardian, GuardianLink, Locality, Relation, Student};
use rand::Rng;

use crate::Builder;
use crate::names::{Generation, full_name};
use crate::schools::{SCHOOL_YEAR_START, SchoolPlan};

/// A household already in the school, which a younger or older sibling may join.
struct Family {
    surname: &'static str,
    /// Indices into the roster's guardians.
    guardians: [Option<usize>; 2],
    /// Grade of the last child placed, so siblings land in other grades.
    grade: u8,
    children: u8,
}

/// Who looks after the child, with weights in percent per locality: both parents, mother only,
/// father only, mother and a grandparent, grandparent only (留守儿童), another guardian.
const HOUSEHOLDS: [(Locality, [u32; 6]); 3] = [
    (Locality::Urban, [70, 14, 6, 4, 3, 3]),
    (Locality::Town, [62, 14, 6, 6, 8, 4]),
    (Locality::Rural, [45, 12, 6, 12, 20, 5]),
];

/// Share of pupils who have a brother or sister in the same school.
const SIBLING_SHARE: f64 = 0.07;

impl Builder {
    /// Fills the school's classes (`classes`, indices into the roster's classes) with pupils.
    pub(crate) fn enrol_school(&mut self, plan: &SchoolPlan, classes: std::ops::Range<usize>) {
        let mut families: Vec<Family> = Vec::new();
        let sizes = plan.grades.iter().flat_map(|(_, sizes)| sizes.iter().copied());
        for (class, size) in classes.zip(sizes) {
            let grade = self.roster.classes[class].grade;
            // Born between 1 September and 31 August of the cohort's year, e.g. grade 1 of the
            // 2026 school year: 2019-09-01 to 2020-08-31.
            let cohort = SCHOOL_YEAR_START - 6 - i32::from(grade);
            let from = NaiveDate::from_ymd_opt(cohort, 9, 1).unwrap_or_default();
            let to = NaiveDate::from_ymd_opt(cohort + 1, 8, 31).unwrap_or_default();
            for seat in 1..=size {
                let gender = if self.rng.random_bool(0.52) { Gender::Male } else { Gender::Female };
                let birth = crate::ids::random_date(from, to, &mut self.rng);
                let id_number = self.id_numbers.issue(birth, gender);
                let sibling_of = if families.is_empty() || !self.rng.random_bool(SIBLING_SHARE) {
                    None
                } else {
                    let f = self.rng.random_range(0..families.len());
                    let family = &families[f];
                    (family.grade != grade && family.children < 3).then_some(f)
                };
                let family = match sibling_of {
                    Some(f) => f,
                    None => {
                        let family = self.new_family(plan.locality, grade);
                        families.push(family);
                        families.len() - 1
                    }
                };
                let c = &self.roster.classes[class];
                let student_id = format!("s-{}-{seat:02}", &c.id[4..]);
                let name = full_name(families[family].surname, gender, Generation::Child, &mut self.rng);
                for guardian in families[family].guardians.iter().flatten() {
                    let relation = self.guardian_relation[*guardian];
                    self.roster.guardians[*guardian]
                        .students
                        .push(GuardianLink { student_id: student_id.clone(), relation });
                }
                families[family].grade = grade;
                families[family].children += 1;
                let c = &self.roster.classes[class];
                self.roster.students.push(Student {
                    id: student_id,
                    school_id: c.school_id.clone(),
                    class_id: c.id.clone(),
                    name,
                    gender,
                    student_number: format!("G{id_number}"),
                    id_number: Some(id_number),
                    birth_date: Some(birth),
                });
            }
        }
    }

    /// A new household with one or two guardians, chosen by locality.
    fn new_family(&mut self, locality: Locality, grade: u8) -> Family {
        let weights = HOUSEHOLDS.iter().find(|(l, _)| *l == locality).map_or([70, 14, 6, 4, 3, 3], |(_, w)| *w);
        let total: u32 = weights.iter().sum();
        let mut roll = self.rng.random_range(0..total);
        let mut kind = 0;
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                kind = i;
                break;
            }
            roll -= w;
        }
        let surname = self.surnames.pick(&mut self.rng);
        let guardians = match kind {
            0 => {
                [Some(self.new_guardian(Relation::Mother, surname)), Some(self.new_guardian(Relation::Father, surname))]
            }
            1 => [Some(self.new_guardian(Relation::Mother, surname)), None],
            2 => [Some(self.new_guardian(Relation::Father, surname)), None],
            3 => [
                Some(self.new_guardian(Relation::Mother, surname)),
                Some(self.new_guardian(Relation::Grandparent, surname)),
            ],
            4 => [Some(self.new_guardian(Relation::Grandparent, surname)), None],
            _ => [Some(self.new_guardian(Relation::Other, surname)), None],
        };
        Family { surname, guardians, grade, children: 0 }
    }

    /// A guardian of a child whose family name is `surname`; returns its index.
    fn new_guardian(&mut self, relation: Relation, surname: &'static str) -> usize {
        let (gender, generation, own_surname) = match relation {
            Relation::Father => (Gender::Male, Generation::Adult, surname),
            Relation::Mother => (Gender::Female, Generation::Adult, self.surnames.pick(&mut self.rng)),
            Relation::Grandparent => {
                // Paternal grandparents share the child's surname; grandmothers kept their own.
                if self.rng.random_bool(0.5) {
                    (Gender::Male, Generation::Elder, surname)
                } else {
                    (Gender::Female, Generation::Elder, self.surnames.pick(&mut self.rng))
                }
            }
            Relation::Other => {
                let gender = if self.rng.random_bool(0.5) { Gender::Male } else { Gender::Female };
                (gender, Generation::Adult, self.surnames.pick(&mut self.rng))
            }
        };
        let name = full_name(own_surname, gender, generation, &mut self.rng);
        let phone = self.phones.issue(&mut self.rng);
        self.roster.guardians.push(Guardian {
            id: format!("g-{:06}", self.roster.guardians.len() + 1),
            name,
            phone: Some(phone),
            students: Vec::with_capacity(1),
        });
        self.guardian_relation.push(relation);
        self.roster.guardians.len() - 1
    }
}
