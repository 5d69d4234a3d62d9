//! The local search: incremental cost bookkeeping over a full assignment, a tabu search that
//! drives hard violations to zero, then late-acceptance hill climbing on the soft penalty.
//!
//! [`State`] holds one placement per activity and every cached count; its bookkeeping is split by
//! what it keeps: the constraints over several lessons (`constraints`), the per-resource rules
//! (`rules`) and rooms (`rooms`). A run (`run`) drives it with the moves in `moves` and `compound`.

mod compound;
mod constraints;
mod eject;
mod moves;
mod rng;
mod rooms;
mod rules;
mod run;
#[cfg(test)]
mod tests;

use crate::compile::{Compiled, DynKind, NO_PLACE, RoomKind};
pub(crate) use run::{RunControl, RunResult, run};

const NONE: u16 = u16::MAX;
/// Synchronised groups larger than this keep per-key counters instead of a pairwise recount.
const SYNC_COUNTED: usize = 8;

/// The search state: one placement per activity plus every cached count.
pub(crate) struct State<'a> {
    c: &'a Compiled,
    pub start: Vec<u16>,
    pub kidx: Vec<u32>,
    /// Index into `c.rooms[a]`, `c.rooms[a].len()` for a lesson placed without a room (see
    /// `Compiled::roomless`), or `NONE`.
    pub room: Vec<u16>,
    occ: Vec<u16>,
    busy: Vec<u64>,
    occ_room: Vec<u16>,
    cons_cost: Vec<i64>,
    /// Per-slot counters for max-simultaneous / occupy-max constraints (empty for the others).
    cons_cnt: Vec<Vec<u16>>,
    cons_aux: Vec<i64>,
    day_vals: Vec<[i32; 2]>,
    rule_sums: Vec<[i32; 2]>,
    rule_cost: Vec<i64>,
    /// What each rule adds to `whard` per unit of its breakout weight: its cost, except where a
    /// graded cost gives the hard phase a slope (see [`State::shaped_rule_cost`]).
    rule_shaped: Vec<i64>,
    /// Per resource, how many hard rules watching it are broken (see `Compiled::watch`).
    broken: Vec<u32>,
    pub hard: i64,
    pub soft: i64,
    /// Hard violations weighted by how long each has resisted repair (breakout weights);
    /// the hard phase minimises this instead of `hard`.
    pub whard: i64,
    w_res: Vec<i64>,
    w_room: Vec<i64>,
    w_rule: Vec<i64>,
    w_cons: Vec<i64>,
    /// Room constraints: cost, per-day values (changes), room use counts and distinct rooms
    /// (max different rooms), breakout weights.
    rc_cost: Vec<i64>,
    rc_day: Vec<Vec<i32>>,
    /// Per changes constraint, the place of each slot of the week (`NO_PLACE` for none).
    rc_at: Vec<Vec<u32>>,
    rc_cnt: Vec<Vec<u16>>,
    rc_distinct: Vec<i64>,
    w_rc: Vec<i64>,
    /// While true, move evaluation ignores the soft penalty.
    pub hard_only: bool,
    /// Old values of what `update_rules` and `update_cons` recompute, logged while a trial is
    /// open (see [`State::trial`]), so that undoing a trial move restores them instead of
    /// recomputing every rule and constraint a second time.
    journal: Vec<Undo>,
    /// Open trials.
    trials: u32,
    /// Inside [`State::undo`]: the moves taking a trial back skip the recomputation.
    undoing: bool,
}

/// One logged old value (see `State::journal`).
#[derive(Clone, Copy)]
enum Undo {
    /// `day_vals[i]`.
    Day(u32, [i32; 2]),
    /// `rule_sums[ri]`, `rule_cost[ri]` and `rule_shaped[ri]`.
    Rule(u32, [i32; 2], i64, i64),
    /// `cons_cost[ci]` of a constraint recomputed by `update_cons`.
    Cons(u32, i64),
}

/// An open trial: where its log starts and the totals before it (see [`State::trial`]).
#[must_use]
pub(crate) struct Trial {
    mark: usize,
    hard: i64,
    whard: i64,
    soft: i64,
}

