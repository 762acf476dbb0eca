//! Helpers shared by the live test files that drive the built binary against the real stack:
//! the stack's connection facts, blocking HTTP to the JobManager, clean CLI runs (in the
//! foreground or in the background, to be signalled), jobs cancelled whatever happens, and the
//! fault proxy (`proxy`). Not every test file uses every helper.
#![allow(dead_code)]

pub mod own_flink;
pub mod proxy;
pub mod pty;
pub mod tls_proxy;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub const STACK_UP: &str = "run scripts/stack.sh up";

/// A guard against a run that hangs: far longer than any run here takes.
pub const HANG_GUARD: Duration = Duration::from_secs(180);

pub const TERMINAL: [&str; 3] = ["FINISHED", "CANCELED", "FAILED"];

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The profile the runs use (`--env NAME`, `env/NAME.env`): `local`, the shared stack's, unless
/// FLINK_SQL_TEST_ENV names another (`local-flink-2.2`, written by `scripts/stack-version.sh 2.2 up`).
pub fn test_env() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let name = std::env::var("FLINK_SQL_TEST_ENV").unwrap_or_else(|_| "local".to_owned());
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "FLINK_SQL_TEST_ENV={name:?} is not a profile name"
        );
        name
    })
}

/// `env/<test_env()>.env` as dotenvy reads it (the file `scripts/stack.sh up` writes).
pub fn local_env() -> &'static HashMap<String, String> {
    static ENV: OnceLock<HashMap<String, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let path = repo().join(format!("env/{}.env", test_env()));
        let iter = dotenvy::from_path_iter(&path)
            .unwrap_or_else(|e| panic!("{} unreadable ({e}): {STACK_UP}", path.display()));
        iter.map(|kv| kv.expect("a valid env/local.env line"))
            .collect()
    })
}

pub fn var(name: &str) -> &'static str {
    local_env()
        .get(name)
        .unwrap_or_else(|| panic!("env/local.env has no {name}: {STACK_UP}"))
}

pub fn gateway_url() -> &'static str {
    var("SQL_GATEWAY_URL")
}

pub fn jobmanager_url() -> &'static str {
    var("FLINK_REST_URL")
}

/// One blocking HTTP call (a fresh current-thread runtime, so it also works in `Drop`).
pub fn http(method: reqwest::Method, url: &str) -> Result<(u16, String), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let resp = reqwest::Client::new()
            .request(method, url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(|e| e.to_string())?;
        Ok((status, body))
    })
}

/// Fails (never skips) when the gateway, the JobManager or its TaskManager is not there.
pub fn require_stack() {
    for url in [
        format!("{}/v1/info", gateway_url()),
        format!("{}/overview", jobmanager_url()),
    ] {
        match http(reqwest::Method::GET, &url) {
            Ok((status, _)) if status < 300 => {}
            Ok((status, body)) => panic!("GET {url} -> {status} ({body}): {STACK_UP}"),
            Err(e) => panic!("the local stack is unreachable ({e}): {STACK_UP}"),
        }
    }
    let overview = get_json(&format!("{}/overview", jobmanager_url()));
    assert!(
        overview["taskmanagers"].as_u64() >= Some(1),
        "no TaskManager is registered with the JobManager ({overview}): {STACK_UP}"
    );
}

/// A GET that must answer 2xx with JSON.
pub fn get_json(url: &str) -> Value {
    let (status, body) = http(reqwest::Method::GET, url).unwrap_or_else(|e| panic!("{e}"));
    assert!(status < 300, "GET {url} -> {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: {e}: {body}"))
}

/// A stamp no other run uses: for job names.
pub fn unique(tag: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{tag}{millis}x{n}")
}

