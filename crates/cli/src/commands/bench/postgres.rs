//! The PostgreSQL side: the same rows in a fresh database (dropped at the end, also on error or
//! Ctrl-C), indexed with each stock setup for Chinese text, asked the same query mix for the same
//! work as our page — 20 hits with snippets, the total and facet counts — and the relevance set.
//!
//! Stock PostgreSQL 15 has no Chinese word segmentation (no zhparser, no pg_jieba), so two setups
//! are compared: pg_trgm (GIN index, `ILIKE '%word%'`, ranked by title match then `similarity`),
//! and character bigrams cut by the client into a `tsvector` (GIN index, phrase `tsquery`,
//! ranked by `ts_rank` with title positions weighted A) — the same units as our substring
//! matching. PostgreSQL also gets our query understanding: several words rank documents matching
//! more of them first, and stage or subject words (`高中化学`) are preferences, not requirements.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use domain::{Stage, Subject};
use search::metrics::{self, Metrics, RelevanceSet};
use search::{Filters, SearchDoc, Visibility};
use serde::Serialize;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, Row};

use super::corpus::Corpus;
use super::mix::{MixQuery, Origin};
use super::ours::by_origin;
use super::{Latency, PgSetup, VIEWER_ACCOUNT};
use crate::progress::RowsBar;

/// Session settings that give PostgreSQL a fair chance: memory for sorts, grouping and index
/// builds, no JIT compilation (it costs more than it saves on queries of milliseconds), and
/// plans made for each query's actual word (a generic plan cannot tell whether a pattern is
/// long enough for the trigram index).
const SESSION: [(&str, &str); 4] =
    [("work_mem", "64MB"), ("maintenance_work_mem", "1GB"), ("jit", "off"), ("plan_cache_mode", "force_custom_plan")];

/// A query still running after this long is cancelled and counted as a timeout.
const STATEMENT_TIMEOUT_S: u64 = 60;

/// Rows per COPY message.
const COPY_CHUNK: usize = 5_000;

/// Hits per page, as ours.
const PAGE: i64 = 20;

pub struct Input<'a> {
    pub corpus: &'a Corpus,
    pub warmup: &'a [MixQuery],
    pub timed: &'a [MixQuery],
    pub set: &'a RelevanceSet,
    pub setups: &'a [PgSetup],
}

/// What the PostgreSQL side measured.
#[derive(Debug, Clone, Serialize)]
pub struct PgReport {
    pub server_version: String,
    /// Why `CREATE EXTENSION pg_trgm` (or trigrams of Chinese text) failed, when it did.
    pub pg_trgm_error: Option<String>,
    /// Settings of the benchmark's session.
    pub session: Vec<(String, String)>,
    pub setups: Vec<SetupReport>,
}

/// One setup's figures.
#[derive(Debug, Clone, Serialize)]
pub struct SetupReport {
    pub setup: PgSetup,
    /// COPY of every row, then VACUUM ANALYZE.
    pub load_s: f64,
    /// Primary key, the text index and B-tree indexes on the five facet columns.
    pub index_s: f64,
    /// Table with its TOAST data.
    pub table_mib: f64,
    pub index_mib: f64,
    pub latency: Latency,
    pub by_origin: Vec<(Origin, Latency)>,
    /// Queries cancelled after the statement timeout (counted in the latency at that time).
    pub timeouts: usize,
    /// PostgreSQL's p50 over ours.
    pub ratio_p50: f64,
    /// PostgreSQL's p99 over ours.
    pub ratio_p99: f64,
    pub relevance: Metrics,
}

impl PgSetup {
    fn table(self) -> &'static str {
        match self {
            PgSetup::Trgm => "items_trgm",
            PgSetup::Bigram => "items_bigram",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PgSetup::Trgm => "PostgreSQL pg_trgm (GIN, ILIKE, similarity)",
            PgSetup::Bigram => "PostgreSQL bigram tsvector (GIN, phrase tsquery, ts_rank)",
        }
    }
}

