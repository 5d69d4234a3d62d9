//! The platform's side of timetabling, still pure: a school's instance derived from the district
//! roster (weekly lesson counts per grade and subject, bell times per kind of school, one home
//! room per class, 专递课堂 lessons from school groups), the instance as the pages see it
//! (activities with stable keys, the school's own classes, teachers and rooms, shared lessons
//! marked), stored placements and pins; moves by hand are in the `moves` module.
//!
//! A shared lesson appears in both schools' instances: the lead school's instance holds the lead
//! lesson and the partner class's linked lesson (with the partner's bell times), the partner's
//! instance the same two. Whichever school solves second has the other school's side pinned at
//! the stored time, so both timetables hold the lesson at the same real time.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::{Locality, Roster, SchoolKind, Subject};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TimetableError};
use crate::fet::{self, ImportOptions};
use crate::model::{Placement, Problem, Slot, Timetable};
use crate::school::{Class, District, Lesson, Origin, Period, School, SchoolRoom, SharedLesson, Strength, Teacher};
use crate::solve::SolveConfig;

pub mod electives;
mod moves;
pub mod settings;

pub use moves::{MoveOption, MoveVerdict, MovedLesson, OptionKind, Place};

/// The teaching days of every demo and roster-derived school.
pub const DAYS: [&str; 5] = ["周一", "周二", "周三", "周四", "周五"];

/// Weekly lessons of `subject` in `grade` (1–12), after the national curriculum plan
/// (义务教育课程方案 2022, 普通高中课程方案): 0 when the subject is not taught in that grade.
pub fn weekly_lessons(grade: u8, subject: Subject) -> u16 {
    use Subject::*;
    match (grade, subject) {
        (1..=2, Chinese) => 8,
        (1..=2, Math) => 4,
        (1..=2, Morality) => 2,
        (1..=2, Science) => 1,
        (1..=2, Music | Art) => 2,
        (1..=2, Pe) => 4,
        (1..=2, English | It) => 0,
        (3..=6, Chinese) => 6,
        (3..=6, Math) => 5,
        (3..=6, English) => 3,
        (3..=6, Morality | Science | Music | Art) => 2,
        (3..=6, Pe) => 3,
        (3..=6, It) => 1,
        (7..=9, Chinese | Math) => 5,
        (7..=9, English) => 4,
        (7, Physics | Chemistry) => 0,
        (8, Chemistry) => 0,
        (7..=9, Physics | Chemistry) => 3,
        (7..=9, Biology | History | Geography | Morality) => 2,
        (7..=9, Pe) => 3,
        (7..=9, Music | Art | It) => 1,
        (10..=12, Chinese | Math | English) => 5,
        (10..=12, Physics | Chemistry) => 3,
        (10..=12, Biology | History | Geography | Politics | Pe) => 2,
        (10..=12, Music | Art | It) => 1,
        _ => 0,
    }
}

/// Bell times of a kind of school: primary schools have six 40-minute periods, secondary schools
/// eight 45-minute ones; rural schools start 20 minutes later (pupils walk further).
pub fn bell_times(kind: SchoolKind, locality: Locality) -> Vec<Period> {
    let (count, length, start) = match kind {
        SchoolKind::Primary => (6u16, 40u16, 8 * 60 + 10),
        _ => (8, 45, 8 * 60),
    };
    let start = if locality == Locality::Rural { start + 20 } else { start };
    let mut out = Vec::new();
    let mut t: u16 = start;
    for q in 0..count {
        // A long break after the second period, lunch after the fourth.
        if q == 2 {
            t += 20;
        } else if q == 4 {
            t += if kind == SchoolKind::Primary { 110 } else { 120 };
        } else if q > 0 {
            t += 10;
        }
        out.push(Period { name: format!("第{}节", q + 1), start: t, end: t + length });
        t += length;
    }
    out
}

/// "08:05" for minutes after midnight.
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A school term: its id and first and last day as (year, month, day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    /// "2026-2027-1": the school year and the term (1 autumn, 2 spring).
    pub id: String,
    /// First teaching day.
    pub start: (i32, u32, u32),
    /// Last teaching day.
    pub end: (i32, u32, u32),
}

/// The term a date (year, month) falls in: the autumn term runs 1 September – 20 January, the
/// spring term 20 February – 10 July (the summer belongs to the spring term before it).
pub fn term_of(year: i32, month: u32) -> Term {
    if month >= 8 {
        Term { id: format!("{year}-{}-1", year + 1), start: (year, 9, 1), end: (year + 1, 1, 20) }
    } else if month == 1 {
        Term { id: format!("{}-{year}-1", year - 1), start: (year - 1, 9, 1), end: (year, 1, 20) }
    } else {
        Term { id: format!("{}-{year}-2", year - 1), start: (year, 2, 20), end: (year, 7, 10) }
    }
}

