//! Moving lessons by hand, still pure: a move to another period, an exchange with the lessons of
//! the same classes there (调课互换, the usual way in a full week where no period is free), and,
//! for a selected lesson, what each period of its week would allow, so the page can show where it
//! can go before the 教务 picks. Every answer comes from the independent checker: a change is
//! refused when it breaks a hard requirement that held before.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::Instance;
use crate::check::{Report, check};
use crate::model::{Kind, Slot, Timetable};

/// A lesson's new place on the grid: (activity, day, period).
pub type Place = (usize, u16, u16);

impl Instance {
    /// Checks moving activity `a` to (`day`, `period`) of the grid, keeping its room: refused when
    /// it breaks a hard requirement that held before (each named), allowed with warnings for
    /// soft ones. A shared lesson moves with its other sides: each to a period of its own school
    /// that overlaps the new time in clock time (the one that breaks the fewest requirements);
    /// [`MoveVerdict::moves`] lists every lesson that moves, so the other schools' timetables can
    /// be checked and changed with it. Lessons that must start together (an elective block's
    /// groups, a hard same-starting-time group of a FET file) move together to the same start.
    pub fn check_move(&self, tt: &Timetable, a: usize, day: u16, period: u16) -> MoveVerdict {
        self.move_from(tt, &check(&self.problem, tt), a, day, period)
    }

    /// Checks exchanging activity `a` with the lessons of its classes at (`day`, `period`): `a`
    /// (with everything tied to it) goes there and they go to where `a` was, shifted by as much as
    /// `a` is. Refused when nothing of `a`'s classes is there, when one of those lessons is pinned,
    /// or when the exchange breaks a hard requirement that held before. `pinned` is per activity.
    pub fn check_swap(&self, tt: &Timetable, pinned: &[bool], a: usize, day: u16, period: u16) -> MoveVerdict {
        self.swap_from(tt, &check(&self.problem, tt), pinned, a, day, period).unwrap_or_else(|| {
            MoveVerdict::refused(vec![
                "这个时间没有同班的课可以互换 / nothing of the class to exchange with there".into(),
            ])
        })
    }

    /// Checks lessons moved to given places (a shared lesson's sides as another school's instance
    /// decided them), with no other side added.
    pub fn check_moves(&self, tt: &Timetable, places: &[Place]) -> MoveVerdict {
        let mut moved = tt.clone();
        for &(a, day, period) in places {
            if let Err(reason) = self.put(&mut moved, a, day, period) {
                return MoveVerdict::refused(vec![reason]);
            }
        }
        let moves: Vec<usize> = places.iter().map(|&(a, _, _)| a).collect();
        self.verdict(&check(&self.problem, tt), moved, &moves)
    }

    /// For every other start of activity `a` in its school's week, what the 教务 can do there: move
    /// it (the period is free for everything it needs), exchange it with the lessons of its classes
    /// there, or neither, and why. A move is offered before an exchange.
    pub fn move_options(&self, tt: &Timetable, pinned: &[bool], a: usize) -> Vec<MoveOption> {
        let Some(activity) = self.problem.activities.get(a).filter(|_| a < self.keys.len()) else {
            return Vec::new();
        };
        let before = check(&self.problem, tt);
        let week = &self.schools[self.school_of[a]];
        let duration = usize::from(activity.duration.max(1));
        let mut options = Vec::new();
        for day in 0..week.days.len() as u16 {
            for period in 0..week.periods.len().saturating_sub(duration - 1) as u16 {
                if tt.placements[a].start == Some(self.slot(day, period)) {
                    continue;
                }
                let (moved, moves) = match self.follow(tt, &[(a, day, period)]) {
                    Ok(m) => m,
                    Err(reason) => {
                        let verdict = MoveVerdict::refused(vec![reason]);
                        options.push(MoveOption { day, period, kind: OptionKind::Refused, verdict });
                        continue;
                    }
                };
                let displaced = self.displaced(&moved, &moves);
                let by_move = self.verdict(&before, moved, &moves);
                // With nothing to exchange there, the move's own reasons say why.
                let (kind, verdict) = if by_move.allowed {
                    (OptionKind::Move, by_move)
                } else if displaced.is_empty() {
                    (OptionKind::Refused, by_move)
                } else {
                    let by_swap = self.exchange(tt, &before, pinned, a, (day, period), &displaced);
                    (if by_swap.allowed { OptionKind::Swap } else { OptionKind::Refused }, by_swap)
                };
                options.push(MoveOption { day, period, kind, verdict });
            }
        }
        options
    }

