//! GAOKAO-Bench (OpenLMLab): national college-entrance exam questions 2010–2022, one JSON file per
//! subject and question kind, `{"keywords": <file stem>, "example": [...]}`.
//!
//! Mapping: stage 高中; subject from the file name (`Math_I` 理科 and `Math_II` 文科 are both
//! mathematics, tagged 理科/文科); tags: year and paper (`新课标I`, `全国甲卷`); points from `score`
//! (per sub-question in objective files, so multiplied by their number); source id
//! `<file stem>#<index>`.
//!
//! - Objective files with one answer per record: one letter → single choice, several letters (`AC`)
//!   → multiple choice. The options are split out of the question text (`A. … B. … C. … D. …`) when
//!   they are found in order and none is empty; otherwise (options that are missing images) the text
//!   stays in the stem, tagged 选项见题干, with empty choices A–D.
//! - Objective files with several answers per record (reading comprehension, cloze, paired
//!   questions): a passage with several sub-questions, which our model has no type for; imported as a
//!   fill-in-the-blank item with one blank per sub-question whose answer is its letter, tagged 组合题.
//! - `Fill-in-the-Blank` files: one blank, the reference answer as the accepted answer.
//! - Other subjective files: short answer with the reference answer.

use domain::items::{AnswerKey, Choice, Item, ItemType, strip_question_number};
use domain::{Stage, Subject};
use serde::Deserialize;

use super::{Problems, bank_item_id, clean, finish, gunzip};
use crate::ImportErrors;

pub(crate) const SOURCE: &str = "gaokao-bench";
/// Tag of items whose options could not be split out of the stem.
pub(crate) const OPTIONS_IN_STEM: &str = "选项见题干";
/// Tag of passages with several sub-questions.
pub(crate) const COMPOSITE: &str = "组合题";

#[derive(Deserialize)]
struct File {
    example: Vec<Example>,
}

#[derive(Deserialize)]
struct Example {
    year: serde_json::Value,
    category: String,
    question: String,
    answer: Answer,
    analysis: String,
    index: usize,
    score: f32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Answer {
    Letters(Vec<String>),
    Text(String),
}

/// Reads GAOKAO-Bench files: `(file name, bytes)`, the name as in the repository
/// (`2010-2022_Math_I_MCQs.json`, optionally gzipped as `.json.gz` and behind a folder).
pub fn gaokao(files: &[(String, Vec<u8>)]) -> Result<Vec<Item>, ImportErrors> {
    let mut problems = Problems::default();
    let mut items = Vec::new();
    for (name, bytes) in files {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let stem = base.trim_end_matches(".gz").trim_end_matches(".json");
        let json = if base.ends_with(".gz") {
            match gunzip(base, bytes, &mut problems) {
                Some(json) => json,
                None => continue,
            }
        } else {
            bytes.clone()
        };
        let file: File = match serde_json::from_slice(&json) {
            Ok(file) => file,
            Err(e) => {
                problems.push(base, e.line(), None, format!("is not a GAOKAO-Bench file: {e}"));
                continue;
            }
        };
        let Some(subject) = subject_of(stem) else {
            problems.push(base, 0, None, "the file name names no known subject");
            continue;
        };
        for example in &file.example {
            let item = map_example(stem, subject, example);
            finish(item, base, 0, &format!("example {}", example.index), &mut problems, &mut items);
        }
    }
    problems.into_result(items)
}

fn subject_of(stem: &str) -> Option<Subject> {
    const NAMES: [(&str, Subject); 9] = [
        ("_Math_", Subject::Math),
        ("_English_", Subject::English),
        ("_Chinese_", Subject::Chinese),
        ("_Physics_", Subject::Physics),
        ("_Chemistry_", Subject::Chemistry),
        ("_Biology_", Subject::Biology),
        ("_History_", Subject::History),
        ("_Geography_", Subject::Geography),
        ("_Political_Science_", Subject::Politics),
    ];
    NAMES.iter().find(|(name, _)| stem.contains(name)).map(|(_, subject)| *subject)
}

fn map_example(stem: &str, subject: Subject, example: &Example) -> Item {
    let source_id = format!("{stem}#{}", example.index);
    let mut tags = vec![year(&example.year), paper(&example.category)];
    if stem.contains("_Math_I_") {
        tags.push("理科".into());
    } else if stem.contains("_Math_II_") {
        tags.push("文科".into());
    }
    tags.retain(|t| !t.is_empty());
    let question = clean(&example.question);
    let mut item = Item {
        id: bank_item_id(SOURCE, &source_id),
        source: Some(SOURCE.into()),
        source_id: Some(source_id),
        item_type: ItemType::ShortAnswer,
        stem: clean(strip_question_number(&question)),
        choices: Vec::new(),
        answer: AnswerKey::Reference(String::new()),
        analysis: clean(&example.analysis),
        stage: Some(Stage::Senior),
        grade: None,
        subject: Some(subject),
        knowledge_points: Vec::new(),
        difficulty: None,
        seconds: 0,
        points: Some(example.score),
        tags,
    };
    match &example.answer {
        Answer::Letters(letters) if letters.len() == 1 => {
            let letters: Vec<String> = letters[0].chars().filter(char::is_ascii_uppercase).map(String::from).collect();
            item.item_type = if letters.len() == 1 { ItemType::SingleChoice } else { ItemType::MultipleChoice };
            match split_options(&item.stem)
                .filter(|(_, options)| letters.iter().all(|l| label_index(l) < options.len()))
            {
                Some((stem, options)) => {
                    item.stem = stem;
                    item.choices = labelled(options);
                }
                None => {
                    let highest = letters.iter().map(|l| label_index(l)).max().unwrap_or(0).max(3);
                    item.choices = labelled(vec![String::new(); highest + 1]);
                    item.tags.push(OPTIONS_IN_STEM.into());
                }
            }
            item.answer = AnswerKey::Choices(letters);
        }
        Answer::Letters(letters) => {
            // A passage with several sub-questions: one blank per sub-question, its letter the answer.
            item.item_type = ItemType::FillBlank;
            item.answer = AnswerKey::Blanks(letters.iter().map(|l| vec![l.trim().to_owned()]).collect());
            item.points = Some(example.score * letters.len() as f32);
            item.tags.push(COMPOSITE.into());
        }
        Answer::Text(text) if stem.contains("Fill-in-the-Blank") => {
            item.item_type = ItemType::FillBlank;
            item.answer = AnswerKey::Blanks(vec![vec![clean(text)]]);
        }
        Answer::Text(text) => item.answer = AnswerKey::Reference(clean(text)),
    }
    item
}

fn labelled(options: Vec<String>) -> Vec<Choice> {
    options.into_iter().enumerate().map(|(i, content)| Choice { label: label(i), content }).collect()
}

fn label(index: usize) -> String {
    char::from(b'A' + u8::try_from(index).unwrap_or(25).min(25)).to_string()
}

fn label_index(label: &str) -> usize {
    label.bytes().next().map_or(usize::MAX, |b| usize::from(b.saturating_sub(b'A')))
}

/// The year as text (`"2010"`), whether the file gives it as a string or a number.
fn year(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    }
}

