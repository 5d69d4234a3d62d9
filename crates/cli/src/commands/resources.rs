//! `zhijiao import resources MANIFEST.csv`: a folder of courseware, lesson plans and videos (or
//! links) described by a CSV manifest, imported all-or-nothing.
//!
//! Manifest columns (UTF-8 or GBK, header row required): `file` (path relative to the manifest)
//! or `link_url`, `title`, `type` (courseware, lesson_plan, micro_lesson, exercise_set, link, or
//! the Chinese label), and optionally `description`, `stage`, `grade`, `subject`, `tags` and
//! `knowledge_points` (separated by `;` or `，`), `licence`, `source`, `scope` (school/district).

use std::{path::Path, process::ExitCode};

use anyhow::Context;
use chrono::Utc;
use clap::Args;
use domain::{
    ActivityRecord, ActorRef, ObjectRef, Stage, Subject,
    access::Role,
    resources::{FileRef, Resource, ResourceType, ReviewState, Scope},
};
use store::{NewResource, ResourceContent};

use crate::config::{Database, Settings};

#[derive(Debug, Args)]
pub struct ImportResourcesArgs {
    /// 清单 CSV / the manifest CSV
    pub manifest: std::path::PathBuf,
    /// 作者账号（用户名） / the author's account (username)
    #[arg(long)]
    pub author: String,
    /// 直接发布（区里已审核过的材料）；默认进入审核队列 / publish at once (material the district has
    /// already vetted); by default the resources wait in the review queue
    #[arg(long)]
    pub publish: bool,
}

/// One manifest row, checked.
struct Row {
    line: usize,
    resource_type: ResourceType,
    scope: Scope,
    content: ResourceContent,
    file: Option<std::path::PathBuf>,
}

