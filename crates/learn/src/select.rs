//! Targeted item selection: given one student's estimates and a pool of items, choose the items that
//! should teach the most now.
//!
//! Rules, in order of precedence:
//! 1. An item given within the last `min_gap` (in the caller's unit: days, assignments…) is never
//!    chosen again.
//! 2. Knowledge points below `mastered` are the targets, weakest first. A target whose
//!    prerequisites are not yet at `prerequisite_ready` is held back, and its unmastered
//!    prerequisites are promoted instead (learn what comes first, first).
//! 3. Among items on target knowledge points, those the student should answer correctly with a
//!    probability inside `band` (≈0.6–0.8: hard enough to learn from, easy enough not to
//!    discourage) are preferred; the further outside, the lower the score.
//! 4. Each pick halves the need of its knowledge points, so N items spread over several weak
//!    points instead of drilling one.
//! 5. When no target remains, items for review (mastered points, in band) fill the rest.
//!
//! Ties are broken by a seeded random order, so the same inputs and seed give the same items on
//! every machine. The caller's `stop` callback is checked between picks: when it fires, the items
//! chosen so far are returned with `complete = false`.

use std::collections::{HashMap, HashSet};

use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{LearnError, Stop, irt::ItemParams};

/// An item that could be given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolItem {
    pub id: String,
    pub knowledge_points: Vec<String>,
    /// IRT parameters, when calibrated.
    pub irt: Option<ItemParams>,
    /// How long ago this student last got the item (caller's unit); `None` if never.
    pub since_last_given: Option<u32>,
}

/// Knowledge points with their prerequisites.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnowledgeGraph {
    prerequisites: HashMap<String, Vec<String>>,
}

impl KnowledgeGraph {
    pub fn new(edges: impl IntoIterator<Item = (String, Vec<String>)>) -> KnowledgeGraph {
        KnowledgeGraph { prerequisites: edges.into_iter().collect() }
    }

    /// The graph of the curriculum's knowledge points.
    pub fn from_points(points: &[domain::KnowledgePoint]) -> KnowledgeGraph {
        KnowledgeGraph::new(points.iter().map(|k| (k.id.clone(), k.prerequisite_ids.clone())))
    }

    pub fn prerequisites(&self, knowledge_point: &str) -> &[String] {
        self.prerequisites.get(knowledge_point).map_or(&[], Vec::as_slice)
    }
}

/// Selection settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectConfig {
    pub count: usize,
    /// Preferred range of predicted success.
    pub band: (f64, f64),
    /// P(known) at or above which a knowledge point counts as mastered.
    pub mastered: f64,
    /// P(known) every prerequisite needs before a knowledge point is targeted.
    pub prerequisite_ready: f64,
    /// Items given more recently than this are not repeated.
    pub min_gap: u32,
    pub seed: u64,
}

impl Default for SelectConfig {
    fn default() -> Self {
        SelectConfig { count: 5, band: (0.6, 0.8), mastered: 0.95, prerequisite_ready: 0.6, min_gap: 7, seed: 0 }
    }
}

/// Why an item was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    /// Practises an unmastered knowledge point.
    Weak,
    /// Practises a prerequisite of an unmastered knowledge point.
    Prerequisite,
    /// Nothing left to target: keeps a mastered point fresh.
    Review,
}

/// One chosen item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chosen {
    pub id: String,
    /// The knowledge point it was chosen for.
    pub knowledge_point: String,
    pub p_correct: f64,
    pub score: f64,
    pub reason: Reason,
}

/// The result of a selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    pub items: Vec<Chosen>,
    /// False when the time budget ran out before `count` picks were considered.
    pub complete: bool,
}

/// How well a predicted success probability fits the band: 1 inside, falling off outside.
fn band_fit(p: f64, band: (f64, f64)) -> f64 {
    let distance = if p < band.0 {
        band.0 - p
    } else if p > band.1 {
        p - band.1
    } else {
        0.0
    };
    (-(distance / 0.15).powi(2)).exp()
}

