//! Estimating minutes and picking items automatically.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::homework::compose::{
    Estimate, Pace, Pick, PickRequest, Shortfall, auto_pick, estimate_minutes, item_seconds,
};

fn pace(actual: u64, estimated: u64, answers: u64) -> Option<Pace> {
    Some(Pace { actual_seconds: actual, estimated_seconds: estimated, answers })
}

fn request(count: usize, kps: &[&str]) -> PickRequest {
    PickRequest { count, knowledge_points: kps.iter().map(|kp| (*kp).to_owned()).collect(), ..PickRequest::default() }
}

/// Picked ids per knowledge point (by the fixture's single point).
fn per_point(pick: &Pick, items: &[Item]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for id in &pick.items {
        let item = items.iter().find(|i| &i.id == id).unwrap();
        *counts.entry(item.knowledge_points[0].clone()).or_default() += 1;
    }
    counts
}

#[test]
fn bank_minutes_round_up_and_never_vanish() {
    let a = item("a", ItemType::SingleChoice, &[], None, 90);
    let b = item("b", ItemType::FillBlank, &[], None, 100);
    let tiny = item("t", ItemType::TrueFalse, &[], None, 10);
    assert_eq!(estimate_minutes(&[&a, &b], None), Estimate { bank_minutes: 4, class_minutes: None, factor: None });
    assert_eq!(estimate_minutes(&[&tiny], None).bank_minutes, 1);
    assert_eq!(estimate_minutes(&[], pace(900, 600, 100)).bank_minutes, 0);
    assert_eq!(estimate_minutes(&[], pace(900, 600, 100)).class_minutes, Some(0));
}

#[test]
fn an_item_without_a_recorded_time_uses_the_text_estimate() {
    let mut unknown = item("u", ItemType::TrueFalse, &[], None, 0);
    unknown.stem = "0 是自然数。".to_owned();
    assert_eq!(item_seconds(&unknown), 20);
    assert_eq!(item_seconds(&item("k", ItemType::TrueFalse, &[], None, 75)), 75);
    assert_eq!(estimate_minutes(&[&unknown], None).bank_minutes, 1);
}

#[test]
fn class_pace_corrects_only_with_enough_answers_and_within_bounds() {
    let a = item("a", ItemType::SingleChoice, &[], None, 90);
    let b = item("b", ItemType::FillBlank, &[], None, 100);
    let items = [&a, &b]; // 190 s.
    // 29 answers: too few to trust.
    assert_eq!(
        estimate_minutes(&items, pace(3000, 2000, 29)),
        Estimate { bank_minutes: 4, class_minutes: None, factor: None }
    );
    // 1.5 × 190 s = 285 s → 5 minutes.
    assert_eq!(
        estimate_minutes(&items, pace(3000, 2000, 30)),
        Estimate { bank_minutes: 4, class_minutes: Some(5), factor: Some(1.5) }
    );
    // Five times slower is capped at twice: 380 s → 7 minutes.
    assert_eq!(estimate_minutes(&items, pace(10_000, 2000, 500)).class_minutes, Some(7));
    assert_eq!(estimate_minutes(&items, pace(10_000, 2000, 500)).factor, Some(2.0));
    // Ten times faster is capped at half: 95 s → 2 minutes.
    assert_eq!(estimate_minutes(&items, pace(200, 2000, 500)).class_minutes, Some(2));
    // A record with no estimates says nothing.
    assert_eq!(estimate_minutes(&items, pace(200, 0, 500)).factor, None);
    assert_eq!(estimate_minutes(&items, pace(3000, 2000, 30)).minutes(), 5);
    assert_eq!(estimate_minutes(&items, None).minutes(), 4);
}

#[test]
fn knowledge_points_take_turns() {
    let items: Vec<Item> =
        ["a", "b", "c"].iter().flat_map(|kp| (0..5).map(move |i| choice(&format!("{kp}{i}"), kp, 3))).collect();
    for seed in 0..20 {
        let pick = auto_pick(&refs(&items), &request(6, &["a", "b", "c"]), seed);
        assert_eq!(pick.items.len(), 6);
        let counts = per_point(&pick, &items);
        assert_eq!((counts["a"], counts["b"], counts["c"]), (2, 2, 2), "seed {seed}");
        assert_eq!(pick.minutes, 6);
        assert_eq!(pick.shortfall, None);
        assert!(pick.off_topic.is_empty());
    }
    // Seven: the first point in the teacher's order gets the extra one.
    let pick = auto_pick(&refs(&items), &request(7, &["b", "a", "c"]), 1);
    let counts = per_point(&pick, &items);
    assert_eq!((counts["a"], counts["b"], counts["c"]), (2, 3, 2));
}

