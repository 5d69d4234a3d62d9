//! Checking an item before it is stored: problems refuse it, warnings are shown to its author.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::latex::{LatexWarning, latex_warnings};
use super::{AnswerKey, Item, ItemType};
use crate::Stage;

/// The part of an item a problem or warning is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "label", rename_all = "snake_case")]
pub enum ItemField {
    Stem,
    /// The choice with this label.
    Choice(String),
    Answer,
    Analysis,
}

impl fmt::Display for ItemField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemField::Stem => f.write_str("stem"),
            ItemField::Choice(label) => write!(f, "choice {label}"),
            ItemField::Answer => f.write_str("answer"),
            ItemField::Analysis => f.write_str("analysis"),
        }
    }
}

/// Something that makes an item unusable; the item is refused until it is fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemProblem {
    /// The stem is empty or only whitespace.
    EmptyStem,
    /// A single or multiple choice item with fewer than two choices.
    TooFewChoices { count: usize },
    /// Two choices with the same label.
    DuplicateChoiceLabel { label: String },
    /// A choice whose label is empty.
    EmptyChoiceLabel { index: usize },
    /// The answer key's shape does not fit the item type (e.g. blanks for a single choice item).
    AnswerShapeMismatch { item_type: ItemType, answer: &'static str },
    /// The answer names a label that is not one of the choices.
    AnswerNotAChoice { label: String },
    /// The answer names a label twice.
    DuplicateAnswerLabel { label: String },
    /// A single choice item whose answer has not exactly one label.
    SingleChoiceAnswerCount { count: usize },
    /// A multiple choice item with no correct choice.
    NoCorrectChoice,
    /// A fill-in-the-blank item with no blanks.
    NoBlanks,
    /// A blank (numbered from 1) with no accepted answer, or only empty ones.
    BlankWithoutAnswer { blank: usize },
    /// Difficulty outside 1–5.
    DifficultyOutOfRange { difficulty: u8 },
    /// Grade outside 1–12.
    GradeOutOfRange { grade: u8 },
    /// A grade that the item's stage does not teach, e.g. grade 8 in 小学.
    GradeNotInStage { grade: u8, stage: Stage },
}

impl fmt::Display for ItemProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemProblem::EmptyStem => f.write_str("the stem is empty"),
            ItemProblem::TooFewChoices { count } => write!(f, "a choice item needs at least 2 choices, it has {count}"),
            ItemProblem::DuplicateChoiceLabel { label } => write!(f, "two choices are labelled `{label}`"),
            ItemProblem::EmptyChoiceLabel { index } => write!(f, "choice {} has no label", index + 1),
            ItemProblem::AnswerShapeMismatch { item_type, answer } => {
                write!(f, "a {} item cannot have a `{answer}` answer", item_type.label_en().to_lowercase())
            }
            ItemProblem::AnswerNotAChoice { label } => write!(f, "the answer `{label}` is not one of the choices"),
            ItemProblem::DuplicateAnswerLabel { label } => write!(f, "the answer names `{label}` twice"),
            ItemProblem::SingleChoiceAnswerCount { count } => {
                write!(f, "a single choice item needs exactly 1 correct choice, it has {count}")
            }
            ItemProblem::NoCorrectChoice => f.write_str("a multiple choice item needs at least 1 correct choice"),
            ItemProblem::NoBlanks => f.write_str("a fill-in-the-blank item needs at least 1 blank"),
            ItemProblem::BlankWithoutAnswer { blank } => write!(f, "blank {blank} has no accepted answer"),
            ItemProblem::DifficultyOutOfRange { difficulty } => write!(f, "difficulty {difficulty} is not within 1–5"),
            ItemProblem::GradeOutOfRange { grade } => write!(f, "grade {grade} is not within 1–12"),
            ItemProblem::GradeNotInStage { grade, stage } => {
                write!(f, "grade {grade} is not taught in {}", stage.label_en().to_lowercase())
            }
        }
    }
}

/// Something the author should look at; the item is accepted all the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemWarning {
    /// LaTeX in one field that KaTeX may not render as meant.
    Latex { field: ItemField, warning: LatexWarning },
}

impl fmt::Display for ItemWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemWarning::Latex { field, warning } => write!(f, "{field}: {warning}"),
        }
    }
}

