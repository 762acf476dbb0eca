//! The runner against the REAL local stack (Flink 2.0 + SQL Gateway on 127.0.0.1, started by
//! `scripts/stack.sh up`). No stubs here: every test fails, never skips, when the stack is down.
//!
//! Tests run one at a time (they share the cluster's slots with each other and with other users).

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flink_sql::cli::WaitFor;
use flink_sql::commands::batch;
use flink_sql::error::Exit;
use flink_sql::gateway::{self, Client, Error, Log, OperationId, Session, Version};
use flink_sql::jobmanager::JobManager;
use flink_sql::model::{Column, Outcome, Row, Status, StopReason, Summary};
use flink_sql::profile::Vars;
use flink_sql::render::Sink;
use flink_sql::runner::{self, Cancel, Runner};
use flink_sql::script::{self, Pos, Source, Statement};
use flink_sql::secrets::Redactor;
use flink_sql::settings;

/// The stack's URLs, from the `env/local.env` that `scripts/stack.sh up` writes (ports may differ).
fn stack_url(key: &str, default: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("env/local.env");
    let found = dotenvy::from_path_iter(path)
        .ok()
        .and_then(|mut it| it.find_map(|kv| kv.ok().filter(|(k, _)| k == key)))
        .map(|(_, v)| v);
    found.unwrap_or_else(|| default.to_owned())
}

static GATEWAY_URL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| stack_url("SQL_GATEWAY_URL", "http://127.0.0.1:8083"));
static JOBMANAGER_URL: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| stack_url("FLINK_REST_URL", "http://127.0.0.1:8081"));

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Everything a run emitted, in order. Rows are counted; only the first few are kept.
#[derive(Default)]
struct Recorder {
    events: Vec<String>,
    columns: BTreeMap<usize, Vec<Column>>,
    rows: BTreeMap<usize, Vec<Row>>,
    row_counts: BTreeMap<usize, u64>,
    pages: BTreeMap<usize, usize>,
    jobs: Vec<(usize, String)>,
    outcomes: BTreeMap<usize, Outcome>,
    summary: Option<Summary>,
}

impl Sink for Recorder {
    fn started(&mut self, s: &Statement) -> io::Result<()> {
        self.events.push(format!("started {}", s.index));
        Ok(())
    }
    fn columns(&mut self, s: &Statement, columns: &[Column]) -> io::Result<()> {
        self.events.push(format!("columns {}", s.index));
        self.columns.insert(s.index, columns.to_vec());
        Ok(())
    }
    fn rows(&mut self, s: &Statement, rows: &[Row]) -> io::Result<()> {
        *self.row_counts.entry(s.index).or_default() += rows.len() as u64;
        *self.pages.entry(s.index).or_default() += 1;
        let kept = self.rows.entry(s.index).or_default();
        kept.extend(
            rows.iter()
                .take(100usize.saturating_sub(kept.len()))
                .cloned(),
        );
        Ok(())
    }
    fn job_submitted(&mut self, s: &Statement, job_id: &str) -> io::Result<()> {
        self.events.push(format!("job {}", s.index));
        self.jobs.push((s.index, job_id.to_owned()));
        Ok(())
    }
    fn finished(&mut self, s: &Statement, outcome: &Outcome) -> io::Result<()> {
        self.events
            .push(format!("finished {} {}", s.index, outcome.status.as_str()));
        self.outcomes.insert(s.index, outcome.clone());
        Ok(())
    }
    fn done(&mut self, summary: &Summary) -> io::Result<()> {
        self.events.push("done".to_owned());
        self.summary = Some(summary.clone());
        Ok(())
    }
}

impl Recorder {
    fn outcome(&self, index: usize) -> &Outcome {
        self.outcomes
            .get(&index)
            .unwrap_or_else(|| panic!("no outcome for statement {index}: {:?}", self.events))
    }

    fn count(&self, index: usize) -> u64 {
        self.row_counts.get(&index).copied().unwrap_or(0)
    }
}

