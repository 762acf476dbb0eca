//! `deploy up` and `down` against recording stand-ins for kubectl and helm (a fake on PATH that
//! logs argv and stdin): the order of steps, the flags, no secret in argv, a failure at any step
//! stops the run with a hint, and the context guard. The real tools against a real API server
//! are exercised in deploy_rig.rs.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

const GCP_CONTEXT: &str = "gke_sbx-stag_asia-southeast1_flink";
const SECRETS: [&str; 2] = ["golden-Kafka-pass-123", "golden-Trust-pass-456"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One recorded call.
#[derive(Debug)]
struct Call {
    tool: String,
    args: Vec<String>,
    stdin: String,
}

impl Call {
    /// The command without the context flags, e.g. "kubectl apply".
    fn verb(&self) -> String {
        let mut words = vec![self.tool.clone()];
        let mut skip = false;
        for a in &self.args {
            if skip {
                skip = false;
            } else if a == "--context" || a == "--kube-context" {
                skip = true;
            } else {
                words.push(a.clone());
                break;
            }
        }
        words.join(" ")
    }

    fn has(&self, arg: &str) -> bool {
        self.args.iter().any(|a| a == arg)
    }
}

struct Fake {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Fake {
    fn new() -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let tool = repo().join("tests/fixtures/fakebin/fake-tool");
        for name in ["kubectl", "helm"] {
            std::os::unix::fs::symlink(&tool, bin.join(name)).unwrap();
        }
        let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display());
        let log = dir.path().join("calls.log");
        let env = vec![
            ("PATH".to_owned(), path),
            ("HOME".to_owned(), dir.path().display().to_string()),
            ("FAKE_LOG".to_owned(), log.display().to_string()),
            ("FAKE_CONTEXTS".to_owned(), format!("{GCP_CONTEXT} other")),
        ];
        Fake { dir, env }
    }

    /// A fake whose PATH holds only the given container tools (recording stand-ins) and the few
    /// programs the stand-in needs, so a container tool installed on the host is not found.
    fn with_engines(engines: &[&str]) -> Fake {
        let mut fake = Fake::new();
        let bin = fake.dir.path().join("bin");
        let tool = repo().join("tests/fixtures/fakebin/fake-tool");
        for name in engines {
            std::os::unix::fs::symlink(&tool, bin.join(name)).unwrap();
        }
        for prog in ["bash", "cat", "basename"] {
            let real = ["/usr/bin", "/bin"]
                .iter()
                .map(|d| Path::new(d).join(prog))
                .find(|p| p.exists())
                .unwrap_or_else(|| panic!("{prog} not found in /usr/bin or /bin"));
            std::os::unix::fs::symlink(real, bin.join(prog)).unwrap();
        }
        fake.env[0].1 = bin.display().to_string();
        fake
    }

    fn set(mut self, key: &str, value: &str) -> Fake {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    fn run(&self, args: &[&str]) -> Output {
        let profile = repo().join("tests/fixtures/deploy/gcp.env");
        let mut cmd = Command::cargo_bin("flink-sql").unwrap();
        cmd.env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path())
            .arg("deploy")
            .args(args);
        if !args.contains(&"--env-file") {
            cmd.arg("--env-file").arg(profile);
        }
        cmd.output().unwrap()
    }

    fn calls(&self) -> Vec<Call> {
        let log = std::fs::read_to_string(self.dir.path().join("calls.log")).unwrap_or_default();
        parse_log(&log)
    }
}

