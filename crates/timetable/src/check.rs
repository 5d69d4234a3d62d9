//! The independent checker: recomputes every hard violation and the soft penalty of a finished
//! timetable from scratch, with plain code that shares nothing with the solver's incremental
//! bookkeeping, so a bug in one shows up as a disagreement with the other.
//!
//! How each constraint is counted (the solver optimises exactly this):
//! - basic: an unplaced activity, an activity running past the end of its day, a room too small,
//!   and each extra lesson in a teacher's, student group's or room's period count 1 each;
//! - breaks and unavailability: 1 per occupied period that falls in them;
//! - preferred starts / rooms: 1 per activity outside them; preferred slots: 1 per period of an
//!   activity outside them (as FET counts it);
//! - min days between: for each pair closer than `min_days`, the missing days, plus 1 if they
//!   share a day, must be consecutive and are not (FET holds that part hard whatever the weight,
//!   so the FET import gives it a hard constraint of its own, with `min_days` 0);
//! - same starting time/day/hour: when hard, the activities outside the largest agreeing group;
//!   when soft, as FET, each pair of activities that disagree;
//! - not overlapping, min gaps: 1 per offending pair; consecutive, grouped, ordered, linked: 1
//!   (lessons with only break periods between them count as back to back, as in FET);
//! - ends students' day: 1 if any of its student groups has a later lesson that day;
//! - max simultaneous: the excess per selected slot; occupy max slots: the excess over the week;
//! - resource rules, per teacher or student group: max hours daily and max gaps per day the
//!   excess per day (a soft max hours daily — per day or per real day — or max hours continuously
//!   counts 1 per broken day or run instead, as FET weighs them; FET accepts no other shape rule
//!   below 100 %); min hours daily the shortfall per day; max gaps per week, max/min days and
//!   interval max days the excess over the week; max hours continuously the excess of each run;
//!   early beginnings: 1 per period a day starts later than the second usable period, plus the
//!   number of late-starting days over the allowance; max span per day the excess of each day's
//!   first-to-last span (gaps and breaks inside it included). Breaks and unavailable periods are
//!   never gaps;
//! - activity-tag rules: the same counts over the lessons with that tag only (another lesson or a
//!   free period ends a run);
//! - terms: max in a term the excess per term; occupy max terms the excess over the week;
//! - ordered if same day: 1 if both are on one day and the first does not end before the second
//!   starts; max days between: the days too many per pair;
//! - min simultaneous: the shortfall per selected slot (an empty one is fine when allowed); max
//!   total in slots: the activities touching the selection over the maximum; occupy min slots:
//!   the shortfall of occupied selected slots;
//! - tags not overlapping: per slot, each pair of lessons with listed tags that is not two lessons
//!   with the same single listed tag; one per period of any day (block planning): per period of
//!   the day, the lessons beyond the first over all days;
//! - tag pair min gaps, per resource and day: for each run of second-tag lessons, the periods
//!   missing between its start and the nearest first-tag lesson before it;
//! - max span with one longer day: the weekly sum of excess spans minus one; min resting hours:
//!   per pair of consecutive days (and last → first when circular), the periods missing from the
//!   free periods ending the one plus those starting the next (an empty day counts all its periods);
//! - room/building changes, per teacher or student group: each day's lessons that have a room
//!   (with a building, when buildings are counted), period by period (where two overlap, the
//!   lower room or building number stands); a change is two successive ones in different places.
//!   Max per day: the excess per day; per week: the excess over the week; min gaps: 1 per change
//!   with fewer periods since the previous such lesson than required (free periods, breaks and
//!   lessons without a place all count);
//! - occupy max different rooms: the number of rooms over the limit (FET accepts this constraint
//!   only at 100 %, so only whether it is 0 can matter to a FET verdict); same room if
//!   consecutive: 1 per pair, one ending right where the other starts, in different rooms.
//!
//! A soft constraint's penalty is its count times its weight (100 % counts 1.0).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{ChangeLimit, FULL_WEIGHT, Kind, Problem, Resource, Rule, Slot, Timetable};

/// One violated constraint.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// Index into [`Problem::constraints`], or `None` for a basic requirement.
    pub constraint: Option<usize>,
    /// It had to hold.
    pub hard: bool,
    /// How many times it is broken.
    pub count: u64,
    /// What is broken, in the user's words.
    pub label: String,
}

/// The verdict on a timetable.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Number of hard violations (0 means every hard constraint holds).
    pub hard_violations: u64,
    /// Soft penalty in weight units (`FULL_WEIGHT` = one violation of a 100 % constraint).
    pub soft_units: u64,
    /// Every violated constraint.
    pub violations: Vec<Violation>,
}

