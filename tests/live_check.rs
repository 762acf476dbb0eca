//! `flink-sql check` against the local stack: validation in a throwaway session (no job starts),
//! errors at the file's line:col, connector options named and pointed at, planner warnings under
//! --strict, and the schema-registry contract with schemas this test registers.

mod common;

use std::path::Path;

use common::own_flink::OwnFlink;
use common::proxy::{Fault, Proxy};
use common::{flink_sql, gateway_url, jobs_named, require_stack, unique, var, Run};
use serde_json::{json, Value};

/// Checks `sql` (written to `NAME.sql` in a fresh folder) with the local profile.
fn check(sql: &str, args: &[&str]) -> Run {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.sql");
    std::fs::write(&file, sql).unwrap();
    let env = common::repo().join("env/local.env");
    Run::of(
        flink_sql()
            .args(["check", "--env-file"])
            .arg(&env)
            .args(args)
            .arg(&file),
    )
}

/// The findings of a JSON run as `(rule, line, column, message)`.
fn findings(run: &Run) -> Vec<(String, u64, u64, String)> {
    let doc: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.dump()));
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pipeline(name: &str, insert: &str) -> String {
    format!(
        "SET 'pipeline.name' = '{name}';\n\
         CREATE TABLE src (id INT, name STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n\
         CREATE TABLE snk (name STRING, c BIGINT, PRIMARY KEY (name) NOT ENFORCED) WITH ('connector' = 'blackhole');\n\
         {insert}\n"
    )
}

/// Checks a fresh folder of clean pipelines, one file per name (each its own `pipeline.name`),
/// with the local profile and `args`.
fn check_clean_folder(names: &[&str], args: &[&str]) -> Run {
    require_stack();
    let dir = tempfile::tempdir().unwrap();
    for f in names {
        let sql = pipeline(
            &unique(&format!("check-{f}-")),
            "INSERT INTO snk SELECT name, 1 FROM src;",
        );
        std::fs::write(dir.path().join(format!("{f}.sql")), sql).unwrap();
    }
    Run::of(
        flink_sql()
            .args(["check", "--env-file"])
            .arg(common::repo().join("env/local.env"))
            .args(args)
            .arg(dir.path()),
    )
}

