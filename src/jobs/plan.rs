//! What `jobs apply` will do and what `jobs status` reports: the pipelines of a folder against
//! the jobs the JobManager knows. Pure: takes the expected pipelines (name, file, SQL hash) and
//! `/jobs/overview` rows with each active job's SQL hash, returns plan steps or status rows.

use std::collections::{BTreeMap, BTreeSet};

use crate::jobmanager::JobOverview;
use crate::jobs::select::is_active;

/// A pipeline a folder expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub name: String,
    pub file: String,
    pub hash: String,
}

/// What `--upgrade` allows for a running pipeline whose SQL changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upgrade {
    /// Stop with a savepoint, start the new SQL from it.
    Savepoint,
    /// Cancel, start the new SQL without state.
    Stateless,
    /// Leave it running (reported, exit 1).
    None,
}

/// One step of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Not running: start it (from its latest savepoint when one exists).
    Start,
    /// Running this SQL.
    Keep,
    /// Running other SQL: stop with a savepoint (or cancel, stateless) and start this.
    Upgrade,
    /// Running other SQL, and `--upgrade none`: left alone.
    Changed,
    /// More than one active job has this name: nothing is done until one is cancelled.
    Duplicated,
    /// A running pipeline (it carries a SQL hash) that no file of the folder names: left alone.
    Unexpected,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Keep => "keep",
            Action::Upgrade => "upgrade",
            Action::Changed => "changed",
            Action::Duplicated => "duplicated",
            Action::Unexpected => "unexpected",
        }
    }

    /// Something is wrong that `apply` does not fix (exit 1).
    pub fn is_problem(self) -> bool {
        matches!(self, Action::Changed | Action::Duplicated)
    }
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub file: Option<String>,
    pub action: Action,
    /// The active jobs of this name.
    pub jobs: Vec<String>,
    pub detail: String,
}

/// The jobs the JobManager knows, with the SQL hash of each active one (`None`: it carries none).
pub struct Cluster<'a> {
    pub jobs: &'a [JobOverview],
    pub hashes: &'a BTreeMap<String, Option<String>>,
}

impl Cluster<'_> {
    fn active(&self, name: &str) -> Vec<&JobOverview> {
        self.jobs
            .iter()
            .filter(|j| j.name == name && is_active(j))
            .collect()
    }

    fn hash(&self, jid: &str) -> Option<&str> {
        self.hashes.get(jid).and_then(|h| h.as_deref())
    }

    /// Active jobs that a pipeline file started (they carry a hash) and no expected name covers.
    fn unexpected(&self, expected: &[Expected]) -> Vec<&JobOverview> {
        let names: BTreeSet<&str> = expected.iter().map(|e| e.name.as_str()).collect();
        self.jobs
            .iter()
            .filter(|j| is_active(j) && !names.contains(j.name.as_str()))
            .filter(|j| self.hash(&j.jid).is_some())
            .collect()
    }
}

fn ids(jobs: &[&JobOverview]) -> Vec<String> {
    jobs.iter().map(|j| j.jid.clone()).collect()
}

/// The plan for a folder, in the folder's order, unexpected jobs last.
pub fn plan(expected: &[Expected], cluster: &Cluster, upgrade: Upgrade) -> Vec<Step> {
    let mut steps: Vec<Step> = expected
        .iter()
        .map(|e| {
            let active = cluster.active(&e.name);
            let (action, detail) = match active.as_slice() {
                [] => (Action::Start, "not running".to_owned()),
                [job] if cluster.hash(&job.jid) == Some(e.hash.as_str()) => {
                    (Action::Keep, "runs this SQL".to_owned())
                }
                [job] => {
                    let what = match cluster.hash(&job.jid) {
                        Some(_) => "runs other SQL",
                        None => "runs SQL of unknown revision (no flink-sql.sql-hash)",
                    };
                    match upgrade {
                        Upgrade::Savepoint => (
                            Action::Upgrade,
                            format!("{what}: stop with a savepoint, start this SQL from it"),
                        ),
                        Upgrade::Stateless => (
                            Action::Upgrade,
                            format!("{what}: cancel, start this SQL without state"),
                        ),
                        Upgrade::None => (
                            Action::Changed,
                            format!("{what}: left running (--upgrade none)"),
                        ),
                    }
                }
                several => (
                    Action::Duplicated,
                    format!(
                        "{} active jobs: nothing done until one is cancelled",
                        several.len()
                    ),
                ),
            };
            Step {
                name: e.name.clone(),
                file: Some(e.file.clone()),
                action,
                jobs: ids(&active),
                detail,
            }
        })
        .collect();
    steps.extend(cluster.unexpected(expected).into_iter().map(|j| Step {
        name: j.name.clone(),
        file: None,
        action: Action::Unexpected,
        jobs: vec![j.jid.clone()],
        detail: "no file in the folder names it: left alone".to_owned(),
    }));
    steps
}

