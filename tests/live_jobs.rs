//! Acceptance tests of `flink-sql jobs`: the BUILT binary against the REAL local stack (a Flink 2.0
//! session cluster started by `scripts/stack.sh up`). Nothing is stubbed; without the stack the
//! tests fail (never skip) with "run scripts/stack.sh up".
//!
//! One stateful pipeline (datagen into a keyed SUM, `SET 'pipeline.name'` with a unique stamp) is
//! started with `flink-sql exec` and taken through list, show, watch, savepoint, savepoints (from a
//! second process with another working directory and HOME), dry runs, and stop with a savepoint.
//! Then two short jobs prove that a pattern matching both is refused without `--yes` and cancelled
//! with it. At most two jobs of this suite run at once (the cluster has 4 shared slots), and every
//! job it starts is cancelled at the end, also when a test fails (`Jobs`).
//!
//! Not here: the TaskManager kill -9 test (other suites share the TaskManager), and resume/apply/
//! status (they need the per-statement runner).
//!
//! Run: `cargo test --features live --test live_jobs`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{flink_sql, http, jobmanager_url, repo, require_stack, test_env, unique, Jobs, Run};
use serde_json::Value;

/// The tests share the cluster's slots: one at a time inside this suite.
static SLOTS: Mutex<()> = Mutex::new(());

fn get_json(path: &str) -> Value {
    let url = format!("{}{path}", jobmanager_url());
    let (status, body) = http(reqwest::Method::GET, &url)
        .unwrap_or_else(|e| panic!("the JobManager is unreachable ({e}): {}", common::STACK_UP));
    assert!(status < 300, "GET {url} -> {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: {e}: {body}"))
}

/// The job's state and whether every vertex runs.
fn job_state(jid: &str) -> (String, bool) {
    let job = get_json(&format!("/jobs/{jid}"));
    let state = job["state"].as_str().unwrap_or_default().to_owned();
    let vertices = job["vertices"].as_array().cloned().unwrap_or_default();
    let all = !vertices.is_empty() && vertices.iter().all(|v| v["status"] == "RUNNING");
    (state, all)
}

fn wait_running(jid: &str) {
    let started = Instant::now();
    loop {
        let (state, all) = job_state(jid);
        if state == "RUNNING" && all {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "job {jid} is {state}, vertices running: {all}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Exit code checked, stdout as JSON.
trait Checked {
    fn expect(self, code: i32) -> Run;
    fn json(&self) -> Value;
}

impl Checked for Run {
    fn expect(self, code: i32) -> Run {
        self.expect_code(code);
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", self.dump()))
    }
}

fn run(cmd: &mut std::process::Command) -> Run {
    Run::of(cmd)
}

fn jobs_cmd(args: &[&str]) -> Run {
    run(flink_sql()
        .arg("jobs")
        .args(args)
        .args(["--env", test_env()]))
}

/// Starts the stateful pipeline `name` with `flink-sql exec`; returns its job id. Cancel it
/// with `Jobs(name)`, created before this call.
fn start_pipeline(name: &str) -> String {
    let sql = format!(
        "SET 'pipeline.name' = '{name}';\n\
         SET 'execution.checkpointing.interval' = '2s';\n\
         CREATE TABLE src (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5',\n\
           'fields.k.min' = '1', 'fields.k.max' = '5', 'fields.v.min' = '1', 'fields.v.max' = '9');\n\
         CREATE TABLE totals (k INT, total BIGINT, PRIMARY KEY (k) NOT ENFORCED)\n\
           WITH ('connector' = 'blackhole');\n\
         INSERT INTO totals SELECT k, SUM(v) FROM src GROUP BY k;\n"
    );
    let out = run(flink_sql().args([
        "exec",
        "--env",
        test_env(),
        "--format",
        "ndjson",
        "-c",
        &sql,
    ]));
    let out = out.expect(0);
    let jid = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| e["event"] == "job_submitted")
        .and_then(|e| e["job_id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no job_submitted event\n{}", out.dump()));
    wait_running(&jid);
    jid
}

/// The cluster's savepoint directory, from the JobManager's configuration.
fn savepoint_dir() -> PathBuf {
    let config = get_json("/jobmanager/config");
    let dir = config
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == "execution.checkpointing.savepoint-dir")
        .and_then(|e| e["value"].as_str())
        .expect("the local stack sets execution.checkpointing.savepoint-dir")
        .to_owned();
    PathBuf::from(dir.strip_prefix("file://").expect("a file:// directory"))
}

fn local(path: &str) -> PathBuf {
    PathBuf::from(path.trim().strip_prefix("file:").expect("a file: path"))
}

fn savepoints_on_disk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter(|e| e.as_ref().unwrap().path().join("_metadata").is_file())
                .count()
        })
        .unwrap_or(0)
}

