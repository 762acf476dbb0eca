//! The screen's state, what each key does to it, and how it is drawn (a pure function of the
//! state, so the layout is tested on ratatui's `TestBackend`), plus the plain-text table for a
//! dumb terminal.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Borders, Cell, Clear, Paragraph, Row as TRow, Table, TableState, Wrap,
};
use ratatui::Frame;

use super::actions::{Action, Outcome, Planned};
use super::rows::{summary, word, Row};
use crate::jobs::plan::Verdict;
use crate::jobs::view;

/// Where the keyboard goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    List,
    /// Typing a filter after `/`.
    Filter,
    /// The actions of the selected pipeline.
    Menu,
    Confirm(Action),
    /// Details text, scrolled by this many lines.
    Details(String, u16),
}

/// What the event loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    None,
    Quit,
    Refresh,
    Run(Action),
    /// Read `jobs apply`'s plan (then confirm it).
    Plan,
}

/// Everything drawn.
#[derive(Debug, Clone)]
pub struct App {
    pub dir: String,
    pub rows: Vec<Row>,
    pub selected: usize,
    pub filter: String,
    pub mode: Mode,
    /// The action running and for how long.
    pub busy: Option<(Action, Duration)>,
    /// The last outcome or notice, and whether it is good news.
    pub message: Option<(String, bool)>,
    /// Why the last refresh failed (the rows are then the previous ones).
    pub error: Option<String>,
    /// Rows have arrived at least once.
    pub loaded: bool,
    /// A Ctrl-C while an action ran: the next one leaves.
    pub leaving: bool,
    /// What the running action reported so far (its stderr lines).
    pub progress: Vec<String>,
    /// `a` was pressed: the plan is being read.
    pub planning: bool,
}

impl App {
    pub fn new(dir: &str) -> App {
        App {
            dir: dir.to_owned(),
            rows: Vec::new(),
            selected: 0,
            filter: String::new(),
            mode: Mode::List,
            busy: None,
            message: None,
            error: None,
            loaded: false,
            leaving: false,
            progress: Vec::new(),
            planning: false,
        }
    }

    /// The rows the filter keeps (a case-insensitive substring of the name or the state).
    pub fn visible(&self) -> Vec<&Row> {
        let f = self.filter.to_lowercase();
        self.rows
            .iter()
            .filter(|r| {
                f.is_empty() || r.name.to_lowercase().contains(&f) || word(r.state).contains(&f)
            })
            .collect()
    }

    pub fn current(&self) -> Option<&Row> {
        self.visible().get(self.selected).copied()
    }

    /// New rows; the selection stays on the same pipeline.
    pub fn set_rows(&mut self, rows: Vec<Row>) {
        let name = self.current().map(|r| r.name.clone());
        self.rows = rows;
        self.loaded = true;
        self.error = None;
        if let Some(i) = name.and_then(|n| self.visible().iter().position(|r| r.name == n)) {
            self.selected = i;
        }
        self.clamp();
    }

    /// An action ended: its line goes to the status bar; details open in a window.
    pub fn finished(&mut self, action: &Action, outcome: &Outcome) {
        self.busy = None;
        self.leaving = false;
        self.progress.clear();
        self.message = Some((outcome.line.clone(), outcome.ok));
        if let (Action::Details { .. }, true) = (action, outcome.ok) {
            self.mode = Mode::Details(outcome.text.clone(), 0);
        }
    }

    /// `jobs apply`'s plan arrived: it is shown and confirmed before anything is done.
    pub fn planned(&mut self, plan: Result<Vec<Planned>, String>) {
        self.planning = false;
        match plan {
            Ok(steps) => {
                self.message = None;
                self.mode = Mode::Confirm(Action::Apply { steps });
            }
            Err(e) => {
                self.message = Some((format!("jobs apply: cannot read the plan: {e}"), false))
            }
        }
    }

