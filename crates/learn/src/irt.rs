//! Item response theory: 1PL and 2PL models fitted by marginal maximum likelihood (EM over a fixed
//! quadrature grid), EAP abilities with posterior standard deviations, and one-step-ahead
//! prediction with abilities updated response by response.
//!
//! Model: P(correct | θ) = σ(a·(θ − b)) with θ ~ N(0, 1). Internally an item is (a, c) with
//! c = −a·b, where the item log-likelihood is concave and Newton's method is safe. 1PL shares one
//! discrimination across items (a Rasch model with the ability variance estimated).
//!
//! Choices, and why:
//! - **Sparse by construction.** The E-step walks each person's observed responses only (a
//!   compressed row list), adding a precomputed per-item log-probability row over the grid. Cost
//!   per cycle is (observed responses × grid points), never (persons × items): a 2%-filled matrix
//!   costs 2% of a dense one. Persons are split across threads, each with its own expected-count
//!   accumulators, summed afterwards.
//! - **Weak priors (Bayes modal items).** a ~ N(1, 1) and c ~ N(0, 4²) keep items answered all
//!   right or all wrong, common in sparse logs, at finite values; with hundreds of responses per
//!   item their pull is negligible. Discrimination is bounded to [0.05, 5].
//! - **Fixed grid.** `points` equally spaced nodes on [−range, range] weighted by the normal
//!   density, as girth and mirt do; the same grid carries the online ability posteriors.
//! - **Standard errors.** Person: the posterior standard deviation (EAP). Item: from the inverse
//!   Hessian of the expected complete-data log-likelihood at the last M-step (the usual
//!   EM approximation, slightly optimistic), difficulty by the delta method.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Dataset, LearnError, Stop};

const A_MIN: f64 = 0.05;
const A_MAX: f64 = 5.0;
const C_LIMIT: f64 = 15.0;
const PRIOR_A_MEAN: f64 = 1.0;
const PRIOR_A_SD: f64 = 1.0;
const PRIOR_C_SD: f64 = 4.0;

/// Which IRT model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IrtKind {
    /// One discrimination shared by all items.
    OnePl,
    /// A discrimination per item.
    TwoPl,
}

/// How IRT is fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IrtConfig {
    pub kind: IrtKind,
    /// Quadrature nodes (odd numbers put one at θ = 0).
    pub points: usize,
    /// The grid spans [−range, range].
    pub range: f64,
    pub max_cycles: usize,
    /// Stop when no item parameter moves by more than this in one cycle…
    pub tolerance: f64,
    /// …or when the marginal log-likelihood improves by less than this fraction of itself. Items
    /// with a handful of responses creep for hundreds of cycles without changing predictions; this
    /// ends the fit once the likelihood has settled.
    pub ll_tolerance: f64,
    /// Worker threads for the E-step.
    pub threads: usize,
}

impl Default for IrtConfig {
    fn default() -> Self {
        IrtConfig {
            kind: IrtKind::TwoPl,
            points: 41,
            range: 6.0,
            max_cycles: 200,
            tolerance: 1e-3,
            ll_tolerance: 1e-6,
            threads: 1,
        }
    }
}

/// Discrimination and difficulty of one item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemParams {
    pub discrimination: f64,
    pub difficulty: f64,
}

impl ItemParams {
    /// P(correct) for a person of ability `theta`.
    pub fn p_correct(&self, theta: f64) -> f64 {
        sigmoid(self.discrimination * (theta - self.difficulty))
    }

    /// Fisher information at `theta`: how much one response tells about the ability there.
    pub fn information(&self, theta: f64) -> f64 {
        let p = self.p_correct(theta);
        self.discrimination * self.discrimination * p * (1.0 - p)
    }
}

/// A fitted item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemFit {
    pub name: String,
    pub params: ItemParams,
    pub se_discrimination: f64,
    pub se_difficulty: f64,
    pub responses: usize,
}

/// A person's ability estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonFit {
    pub name: String,
    /// EAP estimate (posterior mean).
    pub theta: f64,
    /// Posterior standard deviation.
    pub se: f64,
    pub responses: usize,
}

