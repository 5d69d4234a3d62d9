//! What a search asks for ([`Query`], [`Filters`], [`Sort`], [`Viewer`]) and how it becomes a
//! tantivy query.
//!
//! The text is split into *units*: quoted phrases and whitespace-separated words. Every unit must
//! match, in one of two ways:
//! - as a substring of title or body, found by the unit's character bigrams as a phrase on the
//!   `grams` field (so `分数` finds 《分数的初步认识》 and a phrase copied from a stem finds the
//!   stem whatever words jieba would cut it into), or
//! - (unquoted units only) by its jieba words in title or body, most of them required, so that
//!   `一元二次方程根的判别式` also finds "一元二次方程的根的判别式".
//!
//! When fewer documents match every unit than fill the page, a query of several units is run
//! again with any unit matching, documents that match every unit first
//! ([`crate::SearchResults::relaxed`]).
//!
//! Stage and subject words (`高中化学 氧化还原反应`, `初中数学 一次函数`) are not required: they
//! add a fixed score to documents of that stage and subject.
//!
//! Scores add BM25 of the words in the title (boosted), in the body, and of the exact substring.
//! A query equal to a document's source id (e.g. `491547`) or id finds that document first.
//! Filters restrict the match without changing scores; visibility is checked by the collector
//! (see [`Viewer`]).

use domain::{Stage, Subject};
use serde::{Deserialize, Serialize};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query as TantivyQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::Visibility;
use crate::doc::DocKind;
use crate::schema::{Fields, difficulty_ordinal, grade_ordinal, key, stage_ordinal, subject_ordinal};
use crate::text::{GramTokenizer, normalize, query_words, tokens_of};

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first (most used first among equals); most used first when there is no text.
    #[default]
    Relevance,
    /// Most used first.
    Uses,
    /// Most recently updated first.
    Newest,
}

/// Facet filters; `None` means "any". Text values are compared after NFKC and lower-casing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    pub stage: Option<Stage>,
    pub grade: Option<u8>,
    pub subject: Option<Subject>,
    pub edition: Option<String>,
    pub chapter: Option<String>,
    pub knowledge_point: Option<String>,
    pub doc_type: Option<String>,
    pub difficulty: Option<u8>,
}

/// Who is searching, which decides what they may find.
///
/// A document is visible when it is published to the district; when it is published by a school
/// in `schools`, or by any school if `district_wide`; or when it is a private document whose
/// owner is `account_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    /// District staff (教研员, bureau): sees everything published by any school.
    pub district_wide: bool,
    /// Schools whose published documents the viewer sees (their own school or schools).
    pub schools: Vec<String>,
    /// The viewer's account, whose private documents (drafts) they see.
    pub account_id: Option<String>,
}

impl Viewer {
    /// Whether this viewer may see a document with `visibility` (the same rule the index applies).
    pub fn can_see(&self, visibility: &Visibility) -> bool {
        match visibility {
            Visibility::District => true,
            Visibility::School(s) => self.district_wide || self.schools.contains(s),
            Visibility::Private(owner) => self.account_id.as_ref() == Some(owner),
        }
    }
}

/// One search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// What the person typed; empty lists everything visible (subject to filters).
    pub text: String,
    /// The tab: only items or only resources; `None` for both. Counts per kind ignore it.
    pub kind: Option<DocKind>,
    pub filters: Filters,
    pub sort: Sort,
    /// Hits per page (at most [`MAX_LIMIT`]); 0 returns counts only.
    pub limit: usize,
    /// Hits to skip (offset + limit is capped at [`MAX_WINDOW`]).
    pub offset: usize,
    pub viewer: Viewer,
}

/// The largest page.
pub const MAX_LIMIT: usize = 100;
/// How deep pagination may go.
pub const MAX_WINDOW: usize = 1_000;

impl Query {
    /// A first page of 20 hits of `text` for `viewer`, any kind, no filters, by relevance.
    pub fn new(text: impl Into<String>, viewer: Viewer) -> Self {
        Query {
            text: text.into(),
            kind: None,
            filters: Filters::default(),
            sort: Sort::Relevance,
            limit: 20,
            offset: 0,
            viewer,
        }
    }
}

