//! What a new session must be told again to stand where a lost one stood: the session-scoped
//! statements already run, in order (SET, RESET, USE, ADD/REMOVE JAR, CREATE TEMPORARY …,
//! CREATE/DROP/ALTER CATALOG, and DDL whose object lives in an in-memory catalog, which dies with
//! the session). Never an INSERT, a query or anything else that may start a job: replaying those
//! would run them twice. DDL in a persistent catalog (Hive, JDBC, …) outlived the session and is
//! not sent again.

use std::collections::BTreeSet;

use crate::script::lex::{Lexer, TokenKind};
use crate::script::{Kind, Statement};

/// The catalog every session starts in; Flink keeps it in memory.
const DEFAULT_CATALOG: &str = "default_catalog";

/// The session-scoped statements a session has run, and which catalog each DDL would land in.
#[derive(Debug, Clone)]
pub struct Journal {
    statements: Vec<Statement>,
    /// The current catalog, as `USE CATALOG` / `USE c.db` left it.
    catalog: String,
    /// Catalogs whose objects live in the session's memory.
    in_memory: BTreeSet<String>,
}

impl Default for Journal {
    fn default() -> Self {
        Journal {
            statements: Vec::new(),
            catalog: DEFAULT_CATALOG.to_owned(),
            in_memory: BTreeSet::from([DEFAULT_CATALOG.to_owned()]),
        }
    }
}

impl Journal {
    /// The statements a new session replays, in the order they ran.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// Whether `stmt` changes only the session (and so is replayed in a new one).
    pub fn keeps(&self, stmt: &Statement) -> bool {
        match stmt.kind {
            Kind::Set | Kind::Reset | Kind::Use | Kind::AddJar => true,
            Kind::Ddl => self.ddl_in_session(&words(&stmt.sql)),
            _ => false,
        }
    }

    /// Notes a statement that succeeded: kept if session-scoped; `USE` and `CREATE/DROP CATALOG`
    /// also move what later DDL is judged by.
    pub fn record(&mut self, stmt: &Statement) {
        if !self.keeps(stmt) {
            return;
        }
        let w = words(&stmt.sql);
        match stmt.kind {
            Kind::Use => self.follow_use(&w),
            Kind::Ddl => self.follow_catalog_ddl(&w),
            _ => {}
        }
        self.statements.push(stmt.clone());
    }

    fn follow_use(&mut self, w: &[Word]) {
        match w {
            [_, c, name, ..] if c.is("CATALOG") => self.catalog = name.text.clone(),
            [_, m, ..] if m.is("MODULES") => {}
            [_, catalog, dot, _, ..] if dot.text == "." => self.catalog = catalog.text.clone(),
            _ => {}
        }
    }

    fn follow_catalog_ddl(&mut self, w: &[Word]) {
        let Some((verb, object, at)) = object_of(w) else {
            return;
        };
        if !object.is("CATALOG") {
            return;
        }
        let Some(name) = w.get(skip_if_exists(w, at)).map(|n| n.text.clone()) else {
            return;
        };
        if verb.is("DROP") {
            self.in_memory.remove(&name);
        } else if verb.is("CREATE") && is_in_memory_type(w) {
            self.in_memory.insert(name);
        }
    }

    /// TEMPORARY objects and catalogs are the session's; other objects are when their catalog
    /// (named in a qualified name, or the current one) keeps them in memory.
    fn ddl_in_session(&self, w: &[Word]) -> bool {
        let Some((_, object, at)) = object_of(w) else {
            return false;
        };
        if w.iter().take(at).any(|x| x.is("TEMPORARY")) || object.is("CATALOG") {
            return true;
        }
        let name = qualified_name(w, skip_if_exists(w, at));
        let parts_with_catalog = if object.is("DATABASE") { 2 } else { 3 };
        let catalog = match name.len() {
            n if n >= parts_with_catalog => name[0].as_str(),
            _ => self.catalog.as_str(),
        };
        self.in_memory.contains(catalog)
    }
}

/// A word of a statement: a keyword or identifier (quotes removed), a string's content, or a
/// run of punctuation.
#[derive(Debug)]
struct Word {
    text: String,
    keyword: bool,
    string: bool,
}

impl Word {
    fn is(&self, keyword: &str) -> bool {
        self.keyword && self.text.eq_ignore_ascii_case(keyword)
    }
}

fn words(sql: &str) -> Vec<Word> {
    Lexer::new(sql)
        .map_while(Result::ok)
        .filter(|t| !t.is_comment())
        .map(|t| {
            let text = match t.content() {
                Some((a, b)) => sql[a..b].to_owned(),
                None => t.text(sql).to_owned(),
            };
            Word {
                text,
                keyword: t.kind == TokenKind::Word,
                string: matches!(t.kind, TokenKind::String | TokenKind::EscapedString),
            }
        })
        .collect()
}

