//! Per-item rubrics (评分要点) for the items a teacher marks: a list of scoring points, each a
//! sentence and what it is worth, adding up to the item's points. The marking page ticks points
//! and the score is their sum; the teacher may still type another score.

use serde::{Deserialize, Serialize};

use super::{HomeworkItem, SpecProblem};

/// Most scoring points one item may have: the number keys 1–9 reach the first nine, and a rubric
/// longer than this is a marking scheme for a paper, not for one item.
pub const MAX_RUBRIC_POINTS: usize = 20;
/// Longest text of one scoring point (characters).
pub const MAX_RUBRIC_TEXT_CHARS: usize = 200;

/// One scoring point of a rubric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricPoint {
    /// What earns the points (`列出方程`, `答案正确并写出单位`).
    pub text: String,
    /// What the point is worth; the points of a rubric add up to the item's points.
    pub points: f32,
}

/// Sums are compared with this slack: points like 0.5 add up exactly in `f32`, but a client's
/// `0.1 + 0.2` should not be refused for a rounding error.
const SUM_TOLERANCE: f32 = 1e-3;

/// The rubric problems of the item at `index` (0-based) of a homework: each point needs a text and
/// a positive worth, and together they must come to the item's points. An empty rubric is fine
/// (the teacher types a score).
pub(crate) fn rubric_problems(index: usize, item: &HomeworkItem) -> Vec<SpecProblem> {
    let rubric = &item.rubric;
    if rubric.is_empty() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    if rubric.len() > MAX_RUBRIC_POINTS {
        problems.push(SpecProblem::TooManyRubricPoints { index, count: rubric.len(), max: MAX_RUBRIC_POINTS });
    }
    for (n, point) in rubric.iter().enumerate() {
        let chars = point.text.trim().chars().count();
        if chars == 0 || chars > MAX_RUBRIC_TEXT_CHARS {
            problems.push(SpecProblem::BadRubricText { index, point: n + 1, max: MAX_RUBRIC_TEXT_CHARS });
        }
        if !(point.points.is_finite() && point.points > 0.0) {
            problems.push(SpecProblem::BadRubricPoints { index, point: n + 1 });
        }
    }
    let sum: f32 = rubric.iter().map(|p| p.points).sum();
    if sum.is_finite() && (sum - item.points).abs() > SUM_TOLERANCE {
        problems.push(SpecProblem::RubricSum { index, sum: format_points(sum), points: format_points(item.points) });
    }
    problems
}

/// `2`, `1.5`: points as a teacher writes them.
pub fn format_points(points: f32) -> String {
    format!("{}", (points * 1000.0).round() / 1000.0)
}

/// A suggested rubric for an item worth `points`, from its analysis (解析): when the analysis is
/// written in numbered steps (`(1)…(2)…`, `①…②…`, `1. … 2. …` at line starts, `第一步…第二步…`)
/// and the points split into whole points with at least one per step, one scoring point per step
/// (the remainder to the last steps, which are usually the harder ones); otherwise one point,
/// `whole`, for the whole item. The teacher edits it before assigning.
pub fn suggest(analysis: &str, points: f32, whole: &str) -> Vec<RubricPoint> {
    let steps = numbered_steps(analysis);
    let whole_points = points.fract() == 0.0 && (1.0..=100.0).contains(&points);
    if steps.len() >= 2 && whole_points && points >= steps.len() as f32 {
        // Both are small whole numbers (≤ 100 and ≤ MAX_RUBRIC_POINTS), so the casts are exact.
        let total = points as usize;
        let n = steps.len();
        let (each, extra) = (total / n, total % n);
        return steps
            .into_iter()
            .enumerate()
            .map(|(i, text)| RubricPoint { text, points: (each + usize::from(i >= n - extra)) as f32 })
            .collect();
    }
    vec![RubricPoint { text: whole.to_owned(), points }]
}

/// The steps of an analysis written as a numbered list, or nothing when it is not one (markers
/// must run 1, 2, 3 … in order, at most [`MAX_RUBRIC_POINTS`]).
fn numbered_steps(analysis: &str) -> Vec<String> {
    let chars: Vec<char> = analysis.chars().collect();
    let mut starts: Vec<(usize, usize)> = Vec::new(); // (marker start, text start)
    let mut i = 0;
    while i < chars.len() {
        let expected = starts.len() + 1;
        if let Some(len) = marker_at(&chars, i, expected) {
            starts.push((i, i + len));
            i += len;
        } else {
            i += 1;
        }
        if starts.len() > MAX_RUBRIC_POINTS {
            return Vec::new();
        }
    }
    if starts.len() < 2 {
        return Vec::new();
    }
    let mut steps = Vec::with_capacity(starts.len());
    for (k, &(_, from)) in starts.iter().enumerate() {
        let to = starts.get(k + 1).map_or(chars.len(), |next| next.0);
        let text: String = chars[from..to].iter().collect();
        let text = text.trim().trim_end_matches(['；', ';', '，', ',']).trim();
        if text.is_empty() {
            return Vec::new();
        }
        steps.push(text.chars().take(MAX_RUBRIC_TEXT_CHARS).collect());
    }
    steps
}

