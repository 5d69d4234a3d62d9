use super::compound::{Sections, block_resources, emptiable, empty_slot, exchange_periods_or_days, half_day_block};
use super::eject::{Bounds, Ejector};
use super::rng::Rng;
use super::rules::graded_in_hard_phase;
use super::{RunControl, State, run};
use crate::compile::{Compiled, DynKind, RuleKind};
use crate::model::{
    Activity, ChangeLimit, Constraint, FULL_WEIGHT, Kind, Problem, Resource, Room, Rule, Slot, StudentSet,
};

fn problem() -> Problem {
    let mut p = Problem {
        days: vec!["a".into(), "b".into(), "c".into()],
        periods: (0..5).map(|q| q.to_string()).collect(),
        teachers: vec!["t0".into(), "t1".into()],
        atoms: vec!["g0".into(), "g1".into()],
        student_sets: vec![
            StudentSet { name: "g0".into(), size: 10, atoms: vec![0] },
            StudentSet { name: "g1".into(), size: 10, atoms: vec![1] },
        ],
        rooms: vec![
            Room { name: "r".into(), capacity: 20, building: "A".into() },
            Room { name: "s".into(), capacity: 20, building: "B".into() },
        ],
        ..Problem::default()
    };
    for i in 0..12u32 {
        p.activities.push(Activity {
            id: i + 1,
            subject: "x".into(),
            teachers: vec![i % 2],
            students: vec![(i / 2) % 2],
            atoms: vec![(i / 2) % 2],
            duration: 1 + (i % 3 == 0) as u16,
            size: 10,
            tags: match i % 4 {
                1 => vec!["lab".into()],
                2 => vec!["x".into()],
                3 => vec!["lab".into(), "x".into()],
                _ => vec![],
            },
            ..Activity::default()
        });
    }
    let c = |hard: bool, kind: Kind| Constraint {
        weight: if hard { FULL_WEIGHT } else { 70_000 },
        hard,
        label: String::new(),
        kind,
    };
    p.constraints = vec![
        c(
            false,
            Kind::ResourceRule {
                resources: vec![Resource::Atom(0), Resource::Teacher(1)],
                rule: Rule::MaxGapsPerWeek(0),
            },
        ),
        c(true, Kind::ResourceRule { resources: vec![Resource::Atom(1)], rule: Rule::MaxHoursContinuously(2) }),
        c(
            false,
            Kind::ResourceRule { resources: vec![Resource::Teacher(0)], rule: Rule::EarlyMaxBeginningsAtSecondHour(0) },
        ),
        c(true, Kind::MinDaysBetween { activities: vec![0, 2, 4], min_days: 1, consecutive_if_same_day: true }),
        // A lesson listed twice is a pair with itself.
        c(false, Kind::MinDaysBetween { activities: vec![1, 3, 5, 7, 3], min_days: 2, consecutive_if_same_day: true }),
        c(false, Kind::MaxSimultaneousInSlots { activities: (0..12).collect(), slots: vec![0, 1, 5], max: 1 }),
        c(false, Kind::OccupyMaxSlotsFromSelection { activities: (0..6).collect(), slots: (0..15).collect(), max: 3 }),
        c(true, Kind::EndsStudentsDay { activity: 3 }),
        c(false, Kind::PreferredRooms { activities: vec![1, 3, 5], rooms: vec![0] }),
        c(true, Kind::NotAvailable { resource: Resource::Room(0), slots: vec![2, 7] }),
        c(
            true,
            Kind::TagRule {
                resources: vec![Resource::Teacher(1), Resource::Atom(0)],
                tag: "lab".into(),
                rule: Rule::MaxHoursDaily(1),
            },
        ),
        c(false, Kind::TagRule { resources: vec![Resource::Atom(1)], tag: "lab".into(), rule: Rule::MaxGapsPerDay(0) }),
        c(false, Kind::ResourceRule { resources: vec![Resource::Atom(1)], rule: Rule::MaxSpanPerDay(3) }),
        c(true, Kind::MaxInATerm { activities: (0..12).step_by(2).collect(), days_per_term: 1, max: 2 }),
        c(false, Kind::OccupyMaxTerms { activities: vec![1, 4, 7], days_per_term: 2, max: 1 }),
        c(
            true,
            Kind::MinSimultaneousInSlots {
                activities: (0..12).collect(),
                slots: vec![0, 3, 8],
                min: 2,
                allow_empty: true,
            },
        ),
        c(false, Kind::MaxTotalInSlots { activities: (0..12).collect(), slots: vec![1, 2, 6], max: 1 }),
        c(true, Kind::OccupyMinSlotsFromSelection { activities: (0..6).collect(), slots: vec![4, 9, 14], min: 2 }),
        c(false, Kind::TagsNotOverlapping { tags: vec!["lab".into(), "x".into()] }),
        c(true, Kind::OnePerPeriodOfAnyDay { activities: vec![0, 3, 5, 8] }),
        c(
            false,
            Kind::TagPairMinGaps {
                resources: vec![Resource::Teacher(0), Resource::Atom(1)],
                first_tag: "lab".into(),
                second_tag: "x".into(),
                min_gaps: 1,
            },
        ),
        c(
            true,
            Kind::ResourceRule {
                resources: vec![Resource::Atom(0)],
                rule: Rule::MinRestingHours { min: 4, circular: true },
            },
        ),
        c(false, Kind::PreferredRooms { activities: (6..12).collect(), rooms: vec![0, 1] }),
        c(
            true,
            Kind::PlaceChanges {
                resources: vec![Resource::Teacher(0), Resource::Atom(1)],
                buildings: true,
                limit: ChangeLimit::PerDay(0),
            },
        ),
        c(
            false,
            Kind::PlaceChanges {
                resources: vec![Resource::Teacher(1)],
                buildings: false,
                limit: ChangeLimit::PerWeek(1),
            },
        ),
        c(
            false,
            Kind::PlaceChanges {
                resources: vec![Resource::Atom(0), Resource::Atom(1)],
                buildings: false,
                limit: ChangeLimit::MinGaps(1),
            },
        ),
        c(true, Kind::OccupyMaxDifferentRooms { activities: vec![5, 7, 9, 11], max: 1 }),
        c(false, Kind::SameRoomIfConsecutive { activities: (0..12).collect() }),
        c(false, Kind::ResourceRule { resources: vec![Resource::Teacher(1)], rule: Rule::MaxSpanPerDayOneLonger(2) }),
        // Groups above `SYNC_COUNTED` members keep per-key counters.
        c(false, Kind::SameStartingHour { activities: (0..10).collect() }),
        c(true, Kind::SameStartingDay { activities: (2..12).collect() }),
        c(false, Kind::SameStartingTime { activities: (1..12).collect() }),
    ];
    p
}

