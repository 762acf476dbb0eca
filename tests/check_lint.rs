//! `flink-sql check --offline`: every lint rule has a failing, a passing and a suppressed case;
//! exit codes, --strict, SARIF and GitHub annotations. Runs the real binary with the gateway URL
//! on a closed port: the lint needs no server.

mod common;

use common::{flink_sql, Run};
use serde_json::Value;

/// Nothing listens here: an offline check that tried to connect would fail with exit 3.
const NO_GATEWAY: &str = "http://127.0.0.1:9";

const PASSWORD: &str = "Xq7-literal-Pw";

/// Writes `files` into a fresh folder and checks it.
fn check(files: &[(&str, &str)], args: &[&str]) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let run = Run::of(
        flink_sql()
            .args(["check", "--offline", "--gateway", NO_GATEWAY])
            .args(args)
            .arg(dir.path()),
    );
    (dir, run)
}

/// A finding as `(rule, file name, line, column, message)`.
type Found = (String, String, u64, u64, String);

/// The exit code and findings of a JSON check.
fn findings(files: &[(&str, &str)], args: &[&str]) -> (i32, Vec<Found>) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (_dir, run) = check(files, &all);
    let doc: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.dump()));
    let list = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            (
                f["rule"].as_str().unwrap().to_owned(),
                file.rsplit('/').next().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (run.code, list)
}

/// The findings of one rule.
fn of_rule(files: &[(&str, &str)], rule: &str, args: &[&str]) -> Vec<(String, u64, u64, String)> {
    findings(files, args)
        .1
        .into_iter()
        .filter(|f| f.0 == rule)
        .map(|f| (f.1, f.2, f.3, f.4))
        .collect()
}

const NAMED: &str = "SET 'pipeline.name' = 'p';\n";
const TABLES: &str = "CREATE TABLE s (a INT) WITH ('connector' = 'datagen');\nCREATE TABLE t (a INT) WITH ('connector' = 'blackhole');\n";

fn kafka(name: &str, extra: &str) -> String {
    format!(
        "CREATE TABLE {name} (a INT) WITH (\n  'connector' = 'kafka',\n  'format' = 'json',\n{extra}\n);\n"
    )
}

// ------------------------------------------------------------------ FS001 flink1-config-key

#[test]
fn fs001_a_flink1_key_is_named_with_its_replacement() {
    let found = of_rule(
        &[("a.sql", "SET 'execution.savepoint.path' = '/sp';\n")],
        "FS001",
        &[],
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].1, found[0].2), (1, 5));
    assert!(
        found[0].3.contains("'execution.state-recovery.path'"),
        "{}",
        found[0].3
    );
    let found = of_rule(
        &[("a.sql", "SET 'state.backend' = 'rocksdb';")],
        "FS001",
        &[],
    );
    assert!(found[0].3.contains("'state.backend.type'"));
}

#[test]
fn fs001_flink2_keys_pass() {
    let sql = "SET 'execution.state-recovery.path' = '/sp';\nSET 'state.backend.type' = 'rocksdb';";
    assert!(of_rule(&[("a.sql", sql)], "FS001", &[]).is_empty());
}

#[test]
fn fs001_is_silenced_for_one_statement() {
    let sql = "-- flink-sql: allow(flink1-config-key)\nSET 'state.backend' = 'rocksdb';\nSET 'state.savepoints.dir' = '/x';";
    let found = of_rule(&[("a.sql", sql)], "FS001", &[]);
    assert_eq!(found.len(), 1, "only the second SET is reported: {found:?}");
    assert_eq!(found[0].1, 3);
}

// ------------------------------------------------------- FS002 insert-without-pipeline-name

#[test]
fn fs002_an_insert_without_pipeline_name_is_reported() {
    let sql = format!("{TABLES}INSERT INTO t SELECT a FROM s;");
    let found = of_rule(&[("a.sql", &sql)], "FS002", &[]);
    assert_eq!(found.iter().map(|f| f.1).collect::<Vec<_>>(), [3]);
    // A RESET forgets the name.
    let sql = format!("{NAMED}{TABLES}RESET;\nINSERT INTO t SELECT a FROM s;");
    assert_eq!(of_rule(&[("a.sql", &sql)], "FS002", &[]).len(), 1);
}

#[test]
fn fs002_a_named_insert_passes() {
    let sql = format!("{NAMED}{TABLES}INSERT INTO t SELECT a FROM s;");
    assert!(of_rule(&[("a.sql", &sql)], "FS002", &[]).is_empty());
}

