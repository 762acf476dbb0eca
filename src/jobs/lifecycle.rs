//! The pipeline lifecycle: starting a pipeline file (a loop over the runner, in a session of its
//! own, its job stamped with the SQL hash and a deterministic id), the duplicate guard `exec`
//! shares, `resume`, `apply` and `status`.
//!
//! No duplicate pipelines: a start is refused while a job of the same `pipeline.name` is active
//! (RUNNING, CREATED, RESTARTING, …) unless `--allow-duplicate`. Behind that check, the
//! deterministic job id makes Flink itself refuse a second submission of the same start (a retry,
//! or two CI runs racing past the check).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use super::pipeline::{self, Pipeline, StartKey, GLOBAL_PARAMS, HASH_PARAM, RESTORE_PATH};
use super::plan::{self, Action, Cluster, Expected, Step, Upgrade};
use super::{overview, savepoints, select, view, Ctx, SavepointKind};
use crate::error::{CliError, Exit};
use crate::jobmanager::{JobManager, JobOverview};
use crate::model::{Outcome, Sink, Status};
use crate::runner::{Cancel, Connect, JobStamp, RunOptions};
use crate::script::Statement;

/// What starting a pipeline file needs: the gateway and the runner's options (a JobManager to
/// wait for the job on).
pub struct Starter {
    pub connect: Connect,
    pub opts: RunOptions,
}

/// A statement that starts a named pipeline's job, and what that job is submitted with.
#[derive(Debug, Clone)]
pub struct NamedJob {
    pub index: usize,
    pub name: String,
    pub stamp: JobStamp,
}

/// The id of the newest run of `name` the JobManager knows (any state).
pub fn newest_run<'a>(jobs: &'a [JobOverview], name: &str) -> Option<&'a str> {
    select::runs_of(jobs, name).first().map(|j| j.jid.as_str())
}

/// Every statement of a run that starts a job while a `pipeline.name` is set (each session on its
/// own): its stamp carries the hash of its file's statements and, when the JobManager's jobs are
/// known, a deterministic job id (`pipeline::job_id`; a file that starts several jobs under one
/// name numbers them).
pub fn named_jobs(sessions: &[&[Statement]], jobs: Option<(&[JobOverview], u64)>) -> Vec<NamedJob> {
    let mut named: Vec<NamedJob> = Vec::new();
    for session in sessions {
        for (i, stmt) in session.iter().enumerate() {
            if !pipeline::starts_job(stmt) {
                continue;
            }
            let before = &session[..i];
            let Some(name) = pipeline::setting_after(before, "pipeline.name") else {
                continue;
            };
            let file: Vec<Statement> = session
                .iter()
                .filter(|s| s.file == stmt.file)
                .cloned()
                .collect();
            let hash = pipeline::hash(&file);
            let user = pipeline::setting_after(before, GLOBAL_PARAMS);
            let restore = pipeline::setting_after(before, RESTORE_PATH);
            let nth = named.iter().filter(|n| n.name == name).count();
            let revision = match nth {
                0 => hash.clone(),
                n => format!("{hash}#{n}"),
            };
            let job_id = jobs.map(|(jobs, window)| {
                let key = StartKey {
                    restore: restore.as_deref(),
                    previous: newest_run(jobs, &name),
                    window,
                };
                pipeline::job_id(&name, &revision, key)
            });
            let config = vec![(
                GLOBAL_PARAMS.to_owned(),
                pipeline::global_params(user.as_deref(), &hash),
            )];
            named.push(NamedJob {
                index: stmt.index,
                name,
                stamp: JobStamp {
                    job_id,
                    config,
                    layout: Some(Arc::new(crate::check::upgrade::Tables::from_statements(
                        &file,
                    ))),
                },
            });
        }
    }
    named
}

