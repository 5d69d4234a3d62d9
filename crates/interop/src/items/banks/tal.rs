//! TAL-SCQ5K (math-eval/TAL-SCQ5K): competition maths single-choice questions with knowledge-point
//! routes, JSON Lines, a Chinese and an English set.
//!
//! Mapping: mathematics, single choice with the record's options (2–8 of them); source id `queId`;
//! difficulty 0–4 → 1–5; each knowledge-point route (`知识标签->拓展思维->计算模块->小数->小数乘除->
//! 小数乘法运算`) becomes one knowledge point of its last two segments (`小数乘除->小数乘法运算`), which
//! name the point without the taxonomy's long common prefix; the worked analysis is the analysis;
//! tagged 竞赛. The grade (and stage) comes from the competition names when they name one grade
//! (`…五年级竞赛…`); several grades of one stage give the stage only.
//!
//! Six Chinese records have a single placeholder option ("答案请写在答题卡上", "answer on the sheet"):
//! they are open questions, imported as short answers with the analysis as reference.

use domain::Subject;
use domain::items::{AnswerKey, Choice, Item, ItemType};
use serde::Deserialize;

use super::{Problems, bank_item_id, clean, finish, grade_from_text, gunzip};
use crate::ImportErrors;

pub(crate) const SOURCE: &str = "tal-scq5k";
/// Tag of every TAL item: these are competition questions, not textbook exercises.
pub(crate) const COMPETITION: &str = "竞赛";

/// Which TAL-SCQ5K set a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TalLanguage {
    /// `ch_single_choice_train_3K.jsonl.gz`
    Chinese,
    /// `en_single_choice_train_3K.jsonl.gz`
    English,
}

impl TalLanguage {
    fn file(self) -> &'static str {
        match self {
            TalLanguage::Chinese => "ch_single_choice_train_3K.jsonl.gz",
            TalLanguage::English => "en_single_choice_train_3K.jsonl.gz",
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    que_id: String,
    #[serde(rename = "competition_source_list", default)]
    competition_sources: Vec<String>,
    #[serde(default)]
    difficulty: String,
    problem: String,
    #[serde(rename = "answer_option_list")]
    options: Vec<Vec<AnswerOption>>,
    #[serde(rename = "knowledge_point_routes", default)]
    routes: Vec<String>,
    #[serde(rename = "answer_analysis", default)]
    analysis: Vec<String>,
    #[serde(rename = "answer_value")]
    answer: String,
}

#[derive(Deserialize)]
struct AnswerOption {
    #[serde(rename = "aoVal")]
    label: String,
    content: String,
}

/// Reads one TAL-SCQ5K set (gzipped JSON Lines).
pub fn tal_scq(gz_bytes: &[u8], language: TalLanguage) -> Result<Vec<Item>, ImportErrors> {
    let file = language.file();
    let mut problems = Problems::default();
    let mut items = Vec::new();
    let Some(bytes) = gunzip(file, gz_bytes, &mut problems) else { return problems.into_result(items) };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        problems.push(file, 0, None, "is not UTF-8 text");
        return problems.into_result(items);
    };
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) => {
                let what = format!("queId {}", record.que_id);
                finish(map_record(record), file, number, &what, &mut problems, &mut items);
            }
            Err(e) => problems.push(file, number, None, e.to_string()),
        }
    }
    problems.into_result(items)
}

fn map_record(record: Record) -> Item {
    let (stage, grade) = grade_from_text(record.competition_sources.iter().map(String::as_str));
    let mut knowledge_points: Vec<String> = Vec::new();
    for route in &record.routes {
        let segments: Vec<&str> = route.split("->").map(str::trim).filter(|s| !s.is_empty()).collect();
        let point = segments[segments.len().saturating_sub(2)..].join("->");
        if !point.is_empty() && !knowledge_points.contains(&point) {
            knowledge_points.push(point);
        }
    }
    let choices: Vec<Choice> = record
        .options
        .iter()
        .filter_map(|option| option.first())
        .map(|o| Choice { label: o.label.trim().to_owned(), content: clean(&o.content) })
        .collect();
    let analysis = clean(&record.analysis.iter().map(|a| a.trim()).collect::<Vec<_>>().join("\n"));
    let placeholder = choices.len() < 2;
    Item {
        id: bank_item_id(SOURCE, &record.que_id),
        source: Some(SOURCE.into()),
        source_id: Some(record.que_id),
        item_type: if placeholder { ItemType::ShortAnswer } else { ItemType::SingleChoice },
        stem: clean(domain::items::strip_question_number(&record.problem)),
        choices: if placeholder { Vec::new() } else { choices },
        answer: if placeholder {
            AnswerKey::Reference(analysis.clone())
        } else {
            AnswerKey::Choices(vec![record.answer.trim().to_owned()])
        },
        analysis,
        stage,
        grade,
        subject: Some(Subject::Math),
        knowledge_points,
        difficulty: record.difficulty.trim().parse::<u8>().ok().filter(|d| *d <= 4).map(|d| d + 1),
        seconds: 0,
        points: None,
        tags: vec![COMPETITION.into()],
    }
}

#[cfg(test)]
mod tests {
    use domain::Stage;

    use super::*;

    const LINE: &str = r#"{"dataset_name": "x", "qid": "2991", "queId": "c9a5", "competition_source_list": ["2018年湖北武汉创新杯小学高年级五年级竞赛初赛第1题4分"], "difficulty": "0", "qtype": "single_choice", "problem": "1. 小数乘法：$$0.025\\times 0.04$$的结果的小数位数有位． ", "answer_option_list": [[{"aoVal": "A", "content": "$$2$$ "}], [{"aoVal": "B", "content": "$$3$$ "}]], "knowledge_point_routes": ["知识标签->拓展思维->计算模块->小数->小数乘除->小数乘法运算", "拓展思维->思想"], "answer_analysis": ["$$0.025\\times 0.04=0.001$$ "], "answer_value": "B"}"#;

    #[test]
    fn maps_a_record() {
        let item = map_record(serde_json::from_str(LINE).unwrap());
        assert_eq!(item.id, "tal-scq5k-c9a5");
        assert_eq!(item.stem, "小数乘法：$$0.025\\times 0.04$$的结果的小数位数有位．");
        assert_eq!(item.choices[1], Choice { label: "B".into(), content: "$$3$$".into() });
        assert_eq!(item.answer, AnswerKey::Choices(vec!["B".into()]));
        assert_eq!(item.knowledge_points, ["小数乘除->小数乘法运算", "拓展思维->思想"]);
        assert_eq!((item.stage, item.grade, item.difficulty), (Some(Stage::Primary), Some(5), Some(1)));
    }

    #[test]
    fn a_placeholder_option_makes_an_open_question() {
        let line = LINE.replace(
            r#"[[{"aoVal": "A", "content": "$$2$$ "}], [{"aoVal": "B", "content": "$$3$$ "}]]"#,
            r#"[[{"aoVal": "A", "content": "答案请写在答题卡上 "}]]"#,
        );
        let item = map_record(serde_json::from_str(&line).unwrap());
        assert_eq!(item.item_type, ItemType::ShortAnswer);
        assert_eq!(item.answer, AnswerKey::Reference("$$0.025\\times 0.04=0.001$$".into()));
        assert!(item.validate().is_ok());
    }
}
