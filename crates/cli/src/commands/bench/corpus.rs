//! The rows of the benchmark: the real banks of the data folder, then generated exercises up to
//! the asked total, as search documents with who may see them and how often they were used.

use std::path::Path;

use anyhow::Context;
use domain::items::Item;
use interop::items::banks::{self, TalLanguage, bank_item_id};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search::{SearchDoc, Visibility};

use super::report::{BankSize, DataSizes};
use crate::progress::RowsBar;

/// Schools of the district that publish to their own staff only.
const SCHOOLS: u64 = 140;

/// The real banks: name and path below the data folder.
const BANKS: [(&str, &str); 4] = [
    ("gaokao-bench", "gaokao-bench"),
    ("cmmlu", "cmmlu/cmmlu_all.csv.gz"),
    ("ape210k-valid", "ape210k-valid/valid.ape.jsonl.gz"),
    ("tal-scq5k-train", "tal-scq5k-train"),
];

/// Every document of the benchmark; both engines get exactly these.
pub struct Corpus {
    /// The real banks' documents first, then the generated ones.
    pub docs: Vec<SearchDoc>,
    /// How many of `docs` (the first ones) come from the real banks.
    pub real: usize,
    /// Items per real bank.
    pub banks: Vec<(&'static str, usize)>,
}

impl Corpus {
    pub fn generated(&self) -> usize {
        self.docs.len() - self.real
    }

    pub fn sizes(&self, seed: u64) -> DataSizes {
        DataSizes {
            banks: self
                .banks
                .iter()
                .map(|(name, items)| BankSize { name: (*name).to_owned(), items: *items })
                .collect(),
            real: self.real,
            generated: self.generated(),
            total: self.docs.len(),
            seed,
        }
    }
}

/// Loads the real banks below `data` (all four must be there) and generates exercises with
/// `demo::bank::items` until there are `total` documents.
pub fn load(data: Option<&Path>, total: usize, seed: u64) -> anyhow::Result<Corpus> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x005E_A4C4);
    let mut docs = Vec::with_capacity(total);
    let mut banks = Vec::new();
    if let Some(data) = data {
        for (name, relative) in BANKS {
            let path = data.join(relative);
            anyhow::ensure!(path.exists(), "{} not found: --data must hold the four real banks", path.display());
            eprintln!("读取 / reading {}", path.display());
            let items = read_bank(name, &path).with_context(|| format!("cannot read {}", path.display()))?;
            banks.push((name, items.len()));
            for mut item in items {
                if item.id.is_empty() {
                    item.id = bank_item_id(name, item.source_id.as_deref().unwrap_or_default());
                }
                // Imported banks are published to the whole district.
                docs.push(SearchDoc::from_item(&item, Visibility::District, uses(&mut rng)));
            }
        }
    }
    let real = docs.len();
    let generated = total.saturating_sub(real);
    let bar = RowsBar::new(generated as u64, "生成试题 / generating items");
    for (n, item) in demo::bank::items(generated, seed).enumerate() {
        docs.push(generated_doc(&item, &mut rng));
        if n % 10_000 == 9_999 {
            store::Progress::advance(&bar, 10_000);
        }
    }
    bar.finish();
    let ids: std::collections::HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    anyhow::ensure!(ids.len() == docs.len(), "document ids are not unique");
    Ok(Corpus { docs, real, banks })
}

/// The items of one real bank, read as `zhijiao import items` reads it.
fn read_bank(name: &str, path: &Path) -> anyhow::Result<Vec<Item>> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
    let items = match name {
        "gaokao-bench" => banks::gaokao(&gz_files(path, ".json.gz")?),
        "cmmlu" => banks::cmmlu(&read(path)?),
        "ape210k-valid" => banks::ape210k(&read(path)?),
        _ => {
            let mut all = Vec::new();
            for (file, bytes) in gz_files(path, ".jsonl.gz")? {
                let language = if file.starts_with("en") { TalLanguage::English } else { TalLanguage::Chinese };
                all.extend(banks::tal_scq(&bytes, language).map_err(|e| anyhow::anyhow!("{e}"))?);
            }
            Ok(all)
        }
    };
    items.map_err(|e| anyhow::anyhow!("{e}"))
}

/// Every file below `dir` whose name ends with `suffix`, as (file name, bytes), by name.
fn gz_files(dir: &Path, suffix: &str) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).with_context(|| format!("cannot list {}", folder.display()))? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(suffix) {
                out.push((name, std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// A generated exercise as a school bank holds it: most published to the district, some by one
/// school for its own staff, a few private drafts.
fn generated_doc(item: &Item, rng: &mut ChaCha8Rng) -> SearchDoc {
    let visibility = match rng.random_range(0..100) {
        0..90 => Visibility::District,
        90..98 => Visibility::School(format!("sch-{:04}", rng.random_range(1..=SCHOOLS))),
        _ => Visibility::Private(format!("acct-{}", rng.random_range(1..2000))),
    };
    SearchDoc::from_item(item, visibility, uses(rng))
}

/// Uses skewed like real popularity: most items are rarely used, a few very often.
fn uses(rng: &mut ChaCha8Rng) -> u64 {
    (rng.random::<f64>().powi(4) * 5_000.0) as u64
}
