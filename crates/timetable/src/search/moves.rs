//! Choosing and making one move: the objective, late acceptance, the best start of a lesson, a
//! single move and a swap.

use super::State;
use super::rng::Rng;

/// Index of the cheapest allowed entry, ties broken at random.
pub(super) fn pick_min(
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
pub(super) fn objective(st: &State<'_>) -> i64 {
    st.soft + HARD_PRICE * st.hard
}

const HARD_PRICE: i64 = 2 * crate::model::FULL_WEIGHT as i64;

fn accept(st: &State<'_>, before: i64, history: &[i64], iter: u64) -> bool {
    let f = objective(st);
    f <= before || f <= history[(iter as usize) % history.len()]
}

/// Moves `a` to its best start that keeps every hard constraint (not recently left), if accepted.
#[allow(clippy::too_many_arguments)]
pub(super) fn best_slot_move(
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

pub(super) fn single_move(st: &mut State<'_>, a: usize, rng: &mut Rng, history: &[i64], iter: u64) -> bool {
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

pub(super) fn swap_move(
    st: &mut State<'_>,
    a: usize,
    rng: &mut Rng,
    history: &[i64],
    iter: u64,
    fixed: &[Option<usize>],
) -> bool {
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
