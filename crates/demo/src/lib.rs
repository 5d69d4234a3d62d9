//! Deterministic generation of a realistic demo district at real-district scale, as domain values.
//!
//! It writes nothing itself: callers hand the returned [`Roster`] and [`Curriculum`] to a store.
//! The same [`DemoConfig`] gives the same roster on every machine: all randomness comes from one
//! `ChaCha8Rng` seeded with [`DemoConfig::seed`], and nothing reads the clock.

pub mod accounts;
pub mod bank;
mod curriculum;
mod error;
pub mod history;
mod ids;
mod names;
mod schools;
mod students;
mod teachers;

use domain::{Class, Curriculum, Relation, Roster, School};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use accounts::{DemoAccounts, DemoLogin, accounts};
pub use error::DemoError;

/// How big a district to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// A real district: 140 schools, ~9,400 teachers, ~137,000 students.
    Full,
    /// A handful of schools of every kind, a few thousand people: for tests and browser checks.
    Small,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// Same seed, same district, on every machine.
    pub seed: u64,
    pub scale: Scale,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig { seed: 2026, scale: Scale::Full }
    }
}

/// Teachers per pupil the staffing aims at: 9,400 teachers for 137,000 pupils, close to the
/// national 生师比 of the three stages weighted by their enrolment.
const TEACHERS_PER_MILLION_PUPILS: usize = 9_400_000 / 137;

/// Generates the district's roster.
///
/// Full scale: 江南省 › 临江市 › 青山区 with 140 schools (20 of them 教学点), 12 school groups,
/// about 137,000 pupils and 9,400 teachers. Small scale: six schools of every kind, two groups,
/// about 2,400 pupils.
pub fn district(config: &DemoConfig) -> Roster {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let schools::Layout { plans, groups } = schools::layout(config.scale, &mut rng);
    let plans = &plans;

    let pupils: usize = plans.iter().map(schools::SchoolPlan::students).sum();
    let class_count: usize = plans.iter().map(schools::SchoolPlan::classes).sum();
    let target_teachers = (pupils * TEACHERS_PER_MILLION_PUPILS).div_ceil(1_000_000);
    let admin = administrative_posts(plans, target_teachers);

    let mut b = Builder::new(rng);
    b.roster.regions = schools::regions();
    b.roster.school_years = vec![schools::school_year()];
    b.roster.school_groups = groups;
    b.roster.schools = plans.iter().map(school).collect();
    b.roster.classes.reserve(class_count);
    b.roster.teachers.reserve(target_teachers + 100);
    b.roster.students.reserve(pupils);
    b.roster.guardians.reserve(pupils * 7 / 4);
    b.roster.teaching_assignments.reserve(class_count * 13);
    for (plan, admin) in plans.iter().zip(admin) {
        let classes = b.add_classes(plan);
        b.staff_school(plan, classes.clone(), admin);
        b.enrol_school(plan, classes);
    }
    b.roster
}

/// The built-in curriculum frame (小学/初中/高中 main subjects), usable without `../shared`.
///
/// The frame is a table compiled into the crate; it is parsed on first use and cloned after.
pub fn curriculum() -> Curriculum {
    curriculum::builtin().clone()
}

/// Generation state shared by the school, staff and pupil steps.
pub(crate) struct Builder {
    rng: ChaCha8Rng,
    surnames: names::Surnames,
    id_numbers: ids::IdNumbers,
    phones: ids::Phones,
    roster: Roster,
    /// Parallel to `roster.teachers`: already a 班主任.
    head_of: Vec<bool>,
    /// Parallel to `roster.guardians`: how the guardian is related to the children of the family.
    guardian_relation: Vec<Relation>,
}

impl Builder {
    fn new(mut rng: ChaCha8Rng) -> Self {
        let phones = ids::Phones::new(&mut rng);
        Builder {
            rng,
            surnames: names::Surnames::new(),
            id_numbers: ids::IdNumbers::new(schools::DISTRICT.0),
            phones,
            roster: Roster::default(),
            head_of: Vec::new(),
            guardian_relation: Vec::new(),
        }
    }

    /// Adds the school's classes, e.g. `七年级(3)班`, and returns their index range.
    fn add_classes(&mut self, plan: &schools::SchoolPlan) -> std::ops::Range<usize> {
        let start = self.roster.classes.len();
        let school_id = plan.id();
        for (grade, sizes) in &plan.grades {
            for n in 1..=sizes.len() {
                self.roster.classes.push(Class {
                    id: format!("cls-{:04}-{grade:02}-{n:02}", plan.number),
                    school_id: school_id.clone(),
                    school_year_id: schools::SCHOOL_YEAR_ID.to_owned(),
                    grade: *grade,
                    name: format!("{}({n})班", domain::org::grade_label_zh(*grade)),
                    head_teacher_id: None,
                });
            }
        }
        start..self.roster.classes.len()
    }
}

fn school(plan: &schools::SchoolPlan) -> School {
    School {
        id: plan.id(),
        region_id: format!("r-{}", schools::DISTRICT.0),
        code: plan.code.clone(),
        name: plan.name.clone(),
        kind: plan.kind,
        locality: plan.locality,
        central_school_id: plan.central.map(|c| schools::school_id(c + 1)),
    }
}

/// Administrative posts (校长, 教导主任 …) per school: whatever the district's staffing target
/// leaves after the teaching posts, spread over the schools by their number of classes.
/// 教学点 are run from their central school and get none.
fn administrative_posts(plans: &[schools::SchoolPlan], target: usize) -> Vec<usize> {
    let teaching: usize = plans.iter().map(teachers::needed).sum();
    let deficit = target.saturating_sub(teaching);
    let weight = |p: &schools::SchoolPlan| if p.is_teaching_point() { 0 } else { p.classes() };
    let total: usize = plans.iter().map(weight).sum::<usize>().max(1);
    let mut posts: Vec<usize> = plans.iter().map(|p| deficit * weight(p) / total).collect();
    // Largest remainders first, ties by school order, so the sum is exact and deterministic.
    let mut order: Vec<usize> = (0..plans.len()).filter(|&i| weight(&plans[i]) > 0).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(deficit * weight(&plans[i]) % total));
    let left = deficit - posts.iter().sum::<usize>();
    for &i in order.iter().take(left) {
        posts[i] += 1;
    }
    posts
}