fn list(value: &str) -> Vec<String> {
    value.split([';', '；', '，', ',']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub async fn import(settings: &Settings, database: &Database, args: ImportResourcesArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.manifest).with_context(|| format!("cannot read {}", args.manifest.display()))?;
    let name = args.manifest.display().to_string();
    let text = interop::decode_text(&name, &bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let base = args.manifest.parent().unwrap_or(Path::new("."));
    let store = database.open().await?;
    let author = store
        .account_by_login(&args.author)
        .await?
        .with_context(|| format!("no account `{}` (--author)", args.author))?;
    let roles = store.role_assignments(&author.id).await?;
    let school_id =
        roles.iter().find(|a| matches!(a.role, Role::Teacher | Role::SchoolAdmin)).map(|a| a.scope_id.clone());

    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers = reader.headers().with_context(|| format!("{name}: no header row"))?.clone();
    let col = |row: &csv::StringRecord, key: &str| -> String {
        headers.iter().position(|h| h.trim() == key).and_then(|i| row.get(i)).unwrap_or_default().trim().to_owned()
    };
    // Take the search index first, so a running server holding it stops us before any write.
    let index = super::library::open_index(settings, &*store).await?;
    index.prepare_to_write().map_err(|e| {
        anyhow::anyhow!("the search index is in use ({e}); stop `zhijiao serve` and import again — nothing was written")
    })?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("{name}:{line}: {e}"));
                continue;
            }
        };
        let mut problem = |field: &str, why: String| errors.push(format!("{name}:{line}: {field}: {why}"));
        let Ok(resource_type) = ResourceType::parse(&col(&record, "type")) else {
            problem("type", format!("`{}` is not a resource type", col(&record, "type")));
            continue;
        };
        let scope = match col(&record, "scope").as_str() {
            "" => {
                if school_id.is_some() {
                    Scope::School
                } else {
                    Scope::District
                }
            }
            s => match Scope::parse(s) {
                Ok(s) => s,
                Err(_) => {
                    problem("scope", format!("`{s}` is not school or district"));
                    continue;
                }
            },
        };
        let opt = |v: String| (!v.is_empty()).then_some(v);
        let stage = opt(col(&record, "stage")).map(|s| Stage::parse(&s));
        let subject = opt(col(&record, "subject")).map(|s| Subject::parse(&s));
        let grade = opt(col(&record, "grade")).map(|g| g.parse::<u8>());
        if let Some(Err(e)) = &stage {
            problem("stage", e.to_string());
        }
        if let Some(Err(e)) = &subject {
            problem("subject", e.to_string());
        }
        if let Some(Err(_)) = &grade {
            problem("grade", format!("`{}` is not a grade 1–12", col(&record, "grade")));
        }
        let file = opt(col(&record, "file")).map(|f| base.join(f));
        if let Some(path) = &file
            && !path.is_file()
        {
            problem("file", format!("{} does not exist", path.display()));
        }
        let licence = opt(col(&record, "licence")).unwrap_or_else(|| "自有版权".to_owned());
        rows.push(Row {
            line,
            resource_type,
            scope,
            file,
            content: ResourceContent {
                title: col(&record, "title"),
                description: col(&record, "description"),
                stage: stage.and_then(Result::ok),
                grade: grade.and_then(Result::ok),
                subject: subject.and_then(Result::ok),
                edition_id: None,
                volume_id: None,
                chapter_id: None,
                knowledge_points: list(&col(&record, "knowledge_points")),
                tags: list(&col(&record, "tags")),
                licence,
                source: opt(col(&record, "source")),
                link_url: opt(col(&record, "link_url")),
                file: None,
            },
        });
    }

    // Check every file by its content before anything is stored.
    let blobs = blobs::Blobs::open(&settings.data_dir, settings.library.limits())
        .map_err(|e| anyhow::anyhow!("cannot open the file store: {e}"))?;
    let mut staged = Vec::new();
    for row in &mut rows {
        if let Some(path) = &row.file {
            match stage_file(&blobs, path).await {
                Ok(file) => row.content.file = Some(file),
                Err(e) => errors.push(format!("{name}:{}: file: {}: {e}", row.line, path.display())),
            }
        }
        let now = Utc::now();
        let resource = Resource {
            id: format!("line-{}", row.line),
            title: row.content.title.clone(),
            description: row.content.description.clone(),
            resource_type: row.resource_type,
            scope: row.scope,
            stage: row.content.stage,
            grade: row.content.grade,
            subject: row.content.subject,
            edition: None,
            volume_id: None,
            chapter_id: None,
            knowledge_points: row.content.knowledge_points.clone(),
            tags: row.content.tags.clone(),
            author_id: author.id.clone(),
            school_id: school_id.clone(),
            licence: row.content.licence.clone(),
            source: row.content.source.clone(),
            link_url: row.content.link_url.clone(),
            file: row.content.file.clone(),
            created_at: now,
            updated_at: now,
        };
        if let Err(problems) = resource.validate() {
            errors.extend(problems.iter().map(|p| format!("{name}:{}: {p}", row.line)));
        }
        staged.push(row.content.file.clone());
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("导入失败，未写入任何资源 / import refused, no resource was written ({} problems)", errors.len());
        return Ok(ExitCode::from(2));
    }

    // Files are stored content-addressed (a stored file that no resource names is harmless and is
    // shared if uploaded again); resources are written one transaction each, then indexed.
    let library = web::library::Library::new(index, blobs);
    let now = Utc::now();
    let bar = crate::progress::RowsBar::new(rows.len() as u64, "导入资源 / importing resources");
    for row in &rows {
        let id =
            format!("res-{}", web::library::new_id().map_err(|e| anyhow::anyhow!("{e}"))?.get(..16).unwrap_or("x"));
        store
            .create_resource(&NewResource {
                id: id.clone(),
                resource_type: row.resource_type,
                scope: row.scope,
                author_id: author.id.clone(),
                school_id: school_id.clone(),
                content: row.content.clone(),
                at: now,
            })
            .await?;
        let steps: &[(ReviewState, ReviewState)] = if args.publish {
            &[(ReviewState::Draft, ReviewState::Published)]
        } else {
            &[(ReviewState::Draft, ReviewState::Submitted)]
        };
        for (from, to) in steps {
            store.set_resource_state(&id, 1, *from, *to, None, now).await?;
        }
        let verb = if args.publish { "imported_published" } else { "submitted" };
        store
            .append_activity(&[ActivityRecord {
                actor: ActorRef { kind: "account".to_owned(), id: author.id.clone() },
                verb: verb.to_owned(),
                object: ObjectRef { kind: "resource".to_owned(), id: id.clone() },
                school_id: school_id.clone(),
                class_id: None,
                result: Some(serde_json::json!({ "manifest": name, "line": row.line })),
                timestamp: now,
            }])
            .await?;
        web::library::review::reindex_resource(&*store, &library, &id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        store::Progress::advance(&bar, 1);
    }
    bar.finish();
    let state = if args.publish { "已发布 / published" } else { "待审核 / waiting for review" };
    println!("已导入 / imported: {} 个资源 resources ({state})", rows.len());
    Ok(ExitCode::SUCCESS)
}

/// Streams a file into the store in chunks (videos may be large) and describes it.
async fn stage_file(blobs: &blobs::Blobs, path: &Path) -> anyhow::Result<FileRef> {
    use tokio::io::AsyncReadExt;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let size = std::fs::metadata(path)?.len();
    let id = blobs.begin(&name, size).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut file = tokio::fs::File::open(path).await?;
    let mut buf = vec![0u8; 8 << 20];
    let mut offset = 0u64;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        offset = blobs.append(&id, offset, &buf[..n]).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let stored = match blobs.finish(&id).await {
        Ok(stored) => stored,
        Err(e) => {
            let _ = blobs.abort(&id).await;
            return Err(anyhow::anyhow!("{e}"));
        }
    };
    Ok(FileRef {
        sha256: stored.sha256,
        size: stored.size,
        media_type: stored.media_type,
        file_name: name,
        duration_seconds: stored.duration_seconds.map(|d| d.ceil() as u32),
    })
}
