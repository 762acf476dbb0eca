//! `exec --materialize` against the REAL stack: a changelog aggregate over known input prints its
//! final per-key totals value for value (in csv and json), a streaming aggregate prints the table
//! as it stood when `--max-wait` or Ctrl-C stopped it, and a table that would pass
//! `--materialize-limit` fails the statement (exit 1) and cancels its job.
//!
//! Run: `cargo test --features live --test live_materialize -- --test-threads=2`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

/// Orders: a 1+3, b 2+5, c 4, d 6; a later one for a customer updates its total (-U/+U).
const TOTALS: &str = "\
SELECT customer, SUM(x) AS total, COUNT(*) AS n
FROM (VALUES ('a', 1), ('b', 2), ('a', 3), ('c', 4), ('b', 5), ('d', 6)) AS t(customer, x)
GROUP BY customer;
";

/// How many customers placed n orders: a 2, b 1, c 3. Group n=1 holds only `a` until a's second
/// order moves it to n=2, which empties n=1 (-D) before `b` arrives.
const PER_COUNT: &str = "\
SELECT n, COUNT(*) AS customers
FROM (SELECT customer, COUNT(*) AS n
      FROM (VALUES ('a', 1), ('a', 2), ('b', 3), ('c', 4), ('c', 5), ('c', 6)) AS t(customer, x)
      GROUP BY customer)
GROUP BY n;
";

fn exec(args: &[&str], sql: &str) -> Run {
    require_stack();
    Run::of(
        flink_sql()
            .args(["exec", "--env", "local", "-q"])
            .args(args)
            .args(["-c", sql]),
    )
}

/// csv result sets (separated by an empty line) as header + rows sorted: rows of different keys
/// may arrive in any order across parallel subtasks.
fn csv_sets(stdout: &str) -> Vec<(String, Vec<String>)> {
    stdout
        .split("\r\n\r\n")
        .map(|set| {
            let mut lines = set.lines().filter(|l| !l.is_empty()).map(str::to_owned);
            let header = lines.next().unwrap_or_default();
            let mut rows: Vec<String> = lines.collect();
            rows.sort();
            (header, rows)
        })
        .collect()
}

#[test]
fn a_changelog_aggregate_materializes_to_its_final_totals_value_for_value() {
    let changelog = exec(&["--format", "csv"], &format!("{TOTALS}{PER_COUNT}"));
    changelog.expect_code(0);
    for op in ["-U,", "+U,", "-D,"] {
        assert!(
            changelog.stdout.contains(&format!("\n{op}")),
            "the input must exercise {op} for this test to mean anything\n{}",
            changelog.dump()
        );
    }

    let run = exec(
        &["--format", "csv", "--materialize"],
        &format!("{TOTALS}{PER_COUNT}"),
    );
    run.expect_code(0);
    assert_eq!(
        csv_sets(&run.stdout),
        [
            (
                "customer,total,n".to_owned(),
                vec![
                    "a,4,2".to_owned(),
                    "b,7,2".to_owned(),
                    "c,4,1".to_owned(),
                    "d,6,1".to_owned()
                ]
            ),
            (
                "n,customers".to_owned(),
                vec!["1,1".to_owned(), "2,1".to_owned(), "3,1".to_owned()]
            ),
        ],
        "{}",
        run.dump()
    );
}

#[test]
fn json_carries_the_final_rows_as_typed_values_and_counts_them() {
    let run = exec(&["--format", "json", "--materialize"], TOTALS);
    run.expect_code(0);
    let doc: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    let query = &doc["statements"][0];
    assert_eq!(query["status"], "ok", "{}", run.dump());
    assert_eq!(query["row_count"], 4);
    let mut rows: Vec<Value> = query["rows"].as_array().unwrap().clone();
    rows.sort_by_key(|r| r["values"][0].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        rows,
        [
            json!({"op": "+I", "values": ["a", 4, 2]}),
            json!({"op": "+I", "values": ["b", 7, 2]}),
            json!({"op": "+I", "values": ["c", 4, 1]}),
            json!({"op": "+I", "values": ["d", 6, 1]}),
        ]
    );
}

