//! The bad-input corpus: scripts, folders and profiles that must be refused before anything is
//! sent. Each case runs the real binary with `SQL_GATEWAY_URL` pointing at a local listener that
//! records every connection, and checks: exit 2, the message (with `file:line:col` where there is
//! a place), no connection at all, and the child's peak memory (`wait4`'s max RSS) under a bound
//! proportional to the input. Needs no server: it runs in plain `cargo test`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What every child may use on top of its input: the binary, its libraries, buffers.
const BASE_RSS_BYTES: u64 = 64 << 20;
/// Memory per byte of input the child may use, as a generous multiple.
const RSS_PER_INPUT_BYTE: u64 = 10;

/// A TCP listener that accepts and drops every connection, counting them.
struct Recorder {
    url: String,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopping) = (connections.clone(), stop.clone());
        let thread = std::thread::spawn(move || loop {
            // Checked before the accept, so that a connection made before `stop` is still counted.
            let last = stopping.load(Ordering::SeqCst);
            while let Ok((stream, _)) = listener.accept() {
                count.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
            if last {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        });
        Recorder {
            url,
            connections,
            stop,
            thread: Some(thread),
        }
    }

    /// Every connection made so far (call after the child has exited).
    fn connections(&mut self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        self.connections.load(Ordering::SeqCst)
    }
}

/// How a run ended.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    max_rss: u64,
    connections: usize,
}

impl Run {
    fn dump(&self) -> String {
        let cut = |s: &str| s.chars().take(4000).collect::<String>();
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            cut(&self.stdout),
            cut(&self.stderr)
        )
    }
}

