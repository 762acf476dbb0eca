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
    assert_eq!(gets, ["flinkdeployment", "deployment"]);

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
    assert_eq!(values["image"]["tag"], "1.12.1");
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
    let values = r#"{"image":{"tag":"1.12.1"},"webhook":{"create":false},"watchNamespaces":["flink-studio"],"jobServiceAccount":{"create":false},"rbac":{"jobRole":{"create":false},"jobRoleBinding":{"create":false}}}"#;
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
    for cloud in ["gcp", "azure"] {
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
