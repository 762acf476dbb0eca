//! Error messages on stderr: `file:line:col: error: message`, a caret excerpt of the source line,
//! and the full server trace under `-v`.

use std::io::{self, Write};

use crate::model::{Outcome, Status};
use crate::script::{Pos, Statement};
use crate::secrets::Redactor;

/// The one-line message of a statement that did not succeed (`None` when it did).
pub fn message(outcome: &Outcome) -> Option<String> {
    if let Some(failure) = &outcome.failure {
        return Some(failure.message.clone());
    }
    match outcome.status {
        Status::Failed => Some("statement failed".into()),
        Status::TimedOut => Some(format!(
            "timed out after {}",
            super::summary::human(outcome.elapsed)
        )),
        Status::Interrupted => Some("interrupted".into()),
        Status::Ok | Status::Skipped => None,
    }
}

/// Where an error points: Flink's position mapped to the file, else the statement's start.
pub fn position(stmt: &Statement, outcome: &Outcome) -> (Pos, bool) {
    match outcome.failure.as_ref().and_then(|f| f.pos) {
        Some(pos) => (pos, true),
        None => (stmt.pos, false),
    }
}

/// Writes the error block of a failed statement; nothing for one that succeeded.
pub fn write_error(
    w: &mut impl Write,
    stmt: &Statement,
    outcome: &Outcome,
    verbose: bool,
    redactor: &Redactor,
) -> io::Result<()> {
    let Some(message) = message(outcome) else {
        return Ok(());
    };
    let (pos, exact) = position(stmt, outcome);
    writeln!(
        w,
        "{}:{}:{}: error: {}",
        stmt.file,
        pos.line,
        pos.column,
        redactor.redact(&message)
    )?;
    write_excerpt(w, stmt, pos, exact, redactor)?;
    let detail = outcome.failure.as_ref().and_then(|f| f.detail.as_deref());
    if let (true, Some(detail)) = (verbose, detail) {
        writeln!(w, "  full trace:")?;
        for line in redactor.redact(detail).lines() {
            writeln!(w, "    {line}")?;
        }
    }
    Ok(())
}

/// The source line `pos` is on (from the statement's own text) with a caret under `pos` when the
/// position is exact. Nothing when `pos` lies outside the statement.
fn write_excerpt(
    w: &mut impl Write,
    stmt: &Statement,
    pos: Pos,
    exact: bool,
    redactor: &Redactor,
) -> io::Result<()> {
    let Some(offset) = pos.line.checked_sub(stmt.pos.line) else {
        return Ok(());
    };
    let Some(line) = stmt.text.lines().nth(offset) else {
        return Ok(());
    };
    // The statement's first line starts at its own column, not at column 1.
    let first_column = if offset == 0 { stmt.pos.column } else { 1 };
    let caret = (exact && pos.column >= first_column).then(|| pos.column - first_column + 1);
    write_excerpt_line(w, Some(pos.line), &redactor.redact(line), caret)
}

/// ```text
///    |
/// 15 | FROM ordrs
///    |      ^
/// ```
/// The line number is left out when unknown; the caret sits under character `caret` (1-based) of
/// `text`, tabs copied so that it lines up.
pub fn write_excerpt_line(
    w: &mut impl Write,
    line: Option<usize>,
    text: &str,
    caret: Option<usize>,
) -> io::Result<()> {
    let number = line.map(|n| n.to_string()).unwrap_or_default();
    let gutter = " ".repeat(number.len());
    let text = text.trim_end_matches(['\r', '\n']);
    writeln!(w, "{gutter} |")?;
    writeln!(w, "{number} | {text}")?;
    if let Some(caret) = caret {
        let before: String = text
            .chars()
            .take(caret.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(w, "{gutter} | {before}^")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::script::Kind;

    fn render(stmt: &Statement, outcome: &Outcome, verbose: bool) -> String {
        let mut out = Vec::new();
        let (redactor, _) = Redactor::new(["hunter22"]);
        write_error(&mut out, stmt, outcome, verbose, &redactor).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn an_error_points_at_its_line_and_column_with_a_caret() {
        let mut s = stmt(1, Kind::Query, "SELECT *\n\tFROM ordrs\nWHERE x = 1");
        s.pos = Pos {
            line: 14,
            column: 5,
        };
        let outcome = failed(
            3,
            "Object 'ordrs' not found",
            Some(Pos {
                line: 15,
                column: 7,
            }),
            Some("trace"),
        );
        assert_eq!(
            render(&s, &outcome, false),
            "sql/orders.sql:15:7: error: Object 'ordrs' not found\n   |\n15 | \tFROM ordrs\n   | \t     ^\n"
        );
    }

    #[test]
    fn the_first_line_counts_columns_from_the_statement_start() {
        let mut s = stmt(1, Kind::Query, "SELECT nope FROM t");
        s.pos = Pos {
            line: 3,
            column: 10,
        };
        let outcome = failed(
            3,
            "Column 'nope' not found",
            Some(Pos {
                line: 3,
                column: 17,
            }),
            None,
        );
        assert_eq!(
            render(&s, &outcome, false),
            "sql/orders.sql:3:17: error: Column 'nope' not found\n  |\n3 | SELECT nope FROM t\n  |        ^\n"
        );
    }

    #[test]
    fn without_a_position_the_statement_start_is_shown_without_caret() {
        let s = stmt(2, Kind::Insert, "INSERT INTO t\nSELECT 'hunter22'");
        let outcome = failed(
            3,
            "Job failed: hunter22 rejected",
            None,
            Some("Caused by: x\n\tat hunter22"),
        );
        assert_eq!(
            render(&s, &outcome, true),
            "sql/orders.sql:20:1: error: Job failed: *** rejected\n   |\n20 | INSERT INTO t\n  full trace:\n    Caused by: x\n    \tat ***\n"
        );
    }

    #[test]
    fn an_input_error_excerpt_has_no_line_number() {
        let mut out = Vec::new();
        crate::render::write_excerpt(&mut out, "SELECT ${X", 8).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            " |\n | SELECT ${X\n |        ^\n"
        );
    }

    #[test]
    fn timeouts_without_a_failure_still_say_what_happened() {
        let s = stmt(1, Kind::Insert, "INSERT …");
        let outcome = Outcome::new(Status::TimedOut, std::time::Duration::from_secs(600));
        assert!(render(&s, &outcome, false)
            .starts_with("sql/orders.sql:10:1: error: timed out after 10m 00s\n"));
        assert_eq!(render(&s, &ok(1, 0), false), "");
    }
}
