//! The SQL Gateway REST client: one async fn per endpoint, plus the session that owns a run.
//!
//! Everything that leaves this module is redacted: the gateway echoes SQL (and so secrets) back
//! in its exceptions.

pub mod errors;
mod http;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};

pub use errors::ServerError;
pub use http::{without_password, Error, Http, Log, Retry, Target, MAX_ANSWER_BYTES, RETRY_DELAYS};
pub use wire::ResultType;

use crate::error::CliError;
use crate::model::{Column, Row};
use crate::secrets::Redactor;

/// How often the background task tells the gateway the session is alive: well inside the
/// default idle timeout (10 min) and any sane deployment's.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);

/// What a user who cannot reach the gateway should check first.
pub const GATEWAY_HINT: &str =
    "is the gateway running? (scripts/stack.sh status; SQL_GATEWAY_URL or --gateway)";

/// The (internal) option that fixes the id of the job a statement submits; Flink's gateway tests
/// use it, and Flink 2.0 honours it in a statement's `executionConfig` (checked on the live stack).
pub const PINNED_JOB_ID: &str = "$internal.pipeline.job-id";

/// REST API versions we speak, oldest first (Flink 1.16, 1.17, 1.20, 2.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V1,
    V2,
    V3,
    V4,
}

impl Version {
    /// The newest version we speak: a session is first asked for at this one
    /// ([`Session::open_settling`]).
    pub const NEWEST: Version = Version::V4;

    /// The enum name the gateway uses in `/api_versions`.
    pub fn from_name(name: &str) -> Option<Version> {
        match name.to_ascii_uppercase().as_str() {
            "V1" => Some(Version::V1),
            "V2" => Some(Version::V2),
            "V3" => Some(Version::V3),
            "V4" => Some(Version::V4),
            _ => None,
        }
    }

    /// The URL path segment, e.g. `/v2`.
    pub fn path(self) -> &'static str {
        match self {
            Version::V1 => "/v1",
            Version::V2 => "/v2",
            Version::V3 => "/v3",
            Version::V4 => "/v4",
        }
    }

    /// From v2 on, fetching a result without `rowFormat` is a 400.
    pub fn needs_row_format(self) -> bool {
        self >= Version::V2
    }
}

/// Picks the newest version both sides know; `None` when there is none.
pub fn pick_version(offered: &[String]) -> Option<Version> {
    offered.iter().filter_map(|v| Version::from_name(v)).max()
}

/// A session handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionId(pub String);

/// An operation (statement) handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationId(pub String);

/// One page of a result, converted to model types.
#[derive(Debug)]
pub struct Page {
    pub result_type: ResultType,
    /// v2+: whether this is a query's result (a SELECT also carries a job id).
    pub is_query: Option<bool>,
    pub job_id: Option<String>,
    /// `false` for `SUCCESS` (DDL, SET: a lone `OK` row); `true` when unknown (v1).
    pub with_content: bool,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// The path of the next page (server-absolute, without our base); `None` at the end.
    pub next: Option<String>,
}

impl From<wire::ResultPage> for Page {
    fn from(p: wire::ResultPage) -> Page {
        let results = p.results.unwrap_or_default();
        let columns: Vec<Column> = results
            .columns
            .into_iter()
            .map(wire::WireColumn::into_column)
            .collect();
        let mut rows: Vec<Row> = results
            .data
            .into_iter()
            .map(wire::WireRow::into_row)
            .collect();
        restore_decimals(&columns, &mut rows);
        Page {
            result_type: p.result_type,
            is_query: p.is_query_result,
            job_id: p.job_id,
            with_content: p.result_kind != Some(wire::ResultKind::Success),
            columns,
            rows,
            next: p.next_result_uri,
        }
    }
}

/// Only columns with a DECIMAL somewhere are touched, so most results cost nothing here.
fn restore_decimals(columns: &[Column], rows: &mut [Row]) {
    for (i, column) in columns
        .iter()
        .enumerate()
        .filter(|(_, c)| wire::has_decimal(&c.data_type.raw))
    {
        for field in rows.iter_mut().filter_map(|r| r.fields.get_mut(i)) {
            wire::restore_field_decimals(field, &column.data_type.raw);
        }
    }
}

