//! The class report, on a class whose numbers can be checked by hand.

use super::*;
use crate::homework::analysis::{
    Bin, ClassReport, Completion, HourCount, TrendPoint, WrongAnswer, class_report, marked_percent, mean_percent,
    render_response,
};

/// h1: single choice on `a`, 2 points; h2: two blanks on `a` and `b`, 3 points; h3: an essay
/// without knowledge points, 5 points.
fn items() -> Vec<Item> {
    vec![
        item("h1", ItemType::SingleChoice, &["a"], Some(2), 60),
        item("h2", ItemType::FillBlank, &["a", " b ", "a"], Some(3), 90),
        item("h3", ItemType::ShortAnswer, &[], Some(4), 300),
    ]
}

fn roster() -> Vec<(String, String)> {
    [("s1", "张三"), ("s2", "李四"), ("s3", "王五"), ("s4", "赵六"), ("s9", "不在本班")]
        .iter()
        .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
        .collect()
}

const ESSAY: &str =
    "因为两个三角形的对应边成比例并且夹角相等，所以它们相似，进而对应高之比等于相似比，由此可以求出所求线段的长度";

/// Three submitted students (张三 90 %, 李四 30 % with an essay pending, 王五 50 %), one who has
/// not started and one, s5, working on it who is missing from the roster.
fn submissions() -> Vec<Submission> {
    let s1 = submission(
        "s1",
        SubmissionState::Submitted,
        vec![
            marked("h1", Response::Choices(vec!["A".into()]), 300, at(12, 10), Outcome::Correct, 2.0, 2.0),
            marked("h2", Response::Blanks(vec!["1".into(), "2".into()]), 300, at(12, 15), Outcome::Correct, 3.0, 3.0),
            marked("h3", Response::Text(ESSAY.into()), 600, at(12, 40), Outcome::Partial, 4.0, 5.0),
        ],
    );
    let mut s2 = submission(
        "s2",
        SubmissionState::Submitted,
        vec![
            marked("h1", Response::Choices(vec!["B".into()]), 100, at(12, 59), Outcome::Wrong, 0.0, 2.0),
            marked(
                "h2",
                Response::Blanks(vec![" 1/2 ".into(), "X".into()]),
                100,
                at(13, 1),
                Outcome::Partial,
                1.5,
                3.0,
            ),
            marked("h3", Response::Text("不会".into()), 99, at(13, 2), Outcome::NeedsTeacher, 0.0, 5.0),
        ],
    );
    s2.late = true;
    let mut unanswered_by_teacher =
        marked("h2", Response::Blanks(vec![String::new(), String::new()]), 0, at(15, 0), Outcome::Unanswered, 0.0, 3.0);
    unanswered_by_teacher.mark.as_mut().unwrap().marked_by = Some("t1".into());
    let s3 = submission(
        "s3",
        SubmissionState::Submitted,
        vec![
            // The evening of the 10th in UTC is the morning of the 11th in China.
            marked("h1", Response::Choices(vec!["b".into()]), 300, at(23, 30), Outcome::Wrong, 0.0, 2.0),
            unanswered_by_teacher,
            marked("h3", Response::Text("相似".into()), 0, at(23, 40), Outcome::Correct, 5.0, 5.0),
        ],
    );
    let s4 = submission("s4", SubmissionState::Assigned, vec![]);
    let s5 = submission(
        "s5",
        SubmissionState::Started,
        vec![Answer {
            item_id: "h1".into(),
            response: Response::Choices(vec!["A".into()]),
            seconds: 40,
            answered_at: at(14, 5),
            mark: None,
        }],
    );
    vec![s5, s3, s1, s4, s2]
}

fn report() -> ClassReport {
    let items = items();
    class_report(&homework(&[("h1", 2.0), ("h2", 3.0), ("h3", 5.0)]), &submissions(), &refs(&items), &roster())
}

fn counts(bins: &[Bin]) -> Vec<(&str, u32)> {
    bins.iter().filter(|b| b.count > 0).map(|b| (b.label.as_str(), b.count)).collect()
}

