//! The JobManager REST client: job overview, job details with vertex states, cancel.
//!
//! Enough for `exec --wait running|finished` today; `jobs list/show/stop/savepoint` build on the
//! same client later.

use std::path::PathBuf;

use reqwest::Method;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::error::CliError;
use crate::gateway::{errors, Error, Http, Log, Retry, Target};
use crate::secrets::Redactor;

/// What a user who cannot reach the JobManager should check first.
pub const JOBMANAGER_HINT: &str =
    "is the JobManager REST API reachable? (scripts/stack.sh status; FLINK_REST_URL or --jobmanager)";

/// Job states in which a job will never run again.
pub const TERMINAL_STATES: [&str; 4] = ["FINISHED", "FAILED", "CANCELED", "SUSPENDED"];

/// A row of `GET /jobs/overview`.
#[derive(Debug, Clone, Deserialize)]
pub struct JobOverview {
    pub jid: String,
    pub name: String,
    pub state: String,
    #[serde(rename = "start-time", default)]
    pub start_time: i64,
    #[serde(rename = "end-time", default)]
    pub end_time: i64,
    #[serde(default)]
    pub duration: i64,
    /// Task counts by state (`running`, `total`, `finished`, …), for health without a call per job.
    #[serde(default)]
    pub tasks: std::collections::BTreeMap<String, i64>,
}

#[derive(Debug, Deserialize)]
struct Overview {
    jobs: Vec<JobOverview>,
}

/// `GET /jobs/{id}`: the job and its vertices.
#[derive(Debug, Clone, Deserialize)]
pub struct JobDetails {
    pub jid: String,
    pub name: String,
    pub state: String,
    #[serde(default)]
    pub vertices: Vec<Vertex>,
}

/// One vertex (operator chain) of a job.
#[derive(Debug, Clone, Deserialize)]
pub struct Vertex {
    pub id: String,
    pub name: String,
    /// CREATED, SCHEDULED, DEPLOYING, INITIALIZING, RUNNING, FINISHED, FAILED, CANCELED, …
    pub status: String,
    #[serde(default)]
    pub parallelism: i64,
}

impl JobDetails {
    /// Every vertex runs (or has already finished its bounded input). After a TaskManager dies
    /// the job still says RUNNING while its tasks wait for slots, so the job state alone lies.
    pub fn all_vertices_running(&self) -> bool {
        self.state == "RUNNING"
            && self
                .vertices
                .iter()
                .all(|v| v.status == "RUNNING" || v.status == "FINISHED")
    }

