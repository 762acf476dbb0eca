//! The line editor (rustyline) on a thread of its own: the runtime stays free while the prompt
//! waits, so the session heartbeat goes on. Multi-line input ends where the splitter says a
//! statement ended; Tab completes client commands, `${VAR}` names and, through the gateway,
//! SQL.

use std::io;
use std::path::PathBuf;
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::Duration;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::command::COMMANDS;
use crate::gateway::Completion;
use crate::profile::Vars;
use crate::script::Feed;

/// How long Tab waits for the gateway's candidates before offering none.
const COMPLETION_LIMIT: Duration = Duration::from_secs(5);

/// What Tab may offer besides client commands; the shell updates it (a new session after
/// `\env`, variables after `\set`).
#[derive(Default)]
pub struct Completions {
    pub gateway: Option<Completion>,
    pub vars: Vec<String>,
}

/// One read from the prompt.
#[derive(Debug)]
pub enum Read {
    /// A complete entry: a client command, or text whose statements all ended.
    Entry(String),
    /// Ctrl-C while editing: the entry is dropped.
    Interrupted,
    /// Ctrl-D on an empty line.
    Eof,
}

enum Request {
    Read(String),
    Remember(String),
}

/// The editor thread's handle. Dropping it ends the thread after its current read.
pub struct Lines {
    requests: std_mpsc::Sender<Request>,
    replies: mpsc::UnboundedReceiver<io::Result<Option<Read>>>,
}

impl Lines {
    /// Starts the editor thread, loading the history from `history` (a missing file is an
    /// empty history).
    pub fn start(
        completions: Arc<Mutex<Completions>>,
        history: Option<PathBuf>,
    ) -> io::Result<Lines> {
        let helper = Helper {
            completions,
            runtime: Handle::current(),
        };
        let (requests, incoming) = std_mpsc::channel();
        let (reply, replies) = mpsc::unbounded_channel();
        let (ready_tx, ready) = std_mpsc::channel();
        std::thread::spawn(move || match editor(helper, history.as_ref()) {
            Ok(ed) => {
                let _ = ready_tx.send(Ok(()));
                serve(ed, history, incoming, reply);
            }
            Err(e) => {
                let _ = ready_tx.send(Err(e));
            }
        });
        ready
            .recv()
            .map_err(|_| io::Error::other("the line editor did not start"))??;
        Ok(Lines { requests, replies })
    }

    /// Shows `prompt` and waits (without blocking the runtime) for an entry.
    pub async fn read(&mut self, prompt: String) -> io::Result<Read> {
        self.ask(Request::Read(prompt)).await?.ok_or_else(gone)
    }

    /// Adds an entry (already masked) to the history and appends it to the history file.
    pub async fn remember(&mut self, entry: String) -> io::Result<()> {
        self.ask(Request::Remember(entry)).await.map(drop)
    }

    async fn ask(&mut self, request: Request) -> io::Result<Option<Read>> {
        self.requests.send(request).map_err(|_| gone())?;
        self.replies.recv().await.ok_or_else(gone)?
    }
}

fn gone() -> io::Error {
    io::Error::other("the line editor stopped")
}

type Ed = Editor<Helper, FileHistory>;

fn editor(helper: Helper, history: Option<&PathBuf>) -> io::Result<Ed> {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)
        .map_err(io::Error::other)?
        .max_history_size(10_000)
        .map_err(io::Error::other)?
        .completion_type(CompletionType::List)
        .build();
    let mut ed = Ed::with_config(config).map_err(io::Error::other)?;
    ed.set_helper(Some(helper));
    if let Some(path) = history.filter(|p| p.exists()) {
        ed.load_history(path).map_err(|e| {
            io::Error::other(format!("cannot read the history {}: {e}", path.display()))
        })?;
    }
    Ok(ed)
}

fn serve(
    mut ed: Ed,
    history: Option<PathBuf>,
    incoming: std_mpsc::Receiver<Request>,
    reply: mpsc::UnboundedSender<io::Result<Option<Read>>>,
) {
    for request in incoming {
        let answer = match request {
            Request::Read(prompt) => read(&mut ed, &prompt).map(Some),
            Request::Remember(entry) => remember(&mut ed, history.as_ref(), &entry).map(|()| None),
        };
        if reply.send(answer).is_err() {
            return;
        }
    }
}

fn read(ed: &mut Ed, prompt: &str) -> io::Result<Read> {
    match ed.readline(prompt) {
        Ok(text) => Ok(Read::Entry(text)),
        Err(ReadlineError::Interrupted) => Ok(Read::Interrupted),
        Err(ReadlineError::Eof) => Ok(Read::Eof),
        Err(ReadlineError::Io(e)) => Err(e),
        Err(e) => Err(io::Error::other(e)),
    }
}

/// The history file is created private (0600 in a 0700 folder): it holds what was typed.
fn remember(ed: &mut Ed, history: Option<&PathBuf>, entry: &str) -> io::Result<()> {
    ed.add_history_entry(entry).map_err(io::Error::other)?;
    let Some(path) = history else {
        return Ok(());
    };
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    ed.append_history(path)
        .map_err(|e| io::Error::other(format!("cannot write the history {}: {e}", path.display())))
}

