//! Targeted follow-ups.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::homework::followup::{FollowUpInput, PlanNote, StudentPlan, default_points, plan_follow_ups};

/// The homework: h1 on fractions (difficulty 3), h2 on decimals (2), h3 on geometry (4, open).
fn homework_items() -> Vec<Item> {
    vec![
        choice("h1", "frac", 3),
        item("h2", ItemType::FillBlank, &["dec"], Some(2), 60),
        item("h3", ItemType::ShortAnswer, &["geo"], Some(4), 120),
    ]
}

/// Similar items: for fractions one too hard, two at the level, one a step below, one too easy.
fn pool() -> Vec<Item> {
    vec![
        choice("f4", "frac", 4),
        choice("f3a", "frac", 3),
        choice("f3b", "frac", 3),
        choice("f2", "frac", 2),
        choice("f1", "frac", 1),
        item("d2", ItemType::FillBlank, &["dec"], Some(2), 60),
        item("d1", ItemType::FillBlank, &["dec"], Some(1), 60),
        item("d3", ItemType::FillBlank, &["dec"], Some(3), 60),
        item("g4", ItemType::ShortAnswer, &["geo"], Some(4), 120),
        item("g3", ItemType::ShortAnswer, &["geo"], Some(3), 120),
        item("g5", ItemType::ShortAnswer, &["geo"], Some(5), 120),
    ]
}

fn right(item_id: &str) -> Answer {
    marked(item_id, Response::Text("1".into()), 30, at(12, 0), Outcome::Correct, 1.0, 1.0)
}

fn wrong(item_id: &str) -> Answer {
    marked(item_id, Response::Text("9".into()), 30, at(12, 0), Outcome::Wrong, 0.0, 1.0)
}

fn hw() -> Homework {
    homework(&[("h1", 1.0), ("h2", 1.0), ("h3", 1.0)])
}

struct Fixture {
    homework: Homework,
    items: Vec<Item>,
    pool: Vec<Item>,
    seen: HashMap<String, HashSet<String>>,
}

impl Fixture {
    fn new() -> Self {
        Fixture { homework: hw(), items: homework_items(), pool: pool(), seen: HashMap::new() }
    }

    fn plan(
        &self,
        submissions: &[Submission],
        budget: u32,
        max: usize,
        mastery: Option<&HashMap<(String, String), f32>>,
    ) -> Vec<StudentPlan> {
        let items = refs(&self.items);
        let candidates = refs(&self.pool);
        plan_follow_ups(&FollowUpInput {
            homework: &self.homework,
            submissions,
            items: &items,
            candidates: &candidates,
            seen: &self.seen,
            budget_minutes: budget,
            max_items: max,
            mastery,
        })
    }
}

fn ids(plan: &StudentPlan) -> Vec<&str> {
    plan.items.iter().map(|i| i.item_id.as_str()).collect()
}

#[test]
fn a_wrong_item_gets_new_items_on_its_point_at_or_one_below_its_difficulty() {
    let mut fixture = Fixture::new();
    fixture.seen.insert("s1".into(), HashSet::from(["f3a".to_owned(), "h1".to_owned()]));
    let s1 = submission("s1", SubmissionState::Submitted, vec![wrong("h1"), right("h2"), right("h3")]);
    let plans = fixture.plan(&[s1], 30, 5, None);
    assert_eq!(plans.len(), 1);
    let plan = &plans[0];
    assert_eq!(plan.note, PlanNote::Targeted);
    assert_eq!(plan.weak_points, ["frac"]);
    // f3a was seen, f4 is harder than h1, f1 two steps easier: f3b (same level) then f2, shown easy first.
    assert_eq!(ids(plan), ["f2", "f3b"]);
    assert_eq!(plan.minutes, 2);
    assert!(plan.items.iter().all(|i| i.points == 1.0));
}

