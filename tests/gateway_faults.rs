//! Faults the real gateway cannot produce on demand, against a tiny local HTTP stub (SPEC §11):
//! refused connections, a dropped connection after a statement POST, a 500 on submit, malformed
//! JSON, a cancel that never answers. Everything else is tested against the real gateway in `live_runner.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flink_sql::error::Exit;
use flink_sql::gateway::{Client, Error, OperationId, Session, SessionId, Version};
use flink_sql::secrets::Redactor;
use flink_sql::settings;

/// What the stub does with one request.
enum Reply {
    Json(u16, String),
    /// 200 with these bytes as the body, UTF-8 or not.
    Bytes(Vec<u8>),
    /// Read the request, then close the connection without a word.
    Hangup,
    /// Read the request and never answer (the stub serves nothing else meanwhile).
    Hang,
    /// Answer 200 with `len` bytes of a JSON string that never ends, then close. With a
    /// `Content-Length` it claims `declared` bytes; without one the body ends when the stream does.
    Huge {
        len: usize,
        declared: Option<u64>,
    },
}

/// A one-thread HTTP/1.1 server that records every request line it reads.
struct Stub {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Stub {
    fn start(handler: impl Fn(&str, usize) -> Reply + Send + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        Stub::serve(listener, handler)
    }

    fn serve(
        listener: TcpListener,
        handler: impl Fn(&str, usize) -> Reply + Send + 'static,
    ) -> Stub {
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let Some(line) = read_request(&stream) else {
                    continue;
                };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(line.clone());
                    log.iter().filter(|l| **l == line).count()
                };
                answer(stream, handler(&line, n));
            }
        });
        Stub { url, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn count(&self, line: &str) -> usize {
        self.seen().iter().filter(|l| *l == line).count()
    }
}

/// Reads one request; returns its `METHOD /path` line.
fn read_request(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut parts = first.split_whitespace();
    Some(format!("{} {}", parts.next()?, parts.next()?))
}

fn answer(mut stream: TcpStream, reply: Reply) {
    match reply {
        Reply::Json(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
        Reply::Bytes(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
        Reply::Hangup => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Reply::Hang => {
            std::thread::sleep(Duration::from_secs(120));
            drop(stream);
        }
        Reply::Huge { len, declared } => {
            let length = declared
                .map(|n| format!("Content-Length: {n}\r\n"))
                .unwrap_or_default();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n{{\"results\":\""
            );
            let _ = stream.write_all(head.as_bytes());
            let chunk = vec![b'A'; 1 << 20];
            let mut sent = 0;
            while sent < len && stream.write_all(&chunk).is_ok() {
                sent += chunk.len();
            }
        }
    }
}

fn gateway(url: &str) -> settings::Gateway {
    settings::Gateway {
        url: url.to_owned(),
        headers: Vec::new(),
        token: None,
        ca_cert: None,
        session_properties: Vec::new(),
        jobmanager_url: None,
    }
}

fn client(url: &str) -> Client {
    Client::new(&gateway(url).config(), Redactor::default(), None)
        .unwrap()
        .with_version(Version::V4)
}

const SESSION: &str = "11111111-2222-3333-4444-555555555555";
const STATEMENTS: &str = "POST /v4/sessions/11111111-2222-3333-4444-555555555555/statements";

fn session() -> SessionId {
    SessionId(SESSION.to_owned())
}

/// A port nobody listens on (yet).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_refused_get_is_retried_until_the_gateway_is_up() {
    let port = free_port();
    let stub = Arc::new(Mutex::new(None));
    let slot = stub.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(250));
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("rebind the port");
        let s = Stub::serve(listener, |_, _| {
            Reply::Json(200, r#"{"versions":["V1","V2","V3","V4"]}"#.into())
        });
        *slot.lock().unwrap() = Some(s);
    });
    let mut c = Client::new(
        &gateway(&format!("http://127.0.0.1:{port}")).config(),
        Redactor::default(),
        None,
    )
    .unwrap();
    let version = c
        .negotiate()
        .await
        .expect("retried until the stub listened");
    assert_eq!(version, Version::V4);
    let seen = stub.lock().unwrap().as_ref().unwrap().seen();
    assert_eq!(seen, vec!["GET /v1/api_versions".to_owned()]);
}

#[tokio::test]
async fn an_unreachable_gateway_is_exit_3_with_a_hint() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let err = Client::new(&gateway(&url).config(), Redactor::default(), None)
        .unwrap()
        .negotiate()
        .await
        .unwrap_err();
    assert_eq!(err.exit, Exit::Connection);
    assert!(err.message.contains("unreachable"), "{}", err.message);
    assert!(
        err.hints
            .iter()
            .any(|h| h.contains("scripts/stack.sh status")),
        "{:?}",
        err.hints
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(10),
        "retried for {waited:?}"
    );
}

#[tokio::test]
async fn a_refused_statement_post_is_retried_because_nothing_was_sent() {
    let port = free_port();
    let stub = Arc::new(Mutex::new(None));
    let slot = stub.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(250));
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let s = Stub::serve(listener, |_, _| {
            Reply::Json(200, r#"{"operationHandle":"op-1"}"#.into())
        });
        *slot.lock().unwrap() = Some(s);
    });
    let op = client(&format!("http://127.0.0.1:{port}"))
        .submit(&session(), "SELECT 1")
        .await
        .unwrap();
    assert_eq!(op, OperationId("op-1".into()));
    assert_eq!(stub.lock().unwrap().as_ref().unwrap().count(STATEMENTS), 1);
}

