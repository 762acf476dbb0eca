//! Settings: the command line and the profile, resolved and validated once. Nothing below
//! `commands` reads argv or the process environment; it sees only these structs.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{ConnectOpts, ExecArgs, Format, JobsFormat, JobsOpts, ProfileOpts, WaitFor};
use crate::error::CliError;
use crate::jobmanager::{self, JobManager};
use crate::profile::{self, ProfileRef, Vars};
use crate::runner::{self, RunOptions};
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
    /// Lines for stderr about how the profile was read (`-e` given a file, an environment
    /// variable that is not UTF-8).
    pub notes: Vec<String>,
    /// Process environment variables that are not valid UTF-8: ignored (lossy names).
    pub not_unicode: Vec<String>,
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
    /// Show each query's current rows, not its changelog (`--materialize`; the shell's
    /// `\materialize` toggles it).
    pub materialize: bool,
    /// The most rows a materialized table holds (`--materialize-limit`).
    pub materialize_limit: usize,
    pub quiet: bool,
    pub verbose: u8,
    pub echo: bool,
    pub timing: bool,
    pub junit: Option<PathBuf>,
    /// Print `::error` annotations (GITHUB_ACTIONS=true).
    pub github: bool,
    /// Animate progress on stderr (a terminal, not quiet).
    pub progress: bool,
    /// The command line that ran, secrets masked, `--from-statement` left out: a run cut short
    /// prints it with `--from-statement N` as the way to go on.
    pub resume: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub dry_run: bool,
    pub continue_on_error: bool,
    pub max_rows: Option<u64>,
    pub max_wait: Option<Duration>,
    pub wait: WaitFor,
    pub timeout: Duration,
    /// `--from-statement N` (1 when not given).
    pub from_statement: usize,
    pub reconnect: bool,
}

/// Everything `exec` needs.
#[derive(Debug, Clone)]
pub struct ExecSettings {
    pub inputs: Vec<Input>,
    pub single_statement: bool,
    /// Each input file in a session of its own (`--session-per-file`).
    pub session_per_file: bool,
    /// `--allow-duplicate`: start a pipeline whose name already has an active job.
    pub allow_duplicate: bool,
    pub profile: Profile,
    pub gateway: Gateway,
    pub output: Output,
    pub run: Run,
}

/// The outside world settings are resolved against; tests pass their own.
pub struct World<'a> {
    pub cwd: &'a Path,
    pub environment: Vec<(String, String)>,
    /// Names (lossy) of environment variables whose name or value is not UTF-8: they cannot be
    /// SQL variables or settings, so they are left out rather than crash the run.
    pub not_unicode: Vec<String>,
    pub stdin_is_terminal: bool,
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
}

