//! `flink-sql shell`: a prompt over the runner. Each entry is split by the incremental splitter
//! and substituted like a file (`script::Feed`), each statement runs in the one session
//! (`Runner::run`) and renders through the renderers `exec` uses. A signal cancels the running
//! statement only (`Canceller::rearm` before the next entry); what the session holds stays.
//!
//! - `command`: the client commands (`\format`, `\set`, …), parsed;
//! - `editor`: the line editor on its own thread (multi-line input, Tab, Ctrl-R);
//! - `history`: where the history lives and the masking of its entries.

pub mod command;
mod editor;
pub mod history;

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use command::Command;
use editor::{Completions, Lines, Read};

use crate::error::{CliError, Exit};
use crate::model::{Column, Outcome, Row, Sink, Status};
use crate::profile::{Origin, Vars};
use crate::render::{self, Fanout};
use crate::runner::{Cancel, Canceller, Connect, Opened, RunOptions, Runner};
use crate::script::{self, input, Diagnostic, Feed, Kind, Statement};
use crate::secrets::{RedactWriter, Redactor, MASK};
use crate::settings::{self, Output};

/// Where a prompt's statements say they come from in error locations.
const PROMPT_NAME: &str = "<prompt>";

/// A profile resolved for the shell: what connecting, running and rendering need.
pub struct Target {
    /// The profile's name, shown in the prompt.
    pub name: String,
    pub connect: Connect,
    pub opts: RunOptions,
    pub vars: Vars,
    pub output: Output,
}

/// Resolves `\env NAME` (the command layer reads profiles; the shell does not).
pub trait Profiles {
    fn load(&self, name: &str) -> Result<Target, CliError>;
}

/// What the shell starts with besides its target.
pub struct Start {
    pub history: Option<PathBuf>,
    /// `\e`'s editor: `$EDITOR`, else `vi`.
    pub editor: String,
    pub canceller: Canceller,
    pub cancel: Cancel,
}

/// Connects, then reads and runs entries until Ctrl-D or `\q`; the session is closed on the way
/// out. A gateway that cannot be reached is said at once, and the prompt still comes up (client
/// commands work; each statement tries to connect again).
pub async fn run(target: Target, profiles: &dyn Profiles, start: Start) -> anyhow::Result<Exit> {
    let runner = connect(&target, &start.cancel).await.map_err(report).ok();
    let completions = Arc::new(Mutex::new(Completions::default()));
    let lines = Lines::start(completions.clone(), start.history)?;
    let mut shell = Shell::new(target, lines, completions, start.canceller, start.cancel);
    shell.editor = start.editor;
    shell.runner = runner;
    shell.refresh_new().await;
    let ended = shell.serve(profiles).await;
    shell.close().await;
    ended.map(|()| Exit::Success)
}

async fn connect(target: &Target, cancel: &Cancel) -> Result<Runner, CliError> {
    match Runner::open(&target.connect, target.opts.clone(), cancel).await {
        Ok(Opened::Ready(runner)) => Ok(runner),
        Ok(Opened::Cancelled(exit)) => Err(CliError::new(exit, "interrupted while connecting")),
        Err(e) => Err(e.with_hint(format!(
            "no session: check SQL_GATEWAY_URL of profile {} (or --gateway); the next statement \
             tries again, \\env NAME switches profile",
            target.name
        ))),
    }
}

/// Prints an error and its hints (already masked) the way `main` does.
fn report(e: CliError) {
    crate::report_error(&e.into());
}

/// The prompt: profile and the session's current catalog and database (`None`: no session).
pub fn prompt(profile: &str, current: Option<(&str, &str)>) -> String {
    match current {
        Some((catalog, database)) => format!("{profile} {catalog}.{database}> "),
        None => format!("{profile} (no session)> "),
    }
}

struct Shell {
    target: Target,
    runner: Option<Runner>,
    lines: Lines,
    completions: Arc<Mutex<Completions>>,
    canceller: Canceller,
    cancel: Cancel,
    redactor: Redactor,
    expanded: bool,
    /// `\o FILE`: results go there instead of stdout.
    out: Option<Arc<File>>,
    /// The last statement run (for `\e` and `\watch`).
    last: Option<Statement>,
    catalog: String,
    database: String,
    editor: String,
}

