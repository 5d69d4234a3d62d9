//! Bayesian knowledge tracing: one two-state hidden Markov model per knowledge point, fitted by EM
//! (Baum–Welch) with seeded random restarts and bounded guess/slip, and one-step-ahead prediction.
//!
//! Choices, and why:
//! - **One model per knowledge point, every row evidence for its own knowledge point only.** A
//!   multi-skill response arrives as one row per knowledge point (see [`crate::data`]); each row
//!   updates that knowledge point's chain. This is what pyBKT does with such files, so figures are
//!   comparable; question-level evaluation deduplicates first.
//! - **Identical sequences are fitted once.** Many students produce the same short answer string
//!   for a knowledge point (`1`, `11`, `0`…); EM runs over distinct sequences with a weight,
//!   which gives the same estimates as running over every copy.
//! - **Restarts are screened.** Each random start runs a few EM iterations; only the start with the
//!   best likelihood is run to convergence. Starts that are behind after the screening iterations
//!   almost never overtake, and this keeps the cost of five restarts near the cost of one.
//! - **Bounds: "known" always means "more likely correct".** Slip stays at or below `max_slip`
//!   (0.49) and P(correct | known) exceeds P(correct | unknown) by at least `min_gap`, i.e.
//!   guess ≤ 1 − slip − `min_gap`; the M-step is the exact constrained maximum (see `m_step`).
//!   Guess itself is not held below 0.5 by default (`max_guess` can do that): in Statics 2011,
//!   where many steps are pick-from-a-list, the students who have not yet mastered a skill answer
//!   55–80 % right (pyBKT fits guess above 0.5 for 41 of its 98 skills, 73 % of the rows, among
//!   them the unnamed catch-all skill with 41 % of the rows). A fixed guess < 0.5 forces those
//!   skills into a worse two-state fit — however many restarts and iterations — and cost 0.008
//!   AUC there (0.6874 against 0.6951, pyBKT 0.6955); no other data set moved. The
//!   bound that matters for mastery — a correct answer never lowers P(known), no label swap, no
//!   pyBKT-style guess ≈ 1 with slip ≈ 0.4 — is the gap, and it holds everywhere. Every
//!   probability stays in `[1e-6, 1 - 1e-6]`, so degenerate data (all correct, one response)
//!   gives finite estimates.
//! - **Thin knowledge points fall back.** A knowledge point with fewer than `min_responses` rows, or
//!   one never seen in training, uses pooled parameters: the response-weighted mean of the fitted
//!   knowledge points (or, when none could be fitted, parameters fitted on all rows together).

use std::{
    collections::HashMap,
    sync::atomic::{AtomicUsize, Ordering},
};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{Dataset, LearnError, Stop};

const P_MIN: f64 = 1e-6;
const P_MAX: f64 = 1.0 - 1e-6;

/// The four (five with forgetting) parameters of one knowledge point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BktParams {
    /// P(known) before the first response.
    pub prior: f64,
    /// P(unknown → known) after each response.
    pub learn: f64,
    /// P(known → unknown) after each response; 0 unless forgetting is enabled.
    pub forget: f64,
    /// P(correct | unknown).
    pub guess: f64,
    /// P(wrong | known).
    pub slip: f64,
}

impl BktParams {
    /// Probability that the next response is correct, given P(known) now.
    pub fn p_correct(&self, mastery: f64) -> f64 {
        (mastery * (1.0 - self.slip) + (1.0 - mastery) * self.guess).clamp(P_MIN, P_MAX)
    }

    /// P(known) after observing one response and the learning opportunity that follows it.
    pub fn update(&self, mastery: f64, correct: bool) -> f64 {
        let (known, unknown) = if correct {
            (mastery * (1.0 - self.slip), (1.0 - mastery) * self.guess)
        } else {
            (mastery * self.slip, (1.0 - mastery) * (1.0 - self.guess))
        };
        let posterior = known / (known + unknown);
        let next = posterior * (1.0 - self.forget) + (1.0 - posterior) * self.learn;
        next.clamp(P_MIN, P_MAX)
    }

