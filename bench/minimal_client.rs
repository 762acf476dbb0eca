//! The "perfect client" baseline of bench/run.sh (SPEC §12): the fewest SQL Gateway REST calls
//! that can run a script.
//!
//!   open session → per statement: POST statement, GET result/0 (again at once while NOT_READY;
//!   for a query, follow nextResultUri to EOS) → delete session.
//!
//! No version negotiation (v4 hard-wired), no operation close, no heartbeat, no rendering: rows
//! are only counted. Statements are split at a `;` that ends a line, which is enough for the
//! generated bench scripts (no `;` at a line end inside a string).
//!
//! Usage: minimal_client GATEWAY_URL FILE [PAUSE|configure]
//! PAUSE says how long to wait before re-asking after a NOT_READY or empty page (`FIRST+THEN`:
//! FIRST µs before the first ask after each POST, then THEN µs between asks):
//!   a number of µs (default 0: a busy poll, the lowest latency, but on a small machine its
//!   requests compete with the gateway for CPU), or `backoff`: flink-sql's own schedule
//!   (`flink_sql::runner::Pace` for a statement's first page, `pause_after` the last rows for
//!   the next ones), so that the difference to flink-sql is only the calls and the client-side
//!   work. bench/run.sh runs all three and takes the
//!   fastest as the baseline.
//!
//! `configure` sends every statement that is not a SELECT through the gateway's configure-session
//! call (API v2+: it answers once the statement ran, so nothing is polled), as flink-sql does for
//! statements that only change the session; a SELECT is busy-polled.
//!
//! For analysis only, MINIMAL_DECODE=value decodes every page's rows into `serde_json::Value`s
//! (as flink-sql's wire types do) instead of skipping them, to show what that decoding costs.
//! Prints one line on stdout: `statements=N calls=N rows=N elapsed_ms=N`.

use std::time::{Duration, Instant};

use flink_sql::runner::{pause_after, Class, Pace};

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct SessionHandle {
    #[serde(rename = "sessionHandle")]
    session_handle: String,
}

#[derive(Deserialize)]
struct OperationHandle {
    #[serde(rename = "operationHandle")]
    operation_handle: String,
}

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(rename = "resultKind", default)]
    result_kind: Option<String>,
    #[serde(default)]
    results: Option<Results>,
    #[serde(rename = "nextResultUri", default)]
    next_result_uri: Option<String>,
}

#[derive(Deserialize)]
struct Results {
    #[serde(default)]
    data: Vec<IgnoredAny>,
}

#[derive(Deserialize)]
struct DecodedPage {
    #[serde(default)]
    results: Option<DecodedResults>,
}

