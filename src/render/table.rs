//! `table` results: a box table like Flink's tableau mode, drawn while rows stream.
//!
//! Column widths come from the first rows: up to [`BUFFER_ROWS`] rows, or what arrived within
//! [`BUFFER_TIME`] of the columns, or the whole result if it ends sooner. Later rows keep those
//! widths and text is cut with `…` when wider, so an endless stream uses bounded memory. A number
//! is never cut (`100…` would be a different number): a later, wider cell of a numeric column
//! widens that column from its row on, under a new border line. Numbers are right-aligned,
//! everything else left-aligned; a value with line breaks takes several lines.
//! The `op` column (+I/-U/+U/-D) is shown for every query, as in plain and csv and in Flink's
//! tableau mode: whether a result happens to end before the table is first drawn depends on
//! timing, and the columns of a result must not. NULL is `<NULL>`.
//! Cells are masked before they are measured: a secret's `***` must not sit in a column as wide as
//! the secret (a crooked box that gives away its length).

use std::io::{self, Write};
use std::time::{Duration, Instant};

use super::value::{self, display_width, Class, NULL_TEXT};
use super::Sink;
use crate::model::{Column, Outcome, Row, RowKind, Summary};
use crate::script::{Kind, Statement};
use crate::secrets::Redactor;

/// Rows held back to measure column widths.
pub const BUFFER_ROWS: usize = 1000;
/// How long rows are held back before the table is drawn anyway.
pub const BUFFER_TIME: Duration = Duration::from_secs(1);
/// The widest a column gets when the result has several columns.
pub const MAX_WIDTH: usize = 80;

/// Fixed once the header is drawn.
struct Layout {
    op: bool,
    widths: Vec<usize>,
    right: Vec<bool>,
}

/// The result being drawn.
struct Grid {
    index: usize,
    query: bool,
    names: Vec<String>,
    classes: Vec<Class>,
    since: Instant,
    held: Vec<(RowKind, Vec<String>)>,
    layout: Option<Layout>,
    /// Cells of a streamed row, reused.
    cells: Vec<String>,
}

pub struct Table<W: Write> {
    out: W,
    redactor: Redactor,
    grid: Option<Grid>,
    tables: usize,
    scratch: String,
    /// Whether a query shows the `op` column: not for a materialized table, whose rows are all
    /// current rows.
    ops: bool,
}

impl<W: Write> Table<W> {
    pub fn new(out: W, redactor: Redactor) -> Self {
        Table {
            out,
            redactor,
            grid: None,
            tables: 0,
            scratch: String::new(),
            ops: true,
        }
    }

    /// No `op` column, for a materialized table.
    pub fn without_ops(mut self) -> Self {
        self.ops = false;
        self
    }

    /// The writer, with everything written so far.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Draws the header and the held rows.
    fn draw(&mut self) -> io::Result<()> {
        let Some(grid) = self.grid.as_mut() else {
            return Ok(());
        };
        if grid.layout.is_some() {
            return Ok(());
        }
        let op = grid.query;
        let layout = measure(grid, op);
        if self.tables > 0 {
            self.out.write_all(b"\n")?;
        }
        self.tables += 1;
        draw_border(&mut self.out, &layout)?;
        draw_row(&mut self.out, &layout, op.then_some("op"), &grid.names)?;
        draw_border(&mut self.out, &layout)?;
        for (kind, cells) in grid.held.drain(..) {
            draw_row(&mut self.out, &layout, op.then_some(kind.op()), &cells)?;
        }
        grid.held = Vec::new();
        grid.layout = Some(layout);
        Ok(())
    }

    fn take(&mut self, row: &Row) -> io::Result<()> {
        let Some(grid) = self.grid.as_mut() else {
            return Ok(());
        };
        match &grid.layout {
            None => {
                let cells = row
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let text = cell_text(grid.class(i), v, &mut self.scratch);
                        escaped(&self.redactor.redact(text))
                    })
                    .collect();
                grid.held.push((row.kind, cells));
                Ok(())
            }
            Some(layout) => {
                grid.cells.resize_with(row.fields.len(), String::new);
                for (i, v) in row.fields.iter().enumerate() {
                    let text = cell_text(
                        grid.classes.get(i).copied().unwrap_or(Class::Other),
                        v,
                        &mut self.scratch,
                    );
                    grid.cells[i].clear();
                    push_escaped(&mut grid.cells[i], &self.redactor.redact(text));
                }
                let cells = &grid.cells[..row.fields.len()];
                if let Some(widened) = widen_numbers(layout, cells) {
                    draw_border(&mut self.out, &widened)?;
                    grid.layout = Some(widened);
                }
                let layout = grid.layout.as_ref().expect("drawn");
                draw_row(
                    &mut self.out,
                    layout,
                    layout.op.then_some(row.kind.op()),
                    cells,
                )
            }
        }
    }

    fn held_enough(&self) -> bool {
        self.grid.as_ref().is_some_and(|g| {
            g.layout.is_none() && (g.held.len() >= BUFFER_ROWS || g.since.elapsed() >= BUFFER_TIME)
        })
    }
}

