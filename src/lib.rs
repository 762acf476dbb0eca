//! flink-sql: run Flink SQL scripts against the Flink SQL Gateway.
//!
//! Data flows one way (see ARCHITECTURE.md): `commands` resolve `settings` once, then
//! `script` (pure) → `runner` → `gateway` → `render`.

pub mod check;
pub mod cli;
pub mod commands;
pub mod deploy;
pub mod doctor;
pub mod error;
pub mod gateway;
pub mod jobmanager;
pub mod jobs;
pub mod model;
pub mod profile;
pub mod render;
pub mod runner;
pub mod script;
pub mod secrets;
pub mod settings;
pub mod shell;

use error::{CliError, Exit};

/// Runs one command line and returns the exit code to report.
pub fn run(cli: cli::Cli) -> anyhow::Result<Exit> {
    commands::dispatch(cli)
}

/// Prints an error as one line plus hints on stderr and returns its exit code.
/// Messages built by this crate are already redacted.
pub fn report_error(err: &anyhow::Error) -> Exit {
    let exit = error::exit_for(err);
    let hints = err
        .chain()
        .find_map(|e| e.downcast_ref::<CliError>())
        .map(|e| e.hints.clone());
    let broken_pipe = err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return Exit::Success;
    }
    eprintln!("error: {err:#}");
    for hint in hints.unwrap_or_default() {
        eprintln!("  hint: {hint}");
    }
    exit
}
