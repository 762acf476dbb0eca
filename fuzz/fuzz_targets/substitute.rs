//! Substitution on any text, with any values.
//!
//! Input (UTF-8): `NAME=value` lines, a `---` line, then the SQL (without a `---` line, all of it
//! is SQL and nothing is set). Properties:
//! - nothing panics, whatever the text and values;
//! - substitution never changes text outside placeholders: with every referenced variable set to
//!   a marker, the output is the input with each placeholder replaced by the marker (and each
//!   `$${` escape written `${`), byte for byte;
//! - nothing is left silently: when substitution succeeds, every `${` outside comments was a
//!   placeholder or an escape.
#![no_main]

use std::sync::Arc;

use flink_sql::profile::{Origin, Vars};
use flink_sql::script::lex::Lexer;
use flink_sql::script::substitute::{references, substitute, Fallback, Reference};
use flink_sql::script::Pos;
use libfuzzer_sys::fuzz_target;

/// A value no context escapes, and that the input cannot hold (inputs holding it are skipped).
const MARKER: &str = "\u{E000}";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (header, sql) = text.split_once("\n---\n").unwrap_or(("", text));
    let file: Arc<str> = Arc::from("f.sql");
    let mut given = Vars::default();
    for line in header.lines() {
        if let Some((name, value)) = line.split_once('=') {
            given.insert(name, value.replace("\\n", "\n"), Origin::Profile);
        }
    }
    let _ = substitute(&file, sql, Pos::START, &given);
    if sql.contains(MARKER) {
        return;
    }
    let refs = references(sql);
    let mut marked = Vars::default();
    for r in &refs {
        marked.insert(r.name, MARKER, Origin::Profile);
    }
    let Ok((out, _map)) = substitute(&file, sql, Pos::START, &marked) else {
        return;
    };
    check_outside_placeholders_unchanged(sql, &refs, &out);
    check_nothing_left_silently(sql, &refs);
});

/// The end of a placeholder's text (after its `}`).
fn end_of(r: &Reference) -> usize {
    let operand = match r.fallback {
        Fallback::None => return r.offset + 2 + r.name.len() + 1,
        Fallback::Default(s) | Fallback::Required(s) => s.len(),
    };
    r.offset + 2 + r.name.len() + 2 + operand + 1
}

fn check_outside_placeholders_unchanged(sql: &str, refs: &[Reference], out: &str) {
    let mut pieces = Vec::with_capacity(refs.len() + 1);
    let mut from = 0;
    for r in refs {
        pieces.push(&sql[from..r.offset]);
        from = end_of(r);
    }
    pieces.push(&sql[from..]);
    let written: Vec<&str> = out.split(MARKER).collect();
    assert_eq!(
        written.len(),
        pieces.len(),
        "not every placeholder was replaced once:\n{sql:?}\n{out:?}"
    );
    for (piece, written) in pieces.iter().zip(&written) {
        assert!(
            same_but_escapes(piece, written),
            "text outside placeholders changed: {piece:?} became {written:?}\nin {sql:?}"
        );
    }
}

/// `written` is `original`, except that a `$${` may have lost its first `$`.
fn same_but_escapes(original: &str, written: &str) -> bool {
    let (a, b) = (original.as_bytes(), written.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() {
        let escape = a[i..].starts_with(b"$${");
        if escape && !b[j..].starts_with(b"$${") && b[j..].starts_with(b"${") {
            i += 1;
        } else if j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else {
            return false;
        }
    }
    j == b.len()
}

fn check_nothing_left_silently(sql: &str, refs: &[Reference]) {
    let bytes = sql.as_bytes();
    for token in Lexer::new(sql) {
        let Ok(token) = token else { return };
        if token.is_comment() {
            continue;
        }
        for (i, _) in token.text(sql).match_indices("${") {
            let at = token.start + i;
            let escape = at > 0 && bytes[at - 1] == b'$';
            assert!(
                escape || refs.iter().any(|r| r.offset == at),
                "`${{` at byte {at} was neither substituted nor reported: {sql:?}"
            );
        }
    }
}