/// Where the gateway is and how to talk to it: built by `settings`, known here by no other type.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub url: String,
    /// Extra headers on every request.
    pub headers: Vec<(String, String)>,
    /// A bearer token (a secret).
    pub token: Option<String>,
    pub ca_cert: Option<std::path::PathBuf>,
    /// Properties every session opens with.
    pub session_properties: Vec<(String, String)>,
}

/// A gateway client speaking one API version.
#[derive(Clone)]
pub struct Client {
    http: Http,
    version: Version,
}

impl Client {
    /// Builds a client for the gateway in `settings` (no network yet). Speaks v1 until `negotiate`.
    pub fn new(
        settings: &Config,
        redactor: Redactor,
        log: Option<Log>,
    ) -> Result<Client, CliError> {
        let target = Target {
            base: settings.url.trim_end_matches('/').to_owned(),
            headers: settings.headers.clone(),
            token: settings.token.clone(),
            ca_cert: settings.ca_cert.clone(),
            what: "gateway",
            hint: GATEWAY_HINT.to_owned(),
        };
        Ok(Client {
            http: Http::new(target, redactor, log)?,
            version: Version::V1,
        })
    }

    /// The version in use.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The same client speaking `version` (tests, or a caller that knows better).
    pub fn with_version(self, version: Version) -> Client {
        Client { version, ..self }
    }

    /// The HTTP layer, for debug logging.
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// Asks which versions the gateway speaks (with the lowest version path, like Flink's client)
    /// and switches to the newest both know.
    pub async fn negotiate(&mut self) -> Result<Version, CliError> {
        let offered = self.api_versions().await.map_err(Error::into_cli)?;
        let version = pick_version(&offered).ok_or_else(|| {
            CliError::connection(format!(
                "the gateway speaks none of our API versions (it offers {offered:?})"
            ))
            .with_hint("flink-sql speaks SQL Gateway REST API v1 to v4 (Flink 1.16 to 2.x)")
        })?;
        self.http
            .log(&format!("gateway offers {offered:?}; using {version:?}"));
        self.version = version;
        Ok(version)
    }

    /// `GET /v1/api_versions`.
    pub async fn api_versions(&self) -> Result<Vec<String>, Error> {
        let answer: wire::ApiVersions = self.get("/v1/api_versions").await?;
        Ok(answer.versions)
    }

    /// `GET /info`.
    pub async fn info(&self) -> Result<wire::Info, Error> {
        self.get(&format!("{}/info", self.version.path())).await
    }

    /// `POST /sessions` with properties.
    pub async fn open_session(
        &self,
        name: &str,
        properties: &[(String, String)],
    ) -> Result<SessionId, Error> {
        let path = format!("{}/sessions", self.version.path());
        // Sent again only when nothing reached the gateway: a session opened by a request whose
        // answer was lost would sit there, unknown to us, until its idle timeout.
        let answer: wire::SessionHandle = self
            .http
            .call(
                Method::POST,
                &path,
                Some(&open_session_body(name, properties)),
                Retry::BeforeSend,
            )
            .await?;
        Ok(SessionId(answer.session_handle))
    }

    /// `POST /sessions` at a version the gateway may not speak: `None` when it answers 404 (it
    /// opened nothing then).
    async fn open_session_if_spoken(
        &self,
        name: &str,
        properties: &[(String, String)],
    ) -> Result<Option<SessionId>, Error> {
        let path = format!("{}/sessions", self.version.path());
        let answer: Option<wire::SessionHandle> = self
            .http
            .call_optional(
                Method::POST,
                &path,
                Some(&open_session_body(name, properties)),
                Retry::BeforeSend,
            )
            .await?;
        Ok(answer.map(|a| SessionId(a.session_handle)))
    }

    /// `POST /sessions/{s}/heartbeat`.
    pub async fn heartbeat(&self, s: &SessionId) -> Result<(), Error> {
        let path = format!("{}/heartbeat", self.session_path(s));
        let _: IgnoredAny = self
            .http
            .call(Method::POST, &path, Some(&Map::new()), Retry::Idempotent)
            .await?;
        Ok(())
    }