#[test]
fn completion_counts_each_state_once() {
    let report = report();
    assert_eq!(
        report.completion,
        Completion { students: 5, not_started: 1, started: 1, submitted: 3, late: 1, pending_marking: 1 }
    );
}

#[test]
fn scores_fall_in_ten_point_bins_over_marked_answers() {
    let report = report();
    // 张三 9/10, 李四 1.5/5 (the pending essay counts neither way), 王五 5/10.
    assert_eq!(counts(&report.score_bins), [("30–40", 1), ("50–60", 1), ("90–100", 1)]);
    assert_eq!(report.score_bins.len(), 10);
    assert_eq!((report.score_bins[9].from, report.score_bins[9].to), (90, Some(100)));
    assert_close(report.mean_percent, (90.0 + 30.0 + 50.0) / 3.0);
}

#[test]
fn a_perfect_or_overfull_score_is_in_the_last_bin() {
    let items = items();
    let hw = homework(&[("h1", 2.0)]);
    let perfect = submission(
        "s1",
        SubmissionState::Submitted,
        vec![marked("h1", Response::Choices(vec!["A".into()]), 30, at(12, 0), Outcome::Correct, 2.0, 2.0)],
    );
    let mut bonus = perfect.clone();
    bonus.student_id = "s2".into();
    bonus.answers[0].mark.as_mut().unwrap().score = 3.0;
    let report = class_report(&hw, &[perfect, bonus], &refs(&items), &[]);
    assert_eq!(counts(&report.score_bins), [("90–100", 2)]);
    assert_eq!(report.students[1].percent, Some(100.0));
}

#[test]
fn time_bins_start_at_their_lower_edge() {
    let report = report();
    // 李四 299 s (just under 5 minutes), 王五 300 s (exactly 5), 张三 1200 s (20).
    assert_eq!(counts(&report.time_bins), [("0–5", 1), ("5–10", 1), ("20–30", 1)]);
    let labels: Vec<&str> = report.time_bins.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["0–5", "5–10", "10–15", "15–20", "20–30", "30–45", "45–60", "60+"]);
    assert_eq!(report.time_bins[7].to, None);
}

#[test]
fn the_scatter_has_one_point_per_submitted_student() {
    let report = report();
    let points: Vec<(&str, f32, f32)> =
        report.scatter.iter().map(|p| (p.name.as_str(), p.minutes, p.percent)).collect();
    assert_eq!(points.len(), 3);
    assert_eq!(points[0].0, "张三");
    assert!(close(points[0].1, 20.0) && close(points[0].2, 90.0));
    assert!(close(points[1].1, 299.0 / 60.0) && close(points[1].2, 30.0));
    assert!(close(points[2].1, 5.0) && close(points[2].2, 50.0));
}

#[test]
fn hours_count_students_in_china_time_once_per_hour() {
    let report = report();
    let busy: Vec<HourCount> = report.hours.iter().copied().filter(|h| h.students > 0).collect();
    // 张三 20:10–20:40; 李四 20:59, 21:01, 21:02; 王五 07:30 and 07:40 (the teacher's 23:00 mark
    // of an empty answer is not work); s5 22:05.
    assert_eq!(
        busy,
        [
            HourCount { hour: 7, students: 1 },
            HourCount { hour: 20, students: 2 },
            HourCount { hour: 21, students: 1 },
            HourCount { hour: 22, students: 1 },
        ]
    );
    assert_eq!(report.hours.len(), 24);
}

#[test]
fn paper_homework_has_no_hours() {
    let items = items();
    let mut hw = homework(&[("h1", 2.0), ("h2", 3.0), ("h3", 5.0)]);
    hw.mode = Mode::Paper;
    let report = class_report(&hw, &submissions(), &refs(&items), &roster());
    assert!(report.hours.iter().all(|h| h.students == 0));
}

