//! `deploy check`: the preflight, read-only. Each check asks the cluster one question and prints
//! one line (ok / warn / FAIL) with a hint when something is missing: the RBAC verbs `up` needs
//! (`kubectl auth can-i`), the operator's CRDs and release, NetworkPolicy support, the Workload
//! Identity objects the profile names, the storage class for RocksDB volumes, quota headroom.

use std::io::Write;

use serde_json::Value;

use super::config::{Cloud, DeployConfig};
use super::kube::{first_line, Tools};
use super::sizing::{self, Quota};
use super::{render_all, secret_objects, steps, Target};
use crate::error::{CliError, Exit};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Ok,
    Warn,
    Fail,
    /// Not run, because a check it depends on failed (that one counts).
    Skip,
}

/// One check's line.
#[derive(Debug, Clone)]
pub struct Line {
    pub mark: Mark,
    pub name: &'static str,
    pub text: String,
    pub hint: Option<String>,
}

/// The read-only commands' first step and line: the kube context (named or confirmed, never
/// changed), which `tools` then uses, with the API server's version when it answers.
pub fn context_line(tools: &mut Tools, target: &Target) -> Result<(String, Line), CliError> {
    let context = super::read_only_context(tools, target)?;
    tools.context = Some(context.clone());
    let text = match super::server_version(tools, &context)? {
        steps::Outcome::Done(text) => text,
        _ => context.clone(),
    };
    Ok((context, line(Mark::Ok, "kube context", text)))
}

pub fn line(mark: Mark, name: &'static str, text: impl Into<String>) -> Line {
    Line {
        mark,
        name,
        text: text.into(),
        hint: None,
    }
}

impl Line {
    pub fn hint(mut self, hint: impl Into<String>) -> Line {
        self.hint = Some(hint.into());
        self
    }
}

/// The ResourceQuota `up` creates (deploy/20-quota.yaml).
pub const QUOTA_NAME: &str = "flink-sql-platform";

/// Runs every check; exit 1 when one failed.
pub fn check(
    config: &DeployConfig,
    mut tools: Tools,
    target: &Target,
    out: &mut dyn Write,
) -> Result<Exit, CliError> {
    let (context, first) = context_line(&mut tools, target)?;
    let mut lines = vec![first];
    lines.push(rbac(config, &tools)?);
    lines.push(crds(&tools)?);
    lines.push(operator(config, &tools));
    lines.push(network_policies(&tools)?);
    lines.push(workload_identity(config, &tools)?);
    lines.push(storage_class(config, &tools)?);
    lines.push(quota(config, &tools)?);
    let failed = print(&lines, out)?;
    let verdict = if failed == 0 {
        format!("check: ready for `deploy up` in context {context}")
    } else {
        format!("check: {failed} check(s) failed in context {context}")
    };
    writeln!(out, "{verdict}").map_err(output_error)?;
    Ok(if failed == 0 {
        Exit::Success
    } else {
        Exit::StatementFailed
    })
}

fn output_error(e: std::io::Error) -> CliError {
    CliError::new(Exit::Connection, format!("output: {e}"))
}

/// Prints one line per check (and its hint); returns how many failed. Shared with `smoke`.
pub fn print(lines: &[Line], out: &mut dyn Write) -> Result<usize, CliError> {
    let mut failed = 0;
    for l in lines {
        let mark = match l.mark {
            Mark::Ok => "ok  ",
            Mark::Warn => "warn",
            Mark::Fail => "FAIL",
            Mark::Skip => "skip",
        };
        failed += usize::from(l.mark == Mark::Fail);
        writeln!(out, "{mark}  {:<18} {}", l.name, l.text).map_err(output_error)?;
        if let Some(hint) = &l.hint {
            writeln!(out, "      hint: {hint}").map_err(output_error)?;
        }
    }
    Ok(failed)
}

