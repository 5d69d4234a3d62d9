//! Readers for public question banks, turning their records into our items (see each reader and
//! `docs/FORMATS.md` for the mapping). The banks are research data sets: each reader keeps where an
//! item came from (`source`, `source_id`) so it can be traced and its licence respected.
//!
//! Every item a reader returns passes [`domain::items::Item::validate`]; a record that cannot be
//! mapped to a valid item is reported with its file and line (or example index) instead.
//!
//! Text is cleaned only where the source is known to be damaged: CJK compatibility look-alikes
//! (Kangxi radicals left by PDF extraction) become ordinary ideographs
//! ([`domain::items::fold_cjk_compatibility`]), in every bank. Full NFKC is *not* applied to stored
//! text: it would turn Chinese full-width punctuation (`，` `（`) into ASCII and circled numbers (`①`)
//! into digits, changing how questions read; search and duplicate detection apply NFKC themselves
//! ([`domain::items::normalize_text`]).

mod ape210k;
mod cmmlu;
mod gaokao;
mod tal;

use std::io::Read;

pub use ape210k::{accepted_answers, ape210k};
pub use cmmlu::cmmlu;
pub use gaokao::gaokao;
pub use tal::{TalLanguage, tal_scq};

use domain::items::{Item, fold_cjk_compatibility};

use super::Problems;

/// The most a gzip file may expand to: the banks are a few megabytes; the cap only stops a zip bomb.
const MAX_GUNZIPPED_BYTES: u64 = 1 << 30;

/// Unpacks gzip bytes (several members are read one after the other, as `gzip` concatenates them).
fn gunzip(file: &str, bytes: &[u8], problems: &mut Problems) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let read = flate2::read::MultiGzDecoder::new(bytes).take(MAX_GUNZIPPED_BYTES + 1).read_to_end(&mut out);
    match read {
        Ok(n) if n as u64 > MAX_GUNZIPPED_BYTES => {
            problems.push(file, 0, None, format!("unpacks to more than {} MiB", MAX_GUNZIPPED_BYTES >> 20));
            None
        }
        Ok(_) => Some(out),
        Err(e) => {
            problems.push(file, 0, None, format!("is not a readable gzip file: {e}"));
            None
        }
    }
}

/// A stable item id from the source and its id: `<source>-<source id>` with every character that is
/// not a letter, digit, `_` or `.` replaced by `-`, so it can stand in a URL or a QTI identifier.
pub fn bank_item_id(source: &str, source_id: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') { c } else { '-' }).collect()
    };
    format!("{}-{}", clean(source), clean(source_id))
}

/// Cleans a text field of a bank record: CJK look-alikes folded, surrounding whitespace trimmed.
fn clean(text: &str) -> String {
    restore_escaped_backslashes(&fold_cjk_compatibility(text.trim()))
}

/// Puts back LaTeX backslashes that a JSON encoder took for escapes: the banks hold `\bar`,
/// `\frac` and `\vec` written as `"\bar"` in JSON source, which decodes to a backspace (U+0008)
/// followed by `ar`, a form feed (U+000C) followed by `rac`, and so on. Such control characters
/// never belong in exercise text (XML, and so QTI, cannot even carry them); any other control
/// character except tab and newlines is dropped.
fn restore_escaped_backslashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod clean_tests {
    use super::*;

    #[test]
    fn latex_commands_eaten_by_json_escapes_come_back() {
        assert_eq!(clean("$\u{8}ar{x}+\u{c}rac{1}{2}$"), "$\\bar{x}+\\frac{1}{2}$");
        assert_eq!(clean("a\u{7}b\tc"), "ab\tc");
    }
}

/// Finishes an item: estimated seconds, then validation (problems become errors at `line`/`what`).
fn finish(mut item: Item, file: &str, line: usize, what: &str, problems: &mut Problems, items: &mut Vec<Item>) {
    item.seconds = item.estimated_seconds();
    match item.validate() {
        Ok(_) => items.push(item),
        Err(item_problems) => {
            for problem in item_problems {
                problems.push(file, line, None, format!("{what}: {problem}"));
            }
        }
    }
}

