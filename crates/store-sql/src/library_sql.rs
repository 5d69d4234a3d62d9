//! The exercise bank's and resource library's SQL, rows and assembly, shared by both backends.

use chrono::{DateTime, Utc};
use domain::{
    Stage, Subject,
    items::Item,
    resources::{FileRef, ResourceType, ReviewState, Scope},
};
use sqlx::FromRow;
use store::{ItemRecord, ResourceContent, ResourceSummary, ResourceVersion, StoreError, Usage};

use crate::assemble::code;

pub const ITEM_COLUMNS: &str = "id, source, source_id, item_type, stage, grade, subject, difficulty, seconds, content, \
    state, scope, school_id, author_id, reason, created_at, updated_at";
pub const ITEM_UPSERT_TAIL: &str = " ON CONFLICT (id) DO UPDATE SET source = excluded.source, \
    source_id = excluded.source_id, item_type = excluded.item_type, stage = excluded.stage, grade = excluded.grade, \
    subject = excluded.subject, difficulty = excluded.difficulty, seconds = excluded.seconds, \
    content = excluded.content, state = excluded.state, scope = excluded.scope, school_id = excluded.school_id, \
    author_id = excluded.author_id, reason = excluded.reason, updated_at = excluded.updated_at";

/// Items with their use count; callers append `WHERE …`.
pub const ITEM_SELECT: &str = "SELECT i.content, i.state, i.scope, i.school_id, i.author_id, i.reason, \
    i.created_at, i.updated_at, COALESCE(u.count, 0) AS uses \
    FROM items i LEFT JOIN usage_counts u \
    ON u.subject_kind = 'item' AND u.subject_id = i.id AND u.verb = 'used' ";

pub const ITEM_COUNT: &str = "SELECT COUNT(*) AS n FROM items";
pub const SET_ITEM_STATE: &str =
    "UPDATE items SET state = $1, reason = $2, updated_at = $3 WHERE id = $4 AND state = $5";
pub const DELETE_ITEM_DUPLICATES: &str = "DELETE FROM item_duplicates WHERE item_id = $1";
pub const INSERT_ITEM_DUPLICATE: &str =
    "INSERT INTO item_duplicates (item_id, similar_id, similarity) VALUES ($1, $2, $3)";
pub const ITEM_DUPLICATES: &str =
    "SELECT similar_id, similarity FROM item_duplicates WHERE item_id = $1 ORDER BY similarity DESC, similar_id";

pub const INSERT_RESOURCE: &str = "INSERT INTO resources (id, resource_type, scope, author_id, school_id, \
    published_version, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6)";
pub const VERSION_COLUMNS: &str = "resource_id, number, state, title, description, stage, grade, subject, edition_id, \
    volume_id, chapter_id, knowledge_points, tags, licence, source, link_url, file_sha256, file_size, media_type, \
    file_name, duration_seconds, reason, updated_at";
pub const MAX_VERSION: &str = "SELECT COALESCE(MAX(number), 0) AS n FROM resource_versions WHERE resource_id = $1";
pub const DELETE_DRAFT_VERSION: &str =
    "DELETE FROM resource_versions WHERE resource_id = $1 AND number = $2 AND state IN ('draft', 'rejected')";
pub const RESOURCE_BY_ID: &str = "SELECT r.id, r.resource_type, r.scope, r.author_id, a.display_name AS author_name, \
    r.school_id, s.name AS school_name, r.published_version, r.created_at \
    FROM resources r JOIN accounts a ON a.id = r.author_id LEFT JOIN schools s ON s.id = r.school_id ";
pub const VERSIONS_OF: &str = "SELECT * FROM resource_versions WHERE resource_id = $1 ORDER BY number";
pub const SET_VERSION_STATE: &str = "UPDATE resource_versions SET state = $1, reason = $2, updated_at = $3 \
    WHERE resource_id = $4 AND number = $5 AND state = $6";
pub const PUBLISH_VERSION: &str = "UPDATE resources SET published_version = $1 WHERE id = $2";
pub const UNPUBLISH_VERSION: &str =
    "UPDATE resources SET published_version = NULL WHERE id = $1 AND published_version = $2";
/// Latest version of each resource with names; callers append `AND …` filters.
pub const RESOURCE_SUMMARY: &str = "SELECT r.id, r.resource_type, r.scope, a.display_name AS author_name, \
    s.name AS school_name, v.number AS version, v.state, v.title, v.media_type, v.updated_at \
    FROM resources r JOIN accounts a ON a.id = r.author_id LEFT JOIN schools s ON s.id = r.school_id \
    JOIN resource_versions v ON v.resource_id = r.id \
    AND v.number = (SELECT MAX(number) FROM resource_versions w WHERE w.resource_id = r.id) WHERE 1 = 1 ";

pub const USAGE_BUMP: &str = "INSERT INTO usage_counts (subject_kind, subject_id, verb, count) VALUES ($1, $2, $3, 1) \
    ON CONFLICT (subject_kind, subject_id, verb) DO UPDATE SET count = usage_counts.count + 1";
pub const USAGE_OF: &str = "SELECT verb, count FROM usage_counts WHERE subject_kind = $1 AND subject_id = $2";
pub const FAVOURITE_COUNT: &str = "SELECT COUNT(*) AS n FROM favourites WHERE object_kind = $1 AND object_id = $2";
pub const FAVOURITE_ADD: &str = "INSERT INTO favourites (account_id, object_kind, object_id, created_at) \
    VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
pub const FAVOURITE_REMOVE: &str =
    "DELETE FROM favourites WHERE account_id = $1 AND object_kind = $2 AND object_id = $3";
