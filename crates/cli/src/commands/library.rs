//! The library on the command line: `zhijiao import items`, `zhijiao export items`,
//! `zhijiao reindex` and `zhijiao search`.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};

use anyhow::Context;
use chrono::Utc;
use clap::{Args, ValueEnum};
use domain::{
    items::Item,
    resources::{ReviewState, Scope},
};
use interop::{
    ImportErrors,
    items::banks::{TalLanguage, bank_item_id},
};
use search::{DocKind, Filters, SearchIndex, Sort, Viewer};
use store::{NewItem, Store};

use crate::{
    commands::interruptible,
    config::{Database, Settings},
    progress,
};

/// Where the search index lives.
pub fn index_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("search")
}

/// Opens the search index, rebuilding it from the store when it is missing or its schema changed.
pub async fn open_index(settings: &Settings, store: &dyn Store) -> anyhow::Result<Arc<SearchIndex>> {
    let dir = index_dir(settings);
    let index = match SearchIndex::open_or_create(&dir) {
        Ok(index) => index,
        Err(search::SearchError::SchemaChanged { .. }) => {
            println!("搜索索引结构已更新，正在重建 / the search index schema changed: rebuilding");
            SearchIndex::recreate(&dir)?
        }
        Err(e) => return Err(e).with_context(|| format!("cannot open the search index in {}", dir.display())),
    };
    if index.doc_count() == 0 && store.item_count().await? > 0 {
        rebuild(store, &index).await?;
    }
    Ok(Arc::new(index))
}

/// Rebuilds the index from the store with a progress bar.
pub async fn rebuild(store: &dyn Store, index: &SearchIndex) -> anyhow::Result<u64> {
    let total = store.item_count().await?;
    let bar = progress::RowsBar::new(total, "重建搜索索引 / rebuilding the search index");
    let n = web::library::reindex(store, index, &|n| store::Progress::advance(&bar, n)).await?;
    bar.finish();
    Ok(n)
}

/// `zhijiao reindex`.
pub async fn reindex(settings: &Settings, database: &Database) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    let index = SearchIndex::recreate(&index_dir(settings))?;
    let started = std::time::Instant::now();
    let n = rebuild(&*store, &index).await?;
    println!("已重建搜索索引 / search index rebuilt: {n} documents ({:.1} s)", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// Which bank or format a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ItemFormat {
    /// 本平台 JSON Lines / our JSON Lines
    Jsonl,
    /// QTI 3.0 题包（.zip） / a QTI 3.0 package (.zip)
    Qti,
    /// GAOKAO-Bench 文件夹 / the GAOKAO-Bench folder
    Gaokao,
    /// CMMLU（cmmlu_all.csv.gz）
    Cmmlu,
    /// Ape210K（valid.ape.jsonl.gz）
    Ape210k,
    /// TAL-SCQ5K（*_single_choice_*.jsonl.gz，或其文件夹 / or its folder）
    Tal,
}

#[derive(Debug, Args)]
pub struct ImportItemsArgs {
    /// 文件或文件夹（可多个） / files or folders (several allowed)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// 格式（默认按名称判断） / format (guessed from the name by default)
    #[arg(long, value_enum)]
    pub format: Option<ItemFormat>,
}

/// Guesses the format of a path from its name.
fn guess(path: &Path) -> Option<ItemFormat> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    Some(if path.is_dir() {
        if name.contains("gaokao") || path.join("Objective_Questions").is_dir() {
            ItemFormat::Gaokao
        } else if name.contains("tal") {
            ItemFormat::Tal
        } else {
            return None;
        }
    } else if name.contains("cmmlu") {
        ItemFormat::Cmmlu
    } else if name.contains("ape") {
        ItemFormat::Ape210k
    } else if name.contains("single_choice") {
        ItemFormat::Tal
    } else if name.ends_with(".zip") {
        ItemFormat::Qti
    } else if name.ends_with(".jsonl") {
        ItemFormat::Jsonl
    } else {
        return None;
    })
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Every `*.json.gz` below `dir`, by name.
fn gz_files(dir: &Path, suffix: &str) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                out.push((name, read(&path)?));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Items read from one path, each with the warnings to show its author; or every problem found.
type ReadItems = Result<Vec<(Item, Vec<String>)>, ImportErrors>;