impl World<'_> {
    pub fn current(cwd: &Path) -> World<'_> {
        let (environment, not_unicode) = split_unicode(std::env::vars_os());
        World {
            cwd,
            environment,
            not_unicode,
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

/// Splits the process environment into UTF-8 pairs and the names of the others.
fn split_unicode(
    vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (k, v) in vars {
        match (k.into_string(), v.into_string()) {
            (Ok(k), Ok(v)) => good.push((k, v)),
            (Ok(k), Err(_)) => bad.push(k),
            (Err(k), _) => bad.push(k.to_string_lossy().into_owned()),
        }
    }
    (good, bad)
}

/// Loads the profile and merges it with the environment and `--var`.
pub fn load_profile(opts: &ProfileOpts, world: &World) -> Result<Profile, CliError> {
    let mut notes = Vec::new();
    let file = profile_file(opts, world, &mut notes)?;
    let outside = |name: &str| {
        let cli = opts.vars.iter().rev().find(|(k, _)| k == name);
        cli.map(|(_, v)| v.as_str())
            .or_else(|| world.env(name))
            .map(str::to_owned)
    };
    let entries = file
        .as_deref()
        .map(|f| profile::read_file(f, &outside))
        .transpose()?
        .unwrap_or_default();
    for name in &world.not_unicode {
        if entries.iter().any(|e| &e.key == name) {
            notes.push(format!(
                "warning: the environment variable {name} is not valid UTF-8 and is ignored; \
                 the profile's value is used"
            ));
        }
    }
    let vars = profile::merge_entries(entries, world.environment.clone(), &opts.vars);
    let (redactor, unmaskable) = secret_masks(&vars);
    Ok(Profile {
        file,
        vars,
        redactor,
        unmaskable,
        notes,
        not_unicode: world.not_unicode.clone(),
    })
}

/// The profile file to read: `--env-file`, or `--env NAME`. The old executor's `-e` took a path,
/// so a NAME that finds no profile but is a file is read as `--env-file`, with a note.
fn profile_file(
    opts: &ProfileOpts,
    world: &World,
    notes: &mut Vec<String>,
) -> Result<Option<PathBuf>, CliError> {
    let env_dir = world.env("FLINK_SQL_ENV_DIR").map(PathBuf::from);
    let locate = |r: &ProfileRef| profile::locate(r, world.cwd, env_dir.as_deref());
    let name = match (&opts.env_file, &opts.env) {
        (Some(path), _) => return locate(&ProfileRef::File(path.clone())).map(Some),
        (None, Some(name)) => name,
        (None, None) => return Ok(None),
    };
    match locate(&ProfileRef::Name(name.clone())) {
        Ok(path) => Ok(Some(path)),
        Err(err) => {
            let path = world.cwd.join(name);
            if !path.is_file() {
                return Err(err);
            }
            notes.push(format!(
                "note: --env {name} names a file, not a profile: reading it as --env-file {name}"
            ));
            Ok(Some(path))
        }
    }
}

/// The variables that are secrets: by name, or listed in FLINK_SQL_SECRETS.
/// `FLINK_SQL_SECRETS` itself is not one, though its name says SECRET: its value is a list of
/// names, and masking it would mask those names in every message.
pub fn secret_vars(vars: &Vars) -> Vec<(&str, &str)> {
    let listed = secrets::listed_names(vars.get(SECRETS_LIST));
    vars.iter()
        .filter(|(k, _)| *k != SECRETS_LIST && secrets::is_secret_name(k, &listed))
        .collect()
}

/// Whether the tool itself reads this variable (so `env show` lists it from the environment).
pub fn is_setting(name: &str) -> bool {
    matches!(
        name,
        "SQL_GATEWAY_URL" | "SQL_GATEWAY_TOKEN" | "SQL_GATEWAY_HEADERS" | "FLINK_REST_URL"
    ) || name.starts_with("FLINK_SQL_")
}

/// The setting that lists more secret variable names.
const SECRETS_LIST: &str = "FLINK_SQL_SECRETS";

fn secret_masks(vars: &Vars) -> (Redactor, Vec<String>) {
    let secret = secret_vars(vars);
    let (redactor, short) = Redactor::new(secret.iter().map(|(_, v)| *v));
    let unmaskable = secret
        .iter()
        .filter(|(_, v)| short.contains(v))
        .map(|(k, _)| (*k).to_owned())
        .collect();
    // A password inside any URL value (`SQL_GATEWAY_URL=http://user:pw@host`) is a secret too.
    let in_urls = vars.iter().filter_map(|(_, v)| url_password(v));
    (redactor.with_values(in_urls), unmaskable)
}

impl Gateway {
    /// What the gateway client needs (the JobManager URL is the runner's business).
    pub fn config(&self) -> crate::gateway::Config {
        crate::gateway::Config {
            url: self.url.clone(),
            headers: self.headers.clone(),
            token: self.token.clone(),
            ca_cert: self.ca_cert.clone(),
            session_properties: self.session_properties.clone(),
        }
    }
}

impl Run {
    /// The runner's options. Validated before any session is opened: `--wait running|finished`
    /// needs a JobManager URL (given, or derivable for a local gateway), else exit 2.
    pub fn options(
        &self,
        gateway: &Gateway,
        redactor: &Redactor,
        log: Option<crate::gateway::Log>,
    ) -> Result<RunOptions, CliError> {
        let jobmanager = match self.wait {
            WaitFor::Submitted => jobmanager_for(gateway, redactor, log).ok(),
            WaitFor::Running | WaitFor::Finished => Some(jobmanager_for(gateway, redactor, log)?),
        };
        Ok(RunOptions {
            continue_on_error: self.continue_on_error,
            from_statement: self.from_statement,
            reconnect: self.reconnect,
            max_rows: self.max_rows,
            max_wait: self.max_wait,
            wait: match self.wait {
                WaitFor::Submitted => runner::WaitFor::Submitted,
                WaitFor::Running => runner::WaitFor::Running,
                WaitFor::Finished => runner::WaitFor::Finished,
            },
            timeout: self.timeout,
            jobmanager,
            stamps: Default::default(),
        })
    }
}

fn jobmanager_for(
    gateway: &Gateway,
    redactor: &Redactor,
    log: Option<crate::gateway::Log>,
) -> Result<JobManager, CliError> {
    let url = gateway
        .jobmanager_url
        .clone()
        .or_else(|| jobmanager::derive_url(&gateway.url));
    let url = url.ok_or_else(|| {
        CliError::input("--wait running|finished needs the JobManager REST URL")
            .with_hint("set FLINK_REST_URL in the profile or pass --jobmanager URL (e.g. http://127.0.0.1:8081)")
    })?;
    // An auth proxy in front of the gateway usually guards the JobManager too.
    JobManager::with_auth(
        &url,
        gateway.headers.clone(),
        gateway.token.clone(),
        gateway.ca_cert.clone(),
        redactor.clone(),
        log,
    )
}

/// Resolves `exec` arguments into settings.
pub fn exec(
    args: ExecArgs,
    verbose: u8,
    quiet: bool,
    world: &World,
) -> Result<ExecSettings, CliError> {
    let mut profile = load_profile(&args.profile, world)?;
    let vars = &profile.vars;
    let inputs = inputs(&args, world)?;
    let gateway = gateway(&args.connect, vars)?;
    let url_passwords = [Some(&gateway.url), gateway.jobmanager_url.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|url| url_password(url));
    profile.redactor = profile.redactor.with_values(url_passwords);
    let format = match args.output.format {
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
        materialize: args.output.materialize,
        materialize_limit: usize::try_from(args.output.materialize_limit).unwrap_or(usize::MAX),
        quiet,
        verbose,
        echo: args.run.echo,
        timing: args.run.timing,
        junit: args.report.last().cloned(),
        github: world.env("GITHUB_ACTIONS") == Some("true"),
        progress: world.stderr_is_terminal && !quiet && world.env("CI").is_none(),
        resume: None,
    };
    let run = Run {
        dry_run: args.dry_run,
        continue_on_error: args.run.continue_on_error,
        max_rows: or_setting(
            args.run.max_rows,
            vars,
            "FLINK_SQL_MAX_ROWS",
            parse_max_rows,
        )?,
        max_wait: or_setting(
            args.run.max_wait,
            vars,
            "FLINK_SQL_MAX_WAIT",
            crate::cli::parse_duration,
        )?,
        wait: or_setting(args.run.wait, vars, "FLINK_SQL_WAIT", parse_wait)?
            .unwrap_or(WaitFor::Submitted),
        timeout: or_setting(
            args.run.timeout,
            vars,
            "FLINK_SQL_TIMEOUT",
            crate::cli::parse_timeout,
        )?
        .unwrap_or(DEFAULT_TIMEOUT),
        from_statement: args
            .from_statement
            .map_or(1, |n| usize::try_from(n).unwrap_or(usize::MAX)),
        reconnect: args.reconnect,
    };
    Ok(ExecSettings {
        inputs,
        single_statement: args.single_statement,
        session_per_file: args.session_per_file,
        allow_duplicate: args.allow_duplicate,
        profile,
        gateway,
        output,
        run,
    })
}

/// Everything `check` needs.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub paths: Vec<PathBuf>,
    pub profile: Profile,
    pub gateway: Gateway,
    pub format: crate::cli::CheckFormat,
    pub strict: bool,
    pub offline: bool,
    pub verbose: u8,
    /// Print `::error`/`::warning` annotations (GITHUB_ACTIONS=true).
    pub github: bool,
    /// The runner's statement timeout; nothing waits for a job.
    pub run: Run,
}

