//! Elective blocks (走班) as a school's 教务 sets them up: the classes whose students are spread
//! over parallel groups, each group's subject, teacher, room and size, and how many periods a
//! week the block takes. Applied to a roster-derived plan, a block adds its groups as classes,
//! an [`ElectiveBlock`] of the district model, and takes the periods it holds out of each of its
//! classes' ordinary lessons of the block's subjects (the students learn those subjects in their
//! groups now, e.g. 物理 and 历史 in a 选考 block of 高二).

use std::collections::HashSet;

use domain::Subject;
use serde::{Deserialize, Serialize};

use super::{SchoolPlan, home_room_name};
use crate::school::{Class, DayPeriod, ElectiveBlock, ElectiveLesson, Lesson, Strength};

/// Most groups in one block.
pub const MAX_GROUPS: usize = 12;

/// Most blocks a week.
pub const MAX_PER_WEEK: u16 = 10;

/// A block as the 教务 sets it up. Classes and teachers are named by roster id and subjects by
/// code, so the block survives re-deriving the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ElectiveSetting {
    /// Stable id ("b1"): the block's lessons keep their keys, and so their places, when it is
    /// edited or another block is removed.
    pub id: String,
    /// Name ("高二选考 A 段").
    pub name: String,
    /// Roster ids of the classes whose students are spread over the groups.
    pub classes: Vec<String>,
    /// The groups taught in parallel.
    pub groups: Vec<GroupSetting>,
    /// Blocks a week.
    pub per_week: u16,
    /// Periods per block (1, or 2 for a double block).
    pub duration: u16,
}

/// One group (教学班) of a block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupSetting {
    /// Subject code.
    pub subject: String,
    /// Roster id of the teacher.
    pub teacher: String,
    /// The room's name; `None`: the home room of the block's class in the same position (free,
    /// since that class is in the block).
    #[serde(default)]
    pub room: Option<String>,
    /// Students; `None`: the block's students shared evenly.
    #[serde(default)]
    pub students: Option<u32>,
}

impl ElectiveSetting {
    /// The id for a new block: one more than the largest `b<n>` in use.
    pub fn next_id(blocks: &[ElectiveSetting]) -> String {
        let n = blocks.iter().filter_map(|b| b.id.strip_prefix('b')?.parse::<u32>().ok()).max().unwrap_or(0);
        format!("b{}", n + 1)
    }
}

/// The name of a block's group `k` in views: the block and the subject, numbered when the block
/// has several groups of that subject.
pub fn group_name(block: &str, groups: &[GroupSetting], k: usize) -> String {
    let subject = &groups[k].subject;
    let label = Subject::parse(subject).map_or_else(|_| subject.clone(), |s| s.label_zh().to_owned());
    if groups.iter().filter(|g| &g.subject == subject).count() > 1 {
        let n = groups[..=k].iter().filter(|g| &g.subject == subject).count();
        format!("{block}·{label}{n}")
    } else {
        format!("{block}·{label}")
    }
}

