//! Ranks the real banks in `../shared/data` for the queries of `relevance/queries.toml` and prints
//! precision@10, recall@10, MRR and nDCG@10 per query and on average.
//!
//! ```text
//! cargo run --release -p search --example relevance -- [DATA_DIR] [--show]
//! ```
//! DATA_DIR defaults to `../shared/data` beside the repository; `--show` prints the top hits.

use std::io::Read;
use std::path::{Path, PathBuf};

use domain::items::{AnswerKey, Choice, Item, ItemType};
use domain::{Stage, Subject};
use search::metrics::{self, RelevanceSet};
use search::{Query, SearchDoc, SearchIndex, Viewer, Visibility};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show = args.iter().any(|a| a == "--show");
    let data = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"), PathBuf::from);
    let set: RelevanceSet = toml::from_str(&std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("relevance/queries.toml"),
    )?)?;
    let docs = real_banks(&data)?;
    println!("{} documents from {}", docs.len(), data.display());
    let index = SearchIndex::in_memory()?;
    index.upsert(&docs)?;

    let mut all = Vec::new();
    println!("{:<34} {:>5} {:>5} {:>5} {:>5} {:>4}", "query", "P@10", "R@10", "MRR", "nDCG", "rel");
    for judged in &set.query {
        let results = index.search(&Query { limit: 100, ..Query::new(judged.text.clone(), Viewer::default()) })?;
        let ranked: Vec<&str> = results.hits.iter().map(|h| h.source_id.as_deref().unwrap_or(&h.id)).collect();
        let m = metrics::evaluate(&ranked, &judged.relevant);
        println!(
            "{:<34} {:>5.2} {:>5.2} {:>5.2} {:>5.2} {:>4}",
            judged.text,
            m.precision_at_10,
            m.recall_at_10,
            m.mrr,
            m.ndcg_at_10,
            judged.relevant.len()
        );
        if show {
            for hit in results.hits.iter().take(10) {
                let sid = hit.source_id.as_deref().unwrap_or_default();
                let mark = if judged.relevant.iter().any(|r| r == sid) { '+' } else { ' ' };
                let title: String = hit.title.chars().take(50).collect();
                println!("    {mark} {:>6.2} {sid:<44} {title}", hit.score);
            }
        }
        all.push(m);
    }
    let m = metrics::mean(&all);
    println!("{:<34} {:>5.2} {:>5.2} {:>5.2} {:>5.2}", "mean", m.precision_at_10, m.recall_at_10, m.mrr, m.ndcg_at_10);
    Ok(())
}

fn gunzip(path: &Path) -> Result<String, Error> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path)?).read_to_string(&mut text)?;
    Ok(text)
}

fn item(source: &str, source_id: String, stem: String, choices: Vec<(String, String)>, analysis: String) -> Item {
    Item {
        id: format!("{source}:{source_id}"),
        source: Some(source.into()),
        source_id: Some(source_id),
        item_type: if choices.is_empty() { ItemType::ShortAnswer } else { ItemType::SingleChoice },
        stem,
        choices: choices.into_iter().map(|(label, content)| Choice { label, content }).collect(),
        answer: AnswerKey::Reference(String::new()),
        analysis,
        stage: None,
        grade: None,
        subject: None,
        knowledge_points: Vec::new(),
        difficulty: None,
        seconds: 60,
        points: None,
        tags: Vec::new(),
    }
}

