//! The index itself: opening, writing (upsert, delete, rebuild) and searching.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tantivy::directory::MmapDirectory;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::collect::{Harvest, PageCollector};
use crate::doc::{DocKind, SearchDoc};
use crate::error::SearchError;
use crate::query::{self, MAX_LIMIT, MAX_WINDOW, Mode, Query, Sort};
use crate::results::{Facets, Hit, KindCounts, SearchResults};
use crate::schema::{Fields, SCHEMA_VERSION, parse_key, schema, tokenizers};
use crate::text::GramTokenizer;

/// Memory of the writer kept open for upserts and deletes (one thread).
const WRITER_BYTES: usize = 50_000_000;
/// Memory per thread of the bulk writer of [`SearchIndex::rebuild`].
const BULK_BYTES_PER_THREAD: usize = 400_000_000;
/// Snippet length in bytes (tantivy counts bytes): ~120 Chinese characters.
const SNIPPET_BYTES: usize = 360;
/// Characters of the body shown when nothing in it is highlighted.
const PLAIN_SNIPPET_CHARS: usize = 120;
/// At most this many threads search the segments of one query.
const MAX_SEARCH_THREADS: usize = 4;
/// `progress` is called after every this many documents of a rebuild.
const PROGRESS_EVERY: u64 = 10_000;

