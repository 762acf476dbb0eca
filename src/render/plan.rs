//! The `--dry-run` plan: every statement with its kind, location and substituted SQL, secrets
//! masked; and the warning when one session would create the same name twice.
//!
//! table/plain/csv print readable text that is itself a valid script (each statement under a
//! `-- [i/n] kind file:line:col` comment); json prints `{"statements":[{…}]}` and ndjson one
//! `{"event":"plan",…}` line per statement, each with `index`, `file`, `line`, `column`, `kind`, `sql`.

use std::collections::HashMap;
use std::io::{self, Write};

use super::json::write_statement_fields;
use crate::cli::Format;
use crate::script::lex::{Lexer, Token, TokenKind};
use crate::script::{Pos, Statement};
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

/// A `CREATE` of a name that an earlier statement of the same session already created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// What is created, as written in the statement: `TABLE orders`, `TEMPORARY VIEW v`.
    pub what: String,
    /// Where the second `CREATE` is, and the first.
    pub at: (String, Pos),
    pub first: (String, Pos),
    /// `IF NOT EXISTS`: the second does nothing and the session keeps the first definition.
    pub if_not_exists: bool,
}

/// Every `CREATE` in `session` of a name created earlier in it and not dropped since. Names are
/// resolved as Flink does: against the current catalog and database (`USE` followed), table and
/// view names as written (case-sensitive), function names ignoring case. `CREATE OR REPLACE` and
/// `REPLACE TABLE` replace and are fine; temporary objects have their own namespace.
pub fn duplicates(session: &[Statement]) -> Vec<Duplicate> {
    let mut names = Names::default();
    session.iter().filter_map(|stmt| names.see(stmt)).collect()
}

/// Writes one warning per duplicate to stderr; `files` says the inputs share one session.
pub fn write_duplicates(dups: &[Duplicate], shared: bool, err: &mut dyn Write) -> io::Result<()> {
    for d in dups {
        let (file, pos) = &d.at;
        let (first_file, first) = &d.first;
        let here = format!("{file}:{}:{}", pos.line, pos.column);
        let there = format!("{first_file}:{}:{}", first.line, first.column);
        let effect = if d.if_not_exists {
            "does nothing: this session keeps the definition from"
        } else {
            "fails with 'already exists': this session already created it at"
        };
        write!(err, "warning: {here}: CREATE {} {effect} {there}", d.what)?;
        if shared && file != first_file {
            write!(
                err,
                " (the files share one session; --session-per-file runs each in its own)"
            )?;
        }
        writeln!(err)?;
    }
    Ok(())
}

/// What one session has created so far, by namespace and resolved name.
struct Names {
    catalog: String,
    database: String,
    created: HashMap<(Space, Vec<String>), (String, Pos)>,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            catalog: "default_catalog".into(),
            database: "default_database".into(),
            created: HashMap::new(),
        }
    }
}

/// Flink keeps these apart: a temporary table may shadow a permanent one, functions are not tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Space {
    Table,
    TemporaryTable,
    Function,
    TemporaryFunction,
    TemporarySystemFunction,
    Catalog,
    Database,
}

/// A `CREATE`, `DROP` or `USE` as far as names go.
#[derive(Debug, Default)]
struct Ddl {
    verb: String,
    or_replace: bool,
    temporary: bool,
    system: bool,
    object: String,
    if_clause: bool,
    name: Vec<String>,
}

impl Names {
    fn see(&mut self, stmt: &Statement) -> Option<Duplicate> {
        let ddl = parse_ddl(&stmt.sql)?;
        match ddl.verb.as_str() {
            "USE" => {
                self.use_(&ddl);
                None
            }
            "DROP" => {
                let key = self.key(&ddl)?;
                self.created.remove(&key);
                None
            }
            _ => self.create(&ddl, stmt),
        }
    }

    fn use_(&mut self, ddl: &Ddl) {
        match (ddl.object.as_str(), ddl.name.as_slice()) {
            ("CATALOG", [catalog]) => {
                self.catalog = catalog.clone();
                // The catalog's own default database: unknown here, but distinct.
                self.database = String::new();
            }
            ("", [database]) => self.database = database.clone(),
            ("", [catalog, database]) => {
                self.catalog = catalog.clone();
                self.database = database.clone();
            }
            _ => {}
        }
    }

    fn create(&mut self, ddl: &Ddl, stmt: &Statement) -> Option<Duplicate> {
        let key = self.key(ddl)?;
        let here = (stmt.file.to_string(), stmt.pos);
        if ddl.or_replace {
            self.created.insert(key, here);
            return None;
        }
        let first = self.created.get(&key).cloned();
        let Some(first) = first else {
            self.created.insert(key, here);
            return None;
        };
        let temporary = if ddl.temporary { "TEMPORARY " } else { "" };
        Some(Duplicate {
            what: format!("{temporary}{} {}", ddl.object, ddl.name.join(".")),
            at: here,
            first,
            if_not_exists: ddl.if_clause,
        })
    }