/// Stage and grade from grade words in free text (`五年级`, `初二`, `高一`, `七年级`): the grade when one
/// is named, the stage alone when several grades of one stage are.
fn grade_from_text<'a>(texts: impl IntoIterator<Item = &'a str>) -> (Option<domain::Stage>, Option<u8>) {
    const WORDS: [(&str, u8); 18] = [
        ("一年级", 1),
        ("二年级", 2),
        ("三年级", 3),
        ("四年级", 4),
        ("五年级", 5),
        ("六年级", 6),
        ("七年级", 7),
        ("八年级", 8),
        ("九年级", 9),
        ("初一", 7),
        ("初二", 8),
        ("初三", 9),
        ("高一", 10),
        ("高二", 11),
        ("高三", 12),
        ("预初", 6),
        ("初中一年级", 7),
        ("高中一年级", 10),
    ];
    // Longer words first, each removed once counted, so `初中一年级` is not also read as `一年级`.
    let mut words = WORDS;
    words.sort_by_key(|(word, _)| std::cmp::Reverse(word.len()));
    let mut grades = std::collections::BTreeSet::new();
    for text in texts {
        let mut rest = text.to_owned();
        for (word, grade) in words {
            if rest.contains(word) {
                grades.insert(grade);
                rest = rest.replace(word, " ");
            }
        }
    }
    let stages: std::collections::BTreeSet<domain::Stage> =
        grades.iter().filter_map(|&g| domain::Stage::of_grade(g)).collect();
    match (grades.len(), stages.len()) {
        (1, _) => (stages.first().copied(), grades.first().copied()),
        (_, 1) => (stages.first().copied(), None),
        _ => (None, None),
    }
}