    /// The job reached a state it will never leave.
    pub fn is_terminal(&self) -> bool {
        TERMINAL_STATES.contains(&self.state.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
struct Exceptions {
    #[serde(rename = "exceptionHistory", default)]
    history: Option<History>,
    #[serde(rename = "root-exception", default)]
    root_exception: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct History {
    #[serde(default)]
    entries: Vec<ExceptionEntry>,
}

#[derive(Debug, Deserialize)]
struct ExceptionEntry {
    #[serde(default)]
    stacktrace: String,
}

/// A JobManager REST client.
#[derive(Clone)]
pub struct JobManager {
    http: Http,
}

impl JobManager {
    /// Builds a client for `url` (no network yet).
    pub fn new(
        url: &str,
        ca_cert: Option<PathBuf>,
        redactor: Redactor,
        log: Option<Log>,
    ) -> Result<Self, CliError> {
        let target = Target {
            base: url.trim_end_matches('/').to_owned(),
            headers: Vec::new(),
            token: None,
            ca_cert,
            what: "JobManager",
            hint: JOBMANAGER_HINT.to_owned(),
        };
        Ok(JobManager {
            http: Http::new(target, redactor, log)?,
        })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        self.http.base()
    }

    /// `GET /config`: the cheapest call that proves the JobManager answers.
    pub async fn check(&self) -> Result<(), CliError> {
        let _: IgnoredAny = self
            .http
            .call(Method::GET, "/config", None::<&()>, Retry::Idempotent)
            .await?;
        Ok(())
    }

    /// `GET /jobs/overview`: every job with name, state and times, in one call.
    pub async fn overview(&self) -> Result<Vec<JobOverview>, CliError> {
        let o: Overview = self
            .http
            .call(
                Method::GET,
                "/jobs/overview",
                None::<&()>,
                Retry::Idempotent,
            )
            .await?;
        Ok(o.jobs)
    }

    /// `GET /jobs/{id}`; `None` when the JobManager does not know the job.
    pub async fn job(&self, id: &str) -> Result<Option<JobDetails>, CliError> {
        let path = format!("/jobs/{id}");
        self.http
            .call_optional(Method::GET, &path, None::<&()>, Retry::Idempotent)
            .await
            .map_err(Error::into_cli)
    }

    /// `PATCH /jobs/{id}?mode=cancel` (a query parameter: `mode=stop` is not a stop).
    pub async fn cancel(&self, id: &str) -> Result<(), CliError> {
        let path = format!("/jobs/{id}?mode=cancel");
        let _: IgnoredAny = self
            .http
            .call(Method::PATCH, &path, None::<&()>, Retry::Idempotent)
            .await?;
        Ok(())
    }

    /// The latest exception of a job reduced to its root cause, with the full trace.
    pub async fn root_exception(&self, id: &str) -> Result<Option<errors::ServerError>, CliError> {
        let path = format!("/jobs/{id}/exceptions");
        let e: Option<Exceptions> = self
            .http
            .call_optional(Method::GET, &path, None::<&()>, Retry::Idempotent)
            .await
            .map_err(Error::into_cli)?;
        let e = e.unwrap_or_default();
        let latest = e
            .history
            .and_then(|h| h.entries.into_iter().next())
            .map(|x| x.stacktrace);
        let trace = latest.or(e.root_exception).filter(|t| !t.trim().is_empty());
        Ok(trace.map(|t| self.redacted(errors::from_trace(&t))))
    }

    fn redacted(&self, e: errors::ServerError) -> errors::ServerError {
        let r = self.http.redactor();
        errors::ServerError {
            message: r.redact(&e.message).into_owned(),
            line_col: e.line_col,
            detail: r.redact(&e.detail).into_owned(),
        }
    }
}

/// A new job id (32 hex digits, as Flink writes them), to pin a statement's job before it is
/// submitted. Unique, not secret: hashed from a randomly keyed hasher, the time, the process id
/// and a counter.
pub fn fresh_job_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let keys = std::collections::hash_map::RandomState::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let half = |which: u64| {
        let mut h = keys.build_hasher();
        h.write_u64(which);
        h.write_u128(now);
        h.write_u32(std::process::id());
        h.write_u64(n);
        h.finish()
    };
    format!("{:016x}{:016x}", half(0), half(1))
}

// ---------------------------------------------------------------------------------------------
// For `flink-sql jobs`: one function per endpoint, the wire types they return.
// ---------------------------------------------------------------------------------------------

/// `GET /jobs/{id}` with the times `jobs show` prints.
#[derive(Debug, Clone, Deserialize)]
pub struct JobInfo {
    pub jid: String,
    pub name: String,
    pub state: String,
    #[serde(rename = "start-time", default)]
    pub start_time: i64,
    #[serde(rename = "end-time", default)]
    pub end_time: i64,
    #[serde(default)]
    pub duration: i64,
    #[serde(default)]
    pub vertices: Vec<Vertex>,
}

/// `GET /jobs/{id}/checkpoints`: counts, the latest of each kind and the bounded history.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Checkpoints {
    #[serde(default)]
    pub counts: CheckpointCounts,
    #[serde(default)]
    pub latest: LatestCheckpoints,
    #[serde(default)]
    pub history: Vec<Checkpoint>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CheckpointCounts {
    #[serde(default)]
    pub completed: i64,
    #[serde(default)]
    pub failed: i64,
    #[serde(default)]
    pub in_progress: i64,
    #[serde(default)]
    pub restored: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LatestCheckpoints {
    pub completed: Option<Checkpoint>,
    pub savepoint: Option<Checkpoint>,
    pub failed: Option<Checkpoint>,
    pub restored: Option<Restored>,
}

/// One checkpoint or savepoint as the JobManager remembers it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Checkpoint {
    #[serde(default)]
    pub id: i64,
    /// IN_PROGRESS, COMPLETED, FAILED.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub is_savepoint: bool,
    #[serde(default)]
    pub trigger_timestamp: i64,
    #[serde(default)]
    pub latest_ack_timestamp: i64,
    /// Set when a failed checkpoint failed.
    #[serde(default)]
    pub failure_timestamp: i64,
    #[serde(default)]
    pub failure_message: Option<String>,
    #[serde(default)]
    pub external_path: Option<String>,
}

/// `latest.restored`: what the job started from.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Restored {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub restore_timestamp: i64,
    #[serde(default)]
    pub is_savepoint: bool,
    #[serde(default)]
    pub external_path: Option<String>,
}

/// One entry of a job's exception history, its trace reduced to one line.
#[derive(Debug, Clone)]
pub struct JobException {
    pub timestamp: i64,
    pub task: Option<String>,
    pub error: errors::ServerError,
}

#[derive(Debug, Default, Deserialize)]
struct ExceptionsFull {
    #[serde(rename = "exceptionHistory", default)]
    history: Option<HistoryFull>,
}

#[derive(Debug, Default, Deserialize)]
struct HistoryFull {
    #[serde(default)]
    entries: Vec<ExceptionEntryFull>,
}

#[derive(Debug, Deserialize)]
struct ExceptionEntryFull {
    #[serde(default)]
    stacktrace: String,
    #[serde(default)]
    timestamp: i64,
    #[serde(rename = "taskName", default)]
    task_name: Option<String>,
}

/// `GET /overview`: the cluster in one call.
#[derive(Debug, Clone, Deserialize)]
pub struct ClusterOverview {
    #[serde(default)]
    pub taskmanagers: i64,
    #[serde(rename = "slots-total", default)]
    pub slots_total: i64,
    #[serde(rename = "slots-available", default)]
    pub slots_available: i64,
    #[serde(rename = "flink-version", default)]
    pub flink_version: String,
}

#[derive(Debug, Deserialize)]
struct ConfigEntry {
    key: String,
    value: String,
}

/// `GET /jobs/{id}/config`.
#[derive(Debug, Deserialize)]
struct JobConfig {
    #[serde(rename = "execution-config", default)]
    execution: Option<ExecutionConfig>,
}

#[derive(Debug, Deserialize)]
struct ExecutionConfig {
    #[serde(rename = "user-config", default)]
    user_config: std::collections::BTreeMap<String, serde_json::Value>,
}

/// Where a savepoint operation (trigger or stop) stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavepointStatus {
    InProgress,
    /// Done, at this path.
    Completed(String),
    /// Done, and failed: a failed operation still reports `COMPLETED`, with a `failure-cause`.
    Failed(errors::ServerError),
}

#[derive(Debug, Deserialize)]
struct SavepointAnswer {
    status: StatusId,
    #[serde(default)]
    operation: Option<SavepointOperation>,
}

#[derive(Debug, Deserialize)]
struct StatusId {
    id: String,
}

#[derive(Debug, Deserialize)]
struct SavepointOperation {
    #[serde(default)]
    location: Option<String>,
    #[serde(rename = "failure-cause", default)]
    failure_cause: Option<FailureCause>,
}

#[derive(Debug, Deserialize)]
struct FailureCause {
    #[serde(rename = "stack-trace", default)]
    stack_trace: Option<String>,
    #[serde(default)]
    class: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TriggerAnswer {
    #[serde(rename = "request-id")]
    request_id: String,
}

/// Body of `POST /jobs/{id}/savepoints` (kebab-case; unknown keys are ignored silently).
#[derive(Debug, serde::Serialize)]
struct SavepointRequest<'a> {
    #[serde(rename = "target-directory", skip_serializing_if = "Option::is_none")]
    target_directory: Option<&'a str>,
    #[serde(rename = "cancel-job")]
    cancel_job: bool,
    #[serde(rename = "triggerId")]
    trigger_id: &'a str,
}

/// Body of `POST /jobs/{id}/stop` (camelCase, unlike the savepoint trigger).
#[derive(Debug, serde::Serialize)]
struct StopRequest<'a> {
    #[serde(rename = "targetDirectory", skip_serializing_if = "Option::is_none")]
    target_directory: Option<&'a str>,
    drain: bool,
    #[serde(rename = "triggerId")]
    trigger_id: &'a str,
}

