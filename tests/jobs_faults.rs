//! What the real JobManager cannot be made to do on demand, against a tiny local HTTP stub
//! (SPEC §11): a savepoint already in progress when ours is due, a trigger whose connection drops
//! after the request was sent, and what reaches an auth proxy. Everything else about `jobs` runs
//! against the real cluster in `live_jobs.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};

const JID: &str = "0123456789abcdef0123456789abcdef";

/// One request as the stub read it.
#[derive(Debug, Clone)]
struct Request {
    /// `METHOD /path`.
    line: String,
    /// Header lines, lower-cased names.
    head: Vec<String>,
    body: String,
}

enum Reply {
    Json(u16, Value),
    /// Read the request, then close the connection without a word.
    Hangup,
    /// Read the request and never answer (the stub serves nothing else meanwhile).
    Hang,
}

/// A one-thread HTTP/1.1 server recording every request; the handler sees the request and how
/// many times its line was seen so far (1 for the first).
struct Stub {
    url: String,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Stub {
    fn start(handler: impl Fn(&Request, usize) -> Reply + Send + 'static) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let Some(req) = read_request(&stream) else {
                    continue;
                };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(req.clone());
                    log.iter().filter(|r| r.line == req.line).count()
                };
                answer(stream, handler(&req, n));
            }
        });
        Stub { url, seen }
    }

    fn seen(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    let mut head = Vec::new();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end().to_owned();
        if header.is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        head.push(lower);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut parts = first.split_whitespace();
    Some(Request {
        line: format!("{} {}", parts.next()?, parts.next()?),
        head,
        body: String::from_utf8(body).ok()?,
    })
}