/// `CREATE [OR REPLACE] [TEMPORARY] [SYSTEM] OBJECT …`: the verb, the object keyword and the
/// index just after it.
fn object_of(w: &[Word]) -> Option<(&Word, &Word, usize)> {
    let verb = w.first()?;
    let modifiers = ["OR", "REPLACE", "TEMPORARY", "SYSTEM", "EXTERNAL"];
    let at = w
        .iter()
        .skip(1)
        .position(|x| !modifiers.iter().any(|m| x.is(m)))?
        + 1;
    Some((verb, &w[at], at + 1))
}

/// The index after an optional `IF [NOT] EXISTS` at `at`.
fn skip_if_exists(w: &[Word], at: usize) -> usize {
    match w.get(at..at + 3) {
        Some([i, n, e]) if i.is("IF") && n.is("NOT") && e.is("EXISTS") => at + 3,
        _ => match w.get(at..at + 2) {
            Some([i, e]) if i.is("IF") && e.is("EXISTS") => at + 2,
            _ => at,
        },
    }
}

/// `a.b.c` from `at`: the parts, quotes removed.
fn qualified_name(w: &[Word], mut at: usize) -> Vec<String> {
    let mut parts = Vec::new();
    while let Some(part) = w.get(at).filter(|x| !x.string && x.text != ".") {
        parts.push(part.text.clone());
        match w.get(at + 1) {
            Some(dot) if dot.text == "." => at += 2,
            _ => break,
        }
    }
    parts
}

/// `… WITH ('type' = 'generic_in_memory')`.
fn is_in_memory_type(w: &[Word]) -> bool {
    w.windows(3).any(|x| {
        x[0].string
            && x[0].text.eq_ignore_ascii_case("type")
            && x[1].text == "="
            && x[2].string
            && x[2].text.eq_ignore_ascii_case("generic_in_memory")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{input, prepare};

    fn statements(sql: &str) -> Vec<Statement> {
        let source = input::from_bytes("a.sql", sql.as_bytes().to_vec()).unwrap();
        prepare(&[source], &Default::default(), false).unwrap()
    }

    fn replayed(sql: &str) -> Vec<String> {
        let mut journal = Journal::default();
        for stmt in statements(sql) {
            journal.record(&stmt);
        }
        journal
            .statements()
            .iter()
            .map(|s| s.text.clone())
            .collect()
    }

    #[test]
    fn session_settings_and_in_memory_ddl_are_replayed_inserts_and_queries_never() {
        let kept = replayed(
            "SET 'a' = '1'; RESET 'a'; ADD JAR '/x.jar'; CREATE TABLE t (x INT) WITH ('connector' = 'datagen');
             CREATE VIEW v AS SELECT * FROM t; INSERT INTO t SELECT 1; SELECT * FROM t;
             EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1; END; CREATE TABLE c AS SELECT 1;
             USE MODULES core; DROP VIEW v; SHOW TABLES",
        );
        assert_eq!(
            kept,
            [
                "SET 'a' = '1'",
                "RESET 'a'",
                "ADD JAR '/x.jar'",
                "CREATE TABLE t (x INT) WITH ('connector' = 'datagen')",
                "CREATE VIEW v AS SELECT * FROM t",
                "USE MODULES core",
                "DROP VIEW v"
            ]
        );
    }

    #[test]
    fn ddl_in_a_persistent_catalog_is_not_replayed_but_temporary_objects_are() {
        let kept = replayed(
            "CREATE CATALOG hive WITH ('type' = 'hive'); USE CATALOG hive; CREATE TABLE kept_by_hive (x INT);
             CREATE TEMPORARY TABLE tmp (x INT); CREATE TABLE default_catalog.default_database.mem (x INT);
             USE CATALOG default_catalog; CREATE TABLE IF NOT EXISTS mem2 (x INT);
             CREATE TABLE `hive`.db.t2 (x INT)",
        );
        assert_eq!(
            kept,
            [
                "CREATE CATALOG hive WITH ('type' = 'hive')",
                "USE CATALOG hive",
                "CREATE TEMPORARY TABLE tmp (x INT)",
                "CREATE TABLE default_catalog.default_database.mem (x INT)",
                "USE CATALOG default_catalog",
                "CREATE TABLE IF NOT EXISTS mem2 (x INT)"
            ]
        );
    }

    #[test]
    fn a_generic_in_memory_catalog_keeps_its_tables_in_the_session() {
        let kept = replayed(
            "CREATE CATALOG mem WITH ('type' = 'generic_in_memory'); USE mem.default_database;
             CREATE TABLE t (x INT); DROP CATALOG IF EXISTS other; CREATE DATABASE mem.d2",
        );
        assert_eq!(kept.len(), 5, "{kept:?}");
    }
}
