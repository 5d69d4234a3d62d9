//! Builds an index of generated exercises and measures build time, size and query latency.
//!
//! ```text
//! cargo run --release -p search --example scale -- [COUNT] [DIR] [--detail]
//! ```
//! COUNT defaults to 700,000. Without DIR the index goes to a temporary directory that is
//! removed at the end; with DIR an index already holding COUNT documents is reused, so query
//! latency can be measured again without rebuilding. `--detail` prints the slowest time and the
//! hits of each query text of the mix.

use std::path::Path;
use std::time::{Duration, Instant};

use domain::{Stage, Subject};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search::{DocKind, Filters, Query, SearchDoc, SearchIndex, Sort, Viewer, Visibility};

const SEED: u64 = 2026;
const SCHOOLS: u64 = 140;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let detail = args.iter().any(|a| a == "--detail");
    let mut positional = args.iter().filter(|a| !a.starts_with("--"));
    let count: usize = positional.next().map(|a| a.parse()).transpose()?.unwrap_or(700_000);
    let kept = positional.next();
    let temp = tempfile::tempdir()?;
    let dir = kept.map_or(temp.path(), Path::new);

    let index = match SearchIndex::open_or_create(dir) {
        Err(search::SearchError::SchemaChanged { .. }) => SearchIndex::recreate(dir)?,
        other => other?,
    };
    if index.doc_count() != count as u64 {
        // Generating the documents is part of the build below; time a sample to tell it apart.
        let generated = Instant::now();
        let n = docs(count.min(50_000)).count();
        let generation = generated.elapsed().as_secs_f64() * count as f64 / n.max(1) as f64;
        let started = Instant::now();
        let built = index.rebuild(docs(count), &mut |n| eprint!("\r{n} documents"))?;
        let elapsed = started.elapsed().as_secs_f64();
        eprintln!();
        println!(
            "built {built} documents in {elapsed:.1} s (of which ~{generation:.1} s generating them) on {} threads",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
    } else {
        println!("reusing the index of {count} documents in {}", dir.display());
    }
    println!("index size: {:.0} MB", dir_size(dir)? as f64 / 1e6);

    let queries = query_mix(400);
    for q in queries.iter().take(50) {
        index.search(q)?; // warm the caches
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut totals = 0usize;
    for q in &queries {
        let started = Instant::now();
        let results = index.search(q)?;
        times.push(started.elapsed());
        totals += results.total;
    }
    if detail {
        let mut by_text: std::collections::BTreeMap<&str, (Duration, usize, usize)> = Default::default();
        for (q, t) in queries.iter().zip(&times) {
            let e = by_text.entry(q.text.as_str()).or_default();
            e.0 = e.0.max(*t);
            e.1 += 1;
            e.2 += index.search(&Query { limit: 0, ..q.clone() })?.total;
        }
        for (text, (max, n, total)) in by_text {
            println!("  {text:<24} max {:>6.2} ms, mean hits {}", max.as_secs_f64() * 1e3, total / n);
        }
    }
    report("keyword + 2 facets, with facet counts", &mut times);
    println!("  mean hits per query: {}", totals / queries.len());

    let mut browse = Vec::new();
    for q in query_mix(100) {
        let q = Query { text: String::new(), sort: Sort::Uses, ..q };
        let started = Instant::now();
        index.search(&q)?;
        browse.push(started.elapsed());
    }
    report("browse (no text, 2 facets, by uses)", &mut browse);

    let mut broad = Vec::new();
    for word in ["方程", "的", "下列", "计算", "学校", "说法"] {
        let q = Query::new(word, teacher(1));
        for _ in 0..10 {
            let started = Instant::now();
            index.search(&q)?;
            broad.push(started.elapsed());
        }
    }
    report("broad single word, no facets", &mut broad);
    Ok(())
}

/// The generated items as documents: most published to the district, some by one of 140
/// schools, a few private drafts; uses skewed like real popularity.
fn docs(count: usize) -> impl Iterator<Item = SearchDoc> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0x5EA4C4);
    demo::bank::items(count, SEED).map(move |item| {
        let visibility = match rng.random_range(0..100) {
            0..90 => Visibility::District,
            90..98 => Visibility::School(format!("sch-{:04}", rng.random_range(1..=SCHOOLS))),
            _ => Visibility::Private(format!("acct-{}", rng.random_range(1..2000))),
        };
        let uses = (rng.random::<f64>().powi(4) * 5_000.0) as u64;
        SearchDoc::from_item(&item, visibility, uses)
    })
}

fn teacher(school: u64) -> Viewer {
    Viewer { district_wide: false, schools: vec![format!("sch-{school:04}")], account_id: Some("acct-7".into()) }
}

/// Realistic teacher searches: a topic word or phrase plus two facets.
fn query_mix(n: usize) -> Vec<Query> {
    const TEXTS: &[&str] = &[
        "一元二次方程 根的判别式",
        "勾股定理",
        "平均分",
        "长方形 面积",
        "静夜思",
        "欧姆定律",
        "密度",
        "化学式",
        "已知集合",
        "等差数列",
        "概率",
        "一般现在时",
        "成语",
        "修辞手法",
        "光合作用",
        "辛亥革命",
        "速度 路程",
        "打折",
        "一次函数 交点",
        "单调区间",
        "古诗 填空",
        "氧化物",
        "阻值",
        "生态系统",
        "分数",
        "练习本",
        "季风气候",
        "\"关于x的一元二次方程\"",
        "解方程",
        "现价",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    (0..n)
        .map(|i| {
            let text = TEXTS[i % TEXTS.len()];
            let mut filters = Filters::default();
            match rng.random_range(0..3) {
                0 => {
                    filters.subject = Some(Subject::Math);
                    filters.grade = Some(rng.random_range(1..=12));
                }
                1 => {
                    filters.stage = Some(Stage::ALL[rng.random_range(0..3)]);
                    filters.difficulty = Some(rng.random_range(1..=5));
                }
                _ => {
                    filters.stage = Some(Stage::ALL[rng.random_range(0..3)]);
                    filters.doc_type = Some("single_choice".into());
                }
            }
            Query { kind: Some(DocKind::Item), filters, ..Query::new(text, teacher(rng.random_range(1..=SCHOOLS))) }
        })
        .collect()
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "{what}: {} queries, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

fn dir_size(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let meta = entry?.metadata()?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}