/// An examination week in miniature (like FET's Arabic_Saudi_Examination): three days of two
/// periods, three rooms, room 2 closed in the second period. Nine exams must start at the
/// same hour (so they need every room of one period on all three days: only the first
/// period has that), six others at the same hour as each other.
fn exam_week() -> Problem {
    let mut p = Problem {
        days: (0..3).map(|d| format!("d{d}")).collect(),
        periods: vec!["p0".into(), "p1".into()],
        teachers: (0..15).map(|t| format!("t{t}")).collect(),
        rooms: (0..3).map(|r| Room { name: format!("r{r}"), capacity: 30, building: String::new() }).collect(),
        ..Problem::default()
    };
    for i in 0..15u32 {
        p.activities.push(Activity {
            id: i + 1,
            subject: "exam".into(),
            teachers: vec![i],
            duration: 1,
            size: 20,
            ..Activity::default()
        });
    }
    let hard = |kind: Kind| Constraint { weight: FULL_WEIGHT, hard: true, label: String::new(), kind };
    p.constraints = vec![
        hard(Kind::SameStartingHour { activities: (0..9).collect() }),
        hard(Kind::SameStartingHour { activities: (9..15).collect() }),
        hard(Kind::PreferredRooms { activities: (0..15).collect(), rooms: vec![0, 1, 2] }),
        hard(Kind::NotAvailable { resource: Resource::Room(2), slots: vec![1, 3, 5] }),
    ];
    p
}

/// Places activity `a` at `slot` (which must be in its domain).
fn put(st: &mut State<'_>, a: usize, slot: usize) {
    let k = st.c.domain[a].binary_search(&(slot as Slot)).expect("slot in domain");
    st.place(a, k);
}

#[test]
fn two_same_hour_groups_trade_periods_in_one_exchange() {
    let p = exam_week();
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    // The wrong way round: the nine in the second period (3 per day), the six in the first.
    for a in 0..9 {
        put(&mut st, a, (a % 3) * 2 + 1);
    }
    for a in 9..15 {
        put(&mut st, a, (a % 3) * 2);
    }
    assert!(st.hard > 0);
    let before = st.hard;
    // No single lesson can move without breaking its group or a room.
    for a in 0..15 {
        let (k, room) = (st.kidx[a] as usize, st.room[a]);
        st.unplace(a);
        let mut costs = Vec::new();
        let mut hards = Vec::new();
        st.evaluate_all(a, &mut costs, &mut hards);
        assert!(hards.iter().all(|&h| h >= before), "activity {a} has an improving single move");
        st.insert_time(a, k);
        st.set_room(a, room);
    }
    let movable: Vec<usize> = (0..15).collect();
    assert!(exchange_periods_or_days(&mut st, &movable, &mut Vec::new(), &mut Vec::new()));
    assert_eq!(st.hard, 0);
    assert_eq!(st.recount(), (st.hard, st.soft));
    assert!((0..9).all(|a| st.start[a].is_multiple_of(2)));
}

/// Two real days of three periods; teacher 0 is "exclusive" and teaches at least two
/// periods on a half day with lessons; one class takes all four lessons.
fn exclusive_teacher() -> Problem {
    exclusive_teacher_with(3, 4)
}

