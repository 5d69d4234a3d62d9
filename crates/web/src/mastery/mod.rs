//! The platform side of the learning engine (`learn`): the fitted model in memory, the background
//! refit (one at a time: at start when stale, on a schedule, on demand), online updates of a
//! student's mastery after each submission and mark, and the estimates pages and follow-ups read.
//!
//! Data flow: marks → [`store::LearnStore::graded_responses`] → refit (BKT, 2PL IRT) → models and
//! every student's mastery stored together → [`Learning::submitted`] / [`Learning::marked`] move
//! single students' mastery with `Tracker::observe` until the next refit.

pub mod refit;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use chrono::{DateTime, Utc};
use domain::{
    grading::Outcome,
    homework::{Submission, SubmissionState},
};
use learn::{bkt::BktModel, irt::IrtModel, online::Tracker};
use serde::Serialize;
use store::{LearnFitSummary, Mastery, Store, StoreError};
use tokio::sync::mpsc;

use crate::App;

/// When refits run besides on demand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Schedule {
    /// Refit at start when there is no fit yet or the last one is older than `every`.
    pub at_start: bool,
    /// Refit when the last fit is older than this; `None`: only at start and on demand.
    pub every: Option<Duration>,
}

/// Probability levels as pages name them (plain words for students and parents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 已掌握: at least [`MASTERED`].
    Mastered,
    /// 基本掌握: at least the follow-ups' weak threshold.
    Basic,
    /// 待加强: below it; follow-ups target these.
    Weak,
}

/// From this probability a knowledge point counts as mastered.
pub const MASTERED: f64 = 0.85;

impl Level {
    pub fn of(probability: f64) -> Level {
        if probability >= MASTERED {
            Level::Mastered
        } else if probability >= f64::from(domain::homework::followup::MASTERY_THRESHOLD) {
            Level::Basic
        } else {
            Level::Weak
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Level::Mastered => "mastered",
            Level::Basic => "basic",
            Level::Weak => "weak",
        }
    }
}

/// Where a refit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Idle,
    Reading,
    Holdout,
    FittingBkt,
    FittingIrt,
    Replaying,
    Saving,
    Done,
    Failed,
}

/// The refit job as pages and the status endpoint show it.
#[derive(Debug, Clone, Serialize)]
pub struct JobStatus {
    pub running: bool,
    pub stage: Stage,
    /// Progress within the stage.
    pub done: u64,
    pub total: u64,
    /// Overall progress, 0–100.
    pub percent: u8,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the last run failed.
    pub error: Option<String>,
    /// The fit the last successful run stored.
    pub fit_id: Option<String>,
}

impl JobStatus {
    fn idle() -> JobStatus {
        JobStatus {
            running: false,
            stage: Stage::Idle,
            done: 0,
            total: 0,
            percent: 0,
            started_at: None,
            finished_at: None,
            error: None,
            fit_id: None,
        }
    }
}

/// Overall percent from the stage and the progress within it.
fn percent(stage: Stage, done: u64, total: u64) -> u8 {
    let (from, to) = match stage {
        Stage::Idle => (0, 0),
        Stage::Reading => (0, 35),
        Stage::Holdout => (35, 55),
        Stage::FittingBkt => (55, 70),
        Stage::FittingIrt => (70, 80),
        Stage::Replaying => (80, 95),
        Stage::Saving => (95, 99),
        Stage::Done | Stage::Failed => (100, 100),
    };
    let within = if total == 0 { 0.0 } else { (done as f64 / total as f64).clamp(0.0, 1.0) };
    (f64::from(from) + within * f64::from(to - from)).round() as u8
}

/// The fitted model in use.
pub struct Model {
    pub tracker: Tracker,
    pub fit: LearnFitSummary,
}

/// A change to students' work the online updates learn from.
#[derive(Debug)]
enum Event {
    /// A submission was accepted: its machine-graded answers are responses.
    Submitted { homework_id: String, student_id: String },
    /// A teacher marked an answer for the first time.
    Marked { student_id: String, item_id: String, correct: bool },
}

/// Events that wait beyond this are dropped (with a log line): the next refit counts them.
const ONLINE_DEPTH: usize = 16_384;
/// Events handled in one pass (one read and one write of mastery).
const ONLINE_BATCH: usize = 256;
/// The learning engine's state in the server.
pub struct Learning {
    store: Arc<dyn Store>,
    schedule: Schedule,
    /// `None` until read from the store; then the model in use, if any fit exists.
    model: Mutex<Option<Option<Arc<Model>>>>,
    job: Mutex<JobStatus>,
    online: OnceLock<mpsc::Sender<Event>>,
}

impl std::fmt::Debug for Learning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Learning").field("schedule", &self.schedule).finish_non_exhaustive()
    }
}

impl Learning {
    pub fn new(store: Arc<dyn Store>, schedule: Schedule) -> Arc<Learning> {
        Arc::new(Learning {
            store,
            schedule,
            model: Mutex::new(None),
            job: Mutex::new(JobStatus::idle()),
            online: OnceLock::new(),
        })
    }

