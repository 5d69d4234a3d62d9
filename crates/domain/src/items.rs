//! Exercises (试题) in the item bank: types, stems with LaTeX math, answer keys and analyses.
//!
//! Stems, choices and analyses are *restricted markup*: plain text in which `$…$` / `$$…$$` (and
//! `\(…\)`, `\[…\]`) delimit LaTeX math rendered by KaTeX in the browser, and `![alt](src)` marks an
//! image whose `src` is a stored blob (`blob:<sha256>`) or a package-relative path on import.
//! Nothing else is interpreted: pages escape the text, so a stem can never inject HTML.

use serde::{Deserialize, Serialize};

use crate::{Stage, Subject, org::coded_enum};

mod latex;
mod normalize;
mod timing;
mod validate;

pub use latex::{LatexProblem, LatexWarning, latex_warnings};
pub use normalize::{fold_cjk_compatibility, normalize_text, strip_question_number};
pub use validate::{ItemField, ItemProblem, ItemWarning};

coded_enum!(
    /// The kind of exercise, which decides how it is answered and graded.
    ItemType, "item type" {
        SingleChoice => "single_choice", "单选题", "Single choice";
        MultipleChoice => "multiple_choice", "多选题", "Multiple choice";
        TrueFalse => "true_false", "判断题", "True/false";
        FillBlank => "fill_blank", "填空题", "Fill in the blank";
        ShortAnswer => "short_answer", "解答题", "Short answer / open";
    }
);

impl ItemType {
    /// Whether answers to this type are graded by the machine.
    pub fn is_objective(self) -> bool {
        !matches!(self, ItemType::ShortAnswer)
    }
}

/// One option of a choice item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The label shown and answered: `A`, `B`, …
    pub label: String,
    pub content: String,
}

/// The answer key, shaped by the item type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AnswerKey {
    /// Labels of the correct choices (one for single choice, one or more for multiple choice).
    Choices(Vec<String>),
    TrueFalse(bool),
    /// Per blank, the accepted answers (any one of them is right).
    Blanks(Vec<Vec<String>>),
    /// A reference answer for a person to grade against.
    Reference(String),
}

/// An exercise. `id` is ours; `source`/`source_id` keep where it came from (e.g. `ape210k`,
/// `491547`) so integrators can find it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub source: Option<String>,
    pub source_id: Option<String>,
    pub item_type: ItemType,
    pub stem: String,
    pub choices: Vec<Choice>,
    pub answer: AnswerKey,
    pub analysis: String,
    pub stage: Option<Stage>,
    /// Grade 1–12 where known.
    pub grade: Option<u8>,
    pub subject: Option<Subject>,
    /// Knowledge-point ids of the curriculum frame, or free labels (e.g. an imported route) when
    /// the source does not use our frame.
    pub knowledge_points: Vec<String>,
    /// 1 (容易) … 5 (困难).
    pub difficulty: Option<u8>,
    /// Estimated time to answer, in seconds.
    pub seconds: u32,
    /// Points in the source paper, where given.
    pub points: Option<f32>,
    pub tags: Vec<String>,
}
