//! Targeted follow-up (靶向作业): for each student, a few new items on the knowledge points they
//! got wrong, at a difficulty they can reach. Rule-based from the marks until the learning engine
//! supplies mastery estimates; with them, the estimates decide which points are weak.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::analysis::marks::{ItemResult, item_result};
use super::compose::{Picker, effective_difficulty, minutes_for_seconds, presentation_order, stable_hash};
use super::{Homework, HomeworkItem, Submission, SubmissionState};
use crate::items::{Item, ItemType};
use crate::org::coded_enum;

/// Below this estimated probability of mastery a knowledge point counts as weak. 0.6 rather than
/// the 0.95 used to declare mastery: a follow-up is for points a student is likely to get wrong
/// tonight, not for every point not yet certain.
pub const MASTERY_THRESHOLD: f32 = 0.6;

/// Everything the planner looks at.
#[derive(Debug, Clone, Copy)]
pub struct FollowUpInput<'a> {
    /// The homework being followed up.
    pub homework: &'a Homework,
    /// Every assigned student's work on it (one per student, any state).
    pub submissions: &'a [Submission],
    /// Items by id: the homework's own items (for their knowledge points and difficulty), and the
    /// candidates may be repeated here.
    pub items: &'a [&'a Item],
    /// The pool to pick from, e.g. the published items of the subject and grade.
    pub candidates: &'a [&'a Item],
    /// Per student id, the items they have already answered anywhere: never given again.
    pub seen: &'a HashMap<String, HashSet<String>>,
    /// Most minutes (bank estimates) per student.
    pub budget_minutes: u32,
    /// Most items per student.
    pub max_items: usize,
    /// Per (student id, knowledge point), the learning engine's probability of mastery; `None` to
    /// decide from this homework's marks alone.
    pub mastery: Option<&'a HashMap<(String, String), f32>>,
}

coded_enum!(
    /// Why a student's plan looks the way it does.
    PlanNote, "plan note" {
        Targeted => "targeted", "针对薄弱知识点", "Targets weak points";
        NotSubmitted => "not_submitted", "未提交，按全部知识点", "Not submitted: covers every point";
        AllCorrect => "all_correct", "全部正确，无需跟进", "All correct: no follow-up";
        AwaitingMarking => "awaiting_marking", "待批改后再定", "Waiting for marking";
        NothingSuitable => "nothing_suitable", "题库中没有合适的新题", "No suitable new items in the bank";
        Mastered => "mastered", "错题知识点已估计掌握", "Mistakes on points estimated as mastered";
    }
);

/// One student's follow-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentPlan {
    pub student_id: String,
    /// The items to assign, in presentation order; empty when there is nothing to follow up.
    pub items: Vec<HomeworkItem>,
    /// The knowledge points the plan is for, weakest first.
    pub weak_points: Vec<String>,
    /// The bank's estimate for the items.
    pub minutes: u32,
    pub note: PlanNote,
}

/// The points an item is worth in a follow-up: those of the paper it came from when they are
/// usable (more than 0, at most 100, as [`super::validate_spec`] requires), else 1 for an
/// objective item and 5 for an open one, which takes about five times as long to answer.
pub fn default_points(item: &Item) -> f32 {
    match item.points {
        Some(points) if points.is_finite() && points > 0.0 && points <= 100.0 => points,
        _ if item.item_type == ItemType::ShortAnswer => 5.0,
        _ => 1.0,
    }
}

/// Plans a follow-up for every student of `input.submissions`, in that order (a student listed
/// twice is planned once).
///
/// For a submitted homework the weak points are those of the items the student got wrong, partly
/// right or left out, weakest first (most of the point's marks lost). With mastery estimates the
/// weak points are instead the homework's points estimated below [`MASTERY_THRESHOLD`], lowest
/// first, followed by wrong points the engine has no estimate for: the engine has seen more than
/// one evening's work, so it may clear a slip or flag a lucky guess. A student who has not
/// submitted gets a plan over all the homework's points, noted [`PlanNote::NotSubmitted`].
///
/// Items are then picked per weak point in turns, so every point gets one before any gets two.
/// An item must carry the point, be new to the student (not in `seen`, not in this homework, not a
/// copy of one of its stems), and be reachable: at the difficulty `d` of the easiest item the
/// student got wrong on that point, or one below, never harder (unrated items count as 3). The
/// same difficulty is preferred; ties are broken by a hash of student and item, which is
/// deterministic yet gives neighbours different items to copy. The budget and item limit are
/// respected the same way as in [`super::compose::auto_pick`].
///
/// A student with nothing to follow up still gets a plan, with no items and a [`PlanNote`] that
/// says why, so the teacher's list shows every student.
pub fn plan_follow_ups(input: &FollowUpInput) -> Vec<StudentPlan> {
    let lookup: HashMap<&str, &Item> =
        input.items.iter().chain(input.candidates).map(|item| (item.id.as_str(), *item)).collect();
    let mut ids = HashSet::new();
    let pool: Vec<&Item> = input.candidates.iter().copied().filter(|item| ids.insert(item.id.as_str())).collect();
    let mut planned = HashSet::new();
    input
        .submissions
        .iter()
        .filter(|submission| planned.insert(submission.student_id.as_str()))
        .map(|submission| plan_student(input, &lookup, &pool, submission))
        .collect()
}

