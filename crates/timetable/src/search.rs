//! The local search: incremental cost bookkeeping over a full assignment, a tabu search that
//! drives hard violations to zero, then late-acceptance hill climbing on the soft penalty.

use crate::compile::{Compiled, DynKind, NO_PLACE, RoomKind, RuleKind};
use crate::model::{ChangeLimit, Rule, Slot};

const NONE: u16 = u16::MAX;
/// Synchronised groups larger than this keep per-key counters instead of a pairwise recount.
const SYNC_COUNTED: usize = 8;

/// A small, fast, seedable generator (xoshiro256**), so results depend only on the seed.
#[derive(Debug, Clone)]
pub(crate) struct Rng([u64; 4]);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * (n as u64)) >> 32) as usize
    }

    /// True with probability `p_per_mille / 1000`.
    pub(crate) fn chance(&mut self, p_per_mille: u64) -> bool {
        self.next_u64() % 1000 < p_per_mille
    }
}

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

    fn touch_cons(&mut self, a: usize, s: usize, du: usize, added: bool) {
        let c = self.c;
        for &ci in &c.act_cons[a] {
            let ci = ci as usize;
            match &c.cons[ci].kind {
                DynKind::MaxSimultaneous { selected, max, .. } => {
                    let mut delta = 0;
                    let cnt = &mut self.cons_cnt[ci];
                    for x in s..s + du {
                        if !selected[x] {
                            continue;
                        }
                        if added {
                            cnt[x] += 1;
                            if cnt[x] > *max {
                                delta += 1;
                            }
                        } else {
                            if cnt[x] > *max {
                                delta -= 1;
                            }
                            cnt[x] -= 1;
                        }
                    }
                    self.cons_cost[ci] += delta;
                    let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                    self.add_cost(h, w, self.w_cons[ci], delta);
                }
                DynKind::OccupyMax { selected, max, .. } => {
                    let occupied =
                        count_occupied(&mut self.cons_cnt[ci], self.cons_aux[ci], selected, s..s + du, added);
                    self.cons_aux[ci] = occupied;
                    let new = (occupied - i64::from(*max)).max(0);
                    let delta = new - self.cons_cost[ci];
                    self.cons_cost[ci] = new;
                    let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                    self.add_cost(h, w, self.w_cons[ci], delta);
                }
                DynKind::MinSimultaneous { selected, min, allow_empty, .. } => {
                    let short = |k: u16| if k == 0 && *allow_empty { 0 } else { i64::from(min.saturating_sub(k)) };
                    let cnt = &mut self.cons_cnt[ci];
                    let mut delta = 0;
                    for x in s..s + du {
                        if !selected[x] {
                            continue;
                        }
                        let before = short(cnt[x]);
                        if added {
                            cnt[x] += 1;
                        } else {
                            cnt[x] -= 1;
                        }
                        delta += short(cnt[x]) - before;
                    }
                    self.cons_cost[ci] += delta;
                    let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                    self.add_cost(h, w, self.w_cons[ci], delta);
                }
                DynKind::OccupyMin { selected, min, .. } => {
                    let occupied =
                        count_occupied(&mut self.cons_cnt[ci], self.cons_aux[ci], selected, s..s + du, added);
                    self.cons_aux[ci] = occupied;
                    let new = (i64::from(*min) - occupied).max(0);
                    let delta = new - self.cons_cost[ci];
                    self.cons_cost[ci] = new;
                    let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                    self.add_cost(h, w, self.w_cons[ci], delta);
                }
                DynKind::SameTime(_) | DynKind::SameDay(_) | DynKind::SameHour(_) if !self.cons_cnt[ci].is_empty() => {
                    let key = c.sync_key(&c.cons[ci].kind, s);
                    let cnt = &mut self.cons_cnt[ci];
                    // The placed members at another key than this one's.
                    let elsewhere = self.cons_aux[ci] - i64::from(cnt[key]);
                    if added {
                        cnt[key] += 1;
                        self.cons_aux[ci] += 1;
                    } else {
                        cnt[key] -= 1;
                        self.cons_aux[ci] -= 1;
                    }
                    let new = if c.cons[ci].hard {
                        // Members outside the largest agreeing part.
                        self.cons_aux[ci] - i64::from(cnt.iter().copied().max().unwrap_or(0))
                    } else {
                        // Pairs that disagree: this member against every one elsewhere.
                        self.cons_cost[ci] + if added { elsewhere } else { -elsewhere }
                    };
                    let delta = new - self.cons_cost[ci];
                    self.cons_cost[ci] = new;
                    let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                    self.add_cost(h, w, self.w_cons[ci], delta);
                }
                DynKind::MaxTotal { selected, max, .. } => {
                    if (s..s + du).any(|x| selected[x]) {
                        self.cons_aux[ci] += if added { 1 } else { -1 };
                        let new = (self.cons_aux[ci] - i64::from(*max)).max(0);
                        let delta = new - self.cons_cost[ci];
                        self.cons_cost[ci] = new;
                        let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                        self.add_cost(h, w, self.w_cons[ci], delta);
                    }
                }
                DynKind::TagsApart { class, ntags, .. } => {
                    let stride = *ntags as usize + 1;
                    let own = class[a];
                    let cnt = &mut self.cons_cnt[ci];
                    let mut delta = 0i64;
                    for x in s..s + du {
                        let row = &mut cnt[x * stride..(x + 1) * stride];
                        if !added {
                            row[0] -= 1;
                            if own < *ntags {
                                row[own as usize + 1] -= 1;
                            }
                        }
                        // Lessons in this slot whose tags differ from this one's.
                        let same = if own < *ntags { row[own as usize + 1] } else { 0 };
                        let clashes = i64::from(row[0] - same);
                        delta += if added { clashes } else { -clashes };
                        if added {
                            row[0] += 1;
                            if own < *ntags {
                                row[own as usize + 1] += 1;
                            }
                        }
                    }
                    self.cons_cost[ci] += delta;
                    let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                    self.add_cost(h, w, self.w_cons[ci], delta);
                }
                DynKind::OnePerPeriod(_) => {
                    let cnt = &mut self.cons_cnt[ci];
                    let mut delta = 0;
                    for x in s..s + du {
                        let q = x % c.h;
                        if added {
                            cnt[q] += 1;
                            delta += i64::from(cnt[q] > 1);
                        } else {
                            delta -= i64::from(cnt[q] > 1);
                            cnt[q] -= 1;
                        }
                    }
                    self.cons_cost[ci] += delta;
                    let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                    self.add_cost(h, w, self.w_cons[ci], delta);
                }
                // Only the pairs with `a` change: a group of k lessons costs k pair checks per
                // move, not k²/2 (FET files list hundreds of these).
                DynKind::MinDays { acts, min_days, consecutive } => {
                    if self.undoing {
                        continue;
                    }
                    let (d, q) = (s / c.h, s % c.h);
                    let md = usize::from(*min_days);
                    let (mut k, mut copies) = (0i64, 0i64);
                    for &b in acts {
                        if b as usize == a {
                            copies += 1;
                            continue;
                        }
                        let Some((db, qb, ub)) = self.pos(b) else { continue };
                        let dist = if c.half_days { (d / 2).abs_diff(db / 2) } else { d.abs_diff(db) };
                        k += md.saturating_sub(dist) as i64;
                        let back_to_back = d == db && (c.adjacent(d, q + du, qb) || c.adjacent(d, qb + ub, q));
                        if dist == 0 && *consecutive && !back_to_back {
                            k += 1;
                        }
                    }
                    // A lesson listed twice is a pair with itself: on one day and not back to back.
                    let own = (md as i64 + i64::from(*consecutive)) * (copies * (copies - 1) / 2);
                    let delta = (copies * k + own) * if added { 1 } else { -1 };
                    if delta != 0 {
                        if self.trials > 0 {
                            self.journal.push(Undo::Cons(ci as u32, self.cons_cost[ci]));
                        }
                        self.cons_cost[ci] += delta;
                        let (h, w) = (c.cons[ci].hard, c.cons[ci].weight);
                        self.add_cost(h, w, self.w_cons[ci], delta);
                    }
                }
                _ => self.update_cons(ci),
            }
        }
    }

    fn update_cons(&mut self, ci: usize) {
        if self.undoing {
            return;
        }
        let new = self.eval_cons(ci);
        let delta = new - self.cons_cost[ci];
        if delta != 0 {
            if self.trials > 0 {
                self.journal.push(Undo::Cons(ci as u32, self.cons_cost[ci]));
            }
            self.cons_cost[ci] = new;
            let (h, w) = (self.c.cons[ci].hard, self.c.cons[ci].weight);
            self.add_cost(h, w, self.w_cons[ci], delta);
        }
    }

    fn pos(&self, a: u32) -> Option<(usize, usize, usize)> {
        let s = self.start[a as usize];
        if s == NONE {
            return None;
        }
        let s = usize::from(s);
        Some((s / self.c.h, s % self.c.h, usize::from(self.c.dur[a as usize])))
    }

    fn eval_cons(&self, ci: usize) -> i64 {
        let c = self.c;
        match &c.cons[ci].kind {
            DynKind::MinDays { acts, min_days, consecutive } => {
                let md = usize::from(*min_days);
                let mut k = 0i64;
                for (i, &a) in acts.iter().enumerate() {
                    let Some((da, qa, ua)) = self.pos(a) else { continue };
                    for &b in &acts[i + 1..] {
                        let Some((db, qb, ub)) = self.pos(b) else { continue };
                        // Mornings-afternoons mode: days apart counts real days.
                        let dist = if c.half_days { (da / 2).abs_diff(db / 2) } else { da.abs_diff(db) };
                        k += md.saturating_sub(dist) as i64;
                        let back_to_back = da == db && (c.adjacent(da, qa + ua, qb) || c.adjacent(da, qb + ub, qa));
                        if dist == 0 && *consecutive && !back_to_back {
                            k += 1;
                        }
                    }
                }
                k
            }
            DynKind::SameTime(_) | DynKind::SameDay(_) | DynKind::SameHour(_) if !self.cons_cnt[ci].is_empty() => {
                self.cons_cost[ci]
            }
            DynKind::SameTime(acts) => self.disagreement(ci, acts, |d, q| d * c.h + q),
            DynKind::SameDay(acts) => self.disagreement(ci, acts, |d, _| d),
            DynKind::SameHour(acts) => self.disagreement(ci, acts, |_, q| q),
            DynKind::NotOverlapping(acts) => {
                let mut k = 0;
                for (i, &a) in acts.iter().enumerate() {
                    let Some((da, qa, ua)) = self.pos(a) else { continue };
                    for &b in &acts[i + 1..] {
                        let Some((db, qb, ub)) = self.pos(b) else { continue };
                        if da == db && qa < qb + ub && qb < qa + ua {
                            k += 1;
                        }
                    }
                }
                k
            }
            DynKind::Consecutive(a, b) => match (self.pos(*a), self.pos(*b)) {
                (Some((da, qa, ua)), Some((db, qb, _))) => i64::from(!(da == db && c.adjacent(da, qa + ua, qb))),
                _ => 0,
            },
            DynKind::Grouped(acts) => {
                let mut v: Vec<(usize, usize, usize)> =
                    acts.iter().filter_map(|&a| self.pos(a)).map(|(d, q, u)| (d, q, q + u)).collect();
                v.sort_unstable();
                i64::from(!v.windows(2).all(|w| w[0].0 == w[1].0 && c.adjacent(w[0].0, w[0].2, w[1].1)))
            }
            DynKind::Ordered(a, b) => match (self.pos(*a), self.pos(*b)) {
                (Some((da, qa, ua)), Some((db, qb, _))) => i64::from(da * c.h + qa + ua > db * c.h + qb),
                _ => 0,
            },
            DynKind::TagsPerDay { acts, tag_bits, max } => {
                let mut per_day = vec![0u64; c.nd];
                for (&a, &bits) in acts.iter().zip(tag_bits) {
                    if let Some((d, _, _)) = self.pos(a) {
                        per_day[d] |= bits;
                    }
                }
                per_day.iter().map(|b| (i64::from(b.count_ones()) - i64::from(*max)).max(0)).sum()
            }
            DynKind::MinGaps { acts, min_gaps } => {
                let g = usize::from(*min_gaps);
                let mut k = 0;
                for (i, &a) in acts.iter().enumerate() {
                    let Some((da, qa, ua)) = self.pos(a) else { continue };
                    for &b in &acts[i + 1..] {
                        let Some((db, qb, ub)) = self.pos(b) else { continue };
                        if da == db && !(qa + ua + g <= qb || qb + ub + g <= qa) {
                            k += 1;
                        }
                    }
                }
                k
            }
            DynKind::Linked { first, second, allowed } => {
                let (s1, s2) = (self.start[*first as usize], self.start[*second as usize]);
                if s1 == NONE || s2 == NONE { 0 } else { i64::from(!allowed[usize::from(s1)].contains(&s2)) }
            }
            DynKind::MaxInTerm { acts, days_per_term, max } => {
                let per = usize::from(*days_per_term) * c.h;
                let mut count = vec![0i64; c.ns.div_ceil(per)];
                for &a in acts {
                    let s = self.start[a as usize];
                    if s != NONE {
                        count[usize::from(s) / per] += 1;
                    }
                }
                count.iter().map(|&k| (k - i64::from(*max)).max(0)).sum()
            }
            DynKind::OccupyTerms { acts, days_per_term, max } => {
                let per = usize::from(*days_per_term) * c.h;
                let mut used = vec![false; c.ns.div_ceil(per)];
                for &a in acts {
                    let s = self.start[a as usize];
                    if s != NONE {
                        used[usize::from(s) / per] = true;
                    }
                }
                (used.iter().filter(|&&u| u).count() as i64 - i64::from(*max)).max(0)
            }
            DynKind::OrderedIfSameDay(a, b) => match (self.pos(*a), self.pos(*b)) {
                (Some((da, qa, ua)), Some((db, qb, _))) => i64::from(da == db && qa + ua > qb),
                _ => 0,
            },
            DynKind::MaxDays { acts, max_days } => {
                let mut k = 0i64;
                for (i, &a) in acts.iter().enumerate() {
                    let Some((da, _, _)) = self.pos(a) else { continue };
                    for &b in &acts[i + 1..] {
                        let Some((db, _, _)) = self.pos(b) else { continue };
                        k += (da.abs_diff(db) as i64 - i64::from(*max_days)).max(0);
                    }
                }
                k
            }
            // From the counters (kept in `touch_cons`): on the empty grid these already cost.
            DynKind::MinSimultaneous { selected, min, allow_empty, .. } => (0..c.ns)
                .filter(|&x| selected[x] && !(self.cons_cnt[ci][x] == 0 && *allow_empty))
                .map(|x| i64::from(min.saturating_sub(self.cons_cnt[ci][x])))
                .sum(),
            DynKind::OccupyMin { min, .. } => (i64::from(*min) - self.cons_aux[ci]).max(0),
            // Kept incrementally in `touch_cons`.
            DynKind::MaxSimultaneous { .. }
            | DynKind::OccupyMax { .. }
            | DynKind::MaxTotal { .. }
            | DynKind::TagsApart { .. }
            | DynKind::OnePerPeriod(_) => self.cons_cost[ci],
        }
    }

    /// A synchronised group's disagreement: when hard, the placed members whose key differs from
    /// the most common key; when soft, the pairs of placed members with different keys (as FET).
    fn disagreement(&self, ci: usize, acts: &[u32], key: impl Fn(usize, usize) -> usize) -> i64 {
        let keys: Vec<usize> = acts.iter().filter_map(|&a| self.pos(a)).map(|(d, q, _)| key(d, q)).collect();
        if !self.c.cons[ci].hard {
            let agreeing: usize = keys.iter().map(|&x| keys.iter().filter(|&&y| y == x).count()).sum();
            return ((keys.len() * keys.len() - agreeing) / 2) as i64;
        }
        let mut best = 0;
        for &x in &keys {
            best = best.max(keys.iter().filter(|&&y| y == x).count());
        }
        (keys.len() - best) as i64
    }

    /// Recomputes, after resource `r`'s lessons on day `d` changed, the rules that watch it.
    fn update_rules(&mut self, r: usize, d: usize) {
        let c = self.c;
        let (lo, hi) = (c.watch_start[r], c.watch_start[r + 1]);
        if lo == hi || self.undoing {
            return;
        }
        // Only the shape rules of the day read it; tag-pair shadows often have none.
        let mut day: Option<DayShape> = None;
        for &ri in &c.watch[lo..hi] {
            let ri = ri as usize;
            let rule = &c.rules[ri];
            let changed = match &rule.kind {
                RuleKind::TagGap { first, second, min_gaps } => {
                    let v = tag_gap_value(self.busy[first * c.nd + d], self.busy[second * c.nd + d], *min_gaps);
                    self.set_day_value(ri, d, [v, 0])
                }
                RuleKind::Shape(shape) if !spans_days(shape) => {
                    let day =
                        day.get_or_insert_with(|| DayShape::of(self.busy[r * c.nd + d], c.unusable[r * c.nd + d]));
                    let v = day_value(*shape, rule.hard, day, d);
                    self.set_day_value(ri, d, [v.0, v.1])
                }
                RuleKind::Shape(shape) => {
                    let mut changed = false;
                    for key in rule_keys(&rule.kind, d, c.nd) {
                        let v = self.wide_value(*shape, rule.hard, r, key);
                        changed |= self.set_day_value(ri, key, [v.0, v.1]);
                    }
                    changed
                }
                RuleKind::EndsDay(acts) => {
                    let m = self.busy[r * c.nd + d];
                    let mut k = 0;
                    for &a in acts {
                        if let Some((da, qa, ua)) = self.pos(a)
                            && da == d
                            && (m >> (qa + ua)) != 0
                        {
                            k += 1;
                        }
                    }
                    self.set_day_value(ri, d, [k, 0])
                }
            };
            // A graded rule's slope can change while its count does not.
            let graded = rule.hard && matches!(rule.kind, RuleKind::Shape(shape) if graded_in_hard_phase(&shape));
            if !changed && !graded {
                continue;
            }
            let [s0, s1] = self.rule_sums[ri];
            let weekly = match &rule.kind {
                RuleKind::Shape(shape) => weekly_excess(*shape, s1),
                RuleKind::EndsDay(_) | RuleKind::TagGap { .. } => 0,
            };
            let new = i64::from(s0 + weekly);
            let delta = new - self.rule_cost[ri];
            if !rule.hard {
                self.set_rule_cost(ri, new);
                self.soft += delta * rule.weight;
                continue;
            }
            let shaped = match rule.kind {
                RuleKind::Shape(shape) if graded && new > 0 => self.shaped_rule_cost(shape, r),
                _ => new,
            };
            if !changed {
                if shaped == self.rule_shaped[ri] {
                    continue;
                }
                // Only the slope moved: nothing logged the rule yet in this trial.
                if self.trials > 0 {
                    self.journal.push(Undo::Rule(
                        ri as u32,
                        self.rule_sums[ri],
                        self.rule_cost[ri],
                        self.rule_shaped[ri],
                    ));
                }
            }
            self.set_rule_cost(ri, new);
            self.hard += delta;
            self.whard += (shaped - self.rule_shaped[ri]) * self.w_rule[ri];
            self.rule_shaped[ri] = shaped;
        }
    }

    /// The hard phase's graded cost of a broken rule that counts whole days: the periods taught on
    /// the cheapest counted days beyond the allowed number, so emptying such a day one lesson at a
    /// time lowers it. Counting 1 per day left every step but the last flat (or worse, as it
    /// breaks the minimum hours of that day first), and the search stalled with the rule broken
    /// on files FET solves: Morocco's farabi432 and sample-morocco for "at most `x` real days
    /// with both a morning and an afternoon" (FET's exclusive teachers: 0, where a day costs the
    /// periods of its smaller half), lk-example for a teacher's "at most 4 days a week".
    /// The cost is at least the rule's count and zero only when the count is.
    fn shaped_rule_cost(&self, shape: Rule, r: usize) -> i64 {
        let c = self.c;
        let busy = |d: usize| self.busy[r * c.nd + d].count_ones() as usize;
        // Counted days per number of periods that would have to leave to uncount them.
        let mut by_size = [0usize; 65];
        let mut count = |size: usize| {
            if size > 0 {
                by_size[size.min(64)] += 1;
            }
        };
        let allowed = match shape {
            Rule::MaxDaysPerWeek(x) => {
                (0..c.nd).for_each(|d| count(busy(d)));
                x
            }
            Rule::IntervalMaxDaysPerWeek { start, end, max } => {
                let mask = interval_mask(start, end);
                (0..c.nd).for_each(|d| count((self.busy[r * c.nd + d] & mask).count_ones() as usize));
                max
            }
            Rule::MaxMorningsPerWeek(x) => {
                (0..c.nd).step_by(2).for_each(|d| count(busy(d)));
                x
            }
            Rule::MaxAfternoonsPerWeek(x) => {
                (1..c.nd).step_by(2).for_each(|d| count(busy(d)));
                x
            }
            Rule::MaxRealDaysPerWeek(x) => {
                (0..c.nd & !1).step_by(2).for_each(|d| count(busy(d) + busy(d + 1)));
                x
            }
            Rule::MaxRealDaysWithMorningAndAfternoon(x) => {
                (0..c.nd & !1).step_by(2).for_each(|d| {
                    let (m, a) = (busy(d), busy(d + 1));
                    if m != 0 && a != 0 {
                        count(m.min(a));
                    }
                });
                x
            }
            _ => return 0,
        };
        let days: usize = by_size.iter().sum();
        let mut over = days.saturating_sub(usize::from(allowed));
        let mut cost = 0;
        for (size, &n) in by_size.iter().enumerate() {
            let take = n.min(over);
            cost += (size * take) as i64;
            over -= take;
        }
        cost
    }

    /// Sets rule `ri`'s cost, keeping count of the broken hard rules each resource watches.
    fn set_rule_cost(&mut self, ri: usize, new: i64) {
        let c = self.c;
        let old = std::mem::replace(&mut self.rule_cost[ri], new);
        if c.rules[ri].hard && (old > 0) != (new > 0) {
            let [x, y] = c.watchers[ri];
            let step = |b: &mut u32| if new > 0 { *b += 1 } else { *b -= 1 };
            step(&mut self.broken[x as usize]);
            if y != x {
                step(&mut self.broken[y as usize]);
            }
        }
    }

    /// Stores rule `ri`'s value at day `key` and adds the change to its weekly sums (logged
    /// when a trial is open); returns whether it changed. The rule's cost is the caller's.
    #[inline(always)]
    fn set_day_value(&mut self, ri: usize, key: usize, v: [i32; 2]) -> bool {
        let i = ri * self.c.nd + key;
        let old = self.day_vals[i];
        if old == v {
            return false;
        }
        if self.trials > 0 {
            // Replayed backwards, the first entry of a rule restores its sums and cost.
            self.journal.push(Undo::Rule(ri as u32, self.rule_sums[ri], self.rule_cost[ri], self.rule_shaped[ri]));
            self.journal.push(Undo::Day(i as u32, old));
        }
        self.day_vals[i] = v;
        let sums = &mut self.rule_sums[ri];
        sums[0] += v[0] - old[0];
        sums[1] += v[1] - old[1];
        true
    }

    /// Value of a rule that looks at more than one half day, stored at day `key`: the real day
    /// `key / 2` for real-day rules, the four half days from `key` on for the consecutive rule, the
    /// rest between day `key` and the next for the resting rule.
    fn wide_value(&self, shape: Rule, hard: bool, r: usize, key: usize) -> (i32, i32) {
        let c = self.c;
        if let Rule::MinRestingHours { min, circular } = shape {
            return (self.resting_shortfall(r, key, min, circular), 0);
        }
        let busy = |d: usize| self.busy[r * c.nd + d];
        if let Rule::MaxThreeConsecutiveHalfDays { afternoon_start_exception } = shape {
            let all_busy = (key..key + 4).all(|d| busy(d) != 0);
            let excused = afternoon_start_exception && key % 2 == 1;
            return (i32::from(all_busy && !excused), 0);
        }
        let (morning, afternoon) = (busy(key), busy(key + 1));
        let real = DayShape::of(
            morning | afternoon << c.h,
            c.unusable[r * c.nd + key] | c.unusable[r * c.nd + key + 1] << c.h,
        );
        match shape {
            Rule::MaxHoursDailyRealDays(x) => (broken_max(real.hours, x, hard), 0),
            Rule::MinHoursDailyRealDays { min, allow_empty_days } => {
                if real.hours == 0 && allow_empty_days {
                    (0, 0)
                } else {
                    ((i32::from(min) - real.hours).max(0), 0)
                }
            }
            Rule::MaxGapsPerRealDay { max, .. } => {
                let over = real.gaps - i32::from(max);
                ((over - 1).max(0), i32::from(over > 0))
            }
            Rule::MaxRealDaysPerWeek(_) | Rule::MinRealDaysPerWeek(_) => (0, i32::from(real.m != 0)),
            Rule::MaxRealDaysWithMorningAndAfternoon(_) => (0, i32::from(morning != 0 && afternoon != 0)),
            Rule::MinRestingHoursBetweenMorningAndAfternoon(x) => {
                if morning == 0 || afternoon == 0 {
                    return (0, 0);
                }
                let after_morning = c.h - 1 - (63 - morning.leading_zeros() as usize);
                let before_afternoon = afternoon.trailing_zeros() as usize;
                (i32::from(after_morning + before_afternoon < usize::from(x)), 0)
            }
            _ => (0, 0),
        }
    }

    /// How many periods of rest resource `r` lacks between day `d` and the next day.
    fn resting_shortfall(&self, r: usize, d: usize, min: u16, circular: bool) -> i32 {
        let c = self.c;
        let next = if d + 1 < c.nd {
            d + 1
        } else if circular {
            0
        } else {
            return 0;
        };
        let (m, n) = (self.busy[r * c.nd + d], self.busy[r * c.nd + next]);
        let end_rest = if m == 0 { c.h } else { m.leading_zeros() as usize - (64 - c.h) };
        let start_rest = if n == 0 { c.h } else { n.trailing_zeros() as usize };
        (i32::from(min) - (end_rest + start_rest) as i32).max(0)
    }

    /// Best room for `a` starting at `s` (with `a` itself off the grid): (candidate index, hard, soft).
    fn best_room(&self, a: usize, s: usize) -> (u16, i64, i64) {
        let c = self.c;
        let cands = &c.rooms[a];
        if cands.is_empty() {
            return (NONE, 0, 0);
        }
        let du = usize::from(c.dur[a]);
        let mut best = (NONE, i64::MAX, i64::MAX);
        // Building-change costs depend on the building only: computed once per building.
        let mut per_building: Vec<(u32, (i64, i64, i64))> = Vec::new();
        // The lessons touching `a` in its same-room constraints are the same for every room:
        // found once, not once per candidate room (a lab's constraint lists many lessons).
        let mut near: Vec<(u32, u32)> = Vec::new();
        for &ki in &c.act_room_cons[a] {
            if let RoomKind::SameRoom { acts } = &c.room_cons[ki as usize].kind {
                self.touching_rooms(acts, a, s, |room| near.push((ki, room)));
            }
        }
        for (j, &r) in cands.iter().enumerate() {
            let r = r as usize;
            let mut hard = c.room_hard[a][j];
            let mut soft = c.room_soft[a][j];
            let occ = &self.occ_room[r * c.ns + s..r * c.ns + s + du];
            for (o, x) in occ.iter().zip(s..) {
                hard += i64::from(*o >= 1) * self.w_room[r] + i64::from(c.room_na_hard[r][x]);
                soft += c.room_na_soft[r][x];
            }
            if !c.act_room_cons[a].is_empty() {
                let b = c.building[r];
                let by_building = match per_building.iter().find(|x| x.0 == b) {
                    Some(x) => x.1,
                    None => {
                        let v = self.room_cons_delta(a, s, r, Some(true), Some(&near));
                        per_building.push((b, v));
                        v
                    }
                };
                let others = self.room_cons_delta(a, s, r, Some(false), Some(&near));
                hard += by_building.0 + others.0;
                soft += by_building.2 + others.2;
            }
            if (hard, soft) < (best.1, best.2) {
                best = (j as u16, hard, soft);
                if hard == 0 && soft == 0 {
                    break;
                }
            }
        }
        if c.roomless(a) {
            let j = cands.len();
            if (0, c.room_soft[a][j]) < (best.1, best.2) {
                best = (j as u16, 0, c.room_soft[a][j]);
            }
        }
        best
    }

    /// The room `a` is in (`None`: not placed, taking no room, or placed without one).
    fn room_of(&self, a: usize) -> Option<usize> {
        let j = usize::from(self.room[a]);
        self.c.rooms[a].get(j).map(|&r| r as usize)
    }

    pub(crate) fn set_room(&mut self, a: usize, j: u16) {
        if j == NONE {
            return;
        }
        let c = self.c;
        let (j, s, du) = (usize::from(j), usize::from(self.start[a]), usize::from(c.dur[a]));
        self.room[a] = j as u16;
        if j == c.rooms[a].len() {
            // Without a room: only the broken preferences count.
            self.soft += c.room_soft[a][j];
            return;
        }
        let r = c.rooms[a][j] as usize;
        self.hard += c.room_hard[a][j];
        self.whard += c.room_hard[a][j];
        self.soft += c.room_soft[a][j];
        for x in s..s + du {
            let o = &mut self.occ_room[r * c.ns + x];
            if *o >= 1 {
                self.hard += 1;
                self.whard += self.w_room[r];
            }
            *o += 1;
            self.hard += i64::from(c.room_na_hard[r][x]);
            self.whard += i64::from(c.room_na_hard[r][x]);
            self.soft += c.room_na_soft[r][x];
        }
        self.touch_room_cons(a, r, true);
    }

    pub(crate) fn clear_room(&mut self, a: usize) {
        let j = self.room[a];
        if j == NONE {
            return;
        }
        let c = self.c;
        let (j, s, du) = (usize::from(j), usize::from(self.start[a]), usize::from(c.dur[a]));
        self.room[a] = NONE;
        if j == c.rooms[a].len() {
            self.soft -= c.room_soft[a][j];
            return;
        }
        let r = c.rooms[a][j] as usize;
        self.hard -= c.room_hard[a][j];
        self.whard -= c.room_hard[a][j];
        self.soft -= c.room_soft[a][j];
        for x in s..s + du {
            let o = &mut self.occ_room[r * c.ns + x];
            *o -= 1;
            if *o >= 1 {
                self.hard -= 1;
                self.whard -= self.w_room[r];
            }
            self.hard -= i64::from(c.room_na_hard[r][x]);
            self.whard -= i64::from(c.room_na_hard[r][x]);
            self.soft -= c.room_na_soft[r][x];
        }
        self.touch_room_cons(a, r, false);
    }

    /// The place of room `r` for a changes constraint.
    fn place_of(&self, buildings: bool, r: usize) -> u32 {
        if buildings { self.c.building[r] } else { r as u32 }
    }

    /// Recomputes day `d` of changes constraint `ki`: the place of each period (the lowest
    /// place where lessons overlap) and the day's value.
    fn refresh_changes_day(&mut self, ki: usize, acts: &[u32], buildings: bool, limit: ChangeLimit, d: usize) {
        let c = self.c;
        let mut at = [NO_PLACE; 64];
        for &a in acts {
            let a = a as usize;
            let Some(r) = self.room_of(a) else { continue };
            if usize::from(self.start[a]) / c.h != d {
                continue;
            }
            let place = self.place_of(buildings, r);
            let q = usize::from(self.start[a]) % c.h;
            for x in &mut at[q..q + usize::from(c.dur[a])] {
                *x = (*x).min(place);
            }
        }
        self.rc_at[ki][d * c.h..(d + 1) * c.h].copy_from_slice(&at[..c.h]);
        self.rc_day[ki][d] = Self::day_value(&at[..c.h], limit);
    }

    /// One day's number of changes, or for min gaps the number of changes that come too soon
    /// (every period without a place in between counts as a gap).
    fn day_value(at: &[u32], limit: ChangeLimit) -> i32 {
        let mut k = 0;
        let mut last: Option<(usize, u32)> = None;
        for (q, &here) in at.iter().enumerate() {
            if here == NO_PLACE {
                continue;
            }
            if let Some((lq, lp)) = last
                && lp != here
            {
                k += match limit {
                    ChangeLimit::MinGaps(g) => i32::from(q - lq - 1 < usize::from(g)),
                    ChangeLimit::PerDay(_) | ChangeLimit::PerWeek(_) => 1,
                };
            }
            last = Some((q, here));
        }
        k
    }

    /// The day's value of changes constraint `ki` with one more lesson (`du` periods from `s`) at `place`.
    fn day_value_with(&self, ki: usize, limit: ChangeLimit, s: usize, du: usize, place: u32) -> i32 {
        let c = self.c;
        let d = s / c.h;
        let mut at = [NO_PLACE; 64];
        at[..c.h].copy_from_slice(&self.rc_at[ki][d * c.h..(d + 1) * c.h]);
        if place != NO_PLACE {
            let q = s % c.h;
            for x in &mut at[q..q + du] {
                *x = (*x).min(place);
            }
        }
        Self::day_value(&at[..c.h], limit)
    }

    fn changes_cost(limit: ChangeLimit, days: impl Iterator<Item = i32>) -> i64 {
        match limit {
            ChangeLimit::PerDay(m) => days.map(|v| i64::from((v - i32::from(m)).max(0))).sum(),
            ChangeLimit::PerWeek(m) => (days.sum::<i32>() - i32::from(m)).max(0).into(),
            ChangeLimit::MinGaps(_) => days.map(i64::from).sum(),
        }
    }

    /// Pairs of `acts` touching `a` (at `s`) on its day, held in a room other than `r`.
    fn same_room_breaks(&self, acts: &[u32], a: usize, s: usize, r: u32) -> i64 {
        let mut k = 0;
        self.touching_rooms(acts, a, s, |room| k += i64::from(room != r));
        k
    }

    /// Calls `f` with the room of each lesson of `acts` that has one and ends where `a` (at
    /// `s`) starts or starts where it ends.
    fn touching_rooms(&self, acts: &[u32], a: usize, s: usize, mut f: impl FnMut(u32)) {
        let c = self.c;
        let (d, q, du) = (s / c.h, s % c.h, usize::from(c.dur[a]));
        for &b in acts {
            let b = b as usize;
            if b == a {
                continue;
            }
            let Some(room) = self.room_of(b) else { continue };
            let Some((db, qb, ub)) = self.pos(b as u32) else { continue };
            if db == d && (q + du == qb || qb + ub == q) {
                f(room as u32);
            }
        }
    }

    /// Updates the room constraints of `a` after it got (`added`) or lost room `r`.
    fn touch_room_cons(&mut self, a: usize, r: usize, added: bool) {
        let c = self.c;
        let s = usize::from(self.start[a]);
        for &ki in &c.act_room_cons[a] {
            let ki = ki as usize;
            let new = match &c.room_cons[ki].kind {
                RoomKind::Changes { acts, buildings, limit } => {
                    self.refresh_changes_day(ki, acts, *buildings, *limit, s / c.h);
                    Self::changes_cost(*limit, self.rc_day[ki].iter().copied())
                }
                RoomKind::MaxRooms { max, .. } => {
                    let cnt = &mut self.rc_cnt[ki][r];
                    if added {
                        *cnt += 1;
                        if *cnt == 1 {
                            self.rc_distinct[ki] += 1;
                        }
                    } else {
                        *cnt -= 1;
                        if *cnt == 0 {
                            self.rc_distinct[ki] -= 1;
                        }
                    }
                    (self.rc_distinct[ki] - i64::from(*max)).max(0)
                }
                RoomKind::SameRoom { acts } => {
                    let k = self.same_room_breaks(acts, a, s, r as u32);
                    if added { self.rc_cost[ki] + k } else { self.rc_cost[ki] - k }
                }
            };
            let delta = new - self.rc_cost[ki];
            if delta != 0 {
                self.rc_cost[ki] = new;
                let (h, w) = (c.room_cons[ki].hard, c.room_cons[ki].weight);
                self.add_cost(h, w, self.w_rc[ki], delta);
            }
        }
    }

    /// What giving `a` (placed at `s`, no room yet) room `r` would add to the room
    /// constraints: (weighted hard, hard, soft). `part` selects the constraints: those that only
    /// see the room's building (`Some(true)`), the others (`Some(false)`), or all (`None`).
    /// `near`, when given, lists the rooms of the lessons touching `a` per same-room constraint.
    fn room_cons_delta(
        &self,
        a: usize,
        s: usize,
        r: usize,
        part: Option<bool>,
        near: Option<&[(u32, u32)]>,
    ) -> (i64, i64, i64) {
        let c = self.c;
        let mut out = (0, 0, 0);
        for &ki in &c.act_room_cons[a] {
            let ki = ki as usize;
            let by_building = matches!(c.room_cons[ki].kind, RoomKind::Changes { buildings: true, .. });
            if part.is_some_and(|want| want != by_building) {
                continue;
            }
            let delta = match &c.room_cons[ki].kind {
                RoomKind::Changes { buildings, limit, .. } => {
                    let d = s / c.h;
                    let v = self.day_value_with(ki, *limit, s, usize::from(c.dur[a]), self.place_of(*buildings, r));
                    let days = self.rc_day[ki].iter().enumerate().map(|(e, &x)| if e == d { v } else { x });
                    Self::changes_cost(*limit, days) - self.rc_cost[ki]
                }
                RoomKind::MaxRooms { max, .. } => {
                    let distinct = self.rc_distinct[ki] + i64::from(self.rc_cnt[ki][r] == 0);
                    (distinct - i64::from(*max)).max(0) - self.rc_cost[ki]
                }
                RoomKind::SameRoom { acts } => match near {
                    Some(near) => near.iter().filter(|&&(k, room)| k as usize == ki && room != r as u32).count() as i64,
                    None => self.same_room_breaks(acts, a, s, r as u32),
                },
            };
            if c.room_cons[ki].hard {
                out.0 += delta * self.w_rc[ki];
                out.1 += delta;
            } else {
                out.2 += delta * c.room_cons[ki].weight;
            }
        }
        out
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

    fn room_true_hard(&self, a: usize, s: usize, j: usize) -> i64 {
        let c = self.c;
        let r = c.rooms[a][j] as usize;
        let mut hard = c.room_hard[a][j];
        for x in s..s + usize::from(c.dur[a]) {
            hard += i64::from(self.occ_room[r * c.ns + x] >= 1) + i64::from(c.room_na_hard[r][x]);
        }
        if !c.act_room_cons[a].is_empty() {
            hard += self.room_cons_delta(a, s, r, None, None).1;
        }
        hard
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

    /// Whether activity `a` (at `s`, `du` long) is part of what breaks constraint `ci`: the
    /// slot-counting kinds often list every activity, so only those in an offending slot count.
    fn takes_part(&self, ci: usize, a: usize, s: usize, du: usize) -> bool {
        let c = self.c;
        let cnt = &self.cons_cnt[ci];
        match &c.cons[ci].kind {
            DynKind::OccupyMax { selected, .. } | DynKind::MaxTotal { selected, .. } => {
                (s..s + du).any(|x| selected[x])
            }
            DynKind::MaxSimultaneous { selected, max, .. } => (s..s + du).any(|x| selected[x] && cnt[x] > *max),
            DynKind::MinSimultaneous { selected, min, .. } => (s..s + du).any(|x| selected[x] && cnt[x] < *min),
            DynKind::TagsApart { class, ntags, .. } => {
                let stride = *ntags as usize + 1;
                let own = class[a];
                (s..s + du).any(|x| {
                    let same = if own < *ntags { cnt[x * stride + own as usize + 1] } else { 1 };
                    cnt[x * stride] > same
                })
            }
            DynKind::OnePerPeriod(_) => (s..s + du).any(|x| cnt[x % c.h] > 1),
            _ => true,
        }
    }

    /// Moves every member of synchronised group `ci` except `skip` to the start it takes at
    /// `key` (members whose start there is not allowed stay), remembering each old placement in
    /// `saved` so that [`State::restore`] can undo it.
    fn shift_group(&mut self, ci: usize, skip: usize, key: usize, saved: &mut Vec<(usize, u32, u16)>) {
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
    fn move_all(&mut self, movers: &[(usize, usize)], saved: &mut Vec<(usize, u32, u16)>) {
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
    /// through several teachers and classes. Fills `chain` with (activity, new domain index), `a`
    /// first; returns false when the chain needs a pinned lesson, leaves a lesson's allowed
    /// starts or grows past `limit`. `side` is scratch (one entry per activity, left all zero).
    fn kempe_chain(
        &self,
        (a, from, to): (usize, usize, usize),
        fixed: &[Option<usize>],
        limit: usize,
        side: &mut [i8],
        chain: &mut Vec<(usize, usize)>,
    ) -> bool {
        let c = self.c;
        let h = c.h as isize;
        let (dd, dq) = ((to / c.h) as isize - (from / c.h) as isize, (to % c.h) as isize - (from % c.h) as isize);
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
        let mut ok = true;
        let mut i = 0;
        'grow: while i < chain.len() {
            let (m, km) = chain[i];
            i += 1;
            let s = usize::from(c.domain[m][km]);
            let (d, q, du) = (s / c.h, s % c.h, usize::from(c.dur[m]));
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
                    if db != d || qb >= q + du || q >= qb + usize::from(c.dur[b]) {
                        continue;
                    }
                    let sign = -isize::from(side[m]);
                    let kb = match shifted(b, sign) {
                        Some(kb) if fixed.get(b).copied().flatten().is_none() && chain.len() < limit => kb,
                        _ => {
                            ok = false;
                            break 'grow;
                        }
                    };
                    side[b] = sign as i8;
                    chain.push((b, kb));
                }
            }
        }
        for &(m, _) in chain.iter() {
            side[m] = 0;
        }
        ok
    }

    /// Puts back every placement in `saved` (taken by [`State::shift_group`] or
    /// [`State::move_all`]) and empties it.
    fn restore(&mut self, saved: &mut Vec<(usize, u32, u16)>) {
        for &(m, _, _) in saved.iter() {
            self.unplace(m);
        }
        for &(m, k, r) in saved.iter() {
            self.insert_time(m, k as usize);
            self.set_room(m, r);
        }
        saved.clear();
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

/// Result of one search run.
#[derive(Debug, Clone)]
pub(crate) struct RunResult {
    pub start: Vec<Slot>,
    pub room: Vec<Option<u32>>,
    pub hard: i64,
    pub soft: i64,
    pub iterations: u64,
}

/// Controls of one run.
pub(crate) struct RunControl<'s> {
    pub seed: u64,
    pub max_iterations: Option<u64>,
    pub stop: &'s (dyn Fn() -> bool + Sync),
    /// Called with the soft penalty (units) of each new best timetable meeting every hard
    /// constraint: the first call is the first feasible timetable.
    pub on_best: &'s (dyn Fn(i64) + Sync),
    /// Activities placed in advance (e.g. pinned by hand): (activity, domain index).
    pub fixed: &'s [Option<usize>],
}

struct Best {
    hard: i64,
    soft: i64,
    start: Vec<u16>,
    kidx: Vec<u32>,
    room: Vec<u16>,
}

impl Best {
    /// Keeps `st` if it is better; reports a new best feasible timetable to `ctl`.
    fn offer(&mut self, st: &State<'_>, ctl: &RunControl<'_>) {
        if (st.hard, st.soft) < (self.hard, self.soft) {
            self.hard = st.hard;
            self.soft = st.soft;
            self.start.clone_from(&st.start);
            self.kidx.clone_from(&st.kidx);
            self.room.clone_from(&st.room);
            if st.hard == 0 {
                (ctl.on_best)(st.soft);
            }
        }
    }
}

/// One complete search: construction, hard phase, soft phase.
pub(crate) fn run(c: &Compiled, ctl: &RunControl<'_>) -> RunResult {
    let mut rng = Rng::new(ctl.seed);
    let mut st = State::new(c);
    let mut iter: u64 = 0;
    let budget_left = |iter: u64| ctl.max_iterations.is_none_or(|m| iter < m);
    let mut stopped = false;

    // Construction: most constrained first, each at its cheapest start.
    let mut order: Vec<usize> = (0..c.n).collect();
    let keys: Vec<(usize, usize, u64)> = (0..c.n)
        .map(|a| (c.domain[a].len(), usize::MAX - c.res[a].len() * usize::from(c.dur[a]), rng.next_u64()))
        .collect();
    order.sort_by_key(|&a| keys[a]);
    let mut costs = Vec::new();
    let mut hards = Vec::new();
    let mut ties = Vec::new();
    for (i, &a) in order.iter().enumerate() {
        if let Some(k) = ctl.fixed.get(a).copied().flatten() {
            st.place(a, k);
            continue;
        }
        if !stopped && i.is_multiple_of(16) && (ctl.stop)() {
            stopped = true;
        }
        if stopped {
            st.place(a, 0);
            continue;
        }
        st.evaluate_all(a, &mut costs, &mut hards);
        let k = pick_min(&costs, &mut ties, &mut rng, |_| true);
        st.place(a, k.unwrap_or(0));
    }
    let mut best =
        Best { hard: st.hard, soft: st.soft, start: st.start.clone(), kidx: st.kidx.clone(), room: st.room.clone() };
    if st.hard == 0 {
        (ctl.on_best)(st.soft);
    }
    let movable: Vec<usize> = (0..c.n).filter(|&a| ctl.fixed.get(a).copied().flatten().is_none()).collect();

    // Hard phase: tabu search on the activities in conflict.
    let mut tabu: Vec<Vec<u64>> = (0..c.n).map(|a| vec![0; c.domain[a].len()]).collect();
    let mut conflicted = Vec::new();
    let mut partners: Vec<usize> = Vec::new();
    st.hard_only = false;
    let mut swaps: Vec<(usize, usize, usize)> = Vec::new();
    // Group-move entries: (synchronised constraint, key, `a`'s new domain index).
    let mut groups: Vec<(usize, usize, usize)> = Vec::new();
    let mut saved: Vec<(usize, u32, u16)> = Vec::new();
    let mut movers: Vec<(usize, usize)> = Vec::new();
    // Block-move entries: (`a`'s new domain index, range in `block_moves` of the others' moves).
    let mut blocks: Vec<(usize, usize, usize)> = Vec::new();
    let mut block_moves: Vec<(usize, usize)> = Vec::new();
    let block_res = block_resources(c);
    let block_planning = c.cons.iter().any(|k| matches!(k.kind, DynKind::OnePerPeriod(_)));
    const SWAP_SAMPLES: usize = 16;
    const STAGNATION: u32 = 1000;
    const EJECT_TRIES: usize = 4;
    // Longer chains are rarely good and cost a move per member to evaluate.
    const KEMPE_LIMIT: usize = 32;
    // Kempe entries: ranges into `chain_buf`, which holds each chain's (activity, domain index).
    let (mut kempes, mut chain_buf, mut chain) = (Vec::new(), Vec::new(), Vec::new());
    let mut side = vec![0i8; c.n];
    let (mut top, mut clash, mut costs_b, mut hards_b) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut stagnant = 0u32;
    const EXCHANGE_AFTER: u64 = 2000;
    let (mut since_best, mut exchange_after) = (0u64, EXCHANGE_AFTER);
    while st.hard > 0 && !stopped && !movable.is_empty() {
        iter += 1;
        if !budget_left(iter) || (iter.is_multiple_of(8) && (ctl.stop)()) {
            break;
        }
        let mut a = usize::MAX;
        for _ in 0..32 {
            let x = movable[rng.below(movable.len())];
            if st.conflicted(x) {
                a = x;
                break;
            }
        }
        if a == usize::MAX {
            conflicted.clear();
            conflicted.extend(movable.iter().copied().filter(|&x| st.conflicted(x)));
            if conflicted.is_empty() {
                // Hard cost without a conflicted activity cannot happen; stop rather than spin.
                break;
            }
            a = conflicted[rng.below(conflicted.len())];
        }
        let old_k = st.kidx[a] as usize;
        let old_start = st.start[a];
        // Swap partners: activities of the same length sharing a teacher or students with `a`.
        partners.clear();
        if !c.res[a].is_empty() {
            for _ in 0..SWAP_SAMPLES {
                let r = c.res[a][rng.below(c.res[a].len())] as usize;
                let b = c.res_acts[r][rng.below(c.res_acts[r].len())] as usize;
                if b != a
                    && c.dur[b] == c.dur[a]
                    && st.start[b] != old_start
                    && ctl.fixed.get(b).copied().flatten().is_none()
                    && !partners.contains(&b)
                {
                    partners.push(b);
                }
            }
        }
        let before = st.whard;
        st.unplace(a);
        st.evaluate_all(a, &mut costs, &mut hards);
        let singles = costs.len();
        // Each swap is scored as a pseudo-entry after the single moves: (b, a's new k, b's new k).
        swaps.clear();
        for &b in &partners {
            let (Ok(ka), Ok(kb)) = (c.domain[a].binary_search(&st.start[b]), c.domain[b].binary_search(&old_start))
            else {
                continue;
            };
            let (old_kb, old_rb) = (st.kidx[b] as usize, st.room[b]);
            let t = st.trial();
            st.unplace(b);
            st.place(a, ka);
            st.place(b, kb);
            costs.push((st.whard, if st.hard_only { 0 } else { st.soft }));
            hards.push(st.hard);
            swaps.push((b, ka, kb));
            st.undo(t, |st| {
                st.unplace(b);
                st.unplace(a);
                st.insert_time(b, old_kb);
                st.set_room(b, old_rb);
            });
        }
        // Ejections: put `a` at one of its two cheapest new starts and move one lesson it then
        // clashes with to that lesson's best start (entries share the swap representation).
        top.clear();
        top.extend((0..singles).filter(|&k| k != old_k));
        top.sort_by_key(|&k| costs[k]);
        top.truncate(EJECT_TRIES);
        for &ka in top.iter() {
            let t = st.trial();
            st.place(a, ka);
            clash.clear();
            let (sa, da) = (usize::from(st.start[a]), usize::from(c.dur[a]));
            for &r in &c.res[a] {
                for &b in &c.res_acts[r as usize] {
                    let b = b as usize;
                    if b == a || clash.contains(&b) || ctl.fixed.get(b).copied().flatten().is_some() {
                        continue;
                    }
                    let sb = usize::from(st.start[b]);
                    if sb / c.h == sa / c.h && sb < sa + da && sa < sb + usize::from(c.dur[b]) {
                        clash.push(b);
                    }
                }
            }
            // In the block-planning mode a lesson also clashes with its students' lessons in the
            // same block under another teacher or room (another "day").
            for &ci in if block_planning { &c.act_cons[a][..] } else { &[] } {
                let ci = ci as usize;
                let DynKind::OnePerPeriod(acts) = &c.cons[ci].kind else { continue };
                if !c.cons[ci].hard {
                    continue;
                }
                let qa = sa % c.h;
                for &b in acts {
                    let b = b as usize;
                    if b == a
                        || st.start[b] == NONE
                        || clash.contains(&b)
                        || ctl.fixed.get(b).copied().flatten().is_some()
                    {
                        continue;
                    }
                    let qb = usize::from(st.start[b]) % c.h;
                    if qb < qa + da && qa < qb + usize::from(c.dur[b]) {
                        clash.push(b);
                    }
                }
            }
            let mut back = None;
            if !clash.is_empty() {
                let b = clash[rng.below(clash.len())];
                let (old_kb, old_rb) = (st.kidx[b] as usize, st.room[b]);
                st.unplace(b);
                st.evaluate_all(b, &mut costs_b, &mut hards_b);
                let tabu_b = &tabu[b];
                if let Some(kb) = pick_min(&costs_b, &mut ties, &mut rng, |k| k != old_kb && tabu_b[k] <= iter) {
                    costs.push(costs_b[kb]);
                    hards.push(hards_b[kb]);
                    swaps.push((b, ka, kb));
                }
                back = Some((b, old_kb, old_rb));
            }
            st.undo(t, |st| {
                if let Some((b, old_kb, old_rb)) = back {
                    st.insert_time(b, old_kb);
                    st.set_room(b, old_rb);
                }
                st.unplace(a);
            });
        }
        let paired = singles + swaps.len();
        // Kempe chains: `a` at one of its cheapest new starts, and whatever then clashes with a
        // moved lesson moves the opposite way (see `State::kempe_chain`).
        kempes.clear();
        chain_buf.clear();
        for &ka in top.iter() {
            let to = usize::from(c.domain[a][ka]);
            if !st.kempe_chain((a, usize::from(old_start), to), ctl.fixed, KEMPE_LIMIT, &mut side, &mut chain)
                || chain.len() < 2
            {
                continue;
            }
            let t = st.trial();
            for &(m, _) in &chain[1..] {
                saved.push((m, st.kidx[m], st.room[m]));
                st.unplace(m);
            }
            for &(m, k) in &chain {
                st.place(m, k);
            }
            costs.push((st.whard, if st.hard_only { 0 } else { st.soft }));
            hards.push(st.hard);
            st.undo(t, |st| {
                st.unplace(a);
                st.restore(&mut saved);
            });
            kempes.push((chain_buf.len(), chain_buf.len() + chain.len()));
            chain_buf.extend_from_slice(&chain);
        }
        let chained = paired + kempes.len();
        // Group moves: when `a` belongs to a large hard synchronised group (same starting time,
        // day or hour), the whole group moves to one key at once; one member at a time would
        // have to break the group first, which a large group never survives. Small groups are
        // left to single moves and swaps: on real files (pairs and triples of same-time lessons)
        // evaluating every key for them cost a fifth of the moves per second and solved later.
        groups.clear();
        let sync: Vec<usize> = c.act_cons[a]
            .iter()
            .map(|&ci| ci as usize)
            .filter(|&ci| {
                c.cons[ci].hard
                    && matches!(&c.cons[ci].kind,
                        DynKind::SameTime(m) | DynKind::SameDay(m) | DynKind::SameHour(m)
                            if m.len() > SYNC_COUNTED
                                && m.iter().all(|&x| ctl.fixed.get(x as usize).copied().flatten().is_none()))
            })
            .collect();
        if !sync.is_empty() {
            let ci = sync[rng.below(sync.len())];
            let kind = &c.cons[ci].kind;
            for key in 0..c.sync_keys(kind) {
                let sa = c.sync_target(kind, usize::from(old_start), key);
                let Ok(ka) = c.domain[a].binary_search(&(sa as Slot)) else { continue };
                let t = st.trial();
                st.place(a, ka);
                st.shift_group(ci, a, key, &mut saved);
                if !saved.is_empty() || ka != old_k {
                    costs.push((st.whard, if st.hard_only { 0 } else { st.soft }));
                    hards.push(st.hard);
                    groups.push((ci, key, ka));
                }
                st.undo(t, |st| {
                    st.restore(&mut saved);
                    st.unplace(a);
                });
            }
        }
        // Half-day block moves (mornings-afternoons mode): a teacher under a hard real-day rule
        // must often empty a whole half day, e.g. an "exclusive" teacher with a two-lesson
        // afternoon block on a day that also has a morning. One lesson at a time breaks the
        // minimum hours and gaps first and leaves the rule broken, so the teacher's lessons of
        // `a`'s half day move together to another half day, trading with what is there.
        let grouped = chained + groups.len();
        blocks.clear();
        block_moves.clear();
        let eligible = c.res[a].iter().map(|&r| r as usize).filter(|&r| block_res[r]).count();
        if eligible > 0 {
            let pick = rng.below(eligible);
            let r = c.res[a].iter().map(|&r| r as usize).filter(|&r| block_res[r]).nth(pick).unwrap_or(0);
            let (q, d) = (usize::from(old_start) % c.h, usize::from(old_start) / c.h);
            for d2 in (0..c.nd).filter(|&d2| d2 != d) {
                let Ok(ka) = c.domain[a].binary_search(&((d2 * c.h + q) as Slot)) else { continue };
                // With nothing of the resource's on `d2`, trading is the same move.
                let busy_there = st.busy[r * c.nd + d2] != 0;
                for trade in [false, true].into_iter().take(1 + usize::from(busy_there)) {
                    let from = block_moves.len();
                    if !half_day_block(&st, r, a, (d, d2), trade, ctl.fixed, &mut block_moves) {
                        block_moves.truncate(from);
                        continue;
                    }
                    let t = st.trial();
                    st.place(a, ka);
                    st.move_all(&block_moves[from..], &mut saved);
                    costs.push((st.whard, if st.hard_only { 0 } else { st.soft }));
                    hards.push(st.hard);
                    st.undo(t, |st| {
                        st.restore(&mut saved);
                        st.unplace(a);
                    });
                    blocks.push((ka, from, block_moves.len()));
                }
            }
        }
        // Slot-emptying moves: when `a` sits in a slot that keeps a hard "occupy at most N
        // slots" over its limit, or a "at least N at once (or none)" short, the lessons sharing
        // that constraint and slot leave it together, each greedily to its cheapest other start.
        // One lesson at a time changes neither count until the last one leaves, so nothing
        // guides the search to empty a slot (e.g. FET's block-planning files, where a teacher
        // may hold few classes and a class needs a minimum of students).
        if let Some(ci) = emptiable(&st, a, usize::from(old_start), &mut rng) {
            let from = block_moves.len();
            // Tried like the other compound moves: taken back from the log, not recomputed.
            let t = st.trial();
            let ka = empty_slot(
                &mut st,
                (ci, a, usize::from(old_start), old_k),
                ctl.fixed,
                &mut rng,
                &mut saved,
                &mut ties,
                (&mut costs_b, &mut hards_b),
                &mut block_moves,
            );
            if let Some(ka) = ka {
                costs.push((st.whard, if st.hard_only { 0 } else { st.soft }));
                hards.push(st.hard);
                st.undo(t, |st| {
                    st.unplace(a);
                    st.restore(&mut saved);
                });
                blocks.push((ka, from, block_moves.len()));
            } else {
                // Nothing moved.
                st.undo(t, |_| {});
                block_moves.truncate(from);
            }
        }
        let choice = if rng.chance(15) {
            rng.below(singles)
        } else {
            let best_hard = best.hard;
            let tabu_a = &tabu[a];
            let tabu_ref = &tabu;
            let swaps_ref = &swaps;
            let groups_ref = &groups;
            let (kempes_ref, chain_ref) = (&kempes, &chain_buf);
            let blocks_ref = &blocks;
            let hards_ref = &hards;
            pick_min(&costs, &mut ties, &mut rng, |k| {
                let free = if k < singles {
                    tabu_a[k] <= iter
                } else if k < paired {
                    let (b, ka, kb) = swaps_ref[k - singles];
                    tabu_a[ka] <= iter && tabu_ref[b][kb] <= iter
                } else if k < chained {
                    let (lo, _) = kempes_ref[k - paired];
                    tabu_a[chain_ref[lo].1] <= iter
                } else if k < grouped {
                    tabu_a[groups_ref[k - chained].2] <= iter
                } else {
                    tabu_a[blocks_ref[k - grouped].0] <= iter
                };
                free || hards_ref[k] < best_hard
            })
            .unwrap_or_else(|| rng.below(singles))
        };
        if choice < singles {
            st.place(a, choice);
            if choice != old_k {
                tabu[a][old_k] = iter + 7 + rng.below(10) as u64;
            }
        } else if choice < paired {
            let (b, ka, kb) = swaps[choice - singles];
            let old_kb = st.kidx[b] as usize;
            st.unplace(b);
            st.place(a, ka);
            st.place(b, kb);
            tabu[a][old_k] = iter + 7 + rng.below(10) as u64;
            tabu[b][old_kb] = iter + 7 + rng.below(10) as u64;
        } else if choice < chained || choice >= grouped {
            if choice < chained {
                let (lo, hi) = kempes[choice - paired];
                for &(m, _) in &chain_buf[lo + 1..hi] {
                    saved.push((m, st.kidx[m], st.room[m]));
                    st.unplace(m);
                }
                for &(m, k) in &chain_buf[lo..hi] {
                    st.place(m, k);
                }
            } else {
                let (ka, from, to) = blocks[choice - grouped];
                st.place(a, ka);
                st.move_all(&block_moves[from..to], &mut saved);
            }
            tabu[a][old_k] = iter + 7 + rng.below(10) as u64;
            for &(m, km, _) in &saved {
                tabu[m][km as usize] = iter + 7 + rng.below(10) as u64;
            }
            saved.clear();
        } else {
            let (ci, key, ka) = groups[choice - chained];
            st.place(a, ka);
            st.shift_group(ci, a, key, &mut saved);
            if ka != old_k {
                tabu[a][old_k] = iter + 7 + rng.below(10) as u64;
            }
            for &(m, km, _) in &saved {
                tabu[m][km as usize] = iter + 7 + rng.below(10) as u64;
            }
            saved.clear();
        }
        if st.whard >= before {
            stagnant += 1;
            if stagnant >= STAGNATION {
                st.bump_weights();
                stagnant = 0;
            }
        } else {
            stagnant = 0;
        }
        if st.hard < best.hard {
            since_best = 0;
            exchange_after = EXCHANGE_AFTER;
        } else {
            since_best += 1;
        }
        best.offer(&st, ctl);
        if since_best >= exchange_after {
            // Long without a new best: try exchanging two periods (or two days) for the whole
            // week. That moves every lesson at once, which no sequence of single moves reaches
            // without a detour (e.g. two large same-hour groups that must trade hours). Each
            // attempt costs a pass over all lessons per pair, so the interval doubles while
            // they find nothing better.
            if !exchange_periods_or_days(&mut st, &movable, &mut saved, &mut movers) {
                exchange_after = exchange_after.saturating_mul(2);
            }
            best.offer(&st, ctl);
            since_best = 0;
        }
    }

    st.hard_only = false;
    // Soft phase: late acceptance hill climbing that never breaks a hard constraint.
    if st.hard == 0 && st.soft > 0 && !stopped && !movable.is_empty() {
        const HISTORY: usize = 400;
        const SOFT_BEST_MOVE: u64 = 50;
        let mut history = vec![objective(&st); HISTORY];
        let mut soft_tabu: Vec<Vec<u64>> = (0..c.n).map(|a| vec![0; c.domain[a].len()]).collect();
        loop {
            iter += 1;
            if !budget_left(iter) || (iter.is_multiple_of(16) && (ctl.stop)()) {
                break;
            }
            let before = objective(&st);
            let a = movable[rng.below(movable.len())];
            let accepted_move = if rng.chance(SOFT_BEST_MOVE) {
                best_slot_move(&mut st, a, &mut rng, &history, iter, &mut costs, &mut hards, &mut ties, &mut soft_tabu)
            } else if rng.chance(500) {
                single_move(&mut st, a, &mut rng, &history, iter)
            } else {
                swap_move(&mut st, a, &mut rng, &history, iter, ctl.fixed)
            };
            let v = (iter as usize) % HISTORY;
            let f = objective(&st);
            if f < history[v] {
                history[v] = f;
            }
            if accepted_move && f < before {
                best.offer(&st, ctl);
            }
            if f == 0 {
                break;
            }
        }
    }

    RunResult {
        start: best.start.iter().map(|&s| if s == NONE { 0 } else { s }).collect(),
        room: (0..c.n)
            .map(|a| {
                // `NONE` and the roomless choice are both past the candidates.
                c.rooms[a].get(usize::from(best.room[a])).copied()
            })
            .collect(),
        hard: best.hard,
        soft: best.soft,
        iterations: iter,
    }
}

/// Resources whose half days the hard phase moves as blocks: teachers and atoms under a hard
/// rule of the mornings-afternoons mode (real days, mornings and afternoons).
fn block_resources(c: &Compiled) -> Vec<bool> {
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
fn half_day_block(
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
fn emptiable(st: &State<'_>, a: usize, s: usize, rng: &mut Rng) -> Option<usize> {
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
fn empty_slot(
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
fn exchange_periods_or_days(
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

/// Index of the cheapest allowed entry, ties broken at random.
fn pick_min(
    costs: &[(i64, i64)],
    ties: &mut Vec<usize>,
    rng: &mut Rng,
    allowed: impl Fn(usize) -> bool,
) -> Option<usize> {
    ties.clear();
    let mut best = (i64::MAX, i64::MAX);
    for (k, &cost) in costs.iter().enumerate() {
        if !allowed(k) {
            continue;
        }
        if cost < best {
            best = cost;
            ties.clear();
            ties.push(k);
        } else if cost == best {
            ties.push(k);
        }
    }
    (!ties.is_empty()).then(|| ties[rng.below(ties.len())])
}

/// The soft phase's objective: the soft penalty plus a price per hard violation, so the search
/// may cross briefly through timetables that break a hard constraint (the best one kept is
/// always one that breaks none).
fn objective(st: &State<'_>) -> i64 {
    st.soft + HARD_PRICE * st.hard
}

const HARD_PRICE: i64 = 2 * crate::model::FULL_WEIGHT as i64;

fn accept(st: &State<'_>, before: i64, history: &[i64], iter: u64) -> bool {
    let f = objective(st);
    f <= before || f <= history[(iter as usize) % history.len()]
}

/// Moves `a` to its best start that keeps every hard constraint (not recently left), if accepted.
#[allow(clippy::too_many_arguments)]
fn best_slot_move(
    st: &mut State<'_>,
    a: usize,
    rng: &mut Rng,
    history: &[i64],
    iter: u64,
    costs: &mut Vec<(i64, i64)>,
    hards: &mut Vec<i64>,
    ties: &mut Vec<usize>,
    tabu: &mut [Vec<u64>],
) -> bool {
    let before = objective(st);
    let (old_k, old_room) = (st.kidx[a] as usize, st.room[a]);
    st.unplace(a);
    st.evaluate_all(a, costs, hards);
    let tabu_a = &tabu[a];
    // Score every start by the soft phase's objective (true hard count, not the breakout weights).
    for (cost, &h) in costs.iter_mut().zip(hards.iter()) {
        *cost = (cost.1 + HARD_PRICE * h, 0);
    }
    let k = pick_min(costs, ties, rng, |k| k != old_k && (tabu_a[k] <= iter || costs[k].0 < before));
    if let Some(k) = k {
        let t = st.trial();
        st.place(a, k);
        if accept(st, before, history, iter) {
            st.keep(t);
            tabu[a][old_k] = iter + 10 + rng.below(10) as u64;
            return true;
        }
        st.undo(t, |st| st.unplace(a));
    }
    st.insert_time(a, old_k);
    st.set_room(a, old_room);
    false
}

fn single_move(st: &mut State<'_>, a: usize, rng: &mut Rng, history: &[i64], iter: u64) -> bool {
    let n_dom = st.c.domain[a].len();
    if n_dom < 2 {
        return false;
    }
    let before = objective(st);
    let (old_k, old_room) = (st.kidx[a] as usize, st.room[a]);
    let mut k = rng.below(n_dom - 1);
    if k >= old_k {
        k += 1;
    }
    let t = st.trial();
    st.unplace(a);
    st.place(a, k);
    if accept(st, before, history, iter) {
        st.keep(t);
        return true;
    }
    st.undo(t, |st| {
        st.unplace(a);
        st.insert_time(a, old_k);
        st.set_room(a, old_room);
    });
    false
}

fn swap_move(st: &mut State<'_>, a: usize, rng: &mut Rng, history: &[i64], iter: u64, fixed: &[Option<usize>]) -> bool {
    let c = st.c;
    if c.res[a].is_empty() {
        return false;
    }
    let r = c.res[a][rng.below(c.res[a].len())] as usize;
    let others = &c.res_acts[r];
    let b = others[rng.below(others.len())] as usize;
    if b == a || c.dur[a] != c.dur[b] || fixed.get(b).copied().flatten().is_some() {
        return false;
    }
    let (sa, sb) = (st.start[a], st.start[b]);
    if sa == sb {
        return false;
    }
    let (Ok(ka), Ok(kb)) = (c.domain[a].binary_search(&sb), c.domain[b].binary_search(&sa)) else { return false };
    let before = objective(st);
    let (old_ka, old_ra, old_kb, old_rb) = (st.kidx[a] as usize, st.room[a], st.kidx[b] as usize, st.room[b]);
    let t = st.trial();
    st.unplace(a);
    st.unplace(b);
    st.place(a, ka);
    st.place(b, kb);
    if accept(st, before, history, iter) {
        st.keep(t);
        return true;
    }
    st.undo(t, |st| {
        st.unplace(b);
        st.unplace(a);
        st.insert_time(a, old_ka);
        st.set_room(a, old_ra);
        st.insert_time(b, old_kb);
        st.set_room(b, old_rb);
    });
    false
}

/// Adds (or removes) one lesson over `span` to the per-slot counters of an occupy-slots-from-a-
/// selection constraint and returns how many selected slots are occupied now (`occupied` before).
fn count_occupied(
    cnt: &mut [u16],
    mut occupied: i64,
    selected: &[bool],
    span: std::ops::Range<usize>,
    added: bool,
) -> i64 {
    for x in span.filter(|&x| selected[x]) {
        if added {
            cnt[x] += 1;
            occupied += i64::from(cnt[x] == 1);
        } else {
            cnt[x] -= 1;
            occupied -= i64::from(cnt[x] == 0);
        }
    }
    occupied
}

/// The shape of one resource's day (or real day): busy periods, periods that are never gaps.
struct DayShape {
    m: u64,
    u: u64,
    hours: i32,
    first: usize,
    last: usize,
    gaps: i32,
}

impl DayShape {
    fn of(m: u64, u: u64) -> Self {
        let hours = m.count_ones() as i32;
        let (first, last) =
            if m == 0 { (0, 0) } else { (m.trailing_zeros() as usize, 63 - m.leading_zeros() as usize) };
        let gaps = if m == 0 {
            0
        } else {
            let span = (u64::MAX >> (63 - last)) & (u64::MAX << first);
            (span & !m & !u).count_ones() as i32
        };
        DayShape { m, u, hours, first, last, gaps }
    }

    fn span(&self) -> i32 {
        if self.m == 0 { 0 } else { (self.last - self.first + 1) as i32 }
    }

    /// (late beginnings beyond the second period, 1 if the day begins late).
    fn late_start(&self) -> (i32, i32) {
        if self.m == 0 {
            return (0, 0);
        }
        let before = ((1u64 << self.first) - 1) & !self.u;
        let b = before.count_ones() as i32;
        if b >= 1 { (b - 1, 1) } else { (0, 0) }
    }
}

/// The periods `start..end` of a day as a bit mask.
fn interval_mask(start: u16, end: u16) -> u64 {
    (u64::MAX << start) & (u64::MAX >> (64 - u32::from(end)))
}

/// Whether the hard phase weighs a broken hard rule by [`State::shaped_rule_cost`] rather than by
/// its count.
fn graded_in_hard_phase(shape: &Rule) -> bool {
    matches!(
        shape,
        Rule::MaxDaysPerWeek(_)
            | Rule::IntervalMaxDaysPerWeek { .. }
            | Rule::MaxMorningsPerWeek(_)
            | Rule::MaxAfternoonsPerWeek(_)
            | Rule::MaxRealDaysPerWeek(_)
            | Rule::MaxRealDaysWithMorningAndAfternoon(_)
    )
}

/// The tag-pair rule's value on a day with first-tag periods `a` and second-tag periods `b`:
/// each run of second-tag lessons starts after the nearest first-tag lesson before it.
fn tag_gap_value(a: u64, b: u64, min_gaps: u16) -> i32 {
    let mut k = 0;
    let mut rest = b & !(b << 1);
    while rest != 0 {
        let sb = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        let before = a & ((1u64 << sb) - 1);
        if before != 0 {
            let last_a = 63 - before.leading_zeros() as usize;
            k += (i32::from(min_gaps) - (sb - last_a - 1) as i32).max(0);
        }
    }
    k
}

/// Whether a rule's value on a day depends on other (half) days too.
fn spans_days(shape: &Rule) -> bool {
    matches!(
        shape,
        Rule::MaxHoursDailyRealDays(_)
            | Rule::MinHoursDailyRealDays { .. }
            | Rule::MaxGapsPerRealDay { .. }
            | Rule::MaxRealDaysPerWeek(_)
            | Rule::MinRealDaysPerWeek(_)
            | Rule::MaxRealDaysWithMorningAndAfternoon(_)
            | Rule::MinRestingHoursBetweenMorningAndAfternoon(_)
            | Rule::MaxThreeConsecutiveHalfDays { .. }
            | Rule::MinRestingHours { .. }
    )
}

/// The days whose stored value changes when day `d` changes: a run of days, and for the circular
/// resting rule the last day of the week too (its rest runs into day 0).
fn rule_keys(
    kind: &RuleKind,
    d: usize,
    nd: usize,
) -> std::iter::Chain<std::ops::Range<usize>, std::option::IntoIter<usize>> {
    let (run, extra) = match kind {
        RuleKind::Shape(Rule::MaxThreeConsecutiveHalfDays { .. }) => {
            if nd < 4 {
                (0..0, None)
            } else {
                (d.saturating_sub(3)..d.min(nd - 4) + 1, None)
            }
        }
        // The rest before day `d` is stored at the day before it.
        RuleKind::Shape(Rule::MinRestingHours { circular, .. }) => {
            (d.saturating_sub(1)..d + 1, (d == 0 && *circular && nd > 1).then_some(nd - 1))
        }
        RuleKind::Shape(shape) if spans_days(shape) => ((d & !1)..(d & !1) + 1, None),
        _ => (d..d + 1, None),
    };
    run.chain(extra)
}

/// How a maximum that `value` exceeds counts: the excess when hard (a slope for the search), 1 when
/// soft, as FET weighs each broken day or run of max-hours rules.
fn broken_max(value: i32, max: u16, hard: bool) -> i32 {
    let excess = (value - i32::from(max)).max(0);
    if hard { excess } else { excess.min(1) }
}

/// Value of a one-day rule on day `d`: (violations counted per day, count added up over the week).
fn day_value(shape: Rule, hard: bool, day: &DayShape, d: usize) -> (i32, i32) {
    let morning = d.is_multiple_of(2);
    match shape {
        Rule::MaxHoursDaily(x) => (broken_max(day.hours, x, hard), 0),
        Rule::MinHoursDaily { min, allow_empty_days } => {
            if day.hours == 0 && allow_empty_days {
                (0, 0)
            } else {
                ((i32::from(min) - day.hours).max(0), 0)
            }
        }
        Rule::MaxGapsPerDay(x) => ((day.gaps - i32::from(x)).max(0), 0),
        Rule::MaxGapsPerWeek(_) => (0, day.gaps),
        Rule::EarlyMaxBeginningsAtSecondHour(_) => day.late_start(),
        Rule::AfternoonsEarlyMaxBeginningsAtSecondHour(_) => {
            if morning {
                (0, 0)
            } else {
                day.late_start()
            }
        }
        Rule::MaxHoursContinuously(x) => {
            let mut rest = day.m;
            let mut k = 0;
            while rest != 0 {
                let tz = rest.trailing_zeros();
                let run = (!(rest >> tz)).trailing_zeros();
                k += broken_max(run as i32, x, hard);
                rest &= !((u64::MAX >> (64 - run)) << tz);
            }
            (k, 0)
        }
        Rule::MaxSpanPerDay(x) => ((day.span() - i32::from(x)).max(0), 0),
        Rule::MaxSpanPerDayOneLonger(x) => (0, (day.span() - i32::from(x)).max(0)),
        Rule::MaxDaysPerWeek(_) | Rule::MinDaysPerWeek(_) => (0, i32::from(day.m != 0)),
        Rule::IntervalMaxDaysPerWeek { start, end, .. } => {
            let mask = interval_mask(start, end);
            (0, i32::from(day.m & mask != 0))
        }
        Rule::MaxMorningsPerWeek(_) => (0, i32::from(morning && day.m != 0)),
        Rule::MaxAfternoonsPerWeek(_) => (0, i32::from(!morning && day.m != 0)),
        Rule::MinHoursPerMorning { min, allow_empty_mornings } => {
            if !morning || (day.hours == 0 && allow_empty_mornings) {
                (0, 0)
            } else {
                ((i32::from(min) - day.hours).max(0), 0)
            }
        }
        Rule::ZeroGapsPerAfternoon => (if morning { 0 } else { day.gaps }, 0),
        // Rules over several half days are evaluated by `State::wide_value`.
        _ => (0, 0),
    }
}

/// The weekly part of a rule's cost from the week's sum of per-day counts.
fn weekly_excess(shape: Rule, s1: i32) -> i32 {
    match shape {
        Rule::MaxGapsPerWeek(x)
        | Rule::EarlyMaxBeginningsAtSecondHour(x)
        | Rule::AfternoonsEarlyMaxBeginningsAtSecondHour(x)
        | Rule::MaxDaysPerWeek(x)
        | Rule::MaxRealDaysPerWeek(x)
        | Rule::MaxMorningsPerWeek(x)
        | Rule::MaxAfternoonsPerWeek(x)
        | Rule::MaxRealDaysWithMorningAndAfternoon(x)
        | Rule::IntervalMaxDaysPerWeek { max: x, .. } => (s1 - i32::from(x)).max(0),
        Rule::MinDaysPerWeek(x) | Rule::MinRealDaysPerWeek(x) => (i32::from(x) - s1).max(0),
        // One day may be one period too long.
        Rule::MaxSpanPerDayOneLonger(_) => (s1 - 1).max(0),
        // Days over the limit; with the exception, one of them is forgiven its first extra gap.
        Rule::MaxGapsPerRealDay { one_day_exception, .. } => {
            if one_day_exception {
                (s1 - 1).max(0)
            } else {
                s1
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activity, Constraint, FULL_WEIGHT, Kind, Problem, Resource, Room, StudentSet};

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
                Kind::ResourceRule {
                    resources: vec![Resource::Teacher(0)],
                    rule: Rule::EarlyMaxBeginningsAtSecondHour(0),
                },
            ),
            c(true, Kind::MinDaysBetween { activities: vec![0, 2, 4], min_days: 1, consecutive_if_same_day: true }),
            // A lesson listed twice is a pair with itself.
            c(
                false,
                Kind::MinDaysBetween { activities: vec![1, 3, 5, 7, 3], min_days: 2, consecutive_if_same_day: true },
            ),
            c(false, Kind::MaxSimultaneousInSlots { activities: (0..12).collect(), slots: vec![0, 1, 5], max: 1 }),
            c(
                false,
                Kind::OccupyMaxSlotsFromSelection { activities: (0..6).collect(), slots: (0..15).collect(), max: 3 },
            ),
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
            c(
                false,
                Kind::TagRule { resources: vec![Resource::Atom(1)], tag: "lab".into(), rule: Rule::MaxGapsPerDay(0) },
            ),
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
            c(
                false,
                Kind::ResourceRule { resources: vec![Resource::Teacher(1)], rule: Rule::MaxSpanPerDayOneLonger(2) },
            ),
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
            let r = run(
                &c,
                &RunControl { seed, max_iterations: Some(5_000), stop: &never, on_best: &|_| {}, fixed: &fixed },
            );
            let tt = crate::model::Timetable {
                placements: r
                    .start
                    .iter()
                    .zip(&r.room)
                    .map(|(&s, &room)| crate::model::Placement { start: Some(s), room })
                    .collect(),
            };
            let report = crate::check::check(&p, &tt);
            assert!(
                report.hard_ok(),
                "seed {seed}: {} hard violations {:?} {:?}",
                report.hard_violations,
                r.start,
                r.room
            );
        }
    }

    /// Three classes and three teachers, one day of two periods, six lessons; each class and each
    /// teacher has one lesson per period in any timetable meeting every hard constraint.
    fn two_period_ring() -> Problem {
        let mut p = Problem {
            days: vec!["d".into()],
            periods: vec!["p0".into(), "p1".into()],
            teachers: (0..3).map(|t| format!("t{t}")).collect(),
            atoms: (0..3).map(|g| format!("g{g}")).collect(),
            ..Problem::default()
        };
        for (i, (t, g)) in [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (0, 2)].into_iter().enumerate() {
            p.activities.push(Activity {
                id: i as u32 + 1,
                subject: format!("s{i}"),
                teachers: vec![t],
                atoms: vec![g],
                duration: 1,
                size: 20,
                ..Activity::default()
            });
        }
        p
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
        assert!(st.kempe_chain((0, 0, 1), &[], 32, &mut side, &mut chain));
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
        assert!(!st.kempe_chain((0, 0, 1), &[], 2, &mut side, &mut chain));
        let pinned = [None, None, None, None, Some(0), None];
        assert!(!st.kempe_chain((0, 0, 1), &pinned, 32, &mut side, &mut chain));
        assert!(side.iter().all(|&s| s == 0));
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
}
