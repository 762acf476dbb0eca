//! The runner: one session, one statement at a time, with every event emitted into a `Sink`.
//!
//! A `Runner` is opened, runs statements one by one and is closed; a batch, a pipe and a prompt
//! are loops over it (`commands/`), which also build the summary and decide what a signal means.
//! Per statement: submit, fetch pages to the end (streaming them into the sink), close the
//! operation; for INSERTs optionally wait for the job. Cancellation (a `Cancel`, per statement), `--timeout`,
//! `--max-rows` and `--max-wait` all end in the same place: cancel and close the operation. A
//! statement that may start a job is submitted with a job id of our choosing, so that a stop
//! before the gateway named the job (or a lost answer to the POST) can still find it on the
//! JobManager. Every clean-up call is bounded (`CLEANUP_LIMIT`) and gives way to a signal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::time::sleep;

use crate::error::{CliError, Exit};
use crate::gateway::{self, Error, Log, OperationId, Page, ResultType, ServerError, Session};
use crate::jobmanager::{self, JobDetails, JobManager};
use crate::model::{Failure, Outcome, Refusal, Row, Sink, Status, StopReason};
use crate::script::{Kind, Statement};
use crate::secrets::Redactor;

mod cleanup;
mod pace;
mod replay;

use cleanup::{bounded, bounded_search, Cut, Search, Stop};
pub use cleanup::{CLEANUP_LIMIT, FIND_JOB_WINDOW};
use pace::became_ready;
pub use pace::{Class, Pace};
pub use replay::Journal;

/// While `--reconnect` waits for a gateway to come back, it tries to open a session this often.
const RECONNECT_EVERY: Duration = Duration::from_millis(500);

/// How long to pause before asking again for a page of rows, given how long the result has been
/// quiet (since rows last arrived; the first page is paced by `Pace`). Set by elapsed time rather than by a count of
/// empty answers: a DDL statement is ready a few ms after its submit, so it is asked at once for
/// the first 10 ms (the round trip is the pause), then every ms; a streaming query's next batch
/// is usually tens of ms away, so 5 ms pauses follow, and only a result quiet for seconds is
/// polled slowly. Measured on the local stack (bench/RESULTS.md).
pub fn pause_after(quiet: Duration) -> Duration {
    const STEPS: [(u64, u64); 4] = [(10, 0), (100, 1), (1_000, 5), (5_000, 50)];
    let quiet_ms = quiet.as_millis();
    let ms = STEPS
        .iter()
        .find(|&&(upto, _)| quiet_ms <= u128::from(upto))
        .map_or(250, |&(_, pause)| pause);
    Duration::from_millis(ms)
}

/// Rows handed to the sink between two yields while the next page is fetched ahead.
const EMIT_CHUNK: usize = 256;

/// Pauses between JobManager polls while waiting for a job: first 50 ms, doubling to 500 ms.
const JOB_POLL_FIRST: Duration = Duration::from_millis(50);
const JOB_POLL_MAX: Duration = Duration::from_millis(500);

/// The key Flink names a job by.
const PIPELINE_NAME: &str = "pipeline.name";

/// What `--wait` waits for once a statement's job was submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitFor {
    Submitted,
    Running,
    Finished,
}

/// How statements run; built once (by `settings`), before anything is sent.
#[derive(Clone)]
pub struct RunOptions {
    /// Read by the loops over the runner (a batch, a pipe): the runner runs one statement.
    pub continue_on_error: bool,
    /// Statements numbered below this were run before (`--from-statement`; 1 runs them all).
    pub from_statement: usize,
    /// A lost session is replaced by a new one, its session-scoped statements replayed.
    pub reconnect: bool,
    /// Stop a query after this many rows (a success).
    pub max_rows: Option<u64>,
    /// Stop a query after this long (a success).
    pub max_wait: Option<Duration>,
    pub wait: WaitFor,
    /// Give up on one statement (or the job it waits for) after this long: exit 4.
    pub timeout: Duration,
    /// Needed when `wait` is running or finished; otherwise there when known (given, or derivable
    /// for a local gateway), to find a job a stopped statement started anyway.
    pub jobmanager: Option<JobManager>,
    /// What the job of a statement (by `Statement::index`) is submitted with: a job id chosen
    /// beforehand and configuration for that statement only. Others get a fresh id.
    pub stamps: Arc<BTreeMap<usize, JobStamp>>,
}

/// The job id and extra configuration one statement's job is submitted with (a pipeline run:
/// its deterministic id, its SQL hash, the savepoint it restores from).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobStamp {
    pub job_id: Option<String>,
    pub config: Vec<(String, String)>,
    /// The file's tables, when the job should carry its state layout (`check::upgrade`): the
    /// statement is then explained in its session first, and the layout's hashes join the
    /// global job parameters.
    pub layout: Option<Arc<crate::check::upgrade::Tables>>,
}

/// What opening a session needs. Its clones share one client, whose API version the first
/// session settles (`check` and `jobs apply` open a session per file: one connection pool for
/// all of them), and the pace their runners learn.
#[derive(Clone)]
pub struct Connect {
    pub gateway: gateway::Config,
    pub redactor: Redactor,
    pub log: Option<Log>,
    settled: Arc<tokio::sync::Mutex<Option<gateway::Client>>>,
    pace: Arc<Pace>,
}

impl Connect {
    pub fn new(gateway: gateway::Config, redactor: Redactor, log: Option<Log>) -> Connect {
        Connect {
            gateway,
            redactor,
            log,
            settled: Default::default(),
            pace: Default::default(),
        }
    }

    /// The same, logging to `log` (a client of its own: the log is the client's).
    pub fn with_log(&self, log: Option<Log>) -> Connect {
        Connect::new(self.gateway.clone(), self.redactor.clone(), log)
    }