#[test]
fn everything_right_means_no_plan_and_pending_marks_wait() {
    let fixture = Fixture::new();
    let all_right = submission("s2", SubmissionState::Submitted, vec![right("h1"), right("h2"), right("h3")]);
    let mut essay = marked("h3", Response::Text("因为……".into()), 60, at(12, 0), Outcome::NeedsTeacher, 0.0, 1.0);
    let pending = submission("s4", SubmissionState::Submitted, vec![right("h1"), right("h2"), essay.clone()]);
    essay.mark = None;
    let unmarked = submission("s6", SubmissionState::Submitted, vec![right("h1"), right("h2"), essay]);
    let plans = fixture.plan(&[all_right, pending, unmarked], 30, 5, None);
    let notes: Vec<PlanNote> = plans.iter().map(|p| p.note).collect();
    assert_eq!(notes, [PlanNote::AllCorrect, PlanNote::AwaitingMarking, PlanNote::AwaitingMarking]);
    assert!(plans.iter().all(|p| p.items.is_empty() && p.weak_points.is_empty() && p.minutes == 0));
}

#[test]
fn students_who_did_not_submit_get_every_point_and_are_flagged() {
    let fixture = Fixture::new();
    let started = submission("s3", SubmissionState::Started, vec![wrong("h1")]);
    let plans = fixture.plan(&[started], 30, 6, None);
    let plan = &plans[0];
    assert_eq!(plan.note, PlanNote::NotSubmitted);
    assert_eq!(plan.weak_points, ["frac", "dec", "geo"]);
    // Ceilings from the homework's items: fractions 3, decimals 2, geometry 4.
    let mut got = ids(plan);
    got.sort_unstable();
    assert_eq!(got.len(), 6);
    assert!(got.iter().all(|id| ["f3a", "f3b", "f2", "d2", "d1", "g4", "g3"].contains(id)), "{got:?}");
    // Each point got two before the budget and limit ran out.
    for prefix in ["f", "d", "g"] {
        assert_eq!(got.iter().filter(|id| id.starts_with(prefix)).count(), 2, "{got:?}");
    }
    // Objective items first, the open ones (5 points each) last.
    assert_eq!(plan.items[4].points, 5.0);
    assert_eq!(plan.items[5].points, 5.0);
}

#[test]
fn the_weakest_point_comes_first_and_left_out_items_count_as_wrong() {
    let fixture = Fixture::new();
    // h1 left out entirely, h2 half right, h3 right.
    let partial = marked("h2", Response::Blanks(vec!["0.5".into()]), 30, at(12, 0), Outcome::Partial, 0.5, 1.0);
    let s5 = submission("s5", SubmissionState::Submitted, vec![partial, right("h3")]);
    let plans = fixture.plan(&[s5], 30, 2, None);
    assert_eq!(plans[0].weak_points, ["frac", "dec"]);
    // One turn each: the best fraction item and the best decimal item.
    let got = ids(&plans[0]);
    assert_eq!(got.len(), 2);
    assert!(got[0].starts_with('d') || got[1].starts_with('d'));
    assert!(got.contains(&"f3a") || got.contains(&"f3b"), "{got:?}");
}

#[test]
fn the_budget_and_the_item_limit_hold() {
    let fixture = Fixture::new();
    let s = submission("s7", SubmissionState::Submitted, vec![wrong("h1"), wrong("h2"), wrong("h3")]);
    let plans = fixture.plan(std::slice::from_ref(&s), 3, 10, None);
    assert!(plans[0].minutes <= 3);
    // A 2-minute geometry item fits only if it comes first in its turn; the total must fit anyway.
    let seconds: u32 =
        plans[0].items.iter().map(|i| fixture.pool.iter().find(|p| p.id == i.item_id).unwrap().seconds).sum();
    assert!(seconds <= 180, "{seconds}");
    let plans = fixture.plan(&[s], 60, 1, None);
    assert_eq!(plans[0].items.len(), 1);
}

