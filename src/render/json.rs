//! `json` results: one document for the whole run, written as the run goes (rows are never held).
//!
//! ```text
//! {"statements":[
//! {"index":1,"file":"a.sql","line":1,"column":1,"kind":"query","sql":"SELECT …","columns":[{"name":"n","type":"INT"}],"rows":[
//! {"op":"+I","values":[1]}
//! ],"status":"ok","elapsed_ms":12,"row_count":1},
//! {"index":2,…,"status":"failed","elapsed_ms":3,"row_count":0,"error":{"message":"…","file":"a.sql","line":4,"column":8}}
//! ],"summary":{"statements":2,"ok":1,"failed":1,"skipped":0,"elapsed_ms":40,"jobs":[]}}
//! ```
//! `job_id`, `job_state` and `stopped` (`{"reason":"max_rows","limit":10}` or
//! `{"reason":"max_wait","limit_ms":30000}`) appear when they apply; `error.detail` holds the full
//! server trace. The helpers here also serve `ndjson` and the `--dry-run` plan.

use std::io::{self, Write};

use super::value::{self, Class};
use super::Sink;
use crate::model::{Column, Outcome, Row, StopReason, Summary};
use crate::script::Statement;
use crate::secrets::Redactor;

/// Where the document is: which brackets are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Nothing written yet.
    Nothing,
    /// Inside the `statements` array, between statements.
    Between,
    /// Inside statement `index`'s object.
    Statement(usize),
    /// Inside statement `index`'s `rows` array, after `rows` rows.
    Rows(usize, u64),
    /// The document is complete.
    Closed,
}

pub struct Json<W: Write> {
    out: W,
    redactor: Redactor,
    open: Open,
    statements: usize,
    classes: Vec<Class>,
    scratch: String,
}

