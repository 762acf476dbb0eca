//! A fault proxy: a TCP proxy on 127.0.0.1 in front of the REAL gateway that forwards every
//! HTTP/1.1 request unchanged, except the ones a test picks, which it stalls (never forwarded,
//! never answered) or whose answer it drops (forwarded, the gateway acts on it, the client gets a
//! closed connection). For faults the real gateway cannot produce on demand.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the proxy read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: String,
}

impl Request {
    /// `METHOD /path`, as recorded.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// A statement POST whose SQL contains `needle` and is not an `EXPLAIN` (a pipeline's job
    /// statement is preceded by the EXPLAIN of it, for its state layout). A statement that only
    /// configures the session is posted to `/configure-session`, any other to `/statements`.
    pub fn is_statement_with(&self, needle: &str) -> bool {
        self.method == "POST"
            && (self.path.ends_with("/statements") || self.path.ends_with("/configure-session"))
            && serde_json::from_str::<serde_json::Value>(&self.body)
                .ok()
                .and_then(|b| {
                    b["statement"]
                        .as_str()
                        .map(|s| s.contains(needle) && !s.starts_with("EXPLAIN"))
                })
                .unwrap_or(false)
    }
}

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Forward,
    /// Never forwarded, never answered: the connection stays open and silent.
    Stall,
    /// Forwarded; the gateway's answer is read and thrown away, and the client's connection closed.
    DropReply,
}

type Decide = dyn Fn(&Request) -> Fault + Send + Sync;

pub struct Proxy {
    pub url: String,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Proxy {
    /// Starts a proxy to `upstream` (`http://host:port`) that asks `decide` about each request.
    pub fn start(
        upstream: &str,
        decide: impl Fn(&Request) -> Fault + Send + Sync + 'static,
    ) -> Proxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let decide: Arc<Decide> = Arc::new(decide);
        let log = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (upstream, decide, log) = (upstream.clone(), decide.clone(), log.clone());
                std::thread::spawn(move || serve(client, &upstream, &*decide, &log));
            }
        });
        Proxy { url, seen }
    }

    /// Every request read so far, in order.
    pub fn seen(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }

    /// The `METHOD /path` lines read so far.
    pub fn lines(&self) -> Vec<String> {
        self.seen().iter().map(Request::line).collect()
    }
}

/// Serves one client connection (keep-alive: request after request).
fn serve(client: TcpStream, upstream: &str, decide: &Decide, log: &Mutex<Vec<Request>>) {
    let mut reader = BufReader::new(client.try_clone().expect("clone the socket"));
    let mut client = client;
    while let Some((request, raw)) = read_request(&mut reader) {
        let fault = decide(&request);
        log.lock().unwrap().push(request);
        match fault {
            Fault::Forward => match forward(upstream, &raw) {
                Some(answer) if client.write_all(&answer).is_ok() => {}
                _ => break,
            },
            Fault::Stall => {
                // Long past any run under test; the test process ends first.
                std::thread::sleep(Duration::from_secs(600));
                break;
            }
            Fault::DropReply => {
                let _ = forward(upstream, &raw);
                let _ = client.shutdown(Shutdown::Both);
                break;
            }
        }
    }
}

/// Reads one request: its parsed form and its bytes, rewritten to close the upstream connection
/// after the answer (so the answer's end is the connection's end).
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(Request, Vec<u8>)> {
    let mut first = String::new();
    if reader.read_line(&mut first).ok()? == 0 {
        return None;
    }
    let mut head = first.clone();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push_str(&header);
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut parts = first.split_whitespace();
    let request = Request {
        method: parts.next()?.to_owned(),
        path: parts.next()?.to_owned(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let mut raw = head.into_bytes();
    raw.extend_from_slice(&body);
    Some((request, raw))
}

/// Sends `raw` upstream and reads the whole answer (up to the upstream's close).
fn forward(upstream: &str, raw: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).ok()?;
    up.write_all(raw).ok()?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).ok()?;
    Some(answer)
}
