//! Our side: the index built on disk with `SearchIndex::rebuild`, the query mix as the library
//! page asks it, and the relevance set.

use std::path::Path;
use std::time::{Duration, Instant};

use search::metrics::{self, Metrics, RelevanceSet};
use search::{DocKind, Query, SearchDoc, SearchIndex, Sort};

use super::corpus::Corpus;
use super::mix::{MixQuery, Origin};
use super::{Latency, viewer};
use crate::progress::RowsBar;

/// Hits per page of the library's search page.
const PAGE: usize = 20;

/// What our side measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OursReport {
    pub docs: u64,
    /// Threads of the bulk writer (one per core, at most 8).
    pub threads: usize,
    pub build_s: f64,
    pub index_mib: f64,
    pub latency: Latency,
    pub by_origin: Vec<(Origin, Latency)>,
}

pub struct Outcome {
    pub report: OursReport,
    /// Mean ranking quality on the relevance set.
    pub relevance: Metrics,
}

pub fn run(corpus: &Corpus, warmup: &[MixQuery], timed: &[MixQuery], set: &RelevanceSet) -> anyhow::Result<Outcome> {
    let dir = tempfile::tempdir()?;
    let index = SearchIndex::open_or_create(dir.path())?;
    let started = Instant::now();
    let docs = build(&index, &corpus.docs, "建立索引 / building our index")?;
    let build_s = started.elapsed().as_secs_f64();
    let index_mib = dir_bytes(dir.path())? as f64 / (1024.0 * 1024.0);

    for q in warmup {
        index.search(&page_query(q))?;
    }
    let bar = RowsBar::new(timed.len() as u64, "查询 / querying our index");
    let mut times = Vec::with_capacity(timed.len());
    let mut totals = Vec::with_capacity(timed.len());
    for q in timed {
        let query = page_query(q);
        let started = Instant::now();
        let results = index.search(&query)?;
        times.push(started.elapsed());
        totals.push(results.total as u64);
        store::Progress::advance(&bar, 1);
    }
    bar.finish();

    // The labels judge the real banks only: rank those alone, as a bank of them would.
    let relevance = if corpus.real > 0 && corpus.real < corpus.docs.len() {
        let real_dir = tempfile::tempdir()?;
        let real = SearchIndex::open_or_create(real_dir.path())?;
        build(&real, &corpus.docs[..corpus.real], "建立真实题库索引 / indexing the real banks")?;
        relevance(&real, set)?
    } else {
        relevance(&index, set)?
    };
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    Ok(Outcome {
        report: OursReport {
            docs,
            threads,
            build_s,
            index_mib,
            latency: Latency::of(&times, &totals),
            by_origin: by_origin(timed, &times, &totals),
        },
        relevance,
    })
}

/// Latency per origin of the queries.
pub fn by_origin(timed: &[MixQuery], times: &[Duration], totals: &[u64]) -> Vec<(Origin, Latency)> {
    Origin::ALL
        .iter()
        .map(|origin| {
            let (t, n): (Vec<Duration>, Vec<u64>) = timed
                .iter()
                .zip(times.iter().zip(totals))
                .filter(|(q, _)| q.origin == *origin)
                .map(|(_, (t, n))| (*t, *n))
                .unzip();
            (*origin, Latency::of(&t, &n))
        })
        .collect()
}

fn build(index: &SearchIndex, docs: &[SearchDoc], label: &str) -> anyhow::Result<u64> {
    let bar = RowsBar::new(docs.len() as u64, label);
    let mut shown = 0;
    let added = index.rebuild(docs.iter().cloned(), &mut |n| {
        store::Progress::advance(&bar, n.saturating_sub(shown));
        shown = n;
    })?;
    bar.finish();
    Ok(added)
}

/// The query the library page sends: the items tab, first page of 20 by relevance, with
/// snippets, the total and facet counts, for district staff.
fn page_query(q: &MixQuery) -> Query {
    Query {
        text: q.text.clone(),
        kind: Some(DocKind::Item),
        filters: q.filters.clone(),
        sort: Sort::Relevance,
        limit: PAGE,
        offset: 0,
        viewer: viewer(),
    }
}

/// Mean metrics of the first 10 items for each query of the set (no filters).
fn relevance(index: &SearchIndex, set: &RelevanceSet) -> anyhow::Result<Metrics> {
    let mut all = Vec::with_capacity(set.query.len());
    for judged in &set.query {
        let query =
            Query { kind: Some(DocKind::Item), limit: metrics::CUTOFF, ..Query::new(judged.text.clone(), viewer()) };
        let results = index.search(&query)?;
        let ranked: Vec<&str> = results.hits.iter().map(|h| h.source_id.as_deref().unwrap_or(&h.id)).collect();
        all.push(metrics::evaluate(&ranked, &judged.relevant));
    }
    Ok(metrics::mean(&all))
}

/// Bytes of the files in `dir` (tantivy keeps an index flat in its directory).
fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}