    /// "物理（高一1班 · 张老师）": how a lesson is named in an exchange.
    fn lesson_named(&self, a: usize) -> String {
        let act = &self.problem.activities[a];
        let p = &self.problem;
        let classes: Vec<&str> = act.students.iter().map(|&s| p.student_sets[s as usize].name.as_str()).collect();
        let teachers: Vec<&str> = act.teachers.iter().map(|&t| p.teachers[t as usize].as_str()).collect();
        format!("{}（{} · {}）", act.subject, classes.join("、"), teachers.join("、"))
    }

    fn move_from(&self, tt: &Timetable, before: &Report, a: usize, day: u16, period: u16) -> MoveVerdict {
        match self.follow(tt, &[(a, day, period)]) {
            Ok((moved, moves)) => self.verdict(before, moved, &moves),
            Err(reason) => MoveVerdict::refused(vec![reason]),
        }
    }

    /// The exchange's verdict, or None when nothing of `a`'s classes is there to exchange with.
    fn swap_from(
        &self,
        tt: &Timetable,
        before: &Report,
        pinned: &[bool],
        a: usize,
        day: u16,
        period: u16,
    ) -> Option<MoveVerdict> {
        let (moved, moves) = self.follow(tt, &[(a, day, period)]).ok()?;
        let displaced = self.displaced(&moved, &moves);
        if displaced.is_empty() {
            return None;
        }
        Some(self.exchange(tt, before, pinned, a, (day, period), &displaced))
    }

    /// `a` to `to`, and `displaced` back by as much as `a` moves.
    fn exchange(
        &self,
        tt: &Timetable,
        before: &Report,
        pinned: &[bool],
        a: usize,
        to: (u16, u16),
        displaced: &[usize],
    ) -> MoveVerdict {
        if let Some(&b) = displaced.iter().find(|&&b| pinned.get(b).copied().unwrap_or(false)) {
            let name = self.lesson_named(b);
            return MoveVerdict::refused(vec![format!("{name} 已固定，不能互换 / it is pinned")]);
        }
        let Some(from) = tt.placements[a].start else {
            return MoveVerdict::refused(vec!["这节课还没有排 / the lesson has no place yet".into()]);
        };
        let shift = i32::from(self.slot(to.0, to.1)) - i32::from(from);
        let mut seeds = vec![(a, to.0, to.1)];
        for &b in displaced {
            let back = tt.placements[b].start.map_or(-1, |s| i32::from(s) - shift);
            let Some(back) = Slot::try_from(back).ok().filter(|&s| usize::from(s) < self.problem.slot_count()) else {
                return MoveVerdict::refused(vec![
                    "换过去的课超出了一周的节次 / the exchange falls outside the week".into(),
                ]);
            };
            let (d, q) = self.day_period(back);
            seeds.push((b, d, q));
        }
        match self.follow(tt, &seeds) {
            Ok((moved, moves)) => MoveVerdict {
                exchanged: displaced.iter().map(|&b| self.lesson_named(b)).collect(),
                ..self.verdict(before, moved, &moves)
            },
            Err(reason) => MoveVerdict::refused(vec![reason]),
        }
    }

    /// The lessons not in `moves` that share students with a moved lesson and overlap it at its
    /// new place: what an exchange sends back. A lesson just like a moved one (another of the same
    /// subject, teacher and class) is not one: exchanging them would change nothing.
    fn displaced(&self, moved: &Timetable, moves: &[usize]) -> Vec<usize> {
        let acts = &self.problem.activities;
        let alike = |x: usize, m: usize| {
            let (x, m) = (&acts[x], &acts[m]);
            (&x.subject, &x.teachers, &x.students, x.duration) == (&m.subject, &m.teachers, &m.students, m.duration)
        };
        let span = |x: usize| {
            moved.placements[x].start.map(|s| (usize::from(s), usize::from(s) + usize::from(acts[x].duration.max(1))))
        };
        let shares = |x: &[u32], y: &[u32]| x.iter().any(|v| y.binary_search(v).is_ok());
        (0..self.keys.len())
            .filter(|&x| !moves.iter().any(|&m| m == x || alike(x, m)))
            .filter(|&x| {
                let Some((s, e)) = span(x) else { return false };
                moves.iter().any(|&m| {
                    span(m).is_some_and(|(ms, me)| s < me && ms < e) && shares(&acts[x].atoms, &acts[m].atoms)
                })
            })
            .collect()
    }