    fn clamp(&mut self) {
        let n = self.visible().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    /// The actions the selected row offers, with their keys.
    pub fn actions(&self) -> Vec<(char, Action)> {
        let Some(r) = self.current() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let active = matches!(
            r.state,
            Verdict::Running | Verdict::Restarting | Verdict::Changed | Verdict::Unexpected
        );
        let stopped = matches!(r.state, Verdict::Missing | Verdict::Failed);
        if stopped && r.file.is_some() {
            out.push((
                's',
                Action::Start {
                    name: r.name.clone(),
                    savepoint: r.savepoint.clone(),
                },
            ));
        }
        if let (true, Some(jid)) = (active, &r.jid) {
            out.push((
                't',
                Action::Stop {
                    name: r.name.clone(),
                    jid: jid.clone(),
                },
            ));
            out.push((
                'c',
                Action::Cancel {
                    name: r.name.clone(),
                    jid: jid.clone(),
                },
            ));
        }
        if let Some(jid) = &r.jid {
            out.push((
                'd',
                Action::Details {
                    name: r.name.clone(),
                    jid: jid.clone(),
                },
            ));
        }
        out
    }

    pub fn key(&mut self, k: KeyEvent) -> Command {
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            return self.interrupt();
        }
        match self.mode.clone() {
            Mode::Filter => {
                match k.code {
                    KeyCode::Enter => self.mode = Mode::List,
                    KeyCode::Esc => {
                        self.filter.clear();
                        self.mode = Mode::List;
                    }
                    KeyCode::Backspace => {
                        self.filter.pop();
                    }
                    KeyCode::Char(c) => self.filter.push(c),
                    _ => {}
                }
                self.clamp();
                Command::None
            }
            Mode::Menu => {
                self.mode = Mode::List;
                let KeyCode::Char(c) = k.code else {
                    return Command::None;
                };
                match self.actions().into_iter().find(|(key, _)| *key == c) {
                    Some((_, a)) if a.confirmation().is_some() => {
                        self.mode = Mode::Confirm(a);
                        Command::None
                    }
                    Some((_, a)) => self.run(a),
                    None => Command::None,
                }
            }
            Mode::Confirm(a) => {
                self.mode = Mode::List;
                let idle = matches!(&a, Action::Apply { steps } if !steps.iter().any(|s| s.acts()));
                match k.code {
                    _ if idle => {
                        self.message =
                            Some(("jobs apply: nothing to start or upgrade".into(), true));
                        Command::None
                    }
                    KeyCode::Char('y') | KeyCode::Char('Y') => self.run(a),
                    _ => {
                        self.message = Some((format!("{}: not done", a.label()), true));
                        Command::None
                    }
                }
            }
            Mode::Details(text, scroll) => {
                match k.code {
                    KeyCode::Down | KeyCode::Char('j') => {
                        self.mode = Mode::Details(text, scroll.saturating_add(1))
                    }
                    KeyCode::Up | KeyCode::Char('k') => {
                        self.mode = Mode::Details(text, scroll.saturating_sub(1))
                    }
                    _ => self.mode = Mode::List,
                }
                Command::None
            }
            Mode::List => self.list_key(k),
        }
    }

    /// An action starts: the progress line replaces the last message.
    fn run(&mut self, a: Action) -> Command {
        self.message = None;
        self.progress.clear();
        Command::Run(a)
    }

    fn list_key(&mut self, k: KeyEvent) -> Command {
        match k.code {
            KeyCode::Char('q') | KeyCode::Esc => match &self.busy {
                Some((a, _)) => {
                    self.message = Some((
                        format!(
                            "wait: {} is running (Ctrl-C twice leaves anyway)",
                            a.label()
                        ),
                        false,
                    ));
                    Command::None
                }
                None => Command::Quit,
            },
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected += 1;
                self.clamp();
                Command::None
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.selected = self.selected.saturating_sub(1);
                Command::None
            }
            KeyCode::Char('/') => {
                self.mode = Mode::Filter;
                Command::None
            }
            KeyCode::Char('r') => Command::Refresh,
            KeyCode::Char('a') => {
                if let Some((a, _)) = &self.busy {
                    self.message = Some((format!("busy: {}", a.label()), false));
                    Command::None
                } else if self.planning {
                    Command::None
                } else {
                    self.planning = true;
                    self.message = Some(("jobs apply: reading the plan…".into(), true));
                    Command::Plan
                }
            }
            KeyCode::Enter => {
                if let Some((a, _)) = &self.busy {
                    self.message = Some((format!("busy: {}", a.label()), false));
                } else if !self.actions().is_empty() {
                    self.mode = Mode::Menu;
                }
                Command::None
            }
            _ => Command::None,
        }
    }

    /// Ctrl-C: leave at once when idle; while an action runs, warn first (its outcome would be
    /// unknown), and leave on the second.
    fn interrupt(&mut self) -> Command {
        match &self.busy {
            None => Command::Quit,
            Some(_) if self.leaving => Command::Quit,
            Some((a, _)) => {
                self.leaving = true;
                self.message = Some((
                    format!(
                        "{} is running: Ctrl-C again leaves without its outcome",
                        a.label()
                    ),
                    false,
                ));
                Command::None
            }
        }
    }
}

