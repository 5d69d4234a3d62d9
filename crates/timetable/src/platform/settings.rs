//! A school's timetabling conditions (排课条件) as its 教务 edits them, applied to the instance
//! derived from the roster and checked before any solve.
//!
//! Everything here is something the district model already expresses ([`crate::school`]):
//! teachers' and classes' unavailable periods, lessons per day, free periods per week, a subject
//! kept out of the last period or in one half of the day, a weekly count per class and subject,
//! double periods (连堂, a lesson of two periods) and elective blocks (走班, [`super::electives`]).
//! Settings name teachers and classes by roster
//! id and subjects by their code, so they survive re-deriving the instance; entries whose teacher,
//! class or subject the school no longer has are left out.

use std::collections::{BTreeMap, HashMap};

use domain::Subject;
use serde::{Deserialize, Serialize};

use super::SchoolPlan;
use super::electives::{self, ElectiveSetting};
use crate::school::{DayPeriod, Lesson, Period, Strength};

/// The weight of a wish (a condition that is preferred, not required), in percent.
pub const WISH_WEIGHT: f64 = 90.0;

/// Minutes between two periods above which a double lesson may not span them (lunch, not the
/// ten-minute or 大课间 breaks).
pub const LONG_BREAK: u16 = 30;

/// Clock time (minutes) from which a period belongs to the afternoon.
pub const NOON: u16 = 12 * 60;

/// Most lessons of one subject a class can have in a week.
pub const MAX_PER_WEEK: u16 = 20;

/// A school's conditions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Per teacher (roster id).
    #[serde(default)]
    pub teachers: BTreeMap<String, Limits>,
    /// Per class (roster id).
    #[serde(default)]
    pub classes: BTreeMap<String, Limits>,
    /// Per subject (its code), for every class of the school.
    #[serde(default)]
    pub subjects: BTreeMap<String, SubjectRule>,
    /// Per class and subject ([`lesson_key`]).
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonCount>,
    /// Elective blocks (走班).
    #[serde(default)]
    pub electives: Vec<ElectiveSetting>,
}

/// A teacher's or a class's limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// The name when saved, for summaries that do not read the roster.
    #[serde(default)]
    pub name: String,
    /// (day, period) of the school's week without lessons (教师不排课时间), sorted.
    #[serde(default)]
    pub unavailable: Vec<DayPeriod>,
    /// At most this many lessons (periods) a day.
    #[serde(default)]
    pub max_per_day: Option<u16>,
    /// At most this many free periods between lessons in the week (a wish for teachers, required
    /// for classes, as the model has it).
    #[serde(default)]
    pub max_gaps_per_week: Option<u16>,
}

impl Limits {
    /// Nothing set.
    pub fn is_empty(&self) -> bool {
        self.unavailable.is_empty() && self.max_per_day.is_none() && self.max_gaps_per_week.is_none()
    }
}

/// How strongly a condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A wish: the solver keeps it where it can.
    Prefer,
    /// Must hold.
    Require,
}

impl Level {
    /// The model's strength.
    pub fn strength(self) -> Strength {
        match self {
            Level::Prefer => Strength::Soft(WISH_WEIGHT),
            Level::Require => Strength::Hard,
        }
    }
}

/// Morning or afternoon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HalfDay {
    /// Periods starting before noon.
    Morning,
    /// Periods starting at or after noon.
    Afternoon,
}

impl HalfDay {
    fn holds(self, p: &Period) -> bool {
        (p.start < NOON) == (self == HalfDay::Morning)
    }
}

/// Rules for one subject in every class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubjectRule {
    /// Not in the last period of the day: `None` keeps the derived default (a 50 % wish for
    /// Chinese, maths and English), `Some(None)` drops it.
    #[serde(default)]
    pub not_last_period: Option<Option<Level>>,
    /// In one half of the day.
    #[serde(default)]
    pub half_day: Option<(HalfDay, Level)>,
}

