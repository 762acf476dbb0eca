//! The screen's rows: `jobs status`'s per-pipeline verdicts (`lifecycle::verdicts`, so the screen
//! and `jobs status` never disagree), each with the facts of the pipeline's run shown (uptime,
//! last checkpoint, latest savepoint, failures). `row` is pure so rows are tested without a
//! cluster.

use crate::jobmanager::{Checkpoints, JobException, JobOverview};
use crate::jobs::pipeline::Pipeline;
use crate::jobs::plan::{StatusRow, Verdict};
use crate::jobs::{lifecycle, savepoints, select, Ctx};

/// How many exception-history entries a refresh reads per pipeline (the restart count shown is
/// capped there).
pub const EXCEPTIONS: usize = 20;

/// The word the screen shows for a verdict: `jobs status`'s, except that a pipeline with no
/// active job is "not running" (the word for `missing`).
pub fn word(v: Verdict) -> &'static str {
    match v {
        Verdict::Missing => "not running",
        v => v.as_str(),
    }
}

/// Failed, or restarting (which includes tasks that do not all run).
pub fn failing(v: Verdict) -> bool {
    matches!(v, Verdict::Failed | Verdict::Restarting)
}

/// A job of the pipeline runs, healthy (its SQL may differ from the file's: `changed`).
fn running(v: Verdict) -> bool {
    matches!(v, Verdict::Running | Verdict::Changed | Verdict::Unexpected)
}

/// One line of the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    /// The pipeline file; `None` for an unexpected job.
    pub file: Option<String>,
    pub state: Verdict,
    /// The job state Flink reports for the run shown (`-` when none).
    pub job_state: String,
    /// The active jobs of the pipeline (several when duplicated).
    pub jobs: Vec<String>,
    /// The run the row's facts are about: the first active one, else the newest.
    pub jid: Option<String>,
    /// Of the active run.
    pub uptime_ms: Option<i64>,
    /// Completion time of the last completed checkpoint of the run shown.
    pub checkpoint_ms: Option<i64>,
    pub savepoint: Option<String>,
    /// Exception-history entries of the run shown (each failure restarts or fails the job).
    pub restarts: usize,
    pub exception: Option<String>,
}

/// What a refresh learnt about one run beyond the overview.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub checkpoints: Option<Checkpoints>,
    pub exceptions: Vec<JobException>,
    /// Savepoints found on storage (`file://` directories only).
    pub stored: Vec<savepoints::Savepoint>,
}

/// The run a row is about: its first active job, else the newest run of its name.
pub fn shown<'a>(v: &StatusRow, jobs: &'a [JobOverview]) -> Option<&'a JobOverview> {
    v.jobs
        .first()
        .and_then(|id| jobs.iter().find(|j| &j.jid == id))
        .or_else(|| select::runs_of(jobs, &v.name).first().copied())
}

