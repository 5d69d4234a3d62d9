//! `zhijiao learn fit` and `zhijiao learn predict`: the learning engine on response logs (CSV, plain
//! or gzip), with cross-validated AUC, RMSE and log-loss for researchers.
//!
//! The engine is pure; this module reads files, maps columns, times the fits and prints results.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read, Write},
    path::{Path, PathBuf},
    process::ExitCode,
    time::Instant,
};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use learn::{Dataset, DatasetBuilder, FitConfig, Metrics, Model, ModelKind};

#[derive(Debug, Subcommand)]
pub enum LearnCommand {
    /// 交叉验证拟合并报告 AUC/RMSE/对数损失 / fit with cross-validation and report AUC, RMSE, log-loss
    Fit(FitArgs),
    /// 用已保存的模型逐条预测作答 / predict each response with a saved model
    Predict(PredictArgs),
    /// 用平台中全部已批改作答重新拟合并重算学生掌握度 / refit the platform's models on all marked answers
    Refit,
}

/// Which model to fit.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModelArg {
    /// 贝叶斯知识追踪 / Bayesian knowledge tracing
    Bkt,
    /// 单参数项目反应理论 / 1PL item response theory
    Irt1,
    /// 双参数项目反应理论 / 2PL item response theory
    Irt2,
}

impl From<ModelArg> for ModelKind {
    fn from(m: ModelArg) -> Self {
        match m {
            ModelArg::Bkt => ModelKind::Bkt,
            ModelArg::Irt1 => ModelKind::Irt1,
            ModelArg::Irt2 => ModelKind::Irt2,
        }
    }
}

/// How to read a response file.
#[derive(Debug, Args)]
pub struct ColumnArgs {
    /// 作答文件（CSV，可为 .gz） / response file (CSV, optionally .gz)
    #[arg(long, value_name = "FILE")]
    pub responses: PathBuf,
    /// 学生列（默认自动识别 user_id/student_id/student_seq/student） / student column (default: detected)
    #[arg(long, value_name = "NAME")]
    pub student_column: Option<String>,
    /// 知识点列（默认 skill_id/skill_name/skill/kc） / knowledge-point column (default: detected)
    #[arg(long, value_name = "NAME")]
    pub skill_column: Option<String>,
    /// 题目列（默认 problem_id/item_id/qid/item；没有时以知识点为题） / item column (default: detected; none = the skill)
    #[arg(long, value_name = "NAME")]
    pub item_column: Option<String>,
    /// 作答正误列（0/1） / correctness column (0/1)
    #[arg(long, value_name = "NAME", default_value = "correct")]
    pub correct_column: String,
    /// 排序列：每名学生的作答按此数值排序（默认按文件顺序） / order column (numeric; default: file order)
    #[arg(long, value_name = "NAME")]
    pub order_column: Option<String>,
    /// 去掉与同一学生上一行题目相同的行（多知识点题的重复行） / drop a row repeating the student's previous item
    #[arg(long)]
    pub dedup: bool,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// 模型 / model
    #[arg(long, value_enum, default_value = "bkt")]
    pub model: ModelArg,
    /// 按学生随机划分的折数；0 = 不做交叉验证，用全部数据拟合 / random student folds; 0 = no cross-validation, fit all rows
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// 用文件中的折列代替随机划分（空值的行只用于训练） / use this fold column (rows with an empty value always train)
    #[arg(long, value_name = "NAME")]
    pub fold_column: Option<String>,
    /// 随机种子 / seed (fold split and BKT restarts)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// BKT 随机重启次数 / BKT random restarts
    #[arg(long, default_value_t = 5)]
    pub restarts: usize,
    /// BKT 拟合遗忘概率 / BKT: fit a forgetting probability
    #[arg(long)]
    pub forget: bool,
    /// BKT 猜测概率上限（默认不设，仅要求“掌握”比“未掌握”答对概率至少高 0.05；0.49 即教科书的 guess < 0.5） /
    /// BKT: upper bound on guess (default none beyond P(correct | known) − P(correct | unknown) ≥ 0.05;
    /// 0.49 gives the textbook guess < 0.5)
    #[arg(long, value_parser = parse_max_guess)]
    pub max_guess: Option<f64>,
    /// 线程数（默认全部核心） / worker threads (default: all cores)
    #[arg(long)]
    pub threads: Option<usize>,
    /// 以 JSON 输出 / print JSON
    #[arg(long)]
    pub json: bool,
    /// 交叉验证后用全部数据拟合并保存模型 / after cross-validation, fit on all rows and save the model here
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// 由 `learn fit --save-model` 保存的模型 / model saved by `learn fit --save-model`
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// 逐行预测输出（CSV；默认标准输出） / per-row predictions (CSV; default stdout)
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// 每名学生最终掌握度/能力（CSV） / each student's final mastery or ability (CSV)
    #[arg(long, value_name = "FILE")]
    pub estimates: Option<PathBuf>,
}

