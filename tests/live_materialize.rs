//! `exec --materialize` against the REAL stack: a changelog aggregate over known input prints its
//! final per-key totals value for value (in csv and json), a streaming aggregate prints the table
//! as it stood when `--max-wait` or Ctrl-C stopped it, at a terminal (a pseudo-terminal) the table
//! is redrawn in place and then replaced by the final one, and a table that would pass
//! `--materialize-limit` fails the statement (exit 1) and cancels its job.
//!
//! Run: `cargo test --features live --test live_materialize -- --test-threads=2`.

mod common;

use std::collections::BTreeMap;

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
    // `-v` logs each HTTP call on stderr: the test waits until the query's first page has come
    // (the client asks for page 1), so the table's columns are known when Ctrl-C comes. The
    // job's RUNNING state alone comes earlier than that first page.
    let mut run = Background::spawn(
        flink_sql()
            .args([
                "-v",
                "exec",
                "--env",
                "local",
                "--format",
                "csv",
                "--materialize",
            ])
            .args(["-c", &endless_aggregate(&name, 3)]),
    );
    run.wait_for_stderr(|s| s.contains("/result/1?"));
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

/// Runs `flink-sql exec --env local ARGS` with stdout on a pseudo-terminal of 60×12 (stderr on a
/// pipe, so there is no spinner); what the terminal received, and the exit code.
fn on_a_terminal(args: &[&str]) -> (i32, String) {
    use std::io::Read;
    require_stack();
    let (mut master, slave) = common::pty::open_pty(12, 60);
    let mut child = flink_sql()
        .args(["exec", "--env", "local"])
        .args(args)
        .stdout(slave.try_clone().unwrap())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(slave);
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Ends with EIO once the child (the slave's last holder) has exited.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), reader.join().unwrap())
}

#[test]
fn at_a_terminal_the_table_is_redrawn_in_place_then_the_final_table_replaces_it() {
    let (code, screen) = on_a_terminal(&["--materialize", "-c", TOTALS]);
    assert_eq!(code, 0, "{screen:?}");
    // A terminal turns \n into \r\n.
    let screen = screen.replace("\r\n", "\n");
    let frames: Vec<&str> = screen
        .split("\x1b[?2026h")
        .skip(1)
        .map(|f| f.split("\x1b[?2026l").next().unwrap())
        .collect();
    assert!(!frames.is_empty(), "no live frame: {screen:?}");
    let mut lines_on_screen = 0;
    for frame in &frames {
        let body = match lines_on_screen {
            0 => *frame,
            n => frame
                .strip_prefix(&format!("\r\x1b[{n}A"))
                .unwrap_or_else(|| panic!("not drawn over the last frame: {frame:?}")),
        };
        let lines: Vec<&str> = body
            .strip_suffix("\x1b[J")
            .unwrap_or(body)
            .lines()
            .collect();
        assert!(lines.len() <= 11, "a frame fits 12 lines: {frame:?}");
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() <= 59 + "\x1b[K".len()),
            "{frame:?}"
        );
        assert!(body.ends_with("\x1b[K\n\x1b[J"), "{frame:?}");
        lines_on_screen = lines.len();
    }
    let erase = format!("\r\x1b[{lines_on_screen}A\x1b[J");
    let (_, last) = screen
        .rsplit_once(&erase)
        .unwrap_or_else(|| panic!("the last frame was not erased: {screen:?}"));
    let mut table: Vec<&str> = last.lines().collect();
    assert_eq!(
        table[..3],
        [
            "+----------+-------+---+",
            "| customer | total | n |",
            "+----------+-------+---+"
        ],
        "{last:?}"
    );
    assert_eq!(table.pop(), Some("+----------+-------+---+"), "{last:?}");
    let mut rows = table[3..].to_vec();
    rows.sort();
    assert_eq!(
        rows,
        [
            "| a        |     4 | 2 |",
            "| b        |     7 | 2 |",
            "| c        |     4 | 1 |",
            "| d        |     6 | 1 |",
        ],
        "{last:?}"
    );
}