#[test]
fn item_rows_count_the_submitted_students() {
    let report = report();
    let numbers: Vec<(u32, &str)> = report.items.iter().map(|r| (r.number, r.item_id.as_str())).collect();
    assert_eq!(numbers, [(1, "h1"), (2, "h2"), (3, "h3")]);

    let h1 = &report.items[0];
    assert_eq!(h1.item_type, Some(ItemType::SingleChoice));
    assert_eq!((h1.students, h1.answered, h1.correct, h1.pending), (3, 3, 1, 0));
    assert_close(h1.correct_rate, 1.0 / 3.0);
    assert_close(h1.score_rate, 2.0 / 6.0);
    assert_close(h1.mean_seconds, 700.0 / 3.0);
    // `B` and `b` are the same choice.
    assert_eq!(h1.wrong_answers, [WrongAnswer { response: "B".into(), count: 2 }]);

    let h2 = &report.items[1];
    assert_eq!(h2.knowledge_points, ["a", "b"]);
    // 王五 left it out: marked, not correct, not answered.
    assert_eq!((h2.students, h2.answered, h2.correct, h2.pending), (3, 2, 1, 0));
    assert_close(h2.correct_rate, 1.0 / 3.0);
    assert_close(h2.score_rate, 4.5 / 9.0);
    assert_close(h2.mean_seconds, 200.0);
    assert_eq!(h2.wrong_answers, [WrongAnswer { response: "1/2 | x".into(), count: 1 }]);

    let h3 = &report.items[2];
    assert!(h3.knowledge_points.is_empty());
    // 李四's essay waits for the teacher: answered, but in neither rate.
    assert_eq!((h3.students, h3.answered, h3.correct, h3.pending), (3, 3, 1, 1));
    assert_close(h3.correct_rate, 0.5);
    assert_close(h3.score_rate, 9.0 / 10.0);
    assert_close(h3.mean_seconds, 699.0 / 2.0);
    assert_eq!(h3.wrong_answers.len(), 1);
    assert_eq!(h3.wrong_answers[0].response.chars().count(), 40);
    assert!(h3.wrong_answers[0].response.ends_with('…'));
}

#[test]
fn knowledge_points_are_weighted_by_points() {
    let report = report();
    let rows: Vec<(&str, u32, f32, f32)> =
        report.knowledge_points.iter().map(|r| (r.knowledge_point.as_str(), r.items, r.earned, r.possible)).collect();
    // a: h1 (2) and h2 (3) for three students: 2+3, 0+1.5, 0+0 of 15. b: h2 only: 3, 1.5, 0 of 9.
    assert_eq!(rows, [("a", 2, 6.5, 15.0), ("b", 1, 4.5, 9.0)]);
    assert_close(report.knowledge_points[0].rate, 6.5 / 15.0);
    assert_close(report.knowledge_points[1].rate, 0.5);
}

#[test]
fn the_matrix_has_a_row_per_student_and_gaps_where_nothing_is_marked() {
    let report = report();
    assert_eq!(report.matrix.knowledge_points, ["a", "b"]);
    let rows: Vec<(&str, Vec<Option<f32>>)> =
        report.matrix.rows.iter().map(|r| (r.name.as_str(), r.rates.clone())).collect();
    assert_eq!(
        rows,
        [
            ("张三", vec![Some(1.0), Some(1.0)]),
            ("李四", vec![Some(0.3), Some(0.5)]),
            ("王五", vec![Some(0.0), Some(0.0)]),
            ("赵六", vec![None, None]),
            ("s5", vec![None, None]),
        ]
    );
}

#[test]
fn student_rows_follow_the_roster_and_name_strangers_by_id() {
    let report = report();
    type Row<'a> = (&'a str, &'a str, SubmissionState, bool, Option<f32>, f32, f32, u32);
    let rows: Vec<Row> = report
        .students
        .iter()
        .map(|r| (r.student_id.as_str(), r.name.as_str(), r.state, r.late, r.score, r.max, r.minutes, r.pending))
        .collect();
    assert_eq!(
        rows,
        [
            ("s1", "张三", SubmissionState::Submitted, false, Some(9.0), 10.0, 20.0, 0),
            ("s2", "李四", SubmissionState::Submitted, true, Some(1.5), 10.0, 5.0, 1),
            ("s3", "王五", SubmissionState::Submitted, false, Some(5.0), 10.0, 5.0, 0),
            ("s4", "赵六", SubmissionState::Assigned, false, None, 10.0, 0.0, 0),
            ("s5", "s5", SubmissionState::Started, false, None, 10.0, 0.7, 0),
        ]
    );
    let percents: Vec<Option<f32>> = report.students.iter().map(|r| r.percent).collect();
    assert_eq!(percents, [Some(90.0), Some(30.0), Some(50.0), None, None]);
}

