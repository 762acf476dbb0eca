//! `flink-sql deploy`: the Flink SQL platform on Kubernetes. Profile → `config` (checked) →
//! `templates` (rendered, nothing run yet) → steps run through `kube` (kubectl and helm) →
//! `wait` for readiness. Everything is rendered and checked before the first cluster call, so
//! bad input changes nothing.

pub mod check;
pub mod config;
pub mod context;
pub mod image;
pub mod kube;
pub mod migrate;
pub mod scale;
pub mod sizing;
pub mod smoke;
pub mod steps;
pub mod survey;
pub mod templates;
pub mod wait;

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{CliError, Exit};
use crate::profile::{Origin, Vars};
use config::{DeployConfig, Watch};
use context::Confirm;
use kube::Tools;
use steps::{Outcome, Report};
use templates::{Manifest, Template};

/// Options shared by the commands that touch the cluster.
#[derive(Debug, Clone)]
pub struct Target {
    /// `--context`, else K8S_CONTEXT from the profile.
    pub context: Option<String>,
    pub confirm: Confirm,
    pub dry_run: bool,
}

/// Renders every template in apply order; without `with_secret` the Kafka Secret is left out.
pub fn render_all(config: &DeployConfig, with_secret: bool) -> Result<Vec<Manifest>, CliError> {
    let vars = if with_secret {
        config.vars_with_secret()?
    } else {
        config.template_vars.clone()
    };
    templates::ALL
        .iter()
        .filter(|t| with_secret || t.file != templates::KAFKA_SECRET.file)
        .map(|t| {
            let mut manifest = render_one(*t, &vars)?;
            if t.file == templates::FLINK_SESSION.file {
                manifest.text =
                    templates::set_flink_configuration(&manifest.text, &config.flink_conf);
            }
            Ok(manifest)
        })
        .collect()
}

fn render_one(template: Template, vars: &Vars) -> Result<Manifest, CliError> {
    templates::render(template, vars).map_err(|diagnostics| {
        let mut err = CliError::input(format!("cannot render deploy/{}", template.file));
        for d in diagnostics {
            err = err.with_hint(format!(
                "{}:{}:{}: {}",
                d.file, d.pos.line, d.pos.column, d.message
            ));
        }
        err
    })
}

/// Object names of the Secret, for plan and down (which need no credentials).
fn secret_objects(config: &DeployConfig) -> Result<Manifest, CliError> {
    let mut vars = config.template_vars.clone();
    for k in [
        "KAFKA_USERNAME_BASE64",
        "KAFKA_PASSWORD_BASE64",
        "TRUSTSTORE_PASSWORD_BASE64",
        "KAFKA_TRUSTSTORE_BASE64",
    ] {
        vars.insert(k, "", Origin::Profile);
    }
    render_one(templates::KAFKA_SECRET, &vars)
}

fn step_label(manifest: &Manifest) -> String {
    let name = manifest
        .file
        .trim_end_matches(".yaml")
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    name.replace('-', " ")
}

/// The context a read-only command (status, check) uses: the one named, else the current one,
/// without asking.
fn read_only_context(tools: &Tools, target: &Target) -> Result<String, CliError> {
    if let Some(c) = &target.context {
        return Ok(c.clone());
    }
    let current = tools.kubectl(&["config", "current-context"], None)?;
    if !current.ok() {
        return Err(CliError::input("no kube context is selected")
            .with_hint("name one with --context NAME or K8S_CONTEXT in the profile"));
    }
    Ok(current.stdout.trim().to_owned())
}

