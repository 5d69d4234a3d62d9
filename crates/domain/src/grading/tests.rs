//! Grading tables: one row per rule, and properties that must hold for any answer.

use proptest::prelude::*;

use super::*;
use crate::items::Choice;

const LENIENT: GradingOptions =
    GradingOptions { numeric_equivalence: true, ignore_units: true, partial_credit_multiple_choice: true };
const STRICT: GradingOptions =
    GradingOptions { numeric_equivalence: false, ignore_units: false, partial_credit_multiple_choice: false };
const NUMBERS_ONLY: GradingOptions = GradingOptions { numeric_equivalence: true, ..STRICT };
const UNITS_ONLY: GradingOptions = GradingOptions { ignore_units: true, ..STRICT };

fn item(item_type: ItemType, answer: AnswerKey) -> Item {
    let choices = ["A", "B", "C", "D"]
        .iter()
        .map(|label| Choice { label: (*label).to_owned(), content: format!("选项{label}") })
        .collect();
    Item {
        id: "t1".to_owned(),
        source: None,
        source_id: None,
        item_type,
        stem: "题干".to_owned(),
        choices,
        answer,
        analysis: String::new(),
        stage: None,
        grade: None,
        subject: None,
        knowledge_points: Vec::new(),
        difficulty: None,
        seconds: 60,
        points: None,
        tags: Vec::new(),
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

#[test]
fn normalisation_table() {
    let cases: &[(&str, &str)] = &[
        ("４５", "45"),
        ("ＡＢ", "ab"),
        ("  x   =  3 ", "x=3"),
        ("45 本", "45本"),
        ("第 3 名", "第3名"),
        ("new   york", "new york"),
        ("1 1/2", "1 1/2"),
        ("−5", "-5"),
        ("–5", "-5"),
        ("—5", "-5"),
        ("－5", "-5"),
        ("3*4", "3×4"),
        ("3✕4", "3×4"),
        ("$3\\times 4$", "3×4"),
        ("a\\cdot b", "a·b"),
        ("6\\div 2", "6÷2"),
        ("北京。", "北京"),
        ("Beijing.", "beijing"),
        ("$x=2$.", "x=2"),
        ("$$\\dfrac{1}{2}$$", "\\frac{1}{2}"),
        ("\\(\\tfrac12\\)", "\\frac12"),
        ("$a$ $b$", "$a$$b$"),
        ("x²", "x^2"),
        ("x^2", "x^2"),
        ("6㎡", "6m^2"),
        ("½", "1/2"),
        ("1\\,000", "1000"),
        ("\\left(1,2\\right)", "(1,2)"),
        ("1、2、3", "1,2,3"),
        ("（1，2）", "(1,2)"),
        ("Lǚ", "lǚ"),
        // NFKC turns `¨` into a space and a combining mark; the mark joins the letter.
        ("O¨", "ö"),
        ("   ", ""),
    ];
    for (raw, expected) in cases {
        assert_eq!(normalize_blank(raw), *expected, "{raw:?}");
    }
}

#[test]
fn blank_table() {
    // (accepted answers, response, options, matches)
    let cases: &[(&[&str], &str, GradingOptions, bool)] = &[
        // Typing differences are always forgiven.
        (&["45"], "４５", STRICT, true),
        (&["北京"], " 北京。", STRICT, true),
        (&["x=3"], "x = 3", STRICT, true),
        (&["-5"], "−5", STRICT, true),
        (&["3×4"], "3*4", STRICT, true),
        (&["\\frac{1}{2}"], "$\\dfrac{1}{2}$", STRICT, true),
        (&["Paris"], "PARIS", STRICT, true),
        // Any accepted answer will do; a wrong one does not.
        (&["二十", "20"], "20", STRICT, true),
        (&["45"], "46", LENIENT, false),
        (&["a·b"], "a×b", LENIENT, false),
        // Numbers: equal values in other forms only with numeric equivalence.
        (&["0.5"], "1/2", NUMBERS_ONLY, true),
        (&["0.5"], "1/2", STRICT, false),
        (&["1/2"], "50%", NUMBERS_ONLY, true),
        (&["1/2"], "2/4", NUMBERS_ONLY, true),
        (&["1/2"], "\\frac{1}{2}", NUMBERS_ONLY, true),
        (&["1/2"], "$\\dfrac{2}{4}$", NUMBERS_ONLY, true),
        (&["1/2"], "2分之1", NUMBERS_ONLY, true),
        (&["1.5"], "1又1/2", NUMBERS_ONLY, true),
        (&["1.5"], "1 1/2", NUMBERS_ONLY, true),
        (&["3/2"], "1(1/2)", NUMBERS_ONLY, true),
        (&["1\\frac{1}{2}"], "3/2", NUMBERS_ONLY, true),
        (&["-0.25"], "-1/4", NUMBERS_ONLY, true),
        (&["1000"], "1,000", NUMBERS_ONLY, true),
        (&["3"], "3.00", NUMBERS_ONLY, true),
        (&["1/2"], "½", NUMBERS_ONLY, true),
        (&["1/3"], "0.333", NUMBERS_ONLY, false),
        (&["1/3"], "0.33", LENIENT, false),
        (&["12"], "1,2", LENIENT, false),
        (&["11/2"], "1 1/2", LENIENT, false),
        (&["0.5"], "-0.5", LENIENT, false),
        // Units: a missing unit is forgiven with ignore_units, a different one never.
        (&["45"], "45本", UNITS_ONLY, true),
        (&["45"], "45本", STRICT, false),
        (&["45本"], "45", UNITS_ONLY, true),
        (&["3"], "3 cm", UNITS_ONLY, true),
        (&["5"], "5元", UNITS_ONLY, true),
        (&["12"], "12 km/h", UNITS_ONLY, true),
        (&["12km/h"], "12千米每小时", UNITS_ONLY, true),
        (&["3cm"], "3厘米", UNITS_ONLY, true),
        (&["3cm"], "3m", LENIENT, false),
        (&["45本"], "45个", LENIENT, false),
        (&["6"], "6cm²", UNITS_ONLY, true),
        (&["0.5"], "1/2小时", LENIENT, true),
        (&["0.5"], "1/2小时", UNITS_ONLY, false),
        // Not units: variables and magnitudes stay part of the answer.
        (&["2"], "2x", LENIENT, false),
        (&["2x"], "2y", LENIENT, false),
        (&["5"], "5万", LENIENT, false),
        // Nothing matches an empty answer, even an empty key.
        (&[""], "", LENIENT, false),
        (&["45"], " 。", LENIENT, false),
    ];
    for (accepted, response, options, expected) in cases {
        assert_eq!(
            blank_matches(&strings(accepted), response, options),
            *expected,
            "{accepted:?} vs {response:?} with {options:?}"
        );
    }
}

#[test]
fn choice_table() {
    // (item type, key, response, options, outcome, score out of 4)
    use ItemType::{MultipleChoice, SingleChoice};
    use Outcome::*;
    type Case<'a> = (ItemType, &'a [&'a str], Response, GradingOptions, Outcome, f32);
    let cases: &[Case] = &[
        (SingleChoice, &["B"], Response::Choices(strings(&["B"])), STRICT, Correct, 4.0),
        (SingleChoice, &["B"], Response::Choices(strings(&["b"])), STRICT, Correct, 4.0),
        (SingleChoice, &["B"], Response::Choices(strings(&["Ｂ"])), STRICT, Correct, 4.0),
        (SingleChoice, &["B"], Response::Text(" ｂ ".to_owned()), STRICT, Correct, 4.0),
        (SingleChoice, &["B"], Response::Choices(strings(&["C"])), STRICT, Wrong, 0.0),
        (SingleChoice, &["B"], Response::Choices(strings(&["B", "C"])), LENIENT, Wrong, 0.0),
        (SingleChoice, &["B"], Response::Choices(strings(&["E"])), LENIENT, Wrong, 0.0),
        (SingleChoice, &["B"], Response::Choices(strings(&[" "])), LENIENT, Unanswered, 0.0),
        (SingleChoice, &["B"], Response::Choices(Vec::new()), LENIENT, Unanswered, 0.0),
        (MultipleChoice, &["A", "C"], Response::Choices(strings(&["C", "A"])), STRICT, Correct, 4.0),
        (MultipleChoice, &["A", "C"], Response::Choices(strings(&["CA"])), STRICT, Correct, 4.0),
        (MultipleChoice, &["A", "C"], Response::Choices(strings(&["ＡＣ"])), STRICT, Correct, 4.0),
        (MultipleChoice, &["A", "C"], Response::Text("a、c".to_owned()), STRICT, Correct, 4.0),
        (MultipleChoice, &["A", "C"], Response::Choices(strings(&["A,C"])), STRICT, Correct, 4.0),
        (MultipleChoice, &["AC"], Response::Choices(strings(&["A", "C"])), STRICT, Correct, 4.0),
        (MultipleChoice, &["A", "C"], Response::Choices(strings(&["A"])), LENIENT, Partial, 2.0),
        (MultipleChoice, &["A", "C"], Response::Choices(strings(&["A"])), STRICT, Wrong, 0.0),
        (MultipleChoice, &["A", "C"], Response::Choices(strings(&["A", "B"])), LENIENT, Wrong, 0.0),
        (MultipleChoice, &["A", "C"], Response::Choices(strings(&["A", "B", "C"])), LENIENT, Wrong, 0.0),
        (MultipleChoice, &["A", "C"], Response::TrueFalse(true), LENIENT, NeedsTeacher, 0.0),
    ];
    for (item_type, key, response, options, outcome, score) in cases {
        let item = item(*item_type, AnswerKey::Choices(strings(key)));
        let grade = grade(&item, response, 4.0, options);
        assert_eq!((grade.outcome, grade.score, grade.max), (*outcome, *score, 4.0), "{key:?} vs {response:?}");
        assert!(grade.per_blank.is_empty());
    }
}

#[test]
fn true_false_table() {
    let cases: &[(bool, Response, Outcome)] = &[
        (true, Response::TrueFalse(true), Outcome::Correct),
        (true, Response::TrueFalse(false), Outcome::Wrong),
        (false, Response::TrueFalse(false), Outcome::Correct),
        (true, Response::Text("√".to_owned()), Outcome::Correct),
        (true, Response::Text("对".to_owned()), Outcome::Correct),
        (false, Response::Text("×".to_owned()), Outcome::Correct),
        (false, Response::Text("错。".to_owned()), Outcome::Correct),
        (false, Response::Text("Ｔ".to_owned()), Outcome::Wrong),
        (false, Response::Blanks(strings(&["F"])), Outcome::Correct),
        (true, Response::Text("也许".to_owned()), Outcome::NeedsTeacher),
        (true, Response::Text("".to_owned()), Outcome::Unanswered),
    ];
    for (key, response, outcome) in cases {
        let grade = grade(&item(ItemType::TrueFalse, AnswerKey::TrueFalse(*key)), response, 2.0, &STRICT);
        assert_eq!(grade.outcome, *outcome, "{key} vs {response:?}");
        assert_eq!(grade.score, if *outcome == Outcome::Correct { 2.0 } else { 0.0 });
    }
}

#[test]
fn blanks_earn_credit_blank_by_blank() {
    let key = AnswerKey::Blanks(vec![strings(&["3"]), strings(&["1/2", "0.5"]), strings(&["北京"])]);
    let item = item(ItemType::FillBlank, key);
    let graded = |answers: &[&str]| grade(&item, &Response::Blanks(strings(answers)), 6.0, &LENIENT);

    let all = graded(&["3", "50%", "北京。"]);
    assert_eq!((all.outcome, all.score, all.per_blank), (Outcome::Correct, 6.0, vec![true, true, true]));
    let some = graded(&["3", "0.6", "北京"]);
    assert_eq!((some.outcome, some.score, some.per_blank), (Outcome::Partial, 4.0, vec![true, false, true]));
    // A missing blank is a wrong blank; an extra one is ignored.
    let short = graded(&["3"]);
    assert_eq!((short.outcome, short.score, short.per_blank), (Outcome::Partial, 2.0, vec![true, false, false]));
    let none = graded(&["4", "1", "上海", "多余"]);
    assert_eq!((none.outcome, none.score, none.per_blank), (Outcome::Wrong, 0.0, vec![false, false, false]));
    assert_eq!(graded(&["", " "]).outcome, Outcome::Unanswered);
    // A single typed answer only stands for a single blank.
    assert_eq!(grade(&item, &Response::Text("3".to_owned()), 6.0, &LENIENT).outcome, Outcome::NeedsTeacher);
    let one_blank = self::item(ItemType::FillBlank, AnswerKey::Blanks(vec![strings(&["45"])]));
    assert_eq!(grade(&one_blank, &Response::Text("45本".to_owned()), 2.0, &LENIENT).outcome, Outcome::Correct);
}

#[test]
fn open_questions_and_broken_keys_go_to_the_teacher() {
    let open = item(ItemType::ShortAnswer, AnswerKey::Reference("略".to_owned()));
    assert_eq!(grade(&open, &Response::Text("我的解答".to_owned()), 10.0, &LENIENT).outcome, Outcome::NeedsTeacher);
    assert_eq!(grade(&open, &Response::Text("  ".to_owned()), 10.0, &LENIENT).outcome, Outcome::Unanswered);
    // A short answer with a blank-shaped key is still open.
    let open_blanks = item(ItemType::ShortAnswer, AnswerKey::Blanks(vec![strings(&["5"])]));
    assert_eq!(grade(&open_blanks, &Response::Blanks(strings(&["5"])), 10.0, &LENIENT).outcome, Outcome::NeedsTeacher);
    let no_blanks = item(ItemType::FillBlank, AnswerKey::Blanks(Vec::new()));
    assert_eq!(grade(&no_blanks, &Response::Blanks(strings(&["5"])), 1.0, &LENIENT).outcome, Outcome::NeedsTeacher);
    let no_choices = item(ItemType::SingleChoice, AnswerKey::Choices(Vec::new()));
    assert_eq!(grade(&no_choices, &Response::Text("A".to_owned()), 1.0, &LENIENT).outcome, Outcome::NeedsTeacher);
    let grade = grade(&open, &Response::Text("解答".to_owned()), 10.0, &LENIENT);
    assert_eq!((grade.score, grade.max), (0.0, 10.0));
}

#[test]
fn points_are_never_negative() {
    let item = item(ItemType::TrueFalse, AnswerKey::TrueFalse(true));
    for points in [-3.0, f32::NAN, f32::INFINITY] {
        let grade = grade(&item, &Response::TrueFalse(true), points, &LENIENT);
        assert_eq!((grade.outcome, grade.score, grade.max), (Outcome::Correct, 0.0, 0.0));
    }
}

#[test]
fn options_default_to_lenient_and_deserialize_partially() {
    assert_eq!(GradingOptions::default(), LENIENT);
    let options: GradingOptions = serde_json::from_str(r#"{"ignore_units": false}"#).unwrap();
    assert_eq!(options, GradingOptions { ignore_units: false, ..LENIENT });
    assert!(serde_json::from_str::<GradingOptions>(r#"{"units": false}"#).is_err());
}

/// Answers made of the characters real answers contain, in every width and script they are typed in.
fn answer_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        "[0-9a-zA-Z０-９ＡＺａｚ .,。．/%$\\\\{}()（）^²³½㎡\\-−–—－×*÷·又分之本元米厘cmkh一二北京 \t　]{0,16}",
    )
    .expect("the pattern is a valid regex")
}

proptest! {
    #[test]
    fn normalising_twice_changes_nothing(text in answer_text()) {
        let once = normalize_blank(&text);
        prop_assert_eq!(normalize_blank(&once), once);
    }

    #[test]
    fn normalising_any_text_twice_changes_nothing(text in any::<String>()) {
        let once = normalize_blank(&text);
        prop_assert_eq!(normalize_blank(&once), once);
    }

    #[test]
    fn a_key_matches_itself(key in answer_text(), numeric in any::<bool>(), units in any::<bool>()) {
        let options = GradingOptions { numeric_equivalence: numeric, ignore_units: units, ..STRICT };
        let matched = blank_matches(std::slice::from_ref(&key), &key, &options);
        prop_assert_eq!(matched, !normalize_blank(&key).is_empty());
    }

    #[test]
    fn equal_fractions_match(a in -1000i64..1000, b in 1i64..1000, k in 1i64..1000) {
        let key = vec![format!("{a}/{b}")];
        let scaled = format!("{}/{}", k * a, k * b);
        let latex = format!("\\frac{{{}}}{{{}}}", k * a, k * b);
        let other = format!("{}/{}", a + 1, b);
        prop_assert!(blank_matches(&key, &scaled, &NUMBERS_ONLY), "{} vs {}", key[0], scaled);
        prop_assert!(blank_matches(&key, &latex, &NUMBERS_ONLY), "{} vs {}", key[0], latex);
        prop_assert!(!blank_matches(&key, &other, &NUMBERS_ONLY), "{} vs {}", key[0], other);
    }
}
