//! Our JSON Lines item format: one item per line, the simplest way to move a bank in or out.
//!
//! # Format
//!
//! UTF-8 (a BOM is allowed; GBK/GB18030 is accepted too), one JSON object per line, blank lines
//! ignored. Fields:
//!
//! | field | type | |
//! |---|---|---|
//! | `id` | string | optional; when absent the importer assigns one (the item's `id` is empty) |
//! | `source`, `source_id` | string | optional: where the item came from, e.g. `"ape210k"`, `"491547"` |
//! | `type` | string | required: `single_choice`, `multiple_choice`, `true_false`, `fill_blank`, `short_answer` (or 单选题 …) |
//! | `stem` | string | required, not empty; restricted markup (text, `$…$` math, `![alt](src)` images) |
//! | `choices` | array of `{"label", "content"}` | choice items: at least two, labels unique |
//! | `answer` | by type | `single_choice`: `"B"` (or `["B"]`); `multiple_choice`: `["A","C"]`; `true_false`: `true`/`false` (or `"正确"`/`"错误"`, `"对"`/`"错"`, `"√"`/`"×"`, `"true"`/`"false"`); `fill_blank`: one array of accepted answers per blank, `[["11/20","0.55"],["3"]]` (a blank with one answer may be a plain string); `short_answer`: the reference answer as a string |
//! | `analysis` | string | optional: the worked solution (解析) |
//! | `stage` | string | optional: `primary`, `junior`, `senior` (or 小学 …) |
//! | `grade` | integer | optional: 1–12, within the stage |
//! | `subject` | string | optional: `math`, `chinese`, … (or 数学 …) |
//! | `knowledge_points` | array of strings | optional: knowledge-point ids or free labels |
//! | `difficulty` | integer | optional: 1 (容易) – 5 (困难) |
//! | `seconds` | integer | optional: time to answer; estimated from type and length when absent |
//! | `points` | number | optional: points in the source paper |
//! | `tags` | array of strings | optional |
//!
//! Unknown fields are refused (a typo such as `knowlege_points` would otherwise lose data silently).
//! `null` counts as absent.
//!
//! # Errors
//!
//! Every problem of the file is reported at once: malformed JSON with its line and column, each bad
//! field with its line and the field's name, and what [`Item::validate`] refuses (e.g. an answer that
//! is not one of the choices) on the field concerned. Items are returned only when there is none.
//!
//! # Writing
//!
//! [`write()`] produces one line per item with fields in the order above, leaving out absent optional
//! fields and empty lists; `seconds` is always written, so reading the output gives the same items.

use std::collections::HashMap;

use domain::items::{AnswerKey, Choice, Item, ItemType};
use domain::{Stage, Subject};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{ImportedItem, Problems};
use crate::ImportErrors;

/// Every field the format knows, in the order [`write`] puts them.
const FIELDS: &[&str] = &[
    "id",
    "source",
    "source_id",
    "type",
    "stem",
    "choices",
    "answer",
    "analysis",
    "stage",
    "grade",
    "subject",
    "knowledge_points",
    "difficulty",
    "seconds",
    "points",
    "tags",
];

/// Reads a JSON Lines file of items (see the module documentation for the format).
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Vec<ImportedItem>, ImportErrors> {
    let mut problems = Problems::default();
    let text = match crate::decode_text(file_name, bytes) {
        Ok(text) => text,
        Err(e) => {
            problems.push(file_name, 0, None, e.to_string().trim_start_matches(&format!("{file_name}: ")).to_owned());
            return problems.into_result(Vec::new());
        }
    };
    let mut items = Vec::new();
    let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let object = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(object)) => object,
            Ok(_) => {
                problems.push(file_name, number, None, "each line must be a JSON object `{…}`");
                continue;
            }
            Err(e) => {
                let column = char_column(line, e.column());
                problems.push(file_name, number, Some(&column.to_string()), json_message(&e));
                continue;
            }
        };
        let mut fields = Fields { object: &object, file: file_name, line: number, problems: &mut problems };
        let Some(item) = fields.item() else { continue };
        if !item.id.is_empty() {
            if let Some(first) = first_line_of_id.get(&item.id) {
                problems.push(file_name, number, Some("id"), format!("id `{}` is also used on line {first}", item.id));
                continue;
            }
            first_line_of_id.insert(item.id.clone(), number);
        }
        let warnings = problems.validate(&item, file_name, number);
        items.push(ImportedItem { item, file: file_name.to_owned(), line: number, warnings });
    }
    problems.into_result(items)
}