/// Boost of a word found in the title over one found in the body.
const TITLE_BOOST: f32 = 2.0;
/// Boost of an exact substring match (bigram phrase) of a whole unit.
const PHRASE_BOOST: f32 = 1.0;
/// Boost of a word found in a knowledge-point label.
const LABEL_BOOST: f32 = 1.0;
/// Score added for the stage or subject a query names.
const FACET_BOOST: f32 = 5.0;
/// Boost of an exact source-id or id match: above any text score.
const ID_BOOST: f32 = 1_000.0;

/// Single characters that carry no topic: dropped from the words a unit requires.
const STOP_WORDS: &[&str] =
    &["的", "了", "是", "在", "和", "与", "及", "或", "之", "其", "为", "把", "被", "求", "a", "the"];

/// A query unit: one word or quoted phrase of the text.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unit {
    pub text: String,
    pub quoted: bool,
}

/// Splits text into quoted phrases ("…", “…”, 「…」) and whitespace-separated words.
pub(crate) fn units(text: &str) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let open = rest.char_indices().find(|(_, c)| matches!(c, '"' | '“' | '「' | '＂'));
        let Some((at, quote)) = open else { break };
        let close_char = match quote {
            '“' => '”',
            '「' => '」',
            other => other,
        };
        let after = &rest[at + quote.len_utf8()..];
        let Some(close) = after.find(close_char) else { break };
        push_words(&rest[..at], &mut out);
        let phrase = after[..close].trim();
        if !phrase.is_empty() {
            out.push(Unit { text: phrase.to_owned(), quoted: true });
        }
        rest = &after[close + close_char.len_utf8()..];
    }
    push_words(rest, &mut out);
    out
}

fn push_words(text: &str, out: &mut Vec<Unit>) {
    for w in text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '“' | '”' | '「' | '」' | '＂')) {
        if !w.is_empty() {
            out.push(Unit { text: w.to_owned(), quoted: false });
        }
    }
}

/// The bigram terms of a unit with their offsets, as a phrase (or a term for one bigram).
///
/// Overlapping bigrams are redundant in a phrase: `一元@0 二次@2 方程@4` already says the text
/// holds 一元二次方程, so only bigrams that cover new characters are kept (fewer posting lists
/// and positions to read).
fn substring_query(fields: &Fields, text: &str) -> Option<Box<dyn TantivyQuery>> {
    let grams = tokens_of(&mut GramTokenizer::default(), text);
    let first = grams.first()?.0;
    let last = grams.len() - 1;
    let mut covered = first;
    let mut terms: Vec<(usize, Term)> = Vec::new();
    for (i, (position, gram)) in grams.iter().enumerate() {
        // Bigrams and lone characters cover their characters; a Latin or digit run covers its length.
        let end = position + gram.chars().count();
        if *position >= covered || (i == last && end > covered) {
            terms.push((position - first, Term::from_field_text(fields.grams, gram)));
            covered = end;
        }
    }
    Some(match terms.len() {
        1 => Box::new(TermQuery::new(terms[0].1.clone(), IndexRecordOption::WithFreqs)),
        _ => Box::new(PhraseQuery::new_with_offset(terms)),
    })
}

/// A word in title (boosted) or body.
fn word_query(fields: &Fields, word: &str) -> Box<dyn TantivyQuery> {
    let term = |field: Field| -> Box<dyn TantivyQuery> {
        Box::new(TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::WithFreqs))
    };
    Box::new(BooleanQuery::new(vec![
        (Occur::Should, Box::new(BoostQuery::new(term(fields.title), TITLE_BOOST))),
        (Occur::Should, term(fields.body)),
        (Occur::Should, Box::new(BoostQuery::new(term(fields.labels), LABEL_BOOST))),
    ]))
}

/// A stage and/or subject named in the query (`高中化学`, `初中数学`, `历史`, `小学`).
pub fn facet_word(text: &str) -> Option<(Option<Stage>, Option<Subject>)> {
    let (stage, rest) = match Stage::ALL.iter().find(|s| text.starts_with(s.label_zh())) {
        Some(s) => (Some(*s), &text[s.label_zh().len()..]),
        None => (None, text),
    };
    let subject = match rest {
        "" => None,
        "政治" => Some(Subject::Politics),
        "道法" => Some(Subject::Morality),
        "体育" => Some(Subject::Pe),
        "信息" | "信息技术" => Some(Subject::It),
        other => Some(*Subject::ALL.iter().find(|s| s.label_zh() == other)?),
    };
    (stage.is_some() || subject.is_some()).then_some((stage, subject))
}