/// Adds the blocks to `plan` (whose school is `plan.district.schools[0]`) and takes the periods
/// they hold out of their classes' ordinary lessons. `double_starts` gives the starts a double
/// block may take (off lunch). A block that cannot work is left out and every reason, naming the
/// block and the group, goes to `errors` (in Chinese and English).
pub(super) fn apply(
    blocks: &[ElectiveSetting],
    plan: &mut SchoolPlan,
    double_starts: &[DayPeriod],
    errors: &mut Vec<String>,
) {
    let mut names = HashSet::new();
    for b in blocks {
        let before = errors.len();
        let name = b.name.trim();
        if name.is_empty() {
            errors.push("走班：请填写名称 / an elective block needs a name".to_owned());
            continue;
        }
        if !names.insert(name) {
            errors.push(format!("走班 {name}：与另一个走班同名 / {name}: two blocks have this name"));
        }
        if !(1..=MAX_PER_WEEK).contains(&b.per_week) {
            errors.push(format!(
                "走班 {name}：每周次数应为 1 到 {MAX_PER_WEEK} / {name}: blocks a week must be 1 to {MAX_PER_WEEK}"
            ));
        }
        if !(1..=2).contains(&b.duration) {
            errors.push(format!("走班 {name}：每次应为 1 节或 2 节连堂 / {name}: a block is one or two periods"));
        } else if b.duration == 2 && double_starts.is_empty() {
            errors.push(format!(
                "走班 {name}：本校没有相连的两节课，无法连堂 / {name}: the school has no two periods in a row"
            ));
        }
        let d = &plan.district;
        let classes: Vec<usize> = b
            .classes
            .iter()
            .filter_map(|id| plan.class_ids.iter().position(|c| c == id))
            .filter(|&c| d.classes[c].school == 0)
            .collect();
        if classes.is_empty() {
            errors.push(format!("走班 {name}：请选择参加走班的行政班 / {name}: choose the classes taking part"));
        }
        if b.groups.is_empty() {
            errors.push(format!("走班 {name}：请至少设置一个教学班 / {name}: add at least one group"));
        } else if b.groups.len() > MAX_GROUPS {
            errors.push(format!("走班 {name}：教学班最多 {MAX_GROUPS} 个 / {name}: at most {MAX_GROUPS} groups"));
        }
        let students: u32 = classes.iter().map(|&c| d.classes[c].size).sum();
        let even = students.div_ceil(b.groups.len().max(1) as u32).max(1);
        let mut teachers = HashSet::new();
        let mut rooms = HashSet::new();
        let mut lessons = Vec::new();
        let mut groups = Vec::new();
        for (k, g) in b.groups.iter().enumerate() {
            let Ok(subject) = Subject::parse(&g.subject) else {
                errors.push(format!(
                    "走班 {name} 第 {} 个教学班：没有学科“{}” / {name}, group {}: no subject “{}”",
                    k + 1,
                    g.subject,
                    k + 1,
                    g.subject
                ));
                continue;
            };
            let label = format!("走班 {name} 第 {} 个教学班（{}）", k + 1, subject.label_zh());
            let en = format!("{name}, group {} ({})", k + 1, subject.label_en());
            let Some(teacher) =
                plan.teacher_ids.iter().position(|id| id == &g.teacher).filter(|&t| d.teachers[t].school == 0)
            else {
                errors.push(format!("{label}：请选择本校的任课教师 / {en}: choose a teacher of the school"));
                continue;
            };
            let teacher_name = &d.teachers[teacher].name;
            if !teachers.insert(teacher) {
                errors.push(format!(
                    "走班 {name}：{teacher_name} 不能同时教两个教学班 / {name}: {teacher_name} cannot teach two groups at once"
                ));
            }
            let room = match &g.room {
                Some(r) => d.rooms.iter().position(|x| x.school == 0 && &x.name == r),
                None => classes.get(k).and_then(|&c| {
                    let home = home_room_name(&d.classes[c].name);
                    d.rooms.iter().position(|x| x.school == 0 && x.name == home)
                }),
            };
            let Some(room) = room else {
                errors.push(match &g.room {
                    Some(r) => format!("{label}：本校没有教室“{r}” / {en}: the school has no room “{r}”"),
                    None => format!(
                        "{label}：教学班比行政班多，请为它选择教室 / {en}: more groups than classes; choose its room"
                    ),
                });
                continue;
            };
            let room = &d.rooms[room];
            if !rooms.insert(room.name.clone()) {
                errors.push(format!(
                    "走班 {name}：{} 不能同时给两个教学班用 / {name}: {} cannot hold two groups at once",
                    room.name, room.name
                ));
            }
            let size = g.students.unwrap_or(even);
            if size == 0 {
                errors.push(format!("{label}：人数至少为 1 / {en}: a group has at least one student"));
            } else if size > room.capacity {
                errors.push(format!(
                    "{label}：{size} 人，{} 只有 {} 个座位 / {en}: {size} students, {} seats {}",
                    room.name, room.capacity, room.name, room.capacity
                ));
            }
            groups.push(Class { name: group_name(name, &b.groups, k), school: 0, size, ..Class::default() });
            lessons.push(ElectiveLesson {
                subject: subject.label_zh().to_owned(),
                teacher,
                group: 0, // set when the group is added below
                room_kind: Some(room.kind.clone()),
            });
        }
        if errors.len() > before {
            continue;
        }
        for (k, (group, lesson)) in groups.into_iter().zip(&mut lessons).enumerate() {
            lesson.group = plan.district.classes.len();
            plan.district.classes.push(group);
            plan.class_ids.push(format!("elective:{}:{k}", b.id));
        }
        let periods = b.per_week * b.duration;
        let mut subjects: Vec<&str> = lessons.iter().map(|l| l.subject.as_str()).collect();
        subjects.sort_unstable();
        subjects.dedup();
        for &c in &classes {
            for subject in &subjects {
                take_out(&mut plan.district.lessons, c, subject, periods);
            }
        }
        plan.district.elective_blocks.push(ElectiveBlock {
            name: name.to_owned(),
            classes,
            lessons,
            per_week: b.per_week,
            duration: b.duration,
            starts: (b.duration > 1).then(|| double_starts.to_vec()),
        });
        plan.elective_ids.push(b.id.clone());
    }
}