/// A response file read into a dataset, with what is needed to split and report it.
struct Loaded {
    data: Dataset,
    /// Per row: the fold value ("" = always training), when a fold column was asked for.
    folds: Option<Vec<String>>,
    /// Per row: the file line it came from.
    lines: Vec<u64>,
    item_column: Option<String>,
}

/// The user's mistakes in a response file, each with file, line and column.
#[derive(Debug)]
struct BadInput(Vec<String>);

const MAX_REPORTED: usize = 20;

fn open(path: &Path) -> anyhow::Result<Box<dyn Read>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = BufReader::new(file);
    // Gzip by content, not by name, so a renamed file still works.
    let gzip = reader.fill_buf().with_context(|| format!("cannot read {}", path.display()))?.starts_with(&[0x1f, 0x8b]);
    Ok(if gzip { Box::new(flate2::read::MultiGzDecoder::new(reader)) } else { Box::new(reader) })
}

fn pick_column(
    headers: &csv::StringRecord,
    given: Option<&str>,
    candidates: &[&str],
    what: &str,
    file: &str,
) -> Result<Option<usize>, String> {
    let names: Vec<&str> = headers.iter().collect();
    match given {
        Some(name) => names.iter().position(|h| *h == name).map(Some).ok_or_else(|| {
            format!("{file}: line 1: no column named '{name}' for the {what}; the columns are: {}", names.join(", "))
        }),
        None => Ok(candidates.iter().find_map(|c| names.iter().position(|h| h == c))),
    }
}

