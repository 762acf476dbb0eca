//! `--materialize`: a query's changelog applied to a table of its current rows, shown instead of
//! the changelog.
//!
//! The key. The gateway's result schema names columns and types only (no primary or upsert key:
//! checked on Flink 2.0 for `SELECT k, SUM(x) … GROUP BY k`, whose result carries
//! `INSERT`/`UPDATE_BEFORE`/`UPDATE_AFTER` rows and a schema without any key). And a query's
//! result is a retract stream: every update comes as `-U` (the old row, value for value) before
//! `+U`. So the whole row is the key: `+I`/`+U` add a row, `-U`/`-D` remove one row equal to it,
//! and equal rows are counted (a multiset: `SELECT k FROM t` keeps duplicates). This is also right
//! for results that have no key at all. Rows keep the place they first appeared at: a `+U` takes
//! the place its `-U` freed, so a total updates in place instead of moving to the bottom. A
//! retraction with no equal row (never in a complete changelog) is ignored and counted.
//!
//! Bounded memory. A table holds at most `limit` rows (`--materialize-limit`). A row past it is a
//! [`Refusal`]: the runner fails the statement (exit 1) and cancels its job. Cutting the table
//! instead would show wrong totals (a dropped key's later updates would be retractions of a row
//! we never kept), so nothing is printed for it but the error.
//!
//! Showing it. [`Materialize`] sits in front of the format's renderer (without the `op` column:
//! every row is a current row; json/ndjson keep `"op":"+I"` so their row shape stays the same).
//! A query's columns and rows go to that renderer once the query ends or stops (end of a bounded
//! result, Ctrl-C, `--max-wait`, `--max-rows`, a failure): the final table, with `row_count`
//! counting its rows. Other statements pass straight through. At a terminal, [`Live`] redraws
//! the table in place meanwhile, at most every [`REDRAW_EVERY`], as one write per frame inside a
//! synchronized update, each line overwritten and cleared to its end rather than the screen
//! cleared first (no flicker); a frame fits the terminal (first rows, lines cut to its width),
//! and is erased before the final table is printed.

use std::collections::HashMap;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use super::table::Table;
use super::value::{char_width, display_width};
use super::Sink;
use crate::model::{Column, Outcome, Refusal, Row, RowKind, Summary};
use crate::script::Statement;
use crate::secrets::Redactor;

/// The shortest time between two live frames.
pub const REDRAW_EVERY: Duration = Duration::from_millis(200);

/// Terminal size assumed when it cannot be read: (columns, lines).
const FALLBACK_SIZE: (usize, usize) = (80, 24);

/// The rows of a table whose own rows would make it grow past its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full {
    pub limit: usize,
}

impl Full {
    /// The statement's error message.
    pub fn refusal(self) -> Refusal {
        Refusal(format!(
            "the materialized table would hold more than {} rows (--materialize-limit); the query \
             was cancelled: raise the limit or narrow the query",
            self.limit
        ))
    }
}

/// The current rows of a changelog, in the order they first appeared (see the module doc).
#[derive(Debug)]
pub struct View {
    /// Rows in order of appearance; `None` where a row was removed.
    slots: Vec<Option<Row>>,
    /// A row's text → the places of the rows equal to it.
    places: HashMap<String, Vec<usize>>,
    /// Places freed by `-U`, oldest first: the next `+U` takes the oldest.
    holes: std::collections::VecDeque<usize>,
    live: usize,
    limit: usize,
    unmatched: u64,
}

impl View {
    pub fn new(limit: usize) -> View {
        View {
            slots: Vec::new(),
            places: HashMap::new(),
            holes: Default::default(),
            live: 0,
            limit,
            unmatched: 0,
        }
    }

    /// Applies one changelog row. `Err` when it would add a row past the limit (nothing changes).
    pub fn apply(&mut self, row: &Row) -> Result<(), Full> {
        match row.kind {
            RowKind::Insert => self.add(row, false),
            RowKind::UpdateAfter => self.add(row, true),
            RowKind::UpdateBefore => {
                self.remove(row, true);
                Ok(())
            }
            RowKind::Delete => {
                self.remove(row, false);
                Ok(())
            }
        }
    }

    /// How many rows the table holds now.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Retractions that matched no row.
    pub fn unmatched(&self) -> u64 {
        self.unmatched
    }