/// A class's weekly lessons of one subject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonCount {
    /// The class's name when saved, for summaries that do not read the roster.
    #[serde(default)]
    pub class_name: String,
    /// Periods a week instead of the curriculum plan's (0: not this term).
    #[serde(default)]
    pub per_week: Option<u16>,
    /// Of those, this many pairs are taught as one double lesson (连堂).
    #[serde(default)]
    pub doubles: u16,
}

/// The key of a class's subject in [`Settings::lessons`].
pub fn lesson_key(class_id: &str, subject_code: &str) -> String {
    format!("{class_id}/{subject_code}")
}

/// The code of a plan lesson's subject (plans name subjects in Chinese).
pub fn subject_code(label: &str) -> String {
    Subject::parse(label).map(|s| s.code().to_owned()).unwrap_or_else(|_| label.to_owned())
}

/// Starts (day, period) of a lesson of `duration` periods in a school's week that keep it inside
/// `half` (when given) and, for a double lesson, off a long break.
fn starts(days: usize, periods: &[Period], duration: u16, half: Option<HalfDay>) -> Vec<DayPeriod> {
    let du = usize::from(duration.max(1));
    let fits = |q: usize| {
        let span = &periods[q..q + du];
        span.windows(2).all(|w| w[1].start.saturating_sub(w[0].end) <= LONG_BREAK)
            && half.is_none_or(|h| span.iter().all(|p| h.holds(p)))
    };
    let good: Vec<usize> = (0..periods.len().saturating_sub(du - 1)).filter(|&q| fits(q)).collect();
    (0..days).flat_map(|d| good.iter().map(move |&q| (d as u16, q as u16))).collect()
}

