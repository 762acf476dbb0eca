//! The screen's rows: the folder's pipeline files (each names its job with `SET
//! 'pipeline.name'`), matched to one `/jobs/overview` per refresh, plus the facts of each
//! pipeline's newest run (last checkpoint, latest savepoint, failures). `classify` is pure so
//! the states are tested without a cluster.

use std::path::{Path, PathBuf};

use crate::check::ddl;
use crate::error::CliError;
use crate::jobmanager::{Checkpoints, JobException, JobOverview};
use crate::jobs::{savepoints, select, Ctx};
use crate::profile::Vars;
use crate::script::{self, input};

/// How many exception-history entries a refresh reads per running pipeline (the restart count
/// shown is capped there).
pub const EXCEPTIONS: usize = 20;

/// A pipeline file of the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// Its `pipeline.name` (variables substituted); the file name when it sets none.
    pub name: String,
    pub file: PathBuf,
    /// The file sets a `pipeline.name`: only then can its jobs be found.
    pub named: bool,
}

/// Reads every `*.sql` file of `dir` and the last `pipeline.name` each sets. Bad input is an
/// error at file:line:col.
pub fn pipelines(dir: &Path, vars: &Vars) -> Result<Vec<Pipeline>, CliError> {
    let sources = input::read_dir(dir).map_err(|d| CliError::input(d.to_string()))?;
    let mut out = Vec::new();
    for source in &sources {
        let statements =
            script::prepare(std::slice::from_ref(source), vars, false).map_err(|d| {
                CliError::input(
                    d.iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
            })?;
        let name = statements
            .iter()
            .filter_map(|s| ddl::set_pair(&s.sql, s.pos))
            .filter(|s| s.key == "pipeline.name" && !s.value.trim().is_empty())
            .map(|s| s.value)
            .next_back();
        let file = PathBuf::from(source.name.as_ref());
        let stem = file
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        out.push(Pipeline {
            named: name.is_some(),
            name: name.unwrap_or(stem),
            file,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A row's state, as the issue names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    /// A run is starting (INITIALIZING, CREATED, RECONCILING) or ending (CANCELLING).
    Changing,
    NotRunning,
    Failed,
    Restarting,
    /// More than one active job carries the name.
    Duplicated,
    /// An active job whose name no file of the folder sets.
    Unexpected,
}

impl State {
    pub fn word(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Changing => "changing",
            State::NotRunning => "not running",
            State::Failed => "failed",
            State::Restarting => "restarting",
            State::Duplicated => "duplicated",
            State::Unexpected => "unexpected",
        }
    }

    pub fn failing(self) -> bool {
        matches!(self, State::Failed | State::Restarting)
    }
}

/// One line of the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    /// The pipeline file; `None` for an unexpected job.
    pub file: Option<PathBuf>,
    pub state: State,
    /// The job state Flink reports for the run shown (`-` when none).
    pub job_state: String,
    /// The run the row's facts are about: the active one, else the newest.
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

/// The state of a pipeline from its runs (newest first, as `select::runs_of` gives them).
pub fn classify(runs: &[&JobOverview]) -> State {
    let active: Vec<_> = runs.iter().filter(|j| select::is_active(j)).collect();
    match active.as_slice() {
        [] => match runs.first() {
            Some(j) if j.state == "FAILED" => State::Failed,
            _ => State::NotRunning,
        },
        [one] => match one.state.as_str() {
            "RUNNING" => State::Running,
            "RESTARTING" | "FAILING" => State::Restarting,
            _ => State::Changing,
        },
        _ => State::Duplicated,
    }
}

/// What a refresh learnt about one run beyond the overview.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub checkpoints: Option<Checkpoints>,
    pub exceptions: Vec<JobException>,
    /// Savepoints found on storage (`file://` directories only).
    pub stored: Vec<savepoints::Savepoint>,
}

/// The row of a pipeline, from its runs and the facts of the run shown.
pub fn row(p: &Pipeline, runs: &[&JobOverview], facts: &Facts, now_ms: i64) -> Row {
    let state = classify(runs);
    let shown = runs.iter().find(|j| select::is_active(j)).or(runs.first());
    let mut found = vec![facts.stored.clone()];
    if let (Some(j), Some(c)) = (shown, &facts.checkpoints) {
        found.push(savepoints::from_checkpoints(&j.jid, c));
    }
    let latest = savepoints::merge(found).into_iter().next();
    Row {
        name: p.name.clone(),
        file: Some(p.file.clone()),
        state,
        job_state: shown.map_or_else(|| "-".into(), |j| j.state.clone()),
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

/// An active job no pipeline file names.
pub fn unexpected(job: &JobOverview, now_ms: i64) -> Row {
    Row {
        name: job.name.clone(),
        file: None,
        state: State::Unexpected,
        job_state: job.state.clone(),
        jid: Some(job.jid.clone()),
        uptime_ms: (job.start_time > 0).then(|| (now_ms - job.start_time).max(0)),
        checkpoint_ms: None,
        savepoint: None,
        restarts: 0,
        exception: None,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One refresh: one `/jobs/overview`, then per pipeline the checkpoints and exceptions of the
/// run shown, and a listing of its savepoint directory.
pub async fn snapshot(ctx: &Ctx<'_>, pipelines: &[Pipeline]) -> anyhow::Result<Vec<Row>> {
    let jobs = crate::jobs::overview(ctx).await?;
    let base = crate::jobs::savepoint_base(ctx).await.ok();
    let now = crate::jobs::now_ms();
    let mut rows = Vec::new();
    for p in pipelines {
        let runs = select::runs_of(&jobs, &p.name);
        let shown = runs.iter().find(|j| select::is_active(j)).or(runs.first());
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
            .map(|b| savepoints::pipeline_dir(b, &p.name));
        if let Some(path) = dir.as_deref().and_then(savepoints::local_path) {
            facts.stored = savepoints::list_dir(&path).unwrap_or_default();
        }
        let mut r = row(p, &runs, &facts, now);
        let red = ctx.jm.redactor();
        r.exception = r.exception.map(|e| red.redact(&e).into_owned());
        r.name = red.redact(&r.name).into_owned();
        rows.push(r);
    }
    let named: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
    let mut strays: Vec<&JobOverview> = jobs
        .iter()
        .filter(|j| select::is_active(j) && !named.contains(&j.name.as_str()))
        .collect();
    select::sort(&mut strays);
    rows.extend(strays.into_iter().map(|j| unexpected(j, now)));
    Ok(rows)
}

/// The summary counts: total, running, not running, failing.
pub fn summary(rows: &[Row]) -> (usize, usize, usize, usize) {
    let running = rows.iter().filter(|r| r.state == State::Running).count();
    let failing = rows.iter().filter(|r| r.state.failing()).count();
    (rows.len(), running, rows.len() - running, failing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::select::tests::job;

    #[test]
    fn states_follow_the_runs_of_a_pipeline() {
        let run = job("a1", "p", "RUNNING", 10, 0);
        let old = job("a0", "p", "FAILED", 5, 8);
        assert_eq!(classify(&[&run, &old]), State::Running);
        assert_eq!(classify(&[&old]), State::Failed);
        assert_eq!(classify(&[]), State::NotRunning);
        let cancelled = job("a2", "p", "CANCELED", 12, 13);
        assert_eq!(classify(&[&cancelled, &old]), State::NotRunning);
        let restarting = job("a3", "p", "RESTARTING", 10, 0);
        assert_eq!(classify(&[&restarting]), State::Restarting);
        let twin = job("a4", "p", "RUNNING", 11, 0);
        assert_eq!(classify(&[&twin, &run]), State::Duplicated);
    }

    #[test]
    fn a_row_shows_the_active_run_and_its_uptime() {
        let p = Pipeline {
            name: "p".into(),
            file: "dir/p.sql".into(),
            named: true,
        };
        let run = job("a1", "p", "RUNNING", 10_000, 0);
        let old = job("a0", "p", "CANCELED", 20_000, 21_000);
        let r = row(&p, &[&old, &run], &Facts::default(), 70_000);
        assert_eq!(r.jid.as_deref(), Some("a1"));
        assert_eq!(r.uptime_ms, Some(60_000));
        assert_eq!(r.state, State::Running);
        let (total, running, not_running, failing) = summary(&[r.clone(), unexpected(&run, 1)]);
        assert_eq!((total, running, not_running, failing), (2, 1, 1, 0));
    }

    #[test]
    fn pipeline_names_come_from_the_files_with_variables_substituted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("b.sql"),
            "SET 'pipeline.name' = 'orders-${ENVNAME}';\nINSERT INTO x SELECT 1;\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("a.sql"), "INSERT INTO x SELECT 1;\n").unwrap();
        let mut vars = Vars::default();
        vars.insert("ENVNAME", "prod", crate::profile::Origin::CommandLine);
        let ps = pipelines(dir.path(), &vars).unwrap();
        assert_eq!(ps[0].name, "a");
        assert!(!ps[0].named);
        assert_eq!(ps[1].name, "orders-prod");
        assert!(ps[1].named);
    }

    #[test]
    fn a_file_that_does_not_lex_is_an_error_at_its_position() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.sql"), "SELECT 'x;\n").unwrap();
        let e = pipelines(dir.path(), &Vars::default()).unwrap_err();
        assert!(e.to_string().contains("bad.sql:1:"), "{e}");
    }
}
