//! `zhijiao import oneroster` and `zhijiao export oneroster`: rosters as OneRoster 1.2 CSV.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{Context, bail};

use crate::{commands::interruptible, config::Database, progress};

/// Reads a folder of CSV files or a zip into memory.
fn read_input(path: &Path) -> anyhow::Result<Vec<interop::InputFile>> {
    if path.is_dir() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).with_context(|| format!("cannot read folder {}", path.display()))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.to_ascii_lowercase().ends_with(".csv") {
                let bytes = std::fs::read(entry.path()).with_context(|| format!("cannot read {name}"))?;
                files.push(interop::InputFile { name, bytes });
            }
        }
        if files.is_empty() {
            bail!("folder {} holds no .csv files", path.display());
        }
        Ok(files)
    } else {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(interop::files_from_zip(&bytes).with_context(|| format!("{} is not a readable zip", path.display()))?)
    }
}

pub async fn import(database: &Database, path: &Path) -> anyhow::Result<ExitCode> {
    let files = read_input(path)?;
    let roster = match interop::oneroster::read(&files) {
        Ok(r) => r,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!(
                "导入失败：{} 处错误，未写入任何数据 / import refused: {} problem(s), nothing was written",
                errors.count(),
                errors.count()
            );
            return Ok(ExitCode::from(2));
        }
    };
    let store = database.open().await?;
    let bar = progress::RowsBar::new(progress::roster_rows(&roster), "导入花名册 / importing roster");
    let summary = interruptible(async { Ok(store.import_roster(&roster, &bar).await?) }).await?;
    bar.finish();
    println!(
        "已导入 / imported: {} schools, {} classes, {} teachers, {} students, {} guardians ({} rows)",
        roster.schools.len(),
        roster.classes.len(),
        roster.teachers.len(),
        roster.students.len(),
        roster.guardians.len(),
        summary.rows_written
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn export(database: &Database, path: &Path, purpose: &str) -> anyhow::Result<ExitCode> {
    let purpose = purpose.trim();
    if purpose.chars().count() < 2 {
        anyhow::bail!("请用 --purpose 说明导出用途 / state the purpose of the export with --purpose");
    }
    let store = database.open().await?;
    let roster = store.load_roster().await?;
    // The export is on record before a single file is written.
    store
        .append_audit(&domain::identity::AuditEntry {
            at: chrono::Utc::now(),
            actor_account_id: None,
            actor_name: format!("zhijiao CLI ({})", std::env::var("USER").unwrap_or_else(|_| "unknown user".into())),
            action: domain::identity::AuditAction::Export,
            target_kind: "roster".into(),
            target_id: path.display().to_string(),
            school_id: None,
            ip: None,
            detail: Some(purpose.chars().take(200).collect()),
        })
        .await?;
    let files = interop::oneroster::write(&roster);
    let is_zip = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if is_zip {
        write_zip(path, &files)?;
    } else {
        write_folder(path, &files)?;
    }
    println!(
        "已导出 / exported {} files ({} students, {} teachers) to {}",
        files.len(),
        roster.students.len(),
        roster.teachers.len(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes each file beside its final name and renames it into place, so a crash never leaves a
/// half-written CSV under the real name.
fn write_folder(dir: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, bytes) in files {
        let target = dir.join(name);
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
        tmp.write_all(bytes)?;
        tmp.persist(&target).with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(())
}

fn write_zip(path: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let dir: PathBuf = path.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or(".".into());
    let tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    let mut zip = zip::ZipWriter::new(tmp);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(bytes)?;
    }
    let tmp = zip.finish()?;
    tmp.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