/// Reads the items of one path (an `Err` outside is a file that could not be read at all).
fn items_of(path: &Path, format: ItemFormat) -> anyhow::Result<ReadItems> {
    let plain = |items: Result<Vec<Item>, ImportErrors>| {
        items.map(|v| {
            v.into_iter()
                .map(|i| {
                    let w = i.latex_warnings().iter().map(ToString::to_string).collect();
                    (i, w)
                })
                .collect()
        })
    };
    let imported = |items: Result<Vec<interop::items::ImportedItem>, ImportErrors>| {
        items.map(|v| {
            v.into_iter()
                .map(|i| {
                    let w = i.warnings.iter().map(|w| format!("{}:{}: {w}", i.file, i.line)).collect();
                    (i.item, w)
                })
                .collect()
        })
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(match format {
        ItemFormat::Jsonl => imported(interop::items::jsonl::read(&name, &read(path)?)),
        ItemFormat::Qti => imported(interop::items::qti::read_package(&name, &read(path)?).map(|p| p.items)),
        ItemFormat::Gaokao => plain(interop::items::banks::gaokao(&gz_files(path, ".json.gz")?)),
        ItemFormat::Cmmlu => plain(interop::items::banks::cmmlu(&read(path)?)),
        ItemFormat::Ape210k => plain(interop::items::banks::ape210k(&read(path)?)),
        ItemFormat::Tal if path.is_dir() => {
            let mut all = Vec::new();
            for (file, bytes) in gz_files(path, ".jsonl.gz")? {
                let lang = if file.starts_with("en") { TalLanguage::English } else { TalLanguage::Chinese };
                match interop::items::banks::tal_scq(&bytes, lang) {
                    Ok(items) => all.extend(items),
                    Err(e) => return Ok(Err(e)),
                }
            }
            plain(Ok(all))
        }
        ItemFormat::Tal => {
            let lang = if name.starts_with("en") { TalLanguage::English } else { TalLanguage::Chinese };
            plain(interop::items::banks::tal_scq(&read(path)?, lang))
        }
    })
}

/// `zhijiao import items PATH…`: all-or-nothing import of banks into the bank, published
/// district-wide, near duplicates flagged, search index updated.
pub async fn import_items(settings: &Settings, database: &Database, args: ImportItemsArgs) -> anyhow::Result<ExitCode> {
    let mut items: Vec<Item> = Vec::new();
    let mut warnings = 0usize;
    let mut failed = false;
    for path in &args.paths {
        let Some(format) = args.format.or_else(|| guess(path)) else {
            anyhow::bail!("cannot tell the format of {}; pass --format", path.display());
        };
        match items_of(path, format)? {
            Ok(read) => {
                for (mut item, w) in read {
                    if item.id.is_empty() {
                        item.id = match (&item.source, &item.source_id) {
                            (Some(s), Some(id)) => bank_item_id(s, id),
                            _ => anyhow::bail!("an item in {} has neither an id nor a source id", path.display()),
                        };
                    }
                    warnings += w.len();
                    for line in w.iter().take(3) {
                        tracing::debug!("{line}");
                    }
                    items.push(item);
                }
            }
            Err(errors) => {
                failed = true;
                eprintln!("{errors}");
            }
        }
    }
    if failed {
        eprintln!("导入失败，未写入任何数据 / import refused, nothing was written");
        return Ok(ExitCode::from(2));
    }
    let mut seen = std::collections::HashSet::new();
    let duplicated: Vec<&str> = items.iter().filter(|i| !seen.insert(i.id.clone())).map(|i| i.id.as_str()).collect();
    if !duplicated.is_empty() {
        eprintln!("同一编号出现多次 / the same id appears more than once: {}", duplicated.join(", "));
        return Ok(ExitCode::from(2));
    }
    let store = database.open().await?;
    // Take the index before writing anything, so a running server holding it stops us here.
    let index = open_index(settings, &*store).await?;
    index.prepare_to_write().map_err(|e| {
        anyhow::anyhow!("the search index is in use ({e}); stop `zhijiao serve` and import again — nothing was written")
    })?;
    let now = Utc::now();
    let rows: Vec<NewItem> = items
        .iter()
        .map(|item| NewItem {
            item: item.clone(),
            state: ReviewState::Published,
            scope: Scope::District,
            school_id: None,
            author_id: None,
            at: now,
        })
        .collect();
    let bar = progress::RowsBar::new(rows.len() as u64, "导入试题 / importing items");
    interruptible(async { Ok(store.import_items(&rows, &bar).await?) }).await?;
    bar.finish();

    // Near duplicates against the bank as it was and among the new items.
    let near = web::library::build_neardup(&*store).await?;
    let mut flagged = 0usize;
    let new_ids: std::collections::HashSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let mut fresh = domain::neardup::NearDupIndex::new(web::library::NEAR_DUPLICATE_THRESHOLD);
    for item in &items {
        let text = web::library::duplicate_text(item);
        let mut found: Vec<(String, f32)> = fresh
            .find_except(&text, &item.id)
            .into_iter()
            .chain(near.find_except(&text, &item.id).into_iter().filter(|d| !new_ids.contains(d.id.as_str())))
            .map(|d| (d.id, d.similarity as f32))
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        found.dedup_by(|a, b| a.0 == b.0);
        found.truncate(10);
        if !found.is_empty() {
            flagged += 1;
            store.set_item_duplicates(&item.id, &found).await?;
        }
        fresh.insert(item.id.clone(), &text);
    }
    drop((near, fresh));

    let records = store.items_by_ids(&items.iter().map(|i| i.id.clone()).collect::<Vec<_>>()).await?;
    let docs: Vec<_> = records.iter().map(web::library::item_doc).collect();
    for chunk in docs.chunks(10_000) {
        index.upsert(chunk)?;
    }
    println!(
        "已导入 / imported: {} 道试题 items ({} 条公式提示 LaTeX warnings, {} 道疑似重复 flagged as near duplicates)",
        items.len(),
        warnings,
        flagged
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct ExportItemsArgs {
    /// 目标 .zip（QTI 3.0）或 .jsonl / target .zip (QTI 3.0) or .jsonl
    pub path: PathBuf,
    /// 只导出这一来源 / only this source (e.g. gaokao-bench)
    #[arg(long)]
    pub source: Option<String>,
}

/// `zhijiao export items PATH`: the bank as a QTI 3.0 package or JSON Lines.
pub async fn export_items(database: &Database, args: ExportItemsArgs) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.items_after(after.as_deref(), 5_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.item.id.clone());
        items.extend(
            page.into_iter()
                .map(|r| r.item)
                .filter(|i| args.source.as_ref().is_none_or(|s| i.source.as_ref() == Some(s))),
        );
    }
    let bytes = if args.path.extension().is_some_and(|e| e == "jsonl") {
        interop::items::jsonl::write(&items)
    } else {
        interop::items::qti::write_package(&items, &[])?
    };
    let tmp = args.path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &args.path).with_context(|| format!("cannot write {}", args.path.display()))?;
    println!("已导出 / exported {} items to {}", items.len(), args.path.display());
    Ok(ExitCode::SUCCESS)
}