    fn clamp(mut self, config: &BktConfig) -> Self {
        self.prior = self.prior.clamp(P_MIN, P_MAX);
        self.learn = self.learn.clamp(P_MIN, P_MAX);
        self.forget = if config.forget { self.forget.clamp(P_MIN, P_MAX) } else { 0.0 };
        self.slip = self.slip.clamp(P_MIN, config.max_slip);
        self.guess = self.guess.clamp(P_MIN, config.max_guess.min(1.0 - config.min_gap - self.slip));
        self
    }
}

/// How BKT is fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BktConfig {
    /// Random starts per knowledge point (pyBKT's default is 5).
    pub restarts: usize,
    /// EM iterations every start runs before the best one is continued.
    pub screen_iterations: usize,
    /// Upper limit on EM iterations for the continued start.
    pub max_iterations: usize,
    /// Stop when the log-likelihood improves by less than this (absolute, as pyBKT's 1e-3).
    pub tolerance: f64,
    /// Fit a forgetting probability as well.
    pub forget: bool,
    /// Upper bound on the guess probability (below 1). By default only `min_gap` limits guess;
    /// 0.49 gives the textbook guess < 0.5, at a cost in fit where non-masters mostly answer right.
    pub max_guess: f64,
    /// Upper bound on the slip probability (below 0.5).
    pub max_slip: f64,
    /// Least P(correct | known) − P(correct | unknown): guess + slip ≤ 1 − `min_gap`, so that a
    /// correct answer always raises P(known). Models saved before it existed read as 0.05.
    #[serde(default = "default_min_gap")]
    pub min_gap: f64,
    /// Knowledge points with fewer rows use the pooled parameters.
    pub min_responses: usize,
    /// Seed for the random starts; the same seed gives the same model on every machine.
    pub seed: u64,
    /// Worker threads (knowledge points are fitted in parallel).
    pub threads: usize,
}

impl Default for BktConfig {
    fn default() -> Self {
        BktConfig {
            restarts: 5,
            screen_iterations: 5,
            max_iterations: 100,
            tolerance: 1e-3,
            forget: false,
            max_guess: P_MAX,
            max_slip: 0.49,
            min_gap: default_min_gap(),
            min_responses: 2,
            seed: 0,
            threads: 1,
        }
    }
}

fn default_min_gap() -> f64 {
    0.05
}

impl BktConfig {
    fn validate(&self) -> Result<(), LearnError> {
        if self.restarts == 0 || self.max_iterations == 0 || self.threads == 0 {
            return Err(LearnError::bad("BKT: restarts, max_iterations and threads must be at least 1"));
        }
        if !(self.max_guess > 0.0 && self.max_guess < 1.0 && self.max_slip > 0.0 && self.max_slip < 0.5) {
            return Err(LearnError::bad("BKT: max_guess must lie in (0, 1) and max_slip in (0, 0.5)"));
        }
        if !(self.min_gap >= 0.0 && self.min_gap <= 0.5) {
            return Err(LearnError::bad("BKT: min_gap must lie in [0, 0.5]"));
        }
        if self.tolerance.is_nan() || self.tolerance < 0.0 {
            return Err(LearnError::bad("BKT: tolerance must be a non-negative number"));
        }
        Ok(())
    }
}

/// The fitted parameters of one knowledge point and how they were obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillFit {
    pub name: String,
    pub params: BktParams,
    /// Training rows of this knowledge point.
    pub responses: usize,
    /// Final log-likelihood of its training rows (0 for a fallback).
    pub log_likelihood: f64,
    pub iterations: usize,
    /// True when the pooled parameters were used because the knowledge point had too few rows.
    pub fallback: bool,
}

/// A fitted BKT model: parameters per knowledge point plus pooled parameters for the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BktModel {
    pub skills: Vec<SkillFit>,
    /// Used for knowledge points unseen in training or too thin to fit: the response-weighted mean
    /// of the fitted knowledge points, or parameters fitted on all rows when none could be fitted.
    pub pooled: BktParams,
    pub config: BktConfig,
}

/// Distinct answer sequences of one knowledge point, with how many students produced each.
#[derive(Debug, Default)]
struct Sequences {
    obs: Vec<bool>,
    /// (start, len, weight) into `obs`.
    spans: Vec<(u32, u32, f64)>,
    rows: usize,
    max_len: usize,
}