/// The resource `kubectl auth can-i` names for a manifest kind.
fn resource(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "ServiceAccount" => "serviceaccounts",
        "Role" => "roles.rbac.authorization.k8s.io",
        "RoleBinding" => "rolebindings.rbac.authorization.k8s.io",
        "ResourceQuota" => "resourcequotas",
        "LimitRange" => "limitranges",
        "NetworkPolicy" => "networkpolicies.networking.k8s.io",
        "Secret" => "secrets",
        "FlinkDeployment" => "flinkdeployments.flink.apache.org",
        "Deployment" => "deployments.apps",
        "Service" => "services",
        "ConfigMap" => "configmaps",
        _ => return None,
    })
}

/// (verb, resource, namespace) for everything `up` does: server-side apply is get + create or
/// patch; helm keeps its release in Secrets of the operator's namespace and creates the chart's
/// objects there; the wait reads the FlinkDeployment and the gateway's Deployment.
pub fn permissions(config: &DeployConfig) -> Result<Vec<(String, String, String)>, CliError> {
    let mut manifests = render_all(config, false)?;
    manifests.push(secret_objects(config)?);
    let ns = config.namespace.as_str();
    let op = config.operator.namespace.as_str();
    let mut wanted: Vec<(String, String, String)> = Vec::new();
    let mut add = |verbs: &[&str], res: &str, ns: &str| {
        for v in verbs {
            let item = ((*v).to_owned(), res.to_owned(), ns.to_owned());
            if !wanted.contains(&item) {
                wanted.push(item);
            }
        }
    };
    add(&["get", "create", "patch"], "namespaces", "");
    add(
        &["get", "create", "patch"],
        "customresourcedefinitions.apiextensions.k8s.io",
        "",
    );
    for m in &manifests {
        for o in &m.objects {
            if let Some(res) = resource(&o.kind) {
                add(&["get", "create", "patch"], res, ns);
            }
        }
    }
    add(&["list", "get", "create", "update"], "secrets", op);
    for res in [
        "deployments.apps",
        "serviceaccounts",
        "configmaps",
        "services",
        "roles.rbac.authorization.k8s.io",
        "rolebindings.rbac.authorization.k8s.io",
    ] {
        add(&["get", "create", "patch"], res, op);
    }
    for res in [
        "clusterroles.rbac.authorization.k8s.io",
        "clusterrolebindings.rbac.authorization.k8s.io",
    ] {
        add(&["get", "create", "patch"], res, "");
    }
    add(&["list"], "pods", ns);
    add(&["list"], "events", ns);
    Ok(wanted)
}

fn rbac(config: &DeployConfig, tools: &Tools) -> Result<Line, CliError> {
    let wanted = permissions(config)?;
    let mut missing = Vec::new();
    for (verb, res, ns) in &wanted {
        let mut args = vec!["auth", "can-i", verb.as_str(), res.as_str()];
        if !ns.is_empty() {
            args.extend(["-n", ns.as_str()]);
        }
        let out = tools.kubectl(&args, None)?;
        match out.stdout.trim() {
            "yes" => {}
            s if s.starts_with("no") => missing.push(if ns.is_empty() {
                format!("{verb} {res}")
            } else {
                format!("{verb} {res} in {ns}")
            }),
            _ => return Err(steps::unreachable(&out)),
        }
    }
    Ok(if missing.is_empty() {
        line(
            Mark::Ok,
            "rbac (can-i)",
            format!("all {} permissions `up` needs are granted", wanted.len()),
        )
    } else {
        line(
            Mark::Fail,
            "rbac (can-i)",
            format!(
                "{} of {} permissions `up` needs are missing: {}",
                missing.len(),
                wanted.len(),
                missing.join(", ")
            ),
        )
        .hint("ask a cluster admin to grant them (a Role in the namespaces, a ClusterRole for namespaces, CRDs and the operator's cluster roles)")
    })
}