    /// The current rows, each as an insert, in order of appearance.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.slots.iter().flatten()
    }

    fn add(&mut self, row: &Row, update: bool) -> Result<(), Full> {
        if self.live >= self.limit {
            return Err(Full { limit: self.limit });
        }
        let row = Row {
            kind: RowKind::Insert,
            fields: row.fields.clone(),
        };
        let hole = if update { self.holes.pop_front() } else { None };
        let place = match hole {
            Some(hole) => {
                self.slots[hole] = Some(row);
                hole
            }
            None => {
                self.slots.push(Some(row));
                self.slots.len() - 1
            }
        };
        let key = key(&self.slots[place].as_ref().expect("just placed").fields);
        self.places.entry(key).or_default().push(place);
        self.live += 1;
        Ok(())
    }

    fn remove(&mut self, row: &Row, update: bool) {
        let key = key(&row.fields);
        let Some(places) = self.places.get_mut(&key) else {
            self.unmatched += 1;
            return;
        };
        let place = places.pop().expect("an entry holds a place");
        if places.is_empty() {
            self.places.remove(&key);
        }
        self.slots[place] = None;
        self.live -= 1;
        if update {
            self.holes.push_back(place);
        }
        self.compact();
    }

    /// Drops removed places once they outnumber the rows, so memory follows the rows held, not
    /// the changes seen. Unfilled holes are forgotten (their `+U` then goes to the end).
    fn compact(&mut self) {
        if self.slots.len() <= 2 * self.live + 64 {
            return;
        }
        self.slots.retain(Option::is_some);
        self.holes.clear();
        self.places.clear();
        for (place, row) in self.slots.iter().enumerate() {
            let key = key(&row.as_ref().expect("retained").fields);
            self.places.entry(key).or_default().push(place);
        }
    }
}

/// A row's identity: its fields' JSON texts. A NUL cannot occur in JSON text (control characters
/// are escaped in strings), so it separates them unambiguously.
fn key(fields: &[crate::model::Field]) -> String {
    let mut key = String::with_capacity(fields.iter().map(|f| f.json().len() + 1).sum());
    for field in fields {
        key.push_str(field.json());
        key.push('\0');
    }
    key
}

/// The query being materialized.
struct Current {
    index: usize,
    columns: Vec<Column>,
    view: View,
    full: bool,
}

/// The `--materialize` sink: queries become their final table in `inner`'s format; at a terminal,
/// `live` shows the table meanwhile. Everything else goes to `inner` as it comes.
pub struct Materialize {
    inner: Box<dyn Sink>,
    limit: usize,
    live: Option<Live>,
    current: Option<Current>,
}

impl Materialize {
    pub fn new(inner: Box<dyn Sink>, limit: usize, live: Option<Live>) -> Materialize {
        Materialize {
            inner,
            limit,
            live,
            current: None,
        }
    }

    fn current(&mut self, stmt: &Statement) -> Option<&mut Current> {
        self.current.as_mut().filter(|c| c.index == stmt.index)
    }
}

impl Sink for Materialize {
    fn started(&mut self, stmt: &Statement) -> io::Result<()> {
        self.inner.started(stmt)
    }

    fn columns(&mut self, stmt: &Statement, columns: &[Column]) -> io::Result<()> {
        if !stmt.kind.is_query() {
            return self.inner.columns(stmt, columns);
        }
        self.current = Some(Current {
            index: stmt.index,
            columns: columns.to_vec(),
            view: View::new(self.limit),
            full: false,
        });
        Ok(())
    }

    fn rows(&mut self, stmt: &Statement, rows: &[Row]) -> io::Result<()> {
        let Some(current) = self.current.as_mut().filter(|c| c.index == stmt.index) else {
            return self.inner.rows(stmt, rows);
        };
        for row in rows {
            if let Err(full) = current.view.apply(row) {
                current.full = true;
                return Err(full.refusal().into_io());
            }
        }
        match &mut self.live {
            Some(live) => live.changed(stmt, &current.columns, &current.view),
            None => Ok(()),
        }
    }

    fn job_submitted(&mut self, stmt: &Statement, job_id: &str) -> io::Result<()> {
        self.inner.job_submitted(stmt, job_id)
    }

    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> io::Result<()> {
        if self.current(stmt).is_none() {
            return self.inner.finished(stmt, outcome);
        }
        let current = self.current.take().expect("checked");
        if let Some(live) = &mut self.live {
            live.erase()?;
        }
        if current.full {
            return self.inner.finished(stmt, outcome);
        }
        self.inner.columns(stmt, &current.columns)?;
        let rows: Vec<Row> = current.view.rows().cloned().collect();
        self.inner.rows(stmt, &rows)?;
        let mut outcome = outcome.clone();
        outcome.rows = rows.len() as u64;
        self.inner.finished(stmt, &outcome)
    }

    fn done(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.done(summary)
    }
}

