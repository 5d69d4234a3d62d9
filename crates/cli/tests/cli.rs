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

/// `zhijiao bench search` at toy scale, not timed: the report has every section, the JSON every
/// figure, and relevance figures are fractions. PostgreSQL joins in when a test server is set.
#[test]
fn search_benchmark_reports_every_figure() {
    let tmp = tempfile::tempdir().expect("tmp");
    let json = tmp.path().join("bench.json");
    let json_arg = json.to_string_lossy().into_owned();
    let admin = std::env::var("ZHIJIAO_TEST_DATABASE_URL").ok();
    let mut args = vec!["bench", "search", "--items", "2000", "--queries", "50", "--warmup", "5", "--json", &json_arg];
    if let Some(url) = &admin {
        args.extend(["--pg", url.as_str()]);
    }
    let out = ok(&args);
    for section in
        ["## 数据 / data", "## 查询组合 / query mix", "## 建立索引 / build", "p99 ms", "## 相关性", "p99 < 20 ms"]
    {
        assert!(out.contains(section), "report lacks {section}:\n{out}");
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("json");
    assert_eq!((report["data"]["total"].as_u64(), report["data"]["generated"].as_u64()), (Some(2000), Some(2000)));
    assert_eq!(report["ours"]["docs"].as_u64(), Some(2000));
    let ours = &report["ours"]["latency"];
    assert_eq!(ours["queries"].as_u64(), Some(50));
    let (p50, p99) = (ours["p50_ms"].as_f64().expect("p50"), ours["p99_ms"].as_f64().expect("p99"));
    assert!(p50 > 0.0 && p99 >= p50, "{ours}");
    assert!(report["ours"]["index_mib"].as_f64().expect("size") > 0.0);
    assert!(ours["mean_total"].as_f64().expect("total") > 0.0, "the mix finds documents: {ours}");
    let origins: u64 =
        report["mix"]["by_origin"].as_array().expect("origins").iter().filter_map(|o| o[1].as_u64()).sum();
    assert_eq!(origins, 50);

    let fraction = |m: &serde_json::Value| {
        for key in ["precision_at_10", "recall_at_10", "mrr", "ndcg_at_10"] {
            let v = m[key].as_f64().unwrap_or(-1.0);
            assert!((0.0..=1.0).contains(&v), "{key} = {v} in {m}");
        }
    };
    assert_eq!(report["relevance"]["queries"].as_u64(), Some(30));
    fraction(&report["relevance"]["ours"]);
    let setups = report["postgres"]["setups"].as_array().cloned().unwrap_or_default();
    if admin.is_some() {
        assert_eq!(setups.len(), 2, "both PostgreSQL setups ran");
    } else {
        assert!(report["postgres"].is_null());
    }
    for setup in &setups {
        assert_eq!(setup["latency"]["queries"].as_u64(), Some(50));
        assert!(setup["table_mib"].as_f64().expect("size") > 0.0 && setup["ratio_p50"].as_f64().expect("ratio") > 0.0);
        fraction(&setup["relevance"]);
    }
}

/// A manifest of resources with one file: imported, stored once, searchable; a mislabelled file
/// refuses the whole manifest with file, line and reason, and writes nothing.
#[test]
fn resources_import_from_a_manifest_all_or_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf-8 path");
    ok(&["--data-dir", data_arg, "demo", "--scale", "small"]);
    let folder = dir.path().join("upload");
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::write(folder.join("分数.pdf"), b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n").expect("pdf");
    std::fs::write(folder.join("fake.pdf"), b"PK\x03\x04 not really a pdf").expect("fake");
    let manifest = folder.join("manifest.csv");
    std::fs::write(
        &manifest,
        "file,title,type,subject,grade,tags,link_url\n\
         分数.pdf,《分数的初步认识》教案,lesson_plan,math,3,公开课;新授课,\n\
         fake.pdf,坏文件,courseware,math,3,,\n\
         ,国家中小学智慧教育平台·分数,link,math,3,,https://basic.smartedu.cn/\n",
    )
    .expect("manifest");
    let manifest_arg = manifest.to_str().expect("utf-8 path");
    let refused = zhijiao(&["--data-dir", data_arg, "import", "resources", manifest_arg, "--author", "teacher"]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("manifest.csv:3") && err.contains(".pdf"), "{err}");
    let found = ok(&["--data-dir", data_arg, "search", "分数", "--type", "resource", "--json"]);
    assert!(found.contains("\"total\": 0"), "nothing was written: {found}");

    std::fs::remove_file(folder.join("fake.pdf")).expect("rm");
    std::fs::write(
        &manifest,
        "file,title,type,subject,grade,tags,link_url\n\
         分数.pdf,《分数的初步认识》教案,lesson_plan,math,3,公开课;新授课,\n\
         ,国家中小学智慧教育平台·分数,link,math,3,,https://basic.smartedu.cn/\n",
    )
    .expect("manifest");
    let out = ok(&["--data-dir", data_arg, "import", "resources", manifest_arg, "--author", "teacher", "--publish"]);
    assert!(out.contains("2 个资源"), "{out}");
    let found = ok(&["--data-dir", data_arg, "search", "分数", "--type", "resource", "--json"]);
    assert!(found.contains("《分数的初步认识》教案") && found.contains("智慧教育平台"), "{found}");
}