impl Report {
    /// True when every hard constraint holds.
    pub fn hard_ok(&self) -> bool {
        self.hard_violations == 0
    }

    /// Soft penalty where a violation of a 100 % constraint counts 1.0.
    pub fn soft_penalty(&self) -> f64 {
        self.soft_units as f64 / f64::from(FULL_WEIGHT)
    }
}

/// Recomputes all violations of `tt` against `p`. Placements beyond the activity count are ignored;
/// missing ones count as unplaced.
pub fn check(p: &Problem, tt: &Timetable) -> Report {
    let h = p.periods.len();
    let nd = p.days.len();
    let ns = nd * h;
    let n = p.activities.len();
    let mut out = Report { hard_violations: 0, soft_units: 0, violations: Vec::new() };
    let push = |out: &mut Report, constraint: Option<usize>, hard: bool, weight: u32, count: u64, label: String| {
        if count == 0 {
            return;
        }
        if hard {
            out.hard_violations += count;
        } else {
            out.soft_units += count * u64::from(weight);
        }
        out.violations.push(Violation { constraint, hard, count, label });
    };

    // Valid start (day, period) per activity, or None.
    let mut pos: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut room_of: Vec<Option<u32>> = vec![None; n];
    for (i, act) in p.activities.iter().enumerate() {
        let pl = tt.placements.get(i).copied().unwrap_or_default();
        match pl.start {
            None => push(&mut out, None, true, FULL_WEIGHT, 1, format!("{} is not placed", p.activity_label(i as u32))),
            Some(s) if usize::from(s) >= ns || usize::from(s) % h + usize::from(act.duration) > h => push(
                &mut out,
                None,
                true,
                FULL_WEIGHT,
                1,
                format!("{} does not fit in its day", p.activity_label(i as u32)),
            ),
            Some(s) => pos[i] = Some((usize::from(s) / h, usize::from(s) % h)),
        }
        if pos[i].is_some() {
            room_of[i] = pl.room.filter(|&r| (r as usize) < p.rooms.len());
        }
        if let Some(r) = room_of[i] {
            let room = &p.rooms[r as usize];
            if room.capacity < act.size {
                push(
                    &mut out,
                    None,
                    true,
                    FULL_WEIGHT,
                    1,
                    format!(
                        "room {} holds {} but {} has {} students",
                        room.name,
                        room.capacity,
                        p.activity_label(i as u32),
                        act.size
                    ),
                );
            }
        }
    }
    // The periods an activity occupies.
    let cells = |i: usize| -> Vec<usize> {
        match pos[i] {
            Some((d, s)) => (s..s + usize::from(p.activities[i].duration)).map(|q| d * h + q).collect(),
            None => Vec::new(),
        }
    };

    // Grids of lesson counts.
    let mut teacher_grid = vec![vec![0u32; ns]; p.teachers.len()];
    let mut atom_grid = vec![vec![0u32; ns]; p.atoms.len()];
    let mut room_grid = vec![vec![0u32; ns]; p.rooms.len()];
    for (i, act) in p.activities.iter().enumerate() {
        for c in cells(i) {
            for &t in &act.teachers {
                teacher_grid[t as usize][c] += 1;
            }
            for &a in &act.atoms {
                atom_grid[a as usize][c] += 1;
            }
            if let Some(r) = room_of[i] {
                room_grid[r as usize][c] += 1;
            }
        }
    }
    let clash = |grid: &Vec<Vec<u32>>, names: &dyn Fn(usize) -> String, what: &str, out: &mut Report| {
        for (r, row) in grid.iter().enumerate() {
            let extra: u64 = row.iter().map(|&c| u64::from(c.saturating_sub(1))).sum();
            if extra > 0 {
                let first = row.iter().position(|&c| c > 1).unwrap_or(0);
                out.hard_violations += extra;
                out.violations.push(Violation {
                    constraint: None,
                    hard: true,
                    count: extra,
                    label: format!(
                        "{what} {} has overlapping lessons (first at {})",
                        names(r),
                        p.slot_name(first as Slot)
                    ),
                });
            }
        }
    };
    clash(&teacher_grid, &|r| p.teachers[r].clone(), "teacher", &mut out);
    clash(&atom_grid, &|r| p.atoms[r].clone(), "students", &mut out);
    clash(&room_grid, &|r| p.rooms[r].name.clone(), "room", &mut out);

    // Periods that are never gaps for a resource: breaks and its hard unavailability.
    let mut break_cells = vec![false; ns];
    for c in &p.constraints {
        if let (true, Kind::Break { slots }) = (c.hard, &c.kind) {
            for &s in slots {
                break_cells[usize::from(s)] = true;
            }
        }
    }
    // Lessons with only breaks between them count as back to back.
    let back_to_back =
        |d: usize, end: usize, start: usize| -> bool { start >= end && (end..start).all(|q| break_cells[d * h + q]) };
    let unusable = |r: Resource| -> Vec<bool> {
        let mut u = break_cells.clone();
        for c in &p.constraints {
            if let (true, Kind::NotAvailable { resource, slots }) = (c.hard, &c.kind)
                && *resource == r
            {
                for &s in slots {
                    u[usize::from(s)] = true;
                }
            }
        }
        u
    };

    let day_of = |i: usize| pos[i].map(|(d, _)| d);
    // How many of the selected slots the activities occupy (occupy max / min slots from a selection).
    let occupied = |activities: &[u32], slots: &[Slot]| -> u64 {
        let set = mark(slots, ns);
        let mut used = vec![false; ns];
        for &a in activities {
            for x in cells(a as usize) {
                used[x] = true;
            }
        }
        (0..ns).filter(|&x| set[x] && used[x]).count() as u64
    };
    for (ci, c) in p.constraints.iter().enumerate() {
        let count: u64 = match &c.kind {
            Kind::Break { slots } => {
                let set: Vec<bool> = mark(slots, ns);
                (0..n).map(|i| cells(i).iter().filter(|&&x| set[x]).count() as u64).sum()
            }
            Kind::NotAvailable { resource, slots } => {
                let set = mark(slots, ns);
                (0..n)
                    .filter(|&i| {
                        let act = &p.activities[i];
                        match *resource {
                            Resource::Teacher(t) => act.teachers.contains(&t),
                            Resource::Atom(a) => act.atoms.contains(&a),
                            Resource::Room(r) => room_of[i] == Some(r),
                        }
                    })
                    .map(|i| cells(i).iter().filter(|&&x| set[x]).count() as u64)
                    .sum()
            }
            Kind::PreferredStarts { activities, slots } => activities
                .iter()
                .filter(|&&a| {
                    let a = a as usize;
                    pos[a].is_some_and(|(d, q)| !slots.contains(&((d * h + q) as Slot)))
                })
                .count() as u64,
            Kind::PreferredSlots { activities, slots } => {
                // As FET counts it: each period of an activity outside the slots.
                let set = mark(slots, ns);
                activities.iter().map(|&a| cells(a as usize).iter().filter(|&&x| !set[x]).count() as u64).sum()
            }
            Kind::PreferredRooms { activities, rooms } => activities
                .iter()
                .filter(|&&a| pos[a as usize].is_some() && !room_of[a as usize].is_some_and(|r| rooms.contains(&r)))
                .count() as u64,
            Kind::MinDaysBetween { activities, min_days, consecutive_if_same_day } => {
                let mut k = 0u64;
                for (x, &a) in activities.iter().enumerate() {
                    for &b in &activities[x + 1..] {
                        let (Some((da, sa)), Some((db, sb))) = (pos[a as usize], pos[b as usize]) else { continue };
                        // In the mornings-afternoons mode days apart are real days apart.
                        let dist = if p.half_days { (da / 2).abs_diff(db / 2) } else { da.abs_diff(db) };
                        k += usize::from(*min_days).saturating_sub(dist) as u64;
                        if dist == 0 && *consecutive_if_same_day {
                            let ea = sa + usize::from(p.activities[a as usize].duration);
                            let eb = sb + usize::from(p.activities[b as usize].duration);
                            if da != db || (!back_to_back(da, ea, sb) && !back_to_back(da, eb, sa)) {
                                k += 1;
                            }
                        }
                    }
                }
                k
            }
            Kind::SameStartingTime { activities } => {
                disagreement(c.hard, activities.iter().filter_map(|&a| pos[a as usize].map(|(d, q)| d * h + q)))
            }
            Kind::SameStartingDay { activities } => {
                disagreement(c.hard, activities.iter().filter_map(|&a| day_of(a as usize)))
            }
            Kind::SameStartingHour { activities } => {
                disagreement(c.hard, activities.iter().filter_map(|&a| pos[a as usize].map(|(_, q)| q)))
            }
            Kind::NotOverlapping { activities } => {
                let mut k = 0;
                for (x, &a) in activities.iter().enumerate() {
                    let ca = cells(a as usize);
                    for &b in &activities[x + 1..] {
                        if cells(b as usize).iter().any(|c| ca.contains(c)) {
                            k += 1;
                        }
                    }
                }
                k
            }
            Kind::Consecutive { first, second } => match (pos[*first as usize], pos[*second as usize]) {
                (Some((da, sa)), Some((db, sb))) => u64::from(
                    !(da == db && back_to_back(da, sa + usize::from(p.activities[*first as usize].duration), sb)),
                ),
                _ => 0,
            },
            Kind::Grouped { activities } => {
                let mut placed: Vec<(usize, usize, usize)> = activities
                    .iter()
                    .filter_map(|&a| {
                        pos[a as usize].map(|(d, s)| (d, s, s + usize::from(p.activities[a as usize].duration)))
                    })
                    .collect();
                placed.sort();
                let ok = placed.windows(2).all(|w| w[0].0 == w[1].0 && back_to_back(w[0].0, w[0].2, w[1].1));
                u64::from(!ok)
            }
            Kind::Ordered { first, second } => match (pos[*first as usize], pos[*second as usize]) {
                (Some((da, sa)), Some((db, sb))) => {
                    let end_a = da * h + sa + usize::from(p.activities[*first as usize].duration);
                    u64::from(end_a > db * h + sb)
                }
                _ => 0,
            },
            Kind::MaxTagsPerDay { activities, tags, max } => {
                let mut seen: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); nd];
                for &a in activities {
                    if let Some(d) = day_of(a as usize) {
                        for t in &p.activities[a as usize].tags {
                            if tags.contains(t) {
                                seen[d].insert(t.as_str());
                            }
                        }
                    }
                }
                seen.iter().map(|s| (s.len() as u64).saturating_sub(u64::from(*max))).sum()
            }
            Kind::MinGapsBetween { activities, min_gaps } => {
                let mut k = 0;
                for (x, &a) in activities.iter().enumerate() {
                    for &b in &activities[x + 1..] {
                        let (Some((da, sa)), Some((db, sb))) = (pos[a as usize], pos[b as usize]) else { continue };
                        if da != db {
                            continue;
                        }
                        let ea = sa + usize::from(p.activities[a as usize].duration);
                        let eb = sb + usize::from(p.activities[b as usize].duration);
                        let g = usize::from(*min_gaps);
                        let ok = ea + g <= sb || eb + g <= sa;
                        k += u64::from(!ok);
                    }
                }
                k
            }
            Kind::EndsStudentsDay { activity } => {
                let a = *activity as usize;
                match pos[a] {
                    Some((d, s)) => {
                        // One violation per students subgroup (atom) that has a later lesson
                        // that day: a lesson shared by two classes that both go on afterwards
                        // counts twice. (FET accepts this constraint only at 100 %, so the count
                        // never changes a verdict, but the solver's total must equal this one.)
                        let end = s + usize::from(p.activities[a].duration);
                        let later = p.activities[a]
                            .atoms
                            .iter()
                            .filter(|&&g| (end..h).any(|q| atom_grid[g as usize][d * h + q] > 0))
                            .count();
                        later as u64
                    }
                    None => 0,
                }
            }
            Kind::MaxSimultaneousInSlots { activities, slots, max } => {
                let mut per = vec![0u64; ns];
                for &a in activities {
                    for x in cells(a as usize) {
                        per[x] += 1;
                    }
                }
                let set = mark(slots, ns);
                (0..ns).filter(|&x| set[x]).map(|x| per[x].saturating_sub(u64::from(*max))).sum()
            }
            Kind::OccupyMaxSlotsFromSelection { activities, slots, max } => {
                occupied(activities, slots).saturating_sub(u64::from(*max))
            }
            Kind::LinkedStarts { first, second, allowed } => match (pos[*first as usize], pos[*second as usize]) {
                (Some((da, sa)), Some((db, sb))) => {
                    let ok = allowed[da * h + sa].contains(&((db * h + sb) as Slot));
                    u64::from(!ok)
                }
                _ => 0,
            },
            Kind::MaxInATerm { activities, days_per_term, max } => {
                let mut per_term = vec![0u64; nd.div_ceil(usize::from(*days_per_term))];
                for &a in activities {
                    if let Some(d) = day_of(a as usize) {
                        per_term[d / usize::from(*days_per_term)] += 1;
                    }
                }
                per_term.iter().map(|&k| k.saturating_sub(u64::from(*max))).sum()
            }
            Kind::OccupyMaxTerms { activities, days_per_term, max } => {
                let mut terms: Vec<usize> = activities
                    .iter()
                    .filter_map(|&a| day_of(a as usize))
                    .map(|d| d / usize::from(*days_per_term))
                    .collect();
                terms.sort_unstable();
                terms.dedup();
                (terms.len() as u64).saturating_sub(u64::from(*max))
            }
            Kind::TagRule { resources, tag, rule } => {
                let mut k = 0;
                for &r in resources {
                    // The resource's grid counting only its lessons with the tag.
                    let mut grid = vec![0u32; ns];
                    for (i, act) in p.activities.iter().enumerate() {
                        let uses = match r {
                            Resource::Teacher(t) => act.teachers.contains(&t),
                            Resource::Atom(a) => act.atoms.contains(&a),
                            Resource::Room(_) => false,
                        };
                        if uses && act.tags.iter().any(|x| x == tag) {
                            for x in cells(i) {
                                grid[x] += 1;
                            }
                        }
                    }
                    if grid.iter().all(|&c| c == 0) {
                        continue;
                    }
                    k += rule_count(*rule, c.hard, &grid, &unusable(r), nd, h);
                }
                k
            }
            Kind::OrderedIfSameDay { first, second } => match (pos[*first as usize], pos[*second as usize]) {
                (Some((da, sa)), Some((db, sb))) => {
                    u64::from(da == db && sa + usize::from(p.activities[*first as usize].duration) > sb)
                }
                _ => 0,
            },
            Kind::MaxDaysBetween { activities, max_days } => {
                let days: Vec<usize> = activities.iter().filter_map(|&a| day_of(a as usize)).collect();
                let mut k = 0u64;
                for (x, &da) in days.iter().enumerate() {
                    for &db in &days[x + 1..] {
                        k += (da.abs_diff(db) as u64).saturating_sub(u64::from(*max_days));
                    }
                }
                k
            }
            Kind::MinSimultaneousInSlots { activities, slots, min, allow_empty } => {
                let mut per = vec![0u64; ns];
                for &a in activities {
                    for x in cells(a as usize) {
                        per[x] += 1;
                    }
                }
                let set = mark(slots, ns);
                (0..ns)
                    .filter(|&x| set[x] && !(per[x] == 0 && *allow_empty))
                    .map(|x| u64::from(*min).saturating_sub(per[x]))
                    .sum()
            }
            Kind::MaxTotalInSlots { activities, slots, max } => {
                let set = mark(slots, ns);
                let inside = activities.iter().filter(|&&a| cells(a as usize).iter().any(|&x| set[x])).count();
                (inside as u64).saturating_sub(u64::from(*max))
            }
            Kind::OccupyMinSlotsFromSelection { activities, slots, min } => {
                u64::from(*min).saturating_sub(occupied(activities, slots))
            }
            Kind::TagsNotOverlapping { tags } => {
                // Per slot, each pair of lessons with listed tags that may not meet.
                let listed: Vec<Vec<&String>> =
                    p.activities.iter().map(|a| tags.iter().filter(|t| a.tags.contains(t)).collect()).collect();
                let mut in_slot: Vec<Vec<usize>> = vec![Vec::new(); ns];
                for (i, l) in listed.iter().enumerate() {
                    if !l.is_empty() {
                        for x in cells(i) {
                            in_slot[x].push(i);
                        }
                    }
                }
                let mut k = 0u64;
                for v in &in_slot {
                    for (x, &a) in v.iter().enumerate() {
                        for &b in &v[x + 1..] {
                            let same_one = listed[a].len() == 1 && listed[b].len() == 1 && listed[a] == listed[b];
                            k += u64::from(!same_one);
                        }
                    }
                }
                k
            }
            Kind::OnePerPeriodOfAnyDay { activities } => {
                let mut per_period = vec![0u64; h];
                for &a in activities {
                    for x in cells(a as usize) {
                        per_period[x % h] += 1;
                    }
                }
                per_period.iter().map(|&k| k.saturating_sub(1)).sum()
            }
            Kind::TagPairMinGaps { resources, first_tag, second_tag, min_gaps } => {
                let mut k = 0u64;
                for &r in resources {
                    let tagged_grid = |tag: &String| -> Vec<bool> {
                        let mut g = vec![false; ns];
                        for (i, act) in p.activities.iter().enumerate() {
                            let uses = match r {
                                Resource::Teacher(t) => act.teachers.contains(&t),
                                Resource::Atom(a) => act.atoms.contains(&a),
                                Resource::Room(_) => false,
                            };
                            if uses && act.tags.contains(tag) {
                                for x in cells(i) {
                                    g[x] = true;
                                }
                            }
                        }
                        g
                    };
                    let (first, second) = (tagged_grid(first_tag), tagged_grid(second_tag));
                    for d in 0..nd {
                        for q in 0..h {
                            // The start of a run of second-tag lessons, against the nearest
                            // first-tag lesson before it.
                            if !second[d * h + q] || (q > 0 && second[d * h + q - 1]) {
                                continue;
                            }
                            if let Some(last) = (0..q).rev().find(|&e| first[d * h + e]) {
                                k += u64::from(*min_gaps).saturating_sub((q - last - 1) as u64);
                            }
                        }
                    }
                }
                k
            }
            Kind::PlaceChanges { resources, buildings, limit } => {
                // The place of each room: itself, or its building (numbered in order of appearance).
                let mut names: Vec<&str> = Vec::new();
                let place: Vec<Option<usize>> = p
                    .rooms
                    .iter()
                    .enumerate()
                    .map(|(r, room)| {
                        if !*buildings {
                            return Some(r);
                        }
                        if room.building.is_empty() {
                            return None;
                        }
                        Some(names.iter().position(|b| *b == room.building).unwrap_or_else(|| {
                            names.push(&room.building);
                            names.len() - 1
                        }))
                    })
                    .collect();
                let mut k = 0;
                for &r in resources {
                    let mut week_changes = 0u64;
                    for d in 0..nd {
                        let mut at: Vec<Option<usize>> = vec![None; h];
                        for (i, act) in p.activities.iter().enumerate() {
                            let uses = match r {
                                Resource::Teacher(t) => act.teachers.contains(&t),
                                Resource::Atom(a) => act.atoms.contains(&a),
                                Resource::Room(_) => false,
                            };
                            let Some(pl) = room_of[i].and_then(|room| place[room as usize]) else { continue };
                            if !uses || day_of(i) != Some(d) {
                                continue;
                            }
                            for x in cells(i) {
                                let q = x % h;
                                at[q] = Some(at[q].map_or(pl, |o| o.min(pl)));
                            }
                        }
                        let mut changes = 0u64;
                        let mut short = 0u64;
                        let mut last: Option<(usize, usize)> = None;
                        for (q, here) in at.iter().enumerate() {
                            let Some(here) = *here else { continue };
                            if let Some((lq, lp)) = last
                                && lp != here
                            {
                                changes += 1;
                                if let ChangeLimit::MinGaps(g) = limit
                                    && q - lq - 1 < usize::from(*g)
                                {
                                    short += 1;
                                }
                            }
                            last = Some((q, here));
                        }
                        match limit {
                            ChangeLimit::PerDay(m) => k += changes.saturating_sub(u64::from(*m)),
                            ChangeLimit::PerWeek(_) => week_changes += changes,
                            ChangeLimit::MinGaps(_) => k += short,
                        }
                    }
                    if let ChangeLimit::PerWeek(m) = limit {
                        k += week_changes.saturating_sub(u64::from(*m));
                    }
                }
                k
            }
            Kind::OccupyMaxDifferentRooms { activities, max } => {
                let mut used: Vec<u32> = activities.iter().filter_map(|&a| room_of[a as usize]).collect();
                used.sort_unstable();
                used.dedup();
                (used.len() as u64).saturating_sub(u64::from(*max))
            }
            Kind::SameRoomIfConsecutive { activities } => {
                let mut k = 0;
                for (x, &a) in activities.iter().enumerate() {
                    for &b in &activities[x + 1..] {
                        let (a, b) = (a as usize, b as usize);
                        let (Some((da, qa)), Some((db, qb)), Some(ra), Some(rb)) =
                            (pos[a], pos[b], room_of[a], room_of[b])
                        else {
                            continue;
                        };
                        let touching = qa + usize::from(p.activities[a].duration) == qb
                            || qb + usize::from(p.activities[b].duration) == qa;
                        if da == db && touching && ra != rb {
                            k += 1;
                        }
                    }
                }
                k
            }
            Kind::ResourceRule { resources, rule } => {
                let mut k = 0;
                for &r in resources {
                    let grid = match r {
                        Resource::Teacher(t) => &teacher_grid[t as usize],
                        Resource::Atom(a) => &atom_grid[a as usize],
                        Resource::Room(_) => continue,
                    };
                    if grid.iter().all(|&c| c == 0) {
                        continue;
                    }
                    let un = unusable(r);
                    k += rule_count(*rule, c.hard, grid, &un, nd, h);
                }
                k
            }
        };
        push(&mut out, Some(ci), c.hard, c.weight, count, c.label.clone());
    }
    out
}