#[test]
fn a_point_that_runs_out_leaves_its_turns_to_the_others() {
    let mut items = vec![choice("a0", "a", 3)];
    items.extend((0..5).map(|i| choice(&format!("b{i}"), "b", 3)));
    let pick = auto_pick(&refs(&items), &request(4, &["a", "b"]), 7);
    let counts = per_point(&pick, &items);
    assert_eq!((counts["a"], counts["b"]), (1, 3));
    assert_eq!(pick.shortfall, None);
}

#[test]
fn the_time_budget_is_never_exceeded() {
    let items: Vec<Item> =
        (0..6).map(|i| item(&format!("x{i}"), ItemType::SingleChoice, &["a"], Some(3), 120)).collect();
    let pick = auto_pick(&refs(&items), &PickRequest { target_minutes: Some(5), ..request(4, &["a"]) }, 3);
    assert_eq!(pick.items.len(), 2); // A third 2-minute item would make 6 minutes.
    assert_eq!(pick.minutes, 4);
    assert_eq!(pick.shortfall, Some(Shortfall::Budget { asked: 4, picked: 2, target_minutes: 5 }));
    assert!(pick.shortfall.as_ref().unwrap().to_string().contains("5 分钟"));
}

#[test]
fn an_item_too_long_for_the_budget_is_skipped_for_shorter_ones() {
    // The long item is the closest to the target difficulty, so it comes first and is skipped.
    let items = vec![
        item("long", ItemType::ShortAnswer, &["a"], Some(3), 200),
        item("s1", ItemType::SingleChoice, &["a"], Some(4), 60),
        item("s2", ItemType::SingleChoice, &["a"], Some(4), 60),
    ];
    let req = PickRequest { target_minutes: Some(3), difficulty: Some(3), ..request(3, &["a"]) };
    let pick = auto_pick(&refs(&items), &req, 0);
    let ids: HashSet<&str> = pick.items.iter().map(String::as_str).collect();
    assert_eq!(ids, HashSet::from(["s1", "s2"]));
    assert_eq!(pick.minutes, 2);
    assert_eq!(pick.shortfall, Some(Shortfall::Budget { asked: 3, picked: 2, target_minutes: 3 }));
}

#[test]
fn items_closest_to_the_target_difficulty_come_first() {
    let items = vec![choice("d1", "a", 1), choice("d2", "a", 2), choice("d3", "a", 3), choice("d5", "a", 5)];
    for seed in 0..30 {
        let req = PickRequest { difficulty: Some(2), ..request(1, &["a"]) };
        assert_eq!(auto_pick(&refs(&items), &req, seed).items, ["d2"]);
        let req = PickRequest { difficulty: Some(2), ..request(3, &["a"]) };
        let ids: HashSet<String> = auto_pick(&refs(&items), &req, seed).items.into_iter().collect();
        assert!(!ids.contains("d5"), "seed {seed}: {ids:?}");
    }
    // A target outside 1–5 is read as the nearest end.
    let req = PickRequest { difficulty: Some(9), ..request(1, &["a"]) };
    assert_eq!(auto_pick(&refs(&items), &req, 0).items, ["d5"]);
}

#[test]
fn near_identical_stems_are_not_both_picked() {
    let mut first = choice("p1", "a", 3);
    first.stem = "1. 已知 x+1=2，求 x 的值。".to_owned();
    let mut copy = choice("p2", "a", 3);
    copy.stem = "已知x+1=2,求x的值".to_owned();
    let other = choice("p3", "a", 3);
    for seed in 0..10 {
        let pick = auto_pick(&[&first, &copy, &other], &request(3, &["a"]), seed);
        assert_eq!(pick.items.len(), 2, "seed {seed}");
        assert!(pick.items.contains(&"p3".to_owned()));
        assert_eq!(pick.shortfall, Some(Shortfall::NotEnoughItems { asked: 3, picked: 2 }));
    }
}

#[test]
fn excluded_and_repeated_candidates_are_not_used() {
    let items = [choice("x1", "a", 3), choice("x2", "a", 3), choice("x3", "a", 3)];
    let candidates = vec![&items[0], &items[1], &items[1], &items[2]];
    let req = PickRequest { exclude: vec!["x2".to_owned()], ..request(5, &["a"]) };
    let pick = auto_pick(&candidates, &req, 0);
    let mut ids = pick.items.clone();
    ids.sort();
    assert_eq!(ids, ["x1", "x3"]);
    assert_eq!(pick.shortfall, Some(Shortfall::NotEnoughItems { asked: 5, picked: 2 }));
    assert_eq!(pick.shortfall.unwrap().label_en(), "Only 2 of 5 items: no more unused items match.");
}

