//! The query mix: what teachers type into the library's search box, drawn deterministically from
//! the benchmark's own documents, each with two facet filters the document has.
//!
//! Four in ten queries are a knowledge point's name, four in ten a 2–6 character word cut by
//! jieba from a stem, two in ten a run of 4–8 characters copied from a stem (a teacher pasting
//! part of a question). Drawing a document first and then its word and facets makes frequent
//! words as frequent in the mix as in the bank, and every filter value one that exists.

use std::collections::HashMap;

use jieba_rs::Jieba;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search::{Filters, SearchDoc};
use serde::Serialize;

/// Words that say nothing about a topic (the boilerplate of exam questions): nobody searches
/// for them, so the mix leaves them out.
const BOILERPLATE: &[&str] = &[
    "下列", "已知", "如图", "关于", "其中", "以下", "正确", "错误", "说法", "选项", "答案", "一个", "下面", "根据",
    "所示", "可能", "不是", "什么", "多少", "哪个", "问题", "是否", "分别", "那么", "如果", "因为", "所以", "可以",
    "我们",
];

/// Where a query's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    KnowledgePoint,
    Word,
    Phrase,
}

impl Origin {
    pub const ALL: [Origin; 3] = [Origin::KnowledgePoint, Origin::Word, Origin::Phrase];

    pub fn label(self) -> &'static str {
        match self {
            Origin::KnowledgePoint => "知识点 / knowledge point",
            Origin::Word => "题干词语 / word from a stem",
            Origin::Phrase => "题干片段 / phrase from a stem",
        }
    }
}

/// One query of the mix: text and two filters.
#[derive(Debug, Clone)]
pub struct MixQuery {
    pub text: String,
    pub origin: Origin,
    pub filters: Filters,
}

/// How the mix was made, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct MixSummary {
    pub warmup: usize,
    pub timed: usize,
    /// Timed queries per origin.
    pub by_origin: Vec<(Origin, usize)>,
    /// Timed queries per pair of filters (`subject+grade` …).
    pub by_filters: Vec<(String, usize)>,
    /// A few timed queries, to show what the mix looks like.
    pub examples: Vec<String>,
}

/// `count` queries drawn from `docs` with `seed`.
pub fn draw(docs: &[SearchDoc], count: usize, seed: u64) -> anyhow::Result<Vec<MixQuery>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0051_E4C8);
    let jieba = Jieba::new();
    let names: HashMap<String, String> =
        demo::curriculum().knowledge_points.into_iter().map(|k| (k.id, k.name)).collect();
    let mut out = Vec::with_capacity(count);
    let mut attempts = 0usize;
    while out.len() < count {
        attempts += 1;
        anyhow::ensure!(attempts <= 100 * count + 1_000, "the documents give too few searchable words for a query mix");
        let Some(doc) = docs.choose(&mut rng) else { anyhow::bail!("no documents to draw queries from") };
        let origin = match out.len() % 10 {
            0..4 => Origin::KnowledgePoint,
            4..8 => Origin::Word,
            _ => Origin::Phrase,
        };
        let text = match origin {
            Origin::KnowledgePoint => knowledge_point(doc, &names, &mut rng),
            Origin::Word => word(&jieba, &doc.title, &mut rng),
            Origin::Phrase => phrase(&doc.title, &mut rng),
        };
        let (Some(text), Some(filters)) = (text, two_filters(doc, &mut rng)) else { continue };
        out.push(MixQuery { text, origin, filters });
    }
    Ok(out)
}

pub fn summary(warmup: &[MixQuery], timed: &[MixQuery]) -> MixSummary {
    let mut by_filters: HashMap<String, usize> = HashMap::new();
    for q in timed {
        *by_filters.entry(filter_names(&q.filters)).or_default() += 1;
    }
    let mut by_filters: Vec<(String, usize)> = by_filters.into_iter().collect();
    by_filters.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    MixSummary {
        warmup: warmup.len(),
        timed: timed.len(),
        by_origin: Origin::ALL.iter().map(|o| (*o, timed.iter().filter(|q| q.origin == *o).count())).collect(),
        by_filters,
        examples: timed.iter().take(12).map(|q| format!("{} [{}]", q.text, filter_values(&q.filters))).collect(),
    }
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// The name of one of the document's knowledge points: the curriculum's name for an id, the
/// last step of a TAL route (`小数乘除->小数乘法运算`), or the label itself.
fn knowledge_point(doc: &SearchDoc, names: &HashMap<String, String>, rng: &mut ChaCha8Rng) -> Option<String> {
    let label = doc.knowledge_points.choose(rng)?;
    let name = names.get(label).map_or_else(|| label.rsplit("->").next().unwrap_or(label), String::as_str).trim();
    let chars = name.chars().count();
    ((2..=12).contains(&chars) && name.chars().any(is_han)).then(|| name.to_owned())
}

/// A 2–6 character Chinese word of the text, as jieba cuts it.
fn word(jieba: &Jieba, text: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let words: Vec<&str> = jieba
        .cut(text, false)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| (2..=6).contains(&w.chars().count()) && w.chars().all(is_han) && !BOILERPLATE.contains(w))
        .collect();
    words.choose(rng).map(|w| (*w).to_owned())
}

