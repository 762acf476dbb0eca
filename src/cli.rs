//! The command line: clap types only. Doc comments here are the user documentation (help,
//! completions, README). `settings` turns these into the one validated `Settings`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0    every statement succeeded
  1    a statement failed (rejected by Flink, operation error, waited-for job failed), or a
       pipeline that already has an active job was refused (no --allow-duplicate): nothing sent
  2    usage, profile, substitution or splitting error, an unwritable --report: nothing was sent
  3    gateway or JobManager unreachable, HTTP or protocol error, or a statement whose POST
       was never answered (it may have run; it is never sent again)
  4    timeout (--timeout for a statement or connecting, or --wait, ran out)
  129  hung up by SIGHUP (after cancelling and closing, each bounded)
  130  interrupted by SIGINT (after cancelling and closing, each bounded)
  143  terminated by SIGTERM (after cancelling and closing, each bounded)";

/// Run Flink SQL scripts against the Flink SQL Gateway.
///
/// Profiles (`--env NAME`) supply variables for `${VAR}` placeholders and the gateway address;
/// secrets are masked in everything the tool writes.
#[derive(Debug, Parser)]
#[command(name = "flink-sql", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// More detail on stderr: -v shows full server traces and HTTP calls.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only results and errors: no progress, no summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run SQL files, folders, stdin or -c statements in one gateway session.
    #[command(after_help = EXIT_CODES)]
    Exec(Box<ExecArgs>),
    /// An interactive SQL prompt in one gateway session (piped stdin runs as `exec -f -`).
    #[command(after_help = SHELL_HELP)]
    Shell(Box<ShellArgs>),
    /// Deploy the Flink SQL platform to Kubernetes (operator, session cluster, SQL Gateway).
    #[command(after_help = DEPLOY_EXIT_CODES)]
    Deploy(DeployArgs),
    /// Profiles: show the variables a run would see and where each one comes from.
    Env(EnvArgs),
    /// List, inspect, stop, savepoint and cancel jobs through the JobManager REST API.
    #[command(after_help = JOBS_EXIT_CODES)]
    Jobs(JobsArgs),
    /// Check this profile's connections, one line per check with a hint when it fails: the
    /// gateway and the JobManager (reachability, latency), the API version and what it allows,
    /// TLS and headers in use (names only), a session round trip, the Flink version and free
    /// slots, and the Kafka brokers and schema registry the profile names (TCP, and TLS where the
    /// profile says so). Exit 1 when a check failed.
    Doctor(DoctorArgs),
    /// Check SQL files or folders before they run: lint, validation in a throwaway session
    /// (EXPLAIN, no job starts), planner advice, schema-registry contracts.
    #[command(after_help = CHECK_EXIT_CODES)]
    Check(Box<CheckArgs>),
    /// Print a shell completion script.
    Completions {
        /// The shell to generate for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (troff). With --dir, write the pages of flink-sql and of every
    /// subcommand (flink-sql-exec.1, flink-sql-jobs-list.1, …) into DIR instead.
    Man {
        /// Folder to write every page into, e.g. ~/.local/share/man/man1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

const DEPLOY_EXIT_CODES: &str = "\
Exit codes:
  0    done (up/down), or everything ready (status)
  1    a kubectl or helm step failed, or something is not ready (status)
  2    profile, usage or tool problem, or a kube context that was not named or confirmed:
       nothing was changed
  3    the cluster did not answer
  4    timeout waiting for readiness";

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(subcommand)]
    pub action: DeployAction,
}

