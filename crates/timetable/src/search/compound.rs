//! Compound moves the hard phase takes when single moves and swaps cannot make progress: a group
//! moved together, Kempe chains, half-day blocks, emptying a slot, exchanging two periods or days.

use super::moves::pick_min;
use super::rng::Rng;
use super::{NONE, State};
use crate::compile::{Compiled, DynKind, RuleKind};
use crate::model::Slot;

impl State<'_> {
    /// Moves every member of synchronised group `ci` except `skip` to the start it takes at
    /// `key` (members whose start there is not allowed stay), remembering each old placement in
    /// `saved` so that [`State::restore`] can undo it.
    pub(super) fn shift_group(&mut self, ci: usize, skip: usize, key: usize, saved: &mut Vec<(usize, u32, u16)>) {
        let c = self.c;
        let kind = &c.cons[ci].kind;
        let (DynKind::SameTime(acts) | DynKind::SameDay(acts) | DynKind::SameHour(acts)) = kind else { return };
        for &m in acts {
            let m = m as usize;
            if m == skip || self.start[m] == NONE {
                continue;
            }
            let s = usize::from(self.start[m]);
            let t = c.sync_target(kind, s, key);
            if t == s {
                continue;
            }
            if let Ok(k) = c.domain[m].binary_search(&(t as Slot)) {
                saved.push((m, self.kidx[m], self.room[m]));
                self.unplace(m);
                self.place(m, k);
            }
        }
    }

    /// Moves `movers` to the given domain indices: all are lifted first, so each new room is
    /// chosen among the rooms the others have left.
    pub(super) fn move_all(&mut self, movers: &[(usize, usize)], saved: &mut Vec<(usize, u32, u16)>) {
        for &(m, _) in movers {
            saved.push((m, self.kidx[m], self.room[m]));
            self.unplace(m);
        }
        for &(m, k) in movers {
            self.place(m, k);
        }
    }

    /// The Kempe chain that moves `a` (starting at `from`) to start `to`: every lesson sharing a
    /// teacher or students with a moved lesson at its new time moves by the opposite shift (the
    /// same number of days and periods back), and so on until nothing more clashes. Between two
    /// times this is the classic exchange of everything the conflicting resources hold there,
    /// which keeps a full week full: no single move or pair swap reaches it when the clash runs
    /// through several teachers and classes. With `sections` (block planning) the chain also
    /// follows a student's one-lesson-per-block rule across days and keeps sections whole (see
    /// [`Sections`]). Fills `chain` with (activity, new domain index), `a` first; returns false
    /// when the chain needs a pinned lesson, leaves a lesson's allowed starts or grows past
    /// `limit`. `side` is scratch (one entry per activity, left all zero).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn kempe_chain(
        &self,
        (a, from, to): (usize, usize, usize),
        fixed: &[Option<usize>],
        limit: usize,
        sections: Option<&Sections<'_>>,
        side: &mut [i8],
        chain: &mut Vec<(usize, usize)>,
    ) -> bool {
        let c = self.c;
        let h = c.h as isize;
        let (dd, dq) = ((to / c.h) as isize - (from / c.h) as isize, (to % c.h) as isize - (from % c.h) as isize);
        if sections.is_some() && dd != 0 {
            // A block's partners on other days (other teachers) cannot change day with it.
            return false;
        }
        let start_of = |m: usize| if m == a { from } else { usize::from(self.start[m]) };
        // The start `m` takes when shifted one way (`sign` 1) or back (`sign` -1), if allowed.
        let shifted = |m: usize, sign: isize| -> Option<usize> {
            let s = start_of(m) as isize;
            let (d, q) = (s / h + sign * dd, s % h + sign * dq);
            if d < 0 || d >= c.nd as isize || q < 0 || q >= h {
                return None;
            }
            c.domain[m].binary_search(&((d * h + q) as Slot)).ok()
        };
        chain.clear();
        let Some(ka) = shifted(a, 1) else { return false };
        chain.push((a, ka));
        side[a] = 1;
        // Adds `b` to the chain, moving by `sign`, unless it is in already; false when it cannot
        // move that way (pinned, off its allowed starts, or the chain is full).
        let enlist = |b: usize, sign: isize, side: &mut [i8], chain: &mut Vec<(usize, usize)>| -> bool {
            if side[b] != 0 {
                return true;
            }
            match shifted(b, sign) {
                Some(kb) if fixed.get(b).copied().flatten().is_none() && chain.len() < limit => {
                    side[b] = sign as i8;
                    chain.push((b, kb));
                    true
                }
                _ => false,
            }
        };
        let mut ok = true;
        let mut i = 0;
        'grow: while i < chain.len() {
            let (m, km) = chain[i];
            i += 1;
            let s = usize::from(c.domain[m][km]);
            let (d, q, du) = (s / c.h, s % c.h, usize::from(c.dur[m]));
            let sign = isize::from(side[m]);
            for &r in &c.res[m] {
                if r as usize >= c.clash_res {
                    continue;
                }
                for &b in &c.res_acts[r as usize] {
                    let b = b as usize;
                    if side[b] != 0 || self.start[b] == NONE {
                        continue;
                    }
                    let sb = usize::from(self.start[b]);
                    let (db, qb) = (sb / c.h, sb % c.h);
                    if db == d && qb < q + du && q < qb + usize::from(c.dur[b]) && !enlist(b, -sign, side, chain) {
                        ok = false;
                        break 'grow;
                    }
                }
            }
            if let Some(sections) = sections
                && !sections.joining(self, (m, start_of(m), s), sign, |b, sign_b| enlist(b, sign_b, side, chain))
            {
                ok = false;
                break 'grow;
            }
        }
        for &(m, _) in chain.iter() {
            side[m] = 0;
        }
        ok
    }

    /// Puts back every placement in `saved` (taken by [`State::shift_group`] or
    /// [`State::move_all`]) and empties it.
    pub(super) fn restore(&mut self, saved: &mut Vec<(usize, u32, u16)>) {
        for &(m, _, _) in saved.iter() {
            self.unplace(m);
        }
        for &(m, k, r) in saved.iter() {
            self.insert_time(m, k as usize);
            self.set_room(m, r);
        }
        saved.clear();
    }
}