fn parse_log(log: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    for record in log.split("=== ").filter(|r| !r.is_empty()) {
        let (tool, rest) = record.split_once('\n').unwrap();
        let (head, stdin) = rest.split_once("--- stdin\n").unwrap();
        let args = head
            .lines()
            .filter_map(|l| l.strip_prefix("arg: "))
            .map(str::to_owned)
            .collect();
        let stdin = stdin
            .strip_suffix("\n--- end\n")
            .unwrap_or(stdin)
            .to_owned();
        calls.push(Call {
            tool: tool.to_owned(),
            args,
            stdin,
        });
    }
    calls
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_secret(haystack: &str, what: &str) {
    use base64::Engine;
    for s in SECRETS {
        let b64 = base64::engine::general_purpose::STANDARD.encode(s);
        assert!(!haystack.contains(s), "{what} holds a secret: {haystack}");
        assert!(
            !haystack.contains(&b64),
            "{what} holds a base64 secret: {haystack}"
        );
    }
}

#[test]
fn up_runs_every_step_in_order_with_the_context_and_safe_flags() {
    let fake = Fake::new();
    let out = fake.run(&["up"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        text(&out.stderr)
    );
    let calls = fake.calls();
    let verbs: Vec<String> = calls.iter().map(Call::verb).collect();
    let expected_prefix = [
        "kubectl version",
        "helm version",
        "kubectl config",
        "kubectl version",
        "helm show",
        "kubectl diff",
        "kubectl apply",
        "kubectl get",
        "helm list",
        "helm show",
        "helm upgrade",
    ];
    assert_eq!(
        &verbs[..expected_prefix.len()],
        &expected_prefix,
        "{verbs:#?}"
    );
    // Then each of the seven manifests: diff, apply; then the two waits.
    let rest = &calls[expected_prefix.len()..];
    let kinds: Vec<String> = rest
        .iter()
        .filter(|c| c.verb() == "kubectl apply")
        .map(|c| {
            c.stdin
                .lines()
                .find(|l| l.starts_with("kind: "))
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "kind: Namespace",
            "kind: ServiceAccount",
            "kind: ResourceQuota",
            "kind: NetworkPolicy",
            "kind: Secret",
            "kind: FlinkDeployment",
            "kind: Deployment"
        ]
    );
    let gets: Vec<&str> = rest
        .iter()
        .filter(|c| c.verb() == "kubectl get")
        .map(|c| c.args[c.args.iter().position(|a| a == "get").unwrap() + 1].as_str())
        .collect();
    assert_eq!(gets, ["namespace", "flinkdeployment", "deployment"]);

    for call in &calls {
        // Every call after choosing the context names it; no call ever carries a secret in argv.
        let joined = call.args.join(" ");
        assert_no_secret(&joined, "argv");
        let is_setup = matches!(call.verb().as_str(), "kubectl config")
            || (call.verb() == "kubectl version" && call.has("--client"))
            || call.verb() == "helm version";
        if !is_setup {
            let flag = if call.tool == "kubectl" {
                "--context"
            } else {
                "--kube-context"
            };
            assert!(
                joined.contains(&format!("{flag} {GCP_CONTEXT}")),
                "{} without {flag}: {joined}",
                call.tool
            );
        }
        if call.verb() == "kubectl apply" || call.verb() == "kubectl diff" {
            for flag in [
                "--server-side",
                "--field-manager=flink-sql",
                "--warnings-as-errors",
            ] {
                assert!(call.has(flag), "{flag} missing: {joined}");
            }
            assert!(
                call.has("-f") && call.has("-"),
                "manifest not on stdin: {joined}"
            );
        }
    }
    let upgrade = calls.iter().find(|c| c.verb() == "helm upgrade").unwrap();
    for flag in ["--install", "--skip-crds", "--create-namespace", "--values"] {
        assert!(upgrade.has(flag), "helm upgrade without {flag}");
    }
    let values: serde_json::Value = serde_json::from_str(&upgrade.stdin).unwrap();
    assert_eq!(values["webhook"]["create"], false);
    assert_eq!(
        values["watchNamespaces"],
        serde_json::json!(["flink-studio"])
    );
    // The image is the one the chart's own values pin, not the chart version as a tag.
    assert!(values.get("image").is_none(), "{values}");
    assert!(
        stdout.contains("image ghcr.io/apache/flink-kubernetes-operator:8e60e9b"),
        "{stdout}"
    );
    // The secret travels on stdin, base64-encoded, and nowhere else.
    let secret = calls
        .iter()
        .find(|c| c.verb() == "kubectl apply" && c.stdin.contains("kind: Secret"))
        .unwrap();
    assert!(
        secret.stdin.contains("password: Z29sZGVu"),
        "{}",
        secret.stdin
    );
    // The old platform's keys, so the truststore file is kafka.truststore.jks where mounted.
    for key in [
        "username:",
        "password:",
        "truststore-password:",
        "kafka.truststore.jks:",
    ] {
        assert!(
            secret
                .stdin
                .lines()
                .any(|l| l.trim_start().starts_with(key)),
            "{key} missing"
        );
    }
    // The addresses profiles inside the cluster use, printed after up.
    assert!(
        stdout.contains(
            "SQL_GATEWAY_URL=http://flink-sql-gateway.flink-studio.svc:8083 (port 80 answers too)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("FLINK_REST_URL=http://flink-session-rest.flink-studio.svc:8081"),
        "{stdout}"
    );
    assert_no_secret(&stdout, "stdout");
    assert_no_secret(&text(&out.stderr), "stderr");
    assert!(stdout.contains("[13/13] wait: sql gateway"), "{stdout}");
    assert!(
        stdout.contains("up: 13 step(s) changed something") || stdout.contains("changed something"),
        "{stdout}"
    );
}

#[test]
fn a_second_up_with_nothing_different_changes_nothing() {
    let values = r#"{"webhook":{"create":false},"watchNamespaces":["flink-studio"],"jobServiceAccount":{"create":false},"rbac":{"jobRole":{"create":false},"jobRoleBinding":{"create":false}}}"#;
    let fake = Fake::new()
        .set("FAKE_DIFF_EXIT", "0")
        .set(
            "FAKE_RELEASE",
            r#"[{"name":"flink-kubernetes-operator","status":"deployed","chart":"flink-kubernetes-operator-1.12.1"}]"#,
        )
        .set("FAKE_VALUES", values);
    let out = fake.run(&["up"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("up: no changes in context {GCP_CONTEXT}")),
        "{stdout}"
    );
    let verbs: Vec<String> = fake.calls().iter().map(Call::verb).collect();
    assert!(
        !verbs
            .iter()
            .any(|v| v == "kubectl apply" || v == "helm upgrade"),
        "{verbs:?}"
    );
    assert_eq!(stdout.matches(" unchanged (").count(), 9, "{stdout}");
}

#[test]
fn a_failure_at_any_step_stops_the_run_with_the_tools_message() {
    // Each failure point, and the command that must then never run.
    let cases = [
        ("helm version", "kubectl config"),
        ("helm show crds", "kubectl diff"),
        ("helm upgrade", "kubectl apply"),
        (
            "kubectl --context gke_sbx-stag_asia-southeast1_flink apply",
            "helm upgrade",
        ),
        (
            "kubectl --context gke_sbx-stag_asia-southeast1_flink get flinkdeployment",
            "never",
        ),
    ];
    for (fail, _) in cases {
        let fake = Fake::new().set("FAKE_FAIL", fail);
        let out = fake.run(&["up"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{fail}: {stderr}");
        assert!(stderr.contains("simulated failure of"), "{fail}: {stderr}");
        assert!(stderr.starts_with("error: "), "{fail}: {stderr}");
        let calls = fake.calls();
        let last = calls.last().unwrap();
        let joined = format!("{} {}", last.tool, last.args.join(" "));
        assert!(
            joined.contains(fail),
            "{fail}: the run went on after the failure to {joined}"
        );
        assert!(text(&out.stdout).contains("FAILED"), "{fail}");
    }
    // helm show crds failing also says which profile keys to look at.
    let fake = Fake::new().set("FAKE_FAIL", "helm show crds");
    let stderr = text(&fake.run(&["up"]).stderr);
    assert!(stderr.contains("hint: check OPERATOR_CHART"), "{stderr}");
}

#[test]
fn a_server_warning_stops_up_before_anything_of_that_step_is_applied() {
    let fake = Fake::new().set("FAKE_DIFF_WARN", "kind: Deployment");
    let out = fake.run(&["up"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the API server warns: would violate PodSecurity"),
        "{stderr}"
    );
    let calls = fake.calls();
    let last = calls.last().unwrap();
    assert_eq!(last.verb(), "kubectl diff");
    assert!(last.stdin.contains("kind: Deployment"));
    assert!(!calls
        .iter()
        .any(|c| c.verb() == "kubectl apply" && c.stdin.contains("kind: Deployment")));
}

#[test]
fn the_context_guard_refuses_an_unnamed_unconfirmed_context() {
    let fake = Fake::new();
    let out = fake.run(&["up", "--var", "K8S_CONTEXT="]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("refusing to deploy in kube context 'fake-current'"),
        "{stderr}"
    );
    assert!(stderr.contains("--context fake-current"), "{stderr}");
    let verbs: Vec<String> = fake.calls().iter().map(Call::verb).collect();
    assert_eq!(
        verbs,
        ["kubectl version", "helm version", "kubectl config"],
        "only read-only calls may run"
    );

    // --yes confirms the current context; a named but unknown context is refused.
    let fake = Fake::new();
    let out = fake.run(&["up", "--var", "K8S_CONTEXT=", "--yes", "--no-wait"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(fake
        .calls()
        .iter()
        .any(|c| c.args.join(" ").contains("--context fake-current apply")));
    let fake = Fake::new();
    let out = fake.run(&["down", "--context", "prod-we-did-not-mean"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("'prod-we-did-not-mean' is not in your kubeconfig"));
    assert!(!fake.calls().iter().any(|c| c.verb() == "kubectl delete"));
}

#[test]
fn down_deletes_in_reverse_order_and_keeps_the_operator_unless_asked() {
    let fake = Fake::new();
    let out = fake.run(&["down"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let deleted: Vec<String> = fake
        .calls()
        .iter()
        .filter(|c| c.verb() == "kubectl delete")
        .map(|c| {
            c.args
                .iter()
                .filter(|a| a.contains('/'))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(deleted.len(), 7, "{deleted:#?}");
    assert!(deleted[0].starts_with("deployment/flink-sql-gateway service/flink-sql-gateway"));
    assert_eq!(deleted[1], "flinkdeployment/flink-session");
    assert_eq!(deleted[2], "secret/kafka-credentials");
    assert!(deleted[3].starts_with("networkpolicy/default-deny-all"));
    assert!(deleted[4].starts_with("resourcequota/"));
    assert!(deleted[5].starts_with("serviceaccount/flink"));
    assert_eq!(deleted[6], "namespace/flink-studio");
    assert!(!fake
        .calls()
        .iter()
        .any(|c| c.tool == "helm" && c.has("uninstall")));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("delete flink session       changed: flinkdeployment/flink-session"),
        "{stdout}"
    );

    // The FlinkDeployment is waited for (the operator's finalizer needs the RBAC), others not.
    let calls = fake.calls();
    let flink = calls
        .iter()
        .find(|c| c.has("flinkdeployment/flink-session"))
        .unwrap();
    assert!(!flink.has("--wait=false"));
    assert!(
        calls
            .iter()
            .filter(|c| c.verb() == "kubectl delete")
            .filter(|c| c.has("--wait=false"))
            .count()
            == 6
    );

    let fake = Fake::new().set("FAKE_NS_LABEL", "someone-else");
    let out = fake.run(&["down", "--operator"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("kept namespace flink-studio (flink-sql did not create it)"),
        "{stdout}"
    );
    let last = fake.calls().pop().unwrap();
    assert_eq!(last.verb(), "helm uninstall");
}

#[test]
fn dry_run_writes_nothing() {
    let fake = Fake::new();
    let out = fake.run(&["up", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let calls = fake.calls();
    for c in calls.iter().filter(|c| c.verb() == "kubectl apply") {
        assert!(c.has("--dry-run=server"), "{:?}", c.args);
    }
    let upgrade = calls.iter().find(|c| c.verb() == "helm upgrade").unwrap();
    assert!(upgrade.has("--dry-run=server"));
    assert!(!calls
        .iter()
        .any(|c| c.verb() == "kubectl get" && c.has("flinkdeployment")));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("dry run: nothing written"), "{stdout}");
    assert!(stdout.contains("[11/11] sql gateway"), "{stdout}");
}

#[test]
fn a_bad_profile_is_reported_with_file_and_line_and_no_tool_runs() {
    let fake = Fake::new();
    let original = std::fs::read_to_string(repo().join("tests/fixtures/deploy/gcp.env")).unwrap();
    let bad = fake.dir.path().join("bad.env");
    std::fs::write(&bad, original.replace("TM_REPLICAS=2", "TM_REPLICAS=two")).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/deploy/truststore.jks"),
        fake.dir.path().join("truststore.jks"),
    )
    .unwrap();
    let bad_arg = bad.display().to_string();
    let out = fake.run(&[
        "up",
        "--var",
        "FLINK_IMAGE=bad image",
        "--env-file",
        &bad_arg,
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.env:10: TM_REPLICAS: expected a whole number, got 'two'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--var FLINK_IMAGE: expected a container image"),
        "{stderr}"
    );
    assert!(fake.calls().is_empty(), "a tool ran despite a bad profile");

    let out = fake.run(&["up", "--var", "KAFKA_TRUSTSTORE_FILE=missing.jks"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("KAFKA_TRUSTSTORE_FILE: cannot read"),
        "{stderr}"
    );
    assert!(fake.calls().is_empty());
}

#[test]
fn a_missing_tool_is_a_clear_error() {
    let fake = Fake::new().set("PATH", "/nonexistent");
    let out = fake.run(&["up"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot run kubectl"), "{stderr}");
    assert!(stderr.contains("hint: install kubectl"), "{stderr}");
}

#[test]
fn render_matches_the_golden_files_and_keeps_secrets_off_stdout() {
    for cloud in ["gcp", "azure", "old-platform"] {
        let dir = tempfile::tempdir().unwrap();
        let profile = repo().join(format!("tests/fixtures/deploy/{cloud}.env"));
        let out = Command::cargo_bin("flink-sql")
            .unwrap()
            .env_clear()
            .args(["deploy", "render", "--include-secrets", "--out"])
            .arg(dir.path())
            .arg("--env-file")
            .arg(&profile)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_no_secret(&text(&out.stdout), "render stdout");
        let golden = repo().join("tests/golden/deploy").join(cloud);
        compare_dirs(&golden, dir.path());
        let mode = std::fs::metadata(dir.path().join("40-kafka-secret.yaml")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("flink-sql")
        .unwrap()
        .env_clear()
        .args(["deploy", "render", "--out"])
        .arg(dir.path())
        .arg("--env-file")
        .arg(repo().join("tests/fixtures/deploy/gcp.env"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!dir.path().join("40-kafka-secret.yaml").exists());
    assert!(text(&out.stdout).contains("add --include-secrets"));
}

fn compare_dirs(golden: &Path, rendered: &Path) {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut names: Vec<_> = std::fs::read_dir(rendered)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names.len(), 7);
    for name in names {
        let got = std::fs::read_to_string(rendered.join(&name)).unwrap();
        let path = golden.join(&name);
        if update {
            std::fs::create_dir_all(golden).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got == want,
            "{} differs from the render; run UPDATE_GOLDEN=1 cargo test --test deploy_sequence after checking the change",
            path.display()
        );
    }
}

#[test]
fn at_a_terminal_the_prompt_confirms_or_refuses_the_current_context() {
    use std::io::Write;
    use std::process::{Command as StdCommand, Stdio};
    for (answer, code) in [("n\n", 2), ("y\n", 0)] {
        let fake = Fake::new();
        // `script` gives the command a terminal; the answer is typed into it.
        let line = format!(
            "{} deploy up --no-wait --var K8S_CONTEXT= --env-file {}",
            assert_cmd::cargo::cargo_bin("flink-sql").display(),
            repo().join("tests/fixtures/deploy/gcp.env").display()
        );
        let mut child = StdCommand::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_clear()
            .envs(fake.env.iter().map(|(k, v)| (k, v)))
            .current_dir(fake.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script (util-linux) runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let shown = text(&out.stdout);
        assert!(
            shown.contains("deploy in kube context 'fake-current'? [y/N]"),
            "{shown}"
        );
        assert_eq!(out.status.code(), Some(code), "answer {answer:?}: {shown}");
        let applied = fake.calls().iter().any(|c| c.verb() == "kubectl apply");
        assert_eq!(applied, code == 0, "answer {answer:?}");
    }
}

/// The values `helm upgrade` got on stdin.
fn upgrade_values(fake: &Fake) -> serde_json::Value {
    let calls = fake.calls();
    let upgrade = calls
        .iter()
        .find(|c| c.verb() == "helm upgrade")
        .expect("helm upgrade ran");
    serde_json::from_str(&upgrade.stdin).unwrap()
}

#[test]
fn an_existing_operator_release_keeps_its_scope_and_its_values() {
    // A cluster-wide release (no watchNamespaces) from the old platform, with a value of its own
    // and the chart version as image tag (what earlier flink-sql set): it stays cluster-wide,
    // keeps its value, and loses only the image override.
    let release = r#"[{"name":"flink-kubernetes-operator","status":"deployed","chart":"flink-kubernetes-operator-1.10.0"}]"#;
    let old = r#"{"image":{"tag":"1.12.1"},"defaultConfiguration":{"append":true},"webhook":{"create":true}}"#;
    let fake = Fake::new()
        .set("FAKE_RELEASE", release)
        .set("FAKE_VALUES", old);
    let out = fake.run(&["up", "--no-wait"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let values = upgrade_values(&fake);
    assert!(values.get("watchNamespaces").is_none(), "{values}");
    assert_eq!(values["defaultConfiguration"]["append"], true);
    assert!(values.get("image").is_none(), "{values}");
    assert_eq!(values["webhook"]["create"], false);
    assert!(
        stdout.contains("watching all namespaces, existing release's values kept"),
        "{stdout}"
    );

    // A release that watches a list gains our namespace.
    let fake = Fake::new()
        .set("FAKE_RELEASE", release)
        .set("FAKE_VALUES", r#"{"watchNamespaces":["team-a"]}"#);
    assert!(fake.run(&["up", "--no-wait"]).status.success());
    assert_eq!(
        upgrade_values(&fake)["watchNamespaces"],
        serde_json::json!(["team-a", "flink-studio"])
    );

    // Told otherwise, it narrows (OPERATOR_WATCH=namespace) or widens (all).
    let fake = Fake::new()
        .set("FAKE_RELEASE", release)
        .set("FAKE_VALUES", old);
    let out = fake.run(&["up", "--no-wait", "--var", "OPERATOR_WATCH=namespace"]);
    assert!(out.status.success());
    assert_eq!(
        upgrade_values(&fake)["watchNamespaces"],
        serde_json::json!(["flink-studio"])
    );
    let fake = Fake::new();
    assert!(fake
        .run(&["up", "--no-wait", "--var", "OPERATOR_WATCH=all"])
        .status
        .success());
    assert!(upgrade_values(&fake).get("watchNamespaces").is_none());
}

/// The namespace manifest `up` applied.
fn namespace_applied(fake: &Fake) -> String {
    fake.calls()
        .iter()
        .find(|c| c.verb() == "kubectl apply" && c.stdin.contains("kind: Namespace"))
        .map(|c| c.stdin.clone())
        .expect("the namespace was applied")
}

#[test]
fn up_marks_only_a_namespace_it_creates_and_adopts_one_that_exists() {
    let fake = Fake::new().set("FAKE_NO_NS", "1");
    assert!(fake.run(&["up", "--no-wait"]).status.success());
    let created = namespace_applied(&fake);
    assert!(
        created.contains("app.kubernetes.io/managed-by: flink-sql"),
        "{created}"
    );

    // An existing namespace: only its Pod Security labels are set, with kubectl label (checked
    // by a server-side dry run first), never by applying our manifest over it.
    let fake = Fake::new().set("FAKE_NS_LABEL", "someone-else");
    let out = fake.run(&["up", "--no-wait"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let calls = fake.calls();
    assert!(!calls
        .iter()
        .any(|c| c.verb() == "kubectl apply" && c.stdin.contains("kind: Namespace")));
    let labels: Vec<&Call> = calls
        .iter()
        .filter(|c| c.verb() == "kubectl label")
        .collect();
    assert_eq!(labels.len(), 2, "{labels:?}");
    assert!(labels[0].has("--dry-run=server") && !labels[1].has("--dry-run=server"));
    let set: Vec<&String> = labels[1].args.iter().filter(|a| a.contains('=')).collect();
    assert_eq!(
        set,
        [
            "pod-security.kubernetes.io/enforce=restricted",
            "pod-security.kubernetes.io/enforce-version=latest",
            "pod-security.kubernetes.io/warn=restricted",
            "pod-security.kubernetes.io/audit=restricted",
        ]
    );
    assert!(
        stdout.contains("(adopted: its own labels stay; down keeps it)"),
        "{stdout}"
    );
}

#[test]
fn down_keeps_a_namespace_that_holds_objects_flink_sql_did_not_create() {
    let items = r#"{"kind":"List","items":[
        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"aiven-credentials"}},
        {"kind":"FlinkDeployment","apiVersion":"flink.apache.org/v1beta1","metadata":{"name":"flink-session-cluster"}},
        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"kafka-credentials","labels":{"app.kubernetes.io/managed-by":"flink-sql"}}},
        {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"kube-root-ca.crt"}}]}"#;
    for args in [&["down", "--dry-run"][..], &["down"][..]] {
        let fake = Fake::new().set("FAKE_ITEMS", items);
        let out = fake.run(args);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        assert!(
            stdout.contains("kept namespace flink-studio (it holds objects flink-sql did not create: secret/aiven-credentials, flinkdeployment.flink.apache.org/flink-session-cluster"),
            "{stdout}"
        );
        assert!(
            !fake
                .calls()
                .iter()
                .any(|c| c.verb() == "kubectl delete" && c.has("namespace/flink-studio")),
            "{args:?} deleted the namespace"
        );
    }
    // An empty namespace of ours goes (the default fake: ours, nothing foreign).
    let fake = Fake::new();
    assert!(fake.run(&["down"]).status.success());
    assert!(fake
        .calls()
        .iter()
        .any(|c| c.verb() == "kubectl delete" && c.has("namespace/flink-studio")));
}

#[test]
fn migrate_shows_the_list_before_acting_and_removes_exactly_it_once_confirmed() {
    let items = r#"{"kind":"List","items":[
        {"kind":"FlinkDeployment","apiVersion":"flink.apache.org/v1beta1","metadata":{"name":"flink-session-cluster"}},
        {"kind":"FlinkDeployment","apiVersion":"flink.apache.org/v1beta1","metadata":{"name":"flink-session","labels":{"app.kubernetes.io/managed-by":"flink-sql"}}}]}"#;
    let named = r#"{"kind":"List","items":[
        {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"flink-sql-gateway"}},
        {"kind":"Service","apiVersion":"v1","metadata":{"name":"flink-sql-gateway"}}]}"#;
    let fake = || {
        Fake::new()
            .set("FAKE_ITEMS", items)
            .set("FAKE_NAMED", named)
            .set("FAKE_PSA_WARN", "old-pod-1 (and 1 other pod)")
    };
    let expected = [
        "flinkdeployment.flink.apache.org/flink-session-cluster",
        "deployment/flink-sql-gateway",
        "service/flink-sql-gateway",
        "pod/old-pod-1",
    ];

    // Without --yes (and no terminal): the list is shown, nothing is removed, exit 2.
    let f = fake();
    let out = f.run(&["migrate"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("4 object(s) in namespace flink-studio stand in the way of up"),
        "{stdout}"
    );
    for object in expected {
        assert!(stdout.contains(object), "{object} not listed: {stdout}");
    }
    assert!(!stdout.contains("flinkdeployment.flink.apache.org/flink-session "));
    // The server named one of two offending pods; the other is counted, for a second run.
    assert!(
        stdout.contains("and 1 more pod(s) break Pod Security without the server naming them"),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains("were not confirmed"));
    assert!(!f.calls().iter().any(|c| c.verb() == "kubectl delete"));

    // --dry-run: the server checks the deletions; nothing goes.
    let f = fake();
    let out = f.run(&["migrate", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let deletes: Vec<Call> = f
        .calls()
        .into_iter()
        .filter(|c| c.verb() == "kubectl delete")
        .collect();
    assert!(!deletes.is_empty());
    assert!(deletes.iter().all(|c| c.has("--dry-run=server")));
    assert!(text(&out.stdout).contains("dry run, nothing removed"));

    // --yes: the old cluster first (waited for), then the rest; exactly the list.
    let f = fake();
    let out = f.run(&["migrate", "--yes"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let deletes: Vec<Call> = f
        .calls()
        .into_iter()
        .filter(|c| c.verb() == "kubectl delete")
        .collect();
    let objects =
        |c: &Call| -> Vec<String> { c.args.iter().filter(|a| a.contains('/')).cloned().collect() };
    assert_eq!(deletes.len(), 2);
    assert_eq!(objects(&deletes[0]), expected[..1]);
    assert!(!deletes[0].has("--wait=false"));
    assert_eq!(objects(&deletes[1]), expected[1..]);
    assert!(deletes.iter().all(|c| !c.has("--dry-run=server")));
    assert!(stdout.contains("migrate: removed 4 object(s); next: flink-sql deploy up"));
    let listed = stdout.find("pod/old-pod-1").unwrap();
    let removing = stdout.find("remove old objects").unwrap();
    assert!(listed < removing, "the list came after acting: {stdout}");
}

#[test]
fn egress_ports_come_from_the_profile_and_a_listed_port_override_renders_a_list() {
    let render = |vars: &[&str]| -> String {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::cargo_bin("flink-sql").unwrap();
        cmd.env_clear()
            .args(["deploy", "render", "--out"])
            .arg(dir.path())
            .arg("--env-file")
            .arg(repo().join("tests/fixtures/deploy/gcp.env"));
        for v in vars {
            cmd.args(["--var", v]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        std::fs::read_to_string(dir.path().join("30-network-policies.yaml")).unwrap()
    };
    // Aiven gives each service its own high port: Kafka and the registry differ.
    let aiven = render(&[
        "KAFKA_BOOTSTRAP_SERVERS=kafka-a.aivencloud.example:24949,kafka-b.aivencloud.example:24949",
        "SCHEMA_REGISTRY_URL=https://kafka-a.aivencloud.example:24952",
    ]);
    assert!(
        aiven.contains("ports: [{port: 24949, protocol: TCP}, {port: 24952, protocol: TCP}]"),
        "{aiven}"
    );
    let listed = render(&["KAFKA_EGRESS_PORTS=12345,12346"]);
    assert!(
        listed.contains("ports: [{port: 12345, protocol: TCP}, {port: 12346, protocol: TCP}]"),
        "{listed}"
    );
    // Never an open port list.
    for text in [&aiven, &listed] {
        assert!(!text
            .lines()
            .any(|l| l.trim_end() == "ports:" || l.trim_end() == "ports: null"));
    }
}

#[test]
fn the_profile_sets_the_truststore_path_spot_toleration_storage_prefix_and_flink_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("flink-sql")
        .unwrap()
        .env_clear()
        .args(["deploy", "render", "--out"])
        .arg(dir.path())
        .arg("--env-file")
        .arg(repo().join("tests/fixtures/deploy/gcp.env"))
        .args(["--var", "TRUSTSTORE_PATH=/var/run/kafka/ca.jks"])
        .args(["--var", "FLINK_STORAGE_PATH=/"])
        .args(["--var", "TM_SPOT=true"])
        .args(["--var", "TM_SPOT_TOLERATION=instance_type=spot:NoSchedule"])
        .args(["--var", "TM_SPOT_NODE_SELECTOR="])
        .args(["--var", "FLINK_CONFIGURATION=taskmanager.numberOfTaskSlots=3,taskmanager.memory.network.fraction=0.15"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let flink = std::fs::read_to_string(dir.path().join("50-flink-session.yaml")).unwrap();
    let gateway = std::fs::read_to_string(dir.path().join("60-sql-gateway.yaml")).unwrap();
    assert_eq!(
        flink.matches("mountPath: /var/run/kafka\n").count(),
        2,
        "{flink}"
    );
    assert_eq!(flink.matches(r#"path: "ca.jks"}"#).count(), 2, "{flink}");
    assert!(
        gateway.contains(r#"mountPath: "/var/run/kafka""#),
        "{gateway}"
    );
    assert!(
        flink.contains("execution.checkpointing.dir: gs://sbx-stag-flink-storage/checkpoints"),
        "{flink}"
    );
    assert!(!flink.contains("gs://sbx-stag-flink-storage//"), "{flink}");
    assert!(
        flink.contains("tolerations: [{key: instance_type, operator: Equal, value: \"spot\", effect: NoSchedule}]"),
        "{flink}"
    );
    assert!(!flink.contains("nodeSelector"), "{flink}");
    assert!(flink.contains("taskmanager.numberOfTaskSlots: \"3\"  # FLINK_CONFIGURATION"));
    assert!(!flink.contains("taskmanager.numberOfTaskSlots: \"4\""));
    assert!(flink.contains("taskmanager.memory.network.fraction: \"0.15\"  # FLINK_CONFIGURATION"));

    // Paths that would hide a folder the image needs, and keys the policies depend on, are refused.
    for (var, expect) in [
        (
            "TRUSTSTORE_PATH=/opt/flink/lib/kafka.jks",
            "TRUSTSTORE_PATH: expected an absolute file path",
        ),
        (
            "TRUSTSTORE_PATH=kafka.jks",
            "TRUSTSTORE_PATH: expected an absolute file path",
        ),
        ("FLINK_CONFIGURATION=rest.port=80", "rest.port is fixed"),
        ("FLINK_CONFIGURATION=oops", "'oops' is not key=value"),
    ] {
        let out = Command::cargo_bin("flink-sql")
            .unwrap()
            .env_clear()
            .args(["deploy", "render", "--out"])
            .arg(dir.path().join("bad"))
            .arg("--env-file")
            .arg(repo().join("tests/fixtures/deploy/gcp.env"))
            .args(["--var", var])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        assert!(
            text(&out.stderr).contains(expect),
            "{var}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn old_platform_keys_are_read_under_their_new_names_with_a_note() {
    let fake = Fake::new();
    let profile = fake.dir.path().join("old.env");
    let original = std::fs::read_to_string(repo().join("tests/fixtures/deploy/gcp.env")).unwrap();
    let old = original
        .replace("GCP_PROJECT_ID=sbx-stag", "GCP_PROJECT=sbx-stag")
        .replace("GCP_SERVICE_ACCOUNT=", "FLINK_GCS_SERVICE_ACCOUNT=");
    std::fs::write(&profile, old).unwrap();
    let out = fake.run(&["plan", "--env-file", profile.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "old.env:7: GCP_PROJECT is the old platform's key: read as GCP_PROJECT_ID; rename it"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(
        "FLINK_GCS_SERVICE_ACCOUNT is the old platform's key: read as GCP_SERVICE_ACCOUNT"
    ));

    // Both keys with different values: which one is meant is not guessed.
    let out = fake.run(&[
        "plan",
        "--env-file",
        profile.to_str().unwrap(),
        "--var",
        "GCP_PROJECT_ID=other",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(
        "GCP_PROJECT (the old platform's key for GCP_PROJECT_ID) differs from GCP_PROJECT_ID"
    ));
}

const PROFILE_IMAGE: &str = "asia-docker.pkg.dev/sbx-ci-cd/public/flink:2.0.0";

/// The build context `deploy image` wrote, as the container tool saw it.
fn assert_context(fake: &Fake) {
    let ctx = fake.dir.path().join("flink-image");
    let dockerfile = std::fs::read_to_string(ctx.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("\nFROM flink:2.0.0-scala_2.12-java17\n"),
        "{dockerfile}"
    );
    let manifest = std::fs::read_to_string(ctx.join("flink-image-jars.tsv")).unwrap();
    assert_eq!(
        manifest,
        std::fs::read_to_string(repo().join("deploy/flink-image-jars.tsv")).unwrap()
    );
    assert!(ctx.join("fetch-jars.sh").is_file());
}

#[test]
fn image_builds_and_pushes_the_profiles_image_with_docker() {
    let fake = Fake::with_engines(&["docker", "podman"]);
    let out = fake.run(&["image"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let calls: Vec<String> = fake
        .calls()
        .iter()
        .map(|c| format!("{} {}", c.tool, c.args.join(" ")))
        .collect();
    assert_eq!(
        calls,
        [
            "docker info --format {{.ServerVersion}}".to_owned(),
            format!("docker build -t {PROFILE_IMAGE} flink-image"),
            format!("docker push {PROFILE_IMAGE}"),
        ]
    );
    assert!(stdout.contains(&format!("Successfully tagged {PROFILE_IMAGE}")));
    assert!(stdout.contains(&format!(
        "image {PROFILE_IMAGE} built and pushed with docker"
    )));
    assert_context(&fake);
}

#[test]
fn image_uses_podman_when_dockers_daemon_does_not_answer_and_no_push_skips_the_push() {
    let fake = Fake::with_engines(&["docker", "podman"]).set("FAKE_DOCKER_DOWN", "1");
    let out = fake.run(&["image", "--no-push", "--base", "flink:2.0.0@sha256:abc"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let calls: Vec<String> = fake
        .calls()
        .iter()
        .map(|c| format!("{} {}", c.tool, c.args.join(" ")))
        .collect();
    assert_eq!(
        calls,
        [
            "docker info --format {{.ServerVersion}}".to_owned(),
            format!("podman build -t {PROFILE_IMAGE} flink-image"),
        ]
    );
    assert!(stdout.contains("docker is installed, but its daemon does not answer"));
    let dockerfile =
        std::fs::read_to_string(fake.dir.path().join("flink-image/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("\nFROM flink:2.0.0@sha256:abc\n"),
        "{dockerfile}"
    );
}

#[test]
fn image_without_a_container_tool_writes_the_context_and_prints_the_commands() {
    let fake = Fake::with_engines(&[]);
    let out = fake.run(&["image"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(fake.calls().is_empty());
    assert!(
        stdout.contains(&format!(
            "run these where one is:\n  docker build -t {PROFILE_IMAGE} flink-image\n  docker push {PROFILE_IMAGE}\n"
        )),
        "{stdout}"
    );
    assert!(text(&out.stderr).contains(&format!("error: {PROFILE_IMAGE} was not built")));
    assert_context(&fake);
}

#[test]
fn image_stops_after_a_failed_build_with_a_hint() {
    let fake = Fake::with_engines(&["podman"]).set("FAKE_FAIL", "podman build");
    let out = fake.run(&["image"]);
    assert_eq!(out.status.code(), Some(1));
    let calls = fake.calls();
    assert_eq!(calls.len(), 1, "no push after a failed build: {calls:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("podman build failed"), "{stderr}");
    assert!(stderr.contains("hint: the build log above says which step failed"));
}

/// The manifest's jars as a pod lists them (`find lib plugins`), relative to /opt/flink.
fn manifest_paths() -> Vec<String> {
    std::fs::read_to_string(repo().join("deploy/flink-image-jars.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            format!("{}/{}-{}.jar", c[3], c[1], c[2])
        })
        .collect()
}

const RUNNING_JM: &str = r#"{"kind":"List","items":[{"metadata":{"name":"flink-session-7d9f-jm"},"status":{"phase":"Running"}}]}"#;

#[test]
fn smoke_has_no_dry_run_and_refuses_one_before_any_tool_runs() {
    let fake = Fake::new();
    let out = fake.run(&["smoke", "--dry-run"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no dry run"), "{stderr}");
    assert!(stderr.contains("deploy check"), "{stderr}");
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
}

#[test]
fn smoke_without_a_gateway_pod_fails_the_port_forward_skips_the_sql_and_still_checks_the_jars() {
    let fake = Fake::new();
    let out = fake.run(&["smoke"]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {}",
        text(&out.stderr)
    );
    let calls = fake.calls();
    let verbs: Vec<String> = calls.iter().map(Call::verb).collect();
    assert_eq!(
        verbs,
        [
            "kubectl version",
            "kubectl get",
            "kubectl port-forward",
            "kubectl get"
        ],
        "{verbs:#?}"
    );
    let service = &calls[1];
    assert!(
        service.has("service") && service.has("flink-sql-gateway"),
        "{service:?}"
    );
    let forward = &calls[2];
    assert!(forward.has(GCP_CONTEXT), "{forward:?}");
    assert!(forward.has("service/flink-sql-gateway") && forward.has("127.0.0.1"));
    assert!(forward.has("--pod-running-timeout=20s"), "{forward:?}");
    let mapping = forward.args.last().unwrap();
    let (local, remote) = mapping.split_once(':').unwrap();
    assert_eq!(remote, "8083");
    assert!(local.parse::<u16>().unwrap() > 0, "{mapping}");
    let pods = &calls[3];
    assert!(
        pods.has("app=flink-session,component=jobmanager"),
        "{pods:?}"
    );
    assert!(
        pods.has("--field-selector=status.phase=Running"),
        "{pods:?}"
    );
    for expected in [
        "FAIL  gateway            kubectl port-forward service/flink-sql-gateway failed: error: timed out waiting for the condition",
        "hint: port-forward needs a running gateway pod",
        "skip  statement          not run: the gateway was not reached",
        "skip  kafka              not run: the gateway was not reached",
        "FAIL  jars               no running JobManager pod",
        "smoke: 2 check(s) failed in context gke_sbx-stag_asia-southeast1_flink",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
}

#[test]
fn smoke_names_the_jars_a_running_pod_lacks_and_the_ones_it_should_not_have() {
    let mut listing = manifest_paths();
    let dropped = listing.remove(0);
    listing.push("lib/flink-dist-2.0.0.jar".to_owned());
    listing.push("lib/stray-connector-1.0.jar".to_owned());
    let body = format!(
        "{}\n--- base\nlib/flink-dist-2.0.0.jar\n",
        listing.join("\n")
    );
    let fake = Fake::new().set("FAKE_PODS", RUNNING_JM);
    let exec_out = fake.dir.path().join("exec.out");
    std::fs::write(&exec_out, body).unwrap();
    let fake = fake.set("FAKE_EXEC_OUT", &exec_out.display().to_string());
    let out = fake.run(&["smoke"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let exec = fake
        .calls()
        .into_iter()
        .find(|c| c.verb() == "kubectl exec")
        .expect("kubectl exec ran");
    let at = exec.args.iter().position(|a| a == "exec").unwrap();
    assert_eq!(
        &exec.args[at..at + 8],
        [
            "exec",
            "-n",
            "flink-studio",
            "flink-session-7d9f-jm",
            "-c",
            "flink-main-container",
            "--",
            "sh"
        ]
    );
    assert!(exec
        .args
        .last()
        .unwrap()
        .contains("find lib plugins -name '*.jar'"));
    let jars = stdout.lines().find(|l| l.contains(" jars ")).unwrap();
    assert!(jars.starts_with("FAIL"), "{jars}");
    assert!(jars.contains(&format!("missing {dropped}")), "{jars}");
    assert!(jars.contains("extra lib/stray-connector-1.0.jar"), "{jars}");
    assert!(
        !jars.contains("flink-dist"),
        "the base image's jars are not extra: {jars}"
    );
}

#[test]
fn smoke_with_every_manifest_jar_and_nothing_else_passes_the_jar_check() {
    let body = format!(
        "{}\nlib/flink-dist-2.0.0.jar\n--- base\nlib/flink-dist-2.0.0.jar\n",
        manifest_paths().join("\n")
    );
    let fake = Fake::new().set("FAKE_PODS", RUNNING_JM);
    let exec_out = fake.dir.path().join("exec.out");
    std::fs::write(&exec_out, body).unwrap();
    let fake = fake.set("FAKE_EXEC_OUT", &exec_out.display().to_string());
    let stdout = text(&fake.run(&["smoke"]).stdout);
    let n = manifest_paths().len();
    assert!(
        stdout.contains(&format!("ok    jars               pod flink-session-7d9f-jm carries the {n} jars of the manifest and no others")),
        "{stdout}"
    );
}

#[test]
fn smoke_uses_the_load_balancer_address_without_a_port_forward() {
    // 127.0.0.2: nothing listens there, so the statement fails at once, on that address.
    let lb = r#"{"spec":{"type":"LoadBalancer"},"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.2"}]}}}"#;
    let fake = Fake::new().set("FAKE_SERVICE", lb);
    let out = fake.run(&["smoke"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("ok    gateway            Service flink-sql-gateway is exposed at http://127.0.0.2:8083"),
        "{stdout}"
    );
    let statement = stdout.lines().find(|l| l.contains(" statement ")).unwrap();
    assert!(
        statement.starts_with("FAIL") && statement.contains("127.0.0.2:8083"),
        "{stdout}"
    );
    assert!(!fake
        .calls()
        .iter()
        .any(|c| c.verb() == "kubectl port-forward"));
}

/// The gcp fixture with extra lines, written into the fake's folder.
fn profile_with(fake: &Fake, extra: &str) -> String {
    let base = std::fs::read_to_string(repo().join("tests/fixtures/deploy/gcp.env")).unwrap();
    let path = fake.dir.path().join("pinned.env");
    std::fs::write(&path, format!("{base}{extra}")).unwrap();
    path.display().to_string()
}

#[test]
fn image_pins_the_base_by_the_profiles_digest_and_warns_without_one() {
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    let fake = Fake::with_engines(&["podman"]);
    let profile = profile_with(&fake, &format!("FLINK_BASE_IMAGE_DIGEST={digest}\n"));
    let out = fake.run(&["image", "--env-file", &profile]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let dockerfile =
        std::fs::read_to_string(fake.dir.path().join("flink-image/Dockerfile")).unwrap();
    assert!(
        dockerfile.contains(&format!("\nFROM flink:2.0.0-scala_2.12-java17@{digest}\n")),
        "{dockerfile}"
    );
    assert!(!stdout.contains("pinned by tag only"), "{stdout}");
    // Without a digest the build still runs, and says the base is pinned by tag only.
    let fake = Fake::with_engines(&["podman"]);
    let stdout = text(&fake.run(&["image"]).stdout);
    assert!(
        stdout.contains(
            "warning: the base image flink:2.0.0-scala_2.12-java17 is pinned by tag only"
        ),
        "{stdout}"
    );
}

#[test]
fn a_malformed_base_image_digest_is_refused_at_its_line_before_anything_is_written() {
    let fake = Fake::with_engines(&["podman"]);
    let profile = profile_with(&fake, "FLINK_BASE_IMAGE_DIGEST=sha256:abc\n");
    let out = fake.run(&["image", "--env-file", &profile]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pinned.env:20:"), "{stderr}");
    assert!(
        stderr.contains("sha256: followed by 64 lowercase hex digits"),
        "{stderr}"
    );
    assert!(!fake.dir.path().join("flink-image").exists());
    assert!(fake.calls().is_empty());
}

#[test]
fn the_profiles_flink_version_sets_flink_version_and_an_unknown_one_is_refused_at_its_line() {
    let fake = Fake::new();
    let profile = profile_with(&fake, "FLINK_VERSION=2.2\n");
    let out = fake.run(&["render", "--out", "out", "--env-file", &profile]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let session =
        std::fs::read_to_string(fake.dir.path().join("out/50-flink-session.yaml")).unwrap();
    assert!(session.contains("\n  flinkVersion: v2_2\n"), "{session}");
    let default = fake.run(&["render", "--out", "out2"]);
    assert!(default.status.success());
    let session =
        std::fs::read_to_string(fake.dir.path().join("out2/50-flink-session.yaml")).unwrap();
    assert!(session.contains("\n  flinkVersion: v2_0\n"), "{session}");

    let fake = Fake::new();
    let profile = profile_with(&fake, "FLINK_VERSION=2.1\n");
    let out = fake.run(&["plan", "--env-file", &profile]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pinned.env:20:"), "{stderr}");
    assert!(stderr.contains("one of 2.0, 2.2"), "{stderr}");
}

#[test]
fn image_refuses_a_flink_version_whose_jars_are_not_all_served_and_names_them() {
    let fake = Fake::with_engines(&["podman"]);
    let profile = profile_with(&fake, "FLINK_VERSION=2.2\n");
    let out = fake.run(&["image", "--env-file", &profile]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("deploy image builds Flink 2.0 images only"),
        "{stderr}"
    );
    for missing in [
        "flink-sql-avro-confluent-registry",
        "flink-gs-fs-hadoop",
        "flink-azure-fs-hadoop",
    ] {
        assert!(stderr.contains(missing), "{stderr}");
    }
    assert!(!fake.dir.path().join("flink-image").exists());
    assert!(fake.calls().is_empty());
}
