//! The `zhijiao` binary as an operator meets it: demo, export, import, bad input, on SQLite and —
//! when `ZHIJIAO_TEST_DATABASE_URL` is set — PostgreSQL.

#![allow(clippy::expect_used, reason = "test helpers: a failed expectation is a failed test")]

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

fn zhijiao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhijiao"))
        .args(args)
        .env_remove("ZHIJIAO_DATABASE_URL")
        .env_remove("ZHIJIAO_DATA_DIR")
        .output()
        .expect("run zhijiao")
}

fn ok(args: &[&str]) -> String {
    let out = zhijiao(args);
    assert!(
        out.status.success(),
        "zhijiao {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("z.db").display())
}

/// Every exported file, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("read export")
        .map(|e| {
            let e = e.expect("entry");
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read file"))
        })
        .collect();
    out.sort();
    out
}

/// A fresh PostgreSQL database URL, when a test server is configured.
fn postgres_url() -> Option<String> {
    let admin = std::env::var("ZHIJIAO_TEST_DATABASE_URL").ok()?;
    let name = format!("zhijiao_test_cli_{}", std::process::id());
    let status = Command::new("psql")
        .args([admin.as_str(), "-qc", &format!("CREATE DATABASE {name}")])
        .status()
        .expect("run psql");
    assert!(status.success(), "create database {name}");
    let (base, _) = admin.rsplit_once('/').expect("URL with a database");
    Some(format!("{base}/{name}"))
}

#[test]
fn help_speaks_chinese_and_english() {
    let help = ok(&["--help"]);
    for word in ["serve", "migrate", "demo", "import", "export", "启动平台", "start the platform"] {
        assert!(help.contains(word), "help lacks {word}:\n{help}");
    }
}

#[test]
fn roster_round_trips_through_files_and_backends() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = tmp.path().join("a");
    let out = ok(&["--database-url", &sqlite_url(&a), "demo", "--scale", "small"]);
    assert!(out.contains("demo district generated"), "{out}");
    let export1 = tmp.path().join("export1");
    ok(&[
        "--database-url",
        &sqlite_url(&a),
        "export",
        "oneroster",
        export1.to_str().expect("path"),
        "--purpose",
        "测试往返",
    ]);
    assert!(files(&export1).iter().any(|(n, _)| n == "users.csv"));

    // Into a second SQLite database, through a zip.
    let zip = tmp.path().join("roster.zip");
    ok(&[
        "--database-url",
        &sqlite_url(&a),
        "export",
        "oneroster",
        zip.to_str().expect("path"),
        "--purpose",
        "测试往返",
    ]);
    let b = tmp.path().join("b");
    ok(&["--database-url", &sqlite_url(&b), "import", "oneroster", zip.to_str().expect("path")]);
    let export2 = tmp.path().join("export2");
    ok(&[
        "--database-url",
        &sqlite_url(&b),
        "export",
        "oneroster",
        export2.to_str().expect("path"),
        "--purpose",
        "测试往返",
    ]);
    assert_eq!(files(&export1), files(&export2), "SQLite → zip → SQLite changed the roster");

    // And into PostgreSQL when a server is configured.
    if let Some(pg) = postgres_url() {
        ok(&["--database-url", &pg, "import", "oneroster", export1.to_str().expect("path")]);
        let export3 = tmp.path().join("export3");
        ok(&["--database-url", &pg, "export", "oneroster", export3.to_str().expect("path"), "--purpose", "测试往返"]);
        assert_eq!(files(&export1), files(&export3), "SQLite → PostgreSQL changed the roster");
    } else {
        eprintln!("skipped the PostgreSQL leg: ZHIJIAO_TEST_DATABASE_URL is not set");
    }
}

