//! Profiles through the binary, no server needed: `$` is literal, `${NAME}` is a checked
//! reference, errors point at file:line:col, the old executor's keys and `-e FILE` are
//! recognised, `env show` says where each value comes from, and a folder's duplicate names are
//! found before anything runs.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

use assert_cmd::Command;

/// The binary in `dir`, with none of the caller's profile settings.
fn flink_sql(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("flink-sql").unwrap();
    cmd.current_dir(dir)
        .env_remove("FLINK_SQL_ENV")
        .env_remove("FLINK_SQL_ENV_DIR")
        .env_remove("FLINK_SQL_SECRETS")
        .env_remove("KAFKA_PASSWORD")
        .env_remove("KAFKA_ENV");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn profile(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("env")).unwrap();
    std::fs::write(dir.path().join("env/p.env"), text).unwrap();
    dir
}

fn dry_run(dir: &Path, sql: &str) -> Run {
    run(flink_sql(dir).args(["exec", "--env", "p", "--dry-run", "-c", sql]))
}

#[test]
fn a_dollar_in_a_profile_value_is_kept() {
    let dir = profile(
        "KAFKA_PASSWORD=ab$cdef\nQUOTED_PASSWORD=\"p@ss$1word\"\nPLAIN=x$HOME\nQ=\"x$HOME\"\n",
    );
    let r = dry_run(
        dir.path(),
        "SELECT '${PLAIN}', '${Q}', '${KAFKA_PASSWORD}', '${QUOTED_PASSWORD}'",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("SELECT 'x$HOME', 'x$HOME', '***', '***'"),
        "{}",
        r.stdout
    );
    for leak in ["ab$cdef", "p@ss$1word", "'ab'", "'p@ss'"] {
        assert!(
            !r.stdout.contains(leak) && !r.stderr.contains(leak),
            "{leak} leaked"
        );
    }
}

