//! GitHub Actions workflow commands: a failed statement as an `::error file=…,line=…,col=…::message`
//! line, so the failure is annotated on the SQL file in the pull request.
//!
//! Escaping follows GitHub's rules for workflow commands: in the message `%`, CR and LF become
//! `%25`, `%0D`, `%0A`; in property values `:` and `,` also become `%3A`, `%2C`.

use std::io::{self, Write};

use crate::model::Outcome;
use crate::script::Statement;
use crate::secrets::Redactor;

/// Writes the annotation for a statement that did not succeed; nothing for one that did. Sources
/// that are not files (`<stdin>`, `<command-line 1>`) get no file property, their location goes
/// into the message instead.
pub fn write_error(
    w: &mut impl Write,
    stmt: &Statement,
    outcome: &Outcome,
    redactor: &Redactor,
) -> io::Result<()> {
    let Some(message) = super::diagnostic::message(outcome) else {
        return Ok(());
    };
    let (pos, _) = super::diagnostic::position(stmt, outcome);
    let message = redactor.redact(&message);
    if stmt.file.starts_with('<') {
        let located = format!("{}:{}:{}: {message}", stmt.file, pos.line, pos.column);
        return writeln!(w, "::error::{}", escape_data(&located));
    }
    let file = escape_property(&stmt.file);
    writeln!(
        w,
        "::error file={file},line={},col={}::{}",
        pos.line,
        pos.column,
        escape_data(&message)
    )
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::script::{Kind, Pos};

    fn render(stmt: &Statement, outcome: &Outcome) -> String {
        let mut out = Vec::new();
        let (redactor, _) = Redactor::new(["hunter22"]);
        write_error(&mut out, stmt, outcome, &redactor).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_failure_is_an_error_command_on_its_file_and_line() {
        let outcome = failed(
            1,
            "Object 'x' not found",
            Some(Pos {
                line: 12,
                column: 8,
            }),
            None,
        );
        assert_eq!(
            render(&stmt(1, Kind::Query, "SELECT …"), &outcome),
            "::error file=sql/orders.sql,line=12,col=8::Object 'x' not found\n"
        );
        assert_eq!(render(&stmt(1, Kind::Query, "SELECT …"), &ok(1, 0)), "");
    }

    #[test]
    fn messages_and_properties_are_escaped() {
        let mut s = stmt(1, Kind::Query, "SELECT …");
        s.file = std::sync::Arc::from("dir,1/a:b.sql");
        let outcome = failed(1, "100% wrong\r\nsecond line: hunter22", None, None);
        assert_eq!(
            render(&s, &outcome),
            "::error file=dir%2C1/a%3Ab.sql,line=10,col=1::100%25 wrong%0D%0Asecond line: ***\n"
        );
        assert_eq!(escape_data("a%0A"), "a%250A");
    }

    #[test]
    fn sources_that_are_not_files_carry_their_location_in_the_message() {
        let mut s = stmt(1, Kind::Query, "SELECT …");
        s.file = std::sync::Arc::from("<command-line 1>");
        assert_eq!(
            render(&s, &failed(1, "bad", None, None)),
            "::error::<command-line 1>:10:1: bad\n"
        );
    }
}
