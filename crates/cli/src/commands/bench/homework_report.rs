//! What a homework load run measured: per request type the count, share of the mix, errors by
//! status and latency percentiles; overall requests and submissions per second. Printed as a
//! Markdown table and written as JSON.

use std::{collections::BTreeMap, fmt, time::Duration};

use serde::Serialize;

use super::{homework_load::Answer, report::Machine};

/// The request types of the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `GET /students/{id}/homework`
    List = 0,
    /// `GET /students/{id}/homework/{hw}`
    Open = 1,
    /// `PUT …/answers`
    Save = 2,
    /// `POST …/submit`
    Submit = 3,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::List, Kind::Open, Kind::Save, Kind::Submit];

    pub fn label(self) -> &'static str {
        match self {
            Kind::List => "list",
            Kind::Open => "open",
            Kind::Save => "autosave",
            Kind::Submit => "submit",
        }
    }

    fn route(self) -> &'static str {
        match self {
            Kind::List => "GET /api/v1/students/{id}/homework",
            Kind::Open => "GET …/homework/{hw}",
            Kind::Save => "PUT …/homework/{hw}/answers",
            Kind::Submit => "POST …/homework/{hw}/submit",
        }
    }
}

/// One virtual student's counts, merged at the end.
#[derive(Debug, Default)]
pub struct Tally {
    /// Microseconds of each successful (2xx) request, by kind.
    pub micros: [Vec<u32>; 4],
    /// Everything else by kind: the status, or `io`/`timeout` when there was none.
    pub errors: [BTreeMap<String, u64>; 4],
    /// Homework worked on (opened, answered, submitted).
    pub jobs: u64,
    /// Homework the list showed as submitted already (an earlier run of the same plan).
    pub skipped: u64,
    /// Submissions acknowledged as new.
    pub submitted: u64,
    /// Submissions answered as a replay of an earlier one: never expected with fresh keys.
    pub replayed: u64,
}

impl Tally {
    pub fn record(&mut self, kind: Kind, answer: &Answer) {
        match answer.status {
            Ok(status) if (200..300).contains(&status) => {
                self.micros[kind as usize].push(u32::try_from(answer.elapsed.as_micros()).unwrap_or(u32::MAX));
            }
            Ok(status) => *self.errors[kind as usize].entry(status.to_string()).or_default() += 1,
            Err(why) => *self.errors[kind as usize].entry(why.to_owned()).or_default() += 1,
        }
    }

    pub fn merge(&mut self, other: Tally) {
        for (mine, theirs) in self.micros.iter_mut().zip(other.micros) {
            mine.extend(theirs);
        }
        for (mine, theirs) in self.errors.iter_mut().zip(other.errors) {
            for (status, n) in theirs {
                *mine.entry(status).or_default() += n;
            }
        }
        self.jobs += other.jobs;
        self.skipped += other.skipped;
        self.submitted += other.submitted;
        self.replayed += other.replayed;
    }
}

/// Latency percentiles (nearest rank) of successful requests, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Percentiles {
    pub fn of(micros: &mut [u32]) -> Percentiles {
        if micros.is_empty() {
            return Percentiles::default();
        }
        micros.sort_unstable();
        let ms = |us: u32| f64::from(us) / 1e3;
        let at = |p: f64| ms(micros[((micros.len() as f64 * p).ceil() as usize).clamp(1, micros.len()) - 1]);
        let sum: u64 = micros.iter().map(|&us| u64::from(us)).sum();
        Percentiles {
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            max_ms: ms(micros[micros.len() - 1]),
            mean_ms: sum as f64 / micros.len() as f64 / 1e3,
        }
    }
}