#[test]
fn fs002_is_silenced_for_one_statement() {
    let sql = format!("{TABLES}INSERT INTO t SELECT a FROM s; -- flink-sql: allow(FS002)");
    assert!(of_rule(&[("a.sql", &sql)], "FS002", &[]).is_empty());
}

// ------------------------------------------------------ FS003 inserts-outside-statement-set

#[test]
fn fs003_a_second_insert_outside_a_statement_set_is_reported() {
    let sql = format!(
        "{NAMED}{TABLES}INSERT INTO t SELECT a FROM s;\nINSERT INTO t SELECT a + 1 FROM s;"
    );
    let found = of_rule(&[("a.sql", &sql)], "FS003", &[]);
    assert_eq!(found.iter().map(|f| f.1).collect::<Vec<_>>(), [5]);
}

#[test]
fn fs003_inserts_in_a_statement_set_pass() {
    let sql = format!(
        "{NAMED}{TABLES}EXECUTE STATEMENT SET BEGIN\nINSERT INTO t SELECT a FROM s;\nINSERT INTO t SELECT a + 1 FROM s;\nEND;\n\
         BEGIN STATEMENT SET;\nINSERT INTO t SELECT a FROM s;\nINSERT INTO t SELECT a FROM s;\nEND;"
    );
    assert!(of_rule(&[("a.sql", &sql)], "FS003", &[]).is_empty());
}

#[test]
fn fs003_is_silenced_for_one_statement() {
    let sql = format!(
        "{NAMED}{TABLES}INSERT INTO t SELECT a FROM s;\n-- flink-sql: allow(inserts-outside-statement-set)\nINSERT INTO t SELECT a + 1 FROM s;\nINSERT INTO t SELECT a + 2 FROM s;"
    );
    let found = of_rule(&[("a.sql", &sql)], "FS003", &[]);
    assert_eq!(found.iter().map(|f| f.1).collect::<Vec<_>>(), [7]);
}

// ------------------------------------------------------------------- FS004 literal-secret

fn jaas(password: &str) -> String {
    format!(
        "  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\" password=\"{password}\";'"
    )
}

#[test]
fn fs004_a_literal_password_is_reported_and_never_printed() {
    let sql = kafka("k", &jaas(PASSWORD));
    let found = of_rule(&[("a.sql", &sql)], "FS004", &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].1, found[0].2), (4, 35));
    assert!(found[0]
        .3
        .contains("'properties.sasl.jaas.config' of table k"));
    for format in ["text", "json", "sarif"] {
        let (_dir, run) = check(&[("a.sql", &sql)], &["--format", format]);
        assert_eq!(run.code, 1, "{}", run.dump());
        assert!(
            !run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD),
            "{}",
            run.dump()
        );
    }
    let user_info = kafka(
        "k",
        &format!("  'value.avro-confluent.basic-auth.user-info' = 'svc:{PASSWORD}'"),
    );
    assert_eq!(of_rule(&[("a.sql", &user_info)], "FS004", &[]).len(), 1);
}

#[test]
fn fs004_a_placeholder_passes() {
    let sql = kafka(
        "k",
        &format!(
            "{},\n  'properties.ssl.truststore.password' = '${{TRUSTSTORE_PASSWORD}}'",
            jaas("${KAFKA_PASSWORD}")
        ),
    );
    let found = of_rule(
        &[("a.sql", &sql)],
        "FS004",
        &[
            "--var",
            "KAFKA_PASSWORD=pw-from-env",
            "--var",
            "TRUSTSTORE_PASSWORD=ts-pw",
        ],
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn fs004_is_silenced_for_one_statement() {
    let sql = format!(
        "-- flink-sql: allow(FS004)\n{}",
        kafka("k", &jaas(PASSWORD))
    );
    assert!(of_rule(&[("a.sql", &sql)], "FS004", &[]).is_empty());
}

// -------------------------------------------------------------- FS005 unprovided-file-path

const MOUNTED: &str = "TRUSTSTORE_PATH=/etc/kafka/secrets/kafka.truststore.jks";

#[test]
fn fs005_a_truststore_the_deployment_does_not_mount_is_reported() {
    let sql = kafka(
        "k",
        "  'properties.ssl.truststore.location' = '/home/me/truststore.jks'",
    );
    let found = of_rule(&[("a.sql", &sql)], "FS005", &["--var", MOUNTED]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].1, found[0].2), (4, 42));
    assert!(found[0].3.contains("/home/me/truststore.jks"));
    assert!(found[0]
        .3
        .contains("/etc/kafka/secrets/kafka.truststore.jks (TRUSTSTORE_PATH)"));
    // Without a profile value, the deploy default is what is mounted.
    assert_eq!(of_rule(&[("a.sql", &sql)], "FS005", &[]).len(), 1);
}