/// Prefers documents of the stage and subject a query names, without requiring them (a bank
/// may not say its subject) and without changing the order among equals much.
fn facet_boost(fields: &Fields, stage: Option<Stage>, subject: Option<Subject>) -> Vec<(Occur, Box<dyn TantivyQuery>)> {
    let boost = |term: Term| -> (Occur, Box<dyn TantivyQuery>) {
        (
            Occur::Should,
            Box::new(ConstScoreQuery::new(Box::new(TermQuery::new(term, IndexRecordOption::Basic)), FACET_BOOST)),
        )
    };
    let mut out = Vec::new();
    if let Some(stage) = stage {
        out.push(boost(Term::from_field_u64(fields.stage, stage_ordinal(stage))));
    }
    if let Some(subject) = subject {
        out.push(boost(Term::from_field_u64(fields.subject, subject_ordinal(subject))));
    }
    out
}

/// The clause one unit contributes; `None` when it has nothing searchable (only punctuation).
fn unit_query(fields: &Fields, unit: &Unit) -> Option<Box<dyn TantivyQuery>> {
    let substring = substring_query(fields, &unit.text)?;
    let substring: Box<dyn TantivyQuery> = Box::new(BoostQuery::new(substring, PHRASE_BOOST));
    if unit.quoted {
        return Some(substring);
    }
    let all: Vec<String> = query_words(&unit.text).into_iter().map(|(_, w)| w).collect();
    let mut words: Vec<&String> = all.iter().filter(|w| !STOP_WORDS.contains(&w.as_str())).collect();
    if words.is_empty() {
        words = all.iter().collect();
    }
    words.dedup();
    if words.is_empty() {
        return Some(substring);
    }
    let required = words.len() - words.len() / 4;
    let by_words = BooleanQuery::with_minimum_required_clauses(
        words.iter().map(|w| (Occur::Should, word_query(fields, w))).collect(),
        required,
    );
    Some(Box::new(BooleanQuery::new(vec![(Occur::Should, substring), (Occur::Should, Box::new(by_words))])))
}

/// How strictly the units of a query must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every unit (except stage and subject words) must match.
    Strict,
    /// At least one unit must match; documents matching every unit come first.
    Relaxed,
}

/// Score added in [`Mode::Relaxed`] to documents that match every unit: above any text score, so
/// they stay ahead of partial matches.
const ALL_UNITS_BONUS: f32 = 500.0;

/// Units that must match in [`Mode::Strict`] (not stage or subject words).
pub(crate) fn required_units(text: &str) -> usize {
    units(text).iter().filter(|u| u.quoted || facet_word(&normalize(&u.text)).is_none()).count()
}

/// The text part, plus exact id matches. `None` when the text has nothing searchable.
pub(crate) fn text_query(fields: &Fields, text: &str, mode: Mode) -> Option<Box<dyn TantivyQuery>> {
    let mut strict: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    let mut any: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    for unit in units(text) {
        // A stage or subject word is a preference, not a requirement: the text of a 高中化学
        // exercise rarely says 高中化学.
        let facet = if unit.quoted { None } else { facet_word(&normalize(&unit.text)) };
        if let Some((stage, subject)) = facet {
            strict.extend(facet_boost(fields, stage, subject));
            any.extend(facet_boost(fields, stage, subject));
        }
        if let Some(q) = unit_query(fields, &unit) {
            strict.push((if facet.is_some() { Occur::Should } else { Occur::Must }, q.box_clone()));
            any.push((Occur::Should, q));
        }
    }
    let mut clauses = match mode {
        Mode::Strict => strict,
        Mode::Relaxed if strict.is_empty() => any,
        Mode::Relaxed => {
            let all: Box<dyn TantivyQuery> = Box::new(BooleanQuery::new(strict));
            any.push((Occur::Should, Box::new(ConstScoreQuery::new(all, ALL_UNITS_BONUS))));
            any
        }
    };
    let trimmed = text.trim();
    let mut either: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    if !trimmed.is_empty() && !trimmed.contains(char::is_whitespace) {
        let exact = |term: Term| -> Box<dyn TantivyQuery> {
            Box::new(BoostQuery::new(Box::new(TermQuery::new(term, IndexRecordOption::Basic)), ID_BOOST))
        };
        either.push((Occur::Should, exact(Term::from_field_text(fields.source_id, &trimmed.to_lowercase()))));
        for kind in [DocKind::Item, DocKind::Resource] {
            either.push((Occur::Should, exact(Term::from_field_text(fields.key, &key(kind, trimmed)))));
        }
    }
    if clauses.is_empty() && either.is_empty() {
        return None;
    }
    if !clauses.is_empty() {
        either.push((Occur::Should, Box::new(BooleanQuery::new(std::mem::take(&mut clauses)))));
    }
    Some(Box::new(BooleanQuery::new(either)))
}

