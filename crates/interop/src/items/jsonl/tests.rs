use domain::items::{AnswerKey, Choice, Item, ItemType, ItemWarning};
use domain::{Stage, Subject};

use super::*;
use crate::RowError;

/// One item of every type, with Chinese text, LaTeX, an image and every optional field somewhere.
pub(crate) fn sample_items() -> Vec<Item> {
    let base = Item {
        id: "item-1".into(),
        source: Some("ape210k".into()),
        source_id: Some("491547".into()),
        item_type: ItemType::SingleChoice,
        stem: "已知集合 $A=\\{x \\mid x^{2}<4\\}$，则 $A \\cap \\mathbb{Z}=$（　）\n如图：![图1](images/set.png)"
            .into(),
        choices: vec![
            Choice { label: "A".into(), content: "$\\{-1,0,1\\}$".into() },
            Choice { label: "B".into(), content: "$\\{0,1\\}$ ".into() },
            Choice { label: "C".into(), content: "<空集> & \"引号\"".into() },
            Choice { label: "D".into(), content: "  两个空格  ".into() },
        ],
        answer: AnswerKey::Choices(vec!["A".into()]),
        analysis: "解：$-2<x<2$，\n\n故选 A．".into(),
        stage: Some(Stage::Senior),
        grade: Some(10),
        subject: Some(Subject::Math),
        knowledge_points: vec!["kp-sets".into(), "集合->交集".into()],
        difficulty: Some(2),
        seconds: 90,
        points: Some(5.0),
        tags: vec!["2010".into(), "新课标".into()],
    };
    vec![
        base.clone(),
        Item {
            id: "item-2".into(),
            source: None,
            source_id: None,
            item_type: ItemType::MultipleChoice,
            stem: "下列说法正确的是（　）".into(),
            choices: vec![
                Choice { label: "A".into(), content: "①②".into() },
                Choice { label: "B".into(), content: "②③".into() },
                Choice { label: "C".into(), content: "①④".into() },
            ],
            answer: AnswerKey::Choices(vec!["A".into(), "C".into()]),
            analysis: String::new(),
            stage: None,
            grade: None,
            subject: Some(Subject::Physics),
            knowledge_points: vec![],
            difficulty: None,
            seconds: 75,
            points: Some(0.1),
            tags: vec![],
        },
        Item {
            id: "item-3".into(),
            item_type: ItemType::TrueFalse,
            stem: "0 是最小的自然数。".into(),
            choices: vec![],
            answer: AnswerKey::TrueFalse(true),
            analysis: "自然数从 0 开始。".into(),
            stage: Some(Stage::Primary),
            grade: Some(3),
            knowledge_points: vec![],
            points: None,
            ..base.clone()
        },
        Item {
            id: "item-4".into(),
            item_type: ItemType::FillBlank,
            stem: "还剩下这批帐篷的____没完成，合____个。".into(),
            choices: vec![],
            answer: AnswerKey::Blanks(vec![vec!["(11/20)".into(), "11/20".into(), "0.55".into()], vec!["3".into()]]),
            analysis: String::new(),
            stage: Some(Stage::Primary),
            grade: None,
            difficulty: Some(5),
            tags: vec!["tab\there".into()],
            ..base.clone()
        },
        Item {
            id: "item-5".into(),
            item_type: ItemType::ShortAnswer,
            stem: "设数列满足 $a_{1}=2, a_{n+1}-a_{n}=3 \\cdot 2^{2 n-1}$\r\n（1）求通项公式；".into(),
            choices: vec![],
            answer: AnswerKey::Reference("解：$a_{n}=2^{2n-1}$".into()),
            subject: Some(Subject::Chinese),
            stage: None,
            grade: None,
            ..base
        },
    ]
}

fn errors(text: &str) -> Vec<RowError> {
    read("items.jsonl", text.as_bytes()).unwrap_err().errors
}

fn error(line: usize, column: Option<&str>, reason: &str) -> RowError {
    RowError { file: "items.jsonl".into(), line, column: column.map(str::to_owned), reason: reason.into() }
}