/// The search index over exercises and resources. `Send + Sync`: share it in an `Arc`.
///
/// Writes are serialised by one writer behind a mutex; every write commits and reloads the
/// reader before it returns, so what was written is found by the next search.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    /// Where the index lives (`None` in memory), for error messages.
    dir: Option<PathBuf>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("dir", &self.dir).field("docs", &self.doc_count()).finish()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index if there is none.
    ///
    /// An index written with another schema or text analysis is not opened:
    /// [`SearchError::SchemaChanged`] tells the caller to [`recreate`](Self::recreate) and rebuild.
    pub fn open_or_create(dir: &Path) -> Result<Self, SearchError> {
        let io = |source| SearchError::Io { dir: dir.to_owned(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Engine(e.into()))?;
        let (schema, fields) = schema();
        let exists = Index::exists(&directory).map_err(|e| SearchError::Engine(e.into()))?;
        let index = if exists {
            let mut index = Index::open(directory)?;
            let found = index.load_metas()?.payload.unwrap_or_default();
            if index.schema() != schema || found != SCHEMA_VERSION {
                let found = if found.is_empty() { "an unknown schema".to_owned() } else { found };
                return Err(SearchError::SchemaChanged { dir: dir.to_owned(), found, expected: SCHEMA_VERSION });
            }
            index.set_tokenizers(tokenizers());
            index
        } else {
            if std::fs::read_dir(dir).map_err(io)?.next().is_some() {
                return Err(SearchError::NotAnIndex { dir: dir.to_owned() });
            }
            Index::builder().schema(schema).tokenizers(tokenizers()).open_or_create(directory)?
        };
        Self::new(index, fields, Some(dir.to_owned()), !exists)
    }

    /// Deletes the index in `dir` (only if `dir` holds one, or is empty or missing) and creates
    /// an empty one: the first step of rebuilding after [`SearchError::SchemaChanged`].
    pub fn recreate(dir: &Path) -> Result<Self, SearchError> {
        let io = |source| SearchError::Io { dir: dir.to_owned(), source };
        if dir.exists() {
            let entries: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(io)?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(io)?;
            if !entries.is_empty() && !dir.join("meta.json").exists() {
                return Err(SearchError::NotAnIndex { dir: dir.to_owned() });
            }
            // Tantivy keeps an index flat in its directory: files only.
            for path in entries.iter().filter(|p| p.is_file()) {
                std::fs::remove_file(path).map_err(io)?;
            }
        }
        Self::open_or_create(dir)
    }

    /// An index in memory, for tests and small demos.
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        let index = Index::builder().schema(schema).tokenizers(tokenizers()).create_in_ram()?;
        Self::new(index, fields, None, true)
    }

    fn new(mut index: Index, fields: Fields, dir: Option<PathBuf>, fresh: bool) -> Result<Self, SearchError> {
        // Segments are searched in parallel: the bulk writer leaves one segment per core, and a
        // search over 700,000 documents takes half the time on two cores.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_SEARCH_THREADS);
        if cores > 1 {
            index.set_multithread_executor(cores)?;
        }
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        // The writer (and with it the index's lock file) is taken at the first write, so a
        // process that only searches (`zhijiao search` beside a running server) never holds it.
        let writer = if fresh {
            let mut writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
            // Record the schema version at once, so that an index left empty still says which
            // version made it.
            commit(&mut writer)?;
            Some(writer)
        } else {
            None
        };
        let this = SearchIndex { index, reader, writer: Mutex::new(writer), fields, dir };
        this.reader.reload()?;
        Ok(this)
    }

    /// The writer, taken now if this process has none yet.
    fn writer(&self) -> Result<MutexGuard<'_, Option<IndexWriter>>, SearchError> {
        let mut guard = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        if guard.is_none() {
            *guard = Some(self.index.writer_with_num_threads(1, WRITER_BYTES)?);
        }
        Ok(guard)
    }

    /// Takes the index's writer now, failing at once if another process (a running server)
    /// holds it: an import calls this before it writes anything to the database.
    pub fn prepare_to_write(&self) -> Result<(), SearchError> {
        self.writer().map(drop)
    }

    /// Adds or replaces documents (by kind and id), commits, and makes them searchable.
    pub fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        let mut guard = self.writer()?;
        let writer = guard.as_mut().ok_or(SearchError::Poisoned)?;
        for doc in docs {
            writer.delete_term(self.fields.key_term(doc.kind, &doc.id));
            writer.add_document(self.fields.document(doc))?;
        }
        commit(writer)?;
        self.reader.reload()?;
        Ok(())
    }

    /// Removes a document; removing one that is not there is not an error.
    pub fn delete(&self, kind: DocKind, id: &str) -> Result<(), SearchError> {
        let mut guard = self.writer()?;
        let writer = guard.as_mut().ok_or(SearchError::Poisoned)?;
        writer.delete_term(self.fields.key_term(kind, id));
        commit(writer)?;
        self.reader.reload()?;
        Ok(())
    }

    /// Replaces the whole index with `docs` in one commit (searches see the old index until it is
    /// done), using a writer with one thread per core and a large memory budget. `progress` gets
    /// the number of documents added so far every 10,000 documents and at the end. Returns the
    /// number of documents indexed.
    pub fn rebuild(
        &self,
        docs: impl Iterator<Item = SearchDoc>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, SearchError> {
        let mut guard = self.writer()?;
        // Only one writer may exist: close the small one while the bulk writer works.
        if let Some(small) = guard.take() {
            small.wait_merging_threads()?;
        }
        let outcome = self.bulk_load(docs, progress);
        *guard = Some(self.index.writer_with_num_threads(1, WRITER_BYTES)?);
        drop(guard);
        let added = outcome?;
        self.reader.reload()?;
        Ok(added)
    }

    fn bulk_load(
        &self,
        docs: impl Iterator<Item = SearchDoc>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, SearchError> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
        let mut writer: IndexWriter = self.index.writer_with_num_threads(threads, threads * BULK_BYTES_PER_THREAD)?;
        writer.delete_all_documents()?;
        let mut added = 0u64;
        for doc in docs {
            writer.add_document(self.fields.document(&doc))?;
            added += 1;
            if added.is_multiple_of(PROGRESS_EVERY) {
                progress(added);
            }
        }
        commit(&mut writer)?;
        writer.wait_merging_threads()?;
        progress(added);
        Ok(added)
    }

    /// Documents in the index (both kinds, all visibilities).
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Runs a search: the page of hits, the total, facet counts and counts per kind.
    ///
    /// When fewer documents than the page match every word, a query of several words is retried
    /// with any word matching (complete matches first), so a teacher's long query still fills
    /// the page with the nearest exercises; [`SearchResults::relaxed`] says so.
    pub fn search(&self, q: &Query) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let has_text = !q.text.trim().is_empty();
        let sort = if has_text {
            q.sort
        } else if q.sort == Sort::Relevance {
            Sort::Uses
        } else {
            q.sort
        };
        let limit = q.limit.min(MAX_LIMIT);
        let offset = q.offset.min(MAX_WINDOW - limit);
        let collector = PageCollector {
            sort,
            kind: q.kind,
            window: offset + limit,
            scoring: sort == Sort::Relevance,
            viewer: q.viewer.clone(),
        };
        let mut harvest: Harvest = searcher.search(&*query::build(&self.fields, q, Mode::Strict), &collector)?;
        let matched = |h: &Harvest| match q.kind {
            Some(kind) => h.counts.by_kind[kind.ordinal() as usize],
            None => h.counts.by_kind.iter().sum(),
        };
        // Relevance can rank partial matches after complete ones; other orders only fall back
        // when nothing matches completely.
        let wanted = if sort == Sort::Relevance { (offset + limit).max(1) as u64 } else { 1 };
        let relaxed = has_text && matched(&harvest) < wanted && query::required_units(&q.text) > 1;
        if relaxed {
            harvest = searcher.search(&*query::build(&self.fields, q, Mode::Relaxed), &collector)?;
        }
        let snippets = Snippets::new(&searcher, &self.fields, &q.text)?;
        let mut hits = Vec::with_capacity(limit);
        for ranked in harvest.top.iter().skip(offset) {
            let doc: TantivyDocument = searcher.doc(ranked.address)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let key = text(self.fields.key);
            let (kind, id) = parse_key(&key);
            let (title, body) = (text(self.fields.title), text(self.fields.body));
            let source_id = Some(text(self.fields.source_id)).filter(|s| !s.is_empty());
            hits.push(Hit {
                doc_type: text(self.fields.doc_type),
                kind,
                id: id.to_owned(),
                source_id,
                snippet_html: snippets.html(&title, &body),
                title,
                score: if sort == Sort::Relevance { ranked.score } else { 0.0 },
                uses: ranked.uses,
            });
        }
        let [items, resources] = harvest.counts.by_kind;
        let total = match q.kind {
            Some(DocKind::Item) => items,
            Some(DocKind::Resource) => resources,
            None => items + resources,
        };
        Ok(SearchResults {
            total: usize::try_from(total).unwrap_or(usize::MAX),
            hits,
            facets: Facets::from_counts(&harvest.counts),
            counts_by_kind: KindCounts { items, resources },
            relaxed,
        })
    }
}

