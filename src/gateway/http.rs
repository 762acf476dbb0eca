//! HTTP plumbing shared by the gateway and JobManager clients: TLS, headers, retries, decoding.
//!
//! Retry rule (SPEC §5): an idempotent request is retried on any transport error; a request
//! that may start something (a statement POST) only when the connection was never made, because
//! once its bytes may have reached the server a second send could start a second job.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::errors::{self, ServerError};
use crate::error::{CliError, Exit};
use crate::secrets::Redactor;

/// Waits between attempts of a retried request: 5 retries over about 3 s.
pub const RETRY_DELAYS: [Duration; 5] = [
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
    Duration::from_millis(1500),
];
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read: Flink's own REST limit (`rest.server.max-content-length`, 100 MiB by
/// default). A bigger or endless body (a proxy's error stream, a wrong port) would otherwise be
/// read into memory until the machine runs out.
pub const MAX_ANSWER_BYTES: usize = 100 << 20;

/// Debug lines for `-v` (already redacted). The command decides where they go.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// A failed call.
#[derive(Debug)]
pub enum Error {
    /// The server answered HTTP 500 with its own error: for statements, a statement failure.
    Server(ServerError),
    /// An unexpected HTTP status or an answer we cannot read: exit 3.
    Connection(CliError),
    /// No connection could be made, or it broke before an answer (refused, reset, timed out),
    /// after the retries the request allows: exit 3. A restarting gateway looks like this.
    Unreachable(CliError),
    /// A request that may start something was sent (or may have been), but its answer was lost:
    /// it may have taken effect, and it was not sent again. Exit 3.
    NoReply(CliError),
}

impl Error {
    /// The error as the exit-3 kind, for calls where a server error is not a statement failure.
    pub fn into_cli(self) -> CliError {
        match self {
            Error::Connection(e) | Error::Unreachable(e) | Error::NoReply(e) => e,
            Error::Server(s) => CliError::connection(s.message),
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        e.into_cli()
    }
}

impl From<Error> for anyhow::Error {
    fn from(e: Error) -> Self {
        e.into_cli().into()
    }
}

/// Whether a request may be sent again after a transport error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Reads, heartbeats, cancel and close: safe to repeat.
    Idempotent,
    /// Starts something: retried only when the connection was refused before sending.
    BeforeSend,
}

/// How to reach one server; kept so a fresh client can be built (see `Http::fresh`).
#[derive(Clone)]
pub struct Target {
    /// Base URL without a trailing `/`; may carry a path prefix.
    pub base: String,
    pub headers: Vec<(String, String)>,
    pub token: Option<String>,
    pub ca_cert: Option<PathBuf>,
    /// `gateway` or `JobManager`, for messages.
    pub what: &'static str,
    /// What to tell a user who cannot reach it.
    pub hint: String,
}

/// A configured HTTP client for one server.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    target: Target,
    redactor: Redactor,
    log: Option<Log>,
}

impl Http {
    /// Builds the client (no network yet).
    pub fn new(target: Target, redactor: Redactor, log: Option<Log>) -> Result<Http, CliError> {
        let client = build(&target, true)?;
        Ok(Http {
            client,
            target,
            redactor,
            log,
        })
    }

    /// The same target with a new connection pool: for a last request from a different runtime
    /// (pooled connections belong to the runtime that opened them).
    pub fn fresh(&self) -> Result<Http, CliError> {
        let client = build(&self.target, false)?;
        Ok(Http {
            client,
            ..self.clone()
        })
    }

