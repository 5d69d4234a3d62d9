//! The tantivy schema, the packing of the small facet values into one fast field, and the
//! conversion of a [`SearchDoc`] into a tantivy document.

use domain::{Stage, Subject};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer, TokenizerManager};
use tantivy::{TantivyDocument, Term};

use crate::doc::{DocKind, SearchDoc, Visibility};
use crate::text::{GRAMS, GramTokenizer, JIEBA, JiebaTokenizer, normalize};

/// Written as the commit payload and checked on open. Bump it when the schema *or the analysis*
/// changes (a new tokenizer rule changes the terms without changing the schema): an index built
/// by another version is then reported as [`crate::SearchError::SchemaChanged`] and rebuilt.
pub const SCHEMA_VERSION: &str = "zhijiao-search/2";

/// Name of the tokenizer for exact, case-insensitive values (source ids).
const EXACT: &str = "zh_exact";

/// The fields of the schema.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    /// `item:<id>` / `resource:<id>`: the identity used to replace and delete, stored.
    pub key: Field,
    pub source_id: Field,
    pub title: Field,
    pub body: Field,
    /// Bigrams of title and body, for substring matches.
    pub grams: Field,
    /// Words of the knowledge-point labels that are text (a free label such as TAL's
    /// `拓展思维->应用题模块->鸡兔同笼问题`, not an id such as `kp-pep-math-7a-003`).
    pub labels: Field,
    /// kind, stage, grade, subject and difficulty packed in one fast value (see [`Packed`]).
    pub packed: Field,
    pub stage: Field,
    pub grade: Field,
    pub subject: Field,
    pub difficulty: Field,
    pub edition: Field,
    pub chapter: Field,
    pub knowledge_point: Field,
    pub doc_type: Field,
    /// The school (school-published) or account (private) a document belongs to; with the
    /// scope in [`Packed`] it decides visibility, checked by the collector.
    pub owner: Field,
    pub uses: Field,
    pub updated: Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = |tokenizer: &str| {
        TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqsAndPositions)
    };
    let exact = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(EXACT).set_index_option(IndexRecordOption::Basic),
        )
        .set_stored();
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        source_id: b.add_text_field("source_id", exact),
        title: b.add_text_field("title", TextOptions::default().set_indexing_options(words(JIEBA)).set_stored()),
        body: b.add_text_field("body", TextOptions::default().set_indexing_options(words(JIEBA)).set_stored()),
        grams: b.add_text_field("grams", TextOptions::default().set_indexing_options(words(GRAMS))),
        labels: b.add_text_field("labels", TextOptions::default().set_indexing_options(words(JIEBA))),
        packed: b.add_u64_field("packed", FAST),
        stage: b.add_u64_field("stage", INDEXED),
        grade: b.add_u64_field("grade", INDEXED),
        subject: b.add_u64_field("subject", INDEXED),
        difficulty: b.add_u64_field("difficulty", INDEXED),
        edition: b.add_text_field("edition", STRING),
        chapter: b.add_text_field("chapter", STRING),
        knowledge_point: b.add_text_field("knowledge_point", STRING | FAST),
        doc_type: b.add_text_field("doc_type", STRING | FAST | STORED),
        owner: b.add_text_field("owner", TextOptions::default().set_fast("raw")),
        uses: b.add_u64_field("uses", FAST),
        updated: b.add_i64_field("updated", FAST),
    };
    (b.build(), fields)
}

/// The tokenizers the schema names.
pub(crate) fn tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(JIEBA, JiebaTokenizer::default());
    manager.register(GRAMS, GramTokenizer::default());
    manager.register(EXACT, TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build());
    manager
}

/// The key of a document: what replaces and deletes it.
pub(crate) fn key(kind: DocKind, id: &str) -> String {
    format!("{}:{id}", kind.code())
}

/// Splits a stored key back into kind and id.
pub(crate) fn parse_key(key: &str) -> (DocKind, &str) {
    match key.split_once(':') {
        Some(("resource", id)) => (DocKind::Resource, id),
        Some((_, id)) => (DocKind::Item, id),
        None => (DocKind::Item, key),
    }
}

/// The small facet values and the visibility scope of a document, packed into 16 bits of one
/// fast field so that checking visibility and counting facets costs one column read per matching
/// document. 0 means "not set" for every facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Packed {
    pub kind: u64,
    pub stage: u64,
    pub grade: u64,
    pub subject: u64,
    pub difficulty: u64,
    /// [`SCOPE_DISTRICT`], [`SCOPE_SCHOOL`] or [`SCOPE_PRIVATE`].
    pub scope: u64,
}

pub(crate) const SCOPE_DISTRICT: u64 = 0;
pub(crate) const SCOPE_SCHOOL: u64 = 1;
pub(crate) const SCOPE_PRIVATE: u64 = 2;

