//! Ape210K (Chenny0808/ape210k): Chinese primary-school maths word problems, JSON Lines with `id`,
//! `original_text`, `ans` and `equation`.
//!
//! Mapping: 小学 mathematics, fill in the blank with one blank whose accepted answers are `ans` and
//! its equivalent spellings ([`accepted_answers`]); the solution equation (`x=135/3`) is the analysis;
//! source id `id`.

use domain::items::{AnswerKey, Item, ItemType};
use domain::{Stage, Subject};
use serde::Deserialize;

use super::{Problems, bank_item_id, clean, finish, gunzip};
use crate::ImportErrors;

pub(crate) const SOURCE: &str = "ape210k";
const FILE: &str = "valid.ape.jsonl.gz";

#[derive(Deserialize)]
struct Record {
    id: String,
    original_text: String,
    ans: String,
    #[serde(default)]
    equation: String,
}

/// Reads an Ape210K split (`valid.ape.jsonl.gz`, JSON Lines gzipped).
pub fn ape210k(gz_bytes: &[u8]) -> Result<Vec<Item>, ImportErrors> {
    let mut problems = Problems::default();
    let mut items = Vec::new();
    let Some(bytes) = gunzip(FILE, gz_bytes, &mut problems) else { return problems.into_result(items) };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        problems.push(FILE, 0, None, "is not UTF-8 text");
        return problems.into_result(items);
    };
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(e) => {
                problems.push(FILE, number, None, e.to_string());
                continue;
            }
        };
        let equation = clean(&record.equation);
        let item = Item {
            id: bank_item_id(SOURCE, &record.id),
            source: Some(SOURCE.into()),
            source_id: Some(record.id.clone()),
            item_type: ItemType::FillBlank,
            stem: clean(&record.original_text),
            choices: Vec::new(),
            answer: AnswerKey::Blanks(vec![accepted_answers(&record.ans)]),
            analysis: equation,
            stage: Some(Stage::Primary),
            grade: None,
            subject: Some(Subject::Math),
            knowledge_points: Vec::new(),
            difficulty: None,
            seconds: 0,
            points: None,
            tags: Vec::new(),
        };
        finish(item, FILE, number, &format!("id {}", record.id), &mut problems, &mut items);
    }
    problems.into_result(items)
}

/// The spellings a student may type for an Ape210K answer, the source's own first:
///
/// - a fraction in brackets `(11/20)` → also `11/20`;
/// - a mixed number `1(1/2)` → also `1又1/2` (how it is typed in Chinese) and `1 1/2`.
///
/// Other answers (integers, decimals, percentages) are kept as they are. Decimal forms of fractions are
/// deliberately not added: many questions ask for 几分之几 (a fraction), and grading equivalence of
/// values belongs to the grader, not to the bank.
pub fn accepted_answers(ans: &str) -> Vec<String> {
    let ans = ans.trim();
    let mut out = vec![ans.to_owned()];
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(fraction) = bracketed_fraction(ans) {
        add(fraction.to_owned());
    } else if let Some(open) = ans.find('(') {
        let (whole, rest) = ans.split_at(open);
        let whole_number = !whole.is_empty() && whole.chars().all(|c| c.is_ascii_digit());
        if let Some(fraction) = bracketed_fraction(rest).filter(|_| whole_number) {
            add(format!("{whole}又{fraction}"));
            add(format!("{whole} {fraction}"));
        }
    }
    out
}

/// `a/b` out of `(a/b)` when both are whole numbers.
fn bracketed_fraction(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('(')?.strip_suffix(')')?;
    let (numerator, denominator) = inner.split_once('/')?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    (digits(numerator) && digits(denominator)).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_get_their_equivalent_spellings() {
        assert_eq!(accepted_answers("(11/20)"), ["(11/20)", "11/20"]);
        assert_eq!(accepted_answers("1(1/2)"), ["1(1/2)", "1又1/2", "1 1/2"]);
        assert_eq!(accepted_answers("93.75%"), ["93.75%"]);
        assert_eq!(accepted_answers("45"), ["45"]);
        assert_eq!(accepted_answers("(1/2)/(3/4)"), ["(1/2)/(3/4)"], "an expression stays as it is");
    }
}