#[test]
fn other_points_fill_in_only_after_the_requested_ones_and_are_reported() {
    let items = vec![choice("a1", "a", 3), choice("z1", "z", 3), choice("z2", "z", 3), choice("none", "", 3)];
    let pick = auto_pick(&refs(&items), &request(2, &["a"]), 5);
    assert!(pick.items.contains(&"a1".to_owned()));
    assert_eq!(pick.off_topic.len(), 1);
    assert!(!pick.off_topic.contains(&"a1".to_owned()));
    assert_eq!(pick.shortfall, None);
    // With no point requested every candidate is on topic.
    let pick = auto_pick(&refs(&items), &request(4, &[]), 5);
    assert_eq!(pick.items.len(), 4);
    assert!(pick.off_topic.is_empty());
}

#[test]
fn objective_items_come_first_then_easy_to_hard() {
    let items = vec![
        item("essay", ItemType::ShortAnswer, &["a"], Some(1), 60),
        item("hard", ItemType::SingleChoice, &["a"], Some(4), 60),
        item("blank", ItemType::FillBlank, &["a"], Some(2), 60),
        item("unrated", ItemType::TrueFalse, &["a"], None, 60),
        item("essay5", ItemType::ShortAnswer, &["a"], Some(5), 60),
    ];
    for seed in 0..10 {
        let pick = auto_pick(&refs(&items), &request(5, &["a"]), seed);
        assert_eq!(pick.items, ["blank", "unrated", "hard", "essay", "essay5"]);
    }
}

#[test]
fn nothing_asked_nothing_picked() {
    let items = vec![choice("a1", "a", 3)];
    let pick = auto_pick(&refs(&items), &request(0, &["a"]), 0);
    assert_eq!(pick, Pick { items: vec![], minutes: 0, off_topic: vec![], shortfall: None });
    let pick = auto_pick(&[], &request(2, &["a"]), 0);
    assert_eq!(pick.shortfall, Some(Shortfall::NotEnoughItems { asked: 2, picked: 0 }));
}

#[test]
fn the_seed_decides_among_equals() {
    let items: Vec<Item> = (0..30).map(|i| choice(&format!("q{i:02}"), "a", 3)).collect();
    let req = request(5, &["a"]);
    let first = auto_pick(&refs(&items), &req, 42);
    assert_eq!(first, auto_pick(&refs(&items), &req, 42));
    let picks: HashSet<Vec<String>> = (0..10).map(|seed| auto_pick(&refs(&items), &req, seed).items).collect();
    assert!(picks.len() > 5, "seeds should give different sets: {picks:?}");
    // The candidates' order does not matter, only the seed.
    let mut reversed = refs(&items);
    reversed.reverse();
    assert_eq!(auto_pick(&reversed, &req, 42), first);
}

proptest! {
    #[test]
    fn picks_are_distinct_allowed_and_within_limits(
        specs in proptest::collection::vec((0usize..4, 1u8..=5, 10u32..400, any::<bool>()), 0..40),
        count in 0usize..12,
        target in proptest::option::of(0u32..30),
        difficulty in proptest::option::of(1u8..=5),
        seed in any::<u64>(),
    ) {
        let kps = ["a", "b", "c", "d"];
        let items: Vec<Item> = specs
            .iter()
            .enumerate()
            .map(|(i, &(kp, d, seconds, open))| {
                let kind = if open { ItemType::ShortAnswer } else { ItemType::FillBlank };
                item(&format!("i{i}"), kind, &[kps[kp]], Some(d), seconds)
            })
            .collect();
        let req = PickRequest {
            count,
            knowledge_points: vec!["a".to_owned(), "b".to_owned()],
            target_minutes: target,
            difficulty,
            exclude: vec!["i0".to_owned(), "i3".to_owned()],
        };
        let pick = auto_pick(&refs(&items), &req, seed);
        prop_assert_eq!(&pick, &auto_pick(&refs(&items), &req, seed));
        prop_assert!(pick.items.len() <= count);
        let ids: HashSet<&String> = pick.items.iter().collect();
        prop_assert_eq!(ids.len(), pick.items.len());
        prop_assert!(!ids.contains(&"i0".to_owned()) && !ids.contains(&"i3".to_owned()));
        let seconds: u64 = pick
            .items
            .iter()
            .map(|id| u64::from(items.iter().find(|i| &i.id == id).unwrap().seconds))
            .sum();
        if let Some(target) = target {
            prop_assert!(seconds <= u64::from(target) * 60);
            prop_assert!(pick.minutes <= target);
        }
        prop_assert_eq!(pick.shortfall.is_some(), pick.items.len() < count);
        // Off-topic items only when every usable on-topic item is in.
        if !pick.off_topic.is_empty() {
            for candidate in items.iter().filter(|i| i.knowledge_points[0] == "a" || i.knowledge_points[0] == "b") {
                let excluded = candidate.id == "i0" || candidate.id == "i3";
                let fits = target.is_none_or(|t| seconds + u64::from(candidate.seconds) <= u64::from(t) * 60);
                prop_assert!(excluded || !fits || ids.contains(&candidate.id), "{} left out", candidate.id);
            }
        }
    }
}
