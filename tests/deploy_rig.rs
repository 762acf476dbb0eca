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
        Rig::with_profile(tag, "tests/fixtures/deploy/gcp.env")
    }

    /// A rig namespace pair whose profile starts from `fixture` (a file under the repository).
    fn with_profile(tag: &str, fixture: &str) -> Rig {
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
        rig.write_profile(fixture);
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

    fn write_profile(&self, fixture: &str) {
        let base = std::fs::read_to_string(repo().join(fixture)).unwrap();
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

    /// `kubectl apply -f -` (client-side, as the old platform's scripts did).
    fn apply_text(&self, yaml: &str) {
        use std::io::Write;
        let mut child = StdCommand::new(self.fact("KUBECTL"))
            .env("KUBECONFIG", self.fact("KUBECONFIG"))
            .args(["--context", self.fact("KUBE_CONTEXT"), "apply", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(yaml.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}\n{yaml}", text(&out.stderr));
    }

    fn uid(&self, kind: &str, name: &str) -> String {
        let object = self.json(&["get", kind, name, "-n", &self.namespace]);
        object["metadata"]["uid"].as_str().unwrap().to_owned()
    }

    fn helm(&self, args: &[&str]) -> Output {
        StdCommand::new(self.fact("HELM"))
            .env("KUBECONFIG", self.fact("KUBECONFIG"))
            .env("HOME", self.dir.path())
            .args(args)
            .args(["--kube-context", self.fact("KUBE_CONTEXT")])
            .output()
            .unwrap()
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
        b64.decode(secret["data"]["kafka.truststore.jks"].as_str().unwrap())
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

/// The old platform's objects, as its deploy scripts left them (issue 9; the architecture notes
/// of the platform it replaces): a FlinkDeployment `flink-session-cluster` (3 slots, network
/// fraction 0.15, failure-rate restarts, TaskManagers tolerating `instance_type=spot`, storage at
/// `gs://bucket/{flink-checkpoints,savepoints,ha,archived-jobs}`), the `aiven-credentials` Secret
/// with the old keys, the `flink` ServiceAccount, a gateway Deployment with another selector and
/// its Service on port 80, and pods that break Pod Security "restricted". The rig runs no
/// controllers, so the pods and their owner chain (pod → ReplicaSet → Deployment, pod →
/// Deployment → FlinkDeployment) are written as the controllers would have left them.
fn load_old_platform(rig: &Rig) {
    let ns = &rig.namespace;
    rig.apply_text(&format!(
        r#"apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels:
    team: data-platform
    istio-injection: disabled
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: flink
  namespace: {ns}
  annotations:
    iam.gke.io/gcp-service-account: flink-gcs@sbx-stag.iam.gserviceaccount.com
---
apiVersion: v1
kind: Secret
metadata:
  name: aiven-credentials
  namespace: {ns}
type: Opaque
stringData:
  username: avnadmin
  password: old-platform-pass
  truststore-password: old-platform-trust
  kafka.truststore.jks: not-really-a-jks
---
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: flink-session-cluster
  namespace: {ns}
spec:
  image: asia-docker.pkg.dev/sbx-ci-cd/public/flink:2.0.0-scala_2.12-java21
  flinkVersion: v2_0
  serviceAccount: flink
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "3"
    taskmanager.memory.network.fraction: "0.15"
    restart-strategy.type: failure-rate
    restart-strategy.failure-rate.max-failures-per-interval: "10"
    restart-strategy.failure-rate.failure-rate-interval: 10 min
    restart-strategy.failure-rate.delay: 30 s
    state.backend.type: rocksdb
    execution.checkpointing.dir: gs://bucket/flink-checkpoints
    execution.checkpointing.savepoint-dir: gs://bucket/savepoints
    high-availability.type: kubernetes
    high-availability.storageDir: gs://bucket/ha
    jobmanager.archive.fs.dir: gs://bucket/archived-jobs
  jobManager:
    resource: {{cpu: 1, memory: 2048m}}
  taskManager:
    resource: {{cpu: 2, memory: 8192m}}
    podTemplate:
      spec:
        tolerations:
          - {{key: instance_type, operator: Equal, value: spot, effect: NoSchedule}}
        containers:
          - name: flink-main-container
            volumeMounts:
              - {{name: kafka, mountPath: /etc/kafka/secrets}}
        volumes:
          - name: kafka
            secret: {{secretName: aiven-credentials}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: flink-sql-gateway
  namespace: {ns}
spec:
  selector:
    matchLabels: {{app: flink-sql-gateway}}
  template:
    metadata:
      labels: {{app: flink-sql-gateway}}
    spec:
      serviceAccountName: flink
      containers:
        - name: gateway
          image: asia-docker.pkg.dev/sbx-ci-cd/public/flink:2.0.0-scala_2.12-java21
          ports: [{{containerPort: 8083}}]
---
apiVersion: v1
kind: Service
metadata:
  name: flink-sql-gateway
  namespace: {ns}
spec:
  selector: {{app: flink-sql-gateway}}
  ports:
    - {{port: 80, targetPort: 8083}}
"#
    ));
    let fd = rig.uid("flinkdeployment", "flink-session-cluster");
    rig.apply_text(&format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: flink-session-cluster
  namespace: {ns}
  labels: {{app: flink-session-cluster, component: jobmanager, type: flink-native-kubernetes}}
  ownerReferences:
    - {{apiVersion: flink.apache.org/v1beta1, kind: FlinkDeployment, name: flink-session-cluster, uid: {fd}, controller: true}}
spec:
  selector:
    matchLabels: {{app: flink-session-cluster, component: jobmanager}}
  template:
    metadata:
      labels: {{app: flink-session-cluster, component: jobmanager}}
    spec:
      serviceAccountName: flink
      containers:
        - {{name: flink-main-container, image: flink:2.0.0}}
"#
    ));
    let gateway = rig.uid("deployment", "flink-sql-gateway");
    rig.apply_text(&format!(
        r#"apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: flink-sql-gateway-5f7d9c
  namespace: {ns}
  labels: {{app: flink-sql-gateway}}
  ownerReferences:
    - {{apiVersion: apps/v1, kind: Deployment, name: flink-sql-gateway, uid: {gateway}, controller: true}}
spec:
  selector:
    matchLabels: {{app: flink-sql-gateway}}
  template:
    metadata:
      labels: {{app: flink-sql-gateway}}
    spec:
      serviceAccountName: flink
      containers:
        - {{name: gateway, image: flink:2.0.0}}
"#
    ));
    let jm = rig.uid("deployment", "flink-session-cluster");
    let rs = rig.uid("replicaset", "flink-sql-gateway-5f7d9c");
    rig.apply_text(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: flink-session-cluster-7b8c-jm01
  namespace: {ns}
  labels: {{app: flink-session-cluster, component: jobmanager}}
  ownerReferences:
    - {{apiVersion: apps/v1, kind: Deployment, name: flink-session-cluster, uid: {jm}, controller: true}}
spec:
  serviceAccountName: flink
  automountServiceAccountToken: false
  containers:
    - {{name: flink-main-container, image: flink:2.0.0}}
---
apiVersion: v1
kind: Pod
metadata:
  name: flink-sql-gateway-5f7d9c-x2k4q
  namespace: {ns}
  labels: {{app: flink-sql-gateway}}
  ownerReferences:
    - {{apiVersion: apps/v1, kind: ReplicaSet, name: flink-sql-gateway-5f7d9c, uid: {rs}, controller: true}}
spec:
  serviceAccountName: flink
  automountServiceAccountToken: false
  containers:
    - {{name: gateway, image: flink:2.0.0}}
"#
    ));
}

#[test]
fn the_old_platform_cuts_over_through_migrate_and_up_and_down_never_deletes_its_namespace() {
    // What the rig cannot show: the real operator reconciling either FlinkDeployment, Flink pods
    // running with the mounted truststore, jobs stopped with savepoints and resumed (no Flink in
    // the rig; README "Moving from the old platform" has those steps), the garbage collector
    // (migrate deletes the offending pods itself), NetworkPolicy enforcement (no CNI), and the
    // real operator chart (a stand-in with the real CRDs).
    let rig = Rig::with_profile("old", "tests/fixtures/deploy/old-platform.env");
    let crds = rig.chart().join("crds");
    rig.kubectl_ok(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        crds.to_str().unwrap(),
    ]);
    load_old_platform(&rig);
    // The old operator: a cluster-wide release (the chart's default scope).
    let installed = rig.helm(&[
        "install",
        "flink-kubernetes-operator",
        rig.chart().to_str().unwrap(),
        "-n",
        &rig.operator_ns,
        "--create-namespace",
        "--skip-crds",
        "--set",
        "webhook.create=false",
    ]);
    assert!(installed.status.success(), "{}", text(&installed.stderr));

    // 1. Straight into the old namespace, `up` stops where the old pods break Pod Security.
    let up = rig.deploy(&["up", "--no-wait"]);
    let stdout = text(&up.stdout);
    assert_eq!(up.status.code(), Some(1), "{stdout}{}", text(&up.stderr));
    assert!(
        stdout.contains("[ 5/11] namespace                  FAILED"),
        "{stdout}"
    );
    // The operator step before it kept the old release cluster-wide, with its own values.
    assert!(
        stdout.contains("watching all namespaces, existing release's values kept"),
        "{stdout}"
    );
    assert!(
        text(&up.stderr).contains("violate the new PodSecurity enforce level"),
        "{}",
        text(&up.stderr)
    );
    assert!(rig.exists("flinkdeployment", "flink-session-cluster"));

    // 2. `down --dry-run` never plans deleting a namespace flink-sql did not create.
    let down = rig.deploy(&["down", "--dry-run"]);
    let stdout = text(&down.stdout);
    assert!(down.status.success(), "{stdout}{}", text(&down.stderr));
    assert!(
        stdout.contains(&format!(
            "kept namespace {} (flink-sql did not create it)",
            rig.namespace
        )),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&format!("namespace/{}", rig.namespace)),
        "{stdout}"
    );

    // 3. `migrate --dry-run` shows exactly what stands in the way, and removes nothing.
    let expected = [
        "flinkdeployment.flink.apache.org/flink-session-cluster",
        "serviceaccount/flink",
        "deployment/flink-sql-gateway",
        "service/flink-sql-gateway",
        "pod/flink-session-cluster-7b8c-jm01",
        "pod/flink-sql-gateway-5f7d9c-x2k4q",
    ];
    let dry = rig.deploy(&["migrate", "--dry-run"]);
    let stdout = text(&dry.stdout);
    assert!(dry.status.success(), "{stdout}{}", text(&dry.stderr));
    assert!(
        stdout.contains(&format!(
            "{} object(s) in namespace {} stand in the way of up",
            expected.len(),
            rig.namespace
        )),
        "{stdout}"
    );
    for object in expected {
        assert!(
            stdout.contains(&format!("    {object} ")),
            "{object}: {stdout}"
        );
    }
    assert!(!stdout.contains("aiven-credentials"), "{stdout}");
    assert!(rig.exists("flinkdeployment", "flink-session-cluster"));
    assert!(rig.exists("pod", "flink-sql-gateway-5f7d9c-x2k4q"));

    // 4. `migrate --yes` removes that list and nothing else.
    let migrate = rig.deploy(&["migrate", "--yes"]);
    let stdout = text(&migrate.stdout);
    assert!(
        migrate.status.success(),
        "{stdout}{}",
        text(&migrate.stderr)
    );
    assert!(
        stdout.contains(&format!("migrate: removed {} object(s)", expected.len())),
        "{stdout}"
    );
    for (kind, name) in [
        ("flinkdeployment", "flink-session-cluster"),
        ("deployment", "flink-sql-gateway"),
        ("service", "flink-sql-gateway"),
        ("pod", "flink-sql-gateway-5f7d9c-x2k4q"),
        ("pod", "flink-session-cluster-7b8c-jm01"),
    ] {
        assert!(!rig.exists(kind, name), "{kind}/{name} is still there");
    }
    assert!(rig.exists("secret", "aiven-credentials"));

    // 5. `up` installs the platform into the adopted namespace.
    let child = rig
        .flink_sql(&["up"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    rig.become_ready();
    let up = child.wait_with_output().unwrap();
    let stdout = text(&up.stdout);
    let stderr = text(&up.stderr);
    assert!(up.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("adopted: its own labels stay"), "{stdout}");
    assert!(
        stderr.contains("GCP_PROJECT is the old platform's key: read as GCP_PROJECT_ID"),
        "{stderr}"
    );
    assert!(
        stdout.contains(&format!(
            "SQL_GATEWAY_URL=http://flink-sql-gateway.{}.svc:8083 (port 80 answers too)",
            rig.namespace
        )),
        "{stdout}"
    );

    // The namespace kept its own labels and got Pod Security, but no managed-by mark.
    let ns = rig.json(&["get", "namespace", &rig.namespace]);
    let labels = &ns["metadata"]["labels"];
    assert_eq!(labels["team"], "data-platform", "{labels}");
    assert_eq!(labels["istio-injection"], "disabled", "{labels}");
    assert_eq!(labels["pod-security.kubernetes.io/enforce"], "restricted");
    assert!(
        labels.get("app.kubernetes.io/managed-by").is_none(),
        "{labels}"
    );

    // The cluster-wide operator release stayed cluster-wide.
    let cm = rig.json(&[
        "get",
        "configmap",
        "flink-operator-config",
        "-n",
        &rig.operator_ns,
    ]);
    assert_eq!(cm["data"]["watchNamespaces"], "", "{cm}");

    // The Secret has the old keys, and the truststore is where the users' SQL expects it.
    let secret = rig.json(&["get", "secret", "kafka-credentials", "-n", &rig.namespace]);
    let mut keys: Vec<&str> = secret["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "kafka.truststore.jks",
            "password",
            "truststore-password",
            "username"
        ]
    );
    let fd = rig.json(&[
        "get",
        "flinkdeployment",
        "flink-session",
        "-n",
        &rig.namespace,
    ]);
    for role in ["jobManager", "taskManager"] {
        let pod = &fd["spec"][role]["podTemplate"]["spec"];
        let mounts = pod["containers"][0]["volumeMounts"].as_array().unwrap();
        let mount = mounts
            .iter()
            .find(|m| m["name"] == "kafka-truststore")
            .unwrap();
        assert_eq!(mount["mountPath"], "/etc/kafka/secrets", "{role}");
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "kafka-truststore")
            .unwrap();
        assert_eq!(
            volume["secret"]["items"][0],
            serde_json::json!({"key": "kafka.truststore.jks", "path": "kafka.truststore.jks"}),
            "{role}"
        );
    }
    let gateway = rig.json(&[
        "get",
        "deployment",
        "flink-sql-gateway",
        "-n",
        &rig.namespace,
    ]);
    let mounts = &gateway["spec"]["template"]["spec"]["containers"][0]["volumeMounts"];
    assert!(
        mounts
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/etc/kafka/secrets"),
        "{mounts}"
    );

    // The old platform's settings, through the profile.
    let conf = &fd["spec"]["flinkConfiguration"];
    assert_eq!(conf["taskmanager.numberOfTaskSlots"], "3");
    assert_eq!(conf["taskmanager.memory.network.fraction"], "0.15");
    assert_eq!(conf["restart-strategy.type"], "failure-rate");
    assert_eq!(conf["jobstore.expiration-time"], "86400");
    assert_eq!(
        conf["execution.checkpointing.dir"],
        "gs://bucket/flink-checkpoints"
    );
    assert_eq!(
        conf["execution.checkpointing.savepoint-dir"],
        "gs://bucket/savepoints"
    );
    assert_eq!(conf["high-availability.storageDir"], "gs://bucket/ha");
    assert_eq!(
        conf["jobmanager.archive.fs.dir"],
        "gs://bucket/archived-jobs"
    );
    assert_eq!(
        fd["spec"]["taskManager"]["podTemplate"]["spec"]["tolerations"][0],
        serde_json::json!({"key": "instance_type", "operator": "Equal", "value": "spot", "effect": "NoSchedule"})
    );
    // The old gateway address (port 80) answers alongside 8083.
    let service = rig.json(&["get", "service", "flink-sql-gateway", "-n", &rig.namespace]);
    let ports: Vec<i64> = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_i64().unwrap())
        .collect();
    assert_eq!(ports, [8083, 80]);
    // Kafka egress on exactly the profile's Aiven ports.
    let egress = rig.json(&[
        "get",
        "networkpolicy",
        "flink-external-egress",
        "-n",
        &rig.namespace,
    ]);
    assert_eq!(
        egress["spec"]["egress"][0]["ports"],
        serde_json::json!([{"port": 24949, "protocol": "TCP"}, {"port": 24952, "protocol": "TCP"}])
    );

    // 6. Even if an earlier flink-sql had marked the adopted namespace as its own, `down` keeps
    // it while it holds objects flink-sql did not create (the issue's data-loss case).
    rig.kubectl_ok(&[
        "label",
        "namespace",
        &rig.namespace,
        "app.kubernetes.io/managed-by=flink-sql",
    ]);
    let down = rig.deploy(&["down", "--dry-run"]);
    let stdout = text(&down.stdout);
    assert!(down.status.success(), "{stdout}{}", text(&down.stderr));
    assert!(
        stdout.contains("it holds objects flink-sql did not create: ")
            && stdout.contains("secret/aiven-credentials"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(&format!("namespace/{}", rig.namespace)),
        "{stdout}"
    );
    let down = rig.deploy(&["down"]);
    assert!(down.status.success(), "{}", text(&down.stderr));
    let ns = rig.json(&["get", "namespace", &rig.namespace]);
    assert!(ns["metadata"]["deletionTimestamp"].is_null(), "{ns}");
    assert!(rig.exists("secret", "aiven-credentials"));
    assert!(!rig.exists("flinkdeployment", "flink-session"));
}

impl Rig {
    /// Appends KEY=VALUE lines to the profile.
    fn profile_add(&self, lines: &str) {
        let mut text = std::fs::read_to_string(self.profile()).unwrap();
        text.push_str(lines);
        std::fs::write(self.profile(), text).unwrap();
    }

    /// A kubeconfig whose context acts as `user` (impersonation by the rig's admin), with the
    /// context named as the profile names it.
    fn kubeconfig_as(&self, user: &str) -> PathBuf {
        let raw = self.kubectl_ok(&["config", "view", "--raw", "--minify", "-o", "json"]);
        let mut config: serde_json::Value = serde_json::from_str(&raw).unwrap();
        config["users"][0]["user"]["as"] = serde_json::json!(user);
        let path = self.dir.path().join(format!("kubeconfig-{user}"));
        std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
        path
    }

    fn apply_cluster(&self, yaml: &str) {
        self.apply_text(yaml);
    }
}

/// Cluster-scoped or kube-system objects a test made, deleted when it ends.
struct Cleanup<'r> {
    rig: &'r Rig,
    objects: Vec<Vec<String>>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for args in &self.objects {
            let mut all: Vec<&str> = vec!["delete", "--ignore-not-found"];
            all.extend(args.iter().map(String::as_str));
            let _ = self.rig.kubectl(&all);
        }
    }
}