/// Block planning (FET's mode where days are teachers and periods are blocks): the lessons of
/// one slot under a hard "occupy at most N slots" are one section (a teacher's group in a block),
/// and a student takes one lesson per block whatever the day. A Kempe chain between two blocks
/// that moves single lessons splits sections and breaks the limit, and one that ignores the
/// students' other days makes them clash there; with these rules it exchanges whole sections
/// and every student's lessons between the two blocks, which keeps both counts (e.g. FET's
/// Blocks file, where most teachers hold one section, so a section can only move with all its
/// students and what they take in the other block).
pub(super) struct Sections<'x> {
    /// Per slot, the lessons that may start there.
    pub by_slot: &'x [Vec<u32>],
    /// Whether a moved section joins the one at its new block instead of exchanging with it
    /// (which lowers the number of slots occupied).
    pub merge: bool,
}

impl Sections<'_> {
    /// Per slot, the lessons that may start there; empty unless the problem is in block-planning
    /// mode with a hard "occupy at most N slots".
    pub fn index(c: &Compiled) -> Vec<Vec<u32>> {
        let counted = c.cons.iter().any(|k| k.hard && matches!(k.kind, DynKind::OccupyMax { .. }));
        let blocks = c.cons.iter().any(|k| k.hard && matches!(k.kind, DynKind::OnePerPeriod(_)));
        if !counted || !blocks {
            return Vec::new();
        }
        let mut by_slot = vec![Vec::new(); c.ns];
        for (a, dom) in c.domain.iter().enumerate() {
            for &s in dom {
                by_slot[usize::from(s)].push(a as u32);
            }
        }
        by_slot
    }

    /// Hands `enlist` the lessons that move because `m` (on `side` `sign`) moves from start
    /// `old` to `new`: its students' lessons in the new block on any day (the opposite way),
    /// its section (the same way) and, unless merging, the section it meets (the opposite way).
    /// Stops and returns false as soon as `enlist` refuses one.
    fn joining(
        &self,
        st: &State<'_>,
        (m, old, new): (usize, usize, usize),
        sign: isize,
        mut enlist: impl FnMut(usize, isize) -> bool,
    ) -> bool {
        let c = st.c;
        let (q, du) = (new % c.h, usize::from(c.dur[m]));
        // Whether `b`'s periods of the day overlap `m`'s at its new start.
        let overlaps = |b: usize| {
            let qb = usize::from(st.start[b]) % c.h;
            qb < q + du && q < qb + usize::from(c.dur[b])
        };
        for &ci in &c.act_cons[m] {
            let ci = ci as usize;
            if !c.cons[ci].hard {
                continue;
            }
            match &c.cons[ci].kind {
                DynKind::OnePerPeriod(acts) => {
                    for &b in acts {
                        let b = b as usize;
                        if st.start[b] != NONE && overlaps(b) && !enlist(b, -sign) {
                            return false;
                        }
                    }
                }
                DynKind::OccupyMax { selected, .. } => {
                    let met = if self.merge { None } else { Some((new, -sign)) };
                    for (slot, sign_b) in std::iter::once((old, sign)).chain(met) {
                        if !selected[slot] {
                            continue;
                        }
                        for &b in &self.by_slot[slot] {
                            let b = b as usize;
                            if usize::from(st.start[b]) == slot
                                && c.act_cons[b].binary_search(&(ci as u32)).is_ok()
                                && !enlist(b, sign_b)
                            {
                                return false;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        true
    }
}

/// Resources whose half days the hard phase moves as blocks: teachers and atoms under a hard
/// rule of the mornings-afternoons mode (real days, mornings and afternoons).
pub(super) fn block_resources(c: &Compiled) -> Vec<bool> {
    (0..c.res_acts.len())
        .map(|r| {
            c.half_days
                && r < c.clash_res
                && c.rules[c.rule_start[r]..c.rule_start[r + 1]]
                    .iter()
                    .any(|rule| rule.hard && matches!(rule.kind, RuleKind::Shape(shape) if shape.needs_half_days()))
        })
        .collect()
}

/// Collects into `out` the moves (activity, new domain index) that take resource `r`'s lessons
/// other than `a` from half day `d` to the same periods of half day `d2` (`days` is `(d, d2)`),
/// and with `trade` those on `d2` to `d`. False when one of them is pinned or may not start there.
pub(super) fn half_day_block(
    st: &State<'_>,
    r: usize,
    a: usize,
    (d, d2): (usize, usize),
    trade: bool,
    fixed: &[Option<usize>],
    out: &mut Vec<(usize, usize)>,
) -> bool {
    let c = st.c;
    for &m in &c.res_acts[r] {
        let m = m as usize;
        if m == a || st.start[m] == NONE {
            continue;
        }
        let s = usize::from(st.start[m]);
        let (dm, q) = (s / c.h, s % c.h);
        let target = if dm == d {
            d2 * c.h + q
        } else if dm == d2 && trade {
            d * c.h + q
        } else {
            continue;
        };
        if fixed.get(m).copied().flatten().is_some() {
            return false;
        }
        let Ok(k) = c.domain[m].binary_search(&(target as Slot)) else { return false };
        out.push((m, k));
    }
    true
}

/// A hard slot-counting constraint of `a` (which is off the grid, its start was `s`) that a
/// slot-emptying move could repair: an "occupy at most" over its limit, or an "at least N at once
/// (or none)" short at `a`'s slot while other lessons remain there. One at random if several.
pub(super) fn emptiable(st: &State<'_>, a: usize, s: usize, rng: &mut Rng) -> Option<usize> {
    let c = st.c;
    let du = usize::from(c.dur[a]);
    let mut found = None;
    let mut seen = 0;
    for &ci in &c.act_cons[a] {
        let ci = ci as usize;
        if !c.cons[ci].hard {
            continue;
        }
        let cnt = &st.cons_cnt[ci];
        let fits = match &c.cons[ci].kind {
            DynKind::OccupyMax { selected, .. } => {
                st.cons_cost[ci] > 0 && (s..s + du).any(|x| selected[x] && cnt[x] > 0)
            }
            DynKind::MinSimultaneous { selected, min, allow_empty: true, .. } => {
                (s..s + du).any(|x| selected[x] && cnt[x] > 0 && cnt[x] + 1 < *min)
            }
            _ => false,
        };
        if fits {
            // Reservoir sampling: each candidate constraint equally likely.
            seen += 1;
            if rng.below(seen) == 0 {
                found = Some(ci);
            }
        }
    }
    found
}

/// Empties the slots `a` covered at start `s` (it started at domain index `ka_old`, and is off
/// the grid now) of constraint `ci`'s lessons: `a` and every other lesson of `ci` there go, one
/// after the other, to their cheapest start other than their old one. Leaves them placed, the
/// others' old placements in `saved` and their moves appended to `out`, and returns `a`'s new
/// domain index; `None` (nothing moved) when a lesson there is pinned or has nowhere else to go.
#[allow(clippy::too_many_arguments)]
pub(super) fn empty_slot(
    st: &mut State<'_>,
    (ci, a, s, ka_old): (usize, usize, usize, usize),
    fixed: &[Option<usize>],
    rng: &mut Rng,
    saved: &mut Vec<(usize, u32, u16)>,
    ties: &mut Vec<usize>,
    (costs, hards): (&mut Vec<(i64, i64)>, &mut Vec<i64>),
    out: &mut Vec<(usize, usize)>,
) -> Option<usize> {
    // Larger slots are rarely worth emptying and each lesson costs a full evaluation.
    const MAX_EMPTIED: usize = 24;
    let c = st.c;
    let (DynKind::OccupyMax { acts, selected, .. } | DynKind::MinSimultaneous { acts, selected, .. }) =
        &c.cons[ci].kind
    else {
        return None;
    };
    if c.domain[a].len() < 2 {
        return None;
    }
    let end = s + usize::from(c.dur[a]);
    let from = out.len();
    for &m in acts {
        let m = m as usize;
        if m == a || st.start[m] == NONE {
            continue;
        }
        let sm = usize::from(st.start[m]);
        if !(sm.max(s)..(sm + usize::from(c.dur[m])).min(end)).any(|x| selected[x]) {
            continue;
        }
        if fixed.get(m).copied().flatten().is_some() || c.domain[m].len() < 2 || out.len() - from >= MAX_EMPTIED {
            out.truncate(from);
            return None;
        }
        out.push((m, st.kidx[m] as usize));
    }
    if out.len() == from {
        return None;
    }
    for &(m, _) in &out[from..] {
        saved.push((m, st.kidx[m], st.room[m]));
        st.unplace(m);
    }
    let mut ka = ka_old;
    for i in from..=out.len() {
        // `a` first, then the others in the constraint's order.
        let (m, old_k) = if i == from { (a, ka_old) } else { out[i - 1] };
        st.evaluate_all(m, costs, hards);
        // Two starts or more: some start other than the old one exists.
        let k = pick_min(costs, ties, rng, |k| k != old_k).unwrap_or(old_k);
        st.place(m, k);
        if i == from {
            ka = k;
        } else {
            out[i - 1].1 = k;
        }
    }
    Some(ka)
}

/// Tries every exchange of two periods (on every day) and of two days (whole days): the lessons
/// starting at one move to the other where their allowed starts permit. Applies the one that
/// lowers the weighted hard cost most, if any does (accepting equal ones as well made the search
/// jump around on plateaus and solve real files later); returns whether one was applied.
pub(super) fn exchange_periods_or_days(
    st: &mut State<'_>,
    movable: &[usize],
    saved: &mut Vec<(usize, u32, u16)>,
    movers: &mut Vec<(usize, usize)>,
) -> bool {
    let c = st.c;
    let (h, nd) = (c.h, c.nd);
    // (is a day exchange, x, y): periods x and y, or days x and y.
    let mut pairs = Vec::new();
    for x in 0..h {
        for y in x + 1..h {
            pairs.push((false, x, y));
        }
    }
    for x in 0..nd {
        for y in x + 1..nd {
            pairs.push((true, x, y));
        }
    }
    let collect = |st: &State<'_>, (days, x, y): (bool, usize, usize), movers: &mut Vec<(usize, usize)>| {
        movers.clear();
        for &a in movable {
            let s = usize::from(st.start[a]);
            let (d, q) = (s / h, s % h);
            let key = if days { d } else { q };
            let t = match (days, key == x, key == y) {
                (_, false, false) => continue,
                (true, true, _) => y * h + q,
                (true, _, _) => x * h + q,
                (false, true, _) => d * h + y,
                (false, _, _) => d * h + x,
            };
            if let Ok(k) = c.domain[a].binary_search(&(t as Slot)) {
                movers.push((a, k));
            }
        }
    };
    let before = st.whard;
    let mut best: Option<((bool, usize, usize), i64)> = None;
    for &pair in &pairs {
        collect(st, pair, movers);
        if movers.is_empty() {
            continue;
        }
        let t = st.trial();
        st.move_all(movers, saved);
        if st.whard < best.map_or(before, |b| b.1) {
            best = Some((pair, st.whard));
        }
        st.undo(t, |st| st.restore(saved));
    }
    let Some((pair, _)) = best else { return false };
    collect(st, pair, movers);
    st.move_all(movers, saved);
    saved.clear();
    true
}
