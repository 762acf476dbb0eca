//! `flink-sql jobs`: profile → JobManager client → the chosen action. What a signal means (stop
//! watching) is decided here; everything written passes through the profile's redactor.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{ActOpts, JobsAction, JobsArgs, JobsFormat, JobsOpts, UpgradeMode};
use crate::error::{CliError, Exit};
use crate::jobmanager::JobManager;
use crate::jobs::lifecycle::{self, Restore, Starter};
use crate::jobs::pipeline::{self, Pipeline};
use crate::jobs::plan::Upgrade;
use crate::jobs::{self, select, ui, Ctx, Format, SavepointKind};
use crate::profile::Vars;
use crate::runner::{self, Connect, RunOptions};
use crate::script::{self, input};
use crate::secrets::{RedactWriter, Redactor};
use crate::settings::{self, World, DEFAULT_TIMEOUT};

pub fn run(args: JobsArgs, verbose: u8) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()?;
    let world = World::current(&cwd);
    let s = settings::jobs(opts(&args.action), &world)?;
    let redactor = s.profile.redactor.clone();
    let log = super::exec::verbose_log(verbose, &redactor);
    let c = &s.connection;
    let jm = JobManager::with_auth(
        &s.jobmanager_url,
        c.headers.clone(),
        c.token.clone(),
        c.ca_cert.clone(),
        redactor.clone(),
        log,
    )?;
    let timeout = act(&args.action)
        .and_then(|a| a.timeout)
        .unwrap_or(DEFAULT_TIMEOUT);
    let starter = Starter {
        connect: Connect::new(
            s.connection.config(),
            redactor.clone(),
            super::exec::verbose_log(verbose, &redactor),
        ),
        opts: run_options(&jm, timeout),
    };
    if let JobsAction::Ui { dir, .. } = &args.action {
        let mut err = RedactWriter::new(io::stderr(), redactor.clone());
        let pipelines = match pipelines_of(&args.action, &s.profile.vars, &redactor, &mut err)? {
            Ok(pipelines) => pipelines,
            Err(exit) => return Ok(exit),
        };
        // Nothing may write on the terminal the screen draws on.
        let starter = Starter {
            connect: starter.connect.with_log(None),
            ..starter
        };
        let env = ui::Env {
            jm,
            timeout,
            savepoint_base: s.savepoint_base.clone(),
            starter: Arc::new(starter),
            pipelines: Arc::new(pipelines),
        };
        let mut out = RedactWriter::new(crate::render::stdout_locked(), redactor);
        let shown = dir.display().to_string();
        let exit = match ui::term::can_draw() {
            true => ui::term::run(env, &shown, &mut out)?,
            false => ui::term::print_once(&env, &mut out)?,
        };
        out.flush()?;
        return Ok(exit);
    }
    let act = act(&args.action);
    let ask = |q: &str| crate::deploy::context::ask(q);
    let ctx = Ctx {
        jm,
        format: format(s.format),
        dry_run: act.is_some_and(|a| a.dry_run),
        yes: act.is_some_and(|a| a.yes),
        interactive: s.stdin_is_terminal,
        ask: &ask,
        timeout,
        savepoint_base: s.savepoint_base.clone(),
    };
    let mut out = RedactWriter::new(crate::render::stdout_locked(), redactor.clone());
    let mut err = RedactWriter::new(io::stderr(), redactor.clone());
    let pipelines = pipelines_of(&args.action, &s.profile.vars, &redactor, &mut err)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let exit = match pipelines {
        Err(exit) => exit,
        Ok(pipelines) => runtime.block_on(action(
            &ctx,
            &starter,
            &pipelines,
            args.action,
            &mut out,
            &mut err,
        ))?,
    };
    out.flush()?;
    Ok(exit)
}