impl Grid {
    fn class(&self, i: usize) -> Class {
        self.classes.get(i).copied().unwrap_or(Class::Other)
    }
}

impl<W: Write> Sink for Table<W> {
    fn columns(&mut self, stmt: &Statement, columns: &[Column]) -> io::Result<()> {
        self.grid = Some(Grid {
            index: stmt.index,
            query: self.ops && stmt.kind == Kind::Query,
            names: columns.iter().map(|c| escaped(&c.name)).collect(),
            classes: columns.iter().map(|c| Class::of(&c.data_type)).collect(),
            since: Instant::now(),
            held: Vec::new(),
            layout: None,
            cells: Vec::new(),
        });
        Ok(())
    }

    fn rows(&mut self, stmt: &Statement, rows: &[Row]) -> io::Result<()> {
        if self.grid.as_ref().is_none_or(|g| g.index != stmt.index) {
            return Ok(());
        }
        for row in rows {
            self.take(row)?;
            if self.held_enough() {
                self.draw()?;
            }
        }
        if self.held_enough() {
            self.draw()?;
        }
        self.out.flush()
    }

    fn finished(&mut self, stmt: &Statement, _outcome: &Outcome) -> io::Result<()> {
        if self.grid.as_ref().is_none_or(|g| g.index != stmt.index) {
            return Ok(());
        }
        self.draw()?;
        if let Some(layout) = self.grid.take().and_then(|g| g.layout) {
            draw_border(&mut self.out, &layout)?;
        }
        self.out.flush()
    }

    fn done(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}

/// Widths from the header and the held rows, capped at [`MAX_WIDTH`] unless there is one column
/// (EXPLAIN, SHOW CREATE TABLE: their lines are the whole point).
fn measure(grid: &Grid, op: bool) -> Layout {
    let cap = if grid.names.len() > 1 {
        MAX_WIDTH
    } else {
        usize::MAX
    };
    let widths = grid
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let cells = grid.held.iter().filter_map(|(_, cells)| cells.get(i));
            let widest = cells
                .flat_map(|c| c.lines())
                .map(display_width)
                .max()
                .unwrap_or(0);
            widest.max(display_width(name)).clamp(1, cap)
        })
        .collect();
    let right = grid.classes.iter().map(|c| c.is_numeric()).collect();
    Layout { op, widths, right }
}

/// The layout with every numeric column at least as wide as its cell in `cells`; `None` when
/// all fit. Numeric cells (digits, a sign, `.`, `E`, or `<NULL>`) are short, so this stays
/// bounded.
fn widen_numbers(layout: &Layout, cells: &[String]) -> Option<Layout> {
    let wider = |(i, cell): (usize, &String)| {
        let width = display_width(cell);
        (layout.right.get(i) == Some(&true) && width > layout.widths[i]).then_some((i, width))
    };
    let mut widths = None::<Vec<usize>>;
    for (i, width) in cells
        .iter()
        .take(layout.widths.len())
        .enumerate()
        .filter_map(wider)
    {
        widths.get_or_insert_with(|| layout.widths.clone())[i] = width;
    }
    Some(Layout {
        op: layout.op,
        widths: widths?,
        right: layout.right.clone(),
    })
}

