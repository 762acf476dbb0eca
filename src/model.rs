//! What a run produces: columns, rows, statement outcomes and the run summary. Plain data.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use compact_str::CompactString;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::script::{Pos, Statement};

pub mod decimal;

/// A result column as the gateway describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub data_type: DataType,
}

/// A Flink logical type: the root name (`DECIMAL`), its SQL spelling (`DECIMAL(10, 2) NOT NULL`)
/// and the gateway's raw JSON, kept so that unknown roots never crash us.
#[derive(Debug, Clone, PartialEq)]
pub struct DataType {
    pub root: String,
    pub sql: String,
    pub nullable: bool,
    pub raw: serde_json::Value,
}

/// Changelog kind of a row: the `op` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Insert,
    UpdateBefore,
    UpdateAfter,
    Delete,
}

impl RowKind {
    /// The short form Flink's own client prints: `+I`, `-U`, `+U`, `-D`.
    pub fn op(self) -> &'static str {
        match self {
            RowKind::Insert => "+I",
            RowKind::UpdateBefore => "-U",
            RowKind::UpdateAfter => "+U",
            RowKind::Delete => "-D",
        }
    }
}

/// One row; `fields` keep the gateway's JSON text (numbers keep their exact text).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: RowKind,
    pub fields: Vec<Field>,
}

/// One field value as the gateway's JSON text, undecoded: renderers read most values straight
/// from the text (decoding every value into a `serde_json::Value` was most of the CPU time spent
/// per row), and parse only the rare nested or escaped ones. Text of up to 24 bytes (numbers,
/// dates, timestamps, short strings) is kept inline, without an allocation of its own: a row of
/// such values costs one allocation, not one per value (the allocator was 30 % of the
/// instructions spent on a million rows).
#[derive(Debug, Clone)]
pub struct Field(CompactString);

impl<'de> Deserialize<'de> for Field {
    /// One JSON value's text, borrowed from the page while it is read (the page's reader must
    /// lend it: `serde_json::from_str` and `from_slice` do).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        let raw = <&RawValue>::deserialize(d)?;
        Ok(Field(CompactString::new(raw.get())))
    }
}

impl Field {
    /// A field from JSON text; fails when the text is not one JSON value.
    pub fn from_json(text: &str) -> serde_json::Result<Field> {
        let raw = serde_json::from_str::<&RawValue>(text.trim())?;
        Ok(Field(CompactString::new(raw.get())))
    }

    /// A field holding `value` (numbers keep their exact text).
    pub fn from_value(value: &Value) -> Field {
        Field(CompactString::new(value.to_string()))
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        self.0.as_str()
    }

    /// The value decoded.
    pub fn value(&self) -> Value {
        serde_json::from_str(self.json()).unwrap_or(Value::Null)
    }

    pub fn is_null(&self) -> bool {
        self.json() == "null"
    }

    /// A string field's text, borrowed unless it holds escapes; `None` for any other value.
    pub fn as_str(&self) -> Option<Cow<'_, str>> {
        let inner = self.json().strip_prefix('"')?.strip_suffix('"')?;
        if !inner.contains('\\') {
            return Some(Cow::Borrowed(inner));
        }
        serde_json::from_str::<String>(self.json())
            .ok()
            .map(Cow::Owned)
    }
}

impl PartialEq for Field {
    fn eq(&self, other: &Field) -> bool {
        self.json() == other.json()
    }
}

/// The JSON text, as `Display` of a `serde_json::Value` would write it.
impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    Skipped,
    TimedOut,
    Interrupted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::TimedOut => "timeout",
            Status::Interrupted => "interrupted",
        }
    }
}

/// Why a streaming query stopped before its end of stream (a success, SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    MaxRows(u64),
    MaxWait(Duration),
}

/// A failed statement, already redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// One line: the root cause.
    pub message: String,
    /// Where in the source file the error points, when Flink says `line X, column Y`.
    pub pos: Option<Pos>,
    /// The full server trace, shown under `-v`.
    pub detail: Option<String>,
}

/// How one statement ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub elapsed: Duration,
    pub rows: u64,
    pub job_id: Option<String>,
    /// The job state reached when `--wait` asked for one (RUNNING, FINISHED, …).
    pub job_state: Option<String>,
    pub stopped: Option<StopReason>,
    pub failure: Option<Failure>,
}

impl Outcome {
    pub fn new(status: Status, elapsed: Duration) -> Self {
        Outcome {
            status,
            elapsed,
            rows: 0,
            job_id: None,
            job_state: None,
            stopped: None,
            failure: None,
        }
    }
}

/// Totals for the closing summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// (statement index, job id) for every job started.
    pub jobs: Vec<(usize, String)>,
    pub elapsed: Duration,
    /// The run was cut short by a problem no statement is to blame for (the gateway lost the
    /// session, or cannot be reached).
    pub cut: Option<Cut>,
}