/// Refuses (exit 1, nothing sent) when one of `names` has an active job.
pub fn refuse_duplicates<'a>(
    names: impl IntoIterator<Item = &'a str>,
    jobs: &[JobOverview],
) -> Result<(), CliError> {
    let mut clashes: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    for name in names {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let active: Vec<String> = jobs
            .iter()
            .filter(|j| j.name == name && select::is_active(j))
            .map(|j| format!("job {} ({})", j.jid, j.state))
            .collect();
        if !active.is_empty() {
            clashes.push(format!(
                "pipeline '{name}' already runs as {}",
                active.join(", ")
            ));
        }
    }
    if clashes.is_empty() {
        return Ok(());
    }
    Err(CliError::new(
        Exit::StatementFailed,
        format!(
            "refusing to start a duplicate: {}; nothing was sent",
            clashes.join("; ")
        ),
    )
    .with_hint("--allow-duplicate starts a second job anyway")
    .with_hint("to replace the running job: `flink-sql jobs apply DIR` (upgrades it through a savepoint), or `flink-sql jobs stop NAME --savepoint` then `flink-sql jobs resume FILE`"))
}

/// `exec`'s guard, before anything is sent: a named pipeline that already has an active job is
/// refused (unless `allow_duplicate`); every named job gets its stamp. Without a JobManager URL
/// nothing can be checked: a warning says so, and the jobs get fresh ids.
pub async fn exec_guard(
    jm: Option<&JobManager>,
    sessions: &[&[Statement]],
    allow_duplicate: bool,
    err: &mut impl Write,
) -> anyhow::Result<BTreeMap<usize, JobStamp>> {
    let unchecked = named_jobs(sessions, None);
    if unchecked.is_empty() {
        return Ok(BTreeMap::new());
    }
    let Some(jm) = jm else {
        let names: Vec<&str> = unchecked.iter().map(|n| n.name.as_str()).collect();
        writeln!(
            err,
            "warning: no JobManager URL (FLINK_REST_URL or --jobmanager): cannot check whether pipeline(s) {} already run",
            names.join(", ")
        )?;
        return Ok(stamps(unchecked));
    };
    let jobs = jm.overview().await?;
    if !allow_duplicate {
        refuse_duplicates(unchecked.iter().map(|n| n.name.as_str()), &jobs)?;
    }
    let window = id_window(jm).await?;
    Ok(stamps(named_jobs(sessions, Some((&jobs, window)))))
}

/// How long the JobManager lists an ended job, in seconds (`jobstore.expiration-time`, default 1 h).
const DEFAULT_JOBSTORE_EXPIRATION: u64 = 3600;

/// The current window of `jobstore.expiration-time` (see `pipeline::StartKey`).
pub async fn id_window(jm: &JobManager) -> Result<u64, CliError> {
    let configured = jm.config_value("jobstore.expiration-time").await?;
    let secs = configured
        .and_then(|v| {
            let v = v.trim().to_owned();
            v.parse::<u64>()
                .ok()
                .or_else(|| humantime::parse_duration(&v).ok().map(|d| d.as_secs()))
        })
        .unwrap_or(DEFAULT_JOBSTORE_EXPIRATION)
        .max(1);
    Ok(super::now_ms() as u64 / 1000 / secs)
}

fn stamps(named: Vec<NamedJob>) -> BTreeMap<usize, JobStamp> {
    named.into_iter().map(|n| (n.index, n.stamp)).collect()
}

/// What one pipeline command did to one pipeline.
#[derive(Debug, Clone)]
pub struct Applied {
    pub name: String,
    pub file: Option<String>,
    pub action: &'static str,
    pub job: Option<String>,
    /// The savepoint the new job restores from.
    pub from: Option<String>,
    pub result: String,
    pub ok: bool,
}

/// Collects the failures of a pipeline's statements (file:line:col: message).
#[derive(Default)]
struct Failures(Vec<String>);

impl Sink for Failures {
    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> std::io::Result<()> {
        if matches!(outcome.status, Status::Ok | Status::Skipped) {
            return Ok(());
        }
        let (pos, message) = match &outcome.failure {
            Some(f) => (f.pos.unwrap_or(stmt.pos), f.message.clone()),
            None => (stmt.pos, outcome.status.as_str().to_owned()),
        };
        self.0.push(format!(
            "{}:{}:{}: {message}",
            stmt.file, pos.line, pos.column
        ));
        Ok(())
    }
}