impl<'a> State<'a> {
    pub(crate) fn new(c: &'a Compiled) -> Self {
        let nres = c.res_acts.len();
        let mut st = State {
            c,
            start: vec![NONE; c.n],
            kidx: vec![0; c.n],
            room: vec![NONE; c.n],
            occ: vec![0; nres * c.ns],
            busy: vec![0; nres * c.nd],
            occ_room: vec![0; c.nr * c.ns],
            cons_cost: vec![0; c.cons.len()],
            cons_cnt: c
                .cons
                .iter()
                .map(|k| match k.kind {
                    DynKind::MaxSimultaneous { .. }
                    | DynKind::OccupyMax { .. }
                    | DynKind::MinSimultaneous { .. }
                    | DynKind::OccupyMin { .. } => vec![0; c.ns],
                    DynKind::TagsApart { ntags, .. } => vec![0; c.ns * (ntags as usize + 1)],
                    DynKind::OnePerPeriod(_) => vec![0; c.h],
                    // Large synchronised groups count their members per key: a pairwise recount
                    // would cost the square of the group's size on every move.
                    DynKind::SameTime(ref acts) | DynKind::SameDay(ref acts) | DynKind::SameHour(ref acts)
                        if acts.len() > SYNC_COUNTED =>
                    {
                        vec![0; c.sync_keys(&k.kind)]
                    }
                    _ => Vec::new(),
                })
                .collect(),
            cons_aux: vec![0; c.cons.len()],
            day_vals: vec![[0, 0]; c.rules.len() * c.nd],
            rule_sums: vec![[0, 0]; c.rules.len()],
            rule_cost: vec![0; c.rules.len()],
            rule_shaped: vec![0; c.rules.len()],
            broken: vec![0; nres],
            hard: 0,
            soft: 0,
            whard: 0,
            w_res: vec![1; nres],
            w_room: vec![1; c.nr],
            w_rule: vec![1; c.rules.len()],
            w_cons: vec![1; c.cons.len()],
            rc_cost: vec![0; c.room_cons.len()],
            rc_day: c
                .room_cons
                .iter()
                .map(|k| if matches!(k.kind, RoomKind::Changes { .. }) { vec![0; c.nd] } else { Vec::new() })
                .collect(),
            rc_at: c
                .room_cons
                .iter()
                .map(|k| if matches!(k.kind, RoomKind::Changes { .. }) { vec![NO_PLACE; c.ns] } else { Vec::new() })
                .collect(),
            rc_cnt: c
                .room_cons
                .iter()
                .map(|k| if matches!(k.kind, RoomKind::MaxRooms { .. }) { vec![0; c.nr] } else { Vec::new() })
                .collect(),
            rc_distinct: vec![0; c.room_cons.len()],
            w_rc: vec![1; c.room_cons.len()],
            hard_only: false,
            journal: Vec::new(),
            trials: 0,
            undoing: false,
        };
        // Rules start from an empty week; resources without any activity are never judged.
        for r in 0..nres {
            if c.res_acts[r].is_empty() {
                continue;
            }
            for d in 0..c.nd {
                st.update_rules(r, d);
            }
        }
        for ci in 0..c.cons.len() {
            st.update_cons(ci);
        }
        st
    }

    fn add_cost(&mut self, hard: bool, weight: i64, dyn_weight: i64, delta: i64) {
        if hard {
            self.hard += delta;
            self.whard += delta * dyn_weight;
        } else {
            self.soft += delta * weight;
        }
    }

