//! The benchmark's report: every number (serialised to `--json`) and the tables people read.

use std::fmt;

use search::metrics::{Metrics, RelevanceSet};
use serde::Serialize;

use super::Latency;
use super::corpus::Corpus;
use super::mix::MixSummary;
use super::ours::OursReport;
use super::postgres::PgReport;

/// The targets.
const BUILD_TARGET_S: f64 = 120.0;
const P99_TARGET_MS: f64 = 20.0;
const SPEEDUP_TARGET: f64 = 10.0;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub data: DataSizes,
    pub mix: MixSummary,
    pub ours: OursReport,
    pub postgres: Option<PgReport>,
    pub relevance: Relevance,
    pub targets: Targets,
}

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cores: usize,
    /// `/proc/loadavg` (1, 5, 15 minutes) when the benchmark started and ended: other work
    /// running on the machine shows here.
    pub load_average_start: Option<[f64; 3]>,
    pub load_average_end: Option<[f64; 3]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataSizes {
    pub banks: Vec<BankSize>,
    pub real: usize,
    pub generated: usize,
    pub total: usize,
    /// Seed of the generated items and the query mix.
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BankSize {
    pub name: String,
    pub items: usize,
}

/// Ranking quality on the hand-labelled set.
#[derive(Debug, Clone, Serialize)]
pub struct Relevance {
    pub queries: usize,
    /// Documents ranked: the real banks when they were loaded (the labels judge those).
    pub corpus_docs: usize,
    pub corpus: String,
    pub ours: Metrics,
    pub postgres: Vec<(String, Metrics)>,
}

impl Relevance {
    pub fn new(set: &RelevanceSet, corpus: &Corpus, ours: Metrics, pg: Option<&PgReport>) -> Relevance {
        let (corpus_docs, what) = if corpus.real > 0 {
            (corpus.real, "the real banks only (what the labels judge)")
        } else {
            (
                corpus.docs.len(),
                "generated items only (no --data): the labels name real-bank items, so every metric is 0",
            )
        };
        Relevance {
            queries: set.query.len(),
            corpus_docs,
            corpus: what.to_owned(),
            ours,
            postgres: pg
                .map(|pg| pg.setups.iter().map(|s| (s.setup.label().to_owned(), s.relevance)).collect())
                .unwrap_or_default(),
        }
    }
}

/// One target of the issue and whether it was met.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub target: String,
    pub value: String,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Targets {
    pub checks: Vec<Check>,
}

impl Targets {
    pub fn judge(ours: &OursReport, pg: Option<&PgReport>) -> Targets {
        let mut checks = vec![
            Check {
                target: format!("build < {BUILD_TARGET_S:.0} s on {} cores", ours.threads),
                value: format!("{:.1} s", ours.build_s),
                met: ours.build_s < BUILD_TARGET_S,
            },
            Check {
                target: format!("p99 < {P99_TARGET_MS:.0} ms"),
                value: format!("{:.2} ms", ours.latency.p99_ms),
                met: ours.latency.p99_ms < P99_TARGET_MS,
            },
        ];
        for setup in pg.map(|pg| pg.setups.as_slice()).unwrap_or_default() {
            checks.push(Check {
                target: format!("≥ {SPEEDUP_TARGET:.0}× faster than {} (p50 and p99)", setup.setup.label()),
                value: format!("p50 {:.1}×, p99 {:.1}×", setup.ratio_p50, setup.ratio_p99),
                met: setup.ratio_p50 >= SPEEDUP_TARGET && setup.ratio_p99 >= SPEEDUP_TARGET,
            });
        }
        Targets { checks }
    }
}

/// The load average now, where the system tells it.
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

/// `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn load(l: Option<[f64; 3]>) -> String {
    l.map_or_else(|| "unknown".to_owned(), |[a, b, c]| format!("{a:.2} {b:.2} {c:.2}"))
}

fn latency_row(f: &mut fmt::Formatter<'_>, engine: &str, l: &Latency, extra: &str) -> fmt::Result {
    writeln!(
        f,
        "| {engine} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.0} | {} | {extra}",
        l.queries, l.p50_ms, l.p90_ms, l.p99_ms, l.mean_ms, l.max_ms, l.qps, l.mean_total, l.zero_hits
    )
}

