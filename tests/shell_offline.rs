//! `flink-sql shell` with no stack: the prompt on a real pseudo-terminal, client commands, a
//! gateway that cannot be reached, a bad profile, the history file. Runs under plain `cargo test`.

mod common;

use common::pty::{exit_code, expect, shell};

/// Nothing listens here (a port from the privileged range, never bound by the tests).
const NOWHERE: &str = "http://127.0.0.1:9";

#[test]
fn an_unreachable_gateway_is_said_and_the_prompt_still_serves_client_commands() {
    let home = tempfile::tempdir().unwrap();
    let mut p = shell(&["--gateway", NOWHERE], home.path(), &[]);
    expect(&mut p, "127.0.0.1:9");
    expect(
        &mut p,
        "hint: no session: check SQL_GATEWAY_URL of profile default",
    );
    expect(&mut p, "default (no session)> ");
    p.send_line("\\?").unwrap();
    for name in ["\\format FORMAT", "\\env NAME", "\\watch SECONDS", "Ctrl-R"] {
        expect(&mut p, name);
    }
    expect(&mut p, "default (no session)> ");
    p.send_line("SELECT 1;").unwrap();
    expect(&mut p, "the next statement tries again");
    expect(&mut p, "default (no session)> ");
    p.send_line("\\q").unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn a_profile_that_does_not_exist_exits_2_before_any_prompt() {
    let home = tempfile::tempdir().unwrap();
    let mut p = shell(&["--env", "no-such-profile"], home.path(), &[]);
    expect(&mut p, "no-such-profile");
    assert_eq!(exit_code(&mut p), 2);
}

#[test]
fn a_bad_client_command_says_so_and_ctrl_d_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let mut p = shell(&["--gateway", NOWHERE], home.path(), &[]);
    expect(&mut p, "(no session)> ");
    p.send_line("\\format yaml").unwrap();
    expect(&mut p, "unknown format \"yaml\"");
    p.send_line("\\nope").unwrap();
    expect(&mut p, "unknown command \\nope");
    expect(&mut p, "(no session)> ");
    p.send_control('d').unwrap();
    assert_eq!(exit_code(&mut p), 0);
}

#[test]
fn the_history_keeps_placeholders_and_masks_secret_values() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let secret = "Offline-Hunter2-Secret";
    let envs = [
        ("XDG_DATA_HOME", data.to_str().unwrap()),
        ("KAFKA_PASSWORD", secret),
    ];
    let mut p = shell(&["--gateway", NOWHERE], home.path(), &envs);
    expect(&mut p, "(no session)> ");
    p.send_line("SELECT '${KAFKA_PASSWORD}' AS p;").unwrap();
    expect(&mut p, "(no session)> ");
    p.send_line(&format!("SELECT '{secret}' AS typed;"))
        .unwrap();
    expect(&mut p, "(no session)> ");
    p.send_line("\\set API_TOKEN set-at-the-prompt-42").unwrap();
    expect(&mut p, "(no session)> ");
    p.send_line("\\q").unwrap();
    assert_eq!(exit_code(&mut p), 0);
    let history = std::fs::read_to_string(data.join("flink-sql/history")).unwrap();
    assert!(
        history.contains("SELECT '${KAFKA_PASSWORD}' AS p;"),
        "{history}"
    );
    assert!(history.contains("SELECT '***' AS typed;"), "{history}");
    assert!(history.contains("\\set API_TOKEN ***"), "{history}");
    assert!(!history.contains(secret), "{history}");
    assert!(!history.contains("set-at-the-prompt-42"), "{history}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(data.join("flink-sql/history")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o077, 0, "private to the user");
    }
}

#[test]
fn piped_into_the_shell_it_runs_like_exec_from_stdin() {
    let out = common::flink_sql()
        .args(["shell", "--gateway", NOWHERE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"SELECT ${NOT_SET_HERE};\n")?;
            child.wait_with_output()
        })
        .unwrap();
    // exec's pipe rules: the bad statement is located, nothing is sent, exit 2.
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("<stdin>:1:8: variable NOT_SET_HERE is not set"),
        "{err}"
    );
}

#[test]
fn vars_lists_the_users_variables_with_secrets_masked_and_unset_forgets_one() {
    let home = tempfile::tempdir().unwrap();
    let args = [
        "--gateway",
        NOWHERE,
        "--var",
        "KAFKA_PASSWORD=vars-secret-value",
        "--var",
        "TOPIC=orders-topic",
    ];
    let mut p = shell(&args, home.path(), &[("NOT_MINE", "from-the-environment")]);
    expect(&mut p, "(no session)> ");
    p.send_line("\\set EXTRA extra-value").unwrap();
    expect(&mut p, "(no session)> ");
    p.send_line("\\unset TOPIC").unwrap();
    expect(&mut p, "(no session)> ");
    p.send_line("\\vars").unwrap();
    let listed = expect(&mut p, "(no session)> ");
    assert!(listed.contains("EXTRA=extra-value"), "{listed}");
    assert!(listed.contains("KAFKA_PASSWORD=***"), "{listed}");
    assert!(!listed.contains("vars-secret-value"), "{listed}");
    assert!(!listed.contains("TOPIC="), "unset: {listed}");
    assert!(
        !listed.contains("NOT_MINE"),
        "the environment is not listed: {listed}"
    );
    p.send_line("\\q").unwrap();
    assert_eq!(exit_code(&mut p), 0);
}