/// What `status` says about a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// One job, RUNNING with every task running, this SQL.
    Running,
    /// One healthy job, but it runs other SQL.
    Changed,
    /// No active job.
    Missing,
    /// No active job, and the newest run FAILED.
    Failed,
    /// One job, RESTARTING or FAILING, starting, or with tasks that do not all run (after a
    /// TaskManager loss the job says RUNNING while its tasks wait for slots).
    Restarting,
    /// More than one active job.
    Duplicated,
    /// A running pipeline no file names.
    Unexpected,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Running => "running",
            Verdict::Changed => "changed",
            Verdict::Missing => "missing",
            Verdict::Failed => "failed",
            Verdict::Restarting => "restarting",
            Verdict::Duplicated => "duplicated",
            Verdict::Unexpected => "unexpected",
        }
    }
}

/// One row of `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    pub name: String,
    pub file: Option<String>,
    pub verdict: Verdict,
    pub jobs: Vec<String>,
    /// The job's state (or the newest run's, for a missing or failed pipeline).
    pub state: String,
}

/// Every task of the job runs (the overview's task counts; finished tasks of bounded sources count).
fn tasks_all_running(job: &JobOverview) -> bool {
    let n = |k: &str| job.tasks.get(k).copied().unwrap_or(0);
    job.tasks.is_empty() || n("running") + n("finished") >= n("total")
}

