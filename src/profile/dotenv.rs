//! The profile reader: dotenv syntax (comments, `export`, quotes, multi-line values) where a `$`
//! is literal and only `${NAME}` refers to another variable (SPEC §2).
//!
//! We read profiles ourselves because every dotenv crate expands `$NAME`, which silently cuts
//! passwords such as `ab$cdef` short. The rules, line by line:
//! - blank lines and lines starting with `#` are skipped; `export ` before a key is ignored;
//! - `KEY=value`, spaces allowed around `=`; keys are letters, digits, `_` and `.`;
//! - unquoted: to the end of the line; ` #` (whitespace, then `#`) starts a comment; trailing
//!   whitespace is dropped; no escapes;
//! - `'…'`: fully literal, may span lines, ends at the next `'`;
//! - `"…"`: may span lines; `\n \r \t \\ \" \' \$ \a \b \f \v` are escapes (as python-dotenv),
//!   any other `\x` is kept as written;
//! - quoted parts written next to each other join, as in a shell (`'it'\''s'` is `it's`, the
//!   form `scripts/stack.sh` writes); after the last one only a comment may follow;
//! - in unquoted and double-quoted values, `${NAME}` and `${NAME:-default}` (default when unset
//!   or empty) refer to another variable; a `${` that is not one of these is an error, never
//!   kept or dropped silently. A `$` anywhere else is literal.
//!
//! Errors carry the line and column; they never quote the line, which may hold a secret.

use std::borrow::Cow;
use std::collections::HashMap;

/// One `KEY=value` of a profile, its references resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
}

/// A problem at `line:column` (1-based; columns count characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
}