    /// The model in use, read from the store the first time.
    pub async fn model(&self) -> Result<Option<Arc<Model>>, StoreError> {
        if let Some(loaded) = self.model.lock().ok().and_then(|m| m.clone()) {
            return Ok(loaded);
        }
        let loaded = match self.store.latest_learn_fit().await? {
            None => None,
            Some(fit) => {
                let bkt = serde_json::from_value::<BktModel>(fit.bkt);
                let irt = fit.irt.map(serde_json::from_value::<IrtModel>).transpose();
                match (bkt, irt) {
                    (Ok(bkt), Ok(irt)) => Some(Arc::new(Model { tracker: Tracker::new(bkt, irt), fit: fit.summary })),
                    (Err(e), _) | (_, Err(e)) => {
                        // A model stored by another version: the next refit replaces it.
                        tracing::warn!(fit = %fit.summary.id, error = %e, "stored learning model unreadable");
                        None
                    }
                }
            }
        };
        if let Ok(mut slot) = self.model.lock() {
            *slot = Some(loaded.clone());
        }
        Ok(loaded)
    }

    fn install(&self, model: Model) {
        if let Ok(mut slot) = self.model.lock() {
            *slot = Some(Some(Arc::new(model)));
        }
    }

    /// The refit job's status.
    pub fn status(&self) -> JobStatus {
        self.job.lock().map(|j| j.clone()).unwrap_or_else(|_| JobStatus::idle())
    }

    fn progress(&self, stage: Stage, done: u64, total: u64) {
        if let Ok(mut job) = self.job.lock() {
            job.stage = stage;
            job.done = done;
            job.total = total;
            job.percent = percent(stage, done, total);
        }
    }

    /// Starts a refit in the background unless one is running; false when one was.
    pub fn start_refit(self: &Arc<Self>) -> bool {
        {
            let Ok(mut job) = self.job.lock() else { return false };
            if job.running {
                return false;
            }
            *job =
                JobStatus { running: true, stage: Stage::Reading, started_at: Some(Utc::now()), ..JobStatus::idle() };
        }
        let this = self.clone();
        tokio::spawn(async move {
            let result = refit::run(&this).await;
            if let Ok(mut job) = this.job.lock() {
                job.running = false;
                job.finished_at = Some(Utc::now());
                match result {
                    Ok(fit) => {
                        tracing::info!(fit = %fit.id, responses = fit.responses, students = fit.students,
                            auc = ?fit.metrics.auc, seconds = fit.seconds, "learning models refitted");
                        job.stage = Stage::Done;
                        job.percent = 100;
                        job.fit_id = Some(fit.id);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "learning refit failed");
                        job.stage = Stage::Failed;
                        job.percent = 100;
                        job.error = Some(e.to_string());
                    }
                }
            }
        });
        true
    }

    /// Refits at start when stale and then whenever the last fit grows older than the interval.
    /// Call once, inside the runtime.
    pub fn start_schedule(self: &Arc<Self>) {
        if !self.schedule.at_start && self.schedule.every.is_none() {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let mut first = true;
            loop {
                if !first || this.schedule.at_start {
                    match this.stale().await {
                        Ok(true) => {
                            this.start_refit();
                        }
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "cannot tell whether the learning model is stale"),
                    }
                }
                first = false;
                let Some(every) = this.schedule.every else { return };
                // Look again a few times per interval, so a restart does not push a refit back by
                // a whole interval.
                tokio::time::sleep((every / 4).max(Duration::from_secs(60))).await;
            }
        });
    }

    /// No fit yet, or the last one is older than the interval.
    async fn stale(&self) -> Result<bool, StoreError> {
        let Some(latest) = self.store.learn_fits(1).await?.pop() else {
            return Ok(self.store.graded_response_count().await? > 0);
        };
        Ok(self.schedule.every.is_some_and(|every| {
            let age = Utc::now().signed_duration_since(latest.fitted_at);
            age.to_std().is_ok_and(|age| age >= every)
        }))
    }

    /// A student's submission was accepted: its graded answers update their mastery in the
    /// background (microseconds of arithmetic; one read and one write of their rows).
    pub fn submitted(self: &Arc<Self>, homework_id: &str, student_id: &str) {
        self.send(Event::Submitted { homework_id: homework_id.to_owned(), student_id: student_id.to_owned() });
    }

    /// A teacher marked one answer of `before` (the work as it was before the mark): a first mark
    /// (the answer was waiting for the teacher or unanswered) is a new response; a changed mark is
    /// left to the next refit, since the earlier one was already counted.
    pub fn marked(self: &Arc<Self>, before: &Submission, item_id: &str, correct: bool) {
        let counted = before
            .answer(item_id)
            .and_then(|a| a.mark.as_ref())
            .is_some_and(|m| matches!(m.outcome, Outcome::Correct | Outcome::Partial | Outcome::Wrong));
        if counted {
            return;
        }
        self.send(Event::Marked { student_id: before.student_id.clone(), item_id: item_id.to_owned(), correct });
    }

    fn send(self: &Arc<Self>, event: Event) {
        let sender = self.online.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(ONLINE_DEPTH);
            tokio::spawn(run_online(self.clone(), receiver));
            sender
        });
        if let Err(e) = sender.try_send(event) {
            tracing::warn!(error = %e, "online mastery update dropped; the next refit includes it");
        }
    }
}

