//! Recovery against a real gateway restart: a second SQL Gateway of our own
//! (`scripts/stack/extra-gateway.sh`, the stack's Flink, a 5 s idle timeout checked every second,
//! pointed at the shared JobManager) is killed and started again; the shared gateway on 8083 is
//! never touched. Covers the cut run (exit 3, done / not-done summary, the command to go on, and
//! that command going on), `--reconnect` (replay, no job twice) and the heartbeat.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use common::*;

/// One extra gateway at a time: each is a JVM, and the machine is shared.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Our own gateway on a free port; stopped on drop, also when the test panics.
struct ExtraGateway {
    port: u16,
}

impl ExtraGateway {
    fn start() -> ExtraGateway {
        require_stack();
        let gateway = ExtraGateway { port: free_port() };
        gateway.script("start");
        gateway
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `start` (5 s idle timeout, checked every second), `kill` (SIGKILL, as a crash) or `stop`.
    fn script(&self, action: &str) {
        let out = Command::new(repo().join("scripts/stack/extra-gateway.sh"))
            .args([action, &self.port.to_string(), "5s", "1s"])
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/stack/extra-gateway.sh");
        assert!(
            out.status.success(),
            "extra-gateway.sh {action} {} failed:\n{}",
            self.port,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for ExtraGateway {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("scripts/stack/extra-gateway.sh"))
            .args(["stop", &self.port.to_string()])
            .output();
    }
}

fn exec_on(gateway: &ExtraGateway) -> Command {
    let mut cmd = flink_sql();
    cmd.args([
        "exec",
        "--gateway",
        &gateway.url(),
        "--jobmanager",
        jobmanager_url(),
        "--format",
        "plain",
        "--timeout",
        "3m",
    ]);
    cmd
}

#[test]
fn a_gateway_restart_mid_script_cuts_the_run_and_the_printed_command_goes_on() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let gateway = ExtraGateway::start();
    let table = unique("cut");
    let _jobs = Jobs(table.clone());
    let script = tempfile::Builder::new().suffix(".sql").tempfile().unwrap();
    std::fs::write(
        script.path(),
        format!(
            "SET 'pipeline.name' = '{table}';\n\
             CREATE TABLE {table} (x INT) WITH ('connector' = 'datagen', 'rows-per-second' = '1');\n\
             CREATE TABLE {table}_b (x INT) WITH ('connector' = 'blackhole');\n\
             SELECT x FROM {table};\n\
             SHOW TABLES;\n"
        ),
    )
    .unwrap();
    let mut run = Background::spawn(exec_on(&gateway).args([
        "--max-rows",
        "1000",
        script.path().to_str().unwrap(),
    ]));
    // The query streams (a row a second): the gateway dies under it.
    run.wait_for_stdout(|out| out.lines().count() >= 2);
    gateway.script("kill");
    let cut = run.finish();
    cut.expect_code(3);
    let err = &cut.stderr;
    assert!(err.contains("gateway unreachable"), "{}", cut.dump());
    assert!(
        err.contains("the run stopped at statement 4:"),
        "{}",
        cut.dump()
    );
    // Nothing would ever read the query's rows again: its job was cancelled on the JobManager.
    assert!(err.contains("which was cancelled"), "{}", cut.dump());
    let jobs = jobs_named(&table);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(settled_state(&jobs[0].0).as_deref(), Some("CANCELED"));
    for (index, state) in [
        (1, "done"),
        (2, "done"),
        (3, "done"),
        (4, "may have run"),
        (5, "not done"),
    ] {
        assert!(
            err.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with(&format!("{index}  {state}"))
            }),
            "statement {index} should be {state}:\n{}",
            cut.dump()
        );
    }
    // The exact command to go on after the query that may have run.
    let lines: Vec<&str> = err.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("go on after it with:"))
        .unwrap_or_else(|| panic!("no command to go on:\n{}", cut.dump()));
    let command = lines[at + 1].trim();
    assert!(command.ends_with("--from-statement 5"), "{command}");
    assert!(
        command.contains(script.path().to_str().unwrap()),
        "{command}"
    );

    gateway.script("start");
    let resumed = Run::of(
        Command::new("sh")
            .args(["-c", command])
            .current_dir(repo())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::var("HOME").unwrap_or_default()),
    );
    resumed.expect_code(0);
    // Statement 5 ran alone in a new session that had the tables of statements 2 and 3 replayed.
    assert!(resumed.stdout.contains(&table), "{}", resumed.dump());
    assert!(
        resumed.stdout.contains(&format!("{table}_b")),
        "{}",
        resumed.dump()
    );
    assert!(
        resumed.stderr.contains("1 statement in"),
        "only statement 5 is counted:\n{}",
        resumed.dump()
    );
}

