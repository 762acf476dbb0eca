//! `flink-sql check`: findings about a script before it runs. `lint` reads the SQL alone (no
//! gateway); `live` validates it in a throwaway session (EXPLAIN, never a job) and reads the
//! planner's advice; `registry` compares Avro tables with the schema registry. Each produces
//! `Finding`s at `file:line:col`; `render::check` writes them.

pub mod ddl;
pub mod lint;
pub mod live;
pub mod registry;
pub mod upgrade;

use std::sync::Arc;

use serde::Serialize;

use crate::script::Pos;

/// How much a finding matters: an error fails the check, a warning only under `--strict`, a note
/// never (what could not be validated, and why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding, already free of secrets (messages name keys, never values of secret options).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule's id, e.g. `FS004` (`allow(…)` takes the id or the name).
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    #[serde(serialize_with = "as_str")]
    pub file: Arc<str>,
    #[serde(flatten)]
    pub pos: PosOut,
    pub message: String,
    /// How to fix it, when there is one thing to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// A position as JSON `line`/`column`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PosOut {
    pub line: usize,
    pub column: usize,
}

impl From<Pos> for PosOut {
    fn from(p: Pos) -> Self {
        PosOut {
            line: p.line,
            column: p.column,
        }
    }
}

fn as_str<S: serde::Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

impl Finding {
    pub fn new(rule: &Rule, file: &Arc<str>, pos: Pos, message: impl Into<String>) -> Finding {
        Finding {
            rule: rule.id,
            name: rule.name,
            severity: rule.severity,
            file: file.clone(),
            pos: pos.into(),
            message: message.into(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn position(&self) -> Pos {
        Pos {
            line: self.pos.line,
            column: self.pos.column,
        }
    }

    /// Whether this finding fails the check.
    pub fn fails(&self, strict: bool) -> bool {
        match self.severity {
            Severity::Error => true,
            Severity::Warning => strict,
            Severity::Note => false,
        }
    }
}

/// A rule: its id, name, severity, the one-line reason and the documented fix (the README's
/// rules table is checked against this list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub reason: &'static str,
    pub fix: &'static str,
}

/// Every rule check can report, lint first: SARIF describes them all.
pub fn all_rules() -> Vec<Rule> {
    [lint::RULES, live::RULES, registry::RULES, upgrade::RULES].concat()
}
