//! The users' existing pipelines against the REAL local stack (`scripts/stack.sh up`), with the
//! BUILT binary: a file in their shape (hard-coded truststore path, SCRAM JAAS line, Avro through
//! the schema registry, `SET 'pipeline.name'`) runs unchanged with `--env local`, and the three
//! mistakes they meet most (a missing truststore, a bad enum option, an unknown topic) each end in
//! one line that says what, where and which value. Fails (never skips) without the stack.
//!
//! Every run gets a clean environment (PATH and HOME) and the repository as its working directory.
//! Topics carry a unique `KAFKA_ENV`, so runs never see each other's data; every job a test starts
//! is cancelled at the end, also when the test fails.
//!
//! Run: `cargo test --features live --test live_migration -- --test-threads=2`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::*;
use serde_json::{json, Value};

/// Where the users' SQL reads the truststore, and where `scripts/stack.sh up` links the stack's.
const USERS_TRUSTSTORE: &str = "/etc/kafka/secrets/kafka.truststore.jks";

const PIPELINE: &str = "tests/fixtures/migration/orders-enrichment.sql";

/// Longest any one CLI run may take before the test calls it hung.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

// ---------------------------------------------------------------------------------------------
// Running the CLI
// ---------------------------------------------------------------------------------------------

/// The built binary with a clean environment, run from the repository.
fn flink_sql() -> Command {
    common::flink_sql_within(RUN_TIMEOUT)
}

// ---------------------------------------------------------------------------------------------
// Jobs: cancelled at the end whatever happens
// ---------------------------------------------------------------------------------------------