/// Takes `periods` periods out of `class`'s ordinary lessons of `subject`, singles first; a
/// lesson left with none is dropped.
fn take_out(lessons: &mut Vec<Lesson>, class: usize, subject: &str, mut periods: u16) {
    for duration in [1, 2] {
        for l in lessons.iter_mut().filter(|l| l.class == class && l.subject == subject && l.duration == duration) {
            let n = l.per_week.min(periods.div_ceil(duration));
            l.per_week -= n;
            periods = periods.saturating_sub(n * duration);
            if l.per_week < 2 {
                l.min_days_apart = None;
            } else if let Some((days, Strength::Soft(w))) = l.min_days_apart {
                l.min_days_apart = (l.per_week <= 5).then_some((days, Strength::Soft(w)));
            }
        }
    }
    lessons.retain(|l| l.per_week > 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{Instance, MovedLesson, OptionKind, plan_from_roster, settings::Settings};

    /// The demo's senior school (it has 高二 classes) and its plan.
    fn senior() -> SchoolPlan {
        let roster = demo::district(&demo::DemoConfig { seed: 2026, scale: demo::Scale::Small });
        let school = roster.schools.iter().find(|s| s.kind == domain::SchoolKind::Senior).expect("a senior school");
        plan_from_roster(&roster, &school.id).unwrap()
    }

    /// The first two 高二 classes and a physics and a history teacher of the school.
    fn block(plan: &SchoolPlan) -> ElectiveSetting {
        let d = &plan.district;
        let classes: Vec<String> = d
            .classes
            .iter()
            .zip(&plan.class_ids)
            .filter(|(c, _)| c.school == 0 && c.name.starts_with("高二"))
            .take(2)
            .map(|(_, id)| id.clone())
            .collect();
        assert_eq!(classes.len(), 2);
        let teacher_of = |subject: &str| {
            let l = d.lessons.iter().find(|l| l.subject == subject && d.classes[l.class].school == 0).unwrap();
            plan.teacher_ids[l.teacher].clone()
        };
        ElectiveSetting {
            id: "b1".into(),
            name: "高二选考A段".into(),
            classes,
            groups: vec![
                GroupSetting { subject: "physics".into(), teacher: teacher_of("物理"), ..GroupSetting::default() },
                GroupSetting { subject: "history".into(), teacher: teacher_of("历史"), ..GroupSetting::default() },
            ],
            per_week: 3,
            duration: 1,
        }
    }

    fn periods_of(plan: &SchoolPlan, class_id: &str, subject: &str) -> u16 {
        let c = plan.class_ids.iter().position(|id| id == class_id).unwrap();
        plan.district
            .lessons
            .iter()
            .filter(|l| l.class == c && l.subject == subject)
            .map(|l| l.per_week * l.duration)
            .sum()
    }

    #[test]
    fn a_block_replaces_its_subjects_in_its_classes_and_is_solved_in_parallel() {
        let plan = senior();
        let b = block(&plan);
        let settings = Settings { electives: vec![b.clone()], ..Settings::default() };
        let applied = settings.apply(&plan).unwrap();
        for class in &b.classes {
            assert_eq!(periods_of(&applied, class, "物理"), periods_of(&plan, class, "物理").saturating_sub(3));
            assert_eq!(periods_of(&applied, class, "历史"), periods_of(&plan, class, "历史").saturating_sub(3));
        }
        let inst = Instance::from_plan(&applied).unwrap();
        let keys: Vec<&String> = inst.keys.iter().filter(|k| k.starts_with("elective/b1/")).collect();
        assert_eq!(keys.len(), 6, "3 a week × 2 groups: {keys:?}");
        assert!(inst.problem.student_sets.iter().any(|s| s.name == "高二选考A段·物理"));
        let config =
            crate::solve::SolveConfig { seed: 7, threads: 1, max_iterations: Some(400_000), pinned: Vec::new() };
        let control = crate::solve::Control { stop: &|| false, on_best: &|_| {} };
        let result = crate::solve::solve(&inst.problem, &config, &control).unwrap();
        let report = crate::check::check(&inst.problem, &result.timetable);
        assert_eq!(report.hard_violations, 0, "{:?}", report.violations);
        for nth in 1..=3 {
            let start = |k: usize| {
                let a = inst.keys.iter().position(|x| x == &format!("elective/b1/{nth}/{k}")).unwrap();
                result.timetable.placements[a].start
            };
            assert_eq!(start(0), start(1), "the groups sit in the same period");
        }
        // Moving one group's lesson by hand moves the whole block to the same period.
        let a = inst.keys.iter().position(|x| x == "elective/b1/1/1").unwrap();
        let (day, period) = inst.day_period(result.timetable.placements[a].start.unwrap());
        let to = ((day + 1) % 5, period);
        let verdict = inst.check_move(&result.timetable, a, to.0, to.1);
        let moved: Vec<(&str, u16, u16)> = verdict.moves.iter().map(|m| (m.key.as_str(), m.day, m.period)).collect();
        assert_eq!(moved, [("elective/b1/1/1", to.0, to.1), ("elective/b1/1/0", to.0, to.1)]);
        assert!(!verdict.reasons.iter().any(|r| r.contains("各教学班同时上课")), "{:?}", verdict.reasons);

        // Exchanging the block with the classes' lessons of another period takes every group there
        // and sends each class's lesson there back to the block's period.
        let n = inst.keys.len();
        let swaps: Vec<_> = inst
            .move_options(&result.timetable, &vec![false; n], a)
            .into_iter()
            .filter(|o| o.kind == OptionKind::Swap)
            .collect();
        for swap in &swaps {
            let keys: Vec<&str> = swap.verdict.moves.iter().map(|m| m.key.as_str()).collect();
            assert_eq!(keys[0], "elective/b1/1/1");
            assert!(keys.contains(&"elective/b1/1/0"), "{keys:?}");
            let back: Vec<&MovedLesson> =
                swap.verdict.moves.iter().filter(|m| !m.key.starts_with("elective/")).collect();
            assert!(back.iter().all(|m| (m.day, m.period) == (day, period)), "{back:?}");
            assert!(back.iter().all(|m| b.classes.iter().any(|c| m.key.starts_with(c.as_str()))), "{back:?}");
            assert_eq!(swap.verdict.exchanged.len(), back.len());
        }
        assert!(
            swaps.iter().any(|o| o.verdict.exchanged.len() == b.classes.len()),
            "some period's lessons of both classes exchange with the block: {swaps:?}"
        );
    }

    #[test]
    fn a_block_that_cannot_work_is_refused_with_every_reason() {
        let plan = senior();
        let mut b = block(&plan);
        b.groups[1].teacher = b.groups[0].teacher.clone();
        b.groups.push(GroupSetting { subject: "chemistry".into(), teacher: "nobody".into(), ..Default::default() });
        b.groups[0].students = Some(500);
        let errors = Settings { electives: vec![b], ..Settings::default() }.apply(&plan).unwrap_err();
        let all = errors.join("\n");
        assert!(all.contains("不能同时教两个教学班"), "{all}");
        assert!(all.contains("第 3 个教学班（化学）：请选择本校的任课教师"), "{all}");
        assert!(all.contains("第 1 个教学班（物理）：500 人"), "{all}");
        let mut b = block(&plan);
        b.groups.push(GroupSetting { subject: "chemistry".into(), ..b.groups[0].clone() });
        b.groups[2].teacher = b.groups[1].teacher.clone();
        let errors = Settings { electives: vec![b], ..Settings::default() }.apply(&plan).unwrap_err();
        assert!(errors.iter().any(|e| e.contains("教学班比行政班多，请为它选择教室")), "{errors:?}");
    }

    #[test]
    fn a_double_block_keeps_off_lunch_and_ids_are_new() {
        let plan = senior();
        let mut b = block(&plan);
        b.duration = 2;
        b.per_week = 1;
        let applied = Settings { electives: vec![b.clone()], ..Settings::default() }.apply(&plan).unwrap();
        let block = &applied.district.elective_blocks[0];
        assert!(block.starts.as_ref().is_some_and(|s| !s.is_empty()));
        assert_eq!(ElectiveSetting::next_id(&[b.clone(), ElectiveSetting { id: "b7".into(), ..b }]), "b8");
        assert_eq!(ElectiveSetting::next_id(&[]), "b1");
    }

    #[test]
    fn groups_of_one_subject_are_numbered() {
        let g = |s: &str| GroupSetting { subject: s.into(), ..GroupSetting::default() };
        let groups = [g("physics"), g("history"), g("physics")];
        assert_eq!(group_name("A段", &groups, 0), "A段·物理1");
        assert_eq!(group_name("A段", &groups, 1), "A段·历史");
        assert_eq!(group_name("A段", &groups, 2), "A段·物理2");
    }
}
