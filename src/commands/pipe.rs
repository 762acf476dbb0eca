//! `exec` reading standard input as it arrives: each statement runs as soon as its `;` has
//! arrived, in one session (opened when the first statement is complete, so bad or empty input
//! still connects to nothing), and the end of the input closes the session. The same runner,
//! `Batch` and sinks as a file run; only where the text comes from differs.
//!
//! What a pipe cannot promise: a problem in a statement (an unset variable, an unterminated
//! string at the end) is found only when that statement arrives, so the statements before it
//! have already run. Nothing from the bad statement on is sent, and the run exits 2.

use std::io::{self, Read, Write};

use tokio::sync::mpsc;

use super::batch::Batch;
use crate::error::{CliError, Exit};
use crate::model::{Sink, Summary};
use crate::profile::Vars;
use crate::render;
use crate::runner::{Cancel, Connect, Opened, RunOptions, Runner};
use crate::script::input::{self, Decoder, STDIN_NAME};
use crate::script::{Diagnostic, Fed, Feed};
use crate::secrets::Redactor;

/// Bytes asked for per read; a read returns what the pipe holds, however little.
const READ_SIZE: usize = 64 * 1024;

/// The most one statement may hold while it waits for its `;`: memory stays bounded however long
/// a producer writes without one. The bound of a whole script, for one statement of a pipe.
const MAX_STATEMENT_BYTES: usize = input::MAX_INPUT_BYTES as usize;

/// Runs what arrives on standard input until its end, a signal, or a stop.
pub async fn exec(
    connect: &Connect,
    vars: Vars,
    opts: &RunOptions,
    sink: &mut dyn Sink,
    cancel: &Cancel,
    err: &mut dyn Write,
) -> anyhow::Result<(Summary, Exit)> {
    let mut pipe = Pipe {
        connect,
        opts,
        batch: Batch::for_run(opts),
        runner: None,
        sent: 0,
    };
    let ran = pipe
        .follow(read_in_background(), vars, sink, cancel, err)
        .await;
    if let Some(runner) = pipe.runner.take() {
        // A close given up on a signal ends with that signal's exit code, which `finish` takes.
        runner.close(cancel).await;
    }
    ran?;
    Ok(pipe.batch.finish(sink, cancel)?)
}

struct Pipe<'a> {
    connect: &'a Connect,
    opts: &'a RunOptions,
    batch: Batch,
    /// Opened with the first complete statement.
    runner: Option<Runner>,
    /// Statements handed to the runner so far.
    sent: usize,
}

impl Pipe<'_> {
    async fn follow(
        &mut self,
        mut chunks: mpsc::Receiver<io::Result<Vec<u8>>>,
        vars: Vars,
        sink: &mut dyn Sink,
        cancel: &Cancel,
        err: &mut dyn Write,
    ) -> anyhow::Result<()> {
        let mut decoder = Decoder::new(STDIN_NAME);
        let mut feed = Feed::new(STDIN_NAME, vars);
        loop {
            let chunk = tokio::select! {
                chunk = chunks.recv() => chunk,
                _ = cancel.wait() => return Ok(()),
            };
            let (fed, end) = match chunk {
                Some(Ok(bytes)) => {
                    let fed = decoded(&mut decoder, &mut feed, &bytes, MAX_STATEMENT_BYTES);
                    (fed, false)
                }
                Some(Err(e)) => (vec![Err(vec![unreadable(e)])], true),
                None => (ended(&decoder, &mut feed), true),
            };
            for statement in fed {
                if !self.take(statement, sink, cancel, err).await? {
                    return Ok(());
                }
            }
            if end {
                return self.check_not_empty();
            }
        }
    }

    /// Runs one statement (or reports its problems); `false` once nothing more is to be run.
    async fn take(
        &mut self,
        fed: Fed,
        sink: &mut dyn Sink,
        cancel: &Cancel,
        err: &mut dyn Write,
    ) -> anyhow::Result<bool> {
        let stmt = match fed {
            Ok(stmt) => stmt,
            Err(diagnostics) => {
                report(&diagnostics, self.sent, err)?;
                self.batch.stop(Exit::Input);
                return Ok(false);
            }
        };
        if self.runner.is_none() {
            match Runner::open(self.connect, self.opts.clone(), cancel).await? {
                Opened::Ready(runner) => self.runner = Some(runner),
                Opened::Cancelled(_) => return Ok(false),
            }
        }
        let runner = self.runner.as_mut().expect("opened above");
        self.sent += 1;
        self.batch.run_one(runner, &stmt, sink, cancel).await?;
        Ok(!self.batch.is_stopped(cancel))
    }

    /// An input without a single statement is a usage error, as for a file.
    fn check_not_empty(&self) -> anyhow::Result<()> {
        match self.sent {
            0 => Err(CliError::input("the input holds no statements").into()),
            _ => Ok(()),
        }
    }
}

