//! The plan file `bench homework prepare` writes and `bench homework run` reads: who the virtual
//! students are, the token each signs in with, and the homework each has with the answers to send.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use domain::{
    grading::Response,
    homework::MAX_ANSWER_CHARS,
    items::{AnswerKey, Item},
};
use serde::{Deserialize, Serialize};

/// The plan format's version: `run` refuses a plan of another.
pub const PLAN_VERSION: u32 = 1;

/// Everything a load run needs, and nothing it would have to ask the server for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub version: u32,
    pub created_at: DateTime<Utc>,
    /// `sqlite` or `postgres`: the store the plan was written into.
    pub backend: String,
    /// Homework each class got (the run's rounds).
    pub rounds: u32,
    pub students: Vec<PlanStudent>,
    pub homework: Vec<PlanHomework>,
}

/// One virtual student.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanStudent {
    pub student_id: String,
    pub class_id: String,
    /// The API token (a secret: the plan file is as sensitive as the tokens in it).
    pub token: String,
    /// Their homework, one per round, in round order.
    pub homework_ids: Vec<String>,
}

/// One class's homework and the answers its students send.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanHomework {
    pub homework_id: String,
    pub class_id: String,
    pub subject: String,
    pub answers: Vec<PlanAnswer>,
}

/// One answer to send for one item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanAnswer {
    pub item_id: String,
    pub item_type: String,
    pub response: Response,
}

impl Plan {
    pub fn read(path: &Path) -> anyhow::Result<Plan> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the plan {}", path.display()))?;
        let plan: Plan = serde_json::from_str(&text).with_context(|| format!("{} is not a plan", path.display()))?;
        if plan.version != PLAN_VERSION {
            anyhow::bail!(
                "{} is a version {} plan; this binary reads version {PLAN_VERSION} (prepare it again)",
                path.display(),
                plan.version
            );
        }
        Ok(plan)
    }

    /// Writes the plan readable by its owner only: it holds every student's token.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write;

        let json = serde_json::to_string_pretty(self)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).with_context(|| format!("cannot write the plan {}", path.display()))?;
        file.write_all(json.as_bytes()).with_context(|| format!("cannot write the plan {}", path.display()))
    }
}

/// What a student answers to an item: the key's answer, or with `wrong` a plausible wrong one, so
/// grading takes both paths as in a real class.
pub fn response_for(item: &Item, wrong: bool) -> Response {
    match &item.answer {
        AnswerKey::Choices(labels) => {
            if wrong && let Some(other) = item.choices.iter().find(|c| !labels.contains(&c.label)) {
                return Response::Choices(vec![other.label.clone()]);
            }
            Response::Choices(labels.clone())
        }
        AnswerKey::TrueFalse(value) => Response::TrueFalse(*value != wrong),
        AnswerKey::Blanks(blanks) => Response::Blanks(
            blanks
                .iter()
                .map(|accepted| {
                    if wrong {
                        // A number no key of this blank accepts.
                        let miss = ["0", "1", "-1"].into_iter().find(|w| !accepted.iter().any(|a| a == w));
                        miss.unwrap_or("无").to_owned()
                    } else {
                        accepted.first().cloned().unwrap_or_default()
                    }
                })
                .collect(),
        ),
        // Open questions are marked by the teacher: send the reference (within the length limit).
        AnswerKey::Reference(text) => Response::Text(text.chars().take(MAX_ANSWER_CHARS.min(400)).collect()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use domain::grading::{GradingOptions, Outcome, grade};

    use super::*;

    /// Right answers grade right and wrong ones wrong, for every objective item of the demo bank.
    #[test]
    fn responses_grade_as_intended() {
        let mut seen = std::collections::HashSet::new();
        for item in demo::bank::items(400, 7) {
            let right = grade(&item, &response_for(&item, false), 1.0, &GradingOptions::default());
            let wrong = grade(&item, &response_for(&item, true), 1.0, &GradingOptions::default());
            seen.insert(item.item_type.code());
            if item.item_type.is_objective() {
                assert_eq!(right.outcome, Outcome::Correct, "{item:?}");
                assert_ne!(wrong.outcome, Outcome::Correct, "{item:?}");
            } else {
                assert_eq!(right.outcome, Outcome::NeedsTeacher);
            }
        }
        assert!(seen.len() >= 4, "the demo bank has most item types: {seen:?}");
    }

    #[test]
    fn plans_round_trip_and_refuse_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        let item = demo::bank::items(1, 1).next().unwrap();
        let mut plan = Plan {
            version: PLAN_VERSION,
            created_at: Utc::now(),
            backend: "sqlite".into(),
            rounds: 1,
            students: vec![PlanStudent {
                student_id: "stu-1".into(),
                class_id: "cls-1".into(),
                token: "zjt_x".into(),
                homework_ids: vec!["hw-1".into()],
            }],
            homework: vec![PlanHomework {
                homework_id: "hw-1".into(),
                class_id: "cls-1".into(),
                subject: "math".into(),
                answers: vec![PlanAnswer {
                    item_id: item.id.clone(),
                    item_type: item.item_type.code().into(),
                    response: response_for(&item, false),
                }],
            }],
        };
        plan.write(&path).unwrap();
        let back = Plan::read(&path).unwrap();
        assert_eq!(back.students[0].homework_ids, ["hw-1"]);
        assert_eq!(back.homework[0].answers[0].response, plan.homework[0].answers[0].response);
        plan.version = 99;
        plan.write(&path).unwrap();
        assert!(Plan::read(&path).unwrap_err().to_string().contains("version 99"));
    }
}
