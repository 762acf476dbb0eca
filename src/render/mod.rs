//! Renderers: turn run events into bytes on an `impl Write`. They never decide anything.
//!
//! Two channels, never mixed (SPEC §6): [`results`] writes the statements' results to stdout in the
//! chosen [`Format`]; [`console`] writes progress, echo, errors and the closing summary to stderr.
//! [`junit`] writes a report file when the run ends, [`plan`] prints a `--dry-run` plan, and
//! [`Fanout`] feeds one run to several sinks. The command layer wraps every channel in a
//! `RedactWriter`; renderers also redact statement SQL themselves before writing it.
//!
//! Format decisions (the user-facing contract, also in the README):
//! - NULL is `<NULL>` in table and plain output (as Flink's client prints it), an empty unquoted field
//!   in csv (an empty string is `""`), and JSON `null` in json/ndjson (an empty string is `""`).
//! - DECIMAL keeps its scale (`12.30` in DECIMAL(10, 2), also in JSON where it is a number),
//!   TIMESTAMP(p)/TIME(p) show p fraction digits (`2024-01-02 03:04:05.100` as text, ISO with `T`
//!   in JSON), BINARY is `x'cafe'` as text and base64 in JSON, BOOLEAN is `TRUE`/`FALSE` as text,
//!   intervals are `+2 00:00:00.000` / `+1-02` as text and milliseconds / months in JSON,
//!   ROW/ARRAY/MAP are compact JSON as text and native JSON in json/ndjson.
//! - The `op` column (+I/-U/+U/-D): plain and csv carry it for every query (a SELECT), so their
//!   columns depend on the statement alone; the table shows it for a query unless the whole result
//!   was already complete and insert-only when the table was first drawn.
//! - json/ndjson rows are `{"op":"+I","values":[…]}`: an array in column order, because SQL allows
//!   duplicate column names; names and types come once, in `columns`.

mod check;
mod console;
mod delimited;
mod diagnostic;
mod expanded;
mod fanout;
mod github;
mod json;
mod junit;
pub mod materialize;
mod ndjson;
mod plan;
mod progress;
mod summary;
mod table;
pub mod value;

pub use check::{write_findings, write_summary};
pub use diagnostic::{message as failure_message, write_input_problems, write_problem_entries};
pub use plan::{duplicates, Duplicate};

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use crate::cli::Format;
use crate::script::Statement;
use crate::secrets::{RedactWriter, Redactor};
use crate::settings::Output;

/// The runner emits into a `Sink`; renderers implement it (it lives with the data it carries).
pub use crate::model::Sink;
pub use fanout::Fanout;

/// Bytes buffered by a result sink before they go to `out`; each page and statement end flushes.
const OUT_BUFFER: usize = 64 * 1024;

/// The stdout sink for `format`. Results only: no progress, no messages.
pub fn results(format: Format, out: Box<dyn Write>, redactor: Redactor) -> Box<dyn Sink> {
    let out = BufWriter::with_capacity(OUT_BUFFER, out);
    match format {
        Format::Table => Box::new(table::Table::new(out, redactor)),
        Format::Plain => Box::new(delimited::Delimited::new(out, delimited::Dialect::Plain)),
        Format::Csv => Box::new(delimited::Delimited::new(out, delimited::Dialect::Csv)),
        Format::Json => Box::new(json::Json::new(out, redactor)),
        Format::Ndjson => Box::new(ndjson::Ndjson::new(out, redactor)),
    }
}

/// The `--materialize` stdout sink: each query's final table of current rows in `format` (no
/// `op` column in table, plain and csv), other statements as [`results`] shows them. With `live`
/// (a writer to the same terminal) the table is redrawn in place while the query runs. A query
/// whose table would pass `limit` rows fails (see [`materialize`]).
pub fn materialized(
    format: Format,
    limit: usize,
    out: Box<dyn Write>,
    live: Option<Box<dyn Write>>,
    redactor: Redactor,
) -> Box<dyn Sink> {
    // What the renderer wrote last may be an unfinished line (json's `}` before its `,`): a live
    // frame then starts on the next line, or moving up to redraw would eat that line.
    let (out, open_line) = materialize::LineEnd::track(out);
    let buffered = BufWriter::with_capacity(OUT_BUFFER, out);
    let inner: Box<dyn Sink> = match format {
        Format::Table => Box::new(table::Table::new(buffered, redactor.clone()).without_ops()),
        Format::Plain => {
            Box::new(delimited::Delimited::new(buffered, delimited::Dialect::Plain).without_ops())
        }
        Format::Csv => {
            Box::new(delimited::Delimited::new(buffered, delimited::Dialect::Csv).without_ops())
        }
        Format::Json | Format::Ndjson => results(format, Box::new(buffered), redactor.clone()),
    };
    let live = live.map(|out| materialize::Live::stdout(out, redactor).after(open_line));
    Box::new(materialize::Materialize::new(inner, limit, live))
}

