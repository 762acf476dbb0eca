//! `flink-sql completions <shell>` and `flink-sql man`: files generated from the clap definition
//! (committed in `completions/` and `man/`, checked for drift by `tests/generated_files.rs`).

use std::io;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{CliError, Exit};

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    clap_complete::generate(shell, &mut Cli::command(), "flink-sql", &mut io::stdout());
    Ok(Exit::Success)
}

/// The top page on stdout, or every page (one per command and subcommand) into `dir`.
pub fn man(dir: Option<&Path>) -> anyhow::Result<Exit> {
    let Some(dir) = dir else {
        // As `generate_to` renders it: clap's `help` subcommand has no page.
        let cmd = Cli::command().disable_help_subcommand(true);
        clap_mangen::Man::new(cmd).render(&mut io::stdout().lock())?;
        return Ok(Exit::Success);
    };
    if !dir.is_dir() {
        return Err(CliError::input(format!("{}: not a folder", dir.display()))
            .with_hint("create it first, e.g. mkdir -p ~/.local/share/man/man1")
            .into());
    }
    clap_mangen::generate_to(Cli::command(), dir)?;
    Ok(Exit::Success)
}