#[tokio::test]
async fn a_500_on_statement_post_is_a_statement_error_and_not_resent() {
    let trace = "<Exception on server side:\norg.x.SqlGatewayException: Failed\n\tat a.b(C.java:1)\nCaused by: org.apache.flink.table.api.ValidationException: Could not find required scan format 'value.format'.\n\tat d.e(F.java:2)\n\nEnd of exception on server side>";
    let body = serde_json::json!({ "errors": ["Internal server error.", trace] }).to_string();
    let stub = Stub::start(move |_, _| Reply::Json(500, body.clone()));
    let err = client(&stub.url)
        .submit(&session(), "SELECT * FROM t")
        .await
        .unwrap_err();
    match err {
        Error::Server(e) => {
            assert_eq!(
                e.message,
                "Could not find required scan format 'value.format'."
            );
            assert!(e.detail.contains("at d.e(F.java:2)"));
        }
        Error::Connection(e) | Error::Unreachable(e) | Error::NoReply(e) => {
            panic!("expected a statement error, got {e}")
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(stub.count(STATEMENTS), 1);
}

/// A 500 that is not Flink's `{"errors": [...]}` comes from something in between (an auth proxy,
/// a load balancer): not a statement Flink rejected (exit 1) but an HTTP error (exit 3) that names
/// the call, and the statement is not sent again.
#[tokio::test]
async fn a_500_that_is_not_flinks_error_is_an_http_error_exit_3() {
    let stub = Stub::start(|_, _| {
        Reply::Json(
            500,
            "<html><body><h1>500 Internal Server Error</h1>nginx</body></html>".into(),
        )
    });
    let err = client(&stub.url)
        .submit(&session(), "INSERT INTO sink SELECT * FROM src")
        .await
        .unwrap_err();
    let Error::Connection(e) = err else {
        panic!("expected an HTTP error, got {err:?}")
    };
    assert_eq!(e.exit, Exit::Connection);
    assert!(
        e.message.contains("HTTP 500") && e.message.contains("/statements"),
        "{}",
        e.message
    );
    assert!(e.message.contains("nginx"), "{}", e.message);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(stub.count(STATEMENTS), 1);
}

/// The error of a POST whose answer was cut off after sending: exit 3, not re-sent.
async fn lost_answer<T: std::fmt::Debug>(
    call: impl std::future::Future<Output = Result<T, Error>>,
) -> flink_sql::error::CliError {
    let err = call.await.unwrap_err();
    let Error::NoReply(e) = err else {
        panic!("expected a lost answer, got {err:?}")
    };
    assert_eq!(e.exit, Exit::Connection);
    e
}

#[tokio::test]
async fn a_statement_post_cut_off_after_sending_is_not_resent() {
    let stub = Stub::start(|_, _| Reply::Hangup);
    let e = lost_answer(client(&stub.url).submit(&session(), "INSERT INTO sink SELECT * FROM src"))
        .await;
    assert!(
        e.message
            .contains("may have reached it, so it was not sent again"),
        "{}",
        e.message
    );
    assert!(
        !e.hints.iter().any(|h| h.contains("is the gateway running")),
        "the gateway answered the connection: {:?}",
        e.hints
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        stub.count(STATEMENTS),
        1,
        "a second POST could start a second job"
    );
}

#[tokio::test]
async fn a_session_post_cut_off_after_sending_is_not_resent() {
    let stub = Stub::start(|_, _| Reply::Hangup);
    let err = Session::open(client(&stub.url), &[])
        .await
        .err()
        .expect("no session without an answer");
    assert_eq!(err.exit, Exit::Connection);
    assert!(err.message.contains("not sent again"), "{}", err.message);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        stub.count("POST /v4/sessions"),
        1,
        "a second POST could leave an orphan session behind"
    );
}

/// A plain-HTTP gateway needs no trust roots, so they are not loaded (they cost every command
/// several ms): with a system CA store that holds only a broken certificate, `exec` still reaches
/// the gateway (here one that answers 404), where loading the store would fail before any call.
#[test]
fn plain_http_does_not_load_the_system_trust_roots() {
    let stub = Stub::start(|_, _| Reply::Json(404, r#"{"errors":["Not found."]}"#.into()));
    let certs = tempfile::tempdir().unwrap();
    let bad = certs.path().join("bad.pem");
    std::fs::write(
        &bad,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
        .args(["exec", "--gateway", &stub.url, "-c", "SELECT 1"])
        .env_clear()
        .env("SSL_CERT_FILE", &bad)
        .env("SSL_CERT_DIR", certs.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("cannot set up the HTTP client"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stub.count("GET /v1/api_versions") >= 1, "{stderr}");
}

#[test]
fn a_password_in_the_gateway_url_is_not_printed() {
    let url = format!("http://flink:Url-Pa55word-7@127.0.0.1:{}", free_port());
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
        .args(["exec", "--gateway", &url, "-c", "SELECT 1"])
        .env_clear()
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("unreachable"), "{stderr}");
    assert!(!stderr.contains("Url-Pa55word-7"), "{stderr}");
    assert!(stderr.contains("flink:***@127.0.0.1"), "{stderr}");

    // From the profile or the environment too, and in `env show`.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
        .args(["env", "show"])
        .env_clear()
        .env("SQL_GATEWAY_URL", &url)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(!shown.contains("Url-Pa55word-7"), "{shown}");
    assert!(shown.contains("flink:***@127.0.0.1"), "{shown}");
}

/// A full disk under stdout: the error says it was stdout that could not be written, exit 1
/// (a dry run: no gateway needed). Before, it was a bare "No space left on device".
#[test]
fn stdout_that_cannot_be_written_is_named_in_the_error() {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
        .args(["exec", "--dry-run", "-c", "SELECT 1"])
        .env_clear()
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot write to stdout: No space left on device"),
        "{stderr}"
    );
}

#[test]
fn a_zero_or_huge_timeout_is_a_usage_error() {
    for timeout in ["0", "18446744073709551615s"] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
            .args([
                "exec",
                "--gateway",
                "http://127.0.0.1:1",
                "--timeout",
                timeout,
            ])
            .args(["-c", "SELECT 1"])
            .env_clear()
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--timeout {timeout}: {stderr}");
        assert!(stderr.contains("--timeout"), "{stderr}");
    }
}

#[tokio::test]
async fn a_result_fetch_cut_off_is_retried_with_the_same_token() {
    let page = r#"{"resultType":"EOS","isQueryResult":true,"resultKind":"SUCCESS_WITH_CONTENT",
        "results":{"columns":[{"name":"x","logicalType":{"type":"INTEGER","nullable":false}}],"rowFormat":"JSON","data":[]}}"#;
    let stub = Stub::start(move |_, n| {
        if n == 1 {
            Reply::Hangup
        } else {
            Reply::Json(200, page.into())
        }
    });
    let c = client(&stub.url);
    let path = c.first_page(&session(), &OperationId("op-1".into()));
    let fetched = c.fetch(&path).await.expect("second try answers");
    assert_eq!(fetched.columns[0].data_type.sql, "INT NOT NULL");
    let line = format!("GET {path}");
    assert_eq!(stub.seen(), vec![line.clone(), line]);
}

#[tokio::test]
async fn malformed_json_is_a_protocol_error_exit_3() {
    let stub = Stub::start(|_, _| {
        Reply::Json(
            200,
            r#"{"resultType":"PAYLOAD","results":{"columns":[{"na"#.into(),
        )
    });
    let c = client(&stub.url);
    let err = c
        .fetch(&c.first_page(&session(), &OperationId("op-1".into())))
        .await
        .unwrap_err();
    let Error::Connection(e) = err else {
        panic!("expected a protocol error")
    };
    assert_eq!(e.exit, Exit::Connection);
    assert!(e.message.contains("protocol error"), "{}", e.message);
    assert_eq!(
        stub.seen().len(),
        1,
        "a malformed answer is not a reason to ask again"
    );
}

/// A result page with `value` as the bytes of its one row's string, and `ignored` as those of a
/// key nobody reads.
fn page_with(value: &[u8], ignored: &[u8]) -> Vec<u8> {
    let mut body = br#"{"resultType":"PAYLOAD","isQueryResult":true,"resultKind":"SUCCESS_WITH_CONTENT","results":{"columns":[{"name":"s","logicalType":{"type":"VARCHAR","nullable":true,"length":9}}],"rowFormat":"JSON","data":[{"kind":"INSERT","fields":[""#.to_vec();
    body.extend_from_slice(value);
    body.extend_from_slice(br#"",7]}]},"nextResultUri":null,"unknownKey":""#);
    body.extend_from_slice(ignored);
    body.extend_from_slice(br#""}"#);
    body
}

async fn fetch_bytes(body: Vec<u8>) -> (Result<flink_sql::gateway::Page, Error>, usize) {
    let stub = Stub::start(move |_, _| Reply::Bytes(body.clone()));
    let c = client(&stub.url);
    let page = c
        .fetch(&c.first_page(&session(), &OperationId("op-1".into())))
        .await;
    (page, stub.seen().len())
}

/// A page is read as text once it is known to be UTF-8: values with multi-byte characters come
/// through exactly; invalid bytes in a value are a protocol error (exit 3, not asked again); a
/// page whose only invalid bytes are in a key nobody reads decodes as it did before.
#[tokio::test]
async fn a_pages_bytes_are_utf8_or_a_protocol_error() {
    let text = "é€😀 ${PASSWORD} \\\\ \\\"".as_bytes();
    let (page, _) = fetch_bytes(page_with(text, b"ok")).await;
    let page = page.unwrap();
    let texts: Vec<&str> = page.rows[0].fields.iter().map(|f| f.json()).collect();
    assert_eq!(texts, [r#""é€😀 ${PASSWORD} \\ \"""#, "7"]);

    let (page, asked) = fetch_bytes(page_with(b"a\xff\xfeb", b"ok")).await;
    let Err(Error::Connection(e)) = page else {
        panic!("expected a protocol error, got {page:?}")
    };
    assert_eq!(e.exit, Exit::Connection);
    assert!(e.message.contains("protocol error"), "{}", e.message);
    assert_eq!(
        asked, 1,
        "an undecodable answer is not a reason to ask again"
    );

    let (page, _) = fetch_bytes(page_with(b"fine", b"\xff")).await;
    let page = page.unwrap();
    assert_eq!(page.rows[0].fields[0].json(), r#""fine""#);
}

/// A body no Flink gateway sends (a proxy's endless stream, a wrong port) must not be read into
/// memory until the machine runs out: it is refused as a protocol error, exit 3, not asked again.
async fn a_huge_answer_is_refused(declared: Option<u64>) {
    let len = flink_sql::gateway::MAX_ANSWER_BYTES + (1 << 20);
    let stub = Stub::start(move |_, _| Reply::Huge { len, declared });
    let c = client(&stub.url);
    let err = c
        .fetch(&c.first_page(&session(), &OperationId("op-1".into())))
        .await
        .unwrap_err();
    let Error::Connection(e) = err else {
        panic!("expected a protocol error, got {err:?}")
    };
    assert_eq!(e.exit, Exit::Connection);
    assert!(
        e.message.contains("/result/0") && e.message.contains("is larger than 100 MiB"),
        "{}",
        e.message
    );
    assert_eq!(stub.seen().len(), 1, "a huge answer is not asked for again");
}

#[tokio::test]
async fn a_huge_declared_answer_is_refused_before_it_is_read() {
    a_huge_answer_is_refused(Some(1 << 40)).await;
}

#[tokio::test]
async fn an_endless_answer_without_a_length_is_cut_off_at_the_limit() {
    a_huge_answer_is_refused(None).await;
}

#[tokio::test]
async fn an_unexpected_status_is_exit_3_and_names_the_call() {
    let stub = Stub::start(|_, _| {
        Reply::Json(
            404,
            r#"{"errors":["Not found: /v4/sessions/x/statements"]}"#.into(),
        )
    });
    let err = client(&stub.url)
        .submit(&session(), "SELECT 1")
        .await
        .unwrap_err();
    let Error::Connection(e) = err else {
        panic!("expected an HTTP error")
    };
    assert_eq!(e.exit, Exit::Connection);
    assert!(
        e.message.contains("HTTP 404") && e.message.contains("/statements"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn a_session_dropped_without_close_is_still_deleted() {
    let stub = Stub::start(|line, _| {
        if line.starts_with("POST") {
            Reply::Json(200, format!(r#"{{"sessionHandle":"{SESSION}"}}"#))
        } else {
            Reply::Json(200, r#"{"status":"CLOSED"}"#.into())
        }
    });
    let session = Session::open(client(&stub.url), &[]).await.unwrap();
    drop(session);
    assert_eq!(
        stub.seen(),
        vec![
            "POST /v4/sessions".to_owned(),
            format!("DELETE /v4/sessions/{SESSION}")
        ]
    );
}

#[tokio::test]
async fn secrets_in_server_errors_are_masked() {
    let body = r#"{"errors":["Internal server error.","<Exception on server side:\norg.x.E: bad\n\tat a\nCaused by: org.x.ValidationException: Unable to create table with 'password'='hunter22'\n\tat b\n\nEnd of exception on server side>"]}"#;
    let stub = Stub::start(move |_, _| Reply::Json(500, body.into()));
    let (redactor, _) = Redactor::new(["hunter22"]);
    let c = Client::new(&gateway(&stub.url).config(), redactor, None)
        .unwrap()
        .with_version(Version::V4);
    let Error::Server(e) = c.submit(&session(), "x").await.unwrap_err() else {
        panic!("expected a server error")
    };
    assert_eq!(e.message, "Unable to create table with 'password'='***'");
    assert!(!e.detail.contains("hunter22"));
}

// ---------------------------------------------------------------- fetching one page ahead

const OP: &str = "99999999-8888-7777-6666-555555555555";
/// Rows per stub page: several of the runner's chunks, so that it yields while rendering one.
const PAGE_ROWS: usize = 2560;

fn op_path() -> String {
    format!("/v4/sessions/{SESSION}/operations/{OP}")
}

/// The request line of result page `n` of the stub's one operation.
fn result_line(n: usize) -> String {
    format!("GET {}/result/{n}?rowFormat=JSON", op_path())
}

/// An endless streaming query: every result page brings `PAGE_ROWS` rows and points to the next.
fn endless_query(line: &str, _: usize) -> Reply {
    let page = format!("GET {}/result/", op_path());
    let n = line
        .strip_prefix(&page)
        .and_then(|rest| rest.split('?').next())
        .and_then(|n| n.parse::<usize>().ok());
    match (line, n) {
        ("POST /v4/sessions", _) => Reply::Json(200, format!(r#"{{"sessionHandle":"{SESSION}"}}"#)),
        (STATEMENTS, _) => Reply::Json(200, format!(r#"{{"operationHandle":"{OP}"}}"#)),
        (_, Some(n)) => Reply::Json(200, endless_page(n)),
        _ => Reply::Json(200, r#"{"status":"CLOSED"}"#.to_owned()),
    }
}

fn endless_page(n: usize) -> String {
    let rows: Vec<String> = (n * PAGE_ROWS..(n + 1) * PAGE_ROWS)
        .map(|v| format!(r#"{{"kind":"INSERT","fields":[{v}]}}"#))
        .collect();
    format!(
        r#"{{"resultType":"PAYLOAD","isQueryResult":true,"resultKind":"SUCCESS_WITH_CONTENT",
            "results":{{"columns":[{{"name":"n","logicalType":{{"type":"BIGINT","nullable":true}}}}],
            "data":[{}]}},"nextResultUri":"{}/result/{}?rowFormat=JSON"}}"#,
        rows.join(","),
        op_path(),
        n + 1
    )
}

fn one_query() -> Vec<flink_sql::script::Statement> {
    let source = flink_sql::script::Source {
        name: "stub.sql".into(),
        text: "SELECT n FROM endless;".to_owned(),
    };
    flink_sql::script::prepare(&[source], &Default::default(), false).unwrap()
}

fn run_opts(max_rows: Option<u64>) -> flink_sql::runner::RunOptions {
    let run = settings::Run {
        dry_run: false,
        continue_on_error: false,
        max_rows,
        max_wait: None,
        wait: flink_sql::cli::WaitFor::Submitted,
        timeout: Duration::from_secs(60),
        from_statement: 1,
        reconnect: false,
    };
    let gateway = gateway("http://127.0.0.1:1");
    run.options(&gateway, &Redactor::default(), None).unwrap()
}

/// Records the rows. When the last rows of page 0 arrive it waits (blocking the runtime's one
/// thread) until the stub has been asked for page 1: only a request already sent, while page 0
/// was being rendered, can reach the stub meanwhile.
struct WaitsForFetchAhead {
    stub: Arc<Mutex<Vec<String>>>,
    values: Vec<u64>,
    ahead_seen: Option<bool>,
}

impl flink_sql::render::Sink for WaitsForFetchAhead {
    fn rows(
        &mut self,
        _: &flink_sql::script::Statement,
        rows: &[flink_sql::model::Row],
    ) -> std::io::Result<()> {
        let values = rows
            .iter()
            .map(|r| r.fields[0].json().parse::<u64>().unwrap());
        self.values.extend(values);
        if self.ahead_seen.is_none() && self.values.len() >= PAGE_ROWS {
            let deadline = Instant::now() + Duration::from_secs(10);
            let asked = || self.stub.lock().unwrap().contains(&result_line(1));
            while !asked() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            self.ahead_seen = Some(asked());
        }
        Ok(())
    }
}

async fn run_endless(
    stub: &Stub,
    max_rows: Option<u64>,
    cancel: &flink_sql::runner::Cancel,
) -> (WaitsForFetchAhead, Exit, flink_sql::model::Summary) {
    let mut sink = WaitsForFetchAhead {
        stub: stub.seen.clone(),
        values: Vec::new(),
        ahead_seen: None,
    };
    let opts = run_opts(max_rows);
    let (summary, exit) = run_on_stub(stub, &one_query(), opts, &mut sink, cancel).await;
    (sink, exit, summary)
}

/// Runs `statements` through the runner in a session on `stub`, then closes it.
async fn run_on_stub(
    stub: &Stub,
    statements: &[flink_sql::script::Statement],
    opts: flink_sql::runner::RunOptions,
    sink: &mut dyn flink_sql::render::Sink,
    cancel: &flink_sql::runner::Cancel,
) -> (flink_sql::model::Summary, Exit) {
    let session = Session::open(client(&stub.url), &[]).await.unwrap();
    let mut runner = flink_sql::runner::Runner::new(session, opts);
    let ran = flink_sql::commands::batch::run(&mut runner, statements, sink, cancel)
        .await
        .unwrap();
    runner.into_session().close().await.unwrap();
    ran
}

#[tokio::test]
async fn the_next_page_is_fetched_while_rows_are_rendered_and_a_stop_still_cancels_and_closes() {
    let stub = Stub::start(endless_query);
    let max = PAGE_ROWS as u64 + 2;
    let never = flink_sql::runner::Cancel::never();
    let (sink, exit, summary) = run_endless(&stub, Some(max), &never).await;
    let seen = stub.seen();
    assert_eq!(
        sink.ahead_seen,
        Some(true),
        "page 1 asked for while page 0 was rendered: {seen:?}"
    );
    assert_eq!((exit, summary.ok), (Exit::Success, 1));
    let expected: Vec<u64> = (0..max).collect();
    assert!(
        sink.values == expected,
        "rows in order, none past --max-rows"
    );
    assert_eq!(
        stub.count(&format!("POST {}/cancel", op_path())),
        1,
        "{seen:?}"
    );
    assert_eq!(
        stub.count(&format!("DELETE {}/close", op_path())),
        1,
        "{seen:?}"
    );
    // Page 1 reaches --max-rows: nothing is fetched ahead of it.
    assert_eq!(stub.count(&result_line(2)), 0, "{seen:?}");
}

#[tokio::test]
async fn a_cancelled_run_with_a_fetch_ahead_in_flight_cancels_and_closes_its_operation() {
    let stub = Stub::start(endless_query);
    let (canceller, cancel) = flink_sql::runner::cancellation();
    let stop = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        canceller.cancel(Exit::Interrupted);
    });
    let (sink, exit, summary) = run_endless(&stub, None, &cancel).await;
    stop.await.unwrap();
    assert_eq!((exit, summary.failed), (Exit::Interrupted, 1));
    assert_eq!(
        sink.ahead_seen,
        Some(true),
        "rows flowed, a page ahead with them"
    );
    let seen = stub.seen();
    assert_eq!(
        stub.count(&format!("POST {}/cancel", op_path())),
        1,
        "{seen:?}"
    );
    let close = format!("DELETE {}/close", op_path());
    let closed_at = seen.iter().position(|l| *l == close);
    assert!(closed_at.is_some(), "{seen:?}");
    assert!(
        !seen[closed_at.unwrap()..]
            .iter()
            .any(|l| l.contains("/result/")),
        "no page is asked for once the operation is closed: {seen:?}"
    );
}

// ---------------------------------------------------------------- what a sink sees and says

/// A query whose page 0 brings two rows, pages 1 to 3 none, and page 4 the end.
fn quiet_query(line: &str, _: usize) -> Reply {
    let page = format!("GET {}/result/", op_path());
    let n = line
        .strip_prefix(&page)
        .and_then(|rest| rest.split('?').next())
        .and_then(|n| n.parse::<usize>().ok());
    let data = |n: usize| {
        if n == 0 {
            r#"{"kind":"INSERT","fields":[1]},{"kind":"INSERT","fields":[2]}"#
        } else {
            ""
        }
    };
    match (line, n) {
        ("POST /v4/sessions", _) => Reply::Json(200, format!(r#"{{"sessionHandle":"{SESSION}"}}"#)),
        (STATEMENTS, _) => Reply::Json(200, format!(r#"{{"operationHandle":"{OP}"}}"#)),
        (_, Some(n)) => Reply::Json(
            200,
            format!(
                r#"{{"resultType":"{}","isQueryResult":true,"resultKind":"SUCCESS_WITH_CONTENT",
                    "results":{{"columns":[{{"name":"n","logicalType":{{"type":"BIGINT","nullable":true}}}}],
                    "data":[{}]}},"nextResultUri":"{}/result/{}?rowFormat=JSON"}}"#,
                if n == 4 { "EOS" } else { "PAYLOAD" },
                data(n),
                op_path(),
                n + 1
            ),
        ),
        _ => Reply::Json(200, r#"{"status":"CLOSED"}"#.to_owned()),
    }
}

/// Records rows and quiet pages in order; refuses rows once it holds `refuse_after`.
struct Watcher {
    events: Vec<String>,
    refuse_after: Option<usize>,
    held: usize,
}

impl flink_sql::render::Sink for Watcher {
    fn rows(
        &mut self,
        _: &flink_sql::script::Statement,
        rows: &[flink_sql::model::Row],
    ) -> std::io::Result<()> {
        self.events.push(format!("rows {}", rows.len()));
        self.held += rows.len();
        match self.refuse_after {
            Some(max) if self.held > max => {
                Err(flink_sql::model::Refusal("the table is full".to_owned()).into_io())
            }
            _ => Ok(()),
        }
    }
    fn quiet(&mut self, _: &flink_sql::script::Statement) -> std::io::Result<()> {
        self.events.push("quiet".to_owned());
        Ok(())
    }
    fn finished(
        &mut self,
        _: &flink_sql::script::Statement,
        outcome: &flink_sql::model::Outcome,
    ) -> std::io::Result<()> {
        let message = outcome.failure.as_ref().map(|f| f.message.as_str());
        self.events
            .push(format!("finished {} {message:?}", outcome.status.as_str()));
        Ok(())
    }
}

async fn watch(stub: &Stub, refuse_after: Option<usize>) -> (Watcher, Exit) {
    let session = Session::open(client(&stub.url), &[]).await.unwrap();
    let mut sink = Watcher {
        events: Vec::new(),
        refuse_after,
        held: 0,
    };
    let mut runner = flink_sql::runner::Runner::new(session, run_opts(None));
    let never = flink_sql::runner::Cancel::never();
    let (_, exit) = flink_sql::commands::batch::run(&mut runner, &one_query(), &mut sink, &never)
        .await
        .unwrap();
    runner.into_session().close().await.unwrap();
    (sink, exit)
}

#[tokio::test]
async fn a_querys_pages_without_rows_reach_the_sink_as_quiet() {
    let stub = Stub::start(quiet_query);
    let (sink, exit) = watch(&stub, None).await;
    assert_eq!(exit, Exit::Success);
    assert_eq!(
        sink.events,
        [
            "rows 2",
            "quiet",
            "quiet",
            "quiet",
            "quiet",
            "finished ok None"
        ],
        "pages 1-3 and the empty end of stream are quiet"
    );
}

#[tokio::test]
async fn a_sinks_refusal_fails_the_statement_and_cancels_and_closes_its_operation() {
    let stub = Stub::start(endless_query);
    let (sink, exit) = watch(&stub, Some(PAGE_ROWS)).await;
    assert_eq!(exit, Exit::StatementFailed);
    let last = sink.events.last().unwrap();
    assert!(
        last.starts_with(r#"finished failed Some("the table is full"#),
        "{:?}",
        sink.events
    );
    let seen = stub.seen();
    assert_eq!(
        stub.count(&format!("POST {}/cancel", op_path())),
        1,
        "{seen:?}"
    );
    let close = format!("DELETE {}/close", op_path());
    let closed_at = seen.iter().position(|l| *l == close).expect("closed");
    assert!(
        !seen[closed_at..].iter().any(|l| l.contains("/result/")),
        "no page is asked for once the operation is closed: {seen:?}"
    );
}

// ---------------------------------------------------------------- a second Ctrl-C

/// An endless query whose cancel never answers: the first Ctrl-C's clean-up hangs.
fn cancel_hangs(line: &str, n: usize) -> Reply {
    match line {
        "GET /v1/api_versions" => {
            Reply::Json(200, r#"{"versions":["V1","V2","V3","V4"]}"#.to_owned())
        }
        l if l.ends_with("/cancel") => Reply::Hang,
        _ => endless_query(line, n),
    }
}

#[test]
fn a_second_ctrl_c_quits_when_the_first_ones_clean_up_hangs() {
    let stub = Stub::start(cancel_hangs);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
        .args([
            "exec",
            "--gateway",
            &stub.url,
            "--format",
            "ndjson",
            "-c",
            "SELECT n FROM endless",
        ])
        .env_clear()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let wait_for = |what: &dyn Fn(&[String]) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !what(&stub.seen()) {
            assert!(
                Instant::now() < deadline,
                "the stub never saw it: {:?}",
                stub.seen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let sigint = |pid: u32| {
        let ok = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    wait_for(&|seen| seen.contains(&result_line(1)));
    sigint(child.id());
    wait_for(&|seen| seen.iter().any(|l| l.ends_with("/cancel")));
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited before the second Ctrl-C"
    );
    sigint(child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "a second Ctrl-C did not quit");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted again"), "{stderr}");
}

const CONFIGURE: &str = "POST /v4/sessions/11111111-2222-3333-4444-555555555555/configure-session";

/// The first configure-session call succeeds, the second fails as Flink's parser would.
fn configures_then_fails(line: &str, n: usize) -> Reply {
    let trace = "<Exception on server side:\norg.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to configure session.\nCaused by: org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered \"WITH\" at line 1, column 37.\n\tat d.e(F.java:2)\n\nEnd of exception on server side>";
    match (line, n) {
        ("POST /v4/sessions", _) => Reply::Json(200, format!(r#"{{"sessionHandle":"{SESSION}"}}"#)),
        (CONFIGURE, 1) => Reply::Json(200, "{}".to_owned()),
        (CONFIGURE, _) => Reply::Json(
            500,
            serde_json::json!({ "errors": ["Internal server error.", trace] }).to_string(),
        ),
        _ => Reply::Json(200, "{}".to_owned()),
    }
}

/// A statement's outcome: status, message, position.
type Seen = (
    flink_sql::model::Status,
    Option<String>,
    Option<(usize, usize)>,
);

#[derive(Default)]
struct Outcomes(Vec<Seen>);

impl flink_sql::render::Sink for Outcomes {
    fn finished(
        &mut self,
        _: &flink_sql::script::Statement,
        o: &flink_sql::model::Outcome,
    ) -> std::io::Result<()> {
        let failure = o.failure.as_ref();
        let pos = failure.and_then(|f| f.pos.map(|p| (p.line, p.column)));
        self.0
            .push((o.status, failure.map(|f| f.message.clone()), pos));
        Ok(())
    }
}

/// Runs `source` through the runner against `stub`, collecting each statement's outcome.
async fn run_script(
    stub: &Stub,
    source: flink_sql::script::Source,
) -> (flink_sql::model::Summary, Exit, Outcomes) {
    let statements = flink_sql::script::prepare(&[source], &Default::default(), false).unwrap();
    let mut sink = Outcomes::default();
    let never = flink_sql::runner::Cancel::never();
    let (summary, exit) = run_on_stub(stub, &statements, run_opts(None), &mut sink, &never).await;
    (summary, exit, sink)
}

/// Statements that only configure the session run through configure-session, one call each (no
/// operation to poll or close); a Flink error there fails the statement at its place in the file,
/// and what follows is not run.
#[tokio::test]
async fn session_configuring_statements_take_one_call_and_their_errors_point_into_the_file() {
    let stub = Stub::start(configures_then_fails);
    let source = flink_sql::script::Source {
        name: "stub.sql".into(),
        text: "SET 'a' = 'b';\nCREATE TEMPORARY TABLE t (id BIGINT WITH ('connector' = 'datagen');\nSELECT 1;\n"
            .to_owned(),
    };
    let (summary, exit, sink) = run_script(&stub, source).await;
    use flink_sql::model::Status;
    assert_eq!(exit, Exit::StatementFailed);
    assert_eq!((summary.ok, summary.failed, summary.skipped), (1, 1, 1));
    assert_eq!(sink.0[0], (Status::Ok, None, None));
    let (status, message, pos) = &sink.0[1];
    assert_eq!(*status, Status::Failed);
    assert!(
        message.as_deref().unwrap().contains("Encountered \"WITH\""),
        "{message:?}"
    );
    assert_eq!(*pos, Some((2, 37)), "line 2 of the file, where WITH is");
    assert_eq!(stub.count(CONFIGURE), 2);
    assert_eq!(
        stub.count(STATEMENTS),
        0,
        "nothing was submitted as an operation"
    );
}

#[tokio::test]
async fn a_configure_session_post_cut_off_after_sending_is_not_resent() {
    let stub = Stub::start(|_, _| Reply::Hangup);
    let e = lost_answer(
        client(&stub.url).configure_session(&session(), "CREATE TEMPORARY TABLE t (id INT)"),
    )
    .await;
    assert!(e.message.contains("not sent again"), "{}", e.message);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        stub.count(CONFIGURE),
        1,
        "it may have run: never sent twice"
    );
}

/// configure-session refuses the statement's kind (as another Flink version may): nothing ran,
/// so it is submitted as an operation, once.
fn configure_unsupported(line: &str, _: usize) -> Reply {
    let trace = "<Exception on server side:\norg.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to configure session.\nCaused by: java.lang.UnsupportedOperationException: Unsupported statement for configuring session:CREATE MODEL m\n\tat d.e(F.java:2)\n\nEnd of exception on server side>";
    let ok_page = r#"{"resultType":"PAYLOAD","isQueryResult":false,"resultKind":"SUCCESS",
        "results":{"columns":[{"name":"result","logicalType":{"type":"VARCHAR","nullable":true}}],
        "data":[{"kind":"INSERT","fields":["OK"]}]},"nextResultUri":null}"#;
    match line {
        "POST /v4/sessions" => Reply::Json(200, format!(r#"{{"sessionHandle":"{SESSION}"}}"#)),
        CONFIGURE => Reply::Json(
            500,
            serde_json::json!({ "errors": ["Internal server error.", trace] }).to_string(),
        ),
        STATEMENTS => Reply::Json(200, format!(r#"{{"operationHandle":"{OP}"}}"#)),
        l if l.starts_with(&format!("GET {}/result/0", op_path())) => {
            Reply::Json(200, ok_page.to_owned())
        }
        _ => Reply::Json(200, "{}".to_owned()),
    }
}

#[tokio::test]
async fn a_statement_configure_session_refuses_for_its_kind_is_submitted_instead() {
    let stub = Stub::start(configure_unsupported);
    let source = flink_sql::script::Source {
        name: "stub.sql".into(),
        text: "CREATE MODEL m WITH ('provider' = 'x');\n".to_owned(),
    };
    let (summary, exit, sink) = run_script(&stub, source).await;
    assert_eq!(exit, Exit::Success, "{:?}", sink.0);
    assert_eq!(summary.ok, 1);
    assert_eq!(stub.count(CONFIGURE), 1);
    assert_eq!(stub.count(STATEMENTS), 1, "submitted once, as an operation");
}

// ---------------------------------------------------------------- the API version

/// Runs `exec -c sql` against `stub` (with nothing from the environment); its exit code and stderr.
fn exec_on(stub: &Stub, sql: &str) -> (Option<i32>, String) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
        .args(["exec", "--gateway", &stub.url, "-c", sql])
        .env_clear()
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A gateway of one API version: `/{version}/…` is served, any other version's path is a 404 as
/// Flink's router answers it.
fn gateway_of(version: &'static str) -> impl Fn(&str, usize) -> Reply {
    move |line, _| {
        let sessions = format!("POST /{version}/sessions");
        let mine = format!("/{version}/sessions/{SESSION}");
        match line {
            "GET /v1/api_versions" => Reply::Json(
                200,
                format!(r#"{{"versions":["V1","{}"]}}"#, version.to_uppercase()),
            ),
            l if l == sessions => Reply::Json(200, format!(r#"{{"sessionHandle":"{SESSION}"}}"#)),
            l if l.contains(&mine) => Reply::Json(200, "{}".to_owned()),
            l => Reply::Json(
                404,
                format!(
                    r#"{{"errors":["Not found: {}"]}}"#,
                    l.split(' ').nth(1).unwrap()
                ),
            ),
        }
    }
}

/// Every current gateway speaks our newest version, so the session is asked for at it straight
/// away: no version round trip before the first statement.
#[test]
fn a_gateway_that_speaks_our_newest_version_is_not_asked_which_it_speaks() {
    let stub = Stub::start(gateway_of("v4"));
    let (code, stderr) = exec_on(&stub, "SET 'a' = 'b';");
    assert_eq!(code, Some(0), "{stderr}");
    let seen = stub.seen();
    assert_eq!(seen[0], "POST /v4/sessions", "{seen:?}");
    assert_eq!(stub.count("GET /v1/api_versions"), 0, "{seen:?}");
    assert_eq!(
        stub.count(&format!("POST /v4/sessions/{SESSION}/configure-session")),
        1
    );
    assert_eq!(
        stub.count(&format!("DELETE /v4/sessions/{SESSION}")),
        1,
        "{seen:?}"
    );
}

/// An older gateway answers the newest version's session POST with 404 (opening nothing); it is
/// then asked which versions it speaks, and the whole run speaks the newest of those.
#[test]
fn an_older_gateway_is_asked_which_versions_it_speaks_and_served_at_its_newest() {
    let stub = Stub::start(gateway_of("v2"));
    let (code, stderr) = exec_on(&stub, "SET 'a' = 'b';");
    assert_eq!(code, Some(0), "{stderr}");
    let seen = stub.seen();
    assert_eq!(
        seen[..4],
        [
            "POST /v4/sessions".to_owned(),
            "GET /v1/api_versions".to_owned(),
            "POST /v2/sessions".to_owned(),
            format!("POST /v2/sessions/{SESSION}/configure-session"),
        ],
        "{seen:?}"
    );
    assert_eq!(
        stub.count(&format!("DELETE /v2/sessions/{SESSION}")),
        1,
        "{seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|l| l.contains("/v4/")).count(),
        1,
        "only the first POST: {seen:?}"
    );
}

/// A gateway that speaks none of our versions is named as such (exit 3), not as a missing path.
#[test]
fn a_gateway_of_no_version_we_speak_is_exit_3_and_says_so() {
    let stub = Stub::start(|line, _| match line {
        "GET /v1/api_versions" => Reply::Json(200, r#"{"versions":["V9"]}"#.to_owned()),
        l => Reply::Json(404, format!(r#"{{"errors":["Not found: {l}"]}}"#)),
    });
    let (code, stderr) = exec_on(&stub, "SET 'a' = 'b';");
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("speaks none of our API versions"),
        "{stderr}"
    );
    assert_eq!(stub.seen(), ["POST /v4/sessions", "GET /v1/api_versions"]);
}
