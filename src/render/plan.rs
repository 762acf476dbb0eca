//! The `--dry-run` plan: every statement with its kind, location and substituted SQL, secrets masked.
//!
//! table/plain/csv print readable text that is itself a valid script (each statement under a
//! `-- [i/n] kind file:line:col` comment); json prints `{"statements":[{…}]}` and ndjson one
//! `{"event":"plan",…}` line per statement, each with `index`, `file`, `line`, `column`, `kind`, `sql`.

use std::io::{self, Write};

use super::json::write_statement_fields;
use crate::cli::Format;
use crate::script::Statement;
use crate::secrets::Redactor;

pub fn write(
    format: Format,
    statements: &[Statement],
    redactor: &Redactor,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table | Format::Plain | Format::Csv => write_text(statements, redactor, out),
        Format::Json => write_json(statements, redactor, out),
        Format::Ndjson => write_ndjson(statements, redactor, out),
    }?;
    out.flush()
}

fn write_text(
    statements: &[Statement],
    redactor: &Redactor,
    out: &mut dyn Write,
) -> io::Result<()> {
    let total = statements.len();
    for (i, stmt) in statements.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "-- [{}/{total}] {} {}",
            stmt.index,
            stmt.kind.as_str(),
            super::location(stmt)
        )?;
        writeln!(out, "{};", redactor.redact(&stmt.sql))?;
    }
    Ok(())
}

fn write_json(
    statements: &[Statement],
    redactor: &Redactor,
    mut out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(b"{\"statements\":[")?;
    for (i, stmt) in statements.iter().enumerate() {
        write!(
            out,
            "{}\n{{\"index\":{},",
            if i > 0 { "," } else { "" },
            stmt.index
        )?;
        write_statement_fields(&mut out, stmt, redactor)?;
        out.write_all(b"}")?;
    }
    out.write_all(if statements.is_empty() {
        b"]}\n"
    } else {
        b"\n]}\n"
    })
}

fn write_ndjson(
    statements: &[Statement],
    redactor: &Redactor,
    mut out: &mut dyn Write,
) -> io::Result<()> {
    for stmt in statements {
        write!(out, "{{\"event\":\"plan\",\"index\":{},", stmt.index)?;
        write_statement_fields(&mut out, stmt, redactor)?;
        out.write_all(b"}\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::script::Kind;
    use serde_json::{json, Value};

    fn statements() -> Vec<Statement> {
        vec![
            stmt(
                1,
                Kind::Ddl,
                "CREATE TABLE t (x INT) WITH (\n  'password' = 'hunter22'\n)",
            ),
            stmt(2, Kind::Query, "SELECT \"a\" FROM t"),
        ]
    }

    fn render(format: Format) -> String {
        let (redactor, _) = Redactor::new(["hunter22"]);
        let mut out = Vec::new();
        write(format, &statements(), &redactor, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_text_plan_is_a_readable_script() {
        let expected = "\
-- [1/2] ddl sql/orders.sql:10:1
CREATE TABLE t (x INT) WITH (
  'password' = '***'
);

-- [2/2] query sql/orders.sql:20:1
SELECT \"a\" FROM t;
";
        for format in [Format::Table, Format::Plain, Format::Csv] {
            assert_eq!(render(format), expected);
        }
    }

    #[test]
    fn the_json_plan_has_one_entry_per_statement() {
        let doc: Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(
            doc,
            json!({"statements": [
                {"index": 1, "file": "sql/orders.sql", "line": 10, "column": 1, "kind": "ddl",
                 "sql": "CREATE TABLE t (x INT) WITH (\n  'password' = '***'\n)"},
                {"index": 2, "file": "sql/orders.sql", "line": 20, "column": 1, "kind": "query", "sql": "SELECT \"a\" FROM t"}
            ]})
        );
        let empty: Value = {
            let mut out = Vec::new();
            write(Format::Json, &[], &Redactor::default(), &mut out).unwrap();
            serde_json::from_slice(&out).unwrap()
        };
        assert_eq!(empty, json!({"statements": []}));
    }

    #[test]
    fn the_ndjson_plan_is_one_line_per_statement() {
        let text = render(Format::Ndjson);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            json!({"event": "plan", "index": 1, "file": "sql/orders.sql", "line": 10, "column": 1, "kind": "ddl",
                   "sql": "CREATE TABLE t (x INT) WITH (\n  'password' = '***'\n)"})
        );
        assert_eq!(lines[1]["kind"], "query");
        assert!(!text.contains("hunter22"));
    }
}