#[test]
fn a_bad_row_refuses_the_whole_import() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = sqlite_url(&tmp.path().join("db"));
    ok(&["--database-url", &db, "demo", "--scale", "small"]);
    let export: PathBuf = tmp.path().join("export");
    ok(&["--database-url", &db, "export", "oneroster", export.to_str().expect("path"), "--purpose", "测试往返"]);

    // Rename every school and break one enrollment's class reference: nothing may be written.
    let orgs = std::fs::read_to_string(export.join("orgs.csv")).expect("orgs");
    std::fs::write(export.join("orgs.csv"), orgs.replace("学校", "改名学校")).expect("write");
    let enrollments = std::fs::read_to_string(export.join("enrollments.csv")).expect("enrollments");
    let mut lines: Vec<String> = enrollments.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let class_col = header.iter().position(|h| *h == "classSourcedId").expect("classSourcedId column");
    let mut fields: Vec<String> = lines[3].split(',').map(str::to_owned).collect();
    fields[class_col] = "cls-does-not-exist".into();
    lines[3] = fields.join(",");
    std::fs::write(export.join("enrollments.csv"), lines.join("\n") + "\n").expect("write");

    let before = tmp.path().join("before");
    ok(&["--database-url", &db, "export", "oneroster", before.to_str().expect("path"), "--purpose", "测试往返"]);
    let out = zhijiao(&["--database-url", &db, "import", "oneroster", export.to_str().expect("path")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("enrollments.csv:4"), "{stderr}");
    assert!(stderr.contains("cls-does-not-exist"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let after = tmp.path().join("after");
    ok(&["--database-url", &db, "export", "oneroster", after.to_str().expect("path"), "--purpose", "测试往返"]);
    assert_eq!(files(&before), files(&after), "a refused import changed the database");
}

#[test]
fn exports_need_a_purpose() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = sqlite_url(tmp.path());
    ok(&["--database-url", &db, "demo", "--scale", "small"]);
    let out_dir = tmp.path().join("out");
    let out =
        zhijiao(&["--database-url", &db, "export", "oneroster", out_dir.to_str().expect("path"), "--purpose", " "]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--purpose"));
    assert!(!out_dir.exists(), "nothing written without a purpose");
}

#[test]
fn demo_refuses_a_database_that_holds_a_district() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = sqlite_url(tmp.path());
    ok(&["--database-url", &db, "demo", "--scale", "small"]);
    let out = zhijiao(&["--database-url", &db, "demo", "--scale", "small"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds schools"));
}

#[test]
fn bad_settings_are_clear_errors() {
    let out = zhijiao(&["--database-url", "mysql://root:hunter2@localhost/z", "migrate"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unsupported database URL scheme `mysql`"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");

    let out = zhijiao(&["--database-url", "postgres://zj:hunter2@127.0.0.1:1/z", "migrate"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect to PostgreSQL at postgres://zj:***@127.0.0.1:1/z"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");

    let out = zhijiao(&["--data-dir", "/proc/zhijiao-read-only", "migrate"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/proc/zhijiao-read-only"), "{stderr}");

    let tmp = tempfile::tempdir().expect("tmp");
    let config = tmp.path().join("zhijiao.toml");
    std::fs::write(&config, "data_dir = \"x\"\ndatabse_url = \"postgres://a:secret@b/c\"\n").expect("write");
    let out = zhijiao(&["--config", config.to_str().expect("path"), "migrate"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("databse_url"), "{stderr}");
}

#[test]
fn ctrl_c_during_a_write_leaves_the_database_as_it_was() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = sqlite_url(tmp.path());
    ok(&["--database-url", &db, "migrate"]);
    let child = Command::new(env!("CARGO_BIN_EXE_zhijiao"))
        .args(["--database-url", &db, "demo", "--scale", "full"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Generation takes about half a second; the write follows and takes seconds more.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    assert!(!out.status.success(), "an interrupted write must not exit 0");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code().is_some() {
        assert!(stderr.contains("nothing was written"), "{stderr}");
    }
    // The database holds no school: a small demo is accepted, which it would refuse otherwise.
    let out = ok(&["--database-url", &db, "demo", "--scale", "small"]);
    assert!(out.contains("6 所学校"), "{out}");
}
