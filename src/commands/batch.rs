//! Batch runs as loops over the runner: statements in order, a failure stops the rest unless
//! `--continue-on-error`, and the one summary of the run is built here, not by the runner.

use std::time::{Duration, Instant};

use crate::error::Exit;
use crate::model::{Outcome, Sink, Status, Summary};
use crate::runner::{Cancel, Connect, Opened, RunOptions, Runner};
use crate::script::Statement;

/// Opens a session, runs `statements` in it and closes it: `exec` without `--session-per-file`.
pub async fn exec(
    connect: &Connect,
    statements: &[Statement],
    opts: &RunOptions,
    sink: &mut dyn Sink,
    cancel: &Cancel,
) -> anyhow::Result<(Summary, Exit)> {
    let mut batch = Batch::new(opts.continue_on_error);
    batch
        .in_one_session(connect, statements, opts, sink, cancel)
        .await?;
    Ok(batch.finish(sink, cancel)?)
}

/// Runs `statements` in `runner`'s session and ends the run (the summary goes to the sink); the
/// caller closes the session.
pub async fn run(
    runner: &Runner,
    statements: &[Statement],
    sink: &mut dyn Sink,
    cancel: &Cancel,
) -> anyhow::Result<(Summary, Exit)> {
    let mut batch = Batch::new(runner.options().continue_on_error);
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
}

impl Batch {
    pub fn new(continue_on_error: bool) -> Batch {
        Batch {
            summary: Summary::default(),
            exit: None,
            stopped: false,
            continue_on_error,
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
        let runner = match Runner::open(connect, opts.clone(), cancel).await? {
            Opened::Ready(runner) => runner,
            Opened::Cancelled(_) => return self.skip(statements, sink),
        };
        let result = self.run(&runner, statements, sink, cancel).await;
        // A close given up on a signal ends with that signal's exit code, which `finish` takes.
        runner.close(cancel).await;
        result
    }

    /// Runs `statements` in order in `runner`'s session; what is not run is reported as skipped.
    pub async fn run(
        &mut self,
        runner: &Runner,
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
    /// statements ran (a quiet pipe is not counted).
    pub async fn run_one(
        &mut self,
        runner: &Runner,
        stmt: &Statement,
        sink: &mut dyn Sink,
        cancel: &Cancel,
    ) -> anyhow::Result<()> {
        if self.is_stopped(cancel) {
            return self.skip(std::slice::from_ref(stmt), sink);
        }
        let clock = Instant::now();
        let outcome = runner.run(stmt, sink, cancel).await;
        self.summary.elapsed += clock.elapsed();
        self.record(stmt, &outcome?);
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