/// Runs a pipeline file in a session of its own, its job stamped; waits until every task of the
/// job runs (the runner's `--wait running`).
async fn start(
    starter: &Starter,
    p: &Pipeline,
    stamp: JobStamp,
) -> anyhow::Result<(Option<String>, Result<(), String>)> {
    let mut opts = starter.opts.clone();
    opts.stamps = Arc::new(BTreeMap::from([(p.job_statement, stamp)]));
    let mut failures = Failures::default();
    let (summary, exit) = crate::commands::batch::exec(
        &starter.connect,
        &p.statements,
        &opts,
        &mut failures,
        &Cancel::never(),
    )
    .await?;
    let job = summary.jobs.first().map(|(_, id)| id.clone());
    let result = match exit {
        Exit::Success => Ok(()),
        _ if failures.0.is_empty() => Err(format!("failed (exit {})", exit.code())),
        _ => Err(failures.0.join("; ")),
    };
    Ok((job, result))
}

/// The newest savepoint of `name`, or where it looked.
async fn latest(
    ctx: &Ctx<'_>,
    jobs: &[JobOverview],
    name: &str,
) -> anyhow::Result<Result<String, Vec<String>>> {
    let (found, looked) = super::find_savepoints(ctx, jobs, name).await?;
    Ok(found.into_iter().next().map(|s| s.path).ok_or(looked))
}

/// Where `resume` restores from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restore {
    Latest,
    Path(String),
    /// The latest savepoint when one exists, else without state (what `apply` does for a
    /// pipeline that is not running; the `jobs ui` start).
    LatestOrFresh,
}

impl Restore {
    pub fn parse(s: Option<&str>) -> Restore {
        match s {
            None | Some("latest") => Restore::Latest,
            Some(p) => Restore::Path(p.to_owned()),
        }
    }
}