/// Sends one savepoint trigger three times with the same trigger id (twice at once, once after it
/// completed) through the library's client; returns the one savepoint's path.
fn trigger_three_times(jid: &str, dir: &Path) -> PathBuf {
    use flink_sql::jobmanager::{JobManager, SavepointStatus};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let redactor = flink_sql::secrets::Redactor::default();
        let jm =
            JobManager::with_auth(jobmanager_url(), vec![], None, None, redactor, None).unwrap();
        let trigger = flink_sql::jobmanager::fresh_job_id();
        let target = format!("file://{}", dir.display());
        let send = || jm.trigger_savepoint(jid, Some(&target), &trigger);
        let (first, second) = tokio::join!(send(), send());
        assert_eq!(first.unwrap(), trigger);
        assert_eq!(second.unwrap(), trigger);
        let path = loop {
            match jm.savepoint_status(jid, &trigger).await.unwrap() {
                SavepointStatus::InProgress => tokio::time::sleep(Duration::from_millis(100)).await,
                SavepointStatus::Completed(path) => break path,
                SavepointStatus::Failed(e) => panic!("the savepoint failed: {e:?}"),
            }
        };
        assert_eq!(send().await.unwrap(), trigger);
        assert_eq!(
            jm.savepoint_status(jid, &trigger).await.unwrap(),
            SavepointStatus::Completed(path.clone()),
            "the third send named the finished operation"
        );
        local(&path)
    })
}

