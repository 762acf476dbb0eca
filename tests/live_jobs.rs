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
//! The pipeline lifecycle: a second `exec` of a running pipeline is refused (`--allow-duplicate`
//! starts it), a stopped pipeline resumes from its savepoint with its state (the new job's
//! checkpoint statistics name the savepoint, and a keyed COUNT printed by the `print` sink goes on
//! from its last value), `apply` on a folder starts, keeps and upgrades through a savepoint and
//! changes nothing the second time, `status` reports missing, duplicated and unexpected pipelines.
//!
//! The TaskManager kill -9 test runs on a Flink instance of its own (`scripts/stack.sh up flink`
//! with its own state directory and ports), never on the shared one: five other suites run jobs on
//! the shared TaskManager, and a kill would fail them.
//!
//! Run: `cargo test --features live --test live_jobs`.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::own_flink::OwnFlink;
use common::{
    flink_sql, http, jobmanager_url, jobs_named, repo, require_stack, test_env, unique, Jobs, Run,
};
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
    let sql = common::stateful_pipeline(name);
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

// ------------------------------------------------------------------------- the pipeline lifecycle

/// A pipeline file: datagen (keys 1 and 2) into a keyed COUNT, so the aggregate is the number
/// of rows seen and a restored job continues it. `sink` is `print` (lines `IDENT> +U[1, n]` on
/// the TaskManager's stdout) or `blackhole`; `rate` rows per second.
fn pipeline_file(dir: &Path, file: &str, name: &str, sink: &str, rate: u32) -> PathBuf {
    let ident = name.replace(' ', "_");
    let sink = match sink {
        "print" => format!("'connector' = 'print', 'print-identifier' = '{ident}'"),
        _ => "'connector' = 'blackhole'".to_owned(),
    };
    let sql = format!(
        "-- a stateful pipeline\n\
         SET 'pipeline.name' = '{name}';\n\
         SET 'execution.checkpointing.interval' = '2s';\n\
         CREATE TABLE src (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '{rate}',\n\
           'fields.k.min' = '1', 'fields.k.max' = '2', 'fields.v.min' = '1', 'fields.v.max' = '2');\n\
         CREATE TABLE totals (k INT, total BIGINT) WITH ({sink});\n\
         INSERT INTO totals SELECT k, COUNT(v) FROM src GROUP BY k;\n"
    );
    let path = dir.join(file);
    std::fs::write(&path, sql).unwrap();
    path
}