/// Runs every setup in a fresh database `zhijiao_bench_<pid>` created through `admin_url`.
pub async fn run(admin_url: &str, input: &Input<'_>, ours: &Latency) -> anyhow::Result<PgReport> {
    let mut admin = connect(admin_url).await.context("cannot connect to PostgreSQL (--pg)")?;
    let server_version: String = sqlx::query_scalar("SHOW server_version").fetch_one(&mut admin).await?;
    let name = format!("zhijiao_bench_{}", std::process::id());
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .with_context(|| format!("cannot create the database {name}"))?;
    let mut url = url::Url::parse(admin_url).context("--pg is not a URL")?;
    url.set_path(&format!("/{name}"));

    let outcome = tokio::select! {
        outcome = inside(url.as_str(), input, ours) => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("已中断 / interrupted")),
    };
    // FORCE ends a connection that a failure may have left open.
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    let dropped = match sqlx::raw_sql(&drop).execute(&mut admin).await {
        Ok(_) => Ok(()),
        // The admin connection may have been closed during a long run: try once more on a new one.
        Err(_) => match connect(admin_url).await {
            Ok(mut again) => sqlx::raw_sql(&drop).execute(&mut again).await.map(|_| ()),
            Err(e) => Err(e),
        },
    };
    let (pg_trgm_error, setups) = outcome?;
    dropped.with_context(|| format!("could not drop the benchmark database {name}"))?;
    Ok(PgReport {
        server_version,
        pg_trgm_error,
        session: SESSION.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        setups,
    })
}

/// A connection that does not log slow statements: building indexes is slow by nature, and the
/// report carries the timings.
async fn connect(url: &str) -> Result<PgConnection, sqlx::Error> {
    PgConnectOptions::from_str(url)?.disable_statement_logging().connect().await
}

async fn inside(url: &str, input: &Input<'_>, ours: &Latency) -> anyhow::Result<(Option<String>, Vec<SetupReport>)> {
    let mut conn = connect(url).await?;
    for (key, value) in SESSION {
        sqlx::raw_sql(&format!("SET {key} = '{value}'")).execute(&mut conn).await?;
    }
    let pg_trgm_error = match sqlx::raw_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute(&mut conn).await {
        Err(e) => Some(format!("CREATE EXTENSION pg_trgm failed: {e}")),
        // Under a locale whose character classes do not know ideographs, pg_trgm drops them.
        Ok(_) => match sqlx::query_scalar::<_, i32>("SELECT cardinality(show_trgm('一元二次方程'))")
            .fetch_one(&mut conn)
            .await?
        {
            0 => Some("pg_trgm finds no trigrams in Chinese text under this database's LC_CTYPE".to_owned()),
            _ => None,
        },
    };
    let mut reports = Vec::new();
    for setup in input.setups {
        if let (PgSetup::Trgm, Some(why)) = (setup, &pg_trgm_error) {
            eprintln!("跳过 / skipped {}: {why}", setup.label());
            continue;
        }
        reports.push(bench_setup(&mut conn, *setup, input, ours).await?);
    }
    conn.close().await?;
    Ok((pg_trgm_error, reports))
}

