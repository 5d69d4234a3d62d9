//! Homework submissions survive a crash: a server killed with SIGKILL in the middle of a burst of
//! submissions has, after a restart, every submission it acknowledged; retrying any submission
//! with its key succeeds without a second submission or a second `submitted` record. Runs on
//! SQLite, and on PostgreSQL when `ZHIJIAO_TEST_DATABASE_URL` names a server (CI sets it).
//! Afterwards `bench homework run` does the plan's second round against the restarted server.

#![allow(clippy::expect_used, clippy::unwrap_used, reason = "test: a failed expectation is a failed test")]

use std::{
    collections::{HashMap, HashSet},
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, header};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use serde_json::{Value, json};
use store::Store;

/// Students in the plan (whole classes of the small demo district, the last one cut).
const STUDENTS: usize = 100;
/// Submissions acknowledged before the server is killed.
const KILL_AFTER: usize = 30;
/// Submissions in flight at once: fewer than the students, so the kill lands mid-burst.
const IN_FLIGHT: usize = 12;

/// Where the server keeps its data: a temp data dir, and PostgreSQL's URL when on PostgreSQL.
struct Backend {
    name: &'static str,
    data_dir: PathBuf,
    database_url: Option<String>,
}

impl Backend {
    fn args(&self) -> Vec<String> {
        let mut args = vec!["--data-dir".to_owned(), self.data_dir.display().to_string()];
        if let Some(url) = &self.database_url {
            args.extend(["--database-url".to_owned(), url.clone()]);
        }
        args
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zhijiao"));
        command
            .args(self.args())
            .env_remove("ZHIJIAO_DATABASE_URL")
            .env_remove("ZHIJIAO_DATA_DIR")
            .env("ZHIJIAO_LOG", "warn");
        command
    }

    /// The store, opened beside the running server (SQLite in WAL mode allows it).
    async fn store(&self) -> Arc<dyn Store> {
        match &self.database_url {
            Some(url) => Arc::new(store_postgres::PgStore::connect(url).await.expect("connect")),
            None => Arc::new(store_sqlite::SqliteStore::open(&self.data_dir.join("zhijiao.db")).await.expect("open")),
        }
    }
}

/// A running `zhijiao serve`, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts the demo server on a free port and waits until it says where it listens.
    fn start(backend: &Backend, log: &Path) -> Server {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let mut child = backend
            .command()
            .args(["serve", "--demo", "--demo-scale", "small", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn zhijiao serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the URL line, then keeps draining stdout so the server never blocks on it.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://") {
                    let url = line[at..].split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(url.trim_end_matches('/').to_owned());
                }
            }
        });
        let url = rx.recv_timeout(Duration::from_secs(120)).expect("the server printed its address within 2 minutes");
        Server { child, url }
    }

    /// SIGKILL: no shutdown, no flushing, as when the machine's power goes.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

type Http = Client<HttpConnector, Full<Bytes>>;

