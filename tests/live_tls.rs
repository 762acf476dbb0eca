//! TLS and a bearer token in front of both the gateway and the JobManager: a TLS-terminating
//! proxy on loopback (`common::tls_proxy`, certificates made at test time) forwards to the real
//! stack. `--ca-cert` plus `SQL_GATEWAY_TOKEN` reach both (`exec` and `jobs`); a CA that did not
//! sign the proxy's certificate, or no token, is a clear error with exit 3. The token never
//! appears in any output.

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