impl<W: Write> Json<W> {
    pub fn new(out: W, redactor: Redactor) -> Self {
        Json {
            out,
            redactor,
            open: Open::Nothing,
            statements: 0,
            classes: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Opens statement `stmt`'s object unless it is the open one.
    fn enter(&mut self, stmt: &Statement) -> io::Result<()> {
        match self.open {
            Open::Statement(i) | Open::Rows(i, _) if i == stmt.index => return Ok(()),
            Open::Statement(_) | Open::Rows(..) => self.leave(None)?,
            Open::Nothing => self.out.write_all(b"{\"statements\":[\n")?,
            Open::Between => {}
            Open::Closed => return Ok(()),
        }
        if self.statements > 0 {
            self.out.write_all(b",\n")?;
        }
        self.statements += 1;
        write!(self.out, "{{\"index\":{},", stmt.index)?;
        write_statement_fields(&mut self.out, stmt, &self.redactor)?;
        self.open = Open::Statement(stmt.index);
        Ok(())
    }

    /// Closes the open statement object, with its outcome when known.
    fn leave(&mut self, end: Option<(&Statement, &Outcome)>) -> io::Result<()> {
        if let Open::Rows(..) = self.open {
            self.out.write_all(b"\n]")?;
        }
        if let Some((stmt, outcome)) = end {
            self.out.write_all(b",")?;
            write_outcome_fields(&mut self.out, outcome, "row_count")?;
            if outcome.failure.is_some() {
                self.out.write_all(b",\"error\":{")?;
                write_error_fields(&mut self.out, stmt, outcome, &self.redactor)?;
                self.out.write_all(b"}")?;
            }
        }
        self.out.write_all(b"}")?;
        self.open = Open::Between;
        Ok(())
    }

    /// Ends the document; `summary` is `null` when the run ended without one.
    fn close(&mut self, summary: Option<&Summary>) -> io::Result<()> {
        match self.open {
            Open::Closed => return Ok(()),
            Open::Nothing => self.out.write_all(b"{\"statements\":[")?,
            Open::Statement(_) | Open::Rows(..) => self.leave(None)?,
            Open::Between => {}
        }
        if self.statements > 0 {
            self.out.write_all(b"\n")?;
        }
        self.out.write_all(b"],\"summary\":")?;
        match summary {
            Some(summary) => write_summary(&mut self.out, summary)?,
            None => self.out.write_all(b"null")?,
        }
        self.out.write_all(b"}\n")?;
        self.open = Open::Closed;
        self.out.flush()
    }
}

impl<W: Write> Sink for Json<W> {
    fn started(&mut self, stmt: &Statement) -> io::Result<()> {
        self.enter(stmt)
    }

    fn columns(&mut self, stmt: &Statement, columns: &[Column]) -> io::Result<()> {
        self.enter(stmt)?;
        if self.open != Open::Statement(stmt.index) {
            return Ok(());
        }
        self.out.write_all(b",\"columns\":")?;
        write_columns(&mut self.out, columns)?;
        self.out.write_all(b",\"rows\":[")?;
        self.classes = columns.iter().map(|c| Class::of(&c.data_type)).collect();
        self.open = Open::Rows(stmt.index, 0);
        Ok(())
    }

    fn rows(&mut self, stmt: &Statement, rows: &[Row]) -> io::Result<()> {
        let Open::Rows(index, mut count) = self.open else {
            return Ok(());
        };
        if index != stmt.index {
            return Ok(());
        }
        for row in rows {
            self.out
                .write_all(if count == 0 { b"\n" } else { b",\n" })?;
            write_row(&mut self.out, &self.classes, row, &mut self.scratch)?;
            count += 1;
        }
        self.open = Open::Rows(index, count);
        self.out.flush()
    }

    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> io::Result<()> {
        self.enter(stmt)?;
        if self.open != Open::Statement(stmt.index)
            && !matches!(self.open, Open::Rows(i, _) if i == stmt.index)
        {
            return Ok(());
        }
        self.leave(Some((stmt, outcome)))?;
        self.out.flush()
    }

    fn done(&mut self, summary: &Summary) -> io::Result<()> {
        self.close(Some(summary))
    }
}

impl<W: Write> Drop for Json<W> {
    /// A run that ended without `done` (a gateway error) still leaves a valid document.
    fn drop(&mut self) {
        let _ = self.close(None);
    }
}

/// `"file":…,"line":…,"column":…,"kind":…,"sql":…` (the SQL redacted).
pub(super) fn write_statement_fields(
    w: &mut impl Write,
    stmt: &Statement,
    redactor: &Redactor,
) -> io::Result<()> {
    w.write_all(b"\"file\":")?;
    value::write_json_str(w, &stmt.file)?;
    write!(
        w,
        ",\"line\":{},\"column\":{},\"kind\":",
        stmt.pos.line, stmt.pos.column
    )?;
    value::write_json_str(w, stmt.kind.as_str())?;
    w.write_all(b",\"sql\":")?;
    value::write_json_str(w, &redactor.redact(&stmt.sql))
}

/// `[{"name":…,"type":…},…]`, the type in Flink's SQL spelling.
pub(super) fn write_columns(w: &mut impl Write, columns: &[Column]) -> io::Result<()> {
    w.write_all(b"[")?;
    for (i, column) in columns.iter().enumerate() {
        w.write_all(if i == 0 {
            b"{\"name\":"
        } else {
            b",{\"name\":"
        })?;
        value::write_json_str(w, &column.name)?;
        w.write_all(b",\"type\":")?;
        value::write_json_str(w, &column.data_type.sql)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"]")
}

/// `{"op":"+I","values":[…]}`.
pub(super) fn write_row(
    w: &mut impl Write,
    classes: &[Class],
    row: &Row,
    scratch: &mut String,
) -> io::Result<()> {
    w.write_all(b"{\"op\":\"")?;
    w.write_all(row.kind.op().as_bytes())?;
    w.write_all(b"\",\"values\":")?;
    write_values(w, classes, &row.fields, scratch)?;
    w.write_all(b"}")
}

/// `[v1,v2,…]`, each value typed by its column.
pub(super) fn write_values(
    w: &mut impl Write,
    classes: &[Class],
    fields: &[crate::model::Field],
    scratch: &mut String,
) -> io::Result<()> {
    w.write_all(b"[")?;
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        value::write_json(
            w,
            classes.get(i).copied().unwrap_or(Class::Other),
            field,
            scratch,
        )?;
    }
    w.write_all(b"]")
}

/// `"status":…,"elapsed_ms":…,"<rows_key>":…` plus `stopped`, `job_id` and `job_state` when they apply.
pub(super) fn write_outcome_fields(
    w: &mut impl Write,
    outcome: &Outcome,
    rows_key: &str,
) -> io::Result<()> {
    w.write_all(b"\"status\":")?;
    value::write_json_str(w, outcome.status.as_str())?;
    write!(
        w,
        ",\"elapsed_ms\":{},\"{rows_key}\":{}",
        outcome.elapsed.as_millis(),
        outcome.rows
    )?;
    if let Some(stop) = outcome.stopped {
        w.write_all(b",\"stopped\":")?;
        write_stopped(w, stop)?;
    }
    for (key, text) in [
        ("job_id", &outcome.job_id),
        ("job_state", &outcome.job_state),
    ] {
        if let Some(text) = text {
            write!(w, ",\"{key}\":")?;
            value::write_json_str(w, text)?;
        }
    }
    Ok(())
}

/// `{"reason":"max_rows","limit":10}` or `{"reason":"max_wait","limit_ms":30000}`.
pub(super) fn write_stopped(w: &mut impl Write, stop: StopReason) -> io::Result<()> {
    match stop {
        StopReason::MaxRows(n) => write!(w, "{{\"reason\":\"max_rows\",\"limit\":{n}}}"),
        StopReason::MaxWait(d) => write!(
            w,
            "{{\"reason\":\"max_wait\",\"limit_ms\":{}}}",
            d.as_millis()
        ),
    }
}

/// `"message":…,"file":…,"line":…,"column":…[,"detail":…]`: where the error points (the statement
/// start when Flink gave no position), redacted.
pub(super) fn write_error_fields(
    w: &mut impl Write,
    stmt: &Statement,
    outcome: &Outcome,
    redactor: &Redactor,
) -> io::Result<()> {
    let Some(failure) = &outcome.failure else {
        return Ok(());
    };
    let pos = failure.pos.unwrap_or(stmt.pos);
    w.write_all(b"\"message\":")?;
    value::write_json_str(w, &redactor.redact(&failure.message))?;
    w.write_all(b",\"file\":")?;
    value::write_json_str(w, &stmt.file)?;
    write!(w, ",\"line\":{},\"column\":{}", pos.line, pos.column)?;
    if let Some(detail) = &failure.detail {
        w.write_all(b",\"detail\":")?;
        value::write_json_str(w, &redactor.redact(detail))?;
    }
    Ok(())
}

/// `{"statements":…,"ok":…,"failed":…,"skipped":…,"elapsed_ms":…,"jobs":[{"statement":…,"job_id":…}]}`.
pub(super) fn write_summary(w: &mut impl Write, summary: &Summary) -> io::Result<()> {
    w.write_all(b"{")?;
    write_summary_fields(w, summary)?;
    w.write_all(b"}")
}

pub(super) fn write_summary_fields(w: &mut impl Write, s: &Summary) -> io::Result<()> {
    let total = s.ok + s.failed + s.skipped;
    write!(
        w,
        "\"statements\":{total},\"ok\":{},\"failed\":{},\"skipped\":{}",
        s.ok, s.failed, s.skipped
    )?;
    write!(w, ",\"elapsed_ms\":{},\"jobs\":[", s.elapsed.as_millis())?;
    for (i, (index, job_id)) in s.jobs.iter().enumerate() {
        write!(
            w,
            "{}{{\"statement\":{index},\"job_id\":",
            if i > 0 { "," } else { "" }
        )?;
        value::write_json_str(w, job_id)?;
        w.write_all(b"}")?;
    }
    w.write_all(b"]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RowKind, Status};
    use crate::render::testing::*;
    use crate::script::{Kind, Pos};
    use serde_json::{json, Value};
    use std::time::Duration;

    fn run(events: impl FnOnce(&mut Json<&mut Vec<u8>>)) -> (String, Value) {
        let mut out = Vec::new();
        {
            let (redactor, _) = Redactor::new(["hunter22"]);
            let mut sink = Json::new(&mut out, redactor);
            events(&mut sink);
        }
        let text = String::from_utf8(out).unwrap();
        let doc =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("invalid JSON ({e}):\n{text}"));
        (text, doc)
    }

    #[test]
    fn a_run_is_one_document_with_typed_values() {
        let (text, doc) = run(|sink| {
            let s = stmt(1, Kind::Query, "SELECT …");
            sink.started(&s).unwrap();
            sink.columns(&s, &typed_columns()).unwrap();
            sink.rows(&s, &[typed_row()]).unwrap();
            sink.rows(&s, &[]).unwrap();
            sink.finished(&s, &ok(12, 1)).unwrap();
            sink.done(&summary(1, 0, 0, vec![])).unwrap();
        });
        let values = r#"[null,"",12.30,"2024-01-02T03:04:05.100",{"EXPR$0":1,"EXPR$1":"a"},[1,2],{"k":1},"yv4=",true]"#;
        assert!(
            text.contains(&format!("{{\"op\":\"+I\",\"values\":{values}}}")),
            "{text}"
        );
        let st = &doc["statements"][0];
        assert_eq!(st["index"], 1);
        assert_eq!(st["file"], "sql/orders.sql");
        assert_eq!(
            (st["line"].as_u64(), st["column"].as_u64()),
            (Some(10), Some(1))
        );
        assert_eq!(st["kind"], "query");
        assert_eq!(st["status"], "ok");
        assert_eq!(st["elapsed_ms"], 12);
        assert_eq!(st["row_count"], 1);
        assert_eq!(
            st["columns"][2],
            json!({"name": "d", "type": "DECIMAL(10, 2)"})
        );
        assert_eq!(doc["summary"]["ok"], 1);
    }

    #[test]
    fn changelog_rows_keep_their_op() {
        let (_, doc) = run(|sink| {
            let s = stmt(1, Kind::Query, "SELECT k, COUNT(*) …");
            sink.columns(&s, &[col("c", "BIGINT", "BIGINT", json!({}))])
                .unwrap();
            sink.rows(
                &s,
                &[
                    row(RowKind::Insert, json!([1])),
                    row(RowKind::UpdateBefore, json!([1])),
                ],
            )
            .unwrap();
            sink.rows(
                &s,
                &[
                    row(RowKind::UpdateAfter, json!([2])),
                    row(RowKind::Delete, json!([2])),
                ],
            )
            .unwrap();
            sink.finished(&s, &ok(1, 4)).unwrap();
            sink.done(&summary(1, 0, 0, vec![])).unwrap();
        });
        let ops: Vec<&str> = doc["statements"][0]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["op"].as_str().unwrap())
            .collect();
        assert_eq!(ops, ["+I", "-U", "+U", "-D"]);
    }