async fn bench_setup(
    conn: &mut PgConnection,
    setup: PgSetup,
    input: &Input<'_>,
    ours: &Latency,
) -> anyhow::Result<SetupReport> {
    let table = setup.table();
    sqlx::raw_sql("SET statement_timeout = 0").execute(&mut *conn).await?;
    let grams_column = if setup == PgSetup::Bigram { ", grams tsvector NOT NULL" } else { "" };
    sqlx::raw_sql(&format!(
        "CREATE TABLE {table} (id text NOT NULL, source_id text, title text NOT NULL, body text NOT NULL, \
         stage text, grade smallint, subject text, item_type text NOT NULL, difficulty smallint, \
         knowledge_points text[] NOT NULL, uses bigint NOT NULL, scope text NOT NULL, scope_id text, \
         real boolean NOT NULL{grams_column})"
    ))
    .execute(&mut *conn)
    .await?;

    let started = Instant::now();
    let docs = &input.corpus.docs;
    let bar = RowsBar::new(docs.len() as u64, &format!("写入 / loading {table}"));
    let mut copy = conn.copy_in_raw(&format!("COPY {table} FROM STDIN")).await?;
    let mut chunk = String::new();
    for (i, doc) in docs.iter().enumerate() {
        copy_row(&mut chunk, doc, i < input.corpus.real, setup);
        if (i + 1) % COPY_CHUNK == 0 || i + 1 == docs.len() {
            copy.send(std::mem::take(&mut chunk).into_bytes()).await?;
            store::Progress::advance(&bar, ((i % COPY_CHUNK) + 1) as u64);
        }
    }
    copy.finish().await?;
    bar.finish();
    sqlx::raw_sql(&format!("VACUUM (ANALYZE) {table}")).execute(&mut *conn).await?;
    let load_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let text_index = match setup {
        PgSetup::Trgm => format!("CREATE INDEX {table}_body ON {table} USING gin (body gin_trgm_ops)"),
        PgSetup::Bigram => format!("CREATE INDEX {table}_grams ON {table} USING gin (grams)"),
    };
    let mut statements = vec![format!("ALTER TABLE {table} ADD PRIMARY KEY (id)"), text_index];
    for column in ["subject", "stage", "grade", "item_type", "difficulty"] {
        statements.push(format!("CREATE INDEX {table}_{column} ON {table} ({column})"));
    }
    for sql in statements {
        let spinner = spinner(&sql);
        sqlx::raw_sql(&sql).execute(&mut *conn).await.with_context(|| sql.clone())?;
        spinner.finish_and_clear();
    }
    sqlx::raw_sql(&format!("ANALYZE {table}")).execute(&mut *conn).await?;
    let index_s = started.elapsed().as_secs_f64();
    let (table_bytes, index_bytes): (i64, i64) =
        sqlx::query_as("SELECT pg_table_size($1::regclass), pg_indexes_size($1::regclass)")
            .bind(table)
            .fetch_one(&mut *conn)
            .await?;

    sqlx::raw_sql(&format!("SET statement_timeout = '{STATEMENT_TIMEOUT_S}s'")).execute(&mut *conn).await?;
    for q in input.warmup {
        run_search(conn, setup, &mix_search(q)).await?;
    }
    let bar = RowsBar::new(input.timed.len() as u64, &format!("查询 / querying {table}"));
    let (mut times, mut totals, mut timeouts) = (Vec::new(), Vec::new(), 0);
    for q in input.timed {
        let search = mix_search(q);
        let started = Instant::now();
        match run_search(conn, setup, &search).await {
            Ok(page) => {
                times.push(started.elapsed());
                totals.push(page.total);
            }
            Err(e) if is_timeout(&e) => {
                times.push(started.elapsed());
                totals.push(0);
                timeouts += 1;
            }
            Err(e) => return Err(e).with_context(|| format!("query {:?} on {table}", q.text)),
        }
        store::Progress::advance(&bar, 1);
    }
    bar.finish();

    let only_real = input.corpus.real > 0 && input.corpus.real < docs.len();
    let mut judged_metrics = Vec::new();
    for judged in &input.set.query {
        let page = run_search(conn, setup, &relevance_search(&judged.text, only_real)).await?;
        judged_metrics.push(metrics::evaluate(&page.ranked, &judged.relevant));
    }
    sqlx::raw_sql(&format!("DROP TABLE {table}")).execute(&mut *conn).await?;

    let latency = Latency::of(&times, &totals);
    let ratio = |pg: f64, us: f64| if us > 0.0 { pg / us } else { f64::INFINITY };
    Ok(SetupReport {
        setup,
        load_s,
        index_s,
        table_mib: table_bytes as f64 / (1024.0 * 1024.0),
        index_mib: index_bytes as f64 / (1024.0 * 1024.0),
        by_origin: by_origin(&input.timed[..times.len()], &times, &totals),
        ratio_p50: ratio(latency.p50_ms, ours.p50_ms),
        ratio_p99: ratio(latency.p99_ms, ours.p99_ms),
        latency,
        timeouts,
        relevance: metrics::mean(&judged_metrics),
    })
}

