//! TLS and a bearer token in front of both the gateway and the JobManager: a TLS-terminating
//! proxy on loopback (`common::tls_proxy`, certificates made at test time) forwards to the real
//! stack. `--ca-cert` plus `SQL_GATEWAY_TOKEN` reach both (`exec` and `jobs`); a CA that did not
//! sign the proxy's certificate, or no token, is a clear error with exit 3. The token never
//! appears in any output. `doctor` reports the TLS, the CA and the header names it uses, through
//! the proxy and against the stack's own profile (Kafka over SASL_SSL: a TLS handshake).

mod common;

use common::tls_proxy::{Pki, TlsProxy};
use common::*;

const TOKEN: &str = "tls-test-token-4f1c9d";

struct Rig {
    proxy: TlsProxy,
    dir: tempfile::TempDir,
    ca: std::path::PathBuf,
    other_ca: std::path::PathBuf,
}

fn rig() -> Rig {
    require_stack();
    let pki = Pki::new("proxy");
    let proxy = TlsProxy::start(&pki, TOKEN, gateway_url(), jobmanager_url());
    let dir = tempfile::tempdir().unwrap();
    let ca = pki.write_ca(dir.path(), "ca.pem");
    let other_ca = Pki::new("other").write_ca(dir.path(), "other-ca.pem");
    Rig {
        proxy,
        dir,
        ca,
        other_ca,
    }
}

impl Rig {
    fn exec(&self, ca: &std::path::Path, token: bool) -> std::process::Command {
        let mut cmd = flink_sql();
        cmd.args(["exec", "--format", "plain", "--gateway"])
            .arg(self.proxy.url("gateway"))
            .arg("--jobmanager")
            .arg(self.proxy.url("jobmanager"))
            .arg("--ca-cert")
            .arg(ca)
            .current_dir(self.dir.path());
        if token {
            cmd.env("SQL_GATEWAY_TOKEN", TOKEN);
        }
        cmd
    }

    fn jobs_list(&self, ca: &std::path::Path, token: bool) -> std::process::Command {
        let mut cmd = flink_sql();
        cmd.args(["jobs", "list", "--format", "plain", "--jobmanager"])
            .arg(self.proxy.url("jobmanager"))
            .arg("--ca-cert")
            .arg(ca)
            .current_dir(self.dir.path());
        if token {
            cmd.env("SQL_GATEWAY_TOKEN", TOKEN);
        }
        cmd
    }
}

fn assert_no_token(run: &Run) {
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token leaked:\n{}",
        run.dump()
    );
}

#[test]
fn the_ca_and_the_token_reach_the_gateway_and_the_jobmanager_through_tls() {
    let rig = rig();
    let name = unique("tls");
    let _jobs = Jobs(name.clone());
    // --wait finished follows the job on the JobManager: through the proxy too.
    let run = Run::of(rig.exec(&rig.ca, true).args([
        "--wait",
        "finished",
        "-c",
        &format!("SET 'pipeline.name' = '{name}'"),
        "-c",
        &format!(
            "CREATE TABLE {name} (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3')"
        ),
        "-c",
        &format!("CREATE TABLE {name}_sink (x INT) WITH ('connector' = 'blackhole')"),
        "-c",
        &format!("INSERT INTO {name}_sink SELECT x FROM {name}"),
    ]));
    run.expect_code(0);
    assert!(run.stderr.contains("4 ok"), "{}", run.dump());
    assert_no_token(&run);
    let seen = rig.proxy.seen();
    assert!(seen.iter().all(|s| s.had_token), "{seen:?}");
    assert!(
        seen.iter()
            .any(|s| s.path.starts_with("/gateway/v4/sessions")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|s| s.path.starts_with("/jobmanager/jobs/")),
        "exec's JobManager calls go through the proxy with the token: {seen:?}"
    );

    let jobs = Run::of(rig.jobs_list(&rig.ca, true).args(["--name", &name]));
    jobs.expect_code(0);
    assert!(jobs.stdout.contains(&name), "{}", jobs.dump());
    assert_no_token(&jobs);
}