    /// The URL of `path` (server-absolute, e.g. `/v4/sessions`) under the base and its prefix.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.target.base, path)
    }

    /// The base URL (with its path prefix, without a trailing `/`).
    pub fn base(&self) -> &str {
        &self.target.base
    }

    /// The redactor every message from this server passes through.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub(crate) fn log(&self, line: &str) {
        if let Some(log) = &self.log {
            log(&self.redactor.redact(line));
        }
    }

    /// Sends `method path` (path starts with `/`, relative to the base) and decodes the JSON answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
        retry: Retry,
    ) -> Result<T, Error> {
        let body = body.map(|b| serde_json::to_vec(b).expect("request bodies serialize"));
        let (status, bytes) = self.send(&method, path, body, retry).await?;
        self.decode(&method, path, status, &bytes)
    }

    /// Like `call`, but a 404 is `Ok(None)` (a job the JobManager does not know, a version the
    /// gateway does not speak).
    pub async fn call_optional<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + ?Sized)>,
        retry: Retry,
    ) -> Result<Option<T>, Error> {
        let body = body.map(|b| serde_json::to_vec(b).expect("request bodies serialize"));
        let (status, bytes) = self.send(&method, path, body, retry).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.decode(&method, path, status, &bytes).map(Some)
    }

    async fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<Vec<u8>>,
        retry: Retry,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let mut delays = RETRY_DELAYS.iter();
        loop {
            let started = Instant::now();
            match self.attempt(method, path, body.clone()).await {
                Ok((status, None)) => {
                    self.log(&format!(
                        "{method} {path} -> {} in {:?}, answer too large",
                        status.as_u16(),
                        started.elapsed()
                    ));
                    return Err(Error::Connection(self.too_large(method, path)));
                }
                Ok((status, Some(bytes))) => {
                    let answer = (status, bytes);
                    self.log(&format!(
                        "{method} {path} -> {} in {:?}",
                        answer.0.as_u16(),
                        started.elapsed()
                    ));
                    return Ok(answer);
                }
                Err(e) => {
                    let delay = delays.next().filter(|_| retriable(&e, retry));
                    self.log(&format!(
                        "{method} {path} failed: {e}{}",
                        if delay.is_some() { "; retrying" } else { "" }
                    ));
                    match delay {
                        Some(d) => tokio::time::sleep(*d).await,
                        None if retry == Retry::BeforeSend && !e.is_connect() => {
                            return Err(Error::NoReply(self.no_reply(method, path, &e)))
                        }
                        None => return Err(Error::Unreachable(self.unreachable(method, path, &e))),
                    }
                }
            }
        }
    }

    /// One request; the answer's body is `None` when it is larger than `MAX_ANSWER_BYTES`.
    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Option<Vec<u8>>), reqwest::Error> {
        let url = self.url(path);
        let mut req = self.client.request(method.clone(), url);
        if let Some(body) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let mut resp = req.send().await?;
        let status = resp.status();
        let too_large = |n: u64| n > MAX_ANSWER_BYTES as u64;
        if resp.content_length().is_some_and(too_large) {
            return Ok((status, None));
        }
        // Sized from the announced length when there is one: a result page grows without copies.
        let announced = resp.content_length().map_or(0, |n| n as usize);
        let mut bytes = Vec::with_capacity(announced);
        while let Some(chunk) = resp.chunk().await? {
            if too_large((bytes.len() + chunk.len()) as u64) {
                return Ok((status, None));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((status, Some(bytes)))
    }

    fn decode<T: DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        body: &[u8],
    ) -> Result<T, Error> {
        let text = || String::from_utf8_lossy(body);
        // Flink answers a failure with HTTP 500 and `{"errors": [...]}`; a 500 in any other shape
        // comes from something in between (a proxy), which is an HTTP error and not a statement
        // Flink rejected.
        if status == StatusCode::INTERNAL_SERVER_ERROR && is_flink_error(body) {
            return Err(Error::Server(self.redact_server(errors::parse(&text()))));
        }
        if !status.is_success() {
            let err = self.redact_server(errors::parse(&text()));
            let msg = format!(
                "{} answered HTTP {} to {method} {path}: {}",
                self.target.what,
                status.as_u16(),
                err.message
            );
            return Err(Error::Connection(
                CliError::connection(msg).with_hint(self.hint_for_status(status)),
            ));
        }
        // The whole body checked as UTF-8 once (JSON is UTF-8), then read as text: reading bytes,
        // serde_json checks each raw value's text again, one small call per field of a page.
        let parsed = match std::str::from_utf8(body) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => serde_json::from_slice(body),
        };
        parsed.map_err(|e| Error::Connection(self.protocol_error(method, path, &e, &text())))
    }

    fn redact_server(&self, e: ServerError) -> ServerError {
        ServerError {
            message: self.redactor.redact(&e.message).into_owned(),
            line_col: e.line_col,
            detail: self.redactor.redact(&e.detail).into_owned(),
        }
    }

    fn protocol_error(
        &self,
        method: &Method,
        path: &str,
        e: &serde_json::Error,
        body: &str,
    ) -> CliError {
        let start: String = body.chars().take(200).collect();
        let msg = format!(
            "protocol error: cannot read the {}'s answer to {method} {path}: {e} (answer starts with: {})",
            self.target.what,
            self.redactor.redact(&start)
        );
        CliError::new(Exit::Connection, msg).with_hint(format!(
            "is {} really a Flink {}? -v shows every call",
            self.shown_base(),
            self.target.what
        ))
    }

    fn too_large(&self, method: &Method, path: &str) -> CliError {
        let msg = format!(
            "protocol error: the {}'s answer to {method} {path} is larger than {} MiB",
            self.target.what,
            MAX_ANSWER_BYTES >> 20
        );
        CliError::new(Exit::Connection, msg).with_hint(format!(
            "is {} really a Flink {}? -v shows every call",
            self.shown_base(),
            self.target.what
        ))
    }

    fn unreachable(&self, method: &Method, path: &str, e: &reqwest::Error) -> CliError {
        let msg = format!(
            "{} unreachable: {method} {}{path}: {}",
            self.target.what,
            self.shown_base(),
            chain(e)
        );
        CliError::connection(self.redactor.redact(&msg).into_owned())
            .with_hint(self.target.hint.clone())
    }

    /// The connection was made, so the server is there: no "is it running?" hint, which would
    /// send the user looking in the wrong place.
    fn no_reply(&self, method: &Method, path: &str, e: &reqwest::Error) -> CliError {
        let msg = format!(
            "no answer from the {} to {method} {}{path}: {}; the request may have reached it, \
             so it was not sent again",
            self.target.what,
            self.shown_base(),
            chain(e)
        );
        CliError::connection(self.redactor.redact(&msg).into_owned())
    }

    /// The base URL as messages show it: a password in it is masked even when no variable
    /// names it as a secret.
    fn shown_base(&self) -> String {
        without_password(&self.target.base)
    }

    fn hint_for_status(&self, status: StatusCode) -> String {
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                "check SQL_GATEWAY_TOKEN and --header for the auth proxy".to_owned()
            }
            StatusCode::NOT_FOUND => {
                format!("check the URL and its path prefix: {}", self.shown_base())
            }
            _ => self.target.hint.clone(),
        }
    }
}

