//! Waiting for readiness: the FlinkDeployment (JobManager READY, lifecycle STABLE) and the SQL
//! Gateway Deployment (Available, current generation). A timeout names the likely cause.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::kube::{first_line, Tools};
use super::steps::{failed, Outcome};
use crate::error::{CliError, Exit};

pub const POLL: Duration = Duration::from_secs(2);

/// What one look at an object found.
enum Seen {
    Ready(String),
    NotYet { state: String, hints: Vec<String> },
}

/// Polls until the FlinkDeployment is READY and STABLE.
pub fn flink(
    tools: &Tools,
    namespace: &str,
    name: &str,
    operator_ns: &str,
    deadline: Instant,
) -> Result<Outcome, CliError> {
    poll(deadline, &format!("FlinkDeployment {name}"), || {
        let status = get(tools, namespace, "flinkdeployment", name)?;
        Ok(flink_state(&status, namespace, operator_ns))
    })
}

fn flink_state(object: &Value, namespace: &str, operator_ns: &str) -> Seen {
    let status = &object["status"];
    let jm = status["jobManagerDeploymentStatus"].as_str().unwrap_or("");
    let lifecycle = status["lifecycleState"].as_str().unwrap_or("");
    if jm == "READY" && lifecycle == "STABLE" {
        return Seen::Ready("JobManager READY, STABLE".to_owned());
    }
    let mut hints = Vec::new();
    if status.is_null() || (jm.is_empty() && lifecycle.is_empty()) {
        hints.push(format!(
            "the operator has not reported on it: is it running and watching {namespace}? \
             kubectl -n {operator_ns} get pods; kubectl -n {operator_ns} logs deploy/flink-kubernetes-operator"
        ));
    } else {
        hints.push(format!(
            "JobManager pods are not ready: kubectl -n {namespace} get pods,events \
             (image pull: FLINK_IMAGE; quota: QUOTA_*; Pod Security rejections show as events)"
        ));
    }
    if let Some(error) = status["error"].as_str().filter(|e| !e.is_empty()) {
        hints.push(format!("the operator reports: {}", first_line(error)));
    }
    Seen::NotYet {
        state: format!(
            "JobManager {}, lifecycle {}",
            or_none(jm),
            or_none(lifecycle)
        ),
        hints,
    }
}

/// Polls until the operator reports `wanted` TaskManagers (status.taskManager.replicas, the
/// scale subresource's status) on a READY JobManager.
pub fn taskmanagers(
    tools: &Tools,
    namespace: &str,
    name: &str,
    wanted: u64,
    deadline: Instant,
) -> Result<Outcome, CliError> {
    poll(deadline, &format!("FlinkDeployment {name}"), || {
        let object = get(tools, namespace, "flinkdeployment", name)?;
        Ok(taskmanager_state(&object, namespace, wanted))
    })
}

fn taskmanager_state(object: &Value, namespace: &str, wanted: u64) -> Seen {
    let status = &object["status"];
    let reported = status["taskManager"]["replicas"].as_u64();
    let jm = status["jobManagerDeploymentStatus"].as_str().unwrap_or("");
    if reported == Some(wanted) && jm == "READY" {
        return Seen::Ready(format!("the operator reports {wanted} TaskManager(s)"));
    }
    let shown = reported.map_or("none".to_owned(), |r| r.to_string());
    let mut hints = vec![format!(
        "new TaskManager pods need nodes with room for TM_CPU and TM_MEMORY: kubectl -n {namespace} get pods,events"
    )];
    if reported.is_none() {
        hints.push(
            "no TaskManager count in the FlinkDeployment's status: without a running operator watching the namespace, nothing reconciles the patch"
                .to_owned(),
        );
    }
    Seen::NotYet {
        state: format!(
            "the operator reports {shown} TaskManager(s) of {wanted}, JobManager {}",
            or_none(jm)
        ),
        hints,
    }
}

/// Polls until the gateway Deployment is Available at its current generation.
pub fn gateway(tools: &Tools, namespace: &str, deadline: Instant) -> Result<Outcome, CliError> {
    poll(deadline, "Deployment flink-sql-gateway", || {
        let object = get(tools, namespace, "deployment", "flink-sql-gateway")?;
        Ok(gateway_state(&object, namespace))
    })
}

