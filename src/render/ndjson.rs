//! `ndjson` results, the CI format: one JSON event per line, written as it happens.
//!
//! ```text
//! {"event":"statement_started","statement":1,"file":"a.sql","line":1,"column":1,"kind":"query","sql":"SELECT …"}
//! {"event":"columns","statement":1,"columns":[{"name":"n","type":"INT"}]}
//! {"event":"row","statement":1,"op":"+I","values":[1]}
//! {"event":"job_submitted","statement":2,"job_id":"…"}
//! {"event":"error","statement":3,"file":"a.sql","line":9,"column":8,"message":"…","detail":"…"}
//! {"event":"statement_finished","statement":1,"file":"a.sql","line":1,"column":1,"kind":"query","status":"ok","elapsed_ms":12,"rows":1,"stopped":null}
//! {"event":"summary","statements":3,"ok":2,"failed":1,"skipped":0,"elapsed_ms":40,"jobs":[{"statement":2,"job_id":"…"}]}
//! ```
//! Rows carry values in column order (SQL allows duplicate column names); the `columns` event names
//! and types them. `statement_finished` also comes for skipped statements (which never started), so
//! it repeats the location; `stopped` is null or `{"reason":"max_rows","limit":10}` /
//! `{"reason":"max_wait","limit_ms":30000}`; `job_id`/`job_state` appear when they apply. An `error`
//! event precedes the `statement_finished` of a failed statement.

use std::io::{self, Write};

use super::json::{
    write_columns, write_error_fields, write_outcome_fields, write_statement_fields,
    write_summary_fields,
};
use super::value::{self, Class};
use super::Sink;
use crate::model::{Column, Outcome, Row, Summary};
use crate::script::Statement;
use crate::secrets::Redactor;

pub struct Ndjson<W: Write> {
    out: W,
    redactor: Redactor,
    classes: Vec<Class>,
    /// `{"event":"row","statement":N,"op":"` for the current statement, built once.
    row_prefix: Vec<u8>,
    scratch: String,
}

impl<W: Write> Ndjson<W> {
    pub fn new(out: W, redactor: Redactor) -> Self {
        Ndjson {
            out,
            redactor,
            classes: Vec::new(),
            row_prefix: Vec::new(),
            scratch: String::new(),
        }
    }

    /// `{"event":"<name>","statement":<index>` — the caller adds fields and ends the line.
    fn begin(&mut self, event: &str, stmt: &Statement) -> io::Result<()> {
        write!(
            self.out,
            "{{\"event\":\"{event}\",\"statement\":{}",
            stmt.index
        )
    }

    fn end(&mut self) -> io::Result<()> {
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }

    fn location(&mut self, stmt: &Statement) -> io::Result<()> {
        self.out.write_all(b",\"file\":")?;
        value::write_json_str(&mut self.out, &stmt.file)?;
        write!(
            self.out,
            ",\"line\":{},\"column\":{},\"kind\":",
            stmt.pos.line, stmt.pos.column
        )?;
        value::write_json_str(&mut self.out, stmt.kind.as_str())
    }

    fn row(&mut self, row: &Row) -> io::Result<()> {
        let Ndjson {
            out,
            classes,
            row_prefix,
            scratch,
            ..
        } = self;
        out.write_all(row_prefix)?;
        out.write_all(row.kind.op().as_bytes())?;
        out.write_all(b"\",\"values\":")?;
        super::json::write_values(out, classes, &row.fields, scratch)?;
        out.write_all(b"}\n")
    }
}

impl<W: Write> Sink for Ndjson<W> {
    fn started(&mut self, stmt: &Statement) -> io::Result<()> {
        self.begin("statement_started", stmt)?;
        self.out.write_all(b",")?;
        write_statement_fields(&mut self.out, stmt, &self.redactor)?;
        self.end()
    }

    fn columns(&mut self, stmt: &Statement, columns: &[Column]) -> io::Result<()> {
        self.classes = columns.iter().map(|c| Class::of(&c.data_type)).collect();
        self.begin("columns", stmt)?;
        self.out.write_all(b",\"columns\":")?;
        write_columns(&mut self.out, columns)?;
        self.end()
    }

    fn rows(&mut self, stmt: &Statement, rows: &[Row]) -> io::Result<()> {
        self.row_prefix.clear();
        write!(
            self.row_prefix,
            "{{\"event\":\"row\",\"statement\":{},\"op\":\"",
            stmt.index
        )?;
        for row in rows {
            self.row(row)?;
        }
        self.out.flush()
    }

    fn job_submitted(&mut self, stmt: &Statement, job_id: &str) -> io::Result<()> {
        self.begin("job_submitted", stmt)?;
        self.out.write_all(b",\"job_id\":")?;
        value::write_json_str(&mut self.out, job_id)?;
        self.end()
    }

    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> io::Result<()> {
        if outcome.failure.is_some() {
            self.begin("error", stmt)?;
            self.out.write_all(b",")?;
            write_error_fields(&mut self.out, stmt, outcome, &self.redactor)?;
            self.end()?;
        }
        self.begin("statement_finished", stmt)?;
        self.location(stmt)?;
        self.out.write_all(b",")?;
        write_outcome_fields(&mut self.out, outcome, "rows")?;
        if outcome.stopped.is_none() {
            self.out.write_all(b",\"stopped\":null")?;
        }
        self.end()
    }

