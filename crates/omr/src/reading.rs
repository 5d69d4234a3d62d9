//! What reading a sheet yields, shared by our own sheets and OMRChecker templates: every
//! bubble's darkness and state, and every field's value.

use serde::Serialize;

use crate::classify::MarkState;

/// One bubble as read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BubbleReading {
    /// What the bubble stands for ("A", "7", "T").
    pub value: String,
    /// Mean darkness inside the bubble, 0 = paper, 1 = black.
    pub darkness: f64,
    pub state: MarkState,
    /// How sure the state is, 0..1.
    pub confidence: f64,
}

/// The value of one field (a question, one digit of a number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    /// No bubble marked.
    Blank,
    /// The marked bubbles' values, concatenated in printed order ("B", "AD").
    Marked(String),
    /// At least one bubble could not be decided: needs a teacher.
    Ambiguous,
}

impl FieldValue {
    /// The value as a CSV cell: empty for blank, the letters for marked, `?` for ambiguous (a
    /// character no bubble stands for, so it never matches an answer key).
    pub fn cell(&self) -> &str {
        match self {
            FieldValue::Blank => "",
            FieldValue::Marked(v) => v,
            FieldValue::Ambiguous => "?",
        }
    }
}

/// One field as read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldReading {
    pub field: String,
    pub value: FieldValue,
    /// The lowest confidence among the field's bubbles.
    pub confidence: f64,
    pub bubbles: Vec<BubbleReading>,
}

impl FieldReading {
    /// Builds the field value from its bubbles: any ambiguous bubble makes the field ambiguous.
    pub fn from_bubbles(field: String, bubbles: Vec<BubbleReading>) -> FieldReading {
        let confidence = bubbles.iter().map(|b| b.confidence).fold(1.0, f64::min);
        let value = if bubbles.iter().any(|b| b.state == MarkState::Ambiguous) {
            FieldValue::Ambiguous
        } else {
            let marked: String =
                bubbles.iter().filter(|b| b.state == MarkState::Marked).map(|b| b.value.as_str()).collect();
            if marked.is_empty() { FieldValue::Blank } else { FieldValue::Marked(marked) }
        };
        FieldReading { field, value, confidence, bubbles }
    }
}
