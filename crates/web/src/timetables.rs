//! School timetables in the platform: loading a school's stored instance and timetable, deriving
//! the instance from the roster, and the solve job (one at a time, on the blocking pool, stopped
//! by its time limit) whose status the page polls. The school's timetabling conditions (排课条件)
//! are applied every time the instance is derived.
//!
//! The rules live in `timetable` (the model, the solver, the independent checker, the platform's
//! instance and move check); this module only reads and writes the store and owns the clock.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{Datelike, Utc};
use serde::Serialize;
use store::{Store, StoredTimetable, TimetableFigures, TimetableSource};
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
    let placements = loaded.instance.to_stored(tt, pinned);
    let json = serde_json::to_string(&placements).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(store
        .save_timetable_placements(
            &loaded.stored.school_id,
            &loaded.stored.term,
            loaded.stored.version,
            &json,
            figures,
            by,
            Utc::now(),
        )
        .await?)
}

/// Where the solve job stands, as the page polls it.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct JobStatus {
    /// A solve is running (for this school).
    pub running: bool,
    /// A solve for another school is running: this school must wait.
    pub busy_elsewhere: bool,
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
    /// The result: every hard constraint holds.
    pub hard_ok: Option<bool>,
    /// The result's soft penalty.
    pub soft_penalty: Option<f64>,
    /// The timetable was stored.
    pub saved: bool,
    /// Why there is no timetable (the minimal conflicting set, in a 教务's words).
    pub reasons: Vec<String>,
    /// Things the 教务 should know (pins that had to be dropped).
    pub notes: Vec<String>,
    /// A failure other than an infeasible instance.
    pub error: Option<String>,
}

#[derive(Default)]
struct Job {
    school_id: Option<String>,
    started: Option<Instant>,
    status: JobStatus,
    feasible: Arc<AtomicBool>,
}

/// The one solve job of the server (2 cores: one solve at a time uses both).
#[derive(Default)]
pub(crate) struct Timetables {
    job: Mutex<Job>,
}

impl Timetables {
    /// The job's status as seen from `school_id`'s page.
    pub fn status(&self, school_id: &str) -> JobStatus {
        let job = self.job.lock().unwrap_or_else(|e| e.into_inner());
        if job.school_id.as_deref() != Some(school_id) {
            return JobStatus { busy_elsewhere: job.status.running, ..JobStatus::default() };
        }
        let mut status = job.status.clone();
        if status.running
            && let Some(started) = job.started
        {
            status.seconds = started.elapsed().as_secs_f64();
            status.percent = ((status.seconds / status.limit.max(0.001)) * 100.0).clamp(0.0, 99.0) as u32;
            status.feasible = job.feasible.load(Ordering::Relaxed);
        }
        status
    }

    /// Starts solving `school_id`'s timetable; false when a solve is already running.
    pub fn start(app: Arc<App>, school_id: String, term: String, seconds: u32, by: String) -> bool {
        let feasible = Arc::new(AtomicBool::new(false));
        {
            let mut job = app.timetables.job.lock().unwrap_or_else(|e| e.into_inner());
            if job.status.running {
                return false;
            }
            *job = Job {
                school_id: Some(school_id.clone()),
                started: Some(Instant::now()),
                status: JobStatus { running: true, limit: f64::from(seconds), ..JobStatus::default() },
                feasible: feasible.clone(),
            };
        }
        tokio::spawn(async move {
            let result = run(&app, &school_id, &term, seconds, &by, feasible).await;
            let mut job = app.timetables.job.lock().unwrap_or_else(|e| e.into_inner());
            let elapsed = job.started.map(|s| s.elapsed().as_secs_f64()).unwrap_or_default();
            job.status = match result {
                Ok(status) => status,
                Err(e) => {
                    tracing::error!(error = %e, school = %school_id, "timetable solve failed");
                    JobStatus { error: Some(e.to_string()), ..JobStatus::default() }
                }
            };
            job.status.running = false;
            job.status.finished = true;
            job.status.percent = 100;
            job.status.seconds = elapsed;
            job.status.limit = f64::from(seconds);
        });
        true
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
    feasible: Arc<AtomicBool>,
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
        let stop = || started.elapsed() >= limit;
        let on_feasible = || feasible.store(true, Ordering::Relaxed);
        let solution = solve(&problem, &cfg, &Control { stop: &stop, on_feasible: &on_feasible })?;
        let seconds = started.elapsed().as_secs_f64();
        let explanation = if solution.hard_ok() {
            None
        } else {
            // The search for the conflicting set gets a budget of its own, at most the limit.
            let explain_started = Instant::now();
            let explain_limit = limit.min(Duration::from_secs(30)).max(Duration::from_secs(2));
            let stop = || explain_started.elapsed() >= explain_limit;
            explain_infeasible(&problem, &ExplainConfig::default(), &stop)?
        };
        Ok::<_, timetable::TimetableError>((solution, seconds, explanation))
    })
    .await
    .map_err(|e| WebError::Internal(format!("solve task: {e}")))?
    .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let (solution, seconds, explanation) = solved;
    let mut status = JobStatus {
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
