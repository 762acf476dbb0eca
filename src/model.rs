//! What a run produces: columns, rows, statement outcomes and the run summary. Plain data.

use std::time::Duration;

use crate::script::Pos;

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

/// One row; `fields` keep the gateway's JSON values (numbers keep their exact text).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub kind: RowKind,
    pub fields: Vec<serde_json::Value>,
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
}