impl Shell {
    fn new(
        target: Target,
        lines: Lines,
        completions: Arc<Mutex<Completions>>,
        canceller: Canceller,
        cancel: Cancel,
    ) -> Shell {
        let mut output = target.output.clone();
        output.progress = false;
        let target = Target { output, ..target };
        Shell {
            redactor: target.connect.redactor.clone(),
            target,
            runner: None,
            lines,
            completions,
            canceller,
            cancel,
            expanded: false,
            out: None,
            last: None,
            editor: String::from("vi"),
            catalog: String::from("?"),
            database: String::from("?"),
        }
    }

    async fn serve(&mut self, profiles: &dyn Profiles) -> anyhow::Result<()> {
        loop {
            let current = (self.runner.is_some()).then_some((&*self.catalog, &*self.database));
            let prompt = prompt(&self.target.name, current);
            let text = match self.lines.read(prompt).await? {
                Read::Entry(text) => text,
                Read::Interrupted => continue,
                Read::Eof => return Ok(()),
            };
            self.canceller.rearm();
            let quit = self.entry(&text, profiles).await?;
            self.remember(&text).await;
            if quit {
                return Ok(());
            }
        }
    }

    /// Runs one entry; `true` for `\q`.
    async fn entry(&mut self, text: &str, profiles: &dyn Profiles) -> anyhow::Result<bool> {
        if !text.trim_start().starts_with('\\') {
            self.run_text(text, PROMPT_NAME).await?;
            return Ok(false);
        }
        match command::parse(text) {
            Ok(Command::Quit) => Ok(true),
            Ok(command) => self.command(command, profiles).await.map(|()| false),
            Err(message) => {
                eprintln!("error: {message}");
                Ok(false)
            }
        }
    }

    /// The history gets the entry as typed, secrets masked; a history that cannot be written
    /// is said once per entry, and the prompt goes on.
    async fn remember(&mut self, text: &str) {
        let Some(entry) = history::entry(text, &self.redactor) else {
            return;
        };
        if let Err(e) = self.lines.remember(entry).await {
            eprintln!("warning: {}", self.redactor.redact(&e.to_string()));
        }
    }

    async fn command(&mut self, command: Command, profiles: &dyn Profiles) -> anyhow::Result<()> {
        match command {
            Command::Quit => {}
            Command::Help => print!("{}", command::help()),
            Command::Format(format) => self.target.output.format = format,
            Command::Expanded => self.expanded = toggled("expanded display", !self.expanded),
            Command::Timing => {
                let output = &mut self.target.output;
                output.timing = toggled("timing", !output.timing);
            }
            Command::Materialize => {
                let output = &mut self.target.output;
                output.materialize = toggled("materialize", !output.materialize);
            }
            Command::Include(path) => self.include(&path).await?,
            Command::Output(path) => self.output_to(path.as_deref()),
            Command::Set(name, value) => self.set(name, value),
            Command::Unset(name) => self.unset(&name),
            Command::Vars => self.list_vars(),
            Command::Env(name) => self.switch(&name, profiles).await,
            Command::Edit => self.edit().await?,
            Command::Watch(every) => self.watch(every).await?,
        }
        Ok(())
    }

    /// Splits and substitutes `text` like a file and runs its statements in order; the first
    /// problem (bad input, a failed statement, Ctrl-C) stops the rest of the entry.
    async fn run_text(&mut self, text: &str, origin: &str) -> anyhow::Result<()> {
        let mut feed = Feed::new(origin, self.target.vars.clone());
        let mut fed = feed.push(text);
        fed.extend(feed.finish());
        for statement in fed {
            let ok = match statement {
                Ok(stmt) => self.run_statement(&stmt).await?,
                Err(diagnostics) => self.problems(&diagnostics, &[])?,
            };
            if !ok {
                break;
            }
        }
        Ok(())
    }

    /// `\i FILE`: read and checked whole first, as `exec` does, then run in this session.
    async fn include(&mut self, path: &Path) -> anyhow::Result<()> {
        let sources = match input::read_path(path) {
            Ok(sources) => sources,
            Err(d) => return Ok(self.problems(&[d], &[]).map(drop)?),
        };
        let statements = match script::prepare(&sources, &self.target.vars, false) {
            Ok(statements) => statements,
            Err(d) => return Ok(self.problems(&d, &sources).map(drop)?),
        };
        for stmt in &statements {
            if !self.run_statement(stmt).await? {
                break;
            }
        }
        Ok(())
    }