/// The four real banks as documents, with the source ids the relevance set uses.
fn real_banks(data: &Path) -> Result<Vec<SearchDoc>, Error> {
    let mut items = Vec::new();
    for folder in ["Objective_Questions", "Subjective_Questions"] {
        let dir = data.join("gaokao-bench").join(folder);
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        files.sort();
        for file in files {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let stem = name.trim_end_matches(".gz").trim_end_matches(".json").to_owned();
            let value: serde_json::Value = serde_json::from_str(&gunzip(&file)?)?;
            for q in value["example"].as_array().into_iter().flatten() {
                let text = |k: &str| q[k].as_str().unwrap_or_default().to_owned();
                let mut it =
                    item("gaokao", format!("{stem}#{}", q["index"]), text("question"), Vec::new(), text("analysis"));
                it.stage = Some(Stage::Senior);
                it.subject = gaokao_subject(&stem);
                items.push(it);
            }
        }
    }
    let mut cmmlu = csv::Reader::from_reader(flate2::read::GzDecoder::new(std::fs::File::open(
        data.join("cmmlu/cmmlu_all.csv.gz"),
    )?));
    for row in cmmlu.records() {
        let row = row?;
        let f = |i: usize| row.get(i).unwrap_or_default().to_owned();
        let choices = ["A", "B", "C", "D"].iter().enumerate().map(|(i, l)| ((*l).to_owned(), f(6 + i))).collect();
        let mut it = item("cmmlu", format!("{}/{}/{}", f(0), f(3), f(4)), f(5), choices, String::new());
        (it.stage, it.subject) = cmmlu_subject(&f(0));
        items.push(it);
    }
    for line in gunzip(&data.join("ape210k-valid/valid.ape.jsonl.gz"))?.lines() {
        let q: serde_json::Value = serde_json::from_str(line)?;
        let text = |k: &str| q[k].as_str().unwrap_or_default().to_owned();
        let mut it = item("ape210k", text("id"), text("original_text"), Vec::new(), text("equation"));
        (it.stage, it.subject) = (Some(Stage::Primary), Some(Subject::Math));
        items.push(it);
    }
    for lang in ["ch", "en"] {
        let file = data.join(format!("tal-scq5k-train/{lang}_single_choice_train_3K.jsonl.gz"));
        for line in gunzip(&file)?.lines() {
            let q: serde_json::Value = serde_json::from_str(line)?;
            let text = |k: &str| q[k].as_str().unwrap_or_default().to_owned();
            let choices = q["answer_option_list"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| Some((o[0]["aoVal"].as_str()?.to_owned(), o[0]["content"].as_str()?.to_owned())))
                .collect();
            let analysis = q["answer_analysis"].as_array().into_iter().flatten().filter_map(|a| a.as_str()).collect();
            let mut it = item("tal", text("queId"), text("problem"), choices, analysis);
            it.subject = Some(Subject::Math);
            it.knowledge_points = q["knowledge_point_routes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect();
            items.push(it);
        }
    }
    Ok(items.iter().map(|it| SearchDoc::from_item(it, Visibility::District, 0)).collect())
}

fn gaokao_subject(stem: &str) -> Option<Subject> {
    let table = [
        ("Math", Subject::Math),
        ("English", Subject::English),
        ("Chinese", Subject::Chinese),
        ("Physics", Subject::Physics),
        ("Chemistry", Subject::Chemistry),
        ("Biology", Subject::Biology),
        ("History", Subject::History),
        ("Geography", Subject::Geography),
        ("Political", Subject::Politics),
    ];
    table.iter().find(|(k, _)| stem.contains(k)).map(|(_, s)| *s)
}

/// Stage and subject of the CMMLU subjects that are school subjects.
fn cmmlu_subject(subject: &str) -> (Option<Stage>, Option<Subject>) {
    let stage = if subject.starts_with("high_school") {
        Some(Stage::Senior)
    } else if subject.starts_with("elementary") {
        Some(Stage::Primary)
    } else {
        None
    };
    let table = [
        ("mathematics", Subject::Math),
        ("chinese", Subject::Chinese),
        ("biology", Subject::Biology),
        ("genetics", Subject::Biology),
        ("chemistry", Subject::Chemistry),
        ("physics", Subject::Physics),
        ("geography", Subject::Geography),
        ("politics", Subject::Politics),
        ("history", Subject::History),
        ("information_and_technology", Subject::It),
    ];
    (stage, table.iter().find(|(k, _)| subject.contains(k)).map(|(_, s)| *s))
}
