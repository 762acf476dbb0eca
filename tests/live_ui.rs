//! `jobs ui` against the REAL stack, through a real pseudo-terminal of 80×24 read back with a
//! terminal emulator (vt100): the screen lists a running and a missing pipeline of a folder,
//! starting the missing one from the screen makes it RUNNING, stopping the other with a
//! savepoint prints the savepoint path, `a` shows `jobs apply`'s plan and applying it starts what
//! is missing, and `q` exits with the terminal restored (cooked mode, main screen, cursor shown).
//! At most two jobs of this test run at once; both are cancelled at the end, also when it fails
//! (`Jobs`). Leaving with Ctrl-C while `a` starts a pipeline prints which step was under way.
//!
//! Run: `cargo test --features live --test live_ui` (its tests take turns).

mod common;

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;

fn pipeline(name: &str) -> String {
    common::stateful_pipeline(name)
}

/// The tests of this file run one after the other (at most two of their jobs at once on the
/// shared cluster), whatever `--test-threads` says.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The screen as a terminal shows it, from everything the program wrote.
fn screen(seen: &[u8]) -> String {
    let mut p = vt100::Parser::new(24, 80, 0);
    p.process(seen);
    p.screen().contents()
}

struct Tty {
    master: std::fs::File,
    seen: Arc<Mutex<Vec<u8>>>,
    child: std::process::Child,
    slave: std::fs::File,
    reading: std::thread::JoinHandle<()>,
}

impl Tty {
    /// `jobs ui DIR` on a new 80×24 pseudo-terminal, everything it writes recorded.
    fn open(dir: &std::path::Path) -> Tty {
        let (master, slave) = common::pty::open_pty(24, 80);
        let child = flink_sql()
            .args(["jobs", "ui", "--env", "local"])
            .arg(dir)
            .env("TERM", "xterm-256color")
            .stdin(slave.try_clone().unwrap())
            .stdout(slave.try_clone().unwrap())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = seen.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the child and the test have closed the slave.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Tty {
            master,
            seen,
            child,
            slave,
            reading,
        }
    }

    /// Waits for the program to end; checks the terminal is back in cooked mode with echo, the
    /// alternate screen left and the cursor shown. Returns the exit code and what it printed
    /// after the screen.
    fn closed(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: the slave is open; termios is a plain struct tcgetattr fills.
        assert_eq!(
            unsafe { libc::tcgetattr(self.slave.as_raw_fd(), &mut termios) },
            0
        );
        assert_ne!(termios.c_lflag & libc::ICANON, 0, "left in raw mode");
        assert_ne!(termios.c_lflag & libc::ECHO, 0, "left without echo");
        drop(self.slave);
        self.reading.join().unwrap();
        let raw = String::from_utf8_lossy(&self.seen.lock().unwrap()).into_owned();
        let tail = raw.rsplit_once("\x1b[?1049l").map(|(_, t)| t.to_owned());
        let tail = tail.unwrap_or_else(|| panic!("the alternate screen was not left: {raw:?}"));
        assert!(raw.contains("\x1b[?25h"), "cursor not shown again");
        (status.code(), tail)
    }

    fn screen(&self) -> String {
        screen(&self.seen.lock().unwrap())
    }

    /// Waits until the screen shows what `ok` looks for; panics with the screen after the guard.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(started.elapsed() < HANG_GUARD, "never saw {what}:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
        self.master.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// The screen line of a pipeline.
fn line_of<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or("")
}

fn state_of(screen: &str, name: &str) -> String {
    let l = line_of(screen, name);
    let rest = l.trim_start().strip_prefix(name).unwrap_or("").trim_start();
    if rest.starts_with("not running") {
        "not running".into()
    } else {
        rest.split_whitespace().next().unwrap_or("").to_owned()
    }
}