    /// The redactor every message from this gateway passes through.
    pub fn redactor(&self) -> &Redactor {
        self.http.redactor()
    }

    /// `GET /sessions/{s}`: the session's effective configuration (cluster config included:
    /// sensitive, never shown whole).
    pub async fn session_config(
        &self,
        s: &SessionId,
    ) -> Result<std::collections::BTreeMap<String, String>, Error> {
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(default)]
            properties: std::collections::BTreeMap<String, String>,
        }
        let answer: Answer = self.get(&self.session_path(s)).await?;
        Ok(answer.properties)
    }

    /// `DELETE /sessions/{s}`: also closes every operation still open in it.
    pub async fn close_session(&self, s: &SessionId) -> Result<(), Error> {
        let _: IgnoredAny = self
            .http
            .call(
                Method::DELETE,
                &self.session_path(s),
                None::<&()>,
                Retry::Idempotent,
            )
            .await?;
        Ok(())
    }

    /// `GET /sessions/{s}/complete-statement` (a JSON body on a GET): the gateway's candidates
    /// for the word before `position` (a character offset), fully qualified where it names a
    /// table. v1 has no such endpoint: no candidates there.
    pub async fn complete_statement(
        &self,
        s: &SessionId,
        statement: &str,
        position: usize,
    ) -> Result<Vec<String>, Error> {
        if self.version < Version::V2 {
            return Ok(Vec::new());
        }
        let path = format!("{}/complete-statement", self.session_path(s));
        let body = wire::CompleteStatement {
            statement,
            position,
        };
        let answer: wire::Candidates = self
            .http
            .call(Method::GET, &path, Some(&body), Retry::Idempotent)
            .await?;
        Ok(answer.candidates)
    }

    /// Whether the gateway runs session-configuring statements in one call
    /// ([`configure_session`](Client::configure_session)).
    pub fn can_configure_session(&self) -> bool {
        self.version >= Version::V2
    }

    /// `POST /sessions/{s}/configure-session` (v2+): runs a statement that only changes the
    /// session (see `Kind::configures_session`) and answers once it ran, so no operation is
    /// polled or closed: one round trip instead of three or more. Its errors are a failed
    /// statement's. Never re-sent once it may have reached the gateway.
    pub async fn configure_session(&self, s: &SessionId, sql: &str) -> Result<(), Error> {
        let path = format!("{}/configure-session", self.session_path(s));
        let body = wire::ConfigureSession { statement: sql };
        let _: IgnoredAny = self
            .http
            .call(Method::POST, &path, Some(&body), Retry::BeforeSend)
            .await?;
        Ok(())
    }

    /// `POST /sessions/{s}/statements`. Never re-sent once it may have reached the gateway.
    pub async fn submit(&self, s: &SessionId, sql: &str) -> Result<OperationId, Error> {
        self.submit_with(s, sql, Map::new()).await
    }

    /// `submit` with the job id the statement's job (if it starts one) must get, so that the
    /// job can be found even when the answer to this POST never comes.
    pub async fn submit_pinned(
        &self,
        s: &SessionId,
        sql: &str,
        job_id: &str,
    ) -> Result<OperationId, Error> {
        self.submit_stamped(s, sql, job_id, &[]).await
    }

    /// `submit_pinned` with more configuration for this statement only (a pipeline's
    /// `pipeline.global-job-parameters` carrying its SQL hash, a restore path).
    pub async fn submit_stamped(
        &self,
        s: &SessionId,
        sql: &str,
        job_id: &str,
        extra: &[(String, String)],
    ) -> Result<OperationId, Error> {
        let mut config = Map::new();
        for (k, v) in extra {
            config.insert(k.clone(), Value::String(v.clone()));
        }
        config.insert(PINNED_JOB_ID.to_owned(), Value::String(job_id.to_owned()));
        self.submit_with(s, sql, config).await
    }

    async fn submit_with(
        &self,
        s: &SessionId,
        sql: &str,
        execution_config: Map<String, Value>,
    ) -> Result<OperationId, Error> {
        let body = wire::ExecuteStatement {
            statement: sql,
            execution_timeout: None,
            execution_config,
        };
        let path = format!("{}/statements", self.session_path(s));
        let answer: wire::OperationHandle = self
            .http
            .call(Method::POST, &path, Some(&body), Retry::BeforeSend)
            .await?;
        Ok(OperationId(answer.operation_handle))
    }

    /// `GET …/operations/{o}/status`: INITIALIZED, PENDING, RUNNING, FINISHED, CANCELED, CLOSED, ERROR, TIMEOUT.
    pub async fn status(&self, s: &SessionId, o: &OperationId) -> Result<String, Error> {
        let answer: wire::OperationStatus = self
            .get(&format!("{}/status", self.operation_path(s, o)))
            .await?;
        Ok(answer.status)
    }

    /// The path of an operation's first result page.
    pub fn first_page(&self, s: &SessionId, o: &OperationId) -> String {
        let path = format!("{}/result/0", self.operation_path(s, o));
        if self.version.needs_row_format() {
            format!("{path}?rowFormat=JSON")
        } else {
            path
        }
    }

    /// `GET …/result/{token}` by path (`first_page` or a page's `next`). Re-fetching the same
    /// token returns the same rows, so this one is retried.
    pub async fn fetch(&self, page_path: &str) -> Result<Page, Error> {
        let page: wire::ResultPage = self.get(page_path).await?;
        Ok(page.into())
    }

    /// `POST …/operations/{o}/cancel`.
    pub async fn cancel(&self, s: &SessionId, o: &OperationId) -> Result<String, Error> {
        let path = format!("{}/cancel", self.operation_path(s, o));
        let answer: wire::OperationStatus = self
            .http
            .call(Method::POST, &path, Some(&Map::new()), Retry::Idempotent)
            .await?;
        Ok(answer.status)
    }

    /// `DELETE …/operations/{o}/close`.
    pub async fn close_operation(&self, s: &SessionId, o: &OperationId) -> Result<String, Error> {
        let path = format!("{}/close", self.operation_path(s, o));
        let answer: wire::OperationStatus = self
            .http
            .call(Method::DELETE, &path, None::<&()>, Retry::Idempotent)
            .await?;
        Ok(answer.status)
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.http
            .call(Method::GET, path, None::<&()>, Retry::Idempotent)
            .await
    }

    fn session_path(&self, s: &SessionId) -> String {
        format!("{}/sessions/{}", self.version.path(), s.0)
    }

    fn operation_path(&self, s: &SessionId, o: &OperationId) -> String {
        format!("{}/operations/{}", self.session_path(s), o.0)
    }
}