/// `deploy up`: tools, context, CRDs, operator, the objects in order, then readiness.
pub fn up(
    config: &DeployConfig,
    mut tools: Tools,
    target: &Target,
    wait: Option<Duration>,
    out: &mut dyn Write,
) -> Result<Exit, CliError> {
    let manifests = render_all(config, true)?;
    let wait = wait.filter(|_| !target.dry_run);
    let total = 4 + manifests.len() + if wait.is_some() { 2 } else { 0 };
    let mut report = Report::new(out, total);
    report.step("check tools", || check_tools(&tools))?;
    let context = context::choose(&tools, target.context.as_deref(), "deploy", target.confirm)?;
    tools.context = Some(context.clone());
    report.step("kube context", || server_version(&tools, &context))?;
    report.step("operator CRDs", || {
        let crds = steps::operator_crds(&tools, &config.operator)?;
        steps::apply_crds(&tools, &crds, target.dry_run)
    })?;
    report.step("operator (helm)", || {
        let webhook = steps::has_cert_manager(&tools)?;
        steps::install_operator(&tools, config, webhook, target.dry_run)
    })?;
    for manifest in &manifests {
        report.step(&step_label(manifest), || {
            if manifest.file == templates::NAMESPACE.file {
                return apply_namespace(config, &tools, target.dry_run);
            }
            steps::apply(&tools, &manifest.text, target.dry_run, &config.namespace)
        })?;
    }
    if let Some(timeout) = wait {
        let deadline = Instant::now() + timeout;
        report.step("wait: session cluster", || {
            wait::flink(
                &tools,
                &config.namespace,
                &config.cluster_name,
                &config.operator.namespace,
                deadline,
            )
        })?;
        report.step("wait: sql gateway", || {
            wait::gateway(&tools, &config.namespace, deadline)
        })?;
    }
    let summary = match (report.changed, target.dry_run) {
        (0, _) => "no changes".to_owned(),
        (n, true) => format!("{n} step(s) would change something (dry run: nothing written)"),
        (n, false) => format!("{n} step(s) changed something"),
    };
    report.line(&format!("up: {summary} in context {context}"));
    for line in addresses(config) {
        report.line(&line);
    }
    Ok(Exit::Success)
}

/// The URLs profiles use inside the cluster. The gateway's Service also answers on port 80, the
/// old platform's, so `http://flink-sql-gateway.<ns>.svc` keeps working without a port.
fn addresses(config: &DeployConfig) -> [String; 3] {
    let ns = &config.namespace;
    [
        "for profiles inside the cluster:".to_owned(),
        format!("  SQL_GATEWAY_URL=http://flink-sql-gateway.{ns}.svc:8083 (port 80 answers too)"),
        format!(
            "  FLINK_REST_URL=http://{}-rest.{ns}.svc:8081",
            config.cluster_name
        ),
    ]
}

/// Creates the namespace, marked as ours, or adopts one that is already there: it only gets
/// the Pod Security labels, keeps its own, and `down` never deletes it.
fn apply_namespace(
    config: &DeployConfig,
    tools: &Tools,
    dry_run: bool,
) -> Result<Outcome, CliError> {
    let manifest = render_one(templates::NAMESPACE, &config.template_vars)?;
    match survey::namespace(tools, &config.namespace)? {
        survey::Namespace::Adopted { labels } => {
            let wanted = templates::pod_security_labels(&manifest.text);
            steps::label_namespace(tools, &config.namespace, &wanted, &labels, dry_run)
        }
        _ => steps::apply(tools, &manifest.text, dry_run, &config.namespace),
    }
}

/// `deploy down`: the objects in reverse order, then (with `--operator`) the operator release.
/// The namespace is deleted only when flink-sql created it; CRDs always stay.
pub fn down(
    config: &DeployConfig,
    mut tools: Tools,
    target: &Target,
    operator: bool,
    out: &mut dyn Write,
) -> Result<Exit, CliError> {
    let mut manifests = render_all(config, false)?;
    manifests.insert(4, secret_objects(config)?);
    let total = 2 + manifests.len() + usize::from(operator);
    let mut report = Report::new(out, total);
    report.step("check tools", || check_tools(&tools))?;
    let context = context::choose(
        &tools,
        target.context.as_deref(),
        "tear down",
        target.confirm,
    )?;
    tools.context = Some(context.clone());
    report.step("kube context", || server_version(&tools, &context))?;
    for manifest in manifests.iter().rev() {
        report.step(&format!("delete {}", step_label(manifest)), || {
            delete_manifest(&tools, config, manifest, target.dry_run)
        })?;
    }
    if operator {
        report.step("operator (helm uninstall)", || {
            uninstall_operator(&tools, config, target.dry_run)
        })?;
    }
    report.line(&format!(
        "down: {} step(s) removed something in context {context}",
        report.changed
    ));
    Ok(Exit::Success)
}

