//! Full-text and faceted search over exercises (items) and resources, Chinese first.
//!
//! The index is never the source of truth: it is filled from the store ([`SearchDoc::from_item`],
//! [`SearchIndex::upsert`]) and can always be rebuilt from it ([`SearchIndex::rebuild`]). Text is
//! NFKC-normalised and lower-cased, cut into words by jieba (search mode) for ranking and into
//! character bigrams for exact substring matches (see [`query`] for how a query matches). Facet
//! counts come from one pass over fast fields; only the page's documents are loaded.
//!
//! ```no_run
//! # fn demo(dir: &std::path::Path) -> Result<(), search::SearchError> {
//! use search::{Query, SearchIndex, Viewer};
//! let index = SearchIndex::open_or_create(dir)?;
//! let viewer = Viewer { district_wide: false, schools: vec!["sch-0001".into()], account_id: None };
//! let results = index.search(&Query::new("一元二次方程 根的判别式", viewer))?;
//! println!("{} hits, first: {:?}", results.total, results.hits.first().map(|h| &h.title));
//! # Ok(()) }
//! ```

mod collect;
mod doc;
mod error;
mod index;
pub mod metrics;
pub mod query;
mod results;
mod schema;
pub mod text;

pub use doc::{DocKind, SearchDoc, Visibility};
pub use error::SearchError;
pub use index::SearchIndex;
pub use query::{Filters, Query, Sort, Viewer, facet_word};
pub use results::{Facets, Hit, KNOWLEDGE_POINT_FACETS, KindCounts, SearchResults};
pub use schema::SCHEMA_VERSION;
