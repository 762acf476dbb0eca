//! Settings: the command line and the profile, resolved and validated once. Nothing below
//! `commands` reads argv or the process environment; it sees only these structs.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{ConnectOpts, ExecArgs, Format, ProfileOpts, WaitFor};
use crate::error::CliError;
use crate::profile::{self, ProfileRef, Vars};
use crate::secrets::{self, Redactor};

pub const DEFAULT_GATEWAY: &str = "http://localhost:8083";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// One input, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, or a folder of *.sql files.
    Path(PathBuf),
    Stdin,
    /// `-c SQL`, numbered from 1.
    Command(usize, String),
}

/// Variables plus what is needed to keep their secrets secret.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The profile file read, if any.
    pub file: Option<PathBuf>,
    pub vars: Vars,
    pub redactor: Redactor,
    /// Names of secrets whose values are too short to mask.
    pub unmaskable: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// Bearer token (SQL_GATEWAY_TOKEN).
    pub token: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub session_properties: Vec<(String, String)>,
    pub jobmanager_url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    pub quiet: bool,
    pub verbose: u8,
    pub echo: bool,
    pub timing: bool,
    pub junit: Option<PathBuf>,
    /// Print `::error` annotations (GITHUB_ACTIONS=true).
    pub github: bool,
    /// Animate progress on stderr (a terminal, not quiet).
    pub progress: bool,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub dry_run: bool,
    pub continue_on_error: bool,
    pub max_rows: Option<u64>,
    pub max_wait: Option<Duration>,
    pub wait: WaitFor,
    pub timeout: Duration,
}

/// Everything `exec` needs.
#[derive(Debug, Clone)]
pub struct ExecSettings {
    pub inputs: Vec<Input>,
    pub single_statement: bool,
    pub profile: Profile,
    pub gateway: Gateway,
    pub output: Output,
    pub run: Run,
}

/// The outside world settings are resolved against; tests pass their own.
pub struct World<'a> {
    pub cwd: &'a Path,
    pub environment: Vec<(String, String)>,
    pub stdin_is_terminal: bool,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
}

