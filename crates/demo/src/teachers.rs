//! Staffing: how many teachers each school needs for its classes, who they are, and who teaches what.

use chrono::NaiveDate;
use domain::{Gender, GrowthTier, Locality, Stage, Subject, Teacher, TeachingAssignment};
use rand::Rng;

use crate::Builder;
use crate::names::{Generation, full_name};
use crate::schools::{SCHOOL_YEAR_START, SchoolPlan};

/// How many classes one teacher of `subject` takes at `stage`.
///
/// 语数英 teachers take two classes (English one more in primary school, where it has few periods);
/// subjects with one or two periods a week are spread over many classes.
fn classes_per_teacher(stage: Stage, subject: Subject) -> f32 {
    use Subject::*;
    match (stage, subject) {
        (_, Chinese | Math) => 2.0,
        (Stage::Primary, English) => 4.0,
        (_, English) => 2.0,
        (Stage::Primary, Morality) => 4.0,
        (Stage::Primary, Science) => 4.0,
        (Stage::Primary, Pe) => 4.0,
        (Stage::Primary, Music | Art) => 6.0,
        (Stage::Primary, _) => 8.0,
        (Stage::Junior, Physics | Chemistry | Biology | History | Geography | Morality) => 4.0,
        (Stage::Junior, Pe) => 5.0,
        (Stage::Junior, _) => 8.0,
        (Stage::Senior, Physics | Chemistry | Biology | Politics) => 3.0,
        (Stage::Senior, History | Geography) => 4.0,
        (Stage::Senior, Pe) => 5.0,
        (Stage::Senior, _) => 9.0,
    }
}

/// Dedicated teachers for one subject at one stage of a school with `classes` classes.
///
/// 语数英 always get their own teachers (rounding up). Other subjects round down: where a school
/// is too small to fill a post, the subject is taken on by the class's other teachers (兼任), as in
/// small rural schools. Rural schools also spread each minor-subject teacher over more classes,
/// because they rarely have a specialist for every subject (结构性缺编).
fn dedicated_teachers(
    stage: Stage,
    subject_index: usize,
    subject: Subject,
    classes: usize,
    locality: Locality,
) -> usize {
    let mut per_teacher = classes_per_teacher(stage, subject);
    if subject_index >= 3 && locality == Locality::Rural {
        per_teacher *= 1.5;
    }
    let share = classes as f32 / per_teacher;
    if subject_index < 3 { (share.ceil() as usize).max(1) } else { share.floor() as usize }
}

/// Teachers of a 教学点: one per class up to three, every teacher covering several subjects (包班).
fn teaching_point_teachers(classes: usize) -> usize {
    classes.clamp(1, 3)
}

/// The teachers a school needs for its classes, before administrative posts.
pub(crate) fn needed(plan: &SchoolPlan) -> usize {
    if plan.is_teaching_point() {
        return teaching_point_teachers(plan.classes());
    }
    plan.kind
        .stages()
        .iter()
        .map(|&stage| {
            let classes = plan.stage_classes(stage);
            stage
                .subjects()
                .iter()
                .enumerate()
                .map(|(i, &s)| dedicated_teachers(stage, i, s, classes, plan.locality))
                .sum::<usize>()
        })
        .sum()
}

/// The share of women among teachers, by stage and subject; rural schools have somewhat more men.
fn female_share(stage: Stage, subject: Subject, locality: Locality) -> f64 {
    let base = match (stage, subject) {
        (_, Subject::Pe) => 0.3,
        (Stage::Primary, _) => 0.78,
        (_, Subject::Physics) => 0.38,
        (Stage::Junior, _) => 0.64,
        (Stage::Senior, _) => 0.55,
    };
    if locality == Locality::Rural { base - 0.12 } else { base }
}

/// Growth tiers with their share in percent: 新入职 15, 教坛新秀 25, 骨干 40, 卓越 15, 教育家型 5.
const TIERS: [(GrowthTier, u32, (i32, i32)); 5] = [
    (GrowthTier::Novice, 15, (22, 28)),
    (GrowthTier::RisingStar, 25, (25, 36)),
    (GrowthTier::Backbone, 40, (30, 52)),
    (GrowthTier::Excellent, 15, (36, 56)),
    (GrowthTier::Educator, 5, (42, 59)),
];

impl Builder {
    /// Creates one teacher of the school with `subject` as main subject and returns its index.
    fn new_teacher(
        &mut self,
        plan: &SchoolPlan,
        seq: &mut usize,
        stage: Stage,
        subject: Subject,
        senior: bool,
    ) -> usize {
        *seq += 1;
        let gender = if self.rng.random_bool(female_share(stage, subject, plan.locality)) {
            Gender::Female
        } else {
            Gender::Male
        };
        // Administrative posts go to experienced teachers; otherwise the tier follows the district mix.
        let roll = if senior { self.rng.random_range(40..100) } else { self.rng.random_range(0..100) };
        let mut acc = 0;
        let (tier, (min_age, max_age)) = TIERS
            .iter()
            .find(|(_, share, _)| {
                acc += share;
                roll < acc
            })
            .map_or((GrowthTier::Backbone, (30, 52)), |(t, _, ages)| (*t, *ages));
        let age = self.rng.random_range(min_age..=max_age);
        let year = SCHOOL_YEAR_START - age;
        let birth = crate::ids::random_date(
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
            &mut self.rng,
        );
        let surname = self.surnames.pick(&mut self.rng);
        let name = full_name(surname, gender, Generation::Adult, &mut self.rng);
        let id_number = self.id_numbers.issue(birth, gender);
        let phone = self.phones.issue(&mut self.rng);
        self.roster.teachers.push(Teacher {
            id: format!("t-{:04}-{:03}", plan.number, seq),
            school_id: plan.id(),
            name,
            gender,
            id_number: Some(id_number),
            phone: Some(phone),
            tier,
            subjects: vec![subject],
        });
        self.head_of.push(false);
        self.roster.teachers.len() - 1
    }

