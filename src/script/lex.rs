//! The lexer: Flink SQL's lexical rules (Calcite's parser in back-tick mode), byte by byte.
//!
//! It finds what the splitter and substitution must not look into: string literals, quoted
//! identifiers and comments. Everything else is reduced to words (for keywords), `;`, and runs
//! of punctuation. We write our own rather than use sqlparser's tokenizer because the target is
//! over 100 MB/s for split + substitute, and because Flink's rules differ from every sqlparser
//! dialect in small ways (`//` comments, hints, no nested comments).
//!
//! Rules, as in Calcite's `Parser.jj`:
//! - `'…'` with `''` for a quote; no backslash escapes (`'ends\'` is a complete string).
//!   `E'…'` (C-style, Calcite ≥ 1.34) also takes `\'` and `\\`.
//! - `"…"` with `""`, and `` `…` `` with ``` `` ```. Flink only uses back-ticks for identifiers,
//!   but a `;` inside `"…"` must not end a statement either.
//! - `--` and `//` line comments up to the end of the line; `/* … */` block comments, not nested.
//! - `/*+` opens a hint: Calcite lexes a hint's body as ordinary tokens (so strings inside it are
//!   strings, and `${…}` inside it is substituted); its closing `*/` is plain punctuation.
//!   Where no hint can be, at the start of a statement, `/*+ … */` is read as a comment, so a
//!   banner such as `/*+-----+*/` above a statement is skipped rather than sent.

use super::Pos;

/// What a token is. Whitespace produces no token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters, digits, `_` and non-ASCII: keywords, unquoted identifiers, numbers.
    Word,
    /// `;` outside any literal or comment.
    Semicolon,
    /// A run of punctuation, a lone `$`, or a hint's opening `/*+`.
    Other,
    /// `${…}` in code: kept as one token so a placeholder named `END` is never a keyword.
    Placeholder,
    /// `'…'`.
    String,
    /// `E'…'`: backslash escapes allowed.
    EscapedString,
    /// `"…"`.
    QuotedIdent,
    /// `` `…` ``.
    BacktickIdent,
    /// `--…` or `//…`, without the line break.
    LineComment,
    /// `/* … */`.
    BlockComment,
}

/// One token: a kind and a byte range into the lexed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset just after the last byte.
    pub end: usize,
}

impl Token {
    /// The token's text.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }

    /// Comments are skipped by the splitter and never substituted.
    pub fn is_comment(&self) -> bool {
        matches!(self.kind, TokenKind::LineComment | TokenKind::BlockComment)
    }

    /// For quoted tokens, the byte range between the quotes.
    pub fn content(&self) -> Option<(usize, usize)> {
        match self.kind {
            TokenKind::String | TokenKind::QuotedIdent | TokenKind::BacktickIdent => {
                Some((self.start + 1, self.end - 1))
            }
            TokenKind::EscapedString => Some((self.start + 2, self.end - 1)),
            _ => None,
        }
    }
}

/// What was left open at the end of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unterminated {
    /// `'…` or `E'…`.
    String,
    /// `"…`.
    QuotedIdent,
    /// `` `… ``.
    BacktickIdent,
    /// `/* …`.
    BlockComment,
}

/// A lexical error: something opened at `offset` and never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexError {
    /// Byte offset of the opening quote or `/*`.
    pub offset: usize,
    /// What was opened.
    pub what: Unterminated,
}

impl LexError {
    /// The message shown after `file:line:col:`.
    pub fn message(&self) -> &'static str {
        match self.what {
            Unterminated::String => {
                "unterminated string literal (a quote inside a string is written '')"
            }
            Unterminated::QuotedIdent => "unterminated double-quoted identifier",
            Unterminated::BacktickIdent => "unterminated back-tick identifier",
            Unterminated::BlockComment => "unterminated block comment (/* without */)",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    Word,
    /// Starts something that needs a closer look: quotes, `;`, `-`, `/`, `$`.
    Special,
    Punct,
}

const fn classes() -> [Class; 256] {
    let mut table = [Class::Punct; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            Class::Word
        } else if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            Class::Space
        } else if matches!(c, b'\'' | b'"' | b'`' | b';' | b'-' | b'/' | b'$') {
            Class::Special
        } else {
            Class::Punct
        };
        b += 1;
    }
    table
}

static CLASS: [Class; 256] = classes();

