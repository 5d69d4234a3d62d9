//! End-to-end tests of the timetabling crate on generated problems, small FET documents, the
//! district model, and (when present) the real FET examples in ../shared/data.
#![allow(clippy::unwrap_used, reason = "the helpers below are test code: a panic there is a failed test")]

use std::sync::atomic::{AtomicUsize, Ordering};

use timetable::fet::{self, ImportOptions};
use timetable::school::{
    Class, District, ElectiveBlock, ElectiveLesson, Lesson, Period, School, SchoolRoom, SharedLesson, Strength, Teacher,
};
use timetable::{
    Activity, ChangeLimit, Constraint, Control, ExplainConfig, FULL_WEIGHT, Kind, Placement, Problem, Resource, Room,
    Rule, SolveConfig, StudentSet, Timetable, TimetableError, check, explain_infeasible, solve,
};

fn never() -> bool {
    false
}

fn control<'a>(stop: &'a (dyn Fn() -> bool + Sync)) -> Control<'a> {
    Control { stop, on_best: &|_| {} }
}

/// A tiny deterministic generator for test data.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A school week of 5 × 7 with classes, teachers, rooms and constraints of every kind.
fn generated(seed: u64, classes: usize, all_kinds: bool) -> Problem {
    let mut g = Lcg(seed);
    let (nd, h) = (5usize, 7usize);
    let mut p = Problem {
        name: format!("generated {seed}"),
        days: (1..=nd).map(|d| format!("D{d}")).collect(),
        periods: (1..=h).map(|q| format!("P{q}")).collect(),
        ..Problem::default()
    };
    let teachers = classes + 2;
    p.teachers = (0..teachers).map(|t| format!("T{t}")).collect();
    for c in 0..classes {
        p.atoms.push(format!("C{c}"));
        p.student_sets.push(StudentSet { name: format!("C{c}"), size: 30, atoms: vec![c as u32] });
    }
    p.rooms = (0..classes + 1)
        .map(|r| Room {
            name: format!("R{r}"),
            capacity: if r == 0 { 20 } else { 40 },
            // Two buildings, and one room in none, for the building-change rules.
            building: ["", "A", "B"][r % 3].into(),
        })
        .collect();
    let subjects = ["语文", "数学", "英语", "物理", "体育"];
    let mut load = vec![0usize; teachers];
    for c in 0..classes {
        for (si, subject) in subjects.iter().enumerate() {
            let per_week = [5, 5, 4, 3, 2][si];
            let mut t = (c + si) % teachers;
            if load[t] + per_week > 24 {
                t = (0..teachers).min_by_key(|&x| load[x]).unwrap_or(0);
            }
            load[t] += per_week;
            let mut group = Vec::new();
            for k in 0..per_week {
                let duration = if si == 3 && k == 0 { 2 } else { 1 };
                p.activities.push(Activity {
                    id: p.activities.len() as u32 + 1,
                    subject: subject.to_string(),
                    // Science and sport lessons carry a tag for the activity-tag rules.
                    // (English lessons are talks, sport is a lab too, for the tag constraints.)
                    tags: match si {
                        2 => vec!["talk".to_string()],
                        3 => vec!["lab".to_string()],
                        4 => vec!["lab".to_string(), "sport".to_string()],
                        _ => vec![],
                    },
                    teachers: vec![t as u32],
                    students: vec![c as u32],
                    atoms: vec![c as u32],
                    duration,
                    size: 30,
                    group: (c * 10 + si) as u32 + 1,
                });
                group.push(p.activities.len() as u32 - 1);
            }
            p.constraints.push(Constraint {
                weight: 95_000,
                hard: false,
                label: format!("C{c} {subject} spread"),
                kind: Kind::MinDaysBetween { activities: group.clone(), min_days: 1, consecutive_if_same_day: true },
            });
            if si == 4 {
                p.constraints.push(Constraint {
                    weight: FULL_WEIGHT,
                    hard: true,
                    label: format!("C{c} PE outdoors"),
                    kind: Kind::PreferredRooms { activities: group, rooms: (1..=classes as u32).collect() },
                });
            }
        }
    }
    let soft = |w: u32, label: &str, kind: Kind| Constraint { weight: w, hard: false, label: label.into(), kind };
    let hard = |label: &str, kind: Kind| Constraint { weight: FULL_WEIGHT, hard: true, label: label.into(), kind };
    let slots = |v: &[(usize, usize)]| v.iter().map(|&(d, q)| (d * h + q) as u16).collect::<Vec<_>>();
    p.constraints.push(hard("lunch", Kind::Break { slots: slots(&[(2, 6)]) }));
    p.constraints
        .push(hard("T0 away", Kind::NotAvailable { resource: Resource::Teacher(0), slots: slots(&[(0, 0), (0, 1)]) }));
    p.constraints.push(soft(
        80_000,
        "every teacher ≤ 5 a day",
        Kind::ResourceRule {
            resources: (0..teachers as u32).map(Resource::Teacher).collect(),
            rule: Rule::MaxHoursDaily(5),
        },
    ));
    p.constraints.push(soft(
        90_000,
        "classes compact",
        Kind::ResourceRule {
            resources: (0..classes as u32).map(Resource::Atom).collect(),
            rule: Rule::MaxGapsPerWeek(0),
        },
    ));
    if all_kinds {
        let n = p.activities.len() as u32;
        let pick = |g: &mut Lcg| g.below(u64::from(n)) as u32;
        let (a, b, c3) = (pick(&mut g), pick(&mut g), pick(&mut g));
        let kinds = vec![
            soft(50_000, "break soft", Kind::Break { slots: slots(&[(4, 6)]) }),
            soft(
                70_000,
                "room away",
                Kind::NotAvailable { resource: Resource::Room(1), slots: slots(&[(1, 1), (1, 2)]) },
            ),
            soft(70_000, "class away", Kind::NotAvailable { resource: Resource::Atom(0), slots: slots(&[(4, 5)]) }),
            soft(
                60_000,
                "starts",
                Kind::PreferredStarts { activities: vec![a, b], slots: slots(&[(0, 0), (1, 0), (2, 0)]) },
            ),
            soft(
                60_000,
                "slots",
                Kind::PreferredSlots { activities: vec![c3], slots: slots(&[(3, 1), (3, 2), (3, 3)]) },
            ),
            soft(60_000, "rooms", Kind::PreferredRooms { activities: vec![a, c3], rooms: vec![0, 2] }),
            soft(40_000, "same time", Kind::SameStartingTime { activities: vec![pick(&mut g), pick(&mut g)] }),
            soft(
                40_000,
                "same day",
                Kind::SameStartingDay { activities: vec![pick(&mut g), pick(&mut g), pick(&mut g)] },
            ),
            soft(40_000, "same hour", Kind::SameStartingHour { activities: vec![pick(&mut g), pick(&mut g)] }),
            soft(
                40_000,
                "not overlapping",
                Kind::NotOverlapping { activities: vec![pick(&mut g), pick(&mut g), pick(&mut g)] },
            ),
            soft(40_000, "consecutive", Kind::Consecutive { first: pick(&mut g), second: pick(&mut g) }),
            soft(40_000, "grouped", Kind::Grouped { activities: vec![pick(&mut g), pick(&mut g), pick(&mut g)] }),
            soft(40_000, "ordered", Kind::Ordered { first: pick(&mut g), second: pick(&mut g) }),
            soft(
                40_000,
                "min gaps",
                Kind::MinGapsBetween { activities: vec![pick(&mut g), pick(&mut g)], min_gaps: 2 },
            ),
            soft(40_000, "ends day", Kind::EndsStudentsDay { activity: pick(&mut g) }),
            soft(
                40_000,
                "max simultaneous",
                Kind::MaxSimultaneousInSlots {
                    activities: (0..n).step_by(3).collect(),
                    slots: slots(&[(0, 0), (1, 1), (2, 2), (3, 3)]),
                    max: 1,
                },
            ),
            soft(
                40_000,
                "occupy max",
                Kind::OccupyMaxSlotsFromSelection {
                    activities: (0..n).step_by(5).collect(),
                    slots: (0..(nd * h) as u16).step_by(2).collect(),
                    max: 6,
                },
            ),
            soft(
                40_000,
                "linked",
                Kind::LinkedStarts {
                    first: pick(&mut g),
                    second: pick(&mut g),
                    allowed: (0..nd * h).map(|s| vec![s as u16, ((s + 1) % (nd * h)) as u16]).collect(),
                },
            ),
        ];
        p.constraints.extend(kinds);
        let every = |r: Rule, label: &str, teachers_too: bool| {
            let mut res: Vec<Resource> = (0..classes as u32).map(Resource::Atom).collect();
            if teachers_too {
                res.extend((0..teachers as u32).map(Resource::Teacher));
            }
            soft(30_000, label, Kind::ResourceRule { resources: res, rule: r })
        };
        p.constraints.push(every(Rule::MinHoursDaily { min: 4, allow_empty_days: false }, "min hours", false));
        p.constraints.push(every(Rule::MinHoursDaily { min: 2, allow_empty_days: true }, "min hours t", true));
        p.constraints.push(every(Rule::MaxGapsPerDay(1), "gaps/day", true));
        p.constraints.push(every(Rule::EarlyMaxBeginningsAtSecondHour(1), "early", false));
        p.constraints.push(every(Rule::MaxHoursContinuously(3), "continuous", true));
        p.constraints.push(every(Rule::MaxDaysPerWeek(4), "max days", true));
        p.constraints.push(every(Rule::MaxSpanPerDay(5), "span", true));
        let everyone: Vec<Resource> =
            (0..classes as u32).map(Resource::Atom).chain((0..teachers as u32).map(Resource::Teacher)).collect();
        for (rule, label) in [(Rule::MaxHoursDaily(1), "lab daily"), (Rule::MaxHoursContinuously(1), "lab run")] {
            p.constraints.push(soft(
                30_000,
                label,
                Kind::TagRule { resources: everyone.clone(), tag: "lab".into(), rule },
            ));
        }
        p.constraints.push(soft(
            30_000,
            "max in a term",
            Kind::MaxInATerm { activities: (0..n).step_by(4).collect(), days_per_term: 2, max: 3 },
        ));
        p.constraints.push(soft(
            30_000,
            "occupy max terms",
            Kind::OccupyMaxTerms { activities: (0..n).step_by(7).collect(), days_per_term: 2, max: 1 },
        ));
        // Rooms for half the lessons, so that room and building changes have something to count.
        p.constraints.push(soft(
            20_000,
            "rooms for half",
            Kind::PreferredRooms { activities: (0..n).step_by(2).collect(), rooms: (0..=classes as u32).collect() },
        ));
        for (buildings, limit, label) in [
            (true, ChangeLimit::PerDay(0), "building changes/day"),
            (true, ChangeLimit::PerWeek(2), "building changes/week"),
            (true, ChangeLimit::MinGaps(1), "building change gaps"),
            (false, ChangeLimit::PerDay(1), "room changes/day"),
            (false, ChangeLimit::PerWeek(3), "room changes/week"),
            (false, ChangeLimit::MinGaps(2), "room change gaps"),
        ] {
            p.constraints.push(soft(
                30_000,
                label,
                Kind::PlaceChanges { resources: everyone.clone(), buildings, limit },
            ));
        }
        p.constraints.push(soft(
            30_000,
            "max different rooms",
            Kind::OccupyMaxDifferentRooms { activities: (0..n).step_by(6).collect(), max: 2 },
        ));
        p.constraints.push(soft(
            30_000,
            "same room if consecutive",
            Kind::SameRoomIfConsecutive { activities: (0..n).step_by(2).collect() },
        ));
        p.constraints.push(every(Rule::MinDaysPerWeek(5), "min days", true));
        p.constraints.push(every(Rule::MaxSpanPerDayOneLonger(4), "span, one day longer", true));
        p.constraints.push(every(Rule::MinRestingHours { min: 5, circular: true }, "rest circular", true));
        p.constraints.push(every(Rule::MinRestingHours { min: 3, circular: false }, "rest", false));
        // Distinct activities (a list names each activity once, as FET's do).
        let picks = |g: &mut Lcg, k: usize| {
            let mut v: Vec<u32> = (0..k).map(|_| pick(g)).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let later = vec![
            soft(40_000, "ordered if same day", Kind::OrderedIfSameDay { first: pick(&mut g), second: pick(&mut g) }),
            soft(40_000, "max days between", Kind::MaxDaysBetween { activities: picks(&mut g, 3), max_days: 2 }),
            soft(
                40_000,
                "min simultaneous",
                Kind::MinSimultaneousInSlots {
                    activities: (0..n).step_by(2).collect(),
                    slots: slots(&[(0, 0), (0, 1), (1, 3), (4, 4)]),
                    min: 2,
                    allow_empty: false,
                },
            ),
            soft(
                40_000,
                "min simultaneous or none",
                Kind::MinSimultaneousInSlots {
                    activities: (1..n).step_by(3).collect(),
                    slots: (0..(nd * h) as u16).step_by(3).collect(),
                    min: 3,
                    allow_empty: true,
                },
            ),
            soft(
                40_000,
                "max total",
                Kind::MaxTotalInSlots {
                    activities: (0..n).step_by(2).collect(),
                    slots: slots(&[(0, 0), (1, 1), (1, 2), (3, 5)]),
                    max: 2,
                },
            ),
            soft(
                40_000,
                "occupy min",
                Kind::OccupyMinSlotsFromSelection {
                    activities: (0..n).step_by(4).collect(),
                    slots: slots(&[(0, 6), (1, 6), (2, 5), (3, 6), (4, 6)]),
                    min: 4,
                },
            ),
            soft(
                40_000,
                "tags apart",
                Kind::TagsNotOverlapping { tags: vec!["lab".into(), "talk".into(), "sport".into()] },
            ),
            soft(40_000, "one per period", Kind::OnePerPeriodOfAnyDay { activities: picks(&mut g, 6) }),
            soft(
                30_000,
                "talk then lab",
                Kind::TagPairMinGaps {
                    resources: everyone.clone(),
                    first_tag: "talk".into(),
                    second_tag: "lab".into(),
                    min_gaps: 2,
                },
            ),
        ];
        p.constraints.extend(later);
        p.constraints.push(every(Rule::IntervalMaxDaysPerWeek { start: 5, end: 7, max: 2 }, "afternoons", true));
        // Counted the way FET weighs them: per period outside, per disagreeing pair of a large
        // group (kept with per-key counters), and the hard "back to back if on one day" part of
        // a soft min-days constraint.
        let doubles: Vec<u32> = (0..n).filter(|&a| p.activities[a as usize].duration == 2).collect();
        p.constraints.push(soft(
            40_000,
            "doubles in the morning",
            Kind::PreferredSlots {
                activities: doubles,
                slots: (0..nd).flat_map(|d| slots(&[(d, 0), (d, 1), (d, 2)])).collect(),
            },
        ));
        p.constraints.push(soft(
            40_000,
            "same hour, many",
            Kind::SameStartingHour { activities: (0..n).step_by(5).take(10).collect() },
        ));
        p.constraints.push(hard(
            "back to back if on one day",
            Kind::MinDaysBetween { activities: picks(&mut g, 3), min_days: 0, consecutive_if_same_day: true },
        ));
    }
    p
}

#[test]
fn solver_bookkeeping_matches_the_independent_checker_for_every_constraint_kind() {
    for seed in 1..=4 {
        let p = generated(seed, 4, true);
        for iterations in [0, 50, 3_000] {
            let cfg = SolveConfig { seed, threads: 1, max_iterations: Some(iterations), pinned: vec![] };
            let s = solve(&p, &cfg, &control(&never)).unwrap();
            assert!(
                s.bookkeeping_agrees,
                "seed {seed}, {iterations} moves: solver and checker disagree: {:?}",
                s.report.hard_violations
            );
            assert_eq!(s.timetable.placements.len(), p.activities.len());
        }
    }
}

/// A lesson shared by two classes (two atoms) must end both classes' day: when each class has a
/// later lesson the solver's per-atom rules count two violations, and so must the checker (the
/// generated school has one atom per lesson, so it never showed the difference).
#[test]
fn a_shared_lesson_that_ends_neither_class_day_counts_once_per_class_in_both_counts() {
    let one_slot = |a: u32, s: u16| Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: format!("lesson {a} at {s}"),
        kind: Kind::PreferredStarts { activities: vec![a], slots: vec![s] },
    };
    let lesson = |id: u32, teacher: u32, atoms: Vec<u32>| Activity {
        id,
        subject: "S".into(),
        tags: vec![],
        teachers: vec![teacher],
        students: atoms.clone(),
        atoms,
        duration: 1,
        size: 30,
        group: 0,
    };
    let mut p = Problem {
        name: "shared lesson ends the day".into(),
        days: vec!["D1".into()],
        periods: (1..=3).map(|q| format!("P{q}")).collect(),
        teachers: (0..3).map(|t| format!("T{t}")).collect(),
        atoms: vec!["A".into(), "B".into()],
        student_sets: vec![
            StudentSet { name: "A".into(), size: 30, atoms: vec![0] },
            StudentSet { name: "B".into(), size: 30, atoms: vec![1] },
        ],
        ..Problem::default()
    };
    // The shared lesson first, then one lesson for each class after it.
    p.activities = vec![lesson(1, 0, vec![0, 1]), lesson(2, 1, vec![0]), lesson(3, 2, vec![1])];
    p.constraints = vec![one_slot(0, 0), one_slot(1, 1), one_slot(2, 2)];
    p.constraints.push(Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: "shared lesson ends the day".into(),
        kind: Kind::EndsStudentsDay { activity: 0 },
    });
    for iterations in [0, 100] {
        let cfg = SolveConfig { threads: 1, max_iterations: Some(iterations), ..SolveConfig::default() };
        let s = solve(&p, &cfg, &control(&never)).unwrap();
        assert_eq!(s.report.hard_violations, 2, "{:?}", s.report.violations);
        assert!(s.bookkeeping_agrees, "{iterations} moves: solver and checker disagree");
    }
}

