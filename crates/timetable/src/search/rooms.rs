//! Room choice and the room constraints (preferred rooms, home rooms, changes between rooms or
//! buildings, max different rooms): the cheapest room for a lesson at a start and its bookkeeping.

use super::{NONE, State};
use crate::compile::{NO_PLACE, RoomKind};
use crate::model::ChangeLimit;

impl State<'_> {
    /// Best room for `a` starting at `s` (with `a` itself off the grid): (candidate index, hard, soft).
    pub(super) fn best_room(&self, a: usize, s: usize) -> (u16, i64, i64) {
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
    pub(super) fn room_of(&self, a: usize) -> Option<usize> {
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

    pub(super) fn room_true_hard(&self, a: usize, s: usize, j: usize) -> i64 {
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
}
