//! A run never lies, also when things go wrong at the worst moment: the built binary against the
//! REAL stack, with a fault proxy (`common::proxy`) in front of the gateway where the fault is one
//! the gateway cannot produce on demand (a stalled POST, a lost answer). The JobManager is always
//! reached directly: the tests read its job list to check what really happened.
//!
//! Each scenario starts one unbounded INSERT job, named with a unique `pipeline.name`; a `Jobs`
//! guard cancels whatever is left of it, also when the test fails.
//!
//! Run: `cargo test --features live --test live_faults -- --test-threads=2`.

mod common;

use common::proxy::{Fault, Proxy, Request};
use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A script whose 4th statement starts an endless job named `name`; its sink table is named
/// `sink` (the proxy recognises the INSERT's POST by it).
fn endless_insert(name: &str, sink: &str) -> String {
    format!(
        "SET 'pipeline.name' = '{name}';\n\
         CREATE TEMPORARY TABLE src_{sink} (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n\
         CREATE TEMPORARY TABLE {sink} (id BIGINT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO {sink} SELECT id FROM src_{sink};\n"
    )
}

/// `exec` of `sql` through `gateway`, with the local profile (so the JobManager is known).
fn exec(gateway: &str, sql: &str, extra: &[&str]) -> std::process::Command {
    let mut cmd = flink_sql();
    cmd.args(["exec", "--env", "local", "--gateway", gateway, "-v"])
        .args(extra)
        .args(["-c", sql]);
    cmd
}

/// The invariant: every job the run started either ended, or its id was printed.
fn no_job_unnoticed(name: &str, run: &Run) {
    for (jid, _) in jobs_named(name) {
        let state = settled_state(&jid);
        let ended = state.as_deref().is_some_and(|s| TERMINAL.contains(&s));
        assert!(
            ended || run.stderr.contains(&jid) || run.stdout.contains(&jid),
            "job {jid} ({state:?}) runs and the run never named it\n{}",
            run.dump()
        );
    }
}

/// The job id the run named in `it started job <id>`.
fn started_job(run: &Run) -> String {
    let at = run
        .stderr
        .find("it started job ")
        .unwrap_or_else(|| panic!("the run names no job it started\n{}", run.dump()));
    run.stderr[at + "it started job ".len()..][..32].to_owned()
}

/// High 1, deterministically: the INSERT's POST is answered and the gateway submits the job, but
/// its result never comes (the proxy stalls every result fetch after the POST), so `--timeout`
/// fires before the run knows the job. The job must be found on the JobManager and cancelled,
/// and the message must name it.
#[test]
fn a_timeout_before_the_job_is_known_cancels_the_job_it_started_anyway() {
    require_stack();
    let (name, sink) = (unique("faults-timeout-"), unique("snk_t"));
    let _jobs = Jobs(name.clone());
    let proxy = Proxy::start(
        gateway_url(),
        stall_results_after(format!("INSERT INTO {sink}")),
    );
    let run = Run::of(&mut exec(
        &proxy.url,
        &endless_insert(&name, &sink),
        &["--timeout", "4s"],
    ));
    run.expect_code(4);
    let jid = started_job(&run);
    assert!(
        run.stderr
            .contains(&format!("it started job {jid} anyway, which was cancelled")),
        "{}",
        run.dump()
    );
    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].0, jid, "the job named is the job that ran");
    assert_eq!(settled_state(&jid).as_deref(), Some("CANCELED"));
}

