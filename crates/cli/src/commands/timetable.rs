//! `zhijiao timetable …`: solve FET files (plain or `.xz`), check stored timetables, list the
//! supported FET constraints.
//!
//! The engine is pure; this module reads and decompresses files, owns the clock (the time limit
//! becomes the solver's stop callback), handles Ctrl-C and prints results.

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use clap::{Args, Subcommand};
use timetable::{Control, ExplainConfig, Problem, SolveConfig, fet};

#[derive(Debug, Subcommand)]
pub enum TimetableCommand {
    /// 求解 FET 文件并报告硬约束与软约束罚分 / solve a FET file and report hard constraints and soft penalty
    Solve(SolveArgs),
    /// 用独立检查器核对 FET 文件中保存的课表 / verify the timetable stored in a FET file with the independent checker
    Check(CheckArgs),
    /// 列出支持的 FET 约束类型 / list the supported FET constraint types
    Constraints,
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    /// FET 文件（.fet 或 .fet.xz） / FET file (.fet or .fet.xz)
    pub file: PathBuf,
    /// 时间上限（秒，0 表示立即返回当前结果） / time limit in seconds (0 returns at once with what there is)
    #[arg(long, value_name = "S")]
    pub time_limit: f64,
    /// 随机种子 / random seed
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 写出带课表的 FET 文件 / write the FET file with the timetable
    #[arg(long, value_name = "OUT.fet")]
    pub out: Option<PathBuf>,
    /// 以 JSON 输出 / print JSON
    #[arg(long)]
    pub json: bool,
    /// 忽略不支持的软约束（会列出） / skip unsupported soft constraints (they are listed)
    #[arg(long)]
    pub ignore_unsupported_soft: bool,
    /// 并行搜索数 / parallel searches
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// 找到满足全部硬约束的课表后再优化多少秒（默认用满时间） / seconds of soft improvement after the first hard-feasible timetable (default: the whole limit)
    #[arg(long, value_name = "S")]
    pub polish_seconds: Option<f64>,
    /// 无解时找出互相冲突的最小约束集合 / when unsolved, search a minimal set of conflicting constraints
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// 原始 FET 问题文件 / the FET problem file
    pub problem: PathBuf,
    /// 含课表的 FET 文件（如 FET 输出的 *_data_and_timetable.fet） / FET file holding a timetable (e.g. FET's *_data_and_timetable.fet)
    pub timetable: PathBuf,
    /// 以 JSON 输出 / print JSON
    #[arg(long)]
    pub json: bool,
    /// 忽略不支持的软约束 / skip unsupported soft constraints
    #[arg(long)]
    pub ignore_unsupported_soft: bool,
}

/// Reads a `.fet` or `.fet.xz` file as text (a leading byte-order mark is dropped).
fn read_fet(path: &Path) -> anyhow::Result<String> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = if path.extension().is_some_and(|e| e == "xz") {
        let mut out = Vec::new();
        lzma_rs::xz_decompress(&mut std::io::BufReader::new(&raw[..]), &mut out)
            .map_err(|e| anyhow::anyhow!("{}: not a valid .xz file: {e:?}", path.display()))?;
        out
    } else {
        raw
    };
    let mut text = String::new();
    (&bytes[..]).read_to_string(&mut text).with_context(|| format!("{}: not UTF-8 text", path.display()))?;
    Ok(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text))
}