    #[test]
    fn failures_jobs_skips_and_stops_are_reported_redacted() {
        let (text, doc) = run(|sink| {
            let s1 = stmt(
                1,
                Kind::Ddl,
                "CREATE TABLE t WITH ('password' = 'hunter22')",
            );
            sink.started(&s1).unwrap();
            let detail = Some("Caused by: bad password hunter22");
            let pos = Some(Pos {
                line: 11,
                column: 7,
            });
            sink.finished(&s1, &failed(3, "rejected 'hunter22'", pos, detail))
                .unwrap();
            let s2 = stmt(2, Kind::Insert, "INSERT INTO …");
            sink.started(&s2).unwrap();
            sink.job_submitted(&s2, "abc123").unwrap();
            let mut o = ok(4, 0);
            o.job_id = Some("abc123".into());
            o.job_state = Some("RUNNING".into());
            sink.finished(&s2, &o).unwrap();
            let s3 = stmt(3, Kind::Query, "SELECT …");
            let mut stopped = ok(30_000, 10);
            stopped.stopped = Some(StopReason::MaxRows(10));
            sink.started(&s3).unwrap();
            sink.finished(&s3, &stopped).unwrap();
            sink.finished(
                &stmt(4, Kind::Query, "SELECT 4"),
                &Outcome::new(Status::Skipped, Duration::ZERO),
            )
            .unwrap();
            sink.done(&summary(2, 1, 1, vec![(2, "abc123".into())]))
                .unwrap();
        });
        assert!(!text.contains("hunter22"), "{text}");
        let st = &doc["statements"];
        assert_eq!(st[0]["status"], "failed");
        assert_eq!(st[0]["error"]["message"], "rejected '***'");
        assert_eq!(
            (
                st[0]["error"]["line"].as_u64(),
                st[0]["error"]["column"].as_u64()
            ),
            (Some(11), Some(7))
        );
        assert_eq!(st[0]["error"]["detail"], "Caused by: bad password ***");
        assert_eq!(st[0]["sql"], "CREATE TABLE t WITH ('password' = '***')");
        assert_eq!(
            (st[1]["job_id"].as_str(), st[1]["job_state"].as_str()),
            (Some("abc123"), Some("RUNNING"))
        );
        assert_eq!(st[2]["stopped"], json!({"reason": "max_rows", "limit": 10}));
        assert_eq!(
            (st[3]["index"].as_u64(), st[3]["status"].as_str()),
            (Some(4), Some("skipped"))
        );
        assert_eq!(
            doc["summary"]["jobs"],
            json!([{"statement": 2, "job_id": "abc123"}])
        );
        assert_eq!(doc["summary"]["statements"], 4);
    }

    #[test]
    fn a_run_cut_short_still_leaves_valid_json() {
        let (_, doc) = run(|sink| {
            let s = stmt(1, Kind::Query, "SELECT 1");
            sink.columns(&s, &[col("x", "INTEGER", "INT", json!({}))])
                .unwrap();
            sink.rows(&s, &[row(RowKind::Insert, json!([1]))]).unwrap();
        });
        assert_eq!(doc["statements"][0]["rows"][0]["values"], json!([1]));
        assert_eq!(doc["summary"], Value::Null);
        let (_, empty) = run(|sink| sink.done(&summary(0, 0, 0, vec![])).unwrap());
        assert_eq!(empty["statements"], json!([]));
    }
}