pub const FAVOURITE_ONE: &str =
    "SELECT COUNT(*) AS n FROM favourites WHERE account_id = $1 AND object_kind = $2 AND object_id = $3";
pub const FAVOURITES_OF: &str = "SELECT object_id AS id FROM favourites WHERE account_id = $1 AND object_kind = $2 \
    ORDER BY created_at DESC, object_id LIMIT $3";
pub const TOP_USAGE: &str = "SELECT subject_id, count FROM usage_counts WHERE subject_kind = $1 AND verb = $2 \
    ORDER BY count DESC, subject_id LIMIT $3";

#[derive(Debug, FromRow)]
pub struct ItemRow {
    pub content: sqlx::types::Json<Item>,
    pub state: String,
    pub scope: String,
    pub school_id: Option<String>,
    pub author_id: Option<String>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub uses: i64,
}

#[derive(Debug, FromRow)]
pub struct DuplicateRow {
    pub similar_id: String,
    pub similarity: f32,
}

#[derive(Debug, FromRow)]
pub struct ResourceRow {
    pub id: String,
    pub resource_type: String,
    pub scope: String,
    pub author_id: String,
    pub author_name: String,
    pub school_id: Option<String>,
    pub school_name: Option<String>,
    pub published_version: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, FromRow)]
pub struct VersionRow {
    pub resource_id: String,
    pub number: i64,
    pub state: String,
    pub title: String,
    pub description: String,
    pub stage: Option<String>,
    pub grade: Option<i64>,
    pub subject: Option<String>,
    pub edition_id: Option<String>,
    pub volume_id: Option<String>,
    pub chapter_id: Option<String>,
    pub knowledge_points: String,
    pub tags: String,
    pub licence: String,
    pub source: Option<String>,
    pub link_url: Option<String>,
    pub file_sha256: Option<String>,
    pub file_size: Option<i64>,
    pub media_type: Option<String>,
    pub file_name: Option<String>,
    pub duration_seconds: Option<i64>,
    pub reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, FromRow)]
pub struct ResourceSummaryRow {
    pub id: String,
    pub resource_type: String,
    pub scope: String,
    pub author_name: String,
    pub school_name: Option<String>,
    pub version: i64,
    pub state: String,
    pub title: String,
    pub media_type: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, FromRow)]
pub struct VerbCountRow {
    pub verb: String,
    pub count: i64,
}

#[derive(Debug, FromRow)]
pub struct TopRow {
    pub subject_id: String,
    pub count: i64,
}

pub fn item(r: ItemRow) -> Result<ItemRecord, StoreError> {
    Ok(ItemRecord {
        item: r.content.0,
        state: code(ReviewState::parse(&r.state))?,
        scope: code(Scope::parse(&r.scope))?,
        school_id: r.school_id,
        author_id: r.author_id,
        reason: r.reason,
        uses: r.uses.max(0) as u64,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// Lists are stored as JSON arrays of strings in a text column (portable, and never split on a
/// separator that a tag might contain).
pub fn list_to_text(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}

fn text_to_list(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(StoreError::internal)
}

pub fn version(r: VersionRow) -> Result<ResourceVersion, StoreError> {
    let file = match (r.file_sha256, r.file_size, r.media_type, r.file_name) {
        (Some(sha256), Some(size), Some(media_type), Some(file_name)) => Some(FileRef {
            sha256,
            size: size.max(0) as u64,
            media_type,
            file_name,
            duration_seconds: r.duration_seconds.and_then(|d| u32::try_from(d).ok()),
        }),
        _ => None,
    };
    Ok(ResourceVersion {
        number: u32::try_from(r.number).map_err(StoreError::internal)?,
        state: code(ReviewState::parse(&r.state))?,
        content: ResourceContent {
            title: r.title,
            description: r.description,
            stage: r.stage.as_deref().map(Stage::parse).transpose().map_err(StoreError::internal)?,
            grade: r.grade.and_then(|g| u8::try_from(g).ok()),
            subject: r.subject.as_deref().map(Subject::parse).transpose().map_err(StoreError::internal)?,
            edition_id: r.edition_id,
            volume_id: r.volume_id,
            chapter_id: r.chapter_id,
            knowledge_points: text_to_list(&r.knowledge_points)?,
            tags: text_to_list(&r.tags)?,
            licence: r.licence,
            source: r.source,
            link_url: r.link_url,
            file,
        },
        reason: r.reason,
        updated_at: r.updated_at,
    })
}

pub fn resource_parts(r: &ResourceRow) -> Result<(ResourceType, Scope), StoreError> {
    Ok((code(ResourceType::parse(&r.resource_type))?, code(Scope::parse(&r.scope))?))
}

pub fn resource_summary(r: ResourceSummaryRow) -> Result<ResourceSummary, StoreError> {
    Ok(ResourceSummary {
        resource_type: code(ResourceType::parse(&r.resource_type))?,
        scope: code(Scope::parse(&r.scope))?,
        state: code(ReviewState::parse(&r.state))?,
        id: r.id,
        author_name: r.author_name,
        school_name: r.school_name,
        version: u32::try_from(r.version).map_err(StoreError::internal)?,
        title: r.title,
        media_type: r.media_type,
        updated_at: r.updated_at,
    })
}

pub fn usage(rows: Vec<VerbCountRow>, favourites: i64) -> Usage {
    let mut usage = Usage { favourites: favourites.max(0) as u64, ..Usage::default() };
    for row in rows {
        let n = row.count.max(0) as u64;
        match row.verb.as_str() {
            "viewed" => usage.views = n,
            "downloaded" => usage.downloads = n,
            "used" => usage.uses = n,
            _ => {}
        }
    }
    usage
}
