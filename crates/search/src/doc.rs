//! What is indexed: one [`SearchDoc`] per exercise or resource, with who may see it.

use domain::items::Item;
use domain::{Stage, Subject};
use serde::{Deserialize, Serialize};

/// The two kinds of things the index holds (the tabs of the search page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// An exercise (试题) of the item bank.
    Item,
    /// A teaching resource (课件, 教案, 微课 …).
    Resource,
}

impl DocKind {
    /// The stable code used in document keys and URLs.
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Item => "item",
            DocKind::Resource => "resource",
        }
    }

    pub(crate) fn ordinal(self) -> u64 {
        match self {
            DocKind::Item => 0,
            DocKind::Resource => 1,
        }
    }
}

/// Who may find a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "id")]
pub enum Visibility {
    /// Published to the whole district: everyone finds it.
    District,
    /// Published within one school (the school's id): its staff and district-wide staff find it.
    School(String),
    /// A draft or personal document (the owner's account id): only the owner finds it.
    Private(String),
}

/// One searchable document, built by the caller from the store (the index is never the source of
/// truth and can always be rebuilt from it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchDoc {
    pub kind: DocKind,
    /// Our id; `(kind, id)` identifies the document in the index.
    pub id: String,
    /// The id in the source bank (e.g. `491547` for ape210k): a query equal to it finds the doc.
    pub source_id: Option<String>,
    /// Items: the start of the stem; resources: the title.
    pub title: String,
    /// Items: stem, choices and analysis; resources: description and tags.
    pub body: String,
    pub stage: Option<Stage>,
    /// Grade 1–12.
    pub grade: Option<u8>,
    pub subject: Option<Subject>,
    /// Textbook edition id (resources mostly).
    pub edition: Option<String>,
    /// Curriculum node (chapter or section) id.
    pub chapter: Option<String>,
    /// Knowledge-point ids or free labels.
    pub knowledge_points: Vec<String>,
    /// The item type code (`single_choice` …) or the resource type code (`courseware` …).
    pub doc_type: String,
    /// 1 (容易) … 5 (困难).
    pub difficulty: Option<u8>,
    /// How often it has been used (assigned, downloaded): the popularity sort.
    pub uses: u64,
    pub visibility: Visibility,
    /// Last change, seconds since the Unix epoch (UTC), given by the caller.
    pub updated_at_unix: i64,
}

/// How many characters of an item's stem make its title.
const TITLE_CHARS: usize = 80;

impl SearchDoc {
    /// The document for an exercise: its title is the start of the stem, its body the stem,
    /// the choices (`A. …`), the analysis and the tags. Image markup is left out (a blob hash
    /// is nothing anyone searches for); LaTeX stays, so `x^2` is findable. Knowledge points that
    /// are free labels (not ASCII ids) are searchable words too. `updated_at_unix` is 0: the
    /// caller sets it from the store.
    pub fn from_item(item: &Item, visibility: Visibility, uses: u64) -> Self {
        let stem = without_images(&item.stem);
        let mut body = stem.clone();
        for choice in &item.choices {
            body.push('\n');
            body.push_str(&choice.label);
            body.push_str(". ");
            body.push_str(&without_images(&choice.content));
        }
        for extra in std::iter::once(&item.analysis).chain(&item.tags) {
            if !extra.trim().is_empty() {
                body.push('\n');
                body.push_str(&without_images(extra));
            }
        }
        SearchDoc {
            kind: DocKind::Item,
            id: item.id.clone(),
            source_id: item.source_id.clone(),
            title: title_of(&stem),
            body,
            stage: item.stage.or_else(|| item.grade.and_then(Stage::of_grade)),
            grade: item.grade,
            subject: item.subject,
            edition: None,
            chapter: None,
            knowledge_points: item.knowledge_points.clone(),
            doc_type: item.item_type.code().to_owned(),
            difficulty: item.difficulty,
            uses,
            visibility,
            updated_at_unix: 0,
        }
    }
}

/// The first [`TITLE_CHARS`] characters of `text` on one line, with `…` when cut.
fn title_of(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = line.char_indices();
    match chars.nth(TITLE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// `text` without `![alt](src)` image markup (the alt text is kept: it describes the figure).
fn without_images(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("![") {
        let after = &rest[start + 2..];
        let Some(close) = after.find("](") else { break };
        let Some(end) = after[close + 2..].find(')') else { break };
        out.push_str(&rest[..start]);
        out.push_str(&after[..close]);
        rest = &after[close + 2 + end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_dropped_but_their_alt_text_kept() {
        assert_eq!(without_images("如图![三角形ABC](blob:ab12)所示，求x"), "如图三角形ABC所示，求x");
        assert_eq!(without_images("no image ![broken"), "no image ![broken");
    }

    #[test]
    fn titles_are_one_line_and_cut_at_80_characters() {
        assert_eq!(title_of("已知集合\n A={1}"), "已知集合 A={1}");
        let long = "很".repeat(100);
        let t = title_of(&long);
        assert_eq!(t.chars().count(), 81);
        assert!(t.ends_with('…'));
    }
}