/// Where a run was cut short: statement `at` and those after it are not done.
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    pub at: usize,
    /// Statement `at` reached the gateway before the problem: it may have run.
    pub may_have_run: bool,
    /// What the user can do (from the error).
    pub hints: Vec<String>,
}

/// A sink's refusal of a statement's rows (a `--materialize` table at its limit), returned from
/// [`Sink::rows`] inside an `io::Error`: the runner ends that statement as failed with this message
/// and cancels its operation, and the run goes on as after any failed statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl Refusal {
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }

    /// The refusal inside `error`, if it carries one.
    pub fn of(error: &std::io::Error) -> Option<&Refusal> {
        error.get_ref()?.downcast_ref::<Refusal>()
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// Receives what a run produces, in order. Every method writes; none prints directly.
pub trait Sink {
    /// A statement is about to be sent.
    fn started(&mut self, _stmt: &Statement) -> std::io::Result<()> {
        Ok(())
    }
    /// The result columns of a statement that returns content.
    fn columns(&mut self, _stmt: &Statement, _columns: &[Column]) -> std::io::Result<()> {
        Ok(())
    }
    /// A page of rows (possibly empty). `Err` holding a [`Refusal`] fails the statement.
    fn rows(&mut self, _stmt: &Statement, _rows: &[Row]) -> std::io::Result<()> {
        Ok(())
    }
    /// A query's page brought no rows: its result is quiet for now (a live view draws what it
    /// held back). Comes every few hundred milliseconds at most while a query is quiet.
    fn quiet(&mut self, _stmt: &Statement) -> std::io::Result<()> {
        Ok(())
    }
    /// An INSERT or statement set started a job.
    fn job_submitted(&mut self, _stmt: &Statement, _job_id: &str) -> std::io::Result<()> {
        Ok(())
    }
    /// The statement ended (also for skipped statements, without `started`).
    fn finished(&mut self, _stmt: &Statement, _outcome: &Outcome) -> std::io::Result<()> {
        Ok(())
    }
    /// The session was lost at `at` and a new one opened (`--reconnect`), with `replayed` run
    /// again in it.
    fn reconnected(&mut self, _at: &Statement, _replayed: &[Statement]) -> std::io::Result<()> {
        Ok(())
    }
    /// The run ended.
    fn done(&mut self, _summary: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_keep_the_exact_json_text() {
        let fields: Vec<Field> = serde_json::from_str(r#"[1.10, "x", null, 1E+1]"#).unwrap();
        let texts: Vec<&str> = fields.iter().map(Field::json).collect();
        assert_eq!(texts, ["1.10", r#""x""#, "null", "1E+1"]);
        assert!(fields[2].is_null());
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let plain = Field::from_json(r#""a b""#).unwrap();
        assert!(matches!(plain.as_str(), Some(Cow::Borrowed("a b"))));
        let escaped = Field::from_json(r#""a\"b\n""#).unwrap();
        assert_eq!(escaped.as_str().as_deref(), Some("a\"b\n"));
        assert_eq!(Field::from_value(&json!(7)).as_str(), None);
    }

    /// Values around the 24 bytes kept inline, with multi-byte characters across that edge,
    /// escapes and nesting, read from text and from bytes: each field's text is exactly the
    /// value's text in the page, and a string decodes to what serde_json reads.
    #[test]
    fn fields_keep_hostile_text_exactly_at_every_length() {
        let values = [
            r#""""#.to_owned(),
            format!(r#""{}""#, "a".repeat(22)),
            format!(r#""{}""#, "a".repeat(23)),
            format!(r#""{}é""#, "a".repeat(21)),
            format!(r#""{}€""#, "a".repeat(21)),
            format!(r#""{}😀""#, "b".repeat(20)),
            r#""\u00e9\\\"${PASSWORD}'\t""#.to_owned(),
            r#"{"k":[1,"x€",null],"m":{"a":"\n"}}"#.to_owned(),
            "-1.2345678901234567890123E+300".to_owned(),
            "[]".to_owned(),
        ];
        let page = format!("[{}]", values.join(" , "));
        let from_text: Vec<Field> = serde_json::from_str(&page).unwrap();
        let from_bytes: Vec<Field> = serde_json::from_slice(page.as_bytes()).unwrap();
        for (i, value) in values.iter().enumerate() {
            assert_eq!(from_text[i].json(), value);
            assert_eq!(from_bytes[i].json(), value);
            assert_eq!(Field::from_json(value).unwrap().json(), value);
            let decoded: Value = serde_json::from_str(value).unwrap();
            assert_eq!(from_text[i].value(), decoded);
            if let Value::String(s) = &decoded {
                assert_eq!(from_text[i].as_str().as_deref(), Some(s.as_str()));
            }
        }
        assert!(Field::from_json("1 2").is_err());
        assert!(serde_json::from_str::<Field>("[1,").is_err());
    }
}
