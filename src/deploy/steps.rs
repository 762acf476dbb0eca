//! The building blocks of `up` and `down`: apply a manifest (server-side, only when it differs),
//! delete objects, install the operator with helm, report each step on one line.

use std::io::Write;
use std::time::Instant;

use serde_json::{json, Value};

use super::config::{DeployConfig, Operator, Watch};
use super::kube::{first_line, Output, Tools};
use crate::error::{CliError, Exit};

/// Field manager for server-side apply: our fields are ours, the operator's are its own.
pub const FIELD_MANAGER: &str = "--field-manager=flink-sql";

/// What a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Changed(String),
    /// `--dry-run`: the server accepted the change but nothing was written.
    WouldChange(String),
    Done(String),
}

impl Outcome {
    pub fn changed(&self) -> bool {
        matches!(self, Outcome::Changed(_) | Outcome::WouldChange(_))
    }
}

/// One line per step: `[3/12] label ... outcome (1.2s)`.
pub struct Report<'w> {
    out: &'w mut dyn Write,
    total: usize,
    done: usize,
    pub changed: usize,
}

impl<'w> Report<'w> {
    pub fn new(out: &'w mut dyn Write, total: usize) -> Self {
        Report {
            out,
            total,
            done: 0,
            changed: 0,
        }
    }

    /// Runs a step and prints its line; a failing step prints its line, then the error.
    pub fn step(
        &mut self,
        label: &str,
        run: impl FnOnce() -> Result<Outcome, CliError>,
    ) -> Result<Outcome, CliError> {
        self.done += 1;
        let started = Instant::now();
        let result = run();
        let took = started.elapsed().as_secs_f64();
        let text = match &result {
            Ok(Outcome::Unchanged) => "unchanged".to_owned(),
            Ok(Outcome::Changed(what)) => format!("changed: {what}"),
            Ok(Outcome::WouldChange(what)) => format!("would change: {what}"),
            Ok(Outcome::Done(what)) => what.clone(),
            Err(_) => "FAILED".to_owned(),
        };
        let _ = writeln!(
            self.out,
            "[{:>w$}/{}] {label:<26} {text} ({took:.1}s)",
            self.done,
            self.total,
            w = self.total.to_string().len()
        );
        let _ = self.out.flush();
        if result.as_ref().is_ok_and(Outcome::changed) {
            self.changed += 1;
        }
        result
    }

    pub fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }
}

/// Applies a manifest with server-side apply when `kubectl diff` finds a difference.
pub fn apply(
    tools: &Tools,
    manifest: &str,
    dry_run: bool,
    namespace: &str,
) -> Result<Outcome, CliError> {
    apply_as(tools, manifest, dry_run, namespace, false)
}

/// Applies the operator's CRDs, taking over fields another manager (helm's first install, a
/// manual `kubectl apply`) set: flink-sql owns them from now on, as `create or replace` would.
pub fn apply_crds(tools: &Tools, manifest: &str, dry_run: bool) -> Result<Outcome, CliError> {
    apply_as(tools, manifest, dry_run, "", true)
}

fn apply_as(
    tools: &Tools,
    manifest: &str,
    dry_run: bool,
    namespace: &str,
    force: bool,
) -> Result<Outcome, CliError> {
    let ssa: &[&str] = if force {
        &[
            "--server-side",
            FIELD_MANAGER,
            "--force-conflicts",
            "--warnings-as-errors",
        ]
    } else {
        &["--server-side", FIELD_MANAGER, "--warnings-as-errors"]
    };
    let diff = tools.kubectl(&[&["diff"], ssa, &["-f", "-"]].concat(), Some(manifest))?;
    // kubectl diff prints the server's warnings (Pod Security, deprecations) but ignores
    // --warnings-as-errors; a warning stops the step here, before anything is stored.
    server_warning(&diff)?;
    match diff.code {
        0 => return Ok(Outcome::Unchanged),
        1 => {}
        _ if dry_run && namespace_missing(&diff, namespace) => {
            return Ok(Outcome::WouldChange(format!(
                "create (namespace {namespace} does not exist yet)"
            )))
        }
        _ => return Err(failed("kubectl diff", &diff)),
    }
    let mut args = [&["apply"], ssa].concat();
    if dry_run {
        args.push("--dry-run=server");
    }
    args.extend(["-f", "-"]);
    let out = tools.kubectl(&args, Some(manifest))?;
    if !out.ok() {
        return Err(failed("kubectl apply", &out));
    }
    let summary = summarize(&out.stdout);
    Ok(if dry_run {
        Outcome::WouldChange(summary)
    } else {
        Outcome::Changed(summary)
    })
}