#[test]
fn fs005_the_mounted_truststore_passes() {
    let by_var = kafka(
        "k",
        "  'properties.ssl.truststore.location' = '${TRUSTSTORE_PATH}'",
    );
    assert!(of_rule(&[("a.sql", &by_var)], "FS005", &["--var", MOUNTED]).is_empty());
    let literal = kafka(
        "k",
        "  'properties.ssl.truststore.location' = '/etc/kafka/secrets/kafka.truststore.jks'",
    );
    assert!(of_rule(&[("a.sql", &literal)], "FS005", &[]).is_empty());
}

#[test]
fn fs005_is_silenced_for_one_statement() {
    let sql = format!(
        "/* flink-sql: allow(unprovided-file-path) */\n{}",
        kafka(
            "k",
            "  'properties.ssl.truststore.location' = '/home/me/truststore.jks'"
        )
    );
    assert!(of_rule(&[("a.sql", &sql)], "FS005", &[]).is_empty());
}

// ------------------------------------------------------------------ FS006 shared-sink-topic

fn writer(topic: &str, allow: &str) -> String {
    format!(
        "{NAMED}CREATE TABLE s (a INT) WITH ('connector' = 'datagen');\n{}{allow}INSERT INTO out SELECT a FROM s;\n",
        kafka("out", &format!("  'topic' = '{topic}'"))
    )
}

#[test]
fn fs006_two_pipelines_writing_one_topic_are_reported() {
    let files = [
        ("a.sql", writer("orders", "")),
        ("b.sql", writer("orders", "")),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let found = of_rule(&files, "FS006", &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("b.sql", 8));
    assert!(
        found[0].3.contains("topic 'orders'") && found[0].3.contains("a.sql:8:1"),
        "{}",
        found[0].3
    );
}

#[test]
fn fs006_different_topics_pass() {
    let (a, b) = (writer("orders", ""), writer("payments", ""));
    assert!(of_rule(&[("a.sql", &a), ("b.sql", &b)], "FS006", &[]).is_empty());
}

#[test]
fn fs006_is_silenced_for_one_statement() {
    let (a, b) = (
        writer("orders", ""),
        writer("orders", "-- flink-sql: allow(FS006)\n"),
    );
    assert!(of_rule(&[("a.sql", &a), ("b.sql", &b)], "FS006", &[]).is_empty());
}

// -------------------------------------------------------------- FS007 shared-consumer-group

fn reader(group: &str, allow: &str) -> String {
    format!(
        "{allow}{}",
        kafka(
            "src",
            &format!("  'topic' = 'in',\n  'properties.group.id' = '{group}'")
        )
    )
}

#[test]
fn fs007_two_pipelines_sharing_a_group_are_reported() {
    let (a, b) = (reader("etl", ""), reader("etl", ""));
    let found = of_rule(&[("a.sql", &a), ("b.sql", &b)], "FS007", &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1, found[0].2),
        ("b.sql", 5, 27)
    );
    assert!(found[0].3.contains("'etl'") && found[0].3.contains("a.sql:5:27"));
}

#[test]
fn fs007_own_groups_pass() {
    let (a, b) = (reader("etl-a", ""), reader("etl-b", ""));
    assert!(of_rule(&[("a.sql", &a), ("b.sql", &b)], "FS007", &[]).is_empty());
}

#[test]
fn fs007_is_silenced_for_one_statement() {
    let (a, b) = (
        reader("etl", ""),
        reader("etl", "-- flink-sql: allow(shared-consumer-group)\n"),
    );
    assert!(of_rule(&[("a.sql", &a), ("b.sql", &b)], "FS007", &[]).is_empty());
}

// -------------------------------------------------------------------- FS008 duplicate-table

#[test]
fn fs008_a_table_created_twice_in_one_session_is_reported() {
    let sql = "CREATE TABLE t (a INT);\nCREATE TABLE t (b INT);";
    let found = of_rule(&[("a.sql", sql)], "FS008", &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, 2);
    assert!(found[0].3.contains("already exists") && found[0].3.contains("a.sql:1:1"));
}