/// Polls until the job is in one of `states`; the state it reached, or the last one seen.
fn poll_state(jid: &str, states: &[&str], within: Duration) -> Result<String, Option<String>> {
    let deadline = Instant::now() + within;
    loop {
        let state = job_state(jid);
        match state {
            Some(s) if states.contains(&s.as_str()) => return Ok(s),
            _ if Instant::now() >= deadline => return Err(state),
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// The jobs a test started. On drop (also when the test panics) every one that still runs is
/// cancelled with `PATCH /jobs/{id}?mode=cancel`.
#[derive(Default)]
struct Jobs(Vec<String>);

impl Jobs {
    fn track(&mut self, ids: impl IntoIterator<Item = String>) {
        self.0.extend(ids);
    }

    /// Cancels what still runs and waits (up to 30 s each) until it has stopped. Never panics.
    fn cancel_all(&self) {
        for jid in &self.0 {
            if job_state(jid).is_some_and(|s| !TERMINAL.contains(&s.as_str())) {
                let url = format!("{}/jobs/{jid}?mode=cancel", jobmanager_url());
                let _ = http(reqwest::Method::PATCH, &url);
                let _ = poll_state(jid, &TERMINAL, Duration::from_secs(30));
            }
        }
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        self.cancel_all();
    }
}

/// Runs `cmd` (which must ask for `--format ndjson`), tracking every job it submits.
fn run_tracking(cmd: &mut Command, jobs: &mut Jobs) -> (Run, Vec<Value>) {
    let run = Run::of(cmd);
    let events = if run.stdout.is_empty() {
        Vec::new()
    } else {
        run.events()
    };
    jobs.track(job_ids(&events));
    (run, events)
}

// ---------------------------------------------------------------------------------------------
// 1. A pipeline in the users' shape runs unchanged
// ---------------------------------------------------------------------------------------------

/// The fixture is in the users' shape, not ours: the literal truststore path, no `${TRUSTSTORE_PATH}`.
#[test]
fn the_fixture_hard_codes_what_the_users_files_hard_code() {
    let sql = std::fs::read_to_string(repo().join(PIPELINE)).unwrap();
    let location = format!("'properties.ssl.truststore.location' = '{USERS_TRUSTSTORE}'");
    assert_eq!(sql.matches(&location).count(), 2, "{sql}");
    assert!(!sql.contains("${TRUSTSTORE_PATH}"));
    let jaas = "'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"${KAFKA_USERNAME}\" password=\"${KAFKA_PASSWORD}\";'";
    assert_eq!(sql.matches(jaas).count(), 2);
    assert_eq!(
        sql.matches("'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO'")
            .count(),
        2
    );
    assert!(sql.contains("SET 'pipeline.name' = 'Migration Orders Enrichment';"));
}

/// `scripts/stack.sh up` put the stack's truststore where the users' SQL reads it, and the
/// profile's `TRUSTSTORE_PATH` names the same file, so `${TRUSTSTORE_PATH}` and the literal agree.
#[test]
fn the_stack_serves_its_truststore_at_the_users_path() {
    require_stack();
    assert_eq!(var("TRUSTSTORE_PATH"), USERS_TRUSTSTORE);
    let bytes = std::fs::read(USERS_TRUSTSTORE)
        .unwrap_or_else(|e| panic!("{USERS_TRUSTSTORE}: {e}: {STACK_UP}"));
    // A JKS file starts with the magic 0xFEEDFEED.
    assert_eq!(bytes.get(..4), Some(&[0xFE, 0xED, 0xFE, 0xED][..]));
}

/// `kafka_link_truststore` (what `scripts/stack.sh up` and `env` run), pointed at a scratch path
/// so env/local.env and the real link stay untouched: it links, a second run changes nothing, and
/// it never replaces a file that is not the stack's truststore, nor fails quietly.
#[test]
fn the_truststore_link_is_idempotent_and_never_replaces_a_foreign_file() {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    let link_at = |path: &Path| -> (bool, String, String) {
        let mut cmd = StdCommand::new("bash");
        let out = clean(&mut cmd)
            .env("FLINK_SQL_STACK_TRUSTSTORE", path)
            .current_dir(repo())
            .args([
                "-c",
                "set -euo pipefail; . scripts/stack/common.sh; . scripts/stack/kafka.sh; kafka_link_truststore",
            ])
            .output()
            .expect("bash runs");
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (out.status.success(), text(out.stdout), text(out.stderr))
    };
    let link = dir.path().join("secrets/kafka.truststore.jks");
    let (ok, stdout, stderr) = link_at(&link);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, link.to_str().unwrap());
    assert_eq!(
        std::fs::read(&link).unwrap(),
        std::fs::read(USERS_TRUSTSTORE).unwrap()
    );
    let (ok, _, stderr) = link_at(&link);
    assert!(ok && stderr.is_empty(), "a second run is silent: {stderr}");

    let foreign = dir.path().join("theirs.jks");
    std::fs::write(&foreign, "not ours").unwrap();
    let (ok, _, stderr) = link_at(&foreign);
    assert!(!ok);
    assert!(
        stderr.contains("exists and is not the stack's truststore"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "not ours");

    // A folder that cannot be made (a file stands in its way) fails with the command to run.
    let blocked = dir.path().join("theirs.jks/kafka.truststore.jks");
    let (ok, _, stderr) = link_at(&blocked);
    assert!(!ok);
    assert!(
        stderr.contains(&format!("cannot create {}", blocked.display()))
            && stderr.contains("Run once: sudo sh -c"),
        "{stderr}"
    );
}

/// The users' pipeline file, unchanged, with `--env local`: its job reaches RUNNING, then orders
/// written through the same tables (Avro through the registry, SASL_SSL with the hard-coded
/// truststore) come out of it as per-customer totals, read back from its upsert topic.
#[test]
fn a_pipeline_in_the_users_shape_runs_unchanged_and_its_job_reaches_running() {
    require_stack();
    let kafka_env = unique("mig");
    create_topics(&[
        &format!("{kafka_env}.migration.public.orders"),
        &format!("{kafka_env}.migration.analytics.customer_totals"),
    ]);
    let mut jobs = Jobs::default();
    let (run, events) = run_tracking(
        flink_sql()
            .args(["exec", "--env", "local", "--var"])
            .arg(format!("KAFKA_ENV={kafka_env}"))
            .args(["--wait", "running", "--format", "ndjson", "-f", PIPELINE])
            .args([
                "-c",
                "SET 'pipeline.name' = 'Migration Seed'",
                "-c",
                "INSERT INTO orders VALUES \
                   (1, 'ada', 10.50, TIMESTAMP '2024-01-01 10:00:00.000'), \
                   (2, 'grace', 20.00, TIMESTAMP '2024-01-01 10:01:00.000'), \
                   (3, 'ada', 1.25, TIMESTAMP '2024-01-01 10:02:00.000')",
                "-c",
                "SELECT customer_id, orders, total FROM customer_totals",
                // ada +I, grace +I, ada -U/+U: the fourth row completes the final state.
                "--max-rows",
                "4",
                "--max-wait",
                "120s",
            ]),
        &mut jobs,
    );
    run.expect_code(0);

    // Statement 4 is the pipeline's INSERT, waited for until every vertex ran; 7 the read-back.
    let pipeline = &job_ids(&events)[0];
    let insert = finished(&events, 4);
    assert_eq!(insert["status"], "ok", "{}", run.dump());
    assert_eq!(insert["job_id"], pipeline.as_str());
    assert_eq!(insert["job_state"], "RUNNING", "{}", run.dump());
    let preview = finished(&events, 7);
    assert_eq!(
        preview["stopped"],
        json!({"reason": "max_rows", "limit": 4}),
        "{}",
        run.dump()
    );
    let mut totals = BTreeMap::new();
    for row in events_of(&events, "row") {
        let values = row["values"].as_array().unwrap().clone();
        let key = values[0].as_str().unwrap().to_owned();
        match row["op"].as_str() {
            Some("+I" | "+U") => totals.insert(key, values),
            Some("-U" | "-D") => totals.remove(&key),
            other => panic!("unknown op {other:?}"),
        };
    }
    assert_eq!(
        totals
            .values()
            .map(|v| json!(v).to_string())
            .collect::<Vec<_>>(),
        [r#"["ada",2,11.75]"#, r#"["grace",1,20.00]"#],
        "{}",
        run.dump()
    );

    // The pipeline never ends by itself: cancel it and see it stop.
    jobs.cancel_all();
    assert_eq!(job_state(pipeline).as_deref(), Some("CANCELED"));
}

// ---------------------------------------------------------------------------------------------
// 2. The error line names what happened, and where
// ---------------------------------------------------------------------------------------------

/// A source table in the users' shape; `truststore`, `topic` and the startup mode vary.
fn users_source(topic: &str, truststore: &str, startup_mode: &str) -> String {
    format!(
        "CREATE TEMPORARY TABLE orders (order_id BIGINT, customer STRING) WITH (
  'connector' = 'kafka',
  'topic' = '{topic}',
  'properties.bootstrap.servers' = '${{KAFKA_BOOTSTRAP_SERVERS}}',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'SCRAM-SHA-512',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"${{KAFKA_USERNAME}}\" password=\"${{KAFKA_PASSWORD}}\";',
  'properties.ssl.truststore.location' = '{truststore}',
  'properties.ssl.truststore.password' = '${{TRUSTSTORE_PASSWORD}}',
  'properties.ssl.endpoint.identification.algorithm' = 'https',
  'properties.group.id' = 'live-migration',
  'scan.startup.mode' = '{startup_mode}',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '${{SCHEMA_REGISTRY_URL}}',
  'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'value.avro-confluent.basic-auth.user-info' = '${{KAFKA_USERNAME}}:${{KAFKA_PASSWORD}}'
);
CREATE TEMPORARY TABLE sink (order_id BIGINT, customer STRING) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT * FROM orders;
"
    )
}

/// Runs `sql` (as file `pipeline.sql`) with `--wait <wait>`; returns the run, its events and
/// the file's path. Every job it starts is tracked in `jobs`.
fn run_failing(
    dir: &tempfile::TempDir,
    sql: &str,
    wait: &str,
    extra: &[&str],
    jobs: &mut Jobs,
) -> (Run, Vec<Value>, PathBuf) {
    let path = dir.path().join("pipeline.sql");
    std::fs::write(&path, sql).unwrap();
    let (run, events) = run_tracking(
        flink_sql()
            .args([
                "exec", "--env", "local", "--wait", wait, "--format", "ndjson",
            ])
            .args(extra)
            .arg("-f")
            .arg(&path),
        jobs,
    );
    run.expect_code(1);
    (run, events, path)
}

/// A truststore file that is not there: the job fails in the JobManager, and the line says
/// `NoSuchFileException`, not just the path. `-v` still shows the whole chain.
#[test]
fn a_missing_truststore_fails_the_job_with_the_exception_and_the_path() {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("secrets/kafka.truststore.jks");
    let missing = missing.to_str().unwrap();
    let topic = format!("{}.migration.public.orders", unique("mig"));
    create_topics(&[&topic]);
    let mut jobs = Jobs::default();
    let sql = users_source(&topic, missing, "earliest-offset");
    let (run, events, path) = run_failing(&dir, &sql, "running", &["-v"], &mut jobs);

    let job = &job_ids(&events)[0];
    assert_eq!(finished(&events, 3)["job_state"], "FAILED");
    assert_eq!(
        run.error_line(),
        format!(
            "{}:19:1: error: job {job} FAILED: NoSuchFileException: {missing}",
            path.display()
        )
    );
    assert!(run.stderr.contains("full trace:"), "{}", run.dump());
    assert!(
        run.stderr.contains(&format!(
            "Failed to load SSL keystore {missing} of type JKS"
        )),
        "{}",
        run.dump()
    );
}

/// `'scan.startup.mode' = 'earliest'`: Flink refuses the INSERT while planning; the line names
/// the table, the option, the value and the values it would take.
#[test]
fn a_bad_enum_value_names_the_table_the_option_and_the_value() {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    let topic = format!("{}.migration.public.orders", unique("mig"));
    let mut jobs = Jobs::default();
    let sql = users_source(&topic, USERS_TRUSTSTORE, "earliest");
    let (run, events, path) = run_failing(&dir, &sql, "running", &[], &mut jobs);

    assert!(job_ids(&events).is_empty(), "no job starts");
    assert_eq!(
        run.error_line(),
        format!(
            "{}:19:1: error: Unable to create a source for reading table \
             'default_catalog.default_database.orders': \
             Could not parse value 'earliest' for key 'scan.startup.mode': \
             Could not parse value for enum class ScanStartupMode. Expected one of: \
             [[earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets]]",
            path.display()
        )
    );
}

/// A topic that does not exist: the job runs until its source's partition discovery fails it,
/// and the line names the topic. (`--wait finished`: the job does run for a few seconds first.)
#[test]
fn an_unknown_topic_fails_the_job_and_names_the_topic() {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    let topic = format!("{}.migration.public.no_such_topic", unique("mig"));
    let mut jobs = Jobs::default();
    let sql = users_source(&topic, USERS_TRUSTSTORE, "earliest-offset");
    let (run, events, path) = run_failing(&dir, &sql, "finished", &[], &mut jobs);

    let job = &job_ids(&events)[0];
    assert_eq!(finished(&events, 3)["job_state"], "FAILED");
    assert_eq!(
        run.error_line(),
        format!(
            "{}:19:1: error: job {job} FAILED: Failed to get metadata for topics [{topic}]: \
             This server does not host this topic-partition.",
            path.display()
        )
    );
}