#[derive(Debug, Subcommand)]
pub enum DeployAction {
    /// Show the steps `up` would take; nothing runs.
    Plan(DeployOpts),
    /// Write the rendered manifests to a folder (the Kafka Secret only with --include-secrets).
    Render {
        #[command(flatten)]
        opts: DeployOpts,
        /// Folder to write the manifests to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also write the Kafka credentials Secret (mode 0600). Never to stdout.
        #[arg(long)]
        include_secrets: bool,
    },
    /// Install or upgrade everything, in order, then wait until it is ready. Idempotent.
    Up {
        #[command(flatten)]
        opts: DeployOpts,
        /// Confirm the current kube context without a prompt (for CI).
        #[arg(short, long)]
        yes: bool,
        /// Give up waiting for readiness after this long [profile: DEPLOY_TIMEOUT; default 10m].
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        timeout: Option<std::time::Duration>,
        /// Do not wait for the session cluster and gateway to become ready.
        #[arg(long)]
        no_wait: bool,
    },
    /// Show whether the operator, the session cluster and the gateway are ready.
    Status(DeployOpts),
    /// Clear the way for `up` where the old platform ran: list the old objects `up` would
    /// collide with (old Flink clusters, objects with the platform's names that flink-sql did not
    /// create, owners of pods that break Pod Security), then remove exactly those once confirmed.
    /// Stop the old cluster's jobs with a savepoint first.
    Migrate {
        #[command(flatten)]
        opts: DeployOpts,
        /// Confirm the context and the list without a prompt (for CI).
        #[arg(short, long)]
        yes: bool,
    },
    /// Preflight, read-only: the RBAC verbs `up` needs (kubectl auth can-i), the operator's CRDs
    /// and release, NetworkPolicy support, Workload Identity, the RocksDB storage class and quota
    /// headroom. One line per check, with a hint when it fails; exit 1 when one failed.
    Check(DeployOpts),
    /// After `up`: reach the gateway (its load balancer, else kubectl port-forward, always
    /// stopped), run a statement, check Kafka with the deployed Secret's credentials, and list a
    /// running JobManager pod's jars against the image's manifest. One line per check, with a
    /// hint when it fails; exit 1 when one failed.
    Smoke(DeployOpts),
    /// Set the number of TaskManagers: checked against the namespace's ResourceQuota first, then
    /// the FlinkDeployment is patched and the operator's report of the new size waited for. The
    /// next `up` applies the profile's TM_REPLICAS again.
    Scale {
        #[command(flatten)]
        opts: DeployOpts,
        /// How many TaskManagers.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        taskmanagers: u64,
        /// Confirm the current kube context without a prompt (for CI).
        #[arg(short, long)]
        yes: bool,
        /// Give up waiting for the new size after this long [profile: DEPLOY_TIMEOUT; default 10m].
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        timeout: Option<std::time::Duration>,
        /// Do not wait for the operator to report the new size.
        #[arg(long)]
        no_wait: bool,
    },
    /// Write the Flink image's build context (Dockerfile on the official Flink 2.0 image, the jar
    /// manifest, a fetch script that checks every sha256), then build and push FLINK_IMAGE with
    /// docker, podman or buildah; with none of them, print the commands.
    Image {
        #[command(flatten)]
        opts: DeployOpts,
        /// Folder for the build context.
        #[arg(long, value_name = "DIR", default_value = "flink-image")]
        out: PathBuf,
        /// Base image [default: flink:2.0.0-scala_2.12-java17]; give one with @sha256: to pin it.
        #[arg(long, value_name = "IMAGE")]
        base: Option<String>,
        /// Build only; do not push.
        #[arg(long)]
        no_push: bool,
    },
    /// Remove what `up` created, in reverse order. The operator stays unless --operator.
    Down {
        #[command(flatten)]
        opts: DeployOpts,
        /// Confirm the current kube context without a prompt (for CI).
        #[arg(short, long)]
        yes: bool,
        /// Also uninstall the operator's helm release (its CRDs stay: deleting them would
        /// delete every FlinkDeployment in the cluster).
        #[arg(long)]
        operator: bool,
    },
}

/// What every deploy command takes.
#[derive(Debug, Clone, Args)]
pub struct DeployOpts {
    #[command(flatten)]
    pub profile: ProfileOpts,