    /// Starts the seeds at their places, then every lesson tied to a moved one (a shared lesson's
    /// other sides, the rest of a same-start group), one link at a time: the moved timetable and
    /// every activity that moved, seeds first.
    fn follow(&self, tt: &Timetable, seeds: &[Place]) -> Result<(Timetable, Vec<usize>), String> {
        let mut moved = tt.clone();
        for &(a, day, period) in seeds {
            self.put(&mut moved, a, day, period)?;
        }
        let mut moves: Vec<usize> = seeds.iter().map(|&(a, _, _)| a).collect();
        while let Some((b, candidates)) = self.next_linked_side(&moved, &moves) {
            // One candidate needs no trial (a same-start group may be large).
            let best = if candidates.len() == 1 {
                candidates.first().copied()
            } else {
                candidates.into_iter().min_by_key(|&s| {
                    let mut trial = moved.clone();
                    trial.placements[b].start = Some(s);
                    check(&self.problem, &trial).hard_violations
                })
            };
            let Some(slot) = best else {
                let school = &self.schools[self.school_of[b]].name;
                return Err(format!(
                    "专递课堂：{school} 在这个时间没有重叠的节次 / {school} has no period at the same time"
                ));
            };
            moved.placements[b].start = Some(slot);
            moves.push(b);
        }
        Ok((moved, moves))
    }

    /// Starts `a` at (`day`, `period`) in `tt`, or refuses a lesson that does not exist or a
    /// period its own school's week does not have.
    fn put(&self, tt: &mut Timetable, a: usize, day: u16, period: u16) -> Result<(), String> {
        let Some(activity) = self.problem.activities.get(a).filter(|_| a < self.keys.len()) else {
            return Err("这节课不存在 / no such lesson".into());
        };
        let school = &self.schools[self.school_of[a]];
        if usize::from(day) >= school.days.len()
            || usize::from(period + activity.duration.max(1)) > school.periods.len()
        {
            return Err(format!("{} 没有这个节次 / the school has no such period", school.name));
        }
        tt.placements[a].start = Some(self.slot(day, period));
        Ok(())
    }

    /// A lesson tied to an already moved lesson but not moved yet, with the starts it may take: a
    /// shared lesson's side at the same real time as the moved side's new start, a member of a hard
    /// same-starting-time group at the moved member's start.
    fn next_linked_side(&self, moved: &Timetable, done: &[usize]) -> Option<(usize, Vec<Slot>)> {
        self.problem.constraints.iter().find_map(|c| {
            if let Kind::SameStartingTime { activities } = &c.kind {
                let start = activities.iter().find(|&&x| done.contains(&(x as usize)))?;
                let start = moved.placements[*start as usize].start?;
                let next = activities.iter().find(|&&x| !done.contains(&(x as usize)))?;
                return c.hard.then(|| (*next as usize, vec![start]));
            }
            let Kind::LinkedStarts { first, second, allowed } = &c.kind else { return None };
            let (first, second) = (*first as usize, *second as usize);
            let start = |x: usize| moved.placements[x].start.map(usize::from);
            match (done.contains(&first), done.contains(&second)) {
                (true, false) => Some((second, start(first).and_then(|s| allowed.get(s)).cloned().unwrap_or_default())),
                (false, true) => {
                    let target = moved.placements[second].start?;
                    let leads = (0..allowed.len()).filter(|&s| allowed[s].contains(&target)).map(|s| s as Slot);
                    Some((first, leads.collect()))
                }
                _ => None,
            }
        })
    }