impl JobManager {
    /// Builds a client that sends the gateway's headers, bearer token and CA: auth proxies sit
    /// in front of both.
    pub fn with_auth(
        url: &str,
        headers: Vec<(String, String)>,
        token: Option<String>,
        ca_cert: Option<PathBuf>,
        redactor: Redactor,
        log: Option<Log>,
    ) -> Result<Self, CliError> {
        let target = Target {
            base: url.trim_end_matches('/').to_owned(),
            headers,
            token,
            ca_cert,
            what: "JobManager",
            hint: JOBMANAGER_HINT.to_owned(),
        };
        Ok(JobManager {
            http: Http::new(target, redactor, log)?,
        })
    }

    /// The redactor for text this client hands on unredacted (job and vertex names can be SQL).
    pub fn redactor(&self) -> &Redactor {
        self.http.redactor()
    }

    /// `GET /overview`: TaskManagers and slots.
    pub async fn cluster(&self) -> Result<ClusterOverview, CliError> {
        Ok(self
            .http
            .call(Method::GET, "/overview", None::<&()>, Retry::Idempotent)
            .await?)
    }

    /// `GET /jobmanager/config`: one value of the cluster's configuration.
    pub async fn config_value(&self, key: &str) -> Result<Option<String>, CliError> {
        let entries: Vec<ConfigEntry> = self
            .http
            .call(
                Method::GET,
                "/jobmanager/config",
                None::<&()>,
                Retry::Idempotent,
            )
            .await?;
        Ok(entries.into_iter().find(|e| e.key == key).map(|e| e.value))
    }

