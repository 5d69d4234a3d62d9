//! `zhijiao bench search`: the search benchmark of the scale issue, in one run on the same rows —
//! our index (build time, size, latency of a realistic query mix) against PostgreSQL's stock
//! full-text setups for Chinese, and both rankings on the hand-labelled relevance set.
//! `zhijiao bench homework`: the homework loop under many students at once.

mod corpus;
mod homework;
mod homework_load;
mod homework_plan;
mod homework_prepare;
mod homework_report;
mod mix;
mod ours;
mod postgres;
mod report;

use std::{path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use search::{Viewer, metrics::RelevanceSet};

use report::{Report, Targets};

use crate::config::Database;

/// The hand-labelled relevance set of the search crate (30 queries over the real banks).
const RELEVANCE_SET: &str = include_str!("../../../search/relevance/queries.toml");

/// The account of the benchmark's viewer: district staff who also owns some private drafts.
const VIEWER_ACCOUNT: &str = "acct-7";

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// 搜索规模基准：本平台索引对比 PostgreSQL / search at scale: our index against PostgreSQL
    Search(SearchBenchArgs),
    /// 作业负载基准：准备与运行 / homework under load: prepare, then run against a server
    #[command(subcommand)]
    Homework(homework::HomeworkCommand),
}

#[derive(Debug, Args)]
pub struct SearchBenchArgs {
    /// 真实题库文件夹（含 gaokao-bench、cmmlu、ape210k-valid、tal-scq5k-train） / folder holding
    /// the real banks (gaokao-bench, cmmlu, ape210k-valid, tal-scq5k-train)
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// 总题量：真实题库之外用生成的试题补足 / total items: generated exercises fill up after the real banks
    #[arg(long, default_value_t = 700_000)]
    items: usize,
    /// 计时的查询数 / timed queries
    #[arg(long, default_value_t = 1_000)]
    queries: usize,
    /// 预热查询数（不计时） / warm-up queries (not timed)
    #[arg(long, default_value_t = 100)]
    warmup: usize,
    /// PostgreSQL 连接（可建库的账号；不给则不比较） / PostgreSQL connection of an account that may
    /// create databases (no comparison without it)
    #[arg(long, value_name = "URL")]
    pg: Option<String>,
    /// 比较的 PostgreSQL 方案 / PostgreSQL setups to compare
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [PgSetup::Trgm, PgSetup::Bigram])]
    pg_setups: Vec<PgSetup>,
    /// PostgreSQL 计时查询数（默认与 --queries 相同；取查询序列的开头） / timed PostgreSQL queries
    /// (default: --queries; the first ones of the same mix)
    #[arg(long)]
    pg_queries: Option<usize>,
    /// 随机种子（生成试题与查询） / seed of the generated items and the query mix
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// 把全部数字写入 JSON 文件 / write every number to this JSON file
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

/// A way to search Chinese text in stock PostgreSQL 15 (no zhparser or pg_jieba).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PgSetup {
    /// pg_trgm GIN 索引 + ILIKE，按标题命中与 similarity 排序 / pg_trgm GIN index, ILIKE, ranked by
    /// title match and similarity
    Trgm,
    /// 客户端切分的二元组 tsvector + GIN，短语查询，ts_rank 排序 / character bigrams cut by the
    /// client into a tsvector with a GIN index, phrase queries, ranked by ts_rank
    Bigram,
}

pub async fn run(database: &Database, command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Search(args) => search(args).await,
        BenchCommand::Homework(command) => homework::run(database, command).await,
    }
}

/// The viewer of every benchmark query: district staff, as the scale target assumes.
fn viewer() -> Viewer {
    Viewer { district_wide: true, schools: Vec::new(), account_id: Some(VIEWER_ACCOUNT.to_owned()) }
}

async fn search(args: SearchBenchArgs) -> anyhow::Result<ExitCode> {
    let load_at_start = report::load_average();
    let set: RelevanceSet = toml::from_str(RELEVANCE_SET).context("the relevance set does not parse")?;
    let corpus = corpus::load(args.data.as_deref(), args.items, args.seed)?;
    let drawn = mix::draw(&corpus.docs, args.warmup + args.queries, args.seed)?;
    let (warmup, timed) = drawn.split_at(args.warmup.min(drawn.len()));

    let ours = ours::run(&corpus, warmup, timed, &set)?;
    let postgres = match &args.pg {
        Some(url) => {
            let pg_timed = &timed[..args.pg_queries.unwrap_or(timed.len()).min(timed.len())];
            let input =
                postgres::Input { corpus: &corpus, warmup, timed: pg_timed, set: &set, setups: &args.pg_setups };
            Some(postgres::run(url, &input, &ours.report.latency).await?)
        }
        None => None,
    };
    let report = Report {
        machine: report::Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            load_average_start: load_at_start,
            load_average_end: report::load_average(),
        },
        data: corpus.sizes(args.seed),
        mix: mix::summary(warmup, timed),
        targets: Targets::judge(&ours.report, postgres.as_ref()),
        relevance: report::Relevance::new(&set, &corpus, ours.relevance, postgres.as_ref()),
        ours: ours.report,
        postgres,
    };
    print!("{report}");
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Latency figures of one engine over a list of timed queries.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Latency {
    pub queries: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    pub max_ms: f64,
    /// Queries per second, one query at a time (one client thread).
    pub qps: f64,
    /// Mean number of matching documents (the total shown above the page).
    pub mean_total: f64,
    /// Queries that matched nothing.
    pub zero_hits: usize,
}

impl Latency {
    /// The figures of `times` (one per query) and the matching totals of the same queries.
    pub fn of(times: &[Duration], totals: &[u64]) -> Latency {
        if times.is_empty() {
            return Latency::default();
        }
        let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value with at least p of the queries at or below it.
        let at = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
        let sum: f64 = ms.iter().sum();
        Latency {
            queries: ms.len(),
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            mean_ms: sum / ms.len() as f64,
            max_ms: ms[ms.len() - 1],
            qps: if sum > 0.0 { ms.len() as f64 * 1e3 / sum } else { 0.0 },
            mean_total: totals.iter().sum::<u64>() as f64 / totals.len().max(1) as f64,
            zero_hits: totals.iter().filter(|t| **t == 0).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(&times, &[0, 5, 10]);
        assert_eq!((l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms), (50.0, 90.0, 99.0, 100.0));
        assert!((l.mean_ms - 50.5).abs() < 1e-9);
        assert!((l.qps - 1e3 / 50.5).abs() < 1e-9);
        assert_eq!((l.mean_total, l.zero_hits), (5.0, 1));
        let one = Latency::of(&[Duration::from_millis(3)], &[1]);
        assert_eq!((one.p50_ms, one.p99_ms), (3.0, 3.0));
    }

    #[test]
    fn the_relevance_set_parses() {
        let set: RelevanceSet = toml::from_str(RELEVANCE_SET).expect("parse");
        assert_eq!(set.query.len(), 30);
    }
}
