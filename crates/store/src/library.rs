//! The resource library and the exercise bank: items, resources with their reviewed versions,
//! favourites and usage counts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    ActivityRecord, Stage, Subject,
    items::Item,
    resources::{FileRef, ResourceType, ReviewState, Scope},
};
use serde::Serialize;

use crate::{ImportSummary, Progress, Result};

/// An item to write, with where it stands in review.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub item: Item,
    pub state: ReviewState,
    pub scope: Scope,
    pub school_id: Option<String>,
    pub author_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// A stored item with its review state and use count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRecord {
    pub item: Item,
    pub state: ReviewState,
    pub scope: Scope,
    pub school_id: Option<String>,
    pub author_id: Option<String>,
    pub reason: Option<String>,
    pub uses: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which items or resources a list shows. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub states: Vec<ReviewState>,
    /// Only those of these schools (a school reviewer's queue).
    pub school_ids: Vec<String>,
    pub scope: Option<Scope>,
    pub author_id: Option<String>,
    pub limit: u32,
}

/// The exercise bank.
#[async_trait]
pub trait ItemStore: Send + Sync {
    /// Writes items in one transaction: an item whose id exists is replaced, the rest are added.
    /// On any error nothing is written.
    async fn import_items(&self, items: &[NewItem], progress: &dyn Progress) -> Result<ImportSummary>;

    async fn item(&self, id: &str) -> Result<Option<ItemRecord>>;

    /// The items with these ids that exist, in the order asked.
    async fn items_by_ids(&self, ids: &[String]) -> Result<Vec<ItemRecord>>;

    /// Items ordered by id after `after` (exclusive), at most `limit`: for reindexing in pages.
    async fn items_after(&self, after: Option<&str>, limit: u32) -> Result<Vec<ItemRecord>>;

    /// Items matching the filter, oldest change first (a review queue), or the author's newest.
    async fn items_for_review(&self, filter: &ReviewFilter) -> Result<Vec<ItemRecord>>;

    /// Moves an item from `from` to `to` if it is still in `from` (false otherwise, so two
    /// reviewers acting at once cannot both succeed). `reason` is kept for a rejection.
    async fn set_item_state(
        &self,
        id: &str,
        from: ReviewState,
        to: ReviewState,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Replaces the near-duplicates recorded for an item.
    async fn set_item_duplicates(&self, id: &str, duplicates: &[(String, f32)]) -> Result<()>;

    /// The near-duplicates recorded for an item, most similar first.
    async fn item_duplicates(&self, id: &str) -> Result<Vec<(String, f32)>>;

    async fn item_count(&self) -> Result<u64>;
}

/// What a resource version says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceContent {
    pub title: String,
    pub description: String,
    pub stage: Option<Stage>,
    pub grade: Option<u8>,
    pub subject: Option<Subject>,
    pub edition_id: Option<String>,
    pub volume_id: Option<String>,
    pub chapter_id: Option<String>,
    pub knowledge_points: Vec<String>,
    pub tags: Vec<String>,
    pub licence: String,
    pub source: Option<String>,
    pub link_url: Option<String>,
    pub file: Option<FileRef>,
}

/// A new resource: its first version starts as a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResource {
    pub id: String,
    pub resource_type: ResourceType,
    pub scope: Scope,
    pub author_id: String,
    pub school_id: Option<String>,
    pub content: ResourceContent,
    pub at: DateTime<Utc>,
}

/// One version of a resource and where it stands in review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceVersion {
    pub number: u32,
    pub state: ReviewState,
    pub content: ResourceContent,
    /// Why it was rejected.
    pub reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A resource with every version, newest last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRecord {
    pub id: String,
    pub resource_type: ResourceType,
    pub scope: Scope,
    pub author_id: String,
    pub author_name: String,
    pub school_id: Option<String>,
    pub school_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The number of the version everyone sees, if one is published.
    pub published_version: Option<u32>,
    pub versions: Vec<ResourceVersion>,
    pub usage: Usage,
}