#[test]
fn a_wrong_ca_is_a_clear_connection_error() {
    let rig = rig();
    let run = Run::of(rig.exec(&rig.other_ca, true).args(["-c", "SELECT 1"]));
    run.expect_code(3);
    assert!(run.stderr.contains("gateway unreachable"), "{}", run.dump());
    assert!(
        run.stderr.contains("UnknownIssuer") || run.stderr.contains("certificate"),
        "{}",
        run.dump()
    );
    let jobs = Run::of(&mut rig.jobs_list(&rig.other_ca, true));
    jobs.expect_code(3);
    assert!(
        jobs.stderr.contains("JobManager unreachable"),
        "{}",
        jobs.dump()
    );
    assert!(jobs.stderr.contains("certificate"), "{}", jobs.dump());
    // Nothing got past the handshake.
    assert!(rig.proxy.seen().is_empty(), "{:?}", rig.proxy.seen());
}

#[test]
fn a_missing_token_is_a_clear_error_for_both() {
    let rig = rig();
    let run = Run::of(rig.exec(&rig.ca, false).args(["-c", "SELECT 1"]));
    run.expect_code(3);
    assert!(run.stderr.contains("HTTP 401"), "{}", run.dump());
    assert!(run.stderr.contains("SQL_GATEWAY_TOKEN"), "{}", run.dump());
    let jobs = Run::of(&mut rig.jobs_list(&rig.ca, false));
    jobs.expect_code(3);
    assert!(jobs.stderr.contains("HTTP 401"), "{}", jobs.dump());
    assert!(jobs.stderr.contains("SQL_GATEWAY_TOKEN"), "{}", jobs.dump());
}

#[test]
fn doctor_through_the_proxy_names_tls_the_ca_and_the_headers_but_no_values() {
    let rig = rig();
    let mut cmd = flink_sql();
    cmd.args(["doctor", "--gateway"])
        .arg(rig.proxy.url("gateway"))
        .arg("--jobmanager")
        .arg(rig.proxy.url("jobmanager"))
        .arg("--ca-cert")
        .arg(&rig.ca)
        .args(["--header", "X-Team: data-hush"])
        .env("SQL_GATEWAY_TOKEN", TOKEN)
        .current_dir(rig.dir.path());
    let run = Run::of(&mut cmd);
    run.expect_code(0);
    for line in [
        "ok    gateway tls",
        "ok    session",
        "ok    api version     V4",
        "ok    jobmanager tls",
        "ok    jobmanager ",
    ] {
        assert!(run.stdout.contains(line), "{line}:\n{}", run.dump());
    }
    let tls = run
        .stdout
        .lines()
        .find(|l| l.contains("gateway tls"))
        .unwrap();
    assert!(tls.contains("https, CA") && tls.contains("X-Team"), "{tls}");
    assert!(tls.contains("Authorization (bearer token"), "{tls}");
    assert!(!run.stdout.contains("data-hush"), "{}", run.dump());
    assert_no_token(&run);

    let no_token = Run::of(
        flink_sql()
            .args(["doctor", "--gateway"])
            .arg(rig.proxy.url("gateway"))
            .arg("--jobmanager")
            .arg(rig.proxy.url("jobmanager"))
            .arg("--ca-cert")
            .arg(&rig.ca)
            .current_dir(rig.dir.path()),
    );
    no_token.expect_code(1);
    assert!(no_token.stdout.contains("HTTP 401"), "{}", no_token.dump());
    assert!(
        no_token.stdout.contains("hint: check SQL_GATEWAY_TOKEN"),
        "{}",
        no_token.dump()
    );
}

#[test]
fn doctor_on_the_stack_profile_reaches_kafka_over_tls_and_the_registry() {
    require_stack();
    let run = Run::of(flink_sql().args(["doctor", "--env", "local"]));
    run.expect_code(0);
    for line in [
        "ok    gateway ",
        "ok    session",
        "ok    flink           Flink 2.",
        "ok    registry",
    ] {
        assert!(run.stdout.contains(line), "{line}:\n{}", run.dump());
    }
    let kafka = run
        .stdout
        .lines()
        .find(|l| l.contains("kafka"))
        .unwrap_or_else(|| panic!("no kafka line:\n{}", run.dump()));
    assert!(
        kafka.starts_with("ok") && kafka.contains("TLS handshake"),
        "{kafka}"
    );
}