/// Reads one of the real banks in `../shared/data` for the tests, or says why not.
#[cfg(test)]
pub(crate) fn real_data(relative: &str) -> Option<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            println!("skipped: {} not found (the real banks live in ../shared/data)", path.display());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Stage;

    #[test]
    fn ids_are_url_safe_and_keep_their_parts() {
        assert_eq!(bank_item_id("gaokao-bench", "2010-2022_Math_I_MCQs#0"), "gaokao-bench-2010-2022_Math_I_MCQs-0");
        assert_eq!(bank_item_id("cmmlu", "elementary_mathematics/dev/0"), "cmmlu-elementary_mathematics-dev-0");
    }

    #[test]
    fn grades_come_from_grade_words() {
        assert_eq!(grade_from_text(["2018年创新杯五年级竞赛初赛第1题"]), (Some(Stage::Primary), Some(5)));
        assert_eq!(grade_from_text(["希望杯五年级", "希望杯六年级"]), (Some(Stage::Primary), None));
        assert_eq!(grade_from_text(["初中一年级联赛"]), (Some(Stage::Junior), Some(7)));
        assert_eq!(grade_from_text(["初二", "高一"]), (None, None));
        assert_eq!(grade_from_text(["其它"]), (None, None));
    }

    /// Loads every real bank in `../shared/data` and checks the counts their READMEs give.
    #[test]
    fn real_banks_load_completely_and_validate() {
        let Some(cmmlu_gz) = real_data("cmmlu/cmmlu_all.csv.gz") else { return };
        let mut all = Vec::new();

        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/gaokao-bench");
        let mut files = Vec::new();
        for folder in ["Objective_Questions", "Subjective_Questions"] {
            for entry in std::fs::read_dir(root.join(folder)).unwrap() {
                let path = entry.unwrap().path();
                files.push((
                    format!("{folder}/{}", path.file_name().unwrap().to_string_lossy()),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
        files.sort();
        assert_eq!(files.len(), 32);
        let gaokao = gaokao(&files).unwrap();
        assert_eq!(gaokao.len(), 2811);
        let count = |items: &[Item], t: domain::items::ItemType| items.iter().filter(|i| i.item_type == t).count();
        let tagged = |items: &[Item], tag: &str| items.iter().filter(|i| i.tags.iter().any(|t| t == tag)).count();
        println!(
            "gaokao: {} single, {} multiple, {} fill-blank ({} passages with sub-questions), {} short answer; {} with options left in the stem",
            count(&gaokao, domain::items::ItemType::SingleChoice),
            count(&gaokao, domain::items::ItemType::MultipleChoice),
            count(&gaokao, domain::items::ItemType::FillBlank),
            tagged(&gaokao, gaokao::COMPOSITE),
            count(&gaokao, domain::items::ItemType::ShortAnswer),
            tagged(&gaokao, gaokao::OPTIONS_IN_STEM),
        );
        assert!(tagged(&gaokao, gaokao::OPTIONS_IN_STEM) < 20, "options are split out of almost every stem");
        assert_eq!(count(&gaokao, domain::items::ItemType::MultipleChoice), 23, "Physics multi-letter answers");

        let cmmlu = cmmlu(&cmmlu_gz).unwrap();
        assert_eq!(cmmlu.len(), 11_917);
        assert!(cmmlu.iter().all(|i| !i.stem.contains('\u{2F00}')), "Kangxi radicals are folded");
        let school = cmmlu.iter().filter(|i| i.stage.is_some()).count();
        println!("cmmlu: {} items, {school} with a school stage", cmmlu.len());

        let ape = ape210k(&real_data("ape210k-valid/valid.ape.jsonl.gz").unwrap()).unwrap();
        assert_eq!(ape.len(), 5000);
        assert_eq!(ape[1].answer, domain::items::AnswerKey::Blanks(vec![vec!["(11/20)".into(), "11/20".into()]]));

        let ch =
            tal_scq(&real_data("tal-scq5k-train/ch_single_choice_train_3K.jsonl.gz").unwrap(), TalLanguage::Chinese)
                .unwrap();
        let en =
            tal_scq(&real_data("tal-scq5k-train/en_single_choice_train_3K.jsonl.gz").unwrap(), TalLanguage::English)
                .unwrap();
        assert_eq!((ch.len(), en.len()), (3000, 3000));
        assert_eq!(count(&ch, domain::items::ItemType::ShortAnswer), 6, "the placeholder-option records");
        let with_grade = ch.iter().filter(|i| i.grade.is_some()).count();
        assert!(with_grade > 2000, "{with_grade} Chinese TAL items with a grade");
        println!("tal: {with_grade} of 3000 Chinese items with a grade");
        assert_eq!(ch[0].knowledge_points, ["小数乘除->小数乘法运算"]);

        all.extend(gaokao);
        all.extend(cmmlu);
        all.extend(ape);
        all.extend(ch);
        all.extend(en);
        let ids: std::collections::HashSet<&str> = all.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids.len(), all.len(), "ids are unique across the banks");
        let warned = all.iter().filter(|i| !i.validate().unwrap().is_empty()).count();
        println!("{} items in all; {warned} carry LaTeX warnings for their authors", all.len());

        // The same question in the science and humanities papers is found as a near-duplicate.
        let mut index = domain::neardup::NearDupIndex::new(0.6);
        for item in &all {
            index.insert(item.id.clone(), &item.stem);
        }
        let math_i = all.iter().find(|i| i.id == "gaokao-bench-2010-2022_Math_I_MCQs-0").unwrap();
        let found = index.find_except(&math_i.stem, &math_i.id);
        assert!(found.iter().any(|d| d.id == "gaokao-bench-2010-2022_Math_II_MCQs-0"), "{found:?}");
    }

    #[test]
    fn gunzip_reports_bad_input() {
        let mut problems = Problems::default();
        assert_eq!(gunzip("x.gz", b"plain text", &mut problems), None);
        let err = problems.into_result(()).unwrap_err();
        assert!(err.to_string().starts_with("x.gz: is not a readable gzip file"), "{err}");
    }
}
