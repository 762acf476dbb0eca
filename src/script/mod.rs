//! Scripts: read inputs, split them into statements, substitute variables. Pure: no network, no printing.
//!
//! Order matters (SPEC §3): split first, substitute second, so that a value containing `;`, `'`,
//! `--` or `"` can never move a statement boundary.

pub mod input;
pub mod kind;
pub mod lex;
pub mod split;
pub mod substitute;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

pub use kind::Kind;
pub use lex::line;

use crate::profile::Vars;

/// One input after hygiene (BOM dropped, UTF-8 checked, NUL rejected).
#[derive(Debug, Clone)]
pub struct Source {
    /// What the user sees in messages: the path as given, `<stdin>`, or `<command-line 1>`.
    pub name: Arc<str>,
    pub text: String,
}

/// A position in a source, 1-based, columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// Line 1, column 1.
    pub const START: Pos = Pos { line: 1, column: 1 };

    /// This position moved over `text`: a `\n`, `\r\n` or lone `\r` starts a new line, every
    /// other character is one column.
    pub fn advanced(self, text: &str) -> Pos {
        lex::advance(self, text.as_bytes())
    }
}

/// One statement ready to send.
#[derive(Debug, Clone)]
pub struct Statement {
    /// 1-based position in the whole run.
    pub index: usize,
    pub file: Arc<str>,
    /// Where the statement's first token starts in `file`.
    pub pos: Pos,
    /// The source text, trimmed, without the trailing `;`, placeholders not substituted.
    pub text: String,
    /// The text sent to the gateway (placeholders substituted). May contain secrets: redact before showing.
    pub sql: String,
    pub kind: Kind,
    /// Maps a position in `sql` back to a position in `file`.
    pub map: substitute::SourceMap,
}

impl Statement {
    /// Maps `line X, column Y` reported by Flink for the sent SQL (1-based) to the file position.
    pub fn source_pos(&self, line: usize, column: usize) -> Pos {
        self.map.to_source(&self.sql, Pos { line, column })
    }

    /// This statement with the first `skip` bytes of its SQL (no line break among them) replaced
    /// by `prefix` (`EXPLAIN …` in front of an INSERT, in place of `EXECUTE`): positions Flink
    /// reports in the new SQL still map to the file.
    pub fn prefixed(&self, prefix: &str, skip: usize) -> Statement {
        let skipped = &self.sql[..skip];
        Statement {
            sql: format!("{prefix}{}", &self.sql[skip..]),
            map: self.map.with_front(prefix, skipped),
            ..self.clone()
        }
    }
}

/// An input problem found before anything is sent: always exit 2.
///
/// Shown as `file:line:col: message`; a problem with the whole file (unreadable, empty folder)
/// has line 0 and is shown as `file: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: Arc<str>,
    pub pos: Pos,
    pub message: String,
}

impl Diagnostic {
    /// A problem with a whole file rather than a place in it.
    pub fn whole_file(file: impl Into<Arc<str>>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            pos: Pos::default(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos.line {
            0 => write!(f, "{}: {}", self.file, self.message),
            _ => write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.pos.line, self.pos.column, self.message
            ),
        }
    }
}