/// The savepoint cell: the whole path when wide, else its last part.
fn savepoint_cell(path: &Option<String>, wide: bool) -> String {
    match path {
        None => "-".into(),
        Some(p) if wide => p.clone(),
        Some(p) => p
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(p)
            .to_owned(),
    }
}

fn ago(ms: Option<i64>, now_ms: i64) -> String {
    match ms {
        Some(t) if t > 0 => format!("{} ago", view::duration((now_ms - t).max(0))),
        _ => "-".into(),
    }
}

fn failures(r: &Row) -> String {
    match &r.exception {
        Some(e) => format!("{} {e}", r.restarts),
        None => r.restarts.to_string(),
    }
}

fn state_style(s: Verdict) -> Style {
    match s {
        Verdict::Running => Style::default().fg(Color::Green),
        Verdict::Failed | Verdict::Restarting | Verdict::Duplicated => {
            Style::default().fg(Color::Red)
        }
        Verdict::Unexpected | Verdict::Changed => Style::default().fg(Color::Yellow),
        Verdict::Missing => Style::default(),
    }
}

/// The cells of a row, as both the screen and the plain table show them.
pub fn cells(r: &Row, wide: bool, now_ms: i64) -> [String; 6] {
    [
        r.name.clone(),
        word(r.state).to_owned(),
        r.uptime_ms.map_or_else(|| "-".into(), view::duration),
        ago(r.checkpoint_ms, now_ms),
        savepoint_cell(&r.savepoint, wide),
        failures(r),
    ]
}

const HEADER: [&str; 6] = [
    "PIPELINE",
    "STATE",
    "UPTIME",
    "CHECKPOINT",
    "SAVEPOINT",
    "RESTARTS / LAST EXCEPTION",
];