#[test]
fn nothing_new_to_give_is_reported() {
    let mut fixture = Fixture::new();
    fixture.seen.insert("s1".into(), ["f3a", "f3b", "f2"].iter().map(|s| (*s).to_owned()).collect());
    let s1 = submission("s1", SubmissionState::Submitted, vec![wrong("h1"), right("h2"), right("h3")]);
    let plans = fixture.plan(&[s1], 30, 5, None);
    assert_eq!(plans[0].note, PlanNote::NothingSuitable);
    assert_eq!(plans[0].weak_points, ["frac"]);
    assert!(plans[0].items.is_empty());
}

#[test]
fn mistakes_without_a_weak_point_are_not_called_all_correct() {
    let mut fixture = Fixture::new();
    fixture.items[0].knowledge_points.clear();
    let s1 = submission("s1", SubmissionState::Submitted, vec![wrong("h1"), right("h2"), right("h3")]);
    let plans = fixture.plan(std::slice::from_ref(&s1), 30, 5, None);
    assert_eq!((plans[0].note, plans[0].items.len()), (PlanNote::NothingSuitable, 0));
    // The engine rates every point of the homework as mastered.
    let fixture = Fixture::new();
    let mastery: HashMap<(String, String), f32> =
        ["frac", "dec", "geo"].iter().map(|kp| (("s1".to_owned(), (*kp).to_owned()), 0.8)).collect();
    let plans = fixture.plan(&[s1], 30, 5, Some(&mastery));
    assert_eq!((plans[0].note, plans[0].items.len()), (PlanNote::Mastered, 0));
}

#[test]
fn a_copy_of_the_wrong_item_is_not_a_new_item() {
    let mut fixture = Fixture::new();
    let mut copy = choice("copy", "frac", 3);
    copy.stem = fixture.items[0].stem.replace('，', ",");
    fixture.pool = vec![copy, choice("fresh", "frac", 3)];
    let s1 = submission("s1", SubmissionState::Submitted, vec![wrong("h1"), right("h2"), right("h3")]);
    let plans = fixture.plan(&[s1], 30, 5, None);
    assert_eq!(ids(&plans[0]), ["fresh"]);
}

#[test]
fn mastery_estimates_decide_the_weak_points_when_given() {
    let fixture = Fixture::new();
    let s1 = submission("s1", SubmissionState::Submitted, vec![wrong("h1"), right("h2"), right("h3")]);
    let s2 = submission("s2", SubmissionState::Submitted, vec![right("h1"), right("h2"), right("h3")]);
    let mastery: HashMap<(String, String), f32> = [
        (("s1", "frac"), 0.9), // The engine clears a slip.
        (("s1", "dec"), 0.4),
        (("s1", "geo"), 0.2),
        (("s2", "geo"), 0.3), // A lucky guess.
        (("s2", "frac"), f32::NAN),
    ]
    .into_iter()
    .map(|((s, kp), p)| ((s.to_owned(), kp.to_owned()), p))
    .collect();
    let plans = fixture.plan(&[s1, s2], 30, 4, Some(&mastery));
    assert_eq!(plans[0].weak_points, ["geo", "dec"]);
    assert_eq!(plans[0].note, PlanNote::Targeted);
    // No wrong item on decimals: the ceiling is the homework's decimal item (2), so never d3.
    assert!(!ids(&plans[0]).contains(&"d3"));
    assert!(!ids(&plans[0]).contains(&"g5"));
    assert_eq!(plans[1].weak_points, ["geo"]);
    assert!(ids(&plans[1]).iter().all(|id| *id == "g4" || *id == "g3"));
    // A wrong point the engine has no estimate for still counts.
    let partial: HashMap<(String, String), f32> = HashMap::from([(("s1".to_owned(), "dec".to_owned()), 0.5)]);
    let s1 = submission("s1", SubmissionState::Submitted, vec![wrong("h1"), right("h2"), right("h3")]);
    let plans = fixture.plan(&[s1], 30, 4, Some(&partial));
    assert_eq!(plans[0].weak_points, ["dec", "frac"]);
}

