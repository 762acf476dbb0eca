//! `--report junit=PATH`: a JUnit XML report, one test case per statement, grouped in one test suite
//! per source file, written when the run ends.
//!
//! A test case is named `file:line kind` with the file as its class name; a statement that did not
//! succeed has a `<failure>` (message and, when known, the full server trace, redacted), a skipped
//! one `<skipped/>`; job ids and stop notes go to `<system-out>`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::{diagnostic, summary, Sink};
use crate::model::{Outcome, Status, Summary};
use crate::script::Statement;
use crate::secrets::{RedactWriter, Redactor};

/// One test case: what the report needs of a statement, never its rows.
struct Case {
    file: Arc<str>,
    name: String,
    status: Status,
    elapsed: Duration,
    failure: Option<(String, String)>,
    out: String,
}

pub struct Junit {
    file: Option<File>,
    redactor: Redactor,
    cases: Vec<Case>,
}

impl Junit {
    /// Creates (truncates) the report file now, so a bad path fails before the run.
    pub fn create(path: &Path, redactor: Redactor) -> io::Result<Self> {
        let file = File::create(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot write the JUnit report {}: {e}", path.display()),
            )
        })?;
        Ok(Junit {
            file: Some(file),
            redactor,
            cases: Vec::new(),
        })
    }

    fn case(&self, stmt: &Statement, outcome: &Outcome) -> io::Result<Case> {
        let failure = diagnostic::message(outcome).map(|message| {
            let mut trace = Vec::new();
            let _ = diagnostic::write_error(&mut trace, stmt, outcome, true, &self.redactor);
            (
                self.redactor.redact(&message).into_owned(),
                String::from_utf8_lossy(&trace).into_owned(),
            )
        });
        let mut out = Vec::new();
        if let Some(job_id) = &outcome.job_id {
            let state = outcome
                .job_state
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            writeln!(out, "job {job_id}{state}")?;
        }
        summary::write_stopped(&mut out, stmt, outcome)?;
        Ok(Case {
            file: stmt.file.clone(),
            name: format!("{}:{} {}", stmt.file, stmt.pos.line, stmt.kind.as_str()),
            status: outcome.status,
            elapsed: outcome.elapsed,
            failure,
            out: String::from_utf8_lossy(&out).into_owned(),
        })
    }
}

impl Sink for Junit {
    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> io::Result<()> {
        let case = self.case(stmt, outcome)?;
        self.cases.push(case);
        Ok(())
    }

    fn done(&mut self, summary: &Summary) -> io::Result<()> {
        let Some(file) = self.file.take() else {
            return Ok(());
        };
        let mut w = RedactWriter::new(BufWriter::new(file), self.redactor.clone());
        write_report(&mut w, &self.cases, summary.elapsed)?;
        w.flush()
    }
}