    /// `GET /jobs/{id}` with times; `None` when the JobManager does not know the job.
    pub async fn job_info(&self, id: &str) -> Result<Option<JobInfo>, CliError> {
        let path = format!("/jobs/{id}");
        self.http
            .call_optional(Method::GET, &path, None::<&()>, Retry::Idempotent)
            .await
            .map_err(Error::into_cli)
    }

    /// `GET /jobs/{id}/config`: the job's global job parameters (`execution-config.user-config`),
    /// where a pipeline run keeps its SQL hash; `None` when the job is unknown.
    pub async fn user_config(
        &self,
        id: &str,
    ) -> Result<Option<std::collections::BTreeMap<String, String>>, CliError> {
        let path = format!("/jobs/{id}/config");
        let answer: Option<JobConfig> = self
            .http
            .call_optional(Method::GET, &path, None::<&()>, Retry::Idempotent)
            .await
            .map_err(Error::into_cli)?;
        Ok(answer.map(|c| {
            c.execution
                .map(|e| e.user_config)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    (k, v)
                })
                .collect()
        }))
    }

    /// `GET /jobs/{id}/checkpoints`; `None` when the job is unknown.
    pub async fn checkpoints(&self, id: &str) -> Result<Option<Checkpoints>, CliError> {
        let path = format!("/jobs/{id}/checkpoints");
        self.http
            .call_optional(Method::GET, &path, None::<&()>, Retry::Idempotent)
            .await
            .map_err(Error::into_cli)
    }

    /// `GET /jobs/{id}/exceptions`: the newest `limit` entries, each reduced to one line.
    pub async fn exceptions(&self, id: &str, limit: usize) -> Result<Vec<JobException>, CliError> {
        let path = format!("/jobs/{id}/exceptions?maxExceptions={limit}");
        let e: Option<ExceptionsFull> = self
            .http
            .call_optional(Method::GET, &path, None::<&()>, Retry::Idempotent)
            .await
            .map_err(Error::into_cli)?;
        let entries = e.unwrap_or_default().history.unwrap_or_default().entries;
        Ok(entries
            .into_iter()
            .filter(|x| !x.stacktrace.trim().is_empty())
            .take(limit)
            .map(|x| JobException {
                timestamp: x.timestamp,
                task: x.task_name,
                error: self.redacted(errors::from_trace(&x.stacktrace)),
            })
            .collect())
    }

    /// `POST /jobs/{id}/savepoints` with a client-chosen trigger id: sending it again (a retry)
    /// names the same operation, so it can never take a second savepoint.
    pub async fn trigger_savepoint(
        &self,
        id: &str,
        target_directory: Option<&str>,
        trigger_id: &str,
    ) -> Result<String, CliError> {
        let path = format!("/jobs/{id}/savepoints");
        let body = SavepointRequest {
            target_directory,
            cancel_job: false,
            trigger_id,
        };
        let a: TriggerAnswer = self
            .http
            .call(Method::POST, &path, Some(&body), Retry::Idempotent)
            .await?;
        Ok(a.request_id)
    }

    /// `POST /jobs/{id}/stop` (stop with a savepoint), with a client-chosen trigger id.
    pub async fn trigger_stop(
        &self,
        id: &str,
        target_directory: Option<&str>,
        drain: bool,
        trigger_id: &str,
    ) -> Result<String, CliError> {
        let path = format!("/jobs/{id}/stop");
        let body = StopRequest {
            target_directory,
            drain,
            trigger_id,
        };
        let a: TriggerAnswer = self
            .http
            .call(Method::POST, &path, Some(&body), Retry::Idempotent)
            .await?;
        Ok(a.request_id)
    }

    /// `GET /jobs/{id}/savepoints/{trigger}`: the state of a savepoint or stop operation.
    pub async fn savepoint_status(
        &self,
        id: &str,
        trigger_id: &str,
    ) -> Result<SavepointStatus, CliError> {
        let path = format!("/jobs/{id}/savepoints/{trigger_id}");
        let a: SavepointAnswer = self
            .http
            .call(Method::GET, &path, None::<&()>, Retry::Idempotent)
            .await?;
        Ok(self.savepoint_outcome(a))
    }

    fn savepoint_outcome(&self, a: SavepointAnswer) -> SavepointStatus {
        if a.status.id != "COMPLETED" {
            return SavepointStatus::InProgress;
        }
        let op = a.operation;
        match op.as_ref().and_then(|o| o.location.clone()) {
            Some(location) => SavepointStatus::Completed(location),
            None => {
                let cause = op.and_then(|o| o.failure_cause);
                let trace = cause
                    .as_ref()
                    .and_then(|c| c.stack_trace.clone().or_else(|| c.class.clone()))
                    .unwrap_or_else(|| "the JobManager gave no location and no cause".to_owned());
                SavepointStatus::Failed(self.redacted(errors::from_trace(&trace)))
            }
        }
    }
}

