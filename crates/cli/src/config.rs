//! Settings: defaults in code, then `zhijiao.toml`, then `ZHIJIAO_` environment variables
//! (`__` for nesting), then command-line flags. Unknown keys are refused; the database password
//! never appears in `Debug` output, logs or messages.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// Environment variables with the `ZHIJIAO_` prefix that belong to tooling, not to settings.
const RESERVED_ENV: &[&str] = &["test_database_url", "url", "log"];

/// Everything the binary can be configured with.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where the SQLite database, search index and uploaded files live.
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL, `sqlite:PATH` for another SQLite file; empty for the default
    /// `DATA_DIR/zhijiao.db`.
    pub database_url: Option<String>,
    pub server: ServerSettings,
    pub library: LibrarySettings,
    /// Written-homework minutes per day by grade band (双减); the national rule by default.
    pub workload: domain::workload::WorkloadConfig,
    /// When the learning models are refitted in the background.
    pub learn: LearnSettings,
}

/// Background refits of the learning models (besides those district staff start on `/learn`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LearnSettings {
    /// Refit when the server starts and there is no fit yet or the last one is older than the
    /// interval.
    pub refit_at_start: bool,
    /// Hours between refits; 0 means only at start and on demand.
    pub refit_every_hours: u32,
}

impl Default for LearnSettings {
    fn default() -> Self {
        LearnSettings { refit_at_start: true, refit_every_hours: 24 }
    }
}

impl LearnSettings {
    /// The web server's refit schedule.
    pub fn schedule(&self) -> web::mastery::Schedule {
        web::mastery::Schedule {
            at_start: self.refit_at_start,
            every: (self.refit_every_hours > 0)
                .then(|| std::time::Duration::from_secs(u64::from(self.refit_every_hours) * 3600)),
        }
    }
}

/// The resource library's file store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LibrarySettings {
    /// The largest video or audio file, in MiB.
    pub max_video_mib: u64,
    /// The largest document (courseware, lesson plan, image), in MiB.
    pub max_document_mib: u64,
}

impl Default for LibrarySettings {
    fn default() -> Self {
        let limits = blobs::Limits::default();
        LibrarySettings {
            max_video_mib: limits.max_file_bytes >> 20,
            max_document_mib: limits.max_document_bytes >> 20,
        }
    }
}

impl LibrarySettings {
    /// The file store's limits.
    pub fn limits(&self) -> blobs::Limits {
        blobs::Limits { max_file_bytes: self.max_video_mib << 20, max_document_bytes: self.max_document_mib << 20 }
    }
}

/// The HTTP server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub bind: String,
    pub port: u16,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("./zhijiao-data"),
            database_url: None,
            server: ServerSettings::default(),
            library: LibrarySettings::default(),
            workload: domain::workload::WorkloadConfig::default(),
            learn: LearnSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings { bind: "127.0.0.1".into(), port: 8080 }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(store_postgres::redact))
            .field("server", &self.server)
            .field("library", &self.library)
            .field("workload", &self.workload)
            .field("learn", &self.learn)
            .finish()
    }
}

impl Settings {
    /// Loads settings from the file (if it exists; an explicitly named file must exist) and the
    /// environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let (path, required) = match file {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("zhijiao.toml"), false),
        };
        if required && !path.exists() {
            bail!("configuration file {} does not exist", path.display());
        }
        let env = Env::prefixed("ZHIJIAO_")
            .split("__")
            .filter(|key| !RESERVED_ENV.iter().any(|r| key.as_str().eq_ignore_ascii_case(r)));
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(&path))
            .merge(env)
            .extract()
            .map_err(|e| anyhow::anyhow!(describe(e, &path)))
    }

    /// The database to use: the configured URL or the default SQLite file in the data directory.
    pub fn database(&self) -> anyhow::Result<Database> {
        match self.database_url.as_deref().filter(|u| !u.trim().is_empty()) {
            None => Ok(Database::Sqlite(self.data_dir.join("zhijiao.db"))),
            Some(url) => Database::parse(url),
        }
    }
}

/// Turns figment's errors into one readable message per problem.
fn describe(err: figment::Error, path: &Path) -> String {
    let mut lines =
        vec![format!("invalid configuration (file {}, or ZHIJIAO_ environment variables):", path.display())];
    for e in err {
        let key = e.path.join(".");
        let source = e.metadata.as_ref().map(|m| m.name.to_string()).unwrap_or_default();
        lines.push(format!("  - {key}: {} ({source})", e.kind));
    }
    lines.join("\n")
}