fn client() -> Http {
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// One request; `Err` when no answer came (the server is gone).
async fn send(
    http: &Http,
    method: Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Result<(u16, Value), String> {
    let body = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let exchange = async {
        let response = http.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    };
    tokio::time::timeout(Duration::from_secs(30), exchange).await.map_err(|_| "timeout".to_owned())?
}

/// One student's submission of the plan's first round.
#[derive(Debug, Clone)]
struct Work {
    student_id: String,
    homework_id: String,
    token: String,
    key: String,
    answers: Vec<Value>,
}

impl Work {
    fn submit_url(&self, base: &str) -> String {
        format!("{base}/api/v1/students/{}/homework/{}/submit", self.student_id, self.homework_id)
    }

    fn body(&self) -> Value {
        json!({ "key": self.key, "answers": self.answers })
    }
}

fn works(plan: &Value) -> Vec<Work> {
    let answers: HashMap<&str, Vec<Value>> = plan["homework"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let given = h["answers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| json!({ "item_id": a["item_id"], "response": a["response"], "seconds": 30 }))
                .collect();
            (h["homework_id"].as_str().unwrap(), given)
        })
        .collect();
    plan["students"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let homework_id = s["homework_ids"][0].as_str().unwrap().to_owned();
            Work {
                student_id: s["student_id"].as_str().unwrap().to_owned(),
                key: format!("durability-{}", s["student_id"].as_str().unwrap()),
                token: s["token"].as_str().unwrap().to_owned(),
                answers: answers[homework_id.as_str()].clone(),
                homework_id,
            }
        })
        .collect()
}

/// Submits every work, `IN_FLIGHT` at a time, and kills the server once `KILL_AFTER` were
/// acknowledged. Returns the indices of the acknowledged ones.
async fn burst_and_kill(server: &mut Server, works: &[Work]) -> HashSet<usize> {
    let http = client();
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, work) in works.iter().cloned().enumerate() {
        let (http, acked, count, killed, gate) =
            (http.clone(), acked.clone(), count.clone(), killed.clone(), gate.clone());
        let finished = finished.clone();
        let url = work.submit_url(&server.url);
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            if !killed.load(Ordering::SeqCst)
                && let Ok((200, _)) = send(&http, Method::POST, url, &work.token, Some(work.body())).await
            {
                acked.lock().unwrap().insert(i);
                count.fetch_add(1, Ordering::SeqCst);
            }
            finished.fetch_add(1, Ordering::SeqCst);
        });
    }
    let started = Instant::now();
    while count.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "fewer than {KILL_AFTER} submissions acknowledged in a minute"
        );
        let ended = finished.load(Ordering::SeqCst) == works.len() && count.load(Ordering::SeqCst) < KILL_AFTER;
        assert!(!ended, "the burst ended with fewer than {KILL_AFTER} acknowledgements");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill();
    killed.store(true, Ordering::SeqCst);
    while let Some(done) = tasks.join_next().await {
        done.expect("submit task");
    }
    // Every task has ended, so this is the last handle.
    Arc::try_unwrap(acked).unwrap().into_inner().unwrap()
}

