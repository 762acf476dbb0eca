//! `flink-sql jobs`: list, show, cancel, stop, savepoint, savepoints and watch, over the
//! JobManager REST API; resume, apply and status of pipeline files (`lifecycle`). `select` decides
//! which jobs a command means, `savepoints` finds a pipeline's savepoints, `health` judges the
//! cluster, `pipeline` reads a pipeline file, `plan` sets a folder against the cluster, `view`
//! writes the answers.
//!
//! Rules kept here: a name or pattern that matches several jobs needs a yes (a prompt on a
//! terminal, `--yes` elsewhere); `--dry-run` sends nothing that changes a job; savepoint
//! operations on one job never overlap (an overlapping one makes a stop fail and the job restart),
//! and each carries a client-chosen trigger id so a retried trigger cannot take a second savepoint.

pub mod health;
pub mod lifecycle;
pub mod pipeline;
pub mod plan;
pub mod savepoints;
pub mod select;
pub mod ui;
pub mod verdict;
pub mod view;

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{CliError, Exit};
use crate::jobmanager::{
    Checkpoints, JobException, JobInfo, JobManager, JobOverview, SavepointStatus,
};
pub use health::Health;
use select::Selector;
pub use view::Format;

/// Job states Flink 2.0 reports (`--state` accepts these).
pub const STATES: [&str; 11] = [
    "INITIALIZING",
    "CREATED",
    "RUNNING",
    "FAILING",
    "FAILED",
    "CANCELLING",
    "CANCELED",
    "FINISHED",
    "RESTARTING",
    "SUSPENDED",
    "RECONCILING",
];

/// Configuration keys naming the cluster's default savepoint directory (2.x, then 1.x).
const SAVEPOINT_DIR_KEYS: [&str; 2] = [
    "execution.checkpointing.savepoint-dir",
    "state.savepoints.dir",
];

/// How many exceptions `show` lists.
const SHOW_EXCEPTIONS: usize = 5;

/// What every `jobs` command knows besides its own arguments.
pub struct Ctx<'a> {
    pub jm: JobManager,
    pub format: Format,
    pub dry_run: bool,
    /// `--yes`.
    pub yes: bool,
    /// A prompt can be answered (stdin is a terminal).
    pub interactive: bool,
    /// Asks the user a yes/no question (only called when `interactive`).
    pub ask: &'a dyn Fn(&str) -> bool,
    /// How long to wait for a savepoint, a stop or a cancel.
    pub timeout: Duration,
    /// FLINK_SAVEPOINT_DIR from the profile: beats the cluster's configured directory.
    pub savepoint_base: Option<String>,
}

/// `show`'s facts about one job.
#[derive(Debug, Clone)]
pub struct JobReport {
    pub info: JobInfo,
    pub checkpoints: Option<Checkpoints>,
    pub exceptions: Vec<JobException>,
}

/// What a destructive command did to one job.
#[derive(Debug, Clone)]
pub struct ActionResult {
    pub jid: String,
    pub name: String,
    pub action: &'static str,
    /// The job's final state, `dry run: …`, or the failure.
    pub result: String,
    pub savepoint: Option<String>,
    pub dry_run: bool,
}

/// `/jobs/overview` with names redacted: a query job is named by its SQL text, which can hold a
/// secret, and the table is laid out before the output boundary would mask it.
pub(crate) async fn overview(ctx: &Ctx<'_>) -> anyhow::Result<Vec<JobOverview>> {
    let mut jobs = ctx.jm.overview().await?;
    let r = ctx.jm.redactor();
    for j in &mut jobs {
        j.name = r.redact(&j.name).into_owned();
    }
    Ok(jobs)
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Validates `--state` values (any case) against Flink's job states.
pub fn parse_states(states: &[String]) -> Result<Vec<String>, CliError> {
    states
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let up = s.trim().to_ascii_uppercase();
            if STATES.contains(&up.as_str()) {
                Ok(up)
            } else {
                Err(CliError::input(format!("--state: unknown job state '{s}'"))
                    .with_hint(format!("one of {}", STATES.join(", "))))
            }
        })
        .collect()
}