    /// The namespace and full name a statement's object resolves to.
    fn key(&self, ddl: &Ddl) -> Option<(Space, Vec<String>)> {
        let space = match (ddl.object.as_str(), ddl.temporary, ddl.system) {
            ("TABLE" | "VIEW", false, _) => Space::Table,
            ("TABLE" | "VIEW", true, _) => Space::TemporaryTable,
            ("FUNCTION", true, true) => Space::TemporarySystemFunction,
            ("FUNCTION", true, false) => Space::TemporaryFunction,
            ("FUNCTION", false, _) => Space::Function,
            ("CATALOG", ..) => Space::Catalog,
            ("DATABASE", ..) => Space::Database,
            _ => return None,
        };
        let mut name = match (space, ddl.name.as_slice()) {
            (Space::Catalog | Space::TemporarySystemFunction, [n]) => vec![n.clone()],
            (Space::Database, [d]) => vec![self.catalog.clone(), d.clone()],
            (Space::Database, [_, _]) => ddl.name.clone(),
            (_, [n]) => vec![self.catalog.clone(), self.database.clone(), n.clone()],
            (_, [d, n]) => vec![self.catalog.clone(), d.clone(), n.clone()],
            (_, [_, _, _]) => ddl.name.clone(),
            _ => return None,
        };
        let functions = [
            Space::Function,
            Space::TemporaryFunction,
            Space::TemporarySystemFunction,
        ];
        if functions.contains(&space) {
            // Flink normalizes function names (not their catalog or database) to lower case.
            if let Some(last) = name.last_mut() {
                *last = last.to_lowercase();
            }
        }
        Some((space, name))
    }
}

/// Reads `CREATE [OR REPLACE] [TEMPORARY [SYSTEM]] [MATERIALIZED] TABLE|VIEW|FUNCTION|CATALOG|
/// DATABASE [IF NOT EXISTS] name`, the same for `DROP … [IF EXISTS]`, `REPLACE TABLE name`, and
/// `USE [CATALOG] name`. Anything else is `None`.
fn parse_ddl(sql: &str) -> Option<Ddl> {
    let tokens: Vec<Token> = Lexer::new(sql)
        .map_while(Result::ok)
        .filter(|t| !t.is_comment())
        .collect();
    let word = |i: usize| {
        let t = tokens.get(i)?;
        (t.kind == TokenKind::Word).then(|| t.text(sql).to_ascii_uppercase())
    };
    let mut ddl = Ddl {
        verb: word(0)?,
        ..Ddl::default()
    };
    match ddl.verb.as_str() {
        "CREATE" | "DROP" | "USE" => {}
        "REPLACE" => {
            ddl.verb = "CREATE".into();
            ddl.or_replace = true;
        }
        _ => return None,
    }
    let mut i = 1;
    while let Some(w) = word(i) {
        match w.as_str() {
            "OR" | "REPLACE" if ddl.verb == "CREATE" && ddl.object.is_empty() => {
                ddl.or_replace |= w == "REPLACE";
            }
            "TEMPORARY" if ddl.object.is_empty() => ddl.temporary = true,
            "SYSTEM" if ddl.object.is_empty() => ddl.system = true,
            "MATERIALIZED" if ddl.object.is_empty() => {}
            "TABLE" | "VIEW" | "FUNCTION" | "CATALOG" | "DATABASE" if ddl.object.is_empty() => {
                ddl.object = w;
            }
            "IF" if !ddl.object.is_empty() && ddl.verb != "USE" => {
                ddl.if_clause = true;
                i += 1;
                while word(i).is_some_and(|w| w == "NOT" || w == "EXISTS") {
                    i += 1;
                }
                break;
            }
            "MODULES" if ddl.verb == "USE" => return None,
            _ if ddl.verb == "USE" || !ddl.object.is_empty() => break,
            _ => return None,
        }
        i += 1;
    }
    if ddl.verb != "USE" && ddl.object.is_empty() {
        return None;
    }
    ddl.name = identifier(&tokens[i.min(tokens.len())..], sql)?;
    Some(ddl)
}