/// A port nobody listens on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Topics exist before pipelines, as on Aiven (and as scripts/quickstart.sh does it): a Flink
/// Kafka source that starts before its topic fails, and its restarts may run out on a slow machine.
pub fn create_topics(names: &[&str]) {
    let mut cmd = Command::new(repo().join("scripts/stack.sh"));
    let out = clean(&mut cmd)
        .current_dir(repo())
        .arg("topics")
        .args(names)
        .output()
        .expect("run scripts/stack.sh topics");
    assert!(
        out.status.success(),
        "scripts/stack.sh topics failed ({STACK_UP}?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A small stateful pipeline named `name`: datagen → `SUM` per key → blackhole, checkpointed
/// every 2 s (its state is what savepoints carry).
pub fn stateful_pipeline(name: &str) -> String {
    format!(
        "SET 'pipeline.name' = '{name}';\n\
         SET 'execution.checkpointing.interval' = '2s';\n\
         CREATE TABLE src (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5',\n\
           'fields.k.min' = '1', 'fields.k.max' = '5', 'fields.v.min' = '1', 'fields.v.max' = '9');\n\
         CREATE TABLE totals (k INT, total BIGINT, PRIMARY KEY (k) NOT ENFORCED)\n\
           WITH ('connector' = 'blackhole');\n\
         INSERT INTO totals SELECT k, SUM(v) FROM src GROUP BY k;\n"
    )
}

// ------------------------------------------------------------------------------------ the CLI

/// The built binary with a clean environment (PATH and HOME only), run from the repository.
pub fn flink_sql() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("flink-sql"));
    clean(&mut cmd).current_dir(repo()).stdin(Stdio::null());
    cmd
}

/// The same, as an `assert_cmd` command that is killed after `timeout` (for `write_stdin`).
pub fn flink_sql_within(timeout: Duration) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(flink_sql());
    cmd.timeout(timeout);
    cmd
}

/// Clears the environment but PATH and HOME (HOME matters: a tricky test password contains a
/// literal `${HOME}`), so nothing from the caller leaks into a run.
pub fn clean(cmd: &mut Command) -> &mut Command {
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "HOME",
            std::env::var("HOME").unwrap_or_else(|_| "/root".into()),
        )
}

/// Something that runs to its end and leaves a [`Run`]: a plain command (spawned in the
/// background, with the hang guard) or an `assert_cmd` one (with its own timeout).
pub trait Launch {
    fn launch(&mut self) -> Run;
}

impl Launch for Command {
    fn launch(&mut self) -> Run {
        Background::spawn(self).finish()
    }
}

impl Launch for assert_cmd::Command {
    fn launch(&mut self) -> Run {
        let out = self.output().expect("flink-sql runs");
        Run {
            code: out
                .status
                .code()
                .unwrap_or_else(|| panic!("flink-sql died by a signal: {:?}", out.status)),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// What one run left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `cmd` to its end (or the hang guard).
    pub fn of(cmd: &mut impl Launch) -> Run {
        cmd.launch()
    }

    /// stdout as ndjson events (each line must parse).
    pub fn events(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| {
                    panic!("stdout line is not JSON ({e}): {l}\n{}", self.dump())
                })
            })
            .collect()
    }

    pub fn dump(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            tail(&self.stdout, 6000),
            tail(&self.stderr, 6000)
        )
    }

    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code\n{}", self.dump());
        self
    }

    /// The one `error:` line of stderr (the statement's one-line message, without `-v`).
    pub fn error_line(&self) -> &str {
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.contains(": error: "))
            .collect();
        assert_eq!(errors.len(), 1, "one error line\n{}", self.dump());
        errors[0]
    }
}

/// The ndjson events of one kind.
pub fn events_of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

/// The `statement_finished` event of statement `statement` (1-based).
pub fn finished(events: &[Value], statement: u64) -> &Value {
    events
        .iter()
        .find(|e| e["event"] == "statement_finished" && e["statement"] == statement)
        .unwrap_or_else(|| panic!("no statement_finished for {statement}: {events:?}"))
}

/// The job ids of the `job_submitted` events, in order.
pub fn job_ids(events: &[Value]) -> Vec<String> {
    events_of(events, "job_submitted")
        .iter()
        .map(|e| e["job_id"].as_str().expect("job_id").to_owned())
        .collect()
}