/// The paper without its brackets, with roman numerals written one way: `（新课标ⅱ）` → `新课标II`.
fn paper(category: &str) -> String {
    let inner = category.trim().trim_matches(['（', '）', '(', ')']).trim();
    let mut out = String::new();
    for c in inner.chars() {
        match c {
            'ⅰ' | 'Ⅰ' => out.push('I'),
            'ⅱ' | 'Ⅱ' => out.push_str("II"),
            'ⅲ' | 'Ⅲ' => out.push_str("III"),
            'i' => out.push('I'),
            c => out.push(c),
        }
    }
    out
}

/// Splits `stem A. … B. … C. … D. …` into the stem and its options, A first. Options are found as
/// `A.`/`A．`/`A、` markers in order A, B, C, D (and on, up to H), taking the last marker of each letter
/// before the next letter's. Markers must follow whitespace, a closing bracket or punctuation; when that
/// finds no complete set, markers glued to the previous text (`…增加C．给`) are accepted too. At least four
/// options are required, and neither the stem nor any option may be empty.
pub(crate) fn split_options(question: &str) -> Option<(String, Vec<String>)> {
    let chars: Vec<char> = question.chars().collect();
    chain(&chars, &markers(&chars, false)).or_else(|| chain(&chars, &markers(&chars, true)))
}

/// Positions (in chars) of option markers: a capital A–H followed by `.`, `．` or `、`.
fn markers(chars: &[char], lenient: bool) -> Vec<(char, usize)> {
    let mut out = Vec::new();
    for i in 0..chars.len().saturating_sub(1) {
        let (c, next) = (chars[i], chars[i + 1]);
        if !('A'..='H').contains(&c) || !matches!(next, '.' | '．' | '、') {
            continue;
        }
        let previous = if i == 0 { '\n' } else { chars[i - 1] };
        let ok = if lenient {
            !(previous.is_ascii_alphabetic() || matches!(previous, '\\' | '{' | '_' | '^' | '$'))
        } else {
            previous.is_whitespace() || matches!(previous, '）' | ')' | '。' | '.' | '；' | ';' | ':' | '：')
        };
        if ok {
            out.push((c, i));
        }
    }
    out
}