fn delete_manifest(
    tools: &Tools,
    config: &DeployConfig,
    manifest: &Manifest,
    dry_run: bool,
) -> Result<Outcome, CliError> {
    if manifest.file == templates::NAMESPACE.file {
        return delete_namespace(tools, config, dry_run);
    }
    let objects: Vec<String> = manifest.objects.iter().map(|o| o.arg()).collect();
    // The FlinkDeployment is waited for: the operator's finalizer stops the cluster while the
    // ServiceAccount and Role it needs still exist.
    let wait = manifest.file == templates::FLINK_SESSION.file;
    steps::delete(tools, Some(&config.namespace), &objects, wait, dry_run)
}

/// Deletes the namespace only when `up` created it and it holds nothing flink-sql did not create.
fn delete_namespace(
    tools: &Tools,
    config: &DeployConfig,
    dry_run: bool,
) -> Result<Outcome, CliError> {
    let ns = &config.namespace;
    match survey::namespace(tools, ns)? {
        survey::Namespace::Absent => return Ok(Outcome::Unchanged),
        survey::Namespace::Adopted { .. } => {
            return Ok(Outcome::Done(format!(
                "kept namespace {ns} (flink-sql did not create it)"
            )))
        }
        survey::Namespace::Ours => {}
    }
    let foreign = survey::foreign(tools, ns, &config.cluster_name)?;
    if !foreign.is_empty() {
        return Ok(Outcome::Done(format!(
            "kept namespace {ns} (it holds objects flink-sql did not create: {})",
            foreign.join(", ")
        )));
    }
    let objects = [format!("namespace/{ns}")];
    steps::delete(tools, None, &objects, false, dry_run)
}

fn uninstall_operator(
    tools: &Tools,
    config: &DeployConfig,
    dry_run: bool,
) -> Result<Outcome, CliError> {
    let op = &config.operator;
    let mut args = vec![
        "uninstall",
        op.release.as_str(),
        "--namespace",
        op.namespace.as_str(),
        "--ignore-not-found",
    ];
    if dry_run {
        args.push("--dry-run");
    }
    let out = tools.helm(&args, None)?;
    if !out.ok() {
        return Err(steps::failed("helm uninstall", &out));
    }
    Ok(if out.stdout.contains("not found") {
        Outcome::Unchanged
    } else if dry_run {
        Outcome::WouldChange(format!("uninstall release {}", op.release))
    } else {
        Outcome::Changed(format!("uninstalled release {} (CRDs kept)", op.release))
    })
}

/// kubectl and helm can run; helm is v3 or newer.
fn check_tools(tools: &Tools) -> Result<Outcome, CliError> {
    let kubectl = tools.kubectl(&["version", "--client", "-o", "json"], None)?;
    if !kubectl.ok() {
        return Err(steps::failed("kubectl version", &kubectl));
    }
    let client: Value = serde_json::from_str(&kubectl.stdout).unwrap_or(Value::Null);
    let kubectl_version = client["clientVersion"]["gitVersion"]
        .as_str()
        .unwrap_or("?")
        .to_owned();
    let helm = tools.helm(&["version", "--template", "{{.Version}}"], None)?;
    if !helm.ok() {
        return Err(steps::failed("helm version", &helm));
    }
    let helm_version = helm.stdout.trim().to_owned();
    let major = helm_version
        .trim_start_matches('v')
        .split('.')
        .next()
        .unwrap_or("0");
    if major.parse::<u32>().unwrap_or(0) < 3 {
        return Err(CliError::input(format!(
            "helm {helm_version} is too old: flink-sql needs helm 3 or newer"
        )));
    }
    Ok(Outcome::Done(format!(
        "kubectl {kubectl_version}, helm {helm_version}"
    )))
}