fn load(columns: &ColumnArgs, fold_column: Option<&str>) -> anyhow::Result<Result<Loaded, BadInput>> {
    let file = columns.responses.display().to_string();
    // Records end at '\n' only: with the default CRLF handling the csv crate reports line numbers one
    // too low for Windows line endings. The '\r' left on the last field is trimmed with the rest.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(open(&columns.responses)?);
    let headers = match reader.headers() {
        Ok(h) if h.iter().any(|name| !name.trim().is_empty()) => h.iter().map(str::trim).collect::<csv::StringRecord>(),
        Ok(_) => return Ok(Err(BadInput(vec![format!("{file}: the file is empty (no header row)")]))),
        Err(e) => return Ok(Err(BadInput(vec![format!("{file}: line 1: cannot read the header row: {e}")]))),
    };
    let required = |given: Option<&str>, candidates: &[&str], what: &str, flag: &str| {
        pick_column(&headers, given, candidates, what, &file)?.ok_or_else(|| {
            format!(
                "{file}: line 1: no {what} column found (looked for {}); name it with {flag}. The columns are: {}",
                candidates.join(", "),
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })
    };
    let mut problems = Vec::new();
    let student = required(
        columns.student_column.as_deref(),
        &["user_id", "student_id", "student_seq", "student", "user"],
        "student",
        "--student-column",
    );
    let skill = required(
        columns.skill_column.as_deref(),
        &["skill_id", "skill_name", "skill", "kc", "knowledge_point"],
        "knowledge-point",
        "--skill-column",
    );
    let correct = required(Some(&columns.correct_column), &[], "correctness", "--correct-column");
    let item = pick_column(
        &headers,
        columns.item_column.as_deref(),
        &["problem_id", "item_id", "qid", "item", "question_id"],
        "item",
        &file,
    );
    let order = pick_column(&headers, columns.order_column.as_deref(), &[], "order", &file);
    let fold = pick_column(&headers, fold_column, &[], "fold", &file);
    let (student, skill, correct, item, order, fold) = match (student, skill, correct, item, order, fold) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e), Ok(f)) => (a, b, c, d, e, f),
        (a, b, c, d, e, f) => {
            problems.extend([a.err(), b.err(), c.err(), d.err(), e.err(), f.err()].into_iter().flatten());
            return Ok(Err(BadInput(problems)));
        }
    };
    let name_of = |i: usize| headers.get(i).unwrap_or("?").to_owned();
    struct Raw {
        student: String,
        skill: String,
        item: String,
        correct: bool,
        order: f64,
        fold: String,
        line: u64,
    }
    let mut raw: Vec<Raw> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                problems.push(format!("{file}: line {line}: {e}"));
                if problems.len() >= MAX_REPORTED {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let mut bad = |column: usize, message: String| {
            problems.push(format!("{file}: line {line}: column '{}': {message}", name_of(column)));
        };
        let correct_value = match field(correct) {
            "1" | "1.0" | "true" | "TRUE" | "True" => Some(true),
            "0" | "0.0" | "false" | "FALSE" | "False" => Some(false),
            other => {
                bad(correct, format!("expected 0 or 1, found '{other}'"));
                None
            }
        };
        if field(student).is_empty() {
            bad(student, "empty student id".into());
        }
        if field(skill).is_empty() {
            bad(skill, "empty knowledge point".into());
        }
        let order_value = match order {
            Some(o) => match field(o).parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    bad(o, format!("expected a number, found '{}'", field(o)));
                    0.0
                }
            },
            None => 0.0,
        };
        if problems.len() >= MAX_REPORTED {
            break;
        }
        if let Some(correct_value) = correct_value {
            raw.push(Raw {
                student: field(student).to_owned(),
                skill: field(skill).to_owned(),
                item: item.map_or_else(|| field(skill).to_owned(), |i| field(i).to_owned()),
                correct: correct_value,
                order: order_value,
                fold: fold.map_or_else(String::new, |f| field(f).to_owned()),
                line,
            });
        }
    }
    if !problems.is_empty() {
        return Ok(Err(BadInput(problems)));
    }
    if raw.is_empty() {
        return Ok(Err(BadInput(vec![format!("{file}: the file has a header row but no responses")])));
    }
    if order.is_some() {
        // Stable: rows with equal order values keep their file order.
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        for (i, r) in raw.iter().enumerate() {
            first_seen.entry(r.student.as_str()).or_insert(i);
        }
        let keys: Vec<usize> = raw.iter().map(|r| first_seen[r.student.as_str()]).collect();
        let mut index: Vec<usize> = (0..raw.len()).collect();
        index.sort_by(|&a, &b| keys[a].cmp(&keys[b]).then(raw[a].order.total_cmp(&raw[b].order)));
        let mut sorted: Vec<Option<Raw>> = raw.into_iter().map(Some).collect();
        raw = index.into_iter().filter_map(|i| sorted[i].take()).collect();
    }
    let mut builder = DatasetBuilder::new();
    for r in &raw {
        builder.push(&r.student, &r.skill, &r.item, r.correct);
    }
    let data = builder.build()?;
    let mut lines: Vec<u64> = raw.iter().map(|r| r.line).collect();
    let mut folds = fold.map(|_| raw.iter().map(|r| r.fold.clone()).collect::<Vec<_>>());
    let (data, lines) = if columns.dedup {
        let (kept_data, kept) = data.dedup_consecutive();
        folds = folds.map(|f| kept.iter().map(|&i| f[i].clone()).collect());
        lines = kept.iter().map(|&i| lines[i]).collect();
        (kept_data, lines)
    } else {
        (data, lines)
    };
    let item_column = item.map(name_of);
    Ok(Ok(Loaded { data, folds, lines, item_column }))
}