    /// Input problems at file:line:col; nothing of the entry is sent. Always `false` (stop).
    fn problems(&self, diagnostics: &[Diagnostic], sources: &[script::Source]) -> io::Result<bool> {
        let mut err = RedactWriter::new(io::stderr(), self.redactor.clone());
        render::write_input_problems(&mut err, diagnostics, sources, &self.redactor)?;
        Ok(false)
    }

    /// Runs one statement into fresh sinks; `false` when what follows should not run. A USE
    /// moves the prompt (asked of the gateway, so `USE CATALOG c` shows c's current database).
    async fn run_statement(&mut self, stmt: &Statement) -> anyhow::Result<bool> {
        if self.cancel.requested().is_some() {
            return Ok(false);
        }
        if self.runner.is_none() && !self.reconnect().await {
            return Ok(false);
        }
        let runner = self.runner.as_ref().expect("connected above");
        let shown = Rc::new(Cell::new(false));
        let mut sinks = self.sinks()?;
        sinks.push(Box::new(Shown(shown.clone())));
        let clock = Instant::now();
        let ran = runner.run(stmt, &mut sinks, &self.cancel).await;
        // A shell's session may live for hours: what it finished is closed while it waits.
        runner.session().close_finished();
        drop(sinks);
        self.last = Some(stmt.clone());
        let outcome = match ran {
            Ok(outcome) => outcome,
            Err(e) => {
                eprintln!("error: {}", self.redactor.redact(&format!("{e:#}")));
                return Ok(false);
            }
        };
        // A statement without a result (DDL, SET, USE) says it succeeded, as Flink's client does.
        if outcome.status == Status::Ok && !shown.get() && !self.target.output.quiet {
            eprintln!("OK");
        }
        if self.target.output.timing {
            eprintln!("Time: {:.3} ms", clock.elapsed().as_secs_f64() * 1000.0);
        }
        if stmt.kind == Kind::Use && outcome.status == Status::Ok {
            self.refresh().await;
        }
        Ok(outcome.status == Status::Ok)
    }

    /// Results (the format, `\x`, `\o`) and the console on stderr, each behind a `RedactWriter`.
    /// Built per statement: a json document per result, and `\format` applies at once.
    /// `\materialize` goes through `render::output_results`, redrawn live when results go to
    /// the terminal.
    fn sinks(&self) -> io::Result<Fanout> {
        let redactor = self.redactor.clone();
        let file = self.out.clone();
        let out = || -> Box<dyn Write> {
            match &file {
                Some(file) => Box::new(RedactWriter::new(FileOut(file.clone()), redactor.clone())),
                None => Box::new(RedactWriter::new(crate::render::stdout(), redactor.clone())),
            }
        };
        let terminal = file.is_none() && io::stdout().is_terminal();
        let output = &self.target.output;
        let results = match self.expanded && !output.materialize {
            true => render::expanded(out(), redactor.clone()),
            false => render::output_results(output, terminal, out, &redactor),
        };
        let err = Box::new(RedactWriter::new(io::stderr(), redactor.clone()));
        let mut fanout = Fanout::default();
        fanout.push(results);
        fanout.push(render::console(&self.target.output, 0, err, redactor));
        Ok(fanout)
    }

    /// Asks the session for its current catalog and database (the prompt), and tells Tab
    /// about the session and the variables.
    async fn refresh(&mut self) {
        if let Some(runner) = &self.runner {
            let catalog = ask(runner, "SHOW CURRENT CATALOG;").await;
            let database = ask(runner, "SHOW CURRENT DATABASE;").await;
            self.catalog = catalog.unwrap_or_else(|| "?".into());
            self.database = database.unwrap_or_else(|| "?".into());
        }
        self.refresh_completions();
    }

    /// `refresh` for a session just opened: it stands in its configured built-in catalog and
    /// database, read with one GET of the session (no statement runs: two SHOW operations cost
    /// the first prompt several gateway round trips). Asks as `refresh` does if that GET fails.
    async fn refresh_new(&mut self) {
        let Some(runner) = &self.runner else {
            return self.refresh_completions();
        };
        let session = runner.session();
        match session.client().session_config(session.id()).await {
            Ok(config) => {
                (self.catalog, self.database) = builtin_place(&config);
                self.refresh_completions();
            }
            Err(_) => self.refresh().await,
        }
    }

    fn refresh_completions(&mut self) {
        let mut completions = self.completions.lock().unwrap_or_else(|e| e.into_inner());
        completions.gateway = self.runner.as_ref().map(|r| r.session().completion());
        completions.vars = own_vars(&self.target.vars).map(str::to_owned).collect();
    }