/// A weak knowledge point and the hardest difficulty to give on it.
struct WeakPoint {
    kp: String,
    ceiling: u8,
}

fn plan_student(
    input: &FollowUpInput,
    lookup: &HashMap<&str, &Item>,
    pool: &[&Item],
    submission: &Submission,
) -> StudentPlan {
    let student = submission.student_id.as_str();
    let assigned = submission.items(input.homework);
    let assigned_items: Vec<&Item> =
        assigned.iter().filter_map(|hi| lookup.get(hi.item_id.as_str()).copied()).collect();
    let submitted = submission.state == SubmissionState::Submitted;

    let (weak, note) = if submitted {
        let evidence = Evidence::gather(submission, input.homework, lookup);
        let weak = match input.mastery {
            Some(mastery) => evidence.weak_with_mastery(student, &assigned_items, mastery),
            None => evidence.weak_by_marks(),
        };
        if weak.is_empty() {
            // Mistakes without a weak point: the engine clears them, or their items carry no
            // knowledge point to follow up. Neither is "all correct".
            let note = match (evidence.mistakes, input.mastery, evidence.pending) {
                (0, _, true) => PlanNote::AwaitingMarking,
                (0, _, false) => PlanNote::AllCorrect,
                (_, Some(_), _) => PlanNote::Mastered,
                (_, None, _) => PlanNote::NothingSuitable,
            };
            return StudentPlan {
                student_id: student.to_owned(),
                items: Vec::new(),
                weak_points: Vec::new(),
                minutes: 0,
                note,
            };
        }
        (weak.into_iter().map(|kp| weak_point(kp, &evidence.wrong, &assigned_items)).collect(), PlanNote::Targeted)
    } else {
        let kps = ordered_by_mastery(student, points_of(&assigned_items), input.mastery);
        let weak: Vec<WeakPoint> = kps.into_iter().map(|kp| weak_point(kp, &[], &assigned_items)).collect();
        (weak, PlanNote::NotSubmitted)
    };

    let no_seen = HashSet::new();
    let seen = input.seen.get(student).unwrap_or(&no_seen);
    let mut picker = Picker::new(input.max_items, Some(u64::from(input.budget_minutes) * 60));
    for item in &assigned_items {
        picker.block_stem_of(item);
    }
    let student_seed = stable_hash(0, student);
    let fresh = |item: &&Item| !seen.contains(&item.id) && !assigned.iter().any(|hi| hi.item_id == item.id);
    let queues: Vec<Vec<&Item>> = weak
        .iter()
        .map(|point| {
            let mut queue: Vec<&Item> = pool
                .iter()
                .copied()
                .filter(fresh)
                .filter(|item| item.knowledge_points.iter().any(|kp| kp.trim() == point.kp))
                .filter(|item| {
                    let d = effective_difficulty(item);
                    d <= point.ceiling && d + 1 >= point.ceiling
                })
                .collect();
            queue.sort_by_key(|item| (point.ceiling - effective_difficulty(item), stable_hash(student_seed, &item.id)));
            queue
        })
        .collect();
    picker.round_robin(&queues);

    let items: Vec<HomeworkItem> = presentation_order(picker.picked())
        .into_iter()
        .map(|item| HomeworkItem::new(item.id.clone(), default_points(item)))
        .collect();
    let note = if items.is_empty() && note == PlanNote::Targeted { PlanNote::NothingSuitable } else { note };
    StudentPlan {
        student_id: student.to_owned(),
        items,
        weak_points: weak.into_iter().map(|point| point.kp).collect(),
        minutes: minutes_for_seconds(picker.seconds()),
        note,
    }
}

/// What a submitted homework says about one student.
struct Evidence<'a> {
    /// The items the student lost points on.
    wrong: Vec<&'a Item>,
    /// How many items the student lost points on, including items missing from the lookup.
    mistakes: usize,
    /// Per knowledge point in order of first appearance: points lost and points available over the
    /// student's marked items.
    points: Vec<(String, f32, f32)>,
    /// Whether some answer still waits for the teacher.
    pending: bool,
}