/// `lessons` one-period lessons of teacher "t" with class "g" on `days` of `periods` periods.
fn one_teacher_one_class(days: Vec<String>, periods: usize, lessons: u32) -> Problem {
    Problem {
        days,
        periods: (0..periods).map(|q| q.to_string()).collect(),
        teachers: vec!["t".into()],
        atoms: vec!["g".into()],
        student_sets: vec![StudentSet { name: "g".into(), size: 10, atoms: vec![0] }],
        activities: (0..lessons)
            .map(|i| Activity {
                id: i + 1,
                subject: "x".into(),
                teachers: vec![0],
                students: vec![0],
                atoms: vec![0],
                duration: 1,
                size: 10,
                ..Activity::default()
            })
            .collect(),
        ..Problem::default()
    }
}

/// [`exclusive_teacher`] with `periods` periods per half day and `lessons` lessons.
fn exclusive_teacher_with(periods: usize, lessons: u32) -> Problem {
    let days = ["mon am", "mon pm", "tue am", "tue pm"].map(String::from).to_vec();
    let mut p = one_teacher_one_class(days, periods, lessons);
    p.half_days = true;
    let rule = |rule: Rule| Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: String::new(),
        kind: Kind::ResourceRule { resources: vec![Resource::Teacher(0)], rule },
    };
    p.constraints = vec![
        rule(Rule::MaxRealDaysWithMorningAndAfternoon(0)),
        rule(Rule::MinHoursDaily { min: 2, allow_empty_days: true }),
    ];
    p
}

/// Asserts that no lesson among the first `n`, moved alone to any of its starts, leaves every
/// hard constraint met: what a compound move is for.
fn no_single_move_repairs(st: &mut State<'_>, n: usize) {
    for a in 0..n {
        let k = st.kidx[a] as usize;
        st.unplace(a);
        let (mut costs, mut hards) = (Vec::new(), Vec::new());
        st.evaluate_all(a, &mut costs, &mut hards);
        assert!(hards.iter().all(|&h| h >= 1), "lesson {a} has an improving single move");
        st.place(a, k);
    }
}

#[test]
fn an_exclusive_teachers_afternoon_moves_as_one_block() {
    let p = exclusive_teacher();
    let c = Compiled::new(&p);
    assert_eq!(block_resources(&c), vec![true, false]);
    let mut st = State::new(&c);
    // Monday morning periods 0-1 and Monday afternoon periods 0-1: both halves of one day.
    for (a, slot) in [(0, 0), (1, 1), (2, 3), (3, 4)] {
        put(&mut st, a, slot);
    }
    assert_eq!(st.hard, 1);
    // Any one lesson moved leaves a half day of one lesson, and the day still has both.
    no_single_move_repairs(&mut st, 4);
    // Lesson 2 leads its half day to Tuesday morning; lesson 3 follows.
    let mut moves = Vec::new();
    assert!(half_day_block(&st, 0, 2, (1, 2), true, &[None; 4], &mut moves));
    assert_eq!(moves, vec![(3, c.domain[3].binary_search(&7).expect("in domain"))]);
    let mut saved = Vec::new();
    st.unplace(2);
    put(&mut st, 2, 6);
    st.move_all(&moves, &mut saved);
    assert_eq!(st.hard, 0);
    assert_eq!(st.recount(), (st.hard, st.soft));
    // A pinned lesson on either half day stops the block.
    assert!(!half_day_block(&st, 0, 0, (0, 2), true, &[None, Some(1), None, None], &mut Vec::new()));
}

#[test]
fn emptying_the_smaller_half_of_an_exclusive_teachers_day_is_never_uphill() {
    // Half days of four periods: Monday morning and afternoon hold two lessons each,
    // Tuesday morning two more.
    let p = exclusive_teacher_with(4, 6);
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    for (a, slot) in [(0, 0), (1, 1), (2, 4), (3, 5), (4, 8), (5, 9)] {
        put(&mut st, a, slot);
    }
    assert_eq!(st.hard, 1);
    // The hard phase weighs the broken day by its smaller half (two periods), so moving one
    // afternoon lesson to Tuesday morning breaks the afternoon's minimum hours but shrinks
    // the day's cost by as much: level ground, where counting the day once was a step up.
    let before = st.whard;
    assert_eq!(before, 2);
    st.unplace(3);
    put(&mut st, 3, 10);
    assert_eq!((st.hard, st.whard), (2, before));
    // The second lesson follows and both requirements hold.
    st.unplace(2);
    put(&mut st, 2, 11);
    assert_eq!((st.hard, st.whard), (0, 0));
    assert_eq!(st.recount(), (st.hard, st.soft));
}

#[test]
fn exam_week_is_solved_from_any_seed() {
    let p = exam_week();
    let c = Compiled::new(&p);
    let never = || false;
    let fixed = vec![None; c.n];
    for seed in 1..=8 {
        let r =
            run(&c, &RunControl { seed, max_iterations: Some(5_000), stop: &never, on_best: &|_| {}, fixed: &fixed });
        let tt = crate::model::Timetable {
            placements: r
                .start
                .iter()
                .zip(&r.room)
                .map(|(&s, &room)| crate::model::Placement { start: Some(s), room })
                .collect(),
        };
        let report = crate::check::check(&p, &tt);
        assert!(report.hard_ok(), "seed {seed}: {} hard violations {:?} {:?}", report.hard_violations, r.start, r.room);
    }
}