/// The table text of a value: `<NULL>`, or its text (`push_escaped` then makes control characters
/// other than line breaks visible).
fn cell_text<'a>(class: Class, value: &'a crate::model::Field, scratch: &'a mut String) -> &'a str {
    value::text(class, value, scratch).unwrap_or(NULL_TEXT)
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Keeps `\n` (a cell may take several lines) and spells other control characters (`\t`, `\r`,
/// `\u{1b}`) so that a value can neither break the box nor drive the terminal.
fn push_escaped(out: &mut String, text: &str) {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
}

fn draw_border(w: &mut impl Write, layout: &Layout) -> io::Result<()> {
    if layout.op {
        w.write_all(b"+----")?;
    }
    for width in &layout.widths {
        w.write_all(b"+-")?;
        write_repeated(w, b'-', *width + 1)?;
    }
    w.write_all(b"+\n")
}

/// One table row, as many lines as its tallest cell.
fn draw_row(
    w: &mut impl Write,
    layout: &Layout,
    op: Option<&str>,
    cells: &[impl AsRef<str>],
) -> io::Result<()> {
    let height = cells
        .iter()
        .map(|c| c.as_ref().split('\n').count())
        .max()
        .unwrap_or(1);
    for line in 0..height {
        if let Some(op) = op {
            let op = if line == 0 { op } else { "" };
            write!(w, "| {op:<2} ")?;
        }
        for (i, width) in layout.widths.iter().enumerate() {
            let text = cells
                .get(i)
                .and_then(|c| c.as_ref().split('\n').nth(line))
                .unwrap_or("");
            w.write_all(b"| ")?;
            write_fitted(
                w,
                text,
                *width,
                layout.right.get(i).copied().unwrap_or(false),
            )?;
            w.write_all(b" ")?;
        }
        w.write_all(b"|\n")?;
    }
    Ok(())
}

/// `text` padded to `width` columns, or cut to `width - 1` columns and `…` when wider.
fn write_fitted(w: &mut impl Write, text: &str, width: usize, right: bool) -> io::Result<()> {
    let have = display_width(text);
    if have <= width {
        if right {
            write_repeated(w, b' ', width - have)?;
        }
        w.write_all(text.as_bytes())?;
        return if right {
            Ok(())
        } else {
            write_repeated(w, b' ', width - have)
        };
    }
    let mut used = 0;
    let mut end = 0;
    for (at, c) in text.char_indices() {
        let cw = value::char_width(c);
        if used + cw > width - 1 {
            break;
        }
        used += cw;
        end = at + c.len_utf8();
    }
    w.write_all(&text.as_bytes()[..end])?;
    w.write_all("…".as_bytes())?;
    write_repeated(w, b' ', width - 1 - used)
}

fn write_repeated(w: &mut impl Write, byte: u8, n: usize) -> io::Result<()> {
    const CHUNK: [u8; 64] = [b' '; 64];
    let mut left = n;
    let chunk = [byte; 64];
    let chunk: &[u8] = if byte == b' ' { &CHUNK } else { &chunk };
    while left > 0 {
        let take = left.min(chunk.len());
        w.write_all(&chunk[..take])?;
        left -= take;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StopReason;
    use crate::render::testing::*;
    use serde_json::json;

    fn render(kind: Kind, columns: &[Column], pages: &[Vec<Row>], outcome: &Outcome) -> String {
        let mut table = Table::new(Vec::new(), Redactor::default());
        let s = stmt(1, kind, "SELECT …");
        table.started(&s).unwrap();
        table.columns(&s, columns).unwrap();
        for page in pages {
            table.rows(&s, page).unwrap();
        }
        table.finished(&s, outcome).unwrap();
        String::from_utf8(table.out).unwrap()
    }

    #[test]
    fn typed_values_in_a_complete_insert_only_query_keep_the_op_column() {
        let cols = typed_columns();
        let out = render(Kind::Query, &cols[..4], &[vec![typed_row()]], &ok(1, 1));
        let expected = "\
+----+--------+---+-------+-------------------------+
| op | n      | e |     d | t                       |
+----+--------+---+-------+-------------------------+
| +I | <NULL> |   | 12.30 | 2024-01-02 03:04:05.100 |
+----+--------+---+-------+-------------------------+
";
        assert_eq!(out, expected);
    }

    #[test]
    fn nested_binary_and_boolean_values() {
        let cols = typed_columns();
        let mut r = typed_row();
        r.fields.drain(..4);
        let out = render(Kind::Show, &cols[4..], &[vec![r]], &ok(1, 1));
        assert!(
            out.contains(r#"| {"EXPR$0":1,"EXPR$1":"a"} | [1,2] | {"k":1} | x'cafe' | TRUE |"#),
            "{out}"
        );
    }

    #[test]
    fn a_changelog_shows_the_op_column() {
        let cols = [
            col("k", "CHAR", "CHAR(1)", json!({})),
            col("c", "BIGINT", "BIGINT", json!({})),
        ];
        let page = vec![
            row(RowKind::Insert, json!(["a", 1])),
            row(RowKind::UpdateBefore, json!(["a", 1])),
            row(RowKind::UpdateAfter, json!(["a", 2])),
            row(RowKind::Delete, json!(["a", 2])),
        ];
        let out = render(Kind::Query, &cols, &[page], &ok(1, 4));
        let expected = "\
+----+---+---+
| op | k | c |
+----+---+---+
| +I | a | 1 |
| -U | a | 1 |
| +U | a | 2 |
| -D | a | 2 |
+----+---+---+
";
        assert_eq!(out, expected);
    }

    #[test]
    fn a_stopped_stream_shows_the_op_column_even_when_insert_only() {
        let cols = [col("x", "INTEGER", "INT", json!({}))];
        let mut stopped = ok(1, 1);
        stopped.stopped = Some(StopReason::MaxRows(1));
        let out = render(
            Kind::Query,
            &cols,
            &[vec![row(RowKind::Insert, json!([7]))]],
            &stopped,
        );
        assert!(out.contains("| op | x |\n"), "{out}");
        assert!(out.contains("| +I | 7 |\n"), "{out}");
    }

    #[test]
    fn rows_after_the_first_thousand_keep_the_widths_and_text_is_cut() {
        let cols = [
            col("s", "VARCHAR", "STRING", json!({})),
            col("n", "INTEGER", "INT", json!({})),
        ];
        let first: Vec<Row> = (0..BUFFER_ROWS)
            .map(|i| row(RowKind::Insert, json!(["abc", i % 10])))
            .collect();
        let later = vec![
            row(RowKind::Insert, json!(["abcdefgh", 1])),
            row(RowKind::Insert, json!([null, 2])),
        ];
        let out = render(Kind::Query, &cols, &[first, later], &ok(1, 1002));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[1], "| op | s   | n |");
        assert_eq!(lines[3], "| +I | abc | 0 |");
        assert_eq!(lines[lines.len() - 3], "| +I | ab… | 1 |");
        assert_eq!(lines[lines.len() - 2], "| +I | <N… | 2 |");
        assert_eq!(lines.len(), 3 + BUFFER_ROWS + 2 + 1);
    }

    #[test]
    fn a_later_wider_number_widens_its_column_and_is_never_cut() {
        let cols = [
            col("s", "VARCHAR", "STRING", json!({})),
            col("n", "BIGINT", "BIGINT", json!({})),
            col("d", "INTEGER", "INT", json!({})),
        ];
        let first: Vec<Row> = (0..BUFFER_ROWS)
            .map(|i| row(RowKind::Insert, json!(["abc", i % 10, 1])))
            .collect();
        let later = vec![
            row(RowKind::Insert, json!(["x", 1000000000000i64, 2])),
            row(RowKind::Insert, json!(["y", 7, -123456789])),
            row(RowKind::Insert, json!(["z", null, 3])),
        ];
        let out = render(Kind::Query, &cols, &[first, later], &ok(1, 1003));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[lines.len() - 6..],
            [
                "+----+-----+---------------+---+",
                "| +I | x   | 1000000000000 | 2 |",
                "+----+-----+---------------+------------+",
                "| +I | y   |             7 | -123456789 |",
                "| +I | z   |        <NULL> |          3 |",
                "+----+-----+---------------+------------+",
            ],
            "{out}"
        );
        assert!(!out.contains('…'), "{out}");
    }

    #[test]
    fn multi_line_values_take_several_lines_and_controls_are_visible() {
        let cols = [col("result", "VARCHAR", "STRING", json!({}))];
        let out = render(
            Kind::Explain,
            &cols,
            &[vec![row(
                RowKind::Insert,
                json!(["== Plan ==\nCalc\ttab\u{1b}"]),
            )]],
            &ok(1, 1),
        );
        let expected = "\
+-----------------+
| result          |
+-----------------+
| == Plan ==      |
| Calc\\ttab\\u{1b} |
+-----------------+
";
        assert_eq!(out, expected);
    }

    #[test]
    fn wide_characters_are_padded_by_display_width() {
        let cols = [
            col("s", "VARCHAR", "STRING", json!({})),
            col("t", "VARCHAR", "STRING", json!({})),
        ];
        let out = render(
            Kind::Show,
            &cols,
            &[vec![
                row(RowKind::Insert, json!(["日本", "x"])),
                row(RowKind::Insert, json!(["abcde", "y"])),
            ]],
            &ok(1, 2),
        );
        assert!(out.contains("| 日本  | x |\n"), "{out}");
    }

    #[test]
    fn secrets_are_masked_before_columns_are_measured() {
        let (redactor, _) = Redactor::new(["hunter22-long-secret"]);
        let mut table = Table::new(Vec::new(), redactor);
        let s = stmt(1, Kind::Show, "SHOW …");
        let cols = [col("p", "VARCHAR", "STRING", json!({}))];
        table.columns(&s, &cols).unwrap();
        table
            .rows(
                &s,
                &[row(RowKind::Insert, json!(["pw=hunter22-long-secret"]))],
            )
            .unwrap();
        table.finished(&s, &ok(1, 1)).unwrap();
        assert_eq!(
            String::from_utf8(table.out).unwrap(),
            "+--------+\n| p      |\n+--------+\n| pw=*** |\n+--------+\n"
        );
    }

    #[test]
    fn tables_of_several_statements_are_separated_by_an_empty_line() {
        let mut table = Table::new(Vec::new(), Redactor::default());
        let cols = [col("x", "INTEGER", "INT", json!({}))];
        for i in 1..=2 {
            let s = stmt(i, Kind::Show, "SHOW …");
            table.columns(&s, &cols).unwrap();
            table.finished(&s, &ok(1, 0)).unwrap();
        }
        assert_eq!(
            String::from_utf8(table.out).unwrap(),
            "+---+\n| x |\n+---+\n+---+\n\n+---+\n| x |\n+---+\n+---+\n"
        );
    }
}