fn create_private_dir(dir: &std::path::Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Whether an entry is complete: a client command (one line), or text in which every statement
/// has ended, decided by the same incremental splitter as files and pipes (a `;` in a string or
/// comment does not end one). A blank entry is complete (a new prompt).
pub fn is_complete(text: &str) -> bool {
    if text.trim_start().starts_with('\\') {
        return true;
    }
    let mut feed = Feed::new("<prompt>", Vars::default());
    feed.push(text);
    // The line's end: a `;` held back after an open `${NAME:-` is decided there.
    feed.push("\n");
    feed.is_idle()
}

struct Helper {
    completions: Arc<Mutex<Completions>>,
    runtime: Handle,
}

impl rustyline::Helper for Helper {}
impl Highlighter for Helper {}
impl Hinter for Helper {
    type Hint = String;
}

impl Validator for Helper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(match is_complete(ctx.input()) {
            true => ValidationResult::Valid(None),
            false => ValidationResult::Incomplete,
        })
    }
}

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        if let Some(start) = command_start(before) {
            let names = COMMANDS.iter().map(|(name, _, _)| (*name).to_owned());
            return Ok((start, matching(names, &before[start..], str::to_owned)));
        }
        let completions = self.completions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(start) = variable_start(before) {
            let prefix = &before[start + 2..];
            let names = completions.vars.iter().cloned();
            let pairs = matching(names, prefix, |n| format!("${{{n}}}"));
            return Ok((start, pairs));
        }
        let Some(gateway) = completions.gateway.clone() else {
            return Ok((pos, Vec::new()));
        };
        drop(completions);
        // The gateway counts Java characters (UTF-16 units).
        let position = before.encode_utf16().count();
        // Built inside `block_on`: a timer needs the runtime's context.
        let asked = self.runtime.block_on(async {
            tokio::time::timeout(COMPLETION_LIMIT, gateway.candidates(line, position)).await
        });
        let candidates = match asked {
            Ok(Ok(candidates)) => candidates,
            _ => Vec::new(),
        };
        let pairs = candidates
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: c,
            })
            .collect();
        Ok((word_start(before), pairs))
    }
}

/// Candidates starting with `prefix` (case-insensitive), shown and inserted as `insert` makes them.
fn matching(
    names: impl Iterator<Item = String>,
    prefix: &str,
    insert: impl Fn(&str) -> String,
) -> Vec<Pair> {
    let prefix = prefix.to_ascii_lowercase();
    names
        .filter(|n| n.to_ascii_lowercase().starts_with(&prefix))
        .map(|n| Pair {
            display: insert(&n),
            replacement: insert(&n),
        })
        .collect()
}

/// Where a client command's name starts, when the cursor is still in it.
fn command_start(before: &str) -> Option<usize> {
    let start = before.len() - before.trim_start().len();
    let word = &before[start..];
    (word.starts_with('\\') && !word.contains(char::is_whitespace)).then_some(start)
}

/// Where an open `${NAME` starts, when the cursor is in its name.
fn variable_start(before: &str) -> Option<usize> {
    let start = before.rfind("${")?;
    let name = &before[start + 2..];
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(start)
}

/// The start of the SQL word before the cursor (a qualified name counts as one word, as the
/// gateway's candidates are qualified: `default_catalog.default_database.orders`).
fn word_start(before: &str) -> usize {
    before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '.' | '`'))
        .last()
        .map_or(before.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_ends_at_a_semicolon_outside_strings_and_comments() {
        assert!(is_complete("SELECT 1;"));
        assert!(!is_complete("SELECT\n  1"));
        assert!(is_complete("SELECT\n  1;"));
        assert!(!is_complete("SELECT 'a;b"));
        assert!(is_complete("SELECT 'a;b';"));
        assert!(!is_complete("SELECT 1 -- ;"));
        assert!(!is_complete("SELECT 1 /* ; */"));
        assert!(is_complete("SELECT 1; SELECT 2;"));
        assert!(!is_complete("SELECT 1; SELECT 2"));
        assert!(is_complete("   "));
        assert!(is_complete("-- just a comment"));
        assert!(is_complete("\\format json"));
    }

    #[test]
    fn completion_words() {
        assert_eq!(command_start("  \\for"), Some(2));
        assert_eq!(command_start("\\format j"), None);
        assert_eq!(variable_start("SELECT '${KAF"), Some(8));
        assert_eq!(variable_start("SELECT '${KAF}' x"), None);
        assert_eq!(word_start("SELECT * FROM default_catalog.db.or"), 14);
        assert_eq!(word_start("SELECT * FROM "), 14);
        let pairs = matching(
            ["KAFKA_TOPIC".to_owned(), "X".to_owned()].into_iter(),
            "ka",
            |n| format!("${{{n}}}"),
        );
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].replacement, "${KAFKA_TOPIC}");
    }
}
