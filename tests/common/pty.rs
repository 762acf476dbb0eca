//! Real pseudo-terminals: `flink-sql shell` on one through rexpect (the line editor sees a
//! terminal, and Ctrl-C is a SIGINT from the terminal, as for a user), and a bare pty of a given
//! size for runs whose screen a test reads byte for byte (`open_pty`).

use std::path::Path;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

/// Each expect waits at most this long: a hang guard, not a bound on how fast anything is.
pub const EXPECT_GUARD_MS: u64 = 120_000;

/// The shell with `args`, a clean environment whose HOME (and so the history) is `home`, from
/// the repository (where env/local.env is), plus `envs`.
pub fn shell(args: &[&str], home: &Path, envs: &[(&str, &str)]) -> PtySession {
    // A wide terminal: a line that wraps is redrawn, prompt and all, which splits what a test
    // looks for. `stty` sets it on the pty before the shell starts.
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty cols 400 rows 50 && exec \"$0\" shell \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("flink-sql"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("TERM", "xterm")
        .envs(envs.iter().copied())
        .current_dir(super::repo())
        .args(args);
    rexpect::session::spawn_command(cmd, Some(EXPECT_GUARD_MS)).expect("spawn on a pty")
}

/// Waits for `needle`; on a miss, panics with what the terminal showed.
pub fn expect(p: &mut PtySession, needle: &str) -> String {
    match p.exp_string(needle) {
        Ok(before) => before,
        Err(e) => panic!("expected {needle:?} on the terminal: {e}"),
    }
}

/// The exit code once the shell has ended.
pub fn exit_code(p: &mut PtySession) -> i32 {
    if let Err(e) = p.exp_eof() {
        panic!("the shell did not end: {e}");
    }
    match p.process().wait().expect("wait for the shell") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("the shell did not exit normally: {other:?}"),
    }
}

/// A new pseudo-terminal of `rows`×`cols`: (master, slave). Give the slave to the child (stdin,
/// stdout) and drop the test's copy once it is spawned; reads of the master then end with EIO
/// when the child has exited.
pub fn open_pty(rows: u16, cols: u16) -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors we then own; the other pointers may be null.
    let opened = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(opened, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors are open and owned by nothing else.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    }
}