fn spinner(sql: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(format!("索引 / indexing: {sql}"));
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn is_timeout(e: &sqlx::Error) -> bool {
    // 57014: query_canceled, what statement_timeout raises.
    e.as_database_error().and_then(|d| d.code()).as_deref() == Some("57014")
}

/// One search as PostgreSQL is asked it.
#[derive(Debug, Default)]
struct Search {
    /// Words or phrases that must match (any of them; documents matching more come first).
    units: Vec<String>,
    /// Stage and subject named in the text: preferred, not required.
    prefer_stage: Option<Stage>,
    prefer_subject: Option<Subject>,
    filters: Filters,
    limit: i64,
    /// Only the rows of the real banks (what the relevance labels judge).
    only_real: bool,
}

fn mix_search(q: &MixQuery) -> Search {
    Search { units: vec![q.text.clone()], filters: q.filters.clone(), limit: PAGE, ..Search::default() }
}

fn relevance_search(text: &str, only_real: bool) -> Search {
    let mut search = Search { limit: metrics::CUTOFF as i64, only_real, ..Search::default() };
    for unit in text.split_whitespace() {
        match search::facet_word(unit) {
            Some((stage, subject)) => {
                search.prefer_stage = search.prefer_stage.or(stage);
                search.prefer_subject = search.prefer_subject.or(subject);
            }
            None => search.units.push(unit.to_owned()),
        }
    }
    search
}

/// A bound parameter.
enum Bind {
    Text(String),
    Small(i16),
}

/// The page of a search: ranked ids (source ids where known) and the total.
struct Page {
    ranked: Vec<String>,
    total: u64,
}

async fn run_search(conn: &mut PgConnection, setup: PgSetup, search: &Search) -> Result<Page, sqlx::Error> {
    let (sql, binds) = statement(setup, search);
    let mut query = sqlx::query(&sql);
    for bind in binds {
        query = match bind {
            Bind::Text(s) => query.bind(s),
            Bind::Small(n) => query.bind(n),
        };
    }
    let row = query.fetch_one(&mut *conn).await?;
    let hits: String = row.try_get("hits")?;
    let total: i64 = row.try_get("total")?;
    // The facet counts are fetched and decoded as our page uses them.
    let facets: String = row.try_get("facets")?;
    let points: String = row.try_get("knowledge_points")?;
    let decode =
        |text: &str| serde_json::from_str::<serde_json::Value>(text).map_err(|e| sqlx::Error::Decode(e.into()));
    let (hits, _, _) = (decode(&hits)?, decode(&facets)?, decode(&points)?);
    let ranked = hits
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["source_id"].as_str().or_else(|| h["id"].as_str()).map(str::to_owned))
        .collect();
    Ok(Page { ranked, total: u64::try_from(total).unwrap_or(0) })
}