/// High 1 for a streaming query: SIGINT before the gateway's first page (which would name the
/// job) reached the run. The query's job ends, and the run names it (closing the operation may
/// already have cancelled it; then the run reports its state).
#[test]
fn sigint_before_a_streaming_querys_job_is_known_names_and_ends_it() {
    require_stack();
    let (name, table) = (unique("faults-query-"), unique("ticks_q"));
    let _jobs = Jobs(name.clone());
    let sql = format!(
        "SET 'pipeline.name' = '{name}';\n\
         CREATE TEMPORARY TABLE {table} (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n\
         SELECT id FROM {table};\n"
    );
    let proxy = Proxy::start(gateway_url(), stall_results_after(format!("FROM {table}")));
    let cli = Background::spawn(&mut exec(&proxy.url, &sql, &["--timeout", "30s"]));
    // The job runs before the stop, so the test does not depend on how fast Flink submits it.
    wait_until_a_job_is_named(&name);
    cli.signal("INT");
    let run = cli.finish();
    run.expect_code(130);
    let jid = started_job(&run);
    assert_eq!(jobs_named(&name)[0].0, jid, "the job named is the query's");
    assert_eq!(settled_state(&jid).as_deref(), Some("CANCELED"));
}

/// High 1 with SIGTERM: the INSERT's job is already RUNNING on the JobManager, but its result has
/// not reached the run (the proxy stalls the result fetches), when SIGTERM arrives. Closing the
/// operation does not stop an INSERT's job: the run must find it, cancel it and name it.
#[test]
fn sigterm_before_the_job_is_known_cancels_the_job_it_started_anyway() {
    require_stack();
    let (name, sink) = (unique("faults-sigterm-"), unique("snk_s"));
    let _jobs = Jobs(name.clone());
    let proxy = Proxy::start(
        gateway_url(),
        stall_results_after(format!("INSERT INTO {sink}")),
    );
    let mut cli = Background::spawn(&mut exec(
        &proxy.url,
        &endless_insert(&name, &sink),
        &["--format", "ndjson"],
    ));
    // SET, two CREATEs (through configure-session) and the INSERT were answered.
    cli.wait_for_stderr(|e| {
        e.matches("/statements -> 200").count() + e.matches("/configure-session -> 200").count()
            >= 4
    });
    wait_until_a_job_is_named(&name);
    cli.signal("TERM");
    let run = cli.finish();
    run.expect_code(143);
    no_job_unnoticed(&name, &run);
    let jid = started_job(&run);
    assert!(
        run.stderr
            .contains(&format!("it started job {jid} anyway, which was cancelled")),
        "{}",
        run.dump()
    );
    assert_eq!(settled_state(&jid).as_deref(), Some("CANCELED"));
}

/// A proxy rule: forward everything, but once a statement containing `needle` was posted, stall
/// every result fetch (so the run never learns the job id from the gateway).
fn stall_results_after(needle: String) -> impl Fn(&Request) -> Fault + Send + Sync + 'static {
    let posted = AtomicBool::new(false);
    move |r: &Request| {
        if r.is_statement_with(&needle) {
            posted.store(true, Ordering::SeqCst);
        }
        if posted.load(Ordering::SeqCst) && r.method == "GET" && r.path.contains("/result/") {
            Fault::Stall
        } else {
            Fault::Forward
        }
    }
}