/// The server answers; its version is shown with the context.
fn server_version(tools: &Tools, context: &str) -> Result<Outcome, CliError> {
    let out = tools.kubectl(&["version", "-o", "json"], None)?;
    let version: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    match version["serverVersion"]["gitVersion"].as_str() {
        Some(v) if out.ok() => Ok(Outcome::Done(format!(
            "{context} (server {v}){}",
            skew_warning(&version)
        ))),
        _ => Err(steps::unreachable(&out)),
    }
}

/// kubectl supports servers one minor version older or newer; say so when it is further off.
fn skew_warning(version: &Value) -> String {
    let minor = |side: &str| {
        version[side]["minor"]
            .as_str()
            .and_then(|m| m.trim_end_matches('+').parse::<i64>().ok())
    };
    match (minor("clientVersion"), minor("serverVersion")) {
        (Some(c), Some(s)) if (c - s).abs() > 1 => {
            format!(
                "; warning: kubectl 1.{c} is more than one minor version from the server (1.{s})"
            )
        }
        _ => String::new(),
    }
}

/// `deploy status`: what runs, one line per part. Exit 0 when everything is ready, 1 otherwise.
pub fn status(
    config: &DeployConfig,
    mut tools: Tools,
    target: &Target,
    out: &mut dyn Write,
) -> Result<Exit, CliError> {
    let context = read_only_context(&tools, target)?;
    tools.context = Some(context.clone());
    let server = server_version(&tools, &context)?;
    let mut ready = true;
    let mut line = |part: &str, text: String, ok: bool| {
        ready &= ok;
        let mark = if ok { "ok" } else { "NOT READY" };
        let _ = writeln!(out, "{part:<10} {mark:<10} {text}");
    };
    if let Outcome::Done(text) = server {
        line("context", text, true);
    }
    let (ok, text) = look(operator_status(&tools, config));
    line("operator", text, ok);
    let (ok, text) = look(wait::flink_now(
        &tools,
        &config.namespace,
        &config.cluster_name,
        &config.operator.namespace,
    ));
    line(
        "session",
        format!("FlinkDeployment {}: {text}", config.cluster_name),
        ok,
    );
    let (ok, text) = look(wait::gateway_now(&tools, &config.namespace));
    line(
        "gateway",
        format!("Deployment flink-sql-gateway: {text}"),
        ok,
    );
    Ok(if ready {
        Exit::Success
    } else {
        Exit::StatementFailed
    })
}

fn look(result: Result<(bool, String), CliError>) -> (bool, String) {
    result.unwrap_or_else(|e| (false, e.message))
}

fn operator_status(tools: &Tools, config: &DeployConfig) -> Result<(bool, String), CliError> {
    let op = &config.operator;
    Ok(match steps::current_release(tools, op)? {
        Some(ref r) => (
            r["status"] == "deployed",
            format!(
                "release {} {} {} (namespace {})",
                op.release,
                r["chart"].as_str().unwrap_or("?"),
                r["status"].as_str().unwrap_or("?"),
                op.namespace
            ),
        ),
        None => (
            false,
            format!("release {} not installed in {}", op.release, op.namespace),
        ),
    })
}

