//! Acceptance tests of `flink-sql exec`: the BUILT binary against the REAL local stack (Flink 2.0
//! JobManager + SQL Gateway, Kafka SASL_SSL/SCRAM-SHA-512 with a JKS truststore, a schema registry
//! behind basic auth), all started by `scripts/stack.sh up`. Nothing is stubbed: a test that needs
//! the stack fails (never skips) with "run scripts/stack.sh up" when it is not there.
//!
//! Every run gets a clean environment (only PATH and HOME) and the repository as its working
//! directory, so `--env local` reads `env/local.env` and nothing from the caller leaks in. State that
//! could collide between runs (topics, job names) carries a unique stamp. Streaming jobs are short
//! and always stopped: each test cancels what it started through the JobManager REST API, also
//! when it fails (see `Jobs`).
//!
//! Run: `cargo test --test live_exec -- --test-threads=2` (the cluster has 4 slots).

mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::*;
use serde_json::{json, Value};

/// Longest any one CLI run may take before the test calls it hung.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// The Kafka pipeline tests hold three jobs each (pipeline, seed, preview) on a 4-slot cluster: one
/// at a time.
static KAFKA_PIPELINE: Mutex<()> = Mutex::new(());

// ---------------------------------------------------------------------------------------------
// The outside world: repository, profile, stack, HTTP
// ---------------------------------------------------------------------------------------------

/// A listener on a free loopback port that counts who connected to it.
struct Listener(TcpListener);

impl Listener {
    fn bind() -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        Listener(listener)
    }

    fn url(&self) -> String {
        format!("http://{}", self.0.local_addr().unwrap())
    }

    /// Connections accepted by the kernel so far (completed handshakes wait in the backlog).
    fn connections(&self) -> usize {
        let mut n = 0;
        while self.0.accept().is_ok() {
            n += 1;
        }
        n
    }
}

// ---------------------------------------------------------------------------------------------
// Running the CLI
// ---------------------------------------------------------------------------------------------

/// The built binary with a clean environment, run from the repository.
fn flink_sql() -> Command {
    common::flink_sql_within(RUN_TIMEOUT)
}

fn write_sql(dir: &tempfile::TempDir, name: &str, sql: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, sql).unwrap();
    path
}

/// Folds a changelog of (key, values) rows into the final table, keyed by the first column.
fn fold_changelog(rows: &[&Value]) -> BTreeMap<String, Vec<Value>> {
    let mut table = BTreeMap::new();
    for row in rows {
        let values = row["values"].as_array().expect("values").clone();
        let key = values[0].as_str().expect("a string key").to_owned();
        match row["op"].as_str() {
            Some("+I") | Some("+U") => {
                table.insert(key, values);
            }
            Some("-U") | Some("-D") => {
                table.remove(&key);
            }
            other => panic!("unknown op {other:?} in {row}"),
        }
    }
    table
}

// ---------------------------------------------------------------------------------------------
// Jobs on the JobManager: found by id or unique name, cancelled at the end whatever happens
// ---------------------------------------------------------------------------------------------

/// Polls until the job is in one of `states`; returns the state it reached, or the last one seen.
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

fn wait_for_state(jid: &str, states: &[&str], within: Duration) -> String {
    poll_state(jid, states, within).unwrap_or_else(|last| {
        panic!("job {jid} is {last:?}, expected one of {states:?} within {within:?}")
    })
}

/// The jobs a test started, by id or by a unique `pipeline.name`. On drop (also when the test
/// panics) every one that still runs is cancelled with `PATCH /jobs/{id}?mode=cancel`.
#[derive(Default)]
struct Jobs {
    ids: Vec<String>,
    names: Vec<String>,
}

impl Jobs {
    fn named(name: &str) -> Jobs {
        Jobs {
            ids: Vec::new(),
            names: vec![name.to_owned()],
        }
    }

    fn track(&mut self, ids: impl IntoIterator<Item = String>) {
        self.ids.extend(ids);
    }