/// Waits (up to the hang guard) until the JobManager lists a job named `name`.
fn wait_until_a_job_is_named(name: &str) {
    let deadline = std::time::Instant::now() + HANG_GUARD;
    while jobs_named(name).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no job named {name} appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `exec` of the endless pipeline through a proxy that never answers the POST of the statement
/// holding `needle`, with `--timeout 3s`: exit 4, and the message says its POST got no answer.
fn stalled_post(name: &str, sink: &str, needle: String) -> (Run, Proxy) {
    let proxy = Proxy::start(gateway_url(), move |r: &Request| {
        if r.is_statement_with(&needle) {
            Fault::Stall
        } else {
            Fault::Forward
        }
    });
    let run = Run::of(&mut exec(
        &proxy.url,
        &endless_insert(name, sink),
        &["--timeout", "3s"],
    ));
    run.expect_code(4);
    for said in [
        "error: timed out after 3s",
        "the gateway had not answered the statement's POST",
    ] {
        assert!(run.stderr.contains(said), "{said}\n{}", run.dump());
    }
    (run, proxy)
}

/// Medium 5: a statement POST the gateway never answers ends at `--timeout` with exit 4 (it was
/// exit 3 after the HTTP layer's 60 s), and the message says what is known: the POST got no
/// answer, and no job with the statement's pinned id appeared.
#[test]
fn a_stalled_statement_post_times_out_with_exit_4() {
    require_stack();
    let (name, sink) = (unique("faults-stall-"), unique("snk_p"));
    let _jobs = Jobs(name.clone());
    let (run, _proxy) = stalled_post(&name, &sink, format!("INSERT INTO {sink}"));
    let said = "appeared on the JobManager within 5s";
    assert!(run.stderr.contains(said), "{said}\n{}", run.dump());
    assert!(
        jobs_named(&name).is_empty(),
        "the POST never reached the gateway"
    );
}

/// A statement that only configures the session goes to configure-session, which answers once
/// it ran: one the gateway never answers ends at `--timeout` with exit 4 too, says its POST got
/// no answer, and nothing after it is sent.
#[test]
fn a_stalled_configure_session_post_times_out_with_exit_4_and_nothing_after_it_runs() {
    require_stack();
    let (name, sink) = (unique("faults-stall-ddl-"), unique("snk_d"));
    let _jobs = Jobs(name.clone());
    let (_run, proxy) = stalled_post(&name, &sink, format!("CREATE TEMPORARY TABLE {sink}"));
    let posted: Vec<String> = proxy
        .seen()
        .iter()
        .filter(|r| r.path.ends_with("/configure-session") || r.path.ends_with("/statements"))
        .map(|r| r.body.clone())
        .collect();
    assert_eq!(
        posted.len(),
        3,
        "SET, one CREATE, the stalled CREATE: {posted:#?}"
    );
    assert!(posted.iter().all(|b| !b.contains("INSERT")), "{posted:#?}");
    assert!(jobs_named(&name).is_empty());
}

/// Medium 5: after the INSERT's POST everything on the gateway stalls (results, cancel, close,
/// the session's delete). The clean-up is bounded, the message does not claim a cancel that
/// failed, and the job is still found and cancelled through the JobManager.
#[test]
fn a_gateway_that_stalls_after_the_post_gets_a_bounded_and_truthful_clean_up() {
    require_stack();
    let (name, sink) = (unique("faults-cleanup-"), unique("snk_c"));
    let _jobs = Jobs(name.clone());
    let posted = Arc::new(AtomicBool::new(false));
    let seen = posted.clone();
    let needle = format!("INSERT INTO {sink}");
    let proxy = Proxy::start(gateway_url(), move |r: &Request| {
        if seen.load(Ordering::SeqCst) {
            return Fault::Stall;
        }
        if r.is_statement_with(&needle) {
            seen.store(true, Ordering::SeqCst);
        }
        Fault::Forward
    });
    let run = Run::of(&mut exec(
        &proxy.url,
        &endless_insert(&name, &sink),
        &["--timeout", "3s"],
    ));
    run.expect_code(4);
    assert!(
        !run.stderr.contains("the operation was cancelled"),
        "the cancel got no answer\n{}",
        run.dump()
    );
    assert!(
        run.stderr.contains("got no answer within 5s"),
        "{}",
        run.dump()
    );
    let jid = started_job(&run);
    assert_eq!(settled_state(&jid).as_deref(), Some("CANCELED"));
    let cancels = proxy
        .lines()
        .iter()
        .filter(|l| l.ends_with("/cancel"))
        .count();
    assert_eq!(cancels, 1, "one cancel, not retried: {:?}", proxy.lines());
}

/// Medium 5: SIGTERM while the clean-up waits on a stalled gateway quits at once with 143 (it was
/// ignored until every call had waited its 60 s).
#[test]
fn sigterm_during_a_stalled_clean_up_is_honoured() {
    require_stack();
    let (name, sink) = (unique("faults-term-"), unique("snk_k"));
    let _jobs = Jobs(name.clone());
    let posted = Arc::new(AtomicBool::new(false));
    let seen = posted.clone();
    let needle = format!("INSERT INTO {sink}");
    let proxy = Proxy::start(gateway_url(), move |r: &Request| {
        if r.is_statement_with(&needle) {
            seen.store(true, Ordering::SeqCst);
        }
        if seen.load(Ordering::SeqCst) {
            Fault::Stall
        } else {
            Fault::Forward
        }
    });
    let mut cli = Background::spawn(&mut exec(
        &proxy.url,
        &endless_insert(&name, &sink),
        &["--timeout", "2s"],
    ));
    // The statement's error is printed once its own clean-up is over: the session's delete,
    // stalled, comes next.
    cli.wait_for_stderr(|e| e.contains("error: timed out after 2s"));
    cli.signal("TERM");
    let run = cli.finish();
    run.expect_code(143);
    assert!(
        run.stderr.contains("failed: given up on a signal"),
        "the session's close was under way and given up\n{}",
        run.dump()
    );
}

/// Medium 6: the answer to the INSERT's POST is lost after the gateway acted on it. The run says
/// the statement may have run and was not re-sent, names the job it started (exit 3), and does
/// not tell the user to check whether the gateway runs.
#[test]
fn a_lost_answer_to_the_insert_post_says_it_may_have_run_and_names_its_job() {
    require_stack();
    let (name, sink) = (unique("faults-lost-"), unique("snk_l"));
    let _jobs = Jobs(name.clone());
    let needle = format!("INSERT INTO {sink}");
    let probe = needle.clone();
    let proxy = Proxy::start(gateway_url(), move |r: &Request| {
        if r.is_statement_with(&needle) {
            Fault::DropReply
        } else {
            Fault::Forward
        }
    });
    let run = Run::of(&mut exec(&proxy.url, &endless_insert(&name, &sink), &[]));
    run.expect_code(3);
    for said in ["so it was not sent again", "the statement may have run"] {
        assert!(run.stderr.contains(said), "{said}\n{}", run.dump());
    }
    assert!(
        !run.stderr.contains("is the gateway running"),
        "{}",
        run.dump()
    );
    let jid = started_job(&run);
    let jobs = jobs_named(&name);
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].0, jid, "the job named is the job that runs");
    assert!(
        run.stderr.contains(&format!("/jobs/{jid}")),
        "says how to check\n{}",
        run.dump()
    );
    let posts = proxy
        .seen()
        .iter()
        .filter(|r| r.is_statement_with(&probe))
        .count();
    assert_eq!(posts, 1, "never sent twice");
}