#[cfg(test)]
mod jobs_tests {
    use super::*;

    fn jm() -> JobManager {
        JobManager::with_auth(
            "http://127.0.0.1:1",
            vec![],
            None,
            None,
            Redactor::default(),
            None,
        )
        .unwrap()
    }

    fn outcome(body: &str) -> SavepointStatus {
        jm().savepoint_outcome(serde_json::from_str(body).unwrap())
    }

    #[test]
    fn a_savepoint_in_progress_then_done_at_its_location() {
        assert_eq!(
            outcome(r#"{"status":{"id":"IN_PROGRESS"},"operation":null}"#),
            SavepointStatus::InProgress
        );
        assert_eq!(
            outcome(r#"{"status":{"id":"COMPLETED"},"operation":{"location":"file:/sp/x"}}"#),
            SavepointStatus::Completed("file:/sp/x".into())
        );
    }

    #[test]
    fn a_failed_savepoint_says_completed_but_carries_a_failure_cause() {
        let body = r#"{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{
            "class":"java.util.concurrent.CompletionException",
            "stack-trace":"java.util.concurrent.CompletionException: x\n\tat a.b(C.java:1)\nCaused by: org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint Coordinator is suspending.\n\tat d.e(F.java:2)\n"}}}"#;
        match outcome(body) {
            SavepointStatus::Failed(e) => {
                assert!(
                    e.message.contains("Checkpoint Coordinator is suspending"),
                    "{e:?}"
                )
            }
            other => panic!("a failure, not {other:?}"),
        }
    }

    #[test]
    fn the_trigger_bodies_use_each_endpoints_spelling() {
        let sp = serde_json::to_value(SavepointRequest {
            target_directory: Some("file:///sp/p"),
            cancel_job: false,
            trigger_id: "t",
        })
        .unwrap();
        assert_eq!(
            sp,
            serde_json::json!({"target-directory": "file:///sp/p", "cancel-job": false, "triggerId": "t"})
        );
        let stop = serde_json::to_value(StopRequest {
            target_directory: Some("file:///sp/p"),
            drain: true,
            trigger_id: "t",
        })
        .unwrap();
        assert_eq!(
            stop,
            serde_json::json!({"targetDirectory": "file:///sp/p", "drain": true, "triggerId": "t"})
        );
    }
}