impl Settings {
    /// The plan with these conditions: limits on the school's own teachers and classes, weekly
    /// counts and double lessons, subject rules. Errors (each naming the teacher, class or subject
    /// and why, in Chinese and English) when a condition cannot hold whatever the solver does.
    pub fn apply(&self, plan: &SchoolPlan) -> Result<SchoolPlan, Vec<String>> {
        let mut out = plan.clone();
        let mut errors = Vec::new();
        let Some(school) = plan.district.schools.first() else { return Ok(out) };
        let (nd, np) = (school.days.len(), school.periods.len());
        let d = &mut out.district;
        let in_week = |(day, q): DayPeriod| usize::from(day) < nd && usize::from(q) < np;
        let cell = |(day, q): DayPeriod| {
            format!(
                "{}{}",
                school.days.get(usize::from(day)).map(String::as_str).unwrap_or("?"),
                school.periods.get(usize::from(q)).map(|p| p.name.as_str()).unwrap_or("?")
            )
        };
        let check_limits = |who: &str, name: &str, l: &Limits, errors: &mut Vec<String>| {
            if let Some(&bad) = l.unavailable.iter().find(|&&x| !in_week(x)) {
                errors.push(format!(
                    "{who} {name}：第 {} 天第 {} 节不在本校作息内 / {name}: day {} period {} is not in the school's week",
                    bad.0 + 1,
                    bad.1 + 1,
                    bad.0 + 1,
                    bad.1 + 1
                ));
            }
            if l.max_per_day == Some(0) {
                errors.push(format!(
                    "{who} {name}：每天最多节数至少为 1 / {name}: the most lessons a day must be at least 1"
                ));
            }
        };
        for (i, id) in plan.teacher_ids.iter().enumerate() {
            let (Some(l), Some(t)) = (self.teachers.get(id), d.teachers.get_mut(i)) else { continue };
            if t.school != 0 {
                continue;
            }
            check_limits("教师", &t.name, l, &mut errors);
            t.unavailable = l.unavailable.iter().copied().filter(|&x| in_week(x)).collect();
            t.max_lessons_per_day = l.max_per_day.filter(|&m| m > 0);
            t.max_gaps_per_week = l.max_gaps_per_week;
        }
        for (i, id) in plan.class_ids.iter().enumerate() {
            let (Some(l), Some(c)) = (self.classes.get(id), d.classes.get_mut(i)) else { continue };
            if c.school != 0 {
                continue;
            }
            check_limits("班级", &c.name, l, &mut errors);
            c.unavailable = l.unavailable.iter().copied().filter(|&x| in_week(x)).collect();
            c.max_lessons_per_day = l.max_per_day.filter(|&m| m > 0);
            c.max_gaps_per_week = l.max_gaps_per_week;
        }

        // Weekly counts and double lessons: a lesson of the plan becomes its singles, and its
        // doubles are appended (so the singles keep their keys).
        let mut doubles = Vec::new();
        let mut lessons = Vec::new();
        for l in std::mem::take(&mut d.lessons) {
            let code = subject_code(&l.subject);
            let class_id = plan.class_ids.get(l.class).map(String::as_str).unwrap_or("");
            let class_name = d.classes.get(l.class).map(|c| c.name.clone()).unwrap_or_default();
            let Some(count) = self.lessons.get(&lesson_key(class_id, &code)) else {
                lessons.push(l);
                continue;
            };
            let per_week = count.per_week.unwrap_or(l.per_week * l.duration.max(1));
            if per_week > MAX_PER_WEEK {
                errors.push(format!(
                    "{class_name} {}：每周 {per_week} 节太多（最多 {MAX_PER_WEEK}） / {class_name} {}: {per_week} lessons a week is more than {MAX_PER_WEEK}",
                    l.subject, l.subject
                ));
                lessons.push(l);
                continue;
            }
            if count.doubles * 2 > per_week {
                errors.push(format!(
                    "{class_name} {}：{} 次连堂需要 {} 节，但每周只有 {per_week} 节 / {class_name} {}: {} double lessons need {} periods but the week has {per_week}",
                    l.subject,
                    count.doubles,
                    count.doubles * 2,
                    l.subject,
                    count.doubles,
                    count.doubles * 2
                ));
                lessons.push(l);
                continue;
            }
            if count.doubles > 0 && starts(nd, &school.periods, 2, None).is_empty() {
                errors.push(format!(
                    "{class_name} {}：本校没有相连的两节课，无法连堂 / {class_name} {}: the school has no two periods in a row",
                    l.subject, l.subject
                ));
            }
            let singles = per_week - count.doubles * 2;
            if count.doubles > 0 {
                doubles.push(Lesson {
                    per_week: count.doubles,
                    duration: 2,
                    min_days_apart: (count.doubles >= 2).then_some((1, Strength::Soft(80.0))),
                    ..l.clone()
                });
            }
            if singles > 0 {
                lessons.push(Lesson {
                    per_week: singles,
                    duration: 1,
                    min_days_apart: (2..=5).contains(&singles).then_some((1, Strength::Soft(80.0))),
                    ..l
                });
            }
        }
        lessons.extend(doubles);

        // Subject rules, and double lessons kept off lunch.
        for l in &mut lessons {
            if d.classes.get(l.class).is_none_or(|c| c.school != 0) {
                continue;
            }
            let rule = self.subjects.get(&subject_code(&l.subject));
            if let Some(choice) = rule.and_then(|r| r.not_last_period) {
                l.not_last_period = choice.map(Level::strength);
            }
            let half = rule.and_then(|r| r.half_day);
            l.preferred = match (half, l.duration > 1) {
                (None, false) => None,
                (Some((h, level)), false) => Some((starts(nd, &school.periods, 1, Some(h)), level.strength())),
                // A lesson has one set of starts: a required half-day narrows the double's, a
                // wished-for one gives way to not spanning lunch.
                (Some((h, Level::Require)), true) => {
                    Some((starts(nd, &school.periods, l.duration, Some(h)), Strength::Hard))
                }
                (_, true) => Some((starts(nd, &school.periods, l.duration, None), Strength::Hard)),
            };
            if let Some((s, Strength::Hard)) = &l.preferred
                && s.is_empty()
            {
                let name = d.classes.get(l.class).map(|c| c.name.as_str()).unwrap_or("?");
                errors.push(format!(
                    "{name} {}：半天里没有可以上这节课的时间 / {name} {}: no period of that half of the day can hold the lesson",
                    l.subject, l.subject
                ));
            }
        }
        d.lessons = lessons;
        electives::apply(&self.electives, &mut out, &starts(nd, &school.periods, 2, None), &mut errors);
        errors.extend(capacity_errors(&out, &cell));
        if errors.is_empty() { Ok(out) } else { Err(errors) }
    }

