//! Exit codes and the few typed errors whose kind decides one. Imports nothing else of the crate.

use std::fmt;

/// The documented exit codes (README, `--help`, SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Every statement succeeded.
    Success = 0,
    /// A statement failed: rejected by Flink, operation error, waited-for job failed.
    StatementFailed = 1,
    /// Usage, profile, substitution or splitting error: nothing was sent.
    Input = 2,
    /// Gateway or JobManager unreachable, HTTP or protocol error.
    Connection = 3,
    /// A `--wait` or an operation ran out of time.
    Timeout = 4,
    /// Hung up (SIGHUP: the terminal or ssh connection went away), after cancelling and closing.
    Hangup = 129,
    /// Interrupted by SIGINT, after cancelling and closing.
    Interrupted = 130,
    /// Interrupted by SIGTERM, after cancelling and closing.
    Terminated = 143,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// An error that carries its exit code and hints for the user.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub hints: Vec<String>,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            hints: Vec::new(),
        }
    }

    pub fn input(message: impl Into<String>) -> Self {
        Self::new(Exit::Input, message)
    }

    pub fn connection(message: impl Into<String>) -> Self {
        Self::new(Exit::Connection, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The exit code for any error: the first `CliError` in the chain decides, anything else is 1.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|e| e.downcast_ref::<CliError>())
        .map(|e| e.exit)
        .unwrap_or(Exit::StatementFailed)
}