#[test]
fn no_submissions_gives_empty_tables_without_nan() {
    let items = items();
    let hw = homework(&[("h1", 2.0), ("h2", 3.0), ("h3", 5.0)]);
    let report = class_report(&hw, &[], &refs(&items), &roster());
    assert_eq!(report.completion, Completion::default());
    assert_eq!(report.mean_percent, None);
    assert!(report.score_bins.iter().chain(&report.time_bins).all(|b| b.count == 0));
    assert!(report.hours.iter().all(|h| h.students == 0));
    assert!(report.scatter.is_empty() && report.students.is_empty() && report.matrix.rows.is_empty());
    assert_eq!(report.items.len(), 3);
    for row in &report.items {
        assert_eq!((row.correct_rate, row.score_rate, row.mean_seconds), (None, None, None));
    }
    assert!(report.knowledge_points.iter().all(|r| r.rate.is_none() && r.possible == 0.0));
    // Serialises as plain JSON tables.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["score_bins"][0], serde_json::json!({"label": "0–10", "from": 0, "to": 10, "count": 0}));
    assert_eq!(json["mean_percent"], serde_json::Value::Null);
}

#[test]
fn unknown_items_and_follow_up_items_get_rows() {
    let items = items();
    let hw = homework(&[("gone", 2.0)]);
    let mut own = submission(
        "s1",
        SubmissionState::Submitted,
        vec![marked("h1", Response::Choices(vec!["A".into()]), 30, at(12, 0), Outcome::Correct, 1.0, 1.0)],
    );
    own.items = Some(vec![HomeworkItem::new("h1", 1.0)]);
    let report = class_report(&hw, &[own], &refs(&items), &[]);
    let rows: Vec<(&str, Option<ItemType>, u32)> =
        report.items.iter().map(|r| (r.item_id.as_str(), r.item_type, r.students)).collect();
    assert_eq!(rows, [("gone", None, 0), ("h1", Some(ItemType::SingleChoice), 1)]);
    assert_eq!(report.items[0].correct_rate, None);
    assert_eq!(report.students[0].percent, Some(100.0));
    assert_eq!(report.students[0].max, 1.0);
}

#[test]
fn mean_percent_and_trend_points_use_submitted_work() {
    let hw = homework(&[("h1", 2.0), ("h2", 3.0), ("h3", 5.0)]);
    let subs = submissions();
    assert_close(mean_percent(&hw, &subs), 170.0 / 3.0);
    assert_eq!(mean_percent(&hw, &subs[..1]), None); // s5 has not submitted.
    assert_close(marked_percent(&hw, &subs[4]), 30.0);
    let point = TrendPoint::for_class(&hw, &subs);
    assert_eq!((point.homework_id.as_str(), point.due_at), ("hw1", hw.due_at));
    assert_close(point.percent, 170.0 / 3.0);
}

#[test]
fn responses_render_as_short_strings() {
    assert_eq!(render_response(&Response::Choices(vec!["C".into(), "a".into()])), "AC");
    assert_eq!(render_response(&Response::Choices(vec!["A,C".into()])), "AC");
    assert_eq!(render_response(&Response::Choices(vec!["ＣＡ".into()])), "AC");
    assert_eq!(render_response(&Response::TrueFalse(true)), "对");
    assert_eq!(render_response(&Response::TrueFalse(false)), "错");
    assert_eq!(render_response(&Response::Blanks(vec![" X = 1 ".into(), "2".into()])), "x=1 | 2");
    assert_eq!(render_response(&Response::Text("  两条\n平行线  ".into())), "两条 平行线");
    let long = "长".repeat(50);
    let shown = render_response(&Response::Text(long));
    assert_eq!(shown, format!("{}…", "长".repeat(39)));
    assert_eq!(render_response(&Response::Text("长".repeat(40))), "长".repeat(40));
}