pub fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// A run in the background: its output is collected as it comes, so a test can wait for a
/// line and then signal it. Killed if the test ends first.
pub struct Background {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Background {
    pub fn spawn(cmd: &mut Command) -> Background {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn flink-sql");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone()),
            collect(child.stderr.take().unwrap(), stderr.clone()),
        ];
        Background {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// The run's standard input, when it was spawned with `Stdio::piped()` (once).
    pub fn take_stdin(&mut self) -> std::process::ChildStdin {
        self.child.stdin.take().expect("spawned with a piped stdin")
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits until stdout satisfies `what` (or the run ends, or the hang guard).
    pub fn wait_for_stdout(&mut self, what: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + HANG_GUARD;
        while !what(&self.stdout()) {
            let ended = self.child.try_wait().unwrap().is_some();
            assert!(
                !ended && Instant::now() < deadline,
                "stdout never showed what the test waits for:\n{}\n--- stderr\n{}",
                tail(&self.stdout(), 4000),
                tail(&self.stderr(), 4000)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until stderr satisfies `what` (or the run ends, or the hang guard).
    pub fn wait_for_stderr(&mut self, what: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + HANG_GUARD;
        while !what(&self.stderr()) {
            let ended = self.child.try_wait().unwrap().is_some();
            assert!(
                !ended && Instant::now() < deadline,
                "stderr never showed what the test waits for:\n{}",
                tail(&self.stderr(), 4000)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// `kill -SIGNAL <pid>`, as a user or a CI runner would.
    pub fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill -{signal} failed");
    }

    /// Waits for the exit (up to the hang guard).
    pub fn finish(mut self) -> Run {
        let deadline = Instant::now() + HANG_GUARD;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("flink-sql hung; stderr:\n{}", tail(&self.stderr(), 4000));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let text = |s: &Arc<Mutex<String>>| s.lock().unwrap().clone();
        Run {
            code: status
                .code()
                .unwrap_or_else(|| panic!("flink-sql died by a signal: {status:?}")),
            stdout: text(&self.stdout),
            stderr: text(&self.stderr),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect(
    mut from: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = from.read(&mut buf) {
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
}

// ------------------------------------------------------------------------------------ jobs

/// `(jid, state)` of every job whose name is exactly `name`; `None` when the JobManager does not
/// answer (for `Drop`s, which must not panic).
pub fn try_jobs_named(name: &str) -> Option<Vec<(String, String)>> {
    let (status, body) = http(
        reqwest::Method::GET,
        &format!("{}/jobs/overview", jobmanager_url()),
    )
    .ok()?;
    let overview: Value = serde_json::from_str(&body).ok().filter(|_| status < 300)?;
    let jobs = overview["jobs"].as_array()?;
    Some(
        jobs.iter()
            .filter(|j| j["name"] == name)
            .filter_map(|j| {
                Some((
                    j["jid"].as_str()?.to_owned(),
                    j["state"].as_str()?.to_owned(),
                ))
            })
            .collect(),
    )
}

/// `(jid, state)` of every job whose name is exactly `name`.
pub fn jobs_named(name: &str) -> Vec<(String, String)> {
    try_jobs_named(name).unwrap_or_else(|| panic!("the JobManager does not answer: {STACK_UP}"))
}

pub fn job_state(jid: &str) -> Option<String> {
    let (_, body) = http(
        reqwest::Method::GET,
        &format!("{}/jobs/{jid}", jobmanager_url()),
    )
    .ok()?;
    let job: Value = serde_json::from_str(&body).ok()?;
    job["state"].as_str().map(str::to_owned)
}

/// Polls until the job is in a terminal state (up to 60 s); returns the last state seen.
pub fn settled_state(jid: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let state = job_state(jid);
        if state.as_deref().is_some_and(|s| TERMINAL.contains(&s)) || Instant::now() >= deadline {
            return state;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Jobs named `name` (a unique `pipeline.name`): on drop, also when the test panics, every one
/// that still runs is cancelled.
pub struct Jobs(pub String);

impl Drop for Jobs {
    fn drop(&mut self) {
        let Ok((_, body)) = http(
            reqwest::Method::GET,
            &format!("{}/jobs/overview", jobmanager_url()),
        ) else {
            return;
        };
        let Ok(overview) = serde_json::from_str::<Value>(&body) else {
            return;
        };
        for job in overview["jobs"].as_array().into_iter().flatten() {
            let running = !TERMINAL.iter().any(|t| job["state"] == *t);
            if job["name"] == self.0.as_str() && running {
                let jid = job["jid"].as_str().unwrap_or_default();
                let url = format!("{}/jobs/{jid}?mode=cancel", jobmanager_url());
                let _ = http(reqwest::Method::PATCH, &url);
            }
        }
    }
}