fn report_bad_input(bad: BadInput) -> ExitCode {
    for p in &bad.0 {
        eprintln!("{p}");
    }
    if bad.0.len() >= MAX_REPORTED {
        eprintln!("（只列出前 {MAX_REPORTED} 处 / only the first {MAX_REPORTED} problems are listed）");
    }
    eprintln!("输入有误，未拟合 / bad input, nothing was fitted");
    ExitCode::from(2)
}

fn threads(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get)).max(1)
}

#[derive(Debug, serde::Serialize)]
struct FoldReport {
    fold: String,
    train_rows: usize,
    test_rows: usize,
    auc: Option<f64>,
    rmse: f64,
    logloss: f64,
    fit_seconds: f64,
}

#[derive(Debug, serde::Serialize)]
struct FitReport {
    file: String,
    model: String,
    rows: usize,
    students: usize,
    skills: usize,
    items: usize,
    item_column: Option<String>,
    dedup: bool,
    folds: usize,
    fold_column: Option<String>,
    auc: Option<f64>,
    rmse: f64,
    logloss: f64,
    accuracy: f64,
    scored_rows: usize,
    /// Sum of the fold fits' wall time.
    fit_seconds: f64,
    predict_seconds: f64,
    threads: usize,
    per_fold: Vec<FoldReport>,
}

fn fmt_auc(a: Option<f64>) -> String {
    a.map_or_else(|| "—".to_owned(), |a| format!("{a:.4}"))
}