    /// Kube context to act on [profile: K8S_CONTEXT; default: the current one, once confirmed].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace for the platform [profile: K8S_NAMESPACE; default flink-studio].
    #[arg(short, long, value_name = "NAME")]
    pub namespace: Option<String>,

    /// Check against the cluster (server-side dry run) but change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub profile: ProfileOpts,

    #[command(flatten)]
    pub connect: ConnectOpts,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    #[command(subcommand)]
    pub action: EnvAction,
}

#[derive(Debug, Subcommand)]
pub enum EnvAction {
    /// List every variable with its source (--var, the process environment, or the profile
    /// file and line) and its value, secrets masked. Shows what each value overrides.
    Show {
        #[command(flatten)]
        profile: ProfileOpts,
        /// Also list the process environment variables that neither the profile, --var nor the
        /// tool's own settings name.
        #[arg(long)]
        all: bool,
    },
}

/// Which profile supplies variables and settings.
#[derive(Debug, Clone, Args)]
pub struct ProfileOpts {
    /// Profile name: reads env/NAME.env or .NAME.env (current dir, then $FLINK_SQL_ENV_DIR).
    /// Default: $FLINK_SQL_ENV. A path to an existing file (the old executor's -e) is read as
    /// --env-file, with a note.
    #[arg(short = 'e', long = "env", value_name = "NAME", env = "FLINK_SQL_ENV")]
    pub env: Option<String>,

    /// Read the profile from this file instead.
    #[arg(long, value_name = "PATH", conflicts_with = "env")]
    pub env_file: Option<PathBuf>,

    /// Set a variable; beats the process environment and the profile. Repeatable.
    #[arg(long = "var", value_name = "K=V", value_parser = KeyValue { variable: true })]
    pub vars: Vec<(String, String)>,
}

/// How to reach the gateway.
#[derive(Debug, Clone, Args)]
pub struct ConnectOpts {
    /// SQL Gateway URL, path prefix allowed [profile: SQL_GATEWAY_URL; default http://localhost:8083].
    #[arg(long, value_name = "URL")]
    pub gateway: Option<String>,

    /// JobManager REST URL, used by --wait [profile: FLINK_REST_URL].
    #[arg(long, value_name = "URL")]
    pub jobmanager: Option<String>,

    /// Extra HTTP header for an auth proxy, 'Name: value'. Repeatable [profile: SQL_GATEWAY_HEADERS,
    /// one per line]. A bearer token comes from SQL_GATEWAY_TOKEN (a secret).
    #[arg(long = "header", value_name = "'K: V'")]
    pub headers: Vec<String>,

    /// Extra CA certificate (PEM) to trust for https, besides the system roots [profile: FLINK_SQL_CA_CERT].
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Session property, e.g. execution.runtime-mode=batch. Repeatable
    /// [profile: FLINK_SQL_SESSION_PROPERTIES, comma separated K=V].
    #[arg(long = "session-property", value_name = "K=V", value_parser = KeyValue { variable: false })]
    pub session_properties: Vec<(String, String)>,
}

/// Output formats for results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Box table with an op column for changelogs (default on a terminal).
    Table,
    /// Tab separated (default off a terminal).
    Plain,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// One JSON document for the whole run.
    Json,
    /// One JSON event per line: the CI format.
    Ndjson,
}

/// The most rows a `--materialize` table holds unless `--materialize-limit` says otherwise.
pub const DEFAULT_MATERIALIZE_LIMIT: u64 = 100_000;

/// How results are shown: `exec` and `shell` take the same options.
#[derive(Debug, Clone, Args)]
pub struct OutputOpts {
    /// Result format [profile: FLINK_SQL_FORMAT].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Show a query's current rows instead of its changelog: +I and +U add a row, -U and -D
    /// remove one equal row. At a terminal the table is redrawn in place as rows arrive; otherwise
    /// the final table is printed, in --format, when the query ends or stops (Ctrl-C, --max-wait).
    #[arg(long)]
    pub materialize: bool,