fn summary_line(rows: &[Row]) -> String {
    let (total, running, not_running, failing) = summary(rows);
    format!("{total} pipelines: {running} running, {not_running} not running, {failing} failing")
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App, now_ms: i64) {
    let area = f.area();
    let [title, table, sum, status, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let head = match &app.filter {
        filt if !filt.is_empty() || app.mode == Mode::Filter => {
            format!("flink-sql jobs ui {}   filter: {filt}", app.dir)
        }
        _ => format!("flink-sql jobs ui {}", app.dir),
    };
    f.render_widget(
        Paragraph::new(head).style(Style::default().add_modifier(Modifier::BOLD)),
        title,
    );
    let wide = area.width >= 120;
    let visible = app.visible();
    let trows: Vec<TRow> = visible
        .iter()
        .map(|r| {
            let c = cells(r, wide, now_ms);
            TRow::new(c.into_iter().enumerate().map(|(i, text)| match i {
                1 => Cell::from(text).style(state_style(r.state)),
                _ => Cell::from(text),
            }))
        })
        .collect();
    let widths = if wide {
        [
            Constraint::Length(24),
            Constraint::Length(11),
            Constraint::Length(10),
            Constraint::Length(11),
            Constraint::Fill(1),
            Constraint::Fill(1),
        ]
    } else {
        [
            Constraint::Length(16),
            Constraint::Length(11),
            Constraint::Length(7),
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Fill(1),
        ]
    };
    let header = TRow::new(HEADER.iter().map(|h| match (*h, wide) {
        ("RESTARTS / LAST EXCEPTION", false) => "RESTARTS/EXC",
        ("CHECKPOINT", false) => "CHECKPT",
        (h, _) => h,
    }))
    .style(Style::default().add_modifier(Modifier::BOLD));
    let placeholder = match (app.loaded, &app.error) {
        (_, Some(e)) if visible.is_empty() => format!("cannot read the jobs: {e}"),
        (false, _) => "loading…".to_owned(),
        _ => String::new(),
    };
    let t = Table::new(trows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED))
        .block(Block::default().borders(Borders::TOP | Borders::BOTTOM));
    let mut state =
        TableState::default().with_selected((!visible.is_empty()).then_some(app.selected));
    f.render_stateful_widget(t, table, &mut state);
    if !placeholder.is_empty() {
        let inner = Rect {
            y: table.y + 2,
            height: 1,
            ..table
        };
        f.render_widget(Paragraph::new(placeholder), inner);
    }
    f.render_widget(Paragraph::new(summary_line(&app.rows)), sum);
    let (line, style) = match (&app.busy, &app.message, &app.error) {
        (Some(_), Some((m, _)), _) => (m.clone(), Style::default().fg(Color::Red)),
        (Some((a, took)), None, _) => (
            match app.progress.last() {
                Some(p) => format!("{} {}… {}s\n{p}", spinner(*took), a.label(), took.as_secs()),
                None => format!("{} {}… {}s", spinner(*took), a.label(), took.as_secs()),
            },
            Style::default().fg(Color::Yellow),
        ),
        (None, Some((m, ok)), _) => (
            m.clone(),
            Style::default().fg(if *ok { Color::Green } else { Color::Red }),
        ),
        (None, None, Some(e)) => (
            format!("refresh failed: {e}"),
            Style::default().fg(Color::Red),
        ),
        _ => (String::new(), Style::default()),
    };
    // Three lines, wrapped: a savepoint path is longer than 80 columns.
    f.render_widget(
        Paragraph::new(line).style(style).wrap(Wrap { trim: false }),
        status,
    );
    let keys = match app.mode {
        Mode::Filter => "type to filter · Enter keep · Esc clear",
        _ => "↑↓/jk move · / filter · Enter actions · a apply · r refresh · q quit",
    };
    f.render_widget(
        Paragraph::new(keys).style(Style::default().add_modifier(Modifier::DIM)),
        help,
    );
    match &app.mode {
        Mode::Menu => popup(
            f,
            "actions",
            app.actions()
                .iter()
                .map(|(k, a)| format!("{k}  {}", a.label()))
                .chain(["Esc  back".to_owned()])
                .collect(),
            0,
        ),
        Mode::Confirm(a) => popup(
            f,
            match a {
                Action::Apply { .. } => "jobs apply: the plan",
                _ => "confirm",
            },
            a.confirmation()
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect(),
            0,
        ),
        Mode::Details(text, scroll) => popup(
            f,
            "details (↑↓ scroll, any other key closes)",
            text.lines().map(str::to_owned).collect(),
            *scroll,
        ),
        _ => {}
    }
}

fn spinner(took: Duration) -> char {
    ['|', '/', '-', '\\'][(took.as_millis() / 250 % 4) as usize]
}

fn popup(f: &mut Frame, title: &str, lines: Vec<String>, scroll: u16) {
    let area = f.area();
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u16;
    let width = (longest + 4)
        .max(title.chars().count() as u16 + 4)
        .min(area.width);
    // Wrapped lines count as many as they take (a plan's savepoint paths are long).
    let inner = width.saturating_sub(2).max(1) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| l.chars().count().div_ceil(inner).max(1))
        .sum();
    let height = (rows as u16 + 2).min(area.height);
    let r = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    f.render_widget(Clear, r);
    let p = Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>())
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_owned()),
        )
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    f.render_widget(p, r);
}