/// The length of the marker of step `n` at `chars[i]`, if one starts there.
fn marker_at(chars: &[char], i: usize, n: usize) -> Option<usize> {
    let rest = &chars[i..];
    let digits: Vec<char> = n.to_string().chars().collect();
    let starts_with = |prefix: &[char]| rest.len() >= prefix.len() && rest[..prefix.len()] == *prefix;
    let line_start = i == 0 || matches!(chars[i - 1], '\n' | '\r');
    // Not `f(1)` or `$a_(1)$`: a marker follows the start, a space or punctuation.
    let after_word =
        i > 0 && (chars[i - 1].is_ascii_alphanumeric() || matches!(chars[i - 1], '$' | '\\' | '_' | '^' | '{'));
    // (1) （1）
    for (open, close) in [('(', ')'), ('（', '）')] {
        if after_word {
            break;
        }
        let mut marker = vec![open];
        marker.extend(&digits);
        marker.push(close);
        if starts_with(&marker) {
            return Some(marker.len());
        }
    }
    // ① … ⑳
    if let Some(circled) = char::from_u32(0x2460 + n as u32 - 1)
        && n <= 20
        && rest.first() == Some(&circled)
    {
        return Some(1);
    }
    // 第一步 / 第1步
    for number in [chinese_number(n), digits.iter().collect()] {
        let marker: Vec<char> = format!("第{number}步").chars().collect();
        if starts_with(&marker) {
            let colon = usize::from(matches!(rest.get(marker.len()), Some('：' | ':' | '，' | ',')));
            return Some(marker.len() + colon);
        }
    }
    // 1. 1、 1．at the start of a line (inside a line they are decimals and lists of numbers).
    if line_start && starts_with(&digits) && matches!(rest.get(digits.len()), Some('.' | '、' | '．')) {
        return Some(digits.len() + 1);
    }
    None
}

/// 一 … 二十.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20 => "二十".to_owned(),
        _ => n.to_string(),
    }
}

/// Why a teacher's mark was refused; [`MarkProblem::field`] names the request field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum MarkProblem {
    #[error("scoring point {point} does not exist; the item's rubric has {count}")]
    NoSuchPoint { point: usize, count: usize },
    #[error("give a score or tick scoring points of the rubric")]
    NoScore,
    #[error("the score must be between 0 and {max}")]
    OutOfRange { max: String },
}

impl MarkProblem {
    /// The request field the problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            MarkProblem::NoSuchPoint { .. } => "rubric_points",
            MarkProblem::NoScore | MarkProblem::OutOfRange { .. } => "score",
        }
    }
}

