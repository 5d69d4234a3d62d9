//! The public solver: runs independent seeded searches on both cores, keeps the better result,
//! verifies it with the independent checker, and explains infeasible instances.

use serde::Serialize;

use crate::check::{Report, check};
use crate::compile::Compiled;
use crate::error::{Result, TimetableError};
use crate::model::{FULL_WEIGHT, Kind, Placement, Problem, Resource, Slot, Timetable};
use crate::search::{RunControl, RunResult, run};

/// How to search.
#[derive(Debug, Clone)]
pub struct SolveConfig {
    /// Seed of the first search; the second uses a seed derived from it.
    pub seed: u64,
    /// Independent searches run in parallel (1 or more; 2 uses both cores of a small server).
    pub threads: usize,
    /// Stop each search after this many moves (for reproducible tests; `None`: until stopped).
    pub max_iterations: Option<u64>,
    /// Lessons pinned by hand: (activity index, start slot).
    pub pinned: Vec<(u32, Slot)>,
}

impl Default for SolveConfig {
    fn default() -> Self {
        SolveConfig { seed: 1, threads: 2, max_iterations: None, pinned: Vec::new() }
    }
}

/// What the caller passes to steer a running search: no clock lives in this crate.
pub struct Control<'a> {
    /// Polled often; return true to stop and get the best timetable so far.
    pub stop: &'a (dyn Fn() -> bool + Sync),
    /// Called (from a search thread) with the soft penalty each time a search finds a timetable
    /// meeting every hard constraint that is better than its own previous best; the first call
    /// is the first feasible timetable. Several searches run at once, so the penalties reported
    /// need not decrease from one call to the next.
    pub on_best: &'a (dyn Fn(f64) + Sync),
}

impl std::fmt::Debug for Control<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Control")
    }
}

/// A finished search.
#[derive(Debug, Clone, Serialize)]
pub struct Solution {
    /// The best timetable found.
    pub timetable: Timetable,
    /// The independent checker's verdict on it.
    pub report: Report,
    /// Whether the solver's own bookkeeping agreed with the checker (it always should).
    pub bookkeeping_agrees: bool,
    /// Moves made, summed over the searches.
    pub iterations: u64,
}

impl Solution {
    /// Every hard constraint holds.
    pub fn hard_ok(&self) -> bool {
        self.report.hard_ok()
    }

    /// Soft penalty (1.0 per violation of a 100 % constraint).
    pub fn soft_penalty(&self) -> f64 {
        self.report.soft_penalty()
    }
}

fn pins(c: &Compiled, p: &Problem, pinned: &[(u32, Slot)]) -> Result<Vec<Option<usize>>> {
    let mut fixed = vec![None; c.n];
    for &(a, s) in pinned {
        let ai = a as usize;
        if ai >= c.n {
            return Err(TimetableError::Model(format!("pinned activity {a} does not exist")));
        }
        let k = c.domain[ai].iter().position(|&x| x == s).ok_or_else(|| {
            TimetableError::Model(format!(
                "{} cannot be pinned at {}: that time breaks one of its fixed requirements",
                p.activity_label(a),
                p.slot_name(s)
            ))
        })?;
        fixed[ai] = Some(k);
    }
    Ok(fixed)
}

/// The positions in `pinned` whose start the activity can never take (a fixed requirement such
/// as an unavailable teacher or a break forbids it), so a caller can drop them before solving.
pub fn invalid_pins(p: &Problem, pinned: &[(u32, Slot)]) -> Vec<usize> {
    if p.validate().is_err() {
        return (0..pinned.len()).collect();
    }
    let c = Compiled::new(p);
    pinned
        .iter()
        .enumerate()
        .filter(|&(_, &(a, s))| c.domain.get(a as usize).is_none_or(|d| !d.contains(&s)))
        .map(|(i, _)| i)
        .collect()
}

fn to_timetable(r: &RunResult) -> Timetable {
    Timetable {
        placements: r.start.iter().zip(&r.room).map(|(&s, &room)| Placement { start: Some(s), room }).collect(),
    }
}