fn open_session_body<'a>(name: &'a str, properties: &[(String, String)]) -> wire::OpenSession<'a> {
    wire::OpenSession {
        session_name: name,
        properties: properties
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<String, Value>>(),
    }
}

/// Settles the API version and opens the run's session, with its heartbeat running.
pub async fn connect(
    settings: &Config,
    redactor: Redactor,
    log: Option<Log>,
) -> Result<Session, CliError> {
    let client = Client::new(settings, redactor, log)?;
    Session::open_settling(client, &settings.session_properties).await
}

/// Asks a session's gateway for statement completions (`Session::completion`).
#[derive(Clone)]
pub struct Completion {
    client: Arc<Client>,
    id: SessionId,
}

impl Completion {
    /// Candidates for the word before `position` (characters) in `statement`.
    pub async fn candidates(&self, statement: &str, position: usize) -> Result<Vec<String>, Error> {
        self.client
            .complete_statement(&self.id, statement, position)
            .await
    }
}

/// The run's one session. Call `close` on every exit path; if it is dropped open anyway
/// (a panic, an early `?`), `Drop` still deletes it, blocking for at most a few seconds.
pub struct Session {
    client: Arc<Client>,
    id: SessionId,
    heartbeat: Option<tokio::task::JoinHandle<()>>,
    /// Finished operations not closed yet, and closes sent off the statement's critical path.
    closing: std::sync::Mutex<Closing>,
}

/// Finished operations a session keeps open at most; past this the oldest is closed in the
/// background. Below it they are left to the session's DELETE, which closes them all in one call:
/// a close per statement was a quarter of a DDL script's calls, and took gateway CPU the next
/// statement's answer needed (bench/run.sh, part 1). A finished operation holds little on the
/// gateway (its last page); the shell closes them while it waits at the prompt (`close_finished`).
const KEEP_FINISHED: usize = 512;

