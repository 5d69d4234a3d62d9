//! Estimating how long an item takes to answer, for sources that do not say.

use super::{AnswerKey, Item, ItemType};

/// Characters of question text a student reads per second in an exam (about 360 a minute, the pace
/// usually quoted for silent reading of Chinese by secondary students; formulas are slower, which
/// the per-type working time absorbs).
const READ_CHARS_PER_SECOND: u32 = 6;
/// The shortest and longest estimate.
const MIN_SECONDS: u32 = 10;
const MAX_SECONDS: u32 = 3600;

impl Item {
    /// A rough estimate of the seconds this item takes: reading its stem and choices, plus a working
    /// time by type (15 s to judge true/false, 40 s for a single choice, 60 s for a multiple choice,
    /// 45 s for the first blank and 30 s for each further one, 3 minutes to write an open answer).
    /// Rounded up to 5 seconds, between 10 seconds and an hour. Used when a source gives no time.
    pub fn estimated_seconds(&self) -> u32 {
        let text_chars = self.stem.chars().chain(self.choices.iter().flat_map(|c| c.content.chars()));
        let visible = text_chars.filter(|c| !c.is_whitespace()).count();
        let reading = u32::try_from(visible).unwrap_or(u32::MAX).div_ceil(READ_CHARS_PER_SECOND);
        let working = match self.item_type {
            ItemType::TrueFalse => 15,
            ItemType::SingleChoice => 40,
            ItemType::MultipleChoice => 60,
            ItemType::FillBlank => {
                let blanks = match &self.answer {
                    AnswerKey::Blanks(b) => u32::try_from(b.len()).unwrap_or(u32::MAX).max(1),
                    _ => 1,
                };
                45u32.saturating_add(30u32.saturating_mul(blanks - 1))
            }
            ItemType::ShortAnswer => 180,
        };
        reading.saturating_add(working).div_ceil(5).saturating_mul(5).clamp(MIN_SECONDS, MAX_SECONDS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::items::Choice;

    fn item(item_type: ItemType, stem: &str, answer: AnswerKey) -> Item {
        Item {
            id: "x".into(),
            source: None,
            source_id: None,
            item_type,
            stem: stem.into(),
            choices: vec![],
            answer,
            analysis: String::new(),
            stage: None,
            grade: None,
            subject: None,
            knowledge_points: vec![],
            difficulty: None,
            seconds: 0,
            points: None,
            tags: vec![],
        }
    }

    #[test]
    fn longer_and_harder_items_take_longer() {
        let tf = item(ItemType::TrueFalse, "0 是自然数。", AnswerKey::TrueFalse(true));
        assert_eq!(tf.estimated_seconds(), 20); // 6 characters: 1 s reading + 15 s, rounded up to 5.
        let mut choice = item(ItemType::SingleChoice, &"字".repeat(60), AnswerKey::Choices(vec!["A".into()]));
        choice.choices = vec![Choice { label: "A".into(), content: "甲 乙".into() }];
        assert_eq!(choice.estimated_seconds(), 55); // (60 + 2) / 6 → 11 s + 40 s.
        let blanks = item(ItemType::FillBlank, "x", AnswerKey::Blanks(vec![vec!["1".into()]; 3]));
        assert_eq!(blanks.estimated_seconds(), 110);
        let essay = item(ItemType::ShortAnswer, &"字".repeat(60_000), AnswerKey::Reference(String::new()));
        assert_eq!(essay.estimated_seconds(), MAX_SECONDS);
    }
}