fn get_json(tools: &Tools, args: &[&str]) -> Result<Option<Value>, CliError> {
    let mut all = args.to_vec();
    all.extend(["--ignore-not-found", "-o", "json"]);
    let out = tools.kubectl(&all, None)?;
    if !out.ok() {
        if out.stderr.contains("Forbidden") || out.stderr.contains("forbidden") {
            return Ok(Some(Value::String(first_line(&out.stderr).to_owned())));
        }
        return Err(steps::unreachable(&out));
    }
    if out.stdout.trim().is_empty() {
        return Ok(None);
    }
    Ok(serde_json::from_str(&out.stdout).ok())
}

fn crds(tools: &Tools) -> Result<Line, CliError> {
    let name = "operator CRDs";
    Ok(
        match get_json(tools, &["get", "crd", "flinkdeployments.flink.apache.org"])? {
            Some(Value::String(denied)) => line(Mark::Fail, name, denied)
                .hint("`up` reads and applies the CRDs: grant get on customresourcedefinitions"),
            Some(crd) => {
                let versions: Vec<&str> = crd["spec"]["versions"]
                    .as_array()
                    .map(|v| v.iter().filter_map(|x| x["name"].as_str()).collect())
                    .unwrap_or_default();
                line(
                    Mark::Ok,
                    name,
                    format!(
                        "flinkdeployments.flink.apache.org installed (versions {}); `up` brings them to the chart's",
                        versions.join(", ")
                    ),
                )
            }
            None => line(
                Mark::Ok,
                name,
                "not installed yet: `up` installs them from the operator chart",
            ),
        },
    )
}

fn operator(config: &DeployConfig, tools: &Tools) -> Line {
    let name = "operator release";
    let op = &config.operator;
    match steps::current_release(tools, op) {
        Ok(Some(release)) => {
            let chart = release["chart"].as_str().unwrap_or("?");
            let app = release["app_version"].as_str().unwrap_or("?");
            let same = chart.ends_with(&format!("-{}", op.version));
            let text = format!(
                "{} in {}: chart {chart} (app {app}){}",
                op.release,
                op.namespace,
                if same {
                    String::new()
                } else {
                    format!("; `up` upgrades it to {}", op.version)
                }
            );
            line(Mark::Ok, name, text)
        }
        Ok(None) => line(
            Mark::Ok,
            name,
            format!(
                "none in {}: `up` installs {} {}",
                op.namespace, op.release, op.version
            ),
        ),
        Err(e) => line(
            Mark::Fail,
            name,
            format!("helm could not list releases: {}", e.message),
        )
        .hint("install helm 3 and make sure it can read Secrets in the operator's namespace"),
    }
}

/// DaemonSets in kube-system that enforce NetworkPolicies, with what they are.
const ENFORCERS: &[(&str, &str)] = &[
    ("anetd", "GKE Dataplane V2"),
    ("calico-node", "Calico"),
    ("cilium", "Cilium"),
    ("azure-npm", "Azure Network Policy Manager"),
    ("antrea-agent", "Antrea"),
    ("kube-router", "kube-router"),
];