/// Decodes and feeds a chunk. The statement still open may hold at most `limit` bytes (checked
/// after the chunk completed what it could: a chunk is at most `READ_SIZE`).
fn decoded(decoder: &mut Decoder, feed: &mut Feed, bytes: &[u8], limit: usize) -> Vec<Fed> {
    let mut fed = match decoder.decode(bytes) {
        Ok(text) => feed.push(&text),
        Err(d) => return vec![Err(vec![d])],
    };
    if feed.pending_len() > limit {
        fed.push(Err(vec![Diagnostic::whole_file(
            STDIN_NAME,
            format!("a statement grew past {limit} bytes without its `;`: refusing to hold more"),
        )]));
    }
    fed
}

fn ended(decoder: &Decoder, feed: &mut Feed) -> Vec<Fed> {
    match decoder.finish() {
        Ok(()) => feed.finish(),
        Err(d) => vec![Err(vec![d])],
    }
}

fn unreadable(e: io::Error) -> Diagnostic {
    Diagnostic::whole_file(STDIN_NAME, format!("cannot read: {e}"))
}

/// `<stdin>:line:col: error: message` (grouped as for files; no excerpt: a pipe's text is not
/// kept), then what was and was not sent. `err` masks secrets itself.
fn report(diagnostics: &[Diagnostic], sent: usize, mut err: &mut dyn Write) -> io::Result<()> {
    let (entries, places) =
        render::write_problem_entries(&mut err, diagnostics, &[], &Redactor::default())?;
    let plural = if entries == 1 { "" } else { "s" };
    let found = format!("{entries} problem{plural} found{places}");
    match sent {
        0 => writeln!(err, "{found}; nothing was sent to the gateway"),
        n => writeln!(
            err,
            "{found}; this statement and the rest of the input were not sent; the {n} before it were"
        ),
    }
}

/// Reads standard input on a thread of its own, so the runtime (and the session's heartbeat)
/// goes on while the pipe is quiet, and so a signal need not wait for a read to return. The
/// channel is small: a producer faster than the gateway waits on the pipe.
fn read_in_background() -> mpsc::Receiver<io::Result<Vec<u8>>> {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        let mut buf = vec![0; READ_SIZE];
        loop {
            let chunk = match stdin.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => Ok(buf[..n].to_vec()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return;
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_that_outgrows_the_limit_is_refused_and_one_within_it_runs() {
        let mut decoder = Decoder::new(STDIN_NAME);
        let mut feed = Feed::new(STDIN_NAME, Vars::default());
        let fed = decoded(&mut decoder, &mut feed, b"SELECT 1;\nSELECT '012", 16);
        assert_eq!(fed.len(), 1);
        assert_eq!(fed[0].as_ref().unwrap().sql, "SELECT 1");
        let fed = decoded(&mut decoder, &mut feed, b"3456789'", 16);
        assert_eq!(fed.len(), 1);
        let problem = fed[0].clone().unwrap_err();
        assert_eq!(
            problem[0].to_string(),
            "<stdin>: a statement grew past 16 bytes without its `;`: refusing to hold more"
        );
    }
}