/// A school's instance as stored: the district model (school 0 is this school, the others are
/// partners of its shared lessons, each with only the classes, teachers and rooms the shared
/// lessons need) and the ids behind its entries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SchoolPlan {
    /// The school this instance is for.
    pub school_id: String,
    /// The model; `district.schools[0]` is this school.
    pub district: District,
    /// Roster ids of `district.schools`.
    pub school_ids: Vec<String>,
    /// Roster ids of `district.classes`.
    pub class_ids: Vec<String>,
    /// Roster ids of `district.teachers`.
    pub teacher_ids: Vec<String>,
    /// Stable ids of `district.shared_lessons` (the same in both schools' plans).
    pub shared_ids: Vec<String>,
    /// Stable ids of `district.elective_blocks` (set by the school's conditions).
    #[serde(default)]
    pub elective_ids: Vec<String>,
}

/// The name of a class's home room (one per class, derived from the roster).
pub fn home_room_name(class_name: &str) -> String {
    format!("{class_name}教室")
}

/// One 专递课堂 lesson between a lead school and a partner school, as derived from a school group.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SharedSpec {
    id: String,
    lead_school: String,
    partner_school: String,
    teacher: String,
    lead_class: String,
    remote_class: String,
    subject: Subject,
}

/// Subjects a lead school typically delivers to its rural partners, most typical first.
const SHARED_SUBJECTS: [Subject; 5] = [Subject::Music, Subject::Art, Subject::English, Subject::Science, Subject::It];