fn import(path: &Path, text: &str, ignore_unsupported_soft: bool) -> anyhow::Result<fet::FetImport> {
    fet::import(text, fet::ImportOptions { ignore_unsupported_soft })
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn solve(args: SolveArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let text = read_fet(&args.file)?;
    let imported = import(&args.file, &text, args.ignore_unsupported_soft)?;
    let p = &imported.problem;
    if !args.time_limit.is_finite() || args.time_limit < 0.0 {
        anyhow::bail!("--time-limit must be a number of seconds ≥ 0");
    }
    let limit = Duration::from_secs_f64(args.time_limit);
    let polish = args.polish_seconds.map(|s| Duration::from_secs_f64(s.max(0.0)));
    let feasible_at: Arc<Mutex<Option<Duration>>> = Arc::new(Mutex::new(None));
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // Ctrl-C stops the search; the best timetable so far is still reported and written.
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::SeqCst);
            }
        });
    }
    let solve_start = Instant::now();
    let stop = {
        let feasible_at = feasible_at.clone();
        let interrupted = interrupted.clone();
        move || {
            let now = solve_start.elapsed();
            if now >= limit || interrupted.load(Ordering::Relaxed) {
                return true;
            }
            match (polish, feasible_at.lock().ok().and_then(|g| *g)) {
                (Some(p), Some(f)) => now >= f + p,
                _ => false,
            }
        }
    };
    let on_best = {
        let feasible_at = feasible_at.clone();
        move |_soft: f64| {
            if let Ok(mut g) = feasible_at.lock() {
                g.get_or_insert(solve_start.elapsed());
            }
        }
    };
    let cfg = SolveConfig { seed: args.seed, threads: args.threads.max(1), ..SolveConfig::default() };
    let solution = timetable::solve(p, &cfg, &Control { stop: &stop, on_best: &on_best })?;
    let seconds = solve_start.elapsed().as_secs_f64();
    let to_feasible = if solution.hard_ok() {
        feasible_at.lock().ok().and_then(|g| *g).map(|d| d.as_secs_f64()).or(Some(seconds))
    } else {
        None
    };
    if !solution.bookkeeping_agrees {
        tracing::warn!(
            "the solver's bookkeeping disagrees with the independent checker; the checker's verdict is reported"
        );
    }
    if let Some(out) = &args.out {
        let doc = fet::export_with_timetable(&text, p, &solution.timetable)?;
        std::fs::write(out, doc).with_context(|| format!("cannot write {}", out.display()))?;
    }
    let explanation = if !solution.hard_ok() && args.explain {
        let explain_start = Instant::now();
        let stop = move || explain_start.elapsed() >= limit;
        timetable::explain_infeasible(p, &ExplainConfig { seed: args.seed, ..ExplainConfig::default() }, &stop)?
    } else {
        None
    };
    let hard_broken: Vec<&timetable::Violation> = solution.report.violations.iter().filter(|v| v.hard).collect();
    if args.json {
        let out = serde_json::json!({
            "file": args.file.display().to_string(),
            "hard_ok": solution.hard_ok(),
            "soft_penalty": round3(solution.soft_penalty()),
            "seconds": round3(seconds),
            "seconds_to_hard_ok": to_feasible.map(round3),
            "activities": p.activities.len(),
            "hard_violations": solution.report.hard_violations,
            "seed": args.seed,
            "iterations": solution.iterations,
            "checker_agrees_with_solver": solution.bookkeeping_agrees,
            "ignored_soft_constraints": imported.ignored.iter().map(|(n, k)| serde_json::json!({"type": n, "count": k})).collect::<Vec<_>>(),
            "broken_hard_constraints": hard_broken.iter().take(20).map(|v| v.label.clone()).collect::<Vec<_>>(),
            "explanation": explanation,
            "total_seconds": round3(started.elapsed().as_secs_f64()),
        });
        println!("{out}");
    } else {
        print_summary(p, &imported, &solution, seconds, to_feasible, &hard_broken);
        if let Some(e) = &explanation {
            println!(
                "冲突的约束 / conflicting constraints ({}):",
                if e.minimal { "最小 / minimal" } else { "未完全化简 / not fully reduced" }
            );
            for r in &e.reasons {
                println!("  - {r}");
            }
        }
        if let Some(out) = &args.out {
            println!("已写出 / written: {}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn print_summary(
    p: &Problem,
    imported: &fet::FetImport,
    solution: &timetable::Solution,
    seconds: f64,
    to_feasible: Option<f64>,
    hard_broken: &[&timetable::Violation],
) {
    println!(
        "{}: {} 个活动 activities, {} 天 days × {} 节 periods, {} 条约束 constraints",
        if p.name.is_empty() { "instance" } else { &p.name },
        p.activities.len(),
        p.days.len(),
        p.periods.len(),
        p.constraints.len()
    );
    for (name, k) in &imported.ignored {
        println!("  已忽略的软约束 / ignored soft constraint: {name} × {k}");
    }
    println!("hard_ok: {}", solution.hard_ok());
    println!("soft_penalty: {:.3}", solution.soft_penalty());
    println!("seconds: {seconds:.3}");
    if let Some(f) = to_feasible {
        println!("seconds_to_hard_ok: {f:.3}");
    }
    println!("activities: {}", p.activities.len());
    if !solution.hard_ok() {
        println!("未满足的硬约束 / broken hard constraints ({} violations):", solution.report.hard_violations);
        for v in hard_broken.iter().take(15) {
            println!("  - {} × {}", v.label, v.count);
        }
    }
}

pub fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let text = read_fet(&args.problem)?;
    let problem = import(&args.problem, &text, args.ignore_unsupported_soft)?.problem;
    let solved_text = read_fet(&args.timetable)?;
    let solved = import(&args.timetable, &solved_text, true)?.problem;
    let tt = fet::stored_timetable(&solved, &problem);
    let placed = tt.placements.iter().filter(|p| p.start.is_some()).count();
    let report = timetable::check(&problem, &tt);
    if args.json {
        let out = serde_json::json!({
            "hard_ok": report.hard_ok(),
            "hard_violations": report.hard_violations,
            "soft_penalty": round3(report.soft_penalty()),
            "activities": problem.activities.len(),
            "placed": placed,
            "broken_hard_constraints": report.violations.iter().filter(|v| v.hard).take(20).map(|v| v.label.clone()).collect::<Vec<_>>(),
        });
        println!("{out}");
    } else {
        println!("hard_ok: {}", report.hard_ok());
        println!("soft_penalty: {:.3}", report.soft_penalty());
        println!("activities: {} (placed {placed})", problem.activities.len());
        for v in report.violations.iter().filter(|v| v.hard).take(15) {
            println!("  - {} × {}", v.label, v.count);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn constraints() -> anyhow::Result<ExitCode> {
    println!(
        "支持的 FET 约束类型 / supported FET constraint types (others are refused by name; unsupported soft ones can be skipped with --ignore-unsupported-soft):"
    );
    for (name, what) in fet::SUPPORTED_CONSTRAINTS {
        println!("  {name:<58} {what}");
    }
    Ok(ExitCode::SUCCESS)
}