async fn action(
    ctx: &Ctx<'_>,
    starter: &Starter,
    pipelines: &[Pipeline],
    action: JobsAction,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<Exit> {
    match action {
        JobsAction::List {
            state, name, all, ..
        } => {
            let filter = select::ListFilter {
                states: jobs::parse_states(&state)?,
                name: name.as_deref().map(select::regex).transpose()?,
                all,
            };
            jobs::list(ctx, &filter, out).await
        }
        JobsAction::Show { job, .. } => {
            jobs::show(ctx, &select::Selector::parse(Some(&job), None)?, out).await
        }
        JobsAction::Cancel { job, name, .. } => {
            let sel = select::Selector::parse(job.as_deref(), name.as_deref())?;
            jobs::cancel(ctx, &sel, out, err).await
        }
        JobsAction::Stop {
            job,
            savepoint,
            drain,
            ..
        } => {
            let sel = select::Selector::parse(Some(&job), None)?;
            let dir = savepoint.flatten();
            let kind = SavepointKind::Stop { drain };
            jobs::savepoint(ctx, &sel, kind, dir.as_deref(), out, err).await
        }
        JobsAction::Savepoint { job, dir, .. } => {
            let sel = select::Selector::parse(Some(&job), None)?;
            jobs::savepoint(ctx, &sel, SavepointKind::Take, dir.as_deref(), out, err).await
        }
        JobsAction::Savepoints { name, .. } => jobs::savepoints(ctx, &name, out, err).await,
        JobsAction::Watch { interval, once, .. } => watch(ctx, interval, once, out, err).await,
        JobsAction::Resume {
            from,
            allow_duplicate,
            ..
        } => {
            let from = Restore::parse(from.as_deref());
            let p = &pipelines[0];
            lifecycle::resume(ctx, starter, p, &from, allow_duplicate, out, err).await
        }
        JobsAction::Apply {
            upgrade,
            allow_state_loss,
            ..
        } => {
            let upgrade = match upgrade {
                UpgradeMode::Savepoint => Upgrade::Savepoint,
                UpgradeMode::Stateless => Upgrade::Stateless,
                UpgradeMode::None => Upgrade::None,
            };
            lifecycle::apply_checked(ctx, starter, pipelines, upgrade, allow_state_loss, out, err)
                .await
        }
        JobsAction::Status { .. } => lifecycle::status(ctx, pipelines, out).await,
        JobsAction::Ui { .. } => unreachable!("the screen is run before"),
    }
}

/// How a pipeline's statements run: stop at the first failure, wait until every task of its job
/// runs (a restore that fails at once shows as a failed start), within the command's timeout.
fn run_options(jm: &JobManager, timeout: Duration) -> RunOptions {
    RunOptions {
        from_statement: 1,
        reconnect: false,
        continue_on_error: false,
        max_rows: None,
        max_wait: None,
        wait: runner::WaitFor::Running,
        timeout,
        jobmanager: Some(jm.clone()),
        stamps: Default::default(),
    }
}

/// The pipelines `resume FILE`, `apply DIR` and `status DIR` work on, read, split and substituted
/// before anything is sent. An input problem is reported here: `Err(exit 2)`.
fn pipelines_of(
    action: &JobsAction,
    vars: &Vars,
    redactor: &Redactor,
    err: &mut impl Write,
) -> anyhow::Result<Result<Vec<Pipeline>, Exit>> {
    let (path, folder) = match action {
        JobsAction::Resume { file, .. } => (file, false),
        JobsAction::Apply { dir, .. }
        | JobsAction::Status { dir, .. }
        | JobsAction::Ui { dir, .. } => (dir, true),
        _ => return Ok(Ok(Vec::new())),
    };
    if folder && !path.is_dir() {
        return Err(CliError::input(format!("{}: not a folder", path.display())).into());
    }
    let sources = match input::read_path(path) {
        Ok(sources) => sources,
        Err(d) => {
            crate::render::write_input_problems(err, &[d], &[], redactor)?;
            return Ok(Err(Exit::Input));
        }
    };
    let mut pipelines: Vec<Pipeline> = Vec::new();
    for source in &sources {
        let statements = match script::prepare(std::slice::from_ref(source), vars, false) {
            Ok(statements) => statements,
            Err(d) => {
                crate::render::write_input_problems(
                    err,
                    &d,
                    std::slice::from_ref(source),
                    redactor,
                )?;
                return Ok(Err(Exit::Input));
            }
        };
        match pipeline::from_file(statements)? {
            Some(p) => {
                if let Some(other) = pipelines.iter().find(|o| o.name == p.name) {
                    return Err(CliError::input(format!(
                        "{} and {} both set pipeline.name '{}'",
                        other.file, p.file, p.name
                    ))
                    .into());
                }
                pipelines.push(p);
            }
            None if folder => writeln!(
                err,
                "note: {}: no SET 'pipeline.name': not a pipeline, skipped",
                source.name
            )?,
            None => {
                return Err(CliError::input(format!(
                    "{}: not a pipeline file (it sets no 'pipeline.name' before its INSERT)",
                    source.name
                ))
                .into())
            }
        }
    }
    let listed = matches!(action, JobsAction::Status { .. } | JobsAction::Ui { .. });
    if folder && pipelines.is_empty() && !listed {
        writeln!(err, "note: {}: no pipeline files", path.display())?;
    }
    Ok(Ok(pipelines))
}

/// Looks at the cluster once (exit 0 healthy, 1 not) or every `interval` until Ctrl-C. While
/// watching, an unreachable JobManager is reported and the watch goes on.
async fn watch(
    ctx: &Ctx<'_>,
    interval: Duration,
    once: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<Exit> {
    let mut first = true;
    // One Ctrl-C listener for the whole watch, also polled while a look is under way: a new one
    // per wait would lose a Ctrl-C pressed while the JobManager is slow to answer.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let health = tokio::select! {
            h = jobs::health(ctx) => h,
            _ = &mut interrupted => return Ok(Exit::Interrupted),
        };
        match health {
            Ok(h) => {
                if !first && matches!(ctx.format, Format::Table | Format::Plain) {
                    writeln!(out)?;
                }
                jobs::view::health(out, ctx.format, &h)?;
                out.flush()?;
                if once {
                    return Ok(if h.healthy() {
                        Exit::Success
                    } else {
                        Exit::StatementFailed
                    });
                }
            }
            Err(e) if !once => writeln!(err, "error: {e:#}")?,
            Err(e) => return Err(e),
        }
        first = false;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = &mut interrupted => return Ok(Exit::Interrupted),
        }
    }
}

