//! What is already in the cluster, for the decisions that must not be guessed: whether `up`
//! created the namespace, which objects in it flink-sql did not create (`down` keeps a namespace
//! that holds any), and which old objects stand in the way of `up` (`migrate` removes them).

use serde_json::Value;

use super::kube::Tools;
use super::steps::{failed, unreachable};
use super::templates::Manifest;
use crate::error::CliError;

/// The label that marks what flink-sql created (and, on a namespace, that `up` created it).
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// The namespace as `up` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Namespace {
    Absent,
    /// Created by `up` (it carries our managed-by label).
    Ours,
    /// It was there before `up`: adopted, never deleted by `down`. Its labels as found.
    Adopted {
        labels: Value,
    },
}

pub fn namespace(tools: &Tools, name: &str) -> Result<Namespace, CliError> {
    let out = tools.kubectl(
        &["get", "namespace", name, "--ignore-not-found", "-o", "json"],
        None,
    )?;
    if !out.ok() {
        return Err(failed("kubectl get namespace", &out));
    }
    if out.stdout.trim().is_empty() {
        return Ok(Namespace::Absent);
    }
    let ns: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    Ok(if is_ours(&ns) {
        Namespace::Ours
    } else {
        Namespace::Adopted {
            labels: ns["metadata"]["labels"].clone(),
        }
    })
}

fn is_ours(object: &Value) -> bool {
    object["metadata"]["labels"][MANAGED_BY] == "flink-sql"
}

/// An object found in the namespace, and why it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// `kind/name` (with the API group for kinds outside the core groups), as kubectl takes it.
    pub object: String,
    pub why: String,
}

/// Kinds that hold what users put in a namespace; events, leases and endpoints are derived.
const USER_KINDS: &str = "deployments.apps,statefulsets.apps,daemonsets.apps,jobs.batch,\
cronjobs.batch,pods,services,secrets,configmaps,persistentvolumeclaims,serviceaccounts,\
networkpolicies.networking.k8s.io,roles.rbac.authorization.k8s.io,\
rolebindings.rbac.authorization.k8s.io";
const FLINK_KINDS: &str = "flinkdeployments.flink.apache.org,flinksessionjobs.flink.apache.org";

/// Objects in the namespace that neither flink-sql nor the Flink cluster it runs created.
/// Owned objects (pods of a Deployment, ...) are left out: their owner is listed.
pub fn foreign(tools: &Tools, namespace: &str, cluster: &str) -> Result<Vec<String>, CliError> {
    let mut items = list(tools, namespace, USER_KINDS)?;
    items.extend(list(tools, namespace, FLINK_KINDS)?);
    Ok(items
        .iter()
        .filter(|item| !created_by_us(item, cluster))
        .map(object_arg)
        .collect())
}

fn created_by_us(item: &Value, cluster: &str) -> bool {
    let meta = &item["metadata"];
    let kind = item["kind"].as_str().unwrap_or_default();
    let name = meta["name"].as_str().unwrap_or_default();
    is_ours(item)
        // Flink's native mode labels what it creates with the cluster's name.
        || meta["labels"]["app"] == cluster
        || meta["ownerReferences"].as_array().is_some_and(|o| !o.is_empty())
        // Kubernetes puts these into every namespace.
        || (kind == "ConfigMap" && name == "kube-root-ca.crt")
        || (kind == "ServiceAccount" && name == "default")
        || item["type"] == "kubernetes.io/service-account-token"
}

/// Every item of the given kinds; kinds the server does not know yet (no CRDs) give none.
fn list(tools: &Tools, namespace: &str, kinds: &str) -> Result<Vec<Value>, CliError> {
    let out = tools.kubectl(&["get", kinds, "-n", namespace, "-o", "json"], None)?;
    if !out.ok() {
        if out
            .stderr
            .contains("the server doesn't have a resource type")
        {
            return Ok(Vec::new());
        }
        return Err(failed("kubectl get", &out));
    }
    let list: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    Ok(list["items"].as_array().cloned().unwrap_or_default())
}

