//! The bookkeeping shared by the automatic composer and the follow-up planner: taking items in
//! turns under a count and a time limit without picking the same question twice.

use std::collections::HashSet;

use super::{effective_difficulty, item_seconds};
use crate::items::{Item, normalize_text};

/// Collects picked items, refusing one that is already in, has the stem of one already in (or of
/// a blocked one), or would go over the time budget.
pub(in crate::homework) struct Picker<'a> {
    limit: usize,
    budget_seconds: Option<u64>,
    seconds: u64,
    picked: Vec<&'a Item>,
    ids: HashSet<&'a str>,
    stems: HashSet<String>,
    budget_skipped: bool,
}

impl<'a> Picker<'a> {
    /// A picker for at most `limit` items and, when given, `budget_seconds` of the bank's estimates.
    pub(in crate::homework) fn new(limit: usize, budget_seconds: Option<u64>) -> Self {
        Picker {
            limit,
            budget_seconds,
            seconds: 0,
            picked: Vec::new(),
            ids: HashSet::new(),
            stems: HashSet::new(),
            budget_skipped: false,
        }
    }

    /// Refuses items with this item's stem from now on (the item a student got wrong: a copy of it
    /// is not a new exercise).
    pub(in crate::homework) fn block_stem_of(&mut self, item: &Item) {
        if let Some(stem) = stem_key(item) {
            self.stems.insert(stem);
        }
    }

    /// The items taken so far, in the order they were taken.
    pub(in crate::homework) fn picked(&self) -> &[&'a Item] {
        &self.picked
    }

    /// Seconds of the items taken so far.
    pub(in crate::homework) fn seconds(&self) -> u64 {
        self.seconds
    }

    /// Whether some item was refused only because of the time budget.
    pub(in crate::homework) fn budget_skipped(&self) -> bool {
        self.budget_skipped
    }

    fn full(&self) -> bool {
        self.picked.len() >= self.limit
    }

    /// Takes `item` if it is new and fits; says whether it did.
    pub(in crate::homework) fn try_take(&mut self, item: &'a Item) -> bool {
        if self.full() || self.ids.contains(item.id.as_str()) {
            return false;
        }
        let stem = stem_key(item);
        if stem.as_ref().is_some_and(|s| self.stems.contains(s)) {
            return false;
        }
        let seconds = self.seconds + u64::from(item_seconds(item));
        if self.budget_seconds.is_some_and(|budget| seconds > budget) {
            self.budget_skipped = true;
            return false;
        }
        self.seconds = seconds;
        self.ids.insert(item.id.as_str());
        self.stems.extend(stem);
        self.picked.push(item);
        true
    }

    /// Gives each queue a turn in order, taking the first item of it that fits, until the limit is
    /// reached or no queue has a usable item left. Each queue is walked once: an item refused now
    /// (a duplicate, or over a budget that only shrinks) would be refused later too.
    pub(in crate::homework) fn round_robin(&mut self, queues: &[Vec<&'a Item>]) {
        let mut cursors = vec![0usize; queues.len()];
        loop {
            let mut took = false;
            for (queue, cursor) in queues.iter().zip(cursors.iter_mut()) {
                if self.full() {
                    return;
                }
                while let Some(&item) = queue.get(*cursor) {
                    *cursor += 1;
                    if self.try_take(item) {
                        took = true;
                        break;
                    }
                }
            }
            if !took {
                return;
            }
        }
    }

    /// Takes items in the given order while they fit.
    pub(in crate::homework) fn take_in_order(&mut self, items: impl IntoIterator<Item = &'a Item>) {
        for item in items {
            if self.full() {
                return;
            }
            self.try_take(item);
        }
    }
}

/// The order a student sees items in: objective ones first (they warm up and are marked at once),
/// open ones last; easier before harder within each; otherwise the order they were picked in.
pub(in crate::homework) fn presentation_order<'a>(items: &[&'a Item]) -> Vec<&'a Item> {
    let mut ordered = items.to_vec();
    ordered.sort_by_key(|item| (!item.item_type.is_objective(), effective_difficulty(item)));
    ordered
}

/// The normalised stem two copies of a question share; `None` for a stem with no text (an image
/// alone, say), which cannot be compared.
fn stem_key(item: &Item) -> Option<String> {
    let stem = normalize_text(&item.stem);
    (!stem.is_empty()).then_some(stem)
}

/// A hash of `text` under `seed` that is the same on every machine and Rust version (std's
/// `DefaultHasher` promises neither), so a seed reproduces a pick: FNV-1a over the bytes, then the
/// SplitMix64 finaliser so ids that differ in one character land far apart.
pub(in crate::homework) fn stable_hash(seed: u64, text: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 30;
    hash = hash.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash ^= hash >> 27;
    hash = hash.wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}
