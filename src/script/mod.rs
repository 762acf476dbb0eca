//! Scripts: read inputs, split them into statements, substitute variables. Pure: no network, no printing.
//!
//! Order matters (SPEC §3): split first, substitute second, so that a value containing `;`, `'`,
//! `--` or `"` can never move a statement boundary.

pub mod input;
pub mod kind;
pub mod lex;
pub mod split;
pub mod substitute;

use std::fmt;
use std::sync::Arc;

pub use kind::Kind;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: Arc<str>,
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.pos.line, self.pos.column, self.message)
    }
}