fn gateway_settings() -> settings::Gateway {
    settings::Gateway {
        url: GATEWAY_URL.clone(),
        headers: Vec::new(),
        token: None,
        ca_cert: None,
        session_properties: Vec::new(),
        jobmanager_url: Some(JOBMANAGER_URL.clone()),
    }
}

fn run_settings() -> settings::Run {
    settings::Run {
        dry_run: false,
        continue_on_error: false,
        max_rows: None,
        max_wait: None,
        wait: WaitFor::Submitted,
        timeout: Duration::from_secs(120),
        from_statement: 1,
        reconnect: false,
    }
}

/// What opening a session needs, as `exec` builds it.
fn connect(gateway: &settings::Gateway, redactor: Redactor) -> runner::Connect {
    runner::Connect::new(gateway.config(), redactor, None)
}

/// Fails (never skips) when the stack is down.
async fn require_stack() {
    let info = reqwest::get(format!("{}/v1/info", *GATEWAY_URL)).await;
    let ok = matches!(&info, Ok(r) if r.status().is_success());
    assert!(
        ok,
        "the SQL Gateway at {} is unreachable ({info:?}): run `scripts/stack.sh up` first",
        *GATEWAY_URL
    );
}

fn statements(sql: &str) -> Vec<Statement> {
    let source = Source {
        name: "live.sql".into(),
        text: sql.to_owned(),
    };
    script::prepare(&[source], &Vars::default(), false).expect("the test SQL splits")
}

/// A run in its own session, closed afterwards, the way `exec` does it.
async fn exec(sql: &str, run: settings::Run) -> (Recorder, Summary, Exit) {
    require_stack().await;
    let gateway = gateway_settings();
    let opts = run
        .options(&gateway, &Redactor::default(), None)
        .expect("valid options");
    let mut sink = Recorder::default();
    let (summary, exit) = batch::exec(
        &connect(&gateway, Redactor::default()),
        &statements(sql),
        &opts,
        &mut sink,
        &Cancel::never(),
    )
    .await
    .expect("the run reaches the gateway");
    (sink, summary, exit)
}

/// A session whose HTTP calls are recorded, for tests that check operations afterwards.
async fn logged_session() -> (Session, Arc<Mutex<Vec<String>>>) {
    require_stack().await;
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let log: Log = Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_owned()));
    let session = gateway::connect(&gateway_settings().config(), Redactor::default(), Some(log))
        .await
        .expect("connects");
    (session, lines)
}

/// The operation ids the runner closed, from its `-v` log.
fn closed_operations(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with("DELETE ") && l.contains("/close -> 200"))
        .filter_map(|l| {
            l.split("/operations/")
                .nth(1)?
                .split('/')
                .next()
                .map(str::to_owned)
        })
        .collect()
}

/// A name no other test run uses, so JobManager job names can be matched.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{}", std::process::id(), nanos % 1_000_000_000)
}

