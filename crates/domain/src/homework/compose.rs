//! Composing a homework: how long a set of items takes this class, and picking items for a
//! teacher who asks for "eight items on these three knowledge points, about twenty minutes".
//! Pure rules: the caller supplies the candidates, the class's record and the seed.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::items::Item;

mod picker;

pub(in crate::homework) use picker::{Picker, presentation_order, stable_hash};

/// Answers a class must have given before its own pace corrects the bank's estimate. Thirty
/// answers are at least three students' evenings on a ten-item homework, so one student who left
/// the page open, or one who guessed everything in a minute, moves the ratio by a third at most.
pub const MIN_PACE_ANSWERS: u64 = 30;
/// The slowest and fastest a class's pace may scale the bank's estimate. A class that really takes
/// more than twice the estimate is rare; a ratio beyond it is far more often time counted while a
/// page sat open, and the workload guard should not then forbid all further homework for the week.
pub const MIN_PACE_FACTOR: f32 = 0.5;
pub const MAX_PACE_FACTOR: f32 = 2.0;
/// The difficulty an unrated item is taken to have: the middle of the 1–5 scale, so it neither
/// counts as a warm-up nor as the hardest item.
pub const UNRATED_DIFFICULTY: u8 = 3;

/// A class's record on past homework of a subject: the seconds its students actually spent on the
/// answers they gave, and the bank's estimates for those same answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Pace {
    pub actual_seconds: u64,
    pub estimated_seconds: u64,
    pub answers: u64,
}

impl Pace {
    /// How much slower (> 1) or faster (< 1) the class works than the bank expects; `None` while
    /// the record is too thin to say ([`MIN_PACE_ANSWERS`]). The ratio of the totals, not the mean
    /// of per-answer ratios: minutes are what the guard counts, and a 10-second true/false item
    /// that took a minute (ratio 6) should not outweigh a long item that took what was expected.
    /// Clamped to [`MIN_PACE_FACTOR`]–[`MAX_PACE_FACTOR`].
    pub fn factor(&self) -> Option<f32> {
        if self.answers < MIN_PACE_ANSWERS || self.estimated_seconds == 0 {
            return None;
        }
        let ratio = self.actual_seconds as f64 / self.estimated_seconds as f64;
        Some((ratio as f32).clamp(MIN_PACE_FACTOR, MAX_PACE_FACTOR))
    }
}

/// How long a homework takes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The bank's estimates summed, in whole minutes rounded up (at least 1 when there are items).
    pub bank_minutes: u32,
    /// The same corrected by the class's pace, when the class has enough of a record.
    pub class_minutes: Option<u32>,
    /// The correction applied ([`Pace::factor`]).
    pub factor: Option<f32>,
}

impl Estimate {
    /// The figure to propose to the teacher: the class's when known, else the bank's.
    pub fn minutes(&self) -> u32 {
        self.class_minutes.unwrap_or(self.bank_minutes)
    }
}

/// The seconds an item is expected to take: its recorded estimate, or, when the source gave none
/// (`0`), the estimate from its text and type ([`Item::estimated_seconds`]).
pub fn item_seconds(item: &Item) -> u32 {
    if item.seconds > 0 { item.seconds } else { item.estimated_seconds() }
}

/// Whole minutes for a number of seconds, rounded up: a homework of 61 seconds is two minutes of an
/// evening, not one.
pub fn minutes_for_seconds(seconds: u64) -> u32 {
    u32::try_from(seconds.div_ceil(60)).unwrap_or(u32::MAX)
}

/// How long `items` take: the bank's estimate, and the class's when `pace` is a record long
/// enough to trust.
pub fn estimate_minutes(items: &[&Item], pace: Option<Pace>) -> Estimate {
    let seconds: u64 = items.iter().map(|item| u64::from(item_seconds(item))).sum();
    let factor = pace.and_then(|pace| pace.factor());
    let class_minutes = factor.map(|factor| {
        // Seconds of homework are far below 2^52, so the float product is exact enough.
        let scaled = (seconds as f64 * f64::from(factor)).ceil() as u64;
        minutes_for_seconds(scaled)
    });
    Estimate { bank_minutes: minutes_for_seconds(seconds), class_minutes, factor }
}

/// What a teacher asks the automatic composer for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PickRequest {
    /// How many items.
    pub count: usize,
    /// The knowledge points to cover, in the teacher's order; empty means any.
    pub knowledge_points: Vec<String>,
    /// The time budget in the bank's minutes (divide a class target by [`Pace::factor`] first).
    pub target_minutes: Option<u32>,
    /// The difficulty to aim for, 1 (容易) … 5 (困难).
    pub difficulty: Option<u8>,
    /// Item ids not to use: already in this homework, or recently done by the class.
    pub exclude: Vec<String>,
}

/// Why fewer items were picked than asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Shortfall {
    /// Not enough unused, distinct candidates.
    NotEnoughItems { asked: usize, picked: usize },
    /// Further candidates existed but would have gone over the time budget.
    Budget { asked: usize, picked: usize, target_minutes: u32 },
}

