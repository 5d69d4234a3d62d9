//! The counting behind [`super::class_report`]: students in roster order with their names, the
//! items and knowledge points of the homework, and each table's rows.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::marks::{ItemResult, is_empty, item_result};
use super::render::render_response;
use super::{
    Completion, ItemRow, KnowledgePointMatrix, KnowledgePointRow, MAX_WRONG_ANSWERS, MatrixRow, StudentRow, WrongAnswer,
};
use crate::grading::Outcome;
use crate::homework::{Homework, HomeworkItem, Submission, SubmissionState};
use crate::items::Item;

pub(super) struct Tally<'a> {
    homework: &'a Homework,
    /// Each assigned student once, with their name, in roster order.
    students: Vec<(&'a Submission, &'a str)>,
    /// The homework's items, then items only some students have (a follow-up's own items).
    items: Vec<&'a HomeworkItem>,
    lookup: HashMap<&'a str, &'a Item>,
    /// Knowledge points in order of first appearance over `items`.
    kps: Vec<&'a str>,
}

impl<'a> Tally<'a> {
    pub(super) fn new(
        homework: &'a Homework,
        submissions: &'a [Submission],
        items: &[&'a Item],
        roster: &'a [(String, String)],
    ) -> Self {
        let lookup: HashMap<&str, &Item> = items.iter().map(|item| (item.id.as_str(), *item)).collect();
        let mut first: HashMap<&str, &Submission> = HashMap::new();
        for submission in submissions {
            first.entry(submission.student_id.as_str()).or_insert(submission);
        }
        let mut students: Vec<(&Submission, &str)> = Vec::new();
        let mut placed = HashSet::new();
        for (id, name) in roster {
            if let Some(submission) = first.get(id.as_str())
                && placed.insert(id.as_str())
            {
                students.push((submission, name.as_str()));
            }
        }
        for submission in submissions {
            if placed.insert(submission.student_id.as_str()) {
                students.push((submission, submission.student_id.as_str()));
            }
        }
        let mut seen_items = HashSet::new();
        let all_items: Vec<&HomeworkItem> = homework
            .items
            .iter()
            .chain(students.iter().flat_map(|(s, _)| s.items.iter().flatten()))
            .filter(|hi| seen_items.insert(hi.item_id.as_str()))
            .collect();
        let mut kps: Vec<&str> = Vec::new();
        for kp in all_items.iter().flat_map(|hi| points(&lookup, &hi.item_id)) {
            if !kps.contains(&kp) {
                kps.push(kp);
            }
        }
        Tally { homework, students, items: all_items, lookup, kps }
    }

    fn submitted(&self) -> impl Iterator<Item = &(&'a Submission, &'a str)> {
        self.students.iter().filter(|(s, _)| s.state == SubmissionState::Submitted)
    }

    pub(super) fn completion(&self) -> Completion {
        let mut completion = Completion { students: count(self.students.len()), ..Completion::default() };
        for (submission, _) in &self.students {
            match submission.state {
                SubmissionState::Assigned => completion.not_started += 1,
                SubmissionState::Started => completion.started += 1,
                SubmissionState::Submitted => {
                    completion.submitted += 1;
                    completion.late += u32::from(submission.late);
                    let items = submission.items(self.homework);
                    let pending = items.iter().any(|hi| item_result(submission, hi) == ItemResult::Pending);
                    completion.pending_marking += u32::from(pending);
                }
            }
        }
        completion
    }

    /// Each student's row with their exact seconds (the row's minutes are rounded for display).
    pub(super) fn students(&self) -> Vec<(StudentRow, u32)> {
        self.students
            .iter()
            .map(|(submission, name)| {
                let items = submission.items(self.homework);
                let submitted = submission.state == SubmissionState::Submitted;
                let mut score = 0.0f32;
                let mut pending = 0u32;
                for hi in items {
                    match item_result(submission, hi) {
                        ItemResult::Scored { score: s, .. } => score += s,
                        ItemResult::Pending => pending += u32::from(submitted),
                    }
                }
                let seconds = submission.seconds();
                let row = StudentRow {
                    student_id: submission.student_id.clone(),
                    name: (*name).to_owned(),
                    state: submission.state,
                    late: submission.late,
                    score: submitted.then_some(score),
                    max: items.iter().map(|hi| hi.points).sum(),
                    percent: if submitted { super::marked_percent(self.homework, submission) } else { None },
                    minutes: (seconds as f32 / 6.0).round() / 10.0,
                    pending,
                };
                (row, seconds)
            })
            .collect()
    }

    /// Per student (any state), the times of their answers that hold something: a row a teacher's
    /// mark added for a left-out item carries the marking time, not a time the student worked.
    pub(super) fn answer_times(&self) -> Vec<Vec<DateTime<Utc>>> {
        self.students
            .iter()
            .map(|(s, _)| s.answers.iter().filter(|a| !is_empty(&a.response)).map(|a| a.answered_at).collect())
            .collect()
    }

    pub(super) fn item_rows(&self) -> Vec<ItemRow> {
        self.items
            .iter()
            .zip(1u32..)
            .map(|(hi, number)| {
                let item = self.lookup.get(hi.item_id.as_str());
                let mut row = ItemRow {
                    item_id: hi.item_id.clone(),
                    number,
                    item_type: item.map(|item| item.item_type),
                    knowledge_points: self
                        .kps
                        .iter()
                        .filter(|kp| points(&self.lookup, &hi.item_id).any(|p| p == **kp))
                        .map(|kp| (*kp).to_owned())
                        .collect(),
                    points: hi.points,
                    students: 0,
                    answered: 0,
                    correct: 0,
                    pending: 0,
                    correct_rate: None,
                    score_rate: None,
                    mean_seconds: None,
                    wrong_answers: Vec::new(),
                };
                let (mut marked, mut earned, mut possible, mut seconds, mut timed) = (0u32, 0.0f32, 0.0f32, 0u64, 0u32);
                let mut wrong: Vec<WrongAnswer> = Vec::new();
                for (submission, _) in self.submitted() {
                    let Some(own) = submission.items(self.homework).iter().find(|own| own.item_id == hi.item_id) else {
                        continue;
                    };
                    row.students += 1;
                    if let Some(answer) = submission.answer(&hi.item_id).filter(|a| a.seconds > 0) {
                        seconds += u64::from(answer.seconds);
                        timed += 1;
                    }
                    let ItemResult::Scored { score, max, outcome, answer } = item_result(submission, own) else {
                        row.pending += 1;
                        row.answered += 1;
                        continue;
                    };
                    marked += 1;
                    earned += score;
                    possible += max;
                    row.answered += u32::from(outcome != Outcome::Unanswered);
                    row.correct += u32::from(outcome == Outcome::Correct);
                    if let (Outcome::Wrong | Outcome::Partial, Some(answer)) = (outcome, answer) {
                        let response = render_response(&answer.response);
                        match wrong.iter_mut().find(|w| w.response == response) {
                            Some(entry) => entry.count += 1,
                            None => wrong.push(WrongAnswer { response, count: 1 }),
                        }
                    }
                }
                row.correct_rate = (marked > 0).then(|| row.correct as f32 / marked as f32);
                row.score_rate = (possible > 0.0).then(|| earned / possible);
                row.mean_seconds = (timed > 0).then(|| seconds as f32 / timed as f32);
                wrong.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.response.cmp(&b.response)));
                wrong.truncate(MAX_WRONG_ANSWERS);
                row.wrong_answers = wrong;
                row
            })
            .collect()
    }

    /// Points earned and available per knowledge point (in `kps` order) for one submission's
    /// marked answers. An item on two points counts fully for both: it tests both.
    fn point_totals(&self, submission: &Submission) -> Vec<(f32, f32)> {
        let mut totals = vec![(0.0f32, 0.0f32); self.kps.len()];
        for hi in submission.items(self.homework) {
            let ItemResult::Scored { score, max, .. } = item_result(submission, hi) else { continue };
            let mut indices: Vec<usize> =
                points(&self.lookup, &hi.item_id).filter_map(|kp| self.kps.iter().position(|k| *k == kp)).collect();
            // A point listed twice on one item is still tested once.
            indices.sort_unstable();
            indices.dedup();
            for index in indices {
                totals[index].0 += score;
                totals[index].1 += max;
            }
        }
        totals
    }

    pub(super) fn knowledge_point_rows(&self) -> Vec<KnowledgePointRow> {
        let mut totals = vec![(0.0f32, 0.0f32); self.kps.len()];
        for (submission, _) in self.submitted() {
            for (total, (earned, possible)) in totals.iter_mut().zip(self.point_totals(submission)) {
                total.0 += earned;
                total.1 += possible;
            }
        }
        self.kps
            .iter()
            .zip(totals)
            .map(|(kp, (earned, possible))| KnowledgePointRow {
                knowledge_point: (*kp).to_owned(),
                items: count(
                    self.items.iter().filter(|hi| points(&self.lookup, &hi.item_id).any(|p| p == *kp)).count(),
                ),
                earned,
                possible,
                rate: (possible > 0.0).then(|| earned / possible),
            })
            .collect()
    }

    pub(super) fn matrix(&self) -> KnowledgePointMatrix {
        let rows = self
            .students
            .iter()
            .map(|(submission, name)| {
                let rates = if submission.state == SubmissionState::Submitted {
                    let totals = self.point_totals(submission);
                    totals.into_iter().map(|(earned, possible)| (possible > 0.0).then(|| earned / possible)).collect()
                } else {
                    vec![None; self.kps.len()]
                };
                MatrixRow { student_id: submission.student_id.clone(), name: (*name).to_owned(), rates }
            })
            .collect();
        KnowledgePointMatrix { knowledge_points: self.kps.iter().map(|kp| (*kp).to_owned()).collect(), rows }
    }
}

/// The knowledge points of an item by id, trimmed, without empty ones; none for an unknown item.
fn points<'a>(lookup: &HashMap<&str, &'a Item>, item_id: &str) -> impl Iterator<Item = &'a str> {
    lookup
        .get(item_id)
        .into_iter()
        .flat_map(|item| item.knowledge_points.iter())
        .map(|kp| kp.trim())
        .filter(|kp| !kp.is_empty())
}

/// A count for a table; a class never has four billion students.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