/// The generated school read in FET's mornings-afternoons mode: its five days plus a sixth are
/// three real days of morning and afternoon, with every mornings-afternoons rule added (soft, so
/// the search meets them violated and repaired).
fn generated_half_days(seed: u64) -> Problem {
    let mut p = generated(seed, 4, true);
    p.days.push("D6".into());
    p.half_days = true;
    // Links are given per slot of the original week; the half-day tests need none.
    p.constraints.retain(|c| !matches!(c.kind, Kind::LinkedStarts { .. }));
    let everyone: Vec<Resource> = (0..p.atoms.len() as u32)
        .map(Resource::Atom)
        .chain((0..p.teachers.len() as u32).map(Resource::Teacher))
        .collect();
    let rules = [
        Rule::MaxHoursDailyRealDays(8),
        Rule::MinHoursDailyRealDays { min: 6, allow_empty_days: true },
        Rule::MinHoursDailyRealDays { min: 3, allow_empty_days: false },
        Rule::MaxGapsPerRealDay { max: 1, one_day_exception: false },
        Rule::MaxGapsPerRealDay { max: 0, one_day_exception: true },
        Rule::MaxRealDaysPerWeek(2),
        Rule::MinRealDaysPerWeek(3),
        Rule::MaxMorningsPerWeek(2),
        Rule::MaxAfternoonsPerWeek(1),
        Rule::MinHoursPerMorning { min: 3, allow_empty_mornings: true },
        Rule::MinHoursPerMorning { min: 2, allow_empty_mornings: false },
        Rule::ZeroGapsPerAfternoon,
        Rule::MinRestingHoursBetweenMorningAndAfternoon(2),
        Rule::MaxRealDaysWithMorningAndAfternoon(1),
        Rule::MaxThreeConsecutiveHalfDays { afternoon_start_exception: false },
        Rule::MaxThreeConsecutiveHalfDays { afternoon_start_exception: true },
        Rule::AfternoonsEarlyMaxBeginningsAtSecondHour(1),
    ];
    for (i, rule) in rules.into_iter().enumerate() {
        p.constraints.push(Constraint {
            weight: 20_000 + i as u32 * 1_000,
            hard: false,
            label: format!("{rule:?}"),
            kind: Kind::ResourceRule { resources: everyone.clone(), rule },
        });
    }
    p.constraints.push(Constraint {
        weight: 24_000,
        hard: false,
        label: "one tag a day".into(),
        kind: Kind::MaxTagsPerDay {
            activities: (0..p.activities.len() as u32).step_by(2).collect(),
            tags: vec!["lab".into(), "none".into()],
            max: 0,
        },
    });
    p.constraints.push(Constraint {
        weight: 25_000,
        hard: false,
        label: "lab per real day".into(),
        kind: Kind::TagRule { resources: everyone, tag: "lab".into(), rule: Rule::MaxHoursDailyRealDays(1) },
    });
    p
}

#[test]
fn solver_bookkeeping_matches_the_checker_in_the_mornings_afternoons_mode() {
    for seed in 1..=4 {
        let p = generated_half_days(seed);
        p.validate().unwrap();
        for iterations in [0, 50, 3_000] {
            let cfg = SolveConfig { seed, threads: 1, max_iterations: Some(iterations), pinned: vec![] };
            let s = solve(&p, &cfg, &control(&never)).unwrap();
            assert!(s.bookkeeping_agrees, "seed {seed}, {iterations} moves: solver and checker disagree");
        }
    }
}

#[test]
fn feasible_generated_school_is_solved_and_soft_penalty_improves() {
    let p = generated(7, 6, false);
    let cfg = SolveConfig { seed: 3, threads: 2, max_iterations: Some(200_000), pinned: vec![] };
    let s = solve(&p, &cfg, &control(&never)).unwrap();
    assert!(s.hard_ok(), "hard violations: {:?}", s.report.violations.iter().filter(|v| v.hard).collect::<Vec<_>>());
    assert!(s.bookkeeping_agrees);
    let first = solve(&p, &SolveConfig { max_iterations: Some(0), ..cfg.clone() }, &control(&never)).unwrap();
    assert!(s.report.soft_units <= first.report.soft_units || !first.hard_ok());
}

#[test]
fn same_seed_gives_the_same_timetable_on_two_threads() {
    let p = generated(11, 5, true);
    let cfg = SolveConfig { seed: 42, threads: 2, max_iterations: Some(20_000), pinned: vec![] };
    let a = solve(&p, &cfg, &control(&never)).unwrap();
    let b = solve(&p, &cfg, &control(&never)).unwrap();
    assert_eq!(a.timetable, b.timetable);
    let c = solve(&p, &SolveConfig { seed: 43, ..cfg }, &control(&never)).unwrap();
    assert_eq!(c.timetable.placements.len(), a.timetable.placements.len());
}

#[test]
fn immediate_stop_returns_a_complete_assignment_at_once() {
    let p = generated(5, 8, true);
    let polls = AtomicUsize::new(0);
    let stop = || {
        polls.fetch_add(1, Ordering::Relaxed);
        true
    };
    let s = solve(&p, &SolveConfig::default(), &control(&stop)).unwrap();
    assert!(s.timetable.placements.iter().all(|pl| pl.start.is_some()));
    assert!(s.iterations <= 2, "no moves after a stop, got {}", s.iterations);
    assert!(polls.load(Ordering::Relaxed) >= 1);
    assert!(s.bookkeeping_agrees);
}

#[test]
fn pinned_lessons_stay_where_they_were_pinned() {
    let p = generated(9, 3, false);
    let cfg = SolveConfig { seed: 1, threads: 1, max_iterations: Some(30_000), pinned: vec![(0, 10), (5, 22)] };
    let s = solve(&p, &cfg, &control(&never)).unwrap();
    assert_eq!(s.timetable.placements[0].start, Some(10));
    assert_eq!(s.timetable.placements[5].start, Some(22));
    // T0 is away on day 1 periods 1-2: pinning one of its lessons there is refused up front.
    let t0_lesson = p.activities.iter().position(|a| a.teachers == [0]).unwrap() as u32;
    let bad = SolveConfig { pinned: vec![(t0_lesson, 0)], ..cfg };
    assert!(
        matches!(solve(&p, &bad, &control(&never)), Err(TimetableError::Model(m)) if m.contains("cannot be pinned"))
    );
}

#[test]
fn infeasible_instances_are_explained() {
    // A teacher with more lessons than free periods: proven by counting.
    let mut p = generated(3, 2, false);
    for a in p.activities.iter_mut() {
        a.teachers = vec![0];
    }
    let e = explain_infeasible(&p, &ExplainConfig::default(), &never).unwrap().expect("infeasible");
    assert!(e.proven);
    assert!(e.reasons[0].contains("T0"), "{:?}", e.reasons);

    // Two hard constraints that contradict each other among many harmless ones: the deletion
    // filter keeps exactly those two.
    let mut p = generated(4, 2, false);
    let (a, b) = (0u32, 1u32);
    p.constraints.push(Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: "A and B together".into(),
        kind: Kind::SameStartingTime { activities: vec![a, 20] },
    });
    p.constraints.push(Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: "B right after A".into(),
        kind: Kind::Consecutive { first: a, second: b },
    });
    p.constraints.push(Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: "B in the first period".into(),
        kind: Kind::PreferredStarts { activities: vec![b], slots: (0..5).map(|d| d * 7).collect() },
    });
    let s =
        solve(&p, &SolveConfig { max_iterations: Some(20_000), ..SolveConfig::default() }, &control(&never)).unwrap();
    assert!(!s.hard_ok());
    let e = explain_infeasible(&p, &ExplainConfig { iterations_per_test: 5_000, seed: 1 }, &never)
        .unwrap()
        .expect("infeasible");
    assert!(e.minimal);
    let mut labels: Vec<String> = e.constraints.iter().map(|&i| p.constraints[i].label.clone()).collect();
    labels.sort();
    assert_eq!(labels, vec!["B in the first period".to_string(), "B right after A".to_string()]);
    assert!(e.reasons.last().is_some_and(|r| r.contains("basic rules")), "{:?}", e.reasons);

    // A solvable instance has no explanation.
    let p = generated(4, 2, false);
    assert!(explain_infeasible(&p, &ExplainConfig::default(), &never).unwrap().is_none());
}

const SMALL_FET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<fet version="6.8.5">
<Mode>Official</Mode>
<Institution_Name>Test &amp; School</Institution_Name>
<Days_List><Number_of_Days>2</Number_of_Days><Day><Name>Mon</Name></Day><Day><Name>Tue</Name></Day></Days_List>
<Hours_List><Number_of_Hours>3</Number_of_Hours><Hour><Name>1</Name></Hour><Hour><Name>2</Name></Hour><Hour><Name>3</Name></Hour></Hours_List>
<Subjects_List><Subject><Name>Math</Name></Subject><Subject><Name>Art</Name></Subject></Subjects_List>
<Activity_Tags_List></Activity_Tags_List>
<Teachers_List><Teacher><Name>Ann</Name></Teacher><Teacher><Name>Bob</Name></Teacher></Teachers_List>
<Students_List>
<Year><Name>Y1</Name><Number_of_Students>40</Number_of_Students>
  <Group><Name>Y1a</Name><Number_of_Students>20</Number_of_Students></Group>
  <Group><Name>Y1b</Name><Number_of_Students>20</Number_of_Students></Group>
</Year>
</Students_List>
<Activities_List>
<Activity><Teacher>Ann</Teacher><Subject>Math</Subject><Students>Y1</Students><Duration>1</Duration><Total_Duration>2</Total_Duration><Id>1</Id><Activity_Group_Id>1</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Ann</Teacher><Subject>Math</Subject><Students>Y1</Students><Duration>1</Duration><Total_Duration>2</Total_Duration><Id>2</Id><Activity_Group_Id>1</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Bob</Teacher><Subject>Art</Subject><Students>Y1a</Students><Duration>2</Duration><Total_Duration>2</Total_Duration><Id>3</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Bob</Teacher><Subject>Art</Subject><Students>Y1b</Students><Duration>2</Duration><Total_Duration>2</Total_Duration><Id>4</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>
<Activity><Teacher>Bob</Teacher><Subject>Art</Subject><Students>Y1b</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>5</Id><Activity_Group_Id>0</Activity_Group_Id><Active>false</Active></Activity>
</Activities_List>
<Buildings_List></Buildings_List>
<Rooms_List><Room><Name>Studio</Name><Building></Building><Capacity>25</Capacity><Virtual>false</Virtual></Room></Rooms_List>
<Time_Constraints_List>
<ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
<ConstraintMinDaysBetweenActivities><Weight_Percentage>100</Weight_Percentage><Consecutive_If_Same_Day>true</Consecutive_If_Same_Day><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><MinDays>1</MinDays><Active>true</Active></ConstraintMinDaysBetweenActivities>
<ConstraintTeacherNotAvailableTimes><Weight_Percentage>100</Weight_Percentage><Teacher>Ann</Teacher><Number_of_Not_Available_Times>1</Number_of_Not_Available_Times><Not_Available_Time><Day>Mon</Day><Hour>1</Hour></Not_Available_Time><Active>true</Active></ConstraintTeacherNotAvailableTimes>
<ConstraintStudentsMaxGapsPerWeek><Weight_Percentage>95</Weight_Percentage><Max_Gaps>0</Max_Gaps><Active>true</Active></ConstraintStudentsMaxGapsPerWeek>
<ConstraintActivityPreferredStartingTime><Weight_Percentage>100</Weight_Percentage><Activity_Id>5</Activity_Id><Preferred_Day>Mon</Preferred_Day><Preferred_Hour>1</Preferred_Hour><Permanently_Locked>true</Permanently_Locked><Active>true</Active></ConstraintActivityPreferredStartingTime>
</Time_Constraints_List>
<Space_Constraints_List>
<ConstraintBasicCompulsorySpace><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsorySpace>
<ConstraintSubjectPreferredRoom><Weight_Percentage>100</Weight_Percentage><Subject>Art</Subject><Room>Studio</Room><Active>true</Active></ConstraintSubjectPreferredRoom>
</Space_Constraints_List>
</fet>
"#;

