//! School timetabling: the model, the solver, an independent checker and FET file exchange.
//!
//! Pure: no files, no clock, no global randomness. Time budgets arrive as a stop callback,
//! randomness comes from a seed.
pub mod check;
mod compile;
pub mod error;
pub mod fet;
pub mod model;
pub mod platform;
pub mod school;
mod search;
pub mod solve;

pub use check::{Report, Violation, check};
pub use error::{Result, TimetableError};
pub use model::{
    Activity, ChangeLimit, Constraint, FULL_WEIGHT, Kind, Placement, Problem, Resource, Room, Rule, Slot, StudentSet,
    Timetable,
};
pub use solve::{Control, ExplainConfig, Explanation, Solution, SolveConfig, explain_infeasible, solve};