/// The kinds `zhijiao search --type` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SearchType {
    Item,
    Resource,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// 查询词 / what to look for
    pub query: String,
    #[arg(long = "type", value_enum)]
    pub kind: Option<SearchType>,
    /// 学科代码或名称 / subject code or name (math, 数学…)
    #[arg(long)]
    pub subject: Option<String>,
    /// 学段 / stage (primary, junior, senior, 小学…)
    #[arg(long)]
    pub stage: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// 输出 JSON / print JSON
    #[arg(long)]
    pub json: bool,
}

/// `zhijiao search QUERY`: what an operator (who sees everything published) finds.
pub async fn search(settings: &Settings, database: &Database, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let store = database.open().await?;
    let index = open_index(settings, &*store).await?;
    let filters = Filters {
        subject: args.subject.as_deref().map(domain::Subject::parse).transpose()?,
        stage: args.stage.as_deref().map(domain::Stage::parse).transpose()?,
        ..Filters::default()
    };
    let query = search::Query {
        text: args.query.clone(),
        kind: args.kind.map(|k| match k {
            SearchType::Item => DocKind::Item,
            SearchType::Resource => DocKind::Resource,
        }),
        filters,
        sort: Sort::Relevance,
        limit: args.limit.min(100),
        offset: 0,
        viewer: Viewer { district_wide: true, schools: Vec::new(), account_id: None },
    };
    let results = index.search(&query)?;
    if args.json {
        let hits: Vec<serde_json::Value> = results
            .hits
            .iter()
            .map(|h| {
                serde_json::json!({
                    "kind": h.kind.code(), "type": h.doc_type, "id": h.id, "source_id": h.source_id, "title": h.title,
                    "snippet": h.snippet_html, "score": h.score,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "total": results.total, "hits": hits }))?);
    } else {
        println!("{} 条结果 / results", results.total);
        for h in &results.hits {
            println!("{:>8.3}  {}  {}  {}", h.score, h.id, h.source_id.as_deref().unwrap_or("-"), h.title);
        }
    }
    Ok(ExitCode::SUCCESS)
}
