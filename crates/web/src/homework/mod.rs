//! The homework loop's moving parts shared by pages and the JSON API: the write queue, caches of
//! homework and items for the hot answering path, and the operations (assign, open, autosave,
//! submit, mark, release). The rules themselves are `domain::homework`, `domain::grading` and
//! `domain::workload`; this module fetches, checks with them and writes.

mod error;
pub mod ops;
pub mod queue;
pub mod report;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use domain::{
    ActivityRecord, ActorRef, ObjectRef,
    homework::Homework,
    identity::{PersonKind, PersonRef},
    items::Item,
    workload::WorkloadPolicy,
};
pub use error::{HomeworkError, JsonBody};
use store::{Store, StoreError};

use crate::cache::TtlMap;

pub use queue::WriteQueue;

/// How long a cached item is trusted: a corrected answer key reaches grading within this.
const ITEM_TTL: Duration = Duration::from_secs(60);
/// How long a cached homework is trusted. Homework does not change after it is assigned except
/// for its release, which calls [`Homeworks::forget`]; the limit only bounds what another process
/// could change.
const HOMEWORK_TTL: Duration = Duration::from_secs(600);
/// Entries kept before a cache is emptied (a bound, not a policy: one evening's homework fits).
const CACHE_BOUND: usize = 20_000;
/// How long knowledge points are trusted: a curriculum import shows in pages within this.
const POINTS_TTL: Duration = Duration::from_secs(600);

/// A knowledge point's name and subject, from the curriculum.
#[derive(Debug, Clone)]
pub struct PointInfo {
    pub name: String,
    pub subject: domain::Subject,
}

/// The curriculum's knowledge points by id, as pages show them instead of ids (free labels of
/// imported items are absent).
pub type Points = Arc<HashMap<String, PointInfo>>;

/// The homework loop's state kept between requests.
pub struct Homeworks {
    pub queue: WriteQueue,
    /// The district's 双减 limits.
    pub workload: WorkloadPolicy,
    homework: TtlMap<String, Arc<Homework>>,
    items: TtlMap<String, Arc<Item>>,
    points: Mutex<Option<(Instant, Points)>>,
}

impl std::fmt::Debug for Homeworks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Homeworks").field("workload", &self.workload).finish_non_exhaustive()
    }
}

impl Homeworks {
    pub fn new(store: Arc<dyn Store>, workload: WorkloadPolicy) -> Homeworks {
        Homeworks {
            queue: WriteQueue::new(store),
            workload,
            homework: TtlMap::new(HOMEWORK_TTL, CACHE_BOUND),
            items: TtlMap::new(ITEM_TTL, CACHE_BOUND),
            points: Mutex::new(None),
        }
    }

    /// A homework, from the cache when it has been read before.
    pub async fn homework(&self, store: &dyn Store, id: &str) -> Result<Option<Arc<Homework>>, StoreError> {
        let key = id.to_owned();
        let ticket = match self.homework.get(&key) {
            Ok(found) => return Ok(Some(found)),
            Err(ticket) => ticket,
        };
        let Some(found) = store.homework(id).await? else { return Ok(None) };
        let found = Arc::new(found);
        self.homework.insert(ticket, key, found.clone());
        Ok(Some(found))
    }

    /// Drops a homework from the cache after it changed.
    pub fn forget(&self, id: &str) {
        self.homework.remove(&id.to_owned());
    }

    /// The curriculum's knowledge points by id (items and reports carry only the ids).
    pub async fn points(&self, store: &dyn Store) -> Result<Points, StoreError> {
        let now = Instant::now();
        if let Some((at, points)) = self.points.lock().ok().and_then(|c| c.clone())
            && now.duration_since(at) < POINTS_TTL
        {
            return Ok(points);
        }
        let curriculum = store.load_curriculum().await?;
        let points: Points = Arc::new(
            curriculum
                .knowledge_points
                .into_iter()
                .map(|k| (k.id, PointInfo { name: k.name, subject: k.subject }))
                .collect(),
        );
        if let Ok(mut cache) = self.points.lock() {
            *cache = Some((now, points.clone()));
        }
        Ok(points)
    }

    /// The items with these ids that exist, by id.
    pub async fn items(&self, store: &dyn Store, ids: &[String]) -> Result<HashMap<String, Arc<Item>>, StoreError> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        let mut first_ticket = None;
        for id in ids {
            match self.items.get(id) {
                Ok(item) => {
                    found.insert(id.clone(), item);
                }
                Err(ticket) => {
                    first_ticket.get_or_insert(ticket);
                    missing.push(id.clone());
                }
            }
        }
        let Some(ticket) = first_ticket else { return Ok(found) };
        for record in store.items_by_ids(&missing).await? {
            let item = Arc::new(record.item);
            self.items.insert(ticket, item.id.clone(), item.clone());
            found.insert(item.id.clone(), item);
        }
        Ok(found)
    }
}

/// Ids of bank items the principal may use in this subject and grade, best matching `text` first:
/// the pool for composing, auto-picking and follow-ups (the library's search and visibility).
pub(crate) fn bank_candidates(
    app: &crate::App,
    principal: &crate::auth::Principal,
    text: &str,
    subject: Option<domain::Subject>,
    grade: Option<u8>,
    limit: usize,
) -> Result<Vec<String>, search::SearchError> {
    let query = search::Query {
        text: text.chars().take(200).collect(),
        kind: Some(search::DocKind::Item),
        filters: search::Filters { subject, grade, ..search::Filters::default() },
        sort: search::Sort::Relevance,
        limit,
        offset: 0,
        viewer: crate::library::search_viewer(&domain::access::library::LibraryViewer::of(&principal.actor)),
    };
    Ok(app.library.search.search(&query)?.hits.into_iter().map(|h| h.id).collect())
}

/// The activity-record actor for a roster person (or the account, for staff without one).
pub fn actor_ref(person: Option<&PersonRef>, account_id: &str) -> ActorRef {
    match person {
        Some(p) => ActorRef {
            kind: match p.kind {
                PersonKind::Teacher => "teacher",
                PersonKind::Student => "student",
                PersonKind::Guardian => "guardian",
            }
            .to_owned(),
            id: p.id.clone(),
        },
        None => ActorRef { kind: "account".to_owned(), id: account_id.to_owned() },
    }
}

/// An activity record about a homework.
pub fn homework_activity(
    actor: ActorRef,
    verb: &str,
    homework: &Homework,
    result: Option<serde_json::Value>,
    at: DateTime<Utc>,
) -> ActivityRecord {
    ActivityRecord {
        actor,
        verb: verb.to_owned(),
        object: ObjectRef { kind: "homework".to_owned(), id: homework.id.clone() },
        school_id: Some(homework.school_id.clone()),
        class_id: Some(homework.class_id.clone()),
        result,
        timestamp: at,
    }
}

/// A student as an activity-record actor.
pub fn student_actor(student_id: &str) -> ActorRef {
    ActorRef { kind: "student".to_owned(), id: student_id.to_owned() }
}

/// A knowledge point's name, or its id when the curriculum does not know it (an imported bank's
/// own tags are names already).
pub fn point_name<'a>(points: &'a HashMap<String, PointInfo>, id: &'a str) -> &'a str {
    points.get(id).map_or(id, |p| p.name.as_str())
}