fn network_policies(tools: &Tools) -> Result<Line, CliError> {
    let name = "network policies";
    let api = tools.kubectl(
        &[
            "api-resources",
            "--api-group=networking.k8s.io",
            "-o",
            "name",
        ],
        None,
    )?;
    if !api.ok() {
        return Err(steps::unreachable(&api));
    }
    if !api.stdout.lines().any(|l| l.starts_with("networkpolicies")) {
        return Ok(line(
            Mark::Fail,
            name,
            "the API server has no networking.k8s.io/networkpolicies",
        )
        .hint("`up` applies six NetworkPolicies; this cluster cannot store them"));
    }
    let ds = get_json(tools, &["get", "daemonsets", "-n", "kube-system"])?;
    let names: Vec<String> = ds
        .as_ref()
        .and_then(|d| d["items"].as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let found = ENFORCERS
        .iter()
        .find(|(ds, _)| names.iter().any(|n| n == ds));
    Ok(match found {
        Some((ds, what)) => line(
            Mark::Ok,
            name,
            format!("API served; enforced by {what} (kube-system/{ds})"),
        ),
        None => line(
            Mark::Warn,
            name,
            "API served, but no known enforcer runs in kube-system: the policies would be stored, not enforced",
        )
        .hint("GKE: enable Dataplane V2 or network policy enforcement; AKS: create the cluster with --network-policy azure, calico or cilium"),
    })
}

fn workload_identity(config: &DeployConfig, tools: &Tools) -> Result<Line, CliError> {
    let name = "workload identity";
    let vars = &config.template_vars;
    let sa = vars.get("K8S_SERVICE_ACCOUNT").unwrap_or("flink");
    let (kind, object, annotation, identity, hint) = match config.cloud {
        Cloud::Gcp => (
            "daemonset",
            "gke-metadata-server",
            "iam.gke.io/gcp-service-account",
            vars.get("GCP_SERVICE_ACCOUNT").unwrap_or(""),
            format!(
                "enable Workload Identity on the cluster (--workload-pool={project}.svc.id.goog) and the node pool (--workload-metadata=GKE_METADATA); \
                 bind roles/iam.workloadIdentityUser on the Google service account to {project}.svc.id.goog[{ns}/{sa}] (not visible to kubectl)",
                project = vars.get("GCP_PROJECT_ID").unwrap_or("PROJECT"),
                ns = config.namespace,
            ),
        ),
        Cloud::Azure => (
            "mutatingwebhookconfiguration",
            "azure-wi-webhook-mutating-webhook-configuration",
            "azure.workload.identity/client-id",
            vars.get("AZURE_CLIENT_ID").unwrap_or(""),
            format!(
                "enable the OIDC issuer and Workload Identity on the cluster (az aks update --enable-oidc-issuer --enable-workload-identity); \
                 add a federated credential for system:serviceaccount:{ns}:{sa} to the managed identity (not visible to kubectl)",
                ns = config.namespace,
            ),
        ),
    };
    let mut args = vec!["get", kind, object];
    if kind == "daemonset" {
        args.extend(["-n", "kube-system"]);
    }
    let present = get_json(tools, &args)?;
    let ksa = get_json(
        tools,
        &["get", "serviceaccount", sa, "-n", &config.namespace],
    )?;
    let ksa_text = match ksa.as_ref().and_then(|k| k["metadata"].as_object()) {
        Some(meta) => {
            let current = meta
                .get("annotations")
                .and_then(|a| a[annotation].as_str())
                .unwrap_or("(none)");
            if current == identity {
                format!("ServiceAccount {sa} is bound to {identity}")
            } else {
                format!("ServiceAccount {sa} has {annotation}={current}; `up` sets {identity}")
            }
        }
        None => format!("`up` creates ServiceAccount {sa} bound to {identity}"),
    };
    Ok(match present {
        Some(Value::Object(_)) => line(
            Mark::Ok,
            name,
            format!("{kind} {object} present; {ksa_text}"),
        ),
        _ => line(
            Mark::Fail,
            name,
            format!("no {kind} {object}: Workload Identity is not enabled; {ksa_text}"),
        )
        .hint(hint),
    })
}

fn storage_class(config: &DeployConfig, tools: &Tools) -> Result<Line, CliError> {
    let name = "rocksdb storage";
    let vars = &config.template_vars;
    if vars.get("ROCKSDB_VOLUME") != Some("pvc") {
        return Ok(line(
            Mark::Ok,
            name,
            "emptyDir (ROCKSDB_VOLUME=emptydir): no storage class needed",
        ));
    }
    let class = vars.get("ROCKSDB_STORAGE_CLASS").unwrap_or("");
    Ok(match get_json(tools, &["get", "storageclass", class])? {
        Some(Value::Object(sc)) => line(
            Mark::Ok,
            name,
            format!(
                "storage class {class} (provisioner {}, binding {})",
                sc.get("provisioner").and_then(Value::as_str).unwrap_or("?"),
                sc.get("volumeBindingMode")
                    .and_then(Value::as_str)
                    .unwrap_or("Immediate")
            ),
        ),
        _ => {
            let all = tools.kubectl(&["get", "storageclass", "-o", "name"], None)?;
            let names: Vec<&str> = all
                .stdout
                .lines()
                .map(|l| l.trim_start_matches("storageclass.storage.k8s.io/"))
                .collect();
            line(
                Mark::Fail,
                name,
                format!("no storage class {class} for the TaskManagers' RocksDB volumes"),
            )
            .hint(if names.is_empty() {
                "the cluster has no storage class: set ROCKSDB_VOLUME=emptydir, or create one"
                    .to_owned()
            } else {
                format!(
                    "set ROCKSDB_STORAGE_CLASS to one of: {} (or ROCKSDB_VOLUME=emptydir)",
                    names.join(", ")
                )
            })
        }
    })
}

/// The namespace's quotas (live), or the one `up` will create from the profile.
pub fn quotas(config: &DeployConfig, tools: &Tools) -> Result<Vec<(String, Quota)>, CliError> {
    let live = get_json(tools, &["get", "resourcequota", "-n", &config.namespace])?;
    if let Some(Value::String(denied)) = &live {
        return Err(CliError::input(format!(
            "cannot read the namespace's quotas: {denied}"
        )));
    }
    let mut found: Vec<(String, Quota)> = live
        .as_ref()
        .and_then(|l| l["items"].as_array())
        .map(|items| {
            items
                .iter()
                .map(|q| {
                    let name = q["metadata"]["name"].as_str().unwrap_or("?").to_owned();
                    (name, Quota::from_object(q))
                })
                .collect()
        })
        .unwrap_or_default();
    if !found.iter().any(|(n, _)| n == QUOTA_NAME) {
        found.push((
            format!("{QUOTA_NAME} (from the profile)"),
            Quota::from_profile(config),
        ));
    }
    Ok(found)
}

/// TaskManagers of the FlinkDeployment now (0 when there is none).
pub fn current_taskmanagers(config: &DeployConfig, tools: &Tools) -> Result<Option<u64>, CliError> {
    let fd = get_json(
        tools,
        &[
            "get",
            "flinkdeployment",
            &config.cluster_name,
            "-n",
            &config.namespace,
        ],
    )?;
    Ok(fd
        .as_ref()
        .filter(|v| v.is_object())
        .map(|v| v["spec"]["taskManager"]["replicas"].as_u64().unwrap_or(0)))
}

fn quota(config: &DeployConfig, tools: &Tools) -> Result<Line, CliError> {
    let name = "quota headroom";
    let tms: u64 = config
        .template_vars
        .get("TM_REPLICAS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let now = current_taskmanagers(config, tools)?;
    let ours = now.map(|n| sizing::platform(config, n)).unwrap_or_default();
    let wanted = sizing::platform(config, tms);
    let tm = sizing::taskmanager(config);
    let mut room = u64::MAX;
    for (qname, q) in quotas(config, tools)? {
        match sizing::fits(&q, wanted, ours) {
            Ok(available) => {
                let left = |a: u64, w: u64, per: u64| (a - w).checked_div(per).unwrap_or(u64::MAX);
                room = room
                    .min(left(available.cpu_milli, wanted.cpu_milli, tm.cpu_milli))
                    .min(left(available.memory, wanted.memory, tm.memory))
                    .min(left(available.pods, wanted.pods, tm.pods));
            }
            Err(available) => {
                return Ok(line(
                    Mark::Fail,
                    name,
                    format!(
                        "the platform with {tms} TaskManagers needs {}; ResourceQuota {qname} leaves {}",
                        wanted.show(),
                        available.show()
                    ),
                )
                .hint("raise QUOTA_CPU / QUOTA_MEMORY / QUOTA_PODS (our quota) or lower TM_REPLICAS, TM_CPU, TM_MEMORY"));
            }
        }
    }
    Ok(line(
        Mark::Ok,
        name,
        format!(
            "the platform with {tms} TaskManagers needs {}; room for {} more TaskManager(s)",
            wanted.show(),
            if room == u64::MAX {
                "any number of".to_owned()
            } else {
                room.to_string()
            }
        ),
    ))
}
