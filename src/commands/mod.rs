//! Subcommands: each turns its arguments into settings and drives the pieces below it.

pub mod batch;
mod check;
mod completions;
mod deploy;
mod doctor;
mod env;
mod exec;
mod jobs;
mod per_file;
mod pipe;
mod shell;

use crate::cli::{Cli, Command};
use crate::error::Exit;

pub fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Exec(args) => exec::run(*args, cli.verbose, cli.quiet),
        Command::Check(args) => check::run(*args, cli.verbose),
        Command::Shell(args) => shell::run(*args, cli.verbose, cli.quiet),
        Command::Deploy(args) => deploy::run(args, cli.verbose),
        Command::Env(args) => env::run(args),
        Command::Doctor(args) => doctor::run(&args),
        Command::Jobs(args) => jobs::run(args, cli.verbose),
        Command::Completions { shell } => completions::run(shell),
        Command::Man { dir } => completions::man(dir.as_deref()),
    }
}