fn chain(chars: &[char], markers: &[(char, usize)]) -> Option<(String, Vec<String>)> {
    for top in (3..8u8).rev() {
        let mut end = chars.len();
        let mut starts = Vec::new();
        for letter in (0..=top).rev().map(|k| char::from(b'A' + k)) {
            match markers.iter().rev().find(|(c, at)| *c == letter && *at < end) {
                Some(&(_, at)) => {
                    starts.push(at);
                    end = at;
                }
                None => break,
            }
        }
        if starts.len() != usize::from(top) + 1 {
            continue;
        }
        starts.reverse();
        let text = |from: usize, to: usize| chars[from..to].iter().collect::<String>().trim().to_owned();
        let stem = text(0, starts[0]);
        let options: Vec<String> = starts
            .iter()
            .enumerate()
            .map(|(k, &at)| text(at + 2, starts.get(k + 1).copied().unwrap_or(chars.len())))
            .collect();
        return (!stem.is_empty() && options.iter().all(|o| !o.is_empty())).then_some((stem, options));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_options_in_their_common_layouts() {
        let (stem, options) = split_options(
            "已知集合 $A$，则 $A \\cap B=(\\quad$ ）\nA. $(0,2)$\nB. $[0,2]$\nC. $\\{0,2\\}$\nD. $\\{0,1,2\\}$\n",
        )
        .unwrap();
        assert_eq!(stem, "已知集合 $A$，则 $A \\cap B=(\\quad$ ）");
        assert_eq!(options, ["$(0,2)$", "$[0,2]$", "$\\{0,2\\}$", "$\\{0,1,2\\}$"]);

        let (_, options) =
            split_options("--- No, I        my homework . \nA. was doing  B. would  do C. had done  D. do\n").unwrap();
        assert_eq!(options, ["was doing", "would  do", "had done", "do"]);

        // A marker glued to the previous option, as PDF extraction leaves it.
        let (_, options) =
            split_options("下列叙述错误的是（）\nA．机体产热减少\nB．耗氧量会增加C．兴奋性会增强\nD．代谢可恢复正常\n")
                .unwrap();
        assert_eq!(options, ["机体产热减少", "耗氧量会增加", "兴奋性会增强", "代谢可恢复正常"]);

        // Options that were images: nothing to split.
        assert_eq!(split_options("图示是（ ） \nA．  B．  \nC．  D．\n"), None);
        // `维生素C.` in the stem is not an option.
        let (stem, _) = split_options("维生素C. 的作用是 A. 甲 B. 乙 C. 丙 D. 丁").unwrap();
        assert_eq!(stem, "维生素C. 的作用是");
    }

    #[test]
    fn papers_are_written_one_way() {
        assert_eq!(paper("（新课标ⅱ）"), "新课标II");
        assert_eq!(paper("（新课标ii）"), "新课标II");
        assert_eq!(paper("（全国甲卷）"), "全国甲卷");
    }

    fn example(question: &str, answer: Answer) -> Example {
        Example {
            year: serde_json::Value::from("2010"),
            category: "（新课标）".into(),
            question: question.into(),
            answer,
            analysis: "解：略".into(),
            index: 3,
            score: 5.0,
        }
    }

    #[test]
    fn maps_each_kind_of_record() {
        let mc = map_example(
            "2010-2022_Physics_MCQs",
            Subject::Physics,
            &example("1. （6 分) 下列说法正确的是\nA. 甲\nB. 乙\nC. 丙\nD. 丁\n", Answer::Letters(vec!["AC".into()])),
        );
        assert_eq!((mc.item_type, mc.stem.as_str()), (ItemType::MultipleChoice, "下列说法正确的是"));
        assert_eq!(mc.answer, AnswerKey::Choices(vec!["A".into(), "C".into()]));
        assert_eq!(mc.id, "gaokao-bench-2010-2022_Physics_MCQs-3");
        assert_eq!(mc.tags, ["2010", "新课标"]);

        let images = map_example(
            "2010-2022_Political_Science_MCQs",
            Subject::Politics,
            &example("图示是（ ）\nA．  B．  \nC．  D．\n", Answer::Letters(vec!["B".into()])),
        );
        assert_eq!(images.choices.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(), ["A", "B", "C", "D"]);
        assert!(images.tags.contains(&OPTIONS_IN_STEM.to_owned()));
        assert!(images.validate().is_ok());

        let passage = map_example(
            "2010-2022_English_Reading_Comp",
            Subject::English,
            &example("A passage…", Answer::Letters(vec!["B".into(), "D".into(), "A".into()])),
        );
        assert_eq!(passage.item_type, ItemType::FillBlank);
        assert_eq!(passage.points, Some(15.0));
        assert_eq!(passage.answer, AnswerKey::Blanks(vec![vec!["B".into()], vec!["D".into()], vec!["A".into()]]));

        let blank = map_example(
            "2010-2022_Math_I_Fill-in-the-Blank",
            Subject::Math,
            &example("13. (5 分) 圆的方程为\n", Answer::Text("$x^{2}+y^{2}=2$\n".into())),
        );
        assert_eq!(blank.answer, AnswerKey::Blanks(vec![vec!["$x^{2}+y^{2}=2$".into()]]));
        assert!(blank.tags.contains(&"理科".to_owned()));
        assert_eq!(blank.stem, "圆的方程为");
    }
}