/// The shared lessons of every school group: for each member, the lowest grade both schools
/// teach, the first class of that grade on each side, and the first subject of [`SHARED_SUBJECTS`]
/// the lead class is taught (by its teacher) that the partner class also has in its week.
fn shared_specs(roster: &Roster) -> Vec<SharedSpec> {
    let mut out = Vec::new();
    for g in &roster.school_groups {
        for member in &g.member_school_ids {
            let first_class = |school: &str, grade: u8| {
                roster.classes.iter().filter(|c| c.school_id == school && c.grade == grade).min_by_key(|c| &c.id)
            };
            let grades = |school: &str| -> Vec<u8> {
                let mut v: Vec<u8> = roster.classes.iter().filter(|c| c.school_id == school).map(|c| c.grade).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            let theirs = grades(member);
            let Some(grade) = grades(&g.lead_school_id).into_iter().find(|x| theirs.contains(x)) else { continue };
            let (Some(lead), Some(remote)) = (first_class(&g.lead_school_id, grade), first_class(member, grade)) else {
                continue;
            };
            let pick = SHARED_SUBJECTS.iter().find_map(|&s| {
                if weekly_lessons(grade, s) == 0 {
                    return None;
                }
                roster
                    .teaching_assignments
                    .iter()
                    .filter(|a| a.class_id == lead.id && a.subject == s)
                    .min_by_key(|a| &a.teacher_id)
                    .map(|a| (s, a.teacher_id.clone()))
            });
            let Some((subject, teacher)) = pick else { continue };
            out.push(SharedSpec {
                id: format!("{}:{}:{}", g.id, remote.id, subject.code()),
                lead_school: g.lead_school_id.clone(),
                partner_school: member.clone(),
                teacher,
                lead_class: lead.id.clone(),
                remote_class: remote.id.clone(),
                subject,
            });
        }
    }
    out
}

/// Derives a school's timetabling instance from the roster: its classes with their teaching
/// assignments (weekly counts from [`weekly_lessons`], at least one for a subject the roster
/// assigns), its bell times, one home room per class, and its 专递课堂 lessons with partner schools
/// (one weekly lesson of the subject moves from the ordinary week into the shared lesson).
pub fn plan_from_roster(roster: &Roster, school_id: &str) -> Result<SchoolPlan> {
    let Some(school) = roster.schools.iter().find(|s| s.id == school_id) else {
        return Err(TimetableError::Model(format!("学校 {school_id} 不存在 / no school {school_id}")));
    };
    let mut b = Builder::default();
    let shared: Vec<SharedSpec> = shared_specs(roster)
        .into_iter()
        .filter(|s| s.lead_school == school_id || s.partner_school == school_id)
        .collect();
    b.school(roster, school_id);
    let mut classes: Vec<&domain::Class> = roster.classes.iter().filter(|c| c.school_id == school_id).collect();
    classes.sort_by(|a, c| (a.grade, &a.name, &a.id).cmp(&(c.grade, &c.name, &c.id)));
    if classes.is_empty() {
        return Err(TimetableError::Model(format!("{} 没有班级 / {} has no classes", school.name, school.name)));
    }
    let remote_classes: HashSet<&str> = shared.iter().map(|s| s.remote_class.as_str()).collect();
    for c in &classes {
        b.class(roster, c, remote_classes.contains(c.id.as_str()));
    }
    // Ordinary lessons, one per (class, subject), minus the lessons that became shared.
    let mut seen = HashSet::new();
    let mut assignments: Vec<&domain::TeachingAssignment> =
        roster.teaching_assignments.iter().filter(|a| b.class_index.contains_key(&a.class_id)).collect();
    assignments.sort_by(|a, c| {
        (&a.class_id, a.subject.code(), &a.teacher_id).cmp(&(&c.class_id, c.subject.code(), &c.teacher_id))
    });
    for a in assignments {
        if !seen.insert((a.class_id.clone(), a.subject)) {
            continue;
        }
        let Some(class) = classes.iter().find(|c| c.id == a.class_id) else { continue };
        let mut per_week = weekly_lessons(class.grade, a.subject).max(1);
        per_week -= shared
            .iter()
            .filter(|s| s.subject == a.subject && (s.lead_class == a.class_id || s.remote_class == a.class_id))
            .count()
            .min(usize::from(per_week)) as u16;
        if per_week == 0 {
            continue;
        }
        let Some(t) = roster.teachers.iter().find(|t| t.id == a.teacher_id) else { continue };
        let teacher = b.teacher(t, 0);
        let ci = b.class_index[&a.class_id];
        let main = matches!(a.subject, Subject::Chinese | Subject::Math | Subject::English);
        b.district.lessons.push(Lesson {
            subject: a.subject.label_zh().to_owned(),
            teacher,
            class: ci,
            per_week,
            duration: 1,
            room_kind: Some(b.district.rooms[b.home_room[ci]].kind.clone()),
            min_days_apart: (2..=5).contains(&per_week).then_some((1, Strength::Soft(80.0))),
            preferred: None,
            not_last_period: main.then_some(Strength::Soft(50.0)),
        });
    }
    // Shared lessons: the other school's pieces come in with its bell times.
    for s in &shared {
        let other = if s.lead_school == school_id { &s.partner_school } else { &s.lead_school };
        let other_index = b.school(roster, other);
        let class_of = |id: &str| roster.classes.iter().find(|c| c.id == id);
        let (Some(lead), Some(remote)) = (class_of(&s.lead_class), class_of(&s.remote_class)) else { continue };
        let Some(t) = roster.teachers.iter().find(|t| t.id == s.teacher) else { continue };
        let lead_index =
            if s.lead_school == school_id { b.class_index[&lead.id] } else { b.class(roster, lead, false) };
        let remote_index =
            if s.partner_school == school_id { b.class_index[&remote.id] } else { b.class(roster, remote, true) };
        let teacher = b.teacher(t, if s.lead_school == school_id { 0 } else { other_index });
        b.district.shared_lessons.push(SharedLesson {
            subject: s.subject.label_zh().to_owned(),
            teacher,
            lead_class: lead_index,
            remote_classes: vec![remote_index],
            per_week: 1,
            duration: 1,
        });
        b.shared_ids.push(s.id.clone());
    }
    Ok(SchoolPlan {
        school_id: school_id.to_owned(),
        district: b.district,
        school_ids: b.school_ids,
        class_ids: b.class_ids,
        teacher_ids: b.teacher_ids,
        shared_ids: b.shared_ids,
        elective_ids: Vec::new(),
    })
}

#[derive(Default)]
struct Builder {
    district: District,
    school_ids: Vec<String>,
    class_ids: Vec<String>,
    teacher_ids: Vec<String>,
    shared_ids: Vec<String>,
    class_index: HashMap<String, usize>,
    teacher_index: HashMap<String, usize>,
    home_room: Vec<usize>,
}

impl Builder {
    fn school(&mut self, roster: &Roster, id: &str) -> usize {
        if let Some(i) = self.school_ids.iter().position(|s| s == id) {
            return i;
        }
        let (name, kind, locality) = roster
            .schools
            .iter()
            .find(|s| s.id == id)
            .map(|s| (s.name.clone(), s.kind, s.locality))
            .unwrap_or_else(|| (id.to_owned(), SchoolKind::Junior, Locality::Urban));
        self.district.schools.push(School {
            name,
            days: DAYS.iter().map(|d| (*d).to_owned()).collect(),
            periods: bell_times(kind, locality),
        });
        self.school_ids.push(id.to_owned());
        self.school_ids.len() - 1
    }

    fn class(&mut self, roster: &Roster, c: &domain::Class, equipment: bool) -> usize {
        if let Some(&i) = self.class_index.get(&c.id) {
            return i;
        }
        let school = self.school(roster, &c.school_id);
        let size = roster.students.iter().filter(|s| s.class_id == c.id).count() as u32;
        let name =
            if school == 0 { c.name.clone() } else { format!("{} {}", self.district.schools[school].name, c.name) };
        let room_name = home_room_name(&name);
        self.district.rooms.push(SchoolRoom {
            name: room_name.clone(),
            school,
            kind: room_name,
            // A classroom seats a class of up to 55 (above that is a 大班额), so a 走班 group
            // made of parts of several classes fits in one.
            capacity: size.max(55),
            delivery_equipment: equipment,
        });
        self.home_room.push(self.district.rooms.len() - 1);
        self.district.classes.push(Class { name, school, size, ..Class::default() });
        self.class_ids.push(c.id.clone());
        self.class_index.insert(c.id.clone(), self.class_ids.len() - 1);
        self.class_ids.len() - 1
    }

    fn teacher(&mut self, t: &domain::Teacher, school: usize) -> usize {
        if let Some(&i) = self.teacher_index.get(&t.id) {
            return i;
        }
        self.district.teachers.push(Teacher { name: t.name.clone(), school, ..Teacher::default() });
        self.teacher_ids.push(t.id.clone());
        self.teacher_index.insert(t.id.clone(), self.teacher_ids.len() - 1);
        self.teacher_ids.len() - 1
    }
}

/// A school's week as the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolWeek {
    /// Roster id (or the id the FET file was imported for).
    pub id: String,
    /// Name.
    pub name: String,
    /// Day names.
    pub days: Vec<String>,
    /// Periods with clock times (FET files have none: a 55-minute grid from 08:00 stands in).
    pub periods: Vec<Period>,
}