/// `jobs resume FILE`: the pipeline file again, restoring from a savepoint.
pub async fn resume(
    ctx: &Ctx<'_>,
    starter: &Starter,
    p: &Pipeline,
    from: &Restore,
    allow_duplicate: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<Exit> {
    let jobs = overview(ctx).await?;
    if !allow_duplicate {
        refuse_duplicates([p.name.as_str()], &jobs)?;
    }
    let restore = match from {
        Restore::Path(path) => Some(path.clone()),
        Restore::LatestOrFresh => latest(ctx, &jobs, &p.name).await?.ok(),
        Restore::Latest => Some(latest(ctx, &jobs, &p.name).await?.map_err(|looked| {
            CliError::new(
                Exit::StatementFailed,
                format!(
                    "no savepoint found for pipeline '{}'; looked in: {}",
                    p.name,
                    looked.join("; ")
                ),
            )
            .with_hint(
                "--from PATH names a savepoint; `flink-sql exec` starts the pipeline without state",
            )
        })?),
    };
    let key = StartKey {
        restore: restore.as_deref(),
        previous: newest_run(&jobs, &p.name),
        window: id_window(&ctx.jm).await?,
    };
    let stamp = p.stamp(key);
    let mut applied = Applied {
        name: p.name.clone(),
        file: Some(p.file.to_string()),
        action: "resume",
        job: stamp.job_id.clone(),
        from: restore.clone(),
        result: String::new(),
        ok: true,
    };
    if ctx.dry_run {
        applied.result = match restore {
            Some(_) => "dry run: would start it from the savepoint",
            None => "dry run: would start it without state",
        }
        .into();
    } else {
        match &restore {
            Some(path) => writeln!(err, "resuming pipeline '{}' from {path}", p.name)?,
            None => writeln!(
                err,
                "starting pipeline '{}' without state (no savepoint found)",
                p.name
            )?,
        }
        let (job, result) = start(starter, p, stamp).await?;
        applied.job = job.or(applied.job);
        (applied.result, applied.ok) = outcome(result);
    }
    view::applied(out, ctx.format, std::slice::from_ref(&applied))?;
    Ok(if applied.ok {
        Exit::Success
    } else {
        Exit::StatementFailed
    })
}

fn outcome(result: Result<(), String>) -> (String, bool) {
    match result {
        Ok(()) => ("RUNNING".to_owned(), true),
        Err(e) => (format!("failed: {e}"), false),
    }
}

/// The SQL hash of every active job (`None`: it carries none): one `/jobs/{id}/config` each.
async fn hashes(
    ctx: &Ctx<'_>,
    jobs: &[JobOverview],
) -> anyhow::Result<BTreeMap<String, Option<String>>> {
    let mut hashes = BTreeMap::new();
    for job in jobs.iter().filter(|j| select::is_active(j)) {
        let config = ctx.jm.user_config(&job.jid).await?;
        let hash = config.and_then(|c| c.get(HASH_PARAM).cloned());
        hashes.insert(job.jid.clone(), hash);
    }
    Ok(hashes)
}

fn expected(pipelines: &[Pipeline]) -> Vec<Expected> {
    pipelines
        .iter()
        .map(|p| Expected {
            name: p.name.clone(),
            file: p.file.to_string(),
            hash: p.hash.clone(),
        })
        .collect()
}

/// The folder's pipelines against the cluster (`plan::status`), with the jobs they were judged
/// on: what `jobs status` prints and what the `jobs ui` rows show.
pub async fn verdicts(
    ctx: &Ctx<'_>,
    pipelines: &[Pipeline],
) -> anyhow::Result<(Vec<JobOverview>, Vec<plan::StatusRow>)> {
    let jobs = overview(ctx).await?;
    let hashes = hashes(ctx, &jobs).await?;
    let cluster = Cluster {
        jobs: &jobs,
        hashes: &hashes,
    };
    let rows = plan::status(&expected(pipelines), &cluster);
    Ok((jobs, rows))
}

/// `jobs status DIR`: exit 1 unless every pipeline runs, healthy, its SQL, once, and no
/// pipeline runs that the folder does not name.
pub async fn status(
    ctx: &Ctx<'_>,
    pipelines: &[Pipeline],
    out: &mut impl Write,
) -> anyhow::Result<Exit> {
    let (_, rows) = verdicts(ctx, pipelines).await?;
    view::status(out, ctx.format, &rows)?;
    let off = rows.iter().any(|r| r.verdict != plan::Verdict::Running);
    Ok(if off {
        Exit::StatementFailed
    } else {
        Exit::Success
    })
}

/// `jobs apply DIR` without `--allow-state-loss`.
pub async fn apply(
    ctx: &Ctx<'_>,
    starter: &Starter,
    pipelines: &[Pipeline],
    upgrade: Upgrade,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<Exit> {
    apply_checked(ctx, starter, pipelines, upgrade, false, out, err).await
}

/// `jobs apply DIR`: the plan, then (unless a dry run) each step. Upgrades stop running jobs:
/// they need `--yes` or a yes at the prompt; through a savepoint, their upgrade verdict first
/// (`verdict::guard`: state loss refuses unless `allow_state_loss`).
pub async fn apply_checked(
    ctx: &Ctx<'_>,
    starter: &Starter,
    pipelines: &[Pipeline],
    upgrade: Upgrade,
    allow_state_loss: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<Exit> {
    let jobs = overview(ctx).await?;
    let hashes = hashes(ctx, &jobs).await?;
    let cluster = Cluster {
        jobs: &jobs,
        hashes: &hashes,
    };
    let steps = plan::plan(&expected(pipelines), &cluster, upgrade);
    let mut from = BTreeMap::new();
    for step in steps.iter().filter(|s| s.action == Action::Start) {
        if let Ok(path) = latest(ctx, &jobs, &step.name).await? {
            from.insert(step.name.clone(), path);
        }
    }
    // json is one document: the plan and what was done, together at the end.
    let json = ctx.format == view::Format::Json;
    if !json {
        view::plan(out, ctx.format, &steps, &from)?;
        out.flush()?;
    }
    if upgrade == Upgrade::Savepoint {
        let guarded = super::verdict::guard(starter, pipelines, &steps, allow_state_loss, err);
        match (guarded.await, ctx.dry_run) {
            (Err(e), false) => return Err(e),
            (Err(e), true) => writeln!(err, "{e}")?,
            (Ok(()), _) => {}
        }
    }
    if ctx.dry_run {
        if json {
            view::plan_and_applied_json(out, &steps, &from, &[])?;
        }
        return Ok(Exit::Success);
    }
    confirm_upgrades(ctx, &steps, err)?;
    let mut results = Vec::new();
    for step in &steps {
        let p = pipelines
            .iter()
            .find(|p| Some(p.file.to_string()) == step.file);
        let r = apply_step(
            ctx,
            starter,
            step,
            p,
            &jobs,
            from.get(&step.name),
            upgrade,
            err,
        )
        .await?;
        results.push(r);
    }
    if results
        .iter()
        .all(|r| r.action == "keep" || r.action == "unexpected")
    {
        writeln!(err, "nothing to change")?;
    }
    view::applied(out, ctx.format, &results)?;
    let bad = results.iter().any(|r| !r.ok);
    Ok(if bad {
        Exit::StatementFailed
    } else {
        Exit::Success
    })
}

fn confirm_upgrades(ctx: &Ctx<'_>, steps: &[Step], err: &mut impl Write) -> anyhow::Result<()> {
    let n = steps.iter().filter(|s| s.action == Action::Upgrade).count();
    if n == 0 || ctx.yes {
        return Ok(());
    }
    if ctx.interactive && (ctx.ask)(&format!("stop and restart {n} running pipeline(s)? [y/N] ")) {
        return Ok(());
    }
    writeln!(
        err,
        "{n} running pipeline(s) would be stopped and started again"
    )?;
    Err(CliError::input(format!(
        "refusing to upgrade {n} running pipeline(s) without confirmation: nothing was done"
    ))
    .with_hint("pass --yes (CI), or --dry-run to see the plan only")
    .into())
}

#[allow(clippy::too_many_arguments)]
async fn apply_step(
    ctx: &Ctx<'_>,
    starter: &Starter,
    step: &Step,
    p: Option<&Pipeline>,
    jobs: &[JobOverview],
    latest: Option<&String>,
    upgrade: Upgrade,
    err: &mut impl Write,
) -> anyhow::Result<Applied> {
    let mut r = Applied {
        name: step.name.clone(),
        file: step.file.clone(),
        action: step.action.as_str(),
        job: step.jobs.first().cloned(),
        from: None,
        result: step.detail.clone(),
        ok: !step.action.is_problem(),
    };
    let Some(p) = p else { return Ok(r) };
    let restore = match step.action {
        Action::Start => latest.cloned(),
        Action::Upgrade => match replace(ctx, step, jobs, upgrade, err).await? {
            Ok(path) => path,
            Err(e) => {
                (r.result, r.ok) = (e, false);
                return Ok(r);
            }
        },
        _ => {
            if step.action == Action::Keep {
                r.result = "kept: runs this SQL".into();
            }
            return Ok(r);
        }
    };
    let what = restore
        .as_deref()
        .map_or("without state".to_owned(), |s| format!("from {s}"));
    writeln!(err, "starting pipeline '{}' ({}) {what}", p.name, p.file)?;
    let key = StartKey {
        restore: restore.as_deref(),
        previous: newest_run(jobs, &p.name),
        window: id_window(&ctx.jm).await?,
    };
    let stamp = p.stamp(key);
    let (job, result) = start(starter, p, stamp).await?;
    r.job = job;
    r.from = restore;
    (r.result, r.ok) = outcome(result);
    Ok(r)
}

/// Takes the running job down for an upgrade: a stop with a savepoint (its path), or a cancel
/// (stateless: no path). `Err` when it failed: the new SQL is then not started.
async fn replace(
    ctx: &Ctx<'_>,
    step: &Step,
    jobs: &[JobOverview],
    upgrade: Upgrade,
    err: &mut impl Write,
) -> anyhow::Result<Result<Option<String>, String>> {
    let Some(job) = jobs.iter().find(|j| step.jobs.first() == Some(&j.jid)) else {
        return Ok(Err("the running job disappeared".into()));
    };
    if upgrade == Upgrade::Stateless {
        writeln!(
            err,
            "canceling {} ({}) for a stateless upgrade",
            job.jid, job.name
        )?;
        ctx.jm.cancel(&job.jid).await?;
        let state = super::wait_terminal(ctx, &job.jid).await?;
        return Ok(match state.as_str() {
            "CANCELED" | "GONE" => Ok(None),
            other => Err(format!(
                "the old job ended {other}, not CANCELED: the new SQL was not started"
            )),
        });
    }
    let base = super::savepoint_base(ctx).await?;
    let target = savepoints::pipeline_dir(&base, &job.name);
    let kind = SavepointKind::Stop { drain: false };
    let stopped = super::savepoint_one(ctx, job, kind, &target, err).await?;
    Ok(match stopped.savepoint {
        Some(path) => Ok(Some(path)),
        None => Err(format!(
            "stop with a savepoint failed ({}): the old job keeps running, the new SQL was not started",
            stopped.result
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{input, prepare};

    fn statements(files: &[(&str, &str)]) -> Vec<Statement> {
        let sources: Vec<_> = files
            .iter()
            .map(|(n, t)| input::from_bytes(*n, t.as_bytes().to_vec()).unwrap())
            .collect();
        prepare(&sources, &Default::default(), false).unwrap()
    }

    fn job(jid: &str, name: &str, state: &str, start: i64) -> JobOverview {
        JobOverview {
            jid: jid.into(),
            name: name.into(),
            state: state.into(),
            start_time: start,
            end_time: 0,
            duration: 0,
            tasks: Default::default(),
        }
    }

    const A: &str = "SET 'pipeline.name' = 'a'; CREATE TABLE t (k INT); INSERT INTO t SELECT 1;";

    #[test]
    fn named_inserts_get_the_files_hash_and_a_deterministic_id() {
        let all = statements(&[("a.sql", A), ("b.sql", "INSERT INTO t SELECT 2;")]);
        let named = named_jobs(&[&all], None);
        assert_eq!(named.len(), 2, "the name carries over within one session");
        assert_eq!(named[0].index, 3);
        assert_eq!(
            named[0].stamp.job_id, None,
            "no ids without the JobManager's jobs"
        );
        let jobs = [job("old", "a", "CANCELED", 1)];
        let with_ids = named_jobs(&[&all], Some((&jobs, 9)));
        let p = pipeline::from_file(statements(&[("a.sql", A)]))
            .unwrap()
            .unwrap();
        assert_eq!(
            with_ids[0].stamp,
            p.stamp(StartKey {
                restore: None,
                previous: Some("old"),
                window: 9
            }),
            "exec and apply agree"
        );
        assert_ne!(with_ids[0].stamp.job_id, with_ids[1].stamp.job_id);
        let per_file = [&all[..3], &all[3..]];
        assert_eq!(
            named_jobs(&per_file, None).len(),
            1,
            "a new session has no name"
        );
    }

    #[test]
    fn an_active_job_of_the_same_name_refuses_the_start() {
        let jobs = [
            job("j1", "a", "CANCELED", 1),
            job("j2", "b", "RESTARTING", 2),
        ];
        assert!(
            refuse_duplicates(["a"], &jobs).is_ok(),
            "an ended run is no duplicate"
        );
        let e = refuse_duplicates(["a", "b", "b"], &jobs).unwrap_err();
        assert_eq!(e.exit, Exit::StatementFailed);
        assert_eq!(
            e.message,
            "refusing to start a duplicate: pipeline 'b' already runs as job j2 (RESTARTING); nothing was sent"
        );
        assert!(e.hints[0].contains("--allow-duplicate"));
    }
}