/// `deploy plan`: the steps `up` would take, nothing executed.
pub fn plan(config: &DeployConfig, target: &Target, out: &mut dyn Write) -> Result<Exit, CliError> {
    let mut manifests = render_all(config, false)?;
    manifests.insert(4, secret_objects(config)?);
    let op = &config.operator;
    let context = match &target.context {
        Some(c) => format!("kube context {c}"),
        None => "the current kube context, once confirmed (or --yes)".to_owned(),
    };
    let chart = match &op.repo {
        Some(repo) => format!("{} {} from {repo}", op.chart, op.version),
        None => format!("{} {}", op.chart, op.version),
    };
    let mut lines = vec![
        "check tools: kubectl and helm 3 on PATH".to_owned(),
        format!("kube context: {}; the server must answer", context.trim_start_matches("kube context ")),
        format!("operator CRDs: helm show crds {chart} | kubectl apply --server-side (only if they differ)"),
        format!(
            "operator: helm upgrade --install {} {chart} -n {} --skip-crds (webhook only with cert-manager; {})",
            op.release, op.namespace, watch_plan(config)
        ),
    ];
    for m in &manifests {
        let objects: Vec<String> = m
            .objects
            .iter()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .collect();
        let via = if m.file == templates::KAFKA_SECRET.file {
            " (on stdin)"
        } else {
            ""
        };
        let via = if m.file == templates::NAMESPACE.file {
            " (or, when it exists, adopt it: Pod Security labels only, never deleted by down)"
        } else {
            via
        };
        lines.push(format!(
            "{}: apply deploy/{}{via}: {}",
            step_label(m),
            m.file,
            objects.join(", ")
        ));
    }
    lines.push(format!(
        "wait: FlinkDeployment {} READY and STABLE, then the SQL Gateway Available (timeout {})",
        config.cluster_name,
        humantime::format_duration(config.timeout)
    ));
    writeln_all(out, &format!("deploy up would, in {context}:"), &lines)?;
    for line in addresses(config) {
        writeln!(out, "{line}").map_err(|e| CliError::new(Exit::StatementFailed, e.to_string()))?;
    }
    Ok(Exit::Success)
}

fn watch_plan(config: &DeployConfig) -> String {
    let ns = &config.namespace;
    match config.operator.watch {
        Watch::Keep => format!(
            "a new release watches {ns}; an existing one keeps its values and scope (a list gains {ns})"
        ),
        Watch::Namespace => format!("watches {ns} only"),
        Watch::All => "watches all namespaces".to_owned(),
    }
}

fn writeln_all(out: &mut dyn Write, title: &str, lines: &[String]) -> Result<(), CliError> {
    let io = |e: std::io::Error| CliError::new(Exit::StatementFailed, e.to_string());
    writeln!(out, "{title}").map_err(io)?;
    for (i, l) in lines.iter().enumerate() {
        writeln!(out, "{:>3}. {l}", i + 1).map_err(io)?;
    }
    Ok(())
}

/// `deploy render --out DIR`: one file per template. The Kafka Secret is written only with
/// `--include-secrets`, with mode 0600; nothing but file names goes to stdout.
pub fn render(
    config: &DeployConfig,
    dir: &std::path::Path,
    include_secrets: bool,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<Exit, CliError> {
    let manifests = render_all(config, include_secrets)?;
    let io = |what: &str, e: std::io::Error| CliError::input(format!("{what}: {e}"));
    if !dry_run {
        std::fs::create_dir_all(dir).map_err(|e| io(&dir.display().to_string(), e))?;
    }
    for m in &manifests {
        let path = dir.join(m.file);
        if !dry_run {
            write_file(&path, &m.text, m.file == templates::KAFKA_SECRET.file)
                .map_err(|e| io(&path.display().to_string(), e))?;
        }
        let verb = if dry_run { "would write" } else { "wrote" };
        writeln!(out, "{verb} {}", path.display()).map_err(|e| io("stdout", e))?;
    }
    if !include_secrets {
        writeln!(
            out,
            "skipped {} (the Kafka credentials Secret): add --include-secrets to write it",
            templates::KAFKA_SECRET.file
        )
        .map_err(|e| io("stdout", e))?;
    }
    Ok(Exit::Success)
}

fn write_file(path: &std::path::Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::fs::OpenOptions;
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_skew_beyond_one_minor_is_pointed_out() {
        let v = |c: &str, s: &str| serde_json::json!({"clientVersion": {"minor": c}, "serverVersion": {"minor": s}});
        assert_eq!(skew_warning(&v("33", "34+")), "");
        assert!(skew_warning(&v("30", "33")).contains("kubectl 1.30 is more than one minor"));
        assert_eq!(skew_warning(&serde_json::json!({})), "");
    }
}
