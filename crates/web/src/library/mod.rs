//! The library's moving parts shared by pages, the JSON API and the CLI: the search index and file
//! store handles, turning stored records into search documents, and carrying out review steps
//! (the rules themselves are `domain::resources::transition` and `domain::access`).

pub mod review;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
};

use blobs::Blobs;
use domain::{
    access::library::{LibraryViewer, Shelved},
    neardup::NearDupIndex,
    resources::{FileRef, ReviewState, Scope},
};
use search::{DocKind, SearchDoc, SearchIndex, Visibility};
use store::{ItemRecord, ResourceRecord, Store, StoreError};

/// How similar (Jaccard over character 3-grams) an item must be to another to be flagged.
pub const NEAR_DUPLICATE_THRESHOLD: f64 = 0.7;

/// The library's handles: the search index, the file store and the near-duplicate index of items.
pub struct Library {
    pub search: Arc<SearchIndex>,
    pub blobs: Blobs,
    /// Built from the bank in the background at start; `None` until ready.
    pub neardup: RwLock<Option<NearDupIndex>>,
    /// Files uploaded since the server started, by hash, with the name they were uploaded under
    /// (the form that creates a resource names its file by hash).
    recent_files: Mutex<HashMap<String, FileRef>>,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library").finish_non_exhaustive()
    }
}

impl Library {
    pub fn new(search: Arc<SearchIndex>, blobs: Blobs) -> Library {
        Library { search, blobs, neardup: RwLock::new(None), recent_files: Mutex::new(HashMap::new()) }
    }

    /// A library kept under `data_dir` (index in `search/`, files in `blobs/` and `uploads/`),
    /// with default limits: what tests and tools use.
    pub fn open_in(data_dir: &std::path::Path) -> Result<Library, String> {
        let search = SearchIndex::open_or_create(&data_dir.join("search")).map_err(|e| e.to_string())?;
        let blobs = Blobs::open(data_dir, blobs::Limits::default()).map_err(|e| e.to_string())?;
        Ok(Library::new(Arc::new(search), blobs))
    }

    /// Remembers a finished upload's description.
    pub fn remember_file(&self, file: FileRef) {
        if let Ok(mut files) = self.recent_files.lock() {
            // A bound, not a cache policy: forms are filled in minutes after their upload.
            if files.len() > 10_000 {
                files.clear();
            }
            files.insert(file.sha256.clone(), file);
        }
    }

    /// The description of a stored file: as uploaded, or (after a restart) read back from the
    /// store by content, named by its hash.
    pub async fn recall_file(&self, sha256: &str) -> Result<Option<FileRef>, blobs::BlobError> {
        if let Some(file) = self.recent_files.lock().ok().and_then(|f| f.get(sha256).cloned()) {
            return Ok(Some(file));
        }
        let named = format!("{}.bin", &sha256[..12.min(sha256.len())]);
        let blob = match self.blobs.describe(sha256, &named).await {
            Ok(blob) => blob,
            Err(blobs::BlobError::NotFound | blobs::BlobError::BadHash) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(FileRef {
            file_name: format!("{}.{}", &sha256[..12.min(sha256.len())], blob.file_type.extension()),
            sha256: blob.sha256,
            size: blob.size,
            media_type: blob.media_type,
            duration_seconds: blob.duration_seconds.map(|d| d.ceil() as u32),
        }))
    }
}

/// A new random id for a record made here (resources, items).
pub fn new_id() -> Result<String, crate::WebError> {
    crate::auth::secret::random_secret().map_err(|e| crate::WebError::Internal(e.to_string()))
}

/// Who may see a document in search: published ones by their scope, everything else only by its
/// author (reviewers reach submissions through their queue, not through search).
fn visibility(published: bool, scope: Scope, school_id: Option<&str>, author_id: Option<&str>) -> Visibility {
    match (published, scope, school_id) {
        (true, Scope::District, _) | (true, Scope::School, None) => Visibility::District,
        (true, Scope::School, Some(school)) => Visibility::School(school.to_owned()),
        (false, ..) => Visibility::Private(author_id.unwrap_or_default().to_owned()),
    }
}