#[test]
fn fet_import_solve_export_and_check_round_trip() {
    let imported = fet::import(SMALL_FET, ImportOptions::default()).unwrap();
    let p = &imported.problem;
    assert_eq!(p.name, "Test & School");
    assert_eq!(p.activities.len(), 4, "the inactive activity is left out");
    assert_eq!(imported.inactive, 1);
    assert_eq!(p.atoms.len(), 2, "a year with two groups has two atoms");
    assert_eq!(p.activities[0].atoms, vec![0, 1]);
    let s =
        solve(p, &SolveConfig { max_iterations: Some(10_000), ..SolveConfig::default() }, &control(&never)).unwrap();
    assert!(s.hard_ok());
    // Art needs the studio, so the two art lessons cannot overlap; Ann is away on Monday first period.
    let starts: Vec<u16> = s.timetable.placements.iter().map(|pl| pl.start.unwrap()).collect();
    assert_ne!(starts[0] / 3, starts[1] / 3, "math lessons on different days");
    assert!(starts[0] != 0 && starts[1] != 0);
    assert_eq!(s.timetable.placements[2].room, Some(0));

    let exported = fet::export_with_timetable(SMALL_FET, p, &s.timetable).unwrap();
    let back = fet::import(&exported, ImportOptions::default()).unwrap().problem;
    let stored = fet::stored_timetable(&back, p);
    assert_eq!(stored, s.timetable);
    let report = check(p, &stored);
    assert!(report.hard_ok());
    assert_eq!(report.soft_units, s.report.soft_units);
    // The exported file still solves (every activity is now fixed in place).
    let again =
        solve(&back, &SolveConfig { max_iterations: Some(1_000), ..SolveConfig::default() }, &control(&never)).unwrap();
    assert!(again.hard_ok());
}

#[test]
fn fet_bad_input_is_reported_with_lines_and_names() {
    let broken = SMALL_FET.replace("<Hour><Name>2</Name></Hour>", "<Hour><Name>2</Name></Hours>");
    match fet::import(&broken, ImportOptions::default()) {
        Err(TimetableError::MalformedXml { line, .. }) => assert_eq!(line, 6),
        other => panic!("expected malformed XML, got {other:?}"),
    }
    let unknown_teacher = SMALL_FET.replace(
        "<Teacher>Bob</Teacher><Subject>Art</Subject><Students>Y1a",
        "<Teacher>Eve</Teacher><Subject>Art</Subject><Students>Y1a",
    );
    match fet::import(&unknown_teacher, ImportOptions::default()) {
        Err(TimetableError::BadInput { line, message }) => {
            assert_eq!(line, 19);
            assert!(message.contains("Eve"), "{message}");
        }
        other => panic!("expected bad input, got {other:?}"),
    }
    let extra_soft = SMALL_FET.replace(
        "</Time_Constraints_List>",
        "<ConstraintTeachersMaxTwoConsecutiveMornings><Weight_Percentage>80</Weight_Percentage><Active>true</Active></ConstraintTeachersMaxTwoConsecutiveMornings>\n</Time_Constraints_List>",
    );
    match fet::import(&extra_soft, ImportOptions::default()) {
        Err(TimetableError::Unsupported { names, soft_only }) => {
            assert_eq!(names, vec!["ConstraintTeachersMaxTwoConsecutiveMornings".to_string()]);
            assert!(soft_only);
        }
        other => panic!("expected unsupported, got {other:?}"),
    }
    let ok = fet::import(&extra_soft, ImportOptions { ignore_unsupported_soft: true }).unwrap();
    assert_eq!(ok.ignored, vec![("ConstraintTeachersMaxTwoConsecutiveMornings".to_string(), 1)]);
    let extra_hard = extra_soft.replace(
        "<Weight_Percentage>80</Weight_Percentage><Active>true</Active></ConstraintTeachersMax",
        "<Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintTeachersMax",
    );
    match fet::import(&extra_hard, ImportOptions { ignore_unsupported_soft: true }) {
        Err(e @ TimetableError::Unsupported { soft_only: false, .. }) => {
            assert!(e.to_string().contains("ConstraintTeachersMaxTwoConsecutiveMornings"));
        }
        other => panic!("expected unsupported, got {other:?}"),
    }
    // A mode this importer does not know is refused by name.
    let unknown = SMALL_FET.replace("<Mode>Official</Mode>", "<Mode>Shift_Planning</Mode>");
    match fet::import(&unknown, ImportOptions::default()) {
        Err(e @ TimetableError::Unsupported { .. }) => assert!(e.to_string().contains("mode Shift_Planning"), "{e}"),
        other => panic!("expected unsupported, got {other:?}"),
    }
}

/// Two schools with different bell times, a shared live lesson and an elective block.
fn two_schools(overlapping: bool) -> District {
    let bells = |first: u16, len: u16, gap: u16| -> Vec<Period> {
        (0..6)
            .map(|q| Period {
                name: format!("第{}节", q + 1),
                start: first + q * (len + gap),
                end: first + q * (len + gap) + len,
            })
            .collect()
    };
    let days: Vec<String> = ["周一", "周二", "周三", "周四", "周五"].iter().map(|s| s.to_string()).collect();
    let schools = vec![
        School { name: "城关中学".into(), days: days.clone(), periods: bells(480, 45, 10) },
        School {
            name: "山区教学点".into(),
            days,
            // Lessons of 40 minutes starting 10 minutes later (or in the evening: no overlap).
            periods: bells(if overlapping { 490 } else { 1200 }, 40, 15),
        },
    ];
    let mut d = District { schools, ..District::default() };
    d.teachers = vec![
        Teacher { name: "王老师".into(), school: 0, max_lessons_per_day: Some(4), ..Teacher::default() },
        Teacher { name: "李老师".into(), school: 0, ..Teacher::default() },
        Teacher { name: "赵老师".into(), school: 0, unavailable: vec![(0, 0)], ..Teacher::default() },
        Teacher { name: "陈老师".into(), school: 1, ..Teacher::default() },
        Teacher { name: "周老师".into(), school: 0, ..Teacher::default() },
    ];
    d.classes = vec![
        Class { name: "城关七(1)班".into(), school: 0, size: 45, max_lessons_per_day: Some(6), ..Class::default() },
        Class { name: "城关七(2)班".into(), school: 0, size: 45, ..Class::default() },
        Class { name: "教学点七年级".into(), school: 1, size: 12, ..Class::default() },
        Class { name: "物理选考班".into(), school: 0, size: 40, ..Class::default() },
        Class { name: "历史选考班".into(), school: 0, size: 50, ..Class::default() },
    ];
    d.rooms = vec![
        SchoolRoom {
            name: "101".into(), school: 0, kind: "普通教室".into(), capacity: 50, delivery_equipment: true
        },
        SchoolRoom {
            name: "102".into(), school: 0, kind: "普通教室".into(), capacity: 50, delivery_equipment: false
        },
        SchoolRoom {
            name: "物理实验室".into(),
            school: 0,
            kind: "实验室".into(),
            capacity: 45,
            delivery_equipment: false,
        },
        SchoolRoom {
            name: "教学点教室".into(),
            school: 1,
            kind: "普通教室".into(),
            capacity: 20,
            delivery_equipment: false,
        },
        SchoolRoom {
            name: "教学点录播室".into(),
            school: 1,
            kind: "录播室".into(),
            capacity: 20,
            delivery_equipment: true,
        },
    ];
    let lesson = |subject: &str, teacher: usize, class: usize, per_week: u16| Lesson {
        subject: subject.into(),
        teacher,
        class,
        per_week,
        duration: 1,
        room_kind: None,
        min_days_apart: Some((1, Strength::Soft(95.0))),
        preferred: None,
        not_last_period: None,
    };
    d.lessons = vec![
        lesson("语文", 1, 0, 5),
        lesson("语文", 1, 1, 5),
        Lesson { not_last_period: Some(Strength::Hard), ..lesson("数学", 2, 0, 5) },
        lesson("数学", 2, 1, 5),
        lesson("数学", 3, 2, 5),
        Lesson {
            duration: 2, room_kind: Some("实验室".into()), min_days_apart: None, ..lesson("物理实验", 4, 1, 1)
        },
    ];
    d.shared_lessons = vec![SharedLesson {
        subject: "英语".into(),
        teacher: 0,
        lead_class: 0,
        remote_classes: vec![2],
        per_week: 4,
        duration: 1,
    }];
    d.elective_blocks = vec![ElectiveBlock {
        name: "选考 A 段".into(),
        classes: vec![0, 1],
        lessons: vec![
            ElectiveLesson { subject: "物理".into(), teacher: 4, group: 3, room_kind: Some("实验室".into()) },
            ElectiveLesson { subject: "历史".into(), teacher: 1, group: 4, room_kind: Some("普通教室".into()) },
        ],
        per_week: 2,
        duration: 1,
        starts: None,
    }];
    d
}

#[test]
fn district_with_shared_lesson_and_elective_block_is_solved() {
    let d = two_schools(true);
    let compiled = d.compile().unwrap();
    let p = &compiled.problem;
    let s =
        solve(p, &SolveConfig { seed: 5, threads: 2, max_iterations: Some(100_000), pinned: vec![] }, &control(&never))
            .unwrap();
    assert!(s.hard_ok(), "{:?}", s.report.violations.iter().filter(|v| v.hard).collect::<Vec<_>>());
    assert!(s.bookkeeping_agrees);
    let h = p.periods.len() as u16;
    let clock = |school: usize, slot: u16, dur: u16| {
        let q = usize::from(slot % h);
        let ps = &d.schools[school].periods;
        (slot / h, ps[q].start, ps[q + usize::from(dur) - 1].end)
    };
    use timetable::school::Origin;
    let mut shared_pairs = 0;
    for (i, (origin, school)) in compiled.origins.iter().enumerate() {
        let pl = s.timetable.placements[i];
        if let Origin::Shared { nth, remote: Some(_), index } = *origin {
            // The lead activity of the same occurrence.
            let lead =
                compiled.origins.iter().position(|(o, _)| *o == Origin::Shared { index, nth, remote: None }).unwrap();
            let (d1, s1, e1) = clock(0, s.timetable.placements[lead].start.unwrap(), 1);
            let (d2, s2, e2) = clock(*school, pl.start.unwrap(), 1);
            assert_eq!(d1, d2, "shared lesson on the same day");
            assert!(s1 < e2 && s2 < e1, "shared lesson overlaps in clock time: {s1}-{e1} vs {s2}-{e2}");
            assert!(d.rooms[pl.room.unwrap() as usize].delivery_equipment, "remote class in a room with equipment");
            shared_pairs += 1;
        }
    }
    assert_eq!(shared_pairs, 4);
    for nth in 0..2 {
        let starts: Vec<u16> = compiled
            .origins
            .iter()
            .enumerate()
            .filter(|(_, (o, _))| matches!(*o, Origin::Elective { nth: n, .. } if n == nth))
            .map(|(i, _)| s.timetable.placements[i].start.unwrap())
            .collect();
        assert_eq!(starts.len(), 2);
        assert_eq!(starts[0], starts[1], "elective groups in parallel");
    }
}

#[test]
fn shared_lesson_between_schools_without_common_time_is_explained() {
    match two_schools(false).compile() {
        Err(TimetableError::Model(m)) => assert!(m.contains("没有时间重叠"), "{m}"),
        other => panic!("expected a model error, got {other:?}"),
    }
}

fn shared_data() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/fet-timetabling-examples");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared/data not found");
        None
    }
}

fn read_xz(path: &std::path::Path) -> String {
    let raw = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut &raw[..], &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text)
}

#[test]
fn real_fet_examples_import_or_are_refused_by_name() {
    let Some(dir) = shared_data() else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir.join("examples")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".fet.xz") {
                files.push(path);
            }
        }
    }
    assert_eq!(files.len(), 208);
    let (mut imported, mut refused) = (0, 0);
    for f in &files {
        match fet::import(&read_xz(f), ImportOptions { ignore_unsupported_soft: true }) {
            Ok(i) => {
                imported += 1;
                i.problem.validate().unwrap();
            }
            Err(TimetableError::Unsupported { names, .. }) => {
                assert!(!names.is_empty());
                refused += 1;
            }
            Err(e) => panic!("{}: {e}", f.display()),
        }
    }
    println!("{imported} imported, {refused} refused by name");
    assert!(imported >= 196, "only {imported} of 208 instances import");
}