impl<'a> Evidence<'a> {
    fn gather(submission: &Submission, homework: &Homework, lookup: &HashMap<&str, &'a Item>) -> Self {
        let mut evidence = Evidence { wrong: Vec::new(), mistakes: 0, points: Vec::new(), pending: false };
        for hi in submission.items(homework) {
            let result = item_result(submission, hi);
            let ItemResult::Scored { score, max, .. } = result else {
                evidence.pending = true;
                continue;
            };
            evidence.mistakes += usize::from(result.is_mistake());
            let Some(item) = lookup.get(hi.item_id.as_str()).copied() else { continue };
            if result.is_mistake() {
                evidence.wrong.push(item);
            }
            for kp in clean_points(item) {
                match evidence.points.iter_mut().find(|(k, _, _)| k == kp) {
                    Some(entry) => {
                        entry.1 += max - score;
                        entry.2 += max;
                    }
                    None => evidence.points.push((kp.to_owned(), max - score, max)),
                }
            }
        }
        evidence
    }

    /// The points of the wrong items, the largest share of marks lost first (then the most marks
    /// lost, then homework order): 2 of 2 lost on one point is weaker than 2 of 10 on another.
    fn weak_by_marks(&self) -> Vec<String> {
        let wrong = points_of(&self.wrong);
        let mut rows: Vec<(usize, &(String, f32, f32))> =
            self.points.iter().enumerate().filter(|(_, (kp, _, _))| wrong.contains(kp)).collect();
        rows.sort_by(|(ia, (_, la, ma)), (ib, (_, lb, mb))| {
            share(*lb, *mb).total_cmp(&share(*la, *ma)).then(lb.total_cmp(la)).then(ia.cmp(ib))
        });
        rows.into_iter().map(|(_, (kp, _, _))| kp.clone()).collect()
    }

    /// The homework's points estimated below the threshold (lowest first), then the wrong points
    /// without an estimate in the order [`Evidence::weak_by_marks`] gives.
    fn weak_with_mastery(
        &self,
        student: &str,
        assigned: &[&Item],
        mastery: &HashMap<(String, String), f32>,
    ) -> Vec<String> {
        let estimate = |kp: &str| mastery.get(&(student.to_owned(), kp.to_owned())).copied().filter(|p| p.is_finite());
        let mut low: Vec<(String, f32)> = points_of(assigned)
            .into_iter()
            .filter_map(|kp| estimate(&kp).filter(|&p| p < MASTERY_THRESHOLD).map(|p| (kp, p)))
            .collect();
        // Stable: equal estimates keep homework order.
        low.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut weak: Vec<String> = low.into_iter().map(|(kp, _)| kp).collect();
        weak.extend(self.weak_by_marks().into_iter().filter(|kp| estimate(kp).is_none()));
        weak
    }
}

/// The weak point with its ceiling: the difficulty of the easiest item the student got wrong on it
/// or, without one (not submitted, or flagged by the engine), of the easiest homework item on it.
fn weak_point(kp: String, wrong: &[&Item], assigned: &[&Item]) -> WeakPoint {
    let easiest = |items: &[&Item]| {
        items.iter().filter(|item| clean_points(item).any(|p| p == kp)).map(|item| effective_difficulty(item)).min()
    };
    let ceiling = easiest(wrong).or_else(|| easiest(assigned)).unwrap_or(super::compose::UNRATED_DIFFICULTY);
    WeakPoint { kp, ceiling }
}

/// Knowledge points ordered by estimated mastery, lowest first and unknown last; in the given
/// order without estimates.
fn ordered_by_mastery(
    student: &str,
    kps: Vec<String>,
    mastery: Option<&HashMap<(String, String), f32>>,
) -> Vec<String> {
    let Some(mastery) = mastery else { return kps };
    let mut keyed: Vec<(Option<f32>, String)> = kps
        .into_iter()
        .map(|kp| (mastery.get(&(student.to_owned(), kp.clone())).copied().filter(|p| p.is_finite()), kp))
        .collect();
    keyed.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    keyed.into_iter().map(|(_, kp)| kp).collect()
}

/// The distinct knowledge points of some items, in order of first appearance.
fn points_of(items: &[&Item]) -> Vec<String> {
    let mut kps: Vec<String> = Vec::new();
    for kp in items.iter().flat_map(|item| clean_points(item)) {
        if !kps.iter().any(|k| k == kp) {
            kps.push(kp.to_owned());
        }
    }
    kps
}

/// An item's knowledge points, trimmed, without empty ones.
fn clean_points(item: &Item) -> impl Iterator<Item = &str> {
    item.knowledge_points.iter().map(|kp| kp.trim()).filter(|kp| !kp.is_empty())
}

fn share(lost: f32, max: f32) -> f32 {
    if max > 0.0 { lost / max } else { 0.0 }
}