/// The stdout sink `output` asks for: [`materialized`] when `output.materialize` (live when
/// `terminal`), else [`results`]. Each writer comes from `out` (the live view needs its own).
pub fn output_results(
    output: &Output,
    terminal: bool,
    out: impl Fn() -> Box<dyn Write>,
    redactor: &Redactor,
) -> Box<dyn Sink> {
    if !output.materialize {
        return results(output.format, out(), redactor.clone());
    }
    let live = terminal.then(&out);
    materialized(
        output.format,
        output.materialize_limit,
        out(),
        live,
        redactor.clone(),
    )
}

/// The stdout sink of the shell's `\x`: one field per line, whatever the format.
pub fn expanded(out: Box<dyn Write>, redactor: Redactor) -> Box<dyn Sink> {
    Box::new(expanded::Expanded::new(
        BufWriter::with_capacity(OUT_BUFFER, out),
        redactor,
    ))
}

/// The stderr sink: a spinner when `output.progress`, `--echo`, errors with a caret excerpt (full
/// trace under `-v`), `::error` annotations under GitHub Actions, stop messages, job ids and the
/// closing summary (`--timing` adds per-statement times). `-q` keeps only echo and errors.
/// `total` is the number of statements in the run (the spinner's `i/n`).
pub fn console(
    output: &Output,
    total: usize,
    err: Box<dyn Write + Send>,
    redactor: Redactor,
) -> Box<dyn Sink> {
    Box::new(console::Console::new(output, total, err, redactor))
}

/// A JUnit XML report at `path`, one test case per statement, written when the run ends. The file is
/// created now, so an unwritable path fails before anything runs.
pub fn junit(path: &Path, redactor: Redactor) -> io::Result<Box<dyn Sink>> {
    Ok(Box::new(junit::Junit::create(path, redactor)?))
}

/// A writer whose errors name what it writes to ("cannot write to stdout: No space left on
/// device"). The error kind is kept, so a closed pipe is still recognised as one.
pub struct Named<W> {
    inner: W,
    name: &'static str,
}

impl<W: Write> Named<W> {
    fn named(&self, e: io::Error) -> io::Error {
        match e.kind() {
            io::ErrorKind::BrokenPipe | io::ErrorKind::Interrupted => e,
            kind => io::Error::new(kind, format!("cannot write to {}: {e}", self.name)),
        }
    }
}

impl<W: Write> Write for Named<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.named(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.named(e))
    }
}

/// Standard output, named in its errors.
pub fn stdout() -> Named<io::Stdout> {
    Named {
        inner: io::stdout(),
        name: "stdout",
    }
}

/// Standard output locked for the whole command, named in its errors.
pub fn stdout_locked() -> Named<io::StdoutLock<'static>> {
    Named {
        inner: io::stdout().lock(),
        name: "stdout",
    }
}

/// Every sink of an `exec` run: results on stdout, the console on stderr (both behind a
/// `RedactWriter`), and the JUnit report when `output.junit` names one. When stdout is the
/// spinner's terminal too, the spinner steps aside while results are written.
pub fn sinks(output: &Output, total: usize, redactor: &Redactor) -> io::Result<Fanout> {
    let stderr = RedactWriter::new(io::stderr(), redactor.clone());
    let console = console::Console::new(output, total, Box::new(stderr), redactor.clone());
    let mut fanout = Fanout::default();
    let terminal = io::stdout().is_terminal();
    if terminal {
        if let Some(guard) = console.results_guard() {
            fanout.push(guard);
        }
    }
    let stdout = || -> Box<dyn Write> { Box::new(RedactWriter::new(stdout(), redactor.clone())) };
    fanout.push(output_results(output, terminal, stdout, redactor));
    fanout.push(Box::new(console));
    if let Some(path) = &output.junit {
        fanout.push(junit(path, redactor.clone())?);
    }
    Ok(fanout)
}

/// Prints the `--dry-run` plan: readable text for table/plain/csv, one JSON document (json) or one
/// line per statement (ndjson) with `index`, `file`, `line`, `column`, `kind` and redacted `sql`.
pub fn plan(
    format: Format,
    statements: &[Statement],
    redactor: &Redactor,
    mut out: impl Write,
) -> io::Result<()> {
    plan::write(format, statements, redactor, &mut out)
}