/// `kind.group/name`, lower case, so that kubectl finds it whatever API group it is in.
fn object_arg(item: &Value) -> String {
    let kind = item["kind"].as_str().unwrap_or_default().to_lowercase();
    let group = item["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map(|(g, _)| g)
        .filter(|g| !matches!(*g, "apps" | "batch" | "networking.k8s.io"))
        .filter(|g| !g.starts_with("rbac."));
    let name = item["metadata"]["name"].as_str().unwrap_or_default();
    match group {
        Some(g) => format!("{kind}.{g}/{name}"),
        None => format!("{kind}/{name}"),
    }
}

/// What stands in the way of `up`: the objects to remove, and how many pods break Pod Security
/// without the server having named them (a second `migrate` finds them once these are gone).
#[derive(Debug, Default)]
pub struct Blockers {
    pub found: Vec<Found>,
    pub unnamed_pods: usize,
}

/// What stands in the way of `up` in the namespace, in the order to remove it: the old session
/// clusters (FlinkDeployments flink-sql did not create), objects with the names of ours that
/// flink-sql did not create, and the owners of pods that break Pod Security "restricted"
/// (with those pods, which the garbage collector would remove with them).
pub fn blockers(
    tools: &Tools,
    namespace: &str,
    manifests: &[Manifest],
) -> Result<Blockers, CliError> {
    let mut found = Vec::new();
    for item in list(tools, namespace, FLINK_KINDS)? {
        let flink = matches!(
            item["kind"].as_str(),
            Some("FlinkDeployment" | "FlinkSessionJob")
        );
        if flink && !is_ours(&item) {
            found.push(Found {
                object: object_arg(&item),
                why: "an old Flink cluster, not created by flink-sql: its pods break Pod Security \
                      \"restricted\" (stop its jobs with a savepoint first)"
                    .to_owned(),
            });
        }
    }
    let ours: Vec<String> = manifests
        .iter()
        .flat_map(|m| &m.objects)
        .filter(|o| o.kind != "Namespace")
        .map(|o| o.arg())
        .collect();
    for item in get_named(tools, namespace, &ours)? {
        if !is_ours(&item) {
            let kind = item["kind"].as_str().unwrap_or_default();
            found.push(Found {
                object: object_arg(&item),
                why: format!(
                    "has the name of the platform's {kind} but flink-sql did not create it \
                     (up would collide with it)"
                ),
            });
        }
    }
    let (pods, unnamed_pods) = pod_security_violations(tools, namespace)?;
    for pod in pods {
        let top = top_owner(tools, namespace, &format!("pod/{pod}"))?;
        if top != format!("pod/{pod}") {
            found.push(Found {
                object: top,
                why: format!("its pod {pod} breaks Pod Security \"restricted\""),
            });
        }
        found.push(Found {
            object: format!("pod/{pod}"),
            why: "breaks Pod Security \"restricted\" (goes with its owner)".to_owned(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|f| seen.insert(f.object.clone()));
    Ok(Blockers {
        found,
        unnamed_pods,
    })
}

fn get_named(tools: &Tools, namespace: &str, objects: &[String]) -> Result<Vec<Value>, CliError> {
    let mut args = vec!["get", "-n", namespace, "--ignore-not-found", "-o", "json"];
    args.extend(objects.iter().map(String::as_str));
    let out = tools.kubectl(&args, None)?;
    if !out.ok() {
        return Err(failed("kubectl get", &out));
    }
    let value: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    Ok(match value["items"].as_array() {
        Some(items) => items.clone(),
        None if value.is_object() => vec![value],
        None => Vec::new(),
    })
}

/// Pods that break "restricted", and how many more do without being known by name. The API server
/// (asked in a dry run to enforce "restricted") names one pod per distinct violation and counts
/// the others; when the count covers every pod flink-sql did not create, those are the ones.
fn pod_security_violations(
    tools: &Tools,
    namespace: &str,
) -> Result<(Vec<String>, usize), CliError> {
    let out = tools.kubectl(
        &[
            "label",
            "--dry-run=server",
            "--overwrite",
            "namespace",
            namespace,
            "pod-security.kubernetes.io/enforce=restricted",
            "pod-security.kubernetes.io/enforce-version=latest",
        ],
        None,
    )?;
    if !out.ok() {
        return Err(unreachable(&out));
    }
    let (named, total) = violating_pods(&out.stderr);
    if total == named.len() {
        return Ok((named, 0));
    }
    let candidates: Vec<String> = list(tools, namespace, "pods")?
        .iter()
        .filter(|pod| !is_ours(pod))
        .filter_map(|pod| pod["metadata"]["name"].as_str().map(str::to_owned))
        .collect();
    Ok(if candidates.len() == total {
        (candidates, 0)
    } else {
        let unnamed = total - named.len();
        (named, unnamed)
    })
}

/// `Warning: NAME: reason` lines (or `NAME (and N other pods): reason`) as the pod names given
/// and the number of violating pods in all.
fn violating_pods(stderr: &str) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut total = 0;
    for line in stderr.lines().filter_map(|l| l.strip_prefix("Warning: ")) {
        let Some((who, _)) = line.split_once(':') else {
            continue;
        };
        let (name, more) = match who.split_once(" (and ") {
            Some((name, rest)) => (name, rest.split(' ').next().and_then(|n| n.parse().ok())),
            None => (who, Some(0)),
        };
        let name = name.trim();
        if line.starts_with("existing pods in namespace") || name.is_empty() || name.contains(' ') {
            continue;
        }
        names.push(name.to_owned());
        total += 1 + more.unwrap_or(0);
    }
    (names, total)
}

/// Follows controller owner references up from an object to the one nothing owns.
fn top_owner(tools: &Tools, namespace: &str, object: &str) -> Result<String, CliError> {
    let mut current = object.to_owned();
    for _ in 0..5 {
        let items = get_named(tools, namespace, std::slice::from_ref(&current))?;
        let Some(item) = items.first() else {
            break;
        };
        let owners = item["metadata"]["ownerReferences"].as_array();
        let Some(owner) = owners.and_then(|o| {
            o.iter()
                .find(|r| r["controller"] == true)
                .or_else(|| o.first())
        }) else {
            break;
        };
        current = object_arg(&serde_json::json!({
            "kind": owner["kind"],
            "apiVersion": owner["apiVersion"],
            "metadata": {"name": owner["name"]},
        }));
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_security_warnings_name_the_pods() {
        let stderr = "Warning: existing pods in namespace \"flink-studio\" violate the new PodSecurity enforce level \"restricted:latest\"\nWarning: flink-sql-gateway-7d9c-abcde: allowPrivilegeEscalation != false, runAsNonRoot != true\nWarning: flink-session-cluster-jm-1 (and 2 other pods): seccompProfile\nnamespace/flink-studio labeled (server dry run)\n";
        let (names, total) = violating_pods(stderr);
        assert_eq!(
            names,
            ["flink-sql-gateway-7d9c-abcde", "flink-session-cluster-jm-1"]
        );
        assert_eq!(total, 4);
    }

    #[test]
    fn objects_are_named_with_their_api_group_outside_the_core_groups() {
        let item = |kind: &str, api: &str| serde_json::json!({"kind": kind, "apiVersion": api, "metadata": {"name": "x"}});
        assert_eq!(object_arg(&item("Deployment", "apps/v1")), "deployment/x");
        assert_eq!(object_arg(&item("Secret", "v1")), "secret/x");
        assert_eq!(
            object_arg(&item("FlinkDeployment", "flink.apache.org/v1beta1")),
            "flinkdeployment.flink.apache.org/x"
        );
        assert_eq!(
            object_arg(&item("Role", "rbac.authorization.k8s.io/v1")),
            "role/x"
        );
    }

    #[test]
    fn what_flink_sql_or_its_cluster_created_is_not_foreign() {
        let ours = serde_json::json!({"kind": "Secret", "metadata": {"name": "k", "labels": {MANAGED_BY: "flink-sql"}}});
        let flink = serde_json::json!({"kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "flink-session"}}});
        let owned = serde_json::json!({"kind": "Pod", "metadata": {"name": "p", "ownerReferences": [{"kind": "ReplicaSet"}]}});
        let root_ca =
            serde_json::json!({"kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt"}});
        let old = serde_json::json!({"kind": "Secret", "metadata": {"name": "aiven-credentials"}});
        for item in [&ours, &flink, &owned, &root_ca] {
            assert!(created_by_us(item, "flink-session"), "{item}");
        }
        assert!(!created_by_us(&old, "flink-session"));
    }
}
