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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::table::Table;
use super::value::{char_width, display_width};
use super::Sink;
use crate::model::{Column, Outcome, Refusal, Row, RowKind, Summary};
use crate::script::Statement;
use crate::secrets::Redactor;

/// The shortest time between two live frames.
pub const REDRAW_EVERY: Duration = Duration::from_millis(200);

/// Rows of the final table handed to the format's renderer at a time.
const FINAL_PAGE: usize = 1024;

/// Terminal size assumed when it cannot be read: (columns, lines).
const FALLBACK_SIZE: (usize, usize) = (80, 24);

/// A row the table has no room for: it holds `limit` rows already.
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

    /// Hands the final table to `inner` a page at a time (a copy of a page, not of the table).
    fn write_table(&mut self, stmt: &Statement, current: &Current) -> io::Result<u64> {
        self.inner.columns(stmt, &current.columns)?;
        let mut page = Vec::with_capacity(FINAL_PAGE.min(current.view.len()));
        for row in current.view.rows() {
            page.push(row.clone());
            if page.len() == FINAL_PAGE {
                self.inner.rows(stmt, &page)?;
                page.clear();
            }
        }
        if !page.is_empty() {
            self.inner.rows(stmt, &page)?;
        }
        Ok(current.view.len() as u64)
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
            Some(live) => live.changed(stmt, &current.columns, &current.view, !rows.is_empty()),
            None => Ok(()),
        }
    }

    fn quiet(&mut self, stmt: &Statement) -> io::Result<()> {
        let Some(current) = self.current.as_ref().filter(|c| c.index == stmt.index) else {
            return self.inner.quiet(stmt);
        };
        match &mut self.live {
            Some(live) => live.changed(stmt, &current.columns, &current.view, false),
            None => Ok(()),
        }
    }

    fn job_submitted(&mut self, stmt: &Statement, job_id: &str) -> io::Result<()> {
        self.inner.job_submitted(stmt, job_id)
    }

    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> io::Result<()> {
        if self.current.as_ref().is_none_or(|c| c.index != stmt.index) {
            return self.inner.finished(stmt, outcome);
        }
        let current = self.current.take().expect("checked");
        if let Some(live) = &mut self.live {
            live.erase()?;
        }
        if current.full {
            return self.inner.finished(stmt, outcome);
        }
        let mut outcome = outcome.clone();
        outcome.rows = self.write_table(stmt, &current)?;
        self.inner.finished(stmt, &outcome)
    }

    fn done(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.done(summary)
    }
}

/// A writer that remembers whether the last byte it passed on ended a line.
pub struct LineEnd {
    inner: Box<dyn Write>,
    open: Arc<AtomicBool>,
}

impl LineEnd {
    /// `out`, tracked; the flag is true while the last byte written was not a line break.
    pub fn track(out: Box<dyn Write>) -> (Box<dyn Write>, Arc<AtomicBool>) {
        let open = Arc::new(AtomicBool::new(false));
        let tracked = LineEnd {
            inner: out,
            open: open.clone(),
        };
        (Box::new(tracked), open)
    }
}