/// Whether `body` is Flink's error answer, `{"errors": [...]}` with at least one message.
fn is_flink_error(body: &[u8]) -> bool {
    serde_json::from_slice::<super::wire::ErrorBody>(body).is_ok_and(|b| !b.errors.is_empty())
}

/// `url` with the password of its `user:password@` part replaced by `***`.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
        None => url.to_owned(),
    }
}

/// reqwest's Display stops at the top error; the cause (refused, reset, certificate) is further
/// down, under wrappers that only repeat the URL (which our message names already).
fn chain(e: &reqwest::Error) -> String {
    let top = match e.url() {
        Some(url) => e.to_string().replace(&format!(" for url ({url})"), ""),
        None => e.to_string(),
    };
    let mut parts = vec![top];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.retain(|p| !p.starts_with("client error ("));
    parts.dedup();
    parts.join(": ")
}

fn retriable(e: &reqwest::Error, retry: Retry) -> bool {
    match retry {
        Retry::Idempotent => !e.is_builder() && !e.is_redirect(),
        Retry::BeforeSend => e.is_connect(),
    }
}

fn build(target: &Target, pooled: bool) -> Result<reqwest::Client, CliError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .default_headers(headers(target)?);
    if !pooled {
        builder = builder.pool_max_idle_per_host(0);
    }
    if !is_https(&target.base) {
        // Plain HTTP needs no trust roots: loading the system's (hundreds of files, parsed) cost
        // every command several ms before its first call, twice with two clients.
        builder = builder.tls_built_in_root_certs(false);
    }
    if let Some(path) = &target.ca_cert {
        for cert in ca_certs(path)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| {
        CliError::input(format!(
            "cannot set up the HTTP client for the {}: {e}",
            target.what
        ))
    })
}