impl Sequences {
    fn from_groups<'a>(groups: impl Iterator<Item = &'a [bool]>) -> Sequences {
        let mut index: HashMap<&[bool], usize> = HashMap::new();
        let mut counts: Vec<(&[bool], f64)> = Vec::new();
        for g in groups {
            if g.is_empty() {
                continue;
            }
            match index.get(g) {
                Some(&i) => counts[i].1 += 1.0,
                None => {
                    index.insert(g, counts.len());
                    counts.push((g, 1.0));
                }
            }
        }
        let mut s = Sequences::default();
        for (g, w) in counts {
            s.spans.push((s.obs.len() as u32, g.len() as u32, w));
            s.obs.extend_from_slice(g);
            s.rows += g.len() * w as usize;
            s.max_len = s.max_len.max(g.len());
        }
        s
    }
}

/// Expected counts gathered by one E-step.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    log_likelihood: f64,
    weight: f64,
    prior_known: f64,
    from_unknown: f64,
    unknown_to_known: f64,
    from_known: f64,
    known_to_unknown: f64,
    unknown: f64,
    unknown_correct: f64,
    known: f64,
    known_wrong: f64,
}

/// One forward–backward pass over every sequence (scaled, so long sequences do not underflow).
fn e_step(seqs: &Sequences, p: &BktParams, alpha: &mut Vec<[f64; 2]>, scale: &mut Vec<f64>) -> Counts {
    let mut c = Counts::default();
    let (t, f) = (p.learn, p.forget);
    let emit = |o: bool| if o { [p.guess, 1.0 - p.slip] } else { [1.0 - p.guess, p.slip] };
    let (e_wrong, e_right) = (emit(false), emit(true));
    alpha.resize(seqs.max_len, [0.0; 2]);
    scale.resize(seqs.max_len, 0.0);
    for &(start, len, w) in &seqs.spans {
        let o = &seqs.obs[start as usize..(start + len) as usize];
        let n = o.len();
        // Forward, unnormalised along the chain (no division on the critical path: each step only
        // waits for multiplications); the normalised message and its scale factor are side results.
        // `f` is rescaled by a power of two before it can underflow, which the log-likelihood undoes.
        let mut fw = [1.0 - p.prior, p.prior];
        let mut last_sum = 1.0;
        let mut shifts = 0i32;
        for k in 0..n {
            if k > 0 {
                fw = [fw[0] * (1.0 - t) + fw[1] * f, fw[0] * t + fw[1] * (1.0 - f)];
            }
            let e = if o[k] { e_right } else { e_wrong };
            fw = [fw[0] * e[0], fw[1] * e[1]];
            let mut sum = fw[0] + fw[1];
            let inv = 1.0 / sum;
            alpha[k] = [fw[0] * inv, fw[1] * inv];
            scale[k] = last_sum * inv;
            if sum < 1e-200 {
                fw = [fw[0] * 1e200, fw[1] * 1e200];
                sum *= 1e200;
                shifts += 1;
            }
            last_sum = sum;
        }
        let ll = last_sum.ln() - f64::from(shifts) * 200.0 * std::f64::consts::LN_10;
        c.log_likelihood += w * ll;
        c.weight += w;
        // Backward with scaled messages: alpha_k(i)·beta_k(i) already sums to 1 over i, so the
        // posteriors need no normalisation.
        let mut beta = [1.0, 1.0];
        let last = alpha[n - 1];
        accumulate_emission(&mut c, w, last, o[n - 1]);
        for k in (0..n - 1).rev() {
            let e = if o[k + 1] { e_right } else { e_wrong };
            let m = [e[0] * beta[0] * scale[k + 1], e[1] * beta[1] * scale[k + 1]];
            let a = alpha[k];
            let xi01 = a[0] * t * m[1];
            let xi10 = a[1] * f * m[0];
            beta = [(1.0 - t) * m[0] + t * m[1], f * m[0] + (1.0 - f) * m[1]];
            let g = [a[0] * beta[0], a[1] * beta[1]];
            c.from_unknown += w * g[0];
            c.unknown_to_known += w * xi01;
            c.from_known += w * g[1];
            c.known_to_unknown += w * xi10;
            accumulate_emission(&mut c, w, g, o[k]);
            if k == 0 {
                c.prior_known += w * g[1];
            }
        }
        if n == 1 {
            c.prior_known += w * last[1];
        }
    }
    c
}

