//! `exec` reading a pipe, against the REAL stack: each statement runs as soon as its `;` has
//! arrived, while the producer keeps the pipe open; errors and bad input follow exec's rules,
//! per statement; the session stays alive (heartbeats) while the pipe is quiet.
//!
//! Run: `cargo test --features live --test live_pipe -- --test-threads=2`.

mod common;

use std::io::Write;
use std::process::{ChildStdin, Stdio};

use common::proxy::{Fault, Proxy};
use common::*;

/// `exec --env local` with a pipe on stdin that the test writes into and keeps open.
fn piped(extra: &[&str]) -> (Background, ChildStdin) {
    require_stack();
    let mut cmd = flink_sql();
    cmd.args(["exec", "--env", "local", "--format", "plain"])
        .args(extra)
        .stdin(Stdio::piped());
    let mut run = Background::spawn(&mut cmd);
    let stdin = run.take_stdin();
    (run, stdin)
}

fn write(stdin: &mut ChildStdin, text: &str) {
    stdin.write_all(text.as_bytes()).unwrap();
    stdin.flush().unwrap();
}

#[test]
fn the_first_result_is_on_stdout_before_the_second_statement_is_written() {
    let (mut run, mut stdin) = piped(&[]);
    write(&mut stdin, "SELECT 'first-result' AS a;\n");
    run.wait_for_stdout(|out| out.contains("first-result"));
    assert!(
        run.is_running(),
        "the pipe is open: the run must still be waiting for input"
    );
    assert!(!run.stdout().contains("second-result"));
    write(&mut stdin, "SELECT\n  'second-result' AS b;\n");
    drop(stdin);
    let done = run.finish();
    done.expect_code(0);
    let first = done.stdout.find("first-result").unwrap();
    let second = done
        .stdout
        .find("second-result")
        .unwrap_or_else(|| panic!("{}", done.dump()));
    assert!(first < second, "{}", done.dump());
    assert!(
        done.stderr.contains("2 statements"),
        "the end of input closes the run with its summary\n{}",
        done.dump()
    );
}

#[test]
fn a_bad_statement_stops_the_pipe_with_exit_2_and_is_located() {
    let (run, mut stdin) = piped(&[]);
    write(
        &mut stdin,
        "SELECT 'before-ok' AS a;\nSELECT ${NOT_SET_ANYWHERE} AS b;\nSELECT 'after-bad' AS c;\n",
    );
    drop(stdin);
    let done = run.finish();
    done.expect_code(2);
    assert!(done.stdout.contains("before-ok"), "{}", done.dump());
    assert!(!done.stdout.contains("after-bad"), "{}", done.dump());
    assert!(
        done.stderr
            .contains("<stdin>:2:8: variable NOT_SET_ANYWHERE is not set"),
        "{}",
        done.dump()
    );
    assert!(
        done.stderr.contains("the 1 before it were"),
        "{}",
        done.dump()
    );
}

#[test]
fn bad_input_in_the_first_statement_sends_nothing() {
    let (run, mut stdin) = piped(&[]);
    write(&mut stdin, "SELECT 'never' AS a, 'open;\n");
    drop(stdin);
    let done = run.finish();
    done.expect_code(2);
    assert!(
        done.stderr
            .contains("<stdin>:1:22: unterminated string literal"),
        "{}",
        done.dump()
    );
    assert!(
        done.stderr.contains("nothing was sent to the gateway"),
        "{}",
        done.dump()
    );
}

#[test]
fn a_failed_statement_stops_the_pipe_unless_continue_on_error() {
    let sql = "SELECT x FROM no_such_table_in_a_pipe;\nSELECT 'went-on' AS a;\n";
    for (flags, went_on) in [(&[][..], false), (&["--continue-on-error"][..], true)] {
        let (run, mut stdin) = piped(flags);
        write(&mut stdin, sql);
        drop(stdin);
        let done = run.finish();
        done.expect_code(1);
        assert_eq!(
            done.stdout.contains("went-on"),
            went_on,
            "{flags:?}\n{}",
            done.dump()
        );
    }
}

#[test]
fn the_session_is_heartbeated_while_the_pipe_is_quiet() {
    let proxy = Proxy::start(gateway_url(), |_| Fault::Forward);
    let (mut run, mut stdin) = piped(&["--gateway", &proxy.url]);
    write(&mut stdin, "SELECT 'awake' AS a;\n");
    run.wait_for_stdout(|out| out.contains("awake"));
    let heartbeats = || {
        proxy
            .lines()
            .iter()
            .filter(|l| l.starts_with("POST") && l.ends_with("/heartbeat"))
            .count()
    };
    // Nothing is written meanwhile: only the session's own heartbeat can reach the gateway
    // (every 30 s; the hang guard bounds the wait).
    let deadline = std::time::Instant::now() + HANG_GUARD;
    while heartbeats() == 0 {
        assert!(
            run.is_running() && std::time::Instant::now() < deadline,
            "no heartbeat while the pipe was quiet: {:?}",
            proxy.lines()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    write(&mut stdin, "SELECT 'still-there' AS b;\n");
    drop(stdin);
    let done = run.finish();
    done.expect_code(0);
    assert!(done.stdout.contains("still-there"), "{}", done.dump());
}

#[test]
fn a_signal_while_the_pipe_is_quiet_closes_the_session_and_exits_130() {
    let (mut run, mut stdin) = piped(&["-v"]);
    write(
        &mut stdin,
        "SET 'pipeline.name' = 'live-pipe-quiet';\nSELECT 'ran' AS a;\n",
    );
    run.wait_for_stdout(|out| out.contains("ran"));
    let session = run
        .stderr()
        .lines()
        .find_map(|l| l.strip_prefix("debug: opened session "))
        .map(|s| s.trim().to_owned())
        .expect("-v names the session it opened");
    let session_url = format!("{}/v2/sessions/{session}", gateway_url());
    let (status, _) = http(reqwest::Method::GET, &session_url).unwrap();
    assert_eq!(status, 200, "the session is open while the pipe is");
    run.signal("INT");
    let done = run.finish();
    drop(stdin);
    done.expect_code(130);
    let closed = format!("/sessions/{session} -> 200");
    assert!(
        done.stderr
            .lines()
            .any(|l| l.contains("DELETE /v") && l.contains(&closed)),
        "the CLI closed its session\n{}",
        done.dump()
    );
    let (status, _) = http(reqwest::Method::GET, &session_url).unwrap();
    assert_ne!(status, 200, "the gateway no longer knows the session");
}
