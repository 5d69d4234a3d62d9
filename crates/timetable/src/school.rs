//! The district model a 教务 edits: schools with their own bell times, teachers, classes,
//! elective groups, rooms with types and delivery equipment, weekly lessons, shared lessons
//! delivered live to partner schools (专递课堂) and elective blocks (走班), compiled onto the
//! core [`Problem`].
//!
//! All schools share one grid of `max days × max periods`; a school's resources are unavailable
//! beyond its own days and periods. A shared lesson becomes one activity in the lead school and
//! one per remote class, linked so the remote lesson overlaps the lead lesson in real clock time
//! (by at least half of the shorter one),
//! and each remote class sits in a room with delivery equipment.

use serde::{Deserialize, Serialize};

use crate::error::{Result, TimetableError};
use crate::model::{Activity, Constraint, FULL_WEIGHT, Kind, Problem, Resource, Room, Rule, Slot, StudentSet};

/// Whether a requirement must hold or is a weighted wish.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Strength {
    /// Must hold.
    Hard,
    /// A wish with a weight in percent (0–100).
    Soft(f64),
}

/// A bell period: name and clock times in minutes after midnight.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Period {
    /// Name ("第1节").
    pub name: String,
    /// Start, minutes after midnight.
    pub start: u16,
    /// End, minutes after midnight.
    pub end: u16,
}

/// A school and its week.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct School {
    /// Name.
    pub name: String,
    /// Teaching days, aligned across schools by position (周一 is day 0 everywhere).
    pub days: Vec<String>,
    /// Bell periods of a day.
    pub periods: Vec<Period>,
}

/// A (day, period) position in one school's week.
pub type DayPeriod = (u16, u16);

/// A teacher.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Teacher {
    /// Name.
    pub name: String,
    /// Index into [`District::schools`].
    pub school: usize,
    /// Periods the teacher cannot teach.
    pub unavailable: Vec<DayPeriod>,
    /// At most this many lessons a day.
    pub max_lessons_per_day: Option<u16>,
    /// At most this many free periods between lessons in the week (soft, 90 %).
    pub max_gaps_per_week: Option<u16>,
}

/// A class (行政班) or an elective group (走班教学班).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Class {
    /// Name.
    pub name: String,
    /// Index into [`District::schools`].
    pub school: usize,
    /// Students.
    pub size: u32,
    /// Periods the class is not available.
    pub unavailable: Vec<DayPeriod>,
    /// At most this many lessons a day.
    pub max_lessons_per_day: Option<u16>,
    /// At most this many free periods between lessons in the week (hard for classes: 0 is usual).
    pub max_gaps_per_week: Option<u16>,
}

/// A room.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SchoolRoom {
    /// Name.
    pub name: String,
    /// Index into [`District::schools`].
    pub school: usize,
    /// Type ("普通教室", "实验室", "机房"…).
    pub kind: String,
    /// Seats.
    pub capacity: u32,
    /// Has the camera, screen and link needed to receive or deliver a live lesson.
    pub delivery_equipment: bool,
}

/// Weekly lessons of one subject for one class (or elective group) by one teacher.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lesson {
    /// Subject.
    pub subject: String,
    /// Index into [`District::teachers`].
    pub teacher: usize,
    /// Index into [`District::classes`].
    pub class: usize,
    /// Lessons a week.
    pub per_week: u16,
    /// Periods per lesson (1 single, 2 double).
    pub duration: u16,
    /// Required room type, if any.
    pub room_kind: Option<String>,
    /// Lessons of this subject at least this many days apart.
    pub min_days_apart: Option<(u16, Strength)>,
    /// Preferred starts.
    pub preferred: Option<(Vec<DayPeriod>, Strength)>,
    /// Not in the last period of the day.
    pub not_last_period: Option<Strength>,
}

/// One teacher's lesson delivered live to classes in several schools at the same real time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharedLesson {
    /// Subject.
    pub subject: String,
    /// The delivering teacher (in the lead school).
    pub teacher: usize,
    /// The class in the room with the teacher.
    pub lead_class: usize,
    /// Classes following remotely (other schools; a class of the lead school simply joins).
    pub remote_classes: Vec<usize>,
    /// Lessons a week.
    pub per_week: u16,
    /// Periods per lesson.
    pub duration: u16,
}

/// One lesson of an elective block: a group, its teacher and room type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ElectiveLesson {
    /// Subject.
    pub subject: String,
    /// Teacher.
    pub teacher: usize,
    /// The elective group (a [`Class`] entry made of students from `classes` of the block).
    pub group: usize,
    /// Required room type.
    pub room_kind: Option<String>,
}

