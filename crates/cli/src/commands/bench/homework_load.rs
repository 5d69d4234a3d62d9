//! `zhijiao bench homework run`: a closed-loop load generator. Each of `--concurrency` virtual
//! students takes the next (student, homework) of the plan and does what a student's app does
//! with it — the list, opening the homework, one autosave per answer, the submission with a fresh
//! idempotency key — over keep-alive HTTP/1 connections, timing every request.

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, header};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use super::{
    homework_plan::{Plan, PlanHomework, PlanStudent},
    homework_report::{Kind, LoadReport, Tally},
    report,
};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// 平台地址 / the platform's address
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// prepare 写出的计划文件 / the plan `prepare` wrote
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// 同时作答的虚拟学生数 / virtual students working at once
    #[arg(long, default_value_t = 500)]
    concurrency: usize,
    /// 运行秒数（不再开始新作业；默认做完计划） / seconds to run (no new homework is started after;
    /// default: until the plan is done)
    #[arg(long)]
    duration_secs: Option<u64>,
    /// 只用计划的前几轮作业 / use only the plan's first rounds of homework
    #[arg(long)]
    rounds: Option<u32>,
    /// 两次请求之间的平均思考时间（毫秒，每次在 50–150% 间随机） / mean think time before each of a
    /// student's requests (ms; each pause drawn from 50–150 % of it, so students do not move in
    /// lockstep); 0 = saturation
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// 学生在这段时间内（毫秒）均匀陆续开始，而不是同时涌入 / students arrive evenly over this many
    /// ms instead of all at once (an evening's students do not all sign in at the same instant, and
    /// a herd of first requests measures cold caches rather than the evening)
    #[arg(long, default_value_t = 0)]
    ramp_up_ms: u64,
    /// 单个请求的超时（秒） / timeout of one request (s)
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
    /// 把全部数字写入 JSON 文件 / write every number to this JSON file
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
}

/// `zhijiao bench homework run`.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let base = args.url.trim_end_matches('/').to_owned();
    if !base.starts_with("http://") {
        bail!("--url must be http://HOST:PORT (the load generator speaks plain HTTP/1.1)");
    }
    let plan = Plan::read(&args.plan)?;
    let jobs = Jobs::of(&plan, args.rounds);
    if jobs.list.is_empty() {
        bail!("the plan holds no homework to do");
    }
    let load_at_start = report::load_average();
    let http = Http::new(base.clone(), Duration::from_secs(args.timeout_secs));
    // Fail early and clearly when the server is not there.
    probe(&http, &plan).await?;

    let shared = Arc::new(Shared {
        plan,
        jobs,
        next: AtomicUsize::new(0),
        http,
        deadline: args.duration_secs.map(|s| Instant::now() + Duration::from_secs(s)),
        think: Duration::from_millis(args.think_ms),
        ramp_up: Duration::from_millis(args.ramp_up_ms),
        concurrency: args.concurrency,
    });
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for seed in 0..args.concurrency as u64 {
        let shared = shared.clone();
        workers.spawn(async move { shared.work(seed).await });
    }
    let mut tally = Tally::default();
    while let Some(done) = workers.join_next().await {
        tally.merge(done.context("a virtual student crashed")?);
    }
    let wall = started.elapsed();
    let mut report = LoadReport::new(
        tally,
        wall,
        report::Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            load_average_start: load_at_start,
            load_average_end: report::load_average(),
        },
        base,
        args.concurrency,
        args.think_ms,
        shared.plan.backend.clone(),
        shared.jobs.list.len(),
    );
    report.ramp_up_ms = args.ramp_up_ms;
    print!("{report}");
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One GET with the first student's token: the server answers, and the token works.
async fn probe(http: &Http, plan: &Plan) -> anyhow::Result<()> {
    let Some(student) = plan.students.first() else { bail!("the plan has no students") };
    let path = format!("/api/v1/students/{}/homework", student.student_id);
    let answer = http.send(Method::GET, &path, &student.token, None).await;
    match answer.status {
        Ok(200) => Ok(()),
        Ok(status) => bail!(
            "{}{path} answered {status} for the plan's first student: is this the server the plan was prepared for? {}",
            http.base,
            String::from_utf8_lossy(&answer.body)
        ),
        Err(e) => bail!("cannot reach {}: {e}", http.base),
    }
}

/// The (student, homework) pairs to work through, round by round.
struct Jobs {
    list: Vec<(usize, usize)>,
}

impl Jobs {
    fn of(plan: &Plan, rounds: Option<u32>) -> Jobs {
        let index: std::collections::HashMap<&str, usize> =
            plan.homework.iter().enumerate().map(|(i, h)| (h.homework_id.as_str(), i)).collect();
        let rounds = rounds.unwrap_or(plan.rounds).min(plan.rounds) as usize;
        let mut list = Vec::new();
        for round in 0..rounds {
            for (s, student) in plan.students.iter().enumerate() {
                if let Some(h) = student.homework_ids.get(round).and_then(|id| index.get(id.as_str())) {
                    list.push((s, *h));
                }
            }
        }
        Jobs { list }
    }
}

/// What every virtual student shares.
struct Shared {
    plan: Plan,
    jobs: Jobs,
    next: AtomicUsize,
    http: Http,
    deadline: Option<Instant>,
    think: Duration,
    ramp_up: Duration,
    concurrency: usize,
}