/// Resolves `check` arguments into settings.
pub fn check(
    args: crate::cli::CheckArgs,
    verbose: u8,
    world: &World,
) -> Result<CheckSettings, CliError> {
    let mut profile = load_profile(&args.profile, world)?;
    let gateway = gateway(&args.connect, &profile.vars)?;
    let url_passwords = [Some(&gateway.url), gateway.jobmanager_url.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|url| url_password(url));
    profile.redactor = profile.redactor.with_values(url_passwords);
    let timeout = or_setting(
        args.timeout,
        &profile.vars,
        "FLINK_SQL_TIMEOUT",
        crate::cli::parse_timeout,
    )?
    .unwrap_or(DEFAULT_TIMEOUT);
    Ok(CheckSettings {
        paths: args.paths,
        profile,
        gateway,
        format: args.format,
        strict: args.strict,
        offline: args.offline,
        verbose,
        github: world.env("GITHUB_ACTIONS") == Some("true"),
        run: Run {
            dry_run: false,
            from_statement: 1,
            reconnect: false,
            continue_on_error: true,
            max_rows: None,
            max_wait: None,
            wait: WaitFor::Submitted,
            timeout,
        },
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

/// The password of a URL's `user:password@` part: a secret like any other, though no variable
/// names it.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    userinfo.split_once(':').map(|(_, pw)| pw)
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

/// `FLINK_SQL_MAX_ROWS`: a row count of at least 1 (0 would stop every query before its first row).
fn parse_max_rows(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn world<'a>(cwd: &'a Path, environment: &[(&str, &str)]) -> World<'a> {
        World {
            cwd,
            environment: environment
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            not_unicode: Vec::new(),
            stdin_is_terminal: false,
            stdout_is_terminal: false,
            stderr_is_terminal: false,
        }
    }

    fn opts(env: Option<&str>, vars: &[(&str, &str)]) -> ProfileOpts {
        ProfileOpts {
            env: env.map(str::to_owned),
            env_file: None,
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn the_secrets_list_is_not_itself_a_secret() {
        let vars = profile::merge(
            vec![
                ("FLINK_SQL_SECRETS".into(), "ORDERS_TOPIC".into()),
                ("ORDERS_TOPIC".into(), "orders-v1".into()),
                ("KAFKA_PASSWORD".into(), "pw-123".into()),
            ],
            Vec::new(),
            &[],
        );
        let mut names: Vec<&str> = secret_vars(&vars).iter().map(|(k, _)| *k).collect();
        names.sort_unstable();
        assert_eq!(names, ["KAFKA_PASSWORD", "ORDERS_TOPIC"]);
        let (redactor, _) = secret_masks(&vars);
        assert_eq!(
            redactor.redact("FLINK_SQL_SECRETS lists ORDERS_TOPIC = orders-v1"),
            "FLINK_SQL_SECRETS lists ORDERS_TOPIC = ***"
        );
    }

    #[test]
    fn env_given_a_file_path_reads_it_as_env_file_with_one_note() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".sbx-uat.env"), "KAFKA_ENV=uat\n").unwrap();
        let profile =
            load_profile(&opts(Some(".sbx-uat.env"), &[]), &world(dir.path(), &[])).unwrap();
        assert_eq!(profile.vars.get("KAFKA_ENV"), Some("uat"));
        assert_eq!(profile.notes.len(), 1, "{:?}", profile.notes);
        assert!(
            profile.notes[0].contains("--env-file .sbx-uat.env"),
            "{:?}",
            profile.notes
        );
    }

    #[test]
    fn env_given_a_profile_name_finds_the_profile_without_a_note() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".uat.env"), "KAFKA_ENV=uat\n").unwrap();
        let profile = load_profile(&opts(Some("uat"), &[]), &world(dir.path(), &[])).unwrap();
        assert_eq!(profile.vars.get("KAFKA_ENV"), Some("uat"));
        assert!(profile.notes.is_empty());
        let err = load_profile(&opts(Some("nope"), &[]), &world(dir.path(), &[])).unwrap_err();
        assert!(
            err.message.contains("profile 'nope' not found"),
            "{}",
            err.message
        );
    }

    #[test]
    fn profile_references_see_var_then_environment_then_earlier_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".p.env"),
            "A=file\nB=file\nC=file\nREF=${A}/${B}/${C}\nPW=ab$cdef\n",
        )
        .unwrap();
        let profile = load_profile(
            &opts(Some("p"), &[("A", "cli")]),
            &world(dir.path(), &[("A", "env"), ("B", "env")]),
        )
        .unwrap();
        assert_eq!(profile.vars.get("REF"), Some("cli/env/file"));
        assert_eq!(profile.vars.get("PW"), Some("ab$cdef"));
    }

    #[test]
    fn environment_variables_that_are_not_utf8_are_left_out() {
        use std::os::unix::ffi::OsStringExt;
        let vars = vec![
            (OsString::from("GOOD"), OsString::from("yes")),
            (OsString::from("BAD"), OsString::from_vec(vec![b'a', 0xff])),
            (OsString::from_vec(vec![0xfe]), OsString::from("x")),
        ];
        let (good, bad) = split_unicode(vars.into_iter());
        assert_eq!(good, [("GOOD".to_owned(), "yes".to_owned())]);
        assert_eq!(bad, ["BAD".to_owned(), "\u{fffd}".to_owned()]);
    }

    #[test]
    fn a_profile_key_whose_environment_value_is_not_utf8_gets_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".p.env"), "TOPIC=orders\n").unwrap();
        let mut w = world(dir.path(), &[]);
        w.not_unicode = vec!["TOPIC".into()];
        let profile = load_profile(&opts(Some("p"), &[]), &w).unwrap();
        assert_eq!(profile.vars.get("TOPIC"), Some("orders"));
        assert!(
            profile.notes[0].contains("TOPIC is not valid UTF-8"),
            "{:?}",
            profile.notes
        );
    }
}

