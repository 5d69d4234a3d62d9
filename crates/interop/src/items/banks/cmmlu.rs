//! CMMLU (haonan-li/CMMLU): four-option single-choice questions in 67 subjects, one gzipped CSV
//! (`subject,subject_zh,subcategory,split,row_in_file,question,A,B,C,D,answer`).
//!
//! Mapping: single choice A–D, options trimmed (some carry trailing spaces); source id
//! `<subject>/<split>/<row_in_file>`; the Chinese subject name as a tag. K-12 subjects get a stage and
//! subject: `elementary_*` → 小学 (Chinese, mathematics, information technology; 小学常识 has no
//! subject of ours), `high_school_*` → 高中 (biology, chemistry, geography, mathematics, physics,
//! politics). College and professional subjects have neither.

use domain::items::{AnswerKey, Choice, Item, ItemType};
use domain::{Stage, Subject};

use super::{Problems, bank_item_id, clean, finish, gunzip};
use crate::ImportErrors;

pub(crate) const SOURCE: &str = "cmmlu";
const FILE: &str = "cmmlu_all.csv.gz";
const COLUMNS: [&str; 11] =
    ["subject", "subject_zh", "subcategory", "split", "row_in_file", "question", "A", "B", "C", "D", "answer"];

/// Reads `cmmlu_all.csv.gz`.
pub fn cmmlu(gz_bytes: &[u8]) -> Result<Vec<Item>, ImportErrors> {
    let mut problems = Problems::default();
    let mut items = Vec::new();
    let Some(csv_bytes) = gunzip(FILE, gz_bytes, &mut problems) else { return problems.into_result(items) };
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(csv_bytes.as_slice());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            problems.push(FILE, 1, None, e.to_string());
            return problems.into_result(items);
        }
    };
    let mut index = [0usize; COLUMNS.len()];
    for (i, column) in COLUMNS.iter().enumerate() {
        match header.iter().position(|h| h == column) {
            Some(at) => index[i] = at,
            None => problems.push(FILE, 1, Some(column), "required column is missing from the header"),
        }
    }
    if problems.len() > 0 {
        return problems.into_result(items);
    }
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                problems.push(FILE, line, None, e.to_string());
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = |name: usize| record.get(index[name]).unwrap_or_default();
        let (subject_id, subject_zh, split, row) = (field(0), field(1), field(3), field(4));
        let source_id = format!("{subject_id}/{split}/{row}");
        let (stage, subject) = stage_and_subject(subject_id);
        let item = Item {
            id: bank_item_id(SOURCE, &source_id),
            source: Some(SOURCE.into()),
            source_id: Some(source_id),
            item_type: ItemType::SingleChoice,
            stem: clean(field(5)),
            choices: ["A", "B", "C", "D"]
                .iter()
                .zip(6..=9)
                .map(|(label, i)| Choice { label: (*label).into(), content: clean(field(i)) })
                .collect(),
            answer: AnswerKey::Choices(vec![field(10).trim().to_owned()]),
            analysis: String::new(),
            stage,
            grade: None,
            subject,
            knowledge_points: Vec::new(),
            difficulty: None,
            seconds: 0,
            points: None,
            tags: vec![subject_zh.trim().to_owned()],
        };
        finish(item, FILE, line, subject_id, &mut problems, &mut items);
    }
    problems.into_result(items)
}

/// The stage and subject of a CMMLU subject id, where it is a school subject.
fn stage_and_subject(subject: &str) -> (Option<Stage>, Option<Subject>) {
    match subject {
        "elementary_chinese" => (Some(Stage::Primary), Some(Subject::Chinese)),
        "elementary_mathematics" => (Some(Stage::Primary), Some(Subject::Math)),
        "elementary_information_and_technology" => (Some(Stage::Primary), Some(Subject::It)),
        "high_school_biology" => (Some(Stage::Senior), Some(Subject::Biology)),
        "high_school_chemistry" => (Some(Stage::Senior), Some(Subject::Chemistry)),
        "high_school_geography" => (Some(Stage::Senior), Some(Subject::Geography)),
        "high_school_mathematics" => (Some(Stage::Senior), Some(Subject::Math)),
        "high_school_physics" => (Some(Stage::Senior), Some(Subject::Physics)),
        "high_school_politics" => (Some(Stage::Senior), Some(Subject::Politics)),
        s if s.starts_with("elementary_") => (Some(Stage::Primary), None),
        s if s.starts_with("high_school_") => (Some(Stage::Senior), None),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gz(text: &str) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn maps_rows_folds_radicals_and_trims_options() {
        let csv = "subject,subject_zh,subcategory,split,row_in_file,question,A,B,C,D,answer\n\
                   elementary_mathematics,初等数学,math,dev,4,做⼀个圆柱形通风管要⽤多少铁⽪是求,表⾯积,底⾯积 ,体积 ,侧⾯积 ,D\n\
                   college_law,大学法律,law,test,7,问题,甲,乙,丙,丁,A\n";
        let items = cmmlu(&gz(csv)).unwrap();
        assert_eq!(items.len(), 2);
        let item = &items[0];
        assert_eq!(item.id, "cmmlu-elementary_mathematics-dev-4");
        assert_eq!(item.source_id.as_deref(), Some("elementary_mathematics/dev/4"));
        assert_eq!(item.stem, "做一个圆柱形通风管要用多少铁皮是求");
        assert_eq!(item.choices[1].content, "底面积");
        assert_eq!((item.stage, item.subject), (Some(Stage::Primary), Some(Subject::Math)));
        assert_eq!(item.tags, ["初等数学"]);
        assert_eq!((items[1].stage, items[1].subject), (None, None));
    }

    #[test]
    fn reports_bad_rows_with_their_line() {
        let csv = "subject,subject_zh,subcategory,split,row_in_file,question,A,B,C,D,answer\n\
                   high_school_physics,高中物理学,physics,test,1,问题,甲,乙,丙,丁,E\n";
        let err = cmmlu(&gz(csv)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cmmlu_all.csv.gz:2: high_school_physics: the answer `E` is not one of the choices"
        );
        let err = cmmlu(&gz("subject,question\n")).unwrap_err();
        assert_eq!(err.count(), 9);
    }
}