    /// Opens a session on the shared client; the first one settles the API version on the way
    /// (`Session::open_settling`), and clones wait for it rather than settling it again.
    async fn open_session(&self) -> Result<Session, CliError> {
        let properties = &self.gateway.session_properties;
        let mut settled = self.settled.lock().await;
        if let Some(client) = settled.as_ref() {
            let client = client.clone();
            drop(settled);
            return Session::open(client, properties).await;
        }
        let client = gateway::Client::new(&self.gateway, self.redactor.clone(), self.log.clone())?;
        let session = Session::open_settling(client, properties).await?;
        *settled = Some(session.client().clone());
        Ok(session)
    }
}

/// Asks a run to stop; the exit code says why (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
#[derive(Clone)]
pub struct Canceller(Arc<watch::Sender<Option<Exit>>>);

/// The run's side of a `Canceller`: cheap to clone, checked at every wait.
#[derive(Clone)]
pub struct Cancel(watch::Receiver<Option<Exit>>);

/// A connected pair: give the `Cancel` to the run, keep the `Canceller`.
pub fn cancellation() -> (Canceller, Cancel) {
    let (tx, rx) = watch::channel(None);
    (Canceller(Arc::new(tx)), Cancel(rx))
}

impl Canceller {
    /// Requests cancellation; the first request decides the exit code. Returns whether this was
    /// the first (a caller may treat a second one as "quit now").
    pub fn cancel(&self, exit: Exit) -> bool {
        self.0.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(exit);
            true
        })
    }

    /// Arms it again once the cancelled statement has ended: the next request cancels the next
    /// statement. (A prompt does this after every statement; a batch never does.)
    pub fn rearm(&self) {
        self.0.send_replace(None);
    }
}

impl Cancel {
    /// A `Cancel` that never fires.
    pub fn never() -> Cancel {
        let (_, rx) = watch::channel(None);
        Cancel(rx)
    }

    /// The exit code of a cancellation already requested.
    pub fn requested(&self) -> Option<Exit> {
        *self.0.borrow()
    }

    /// Resolves when cancellation is requested (at once if it already was).
    pub async fn wait(&self) -> Exit {
        let mut rx = self.0.clone();
        let exit = rx.wait_for(Option::is_some).await.ok().and_then(|v| *v);
        match exit {
            Some(exit) => exit,
            None => std::future::pending().await,
        }
    }
}

/// One session and the options its statements run with: `open`, `run` one statement at a time
/// (each emits its events, `started` to `finished`, into the sink it is given), `close`. What
/// follows a statement (the next, a skip, a summary) is the caller's business.
pub struct Runner {
    session: Session,
    opts: RunOptions,
    /// What the statements learned of how soon results are ready; shared by the runners opened
    /// from clones of one `Connect` (`check` runs a file per session, side by side).
    pace: Arc<Pace>,
    /// How the session was opened: `reopen` opens the next one the same way.
    connect: Option<Connect>,
    /// The session-scoped statements run so far, for a new session to replay.
    journal: std::sync::Mutex<Journal>,
}

/// The run cannot go on in this session, and no statement is to blame: the gateway forgot the
/// session (a restart), cannot be reached, or answered in a way we cannot use. Exit 3.
#[derive(Debug)]
pub struct Broken {
    pub error: CliError,
    /// The session is gone or the gateway unreachable: a new session may carry on (`--reconnect`).
    pub gone: bool,
    /// The statement reached the gateway: it may have run (so it is never sent again).
    pub sent: bool,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error.message)
    }
}

impl std::error::Error for Broken {}

impl Broken {
    fn from_gateway(e: Error, sent: bool) -> Broken {
        let gone = match &e {
            Error::Server(s) => s.is_session_lost(),
            Error::Unreachable(_) => true,
            Error::Connection(_) | Error::NoReply(_) => false,
        };
        Broken {
            error: session_error(e),
            gone,
            sent,
        }
    }
}

/// What `Runner::open` came to.
#[allow(clippy::large_enum_variant)] // one per session; boxing would buy nothing
pub enum Opened {
    Ready(Runner),
    /// A signal came before the session was open: nothing was sent.
    Cancelled(Exit),
}

impl Runner {
    /// Checks the JobManager `--wait` needs, then connects; connecting is bounded by `--timeout`.
    pub async fn open(
        connect: &Connect,
        opts: RunOptions,
        cancel: &Cancel,
    ) -> Result<Opened, CliError> {
        if let Some(exit) = preflight(&opts, cancel).await? {
            return Ok(Opened::Cancelled(exit));
        }
        let connecting = tokio::time::timeout(opts.timeout, connect.open_session());
        let session = tokio::select! {
            s = connecting => s.map_err(|_| connect_timeout(opts.timeout))??,
            exit = cancel.wait() => return Ok(Opened::Cancelled(exit)),
        };
        let mut runner = Runner::new(session, opts);
        runner.connect = Some(connect.clone());
        runner.pace = connect.pace.clone();
        Ok(Opened::Ready(runner))
    }