/// Polls the JobManager until a job whose name contains `needle` is in `state`.
async fn wait_for_job_named(needle: &str, state: &str) -> String {
    let jm = JobManager::new(&JOBMANAGER_URL, None, Redactor::default(), None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let jobs = jm.overview().await.expect("JobManager reachable");
        let job = jobs.iter().find(|j| j.name.contains(needle));
        if let Some(j) = job.filter(|j| j.state == state) {
            return j.jid.clone();
        }
        let seen = job.map(|j| j.state.clone());
        assert!(
            Instant::now() < deadline,
            "no job named *{needle}* reached {state} (last seen {seen:?})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn select_1_streams_typed_columns_and_one_row() {
    let _one = ONE_AT_A_TIME.lock().await;
    let (rec, summary, exit) = exec(
        "SELECT 1 AS x, CAST(1.50 AS DECIMAL(10, 2)) AS d, CAST(10 AS DECIMAL(10, 2)) AS t;",
        run_settings(),
    )
    .await;
    assert_eq!(exit, Exit::Success, "{:?}", rec.events);
    assert_eq!(
        rec.events,
        ["started 1", "columns 1", "finished 1 ok", "done"]
    );
    let types: Vec<&str> = rec.columns[&1]
        .iter()
        .map(|c| c.data_type.sql.as_str())
        .collect();
    assert_eq!(
        types,
        [
            "INT NOT NULL",
            "DECIMAL(10, 2) NOT NULL",
            "DECIMAL(10, 2) NOT NULL"
        ]
    );
    let fields: Vec<String> = rec.rows[&1][0]
        .fields
        .iter()
        .map(|v| v.to_string())
        .collect();
    // The gateway sends 1.5 and 1E+1; the scale comes back from the column type.
    assert_eq!(fields, ["1", "1.50", "10.00"]);
    assert_eq!(rec.outcome(1).rows, 1);
    assert_eq!((summary.ok, summary.failed, summary.skipped), (1, 0, 0));
}

#[tokio::test]
async fn set_and_views_carry_over_and_print_nothing_themselves() {
    let _one = ONE_AT_A_TIME.lock().await;
    // (A view over constants only, e.g. `AS SELECT 42`, trips a closed-classloader bug in the
    // Flink 2.0 gateway when queried; a view over a table is what pipelines use anyway.)
    let sql = "SET 'table.local-time-zone' = 'Asia/Tokyo';\n\
               CREATE TEMPORARY TABLE seq (a INT) WITH ('connector' = 'datagen', 'fields.a.kind' = 'sequence',\
               'fields.a.start' = '1', 'fields.a.end' = '3');\n\
               CREATE TEMPORARY VIEW plus_one AS SELECT a + 1 AS b FROM seq;\n\
               SELECT CAST(TO_TIMESTAMP_LTZ(0, 0) AS STRING) AS s;\n\
               SELECT b FROM plus_one;";
    let (rec, _, exit) = exec(sql, run_settings()).await;
    assert_eq!(exit, Exit::Success, "{:?}", rec.outcomes);
    assert!(
        (1..=3).all(|i| !rec.columns.contains_key(&i)),
        "SET and DDL show no result"
    );
    let local = rec.rows[&4][0].fields[0].as_str().unwrap();
    assert!(
        local.starts_with("1970-01-01 09:00:00"),
        "the SET time zone applies: {local}"
    );
    let mut b: Vec<String> = rec.rows[&5]
        .iter()
        .map(|r| r.fields[0].to_string())
        .collect();
    b.sort();
    assert_eq!(b, ["2", "3", "4"]);
}

#[tokio::test]
async fn a_failure_points_at_the_file_position_and_skips_the_rest() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sql = "-- a comment line\nSELECT 1;\n\nSELECT *\n    FROM missing_table;\nSELECT 2;\n";
    let (rec, summary, exit) = exec(sql, run_settings()).await;
    assert_eq!(exit, Exit::StatementFailed);
    let failed = rec.outcome(2);
    assert_eq!(failed.status, Status::Failed);
    let failure = failed.failure.as_ref().unwrap();
    assert_eq!(failure.message, "Object 'missing_table' not found");
    // Flink says "line 2, column 10" of the statement; the statement starts on line 4 of the file.
    assert_eq!(
        failure.pos,
        Some(Pos {
            line: 5,
            column: 10
        })
    );
    assert!(failure
        .detail
        .as_deref()
        .unwrap()
        .contains("SqlValidatorException"));
    assert_eq!(rec.outcome(3).status, Status::Skipped);
    assert_eq!((summary.ok, summary.failed, summary.skipped), (1, 1, 1));
    assert_eq!(rec.events.last().map(String::as_str), Some("done"));
}

#[tokio::test]
async fn continue_on_error_runs_the_rest_and_still_exits_1() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sql = "SELECT 1;\n  SELECT 1 FORM x;\nCREATE TEMPORARY TABLE t (a INT) WITH ('connector' = 'kafka');\nSELECT * FROM t;\nSELECT 3;";
    let run = settings::Run {
        continue_on_error: true,
        ..run_settings()
    };
    let (rec, summary, exit) = exec(sql, run).await;
    assert_eq!(exit, Exit::StatementFailed);
    let parse = rec.outcome(2).failure.as_ref().unwrap();
    assert_eq!(parse.message, "Encountered \"x\" at line 1, column 15.");
    assert_eq!(
        parse.pos,
        Some(Pos {
            line: 2,
            column: 17
        })
    );
    let option = rec.outcome(4).failure.as_ref().unwrap();
    // The line names the table as well as the option (issue 8: error text that can be acted on).
    assert_eq!(
        option.message,
        "Unable to create a source for reading table 'default_catalog.default_database.t': \
         Could not find required scan format 'value.format'."
    );
    assert_eq!(rec.outcome(5).status, Status::Ok);
    assert_eq!((summary.ok, summary.failed, summary.skipped), (3, 2, 0));
}