/// A one-teacher, one-class FET document: `acts` are (id, tag) lessons of one period each.
fn tiny_fet(head: &str, days: usize, hours: usize, acts: &[(u32, &str)], constraints: &str) -> String {
    let days_xml: String = (1..=days).map(|d| format!("<Day><Name>D{d}</Name></Day>")).collect();
    let hours_xml: String = (1..=hours).map(|q| format!("<Hour><Name>H{q}</Name></Hour>")).collect();
    let acts_xml: String = acts
        .iter()
        .map(|(id, tag)| {
            let tag = if tag.is_empty() { String::new() } else { format!("<Activity_Tag>{tag}</Activity_Tag>") };
            format!(
                "<Activity><Teacher>Ann</Teacher><Subject>S</Subject>{tag}<Students>Y1</Students><Duration>1</Duration><Total_Duration>1</Total_Duration><Id>{id}</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>\n"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
{head}
<Institution_Name>Tiny</Institution_Name>
<Days_List><Number_of_Days>{days}</Number_of_Days>{days_xml}</Days_List>
<Hours_List><Number_of_Hours>{hours}</Number_of_Hours>{hours_xml}</Hours_List>
<Subjects_List><Subject><Name>S</Name></Subject></Subjects_List>
<Activity_Tags_List><Activity_Tag><Name>Lab</Name></Activity_Tag></Activity_Tags_List>
<Teachers_List><Teacher><Name>Ann</Name></Teacher></Teachers_List>
<Students_List><Year><Name>Y1</Name><Number_of_Students>30</Number_of_Students></Year></Students_List>
<Activities_List>
{acts_xml}</Activities_List>
<Rooms_List></Rooms_List>
<Time_Constraints_List>
<ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
{constraints}
</Time_Constraints_List>
<Space_Constraints_List></Space_Constraints_List>
</fet>
"#
    )
}

/// Solves `p` (it must succeed) and checks the independent checker agrees.
fn solved(p: &Problem) -> Vec<u16> {
    let s =
        solve(p, &SolveConfig { max_iterations: Some(20_000), ..SolveConfig::default() }, &control(&never)).unwrap();
    assert!(s.hard_ok(), "{:?}", s.report.violations);
    assert!(s.bookkeeping_agrees);
    assert!(check(p, &s.timetable).hard_ok());
    s.timetable.placements.iter().map(|pl| pl.start.unwrap()).collect()
}

/// The checker's hard count for the given starts (no rooms).
fn hard_count(p: &Problem, starts: &[u16]) -> u64 {
    let tt = Timetable { placements: starts.iter().map(|&s| Placement { start: Some(s), room: None }).collect() };
    check(p, &tt).hard_violations
}

const OFFICIAL: &str = r#"<fet version="6.8.5"><Mode>Official</Mode>"#;

#[test]
fn fet_activity_tag_max_hours_daily_binds_and_is_checked() {
    // Two days of two periods; the two lab lessons must go on different days.
    let acts = [(1, "Lab"), (2, "Lab"), (3, ""), (4, "")];
    for c in [
        "<ConstraintTeacherActivityTagMaxHoursDaily><Weight_Percentage>100</Weight_Percentage><Teacher_Name>Ann</Teacher_Name><Activity_Tag_Name>Lab</Activity_Tag_Name><Maximum_Hours_Daily>1</Maximum_Hours_Daily><Active>true</Active></ConstraintTeacherActivityTagMaxHoursDaily>",
        "<ConstraintStudentsSetActivityTagMaxHoursDaily><Weight_Percentage>100</Weight_Percentage><Maximum_Hours_Daily>1</Maximum_Hours_Daily><Students>Y1</Students><Activity_Tag>Lab</Activity_Tag><Active>true</Active></ConstraintStudentsSetActivityTagMaxHoursDaily>",
    ] {
        let p = fet::import(&tiny_fet(OFFICIAL, 2, 2, &acts, c), ImportOptions::default()).unwrap().problem;
        assert!(matches!(p.constraints[0].kind, Kind::TagRule { rule: Rule::MaxHoursDaily(1), .. }));
        let s = solved(&p);
        assert_ne!(s[0] / 2, s[1] / 2, "lab lessons on different days: {s:?}");
        assert_eq!(hard_count(&p, &[0, 1, 2, 3]), 1, "both labs on day 1 is one hour too many");
        assert_eq!(hard_count(&p, &[0, 2, 1, 3]), 0);
    }
    // Unknown tags are bad input, named.
    let bad = tiny_fet(
        OFFICIAL,
        2,
        2,
        &acts,
        "<ConstraintTeachersActivityTagMaxHoursDaily><Weight_Percentage>100</Weight_Percentage><Activity_Tag_Name>Gym</Activity_Tag_Name><Maximum_Hours_Daily>1</Maximum_Hours_Daily><Active>true</Active></ConstraintTeachersActivityTagMaxHoursDaily>",
    );
    match fet::import(&bad, ImportOptions::default()) {
        Err(TimetableError::BadInput { message, .. }) => assert!(message.contains("Gym"), "{message}"),
        other => panic!("expected bad input, got {other:?}"),
    }
}

#[test]
fn fet_activity_tag_max_hours_continuously_binds_and_is_checked() {
    // One day of four periods: the labs may not be back to back, an untagged lesson or a free
    // period between them is enough.
    let acts = [(1, "Lab"), (2, "Lab"), (3, ""), (4, "")];
    let c = "<ConstraintTeachersActivityTagMaxHoursContinuously><Weight_Percentage>100</Weight_Percentage><Activity_Tag_Name>Lab</Activity_Tag_Name><Maximum_Hours_Continuously>1</Maximum_Hours_Continuously><Active>true</Active></ConstraintTeachersActivityTagMaxHoursContinuously>";
    let p = fet::import(&tiny_fet(OFFICIAL, 1, 4, &acts, c), ImportOptions::default()).unwrap().problem;
    let s = solved(&p);
    assert!(s[0].abs_diff(s[1]) >= 2, "labs not adjacent: {s:?}");
    assert_eq!(hard_count(&p, &[1, 2, 0, 3]), 1, "two labs in a row");
    assert_eq!(hard_count(&p, &[0, 2, 1, 3]), 0, "an untagged lesson between them");
    // As a soft constraint it costs its weight per excess hour.
    let soft = tiny_fet(OFFICIAL, 1, 4, &acts, &c.replace(">100<", ">50<"));
    let p = fet::import(&soft, ImportOptions::default()).unwrap().problem;
    let tt =
        Timetable { placements: [1u16, 2, 0, 3].iter().map(|&s| Placement { start: Some(s), room: None }).collect() };
    assert_eq!(check(&p, &tt).soft_penalty(), 0.5);
}

#[test]
fn fet_students_max_span_per_day_binds_and_is_checked() {
    let acts = [(1, ""), (2, "")];
    let c = "<ConstraintStudentsMaxSpanPerDay><Weight_Percentage>100</Weight_Percentage><Max_Span>2</Max_Span><Active>true</Active></ConstraintStudentsMaxSpanPerDay>\n<ConstraintActivityPreferredStartingTime><Weight_Percentage>100</Weight_Percentage><Activity_Id>1</Activity_Id><Preferred_Day>D1</Preferred_Day><Preferred_Hour>H1</Preferred_Hour><Active>true</Active></ConstraintActivityPreferredStartingTime>";
    let p = fet::import(&tiny_fet(OFFICIAL, 1, 4, &acts, c), ImportOptions::default()).unwrap().problem;
    assert_eq!(solved(&p), vec![0, 1], "the second lesson right after the first");
    assert_eq!(hard_count(&p, &[0, 3]), 2, "a span of 4 is 2 too long");
    assert_eq!(hard_count(&p, &[0, 2]), 1);
}

#[test]
fn fet_terms_mode_max_in_a_term_and_occupy_max_terms() {
    // FET 5 "-mathmake" builds are FET's terms mode with terms of 5 days: 10 days are 2 terms.
    let acts: Vec<(u32, &str)> = (1..=6).map(|i| (i, "")).collect();
    let c = "<ConstraintActivitiesMaxInATerm><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>4</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><Activity_Id>3</Activity_Id><Activity_Id>4</Activity_Id><Max_Number_of_Activities_in_A_Term>2</Max_Number_of_Activities_in_A_Term><Active>true</Active></ConstraintActivitiesMaxInATerm>
<ConstraintActivitiesOccupyMaxTerms><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>5</Activity_Id><Activity_Id>6</Activity_Id><Max_Number_of_Occupied_Terms>1</Max_Number_of_Occupied_Terms><Active>true</Active></ConstraintActivitiesOccupyMaxTerms>";
    let mathmake = tiny_fet(r#"<fet version="5.42.2-mathmake">"#, 10, 1, &acts, c);
    let p = fet::import(&mathmake, ImportOptions::default()).unwrap().problem;
    let s = solved(&p);
    assert_eq!(s[..4].iter().filter(|&&x| x < 5).count(), 2, "two of the four in each term: {s:?}");
    assert_eq!(s[4] / 5, s[5] / 5, "5 and 6 in one term: {s:?}");
    assert_eq!(hard_count(&p, &[0, 1, 2, 5, 6, 7]), 1, "three in the first term");
    assert_eq!(hard_count(&p, &[0, 1, 5, 6, 2, 7]), 1, "5 and 6 in two terms");
    assert_eq!(hard_count(&p, &[0, 1, 5, 6, 2, 3]), 0);

    // FET 6 files say how long a term is, and it must divide the week.
    let terms = r#"<fet version="6.8.5"><Mode>Terms</Mode><Number_of_Terms>5</Number_of_Terms><Number_of_Days_Per_Term>2</Number_of_Days_Per_Term>"#;
    let p = fet::import(&tiny_fet(terms, 10, 1, &acts, c), ImportOptions::default()).unwrap().problem;
    assert!(matches!(p.constraints[0].kind, Kind::MaxInATerm { days_per_term: 2, max: 2, .. }));
    let uneven = terms.replace(
        "<Number_of_Terms>5</Number_of_Terms><Number_of_Days_Per_Term>2",
        "<Number_of_Terms>3</Number_of_Terms><Number_of_Days_Per_Term>3",
    );
    assert!(matches!(
        fet::import(&tiny_fet(&uneven, 10, 1, &acts, c), ImportOptions::default()),
        Err(TimetableError::BadInput { .. })
    ));
    // Outside terms mode the term constraints make no sense and are refused with their line.
    match fet::import(&tiny_fet(OFFICIAL, 10, 1, &acts, c), ImportOptions::default()) {
        Err(TimetableError::BadInput { message, line }) => {
            assert!(message.contains("terms mode") && line > 0, "{message}")
        }
        other => panic!("expected bad input, got {other:?}"),
    }
}

/// A FET document with teachers Ann/Bob/Cat, years Y1/Y2/Y3, tags Lab/Talk and one-period
/// lessons `(id, teacher, students, tag)` (an empty field is left out).
fn fet_doc(head: &str, days: usize, hours: usize, acts: &[(u32, &str, &str, &str)], constraints: &str) -> String {
    let days_xml: String = (1..=days).map(|d| format!("<Day><Name>D{d}</Name></Day>")).collect();
    let hours_xml: String = (1..=hours).map(|q| format!("<Hour><Name>H{q}</Name></Hour>")).collect();
    let acts_xml: String = acts
        .iter()
        .map(|(id, teacher, students, tag)| {
            let opt = |el: &str, v: &str| if v.is_empty() { String::new() } else { format!("<{el}>{v}</{el}>") };
            format!(
                "<Activity>{}<Subject>S</Subject>{}{}<Duration>1</Duration><Total_Duration>1</Total_Duration><Id>{id}</Id><Activity_Group_Id>0</Activity_Group_Id><Active>true</Active></Activity>\n",
                opt("Teacher", teacher),
                opt("Activity_Tag", tag),
                opt("Students", students)
            )
        })
        .collect();
    let years: String = ["Y1", "Y2", "Y3"]
        .iter()
        .map(|y| format!("<Year><Name>{y}</Name><Number_of_Students>30</Number_of_Students></Year>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
{head}
<Institution_Name>Tiny</Institution_Name>
<Days_List><Number_of_Days>{days}</Number_of_Days>{days_xml}</Days_List>
<Hours_List><Number_of_Hours>{hours}</Number_of_Hours>{hours_xml}</Hours_List>
<Subjects_List><Subject><Name>S</Name></Subject></Subjects_List>
<Activity_Tags_List><Activity_Tag><Name>Lab</Name></Activity_Tag><Activity_Tag><Name>Talk</Name></Activity_Tag></Activity_Tags_List>
<Teachers_List><Teacher><Name>Ann</Name></Teacher><Teacher><Name>Bob</Name></Teacher><Teacher><Name>Cat</Name></Teacher></Teachers_List>
<Students_List>{years}</Students_List>
<Activities_List>
{acts_xml}</Activities_List>
<Rooms_List></Rooms_List>
<Time_Constraints_List>
<ConstraintBasicCompulsoryTime><Weight_Percentage>100</Weight_Percentage><Active>true</Active></ConstraintBasicCompulsoryTime>
{constraints}
</Time_Constraints_List>
<Space_Constraints_List></Space_Constraints_List>
</fet>
"#
    )
}

fn doc_problem(head: &str, days: usize, hours: usize, acts: &[(u32, &str, &str, &str)], c: &str) -> Problem {
    fet::import(&fet_doc(head, days, hours, acts, c), ImportOptions::default()).unwrap().problem
}

fn pin(id: u32, day: usize, hour: usize) -> String {
    format!(
        "<ConstraintActivityPreferredStartingTime><Weight_Percentage>100</Weight_Percentage><Activity_Id>{id}</Activity_Id><Preferred_Day>D{day}</Preferred_Day><Preferred_Hour>H{hour}</Preferred_Hour><Active>true</Active></ConstraintActivityPreferredStartingTime>"
    )
}

fn ids(v: &[u32]) -> String {
    let list: String = v.iter().map(|i| format!("<Activity_Id>{i}</Activity_Id>")).collect();
    format!("<Number_of_Activities>{}</Number_of_Activities>{list}", v.len())
}

fn selected(slots: &[(usize, usize)]) -> String {
    let list: String = slots
        .iter()
        .map(|(d, q)| format!("<Selected_Time_Slot><Selected_Day>D{d}</Selected_Day><Selected_Hour>H{q}</Selected_Hour></Selected_Time_Slot>"))
        .collect();
    format!("<Number_of_Selected_Time_Slots>{}</Number_of_Selected_Time_Slots>{list}", slots.len())
}

#[test]
fn fet_min_resting_hours_binds_and_wraps_when_circular() {
    // Two days of four periods. A lesson in the last period of day 1 leaves no rest before any
    // lesson on day 2, so with 4 resting hours the other lesson goes on day 1 too.
    let acts = [(1, "Ann", "Y1", ""), (2, "Ann", "Y1", "")];
    for who in [
        "<ConstraintTeacherMinRestingHours><Weight_Percentage>100</Weight_Percentage><Teacher_Name>Ann</Teacher_Name>",
        "<ConstraintTeachersMinRestingHours><Weight_Percentage>100</Weight_Percentage>",
        "<ConstraintStudentsMinRestingHours><Weight_Percentage>100</Weight_Percentage>",
        "<ConstraintStudentsSetMinRestingHours><Weight_Percentage>100</Weight_Percentage><Students>Y1</Students>",
    ] {
        let close = &who[1..who.find('>').unwrap()];
        let c = format!(
            "{who}<Minimum_Resting_Hours>4</Minimum_Resting_Hours><Circular>false</Circular><Active>true</Active></{close}>{}",
            pin(1, 1, 4)
        );
        let p = doc_problem(OFFICIAL, 2, 4, &acts, &c);
        assert!(matches!(
            p.constraints[0].kind,
            Kind::ResourceRule { rule: Rule::MinRestingHours { min: 4, circular: false }, .. }
        ));
        let s = solved(&p);
        assert!(s[1] < 4, "the second lesson on day 1: {s:?}");
        assert_eq!(hard_count(&p, &[3, 4]), 4, "{close}: no rest at all between the days");
        assert_eq!(hard_count(&p, &[3, 7]), 1, "three free periods before the last one of day 2");
    }
    // Circular: the last day is followed by the first.
    let c = |circular: bool| {
        format!(
            "<ConstraintTeachersMinRestingHours><Weight_Percentage>100</Weight_Percentage><Minimum_Resting_Hours>2</Minimum_Resting_Hours><Circular>{circular}</Circular><Active>true</Active></ConstraintTeachersMinRestingHours>"
        )
    };
    assert_eq!(hard_count(&doc_problem(OFFICIAL, 2, 4, &acts, &c(false)), &[0, 7]), 0);
    assert_eq!(
        hard_count(&doc_problem(OFFICIAL, 2, 4, &acts, &c(true)), &[0, 7]),
        2,
        "day 2 ends last, day 1 starts first"
    );
    let p = doc_problem(OFFICIAL, 2, 4, &acts, &format!("{}{}", c(true), pin(1, 1, 1)));
    let s = solved(&p);
    assert!(s[1] < 4 || s[1] < 7, "{s:?}");
    assert_eq!(hard_count(&p, &s), 0);
}

#[test]
fn fet_teachers_max_span_per_day_with_one_longer_day() {
    let acts: Vec<(u32, &str, &str, &str)> = (1..=4).map(|i| (i, "Ann", "", "")).collect();
    let c = |allow: bool| {
        format!(
            "<ConstraintTeachersMaxSpanPerDay><Weight_Percentage>100</Weight_Percentage><Max_Span>2</Max_Span><Allow_One_Day_Exception_of_Plus_One>{allow}</Allow_One_Day_Exception_of_Plus_One><Active>true</Active></ConstraintTeachersMaxSpanPerDay>{}{}",
            pin(1, 1, 1),
            pin(2, 1, 3)
        )
    };
    let strict = doc_problem(OFFICIAL, 2, 4, &acts, &c(false));
    let lenient = doc_problem(OFFICIAL, 2, 4, &acts, &c(true));
    // Day 1 spans 3 periods, day 2 spans 2.
    assert_eq!(hard_count(&strict, &[0, 2, 4, 5]), 1);
    assert_eq!(hard_count(&lenient, &[0, 2, 4, 5]), 0, "one day may be one period longer");
    assert_eq!(hard_count(&lenient, &[0, 2, 4, 6]), 1, "but only one day");
    assert_eq!(hard_count(&lenient, &[0, 2, 4, 7]), 2, "and only by one period: day 2 is two too long");
    let s = solved(&lenient);
    assert_eq!(hard_count(&lenient, &s), 0);
    assert_eq!(hard_count(&strict, &s), 1, "the pins make day 1 one period too long");
    let teacher = c(true).replace(
        "ConstraintTeachersMaxSpanPerDay><Weight_Percentage>100</Weight_Percentage>",
        "ConstraintTeacherMaxSpanPerDay><Weight_Percentage>100</Weight_Percentage><Teacher_Name>Ann</Teacher_Name>",
    );
    let p = doc_problem(
        OFFICIAL,
        2,
        4,
        &acts,
        &teacher.replace("</ConstraintTeachersMaxSpanPerDay>", "</ConstraintTeacherMaxSpanPerDay>"),
    );
    assert!(matches!(p.constraints[0].kind, Kind::ResourceRule { rule: Rule::MaxSpanPerDayOneLonger(2), .. }));
}

#[test]
fn fet_ordered_if_same_day_and_max_days_between() {
    let acts = [(1, "Ann", "", ""), (2, "Bob", "", "")];
    let c = "<ConstraintTwoActivitiesOrderedIfSameDay><Weight_Percentage>100</Weight_Percentage><First_Activity_Id>1</First_Activity_Id><Second_Activity_Id>2</Second_Activity_Id><Active>true</Active></ConstraintTwoActivitiesOrderedIfSameDay>";
    let p = doc_problem(OFFICIAL, 2, 3, &acts, &format!("{c}{}", pin(2, 1, 1)));
    let s = solved(&p);
    assert!(s[0] >= 3, "the first cannot precede the second on day 1, so it goes to day 2: {s:?}");
    assert_eq!(hard_count(&p, &[1, 0]), 1);
    assert_eq!(hard_count(&p, &[0, 0]), 1, "overlapping is not before");
    assert_eq!(hard_count(&p, &[4, 0]), 0, "another day is fine");

    let acts = [(1, "Ann", "", ""), (2, "Ann", "", "")];
    let c = format!(
        "<ConstraintMaxDaysBetweenActivities><Weight_Percentage>100</Weight_Percentage>{}<MaxDays>1</MaxDays><Active>true</Active></ConstraintMaxDaysBetweenActivities>{}",
        ids(&[1, 2]),
        pin(1, 1, 1)
    );
    let p = doc_problem(OFFICIAL, 3, 1, &acts, &c);
    assert_eq!(solved(&p), vec![0, 1]);
    assert_eq!(hard_count(&p, &[0, 2]), 1, "two days apart");
}

#[test]
fn fet_selected_slot_counts_min_simultaneous_max_total_occupy_min() {
    // Three lessons that may overlap: at least two at once wherever any is held.
    let free = [(1, "Ann", "Y1", ""), (2, "Bob", "Y2", ""), (3, "Cat", "Y3", "")];
    let c = |allow: bool| {
        format!(
            "<ConstraintActivitiesMinSimultaneousInSelectedTimeSlots><Weight_Percentage>100</Weight_Percentage>{}{}<Min_Number_of_Simultaneous_Activities>2</Min_Number_of_Simultaneous_Activities><Allow_Empty_Slots>{allow}</Allow_Empty_Slots><Active>true</Active></ConstraintActivitiesMinSimultaneousInSelectedTimeSlots>",
            ids(&[1, 2, 3]),
            selected(&[(1, 1), (2, 1)])
        )
    };
    let p = doc_problem(OFFICIAL, 2, 1, &free, &c(true));
    let s = solved(&p);
    assert!(s.iter().all(|&x| x == s[0]), "all three together: {s:?}");
    assert_eq!(hard_count(&p, &[0, 0, 1]), 1, "one lesson alone on day 2");
    let p = doc_problem(OFFICIAL, 2, 1, &free, &c(false));
    assert_eq!(hard_count(&p, &[0, 0, 0]), 2, "day 2 may not be empty");
    assert_eq!(hard_count(&p, &[0, 0, 1]), 1);

    // Ann's three lessons: at most one of them on day 1.
    let ann = [(1, "Ann", "", ""), (2, "Ann", "", ""), (3, "Ann", "", "")];
    let c = format!(
        "<ConstraintMaxTotalActivitiesFromSetInSelectedTimeSlots><Weight_Percentage>100</Weight_Percentage>{}{}<Max_Total_Number_of_Activities>1</Max_Total_Number_of_Activities><Active>true</Active></ConstraintMaxTotalActivitiesFromSetInSelectedTimeSlots>",
        ids(&[1, 2, 3]),
        selected(&[(1, 1), (1, 2)])
    );
    let p = doc_problem(OFFICIAL, 2, 2, &ann, &c);
    let s = solved(&p);
    assert!(s.iter().filter(|&&x| x < 2).count() <= 1, "{s:?}");
    assert_eq!(hard_count(&p, &[0, 1, 2]), 1);

    // Two lessons must occupy both periods of day 2.
    let c = format!(
        "<ConstraintActivitiesOccupyMinTimeSlotsFromSelection><Weight_Percentage>100</Weight_Percentage>{}{}<Min_Number_of_Occupied_Time_Slots>2</Min_Number_of_Occupied_Time_Slots><Active>true</Active></ConstraintActivitiesOccupyMinTimeSlotsFromSelection>",
        ids(&[1, 2]),
        selected(&[(2, 1), (2, 2)])
    );
    let p = doc_problem(OFFICIAL, 2, 2, &ann[..2], &c);
    let mut s = solved(&p);
    s.sort_unstable();
    assert_eq!(s, vec![2, 3]);
    assert_eq!(hard_count(&p, &[0, 2]), 1);
}

#[test]
fn fet_activity_tags_not_overlapping_and_ordered_tag_pair_gaps() {
    let acts = [(1, "Ann", "Y1", "Lab"), (2, "Bob", "Y2", "Talk"), (3, "Cat", "Y3", "Lab")];
    let c = "<ConstraintActivityTagsNotOverlapping><Weight_Percentage>100</Weight_Percentage><Number_of_Activity_Tags>2</Number_of_Activity_Tags><Activity_Tag>Lab</Activity_Tag><Activity_Tag>Talk</Activity_Tag><Active>true</Active></ConstraintActivityTagsNotOverlapping>";
    let p = doc_problem(OFFICIAL, 1, 2, &acts, c);
    let s = solved(&p);
    assert_ne!(s[1], s[0]);
    assert_ne!(s[1], s[2]);
    assert_eq!(hard_count(&p, &[0, 0, 0]), 2, "the talk meets both labs");
    assert_eq!(hard_count(&p, &[0, 1, 0]), 0, "two labs may meet");

    // Y1: a talk after a lab needs a free period between them.
    let acts = [(1, "Ann", "Y1", "Lab"), (2, "Bob", "Y1", "Talk")];
    let tail = "<First_Activity_Tag>Lab</First_Activity_Tag><Second_Activity_Tag>Talk</Second_Activity_Tag><MinGaps>1</MinGaps><Active>true</Active>";
    for (open, close) in [
        (
            "<ConstraintStudentsMinGapsBetweenOrderedPairOfActivityTags><Weight_Percentage>100</Weight_Percentage>",
            "ConstraintStudentsMinGapsBetweenOrderedPairOfActivityTags",
        ),
        (
            "<ConstraintStudentsSetMinGapsBetweenOrderedPairOfActivityTags><Weight_Percentage>100</Weight_Percentage><Students>Y1</Students>",
            "ConstraintStudentsSetMinGapsBetweenOrderedPairOfActivityTags",
        ),
    ] {
        let p = doc_problem(OFFICIAL, 1, 3, &acts, &format!("{open}{tail}</{close}>{}", pin(1, 1, 2)));
        let s = solved(&p);
        assert_eq!(s[1], 0, "the talk before the lab: {s:?}");
        assert_eq!(hard_count(&p, &[1, 2]), 1, "{close}: the talk right after the lab");
        assert_eq!(hard_count(&p, &[1, 0]), 0);
    }
    let acts = [(1, "Ann", "Y1", "Lab"), (2, "Ann", "Y2", "Talk")];
    for (open, close) in [
        (
            "<ConstraintTeacherMinGapsBetweenOrderedPairOfActivityTags><Weight_Percentage>100</Weight_Percentage><Teacher>Ann</Teacher>",
            "ConstraintTeacherMinGapsBetweenOrderedPairOfActivityTags",
        ),
        (
            "<ConstraintTeachersMinGapsBetweenOrderedPairOfActivityTags><Weight_Percentage>100</Weight_Percentage>",
            "ConstraintTeachersMinGapsBetweenOrderedPairOfActivityTags",
        ),
    ] {
        let p = doc_problem(OFFICIAL, 1, 3, &acts, &format!("{open}{tail}</{close}>"));
        assert_eq!(hard_count(&p, &[0, 1]), 1, "{close}");
        assert_eq!(hard_count(&p, &[0, 2]), 0);
        assert_eq!(hard_count(&p, &solved(&p)), 0);
    }
}

#[test]
fn fet_block_planning_students_take_one_block_at_a_time() {
    // Days stand for teachers and periods for blocks: Y1's two lessons may not share a block,
    // even on different "days" (FET 6.8.5 refuses D1 H1 + D2 H1 and accepts D1 H1 + D2 H2).
    let acts = [(1, "", "Y1", ""), (2, "", "Y1", "")];
    for head in [r#"<fet version="6.8.5"><Mode>Block_Planning</Mode>"#, r#"<fet version="5.44.4-bp">"#] {
        let p = doc_problem(head, 2, 2, &acts, &pin(1, 1, 1));
        let s = solved(&p);
        assert_eq!(s[1] % 2, 1, "the other block: {s:?}");
        assert_eq!(hard_count(&p, &[0, 2]), 1, "same block on two days");
    }
    assert_eq!(hard_count(&doc_problem(OFFICIAL, 2, 2, &acts, ""), &[0, 2]), 0, "the official mode allows it");
}

/// `tiny_fet` in FET 6's mornings-afternoons mode; Ann's behaviour is given.
fn tiny_ma(behaviour: &str, half_days: usize, hours: usize, acts: &[(u32, &str)], constraints: &str) -> String {
    tiny_fet(r#"<fet version="6.8.5"><Mode>Mornings_Afternoons</Mode>"#, half_days, hours, acts, constraints).replace(
        "<Teacher><Name>Ann</Name></Teacher>",
        &format!("<Teacher><Name>Ann</Name><Mornings_Afternoons_Behavior>{behaviour}</Mornings_Afternoons_Behavior></Teacher>"),
    )
}

fn ann_not_available(slots: &[(usize, usize)]) -> String {
    let times: String = slots
        .iter()
        .map(|(d, q)| format!("<Not_Available_Time><Day>D{d}</Day><Hour>H{q}</Hour></Not_Available_Time>"))
        .collect();
    format!(
        "<ConstraintTeacherNotAvailableTimes><Weight_Percentage>100</Weight_Percentage><Teacher>Ann</Teacher><Number_of_Not_Available_Times>{}</Number_of_Not_Available_Times>{times}<Active>true</Active></ConstraintTeacherNotAvailableTimes>",
        slots.len()
    )
}

#[test]
fn fet_mornings_afternoons_mode_pairs_half_days_and_reads_teacher_behaviour() {
    // Six half days of one period are three real days; Ann cannot come on the third.
    let acts = [(1, ""), (2, "")];
    let away = ann_not_available(&[(5, 1), (6, 1)]);
    let p = fet::import(&tiny_ma("Exclusive", 6, 1, &acts, &away), ImportOptions::default()).unwrap().problem;
    assert!(p.half_days);
    // "Exclusive": never morning and afternoon of one real day (checked against FET 6.8.5).
    let s = solved(&p);
    assert_ne!(s[0] / 2, s[1] / 2, "the two lessons on different real days: {s:?}");
    assert_eq!(hard_count(&p, &[0, 1]), 1, "morning and afternoon of real day 1");
    assert_eq!(hard_count(&p, &[0, 2]), 0);
    let p = fet::import(&tiny_ma("One day exception", 6, 1, &acts, &away), ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count(&p, &[0, 1]), 0, "one such day is allowed");
    let p = fet::import(&tiny_ma("Unrestricted", 6, 1, &acts, &away), ImportOptions::default()).unwrap().problem;
    assert!(p.constraints.iter().all(|c| !matches!(c.kind, Kind::ResourceRule { .. })));
    // FET 6 cannot generate without a behaviour: named as bad input.
    let missing = tiny_fet(r#"<fet version="6.8.5"><Mode>Mornings_Afternoons</Mode>"#, 6, 1, &acts, "");
    match fet::import(&missing, ImportOptions::default()) {
        Err(TimetableError::BadInput { message, .. }) => assert!(message.contains("Ann"), "{message}"),
        other => panic!("expected bad input, got {other:?}"),
    }
    // FET 5 "-morocco" builds: exclusive unless listed as an exception; "-algeria": unrestricted.
    let morocco = tiny_fet(r#"<fet version="5.27.3-morocco">"#, 6, 1, &acts, &away);
    let p = fet::import(&morocco, ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count(&p, &[0, 1]), 1);
    let listed = morocco.replace(
        "<Subjects_List>",
        "<Exception_Teachers_One_Day_List><Teacher>Ann</Teacher></Exception_Teachers_One_Day_List><Subjects_List>",
    );
    let p = fet::import(&listed, ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count(&p, &[0, 1]), 0);
    let algeria = tiny_fet(r#"<fet version="5.27.3-algeria">"#, 6, 1, &acts, &away);
    let p = fet::import(&algeria, ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count(&p, &[0, 1]), 0);
    // An odd number of half days cannot be paired.
    assert!(matches!(
        fet::import(&tiny_ma("Unrestricted", 5, 1, &acts, ""), ImportOptions::default()),
        Err(TimetableError::BadInput { .. })
    ));
}

#[test]
fn fet_mornings_afternoons_min_days_between_activities_counts_real_days() {
    let acts = [(1, ""), (2, "")];
    let c = "<ConstraintMinDaysBetweenActivities><Weight_Percentage>100</Weight_Percentage><Consecutive_If_Same_Day>true</Consecutive_If_Same_Day><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><MinDays>1</MinDays><Active>true</Active></ConstraintMinDaysBetweenActivities>";
    // Four half days of two periods: slots 0-1 morning 1, 2-3 afternoon 1, 4-5 morning 2.
    let p = fet::import(&tiny_ma("Unrestricted", 4, 2, &acts, c), ImportOptions::default()).unwrap().problem;
    let s = solved(&p);
    assert_ne!(s[0] / 4, s[1] / 4, "different real days: {s:?}");
    assert_eq!(hard_count(&p, &[0, 2]), 2, "morning and afternoon of one real day, not back to back");
    assert_eq!(hard_count(&p, &[0, 4]), 0);
    // The same file in the official mode counts the half days as days.
    let official = tiny_fet(OFFICIAL, 4, 2, &acts, c);
    let p = fet::import(&official, ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count(&p, &[0, 2]), 0);
}

#[test]
fn fet5_mornings_afternoons_files_use_fet6_names_for_real_day_constraints() {
    let acts = [(1, ""), (2, "")];
    let c = "<ConstraintTeacherMaxDaysPerWeek><Weight_Percentage>100</Weight_Percentage><Teacher_Name>Ann</Teacher_Name><Max_Days_Per_Week>1</Max_Days_Per_Week><Active>true</Active></ConstraintTeacherMaxDaysPerWeek>
<ConstraintTeacherMaxHoursDailyHalfDays><Weight_Percentage>100</Weight_Percentage><Teacher_Name>Ann</Teacher_Name><Maximum_Hours_Daily>1</Maximum_Hours_Daily><Active>true</Active></ConstraintTeacherMaxHoursDailyHalfDays>";
    let fet5 = tiny_fet(r#"<fet version="5.27.3-ma3">"#, 4, 2, &acts, c).replace(
        "<Name>Ann</Name></Teacher>",
        "<Name>Ann</Name><Mornings_Afternoons_Behavior>Unrestricted</Mornings_Afternoons_Behavior></Teacher>",
    );
    let p = fet::import(&fet5, ImportOptions::default()).unwrap().problem;
    let rules: Vec<Rule> = p
        .constraints
        .iter()
        .filter_map(|c| match &c.kind {
            Kind::ResourceRule { rule, .. } => Some(*rule),
            _ => None,
        })
        .collect();
    assert_eq!(rules, vec![Rule::MaxRealDaysPerWeek(1), Rule::MaxHoursDaily(1)]);
    // One real day, one lesson per half day: morning and afternoon.
    let s = solved(&p);
    assert_eq!(s[0] / 4, s[1] / 4);
    assert_ne!(s[0] / 2, s[1] / 2);
}

/// Each mornings-afternoons constraint binds: FET 6 file with Ann's lessons, timetables that
/// break it and one that keeps it (semantics checked against FET 6.8.5 on the same instances).
#[test]
fn fet_mornings_afternoons_constraints_bind_and_are_checked() {
    let el = |name: &str, body: &str| {
        format!("<{name}><Weight_Percentage>100</Weight_Percentage>{body}<Active>true</Active></{name}>")
    };
    let ann = "<Teacher_Name>Ann</Teacher_Name>";
    // (constraint, half days, periods, lessons, broken timetables with their counts, a kept one)
    type Case = (String, usize, usize, usize, Vec<(Vec<u16>, u64)>, Vec<u16>);
    let cases: Vec<Case> = vec![
        (
            el("ConstraintTeachersMaxAfternoonsPerWeek", "<Max_Afternoons_Per_Week>1</Max_Afternoons_Per_Week>"),
            4,
            2,
            2,
            vec![(vec![2, 6], 1)],
            vec![2, 3],
        ),
        (
            el(
                "ConstraintTeacherMaxMorningsPerWeek",
                &format!("{ann}<Max_Mornings_Per_Week>1</Max_Mornings_Per_Week>"),
            ),
            4,
            2,
            2,
            vec![(vec![0, 4], 1)],
            vec![0, 1],
        ),
        (
            el("ConstraintTeachersMaxHoursDailyRealDays", "<Maximum_Hours_Daily>2</Maximum_Hours_Daily>"),
            4,
            2,
            3,
            vec![(vec![0, 1, 2], 1)],
            vec![0, 1, 4],
        ),
        (
            el(
                "ConstraintStudentsSetMaxHoursDailyRealDays",
                "<Maximum_Hours_Daily>1</Maximum_Hours_Daily><Students>Y1</Students>",
            ),
            4,
            2,
            2,
            vec![(vec![0, 3], 1)],
            vec![0, 4],
        ),
        // Real-day gaps run from the morning's first lesson to the afternoon's last.
        (
            el(
                "ConstraintTeacherMaxGapsPerRealDay",
                &format!(
                    "{ann}<Max_Gaps>1</Max_Gaps><Allow_One_Day_Exception_of_Plus_One>false</Allow_One_Day_Exception_of_Plus_One>"
                ),
            ),
            4,
            2,
            2,
            vec![(vec![0, 3], 1)],
            vec![1, 2],
        ),
        (
            el(
                "ConstraintTeacherMaxGapsPerRealDay",
                &format!(
                    "{ann}<Max_Gaps>0</Max_Gaps><Allow_One_Day_Exception_of_Plus_One>true</Allow_One_Day_Exception_of_Plus_One>"
                ),
            ),
            4,
            2,
            4,
            vec![(vec![0, 3, 4, 7], 3), (vec![0, 2, 4, 6], 1)],
            vec![0, 2, 4, 5],
        ),
        (
            el("ConstraintTeacherMaxRealDaysPerWeek", &format!("{ann}<Max_Days_Per_Week>1</Max_Days_Per_Week>")),
            4,
            1,
            2,
            vec![(vec![0, 2], 1)],
            vec![0, 1],
        ),
        (
            el(
                "ConstraintTeacherMinRealDaysPerWeek",
                &format!("{ann}<Minimum_Days_Per_Week>2</Minimum_Days_Per_Week>"),
            ),
            4,
            1,
            2,
            vec![(vec![0, 1], 1)],
            vec![0, 2],
        ),
        (
            el(
                "ConstraintTeacherMinHoursDailyRealDays",
                &format!("{ann}<Minimum_Hours_Daily>2</Minimum_Hours_Daily><Allow_Empty_Days>true</Allow_Empty_Days>"),
            ),
            4,
            2,
            2,
            vec![(vec![0, 4], 2)],
            vec![0, 2],
        ),
        (
            el(
                "ConstraintStudentsMinHoursPerMorning",
                "<Minimum_Hours_Per_Morning>2</Minimum_Hours_Per_Morning><Allow_Empty_Mornings>true</Allow_Empty_Mornings>",
            ),
            4,
            2,
            2,
            vec![(vec![0, 4], 2)],
            vec![0, 1],
        ),
        // "No empty days" in this mode: a half day may be empty if the other half has lessons.
        (
            el(
                "ConstraintStudentsSetMinHoursDaily",
                "<Minimum_Hours_Daily>2</Minimum_Hours_Daily><Students>Y1</Students><Allow_Empty_Days>false</Allow_Empty_Days>",
            ),
            4,
            2,
            4,
            vec![(vec![0, 1, 2, 3], 1), (vec![0, 2, 4, 6], 4)],
            vec![0, 1, 4, 5],
        ),
        (el("ConstraintTeachersMaxZeroGapsPerAfternoon", ""), 2, 3, 2, vec![(vec![3, 5], 1)], vec![0, 2]),
        (
            el(
                "ConstraintTeachersMinRestingHoursBetweenMorningAndAfternoon",
                "<Minimum_Resting_Hours>1</Minimum_Resting_Hours>",
            ),
            2,
            2,
            2,
            vec![(vec![1, 2], 1)],
            vec![0, 2],
        ),
        // Never four half days in a row; afternoon-morning-afternoon-morning only with the exception.
        (
            el(
                "ConstraintTeachersMaxThreeConsecutiveDays",
                "<Allow_Afternoon_Morning_Afternoon_Morning_Exception>false</Allow_Afternoon_Morning_Afternoon_Morning_Exception>",
            ),
            6,
            1,
            4,
            vec![(vec![1, 2, 3, 4], 1), (vec![0, 1, 2, 3], 1)],
            vec![0, 1, 2, 4],
        ),
        (
            el(
                "ConstraintTeachersMaxThreeConsecutiveDays",
                "<Allow_Afternoon_Morning_Afternoon_Morning_Exception>true</Allow_Afternoon_Morning_Afternoon_Morning_Exception>",
            ),
            6,
            1,
            4,
            vec![(vec![0, 1, 2, 3], 1)],
            vec![1, 2, 3, 4],
        ),
        (
            el(
                "ConstraintTeacherAfternoonsEarlyMaxBeginningsAtSecondHour",
                "<Max_Beginnings_At_Second_Hour>0</Max_Beginnings_At_Second_Hour><Teacher>Ann</Teacher>",
            ),
            2,
            2,
            1,
            vec![(vec![3], 1)],
            vec![1],
        ),
    ];
    for (c, half_days, hours, lessons, broken, kept) in cases {
        let acts: Vec<(u32, &str)> = (1..=lessons as u32).map(|i| (i, "")).collect();
        let p = fet::import(&tiny_ma("Unrestricted", half_days, hours, &acts, &c), ImportOptions::default())
            .unwrap_or_else(|e| panic!("{c}: {e}"))
            .problem;
        for (starts, count) in broken {
            assert_eq!(hard_count(&p, &starts), count, "{c}: {starts:?}");
        }
        assert_eq!(hard_count(&p, &kept), 0, "{c}: {kept:?}");
        let s = solved(&p);
        assert_eq!(hard_count(&p, &s), 0, "{c}");
    }
    // Tag rules per real day.
    let acts = [(1, "Lab"), (2, "Lab"), (3, "")];
    let c = el(
        "ConstraintTeacherActivityTagMaxHoursDailyRealDays",
        &format!("{ann}<Activity_Tag_Name>Lab</Activity_Tag_Name><Maximum_Hours_Daily>1</Maximum_Hours_Daily>"),
    );
    let p = fet::import(&tiny_ma("Unrestricted", 4, 1, &acts, &c), ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count(&p, &[0, 1, 2]), 1, "both labs on real day 1");
    assert_eq!(hard_count(&p, &[0, 2, 1]), 0);
    let s = solved(&p);
    assert_ne!(s[0] / 2, s[1] / 2);
    // At most two of the tags N1, N2, N3 on one half day (per half day: checked against FET 6.8.5).
    let acts = [(1, "N1"), (2, "N2"), (3, "N3")];
    let c = el("ConstraintTeacherMaxTwoActivityTagsPerDayFromN1N2N3", ann);
    let with_tags = tiny_ma("Unrestricted", 2, 3, &acts, &c).replace(
        "<Activity_Tag><Name>Lab</Name></Activity_Tag>",
        "<Activity_Tag><Name>N1</Name></Activity_Tag><Activity_Tag><Name>N2</Name></Activity_Tag><Activity_Tag><Name>N3</Name></Activity_Tag>",
    );
    let p = fet::import(&with_tags, ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count(&p, &[0, 1, 2]), 1, "three tags on the morning");
    assert_eq!(hard_count(&p, &[0, 1, 3]), 0, "N3 in the afternoon");
    let s = solved(&p);
    assert!(s.iter().any(|&x| x < 3) && s.iter().any(|&x| x >= 3), "{s:?}");
    // Outside the mode these constraints are bad input, with their line.
    let official = tiny_fet(OFFICIAL, 4, 1, &acts, &c);
    assert!(matches!(fet::import(&official, ImportOptions::default()), Err(TimetableError::BadInput { .. })));
}

/// A one-teacher, one-class FET document with rooms: `rooms` are (name, building) and `acts` are
/// (id, allowed rooms) lessons of one period each (no rooms: the lesson takes none).
fn rooms_fet(days: usize, hours: usize, rooms: &[(&str, &str)], acts: &[(u32, &[&str])], constraints: &str) -> String {
    let rooms_xml: String = rooms
        .iter()
        .map(|(name, building)| {
            format!("<Room><Name>{name}</Name><Building>{building}</Building><Capacity>30</Capacity></Room>")
        })
        .collect();
    let preferred: String = acts
        .iter()
        .filter(|(_, allowed)| !allowed.is_empty())
        .map(|(id, allowed)| {
            let list: String = allowed.iter().map(|r| format!("<Preferred_Room>{r}</Preferred_Room>")).collect();
            format!(
                "<ConstraintActivityPreferredRooms><Weight_Percentage>100</Weight_Percentage><Activity_Id>{id}</Activity_Id><Number_of_Preferred_Rooms>{}</Number_of_Preferred_Rooms>{list}<Active>true</Active></ConstraintActivityPreferredRooms>\n",
                allowed.len()
            )
        })
        .collect();
    let ids: Vec<(u32, &str)> = acts.iter().map(|(id, _)| (*id, "")).collect();
    tiny_fet(OFFICIAL, days, hours, &ids, &format!("{preferred}{constraints}"))
        .replace("<Rooms_List></Rooms_List>", &format!("<Rooms_List>{rooms_xml}</Rooms_List>"))
}

/// Solves `p` (it must succeed with the checker agreeing) and returns each lesson's (start, room name).
fn solved_with_rooms(p: &Problem) -> Vec<(u16, String)> {
    let s =
        solve(p, &SolveConfig { max_iterations: Some(20_000), ..SolveConfig::default() }, &control(&never)).unwrap();
    assert!(s.hard_ok(), "{:?}", s.report.violations);
    assert!(s.bookkeeping_agrees);
    assert!(check(p, &s.timetable).hard_ok());
    s.timetable
        .placements
        .iter()
        .map(|pl| (pl.start.unwrap(), pl.room.map(|r| p.rooms[r as usize].name.clone()).unwrap_or_default()))
        .collect()
}

/// The checker's hard count for the given (start, room name or "") placements.
fn hard_count_with_rooms(p: &Problem, placed: &[(u16, &str)]) -> u64 {
    let room = |name: &str| p.rooms.iter().position(|r| r.name == name).map(|r| r as u32);
    let tt =
        Timetable { placements: placed.iter().map(|&(s, r)| Placement { start: Some(s), room: room(r) }).collect() };
    check(p, &tt).hard_violations
}

const TWO_BUILDINGS: &[(&str, &str)] = &[("A1", "A"), ("A2", "A"), ("B1", "B"), ("X", "")];

#[test]
fn fet_max_building_changes_per_day_binds_and_is_checked() {
    // Two days of two periods; lesson 1 is in building A, lesson 2 in B: never on one day.
    let acts: [(u32, &[&str]); 4] = [(1, &["A1"]), (2, &["B1"]), (3, &["A2", "B1"]), (4, &[])];
    for c in [
        "<ConstraintTeacherMaxBuildingChangesPerDay><Weight_Percentage>100</Weight_Percentage><Teacher>Ann</Teacher><Max_Building_Changes_Per_Day>0</Max_Building_Changes_Per_Day><Active>true</Active></ConstraintTeacherMaxBuildingChangesPerDay>",
        "<ConstraintStudentsSetMaxBuildingChangesPerDay><Weight_Percentage>100</Weight_Percentage><Students>Y1</Students><Max_Building_Changes_Per_Day>0</Max_Building_Changes_Per_Day><Active>true</Active></ConstraintStudentsSetMaxBuildingChangesPerDay>",
        "<ConstraintTeachersMaxBuildingChangesPerWeek><Weight_Percentage>100</Weight_Percentage><Max_Building_Changes_Per_Week>0</Max_Building_Changes_Per_Week><Active>true</Active></ConstraintTeachersMaxBuildingChangesPerWeek>",
    ] {
        let p = fet::import(&rooms_fet(2, 2, TWO_BUILDINGS, &acts, c), ImportOptions::default()).unwrap().problem;
        assert!(matches!(p.constraints.last().unwrap().kind, Kind::PlaceChanges { buildings: true, .. }));
        let s = solved_with_rooms(&p);
        assert_ne!(s[0].0 / 2, s[1].0 / 2, "A and B lessons on different days: {s:?}");
        assert_eq!(hard_count_with_rooms(&p, &[(0, "A1"), (1, "B1"), (2, "A2"), (3, "")]), 1);
        // Two rooms of one building are no change, nor is a room without a building.
        assert_eq!(hard_count_with_rooms(&p, &[(0, "A1"), (2, "B1"), (1, "A2"), (3, "")]), 0);
    }
    // A room without a building is never a change (room X holds lesson 3 next to B's lesson 2).
    let c = "<ConstraintStudentsMaxBuildingChangesPerDay><Weight_Percentage>100</Weight_Percentage><Max_Building_Changes_Per_Day>0</Max_Building_Changes_Per_Day><Active>true</Active></ConstraintStudentsMaxBuildingChangesPerDay>";
    let acts: [(u32, &[&str]); 4] = [(1, &["A1"]), (2, &["B1"]), (3, &["X"]), (4, &[])];
    let p = fet::import(&rooms_fet(2, 2, TWO_BUILDINGS, &acts, c), ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count_with_rooms(&p, &[(0, "A1"), (2, "B1"), (3, "X"), (1, "")]), 0);
}

#[test]
fn a_lesson_whose_room_preference_is_soft_goes_without_a_room_when_the_room_is_taken() {
    // Two classes have PE in the one period there is; both would like the courtyard (90 %, as in
    // FET's Greek Gymnasio). As in FET, one of them then has no room: a broken preference, not a
    // clash.
    let mut p = Problem {
        days: vec!["D1".into()],
        periods: vec!["P1".into()],
        teachers: vec!["T0".into(), "T1".into()],
        atoms: vec!["C0".into(), "C1".into()],
        rooms: vec![Room { name: "yard".into(), capacity: 300, building: String::new() }],
        ..Problem::default()
    };
    for c in 0..2u32 {
        p.student_sets.push(StudentSet { name: format!("C{c}"), size: 30, atoms: vec![c] });
        p.activities.push(Activity {
            id: c + 1,
            subject: "PE".into(),
            teachers: vec![c],
            students: vec![c],
            atoms: vec![c],
            duration: 1,
            size: 30,
            ..Activity::default()
        });
    }
    let preferred = Kind::PreferredRooms { activities: vec![0, 1], rooms: vec![0] };
    p.constraints.push(Constraint { weight: 90_000, hard: false, label: "PE in the yard".into(), kind: preferred });
    let s =
        solve(&p, &SolveConfig { max_iterations: Some(1_000), ..SolveConfig::default() }, &control(&never)).unwrap();
    assert!(s.hard_ok(), "{:?}", s.report.violations);
    assert!(s.bookkeeping_agrees);
    let rooms: Vec<Option<u32>> = s.timetable.placements.iter().map(|pl| pl.room).collect();
    assert!(rooms.contains(&Some(0)) && rooms.contains(&None), "{rooms:?}");
    assert_close(s.soft_penalty(), 0.9, "one broken 90 % preference");
    // A preference at 100 % is a requirement: then the two lessons clash in the room.
    p.constraints[0].hard = true;
    p.constraints[0].weight = FULL_WEIGHT;
    let s =
        solve(&p, &SolveConfig { max_iterations: Some(1_000), ..SolveConfig::default() }, &control(&never)).unwrap();
    assert!(!s.hard_ok());
}

#[test]
fn fet_min_gaps_between_building_changes_counts_lessons_without_a_room_as_gaps() {
    // One day of four periods: a lesson without a room between A and B is the one free period
    // FET asks for (it counts every period without a building as a gap).
    let acts: [(u32, &[&str]); 4] = [(1, &["A1"]), (2, &["B1"]), (3, &[]), (4, &[])];
    let c = "<ConstraintTeacherMinGapsBetweenBuildingChanges><Weight_Percentage>100</Weight_Percentage><Teacher>Ann</Teacher><Min_Gaps_Between_Building_Changes>1</Min_Gaps_Between_Building_Changes><Active>true</Active></ConstraintTeacherMinGapsBetweenBuildingChanges>";
    let p = fet::import(&rooms_fet(1, 4, TWO_BUILDINGS, &acts, c), ImportOptions::default()).unwrap().problem;
    let s = solved_with_rooms(&p);
    assert!(s[0].0.abs_diff(s[1].0) >= 2, "A and B not back to back: {s:?}");
    assert_eq!(hard_count_with_rooms(&p, &[(0, "A1"), (1, "B1"), (2, ""), (3, "")]), 1);
    assert_eq!(hard_count_with_rooms(&p, &[(0, "A1"), (2, "B1"), (1, ""), (3, "")]), 0);
}

#[test]
fn fet_room_changes_bind_and_are_checked() {
    // Two days of two periods; lessons 1 and 3 must be in R1, 2 and 4 in R2.
    let rooms = [("R1", "A"), ("R2", "A")];
    let acts: [(u32, &[&str]); 4] = [(1, &["R1"]), (2, &["R2"]), (3, &["R1"]), (4, &["R2"])];
    let c = "<ConstraintStudentsMaxRoomChangesPerWeek><Weight_Percentage>100</Weight_Percentage><Max_Room_Changes_Per_Week>0</Max_Room_Changes_Per_Week><Active>true</Active></ConstraintStudentsMaxRoomChangesPerWeek>";
    let p = fet::import(&rooms_fet(2, 2, &rooms, &acts, c), ImportOptions::default()).unwrap().problem;
    let s = solved_with_rooms(&p);
    assert_eq!(s[0].0 / 2, s[2].0 / 2, "the R1 lessons share a day: {s:?}");
    assert_eq!(hard_count_with_rooms(&p, &[(0, "R1"), (1, "R2"), (2, "R1"), (3, "R2")]), 2, "a change each day");
    assert_eq!(hard_count_with_rooms(&p, &[(0, "R1"), (2, "R2"), (1, "R1"), (3, "R2")]), 0);
    // Per day, and min gaps between room changes, count the same changes day by day.
    let per_day = "<ConstraintTeacherMaxRoomChangesPerDay><Weight_Percentage>100</Weight_Percentage><Teacher>Ann</Teacher><Max_Room_Changes_Per_Day>0</Max_Room_Changes_Per_Day><Active>true</Active></ConstraintTeacherMaxRoomChangesPerDay>";
    let gaps = "<ConstraintStudentsSetMinGapsBetweenRoomChanges><Weight_Percentage>100</Weight_Percentage><Students>Y1</Students><Min_Gaps_Between_Room_Changes>1</Min_Gaps_Between_Room_Changes><Active>true</Active></ConstraintStudentsSetMinGapsBetweenRoomChanges>";
    for c in [per_day, gaps] {
        let p = fet::import(&rooms_fet(2, 2, &rooms, &acts, c), ImportOptions::default()).unwrap().problem;
        let s = solved_with_rooms(&p);
        assert_eq!(s[0].0 / 2, s[2].0 / 2, "the R1 lessons share a day: {s:?}");
        assert_eq!(hard_count_with_rooms(&p, &[(0, "R1"), (1, "R2"), (2, "R1"), (3, "R2")]), 2);
    }
}

#[test]
fn fet_occupy_max_different_rooms_and_same_room_if_consecutive_bind_and_are_checked() {
    let rooms = [("R1", ""), ("R2", "")];
    // Two lessons of one class on one day of two periods: they follow one another.
    let acts: [(u32, &[&str]); 2] = [(1, &["R1", "R2"]), (2, &["R1", "R2"])];
    let occupy = "<ConstraintActivitiesOccupyMaxDifferentRooms><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><Max_Number_of_Different_Rooms>1</Max_Number_of_Different_Rooms><Active>true</Active></ConstraintActivitiesOccupyMaxDifferentRooms>";
    let same = "<ConstraintActivitiesSameRoomIfConsecutive><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><Active>true</Active></ConstraintActivitiesSameRoomIfConsecutive>";
    for c in [occupy, same] {
        let p = fet::import(&rooms_fet(1, 2, &rooms, &acts, c), ImportOptions::default()).unwrap().problem;
        let s = solved_with_rooms(&p);
        assert_eq!(s[0].1, s[1].1, "one room for both: {s:?}");
        assert_eq!(hard_count_with_rooms(&p, &[(0, "R1"), (1, "R2")]), 1);
        assert_eq!(hard_count_with_rooms(&p, &[(0, "R2"), (1, "R2")]), 0);
    }
    // Not consecutive (a free period between): any rooms will do. A break between is no
    // different here (FET 6.8.5 accepts such a timetable), unlike for two activities consecutive.
    let p = fet::import(&rooms_fet(1, 3, &rooms, &acts, same), ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count_with_rooms(&p, &[(0, "R1"), (2, "R2")]), 0);
    let lunch = "<ConstraintBreakTimes><Weight_Percentage>100</Weight_Percentage><Number_of_Break_Times>1</Number_of_Break_Times><Break_Time><Day>D1</Day><Hour>H2</Hour></Break_Time><Active>true</Active></ConstraintBreakTimes>";
    let with_break = format!("{same}\n{lunch}");
    let p = fet::import(&rooms_fet(1, 3, &rooms, &acts, &with_break), ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count_with_rooms(&p, &[(0, "R1"), (2, "R2")]), 0);
}

/// The checker's soft penalty for the given starts (no rooms), after checking that the solver's
/// bookkeeping agrees with the checker on this problem.
fn soft_penalty(p: &Problem, starts: &[u16]) -> f64 {
    let s = solve(p, &SolveConfig { max_iterations: Some(2_000), ..SolveConfig::default() }, &control(&never)).unwrap();
    assert!(s.bookkeeping_agrees, "solver and checker disagree");
    let tt = Timetable { placements: starts.iter().map(|&s| Placement { start: Some(s), room: None }).collect() };
    check(p, &tt).soft_penalty()
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() < 1e-9, "{what}: {got}, FET says {want}");
}

// The expected penalties below are fet-cl 6.8.5's "Total soft conflicts" for the same timetables.

#[test]
fn fet_soft_max_hours_rules_cost_their_weight_once_per_broken_day_or_run() {
    // Four lessons on day 1: the teacher (max 2, 50 %) breaks one day, the class (max 1, 30 %) too.
    let acts: Vec<(u32, &str)> = (1..=4).map(|i| (i, "")).collect();
    let daily = "<ConstraintTeacherMaxHoursDaily><Weight_Percentage>50</Weight_Percentage><Teacher_Name>Ann</Teacher_Name><Maximum_Hours_Daily>2</Maximum_Hours_Daily><Active>true</Active></ConstraintTeacherMaxHoursDaily>
<ConstraintStudentsSetMaxHoursDaily><Weight_Percentage>30</Weight_Percentage><Maximum_Hours_Daily>1</Maximum_Hours_Daily><Students>Y1</Students><Active>true</Active></ConstraintStudentsSetMaxHoursDaily>";
    let p = fet::import(&tiny_fet(OFFICIAL, 2, 4, &acts, daily), ImportOptions::default()).unwrap().problem;
    assert_close(soft_penalty(&p, &[0, 1, 2, 3]), 0.8, "one broken day each");
    assert_close(soft_penalty(&p, &[0, 1, 4, 5]), 0.6, "the class breaks both days");
    // The activity-tag variants count the same way.
    let tagged: Vec<(u32, &str)> = (1..=4).map(|i| (i, "Lab")).collect();
    let tag_daily = "<ConstraintTeacherActivityTagMaxHoursDaily><Weight_Percentage>50</Weight_Percentage><Teacher_Name>Ann</Teacher_Name><Activity_Tag_Name>Lab</Activity_Tag_Name><Maximum_Hours_Daily>1</Maximum_Hours_Daily><Active>true</Active></ConstraintTeacherActivityTagMaxHoursDaily>";
    let p = fet::import(&tiny_fet(OFFICIAL, 2, 4, &tagged, tag_daily), ImportOptions::default()).unwrap().problem;
    assert_close(soft_penalty(&p, &[0, 1, 2, 3]), 0.5, "tag rule, one broken day");
    // Max hours continuously: one run of four against max 2 costs the weight once.
    let five: Vec<(u32, &str)> = (1..=5).map(|i| (i, "")).collect();
    let run = "<ConstraintTeachersMaxHoursContinuously><Weight_Percentage>50</Weight_Percentage><Maximum_Hours_Continuously>2</Maximum_Hours_Continuously><Active>true</Active></ConstraintTeachersMaxHoursContinuously>";
    let p = fet::import(&tiny_fet(OFFICIAL, 1, 6, &five, run), ImportOptions::default()).unwrap().problem;
    assert_close(soft_penalty(&p, &[0, 1, 2, 3, 5]), 0.5, "one run too long");
    // Mornings-afternoons: max hours per real day, once per broken real day.
    let eight: Vec<(u32, &str)> = (1..=8).map(|i| (i, "")).collect();
    let real = "<ConstraintTeachersMaxHoursDailyRealDays><Weight_Percentage>50</Weight_Percentage><Maximum_Hours_Daily>2</Maximum_Hours_Daily><Active>true</Active></ConstraintTeachersMaxHoursDailyRealDays>";
    let p = fet::import(&tiny_ma("Unrestricted", 4, 3, &eight, real), ImportOptions::default()).unwrap().problem;
    assert_close(soft_penalty(&p, &[0, 1, 3, 4, 6, 7, 8, 9]), 1.0, "both real days have 4 hours");
    // Hard, the excess still counts, so the search sees a slope.
    let hard = tiny_fet(OFFICIAL, 2, 4, &acts, &daily.replace(">50<", ">100<").replace(">30<", ">100<"));
    let p = fet::import(&hard, ImportOptions::default()).unwrap().problem;
    assert_eq!(hard_count(&p, &[0, 1, 2, 3]), 2 + 3);
}

#[test]
fn fet_soft_preferred_time_slots_cost_their_weight_per_period_outside() {
    // Lesson 1 lasts three periods from D1 H1; lesson 2 is at D1 H4.
    let acts = [(1, ""), (2, "")];
    let slot = |d: usize, q: usize| {
        format!(
            "<Preferred_Time_Slot><Preferred_Day>D{d}</Preferred_Day><Preferred_Hour>H{q}</Preferred_Hour></Preferred_Time_Slot>"
        )
    };
    let c = format!(
        "<ConstraintActivityPreferredTimeSlots><Weight_Percentage>40</Weight_Percentage><Activity_Id>1</Activity_Id><Number_of_Preferred_Time_Slots>2</Number_of_Preferred_Time_Slots>{}{}<Active>true</Active></ConstraintActivityPreferredTimeSlots>
<ConstraintActivitiesPreferredTimeSlots><Weight_Percentage>20</Weight_Percentage><Teacher_Name></Teacher_Name><Students_Name></Students_Name><Subject_Name></Subject_Name><Activity_Tag_Name></Activity_Tag_Name><Number_of_Preferred_Time_Slots>1</Number_of_Preferred_Time_Slots>{}<Active>true</Active></ConstraintActivitiesPreferredTimeSlots>",
        slot(1, 1),
        slot(2, 1),
        slot(2, 4)
    );
    let doc = tiny_fet(OFFICIAL, 2, 4, &acts, &c).replacen(
        "<Duration>1</Duration><Total_Duration>1</Total_Duration>",
        "<Duration>3</Duration><Total_Duration>3</Total_Duration>",
        1,
    );
    let p = fet::import(&doc, ImportOptions::default()).unwrap().problem;
    // 2 periods outside × 0.4, then 3 + 1 periods outside × 0.2.
    assert_close(soft_penalty(&p, &[0, 3]), 0.8 + 0.6 + 0.2, "per period outside");
}

#[test]
fn fet_soft_same_starting_time_day_and_hour_cost_their_weight_per_disagreeing_pair() {
    let acts = [(1, "Ann", "Y1", ""), (2, "Bob", "Y2", ""), (3, "Cat", "Y3", ""), (4, "Ann", "Y1", "")];
    let c: String = [("Time", 50), ("Day", 10), ("Hour", 20)]
        .iter()
        .map(|(what, w)| {
            format!(
                "<ConstraintActivitiesSameStarting{what}><Weight_Percentage>{w}</Weight_Percentage>{}<Active>true</Active></ConstraintActivitiesSameStarting{what}>\n",
                ids(&[1, 2, 3, 4])
            )
        })
        .collect();
    let p = doc_problem(OFFICIAL, 3, 6, &acts, &c);
    // D1 H1, D1 H1, D2 H1, D3 H2: 5 pairs apart in time (× 0.5), 5 in day (× 0.1), 3 in hour (× 0.2).
    assert_close(soft_penalty(&p, &[0, 0, 6, 13]), 2.5 + 0.5 + 0.6, "pairs");
}

#[test]
fn fet_consecutive_if_same_day_is_hard_below_full_weight() {
    let acts = [(1, ""), (2, "")];
    let c = "<ConstraintMinDaysBetweenActivities><Weight_Percentage>95</Weight_Percentage><Consecutive_If_Same_Day>true</Consecutive_If_Same_Day><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><MinDays>1</MinDays><Active>true</Active></ConstraintMinDaysBetweenActivities>";
    let p = fet::import(&tiny_fet(OFFICIAL, 3, 4, &acts, c), ImportOptions::default()).unwrap().problem;
    // fet-cl cannot place them apart on one day; back to back costs only the 95 % day.
    assert_eq!(hard_count(&p, &[0, 2]), 1, "same day, not back to back");
    assert_eq!(hard_count(&p, &[0, 1]), 0);
    assert_close(soft_penalty(&p, &[0, 1]), 0.95, "one day too close");
    assert_close(soft_penalty(&p, &[0, 5]), 0.0, "different days");
    let s = solved(&p);
    assert!(s[0] / 4 != s[1] / 4 || s[0].abs_diff(s[1]) == 1, "{s:?}");
}

#[test]
fn fet_refusals_of_constraints_fet_will_not_generate_with() {
    let acts = [(1, "Lab"), (2, "")];
    let refused =
        |c: &str, words: &[&str]| match fet::import(&tiny_fet(OFFICIAL, 2, 4, &acts, c), ImportOptions::default()) {
            Err(TimetableError::BadInput { message, line }) => {
                assert!(line > 0, "{message}");
                for w in words {
                    assert!(message.contains(w), "{message} lacks {w}");
                }
            }
            other => panic!("expected a refusal, got {other:?}"),
        };
    // fet-cl 6.8.5: "Constraint activity ends students day can only have weight percentage 100%".
    refused(
        "<ConstraintActivityEndsStudentsDay><Weight_Percentage>90</Weight_Percentage><Activity_Id>1</Activity_Id><Active>true</Active></ConstraintActivityEndsStudentsDay>",
        &["ConstraintActivityEndsStudentsDay", "100 %"],
    );
    refused(
        "<ConstraintActivitiesEndStudentsDay><Weight_Percentage>90</Weight_Percentage><Teacher_Name></Teacher_Name><Students_Name></Students_Name><Subject_Name></Subject_Name><Activity_Tag_Name></Activity_Tag_Name><Active>true</Active></ConstraintActivitiesEndStudentsDay>",
        &["ConstraintActivitiesEndStudentsDay", "100 %"],
    );
    refused(
        "<ConstraintActivitiesOccupyMaxDifferentRooms><Weight_Percentage>90</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><Max_Number_of_Different_Rooms>1</Max_Number_of_Different_Rooms><Active>true</Active></ConstraintActivitiesOccupyMaxDifferentRooms>",
        &["ConstraintActivitiesOccupyMaxDifferentRooms", "100 %"],
    );
    // fet-cl: "you need at least one activity for each activity tag, but no activity has activity tag".
    let unused = "<ConstraintActivityTagsNotOverlapping><Weight_Percentage>100</Weight_Percentage><Number_of_Activity_Tags>2</Number_of_Activity_Tags><Activity_Tag>Lab</Activity_Tag><Activity_Tag>Gym</Activity_Tag><Active>true</Active></ConstraintActivityTagsNotOverlapping>";
    let doc = tiny_fet(OFFICIAL, 2, 4, &acts, unused).replace(
        "<Activity_Tag><Name>Lab</Name></Activity_Tag>",
        "<Activity_Tag><Name>Lab</Name></Activity_Tag><Activity_Tag><Name>Gym</Name></Activity_Tag>",
    );
    match fet::import(&doc, ImportOptions::default()) {
        Err(TimetableError::BadInput { message, line }) => {
            assert!(
                line > 0 && message.contains("ConstraintActivityTagsNotOverlapping") && message.contains("Gym"),
                "{message}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // At 100 % all three are accepted.
    for c in [
        "<ConstraintActivityEndsStudentsDay><Weight_Percentage>100</Weight_Percentage><Activity_Id>1</Activity_Id><Active>true</Active></ConstraintActivityEndsStudentsDay>",
        "<ConstraintActivitiesOccupyMaxDifferentRooms><Weight_Percentage>100</Weight_Percentage><Number_of_Activities>2</Number_of_Activities><Activity_Id>1</Activity_Id><Activity_Id>2</Activity_Id><Max_Number_of_Different_Rooms>1</Max_Number_of_Different_Rooms><Active>true</Active></ConstraintActivitiesOccupyMaxDifferentRooms>",
    ] {
        assert!(fet::import(&tiny_fet(OFFICIAL, 2, 4, &acts, c), ImportOptions::default()).is_ok(), "{c}");
    }
}

#[test]
fn fet_students_filter_takes_every_activity_sharing_students_with_the_set() {
    // Y1 has groups G1 (subgroups S1, S2) and G2; lessons of G1, Y1, S1, Y2 and G2.
    let acts =
        [(1, "Ann", "G1", ""), (2, "Bob", "Y1", ""), (3, "Cat", "S1", ""), (4, "Cat", "Y2", ""), (5, "Bob", "G2", "")];
    let slots = |set: &str, w: u32| {
        format!(
            "<ConstraintActivitiesPreferredTimeSlots><Weight_Percentage>{w}</Weight_Percentage><Teacher_Name></Teacher_Name><Students_Name>{set}</Students_Name><Subject_Name></Subject_Name><Activity_Tag_Name></Activity_Tag_Name><Number_of_Preferred_Time_Slots>1</Number_of_Preferred_Time_Slots><Preferred_Time_Slot><Preferred_Day>D2</Preferred_Day><Preferred_Hour>H4</Preferred_Hour></Preferred_Time_Slot><Active>true</Active></ConstraintActivitiesPreferredTimeSlots>\n"
        )
    };
    let c = slots("Y1", 10) + &slots("G1", 20) + &slots("S2", 40);
    let y1 = "<Year><Name>Y1</Name><Number_of_Students>30</Number_of_Students><Group><Name>G1</Name><Number_of_Students>15</Number_of_Students><Subgroup><Name>S1</Name><Number_of_Students>7</Number_of_Students></Subgroup><Subgroup><Name>S2</Name><Number_of_Students>8</Number_of_Students></Subgroup></Group><Group><Name>G2</Name><Number_of_Students>15</Number_of_Students></Group></Year>";
    let doc = fet_doc(OFFICIAL, 2, 4, &acts, &c)
        .replace("<Year><Name>Y1</Name><Number_of_Students>30</Number_of_Students></Year>", y1);
    let p = fet::import(&doc, ImportOptions::default()).unwrap().problem;
    let covered: Vec<Vec<u32>> = p
        .constraints
        .iter()
        .map(|c| match &c.kind {
            Kind::PreferredSlots { activities, .. } => activities.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    // A year takes its groups' and subgroups' lessons; a subgroup takes its group's and year's.
    assert_eq!(covered, vec![vec![0, 1, 2, 4], vec![0, 1, 2], vec![0, 1]]);
    // fet-cl 6.8.5's total for these five lessons at D1 H1-H4 and D2 H1.
    assert_close(soft_penalty(&p, &[0, 1, 2, 3, 4]), 1.8, "shared students");
}