impl Shortfall {
    /// The reason in English.
    pub fn label_en(&self) -> String {
        match self {
            Shortfall::NotEnoughItems { asked, picked } => {
                format!("Only {picked} of {asked} items: no more unused items match.")
            }
            Shortfall::Budget { asked, picked, target_minutes } => {
                format!("Only {picked} of {asked} items: more would exceed {target_minutes} minutes.")
            }
        }
    }
}

impl fmt::Display for Shortfall {
    /// The reason in Chinese, the interface's default language.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shortfall::NotEnoughItems { asked, picked } => {
                write!(f, "只选出 {picked} 道（要求 {asked} 道）：没有更多未用过的合适试题。")
            }
            Shortfall::Budget { asked, picked, target_minutes } => {
                write!(f, "只选出 {picked} 道（要求 {asked} 道）：再加会超过 {target_minutes} 分钟。")
            }
        }
    }
}

/// The composer's proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    /// Item ids in presentation order: objective items first, then open ones; easier first.
    pub items: Vec<String>,
    /// The bank's estimate for the picked items ([`estimate_minutes`]).
    pub minutes: u32,
    /// Picked items that carry none of the requested knowledge points: used only because the
    /// matching ones ran out, and listed so the page can say so.
    pub off_topic: Vec<String>,
    pub shortfall: Option<Shortfall>,
}

/// Picks items the way a teacher would. The requested knowledge points take turns (round-robin
/// in the teacher's order), so three points and six items give two each rather than six on the
/// first point with the most items. Within a point, items closest to the target difficulty come
/// first; among equally close ones the `seed` decides, so "again" gives another set and the same
/// seed gives the same set. An item that would go over the time budget is skipped (a shorter
/// one may still fit). Two items with the same normalised stem are never both picked: the bank
/// holds many copies of popular questions. Candidates with none of the requested points fill in
/// only when the matching ones run out, and are reported in [`Pick::off_topic`].
pub fn auto_pick(candidates: &[&Item], request: &PickRequest, seed: u64) -> Pick {
    let target = request.difficulty.map(|d| d.clamp(1, 5));
    let excluded: HashSet<&str> = request.exclude.iter().map(String::as_str).collect();
    let mut ids = HashSet::new();
    let mut pool: Vec<(u8, u64, &Item)> = candidates
        .iter()
        .copied()
        .filter(|item| !excluded.contains(item.id.as_str()) && ids.insert(item.id.as_str()))
        .map(|item| (difficulty_distance(item, target), stable_hash(seed, &item.id), item))
        .collect();
    pool.sort_by(|a, b| (a.0, a.1, &a.2.id).cmp(&(b.0, b.1, &b.2.id)));

    let mut wanted: Vec<&str> = Vec::new();
    for kp in &request.knowledge_points {
        let kp = kp.trim();
        if !kp.is_empty() && !wanted.contains(&kp) {
            wanted.push(kp);
        }
    }
    let budget = request.target_minutes.map(|m| u64::from(m) * 60);
    let mut picker = Picker::new(request.count, budget);
    let queues: Vec<Vec<&Item>> =
        wanted.iter().map(|kp| pool.iter().map(|c| c.2).filter(|item| has_point(item, kp)).collect()).collect();
    picker.round_robin(&queues);
    let on_topic = picker.picked().len();
    picker.take_in_order(pool.iter().map(|c| c.2).filter(|item| !wanted.iter().any(|kp| has_point(item, kp))));

    let off_topic: Vec<String> =
        if wanted.is_empty() { Vec::new() } else { picker.picked()[on_topic..].iter().map(|i| i.id.clone()).collect() };
    let picked = picker.picked().len();
    let shortfall = (picked < request.count).then(|| match request.target_minutes {
        Some(target_minutes) if picker.budget_skipped() => {
            Shortfall::Budget { asked: request.count, picked, target_minutes }
        }
        _ => Shortfall::NotEnoughItems { asked: request.count, picked },
    });
    let minutes = minutes_for_seconds(picker.seconds());
    let items = presentation_order(picker.picked()).into_iter().map(|item| item.id.clone()).collect();
    Pick { items, minutes, off_topic, shortfall }
}

/// How far an item's difficulty is from the target (unrated items count as
/// [`UNRATED_DIFFICULTY`]); every item is equally close when there is no target.
fn difficulty_distance(item: &Item, target: Option<u8>) -> u8 {
    target.map_or(0, |target| effective_difficulty(item).abs_diff(target))
}

/// An item's difficulty on the 1–5 scale, unrated ones in the middle.
pub fn effective_difficulty(item: &Item) -> u8 {
    item.difficulty.map_or(UNRATED_DIFFICULTY, |d| d.clamp(1, 5))
}

fn has_point(item: &Item, kp: &str) -> bool {
    item.knowledge_points.iter().any(|p| p.trim() == kp)
}
