//! School timetables in the platform: loading a school's stored instance and timetable, deriving
//! the instance from the roster, and the solve jobs (one at a time, in the order asked, on the
//! blocking pool; each ends at its time limit, when its soft penalty settles, or when stopped)
//! whose status the page polls. The school's timetabling conditions (排课条件)
//! are applied every time the instance is derived.
//!
//! The rules live in `timetable` (the model, the solver, the independent checker, the platform's
//! instance and move check); this module only reads and writes the store and owns the clock.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{Datelike, Utc};
use serde::Serialize;
use store::{PlacementsWrite, Store, StoredTimetable, TimetableFigures, TimetableSource};
use timetable::{
    Control, ExplainConfig, Timetable, explain_infeasible,
    platform::{Instance, SchoolPlan, StoredPlacement, Term, plan_from_roster, settings::Settings, term_of},
    solve,
};

use crate::{App, WebError};

/// The longest solve a form may ask for, in seconds.
pub(crate) const MAX_SECONDS: u32 = 300;
/// The time limit when the form gives none.
pub(crate) const DEFAULT_SECONDS: u32 = 10;

/// The term timetables are made for now (China time).
pub(crate) fn current_term() -> Term {
    let now = Utc::now().with_timezone(&domain::homework::CHINA_TIME);
    term_of(now.year(), now.month())
}

/// A school's stored timetable with its instance built and its placements read.
pub(crate) struct Loaded {
    pub stored: StoredTimetable,
    pub instance: Instance,
    pub tt: Timetable,
    pub pinned: Vec<bool>,
}

impl Loaded {
    /// The index of the activity with this key.
    pub fn activity(&self, key: &str) -> Option<usize> {
        self.instance.keys.iter().position(|k| k == key)
    }
}

/// Builds the instance of a stored timetable.
pub(crate) fn instance_of(stored: &StoredTimetable, school_name: &str) -> Result<Instance, WebError> {
    let built = match stored.source {
        TimetableSource::Roster => {
            let plan: SchoolPlan = serde_json::from_str(&stored.input)
                .map_err(|e| WebError::Internal(format!("stored timetable instance: {e}")))?;
            Instance::from_plan(&plan)
        }
        // Unsupported soft constraints were accepted (or absent) when the file was imported.
        TimetableSource::Fet => Instance::from_fet(&stored.school_id, school_name, &stored.input, true),
    };
    built.map_err(|e| WebError::Internal(format!("stored timetable instance: {e}")))
}

fn placements_of(stored: &StoredTimetable) -> Result<Vec<StoredPlacement>, WebError> {
    match &stored.placements {
        None => Ok(Vec::new()),
        Some(json) => {
            serde_json::from_str(json).map_err(|e| WebError::Internal(format!("stored timetable placements: {e}")))
        }
    }
}

/// A school's name (the FET instance and the pages need it).
pub(crate) async fn school_name(store: &dyn Store, school_id: &str) -> Result<String, WebError> {
    store.school_detail(school_id).await?.map(|d| d.summary.school.name).ok_or(WebError::NotFound)
}

/// Reads and builds a school's timetable for a term (`None` when it has no instance yet).
pub(crate) async fn load(
    store: &dyn Store,
    school_id: &str,
    school_name: &str,
    term: &str,
) -> Result<Option<Loaded>, WebError> {
    let Some(stored) = store.timetable(school_id, term).await? else { return Ok(None) };
    let instance = instance_of(&stored, school_name)?;
    let (tt, pinned) = instance.from_stored(&placements_of(&stored)?);
    Ok(Some(Loaded { stored, instance, tt, pinned }))
}

/// A school's timetabling conditions and their version (0: none saved yet).
pub(crate) async fn settings(store: &dyn Store, school_id: &str) -> Result<(Settings, i64), WebError> {
    match store.timetable_settings(school_id).await? {
        None => Ok((Settings::default(), 0)),
        Some(s) => Ok((
            serde_json::from_str(&s.settings)
                .map_err(|e| WebError::Internal(format!("stored timetable settings: {e}")))?,
            s.version,
        )),
    }
}