/// Parallel elective groups of one year, all taught in the same periods (走班).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ElectiveBlock {
    /// Name ("高二选考 A 段").
    pub name: String,
    /// The classes whose students are spread over the groups: busy for the whole block.
    pub classes: Vec<usize>,
    /// Groups taught in parallel.
    pub lessons: Vec<ElectiveLesson>,
    /// Blocks a week.
    pub per_week: u16,
    /// Periods per block.
    pub duration: u16,
    /// The only starts (day, period of the school's week) the block may take, if restricted
    /// (e.g. a double block kept off lunch); hard.
    #[serde(default)]
    pub starts: Option<Vec<DayPeriod>>,
}

/// Everything a district timetables together.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct District {
    /// Schools.
    pub schools: Vec<School>,
    /// Teachers.
    pub teachers: Vec<Teacher>,
    /// Classes and elective groups.
    pub classes: Vec<Class>,
    /// Rooms.
    pub rooms: Vec<SchoolRoom>,
    /// Ordinary lessons.
    pub lessons: Vec<Lesson>,
    /// Shared live lessons across schools.
    pub shared_lessons: Vec<SharedLesson>,
    /// Elective blocks.
    pub elective_blocks: Vec<ElectiveBlock>,
}

/// Where a core activity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Origin {
    /// `lessons[index]`, occurrence `nth` of the week.
    Lesson { index: usize, nth: u16 },
    /// `shared_lessons[index]`, occurrence `nth`; `remote` is None for the lead school's activity.
    Shared { index: usize, nth: u16, remote: Option<usize> },
    /// `elective_blocks[index]`, occurrence `nth`, lesson `lesson` of the block.
    Elective { index: usize, nth: u16, lesson: usize },
}

/// A compiled district: the core problem plus the way back.
#[derive(Debug, Clone)]
pub struct CompiledDistrict {
    /// The core problem.
    pub problem: Problem,
    /// Per activity: its origin and its school.
    pub origins: Vec<(Origin, usize)>,
}

fn weight_of(s: Strength) -> (bool, u32) {
    match s {
        Strength::Hard => (true, FULL_WEIGHT),
        Strength::Soft(w) => (false, ((w.clamp(0.0, 100.0) * 1000.0).round() as u32).max(1)),
    }
}

