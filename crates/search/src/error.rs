//! The crate's error type: what the caller must act on, apart from internal failures.

use std::path::PathBuf;

/// An error of the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index on disk was built by another version of the schema or text analysis: the caller
    /// rebuilds it ([`crate::SearchIndex::recreate`], then `rebuild` from the store).
    #[error("the search index in {dir} was built with `{found}`, this version needs `{expected}`: rebuild it")]
    SchemaChanged { dir: PathBuf, found: String, expected: &'static str },
    /// The directory given for the index exists, is not empty and holds no index: it is left alone.
    #[error("{dir} is not a search index directory (it has files but no meta.json)")]
    NotAnIndex { dir: PathBuf },
    /// Reading or writing the index directory failed.
    #[error("search index directory {dir}: {source}")]
    Io { dir: PathBuf, source: std::io::Error },
    /// Tantivy failed (corrupt files, disk full, lock held by another process …).
    #[error("search engine: {0}")]
    Engine(#[from] tantivy::TantivyError),
    /// A lock was poisoned by a panic in another thread.
    #[error("search index writer is unusable after a panic in another thread")]
    Poisoned,
}