fn is_https(base: &str) -> bool {
    base.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

fn headers(target: &Target) -> Result<HeaderMap, CliError> {
    let mut map = HeaderMap::new();
    for (k, v) in &target.headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| CliError::input(format!("bad header name '{k}'")))?;
        let value = HeaderValue::from_str(v)
            .map_err(|_| CliError::input(format!("bad value for header '{k}'")))?;
        map.append(name, value);
    }
    if let Some(token) = &target.token {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            CliError::input("SQL_GATEWAY_TOKEN contains characters not allowed in a header")
        })?;
        value.set_sensitive(true);
        map.insert(AUTHORIZATION, value);
    }
    Ok(map)
}

fn ca_certs(path: &PathBuf) -> Result<Vec<reqwest::Certificate>, CliError> {
    let pem = std::fs::read(path).map_err(|e| {
        CliError::input(format!(
            "cannot read the CA certificate {}: {e}",
            path.display()
        ))
    })?;
    reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        CliError::input(format!(
            "{} is not a PEM certificate bundle: {e}",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(token: Option<&str>) -> Target {
        Target {
            base: "https://proxy.example/flink/sql".into(),
            headers: vec![("X-Team".into(), "data".into())],
            token: token.map(str::to_owned),
            ca_cert: None,
            what: "gateway",
            hint: String::new(),
        }
    }

    #[test]
    fn extra_headers_and_the_bearer_token_go_on_every_request() {
        let map = headers(&target(Some("t0k3n"))).unwrap();
        assert_eq!(map["x-team"], "data");
        assert_eq!(map[AUTHORIZATION], "Bearer t0k3n");
        assert!(
            map[AUTHORIZATION].is_sensitive(),
            "kept out of Debug output"
        );
    }

    #[test]
    fn paths_go_under_the_base_and_its_prefix() {
        let http = Http::new(target(None), Redactor::default(), None).unwrap();
        assert_eq!(
            http.url("/v4/sessions"),
            "https://proxy.example/flink/sql/v4/sessions"
        );
    }

    #[test]
    fn a_bad_header_is_a_usage_error() {
        let mut t = target(None);
        t.headers.push(("Bad Name".into(), "v".into()));
        assert_eq!(headers(&t).unwrap_err().exit, Exit::Input);
    }

    #[test]
    fn a_missing_ca_certificate_is_a_usage_error() {
        let mut t = target(None);
        t.ca_cert = Some(PathBuf::from("/nonexistent/ca.pem"));
        let err = build(&t, true).unwrap_err();
        assert_eq!(err.exit, Exit::Input);
        assert!(err.message.contains("/nonexistent/ca.pem"));
    }

    #[test]
    fn a_password_in_the_url_is_never_shown() {
        assert_eq!(
            without_password("http://user:pw@host:8083/sql?x=a:b@c"),
            "http://user:***@host:8083/sql?x=a:b@c"
        );
        assert_eq!(without_password("http://user@host"), "http://user@host");
        assert_eq!(without_password("http://host/a@b"), "http://host/a@b");
    }

    #[test]
    fn retries_span_about_three_seconds() {
        assert_eq!(
            RETRY_DELAYS.iter().sum::<Duration>(),
            Duration::from_millis(3000)
        );
    }
}
