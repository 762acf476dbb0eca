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

    /// This position moved over `text`: a `\n` starts a new line (CRLF counts once), every other
    /// character is one column.
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
            match substitute::substitute(&source.name, piece.text, piece.pos, vars) {
                Ok((sql, map)) => statements.push(Statement {
                    index: statements.len() + 1,
                    file: source.name.clone(),
                    pos: piece.pos,
                    text: piece.text.to_owned(),
                    sql,
                    kind: Kind::of(piece.text),
                    map,
                }),
                Err(mut found) => diagnostics.append(&mut found),
            }
        }
    }
    match diagnostics.is_empty() {
        true => Ok(statements),
        false => Err(diagnostics),
    }
}

/// The names of the variables the sources reference outside comments, sorted, whether set or
/// not (for `--dry-run` plans and checks). Sources that do not lex contribute what precedes the
/// error.
pub fn referenced_names(sources: &[Source], single_statement: bool) -> BTreeSet<&str> {
    sources
        .iter()
        .flat_map(|source| split::split(source, single_statement).map_while(Result::ok))
        .flat_map(|piece| substitute::references(piece.text))
        .map(|reference| reference.name)
        .collect()
}
