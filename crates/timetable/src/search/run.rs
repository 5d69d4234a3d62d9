//! One complete search run: construction, the hard phase (tabu search with breakout weights and
//! compound moves) until every hard constraint holds, then the soft phase.

use super::compound::{Sections, block_resources, emptiable, empty_slot, exchange_periods_or_days, half_day_block};
use super::eject::{Bounds, Ejector};
use super::moves::{best_slot_move, objective, pick_min, single_move, swap_move};
use super::rng::Rng;
use super::{NONE, SYNC_COUNTED, State};
use crate::compile::{Compiled, DynKind};
use crate::model::Slot;

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

/// Scores a chain whose lessons are all lifted before any is placed (`chain[0]`, the lesson the
/// hard phase is moving, is off the grid already) and takes it back.
fn try_lifted_chain(
    st: &mut State<'_>,
    chain: &[(usize, usize)],
    saved: &mut Vec<(usize, u32, u16)>,
    (costs, hards): (&mut Vec<(i64, i64)>, &mut Vec<i64>),
) {
    let t = st.trial();
    for &(m, _) in &chain[1..] {
        saved.push((m, st.kidx[m], st.room[m]));
        st.unplace(m);
    }
    for &(m, k) in chain {
        st.place(m, k);
    }
    costs.push((st.whard, if st.hard_only { 0 } else { st.soft }));
    hards.push(st.hard);
    st.undo(t, |st| {
        st.unplace(chain[0].0);
        st.restore(saved);
    });
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
    // Lessons an ejection chain may lift after the first. On the 13 hardest real files FET
    // solves, 3 left 76 hard violations after 120 s (one-step ejections: 105); 6 left 80, 12 left 83.
    const EJECT_LIFTED: usize = 3;
    // Longer chains are rarely good and cost a move per member to evaluate.
    const KEMPE_LIMIT: usize = 32;
    // A block exchange moves whole sections and what their students take in the other block.
    const SECTION_LIMIT: usize = 160;
    let by_slot = Sections::index(c);
    let (mut chains, mut chain_buf, mut chain) = (Vec::new(), Vec::new(), Vec::new());
    let mut links = Vec::new();
    let mut ejector = Ejector::new(c.n, EJECT_LIFTED);
    let mut side = vec![0i8; c.n];
    let (mut top, mut costs_b, mut hards_b) = (Vec::new(), Vec::new(), Vec::new());
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
        let paired = singles + swaps.len();
        top.clear();
        top.extend((0..singles).filter(|&k| k != old_k));
        top.sort_by_key(|&k| costs[k]);
        top.truncate(EJECT_TRIES);
        // Chains: entries are ranges into `chain_buf`, which holds each chain's (activity, domain
        // index), `a` first, and whether its links are made one after the other (an ejection
        // chain) or all lessons are lifted first (a Kempe chain).
        chains.clear();
        chain_buf.clear();
        // Ejection chains: `a` at one of its cheapest new starts, and what it then clashes with
        // moves on in turn (see `Ejector`); every prefix of a chain is a candidate.
        let bounds = Bounds { fixed: ctl.fixed, tabu: &tabu, iter, block_planning };
        for &ka in top.iter() {
            let t = st.trial();
            let lo = chain_buf.len();
            ejector.build(&mut st, (a, ka), &bounds, &mut rng, &mut ties, &mut chain_buf, &mut saved, &mut links);
            for (i, link) in links.drain(..).enumerate() {
                costs.push(link.cost);
                hards.push(link.hard);
                chains.push((lo, lo + i + 2, true));
            }
            st.undo(t, |st| {
                st.restore(&mut saved);
                st.unplace(a);
            });
        }
        // Kempe chains: `a` at one of its cheapest new starts, and whatever then clashes with a
        // moved lesson moves the opposite way (see `State::kempe_chain`).
        for &ka in top.iter() {
            let to = usize::from(c.domain[a][ka]);
            if !st.kempe_chain((a, usize::from(old_start), to), ctl.fixed, KEMPE_LIMIT, None, &mut side, &mut chain)
                || chain.len() < 2
            {
                continue;
            }
            try_lifted_chain(&mut st, &chain, &mut saved, (&mut costs, &mut hards));
            chains.push((chain_buf.len(), chain_buf.len() + chain.len(), false));
            chain_buf.extend_from_slice(&chain);
        }
        // Block planning: `a`'s section and everything its students take in another block of the
        // same day exchange blocks, or the section joins the one there (see `Sections`).
        if !by_slot.is_empty() {
            let (d, q0) = (usize::from(old_start) / c.h, usize::from(old_start) % c.h);
            for q in (0..c.h).filter(|&q| q != q0) {
                for merge in [false, true] {
                    let sections = Sections { by_slot: &by_slot, merge };
                    let to = d * c.h + q;
                    if !st.kempe_chain(
                        (a, usize::from(old_start), to),
                        ctl.fixed,
                        SECTION_LIMIT,
                        Some(&sections),
                        &mut side,
                        &mut chain,
                    ) {
                        continue;
                    }
                    try_lifted_chain(&mut st, &chain, &mut saved, (&mut costs, &mut hards));
                    chains.push((chain_buf.len(), chain_buf.len() + chain.len(), false));
                    chain_buf.extend_from_slice(&chain);
                }
            }
        }
        let chained = paired + chains.len();
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
            let (chains_ref, chain_ref) = (&chains, &chain_buf);
            let blocks_ref = &blocks;
            let hards_ref = &hards;
            pick_min(&costs, &mut ties, &mut rng, |k| {
                let free = if k < singles {
                    tabu_a[k] <= iter
                } else if k < paired {
                    let (b, ka, kb) = swaps_ref[k - singles];
                    tabu_a[ka] <= iter && tabu_ref[b][kb] <= iter
                } else if k < chained {
                    let (lo, _, _) = chains_ref[k - paired];
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
                let (lo, hi, sequential) = chains[choice - paired];
                if sequential {
                    st.place(a, chain_buf[lo].1);
                    for &(m, k) in &chain_buf[lo + 1..hi] {
                        saved.push((m, st.kidx[m], st.room[m]));
                        st.unplace(m);
                        st.place(m, k);
                    }
                } else {
                    for &(m, _) in &chain_buf[lo + 1..hi] {
                        saved.push((m, st.kidx[m], st.room[m]));
                        st.unplace(m);
                    }
                    for &(m, k) in &chain_buf[lo..hi] {
                        st.place(m, k);
                    }
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