#[test]
fn round_trips_every_item_type() {
    let items = sample_items();
    let written = write(&items);
    let read_back = read("items.jsonl", &written).unwrap();
    assert_eq!(read_back.iter().map(|i| i.item.clone()).collect::<Vec<_>>(), items);
    assert_eq!(read_back.iter().map(|i| i.line).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(write(&read_back.into_iter().map(|i| i.item).collect::<Vec<_>>()), written);
}

#[test]
fn written_lines_follow_the_documented_shape() {
    let written = String::from_utf8(write(&sample_items())).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert!(
        lines[0]
            .starts_with(r#"{"id":"item-1","source":"ape210k","source_id":"491547","type":"single_choice","stem":"#)
    );
    assert!(lines[0].contains(r#""answer":"A","analysis":"#), "{}", lines[0]);
    assert!(lines[1].contains(r#""answer":["A","C"]"#));
    assert!(lines[2].contains(r#""answer":true"#));
    assert!(lines[3].contains(r#""answer":[["(11/20)","11/20","0.55"],["3"]]"#));
    assert!(lines[4].contains(r#""answer":"解：$a_{n}=2^{2n-1}$""#));
    assert!(!lines[1].contains("\"stage\""), "absent fields are left out");
}

#[test]
fn accepts_bom_blank_lines_short_forms_and_fills_in_seconds() {
    let text = "\u{feff}{\"type\":\"true_false\",\"stem\":\"1+1=2\",\"answer\":\"对\"}\n\n  \r\n\
                {\"type\":\"fill_blank\",\"stem\":\"1+1=____\",\"answer\":[\"2\"],\"grade\":null,\"stage\":\"小学\"}\r\n";
    let items = read("items.jsonl", text.as_bytes()).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].item.answer, AnswerKey::TrueFalse(true));
    assert_eq!(items[0].item.id, "", "the importer assigns ids");
    assert_eq!(items[0].item.seconds, items[0].item.estimated_seconds());
    assert_eq!(items[1].line, 4);
    assert_eq!(items[1].item.answer, AnswerKey::Blanks(vec![vec!["2".into()]]));
    assert_eq!(items[1].item.stage, Some(Stage::Primary));
}

#[test]
fn reports_malformed_json_with_line_and_column_in_characters() {
    let text = "{\"type\":\"short_answer\",\"stem\":\"题\",\"answer\":\"答\"}\n{\"type\":\"short_answer\",\"stem\":\"题目\" \"answer\":1}\n[1]\n";
    assert_eq!(
        errors(text),
        [error(2, Some("36"), "expected `,` or `}`"), error(3, None, "each line must be a JSON object `{…}`")]
    );
}

#[test]
fn reports_every_bad_field_with_its_name() {
    let text = [
        r#"{"type":"essay","stem":"x","answer":"y"}"#,
        r#"{"type":"single_choice","stem":"","choices":[{"label":"A","content":"1"},{"label":"A","content":"2"}],"answer":"C","grade":13,"difficulty":9}"#,
        r#"{"type":"multiple_choice","stem":"x","choices":"AB","answer":"AB","stem2":1}"#,
        r#"{"id":"same","type":"fill_blank","stem":"x","answer":[[]],"points":-1,"stage":"大学"}"#,
        r#"{"id":"same","type":"true_false","stem":"x","answer":"maybe","seconds":1.5}"#,
    ]
    .join("\n");
    let errors: Vec<String> = errors(&text).iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "items.jsonl:1: column type: unknown item type `essay`; use single_choice, multiple_choice, true_false, fill_blank or short_answer",
            "items.jsonl:2: column stem: the stem is empty",
            "items.jsonl:2: column choices: two choices are labelled `A`",
            "items.jsonl:2: column answer: the answer `C` is not one of the choices",
            "items.jsonl:2: column difficulty: difficulty 9 is not within 1–5",
            "items.jsonl:2: column grade: grade 13 is not within 1–12",
            "items.jsonl:3: column stem2: unknown field; the fields are id, source, source_id, type, stem, choices, answer, analysis, stage, grade, subject, knowledge_points, difficulty, seconds, points, tags",
            "items.jsonl:3: column choices: must be an array of {\"label\", \"content\"} objects",
            "items.jsonl:3: column answer: a multiple_choice answer must be an array of choice labels such as [\"A\", \"C\"], not \"AB\"",
            "items.jsonl:4: column stage: unknown stage `大学`",
            "items.jsonl:4: column points: must be a number ≥ 0, not -1",
            "items.jsonl:5: column answer: a true_false answer must be true or false, not \"maybe\"",
            "items.jsonl:5: column seconds: must be a whole number ≥ 0, not 1.5",
        ]
    );
}

#[test]
fn reports_validation_and_duplicate_ids() {
    let text = [
        r#"{"id":"a","type":"fill_blank","stem":"x","answer":[[], ["1"]]}"#,
        r#"{"id":"b","type":"short_answer","stem":"x","answer":""}"#,
        r#"{"id":"b","type":"short_answer","stem":"y","answer":""}"#,
    ]
    .join("\n");
    assert_eq!(
        errors(&text),
        [
            error(1, Some("answer"), "blank 1 has no accepted answer"),
            error(3, Some("id"), "id `b` is also used on line 2")
        ]
    );
}

#[test]
fn latex_warnings_travel_with_the_item() {
    let text = r#"{"type":"short_answer","stem":"求 $\\frac{1}{2$ 的值","answer":"$\\frac{1}{2}$"}"#;
    let items = read("items.jsonl", text.as_bytes()).unwrap();
    assert!(matches!(&items[0].warnings[..], [ItemWarning::Latex { .. }]), "{:?}", items[0].warnings);
}

#[test]
fn accepts_gbk_and_refuses_binary() {
    let (gbk, _, _) = encoding_rs::GBK.encode(r#"{"type":"short_answer","stem":"中文题目","answer":"答案"}"#);
    assert_eq!(read("gbk.jsonl", &gbk).unwrap()[0].item.stem, "中文题目");
    let err = read("x.jsonl", &[0xff, 0x00, 0xfe]).unwrap_err();
    assert_eq!(err.errors[0].line, 0);
    assert!(err.to_string().starts_with("x.jsonl: is neither UTF-8 nor GBK/GB18030"), "{err}");
}