/// How an activity takes part in a shared lesson.
#[derive(Debug, Clone, Serialize)]
pub struct SharedMark {
    /// The shared lesson's stable id.
    pub id: String,
    /// This activity is the lead lesson (the teacher's room); otherwise a partner class's.
    pub lead: bool,
    /// Index into [`Instance::schools`] of the lead school.
    pub lead_school: usize,
    /// Index into [`Instance::schools`] of the partner school.
    pub partner_school: usize,
    /// The delivering teacher.
    pub teacher: String,
}

/// How an activity takes part in an elective block (走班).
#[derive(Debug, Clone, Serialize)]
pub struct ElectiveMark {
    /// The block's name.
    pub block: String,
    /// Student sets (index into the problem) of the classes the block takes whole: their
    /// timetables show the block rather than one group's lesson.
    pub classes: Vec<u32>,
    /// The groups in a line ("物理 张老师、历史 李老师").
    pub groups: String,
}

/// A school's instance ready for the solver, the checker and the pages.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The core problem.
    pub problem: Problem,
    /// A stable key per activity (survives re-deriving the instance).
    pub keys: Vec<String>,
    /// Per activity: index into `schools` of the school whose week it is in.
    pub school_of: Vec<usize>,
    /// Per activity: its part in a shared lesson.
    pub shared: Vec<Option<SharedMark>>,
    /// Per activity: its elective block.
    pub elective: Vec<Option<ElectiveMark>>,
    /// This school (index 0) and its partners.
    pub schools: Vec<SchoolWeek>,
    /// Student sets (classes) of this school: index into `problem.student_sets`.
    pub classes: Vec<u32>,
    /// Teachers of this school: index into `problem.teachers`.
    pub teachers: Vec<u32>,
    /// Rooms of this school: index into `problem.rooms`.
    pub rooms: Vec<u32>,
}