/// The first warning the API server gave in a dry run, as the error that stops the step.
fn server_warning(out: &Output) -> Result<(), CliError> {
    match out.stderr.lines().find(|l| l.starts_with("Warning: ")) {
        Some(warning) => Err(CliError::new(
            Exit::StatementFailed,
            format!(
                "the API server warns: {}",
                warning.trim_start_matches("Warning: ")
            ),
        )
        .with_hint("nothing of this step was applied; fix the profile or the template")),
        None => Ok(()),
    }
}

/// Sets labels on a namespace flink-sql did not create, and nothing else. Not server-side apply:
/// kubectl hands it the fields an earlier client-side `kubectl apply` owned, and it would then
/// drop every label our manifest does not name (labels other policies may select on).
pub fn label_namespace(
    tools: &Tools,
    namespace: &str,
    wanted: &[(String, String)],
    current: &Value,
    dry_run: bool,
) -> Result<Outcome, CliError> {
    if wanted.iter().all(|(k, v)| current[k] == v.as_str()) {
        return Ok(Outcome::Unchanged);
    }
    let pairs: Vec<String> = wanted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut args = vec!["label", "--overwrite", "namespace", namespace];
    args.extend(pairs.iter().map(String::as_str));
    let check = tools.kubectl(&[&args[..], &["--dry-run=server"]].concat(), None)?;
    server_warning(&check)?;
    if !check.ok() {
        return Err(failed("kubectl label", &check));
    }
    let what = format!(
        "namespace/{namespace} Pod Security labels (adopted: its own labels stay; down keeps it)"
    );
    if dry_run {
        return Ok(Outcome::WouldChange(what));
    }
    let out = tools.kubectl(&args, None)?;
    if !out.ok() {
        return Err(failed("kubectl label", &out));
    }
    Ok(Outcome::Changed(what))
}

fn namespace_missing(out: &Output, namespace: &str) -> bool {
    out.stderr
        .contains(&format!("namespaces \"{namespace}\" not found"))
}

/// `namespace/x serverside-applied` lines, shortened to the objects.
fn summarize(stdout: &str) -> String {
    let objects: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|object| match object.split_once('/') {
            Some((kind, name)) => format!("{}/{name}", kind.split('.').next().unwrap_or(kind)),
            None => object.to_owned(),
        })
        .collect();
    objects.join(", ")
}

/// `deployment.apps "x" deleted` lines, as `deployment/x`.
fn deleted(stdout: &str) -> String {
    let objects: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            let (kind, rest) = l.split_once(' ')?;
            let name = rest.split('"').nth(1)?;
            Some(format!("{}/{name}", kind.split('.').next().unwrap_or(kind)))
        })
        .collect();
    objects.join(", ")
}

/// Deletes objects by kind/name; absent ones are fine.
pub fn delete(
    tools: &Tools,
    namespace: Option<&str>,
    objects: &[String],
    wait: bool,
    dry_run: bool,
) -> Result<Outcome, CliError> {
    let mut args: Vec<&str> = vec!["delete", "--ignore-not-found"];
    if let Some(ns) = namespace {
        args.extend(["-n", ns]);
    }
    if !wait {
        args.push("--wait=false");
    }
    if dry_run {
        args.push("--dry-run=server");
    }
    args.extend(objects.iter().map(String::as_str));
    let out = tools.kubectl(&args, None)?;
    if !out.ok() {
        if out
            .stderr
            .contains("the server doesn't have a resource type")
        {
            return Ok(Outcome::Unchanged);
        }
        return Err(failed("kubectl delete", &out));
    }
    let gone = deleted(&out.stdout);
    Ok(match (gone.is_empty(), dry_run) {
        (true, _) => Outcome::Unchanged,
        (false, true) => Outcome::WouldChange(format!("delete {gone}")),
        (false, false) => Outcome::Changed(gone),
    })
}

/// A failed tool run as an error (exit 1) with the tool's own first line.
pub fn failed(what: &str, out: &Output) -> CliError {
    let detail = if out.stderr.trim().is_empty() {
        first_line(&out.stdout)
    } else {
        first_line(&out.stderr)
    };
    CliError::new(
        Exit::StatementFailed,
        format!("{what} failed (exit {}): {detail}", out.code),
    )
}

/// `helm show crds` arguments for the operator chart.
fn chart_args<'a>(op: &'a Operator, args: &mut Vec<&'a str>) {
    args.push(&op.chart);
    if let Some(repo) = &op.repo {
        args.extend(["--repo", repo.as_str()]);
    }
    args.extend(["--version", op.version.as_str()]);
}

