//! Error messages on stderr: `file:line:col: error: message`, a caret excerpt of the source line,
//! and the full server trace under `-v`; input problems (exit 2) grouped by message.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::Arc;

use crate::model::{Outcome, Status};
use crate::script::{self, Diagnostic, Pos, Source, Statement};
use crate::secrets::Redactor;

/// The most characters of a source line an excerpt shows: a window around the caret, so that an
/// error on a minified 100 KB line does not print the whole line.
pub const EXCERPT_CHARS: usize = 120;

/// A problem in more places than this is shown once, with its count; up to this many are each
/// shown with their excerpt.
pub const GROUP_AFTER: usize = 3;

/// How many further places a grouped input problem lists before "and N more".
const LISTED_PLACES: usize = 3;

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
    let Some(line) = script::line(&stmt.text, offset + 1) else {
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
/// `text`, tabs copied so that it lines up. A line longer than [`EXCERPT_CHARS`] is cut to a
/// window around the caret, with `…` where text was left out.
pub fn write_excerpt_line(
    w: &mut impl Write,
    line: Option<usize>,
    text: &str,
    caret: Option<usize>,
) -> io::Result<()> {
    let number = line.map(|n| n.to_string()).unwrap_or_default();
    let gutter = " ".repeat(number.len());
    let (text, caret) = window(text.trim_end_matches(['\r', '\n']), caret);
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

/// At most [`EXCERPT_CHARS`] characters of `text` around `caret` (the start without one), and
/// the caret's place in what is kept.
fn window(text: &str, caret: Option<usize>) -> (std::borrow::Cow<'_, str>, Option<usize>) {
    // Cheap test first: a line of fewer bytes than the cap has fewer characters too.
    if text.len() <= EXCERPT_CHARS || text.chars().count() <= EXCERPT_CHARS {
        return (text.into(), caret);
    }
    let want = caret.unwrap_or(1).saturating_sub(1);
    let skip = want.saturating_sub(EXCERPT_CHARS / 2);
    let mut kept = String::with_capacity(EXCERPT_CHARS * 4 + 6);
    if skip > 0 {
        kept.push('…');
    }
    let mut chars = text.chars().skip(skip);
    kept.extend(chars.by_ref().take(EXCERPT_CHARS));
    if chars.next().is_some() {
        kept.push('…');
    }
    let shift = usize::from(skip > 0);
    (kept.into(), caret.map(|c| c - skip + shift))
}

/// Writes the input problems found before anything was sent, in order, then a count. A problem
/// repeated more than [`GROUP_AFTER`] times (the same message in the same file: one unset
/// variable used 20,000 times on a minified line) is one entry at its first place, with how many
/// places there are and a few more of them. Source lines are masked before they are cut, so a
/// cut never leaves half a secret.
pub fn write_input_problems(
    w: &mut impl Write,
    diagnostics: &[Diagnostic],
    sources: &[Source],
    redactor: &Redactor,
) -> io::Result<()> {
    let (entries, places) = write_problem_entries(w, diagnostics, sources, redactor)?;
    let plural = if entries == 1 { "" } else { "s" };
    writeln!(
        w,
        "{entries} problem{plural} found{places}; nothing was sent to the gateway"
    )
}

/// The entries of `write_input_problems` without its closing line (a pipe says itself what was
/// sent): how many entries, and ` in N places` when grouping folded some.
pub fn write_problem_entries(
    w: &mut impl Write,
    diagnostics: &[Diagnostic],
    sources: &[Source],
    redactor: &Redactor,
) -> io::Result<(usize, String)> {
    let places = places_by_problem(diagnostics);
    let mut entries = 0;
    let mut grouped = HashSet::new();
    for d in diagnostics {
        let same = &places[&(&d.file, &d.message)];
        let also = match same.len() > GROUP_AFTER {
            false => String::new(),
            true if grouped.insert((&d.file, &d.message)) => also_at(same),
            true => continue,
        };
        entries += 1;
        writeln!(w, "error: {d}{also}")?;
        let source = sources.iter().find(|s| s.name == d.file);
        if let Some(line) = source.and_then(|s| script::line(&s.text, d.pos.line)) {
            write_excerpt_line(w, None, &redactor.redact(line), Some(d.pos.column))?;
        }
    }
    let total = diagnostics.len();
    let places = match total > entries {
        true => format!(" in {total} places"),
        false => String::new(),
    };
    Ok((entries, places))
}

type Problem<'a> = (&'a Arc<str>, &'a String);

/// Every place of each problem (file and message).
fn places_by_problem(diagnostics: &[Diagnostic]) -> HashMap<Problem<'_>, Vec<&Diagnostic>> {
    let mut places: HashMap<Problem<'_>, Vec<&Diagnostic>> = HashMap::new();
    for d in diagnostics {
        places.entry((&d.file, &d.message)).or_default().push(d);
    }
    places
}

/// ` (20000 places; also at 1:12, 1:19, 1:26 and 19996 more)`, or nothing for one place.
fn also_at(places: &[&Diagnostic]) -> String {
    if places.len() < 2 {
        return String::new();
    }
    let listed: Vec<String> = places[1..]
        .iter()
        .take(LISTED_PLACES)
        .map(|d| format!("{}:{}", d.pos.line, d.pos.column))
        .collect();
    let more = places.len() - 1 - listed.len();
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        " ({} places; also at {}{more})",
        places.len(),
        listed.join(", ")
    )
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

    fn source(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    fn problems(diagnostics: &[Diagnostic], sources: &[Source], redactor: &Redactor) -> String {
        let mut out = Vec::new();
        write_input_problems(&mut out, diagnostics, sources, redactor).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_unset_variable_used_everywhere_on_a_long_line_is_one_short_entry() {
        let line = "SELECT ${X}, ".repeat(20_000);
        let sources = [source("f.sql", &line)];
        let vars = crate::profile::Vars::default();
        let diagnostics = crate::script::prepare(&sources, &vars, false).unwrap_err();
        assert_eq!(diagnostics.len(), 20_000);
        let out = problems(&diagnostics, &sources, &Redactor::default());
        assert!(out.len() < 1000, "{} bytes of diagnostics", out.len());
        let first = out.lines().next().unwrap();
        assert_eq!(
            first,
            "error: f.sql:1:8: variable X is not set (20000 places; also at 1:21, 1:34, 1:47 and 19996 more)"
        );
        assert!(out.ends_with("1 problem found in 20000 places; nothing was sent to the gateway\n"));
    }

    #[test]
    fn the_excerpt_of_a_long_line_is_a_window_around_the_column() {
        let line = format!("{}${{X}}{}", "a".repeat(5000), "b".repeat(5000));
        let d = Diagnostic {
            file: "f.sql".into(),
            pos: Pos {
                line: 1,
                column: 5001,
            },
            message: "variable X is not set".into(),
        };
        let out = problems(&[d], &[source("f.sql", &line)], &Redactor::default());
        let lines: Vec<&str> = out.lines().collect();
        let shown = lines[2].strip_prefix(" | ").unwrap();
        assert_eq!(shown.chars().count(), EXCERPT_CHARS + 2, "{shown}");
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        let caret = lines[3].strip_prefix(" | ").unwrap();
        let caret_at = caret.len() - 1;
        assert_eq!(shown.chars().nth(caret_at), Some('$'), "{out}");
    }

    #[test]
    fn a_secret_is_masked_before_the_excerpt_is_cut() {
        let secret = "s3cr3t-value-that-is-long";
        let line = format!("{}'{secret}', ${{X}}", "a".repeat(45));
        let column = line.find('$').unwrap() + 1;
        let d = Diagnostic {
            file: "f.sql".into(),
            pos: Pos { line: 1, column },
            message: "variable X is not set".into(),
        };
        let (redactor, _) = Redactor::new([secret]);
        let long = format!("{line}{}", " ".repeat(500));
        let out = problems(&[d], &[source("f.sql", &long)], &redactor);
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(out.contains("'***'"), "{out}");
    }

    #[test]
    fn a_problem_in_a_few_places_is_shown_at_each_in_order() {
        let sources = [source("f.sql", "SELECT ${A}, ${B},\n ${A}, ${A}")];
        let diagnostics =
            crate::script::prepare(&sources, &crate::profile::Vars::default(), false).unwrap_err();
        let out = problems(&diagnostics, &sources, &Redactor::default());
        let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(
            errors,
            [
                "error: f.sql:1:8: variable A is not set",
                "error: f.sql:1:14: variable B is not set",
                "error: f.sql:2:2: variable A is not set",
                "error: f.sql:2:8: variable A is not set",
            ]
        );
        assert!(
            out.ends_with("\n4 problems found; nothing was sent to the gateway\n"),
            "{out}"
        );
    }

    #[test]
    fn distinct_problems_are_counted_without_places() {
        let sources = [source("f.sql", "SELECT ${A}, ${B}")];
        let diagnostics =
            crate::script::prepare(&sources, &crate::profile::Vars::default(), false).unwrap_err();
        let out = problems(&diagnostics, &sources, &Redactor::default());
        assert!(
            out.contains("error: f.sql:1:8: variable A is not set\n"),
            "{out}"
        );
        assert!(
            out.ends_with("\n2 problems found; nothing was sent to the gateway\n"),
            "{out}"
        );
    }

    #[test]
    fn a_lone_cr_line_ending_gives_the_right_line_and_excerpt() {
        let sources = [source("f.sql", "SELECT 1;\rSELECT\r  ${X};\r")];
        let diagnostics =
            crate::script::prepare(&sources, &crate::profile::Vars::default(), false).unwrap_err();
        let out = problems(&diagnostics, &sources, &Redactor::default());
        assert_eq!(
            out,
            "error: f.sql:3:3: variable X is not set\n |\n |   ${X};\n |   ^\n1 problem found; nothing was sent to the gateway\n"
        );
    }

    #[test]
    fn a_runtime_error_excerpt_splits_lines_at_a_lone_cr() {
        let mut s = stmt(1, Kind::Query, "SELECT *\rFROM ordrs");
        s.pos = Pos { line: 1, column: 1 };
        let outcome = failed(
            3,
            "Object 'ordrs' not found",
            Some(Pos { line: 2, column: 6 }),
            None,
        );
        assert_eq!(
            render(&s, &outcome, false),
            "sql/orders.sql:2:6: error: Object 'ordrs' not found\n  |\n2 | FROM ordrs\n  |      ^\n"
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