/// What the gateway calls our sessions (its logs show it).
fn session_name() -> String {
    format!("flink-sql-{}", std::process::id())
}

#[derive(Default)]
struct Closing {
    finished: std::collections::VecDeque<OperationId>,
    tasks: tokio::task::JoinSet<()>,
}

impl Session {
    /// Opens a session and starts heartbeating it.
    pub async fn open(
        client: Client,
        properties: &[(String, String)],
    ) -> Result<Session, CliError> {
        let id = client
            .open_session(&session_name(), properties)
            .await
            .map_err(Error::into_cli)?;
        Ok(Session::started(client, id))
    }

    /// Opens a session with a client that has not negotiated, settling its version on the way:
    /// the session is asked for at our newest version, which every current gateway speaks, so
    /// there is no version round trip before it. Only a gateway that answers that with 404 (an
    /// older one; nothing was opened) is asked which versions it speaks
    /// ([`Client::negotiate`]), and the session is opened at the newest of them.
    pub async fn open_settling(
        client: Client,
        properties: &[(String, String)],
    ) -> Result<Session, CliError> {
        let name = session_name();
        let newest = client.with_version(Version::NEWEST);
        let spoken = newest
            .open_session_if_spoken(&name, properties)
            .await
            .map_err(Error::into_cli)?;
        if let Some(id) = spoken {
            newest.http.log(&format!(
                "the gateway speaks {:?}, the newest we know",
                Version::NEWEST
            ));
            return Ok(Session::started(newest, id));
        }
        let mut older = newest;
        older.negotiate().await?;
        Session::open(older, properties).await
    }

    fn started(client: Client, id: SessionId) -> Session {
        client.http.log(&format!("opened session {}", id.0));
        let client = Arc::new(client);
        let heartbeat = Some(tokio::spawn(heartbeat(client.clone(), id.clone())));
        Session {
            client,
            id,
            heartbeat,
            closing: Default::default(),
        }
    }

    /// The client the session was opened with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The gateway's handle of this session.
    pub fn id(&self) -> &SessionId {
        &self.id
    }

    /// What completing statements in this session needs, detached from the session's lifetime:
    /// a line editor holds it while the session runs statements.
    pub fn completion(&self) -> Completion {
        Completion {
            client: self.client.clone(),
            id: self.id.clone(),
        }
    }

    /// Submits one statement in this session.
    pub async fn submit(&self, sql: &str) -> Result<OperationId, Error> {
        self.client.submit(&self.id, sql).await
    }

    /// Runs a session-configuring statement in one call (`Client::configure_session`).
    pub async fn configure(&self, sql: &str) -> Result<(), Error> {
        self.client.configure_session(&self.id, sql).await
    }

    /// Submits one statement whose job, if it starts one, gets the id `job_id`.
    pub async fn submit_pinned(&self, sql: &str, job_id: &str) -> Result<OperationId, Error> {
        self.client.submit_pinned(&self.id, sql, job_id).await
    }

    /// `submit_pinned` with more configuration for this statement only.
    pub async fn submit_stamped(
        &self,
        sql: &str,
        job_id: &str,
        extra: &[(String, String)],
    ) -> Result<OperationId, Error> {
        self.client
            .submit_stamped(&self.id, sql, job_id, extra)
            .await
    }

    /// The first result page of an operation.
    pub fn first_page(&self, o: &OperationId) -> String {
        self.client.first_page(&self.id, o)
    }

    /// Fetches a page by path.
    pub async fn fetch(&self, page_path: &str) -> Result<Page, Error> {
        self.client.fetch(page_path).await
    }

    /// An operation's status.
    pub async fn status(&self, o: &OperationId) -> Result<String, Error> {
        self.client.status(&self.id, o).await
    }

    /// Cancels an operation.
    pub async fn cancel(&self, o: &OperationId) -> Result<String, Error> {
        self.client.cancel(&self.id, o).await
    }

    /// Closes an operation.
    pub async fn close_operation(&self, o: &OperationId) -> Result<String, Error> {
        self.client.close_operation(&self.id, o).await
    }