/// The operator chart's CRDs (helm never upgrades CRDs, so we apply them ourselves).
pub fn operator_crds(tools: &Tools, op: &Operator) -> Result<String, CliError> {
    let mut args = vec!["show", "crds"];
    chart_args(op, &mut args);
    let out = tools.helm(&args, None)?;
    if !out.ok() || out.stdout.trim().is_empty() {
        return Err(failed("helm show crds", &out).with_hint(format!(
            "check OPERATOR_CHART ({}) and OPERATOR_CHART_REPO ({})",
            op.chart,
            op.repo.as_deref().unwrap_or("none")
        )));
    }
    Ok(out.stdout)
}

/// The chart values we set: no webhook without cert-manager, our namespace watched (or an
/// existing release's scope kept, see [`Watch`]), and no job ServiceAccount or Role (ours come
/// from deploy/10-identity.yaml). An existing release's other values stay. The image is the one
/// the chart pins: release charts name a commit tag on their own repository, and the chart
/// version is not a tag there.
pub fn operator_values(config: &DeployConfig, webhook: bool, existing: Option<&Value>) -> Value {
    let mut values = existing
        .filter(|v| v.is_object())
        .cloned()
        .unwrap_or_else(|| json!({}));
    // Earlier flink-sql releases set image.tag to the chart version: drop that override.
    if values["image"]["tag"] == config.operator.version.as_str() {
        if let Some(image) = values["image"].as_object_mut() {
            image.remove("tag");
            if image.is_empty() {
                values.as_object_mut().map(|v| v.remove("image"));
            }
        }
    }
    let ours = json!({
        "webhook": {"create": webhook},
        "jobServiceAccount": {"create": false},
        "rbac": {"jobRole": {"create": false}, "jobRoleBinding": {"create": false}},
    });
    merge(&mut values, &ours);
    let map = values.as_object_mut().expect("values are an object");
    match watch_namespaces(config, existing) {
        Some(list) => map.insert("watchNamespaces".to_owned(), json!(list)),
        None => map.remove("watchNamespaces"),
    };
    values
}