/// The score of a teacher's mark on `item`: the `score` typed, or else the sum of the rubric's
/// `awarded` points (0-based indices; a point ticked twice counts once). With neither, there is
/// nothing to record, rubric or not. Ticked points are checked even when a score overrides them, so a client's
/// mistake is not silently ignored.
pub fn mark_score(item: &HomeworkItem, score: Option<f32>, awarded: &[usize]) -> Result<f32, MarkProblem> {
    let count = item.rubric.len();
    if let Some(&bad) = awarded.iter().find(|&&n| n >= count) {
        return Err(MarkProblem::NoSuchPoint { point: bad, count });
    }
    let score = match score {
        Some(score) => score,
        // Nothing typed and nothing ticked is a forgotten mark, not a zero: a zero is typed (or
        // shown as the sum when the page's script unticks every point).
        None if awarded.is_empty() => return Err(MarkProblem::NoScore),
        None => {
            let mut ticked: Vec<usize> = awarded.to_vec();
            ticked.sort_unstable();
            ticked.dedup();
            ticked.iter().map(|&n| item.rubric[n].points).sum()
        }
    };
    if !(score.is_finite() && (0.0..=item.points + SUM_TOLERANCE).contains(&score)) {
        return Err(MarkProblem::OutOfRange { max: format_points(item.points) });
    }
    Ok(score.min(item.points))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grading::GradingOptions;

    fn item(points: f32, rubric: &[(&str, f32)]) -> HomeworkItem {
        HomeworkItem {
            item_id: "q".into(),
            points,
            rubric: rubric.iter().map(|(t, p)| RubricPoint { text: (*t).into(), points: *p }).collect(),
            grading: GradingOptions::default(),
        }
    }

    #[test]
    fn an_item_stored_before_rubrics_reads_with_none_and_the_default_grading() {
        let stored: HomeworkItem = serde_json::from_str(r#"{"item_id":"q","points":2.0}"#).expect("reads");
        assert_eq!(stored, HomeworkItem::new("q", 2.0));
        let json = serde_json::to_value(item(3.0, &[("列式", 3.0)])).expect("writes");
        assert_eq!(json["rubric"][0]["text"], "列式");
        assert_eq!(json["grading"]["numeric_equivalence"], true);
    }

    #[test]
    fn a_rubric_must_add_up_to_the_items_points_and_name_its_item() {
        assert!(rubric_problems(0, &item(5.0, &[])).is_empty(), "no rubric is fine");
        assert!(rubric_problems(0, &item(5.0, &[("列方程", 2.0), ("解方程", 2.5), ("作答", 0.5)])).is_empty());
        let problems = rubric_problems(2, &item(5.0, &[("列方程", 2.0), ("解方程", 2.0)]));
        assert_eq!(problems, [SpecProblem::RubricSum { index: 2, sum: "4".into(), points: "5".into() }]);
        assert_eq!(problems[0].field(), "items[2].rubric");
        assert_eq!(problems[0].to_string(), "items[2].rubric: the scoring points add up to 4, not the item's 5 points");
    }

    #[test]
    fn every_point_needs_a_text_and_a_positive_worth() {
        let problems = rubric_problems(0, &item(3.0, &[(" ", 2.0), ("对", 0.0), ("对", 1.0)]));
        assert_eq!(
            problems,
            [
                SpecProblem::BadRubricText { index: 0, point: 1, max: MAX_RUBRIC_TEXT_CHARS },
                SpecProblem::BadRubricPoints { index: 0, point: 2 },
            ]
        );
        let long = "很".repeat(MAX_RUBRIC_TEXT_CHARS + 1);
        let problems = rubric_problems(1, &item(1.0, &[(&long, 1.0)]));
        assert_eq!(problems, [SpecProblem::BadRubricText { index: 1, point: 1, max: MAX_RUBRIC_TEXT_CHARS }]);
        let many: Vec<(&str, f32)> = (0..=MAX_RUBRIC_POINTS).map(|_| ("步", 1.0)).collect();
        let problems = rubric_problems(0, &item(many.len() as f32, &many));
        assert_eq!(problems, [SpecProblem::TooManyRubricPoints { index: 0, count: 21, max: 20 }]);
    }

    #[test]
    fn numbered_analyses_split_into_one_point_per_step() {
        let texts = |r: Vec<RubricPoint>| r.into_iter().map(|p| (p.text, p.points)).collect::<Vec<_>>();
        assert_eq!(
            texts(suggest("（1）设未知数$x$；（2）列方程$2x+3=7$；（3）解得$x=2$。", 5.0, "完整正确")),
            [("设未知数$x$".into(), 1.0), ("列方程$2x+3=7$".into(), 2.0), ("解得$x=2$。".into(), 2.0)]
        );
        assert_eq!(
            texts(suggest("①求导\n②令导数小于0", 4.0, "完整正确")),
            [("求导".into(), 2.0), ("令导数小于0".into(), 2.0)]
        );
        assert_eq!(
            texts(suggest("1. 审题\n2. 计算 3.5 + 1.5\n3. 作答", 3.0, "完整正确")).len(),
            3,
            "decimals inside a line are not markers"
        );
        assert_eq!(
            texts(suggest("第一步：列式；第二步：计算", 2.0, "完整正确")),
            [("列式".into(), 1.0), ("计算".into(), 1.0)]
        );
    }

    #[test]
    fn otherwise_one_point_for_the_whole_item() {
        let whole = |analysis: &str, points: f32| suggest(analysis, points, "完整正确");
        let one = vec![RubricPoint { text: "完整正确".into(), points: 5.0 }];
        assert_eq!(whole("长方形的面积=长×宽，3×4=12（平方米）。", 5.0), one);
        assert_eq!(whole("(1)只有一步", 5.0), one, "one step is not a list");
        assert_eq!(whole("(2)先说二(1)再说一", 5.0), one, "steps out of order are not a list");
        assert_eq!(whole("(1)甲(2)乙(3)丙", 2.0).len(), 1, "fewer points than steps");
        assert_eq!(whole("(1)甲(2)乙", 2.5).len(), 1, "half points do not split into whole ones");
        assert_eq!(whole("由f(1)=2，f(2)=5得", 5.0), one, "a function's argument is not a step");
    }

    #[test]
    fn the_mark_is_the_typed_score_or_the_sum_of_the_ticked_points() {
        let it = item(5.0, &[("列方程", 2.0), ("解方程", 2.0), ("作答", 1.0)]);
        assert_eq!(mark_score(&it, None, &[0, 2]), Ok(3.0));
        assert_eq!(mark_score(&it, None, &[0, 0]), Ok(2.0), "ticked twice counts once");
        assert_eq!(mark_score(&it, None, &[]), Err(MarkProblem::NoScore), "nothing given is not a zero");
        assert_eq!(mark_score(&it, Some(0.0), &[]), Ok(0.0), "a zero is typed");
        assert_eq!(mark_score(&it, Some(4.5), &[0]), Ok(4.5), "a typed score overrides");
        assert_eq!(mark_score(&it, None, &[3]), Err(MarkProblem::NoSuchPoint { point: 3, count: 3 }));
        assert_eq!(mark_score(&it, Some(6.0), &[]), Err(MarkProblem::OutOfRange { max: "5".into() }));
        assert_eq!(mark_score(&item(5.0, &[]), None, &[]), Err(MarkProblem::NoScore));
        assert_eq!(MarkProblem::NoSuchPoint { point: 3, count: 3 }.field(), "rubric_points");
    }
}