/// Solves `p`: a timetable meeting every hard constraint if one is found before `control.stop`
/// says stop, with the soft penalty improved for the rest of the time.
pub fn solve(p: &Problem, cfg: &SolveConfig, control: &Control<'_>) -> Result<Solution> {
    p.validate()?;
    let c = Compiled::new(p);
    let fixed = pins(&c, p, &cfg.pinned)?;
    let threads = cfg.threads.max(1);
    let on_best = |units: i64| (control.on_best)(penalty_units_to_f64(units.max(0) as u64));
    let seeds: Vec<u64> =
        (0..threads as u64).map(|t| cfg.seed.wrapping_add(t.wrapping_mul(0x9E37_79B9_7F4A_7C15))).collect();
    let results: Vec<RunResult> = if threads == 1 {
        vec![run(
            &c,
            &RunControl {
                seed: seeds[0],
                max_iterations: cfg.max_iterations,
                stop: control.stop,
                on_best: &on_best,
                fixed: &fixed,
            },
        )]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = seeds
                .iter()
                .map(|&seed| {
                    let (c, fixed, on_best) = (&c, &fixed, &on_best);
                    let stop = control.stop;
                    let max_iterations = cfg.max_iterations;
                    scope.spawn(move || run(c, &RunControl { seed, max_iterations, stop, on_best, fixed }))
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        })
    };
    let iterations = results.iter().map(|r| r.iterations).sum();
    let best = results
        .into_iter()
        .enumerate()
        .min_by_key(|(i, r)| (r.hard, r.soft, *i))
        .map(|(_, r)| r)
        .ok_or_else(|| TimetableError::Internal("every search thread failed".into()))?;
    let timetable = to_timetable(&best);
    let report = check(p, &timetable);
    let bookkeeping_agrees = report.hard_violations == best.hard as u64 && report.soft_units == best.soft as u64;
    Ok(Solution { timetable, report, bookkeeping_agrees, iterations })
}

/// Why an instance has no timetable, in a timetabler's words.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Sentences naming the conflicting requirements (constraint labels and basic facts).
    pub reasons: Vec<String>,
    /// Indices of the conflicting hard constraints in [`Problem::constraints`].
    pub constraints: Vec<usize>,
    /// True when the set was proven by counting; false when it rests on searches that failed
    /// within their budget (the usual situation for timetabling).
    pub proven: bool,
    /// True when the deletion filter finished (no constraint in the set can be dropped).
    pub minimal: bool,
}

/// The requirements that always hold and take part in every conflict.
const BASIC_RULES: &str = "以及基本要求：同一教师、班级或教室不能同时上两节课，每节课排在一天之内 / together with the basic rules: no teacher, class or room in two places at once, every lesson within one day";

/// Budget of one feasibility test inside the deletion filter.
#[derive(Debug, Clone, Copy)]
pub struct ExplainConfig {
    /// Moves per test search.
    pub iterations_per_test: u64,
    /// Seed.
    pub seed: u64,
}

impl Default for ExplainConfig {
    fn default() -> Self {
        ExplainConfig { iterations_per_test: 20_000, seed: 1 }
    }
}