/// Chooses up to `config.count` items. `mastery(kp)` gives P(known) of a knowledge point,
/// `p_correct(item)` the predicted success on an item.
pub fn select(
    pool: &[PoolItem],
    graph: &KnowledgeGraph,
    mastery: &dyn Fn(&str) -> f64,
    p_correct: &dyn Fn(&PoolItem) -> f64,
    config: &SelectConfig,
    stop: Stop,
) -> Result<Selection, LearnError> {
    let (lo, hi) = config.band;
    if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo > hi {
        return Err(LearnError::bad(format!("selection: band ({lo}, {hi}) must lie within [0, 1] with low ≤ high")));
    }
    if !(0.0..=1.0).contains(&config.mastered) || !(0.0..=1.0).contains(&config.prerequisite_ready) {
        return Err(LearnError::bad("selection: mastery thresholds must lie within [0, 1]"));
    }
    // Mastery of every knowledge point in play (pool points and their prerequisites).
    let mut m: HashMap<&str, f64> = HashMap::new();
    for item in pool {
        for kp in &item.knowledge_points {
            m.entry(kp.as_str()).or_insert_with(|| mastery(kp));
            for pre in graph.prerequisites(kp) {
                m.entry(pre.as_str()).or_insert_with(|| mastery(pre));
            }
        }
    }
    // Need per knowledge point, and which are promoted prerequisites.
    let mut need: HashMap<&str, f64> = HashMap::new();
    let mut promoted: HashSet<&str> = HashSet::new();
    let mut keys: Vec<&str> = m.keys().copied().collect();
    keys.sort_unstable();
    for &kp in &keys {
        let mk = m[kp];
        if mk >= config.mastered {
            continue;
        }
        let blockers: Vec<&str> = graph
            .prerequisites(kp)
            .iter()
            .map(String::as_str)
            .filter(|p| m.get(p).copied().unwrap_or(0.0) < config.prerequisite_ready)
            .collect();
        if blockers.is_empty() {
            *need.entry(kp).or_insert(0.0) += 1.0 - mk;
        } else {
            for p in blockers {
                // A prerequisite that unblocks something is worth more than its own gap alone.
                *need.entry(p).or_insert(0.0) += 0.5 * (1.0 - m.get(p).copied().unwrap_or(0.0));
                promoted.insert(p);
            }
        }
    }
    // Candidate order: seeded shuffle, so equal scores are broken the same way for the same seed.
    let mut candidates: Vec<(usize, f64)> = pool
        .iter()
        .enumerate()
        .filter(|(_, item)| item.since_last_given.is_none_or(|g| g >= config.min_gap))
        .map(|(i, item)| (i, p_correct(item).clamp(0.0, 1.0)))
        .collect();
    candidates.shuffle(&mut ChaCha8Rng::seed_from_u64(config.seed));
    let mut chosen: Vec<Chosen> = Vec::new();
    let mut taken: HashSet<usize> = HashSet::new();
    let mut complete = true;
    while chosen.len() < config.count {
        if stop() {
            complete = false;
            break;
        }
        let mut best: Option<(usize, f64, f64, &str, Reason)> = None;
        for &(i, p) in &candidates {
            if taken.contains(&i) {
                continue;
            }
            let fit = band_fit(p, config.band);
            // The item's best target among its knowledge points.
            let target = pool[i]
                .knowledge_points
                .iter()
                .filter_map(|kp| need.get(kp.as_str()).map(|n| (kp.as_str(), *n)))
                .filter(|(_, n)| *n > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let (kp, score, reason) = match target {
                Some((kp, n)) => {
                    let reason = if promoted.contains(kp) { Reason::Prerequisite } else { Reason::Weak };
                    (kp, 1.0 + n * fit, reason)
                }
                None => match pool[i].knowledge_points.first() {
                    // Review items always rank below targeted ones (score < 1).
                    Some(kp) => (kp.as_str(), 0.5 * fit, Reason::Review),
                    None => continue,
                },
            };
            if best.is_none_or(|b| score > b.1) {
                best = Some((i, score, p, kp, reason));
            }
        }
        let Some((i, score, p, kp, reason)) = best else { break };
        taken.insert(i);
        for k in &pool[i].knowledge_points {
            if let Some(n) = need.get_mut(k.as_str()) {
                *n *= 0.5;
            }
        }
        chosen.push(Chosen { id: pool[i].id.clone(), knowledge_point: kp.to_owned(), p_correct: p, score, reason });
    }
    Ok(Selection { items: chosen, complete })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, kp: &str, difficulty: f64, since: Option<u32>) -> PoolItem {
        PoolItem {
            id: id.into(),
            knowledge_points: vec![kp.into()],
            irt: Some(ItemParams { discrimination: 1.0, difficulty }),
            since_last_given: since,
        }
    }

    fn run(pool: &[PoolItem], graph: &KnowledgeGraph, masteries: &[(&str, f64)], cfg: &SelectConfig) -> Selection {
        let map: HashMap<String, f64> = masteries.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mastery = move |kp: &str| map.get(kp).copied().unwrap_or(0.3);
        // Ability 0: P(correct) = σ(−b).
        let p = |it: &PoolItem| it.irt.map_or(0.5, |i| i.p_correct(0.0));
        select(pool, graph, &mastery, &p, cfg, &|| false).unwrap()
    }

    #[test]
    fn weak_points_first_in_band_no_recent_repeats() {
        let pool = vec![
            item("mastered-easy", "A", -1.0, None),  // p = 0.73 but A is mastered
            item("weak-hard", "B", 2.0, None),       // p = 0.12, out of band
            item("weak-band", "B", -1.0, None),      // p = 0.73
            item("weak-recent", "B", -1.2, Some(1)), // given yesterday
            item("mid-band", "C", -0.8, None),       // p = 0.69, C less weak than B
        ];
        let graph = KnowledgeGraph::default();
        let sel = run(
            &pool,
            &graph,
            &[("A", 0.97), ("B", 0.2), ("C", 0.7)],
            &SelectConfig { count: 3, ..Default::default() },
        );
        let ids: Vec<&str> = sel.items.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids[0], "weak-band");
        assert!(!ids.contains(&"weak-recent"));
        assert!(ids.contains(&"mid-band"));
        assert!(sel.complete);
        assert_eq!(sel.items[0].reason, Reason::Weak);
    }

    #[test]
    fn prerequisites_come_before_what_they_unlock() {
        let pool = vec![item("fractions", "frac", -1.0, None), item("division", "div", -1.0, None)];
        let graph = KnowledgeGraph::new([("frac".to_string(), vec!["div".to_string()])]);
        let sel = run(&pool, &graph, &[("frac", 0.1), ("div", 0.3)], &SelectConfig { count: 1, ..Default::default() });
        assert_eq!(sel.items[0].id, "division");
        assert_eq!(sel.items[0].reason, Reason::Prerequisite);
    }

    #[test]
    fn deterministic_given_seed_and_review_fills_in() {
        let pool: Vec<PoolItem> = (0..20).map(|i| item(&format!("i{i}"), "A", -1.0, None)).collect();
        let cfg = SelectConfig { count: 4, seed: 9, ..Default::default() };
        let a = run(&pool, &KnowledgeGraph::default(), &[("A", 0.99)], &cfg);
        let b = run(&pool, &KnowledgeGraph::default(), &[("A", 0.99)], &cfg);
        assert_eq!(a, b);
        assert_eq!(a.items.len(), 4);
        assert!(a.items.iter().all(|c| c.reason == Reason::Review));
        let c = run(&pool, &KnowledgeGraph::default(), &[("A", 0.99)], &SelectConfig { seed: 10, ..cfg });
        assert_ne!(a, c, "another seed breaks the ties differently");
    }

    #[test]
    fn stop_callback_ends_early() {
        let pool: Vec<PoolItem> = (0..10).map(|i| item(&format!("i{i}"), "A", 0.0, None)).collect();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let stop = || calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= 2;
        let sel =
            select(&pool, &KnowledgeGraph::default(), &|_| 0.2, &|_| 0.7, &SelectConfig::default(), &stop).unwrap();
        assert_eq!(sel.items.len(), 2);
        assert!(!sel.complete);
    }

    #[test]
    fn bad_band_is_refused() {
        let err = select(
            &[],
            &KnowledgeGraph::default(),
            &|_| 0.2,
            &|_| 0.7,
            &SelectConfig { band: (0.9, 0.1), ..Default::default() },
            &|| false,
        );
        assert!(matches!(err, Err(LearnError::BadInput(_))));
    }
}
