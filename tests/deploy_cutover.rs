//! The job side of the cutover in README "Moving from the old platform" (steps 1 and 4), run as
//! written against the REAL local stack: a streaming pipeline is stopped with a savepoint through
//! the gateway (`STOP JOB '<id>' WITH SAVEPOINT`), and the same pipeline file resumes from that
//! savepoint with `--session-property execution.state-recovery.path=<path>`. The kube rig has no
//! Flink (tests/deploy_rig.rs covers the cluster side), so this is where those two steps are
//! proven. Fails (never skips) when the stack is not up; cancels what it starts.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command as StdCommand;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn local_env() -> HashMap<String, String> {
    let path = repo().join("env/local.env");
    dotenvy::from_path_iter(&path)
        .unwrap_or_else(|e| {
            panic!(
                "{} unreadable ({e}): run scripts/stack.sh up",
                path.display()
            )
        })
        .map(|kv| kv.expect("a valid env/local.env line"))
        .collect()
}

/// `flink-sql exec --env local --format ndjson ARGS`, as ndjson events; the run must succeed.
fn exec(args: &[&str]) -> Vec<Value> {
    let out = Command::cargo_bin("flink-sql")
        .unwrap()
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default())
        .current_dir(repo())
        .args(["exec", "--env", "local", "--format", "ndjson"])
        .args(args)
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "flink-sql exec {args:?}\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn job_id(events: &[Value]) -> String {
    events
        .iter()
        .find(|e| e["event"] == "job_submitted")
        .and_then(|e| e["job_id"].as_str())
        .unwrap_or_else(|| panic!("no job submitted: {events:?}"))
        .to_owned()
}

fn rest(method: &str, url: &str) -> Value {
    let out = StdCommand::new("curl")
        .args(["-sS", "--max-time", "10", "-X", method, url])
        .output()
        .expect("curl runs");
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// Cancels the jobs it holds when the test ends, passed or not.
struct Jobs {
    rest: String,
    ids: Vec<String>,
}

impl Drop for Jobs {
    fn drop(&mut self) {
        for id in &self.ids {
            rest("PATCH", &format!("{}/jobs/{id}?mode=cancel", self.rest));
        }
    }
}

#[test]
fn a_pipeline_stopped_with_a_savepoint_resumes_from_it_as_the_readme_says() {
    let env = local_env();
    let mut jobs = Jobs {
        rest: env["FLINK_REST_URL"].trim_end_matches('/').to_owned(),
        ids: Vec::new(),
    };
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dir.path().join("orders.sql");
    std::fs::write(
        &pipeline,
        format!(
            "SET 'pipeline.name' = 'cutover-{stamp}';\n\
             CREATE TEMPORARY TABLE src (n BIGINT) WITH ('connector' = 'datagen', \
             'rows-per-second' = '5', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', \
             'fields.n.end' = '100000');\n\
             CREATE TEMPORARY TABLE snk (n BIGINT) WITH ('connector' = 'blackhole');\n\
             INSERT INTO snk SELECT n FROM src;\n"
        ),
    )
    .unwrap();
    // A sequence source keeps its position in the savepoint; it holds its whole range in memory,
    // so the range stays small (at 5 rows a second it lasts hours).
    let file = pipeline.to_str().unwrap();

    // The pipeline runs on the "old" cluster.
    let old = job_id(&exec(&["-f", file, "--wait", "running"]));
    jobs.ids.push(old.clone());

    // Step 1: stop it with a savepoint; the statement's one row is the savepoint's path.
    let stop = format!("STOP JOB '{old}' WITH SAVEPOINT");
    let events = exec(&["-c", &stop]);
    let path = events
        .iter()
        .find(|e| e["event"] == "row")
        .and_then(|e| e["values"][0].as_str())
        .unwrap_or_else(|| panic!("no savepoint path: {events:?}"))
        .to_owned();
    assert!(path.contains("savepoint-"), "{path}");
    // The statement returns with the savepoint; the job reaches FINISHED just after.
    let deadline = Instant::now() + Duration::from_secs(30);
    let state = loop {
        let state = rest("GET", &format!("{}/jobs/{old}", jobs.rest));
        if state["state"] == "FINISHED" || Instant::now() > deadline {
            break state;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        state["state"], "FINISHED",
        "stop with savepoint ends the job: {state}"
    );

    // Step 4: the same file resumes from the savepoint through a session property.
    let property = format!("execution.state-recovery.path={path}");
    let new = job_id(&exec(&[
        "-f",
        file,
        "--session-property",
        &property,
        "--wait",
        "running",
    ]));
    jobs.ids.push(new.clone());
    let deadline = Instant::now() + Duration::from_secs(60);
    let restored = loop {
        let checkpoints = rest("GET", &format!("{}/jobs/{new}/checkpoints", jobs.rest));
        let restored = checkpoints["latest"]["restored"].clone();
        if restored.is_object() || Instant::now() > deadline {
            break restored;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(restored["is_savepoint"], true, "{restored}");
    let name = path.rsplit('/').find(|s| !s.is_empty()).unwrap();
    assert!(
        restored["external_path"]
            .as_str()
            .is_some_and(|p| p.contains(name)),
        "restored from {restored}, expected {path}"
    );
}
