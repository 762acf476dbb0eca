//! The stderr sink: spinner, `--echo`, errors, GitHub annotations, stop and job notes, summary.
//!
//! Each event's lines are formatted into a buffer first and written in one go, with the spinner
//! suspended, so lines never interleave with its drawing. `-q` keeps echo and errors only.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use super::progress::{Guard, Progress, SharedWrite};
use super::summary::{self, Record};
use super::{diagnostic, github, Sink};
use crate::model::{Outcome, Row, Summary};
use crate::script::Statement;
use crate::secrets::Redactor;
use crate::settings::Output;

pub struct Console {
    err: SharedWrite,
    progress: Option<Progress>,
    redactor: Redactor,
    quiet: bool,
    verbose: bool,
    echo: bool,
    timing: bool,
    github: bool,
    total: usize,
    rows: u64,
    records: Vec<Record>,
    resume: Option<String>,
}

impl Console {
    pub fn new(
        output: &Output,
        total: usize,
        err: Box<dyn Write + Send>,
        redactor: Redactor,
    ) -> Self {
        let err: SharedWrite = Arc::new(Mutex::new(err));
        let progress =
            (output.progress && !output.quiet).then(|| Progress::new(total, err.clone()));
        Console {
            err,
            progress,
            redactor,
            quiet: output.quiet,
            verbose: output.verbose > 0,
            echo: output.echo,
            timing: output.timing,
            github: output.github,
            total,
            rows: 0,
            records: Vec::new(),
            resume: output.resume.clone(),
        }
    }

    /// A sink to put before the results sink when results share the spinner's terminal: it takes
    /// the spinner away before results are written. `None` without a spinner.
    pub fn results_guard(&self) -> Option<Box<dyn Sink>> {
        let progress = self.progress.clone()?;
        Some(Box::new(Guard(progress)))
    }

    /// Writes `text` (whole lines) to stderr with the spinner out of the way.
    fn emit(&self, text: &[u8]) -> io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let write = || {
            let mut err = self
                .err
                .lock()
                .map_err(|_| io::Error::other("stderr lock poisoned"))?;
            err.write_all(text)?;
            err.flush()
        };
        match &self.progress {
            Some(progress) => progress.suspend(write),
            None => write(),
        }
    }

    /// `-- [2/5] ddl sql/a.sql:14:1` then the statement as sent, secrets masked.
    fn echo(&self, stmt: &Statement) -> io::Result<()> {
        let mut text = Vec::new();
        // A pipe's total is not known in advance (0).
        let of = match self.total {
            0 => String::new(),
            n => format!("/{n}"),
        };
        writeln!(
            text,
            "-- [{}{of}] {} {}",
            stmt.index,
            stmt.kind.as_str(),
            super::location(stmt)
        )?;
        writeln!(text, "{};", self.redactor.redact(&stmt.sql))?;
        self.emit(&text)
    }
}

impl Sink for Console {
    fn started(&mut self, stmt: &Statement) -> io::Result<()> {
        self.rows = 0;
        if let Some(progress) = &self.progress {
            progress.start(stmt);
        }
        if self.echo {
            self.echo(stmt)?;
        }
        Ok(())
    }

    fn rows(&mut self, stmt: &Statement, rows: &[Row]) -> io::Result<()> {
        self.rows += rows.len() as u64;
        if let Some(progress) = &self.progress {
            progress.rows(stmt, self.rows);
        }
        Ok(())
    }

    fn job_submitted(&mut self, stmt: &Statement, job_id: &str) -> io::Result<()> {
        if let Some(progress) = &self.progress {
            progress.job(stmt, job_id);
        }
        if self.quiet {
            return Ok(());
        }
        let mut text = Vec::new();
        summary::write_job(&mut text, stmt, job_id)?;
        self.emit(&text)
    }

    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> io::Result<()> {
        self.records.push(Record::new(stmt, outcome));
        let mut text = Vec::new();
        diagnostic::write_error(&mut text, stmt, outcome, self.verbose, &self.redactor)?;
        if self.github {
            github::write_error(&mut text, stmt, outcome, &self.redactor)?;
        }
        if !self.quiet {
            summary::write_stopped(&mut text, stmt, outcome)?;
        }
        self.emit(&text)
    }

    fn done(&mut self, summary: &Summary) -> io::Result<()> {
        if let Some(progress) = self.progress.take() {
            progress.finish();
        }
        if self.quiet {
            return Ok(());
        }
        let mut text = Vec::new();
        summary::write_summary(&mut text, summary, &self.records, self.timing)?;
        if let Some(cut) = &summary.cut {
            summary::write_cut(&mut text, cut, &self.records, self.resume.as_deref())?;
        }
        self.emit(&text)
    }