/// Derives the school's instance from the roster with its conditions applied and stores it,
/// keeping placements whose keys still exist. Returns the new version. Conditions that cannot hold
/// are refused with every reason before anything is stored.
pub(crate) async fn derive(store: &dyn Store, school_id: &str, term: &str, by: &str) -> Result<i64, WebError> {
    let roster = store.load_roster().await?;
    let plan = plan_from_roster(&roster, school_id).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let (conditions, _) = settings(store, school_id).await?;
    let plan = conditions.apply(&plan).map_err(|errors| WebError::BadRequest(errors.join("；")))?;
    // The instance must compile before it is stored.
    Instance::from_plan(&plan).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let json = serde_json::to_string(&plan).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(store.save_timetable_input(school_id, term, TimetableSource::Roster, &json, true, by, Utc::now()).await?)
}

/// After the instance changed under stored placements: the checker's figures for them against
/// the new instance (the last solve's time and moves stay). Returns whether every hard
/// constraint still holds (`None` when nothing is placed or someone wrote in between).
pub(crate) async fn recheck(
    store: &dyn Store,
    school_id: &str,
    term: &str,
    by: &str,
) -> Result<Option<bool>, WebError> {
    let name = school_name(store, school_id).await?;
    let Some(loaded) = load(store, school_id, &name, term).await? else { return Ok(None) };
    if loaded.stored.placements.is_none() {
        return Ok(None);
    }
    let (seconds, iterations) =
        loaded.stored.figures.as_ref().map_or((0.0, 0), |f| (f.seconds, f.iterations.max(0) as u64));
    let figures = figures(&loaded.instance, &loaded.tt, seconds, iterations);
    let saved = save(store, &loaded, &loaded.tt, &loaded.pinned, &figures, by).await?;
    Ok(saved.map(|_| figures.hard_ok))
}

/// Placements by activity key: (day, period).
type Placed = HashMap<String, (u16, u16)>;

/// The other schools' sides of this instance's shared lessons, where those schools stored them.
pub(crate) async fn partner_pins(
    store: &dyn Store,
    instance: &Instance,
    term: &str,
) -> Result<HashMap<String, (u16, u16)>, WebError> {
    let mut fixed = HashMap::new();
    // Each partner school's stored placements by key (`None`: it has no timetable yet).
    let mut partners: HashMap<usize, Option<Placed>> = HashMap::new();
    for (i, mark) in instance.shared.iter().enumerate() {
        let school = instance.school_of[i];
        if mark.is_none() || school == 0 {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(entry) = partners.entry(school) {
            let week = &instance.schools[school];
            let placed = match store.timetable(&week.id, term).await? {
                Some(stored) => Some(placements_of(&stored)?.into_iter().map(|p| (p.key, (p.day, p.period))).collect()),
                None => None,
            };
            entry.insert(placed);
        }
        if let Some(Some(placed)) = partners.get(&school)
            && let Some(&at) = placed.get(&instance.keys[i])
        {
            fixed.insert(instance.keys[i].clone(), at);
        }
    }
    Ok(fixed)
}

/// Figures of a timetable by the independent checker.
pub(crate) fn figures(instance: &Instance, tt: &Timetable, seconds: f64, iterations: u64) -> TimetableFigures {
    let report = timetable::check(&instance.problem, tt);
    TimetableFigures {
        hard_ok: report.hard_ok(),
        hard_violations: report.hard_violations as i64,
        soft_penalty: report.soft_penalty(),
        seconds,
        iterations: iterations as i64,
    }
}

/// Writes placements guarded by the version read; `None` when someone else wrote in between.
pub(crate) async fn save(
    store: &dyn Store,
    loaded: &Loaded,
    tt: &Timetable,
    pinned: &[bool],
    figures: &TimetableFigures,
    by: &str,
) -> Result<Option<i64>, WebError> {
    let json = placements_json(loaded, tt, pinned)?;
    let write = placements_write(loaded, &json, figures);
    Ok(store.save_timetable_placements(&[write], by, Utc::now()).await?.and_then(|v| v.first().copied()))
}

/// A timetable's placements as the store keeps them.
pub(crate) fn placements_json(loaded: &Loaded, tt: &Timetable, pinned: &[bool]) -> Result<String, WebError> {
    serde_json::to_string(&loaded.instance.to_stored(tt, pinned)).map_err(|e| WebError::Internal(e.to_string()))
}

/// The store write of `json` over `loaded`, guarded by the version it was read at.
pub(crate) fn placements_write<'a>(
    loaded: &'a Loaded,
    json: &'a str,
    figures: &'a TimetableFigures,
) -> PlacementsWrite<'a> {
    PlacementsWrite {
        school_id: &loaded.stored.school_id,
        term: &loaded.stored.term,
        expected_version: loaded.stored.version,
        placements: json,
        figures,
    }
}