/// Runs a pipeline file with `exec` (extra args after it); returns the job id.
fn exec_file(file: &Path, extra: &[&str]) -> String {
    let out = run(flink_sql()
        .args(["exec", "--env", test_env(), "--format", "ndjson", "-f"])
        .arg(file)
        .args(extra))
    .expect(0);
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

fn active(name: &str) -> Vec<String> {
    let mut ids: Vec<String> = jobs_named(name)
        .into_iter()
        .filter(|(_, state)| !common::TERMINAL.contains(&state.as_str()))
        .map(|(jid, _)| jid)
        .collect();
    ids.sort();
    ids
}

/// The TaskManager's stdout, where the `print` sink writes: in the state dir of the stack the
/// suite runs on (`FLINK_SQL_TEST_ENV` picks the 2.0 stack or a second Flink version's), which
/// keeps its checkpoints beside its logs (`FLINK_CHECKPOINT_DIR` = `file://<state>/flink-checkpoints`).
fn taskmanager_log() -> PathBuf {
    let state = std::env::var("FLINK_SQL_STACK_STATE").unwrap_or_else(|_| {
        let checkpoints = common::var("FLINK_CHECKPOINT_DIR");
        let dir = checkpoints.strip_prefix("file://").unwrap_or_else(|| {
            panic!(
                "FLINK_CHECKPOINT_DIR of env/{}.env is not a file:// URI: {checkpoints}",
                test_env()
            )
        });
        Path::new(dir)
            .parent()
            .expect("the checkpoint dir has a parent: the stack's state dir")
            .display()
            .to_string()
    });
    PathBuf::from(state).join("logs/flink-taskmanager.log")
}

/// The counts printed for key 1 by the sink named `ident` in the log after byte `from`.
fn printed_counts(ident: &str, from: usize) -> Vec<u64> {
    let log = std::fs::read(taskmanager_log()).unwrap();
    let text = String::from_utf8_lossy(&log[from.min(log.len())..]).into_owned();
    let line = regex::Regex::new(&format!(
        r"(?m)^{}(?::\d+)?> \+[IU]\[1, (\d+)\]",
        regex::escape(ident)
    ))
    .unwrap();
    line.captures_iter(&text)
        .map(|c| c[1].parse().unwrap())
        .collect()
}

fn log_len() -> usize {
    std::fs::metadata(taskmanager_log()).unwrap().len() as usize
}

/// Waits until the sink has printed a count of at least `at_least` after byte `from`.
fn wait_printed(ident: &str, from: usize, at_least: u64) -> Vec<u64> {
    let started = Instant::now();
    loop {
        let counts = printed_counts(ident, from);
        if counts.iter().any(|&c| c >= at_least) {
            return counts;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{ident} printed {counts:?} in {}",
            taskmanager_log().display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn restored(jid: &str) -> Value {
    get_json(&format!("/jobs/{jid}/checkpoints"))["latest"]["restored"].clone()
}

#[test]
fn a_duplicate_start_is_refused_and_a_stopped_pipeline_resumes_with_its_state() {
    let _slots = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
    require_stack();
    let name = unique("live jobs resume ");
    let ident = name.replace(' ', "_");
    let _jobs = Jobs(name.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = pipeline_file(dir.path(), "counts.sql", &name, "print", 5);
    let jid = exec_file(&file, &[]);

    // The job carries the hash of its SQL where any machine can read it.
    let config = get_json(&format!("/jobs/{jid}/config"));
    let hash = config["execution-config"]["user-config"]["flink-sql.sql-hash"]
        .as_str()
        .unwrap_or_else(|| panic!("no flink-sql.sql-hash in {config}"));
    assert_eq!(hash.len(), 64, "{config}");

    // A second exec of the running pipeline is refused before anything is sent.
    let again = run(flink_sql()
        .args(["exec", "--env", test_env(), "-f"])
        .arg(&file))
    .expect(1);
    assert!(
        again.stderr.contains(&format!(
            "refusing to start a duplicate: pipeline '{name}' already runs as job {jid} (RUNNING); nothing was sent"
        )),
        "{}",
        again.dump()
    );
    assert_eq!(
        active(&name),
        std::slice::from_ref(&jid),
        "nothing was started"
    );
    // So is a resume while it runs.
    let refused = jobs_cmd(&["resume", file.to_str().unwrap()]).expect(1);
    assert!(
        refused.stderr.contains("refusing to start a duplicate"),
        "{}",
        refused.dump()
    );
    assert_eq!(active(&name), std::slice::from_ref(&jid));

    // --allow-duplicate starts a second job; it is cancelled by id.
    let second = exec_file(&file, &["--allow-duplicate"]);
    assert_ne!(second, jid);
    let mut both = vec![jid.clone(), second.clone()];
    both.sort();
    assert_eq!(active(&name), both);
    jobs_cmd(&["cancel", &second]).expect(0);
    assert_eq!(active(&name), std::slice::from_ref(&jid));

    // Stop with a savepoint once the count has grown; the last count printed is the state saved.
    wait_printed(&ident, 0, 5);
    let stopped = jobs_cmd(&["stop", &name, "--savepoint"]).expect(0);
    let savepoint = stopped.stdout.trim().to_owned();
    assert_eq!(job_state(&jid).0, "FINISHED");
    let offset = log_len();
    let last = *printed_counts(&ident, 0).iter().max().unwrap();

    // resume (from the latest savepoint, found from Flink and storage).
    let resumed = jobs_cmd(&["resume", file.to_str().unwrap(), "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(resumed[0]["result"], "RUNNING", "{resumed}");
    assert_eq!(
        resumed[0]["from_savepoint"],
        savepoint.as_str(),
        "{resumed}"
    );
    let new = resumed[0]["job"].as_str().unwrap().to_owned();
    assert_ne!(new, jid);
    wait_running(&new);
    let from = restored(&new);
    assert_eq!(from["is_savepoint"], true, "{from}");
    assert_eq!(
        local(from["external_path"].as_str().unwrap()),
        local(&savepoint)
    );

    // The aggregate goes on from its old value: the first count after the restore is last + 1.
    let after = wait_printed(&ident, offset, last + 1);
    assert_eq!(after[0], last + 1, "printed after the restore: {after:?}");
}

fn apply(dir: &Path, extra: &[&str]) -> Run {
    run(flink_sql()
        .args(["jobs", "apply", "--env", test_env(), "--format", "ndjson"])
        .arg(dir)
        .args(extra))
}

fn status(dir: &Path) -> Run {
    run(flink_sql()
        .args(["jobs", "status", "--env", test_env(), "--format", "json"])
        .arg(dir))
}

/// `(pipeline, field)` of the ndjson events of one kind.
fn events(out: &Run, event: &str, field: &str) -> Vec<(String, String)> {
    out.stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|e| e["event"] == event)
        .map(|e| {
            (
                e["pipeline"].as_str().unwrap().to_owned(),
                e[field].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn verdicts(out: &Run) -> Vec<(String, String)> {
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["pipeline"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn apply_starts_keeps_and_upgrades_a_folder_and_status_reports_what_is_off() {
    let _slots = SLOTS.lock().unwrap_or_else(|p| p.into_inner());
    require_stack();
    let stamp = unique("live-apply-");
    let (a, b, c) = (
        format!("{stamp} a"),
        format!("{stamp} b"),
        format!("{stamp} c"),
    );
    let _jobs = (Jobs(a.clone()), Jobs(b.clone()), Jobs(c.clone()));
    let folder = tempfile::tempdir().unwrap();
    let file_a = pipeline_file(folder.path(), "a.sql", &a, "blackhole", 5);
    let file_b = pipeline_file(folder.path(), "b.sql", &b, "blackhole", 5);
    std::fs::write(
        folder.path().join("README.sql"),
        "-- no pipeline here\nSHOW TABLES;\n",
    )
    .unwrap();

    // A runs already (started by exec: the same hash apply computes), B does not.
    let ja = exec_file(&file_a, &[]);
    let first = apply(folder.path(), &[]).expect(0);
    assert_eq!(
        events(&first, "plan", "plan"),
        pairs(&[(&a, "keep"), (&b, "start")]),
        "{}",
        first.dump()
    );
    assert_eq!(active(&a), std::slice::from_ref(&ja));
    let jb = active(&b);
    assert_eq!(jb.len(), 1, "{}", first.dump());
    let jb = jb[0].clone();
    wait_running(&jb);

    // The second apply changes nothing.
    let second = apply(folder.path(), &[]).expect(0);
    assert_eq!(
        events(&second, "plan", "plan"),
        pairs(&[(&a, "keep"), (&b, "keep")])
    );
    assert!(
        second.stderr.contains("nothing to change"),
        "{}",
        second.dump()
    );
    assert_eq!(
        (active(&a), active(&b)),
        (vec![ja.clone()], vec![jb.clone()])
    );
    assert_eq!(status(folder.path()).expect(0).code, 0);

    // B's SQL changes: the upgrade stops it with a savepoint (not without --yes off a terminal)
    // and starts the new SQL from it, with its state.
    pipeline_file(folder.path(), "b.sql", &b, "blackhole", 7);
    let refused = apply(folder.path(), &[]).expect(2);
    assert!(
        refused
            .stderr
            .contains("refusing to upgrade 1 running pipeline"),
        "{}",
        refused.dump()
    );
    assert_eq!(active(&b), std::slice::from_ref(&jb));
    let upgraded = apply(folder.path(), &["--yes"]).expect(0);
    assert_eq!(
        events(&upgraded, "plan", "plan"),
        pairs(&[(&a, "keep"), (&b, "upgrade")])
    );
    let from = events(&upgraded, "applied", "from_savepoint");
    let savepoint = &from.iter().find(|(p, _)| p == &b).unwrap().1;
    assert_eq!(
        local(savepoint).parent().unwrap(),
        savepoint_dir().join(b.replace(' ', "-")),
        "{}",
        upgraded.dump()
    );
    assert_eq!(job_state(&jb).0, "FINISHED");
    let jb2 = active(&b);
    assert_eq!(jb2.len(), 1);
    let jb2 = jb2[0].clone();
    wait_running(&jb2);
    let restored_from = restored(&jb2);
    assert_eq!(restored_from["is_savepoint"], true, "{restored_from}");
    assert_eq!(
        local(restored_from["external_path"].as_str().unwrap()),
        local(savepoint)
    );
    let third = apply(folder.path(), &[]).expect(0);
    assert_eq!(
        events(&third, "plan", "plan"),
        pairs(&[(&a, "keep"), (&b, "keep")])
    );
    assert_eq!(
        (active(&a), active(&b)),
        (vec![ja.clone()], vec![jb2.clone()])
    );

    // status: a new file is missing; with A cancelled and B started twice, A is missing and B
    // duplicated; seen from a folder without B's file, B's jobs are unexpected. Exit 1 each time.
    pipeline_file(folder.path(), "c.sql", &c, "blackhole", 5);
    let missing = status(folder.path()).expect(1);
    assert_eq!(
        verdicts(&missing),
        pairs(&[(&a, "running"), (&b, "running"), (&c, "missing")])
    );
    jobs_cmd(&["cancel", &a]).expect(0);
    let jb3 = exec_file(&file_b, &["--allow-duplicate"]);
    let dup = status(folder.path()).expect(1);
    assert_eq!(
        verdicts(&dup),
        pairs(&[(&a, "missing"), (&b, "duplicated"), (&c, "missing")])
    );
    let other = tempfile::tempdir().unwrap();
    std::fs::copy(folder.path().join("c.sql"), other.path().join("c.sql")).unwrap();
    let stray = status(other.path()).expect(1);
    assert_eq!(
        verdicts(&stray),
        pairs(&[(&c, "missing"), (&b, "unexpected"), (&b, "unexpected")])
    );
    let plan = apply(folder.path(), &["--dry-run"]).expect(0);
    assert_eq!(
        events(&plan, "plan", "plan"),
        pairs(&[(&a, "start"), (&b, "duplicated"), (&c, "start")])
    );
    let mut two = vec![jb2, jb3];
    two.sort();
    assert_eq!(active(&b), two, "a dry run starts nothing");
}

// ------------------------------------------------------------------------- TaskManager kill -9

fn show(own: &OwnFlink, name: &str) -> Value {
    own.flink_sql(&["jobs", "show", name, "--format", "json"])
        .expect(0)
        .json()[0]
        .clone()
}

#[test]
fn a_killed_taskmanager_makes_watch_and_show_report_unhealthy_until_it_returns() {
    require_stack();
    let own = OwnFlink::up();
    let name = unique("live jobs tm kill ");
    let dir = tempfile::tempdir().unwrap();
    let file = pipeline_file(dir.path(), "tm.sql", &name, "blackhole", 5);
    own.flink_sql(&[
        "exec",
        "--wait",
        "running",
        "-q",
        "-f",
        file.to_str().unwrap(),
    ])
    .expect(0);
    let healthy = own
        .flink_sql(&["jobs", "watch", "--once", "--format", "ndjson"])
        .expect(0);
    assert!(
        healthy.stdout.contains("\"healthy\":true"),
        "{}",
        healthy.dump()
    );
    let jid = show(&own, &name)["id"].as_str().unwrap().to_owned();

    let killed = std::process::Command::new("kill")
        .args(["-9", &own.taskmanager_pid()])
        .status()
        .unwrap();
    assert!(killed.success());

    // The JobManager notices the loss after its heartbeat timeout: watch --once exits 1 (no
    // TaskManager; the job RESTARTING, or RUNNING with tasks that do not run).
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the loss was never noticed"
        );
        let watched = own.flink_sql(&["jobs", "watch", "--once", "--format", "ndjson"]);
        if watched.code == 1 {
            // Failing checkpoints may be reported first; wait for the TaskManager to be gone.
            let tick: Value = serde_json::from_str(watched.stdout.trim()).unwrap();
            let ours = tick["problems"].as_array().unwrap().iter().any(|p| {
                p["id"] == jid.as_str() && !p["problem"].as_str().unwrap().contains("checkpoints")
            });
            if tick["taskmanagers"] == 0 && ours {
                break;
            }
        } else {
            watched.expect_code(0);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    // Once its restart is through, the job says RUNNING while its tasks wait for slots: show and
    // watch still call it unhealthy. The TaskManager may be gone from the JobManager's list
    // before the job has failed over (it still says RUNNING then, tasks and all): the restart is
    // through once the loss is in the job's exception history and it says RUNNING again.
    let started = Instant::now();
    let shown = loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the job never failed over and said RUNNING again"
        );
        let shown = show(&own, &name);
        let failed_over = shown["exceptions"]
            .as_array()
            .is_some_and(|e| !e.is_empty());
        if failed_over && shown["state"] == "RUNNING" {
            break shown;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(shown["healthy"], false, "{shown}");
    assert!(
        shown["vertices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["status"] != "RUNNING"),
        "{shown}"
    );
    let watched = own
        .flink_sql(&["jobs", "watch", "--once", "--format", "ndjson"])
        .expect(1);
    let tick: Value = serde_json::from_str(watched.stdout.trim()).unwrap();
    assert!(tick["jobs"]["running"].as_i64() >= Some(1), "{tick}");
    assert!(
        tick["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == jid.as_str()
                && p["problem"].as_str().unwrap().contains("not RUNNING")),
        "{tick}"
    );

    // The TaskManager comes back: the job's tasks run again and the cluster is healthy.
    let restarted = own.stack(&["restart", "taskmanager"]);
    assert!(
        restarted.status.success(),
        "{}",
        String::from_utf8_lossy(&restarted.stderr)
    );
    let started = Instant::now();
    let recovered = loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the job never recovered"
        );
        let shown = show(&own, &name);
        if shown["healthy"] == true {
            break shown;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(recovered["id"], jid.as_str(), "the same job recovered");
    // The checkpoints that failed while it was down stay the latest news until one completes:
    // then the cluster is healthy again.
    let started = Instant::now();
    while own
        .flink_sql(&["jobs", "watch", "--once", "--format", "ndjson"])
        .code
        != 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the cluster never became healthy again"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    own.flink_sql(&["jobs", "cancel", &jid]).expect(0);
}