/// One request type's figures.
#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    pub kind: &'static str,
    pub route: &'static str,
    pub requests: u64,
    /// Share of all requests (the mix).
    pub share: f64,
    pub ok: u64,
    /// Failed requests by status (or `io`, `timeout`).
    pub errors: BTreeMap<String, u64>,
    pub per_second: f64,
    pub latency: Percentiles,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub machine: Machine,
    pub url: String,
    /// The store the plan was prepared in.
    pub backend: String,
    pub concurrency: usize,
    /// The mean pause between one student's requests (each drawn from 50–150 % of it); 0 is a
    /// saturation run, every student sending its next request the moment the last is answered.
    pub think_ms: u64,
    /// Students arrived evenly over this many ms (0: all within the first think time).
    pub ramp_up_ms: u64,
    pub wall_seconds: f64,
    /// (student, homework) pairs in the plan (within the rounds used).
    pub jobs_planned: usize,
    pub jobs_run: u64,
    pub jobs_skipped_already_submitted: u64,
    pub submissions: u64,
    pub replayed_submissions: u64,
    pub requests: u64,
    pub errors: u64,
    pub requests_per_second: f64,
    /// Finished homework: accepted final submits per second.
    pub submissions_per_second: f64,
    /// Every request that submits answers (autosaves and final submits) per second, and their
    /// latency together.
    pub answer_writes_per_second: f64,
    pub answer_writes: Percentiles,
    pub kinds: Vec<KindReport>,
    /// Every successful request together.
    pub all: Percentiles,
}

impl LoadReport {
    #[allow(clippy::too_many_arguments, reason = "the run's facts, gathered once")]
    pub fn new(
        mut tally: Tally,
        wall: Duration,
        machine: Machine,
        url: String,
        concurrency: usize,
        think_ms: u64,
        backend: String,
        jobs_planned: usize,
    ) -> LoadReport {
        let seconds = wall.as_secs_f64().max(1e-9);
        let count = |k: usize, t: &Tally| t.micros[k].len() as u64 + t.errors[k].values().sum::<u64>();
        let requests: u64 = (0..4).map(|k| count(k, &tally)).sum();
        let errors: u64 = tally.errors.iter().map(|e| e.values().sum::<u64>()).sum();
        let mut all: Vec<u32> = tally.micros.iter().flatten().copied().collect();
        let writes = [Kind::Save as usize, Kind::Submit as usize];
        let mut answer_writes: Vec<u32> = writes.iter().flat_map(|&k| tally.micros[k].iter().copied()).collect();
        let answer_write_count: u64 = writes.iter().map(|&k| count(k, &tally)).sum();
        let kinds = Kind::ALL
            .iter()
            .map(|&kind| {
                let k = kind as usize;
                let n = count(k, &tally);
                KindReport {
                    kind: kind.label(),
                    route: kind.route(),
                    requests: n,
                    share: if requests > 0 { n as f64 / requests as f64 } else { 0.0 },
                    ok: tally.micros[k].len() as u64,
                    errors: tally.errors[k].clone(),
                    per_second: n as f64 / seconds,
                    latency: Percentiles::of(&mut tally.micros[k]),
                }
            })
            .collect();
        LoadReport {
            machine,
            url,
            backend,
            concurrency,
            think_ms,
            ramp_up_ms: 0,
            wall_seconds: wall.as_secs_f64(),
            jobs_planned,
            jobs_run: tally.jobs,
            jobs_skipped_already_submitted: tally.skipped,
            submissions: tally.submitted,
            replayed_submissions: tally.replayed,
            requests,
            errors,
            requests_per_second: requests as f64 / seconds,
            submissions_per_second: tally.submitted as f64 / seconds,
            answer_writes_per_second: answer_write_count as f64 / seconds,
            answer_writes: Percentiles::of(&mut answer_writes),
            kinds,
            all: Percentiles::of(&mut all),
        }
    }
}

fn load(l: Option<[f64; 3]>) -> String {
    l.map_or_else(|| "unknown".to_owned(), |[a, b, c]| format!("{a:.2} {b:.2} {c:.2}"))
}