#[tokio::test]
async fn a_streaming_select_stops_at_max_rows_and_its_operation_is_gone() {
    let _one = ONE_AT_A_TIME.lock().await;
    let table = unique("gen");
    let sql = format!(
        "CREATE TEMPORARY TABLE {table} (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20');\n\
         SELECT a FROM {table};"
    );
    let (session, log) = logged_session().await;
    let run = settings::Run {
        max_rows: Some(5),
        ..run_settings()
    };
    let opts = run
        .options(&gateway_settings(), &Redactor::default(), None)
        .unwrap();
    let mut rec = Recorder::default();
    let mut runner = Runner::new(session, opts);
    let (_, exit) = batch::run(&mut runner, &statements(&sql), &mut rec, &Cancel::never())
        .await
        .unwrap();
    assert_eq!(exit, Exit::Success);
    assert_eq!(rec.count(2), 5);
    assert_eq!(rec.outcome(2).stopped, Some(StopReason::MaxRows(5)));
    let closed = closed_operations(&log.lock().unwrap());
    let select = OperationId(
        closed
            .last()
            .expect("the SELECT's operation was closed")
            .clone(),
    );
    match runner.session().status(&select).await {
        Err(Error::Server(e)) => assert!(
            e.message.contains("Can not find the submitted operation"),
            "{}",
            e.message
        ),
        other => panic!("the operation should be gone, got {other:?}"),
    }
    wait_for_job_named(&table, "CANCELED").await;
    runner.into_session().close().await.unwrap();
}

#[tokio::test]
async fn max_wait_stops_a_quiet_stream_as_a_success() {
    let _one = ONE_AT_A_TIME.lock().await;
    let table = unique("quiet");
    let sql = format!(
        "CREATE TEMPORARY TABLE {table} (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5',\
         'fields.a.min' = '1', 'fields.a.max' = '10');\n\
         SELECT a FROM {table} WHERE a > 100;"
    );
    let run = settings::Run {
        max_wait: Some(Duration::from_secs(3)),
        ..run_settings()
    };
    let started = Instant::now();
    let (rec, _, exit) = exec(&sql, run).await;
    assert_eq!(exit, Exit::Success, "{:?}", rec.outcomes);
    assert_eq!(
        rec.outcome(2).stopped,
        Some(StopReason::MaxWait(Duration::from_secs(3)))
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    wait_for_job_named(&table, "CANCELED").await;
}

#[tokio::test]
async fn an_insert_reports_its_job_and_waits_until_finished() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sink = unique("sink");
    let sql = format!(
        "CREATE TEMPORARY TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '1000');\n\
         CREATE TEMPORARY TABLE {sink} (a BIGINT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO {sink} SELECT a FROM src;"
    );
    let run = settings::Run {
        wait: WaitFor::Finished,
        ..run_settings()
    };
    let (rec, summary, exit) = exec(&sql, run).await;
    assert_eq!(exit, Exit::Success, "{:?}", rec.outcomes);
    assert_eq!(
        rec.events,
        [
            "started 1",
            "finished 1 ok",
            "started 2",
            "finished 2 ok",
            "started 3",
            "job 3",
            "finished 3 ok",
            "done"
        ]
    );
    let job = &rec.jobs[0].1;
    assert_eq!(job.len(), 32);
    assert_eq!(rec.outcome(3).job_id.as_ref(), Some(job));
    assert_eq!(rec.outcome(3).job_state.as_deref(), Some("FINISHED"));
    assert_eq!(summary.jobs, vec![(3, job.clone())]);
}

