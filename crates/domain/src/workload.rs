//! Written-homework time limits (双减): how many minutes of written homework a class may get in one
//! day, across all subjects. Pure rules: the caller supplies the day's existing total.
//!
//! The national rule (2021 《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》): no
//! written homework in grades 1–2, at most 60 minutes a day on average in grades 3–6 and 90 in
//! grades 7–9; senior secondary has no national limit. Districts may set their own.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// Minutes in a day: no limit can sensibly exceed it.
const MINUTES_PER_DAY: u32 = 24 * 60;

/// The limits a district configures, in minutes of written homework per day. `0` means no written
/// homework at all; `None` (senior secondary only) means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadConfig {
    pub grades_1_2: u32,
    pub grades_3_6: u32,
    pub grades_7_9: u32,
    pub grades_10_12: Option<u32>,
}

impl Default for WorkloadConfig {
    /// The national 双减 rule.
    fn default() -> Self {
        WorkloadConfig { grades_1_2: 0, grades_3_6: 60, grades_7_9: 90, grades_10_12: None }
    }
}

/// Validated limits per grade band. Build one with [`WorkloadPolicy::new`], or take the national
/// rule with [`WorkloadPolicy::default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkloadPolicy {
    config: WorkloadConfig,
}

impl WorkloadPolicy {
    /// A policy from a district's configuration; rejects a limit longer than a day, which can only
    /// be a typo (e.g. hours × 600).
    pub fn new(config: WorkloadConfig) -> Result<Self, DomainError> {
        let limits = [
            ("grades_1_2", Some(config.grades_1_2)),
            ("grades_3_6", Some(config.grades_3_6)),
            ("grades_7_9", Some(config.grades_7_9)),
            ("grades_10_12", config.grades_10_12),
        ];
        for (band, limit) in limits {
            if let Some(minutes) = limit.filter(|&m| m > MINUTES_PER_DAY) {
                return Err(DomainError::Invalid {
                    what: "workload limit",
                    id: band.to_owned(),
                    reason: format!("{minutes} minutes is more than a day"),
                });
            }
        }
        Ok(WorkloadPolicy { config })
    }

    /// The configuration this policy was built from.
    pub fn config(&self) -> &WorkloadConfig {
        &self.config
    }

    /// The daily limit in minutes for a grade (1–12), `None` when there is none.
    pub fn limit_for(&self, grade: u8) -> Result<Option<u32>, DomainError> {
        match grade {
            1..=2 => Ok(Some(self.config.grades_1_2)),
            3..=6 => Ok(Some(self.config.grades_3_6)),
            7..=9 => Ok(Some(self.config.grades_7_9)),
            10..=12 => Ok(self.config.grades_10_12),
            _ => Err(DomainError::Invalid {
                what: "grade",
                id: grade.to_string(),
                reason: "school grades run from 1 to 12".to_owned(),
            }),
        }
    }
}

/// Whether a day's written homework fits the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum WorkloadVerdict {
    /// Within the limit (exactly at it counts as within); `limit` is `None` where there is none.
    Ok { total: u32, limit: Option<u32> },
    /// More than the limit, by `over_by` minutes.
    OverLimit { total: u32, limit: u32, over_by: u32 },
    /// The grade may not get written homework (limit 0), and the day would have some.
    NoWrittenHomework,
}

/// Checks whether assigning `new_minutes` more of written homework to a class in `grade` on `date`,
/// on top of `already_assigned_minutes` that day across all subjects, stays within `policy`.
///
/// The national rule is the same on every day, so `date` does not change the verdict yet; it is
/// part of the signature so district calendars (holidays, exam weeks) can be added without
/// changing callers. Errors only for a grade outside 1–12.
pub fn check(
    policy: &WorkloadPolicy,
    grade: u8,
    date: NaiveDate,
    already_assigned_minutes: u32,
    new_minutes: u32,
) -> Result<WorkloadVerdict, DomainError> {
    let _ = date;
    let total = already_assigned_minutes.saturating_add(new_minutes);
    let verdict = match policy.limit_for(grade)? {
        None => WorkloadVerdict::Ok { total, limit: None },
        Some(0) if total > 0 => WorkloadVerdict::NoWrittenHomework,
        Some(limit) if total > limit => WorkloadVerdict::OverLimit { total, limit, over_by: total - limit },
        Some(limit) => WorkloadVerdict::Ok { total, limit: Some(limit) },
    };
    Ok(verdict)
}