#[test]
fn fs008_the_same_name_in_two_files_passes_since_each_file_has_its_own_session() {
    let sql = "CREATE TABLE t (a INT);";
    assert!(of_rule(&[("a.sql", sql), ("b.sql", sql)], "FS008", &[]).is_empty());
}

#[test]
fn fs008_is_silenced_for_one_statement() {
    let sql = "CREATE TABLE t (a INT);\n-- flink-sql: allow(FS008)\nCREATE TABLE t (b INT);";
    assert!(of_rule(&[("a.sql", sql)], "FS008", &[]).is_empty());
}

// ------------------------------------------------------------------ exit codes and formats

#[test]
fn warnings_pass_unless_strict_and_errors_fail() {
    let warned = format!("{TABLES}INSERT INTO t SELECT a FROM s;");
    let (code, found) = findings(&[("a.sql", &warned)], &[]);
    assert_eq!((code, found.len()), (0, 1), "{found:?}");
    assert_eq!(findings(&[("a.sql", &warned)], &["--strict"]).0, 1);
    assert_eq!(
        findings(&[("a.sql", "SET 'state.backend' = 'x';")], &[]).0,
        1
    );
    let clean = format!("{NAMED}{TABLES}INSERT INTO t SELECT a FROM s;");
    assert_eq!(
        findings(&[("a.sql", &clean)], &["--strict"]),
        (0, Vec::new())
    );
}

#[test]
fn bad_input_exits_2_before_anything_is_checked() {
    let (_dir, run) = check(&[("a.sql", "SELECT 'open;")], &[]);
    assert_eq!(run.code, 2, "{}", run.dump());
    assert!(
        run.stderr
            .contains("a.sql:1:8: unterminated string literal"),
        "{}",
        run.dump()
    );
}

#[test]
fn text_findings_carry_a_caret_and_the_fix() {
    let (_dir, run) = check(&[("a.sql", "SELECT 1;\n  SET 'state.backend' = 'x';")], &[]);
    assert!(
        run.stdout.contains(
            "a.sql:2:7: error[FS001 flink1-config-key]: 'state.backend' is a Flink 1.x key"
        ),
        "{}",
        run.dump()
    );
    assert!(
        run.stdout.contains(
            "2 |   SET 'state.backend' = 'x';\n  |       ^\n  = fix: SET 'state.backend.type' = …"
        ),
        "{}",
        run.dump()
    );
    assert!(run
        .stderr
        .contains("1 errors, 0 warnings, 0 notes: check failed"));
}

#[test]
fn sarif_is_2_1_0_with_every_rule_and_each_result_located() {
    let (_dir, run) = check(
        &[("a.sql", "SET 'state.backend' = 'x';")],
        &["--format", "sarif"],
    );
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in ["FS001", "FS008", "FS101", "FS103", "FS201", "FS202"] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    assert!(rules
        .iter()
        .all(|r| r["shortDescription"]["text"].is_string() && r["help"]["text"].is_string()));
    let result = &run0["results"][0];
    assert_eq!(result["ruleId"], "FS001");
    assert_eq!(ids[result["ruleIndex"].as_u64().unwrap() as usize], "FS001");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(1), Some(5))
    );
    assert!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/a.sql")
    );
}

#[test]
fn github_actions_get_error_and_warning_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let sql = format!("SET 'state.backend' = 'x';\n{TABLES}INSERT INTO t SELECT a FROM s;");
    std::fs::write(dir.path().join("a.sql"), sql).unwrap();
    let run = Run::of(
        flink_sql()
            .args(["check", "--offline", "--gateway", NO_GATEWAY])
            .arg(dir.path().join("a.sql"))
            .env("GITHUB_ACTIONS", "true"),
    );
    let file = dir.path().join("a.sql").display().to_string();
    assert!(
        run.stderr.contains(&format!(
            "::error file={file},line=1,col=5,title=FS001 flink1-config-key::"
        )),
        "{}",
        run.dump()
    );
    assert!(
        run.stderr.contains(&format!(
            "::warning file={file},line=4,col=1,title=FS002 insert-without-pipeline-name::"
        )),
        "{}",
        run.dump()
    );
}

#[test]
fn the_readme_documents_every_rule() {
    let (_dir, run) = check(&[("a.sql", "SELECT 1;")], &["--format", "sarif"]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.len() >= 15);
    for rule in rules {
        let row = format!(
            "| {} | {} |",
            rule["id"].as_str().unwrap(),
            rule["name"].as_str().unwrap()
        );
        assert!(readme.contains(&row), "README has no row {row}");
    }
}