/// A clause that restricts without scoring.
fn filter(query: Box<dyn TantivyQuery>) -> (Occur, Box<dyn TantivyQuery>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
}

fn term_filter(term: Term) -> (Occur, Box<dyn TantivyQuery>) {
    filter(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
}

/// The whole query: text (or everything) and filters. Neither the kind nor the viewer is part of
/// it: the collector checks visibility, counts both kinds for the tabs and keeps hits of the
/// asked one.
pub(crate) fn build(fields: &Fields, q: &Query, mode: Mode) -> Box<dyn TantivyQuery> {
    let text: Box<dyn TantivyQuery> = if q.text.trim().is_empty() {
        Box::new(AllQuery)
    } else {
        match text_query(fields, &q.text, mode) {
            Some(query) => query,
            None => Box::new(EmptyQuery),
        }
    };
    let mut clauses = vec![(Occur::Must, text)];
    let f = &q.filters;
    if let Some(stage) = f.stage {
        clauses.push(term_filter(Term::from_field_u64(fields.stage, stage_ordinal(stage))));
    }
    if let Some(grade) = f.grade {
        clauses.push(term_filter(Term::from_field_u64(fields.grade, grade_ordinal(grade))));
    }
    if let Some(subject) = f.subject {
        clauses.push(term_filter(Term::from_field_u64(fields.subject, subject_ordinal(subject))));
    }
    if let Some(difficulty) = f.difficulty {
        clauses.push(term_filter(Term::from_field_u64(fields.difficulty, difficulty_ordinal(difficulty))));
    }
    for (field, value) in [
        (fields.edition, &f.edition),
        (fields.chapter, &f.chapter),
        (fields.knowledge_point, &f.knowledge_point),
        (fields.doc_type, &f.doc_type),
    ] {
        if let Some(value) = value {
            clauses.push(term_filter(Term::from_field_text(field, &normalize(value))));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The bigrams of every unit: the words snippets highlight.
pub(crate) fn highlight_terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> =
        units(text).iter().flat_map(|u| tokens_of(&mut GramTokenizer::default(), &u.text)).map(|(_, g)| g).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_splits_into_words_and_quoted_phrases() {
        let u = units("一元二次方程  “根的 判别式” \"x^2\" 已知");
        let got: Vec<(&str, bool)> = u.iter().map(|u| (u.text.as_str(), u.quoted)).collect();
        assert_eq!(got, [("一元二次方程", false), ("根的 判别式", true), ("x^2", true), ("已知", false)]);
        // An unclosed quote is an ordinary character boundary.
        let got: Vec<String> = units("“勾股定理 应用").into_iter().map(|u| u.text).collect();
        assert_eq!(got, ["勾股定理", "应用"]);
    }

    #[test]
    fn stage_and_subject_words_are_recognised() {
        assert_eq!(facet_word("高中化学"), Some((Some(Stage::Senior), Some(Subject::Chemistry))));
        assert_eq!(facet_word("初中"), Some((Some(Stage::Junior), None)));
        assert_eq!(facet_word("历史"), Some((None, Some(Subject::History))));
        assert_eq!(facet_word("政治"), Some((None, Some(Subject::Politics))));
        assert_eq!(facet_word("一次函数"), None);
        assert_eq!(facet_word("高中生物学"), None);
    }

    #[test]
    fn viewers_see_by_the_documented_rule() {
        let teacher = Viewer { district_wide: false, schools: vec!["s1".into()], account_id: Some("t1".into()) };
        assert!(teacher.can_see(&Visibility::District));
        assert!(teacher.can_see(&Visibility::School("s1".into())));
        assert!(!teacher.can_see(&Visibility::School("s2".into())));
        assert!(teacher.can_see(&Visibility::Private("t1".into())));
        assert!(!teacher.can_see(&Visibility::Private("t2".into())));
        let staff = Viewer { district_wide: true, ..Viewer::default() };
        assert!(staff.can_see(&Visibility::School("s2".into())));
        assert!(!staff.can_see(&Visibility::Private("t2".into())));
    }
}