impl Instance {
    /// The instance of a roster-derived plan.
    pub fn from_plan(plan: &SchoolPlan) -> Result<Instance> {
        let compiled = plan.district.compile()?;
        let d = &plan.district;
        let mut keys = Vec::with_capacity(compiled.origins.len());
        let mut shared = Vec::with_capacity(compiled.origins.len());
        let mut elective = Vec::with_capacity(compiled.origins.len());
        let mut school_of = Vec::with_capacity(compiled.origins.len());
        // A class's lessons of one subject are numbered across the plan's entries, so a subject
        // taught as singles and doubles (two entries) keeps one key per lesson.
        let mut numbered: HashMap<(usize, &str), u16> = HashMap::new();
        for &(origin, school) in &compiled.origins {
            school_of.push(school);
            match origin {
                Origin::Lesson { index, nth: _ } => {
                    let l = &d.lessons[index];
                    let n = numbered.entry((l.class, l.subject.as_str())).or_default();
                    *n += 1;
                    keys.push(format!("{}/{}/{}", plan.class_ids[l.class], l.subject, n));
                    shared.push(None);
                    elective.push(None);
                }
                Origin::Shared { index, nth, remote } => {
                    let sl = &d.shared_lessons[index];
                    let id = plan.shared_ids.get(index).cloned().unwrap_or_else(|| format!("shared-{index}"));
                    let side = match remote {
                        None => "lead".to_owned(),
                        Some(c) => plan.class_ids[c].clone(),
                    };
                    keys.push(format!("shared/{id}/{}/{side}", nth + 1));
                    let lead_school = d.classes[sl.lead_class].school;
                    let partner_school = sl.remote_classes.first().map(|&c| d.classes[c].school).unwrap_or(lead_school);
                    shared.push(Some(SharedMark {
                        id,
                        lead: remote.is_none(),
                        lead_school,
                        partner_school,
                        teacher: d.teachers[sl.teacher].name.clone(),
                    }));
                    elective.push(None);
                }
                Origin::Elective { index, nth, lesson } => {
                    let b = &d.elective_blocks[index];
                    let id = plan.elective_ids.get(index).cloned().unwrap_or_else(|| index.to_string());
                    keys.push(format!("elective/{id}/{}/{lesson}", nth + 1));
                    shared.push(None);
                    let groups: Vec<String> =
                        b.lessons.iter().map(|l| format!("{} {}", l.subject, d.teachers[l.teacher].name)).collect();
                    elective.push(Some(ElectiveMark {
                        block: b.name.clone(),
                        // The block's classes are held by its first group's lesson (see `compile`).
                        classes: if lesson == 0 { b.classes.iter().map(|&c| c as u32).collect() } else { Vec::new() },
                        groups: groups.join("、"),
                    }));
                }
            }
        }
        let schools = d
            .schools
            .iter()
            .zip(&plan.school_ids)
            .map(|(s, id)| SchoolWeek {
                id: id.clone(),
                name: s.name.clone(),
                days: s.days.clone(),
                periods: s.periods.clone(),
            })
            .collect();
        let own = |school: usize| school == 0;
        Ok(Instance {
            keys,
            school_of,
            shared,
            elective,
            schools,
            classes: (0..d.classes.len()).filter(|&i| own(d.classes[i].school)).map(|i| i as u32).collect(),
            teachers: (0..d.teachers.len()).filter(|&i| own(d.teachers[i].school)).map(|i| i as u32).collect(),
            rooms: (0..d.rooms.len()).filter(|&i| own(d.rooms[i].school)).map(|i| i as u32).collect(),
            problem: compiled.problem,
        })
    }

    /// The instance of a FET file imported for a school. Unsupported soft constraints are
    /// skipped only when `ignore_unsupported_soft`; everything else unsupported is refused.
    pub fn from_fet(school_id: &str, school_name: &str, xml: &str, ignore_unsupported_soft: bool) -> Result<Instance> {
        let imported = fet::import(xml, ImportOptions { ignore_unsupported_soft })?;
        let p = imported.problem;
        if p.activities.is_empty() {
            return Err(TimetableError::BadInput { line: 0, message: "the file has no active activities".into() });
        }
        let periods = p
            .periods
            .iter()
            .enumerate()
            .map(|(q, name)| {
                let start = 8 * 60 + 55 * q as u16;
                Period { name: name.clone(), start, end: start + 45 }
            })
            .collect();
        Ok(Instance {
            keys: p.activities.iter().map(|a| format!("fet/{}", a.id)).collect(),
            school_of: vec![0; p.activities.len()],
            shared: vec![None; p.activities.len()],
            elective: vec![None; p.activities.len()],
            schools: vec![SchoolWeek {
                id: school_id.to_owned(),
                name: school_name.to_owned(),
                days: p.days.clone(),
                periods,
            }],
            classes: (0..p.student_sets.len() as u32).collect(),
            teachers: (0..p.teachers.len() as u32).collect(),
            rooms: (0..p.rooms.len() as u32).collect(),
            problem: p,
        })
    }

    /// Grid periods per day (the most periods any of the instance's schools has).
    pub fn grid_periods(&self) -> usize {
        self.problem.periods.len().max(1)
    }

    /// The grid slot of a (day, period) of the instance's grid.
    pub fn slot(&self, day: u16, period: u16) -> Slot {
        (usize::from(day) * self.grid_periods() + usize::from(period)) as Slot
    }

    /// (day, period) of a grid slot.
    pub fn day_period(&self, slot: Slot) -> (u16, u16) {
        let h = self.grid_periods();
        ((usize::from(slot) / h) as u16, (usize::from(slot) % h) as u16)
    }