impl ResourceRecord {
    /// The version people who may not see drafts see.
    pub fn published(&self) -> Option<&ResourceVersion> {
        let number = self.published_version?;
        self.versions.iter().find(|v| v.number == number)
    }

    /// The newest version (the one its author works on and reviewers review).
    pub fn latest(&self) -> Option<&ResourceVersion> {
        self.versions.last()
    }
}

/// One line of a resource list (review queue, my resources).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceSummary {
    pub id: String,
    pub resource_type: ResourceType,
    pub scope: Scope,
    pub author_name: String,
    pub school_name: Option<String>,
    pub version: u32,
    pub state: ReviewState,
    pub title: String,
    pub media_type: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Views, downloads, uses and favourites of one thing (a resource, an item, a school, an account).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub views: u64,
    pub downloads: u64,
    pub uses: u64,
    pub favourites: u64,
}

/// What a usage event counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum UsageVerb {
    Viewed,
    Downloaded,
    Used,
}

impl UsageVerb {
    /// The activity-record verb.
    pub fn code(self) -> &'static str {
        match self {
            UsageVerb::Viewed => "viewed",
            UsageVerb::Downloaded => "downloaded",
            UsageVerb::Used => "used",
        }
    }
}

/// The resource library.
#[async_trait]
pub trait ResourceStore: Send + Sync {
    /// Adds a resource with version 1 as a draft.
    async fn create_resource(&self, resource: &NewResource) -> Result<()>;

    /// Adds the next version as a draft (a revision of a published resource) and returns its
    /// number; the published version stays visible until the new one is approved.
    async fn add_resource_version(&self, id: &str, content: &ResourceContent, at: DateTime<Utc>) -> Result<u32>;

    /// Replaces the content of a version still in draft or rejected; false otherwise.
    async fn update_resource_draft(
        &self,
        id: &str,
        number: u32,
        content: &ResourceContent,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    async fn resource(&self, id: &str) -> Result<Option<ResourceRecord>>;

    /// Moves a version from `from` to `to` if it is still in `from` (false otherwise). Publishing
    /// makes it the visible version; withdrawing the visible version leaves none visible.
    async fn set_resource_state(
        &self,
        id: &str,
        number: u32,
        from: ReviewState,
        to: ReviewState,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Latest versions matching the filter: a review queue (oldest first) or an author's list.
    async fn resources_for_review(&self, filter: &ReviewFilter) -> Result<Vec<ResourceSummary>>;

    /// Resources ordered by id after `after`, at most `limit`: for reindexing in pages.
    async fn resources_after(&self, after: Option<&str>, limit: u32) -> Result<Vec<ResourceRecord>>;
}

/// Favourites and usage counts, kept as rollups beside the activity records.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Appends the activity record and, in the same transaction, adds one to the count of its verb
    /// for each of `counted` (`(kind, id)`: the object itself, its school, the acting account…).
    async fn record_usage(&self, record: &ActivityRecord, verb: UsageVerb, counted: &[(&str, &str)]) -> Result<()>;

    /// Counts for one thing.
    async fn usage(&self, kind: &str, id: &str) -> Result<Usage>;

    /// Sets or clears a favourite; returns whether anything changed.
    async fn set_favourite(&self, account_id: &str, kind: &str, id: &str, on: bool, at: DateTime<Utc>) -> Result<bool>;

    async fn is_favourite(&self, account_id: &str, kind: &str, id: &str) -> Result<bool>;

    /// An account's favourites of one kind, newest first.
    async fn favourites(&self, account_id: &str, kind: &str, limit: u32) -> Result<Vec<String>>;

    /// The most-counted things of a kind for a verb, most first (for the cockpit and rankings).
    async fn top_usage(&self, kind: &str, verb: UsageVerb, limit: u32) -> Result<Vec<(String, u64)>>;
}