    /// The most rows a --materialize table holds. A query whose table would grow past it fails
    /// (exit 1) and is cancelled: a cut table would show wrong totals.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MATERIALIZE_LIMIT,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub materialize_limit: u64,
}

/// How long to wait for a job an INSERT started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WaitFor {
    /// Return once the gateway gave a job id.
    Submitted,
    /// Wait until every vertex of the job runs.
    Running,
    /// Wait until the job finishes (bounded sources).
    Finished,
}

/// How statements run: the options `exec` and `shell` share.
#[derive(Debug, Clone, Args)]
pub struct RunOpts {
    /// Run the remaining statements after a failure; the exit code still reports it.
    #[arg(long)]
    pub continue_on_error: bool,

    /// Stop a query after this many rows (at least 1), cancel it, and count it a success [profile: FLINK_SQL_MAX_ROWS].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_rows: Option<u64>,

    /// Stop a query after this long, e.g. 30s or 2m [profile: FLINK_SQL_MAX_WAIT].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_wait: Option<std::time::Duration>,

    /// How long to wait for each job an INSERT starts [profile: FLINK_SQL_WAIT].
    #[arg(long, value_enum, value_name = "UNTIL")]
    pub wait: Option<WaitFor>,

    /// Give up waiting (for --wait, or for a statement) after this long: exit 4. More than 0,
    /// at most 365 days [profile: FLINK_SQL_TIMEOUT; default 10m].
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,

    /// Print each statement (secrets masked) to stderr before running it.
    #[arg(long)]
    pub echo: bool,

    /// Print how long each statement took (in the summary; `\timing` toggles it in the shell).
    #[arg(long)]
    pub timing: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// SQL files to run, in order (same as -f).
    #[arg(value_name = "FILE")]
    pub paths: Vec<PathBuf>,

    /// A SQL file, a folder (its *.sql in name order) or - for stdin. Repeatable.
    #[arg(short = 'f', long = "file", value_name = "FILE|DIR|-")]
    pub files: Vec<PathBuf>,

    /// SQL given inline. Repeatable; runs after the files.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    pub commands: Vec<String>,

    /// Send each input whole as one statement instead of splitting at ';'.
    #[arg(long)]
    pub single_statement: bool,

    #[command(flatten)]
    pub profile: ProfileOpts,

    #[command(flatten)]
    pub connect: ConnectOpts,

    #[command(flatten)]
    pub output: OutputOpts,

    /// Print the plan (statements, kinds, locations, redacted SQL) and exit; needs no gateway.
    #[arg(long)]
    pub dry_run: bool,

    /// Start an INSERT or statement set even though a job with its 'pipeline.name' is active
    /// (RUNNING, CREATED, RESTARTING, …). Without it such a run is refused before anything is
    /// sent (exit 1).
    #[arg(long)]
    pub allow_duplicate: bool,

    /// Run each file (and each -c, and stdin) in a session of its own, so files that reuse table
    /// names or SETs do not see each other's. Without it, all inputs share one session.
    #[arg(long)]
    pub session_per_file: bool,

    #[command(flatten)]
    pub run: RunOpts,

    /// Write a report: junit=PATH (one test case per statement).
    #[arg(long, value_name = "junit=PATH", value_parser = parse_report)]
    pub report: Vec<PathBuf>,

    /// Start at statement N, numbered as the summary numbers them (across all inputs). Earlier
    /// statements are not run; those that only change the session (SET, RESET, USE, ADD JAR,
    /// CREATE TEMPORARY …, CREATE CATALOG, DDL in an in-memory catalog) are replayed silently first,
    /// so statement N finds the session it had.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub from_statement: Option<u64>,

    /// When the gateway loses the session (a restart) or cannot be reached, wait for it (up to
    /// --timeout), open a new session, replay the session-scoped statements already run, and
    /// go on. INSERTs and queries are never replayed; one that may have run when the session was
    /// lost is reported failed, not sent again.
    #[arg(long)]
    pub reconnect: bool,
}