/// 4–8 consecutive Chinese characters of the text.
fn phrase(text: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 0..=chars.len() {
        if i == chars.len() || !is_han(chars[i]) {
            if i - start >= 4 {
                runs.push((start, i));
            }
            start = i + 1;
        }
    }
    let (from, to) = *runs.choose(rng)?;
    let len = rng.random_range(4..=(to - from).min(8));
    let at = rng.random_range(from..=to - len);
    Some(chars[at..at + len].iter().collect())
}

/// Two filters the document has: its subject and one of stage, grade, type and difficulty, or
/// two of those when it has no subject. `None` when it has fewer than two.
fn two_filters(doc: &SearchDoc, rng: &mut ChaCha8Rng) -> Option<Filters> {
    type Set = fn(&mut Filters, &SearchDoc);
    let mut others: Vec<Set> = vec![|f: &mut Filters, d: &SearchDoc| f.doc_type = Some(d.doc_type.clone())];
    if doc.stage.is_some() {
        others.push(|f: &mut Filters, d: &SearchDoc| f.stage = d.stage);
    }
    if doc.grade.is_some() {
        others.push(|f: &mut Filters, d: &SearchDoc| f.grade = d.grade);
    }
    if doc.difficulty.is_some() {
        others.push(|f: &mut Filters, d: &SearchDoc| f.difficulty = d.difficulty);
    }
    let mut filters = Filters::default();
    let picked: Vec<&Set> = if doc.subject.is_some() {
        filters.subject = doc.subject;
        others.choose_multiple(rng, 1).collect()
    } else {
        others.choose_multiple(rng, 2).collect()
    };
    if filter_count(&filters) + picked.len() < 2 {
        return None;
    }
    for set in picked {
        set(&mut filters, doc);
    }
    Some(filters)
}

fn filter_count(f: &Filters) -> usize {
    [f.stage.is_some(), f.grade.is_some(), f.subject.is_some(), f.doc_type.is_some(), f.difficulty.is_some()]
        .iter()
        .filter(|set| **set)
        .count()
}

/// `subject+grade`: which filters are set.
fn filter_names(f: &Filters) -> String {
    let names = [
        (f.subject.is_some(), "subject"),
        (f.stage.is_some(), "stage"),
        (f.grade.is_some(), "grade"),
        (f.doc_type.is_some(), "type"),
        (f.difficulty.is_some(), "difficulty"),
    ];
    names.iter().filter(|(set, _)| *set).map(|(_, n)| *n).collect::<Vec<_>>().join("+")
}

/// `数学, 7年级`: the filters' values.
fn filter_values(f: &Filters) -> String {
    let mut out = Vec::new();
    if let Some(s) = f.subject {
        out.push(s.label_zh().to_owned());
    }
    if let Some(s) = f.stage {
        out.push(s.label_zh().to_owned());
    }
    if let Some(g) = f.grade {
        out.push(format!("{g}年级"));
    }
    if let Some(t) = &f.doc_type {
        out.push(t.clone());
    }
    if let Some(d) = f.difficulty {
        out.push(format!("难度{d}"));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_deterministic_and_uses_existing_words_and_filters() {
        let docs: Vec<SearchDoc> =
            demo::bank::items(300, 5).map(|i| SearchDoc::from_item(&i, search::Visibility::District, 0)).collect();
        let a = draw(&docs, 60, 1).expect("draw");
        let b = draw(&docs, 60, 1).expect("draw");
        assert_eq!(a.iter().map(|q| &q.text).collect::<Vec<_>>(), b.iter().map(|q| &q.text).collect::<Vec<_>>());
        for q in &a {
            assert_eq!(filter_count(&q.filters), 2, "{q:?}");
            let n = q.text.chars().count();
            match q.origin {
                Origin::Word => assert!((2..=6).contains(&n) && !BOILERPLATE.contains(&q.text.as_str()), "{q:?}"),
                Origin::Phrase => assert!((4..=8).contains(&n), "{q:?}"),
                Origin::KnowledgePoint => assert!((2..=12).contains(&n), "{q:?}"),
            }
            // Words and phrases are cut from some document's title that has the same filters.
            if q.origin != Origin::KnowledgePoint {
                let found = docs.iter().any(|d| {
                    d.title.contains(&q.text)
                        && q.filters.subject.is_none_or(|s| d.subject == Some(s))
                        && q.filters.grade.is_none_or(|g| d.grade == Some(g))
                        && q.filters.stage.is_none_or(|s| d.stage == Some(s))
                        && q.filters.difficulty.is_none_or(|x| d.difficulty == Some(x))
                        && q.filters.doc_type.as_ref().is_none_or(|t| &d.doc_type == t)
                });
                assert!(found, "{q:?}");
            }
        }
        let s = summary(&a[..10], &a[10..]);
        assert_eq!(s.by_origin.iter().map(|(_, n)| n).sum::<usize>(), 50);
        assert_eq!(s.by_origin[0].1, 20, "four in ten are knowledge points");
    }

    #[test]
    fn phrases_are_runs_of_chinese_characters() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..20 {
            let p = phrase("已知x=1，学校把135本练习本平均分给3个班", &mut rng).expect("phrase");
            assert!("学校把135本练习本平均分给3个班".contains(&p) && p.chars().all(is_han), "{p}");
        }
        assert_eq!(phrase("x=1，如图", &mut rng), None);
    }
}