fn accumulate_emission(c: &mut Counts, w: f64, g: [f64; 2], correct: bool) {
    c.unknown += w * g[0];
    c.known += w * g[1];
    if correct {
        c.unknown_correct += w * g[0];
    } else {
        c.known_wrong += w * g[1];
    }
}

/// Maximises the expected complete-data likelihood within the bounds; a parameter whose
/// denominator is empty (no transitions in single-response data, say) keeps its current value.
///
/// The expected log-likelihood is a sum of concave terms, one per parameter, so clamping each
/// ratio to its own interval is the exact constrained maximum — except where guess and slip meet
/// the gap (guess + slip ≤ 1 − `min_gap`). There the maximum lies on that line, and is found by
/// bisection on the derivative of the guess and slip terms along it (decreasing: concave).
fn m_step(c: &Counts, old: &BktParams, config: &BktConfig) -> BktParams {
    let ratio = |num: f64, den: f64, keep: f64| if den > 1e-12 { num / den } else { keep };
    let mut p = BktParams {
        prior: ratio(c.prior_known, c.weight, old.prior).clamp(P_MIN, P_MAX),
        learn: ratio(c.unknown_to_known, c.from_unknown, old.learn).clamp(P_MIN, P_MAX),
        forget: if config.forget {
            ratio(c.known_to_unknown, c.from_known, old.forget).clamp(P_MIN, P_MAX)
        } else {
            0.0
        },
        guess: ratio(c.unknown_correct, c.unknown, old.guess).clamp(P_MIN, config.max_guess),
        slip: ratio(c.known_wrong, c.known, old.slip).clamp(P_MIN, config.max_slip),
    };
    let total = 1.0 - config.min_gap;
    if p.guess + p.slip > total {
        // Maximise a·ln g + b·ln(1 − g) + d·ln s + e·ln(1 − s) with s = total − g.
        let (a, b) = (c.unknown_correct, c.unknown - c.unknown_correct);
        let (d, e) = (c.known_wrong, c.known - c.known_wrong);
        let slope = |g: f64| a / g - b / (1.0 - g) - d / (total - g) + e / (1.0 - total + g);
        let (mut lo, mut hi) = ((total - config.max_slip).max(P_MIN), config.max_guess.min(total - P_MIN));
        for _ in 0..50 {
            let mid = 0.5 * (lo + hi);
            if slope(mid) > 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        p.guess = 0.5 * (lo + hi);
        p.slip = total - p.guess;
    }
    p
}

fn random_start(rng: &mut ChaCha8Rng, config: &BktConfig) -> BktParams {
    // The same ranges as pyBKT's random_model_uni, so both explore the same starting region.
    BktParams {
        prior: rng.random::<f64>(),
        learn: rng.random::<f64>() * 0.4,
        forget: if config.forget { rng.random::<f64>() * 0.1 } else { 0.0 },
        guess: rng.random::<f64>() * 0.4,
        slip: rng.random::<f64>() * 0.3,
    }
    .clamp(config)
}

/// Runs EM from `start` for at most `iterations`; returns the parameters, log-likelihood and the
/// number of iterations run.
fn run_em(
    seqs: &Sequences,
    start: BktParams,
    iterations: usize,
    config: &BktConfig,
    stop: Stop,
    scratch: &mut (Vec<[f64; 2]>, Vec<f64>),
) -> (BktParams, f64, usize) {
    let mut p = start;
    let mut last_ll = f64::NEG_INFINITY;
    for i in 0..iterations {
        let c = e_step(seqs, &p, &mut scratch.0, &mut scratch.1);
        let converged = (c.log_likelihood - last_ll).abs() < config.tolerance;
        last_ll = c.log_likelihood;
        if converged || stop() {
            return (p, last_ll, i + 1);
        }
        p = m_step(&c, &p, config);
    }
    let c = e_step(seqs, &p, &mut scratch.0, &mut scratch.1);
    (p, c.log_likelihood, iterations)
}

fn fit_one(seqs: &Sequences, seed: u64, config: &BktConfig, stop: Stop) -> (BktParams, f64, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut scratch = (Vec::new(), Vec::new());
    let screen = config.screen_iterations.clamp(1, config.max_iterations);
    let mut best: Option<(BktParams, f64, usize)> = None;
    for _ in 0..config.restarts {
        let start = random_start(&mut rng, config);
        let iterations = if config.restarts == 1 { config.max_iterations } else { screen };
        let r = run_em(seqs, start, iterations, config, stop, &mut scratch);
        if best.is_none_or(|b| r.1 > b.1) {
            best = Some(r);
        }
    }
    let Some((p, ll, used)) = best else {
        return (random_start(&mut rng, config), 0.0, 0);
    };
    if config.restarts == 1 || used < screen {
        return (p, ll, used);
    }
    let (p, ll, more) = run_em(seqs, p, config.max_iterations.saturating_sub(used).max(1), config, stop, &mut scratch);
    (p, ll, used + more)
}

/// Fits BKT to every knowledge point of `data`.
pub fn fit(data: &Dataset, config: &BktConfig) -> Result<BktModel, LearnError> {
    fit_until(data, config, &|| false)
}

/// Fits BKT, stopping EM early (with the best parameters so far) once `stop` returns true. A
/// background refit passes its deadline here.
pub fn fit_until(data: &Dataset, config: &BktConfig, stop: Stop) -> Result<BktModel, LearnError> {
    config.validate()?;
    if data.rows.is_empty() {
        return Err(LearnError::bad("BKT: no responses to fit"));
    }
    // Order rows by (skill, student), keeping answer order, to cut out each student's sequence.
    let mut order: Vec<u32> = (0..data.rows.len() as u32).collect();
    order.sort_by_key(|&i| {
        let r = &data.rows[i as usize];
        (r.skill, r.student)
    });
    let obs: Vec<bool> = order.iter().map(|&i| data.rows[i as usize].correct).collect();
    let mut per_skill: Vec<Vec<&[bool]>> = vec![Vec::new(); data.skills.len()];
    let mut start = 0;
    while start < order.len() {
        let first = &data.rows[order[start] as usize];
        let mut end = start + 1;
        while end < order.len() {
            let r = &data.rows[order[end] as usize];
            if r.skill != first.skill || r.student != first.student {
                break;
            }
            end += 1;
        }
        per_skill[first.skill as usize].push(&obs[start..end]);
        start = end;
    }
    let mut jobs: Vec<Sequences> = per_skill.iter().map(|g| Sequences::from_groups(g.iter().copied())).collect();
    let mut queue: Vec<usize> = (0..jobs.len()).filter(|&s| jobs[s].rows >= config.min_responses).collect();
    // The pooled parameters are the response-weighted mean of the fitted knowledge points'. Only
    // when no knowledge point is thick enough to fit are they fitted by EM on every sequence of
    // every knowledge point together (a job as large as all others combined, so avoided).
    let pooled_job = jobs.len();
    if queue.is_empty() {
        jobs.push(Sequences::from_groups(per_skill.iter().flatten().copied()));
        queue.push(pooled_job);
    }
    // Largest jobs first, so the threads finish together.
    queue.sort_by_key(|&s| std::cmp::Reverse(jobs[s].rows));
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut out = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(&s) = queue.get(k) else { break };
            let seed = if s == pooled_job {
                config.seed ^ 0x9e37_79b9_7f4a_7c15
            } else {
                config.seed.wrapping_add((s as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d))
            };
            out.push((s, fit_one(&jobs[s], seed, config, stop)));
        }
        out
    };
    let results: Vec<(usize, (BktParams, f64, usize))> = if config.threads <= 1 {
        worker()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..config.threads).map(|_| scope.spawn(worker)).collect();
            let mut all = Vec::new();
            for h in handles {
                all.extend(h.join().map_err(|_| LearnError::Internal("a BKT worker thread panicked".into()))?);
            }
            Ok::<_, LearnError>(all)
        })?
    };
    // Summation order must not depend on which thread finished first.
    let mut results = results;
    results.sort_by_key(|r| r.0);
    let pooled = match results.iter().find(|r| r.0 == pooled_job) {
        Some(&(_, (p, _, _))) => p,
        None => weighted_mean(results.iter().map(|(s, (p, _, _))| (p, jobs[*s].rows as f64))).clamp(config),
    };
    let mut skills: Vec<SkillFit> = data
        .skills
        .iter()
        .enumerate()
        .map(|(s, name)| SkillFit {
            name: name.clone(),
            params: pooled,
            responses: jobs[s].rows,
            log_likelihood: 0.0,
            iterations: 0,
            fallback: true,
        })
        .collect();
    for (s, (params, ll, iterations)) in results.into_iter().filter(|r| r.0 != pooled_job) {
        let fit = &mut skills[s];
        fit.params = params;
        fit.log_likelihood = ll;
        fit.iterations = iterations;
        fit.fallback = false;
    }
    Ok(BktModel { skills, pooled, config: config.clone() })
}

