//! `flink-sql shell`: the prompt at a terminal (`shell::run`), or, when stdin is not a terminal,
//! exactly `exec -f -` (the same pipe, statements run as their `;` arrives). Profiles are
//! resolved here, by exec's rules, also for `\env NAME`.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use crate::cli::ShellArgs;
use crate::error::{CliError, Exit};
use crate::runner::{self, Canceller, Connect};
use crate::secrets::RedactWriter;
use crate::settings::{self, World};
use crate::shell::{self, history, Profiles, Start, Target};

pub fn run(args: ShellArgs, verbose: u8, quiet: bool) -> anyhow::Result<Exit> {
    if !io::stdin().is_terminal() {
        return super::exec::run(args.to_exec(), verbose, quiet);
    }
    let loader = Loader {
        cwd: std::env::current_dir()?,
        args,
        verbose,
        quiet,
    };
    let target = loader.target(&loader.args)?;
    let env = |name: &str| std::env::var(name).ok();
    let history = history::path(env("XDG_DATA_HOME").as_deref(), env("HOME").as_deref());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (canceller, cancel) = runner::cancellation();
        on_interrupt(&canceller);
        let start = Start {
            history,
            editor: env("EDITOR").unwrap_or_else(|| "vi".into()),
            canceller,
            cancel,
        };
        shell::run(target, &loader, start).await
    })
}

/// Ctrl-C while a statement runs cancels that statement (the prompt re-arms before the next
/// entry); at the prompt the line editor reads Ctrl-C as a key. It never quits the shell.
fn on_interrupt(canceller: &Canceller) {
    let canceller = canceller.clone();
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            canceller.cancel(Exit::Interrupted);
        }
    });
}

/// Resolves a profile into what the shell runs with.
struct Loader {
    cwd: PathBuf,
    args: ShellArgs,
    verbose: u8,
    quiet: bool,
}

impl Loader {
    fn target(&self, args: &ShellArgs) -> Result<Target, CliError> {
        let world = World::current(&self.cwd);
        let settings = settings::exec(args.to_exec(), self.verbose, self.quiet, &world)?;
        let redactor = settings.profile.redactor.clone();
        let mut stderr = RedactWriter::new(io::stderr(), redactor.clone());
        let warned = super::exec::warn_unmaskable(&settings, &mut stderr)
            .and_then(|()| super::env::warn_profile(&settings.profile, &mut stderr));
        warned.map_err(|e| CliError::input(e.to_string()))?;
        let log = super::exec::verbose_log(self.verbose, &redactor);
        let opts = settings
            .run
            .options(&settings.gateway, &redactor, log.clone())?;
        Ok(Target {
            name: profile_name(args),
            connect: Connect::new(settings.gateway.config(), redactor, log),
            opts,
            vars: settings.profile.vars,
            output: settings.output,
        })
    }
}

impl Profiles for Loader {
    fn load(&self, name: &str) -> Result<Target, CliError> {
        let mut args = self.args.clone();
        args.profile.env = Some(name.to_owned());
        args.profile.env_file = None;
        self.target(&args)
    }
}

/// The profile's name for the prompt: `--env NAME`, the file name of `--env-file`, or `default`.
fn profile_name(args: &ShellArgs) -> String {
    let file = args.profile.env_file.as_ref().and_then(|p| p.file_stem());
    match (&args.profile.env, file) {
        (Some(name), _) => name.clone(),
        (None, Some(stem)) => stem.to_string_lossy().trim_start_matches('.').to_owned(),
        (None, None) => "default".into(),
    }
}
