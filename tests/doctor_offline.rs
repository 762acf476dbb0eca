//! `doctor` and the recovery flags without a server: dead ports give one FAIL line each with a
//! hint and exit 1; `--from-statement` past the end is a usage error before anything is sent.

use std::process::Command;

fn flink_sql() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("flink-sql"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::var("HOME").unwrap_or_default());
    cmd
}

fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn doctor_fails_each_dead_endpoint_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("dead.env");
    let (kafka, registry) = (dead_port(), dead_port());
    std::fs::write(
        &profile,
        format!(
            "SQL_GATEWAY_URL=http://127.0.0.1:{}\nFLINK_REST_URL=http://127.0.0.1:{}\n\
             KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:{kafka}\nKAFKA_SECURITY_PROTOCOL=SASL_SSL\n\
             SCHEMA_REGISTRY_URL=https://127.0.0.1:{registry}/apis/ccompat/v7\n\
             SQL_GATEWAY_TOKEN=doctor-secret-token\nSQL_GATEWAY_HEADERS=X-Team: hush-value\n",
            dead_port(),
            dead_port()
        ),
    )
    .unwrap();
    let out = flink_sql()
        .args(["doctor", "--env-file"])
        .arg(&profile)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for name in ["gateway ", "jobmanager ", "kafka ", "registry "] {
        let line = stdout
            .lines()
            .position(|l| l.starts_with("FAIL") && l.contains(name))
            .unwrap_or_else(|| panic!("no FAIL line for {name}:\n{stdout}"));
        let next = stdout.lines().nth(line + 1).unwrap_or_default();
        assert!(next.contains("hint:"), "{name} has no hint:\n{stdout}");
    }
    assert!(stdout.contains("connection refused") || stdout.contains("Connection refused"));
    assert!(
        stdout.contains("X-Team") && stdout.contains("bearer token"),
        "{stdout}"
    );
    assert!(!stdout.contains("hush-value") && !stdout.contains("doctor-secret-token"));
}

#[test]
fn from_statement_past_the_end_is_a_usage_error_and_nothing_is_sent() {
    let out = flink_sql()
        .args(["exec", "--gateway"])
        .arg(format!("http://127.0.0.1:{}", dead_port()))
        .args(["--from-statement", "3", "-c", "SELECT 1", "-c", "SELECT 2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--from-statement 3: the input holds 2 statements"),
        "{stderr}"
    );
}