/// The SQL of a search and its parameters: the matching rows are gathered once, then give the
/// page (joined back for title and snippet), the total, the counts of the five facets (one
/// grouping-sets pass) and the 20 most frequent knowledge points — what our page shows.
fn statement(setup: PgSetup, s: &Search) -> (String, Vec<Bind>) {
    let mut binds: Vec<Bind> = Vec::new();
    let mut param = |b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let (matches, in_title, score) = match setup {
        PgSetup::Trgm => {
            let patterns: Vec<String> = s.units.iter().map(|u| param(Bind::Text(like_pattern(u)))).collect();
            let matches: Vec<String> = patterns.iter().map(|p| format!("body ILIKE {p}")).collect();
            let titles: Vec<String> = patterns.iter().map(|p| format!("title ILIKE {p}")).collect();
            let score = if s.units.is_empty() {
                "0".to_owned()
            } else {
                format!("similarity(body, {})", param(Bind::Text(s.units.join(" "))))
            };
            let in_title = if titles.is_empty() { "0".to_owned() } else { format!("({})::int", titles.join(" OR ")) };
            (matches, in_title, score)
        }
        PgSetup::Bigram => {
            let queries: Vec<String> = s.units.iter().filter_map(|u| tsquery(u)).collect();
            let matches: Vec<String> =
                queries.iter().map(|q| format!("grams @@ {}::tsquery", param(Bind::Text(q.clone())))).collect();
            let score = if queries.is_empty() {
                "0".to_owned()
            } else {
                let any = queries.iter().map(|q| format!("({q})")).collect::<Vec<_>>().join(" | ");
                format!("ts_rank(grams, {}::tsquery, 1)", param(Bind::Text(any)))
            };
            (matches, "0".to_owned(), score)
        }
    };
    let matched = match matches.len() {
        0 | 1 => "1".to_owned(),
        _ => matches.iter().map(|m| format!("({m})::int")).collect::<Vec<_>>().join(" + "),
    };
    let mut conditions = vec![match (matches.len(), s.units.is_empty()) {
        (0, true) => "true".to_owned(),
        (0, false) => "false".to_owned(),
        _ => format!("({})", matches.join(" OR ")),
    }];
    let f = &s.filters;
    if let Some(stage) = f.stage {
        conditions.push(format!("stage = {}", param(Bind::Text(stage.code().to_owned()))));
    }
    if let Some(grade) = f.grade {
        conditions.push(format!("grade = {}", param(Bind::Small(i16::from(grade)))));
    }
    if let Some(subject) = f.subject {
        conditions.push(format!("subject = {}", param(Bind::Text(subject.code().to_owned()))));
    }
    if let Some(doc_type) = &f.doc_type {
        conditions.push(format!("item_type = {}", param(Bind::Text(doc_type.clone()))));
    }
    if let Some(difficulty) = f.difficulty {
        conditions.push(format!("difficulty = {}", param(Bind::Small(i16::from(difficulty)))));
    }
    // District staff see what the district and every school published, and their own drafts.
    conditions.push(format!("(scope <> 'private' OR scope_id = {})", param(Bind::Text(VIEWER_ACCOUNT.to_owned()))));
    if s.only_real {
        conditions.push("real".to_owned());
    }
    let mut prefer = Vec::new();
    if let Some(stage) = s.prefer_stage {
        prefer.push(format!("coalesce(stage = {}, false)::int", param(Bind::Text(stage.code().to_owned()))));
    }
    if let Some(subject) = s.prefer_subject {
        prefer.push(format!("coalesce(subject = {}, false)::int", param(Bind::Text(subject.code().to_owned()))));
    }
    let prefer = if prefer.is_empty() { "0".to_owned() } else { prefer.join(" + ") };
    let snippet = match s.units.first() {
        Some(unit) => format!(
            "substr(t.body, greatest(strpos(lower(t.body), lower({})) - 30, 1), 120)",
            param(Bind::Text(unit.clone()))
        ),
        None => "left(t.body, 120)".to_owned(),
    };
    let order =
        |p: &str| format!("{p}matched DESC, {p}prefer DESC, {p}in_title DESC, {p}score DESC, {p}uses DESC, {p}id");
    let table = setup.table();
    let sql = format!(
        "WITH m AS MATERIALIZED (\
            SELECT id, stage, grade, subject, item_type, difficulty, knowledge_points, uses, \
                {matched} AS matched, {prefer} AS prefer, {in_title} AS in_title, {score} AS score \
            FROM {table} WHERE {conditions}), \
         page AS (SELECT id, matched, prefer, in_title, score, uses FROM m ORDER BY {order_m} LIMIT {limit}) \
         SELECT \
            (SELECT coalesce(json_agg(json_build_object('id', t.id, 'source_id', t.source_id, 'title', t.title, \
                'snippet', {snippet}) ORDER BY {order_p}), '[]')::text FROM page p JOIN {table} t ON t.id = p.id) AS hits, \
            (SELECT count(*) FROM m) AS total, \
            (SELECT coalesce(json_agg(f), '[]')::text FROM (\
                SELECT GROUPING(stage, grade, subject, item_type, difficulty) AS g, \
                    stage, grade, subject, item_type, difficulty, count(*) AS n \
                FROM m GROUP BY GROUPING SETS ((stage), (grade), (subject), (item_type), (difficulty))) f) AS facets, \
            (SELECT coalesce(json_agg(k), '[]')::text FROM (\
                SELECT kp, count(*) AS n FROM m, unnest(m.knowledge_points) AS kp \
                GROUP BY kp ORDER BY n DESC, kp LIMIT 20) k) AS knowledge_points",
        conditions = conditions.join(" AND "),
        order_m = order(""),
        order_p = order("p."),
        limit = s.limit,
    );
    (sql, binds)
}

