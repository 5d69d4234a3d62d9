//! `zhijiao import curriculum`: the PEP (人教版) textbook structure into the curriculum frame.

use std::{path::Path, process::ExitCode};

use anyhow::Context;

use crate::{commands::interruptible, config::Database, progress};

pub async fn import(database: &Database, dir: &Path) -> anyhow::Result<ExitCode> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    };
    let (curriculum, report) = interop::pep::curriculum(
        &read("pep_period_grade_subject.json")?,
        &read("pep_textbook_catalog.csv")?,
        &read("pep_math_toc.json")?,
    )?;
    let store = database.open().await?;
    let bar = progress::RowsBar::new(progress::curriculum_rows(&curriculum), "导入课程教材 / importing curriculum");
    interruptible(async { Ok(store.import_curriculum(&curriculum, &bar).await?) }).await?;
    bar.finish();
    println!(
        "已导入 / imported: {} 册 volumes, {} 章 chapters, {} 节 sections, {} 个知识点 knowledge points",
        report.volumes, report.chapters, report.sections, report.knowledge_points
    );
    if !report.skipped_subjects.is_empty() {
        println!("未收录的学科 / subjects without a platform subject, skipped: {}", report.skipped_subjects.join("、"));
    }
    Ok(ExitCode::SUCCESS)
}
