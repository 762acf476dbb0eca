//! Offline validation of every rendered object, for a GKE and an AKS profile: strict Kubernetes
//! JSON schemas, the FlinkDeployment against the operator's CRD schema, and a checkov scan with
//! only justified skips (`scripts/deploy-check.sh`, which installs its tools and fails — never
//! skips — when it cannot).

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn render(cloud: &str, dir: &Path) {
    let out = Command::cargo_bin("flink-sql")
        .unwrap()
        .env_clear()
        .args(["deploy", "render", "--include-secrets", "--out"])
        .arg(dir)
        .arg("--env-file")
        .arg(repo().join(format!("tests/fixtures/deploy/{cloud}.env")))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn validate(dir: &Path) -> (bool, String) {
    let out = StdCommand::new(repo().join("scripts/deploy-check.sh"))
        .arg("validate")
        .arg(dir)
        .output()
        .expect("scripts/deploy-check.sh runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn rendered_manifests_pass_schemas_crd_and_security_scan() {
    for cloud in ["gcp", "azure", "old-platform"] {
        let dir = tempfile::tempdir().unwrap();
        render(cloud, dir.path());
        let (ok, report) = validate(dir.path());
        assert!(ok, "{cloud}:\n{report}");
        assert!(
            report.contains("16 documents"),
            "{cloud}: not every object was checked:\n{report}"
        );
        for secret in ["golden-Kafka-pass", "golden-Trust-pass"] {
            assert!(!report.contains(secret), "the report shows a secret");
        }
    }
}

#[test]
fn the_validator_catches_a_broken_manifest() {
    // A typo'd field, a non-string flinkConfiguration value, a privileged gateway, an egress rule
    // that opens every port (the empty KAFKA_EGRESS_PORTS of old rendered `ports:` as null): each
    // must fail.
    let breakages: [(&str, &str, &str, &str); 4] = [
        (
            "50-flink-session.yaml",
            "  serviceAccount: flink",
            "  serviceAcount: flink",
            "serviceAcount",
        ),
        (
            "50-flink-session.yaml",
            "web.history: \"50\"",
            "web.history: 50",
            "string",
        ),
        (
            "60-sql-gateway.yaml",
            "allowPrivilegeEscalation: false",
            "allowPrivilegeEscalation: true",
            "CKV_K8S_20",
        ),
        (
            "30-network-policies.yaml",
            "ports: [{port: 12345, protocol: TCP}, {port: 12346, protocol: TCP}]",
            "ports: ",
            "no ports: every port to 0.0.0.0/0 is open",
        ),
    ];
    for (file, from, to, expect) in breakages {
        let dir = tempfile::tempdir().unwrap();
        render("gcp", dir.path());
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer has {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let (ok, report) = validate(dir.path());
        assert!(!ok, "{to} was not caught:\n{report}");
        assert!(
            report.contains(expect),
            "{to}: expected {expect} in:\n{report}"
        );
    }
}
