//! What the screen's actions do, each a call into the function its `jobs` command runs: start is
//! `lifecycle::resume` (from the latest savepoint when one exists, else without state), stop is
//! `jobs::savepoint` with a stop, cancel is `jobs::cancel`, details is `jobs::show`, and `a` is
//! `lifecycle::apply` (its plan read first with a dry run, as `jobs apply --dry-run` shows it).
//! Each runs on its own thread; what they write on stderr is the progress the screen shows.

use std::io::Write;

use serde_json::Value;

use super::Env;
use crate::error::Exit;
use crate::jobs::lifecycle::{self, Restore};
use crate::jobs::plan::Upgrade;
use crate::jobs::{self, select::Selector, Format, SavepointKind};
use crate::secrets::Redactor;

/// One step of `jobs apply`'s plan, as its dry run reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub name: String,
    /// `start`, `keep`, `upgrade`, `changed`, `duplicated`, `unexpected`.
    pub plan: String,
    pub jobs: Vec<String>,
    pub detail: String,
}

impl Planned {
    /// A step that starts or stops something.
    pub fn acts(&self) -> bool {
        self.plan == "start" || self.plan == "upgrade"
    }
}

/// An action the user chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Start {
        name: String,
        /// The latest savepoint the row shows (`resume` looks again when it runs).
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
    /// `jobs apply` for the folder, after its plan was shown.
    Apply {
        steps: Vec<Planned>,
    },
}