/// Writes items as JSON Lines, one per line, in the given order. UTF-8 without BOM.
pub fn write(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        let line = Line {
            id: (!item.id.is_empty()).then_some(item.id.as_str()),
            source: item.source.as_deref(),
            source_id: item.source_id.as_deref(),
            item_type: item.item_type.code(),
            stem: &item.stem,
            choices: item.choices.iter().map(|c| ChoiceLine { label: &c.label, content: &c.content }).collect(),
            answer: answer_value(item),
            analysis: (!item.analysis.is_empty()).then_some(item.analysis.as_str()),
            stage: item.stage.map(Stage::code),
            grade: item.grade,
            subject: item.subject.map(Subject::code),
            knowledge_points: &item.knowledge_points,
            difficulty: item.difficulty,
            seconds: item.seconds,
            points: item.points,
            tags: &item.tags,
        };
        // Serialising plain strings, numbers and lists into a Vec cannot fail.
        if serde_json::to_writer(&mut out, &line).is_ok() {
            out.push(b'\n');
        }
    }
    out
}

/// One written line; fields in the documented order.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_id: Option<&'a str>,
    #[serde(rename = "type")]
    item_type: &'a str,
    stem: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    choices: Vec<ChoiceLine<'a>>,
    answer: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grade: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    knowledge_points: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    difficulty: Option<u8>,
    seconds: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    points: Option<f32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
}

#[derive(Serialize)]
struct ChoiceLine<'a> {
    label: &'a str,
    content: &'a str,
}

/// The answer in the shape the format gives it for the item's type.
fn answer_value(item: &Item) -> Value {
    match &item.answer {
        AnswerKey::Choices(labels) if item.item_type == ItemType::SingleChoice && labels.len() == 1 => {
            Value::from(labels[0].as_str())
        }
        AnswerKey::Choices(labels) => Value::from(labels.clone()),
        AnswerKey::TrueFalse(value) => Value::from(*value),
        AnswerKey::Blanks(blanks) => Value::from(blanks.iter().map(|b| Value::from(b.clone())).collect::<Vec<_>>()),
        AnswerKey::Reference(text) => Value::from(text.as_str()),
    }
}

/// The fields of one line, read with their problems recorded.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    file: &'a str,
    line: usize,
    problems: &'a mut Problems,
}