fn errors(e: &BTreeMap<String, u64>) -> String {
    if e.is_empty() {
        return "–".to_owned();
    }
    e.iter().map(|(status, n)| format!("{status}×{n}")).collect::<Vec<_>>().join(" ")
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# 作业负载基准 / homework load ({}, {})", self.backend, self.url)?;
        writeln!(
            f,
            "machine: {} cores shared by server and load generator; load average {} at start, {} at end",
            self.machine.cores,
            load(self.machine.load_average_start),
            load(self.machine.load_average_end)
        )?;
        writeln!(
            f,
            "{} virtual students for {:.1} s: {} homework done of {} planned ({} skipped, submitted before)",
            self.concurrency, self.wall_seconds, self.jobs_run, self.jobs_planned, self.jobs_skipped_already_submitted
        )?;
        if self.ramp_up_ms > 0 {
            writeln!(
                f,
                "students arrive evenly over the first {:.1} s (ramp-up, counted in every figure)",
                self.ramp_up_ms as f64 / 1000.0
            )?;
        }
        if self.think_ms == 0 {
            writeln!(f, "no think time: a saturation run, each student sends its next request once answered\n")?;
        } else {
            writeln!(
                f,
                "think time {} ms on average (50–150 %, random) before each of a student's requests\n",
                self.think_ms
            )?;
        }
        writeln!(f, "| request | count | mix | ok | errors | /s | p50 ms | p90 ms | p99 ms | max ms |")?;
        writeln!(f, "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")?;
        for k in &self.kinds {
            let l = &k.latency;
            writeln!(
                f,
                "| {} | {} | {:.1}% | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
                k.kind,
                k.requests,
                100.0 * k.share,
                k.ok,
                errors(&k.errors),
                k.per_second,
                l.p50_ms,
                l.p90_ms,
                l.p99_ms,
                l.max_ms
            )?;
        }
        let a = &self.all;
        writeln!(
            f,
            "| **all** | {} | 100% | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            self.requests,
            self.requests - self.errors,
            self.errors,
            self.requests_per_second,
            a.p50_ms,
            a.p90_ms,
            a.p99_ms,
            a.max_ms
        )?;
        writeln!(
            f,
            "\nrequests/s {:.1} · submissions/s {:.1} ({} acknowledged, {} replayed)",
            self.requests_per_second, self.submissions_per_second, self.submissions, self.replayed_submissions
        )?;
        let w = &self.answer_writes;
        writeln!(
            f,
            "answer writes/s (autosaves + submits) {:.1} · p50 {:.1} ms · p99 {:.1} ms",
            self.answer_writes_per_second, w.p50_ms, w.p99_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: Result<u16, &'static str>, ms: u64) -> Answer {
        Answer { status, body: bytes::Bytes::new(), elapsed: Duration::from_millis(ms) }
    }

    #[test]
    fn tallies_merge_into_a_report() {
        let mut a = Tally::default();
        for ms in 1..=100 {
            a.record(Kind::Save, &answer(Ok(200), ms));
        }
        a.record(Kind::Save, &answer(Ok(409), 1));
        let mut b = Tally::default();
        b.record(Kind::Submit, &answer(Ok(200), 7));
        b.record(Kind::Submit, &answer(Err("io"), 7));
        b.record(Kind::Submit, &answer(Ok(409), 7));
        b.submitted = 1;
        a.merge(b);
        let machine = Machine { cores: 2, load_average_start: None, load_average_end: None };
        let r = LoadReport::new(a, Duration::from_secs(2), machine, "http://x".into(), 10, 0, "sqlite".into(), 5);
        assert_eq!((r.requests, r.errors, r.submissions), (104, 3, 1));
        let save = &r.kinds[Kind::Save as usize];
        assert_eq!((save.requests, save.ok), (101, 100));
        assert_eq!((save.latency.p50_ms, save.latency.p99_ms, save.latency.max_ms), (50.0, 99.0, 100.0));
        let submit = &r.kinds[Kind::Submit as usize];
        assert_eq!(submit.errors.get("409"), Some(&1));
        assert_eq!(submit.errors.get("io"), Some(&1));
        assert!((r.requests_per_second - 52.0).abs() < 1e-9);
        // Every request here writes answers: 101 autosaves and 3 submits, failures included.
        assert!((r.answer_writes_per_second - 52.0).abs() < 1e-9);
        let shown = r.to_string();
        assert!(shown.contains("| submit | 3 |") && shown.contains("409×1 io×1"), "{shown}");
        assert!(
            shown.contains("no think time") && shown.contains("answer writes/s (autosaves + submits) 52.0"),
            "{shown}"
        );
    }
}
