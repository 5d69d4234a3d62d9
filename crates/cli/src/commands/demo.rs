//! `zhijiao demo`: generate the demo district and curriculum into the database, timed.

use std::{process::ExitCode, sync::Arc, time::Instant};

use anyhow::bail;
use clap::Args;

use crate::{DemoScale, commands::interruptible, config::Database, progress};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 规模 / size
    #[arg(long, value_enum, default_value = "full")]
    pub scale: DemoScale,
    /// 随机种子：同一种子生成同一区域 / seed: the same seed gives the same district
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

pub async fn run(database: &Database, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let store = database.open().await?;
    if !store.is_empty().await? {
        bail!(
            "数据库中已有学校，未生成演示数据 / the database already holds schools; not adding a demo district to it"
        );
    }
    let stats = load(&store, demo::DemoConfig { seed: args.seed, scale: args.scale.into() }).await?;
    println!(
        "演示区域已生成 / demo district generated: {} 所学校 schools, {} 名教师 teachers, {} 名学生 students, {} 名家长 guardians",
        stats.schools, stats.teachers, stats.students, stats.guardians
    );
    println!(
        "用时 / time: {:.1} s (generate {:.1} s, write {:.1} s) · 峰值内存 / peak memory: {} · {}",
        started.elapsed().as_secs_f64(),
        stats.generate_seconds,
        stats.write_seconds,
        peak_memory().map(|kib| format!("{:.0} MiB", kib as f64 / 1024.0)).unwrap_or_else(|| "n/a".into()),
        store.backend(),
    );
    Ok(ExitCode::SUCCESS)
}

/// What [`load`] wrote and how long it took.
pub struct DemoStats {
    pub schools: usize,
    pub teachers: usize,
    pub students: usize,
    pub guardians: usize,
    pub generate_seconds: f64,
    pub write_seconds: f64,
}

/// The demo accounts listed on the sign-in page, for the district `config` generates.
pub fn demo_logins(config: demo::DemoConfig) -> Vec<web::DemoAccount> {
    let roster = demo::district(&config);
    demo::accounts(&roster, chrono::Utc::now())
        .logins
        .into_iter()
        .map(|l| web::DemoAccount { username: l.username, role: l.role, scope: l.scope })
        .collect()
}

/// Generates the demo district, curriculum and accounts and writes them, with progress bars.
/// Generated exercises the demo district's bank starts with.
const DEMO_BANK_ITEMS: usize = 3_000;

pub async fn load(store: &Arc<dyn store::Store>, config: demo::DemoConfig) -> anyhow::Result<DemoStats> {
    let t = Instant::now();
    let roster = demo::district(&config);
    let curriculum = demo::curriculum();
    let generate_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let bar = progress::RowsBar::new(progress::roster_rows(&roster), "写入演示区域 / writing demo district");
    interruptible(async { Ok(store.import_roster(&roster, &bar).await?) }).await?;
    bar.finish();
    let bar = progress::RowsBar::new(progress::curriculum_rows(&curriculum), "写入课程教材 / writing curriculum");
    interruptible(async { Ok(store.import_curriculum(&curriculum, &bar).await?) }).await?;
    bar.finish();
    let mut accounts = demo::accounts(&roster, chrono::Utc::now());
    // One hash of the public demo password serves every listed account; each must choose its own
    // password at first sign-in.
    let hash = web::auth::secret::hash_password(web::DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    for login in &accounts.logins {
        if let Some(a) = accounts.accounts.iter_mut().find(|a| a.username == login.username) {
            a.password_hash = Some(hash.clone());
        }
    }
    let rows = (accounts.accounts.len() + accounts.assignments.len()) as u64;
    let bar = progress::RowsBar::new(rows, "创建账号 / creating accounts");
    interruptible(async { Ok(store.add_accounts(&accounts.accounts, &accounts.assignments, &bar).await?) }).await?;
    bar.finish();
    // A starter bank so the library is not empty: generated exercises, published district-wide.
    let now = chrono::Utc::now();
    let items: Vec<store::NewItem> = demo::bank::items(DEMO_BANK_ITEMS, config.seed)
        .map(|item| store::NewItem {
            item,
            state: domain::resources::ReviewState::Published,
            scope: domain::resources::Scope::District,
            school_id: None,
            author_id: None,
            at: now,
        })
        .collect();
    let bar = progress::RowsBar::new(items.len() as u64, "写入示例题库 / writing the sample item bank");
    interruptible(async { Ok(store.import_items(&items, &bar).await?) }).await?;
    bar.finish();
    let bank: Vec<domain::items::Item> = items.into_iter().map(|n| n.item).collect();
    let history = demo::history::history(&roster, &bank, &demo::history::HistoryConfig::demo(config.seed, now));
    interruptible(write_history(store, history)).await?;
    Ok(DemoStats {
        schools: roster.schools.len(),
        teachers: roster.teachers.len(),
        students: roster.students.len(),
        guardians: roster.guardians.len(),
        generate_seconds,
        write_seconds: t.elapsed().as_secs_f64(),
    })
}

/// Writes the demo's past homework and marked submissions through the homework store, as the
/// platform would have written them (one transaction per batch of submissions).
async fn write_history(store: &Arc<dyn store::Store>, history: demo::history::History) -> anyhow::Result<()> {
    let bar = progress::RowsBar::new(history.submissions.len() as u64, "写入往期作业 / writing past homework");
    let homework: Vec<(domain::homework::Homework, Vec<store::Assignee>)> = history
        .homework
        .into_iter()
        .map(|(h, students)| {
            let assignees =
                students.into_iter().map(|student_id| store::Assignee { student_id, items: None }).collect();
            (h, assignees)
        })
        .collect();
    for chunk in homework.chunks(64) {
        store.create_homework(chunk, &[]).await?;
    }
    let writes: Vec<store::HomeworkWrite> = history
        .submissions
        .into_iter()
        .filter_map(|s| {
            let at = s.submitted_at?;
            let activity = domain::ActivityRecord {
                actor: domain::ActorRef { kind: "student".into(), id: s.student_id.clone() },
                verb: "submitted".into(),
                object: domain::ObjectRef { kind: "homework".into(), id: s.homework_id.clone() },
                school_id: None,
                class_id: None,
                result: None,
                timestamp: at,
            };
            Some(store::HomeworkWrite::Submit {
                key: format!("demo-{}", s.homework_id),
                homework_id: s.homework_id,
                student_id: s.student_id,
                at,
                late: s.late,
                answers: s.answers,
                activity,
            })
        })
        .collect();
    for chunk in writes.chunks(256) {
        store.apply_homework_writes(chunk).await?;
        store::Progress::advance(&bar, chunk.len() as u64);
    }
    bar.finish();
    Ok(())
}

/// Peak resident memory of this process in KiB (Linux), for the benchmark line.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