const CHECK_EXIT_CODES: &str = "\
Exit codes:
  0    no finding fails the check (warnings fail only with --strict; notes never)
  1    a finding fails the check
  2    usage, profile, substitution or splitting error: nothing was sent
  3    gateway or schema registry unreachable, HTTP or protocol error";

/// `flink-sql check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// SQL files or folders (their *.sql in name order); each file is checked in a session of its own.
    #[arg(value_name = "FILE|DIR", required = true)]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub profile: ProfileOpts,

    #[command(flatten)]
    pub connect: ConnectOpts,

    /// How findings are written to stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,

    /// Warnings fail the check too (planner warnings, lint warnings).
    #[arg(long)]
    pub strict: bool,

    /// Lint only: no gateway, no schema registry.
    #[arg(long)]
    pub offline: bool,

    /// Give up on one statement after this long; it is reported as failing the check
    /// [profile: FLINK_SQL_TIMEOUT; default 10m].
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// `file:line:col: severity[RULE]: message` with a caret excerpt.
    Text,
    /// One JSON document: findings and counts.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

const SHELL_HELP: &str = "\
At the prompt a statement runs once its `;` arrives; `\\?` lists the client commands.
Ctrl-C cancels the running statement (the session stays), Ctrl-D closes the session and exits.
Exit codes: 0 after Ctrl-D or \\q; 2 a bad profile or option.
With stdin not a terminal, it runs like `exec -f -` (same exit codes).";

/// `shell` takes exec's profile, connection, output and run options (no inputs: it reads the prompt,
/// or stdin when that is not a terminal).
#[derive(Debug, Clone, Args)]
pub struct ShellArgs {
    #[command(flatten)]
    pub profile: ProfileOpts,

    #[command(flatten)]
    pub connect: ConnectOpts,

    #[command(flatten)]
    pub output: OutputOpts,

    #[command(flatten)]
    pub run: RunOpts,
}

impl ShellArgs {
    /// The same run as `exec -f -` with these options: settings are resolved by exec's rules,
    /// and piped input runs through exec's pipe.
    pub fn to_exec(&self) -> ExecArgs {
        ExecArgs {
            paths: Vec::new(),
            files: vec![PathBuf::from("-")],
            commands: Vec::new(),
            single_statement: false,
            profile: self.profile.clone(),
            connect: self.connect.clone(),
            output: self.output.clone(),
            dry_run: false,
            session_per_file: false,
            run: self.run.clone(),
            report: Vec::new(),
            allow_duplicate: false,
            from_statement: None,
            reconnect: false,
        }
    }
}