impl Write for LineEnd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(&last) = buf[..n].last() {
            self.open.store(last != b'\n', Ordering::Relaxed);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
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
    /// The table changed since the frame on screen.
    stale: bool,
    /// Whether the results before the frame left a line unfinished (see [`LineEnd`]).
    open_line: Option<Arc<AtomicBool>>,
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
            stale: false,
            open_line: None,
        }
    }

    /// Frames follow what `open_line` says about the output before them.
    pub fn after(mut self, open_line: Arc<AtomicBool>) -> Live {
        self.open_line = Some(open_line);
        self
    }

    /// A page came (`rows`: with rows; else a quiet one): a new frame when something changed since
    /// the last one and that one is not too recent. The runner reports a quiet page every few
    /// hundred milliseconds at most while a query runs, so the last change of a burst is drawn
    /// soon after the rows stop.
    fn changed(
        &mut self,
        stmt: &Statement,
        columns: &[Column],
        view: &View,
        rows: bool,
    ) -> io::Result<()> {
        self.stale |= rows || self.drawn.is_none();
        if !self.stale || self.drawn.is_some_and(|at| at.elapsed() < self.every) {
            return Ok(());
        }
        self.stale = false;
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
        let open = self
            .open_line
            .as_ref()
            .is_some_and(|o| o.load(Ordering::Relaxed));
        if self.lines == 0 && open {
            buf.push(b'\n');
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Field, Status};
    use crate::render::testing::*;
    use crate::script::Kind;
    use serde_json::{json, Value};

    fn r(kind: RowKind, fields: Value) -> Row {
        row(kind, fields)
    }

    fn ins(fields: Value) -> Row {
        r(RowKind::Insert, fields)
    }

    /// The view's rows as JSON texts.
    fn shown(view: &View) -> Vec<String> {
        view.rows()
            .map(|row| {
                let fields: Vec<&str> = row.fields.iter().map(|f| f.json()).collect();
                fields.join(",")
            })
            .collect()
    }

    fn applied(limit: usize, rows: &[Row]) -> View {
        let mut view = View::new(limit);
        for row in rows {
            view.apply(row).unwrap();
        }
        view
    }

    /// What Flink 2.0 sent for `SELECT customer, SUM(x) … GROUP BY customer` over
    /// ('a',1),('b',2),('a',3),('c',4),('b',5).
    fn group_by_changelog() -> Vec<Row> {
        vec![
            ins(json!(["a", 1])),
            ins(json!(["b", 2])),
            r(RowKind::UpdateBefore, json!(["a", 1])),
            r(RowKind::UpdateAfter, json!(["a", 4])),
            ins(json!(["c", 4])),
            r(RowKind::UpdateBefore, json!(["b", 2])),
            r(RowKind::UpdateAfter, json!(["b", 7])),
        ]
    }

    #[test]
    fn updates_replace_their_row_in_place() {
        let view = applied(10, &group_by_changelog());
        assert_eq!(shown(&view), [r#""a",4"#, r#""b",7"#, r#""c",4"#]);
        assert!(view.rows().all(|row| row.kind == RowKind::Insert));
        assert_eq!(view.unmatched(), 0);
    }

    #[test]
    fn interleaved_updates_each_take_their_own_place() {
        let view = applied(
            10,
            &[
                ins(json!(["a", 1])),
                ins(json!(["b", 1])),
                r(RowKind::UpdateBefore, json!(["a", 1])),
                r(RowKind::UpdateBefore, json!(["b", 1])),
                r(RowKind::UpdateAfter, json!(["a", 2])),
                r(RowKind::UpdateAfter, json!(["b", 2])),
            ],
        );
        assert_eq!(shown(&view), [r#""a",2"#, r#""b",2"#]);
    }

    #[test]
    fn a_delete_removes_the_row_and_a_later_insert_goes_last() {
        let view = applied(
            10,
            &[
                ins(json!(["a", 1])),
                ins(json!(["b", 1])),
                r(RowKind::Delete, json!(["a", 1])),
                ins(json!(["a", 5])),
            ],
        );
        assert_eq!(shown(&view), [r#""b",1"#, r#""a",5"#]);
        assert_eq!(view.len(), 2);
    }

    #[test]
    fn equal_rows_are_counted_and_a_retraction_removes_one() {
        let mut view = applied(
            10,
            &[ins(json!(["x"])), ins(json!(["x"])), ins(json!(["y"]))],
        );
        assert_eq!(shown(&view), [r#""x""#, r#""x""#, r#""y""#]);
        view.apply(&r(RowKind::Delete, json!(["x"]))).unwrap();
        assert_eq!(shown(&view), [r#""x""#, r#""y""#]);
        view.apply(&r(RowKind::UpdateBefore, json!(["x"]))).unwrap();
        assert_eq!(shown(&view), [r#""y""#]);
        view.apply(&r(RowKind::Delete, json!(["x"]))).unwrap();
        assert_eq!(shown(&view), [r#""y""#], "nothing left to retract");
        assert_eq!(view.unmatched(), 1);
    }

    /// A row from the gateway's JSON texts of its fields.
    fn sent(kind: RowKind, fields: &[&str]) -> Row {
        Row {
            kind,
            fields: fields
                .iter()
                .map(|f| Field::from_json(f).unwrap())
                .collect(),
        }
    }

    #[test]
    fn a_retraction_matches_the_whole_row_value_for_value() {
        let mut view = applied(10, &[sent(RowKind::Insert, &[r#""a""#, "1.50", "null"])]);
        view.apply(&sent(RowKind::Delete, &[r#""a""#, "1.5", "null"]))
            .unwrap();
        view.apply(&sent(RowKind::Delete, &[r#""a""#, "1.50", r#""x""#]))
            .unwrap();
        view.apply(&sent(RowKind::Delete, &[r#""a""#, "1.50"]))
            .unwrap();
        assert_eq!(
            view.len(),
            1,
            "neither 1.5 for the 1.50 Flink sent, nor \"x\" for null, nor fewer fields"
        );
        assert_eq!(view.unmatched(), 3);
        view.apply(&sent(RowKind::Delete, &[r#""a""#, "1.50", "null"]))
            .unwrap();
        assert!(view.is_empty());
    }

    #[test]
    fn a_row_past_the_limit_is_refused_and_changes_nothing() {
        let mut view = applied(2, &[ins(json!(["a"])), ins(json!(["b"]))]);
        assert_eq!(view.apply(&ins(json!(["c"]))), Err(Full { limit: 2 }));
        assert_eq!(
            view.apply(&r(RowKind::UpdateAfter, json!(["c"]))),
            Err(Full { limit: 2 })
        );
        assert_eq!(shown(&view), [r#""a""#, r#""b""#]);
        // An update keeps the count: it fits at the limit.
        view.apply(&r(RowKind::UpdateBefore, json!(["a"]))).unwrap();
        view.apply(&r(RowKind::UpdateAfter, json!(["a2"]))).unwrap();
        assert_eq!(shown(&view), [r#""a2""#, r#""b""#]);
    }

    #[test]
    fn memory_follows_the_rows_held_not_the_changes_seen() {
        let mut view = View::new(10);
        view.apply(&ins(json!(["k", 0]))).unwrap();
        for i in 0..100_000 {
            view.apply(&r(RowKind::UpdateBefore, json!(["k", i])))
                .unwrap();
            view.apply(&r(RowKind::Delete, json!(["gone"]))).unwrap();
            view.apply(&r(RowKind::UpdateAfter, json!(["k", i + 1])))
                .unwrap();
        }
        assert_eq!(shown(&view), [r#""k",100000"#]);
        assert!(
            view.slots.len() <= 2 * view.len() + 64,
            "{}",
            view.slots.len()
        );
        assert_eq!(view.places.len(), 1);
    }

    #[test]
    fn inserts_and_deletes_that_churn_keep_memory_bounded_and_order() {
        let mut view = View::new(1000);
        for i in 0..10_000 {
            view.apply(&ins(json!([i]))).unwrap();
            if i >= 3 {
                view.apply(&r(RowKind::Delete, json!([i - 3]))).unwrap();
            }
        }
        assert_eq!(shown(&view), ["9997", "9998", "9999"]);
        assert!(view.slots.len() <= 2 * view.len() + 64);
    }

    fn columns() -> Vec<Column> {
        vec![
            col("customer", "VARCHAR", "STRING", json!({"type": "VARCHAR"})),
            col("total", "INTEGER", "INT", json!({"type": "INTEGER"})),
        ]
    }

    /// Runs `events` of a query (statement 1) and a SHOW (statement 2) through a materializing
    /// sink over `format`; what reached stdout.
    fn materialized(format: crate::cli::Format, limit: usize, pages: &[Vec<Row>]) -> String {
        let out = Shared::default();
        let mut sink = super::super::materialized(
            format,
            limit,
            Box::new(out.clone()),
            None,
            Redactor::default(),
        );
        run_both(sink.as_mut(), pages);
        drop(sink);
        out.text()
    }

    fn run_both(sink: &mut dyn Sink, pages: &[Vec<Row>]) {
        let query = stmt(1, Kind::Query, "SELECT …");
        sink.started(&query).unwrap();
        sink.columns(&query, &columns()).unwrap();
        let mut count = 0;
        let mut refused = None;
        for page in pages {
            match sink.rows(&query, page) {
                Ok(()) => count += page.len() as u64,
                Err(e) => {
                    refused = Some(Refusal::of(&e).expect("a refusal").clone());
                    break;
                }
            }
        }
        let outcome = match refused {
            None => ok(5, count),
            Some(refusal) => failed(5, &refusal.0, None, None),
        };
        sink.finished(&query, &outcome).unwrap();
        let show = stmt(2, Kind::Show, "SHOW TABLES");
        sink.started(&show).unwrap();
        let cols = [col("table name", "VARCHAR", "STRING", json!({}))];
        sink.columns(&show, &cols).unwrap();
        sink.rows(&show, &[ins(json!(["orders"]))]).unwrap();
        sink.finished(&show, &ok(1, 1)).unwrap();
        sink.done(&summary(2, 0, 0, vec![])).unwrap();
    }

    #[test]
    fn the_final_table_has_no_op_column_and_other_statements_pass_through() {
        use crate::cli::Format;
        let pages = [
            group_by_changelog()[..3].to_vec(),
            group_by_changelog()[3..].to_vec(),
        ];
        let out = materialized(Format::Csv, 10, &pages);
        assert_eq!(
            out,
            "customer,total\r\na,4\r\nb,7\r\nc,4\r\n\r\ntable name\r\norders\r\n"
        );
        let table = materialized(Format::Table, 10, &pages);
        assert!(
            table.starts_with(
                "+----------+-------+\n\
                 | customer | total |\n\
                 +----------+-------+\n\
                 | a        |     4 |\n\
                 | b        |     7 |\n\
                 | c        |     4 |\n\
                 +----------+-------+\n"
            ),
            "{table}"
        );
    }

    #[test]
    fn json_keeps_its_row_shape_and_counts_the_tables_rows() {
        let out = materialized(crate::cli::Format::Json, 10, &[group_by_changelog()]);
        let doc: Value = serde_json::from_str(&out).unwrap();
        let query = &doc["statements"][0];
        assert_eq!(
            query["rows"],
            json!([
                {"op": "+I", "values": ["a", 4]},
                {"op": "+I", "values": ["b", 7]},
                {"op": "+I", "values": ["c", 4]},
            ])
        );
        assert_eq!(query["row_count"], 3);
        assert_eq!(doc["statements"][1]["rows"][0]["values"], json!(["orders"]));
    }

    #[test]
    fn past_the_limit_the_statement_fails_with_nothing_but_its_error() {
        let out = materialized(crate::cli::Format::Json, 2, &[group_by_changelog()]);
        let doc: Value = serde_json::from_str(&out).unwrap();
        let query = &doc["statements"][0];
        assert_eq!(query["status"], "failed");
        assert!(
            query.get("rows").is_none() && query.get("columns").is_none(),
            "{query}"
        );
        let message = query["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("more than 2 rows (--materialize-limit)"),
            "{message}"
        );
    }

    #[test]
    fn a_table_of_several_pages_reaches_the_format_whole_and_in_order() {
        let inserts: Vec<Row> = (0..2 * FINAL_PAGE + 5)
            .map(|i| ins(json!([format!("c{i}"), i])))
            .collect();
        let deletes: Vec<Row> = (0..2 * FINAL_PAGE + 5)
            .filter(|i| i % 2 == 1)
            .map(|i| r(RowKind::Delete, json!([format!("c{i}"), i])))
            .collect();
        let out = materialized(crate::cli::Format::Csv, 10_000, &[inserts, deletes]);
        let table = out.split("\r\n\r\n").next().unwrap();
        let expected: Vec<String> = std::iter::once("customer,total".to_owned())
            .chain(
                (0..2 * FINAL_PAGE + 5)
                    .step_by(2)
                    .map(|i| format!("c{i},{i}")),
            )
            .collect();
        assert_eq!(table.split("\r\n").collect::<Vec<_>>(), expected);
    }

    #[test]
    fn a_stopped_query_shows_the_table_as_it_stood() {
        let out = Shared::default();
        let mut sink = super::super::materialized(
            crate::cli::Format::Plain,
            10,
            Box::new(out.clone()),
            None,
            Redactor::default(),
        );
        let query = stmt(1, Kind::Query, "SELECT …");
        sink.columns(&query, &columns()).unwrap();
        sink.rows(&query, &group_by_changelog()[..4]).unwrap();
        let mut stopped = Outcome::new(Status::Interrupted, Duration::from_millis(3));
        stopped.rows = 4;
        sink.finished(&query, &stopped).unwrap();
        drop(sink);
        assert_eq!(out.text(), "customer\ttotal\na\t4\nb\t2\n");
    }

    fn size_40x10() -> Option<(usize, usize)> {
        Some((40, 10))
    }

    fn live_sink(out: &Shared, every: Duration) -> Materialize {
        let live = Live::new(
            Box::new(out.clone()),
            Redactor::default(),
            size_40x10,
            every,
        );
        let inner = Box::new(
            super::super::delimited::Delimited::new(
                out.clone(),
                super::super::delimited::Dialect::Plain,
            )
            .without_ops(),
        );
        Materialize::new(inner, 100, Some(live))
    }

    #[test]
    fn a_live_frame_overwrites_the_last_one_and_is_erased_for_the_final_table() {
        let out = Shared::default();
        let mut sink = live_sink(&out, Duration::ZERO);
        let query = stmt(1, Kind::Query, "SELECT …");
        let changes = group_by_changelog();
        sink.columns(&query, &columns()).unwrap();
        sink.rows(&query, &changes[..2]).unwrap();
        let first = out.text();
        assert_eq!(
            first,
            "\x1b[?2026h\
             +----------+-------+\x1b[K\n\
             | customer | total |\x1b[K\n\
             +----------+-------+\x1b[K\n\
             | a        |     1 |\x1b[K\n\
             | b        |     2 |\x1b[K\n\
             +----------+-------+\x1b[K\n\
             2 rows\x1b[K\n\
             \x1b[J\x1b[?2026l"
        );
        sink.rows(&query, &changes[2..]).unwrap();
        let second = out.text()[first.len()..].to_owned();
        assert!(second.starts_with("\x1b[?2026h\r\x1b[7A+---"), "{second:?}");
        assert!(
            second.contains("| a        |     4 |\x1b[K\n"),
            "{second:?}"
        );
        assert!(
            second.ends_with("3 rows\x1b[K\n\x1b[J\x1b[?2026l"),
            "{second:?}"
        );
        // A quiet page changes nothing: no frame.
        sink.quiet(&query).unwrap();
        assert_eq!(out.text().len(), first.len() + second.len());
        sink.finished(&query, &ok(1, 7)).unwrap();
        drop(sink);
        let end = out.text()[first.len() + second.len()..].to_owned();
        assert_eq!(end, "\r\x1b[8A\x1b[Jcustomer\ttotal\na\t4\nb\t7\nc\t4\n");
    }

    #[test]
    fn frames_are_drawn_at_most_every_interval_and_the_last_change_on_a_later_page() {
        let out = Shared::default();
        let mut sink = live_sink(&out, Duration::from_secs(3600));
        let query = stmt(1, Kind::Query, "SELECT …");
        let changes = group_by_changelog();
        sink.columns(&query, &columns()).unwrap();
        for page in changes.chunks(1) {
            sink.rows(&query, page).unwrap();
        }
        assert_eq!(
            out.text().matches("\x1b[?2026h").count(),
            1,
            "one frame an hour"
        );
        sink.live.as_mut().unwrap().every = Duration::ZERO;
        sink.quiet(&query).unwrap();
        let text = out.text();
        assert_eq!(text.matches("\x1b[?2026h").count(), 2, "{text:?}");
        assert!(
            text.ends_with("3 rows\x1b[K\n\x1b[J\x1b[?2026l"),
            "{text:?}"
        );
    }

    /// The first live frame after a SHOW that `format` rendered.
    fn first_frame_after_a_show(format: crate::cli::Format) -> String {
        let (out, live) = (Shared::default(), Shared::default());
        let mut sink = super::super::materialized(
            format,
            10,
            Box::new(out.clone()),
            Some(Box::new(live.clone())),
            Redactor::default(),
        );
        let show = stmt(1, Kind::Show, "SHOW TABLES");
        sink.started(&show).unwrap();
        sink.columns(&show, &[col("t", "VARCHAR", "STRING", json!({}))])
            .unwrap();
        sink.rows(&show, &[ins(json!(["orders"]))]).unwrap();
        sink.finished(&show, &ok(1, 1)).unwrap();
        let query = stmt(2, Kind::Query, "SELECT …");
        sink.started(&query).unwrap();
        sink.columns(&query, &columns()).unwrap();
        sink.rows(&query, &group_by_changelog()[..1]).unwrap();
        assert!(!out.text().is_empty());
        live.text()
    }

    #[test]
    fn a_frame_starts_on_a_new_line_when_the_results_before_it_left_one_open() {
        use crate::cli::Format;
        // json ends a statement's object with `}`; its `,` comes with the next statement.
        let json = first_frame_after_a_show(Format::Json);
        assert!(json.starts_with("\x1b[?2026h\n+---"), "{json:?}");
        let csv = first_frame_after_a_show(Format::Csv);
        assert!(csv.starts_with("\x1b[?2026h+---"), "{csv:?}");
    }

    #[test]
    fn a_frame_fits_the_terminal() {
        let out = Shared::default();
        let mut sink = live_sink(&out, Duration::ZERO);
        let query = stmt(1, Kind::Query, "SELECT …");
        sink.columns(&query, &columns()).unwrap();
        let long = "x".repeat(60);
        let rows: Vec<Row> = (0..20).map(|i| ins(json!([long, i]))).collect();
        sink.rows(&query, &rows).unwrap();
        let text = out.text();
        let lines: Vec<&str> = text.split('\n').filter(|l| !l.is_empty()).collect();
        // 10 lines of terminal: 9 for the frame (one stays free), the last the count.
        assert_eq!(lines.len(), 10, "{text:?}");
        assert!(
            lines[8].starts_with("20 rows (the first 4 shown)"),
            "{text:?}"
        );
        for line in &lines[..9] {
            let visible = line
                .trim_start_matches("\x1b[?2026h")
                .trim_end_matches("\x1b[K");
            assert!(display_width(visible) <= 39, "{visible:?}");
        }
    }
}
