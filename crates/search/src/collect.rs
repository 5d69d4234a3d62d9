//! One pass over the matching documents that counts facets and kinds and keeps the page's top.
//!
//! Everything read per document is a fast field: the packed small facets (one value for kind,
//! stage, grade, subject, difficulty), the doc-type and knowledge-point term ordinals, and
//! `uses`/`updated` only for documents that could enter the top. Stored documents are loaded
//! afterwards, for the page only.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{ColumnValues, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::doc::DocKind;
use crate::query::{Sort, Viewer};
use crate::schema::{Packed, SCOPE_DISTRICT, SCOPE_PRIVATE, SCOPE_SCHOOL};

/// What to keep while collecting.
pub(crate) struct PageCollector {
    pub sort: Sort,
    /// Only hits of this kind make the page and the facets; both kinds are counted.
    pub kind: Option<DocKind>,
    /// How many of the best hits to keep (offset + limit).
    pub window: usize,
    /// Whether scores are needed (relevance sort with text).
    pub scoring: bool,
    /// Whose visibility rules apply.
    pub viewer: Viewer,
}

/// A kept hit with its sort key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked {
    primary: u64,
    secondary: u64,
    pub address: DocAddress,
    pub score: Score,
    pub uses: u64,
}

impl Ranked {
    /// Better first: higher keys, then earlier documents.
    fn better(&self, other: &Ranked) -> Ordering {
        (other.primary, other.secondary, self.address.segment_ord, self.address.doc_id).cmp(&(
            self.primary,
            self.secondary,
            other.address.segment_ord,
            other.address.doc_id,
        ))
    }
}

/// Heap entry ordered so that the *worst* kept hit is on top of a max-heap.
struct Worst(Ranked);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.better(&other.0)
    }
}

/// Counts of the values of each facet; index = ordinal (0 = not set).
#[derive(Debug, Clone, Default)]
pub(crate) struct Counts {
    pub by_kind: [u64; 2],
    pub stage: [u64; 4],
    pub grade: [u64; 13],
    pub subject: [u64; 16],
    pub difficulty: [u64; 8],
    pub doc_type: HashMap<String, u64>,
    pub knowledge_point: HashMap<String, u64>,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        fn add_all(a: &mut [u64], b: &[u64]) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        add_all(&mut self.by_kind, &other.by_kind);
        add_all(&mut self.stage, &other.stage);
        add_all(&mut self.grade, &other.grade);
        add_all(&mut self.subject, &other.subject);
        add_all(&mut self.difficulty, &other.difficulty);
        for (k, v) in other.doc_type {
            *self.doc_type.entry(k).or_default() += v;
        }
        for (k, v) in other.knowledge_point {
            *self.knowledge_point.entry(k).or_default() += v;
        }
    }
}

/// The result of one pass: counts and the best `window` hits, best first.
pub(crate) struct Harvest {
    pub counts: Counts,
    pub top: Vec<Ranked>,
}

/// The viewer's rule with ids resolved to the owner ordinals of one segment.
struct SegmentViewer {
    district_wide: bool,
    schools: Vec<u64>,
    account: Option<u64>,
    owner: Option<StrColumn>,
}

impl SegmentViewer {
    fn new(viewer: &Viewer, owner: Option<StrColumn>) -> tantivy::Result<Self> {
        let mut schools = Vec::new();
        let mut account = None;
        if let Some(column) = &owner {
            let dictionary = column.dictionary();
            for school in &viewer.schools {
                schools.extend(dictionary.term_ord(school)?);
            }
            if let Some(id) = &viewer.account_id {
                account = dictionary.term_ord(id)?;
            }
        }
        Ok(SegmentViewer { district_wide: viewer.district_wide, schools, account, owner })
    }

    fn sees(&self, scope: u64, doc: DocId) -> bool {
        if scope == SCOPE_DISTRICT || (scope == SCOPE_SCHOOL && self.district_wide) {
            return true;
        }
        let Some(owner) = self.owner.as_ref().and_then(|c| c.ords().first(doc)) else { return false };
        match scope {
            SCOPE_SCHOOL => self.schools.contains(&owner),
            SCOPE_PRIVATE => self.account == Some(owner),
            _ => false,
        }
    }
}

pub(crate) struct SegmentPage {
    segment: SegmentOrdinal,
    viewer: SegmentViewer,
    sort: Sort,
    kind: Option<u64>,
    window: usize,
    packed: Arc<dyn ColumnValues<u64>>,
    uses: Arc<dyn ColumnValues<u64>>,
    updated: Arc<dyn ColumnValues<i64>>,
    doc_type: Option<StrColumn>,
    knowledge_point: Option<StrColumn>,
    counts: Counts,
    doc_type_counts: Vec<u64>,
    knowledge_point_counts: Vec<u64>,
    heap: BinaryHeap<Worst>,
}

