//! Sign-in throttling per account and per client address: after a few failures each further
//! attempt must wait, doubling up to a ceiling. Nobody is locked out for good: the wait runs out,
//! and a success clears the account's count.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Failures allowed before waiting starts, per account and per address.
const FREE_FAILURES_ACCOUNT: u32 = 5;
const FREE_FAILURES_ADDRESS: u32 = 20;
/// The longest wait, however many failures.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const MEMORY: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The throttle's memory. One per server; entries expire on their own.
#[derive(Debug, Default)]
pub struct Throttle {
    accounts: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<String, Failures>>,
}

fn wait_for(f: Option<&Failures>, free: u32, now: Instant) -> Option<Duration> {
    let f = f?;
    if f.count < free || now.duration_since(f.last) > MEMORY {
        return None;
    }
    let doublings = (f.count - free).min(20);
    let wait = Duration::from_secs(1u64 << doublings).min(MAX_WAIT);
    let ready = f.last + wait;
    (ready > now).then(|| ready - now)
}

impl Throttle {
    /// How long the caller must wait before trying `login` from `address` again, if at all.
    pub fn wait(&self, login: &str, address: &str, now: Instant) -> Option<Duration> {
        let key = login.trim().to_lowercase();
        let account = self.accounts.lock().ok().and_then(|m| wait_for(m.get(&key), FREE_FAILURES_ACCOUNT, now));
        let addr = self.addresses.lock().ok().and_then(|m| wait_for(m.get(address), FREE_FAILURES_ADDRESS, now));
        account.max(addr)
    }

    /// Records a failed attempt.
    pub fn failed(&self, login: &str, address: &str, now: Instant) {
        let bump = |map: &Mutex<HashMap<String, Failures>>, key: String| {
            if let Ok(mut m) = map.lock() {
                // Forget stale entries now and then so the map cannot grow without bound.
                if m.len() > 100_000 {
                    m.retain(|_, f| now.duration_since(f.last) <= MEMORY);
                }
                let f = m.entry(key).or_insert(Failures { count: 0, last: now });
                if now.duration_since(f.last) > MEMORY {
                    f.count = 0;
                }
                f.count += 1;
                f.last = now;
            }
        };
        bump(&self.accounts, login.trim().to_lowercase());
        bump(&self.addresses, address.to_owned());
    }

    /// Records a success: the account's failures are forgotten (the address's are not, so one
    /// good password does not reset an attacker's count against other accounts).
    pub fn succeeded(&self, login: &str) {
        if let Ok(mut m) = self.accounts.lock() {
            m.remove(&login.trim().to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_free_failures_and_run_out() {
        let t = Throttle::default();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES_ACCOUNT {
            assert_eq!(t.wait("zhang", "1.2.3.4", start), None);
            t.failed("zhang", "1.2.3.4", start);
        }
        assert_eq!(t.wait("ZHANG ", "5.6.7.8", start), Some(Duration::from_secs(1)), "per account, any address");
        t.failed("zhang", "1.2.3.4", start);
        assert_eq!(t.wait("zhang", "1.2.3.4", start), Some(Duration::from_secs(2)));
        assert_eq!(t.wait("zhang", "1.2.3.4", start + Duration::from_secs(3)), None, "the wait runs out");
        assert_eq!(t.wait("li", "5.6.7.8", start), None, "other accounts are not affected");
        t.succeeded("zhang");
        assert_eq!(t.wait("zhang", "9.9.9.9", start), None);
    }

    #[test]
    fn one_address_trying_many_accounts_is_slowed_too() {
        let t = Throttle::default();
        let now = Instant::now();
        for i in 0..FREE_FAILURES_ADDRESS {
            t.failed(&format!("user{i}"), "6.6.6.6", now);
        }
        assert!(t.wait("someone-new", "6.6.6.6", now).is_some());
        assert!(t.wait("someone-new", "7.7.7.7", now).is_none());
    }

    #[test]
    fn the_wait_is_capped() {
        let t = Throttle::default();
        let now = Instant::now();
        for _ in 0..100 {
            t.failed("x", "a", now);
        }
        assert_eq!(t.wait("x", "b", now), Some(MAX_WAIT));
    }
}