    /// Tries again to open a session with the current profile.
    async fn reconnect(&mut self) -> bool {
        match connect(&self.target, &self.cancel).await {
            Ok(runner) => self.runner = Some(runner),
            Err(e) => {
                report(e);
                return false;
            }
        }
        self.refresh_new().await;
        true
    }

    fn output_to(&mut self, path: Option<&Path>) {
        let Some(path) = path else {
            self.out = None;
            return;
        };
        match File::create(path) {
            Ok(file) => self.out = Some(Arc::new(file)),
            Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
        }
    }

    /// `\set`: a variable for the entries that follow; a secret's value is masked from now on.
    fn set(&mut self, name: String, value: String) {
        let is_secret = {
            let mut probe = Vars::default();
            probe.insert(name.as_str(), value.as_str(), Origin::CommandLine);
            let listed = self.target.vars.get("FLINK_SQL_SECRETS");
            if let Some(listed) = listed {
                probe.insert("FLINK_SQL_SECRETS", listed, Origin::CommandLine);
            }
            !settings::secret_vars(&probe).is_empty()
        };
        if is_secret {
            self.redactor = self.redactor.with_values([value.as_str()]);
        }
        self.target.vars.insert(name, value, Origin::CommandLine);
        self.update_var_names();
    }

    fn unset(&mut self, name: &str) {
        if !self.target.vars.remove(name) {
            eprintln!("note: {name} was not set");
        }
        self.update_var_names();
    }

    fn update_var_names(&self) {
        let mut completions = self.completions.lock().unwrap_or_else(|e| e.into_inner());
        completions.vars = own_vars(&self.target.vars).map(str::to_owned).collect();
    }

    /// `\vars`: the profile's and `\set` variables (not the whole environment), secrets masked.
    fn list_vars(&self) {
        let vars = &self.target.vars;
        let secret: Vec<&str> = settings::secret_vars(vars)
            .iter()
            .map(|(k, _)| *k)
            .collect();
        let mut out = RedactWriter::new(crate::render::stdout(), self.redactor.clone());
        for name in own_vars(vars) {
            let value = match secret.contains(&name) {
                true => MASK,
                false => vars.get(name).unwrap_or_default(),
            };
            let _ = writeln!(out, "{name}={value}");
        }
    }

    /// `\env NAME`: a new session with profile NAME; the old one is closed once the new one is
    /// open (a profile that does not load or connect leaves the shell as it was).
    async fn switch(&mut self, name: &str, profiles: &dyn Profiles) {
        let target = match profiles.load(name) {
            Ok(target) => target,
            Err(e) => return eprintln!("error: {e}"),
        };
        let runner = match connect(&target, &self.cancel).await {
            Ok(runner) => runner,
            Err(e) => return report(e),
        };
        if let Some(old) = self.runner.replace(runner) {
            old.close(&self.cancel).await;
        }
        self.redactor = target.connect.redactor.clone();
        let mut output = target.output.clone();
        output.progress = false;
        self.target = Target { output, ..target };
        self.last = None;
        self.refresh_new().await;
        eprintln!("connected: profile {name}, a new session");
    }

    /// `\e`: the last statement in `$EDITOR` (vi without one), then the edited text runs.
    async fn edit(&mut self) -> anyhow::Result<()> {
        let text = self.last.as_ref().map(|s| format!("{};\n", s.text));
        let editor = self.editor.clone();
        let edited =
            tokio::task::spawn_blocking(move || edit_in_editor(&editor, &text.unwrap_or_default()))
                .await?;
        match edited {
            Ok(text) if !text.trim().is_empty() => {
                println!("{}", self.redactor.redact(text.trim_end()));
                self.run_text(&text, "<edited>").await?;
                self.remember(&text).await;
            }
            Ok(_) => {}
            Err(e) => eprintln!("error: {e}"),
        }
        Ok(())
    }

    /// `\watch SECONDS`: the last query again and again until Ctrl-C (or until it fails).
    async fn watch(&mut self, every: std::time::Duration) -> anyhow::Result<()> {
        let Some(stmt) = self.last.clone().filter(|s| s.kind == Kind::Query) else {
            eprintln!("error: \\watch re-runs the last query, and no query ran yet");
            return Ok(());
        };
        while self.run_statement(&stmt).await? {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = self.cancel.wait() => break,
            }
        }
        Ok(())
    }

    async fn close(&mut self) {
        self.canceller.rearm();
        if let Some(runner) = self.runner.take() {
            runner.close(&self.cancel).await;
        }
    }
}