impl Collector for PageCollector {
    type Fruit = Harvest;
    type Child = SegmentPage;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentPage> {
        let fast = reader.fast_fields();
        let doc_type = fast.str("doc_type")?;
        let knowledge_point = fast.str("knowledge_point")?;
        Ok(SegmentPage {
            segment,
            viewer: SegmentViewer::new(&self.viewer, fast.str("owner")?)?,
            sort: self.sort,
            kind: self.kind.map(DocKind::ordinal),
            window: self.window,
            packed: fast.column_first_or_default("packed")?,
            uses: fast.column_first_or_default("uses")?,
            updated: fast.column_first_or_default("updated")?,
            doc_type_counts: vec![0; doc_type.as_ref().map_or(0, |c| c.num_terms())],
            knowledge_point_counts: vec![0; knowledge_point.as_ref().map_or(0, |c| c.num_terms())],
            doc_type,
            knowledge_point,
            counts: Counts::default(),
            heap: BinaryHeap::with_capacity(self.window + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<(Counts, Vec<Ranked>)>) -> tantivy::Result<Harvest> {
        let mut counts = Counts::default();
        let mut top = Vec::new();
        for (c, t) in fruits {
            counts.add(c);
            top.extend(t);
        }
        top.sort_by(Ranked::better);
        top.truncate(self.window);
        Ok(Harvest { counts, top })
    }
}

/// Maps an `i64` to a `u64` of the same order.
fn ordered(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

impl SegmentPage {
    fn keep(&mut self, doc: DocId, score: Score) {
        let uses = |s: &Self| s.uses.get_val(doc);
        let updated = |s: &Self| ordered(s.updated.get_val(doc));
        let primary = match self.sort {
            Sort::Relevance => u64::from(score.max(0.0).to_bits()),
            Sort::Uses => uses(self),
            Sort::Newest => updated(self),
        };
        // Most documents lose on the primary key alone: skip reading anything else for them.
        if self.heap.len() >= self.window
            && let Some(worst) = self.heap.peek()
            && primary < worst.0.primary
        {
            return;
        }
        let secondary = match self.sort {
            Sort::Relevance | Sort::Newest => uses(self),
            Sort::Uses => updated(self),
        };
        let ranked = Ranked {
            primary,
            secondary,
            address: DocAddress::new(self.segment, doc),
            score,
            uses: if self.sort == Sort::Uses { primary } else { secondary },
        };
        if self.heap.len() < self.window {
            self.heap.push(Worst(ranked));
        } else if let Some(mut worst) = self.heap.peek_mut()
            && ranked.better(&worst.0) == Ordering::Less
        {
            *worst = Worst(ranked);
        }
    }
}

impl SegmentCollector for SegmentPage {
    type Fruit = (Counts, Vec<Ranked>);

    fn collect(&mut self, doc: DocId, score: Score) {
        let p = Packed::unpack(self.packed.get_val(doc));
        if !self.viewer.sees(p.scope, doc) {
            return;
        }
        self.counts.by_kind[p.kind as usize] += 1;
        if self.kind.is_some_and(|k| k != p.kind) {
            return;
        }
        self.counts.stage[p.stage as usize] += 1;
        self.counts.grade[(p.grade as usize).min(12)] += 1;
        self.counts.subject[p.subject as usize] += 1;
        self.counts.difficulty[p.difficulty as usize] += 1;
        if let Some(column) = &self.doc_type
            && let Some(ord) = column.ords().first(doc)
            && let Some(n) = self.doc_type_counts.get_mut(ord as usize)
        {
            *n += 1;
        }
        if let Some(column) = &self.knowledge_point {
            for ord in column.ords().values_for_doc(doc) {
                if let Some(n) = self.knowledge_point_counts.get_mut(ord as usize) {
                    *n += 1;
                }
            }
        }
        if self.window > 0 {
            self.keep(doc, score);
        }
    }

    fn harvest(mut self) -> (Counts, Vec<Ranked>) {
        for (column, counts, out) in [
            (&self.doc_type, &self.doc_type_counts, &mut self.counts.doc_type),
            (&self.knowledge_point, &self.knowledge_point_counts, &mut self.counts.knowledge_point),
        ] {
            let Some(column) = column else { continue };
            let ords: Vec<u64> = (0..counts.len() as u64).filter(|o| counts[*o as usize] > 0).collect();
            let mut next = ords.iter();
            // One sequential pass over the dictionary: looking ordinals up one by one would
            // decode each dictionary block from its start again. A read failure loses facet
            // names, not the search.
            let _ = column.dictionary().sorted_ords_to_term_cb(&ords, |bytes| {
                if let (Some(ord), Ok(text)) = (next.next(), std::str::from_utf8(bytes)) {
                    *out.entry(text.to_owned()).or_default() += counts[*ord as usize];
                }
            });
        }
        (self.counts, self.heap.into_iter().map(|w| w.0).collect())
    }
}