    /// Clock times of an activity's start in its own school's bells.
    pub fn clock_of(&self, activity: usize, slot: Slot) -> Option<(u16, u16)> {
        let (_, q) = self.day_period(slot);
        let school = self.schools.get(*self.school_of.get(activity)?)?;
        let p = school.periods.get(usize::from(q))?;
        let dur = self.problem.activities.get(activity).map(|a| a.duration).unwrap_or(1).max(1);
        let last = school.periods.get(usize::from(q + dur - 1)).unwrap_or(p);
        Some((p.start, last.end))
    }

    /// Placements as stored (by key, with day and period), and the pinned flags.
    pub fn to_stored(&self, tt: &Timetable, pinned: &[bool]) -> Vec<StoredPlacement> {
        let mut out = Vec::new();
        for (i, pl) in tt.placements.iter().enumerate() {
            let Some(start) = pl.start else { continue };
            let (day, period) = self.day_period(start);
            out.push(StoredPlacement {
                key: self.keys[i].clone(),
                day,
                period,
                room: pl.room.and_then(|r| self.problem.rooms.get(r as usize)).map(|r| r.name.clone()),
                pinned: pinned.get(i).copied().unwrap_or(false),
            });
        }
        out
    }

    /// The timetable and pinned flags of stored placements; keys that no longer exist are dropped,
    /// activities without a stored placement stay unplaced.
    pub fn from_stored(&self, stored: &[StoredPlacement]) -> (Timetable, Vec<bool>) {
        let n = self.keys.len();
        let index: HashMap<&str, usize> = self.keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let rooms: HashMap<&str, u32> =
            self.problem.rooms.iter().enumerate().map(|(i, r)| (r.name.as_str(), i as u32)).collect();
        let mut tt = Timetable { placements: vec![Placement::default(); n] };
        let mut pinned = vec![false; n];
        let h = self.grid_periods();
        for s in stored {
            let Some(&i) = index.get(s.key.as_str()) else { continue };
            if usize::from(s.day) >= self.problem.days.len() || usize::from(s.period) >= h {
                continue;
            }
            tt.placements[i] = Placement {
                start: Some(self.slot(s.day, s.period)),
                room: s.room.as_deref().and_then(|r| rooms.get(r).copied()),
            };
            pinned[i] = s.pinned;
        }
        (tt, pinned)
    }

    /// The solver's configuration: pinned lessons stay where they are, and `fixed` (activity keys
    /// with a (day, period), e.g. the other school's side of a shared lesson as that school
    /// stored it) are pinned as well. Pins at a time the lesson can never take place are dropped
    /// and returned, in words, so the solve can go on and the 教务 is told.
    pub fn solve_config(
        &self,
        seed: u64,
        tt: &Timetable,
        pinned: &[bool],
        fixed: &HashMap<String, (u16, u16)>,
    ) -> (SolveConfig, Vec<String>) {
        let mut pins: BTreeMap<u32, Slot> = BTreeMap::new();
        for (i, pl) in tt.placements.iter().enumerate() {
            if pinned.get(i).copied().unwrap_or(false)
                && let Some(s) = pl.start
            {
                pins.insert(i as u32, s);
            }
        }
        for (i, key) in self.keys.iter().enumerate() {
            if let Some(&(d, q)) = fixed.get(key) {
                pins.insert(i as u32, self.slot(d, q));
            }
        }
        let all: Vec<(u32, Slot)> = pins.into_iter().collect();
        let bad = crate::solve::invalid_pins(&self.problem, &all);
        let mut dropped = Vec::new();
        let mut kept = Vec::new();
        for (i, (a, s)) in all.into_iter().enumerate() {
            if bad.contains(&i) {
                dropped.push(format!(
                    "{} 固定在 {} 无法满足其固定要求，已取消固定 / cannot stay pinned there",
                    self.problem.activity_label(a),
                    self.problem.slot_name(s)
                ));
            } else {
                kept.push((a, s));
            }
        }
        (SolveConfig { seed, threads: 2, max_iterations: None, pinned: kept }, dropped)
    }
}

