//! The terminal side of the screen: raw mode and the alternate screen (restored on every way
//! out, a panic included), the event loop, and the threads that fetch rows and run actions so
//! the UI thread never waits on HTTP. Not a terminal, or `TERM=dumb`: one plain table.

use std::io::{self, IsTerminal, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::Terminal;

use super::actions::{self, Action, Outcome, Planned};
use super::rows::{self, Row};
use super::screen::{self, App, Command};
use super::{Env, REFRESH};
use crate::error::Exit;

/// What the background threads report.
enum Msg {
    Rows(Result<Vec<Row>, String>),
    Done(Action, Outcome),
    /// A line the running action wrote on its stderr.
    Progress(String),
    Plan(Result<Vec<Planned>, String>),
}

/// A terminal that can show the screen: stdout is one and TERM is not dumb.
pub fn can_draw() -> bool {
    let term = std::env::var("TERM").unwrap_or_default();
    io::stdout().is_terminal() && io::stdin().is_terminal() && !term.is_empty() && term != "dumb"
}

/// One plain table, printed once.
pub fn print_once(env: &Env, out: &mut impl Write) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ctx = env.ctx(crate::jobs::Format::Plain);
    let rows = runtime.block_on(rows::snapshot(&ctx, &env.pipelines))?;
    out.write_all(screen::plain(&rows, crate::jobs::now_ms()).as_bytes())?;
    Ok(Exit::Success)
}

fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
}

/// Runs the screen until `q`; prints what the actions did once the terminal is back.
pub fn run(env: Env, dir: &str, out: &mut impl Write) -> anyhow::Result<Exit> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let refresh = refresher(env.clone(), tx.clone());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    terminal::enable_raw_mode()?;
    let result = (|| {
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
        let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        event_loop(&env, &mut term, dir, &rx, &tx, &refresh)
    })();
    restore();
    let _ = std::panic::take_hook();
    let (log, unfinished) = result?;
    for line in &log {
        writeln!(out, "{line}")?;
    }
    Ok(match unfinished {
        Some((a, progress)) => {
            for line in actions::interrupted(&a, &progress, dir) {
                writeln!(out, "{line}")?;
            }
            Exit::Interrupted
        }
        None => Exit::Success,
    })
}

/// The thread that fetches rows every REFRESH, or at once when asked.
fn refresher(env: Env, tx: mpsc::Sender<Msg>) -> mpsc::Sender<()> {
    let (ask, asked) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        let ctx = env.ctx(crate::jobs::Format::Plain);
        loop {
            let rows = runtime
                .block_on(rows::snapshot(&ctx, &env.pipelines))
                .map_err(|e| format!("{e:#}"));
            if tx.send(Msg::Rows(rows)).is_err() {
                return;
            }
            match asked.recv_timeout(REFRESH) {
                Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => while asked.try_recv().is_ok() {},
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    });
    ask
}

/// The lines to print after the screen, and the action left running with its progress.
type Ended = (Vec<String>, Option<(Action, Vec<String>)>);

fn event_loop(
    env: &Env,
    term: &mut Terminal<CrosstermBackend<io::Stdout>>,
    dir: &str,
    rx: &mpsc::Receiver<Msg>,
    tx: &mpsc::Sender<Msg>,
    refresh: &mpsc::Sender<()>,
) -> anyhow::Result<Ended> {
    let mut app = App::new(dir);
    let mut log = Vec::new();
    let mut started: Option<Instant> = None;
    loop {
        if let (Some(t), Some(b)) = (started, app.busy.as_mut()) {
            b.1 = t.elapsed();
        }
        term.draw(|f| screen::draw(f, &app, crate::jobs::now_ms()))?;
        if event::poll(Duration::from_millis(200))? {
            if let Event::Key(k) = event::read()? {
                if k.kind != KeyEventKind::Release {
                    match app.key(k) {
                        Command::None => {}
                        Command::Quit => {
                            // Progress that arrived with the last key counts too.
                            while let Ok(Msg::Progress(p)) = rx.try_recv() {
                                app.progress.push(p);
                            }
                            let busy = app.busy.map(|b| (b.0, app.progress));
                            return Ok((log, busy));
                        }
                        Command::Refresh => {
                            let _ = refresh.send(());
                        }
                        Command::Run(a) => {
                            app.busy = Some((a.clone(), Duration::ZERO));
                            started = Some(Instant::now());
                            let (env, tx) = (env.clone(), tx.clone());
                            std::thread::spawn(move || {
                                let progress = tx.clone();
                                let o = actions::run(&env, &a, move |line| {
                                    let _ = progress.send(Msg::Progress(line));
                                });
                                let _ = tx.send(Msg::Done(a, o));
                            });
                        }
                        Command::Plan => {
                            let (env, tx) = (env.clone(), tx.clone());
                            std::thread::spawn(move || {
                                let _ = tx.send(Msg::Plan(actions::plan(&env)));
                            });
                        }
                    }
                }
            }
        }
        while let Ok(msg) = rx.try_recv() {
            match msg {
                Msg::Rows(Ok(rows)) => app.set_rows(rows),
                Msg::Rows(Err(e)) => app.error = Some(e),
                Msg::Progress(p) => app.progress.push(p),
                Msg::Plan(p) => app.planned(p),
                Msg::Done(a, o) => {
                    if !matches!(a, Action::Details { .. }) {
                        log.extend(o.log.iter().cloned());
                        let _ = refresh.send(());
                    }
                    app.finished(&a, &o);
                    started = None;
                }
            }
        }
    }
}