    /// Cancels what still runs and waits (up to 30 s each) until it has stopped. Never panics.
    fn cancel_all(&self) {
        let mut ids = self.ids.clone();
        for name in &self.names {
            let named = try_jobs_named(name).unwrap_or_default();
            ids.extend(named.into_iter().map(|(jid, _)| jid));
        }
        for jid in &ids {
            let running = job_state(jid).is_some_and(|s| !TERMINAL.contains(&s.as_str()));
            if running {
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

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/// The tricky Kafka + registry user: its password is `Tr1ck'y"pa;ss--w\rd${HOME}`.
fn tricky_user() -> (&'static str, &'static str) {
    let password = var("KAFKA_TRICKY_PASSWORD");
    for needle in ["'", "\"", ";", "--", "\\", "${"] {
        assert!(
            password.contains(needle),
            "KAFKA_TRICKY_PASSWORD lost its {needle:?}: {STACK_UP} again?"
        );
    }
    (var("KAFKA_TRICKY_USERNAME"), password)
}

/// Asserts `text` holds no spelling of `secret` (as is, SQL-doubled, JAAS-, JSON-, CSV-, XML-escaped)
/// and none of its longer runs between characters that get escaped. The message never shows it.
fn assert_no_leak(secret: &str, channel: &str, text: &str) {
    let jaas = secret.replace('\\', "\\\\").replace('"', "\\\"");
    let json = serde_json::to_string(secret).unwrap();
    let mut needles = vec![
        secret.to_owned(),
        secret.replace('\'', "''"),
        jaas.clone(),
        jaas.replace('\'', "''"),
        json[1..json.len() - 1].to_owned(),
        secret.replace('"', "\"\""),
        secret
            .replace('&', "&amp;")
            .replace('\'', "&apos;")
            .replace('"', "&quot;"),
    ];
    needles.extend(
        secret
            .split(['\'', '"', '\\'])
            .filter(|run| run.chars().count() >= 5)
            .map(str::to_owned),
    );
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for (i, needle) in needles.iter().enumerate() {
        if let Some(line) = text.lines().find(|l| l.contains(needle.as_str())) {
            let shown = needles
                .iter()
                .fold(line.to_owned(), |l, n| l.replace(n.as_str(), "«SECRET»"));
            panic!("{channel} leaks the secret (form {i}) in this line:\n{shown}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. SET carries over
// ---------------------------------------------------------------------------------------------

/// A batch of SET and DDL runs in one session: the time zone set first shapes a later query, and
/// a second SET changes the next one.
#[test]
fn set_in_a_ddl_batch_carries_over_to_later_statements() {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    let script = write_sql(
        &dir,
        "tz.sql",
        "SET 'table.local-time-zone' = 'Asia/Tokyo';\n\
         CREATE TEMPORARY TABLE epoch (ms BIGINT) WITH (\n\
         \x20 'connector' = 'datagen', 'number-of-rows' = '1',\n\
         \x20 'fields.ms.kind' = 'sequence', 'fields.ms.start' = '0', 'fields.ms.end' = '0'\n\
         );\n\
         CREATE TEMPORARY VIEW epoch_ltz AS SELECT TO_TIMESTAMP_LTZ(ms, 3) AS t FROM epoch;\n\
         SELECT CAST(t AS STRING) AS tokyo FROM epoch_ltz;\n\
         SET 'table.local-time-zone' = 'Asia/Kolkata';\n\
         SELECT CAST(t AS STRING) AS kolkata FROM epoch_ltz;\n",
    );
    let run = Run::of(
        flink_sql()
            .args(["exec", "--env", test_env(), "--format", "plain", "-f"])
            .arg(&script),
    );
    run.expect_code(0);
    // SET and DDL print nothing on stdout; each query prints its own header.
    assert_eq!(
        run.stdout,
        "op\ttokyo\n+I\t1970-01-01 09:00:00.000\n\nop\tkolkata\n+I\t1970-01-01 05:30:00.000\n",
        "{}",
        run.dump()
    );
    assert!(
        run.stderr.contains("6 statements in")
            && run.stderr.contains(": 6 ok, 0 failed, 0 skipped"),
        "{}",
        run.dump()
    );
}

/// sql/quickstart.sql runs as documented: its changelog folds to the 20 generated orders.
#[test]
fn quickstart_example_runs_and_its_changelog_adds_up() {
    require_stack();
    let run = Run::of(flink_sql().args([
        "exec",
        "--env",
        test_env(),
        "--format",
        "ndjson",
        "-f",
        "sql/quickstart.sql",
    ]));
    run.expect_code(0);
    let events = run.events();
    let rows = events_of(&events, "row");
    assert!(rows.iter().all(|r| r["statement"] == 3), "{}", run.dump());
    let totals = fold_changelog(&rows);
    let orders: i64 = totals.values().map(|v| v[1].as_i64().unwrap()).sum();
    assert_eq!(
        orders, 20,
        "every generated order is counted once: {totals:?}"
    );
    for (customer, v) in &totals {
        let total: f64 = v[2].to_string().parse().unwrap();
        let n = v[1].as_f64().unwrap();
        assert!(
            (n..=100.0 * n).contains(&total),
            "{customer}: {n} orders of 1..100 cannot total {total}"
        );
    }
    assert_eq!(finished(&events, 3)["status"], "ok");
}

// ---------------------------------------------------------------------------------------------
// 2. Typed values in every format
// ---------------------------------------------------------------------------------------------

const TYPED_QUERY: &str = "\
SELECT CAST(NULL AS STRING) AS n,
       CAST('' AS STRING) AS e,
       CAST(12.3 AS DECIMAL(10, 2)) AS d,
       CAST(100 AS DECIMAL(10, 2)) AS h,
       CAST('2024-01-02 03:04:05.1' AS TIMESTAMP(3)) AS ts,
       CAST(ROW(1, 'a') AS ROW<id INT, tag STRING>) AS r,
       ARRAY[1, CAST(NULL AS INT)] AS a,
       MAP['k', 1] AS m;
";

fn typed_run(dir: &tempfile::TempDir, format: &str) -> Run {
    let script = dir.path().join("typed.sql");
    let run = Run::of(
        flink_sql()
            .args(["exec", "--env", test_env(), "-q", "--format", format, "-f"])
            .arg(&script),
    );
    run.expect_code(0);
    run
}

/// One bounded SELECT, value for value in table, plain, csv, json and ndjson: NULL is not '',
/// DECIMAL(10, 2) keeps its scale (12.30, 100.00), TIMESTAMP(3) keeps 3 digits (.100), ROW, ARRAY
/// and MAP are JSON.
#[test]
fn a_bounded_select_renders_typed_values_faithfully_in_every_format() {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    write_sql(&dir, "typed.sql", TYPED_QUERY);

    let table = typed_run(&dir, "table");
    assert_eq!(
        table.stdout.lines().collect::<Vec<_>>(),
        [
            "+----+--------+---+-------+--------+-------------------------+--------------------+----------+---------+",
            "| op | n      | e |     d |      h | ts                      | r                  | a        | m       |",
            "+----+--------+---+-------+--------+-------------------------+--------------------+----------+---------+",
            "| +I | <NULL> |   | 12.30 | 100.00 | 2024-01-02 03:04:05.100 | {\"id\":1,\"tag\":\"a\"} | [1,null] | {\"k\":1} |",
            "+----+--------+---+-------+--------+-------------------------+--------------------+----------+---------+",
        ],
        "{}",
        table.dump()
    );

    let plain = typed_run(&dir, "plain");
    assert_eq!(
        plain.stdout,
        "op\tn\te\td\th\tts\tr\ta\tm\n\
         +I\t<NULL>\t\t12.30\t100.00\t2024-01-02 03:04:05.100\t{\"id\":1,\"tag\":\"a\"}\t[1,null]\t{\"k\":1}\n",
        "{}",
        plain.dump()
    );

    // RFC 4180: CRLF, NULL is an empty field, '' is "", embedded quotes doubled.
    let csv = typed_run(&dir, "csv");
    assert_eq!(
        csv.stdout,
        "op,n,e,d,h,ts,r,a,m\r\n\
         +I,,\"\",12.30,100.00,2024-01-02 03:04:05.100,\"{\"\"id\"\":1,\"\"tag\"\":\"\"a\"\"}\",\"[1,null]\",\"{\"\"k\"\":1}\"\r\n",
        "{}",
        csv.dump()
    );

    // DECIMALs are JSON numbers that keep their scale: compare the text, not a parsed f64.
    let values = r#""values":[null,"",12.30,100.00,"2024-01-02T03:04:05.100",{"id":1,"tag":"a"},[1,null],{"k":1}]"#;

    let json_run = typed_run(&dir, "json");
    assert!(
        json_run
            .stdout
            .contains(&format!("{{\"op\":\"+I\",{values}}}")),
        "{}",
        json_run.dump()
    );
    let doc: Value = serde_json::from_str(&json_run.stdout).expect("one JSON document");
    let statement = &doc["statements"][0];
    assert_eq!(statement["status"], "ok");
    assert_eq!(statement["rows"].as_array().map(Vec::len), Some(1));
    let types: Vec<&str> = statement["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types[2], "DECIMAL(10, 2) NOT NULL");
    assert_eq!(types[4], "TIMESTAMP(3) NOT NULL");
    assert_eq!(doc["summary"]["ok"], 1);

    let ndjson = typed_run(&dir, "ndjson");
    let events = ndjson.events();
    let rows = events_of(&events, "row");
    assert_eq!(rows.len(), 1, "{}", ndjson.dump());
    let row_line = ndjson
        .stdout
        .lines()
        .find(|l| l.contains("\"event\":\"row\""))
        .unwrap();
    assert_eq!(
        row_line,
        format!("{{\"event\":\"row\",\"statement\":1,\"op\":\"+I\",{values}}}")
    );
    let columns = events_of(&events, "columns");
    assert_eq!(
        columns[0]["columns"][0],
        json!({"name": "n", "type": "STRING"}),
        "a nullable STRING column"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. A streaming SELECT stopped by --max-rows
// ---------------------------------------------------------------------------------------------

/// An unbounded datagen SELECT stops after --max-rows: exit 0, the tool says why, and the query's
/// job ends up CANCELED on the JobManager.
#[test]
fn a_streaming_select_stops_at_max_rows_and_its_job_is_cancelled() {
    require_stack();
    let name = unique("live-exec-max-rows-");
    let _jobs = Jobs::named(&name);
    let dir = tempfile::tempdir().unwrap();
    let script = write_sql(
        &dir,
        "stream.sql",
        &format!(
            "SET 'pipeline.name' = '{name}';\n\
             CREATE TEMPORARY TABLE ticks (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20');\n\
             SELECT id FROM ticks;\n"
        ),
    );
    let run = Run::of(
        flink_sql()
            .args([
                "exec",
                "--env",
                test_env(),
                "--format",
                "ndjson",
                "--max-rows",
                "3",
            ])
            // A backstop only: were it to fire, the stop reason below would say max_wait.
            .args(["--max-wait", "90s"])
            .arg("-f")
            .arg(&script),
    );
    run.expect_code(0);
    let events = run.events();
    assert_eq!(events_of(&events, "row").len(), 3, "{}", run.dump());
    let query = finished(&events, 3);
    assert_eq!(query["status"], "ok");
    assert_eq!(query["rows"], 3);
    assert_eq!(query["stopped"], json!({"reason": "max_rows", "limit": 3}));
    let path = script.display();
    assert!(
        run.stderr.contains(&format!(
            "{path}:3:1: query stopped after 3 rows (--max-rows 3)"
        )),
        "{}",
        run.dump()
    );

    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 1, "one job for the query: {jobs:?}");
    let state = wait_for_state(&jobs[0].0, &TERMINAL, Duration::from_secs(30));
    assert_eq!(
        state, "CANCELED",
        "the query's job was cancelled, not left running"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. The Kafka pipeline (and 7. with the tricky password)
// ---------------------------------------------------------------------------------------------

/// Runs orders-enrichment + seed-orders + customer-totals in one session as `user`, reads the
/// upsert topic back until the last update, and checks the totals. Returns the run's job ids.
fn kafka_pipeline_round_trip(user: Option<(&str, &str)>, jobs: &mut Jobs) -> Run {
    let kafka_env = unique("t");
    create_topics(&[
        &format!("{kafka_env}.shop.public.orders"),
        &format!("{kafka_env}.shop.analytics.customer_totals"),
    ]);
    let mut cmd = flink_sql();
    cmd.args(["exec", "--env", test_env(), "--var"])
        .arg(format!("KAFKA_ENV={kafka_env}"));
    if let Some((name, password)) = user {
        cmd.arg("--var")
            .arg(format!("KAFKA_USERNAME={name}"))
            .arg("--var")
            .arg(format!("KAFKA_PASSWORD={password}"));
    }
    // 50 orders over customer-1..5 are 50 upserts on the topic; read back through upsert-kafka they
    // are one +I per customer and a -U/+U pair per later order: 5 + 2 * 45 = 95 rows, the last of
    // which completes the final state. (Fewer than 5 customers among 50 random picks: p < 1e-4.)
    cmd.args([
        "-f",
        "sql/orders-enrichment.sql",
        "-f",
        "sql/demo/seed-orders.sql",
        "-f",
        "sql/demo/customer-totals.sql",
        "--var",
        "DEMO_ORDERS=50",
        "--max-rows",
        "95",
        "--max-wait",
        "90s",
        "--format",
        "ndjson",
    ]);
    let run = Run::of(&mut cmd);
    let events = if run.stdout.is_empty() {
        Vec::new()
    } else {
        run.events()
    };
    jobs.track(job_ids(&events));
    run.expect_code(0);

    // Statement 5 is the pipeline's INSERT, 8 the seed's, 10 the preview query.
    let submitted: Vec<u64> = events_of(&events, "job_submitted")
        .iter()
        .map(|e| e["statement"].as_u64().unwrap())
        .collect();
    assert_eq!(submitted, [5, 8], "{}", run.dump());
    let preview = finished(&events, 10);
    assert_eq!(
        preview["stopped"],
        json!({"reason": "max_rows", "limit": 95}),
        "the preview read all 95 changelog rows\n{}",
        run.dump()
    );
    let rows = events_of(&events, "row");
    assert!(rows.iter().all(|r| r["statement"] == 10));
    let totals = fold_changelog(&rows);
    let customers: Vec<&str> = totals.keys().map(String::as_str).collect();
    assert_eq!(
        customers,
        [
            "customer-1",
            "customer-2",
            "customer-3",
            "customer-4",
            "customer-5"
        ],
        "{totals:?}"
    );
    let orders: i64 = totals.values().map(|v| v[1].as_i64().unwrap()).sum();
    assert_eq!(orders, 50, "every seeded order is counted once: {totals:?}");
    for (customer, v) in &totals {
        let n = v[1].as_i64().unwrap();
        let total = v[2].to_string();
        let (_, cents) = total.split_once('.').unwrap_or((&total, ""));
        assert_eq!(cents.len(), 2, "DECIMAL(20, 2) keeps its scale: {total}");
        let total: f64 = total.parse().unwrap();
        assert!(
            (n as f64..=250.0 * n as f64).contains(&total),
            "{customer}: {n} orders of 1..250 cannot total {total}"
        );
        assert!(
            v[3].as_str()
                .is_some_and(|t| t.len() == 23 && t.contains('T')),
            "last_order is a TIMESTAMP(3): {}",
            v[3]
        );
    }
    // The pipeline never ends by itself: cancel it (the guard would, too) and see it stop.
    jobs.cancel_all();
    let pipeline = &job_ids(&events)[0];
    assert_eq!(job_state(pipeline).as_deref(), Some("CANCELED"));
    run
}

/// The documented pipeline end to end over SASL_SSL + the schema registry: it writes rows that a
/// later SELECT in the same run reads back, and the totals add up.
#[test]
fn kafka_pipeline_writes_totals_that_a_later_select_reads_back() {
    require_stack();
    let _one = KAFKA_PIPELINE.lock().unwrap_or_else(|e| e.into_inner());
    let mut jobs = Jobs::default();
    let run = kafka_pipeline_round_trip(None, &mut jobs);
    assert!(
        run.stderr.contains(
            "sql/demo/customer-totals.sql:4:1: query stopped after 95 rows (--max-rows 95)"
        ),
        "{}",
        run.dump()
    );
    assert!(run.stderr.contains("10 statements in"), "{}", run.dump());
}

/// The same pipeline as the second user, whose password holds `'`, `"`, `;`, `--`, `\` and `${`:
/// it splits exactly like the plain one (dry-run plan), and it works end to end.
#[test]
fn a_tricky_password_splits_the_same_and_runs_the_pipeline() {
    require_stack();
    let (user, password) = tricky_user();
    let plan = |vars: &[String]| -> Vec<Value> {
        let run = Run::of(
            flink_sql()
                .args(["exec", "--env", test_env(), "--dry-run", "--format", "json"])
                .args(vars.iter().flat_map(|v| ["--var", v.as_str()]))
                .args([
                    "-f",
                    "sql/orders-enrichment.sql",
                    "-f",
                    "sql/demo/seed-orders.sql",
                ])
                .args(["-f", "sql/demo/customer-totals.sql"]),
        );
        run.expect_code(0);
        assert_no_leak(password, "the dry-run plan", &run.stdout);
        let doc: Value = serde_json::from_str(&run.stdout).expect("a JSON plan");
        doc["statements"].as_array().expect("statements").clone()
    };
    let plain = plan(&[]);
    let tricky = plan(&[
        format!("KAFKA_USERNAME={user}"),
        format!("KAFKA_PASSWORD={password}"),
    ]);
    let shape = |plan: &[Value]| -> Vec<(Value, Value, Value, Value)> {
        plan.iter()
            .map(|s| {
                (
                    s["kind"].clone(),
                    s["file"].clone(),
                    s["line"].clone(),
                    s["column"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(plain.len(), 10);
    assert_eq!(
        shape(&tricky),
        shape(&plain),
        "same statements, kinds and places"
    );
    // Redacted, the two plans differ only by the user name: no piece of the password moved a
    // boundary or survived masking in any escaped spelling. (With the plain user, the registry's
    // `user:password` is itself the secret SCHEMA_REGISTRY_USER_INFO, so it is masked whole.)
    for (p, t) in plain.iter().zip(&tricky) {
        let t_sql = t["sql"]
            .as_str()
            .unwrap()
            .replace(&format!("'{user}:***'"), "'***'")
            .replace(user, var("KAFKA_USERNAME"));
        let p_sql = p["sql"]
            .as_str()
            .unwrap()
            .replace(&format!("'{}:***'", var("KAFKA_USERNAME")), "'***'");
        assert_eq!(t_sql, p_sql, "statement {}", p["index"]);
    }
    assert!(tricky[1]["sql"]
        .as_str()
        .unwrap()
        .contains(&format!("username=\"{user}\" password=\"***\";")));

    let _one = KAFKA_PIPELINE.lock().unwrap_or_else(|e| e.into_inner());
    let mut jobs = Jobs::default();
    let run = kafka_pipeline_round_trip(Some((user, password)), &mut jobs);
    assert_no_leak(password, "stdout", &run.stdout);
    assert_no_leak(password, "stderr", &run.stderr);
}

// ---------------------------------------------------------------------------------------------
// 5. A failing statement
// ---------------------------------------------------------------------------------------------

/// Statement 3 of 4 starts mid-line on line 4 and names an unknown table on line 6, column 8.
const FAILING_SCRIPT: &str = "\
-- a script whose third statement fails
CREATE TEMPORARY TABLE base (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');

SELECT 'first' AS a; SELECT id
FROM   base
JOIN   missing_table ON TRUE;
SELECT 'later' AS b;
";

#[test]
fn a_failing_statement_points_at_its_token_and_stops_the_run() {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    let script = write_sql(&dir, "failing.sql", FAILING_SCRIPT);
    let path = script.display().to_string();

    let run = Run::of(
        flink_sql()
            .args(["exec", "--env", test_env(), "--format", "ndjson", "-f"])
            .arg(&script),
    );
    run.expect_code(1);
    let at = format!("{path}:6:8: error: Object 'missing_table' not found");
    assert!(run.stderr.contains(&at), "expected `{at}`\n{}", run.dump());
    assert!(
        run.stderr
            .contains("6 | JOIN   missing_table ON TRUE\n  |        ^"),
        "a caret under the token\n{}",
        run.dump()
    );
    assert!(
        run.stderr.contains("4 statements in")
            && run.stderr.contains(": 2 ok, 1 failed, 1 skipped"),
        "{}",
        run.dump()
    );
    let events = run.events();
    let error = events_of(&events, "error");
    assert_eq!(error.len(), 1);
    assert_eq!(
        (
            &error[0]["statement"],
            &error[0]["line"],
            &error[0]["column"]
        ),
        (&json!(3), &json!(6), &json!(8))
    );
    assert_eq!(
        finished(&events, 3)["line"],
        4,
        "statement 3 starts on line 4"
    );
    assert_eq!(finished(&events, 3)["column"], 22);
    assert_eq!(finished(&events, 4)["status"], "skipped");
    assert!(!run.stdout.contains("later"), "statement 4 did not run");
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "statement_started" && e["statement"] == 4),
        "statement 4 was never sent"
    );

    let run = Run::of(
        flink_sql()
            .args([
                "exec",
                "--env",
                test_env(),
                "--format",
                "plain",
                "--continue-on-error",
                "-f",
            ])
            .arg(&script),
    );
    run.expect_code(1);
    assert!(run.stderr.contains(&at), "{}", run.dump());
    assert_eq!(
        run.stdout,
        "op\ta\n+I\tfirst\n\nop\tb\n+I\tlater\n",
        "{}",
        run.dump()
    );
    assert!(
        run.stderr.contains(": 3 ok, 1 failed, 0 skipped"),
        "{}",
        run.dump()
    );

    // A misspelled keyword on the second line of a statement.
    let typo = write_sql(
        &dir,
        "typo.sql",
        "SELECT 1 AS a;\nCREATE\n  TEMPORRY VIEW v AS SELECT 1;\nSELECT 2 AS b;\n",
    );
    let run = Run::of(
        flink_sql()
            .args(["exec", "--env", test_env(), "--format", "plain", "-f"])
            .arg(&typo),
    );
    run.expect_code(1);
    let at = format!("{}:3:3: error: Encountered \"TEMPORRY\"", typo.display());
    assert!(run.stderr.contains(&at), "expected `{at}`\n{}", run.dump());
    assert_eq!(run.stdout, "op\ta\n+I\t1\n", "{}", run.dump());
    assert!(
        run.stderr.contains(": 1 ok, 1 failed, 1 skipped"),
        "{}",
        run.dump()
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Missing variables
// ---------------------------------------------------------------------------------------------

/// Every missing variable is listed with file:line:col, exit 2, and not a single connection reaches
/// the "gateway" (a listener the test owns).
#[test]
fn missing_variables_exit_2_before_any_connection() {
    local_env();
    let gateway = Listener::bind();
    let dir = tempfile::tempdir().unwrap();
    let script = write_sql(
        &dir,
        "missing.sql",
        "-- ${IN_A_COMMENT} is never required\n\
         SELECT '${MISSING_A}' AS a,\n\
         \x20      '${KAFKA_ENV}' AS fine;\n\
         SELECT ${MISSING_B} + ${MISSING_A}, '${UNSET:-default}' AS d, '${NEED_C:?set NEED_C first}' AS c;\n",
    );
    let path = script.display().to_string();
    let text = std::fs::read_to_string(&script).unwrap();
    let run = Run::of(
        flink_sql()
            .args([
                "exec",
                "--env",
                test_env(),
                "--gateway",
                &gateway.url(),
                "-f",
            ])
            .arg(&script),
    );
    run.expect_code(2);
    let at = |needle: &str, nth: usize| {
        let (line, column) = positions_of(&text, needle)[nth];
        format!("{path}:{line}:{column}")
    };
    let expected = [
        format!("{}: variable MISSING_A is not set", at("${MISSING_A}", 0)),
        format!("{}: variable MISSING_B is not set", at("${MISSING_B}", 0)),
        format!("{}: variable MISSING_A is not set", at("${MISSING_A}", 1)),
        format!("{}: set NEED_C first", at("${NEED_C", 0)),
    ];
    // The oracle itself, spelled out for the first one.
    assert_eq!(
        expected[0],
        format!("{path}:2:9: variable MISSING_A is not set")
    );
    for line in &expected {
        assert!(
            run.stderr.contains(line.as_str()),
            "expected `{line}`\n{}",
            run.dump()
        );
    }
    // A placeholder in a comment is not required, one with a default is not missing.
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 4, "{}", run.dump());
    assert!(
        !errors
            .iter()
            .any(|l| l.contains("IN_A_COMMENT") || l.contains("UNSET")),
        "{errors:?}"
    );
    assert!(
        run.stderr
            .contains("4 problems found; nothing was sent to the gateway"),
        "{}",
        run.dump()
    );
    assert_eq!(run.stdout, "");
    assert_eq!(gateway.connections(), 0, "no session was opened");
}

// ---------------------------------------------------------------------------------------------
// 8. Secrets stay secret
// ---------------------------------------------------------------------------------------------

/// The tricky password is masked in every channel: dry-run (text and json, with -v and --echo),
/// echo, -v traces, results (ndjson and csv), the JUnit report, and gateway errors that quote it
/// (an unknown table named after it; the option list of a table Flink refuses to create).
#[test]
fn secrets_never_appear_in_any_channel() {
    require_stack();
    let (_, secret) = tricky_user();
    let dir = tempfile::tempdir().unwrap();
    let script = write_sql(
        &dir,
        "leaky.sql",
        "CREATE TEMPORARY TABLE leaky (id BIGINT) WITH (\n\
         \x20 'connector' = 'datagen',\n\
         \x20 'properties.group.id' = '${KAFKA_PASSWORD}'\n\
         );\n\
         SELECT id FROM leaky;\n\
         SELECT * FROM `${KAFKA_PASSWORD}`;\n\
         SELECT CONCAT('pw=', '${KAFKA_PASSWORD}') AS p, CAST(ROW('${KAFKA_PASSWORD}') AS ROW<s STRING>) AS r;\n",
    );
    let secret_var = format!("KAFKA_PASSWORD={secret}");
    let base = || {
        let mut cmd = flink_sql();
        cmd.args(["exec", "--env", test_env(), "--var", &secret_var]);
        cmd
    };

    for format in ["plain", "json"] {
        let run = Run::of(
            base()
                .args(["--dry-run", "-v", "--echo", "--format", format, "-f"])
                .arg(&script),
        );
        run.expect_code(0);
        assert_no_leak(secret, &format!("dry-run {format} stdout"), &run.stdout);
        assert_no_leak(secret, &format!("dry-run {format} stderr"), &run.stderr);
        assert!(
            run.stdout.contains("'properties.group.id' = '***'"),
            "{}",
            run.dump()
        );
        assert!(run.stdout.contains("FROM `***`"), "{}", run.dump());
    }

    let junit = dir.path().join("junit.xml");
    let run = Run::of(
        base()
            .args([
                "-v",
                "--echo",
                "--continue-on-error",
                "--format",
                "ndjson",
                "--report",
            ])
            .arg(format!("junit={}", junit.display()))
            .arg("-f")
            .arg(&script),
    );
    run.expect_code(1);
    let report = std::fs::read_to_string(&junit).expect("the JUnit report is written");
    assert_no_leak(secret, "ndjson stdout", &run.stdout);
    assert_no_leak(secret, "stderr (-v, --echo)", &run.stderr);
    assert_no_leak(secret, "the JUnit report", &report);

    // ...and masking really happened where the secret would have been.
    assert!(
        run.stderr.contains("  'properties.group.id' = '***'\n);"),
        "--echo masks the statement\n{}",
        run.dump()
    );
    assert!(
        run.stderr.contains("'properties.group.id'='***'"),
        "-v shows Flink's option list, masked\n{}",
        run.dump()
    );
    assert!(
        run.stderr.contains(":6:15: error: Object '***' not found"),
        "the gateway's echo of the name is masked\n{}",
        run.dump()
    );
    let events = run.events();
    let errors = events_of(&events, "error");
    assert_eq!(errors.len(), 2, "{}", run.dump());
    assert!(errors[0]["detail"]
        .as_str()
        .unwrap()
        .contains("'properties.group.id'='***'"));
    assert_eq!(errors[1]["message"], "Object '***' not found");
    let rows = events_of(&events, "row");
    assert_eq!(rows.len(), 1, "{}", run.dump());
    assert_eq!(rows[0]["values"], json!(["pw=***", {"s": "***"}]));
    assert!(
        report.contains("***"),
        "the report shows masked errors:\n{report}"
    );

    // Results as CSV, where `"` is written as `""`, also inside the JSON of a ROW or ARRAY.
    let query = dir.path().join("query.sql");
    std::fs::write(
        &query,
        "SELECT CONCAT('pw=', '${KAFKA_PASSWORD}') AS p,\n\
         \x20      CAST(ROW('${KAFKA_PASSWORD}') AS ROW<s STRING>) AS r,\n\
         \x20      ARRAY['${KAFKA_PASSWORD}'] AS a;\n",
    )
    .unwrap();
    let run = Run::of(base().args(["-q", "--format", "csv", "-f"]).arg(&query));
    run.expect_code(0);
    assert_no_leak(secret, "csv stdout", &run.stdout);
    // (Quoted: the fields held a `"` before they were masked.)
    assert_eq!(
        run.stdout,
        "op,p,r,a\r\n+I,\"pw=***\",\"{\"\"s\"\":\"\"***\"\"}\",\"[\"\"***\"\"]\"\r\n",
        "{}",
        run.dump()
    );

    // Results as a table: masked before the columns are measured, so the box stays straight and
    // its widths do not give away the secret's length.
    let run = Run::of(base().args(["-q", "--format", "table", "-f"]).arg(&query));
    run.expect_code(0);
    assert_no_leak(secret, "table stdout", &run.stdout);
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        [
            "+----+--------+-------------+---------+",
            "| op | p      | r           | a       |",
            "+----+--------+-------------+---------+",
            "| +I | pw=*** | {\"s\":\"***\"} | [\"***\"] |",
            "+----+--------+-------------+---------+",
        ],
        "{}",
        run.dump()
    );
}

// ---------------------------------------------------------------------------------------------
// 9. A statement set is one job
// ---------------------------------------------------------------------------------------------

#[test]
fn a_statement_set_with_two_inserts_starts_one_job() {
    require_stack();
    let name = unique("live-exec-statement-set-");
    let _jobs = Jobs::named(&name);
    let dir = tempfile::tempdir().unwrap();
    let script = write_sql(
        &dir,
        "set.sql",
        &format!(
            "SET 'pipeline.name' = '{name}';\n\
             CREATE TEMPORARY TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '100');\n\
             CREATE TEMPORARY TABLE sink_a (id BIGINT) WITH ('connector' = 'blackhole');\n\
             CREATE TEMPORARY TABLE sink_b (id BIGINT) WITH ('connector' = 'blackhole');\n\
             EXECUTE STATEMENT SET BEGIN\n\
             \x20 INSERT INTO sink_a SELECT id FROM src;\n\
             \x20 INSERT INTO sink_b SELECT id FROM src;\n\
             END;\n"
        ),
    );
    let run = Run::of(
        flink_sql()
            .args(["exec", "--env", test_env(), "--format", "ndjson", "-f"])
            .arg(&script),
    );
    run.expect_code(0);
    let events = run.events();
    let ids = job_ids(&events);
    assert_eq!(ids.len(), 1, "one job id reported\n{}", run.dump());
    let set = finished(&events, 5);
    assert_eq!(set["kind"], "statement_set");
    assert_eq!(set["job_id"], ids[0].as_str());
    let summary = events_of(&events, "summary");
    assert_eq!(
        summary[0]["jobs"],
        json!([{"statement": 5, "job_id": ids[0]}])
    );
    assert!(
        run.stderr.contains(&format!("job {} submitted", ids[0])),
        "{}",
        run.dump()
    );

    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 1, "the JobManager shows one job: {jobs:?}");
    assert_eq!(jobs[0].0, ids[0]);
    let job = get_json(&format!("{}/jobs/{}", jobmanager_url(), ids[0]));
    let vertices: Vec<&str> = job["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(
        vertices.iter().any(|v| v.starts_with("sink_a"))
            && vertices.iter().any(|v| v.starts_with("sink_b")),
        "both INSERTs are in that job: {vertices:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 10. Statements on stdin
// ---------------------------------------------------------------------------------------------

#[test]
fn statements_piped_on_stdin_run_in_order() {
    require_stack();
    let run = Run::of(
        flink_sql()
            .args(["exec", "--env", test_env(), "--format", "plain"])
            .write_stdin("SELECT 1 AS a;\n-- a comment between\nSELECT 'two' AS b\n"),
    );
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "op\ta\n+I\t1\n\nop\tb\n+I\ttwo\n",
        "{}",
        run.dump()
    );
    assert!(run.stderr.contains("2 statements in"), "{}", run.dump());
}

// ---------------------------------------------------------------------------------------------
// 11. SIGINT / SIGTERM / SIGHUP during a streaming SELECT
// ---------------------------------------------------------------------------------------------

/// Starts an unbounded SELECT under `-v`, waits for rows, sends `signal`, and checks the exit code,
/// that the gateway forgot the session and that the query's job was cancelled.
fn interrupt_streaming_select(signal: &str, expected_code: i32) {
    require_stack();
    let name = unique(&format!("live-exec-{}-", signal.to_lowercase()));
    let _jobs = Jobs::named(&name);
    let dir = tempfile::tempdir().unwrap();
    let script = write_sql(
        &dir,
        "endless.sql",
        &format!(
            "SET 'pipeline.name' = '{name}';\n\
             CREATE TEMPORARY TABLE ticks (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20');\n\
             SELECT id FROM ticks;\n"
        ),
    );
    let mut cli = Background::spawn(
        common::flink_sql()
            .args([
                "exec",
                "--env",
                test_env(),
                "-v",
                "--format",
                "ndjson",
                "-f",
            ])
            .arg(&script),
    );

    // Results flow, so the query and its session are live.
    cli.wait_for_stdout(|out| out.contains("\"event\":\"row\""));
    let session = cli
        .stderr()
        .lines()
        .find_map(|l| l.strip_prefix("debug: opened session "))
        .map(|s| s.trim().to_owned())
        .expect("-v names the session it opened");
    let session_url = format!("{}/v2/sessions/{session}", gateway_url());
    let (status, body) = http(reqwest::Method::GET, &session_url).unwrap();
    assert_eq!(
        status, 200,
        "the session exists while the query runs: {body}"
    );

    cli.signal(signal);
    let run = cli.finish();
    let (stderr, dump) = (&run.stderr, run.dump());
    assert_eq!(
        run.code, expected_code,
        "exit code after SIG{signal}\n{dump}"
    );

    assert_eq!(
        finished(&run.events(), 3)["status"],
        "interrupted",
        "{dump}"
    );
    let closed = format!("/sessions/{session} -> 200");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("DELETE /v") && l.contains(&closed)),
        "the CLI closed its session\n{dump}"
    );
    let (status, _) = http(reqwest::Method::GET, &session_url).unwrap();
    assert!(
        status >= 400,
        "the gateway no longer has session {session} (GET -> {status})"
    );

    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 1, "one job for the query: {jobs:?}");
    let state = wait_for_state(&jobs[0].0, &TERMINAL, Duration::from_secs(30));
    assert_eq!(state, "CANCELED", "the query's job was cancelled");
}

#[test]
fn sigint_during_a_streaming_select_cancels_closes_and_exits_130() {
    interrupt_streaming_select("INT", 130);
}

#[test]
fn sigterm_during_a_streaming_select_cancels_closes_and_exits_143() {
    interrupt_streaming_select("TERM", 143);
}

/// A closed terminal or a dropped ssh connection sends SIGHUP: the run must clean up the same way
/// (the default action would kill it and leave the query's job running).
#[test]
fn sighup_during_a_streaming_select_cancels_closes_and_exits_129() {
    interrupt_streaming_select("HUP", 129);
}

// ---------------------------------------------------------------------------------------------
// 12. Dry run
// ---------------------------------------------------------------------------------------------

/// 1-based (line, column) of every occurrence of `needle` in `text`.
fn positions_of(text: &str, needle: &str) -> Vec<(u64, u64)> {
    text.match_indices(needle)
        .map(|(at, _)| {
            let before = &text[..at];
            let line = before.matches('\n').count() + 1;
            let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
                .chars()
                .count()
                + 1;
            (line as u64, column as u64)
        })
        .collect()
}

/// 1-based (line, column) of the first occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (u64, u64) {
    *positions_of(text, needle)
        .first()
        .unwrap_or_else(|| panic!("{needle:?} not in the file"))
}

/// `--dry-run` needs no network (the gateway and JobManager are listeners that nobody calls) and
/// prints a json plan: index, file, line, column, kind and the substituted, redacted SQL.
#[test]
fn dry_run_prints_the_json_plan_without_touching_the_network() {
    let gateway = Listener::bind();
    let jobmanager = Listener::bind();
    let kafka_env = unique("t");
    let run = Run::of(
        flink_sql()
            .args(["exec", "--env", test_env(), "--dry-run", "--format", "json"])
            .args([
                "--gateway",
                &gateway.url(),
                "--jobmanager",
                &jobmanager.url(),
            ])
            .args(["--var", &format!("KAFKA_ENV={kafka_env}")])
            .args([
                "-f",
                "sql/orders-enrichment.sql",
                "-f",
                "sql/demo/seed-orders.sql",
            ]),
    );
    run.expect_code(0);
    assert_eq!(gateway.connections() + jobmanager.connections(), 0);
    assert_eq!(run.stderr, "", "a dry run is quiet on stderr");
    let doc: Value = serde_json::from_str(&run.stdout).expect("one JSON document");

    let pipeline = std::fs::read_to_string(repo().join("sql/orders-enrichment.sql")).unwrap();
    let seed = std::fs::read_to_string(repo().join("sql/demo/seed-orders.sql")).unwrap();
    let expected = [
        (
            "sql/orders-enrichment.sql",
            &pipeline,
            "SET 'pipeline.name'",
            "set",
        ),
        (
            "sql/orders-enrichment.sql",
            &pipeline,
            "CREATE TABLE orders",
            "ddl",
        ),
        (
            "sql/orders-enrichment.sql",
            &pipeline,
            "CREATE TABLE customer_totals",
            "ddl",
        ),
        (
            "sql/orders-enrichment.sql",
            &pipeline,
            "CREATE TEMPORARY VIEW order_totals",
            "ddl",
        ),
        (
            "sql/orders-enrichment.sql",
            &pipeline,
            "INSERT INTO customer_totals",
            "insert",
        ),
        (
            "sql/demo/seed-orders.sql",
            &seed,
            "SET 'pipeline.name'",
            "set",
        ),
        (
            "sql/demo/seed-orders.sql",
            &seed,
            "CREATE TEMPORARY TABLE order_generator",
            "ddl",
        ),
        (
            "sql/demo/seed-orders.sql",
            &seed,
            "INSERT INTO orders",
            "insert",
        ),
    ];
    let statements = doc["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), expected.len(), "{}", run.dump());
    for (i, (s, (file, text, start, kind))) in statements.iter().zip(&expected).enumerate() {
        let (line, column) = position_of(text, start);
        let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["index", "file", "line", "column", "kind", "sql"]);
        assert_eq!(
            (
                &s["index"],
                &s["file"],
                &s["line"],
                &s["column"],
                &s["kind"]
            ),
            (
                &json!(i + 1),
                &json!(file),
                &json!(line),
                &json!(column),
                &json!(kind)
            ),
            "statement {}",
            i + 1
        );
        let sql = s["sql"].as_str().unwrap();
        assert!(sql.starts_with(start) && !sql.ends_with(';'), "{sql}");
        assert!(!sql.contains("${"), "substituted: {sql}");
    }
    let orders = statements[1]["sql"].as_str().unwrap();
    assert!(orders.contains(&format!("'topic' = '{kafka_env}.shop.public.orders'")));
    assert!(orders.contains(&format!(
        "'properties.bootstrap.servers' = '{}'",
        var("KAFKA_BOOTSTRAP_SERVERS")
    )));
    assert!(orders.contains("password=\"***\";'"), "{orders}");
    assert!(orders.contains("'properties.ssl.truststore.password' = '***'"));
    for secret in [
        "KAFKA_PASSWORD",
        "TRUSTSTORE_PASSWORD",
        "SCHEMA_REGISTRY_PASSWORD",
    ] {
        assert_no_leak(var(secret), "the dry-run plan", &run.stdout);
    }
    let seed_sql = statements[6]["sql"].as_str().unwrap();
    assert!(
        seed_sql.contains("'number-of-rows' = '50'"),
        "the default applies: {seed_sql}"
    );
}

// ---------------------------------------------------------------------------------------------
// 13. Unreachable gateway
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unreachable_gateway_exits_3_with_a_hint() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }; // closed again: connections are refused
    let run = Run::of(flink_sql().args([
        "exec",
        "--env",
        test_env(),
        "--gateway",
        &format!("http://127.0.0.1:{port}"),
        "-c",
        "SELECT 1",
    ]));
    run.expect_code(3);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(&format!(
            "error: gateway unreachable: POST http://127.0.0.1:{port}/v4/sessions:"
        )),
        "{}",
        run.dump()
    );
    assert!(run.stderr.contains("  hint: "), "{}", run.dump());
}

// ---------------------------------------------------------------------------------------------
// A folder of independent pipelines: --session-per-file
// ---------------------------------------------------------------------------------------------

/// Two files that both create `orders`, the first with a SET. Bare `SET` lists the session's
/// configuration, so it shows whether the first file's SET reached the second file's session.
fn independent_pipelines() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_sql(
        &dir,
        "a.sql",
        "SET 'table.local-time-zone' = 'Asia/Tokyo';\n\
         CREATE TABLE orders (id INT) WITH ('connector' = 'datagen');\n\
         SET;\n",
    );
    write_sql(
        &dir,
        "b.sql",
        "CREATE TABLE orders (id INT, note STRING) WITH ('connector' = 'datagen');\n\
         SET;\n",
    );
    dir
}

fn statuses(events: &[Value]) -> Vec<String> {
    events_of(events, "statement_finished")
        .iter()
        .map(|e| e["status"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// Whether the `SET` listing of `statement` holds the Tokyo time zone.
fn lists_tokyo(events: &[Value], statement: u64) -> bool {
    events_of(events, "row")
        .iter()
        .filter(|e| e["statement"] == statement)
        .any(|e| e["values"] == json!(["table.local-time-zone", "Asia/Tokyo"]))
}

#[test]
fn a_folder_that_reuses_table_names_needs_a_session_per_file() {
    require_stack();
    let dir = independent_pipelines();
    let exec = |extra: &[&str]| {
        Run::of(
            flink_sql()
                .args(["exec", "--env", test_env(), "--format", "ndjson", "-f"])
                .arg(dir.path())
                .args(extra),
        )
    };

    // One session: the second CREATE fails, the run says why before it starts, and stops.
    let shared = exec(&[]);
    shared.expect_code(1);
    let events = shared.events();
    assert_eq!(
        statuses(&events),
        ["ok", "ok", "ok", "failed", "skipped"],
        "{}",
        shared.dump()
    );
    assert!(
        shared
            .stderr
            .contains("b.sql:1:1: CREATE TABLE orders fails with 'already exists'")
            && shared.stderr.contains("--session-per-file"),
        "{}",
        shared.dump()
    );

    // A session per file: both files run, and the first file's SET stays in its own session.
    let separate = exec(&["--session-per-file"]);
    separate.expect_code(0);
    let events = separate.events();
    assert_eq!(statuses(&events), ["ok"; 5], "{}", separate.dump());
    assert!(
        lists_tokyo(&events, 3),
        "a.sql's SET is missing in a.sql\n{}",
        separate.dump()
    );
    assert!(
        !lists_tokyo(&events, 5),
        "a.sql's SET leaked into b.sql\n{}",
        separate.dump()
    );
    assert!(!separate.stderr.contains("warning"), "{}", separate.dump());
    assert!(
        separate.stderr.contains(": 5 ok, 0 failed, 0 skipped"),
        "{}",
        separate.dump()
    );
}

#[test]
fn with_a_session_per_file_a_failed_file_stops_the_run_unless_continue_on_error() {
    require_stack();
    let dir = independent_pipelines();
    write_sql(&dir, "0-broken.sql", "SELECT * FROM no_such_table;\n");
    let exec = |extra: &[&str]| {
        Run::of(
            flink_sql()
                .args([
                    "exec",
                    "--env",
                    test_env(),
                    "--format",
                    "ndjson",
                    "--session-per-file",
                    "-f",
                ])
                .arg(dir.path())
                .args(extra),
        )
    };
    let stopped = exec(&[]);
    stopped.expect_code(1);
    assert_eq!(
        statuses(&stopped.events()),
        ["failed", "skipped", "skipped", "skipped", "skipped", "skipped"],
        "{}",
        stopped.dump()
    );
    let continued = exec(&["--continue-on-error"]);
    continued.expect_code(1);
    assert_eq!(
        statuses(&continued.events()),
        ["failed", "ok", "ok", "ok", "ok", "ok"],
        "{}",
        continued.dump()
    );
    assert!(
        continued.stderr.contains(": 5 ok, 1 failed, 0 skipped"),
        "{}",
        continued.dump()
    );
}