fn metrics_row(f: &mut fmt::Formatter<'_>, engine: &str, m: &Metrics) -> fmt::Result {
    writeln!(f, "| {engine} | {:.3} | {:.3} | {:.3} | {:.3} |", m.precision_at_10, m.recall_at_10, m.mrr, m.ndcg_at_10)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# 搜索规模基准 / search benchmark")?;
        writeln!(
            f,
            "machine: {} cores; load average {} at start, {} at end (1/5/15 min; above 0 means other work was running)",
            self.machine.cores,
            load(self.machine.load_average_start),
            load(self.machine.load_average_end)
        )?;
        if let Some(pg) = &self.postgres {
            let session: Vec<String> = pg.session.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(f, "PostgreSQL {} (session: {})", pg.server_version, session.join(", "))?;
            if let Some(why) = &pg.pg_trgm_error {
                writeln!(f, "pg_trgm NOT AVAILABLE: {why}")?;
            }
        }

        writeln!(f, "\n## 数据 / data (the same rows for every engine)\n")?;
        writeln!(f, "| source | items |\n|---|---:|")?;
        for bank in &self.data.banks {
            writeln!(f, "| {} | {} |", bank.name, thousands(bank.items))?;
        }
        writeln!(f, "| real banks | {} |", thousands(self.data.real))?;
        writeln!(f, "| generated (demo::bank, seed {}) | {} |", self.data.seed, thousands(self.data.generated))?;
        writeln!(f, "| **total** | {} |", thousands(self.data.total))?;

        let m = &self.mix;
        writeln!(f, "\n## 查询组合 / query mix\n")?;
        let origins: Vec<String> = m.by_origin.iter().map(|(o, n)| format!("{n} {}", o.label())).collect();
        let filters: Vec<String> = m.by_filters.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(f, "{} timed queries after {} warm-up: {}", m.timed, m.warmup, origins.join(", "))?;
        writeln!(f, "two filters each: {}", filters.join(", "))?;
        writeln!(
            f,
            "each query asks what the library page shows: the items tab, first 20 hits by relevance with snippets, the total, \
             counts of 5 facets and the top 20 knowledge points; viewer = district staff"
        )?;
        writeln!(f, "examples: {}", m.examples.join(" · "))?;

        writeln!(f, "\n## 建立索引 / build\n")?;
        writeln!(f, "| engine | load s | index s | total s | table MiB | index MiB |\n|---|---:|---:|---:|---:|---:|")?;
        let o = &self.ours;
        writeln!(
            f,
            "| ours (tantivy + jieba, {} threads, SearchIndex::rebuild) | – | {:.1} | {:.1} | – | {:.0} |",
            o.threads, o.build_s, o.build_s, o.index_mib
        )?;
        for s in self.postgres.iter().flat_map(|pg| &pg.setups) {
            writeln!(
                f,
                "| {} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} |",
                s.setup.label(),
                s.load_s,
                s.index_s,
                s.load_s + s.index_s,
                s.table_mib,
                s.index_mib
            )?;
        }

        writeln!(
            f,
            "\n## 查询延迟 / latency (one client, one query at a time; within a query our index searches its segments \
             on every core and PostgreSQL may use parallel workers)\n"
        )?;
        writeln!(
            f,
            "| engine | queries | p50 ms | p90 ms | p99 ms | mean ms | max ms | QPS | mean total | zero hits | PG ÷ ours |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        )?;
        latency_row(f, "ours", &o.latency, "")?;
        for s in self.postgres.iter().flat_map(|pg| &pg.setups) {
            let extra = format!(
                "p50 {:.1}×, p99 {:.1}×{}",
                s.ratio_p50,
                s.ratio_p99,
                if s.timeouts > 0 { format!(" ({} timed out)", s.timeouts) } else { String::new() }
            );
            latency_row(f, s.setup.label(), &s.latency, &extra)?;
        }
        writeln!(f, "\np50 / p99 ms by where the query text came from:\n")?;
        let header: Vec<&str> = o.by_origin.iter().map(|(origin, _)| origin.label()).collect();
        writeln!(f, "| engine | {} |\n|---|{}", header.join(" | "), "---:|".repeat(header.len()))?;
        let by_origin = |by: &[(super::mix::Origin, Latency)]| {
            by.iter().map(|(_, l)| format!("{:.2} / {:.2}", l.p50_ms, l.p99_ms)).collect::<Vec<_>>().join(" | ")
        };
        writeln!(f, "| ours | {} |", by_origin(&o.by_origin))?;
        for s in self.postgres.iter().flat_map(|pg| &pg.setups) {
            writeln!(f, "| {} | {} |", s.setup.label(), by_origin(&s.by_origin))?;
        }

        let r = &self.relevance;
        writeln!(
            f,
            "\n## 相关性 / relevance: {} hand-labelled queries, no filters, top 10, over {} ({} items)\n",
            r.queries,
            r.corpus,
            thousands(r.corpus_docs)
        )?;
        writeln!(f, "| engine | P@10 | R@10 | MRR | nDCG@10 |\n|---|---:|---:|---:|---:|")?;
        metrics_row(f, "ours", &r.ours)?;
        for (label, m) in &r.postgres {
            metrics_row(f, label, m)?;
        }

        writeln!(f, "\n## 目标 / targets of the issue\n")?;
        writeln!(f, "| target | value | met |\n|---|---|---|")?;
        for c in &self.targets.checks {
            writeln!(f, "| {} | {} | {} |", c.target, c.value, if c.met { "yes" } else { "NO" })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(700_000), "700,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