/// Splits every source, then substitutes every statement (SPEC §3, §4). Statements are numbered
/// from 1 across all sources. Every problem in every source is collected (at most one lexical
/// error per source, since nothing after an unterminated string can be trusted); if there is any,
/// nothing is returned but the diagnostics, and nothing must be sent.
pub fn prepare(
    sources: &[Source],
    vars: &Vars,
    single_statement: bool,
) -> Result<Vec<Statement>, Vec<Diagnostic>> {
    let mut statements = Vec::new();
    let mut diagnostics = Vec::new();
    for source in sources {
        for piece in split::split(source, single_statement) {
            let piece = match piece {
                Ok(piece) => piece,
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    continue;
                }
            };
            match statement(statements.len() + 1, &source.name, piece, vars) {
                Ok(statement) => statements.push(statement),
                Err(mut found) => diagnostics.append(&mut found),
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(statements)
    } else {
        Err(diagnostics)
    }
}

/// One piece substituted into a statement numbered `index`.
fn statement(
    index: usize,
    file: &Arc<str>,
    piece: split::Piece<'_>,
    vars: &Vars,
) -> Result<Statement, Vec<Diagnostic>> {
    let (sql, map) = substitute::substitute_at(file, piece.text, piece.pos, &piece.spots, vars)?;
    Ok(Statement {
        index,
        file: file.clone(),
        pos: piece.pos,
        text: piece.text.to_owned(),
        sql,
        kind: piece.kind,
        map,
    })
}

/// Statements prepared as their text arrives (a pipe; a prompt): split incrementally, each
/// substituted as soon as it is complete, numbered from 1. A statement with a problem comes out
/// as its diagnostics, in its place: the caller decides what that stops.
pub struct Feed {
    split: split::Incremental,
    name: Arc<str>,
    vars: Vars,
    count: usize,
}

/// What a `Feed` hands out: a statement ready to send, or the problems of one.
pub type Fed = Result<Statement, Vec<Diagnostic>>;

impl Feed {
    pub fn new(name: impl Into<Arc<str>>, vars: Vars) -> Feed {
        let name = name.into();
        Feed {
            split: split::Incremental::new(name.clone()),
            name,
            vars,
            count: 0,
        }
    }

    /// Adds text; returns the statements it completed, in order.
    pub fn push(&mut self, chunk: &str) -> Vec<Fed> {
        let mut pieces = Vec::new();
        let (name, vars, count) = (&self.name, &self.vars, &mut self.count);
        self.split.push(chunk, |piece| {
            *count += 1;
            pieces.push(statement(*count, name, piece, vars));
        });
        pieces
    }

    /// The end of the input: the last statement (which needs no `;`), or what was left open.
    pub fn finish(&mut self) -> Vec<Fed> {
        let mut pieces = Vec::new();
        let (name, vars, count) = (&self.name, &self.vars, &mut self.count);
        self.split.finish(|piece| {
            pieces.push(piece.map_err(|d| vec![d]).and_then(|piece| {
                *count += 1;
                statement(*count, name, piece, vars)
            }));
        });
        pieces
    }

    /// Whether nothing but whitespace and comments waits for a `;`.
    pub fn is_idle(&self) -> bool {
        self.split.is_idle()
    }

    /// Bytes held for the statement still open.
    pub fn pending_len(&self) -> usize {
        self.split.pending_len()
    }
}

/// The names of the variables the sources reference outside comments, sorted, whether set or
/// not (for `--dry-run` plans and checks). Sources that do not lex contribute what precedes the
/// error.
pub fn referenced_names(sources: &[Source], single_statement: bool) -> BTreeSet<&str> {
    sources
        .iter()
        .flat_map(|source| split::split(source, single_statement).map_while(Result::ok))
        .flat_map(|piece| substitute::references_at(piece.text, &piece.spots))
        .map(|reference| reference.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::merge;

    fn source(name: &str, text: &str) -> Source {
        Source {
            name: Arc::from(name),
            text: text.to_owned(),
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        merge(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            Vec::new(),
            &[],
        )
    }

    fn messages(diagnostics: Vec<Diagnostic>) -> Vec<String> {
        diagnostics.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn statements_are_numbered_across_sources() {
        let sources = [
            source("a.sql", "SELECT 1; SELECT 2;"),
            source("b.sql", "-- c\nINSERT INTO t SELECT 3"),
        ];
        let statements = prepare(&sources, &Vars::default(), false).unwrap();
        let summary: Vec<_> = statements
            .iter()
            .map(|s| (s.index, &*s.file, s.pos.line, s.kind))
            .collect();
        assert_eq!(
            summary,
            [
                (1, "a.sql", 1, Kind::Query),
                (2, "a.sql", 1, Kind::Query),
                (3, "b.sql", 2, Kind::Insert)
            ]
        );
    }

    #[test]
    fn every_problem_in_every_source_is_reported_at_once() {
        let sources = [
            source("a.sql", "SELECT '${A}';\nSELECT ${B:?B is needed};"),
            source("b.sql", "SELECT ${bad name};\nSELECT 'unterminated;"),
            source("c.sql", "SELECT ${C}"),
        ];
        let problems = messages(prepare(&sources, &Vars::default(), false).unwrap_err());
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert_eq!(problems[0], "a.sql:1:9: variable A is not set");
        assert_eq!(problems[1], "a.sql:2:8: B is needed");
        assert!(problems[2].starts_with("b.sql:1:8: ${bad name} is not a valid placeholder"));
        assert!(problems[3].starts_with("b.sql:2:8: unterminated string literal"));
        assert_eq!(problems[4], "c.sql:1:8: variable C is not set");
    }

    #[test]
    fn a_password_with_quotes_dashes_and_semicolons_cannot_move_a_boundary() {
        let sql = "CREATE TABLE k (a INT) WITH (\n  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"${KAFKA_USERNAME}\" password=\"${KAFKA_PASSWORD}\";',\n  'topic' = '${KAFKA_ENV}.orders'\n);\nINSERT INTO k SELECT * FROM s;";
        let v = vars(&[
            ("KAFKA_USERNAME", "svc"),
            ("KAFKA_PASSWORD", r#"p'w"d\;--x"#),
            ("KAFKA_ENV", "uat"),
        ]);
        let statements = prepare(&[source("k.sql", sql)], &v, false).unwrap();
        assert_eq!(statements.len(), 2);
        let jaas = r#"username="svc" password="p''w\"d\\;--x";'"#;
        assert!(statements[0].sql.contains(jaas), "{}", statements[0].sql);
        assert!(statements[0].sql.contains("'topic' = 'uat.orders'"));
        assert_eq!(statements[0].text, sql[..sql.find(";\nINSERT").unwrap()]);
    }

    #[test]
    fn flink_positions_map_back_to_the_file() {
        let sql = "-- header\nSELECT 1;\n\nSELECT '${LONG}',\n  bad_column FROM t";
        let statements = prepare(
            &[source("q.sql", sql)],
            &vars(&[("LONG", "a much longer value")]),
            false,
        )
        .unwrap();
        let second = &statements[1];
        assert_eq!(second.pos, Pos { line: 4, column: 1 });
        // Flink: "line 2, column 3" of the SQL it received.
        assert_eq!(second.source_pos(2, 3), Pos { line: 5, column: 3 });
        assert_eq!(second.source_pos(1, 12), Pos { line: 4, column: 9 });
    }

    #[test]
    fn positions_in_a_prefixed_statement_map_back_to_the_file() {
        let sql = "-- x\n  INSERT INTO t\n  SELECT '${V}', nme FROM s;\nEXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT bad FROM s; END";
        let statements =
            prepare(&[source("q.sql", sql)], &vars(&[("V", "longer")]), false).unwrap();
        let explain = statements[0].prefixed("EXPLAIN PLAN_ADVICE ", 0);
        assert_eq!(
            explain.sql,
            "EXPLAIN PLAN_ADVICE INSERT INTO t\n  SELECT 'longer', nme FROM s"
        );
        // `INSERT` at line 1, column 21 of the sent SQL; `nme` at line 2, column 20.
        assert_eq!(explain.source_pos(1, 21), Pos { line: 2, column: 3 });
        assert_eq!(
            explain.source_pos(2, 20),
            Pos {
                line: 3,
                column: 18
            }
        );
        let set = statements[1].prefixed("EXPLAIN PLAN_ADVICE", "EXECUTE".len());
        assert_eq!(&set.sql[..33], "EXPLAIN PLAN_ADVICE STATEMENT SET");
        let bad = set.sql.find("bad").unwrap() + 1;
        assert_eq!(
            set.source_pos(1, bad),
            Pos {
                line: 4,
                column: 50
            }
        );
    }

    #[test]
    fn single_statement_mode_sends_everything_at_once() {
        let statements = prepare(
            &[source("a.sql", "SELECT 1; SELECT 2;\n")],
            &Vars::default(),
            true,
        )
        .unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].sql, "SELECT 1; SELECT 2");
    }

    #[test]
    fn referenced_names_are_sorted_and_skip_comments() {
        let sources = [
            source("a.sql", "SELECT '${B}', ${A:-x} -- ${C}\n;"),
            source("b.sql", "SELECT ${A}"),
        ];
        assert_eq!(
            referenced_names(&sources, false)
                .into_iter()
                .collect::<Vec<_>>(),
            ["A", "B"]
        );
    }

    #[test]
    fn a_feed_substitutes_each_statement_as_it_completes() {
        let mut feed = Feed::new("<stdin>", vars(&[("T", "orders")]));
        assert!(feed.push("SELECT * FROM ${T}").is_empty());
        let first = feed.push(";\nSELECT ${MISSING};\nSELECT 3");
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].as_ref().unwrap().sql, "SELECT * FROM orders");
        assert_eq!(
            messages(first[1].clone().unwrap_err()),
            ["<stdin>:2:8: variable MISSING is not set"]
        );
        let last = feed.finish();
        let third = last[0].as_ref().unwrap();
        assert_eq!(
            (third.index, third.pos.line, third.sql.as_str()),
            (3, 3, "SELECT 3")
        );
    }

    #[test]
    fn advancing_a_position_counts_lines_and_characters() {
        assert_eq!(Pos::START.advanced("ab"), Pos { line: 1, column: 3 });
        assert_eq!(
            Pos { line: 2, column: 5 }.advanced("é\r\nxy"),
            Pos { line: 3, column: 3 }
        );
    }

    #[test]
    fn whole_file_diagnostics_have_no_position() {
        assert_eq!(
            Diagnostic::whole_file("x.sql", "cannot read").to_string(),
            "x.sql: cannot read"
        );
    }
}