/// Every job the JobManager at `rest` lists, as (id, state), sorted.
fn job_list(rest: &str) -> Vec<(String, String)> {
    let url = format!("{rest}/jobs/overview");
    let (status, body) = common::http(reqwest::Method::GET, &url).unwrap();
    assert_eq!(status, 200, "GET {url}: {body}");
    let doc: Value = serde_json::from_str(&body).unwrap();
    let mut jobs: Vec<(String, String)> = doc["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["jid"].as_str().unwrap().to_owned(),
                j["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    jobs.sort();
    jobs
}

/// On a Flink instance of its own, so that the JobManager's WHOLE job list can be compared before
/// and after (on the shared cluster, other suites start and end jobs meanwhile). A job of
/// another pipeline runs during the check: its id and state must be all the list holds after.
#[test]
fn a_clean_pipeline_passes_and_starts_no_job() {
    require_stack();
    let own = OwnFlink::up();
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.sql");
    std::fs::write(
        &other,
        pipeline(
            &unique("check-other-"),
            "INSERT INTO snk SELECT name, COUNT(*) FROM src GROUP BY name;",
        ),
    )
    .unwrap();
    own.flink_sql(&[
        "exec",
        "--wait",
        "running",
        "-q",
        "-f",
        other.to_str().unwrap(),
    ])
    .expect_code(0);
    let before = job_list(&own.rest());
    assert_eq!(before.len(), 1, "{before:?}");

    let name = unique("check-clean-");
    let sql = pipeline(
        &name,
        "EXECUTE STATEMENT SET BEGIN\n  INSERT INTO snk SELECT name, COUNT(*) FROM src GROUP BY name;\nEND;\nSELECT name, COUNT(*) FROM src GROUP BY name;",
    );
    let file = dir.path().join("pipeline.sql");
    std::fs::write(&file, sql).unwrap();
    let run = own.flink_sql(&[
        "check",
        "--format",
        "json",
        "--strict",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.dump());
    // Advice for the statement set (line 4), none for the query (line 7).
    let found: Vec<(String, u64)> = findings(&run).into_iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(found, [("FS104".to_owned(), 4)], "only advice: {found:?}");
    assert_eq!(
        job_list(&own.rest()),
        before,
        "the JobManager's job list changed during the check"
    );
}

#[test]
fn a_typoed_column_fails_at_its_line_and_column() {
    let name = unique("check-typo-");
    let sql = pipeline(
        &name,
        "INSERT INTO snk\nSELECT nmae, COUNT(*)\nFROM src GROUP BY name;",
    );
    let run = check(&sql, &[]);
    assert_eq!(run.code, 1, "{}", run.dump());
    assert!(
        run.stdout.contains(
            "pipeline.sql:5:8: error[FS101 invalid-statement]: Column 'nmae' not found in any table"
        ),
        "{}",
        run.dump()
    );
    assert!(
        run.stdout
            .contains("5 | SELECT nmae, COUNT(*)\n  |        ^"),
        "{}",
        run.dump()
    );
    assert!(jobs_named(&name).is_empty());
}

#[test]
fn a_bad_connector_option_names_table_option_and_value_at_the_option() {
    let name = unique("check-option-");
    let sql = format!(
        "SET 'pipeline.name' = '{name}';\n\
         CREATE TABLE orders (id INT, name STRING) WITH (\n\
         \x20 'connector' = 'kafka',\n\
         \x20 'topic' = 'check.orders',\n\
         \x20 'properties.bootstrap.servers' = '${{KAFKA_PLAINTEXT_BOOTSTRAP}}',\n\
         \x20 'format' = 'json',\n\
         \x20 'scan.startup.mode' = 'earliest-offsets'\n\
         );\n\
         CREATE TABLE snk (id INT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO snk SELECT id FROM orders;\n"
    );
    let run = check(&sql, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.dump());
    let bad: Vec<_> = findings(&run)
        .into_iter()
        .filter(|f| f.0 == "FS101")
        .collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!((bad[0].1, bad[0].2), (7, 3), "{bad:?}");
    assert!(
        bad[0]
            .3
            .starts_with("table orders: option 'scan.startup.mode' = 'earliest-offsets': "),
        "{bad:?}"
    );
}

#[test]
fn a_planner_warning_fails_only_under_strict() {
    let name = unique("check-advice-");
    let sql = format!(
        "SET 'pipeline.name' = '{name}';\n\
         CREATE TABLE src (id INT, name STRING) WITH ('connector' = 'datagen');\n\
         CREATE TABLE s3 (c BIGINT, name STRING, t TIMESTAMP_LTZ(3), PRIMARY KEY (c) NOT ENFORCED) WITH ('connector' = 'blackhole');\n\
         INSERT INTO s3 SELECT c, name, NOW() FROM (SELECT name, COUNT(*) AS c FROM src GROUP BY name);\n"
    );
    let run = check(&sql, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.dump());
    let found = findings(&run);
    let warning = found
        .iter()
        .find(|f| f.0 == "FS103")
        .expect("a planner warning");
    assert_eq!((warning.1, warning.2), (4, 1));
    assert!(
        warning.3.contains("non-deterministic function: NOW"),
        "{warning:?}"
    );
    assert!(
        found.iter().any(|f| f.0 == "FS105" && f.3.contains("s3")),
        "the materializer before s3: {found:?}"
    );
    let strict = check(&sql, &["--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.dump());
    assert!(strict
        .stdout
        .contains("pipeline.sql:4:1: warning[FS103 planner-warning]: planner: "));
}

#[test]
fn statements_with_effects_outside_the_session_are_not_run() {
    let sql = "ADD JAR '/nonexistent/check.jar';\nCREATE CATALOG ext WITH ('type' = 'jdbc');\nUSE CATALOG ext;\nCREATE TABLE t (a INT);\n";
    let run = check(sql, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.dump());
    let notes: Vec<_> = findings(&run).into_iter().map(|f| (f.0, f.1)).collect();
    let expected: Vec<(String, u64)> = (1..=4).map(|l| ("FS102".to_owned(), l)).collect();
    assert_eq!(notes, expected);
}

/// Registers `schema` under `subject` in the stack's registry.
fn register(subject: &str, schema: &Value) {
    let url = format!("{}/subjects/{subject}/versions", var("SCHEMA_REGISTRY_URL"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .post(&url)
            .basic_auth(
                var("SCHEMA_REGISTRY_USERNAME"),
                Some(var("SCHEMA_REGISTRY_PASSWORD")),
            )
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .json(&json!({"schema": schema.to_string()}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(status.is_success(), "registering {subject}: {status}");
}

fn avro_table(table: &str, topic: &str, columns: &str) -> String {
    format!(
        "CREATE TABLE {table} (\n{columns},\n  PRIMARY KEY (id) NOT ENFORCED\n) WITH (\n\
         \x20 'connector' = 'upsert-kafka',\n\
         \x20 'topic' = '{topic}',\n\
         \x20 'properties.bootstrap.servers' = '${{KAFKA_PLAINTEXT_BOOTSTRAP}}',\n\
         \x20 'key.format' = 'avro-confluent',\n\
         \x20 'key.avro-confluent.url' = '${{SCHEMA_REGISTRY_URL}}',\n\
         \x20 'key.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',\n\
         \x20 'key.avro-confluent.basic-auth.user-info' = '${{SCHEMA_REGISTRY_USERNAME}}:${{SCHEMA_REGISTRY_PASSWORD}}',\n\
         \x20 'value.format' = 'avro-confluent',\n\
         \x20 'value.avro-confluent.url' = '${{SCHEMA_REGISTRY_URL}}',\n\
         \x20 'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',\n\
         \x20 'value.avro-confluent.basic-auth.user-info' = '${{SCHEMA_REGISTRY_USERNAME}}:${{SCHEMA_REGISTRY_PASSWORD}}'\n\
         );\n"
    )
}

#[test]
fn schema_mismatches_and_a_missing_subject_are_reported_at_the_columns() {
    let topic = unique("check.orders.");
    register(
        &format!("{topic}-key"),
        &json!({"type": "record", "name": "Key", "fields": [{"name": "id", "type": "long"}]}),
    );
    register(
        &format!("{topic}-value"),
        &json!({"type": "record", "name": "Order", "fields": [
            {"name": "id", "type": "long"},
            {"name": "customer", "type": "string"},
            {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
            {"name": "note", "type": ["null", "string"], "default": null},
        ]}),
    );
    let columns = "  id BIGINT NOT NULL,\n  customer STRING NOT NULL,\n  amount DOUBLE,\n  note STRING NOT NULL";
    let missing = unique("check.missing.");
    let sql = format!(
        "{}{}",
        avro_table("orders", &topic, columns),
        avro_table("ghost", &missing, "  id BIGINT NOT NULL")
    );
    let run = check(&sql, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.dump());
    let found: Vec<_> = findings(&run)
        .into_iter()
        .filter(|f| f.0.starts_with("FS2"))
        .collect();
    let at = |line: u64| found.iter().find(|f| f.1 == line).map(|f| f.3.as_str());
    assert!(
        at(4).is_some_and(
            |m| m.contains("amount is DOUBLE but subject") && m.contains("has DECIMAL(10, 2)")
        ),
        "{found:#?}"
    );
    assert!(
        at(5).is_some_and(|m| m.contains("note is NOT NULL but subject")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "FS202" && f.3.contains(&format!("no subject '{missing}-key'"))),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "FS202" && f.3.contains(&format!("no subject '{missing}-value'"))),
        "{found:#?}"
    );
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(!run.stdout.contains(var("SCHEMA_REGISTRY_PASSWORD")));
    assert!(!run.stderr.contains(var("SCHEMA_REGISTRY_PASSWORD")));
}

#[test]
fn the_json_and_sarif_outputs_of_a_live_failure_point_at_the_file() {
    let name = unique("check-sarif-");
    let sql = pipeline(&name, "INSERT INTO snk SELECT nmae, 1 FROM src;");
    let run = check(&sql, &["--format", "sarif"]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "FS101");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 4);
    assert_eq!(region["startColumn"], 24);
    assert!(Path::new(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
    )
    .ends_with("pipeline.sql"));
}

#[test]
fn each_file_gets_its_own_session_which_is_closed_and_no_insert_is_sent_unexplained() {
    require_stack();
    let proxy = Proxy::start(gateway_url(), |_| Fault::Forward);
    let dir = tempfile::tempdir().unwrap();
    let good = pipeline(
        &unique("check-a-"),
        "INSERT INTO snk SELECT name, 1 FROM src;",
    );
    let bad = pipeline(
        &unique("check-b-"),
        "INSERT INTO snk SELECT nmae, 1 FROM src;",
    );
    std::fs::write(dir.path().join("a.sql"), good).unwrap();
    std::fs::write(dir.path().join("b.sql"), bad).unwrap();
    let run = Run::of(
        flink_sql()
            .args(["check", "--env-file"])
            .arg(common::repo().join("env/local.env"))
            .args(["--gateway", &proxy.url])
            .arg(dir.path()),
    );
    assert_eq!(run.code, 1, "{}", run.dump());
    let lines = proxy.lines();
    let opened = lines
        .iter()
        .filter(|l| l.ends_with("/sessions") && l.starts_with("POST"))
        .count();
    let closed: Vec<_> = lines
        .iter()
        .filter(|l| {
            l.starts_with("DELETE") && l.contains("/sessions/") && !l.contains("/operations/")
        })
        .collect();
    assert_eq!((opened, closed.len()), (2, 2), "{lines:#?}");
    let statements: Vec<String> = proxy
        .seen()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/statements"))
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["statement"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let inserts: Vec<_> = statements.iter().filter(|s| s.contains("INSERT")).collect();
    assert_eq!(inserts.len(), 2, "{statements:#?}");
    assert!(
        inserts
            .iter()
            .all(|s| s
                .starts_with("EXPLAIN CHANGELOG_MODE, PLAN_ADVICE, JSON_EXECUTION_PLAN INSERT")),
        "{inserts:#?}"
    );
}

/// Files are checked side by side, each still in a session of its own: a folder's check takes
/// about as long as its DDL once, not once per file. Seen at the gateway: the sessions of all
/// three files are open before the first is closed, and each is closed.
#[test]
fn the_files_of_a_folder_are_checked_in_sessions_side_by_side() {
    require_stack();
    let proxy = Proxy::start(gateway_url(), |_| Fault::Forward);
    let run = check_clean_folder(&["a", "b", "c"], &["--gateway", &proxy.url]);
    assert_eq!(run.code, 0, "{}", run.dump());
    let lines = proxy.lines();
    let is_open = |l: &String| l.starts_with("POST") && l.ends_with("/sessions");
    let is_close = |l: &String| {
        l.starts_with("DELETE") && l.contains("/sessions/") && !l.contains("/operations/")
    };
    let first_close = lines.iter().position(is_close).expect("a session closed");
    let open_before = lines[..first_close].iter().filter(|l| is_open(l)).count();
    assert_eq!(open_before, 3, "{lines:#?}");
    assert_eq!(
        lines.iter().filter(|l| is_close(l)).count(),
        3,
        "{lines:#?}"
    );
}

/// The upgrade verdicts of a folder share one job list: the JobManager is asked for it once,
/// however many files name a pipeline, and after the sessions that need it have planned.
#[test]
fn a_folders_check_asks_the_jobmanager_for_its_job_list_once() {
    require_stack();
    let gateway = Proxy::start(gateway_url(), |_| Fault::Forward);
    let jm = Proxy::start(common::jobmanager_url(), |_| Fault::Forward);
    let args = ["--gateway", &gateway.url, "--jobmanager", &jm.url];
    let run = check_clean_folder(&["a", "b", "c", "d"], &args);
    assert_eq!(run.code, 0, "{}", run.dump());
    let asked = jm.lines();
    let lists = asked
        .iter()
        .filter(|l| l.starts_with("GET") && l.contains("/jobs/overview"))
        .count();
    assert_eq!(lists, 1, "{asked:#?}");
    let explained = gateway
        .seen()
        .iter()
        .filter(|r| r.method == "POST" && r.body.contains("EXPLAIN"))
        .count();
    assert_eq!(explained, 4, "{}", run.dump());
}