/// One day of `periods` periods, teachers t0.. and classes g0.., and one single-period lesson per
/// (teachers, class) entry of `lessons`.
fn one_day(periods: usize, teachers: usize, classes: usize, lessons: &[(&[u32], u32)]) -> Problem {
    let mut p = Problem {
        days: vec!["d".into()],
        periods: (0..periods).map(|q| format!("p{q}")).collect(),
        teachers: (0..teachers).map(|t| format!("t{t}")).collect(),
        atoms: (0..classes).map(|g| format!("g{g}")).collect(),
        ..Problem::default()
    };
    for (i, &(teachers, g)) in lessons.iter().enumerate() {
        p.activities.push(Activity {
            id: i as u32 + 1,
            subject: format!("s{i}"),
            teachers: teachers.to_vec(),
            atoms: vec![g],
            duration: 1,
            size: 20,
            ..Activity::default()
        });
    }
    p
}

/// Three classes and three teachers, one day of two periods, six lessons; each class and each
/// teacher has one lesson per period in any timetable meeting every hard constraint.
fn two_period_ring() -> Problem {
    one_day(2, 3, 3, &[(&[0], 0), (&[1], 0), (&[1], 1), (&[2], 1), (&[2], 2), (&[0], 2)])
}

#[test]
fn a_kempe_chain_repairs_clashes_no_single_move_or_swap_improves() {
    let p = two_period_ring();
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    // Class g0 holds two lessons in period 0, and so does teacher t2.
    for (a, slot) in [0, 0, 1, 0, 0, 1].into_iter().enumerate() {
        put(&mut st, a, slot);
    }
    assert_eq!(st.hard, 2);
    for a in 0..c.n {
        let (k, room) = (st.kidx[a] as usize, st.room[a]);
        st.unplace(a);
        let (mut costs, mut hards) = (Vec::new(), Vec::new());
        st.evaluate_all(a, &mut costs, &mut hards);
        assert!(hards.iter().all(|&h| h >= 2), "activity {a} has an improving single move");
        st.insert_time(a, k);
        st.set_room(a, room);
        for b in a + 1..c.n {
            if st.start[a] == st.start[b] || !c.res[a].iter().any(|r| c.res[b].contains(r)) {
                continue;
            }
            let (sa, sb) = (usize::from(st.start[a]), usize::from(st.start[b]));
            let mut saved = Vec::new();
            st.move_all(&[(a, sb), (b, sa)], &mut saved);
            assert!(st.hard >= 2, "swapping {a} and {b} improves");
            st.restore(&mut saved);
        }
    }
    let (mut side, mut chain) = (vec![0i8; c.n], Vec::new());
    assert!(st.kempe_chain((0, 0, 1), &[], 32, None, &mut side, &mut chain));
    assert!(side.iter().all(|&s| s == 0));
    let mut saved = Vec::new();
    st.move_all(&chain, &mut saved);
    assert_eq!(st.hard, 0);
    assert_eq!(st.recount(), (st.hard, st.soft));
    // Three lessons move: t0's two, then class g2's other lesson.
    assert_eq!(chain.len(), 3);
    assert_eq!(st.start, vec![1, 0, 1, 0, 1, 0]);
    // A chain longer than the limit, or through a pinned lesson, is refused.
    st.restore(&mut saved);
    assert!(!st.kempe_chain((0, 0, 1), &[], 2, None, &mut side, &mut chain));
    let pinned = [None, None, None, None, Some(0), None];
    assert!(!st.kempe_chain((0, 0, 1), &pinned, 32, None, &mut side, &mut chain));
    assert!(side.iter().all(|&s| s == 0));
}

/// Class g0 fills its one-day week (lessons A, B, C in periods 0, 1, 2), and A's teacher also
/// teaches X in period 0. B's two teachers share Y in period 0 and A's teacher has Z in period 2,
/// so A can only leave period 0 if B makes room in period 2 and C takes period 0.
fn full_week_cycle() -> Problem {
    // (teachers, class) of A, B, C, X, Y, Z; teachers ta = t0, tb = t1, tb2 = t2, tc = t3.
    one_day(3, 4, 4, &[(&[0], 0), (&[1, 2], 0), (&[3], 0), (&[0], 1), (&[1, 2], 2), (&[0], 3)])
}