#[test]
fn follow_ups_never_repeat_seen_items_nor_exceed_the_wrong_difficulty() {
    // Every combination of right and wrong on the three items, for a student who has seen half
    // the pool: no plan holds a seen or homework item, or anything harder than the item missed.
    let fixture_pool = pool();
    for mask in 0u8..8 {
        let mut fixture = Fixture::new();
        let seen: HashSet<String> = fixture_pool.iter().step_by(2).map(|i| i.id.clone()).collect();
        fixture.seen.insert("s".into(), seen.clone());
        let answers = ["h1", "h2", "h3"]
            .iter()
            .enumerate()
            .map(|(bit, id)| if mask & (1 << bit) != 0 { wrong(id) } else { right(id) })
            .collect();
        let plans = fixture.plan(&[submission("s", SubmissionState::Submitted, answers)], 60, 10, None);
        for planned in &plans[0].items {
            assert!(!seen.contains(&planned.item_id), "mask {mask}: {} was seen", planned.item_id);
            assert!(!planned.item_id.starts_with('h'));
            let item = fixture_pool.iter().find(|i| i.id == planned.item_id).unwrap();
            let missed = fixture.items.iter().find(|h| h.knowledge_points == item.knowledge_points).unwrap();
            assert!(item.difficulty <= missed.difficulty, "mask {mask}: {} too hard", item.id);
            assert!(item.difficulty.unwrap() + 1 >= missed.difficulty.unwrap());
        }
        assert_eq!(plans[0].note == PlanNote::AllCorrect, mask == 0);
    }
}

#[test]
fn plans_are_deterministic_and_one_per_student() {
    let fixture = Fixture::new();
    let subs = vec![
        submission("s1", SubmissionState::Submitted, vec![wrong("h1"), wrong("h2"), right("h3")]),
        submission("s2", SubmissionState::Assigned, vec![]),
        submission("s1", SubmissionState::Submitted, vec![]),
    ];
    let first = fixture.plan(&subs, 10, 3, None);
    assert_eq!(first, fixture.plan(&subs, 10, 3, None));
    let students: Vec<&str> = first.iter().map(|p| p.student_id.as_str()).collect();
    assert_eq!(students, ["s1", "s2"]);
}

#[test]
fn neighbours_get_different_items_when_the_bank_allows() {
    let mut fixture = Fixture::new();
    fixture.pool = (0..20).map(|i| choice(&format!("f{i:02}"), "frac", 3)).collect();
    let subs: Vec<Submission> = (0..6)
        .map(|i| submission(&format!("s{i}"), SubmissionState::Submitted, vec![wrong("h1"), right("h2"), right("h3")]))
        .collect();
    let plans = fixture.plan(&subs, 30, 2, None);
    let sets: HashSet<Vec<&str>> = plans.iter().map(ids).collect();
    assert!(sets.len() > 1, "{sets:?}");
}

#[test]
fn default_points_follow_the_source_or_the_type() {
    let mut sourced = choice("x", "a", 3);
    sourced.points = Some(3.0);
    assert_eq!(default_points(&sourced), 3.0);
    sourced.points = Some(0.0);
    assert_eq!(default_points(&sourced), 1.0);
    sourced.points = Some(150.0);
    assert_eq!(default_points(&sourced), 1.0);
    sourced.points = Some(f32::NAN);
    assert_eq!(default_points(&sourced), 1.0);
    assert_eq!(default_points(&item("e", ItemType::ShortAnswer, &[], None, 60)), 5.0);
    assert_eq!(default_points(&item("t", ItemType::TrueFalse, &[], None, 60)), 1.0);
}

#[test]
fn plan_notes_have_codes_and_labels() {
    assert_eq!(PlanNote::NotSubmitted.code(), "not_submitted");
    assert_eq!(PlanNote::parse("all_correct").unwrap(), PlanNote::AllCorrect);
    assert_eq!(serde_json::to_string(&PlanNote::Targeted).unwrap(), "\"targeted\"");
}