/// A database selected by URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            Database::Postgres(url) => f.write_str(&store_postgres::redact(url)),
        }
    }
}

impl Database {
    /// Parses `sqlite:PATH`, `sqlite://PATH` or `postgres://…`/`postgresql://…`.
    pub fn parse(url: &str) -> anyhow::Result<Database> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once(':') else {
            bail!(
                "database URL `{}` has no scheme (expected sqlite:PATH or postgres://…)",
                store_postgres::redact(url)
            );
        };
        match scheme {
            "sqlite" => {
                let path = rest.trim_start_matches("//");
                if path.is_empty() {
                    bail!("database URL `{url}` names no file");
                }
                Ok(Database::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => Ok(Database::Postgres(url.to_owned())),
            other => bail!("unsupported database URL scheme `{other}` (expected sqlite:PATH or postgres://…)"),
        }
    }

    /// Opens the store (creating and migrating as needed).
    pub async fn open(&self) -> anyhow::Result<std::sync::Arc<dyn store::Store>> {
        Ok(match self {
            Database::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    ensure_writable_dir(dir)?;
                }
                std::sync::Arc::new(store_sqlite::SqliteStore::open(path).await?)
            }
            Database::Postgres(url) => std::sync::Arc::new(store_postgres::PgStore::connect(url).await?),
        })
    }
}

/// Creates `dir` if needed and proves it is writable, so a read-only data directory is reported
/// as such rather than as an obscure database error later.
pub fn ensure_writable_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create data directory {}", dir.display()))?;
    let probe = dir.join(".zhijiao-write-test");
    std::fs::write(&probe, b"ok").with_context(|| format!("data directory {} is not writable", dir.display()))?;
    std::fs::remove_file(&probe).with_context(|| format!("data directory {} is not writable", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_backends() {
        assert_eq!(Database::parse("sqlite:/tmp/x.db").unwrap(), Database::Sqlite("/tmp/x.db".into()));
        assert_eq!(Database::parse("sqlite:///tmp/x.db").unwrap(), Database::Sqlite("/tmp/x.db".into()));
        assert!(matches!(Database::parse("postgres://u:p@h/db").unwrap(), Database::Postgres(_)));
        let err = Database::parse("mysql://u:secret@h/db").unwrap_err().to_string();
        assert!(err.contains("unsupported database URL scheme `mysql`"), "{err}");
        assert!(!err.contains("secret"));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let s = Settings { database_url: Some("postgres://zj:hunter2@db/zj".into()), ..Settings::default() };
        let shown = format!("{s:?} {:?}", s.database().unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("zj:***@db"), "{shown}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zhijiao.toml");
        std::fs::write(&path, "data_dir = \"/tmp/z\"\n[server]\nport = 9000\nprot = 1\n").unwrap();
        let err = Settings::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains("prot"), "{err}");
        std::fs::write(&path, "data_dir = \"/tmp/z\"\n[server]\nport = 9000\n").unwrap();
        let s = Settings::load(Some(&path)).unwrap();
        assert_eq!((s.server.port, s.data_dir), (9000, PathBuf::from("/tmp/z")));
    }

    #[test]
    fn workload_limits_are_configurable_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zhijiao.toml");
        std::fs::write(&path, "[workload]\ngrades_3_6 = 45\ngrades_10_12 = 120\n").unwrap();
        let settings = Settings::load(Some(&path)).unwrap();
        let policy = domain::workload::WorkloadPolicy::new(settings.workload).unwrap();
        assert_eq!(policy.limit_for(4).unwrap(), Some(45));
        assert_eq!(policy.limit_for(8).unwrap(), Some(90));
        assert_eq!(policy.limit_for(11).unwrap(), Some(120));
        std::fs::write(&path, "[workload]\ngrades_7_9 = 9000\n").unwrap();
        let settings = Settings::load(Some(&path)).unwrap();
        assert!(domain::workload::WorkloadPolicy::new(settings.workload).is_err());
    }

    #[test]
    fn upload_limits_are_configurable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zhijiao.toml");
        std::fs::write(&path, "[library]\nmax_video_mib = 500\nmax_document_mib = 20\n").unwrap();
        let limits = Settings::load(Some(&path)).unwrap().library.limits();
        assert_eq!((limits.max_file_bytes, limits.max_document_bytes), (500 << 20, 20 << 20));
        assert_eq!(Settings::default().library.limits(), blobs::Limits::default());
    }
}