#[test]
fn an_ejection_chain_makes_room_in_a_full_week_and_is_taken_back_exactly() {
    let p = full_week_cycle();
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    for (a, slot) in [0, 1, 2, 0, 0, 2].into_iter().enumerate() {
        put(&mut st, a, slot);
    }
    assert_eq!(st.hard, 1, "A and X share their teacher in period 0");
    // X, Y and Z are pinned where they are: only A, B and C may move.
    let fixed: Vec<Option<usize>> = (0..c.n).map(|a| (a >= 3).then(|| st.kidx[a] as usize)).collect();
    no_single_move_repairs(&mut st, 3);
    // As in the search: `a` is lifted, then the chain is tried and taken back.
    let room_a = st.room[0];
    st.unplace(0);
    let before = snapshot(&st);
    let tabu: Vec<Vec<u64>> = (0..c.n).map(|a| vec![0; c.domain[a].len()]).collect();
    let bounds = Bounds { fixed: &fixed, tabu: &tabu, iter: 1, block_planning: false };
    let mut ejector = Ejector::new(c.n, 3);
    let (mut rng, mut ties, mut chain, mut saved, mut links) =
        (Rng::new(3), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let at = |a: usize, slot: usize| c.domain[a].binary_search(&(slot as Slot)).expect("slot in domain");
    let t = st.trial();
    ejector.build(&mut st, (0, at(0, 1)), &bounds, &mut rng, &mut ties, &mut chain, &mut saved, &mut links);
    // B goes to period 2 (period 0 would clash with both its teachers), then C to period 0.
    assert_eq!(chain, vec![(0, at(0, 1)), (1, at(1, 2)), (2, at(2, 0))]);
    assert_eq!(links.iter().map(|l| l.hard).collect::<Vec<_>>(), vec![1, 0]);
    assert_eq!(st.hard, 0);
    assert_eq!(st.recount(), (st.hard, st.soft));
    st.undo(t, |st| {
        st.restore(&mut saved);
        st.unplace(0);
    });
    assert!(before == snapshot(&st), "the chain left a trace");
    st.insert_time(0, at(0, 0));
    st.set_room(0, room_a);
    // Made again one link after the other, as the search applies a chosen chain, the week is
    // the one the chain was scored on.
    st.unplace(0);
    st.place(0, chain[0].1);
    for &(m, k) in &chain[1..] {
        st.unplace(m);
        st.place(m, k);
    }
    assert_eq!((st.hard, st.start.clone()), (0, vec![1, 2, 0, 0, 0, 2]));
}

#[test]
fn a_group_shift_moves_every_member_and_restores_exactly() {
    let mut p = problem();
    p.constraints.push(Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: String::new(),
        kind: Kind::SameStartingTime { activities: vec![1, 2, 4, 5, 7, 8, 10, 11, 6] },
    });
    let c = Compiled::new(&p);
    let ci = c.cons.iter().rposition(|k| matches!(k.kind, DynKind::SameTime(_))).expect("group compiled");
    let mut st = State::new(&c);
    let mut rng = Rng::new(3);
    for a in 0..c.n {
        st.place(a, rng.below(c.domain[a].len()));
    }
    let snapshot = |st: &State<'_>| (st.start.clone(), st.room.clone(), st.hard, st.soft, st.whard);
    let mut saved = Vec::new();
    for key in [4, 7, 12] {
        let before = snapshot(&st);
        st.shift_group(ci, usize::MAX, key, &mut saved);
        assert_eq!(st.recount(), (st.hard, st.soft));
        let DynKind::SameTime(acts) = &c.cons[ci].kind else { unreachable!() };
        for &m in acts {
            let m = m as usize;
            let allowed = c.domain[m].contains(&(key as Slot));
            assert_eq!(usize::from(st.start[m]) == key, allowed || before.0[m] == key as u16, "member {m}");
        }
        st.restore(&mut saved);
        assert_eq!(snapshot(&st), before);
    }
}

/// One teacher-like "day" of three blocks; four one-student lessons may use at most one block
/// between them, and a block in use needs at least two of them.
fn crowded_blocks() -> Problem {
    let mut p = Problem {
        days: vec!["teacher".into()],
        periods: (0..3).map(|q| format!("block {q}")).collect(),
        ..Problem::default()
    };
    for i in 0..4u32 {
        p.activities.push(Activity { id: i + 1, subject: "x".into(), duration: 1, size: 1, ..Activity::default() });
    }
    let hard = |kind: Kind| Constraint { weight: FULL_WEIGHT, hard: true, label: String::new(), kind };
    p.constraints = vec![
        hard(Kind::OccupyMaxSlotsFromSelection { activities: (0..4).collect(), slots: vec![0, 1, 2], max: 1 }),
        hard(Kind::MinSimultaneousInSlots {
            activities: (0..4).collect(),
            slots: vec![0, 1, 2],
            min: 2,
            allow_empty: true,
        }),
    ];
    p
}

