//! `flink-sql completions <shell>`: the completion script, generated from the clap definition.

use std::io;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Exit;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    clap_complete::generate(shell, &mut Cli::command(), "flink-sql", &mut io::stdout());
    Ok(Exit::Success)
}