#[test]
fn an_undefined_reference_in_a_profile_is_an_error_at_file_line_col() {
    let dir = profile("A=1\nB=${UNDEFINED}\n");
    let r = dry_run(dir.path(), "SELECT 1");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("env/p.env:2:3: ${UNDEFINED} is not defined"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn a_profile_reference_uses_the_value_of_the_run() {
    let dir = profile("KAFKA_ENV=uat\nTOPIC=${KAFKA_ENV}.orders\n");
    let r = run(flink_sql(dir.path()).env("KAFKA_ENV", "prod").args([
        "exec",
        "--env",
        "p",
        "--dry-run",
        "-c",
        "SELECT '${TOPIC}'",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("SELECT 'prod.orders'"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("note: the process environment overrides the profile for KAFKA_ENV"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_profile_syntax_error_gives_line_and_column_not_the_line() {
    let dir = profile("A=1\nKAFKA_PASSWORD='s3cr3t-value\n");
    let r = dry_run(dir.path(), "SELECT 1");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("env/p.env:2:16: unterminated single-quoted value"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("s3cr3t"), "{}", r.stderr);
}

#[test]
fn a_profile_path_that_is_a_directory_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let r =
        run(flink_sql(dir.path()).args(["exec", "--env-file", ".", "--dry-run", "-c", "SELECT 1"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
    assert!(!r.stderr.contains("not found"), "{}", r.stderr);
}

#[test]
fn a_non_utf8_environment_variable_does_not_crash_any_command() {
    let dir = profile("A=1\n");
    let bad = OsString::from_vec(vec![b'x', 0xff, b'y']);
    let r = run(flink_sql(dir.path())
        .env("FLINK_SQL_TEST_NOT_UTF8", &bad)
        .args(["exec", "--env", "p", "--dry-run", "-c", "SELECT '${A}'"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("SELECT '1'"), "{}", r.stdout);
    let r = run(flink_sql(dir.path())
        .env("FLINK_SQL_TEST_NOT_UTF8", &bad)
        .args(["env", "show", "--env", "p", "--all"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("FLINK_SQL_TEST_NOT_UTF8"), "{}", r.stdout);
}

#[test]
fn the_names_flink_sql_secrets_lists_are_not_masked() {
    let dir = profile("FLINK_SQL_SECRETS=ORDERS_TOPIC\nORDERS_TOPIC=orders-v1\n");
    let r = dry_run(dir.path(), "SELECT 'ORDERS_TOPIC', '${ORDERS_TOPIC}'");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("SELECT 'ORDERS_TOPIC', '***'"),
        "{}",
        r.stdout
    );
}

#[test]
fn old_executor_keys_are_warned_about_once_each() {
    let dir = profile("CONTINUE_ON_ERROR=true\nLOG_LEVEL=DEBUG\nKAFKA_ENV=uat\n");
    let r = dry_run(dir.path(), "SELECT 1");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: profile key"))
        .collect();
    assert_eq!(warnings.len(), 2, "{}", r.stderr);
    assert!(
        warnings[0].contains("CONTINUE_ON_ERROR")
            && warnings[0].contains("stops at the first failure")
    );
    assert!(warnings[1].contains("LOG_LEVEL"));
}

#[test]
fn dash_e_with_a_file_path_reads_it_as_env_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".sbx-uat.env"), "KAFKA_ENV=uat\n").unwrap();
    let r = run(flink_sql(dir.path()).args([
        "exec",
        "-e",
        ".sbx-uat.env",
        "--dry-run",
        "-c",
        "SELECT '${KAFKA_ENV}'",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("SELECT 'uat'"), "{}", r.stdout);
    assert_eq!(
        r.stderr
            .matches("reading it as --env-file .sbx-uat.env")
            .count(),
        1,
        "{}",
        r.stderr
    );
}

#[test]
fn env_show_lists_each_source() {
    let dir = profile("# head\nKAFKA_ENV=uat\nKAFKA_PASSWORD=pw$123\nTOPIC=t\n");
    let r = run(flink_sql(dir.path()).env("KAFKA_ENV", "prod").args([
        "env",
        "show",
        "--env",
        "p",
        "--var",
        "TOPIC=cli",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<Vec<&str>> = r
        .stdout
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert!(
        rows.contains(&vec![
            "KAFKA_ENV",
            "environment (overrides env/p.env:2)",
            "prod"
        ]),
        "{}",
        r.stdout
    );
    assert!(
        rows.contains(&vec!["KAFKA_PASSWORD", "env/p.env:3", "***"]),
        "{}",
        r.stdout
    );
    assert!(
        rows.contains(&vec!["TOPIC", "--var (overrides env/p.env:4)", "cli"]),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("pw$123"));
    assert!(
        r.stderr.contains("overrides the profile for KAFKA_ENV"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_folder_that_creates_a_table_twice_is_warned_about_unless_each_file_has_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("pipelines");
    std::fs::create_dir(&sql).unwrap();
    for file in ["a.sql", "b.sql"] {
        std::fs::write(
            sql.join(file),
            "SET 'pipeline.name' = 'p';\nCREATE TABLE orders (id INT) WITH ('connector' = 'datagen');\n",
        )
        .unwrap();
    }
    let r = run(flink_sql(dir.path()).args(["exec", "-f", "pipelines", "--dry-run"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected =
        "warning: pipelines/b.sql:2:1: CREATE TABLE orders fails with 'already exists': \
                    this session already created it at pipelines/a.sql:2:1";
    assert!(r.stderr.contains(expected), "{}", r.stderr);
    assert!(r.stderr.contains("--session-per-file"), "{}", r.stderr);
    let r = run(flink_sql(dir.path()).args([
        "exec",
        "-f",
        "pipelines",
        "--dry-run",
        "--session-per-file",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

/// A key the file sets twice: the last value wins, as in python-dotenv, and the run says so at
/// the repeated line; the values (a secret's among them) are never shown.
#[test]
fn a_key_set_twice_is_warned_about_at_its_lines() {
    let dir = profile("KAFKA_PASSWORD=first-pw\nA=1\nKAFKA_PASSWORD=second-pw\n");
    let r = dry_run(dir.path(), "SELECT '${KAFKA_PASSWORD}'");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "warning: env/p.env:3: KAFKA_PASSWORD is set again (also on line 1); the last value wins"
        ),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("A is set again"), "{}", r.stderr);
    for leak in ["first-pw", "second-pw"] {
        assert!(
            !r.stdout.contains(leak) && !r.stderr.contains(leak),
            "{leak} leaked"
        );
    }
}