    /// Records that `teacher` teaches `subject` to `class`, adding the subject to their list.
    fn assign(&mut self, teacher: usize, class: usize, subject: Subject) {
        let t = &mut self.roster.teachers[teacher];
        if !t.subjects.contains(&subject) {
            t.subjects.push(subject);
        }
        self.roster.teaching_assignments.push(TeachingAssignment {
            teacher_id: t.id.clone(),
            class_id: self.roster.classes[class].id.clone(),
            subject,
        });
    }

    /// Staffs one school whose classes are `classes` (indices into the roster's classes, in grade
    /// order): subject teachers with their classes, a 班主任 for every class, then `admin`
    /// administrative posts that teach no class.
    pub(crate) fn staff_school(&mut self, plan: &SchoolPlan, classes: std::ops::Range<usize>, admin: usize) {
        let mut seq = 0;
        if plan.is_teaching_point() {
            self.staff_teaching_point(plan, classes, &mut seq);
            return;
        }
        let first_teacher = self.roster.teachers.len();
        for &stage in plan.kind.stages() {
            let stage_classes: Vec<usize> =
                classes.clone().filter(|&c| Stage::of_grade(self.roster.classes[c].grade) == Some(stage)).collect();
            let n = stage_classes.len();
            let subjects = stage.subjects();
            // Who teaches each subject of each class, by position in `subjects`.
            let mut taught_by: Vec<Vec<usize>> = vec![Vec::with_capacity(subjects.len()); n];
            for (si, &subject) in subjects.iter().enumerate() {
                let k = dedicated_teachers(stage, si, subject, n, plan.locality);
                if k > 0 {
                    // Contiguous runs, so a teacher mostly takes parallel classes of one grade.
                    let team: Vec<usize> =
                        (0..k).map(|_| self.new_teacher(plan, &mut seq, stage, subject, false)).collect();
                    for (ci, &class) in stage_classes.iter().enumerate() {
                        let teacher = team[ci * k / n];
                        self.assign(teacher, class, subject);
                        taught_by[ci].push(teacher);
                    }
                } else {
                    for (ci, &class) in stage_classes.iter().enumerate() {
                        let mine = &taught_by[ci];
                        let teacher = mine[(ci + si) % mine.len()];
                        self.assign(teacher, class, subject);
                        taught_by[ci].push(teacher);
                    }
                }
            }
            // 班主任: preferably a teacher of the class, in subject order (语文 first), who heads no
            // other class; else any free teacher of the school; a double post only as a last resort.
            let mut spare = first_teacher;
            for (ci, &class) in stage_classes.iter().enumerate() {
                let head = match taught_by[ci].iter().copied().find(|&t| !self.head_of[t]) {
                    Some(t) => t,
                    None => {
                        while spare < self.roster.teachers.len() && self.head_of[spare] {
                            spare += 1;
                        }
                        if spare < self.roster.teachers.len() { spare } else { taught_by[ci][0] }
                    }
                };
                self.head_of[head] = true;
                self.roster.classes[class].head_teacher_id = Some(self.roster.teachers[head].id.clone());
            }
        }
        let main_stage = plan.kind.stages().first().copied().unwrap_or(Stage::Primary);
        for _ in 0..admin {
            let subjects = main_stage.subjects();
            // Heads and directors come from the core subjects, which the first six of the stage are.
            let subject = subjects[self.rng.random_range(0..subjects.len().min(6))];
            self.new_teacher(plan, &mut seq, main_stage, subject, true);
        }
    }

    /// A 教学点's few teachers share all subjects of all its classes, one of them heading each class.
    fn staff_teaching_point(&mut self, plan: &SchoolPlan, classes: std::ops::Range<usize>, seq: &mut usize) {
        let n = classes.len();
        let k = teaching_point_teachers(n);
        let subjects = Stage::Primary.subjects();
        let team: Vec<usize> =
            (0..k).map(|i| self.new_teacher(plan, seq, Stage::Primary, subjects[i % 2], false)).collect();
        for (ci, class) in classes.enumerate() {
            for (si, &subject) in subjects.iter().enumerate() {
                self.assign(team[(ci + si) % k], class, subject);
            }
            let head = team[ci % k];
            self.head_of[head] = true;
            self.roster.classes[class].head_teacher_id = Some(self.roster.teachers[head].id.clone());
        }
    }
}