fn mark(slots: &[Slot], ns: usize) -> Vec<bool> {
    let mut v = vec![false; ns];
    for &s in slots {
        if let Some(x) = v.get_mut(usize::from(s)) {
            *x = true;
        }
    }
    v
}

/// How far a same-starting-time/day/hour group is from agreeing: when hard, the values that differ
/// from the most common one (a slope for the search); when soft, as FET weighs it, the pairs of
/// activities with different values.
fn disagreement(hard: bool, values: impl Iterator<Item = usize>) -> u64 {
    let mut v: Vec<usize> = values.collect();
    v.sort_unstable();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let j = v[i..].iter().take_while(|&&x| x == v[i]).count();
        runs.push(j as u64);
        i += j;
    }
    let n = v.len() as u64;
    if hard {
        n - runs.iter().copied().max().unwrap_or(0)
    } else {
        (n * n - runs.iter().map(|k| k * k).sum::<u64>()) / 2
    }
}

/// How a maximum that `x` exceeds counts: the excess when hard (a slope for the search; only zero
/// matters to a verdict), 1 when soft, as FET weighs each broken day or run of max-hours rules.
fn over_max(x: u64, max: u16, hard: bool) -> u64 {
    match x.saturating_sub(u64::from(max)) {
        0 => 0,
        excess if hard => excess,
        _ => 1,
    }
}