const JOBS_EXIT_CODES: &str = "\
Exit codes:
  0    done; the job was found; the cluster is healthy (watch --once); every pipeline runs its
       SQL, once, healthy (status)
  1    no such job, a savepoint or stop failed, a cancel did not end CANCELED, no savepoint
       found (savepoints, resume), the cluster is unhealthy (watch --once), a pipeline is
       missing/failed/restarting/duplicated/changed or an unexpected one runs (status), a
       pipeline start or upgrade failed or was left undone (apply), or a start refused because
       the pipeline already has an active job (resume without --allow-duplicate: nothing sent)
  2    usage, profile or input error (a pipeline file that cannot be read, split or
       substituted, two files with one pipeline.name), or several jobs matched / upgrades
       planned without confirmation: nothing was done
  3    JobManager unreachable, HTTP or protocol error
  4    timeout waiting for a savepoint, a stop or a cancel
  130  interrupted by SIGINT (watch; ui while an action ran)";

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    pub action: JobsAction,
}

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// Jobs with pipeline name, state, tasks, start time and duration (one /jobs/overview call).
    /// Default: active jobs and those that ended within the last hour, active first, newest first.
    #[command(after_help = JOBS_EXIT_CODES)]
    List {
        #[command(flatten)]
        opts: JobsOpts,
        /// Only jobs in this state (RUNNING, FAILED, …); repeatable or comma separated. Includes
        /// ended jobs of any age the JobManager remembers.
        #[arg(long, value_name = "STATE")]
        state: Vec<String>,
        /// Only jobs whose name matches this regex (anywhere in the name).
        #[arg(long, value_name = "REGEX")]
        name: Option<String>,
        /// Every job the JobManager remembers (ended jobs stay for jobstore.expiration-time).
        #[arg(long)]
        all: bool,
    },
    /// State, times, health, vertices, parallelism, checkpoints, restored-from and latest
    /// exceptions of a job (by id), or of a pipeline's active jobs (by name; its newest run when
    /// none is active).
    #[command(after_help = JOBS_EXIT_CODES)]
    Show {
        #[command(flatten)]
        opts: JobsOpts,
        /// Job id or pipeline name.
        #[arg(value_name = "ID|NAME")]
        job: String,
    },
    /// Cancel a job, a pipeline's running jobs, or every running job whose name matches --name.
    #[command(after_help = JOBS_EXIT_CODES)]
    Cancel {
        #[command(flatten)]
        opts: JobsOpts,
        #[command(flatten)]
        act: ActOpts,
        /// Job id or pipeline name.
        #[arg(value_name = "ID|NAME", required_unless_present = "name")]
        job: Option<String>,
        /// Every running job whose name matches this regex.
        #[arg(long, value_name = "REGEX")]
        name: Option<String>,
    },
    /// Stop a job with a savepoint (POST /jobs/{id}/stop) and print the savepoint path. Without
    /// DIR the savepoint goes to <cluster savepoint dir>/<pipeline name>/. To stop without a
    /// savepoint, use cancel.
    #[command(after_help = JOBS_EXIT_CODES)]
    Stop {
        #[command(flatten)]
        opts: JobsOpts,
        #[command(flatten)]
        act: ActOpts,
        /// Job id or pipeline name.
        #[arg(value_name = "ID|NAME")]
        job: String,
        /// Where the savepoint goes (a stop always takes one); DIR is used as given.
        #[arg(long, value_name = "DIR", num_args = 0..=1)]
        savepoint: Option<Option<String>>,
        /// Emit MAX_WATERMARK before stopping: event-time windows and timers fire (the job's
        /// state then reflects the end of input).
        #[arg(long)]
        drain: bool,
    },
    /// Take a savepoint without stopping, wait for it, print its path.
    #[command(after_help = JOBS_EXIT_CODES)]
    Savepoint {
        #[command(flatten)]
        opts: JobsOpts,
        #[command(flatten)]
        act: ActOpts,
        /// Job id or pipeline name.
        #[arg(value_name = "ID|NAME")]
        job: String,
        /// Directory for the savepoint [default: <cluster savepoint dir>/<pipeline name>/].
        #[arg(value_name = "DIR")]
        dir: Option<String>,
    },
    /// A pipeline's savepoints, newest first: from the JobManager's checkpoint history and from
    /// listing <savepoint dir>/<pipeline name>/ (file:// only). Exit 1 when none is found.
    #[command(after_help = JOBS_EXIT_CODES)]
    Savepoints {
        #[command(flatten)]
        opts: JobsOpts,
        /// Pipeline name (pipeline.name).
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Run a pipeline file again, restoring from a savepoint (execution.state-recovery.path).
    /// Refused while the pipeline has an active job (exit 1), unless --allow-duplicate.
    #[command(after_help = JOBS_EXIT_CODES)]
    Resume {
        #[command(flatten)]
        opts: JobsOpts,
        #[command(flatten)]
        act: ActOpts,
        /// The pipeline file (it sets 'pipeline.name' and starts one job).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The savepoint to restore from, or `latest`: the newest one the JobManager's history and
        /// <savepoint dir>/<pipeline name>/ know [default: latest].
        #[arg(long, value_name = "PATH|latest")]
        from: Option<String>,
        /// Start even though the pipeline already has an active job.
        #[arg(long)]
        allow_duplicate: bool,
    },
    /// Make the cluster run a folder of pipelines: every *.sql file that sets 'pipeline.name' is
    /// one, run in a session of its own. Prints the plan first (start / keep / upgrade / changed /
    /// duplicated / unexpected): not running → start (from its latest savepoint when one exists);
    /// running this SQL (same hash) → keep; running other SQL → upgrade. Running it twice changes
    /// nothing.
    #[command(after_help = JOBS_EXIT_CODES)]
    Apply {
        #[command(flatten)]
        opts: JobsOpts,
        #[command(flatten)]
        act: ActOpts,
        /// The folder of pipeline files.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// How a running pipeline whose SQL changed is upgraded: stop it with a savepoint and start
        /// the new SQL from it; cancel it and start without state; or leave it (exit 1).
        #[arg(long, value_enum, default_value = "savepoint")]
        upgrade: UpgradeMode,
        /// Upgrade through a savepoint even when the upgrade verdict says the new SQL loses state
        /// (without it, such an apply is refused before anything is stopped: exit 1).
        #[arg(long)]
        allow_state_loss: bool,
    },
    /// The folder's pipelines against the cluster: running, changed (other SQL), missing, failed,
    /// restarting (or tasks not all running), duplicated, unexpected (a pipeline runs that no file
    /// names). Exit 1 when anything is not `running`: for CI and cron.
    #[command(after_help = JOBS_EXIT_CODES)]
    Status {
        #[command(flatten)]
        opts: JobsOpts,
        /// The folder of pipeline files.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Cluster health: TaskManagers, free slots, running/restarting/failed jobs, jobs whose tasks
    /// are not all RUNNING, failing checkpoints. Repeats every --interval until Ctrl-C.
    #[command(after_help = JOBS_EXIT_CODES)]
    Watch {
        #[command(flatten)]
        opts: JobsOpts,
        /// Time between looks.
        #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
        interval: std::time::Duration,
        /// Look once and exit: 0 when healthy, 1 when not.
        #[arg(long)]
        once: bool,
    },
    /// The pipelines screen: one row per pipeline of DIR with its `jobs status` verdict, uptime,
    /// last checkpoint, latest savepoint, restarts and latest exception, refreshed every few
    /// seconds; Enter starts (as `jobs resume`), stops with a savepoint, cancels or shows a
    /// pipeline; `a` runs `jobs apply` after showing its plan. Not a terminal, or TERM=dumb: the
    /// table is printed once.
    #[command(after_help = JOBS_EXIT_CODES)]
    Ui {
        #[command(flatten)]
        opts: JobsOpts,
        #[command(flatten)]
        act: ActOpts,
        /// The folder of pipeline files (*.sql, each with SET 'pipeline.name').
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// What every jobs command takes.
#[derive(Debug, Clone, Args)]
pub struct JobsOpts {
    #[command(flatten)]
    pub profile: ProfileOpts,

    /// JobManager REST URL [profile: FLINK_REST_URL; default: next to a local gateway].
    #[arg(long, value_name = "URL")]
    pub jobmanager: Option<String>,

    /// Extra HTTP header for an auth proxy, 'Name: value'. Repeatable [profile: SQL_GATEWAY_HEADERS].
    /// The bearer token SQL_GATEWAY_TOKEN is sent too.
    #[arg(long = "header", value_name = "'K: V'")]
    pub headers: Vec<String>,

    /// Extra CA certificate (PEM) to trust for https [profile: FLINK_SQL_CA_CERT].
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Output format [default: table on a terminal, plain otherwise].
    #[arg(long, value_enum)]
    pub format: Option<JobsFormat>,
}

/// What commands that change a job take.
#[derive(Debug, Clone, Args)]
pub struct ActOpts {
    /// Act on several matching jobs without asking (needed off a terminal).
    #[arg(short, long)]
    pub yes: bool,

    /// Show which jobs would be affected and how; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Give up waiting for the savepoint, stop or cancel after this long: exit 4 [default 10m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
}

/// `jobs apply --upgrade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UpgradeMode {
    /// Stop with a savepoint, start the new SQL from it.
    Savepoint,
    /// Cancel, start the new SQL without state.
    Stateless,
    /// Leave running pipelines alone (a changed one is reported, exit 1).
    None,
}

/// Output formats of the jobs commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JobsFormat {
    /// Box table (default on a terminal).
    Table,
    /// Tab separated; for stop/savepoint just the savepoint path (default off a terminal).
    Plain,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Ndjson,
}

/// Parses `K=V`.
pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("expected K=V, got '{s}'"))?;
    let k = k.trim();
    if k.is_empty() {
        return Err("the name before '=' is empty".into());
    }
    Ok((k.to_owned(), v.to_owned()))
}

