//! The class report behind a teacher's homework charts (作业分析): completion, score and time
//! distributions, when students work, item and knowledge-point correctness. Every chart on the
//! page has a table beside it for screen readers and printing, so every part is table-shaped:
//! rows of plain values. Rates that cannot be computed (nobody submitted, nothing marked yet) are
//! `None`, never NaN, so a chart shows a gap rather than a zero.

use chrono::{DateTime, Timelike, Utc};
use serde::Serialize;

use super::{Homework, Mode, Submission, SubmissionState};
use crate::items::{Item, ItemType};

pub(in crate::homework) mod marks;
mod render;
mod tally;

pub use marks::marked_percent;
pub use render::{MAX_RENDERED_CHARS, render_response};

/// Lower edges of the time-spent bins in minutes; the last bin is open-ended. Narrow where most
/// homework falls, wider past half an hour, where the exact minute matters less than "too long".
pub const TIME_BIN_EDGES: [u32; 8] = [0, 5, 10, 15, 20, 30, 45, 60];
/// Most wrong answers listed per item.
pub const MAX_WRONG_ANSWERS: usize = 3;

/// One homework's class report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassReport {
    pub homework_id: String,
    pub title: String,
    pub completion: Completion,
    /// The mean of the submitted students' percentages ([`mean_percent`]).
    pub mean_percent: Option<f32>,
    /// Submitted students by percentage, in ten bins of 10 (`0–10` … `90–100`, 100 in the last).
    pub score_bins: Vec<Bin>,
    /// Submitted students by minutes spent ([`TIME_BIN_EDGES`]); work without recorded time (on
    /// paper) is left out rather than counted as zero minutes.
    pub time_bins: Vec<Bin>,
    /// Percentage against minutes, one point per submitted student with both.
    pub scatter: Vec<ScatterPoint>,
    /// 作业时段分布: for each hour of the day (China Standard Time, 0–23), how many students gave
    /// an answer in it. Empty counts for paper homework, whose answer times are scan times.
    pub hours: Vec<HourCount>,
    /// One row per item, in the homework's order (a follow-up's own items after the common ones).
    pub items: Vec<ItemRow>,
    /// The class's correctness per knowledge point, weighted by points.
    pub knowledge_points: Vec<KnowledgePointRow>,
    /// Each student's correctness per knowledge point.
    pub matrix: KnowledgePointMatrix,
    /// One row per assigned student, in roster order (students missing from it last).
    pub students: Vec<StudentRow>,
}

/// How far the class has got. `not_started + started + submitted = students`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Completion {
    /// Students the homework is assigned to.
    pub students: u32,
    pub not_started: u32,
    /// Opened, not yet submitted.
    pub started: u32,
    pub submitted: u32,
    /// Submitted after the due time.
    pub late: u32,
    /// Submitted with some answer still waiting for the teacher.
    pub pending_marking: u32,
}

/// One bar of a histogram: students with a value from `from` (inclusive) to `to` (exclusive, or
/// inclusive for the last score bin; `None` for an open last bin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bin {
    /// `0–10`, `60+`.
    pub label: String,
    pub from: u32,
    pub to: Option<u32>,
    pub count: u32,
}

/// One student in the score-against-time chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScatterPoint {
    pub student_id: String,
    pub name: String,
    pub minutes: f32,
    pub percent: f32,
}

/// Students who worked in one hour of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HourCount {
    pub hour: u8,
    pub students: u32,
}

/// One item across the submitted students who had it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    pub item_id: String,
    /// 1-based position in the homework.
    pub number: u32,
    /// `None` when the item is no longer in the bank.
    pub item_type: Option<ItemType>,
    pub knowledge_points: Vec<String>,
    pub points: f32,
    /// Submitted students who had the item.
    pub students: u32,
    /// Of those, how many answered it (anything, right or wrong).
    pub answered: u32,
    pub correct: u32,
    /// Answers waiting for the teacher: counted neither right nor wrong.
    pub pending: u32,
    /// Correct answers over marked ones (a left-out item is marked wrong).
    pub correct_rate: Option<f32>,
    /// Points earned over points available on the marked ones, 0–1.
    pub score_rate: Option<f32>,
    /// Mean seconds over the answers with a recorded time.
    pub mean_seconds: Option<f32>,
    /// The most common wrong (or partly right) answers, most frequent first.
    pub wrong_answers: Vec<WrongAnswer>,
}

/// A wrong answer and how many students gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrongAnswer {
    /// The answer as shown ([`render_response`]).
    pub response: String,
    pub count: u32,
}

/// The class's correctness on one knowledge point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnowledgePointRow {
    pub knowledge_point: String,
    /// Items of the homework that carry it.
    pub items: u32,
    /// Points earned and available on it over the submitted students' marked answers.
    pub earned: f32,
    pub possible: f32,
    /// `earned / possible`, 0–1.
    pub rate: Option<f32>,
}

/// Students × knowledge points. Columns are in the order of [`ClassReport::knowledge_points`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnowledgePointMatrix {
    pub knowledge_points: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

/// One student's rates (0–1) per knowledge point; `None` where nothing of theirs on it is marked
/// (not submitted, or only pending answers).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    pub student_id: String,
    pub name: String,
    pub rates: Vec<Option<f32>>,
}