/// Violations of one rule by one resource, from its grid of lesson counts.
fn rule_count(rule: Rule, hard: bool, grid: &[u32], unusable: &[bool], nd: usize, h: usize) -> u64 {
    let busy = |d: usize, q: usize| grid[d * h + q] > 0;
    let hours = |d: usize| (0..h).filter(|&q| busy(d, q)).count() as u64;
    let gaps = |d: usize| -> u64 {
        let first = (0..h).find(|&q| busy(d, q));
        let last = (0..h).rev().find(|&q| busy(d, q));
        match (first, last) {
            (Some(f), Some(l)) => (f..=l).filter(|&q| !busy(d, q) && !unusable[d * h + q]).count() as u64,
            _ => 0,
        }
    };
    let days = || (0..nd).filter(|&d| hours(d) > 0).count() as u64;
    match rule {
        Rule::MaxHoursDaily(m) => (0..nd).map(|d| over_max(hours(d), m, hard)).sum(),
        Rule::MinHoursDaily { min, allow_empty_days } => (0..nd)
            .map(|d| {
                let x = hours(d);
                if x == 0 && allow_empty_days { 0 } else { u64::from(min).saturating_sub(x) }
            })
            .sum(),
        Rule::MaxGapsPerDay(m) => (0..nd).map(|d| gaps(d).saturating_sub(u64::from(m))).sum(),
        Rule::MaxGapsPerWeek(m) => (0..nd).map(gaps).sum::<u64>().saturating_sub(u64::from(m)),
        Rule::EarlyMaxBeginningsAtSecondHour(m) => {
            let mut late_days = 0u64;
            let mut very_late = 0u64;
            for d in 0..nd {
                let Some(f) = (0..h).find(|&q| busy(d, q)) else { continue };
                let before = (0..f).filter(|&q| !unusable[d * h + q]).count() as u64;
                if before >= 1 {
                    late_days += 1;
                    very_late += before - 1;
                }
            }
            very_late + late_days.saturating_sub(u64::from(m))
        }
        Rule::MaxHoursContinuously(m) => {
            let mut k = 0;
            for d in 0..nd {
                let mut run = 0u64;
                for q in 0..=h {
                    if q < h && busy(d, q) {
                        run += 1;
                    } else {
                        k += over_max(run, m, hard);
                        run = 0;
                    }
                }
            }
            k
        }
        Rule::MaxSpanPerDay(m) | Rule::MaxSpanPerDayOneLonger(m) => {
            let excess: u64 = (0..nd)
                .map(|d| {
                    let first = (0..h).find(|&q| busy(d, q));
                    let last = (0..h).rev().find(|&q| busy(d, q));
                    match (first, last) {
                        (Some(f), Some(l)) => ((l - f + 1) as u64).saturating_sub(u64::from(m)),
                        _ => 0,
                    }
                })
                .sum();
            // With the exception, one day may be one period longer.
            if matches!(rule, Rule::MaxSpanPerDayOneLonger(_)) { excess.saturating_sub(1) } else { excess }
        }
        Rule::MinRestingHours { min, circular } => {
            let mut k = 0u64;
            for d in 0..nd {
                let next = if d + 1 < nd {
                    d + 1
                } else if circular {
                    0
                } else {
                    continue;
                };
                let end_rest = (0..h).rev().take_while(|&q| !busy(d, q)).count();
                let start_rest = (0..h).take_while(|&q| !busy(next, q)).count();
                k += u64::from(min).saturating_sub((end_rest + start_rest) as u64);
            }
            k
        }
        Rule::MaxDaysPerWeek(m) => days().saturating_sub(u64::from(m)),
        Rule::MinDaysPerWeek(m) => u64::from(m).saturating_sub(days()),
        Rule::IntervalMaxDaysPerWeek { start, end, max } => {
            let k = (0..nd).filter(|&d| (usize::from(start)..usize::from(end).min(h)).any(|q| busy(d, q))).count();
            (k as u64).saturating_sub(u64::from(max))
        }
        _ => half_day_rule_count(rule, hard, grid, unusable, nd, h),
    }
}

