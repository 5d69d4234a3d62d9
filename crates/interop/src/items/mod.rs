//! Exercise-bank items in and out: our JSON Lines format, QTI 3.0 packages, and readers for public
//! question banks (GAOKAO-Bench, CMMLU, Ape210K, TAL-SCQ5K).
//!
//! Every reader returns [`domain::items::Item`]s that pass [`Item::validate`]; what validation only
//! warns about (unbalanced LaTeX) travels with the item as [`ImportedItem::warnings`] so the author
//! sees it. Formats are described in `docs/FORMATS.md`.

pub mod banks;
pub mod jsonl;
pub mod qti;

use domain::items::{Item, ItemProblem, ItemWarning};

use crate::{ImportErrors, RowError};

/// An item read from a file, with where it was and what its author should look at.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedItem {
    pub item: Item,
    /// The file it was read from: the JSON Lines file, or the item's XML file inside a QTI package.
    pub file: String,
    /// Its line in that file (from 1).
    pub line: usize,
    /// What [`Item::validate`] warns about, e.g. unbalanced LaTeX in the stem.
    pub warnings: Vec<ItemWarning>,
}

/// Collects the problems of one import, each with its file, line and field.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    errors: Vec<RowError>,
}

impl Problems {
    pub(crate) fn push(&mut self, file: &str, line: usize, field: Option<&str>, reason: impl Into<String>) {
        self.errors.push(RowError {
            file: file.to_owned(),
            line,
            column: field.map(str::to_owned),
            reason: reason.into(),
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.errors.len()
    }

    /// The problems sorted by file and line, or `Ok(value)` when there are none.
    pub(crate) fn into_result<T>(mut self, value: T) -> Result<T, ImportErrors> {
        if self.errors.is_empty() {
            return Ok(value);
        }
        self.errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Err(ImportErrors { errors: self.errors })
    }

    /// Validates an item: its problems become errors on the field they concern; its warnings are returned.
    pub(crate) fn validate(&mut self, item: &Item, file: &str, line: usize) -> Vec<ItemWarning> {
        match item.validate() {
            Ok(warnings) => warnings,
            Err(problems) => {
                for problem in problems {
                    self.push(file, line, Some(problem_field(&problem)), problem.to_string());
                }
                Vec::new()
            }
        }
    }
}

/// The field (as our JSON Lines format names it) that an item problem concerns.
pub(crate) fn problem_field(problem: &ItemProblem) -> &'static str {
    match problem {
        ItemProblem::EmptyStem => "stem",
        ItemProblem::TooFewChoices { .. }
        | ItemProblem::DuplicateChoiceLabel { .. }
        | ItemProblem::EmptyChoiceLabel { .. } => "choices",
        ItemProblem::DifficultyOutOfRange { .. } => "difficulty",
        ItemProblem::GradeOutOfRange { .. } | ItemProblem::GradeNotInStage { .. } => "grade",
        _ => "answer",
    }
}