/// `K=V` for `--var` (`variable`: the name must be one a `${NAME}` can refer to) and
/// `--session-property`. Unlike a plain `value_parser` fn, whose error clap prints with the whole
/// argument, its errors never repeat the value: `--var 'DB_PASSWORD hunter2'` is a secret typed
/// with a space instead of `=`.
#[derive(Debug, Clone, Copy)]
pub struct KeyValue {
    pub variable: bool,
}

impl clap::builder::TypedValueParser for KeyValue {
    type Value = (String, String);

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let option = arg.and_then(|a| a.get_long()).unwrap_or("var");
        let refuse = |why: String| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("--{option}: {why}\n"),
            )
        };
        let text = value
            .to_str()
            .ok_or_else(|| refuse("not valid UTF-8".into()))?;
        let (k, v) = parse_key_value(text).map_err(|_| match text.split_once('=') {
            None => refuse(
                "expected K=V, found no '=' (the argument is not shown: it may be a secret)".into(),
            ),
            Some(_) => refuse("the name before '=' is empty".into()),
        })?;
        if self.variable && !is_variable_name(&k) {
            return Err(refuse(format!(
                "'{}' is not a variable name ([A-Za-z_][A-Za-z0-9_]*, so ${{NAME}} can refer to it)",
                k
            )));
        }
        Ok((k, v))
    }
}

