//! A past term of marked math homework for the demo district, so mastery pages, the class heatmap
//! and mastery-based follow-ups show something real from the first start.
//!
//! Students answer as knowledge tracing assumes they do: each has an ability, each knowledge point
//! a difficulty; a student knows a point or not, answers right with probability 1 − slip when
//! known and guess when not, and may learn it after each attempt (faster when able). An item with
//! several points needs all of them. Answers are graded with `domain::grading`, as the platform
//! grades them. Pure and seeded: the same roster, bank, seed and `now` give the same history.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::{
    Roster, Subject,
    grading::{self, Response},
    homework::{Answer, Homework, HomeworkItem, HomeworkKind, Mark, Mode, Submission, SubmissionState},
    items::{AnswerKey, Item},
};
use rand::{Rng, SeedableRng, seq::IndexedRandom, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;

/// How much history to make.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryConfig {
    pub seed: u64,
    /// Homework per class, one every few days before `now`.
    pub homework: usize,
    pub items_per_homework: usize,
    /// Most classes to give history to (the demo teacher's class is always among them).
    pub max_classes: usize,
    /// The instant the history ends (the last homework is due a day before).
    pub now: DateTime<Utc>,
}

impl HistoryConfig {
    /// The demo's history: eight homework of six items per class, at most twelve classes.
    pub fn demo(seed: u64, now: DateTime<Utc>) -> HistoryConfig {
        HistoryConfig { seed, homework: 8, items_per_homework: 6, max_classes: 12, now }
    }
}

/// Past homework (released) and every assigned student's submitted, marked work.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Each homework with the students it was assigned to.
    pub homework: Vec<(Homework, Vec<String>)>,
    pub submissions: Vec<Submission>,
}

const GUESS: f64 = 0.2;
const SLIP: f64 = 0.1;

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The school whose classes get history: the demo accounts' school (the first group's lead).
fn demo_school(roster: &Roster) -> Option<&str> {
    roster.school_groups.first().map(|g| g.lead_school_id.as_str())
}

/// A response to `item` that is right or wrong as asked (the grader then marks it).
fn response(item: &Item, right: bool, rng: &mut ChaCha8Rng) -> Response {
    match &item.answer {
        AnswerKey::Choices(key) if right => Response::Choices(key.clone()),
        AnswerKey::Choices(key) => {
            let wrong: Vec<&str> =
                item.choices.iter().map(|c| c.label.as_str()).filter(|l| !key.iter().any(|k| k == l)).collect();
            Response::Choices(vec![wrong.choose(rng).copied().unwrap_or("Z").to_owned()])
        }
        AnswerKey::TrueFalse(value) => Response::TrueFalse(*value == right),
        AnswerKey::Blanks(blanks) if right => {
            Response::Blanks(blanks.iter().map(|b| b.first().cloned().unwrap_or_default()).collect())
        }
        AnswerKey::Blanks(blanks) => Response::Blanks(blanks.iter().map(|_| "？".to_owned()).collect()),
        AnswerKey::Reference(text) => Response::Text(if right { text.clone() } else { "不会".to_owned() }),
    }
}