    /// Drops empty entries, sorts unavailable periods and drops repeats.
    pub fn tidy(&mut self) {
        for l in self.teachers.values_mut().chain(self.classes.values_mut()) {
            l.unavailable.sort_unstable();
            l.unavailable.dedup();
        }
        self.teachers.retain(|_, l| !l.is_empty());
        self.classes.retain(|_, l| !l.is_empty());
        self.subjects.retain(|_, r| r.not_last_period.is_some() || r.half_day.is_some());
        self.lessons.retain(|_, c| c.per_week.is_some() || c.doubles > 0);
    }

    /// Nothing set.
    pub fn is_empty(&self) -> bool {
        self.teachers.is_empty()
            && self.classes.is_empty()
            && self.subjects.is_empty()
            && self.lessons.is_empty()
            && self.electives.is_empty()
    }
}

/// Periods a teacher or class must teach or attend, and the periods left to them: more of the
/// first than the second cannot be timetabled, so it is said before solving.
fn capacity_errors(plan: &SchoolPlan, cell: &dyn Fn(DayPeriod) -> String) -> Vec<String> {
    let d = &plan.district;
    let school = &d.schools[0];
    let (nd, np) = (school.days.len(), school.periods.len());
    let mut teacher_need: HashMap<usize, (u32, u16)> = HashMap::new();
    let mut class_need: HashMap<usize, (u32, u16)> = HashMap::new();
    // Hard half-day requirements per class: (required half, periods).
    let mut class_half: HashMap<(usize, bool), u32> = HashMap::new();
    let add = |m: &mut HashMap<usize, (u32, u16)>, who: usize, periods: u32, duration: u16| {
        let e = m.entry(who).or_default();
        e.0 += periods;
        e.1 = e.1.max(duration);
    };
    for l in &d.lessons {
        let periods = u32::from(l.per_week) * u32::from(l.duration.max(1));
        add(&mut teacher_need, l.teacher, periods, l.duration);
        add(&mut class_need, l.class, periods, l.duration);
        if let Some((starts, Strength::Hard)) = &l.preferred
            && let Some(&(_, q)) = starts.first()
            && l.duration == 1
        {
            let morning = school.periods.get(usize::from(q)).is_some_and(|p| p.start < NOON);
            *class_half.entry((l.class, morning)).or_default() += periods;
        }
    }
    for s in &d.shared_lessons {
        let periods = u32::from(s.per_week) * u32::from(s.duration.max(1));
        add(&mut teacher_need, s.teacher, periods, s.duration);
        for &c in std::iter::once(&s.lead_class).chain(&s.remote_classes) {
            add(&mut class_need, c, periods, s.duration);
        }
    }
    for b in &d.elective_blocks {
        let periods = u32::from(b.per_week) * u32::from(b.duration.max(1));
        for l in &b.lessons {
            add(&mut teacher_need, l.teacher, periods, b.duration);
            add(&mut class_need, l.group, periods, b.duration);
        }
        for &c in &b.classes {
            add(&mut class_need, c, periods, b.duration);
        }
    }
    let mut errors = Vec::new();
    let check = |who: &str, name: &str, unavailable: &[DayPeriod], max: Option<u16>, need: (u32, u16)| {
        let (need, longest) = need;
        let free_per_day: Vec<u32> = (0..nd)
            .map(|day| (0..np).filter(|&q| !unavailable.contains(&(day as u16, q as u16))).count() as u32)
            .collect();
        let free: u32 = free_per_day.iter().sum();
        if need > free {
            let shown: Vec<String> = unavailable.iter().take(6).map(|&x| cell(x)).collect();
            return Some(format!(
                "{who} {name} 每周有 {need} 节课，但除去不排课时间（{}{}）只剩 {free} 节可排 / {name} has {need} lessons a week but only {free} periods are left after the unavailable ones",
                shown.join("、"),
                if unavailable.len() > shown.len() { "…" } else { "" }
            ));
        }
        if let Some(m) = max {
            if m < longest {
                return Some(format!(
                    "{who} {name} 每天最多 {m} 节，放不下 {longest} 节连堂 / {name}: at most {m} a day cannot hold a double lesson"
                ));
            }
            let fit: u32 = free_per_day.iter().map(|&f| f.min(u32::from(m))).sum();
            if need > fit {
                return Some(format!(
                    "{who} {name} 每周有 {need} 节课，每天最多 {m} 节只能排 {fit} 节 / {name} has {need} lessons a week but at most {m} a day allows only {fit}"
                ));
            }
        }
        None
    };
    for (i, t) in d.teachers.iter().enumerate().filter(|(_, t)| t.school == 0) {
        if let Some(&need) = teacher_need.get(&i) {
            errors.extend(check("教师", &t.name, &t.unavailable, t.max_lessons_per_day, need));
        }
    }
    for (i, c) in d.classes.iter().enumerate().filter(|(_, c)| c.school == 0) {
        if let Some(&need) = class_need.get(&i) {
            errors.extend(check("班级", &c.name, &c.unavailable, c.max_lessons_per_day, need));
        }
        for morning in [true, false] {
            let Some(&need) = class_half.get(&(i, morning)) else { continue };
            let room = (0..nd)
                .flat_map(|day| (0..np).map(move |q| (day as u16, q as u16)))
                .filter(|&(day, q)| {
                    (school.periods[usize::from(q)].start < NOON) == morning && !c.unavailable.contains(&(day, q))
                })
                .count() as u32;
            if need > room {
                let (zh, en) = if morning { ("上午", "morning") } else { ("下午", "afternoon") };
                errors.push(format!(
                    "班级 {} 必须排在{zh}的课有 {need} 节，但{zh}只有 {room} 节 / class {} has {need} lessons required in the {en} but the {en} has {room} periods",
                    c.name, c.name
                ));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{Instance, plan_from_roster};

    fn plan() -> SchoolPlan {
        let roster = demo::district(&demo::DemoConfig { seed: 2026, scale: demo::Scale::Small });
        plan_from_roster(&roster, &roster.school_groups[0].lead_school_id).unwrap()
    }

    fn busiest_teacher(plan: &SchoolPlan) -> (usize, u32) {
        let mut need: HashMap<usize, u32> = HashMap::new();
        for l in &plan.district.lessons {
            *need.entry(l.teacher).or_default() += u32::from(l.per_week * l.duration);
        }
        need.into_iter().filter(|(t, _)| plan.district.teachers[*t].school == 0).max_by_key(|x| (x.1, x.0)).unwrap()
    }

    #[test]
    fn limits_and_subject_rules_reach_the_compiled_problem() {
        let plan = plan();
        let (t, _) = busiest_teacher(&plan);
        let mut s = Settings::default();
        s.teachers.insert(
            plan.teacher_ids[t].clone(),
            Limits { unavailable: vec![(0, 0), (0, 1)], max_per_day: Some(5), ..Limits::default() },
        );
        s.subjects.insert(
            "pe".into(),
            SubjectRule { half_day: Some((HalfDay::Afternoon, Level::Require)), ..Default::default() },
        );
        let applied = s.apply(&plan).unwrap();
        let inst = Instance::from_plan(&applied).unwrap();
        let name = &plan.district.teachers[t].name;
        assert!(
            inst.problem
                .constraints
                .iter()
                .any(|c| c.hard && c.label == format!("教师 {name} 不能上课的时间：周一第1节、周一第2节"))
        );
        assert!(inst.problem.constraints.iter().any(|c| c.hard && c.label == format!("教师 {name} 每天最多 5 节")));
        assert!(inst.problem.constraints.iter().any(|c| c.hard && c.label.ends_with("体育与健康 安排在指定时间")));
    }

    #[test]
    fn a_teacher_unavailable_too_often_is_refused_before_solving() {
        let plan = plan();
        let (t, need) = busiest_teacher(&plan);
        let school = &plan.district.schools[0];
        let all: Vec<DayPeriod> =
            (0..school.days.len() as u16).flat_map(|d| (0..school.periods.len() as u16).map(move |q| (d, q))).collect();
        let keep = need as usize - 1;
        let mut s = Settings::default();
        s.teachers
            .insert(plan.teacher_ids[t].clone(), Limits { unavailable: all[keep..].to_vec(), ..Limits::default() });
        let errors = s.apply(&plan).unwrap_err();
        let name = &plan.district.teachers[t].name;
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("教师 {name} 每周有 {need} 节课"))
                    && e.contains(&format!("只剩 {keep} 节"))),
            "{errors:?}"
        );
        // One more free period and it fits.
        s.teachers.get_mut(&plan.teacher_ids[t]).unwrap().unavailable = all[keep + 1..].to_vec();
        assert!(s.apply(&plan).is_ok());
    }

    #[test]
    fn counts_and_double_lessons_keep_the_singles_keys() {
        let plan = plan();
        let l = plan
            .district
            .lessons
            .iter()
            .find(|l| l.per_week >= 4 && plan.district.classes[l.class].school == 0)
            .unwrap();
        let class_id = plan.class_ids[l.class].clone();
        let code = subject_code(&l.subject);
        let mut s = Settings::default();
        s.lessons
            .insert(lesson_key(&class_id, &code), LessonCount { per_week: Some(6), doubles: 1, ..Default::default() });
        let before = Instance::from_plan(&plan).unwrap();
        let after = Instance::from_plan(&s.apply(&plan).unwrap()).unwrap();
        let of = |inst: &Instance| -> Vec<(String, u16)> {
            inst.keys
                .iter()
                .zip(&inst.problem.activities)
                .filter(|(k, _)| k.starts_with(&format!("{class_id}/{}/", l.subject)))
                .map(|(k, a)| (k.clone(), a.duration))
                .collect()
        };
        let b = of(&before);
        let a = of(&after);
        assert_eq!(a.iter().map(|x| u32::from(x.1)).sum::<u32>(), 6);
        assert_eq!(a.iter().filter(|x| x.1 == 2).count(), 1);
        assert_eq!(&a[..b.len().min(4)], &b[..b.len().min(4)], "the singles keep their keys");
        let keys: std::collections::HashSet<&String> = after.keys.iter().collect();
        assert_eq!(keys.len(), after.keys.len(), "keys stay unique");
        // Too many doubles for the count is refused with the class and subject.
        s.lessons
            .insert(lesson_key(&class_id, &code), LessonCount { per_week: Some(3), doubles: 2, ..Default::default() });
        let errors = s.apply(&plan).unwrap_err();
        assert!(errors[0].contains("2 次连堂需要 4 节"), "{errors:?}");
    }

    #[test]
    fn double_lessons_do_not_span_lunch() {
        let plan = plan();
        let periods = &plan.district.schools[0].periods;
        let s = starts(5, periods, 2, None);
        assert!(!s.is_empty());
        for &(_, q) in &s {
            let (a, b) = (&periods[usize::from(q)], &periods[usize::from(q) + 1]);
            assert!(b.start - a.end <= LONG_BREAK, "{} → {}", a.name, b.name);
        }
        assert!(
            starts(5, periods, 1, Some(HalfDay::Morning)).iter().all(|&(_, q)| periods[usize::from(q)].start < NOON)
        );
    }
}