/// The quadrature grid with its normal prior.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub nodes: Vec<f64>,
    pub log_prior: Vec<f64>,
}

impl Grid {
    pub fn new(points: usize, range: f64) -> Grid {
        let points = points.max(2);
        let step = 2.0 * range / (points - 1) as f64;
        let nodes: Vec<f64> = (0..points).map(|q| -range + step * q as f64).collect();
        let log_w: Vec<f64> = nodes.iter().map(|t| -0.5 * t * t).collect();
        let norm = log_sum_exp(&log_w);
        Grid { log_prior: log_w.iter().map(|w| w - norm).collect(), nodes }
    }
}

/// A fitted IRT model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IrtModel {
    pub kind: IrtKind,
    pub items: Vec<ItemFit>,
    pub persons: Vec<PersonFit>,
    pub grid: Grid,
    /// Used for items not seen in training: mean discrimination, median difficulty.
    pub default_item: ItemParams,
    pub cycles: usize,
    /// Marginal log-likelihood of the training responses at the final parameters.
    pub log_likelihood: f64,
}

/// A person's posterior over the grid, updated one response at a time (a few hundred nanoseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct AbilityState {
    log_post: Vec<f64>,
    pub responses: usize,
}

impl AbilityState {
    /// Adds one response to `item`.
    pub fn observe(&mut self, grid: &Grid, item: &ItemParams, correct: bool) {
        for (lp, &t) in self.log_post.iter_mut().zip(&grid.nodes) {
            let z = item.discrimination * (t - item.difficulty);
            *lp += if correct { log_sigmoid(z) } else { log_sigmoid(-z) };
        }
        self.responses += 1;
        // Re-centre so the log values never drift towards −∞ over thousands of responses.
        let max = self.log_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for lp in &mut self.log_post {
            *lp -= max;
        }
    }

    /// Posterior weights over the grid (summing to 1).
    pub fn posterior(&self) -> Vec<f64> {
        let max = self.log_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = self.log_post.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = w.iter().sum();
        w.into_iter().map(|x| x / sum).collect()
    }

    /// EAP ability and its posterior standard deviation.
    pub fn estimate(&self, grid: &Grid) -> (f64, f64) {
        let w = self.posterior();
        let mean: f64 = w.iter().zip(&grid.nodes).map(|(w, t)| w * t).sum();
        let var: f64 = w.iter().zip(&grid.nodes).map(|(w, t)| w * (t - mean).powi(2)).sum();
        (mean, var.max(0.0).sqrt())
    }