    fn verdict(&self, before: &Report, moved: Timetable, moves: &[usize]) -> MoveVerdict {
        let after = check(&self.problem, &moved);
        let (hard, soft) = new_violations(before, &after);
        let moves = moves
            .iter()
            .map(|&a| {
                let (day, period) = self.day_period(moved.placements[a].start.unwrap_or_default());
                MovedLesson {
                    key: self.keys[a].clone(),
                    school: self.schools[self.school_of[a]].id.clone(),
                    day,
                    period,
                }
            })
            .collect();
        MoveVerdict {
            allowed: hard.is_empty(),
            reasons: hard,
            warnings: soft,
            moves,
            exchanged: Vec::new(),
            report: after,
        }
    }
}

/// The violations of `after` that are new or more frequent than in `before`, hard and soft.
fn new_violations(before: &Report, after: &Report) -> (Vec<String>, Vec<String>) {
    let mut counts: HashMap<(bool, &str), u64> = HashMap::new();
    for v in &before.violations {
        *counts.entry((v.hard, v.label.as_str())).or_default() += v.count;
    }
    let mut hard = Vec::new();
    let mut soft = Vec::new();
    let mut after_counts: BTreeMap<(bool, &str), u64> = BTreeMap::new();
    for v in &after.violations {
        *after_counts.entry((v.hard, v.label.as_str())).or_default() += v.count;
    }
    for ((is_hard, label), n) in after_counts {
        if n > counts.get(&(is_hard, label)).copied().unwrap_or(0) {
            if is_hard { hard.push(in_words(label)) } else { soft.push(in_words(label)) }
        }
    }
    (hard, soft)
}

/// The checker's basic requirements in a 教务's words (its own labels are English); labels of
/// the district model's constraints are Chinese already and pass unchanged.
fn in_words(label: &str) -> String {
    if let Some((head, tail)) = label.split_once(" has overlapping lessons (first at ")
        && let Some((what, name)) = head.split_once(' ')
    {
        let at = tail.trim_end_matches(')');
        let zh = match what {
            "teacher" => format!("教师 {name} 在 {at} 已有别的课"),
            "students" => format!("班级 {name} 在 {at} 已有别的课"),
            "room" => format!("教室 {name} 在 {at} 已被占用"),
            _ => return label.to_owned(),
        };
        return format!("{zh} / {label}");
    }
    if label.ends_with(" does not fit in its day") {
        return format!("超出当天的节次 / {label}");
    }
    label.to_owned()
}

/// The answer to a move by hand.
#[derive(Debug, Clone, Serialize)]
pub struct MoveVerdict {
    /// Every hard requirement that held before still holds.
    pub allowed: bool,
    /// The hard requirements the move would break.
    pub reasons: Vec<String>,
    /// The wishes (soft constraints) the move would break.
    pub warnings: Vec<String>,
    /// Every lesson that moves (more than one for a shared lesson or an exchange), where it goes;
    /// the selected lesson first.
    pub moves: Vec<MovedLesson>,
    /// The lessons an exchange sends to the selected lesson's place, named (empty for a move).
    pub exchanged: Vec<String>,
    /// The checker's verdict on the timetable after the move.
    #[serde(skip)]
    pub report: Report,
}

impl MoveVerdict {
    fn refused(reasons: Vec<String>) -> MoveVerdict {
        MoveVerdict {
            allowed: false,
            reasons,
            warnings: Vec::new(),
            moves: Vec::new(),
            exchanged: Vec::new(),
            report: Report { hard_violations: 0, soft_units: 0, violations: Vec::new() },
        }
    }
}

/// A lesson a move by hand takes elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovedLesson {
    /// [`Instance::keys`] entry (the same in every school's instance).
    pub key: String,
    /// Roster id of the school whose week the lesson is in.
    pub school: String,
    /// Day (0-based).
    pub day: u16,
    /// Period of that school's bells (0-based).
    pub period: u16,
}

/// What a selected lesson can do at one period of its week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptionKind {
    /// It can move there.
    Move,
    /// It can exchange places with the lessons of its classes there.
    Swap,
    /// Neither: the verdict says why.
    Refused,
}

/// One period of [`Instance::move_options`].
#[derive(Debug, Clone, Serialize)]
pub struct MoveOption {
    /// Day (0-based).
    pub day: u16,
    /// Period (0-based).
    pub period: u16,
    /// What can be done there.
    pub kind: OptionKind,
    /// The checker's verdict on the move or the exchange (for a refusal, on the exchange when
    /// there was something to exchange with).
    pub verdict: MoveVerdict,
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::platform::plan_from_roster;
    use crate::platform::tests::{roster, solve_plan};

