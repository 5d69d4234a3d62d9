//! What a search returns: a page of hits, the total, and facet counts for the result set.

use domain::{Stage, Subject};
use serde::{Deserialize, Serialize};

use crate::collect::Counts;
use crate::doc::DocKind;

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: DocKind,
    pub id: String,
    pub source_id: Option<String>,
    /// The item or resource type code (`single_choice`, `courseware`, …).
    pub doc_type: String,
    pub title: String,
    /// HTML-escaped text around the match (at most ~120 characters) with `<mark>…</mark>` around
    /// matched text; safe to insert into a page as is.
    pub snippet_html: String,
    /// Relevance score (0 when sorting by uses or date). In a relaxed search, hits matching
    /// every word carry 500 more than partial ones; an exact id match carries 1000× its weight.
    pub score: f32,
    pub uses: u64,
}

/// Counts per value of each facet among the matching documents of the selected kind (all
/// filters applied). Values with no document are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// In stage order.
    pub stage: Vec<(Stage, u64)>,
    /// In grade order.
    pub grade: Vec<(u8, u64)>,
    /// In subject order.
    pub subject: Vec<(Subject, u64)>,
    /// Most frequent first (then by code).
    pub doc_type: Vec<(String, u64)>,
    /// 1 … 5.
    pub difficulty: Vec<(u8, u64)>,
    /// The [`KNOWLEDGE_POINT_FACETS`] most frequent, most frequent first (then by id).
    pub knowledge_points: Vec<(String, u64)>,
}

/// How many knowledge points [`Facets::knowledge_points`] lists.
pub const KNOWLEDGE_POINT_FACETS: usize = 20;

/// Matching documents of each kind (the tab counts), whatever kind the query asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCounts {
    pub items: u64,
    pub resources: u64,
}

/// The answer to a [`crate::Query`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Matching documents of the selected kind (both kinds when none was selected).
    pub total: usize,
    /// The requested page, best first.
    pub hits: Vec<Hit>,
    pub facets: Facets,
    pub counts_by_kind: KindCounts,
    /// Fewer documents than the page matched every word, so documents matching some of the
    /// words were added after them; `total`, facets and counts then count those too.
    pub relaxed: bool,
}

impl Facets {
    pub(crate) fn from_counts(c: &Counts) -> Facets {
        fn nonzero<T: Copy>(values: impl Iterator<Item = (T, u64)>) -> Vec<(T, u64)> {
            values.filter(|(_, n)| *n > 0).collect()
        }
        fn most_frequent(map: &std::collections::HashMap<String, u64>, top: usize) -> Vec<(String, u64)> {
            let mut v: Vec<(String, u64)> = map.iter().map(|(k, n)| (k.clone(), *n)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v.truncate(top);
            v
        }
        Facets {
            stage: nonzero(Stage::ALL.iter().enumerate().map(|(i, s)| (*s, c.stage[i + 1]))),
            grade: nonzero((1..=12u8).map(|g| (g, c.grade[usize::from(g)]))),
            subject: nonzero(
                Subject::ALL.iter().enumerate().map(|(i, s)| (*s, c.subject.get(i + 1).copied().unwrap_or(0))),
            ),
            doc_type: most_frequent(&c.doc_type, usize::MAX),
            difficulty: nonzero((1..=5u8).map(|d| (d, c.difficulty[usize::from(d)]))),
            knowledge_points: most_frequent(&c.knowledge_point, KNOWLEDGE_POINT_FACETS),
        }
    }
}
