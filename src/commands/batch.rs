//! Batch runs as loops over the runner: statements in order, a failure stops the rest unless
//! `--continue-on-error`, and the one summary of the run is built here, not by the runner.
//! Recovery lives here too: statements before `--from-statement` are skipped (the session-scoped
//! ones replayed silently), and a session the gateway lost either cuts the run (exit 3, a
//! done / not-done summary, the command to go on) or, with `--reconnect`, is replaced by a new
//! one in which the session's statements are replayed.

use std::time::{Duration, Instant};

use crate::error::{CliError, Exit};
use crate::model::{Cut, Failure, Outcome, Sink, Status, Summary};
use crate::runner::{Broken, Cancel, Connect, Opened, RunOptions, Runner};
use crate::script::Statement;

/// How often one statement may meet a lost session and be tried again in a new one.
const RECONNECTS_PER_STATEMENT: usize = 3;

/// Opens a session, runs `statements` in it and closes it: `exec` without `--session-per-file`.
pub async fn exec(
    connect: &Connect,
    statements: &[Statement],
    opts: &RunOptions,
    sink: &mut dyn Sink,
    cancel: &Cancel,
) -> anyhow::Result<(Summary, Exit)> {
    let mut batch = Batch::for_run(opts);
    batch
        .in_one_session(connect, statements, opts, sink, cancel)
        .await?;
    Ok(batch.finish(sink, cancel)?)
}

/// Runs `statements` in `runner`'s session and ends the run (the summary goes to the sink); the
/// caller closes the session.
pub async fn run(
    runner: &mut Runner,
    statements: &[Statement],
    sink: &mut dyn Sink,
    cancel: &Cancel,
) -> anyhow::Result<(Summary, Exit)> {
    let mut batch = Batch::for_run(runner.options());
    batch.run(runner, statements, sink, cancel).await?;
    Ok(batch.finish(sink, cancel)?)
}

/// Counts outcomes across sessions and decides whether the run goes on.
pub struct Batch {
    summary: Summary,
    /// The first problem's exit code.
    exit: Option<Exit>,
    stopped: bool,
    continue_on_error: bool,
    /// Statements numbered below this were done by an earlier run (`--from-statement`).
    from: usize,
    reconnect: bool,
}

impl Batch {
    pub fn new(continue_on_error: bool) -> Batch {
        Batch {
            summary: Summary::default(),
            exit: None,
            stopped: false,
            continue_on_error,
            from: 1,
            reconnect: false,
        }
    }

    /// A batch with the run's `--continue-on-error`, `--from-statement` and `--reconnect`.
    pub fn for_run(opts: &RunOptions) -> Batch {
        Batch {
            from: opts.from_statement,
            reconnect: opts.reconnect,
            ..Batch::new(opts.continue_on_error)
        }
    }

    /// Whether the statements still to come are skipped: after a failure (unless
    /// `--continue-on-error`), after an interruption, or once a signal asked the run to stop.
    pub fn is_stopped(&self, cancel: &Cancel) -> bool {
        self.stopped || cancel.requested().is_some()
    }

    /// Opens a session, runs `statements` in it, closes it. A signal before the session opened
    /// skips them all (nothing was sent).
    pub async fn in_one_session(
        &mut self,
        connect: &Connect,
        statements: &[Statement],
        opts: &RunOptions,
        sink: &mut dyn Sink,
        cancel: &Cancel,
    ) -> anyhow::Result<()> {
        if statements.iter().all(|s| s.index < self.from) {
            return Ok(());
        }
        let mut runner = match Runner::open(connect, opts.clone(), cancel).await? {
            Opened::Ready(runner) => runner,
            Opened::Cancelled(_) => return self.skip(statements, sink),
        };
        let result = self.run(&mut runner, statements, sink, cancel).await;
        // A close given up on a signal ends with that signal's exit code, which `finish` takes.
        runner.close(cancel).await;
        result
    }

    /// Runs `statements` in order in `runner`'s session; what is not run is reported as skipped.
    pub async fn run(
        &mut self,
        runner: &mut Runner,
        statements: &[Statement],
        sink: &mut dyn Sink,
        cancel: &Cancel,
    ) -> anyhow::Result<()> {
        for stmt in statements {
            self.run_one(runner, stmt, sink, cancel).await?;
        }
        Ok(())
    }

    /// Runs one statement, or skips it if the run has stopped. The run's time is the time its
    /// statements ran (a quiet pipe is not counted). A statement before `--from-statement` is
    /// not run (nor counted), but replayed silently when it only changes the session.
    pub async fn run_one(
        &mut self,
        runner: &mut Runner,
        stmt: &Statement,
        sink: &mut dyn Sink,
        cancel: &Cancel,
    ) -> anyhow::Result<()> {
        if stmt.index < self.from {
            if runner.is_session_scoped(stmt) && !self.is_stopped(cancel) {
                runner.replay(stmt, cancel).await?;
            }
            return Ok(());
        }
        for _ in 0..RECONNECTS_PER_STATEMENT {
            if self.is_stopped(cancel) {
                return self.skip(std::slice::from_ref(stmt), sink);
            }
            let clock = Instant::now();
            let outcome = runner.run(stmt, sink, cancel).await;
            self.summary.elapsed += clock.elapsed();
            let broken = match outcome {
                Ok(outcome) => {
                    self.record(stmt, &outcome);
                    return Ok(());
                }
                Err(e) => e.downcast::<Broken>()?,
            };
            if !(self.reconnect && broken.gone) {
                return self.cut(stmt, broken.error, broken.sent, sink);
            }
            if let Err(e) = self.reconnect(runner, stmt, sink, cancel).await {
                return self.cut(stmt, e, broken.sent, sink);
            }
            // A statement that reached the old session is sent again only when it changes
            // nothing but the session: anything else may have started a job.
            if broken.sent && !runner.is_session_scoped(stmt) {
                let message = format!(
                    "{}; a new session was opened, but this statement may have run in the old one, \
                     so it was not sent again",
                    broken.error.message
                );
                return Ok(self.fail(stmt, message, sink)?);
            }
        }
        let message = format!(
            "the session was lost {RECONNECTS_PER_STATEMENT} times while running this statement"
        );
        self.cut(stmt, CliError::connection(message), false, sink)
    }