impl Item {
    /// Checks the item: every problem at once (`Err`), or the warnings for its author (`Ok`, possibly
    /// empty). Warnings never refuse an item: imported banks have imperfect LaTeX, and a formula that
    /// renders oddly is better shown to the author than lost.
    pub fn validate(&self) -> Result<Vec<ItemWarning>, Vec<ItemProblem>> {
        let mut problems = Vec::new();
        if self.stem.trim().is_empty() {
            problems.push(ItemProblem::EmptyStem);
        }
        check_answer(self, &mut problems);
        if let Some(difficulty) = self.difficulty.filter(|d| !(1..=5).contains(d)) {
            problems.push(ItemProblem::DifficultyOutOfRange { difficulty });
        }
        if let Some(grade) = self.grade {
            if !(1..=12).contains(&grade) {
                problems.push(ItemProblem::GradeOutOfRange { grade });
            } else if let Some(stage) = self.stage.filter(|s| !s.grades().contains(&grade)) {
                problems.push(ItemProblem::GradeNotInStage { grade, stage });
            }
        }
        if problems.is_empty() { Ok(self.latex_warnings()) } else { Err(problems) }
    }

    /// The LaTeX warnings of every text field: stem, choices, answer texts and analysis.
    pub fn latex_warnings(&self) -> Vec<ItemWarning> {
        let mut fields: Vec<(ItemField, &str)> = vec![(ItemField::Stem, &self.stem)];
        fields.extend(self.choices.iter().map(|c| (ItemField::Choice(c.label.clone()), c.content.as_str())));
        match &self.answer {
            AnswerKey::Blanks(blanks) => {
                fields.extend(blanks.iter().flatten().map(|a| (ItemField::Answer, a.as_str())));
            }
            AnswerKey::Reference(text) => fields.push((ItemField::Answer, text)),
            AnswerKey::Choices(_) | AnswerKey::TrueFalse(_) => {}
        }
        fields.push((ItemField::Analysis, &self.analysis));
        fields
            .into_iter()
            .flat_map(|(field, text)| {
                latex_warnings(text)
                    .into_iter()
                    .map(move |warning| ItemWarning::Latex { field: field.clone(), warning })
            })
            .collect()
    }
}

/// The name of an answer key's shape, for messages.
fn answer_shape(answer: &AnswerKey) -> &'static str {
    match answer {
        AnswerKey::Choices(_) => "choices",
        AnswerKey::TrueFalse(_) => "true_false",
        AnswerKey::Blanks(_) => "blanks",
        AnswerKey::Reference(_) => "reference",
    }
}

fn check_answer(item: &Item, problems: &mut Vec<ItemProblem>) {
    let shape_fits = matches!(
        (item.item_type, &item.answer),
        (ItemType::SingleChoice | ItemType::MultipleChoice, AnswerKey::Choices(_))
            | (ItemType::TrueFalse, AnswerKey::TrueFalse(_))
            | (ItemType::FillBlank, AnswerKey::Blanks(_))
            | (ItemType::ShortAnswer, AnswerKey::Reference(_))
    );
    if !shape_fits {
        problems
            .push(ItemProblem::AnswerShapeMismatch { item_type: item.item_type, answer: answer_shape(&item.answer) });
        return;
    }
    match &item.answer {
        AnswerKey::Choices(labels) => check_choices(item, labels, problems),
        AnswerKey::Blanks(blanks) => {
            if blanks.is_empty() {
                problems.push(ItemProblem::NoBlanks);
            }
            for (i, accepted) in blanks.iter().enumerate() {
                if accepted.iter().all(|a| a.trim().is_empty()) {
                    problems.push(ItemProblem::BlankWithoutAnswer { blank: i + 1 });
                }
            }
        }
        AnswerKey::TrueFalse(_) | AnswerKey::Reference(_) => {}
    }
}