    /// A runner over a session opened elsewhere (it cannot `reopen`).
    pub fn new(session: Session, opts: RunOptions) -> Runner {
        Runner {
            session,
            opts,
            pace: Default::default(),
            connect: None,
            journal: Default::default(),
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn options(&self) -> &RunOptions {
        &self.opts
    }

    /// Runs one statement to its end: submit, stream the result into `sink`, release the
    /// operation, wait for its job if `--wait` asks. `cancel` stops this statement only; an `Err`
    /// is a problem with the session or the gateway, not with the statement.
    pub async fn run(
        &self,
        stmt: &Statement,
        sink: &mut dyn Sink,
        cancel: &Cancel,
    ) -> anyhow::Result<Outcome> {
        let layout = self.with_layout(stmt, cancel).await;
        let opts = layout.as_ref().unwrap_or(&self.opts);
        let outcome = run_statement(&self.session, stmt, opts, &self.pace, sink, cancel).await?;
        if outcome.status == Status::Ok {
            self.journal().record(stmt);
        }
        sink.finished(stmt, &outcome)?;
        Ok(outcome)
    }

    /// The options to run `stmt` with when its stamp asks for the state layout: the statement
    /// explained first in this session, the layout added to its global job parameters. `None`
    /// (run as stamped) when it asks for none, or when the EXPLAIN gives none: the job then
    /// carries no layout, and an upgrade verdict for it is `unknown`.
    async fn with_layout(&self, stmt: &Statement, cancel: &Cancel) -> Option<RunOptions> {
        use crate::check::upgrade;
        let tables = self.opts.stamps.get(&stmt.index)?.layout.as_ref()?;
        let plan = upgrade::explain(stmt);
        let mut capture = crate::check::live::Capture::default();
        // Best effort: a gateway problem here is the job statement's to meet and report.
        let outcome = run_statement(
            &self.session,
            &plan,
            &self.opts,
            &self.pace,
            &mut capture,
            cancel,
        )
        .await;
        let layout = match outcome {
            Ok(o) if o.status == Status::Ok => upgrade::Layout::from_explain(&capture.text, tables),
            _ => None,
        };
        let layout = layout?;
        let mut stamps = (*self.opts.stamps).clone();
        if let Some(stamp) = stamps.get_mut(&stmt.index) {
            upgrade::add_to_params(&mut stamp.config, &layout);
        }
        let mut opts = self.opts.clone();
        opts.stamps = Arc::new(stamps);
        Some(opts)
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a new session would replay `stmt` (it changes only the session).
    pub fn is_session_scoped(&self, stmt: &Statement) -> bool {
        self.journal().keeps(stmt)
    }

    /// Runs a session-scoped statement silently, for a session that must stand where an earlier
    /// one stood (`--from-statement`): nothing reaches a sink, a failure is an error.
    pub async fn replay(&self, stmt: &Statement, cancel: &Cancel) -> anyhow::Result<()> {
        let outcome = run_statement(
            &self.session,
            stmt,
            &self.opts,
            &self.pace,
            &mut Discard,
            cancel,
        )
        .await?;
        match (outcome.status, outcome.failure) {
            (Status::Ok, _) => {
                self.journal().record(stmt);
                Ok(())
            }
            (_, failure) => Err(replay_failed(stmt, failure).into()),
        }
    }

    /// Opens a new session the way this one was opened, waiting (up to `--timeout`, or a
    /// signal) for a gateway that is restarting, then replays the journal in it. The old session
    /// is dropped without a DELETE: the gateway no longer knows it. Returns the statements replayed.
    pub async fn reopen(&mut self, cancel: &Cancel) -> anyhow::Result<Vec<Statement>> {
        let connect = self.connect.clone().ok_or_else(|| {
            CliError::connection("this session cannot be reopened (it was opened elsewhere)")
        })?;
        let session = tokio::select! {
            s = tokio::time::timeout(self.opts.timeout, reconnect(&connect)) => {
                s.map_err(|_| reconnect_timeout(self.opts.timeout))??
            }
            exit = cancel.wait() => return Err(CliError::new(exit, "interrupted while reconnecting").into()),
        };
        std::mem::replace(&mut self.session, session).forget();
        let journal = std::mem::take(&mut *self.journal());
        for stmt in journal.statements() {
            self.replay(stmt, cancel).await?;
        }
        Ok(journal.statements().to_vec())
    }

    /// Deletes the session, bounded by `CLEANUP_LIMIT`. A signal that arrives meanwhile (and
    /// did not start this clean-up) ends it at once: its exit code is returned.
    pub async fn close(self, cancel: &Cancel) -> Option<Exit> {
        close_session(self.session, cancel).await
    }

    /// The session, for a caller that closes it itself.
    pub fn into_session(self) -> Session {
        self.session
    }
}

/// Tries to open a session until one opens or something other than an unreachable gateway
/// goes wrong.
async fn reconnect(connect: &Connect) -> Result<Session, CliError> {
    loop {
        let (redactor, log) = (connect.redactor.clone(), connect.log.clone());
        match gateway::connect(&connect.gateway, redactor, log).await {
            Ok(session) => return Ok(session),
            Err(e) if e.exit == Exit::Connection => {
                if let Some(log) = &connect.log {
                    log(&format!("reconnecting: {e}"));
                }
                sleep(RECONNECT_EVERY).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn reconnect_timeout(timeout: Duration) -> CliError {
    CliError::connection(format!(
        "the gateway did not come back within {} (--timeout)",
        humantime::format_duration(timeout)
    ))
}

fn replay_failed(stmt: &Statement, failure: Option<Failure>) -> CliError {
    let why = failure.map_or_else(|| "it did not finish".to_owned(), |f| f.message);
    CliError::new(
        Exit::StatementFailed,
        format!(
            "replaying statement {} ({}:{}:{}) in the new session failed: {why}",
            stmt.index, stmt.file, stmt.pos.line, stmt.pos.column
        ),
    )
}

/// A sink for replayed statements: their results were shown when they first ran.
struct Discard;
impl Sink for Discard {}

/// `--wait running|finished` watches jobs on the JobManager: one that cannot be reached is found
/// before anything is sent (exit 3). `Some(exit)` when a signal came first.
async fn preflight(opts: &RunOptions, cancel: &Cancel) -> Result<Option<Exit>, CliError> {
    let Some(jm) = opts
        .jobmanager
        .as_ref()
        .filter(|_| opts.wait != WaitFor::Submitted)
    else {
        return Ok(None);
    };
    tokio::select! {
        checked = jm.check() => checked.map(|()| None).map_err(|e| {
            e.with_hint("--wait running|finished follows jobs on the JobManager; nothing was sent to the gateway")
        }),
        exit = cancel.wait() => Ok(Some(exit)),
    }
}

fn connect_timeout(timeout: Duration) -> CliError {
    CliError::new(
        Exit::Timeout,
        format!(
            "timed out after {} connecting to the gateway; no statement was sent",
            humantime::format_duration(timeout)
        ),
    )
}

async fn close_session(session: Session, cancel: &Cancel) -> Option<Exit> {
    let http = session.client().http().clone();
    let stop = Stop::new(cancel);
    let id = session.id().0.clone();
    match session.close_within(CLEANUP_LIMIT, stop.wait()).await {
        Ok(()) => None,
        Err(e) => {
            http.log(&format!(
                "closing session {id} failed: {e}; the gateway expires it after its idle timeout"
            ));
            matches!(e, gateway::CloseError::Abandoned)
                .then(|| cancel.requested())
                .flatten()
        }
    }
}

/// How a statement ended.
#[derive(Debug)]
enum End {
    /// The result was read to its end (and the job reached what `--wait` asked for).
    Done,
    Stopped(StopReason),
    Failed(Failure),
    /// The sink refused the rows (a `--materialize` table at its limit): failed, and the
    /// operation is cancelled like a stopped one.
    Refused(String),
    TimedOut,
    Interrupted,
}

/// What the sink gets from this statement's result, decided by its first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unknown,
    /// Columns and rows (queries, SHOW, DESCRIBE, EXPLAIN, bare SET).
    Rows {
        query: bool,
    },
    /// The lone `OK` of SET, RESET, DDL: nothing, like Flink's "Execute statement succeeded."
    Silent,
    /// INSERT / statement set: the job id, not the row that repeats it.
    Job,
}

async fn run_statement(
    session: &Session,
    stmt: &Statement,
    opts: &RunOptions,
    pace: &Pace,
    sink: &mut dyn Sink,
    cancel: &Cancel,
) -> anyhow::Result<Outcome> {
    sink.started(stmt)?;
    let clock = Instant::now();
    let mut st = StatementRun::new(session, stmt, opts, pace, clock);
    let deadline = st.deadline();
    // Raced against cancellation and the timeout: without the operation's handle, the pinned
    // job id still finds the job, and the session's delete closes the operation.
    let submitted = tokio::select! {
        op = st.send() => op,
        _ = cancel.wait() => return Ok(st.stopped_before_submitted(End::Interrupted, cancel).await),
        _ = tokio::time::sleep_until(deadline) => {
            return Ok(st.stopped_before_submitted(End::TimedOut, cancel).await)
        }
    };
    let op = match submitted {
        Ok(Some(op)) => op,
        Ok(None) => return Ok(st.outcome(End::Done)),
        Err(Error::Server(e)) if !e.is_session_lost() => {
            return Ok(failed_outcome(stmt, e, clock.elapsed()))
        }
        Err(Error::NoReply(e)) => {
            let error = st.lost_reply(e, cancel).await;
            return Err(Broken {
                error,
                gone: false,
                sent: true,
            }
            .into());
        }
        Err(e) => return Err(Broken::from_gateway(e, false).into()),
    };
    st.op = Some(op);
    st.posted = Instant::now();
    let end = st.drive(sink, cancel).await?;
    Ok(st.outcome(end))
}

/// The statement may start a job (and so gets a pinned job id). `Other` covers `CALL`,
/// `ANALYZE` and the like, which may.
fn may_start_job(stmt: &Statement) -> bool {
    stmt.kind.starts_job() || stmt.kind.is_query() || stmt.kind == crate::script::Kind::Other
}

/// An error no statement is to blame for: exit 3, with a hint when the session is gone.
fn session_error(e: Error) -> CliError {
    let lost = matches!(&e, Error::Server(s) if s.is_session_lost());
    let err = e.into_cli();
    if lost {
        err.with_hint("the gateway no longer knows this session: was it restarted, or was the session idle too long?")
    } else {
        err
    }
}

fn failed_outcome(stmt: &Statement, e: ServerError, elapsed: Duration) -> Outcome {
    let mut outcome = Outcome::new(Status::Failed, elapsed);
    outcome.failure = Some(failure(stmt, e));
    outcome
}

/// A server error as a statement failure, its position mapped back into the source file.
fn failure(stmt: &Statement, e: ServerError) -> Failure {
    let pos = e
        .line_col
        .map(|(line, column)| stmt.source_pos(line, column));
    Failure {
        message: e.message,
        pos,
        detail: Some(e.detail),
    }
}

/// The next result page, fetched in a task of its own while the current one is rendered.
/// Dropping it (a stop, a cancellation, a timeout) aborts the fetch; the operation is then
/// cancelled and closed as always (`StatementRun::release`).
struct Ahead(tokio::task::JoinHandle<Result<Page, Error>>);

impl Ahead {
    fn start(session: &Session, path: String) -> Ahead {
        let client = session.client().clone();
        Ahead(tokio::spawn(async move { client.fetch(&path).await }))
    }

    async fn page(mut self) -> Result<Page, Error> {
        match (&mut self.0).await {
            Ok(page) => page,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => unreachable!("a fetch ahead is only aborted when dropped: {e}"),
        }
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One statement in flight.
struct StatementRun<'a> {
    session: &'a Session,
    stmt: &'a Statement,
    opts: &'a RunOptions,
    /// Known once the gateway answered the POST.
    op: Option<OperationId>,
    /// The job id the statement's job gets, if it may start one.
    pinned: Option<String>,
    clock: Instant,
    /// When the gateway answered the POST; the first page is asked for from then on.
    posted: Instant,
    /// How soon to ask again for the first page (a runner's statements share what it learned).
    pace: &'a Pace,
    mode: Mode,
    rows: u64,
    job_id: Option<String>,
    job_state: Option<String>,
    /// What the clean-up after a stop did and learned, for the statement's message.
    notes: Vec<String>,
}

impl<'a> StatementRun<'a> {
    fn new(
        session: &'a Session,
        stmt: &'a Statement,
        opts: &'a RunOptions,
        pace: &'a Pace,
        clock: Instant,
    ) -> Self {
        StatementRun {
            session,
            stmt,
            opts,
            op: None,
            pinned: may_start_job(stmt).then(|| {
                opts.stamps
                    .get(&stmt.index)
                    .and_then(|s| s.job_id.clone())
                    .unwrap_or_else(jobmanager::fresh_job_id)
            }),
            clock,
            posted: clock,
            pace,
            mode: Mode::Unknown,
            rows: 0,
            job_id: None,
            job_state: None,
            notes: Vec::new(),
        }
    }

    /// When `--timeout` runs out for this statement. Settings keep the timeout within a year;
    /// a caller passing more gets a year rather than an overflow.
    fn deadline(&self) -> tokio::time::Instant {
        const A_YEAR: Duration = Duration::from_secs(365 * 24 * 3600);
        tokio::time::Instant::from_std(self.clock) + self.opts.timeout.min(A_YEAR)
    }

    /// Sends the statement: the operation to follow, or `None` when it already ran (a statement
    /// that only configures the session, run in one call where the gateway can).
    async fn send(&self) -> Result<Option<OperationId>, Error> {
        let sql = &self.stmt.sql;
        if self.session.client().can_configure_session() && Kind::configures_session(sql) {
            match self.session.configure(sql).await {
                // Refused for its kind before anything ran (another Flink version's list):
                // submitted as any statement is.
                Err(Error::Server(e)) if e.is_unsupported_configure() => {
                    self.log(&format!(
                        "configure-session refused it ({}); submitting it",
                        e.message
                    ));
                }
                done => return done.map(|()| None),
            }
        }
        self.submit().await.map(Some)
    }

    async fn submit(&self) -> Result<OperationId, Error> {
        let stamp = self
            .opts
            .stamps
            .get(&self.stmt.index)
            .map_or(&[][..], |s| &s.config[..]);
        match &self.pinned {
            Some(job_id) => {
                let mut extra = stamp.to_vec();
                extra.extend(self.masked_job_name(stamp).await);
                self.session
                    .submit_stamped(&self.stmt.sql, job_id, &extra)
                    .await
            }
            None => self.session.submit(&self.stmt.sql).await,
        }
    }

    /// Flink names a job that has no `pipeline.name` after its SQL, and shows that name in its
    /// web UI, its REST API and its logs: a secret substituted into the statement would be kept
    /// there. Such a statement's job gets the same name with the secrets masked. A name the
    /// session sets (SET, a session property) or the stamp gives still wins; when the session's
    /// configuration cannot be read, the masked name is used (never the secret).
    async fn masked_job_name(&self, stamp: &[(String, String)]) -> Option<(String, String)> {
        let client = self.session.client();
        let masked = match client.redactor().redact(&self.stmt.sql) {
            std::borrow::Cow::Borrowed(_) => return None,
            std::borrow::Cow::Owned(masked) => masked,
        };
        if stamp.iter().any(|(k, _)| k == PIPELINE_NAME) {
            return None;
        }
        match client.session_config(self.session.id()).await {
            Ok(config) if config.contains_key(PIPELINE_NAME) => None,
            _ => Some((PIPELINE_NAME.to_owned(), masked)),
        }
    }

    /// A stop while the statement's POST was in flight: the gateway may have it (and may start
    /// its job), so the job is looked for as after any stop before the job was known.
    async fn stopped_before_submitted(&mut self, end: End, cancel: &Cancel) -> Outcome {
        self.notes
            .push("the gateway had not answered the statement's POST".to_owned());
        self.settle_job(cancel, true).await;
        self.outcome(end)
    }

    /// The answer to the statement's POST was lost: it may have run. It is not sent again; the
    /// message says what the JobManager knows of its job, and how to check.
    async fn lost_reply(&mut self, e: CliError, cancel: &Cancel) -> CliError {
        self.settle_job(cancel, false).await;
        let message = self.with_notes(format!("{}; the statement may have run", e.message));
        let mut err = CliError::new(e.exit, message);
        err.hints = e.hints;
        err.with_hint(self.how_to_check())
    }

    fn how_to_check(&self) -> String {
        match (&self.pinned, &self.opts.jobmanager) {
            (Some(id), Some(jm)) => format!(
                "check its job: GET {}/jobs/{id} (or SHOW JOBS in a session)",
                crate::gateway::without_password(jm.url())
            ),
            (Some(id), None) => format!("check for job {id} with SHOW JOBS or in the Flink UI"),
            (None, _) => "check the effect of the statement before running it again".to_owned(),
        }
    }

    /// Reads the result (racing cancellation and `--timeout`), releases the operation, then
    /// waits for the job when `--wait` asks for it (racing the same two).
    async fn drive(&mut self, sink: &mut dyn Sink, cancel: &Cancel) -> anyhow::Result<End> {
        let deadline = self.deadline();
        let end = tokio::select! {
            end = self.fetch_all(sink) => end,
            _ = cancel.wait() => Ok(End::Interrupted),
            _ = tokio::time::sleep_until(deadline) => Ok(End::TimedOut),
        };
        self.release(&end, cancel).await;
        if matches!(end, Ok(End::Interrupted | End::TimedOut)) && self.mode == Mode::Unknown {
            self.settle_job(cancel, true).await;
        }
        let end = match end {
            Err(e) => return Err(self.orphan_query(e, cancel).await),
            Ok(end) => end,
        };
        match end {
            End::Done if self.job_id.is_some() && self.opts.wait != WaitFor::Submitted => {
                Ok(tokio::select! {
                    end = self.wait_for_job() => end?,
                    _ = cancel.wait() => End::Interrupted,
                    _ = tokio::time::sleep_until(deadline) => End::TimedOut,
                })
            }
            end => Ok(end),
        }
    }

    /// Follows the result from page 0 to its end, streaming rows into the sink page by page.
    /// While a page's rows go into the sink, the next page is already being fetched (one page
    /// ahead at most, so memory stays bounded); a stop drops that fetch.
    async fn fetch_all(&mut self, sink: &mut dyn Sink) -> anyhow::Result<End> {
        let op = self.op.clone().expect("fetched only once submitted");
        let mut path = self.session.first_page(&op);
        let mut ahead: Option<Ahead> = None;
        let mut quiet_since = self.clock;
        let mut asks = 0u32;
        let mut not_ready_until = None;
        self.pause_for_first_page(self.pace.first_ask(Class::of(self.stmt)))
            .await;
        loop {
            asks += 1;
            let asked = self.posted.elapsed();
            let page = match ahead.take() {
                Some(ahead) => ahead.page().await,
                None => self.session.fetch(&path).await,
            };
            let page = match page {
                Ok(page) => page,
                Err(Error::Server(e)) if !e.is_session_lost() => {
                    return Ok(End::Failed(failure(self.stmt, e)))
                }
                Err(e) => return Err(Broken::from_gateway(e, true).into()),
            };
            let (result_type, next) = (page.result_type, page.next.clone());
            if result_type == ResultType::NotReady {
                not_ready_until = Some(self.posted.elapsed());
            } else if self.mode == Mode::Unknown {
                let ready = became_ready(not_ready_until, asked);
                self.pace.ready(Class::of(self.stmt), ready, asks == 1);
                self.mode = self.decide(&page, sink)?;
            }
            if let Some(next) = next.as_ref().filter(|_| self.worth_fetching_ahead(&page)) {
                ahead = Some(Ahead::start(self.session, next.clone()));
            }
            let brought = page.rows.len();
            if let Err(e) = self.emit(page.rows, sink, ahead.is_some()).await {
                return match Refusal::of(&e) {
                    Some(refusal) => Ok(End::Refused(refusal.to_string())),
                    None => Err(e.into()),
                };
            }
            if let Some(reason) = self.stop_reason() {
                return Ok(End::Stopped(reason));
            }
            match (result_type, next) {
                (ResultType::Eos, _) | (ResultType::Payload, None) => return Ok(End::Done),
                // The lone `OK` or the job id is all such a result ever holds: fetching its EOS
                // page would only add a round trip per statement.
                (ResultType::Payload, Some(_)) if matches!(self.mode, Mode::Silent | Mode::Job) => {
                    return Ok(End::Done)
                }
                (ResultType::Payload, Some(next)) => path = next,
                // NOT_READY: the same token again.
                (ResultType::NotReady, _) => {}
            }
            if brought > 0 {
                quiet_since = Instant::now();
            } else if self.mode == Mode::Unknown {
                self.pause_for_first_page(self.first_page_pause()).await;
            } else {
                self.pause(pause_after(quiet_since.elapsed())).await;
            }
        }
    }

    /// The pause before asking again for a first page that was not ready.
    fn first_page_pause(&self) -> Duration {
        self.pace.pause(Class::of(self.stmt), self.posted.elapsed())
    }

    /// A page that brought rows is likely followed by more at once; an empty one is followed
    /// by a pause instead. Nothing is fetched past `--max-rows`.
    fn worth_fetching_ahead(&self, page: &Page) -> bool {
        let below_max = match (self.opts.max_rows, self.mode) {
            (Some(max), Mode::Rows { query: true }) => self.rows + (page.rows.len() as u64) < max,
            _ => true,
        };
        page.result_type == ResultType::Payload
            && matches!(self.mode, Mode::Rows { .. })
            && !page.rows.is_empty()
            && below_max
    }

    /// Sleeps `pause`, but never past `--max-wait`.
    async fn pause(&self, mut pause: Duration) {
        if let (Some(max), Mode::Rows { query: true }) = (self.opts.max_wait, self.mode) {
            pause = pause.min(max.saturating_sub(self.clock.elapsed()));
        }
        if !pause.is_zero() {
            sleep(pause).await;
        }
    }

    /// Sleeps before asking (again) for the first page: to the µs (`pace::sleep`) for a statement
    /// whose result is ready about a millisecond after its POST. A query's first rows come with
    /// its job's start, tens of ms away: it keeps the runtime's timer, and no thread of the
    /// blocking pool runs beside its rows.
    async fn pause_for_first_page(&self, pause: Duration) {
        if Class::of(self.stmt) == Class::Query {
            self.pause(pause).await;
        } else {
            pace::sleep(pause).await;
        }
    }

    fn decide(&mut self, page: &Page, sink: &mut dyn Sink) -> std::io::Result<Mode> {
        match &page.job_id {
            // A SELECT carries a job id too (v2+); only a non-query's job is "submitted".
            Some(job) if page.is_query != Some(true) => {
                self.job_id = Some(job.clone());
                sink.job_submitted(self.stmt, job)?;
                Ok(Mode::Job)
            }
            _ if !page.with_content => Ok(Mode::Silent),
            _ => {
                sink.columns(self.stmt, &page.columns)?;
                Ok(Mode::Rows {
                    query: page.is_query.unwrap_or(true),
                })
            }
        }
    }

    /// Hands a page's rows to the sink (up to `--max-rows`). With a fetch ahead in flight they
    /// go in chunks, yielding between them, so that the fetch makes progress meanwhile (the
    /// runtime has one thread).
    async fn emit(
        &mut self,
        mut rows: Vec<Row>,
        sink: &mut dyn Sink,
        ahead: bool,
    ) -> std::io::Result<()> {
        let Mode::Rows { query } = self.mode else {
            return Ok(());
        };
        if let (Some(max), true) = (self.opts.max_rows, query) {
            rows.truncate(usize::try_from(max.saturating_sub(self.rows)).unwrap_or(usize::MAX));
        }
        if rows.is_empty() && query {
            return sink.quiet(self.stmt);
        }
        let chunk = if ahead { EMIT_CHUNK } else { rows.len().max(1) };
        for part in rows.chunks(chunk) {
            sink.rows(self.stmt, part)?;
            self.rows += part.len() as u64;
            if ahead {
                tokio::task::yield_now().await;
            }
        }
        Ok(())
    }

    /// `--max-rows` / `--max-wait` apply to queries only.
    fn stop_reason(&self) -> Option<StopReason> {
        if self.mode != (Mode::Rows { query: true }) {
            return None;
        }
        if let Some(max) = self.opts.max_rows.filter(|&m| self.rows >= m) {
            return Some(StopReason::MaxRows(max));
        }
        self.opts
            .max_wait
            .filter(|&w| self.clock.elapsed() >= w)
            .map(StopReason::MaxWait)
    }

    /// Cancels the operation unless it ended by itself, then closes it. An operation that ended
    /// by itself is closed in the background; a stopped one is closed now, since closing is what
    /// cancels a query's job. Each call is bounded and gives way to a signal; what happened goes
    /// into the statement's message (the session's delete sweeps up what is left).
    async fn release(&mut self, end: &anyhow::Result<End>, cancel: &Cancel) {
        let Some(op) = self.op.clone() else {
            return;
        };
        if matches!(end, Ok(End::Done | End::Failed(_))) {
            self.session.close_operation_later(&op);
            return;
        }
        let stop = Stop::new(cancel);
        let cancelled = bounded(&stop, self.session.cancel(&op)).await;
        let note = self.cancel_note(&op, cancelled);
        let closed = bounded(&stop, self.session.close_operation(&op)).await;
        let note = match closed {
            Ok(Ok(_)) => note,
            Ok(Err(e)) => format!("{note}; closing it failed: {}", e.into_cli()),
            Err(cut) => format!("{note}; closing it {cut}"),
        };
        self.log(&format!("operation {}: {note}", op.0));
        self.notes.push(note);
    }

    /// What the answer to the cancel says about the operation.
    fn cancel_note(
        &self,
        op: &OperationId,
        cancelled: Result<Result<String, Error>, Cut>,
    ) -> String {
        match cancelled {
            Ok(Ok(status)) => format!("the operation was cancelled ({status})"),
            // Once a query's rows flow, the gateway calls its operation FINISHED (the job still
            // runs) and refuses to cancel it; closing the operation is what cancels the job.
            Ok(Err(Error::Server(e))) if e.message.contains("from FINISHED to CANCELED") => {
                let why = if self.stmt.kind.is_query() {
                    " (closing a query's operation cancels its job)"
                } else {
                    ""
                };
                format!("the operation had already finished{why}")
            }
            Ok(Err(e)) => format!("cancelling operation {} failed: {}", op.0, e.into_cli()),
            Err(cut) => format!("cancelling operation {} {cut}", op.0),
        }
    }

    /// The gateway broke off a query: nothing will read its rows or close its operation, so its
    /// job (found by the pinned id) is cancelled on the JobManager, and the error says so.
    async fn orphan_query(&mut self, e: anyhow::Error, cancel: &Cancel) -> anyhow::Error {
        if !self.stmt.kind.is_query() {
            return e;
        }
        let mut broken = match e.downcast::<Broken>() {
            Ok(broken) => broken,
            Err(e) => return e,
        };
        self.settle_job(cancel, true).await;
        broken.error.message = self.with_notes(broken.error.message);
        broken.into()
    }

    /// After a stop (or a lost answer) before the gateway named the statement's job: watches the
    /// JobManager for the pinned job id for `FIND_JOB_WINDOW`, and cancels the job if
    /// `cancel_it` (a stop) or only reports it (a lost answer: the user wanted it to run). Only a
    /// job seen on the JobManager becomes the outcome's job; the message names the id either way.
    async fn settle_job(&mut self, cancel: &Cancel, cancel_it: bool) {
        let Some(id) = self.pinned.clone() else {
            return;
        };
        let note = match self.opts.jobmanager.clone() {
            Some(jm) => self.look_for_job(&jm, &id, &Stop::new(cancel), cancel_it).await,
            None => format!(
                "it may have started job {id} (no JobManager URL to check: set FLINK_REST_URL or --jobmanager)"
            ),
        };
        self.log(&note);
        self.notes.push(note);
    }

    async fn look_for_job(
        &mut self,
        jm: &JobManager,
        id: &str,
        stop: &Stop,
        cancel_it: bool,
    ) -> String {
        match bounded_search(stop, jm, id).await {
            Search::Seen(job) => {
                self.job_id = Some(id.to_owned());
                self.job_state = Some(job.state.clone());
                if cancel_it && !job.is_terminal() {
                    self.cancel_job(jm, &job, stop).await
                } else {
                    format!("it started job {id} ({})", job.state)
                }
            }
            Search::NotSeen => format!(
                "no job {id} appeared on the JobManager within {} (if it appears later, it is this statement's)",
                humantime::format_duration(FIND_JOB_WINDOW)
            ),
            Search::Failed(e) => {
                format!("it may have started job {id}; the JobManager could not be asked: {e}")
            }
            Search::Cut(cut) => format!("it may have started job {id}; looking for it {cut}"),
        }
    }

    async fn cancel_job(&mut self, jm: &JobManager, job: &JobDetails, stop: &Stop) -> String {
        let (id, state) = (&job.jid, &job.state);
        match bounded(stop, jm.cancel(id)).await {
            Ok(Ok(())) => {
                self.job_state = Some("CANCELLING".to_owned());
                format!("it started job {id} anyway, which was cancelled")
            }
            Ok(Err(e)) => format!("it started job {id} ({state}); cancelling it failed: {e}"),
            Err(cut) => format!("it started job {id} ({state}); cancelling it {cut}"),
        }
    }

    /// Polls the JobManager until the job reaches what `--wait` asked for, or fails.
    async fn wait_for_job(&mut self) -> Result<End, CliError> {
        let (Some(jm), Some(id)) = (&self.opts.jobmanager, self.job_id.clone()) else {
            return Ok(End::Done);
        };
        let mut delay = JOB_POLL_FIRST;
        loop {
            if let Some(job) = jm.job(&id).await? {
                self.job_state = Some(job.state.clone());
                if reached(&job, self.opts.wait) {
                    return Ok(End::Done);
                }
                if gave_up(&job) {
                    return Ok(End::Failed(job_failure(jm, &job).await?));
                }
            }
            sleep(delay).await;
            delay = (delay * 2).min(JOB_POLL_MAX);
        }
    }

    fn outcome(&self, end: End) -> Outcome {
        let mut o = Outcome::new(Status::Ok, self.clock.elapsed());
        o.rows = self.rows;
        o.job_id = self.job_id.clone();
        o.job_state = self.job_state.clone();
        match end {
            End::Done => {}
            End::Stopped(reason) => o.stopped = Some(reason),
            End::Failed(f) => (o.status, o.failure) = (Status::Failed, Some(f)),
            End::Refused(message) => {
                let failure = Failure {
                    message: self.with_notes(message),
                    pos: None,
                    detail: None,
                };
                (o.status, o.failure) = (Status::Failed, Some(failure))
            }
            End::TimedOut => {
                (o.status, o.failure) = (Status::TimedOut, Some(self.timeout_failure()))
            }
            End::Interrupted => {
                o.status = Status::Interrupted;
                if !self.notes.is_empty() {
                    o.failure = Some(Failure {
                        message: self.with_notes("interrupted".to_owned()),
                        pos: None,
                        detail: None,
                    });
                }
            }
        }
        o
    }

    fn timeout_failure(&self) -> Failure {
        let after = humantime::format_duration(self.opts.timeout);
        let message = match (&self.job_id, &self.job_state, self.notes.is_empty()) {
            (Some(id), Some(state), true) => {
                format!("timed out after {after} waiting for job {id} (last seen {state})")
            }
            (Some(id), None, true) => format!("timed out after {after} waiting for job {id}"),
            _ => self.with_notes(format!("timed out after {after}")),
        };
        Failure {
            message,
            pos: None,
            detail: None,
        }
    }

    /// `head`, then what the clean-up did and learned.
    fn with_notes(&self, head: String) -> String {
        self.notes
            .iter()
            .fold(head, |message, note| format!("{message}; {note}"))
    }

    fn log(&self, line: &str) {
        self.session.client().http().log(line);
    }
}

/// The job is where `--wait` wants it. A job that finished also "ran".
fn reached(job: &JobDetails, wait: WaitFor) -> bool {
    match wait {
        WaitFor::Submitted => true,
        WaitFor::Running => job.all_vertices_running() || job.state == "FINISHED",
        WaitFor::Finished => job.state == "FINISHED",
    }
}

/// The job will not get there. FAILING and RESTARTING are not final: a restart strategy may
/// bring the job back, so they are waited out (up to the timeout).
fn gave_up(job: &JobDetails) -> bool {
    job.is_terminal() || job.state == "CANCELLING"
}

async fn job_failure(jm: &JobManager, job: &JobDetails) -> Result<Failure, CliError> {
    let cause = jm.root_exception(&job.jid).await?;
    let message = match &cause {
        Some(c) => format!("job {} {}: {}", job.jid, job.state, c.message),
        None => format!("job {} {}", job.jid, job.state),
    };
    Ok(Failure {
        message,
        pos: None,
        detail: cause.map(|c| c.detail),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_cancel_decides_the_exit_code() {
        let (canceller, cancel) = cancellation();
        assert_eq!(cancel.requested(), None);
        canceller.cancel(Exit::Terminated);
        canceller.cancel(Exit::Interrupted);
        assert_eq!(cancel.wait().await, Exit::Terminated);
        assert_eq!(cancel.requested(), Some(Exit::Terminated));
    }

    #[tokio::test]
    async fn a_rearmed_canceller_cancels_the_next_statement() {
        let (canceller, cancel) = cancellation();
        assert!(canceller.cancel(Exit::Interrupted));
        canceller.rearm();
        assert_eq!(cancel.requested(), None, "the next statement runs");
        assert!(canceller.cancel(Exit::Interrupted), "a first request again");
        assert_eq!(cancel.wait().await, Exit::Interrupted);
    }

    #[tokio::test]
    async fn never_never_fires() {
        let cancel = Cancel::never();
        let waited = tokio::time::timeout(Duration::from_millis(20), cancel.wait()).await;
        assert!(waited.is_err());
    }

    fn pause_ms(quiet_ms: u64) -> u128 {
        pause_after(Duration::from_millis(quiet_ms)).as_millis()
    }

    #[test]
    fn a_result_quiet_for_10_ms_is_asked_again_at_once() {
        assert_eq!(pause_ms(0), 0);
        assert_eq!(pause_ms(10), 0);
    }

    #[test]
    fn pauses_grow_with_the_quiet_time() {
        assert_eq!(pause_ms(11), 1);
        assert_eq!(pause_ms(100), 1);
        assert_eq!(pause_ms(101), 5);
        assert_eq!(pause_ms(1_000), 5);
        assert_eq!(pause_ms(1_001), 50);
        assert_eq!(pause_ms(5_000), 50);
    }

    #[test]
    fn a_long_quiet_result_is_polled_every_250_ms() {
        assert_eq!(pause_ms(5_001), 250);
        assert_eq!(pause_ms(3_600_000), 250);
    }
}