#[test]
fn a_slot_too_many_is_emptied_in_one_move() {
    let p = crowded_blocks();
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    // Two blocks in use, two lessons each: one block too many.
    for (a, slot) in [(0, 0), (1, 0), (2, 1), (3, 1)] {
        put(&mut st, a, slot);
    }
    assert_eq!(st.hard, 1);
    // No single lesson moved empties a block, and leaving one alone breaks the minimum.
    no_single_move_repairs(&mut st, 4);
    let mut rng = Rng::new(1);
    st.unplace(0);
    let ci = emptiable(&st, 0, 0, &mut rng).expect("the occupy-max constraint can be repaired");
    let (mut saved, mut out) = (Vec::new(), Vec::new());
    let (mut costs, mut hards, mut ties) = (Vec::new(), Vec::new(), Vec::new());
    let ka = empty_slot(
        &mut st,
        (ci, 0, 0, 0),
        &[None; 4],
        &mut rng,
        &mut saved,
        &mut ties,
        (&mut costs, &mut hards),
        &mut out,
    )
    .expect("block 0 can be emptied");
    assert_eq!(c.domain[0][ka], 1);
    assert_eq!(out, vec![(1, 1)]);
    assert_eq!(st.hard, 0);
    assert_eq!(st.recount(), (st.hard, st.soft));
    // Put back, the slot cannot be emptied while one of its lessons is pinned.
    st.unplace(0);
    st.restore(&mut saved);
    assert_eq!(st.start[1], 0);
    out.clear();
    let pinned = [None, Some(0), None, None];
    assert!(
        empty_slot(
            &mut st,
            (ci, 0, 0, 0),
            &pinned,
            &mut rng,
            &mut saved,
            &mut ties,
            (&mut costs, &mut hards),
            &mut out
        )
        .is_none()
    );
    assert!(saved.is_empty() && out.is_empty());
}

/// Block planning with three teachers as days A, B, C of two blocks, each teacher holding one
/// section (occupy at most one block), and four students who take one lesson per block:
/// A teaches students 0, 1, 2 (lessons 0-2), B students 0, 1, 3 (lessons 3-5), C student 3
/// (lesson 6).
fn three_teacher_blocks() -> Problem {
    let mut p = Problem {
        days: ["A", "B", "C"].map(String::from).to_vec(),
        periods: vec!["block 0".into(), "block 1".into()],
        atoms: (0..4).map(|s| format!("student {s}")).collect(),
        ..Problem::default()
    };
    let lessons: [(u32, u32); 7] = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 3), (2, 3)];
    for (i, &(day, student)) in lessons.iter().enumerate() {
        p.activities.push(Activity {
            id: i as u32 + 1,
            subject: format!("subject of {}", p.days[day as usize]),
            atoms: vec![student],
            duration: 1,
            size: 1,
            ..Activity::default()
        });
    }
    let hard = |kind: Kind| Constraint { weight: FULL_WEIGHT, hard: true, label: String::new(), kind };
    let of_day = |day: u32| -> Vec<u32> { (0..7).filter(|&i| lessons[i as usize].0 == day).collect() };
    for day in 0..3 {
        let slots: Vec<Slot> = vec![(day * 2) as Slot, (day * 2 + 1) as Slot];
        p.constraints.push(hard(Kind::PreferredStarts { activities: of_day(day), slots: slots.clone() }));
        p.constraints.push(hard(Kind::OccupyMaxSlotsFromSelection { activities: (0..7).collect(), slots, max: 1 }));
    }
    for student in 0..4 {
        let activities = (0..7).filter(|&i| lessons[i as usize].1 == student).collect();
        p.constraints.push(hard(Kind::OnePerPeriodOfAnyDay { activities }));
    }
    p
}

#[test]
fn a_block_exchange_moves_a_whole_section_and_its_students_other_lessons() {
    let p = three_teacher_blocks();
    let c = Compiled::new(&p);
    let by_slot = Sections::index(&c);
    assert_eq!(by_slot.len(), c.ns, "block planning with a hard occupy-max constraint");
    let mut st = State::new(&c);
    // A's and B's sections both in block 0: students 0 and 1 are in two places at once.
    // C's lesson is in block 1.
    for (a, slot) in [(0, 0), (1, 0), (2, 0), (3, 2), (4, 2), (5, 2), (6, 5)] {
        put(&mut st, a, slot);
    }
    assert_eq!(st.hard, 2);
    // Moving one lesson of B to block 1 splits B's section; a Kempe chain of single lessons too.
    no_single_move_repairs(&mut st, 7);
    let (mut side, mut chain) = (vec![0i8; c.n], Vec::new());
    st.unplace(3);
    assert!(st.kempe_chain((3, 2, 3), &[], 32, None, &mut side, &mut chain));
    assert_eq!(chain.len(), 1);
    // The block exchange moves B's section to block 1, and C's lesson (student 3's lesson in
    // block 1, on another day) back to block 0.
    let exchange = Sections { by_slot: &by_slot, merge: false };
    assert!(st.kempe_chain((3, 2, 3), &[], 32, Some(&exchange), &mut side, &mut chain));
    assert!(side.iter().all(|&s| s == 0));
    let moved: Vec<(usize, Slot)> = chain.iter().map(|&(m, k)| (m, c.domain[m][k])).collect();
    assert_eq!(moved, vec![(3, 3), (4, 3), (5, 3), (6, 4)]);
    st.place(3, chain[0].1);
    let mut saved = Vec::new();
    st.move_all(&chain[1..], &mut saved);
    assert_eq!(st.hard, 0);
    assert_eq!(st.recount(), (st.hard, st.soft));
    // Through a pinned lesson, or past the limit, there is no exchange.
    st.unplace(3);
    st.restore(&mut saved);
    let pinned = [None, None, None, None, None, None, Some(1)];
    assert!(!st.kempe_chain((3, 2, 3), &pinned, 32, Some(&exchange), &mut side, &mut chain));
    assert!(!st.kempe_chain((3, 2, 3), &[], 3, Some(&exchange), &mut side, &mut chain));
    // Another day is not a block exchange.
    assert!(!st.kempe_chain((3, 2, 1), &[], 32, Some(&exchange), &mut side, &mut chain));
    assert!(side.iter().all(|&s| s == 0));
}