fn write_report(w: &mut impl Write, cases: &[Case], elapsed: Duration) -> io::Result<()> {
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="flink-sql" {} time="{:.3}">"#,
        counts(cases.iter()),
        elapsed.as_secs_f64()
    )?;
    let mut files: Vec<&Arc<str>> = Vec::new();
    for case in cases {
        if !files.contains(&&case.file) {
            files.push(&case.file);
        }
    }
    for file in files {
        let suite: Vec<&Case> = cases.iter().filter(|c| &c.file == file).collect();
        let time: f64 = suite.iter().map(|c| c.elapsed.as_secs_f64()).sum();
        let name = attr(file);
        writeln!(
            w,
            r#"  <testsuite name="{name}" {} time="{time:.3}">"#,
            counts(suite.iter().copied())
        )?;
        for case in suite {
            write_case(w, case)?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

/// `tests="…" failures="…" errors="0" skipped="…"`.
fn counts<'a>(cases: impl Iterator<Item = &'a Case>) -> String {
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for case in cases {
        tests += 1;
        failures += usize::from(case.failure.is_some());
        skipped += usize::from(case.status == Status::Skipped);
    }
    format!(r#"tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}""#)
}

fn write_case(w: &mut impl Write, case: &Case) -> io::Result<()> {
    let head = format!(
        r#"    <testcase name="{}" classname="{}" time="{:.3}""#,
        attr(&case.name),
        attr(&case.file),
        case.elapsed.as_secs_f64()
    );
    let skipped = case.status == Status::Skipped;
    if case.failure.is_none() && !skipped && case.out.is_empty() {
        return writeln!(w, "{head}/>");
    }
    writeln!(w, "{head}>")?;
    if let Some((message, trace)) = &case.failure {
        let kind = case.status.as_str();
        writeln!(
            w,
            r#"      <failure message="{}" type="{kind}">{}</failure>"#,
            attr(message),
            text(trace)
        )?;
    }
    if skipped {
        writeln!(w, "      <skipped/>")?;
    }
    if !case.out.is_empty() {
        writeln!(w, "      <system-out>{}</system-out>", text(&case.out))?;
    }
    writeln!(w, "    </testcase>")
}

/// XML character data: `&`, `<`, `>` escaped, characters XML 1.0 forbids replaced by U+FFFD.
fn text(s: &str) -> String {
    escape(s, false)
}

/// An XML attribute value: also quotes, and line breaks and tabs as character references so
/// parsers keep them.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StopReason;
    use crate::render::testing::*;
    use crate::script::{Kind, Pos};

    fn report(events: impl FnOnce(&mut Junit)) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.xml");
        let (redactor, _) = Redactor::new(["hunter22"]);
        let mut junit = Junit::create(&path, redactor).unwrap();
        events(&mut junit);
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn one_test_case_per_statement_with_failures_and_skips() {
        let xml = report(|j| {
            j.finished(&stmt(1, Kind::Ddl, "CREATE …"), &ok(12, 0))
                .unwrap();
            let pos = Some(Pos {
                line: 20,
                column: 8,
            });
            let failure = failed(
                250,
                "Object 'a<b>&\"c\"' not found; pw hunter22",
                pos,
                Some("Caused by: x\n\tat y"),
            );
            j.finished(&stmt(2, Kind::Query, "SELECT * FROM a"), &failure)
                .unwrap();
            let mut insert = ok(40, 0);
            insert.job_id = Some("5c9e".into());
            insert.job_state = Some("RUNNING".into());
            j.finished(&stmt(3, Kind::Insert, "INSERT …"), &insert)
                .unwrap();
            let skipped = Outcome::new(Status::Skipped, Duration::ZERO);
            j.finished(&stmt(4, Kind::Query, "SELECT 4"), &skipped)
                .unwrap();
            j.done(&summary(2, 1, 1, vec![(3, "5c9e".into())])).unwrap();
        });
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="flink-sql" tests="4" failures="1" errors="0" skipped="1" time="1.500">
  <testsuite name="sql/orders.sql" tests="4" failures="1" errors="0" skipped="1" time="0.302">
    <testcase name="sql/orders.sql:10 ddl" classname="sql/orders.sql" time="0.012"/>
    <testcase name="sql/orders.sql:20 query" classname="sql/orders.sql" time="0.250">
      <failure message="Object &apos;a&lt;b&gt;&amp;&quot;c&quot;&apos; not found; pw ***" type="failed">sql/orders.sql:20:8: error: Object 'a&lt;b&gt;&amp;"c"' not found; pw ***
   |
20 | SELECT * FROM a
   |        ^
  full trace:
    Caused by: x
    	at y
</failure>
    </testcase>
    <testcase name="sql/orders.sql:30 insert" classname="sql/orders.sql" time="0.040">
      <system-out>job 5c9e (RUNNING)
</system-out>
    </testcase>
    <testcase name="sql/orders.sql:40 query" classname="sql/orders.sql" time="0.000">
      <skipped/>
    </testcase>
  </testsuite>
</testsuites>
"#;
        assert_eq!(xml, expected);
    }

    #[test]
    fn stopped_queries_note_why_and_suites_follow_files() {
        let xml = report(|j| {
            let mut s = stmt(1, Kind::Query, "SELECT …");
            s.file = Arc::from("b.sql");
            let mut o = ok(5, 10);
            o.stopped = Some(StopReason::MaxRows(10));
            j.finished(&s, &o).unwrap();
            j.finished(&stmt(2, Kind::Ddl, "CREATE …"), &ok(1, 0))
                .unwrap();
            j.done(&summary(2, 0, 0, vec![])).unwrap();
        });
        assert!(xml.contains("<system-out>b.sql:10:1: query stopped after 10 rows (--max-rows 10)\n</system-out>"), "{xml}");
        let b = xml.find(r#"<testsuite name="b.sql""#).unwrap();
        let orders = xml.find(r#"<testsuite name="sql/orders.sql""#).unwrap();
        assert!(b < orders);
    }

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(attr("a\"b'c\nd\te"), "a&quot;b&apos;c&#10;d&#9;e");
        assert_eq!(
            text("x < y && z > \u{1b}[0m"),
            "x &lt; y &amp;&amp; z &gt; \u{FFFD}[0m"
        );
        assert_eq!(text("line\nnext\ttab\r"), "line\nnext\ttab&#13;");
    }

    #[test]
    fn a_bad_path_fails_when_the_report_is_set_up() {
        let err = Junit::create(
            Path::new("/nonexistent-dir/x/report.xml"),
            Redactor::default(),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("JUnit report"), "{err}");
    }
}
