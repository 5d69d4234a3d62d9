//! `zhijiao bench homework prepare`: picks whole classes across the district's schools, assigns
//! each some homework of published bank items of its grade and subject (straight into the store,
//! as the assign operation would write them), issues every chosen student an API token, and
//! writes the plan the load run follows.

use std::{collections::HashMap, path::PathBuf, process::ExitCode};

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use clap::Args;
use domain::{
    Subject,
    homework::{Homework, HomeworkItem, HomeworkKind, Mode, validate_spec},
    identity::{AuditAction, AuditEntry, PersonKind, PersonRef, account_id_of},
    items::Item,
    resources::ReviewState,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use store::{ApiToken, Assignee, ClassDetail, Progress, Store};
use web::auth::secret;

use super::homework_plan::{PLAN_VERSION, Plan, PlanAnswer, PlanHomework, PlanStudent, response_for};
use crate::{config::Database, progress::RowsBar};

/// Bank items read at most: the demo bank has 3,000; a bank grown by imports is sampled.
const MAX_BANK_ITEMS: usize = 60_000;
/// Items read per store call.
const PAGE: u32 = 2_000;
/// Homework written per transaction.
const HOMEWORK_PER_WRITE: usize = 100;
/// Subjects tried first, in this order, when a class has teachers of several.
const PREFERRED: [Subject; 3] = [Subject::Math, Subject::Chinese, Subject::English];

#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// 参与的学生数（整班选取，跨学校） / virtual students (whole classes, across schools)
    #[arg(long, default_value_t = 500)]
    students: usize,
    /// 每班布置的作业份数（每轮每生提交一份） / homework per class (one submission per student per round)
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// 每份作业的题数 / items per homework
    #[arg(long, default_value_t = 10)]
    items: usize,
    /// 答错的比例（0–1） / share of answers that are wrong (0–1)
    #[arg(long, default_value_t = 0.3)]
    wrong: f64,
    /// 随机种子 / seed of the wrong answers and item choice
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// 计划文件（含令牌，注意保管） / the plan file to write (it holds tokens: keep it private)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// `zhijiao bench homework prepare`.
pub async fn prepare(database: &Database, args: PrepareArgs) -> anyhow::Result<ExitCode> {
    if args.students == 0 || args.rounds == 0 || args.items == 0 || args.items > domain::homework::MAX_ITEMS {
        bail!("--students and --rounds must be at least 1, --items 1 to {}", domain::homework::MAX_ITEMS);
    }
    let store = database.open().await?;
    let classes = pick_classes(&*store, args.students).await?;
    let bank = Bank::load(&*store).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let now = Utc::now();
    let stamp = now.format("%Y%m%d%H%M%S").to_string();

    let mut batch = Vec::new();
    let mut activity = Vec::new();
    let mut plan_homework = Vec::new();
    let mut students = Vec::new();
    for (n, (class, chosen)) in classes.iter().enumerate() {
        let Some(teacher_id) =
            class.class.head_teacher_id.clone().or_else(|| class.teachers.first().map(|t| t.teacher_id.clone()))
        else {
            eprintln!("-- {} has no teacher: skipped", class.class.id);
            continue;
        };
        let subject = bank.subject_for(class);
        let teacher_id =
            class.teachers.iter().find(|t| t.subject == subject).map_or(teacher_id, |t| t.teacher_id.clone());
        let pool = bank.pool(class.class.grade, subject);
        let mut homework_ids = Vec::new();
        for round in 0..args.rounds {
            let items = pick(&pool, args.items, n * 7 + round as usize * args.items);
            let homework = homework(&stamp, class, &teacher_id, subject, round, &items, now)?;
            let answers = items
                .iter()
                .map(|item| PlanAnswer {
                    item_id: item.id.clone(),
                    item_type: item.item_type.code().to_owned(),
                    response: response_for(item, rng.random_bool(args.wrong.clamp(0.0, 1.0))),
                })
                .collect();
            plan_homework.push(PlanHomework {
                homework_id: homework.id.clone(),
                class_id: class.class.id.clone(),
                subject: subject.code().to_owned(),
                answers,
            });
            homework_ids.push(homework.id.clone());
            activity.push(web::homework::homework_activity(
                web::homework::actor_ref(Some(&PersonRef { kind: PersonKind::Teacher, id: teacher_id.clone() }), ""),
                "assigned",
                &homework,
                Some(serde_json::json!({ "students": class.students.len(), "items": homework.items.len(), "benchmark": true })),
                now,
            ));
            // The whole class gets it, as a teacher assigns it; only `chosen` of them take part.
            let assignees =
                class.students.iter().map(|(s, _)| Assignee { student_id: s.id.clone(), items: None }).collect();
            batch.push((homework, assignees));
        }
        for student_id in chosen {
            students.push(PlanStudent {
                student_id: student_id.clone(),
                class_id: class.class.id.clone(),
                token: String::new(),
                homework_ids: homework_ids.clone(),
            });
        }
    }
    if students.is_empty() {
        bail!("no class with students and a teacher was found: is this a district (zhijiao demo)?");
    }

    let bar = RowsBar::new(batch.len() as u64, "布置作业 / assigning homework");
    for (chunk, records) in batch.chunks(HOMEWORK_PER_WRITE).zip(activity.chunks(HOMEWORK_PER_WRITE)) {
        store.create_homework(chunk, records).await?;
        bar.advance(chunk.len() as u64);
    }
    bar.finish();
    issue_tokens(&*store, &mut students, &stamp).await?;

    let plan = Plan {
        version: PLAN_VERSION,
        created_at: now,
        backend: store.backend().to_owned(),
        rounds: args.rounds,
        students,
        homework: plan_homework,
    };
    plan.write(&args.out)?;
    println!(
        "已准备 / prepared: {} students in {} classes, {} homework of {} items each ({}), plan {}",
        plan.students.len(),
        classes.len(),
        plan.homework.len(),
        args.items,
        plan.backend,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Whole classes until `wanted` students, one class per school in turn so every kind of school
/// takes part, with the students of each that join the run (all but part of the last class).
async fn pick_classes(store: &dyn Store, wanted: usize) -> anyhow::Result<Vec<(ClassDetail, Vec<String>)>> {
    let overview = store.district_overview().await?;
    let mut per_school = Vec::new();
    for school in &overview.schools {
        let Some(detail) = store.school_detail(&school.school.id).await? else { continue };
        let mut classes: Vec<String> =
            detail.classes.iter().filter(|c| c.students > 0).map(|c| c.class.id.clone()).collect();
        // Take the last classes first: they are spread over grades as the first are not.
        classes.reverse();
        per_school.push(classes);
    }
    let mut picked = Vec::new();
    let mut total = 0;
    let bar = RowsBar::new(wanted as u64, "选取班级 / choosing classes");
    'passes: loop {
        let mut any = false;
        for classes in &mut per_school {
            let Some(class_id) = classes.pop() else { continue };
            any = true;
            let Some(detail) = store.class_detail(&class_id).await? else { continue };
            let take = detail.students.len().min(wanted - total);
            let chosen: Vec<String> = detail.students.iter().take(take).map(|(s, _)| s.id.clone()).collect();
            total += chosen.len();
            bar.advance(chosen.len() as u64);
            picked.push((detail, chosen));
            if total >= wanted {
                break 'passes;
            }
        }
        if !any {
            break;
        }
    }
    bar.finish();
    if total < wanted {
        eprintln!("-- the district has only {total} students in classes: all of them take part");
    }
    Ok(picked)
}

/// The published items by grade and subject.
struct Bank {
    items: Vec<Item>,
    by_grade: HashMap<(u8, Subject), Vec<usize>>,
    by_subject: HashMap<Subject, Vec<usize>>,
}

impl Bank {
    async fn load(store: &dyn Store) -> anyhow::Result<Bank> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        while items.len() < MAX_BANK_ITEMS {
            let page = store.items_after(after.as_deref(), PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.item.id.clone());
            items.extend(page.into_iter().filter(|r| r.state == ReviewState::Published).map(|r| r.item));
        }
        if items.is_empty() {
            bail!("the bank has no published items to assign (the demo district writes 3,000)");
        }
        let mut by_grade: HashMap<(u8, Subject), Vec<usize>> = HashMap::new();
        let mut by_subject: HashMap<Subject, Vec<usize>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(subject) = item.subject {
                by_subject.entry(subject).or_default().push(i);
                if let Some(grade) = item.grade {
                    by_grade.entry((grade, subject)).or_default().push(i);
                }
            }
        }
        Ok(Bank { items, by_grade, by_subject })
    }

    fn count(&self, grade: u8, subject: Subject) -> usize {
        self.by_grade.get(&(grade, subject)).map_or(0, Vec::len)
    }

    /// The subject the class's homework is in: one its teachers teach with the most items of the
    /// class's grade, the core subjects first when they have enough.
    fn subject_for(&self, class: &ClassDetail) -> Subject {
        let grade = class.class.grade;
        let taught: Vec<Subject> = class.teachers.iter().map(|t| t.subject).collect();
        PREFERRED
            .into_iter()
            .filter(|s| taught.is_empty() || taught.contains(s))
            .find(|s| self.count(grade, *s) >= 10)
            .or_else(|| {
                taught.iter().copied().max_by_key(|s| self.count(grade, *s)).filter(|s| self.count(grade, *s) > 0)
            })
            .unwrap_or(Subject::Math)
    }

    /// Items of the grade and subject; of the subject when the grade has none; any otherwise.
    fn pool(&self, grade: u8, subject: Subject) -> Vec<&Item> {
        let ids = self
            .by_grade
            .get(&(grade, subject))
            .or_else(|| self.by_subject.get(&subject))
            .map(|ids| ids.iter().map(|i| &self.items[*i]).collect::<Vec<_>>());
        ids.filter(|v| !v.is_empty()).unwrap_or_else(|| self.items.iter().collect())
    }
}