impl Pos {
    fn error(self, message: impl Into<String>) -> ProfileError {
        ProfileError {
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}

/// A value as written: literal text and references, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Ref {
        name: String,
        default: Option<String>,
        at: Pos,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Raw {
    key: String,
    parts: Vec<Part>,
    line: usize,
}

/// Reads a profile's text. `outside` gives a variable's value from outside the file (`--var`,
/// then the process environment): a reference prefers it to an earlier line of the file, as
/// python-dotenv (without `override`) did, so `${NAME}` means the value NAME has in the run.
pub fn read(
    text: &str,
    outside: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Entry>, Vec<ProfileError>> {
    let raw = parse(text).map_err(|e| vec![e])?;
    resolve(raw, outside)
}

/// The most text a profile's values may hold in all once their references are resolved. Each
/// `${NAME}` copies the whole value it names, so a few dozen lines that each refer to the one
/// before twice would otherwise double a value per line until the machine runs out of memory.
const MAX_RESOLVED: usize = 8 << 20;

fn resolve(
    raw: Vec<Raw>,
    outside: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Entry>, Vec<ProfileError>> {
    let lines: HashMap<&str, usize> = raw.iter().rev().map(|r| (r.key.as_str(), r.line)).collect();
    let mut earlier: HashMap<String, String> = HashMap::new();
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut resolved = 0usize;
    for r in &raw {
        let mut value = String::new();
        for part in &r.parts {
            let (piece, at) = match part {
                Part::Text(text) => (
                    Cow::Borrowed(text.as_str()),
                    Pos {
                        line: r.line,
                        column: 1,
                    },
                ),
                Part::Ref { name, default, at } => {
                    let found = outside(name).or_else(|| earlier.get(name).cloned());
                    match (found, default) {
                        (Some(v), Some(d)) if v.is_empty() => (Cow::Borrowed(d.as_str()), *at),
                        (Some(v), _) => (Cow::Owned(v), *at),
                        (None, Some(d)) => (Cow::Borrowed(d.as_str()), *at),
                        (None, None) => {
                            errors.push(undefined(name, *at, r.line, &lines));
                            continue;
                        }
                    }
                }
            };
            resolved += piece.len();
            if resolved > MAX_RESOLVED {
                errors.push(too_large(at));
                return Err(errors);
            }
            value.push_str(&piece);
        }
        earlier.insert(r.key.clone(), value.clone());
        entries.push(Entry {
            key: r.key.clone(),
            value,
            line: r.line,
        });
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

fn too_large(at: Pos) -> ProfileError {
    at.error(format!(
        "the profile's values grow past {} MiB here once references are resolved (each \
         ${{NAME}} copies the whole value it names); a profile holds settings, not data",
        MAX_RESOLVED >> 20
    ))
}

fn undefined(name: &str, at: Pos, line: usize, lines: &HashMap<&str, usize>) -> ProfileError {
    let message = match lines.get(name) {
        Some(&defined) if defined >= line => format!(
            "${{{name}}} is defined only later in the profile (line {defined}); define it first"
        ),
        _ => format!(
            "${{{name}}} is not defined (not earlier in the profile, not in the environment, not \
             given with --var); write ${{{name}:-}} for an empty default, or single-quote the \
             value to keep it literal"
        ),
    };
    at.error(message)
}

/// Splits the text into entries with their references, without resolving them.
fn parse(text: &str) -> Result<Vec<Raw>, ProfileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut c = Cursor::new(&text);
    let mut entries = Vec::new();
    loop {
        c.skip_blank();
        match c.peek() {
            None => break,
            Some('\n') => {
                c.bump();
            }
            Some('#') => c.skip_line(),
            Some(_) => entries.push(entry(&mut c)?),
        }
    }
    Ok(entries)
}

fn entry(c: &mut Cursor) -> Result<Raw, ProfileError> {
    let line = c.pos.line;
    let mut key = name(c)?;
    if key == "export" && matches!(c.peek(), Some(' ' | '\t')) {
        c.skip_blank();
        key = name(c)?;
    }
    c.skip_blank();
    if c.peek() != Some('=') {
        return Err(c.pos.error(format!("expected '=' after {key}")));
    }
    c.bump();
    c.skip_blank();
    let parts = match c.peek() {
        Some('\'' | '"') => quoted(c)?,
        _ => unquoted(c)?,
    };
    Ok(Raw { key, parts, line })
}

fn name(c: &mut Cursor) -> Result<String, ProfileError> {
    let start = c.pos;
    let mut key = String::new();
    while let Some(ch) = c.peek() {
        let ok = ch.is_ascii_alphabetic()
            || ch == '_'
            || (!key.is_empty() && (ch.is_ascii_digit() || ch == '.'));
        if !ok {
            break;
        }
        key.push(ch);
        c.bump();
    }
    if key.is_empty() {
        return Err(start.error(
            "expected a variable name (letters, digits, _ and ., not starting with a digit)",
        ));
    }
    Ok(key)
}

/// A character of a value with where it was written; `escaped` ones never start a reference.
type Chars = Vec<(char, Pos, bool)>;

fn unquoted(c: &mut Cursor) -> Result<Vec<Part>, ProfileError> {
    let mut chars: Chars = Vec::new();
    while let Some(ch) = c.peek().filter(|&ch| ch != '\n') {
        let comment = ch == '#' && chars.last().is_some_and(|l| matches!(l.0, ' ' | '\t'));
        if comment {
            c.skip_line();
            break;
        }
        chars.push((ch, c.pos, false));
        c.bump();
    }
    while chars.last().is_some_and(|l| matches!(l.0, ' ' | '\t')) {
        chars.pop();
    }
    parts(&chars)
}

/// A value that starts with a quote. Parts written next to each other join, as in a shell, so
/// `'it'\''s'` is `it's`: after a closing quote another quoted part, a `\x` escape or plain
/// characters may follow, up to whitespace.
fn quoted(c: &mut Cursor) -> Result<Vec<Part>, ProfileError> {
    let mut chars: Chars = Vec::new();
    loop {
        match c.peek() {
            Some('\'') => single_quoted(c, &mut chars)?,
            Some('"') => double_quoted(c, &mut chars)?,
            Some('\\') => {
                let at = c.pos;
                c.bump();
                match c.peek().filter(|&ch| ch != '\n') {
                    Some(ch) => {
                        c.bump();
                        chars.push((ch, at, true));
                    }
                    None => chars.push(('\\', at, true)),
                }
            }
            None | Some(' ' | '\t' | '\n' | '#') => break,
            Some(ch) => {
                chars.push((ch, c.pos, false));
                c.bump();
            }
        }
    }
    after_quote(c)?;
    parts(&chars)
}

/// `'…'`: every character literal, never part of a reference.
fn single_quoted(c: &mut Cursor, chars: &mut Chars) -> Result<(), ProfileError> {
    let open = c.pos;
    c.bump();
    loop {
        let at = c.pos;
        match c.bump() {
            None => {
                return Err(open.error("unterminated single-quoted value (no closing ')"));
            }
            Some('\'') => return Ok(()),
            Some(ch) => chars.push((ch, at, true)),
        }
    }
}

fn double_quoted(c: &mut Cursor, chars: &mut Chars) -> Result<(), ProfileError> {
    let open = c.pos;
    c.bump();
    loop {
        let at = c.pos;
        match c.bump() {
            None => {
                return Err(open.error("unterminated double-quoted value (no closing \")"));
            }
            Some('"') => return Ok(()),
            Some('\\') => match c.peek().and_then(escape) {
                Some(ch) => {
                    c.bump();
                    chars.push((ch, at, true));
                }
                None => chars.push(('\\', at, true)),
            },
            Some(ch) => chars.push((ch, at, false)),
        }
    }
}

/// The character a `\x` escape in a double-quoted value stands for.
fn escape(ch: char) -> Option<char> {
    Some(match ch {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'v' => '\u{b}',
        '\\' | '"' | '\'' | '$' => ch,
        _ => return None,
    })
}

/// After a closing quote only whitespace and a comment may follow on the line.
fn after_quote(c: &mut Cursor) -> Result<(), ProfileError> {
    c.skip_blank();
    match c.peek() {
        None | Some('\n') => Ok(()),
        Some('#') => {
            c.skip_line();
            Ok(())
        }
        Some(_) => Err(c.pos.error(
            "unexpected text after the closing quote (quote the whole value; a comment starts with #)",
        )),
    }
}

/// Finds `${NAME}` and `${NAME:-default}` in a value's characters.
fn parts(chars: &[(char, Pos, bool)]) -> Result<Vec<Part>, ProfileError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < chars.len() {
        let (ch, at, escaped) = chars[i];
        let opens = ch == '$' && !escaped && chars.get(i + 1).is_some_and(|n| n.0 == '{' && !n.2);
        if !opens {
            text.push(ch);
            i += 1;
            continue;
        }
        let (part, next) = reference(chars, i, at)?;
        if !text.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut text)));
        }
        parts.push(part);
        i = next;
    }
    if !text.is_empty() || parts.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// The reference starting at `chars[start]` (`$`), and the index after its `}`.
fn reference(
    chars: &[(char, Pos, bool)],
    start: usize,
    at: Pos,
) -> Result<(Part, usize), ProfileError> {
    let close = chars[start + 2..]
        .iter()
        .position(|c| c.0 == '}')
        .map(|p| start + 2 + p)
        .ok_or_else(|| {
            at.error(
                "${ without a closing }: write ${NAME}, or single-quote the value to keep ${ literal",
            )
        })?;
    let inner: String = chars[start + 2..close].iter().map(|c| c.0).collect();
    let (name, default) = match inner.split_once(":-") {
        Some((name, default)) => (name, Some(default.to_owned())),
        None => (inner.as_str(), None),
    };
    if !is_reference_name(name) {
        // The text between the braces is not shown: it may be part of a password.
        return Err(at.error(
            "this ${…} is not a variable reference (${NAME} or ${NAME:-default}, names of letters, \
             digits and _); single-quote the value to keep it literal",
        ));
    }
    let part = Part::Ref {
        name: name.to_owned(),
        default,
        at,
    };
    Ok((part, close + 1))
}

fn is_reference_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Walks the text by character, keeping the line and column.
struct Cursor<'a> {
    rest: std::iter::Peekable<std::str::Chars<'a>>,
    pos: Pos,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            rest: text.chars().peekable(),
            pos: Pos { line: 1, column: 1 },
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.rest.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let ch = self.rest.next()?;
        if ch == '\n' {
            self.pos.line += 1;
            self.pos.column = 1;
        } else {
            self.pos.column += 1;
        }
        Some(ch)
    }

    fn skip_blank(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    /// Skips to the end of the line, its line break included.
    fn skip_line(&mut self) {
        while let Some(ch) = self.bump() {
            if ch == '\n' {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_with(text: &str, outside: &[(&str, &str)]) -> Result<Vec<Entry>, Vec<ProfileError>> {
        let outside: HashMap<String, String> = outside
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        read(text, &|name| outside.get(name).cloned())
    }

    fn values(text: &str) -> Vec<(String, String)> {
        read_with(text, &[("HOME", "/home/u")])
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn value(text: &str) -> String {
        let mut v = values(text);
        assert_eq!(v.len(), 1, "{v:?}");
        v.remove(0).1
    }

    fn error(text: &str) -> ProfileError {
        let mut errors = read_with(text, &[]).unwrap_err();
        errors.remove(0)
    }

    #[test]
    fn a_dollar_in_an_unquoted_value_is_literal() {
        assert_eq!(value("KAFKA_PASSWORD=ab$cdef"), "ab$cdef");
        assert_eq!(value("P=p@ss$1word"), "p@ss$1word");
        assert_eq!(value("P=x$HOME"), "x$HOME");
        assert_eq!(value("P=$"), "$");
        assert_eq!(value("P=a$$b$"), "a$$b$");
        assert_eq!(value("P=$ {HOME}"), "$ {HOME}");
    }

    #[test]
    fn a_dollar_in_a_double_quoted_value_is_literal() {
        assert_eq!(value("KAFKA_PASSWORD=\"ab$cdef\""), "ab$cdef");
        assert_eq!(value("P=\"x$HOME y\""), "x$HOME y");
        assert_eq!(value(r#"P="\${HOME}""#), "${HOME}");
    }

    #[test]
    fn single_quoted_values_are_fully_literal() {
        assert_eq!(value("P='ab$cdef'"), "ab$cdef");
        assert_eq!(value("P='${HOME} and ${UNSET'"), "${HOME} and ${UNSET");
        assert_eq!(value(r"P='a\nb\'"), r"a\nb\");
        assert_eq!(value("P='a \"#\" b' # comment"), "a \"#\" b");
    }

    #[test]
    fn quoted_parts_next_to_each_other_join_as_in_a_shell() {
        assert_eq!(value(r"P='it'\''s'"), "it's");
        assert_eq!(
            value(r#"P='Tr1ck'\''y"pa;ss--w\rd${HOME}' # c"#),
            r#"Tr1ck'y"pa;ss--w\rd${HOME}"#
        );
        assert_eq!(value(r#"P='a'"b${HOME}"c"#), "ab/home/uc");
        assert_eq!(error("P='a' b").column, 7);
    }

    #[test]
    fn braces_refer_to_another_variable() {
        let v = values("A=one\nB=${A}-two\nC=\"${B}/${HOME}\"\nD=${UNSET:-dflt}\nE=${A:-x}");
        assert_eq!(
            v,
            [
                ("A".into(), "one".into()),
                ("B".into(), "one-two".into()),
                ("C".into(), "one-two//home/u".into()),
                ("D".into(), "dflt".into()),
                ("E".into(), "one".into()),
            ]
        );
    }

    #[test]
    fn a_default_applies_to_an_empty_value_too() {
        assert_eq!(values("A=\nB=${A:-d}")[1].1, "d");
    }

    #[test]
    fn a_reference_takes_the_value_from_outside_the_file_first() {
        let entries = read_with("A=file\nB=${A}", &[("A", "env")]).unwrap();
        assert_eq!(entries[1].value, "env");
    }

    /// Found by the fuzzer: lines that each refer to the one before twice double a value per
    /// line (2^40 bytes by line 41). The reader stops at 8 MiB in all, at the reference that
    /// crosses it, instead of running out of memory; a large but sane value still reads.
    #[test]
    fn references_that_double_a_value_stop_at_the_limit_with_its_line_and_column() {
        let mut text = String::from("V0=abcdefgh\n");
        for i in 1..=40 {
            text.push_str(&format!("V{i}=${{V{}}}${{V{}}}\n", i - 1, i - 1));
        }
        let e = error(&text);
        // V0..V19 hold 8 * (2^20 - 1) bytes in all; V20's first reference (line 21, column 5)
        // adds 4 MiB and crosses 8 MiB.
        assert_eq!((e.line, e.column), (21, 5), "{}", e.message);
        assert!(e.message.contains("past 8 MiB"), "{}", e.message);
        let pem = "A".repeat(200_000);
        let read = values(&format!("CERT={pem}\nCOPY=${{CERT}}"));
        assert_eq!(read[1], ("COPY".to_owned(), pem));
    }

    #[test]
    fn an_undefined_reference_is_an_error_at_its_line_and_column() {
        let e = error("A=1\nB=x${UNDEFINED}");
        assert_eq!((e.line, e.column), (2, 4));
        assert!(
            e.message.contains("${UNDEFINED} is not defined"),
            "{}",
            e.message
        );
    }

    #[test]
    fn every_undefined_reference_is_reported() {
        let errors = read_with("A=${X}\nB=\"${Y}\"", &[]).unwrap_err();
        let at: Vec<_> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(at, [(1, 3), (2, 4)]);
    }

    #[test]
    fn a_reference_to_a_later_line_says_so() {
        let e = error("A=${B}\nB=1");
        assert!(e.message.contains("only later"), "{}", e.message);
        assert!(e.message.contains("line 2"), "{}", e.message);
    }

    #[test]
    fn a_brace_that_is_not_a_reference_is_an_error_not_kept_or_dropped() {
        let e = error("P=ab${c-d}e");
        assert_eq!((e.line, e.column), (1, 5));
        assert!(
            !e.message.contains("c-d"),
            "the value is not quoted: {}",
            e.message
        );
        let e = error("P=\"ab${cd\"");
        assert!(e.message.contains("closing }"), "{}", e.message);
    }

    #[test]
    fn comments_export_and_whitespace() {
        let text = "# head\n\n  export A=1 # c\nB = two words  \nC=a#b\nexport D='q'#c\n\tE=\n";
        assert_eq!(
            values(text),
            [
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "a#b".into()),
                ("D".into(), "q".into()),
                ("E".into(), String::new()),
            ]
        );
    }

    #[test]
    fn quoted_values_span_lines_and_keep_their_line_numbers() {
        let entries = read_with("A=\"l1\nl2\"\nB='m1\nm2'\nC=3", &[]).unwrap();
        let got: Vec<_> = entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(got, [("A", "l1\nl2", 1), ("B", "m1\nm2", 3), ("C", "3", 5)]);
    }

    #[test]
    fn double_quoted_escapes_follow_python_dotenv() {
        assert_eq!(value(r#"P="a\nb\t\"c\"\\d\q""#), "a\nb\t\"c\"\\d\\q");
    }

    #[test]
    fn crlf_and_a_bom_are_accepted() {
        assert_eq!(
            values("\u{feff}A=1\r\nB=\"x\r\ny\"\r\n"),
            [("A".into(), "1".into()), ("B".into(), "x\ny".into())]
        );
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let e = error("A=1\n  =2");
        assert_eq!((e.line, e.column), (2, 3));
        let e = error("A=1\nNOVALUE\n");
        assert_eq!((e.line, e.column), (2, 8));
        assert!(e.message.contains("expected '=' after NOVALUE"));
        let e = error("A=1\nB='never closed\n\n");
        assert_eq!((e.line, e.column), (2, 3));
        let e = error("A=\"x\" y");
        assert_eq!((e.line, e.column), (1, 7));
        let e = error("1A=x");
        assert_eq!((e.line, e.column), (1, 1));
    }

    /// Generated profiles from a small alphabet of the characters the rules turn on: reading
    /// never panics, and a value without `$`, quotes, `#` or backslashes reads back as written.
    #[test]
    fn generated_profiles_never_panic_and_plain_values_are_exact() {
        let alphabet: Vec<char> = "AB_1=$'\"{}:-# \t\n\\xé".chars().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % n
        };
        for _ in 0..20_000 {
            let len = next(24);
            let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let _ = read_with(&text, &[("A", "a")]);
        }
        for value in ["x", "a b", "p@ss.w0rd", "é-ü", "1=2"] {
            assert_eq!(self::value(&format!("K={value}")), value);
        }
    }

    #[test]
    fn errors_never_quote_the_value() {
        for text in [
            "P='s3cr3t",
            "P=\"s3cr3t",
            "P=\"s3cr3t\" x",
            "P=s3cr3t${bad name}",
        ] {
            let e = error(text);
            assert!(!e.message.contains("s3cr3t"), "{text}: {}", e.message);
        }
    }
}