#[derive(Deserialize)]
struct DecodedResults {
    #[serde(default)]
    data: Vec<serde_json::Value>,
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

struct Client {
    http: reqwest::Client,
    base: String,
    calls: u64,
}

impl Client {
    async fn send(&mut self, req: reqwest::RequestBuilder) -> Result<Vec<u8>> {
        self.calls += 1;
        let resp = req.send().await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        Ok(body.to_vec())
    }
}

fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed.trim_start().starts_with("--") && current.trim().is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if trimmed.ends_with(';') {
            let stmt = current.trim().trim_end_matches(';').trim().to_owned();
            if !stmt.is_empty() {
                out.push(stmt);
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

#[derive(Clone, Copy)]
enum Pause {
    Fixed(Duration),
    Backoff,
    /// A first pause after the POST, then a fixed one (`FIRST+THEN`, in µs): the curve of
    /// bench/run.sh's part 1c.
    FirstThen(Duration, Duration),
}

impl Pause {
    /// Waits before re-asking for a page that brought nothing, `quiet` after the last rows.
    async fn wait(self, quiet: Duration) {
        let d = match self {
            Pause::Fixed(d) | Pause::FirstThen(_, d) => d,
            Pause::Backoff => pause_after(quiet),
        };
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }
}

async fn run(base: &str, file: &str, pause: Pause, configure: bool) -> Result<(usize, u64, u64)> {
    let text = std::fs::read_to_string(file)?;
    let statements = statements(&text);
    let mut c = Client {
        http: reqwest::Client::new(),
        base: base.trim_end_matches('/').to_owned(),
        calls: 0,
    };
    let url = format!("{}/v4/sessions", c.base);
    let body = c
        .send(c.http.post(&url).json(&json!({"properties": {}})))
        .await?;
    let session = serde_json::from_slice::<SessionHandle>(&body)?.session_handle;
    let session_url = format!("{}/v4/sessions/{session}", c.base);
    let mut rows = 0u64;
    let mut ready: Vec<Duration> = Vec::new();
    let pace = Pace::new();
    let decode = std::env::var("MINIMAL_DECODE").is_ok_and(|v| v == "value");
    for sql in &statements {
        let is_select = sql.trim_start().to_ascii_uppercase().starts_with("SELECT");
        if configure && !is_select {
            let url = format!("{session_url}/configure-session");
            c.send(c.http.post(&url).json(&json!({ "statement": sql })))
                .await?;
            continue;
        }
        let body = c
            .send(
                c.http
                    .post(format!("{session_url}/statements"))
                    .json(&json!({ "statement": sql })),
            )
            .await?;
        let op = serde_json::from_slice::<OperationHandle>(&body)?.operation_handle;
        let mut path = format!("/v4/sessions/{session}/operations/{op}/result/0?rowFormat=JSON");
        let mut quiet_since = Instant::now();
        let posted = quiet_since;
        let mut first_ready = true;
        // The bench's scripts hold no INSERT; a SELECT's first page is paced as a query's.
        let class = if is_select {
            Class::Query
        } else {
            Class::Other
        };
        match pause {
            Pause::FirstThen(first, _) => tokio::time::sleep(first).await,
            Pause::Backoff => tokio::time::sleep(pace.first_ask(class)).await,
            Pause::Fixed(_) => {}
        }
        let mut asks = 0u32;
        loop {
            let asked = posted.elapsed();
            asks += 1;
            let body = c.send(c.http.get(format!("{}{path}", c.base))).await?;
            let page: Page = serde_json::from_slice(&body)?;
            match page.result_type.as_str() {
                "NOT_READY" if first_ready && matches!(pause, Pause::Backoff) => {
                    tokio::time::sleep(pace.pause(class, posted.elapsed())).await;
                    continue;
                }
                "NOT_READY" => {
                    pause.wait(quiet_since.elapsed()).await;
                    continue;
                }
                "EOS" => break,
                _ => {}
            }
            if std::mem::take(&mut first_ready) {
                ready.push(asked);
                pace.ready(class, asked, asks == 1);
            }
            // DDL / SET: the lone OK row is the whole answer (and is not counted).
            if page.result_kind.as_deref() == Some("SUCCESS") {
                break;
            }
            let brought = page.results.map_or(0, |r| r.data.len() as u64);
            if decode {
                let decoded: DecodedPage = serde_json::from_slice(&body)?;
                std::hint::black_box(decoded.results.map(|r| r.data));
            }
            rows += brought;
            if brought == 0 {
                pause.wait(quiet_since.elapsed()).await;
            } else {
                quiet_since = Instant::now();
            }
            match page.next_result_uri {
                Some(next) => path = next,
                None => break,
            }
        }
    }
    c.send(c.http.delete(&session_url)).await?;
    if std::env::var_os("MINIMAL_READY").is_some() {
        ready.sort();
        let q = |p: usize| ready[(ready.len() - 1) * p / 100].as_micros();
        eprintln!(
            "first ready page asked at (µs after the POST's answer): p0={} p10={} p25={} p50={} p75={} p90={} p100={}",
            q(0), q(10), q(25), q(50), q(75), q(90), q(100)
        );
    }
    Ok((statements.len(), c.calls, rows))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !(3..=4).contains(&args.len()) {
        eprintln!(
            "usage: minimal_client GATEWAY_URL FILE [PAUSE_US|FIRST_US+THEN_US|backoff|configure]"
        );
        std::process::exit(2);
    }
    let configure = args.get(3).is_some_and(|a| a == "configure");
    let pause = match args.get(3).map(String::as_str) {
        None | Some("configure") => Pause::Fixed(Duration::ZERO),
        Some("backoff") => Pause::Backoff,
        Some(spec) if spec.contains('+') => {
            let (first, then) = spec.split_once('+').unwrap();
            let us = |v: &str| Duration::from_micros(v.parse().expect("FIRST+THEN in µs"));
            Pause::FirstThen(us(first), us(then))
        }
        Some(us) => Pause::Fixed(Duration::from_micros(us.parse().expect("PAUSE_US"))),
    };
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(&args[1], &args[2], pause, configure)) {
        Ok((statements, calls, rows)) => println!(
            "statements={statements} calls={calls} rows={rows} elapsed_ms={}",
            started.elapsed().as_millis()
        ),
        Err(e) => {
            eprintln!("minimal_client: {e}");
            std::process::exit(1);
        }
    }
}