fn opts(action: &JobsAction) -> &JobsOpts {
    match action {
        JobsAction::List { opts, .. }
        | JobsAction::Show { opts, .. }
        | JobsAction::Cancel { opts, .. }
        | JobsAction::Stop { opts, .. }
        | JobsAction::Savepoint { opts, .. }
        | JobsAction::Savepoints { opts, .. }
        | JobsAction::Watch { opts, .. }
        | JobsAction::Resume { opts, .. }
        | JobsAction::Apply { opts, .. }
        | JobsAction::Status { opts, .. }
        | JobsAction::Ui { opts, .. } => opts,
    }
}

fn act(action: &JobsAction) -> Option<&ActOpts> {
    match action {
        JobsAction::Cancel { act, .. }
        | JobsAction::Stop { act, .. }
        | JobsAction::Savepoint { act, .. }
        | JobsAction::Resume { act, .. }
        | JobsAction::Apply { act, .. }
        | JobsAction::Ui { act, .. } => Some(act),
        _ => None,
    }
}

fn format(f: JobsFormat) -> Format {
    match f {
        JobsFormat::Table => Format::Table,
        JobsFormat::Plain => Format::Plain,
        JobsFormat::Json => Format::Json,
        JobsFormat::Ndjson => Format::Ndjson,
    }
}