impl Packed {
    pub fn pack(self) -> u64 {
        self.kind | self.stage << 1 | self.grade << 3 | self.subject << 7 | self.difficulty << 11 | self.scope << 14
    }

    pub fn unpack(v: u64) -> Packed {
        Packed {
            kind: v & 1,
            stage: (v >> 1) & 0b11,
            grade: (v >> 3) & 0b1111,
            subject: (v >> 7) & 0b1111,
            difficulty: (v >> 11) & 0b111,
            scope: (v >> 14) & 0b11,
        }
    }
}

/// 1-based position of a stage in [`Stage::ALL`] (0 is "not set").
pub(crate) fn stage_ordinal(stage: Stage) -> u64 {
    Stage::ALL.iter().position(|s| *s == stage).map_or(0, |i| i as u64 + 1)
}

/// 1-based position of a subject in [`Subject::ALL`] (0 is "not set").
pub(crate) fn subject_ordinal(subject: Subject) -> u64 {
    Subject::ALL.iter().position(|s| *s == subject).map_or(0, |i| i as u64 + 1)
}

/// Grade 1–12, or 0 when unknown or out of range.
pub(crate) fn grade_ordinal(grade: u8) -> u64 {
    if (1..=12).contains(&grade) { u64::from(grade) } else { 0 }
}

/// Difficulty 1–5, or 0 when unknown or out of range.
pub(crate) fn difficulty_ordinal(difficulty: u8) -> u64 {
    if (1..=5).contains(&difficulty) { u64::from(difficulty) } else { 0 }
}

/// The scope and owner a visibility is stored as.
fn scope(visibility: &Visibility) -> (u64, Option<&str>) {
    match visibility {
        Visibility::District => (SCOPE_DISTRICT, None),
        Visibility::School(school) => (SCOPE_SCHOOL, Some(school)),
        Visibility::Private(owner) => (SCOPE_PRIVATE, Some(owner)),
    }
}

impl Fields {
    pub fn key_term(&self, kind: DocKind, id: &str) -> Term {
        Term::from_field_text(self.key, &key(kind, id))
    }

    pub fn document(&self, doc: &SearchDoc) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(self.key, key(doc.kind, &doc.id));
        if let Some(source_id) = doc.source_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            d.add_text(self.source_id, source_id);
        }
        d.add_text(self.title, &doc.title);
        d.add_text(self.body, &doc.body);
        // An item's title is the start of its body: index its bigrams once.
        if !doc.body.contains(doc.title.trim_end_matches('…')) {
            d.add_text(self.grams, &doc.title);
        }
        d.add_text(self.grams, &doc.body);
        let packed = Packed {
            kind: doc.kind.ordinal(),
            stage: doc.stage.map_or(0, stage_ordinal),
            grade: doc.grade.map_or(0, grade_ordinal),
            subject: doc.subject.map_or(0, subject_ordinal),
            difficulty: doc.difficulty.map_or(0, difficulty_ordinal),
            scope: scope(&doc.visibility).0,
        };
        d.add_u64(self.packed, packed.pack());
        d.add_u64(self.stage, packed.stage);
        d.add_u64(self.grade, packed.grade);
        d.add_u64(self.subject, packed.subject);
        d.add_u64(self.difficulty, packed.difficulty);
        if let Some(edition) = &doc.edition {
            d.add_text(self.edition, normalize(edition));
        }
        if let Some(chapter) = &doc.chapter {
            d.add_text(self.chapter, normalize(chapter));
        }
        for kp in &doc.knowledge_points {
            d.add_text(self.knowledge_point, normalize(kp));
            if !kp.is_ascii() {
                d.add_text(self.labels, kp);
            }
        }
        d.add_text(self.doc_type, normalize(&doc.doc_type));
        if let (_, Some(owner)) = scope(&doc.visibility) {
            d.add_text(self.owner, owner);
        }
        d.add_u64(self.uses, doc.uses);
        d.add_i64(self.updated, doc.updated_at_unix);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_every_facet_at_its_largest_value() {
        let p = Packed { kind: 1, stage: 3, grade: 12, subject: Subject::ALL.len() as u64, difficulty: 5, scope: 2 };
        assert_eq!(Packed::unpack(p.pack()), p);
        assert!(Subject::ALL.len() < 16, "subjects no longer fit in four bits");
        let q = Packed { kind: 0, stage: 0, grade: 7, subject: 0, difficulty: 0, scope: SCOPE_SCHOOL };
        assert_eq!(Packed::unpack(q.pack()), q);
    }

    #[test]
    fn keys_round_trip() {
        assert_eq!(parse_key(&key(DocKind::Resource, "r:1")), (DocKind::Resource, "r:1"));
        assert_eq!(parse_key(&key(DocKind::Item, "491547")), (DocKind::Item, "491547"));
    }
}