/// Sets every leaf of `from` in `into`, keeping what `into` has besides.
fn merge(into: &mut Value, from: &Value) {
    match (into.as_object_mut(), from.as_object()) {
        (Some(into), Some(from)) => {
            for (k, v) in from {
                merge(into.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        _ => *into = from.clone(),
    }
}

/// The namespaces the operator is to watch; `None` means every namespace (the chart's default).
fn watch_namespaces(config: &DeployConfig, existing: Option<&Value>) -> Option<Vec<String>> {
    let ours = config.namespace.clone();
    match (config.operator.watch, existing) {
        (Watch::All, _) => None,
        (Watch::Namespace, _) | (Watch::Keep, None) => Some(vec![ours]),
        (Watch::Keep, Some(values)) => {
            let mut list: Vec<String> = values["watchNamespaces"]
                .as_array()?
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect();
            if list.is_empty() {
                return None;
            }
            if !list.contains(&ours) {
                list.push(ours);
            }
            Some(list)
        }
    }
}

/// Installs or upgrades the operator unless the release already has this chart version and
/// exactly these values. An existing release keeps its values and, by default, its scope.
pub fn install_operator(
    tools: &Tools,
    config: &DeployConfig,
    webhook: bool,
    dry_run: bool,
) -> Result<Outcome, CliError> {
    let op = &config.operator;
    let release = current_release(tools, op)?;
    let existing = match release {
        Some(_) => Some(release_values(tools, op)?),
        None => None,
    };
    let values = operator_values(config, webhook, existing.as_ref());
    let same_chart = release.as_ref().is_some_and(|r| {
        r["status"] == "deployed"
            && r["chart"]
                .as_str()
                .is_some_and(|c| c.ends_with(&format!("-{}", op.version)))
    });
    if same_chart && existing.as_ref() == Some(&values) {
        return Ok(Outcome::Unchanged);
    }
    let image = chart_image(tools, op)?;
    let mut args = vec!["upgrade", "--install", op.release.as_str()];
    chart_args(op, &mut args);
    args.extend([
        "--namespace",
        op.namespace.as_str(),
        "--create-namespace",
        "--skip-crds",
        "--values",
        "-",
    ]);
    if dry_run {
        args.push("--dry-run=server");
    }
    let out = tools.helm(&args, Some(&values.to_string()))?;
    if !out.ok() {
        return Err(failed("helm upgrade --install", &out));
    }
    let scope = match values["watchNamespaces"].as_array() {
        Some(list) => {
            let names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
            format!("watching {}", names.join(", "))
        }
        None => "watching all namespaces".to_owned(),
    };
    let kept = if existing.is_some() {
        ", existing release's values kept"
    } else {
        ""
    };
    let what = format!(
        "release {} (chart {}, {scope}{kept}, image {image})",
        op.release, op.version
    );
    Ok(if dry_run {
        Outcome::WouldChange(what)
    } else {
        Outcome::Changed(what)
    })
}

/// The operator image the chart's own values pin (`repository:tag`), as `helm show values` has it.
fn chart_image(tools: &Tools, op: &Operator) -> Result<String, CliError> {
    let mut args = vec!["show", "values"];
    chart_args(op, &mut args);
    let out = tools.helm(&args, None)?;
    if !out.ok() {
        return Err(failed("helm show values", &out));
    }
    Ok(image_in_values(&out.stdout))
}

/// `image.repository` and `image.tag` from a chart's values.yaml (top-level `image:` block).
fn image_in_values(values: &str) -> String {
    let mut in_image = false;
    let (mut repo, mut tag) = ("?".to_owned(), String::new());
    for line in values.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
            in_image = line.trim_end() == "image:";
            continue;
        }
        let field = |name: &str| {
            line.trim()
                .strip_prefix(name)
                .map(|v| v.trim().trim_matches('"').trim_matches('\'').to_owned())
        };
        if in_image {
            if let Some(v) = field("repository:") {
                repo = v;
            } else if let Some(v) = field("tag:") {
                tag = v;
            }
        }
    }
    match tag.as_str() {
        "" => format!("{repo} (the chart's appVersion tag)"),
        t => format!("{repo}:{t}"),
    }
}

/// The operator's helm release as `helm list` shows it (name, status, chart), if installed.
pub fn current_release(tools: &Tools, op: &Operator) -> Result<Option<Value>, CliError> {
    let filter = format!("^{}$", op.release);
    let args = [
        "list",
        "--namespace",
        &op.namespace,
        "--filter",
        &filter,
        "--output",
        "json",
    ];
    let list = tools.helm(&args, None)?;
    if !list.ok() {
        return Err(failed("helm list", &list));
    }
    let releases: Value = serde_json::from_str(&list.stdout).unwrap_or(Value::Null);
    Ok(releases.as_array().and_then(|r| r.first()).cloned())
}

/// The values the release was installed with (user-supplied only, as `helm get values` shows).
fn release_values(tools: &Tools, op: &Operator) -> Result<Value, CliError> {
    let got = tools.helm(
        &[
            "get",
            "values",
            &op.release,
            "--namespace",
            &op.namespace,
            "--output",
            "json",
        ],
        None,
    )?;
    if !got.ok() {
        return Err(failed("helm get values", &got));
    }
    let values: Value = serde_json::from_str(&got.stdout).unwrap_or(Value::Null);
    Ok(if values.is_object() {
        values
    } else {
        json!({})
    })
}

/// Whether cert-manager is installed (then the operator's webhook can get its certificate).
pub fn has_cert_manager(tools: &Tools) -> Result<bool, CliError> {
    let out = tools.kubectl(
        &[
            "get",
            "crd",
            "certificates.cert-manager.io",
            "--ignore-not-found",
            "-o",
            "name",
        ],
        None,
    )?;
    if !out.ok() {
        return Err(unreachable(&out));
    }
    Ok(!out.stdout.trim().is_empty())
}

/// The cluster did not answer: exit 3.
pub fn unreachable(out: &Output) -> CliError {
    CliError::new(
        Exit::Connection,
        format!("the cluster did not answer: {}", first_line(&out.stderr)),
    )
    .with_hint("check the context's credentials and network (kubectl cluster-info)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_image_is_read_from_its_values() {
        let values = "# c\nwatchNamespaces: []\nimage:\n  repository: ghcr.io/apache/flink-kubernetes-operator\n  pullPolicy: IfNotPresent\n  tag: \"8e60e9b\"\nrbac:\n  tag: no\n";
        assert_eq!(
            image_in_values(values),
            "ghcr.io/apache/flink-kubernetes-operator:8e60e9b"
        );
        assert_eq!(
            image_in_values("image:\n  repository: r\n  tag: \"\"\n"),
            "r (the chart's appVersion tag)"
        );
    }

    #[test]
    fn tool_output_is_shortened_to_kind_and_name() {
        let applied =
            "networkpolicy.networking.k8s.io/a serverside-applied\nsecret/s serverside-applied\n";
        assert_eq!(summarize(applied), "networkpolicy/a, secret/s");
        let gone = "deployment.apps \"flink-sql-gateway\" deleted\nservice \"flink-sql-gateway\" deleted from ns\n";
        assert_eq!(
            deleted(gone),
            "deployment/flink-sql-gateway, service/flink-sql-gateway"
        );
        assert_eq!(deleted(""), "");
    }
}