#[tokio::test]
async fn a_job_that_fails_while_waited_for_fails_the_statement() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sink = unique("failing");
    let sql = format!(
        "CREATE TEMPORARY TABLE src (s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10', 'fields.s.length' = '5');\n\
         CREATE TEMPORARY TABLE {sink} (a INT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO {sink} SELECT CAST(s AS INT) FROM src;"
    );
    let run = settings::Run {
        wait: WaitFor::Finished,
        ..run_settings()
    };
    let (rec, _, exit) = exec(&sql, run).await;
    assert_eq!(exit, Exit::StatementFailed, "{:?}", rec.outcomes);
    let outcome = rec.outcome(3);
    assert_eq!(outcome.job_state.as_deref(), Some("FAILED"));
    let message = &outcome.failure.as_ref().unwrap().message;
    assert!(
        message.starts_with(&format!("job {} FAILED", rec.jobs[0].1)),
        "{message}"
    );
}

#[tokio::test]
async fn waiting_for_an_endless_job_times_out_with_exit_4() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sink = unique("endless");
    let sql = format!(
        "CREATE TEMPORARY TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n\
         CREATE TEMPORARY TABLE {sink} (a BIGINT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO {sink} SELECT a FROM src;\nSELECT 1;"
    );
    let run = settings::Run {
        wait: WaitFor::Finished,
        timeout: Duration::from_secs(4),
        ..run_settings()
    };
    let (rec, summary, exit) = exec(&sql, run).await;
    assert_eq!(exit, Exit::Timeout);
    assert_eq!(rec.outcome(3).status, Status::TimedOut);
    assert_eq!(rec.outcome(3).job_state.as_deref(), Some("RUNNING"));
    assert_eq!(rec.outcome(4).status, Status::Skipped);
    assert_eq!(summary.failed, 1);
    let jm = JobManager::new(&JOBMANAGER_URL, None, Redactor::default(), None).unwrap();
    jm.cancel(&rec.jobs[0].1)
        .await
        .expect("the endless job is cancelled");
    wait_for_job_named(&sink, "CANCELED").await;
}

#[tokio::test]
async fn wait_running_returns_once_every_vertex_runs() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sink = unique("running");
    let sql = format!(
        "CREATE TEMPORARY TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n\
         CREATE TEMPORARY TABLE {sink} (a BIGINT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO {sink} SELECT a FROM src;"
    );
    let run = settings::Run {
        wait: WaitFor::Running,
        ..run_settings()
    };
    let (rec, _, exit) = exec(&sql, run).await;
    assert_eq!(exit, Exit::Success, "{:?}", rec.outcomes);
    let job = &rec.jobs[0].1;
    let jm = JobManager::new(&JOBMANAGER_URL, None, Redactor::default(), None).unwrap();
    let details = jm.job(job).await.unwrap().expect("the job exists");
    assert!(details.all_vertices_running(), "{details:?}");
    jm.cancel(job).await.unwrap();
    wait_for_job_named(&sink, "CANCELED").await;
}