/// One student's work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudentRow {
    pub student_id: String,
    /// The roster name, or the id when the student is not in the list given.
    pub name: String,
    pub state: SubmissionState,
    pub late: bool,
    /// Points on the marked answers, once submitted.
    pub score: Option<f32>,
    /// Points available on all the student's items.
    pub max: f32,
    /// [`marked_percent`], once submitted.
    pub percent: Option<f32>,
    /// Minutes spent so far (one decimal).
    pub minutes: f32,
    /// Answers waiting for the teacher.
    pub pending: u32,
}

/// One homework in a trend chart (a class's mean, or one student's percentage, over time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub homework_id: String,
    pub title: String,
    pub due_at: DateTime<Utc>,
    pub percent: Option<f32>,
}

impl TrendPoint {
    /// The class's point for a homework: its [`mean_percent`].
    pub fn for_class(homework: &Homework, submissions: &[Submission]) -> Self {
        TrendPoint {
            homework_id: homework.id.clone(),
            title: homework.title.clone(),
            due_at: homework.due_at,
            percent: mean_percent(homework, submissions),
        }
    }
}

/// The mean of the submitted students' [`marked_percent`]s; `None` when none has a marked answer.
/// Each student counts once whatever their maximum, as a teacher averages a class's percentages.
pub fn mean_percent(homework: &Homework, submissions: &[Submission]) -> Option<f32> {
    let percents: Vec<f32> = submissions
        .iter()
        .filter(|s| s.state == SubmissionState::Submitted)
        .filter_map(|s| marked_percent(homework, s))
        .collect();
    (!percents.is_empty()).then(|| percents.iter().sum::<f32>() / percents.len() as f32)
}

/// Builds the report for `homework` from every assigned student's submission. `items` are looked up
/// by id for types and knowledge points; `students` are (id, name) pairs for names and order.
pub fn class_report(
    homework: &Homework,
    submissions: &[Submission],
    items: &[&Item],
    students: &[(String, String)],
) -> ClassReport {
    let tally = tally::Tally::new(homework, submissions, items, students);
    let work = tally.students();
    let percents: Vec<f32> = work.iter().filter_map(|(row, _)| row.percent).collect();
    // Work without a recorded time (on paper) would pile up as "0 minutes"; it is left out instead.
    let timed: Vec<(&StudentRow, u32)> = work
        .iter()
        .filter(|(row, seconds)| row.state == SubmissionState::Submitted && *seconds > 0)
        .map(|(row, seconds)| (row, *seconds))
        .collect();
    let scatter = timed
        .iter()
        .filter_map(|(row, seconds)| {
            row.percent.map(|percent| ScatterPoint {
                student_id: row.student_id.clone(),
                name: row.name.clone(),
                minutes: *seconds as f32 / 60.0,
                percent,
            })
        })
        .collect();
    let hours = if homework.mode == Mode::Paper { hour_counts(&[]) } else { hour_counts(&tally.answer_times()) };
    ClassReport {
        homework_id: homework.id.clone(),
        title: homework.title.clone(),
        completion: tally.completion(),
        mean_percent: (!percents.is_empty()).then(|| percents.iter().sum::<f32>() / percents.len() as f32),
        score_bins: score_bins(&percents),
        time_bins: time_bins(timed.iter().map(|(_, seconds)| *seconds)),
        scatter,
        hours,
        items: tally.item_rows(),
        knowledge_points: tally.knowledge_point_rows(),
        matrix: tally.matrix(),
        students: work.into_iter().map(|(row, _)| row).collect(),
    }
}

/// Ten bins of ten percentage points; 100 % goes in the last, and a percentage outside 0–100
/// (a bonus mark) in the nearest.
fn score_bins(percents: &[f32]) -> Vec<Bin> {
    let mut bins: Vec<Bin> = (0..10u32)
        .map(|i| Bin { label: format!("{}–{}", i * 10, i * 10 + 10), from: i * 10, to: Some(i * 10 + 10), count: 0 })
        .collect();
    for percent in percents {
        // Clamped to 0–9 first, so the conversion is exact.
        let index = (percent / 10.0).floor().clamp(0.0, 9.0) as usize;
        bins[index].count += 1;
    }
    bins
}

/// Students by time spent (in seconds), in the minute bins of [`TIME_BIN_EDGES`]; exactly five
/// minutes goes in `5–10`.
fn time_bins(seconds: impl Iterator<Item = u32>) -> Vec<Bin> {
    let mut bins: Vec<Bin> = TIME_BIN_EDGES
        .iter()
        .enumerate()
        .map(|(i, &from)| {
            let to = TIME_BIN_EDGES.get(i + 1).copied();
            let label = to.map_or_else(|| format!("{from}+"), |to| format!("{from}–{to}"));
            Bin { label, from, to, count: 0 }
        })
        .collect();
    for seconds in seconds {
        let index = TIME_BIN_EDGES.iter().rposition(|&edge| seconds >= edge * 60).unwrap_or(0);
        bins[index].count += 1;
    }
    bins
}

/// For each hour 0–23, how many students have an answer time in it; `times` holds each student's
/// answer times, and a student who answered ten items in one hour counts once for it.
fn hour_counts(times: &[Vec<DateTime<Utc>>]) -> Vec<HourCount> {
    let mut counts = [0u32; 24];
    for student in times {
        let mut hours = [false; 24];
        for at in student {
            // `hour()` is 0–23, so the index is in range.
            hours[at.with_timezone(&super::CHINA_TIME).hour() as usize] = true;
        }
        for (count, worked) in counts.iter_mut().zip(hours) {
            *count += u32::from(worked);
        }
    }
    counts.iter().zip(0u8..).map(|(&students, hour)| HourCount { hour, students }).collect()
}