/// Iterates the tokens of a text. Stops after the first error.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    failed: bool,
    /// Whether code was seen since the start or the last `;` (a hint can only follow code).
    in_statement: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`, which is also the start of a statement.
    pub fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            failed: false,
            in_statement: false,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn peek(&self, at: usize) -> Option<u8> {
        self.bytes().get(at).copied()
    }

    fn skip_space(&mut self) {
        let bytes = self.bytes();
        while self.pos < bytes.len() && CLASS[bytes[self.pos] as usize] == Class::Space {
            self.pos += 1;
        }
    }

    fn run_of(&self, from: usize, class: Class) -> usize {
        let bytes = self.bytes();
        let mut end = from;
        while end < bytes.len() && CLASS[bytes[end] as usize] == class {
            end += 1;
        }
        end
    }

    fn token(
        &mut self,
        kind: TokenKind,
        start: usize,
        end: usize,
    ) -> Option<Result<Token, LexError>> {
        self.pos = end;
        Some(Ok(Token { kind, start, end }))
    }

    fn fail(&mut self, offset: usize, what: Unterminated) -> Option<Result<Token, LexError>> {
        self.failed = true;
        Some(Err(LexError { offset, what }))
    }

    fn word(&mut self, start: usize) -> Option<Result<Token, LexError>> {
        let end = self.run_of(start + 1, Class::Word);
        // `E'…'` is one C-style string token only when the word is exactly `E` (longest match).
        if end == start + 1
            && matches!(self.bytes()[start], b'E' | b'e')
            && self.peek(end) == Some(b'\'')
        {
            return match escaped_string_end(self.bytes(), end + 1) {
                Some(close) => self.token(TokenKind::EscapedString, start, close),
                None => self.fail(start, Unterminated::String),
            };
        }
        self.token(TokenKind::Word, start, end)
    }

    fn quoted(
        &mut self,
        start: usize,
        kind: TokenKind,
        what: Unterminated,
    ) -> Option<Result<Token, LexError>> {
        let quote = self.bytes()[start];
        match doubled_quote_end(self.src, start + 1, quote) {
            Some(end) => self.token(kind, start, end),
            None => self.fail(start, what),
        }
    }

    fn special(&mut self, start: usize) -> Option<Result<Token, LexError>> {
        let next = self.peek(start + 1);
        match (self.bytes()[start], next) {
            (b'\'', _) => self.quoted(start, TokenKind::String, Unterminated::String),
            (b'"', _) => self.quoted(start, TokenKind::QuotedIdent, Unterminated::QuotedIdent),
            (b'`', _) => self.quoted(start, TokenKind::BacktickIdent, Unterminated::BacktickIdent),
            (b';', _) => self.token(TokenKind::Semicolon, start, start + 1),
            (b'-', Some(b'-')) | (b'/', Some(b'/')) => {
                let end = line_end(self.bytes(), start + 2);
                self.token(TokenKind::LineComment, start, end)
            }
            (b'/', Some(b'*')) if self.in_statement && self.peek(start + 2) == Some(b'+') => {
                self.token(TokenKind::Other, start, start + 3)
            }
            (b'/', Some(b'*')) => match self.src[start + 2..].find("*/") {
                Some(i) => self.token(TokenKind::BlockComment, start, start + 2 + i + 2),
                None => self.fail(start, Unterminated::BlockComment),
            },
            (b'$', Some(b'{')) => {
                let end = placeholder_end(self.bytes(), start);
                self.token(TokenKind::Placeholder, start, end)
            }
            _ => self.token(TokenKind::Other, start, start + 1),
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<Token, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        self.skip_space();
        let start = self.pos;
        let &b = self.bytes().get(start)?;
        let token = match CLASS[b as usize] {
            Class::Word => self.word(start),
            Class::Special => self.special(start),
            _ => {
                let end = self.run_of(start + 1, Class::Punct);
                self.token(TokenKind::Other, start, end)
            }
        };
        if let Some(Ok(t)) = &token {
            if !t.is_comment() {
                self.in_statement = t.kind != TokenKind::Semicolon;
            }
        }
        token
    }
}

/// The end (after the closing quote) of a literal whose quote is escaped by doubling.
fn doubled_quote_end(src: &str, from: usize, quote: u8) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut at = from;
    loop {
        // `str::find` with a one-byte char is a memchr.
        at += src[at..].find(quote as char)?;
        if bytes.get(at + 1) == Some(&quote) {
            at += 2;
        } else {
            return Some(at + 1);
        }
    }
}

