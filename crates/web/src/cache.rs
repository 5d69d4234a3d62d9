//! A small in-memory map whose entries expire, shared by the hot paths that would otherwise ask
//! the store the same question on every request (who a credential belongs to, where a record
//! sits in the org tree, an item's answer key).
//!
//! Two ways an entry stops being trusted: its age passes the map's time to live (a bound on how
//! long a change made elsewhere, say by the CLI in another process, goes unseen), and
//! [`TtlMap::clear`], which the code that makes a change in this process calls so the change
//! takes effect at once. The map is emptied when it reaches its bound: simpler than an eviction
//! order, and one evening's working set fits.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::Mutex,
    time::{Duration, Instant},
};

/// A bounded map of values that expire after a fixed time.
#[derive(Debug)]
pub struct TtlMap<K, V> {
    ttl: Duration,
    bound: usize,
    entries: Mutex<Inner<K, V>>,
}

#[derive(Debug)]
struct Inner<K, V> {
    /// Bumped by `clear`, so a value read from the store before a change is not stored after it.
    generation: u64,
    map: HashMap<K, (Instant, V)>,
}

/// Proof of when a caller started reading the store for a value, handed back to
/// [`TtlMap::insert`]: a value read before a [`TtlMap::clear`] is dropped instead of stored.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    pub fn new(ttl: Duration, bound: usize) -> TtlMap<K, V> {
        TtlMap { ttl, bound, entries: Mutex::new(Inner { generation: 0, map: HashMap::new() }) }
    }

    /// The value stored for `key` if it is still fresh; otherwise a ticket to store one read now.
    pub fn get(&self, key: &K) -> Result<V, Ticket> {
        let now = Instant::now();
        let inner = self.lock();
        match inner.map.get(key) {
            Some((at, value)) if now.duration_since(*at) < self.ttl => Ok(value.clone()),
            _ => Err(Ticket(inner.generation)),
        }
    }

    /// Stores a value read from the store since `ticket` was taken, unless the map was cleared
    /// in between (then the value may predate the change and is not kept).
    pub fn insert(&self, ticket: Ticket, key: K, value: V) {
        let mut inner = self.lock();
        if inner.generation != ticket.0 {
            return;
        }
        if inner.map.len() >= self.bound {
            inner.map.clear();
        }
        inner.map.insert(key, (Instant::now(), value));
    }

    /// Forgets one key. Values being read at this moment (for any key) are not stored either: the
    /// map cannot tell which of them raced this change, and a few extra store reads cost little.
    pub fn remove(&self, key: &K) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.map.remove(key);
    }

    /// Forgets everything, including values being read at this moment.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.map.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock leaves the map in a valid state (every operation is a
        // single HashMap call), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_value_is_returned_and_an_old_one_is_not() {
        let map = TtlMap::new(Duration::from_millis(50), 10);
        let ticket = map.get(&"a").unwrap_err();
        map.insert(ticket, "a", 1);
        assert_eq!(map.get(&"a").ok(), Some(1));
        std::thread::sleep(Duration::from_millis(60));
        assert!(map.get(&"a").is_err());
    }

    #[test]
    fn a_value_read_before_a_clear_is_not_stored() {
        let map = TtlMap::new(Duration::from_secs(60), 10);
        let ticket = map.get(&"a").unwrap_err();
        map.clear();
        map.insert(ticket, "a", 1);
        assert!(map.get(&"a").is_err(), "a read that raced a change must not be cached");
        let ticket = map.get(&"a").unwrap_err();
        map.insert(ticket, "a", 2);
        assert_eq!(map.get(&"a").ok(), Some(2));
    }

    #[test]
    fn the_bound_empties_the_map_instead_of_growing() {
        let map = TtlMap::new(Duration::from_secs(60), 2);
        for k in 0..3 {
            let ticket = map.get(&k).unwrap_err();
            map.insert(ticket, k, k);
        }
        assert!(map.get(&0).is_err());
        assert!(map.get(&1).is_err());
        assert_eq!(map.get(&2).ok(), Some(2));
    }

    #[test]
    fn remove_forgets_one_key() {
        let map = TtlMap::new(Duration::from_secs(60), 10);
        for k in 0..2 {
            let ticket = map.get(&k).unwrap_err();
            map.insert(ticket, k, k);
        }
        map.remove(&0);
        assert!(map.get(&0).is_err());
        assert_eq!(map.get(&1).ok(), Some(1));
    }
}