/// The folder's pipelines against the cluster, unexpected jobs last.
pub fn status(expected: &[Expected], cluster: &Cluster) -> Vec<StatusRow> {
    let mut rows: Vec<StatusRow> = expected
        .iter()
        .map(|e| {
            let active = cluster.active(&e.name);
            let (verdict, state) = match active.as_slice() {
                [] => {
                    let newest = cluster
                        .jobs
                        .iter()
                        .filter(|j| j.name == e.name)
                        .max_by_key(|j| j.start_time);
                    match newest {
                        Some(j) if j.state == "FAILED" => (Verdict::Failed, j.state.clone()),
                        Some(j) => (Verdict::Missing, j.state.clone()),
                        None => (Verdict::Missing, "-".to_owned()),
                    }
                }
                [job] if job.state != "RUNNING" || !tasks_all_running(job) => {
                    (Verdict::Restarting, job.state.clone())
                }
                [job] if cluster.hash(&job.jid) != Some(e.hash.as_str()) => {
                    (Verdict::Changed, job.state.clone())
                }
                [job] => (Verdict::Running, job.state.clone()),
                several => (
                    Verdict::Duplicated,
                    several
                        .iter()
                        .map(|j| j.state.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                ),
            };
            StatusRow {
                name: e.name.clone(),
                file: Some(e.file.clone()),
                verdict,
                jobs: ids(&active),
                state,
            }
        })
        .collect();
    rows.extend(cluster.unexpected(expected).into_iter().map(|j| StatusRow {
        name: j.name.clone(),
        file: None,
        verdict: Verdict::Unexpected,
        jobs: vec![j.jid.clone()],
        state: j.state.clone(),
    }));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(jid: &str, name: &str, state: &str, start: i64) -> JobOverview {
        JobOverview {
            jid: jid.into(),
            name: name.into(),
            state: state.into(),
            start_time: start,
            end_time: 0,
            duration: 0,
            tasks: [("running".to_owned(), 2), ("total".to_owned(), 2)]
                .into_iter()
                .collect(),
        }
    }

    fn expected(name: &str, hash: &str) -> Expected {
        Expected {
            name: name.into(),
            file: format!("p/{name}.sql"),
            hash: hash.into(),
        }
    }

    fn hashes(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(j, h)| (j.to_string(), h.map(str::to_owned)))
            .collect()
    }

    fn actions(steps: &[Step]) -> Vec<(&str, Action)> {
        steps.iter().map(|s| (s.name.as_str(), s.action)).collect()
    }

    #[test]
    fn missing_starts_same_keeps_changed_upgrades_and_strays_are_unexpected() {
        let jobs = [
            job("j1", "same", "RUNNING", 1),
            job("j2", "changed", "RUNNING", 1),
            job("j0", "missing", "CANCELED", 1),
            job("j3", "stray", "RUNNING", 1),
            job("j4", "not ours", "RUNNING", 1),
        ];
        let h = hashes(&[
            ("j1", Some("h1")),
            ("j2", Some("old")),
            ("j3", Some("h3")),
            ("j4", None),
        ]);
        let cluster = Cluster {
            jobs: &jobs,
            hashes: &h,
        };
        let want = [
            expected("missing", "hm"),
            expected("same", "h1"),
            expected("changed", "h2"),
        ];
        let steps = plan(&want, &cluster, Upgrade::Savepoint);
        assert_eq!(
            actions(&steps),
            [
                ("missing", Action::Start),
                ("same", Action::Keep),
                ("changed", Action::Upgrade),
                ("stray", Action::Unexpected),
            ]
        );
        assert_eq!(steps[2].jobs, ["j2"]);
        assert!(steps[2].detail.contains("stop with a savepoint"));
        let none = plan(&want, &cluster, Upgrade::None);
        assert_eq!(none[2].action, Action::Changed);
        assert!(none[2].action.is_problem());
        let stateless = plan(&want, &cluster, Upgrade::Stateless);
        assert!(stateless[2].detail.contains("without state"));
    }

    #[test]
    fn a_job_without_a_hash_is_upgraded_and_two_jobs_are_left_alone() {
        let jobs = [
            job("j1", "old", "RUNNING", 1),
            job("j2", "twice", "RUNNING", 1),
            job("j3", "twice", "RESTARTING", 2),
        ];
        let h = hashes(&[("j1", None), ("j2", Some("h")), ("j3", Some("h"))]);
        let cluster = Cluster {
            jobs: &jobs,
            hashes: &h,
        };
        let steps = plan(
            &[expected("old", "h"), expected("twice", "h")],
            &cluster,
            Upgrade::Savepoint,
        );
        assert_eq!(steps[0].action, Action::Upgrade);
        assert!(steps[0].detail.contains("unknown revision"));
        assert_eq!(steps[1].action, Action::Duplicated);
        assert_eq!(steps[1].jobs, ["j2", "j3"]);
    }

    #[test]
    fn a_plan_of_unchanged_pipelines_keeps_everything() {
        let jobs = [job("j1", "a", "RUNNING", 1), job("j2", "b", "RUNNING", 1)];
        let h = hashes(&[("j1", Some("ha")), ("j2", Some("hb"))]);
        let cluster = Cluster {
            jobs: &jobs,
            hashes: &h,
        };
        let steps = plan(
            &[expected("a", "ha"), expected("b", "hb")],
            &cluster,
            Upgrade::Savepoint,
        );
        assert!(steps.iter().all(|s| s.action == Action::Keep), "{steps:?}");
    }

    #[test]
    fn status_tells_running_missing_failed_restarting_duplicated_changed_unexpected() {
        let mut waiting = job("j5", "lost tm", "RUNNING", 1);
        waiting.tasks.insert("running".into(), 1);
        let jobs = [
            job("j1", "ok", "RUNNING", 1),
            job("j2", "broke", "CANCELED", 1),
            job("j3", "broke", "FAILED", 2),
            job("j4", "flapping", "RESTARTING", 1),
            waiting,
            job("j6", "twice", "RUNNING", 1),
            job("j7", "twice", "RUNNING", 2),
            job("j8", "edited", "RUNNING", 1),
            job("j9", "stray", "RUNNING", 1),
        ];
        let h = hashes(&[
            ("j1", Some("h")),
            ("j4", Some("h")),
            ("j5", Some("h")),
            ("j6", Some("h")),
            ("j7", Some("h")),
            ("j8", Some("old")),
            ("j9", Some("x")),
        ]);
        let cluster = Cluster {
            jobs: &jobs,
            hashes: &h,
        };
        let want: Vec<Expected> = [
            "ok", "gone", "broke", "flapping", "lost tm", "twice", "edited",
        ]
        .iter()
        .map(|n| expected(n, "h"))
        .collect();
        let rows = status(&want, &cluster);
        let got: Vec<(&str, Verdict)> = rows.iter().map(|r| (r.name.as_str(), r.verdict)).collect();
        assert_eq!(
            got,
            [
                ("ok", Verdict::Running),
                ("gone", Verdict::Missing),
                ("broke", Verdict::Failed),
                ("flapping", Verdict::Restarting),
                ("lost tm", Verdict::Restarting),
                ("twice", Verdict::Duplicated),
                ("edited", Verdict::Changed),
                ("stray", Verdict::Unexpected),
            ]
        );
        assert_eq!(rows[5].jobs, ["j6", "j7"]);
    }
}