    fn reconnected(&mut self, at: &Statement, replayed: &[Statement]) -> io::Result<()> {
        let mut text = Vec::new();
        summary::write_reconnected(&mut text, at, replayed)?;
        self.emit(&text)
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Some(progress) = &self.progress {
            progress.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Format;
    use crate::model::{Status, StopReason};
    use crate::render::testing::*;
    use crate::script::{Kind, Pos};
    use std::time::Duration;

    fn output() -> Output {
        Output {
            format: Format::Plain,
            materialize: false,
            materialize_limit: 10,
            quiet: false,
            verbose: 0,
            echo: false,
            timing: false,
            junit: None,
            github: false,
            progress: false,
            resume: None,
        }
    }

    /// Runs a small script through a console: a DDL, a failed query, an INSERT, a stopped query and
    /// a skipped statement.
    fn run(output: &Output) -> String {
        let buf = Shared::default();
        let (redactor, _) = Redactor::new(["hunter22"]);
        let mut console = Console::new(output, 5, Box::new(buf.clone()), redactor);
        let s1 = stmt(
            1,
            Kind::Ddl,
            "CREATE TABLE t WITH ('password' = 'hunter22')",
        );
        console.started(&s1).unwrap();
        console.finished(&s1, &ok(12, 0)).unwrap();
        let s2 = stmt(2, Kind::Query, "SELECT * FROM nope");
        console.started(&s2).unwrap();
        let failure = failed(
            3,
            "Object 'nope' not found",
            Some(Pos {
                line: 20,
                column: 15,
            }),
            Some("trace"),
        );
        console.finished(&s2, &failure).unwrap();
        let s3 = stmt(3, Kind::Insert, "INSERT INTO t SELECT 1");
        console.started(&s3).unwrap();
        console.job_submitted(&s3, "5c9e77b8").unwrap();
        console.finished(&s3, &ok(40, 0)).unwrap();
        let s4 = stmt(4, Kind::Query, "SELECT * FROM t");
        console.started(&s4).unwrap();
        console
            .rows(
                &s4,
                &[row(crate::model::RowKind::Insert, serde_json::json!([1]))],
            )
            .unwrap();
        let mut stopped = ok(2000, 1);
        stopped.stopped = Some(StopReason::MaxRows(1));
        console.finished(&s4, &stopped).unwrap();
        console
            .finished(
                &stmt(5, Kind::Query, "SELECT 5"),
                &Outcome::new(Status::Skipped, Duration::ZERO),
            )
            .unwrap();
        console
            .done(&summary(3, 1, 1, vec![(3, "5c9e77b8".into())]))
            .unwrap();
        drop(console);
        buf.text()
    }

    #[test]
    fn errors_notes_and_the_summary_go_to_stderr() {
        let expected = "\
sql/orders.sql:20:15: error: Object 'nope' not found
   |
20 | SELECT * FROM nope
   |               ^
sql/orders.sql:30:1: job 5c9e77b8 submitted
sql/orders.sql:40:1: query stopped after 1 row (--max-rows 1)
5 statements in 1.50 s: 3 ok, 1 failed, 1 skipped
jobs started:
  5c9e77b8  sql/orders.sql:30:1
";
        assert_eq!(run(&output()), expected);
    }

    #[test]
    fn quiet_keeps_errors_only() {
        let out = run(&Output {
            quiet: true,
            ..output()
        });
        assert!(
            out.starts_with("sql/orders.sql:20:15: error: Object 'nope' not found\n"),
            "{out}"
        );
        assert!(
            !out.contains("statements in")
                && !out.contains("stopped")
                && !out.contains("submitted"),
            "{out}"
        );
    }

    #[test]
    fn echo_of_a_pipe_numbers_statements_without_a_total() {
        let buf = Shared::default();
        let output = Output {
            echo: true,
            ..output()
        };
        let mut console = Console::new(&output, 0, Box::new(buf.clone()), Redactor::default());
        console.started(&stmt(2, Kind::Query, "SELECT 2")).unwrap();
        drop(console);
        assert!(
            buf.text().starts_with(
                "-- [2] query sql/orders.sql:20:1
"
            ),
            "{}",
            buf.text()
        );
    }

    #[test]
    fn echo_prints_each_statement_masked_before_it_runs() {
        let out = run(&Output {
            echo: true,
            ..output()
        });
        assert!(
            out.starts_with(
                "-- [1/5] ddl sql/orders.sql:10:1\nCREATE TABLE t WITH ('password' = '***');\n"
            ),
            "{out}"
        );
        assert!(!out.contains("hunter22"));
    }

    #[test]
    fn verbose_adds_the_trace_timing_the_times_and_github_the_annotations() {
        let out = run(&Output {
            verbose: 1,
            timing: true,
            github: true,
            ..output()
        });
        assert!(out.contains("  full trace:\n    trace\n"), "{out}");
        assert!(
            out.contains("::error file=sql/orders.sql,line=20,col=15::Object 'nope' not found\n"),
            "{out}"
        );
        assert!(out.contains("timing:\n  1  ok "), "{out}");
        assert!(out.contains("  5  skipped"), "{out}");
    }

    #[test]
    fn progress_draws_a_spinner_and_suspends_it_for_lines() {
        let out = run(&Output {
            progress: true,
            ..output()
        });
        assert!(
            out.contains("sql/orders.sql:20:15: error: Object 'nope' not found\n"),
            "{out:?}"
        );
        assert!(out.contains("5 statements in 1.50 s"), "{out:?}");
    }
}