/// The table redrawn in place at a terminal while a query runs.
pub struct Live {
    out: Box<dyn Write>,
    redactor: Redactor,
    /// The terminal's (columns, lines), asked before each frame (it may have been resized).
    size: fn() -> Option<(usize, usize)>,
    every: Duration,
    /// Lines of the frame on screen.
    lines: usize,
    drawn: Option<Instant>,
}

impl Live {
    /// A live view on standard output (`out` writes there), sized by the terminal.
    pub fn stdout(out: Box<dyn Write>, redactor: Redactor) -> Live {
        Live::new(out, redactor, stdout_size, REDRAW_EVERY)
    }

    pub fn new(
        out: Box<dyn Write>,
        redactor: Redactor,
        size: fn() -> Option<(usize, usize)>,
        every: Duration,
    ) -> Live {
        Live {
            out,
            redactor,
            size,
            every,
            lines: 0,
            drawn: None,
        }
    }

    /// The table changed (or a quiet page came): a new frame unless the last one is too recent.
    /// The runner hands over a page, empty or not, at least every few hundred milliseconds
    /// while a query runs, so the last change is drawn soon after the rows stop.
    fn changed(&mut self, stmt: &Statement, columns: &[Column], view: &View) -> io::Result<()> {
        if self.drawn.is_some_and(|at| at.elapsed() < self.every) {
            return Ok(());
        }
        self.drawn = Some(Instant::now());
        let frame = self.frame(stmt, columns, view)?;
        self.show(&frame)
    }

    /// The table's first rows as they fit the terminal, and a line with the row count.
    fn frame(&self, stmt: &Statement, columns: &[Column], view: &View) -> io::Result<Vec<String>> {
        let (width, height) = (self.size)().unwrap_or(FALLBACK_SIZE);
        let width = width.max(2) - 1;
        // One line stays free: a frame as tall as the screen would scroll it, and the cursor
        // could not go back up to the frame's first line.
        let room = height.saturating_sub(1).max(2);
        // Four lines of borders and header, one of count.
        let fits = room.saturating_sub(5);
        let mut table = Table::new(Vec::new(), self.redactor.clone()).without_ops();
        table.columns(stmt, columns)?;
        let rows: Vec<Row> = view.rows().take(fits).cloned().collect();
        table.rows(stmt, &rows)?;
        table.finished(
            stmt,
            &Outcome::new(crate::model::Status::Ok, Duration::ZERO),
        )?;
        let text = String::from_utf8_lossy(&table.into_inner()).into_owned();
        let mut lines: Vec<String> = text.lines().map(|l| cut(l, width)).collect();
        lines.truncate(room - 1);
        let count = match (view.len(), rows.len()) {
            (1, _) => "1 row".to_owned(),
            (n, shown) if shown < n => format!("{n} rows (the first {shown} shown)"),
            (n, _) => format!("{n} rows"),
        };
        lines.push(cut(&count, width));
        Ok(lines)
    }

    /// Overwrites the frame on screen with `lines`, in one write.
    fn show(&mut self, lines: &[String]) -> io::Result<()> {
        let mut buf = Vec::new();
        buf.extend_from_slice(b"\x1b[?2026h");
        self.back_to_top(&mut buf);
        for line in lines {
            buf.extend_from_slice(line.as_bytes());
            buf.extend_from_slice(b"\x1b[K\n");
        }
        buf.extend_from_slice(b"\x1b[J\x1b[?2026l");
        self.lines = lines.len();
        self.out.write_all(&buf)?;
        self.out.flush()
    }

    /// Removes the frame; the final table is printed where it was.
    fn erase(&mut self) -> io::Result<()> {
        if self.lines == 0 {
            return Ok(());
        }
        let mut buf = Vec::new();
        self.back_to_top(&mut buf);
        buf.extend_from_slice(b"\x1b[J");
        self.lines = 0;
        self.drawn = None;
        self.out.write_all(&buf)?;
        self.out.flush()
    }

    fn back_to_top(&self, buf: &mut Vec<u8>) {
        if self.lines > 0 {
            buf.extend_from_slice(format!("\r\x1b[{}A", self.lines).as_bytes());
        }
    }
}

/// `line` cut to `width` display columns (a longer line would wrap and break the line count).
fn cut(line: &str, width: usize) -> String {
    if display_width(line) <= width {
        return line.to_owned();
    }
    let mut used = 0;
    line.chars()
        .take_while(|&c| {
            used += char_width(c);
            used <= width
        })
        .collect()
}

fn stdout_size() -> Option<(usize, usize)> {
    let (terminal_size::Width(w), terminal_size::Height(h)) = terminal_size::terminal_size()?;
    Some((usize::from(w), usize::from(h)))
}