/// Commits with the schema version as payload.
fn commit(writer: &mut IndexWriter) -> Result<(), SearchError> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(SCHEMA_VERSION);
    prepared.commit()?;
    Ok(())
}

/// Snippets of one search: the query's bigrams highlighted in body or title.
struct Snippets {
    generator: Option<SnippetGenerator>,
}

impl Snippets {
    fn new(searcher: &Searcher, fields: &Fields, text: &str) -> Result<Self, SearchError> {
        let mut terms = BTreeMap::new();
        for gram in query::highlight_terms(text) {
            let df = searcher.doc_freq(&Term::from_field_text(fields.grams, &gram))?;
            if df > 0 {
                // Rare words weigh more in choosing the fragment, as tantivy's own generator does.
                terms.insert(gram, 1.0 / (1.0 + df as f32));
            }
        }
        let generator = (!terms.is_empty()).then(|| {
            let mut g =
                SnippetGenerator::new(terms, TextAnalyzer::from(GramTokenizer::default()), fields.body, SNIPPET_BYTES);
            g.set_max_num_chars(SNIPPET_BYTES);
            g
        });
        Ok(Snippets { generator })
    }

    fn html(&self, title: &str, body: &str) -> String {
        if let Some(generator) = &self.generator {
            for text in [body, title] {
                let mut snippet = generator.snippet(text);
                if !snippet.is_empty() {
                    snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                    return snippet.to_html();
                }
            }
        }
        let plain: String = body.chars().take(PLAIN_SNIPPET_CHARS).collect();
        escape(&plain)
    }
}

/// Minimal HTML escaping, the same characters tantivy's snippets escape.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