/// Violations of a mornings-afternoons rule: day `2k` is the morning, `2k + 1` the afternoon of
/// real day `k`; a real day is read as its morning's periods followed by its afternoon's.
fn half_day_rule_count(rule: Rule, hard: bool, grid: &[u32], unusable: &[bool], nd: usize, h: usize) -> u64 {
    let busy_at = |d: usize, q: usize| grid[d * h + q] > 0;
    let real_days = nd / 2;
    // The 2h periods of a real day: (busy, never a gap).
    let real = |k: usize| -> Vec<(bool, bool)> {
        (0..2 * h).map(|x| (busy_at(2 * k + x / h, x % h), unusable[(2 * k + x / h) * h + x % h])).collect()
    };
    let count = |v: &[(bool, bool)]| v.iter().filter(|x| x.0).count() as u64;
    let bounds = |v: &[(bool, bool)]| {
        let first = v.iter().position(|x| x.0)?;
        let last = v.iter().rposition(|x| x.0)?;
        Some((first, last))
    };
    let gaps = |v: &[(bool, bool)]| match bounds(v) {
        Some((f, l)) => v[f..=l].iter().filter(|x| !x.0 && !x.1).count() as u64,
        None => 0,
    };
    let half = |d: usize| -> Vec<(bool, bool)> { (0..h).map(|q| (busy_at(d, q), unusable[d * h + q])).collect() };
    let used = |d: usize| (0..h).any(|q| busy_at(d, q));
    let mornings = || (0..nd).step_by(2).filter(|&d| used(d)).count() as u64;
    let afternoons = || (1..nd).step_by(2).filter(|&d| used(d)).count() as u64;
    let over = |x: u64, m: u16| x.saturating_sub(u64::from(m));
    let under = |x: u64, m: u16| u64::from(m).saturating_sub(x);
    match rule {
        Rule::MaxHoursDailyRealDays(m) => (0..real_days).map(|k| over_max(count(&real(k)), m, hard)).sum(),
        Rule::MinHoursDailyRealDays { min, allow_empty_days } => (0..real_days)
            .map(|k| {
                let x = count(&real(k));
                if x == 0 && allow_empty_days { 0 } else { under(x, min) }
            })
            .sum(),
        Rule::MaxGapsPerRealDay { max, one_day_exception } => {
            let excess: Vec<u64> = (0..real_days).map(|k| over(gaps(&real(k)), max)).collect();
            let total: u64 = excess.iter().sum();
            if one_day_exception && excess.iter().any(|&e| e > 0) { total - 1 } else { total }
        }
        Rule::MaxRealDaysPerWeek(m) => over((0..real_days).filter(|&k| count(&real(k)) > 0).count() as u64, m),
        Rule::MinRealDaysPerWeek(m) => under((0..real_days).filter(|&k| count(&real(k)) > 0).count() as u64, m),
        Rule::MaxMorningsPerWeek(m) => over(mornings(), m),
        Rule::MaxAfternoonsPerWeek(m) => over(afternoons(), m),
        Rule::MinHoursPerMorning { min, allow_empty_mornings } => (0..nd)
            .step_by(2)
            .map(|d| {
                let x = count(&half(d));
                if x == 0 && allow_empty_mornings { 0 } else { under(x, min) }
            })
            .sum(),
        Rule::ZeroGapsPerAfternoon => (1..nd).step_by(2).map(|d| gaps(&half(d))).sum(),
        Rule::MinRestingHoursBetweenMorningAndAfternoon(m) => (0..real_days)
            .filter(|&k| {
                let (Some((_, last_morning)), Some((first_afternoon, _))) =
                    (bounds(&half(2 * k)), bounds(&half(2 * k + 1)))
                else {
                    return false;
                };
                (h - 1 - last_morning) + first_afternoon < usize::from(m)
            })
            .count() as u64,
        Rule::MaxRealDaysWithMorningAndAfternoon(m) => {
            over((0..real_days).filter(|&k| used(2 * k) && used(2 * k + 1)).count() as u64, m)
        }
        Rule::MaxThreeConsecutiveHalfDays { afternoon_start_exception } => (0..nd.saturating_sub(3))
            .filter(|&d| (d..d + 4).all(used) && !(afternoon_start_exception && d % 2 == 1))
            .count() as u64,
        Rule::AfternoonsEarlyMaxBeginningsAtSecondHour(m) => {
            let mut late = 0u64;
            let mut very_late = 0u64;
            for d in (1..nd).step_by(2) {
                let Some(f) = (0..h).find(|&q| busy_at(d, q)) else { continue };
                let before = (0..f).filter(|&q| !unusable[d * h + q]).count() as u64;
                if before >= 1 {
                    late += 1;
                    very_late += before - 1;
                }
            }
            very_late + over(late, m)
        }
        // One-day rules are counted by `rule_count`.
        _ => 0,
    }
}