impl World<'_> {
    pub fn current(cwd: &Path) -> World<'_> {
        World {
            cwd,
            environment: std::env::vars().collect(),
            stdin_is_terminal: std::io::stdin().is_terminal(),
            stdout_is_terminal: std::io::stdout().is_terminal(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
        }
    }

    fn env(&self, name: &str) -> Option<&str> {
        self.environment
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Loads the profile and merges it with the environment and `--var`.
pub fn load_profile(opts: &ProfileOpts, world: &World) -> Result<Profile, CliError> {
    let profile_ref = match (&opts.env_file, &opts.env) {
        (Some(path), _) => Some(ProfileRef::File(path.clone())),
        (None, Some(name)) => Some(ProfileRef::Name(name.clone())),
        (None, None) => None,
    };
    let env_dir = world.env("FLINK_SQL_ENV_DIR").map(PathBuf::from);
    let file = profile_ref
        .map(|r| profile::locate(&r, world.cwd, env_dir.as_deref()))
        .transpose()?;
    let pairs = file
        .as_deref()
        .map(profile::read_file)
        .transpose()?
        .unwrap_or_default();
    let vars = profile::merge(pairs, world.environment.clone(), &opts.vars);
    let (redactor, unmaskable) = secret_masks(&vars);
    Ok(Profile {
        file,
        vars,
        redactor,
        unmaskable,
    })
}

/// The variables that are secrets: by name, or listed in FLINK_SQL_SECRETS.
pub fn secret_vars(vars: &Vars) -> Vec<(&str, &str)> {
    let listed = secrets::listed_names(vars.get("FLINK_SQL_SECRETS"));
    vars.iter()
        .filter(|(k, _)| secrets::is_secret_name(k, &listed))
        .collect()
}

fn secret_masks(vars: &Vars) -> (Redactor, Vec<String>) {
    let secret = secret_vars(vars);
    let (redactor, short) = Redactor::new(secret.iter().map(|(_, v)| *v));
    let unmaskable = secret
        .iter()
        .filter(|(_, v)| short.contains(v))
        .map(|(k, _)| (*k).to_owned())
        .collect();
    (redactor, unmaskable)
}

/// Resolves `exec` arguments into settings.
pub fn exec(
    args: ExecArgs,
    verbose: u8,
    quiet: bool,
    world: &World,
) -> Result<ExecSettings, CliError> {
    let profile = load_profile(&args.profile, world)?;
    let vars = &profile.vars;
    let inputs = inputs(&args, world)?;
    let gateway = gateway(&args.connect, vars)?;
    let format = match args.format {
        Some(f) => f,
        None => setting(vars, "FLINK_SQL_FORMAT", parse_format)?.unwrap_or(
            if world.stdout_is_terminal {
                Format::Table
            } else {
                Format::Plain
            },
        ),
    };
    let output = Output {
        format,
        quiet,
        verbose,
        echo: args.echo,
        timing: args.timing,
        junit: args.report.last().cloned(),
        github: world.env("GITHUB_ACTIONS") == Some("true"),
        progress: world.stderr_is_terminal && !quiet && world.env("CI").is_none(),
    };
    let run = Run {
        dry_run: args.dry_run,
        continue_on_error: args.continue_on_error,
        max_rows: or_setting(args.max_rows, vars, "FLINK_SQL_MAX_ROWS", |s| {
            s.parse().map_err(|e| format!("{e}"))
        })?,
        max_wait: or_setting(
            args.max_wait,
            vars,
            "FLINK_SQL_MAX_WAIT",
            crate::cli::parse_duration,
        )?,
        wait: or_setting(args.wait, vars, "FLINK_SQL_WAIT", parse_wait)?
            .unwrap_or(WaitFor::Submitted),
        timeout: or_setting(
            args.timeout,
            vars,
            "FLINK_SQL_TIMEOUT",
            crate::cli::parse_duration,
        )?
        .unwrap_or(DEFAULT_TIMEOUT),
    };
    Ok(ExecSettings {
        inputs,
        single_statement: args.single_statement,
        profile,
        gateway,
        output,
        run,
    })
}

fn inputs(args: &ExecArgs, world: &World) -> Result<Vec<Input>, CliError> {
    let mut inputs: Vec<Input> = args
        .paths
        .iter()
        .chain(&args.files)
        .map(|p| {
            if p.as_os_str() == "-" {
                Input::Stdin
            } else {
                Input::Path(p.clone())
            }
        })
        .collect();
    inputs.extend(
        args.commands
            .iter()
            .enumerate()
            .map(|(i, c)| Input::Command(i + 1, c.clone())),
    );
    if inputs.iter().filter(|i| **i == Input::Stdin).count() > 1 {
        return Err(CliError::input("stdin (-f -) can be read only once"));
    }
    if inputs.is_empty() {
        if world.stdin_is_terminal {
            return Err(CliError::input("nothing to run")
                .with_hint("give -f FILE, -c 'SQL', or pipe SQL on stdin"));
        }
        inputs.push(Input::Stdin);
    }
    Ok(inputs)
}

fn gateway(opts: &ConnectOpts, vars: &Vars) -> Result<Gateway, CliError> {
    let url = opts
        .gateway
        .clone()
        .or_else(|| vars.get("SQL_GATEWAY_URL").map(str::to_owned));
    let url = url.unwrap_or_else(|| DEFAULT_GATEWAY.to_owned());
    check_url(&url, "gateway")?;
    let jobmanager_url = opts
        .jobmanager
        .clone()
        .or_else(|| vars.get("FLINK_REST_URL").map(str::to_owned));
    if let Some(jm) = &jobmanager_url {
        check_url(jm, "JobManager")?;
    }
    let profile_headers = vars.get("SQL_GATEWAY_HEADERS").unwrap_or_default();
    let headers = profile_headers
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .chain(opts.headers.iter().cloned())
        .map(|h| parse_header(&h))
        .collect::<Result<_, _>>()?;
    let mut session_properties: Vec<(String, String)> =
        match vars.get("FLINK_SQL_SESSION_PROPERTIES") {
            Some(list) => list
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|kv| crate::cli::parse_key_value(kv.trim()))
                .collect::<Result<_, _>>()
                .map_err(|e| CliError::input(format!("FLINK_SQL_SESSION_PROPERTIES: {e}")))?,
            None => Vec::new(),
        };
    session_properties.extend(opts.session_properties.iter().cloned());
    let ca_cert = opts
        .ca_cert
        .clone()
        .or_else(|| vars.get("FLINK_SQL_CA_CERT").map(PathBuf::from));
    let token = vars
        .get("SQL_GATEWAY_TOKEN")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    Ok(Gateway {
        url,
        headers,
        token,
        ca_cert,
        session_properties,
        jobmanager_url,
    })
}

fn check_url(url: &str, what: &str) -> Result<(), CliError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(CliError::input(format!(
            "the {what} URL must start with http:// or https://, got '{url}'"
        )))
    }
}

fn parse_header(h: &str) -> Result<(String, String), CliError> {
    let (k, v) = h
        .split_once(':')
        .ok_or_else(|| CliError::input("a header must look like 'Name: value'"))?;
    Ok((k.trim().to_owned(), v.trim().to_owned()))
}

fn parse_format(s: &str) -> Result<Format, String> {
    clap::ValueEnum::from_str(s, true)
}

fn parse_wait(s: &str) -> Result<WaitFor, String> {
    clap::ValueEnum::from_str(s, true)
}

/// A `FLINK_SQL_*` setting from the merged variables.
fn setting<T>(
    vars: &Vars,
    name: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, CliError> {
    vars.get(name)
        .filter(|v| !v.is_empty())
        .map(|v| parse(v).map_err(|e| CliError::input(format!("{name}: {e}"))))
        .transpose()
}

fn or_setting<T>(
    cli: Option<T>,
    vars: &Vars,
    name: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, CliError> {
    match cli {
        Some(v) => Ok(Some(v)),
        None => setting(vars, name, parse),
    }
}