/// The table for a dumb terminal or a pipe: aligned columns, then the summary line.
pub fn plain(rows: &[Row], now_ms: i64) -> String {
    let lines: Vec<[String; 6]> = std::iter::once(HEADER.map(str::to_owned))
        .chain(rows.iter().map(|r| cells(r, true, now_ms)))
        .collect();
    let mut widths = [0usize; 6];
    for l in &lines {
        for (w, c) in widths.iter_mut().zip(l) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for l in &lines {
        let mut s = String::new();
        for (i, c) in l.iter().enumerate() {
            match i {
                5 => s.push_str(c),
                _ => s.push_str(&format!("{c:<w$}  ", w = widths[i])),
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    }
    out.push_str(&summary_line(rows));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::KeyEvent;
    use ratatui::Terminal;

    const NOW: i64 = 1_000_000_000;

    fn row(name: &str, state: Verdict) -> Row {
        let running = !matches!(state, Verdict::Missing | Verdict::Failed);
        let jid = "0123456789abcdef0123456789abcdef".to_owned();
        Row {
            name: name.into(),
            file: (state != Verdict::Unexpected).then(|| format!("pipelines/{name}.sql")),
            state,
            job_state: if running { "RUNNING" } else { "-" }.into(),
            jobs: if running { vec![jid.clone()] } else { vec![] },
            jid: running.then_some(jid),
            uptime_ms: running.then_some(3_723_000),
            checkpoint_ms: running.then_some(NOW - 4_000),
            savepoint: Some(format!(
                "file:/savepoints/{name}/savepoint-0a1b2c-3d4e5f6a7b8c"
            )),
            restarts: if state == Verdict::Failed { 3 } else { 0 },
            exception: (state == Verdict::Failed)
                .then(|| "java.lang.RuntimeException: topic orders not found".to_owned()),
        }
    }

    fn app() -> App {
        let mut app = App::new("pipelines");
        app.set_rows(vec![
            row("orders-enrich", Verdict::Running),
            row("payments", Verdict::Missing),
            row("fraud-score", Verdict::Failed),
        ]);
        app
    }

    fn render(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw(f, app, NOW)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_owned())
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn key(c: char) -> KeyEvent {
        KeyEvent::from(KeyCode::Char(c))
    }

    #[test]
    fn at_80x24_every_row_fits_with_its_state_uptime_and_the_savepoints_last_part() {
        let s = render(&app(), 80, 24);
        let line = s.lines().find(|l| l.starts_with("orders-enrich")).unwrap();
        assert!(line.contains("running"), "{s}");
        assert!(line.contains("1h 2m 3s") || line.contains("1h 2m"), "{s}");
        assert!(line.contains("4s ago"), "{s}");
        assert!(line.contains("savepoint-0a"), "{s}");
        assert!(
            !line.contains("file:/savepoints"),
            "narrow shows the last part: {s}"
        );
        let failed = s.lines().find(|l| l.starts_with("fraud-score")).unwrap();
        assert!(
            failed.contains("failed") && failed.contains("3 java.lang"),
            "{s}"
        );
        assert!(
            s.contains("3 pipelines: 1 running, 2 not running, 1 failing"),
            "{s}"
        );
        assert!(s.contains("q quit"), "{s}");
        assert!(s.lines().all(|l| l.chars().count() <= 80));
    }

    #[test]
    fn a_wide_terminal_shows_whole_savepoint_paths_and_exceptions() {
        let s = render(&app(), 180, 30);
        assert!(
            s.contains("file:/savepoints/orders-enrich/savepoint-0a1b2c-3d4e5f6a7b8c"),
            "{s}"
        );
        assert!(
            s.contains("3 java.lang.RuntimeException: topic orders not found"),
            "{s}"
        );
        assert!(s.contains("RESTARTS / LAST EXCEPTION"), "{s}");
    }

    #[test]
    fn the_filter_keeps_matching_rows_and_the_summary_counts_all() {
        let mut a = app();
        a.key(key('/'));
        for c in "pay".chars() {
            a.key(key(c));
        }
        a.key(KeyEvent::from(KeyCode::Enter));
        let s = render(&a, 80, 24);
        assert!(
            s.contains("payments") && !s.contains("orders-enrich"),
            "{s}"
        );
        assert!(s.contains("filter: pay"), "{s}");
        assert!(s.contains("3 pipelines"), "{s}");
    }

    #[test]
    fn destructive_actions_ask_first_and_a_no_does_nothing() {
        let mut a = app();
        assert_eq!(a.key(KeyEvent::from(KeyCode::Enter)), Command::None);
        let menu = render(&a, 80, 24);
        assert!(
            menu.contains("t  stop orders-enrich with a savepoint"),
            "{menu}"
        );
        assert!(
            !menu.contains("s  start"),
            "a running pipeline offers no start: {menu}"
        );
        assert_eq!(a.key(key('c')), Command::None);
        assert!(render(&a, 80, 24).contains("without a savepoint? [y/N]"));
        assert_eq!(a.key(key('n')), Command::None);
        assert_eq!(a.mode, Mode::List);
        a.key(KeyEvent::from(KeyCode::Enter));
        a.key(key('t'));
        let run = a.key(key('y'));
        assert!(matches!(run, Command::Run(Action::Stop { .. })), "{run:?}");
    }

    #[test]
    fn start_uses_the_latest_savepoint_without_asking() {
        let mut a = app();
        a.key(key('j'));
        a.key(KeyEvent::from(KeyCode::Enter));
        match a.key(key('s')) {
            Command::Run(Action::Start {
                name, savepoint, ..
            }) => {
                assert_eq!(name, "payments");
                assert_eq!(
                    savepoint.as_deref(),
                    Some("file:/savepoints/payments/savepoint-0a1b2c-3d4e5f6a7b8c")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn while_an_action_runs_q_waits_and_the_second_ctrl_c_leaves() {
        let mut a = app();
        a.busy = Some((
            Action::Cancel {
                name: "x".into(),
                jid: "j".into(),
            },
            Duration::from_secs(2),
        ));
        assert_eq!(a.key(key('q')), Command::None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(a.key(ctrl_c), Command::None);
        assert!(render(&a, 80, 24).contains("Ctrl-C again"));
        assert_eq!(a.key(ctrl_c), Command::Quit);
    }

    #[test]
    fn the_plain_table_has_every_row_and_the_summary() {
        let t = plain(&app().rows, NOW);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("PIPELINE"));
        assert_eq!(lines.len(), 5);
        assert!(lines[1].starts_with("orders-enrich") && lines[1].contains("running"));
        assert_eq!(lines[4], "3 pipelines: 1 running, 2 not running, 1 failing");
        assert!(!t.contains('\x1b'), "no escape sequences in plain text");
    }

    fn every_state() -> App {
        let mut app = App::new("pipelines");
        app.set_rows(vec![
            row("orders-enrich", Verdict::Running),
            row("payments", Verdict::Missing),
            row("fraud-score", Verdict::Failed),
            row("clicks", Verdict::Restarting),
            row("sessions", Verdict::Duplicated),
            row("audit", Verdict::Changed),
            row("old-report", Verdict::Unexpected),
        ]);
        app
    }

    #[test]
    fn every_status_verdict_shows_its_word_narrow_and_wide() {
        for (w, h) in [(80, 24), (180, 30)] {
            let s = render(&every_state(), w, h);
            for (name, state) in [
                ("orders-enrich", "running"),
                ("payments", "not running"),
                ("fraud-score", "failed"),
                ("clicks", "restarting"),
                ("sessions", "duplicated"),
                ("audit", "changed"),
                ("old-report", "unexpected"),
            ] {
                let line = s.lines().find(|l| l.starts_with(name)).unwrap_or("");
                let rest = line[name.len()..].trim_start();
                assert!(
                    rest.starts_with(state),
                    "{name} is {state} at {w}x{h}:\n{s}"
                );
            }
            assert!(
                s.contains("7 pipelines: 3 running, 2 not running, 2 failing"),
                "{s}"
            );
            assert!(s.lines().all(|l| l.chars().count() <= w as usize));
        }
    }

    #[test]
    fn what_each_state_offers_follows_its_verdict() {
        let mut a = every_state();
        let keys = |a: &App| a.actions().iter().map(|(k, _)| *k).collect::<String>();
        let mut offered = Vec::new();
        for _ in 0..7 {
            offered.push(keys(&a));
            a.key(key('j'));
        }
        // running, not running (start; no run to show), failed (start, its last run's details),
        // restarting, duplicated (details only: cancel one by id), changed, unexpected.
        assert_eq!(offered, ["tcd", "s", "s", "tcd", "d", "tcd", "tcd"]);
    }

    fn plan() -> Vec<Planned> {
        vec![
            Planned {
                name: "orders-enrich".into(),
                plan: "keep".into(),
                jobs: vec!["0123".into()],
                detail: "runs this SQL".into(),
            },
            Planned {
                name: "payments".into(),
                plan: "start".into(),
                jobs: vec![],
                detail: "not running: start from file:/savepoints/payments/savepoint-0a1b2c-3d4e5f6a7b8c".into(),
            },
        ]
    }

    #[test]
    fn a_shows_the_plan_and_only_a_yes_applies_it() {
        for (w, h) in [(80, 24), (180, 30)] {
            let mut a = app();
            assert_eq!(a.key(key('a')), Command::Plan);
            assert!(render(&a, w, h).contains("reading the plan"));
            assert_eq!(a.key(key('a')), Command::None, "one plan at a time");
            a.planned(Ok(plan()));
            let s = render(&a, w, h);
            assert!(s.contains("jobs apply: the plan"), "{s}");
            assert!(s.contains("keep       orders-enrich: runs this SQL"), "{s}");
            let joined: String = s.replace('│', "").split_whitespace().collect();
            assert!(
                joined.contains("payments:notrunning:startfromfile:/savepoints/payments/savepoint-0a1b2c-3d4e5f6a7b8c"),
                "the whole path, wrapped when narrow: {s}"
            );
            assert!(
                s.contains("(1 pipeline(s) started or restarted)? [y/N]"),
                "{s}"
            );
            assert_eq!(a.key(key('n')), Command::None);
            assert_eq!(a.mode, Mode::List);
            assert!(render(&a, w, h).contains("jobs apply: not done"));
            a.key(key('a'));
            a.planned(Ok(plan()));
            match a.key(key('y')) {
                Command::Run(Action::Apply { steps }) => assert_eq!(steps, plan()),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_plan_with_nothing_to_do_applies_nothing_and_a_failed_plan_says_why() {
        let mut a = app();
        a.key(key('a'));
        a.planned(Ok(plan()[..1].to_vec()));
        assert!(render(&a, 80, 24).contains("Nothing to start or upgrade"));
        assert_eq!(a.key(key('y')), Command::None);
        assert!(render(&a, 80, 24).contains("nothing to start or upgrade"));
        a.key(key('a'));
        a.planned(Err("connection refused".into()));
        assert_eq!(a.mode, Mode::List);
        assert!(render(&a, 80, 24).contains("cannot read the plan: connection refused"));
    }

    #[test]
    fn a_running_action_shows_its_latest_progress_line() {
        let mut a = app();
        a.busy = Some((Action::Apply { steps: plan() }, Duration::from_secs(7)));
        a.progress
            .push("starting pipeline 'payments' (pipelines/payments.sql) without state".into());
        let s = render(&a, 80, 24);
        assert!(s.contains("jobs apply… 7s"), "{s}");
        assert!(s.contains("starting pipeline 'payments'"), "{s}");
        assert_eq!(a.key(key('a')), Command::None, "no plan while busy");
    }

    #[test]
    fn a_tiny_or_resized_terminal_still_draws_every_mode() {
        let mut a = every_state();
        for (w, h) in [(20, 6), (8, 3), (1, 1), (80, 24)] {
            render(&a, w, h);
            a.mode = Mode::Menu;
            render(&a, w, h);
            a.mode = Mode::Confirm(Action::Apply { steps: plan() });
            render(&a, w, h);
            a.mode = Mode::Details("x\n".repeat(100), 40);
            render(&a, w, h);
            a.mode = Mode::List;
        }
    }
}