/// A script whose third statement is an endless aggregate: per key, `total` and `n` stay equal
/// (each value is 1), whatever moment the query is stopped at.
fn endless_aggregate(name: &str, keys: u32) -> String {
    format!(
        "SET 'pipeline.name' = '{name}';\n\
         CREATE TEMPORARY TABLE ticks (k INT, v INT) WITH ('connector' = 'datagen', \
         'rows-per-second' = '50', 'fields.k.min' = '1', 'fields.k.max' = '{keys}', \
         'fields.v.min' = '1', 'fields.v.max' = '1');\n\
         SELECT k, SUM(v) AS total, COUNT(*) AS n FROM ticks GROUP BY k;\n"
    )
}

/// The one table of a stopped endless aggregate: one row per key, each consistent.
fn assert_consistent_table(stdout: &str, keys: u32, dump: &str) {
    let sets = csv_sets(stdout);
    assert_eq!(sets.len(), 1, "{dump}");
    let (header, rows) = &sets[0];
    assert_eq!(header, "k,total,n", "{dump}");
    let mut seen = BTreeMap::new();
    for row in rows {
        let cells: Vec<u64> = row.split(',').map(|c| c.parse().unwrap()).collect();
        assert_eq!(cells[1], cells[2], "total = n for every key: {row}\n{dump}");
        assert!((1..=u64::from(keys)).contains(&cells[0]), "{row}\n{dump}");
        assert!(
            seen.insert(cells[0], cells[1]).is_none(),
            "one row per key\n{dump}"
        );
    }
}

#[test]
fn a_query_stopped_by_max_wait_prints_the_table_as_it_stood_and_its_job_is_cancelled() {
    require_stack();
    let name = unique("live-materialize-max-wait-");
    let _jobs = Jobs(name.clone());
    let run = Run::of(
        flink_sql()
            .args(["exec", "--env", "local", "--format", "csv", "--materialize"])
            .args(["--max-wait", "6s", "-c", &endless_aggregate(&name, 3)]),
    );
    run.expect_code(0);
    assert!(run.stderr.contains("query stopped after"), "{}", run.dump());
    assert_consistent_table(&run.stdout, 3, &run.dump());
    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(settled_state(&jobs[0].0).as_deref(), Some("CANCELED"));
}

#[test]
fn ctrl_c_prints_the_table_as_it_stood_and_exits_130() {
    require_stack();
    let name = unique("live-materialize-sigint-");
    let _jobs = Jobs(name.clone());
    let mut run = Background::spawn(
        flink_sql()
            .args(["exec", "--env", "local", "--format", "csv", "--materialize"])
            .args(["-c", &endless_aggregate(&name, 3)]),
    );
    // The job runs: rows are flowing into the table (how many does not matter).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !jobs_named(&name)
        .iter()
        .any(|(_, state)| state == "RUNNING")
    {
        assert!(
            std::time::Instant::now() < deadline && run.is_running(),
            "the query's job never ran\n{}",
            run.stderr()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(run.stdout(), "", "nothing on a pipe before the query stops");
    run.signal("INT");
    let run = run.finish();
    run.expect_code(130);
    assert_consistent_table(&run.stdout, 3, &run.dump());
    let jobs = jobs_named(&name);
    assert_eq!(settled_state(&jobs[0].0).as_deref(), Some("CANCELED"));
}

#[test]
fn a_table_past_the_limit_fails_the_statement_and_its_job_is_cancelled() {
    require_stack();
    let name = unique("live-materialize-limit-");
    let _jobs = Jobs(name.clone());
    let script = format!("{}SELECT 'after' AS a;\n", endless_aggregate(&name, 1000));
    let run = Run::of(
        flink_sql()
            .args([
                "exec",
                "--env",
                "local",
                "--format",
                "ndjson",
                "--materialize",
            ])
            .args([
                "--materialize-limit",
                "5",
                "--max-wait",
                "90s",
                "-c",
                &script,
            ]),
    );
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "error: the materialized table would hold more than 5 rows (--materialize-limit)"
        ),
        "{}",
        run.dump()
    );
    let events: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        !events
            .iter()
            .any(|e| e["event"] == "row" && e["statement"] == 3),
        "no cut table: {}",
        run.dump()
    );
    let statuses: Vec<(&Value, &Value)> = events
        .iter()
        .filter(|e| e["event"] == "statement_finished")
        .map(|e| (&e["statement"], &e["status"]))
        .collect();
    assert_eq!(
        statuses,
        [
            (&json!(1), &json!("ok")),
            (&json!(2), &json!("ok")),
            (&json!(3), &json!("failed")),
            (&json!(4), &json!("skipped")),
        ],
        "{}",
        run.dump()
    );
    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(settled_state(&jobs[0].0).as_deref(), Some("CANCELED"));
}