/// The end of an `E'…'` body starting at `from`: `\` escapes the next byte, `''` is a quote.
fn escaped_string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'\'' if bytes.get(at + 1) == Some(&b'\'') => at += 2,
            b'\'' => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// A line comment ends before `\n` or `\r` (Calcite stops at either).
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |i| from + i)
}

/// A byte of a variable name (`[A-Za-z0-9_]`; the first must not be a digit).
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// How much of a `${` in code belongs to the placeholder: `${NAME}`, or `${NAME:-…}`/`${NAME:?…}`
/// up to the first `}` on the same line. Anything malformed ends after the name, so the rest is
/// lexed normally and substitution reports the placeholder.
fn placeholder_end(bytes: &[u8], start: usize) -> usize {
    let name_end = start
        + 2
        + bytes[start + 2..]
            .iter()
            .take_while(|&&b| is_name_byte(b))
            .count();
    match bytes.get(name_end) {
        Some(b'}') => name_end + 1,
        Some(b':') if matches!(bytes.get(name_end + 1), Some(b'-' | b'?')) => {
            let rest = &bytes[name_end..];
            let stop = rest.iter().position(|&b| matches!(b, b'}' | b'\n' | b'\r'));
            match stop {
                Some(i) if rest[i] == b'}' => name_end + i + 1,
                _ => name_end,
            }
        }
        _ => name_end,
    }
}

/// Turns byte offsets into positions, moving forward: converting all the offsets of a text in
/// increasing order costs one pass over it.
///
/// A line break is `\n`, `\r\n` or a lone `\r`, as Calcite counts them (so positions Flink
/// reports and ours agree); columns count characters.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    src: &'a str,
    origin: Pos,
    offset: usize,
    pos: Pos,
}

impl<'a> Cursor<'a> {
    /// A cursor at offset 0 of `src`, which sits at `origin` in its file.
    pub fn new(src: &'a str, origin: Pos) -> Self {
        Cursor {
            src,
            origin,
            offset: 0,
            pos: origin,
        }
    }

    /// The position of `offset` (a character boundary). Going back restarts from the origin.
    pub fn pos_at(&mut self, offset: usize) -> Pos {
        if offset < self.offset {
            self.offset = 0;
            self.pos = self.origin;
        }
        let bytes = self.src.as_bytes();
        let mut from = self.offset;
        // A CRLF split between two calls: the `\r` already started the new line.
        if from > 0 && from < offset && bytes[from - 1] == b'\r' && bytes[from] == b'\n' {
            from += 1;
        }
        self.pos = advance(self.pos, &bytes[from..offset]);
        self.offset = offset;
        self.pos
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// `pos` moved over `bytes` (which must hold whole characters). A line break is `\n`, `\r\n` or a
/// lone `\r`; a `\r` at the very end counts as a break (the caller skips a `\n` after it).
pub fn advance(pos: Pos, bytes: &[u8]) -> Pos {
    match bytes.iter().rposition(|&b| b == b'\n' || b == b'\r') {
        None => Pos {
            line: pos.line,
            column: pos.column + count(bytes, |b| !is_continuation(b)),
        },
        Some(last) => Pos {
            line: pos.line + breaks(&bytes[..=last]),
            column: 1 + count(&bytes[last + 1..], |b| !is_continuation(b)),
        },
    }
}

/// How many line breaks `bytes` holds: every `\n`, plus every `\r` not followed by one.
fn breaks(bytes: &[u8]) -> usize {
    let newlines = count(bytes, |b| b == b'\n');
    // Most files have no `\r`: one memchr, then the vectorised count alone.
    if !bytes.contains(&b'\r') {
        return newlines;
    }
    let next = bytes[1..].iter().chain([&0]);
    let lone_crs = bytes
        .iter()
        .zip(next)
        .filter(|&(&b, &n)| b == b'\r' && n != b'\n')
        .count();
    newlines + lone_crs
}

/// Line `n` (1-based) of `text`, without its line break; breaks as in [`advance`].
pub fn line(text: &str, n: usize) -> Option<&str> {
    let mut rest = text;
    for _ in 1..n {
        let at = rest.find(['\n', '\r'])?;
        let width = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + width..];
    }
    (n > 0).then(|| rest.find(['\n', '\r']).map_or(rest, |at| &rest[..at]))
}

/// How many bytes match. Counting into a `u8` per 255-byte chunk lets the compiler use all 16 or
/// 32 lanes of a vector register (a `usize` counter uses 2 or 4): several times faster.
fn count(bytes: &[u8], matches: impl Fn(u8) -> bool) -> usize {
    let chunk = |c: &[u8]| c.iter().fold(0u8, |n, &b| n + matches(b) as u8) as usize;
    bytes.chunks(255).map(chunk).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        Lexer::new(src)
            .map(|t| t.unwrap())
            .map(|t| (t.kind, t.text(src)))
            .collect()
    }

