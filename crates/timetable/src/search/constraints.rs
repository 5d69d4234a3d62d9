//! The constraints over several lessons (same time, not overlapping, consecutive, max simultaneous,
//! occupy slots...): which ones a lesson takes part in, and their cost kept up to date as lessons move.

use super::{NONE, State, Undo};
use crate::compile::DynKind;

impl State<'_> {
    pub(super) fn touch_cons(&mut self, a: usize, s: usize, du: usize, added: bool) {
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

    pub(super) fn update_cons(&mut self, ci: usize) {
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

    pub(super) fn pos(&self, a: u32) -> Option<(usize, usize, usize)> {
        let s = self.start[a as usize];
        if s == NONE {
            return None;
        }
        let s = usize::from(s);
        Some((s / self.c.h, s % self.c.h, usize::from(self.c.dur[a as usize])))
    }

    pub(super) fn eval_cons(&self, ci: usize) -> i64 {
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

    /// Whether activity `a` (at `s`, `du` long) is part of what breaks constraint `ci`: the
    /// slot-counting kinds often list every activity, so only those in an offending slot count.
    pub(super) fn takes_part(&self, ci: usize, a: usize, s: usize, du: usize) -> bool {
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