/// Warns about every name a session would create twice (each slice is one session's statements);
/// `shared` says several files share a session, so the warning can suggest --session-per-file.
pub fn warn_duplicates(
    sessions: &[&[Statement]],
    shared: bool,
    err: &mut dyn Write,
) -> io::Result<()> {
    for session in sessions {
        plan::write_duplicates(&plan::duplicates(session), shared, err)?;
    }
    Ok(())
}

/// A caret excerpt for an input error (splitting, substitution): the source line, then `^` under
/// `column` (1-based, in characters; tabs kept so the caret lines up).
pub fn write_excerpt(w: &mut impl Write, line: &str, column: usize) -> io::Result<()> {
    diagnostic::write_excerpt_line(w, None, line, Some(column))
}

/// `file:line:col` of a statement's start.
fn location(stmt: &Statement) -> String {
    format!("{}:{}:{}", stmt.file, stmt.pos.line, stmt.pos.column)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Statements, columns and rows for the renderers' tests.

    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use serde_json::{json, Value};

    use crate::model::{Column, DataType, Failure, Field, Outcome, Row, RowKind, Status, Summary};
    use crate::script::{Kind, Pos, Statement};

    pub fn stmt(index: usize, kind: Kind, sql: &str) -> Statement {
        Statement {
            index,
            file: Arc::from("sql/orders.sql"),
            pos: Pos {
                line: index * 10,
                column: 1,
            },
            text: sql.to_owned(),
            sql: sql.to_owned(),
            kind,
            map: Default::default(),
        }
    }

    pub fn col(name: &str, root: &str, sql: &str, raw: Value) -> Column {
        Column {
            name: name.into(),
            data_type: DataType {
                root: root.into(),
                sql: sql.into(),
                nullable: true,
                raw,
            },
        }
    }

    /// The columns of the typed-values query in docs/gateway-transcripts/types.json (a subset).
    pub fn typed_columns() -> Vec<Column> {
        vec![
            col("n", "VARCHAR", "STRING", json!({"type": "VARCHAR"})),
            col("e", "VARCHAR", "STRING", json!({"type": "VARCHAR"})),
            col(
                "d",
                "DECIMAL",
                "DECIMAL(10, 2)",
                json!({"type": "DECIMAL", "precision": 10, "scale": 2}),
            ),
            col(
                "t",
                "TIMESTAMP_WITHOUT_TIME_ZONE",
                "TIMESTAMP(3)",
                json!({"type": "TIMESTAMP_WITHOUT_TIME_ZONE", "precision": 3}),
            ),
            col(
                "r",
                "ROW",
                "ROW<`EXPR$0` INT, `EXPR$1` CHAR(1)>",
                json!({"type": "ROW"}),
            ),
            col("a", "ARRAY", "ARRAY<INT>", json!({"type": "ARRAY"})),
            col("m", "MAP", "MAP<CHAR(1), INT>", json!({"type": "MAP"})),
            col(
                "b",
                "BINARY",
                "BINARY(2)",
                json!({"type": "BINARY", "length": 2}),
            ),
            col("bo", "BOOLEAN", "BOOLEAN", json!({"type": "BOOLEAN"})),
        ]
    }

    /// The values as the gateway sent them (numbers keep the gateway's text: `12.3`).
    pub fn typed_row() -> Row {
        let fields = r#"[null, "", 12.3, "2024-01-02T03:04:05.1", {"EXPR$0":1,"EXPR$1":"a"}, [1,2], {"k":1}, "yv4=", true]"#;
        Row {
            kind: RowKind::Insert,
            fields: serde_json::from_str(fields).unwrap(),
        }
    }

    pub fn row(kind: RowKind, fields: Value) -> Row {
        Row {
            kind,
            fields: fields
                .as_array()
                .unwrap()
                .iter()
                .map(Field::from_value)
                .collect(),
        }
    }

    pub fn ok(ms: u64, rows: u64) -> Outcome {
        let mut o = Outcome::new(Status::Ok, Duration::from_millis(ms));
        o.rows = rows;
        o
    }

    pub fn failed(ms: u64, message: &str, pos: Option<Pos>, detail: Option<&str>) -> Outcome {
        let mut o = Outcome::new(Status::Failed, Duration::from_millis(ms));
        o.failure = Some(Failure {
            message: message.into(),
            pos,
            detail: detail.map(str::to_owned),
        });
        o
    }

    pub fn summary(
        ok: usize,
        failed: usize,
        skipped: usize,
        jobs: Vec<(usize, String)>,
    ) -> Summary {
        Summary {
            ok,
            failed,
            skipped,
            jobs,
            elapsed: Duration::from_millis(1500),
            cut: None,
        }
    }

    /// A `Write + Send` whose bytes a test can read afterwards.
    #[derive(Clone, Default)]
    pub struct Shared(pub Arc<Mutex<Vec<u8>>>);

    impl Shared {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
