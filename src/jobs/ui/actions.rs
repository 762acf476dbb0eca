//! What the screen's actions do, each a call into what the `jobs` and `exec` commands already
//! do: start runs the pipeline file with `flink-sql exec --wait running` (from its latest
//! savepoint through `execution.state-recovery.path`), stop is `jobs::savepoint` with a stop,
//! cancel is `jobs::cancel`, details is `jobs::show`. Each runs on its own thread.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::Env;
use crate::jobs::{self, select::Selector, SavepointKind};

/// An action the user chose for a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Start {
        name: String,
        file: PathBuf,
        savepoint: Option<String>,
    },
    Stop {
        name: String,
        jid: String,
    },
    Cancel {
        name: String,
        jid: String,
    },
    Details {
        name: String,
        jid: String,
    },
}

impl Action {
    /// What the progress line and the report call it.
    pub fn label(&self) -> String {
        match self {
            Action::Start {
                name,
                savepoint: Some(_),
                ..
            } => format!("start {name} from its latest savepoint"),
            Action::Start { name, .. } => format!("start {name}"),
            Action::Stop { name, .. } => format!("stop {name} with a savepoint"),
            Action::Cancel { name, .. } => format!("cancel {name}"),
            Action::Details { name, .. } => format!("details of {name}"),
        }
    }

    /// The question a destructive action asks first; `None` for the others.
    pub fn confirmation(&self) -> Option<String> {
        match self {
            Action::Stop { name, jid } => {
                Some(format!("job {jid}\nStop {name} with a savepoint? [y/N]"))
            }
            Action::Cancel { name, jid } => Some(format!(
                "job {jid}\nCancel {name} without a savepoint? [y/N]"
            )),
            _ => None,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    /// One line for the status bar and the report after the screen closes.
    pub line: String,
    /// The full text (details; a failed start's output).
    pub text: String,
}

/// Runs `action` to its end (call it off the UI thread).
pub fn run(env: &Env, action: &Action) -> Outcome {
    let red = env.jm.redactor().clone();
    let mut o = match action {
        Action::Start {
            file, savepoint, ..
        } => start(env, file, savepoint.as_deref()),
        _ => in_runtime(env, action),
    };
    o.line = red.redact(&o.line).into_owned();
    o.text = red.redact(&o.text).into_owned();
    o
}

fn start(env: &Env, file: &std::path::Path, savepoint: Option<&str>) -> Outcome {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return failed(format!("cannot find flink-sql itself: {e}")),
    };
    let mut cmd = Command::new(exe);
    cmd.arg("exec")
        .args(&env.profile_args)
        .args(["--wait", "running", "--format", "plain"]);
    if let Some(sp) = savepoint {
        cmd.arg("--session-property")
            .arg(format!("execution.state-recovery.path={sp}"));
    }
    cmd.arg(file).stdin(Stdio::null());
    match cmd.output() {
        Ok(out) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let ok = out.status.success();
            let line = match (ok, savepoint) {
                (true, Some(sp)) => format!("started {} from {sp}", file.display()),
                (true, None) => format!("started {}", file.display()),
                (false, _) => format!(
                    "start of {} failed (exit {}): {}",
                    file.display(),
                    out.status.code().unwrap_or(-1),
                    last_line(&text)
                ),
            };
            Outcome { ok, line, text }
        }
        Err(e) => failed(format!("cannot run flink-sql exec: {e}")),
    }
}

fn in_runtime(env: &Env, action: &Action) -> Outcome {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return failed(e.to_string()),
    };
    let ctx = env.ctx();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = runtime.block_on(async {
        match action {
            Action::Stop { jid, .. } => {
                let sel = Selector::Id(jid.clone());
                let kind = SavepointKind::Stop { drain: false };
                jobs::savepoint(&ctx, &sel, kind, None, &mut out, &mut err).await
            }
            Action::Cancel { jid, .. } => {
                jobs::cancel(&ctx, &Selector::Id(jid.clone()), &mut out, &mut err).await
            }
            Action::Details { jid, .. } => {
                jobs::show(&ctx, &Selector::Id(jid.clone()), &mut out).await
            }
            Action::Start { .. } => unreachable!("start runs exec"),
        }
    });
    let out = String::from_utf8_lossy(&out).trim().to_owned();
    let err = String::from_utf8_lossy(&err).trim().to_owned();
    match result {
        Ok(crate::error::Exit::Success) => {
            let line = match action {
                Action::Stop { name, .. } => format!("stopped {name}: savepoint {out}"),
                Action::Cancel { name, .. } => format!("cancelled {name}: {}", last_line(&out)),
                Action::Details { name, .. } => format!("details of {name}"),
                Action::Start { .. } => unreachable!(),
            };
            Outcome {
                ok: true,
                line,
                text: out,
            }
        }
        Ok(_) => Outcome {
            ok: false,
            line: format!(
                "{} failed: {}",
                action.label(),
                last_line(&format!("{out}\n{err}"))
            ),
            text: format!("{out}\n{err}"),
        },
        Err(e) => failed(format!("{} failed: {e:#}", action.label())),
    }
}

fn failed(line: String) -> Outcome {
    Outcome {
        ok: false,
        text: line.clone(),
        line,
    }
}

fn last_line(s: &str) -> &str {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}