/// Minutes of homework per day, for a class teacher's view of what all subjects have assigned.
pub fn daily_totals(assignments: &[(NaiveDate, u32)]) -> BTreeMap<NaiveDate, u32> {
    let mut totals = BTreeMap::new();
    for &(date, minutes) in assignments {
        let total: &mut u32 = totals.entry(date).or_default();
        *total = total.saturating_add(minutes);
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).expect("a valid March date")
    }

    #[test]
    fn national_rule_per_band_and_boundary() {
        let policy = WorkloadPolicy::default();
        use WorkloadVerdict::{NoWrittenHomework, Ok as Fits, OverLimit};
        // (grade, already, new, verdict)
        let cases: &[(u8, u32, u32, WorkloadVerdict)] = &[
            (1, 0, 10, NoWrittenHomework),
            (2, 15, 0, NoWrittenHomework),
            (2, 0, 0, Fits { total: 0, limit: Some(0) }),
            (3, 30, 20, Fits { total: 50, limit: Some(60) }),
            (6, 40, 20, Fits { total: 60, limit: Some(60) }),
            (6, 40, 21, OverLimit { total: 61, limit: 60, over_by: 1 }),
            (7, 60, 30, Fits { total: 90, limit: Some(90) }),
            (9, 60, 31, OverLimit { total: 91, limit: 90, over_by: 1 }),
            (9, 0, 120, OverLimit { total: 120, limit: 90, over_by: 30 }),
            (10, 200, 100, Fits { total: 300, limit: None }),
            (12, u32::MAX, 5, Fits { total: u32::MAX, limit: None }),
        ];
        for (grade, already, new, verdict) in cases {
            assert_eq!(check(&policy, *grade, day(3), *already, *new), Result::Ok(*verdict), "grade {grade}");
        }
    }

    #[test]
    fn grades_outside_school_are_rejected() {
        let policy = WorkloadPolicy::default();
        assert!(check(&policy, 0, day(3), 0, 10).is_err());
        assert!(check(&policy, 13, day(3), 0, 10).is_err());
    }

    #[test]
    fn districts_can_change_the_limits() {
        let config = WorkloadConfig { grades_1_2: 10, grades_3_6: 45, grades_10_12: Some(120), ..Default::default() };
        let policy = WorkloadPolicy::new(config).expect("valid limits");
        assert_eq!(check(&policy, 1, day(3), 0, 10), Result::Ok(WorkloadVerdict::Ok { total: 10, limit: Some(10) }));
        assert_eq!(
            check(&policy, 5, day(3), 30, 20),
            Result::Ok(WorkloadVerdict::OverLimit { total: 50, limit: 45, over_by: 5 })
        );
        assert_eq!(policy.limit_for(8), Result::Ok(Some(90)));
        assert_eq!(
            check(&policy, 11, day(3), 100, 21),
            Result::Ok(WorkloadVerdict::OverLimit { total: 121, limit: 120, over_by: 1 })
        );
        let typo = WorkloadConfig { grades_7_9: 9000, ..Default::default() };
        assert!(matches!(WorkloadPolicy::new(typo), Err(DomainError::Invalid { id, .. }) if id == "grades_7_9"));
        let parsed: WorkloadConfig = serde_json::from_str(r#"{"grades_3_6": 50}"#).expect("partial config");
        assert_eq!(parsed, WorkloadConfig { grades_3_6: 50, ..Default::default() });
    }

    #[test]
    fn daily_totals_add_up_per_day() {
        let totals = daily_totals(&[(day(4), 20), (day(3), 15), (day(4), 25), (day(5), 0), (day(3), u32::MAX)]);
        let expected: BTreeMap<NaiveDate, u32> = [(day(3), u32::MAX), (day(4), 45), (day(5), 0)].into_iter().collect();
        assert_eq!(totals, expected);
        assert!(daily_totals(&[]).is_empty());
    }
}