    /// Opens a new session and replays the session-scoped statements in it.
    async fn reconnect(
        &mut self,
        runner: &mut Runner,
        stmt: &Statement,
        sink: &mut dyn Sink,
        cancel: &Cancel,
    ) -> Result<(), CliError> {
        let replayed = runner.reopen(cancel).await.map_err(|e| {
            let exit = crate::error::exit_for(&e);
            CliError::new(exit, format!("--reconnect: {e:#}"))
        })?;
        sink.reconnected(stmt, &replayed)
            .map_err(|e| CliError::connection(e.to_string()))
    }

    /// The run cannot go on: `stmt` is reported failed with the error, the rest are skipped, the
    /// summary says where the run was cut and how to go on, and the run exits with the error's code.
    fn cut(
        &mut self,
        stmt: &Statement,
        error: CliError,
        may_have_run: bool,
        sink: &mut dyn Sink,
    ) -> anyhow::Result<()> {
        self.summary.cut = Some(Cut {
            at: stmt.index,
            may_have_run,
            hints: error.hints.clone(),
        });
        // Before `fail` records the statement: the run's exit code is the error's, not 1.
        self.exit.get_or_insert(error.exit);
        self.fail(stmt, error.message, sink)?;
        self.stopped = true;
        Ok(())
    }

    /// Reports `stmt` as failed with `message`.
    fn fail(
        &mut self,
        stmt: &Statement,
        message: String,
        sink: &mut dyn Sink,
    ) -> std::io::Result<()> {
        let mut outcome = Outcome::new(Status::Failed, Duration::ZERO);
        outcome.failure = Some(Failure {
            message,
            pos: None,
            detail: None,
        });
        sink.finished(stmt, &outcome)?;
        self.record(stmt, &outcome);
        Ok(())
    }

    /// A problem outside any statement (bad input in a pipe) stops the run; the first problem's
    /// exit code stays the run's.
    pub fn stop(&mut self, exit: Exit) {
        self.exit.get_or_insert(exit);
        self.stopped = true;
    }

    /// Reports `statements` as skipped.
    pub fn skip(&mut self, statements: &[Statement], sink: &mut dyn Sink) -> anyhow::Result<()> {
        for stmt in statements {
            let outcome = Outcome::new(Status::Skipped, Duration::ZERO);
            sink.finished(stmt, &outcome)?;
            self.record(stmt, &outcome);
        }
        Ok(())
    }

    fn record(&mut self, stmt: &Statement, outcome: &Outcome) {
        match outcome.status {
            Status::Ok => self.summary.ok += 1,
            Status::Skipped => self.summary.skipped += 1,
            Status::Failed | Status::TimedOut | Status::Interrupted => {
                self.summary.failed += 1;
                self.exit.get_or_insert(problem_exit(outcome.status));
                self.stopped |= !self.continue_on_error || outcome.status == Status::Interrupted;
            }
        }
        if let Some(job) = &outcome.job_id {
            self.summary.jobs.push((stmt.index, job.clone()));
        }
    }

    /// Ends the run: the summary goes to the sink once. A signal's exit code wins over the first
    /// problem's.
    pub fn finish(self, sink: &mut dyn Sink, cancel: &Cancel) -> std::io::Result<(Summary, Exit)> {
        sink.done(&self.summary)?;
        let exit = cancel.requested().or(self.exit).unwrap_or(Exit::Success);
        Ok((self.summary, exit))
    }
}

/// The exit code a problem statement stands for (cancellation's own code comes from `Cancel`).
fn problem_exit(status: Status) -> Exit {
    match status {
        Status::TimedOut => Exit::Timeout,
        _ => Exit::StatementFailed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::cancellation;

    struct Nothing;
    impl Sink for Nothing {}

    #[test]
    fn a_stop_for_bad_input_keeps_the_first_problems_exit_and_a_signal_wins() {
        let mut batch = Batch::new(true);
        assert!(!batch.is_stopped(&Cancel::never()));
        batch.stop(Exit::Input);
        assert!(batch.is_stopped(&Cancel::never()));
        let mut sink = Nothing;
        let (_, exit) = batch.finish(&mut sink, &Cancel::never()).unwrap();
        assert_eq!(exit, Exit::Input);

        let (canceller, cancel) = cancellation();
        let mut batch = Batch::new(true);
        batch.stop(Exit::Input);
        canceller.cancel(Exit::Terminated);
        assert_eq!(
            batch.finish(&mut sink, &cancel).unwrap().1,
            Exit::Terminated
        );
    }
}
