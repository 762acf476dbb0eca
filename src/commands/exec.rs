//! `flink-sql exec`: profile → read inputs → split + substitute → runner → sinks.

use std::io::{self, Write};
use std::sync::Arc;

use crate::cli::ExecArgs;
use crate::error::{CliError, Exit};
use crate::gateway::Log;
use crate::render;
use crate::runner::{self, Connect};
use crate::script::{self, input, Diagnostic, Source, Statement};
use crate::secrets::{RedactWriter, Redactor};
use crate::settings::{self, ExecSettings, Input, World};

pub fn run(args: ExecArgs, verbose: u8, quiet: bool) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()?;
    let world = World::current(&cwd);
    let mut settings = settings::exec(args, verbose, quiet, &world)?;
    let redactor = settings.profile.redactor.clone();
    settings.output.resume = Some(resume_command(std::env::args(), &redactor));
    let mut stderr = RedactWriter::new(io::stderr(), redactor.clone());
    warn_unmaskable(&settings, &mut stderr)?;
    super::env::warn_profile(&settings.profile, &mut stderr)?;
    if follows_stdin(&settings) {
        return execute(&settings, Statements::Piped(&mut stderr));
    }
    let statements = match read_and_prepare(&settings) {
        Ok(statements) => statements,
        Err((diagnostics, sources)) => {
            render::write_input_problems(&mut stderr, &diagnostics, &sources, &redactor)?;
            return Ok(Exit::Input);
        }
    };
    warn_duplicates(&settings, &statements, &mut stderr)?;
    if settings.run.dry_run {
        let out = RedactWriter::new(crate::render::stdout_locked(), redactor.clone());
        render::plan(
            settings.output.format,
            &statements,
            &redactor,
            Box::new(out),
        )?;
        return Ok(Exit::Success);
    }
    if statements.is_empty() {
        return Err(CliError::input("the input holds no statements").into());
    }
    if settings.run.from_statement > statements.len() {
        let n = statements.len();
        return Err(CliError::input(format!(
            "--from-statement {}: the input holds {n} statement{}",
            settings.run.from_statement,
            if n == 1 { "" } else { "s" }
        ))
        .into());
    }
    execute(&settings, Statements::Read(&statements))
}

/// Standard input alone is run as it arrives (a pipe, or `-f -`), unless the whole of it is one
/// statement or only a plan is wanted.
fn follows_stdin(settings: &ExecSettings) -> bool {
    settings.inputs == [Input::Stdin] && !settings.single_statement && !settings.run.dry_run
}