/// `jobs list`: one `/jobs/overview` call.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: &select::ListFilter,
    out: &mut impl Write,
) -> anyhow::Result<Exit> {
    let jobs = overview(ctx).await?;
    let rows = select::list(&jobs, filter, now_ms());
    view::list(out, ctx.format, &rows)?;
    Ok(Exit::Success)
}

fn not_found(sel: &Selector, jobs: &[JobOverview], active_only: bool) -> CliError {
    let what = if active_only {
        "no running job matches"
    } else {
        "the JobManager knows no job matching"
    };
    let mut names: Vec<&str> = jobs
        .iter()
        .filter(|j| !active_only || select::is_active(j))
        .map(|j| j.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let listed = names
        .iter()
        .take(10)
        .map(|n| select::display_name(n, 60))
        .collect::<Vec<_>>()
        .join("; ");
    let err = CliError::new(Exit::StatementFailed, format!("{what} {}", sel.describe()));
    match names.is_empty() {
        true => err.with_hint("the JobManager forgets ended jobs after jobstore.expiration-time; `flink-sql jobs list --all` shows what it remembers"),
        false => err.with_hint(format!("names it knows: {listed}")),
    }
}

/// `jobs show`: the matching jobs' state, times, vertices, checkpoints and latest exceptions.
pub async fn show(ctx: &Ctx<'_>, sel: &Selector, out: &mut impl Write) -> anyhow::Result<Exit> {
    let jobs = overview(ctx).await?;
    let chosen = select::to_show(&jobs, sel);
    if chosen.is_empty() {
        return Err(not_found(sel, &jobs, false).into());
    }
    let mut reports = Vec::new();
    for job in chosen {
        let (info, checkpoints, exceptions) = tokio::join!(
            ctx.jm.job_info(&job.jid),
            ctx.jm.checkpoints(&job.jid),
            ctx.jm.exceptions(&job.jid, SHOW_EXCEPTIONS),
        );
        let Some(mut info) = info? else { continue };
        let r = ctx.jm.redactor();
        info.name = r.redact(&info.name).into_owned();
        for v in &mut info.vertices {
            v.name = r.redact(&v.name).into_owned();
        }
        reports.push(JobReport {
            info,
            checkpoints: checkpoints?,
            exceptions: exceptions?,
        });
    }
    view::show(out, ctx.format, &reports)?;
    Ok(Exit::Success)
}

/// Several jobs matched: go on only with `--yes`, a yes at the prompt, or in a dry run (which
/// changes nothing). Otherwise exit 2 with nothing done.
fn confirm(
    ctx: &Ctx<'_>,
    verb: &str,
    sel: &Selector,
    jobs: &[&JobOverview],
    err: &mut impl Write,
) -> anyhow::Result<()> {
    if jobs.len() < 2 || ctx.yes {
        return Ok(());
    }
    writeln!(err, "{} match {}:", jobs.len(), sel.describe())?;
    for j in jobs {
        writeln!(
            err,
            "  {}  {}  {}",
            j.jid,
            j.state,
            select::display_name(&j.name, 60)
        )?;
    }
    if ctx.dry_run {
        writeln!(
            err,
            "(a real run would ask for confirmation, or need --yes)"
        )?;
        return Ok(());
    }
    if ctx.interactive && (ctx.ask)(&format!("{verb} these {} jobs? [y/N] ", jobs.len())) {
        return Ok(());
    }
    Err(CliError::input(format!(
        "refusing to {verb} {} jobs without confirmation: nothing was done",
        jobs.len()
    ))
    .with_hint("name one job by its id, or pass --yes")
    .into())
}

/// The active jobs a destructive command acts on, confirmed.
async fn chosen(
    ctx: &Ctx<'_>,
    verb: &str,
    sel: &Selector,
    err: &mut impl Write,
) -> anyhow::Result<Vec<JobOverview>> {
    let jobs = overview(ctx).await?;
    let targets = select::targets(&jobs, sel);
    if targets.is_empty() {
        return Err(not_found(sel, &jobs, true).into());
    }
    if let Some(ended) = targets.iter().find(|j| !select::is_active(j)) {
        return Err(CliError::new(
            Exit::StatementFailed,
            format!(
                "cannot {verb} job {}: it has already ended ({})",
                ended.jid, ended.state
            ),
        )
        .into());
    }
    confirm(ctx, verb, sel, &targets, err)?;
    Ok(targets.into_iter().cloned().collect())
}

fn dry(job: &JobOverview, action: &'static str, what: String) -> ActionResult {
    ActionResult {
        jid: job.jid.clone(),
        name: job.name.clone(),
        action,
        result: format!("dry run: would {what}"),
        savepoint: None,
        dry_run: true,
    }
}

/// `jobs cancel`.
pub async fn cancel(
    ctx: &Ctx<'_>,
    sel: &Selector,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<Exit> {
    let targets = chosen(ctx, "cancel", sel, err).await?;
    let mut results = Vec::new();
    let mut exit = Exit::Success;
    for job in &targets {
        if ctx.dry_run {
            results.push(dry(
                job,
                "cancel",
                "cancel (PATCH /jobs/{id}?mode=cancel)".into(),
            ));
            continue;
        }
        writeln!(
            err,
            "canceling {} ({})",
            job.jid,
            select::display_name(&job.name, 60)
        )?;
        ctx.jm.cancel(&job.jid).await?;
        let state = wait_terminal(ctx, &job.jid).await?;
        if state != "CANCELED" {
            exit = exit.max(Exit::StatementFailed);
        }
        results.push(ActionResult {
            jid: job.jid.clone(),
            name: job.name.clone(),
            action: "cancel",
            result: state,
            savepoint: None,
            dry_run: false,
        });
    }
    view::actions(out, ctx.format, &results)?;
    Ok(exit)
}

/// Polls until the job reaches a terminal state; exit 4 after the timeout.
pub(crate) async fn wait_terminal(ctx: &Ctx<'_>, jid: &str) -> anyhow::Result<String> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        let state = ctx
            .jm
            .job_info(jid)
            .await?
            .map(|j| j.state)
            .unwrap_or_else(|| "GONE".into());
        if crate::jobmanager::TERMINAL_STATES.contains(&state.as_str()) || state == "GONE" {
            return Ok(state);
        }
        if started.elapsed() >= ctx.timeout {
            return Err(CliError::new(
                Exit::Timeout,
                format!(
                    "job {jid} is still {state} after {}",
                    view::duration(ctx.timeout.as_millis() as i64)
                ),
            )
            .into());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// A savepoint request: plain, or as part of a stop.
#[derive(Debug, Clone, Copy)]
pub enum SavepointKind {
    /// Trigger without stopping.
    Take,
    /// Stop with a savepoint; `drain` emits MAX_WATERMARK first (ends event-time windows).
    Stop { drain: bool },
}

/// `jobs savepoint` and `jobs stop`: `dir` overrides the per-pipeline directory.
pub async fn savepoint(
    ctx: &Ctx<'_>,
    sel: &Selector,
    kind: SavepointKind,
    dir: Option<&str>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<Exit> {
    let verb = match kind {
        SavepointKind::Take => "take a savepoint of",
        SavepointKind::Stop { .. } => "stop",
    };
    let targets = chosen(ctx, verb, sel, err).await?;
    let base = match dir {
        Some(_) => None,
        None => Some(savepoint_base(ctx).await?),
    };
    let mut results = Vec::new();
    let mut exit = Exit::Success;
    for job in &targets {
        let target = match dir {
            Some(d) => d.to_owned(),
            None => savepoints::pipeline_dir(base.as_deref().unwrap_or_default(), &job.name),
        };
        let r = savepoint_one(ctx, job, kind, &target, err).await?;
        if !r.dry_run && r.savepoint.is_none() {
            exit = exit.max(Exit::StatementFailed);
        }
        results.push(r);
    }
    view::actions(out, ctx.format, &results)?;
    Ok(exit)
}

pub(crate) async fn savepoint_one(
    ctx: &Ctx<'_>,
    job: &JobOverview,
    kind: SavepointKind,
    target: &str,
    err: &mut impl Write,
) -> anyhow::Result<ActionResult> {
    let name = select::display_name(&job.name, 60);
    let (action, what) = match kind {
        SavepointKind::Take => ("savepoint", format!("take a savepoint into {target}")),
        SavepointKind::Stop { drain: true } => (
            "stop",
            format!("drain and stop with a savepoint into {target}"),
        ),
        SavepointKind::Stop { drain: false } => {
            ("stop", format!("stop with a savepoint into {target}"))
        }
    };
    if ctx.dry_run {
        return Ok(dry(job, action, what));
    }
    wait_no_savepoint_in_progress(ctx, &job.jid, err).await?;
    // Flink's trigger ids have the job id format: 32 hex digits, fresh per operation.
    let trigger = crate::jobmanager::fresh_job_id();
    writeln!(err, "{}: {what} (trigger {trigger})", job.jid)?;
    match kind {
        SavepointKind::Take => {
            ctx.jm
                .trigger_savepoint(&job.jid, Some(target), &trigger)
                .await?
        }
        SavepointKind::Stop { drain } => {
            ctx.jm
                .trigger_stop(&job.jid, Some(target), drain, &trigger)
                .await?
        }
    };
    let status = poll_savepoint(ctx, &job.jid, &trigger).await?;
    let (result, savepoint) = match status {
        SavepointStatus::Completed(path) => {
            let state = match kind {
                SavepointKind::Take => "savepoint taken".to_owned(),
                SavepointKind::Stop { .. } => wait_terminal(ctx, &job.jid).await?,
            };
            (state, Some(path))
        }
        SavepointStatus::Failed(e) => {
            writeln!(
                err,
                "error: {} ({name}): the {action} failed: {}",
                job.jid, e.message
            )?;
            (format!("failed: {}", e.message), None)
        }
        SavepointStatus::InProgress => unreachable!("poll_savepoint returns a finished operation"),
    };
    Ok(ActionResult {
        jid: job.jid.clone(),
        name: job.name.clone(),
        action,
        result,
        savepoint,
        dry_run: false,
    })
}

/// Waits while another savepoint of this job is in progress (from another client, or a
/// periodic one): overlapping savepoint operations make a stop fail and the job restart.
async fn wait_no_savepoint_in_progress(
    ctx: &Ctx<'_>,
    jid: &str,
    err: &mut impl Write,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut said = false;
    loop {
        let busy = ctx.jm.checkpoints(jid).await?.is_some_and(|c| {
            c.history
                .iter()
                .any(|cp| cp.is_savepoint && cp.status == "IN_PROGRESS")
        });
        if !busy {
            return Ok(());
        }
        if !said {
            writeln!(err, "{jid}: waiting for the savepoint already in progress")?;
            said = true;
        }
        if started.elapsed() >= ctx.timeout {
            return Err(CliError::new(
                Exit::Timeout,
                format!(
                    "job {jid} still has a savepoint in progress after {}",
                    view::duration(ctx.timeout.as_millis() as i64)
                ),
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn poll_savepoint(
    ctx: &Ctx<'_>,
    jid: &str,
    trigger: &str,
) -> anyhow::Result<SavepointStatus> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        let status = ctx.jm.savepoint_status(jid, trigger).await?;
        if status != SavepointStatus::InProgress {
            return Ok(status);
        }
        if started.elapsed() >= ctx.timeout {
            return Err(CliError::new(
                Exit::Timeout,
                format!(
                    "the savepoint of job {jid} is still in progress after {}",
                    view::duration(ctx.timeout.as_millis() as i64)
                ),
            )
            .with_hint(format!(
                "it may still complete: GET /jobs/{jid}/savepoints/{trigger}"
            ))
            .into());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// The base directory for savepoints: FLINK_SAVEPOINT_DIR from the profile, else the cluster's.
pub(crate) async fn savepoint_base(ctx: &Ctx<'_>) -> anyhow::Result<String> {
    if let Some(b) = &ctx.savepoint_base {
        return Ok(b.clone());
    }
    for key in SAVEPOINT_DIR_KEYS {
        if let Some(v) = ctx
            .jm
            .config_value(key)
            .await?
            .filter(|v| !v.trim().is_empty())
        {
            return Ok(v);
        }
    }
    Err(CliError::input("no savepoint directory: the cluster sets no execution.checkpointing.savepoint-dir")
        .with_hint("give one (--savepoint DIR, or DIR for `jobs savepoint`), or set FLINK_SAVEPOINT_DIR in the profile")
        .into())
}

/// A pipeline's savepoints, newest first, and where they were looked for (for the message when
/// none is found): the JobManager's checkpoint history of every run it remembers, plus the
/// pipeline's directory where readable.
pub(crate) async fn find_savepoints(
    ctx: &Ctx<'_>,
    jobs: &[JobOverview],
    name: &str,
) -> anyhow::Result<(Vec<savepoints::Savepoint>, Vec<String>)> {
    let runs = select::runs_of(jobs, name);
    let mut lists = Vec::new();
    for run in &runs {
        if let Some(c) = ctx.jm.checkpoints(&run.jid).await? {
            lists.push(savepoints::from_checkpoints(&run.jid, &c));
        }
    }
    let base = savepoint_base(ctx).await.ok();
    let dir = base.as_deref().map(|b| savepoints::pipeline_dir(b, name));
    let storage = match dir.as_deref().map(|d| (d, savepoints::local_path(d))) {
        Some((_, Some(path))) => match savepoints::list_dir(&path) {
            Ok(found) => {
                let n = found.len();
                lists.push(found);
                format!("{} ({n} found)", path.display())
            }
            Err(e) => format!("{} (not readable: {e})", path.display()),
        },
        Some((d, None)) => format!("{d} (not listed: only file:// directories are read from here)"),
        None => "no savepoint directory (the cluster sets none and the profile has no FLINK_SAVEPOINT_DIR)".to_owned(),
    };
    let looked = vec![
        format!(
            "the JobManager's checkpoint history of {} job(s) named so",
            runs.len()
        ),
        storage,
    ];
    Ok((savepoints::merge(lists), looked))
}

/// `jobs savepoints NAME`: every savepoint `find_savepoints` finds. Nothing found: exit 1, saying
/// where it looked.
pub async fn savepoints(
    ctx: &Ctx<'_>,
    name: &str,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<Exit> {
    let jobs = overview(ctx).await?;
    let (found, looked) = find_savepoints(ctx, &jobs, name).await?;
    if found.is_empty() {
        writeln!(err, "no savepoints found for pipeline '{name}'. Looked in:")?;
        for place in looked {
            writeln!(err, "  {place}")?;
        }
        return Ok(Exit::StatementFailed);
    }
    view::savepoints(out, ctx.format, &found)?;
    Ok(Exit::Success)
}

/// One look at the cluster for `jobs watch`.
pub async fn health(ctx: &Ctx<'_>) -> anyhow::Result<Health> {
    let (cluster, jobs) = tokio::join!(ctx.jm.cluster(), overview(ctx));
    let (cluster, jobs) = (cluster?, jobs?);
    let mut checkpoints = Vec::new();
    for job in jobs.iter().filter(|j| j.state == "RUNNING") {
        if let Some(c) = ctx.jm.checkpoints(&job.jid).await? {
            checkpoints.push((job.jid.clone(), c));
        }
    }
    Ok(health::judge(&cluster, &jobs, &checkpoints, now_ms()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_checked_in_any_case_and_comma_lists() {
        let s = parse_states(&["running,failed".into(), "Canceled".into()]).unwrap();
        assert_eq!(s, ["RUNNING", "FAILED", "CANCELED"]);
        let e = parse_states(&["runing".into()]).unwrap_err();
        assert_eq!(e.exit, Exit::Input);
        assert!(e.hints[0].contains("RUNNING"));
    }
}