/// The part of the list answer the load generator reads.
#[derive(Deserialize)]
struct Listed {
    homework_id: String,
    state: String,
}

/// The part of the submit answer the load generator reads.
#[derive(Deserialize)]
struct SubmitAnswer {
    replayed: bool,
}

impl Shared {
    /// One virtual student: homework after homework until the plan or the time runs out.
    async fn work(&self, seed: u64) -> Tally {
        let mut tally = Tally::default();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Students do not all start in the same millisecond.
        if !self.ramp_up.is_zero() {
            tokio::time::sleep(self.ramp_up.mul_f64(seed as f64 / self.concurrency as f64)).await;
        } else if !self.think.is_zero() {
            tokio::time::sleep(self.think.mul_f64(rng.random_range(0.0..1.0))).await;
        }
        loop {
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let Some(&(s, h)) = self.jobs.list.get(self.next.fetch_add(1, Ordering::Relaxed)) else { break };
            self.job(&self.plan.students[s], &self.plan.homework[h], &mut tally, &mut rng).await;
        }
        tally
    }

    /// One homework, as a student's app does it.
    async fn job(&self, student: &PlanStudent, homework: &PlanHomework, tally: &mut Tally, rng: &mut ChaCha8Rng) {
        let token = &student.token;
        let list_path = format!("/api/v1/students/{}/homework", student.student_id);
        let answer = self.http.send(Method::GET, &list_path, token, None).await;
        tally.record(Kind::List, &answer);
        if answer.status == Ok(200)
            && let Ok(listed) = serde_json::from_slice::<Vec<Listed>>(&answer.body)
            && listed.iter().any(|l| l.homework_id == homework.homework_id && l.state == "submitted")
        {
            // Done in an earlier run of the same plan: a student would not open it again.
            tally.skipped += 1;
            return;
        }
        tally.jobs += 1;
        self.pause(rng).await;
        let path = format!("/api/v1/students/{}/homework/{}", student.student_id, homework.homework_id);
        let answer = self.http.send(Method::GET, &path, token, None).await;
        tally.record(Kind::Open, &answer);
        for (position, planned) in homework.answers.iter().enumerate() {
            self.pause(rng).await;
            let body = serde_json::json!({
                "item_id": planned.item_id,
                "response": planned.response,
                "seconds": 20 + (position * 13) % 70,
                "position": position,
            });
            let answer = self.http.send(Method::PUT, &format!("{path}/answers"), token, Some(body)).await;
            tally.record(Kind::Save, &answer);
        }
        self.pause(rng).await;
        let key = match web::auth::secret::random_secret() {
            Ok(secret) => format!("bench-{}", &secret[..24]),
            Err(_) => format!("bench-{}-{}", student.student_id, homework.homework_id),
        };
        let body = serde_json::json!({ "key": key, "answers": [] });
        let answer = self.http.send(Method::POST, &format!("{path}/submit"), token, Some(body)).await;
        tally.record(Kind::Submit, &answer);
        if answer.status == Ok(200) {
            match serde_json::from_slice::<SubmitAnswer>(&answer.body) {
                Ok(SubmitAnswer { replayed: false }) => tally.submitted += 1,
                Ok(SubmitAnswer { replayed: true }) => tally.replayed += 1,
                Err(_) => *tally.errors[Kind::Submit as usize].entry("bad_body".into()).or_default() += 1,
            }
        }
    }

    async fn pause(&self, rng: &mut ChaCha8Rng) {
        if !self.think.is_zero() {
            tokio::time::sleep(self.think.mul_f64(rng.random_range(0.5..1.5))).await;
        }
    }
}

/// A keep-alive HTTP/1.1 client for one server.
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    timeout: Duration,
}

/// What one request came to.
pub struct Answer {
    /// The status, or why there was none (`io`, `timeout`).
    pub status: Result<u16, &'static str>,
    pub body: Bytes,
    pub elapsed: Duration,
}

impl Http {
    pub fn new(base: String, timeout: Duration) -> Http {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Http { client, base, timeout }
    }

    /// Sends one request with the token, timing it up to the last byte of the answer.
    pub async fn send(&self, method: Method, path: &str, token: &str, body: Option<serde_json::Value>) -> Answer {
        let started = Instant::now();
        let bytes = body.map(|b| serde_json::to_vec(&b).unwrap_or_default());
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT, "application/json");
        if bytes.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let Ok(request) = request.body(Full::new(Bytes::from(bytes.unwrap_or_default()))) else {
            return Answer { status: Err("bad_request"), body: Bytes::new(), elapsed: started.elapsed() };
        };
        let exchange = async {
            let response = self.client.request(request).await.map_err(|_| "io")?;
            let status = response.status().as_u16();
            let body = response.into_body().collect().await.map_err(|_| "io")?.to_bytes();
            Ok::<_, &'static str>((status, body))
        };
        let (status, body) = match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok((status, body))) => (Ok(status), body),
            Ok(Err(e)) => (Err(e), Bytes::new()),
            Err(_) => (Err("timeout"), Bytes::new()),
        };
        Answer { status, body, elapsed: started.elapsed() }
    }
}