#[test]
fn reconnect_replays_the_session_after_a_restart_and_starts_no_job_twice() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let gateway = ExtraGateway::start();
    let name = unique("reconnect");
    let _jobs = Jobs(name.clone());
    let mut cmd = exec_on(&gateway);
    cmd.args(["--reconnect", "-f", "-"]).stdin(Stdio::piped());
    let mut run = Background::spawn(&mut cmd);
    let mut stdin = run.take_stdin();
    writeln!(
        stdin,
        "SET 'pipeline.name' = '{name}';\n\
         CREATE TABLE {name} (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');\n\
         CREATE TABLE {name}_sink (x INT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO {name}_sink SELECT x FROM {name};"
    )
    .unwrap();
    run.wait_for_stderr(|e| e.contains("submitted"));

    gateway.script("kill");
    // Sent while the gateway is down: refused, then retried in a new session once it is back.
    writeln!(stdin, "SHOW TABLES;").unwrap();
    gateway.script("start");
    run.wait_for_stderr(|e| e.contains("the gateway lost the session"));
    writeln!(stdin, "INSERT INTO {name}_sink SELECT x FROM {name};").unwrap();
    drop(stdin);
    let done = run.finish();
    done.expect_code(0);
    assert!(
        done.stderr
            .contains("opened a new one and replayed 3 session statements (1, 2, 3)"),
        "{}",
        done.dump()
    );
    // The replayed session resolves the tables created before the restart …
    assert!(
        done.stdout.contains(&format!("{name}_sink")),
        "{}",
        done.dump()
    );
    // … and has the replayed SET: the second INSERT's job carries the pipeline name. Each
    // INSERT started exactly one job: two jobs, with different ids.
    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 2, "{jobs:?}\n{}", done.dump());
    assert_ne!(jobs[0].0, jobs[1].0);
    assert!(done.stderr.contains("6 statements in"), "{}", done.dump());
}

#[test]
fn a_session_outlives_a_short_idle_timeout_through_a_long_query_and_a_quiet_pipe() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let gateway = ExtraGateway::start();
    let table = unique("idle");
    let mut cmd = exec_on(&gateway);
    cmd.args(["--max-wait", "30s", "-f", "-"])
        .stdin(Stdio::piped());
    let mut run = Background::spawn(&mut cmd);
    let mut stdin = run.take_stdin();
    writeln!(
        stdin,
        "CREATE TABLE {table} (x INT) WITH ('connector' = 'datagen', 'rows-per-second' = '1');\n\
         SELECT x FROM {table};"
    )
    .unwrap();
    // The query runs for 30 s (six idle timeouts); then the pipe is quiet for three more.
    run.wait_for_stderr(|e| e.contains("--max-wait 30s"));
    std::thread::sleep(std::time::Duration::from_secs(15));
    writeln!(stdin, "SHOW TABLES;").unwrap();
    drop(stdin);
    let done = run.finish();
    done.expect_code(0);
    assert!(done.stdout.contains(&table), "{}", done.dump());
    assert!(done.stderr.contains("3 ok, 0 failed"), "{}", done.dump());
}

/// The shell waits at its prompt for three idle timeouts of our gateway: its heartbeat keeps the
/// session, so a temporary table created before the wait is still there after it (a new session
/// would not know it).
#[test]
fn the_shell_keeps_its_session_while_its_prompt_waits_past_the_idle_timeout() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let gateway = ExtraGateway::start();
    let table = unique("prompt_idle");
    let home = tempfile::tempdir().unwrap();
    let url = gateway.url();
    let args = ["--env", "local", "--gateway", &url, "--format", "plain"];
    let mut p = common::pty::shell(&args, home.path(), &[]);
    let prompt = "local default_catalog.default_database> ";
    common::pty::expect(&mut p, prompt);
    p.send_line(&format!(
        "CREATE TEMPORARY TABLE {table} (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1');"
    ))
    .unwrap();
    common::pty::expect(&mut p, "\r\nOK\r\n");
    common::pty::expect(&mut p, prompt);
    // 15 s at the prompt: three idle timeouts of 5 s, checked every second.
    std::thread::sleep(std::time::Duration::from_secs(15));
    p.send_line("SHOW TABLES;").unwrap();
    // The table's name is not in the statement: it shows only in SHOW TABLES' answer (a lost
    // session would answer with an error and no table, and this expect fails).
    let before = common::pty::expect(&mut p, &table);
    assert!(!before.contains("rror"), "{before}");
    common::pty::expect(&mut p, prompt);
    p.send_control('d').unwrap();
    assert_eq!(common::pty::exit_code(&mut p), 0);
}