fn gateway_state(object: &Value, namespace: &str) -> Seen {
    let generation = object["metadata"]["generation"].as_i64().unwrap_or(0);
    let observed = object["status"]["observedGeneration"].as_i64().unwrap_or(0);
    let conditions = object["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let condition = |kind: &str| {
        conditions.iter().find(|c| c["type"] == kind).map(|c| {
            (
                c["status"] == "True",
                c["message"].as_str().unwrap_or("").to_owned(),
            )
        })
    };
    let ready = object["status"]["readyReplicas"].as_i64().unwrap_or(0);
    let wanted = object["spec"]["replicas"].as_i64().unwrap_or(1);
    if observed >= generation && condition("Available").is_some_and(|(ok, _)| ok) {
        return Seen::Ready(format!("Available, {ready}/{wanted} ready"));
    }
    let mut hints = vec![format!(
        "gateway pods are not ready: its probes on /v1/info fail until it starts, and it starts \
         only when the JobManager REST Service answers: kubectl -n {namespace} logs deploy/flink-sql-gateway"
    )];
    if let Some((true, message)) = condition("ReplicaFailure") {
        hints.push(format!(
            "pods cannot be created: {message} (ResourceQuota? Pod Security?)"
        ));
    }
    Seen::NotYet {
        state: format!("{ready}/{wanted} ready"),
        hints,
    }
}

/// One look, for `deploy status`: ready or not, and the state seen.
pub fn flink_now(
    tools: &Tools,
    namespace: &str,
    name: &str,
    operator_ns: &str,
) -> Result<(bool, String), CliError> {
    Ok(seen(flink_state(
        &get(tools, namespace, "flinkdeployment", name)?,
        namespace,
        operator_ns,
    )))
}

/// One look at the gateway, for `deploy status`.
pub fn gateway_now(tools: &Tools, namespace: &str) -> Result<(bool, String), CliError> {
    Ok(seen(gateway_state(
        &get(tools, namespace, "deployment", "flink-sql-gateway")?,
        namespace,
    )))
}

fn seen(s: Seen) -> (bool, String) {
    match s {
        Seen::Ready(state) => (true, state),
        Seen::NotYet { state, .. } => (false, state),
    }
}

fn poll(
    deadline: Instant,
    what: &str,
    mut look: impl FnMut() -> Result<Seen, CliError>,
) -> Result<Outcome, CliError> {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        match look()? {
            Seen::Ready(state) => return Ok(Outcome::Done(state)),
            Seen::NotYet { state, hints } => {
                // A long wait shows each new state on stderr, so CI logs are not silent for minutes.
                if state != last {
                    eprintln!("      {what}: {state} ({}s)", started.elapsed().as_secs());
                    last.clone_from(&state);
                }
                if Instant::now() >= deadline {
                    let mut err = CliError::new(
                        Exit::Timeout,
                        format!("{what} is not ready before the timeout: {state}"),
                    );
                    for h in hints {
                        err = err.with_hint(h);
                    }
                    return Err(err.with_hint("wait longer with --timeout (or DEPLOY_TIMEOUT)"));
                }
            }
        }
        std::thread::sleep(POLL.min(deadline.saturating_duration_since(Instant::now())));
    }
}

fn get(tools: &Tools, namespace: &str, kind: &str, name: &str) -> Result<Value, CliError> {
    let out = tools.kubectl(&["get", kind, name, "-n", namespace, "-o", "json"], None)?;
    if !out.ok() {
        return Err(failed(&format!("kubectl get {kind} {name}"), &out));
    }
    serde_json::from_str(&out.stdout).map_err(|e| {
        CliError::new(
            Exit::Connection,
            format!("kubectl get {kind} {name}: not JSON: {e}"),
        )
    })
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flink_ready_only_when_ready_and_stable() {
        let ready =
            json!({"status": {"jobManagerDeploymentStatus": "READY", "lifecycleState": "STABLE"}});
        assert!(matches!(flink_state(&ready, "ns", "op"), Seen::Ready(_)));
        let deploying = json!({"status": {"jobManagerDeploymentStatus": "DEPLOYING", "lifecycleState": "DEPLOYED", "error": "quota exceeded\nstack"}});
        match flink_state(&deploying, "ns", "op") {
            Seen::NotYet { state, hints } => {
                assert_eq!(state, "JobManager DEPLOYING, lifecycle DEPLOYED");
                assert!(hints.iter().any(|h| h.contains("get pods,events")));
                assert!(hints.iter().any(|h| h.ends_with("quota exceeded")));
            }
            Seen::Ready(_) => panic!("not ready"),
        }
        match flink_state(&json!({"metadata": {}}), "ns", "op") {
            Seen::NotYet { hints, .. } => assert!(hints[0].contains("operator has not reported")),
            Seen::Ready(_) => panic!("not ready"),
        }
    }

    #[test]
    fn gateway_ready_needs_current_generation() {
        let stale = json!({"metadata": {"generation": 2}, "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "readyReplicas": 1,
                       "conditions": [{"type": "Available", "status": "True"}]}});
        assert!(matches!(gateway_state(&stale, "ns"), Seen::NotYet { .. }));
        let fresh = json!({"metadata": {"generation": 2}, "spec": {"replicas": 1},
            "status": {"observedGeneration": 2, "readyReplicas": 1,
                       "conditions": [{"type": "Available", "status": "True"}]}});
        assert!(matches!(gateway_state(&fresh, "ns"), Seen::Ready(_)));
    }
}