    /// A finished operation, closed later: in the background once more than [`KEEP_FINISHED`]
    /// wait, at `close_finished`, or by the session's DELETE. The next statement never waits
    /// for it.
    pub fn close_operation_later(&self, o: &OperationId) {
        let mut closing = self.closing.lock().unwrap_or_else(|e| e.into_inner());
        closing.finished.push_back(o.clone());
        while closing.finished.len() > KEEP_FINISHED {
            if let Some(oldest) = closing.finished.pop_front() {
                self.spawn_close(&mut closing.tasks, oldest);
            }
        }
    }

    /// Closes every finished operation in the background, for a session that now waits (the
    /// shell at its prompt) and may live long.
    pub fn close_finished(&self) {
        let mut closing = self.closing.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(op) = closing.finished.pop_front() {
            self.spawn_close(&mut closing.tasks, op);
        }
    }

    fn spawn_close(&self, tasks: &mut tokio::task::JoinSet<()>, op: OperationId) {
        let (client, session) = (self.client.clone(), self.id.clone());
        tasks.spawn(async move {
            if let Err(e) = client.close_operation(&session, &op).await {
                let e = e.into_cli();
                client
                    .http
                    .log(&format!("closing operation {} failed: {e}", op.0));
            }
        });
    }

    /// Waits for the closes under way; the finished operations not closed yet are left to the
    /// session's DELETE.
    async fn finish_closing(&self) {
        let mut tasks = {
            let mut closing = self.closing.lock().unwrap_or_else(|e| e.into_inner());
            closing.finished.clear();
            std::mem::take(&mut closing.tasks)
        };
        while tasks.join_next().await.is_some() {}
    }

    /// Stops the heartbeat and deletes the session (and with it any operation still open).
    pub async fn close(mut self) -> Result<(), CliError> {
        self.stop_heartbeat();
        self.finish_closing().await;
        let closed = self.client.close_session(&self.id).await;
        self.id.0.clear();
        closed.map_err(Error::into_cli)
    }

    /// `close`, but given up after `limit`, or at once when `stop` resolves (a signal during the
    /// clean-up). A session given up on is left to the gateway's idle timeout; nothing blocks
    /// on it later (`Drop` does not try again).
    pub async fn close_within(
        mut self,
        limit: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), CloseError> {
        self.stop_heartbeat();
        let closing = async {
            self.finish_closing().await;
            self.client.close_session(&self.id).await
        };
        let result = tokio::select! {
            closed = tokio::time::timeout(limit, closing) => match closed {
                Ok(closed) => closed.map_err(|e| CloseError::Failed(e.into_cli())),
                Err(_) => Err(CloseError::TimedOut(limit)),
            },
            _ = stop => Err(CloseError::Abandoned),
        };
        self.id.0.clear();
        result
    }

    /// Lets go of a session the gateway no longer knows (it restarted): no DELETE is sent,
    /// now or on drop.
    pub fn forget(mut self) {
        self.stop_heartbeat();
        self.id.0.clear();
    }

    fn stop_heartbeat(&mut self) {
        if let Some(task) = self.heartbeat.take() {
            task.abort();
        }
    }

    /// The safety net: a DELETE from a thread of its own, with a fresh connection pool, because
    /// the runtime that owns our pooled connections may be the very thread `Drop` blocks.
    fn close_from_drop(&self) {
        let Ok(http) = self.client.http.fresh() else {
            return;
        };
        let path = self.client.session_path(&self.id);
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            let delete =
                http.call::<IgnoredAny>(Method::DELETE, &path, None::<&()>, Retry::BeforeSend);
            let _ =
                rt.block_on(async { tokio::time::timeout(Duration::from_secs(3), delete).await });
        });
        let _ = thread.join();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop_heartbeat();
        if !self.id.0.is_empty() {
            self.close_from_drop();
        }
    }
}

/// Why a session was not closed.
#[derive(Debug)]
pub enum CloseError {
    Failed(CliError),
    /// No answer within the limit.
    TimedOut(Duration),
    /// A signal arrived meanwhile.
    Abandoned,
}