pub fn fit(args: FitArgs) -> anyhow::Result<ExitCode> {
    let loaded = match load(&args.columns, args.fold_column.as_deref())? {
        Ok(l) => l,
        Err(bad) => return Ok(report_bad_input(bad)),
    };
    let data = &loaded.data;
    let threads = threads(args.threads);
    let mut config = FitConfig::default();
    config.bkt.seed = args.seed;
    config.bkt.restarts = args.restarts;
    config.bkt.forget = args.forget;
    if let Some(max_guess) = args.max_guess {
        config.bkt.max_guess = max_guess;
    }
    config.bkt.threads = threads;
    config.irt.threads = threads;
    let kind = ModelKind::from(args.model);
    // Fold of every row: by the fold column's value, or by a seeded random split of students.
    if args.folds == 0 && loaded.folds.is_none() {
        return fit_all(&args, &loaded, kind, &config, threads);
    }
    let (fold_names, row_fold): (Vec<String>, Vec<Option<usize>>) = match &loaded.folds {
        Some(values) => {
            let mut names: Vec<String> = values.iter().filter(|v| !v.is_empty()).cloned().collect();
            names.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(x), Ok(y)) => x.total_cmp(&y),
                _ => a.cmp(b),
            });
            names.dedup();
            if names.len() < 2 {
                return Ok(report_bad_input(BadInput(vec![format!(
                    "{}: column '{}': cross-validation needs at least 2 distinct fold values, found {}",
                    args.columns.responses.display(),
                    args.fold_column.as_deref().unwrap_or(""),
                    names.len()
                )])));
            }
            let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
            let rows = values.iter().map(|v| index.get(v.as_str()).copied()).collect();
            (names, rows)
        }
        None => {
            let student_fold = match learn::student_folds(data, args.folds, args.seed) {
                Ok(f) => f,
                Err(e) => {
                    return Ok(report_bad_input(BadInput(vec![format!("{}: {e}", args.columns.responses.display())])));
                }
            };
            let names = (1..=args.folds).map(|k| k.to_string()).collect();
            (names, data.rows.iter().map(|r| Some(student_fold[r.student as usize])).collect())
        }
    };
    let mut predictions = vec![f64::NAN; data.rows.len()];
    let mut scored = vec![false; data.rows.len()];
    let mut per_fold = Vec::new();
    let (mut fit_seconds, mut predict_seconds) = (0.0, 0.0);
    for (k, name) in fold_names.iter().enumerate() {
        let train = data.filter(|i, _| row_fold[i] != Some(k));
        let test_index: Vec<usize> = (0..data.rows.len()).filter(|&i| row_fold[i] == Some(k)).collect();
        let test = data.filter(|i, _| row_fold[i] == Some(k));
        if train.rows.is_empty() || test.rows.is_empty() {
            continue;
        }
        let started = Instant::now();
        let model = learn::fit(kind, &train, &config, &|| false)?;
        let seconds = started.elapsed().as_secs_f64();
        fit_seconds += seconds;
        let started = Instant::now();
        let p = model.predict(&test);
        predict_seconds += started.elapsed().as_secs_f64();
        for (&i, &pi) in test_index.iter().zip(&p) {
            predictions[i] = pi;
            scored[i] = true;
        }
        let labels: Vec<bool> = test.rows.iter().map(|r| r.correct).collect();
        let m = Metrics::compute(&labels, &p);
        per_fold.push(FoldReport {
            fold: name.clone(),
            train_rows: train.rows.len(),
            test_rows: test.rows.len(),
            auc: m.auc,
            rmse: m.rmse,
            logloss: m.logloss,
            fit_seconds: seconds,
        });
    }
    let (labels, preds): (Vec<bool>, Vec<f64>) =
        data.rows.iter().zip(&predictions).zip(&scored).filter(|(_, s)| **s).map(|((r, p), _)| (r.correct, *p)).unzip();
    let overall = Metrics::compute(&labels, &preds);
    let report = FitReport {
        file: args.columns.responses.display().to_string(),
        model: format!("{:?}", args.model).to_lowercase(),
        rows: data.rows.len(),
        students: data.students.len(),
        skills: data.skills.len(),
        items: data.items.len(),
        item_column: loaded.item_column.clone(),
        dedup: args.columns.dedup,
        folds: per_fold.len(),
        fold_column: args.fold_column.clone(),
        auc: overall.auc,
        rmse: overall.rmse,
        logloss: overall.logloss,
        accuracy: overall.accuracy,
        scored_rows: overall.n,
        fit_seconds,
        predict_seconds,
        threads,
        per_fold,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if let Some(path) = &args.save_model {
        let model = learn::fit(kind, data, &config, &|| false)?;
        write_atomically(path, serde_json::to_string(&model)?.as_bytes())?;
        if !args.json {
            println!("模型已保存 / model saved: {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--folds 0`: one fit on every row, timed; the measures are in-sample.
fn fit_all(
    args: &FitArgs,
    loaded: &Loaded,
    kind: ModelKind,
    config: &FitConfig,
    threads: usize,
) -> anyhow::Result<ExitCode> {
    let data = &loaded.data;
    let started = Instant::now();
    let model = learn::fit(kind, data, config, &|| false)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let predictions = model.predict(data);
    let predict_seconds = started.elapsed().as_secs_f64();
    let labels: Vec<bool> = data.rows.iter().map(|r| r.correct).collect();
    let m = Metrics::compute(&labels, &predictions);
    let report = FitReport {
        file: args.columns.responses.display().to_string(),
        model: format!("{:?}", args.model).to_lowercase(),
        rows: data.rows.len(),
        students: data.students.len(),
        skills: data.skills.len(),
        items: data.items.len(),
        item_column: loaded.item_column.clone(),
        dedup: args.columns.dedup,
        folds: 0,
        fold_column: None,
        auc: m.auc,
        rmse: m.rmse,
        logloss: m.logloss,
        accuracy: m.accuracy,
        scored_rows: m.n,
        fit_seconds,
        predict_seconds,
        threads,
        per_fold: Vec::new(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
        println!("（未做交叉验证，指标为训练集内 / no cross-validation: measures are in-sample）");
    }
    if let Some(path) = &args.save_model {
        write_atomically(path, serde_json::to_string(&model)?.as_bytes())?;
        if !args.json {
            println!("模型已保存 / model saved: {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &FitReport) {
    println!(
        "数据 / data: {} — {} 行 rows, {} 名学生 students, {} 个知识点 skills, {} 道题 items{}",
        r.file,
        r.rows,
        r.students,
        r.skills,
        r.items,
        if r.dedup { " (去重 / deduplicated)" } else { "" }
    );
    println!(
        "模型 / model: {} · {} 折 folds{} · {} 线程 threads",
        r.model,
        r.folds,
        r.fold_column.as_ref().map(|c| format!(" (列 column {c})")).unwrap_or_default(),
        r.threads
    );
    println!("{:>8} {:>10} {:>9} {:>7} {:>7} {:>8} {:>8}", "fold", "train", "test", "AUC", "RMSE", "logloss", "fit s");
    for f in &r.per_fold {
        println!(
            "{:>8} {:>10} {:>9} {:>7} {:>7.4} {:>8.4} {:>8.3}",
            f.fold,
            f.train_rows,
            f.test_rows,
            fmt_auc(f.auc),
            f.rmse,
            f.logloss,
            f.fit_seconds
        );
    }
    println!(
        "{:>8} {:>10} {:>9} {:>7} {:>7.4} {:>8.4} {:>8.3}",
        "all",
        "",
        r.scored_rows,
        fmt_auc(r.auc),
        r.rmse,
        r.logloss,
        r.fit_seconds
    );
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub fn predict(args: PredictArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.model).with_context(|| format!("cannot read {}", args.model.display()))?;
    let model: Model = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            return Ok(report_bad_input(BadInput(vec![format!(
                "{}: line {}: not a model saved by `zhijiao learn fit --save-model`: {e}",
                args.model.display(),
                e.line()
            )])));
        }
    };
    let loaded = match load(&args.columns, None)? {
        Ok(l) => l,
        Err(bad) => return Ok(report_bad_input(bad)),
    };
    let data = &loaded.data;
    let predictions = model.predict(data);
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut w = csv::Writer::from_writer(&mut out);
    w.write_record(["line", "student", "skill", "item", "correct", "p_correct"])?;
    for ((r, p), line) in data.rows.iter().zip(&predictions).zip(&loaded.lines) {
        w.write_record([
            line.to_string(),
            data.students[r.student as usize].clone(),
            data.skills[r.skill as usize].clone(),
            data.items[r.item as usize].clone(),
            u8::from(r.correct).to_string(),
            format!("{p:.6}"),
        ])?;
    }
    w.flush()?;
    drop(w);
    out.flush()?;
    if let Some(path) = &args.estimates {
        write_estimates(&model, data, path)?;
    }
    let labels: Vec<bool> = data.rows.iter().map(|r| r.correct).collect();
    let m = Metrics::compute(&labels, &predictions);
    eprintln!("{} 行 rows · AUC {} · RMSE {:.4} · log-loss {:.4}", m.n, fmt_auc(m.auc), m.rmse, m.logloss);
    Ok(ExitCode::SUCCESS)
}

/// Final mastery per (student, knowledge point) for BKT, ability per student for IRT.
fn write_estimates(model: &Model, data: &Dataset, path: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    match model {
        Model::Bkt(m) => {
            w.write_record(["student", "skill", "mastery"])?;
            let mut rows: Vec<((u32, u32), f64)> = m.mastery(data).into_iter().collect();
            rows.sort_by_key(|r| r.0);
            for ((s, k), v) in rows {
                w.write_record([
                    data.students[s as usize].as_str(),
                    data.skills[k as usize].as_str(),
                    &format!("{v:.6}"),
                ])?;
            }
        }
        Model::Irt(m) => {
            w.write_record(["student", "theta", "se", "responses"])?;
            let params = m.align(&data.items);
            let mut states: Vec<Option<learn::irt::AbilityState>> = vec![None; data.students.len()];
            for r in &data.rows {
                let s = states[r.student as usize].get_or_insert_with(|| m.new_ability());
                if let Some(p) = &params[r.item as usize] {
                    s.observe(&m.grid, p, r.correct);
                }
            }
            for (i, s) in states.iter().enumerate() {
                if let Some(s) = s {
                    let (theta, se) = s.estimate(&m.grid);
                    w.write_record([
                        data.students[i].clone(),
                        format!("{theta:.4}"),
                        format!("{se:.4}"),
                        s.responses.to_string(),
                    ])?;
                }
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// `--max-guess`: a probability strictly between 0 and 1.
fn parse_max_guess(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!("“{text}”不是 0 与 1 之间的概率 / is not a probability strictly between 0 and 1")),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn columns(path: &Path) -> ColumnArgs {
        ColumnArgs {
            responses: path.to_path_buf(),
            student_column: None,
            skill_column: None,
            item_column: None,
            correct_column: "correct".into(),
            order_column: None,
            dedup: false,
        }
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn problems(result: Result<Loaded, BadInput>) -> Vec<String> {
        match result {
            Ok(_) => panic!("bad input was accepted"),
            Err(BadInput(p)) => p,
        }
    }

    #[test]
    fn reads_gzip_detects_columns_and_dedups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv.gz");
        let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&path).unwrap(), flate2::Compression::fast());
        // Windows line endings, as in the Statics file.
        gz.write_all(
            b"user_id,problem_id,skill_name,correct,fold\r\nu1,p1,Table,1,1\r\nu1,p1,Mean,1,1\r\nu2,p1,Mean,0,\r\n",
        )
        .unwrap();
        gz.finish().unwrap();
        let loaded = load(&columns(&path), Some("fold")).unwrap().ok().unwrap();
        assert_eq!(loaded.data.rows.len(), 3);
        assert_eq!(loaded.data.items, vec!["p1"]);
        assert_eq!(loaded.folds.unwrap(), vec!["1", "1", ""]);
        assert_eq!(loaded.lines, vec![2, 3, 4]);
        let mut dedup = columns(&path);
        dedup.dedup = true;
        let loaded = load(&dedup, Some("fold")).unwrap().ok().unwrap();
        assert_eq!(loaded.lines, vec![2, 4], "the second copy of u1's multi-skill response is dropped");
        assert_eq!(loaded.folds.unwrap(), vec!["1", ""]);
    }

    #[test]
    fn bad_input_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let empty = write(dir.path(), "empty.csv", "");
        assert!(problems(load(&columns(&empty), None).unwrap())[0].contains("empty"));
        let header_only = write(dir.path(), "h.csv", "user_id,skill_id,correct\n");
        assert!(problems(load(&columns(&header_only), None).unwrap())[0].contains("no responses"));
        let nonbinary = write(dir.path(), "nb.csv", "user_id,skill_id,correct\nu,k,1\nu,k,yes\nu,,0\n");
        let p = problems(load(&columns(&nonbinary), None).unwrap());
        assert!(p[0].ends_with("nb.csv: line 3: column 'correct': expected 0 or 1, found 'yes'"), "{p:?}");
        assert!(p[1].contains("line 4: column 'skill_id': empty knowledge point"), "{p:?}");
        let unknown = write(dir.path(), "u.csv", "who,skill_id,correct\nu,k,1\n");
        let p = problems(load(&columns(&unknown), None).unwrap());
        assert!(p[0].contains("no student column found") && p[0].contains("--student-column"), "{p:?}");
        let mut named = columns(&unknown);
        named.student_column = Some("whom".into());
        let p = problems(load(&named, Some("fold")).unwrap());
        assert!(p.iter().any(|m| m.contains("no column named 'whom'")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("no column named 'fold'")), "{p:?}");
    }

    #[test]
    fn order_column_sorts_within_students() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "o.csv", "user_id,skill_id,correct,t\nu,k,1,5\nv,k,0,1\nu,k,0,2\n");
        let mut args = columns(&path);
        args.order_column = Some("t".into());
        let loaded = load(&args, None).unwrap().ok().unwrap();
        let correct: Vec<bool> = loaded.data.rows.iter().map(|r| r.correct).collect();
        assert_eq!(correct, vec![false, true, false]);
        assert_eq!(loaded.lines, vec![4, 2, 3]);
    }
}