    /// P(correct) on `item`, averaged over the posterior.
    pub fn p_correct(&self, grid: &Grid, item: &ItemParams) -> f64 {
        let w = self.posterior();
        let p: f64 = w.iter().zip(&grid.nodes).map(|(w, &t)| w * item.p_correct(t)).sum();
        p.clamp(1e-9, 1.0 - 1e-9)
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// ln σ(z), accurate for large |z|.
fn log_sigmoid(z: f64) -> f64 {
    if z > 0.0 { -(-z).exp().ln_1p() } else { z - z.exp().ln_1p() }
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + v.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

impl IrtConfig {
    fn validate(&self) -> Result<(), LearnError> {
        if self.points < 5 || self.points > 401 {
            return Err(LearnError::bad("IRT: quadrature points must be between 5 and 401"));
        }
        if !(self.range > 1.0 && self.range <= 10.0) {
            return Err(LearnError::bad("IRT: the grid range must be in (1, 10]"));
        }
        if self.max_cycles == 0 || self.threads == 0 {
            return Err(LearnError::bad("IRT: max_cycles and threads must be at least 1"));
        }
        if self.tolerance.is_nan() || self.tolerance < 0.0 || self.ll_tolerance.is_nan() || self.ll_tolerance < 0.0 {
            return Err(LearnError::bad("IRT: tolerance must be a non-negative number"));
        }
        Ok(())
    }
}

/// Responses grouped by person: `codes[offsets[p]..offsets[p+1]]`, each `item << 1 | correct`.
struct ByPerson {
    offsets: Vec<usize>,
    codes: Vec<u32>,
}

impl ByPerson {
    fn new(data: &Dataset) -> ByPerson {
        let mut counts = vec![0usize; data.students.len() + 1];
        for r in &data.rows {
            counts[r.student as usize + 1] += 1;
        }
        for p in 1..counts.len() {
            counts[p] += counts[p - 1];
        }
        let mut fill = counts.clone();
        let mut codes = vec![0u32; data.rows.len()];
        for r in &data.rows {
            let slot = &mut fill[r.student as usize];
            codes[*slot] = (r.item << 1) | u32::from(r.correct);
            *slot += 1;
        }
        ByPerson { offsets: counts, codes }
    }

    fn persons(&self) -> usize {
        self.offsets.len() - 1
    }

    fn responses(&self, p: usize) -> &[u32] {
        &self.codes[self.offsets[p]..self.offsets[p + 1]]
    }
}

/// Expected counts per item and grid node, from one E-step over a range of persons.
struct Expected {
    /// Expected number of responses at each node, item-major (`item * q + node`).
    n: Vec<f64>,
    /// Expected number of correct responses at each node.
    r: Vec<f64>,
    log_likelihood: f64,
}

/// E-step over persons `range`: posterior per person, accumulated into expected counts. When
/// `abilities` is given, also writes each person's EAP and posterior SD there.
fn e_step(
    by_person: &ByPerson,
    range: std::ops::Range<usize>,
    grid: &Grid,
    log_p: &[f64],
    log_q: &[f64],
    n_items: usize,
    mut abilities: Option<&mut [(f64, f64)]>,
) -> Expected {
    let q = grid.nodes.len();
    let mut out = Expected { n: vec![0.0; n_items * q], r: vec![0.0; n_items * q], log_likelihood: 0.0 };
    let mut acc = vec![0.0; q];
    let mut post = vec![0.0; q];
    for (k, p) in range.clone().enumerate() {
        let responses = by_person.responses(p);
        if responses.is_empty() {
            if let Some(ab) = abilities.as_deref_mut() {
                ab[k] = (0.0, 1.0);
            }
            continue;
        }
        acc.copy_from_slice(&grid.log_prior);
        for &code in responses {
            let item = (code >> 1) as usize;
            let row = if code & 1 == 1 { &log_p[item * q..item * q + q] } else { &log_q[item * q..item * q + q] };
            for (a, &l) in acc.iter_mut().zip(row) {
                *a += l;
            }
        }
        let max = acc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for (w, &a) in post.iter_mut().zip(&acc) {
            *w = (a - max).exp();
            sum += *w;
        }
        out.log_likelihood += max + sum.ln();
        for w in &mut post {
            *w /= sum;
        }
        if let Some(ab) = abilities.as_deref_mut() {
            let mean: f64 = post.iter().zip(&grid.nodes).map(|(w, t)| w * t).sum();
            let var: f64 = post.iter().zip(&grid.nodes).map(|(w, t)| w * (t - mean).powi(2)).sum();
            ab[k] = (mean, var.max(0.0).sqrt());
        }
        for &code in responses {
            let item = (code >> 1) as usize;
            let n = &mut out.n[item * q..item * q + q];
            for (x, &w) in n.iter_mut().zip(&post) {
                *x += w;
            }
            if code & 1 == 1 {
                let r = &mut out.r[item * q..item * q + q];
                for (x, &w) in r.iter_mut().zip(&post) {
                    *x += w;
                }
            }
        }
    }
    out
}

/// The E-step split over `threads` contiguous person ranges, results summed.
fn e_step_parallel(
    by_person: &ByPerson,
    grid: &Grid,
    log_p: &[f64],
    log_q: &[f64],
    n_items: usize,
    threads: usize,
    abilities: Option<&mut Vec<(f64, f64)>>,
) -> Result<Expected, LearnError> {
    let persons = by_person.persons();
    // Split persons so each thread gets about the same number of responses.
    let total = by_person.codes.len();
    let mut bounds = vec![0usize];
    for t in 1..threads {
        let target = total * t / threads;
        let cut = by_person.offsets.partition_point(|&o| o < target).min(persons);
        bounds.push(cut.max(*bounds.last().unwrap_or(&0)));
    }
    bounds.push(persons);
    let mut ab_slices: Vec<Option<&mut [(f64, f64)]>> = Vec::new();
    match abilities {
        Some(ab) => {
            ab.resize(persons, (0.0, 1.0));
            let mut rest: &mut [(f64, f64)] = ab.as_mut_slice();
            for w in bounds.windows(2) {
                let (head, tail) = rest.split_at_mut(w[1] - w[0]);
                ab_slices.push(Some(head));
                rest = tail;
            }
        }
        None => ab_slices.extend((0..threads).map(|_| None)),
    }
    let parts: Vec<Expected> = if threads == 1 {
        let ab = ab_slices.pop().flatten();
        vec![e_step(by_person, 0..persons, grid, log_p, log_q, n_items, ab)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = bounds
                .windows(2)
                .zip(ab_slices)
                .map(|(w, ab)| {
                    let range = w[0]..w[1];
                    scope.spawn(move || e_step(by_person, range, grid, log_p, log_q, n_items, ab))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().map_err(|_| LearnError::Internal("an IRT worker thread panicked".into())))
                .collect::<Result<Vec<_>, _>>()
        })?
    };
    let mut iter = parts.into_iter();
    let Some(mut total) = iter.next() else {
        return Err(LearnError::Internal("IRT E-step produced no result".into()));
    };
    for part in iter {
        for (x, y) in total.n.iter_mut().zip(&part.n) {
            *x += y;
        }
        for (x, y) in total.r.iter_mut().zip(&part.r) {
            *x += y;
        }
        total.log_likelihood += part.log_likelihood;
    }
    Ok(total)
}

/// Gradient and Hessian of one item's expected log-likelihood plus priors, in (a, c). Nodes with
/// (almost) no expected responses are skipped: in sparse data most of an item's mass sits on a few.
fn item_derivatives(nodes: &[f64], n: &[f64], r: &[f64], a: f64, c: f64) -> ([f64; 2], [[f64; 2]; 2]) {
    let mut g = [0.0; 2];
    let mut h = [[0.0; 2]; 2];
    for ((&t, &nq), &rq) in nodes.iter().zip(n).zip(r) {
        if nq <= 1e-12 {
            continue;
        }
        let p = sigmoid(a * t + c);
        let resid = rq - nq * p;
        let w = nq * p * (1.0 - p);
        g[0] += resid * t;
        g[1] += resid;
        h[0][0] -= w * t * t;
        h[0][1] -= w * t;
        h[1][1] -= w;
    }
    g[0] -= (a - PRIOR_A_MEAN) / (PRIOR_A_SD * PRIOR_A_SD);
    g[1] -= c / (PRIOR_C_SD * PRIOR_C_SD);
    h[0][0] -= 1.0 / (PRIOR_A_SD * PRIOR_A_SD);
    h[1][1] -= 1.0 / (PRIOR_C_SD * PRIOR_C_SD);
    h[1][0] = h[0][1];
    (g, h)
}

/// Newton's method on (a, c) (or on c alone when `fix_a`). The objective is strictly concave
/// (logistic log-likelihood plus normal priors), so plain Newton steps, clamped in size, converge
/// from the warm start of the previous cycle in a few iterations. Returns (a, c) and the Hessian.
fn m_step_item(nodes: &[f64], n: &[f64], r: &[f64], a0: f64, c0: f64, fix_a: bool) -> (f64, f64, [[f64; 2]; 2]) {
    let (mut a, mut c) = (a0, c0);
    let (mut g, mut h) = item_derivatives(nodes, n, r, a, c);
    for _ in 0..8 {
        let (da, dc) = if fix_a {
            (0.0, -g[1] / h[1][1])
        } else {
            let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
            if det.abs() < 1e-300 {
                break;
            }
            (-(h[1][1] * g[0] - h[0][1] * g[1]) / det, -(-h[1][0] * g[0] + h[0][0] * g[1]) / det)
        };
        if !da.is_finite() || !dc.is_finite() {
            break;
        }
        let na = (a + da.clamp(-0.5, 0.5)).clamp(A_MIN, A_MAX);
        let nc = (c + dc.clamp(-2.0, 2.0)).clamp(-C_LIMIT, C_LIMIT);
        let small = (na - a).abs() < 1e-6 && (nc - c).abs() < 1e-6;
        (a, c) = (na, nc);
        (g, h) = item_derivatives(nodes, n, r, a, c);
        if small {
            break;
        }
    }
    (a, c, h)
}

/// Fits a 1PL or 2PL model to `data` (items are `data.items`, persons `data.students`).
pub fn fit(data: &Dataset, config: &IrtConfig) -> Result<IrtModel, LearnError> {
    fit_until(data, config, &|| false)
}

/// Fits IRT, stopping after the current cycle once `stop` returns true.
pub fn fit_until(data: &Dataset, config: &IrtConfig, stop: Stop) -> Result<IrtModel, LearnError> {
    config.validate()?;
    if data.rows.is_empty() {
        return Err(LearnError::bad("IRT: no responses to fit"));
    }
    let grid = Grid::new(config.points, config.range);
    let q = grid.nodes.len();
    let n_items = data.items.len();
    let by_person = ByPerson::new(data);
    // Start every item at a = 1 and the difficulty its share correct implies.
    let mut item_counts = vec![(0usize, 0usize); n_items];
    for r in &data.rows {
        let e = &mut item_counts[r.item as usize];
        e.0 += 1;
        e.1 += usize::from(r.correct);
    }
    let mut a = vec![1.0; n_items];
    let mut c: Vec<f64> = item_counts
        .iter()
        .map(|&(n, k)| {
            let share = (k as f64 + 0.5) / (n as f64 + 1.0);
            (share / (1.0 - share)).ln().clamp(-C_LIMIT, C_LIMIT)
        })
        .collect();
    let mut hessians = vec![[[0.0; 2]; 2]; n_items];
    let mut log_p = vec![0.0; n_items * q];
    let mut log_q = vec![0.0; n_items * q];
    let fill_tables = |a: &[f64], c: &[f64], log_p: &mut [f64], log_q: &mut [f64]| {
        for i in 0..n_items {
            for (k, &t) in grid.nodes.iter().enumerate() {
                let z = a[i] * t + c[i];
                log_p[i * q + k] = log_sigmoid(z);
                // ln(1 − σ(z)) = ln σ(z) − z.
                log_q[i * q + k] = log_p[i * q + k] - z;
            }
        }
    };
    let mut cycles = 0;
    let mut last_ll = f64::NEG_INFINITY;
    while cycles < config.max_cycles {
        cycles += 1;
        fill_tables(&a, &c, &mut log_p, &mut log_q);
        let expected = e_step_parallel(&by_person, &grid, &log_p, &log_q, n_items, config.threads, None)?;
        let mut change: f64 = 0.0;
        for i in 0..n_items {
            let (n, r) = (&expected.n[i * q..i * q + q], &expected.r[i * q..i * q + q]);
            let fix_a = config.kind == IrtKind::OnePl;
            let (na, nc, h) = m_step_item(&grid.nodes, n, r, a[i], c[i], fix_a);
            change = change.max((na - a[i]).abs()).max((nc - c[i]).abs());
            (a[i], c[i], hessians[i]) = (na, nc, h);
        }
        if config.kind == IrtKind::OnePl {
            let old = a[0];
            let new = m_step_common_a(&grid.nodes, &expected, &c, old, q);
            // Keep the difficulties b = −c/a where they were while the common slope changes.
            for ci in &mut c {
                *ci *= new / old;
            }
            a.iter_mut().for_each(|x| *x = new);
            change = change.max((new - old).abs());
        }
        let settled = (expected.log_likelihood - last_ll).abs() < config.ll_tolerance * expected.log_likelihood.abs();
        last_ll = expected.log_likelihood;
        if change < config.tolerance || settled || stop() {
            break;
        }
    }
    fill_tables(&a, &c, &mut log_p, &mut log_q);
    let mut abilities = Vec::new();
    let expected = e_step_parallel(&by_person, &grid, &log_p, &log_q, n_items, config.threads, Some(&mut abilities))?;
    let items: Vec<ItemFit> = (0..n_items)
        .map(|i| {
            let (se_a, se_b) = item_standard_errors(a[i], c[i], &hessians[i], config.kind);
            ItemFit {
                name: data.items[i].clone(),
                params: ItemParams { discrimination: a[i], difficulty: -c[i] / a[i] },
                se_discrimination: se_a,
                se_difficulty: se_b,
                responses: item_counts[i].0,
            }
        })
        .collect();
    let persons: Vec<PersonFit> = (0..by_person.persons())
        .map(|p| PersonFit {
            name: data.students[p].clone(),
            theta: abilities[p].0,
            se: abilities[p].1,
            responses: by_person.responses(p).len(),
        })
        .collect();
    let default_item = default_item(&items);
    Ok(IrtModel {
        kind: config.kind,
        items,
        persons,
        grid,
        default_item,
        cycles,
        log_likelihood: expected.log_likelihood,
    })
}

/// Newton's method for the slope shared by all items in 1PL, difficulties held.
fn m_step_common_a(nodes: &[f64], e: &Expected, c: &[f64], a: f64, q: usize) -> f64 {
    // With b_i = −c_i/a fixed, z = s·(θ − b_i); the derivative in s is Σ (r − n p)(θ − b_i).
    let derivatives = |s: f64| -> (f64, f64) {
        let (mut g, mut h) = (0.0, 0.0);
        for (i, &ci) in c.iter().enumerate() {
            let b = -ci / a;
            for (k, &t) in nodes.iter().enumerate() {
                let (n, r) = (e.n[i * q + k], e.r[i * q + k]);
                if n <= 1e-12 {
                    continue;
                }
                let x = t - b;
                let p = sigmoid(s * x);
                g += (r - n * p) * x;
                h -= n * p * (1.0 - p) * x * x;
            }
        }
        (g, h)
    };
    let mut s = a;
    for _ in 0..6 {
        let (g, h) = derivatives(s);
        if h >= 0.0 || !g.is_finite() {
            break;
        }
        let next = (s - (g / h).clamp(-0.5, 0.5)).clamp(A_MIN, A_MAX);
        let done = (next - s).abs() < 1e-7;
        s = next;
        if done {
            break;
        }
    }
    s
}

fn item_standard_errors(a: f64, c: f64, h: &[[f64; 2]; 2], kind: IrtKind) -> (f64, f64) {
    if kind == IrtKind::OnePl {
        // Only c is free per item: Var(b) = Var(c)/a².
        let var_c = if h[1][1] < 0.0 { -1.0 / h[1][1] } else { f64::INFINITY };
        return (0.0, finite_or(var_c.sqrt() / a, 99.0));
    }
    let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    if det <= 0.0 {
        return (99.0, 99.0);
    }
    // Covariance = (−H)⁻¹.
    let cov = [[-h[1][1] / det, h[0][1] / det], [h[1][0] / det, -h[0][0] / det]];
    let se_a = cov[0][0].max(0.0).sqrt();
    // b = −c/a: ∂b/∂a = c/a², ∂b/∂c = −1/a.
    let g = [c / (a * a), -1.0 / a];
    let var_b = g[0] * g[0] * cov[0][0] + 2.0 * g[0] * g[1] * cov[0][1] + g[1] * g[1] * cov[1][1];
    (finite_or(se_a, 99.0), finite_or(var_b.max(0.0).sqrt(), 99.0))
}

fn finite_or(x: f64, fallback: f64) -> f64 {
    if x.is_finite() { x } else { fallback }
}

fn default_item(items: &[ItemFit]) -> ItemParams {
    let mut b: Vec<f64> = items.iter().map(|i| i.params.difficulty).collect();
    b.sort_by(f64::total_cmp);
    let median = b.get(b.len() / 2).copied().unwrap_or(0.0);
    let mean_a = if items.is_empty() {
        1.0
    } else {
        items.iter().map(|i| i.params.discrimination).sum::<f64>() / items.len() as f64
    };
    ItemParams { discrimination: mean_a, difficulty: median }
}

impl IrtModel {
    /// A fresh ability posterior (the N(0, 1) prior).
    pub fn new_ability(&self) -> AbilityState {
        AbilityState { log_post: self.grid.log_prior.clone(), responses: 0 }
    }

    /// Item parameters by name.
    pub fn item(&self, name: &str) -> Option<ItemParams> {
        self.items.iter().find(|i| i.name == name).map(|i| i.params)
    }

    /// For each item name of a dataset, its parameters (`None` when unseen in training).
    pub fn align(&self, items: &[String]) -> Vec<Option<ItemParams>> {
        let by_name: HashMap<&str, ItemParams> = self.items.iter().map(|i| (i.name.as_str(), i.params)).collect();
        items.iter().map(|n| by_name.get(n.as_str()).copied()).collect()
    }

    /// Predicts every row of `data` from the same student's earlier rows: the ability posterior
    /// starts at the prior and absorbs each response after it is predicted. Items unseen in
    /// training are predicted with [`IrtModel::default_item`] and do not move the posterior.
    pub fn predict(&self, data: &Dataset) -> Vec<f64> {
        let params = self.align(&data.items);
        let mut states: HashMap<u32, AbilityState> = HashMap::new();
        data.rows
            .iter()
            .map(|r| {
                let state = states.entry(r.student).or_insert_with(|| self.new_ability());
                match params[r.item as usize] {
                    Some(item) => {
                        let p = state.p_correct(&self.grid, &item);
                        state.observe(&self.grid, &item, r.correct);
                        p
                    }
                    None => state.p_correct(&self.grid, &self.default_item),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatasetBuilder;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        // Box–Muller.
        let u1: f64 = rng.random::<f64>().max(1e-12);
        let u2: f64 = rng.random();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn corr(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
        sxy / (sxx * syy).sqrt()
    }

    fn simulate(persons: usize, items: usize, fill: f64, seed: u64) -> (Dataset, Vec<ItemParams>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let truth: Vec<ItemParams> = (0..items)
            .map(|_| ItemParams { discrimination: (0.3 * normal(&mut rng)).exp(), difficulty: normal(&mut rng) })
            .collect();
        let thetas: Vec<f64> = (0..persons).map(|_| normal(&mut rng)).collect();
        let mut b = DatasetBuilder::new();
        for (p, &t) in thetas.iter().enumerate() {
            for (i, item) in truth.iter().enumerate() {
                if rng.random::<f64>() < fill {
                    let correct = rng.random::<f64>() < item.p_correct(t);
                    b.push(&format!("p{p}"), "all", &format!("i{i}"), correct);
                }
            }
        }
        (b.build().unwrap(), truth, thetas)
    }

    #[test]
    fn two_pl_recovers_parameters() {
        let (data, truth, thetas) = simulate(2000, 30, 1.0, 11);
        let model = fit(&data, &IrtConfig { threads: 2, ..IrtConfig::default() }).unwrap();
        // Items are interned in first-seen order, which is i0..i29.
        let b_hat: Vec<f64> = model.items.iter().map(|i| i.params.difficulty).collect();
        let a_hat: Vec<f64> = model.items.iter().map(|i| i.params.discrimination).collect();
        let b: Vec<f64> = truth.iter().map(|i| i.difficulty).collect();
        let a: Vec<f64> = truth.iter().map(|i| i.discrimination).collect();
        assert!(corr(&b_hat, &b) > 0.98, "difficulty r = {}", corr(&b_hat, &b));
        assert!(corr(&a_hat, &a) > 0.85, "discrimination r = {}", corr(&a_hat, &a));
        let t_hat: Vec<f64> = model.persons.iter().map(|p| p.theta).collect();
        assert!(corr(&t_hat, &thetas) > 0.9);
        // With 30 items the posterior SD is well below the prior's 1 and above 0.
        let se = model.persons.iter().map(|p| p.se).sum::<f64>() / model.persons.len() as f64;
        assert!(se > 0.2 && se < 0.6, "mean se {se}");
        assert!(model.items.iter().all(|i| i.se_difficulty > 0.0 && i.se_difficulty < 0.5));
    }

    #[test]
    fn thread_count_does_not_change_the_fit_much() {
        let (data, _, _) = simulate(500, 20, 0.3, 5);
        let one = fit(&data, &IrtConfig::default()).unwrap();
        let two = fit(&data, &IrtConfig { threads: 2, ..IrtConfig::default() }).unwrap();
        // Summation order differs between thread splits, so allow rounding differences only.
        for (x, y) in one.items.iter().zip(&two.items) {
            assert!((x.params.difficulty - y.params.difficulty).abs() < 1e-6);
        }
    }

    #[test]
    fn one_pl_shares_discrimination_and_orders_difficulty() {
        let (data, truth, _) = simulate(1500, 15, 0.5, 3);
        let model = fit(&data, &IrtConfig { kind: IrtKind::OnePl, ..IrtConfig::default() }).unwrap();
        let a0 = model.items[0].params.discrimination;
        assert!(model.items.iter().all(|i| (i.params.discrimination - a0).abs() < 1e-12));
        let b_hat: Vec<f64> = model.items.iter().map(|i| i.params.difficulty).collect();
        // With a sparse fill, items are interned in first-seen order: look the truth up by name.
        let b: Vec<f64> = model.items.iter().map(|i| truth[i.name[1..].parse::<usize>().unwrap()].difficulty).collect();
        // The data come from items of unequal discrimination, so 1PL is slightly misspecified.
        assert!(corr(&b_hat, &b) > 0.95, "r = {} a = {a0} b = {b_hat:?} truth = {b:?}", corr(&b_hat, &b));
    }

    #[test]
    fn all_correct_items_stay_finite() {
        let mut b = DatasetBuilder::new();
        for p in 0..20 {
            b.push(&format!("p{p}"), "k", "easy", true);
            b.push(&format!("p{p}"), "k", "mixed", p % 2 == 0);
        }
        b.push("only", "k", "single", false);
        let data = b.build().unwrap();
        for kind in [IrtKind::OnePl, IrtKind::TwoPl] {
            let model = fit(&data, &IrtConfig { kind, ..IrtConfig::default() }).unwrap();
            for i in &model.items {
                assert!(i.params.difficulty.is_finite() && i.params.discrimination.is_finite());
                assert!(i.se_difficulty.is_finite());
            }
            assert!(model.persons.iter().all(|p| p.theta.is_finite() && p.se.is_finite()));
            assert!(model.predict(&data).iter().all(|p| p.is_finite() && *p > 0.0 && *p < 1.0));
        }
    }

    #[test]
    fn online_posterior_moves_the_right_way() {
        let model_grid = Grid::new(41, 6.0);
        let mut s = AbilityState { log_post: model_grid.log_prior.clone(), responses: 0 };
        let item = ItemParams { discrimination: 1.2, difficulty: 0.0 };
        let (t0, se0) = s.estimate(&model_grid);
        assert!(t0.abs() < 1e-9 && (se0 - 1.0).abs() < 0.01);
        s.observe(&model_grid, &item, true);
        let (t1, se1) = s.estimate(&model_grid);
        assert!(t1 > 0.0 && se1 < se0);
        s.observe(&model_grid, &item, false);
        s.observe(&model_grid, &item, false);
        assert!(s.estimate(&model_grid).0 < t1);
    }
}
