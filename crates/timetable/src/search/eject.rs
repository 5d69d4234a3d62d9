//! Ejection chains, the search's form of FET's recursive swapping: a lesson goes to a new start,
//! a lesson it now clashes with is lifted and goes to its own cheapest other start, a lesson that
//! one (or an earlier link) clashes with goes next, and so on. In a dense week every period of a
//! class is taken, so a lesson can only move if others make room in turn; one-step ejections and
//! two-period Kempe chains reach only the shortest of those cycles.

use super::moves::pick_min;
use super::rng::Rng;
use super::{NONE, State};
use crate::compile::DynKind;

/// Scratch space and limits of an ejection chain (kept across iterations to avoid allocation).
pub(super) struct Ejector {
    /// How many lessons after the first a chain may lift.
    pub max_lifted: usize,
    /// Lessons clashing with some link, not yet in the chain.
    clash: Vec<usize>,
    costs: Vec<(i64, i64)>,
    hards: Vec<i64>,
    /// Per activity, whether it is in the current chain.
    in_chain: Vec<bool>,
}

/// One link's outcome: the chain up to and including it costs `cost` (weighted hard, soft) and
/// `hard` (true hard count).
pub(super) struct Link {
    pub cost: (i64, i64),
    pub hard: i64,
}

/// What a chain may not move and where its lessons may not go.
pub(super) struct Bounds<'b> {
    pub fixed: &'b [Option<usize>],
    pub tabu: &'b [Vec<u64>],
    pub iter: u64,
    /// FET's block-planning mode, where a student's lessons clash across "days" too.
    pub block_planning: bool,
}

impl Ejector {
    pub(super) fn new(n: usize, max_lifted: usize) -> Self {
        Ejector { max_lifted, clash: Vec::new(), costs: Vec::new(), hards: Vec::new(), in_chain: vec![false; n] }
    }

    /// Builds the chain that starts with `a` (off the grid) going to domain index `ka`, applying
    /// it link by link: after each link, one lesson clashing with some link (at random) is
    /// lifted and goes to its cheapest start other than its old one that is not tabu. Stops when
    /// nothing clashes, the chain is full, or a lifted lesson has nowhere to go (it then stays).
    /// Appends each link (activity, new domain index) to `chain`, `a` first, each lifted
    /// lesson's old placement to `saved`, and each link's cost to `links` (one per lifted
    /// lesson). The caller's trial takes the chain back: restore `saved`, then unplace `a`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn build(
        &mut self,
        st: &mut State<'_>,
        (a, ka): (usize, usize),
        bounds: &Bounds<'_>,
        rng: &mut Rng,
        ties: &mut Vec<usize>,
        chain: &mut Vec<(usize, usize)>,
        saved: &mut Vec<(usize, u32, u16)>,
        links: &mut Vec<Link>,
    ) {
        let from = chain.len();
        st.place(a, ka);
        chain.push((a, ka));
        self.in_chain[a] = true;
        for _ in 0..self.max_lifted {
            self.clash.clear();
            for &(m, _) in &chain[from..] {
                st.clashing(m, bounds, &self.in_chain, &mut self.clash);
            }
            if self.clash.is_empty() {
                break;
            }
            let b = self.clash[rng.below(self.clash.len())];
            let old_kb = st.kidx[b] as usize;
            let old_rb = st.room[b];
            st.unplace(b);
            st.evaluate_all(b, &mut self.costs, &mut self.hards);
            let tabu_b = &bounds.tabu[b];
            let Some(kb) = pick_min(&self.costs, ties, rng, |k| k != old_kb && tabu_b[k] <= bounds.iter) else {
                st.insert_time(b, old_kb);
                st.set_room(b, old_rb);
                break;
            };
            saved.push((b, old_kb as u32, old_rb));
            st.place(b, kb);
            chain.push((b, kb));
            self.in_chain[b] = true;
            links.push(Link { cost: (st.whard, if st.hard_only { 0 } else { st.soft }), hard: st.hard });
        }
        for &(m, _) in &chain[from..] {
            self.in_chain[m] = false;
        }
    }
}

impl State<'_> {
    /// Appends to `out` the movable lessons not marked in `skip` (nor already in `out`) that
    /// clash with `m` where it stands: sharing a teacher or students at an overlapping time, or
    /// in the block-planning mode sharing a hard one-per-period constraint in the same period.
    pub(super) fn clashing(&self, m: usize, bounds: &Bounds<'_>, skip: &[bool], out: &mut Vec<usize>) {
        let c = self.c;
        let movable = |b: usize| !skip[b] && bounds.fixed.get(b).copied().flatten().is_none();
        let (sm, dm) = (usize::from(self.start[m]), usize::from(c.dur[m]));
        for &r in &c.res[m] {
            if r as usize >= c.clash_res {
                continue;
            }
            for &b in &c.res_acts[r as usize] {
                let b = b as usize;
                if b == m || !movable(b) || self.start[b] == NONE || out.contains(&b) {
                    continue;
                }
                let sb = usize::from(self.start[b]);
                if sb / c.h == sm / c.h && sb < sm + dm && sm < sb + usize::from(c.dur[b]) {
                    out.push(b);
                }
            }
        }
        if !bounds.block_planning {
            return;
        }
        let qm = sm % c.h;
        for &ci in &c.act_cons[m] {
            let ci = ci as usize;
            let DynKind::OnePerPeriod(acts) = &c.cons[ci].kind else { continue };
            if !c.cons[ci].hard {
                continue;
            }
            for &b in acts {
                let b = b as usize;
                if b == m || !movable(b) || self.start[b] == NONE || out.contains(&b) {
                    continue;
                }
                let qb = usize::from(self.start[b]) % c.h;
                if qb < qm + dm && qm < qb + usize::from(c.dur[b]) {
                    out.push(b);
                }
            }
        }
    }
}