impl District {
    /// Builds the core problem, or explains why the district data cannot be timetabled as given.
    pub fn compile(&self) -> Result<CompiledDistrict> {
        let err = |m: String| Err(TimetableError::Model(m));
        if self.schools.is_empty() {
            return err("没有学校 / no school".into());
        }
        let nd = self.schools.iter().map(|s| s.days.len()).max().unwrap_or(0);
        let h = self.schools.iter().map(|s| s.periods.len()).max().unwrap_or(0);
        if nd == 0 || h == 0 {
            return err("学校没有上课日或节次 / a school has no days or periods".into());
        }
        let slot = |d: u16, q: u16| (usize::from(d) * h + usize::from(q)) as Slot;
        let mut p = Problem {
            name: self.schools.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(" + "),
            days: (0..nd)
                .map(|d| {
                    self.schools.iter().find_map(|s| s.days.get(d).cloned()).unwrap_or_else(|| format!("D{}", d + 1))
                })
                .collect(),
            periods: (0..h).map(|q| format!("第{}节", q + 1)).collect(),
            ..Problem::default()
        };
        let school_of_teacher = |t: usize| self.teachers.get(t).map(|x| x.school);
        for (i, t) in self.teachers.iter().enumerate() {
            if t.school >= self.schools.len() {
                return err(format!("教师 {} 的学校不存在 / teacher {} has an unknown school", t.name, t.name));
            }
            p.teachers.push(t.name.clone());
            let _ = i;
        }
        for c in &self.classes {
            if c.school >= self.schools.len() {
                return err(format!("班级 {} 的学校不存在 / class {} has an unknown school", c.name, c.name));
            }
            p.atoms.push(c.name.clone());
            p.student_sets.push(StudentSet {
                name: c.name.clone(),
                size: c.size,
                atoms: vec![(p.atoms.len() - 1) as u32],
            });
        }
        for r in &self.rooms {
            p.rooms.push(Room { name: r.name.clone(), capacity: r.capacity, building: String::new() });
        }
        let push = |p: &mut Problem, s: Strength, label: String, kind: Kind| {
            let (hard, weight) = weight_of(s);
            p.constraints.push(Constraint { weight, hard, label, kind });
        };
        // A school's resources cannot use days or periods the school does not have.
        let outside = |school: usize| -> Vec<Slot> {
            let s = &self.schools[school];
            (0..nd)
                .flat_map(|d| (0..h).map(move |q| (d, q)))
                .filter(|&(d, q)| d >= s.days.len() || q >= s.periods.len())
                .map(|(d, q)| (d * h + q) as Slot)
                .collect()
        };
        let dp_name = |school: usize, (d, q): DayPeriod| {
            let s = &self.schools[school];
            format!(
                "{}{}",
                s.days.get(usize::from(d)).map(String::as_str).unwrap_or("?"),
                s.periods.get(usize::from(q)).map(|x| x.name.as_str()).unwrap_or("?")
            )
        };
        for (i, t) in self.teachers.iter().enumerate() {
            let mut slots: Vec<Slot> = t.unavailable.iter().map(|&(d, q)| slot(d, q)).collect();
            slots.extend(outside(t.school));
            if !slots.is_empty() {
                let names: Vec<String> = t.unavailable.iter().map(|&x| dp_name(t.school, x)).collect();
                push(
                    &mut p,
                    Strength::Hard,
                    format!(
                        "教师 {} 不能上课的时间：{}",
                        t.name,
                        if names.is_empty() { "学校作息以外".into() } else { names.join("、") }
                    ),
                    Kind::NotAvailable { resource: Resource::Teacher(i as u32), slots },
                );
            }
            if let Some(m) = t.max_lessons_per_day {
                push(
                    &mut p,
                    Strength::Hard,
                    format!("教师 {} 每天最多 {m} 节", t.name),
                    Kind::ResourceRule { resources: vec![Resource::Teacher(i as u32)], rule: Rule::MaxHoursDaily(m) },
                );
            }
            if let Some(m) = t.max_gaps_per_week {
                push(
                    &mut p,
                    Strength::Soft(90.0),
                    format!("教师 {} 每周空堂不超过 {m} 节", t.name),
                    Kind::ResourceRule { resources: vec![Resource::Teacher(i as u32)], rule: Rule::MaxGapsPerWeek(m) },
                );
            }
        }
        for (i, c) in self.classes.iter().enumerate() {
            let mut slots: Vec<Slot> = c.unavailable.iter().map(|&(d, q)| slot(d, q)).collect();
            slots.extend(outside(c.school));
            if !slots.is_empty() {
                let names: Vec<String> = c.unavailable.iter().map(|&x| dp_name(c.school, x)).collect();
                push(
                    &mut p,
                    Strength::Hard,
                    format!(
                        "班级 {} 不能上课的时间：{}",
                        c.name,
                        if names.is_empty() { "学校作息以外".into() } else { names.join("、") }
                    ),
                    Kind::NotAvailable { resource: Resource::Atom(i as u32), slots },
                );
            }
            if let Some(m) = c.max_lessons_per_day {
                push(
                    &mut p,
                    Strength::Hard,
                    format!("班级 {} 每天最多 {m} 节", c.name),
                    Kind::ResourceRule { resources: vec![Resource::Atom(i as u32)], rule: Rule::MaxHoursDaily(m) },
                );
            }
            if let Some(m) = c.max_gaps_per_week {
                push(
                    &mut p,
                    Strength::Hard,
                    format!("班级 {} 每周空堂不超过 {m} 节", c.name),
                    Kind::ResourceRule { resources: vec![Resource::Atom(i as u32)], rule: Rule::MaxGapsPerWeek(m) },
                );
            }
        }
        for (i, r) in self.rooms.iter().enumerate() {
            let slots = outside(r.school);
            if !slots.is_empty() {
                push(
                    &mut p,
                    Strength::Hard,
                    format!("教室 {} 只在本校作息时间可用", r.name),
                    Kind::NotAvailable { resource: Resource::Room(i as u32), slots },
                );
            }
        }
        let rooms_where = |school: usize, kind: Option<&str>, equipment: bool| -> Vec<u32> {
            self.rooms
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.school == school && kind.is_none_or(|k| r.kind == k) && (!equipment || r.delivery_equipment)
                })
                .map(|(i, _)| i as u32)
                .collect()
        };
        let mut origins = Vec::new();
        let new_activity =
            |p: &mut Problem, subject: &str, teachers: Vec<u32>, classes: Vec<usize>, duration: u16| -> u32 {
                let id = p.activities.len() as u32 + 1;
                let size = classes.iter().map(|&c| self.classes[c].size).sum();
                p.activities.push(Activity {
                    id,
                    subject: subject.to_string(),
                    tags: Vec::new(),
                    teachers,
                    students: classes.iter().map(|&c| c as u32).collect(),
                    atoms: {
                        let mut v: Vec<u32> = classes.iter().map(|&c| c as u32).collect();
                        v.sort_unstable();
                        v.dedup();
                        v
                    },
                    duration,
                    size,
                    group: 0,
                });
                id - 1
            };
        let check_class = |c: usize| -> Result<()> {
            if c >= self.classes.len() {
                return Err(TimetableError::Model(format!("班级编号 {c} 不存在 / unknown class {c}")));
            }
            Ok(())
        };
        let check_teacher = |t: usize| -> Result<()> {
            if t >= self.teachers.len() {
                return Err(TimetableError::Model(format!("教师编号 {t} 不存在 / unknown teacher {t}")));
            }
            Ok(())
        };

        for (li, l) in self.lessons.iter().enumerate() {
            check_class(l.class)?;
            check_teacher(l.teacher)?;
            let school = self.classes[l.class].school;
            let cname = &self.classes[l.class].name;
            let mut acts = Vec::new();
            for nth in 0..l.per_week {
                let a = new_activity(&mut p, &l.subject, vec![l.teacher as u32], vec![l.class], l.duration);
                origins.push((Origin::Lesson { index: li, nth }, school));
                acts.push(a);
            }
            if let Some(kind) = &l.room_kind {
                let rooms = rooms_where(school, Some(kind), false);
                if rooms.is_empty() {
                    return err(format!("{} 的 {} 需要“{kind}”，但学校没有这类教室", cname, l.subject));
                }
                push(
                    &mut p,
                    Strength::Hard,
                    format!("{} {} 在{kind}上课", cname, l.subject),
                    Kind::PreferredRooms { activities: acts.clone(), rooms },
                );
            }
            if let Some((days, s)) = l.min_days_apart
                && acts.len() >= 2
            {
                push(
                    &mut p,
                    s,
                    format!("{} {} 各节至少相隔 {days} 天", cname, l.subject),
                    Kind::MinDaysBetween { activities: acts.clone(), min_days: days, consecutive_if_same_day: true },
                );
            }
            if let Some((times, s)) = &l.preferred {
                push(
                    &mut p,
                    *s,
                    format!("{} {} 安排在指定时间", cname, l.subject),
                    Kind::PreferredStarts {
                        activities: acts.clone(),
                        slots: times.iter().map(|&(d, q)| slot(d, q)).collect(),
                    },
                );
            }
            if let Some(s) = l.not_last_period {
                let last = self.schools[school].periods.len();
                let slots: Vec<Slot> =
                    (0..nd).flat_map(|d| (0..last.saturating_sub(1)).map(move |q| (d * h + q) as Slot)).collect();
                push(
                    &mut p,
                    s,
                    format!("{} {} 不排在最后一节", cname, l.subject),
                    Kind::PreferredSlots { activities: acts.clone(), slots },
                );
            }
        }

        for (si, sl) in self.shared_lessons.iter().enumerate() {
            check_class(sl.lead_class)?;
            check_teacher(sl.teacher)?;
            let lead_school = self.classes[sl.lead_class].school;
            if school_of_teacher(sl.teacher) != Some(lead_school) {
                return err(format!(
                    "同步课堂 {}：主讲教师 {} 与主讲班级 {} 不在同一学校",
                    sl.subject, self.teachers[sl.teacher].name, self.classes[sl.lead_class].name
                ));
            }
            let mut local = vec![sl.lead_class];
            let mut remote = Vec::new();
            for &c in &sl.remote_classes {
                check_class(c)?;
                if self.classes[c].school == lead_school { local.push(c) } else { remote.push(c) }
            }
            let mut leads = Vec::new();
            for nth in 0..sl.per_week {
                let lead = new_activity(&mut p, &sl.subject, vec![sl.teacher as u32], local.clone(), sl.duration);
                origins.push((Origin::Shared { index: si, nth, remote: None }, lead_school));
                leads.push(lead);
                for &c in &remote {
                    let school = self.classes[c].school;
                    let allowed = self.overlaps(lead_school, school, sl.duration, nd, h);
                    if allowed.iter().all(Vec::is_empty) {
                        return err(format!(
                            "同步课堂 {}：{} 与 {} 没有时间重叠的节次，无法同时上课 / the schools {} and {} have no overlapping periods",
                            sl.subject,
                            self.schools[lead_school].name,
                            self.schools[school].name,
                            self.schools[lead_school].name,
                            self.schools[school].name
                        ));
                    }
                    let rooms = rooms_where(school, None, true);
                    if rooms.is_empty() {
                        return err(format!(
                            "同步课堂 {}：{} 没有带专递设备的教室 / {} has no room with delivery equipment",
                            sl.subject, self.schools[school].name, self.schools[school].name
                        ));
                    }
                    let a = new_activity(&mut p, &sl.subject, Vec::new(), vec![c], sl.duration);
                    origins.push((Origin::Shared { index: si, nth, remote: Some(c) }, school));
                    let cname = &self.classes[c].name;
                    push(
                        &mut p,
                        Strength::Hard,
                        format!(
                            "同步课堂 {}（{}）：{} 与主讲课堂同一时间",
                            sl.subject, self.teachers[sl.teacher].name, cname
                        ),
                        Kind::LinkedStarts { first: lead, second: a, allowed },
                    );
                    push(
                        &mut p,
                        Strength::Hard,
                        format!("同步课堂 {}：{} 在带专递设备的教室", sl.subject, cname),
                        Kind::PreferredRooms { activities: vec![a], rooms },
                    );
                }
            }
            if leads.len() >= 2 {
                push(
                    &mut p,
                    Strength::Soft(95.0),
                    format!("同步课堂 {} 各节分在不同天", sl.subject),
                    Kind::MinDaysBetween { activities: leads, min_days: 1, consecutive_if_same_day: true },
                );
            }
        }

        for (bi, b) in self.elective_blocks.iter().enumerate() {
            if b.lessons.is_empty() {
                return err(format!("走班 {} 没有教学班 / elective block {} has no groups", b.name, b.name));
            }
            for &c in &b.classes {
                check_class(c)?;
            }
            for (nth, _) in (0..b.per_week).enumerate() {
                let mut acts = Vec::new();
                for (k, el) in b.lessons.iter().enumerate() {
                    check_class(el.group)?;
                    check_teacher(el.teacher)?;
                    // The first group's activity also holds the block's classes, so no other
                    // lesson of those classes can take place during the block.
                    let mut classes = vec![el.group];
                    if k == 0 {
                        classes.extend(b.classes.iter().copied());
                    }
                    let school = self.classes[el.group].school;
                    let a = new_activity(&mut p, &el.subject, vec![el.teacher as u32], classes, b.duration);
                    p.activities[a as usize].size = self.classes[el.group].size;
                    origins.push((Origin::Elective { index: bi, nth: nth as u16, lesson: k }, school));
                    if let Some(kind) = &el.room_kind {
                        let rooms = rooms_where(school, Some(kind), false);
                        if rooms.is_empty() {
                            return err(format!("走班 {} 的 {} 需要“{kind}”，但学校没有这类教室", b.name, el.subject));
                        }
                        push(
                            &mut p,
                            Strength::Hard,
                            format!("走班 {} {} 在{kind}上课", b.name, el.subject),
                            Kind::PreferredRooms { activities: vec![a], rooms },
                        );
                    }
                    acts.push(a);
                }
                if let Some(times) = &b.starts {
                    push(
                        &mut p,
                        Strength::Hard,
                        format!("走班 {} 安排在指定时间", b.name),
                        Kind::PreferredStarts {
                            activities: acts.clone(),
                            slots: times.iter().map(|&(d, q)| slot(d, q)).collect(),
                        },
                    );
                }
                if acts.len() >= 2 {
                    push(
                        &mut p,
                        Strength::Hard,
                        format!("走班 {} 各教学班同时上课", b.name),
                        Kind::SameStartingTime { activities: acts },
                    );
                }
            }
        }
        p.validate()?;
        Ok(CompiledDistrict { problem: p, origins })
    }

    /// For each start of a lesson of `duration` periods in `lead`, the starts in `other` whose
    /// lesson overlaps it in clock time on the same day by at least half the shorter lesson.
    fn overlaps(&self, lead: usize, other: usize, duration: u16, nd: usize, h: usize) -> Vec<Vec<Slot>> {
        let (a, b) = (&self.schools[lead], &self.schools[other]);
        let du = usize::from(duration);
        let span = |s: &School, q: usize| -> Option<(u16, u16)> {
            (q + du <= s.periods.len()).then(|| (s.periods[q].start, s.periods[q + du - 1].end))
        };
        let mut out = vec![Vec::new(); nd * h];
        for d in 0..nd.min(a.days.len()).min(b.days.len()) {
            for qa in 0..h {
                let Some((s1, e1)) = span(a, qa) else { continue };
                for qb in 0..h {
                    let Some((s2, e2)) = span(b, qb) else { continue };
                    let overlap = e1.min(e2).saturating_sub(s1.max(s2));
                    if overlap > 0 && 2 * overlap >= (e1 - s1).min(e2 - s2) {
                        out[d * h + qa].push((d * h + qb) as Slot);
                    }
                }
            }
        }
        out
    }
}