#[test]
fn check_reports_each_preflight_and_finds_a_missing_rbac_verb_with_can_i() {
    let rig = Rig::new("check");
    let suffix = std::process::id();
    let class = format!("rig-ssd-{suffix}");
    let user = format!("deployer-{suffix}");
    rig.profile_add(&format!(
        "ROCKSDB_VOLUME=pvc\nROCKSDB_STORAGE_CLASS={class}\nTM_REPLICAS=2\nQUOTA_CPU=10\n"
    ));
    let mut cleanup = Cleanup {
        rig: &rig,
        objects: Vec::new(),
    };

    // As the rig's admin, before the cluster is ready: no Workload Identity, no storage class.
    let out = rig.deploy(&["check"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("ok    rbac (can-i)       all 66 permissions `up` needs are granted"),
        "{stdout}"
    );
    assert!(stdout.contains("FAIL  workload identity  no daemonset gke-metadata-server"));
    assert!(stdout.contains(&format!(
        "bind roles/iam.workloadIdentityUser on the Google service account to sbx-stag.svc.id.goog[{}/flink]",
        rig.namespace
    )));
    assert!(stdout.contains(&format!(
        "FAIL  rocksdb storage    no storage class {class} for the TaskManagers' RocksDB volumes"
    )));
    assert!(stdout.contains("warn  network policies   API served, but no known enforcer"));
    // 2 TMs of 2 CPU + JM 1 + gateway 1 = 6 of 10 CPU: room for 2 more.
    assert!(
        stdout.contains("ok    quota headroom     the platform with 2 TaskManagers needs 6 CPU, 20Gi, 4 pods; room for 2 more TaskManager(s)"),
        "{stdout}"
    );
    assert!(stdout.ends_with("check: 2 check(s) failed in context flink-sql-rig\n"));

    // What GKE runs when Workload Identity is on, and the storage class: then all pass.
    cleanup.objects.push(vec![
        "daemonset".into(),
        "gke-metadata-server".into(),
        "-n".into(),
        "kube-system".into(),
    ]);
    cleanup
        .objects
        .push(vec!["storageclass".into(), class.clone()]);
    rig.apply_cluster(
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: gke-metadata-server, namespace: kube-system}\n\
         spec:\n  selector: {matchLabels: {k8s-app: gke-metadata-server}}\n  template:\n    metadata: {labels: {k8s-app: gke-metadata-server}}\n\
         \x20   spec: {containers: [{name: m, image: gke-metadata-server:rig}]}\n",
    );
    rig.apply_cluster(&format!(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {class}}}\nprovisioner: pd.csi.storage.gke.io\nvolumeBindingMode: WaitForFirstConsumer\n"
    ));
    let out = rig.deploy(&["check"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("ok    workload identity  daemonset gke-metadata-server present; `up` creates ServiceAccount flink bound to flink-gcs@sbx-stag.iam.gserviceaccount.com"), "{stdout}");
    assert!(stdout.contains(&format!(
        "ok    rocksdb storage    storage class {class} (provisioner pd.csi.storage.gke.io, binding WaitForFirstConsumer)"
    )));

    // A deployer who may read network policies but not create or patch them: can-i finds it.
    cleanup
        .objects
        .push(vec!["clusterrolebinding".into(), user.clone()]);
    cleanup
        .objects
        .push(vec!["clusterrole".into(), user.clone()]);
    rig.apply_cluster(&format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: {user}}}\nrules:\n\
         - apiGroups: ['', apps, rbac.authorization.k8s.io, apiextensions.k8s.io, flink.apache.org, storage.k8s.io]\n  resources: ['*']\n  verbs: ['*']\n\
         - apiGroups: [networking.k8s.io]\n  resources: [networkpolicies]\n  verbs: [get, list, watch]\n\
         ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: {user}}}\n\
         roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {user}}}\n\
         subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}]\n"
    ));
    let kubeconfig = rig.kubeconfig_as(&user);
    let out = rig
        .flink_sql(&["check"])
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let ns = &rig.namespace;
    assert!(
        stdout.contains(&format!(
            "FAIL  rbac (can-i)       2 of 66 permissions `up` needs are missing: create networkpolicies.networking.k8s.io in {ns}, patch networkpolicies.networking.k8s.io in {ns}\n      hint: ask a cluster admin to grant them"
        )),
        "{stdout}"
    );
    assert!(stdout.ends_with("check: 1 check(s) failed in context flink-sql-rig\n"));
}