    /// Places `a` at its `k`-th domain start (time only).
    pub(crate) fn insert_time(&mut self, a: usize, k: usize) {
        let c = self.c;
        let s = usize::from(c.domain[a][k]);
        self.start[a] = s as u16;
        self.kidx[a] = k as u32;
        self.hard += c.dom_hard[a][k];
        self.whard += c.dom_hard[a][k];
        self.soft += c.dom_soft[a][k];
        let du = usize::from(c.dur[a]);
        let d = s / c.h;
        for &r in &c.res[a] {
            let r = r as usize;
            let base = r * c.ns;
            let clash = r < c.clash_res;
            for x in s..s + du {
                let o = &mut self.occ[base + x];
                if *o >= 1 && clash {
                    self.hard += 1;
                    self.whard += self.w_res[r];
                }
                *o += 1;
                if *o == 1 {
                    self.busy[r * c.nd + d] |= 1u64 << (x - d * c.h);
                }
            }
        }
        // Rules read other resources' days too (a tag pair reads two shadows), so every busy
        // mask is updated before any rule is.
        for &r in &c.res[a] {
            self.update_rules(r as usize, d);
        }
        self.touch_cons(a, s, du, true);
    }

    /// Takes `a` off the grid (time only; its room must already be cleared).
    pub(crate) fn remove_time(&mut self, a: usize) {
        let c = self.c;
        let s = usize::from(self.start[a]);
        let k = self.kidx[a] as usize;
        self.hard -= c.dom_hard[a][k];
        self.whard -= c.dom_hard[a][k];
        self.soft -= c.dom_soft[a][k];
        self.start[a] = NONE;
        let du = usize::from(c.dur[a]);
        let d = s / c.h;
        for &r in &c.res[a] {
            let r = r as usize;
            let base = r * c.ns;
            let clash = r < c.clash_res;
            for x in s..s + du {
                let o = &mut self.occ[base + x];
                *o -= 1;
                if *o >= 1 && clash {
                    self.hard -= 1;
                    self.whard -= self.w_res[r];
                }
                if *o == 0 {
                    self.busy[r * c.nd + d] &= !(1u64 << (x - d * c.h));
                }
            }
        }
        for &r in &c.res[a] {
            self.update_rules(r as usize, d);
        }
        self.touch_cons(a, s, du, false);
    }

    pub(crate) fn place(&mut self, a: usize, k: usize) {
        self.insert_time(a, k);
        let (j, _, _) = self.best_room(a, usize::from(self.start[a]));
        self.set_room(a, j);
    }

    pub(crate) fn unplace(&mut self, a: usize) {
        self.clear_room(a);
        self.remove_time(a);
    }

    /// Opens a trial: until [`State::undo`] or [`State::keep`] closes it, every rule and
    /// constraint value the moves recompute is logged with its old value. Trials nest.
    pub(crate) fn trial(&mut self) -> Trial {
        debug_assert!(!self.undoing, "a trial opened while another is being undone");
        self.trials += 1;
        Trial { mark: self.journal.len(), hard: self.hard, whard: self.whard, soft: self.soft }
    }

    /// Takes trial `t` back. `back` makes the moves that return every lesson it moved to its
    /// start and room from before the trial; those moves update the grid and counters but skip
    /// the rule and constraint recomputation (half the cost of a tried move), whose old values
    /// come back from the log instead, as do the totals.
    pub(crate) fn undo(&mut self, t: Trial, back: impl FnOnce(&mut Self)) {
        self.undoing = true;
        back(self);
        self.undoing = false;
        while self.journal.len() > t.mark {
            let Some(u) = self.journal.pop() else { break };
            match u {
                Undo::Day(i, v) => self.day_vals[i as usize] = v,
                Undo::Rule(ri, sums, cost, shaped) => {
                    self.rule_sums[ri as usize] = sums;
                    self.set_rule_cost(ri as usize, cost);
                    self.rule_shaped[ri as usize] = shaped;
                }
                Undo::Cons(ci, cost) => self.cons_cost[ci as usize] = cost,
            }
        }
        (self.hard, self.whard, self.soft) = (t.hard, t.whard, t.soft);
        self.trials -= 1;
    }

    /// Keeps trial `t`'s moves (its log stays with an enclosing trial, if any).
    pub(crate) fn keep(&mut self, _: Trial) {
        self.trials -= 1;
        if self.trials == 0 {
            self.journal.clear();
        }
    }

