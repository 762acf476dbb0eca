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

use super::actions::{self, Action, Outcome};
use super::rows::{self, Pipeline, Row};
use super::screen::{self, App, Command};
use super::{Env, REFRESH};
use crate::error::Exit;

/// What the background threads report.
enum Msg {
    Rows(Result<Vec<Row>, String>),
    Done(Action, Outcome),
}

/// A terminal that can show the screen: stdout is one and TERM is not dumb.
pub fn can_draw() -> bool {
    let term = std::env::var("TERM").unwrap_or_default();
    io::stdout().is_terminal() && io::stdin().is_terminal() && !term.is_empty() && term != "dumb"
}

/// One plain table, printed once.
pub fn print_once(env: &Env, pipelines: &[Pipeline], out: &mut impl Write) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let ctx = env.ctx();
    let rows = runtime.block_on(rows::snapshot(&ctx, pipelines))?;
    out.write_all(screen::plain(&rows, crate::jobs::now_ms()).as_bytes())?;
    Ok(Exit::Success)
}

fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
}

/// Runs the screen until `q`; prints what the actions did once the terminal is back.
pub fn run(
    env: Env,
    pipelines: Vec<Pipeline>,
    dir: &str,
    out: &mut impl Write,
) -> anyhow::Result<Exit> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let refresh = refresher(env.clone(), pipelines, tx.clone());
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
        Some(a) => {
            writeln!(
                out,
                "interrupted while '{}' was running: its outcome is unknown; look with `flink-sql jobs list`",
                a.label()
            )?;
            Exit::Interrupted
        }
        None => Exit::Success,
    })
}

/// The thread that fetches rows every REFRESH, or at once when asked.
fn refresher(env: Env, pipelines: Vec<Pipeline>, tx: mpsc::Sender<Msg>) -> mpsc::Sender<()> {
    let (ask, asked) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        let ctx = env.ctx();
        loop {
            let rows = runtime
                .block_on(rows::snapshot(&ctx, &pipelines))
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

type Ended = (Vec<String>, Option<Action>);

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
                            return Ok((log, app.busy.map(|b| b.0)));
                        }
                        Command::Refresh => {
                            let _ = refresh.send(());
                        }
                        Command::Run(a) => {
                            app.busy = Some((a.clone(), Duration::ZERO));
                            started = Some(Instant::now());
                            let (env, tx) = (env.clone(), tx.clone());
                            std::thread::spawn(move || {
                                let o = actions::run(&env, &a);
                                let _ = tx.send(Msg::Done(a, o));
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
                Msg::Done(a, o) => {
                    if !matches!(a, Action::Details { .. }) {
                        log.push(o.line.clone());
                        let _ = refresh.send(());
                    }
                    app.finished(&a, &o);
                    started = None;
                }
            }
        }
    }
}