#[test]
fn a_section_joins_the_one_in_its_new_block_when_merging() {
    let p = three_teacher_blocks();
    let c = Compiled::new(&p);
    let by_slot = Sections::index(&c);
    let mut st = State::new(&c);
    // A holds two sections (one block too many): students 0 and 1 in block 0, student 2 in
    // block 1. B and C are in block 1 and block 0.
    for (a, slot) in [(0, 0), (1, 0), (2, 1), (3, 3), (4, 3), (5, 3), (6, 4)] {
        put(&mut st, a, slot);
    }
    assert_eq!(st.hard, 1);
    let (mut side, mut chain) = (vec![0i8; c.n], Vec::new());
    st.unplace(2);
    // Exchanging blocks keeps two sections; merging student 2 into block 0 leaves one.
    let exchange = Sections { by_slot: &by_slot, merge: false };
    assert!(st.kempe_chain((2, 1, 0), &[], 32, Some(&exchange), &mut side, &mut chain));
    assert_eq!(chain.iter().map(|&(m, _)| m).collect::<Vec<_>>(), vec![2, 0, 1, 3, 4, 5, 6]);
    let merge = Sections { by_slot: &by_slot, merge: true };
    assert!(st.kempe_chain((2, 1, 0), &[], 32, Some(&merge), &mut side, &mut chain));
    assert_eq!(chain, vec![(2, 0)]);
    st.place(2, 0);
    assert_eq!(st.hard, 0);
    assert_eq!(st.recount(), (st.hard, st.soft));
}

#[test]
fn incremental_costs_equal_a_fresh_count_after_random_moves() {
    let p = problem();
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    let mut rng = Rng::new(9);
    for a in 0..c.n {
        st.place(a, rng.below(c.domain[a].len()));
    }
    for step in 0..2_000 {
        let a = rng.below(c.n);
        st.unplace(a);
        st.place(a, rng.below(c.domain[a].len()));
        if step % 97 == 0 {
            assert_eq!(st.recount(), (st.hard, st.soft), "after {step} moves");
            // Constraints kept incrementally agree with a full evaluation.
            for ci in 0..c.cons.len() {
                assert_eq!(st.cons_cost[ci], st.eval_cons(ci), "constraint {ci} after {step} moves");
            }
        }
    }
    assert_eq!(st.recount(), (st.hard, st.soft));
}

/// Everything a trial may change and `undo` must give back.
#[allow(clippy::type_complexity)]
fn snapshot(
    st: &State<'_>,
) -> (Vec<u16>, Vec<u16>, Vec<[i32; 2]>, Vec<[i32; 2]>, Vec<i64>, Vec<u32>, Vec<i64>, Vec<i64>, [i64; 3]) {
    (
        st.start.clone(),
        st.room.clone(),
        st.day_vals.clone(),
        st.rule_sums.clone(),
        st.rule_cost.clone(),
        st.broken.clone(),
        st.cons_cost.clone(),
        st.rc_cost.clone(),
        [st.hard, st.whard, st.soft],
    )
}

#[test]
fn an_undone_trial_restores_the_graded_exclusive_cost() {
    // The graded cost of a broken exclusive-teacher rule changes while its count may not, so
    // a trial must log and restore it as well.
    let p = exclusive_teacher_with(4, 6);
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    let mut rng = Rng::new(3);
    for a in 0..c.n {
        st.place(a, rng.below(c.domain[a].len()));
    }
    let mut saved = Vec::new();
    for step in 0..300 {
        let before = (snapshot(&st), st.rule_shaped.clone());
        let a = rng.below(c.n);
        let t = st.trial();
        st.move_all(&[(a, rng.below(c.domain[a].len()))], &mut saved);
        if step % 4 == 0 {
            st.keep(t);
            saved.clear();
        } else {
            st.undo(t, |st| st.restore(&mut saved));
            assert!(before == (snapshot(&st), st.rule_shaped.clone()), "undone trial {step} left a trace");
        }
        for (ri, rule) in c.rules.iter().enumerate() {
            let RuleKind::Shape(shape) = rule.kind else { continue };
            if rule.hard && graded_in_hard_phase(&shape) {
                let fresh =
                    if st.rule_cost[ri] > 0 { st.shaped_rule_cost(shape, c.watchers[ri][0] as usize) } else { 0 };
                assert_eq!(st.rule_shaped[ri], fresh, "the slope after step {step}");
            }
        }
    }
}

