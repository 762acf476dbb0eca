//! How long after its `;` arrives a piped statement reaches the gateway (bench/run.sh, step 5).
//!
//!   pipe_latency FLINK_SQL GATEWAY_URL [N]
//!
//! Starts `FLINK_SQL exec --format plain -q` with a pipe on stdin and `--gateway` pointing at a
//! TCP proxy in this process, which forwards everything to GATEWAY_URL and notes when the request
//! line of each statement POST arrives. Per statement: note the time, write `SELECT i AS n;` and
//! its newline in one write, wait for the POST at the proxy (the measurement), then for the
//! result on stdout before the next statement. Statement 0 (which also opens the session) is a
//! warm-up and not counted. Prints `statements=N median_ms=… p90_ms=… max_ms=…`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (flink_sql, upstream) = match &args[..] {
        [_, f, g, ..] => (
            f.clone(),
            g.trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned(),
        ),
        _ => panic!("usage: pipe_latency FLINK_SQL GATEWAY_URL [N]"),
    };
    let n: usize = args
        .get(3)
        .map_or(50, |n| n.parse().expect("N is a number"));
    let (posts, arrived) = mpsc::channel();
    let proxy = start_proxy(upstream, posts);
    let mut child = Command::new(flink_sql)
        .args(["exec", "--format", "plain", "-q", "--gateway", &proxy])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start flink-sql");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut took = Vec::new();
    for i in 0..=n {
        let sent = Instant::now();
        stdin
            .write_all(format!("SELECT {i} AS n;\n").as_bytes())
            .expect("write to flink-sql");
        stdin.flush().unwrap();
        let at: Instant = arrived
            .recv_timeout(Duration::from_secs(60))
            .expect("the statement reached the gateway");
        let want = format!("+I\t{i}");
        let seen = stdout
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line == want);
        assert!(seen, "flink-sql ended before the result of statement {i}");
        if i > 0 {
            took.push(at.duration_since(sent).as_secs_f64() * 1000.0);
        }
    }
    drop(stdin);
    let status = child.wait().expect("flink-sql ends");
    assert!(status.success(), "flink-sql failed: {status}");
    took.sort_by(f64::total_cmp);
    let pick = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    println!(
        "statements={} median_ms={:.2} p90_ms={:.2} max_ms={:.2}",
        took.len(),
        pick(0.5),
        pick(0.9),
        took[took.len() - 1]
    );
}

/// A forwarding proxy on a free local port; sends the arrival time of every statement POST.
fn start_proxy(upstream: String, posts: mpsc::Sender<Instant>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let server = TcpStream::connect(&upstream).expect("reach the gateway");
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let posts = posts.clone();
            std::thread::spawn(move || copy(client, server, Some(posts)));
            std::thread::spawn(move || copy(s2, c2, None));
        }
    });
    url
}

fn copy(mut from: TcpStream, mut to: TcpStream, posts: Option<mpsc::Sender<Instant>>) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        let is_statement = chunk.starts_with(b"POST ")
            && chunk
                .windows(b"/statements HTTP/1.1".len())
                .any(|w| w == b"/statements HTTP/1.1");
        if let (true, Some(posts)) = (is_statement, &posts) {
            let _ = posts.send(Instant::now());
        }
        if to.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}