/// Parameter-wise mean weighted by the number of responses.
fn weighted_mean<'a>(fits: impl Iterator<Item = (&'a BktParams, f64)>) -> BktParams {
    let mut sum = BktParams { prior: 0.0, learn: 0.0, forget: 0.0, guess: 0.0, slip: 0.0 };
    let mut total = 0.0;
    for (p, w) in fits {
        sum.prior += w * p.prior;
        sum.learn += w * p.learn;
        sum.forget += w * p.forget;
        sum.guess += w * p.guess;
        sum.slip += w * p.slip;
        total += w;
    }
    if total <= 0.0 {
        return BktParams { prior: 0.5, learn: 0.1, forget: 0.0, guess: 0.2, slip: 0.1 };
    }
    BktParams {
        prior: sum.prior / total,
        learn: sum.learn / total,
        forget: sum.forget / total,
        guess: sum.guess / total,
        slip: sum.slip / total,
    }
}

impl BktModel {
    /// Parameters by knowledge-point name (the pooled parameters when unknown).
    pub fn params(&self, skill: &str) -> BktParams {
        self.skills.iter().find(|s| s.name == skill).map_or(self.pooled, |s| s.params)
    }

    /// For each skill name of a dataset, the parameters to use.
    pub fn align(&self, skills: &[String]) -> Vec<BktParams> {
        let by_name: HashMap<&str, BktParams> = self.skills.iter().map(|s| (s.name.as_str(), s.params)).collect();
        skills.iter().map(|n| by_name.get(n.as_str()).copied().unwrap_or(self.pooled)).collect()
    }