fn is_variable_name(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses durations such as `500ms`, `30s`, `2m`, `1h 30m`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("'{s}' is not a duration (e.g. 30s, 2m): {e}"))
}

/// The longest `--timeout`: a year is "no limit" for any run, and stays far from overflowing
/// the clock arithmetic of deadlines.
pub const MAX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);

/// A `--timeout`: a duration above zero (a zero timeout would give up before the first
/// statement is sent) and at most `MAX_TIMEOUT`.
pub fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err(format!("'{s}': a timeout must be more than 0"));
    }
    if d > MAX_TIMEOUT {
        return Err(format!("'{s}': a timeout can be at most 365 days"));
    }
    Ok(d)
}

fn parse_report(s: &str) -> Result<PathBuf, String> {
    match s.split_once('=') {
        Some(("junit", path)) if !path.is_empty() => Ok(PathBuf::from(path)),
        _ => Err(format!("expected junit=PATH, got '{s}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_timeout_is_more_than_zero_and_at_most_a_year() {
        assert!(parse_timeout("0").unwrap_err().contains("more than 0"));
        assert!(parse_timeout("0s").is_err());
        let huge = parse_timeout("18446744073709551615s").unwrap_err();
        assert!(huge.contains("at most 365 days"), "{huge}");
        assert_eq!(
            parse_timeout("365d").unwrap(),
            std::time::Duration::from_secs(365 * 24 * 3600)
        );
        assert_eq!(
            parse_timeout("40ms").unwrap(),
            std::time::Duration::from_millis(40)
        );
    }

    #[test]
    fn key_value_keeps_equals_in_value() {
        assert_eq!(parse_key_value("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert!(parse_key_value("novalue").is_err());
    }
}