    fn done(&mut self, summary: &Summary) -> io::Result<()> {
        self.out.write_all(b"{\"event\":\"summary\",")?;
        write_summary_fields(&mut self.out, summary)?;
        self.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RowKind, Status, StopReason};
    use crate::render::testing::*;
    use crate::script::{Kind, Pos};
    use serde_json::{json, Value};
    use std::time::Duration;

    fn events(run: impl FnOnce(&mut Ndjson<Vec<u8>>)) -> (String, Vec<Value>) {
        let (redactor, _) = Redactor::new(["hunter22"]);
        let mut sink = Ndjson::new(Vec::new(), redactor);
        run(&mut sink);
        let text = String::from_utf8(sink.out).unwrap();
        let lines = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        (text, lines)
    }

    #[test]
    fn a_query_is_started_columns_rows_finished() {
        let (text, ev) = events(|sink| {
            let s = stmt(1, Kind::Query, "SELECT …");
            sink.started(&s).unwrap();
            sink.columns(&s, &typed_columns()).unwrap();
            sink.rows(&s, &[typed_row()]).unwrap();
            sink.finished(&s, &ok(12, 1)).unwrap();
            sink.done(&summary(1, 0, 0, vec![])).unwrap();
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"event":"statement_started","statement":1,"file":"sql/orders.sql","line":10,"column":1,"kind":"query","sql":"SELECT …"}"#
        );
        assert_eq!(
            lines[2],
            r#"{"event":"row","statement":1,"op":"+I","values":[null,"",12.30,"2024-01-02T03:04:05.100",{"EXPR$0":1,"EXPR$1":"a"},[1,2],{"k":1},"yv4=",true]}"#
        );
        assert_eq!(ev[1]["event"], "columns");
        assert_eq!(
            ev[1]["columns"][3],
            json!({"name": "t", "type": "TIMESTAMP(3)"})
        );
        assert_eq!(
            lines[3],
            r#"{"event":"statement_finished","statement":1,"file":"sql/orders.sql","line":10,"column":1,"kind":"query","status":"ok","elapsed_ms":12,"rows":1,"stopped":null}"#
        );
        assert_eq!(
            lines[4],
            r#"{"event":"summary","statements":1,"ok":1,"failed":0,"skipped":0,"elapsed_ms":1500,"jobs":[]}"#
        );
    }

    #[test]
    fn changelog_rows_keep_their_op() {
        let (_, ev) = events(|sink| {
            let s = stmt(1, Kind::Query, "SELECT …");
            sink.columns(&s, &[col("c", "BIGINT", "BIGINT", json!({}))])
                .unwrap();
            sink.rows(
                &s,
                &[
                    row(RowKind::UpdateBefore, json!([1])),
                    row(RowKind::UpdateAfter, json!([2])),
                ],
            )
            .unwrap();
            sink.rows(&s, &[row(RowKind::Delete, json!([2]))]).unwrap();
        });
        let ops: Vec<&Value> = ev
            .iter()
            .filter(|e| e["event"] == "row")
            .map(|e| &e["op"])
            .collect();
        assert_eq!(ops, [&json!("-U"), &json!("+U"), &json!("-D")]);
    }

    #[test]
    fn errors_jobs_stops_and_skips_are_events() {
        let (text, ev) = events(|sink| {
            let s1 = stmt(1, Kind::Insert, "INSERT INTO t SELECT 'hunter22'");
            sink.started(&s1).unwrap();
            sink.job_submitted(&s1, "j1").unwrap();
            let mut o = ok(5, 0);
            o.job_id = Some("j1".into());
            sink.finished(&s1, &o).unwrap();
            let s2 = stmt(2, Kind::Query, "SELECT …");
            sink.started(&s2).unwrap();
            let mut stopped = ok(30_000, 3);
            stopped.stopped = Some(StopReason::MaxWait(Duration::from_secs(30)));
            sink.finished(&s2, &stopped).unwrap();
            let s3 = stmt(3, Kind::Ddl, "CREATE …");
            sink.started(&s3).unwrap();
            let failure = failed(
                2,
                "Object 'x' not found, hunter22",
                Some(Pos {
                    line: 31,
                    column: 8,
                }),
                Some("trace"),
            );
            sink.finished(&s3, &failure).unwrap();
            sink.finished(
                &stmt(4, Kind::Query, "SELECT 4"),
                &Outcome::new(Status::Skipped, Duration::ZERO),
            )
            .unwrap();
        });
        assert!(!text.contains("hunter22"));
        let kinds: Vec<&str> = ev.iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            [
                "statement_started",
                "job_submitted",
                "statement_finished",
                "statement_started",
                "statement_finished",
                "statement_started",
                "error",
                "statement_finished",
                "statement_finished"
            ]
        );
        assert_eq!(ev[1]["job_id"], "j1");
        assert_eq!(ev[2]["job_id"], "j1");
        assert_eq!(
            ev[4]["stopped"],
            json!({"reason": "max_wait", "limit_ms": 30000})
        );
        assert_eq!(
            ev[6],
            json!({"event": "error", "statement": 3, "file": "sql/orders.sql", "line": 31, "column": 8,
                   "message": "Object 'x' not found, ***", "detail": "trace"})
        );
        assert_eq!(ev[7]["status"], "failed");
        assert!(ev[7].get("error").is_none());
        assert_eq!(
            (ev[8]["statement"].as_u64(), ev[8]["status"].as_str()),
            (Some(4), Some("skipped"))
        );
        assert_eq!(ev[8]["line"], 40);
    }
}