/// Why a solve ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Ended {
    /// The time limit was reached.
    Limit,
    /// A feasible timetable's soft penalty stopped falling (or reached zero) before the limit.
    Settled,
    /// The 教务 stopped it; the best timetable so far was kept.
    Stopped,
}

/// Where a school's solve job stands, as the page polls it.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct JobStatus {
    /// Waiting for the solves asked for earlier to finish.
    pub queued: bool,
    /// Solves that will run before this one (while queued).
    pub ahead: usize,
    /// The solve is running.
    pub running: bool,
    /// A stop was asked for; the solve ends with the best timetable so far.
    pub stopping: bool,
    /// A finished solve's result is available.
    pub finished: bool,
    /// Share of the time limit used, 0–100.
    pub percent: u32,
    /// Seconds since the start.
    pub seconds: f64,
    /// The time limit in seconds.
    pub limit: f64,
    /// A timetable meeting every hard constraint has been found.
    pub feasible: bool,
    /// The best soft penalty found so far (while running) or the result's.
    pub soft_penalty: Option<f64>,
    /// The result: every hard constraint holds.
    pub hard_ok: Option<bool>,
    /// Why the solve ended.
    pub ended: Option<Ended>,
    /// The timetable was stored.
    pub saved: bool,
    /// The solve was taken off the queue before it started.
    pub cancelled: bool,
    /// Why there is no timetable (the minimal conflicting set, in a 教务's words).
    pub reasons: Vec<String>,
    /// Things the 教务 should know (pins that had to be dropped).
    pub notes: Vec<String>,
    /// A failure other than an infeasible instance.
    pub error: Option<String>,
}

/// How long a feasible timetable's soft penalty may stay unimproved before the solve ends early:
/// a fifth of the limit, at least two seconds. The 教务 sets the limit for the hard part; waiting
/// the full limit for improvements that stopped coming only makes them wait.
pub(crate) fn settle_after(limit: Duration) -> Duration {
    (limit / 5).max(Duration::from_secs(2))
}

/// What a running solve shares with the page and its stop rule.
#[derive(Debug, Default)]
struct Progress {
    stop_asked: AtomicBool,
    /// The best feasible soft penalty so far and when (since the start) it was found.
    best: Mutex<Option<(f64, Duration)>>,
}

impl Progress {
    fn offer(&self, soft: f64, at: Duration) {
        let mut best = self.best.lock().unwrap_or_else(|e| e.into_inner());
        if best.is_none_or(|(b, _)| soft < b) {
            *best = Some((soft, at));
        }
    }

    fn best(&self) -> Option<(f64, Duration)> {
        *self.best.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether to end the solve `now` (since its start), and why.
    fn ending(&self, now: Duration, limit: Duration) -> Option<Ended> {
        if self.stop_asked.load(Ordering::Relaxed) {
            return Some(Ended::Stopped);
        }
        if now >= limit {
            return Some(Ended::Limit);
        }
        match self.best() {
            Some((soft, at)) if soft <= 0.0 || now.saturating_sub(at) >= settle_after(limit) => Some(Ended::Settled),
            _ => None,
        }
    }
}

struct Job {
    started: Option<Instant>,
    status: JobStatus,
    progress: Arc<Progress>,
    term: String,
    seconds: u32,
    by: String,
}

#[derive(Default)]
struct Jobs {
    by_school: HashMap<String, Job>,
    /// Schools waiting, in the order they asked.
    line: VecDeque<String>,
    /// A worker is taking jobs off the line.
    working: bool,
}

/// The server's solve jobs: one school's solve runs at a time (it uses both cores of a small
/// server); the others wait in line in the order they were asked for.
#[derive(Default)]
pub(crate) struct Timetables {
    jobs: Mutex<Jobs>,
}

impl Timetables {
    fn lock(&self) -> std::sync::MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `school_id`'s job as its page sees it.
    pub fn status(&self, school_id: &str) -> JobStatus {
        let jobs = self.lock();
        let Some(job) = jobs.by_school.get(school_id) else { return JobStatus::default() };
        let mut status = job.status.clone();
        if status.queued {
            let waiting = jobs.line.iter().position(|s| s == school_id).unwrap_or_default();
            let running = jobs.by_school.values().filter(|j| j.status.running).count();
            status.ahead = waiting + running;
        }
        if status.running
            && let Some(started) = job.started
        {
            status.seconds = started.elapsed().as_secs_f64();
            status.percent = ((status.seconds / status.limit.max(0.001)) * 100.0).clamp(0.0, 99.0) as u32;
            let best = job.progress.best();
            status.feasible = best.is_some();
            status.soft_penalty = best.map(|(soft, _)| soft);
            status.stopping = job.progress.stop_asked.load(Ordering::Relaxed);
        }
        status
    }