#[test]
fn a_pipelines_lifecycle_list_show_watch_savepoint_savepoints_dry_runs_and_stop() {
    let _slots = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
    require_stack();
    let name = unique("live jobs lifecycle ");
    let _jobs = Jobs(name.clone());
    let jid = start_pipeline(&name);
    let dir_name = name.replace(' ', "-");

    // list: one row for it, RUNNING with all tasks; the plain form carries the whole name.
    let listed = jobs_cmd(&["list", "--name", &regex::escape(&name), "--format", "json"]).expect(0);
    let rows = listed.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", listed.dump());
    assert_eq!(rows[0]["id"], jid.as_str());
    assert_eq!(rows[0]["state"], "RUNNING");
    let plain = jobs_cmd(&["list", "--format", "plain"]).expect(0);
    let line = plain
        .stdout
        .lines()
        .find(|l| l.starts_with(&jid))
        .expect("listed");
    assert!(line.contains(&format!("\t{name}\tRUNNING\t")), "{line}");

    // show by name: healthy, vertices with parallelism, no exceptions.
    let shown = jobs_cmd(&["show", &name, "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(shown[0]["id"], jid.as_str());
    assert_eq!(shown[0]["healthy"], true, "{shown}");
    let vertices = shown[0]["vertices"].as_array().unwrap();
    assert_eq!(vertices.len(), 2, "{shown}");
    assert!(vertices
        .iter()
        .all(|v| v["status"] == "RUNNING" && v["parallelism"] == 1));
    assert!(shown[0]["restored_from"].is_null());

    // watch --once: the cluster as the JobManager sees it; the exit code follows the verdict.
    let watched = jobs_cmd(&["watch", "--once", "--format", "ndjson"]);
    let tick: Value = serde_json::from_str(watched.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}\n{}", watched.dump()));
    assert!(tick["taskmanagers"].as_i64() >= Some(1), "{tick}");
    assert!(tick["slots_total"].as_i64() >= Some(1), "{tick}");
    assert!(tick["jobs"]["running"].as_i64() >= Some(1), "{tick}");
    assert_eq!(
        watched.code,
        if tick["healthy"] == true { 0 } else { 1 },
        "{}",
        watched.dump()
    );

    // savepoint without stopping: the path is printed, under <savepoint-dir>/<pipeline>/.
    let taken = jobs_cmd(&["savepoint", &name]).expect(0);
    let taken_path = local(&taken.stdout);
    assert_eq!(
        taken_path.parent().unwrap(),
        savepoint_dir().join(&dir_name),
        "{}",
        taken.dump()
    );
    assert!(taken_path.join("_metadata").is_file(), "{}", taken.dump());
    assert_eq!(
        job_state(&jid).0,
        "RUNNING",
        "a savepoint does not stop the job"
    );

    // savepoints NAME from another process: another working directory and HOME, the profile by path.
    let elsewhere = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let env_file = repo().join(format!("env/{}.env", test_env()));
    let history = run(flink_sql()
        .current_dir(elsewhere.path())
        .env("HOME", home.path())
        .args([
            "jobs",
            "savepoints",
            &name,
            "--format",
            "json",
            "--env-file",
        ])
        .arg(&env_file))
    .expect(0)
    .json();
    let found = history
        .as_array()
        .unwrap()
        .iter()
        .find(|s| local(s["path"].as_str().unwrap()) == taken_path)
        .unwrap_or_else(|| panic!("{} not in {history}", taken_path.display()));
    assert!(
        found["found_in"]
            .as_array()
            .unwrap()
            .contains(&Value::from("storage")),
        "{found}"
    );

    // A retried trigger (the same client trigger id, during and after the savepoint) names the
    // same operation: one more savepoint on storage, not two or three.
    let pipeline_dir = savepoint_dir().join(&dir_name);
    let before = savepoints_on_disk(&pipeline_dir);
    let retried = trigger_three_times(&jid, &pipeline_dir);
    assert_eq!(savepoints_on_disk(&pipeline_dir), before + 1);

    // A savepoint Flink cannot write fails (Flink still says COMPLETED, with a failure-cause):
    // exit 1, the cause on stderr, no path on stdout, and the job keeps running.
    let failed = jobs_cmd(&["savepoint", &name, "file:///proc/flink-sql-cannot-write"]).expect(1);
    assert_eq!(failed.stdout, "", "{}", failed.dump());
    assert!(
        failed
            .stderr
            .contains("the savepoint failed: Failed to create savepoint directory"),
        "{}",
        failed.dump()
    );
    assert_eq!(job_state(&jid).0, "RUNNING");

    // dry runs change nothing.
    let dry = jobs_cmd(&["stop", &name, "--savepoint", "--dry-run"]).expect(0);
    assert!(dry.stdout.contains("dry run: would stop"), "{}", dry.dump());
    let dry = jobs_cmd(&["cancel", &name, "--dry-run"]).expect(0);
    assert!(
        dry.stdout.contains("dry run: would cancel"),
        "{}",
        dry.dump()
    );
    assert_eq!(
        job_state(&jid).0,
        "RUNNING",
        "dry runs leave the job running"
    );

    // stop with a savepoint: the path is printed, the job is FINISHED, the savepoint is complete.
    let stopped = jobs_cmd(&["stop", &name, "--savepoint"]).expect(0);
    let stop_path = local(&stopped.stdout);
    assert!(stop_path.join("_metadata").is_file(), "{}", stopped.dump());
    assert_eq!(stop_path.parent().unwrap(), savepoint_dir().join(&dir_name));
    assert_eq!(job_state(&jid).0, "FINISHED");

    // All three savepoints are the pipeline's history now, newest first.
    let listed = jobs_cmd(&["savepoints", &name, "--format", "plain"]).expect(0);
    let paths: Vec<PathBuf> = listed
        .stdout
        .lines()
        .skip(1)
        .map(|l| local(l.split('\t').nth(1).unwrap()))
        .collect();
    assert_eq!(paths, [stop_path, retried, taken_path], "{}", listed.dump());
}

#[test]
fn a_pattern_matching_two_jobs_is_refused_without_yes_and_cancelled_with_it() {
    let _slots = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
    require_stack();
    let stamp = unique("live-jobs-pattern-");
    let (name_a, name_b) = (format!("{stamp} a"), format!("{stamp} b"));
    let _jobs = (Jobs(name_a.clone()), Jobs(name_b.clone()));
    let a = start_pipeline(&name_a);
    let b = start_pipeline(&name_b);
    let pattern = format!("^{stamp} ");

    let refused = jobs_cmd(&["cancel", "--name", &pattern]).expect(2);
    assert!(
        refused.stderr.contains("refusing to cancel 2 jobs"),
        "{}",
        refused.dump()
    );
    assert!(
        refused.stderr.contains(&a) && refused.stderr.contains(&b),
        "{}",
        refused.dump()
    );
    assert_eq!(job_state(&a).0, "RUNNING");
    assert_eq!(job_state(&b).0, "RUNNING");

    let dry = jobs_cmd(&[
        "cancel",
        "--name",
        &pattern,
        "--dry-run",
        "--format",
        "json",
    ])
    .expect(0);
    assert_eq!(dry.json().as_array().unwrap().len(), 2, "{}", dry.dump());
    assert_eq!(job_state(&a).0, "RUNNING");

    let cancelled =
        jobs_cmd(&["cancel", "--name", &pattern, "--yes", "--format", "json"]).expect(0);
    let results = cancelled.json();
    let mut ids: Vec<_> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["result"], "CANCELED", "{r}");
            r["id"].as_str().unwrap().to_owned()
        })
        .collect();
    ids.sort();
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(job_state(&a).0, "CANCELED");
    assert_eq!(job_state(&b).0, "CANCELED");

    // Nothing left to cancel: exit 1, and the message says what it looked for.
    let none = jobs_cmd(&["cancel", "--name", &pattern, "--yes"]).expect(1);
    assert!(
        none.stderr.contains("no running job matches the pattern"),
        "{}",
        none.dump()
    );
}