fn answer(mut stream: TcpStream, reply: Reply) {
    match reply {
        Reply::Json(status, body) => {
            let body = body.to_string();
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
        Reply::Hangup => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Reply::Hang => {
            std::thread::sleep(Duration::from_secs(120));
            drop(stream);
        }
    }
}

/// A JobManager with one RUNNING job named `p` and a savepoint directory; `extra` answers the rest.
fn jobmanager(extra: impl Fn(&Request, usize) -> Option<Reply> + Send + 'static) -> Stub {
    Stub::start(move |req, n| {
        if let Some(reply) = extra(req, n) {
            return reply;
        }
        match req.line.as_str() {
            "GET /jobs/overview" => Reply::Json(
                200,
                json!({"jobs": [{"jid": JID, "name": "p", "state": "RUNNING",
                    "start-time": 1, "end-time": -1, "duration": 5, "tasks": {"running": 1, "total": 1}}]}),
            ),
            "GET /jobmanager/config" => Reply::Json(
                200,
                json!([{"key": "execution.checkpointing.savepoint-dir", "value": "file:///sp"}]),
            ),
            l if l == format!("GET /jobs/{JID}/checkpoints") => {
                Reply::Json(200, json!({"counts": {}, "latest": {}, "history": []}))
            }
            l if l.starts_with(&format!("GET /jobs/{JID}/savepoints/")) => Reply::Json(
                200,
                json!({"status": {"id": "COMPLETED"}, "operation": {"location": "file:/sp/p/savepoint-x"}}),
            ),
            l if l == format!("GET /jobs/{JID}") => Reply::Json(
                200,
                json!({"jid": JID, "name": "p", "state": "FINISHED", "vertices": []}),
            ),
            _ => Reply::Json(
                404,
                json!({"errors": ["Not found: ".to_owned() + &req.line]}),
            ),
        }
    })
}

fn trigger_reply(req: &Request) -> Reply {
    let body: Value = serde_json::from_str(&req.body).unwrap();
    Reply::Json(202, json!({"request-id": body["triggerId"]}))
}

fn flink_sql(stub: &Stub) -> Command {
    let mut cmd = Command::cargo_bin("flink-sql").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("FLINK_REST_URL", &stub.url)
        .timeout(Duration::from_secs(60));
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (
        out.status.code().unwrap(),
        text(out.stdout),
        text(out.stderr),
    )
}

#[test]
fn a_savepoint_waits_for_one_already_in_progress_on_the_job() {
    let checkpoints = format!("GET /jobs/{JID}/checkpoints");
    let trigger = format!("POST /jobs/{JID}/savepoints");
    let (c, t) = (checkpoints.clone(), trigger.clone());
    let stub = jobmanager(move |req, n| {
        if req.line == c && n <= 3 {
            let busy = json!({"id": 9, "status": "IN_PROGRESS", "is_savepoint": true});
            return Some(Reply::Json(200, json!({"history": [busy]})));
        }
        (req.line == t).then(|| trigger_reply(req))
    });
    let (code, stdout, stderr) =
        run(flink_sql(&stub).args(["jobs", "savepoint", "p", "--format", "plain"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "file:/sp/p/savepoint-x\n");
    assert!(
        stderr.contains("waiting for the savepoint already in progress"),
        "{stderr}"
    );
    let lines: Vec<String> = stub.seen().into_iter().map(|r| r.line).collect();
    let post = lines.iter().position(|l| *l == trigger).expect("triggered");
    let looks = lines[..post].iter().filter(|l| **l == checkpoints).count();
    assert_eq!(
        looks, 4,
        "three busy answers, then a free one, before the trigger: {lines:?}"
    );
}

#[test]
fn a_stop_whose_connection_drops_is_sent_again_with_the_same_trigger_id() {
    let stop = format!("POST /jobs/{JID}/stop");
    let s = stop.clone();
    let stub = jobmanager(move |req, n| {
        (req.line == s).then(|| {
            if n == 1 {
                Reply::Hangup
            } else {
                trigger_reply(req)
            }
        })
    });
    let (code, stdout, stderr) =
        run(flink_sql(&stub).args(["jobs", "stop", "p", "--format", "plain"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "file:/sp/p/savepoint-x\n");
    let bodies: Vec<Value> = stub
        .seen()
        .into_iter()
        .filter(|r| r.line == stop)
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(bodies.len(), 2, "the dropped trigger was sent again");
    assert_eq!(
        bodies[0], bodies[1],
        "with the same trigger id and directory"
    );
    assert_eq!(bodies[0]["targetDirectory"], "file:///sp/p");
    assert_eq!(bodies[0]["drain"], false);
    assert_eq!(bodies[0]["triggerId"].as_str().unwrap().len(), 32);
}

#[test]
fn the_jobmanager_gets_the_gateways_headers_and_token_and_the_token_is_never_printed() {
    let stub = jobmanager(|_, _| None);
    let token = "tok-3b1f9d-secret";
    let (code, stdout, stderr) = run(flink_sql(&stub)
        .env("SQL_GATEWAY_TOKEN", token)
        .env("SQL_GATEWAY_HEADERS", "X-Team: data")
        .args([
            "jobs",
            "list",
            "-v",
            "--header",
            "X-Extra: 1",
            "--format",
            "json",
        ]));
    assert_eq!(code, 0, "{stderr}");
    let list: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(list[0]["id"], JID);
    let req = stub
        .seen()
        .into_iter()
        .find(|r| r.line == "GET /jobs/overview")
        .unwrap();
    assert!(
        req.head.contains(&format!("authorization: bearer {token}")),
        "{:?}",
        req.head
    );
    assert!(
        req.head.contains(&"x-team: data".to_owned()),
        "{:?}",
        req.head
    );
    assert!(
        req.head.contains(&"x-extra: 1".to_owned()),
        "{:?}",
        req.head
    );
    assert!(!stdout.contains(token) && !stderr.contains(token));
}

#[test]
fn several_matches_without_yes_off_a_terminal_change_nothing() {
    let stub = Stub::start(|req, _| match req.line.as_str() {
        "GET /jobs/overview" => Reply::Json(
            200,
            json!({"jobs": [
                {"jid": JID, "name": "dup", "state": "RUNNING", "start-time": 2},
                {"jid": "f".repeat(32), "name": "dup", "state": "RUNNING", "start-time": 1}]}),
        ),
        _ => Reply::Json(500, json!({"errors": ["unexpected"]})),
    });
    let (code, stdout, stderr) = run(flink_sql(&stub).args(["jobs", "stop", "dup"]));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("refusing to stop 2 jobs without confirmation"),
        "{stderr}"
    );
    let lines: Vec<String> = stub.seen().into_iter().map(|r| r.line).collect();
    assert_eq!(
        lines,
        ["GET /jobs/overview"],
        "nothing but the lookup was sent"
    );
}

/// Ctrl-C while `watch` waits for a JobManager that stopped answering ends the watch at once
/// (exit 130), instead of being lost until the request times out and the watch goes on.
#[test]
fn ctrl_c_while_watch_waits_for_a_stalled_jobmanager_exits_130() {
    let stub = jobmanager(|req, n| match req.line.as_str() {
        "GET /overview" if n == 1 => Some(Reply::Json(200, json!({"taskmanagers": 1}))),
        "GET /overview" => Some(Reply::Hang),
        _ => None,
    });
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("flink-sql"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("FLINK_REST_URL", &stub.url)
        .args(["jobs", "watch", "--interval", "50ms", "--format", "plain"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The second look is under way and will never be answered.
    while stub
        .seen()
        .iter()
        .filter(|r| r.line == "GET /overview")
        .count()
        < 2
    {
        assert!(child.try_wait().unwrap().is_none(), "watch ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    // A guard against a hang, not a speed bound: the request itself would time out after 60 s.
    let mut code = None;
    for _ in 0..1500 {
        if let Some(status) = child.try_wait().unwrap() {
            code = Some(status.code());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if code.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_eq!(code, Some(Some(130)), "watch exits 130 on Ctrl-C");
}
