//! Carrying out a review step (submit, approve, reject, withdraw, revise) on a resource version or
//! an item: work out in which capacities the actor may act, let `domain::resources::transition`
//! decide, write the new state only if nobody moved it meanwhile, record the activity, and keep
//! the search index current.

use chrono::Utc;
use domain::{
    ActivityRecord, ActorRef, ObjectRef,
    access::{Action, Actor, Place, ResourceKind, Target, decide},
    resources::{Capacity, ReviewState, Scope, Step, WorkflowError, transition},
};
use serde_json::json;
use store::{Store, StoreError};

use super::{Library, item_doc, resource_doc};

/// Why a step was not taken.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// No such record (or not one this actor may see).
    #[error("not found")]
    NotFound,
    /// The workflow does not allow this step here, by this actor; says why.
    #[error(transparent)]
    Refused(#[from] WorkflowError),
    /// Someone else moved the record first; reload and try again.
    #[error("the record changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("search index: {0}")]
    Search(#[from] search::SearchError),
}

/// The capacities in which `actor` may act on a record of `school_id` by `author_id`.
pub async fn capacities(
    store: &dyn Store,
    district_id: Option<&str>,
    actor: &Actor,
    author_id: Option<&str>,
    school_id: Option<&str>,
) -> Result<Vec<Capacity>, StoreError> {
    let mut out = Vec::new();
    if author_id == Some(actor.account_id.as_str()) {
        out.push(Capacity::Author);
    }
    if let Some(school) = school_id
        && let Some(place) = store.place(ResourceKind::School, school).await?
        && decide(actor, Action::Manage, &Target::new(ResourceKind::SchoolReview, place)).is_allowed()
    {
        out.push(Capacity::SchoolReviewer);
    }
    let district_place = match district_id {
        Some(id) => store.place(ResourceKind::District, id).await?,
        None => None,
    };
    let place = district_place.unwrap_or_else(Place::default);
    if decide(actor, Action::Manage, &Target::new(ResourceKind::DistrictReview, place)).is_allowed() {
        out.push(Capacity::DistrictReviewer);
    }
    Ok(out)
}

/// The first capacity in which the workflow allows the step, with the state it leads to; the
/// refusal of the last capacity tried otherwise (the most telling one, as capacities are ordered
/// author, school, district).
fn first_allowed(
    current: ReviewState,
    scope: Scope,
    has_school: bool,
    step: &Step,
    capacities: &[Capacity],
) -> Result<(Capacity, ReviewState), StepError> {
    let mut refusal = None;
    for &capacity in capacities {
        match transition(current, scope, has_school, step, capacity) {
            Ok(next) => return Ok((capacity, next)),
            Err(e) => refusal = Some(e),
        }
    }
    Err(refusal.map_or(StepError::NotFound, StepError::Refused))
}

fn activity(
    actor: &Actor,
    verb: &str,
    kind: &str,
    id: &str,
    school_id: Option<&str>,
    result: serde_json::Value,
) -> ActivityRecord {
    ActivityRecord {
        actor: ActorRef { kind: "account".to_owned(), id: actor.account_id.clone() },
        verb: verb.to_owned(),
        object: ObjectRef { kind: kind.to_owned(), id: id.to_owned() },
        school_id: school_id.map(str::to_owned),
        class_id: None,
        result: Some(result),
        timestamp: Utc::now(),
    }
}

/// Takes `step` on the newest version of resource `id`. Returns the new state.
pub async fn step_resource(
    store: &dyn Store,
    library: &Library,
    district_id: Option<&str>,
    actor: &Actor,
    id: &str,
    step: Step,
) -> Result<ReviewState, StepError> {
    let record = store.resource(id).await?.ok_or(StepError::NotFound)?;
    let version = record.latest().ok_or(StepError::NotFound)?;
    let caps = capacities(store, district_id, actor, Some(&record.author_id), record.school_id.as_deref()).await?;
    let (capacity, next) = first_allowed(version.state, record.scope, record.school_id.is_some(), &step, &caps)?;
    let reason = step.reason();
    if !store.set_resource_state(id, version.number, version.state, next, reason, Utc::now()).await? {
        return Err(StepError::Conflict);
    }
    let result = json!({
        "version": version.number, "from": version.state.code(), "to": next.code(),
        "capacity": capacity.code(), "reason": reason,
    });
    store.append_activity(&[activity(actor, step.verb(), "resource", id, record.school_id.as_deref(), result)]).await?;
    reindex_resource(store, library, id).await?;
    Ok(next)
}

/// Takes `step` on item `id`. Returns the new state.
pub async fn step_item(
    store: &dyn Store,
    library: &Library,
    district_id: Option<&str>,
    actor: &Actor,
    id: &str,
    step: Step,
) -> Result<ReviewState, StepError> {
    let record = store.item(id).await?.ok_or(StepError::NotFound)?;
    let caps = capacities(store, district_id, actor, record.author_id.as_deref(), record.school_id.as_deref()).await?;
    let (capacity, next) = first_allowed(record.state, record.scope, record.school_id.is_some(), &step, &caps)?;
    let reason = step.reason();
    if !store.set_item_state(id, record.state, next, reason, Utc::now()).await? {
        return Err(StepError::Conflict);
    }
    let result = json!({
        "from": record.state.code(), "to": next.code(), "capacity": capacity.code(), "reason": reason,
    });
    store.append_activity(&[activity(actor, step.verb(), "item", id, record.school_id.as_deref(), result)]).await?;
    if let Some(updated) = store.item(id).await? {
        library.search.upsert(&[item_doc(&updated)])?;
    }
    Ok(next)
}

/// Brings one resource's search document up to date (or removes it).
pub async fn reindex_resource(store: &dyn Store, library: &Library, id: &str) -> Result<(), StepError> {
    match store.resource(id).await?.as_ref().and_then(resource_doc) {
        Some(doc) => library.search.upsert(&[doc])?,
        None => library.search.delete(search::DocKind::Resource, id)?,
    }
    Ok(())
}

/// Records who did what to a new record (created, or a new version).
pub async fn record_created(
    store: &dyn Store,
    actor: &Actor,
    kind: &str,
    id: &str,
    school_id: Option<&str>,
    version: u32,
) -> Result<(), StoreError> {
    store.append_activity(&[activity(actor, "created", kind, id, school_id, json!({ "version": version }))]).await
}