/// Medium 6: `--wait running` with a JobManager that cannot be reached is found before anything
/// is sent (exit 3), not after the statements ran.
#[test]
fn wait_running_with_an_unreachable_jobmanager_sends_nothing() {
    require_stack();
    let proxy = Proxy::start(gateway_url(), |_: &Request| Fault::Forward);
    let jobmanager = format!("http://127.0.0.1:{}", free_port());
    let run = Run::of(&mut exec(
        &proxy.url,
        "SELECT 1;",
        &["--wait", "running", "--jobmanager", &jobmanager],
    ));
    run.expect_code(3);
    assert!(
        run.stderr.contains("JobManager unreachable"),
        "{}",
        run.dump()
    );
    assert!(run.stderr.contains("nothing was sent"), "{}", run.dump());
    assert!(proxy.lines().is_empty(), "{:?}", proxy.lines());
}

/// Medium 6: a JUnit report into a folder that does not exist is a usage error (exit 2) found
/// before anything is sent.
#[test]
fn a_junit_report_into_a_missing_folder_is_exit_2_and_sends_nothing() {
    require_stack();
    let proxy = Proxy::start(gateway_url(), |_: &Request| Fault::Forward);
    let dir = tempfile::tempdir().unwrap();
    let report = format!("junit={}/missing/report.xml", dir.path().display());
    let run = Run::of(&mut exec(&proxy.url, "SELECT 1;", &["--report", &report]));
    run.expect_code(2);
    assert!(run.stderr.contains("JUnit report"), "{}", run.dump());
    assert!(proxy.lines().is_empty(), "{:?}", proxy.lines());
}