    /// Predicts every row of `data` from the rows of the same student and knowledge point before
    /// it (one-step-ahead, as in knowledge-tracing evaluations). Students start from the prior.
    pub fn predict(&self, data: &Dataset) -> Vec<f64> {
        let params = self.align(&data.skills);
        let mut mastery: HashMap<(u32, u32), f64> = HashMap::new();
        data.rows
            .iter()
            .map(|r| {
                let p = &params[r.skill as usize];
                let m = mastery.entry((r.student, r.skill)).or_insert(p.prior);
                let prediction = p.p_correct(*m);
                *m = p.update(*m, r.correct);
                prediction
            })
            .collect()
    }

    /// P(known) of every (student, knowledge point) after all rows of `data`.
    pub fn mastery(&self, data: &Dataset) -> HashMap<(u32, u32), f64> {
        let params = self.align(&data.skills);
        let mut mastery: HashMap<(u32, u32), f64> = HashMap::new();
        for r in &data.rows {
            let p = &params[r.skill as usize];
            let m = mastery.entry((r.student, r.skill)).or_insert(p.prior);
            *m = p.update(*m, r.correct);
        }
        mastery
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatasetBuilder;

    /// Students answering one skill under known BKT parameters.
    fn simulate(p: BktParams, students: usize, steps: usize, seed: u64) -> Dataset {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut b = DatasetBuilder::new();
        for s in 0..students {
            let mut known = rng.random::<f64>() < p.prior;
            for _ in 0..steps {
                let correct = if known { rng.random::<f64>() >= p.slip } else { rng.random::<f64>() < p.guess };
                b.push(&format!("s{s}"), "k", "k", correct);
                if !known && rng.random::<f64>() < p.learn {
                    known = true;
                }
            }
        }
        b.build().unwrap()
    }

    #[test]
    fn update_matches_bayes_rule_by_hand() {
        let p = BktParams { prior: 0.3, learn: 0.2, forget: 0.0, guess: 0.25, slip: 0.1 };
        // Correct: 0.3*0.9 / (0.3*0.9 + 0.7*0.25) = 0.27/0.445; then + (1 - that) * 0.2.
        let post = 0.27 / 0.445;
        assert!((p.update(0.3, true) - (post + (1.0 - post) * 0.2)).abs() < 1e-12);
        assert!((p.p_correct(0.3) - (0.3 * 0.9 + 0.7 * 0.25)).abs() < 1e-12);
    }

    #[test]
    fn em_recovers_generating_parameters() {
        let truth = BktParams { prior: 0.2, learn: 0.15, forget: 0.0, guess: 0.2, slip: 0.1 };
        let data = simulate(truth, 2000, 12, 7);
        let model = fit(&data, &BktConfig { threads: 2, ..BktConfig::default() }).unwrap();
        let got = model.skills[0].params;
        assert!((got.prior - truth.prior).abs() < 0.05, "{got:?}");
        assert!((got.learn - truth.learn).abs() < 0.04, "{got:?}");
        assert!((got.guess - truth.guess).abs() < 0.04, "{got:?}");
        assert!((got.slip - truth.slip).abs() < 0.03, "{got:?}");
    }

    #[test]
    fn guess_above_half_is_fitted_when_non_masters_mostly_answer_right() {
        // Pick-from-a-list steps, as in Statics: students who have not mastered the skill still
        // answer 65 % right. A fixed guess < 0.5 cannot describe them; the gap bound can.
        let truth = BktParams { prior: 0.3, learn: 0.05, forget: 0.0, guess: 0.65, slip: 0.1 };
        let data = simulate(truth, 3000, 15, 11);
        let free = fit(&data, &BktConfig { threads: 2, ..BktConfig::default() }).unwrap();
        let got = free.skills[0].params;
        assert!((got.guess - truth.guess).abs() < 0.04, "{got:?}");
        assert!((got.slip - truth.slip).abs() < 0.03, "{got:?}");
        let capped = fit(&data, &BktConfig { max_guess: 0.49, threads: 2, ..BktConfig::default() }).unwrap();
        assert!(capped.skills[0].params.guess <= 0.49);
        assert!(free.skills[0].log_likelihood > capped.skills[0].log_likelihood + 10.0);
    }

    #[test]
    fn log_likelihood_matches_log_space_forward_even_past_underflow() {
        // 4000 answers: the probability of the sequence is far below f64's range, so the scaled
        // forward pass must rescale; a forward pass in log space is the reference.
        let p = BktParams { prior: 0.3, learn: 0.02, forget: 0.01, guess: 0.3, slip: 0.2 };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let obs: Vec<bool> = (0..4000).map(|_| rng.random::<f64>() < 0.6).collect();
        let short = [true, false, true];
        for o in [&obs[..], &short[..]] {
            let seqs = Sequences::from_groups([o].into_iter());
            let got = e_step(&seqs, &p, &mut Vec::new(), &mut Vec::new()).log_likelihood;
            let emit = |known: usize, correct: bool| match (known, correct) {
                (0, true) => p.guess,
                (0, false) => 1.0 - p.guess,
                (_, true) => 1.0 - p.slip,
                (_, false) => p.slip,
            };
            let trans = [[1.0 - p.learn, p.learn], [p.forget, 1.0 - p.forget]];
            let lse = |a: f64, b: f64| a.max(b) + (-(a - b).abs()).exp().ln_1p();
            let mut la = [(1.0 - p.prior).ln() + emit(0, o[0]).ln(), p.prior.ln() + emit(1, o[0]).ln()];
            for &x in &o[1..] {
                la = [0, 1].map(|j| lse(la[0] + trans[0][j].ln(), la[1] + trans[1][j].ln()) + emit(j, x).ln());
            }
            let want = lse(la[0], la[1]);
            assert!((got - want).abs() < 1e-9 * want.abs().max(1.0), "{got} vs {want}");
        }
    }

    #[test]
    fn m_step_is_the_constrained_maximum_on_the_gap() {
        // Expected counts whose free maximum (guess 0.9, slip 0.3) breaks guess + slip <= 0.95.
        let c = Counts {
            weight: 10.0,
            prior_known: 5.0,
            from_unknown: 10.0,
            unknown_to_known: 1.0,
            unknown: 100.0,
            unknown_correct: 90.0,
            known: 50.0,
            known_wrong: 15.0,
            ..Counts::default()
        };
        let config = BktConfig::default();
        let old = BktParams { prior: 0.5, learn: 0.1, forget: 0.0, guess: 0.2, slip: 0.1 };
        let p = m_step(&c, &old, &config);
        assert!((p.guess + p.slip - 0.95).abs() < 1e-9 && p.slip <= 0.49, "{p:?}");
        let q = |g: f64, s: f64| 90.0 * g.ln() + 10.0 * (1.0 - g).ln() + 15.0 * s.ln() + 35.0 * (1.0 - s).ln();
        let best = q(p.guess, p.slip);
        for i in 1..1000 {
            for j in 1..490 {
                let (g, s) = (i as f64 / 1000.0, j as f64 / 1000.0);
                if g + s <= 0.95 {
                    assert!(q(g, s) <= best + 1e-9, "({g}, {s}) beats {p:?}");
                }
            }
        }
    }

    #[test]
    fn fit_is_deterministic_across_thread_counts() {
        let mut b = DatasetBuilder::new();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for s in 0..200 {
            for k in 0..6 {
                for _ in 0..5 {
                    b.push(&format!("s{s}"), &format!("k{k}"), "i", rng.random::<f64>() < 0.6 + 0.05 * k as f64);
                }
            }
        }
        let data = b.build().unwrap();
        let one = fit(&data, &BktConfig { threads: 1, ..BktConfig::default() }).unwrap();
        let two = fit(&data, &BktConfig { threads: 2, ..BktConfig::default() }).unwrap();
        assert_eq!(one.skills, two.skills);
        assert_eq!(one.pooled, two.pooled);
    }

    #[test]
    fn degenerate_data_gives_finite_bounded_parameters() {
        let mut b = DatasetBuilder::new();
        for s in 0..5 {
            for _ in 0..4 {
                b.push(&format!("s{s}"), "all-correct", "i", true);
            }
        }
        b.push("lonely", "single", "i", false);
        let data = b.build().unwrap();
        let model = fit(&data, &BktConfig::default()).unwrap();
        for s in &model.skills {
            let p = s.params;
            for v in [p.prior, p.learn, p.forget, p.guess, p.slip] {
                assert!(v.is_finite() && (0.0..=1.0).contains(&v), "{s:?}");
            }
            assert!(p.slip <= 0.49 && p.guess + p.slip <= 0.95 + 1e-12, "known must mean more likely correct: {p:?}");
        }
        let single = model.skills.iter().find(|s| s.name == "single").unwrap();
        assert!(single.fallback, "a skill with one response uses the pooled parameters");
        assert!(model.predict(&data).iter().all(|p| p.is_finite()));
    }

    #[test]
    fn prediction_uses_only_earlier_rows() {
        let p = BktParams { prior: 0.4, learn: 0.1, forget: 0.0, guess: 0.2, slip: 0.1 };
        let model = BktModel {
            skills: vec![SkillFit {
                name: "k".into(),
                params: p,
                responses: 0,
                log_likelihood: 0.0,
                iterations: 0,
                fallback: false,
            }],
            pooled: p,
            config: BktConfig::default(),
        };
        let mut b = DatasetBuilder::new();
        b.push("a", "k", "i", true);
        b.push("a", "k", "i", false);
        b.push("b", "unknown-skill", "i", true);
        let preds = model.predict(&b.build().unwrap());
        assert!((preds[0] - p.p_correct(0.4)).abs() < 1e-12);
        assert!((preds[1] - p.p_correct(p.update(0.4, true))).abs() < 1e-12);
        assert!((preds[2] - p.p_correct(0.4)).abs() < 1e-12, "unknown skills use the pooled parameters");
    }

    #[test]
    fn bad_config_is_refused() {
        let data = simulate(BktParams { prior: 0.5, learn: 0.1, forget: 0.0, guess: 0.2, slip: 0.1 }, 3, 3, 1);
        for bad in [
            BktConfig { max_slip: 0.6, ..BktConfig::default() },
            BktConfig { max_guess: 1.0, ..BktConfig::default() },
            BktConfig { min_gap: -0.1, ..BktConfig::default() },
        ] {
            assert!(matches!(fit(&data, &bad).unwrap_err(), LearnError::BadInput(_)), "{bad:?}");
        }
    }
}
