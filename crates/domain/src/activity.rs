//! Activity records: xAPI-shaped statements (actor, verb, object, context, result, time) that every
//! feature appends and from which reports and the cockpit are computed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who did something: a kind (`teacher`, `student`, `guardian`, `account`, `system`) and an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorRef {
    pub kind: String,
    pub id: String,
}

/// What it was done to: a kind (`resource`, `exercise`, `homework`, `class`, …) and an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: String,
    pub id: String,
}

/// One statement. Records are append-only: the stores offer no way to change or remove one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRecord {
    pub actor: ActorRef,
    /// A short verb in the platform's vocabulary (`viewed`, `downloaded`, `submitted`, `answered`, …),
    /// mapped to xAPI verb IRIs at the export edge.
    pub verb: String,
    pub object: ObjectRef,
    /// Context: the school the activity happened in, where there is one.
    pub school_id: Option<String>,
    /// Context: the class, where there is one.
    pub class_id: Option<String>,
    /// Result (score, success, duration, response …) as a JSON object.
    pub result: Option<serde_json::Value>,
    /// When it happened, supplied by the caller (pure code takes the clock as a parameter).
    pub timestamp: DateTime<Utc>,
}