#[tokio::test]
async fn cancellation_cancels_the_query_skips_the_rest_and_exits_130() {
    let _one = ONE_AT_A_TIME.lock().await;
    let table = unique("cancelled");
    let sql = format!(
        "CREATE TEMPORARY TABLE {table} (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n\
         SELECT a FROM {table};\nSELECT 1;"
    );
    let (canceller, cancel) = runner::cancellation();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        canceller.cancel(Exit::Interrupted);
    });
    require_stack().await;
    let gateway = gateway_settings();
    let opts = run_settings()
        .options(&gateway, &Redactor::default(), None)
        .unwrap();
    let mut rec = Recorder::default();
    let (summary, exit) = batch::exec(
        &connect(&gateway, Redactor::default()),
        &statements(&sql),
        &opts,
        &mut rec,
        &cancel,
    )
    .await
    .unwrap();
    assert_eq!(exit, Exit::Interrupted);
    assert_eq!(rec.outcome(2).status, Status::Interrupted);
    assert_eq!(rec.outcome(3).status, Status::Skipped);
    assert_eq!((summary.ok, summary.failed, summary.skipped), (1, 1, 1));
    wait_for_job_named(&table, "CANCELED").await;
}

#[tokio::test]
async fn a_hundred_thousand_rows_arrive_page_by_page() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sql = "CREATE TEMPORARY TABLE n (a BIGINT, s STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '100000', 'fields.s.length' = '10', 'rows-per-second' = '10000000');\n\
               SELECT a, s FROM n;";
    let (rec, _, exit) = exec(sql, run_settings()).await;
    assert_eq!(exit, Exit::Success, "{:?}", rec.outcomes);
    assert_eq!(rec.count(2), 100_000);
    assert_eq!(rec.outcome(2).rows, 100_000);
    assert!(
        rec.pages[&2] > 1,
        "rows come page by page, not as one buffer"
    );
}

#[tokio::test]
async fn a_query_running_past_the_timeout_is_exit_4() {
    let _one = ONE_AT_A_TIME.lock().await;
    let table = unique("slow");
    let sql = format!(
        "CREATE TEMPORARY TABLE {table} (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n\
         SELECT a FROM {table};\nSELECT 1;"
    );
    // Long enough for the job to start and stream on a loaded 2-core machine.
    let run = settings::Run {
        timeout: Duration::from_secs(8),
        ..run_settings()
    };
    let (rec, _, exit) = exec(&sql, run).await;
    assert_eq!(exit, Exit::Timeout);
    let outcome = rec.outcome(2);
    assert_eq!(outcome.status, Status::TimedOut);
    assert!(outcome.rows > 0, "rows streamed until the timeout");
    assert_eq!(rec.outcome(3).status, Status::Skipped);
    wait_for_job_named(&table, "CANCELED").await;
}

#[tokio::test]
async fn secrets_the_gateway_echoes_back_are_masked() {
    let _one = ONE_AT_A_TIME.lock().await;
    // Flink masks option keys it knows to be sensitive (`…jaas.config`, `…password`) itself; any
    // other option carrying a secret comes back verbatim in the error trace.
    let secret = "s3cr3t-'pw\"x";
    let (redactor, _) = Redactor::new([secret]);
    let sql = format!(
        "CREATE TEMPORARY TABLE leaky (a INT) WITH ('connector' = 'kafka', 'properties.group.id' = '{}');\n\
         SELECT * FROM leaky;",
        secret.replace('\'', "''")
    );
    require_stack().await;
    let gateway = gateway_settings();
    let opts = run_settings().options(&gateway, &redactor, None).unwrap();
    let mut rec = Recorder::default();
    let (_, exit) = batch::exec(
        &connect(&gateway, redactor.clone()),
        &statements(&sql),
        &opts,
        &mut rec,
        &Cancel::never(),
    )
    .await
    .unwrap();
    assert_eq!(exit, Exit::StatementFailed);
    let failure = rec.outcome(2).failure.clone().unwrap();
    let detail = failure.detail.unwrap();
    assert!(
        detail.contains("'properties.group.id'='***'"),
        "the gateway echoed the option, masked: {detail}"
    );
    assert!(!detail.contains("s3cr3t") && !failure.message.contains("s3cr3t"));
}

