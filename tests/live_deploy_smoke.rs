//! `deploy smoke` through its whole path against the real stack: only kubectl is a stand-in (the
//! recording fake, whose `port-forward` really forwards its local port to the stack's gateway and
//! whose `get secret` serves the stack's Kafka credentials as a Secret). The statement runs a job on
//! the real session cluster, the Kafka check reaches the real SASL_SSL broker with the Secret's
//! credentials, and the port-forward is stopped when the run ends. A wrong password in the Secret
//! fails the Kafka check with Kafka's own message.

mod common;

use std::path::Path;
use std::process::Output;

use base64::Engine;
use common::{require_stack, var};

struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let tool = common::repo().join("tests/fixtures/fakebin/fake-tool");
        std::os::unix::fs::symlink(&tool, bin.join("kubectl")).unwrap();
        let profile = format!(
            "DEPLOY_CLOUD=gcp\nK8S_CONTEXT=fake-ctx\nK8S_NAMESPACE=flink-studio\nFLINK_IMAGE=r/flink:2.0.0\n\
             GCP_PROJECT_ID=p\nGCP_SERVICE_ACCOUNT=f@p.iam.gserviceaccount.com\nGCS_BUCKET=b\n\
             KAFKA_BOOTSTRAP_SERVERS={}\nTRUSTSTORE_PATH={}\n",
            var("KAFKA_BOOTSTRAP_SERVERS"),
            var("TRUSTSTORE_PATH")
        );
        std::fs::write(dir.path().join("smoke.env"), profile).unwrap();
        Fake { dir }
    }

    fn secret(password: &str) -> String {
        let b64 = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
        serde_json::json!({"data": {
            "username": b64(var("KAFKA_USERNAME")),
            "password": b64(password),
            "truststore-password": b64(var("TRUSTSTORE_PASSWORD")),
        }})
        .to_string()
    }

    fn run(&self, secret: &str) -> Output {
        let bin = self.dir.path().join("bin");
        let gateway = var("SQL_GATEWAY_URL").trim_start_matches("http://");
        std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()),
            )
            .env("HOME", self.dir.path())
            .env("FAKE_LOG", self.log())
            .env("FAKE_CONTEXTS", "fake-ctx")
            .env("FAKE_FORWARD_TO", gateway)
            .env("FAKE_SECRET", secret)
            .current_dir(self.dir.path())
            .args(["deploy", "smoke", "--env-file", "smoke.env"])
            .output()
            .unwrap()
    }

    fn log(&self) -> std::path::PathBuf {
        self.dir.path().join("calls.log")
    }

    /// The forwarder's process is gone (kubectl port-forward was stopped).
    fn assert_forward_stopped(&self) {
        let pid_file = Path::new(&format!("{}.forward.pid", self.log().display())).to_owned();
        let pid = std::fs::read_to_string(&pid_file).expect("port-forward started");
        let proc = Path::new("/proc").join(pid.trim());
        let state = std::fs::read_to_string(proc.join("stat")).unwrap_or_default();
        // Gone, or a zombie nobody reaps.
        assert!(
            state.is_empty() || state.contains(") Z "),
            "port-forward {pid} still runs: {state}"
        );
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn smoke_reaches_the_gateway_through_the_port_forward_runs_sql_and_reaches_kafka() {
    require_stack();
    let fake = Fake::new();
    let out = fake.run(&Fake::secret(var("KAFKA_PASSWORD")));
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(
        stdout.contains(
            "ok    gateway            through kubectl port-forward service/flink-sql-gateway"
        ),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("ok    statement          SELECT 1 AS smoke returned 1"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!(
            "ok    kafka              {} answered the Secret's credentials",
            var("KAFKA_BOOTSTRAP_SERVERS")
        )),
        "{stdout}\n{stderr}"
    );
    // No pod in this stand-in: the jar check alone fails.
    assert!(
        stdout.contains("FAIL  jars               no running JobManager pod"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for secret in [var("KAFKA_PASSWORD"), var("TRUSTSTORE_PASSWORD")] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "a secret was shown"
        );
    }
    fake.assert_forward_stopped();
}

#[test]
fn a_wrong_password_in_the_secret_fails_the_kafka_check_with_kafkas_message() {
    require_stack();
    let fake = Fake::new();
    let wrong = "not-the-Kafka-pass-987";
    let out = fake.run(&Fake::secret(wrong));
    let stdout = text(&out.stdout);
    let kafka = stdout
        .lines()
        .find(|l| l.contains(" kafka "))
        .unwrap_or_default();
    assert!(
        kafka.starts_with("FAIL") && kafka.contains("Authentication failed"),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(
        !stdout.contains(wrong),
        "the Secret's password was shown: {stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
    fake.assert_forward_stopped();
}