/// The row of a verdict, with the facts of the run shown.
pub fn row(v: &StatusRow, shown: Option<&JobOverview>, facts: &Facts, now_ms: i64) -> Row {
    let mut found = vec![facts.stored.clone()];
    if let (Some(j), Some(c)) = (shown, &facts.checkpoints) {
        found.push(savepoints::from_checkpoints(&j.jid, c));
    }
    let latest = savepoints::merge(found).into_iter().next();
    Row {
        name: v.name.clone(),
        file: v.file.clone(),
        state: v.verdict,
        job_state: shown.map_or_else(|| "-".into(), |j| j.state.clone()),
        jobs: v.jobs.clone(),
        jid: shown.map(|j| j.jid.clone()),
        uptime_ms: shown
            .filter(|j| select::is_active(j) && j.start_time > 0)
            .map(|j| (now_ms - j.start_time).max(0)),
        checkpoint_ms: facts
            .checkpoints
            .as_ref()
            .and_then(|c| c.latest.completed.as_ref())
            .map(|c| c.latest_ack_timestamp),
        savepoint: latest.map(|s| s.path),
        restarts: facts.exceptions.len(),
        exception: facts.exceptions.first().map(|e| one_line(&e.error.message)),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One refresh: the verdicts (one `/jobs/overview`, the SQL hash of each active job), then per
/// row the checkpoints and exceptions of the run shown, and a listing of its savepoint directory.
pub async fn snapshot(ctx: &Ctx<'_>, pipelines: &[Pipeline]) -> anyhow::Result<Vec<Row>> {
    let (jobs, verdicts) = lifecycle::verdicts(ctx, pipelines).await?;
    let base = crate::jobs::savepoint_base(ctx).await.ok();
    let now = crate::jobs::now_ms();
    let red = ctx.jm.redactor();
    let mut rows = Vec::new();
    for v in &verdicts {
        let shown = shown(v, &jobs);
        let mut facts = Facts::default();
        if let Some(j) = shown {
            let (c, e) = tokio::join!(
                ctx.jm.checkpoints(&j.jid),
                ctx.jm.exceptions(&j.jid, EXCEPTIONS)
            );
            facts.checkpoints = c?;
            facts.exceptions = e?;
        }
        let dir = base
            .as_deref()
            .map(|b| savepoints::pipeline_dir(b, &v.name));
        if let Some(path) = dir.as_deref().and_then(savepoints::local_path) {
            facts.stored = savepoints::list_dir(&path).unwrap_or_default();
        }
        let mut r = row(v, shown, &facts, now);
        r.exception = r.exception.map(|e| red.redact(&e).into_owned());
        r.name = red.redact(&r.name).into_owned();
        rows.push(r);
    }
    Ok(rows)
}

/// The summary counts: total, running (a healthy job runs), not running (missing or failed),
/// failing (failed or restarting).
pub fn summary(rows: &[Row]) -> (usize, usize, usize, usize) {
    let count = |f: fn(Verdict) -> bool| rows.iter().filter(|r| f(r.state)).count();
    let not_running = count(|v| matches!(v, Verdict::Missing | Verdict::Failed));
    (rows.len(), count(running), not_running, count(failing))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::jobs::plan::{self, Cluster, Expected};
    use crate::jobs::select::tests::job;

    fn expected(name: &str) -> Expected {
        Expected {
            name: name.into(),
            file: format!("dir/{name}.sql"),
            hash: "h".into(),
        }
    }

    /// The rows of a folder against jobs, every active job carrying `hashes`' hash.
    fn rows_of(
        names: &[&str],
        jobs: &[JobOverview],
        hashes: &[(&str, &str)],
        now: i64,
    ) -> Vec<Row> {
        let h: BTreeMap<String, Option<String>> = jobs
            .iter()
            .filter(|j| select::is_active(j))
            .map(|j| {
                let hash = hashes.iter().find(|(id, _)| *id == j.jid).map(|(_, h)| h);
                (j.jid.clone(), Some(hash.unwrap_or(&"h").to_string()))
            })
            .collect();
        let cluster = Cluster { jobs, hashes: &h };
        let want: Vec<Expected> = names.iter().map(|n| expected(n)).collect();
        plan::status(&want, &cluster)
            .iter()
            .map(|v| row(v, shown(v, jobs), &Facts::default(), now))
            .collect()
    }

    #[test]
    fn rows_carry_the_status_verdicts_and_the_summary_buckets_them() {
        let jobs = [
            job("a1", "ok", "RUNNING", 10_000, 0),
            job("a0", "ok", "CANCELED", 5_000, 8_000),
            job("b0", "broke", "FAILED", 5_000, 8_000),
            job("c0", "gone", "CANCELED", 5_000, 8_000),
            job("d1", "flapping", "RESTARTING", 10_000, 0),
            job("e1", "twice", "RUNNING", 10_000, 0),
            job("e2", "twice", "RUNNING", 11_000, 0),
            job("f1", "edited", "RUNNING", 10_000, 0),
            job("g1", "stray", "RUNNING", 10_000, 0),
        ];
        let names = [
            "ok", "broke", "gone", "never", "flapping", "twice", "edited",
        ];
        let rows = rows_of(&names, &jobs, &[("f1", "old")], 70_000);
        let got: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.name.as_str(), word(r.state)))
            .collect();
        assert_eq!(
            got,
            [
                ("ok", "running"),
                ("broke", "failed"),
                ("gone", "not running"),
                ("never", "not running"),
                ("flapping", "restarting"),
                ("twice", "duplicated"),
                ("edited", "changed"),
                ("stray", "unexpected"),
            ]
        );
        assert_eq!(
            rows[0].jid.as_deref(),
            Some("a1"),
            "the active run is shown"
        );
        assert_eq!(rows[0].uptime_ms, Some(60_000));
        assert_eq!(rows[1].jid.as_deref(), Some("b0"), "else the newest run");
        assert_eq!(rows[1].uptime_ms, None, "an ended run has no uptime");
        assert_eq!(rows[3].jid, None);
        assert_eq!(rows[5].jobs, ["e1", "e2"]);
        assert_eq!(rows[7].file, None);
        // running: ok, edited, stray; not running: broke, gone, never; failing: broke, flapping.
        assert_eq!(summary(&rows), (8, 3, 3, 2));
    }
}