/// A folder to run in, with a clean environment.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Writes `head`, then `fill` up to `size` bytes in all, then `tail`, without holding the
    /// file in memory. Returns the file's size.
    fn write_large(&self, name: &str, head: &[u8], fill: u8, size: usize, tail: &[u8]) -> u64 {
        let mut file = std::io::BufWriter::new(std::fs::File::create(self.path(name)).unwrap());
        file.write_all(head).unwrap();
        let block = [fill; 1 << 16];
        let mut left = size - head.len();
        while left > 0 {
            let n = left.min(block.len());
            file.write_all(&block[..n]).unwrap();
            left -= n;
        }
        file.write_all(tail).unwrap();
        file.flush().unwrap();
        (size + tail.len()) as u64
    }

    /// Runs `flink-sql exec ARGS` with `stdin` piped in, in this folder.
    fn exec(&self, args: &[&str], stdin: &[u8]) -> Run {
        let all: Vec<&str> = std::iter::once("exec")
            .chain(args.iter().copied())
            .collect();
        self.run(&all, stdin)
    }

    // The child is reaped by `wait4` (for its rusage), not by `Child::wait`.
    #[allow(clippy::zombie_processes)]
    fn run(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut recorder = Recorder::start();
        let mut child = Command::new(env!("CARGO_BIN_EXE_flink-sql"))
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("SQL_GATEWAY_URL", &recorder.url)
            .env("FLINK_REST_URL", &recorder.url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run flink-sql");
        let mut input = child.stdin.take().unwrap();
        let stdin = stdin.to_vec();
        // A child that stops reading early (a NUL) closes the pipe: a write error is fine.
        let feeder = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        let stdout = drain(child.stdout.take().unwrap());
        let stderr = drain(child.stderr.take().unwrap());
        let (code, max_rss) = wait_with_rusage(child.id());
        feeder.join().unwrap();
        Run {
            code,
            stdout: stdout.join().unwrap(),
            stderr: stderr.join().unwrap(),
            max_rss,
            connections: recorder.connections(),
        }
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for the child `pid` and returns its exit code and peak resident memory in bytes.
/// `wait4` reports the usage of that one child, whatever other tests run at the same time. Linux
/// also counts, at `exec`, the peak of the process that spawned it (this test process): so no
/// test here holds a big input in memory, and the figure can only be too high, never too low.
fn wait_with_rusage(pid: u32) -> (i32, u64) {
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped; both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid as libc::pid_t, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    // Linux reports ru_maxrss in KiB.
    (code, usage.ru_maxrss as u64 * 1024)
}

/// The checks every bad input must pass: exit 2, `expected` on stderr, nothing on stdout, no
/// connection, and memory bounded by the input size.
fn refused(run: &Run, expected: &str, input_bytes: u64) {
    assert_eq!(run.code, 2, "{}", run.dump());
    assert!(
        run.stderr.contains(expected),
        "expected `{expected}`\n{}",
        run.dump()
    );
    assert_eq!(run.stdout, "", "{}", run.dump());
    assert_eq!(run.connections, 0, "a connection was made\n{}", run.dump());
    let bound = BASE_RSS_BYTES + RSS_PER_INPUT_BYTE * input_bytes;
    eprintln!(
        "peak RSS {:.1} MiB for {input_bytes} bytes of input (bound {} MiB)",
        run.max_rss as f64 / (1u64 << 20) as f64,
        bound >> 20
    );
    assert!(
        run.max_rss < bound,
        "peak RSS {} MiB is over the bound {} MiB\n{}",
        run.max_rss >> 20,
        bound >> 20,
        run.dump()
    );
}

fn file_case(name: &str, bytes: &[u8], expected: &str) {
    let case = Case::new();
    case.write(name, bytes);
    let run = case.exec(&["-f", name], b"");
    refused(&run, expected, bytes.len() as u64);
}

#[test]
fn the_listener_sees_a_connection_when_one_is_made() {
    // Without this, "no connection" below could be a listener that never sees any.
    let run = Case::new().exec(&["-c", "SELECT 1"], b"");
    assert_ne!(run.code, 0, "{}", run.dump());
    assert!(run.connections > 0, "{}", run.dump());
}

#[test]
fn invalid_utf8() {
    file_case(
        "bad.sql",
        b"SELECT 1;\nSELECT '\xE9t\xE9';",
        "bad.sql:2:9: invalid UTF-8 at byte offset 18",
    );
}

#[test]
fn nul_byte() {
    file_case(
        "nul.sql",
        b"SELECT\n  1\0;",
        "nul.sql:2:4: NUL byte (this looks like a binary file) at byte offset 10",
    );
}

#[test]
fn nul_bytes_on_stdin() {
    let input = vec![0u8; 1 << 20];
    let run = Case::new().exec(&["-f", "-"], &input);
    refused(&run, "<stdin>:1:1: NUL byte", input.len() as u64);
}

#[test]
fn a_50_mb_line_with_an_unset_variable_at_its_end() {
    let case = Case::new();
    let size = case.write_large(
        "big.sql",
        b"SELECT '",
        b'x',
        50_000_000,
        b"', ${MISSING};\n",
    );
    let run = case.exec(&["-f", "big.sql"], b"");
    refused(
        &run,
        "big.sql:1:50000004: variable MISSING is not set",
        size,
    );
    assert!(run.stderr.len() < 2000, "{}", run.dump());
}

#[test]
fn a_50_mb_unterminated_string() {
    let case = Case::new();
    let size = case.write_large("open.sql", b"SELECT 1;\nSELECT '", b'x', 50_000_000, b"");
    let run = case.exec(&["-f", "open.sql"], b"");
    refused(&run, "open.sql:2:8: unterminated string literal", size);
    assert!(run.stderr.len() < 2000, "{}", run.dump());
}

#[test]
fn unterminated_string() {
    file_case(
        "s.sql",
        b"SELECT 1;\nSELECT 'it''s;\n",
        "s.sql:2:8: unterminated string literal",
    );
}

#[test]
fn unterminated_block_comment() {
    file_case(
        "c.sql",
        b"SELECT 1;\n  /* no end\nSELECT 2;",
        "c.sql:2:3: unterminated block comment",
    );
}

#[test]
fn unterminated_backtick_identifier() {
    file_case(
        "b.sql",
        b"SELECT `col FROM t;",
        "b.sql:1:8: unterminated back-tick identifier",
    );
}

#[test]
fn unterminated_statement_set() {
    file_case(
        "set.sql",
        b"SET 'x' = 'y';\nEXECUTE STATEMENT SET BEGIN\n  INSERT INTO a SELECT 1;\n",
        "set.sql:2:1: STATEMENT SET BEGIN without a matching END",
    );
}

#[test]
fn a_malformed_profile_line() {
    let case = Case::new();
    std::fs::create_dir(case.path("env")).unwrap();
    case.write("env/bad.env", "A=1\nthis line is not a variable\n");
    let run = case.exec(&["--env", "bad", "-c", "SELECT 1"], b"");
    refused(&run, "env/bad.env:2:6: expected '=' after this", 0);
}

/// A `--var` or `--session-property` without `=` is often a secret typed with a space: the
/// message names the option and never repeats the value.
#[test]
fn a_var_without_equals_is_refused_without_echoing_its_value() {
    for option in ["--var", "--session-property"] {
        let run = Case::new().exec(&[option, "DB_PASSWORD hunter2x", "-c", "SELECT 1"], b"");
        refused(&run, option, 0);
        assert!(!run.stderr.contains("hunter2x"), "{}", run.dump());
    }
}

/// `--var 1BAD=x` can never be referenced (names are `[A-Za-z_][A-Za-z0-9_]*`): a typo, refused.
#[test]
fn a_var_whose_name_cannot_be_a_placeholder() {
    let run = Case::new().exec(&["--var", "1BAD=x", "-c", "SELECT 1"], b"");
    refused(&run, "--var: '1BAD' is not a variable name", 0);
}

/// `--max-rows 0` (or `FLINK_SQL_MAX_ROWS=0` in the profile) would stop every query before its
/// first row: refused.
#[test]
fn a_max_rows_of_zero() {
    let run = Case::new().exec(&["--max-rows", "0", "-c", "SELECT 1"], b"");
    refused(&run, "--max-rows", 0);
    let case = Case::new();
    std::fs::create_dir(case.path("env")).unwrap();
    case.write("env/zero.env", "FLINK_SQL_MAX_ROWS=0\n");
    let run = case.exec(&["--env", "zero", "-c", "SELECT 1"], b"");
    refused(&run, "FLINK_SQL_MAX_ROWS", 0);
    assert!(run.stderr.contains("at least 1"), "{}", run.dump());
}

#[test]
fn an_unknown_profile() {
    let run = Case::new().exec(&["--env", "nope", "-c", "SELECT 1"], b"");
    refused(&run, "profile 'nope' not found", 0);
}

#[test]
fn an_empty_folder() {
    let case = Case::new();
    std::fs::create_dir(case.path("jobs")).unwrap();
    let run = case.exec(&["-f", "jobs"], b"");
    refused(&run, "jobs: the folder has no *.sql files", 0);
}

#[test]
fn a_pipeline_file_that_does_not_lex_stops_jobs_ui_and_status_before_anything_is_asked() {
    let case = Case::new();
    std::fs::create_dir(case.path("pipelines")).unwrap();
    case.write(
        "pipelines/a.sql",
        "SET 'pipeline.name' = 'a';\nINSERT INTO t SELECT 1;\n",
    );
    case.write(
        "pipelines/bad.sql",
        "SET 'pipeline.name' = 'bad';\nINSERT INTO t SELECT 'oops;\n",
    );
    for action in ["ui", "status"] {
        let run = case.run(&["jobs", action, "pipelines"], b"");
        refused(
            &run,
            "pipelines/bad.sql:2:22: unterminated string literal",
            0,
        );
    }
}

#[test]
fn a_dangling_sql_link_in_a_folder() {
    let case = Case::new();
    std::fs::create_dir(case.path("jobs")).unwrap();
    case.write("jobs/a.sql", "SELECT 1;");
    std::os::unix::fs::symlink(case.path("gone.sql"), case.path("jobs/b.sql")).unwrap();
    let run = case.exec(&["-f", "jobs"], b"");
    refused(&run, "jobs/b.sql: is a symbolic link to a missing file", 0);
}

#[test]
fn a_fifo_in_a_folder() {
    let case = Case::new();
    std::fs::create_dir(case.path("jobs")).unwrap();
    case.write("jobs/a.sql", "SELECT 1;");
    let made = Command::new("mkfifo")
        .arg(case.path("jobs/p.sql"))
        .status()
        .unwrap();
    assert!(made.success());
    let run = case.exec(&["-f", "jobs"], b"");
    refused(&run, "jobs/p.sql: is a FIFO (named pipe), not a file", 0);
}

#[test]
fn a_device_is_not_read() {
    let run = Case::new().exec(&["-f", "/dev/zero"], b"");
    refused(
        &run,
        "/dev/zero: is a character device, not a file or a pipe",
        0,
    );
}

#[test]
fn many_references_to_one_unset_variable_on_a_long_line_give_one_short_message() {
    let line = "SELECT ${X}, ".repeat(20_000) + "1;\n";
    assert!(line.len() > 100_000);
    let case = Case::new();
    case.write("many.sql", &line);
    let run = case.exec(&["-f", "many.sql"], b"");
    refused(
        &run,
        "many.sql:1:8: variable X is not set (20000 places; also at 1:21, 1:34, 1:47 and 19996 more)",
        line.len() as u64,
    );
    assert!(
        run.stderr.len() < 2000,
        "{} bytes on stderr",
        run.stderr.len()
    );
    assert!(run.stderr.contains("1 problem found in 20000 places"));
}

#[test]
fn lone_cr_line_endings_give_the_right_place() {
    file_case(
        "cr.sql",
        b"SELECT 1;\rSELECT\r  ${X};\r",
        "cr.sql:3:3: variable X is not set\n |\n |   ${X};\n |   ^\n",
    );
}

#[test]
fn a_placeholder_behind_a_backslash_in_a_jaas_value_is_not_sent_as_is() {
    file_case(
        "jaas.sql",
        br#"CREATE TABLE t (a INT) WITH ('sasl.jaas.config' = 'x required password="\${KAFKA_PASSWORD}";');"#,
        "jaas.sql:1:74: ${KAFKA_PASSWORD} follows a \\ that escapes its first character",
    );
}