impl Fields<'_> {
    fn bad(&mut self, field: &str, reason: impl Into<String>) {
        self.problems.push(self.file, self.line, Some(field), reason);
    }

    /// The item this line describes, or `None` when a field is unusable (its problems recorded).
    fn item(&mut self) -> Option<Item> {
        let before = self.problems_count();
        for key in self.object.keys() {
            if !FIELDS.contains(&key.as_str()) {
                self.bad(key, format!("unknown field; the fields are {}", FIELDS.join(", ")));
            }
        }
        let item_type = match self.string("type", true) {
            Some(code) => match ItemType::parse(&code) {
                Ok(t) => Some(t),
                Err(_) => {
                    self.bad("type", format!("unknown item type `{code}`; use single_choice, multiple_choice, true_false, fill_blank or short_answer"));
                    None
                }
            },
            None => None,
        };
        let stem = self.string("stem", true).unwrap_or_default();
        let choices = self.choices();
        let answer = item_type.and_then(|t| self.answer(t));
        let complete = item_type.is_some() && answer.is_some();
        let stage = self.coded("stage", Stage::parse);
        let subject = self.coded("subject", Subject::parse);
        let grade = self.small_integer("grade");
        let difficulty = self.small_integer("difficulty");
        let seconds = self.integer("seconds");
        let points = self.number("points");
        let item = Item {
            id: self.string("id", false).unwrap_or_default(),
            source: self.string("source", false),
            source_id: self.string("source_id", false),
            item_type: item_type.unwrap_or(ItemType::ShortAnswer),
            stem,
            choices,
            answer: answer.unwrap_or(AnswerKey::Reference(String::new())),
            analysis: self.string("analysis", false).unwrap_or_default(),
            stage,
            grade,
            subject,
            knowledge_points: self.strings("knowledge_points"),
            difficulty,
            seconds: 0,
            points,
            tags: self.strings("tags"),
        };
        if self.problems_count() > before || !complete {
            return None;
        }
        let seconds = seconds.unwrap_or_else(|| item.estimated_seconds());
        Some(Item { seconds, ..item })
    }

    fn problems_count(&self) -> usize {
        self.problems.len()
    }

    fn get(&self, field: &str) -> Option<&Value> {
        self.object.get(field).filter(|v| !v.is_null())
    }

    fn string(&mut self, field: &str, required: bool) -> Option<String> {
        match self.get(field) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.bad(field, "must be a string");
                None
            }
            None => {
                if required {
                    self.bad(field, "is required");
                }
                None
            }
        }
    }

    fn strings(&mut self, field: &str) -> Vec<String> {
        match self.get(field) {
            None => Vec::new(),
            Some(Value::Array(values)) if values.iter().all(Value::is_string) => {
                values.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
            }
            Some(_) => {
                self.bad(field, "must be an array of strings");
                Vec::new()
            }
        }
    }

    fn coded<T>(&mut self, field: &str, parse: impl Fn(&str) -> Result<T, domain::DomainError>) -> Option<T> {
        let value = self.string(field, false)?;
        match parse(&value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.bad(field, e.to_string());
                None
            }
        }
    }

    fn integer(&mut self, field: &str) -> Option<u32> {
        let value = self.get(field)?;
        match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.bad(field, format!("must be a whole number ≥ 0, not {value}"));
                None
            }
        }
    }

    fn small_integer(&mut self, field: &str) -> Option<u8> {
        let value = self.get(field)?;
        match value.as_u64().and_then(|n| u8::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                self.bad(field, format!("must be a whole number, not {value}"));
                None
            }
        }
    }

    fn number(&mut self, field: &str) -> Option<f32> {
        let value = self.get(field)?;
        match value.as_f64().filter(|n| n.is_finite() && *n >= 0.0) {
            #[allow(clippy::cast_possible_truncation)] // points are small; f32 is what the model keeps
            Some(n) => Some(n as f32),
            None => {
                self.bad(field, format!("must be a number ≥ 0, not {value}"));
                None
            }
        }
    }

    fn choices(&mut self) -> Vec<Choice> {
        let Some(value) = self.get("choices") else { return Vec::new() };
        let Value::Array(values) = value else {
            self.bad("choices", "must be an array of {\"label\", \"content\"} objects");
            return Vec::new();
        };
        let mut choices = Vec::new();
        let mut bad = Vec::new();
        for (i, choice) in values.iter().enumerate() {
            let label = choice.get("label").and_then(Value::as_str);
            let content = choice.get("content").and_then(Value::as_str);
            let extra = choice.as_object().is_some_and(|o| o.keys().any(|k| k != "label" && k != "content"));
            match (label, content) {
                (Some(label), Some(content)) if !extra => {
                    choices.push(Choice { label: label.to_owned(), content: content.to_owned() });
                }
                _ => bad.push(i + 1),
            }
        }
        for i in bad {
            self.bad(
                "choices",
                format!("choice {i} must be an object with string fields \"label\" and \"content\" only"),
            );
        }
        choices
    }

    /// The answer, shaped by the item type.
    fn answer(&mut self, item_type: ItemType) -> Option<AnswerKey> {
        let Some(value) = self.get("answer").cloned() else {
            self.bad("answer", "is required");
            return None;
        };
        let answer = match (item_type, &value) {
            (ItemType::SingleChoice, Value::String(label)) => Some(AnswerKey::Choices(vec![label.clone()])),
            (ItemType::SingleChoice | ItemType::MultipleChoice, Value::Array(labels)) => {
                labels.iter().map(|l| l.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>().map(AnswerKey::Choices)
            }
            (ItemType::TrueFalse, Value::Bool(b)) => Some(AnswerKey::TrueFalse(*b)),
            (ItemType::TrueFalse, Value::String(s)) => parse_true_false(s).map(AnswerKey::TrueFalse),
            (ItemType::FillBlank, Value::Array(blanks)) => blanks
                .iter()
                .map(|blank| match blank {
                    Value::String(s) => Some(vec![s.clone()]),
                    Value::Array(accepted) => {
                        accepted.iter().map(|a| a.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>()
                    }
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(AnswerKey::Blanks),
            (ItemType::ShortAnswer, Value::String(s)) => Some(AnswerKey::Reference(s.clone())),
            _ => None,
        };
        if answer.is_none() {
            let shape = match item_type {
                ItemType::SingleChoice => "a choice label such as \"B\"",
                ItemType::MultipleChoice => "an array of choice labels such as [\"A\", \"C\"]",
                ItemType::TrueFalse => "true or false",
                ItemType::FillBlank => "an array with, per blank, an array of accepted answers",
                ItemType::ShortAnswer => "the reference answer as a string",
            };
            self.bad("answer", format!("a {} answer must be {shape}, not {value}", item_type.code()));
        }
        answer
    }
}

/// Reads the words people use for true and false in Chinese and English answer keys.
pub(crate) fn parse_true_false(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "t" | "正确" | "对" | "√" | "✓" | "是" => Some(true),
        "false" | "f" | "错误" | "错" | "×" | "✗" | "否" => Some(false),
        _ => None,
    }
}

/// serde_json's message without its " at line 1 column N" suffix (the line is always 1 here).
fn json_message(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

/// serde_json counts columns in bytes; people count characters.
fn char_column(line: &str, byte_column: usize) -> usize {
    let mut end = byte_column.min(line.len());
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].chars().count().max(1)
}

#[cfg(test)]
pub(crate) mod tests;