/// `%word%` with LIKE's special characters escaped.
fn like_pattern(unit: &str) -> String {
    let mut out = String::from("%");
    for c in unit.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Bigram tokens with positions, as our index cuts text (punctuation and `$` do not break a
/// phrase), so both engines match the same substrings.
fn grams(text: &str) -> Vec<(usize, String)> {
    search::text::bigrams(text)
}

/// A lexeme quoted for `tsvector` and `tsquery` input.
fn lexeme(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// The phrase query of a unit's bigrams at their distances: `'一元' <-> '元二' <2> 'x'`.
fn tsquery(unit: &str) -> Option<String> {
    let grams = grams(unit);
    let (first, rest) = grams.split_first()?;
    let mut out = lexeme(&first.1);
    let mut last = first.0;
    for (position, gram) in rest {
        let _ = write!(out, " <{}> {}", position - last, lexeme(gram));
        last = *position;
    }
    Some(out)
}

/// The `tsvector` of a row's text: each bigram with its positions (1-based, at most 16383 and
/// 256 per lexeme, PostgreSQL's limits), weighted A within the title.
fn tsvector(title: &str, body: &str) -> String {
    let title_positions = search::text::normalize(title).chars().filter(|c| c.is_alphanumeric()).count();
    let mut lexemes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (position, gram) in grams(body) {
        lexemes.entry(gram).or_default().push(position);
    }
    let mut out = String::new();
    for (gram, positions) in lexemes {
        let mut kept: Vec<usize> = positions.iter().map(|p| (p + 1).min(16_383)).collect();
        kept.dedup();
        kept.truncate(256);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&lexeme(&gram));
        for (n, p) in kept.iter().enumerate() {
            let weight = if *p <= title_positions { "A" } else { "" };
            let _ = write!(out, "{}{p}{weight}", if n == 0 { ':' } else { ',' });
        }
    }
    out
}

/// The text PostgreSQL searches: the body (stem, choices, analysis, tags) and the knowledge points
/// (which our index searches as labels).
fn searchable_body(doc: &SearchDoc) -> String {
    let mut body = doc.body.clone();
    for point in &doc.knowledge_points {
        body.push('\n');
        body.push_str(point);
    }
    body
}

/// Appends one row in COPY's text format.
fn copy_row(out: &mut String, doc: &SearchDoc, real: bool, setup: PgSetup) {
    let body = searchable_body(doc);
    let (scope, scope_id) = match &doc.visibility {
        Visibility::District => ("district", None),
        Visibility::School(s) => ("school", Some(s.as_str())),
        Visibility::Private(a) => ("private", Some(a.as_str())),
    };
    let array = {
        let quoted: Vec<String> = doc
            .knowledge_points
            .iter()
            .map(|k| format!("\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        format!("{{{}}}", quoted.join(","))
    };
    let number = |n: Option<u8>| n.map(|n| n.to_string());
    let mut fields: Vec<Option<String>> = vec![
        Some(doc.id.clone()),
        doc.source_id.clone(),
        Some(doc.title.clone()),
        Some(body.clone()),
        doc.stage.map(|s| s.code().to_owned()),
        number(doc.grade),
        doc.subject.map(|s| s.code().to_owned()),
        Some(doc.doc_type.clone()),
        number(doc.difficulty),
        Some(array),
        Some(doc.uses.to_string()),
        Some(scope.to_owned()),
        scope_id.map(str::to_owned),
        Some(if real { "t" } else { "f" }.to_owned()),
    ];
    if setup == PgSetup::Bigram {
        fields.push(Some(tsvector(&doc.title, &body)));
    }
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            out.push('\t');
        }
        match field {
            None => out.push_str("\\N"),
            Some(text) => copy_escape(out, text),
        }
    }
    out.push('\n');
}

/// COPY text-format escaping; NUL, which PostgreSQL text cannot hold, is dropped.
fn copy_escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_match_our_tokenizer() {
        let texts = |t: &str| grams(t).into_iter().map(|(_, g)| g).collect::<Vec<_>>();
        assert_eq!(texts("已知集合A={1,2}"), ["已知", "知集", "集合", "a", "1", "2"]);
        assert_eq!(texts("x²的根，是"), ["x2", "的根", "是"]);
        assert_eq!(grams("关于$x$的一元"), grams("关于 x的一元"));
        assert_eq!(grams("关于$x$的一元")[1], (2, "x".to_owned()));
    }

    #[test]
    fn phrase_queries_keep_distances_and_quote_lexemes() {
        assert_eq!(tsquery("一元二次").as_deref(), Some("'一元' <1> '元二' <1> '二次'"));
        assert_eq!(tsquery("关于x的").as_deref(), Some("'关于' <2> 'x' <1> '的'"));
        assert_eq!(tsquery("it's").as_deref(), Some("'it' <2> 's'"));
        assert_eq!(tsquery("，。"), None);
        assert_eq!(lexeme("a'b\\"), "'a''b\\\\'");
    }

    #[test]
    fn tsvectors_weight_the_title_and_merge_positions() {
        assert_eq!(tsvector("方程", "方程 方程"), "'方程':1A,3");
    }

    #[test]
    fn copy_rows_escape_text_and_arrays() {
        let mut doc = SearchDoc::from_item(
            &demo::bank::items(1, 1).next().expect("an item"),
            Visibility::Private("acct-1".into()),
            3,
        );
        doc.title = "a\tb\\c\nd".into();
        doc.knowledge_points = vec!["x\"y".into()];
        let mut out = String::new();
        copy_row(&mut out, &doc, false, PgSetup::Trgm);
        let fields: Vec<&str> = out.trim_end_matches('\n').split('\t').collect();
        assert_eq!(fields.len(), 14, "{out}");
        assert_eq!(fields[2], "a\\tb\\\\c\\nd");
        assert_eq!(fields[9], "{\"x\\\\\"y\"}");
        assert_eq!(&fields[11..], ["private", "acct-1", "f"]);
        assert!(!out.trim_end_matches('\n').contains('\n'));
    }

    #[test]
    fn statements_bind_every_value_and_read_stage_words_as_preferences() {
        let s = relevance_search("高中化学 氧化还原反应", true);
        assert_eq!(s.units, ["氧化还原反应"]);
        assert_eq!((s.prefer_stage, s.prefer_subject), (Some(Stage::Senior), Some(Subject::Chemistry)));
        let (sql, binds) = statement(PgSetup::Trgm, &s);
        assert!(sql.contains("body ILIKE $1") && sql.contains(" AND real") && sql.contains("LIMIT 10"), "{sql}");
        // pattern, similarity text, stage and subject preferences, viewer, snippet word.
        assert_eq!(binds.len(), 6);
        assert!(sql.contains("$6") && !sql.contains("$7"), "{sql}");
        let two = relevance_search("双曲线 离心率", false);
        let (sql, _) = statement(PgSetup::Bigram, &two);
        assert!(sql.contains("(grams @@ $1::tsquery)::int + (grams @@ $2::tsquery)::int"), "{sql}");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