#[test]
fn emptying_the_lightest_day_lowers_a_broken_max_days_rule_lesson_by_lesson() {
    // A teacher on five days of four periods may teach on four of them: counting days alone,
    // no single move off a day with two lessons lowers the cost.
    let mut p = one_teacher_one_class((0..5).map(|d| d.to_string()).collect(), 4, 12);
    p.constraints = vec![Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: String::new(),
        kind: Kind::ResourceRule { resources: vec![Resource::Teacher(0)], rule: Rule::MaxDaysPerWeek(4) },
    }];
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    let at = |a: usize, day: usize, period: usize| {
        c.domain[a].iter().position(|&s| usize::from(s) == day * 4 + period).expect("a free slot")
    };
    // Lessons per day: 3, 3, 2, 2, 2.
    let days = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4];
    let mut used = [0; 5];
    for (a, &d) in days.iter().enumerate() {
        st.place(a, at(a, d, used[d]));
        used[d] += 1;
    }
    assert_eq!((st.hard, st.whard), (1, 2), "one day too many, two lessons to move");
    // One lesson of the last day joins the first: still a day too many, but one lesson to go.
    st.unplace(11);
    st.place(11, at(11, 0, 3));
    assert_eq!((st.hard, st.whard), (1, 1));
    st.unplace(10);
    st.place(10, at(10, 1, 3));
    assert_eq!((st.hard, st.whard), (0, 0));
    assert_eq!(st.recount(), (st.hard, st.soft));
}

#[test]
fn an_undone_trial_leaves_every_cached_count_as_it_was() {
    let mut p = problem();
    p.constraints.push(Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: String::new(),
        kind: Kind::TagPairMinGaps {
            resources: vec![Resource::Atom(0), Resource::Atom(1)],
            first_tag: "x".into(),
            second_tag: "lab".into(),
            min_gaps: 2,
        },
    });
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    let mut rng = Rng::new(5);
    for a in 0..c.n {
        st.place(a, rng.below(c.domain[a].len()));
    }
    let (mut saved, mut costs, mut hards) = (Vec::new(), Vec::new(), Vec::new());
    for step in 0..500 {
        let before = snapshot(&st);
        let movers: Vec<(usize, usize)> = (0..1 + rng.below(3))
            .map(|_| rng.below(c.n))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|a| (a, rng.below(c.domain[a].len())))
            .collect();
        let t = st.trial();
        st.move_all(&movers, &mut saved);
        // A nested trial, as when an ejection evaluates the lesson it displaces.
        let (b, kb, rb) = (movers[0].0, st.kidx[movers[0].0] as usize, st.room[movers[0].0]);
        st.unplace(b);
        st.evaluate_all(b, &mut costs, &mut hards);
        st.insert_time(b, kb);
        st.set_room(b, rb);
        if step % 5 == 0 {
            st.keep(t);
            saved.clear();
            assert_eq!(st.recount(), (st.hard, st.soft), "kept after {step} trials");
        } else {
            st.undo(t, |st| st.restore(&mut saved));
            assert!(before == snapshot(&st), "undone trial {step} left a trace");
        }
        assert!(st.journal.is_empty() && st.trials == 0);
        let fresh: Vec<u32> = (0..c.res_acts.len())
            .map(|r| {
                (0..c.rules.len())
                    .filter(|&ri| c.rules[ri].hard && st.rule_cost[ri] > 0 && c.watchers[ri].contains(&(r as u32)))
                    .count() as u32
            })
            .collect();
        assert_eq!(st.broken, fresh, "after {step} trials");
    }
}

#[test]
fn only_lessons_with_one_of_its_tags_are_in_conflict_with_a_tag_pair_rule() {
    let mut p = Problem {
        days: vec!["d".into()],
        periods: (0..5).map(|q| format!("p{q}")).collect(),
        teachers: (0..3).map(|t| format!("t{t}")).collect(),
        atoms: vec!["g".into()],
        student_sets: vec![StudentSet { name: "g".into(), size: 20, atoms: vec![0] }],
        ..Problem::default()
    };
    for (i, tag) in ["lecture", "tutorial", ""].into_iter().enumerate() {
        p.activities.push(Activity {
            id: i as u32 + 1,
            subject: format!("s{i}"),
            teachers: vec![i as u32],
            students: vec![0],
            atoms: vec![0],
            duration: 1,
            size: 20,
            tags: if tag.is_empty() { Vec::new() } else { vec![tag.into()] },
            ..Activity::default()
        });
    }
    p.constraints.push(Constraint {
        weight: FULL_WEIGHT,
        hard: true,
        label: String::new(),
        kind: Kind::TagPairMinGaps {
            resources: vec![Resource::Atom(0)],
            first_tag: "lecture".into(),
            second_tag: "tutorial".into(),
            min_gaps: 1,
        },
    });
    let c = Compiled::new(&p);
    let mut st = State::new(&c);
    // The tutorial follows the lecture without a free period; the untagged lesson is apart.
    for (a, slot) in [(0, 0), (1, 1), (2, 3)] {
        put(&mut st, a, slot);
    }
    assert_eq!(st.hard, 1);
    // Moving the untagged lesson cannot repair the rule: the search should not pick it.
    assert!(st.conflicted(0) && st.conflicted(1));
    assert!(!st.conflicted(2));
}