/// A possibly qualified identifier: parts separated by `.`, back-ticks and double quotes removed.
fn identifier(tokens: &[Token], sql: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    for t in tokens {
        let text = t.text(sql);
        match t.kind {
            TokenKind::Word | TokenKind::Placeholder if parts.len() % 2 == 0 => {
                parts.push(text.to_owned());
            }
            TokenKind::BacktickIdent if parts.len() % 2 == 0 => {
                parts.push(text[1..text.len() - 1].replace("``", "`"));
            }
            TokenKind::QuotedIdent if parts.len() % 2 == 0 => {
                parts.push(text[1..text.len() - 1].replace("\"\"", "\""));
            }
            TokenKind::Other if text == "." && parts.len() % 2 == 1 => parts.push(String::new()),
            _ => break,
        }
    }
    if parts.len() % 2 == 0 {
        return None;
    }
    Some(parts.into_iter().step_by(2).collect())
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

    /// Statements from files: each `(file, sql)` at line 1.
    fn session(files: &[(&str, &str)]) -> Vec<Statement> {
        files
            .iter()
            .enumerate()
            .map(|(i, (file, sql))| {
                let mut s = stmt(i + 1, Kind::of(sql), sql);
                s.file = (*file).into();
                s.pos = crate::script::Pos { line: 1, column: 1 };
                s
            })
            .collect()
    }

    fn found(files: &[(&str, &str)]) -> Vec<String> {
        duplicates(&session(files))
            .iter()
            .map(|d| format!("{} {}<{} {}", d.what, d.at.0, d.first.0, d.if_not_exists))
            .collect()
    }

    #[test]
    fn the_same_table_in_two_files_of_one_session_is_found() {
        let found = found(&[
            (
                "a.sql",
                "CREATE TABLE orders (id INT) WITH ('connector' = 'datagen')",
            ),
            ("b.sql", "-- again\ncreate table orders (id INT)"),
        ]);
        assert_eq!(found, ["TABLE orders b.sql<a.sql false"]);
    }

    #[test]
    fn names_resolve_against_the_current_catalog_and_database() {
        let found = found(&[
            ("a.sql", "CREATE TABLE orders (id INT)"),
            (
                "b.sql",
                "CREATE TABLE default_catalog.default_database.`orders` (id INT)",
            ),
            ("c.sql", "CREATE TABLE default_database.orders2 (id INT)"),
            ("d.sql", "USE other_db"),
            ("e.sql", "CREATE TABLE orders2 (id INT)"),
            ("f.sql", "CREATE VIEW other_db.orders2 AS SELECT 1"),
        ]);
        assert_eq!(
            found,
            [
                "TABLE default_catalog.default_database.orders b.sql<a.sql false",
                "VIEW other_db.orders2 f.sql<e.sql false"
            ]
        );
    }

    #[test]
    fn table_names_are_case_sensitive_and_function_names_are_not() {
        let found = found(&[
            ("a.sql", "CREATE TABLE orders (id INT)"),
            ("b.sql", "CREATE TABLE Orders (id INT)"),
            ("c.sql", "CREATE FUNCTION parse AS 'com.x.Parse'"),
            ("d.sql", "CREATE FUNCTION PARSE AS 'com.x.Parse'"),
        ]);
        assert_eq!(found, ["FUNCTION PARSE d.sql<c.sql false"]);
    }

    #[test]
    fn if_not_exists_is_reported_as_keeping_the_first_definition() {
        let found = found(&[
            ("a.sql", "CREATE TABLE IF NOT EXISTS orders (id INT)"),
            ("b.sql", "CREATE TABLE IF NOT EXISTS orders (id BIGINT)"),
        ]);
        assert_eq!(found, ["TABLE orders b.sql<a.sql true"]);
    }

    #[test]
    fn or_replace_drop_and_temporary_are_considered() {
        let found = found(&[
            ("a.sql", "CREATE TABLE orders (id INT)"),
            ("b.sql", "CREATE OR REPLACE TABLE orders AS SELECT 1"),
            ("c.sql", "CREATE TEMPORARY TABLE orders (id INT)"),
            ("d.sql", "DROP TABLE IF EXISTS orders"),
            ("e.sql", "CREATE TABLE orders (id INT)"),
            ("f.sql", "CREATE TEMPORARY VIEW orders AS SELECT 1"),
            ("g.sql", "CREATE TEMPORARY SYSTEM FUNCTION f AS 'x'"),
            ("h.sql", "CREATE TEMPORARY FUNCTION f AS 'x'"),
            (
                "i.sql",
                "CREATE CATALOG c WITH ('type' = 'generic_in_memory')",
            ),
            ("j.sql", "CREATE DATABASE IF NOT EXISTS c.d"),
            ("k.sql", "USE CATALOG c"),
            ("l.sql", "CREATE TABLE orders (id INT)"),
        ]);
        assert_eq!(found, ["TEMPORARY VIEW orders f.sql<c.sql false"]);
    }

    #[test]
    fn statements_that_create_nothing_are_ignored() {
        let found = found(&[
            ("a.sql", "SELECT * FROM orders"),
            ("b.sql", "INSERT INTO orders SELECT 1"),
            ("c.sql", "USE MODULES core"),
            ("d.sql", "CREATE"),
            ("e.sql", "ALTER TABLE orders SET ('k' = 'v')"),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn the_warning_names_both_places_and_the_flag_when_files_share_a_session() {
        let dups = duplicates(&session(&[
            ("a.sql", "CREATE TABLE orders (id INT)"),
            ("b.sql", "CREATE TABLE orders (id INT)"),
        ]));
        let mut out = Vec::new();
        write_duplicates(&dups, true, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "warning: b.sql:1:1: CREATE TABLE orders fails with 'already exists': this session \
             already created it at a.sql:1:1 (the files share one session; --session-per-file \
             runs each in its own)\n"
        );
    }
}
