//! The spinner on stderr (indicatif): statement i/n, kind, location, status and elapsed time.
//!
//! It draws through the same writer as every other stderr line (so through the secret-masking
//! writer, and into a buffer in tests), and other lines are printed with the spinner suspended.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

use super::Sink;
use crate::model::Column;
use crate::script::Statement;

/// The stderr writer, shared by the spinner's ticker thread and the console.
pub type SharedWrite = Arc<Mutex<Box<dyn Write + Send>>>;

/// Terminal width assumed for the spinner line; the line itself stays well below it.
const WIDTH: u16 = 80;
/// Longest location shown (the end of the path is kept).
const MAX_LOCATION: usize = 40;

/// A terminal made of a writer and ANSI cursor sequences.
struct Term(SharedWrite);

impl fmt::Debug for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Term(stderr)")
    }
}

impl Term {
    fn put(&self, text: &str) -> io::Result<()> {
        let mut w = self
            .0
            .lock()
            .map_err(|_| io::Error::other("stderr lock poisoned"))?;
        w.write_all(text.as_bytes())
    }
}

impl TermLike for Term {
    fn width(&self) -> u16 {
        WIDTH
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.put(&format!("\x1b[{n}A"))
        }
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.put(&format!("\x1b[{n}B"))
        }
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.put(&format!("\x1b[{n}C"))
        }
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        if n == 0 {
            Ok(())
        } else {
            self.put(&format!("\x1b[{n}D"))
        }
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.put(s)?;
        self.put("\n")
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.put(s)
    }
    fn clear_line(&self) -> io::Result<()> {
        self.put("\r\x1b[2K")
    }
    fn flush(&self) -> io::Result<()> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("stderr lock poisoned"))?
            .flush()
    }
}

/// How often the spinner redraws by itself.
const TICK: Duration = Duration::from_millis(120);

/// The spinner for one run. Clones share it.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    err: SharedWrite,
    hidden: Arc<AtomicBool>,
}

impl Progress {
    pub fn new(total: usize, err: SharedWrite) -> Self {
        let target = ProgressDrawTarget::term_like(Box::new(Term(err.clone())));
        // A pipe's total is not known in advance (0): the count alone.
        let (len, template) = match total {
            0 => (None, "{spinner} [{pos}] {msg} {elapsed}"),
            n => (Some(n as u64), "{spinner} [{pos}/{len}] {msg} {elapsed}"),
        };
        let bar = ProgressBar::with_draw_target(len, target);
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message("connecting");
        bar.enable_steady_tick(TICK);
        Progress {
            bar,
            err,
            hidden: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Takes the spinner off the screen until the next statement starts: results are about to be
    /// written to the same terminal, and a spinner drawn between their lines would garble them.
    pub fn hide(&self) {
        if self.hidden.swap(true, Ordering::SeqCst) {
            return;
        }
        self.bar.disable_steady_tick();
        self.bar.set_draw_target(ProgressDrawTarget::hidden());
        let _ = Term(self.err.clone())
            .clear_line()
            .and_then(|()| Term(self.err.clone()).flush());
    }

    fn show(&self) {
        if !self.hidden.swap(false, Ordering::SeqCst) {
            return;
        }
        let target = ProgressDrawTarget::term_like(Box::new(Term(self.err.clone())));
        self.bar.set_draw_target(target);
        self.bar.enable_steady_tick(TICK);
    }

    /// Statement `stmt` is running.
    pub fn start(&self, stmt: &Statement) {
        self.show();
        self.bar.set_position(stmt.index as u64);
        self.bar.reset_elapsed();
        self.bar.set_message(message(stmt, "running"));
    }

    /// Rows are arriving.
    pub fn rows(&self, stmt: &Statement, rows: u64) {
        self.bar.set_message(message(stmt, &format!("{rows} rows")));
    }

    /// A job was submitted; the run may wait for it.
    pub fn job(&self, stmt: &Statement, job_id: &str) {
        let short = &job_id[..job_id.len().min(8)];
        self.bar.set_message(message(stmt, &format!("job {short}")));
    }

    /// Runs `f` (which prints lines) with the spinner taken off the screen.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Placed before the results sink when results go to the spinner's terminal: hides the spinner
/// before a statement's results are written (the spinner returns when the next statement starts).
pub struct Guard(pub Progress);

impl Sink for Guard {
    fn columns(&mut self, _stmt: &Statement, _columns: &[Column]) -> io::Result<()> {
        self.0.hide();
        Ok(())
    }
}

/// `query orders.sql:14 · running`, the location shortened from the left.
fn message(stmt: &Statement, status: &str) -> String {
    let location = format!("{}:{}", stmt.file, stmt.pos.line);
    let count = location.chars().count();
    let location = if count > MAX_LOCATION {
        let tail: String = location.chars().skip(count - (MAX_LOCATION - 1)).collect();
        format!("…{tail}")
    } else {
        location
    };
    format!("{} {location} · {status}", stmt.kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::script::Kind;

    #[test]
    fn the_spinner_draws_through_the_given_writer_and_clears_itself() {
        let buf = Shared::default();
        let progress = Progress::new(3, Arc::new(Mutex::new(Box::new(buf.clone()))));
        let s = stmt(2, Kind::Ddl, "CREATE …");
        progress.start(&s);
        progress.bar.tick();
        progress.finish();
        let text = buf.text();
        assert!(
            text.contains("[2/3] ddl sql/orders.sql:20 · running"),
            "{text:?}"
        );
        assert!(text.ends_with("\r\x1b[2K"), "{text:?}");
    }

    #[test]
    fn a_hidden_spinner_draws_nothing_until_the_next_statement() {
        let buf = Shared::default();
        let progress = Progress::new(3, Arc::new(Mutex::new(Box::new(buf.clone()))));
        let mut guard = Guard(progress.clone());
        let query = stmt(1, Kind::Query, "SELECT 1");
        progress.start(&query);
        progress.bar.tick();
        guard.columns(&query, &[]).unwrap();
        let hidden_at = buf.text().len();
        assert!(buf.text().ends_with("\r\x1b[2K"), "{:?}", buf.text());
        progress.rows(&query, 5);
        progress.bar.tick();
        assert_eq!(buf.text().len(), hidden_at, "{:?}", buf.text());
        progress.start(&stmt(2, Kind::Ddl, "CREATE …"));
        progress.bar.tick();
        assert!(
            buf.text()[hidden_at..].contains("[2/3] ddl"),
            "{:?}",
            buf.text()
        );
    }

    #[test]
    fn long_locations_keep_their_end() {
        let mut s = stmt(1, Kind::Query, "SELECT 1");
        s.file = std::sync::Arc::from("a/very/long/path/to/some/pipelines/folder/orders.sql");
        let m = message(&s, "running");
        assert!(m.starts_with("query …"), "{m}");
        assert!(m.ends_with("folder/orders.sql:10 · running"), "{m}");
    }
}