/// What `execute` runs: statements read and checked in full, or standard input as it arrives
/// (its problems go to this writer).
enum Statements<'a> {
    Read(&'a [Statement]),
    Piped(&'a mut dyn Write),
}

pub(super) fn warn_unmaskable(settings: &ExecSettings, err: &mut impl Write) -> io::Result<()> {
    for name in &settings.profile.unmaskable {
        writeln!(
            err,
            "warning: secret {name} is too short to mask (1-2 characters); it may appear in output"
        )?;
    }
    Ok(())
}

/// Names one session would create twice: each file's session with --session-per-file, else the
/// one session of the run.
fn warn_duplicates(
    settings: &ExecSettings,
    statements: &[Statement],
    err: &mut impl Write,
) -> io::Result<()> {
    let sessions = if settings.session_per_file {
        super::per_file::by_file(statements)
    } else {
        vec![statements]
    };
    render::warn_duplicates(&sessions, !settings.session_per_file, err)
}

type Prepared = Result<Vec<Statement>, (Vec<Diagnostic>, Vec<Source>)>;

/// Reads every input, then splits and substitutes. Any problem in any input is collected, so the
/// user sees them all at once and nothing is sent.
fn read_and_prepare(settings: &ExecSettings) -> Prepared {
    let mut sources = Vec::new();
    let mut diagnostics = Vec::new();
    for input in &settings.inputs {
        match read_input(input) {
            Ok(mut more) => sources.append(&mut more),
            Err(d) => diagnostics.push(d),
        }
    }
    if !diagnostics.is_empty() {
        return Err((diagnostics, sources));
    }
    script::prepare(&sources, &settings.profile.vars, settings.single_statement)
        .map_err(|d| (d, sources))
}

fn read_input(input: &Input) -> Result<Vec<Source>, Diagnostic> {
    match input {
        Input::Path(path) => input::read_path(path),
        Input::Stdin => input::read_stdin().map(|s| vec![s]),
        Input::Command(i, sql) => input::command_line(*i, sql).map(|s| vec![s]),
    }
}

fn execute(settings: &ExecSettings, statements: Statements) -> anyhow::Result<Exit> {
    let redactor = settings.profile.redactor.clone();
    let log = verbose_log(settings.output.verbose, &redactor);
    let mut opts = settings
        .run
        .options(&settings.gateway, &redactor, log.clone())?;
    // A report that cannot be written is a usage error found before anything is sent.
    let total = match statements {
        Statements::Read(statements) => statements.len(),
        Statements::Piped(_) => 0,
    };
    let mut sinks = render::sinks(&settings.output, total, &redactor)
        .map_err(|e| CliError::input(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (_summary, exit) = runtime.block_on(async {
        let (canceller, cancel) = runner::cancellation();
        on_signals(&canceller)?;
        if let Statements::Read(statements) = &statements {
            opts.stamps = Arc::new(guard(settings, statements, &opts, &redactor).await?);
        }
        let connect = Connect::new(settings.gateway.config(), redactor, log);
        match statements {
            Statements::Piped(err) => {
                let vars = settings.profile.vars.clone();
                super::pipe::exec(&connect, vars, &opts, &mut sinks, &cancel, err).await
            }
            Statements::Read(statements) if settings.session_per_file => {
                super::per_file::exec(&connect, statements, &opts, &mut sinks, &cancel).await
            }
            Statements::Read(statements) => {
                super::batch::exec(&connect, statements, &opts, &mut sinks, &cancel).await
            }
        }
    })?;
    Ok(exit)
}

/// No duplicate pipelines: before anything is sent, a named INSERT whose pipeline already has an
/// active job is refused (unless `--allow-duplicate`), and every named job gets its stamp (SQL
/// hash, deterministic id). Piped statements are not checked: they are not all known up front.
async fn guard(
    settings: &ExecSettings,
    statements: &[Statement],
    opts: &runner::RunOptions,
    redactor: &Redactor,
) -> anyhow::Result<std::collections::BTreeMap<usize, runner::JobStamp>> {
    let sessions = if settings.session_per_file {
        super::per_file::by_file(statements)
    } else {
        vec![statements]
    };
    let mut err = RedactWriter::new(io::stderr(), redactor.clone());
    crate::jobs::lifecycle::exec_guard(
        opts.jobmanager.as_ref(),
        &sessions,
        settings.allow_duplicate,
        &mut err,
    )
    .await
}

/// SIGINT (→ 130), SIGTERM (→ 143) and SIGHUP (→ 129: a closed terminal or a dropped ssh
/// connection, whose default action would kill the run and leave its job running) ask the run to stop: it cancels and closes what it
/// started (bounded, see `runner::CLEANUP_LIMIT`). A signal that arrives after that request quits
/// at once, whatever the clean-up is waiting for. Needs a running tokio runtime.
pub(super) fn on_signals(canceller: &runner::Canceller) -> io::Result<()> {
    let sigint = canceller.clone();
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if !sigint.cancel(Exit::Interrupted) {
                quit_now(Exit::Interrupted, "interrupted again");
            }
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for (kind, exit, what) in [
            (
                SignalKind::terminate(),
                Exit::Terminated,
                "terminated while stopping",
            ),
            (SignalKind::hangup(), Exit::Hangup, "hung up while stopping"),
        ] {
            let mut stream = signal(kind)?;
            let canceller = canceller.clone();
            tokio::spawn(async move {
                while stream.recv().await.is_some() {
                    if !canceller.cancel(exit) {
                        quit_now(exit, what);
                    }
                }
            });
        }
    }
    Ok(())
}

fn quit_now(exit: Exit, what: &str) -> ! {
    eprintln!(
        "{what}: quitting without waiting for the cancel and close (a job the run started may \
         still run; the gateway expires the session after its idle timeout)"
    );
    std::process::exit(i32::from(exit.code()));
}

/// The command line as it ran, to go on from a statement: `--from-statement` left out (the
/// caller adds its own), secrets masked, header values masked (they are usually credentials),
/// each word quoted for a POSIX shell when it needs it.
pub(super) fn resume_command(
    argv: impl IntoIterator<Item = String>,
    redactor: &Redactor,
) -> String {
    let mut words = Vec::new();
    let mut args = argv.into_iter();
    let mut header_value_next = false;
    while let Some(arg) = args.next() {
        if arg == "--from-statement" {
            args.next();
            continue;
        }
        if arg.starts_with("--from-statement=") {
            continue;
        }
        let shown = if header_value_next {
            mask_header(&arg)
        } else if let Some(h) = arg.strip_prefix("--header=") {
            format!("--header={}", mask_header(h))
        } else {
            redactor.redact(&arg).into_owned()
        };
        header_value_next = arg == "--header";
        words.push(shell_quote(&shown));
    }
    words.join(" ")
}

fn mask_header(h: &str) -> String {
    match h.split_once(':') {
        Some((name, _)) => format!("{name}: ***"),
        None => "***".to_owned(),
    }
}

fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Under `-v`, HTTP calls and server traces go to stderr, masked.
pub(super) fn verbose_log(verbose: u8, redactor: &Redactor) -> Option<Log> {
    if verbose == 0 {
        return None;
    }
    let redactor = redactor.clone();
    Some(Arc::new(move |line: &str| {
        let _ = writeln!(io::stderr().lock(), "debug: {}", redactor.redact(line));
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn the_command_to_go_on_drops_from_statement_and_masks_secrets_and_headers() {
        let (redactor, _) = Redactor::new(["s3cr3t-pw"]);
        let command = resume_command(
            argv(&[
                "flink-sql",
                "exec",
                "--env",
                "prod",
                "a dir/x.sql",
                "--from-statement",
                "3",
                "--var",
                "KAFKA_PASSWORD=s3cr3t-pw",
                "--header",
                "X-Auth: tok",
                "--header=Y: v",
                "--from-statement=2",
                "-c",
                "SELECT 'a'",
            ]),
            &redactor,
        );
        assert_eq!(
            command,
            r#"flink-sql exec --env prod 'a dir/x.sql' --var 'KAFKA_PASSWORD=***' --header 'X-Auth: ***' '--header=Y: ***' -c 'SELECT '\''a'\'''"#
        );
    }
}