#[test]
fn scale_refuses_over_quota_patches_within_it_and_waits_for_the_operators_report() {
    let rig = Rig::new("scale");
    // JobManager 1 CPU + gateway 1 CPU + 2 CPU per TaskManager: 12 CPU hold 5 TaskManagers.
    rig.profile_add("QUOTA_CPU=12\n");
    let up = rig.deploy(&["up", "--no-wait"]);
    assert!(
        up.status.success(),
        "{}{}",
        text(&up.stdout),
        text(&up.stderr)
    );
    let replicas = || {
        rig.json(&[
            "get",
            "flinkdeployment",
            "flink-session",
            "-n",
            &rig.namespace,
        ])["spec"]["taskManager"]["replicas"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(replicas(), 2);

    let over = rig.deploy(&["scale", "--taskmanagers", "6"]);
    assert_eq!(over.status.code(), Some(2), "{}", text(&over.stdout));
    let stderr = text(&over.stderr);
    assert!(
        stderr.contains("error: 6 TaskManagers (2 CPU, 8Gi each) do not fit: the platform would need 14 CPU, 52Gi, 8 pods, ResourceQuota flink-sql-platform leaves 12 CPU, 160Gi, 50 pods"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: nothing was changed"));
    assert_eq!(replicas(), 2);

    let dry = rig.deploy(&["scale", "--taskmanagers", "5", "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains("would change: spec.taskManager.replicas 2 -> 5"));
    assert_eq!(replicas(), 2);

    // No operator runs on the rig: the patch lands, the wait reports the timeout and why.
    let within = rig.deploy(&["scale", "--taskmanagers", "5", "--timeout", "3s"]);
    let stdout = text(&within.stdout);
    let stderr = text(&within.stderr);
    assert_eq!(within.status.code(), Some(4), "{stdout}{stderr}");
    assert!(
        stdout.contains("changed: spec.taskManager.replicas 2 -> 5"),
        "{stdout}"
    );
    assert!(stdout.contains("wait: taskmanagers"));
    assert!(
        stderr.contains("FlinkDeployment flink-session is not ready before the timeout: the operator reports none TaskManager(s) of 5"),
        "{stderr}"
    );
    assert!(stderr.contains(
        "without a running operator watching the namespace, nothing reconciles the patch"
    ));
    assert_eq!(replicas(), 5);

    // The operator's report (played here) ends the wait; the same size again changes nothing.
    rig.kubectl_ok(&[
        "patch", "flinkdeployment", "flink-session", "-n", &rig.namespace,
        "--subresource=status", "--type=merge", "-p",
        r#"{"status":{"jobManagerDeploymentStatus":"READY","lifecycleState":"STABLE","taskManager":{"replicas":5}}}"#,
    ]);
    let again = rig.deploy(&["scale", "--taskmanagers", "5", "--timeout", "10s"]);
    let stdout = text(&again.stdout);
    assert!(again.status.success(), "{stdout}{}", text(&again.stderr));
    assert!(stdout.contains("patch"), "{stdout}");
    assert!(stdout.contains("unchanged"));
    assert!(stdout.contains("the operator reports 5 TaskManager(s)"));

    // `up` and `scale` share a field manager: the next `up` applies the profile's count, no conflict.
    let up = rig.deploy(&["up", "--no-wait"]);
    assert!(
        up.status.success(),
        "{}{}",
        text(&up.stdout),
        text(&up.stderr)
    );
    assert_eq!(replicas(), 2);
}

/// On the rig `smoke` goes as far as an API server without a kubelet lets it: the Service is
/// found, the real `kubectl port-forward` gives up (no pod behind the Service) and says so, the
/// SQL checks are not run, and no JobManager pod runs to list jars from. The statement, the Kafka
/// check and the jar listing need pods (`live_deploy_smoke.rs` runs them against the real stack).
#[test]
fn smoke_finds_the_gateway_service_and_says_the_port_forward_needs_a_running_pod() {
    let rig = Rig::new("smoke");
    let up = rig.deploy(&["up", "--no-wait"]);
    assert!(
        up.status.success(),
        "{}{}",
        text(&up.stdout),
        text(&up.stderr)
    );
    let out = rig.deploy(&["smoke"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    for expected in [
        "ok    kube context       flink-sql-rig",
        "FAIL  gateway            kubectl port-forward service/flink-sql-gateway failed: error: timed out waiting for the condition",
        "skip  statement          not run: the gateway was not reached",
        "skip  kafka              not run: the gateway was not reached",
        &format!("FAIL  jars               no running JobManager pod (app=flink-session,component=jobmanager) in {}", rig.namespace),
        "smoke: 2 check(s) failed in context flink-sql-rig",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
    let left = StdCommand::new("pgrep")
        .args(["-f", &format!("port-forward -n {} ", rig.namespace)])
        .output()
        .unwrap();
    assert!(
        text(&left.stdout).trim().is_empty(),
        "a port-forward was left running"
    );
}