/// One placement as stored: the activity's key, the day and period of the instance's grid, the
/// room's name and whether it is pinned by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPlacement {
    /// [`Instance::keys`] entry.
    pub key: String,
    /// Day (0-based).
    pub day: u16,
    /// Period (0-based).
    pub period: u16,
    /// Room name.
    pub room: Option<String>,
    /// Pinned by hand: a re-solve keeps it here.
    pub pinned: bool,
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::solve::{Control, solve};

    pub(super) fn roster() -> Roster {
        demo::district(&demo::DemoConfig { seed: 2026, scale: demo::Scale::Small })
    }

    pub(super) fn solve_plan(inst: &Instance, fixed: &HashMap<String, (u16, u16)>) -> Timetable {
        let n = inst.keys.len();
        let (cfg, dropped) =
            inst.solve_config(7, &Timetable { placements: vec![Placement::default(); n] }, &vec![false; n], fixed);
        assert!(dropped.is_empty(), "{dropped:?}");
        let moves = AtomicU64::new(0);
        let stop = || moves.fetch_add(1, Ordering::Relaxed) > 20_000_000;
        let cfg = SolveConfig { max_iterations: Some(400_000), ..cfg };
        let s = solve(&inst.problem, &cfg, &Control { stop: &stop, on_best: &|_| {} }).unwrap();
        assert!(s.hard_ok(), "{:?}", s.report.violations.iter().filter(|v| v.hard).take(5).collect::<Vec<_>>());
        s.timetable
    }

    /// Where the lead school put its side of each shared lesson: what a partner's solve pins.
    fn lead_sides(inst: &Instance, tt: &Timetable) -> HashMap<String, (u16, u16)> {
        inst.to_stored(tt, &vec![false; inst.keys.len()])
            .into_iter()
            .filter(|p| p.key.starts_with("shared/") && p.key.ends_with("/lead"))
            .map(|p| (p.key, (p.day, p.period)))
            .collect()
    }

    #[test]
    fn weekly_counts_follow_the_curriculum_plan() {
        assert_eq!(weekly_lessons(1, Subject::Chinese), 8);
        assert_eq!(weekly_lessons(7, Subject::Physics), 0);
        assert_eq!(weekly_lessons(8, Subject::Physics), 3);
        assert_eq!(weekly_lessons(11, Subject::Politics), 2);
        let junior: u16 = domain::Stage::Junior.subjects().iter().map(|&s| weekly_lessons(9, s)).sum();
        assert!(junior <= 40, "{junior} lessons do not fit 8 periods × 5 days");
        let primary: u16 = domain::Stage::Primary.subjects().iter().map(|&s| weekly_lessons(3, s)).sum();
        assert!(primary <= 30, "{primary}");
        let bells = bell_times(SchoolKind::Primary, Locality::Rural);
        assert_eq!((bells.len(), clock(bells[0].start)), (6, "08:30".to_owned()));
        assert!(bells.windows(2).all(|w| w[0].end < w[1].start));
    }

    #[test]
    fn a_demo_school_solves_and_its_shared_lesson_is_at_the_same_real_time_in_both_schools() {
        let roster = roster();
        let group = &roster.school_groups[0];
        let lead = plan_from_roster(&roster, &group.lead_school_id).unwrap();
        assert_eq!(lead.shared_ids.len(), group.member_school_ids.len());
        let inst = Instance::from_plan(&lead).unwrap();
        assert!(inst.shared.iter().filter(|s| s.is_some()).count() >= 2);
        let tt = solve_plan(&inst, &HashMap::new());
        let stored = inst.to_stored(&tt, &vec![false; inst.keys.len()]);
        // Round trip through the stored form.
        assert_eq!(inst.from_stored(&stored).0, tt);

        // The partner solves second: the lead school's side is fixed where the lead stored it.
        let partner_id = &group.member_school_ids[0];
        let partner = plan_from_roster(&roster, partner_id).unwrap();
        let pinst = Instance::from_plan(&partner).unwrap();
        let fixed = lead_sides(&inst, &tt);
        assert!(!fixed.is_empty());
        let ptt = solve_plan(&pinst, &fixed);
        for (key, &(d, q)) in &fixed {
            let a = pinst.keys.iter().position(|k| k == key).unwrap();
            let remote =
                pinst.keys.iter().position(|k| k.starts_with(&key[..key.len() - 4]) && !k.ends_with("/lead")).unwrap();
            let lead_clock = pinst.clock_of(a, pinst.slot(d, q)).unwrap();
            let remote_slot = ptt.placements[remote].start.unwrap();
            let remote_clock = pinst.clock_of(remote, remote_slot).unwrap();
            assert_eq!(pinst.day_period(remote_slot).0, d, "same day");
            let overlap = lead_clock.1.min(remote_clock.1).saturating_sub(lead_clock.0.max(remote_clock.0));
            assert!(overlap > 0, "{lead_clock:?} vs {remote_clock:?}");
        }
    }

    #[test]
    fn a_conflicting_move_is_refused_with_the_reason_and_a_free_one_allowed() {
        let roster = roster();
        let lead = plan_from_roster(&roster, &roster.school_groups[0].lead_school_id).unwrap();
        let inst = Instance::from_plan(&lead).unwrap();
        let tt = solve_plan(&inst, &HashMap::new());
        // Move a lesson onto the slot of another lesson of the same class.
        let a = (0..inst.keys.len()).find(|&i| inst.shared[i].is_none()).unwrap();
        let atom = inst.problem.activities[a].atoms[0];
        let b = (0..inst.keys.len())
            .find(|&i| {
                i != a
                    && inst.problem.activities[i].atoms.contains(&atom)
                    && tt.placements[i].start != tt.placements[a].start
            })
            .unwrap();
        let (d, q) = inst.day_period(tt.placements[b].start.unwrap());
        let v = inst.check_move(&tt, a, d, q);
        assert!(!v.allowed);
        let class = &inst.problem.atoms[atom as usize];
        assert!(v.reasons.iter().any(|r| r.starts_with(&format!("班级 {class} 在 "))), "{v:?}");
        // Back to its own place is always allowed.
        let (d, q) = inst.day_period(tt.placements[a].start.unwrap());
        assert!(inst.check_move(&tt, a, d, q).allowed);
    }

    #[test]
    fn a_shared_lesson_moves_with_its_partner_side_to_the_same_real_time() {
        let roster = roster();
        let lead = plan_from_roster(&roster, &roster.school_groups[0].lead_school_id).unwrap();
        let inst = Instance::from_plan(&lead).unwrap();
        let tt = solve_plan(&inst, &HashMap::new());
        let s = (0..inst.keys.len()).find(|&i| inst.shared[i].as_ref().is_some_and(|m| m.lead)).unwrap();
        // The partner school solved second, around the lead's side of its shared lessons.
        let partner_id = inst.schools[inst.school_of[s + 1]].id.clone();
        let pinst = Instance::from_plan(&plan_from_roster(&roster, &partner_id).unwrap()).unwrap();
        let ptt = solve_plan(&pinst, &lead_sides(&inst, &tt));
        // Every start of the lead side where the move is allowed takes the partner along.
        let mut in_both = 0;
        for day in 0..5 {
            for period in 0..6 {
                let v = inst.check_move(&tt, s, day, period);
                if !v.allowed {
                    continue;
                }
                let own = MovedLesson { key: inst.keys[s].clone(), school: inst.schools[0].id.clone(), day, period };
                assert_eq!(v.moves[0], own);
                assert!(v.moves.len() >= 2, "{v:?}");
                let lead_clock = inst.clock_of(s, inst.slot(day, period)).unwrap();
                for m in &v.moves[1..] {
                    let b = inst.keys.iter().position(|k| *k == m.key).unwrap();
                    assert_eq!(m.school, partner_id, "the partner side is in the partner school");
                    assert_eq!(m.day, day);
                    let clock = inst.clock_of(b, inst.slot(m.day, m.period)).unwrap();
                    assert!(lead_clock.1.min(clock.1) > lead_clock.0.max(clock.0), "{lead_clock:?} vs {clock:?}");
                }
                // The partner school's own timetable checks the same places by key: its class may
                // be busy there, which only its own instance knows.
                let places: Vec<(usize, u16, u16)> = v
                    .moves
                    .iter()
                    .filter_map(|m| Some((pinst.keys.iter().position(|k| *k == m.key)?, m.day, m.period)))
                    .collect();
                assert_eq!(places.len(), v.moves.len(), "both sides are in the partner's instance too");
                let pv = pinst.check_moves(&ptt, &places);
                if pv.allowed {
                    in_both += 1;
                } else {
                    assert!(pv.reasons.iter().all(|r| r.contains("已有别的课") || r.contains("已被占用")), "{pv:?}");
                }
            }
        }
        assert!(in_both > 0, "some period takes the shared lesson in both schools");
        // A class that already has a lesson then refuses it, naming the class.
        let atom = inst.problem.activities[s].atoms[0];
        let busy = (0..inst.keys.len())
            .find(|&i| i != s && inst.shared[i].is_none() && inst.problem.activities[i].atoms.contains(&atom))
            .unwrap();
        let (d, q) = inst.day_period(tt.placements[busy].start.unwrap());
        let v = inst.check_move(&tt, s, d, q);
        assert!(!v.allowed && v.reasons.iter().any(|r| r.contains("已有别的课")), "{v:?}");
    }

    #[test]
    fn terms_follow_the_school_year() {
        assert_eq!(term_of(2026, 11).id, "2026-2027-1");
        assert_eq!(term_of(2027, 1).id, "2026-2027-1");
        assert_eq!(term_of(2027, 3), Term { id: "2026-2027-2".into(), start: (2027, 2, 20), end: (2027, 7, 10) });
    }

    #[test]
    fn malformed_fet_reports_the_line() {
        let err = Instance::from_fet("s", "S", "<fet>\n<Days_List>\n<Day></Dax>\n", false).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }
}