impl Action {
    /// What the progress line and the report call it.
    pub fn label(&self) -> String {
        match self {
            Action::Start {
                name,
                savepoint: Some(_),
            } => format!("start {name} from its latest savepoint"),
            Action::Start { name, .. } => format!("start {name}"),
            Action::Stop { name, .. } => format!("stop {name} with a savepoint"),
            Action::Cancel { name, .. } => format!("cancel {name}"),
            Action::Details { name, .. } => format!("details of {name}"),
            Action::Apply { .. } => "jobs apply".to_owned(),
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
            Action::Apply { steps } => {
                let mut lines: Vec<String> = steps
                    .iter()
                    .map(|s| format!("{:<10} {}: {}", s.plan, s.name, s.detail))
                    .collect();
                if steps.is_empty() {
                    lines.push("no pipeline files".into());
                }
                lines.push(String::new());
                lines.push(match steps.iter().filter(|s| s.acts()).count() {
                    0 => "Nothing to start or upgrade. [any key]".to_owned(),
                    n => format!("Apply this plan ({n} pipeline(s) started or restarted)? [y/N]"),
                });
                Some(lines.join("\n"))
            }
            _ => None,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    /// One line for the status bar.
    pub line: String,
    /// The lines printed once the screen closes (empty for details).
    pub log: Vec<String>,
    /// The full text (details; a failed action's output).
    pub text: String,
}

/// A writer that hands each complete line, redacted, to `send`: stderr of the `jobs` functions,
/// shown as progress.
pub struct Lines<F: FnMut(String)> {
    buf: Vec<u8>,
    red: Redactor,
    send: F,
}

impl<F: FnMut(String)> Lines<F> {
    pub fn new(red: Redactor, send: F) -> Self {
        Lines {
            buf: Vec::new(),
            red,
            send,
        }
    }
}

impl<F: FnMut(String)> Write for Lines<F> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        while let Some(i) = self.buf.iter().position(|&c| c == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).collect();
            let line = String::from_utf8_lossy(&line).trim_end().to_owned();
            if !line.is_empty() {
                (self.send)(self.red.redact(&line).into_owned());
            }
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// `jobs apply --dry-run` for the folder: the steps `apply` would take now.
pub fn plan(env: &Env) -> Result<Vec<Planned>, String> {
    let runtime = runtime()?;
    let mut ctx = env.ctx(Format::Json);
    ctx.dry_run = true;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = runtime.block_on(lifecycle::apply(
        &ctx,
        &env.starter,
        &env.pipelines,
        Upgrade::Savepoint,
        &mut out,
        &mut err,
    ));
    let red = env.jm.redactor();
    if let Err(e) = result {
        return Err(red.redact(&format!("{e:#}")).into_owned());
    }
    let doc: Value = serde_json::from_slice(&out).map_err(|e| format!("the plan: {e}"))?;
    let steps = doc["plan"].as_array().cloned().unwrap_or_default();
    Ok(steps
        .iter()
        .map(|s| Planned {
            name: red.redact(&text(&s["pipeline"])).into_owned(),
            plan: text(&s["plan"]),
            jobs: s["jobs"]
                .as_array()
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default(),
            detail: red.redact(&text(&s["detail"])).into_owned(),
        })
        .collect())
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// Runs `action` to its end (call it off the UI thread); each progress line goes to `progress`.
pub fn run(env: &Env, action: &Action, progress: impl FnMut(String)) -> Outcome {
    let red = env.jm.redactor().clone();
    let mut o = match runtime() {
        Ok(runtime) => runtime.block_on(act(env, action, progress)),
        Err(e) => failed(e),
    };
    o.line = red.redact(&o.line).into_owned();
    o.text = red.redact(&o.text).into_owned();
    for l in &mut o.log {
        *l = red.redact(l).into_owned();
    }
    o
}

async fn act(env: &Env, action: &Action, progress: impl FnMut(String)) -> Outcome {
    let json = matches!(action, Action::Start { .. } | Action::Apply { .. });
    let ctx = env.ctx(if json { Format::Json } else { Format::Plain });
    let mut out = Vec::new();
    let mut err = Lines::new(env.jm.redactor().clone(), progress);
    let result = match action {
        Action::Start { name, .. } => match env.pipelines.iter().find(|p| &p.name == name) {
            Some(p) => {
                let from = Restore::LatestOrFresh;
                lifecycle::resume(&ctx, &env.starter, p, &from, false, &mut out, &mut err).await
            }
            None => return failed(format!("no pipeline file names {name}")),
        },
        Action::Apply { .. } => {
            let upgrade = Upgrade::Savepoint;
            lifecycle::apply(
                &ctx,
                &env.starter,
                &env.pipelines,
                upgrade,
                &mut out,
                &mut err,
            )
            .await
        }
        Action::Stop { jid, .. } => {
            let sel = Selector::Id(jid.clone());
            let kind = SavepointKind::Stop { drain: false };
            jobs::savepoint(&ctx, &sel, kind, None, &mut out, &mut err).await
        }
        Action::Cancel { jid, .. } => {
            jobs::cancel(&ctx, &Selector::Id(jid.clone()), &mut out, &mut err).await
        }
        Action::Details { jid, .. } => jobs::show(&ctx, &Selector::Id(jid.clone()), &mut out).await,
    };
    let out = String::from_utf8_lossy(&out).trim().to_owned();
    let exit = match result {
        Ok(exit) => exit,
        Err(e) => return failed(format!("{} failed: {e:#}", action.label())),
    };
    if json {
        return applied(action, exit, &out);
    }
    match exit {
        Exit::Success => {
            let line = match action {
                Action::Stop { name, .. } => format!("stopped {name}: savepoint {out}"),
                Action::Cancel { name, .. } => format!("cancelled {name}: {}", last_line(&out)),
                _ => action.label(),
            };
            let log = match action {
                Action::Details { .. } => Vec::new(),
                _ => vec![line.clone()],
            };
            Outcome {
                ok: true,
                line,
                log,
                text: out,
            }
        }
        _ => failed(format!("{} failed: {}", action.label(), last_line(&out))),
    }
}

/// The outcome of a start or an apply from what `view::applied` wrote as json: one line per
/// pipeline it acted on.
pub fn applied(action: &Action, exit: Exit, out: &str) -> Outcome {
    // An array; `{"plan": …, "applied": […]}` when apply writes one document.
    let doc: Value = serde_json::from_str(out).unwrap_or_default();
    let items = match doc {
        Value::Array(items) => items,
        mut doc => match doc["applied"].take() {
            Value::Array(items) => items,
            _ => Vec::new(),
        },
    };
    let ok = exit == Exit::Success;
    let lines: Vec<String> = items
        .iter()
        .map(|r| {
            let name = text(&r["pipeline"]);
            let from = r["from_savepoint"].as_str();
            let result = text(&r["result"]);
            match (text(&r["action"]).as_str(), r["ok"].as_bool(), from) {
                ("resume" | "start" | "upgrade", Some(true), Some(sp)) => {
                    format!("started {name} from {sp}")
                }
                ("resume" | "start" | "upgrade", Some(true), None) => {
                    format!("started {name} without state")
                }
                ("resume", _, _) => format!("start of {name} {result}"),
                (what, _, _) => format!("{name}: {what}: {result}"),
            }
        })
        .collect();
    let line = match action {
        Action::Apply { .. } => {
            let acted: Vec<&String> = lines.iter().filter(|l| l.starts_with("started ")).collect();
            let problems = items.iter().filter(|r| r["ok"] == false).count();
            format!(
                "jobs apply: {} started, {} unchanged, {problems} problem(s){}",
                acted.len(),
                items.len().saturating_sub(acted.len() + problems),
                match (ok, lines.iter().find(|l| !l.starts_with("started "))) {
                    (false, Some(l)) => format!(": {l}"),
                    _ => String::new(),
                }
            )
        }
        _ => lines.first().cloned().unwrap_or_else(|| match ok {
            true => format!("{}: done", action.label()),
            false => format!("{} failed (exit {})", action.label(), exit.code()),
        }),
    };
    let log = match action {
        Action::Apply { .. } => std::iter::once(line.clone()).chain(lines).collect(),
        _ => vec![line.clone()],
    };
    Outcome {
        ok,
        line,
        log,
        text: out.to_owned(),
    }
}

/// What the user is told when they leave while `action` runs: for an apply, which steps were
/// done, which one was under way (its outcome unknown) and which were not started, from the
/// progress lines `apply` wrote.
pub fn interrupted(action: &Action, progress: &[String], dir: &str) -> Vec<String> {
    let mut out = vec![format!(
        "interrupted while '{}' was running: its outcome is unknown; look with `flink-sql jobs list`",
        action.label()
    )];
    let Action::Apply { steps } = action else {
        return out;
    };
    out[0] = "interrupted while 'jobs apply' was running:".to_owned();
    let reached = |s: &Planned| {
        progress.iter().position(|l| {
            l.contains(&format!("'{}'", s.name)) || s.jobs.iter().any(|j| l.contains(j.as_str()))
        })
    };
    let acting: Vec<(&Planned, Option<usize>)> = steps
        .iter()
        .filter(|s| s.acts())
        .map(|s| (s, reached(s)))
        .collect();
    let last = acting.iter().filter_map(|(_, at)| *at).max();
    for (s, at) in &acting {
        out.push(match at {
            Some(i) if Some(*i) == last => format!(
                "  {} {}: under way when interrupted, outcome unknown",
                s.plan, s.name
            ),
            Some(_) => format!("  {} {}: done (its result was not read)", s.plan, s.name),
            None => format!("  {} {}: not started", s.plan, s.name),
        });
    }
    out.extend(progress.iter().map(|l| format!("  progress: {l}")));
    out.push(format!("look with `flink-sql jobs status {dir}`"));
    out
}

fn failed(line: String) -> Outcome {
    Outcome {
        ok: false,
        text: line.clone(),
        log: vec![line.clone()],
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

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, plan: &str, jobs: &[&str]) -> Planned {
        Planned {
            name: name.into(),
            plan: plan.into(),
            jobs: jobs.iter().map(|j| j.to_string()).collect(),
            detail: "d".into(),
        }
    }

    #[test]
    fn progress_lines_arrive_whole_whatever_the_writes_and_redacted() {
        let mut got = Vec::new();
        let (red, _) = Redactor::new(["hunter22"]);
        let mut w = Lines::new(red, |l| got.push(l));
        w.write_all(b"starting pipeline 'a' (a.sql)").unwrap();
        w.write_all(b" with hunter\n\nab12: stop").unwrap();
        w.write_all(b"ping hunter22\n").unwrap();
        drop(w);
        assert_eq!(
            got,
            [
                "starting pipeline 'a' (a.sql) with hunter",
                "ab12: stopping ***"
            ]
        );
    }

    #[test]
    fn an_interrupted_apply_tells_done_under_way_and_not_started() {
        let a = Action::Apply {
            steps: vec![
                step("a", "start", &[]),
                step("k", "keep", &["k1"]),
                step("b", "upgrade", &["b1"]),
                step("c", "start", &[]),
            ],
        };
        let progress = [
            "starting pipeline 'a' (d/a.sql) without state".to_owned(),
            "b1: stopping with a savepoint (trigger t)".to_owned(),
        ];
        let said = interrupted(&a, &progress, "d");
        assert_eq!(said[1], "  start a: done (its result was not read)");
        assert_eq!(
            said[2],
            "  upgrade b: under way when interrupted, outcome unknown"
        );
        assert_eq!(said[3], "  start c: not started");
        assert!(said.iter().all(|l| !l.contains(" k:")), "{said:?}");
        assert_eq!(said.last().unwrap(), "look with `flink-sql jobs status d`");
        let plain = interrupted(
            &Action::Cancel {
                name: "x".into(),
                jid: "j".into(),
            },
            &[],
            "d",
        );
        assert!(plain[0].contains("'cancel x'") && plain[0].contains("unknown"));
    }

    #[test]
    fn a_start_and_an_apply_report_from_what_applied_wrote() {
        let start = Action::Start {
            name: "a".into(),
            savepoint: None,
        };
        let out = r#"[{"pipeline":"a","action":"resume","job":"j","from_savepoint":"file:/sp/a/savepoint-1","result":"RUNNING","ok":true}]"#;
        let o = applied(&start, Exit::Success, out);
        assert!(o.ok);
        assert_eq!(o.line, "started a from file:/sp/a/savepoint-1");
        let out = r#"[{"pipeline":"a","action":"resume","job":"j","from_savepoint":null,"result":"failed: a.sql:3:1: Table not found","ok":false}]"#;
        let o = applied(&start, Exit::StatementFailed, out);
        assert!(!o.ok);
        assert_eq!(o.line, "start of a failed: a.sql:3:1: Table not found");
        let apply = Action::Apply { steps: vec![] };
        let out = r#"[{"pipeline":"a","action":"start","from_savepoint":null,"result":"RUNNING","ok":true},
                      {"pipeline":"k","action":"keep","from_savepoint":null,"result":"kept: runs this SQL","ok":true}]"#;
        let o = applied(&apply, Exit::Success, out);
        assert_eq!(o.line, "jobs apply: 1 started, 1 unchanged, 0 problem(s)");
        assert_eq!(o.log[1], "started a without state");
        assert_eq!(o.log[2], "k: keep: kept: runs this SQL");
        let doc = format!(r#"{{"plan": [], "applied": {out}}}"#);
        assert_eq!(applied(&apply, Exit::Success, &doc).line, o.line);
    }
}