impl std::fmt::Display for CloseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CloseError::Failed(e) => write!(f, "{e}"),
            CloseError::TimedOut(limit) => {
                write!(f, "no answer within {}", humantime::format_duration(*limit))
            }
            CloseError::Abandoned => f.write_str("given up on a signal"),
        }
    }
}

/// The gateway's idle timeout as its session config states it (`5min`, `5 s`, `300000`: a bare
/// number is milliseconds, as in Flink's own config); `None` when absent, zero or unreadable.
pub fn idle_timeout(config: &std::collections::BTreeMap<String, String>) -> Option<Duration> {
    let text: String = config
        .get("sql-gateway.session.idle-timeout")?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let timeout = match text.parse::<u64>() {
        Ok(ms) => Duration::from_millis(ms),
        Err(_) => humantime::parse_duration(&text).ok()?,
    };
    (!timeout.is_zero()).then_some(timeout)
}

/// How often to heartbeat a gateway with this idle timeout: three times per timeout (so one lost
/// heartbeat is survived), never less often than `HEARTBEAT_EVERY`, never more than once a second.
pub fn heartbeat_every(idle_timeout: Option<Duration>) -> Duration {
    idle_timeout.map_or(HEARTBEAT_EVERY, |t| {
        (t / 3).clamp(Duration::from_secs(1), HEARTBEAT_EVERY)
    })
}

/// Heartbeats until aborted, as often as the gateway's idle timeout needs (read from the
/// session's config first; a gateway set to 5 s would forget a session heartbeated every 30 s).
/// A failed heartbeat is only logged: the next statement will report a lost session far more
/// clearly than a background task could.
/// When a session's heartbeat first asks for the gateway's idle timeout (no gateway has one
/// anywhere near this short).
const HEARTBEAT_FIRST_LOOK: Duration = Duration::from_secs(1);

async fn heartbeat(client: Arc<Client>, id: SessionId) {
    // A short run (a DDL script, a file `check` validates) ends before it needs to know the idle
    // timeout: asking at once would put a large answer on the gateway beside its first statements.
    tokio::time::sleep(HEARTBEAT_FIRST_LOOK).await;
    let timeout = match client.session_config(&id).await {
        Ok(config) => idle_timeout(&config),
        Err(_) => None,
    };
    let period = heartbeat_every(timeout);
    client.http.log(&format!(
        "heartbeat every {} (gateway idle timeout: {})",
        humantime::format_duration(period),
        timeout.map_or("unknown".to_owned(), |t| humantime::format_duration(t)
            .to_string())
    ));
    let mut every = tokio::time::interval(period);
    // After a laptop sleeps, one heartbeat is enough; a burst of missed ones is not.
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        if let Err(e) = client.heartbeat(&id).await {
            client
                .http
                .log(&format!("heartbeat failed: {}", e.into_cli()));
        }
    }
}

#[cfg(test)]
mod heartbeat_tests {
    use super::*;

    fn config(value: &str) -> std::collections::BTreeMap<String, String> {
        [(
            "sql-gateway.session.idle-timeout".to_owned(),
            value.to_owned(),
        )]
        .into()
    }

    #[test]
    fn the_idle_timeout_is_read_in_flinks_spellings() {
        assert_eq!(
            idle_timeout(&config("5min")),
            Some(Duration::from_secs(300))
        );
        assert_eq!(idle_timeout(&config("5 s")), Some(Duration::from_secs(5)));
        assert_eq!(
            idle_timeout(&config("60000")),
            Some(Duration::from_secs(60))
        );
        assert_eq!(idle_timeout(&config("0")), None);
        assert_eq!(idle_timeout(&Default::default()), None);
    }

    #[test]
    fn a_short_idle_timeout_gets_three_heartbeats_per_timeout() {
        assert_eq!(
            heartbeat_every(Some(Duration::from_secs(6))),
            Duration::from_secs(2)
        );
        assert_eq!(
            heartbeat_every(Some(Duration::from_secs(600))),
            HEARTBEAT_EVERY
        );
        assert_eq!(
            heartbeat_every(Some(Duration::from_millis(900))),
            Duration::from_secs(1)
        );
        assert_eq!(heartbeat_every(None), HEARTBEAT_EVERY);
    }
}