    /// Cost of `a` at each domain start, with `a` currently off the grid.
    fn evaluate_all(&mut self, a: usize, out: &mut Vec<(i64, i64)>, hards: &mut Vec<i64>) {
        out.clear();
        hards.clear();
        for k in 0..self.c.domain[a].len() {
            let t = self.trial();
            self.insert_time(a, k);
            let (j, rh, rs) = self.best_room(a, usize::from(self.start[a]));
            out.push((self.whard + rh, if self.hard_only { 0 } else { self.soft + rs }));
            // The true hard count: the room's weighted clashes are recounted unweighted.
            let room_true = if usize::from(j) < self.c.rooms[a].len() {
                self.room_true_hard(a, usize::from(self.start[a]), usize::from(j))
            } else {
                0
            };
            hards.push(self.hard + room_true);
            self.undo(t, |st| st.remove_time(a));
        }
    }

    /// Raises by one the weight of every hard requirement broken right now (breakout).
    fn bump_weights(&mut self) {
        let c = self.c;
        for r in 0..c.clash_res {
            let extra: i64 = self.occ[r * c.ns..(r + 1) * c.ns].iter().map(|&o| i64::from(o.saturating_sub(1))).sum();
            if extra > 0 {
                self.w_res[r] += 1;
                self.whard += extra;
            }
        }
        for r in 0..c.nr {
            let extra: i64 =
                self.occ_room[r * c.ns..(r + 1) * c.ns].iter().map(|&o| i64::from(o.saturating_sub(1))).sum();
            if extra > 0 {
                self.w_room[r] += 1;
                self.whard += extra;
            }
        }
        for ri in 0..c.rules.len() {
            if c.rules[ri].hard && self.rule_cost[ri] > 0 {
                self.w_rule[ri] += 1;
                self.whard += self.rule_shaped[ri];
            }
        }
        for ci in 0..c.cons.len() {
            if c.cons[ci].hard && self.cons_cost[ci] > 0 {
                self.w_cons[ci] += 1;
                self.whard += self.cons_cost[ci];
            }
        }
        for ki in 0..c.room_cons.len() {
            if c.room_cons[ki].hard && self.rc_cost[ki] > 0 {
                self.w_rc[ki] += 1;
                self.whard += self.rc_cost[ki];
            }
        }
    }

    /// Whether `a` takes part in some hard violation.
    fn conflicted(&self, a: usize) -> bool {
        let c = self.c;
        if self.start[a] == NONE {
            return true;
        }
        let k = self.kidx[a] as usize;
        if c.dom_hard[a][k] > 0 {
            return true;
        }
        let s = usize::from(self.start[a]);
        let du = usize::from(c.dur[a]);
        for &r in &c.res[a] {
            let base = r as usize * c.ns;
            if (r as usize) < c.clash_res && self.occ[base + s..base + s + du].iter().any(|&o| o > 1) {
                return true;
            }
            if self.broken[r as usize] > 0 {
                return true;
            }
        }
        if let Some(r) = self.room_of(a) {
            let j = usize::from(self.room[a]);
            if c.room_hard[a][j] > 0 || (s..s + du).any(|x| self.occ_room[r * c.ns + x] > 1 || c.room_na_hard[r][x] > 0)
            {
                return true;
            }
        }
        c.act_cons[a].iter().any(|&ci| {
            let ci = ci as usize;
            c.cons[ci].hard && self.cons_cost[ci] > 0 && self.takes_part(ci, a, s, du)
        }) || c.act_room_cons[a].iter().any(|&ki| c.room_cons[ki as usize].hard && self.rc_cost[ki as usize] > 0)
    }

    /// Recomputes both totals from the cached parts (a consistency check for tests).
    #[cfg(test)]
    pub(crate) fn recount(&self) -> (i64, i64) {
        let mut fresh = State::new(self.c);
        for a in 0..self.c.n {
            if self.start[a] != NONE {
                fresh.insert_time(a, self.kidx[a] as usize);
                fresh.set_room(a, self.room[a]);
            }
        }
        (fresh.hard, fresh.soft)
    }
}