#[tokio::test]
async fn session_properties_apply_to_every_statement() {
    let _one = ONE_AT_A_TIME.lock().await;
    require_stack().await;
    let gateway = settings::Gateway {
        session_properties: vec![("table.local-time-zone".into(), "Asia/Tokyo".into())],
        ..gateway_settings()
    };
    let opts = run_settings()
        .options(&gateway, &Redactor::default(), None)
        .unwrap();
    let mut rec = Recorder::default();
    let sql = "SELECT CAST(TO_TIMESTAMP_LTZ(0, 0) AS STRING) AS s;";
    let (_, exit) = batch::exec(
        &connect(&gateway, Redactor::default()),
        &statements(sql),
        &opts,
        &mut rec,
        &Cancel::never(),
    )
    .await
    .unwrap();
    assert_eq!(exit, Exit::Success, "{:?}", rec.outcomes);
    assert!(rec.rows[&1][0].fields[0]
        .as_str()
        .unwrap()
        .starts_with("1970-01-01 09:00:00"));
}

#[tokio::test]
async fn older_api_versions_work_too() {
    let _one = ONE_AT_A_TIME.lock().await;
    require_stack().await;
    // Flink 1.20 speaks up to v3, 1.16 only v1 (no rowFormat); a 2.0 gateway still serves both.
    for version in [Version::V1, Version::V3] {
        let client = Client::new(&gateway_settings().config(), Redactor::default(), None)
            .unwrap()
            .with_version(version);
        let session = Session::open(client, &[]).await.unwrap();
        let opts = run_settings()
            .options(&gateway_settings(), &Redactor::default(), None)
            .unwrap();
        let mut rec = Recorder::default();
        let sql = "SET 'pipeline.name' = 'v';\nSELECT 7 AS x;";
        let mut runner = Runner::new(session, opts);
        let (_, exit) = batch::run(&mut runner, &statements(sql), &mut rec, &Cancel::never())
            .await
            .unwrap();
        runner.into_session().close().await.unwrap();
        assert_eq!(exit, Exit::Success, "{version:?}: {:?}", rec.outcomes);
        assert_eq!(rec.rows[&2][0].fields[0].json(), "7", "{version:?}");
    }
}

#[tokio::test]
async fn heartbeats_reach_the_session_and_a_closed_session_is_lost() {
    let _one = ONE_AT_A_TIME.lock().await;
    require_stack().await;
    let mut client = Client::new(&gateway_settings().config(), Redactor::default(), None).unwrap();
    assert_eq!(client.negotiate().await.unwrap(), Version::V4);
    assert_eq!(client.info().await.unwrap().version, "2.0.0");
    let session = Session::open(client.clone(), &[]).await.unwrap();
    let id = session.id().clone();
    client
        .heartbeat(&id)
        .await
        .expect("a heartbeat is accepted");
    session.close().await.unwrap();
    match client.heartbeat(&id).await {
        Err(Error::Server(e)) => assert!(e.is_session_lost(), "{}", e.message),
        other => panic!("a closed session cannot be heartbeated: {other:?}"),
    }
    match client.submit(&id, "SELECT 1").await {
        Err(Error::Server(e)) => assert!(e.is_session_lost(), "{}", e.message),
        other => panic!("a closed session runs nothing: {other:?}"),
    }
}

#[tokio::test]
async fn wait_running_without_a_jobmanager_url_is_a_usage_error() {
    let gateway = settings::Gateway {
        url: "http://gateway.example:8083".into(),
        jobmanager_url: None,
        ..gateway_settings()
    };
    let run = settings::Run {
        wait: WaitFor::Running,
        ..run_settings()
    };
    let err = run
        .options(&gateway, &Redactor::default(), None)
        .err()
        .expect("refused before connecting");
    assert_eq!(err.exit, Exit::Input);
    assert!(err.hints.iter().any(|h| h.contains("FLINK_REST_URL")));
}