    fn error(src: &str) -> LexError {
        Lexer::new(src)
            .find_map(Result::err)
            .expect("a lexical error")
    }

    use TokenKind::*;

    #[test]
    fn words_punctuation_and_semicolons() {
        assert_eq!(
            kinds("SELECT a1, b_2 FROM t;"),
            [
                (Word, "SELECT"),
                (Word, "a1"),
                (Other, ","),
                (Word, "b_2"),
                (Word, "FROM"),
                (Word, "t"),
                (Semicolon, ";")
            ]
        );
    }

    #[test]
    fn doubled_single_quote_stays_inside_the_string() {
        assert_eq!(kinds("'it''s;'x"), [(String, "'it''s;'"), (Word, "x")]);
    }

    #[test]
    fn backslash_does_not_escape_a_quote() {
        assert_eq!(kinds(r"'ends\';"), [(String, r"'ends\'"), (Semicolon, ";")]);
    }

    #[test]
    fn c_style_string_takes_backslash_escapes() {
        assert_eq!(
            kinds(r"E'it\'s;' e'\\';"),
            [
                (EscapedString, r"E'it\'s;'"),
                (EscapedString, r"e'\\'"),
                (Semicolon, ";")
            ]
        );
    }

    #[test]
    fn a_word_ending_in_e_before_a_quote_is_not_a_c_style_string() {
        assert_eq!(kinds(r"xe'a\'"), [(Word, "xe"), (String, r"'a\'")]);
    }