/// The online-update task: takes whatever events have queued and applies them in one pass.
async fn run_online(learning: Arc<Learning>, mut receiver: mpsc::Receiver<Event>) {
    let mut batch = Vec::with_capacity(ONLINE_BATCH);
    while receiver.recv_many(&mut batch, ONLINE_BATCH).await > 0 {
        let events = std::mem::take(&mut batch);
        if let Err(e) = apply_online(&learning, events).await {
            tracing::warn!(error = %e, "online mastery update failed; the next refit includes it");
        }
    }
}

/// One response to learn from.
struct Observed {
    student_id: String,
    item_id: String,
    correct: bool,
}

async fn apply_online(learning: &Learning, events: Vec<Event>) -> Result<(), StoreError> {
    let Some(model) = learning.model().await? else { return Ok(()) };
    let store = &*learning.store;
    let mut observed = Vec::new();
    for event in events {
        match event {
            Event::Submitted { homework_id, student_id } => {
                let Some(work) = store.submission(&homework_id, &student_id).await? else { continue };
                if work.state != SubmissionState::Submitted {
                    continue;
                }
                let mut answers: Vec<_> = work
                    .answers
                    .iter()
                    .filter_map(|a| a.mark.as_ref().map(|m| (a, m)))
                    .filter(|(_, m)| matches!(m.outcome, Outcome::Correct | Outcome::Partial | Outcome::Wrong))
                    .collect();
                answers.sort_by(|x, y| (x.0.answered_at, &x.0.item_id).cmp(&(y.0.answered_at, &y.0.item_id)));
                observed.extend(answers.into_iter().map(|(a, m)| Observed {
                    student_id: student_id.clone(),
                    item_id: a.item_id.clone(),
                    correct: m.max > 0.0 && m.score >= m.max,
                }));
            }
            Event::Marked { student_id, item_id, correct } => {
                observed.push(Observed { student_id, item_id, correct });
            }
        }
    }
    if observed.is_empty() {
        return Ok(());
    }
    let mut item_ids: Vec<String> = observed.iter().map(|o| o.item_id.clone()).collect();
    item_ids.sort();
    item_ids.dedup();
    let points: HashMap<String, Vec<String>> =
        store.items_by_ids(&item_ids).await?.into_iter().map(|r| (r.item.id, r.item.knowledge_points)).collect();
    let students: Vec<String> =
        observed.iter().map(|o| o.student_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let mut states: HashMap<String, (learn::online::StudentState, HashMap<String, u32>)> = HashMap::new();
    for row in store.mastery_of(&students).await? {
        let (state, counts) =
            states.entry(row.student_id.clone()).or_insert_with(|| (model.tracker.new_student(), HashMap::new()));
        state.mastery.insert(row.knowledge_point.clone(), row.probability);
        counts.insert(row.knowledge_point, row.responses);
    }
    let mut touched: HashSet<(String, String)> = HashSet::new();
    for o in &observed {
        let Some(kps) = points.get(&o.item_id).filter(|k| !k.is_empty()) else { continue };
        let (state, counts) =
            states.entry(o.student_id.clone()).or_insert_with(|| (model.tracker.new_student(), HashMap::new()));
        model.tracker.observe(state, &o.item_id, kps, o.correct);
        for kp in kps {
            *counts.entry(kp.clone()).or_default() += 1;
            touched.insert((o.student_id.clone(), kp.clone()));
        }
    }
    let now = Utc::now();
    let rows: Vec<Mastery> = touched
        .into_iter()
        .filter_map(|(student, kp)| {
            let (state, counts) = states.get(&student)?;
            Some(Mastery {
                probability: model.tracker.mastery(state, &kp),
                responses: counts.get(&kp).copied().unwrap_or(1),
                student_id: student,
                knowledge_point: kp,
                updated_at: now,
            })
        })
        .collect();
    store.upsert_mastery(&rows).await
}

/// The estimates targeted follow-ups use for these students, when a fitted model exists: per
/// (student, knowledge point), P(mastered).
pub(crate) async fn follow_up_estimates(
    app: &App,
    students: &[String],
) -> Result<Option<HashMap<(String, String), f32>>, StoreError> {
    if app.learning.model().await?.is_none() {
        return Ok(None);
    }
    let rows = app.store.mastery_of(students).await?;
    Ok(Some(rows.into_iter().map(|m| ((m.student_id, m.knowledge_point), m.probability as f32)).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_percent() {
        assert_eq!(Level::of(0.9), Level::Mastered);
        assert_eq!(Level::of(0.7), Level::Basic);
        assert_eq!(Level::of(0.2), Level::Weak);
        assert_eq!(percent(Stage::Reading, 0, 0), 0);
        assert_eq!(percent(Stage::Reading, 50, 100), 18);
        assert_eq!(percent(Stage::Done, 0, 0), 100);
    }
}