/// What `doctor` checks: the connection flags and profile, and the Kafka and registry endpoints
/// the profile names.
pub fn doctor(
    args: &crate::cli::DoctorArgs,
    world: &World,
) -> Result<(Profile, crate::doctor::Target), CliError> {
    let profile = load_profile(&args.profile, world)?;
    let vars = &profile.vars;
    let gateway = gateway(&args.connect, vars)?;
    let jobmanager_url = gateway
        .jobmanager_url
        .clone()
        .or_else(|| jobmanager::derive_url(&gateway.url));
    let protocol = vars.get("KAFKA_SECURITY_PROTOCOL").unwrap_or_default();
    let target = crate::doctor::Target {
        gateway: gateway.config(),
        jobmanager_url,
        kafka: crate::doctor::bootstrap_servers(
            vars.get("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_default(),
        ),
        kafka_tls: protocol.to_ascii_uppercase().ends_with("SSL"),
        kafka_ca: vars
            .get("KAFKA_CA_PEM")
            .filter(|p| !p.trim().is_empty())
            .map(PathBuf::from),
        registry_url: vars
            .get("SCHEMA_REGISTRY_URL")
            .filter(|u| !u.trim().is_empty())
            .map(str::to_owned),
    };
    Ok((profile, target))
}

/// Everything the `jobs` commands need besides their own arguments.
#[derive(Debug, Clone)]
pub struct JobsSettings {
    pub profile: Profile,
    /// The JobManager URL plus the gateway's headers, token and CA (auth proxies sit in front of
    /// both).
    pub connection: Gateway,
    pub jobmanager_url: String,
    pub format: JobsFormat,
    /// FLINK_SAVEPOINT_DIR from the profile.
    pub savepoint_base: Option<String>,
    pub stdin_is_terminal: bool,
}

/// Resolves the options every `jobs` command takes.
pub fn jobs(opts: &JobsOpts, world: &World) -> Result<JobsSettings, CliError> {
    let profile = load_profile(&opts.profile, world)?;
    let connect = ConnectOpts {
        gateway: None,
        jobmanager: opts.jobmanager.clone(),
        headers: opts.headers.clone(),
        ca_cert: opts.ca_cert.clone(),
        session_properties: Vec::new(),
    };
    let connection = gateway(&connect, &profile.vars)?;
    let jobmanager_url = connection
        .jobmanager_url
        .clone()
        .or_else(|| crate::jobmanager::derive_url(&connection.url))
        .ok_or_else(|| {
            CliError::input("jobs needs the JobManager REST URL").with_hint(
                "set FLINK_REST_URL in the profile (--env NAME) or pass --jobmanager URL",
            )
        })?;
    let format = opts.format.unwrap_or(if world.stdout_is_terminal {
        JobsFormat::Table
    } else {
        JobsFormat::Plain
    });
    let savepoint_base = profile
        .vars
        .get("FLINK_SAVEPOINT_DIR")
        .filter(|v| !v.trim().is_empty())
        .map(str::to_owned);
    Ok(JobsSettings {
        profile,
        connection,
        jobmanager_url,
        format,
        savepoint_base,
        stdin_is_terminal: world.stdin_is_terminal,
    })
}

#[cfg(test)]
mod jobs_tests {
    use super::*;

    fn opts() -> JobsOpts {
        JobsOpts {
            profile: ProfileOpts {
                env: None,
                env_file: None,
                vars: Vec::new(),
            },
            jobmanager: None,
            headers: vec!["X-Extra: 1".into()],
            ca_cert: None,
            format: None,
        }
    }

    fn world(env: &[(&str, &str)]) -> World<'static> {
        World {
            cwd: Path::new("/"),
            environment: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            not_unicode: Vec::new(),
            stdin_is_terminal: false,
            stdout_is_terminal: false,
            stderr_is_terminal: false,
        }
    }

    #[test]
    fn jobs_reach_the_jobmanager_with_the_gateways_headers_and_token() {
        let w = world(&[
            ("SQL_GATEWAY_URL", "https://proxy.example/sql"),
            ("FLINK_REST_URL", "https://proxy.example/flink"),
            ("SQL_GATEWAY_TOKEN", "t0k3n-value"),
            ("SQL_GATEWAY_HEADERS", "X-Team: data"),
            ("FLINK_SAVEPOINT_DIR", "gs://bucket/savepoints"),
        ]);
        let s = jobs(&opts(), &w).unwrap();
        assert_eq!(s.jobmanager_url, "https://proxy.example/flink");
        assert_eq!(s.connection.token.as_deref(), Some("t0k3n-value"));
        assert_eq!(
            s.connection.headers,
            [
                ("X-Team".to_owned(), "data".to_owned()),
                ("X-Extra".to_owned(), "1".to_owned())
            ]
        );
        assert_eq!(s.savepoint_base.as_deref(), Some("gs://bucket/savepoints"));
        assert_eq!(s.format, JobsFormat::Plain, "off a terminal");
    }

    #[test]
    fn a_remote_gateway_without_a_jobmanager_url_is_a_usage_error() {
        let w = world(&[("SQL_GATEWAY_URL", "https://proxy.example/sql")]);
        let e = jobs(&opts(), &w).unwrap_err();
        assert_eq!(e.exit, crate::error::Exit::Input);
        assert!(e.hints[0].contains("FLINK_REST_URL"));
        let local = jobs(&opts(), &world(&[])).unwrap();
        assert_eq!(local.jobmanager_url, "http://localhost:8081");
    }
}