/// Finds a small set of hard constraints that cannot all hold together.
///
/// First cheap proofs (an activity with no allowed period, a teacher or class with more lessons
/// than free periods); then a deletion filter: drop constraints in halving chunks and keep a
/// drop whenever the rest still cannot be solved within the test budget. Returns `None` when the
/// instance turns out solvable. `stop` ends the filter early (the set is then not minimal).
pub fn explain_infeasible(
    p: &Problem,
    cfg: &ExplainConfig,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Explanation>> {
    p.validate()?;
    if let Some(e) = counting_proof(p) {
        return Ok(Some(e));
    }
    let hard: Vec<usize> = (0..p.constraints.len()).filter(|&i| p.constraints[i].hard).collect();
    let solvable = |keep: &[usize]| -> bool {
        let mut q = p.clone();
        q.constraints = keep.iter().map(|&i| p.constraints[i].clone()).collect();
        let c = Compiled::new(&q);
        let none = vec![None; c.n];
        let r = run(
            &c,
            &RunControl {
                seed: cfg.seed,
                max_iterations: Some(cfg.iterations_per_test),
                stop,
                on_best: &|_| {},
                fixed: &none,
            },
        );
        r.hard == 0
    };
    if solvable(&hard) {
        return Ok(None);
    }
    if !solvable(&[]) {
        return Ok(Some(Explanation {
            reasons: vec![
                "even without any extra constraint, the lessons of some teachers, classes or rooms do not fit into the week without overlapping".into(),
            ],
            constraints: Vec::new(),
            proven: false,
            minimal: true,
        }));
    }
    let mut keep = hard;
    let mut chunk = keep.len().div_ceil(2).max(1);
    let mut finished = false;
    loop {
        let mut i = 0;
        while i < keep.len() {
            if stop() {
                break;
            }
            let end = (i + chunk).min(keep.len());
            let trial: Vec<usize> = keep[..i].iter().chain(&keep[end..]).copied().collect();
            if solvable(&trial) {
                i = end;
            } else {
                keep = trial;
            }
        }
        if stop() {
            break;
        }
        if chunk == 1 {
            finished = true;
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    let mut reasons: Vec<String> = keep.iter().map(|&i| p.constraints[i].label.clone()).collect();
    reasons.push(BASIC_RULES.into());
    Ok(Some(Explanation { reasons, constraints: keep, proven: false, minimal: finished }))
}

/// Proofs by counting: an activity that no period allows, or a resource with more lesson periods than free periods.
fn counting_proof(p: &Problem) -> Option<Explanation> {
    let c = Compiled::new(p);
    // An activity every start of which breaks a fixed requirement: find which ones by removing
    // them one at a time from its own static constraints.
    for a in 0..c.n {
        if c.dom_hard[a].iter().all(|&x| x > 0) {
            let own: Vec<usize> =
                (0..p.constraints.len()).filter(|&i| p.constraints[i].hard && static_touches(p, i, a as u32)).collect();
            let mut keep = own.clone();
            for &i in &own {
                let trial: Vec<usize> = keep.iter().copied().filter(|&x| x != i).collect();
                let mut q = p.clone();
                q.constraints = trial.iter().map(|&x| p.constraints[x].clone()).collect();
                let cq = Compiled::new(&q);
                if cq.dom_hard[a].iter().all(|&x| x > 0) {
                    keep = trial;
                }
            }
            let mut reasons = vec![format!("{} has no period where it may take place:", p.activity_label(a as u32))];
            reasons.extend(keep.iter().map(|&i| p.constraints[i].label.clone()));
            return Some(Explanation { reasons, constraints: keep, proven: true, minimal: true });
        }
        if !c.rooms[a].is_empty() && c.room_hard[a].iter().all(|&x| x > 0) {
            let own: Vec<usize> = (0..p.constraints.len())
                .filter(|&i| {
                    p.constraints[i].hard
                        && matches!(&p.constraints[i].kind, Kind::PreferredRooms { activities, .. } if activities.contains(&(a as u32)))
                })
                .collect();
            let mut reasons = vec![format!(
                "{} has no room that is allowed and big enough ({} students):",
                p.activity_label(a as u32),
                p.activities[a].size
            )];
            reasons.extend(own.iter().map(|&i| p.constraints[i].label.clone()));
            return Some(Explanation { reasons, constraints: own, proven: true, minimal: false });
        }
    }
    // More lesson periods than usable periods.
    let h = c.h;
    for (r, acts) in c.res_acts.iter().enumerate() {
        let need: usize = acts.iter().map(|&a| usize::from(c.dur[a as usize])).sum();
        let usable: usize =
            (0..c.nd).map(|d| h - (c.unusable[r * c.nd + d] & (u64::MAX >> (64 - h))).count_ones() as usize).sum();
        if need > usable {
            let res = if r < c.nt { Resource::Teacher(r as u32) } else { Resource::Atom((r - c.nt) as u32) };
            let own: Vec<usize> = (0..p.constraints.len())
                .filter(|&i| {
                    p.constraints[i].hard
                        && match &p.constraints[i].kind {
                            Kind::Break { .. } => true,
                            Kind::NotAvailable { resource, .. } => *resource == res,
                            _ => false,
                        }
                })
                .collect();
            let who = match res {
                Resource::Teacher(_) => "teacher",
                _ => "students",
            };
            let mut reasons = vec![format!(
                "{who} {} has {need} lesson periods but only {usable} free periods in the week:",
                p.resource_name(res)
            )];
            reasons.extend(own.iter().map(|&i| p.constraints[i].label.clone()));
            return Some(Explanation { reasons, constraints: own, proven: true, minimal: false });
        }
    }
    None
}

/// Whether hard constraint `i` restricts activity `a` on its own (without looking at others).
fn static_touches(p: &Problem, i: usize, a: u32) -> bool {
    let act = &p.activities[a as usize];
    match &p.constraints[i].kind {
        Kind::Break { .. } => true,
        Kind::NotAvailable { resource, .. } => match *resource {
            Resource::Teacher(t) => act.teachers.contains(&t),
            Resource::Atom(x) => act.atoms.contains(&x),
            Resource::Room(_) => false,
        },
        Kind::PreferredStarts { activities, .. } | Kind::PreferredSlots { activities, .. } => activities.contains(&a),
        _ => false,
    }
}

/// Soft penalty units as a number where one violation of a 100 % constraint counts 1.0.
pub fn penalty_units_to_f64(units: u64) -> f64 {
    units as f64 / f64::from(FULL_WEIGHT)
}