    /// Puts `school_id`'s solve in line; false when it is already waiting or running.
    pub fn start(app: Arc<App>, school_id: String, term: String, seconds: u32, by: String) -> bool {
        let spawn_worker = {
            let mut jobs = app.timetables.lock();
            if jobs.by_school.get(&school_id).is_some_and(|j| j.status.queued || j.status.running) {
                return false;
            }
            let status = JobStatus { queued: true, limit: f64::from(seconds), ..JobStatus::default() };
            let job = Job { started: None, status, progress: Arc::default(), term, seconds, by };
            jobs.by_school.insert(school_id.clone(), job);
            jobs.line.push_back(school_id);
            !std::mem::replace(&mut jobs.working, true)
        };
        if spawn_worker {
            tokio::spawn(work_through_line(app));
        }
        true
    }

    /// Stops `school_id`'s solve: a waiting one leaves the line, a running one ends with the best
    /// timetable found so far. False when there is nothing to stop.
    pub fn stop(&self, school_id: &str) -> bool {
        let mut jobs = self.lock();
        let Jobs { by_school, line, .. } = &mut *jobs;
        let Some(job) = by_school.get_mut(school_id) else { return false };
        if job.status.queued {
            line.retain(|s| s != school_id);
            job.status = JobStatus { finished: true, cancelled: true, limit: job.status.limit, ..JobStatus::default() };
            true
        } else if job.status.running {
            job.progress.stop_asked.store(true, Ordering::Relaxed);
            true
        } else {
            false
        }
    }
}

/// Runs the waiting solves one after another until the line is empty.
async fn work_through_line(app: Arc<App>) {
    loop {
        let next = {
            let mut jobs = app.timetables.lock();
            let Some(school_id) = jobs.line.pop_front() else {
                jobs.working = false;
                return;
            };
            // A school leaves the line only with its job (`stop`), so the job is there.
            let Some(job) = jobs.by_school.get_mut(&school_id) else { continue };
            job.started = Some(Instant::now());
            job.status.queued = false;
            job.status.running = true;
            (school_id, job.term.clone(), job.seconds, job.by.clone(), job.progress.clone())
        };
        let (school_id, term, seconds, by, progress) = next;
        let result = run(&app, &school_id, &term, seconds, &by, progress).await;
        let mut jobs = app.timetables.lock();
        let Some(job) = jobs.by_school.get_mut(&school_id) else { continue };
        let elapsed = job.started.map(|s| s.elapsed().as_secs_f64()).unwrap_or_default();
        job.status = match result {
            Ok(status) => status,
            Err(e) => {
                tracing::error!(error = %e, school = %school_id, "timetable solve failed");
                JobStatus { error: Some(e.to_string()), ..JobStatus::default() }
            }
        };
        job.status.finished = true;
        job.status.percent = 100;
        job.status.seconds = elapsed;
        job.status.limit = f64::from(seconds);
    }
}

/// One solve: load, pin the partners' sides of shared lessons, search until the time limit, store
/// a timetable that meets every hard constraint, or explain why there is none.
async fn run(
    app: &App,
    school_id: &str,
    term: &str,
    seconds: u32,
    by: &str,
    progress: Arc<Progress>,
) -> Result<JobStatus, WebError> {
    let store = &*app.store;
    let name = school_name(store, school_id).await?;
    if store.timetable(school_id, term).await?.is_none() {
        derive(store, school_id, term, by).await?;
    }
    let loaded = load(store, school_id, &name, term).await?.ok_or(WebError::NotFound)?;
    let fixed = partner_pins(store, &loaded.instance, term).await?;
    let (cfg, notes) = loaded.instance.solve_config(1, &loaded.tt, &loaded.pinned, &fixed);
    let problem = loaded.instance.problem.clone();
    let limit = Duration::from_secs(u64::from(seconds));
    let solved = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let ended = Mutex::new(Ended::Limit);
        let stop = || match progress.ending(started.elapsed(), limit) {
            Some(why) => {
                *ended.lock().unwrap_or_else(|e| e.into_inner()) = why;
                true
            }
            None => false,
        };
        let on_best = |soft: f64| progress.offer(soft, started.elapsed());
        let solution = solve(&problem, &cfg, &Control { stop: &stop, on_best: &on_best })?;
        let seconds = started.elapsed().as_secs_f64();
        let ended = ended.into_inner().unwrap_or_else(|e| e.into_inner());
        // A 教务 who stopped the solve gets the violations left instead of a further search.
        let explanation = if solution.hard_ok() || ended == Ended::Stopped {
            None
        } else {
            // The search for the conflicting set gets a budget of its own, at most the limit.
            let explain_started = Instant::now();
            let explain_limit = limit.min(Duration::from_secs(30)).max(Duration::from_secs(2));
            let stop = || explain_started.elapsed() >= explain_limit;
            explain_infeasible(&problem, &ExplainConfig::default(), &stop)?
        };
        Ok::<_, timetable::TimetableError>((solution, seconds, explanation, ended))
    })
    .await
    .map_err(|e| WebError::Internal(format!("solve task: {e}")))?
    .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let (solution, seconds, explanation, ended) = solved;
    let mut status = JobStatus {
        ended: Some(ended),
        feasible: solution.hard_ok(),
        hard_ok: Some(solution.hard_ok()),
        soft_penalty: Some(solution.soft_penalty()),
        notes,
        ..JobStatus::default()
    };
    if solution.hard_ok() {
        // Pins stay pins (the solver kept them where they were).
        let figures = figures(&loaded.instance, &solution.timetable, seconds, solution.iterations);
        match save(store, &loaded, &solution.timetable, &loaded.pinned, &figures, by).await? {
            Some(_) => status.saved = true,
            None => status.error = Some("stale".to_owned()),
        }
    } else {
        status.reasons = match explanation {
            Some(e) => e.reasons,
            None => solution
                .report
                .violations
                .iter()
                .filter(|v| v.hard)
                .take(10)
                .map(|v| format!("{} (×{})", v.label, v.count))
                .collect(),
        };
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(60);

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_solve_without_a_feasible_timetable_runs_to_its_limit() {
        let p = Progress::default();
        assert_eq!(p.ending(secs(59), LIMIT), None);
        assert_eq!(p.ending(LIMIT, LIMIT), Some(Ended::Limit));
    }

    #[test]
    fn a_feasible_solve_ends_once_its_penalty_stops_falling() {
        let p = Progress::default();
        p.offer(5.0, secs(1));
        p.offer(3.0, secs(4));
        // A worse timetable from the other search does not count as progress.
        p.offer(4.0, secs(10));
        assert_eq!(settle_after(LIMIT), secs(12));
        assert_eq!(p.ending(secs(15), LIMIT), None);
        assert_eq!(p.ending(secs(16), LIMIT), Some(Ended::Settled));
        assert_eq!(settle_after(secs(3)), secs(2), "short limits still wait two seconds");
    }

    #[test]
    fn a_penalty_of_zero_ends_at_once_and_a_stop_wins() {
        let p = Progress::default();
        p.offer(0.0, secs(1));
        assert_eq!(p.ending(secs(1), LIMIT), Some(Ended::Settled));
        p.stop_asked.store(true, Ordering::Relaxed);
        assert_eq!(p.ending(secs(1), LIMIT), Some(Ended::Stopped));
    }
}
