//! Entry point: parse, run, turn an error into one line, its hints and an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = flink_sql::cli::Cli::parse();
    match flink_sql::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(err) => ExitCode::from(flink_sql::report_error(&err).code()),
    }
}
