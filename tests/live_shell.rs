//! `flink-sql shell` on a real pseudo-terminal against the REAL stack: multi-line entries, the
//! prompt following USE, Tab completion from the gateway, the history file, Ctrl-C cancelling a
//! streaming SELECT on the gateway while the session and its SET state stay, `\format`, and
//! Ctrl-D closing the session on the gateway.
//!
//! Run: `cargo test --features live --test live_shell -- --test-threads=2`.

mod common;

use common::pty::{exit_code, expect, shell};
use common::*;
use rexpect::session::PtySession;

/// The shell on profile `local` (env/local.env) with HOME (and so the history) in `home`.
fn local(extra: &[&str], home: &std::path::Path, envs: &[(&str, &str)]) -> PtySession {
    require_stack();
    let mut args = vec!["--env", "local"];
    args.extend_from_slice(extra);
    let mut p = shell(&args, home, envs);
    expect(&mut p, "local default_catalog.default_database> ");
    p
}

const PROMPT: &str = "local default_catalog.default_database> ";

/// Sends a statement without a result and waits until it ran: its `OK`, then the prompt (a long
/// line's echo redraws the prompt, so the prompt alone is not proof).
fn ok(p: &mut PtySession, sql: &str, prompt: &str) {
    p.send_line(sql).unwrap();
    expect(p, "\r\nOK\r\n");
    expect(p, prompt);
}