/// The JobManager URL next to a gateway on this machine (the gateway on 8083, the JobManager's
/// REST API on 8081, as Flink's defaults and our local stack have it). A remote gateway gives
/// nothing: guessing there would point at the wrong cluster.
pub fn derive_url(gateway_url: &str) -> Option<String> {
    let rest = gateway_url.strip_prefix("http://")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let path = &rest[authority.len()..];
    if !path.trim_matches('/').is_empty() {
        return None;
    }
    let host = authority.strip_suffix(":8083")?;
    let local = ["localhost", "127.0.0.1", "[::1]"].contains(&host);
    local.then(|| format!("http://{host}:8081"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_gateways_have_a_derivable_jobmanager() {
        assert_eq!(
            derive_url("http://127.0.0.1:8083").as_deref(),
            Some("http://127.0.0.1:8081")
        );
        assert_eq!(
            derive_url("http://localhost:8083/").as_deref(),
            Some("http://localhost:8081")
        );
    }

    #[test]
    fn remote_or_prefixed_gateways_do_not() {
        assert_eq!(derive_url("http://gateway.prod:8083"), None);
        assert_eq!(derive_url("http://localhost:8083/sql"), None);
        assert_eq!(derive_url("https://localhost:8083"), None);
        assert_eq!(derive_url("http://localhost:9999"), None);
    }

    #[test]
    fn fresh_job_ids_are_32_hex_digits_and_differ() {
        let (a, b) = (fresh_job_id(), fresh_job_id());
        assert_eq!(a.len(), 32);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn vertices_decide_whether_a_job_runs() {
        let v = |s: &str| Vertex {
            id: "v".into(),
            name: "n".into(),
            status: s.into(),
            parallelism: 1,
        };
        let mut job = JobDetails {
            jid: "j".into(),
            name: "n".into(),
            state: "RUNNING".into(),
            vertices: vec![v("RUNNING"), v("SCHEDULED")],
        };
        assert!(!job.all_vertices_running());
        job.vertices[1] = v("FINISHED");
        assert!(job.all_vertices_running());
    }
}