fn check_choices(item: &Item, answer: &[String], problems: &mut Vec<ItemProblem>) {
    if item.choices.len() < 2 {
        problems.push(ItemProblem::TooFewChoices { count: item.choices.len() });
    }
    let mut labels = HashSet::new();
    for (index, choice) in item.choices.iter().enumerate() {
        if choice.label.trim().is_empty() {
            problems.push(ItemProblem::EmptyChoiceLabel { index });
        } else if !labels.insert(choice.label.as_str()) {
            problems.push(ItemProblem::DuplicateChoiceLabel { label: choice.label.clone() });
        }
    }
    let mut named = HashSet::new();
    for label in answer {
        if !labels.contains(label.as_str()) {
            problems.push(ItemProblem::AnswerNotAChoice { label: label.clone() });
        }
        if !named.insert(label.as_str()) {
            problems.push(ItemProblem::DuplicateAnswerLabel { label: label.clone() });
        }
    }
    match item.item_type {
        ItemType::SingleChoice if answer.len() != 1 => {
            problems.push(ItemProblem::SingleChoiceAnswerCount { count: answer.len() });
        }
        ItemType::MultipleChoice if answer.is_empty() => problems.push(ItemProblem::NoCorrectChoice),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Subject;
    use crate::items::Choice;

    fn single_choice() -> Item {
        Item {
            id: "i1".into(),
            source: None,
            source_id: None,
            item_type: ItemType::SingleChoice,
            stem: "$1+1=$（　）".into(),
            choices: ["1", "2", "3", "4"]
                .iter()
                .zip(["A", "B", "C", "D"])
                .map(|(content, label)| Choice { label: label.into(), content: (*content).into() })
                .collect(),
            answer: AnswerKey::Choices(vec!["B".into()]),
            analysis: "$1+1=2$".into(),
            stage: Some(Stage::Primary),
            grade: Some(1),
            subject: Some(Subject::Math),
            knowledge_points: vec![],
            difficulty: Some(1),
            seconds: 30,
            points: Some(2.0),
            tags: vec![],
        }
    }

    #[test]
    fn a_good_item_passes_without_warnings() {
        assert_eq!(single_choice().validate(), Ok(vec![]));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut item = single_choice();
        item.stem = "  ".into();
        item.choices[1].label = "A".into();
        item.answer = AnswerKey::Choices(vec!["E".into(), "A".into()]);
        item.difficulty = Some(0);
        item.grade = Some(8);
        assert_eq!(
            item.validate(),
            Err(vec![
                ItemProblem::EmptyStem,
                ItemProblem::DuplicateChoiceLabel { label: "A".into() },
                ItemProblem::AnswerNotAChoice { label: "E".into() },
                ItemProblem::SingleChoiceAnswerCount { count: 2 },
                ItemProblem::DifficultyOutOfRange { difficulty: 0 },
                ItemProblem::GradeNotInStage { grade: 8, stage: Stage::Primary },
            ])
        );
        item.grade = Some(13);
        item.stage = None;
        assert!(item.validate().unwrap_err().contains(&ItemProblem::GradeOutOfRange { grade: 13 }));
    }

    #[test]
    fn choice_counts_and_shapes() {
        let mut item = single_choice();
        item.choices.truncate(1);
        item.answer = AnswerKey::Choices(vec!["A".into()]);
        assert_eq!(item.validate(), Err(vec![ItemProblem::TooFewChoices { count: 1 }]));

        let mut item = single_choice();
        item.item_type = ItemType::MultipleChoice;
        item.answer = AnswerKey::Choices(vec![]);
        assert_eq!(item.validate(), Err(vec![ItemProblem::NoCorrectChoice]));
        item.answer = AnswerKey::Choices(vec!["A".into(), "C".into()]);
        assert_eq!(item.validate(), Ok(vec![]));

        item.answer = AnswerKey::Blanks(vec![vec!["2".into()]]);
        assert_eq!(
            item.validate(),
            Err(vec![ItemProblem::AnswerShapeMismatch { item_type: ItemType::MultipleChoice, answer: "blanks" }])
        );
    }

    #[test]
    fn blanks_need_answers() {
        let mut item = single_choice();
        item.item_type = ItemType::FillBlank;
        item.choices.clear();
        item.answer = AnswerKey::Blanks(vec![]);
        assert_eq!(item.validate(), Err(vec![ItemProblem::NoBlanks]));
        item.answer = AnswerKey::Blanks(vec![vec!["2".into()], vec![" ".into()], vec![]]);
        assert_eq!(
            item.validate(),
            Err(vec![ItemProblem::BlankWithoutAnswer { blank: 2 }, ItemProblem::BlankWithoutAnswer { blank: 3 }])
        );
    }

    #[test]
    fn unbalanced_latex_is_a_warning_with_its_field() {
        let mut item = single_choice();
        item.choices[2].content = "$\\frac{1}{2$".into();
        item.analysis = "因为 $1+1=2".into();
        let warnings = item.validate().unwrap();
        let fields: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(fields.len(), 2, "{fields:?}");
        assert!(fields[0].starts_with("choice C: `{` is never closed"), "{}", fields[0]);
        assert!(fields[1].starts_with("analysis: math opened with `$` is never closed"), "{}", fields[1]);
    }
}