/// `count` different items of the pool from `start` on (wrapping), so rounds differ.
fn pick<'a>(pool: &[&'a Item], count: usize, start: usize) -> Vec<&'a Item> {
    let n = count.min(pool.len());
    (0..n).map(|k| pool[(start + k) % pool.len()]).collect()
}

fn homework(
    stamp: &str,
    class: &ClassDetail,
    teacher_id: &str,
    subject: Subject,
    round: u32,
    items: &[&Item],
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<Homework> {
    let suffix = secret::random_secret().context("no randomness for ids")?;
    let seconds: u32 = items.iter().map(|i| i.seconds).sum();
    let homework = Homework {
        id: format!("hw-bench-{stamp}-{}", &suffix[..10]),
        title: format!("压力测试作业 {} / load test {}", round + 1, round + 1),
        kind: HomeworkKind::Regular,
        follow_up_of: None,
        subject,
        school_id: class.class.school_id.clone(),
        class_id: class.class.id.clone(),
        teacher_id: teacher_id.to_owned(),
        mode: Mode::Online,
        open_at: now - Duration::hours(1),
        due_at: now + Duration::days(1),
        allow_late: true,
        items: items
            .iter()
            .map(|i| HomeworkItem::new(i.id.clone(), i.points.filter(|p| *p > 0.0 && *p <= 100.0).unwrap_or(10.0)))
            .collect(),
        minutes: seconds.div_ceil(60).clamp(1, 600),
        instructions: "由 zhijiao bench homework 生成 / generated by zhijiao bench homework".to_owned(),
        created_at: now,
        released_at: None,
    };
    validate_spec(&homework).map_err(|p| anyhow::anyhow!("generated homework is invalid: {p:?}"))?;
    Ok(homework)
}

/// One token per student, bound to their student role, and one audit entry for the lot.
async fn issue_tokens(store: &dyn Store, students: &mut [PlanStudent], stamp: &str) -> anyhow::Result<()> {
    let Some(first) = students.first() else { return Ok(()) };
    if store.role_assignment(&student_assignment(&first.student_id)).await?.is_none() {
        bail!(
            "student {} has no sign-in account: create the district with `zhijiao demo` or `serve --demo`",
            first.student_id
        );
    }
    let now = Utc::now();
    let bar = RowsBar::new(students.len() as u64, "创建令牌 / issuing tokens");
    for student in students.iter_mut() {
        let token = format!("zjt_{}", secret::random_secret().context("no randomness for tokens")?);
        let id = format!("tok-{}", &secret::random_secret().context("no randomness for tokens")?[..16]);
        store
            .create_token(&ApiToken {
                id,
                account_id: account_id_of(&student.student_id),
                assignment_id: student_assignment(&student.student_id),
                name: format!("bench homework {stamp}"),
                token_hash: secret::digest(&token),
                created_at: now,
                revoked_at: None,
            })
            .await?;
        student.token = token;
        bar.advance(1);
    }
    bar.finish();
    store
        .append_audit(&AuditEntry {
            at: now,
            actor_account_id: None,
            actor_name: "zhijiao bench homework".to_owned(),
            action: AuditAction::CreateToken,
            target_kind: "token".to_owned(),
            target_id: format!("bench-homework-{stamp}"),
            school_id: None,
            ip: None,
            detail: Some(format!("{} student tokens for the homework load test", students.len())),
        })
        .await?;
    Ok(())
}

/// The role assignment of a student's account (see `domain::identity::roster_accounts`).
fn student_assignment(student_id: &str) -> String {
    format!("ra-{student_id}-student")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn rounds_pick_different_items_and_never_twice_in_one_homework() {
        let items: Vec<Item> = demo::bank::items(25, 3).collect();
        let pool: Vec<&Item> = items.iter().collect();
        let first: Vec<&str> = pick(&pool, 10, 0).iter().map(|i| i.id.as_str()).collect();
        let second: Vec<&str> = pick(&pool, 10, 10).iter().map(|i| i.id.as_str()).collect();
        let wrapped: std::collections::HashSet<&str> = pick(&pool, 10, 20).iter().map(|i| i.id.as_str()).collect();
        assert!(first.iter().all(|id| !second.contains(id)));
        assert_eq!(wrapped.len(), 10);
        assert_eq!(pick(&pool[..3], 10, 5).len(), 3, "a small pool gives what it has");
    }
}