fn toggled(what: &str, on: bool) -> bool {
    eprintln!("{what} is {}", if on { "on" } else { "off" });
    on
}

/// The variables the user gave (profile, `--var`, `\set`), not the whole process environment.
fn own_vars(vars: &Vars) -> impl Iterator<Item = &str> {
    vars.iter()
        .map(|(k, _)| k)
        .filter(|k| vars.origin(k) != Some(Origin::Environment) || !vars.shadowed(k).is_empty())
}

/// The first field of the first row of a one-value statement (SHOW CURRENT …), run quietly.
/// The catalog and database a new session starts in: Flink's `table.builtin-catalog-name` and
/// `table.builtin-database-name` of its configuration (cluster, gateway and session), else their
/// defaults.
fn builtin_place(config: &BTreeMap<String, String>) -> (String, String) {
    let get = |key: &str, default: &str| config.get(key).map_or(default, |v| v).to_owned();
    (
        get("table.builtin-catalog-name", "default_catalog"),
        get("table.builtin-database-name", "default_database"),
    )
}

async fn ask(runner: &Runner, sql: &str) -> Option<String> {
    let stmt = Feed::new("<shell>", Vars::default())
        .push(sql)
        .into_iter()
        .next()?
        .ok()?;
    let mut first = First(None);
    let outcome = runner.run(&stmt, &mut first, &Cancel::never()).await.ok()?;
    (outcome.status == Status::Ok).then_some(first.0?)
}

/// `\o FILE`'s writer: one file shared by the writers of every statement.
struct FileOut(Arc<File>);

impl Write for FileOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

/// Notes whether a statement showed a result.
struct Shown(Rc<Cell<bool>>);

impl Sink for Shown {
    fn columns(&mut self, _: &Statement, _: &[Column]) -> io::Result<()> {
        self.0.set(true);
        Ok(())
    }
}

/// Keeps the first value of a result.
struct First(Option<String>);

impl Sink for First {
    fn columns(&mut self, _: &Statement, _: &[Column]) -> io::Result<()> {
        Ok(())
    }
    fn rows(&mut self, _: &Statement, rows: &[Row]) -> io::Result<()> {
        if self.0.is_none() {
            let field = rows.first().and_then(|r| r.fields.first());
            self.0 = field.and_then(|f| f.as_str()).map(|s| s.into_owned());
        }
        Ok(())
    }
    fn finished(&mut self, _: &Statement, _: &Outcome) -> io::Result<()> {
        Ok(())
    }
}

/// Writes `text` to a temporary file, runs `$EDITOR` on it (`vi` without one) and reads it back.
fn edit_in_editor(editor: &str, text: &str) -> io::Result<String> {
    let dir = std::env::temp_dir().join(format!("flink-sql-edit-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("statement.sql");
    std::fs::write(&path, text)?;
    // $EDITOR may carry arguments (`code --wait`): a shell splits it, as git does.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()?;
    let edited = std::fs::read_to_string(&path);
    let _ = std::fs::remove_dir_all(&dir);
    match status.success() {
        true => edited,
        false => Err(io::Error::other(format!("{editor} exited with {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_names_the_profile_catalog_and_database() {
        assert_eq!(
            prompt("local", Some(("default_catalog", "default_database"))),
            "local default_catalog.default_database> "
        );
        assert_eq!(prompt("local", None), "local (no session)> ");
    }

    #[test]
    fn a_new_session_stands_in_its_configured_builtin_catalog() {
        let own = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        let mut config = BTreeMap::new();
        assert_eq!(
            builtin_place(&config),
            own("default_catalog", "default_database")
        );
        config.insert("table.builtin-catalog-name".into(), "cat".into());
        config.insert("table.builtin-database-name".into(), "db".into());
        assert_eq!(builtin_place(&config), own("cat", "db"));
    }

    #[test]
    fn own_vars_leave_out_the_process_environment() {
        let mut vars = Vars::default();
        vars.insert("PATH", "/bin", Origin::Environment);
        vars.insert("TOPIC", "orders", Origin::Profile);
        vars.insert("X", "1", Origin::CommandLine);
        assert_eq!(own_vars(&vars).collect::<Vec<_>>(), ["TOPIC", "X"]);
    }
}