/// The history of the demo school's math classes (grade 3 and up), simulated over `bank`.
pub fn history(roster: &Roster, bank: &[Item], config: &HistoryConfig) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x6869_7374);
    let Some(school) = demo_school(roster) else { return History::default() };
    // The demo teacher's class first (the first headed class of grade 3 or above, as in
    // `accounts`), then the rest in roster order.
    let mut classes: Vec<&domain::Class> =
        roster.classes.iter().filter(|c| c.school_id == school && c.grade >= 3).collect();
    if let Some(at) = classes.iter().position(|c| c.head_teacher_id.is_some()) {
        let first = classes.remove(at);
        classes.insert(0, first);
    }
    let mut history = History::default();
    let mut difficulty: HashMap<&str, f64> = HashMap::new();
    let mut taken = 0;
    for class in classes {
        if taken >= config.max_classes {
            break;
        }
        let mut pool: Vec<&Item> = bank
            .iter()
            .filter(|i| i.subject == Some(Subject::Math) && i.grade == Some(class.grade))
            .filter(|i| i.item_type.is_objective() && !i.knowledge_points.is_empty())
            .collect();
        let teacher = class.head_teacher_id.clone().or_else(|| {
            roster.teaching_assignments.iter().find(|t| t.class_id == class.id).map(|t| t.teacher_id.clone())
        });
        let (Some(teacher), true) = (teacher, pool.len() >= config.items_per_homework) else { continue };
        taken += 1;
        // The term used half the class's items (some more than once); the other half stays new,
        // for targeted follow-ups to pick from.
        pool.shuffle(&mut rng);
        pool.truncate((pool.len() / 2).max(config.items_per_homework));
        let students: Vec<&str> =
            roster.students.iter().filter(|s| s.class_id == class.id).map(|s| s.id.as_str()).collect();
        for item in &pool {
            for kp in &item.knowledge_points {
                difficulty.entry(kp.as_str()).or_insert_with(|| 0.8 * normal(&mut rng));
            }
        }
        // Each student: an ability and, per knowledge point, whether they know it yet.
        let ability: Vec<f64> = students.iter().map(|_| normal(&mut rng)).collect();
        let mut known: Vec<HashMap<&str, bool>> = vec![HashMap::new(); students.len()];
        for k in 0..config.homework {
            let back = (config.homework - k) as i64;
            let due = config.now - Duration::hours(back * 84 + 24);
            let mut items: Vec<&Item> = pool.choose_multiple(&mut rng, config.items_per_homework).copied().collect();
            items.sort_by(|a, b| a.id.cmp(&b.id));
            let homework = Homework {
                id: format!("hw-demo-{}-{:02}", class.id, k + 1),
                title: format!("数学练习 第{}次", k + 1),
                kind: HomeworkKind::Regular,
                follow_up_of: None,
                subject: Subject::Math,
                school_id: class.school_id.clone(),
                class_id: class.id.clone(),
                teacher_id: teacher.clone(),
                mode: Mode::Online,
                open_at: due - Duration::hours(28),
                due_at: due,
                allow_late: true,
                items: items.iter().map(|i| HomeworkItem::new(i.id.clone(), 2.0)).collect(),
                minutes: (items.iter().map(|i| i.seconds).sum::<u32>() / 60).clamp(5, 60),
                instructions: String::new(),
                created_at: due - Duration::hours(28),
                released_at: Some(due + Duration::hours(14)),
            };
            for (s, student) in students.iter().enumerate() {
                let mut at = due - Duration::minutes(rng.random_range(60..300));
                let mut answers = Vec::with_capacity(items.len());
                for (item, hi) in items.iter().zip(&homework.items) {
                    let knows = item.knowledge_points.iter().all(|kp| {
                        *known[s].entry(kp.as_str()).or_insert_with(|| {
                            let p =
                                sigmoid(1.2 * ability[s] + 0.4 - difficulty.get(kp.as_str()).copied().unwrap_or(0.0));
                            rng.random::<f64>() < p
                        })
                    });
                    let hard = f64::from(item.difficulty.unwrap_or(3)) - 3.0;
                    let p_right = if knows { 1.0 - SLIP - 0.02 * hard } else { GUESS - 0.02 * hard };
                    let right = rng.random::<f64>() < p_right;
                    let seconds = (f64::from(item.seconds.max(20)) * (0.6 + rng.random::<f64>())) as u32;
                    at += Duration::seconds(i64::from(seconds));
                    let given = response(item, right, &mut rng);
                    let g = grading::grade(item, &given, hi.points, &hi.grading);
                    answers.push(Answer {
                        item_id: item.id.clone(),
                        response: given,
                        seconds,
                        answered_at: at,
                        mark: Some(Mark {
                            score: g.score,
                            max: g.max,
                            outcome: g.outcome,
                            marked_by: None,
                            comment: None,
                        }),
                    });
                    // A learning opportunity on each point, likelier for able students.
                    let learn = (0.15 + 0.06 * ability[s]).clamp(0.03, 0.35);
                    for kp in &item.knowledge_points {
                        if rng.random::<f64>() < learn {
                            known[s].insert(kp.as_str(), true);
                        }
                    }
                }
                history.submissions.push(Submission {
                    homework_id: homework.id.clone(),
                    student_id: (*student).to_owned(),
                    state: SubmissionState::Submitted,
                    items: None,
                    started_at: Some(at - Duration::minutes(30)),
                    submitted_at: Some(at),
                    late: at > due,
                    position: 0,
                    answers,
                    comment: None,
                });
            }
            history.homework.push((homework, students.iter().map(|s| (*s).to_owned()).collect()));
        }
    }
    history
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DemoConfig, Scale, bank, district};
    use chrono::TimeZone;

    fn small() -> (Roster, Vec<Item>, HistoryConfig) {
        let roster = district(&DemoConfig { seed: 2026, scale: Scale::Small });
        let items: Vec<Item> = bank::items(3_000, 2026).collect();
        let now = Utc.with_ymd_and_hms(2026, 5, 20, 12, 0, 0).single().unwrap();
        (roster, items, HistoryConfig::demo(2026, now))
    }

    #[test]
    fn history_is_deterministic_graded_and_in_the_past() {
        let (roster, items, config) = small();
        let a = history(&roster, &items, &config);
        let b = history(&roster, &items, &config);
        assert!(!a.homework.is_empty() && !a.submissions.is_empty());
        assert_eq!(a.submissions, b.submissions);
        let assigned: usize = a.homework.iter().map(|(_, s)| s.len()).sum();
        assert_eq!(assigned, a.submissions.len(), "every assigned student handed in");
        for (h, _) in &a.homework {
            assert!(h.due_at < config.now && h.released_at.is_some_and(|r| r < config.now));
            assert!(domain::homework::validate_spec(h).is_ok(), "{:?}", domain::homework::validate_spec(h));
        }
        let answers: Vec<&Answer> = a.submissions.iter().flat_map(|s| &s.answers).collect();
        assert!(answers.iter().all(|x| x.mark.is_some() && x.answered_at < config.now));
        let right = answers.iter().filter(|x| x.mark.as_ref().is_some_and(|m| m.score >= m.max)).count();
        let share = right as f64 / answers.len() as f64;
        assert!((0.3..0.9).contains(&share), "a believable share of right answers: {share}");
    }

    #[test]
    fn the_demo_teachers_class_has_history() {
        let (roster, items, config) = small();
        let h = history(&roster, &items, &config);
        let accounts = crate::accounts(&roster, config.now);
        let student = accounts.logins.iter().find(|l| l.username == "student").expect("demo student");
        let id = accounts
            .accounts
            .iter()
            .find(|a| a.username == student.username)
            .and_then(|a| a.person.as_ref())
            .map(|p| p.id.clone())
            .expect("a roster student");
        assert!(h.submissions.iter().filter(|s| s.student_id == id).count() >= 8);
    }
}