#[test]
fn the_screen_starts_a_missing_pipeline_stops_one_with_a_savepoint_and_restores_the_terminal() {
    require_stack();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 1_000_000;
    let (a, b) = (format!("ui-a-{stamp:06}"), format!("ui-b-{stamp:06}"));
    let _guards = (Jobs(a.clone()), Jobs(b.clone()));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sql"), pipeline(&a)).unwrap();
    std::fs::write(dir.path().join("b.sql"), pipeline(&b)).unwrap();
    let started = Run::of(
        flink_sql()
            .args(["exec", "--env", "local", "--wait", "running"])
            .arg(dir.path().join("a.sql")),
    );
    started.expect_code(0);

    let mut tty = Tty::open(dir.path());

    let first = tty.wait_for("a running and b not running", |s| {
        state_of(s, &a) == "running" && state_of(s, &b) == "not running"
    });
    println!("---- the screen at 80x24 ----\n{first}\n----");
    assert!(first.contains("PIPELINE"), "{first}");
    assert!(
        first
            .lines()
            .any(|l| l.contains("pipelines:") && l.contains("running")),
        "{first}"
    );

    // b is the second row: start it (not destructive: no question).
    tty.keys("j");
    tty.keys("\r");
    let menu = tty.screen();
    assert!(menu.contains(&format!("s  start {b}")), "{menu}");
    tty.keys("s");
    tty.wait_for("b running, its start reported", |s| {
        state_of(s, &b) == "running" && s.contains(&format!("started {b} without state"))
    });
    let b_jobs = jobs_named(&b);
    assert!(
        b_jobs.iter().any(|(_, state)| state == "RUNNING"),
        "{b_jobs:?}"
    );

    // a: stop with a savepoint, confirmed.
    tty.keys("k");
    tty.keys("\r");
    tty.keys("t");
    let asked = tty.screen();
    assert!(asked.contains("with a savepoint? [y/N]"), "{asked}");
    tty.keys("y");
    let stopped = tty.wait_for("the savepoint path", |s| {
        s.contains(&format!("stopped {a}: savepoint "))
    });
    let a_jobs = jobs_named(&a);
    assert_eq!(
        settled_state(&a_jobs[0].0).as_deref(),
        Some("FINISHED"),
        "{a_jobs:?}"
    );

    // b: cancel, confirmed.
    tty.keys("j");
    tty.keys("\r");
    tty.keys("c");
    tty.keys("y");
    tty.wait_for("b cancelled", |s| s.contains(&format!("cancelled {b}")));

    // a again: started from the savepoint the stop took, which the screen now shows.
    let finished = format!("{}/jobs/{}/checkpoints", jobmanager_url(), a_jobs[0].0);
    let (_, body) = http(reqwest::Method::GET, &finished).unwrap();
    let taken: serde_json::Value = serde_json::from_str(&body).unwrap();
    let path = taken["latest"]["savepoint"]["external_path"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert!(
        stopped
            .replace('\n', "")
            .contains(&path[..path.len().min(60)]),
        "{stopped}"
    );
    tty.wait_for("a's savepoint in its row", |s| {
        let last = path.rsplit('/').next().unwrap();
        line_of(s, &a).contains(&last[..last.len().min(12)])
    });
    tty.keys("k");
    tty.keys("\r");
    let menu = tty.screen();
    assert!(
        menu.contains(&format!("s  start {a} from its latest savepoint")),
        "{menu}"
    );
    tty.keys("s");
    tty.wait_for("a running again, from the savepoint", |s| {
        let joined: String = s.split_whitespace().collect();
        state_of(s, &a) == "running" && joined.contains(&format!("from{path}"))
    });
    let rerun = jobs_named(&a);
    let running = rerun
        .iter()
        .find(|(_, st)| st == "RUNNING")
        .expect("a runs again");
    let url = format!("{}/jobs/{}/checkpoints", jobmanager_url(), running.0);
    let (_, body) = http(reqwest::Method::GET, &url).unwrap();
    let restored: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        restored["latest"]["restored"]["external_path"].as_str(),
        Some(path.as_str()),
        "{body}"
    );

    // `a`: jobs apply's plan in the screen (a kept, b started), confirmed; b runs again.
    tty.keys("a");
    let plan = tty.wait_for("the plan", |s| s.contains("jobs apply: the plan"));
    println!("---- `a` at 80x24 ----\n{plan}\n----");
    assert!(
        plan.contains(&format!("keep       {a}: runs this SQL")),
        "{plan}"
    );
    assert!(
        plan.contains(&format!("start      {b}: not running")),
        "{plan}"
    );
    assert!(
        plan.contains("(1 pipeline(s) started or restarted)? [y/N]"),
        "{plan}"
    );
    tty.keys("y");
    let applied = tty.wait_for("b running, started by apply", |s| {
        state_of(s, &b) == "running" && s.contains("jobs apply: 1 started, 1 unchanged")
    });
    println!("---- after the apply ----\n{applied}\n----");
    let b_jobs = jobs_named(&b);
    assert_eq!(
        b_jobs.iter().filter(|(_, st)| st == "RUNNING").count(),
        1,
        "{b_jobs:?}"
    );

    tty.keys("q");
    let (code, tail) = tty.closed();
    assert_eq!(code, Some(0), "{tail:?}");
    // After the screen, what the actions did stays in the terminal.
    assert!(
        tail.contains(&format!("stopped {a}: savepoint file:")),
        "{tail:?}"
    );
    assert!(
        tail.contains(&format!("started {b} without state")),
        "{tail:?}"
    );
    assert!(
        tail.contains(&format!("{a}: keep: kept: runs this SQL")),
        "{tail:?}"
    );
}

#[test]
fn leaving_with_ctrl_c_while_apply_starts_a_pipeline_says_what_is_unfinished() {
    require_stack();
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 1_000_000;
    let c = format!("ui-c-{stamp:06}");
    let _guard = Jobs(c.clone());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.sql"), pipeline(&c)).unwrap();
    let mut tty = Tty::open(dir.path());
    tty.wait_for("c not running", |s| state_of(s, &c) == "not running");
    tty.keys("a");
    tty.wait_for("the plan", |s| s.contains("jobs apply: the plan"));
    tty.keys("y");
    // The start waits until every task of the job runs: seconds after this line.
    let busy = tty.wait_for("apply's progress", |s| {
        s.contains(&format!("starting pipeline '{c}'"))
    });
    tty.keys("\x03");
    let warned = tty.wait_for("the warning", |s| s.contains("Ctrl-C again"));
    tty.keys("\x03");
    let (code, tail) = tty.closed();
    assert_eq!(code, Some(130), "{busy}\n{warned}\n{tail:?}");
    assert!(
        tail.contains("interrupted while 'jobs apply' was running:"),
        "{tail:?}"
    );
    assert!(
        tail.contains(&format!(
            "start {c}: under way when interrupted, outcome unknown"
        )),
        "{tail:?}"
    );
    assert!(
        tail.contains(&format!(
            "look with `flink-sql jobs status {}`",
            dir.path().display()
        )),
        "{tail:?}"
    );
}