fn prepare(backend: &Backend, plan: &Path, rounds: u32) {
    let out = backend
        .command()
        .args(["bench", "homework", "prepare", "--students", &STUDENTS.to_string(), "--rounds", &rounds.to_string()])
        .arg("--out")
        .arg(plan)
        .output()
        .expect("run prepare");
    assert!(
        out.status.success(),
        "prepare failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The whole scenario on one backend.
async fn acknowledged_submissions_survive_a_crash(backend: Backend) {
    let started = Instant::now();
    let log = backend.data_dir.join("server.log");
    let mut server = Server::start(&backend, &log);
    let plan_path = backend.data_dir.join("plan.json");
    prepare(&backend, &plan_path, 2);
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    let works = works(&plan);
    assert_eq!(works.len(), STUDENTS, "the small district has {STUDENTS} students in classes");

    let acked = burst_and_kill(&mut server, &works).await;
    assert!(acked.len() >= KILL_AFTER);
    assert!(acked.len() < works.len(), "the kill came after every submission: nothing was tested");
    eprintln!("{}: {} of {} submissions acknowledged before SIGKILL", backend.name, acked.len(), works.len());

    let server = Server::start(&backend, &log);
    let http = client();
    let store = backend.store().await;

    // (a) Everything acknowledged is there, submitted, with its answers.
    for &i in &acked {
        let w = &works[i];
        let list_url = format!("{}/api/v1/students/{}/homework", server.url, w.student_id);
        let (status, list) = send(&http, Method::GET, list_url, &w.token, None).await.unwrap();
        assert_eq!(status, 200, "{list}");
        let row = list.as_array().unwrap().iter().find(|h| h["homework_id"] == w.homework_id.as_str()).unwrap();
        assert_eq!(row["state"], "submitted", "acknowledged submission of {} lost: {row}", w.student_id);
        let submission = store.submission(&w.homework_id, &w.student_id).await.unwrap().unwrap();
        assert_eq!(submission.answers.len(), w.answers.len(), "answers of {} lost", w.student_id);
    }

    // (b) Retrying with the same key succeeds for everyone — a replay for the acknowledged ones —
    // and a second retry is a replay for all; another key is refused.
    for (i, w) in works.iter().enumerate() {
        let (status, answer) =
            send(&http, Method::POST, w.submit_url(&server.url), &w.token, Some(w.body())).await.unwrap();
        assert_eq!(status, 200, "retry of {}: {answer}", w.student_id);
        if acked.contains(&i) {
            assert_eq!(answer["replayed"], true, "{answer}");
        }
        let (status, answer) =
            send(&http, Method::POST, w.submit_url(&server.url), &w.token, Some(w.body())).await.unwrap();
        assert_eq!((status, &answer["replayed"]), (200, &Value::Bool(true)), "{answer}");
    }
    let w = &works[0];
    let other = json!({ "key": "another-key", "answers": [] });
    let (status, answer) = send(&http, Method::POST, w.submit_url(&server.url), &w.token, Some(other)).await.unwrap();
    assert_eq!(status, 409, "a different key after submission: {answer}");

    // (c) One submission and one `submitted` record per student, never two.
    let homework: HashSet<&str> = works.iter().map(|w| w.homework_id.as_str()).collect();
    let mut records: HashMap<(String, String), usize> = HashMap::new();
    for id in &homework {
        for r in store.activity_about("homework", id, 100_000).await.unwrap() {
            if r.verb == "submitted" {
                *records.entry((id.to_string(), r.actor.id.clone())).or_default() += 1;
            }
        }
        let submissions = store.submissions(id).await.unwrap();
        let students: HashSet<&str> = submissions.iter().map(|s| s.student_id.as_str()).collect();
        assert_eq!(students.len(), submissions.len(), "a student has two submissions of {id}");
    }
    for w in &works {
        let submission = store.submission(&w.homework_id, &w.student_id).await.unwrap().unwrap();
        assert_eq!(submission.state, domain::homework::SubmissionState::Submitted, "{}", w.student_id);
        let n = records.get(&(w.homework_id.clone(), w.student_id.clone())).copied().unwrap_or(0);
        assert_eq!(n, 1, "{} has {n} `submitted` records for {}", w.student_id, w.homework_id);
    }
    assert_eq!(records.values().sum::<usize>(), works.len(), "no `submitted` record for anyone else");

    // The load generator does round two: round one shows as submitted and is skipped.
    let json_path = backend.data_dir.join("run.json");
    let out = backend
        .command()
        .args(["bench", "homework", "run", "--url", &server.url, "--concurrency", "20", "--plan"])
        .arg(&plan_path)
        .arg("--json")
        .arg(&json_path)
        .output()
        .expect("run the load generator");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench homework run failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(report["jobs_skipped_already_submitted"], STUDENTS, "{stdout}");
    assert_eq!(
        (report["submissions"].as_u64(), report["errors"].as_u64()),
        (Some(STUDENTS as u64), Some(0)),
        "{stdout}"
    );
    assert!(stdout.contains("| autosave |"), "{stdout}");
    eprintln!("{}: done in {:.1} s\n{stdout}", backend.name, started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_submission() {
    let tmp = tempfile::tempdir().expect("tmp");
    acknowledged_submissions_survive_a_crash(Backend {
        name: "sqlite",
        data_dir: tmp.path().to_owned(),
        database_url: None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_submission() {
    use sqlx::Connection;

    let Ok(admin_url) = std::env::var("ZHIJIAO_TEST_DATABASE_URL") else {
        eprintln!("skipped: ZHIJIAO_TEST_DATABASE_URL is not set, so the PostgreSQL durability test did not run");
        return;
    };
    let name = format!("zhijiao_test_durability_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to the test server");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let mut url = url::Url::parse(&admin_url).expect("test URL");
    url.set_path(&name);
    let tmp = tempfile::tempdir().expect("tmp");
    acknowledged_submissions_survive_a_crash(Backend {
        name: "postgres",
        data_dir: tmp.path().to_owned(),
        database_url: Some(url.to_string()),
    })
    .await;
    // Only reached when the test passed: a failed run leaves the database to look at.
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await.expect("drop database");
}
