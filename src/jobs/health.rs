//! The cluster's health for `jobs watch`, judged from `/overview`, `/jobs/overview` and the
//! running jobs' checkpoint statistics. Pure. A RUNNING job is healthy only when all its tasks
//! run: after a TaskManager dies the job still says RUNNING while its tasks wait for slots.

use crate::jobmanager::{Checkpoints, ClusterOverview, JobOverview};

/// One look at the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub time_ms: i64,
    pub taskmanagers: i64,
    pub slots_total: i64,
    pub slots_free: i64,
    pub running: usize,
    pub restarting: usize,
    /// FAILED jobs the JobManager still remembers: reported, but history, not a current problem.
    pub failed: usize,
    pub problems: Vec<Problem>,
}

/// Something wrong now, with the job it concerns (`-` for the cluster itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub jid: String,
    pub name: String,
    pub problem: String,
}

impl Health {
    /// At least one TaskManager, and no current problem.
    pub fn healthy(&self) -> bool {
        self.taskmanagers > 0 && self.problems.is_empty()
    }
}

/// Judges the cluster; `checkpoints` holds the statistics of the RUNNING jobs.
pub fn judge(
    cluster: &ClusterOverview,
    jobs: &[JobOverview],
    checkpoints: &[(String, Checkpoints)],
    now_ms: i64,
) -> Health {
    let count = |s: &str| jobs.iter().filter(|j| j.state == s).count();
    let mut problems = Vec::new();
    if cluster.taskmanagers == 0 {
        problems.push(Problem {
            jid: "-".into(),
            name: "-".into(),
            problem: "no TaskManager is registered".into(),
        });
    }
    for job in jobs {
        let problem = job_problem(job).or_else(|| {
            let c = checkpoints.iter().find(|(id, _)| id == &job.jid)?;
            checkpoint_problem(&c.1)
        });
        if let Some(problem) = problem {
            problems.push(Problem {
                jid: job.jid.clone(),
                name: job.name.clone(),
                problem,
            });
        }
    }
    Health {
        time_ms: now_ms,
        taskmanagers: cluster.taskmanagers,
        slots_total: cluster.slots_total,
        slots_free: cluster.slots_available,
        running: count("RUNNING"),
        restarting: count("RESTARTING"),
        failed: count("FAILED"),
        problems,
    }
}

fn job_problem(job: &JobOverview) -> Option<String> {
    match job.state.as_str() {
        "RESTARTING" | "FAILING" => Some(format!("job is {}", job.state)),
        "RUNNING" => {
            let n = |k: &str| job.tasks.get(k).copied().unwrap_or(0);
            let total = n("total");
            let done = n("running") + n("finished");
            (total > 0 && done < total).then(|| {
                format!(
                    "{} of {total} tasks not RUNNING (waiting for slots?)",
                    total - done
                )
            })
        }
        _ => None,
    }
}

/// Checkpoints are failing when the latest failure is newer than the latest completion.
fn checkpoint_problem(c: &Checkpoints) -> Option<String> {
    let failed = c.latest.failed.as_ref()?;
    let completed_at = c
        .latest
        .completed
        .as_ref()
        .map_or(0, |x| x.latest_ack_timestamp);
    let failed_at = failed.failure_timestamp.max(failed.trigger_timestamp);
    (failed_at > completed_at).then(|| {
        let why = failed
            .failure_message
            .as_deref()
            .unwrap_or("no reason given");
        format!(
            "checkpoints failing ({} failed in total; latest: {})",
            c.counts.failed,
            why.lines().next().unwrap_or(why)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobmanager::{Checkpoint, CheckpointCounts, LatestCheckpoints};
    use crate::jobs::select::tests::job;

    fn cluster(tms: i64) -> ClusterOverview {
        ClusterOverview {
            taskmanagers: tms,
            slots_total: 4 * tms,
            slots_available: 2,
            flink_version: "2.0.0".into(),
        }
    }

    fn with_tasks(mut j: JobOverview, running: i64, total: i64) -> JobOverview {
        j.tasks.insert("running".into(), running);
        j.tasks.insert("total".into(), total);
        j
    }

    #[test]
    fn a_running_job_whose_tasks_wait_for_slots_is_a_problem() {
        let jobs = [
            with_tasks(job("a", "ok", "RUNNING", 1, -1), 2, 2),
            with_tasks(job("b", "orphan", "RUNNING", 1, -1), 0, 2),
        ];
        let h = judge(&cluster(1), &jobs, &[], 0);
        assert!(!h.healthy());
        assert_eq!(h.running, 2);
        assert_eq!(h.problems.len(), 1);
        assert_eq!(h.problems[0].jid, "b");
        assert!(h.problems[0]
            .problem
            .starts_with("2 of 2 tasks not RUNNING"));
    }

    #[test]
    fn restarting_jobs_and_a_cluster_without_taskmanagers_are_problems() {
        let jobs = [job("r", "flaky", "RESTARTING", 1, -1)];
        let h = judge(&cluster(0), &jobs, &[], 0);
        assert_eq!(h.restarting, 1);
        let what: Vec<_> = h.problems.iter().map(|p| p.problem.as_str()).collect();
        assert_eq!(what, ["no TaskManager is registered", "job is RESTARTING"]);
    }

    #[test]
    fn failed_jobs_are_counted_but_do_not_make_the_cluster_unhealthy() {
        let jobs = [job("f", "gone", "FAILED", 1, 2)];
        let h = judge(&cluster(1), &jobs, &[], 0);
        assert_eq!(h.failed, 1);
        assert!(h.healthy());
    }

    fn cps(completed_at: i64, failed_at: i64) -> Checkpoints {
        Checkpoints {
            counts: CheckpointCounts {
                failed: 3,
                ..Default::default()
            },
            latest: LatestCheckpoints {
                completed: Some(Checkpoint {
                    latest_ack_timestamp: completed_at,
                    ..Default::default()
                }),
                failed: Some(Checkpoint {
                    failure_timestamp: failed_at,
                    failure_message: Some("Checkpoint expired before completing.\nmore".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn checkpoints_fail_when_the_latest_failure_is_newer_than_the_latest_success() {
        let jobs = [with_tasks(job("a", "p", "RUNNING", 1, -1), 1, 1)];
        let failing = judge(&cluster(1), &jobs, &[("a".into(), cps(10, 20))], 0);
        assert_eq!(
            failing.problems[0].problem,
            "checkpoints failing (3 failed in total; latest: Checkpoint expired before completing.)"
        );
        let recovered = judge(&cluster(1), &jobs, &[("a".into(), cps(30, 20))], 0);
        assert!(recovered.healthy());
    }
}
