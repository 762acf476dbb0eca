//! `flink-sql deploy` against a real kube-apiserver + etcd on 127.0.0.1 (`scripts/kube-rig.sh up`),
//! with the real kubectl and helm. The API server stores, validates and admits (strict schemas,
//! the operator's CRDs, Pod Security "restricted", server-side apply) but runs no controllers or
//! kubelet, so the test plays the operator and the Deployment controller by patching the status
//! subresources while `up` waits. Fails (never skips) when the rig is not running.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;

const SECRETS: [&str; 2] = ["golden-Kafka-pass-123", "golden-Trust-pass-456"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One namespace pair on the shared rig, removed again at the end.
struct Rig {
    facts: HashMap<String, String>,
    dir: tempfile::TempDir,
    namespace: String,
    operator_ns: String,
}

impl Rig {
    fn new(tag: &str) -> Rig {
        let out = StdCommand::new(repo().join("scripts/kube-rig.sh"))
            .arg("env")
            .output()
            .expect("scripts/kube-rig.sh runs");
        assert!(
            out.status.success(),
            "the kube rig is not running: start it with scripts/kube-rig.sh up\n{}",
            text(&out.stderr)
        );
        let facts: HashMap<String, String> = text(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let suffix = format!("{tag}-{}", std::process::id());
        let rig = Rig {
            facts,
            dir: tempfile::tempdir().unwrap(),
            namespace: format!("flink-{suffix}"),
            operator_ns: format!("op-{suffix}"),
        };
        rig.prepare_chart();
        rig.write_profile();
        rig
    }

    fn fact(&self, key: &str) -> &str {
        self.facts
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from the rig's facts"))
    }

    fn chart(&self) -> PathBuf {
        self.dir.path().join("operator-chart")
    }

    /// The stand-in chart, with the operator's real CRDs in crds/ (fetched by deploy-check).
    fn prepare_chart(&self) {
        let chart = self.chart();
        copy_dir(&repo().join("tests/fixtures/operator-chart"), &chart);
        let out = StdCommand::new(repo().join("scripts/deploy-check.sh"))
            .arg("crds")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cannot get the CRDs: {}",
            text(&out.stderr)
        );
        let crds = PathBuf::from(text(&out.stdout).trim());
        copy_dir(&crds, &chart.join("crds"));
    }

    fn profile(&self) -> PathBuf {
        self.dir.path().join("rig.env")
    }

    fn write_profile(&self) {
        let base = std::fs::read_to_string(repo().join("tests/fixtures/deploy/gcp.env")).unwrap();
        let mut text: String = base
            .lines()
            .filter(|l| !l.starts_with("K8S_CONTEXT=") && !l.starts_with("K8S_NAMESPACE="))
            .map(|l| format!("{l}\n"))
            .collect();
        text.push_str(&format!(
            "K8S_CONTEXT={}\nK8S_NAMESPACE={}\nOPERATOR_NAMESPACE={}\nOPERATOR_CHART={}\nOPERATOR_CHART_REPO=\nDEPLOY_TIMEOUT=2m\n",
            self.fact("KUBE_CONTEXT"),
            self.namespace,
            self.operator_ns,
            self.chart().display()
        ));
        std::fs::write(self.profile(), text).unwrap();
        std::fs::copy(
            repo().join("tests/fixtures/deploy/truststore.jks"),
            self.dir.path().join("truststore.jks"),
        )
        .unwrap();
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "PATH".into(),
                format!("{}:/usr/local/bin:/usr/bin:/bin", self.fact("KUBE_RIG_BIN")),
            ),
            ("KUBECONFIG".into(), self.fact("KUBECONFIG").into()),
            ("HOME".into(), self.dir.path().display().to_string()),
        ]
    }

    fn flink_sql(&self, args: &[&str]) -> StdCommand {
        let mut cmd = StdCommand::new(cargo_bin("flink-sql"));
        cmd.env_clear()
            .envs(self.env())
            .current_dir(self.dir.path())
            .arg("deploy")
            .args(args)
            .arg("--env-file")
            .arg(self.profile());
        cmd
    }

    fn deploy(&self, args: &[&str]) -> Output {
        let out = self.flink_sql(args).output().unwrap();
        for s in SECRETS {
            assert!(
                !text(&out.stdout).contains(s) && !text(&out.stderr).contains(s),
                "a secret was printed"
            );
        }
        out
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        StdCommand::new(self.fact("KUBECTL"))
            .env("KUBECONFIG", self.fact("KUBECONFIG"))
            .arg("--context")
            .arg(self.fact("KUBE_CONTEXT"))
            .args(args)
            .output()
            .unwrap()
    }

    fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.kubectl_ok(&all)).unwrap()
    }

    fn exists(&self, kind: &str, name: &str) -> bool {
        self.kubectl(&["get", kind, name, "-n", &self.namespace])
            .status
            .success()
    }

    /// What the operator and the Deployment controller would report once everything runs.
    fn become_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !self.exists("flinkdeployment", "flink-session") {
            assert!(
                Instant::now() < deadline,
                "up never created the FlinkDeployment"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        self.kubectl_ok(&[
            "patch",
            "flinkdeployment",
            "flink-session",
            "-n",
            &self.namespace,
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"jobManagerDeploymentStatus":"READY","lifecycleState":"STABLE"}}"#,
        ]);
        while !self.exists("deployment", "flink-sql-gateway") {
            assert!(
                Instant::now() < deadline,
                "up never created the gateway Deployment"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        self.kubectl_ok(&[
            "patch", "deployment", "flink-sql-gateway", "-n", &self.namespace,
            "--subresource=status", "--type=merge", "-p",
            r#"{"status":{"observedGeneration":1,"replicas":1,"readyReplicas":1,"availableReplicas":1,"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","message":"rig"}]}}"#,
        ]);
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = StdCommand::new(repo().join("scripts/kube-rig.sh"))
            .args(["delete-ns", &self.namespace, &self.operator_ns])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_platform_deploys_to_a_real_api_server_and_a_second_up_changes_nothing() {
    let rig = Rig::new("up");

    // A dry run against the server writes nothing.
    let dry = rig.deploy(&["up", "--dry-run"]);
    assert!(
        dry.status.success(),
        "{}{}",
        text(&dry.stdout),
        text(&dry.stderr)
    );
    assert!(
        text(&dry.stdout).contains("would change"),
        "{}",
        text(&dry.stdout)
    );
    assert!(
        !rig.kubectl(&["get", "namespace", &rig.namespace])
            .status
            .success(),
        "dry run created the namespace"
    );

    // The CRDs install, the namespace is labelled restricted, and the server accepts every
    // rendered object in a server-side dry run with warnings as errors.
    let crds = rig.chart().join("crds");
    rig.kubectl_ok(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        crds.to_str().unwrap(),
    ]);
    let rendered = rig.dir.path().join("rendered");
    let render = rig.deploy(&[
        "render",
        "--include-secrets",
        "--out",
        rendered.to_str().unwrap(),
    ]);
    assert!(render.status.success(), "{}", text(&render.stderr));
    rig.kubectl_ok(&[
        "apply",
        "--server-side",
        "-f",
        rendered.join("00-namespace.yaml").to_str().unwrap(),
    ]);
    let ns = rig.json(&["get", "namespace", &rig.namespace]);
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    for file in [
        "10-identity.yaml",
        "20-quota.yaml",
        "30-network-policies.yaml",
        "40-kafka-secret.yaml",
        "50-flink-session.yaml",
        "60-sql-gateway.yaml",
    ] {
        let path = rendered.join(file);
        rig.kubectl_ok(&[
            "apply",
            "--dry-run=server",
            "--warnings-as-errors",
            "-f",
            path.to_str().unwrap(),
        ]);
    }

    // The real `up`, waiting for readiness that the test reports in place of the controllers.
    let child = rig
        .flink_sql(&["up"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    rig.become_ready();
    let up = child.wait_with_output().unwrap();
    let stdout = text(&up.stdout);
    assert!(up.status.success(), "{stdout}{}", text(&up.stderr));
    assert!(stdout.contains("[13/13] wait: sql gateway"), "{stdout}");
    assert!(
        stdout.contains("operator CRDs              unchanged"),
        "{stdout}"
    );
    assert!(
        stdout.contains("operator (helm)            changed"),
        "{stdout}"
    );
    assert!(stdout.contains("JobManager READY, STABLE"), "{stdout}");

    // What landed: Workload Identity, the Secret's bytes, the operator release and its values.
    let sa = rig.json(&["get", "serviceaccount", "flink", "-n", &rig.namespace]);
    assert_eq!(
        sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"],
        "flink-gcs@sbx-stag.iam.gserviceaccount.com"
    );
    let secret = rig.json(&["get", "secret", "kafka-credentials", "-n", &rig.namespace]);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(
        b64.decode(secret["data"]["password"].as_str().unwrap())
            .unwrap(),
        SECRETS[0].as_bytes()
    );
    let store = std::fs::read(repo().join("tests/fixtures/deploy/truststore.jks")).unwrap();
    assert_eq!(
        b64.decode(secret["data"]["truststore.jks"].as_str().unwrap())
            .unwrap(),
        store
    );
    let fd = rig.json(&[
        "get",
        "flinkdeployment",
        "flink-session",
        "-n",
        &rig.namespace,
    ]);
    assert_eq!(fd["spec"]["flinkVersion"], "v2_0");
    assert_eq!(
        fd["spec"]["flinkConfiguration"]
            ["execution.checkpointing.externalized-checkpoint-retention"],
        "RETAIN_ON_CANCELLATION"
    );
    let policies = rig.json(&["get", "networkpolicy", "-n", &rig.namespace]);
    assert_eq!(policies["items"].as_array().unwrap().len(), 6);
    let helm_list = |rig: &Rig| -> serde_json::Value {
        let out = StdCommand::new(rig.fact("HELM"))
            .env("KUBECONFIG", rig.fact("KUBECONFIG"))
            .env("HOME", rig.dir.path())
            .args([
                "list",
                "-n",
                &rig.operator_ns,
                "-o",
                "json",
                "--kube-context",
                rig.fact("KUBE_CONTEXT"),
            ])
            .output()
            .unwrap();
        serde_json::from_str(&text(&out.stdout)).unwrap()
    };
    let releases = helm_list(&rig);
    assert_eq!(releases[0]["status"], "deployed");
    assert_eq!(releases[0]["revision"], "1");
    let cm = rig.json(&[
        "get",
        "configmap",
        "flink-operator-config",
        "-n",
        &rig.operator_ns,
    ]);
    assert_eq!(cm["data"]["watchNamespaces"], rig.namespace.as_str());

    // A second `up` finds nothing to do and says so; helm made no new revision.
    let again = rig.deploy(&["up"]);
    let stdout = text(&again.stdout);
    assert!(again.status.success(), "{stdout}{}", text(&again.stderr));
    assert!(
        stdout.contains("up: no changes in context flink-sql-rig"),
        "{stdout}"
    );
    assert_eq!(helm_list(&rig)[0]["revision"], "1");

    // status: everything ready.
    let status = rig.deploy(&["status"]);
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}{}",
        text(&status.stdout),
        text(&status.stderr)
    );
    assert!(
        text(&status.stdout).contains("server v1.34"),
        "{}",
        text(&status.stdout)
    );

    // Pod Security "restricted" is really enforced in the namespace: a root pod is refused.
    let bad_pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: root-pod\n  namespace: {}\nspec:\n  serviceAccountName: flink\n  automountServiceAccountToken: false\n  containers:\n    - name: c\n      image: busybox:1.36\n      securityContext:\n        runAsUser: 0\n",
        rig.namespace
    );
    let mut apply = StdCommand::new(rig.fact("KUBECTL"))
        .env("KUBECONFIG", rig.fact("KUBECONFIG"))
        .args(["--context", rig.fact("KUBE_CONTEXT"), "apply", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    apply
        .stdin
        .take()
        .unwrap()
        .write_all(bad_pod.as_bytes())
        .unwrap();
    let refused = apply.wait_with_output().unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("violates PodSecurity \"restricted"),
        "{}",
        text(&refused.stderr)
    );

    // down --operator: everything goes, the namespace (ours) is deleted, the CRDs stay.
    let down = rig.deploy(&["down", "--operator"]);
    assert!(
        down.status.success(),
        "{}{}",
        text(&down.stdout),
        text(&down.stderr)
    );
    assert!(!rig.exists("flinkdeployment", "flink-session"));
    assert!(!rig.exists("secret", "kafka-credentials"));
    assert!(helm_list(&rig).as_array().unwrap().is_empty());
    let ns = rig.json(&["get", "namespace", &rig.namespace]);
    assert!(
        ns["metadata"]["deletionTimestamp"].is_string(),
        "namespace not being deleted: {ns}"
    );
    rig.kubectl_ok(&["get", "crd", "flinkdeployments.flink.apache.org"]);
}

#[test]
fn a_pod_template_that_breaks_pod_security_draws_the_warning_up_stops_on() {
    // The same profile, but the gateway may run as root: the restricted namespace makes the API
    // server warn on the Deployment in the diff `up` runs first (deploy_sequence.rs shows `up`
    // stopping on that warning), and nothing is stored.
    let rig = Rig::new("psa");
    let chart_crds = rig.chart().join("crds");
    rig.kubectl_ok(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        chart_crds.to_str().unwrap(),
    ]);
    let rendered = rig.dir.path().join("rendered");
    let out = rig.deploy(&["render", "--out", rendered.to_str().unwrap()]);
    assert!(out.status.success());
    rig.kubectl_ok(&[
        "apply",
        "--server-side",
        "-f",
        rendered.join("00-namespace.yaml").to_str().unwrap(),
    ]);
    let gateway = std::fs::read_to_string(rendered.join("60-sql-gateway.yaml")).unwrap();
    let broken = gateway.replace("runAsNonRoot: true", "runAsNonRoot: false");
    let path = rendered.join("broken-gateway.yaml");
    std::fs::write(&path, broken).unwrap();
    // `up` diffs (a server-side dry run) before it applies: the warning stops it there. (A plain
    // `kubectl apply --warnings-as-errors` would already have stored the object when it fails.)
    let out = rig.kubectl(&[
        "diff",
        "--server-side",
        "--field-manager=flink-sql",
        "--warnings-as-errors",
        "-f",
        path.to_str().unwrap(),
    ]);
    assert!(
        text(&out.stderr).contains("Warning: would violate PodSecurity \"restricted"),
        "{}",
        text(&out.stderr)
    );
    assert!(!rig.exists("deployment", "flink-sql-gateway"));
}