#[test]
fn a_two_line_statement_runs_once_its_semicolon_arrives() {
    let home = tempfile::tempdir().unwrap();
    let mut p = local(&["--format", "plain"], home.path(), &[]);
    // The `;` inside the string and the comment do not end the entry.
    p.send_line("SELECT 'two;' || -- not the end;").unwrap();
    p.send_line("  'lines' AS t;").unwrap();
    let shown = expect(&mut p, "two;lines");
    assert!(
        !shown.contains("error"),
        "the first line ran alone:\n{shown}"
    );
    expect(&mut p, PROMPT);
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

/// The first prompt waits for the session to open and nothing more: no statement (two SHOW
/// operations used to run first, several gateway round trips), and it still names the catalog
/// and database, which USE then changes.
#[test]
fn the_first_prompt_runs_no_statement_and_names_the_sessions_catalog() {
    require_stack();
    let home = tempfile::tempdir().unwrap();
    let mut p = shell(&["-v", "--env", "local"], home.path(), &[]);
    let before = expect(&mut p, PROMPT);
    assert!(
        before.contains("/sessions -> 200"),
        "the -v log shows the session opening:\n{before}"
    );
    assert!(
        !before.contains("/statements") && !before.contains("/configure-session"),
        "a statement ran before the first prompt:\n{before}"
    );
    ok(&mut p, "USE CATALOG default_catalog;", PROMPT);
    p.send_line("\\q").unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn the_prompt_follows_use_catalog_and_use_database() {
    let home = tempfile::tempdir().unwrap();
    let mut p = local(&[], home.path(), &[]);
    let catalog = unique("shellcat");
    let create = format!("CREATE CATALOG {catalog} WITH ('type' = 'generic_in_memory');");
    ok(&mut p, &create, PROMPT);
    let in_catalog = format!("local {catalog}.default> ");
    ok(&mut p, &format!("USE CATALOG {catalog};"), &in_catalog);
    ok(&mut p, "CREATE DATABASE second_db;", &in_catalog);
    let in_database = format!("local {catalog}.second_db> ");
    ok(&mut p, "USE second_db;", &in_database);
    ok(&mut p, "USE default_catalog.default_database;", PROMPT);
    p.send_line("\\q").unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn tab_offers_a_table_that_exists_only_on_the_gateway() {
    let home = tempfile::tempdir().unwrap();
    let mut p = local(&[], home.path(), &[]);
    let table = unique("zshelltab");
    let create = format!("CREATE TEMPORARY TABLE {table} (a INT) WITH ('connector' = 'datagen');");
    ok(&mut p, &create, PROMPT);
    // The name's prefix is typed; the rest can only come from the session on the gateway.
    p.send(&format!("SELECT * FROM {}", &table[..12])).unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    expect(&mut p, &format!("default_catalog.default_database.{table}"));
    p.send_control('c').unwrap();
    expect(&mut p, PROMPT);
    p.send("\\form\t").unwrap();
    p.flush().unwrap();
    expect(&mut p, "\\format");
    p.send_control('c').unwrap();
    expect(&mut p, PROMPT);
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn the_history_file_holds_the_placeholder_not_the_secret_typed_through_it() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("xdg-data");
    let secret = "Live-Shell-Secret-9f3a";
    let envs = [
        ("XDG_DATA_HOME", data.to_str().unwrap()),
        ("SHELL_TEST_PASSWORD", secret),
    ];
    let mut p = local(&["--format", "plain"], home.path(), &envs);
    p.send_line("SELECT '${SHELL_TEST_PASSWORD}' AS p, 'ran-it' AS r;")
        .unwrap();
    let shown = expect(&mut p, "ran-it");
    assert!(!shown.contains(secret), "the terminal shows it masked");
    expect(&mut p, PROMPT);
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let history = std::fs::read_to_string(data.join("flink-sql/history")).unwrap();
    assert!(
        history.contains("SELECT '${SHELL_TEST_PASSWORD}' AS p, 'ran-it' AS r;"),
        "{history}"
    );
    assert!(!history.contains(secret), "{history}");
}

#[test]
fn ctrl_c_cancels_a_streaming_select_on_the_gateway_and_the_session_keeps_its_set_state() {
    let home = tempfile::tempdir().unwrap();
    let name = unique("shell-cancel-");
    let _jobs = Jobs(name.clone());
    let mut p = local(&["--format", "plain"], home.path(), &[]);
    ok(&mut p, &format!("SET 'pipeline.name' = '{name}';"), PROMPT);
    ok(
        &mut p,
        "SET 'table.exec.resource.default-parallelism' = '1';",
        PROMPT,
    );
    ok(
        &mut p,
        "CREATE TEMPORARY TABLE ticks (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');",
        PROMPT,
    );
    p.send_line("SELECT id FROM ticks;").unwrap();
    // Rows arrive while the query runs.
    expect(&mut p, "+I\t");
    expect(&mut p, "+I\t");
    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].1, "RUNNING", "{jobs:?}");
    p.send_control('c').unwrap();
    expect(&mut p, PROMPT);
    assert_eq!(
        settled_state(&jobs[0].0).as_deref(),
        Some("CANCELED"),
        "Ctrl-C cancels the job on the gateway"
    );
    // The same session, with what was SET in it.
    p.send_line("SET;").unwrap();
    expect(&mut p, &name);
    expect(&mut p, PROMPT);
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn format_json_changes_the_output() {
    let home = tempfile::tempdir().unwrap();
    let mut p = local(&["--format", "plain"], home.path(), &[]);
    p.send_line("SELECT 41 + 1 AS answer;").unwrap();
    expect(&mut p, "+I\t42");
    expect(&mut p, PROMPT);
    p.send_line("\\format json").unwrap();
    expect(&mut p, "format json");
    expect(&mut p, PROMPT);
    p.send_line("SELECT 41 + 1 AS answer;").unwrap();
    expect(&mut p, "\"answer\"");
    expect(&mut p, "\"op\":\"+I\"");
    expect(&mut p, PROMPT);
    p.send_line("\\q").unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn ctrl_d_closes_the_session_on_the_gateway() {
    let home = tempfile::tempdir().unwrap();
    require_stack();
    let mut p = shell(&["--env", "local", "-v"], home.path(), &[]);
    let (_, id) = p
        .exp_regex("opened session [0-9a-f-]{36}")
        .expect("-v logs the session");
    let id = id.trim_start_matches("opened session ").to_owned();
    expect(&mut p, PROMPT);
    let url = format!("{}/v1/sessions/{id}", gateway_url());
    let (open, body) = http(reqwest::Method::GET, &url).unwrap();
    assert_eq!(
        open, 200,
        "the session is open while the prompt waits: {body}"
    );
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let (closed, _) = http(reqwest::Method::GET, &url).unwrap();
    assert_ne!(closed, 200, "the session is gone after Ctrl-D");
}

#[test]
fn materialize_toggles_the_final_per_key_totals_of_a_changelog() {
    let home = tempfile::tempdir().unwrap();
    let mut p = local(&["--format", "csv"], home.path(), &[]);
    p.send_line("\\materialize").unwrap();
    expect(&mut p, "materialize is on");
    expect(&mut p, PROMPT);
    p.send_line(
        "SELECT k, SUM(v) AS total FROM (VALUES ('ka', 1), ('ka', 2), ('kb', 5), ('ka', 4)) AS t(k, v) GROUP BY k;",
    )
    .unwrap();
    // The final table: one row per key with its total, no changelog ops.
    let shown = expect(&mut p, PROMPT);
    let last = shown.rfind("k,total").expect("the final table's header");
    let table = &shown[last..];
    assert!(table.contains("ka,7"), "{table}");
    assert!(table.contains("kb,5"), "{table}");
    assert!(!table.contains("ka,3"), "an intermediate total: {table}");
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn include_output_file_and_expanded_display() {
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("script.sql");
    std::fs::write(&script, "SELECT 'from-the-file' AS f;\n").unwrap();
    let out = home.path().join("results.txt");
    let mut p = local(&["--format", "plain"], home.path(), &[]);
    p.send_line(&format!("\\i {}", script.display())).unwrap();
    expect(&mut p, "+I\tfrom-the-file");
    expect(&mut p, PROMPT);
    p.send_line("\\x").unwrap();
    expect(&mut p, "expanded display is on");
    p.send_line("SELECT 7 AS seven, 'w' AS wide;").unwrap();
    expect(&mut p, "-[ RECORD 1 ]-");
    expect(&mut p, "wide  | w");
    expect(&mut p, PROMPT);
    p.send_line(&format!("\\o {}", out.display())).unwrap();
    expect(&mut p, PROMPT);
    p.send_line("SELECT 'to-the-file' AS o;").unwrap();
    expect(&mut p, PROMPT);
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("-[ RECORD 1 ]-"), "{written}");
    assert!(written.contains("| to-the-file"), "{written}");
}

#[test]
fn watch_reruns_the_last_query_until_ctrl_c_and_e_runs_the_edited_statement() {
    let home = tempfile::tempdir().unwrap();
    // A scripted $EDITOR: turns 41 into 42 in the file it is given.
    let mut p = local(
        &["--format", "plain"],
        home.path(),
        &[("EDITOR", "sed -i s/41/42/")],
    );
    p.send_line("SELECT 41 AS e;").unwrap();
    expect(&mut p, "+I\t41");
    expect(&mut p, PROMPT);
    p.send_line("\\e").unwrap();
    expect(&mut p, "+I\t42");
    expect(&mut p, PROMPT);
    p.send_line("\\watch 0.2").unwrap();
    for _ in 0..3 {
        expect(&mut p, "+I\t42");
    }
    p.send_control('c').unwrap();
    expect(&mut p, PROMPT);
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
}