/// The search document of an item.
pub fn item_doc(record: &ItemRecord) -> SearchDoc {
    let published = record.state == ReviewState::Published;
    let visibility = visibility(published, record.scope, record.school_id.as_deref(), record.author_id.as_deref());
    let mut doc = SearchDoc::from_item(&record.item, visibility, record.uses);
    doc.updated_at_unix = record.updated_at.timestamp();
    doc
}

/// The search document of a resource: its published version, or else its working version for its
/// author alone. `None` when there is nothing anyone should find (withdrawn, no version).
pub fn resource_doc(record: &ResourceRecord) -> Option<SearchDoc> {
    let (version, published) = match record.published() {
        Some(v) => (v, true),
        None => {
            let v = record.latest()?;
            if v.state == ReviewState::Withdrawn {
                return None;
            }
            (v, false)
        }
    };
    let c = &version.content;
    let mut body = c.description.clone();
    for extra in c.tags.iter().chain(&c.knowledge_points) {
        body.push(' ');
        body.push_str(extra);
    }
    if let Some(file) = &c.file {
        body.push(' ');
        body.push_str(&file.file_name);
    }
    Some(SearchDoc {
        kind: DocKind::Resource,
        id: record.id.clone(),
        source_id: None,
        title: c.title.clone(),
        body,
        stage: c.stage,
        grade: c.grade,
        subject: c.subject,
        edition: c.edition_id.clone(),
        chapter: c.chapter_id.clone(),
        knowledge_points: c.knowledge_points.clone(),
        doc_type: record.resource_type.code().to_owned(),
        difficulty: None,
        uses: record.usage.uses,
        visibility: visibility(published, record.scope, record.school_id.as_deref(), Some(&record.author_id)),
        updated_at_unix: version.updated_at.timestamp(),
    })
}

/// The shelf facts of a resource for [`domain::access::library`].
pub fn shelved(record: &ResourceRecord) -> Shelved<'_> {
    Shelved {
        state: record.latest().map_or(ReviewState::Draft, |v| v.state),
        has_published: record.published_version.is_some(),
        scope: record.scope,
        school_id: record.school_id.as_deref(),
        author_id: Some(&record.author_id),
    }
}

/// The shelf facts of an item.
pub fn shelved_item(record: &ItemRecord) -> Shelved<'_> {
    Shelved {
        state: record.state,
        has_published: record.state == ReviewState::Published,
        scope: record.scope,
        school_id: record.school_id.as_deref(),
        author_id: record.author_id.as_deref(),
    }
}

/// The search viewer for a library viewer.
pub fn search_viewer(viewer: &LibraryViewer) -> search::Viewer {
    search::Viewer {
        district_wide: viewer.district_wide,
        schools: viewer.schools.clone(),
        account_id: Some(viewer.account_id.clone()),
    }
}

/// Why reindexing failed.
#[derive(Debug, thiserror::Error)]
pub enum ReindexError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("search index: {0}")]
    Search(#[from] search::SearchError),
}

/// Rebuilds the search index from the store (items and resources), reporting documents done.
pub async fn reindex(
    store: &dyn Store,
    index: &SearchIndex,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<u64, ReindexError> {
    const PAGE: u32 = 5_000;
    let mut docs = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.items_after(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.item.id.clone());
        docs.extend(page.iter().map(item_doc));
        progress(page.len() as u64);
    }
    let mut after: Option<String> = None;
    loop {
        let page = store.resources_after(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        docs.extend(page.iter().filter_map(resource_doc));
        progress(page.len() as u64);
    }
    let n = index.rebuild(docs.into_iter(), &mut |_| {})?;
    Ok(n)
}

/// Builds the near-duplicate index over every item in the bank.
pub async fn build_neardup(store: &dyn Store) -> Result<NearDupIndex, StoreError> {
    let mut index = NearDupIndex::new(NEAR_DUPLICATE_THRESHOLD);
    let mut after: Option<String> = None;
    loop {
        let page = store.items_after(after.as_deref(), 5_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.item.id.clone());
        for r in &page {
            index.insert(r.item.id.clone(), &duplicate_text(&r.item));
        }
    }
    Ok(index)
}

/// The text two items are compared on: the stem and the choices (the analysis differs too often
/// between copies of the same question to help).
pub fn duplicate_text(item: &domain::items::Item) -> String {
    let mut text = item.stem.clone();
    for c in &item.choices {
        text.push(' ');
        text.push_str(&c.content);
    }
    text
}