    #[test]
    fn double_quotes_and_backticks_with_doubling() {
        assert_eq!(
            kinds(r#""a"";b" `c``;d`"#),
            [(QuotedIdent, r#""a"";b""#), (BacktickIdent, "`c``;d`")]
        );
    }

    #[test]
    fn line_comments_end_at_the_line_break() {
        assert_eq!(
            kinds("a -- x;y\r\nb // z;\n"),
            [
                (Word, "a"),
                (LineComment, "-- x;y"),
                (Word, "b"),
                (LineComment, "// z;")
            ]
        );
    }

    #[test]
    fn line_comment_at_end_of_input_needs_no_newline() {
        assert_eq!(kinds("a --;"), [(Word, "a"), (LineComment, "--;")]);
    }

    #[test]
    fn block_comments_do_not_nest() {
        assert_eq!(
            kinds("/* a /* b */ c */"),
            [
                (BlockComment, "/* a /* b */"),
                (Word, "c"),
                (Other, "*"),
                (Other, "/")
            ]
        );
    }

    #[test]
    fn hint_body_is_lexed_as_code() {
        assert_eq!(
            kinds("SELECT /*+ OPTIONS('a'='*/') */")[1..],
            [
                (Other, "/*+"),
                (Word, "OPTIONS"),
                (Other, "("),
                (String, "'a'"),
                (Other, "="),
                (String, "'*/'"),
                (Other, ")"),
                (Other, "*"),
                (Other, "/")
            ]
        );
    }

    #[test]
    fn hint_opener_where_no_hint_can_be_is_a_comment() {
        assert_eq!(
            kinds("/*+--- it's ---+*/ a"),
            [(BlockComment, "/*+--- it's ---+*/"), (Word, "a")]
        );
        assert_eq!(
            kinds("a; /*+ x */"),
            [(Word, "a"), (Semicolon, ";"), (BlockComment, "/*+ x */")]
        );
        assert_eq!(kinds("a /*+ x */")[1], (Other, "/*+"));
    }

    #[test]
    fn single_minus_and_slash_are_operators() {
        assert_eq!(
            kinds("a-b/c"),
            [
                (Word, "a"),
                (Other, "-"),
                (Word, "b"),
                (Other, "/"),
                (Word, "c")
            ]
        );
    }

    #[test]
    fn placeholder_in_code_is_one_token() {
        assert_eq!(
            kinds("${END};"),
            [(Placeholder, "${END}"), (Semicolon, ";")]
        );
        assert_eq!(
            kinds("${X:-a;b'c} x"),
            [(Placeholder, "${X:-a;b'c}"), (Word, "x")]
        );
        assert_eq!(kinds("${X:--1}"), [(Placeholder, "${X:--1}")]);
    }

    #[test]
    fn malformed_placeholder_ends_after_the_name() {
        assert_eq!(
            kinds("${X:-a\n}"),
            [
                (Placeholder, "${X"),
                (Other, ":"),
                (Other, "-"),
                (Word, "a"),
                (Other, "}")
            ]
        );
        assert_eq!(
            kinds("${a b}"),
            [(Placeholder, "${a"), (Word, "b"), (Other, "}")]
        );
    }

    #[test]
    fn lone_dollar_is_punctuation() {
        assert_eq!(kinds("$a"), [(Other, "$"), (Word, "a")]);
    }

    #[test]
    fn unterminated_string_is_reported_where_it_began() {
        assert_eq!(
            error("select 'abc;"),
            LexError {
                offset: 7,
                what: Unterminated::String
            }
        );
        assert_eq!(
            error("select E'a\\'"),
            LexError {
                offset: 7,
                what: Unterminated::String
            }
        );
    }

    #[test]
    fn unterminated_identifiers_and_comments_are_reported() {
        assert_eq!(error("a \"b").what, Unterminated::QuotedIdent);
        assert_eq!(error("a `b").what, Unterminated::BacktickIdent);
        assert_eq!(error("a /* b").offset, 2);
        assert_eq!(error("a /* b").what, Unterminated::BlockComment);
    }

    #[test]
    fn lexing_stops_after_an_error() {
        let mut lexer = Lexer::new("'a");
        assert!(lexer.next().unwrap().is_err());
        assert!(lexer.next().is_none());
    }

    #[test]
    fn non_ascii_is_part_of_words() {
        assert_eq!(kinds("sélect 'é'"), [(Word, "sélect"), (String, "'é'")]);
    }

    #[test]
    fn cursor_counts_characters_and_crlf_once() {
        let src = "ab\r\néé x\ny";
        let mut c = Cursor::new(src, Pos::START);
        assert_eq!(c.pos_at(0), Pos { line: 1, column: 1 });
        assert_eq!(c.pos_at(src.find('x').unwrap()), Pos { line: 2, column: 4 });
        assert_eq!(c.pos_at(src.find('y').unwrap()), Pos { line: 3, column: 1 });
    }

    #[test]
    fn a_lone_cr_is_a_line_break_too() {
        let src = "SELECT 1;\rSELECT\r  ${X};\r\nz";
        let mut c = Cursor::new(src, Pos::START);
        assert_eq!(c.pos_at(src.find('$').unwrap()), Pos { line: 3, column: 3 });
        assert_eq!(c.pos_at(src.find('z').unwrap()), Pos { line: 4, column: 1 });
        assert_eq!(Pos::START.advanced("a\r\rb"), Pos { line: 3, column: 2 });
    }

    #[test]
    fn a_crlf_split_between_two_offsets_counts_once() {
        let src = "a\r\nb";
        let mut c = Cursor::new(src, Pos::START);
        assert_eq!(c.pos_at(2), Pos { line: 2, column: 1 });
        assert_eq!(c.pos_at(3), Pos { line: 2, column: 1 });
    }

    #[test]
    fn lines_end_at_any_line_break() {
        let text = "a\rb\r\nc\nd";
        let lines: Vec<_> = (0..=5).map(|n| line(text, n)).collect();
        assert_eq!(
            lines,
            [None, Some("a"), Some("b"), Some("c"), Some("d"), None]
        );
        assert_eq!(line("x\n", 2), Some(""));
    }

    #[test]
    fn cursor_starts_where_the_text_sits_in_its_file() {
        let mut c = Cursor::new("a\nb", Pos { line: 5, column: 7 });
        assert_eq!(c.pos_at(1), Pos { line: 5, column: 8 });
        assert_eq!(c.pos_at(2), Pos { line: 6, column: 1 });
    }
}