    fn solved_lead() -> (Instance, Timetable) {
        let roster = roster();
        let lead = plan_from_roster(&roster, &roster.school_groups[0].lead_school_id).unwrap();
        let inst = Instance::from_plan(&lead).unwrap();
        let tt = solve_plan(&inst, &HashMap::new());
        (inst, tt)
    }

    fn applied(inst: &Instance, tt: &Timetable, v: &MoveVerdict) -> Timetable {
        let mut out = tt.clone();
        for m in &v.moves {
            let a = inst.keys.iter().position(|k| *k == m.key).unwrap();
            out.placements[a].start = Some(inst.slot(m.day, m.period));
        }
        out
    }

    #[test]
    fn every_period_says_whether_the_lesson_moves_there_is_exchanged_or_why_not() {
        let (inst, tt) = solved_lead();
        let n = inst.keys.len();
        let a = (0..n).find(|&i| inst.shared[i].is_none() && inst.problem.activities[i].duration == 1).unwrap();
        let options = inst.move_options(&tt, &vec![false; n], a);
        let week = &inst.schools[0];
        assert_eq!(options.len(), week.days.len() * week.periods.len() - 1, "every other period once");
        let hard_before = check(&inst.problem, &tt).hard_violations;
        let (mut moves, mut swaps) = (0, 0);
        for o in &options {
            let after = applied(&inst, &tt, &o.verdict);
            match o.kind {
                OptionKind::Move => {
                    moves += 1;
                    assert!(o.verdict.exchanged.is_empty());
                    assert!(check(&inst.problem, &after).hard_violations <= hard_before, "{o:?}");
                }
                OptionKind::Swap => {
                    swaps += 1;
                    assert!(check(&inst.problem, &after).hard_violations <= hard_before, "{o:?}");
                    // The class's lesson that was there takes the selected lesson's old period.
                    let b = inst.keys.iter().position(|k| *k == o.verdict.moves[1].key).unwrap();
                    assert_eq!(tt.placements[b].start, Some(inst.slot(o.day, o.period)));
                    assert_eq!(after.placements[b].start, tt.placements[a].start);
                    assert_eq!(o.verdict.exchanged.len(), 1, "{o:?}");
                    assert!(o.verdict.exchanged[0].starts_with(&inst.problem.activities[b].subject));
                }
                OptionKind::Refused => assert!(!o.verdict.reasons.is_empty(), "{o:?}"),
            }
        }
        // A full week has no free period for the class, so exchanges are what is left.
        assert!(swaps > 0, "{options:?}");
        assert_eq!(moves, options.iter().filter(|o| inst.check_move(&tt, a, o.day, o.period).allowed).count());
        // The same exchange checked on its own gives the same answer.
        let o = options.iter().find(|o| o.kind == OptionKind::Swap).unwrap();
        let v = inst.check_swap(&tt, &vec![false; n], a, o.day, o.period);
        assert!(v.allowed);
        assert_eq!(v.moves, o.verdict.moves);
    }

    #[test]
    fn a_pinned_lesson_is_not_exchanged_and_an_empty_period_has_nothing_to_exchange() {
        let (inst, tt) = solved_lead();
        let n = inst.keys.len();
        let a = (0..n).find(|&i| inst.shared[i].is_none() && inst.problem.activities[i].duration == 1).unwrap();
        let o = inst.move_options(&tt, &vec![false; n], a).into_iter().find(|o| o.kind == OptionKind::Swap).unwrap();
        let b = inst.keys.iter().position(|k| *k == o.verdict.moves[1].key).unwrap();
        let mut pinned = vec![false; n];
        pinned[b] = true;
        let v = inst.check_swap(&tt, &pinned, a, o.day, o.period);
        assert!(!v.allowed && v.reasons[0].contains("已固定"), "{v:?}");
        // Where the class has no lesson, there is nothing to exchange with.
        let mut emptied = tt.clone();
        emptied.placements[b].start = None;
        let v = inst.check_swap(&emptied, &vec![false; n], a, o.day, o.period);
        assert!(!v.allowed && v.reasons[0].contains("没有同班的课"), "{v:?}");
    }
}
