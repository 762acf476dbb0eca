//! Variable substitution (SPEC §3) on one statement, after splitting, aware of where each
//! placeholder sits; and the [`SourceMap`] from the substituted SQL back to the file.
//!
//! Syntax: `${NAME}`, `${NAME:-default}` (default when unset or empty), `${NAME:?message}`
//! (required: unset or empty is an error with that message), `$${` for a literal `${`.
//! Names are `[A-Za-z_][A-Za-z0-9_]*`. A bare `$NAME` is not a placeholder (Flink SQL is full of
//! `$`: `'$.id'`, `'^a$'`). A placeholder never spans lines, and ends at the first `}`: a
//! default cannot contain `}` or another placeholder. Any other `${` is an error, so that nothing
//! that looks like a placeholder reaches Flink unsubstituted.
//!
//! Where a placeholder sits decides how its value is written:
//!
//! | context | value written |
//! |---|---|
//! | code (also inside a `/*+ hint */`) | as is |
//! | `'…'` string literal | `'` → `''` |
//! | `"…"` span inside a string literal | also `\` → `\\` and `"` → `\"` |
//! | `E'…'` string literal | also `\` → `\\` |
//! | `"…"` identifier | `"` → `""` |
//! | `` `…` `` identifier | `` ` `` → ``` `` ``` |
//! | `--` / `/* */` comment | nothing: left as written, never required |
//!
//! The `"…"`-inside-a-literal rule is our design decision for the JAAS form
//! `'… password="${KAFKA_PASSWORD}";'`: JAAS reads a quoted value with `\` escapes, so a password
//! holding `"` or `\` would otherwise break the login (or silently change). The same rule is
//! right for JSON inside a literal (`'{"k": "${V}"}'`). Outside a `"…"` span, `\` and `"` are
//! written as is.
//!
//! Defaults are literal text and are escaped like values. Because a default is written in the
//! source, inside its context, it is first read with that context's quoting (`''` in a string
//! literal is one `'`), so `'${X:-it''s}'` yields `'it''s'` and `'p="${X:-a\b}"'` yields
//! `'p="a\\b"'`. Inside `E'…'` a default is written exactly as it stands.

use std::borrow::Cow;
use std::sync::Arc;

use super::lex::{is_name_byte, Cursor, LexError, Lexer, Token, TokenKind};
use super::{Diagnostic, Pos};
use crate::profile::Vars;

/// What follows a placeholder's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback<'a> {
    /// `${NAME}`: the variable must be set (it may be empty).
    None,
    /// `${NAME:-default}`, as written.
    Default(&'a str),
    /// `${NAME:?message}`, as written.
    Required(&'a str),
}

/// A well-formed placeholder outside comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The variable's name.
    pub name: &'a str,
    /// What applies when the variable is unset (or empty).
    pub fallback: Fallback<'a>,
    /// Byte offset of the `$` in the text searched.
    pub offset: usize,
}

/// The placeholders of an SQL text, in order, skipping comments and malformed placeholders (for
/// `--dry-run` plans and checks). Stops at a lexical error.
pub fn references(text: &str) -> Vec<Reference<'_>> {
    let spots: Vec<Token> = spots(text).map_while(Result::ok).collect();
    references_at(text, &spots)
}

/// [`references`] of a statement whose spots are known.
pub(super) fn references_at<'a>(text: &'a str, spots: &[Token]) -> Vec<Reference<'a>> {
    let mut found = Vec::new();
    visit_spots(text, spots, &mut |hit| {
        if let Found::Placeholder { name, fallback } = hit.found {
            found.push(Reference {
                name,
                fallback,
                offset: hit.start,
            });
        }
    });
    found
}

/// Whether `token` of `src` can hold a placeholder: a `${` in code, or a quoted token with a `$`.
/// The splitter keeps these "spots" so that substitution need not lex the statement again.
pub(super) fn may_hold_placeholder(token: &Token, src: &str) -> bool {
    token.kind == TokenKind::Placeholder
        || token
            .content()
            .is_some_and(|(from, to)| src[from..to].contains('$'))
}

fn spots(text: &str) -> impl Iterator<Item = Result<Token, LexError>> + '_ {
    Lexer::new(text).filter(|t| t.as_ref().map_or(true, |t| may_hold_placeholder(t, text)))
}

/// Substitutes an SQL text (one statement) that starts at `pos` in `file`. Returns the SQL to
/// send and its map back to the file, or one diagnostic per missing variable, malformed
/// placeholder, or lexical error.
pub fn substitute(
    file: &Arc<str>,
    text: &str,
    pos: Pos,
    vars: &Vars,
) -> Result<(String, SourceMap), Vec<Diagnostic>> {
    if !text.contains('$') {
        return Ok((text.to_owned(), SourceMap::new(pos)));
    }
    let mut found = Vec::new();
    for spot in spots(text) {
        match spot {
            Ok(spot) => found.push(spot),
            Err(e) => {
                let message = e.message().to_owned();
                let pos = Cursor::new(text, pos).pos_at(e.offset);
                return Err(vec![Diagnostic {
                    file: file.clone(),
                    pos,
                    message,
                }]);
            }
        }
    }
    substitute_at(file, text, pos, &found, vars)
}

/// [`substitute`] of a statement whose spots (offsets relative to `text`) are known.
pub(super) fn substitute_at(
    file: &Arc<str>,
    text: &str,
    pos: Pos,
    spots: &[Token],
    vars: &Vars,
) -> Result<(String, SourceMap), Vec<Diagnostic>> {
    let mut map = SourceMap::new(pos);
    if spots.is_empty() {
        return Ok((text.to_owned(), map));
    }
    let mut out = Writer::new(text);
    // Positions are only needed for diagnostics; the map works them out when asked.
    let mut cursor = Cursor::new(text, pos);
    let mut diagnostics = Vec::new();
    visit_spots(text, spots, &mut |hit| match resolve(&hit, vars) {
        Ok(replacement) => {
            let (sql_start, sql_end) = out.replace(hit.start, hit.end, &replacement, hit.context);
            let placeholder_chars = text[hit.start..hit.end].chars().count();
            map.edits.push(Edit {
                sql_start,
                sql_end,
                placeholder_chars,
            });
        }
        Err(message) => {
            let pos = cursor.pos_at(hit.start);
            diagnostics.push(Diagnostic {
                file: file.clone(),
                pos,
                message,
            });
        }
    });
    if diagnostics.is_empty() {
        Ok((out.finish(), map))
    } else {
        Err(diagnostics)
    }
}

/// Applies the same `${…}` rules to text that is not SQL (a YAML manifest): the whole text is
/// code context, values are written as is. `name` is used in diagnostics.
pub fn render_template(name: &str, text: &str, vars: &Vars) -> Result<String, Vec<Diagnostic>> {
    let file: Arc<str> = Arc::from(name);
    let mut out = Writer::new(text);
    let mut cursor = Cursor::new(text, Pos::START);
    let mut diagnostics = Vec::new();
    scan_flat(
        text,
        0,
        text.len(),
        Context::Code,
        &mut |hit| match resolve(&hit, vars) {
            Ok(replacement) => {
                out.replace(hit.start, hit.end, &replacement, hit.context);
            }
            Err(message) => diagnostics.push(Diagnostic {
                file: file.clone(),
                pos: cursor.pos_at(hit.start),
                message,
            }),
        },
    );
    if diagnostics.is_empty() {
        Ok(out.finish())
    } else {
        Err(diagnostics)
    }
}

/// Every spelling in which substitution can write `value` into SQL (as is, with `''`, with the
/// JAAS and C-style backslash escapes, with identifier quote doubling), and each of those as
/// Flink's parser quotes it back in a parse error, so that output masking can find a secret
/// however it was written.
pub fn escaped_forms(value: &str) -> Vec<String> {
    let contexts = [
        Context::Code,
        Context::Literal {
            c_style: false,
            quoted: false,
        },
        Context::Literal {
            c_style: false,
            quoted: true,
        },
        Context::Literal {
            c_style: true,
            quoted: false,
        },
        Context::Literal {
            c_style: true,
            quoted: true,
        },
        Context::QuotedIdent,
        Context::BacktickIdent,
    ];
    let mut forms: Vec<String> = contexts
        .iter()
        .map(|&context| {
            let mut out = String::new();
            push_escaped(&mut out, value, context);
            out
        })
        .collect();
    let parser: Vec<String> = forms.iter().map(|form| parser_escaped(form)).collect();
    forms.extend(parser);
    forms.sort();
    forms.dedup();
    forms
}

/// `text` as Flink's SQL parser (Calcite, generated by JavaCC) quotes a token in its
/// "Encountered ..." errors: `'`, `"` and `\` get a backslash, control characters their C escape,
/// and everything outside printable ASCII becomes `\uXXXX` per UTF-16 unit (lower-case hex).
pub fn parser_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' | '\'' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// Where a `$` sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Code,
    /// Inside a string literal; `quoted` when inside a `"…"` span of its content.
    Literal {
        c_style: bool,
        quoted: bool,
    },
    QuotedIdent,
    BacktickIdent,
}

/// What starts at a `$`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found<'a> {
    Placeholder {
        name: &'a str,
        fallback: Fallback<'a>,
    },
    /// `$${`: a literal `${`.
    Escape,
    Malformed(String),
}

#[derive(Debug)]
struct Hit<'a> {
    start: usize,
    end: usize,
    context: Context,
    found: Found<'a>,
}

/// Visits every `${`/`$${` of the spots, in order, with its context. Comments hold no spots, so
/// placeholders in comments are never seen.
fn visit_spots<'a>(text: &'a str, spots: &[Token], visit: &mut dyn FnMut(Hit<'a>)) {
    for spot in spots {
        let (from, to) = spot.content().unwrap_or((spot.start, spot.end));
        match spot.kind {
            TokenKind::Placeholder => visit_code_placeholder(text, spot.start, spot.end, visit),
            TokenKind::String => scan_literal(text, from, to, false, visit),
            TokenKind::EscapedString => scan_literal(text, from, to, true, visit),
            TokenKind::QuotedIdent => scan_flat(text, from, to, Context::QuotedIdent, visit),
            TokenKind::BacktickIdent => scan_flat(text, from, to, Context::BacktickIdent, visit),
            _ => {}
        }
    }
}

/// A `${` in code is always the start of a placeholder token; a `$` just before it (a token of
/// its own) makes it the escape `$${`. The token runs to the first `}` of its line, so after an
/// escape or a malformed start the rest of it is scanned too: in `$${A:-x${B}}` the `${B}` is a
/// placeholder, as it would be inside a literal.
fn visit_code_placeholder<'a>(
    text: &'a str,
    at: usize,
    token_end: usize,
    visit: &mut dyn FnMut(Hit<'a>),
) {
    let start = match text.as_bytes()[..at].last() {
        Some(b'$') => at - 1,
        _ => at,
    };
    if let Some((found, end)) = parse(text, start, text.len()) {
        visit(Hit {
            start,
            end,
            context: Context::Code,
            found,
        });
        if end < token_end {
            scan_flat(text, end, token_end, Context::Code, visit);
        }
    }
}

/// Scans `text[from..to]`, all in one context.
fn scan_flat<'a>(
    text: &'a str,
    from: usize,
    to: usize,
    context: Context,
    visit: &mut dyn FnMut(Hit<'a>),
) {
    let mut at = from;
    while let Some(i) = text[at..to].find('$') {
        let start = at + i;
        at = match parse(text, start, to) {
            Some((found, end)) => {
                visit(Hit {
                    start,
                    end,
                    context,
                    found,
                });
                end
            }
            None => start + 1,
        };
    }
}

/// Scans a string literal's content, following its `"…"` spans (where `\` escapes, as in JAAS).
/// A `\` escapes everywhere in an `E'…'` literal too.
fn scan_literal<'a>(
    text: &'a str,
    from: usize,
    to: usize,
    c_style: bool,
    visit: &mut dyn FnMut(Hit<'a>),
) {
    if !text[from..to].contains('$') {
        return;
    }
    let bytes = text.as_bytes();
    let mut quoted = false;
    let mut at = from;
    while at < to {
        at = match bytes[at] {
            b'"' => {
                quoted = !quoted;
                at + 1
            }
            b'\\' if quoted || c_style => {
                let context = Context::Literal { c_style, quoted };
                after_backslash(text, at + 1, to, context, visit)
            }
            b'$' => match parse(text, at, to) {
                Some((found, end)) => {
                    let context = Context::Literal { c_style, quoted };
                    visit(Hit {
                        start: at,
                        end,
                        context,
                        found,
                    });
                    end
                }
                None => at + 1,
            },
            _ => at + 1,
        };
    }
}

/// Where scanning goes on after an escaping `\` whose next byte is at `at`. A placeholder right
/// after it is an error: its value's first character would be read as escaped (`\n` for a value
/// starting with `n`), and skipping it would send `${…}` as is. `\$${` stays an escape.
fn after_backslash<'a>(
    text: &'a str,
    at: usize,
    to: usize,
    context: Context,
    visit: &mut dyn FnMut(Hit<'a>),
) -> usize {
    if text.as_bytes().get(at) != Some(&b'$') {
        return at + 1;
    }
    match parse(text, at, to) {
        None => at + 1,
        Some((Found::Escape, _)) => at,
        Some((_, end)) => {
            let message = format!(
                "{} follows a \\ that escapes its first character: remove the \\ (the value is escaped for its place) or write $${{ for a literal ${{",
                snippet(text, at, to)
            );
            visit(Hit {
                start: at,
                end,
                context,
                found: Found::Malformed(message),
            });
            end
        }
    }
}

/// Reads what starts at the `$` at `start`, not looking at or past `limit`. `None` when it is
/// not a placeholder at all (a bare `$`).
fn parse<'a>(text: &'a str, start: usize, limit: usize) -> Option<(Found<'a>, usize)> {
    let bytes = &text.as_bytes()[..limit];
    match (bytes.get(start + 1), bytes.get(start + 2)) {
        (Some(b'$'), Some(b'{')) => Some((Found::Escape, start + 3)),
        (Some(b'{'), _) => Some(match placeholder(text, start + 2, limit) {
            Ok((name, fallback, end)) => (Found::Placeholder { name, fallback }, end),
            Err(problem) => {
                let message = format!("{} {}", snippet(text, start, limit), problem.explain());
                // Go on just after the `${`: what follows may hold a good placeholder.
                (Found::Malformed(message), start + 2)
            }
        }),
        _ => None,
    }
}

/// What is wrong with a `${`.
#[derive(Debug, Clone, Copy)]
enum Problem {
    BadName,
    BadOperator,
    Unclosed,
    Nested,
}

impl Problem {
    fn explain(self) -> &'static str {
        match self {
            Problem::BadName => "is not a valid placeholder: a name is letters, digits and _, not starting with a digit (write $${ for a literal ${)",
            Problem::BadOperator => "is not a valid placeholder: expected ${NAME}, ${NAME:-default} or ${NAME:?message} (write $${ for a literal ${)",
            Problem::Unclosed => "has no closing } on its line (and inside its string or identifier)",
            Problem::Nested => "nests a placeholder: a default or message is literal text",
        }
    }
}

/// `NAME}`, `NAME:-default}` or `NAME:?message}` at `from`: the name, the fallback, and the end.
fn placeholder<'a>(
    text: &'a str,
    from: usize,
    limit: usize,
) -> Result<(&'a str, Fallback<'a>, usize), Problem> {
    let bytes = &text.as_bytes()[..limit];
    let name_end = from
        + bytes[from..]
            .iter()
            .take_while(|&&b| is_name_byte(b))
            .count();
    let name = &text[from..name_end];
    if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
        return Err(Problem::BadName);
    }
    let fallback: fn(&'a str) -> Fallback<'a> = match (bytes.get(name_end), bytes.get(name_end + 1))
    {
        (Some(b'}'), _) => return Ok((name, Fallback::None, name_end + 1)),
        (Some(b':'), Some(b'-')) => Fallback::Default,
        (Some(b':'), Some(b'?')) => Fallback::Required,
        _ => return Err(Problem::BadOperator),
    };
    let operand_start = name_end + 2;
    let close = bytes[operand_start..]
        .iter()
        .position(|&b| matches!(b, b'}' | b'\n' | b'\r'));
    let operand_end = match close {
        Some(i) if bytes[operand_start + i] == b'}' => operand_start + i,
        _ => return Err(Problem::Unclosed),
    };
    let operand = &text[operand_start..operand_end];
    if operand.contains("${") {
        return Err(Problem::Nested);
    }
    Ok((name, fallback(operand), operand_end + 1))
}

/// The start of a placeholder for messages: up to its `}` or the end of the line, at most 40
/// characters.
fn snippet(text: &str, start: usize, limit: usize) -> String {
    let rest = &text[start..limit];
    let end = match rest.find(['}', '\n', '\r']) {
        Some(i) if rest.as_bytes()[i] == b'}' => i + 1,
        Some(i) => i,
        None => rest.len(),
    };
    let shown: String = rest[..end].chars().take(40).collect();
    if shown.len() < end {
        format!("{shown}…")
    } else {
        shown
    }
}

/// What a hit is replaced with.
enum Replacement<'a> {
    /// A value or default, escaped for its context.
    Value(Cow<'a, str>),
    /// Written as is: the `${` of `$${`, or a default inside `E'…'`.
    Verbatim(&'a str),
}

fn resolve<'a>(hit: &Hit<'a>, vars: &'a Vars) -> Result<Replacement<'a>, String> {
    let (name, fallback) = match &hit.found {
        Found::Escape => return Ok(Replacement::Verbatim("${")),
        Found::Malformed(message) => return Err(message.clone()),
        Found::Placeholder { name, fallback } => (*name, *fallback),
    };
    let value = vars.get(name);
    let non_empty = value.filter(|v| !v.is_empty());
    match (fallback, value, non_empty) {
        (Fallback::None, Some(v), _) => Ok(Replacement::Value(Cow::Borrowed(v))),
        (Fallback::None, None, _) => Err(format!("variable {name} is not set")),
        (Fallback::Default(_) | Fallback::Required(_), _, Some(v)) => {
            Ok(Replacement::Value(Cow::Borrowed(v)))
        }
        (Fallback::Default(default), _, None) => Ok(default_for(default, hit.context)),
        (Fallback::Required(message), _, None) if message.trim().is_empty() => {
            Err(format!("variable {name} is not set or empty"))
        }
        (Fallback::Required(message), _, None) => {
            Err(unquote(message.trim(), hit.context).into_owned())
        }
    }
}

/// A default is literal text written inside its context: its quoting is undone, then it is
/// escaped like a value. Inside `E'…'` it is taken as already written in that literal's syntax
/// (undoing every C-style escape is not worth it for a default).
fn default_for(raw: &str, context: Context) -> Replacement<'_> {
    match context {
        Context::Literal { c_style: true, .. } => Replacement::Verbatim(raw),
        _ => Replacement::Value(unquote(raw, context)),
    }
}

/// Text written inside `context`, with the context's quote doubling undone.
fn unquote(raw: &str, context: Context) -> Cow<'_, str> {
    let (doubled, single) = match context {
        Context::Code | Context::Literal { c_style: true, .. } => return Cow::Borrowed(raw),
        Context::Literal { .. } => ("''", "'"),
        Context::QuotedIdent => ("\"\"", "\""),
        Context::BacktickIdent => ("``", "`"),
    };
    if raw.contains(doubled) {
        Cow::Owned(raw.replace(doubled, single))
    } else {
        Cow::Borrowed(raw)
    }
}

/// Writes `value` so that, read back in `context`, it is `value` again.
fn push_escaped(out: &mut String, value: &str, context: Context) {
    let special: &[char] = match context {
        Context::Code => &[],
        Context::Literal {
            c_style: false,
            quoted: false,
        } => &['\''],
        Context::Literal { .. } => &['\'', '\\', '"'],
        Context::QuotedIdent => &['"'],
        Context::BacktickIdent => &['`'],
    };
    if !value.contains(special) {
        out.push_str(value);
        return;
    }
    match context {
        Context::QuotedIdent => out.push_str(&value.replace('"', "\"\"")),
        Context::BacktickIdent => out.push_str(&value.replace('`', "``")),
        Context::Literal { c_style, quoted } => {
            for c in value.chars() {
                if quoted && matches!(c, '\\' | '"') {
                    push_literal_char(out, '\\', c_style);
                }
                push_literal_char(out, c, c_style);
            }
        }
        Context::Code => out.push_str(value),
    }
}

fn push_literal_char(out: &mut String, c: char, c_style: bool) {
    match c {
        '\'' => out.push_str("''"),
        '\\' if c_style => out.push_str("\\\\"),
        _ => out.push(c),
    }
}

/// Builds the output: unchanged stretches of the input, then replacements.
struct Writer<'a> {
    input: &'a str,
    out: String,
    copied: usize,
}

impl<'a> Writer<'a> {
    fn new(input: &'a str) -> Self {
        Writer {
            input,
            out: String::with_capacity(input.len() + 64),
            copied: 0,
        }
    }

    /// Replaces `input[start..end]`; returns where the replacement sits in the output.
    fn replace(
        &mut self,
        start: usize,
        end: usize,
        replacement: &Replacement<'_>,
        context: Context,
    ) -> (usize, usize) {
        self.out.push_str(&self.input[self.copied..start]);
        let sql_start = self.out.len();
        match replacement {
            Replacement::Value(value) => push_escaped(&mut self.out, value, context),
            Replacement::Verbatim(text) => self.out.push_str(text),
        }
        self.copied = end;
        (sql_start, self.out.len())
    }

    fn finish(mut self) -> String {
        self.out.push_str(&self.input[self.copied..]);
        self.out
    }
}

/// Maps a position in a statement's substituted SQL (as Flink reports it: `line 1, column 15`)
/// back to the position in the file.
///
/// Text outside replacements maps one to one; a position inside a substituted value maps to the
/// placeholder's `$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMap {
    start: Pos,
    edits: Vec<Edit>,
    /// Text put in front of the SQL after substitution (`EXPLAIN `), and what of its first line
    /// it replaced (`EXECUTE`); neither holds a line break.
    front: Option<(String, String)>,
}

/// One replacement: `sql[sql_start..sql_end]` stands for a placeholder of `placeholder_chars`
/// characters. A placeholder never spans lines, so that is all it takes to map positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edit {
    sql_start: usize,
    sql_end: usize,
    placeholder_chars: usize,
}

/// The identity: SQL positions are file positions (a statement at line 1, column 1, nothing
/// substituted).
impl Default for SourceMap {
    fn default() -> Self {
        SourceMap::new(Pos::START)
    }
}

impl SourceMap {
    /// The identity map of a statement that starts at `start` in its file.
    pub fn new(start: Pos) -> Self {
        SourceMap {
            start,
            edits: Vec::new(),
            front: None,
        }
    }

    /// The map of the SQL with its first `skipped` text replaced by `added` (one line each).
    pub fn with_front(&self, added: &str, skipped: &str) -> SourceMap {
        SourceMap {
            front: Some((added.to_owned(), skipped.to_owned())),
            ..self.clone()
        }
    }

    /// The file position of `pos` in `sql` (1-based; Flink counts columns in UTF-16 units).
    /// Positions past the end of a line or of the SQL are clamped.
    pub fn to_source(&self, sql: &str, pos: Pos) -> Pos {
        if let Some((added, skipped)) = &self.front {
            let Some(rest) = sql.strip_prefix(added.as_str()) else {
                return self.start;
            };
            let original = format!("{skipped}{rest}");
            let mut pos = pos;
            if pos.line <= 1 {
                let added_units = added.encode_utf16().count();
                let skipped_units = skipped.encode_utf16().count();
                pos.column = (pos.column + skipped_units)
                    .saturating_sub(added_units)
                    .max(1);
            }
            return SourceMap {
                front: None,
                ..self.clone()
            }
            .to_source(&original, pos);
        }
        let offset = offset_of(sql, pos);
        let mut at = self.start;
        let mut from = 0;
        for edit in self.edits.iter().take_while(|e| e.sql_start <= offset) {
            at = at.advanced(&sql[from..edit.sql_start]);
            if offset < edit.sql_end {
                return at;
            }
            at.column += edit.placeholder_chars;
            from = edit.sql_end;
        }
        at.advanced(&sql[from..offset])
    }
}

/// The byte offset of a 1-based line and UTF-16 column in `text`, clamped to the line and text.
/// Lines end as Calcite ends them: at `\n`, `\r\n` or a lone `\r`.
fn offset_of(text: &str, pos: Pos) -> usize {
    let mut line_start = 0;
    for _ in 1..pos.line {
        match text[line_start..].find(['\n', '\r']) {
            Some(i) if text[line_start + i..].starts_with("\r\n") => line_start += i + 2,
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 1;
    for (i, c) in text[line_start..].char_indices() {
        if units >= pos.column || c == '\n' || c == '\r' {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{merge, Vars};

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        merge(pairs, Vec::new(), &[])
    }

    fn sub(text: &str, pairs: &[(&str, &str)]) -> String {
        let file: Arc<str> = Arc::from("t.sql");
        match substitute(&file, text, Pos::START, &vars(pairs)) {
            Ok((sql, _)) => sql,
            Err(d) => panic!(
                "{}",
                d.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    fn errors(text: &str, pairs: &[(&str, &str)]) -> Vec<String> {
        let file: Arc<str> = Arc::from("t.sql");
        let d = substitute(&file, text, Pos::START, &vars(pairs)).expect_err("diagnostics");
        d.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn plain_placeholder_in_code() {
        assert_eq!(
            sub("SELECT * FROM ${T}_x", &[("T", "orders")]),
            "SELECT * FROM orders_x"
        );
    }

    #[test]
    fn lowercase_names_are_placeholders_too() {
        assert_eq!(sub("${lower_1}", &[("lower_1", "v")]), "v");
    }

    #[test]
    fn default_applies_when_unset_or_empty() {
        assert_eq!(
            sub("${A:-x} ${B:-y} ${C:-z}", &[("A", ""), ("C", "c")]),
            "x y c"
        );
    }

    #[test]
    fn empty_default_is_allowed() {
        assert_eq!(sub("a${A:-}b", &[]), "ab");
    }

    #[test]
    fn set_but_empty_plain_placeholder_is_empty() {
        assert_eq!(sub("'${A}'", &[("A", "")]), "''");
    }

    #[test]
    fn required_with_message() {
        assert_eq!(
            errors("SELECT ${A:?set A in the profile}", &[]),
            ["t.sql:1:8: set A in the profile"]
        );
        assert_eq!(
            errors("${A:?}", &[("A", "")]),
            ["t.sql:1:1: variable A is not set or empty"]
        );
        assert_eq!(sub("${A:?msg}", &[("A", "v")]), "v");
    }

    #[test]
    fn missing_variables_are_all_reported_with_positions() {
        let text = "SELECT\n  '${KAFKA_ENV}.orders', ${B}\n";
        assert_eq!(
            errors(text, &[]),
            [
                "t.sql:2:4: variable KAFKA_ENV is not set",
                "t.sql:2:26: variable B is not set"
            ]
        );
    }

    #[test]
    fn positions_follow_the_statement_start() {
        let file: Arc<str> = Arc::from("job.sql");
        let d = substitute(
            &file,
            "SELECT\n ${X}",
            Pos { line: 3, column: 5 },
            &Vars::default(),
        )
        .unwrap_err();
        assert_eq!(d[0].to_string(), "job.sql:4:2: variable X is not set");
        let d = substitute(
            &file,
            "SELECT ${X}",
            Pos { line: 3, column: 5 },
            &Vars::default(),
        )
        .unwrap_err();
        assert_eq!(
            d[0].pos,
            Pos {
                line: 3,
                column: 12
            }
        );
    }

    #[test]
    fn bare_dollar_is_not_a_placeholder() {
        let text = "SELECT JSON_VALUE(p, '$.id'), REGEXP(a, '^a$'), $X, a$b, '$'";
        assert_eq!(sub(text, &[("X", "no")]), text);
    }

    #[test]
    fn double_dollar_brace_writes_a_literal_placeholder() {
        assert_eq!(sub("'$${X}' $${Y}", &[]), "'${X}' ${Y}");
    }

    #[test]
    fn escape_takes_the_dollar_right_before_the_brace() {
        assert_eq!(sub("$$${X} '$$${X}'", &[]), "$${X} '$${X}'");
    }

    #[test]
    fn a_placeholder_after_an_escape_in_code_is_substituted() {
        assert_eq!(
            sub("$${A:-x${B}} ${C}", &[("B", "b"), ("C", "c")]),
            "${A:-xb} c"
        );
        assert_eq!(sub("$$${Z:-E${Z:-z}", &[]), "$${Z:-Ez");
    }

    #[test]
    fn escape_inside_a_comment_is_left_as_written() {
        assert_eq!(sub("SELECT 1 -- $${X}", &[]), "SELECT 1 -- $${X}");
    }

    #[test]
    fn malformed_placeholders_are_errors() {
        let e = errors("SELECT '${lower case}', ${1X}, ${}, ${X:+y}", &[]);
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(
            e[0].starts_with("t.sql:1:9: ${lower case} is not a valid placeholder"),
            "{}",
            e[0]
        );
        assert!(
            e[1].starts_with("t.sql:1:25: ${1X} is not a valid placeholder"),
            "{}",
            e[1]
        );
        assert!(
            e[3].contains("expected ${NAME}, ${NAME:-default} or ${NAME:?message}"),
            "{}",
            e[3]
        );
    }

    #[test]
    fn unclosed_placeholder_is_an_error() {
        let e = errors("SELECT '${X:-abc', 1", &[]);
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("t.sql:1:9: ${X:-abc has no closing }"),
            "{}",
            e[0]
        );
        assert_eq!(errors("${X", &[]).len(), 1);
        assert_eq!(errors("${X:-a\n}", &[]).len(), 1);
    }

    #[test]
    fn nested_placeholder_in_a_default_is_an_error() {
        assert!(errors("${A:-${B}}", &[])[0].contains("nests a placeholder"));
    }

    #[test]
    fn placeholders_in_comments_are_left_alone() {
        let text = "SELECT 1 -- uses ${MISSING} and ${bad one\n/* ${ALSO:?never} */ + ${A}";
        assert_eq!(
            sub(text, &[("A", "2")]),
            "SELECT 1 -- uses ${MISSING} and ${bad one\n/* ${ALSO:?never} */ + 2"
        );
    }

    #[test]
    fn placeholders_in_hints_are_substituted() {
        assert_eq!(
            sub(
                "SELECT * FROM t /*+ OPTIONS('properties.group.id'='${G}') */",
                &[("G", "it's")]
            ),
            "SELECT * FROM t /*+ OPTIONS('properties.group.id'='it''s') */"
        );
    }

    #[test]
    fn quote_in_value_is_doubled_inside_a_string_literal() {
        assert_eq!(sub("'${P}'", &[("P", "a'b")]), "'a''b'");
    }

    #[test]
    fn value_in_code_is_written_as_is() {
        assert_eq!(sub("${P}", &[("P", r#"a'b"c\d"#)]), r#"a'b"c\d"#);
    }

    #[test]
    fn jaas_password_escapes_backslash_and_double_quote() {
        let text = r#"'org.apache.kafka.common.security.scram.ScramLoginModule required username="${U}" password="${P}";'"#;
        let sql = sub(text, &[("U", "svc"), ("P", r#"p'a"s\s;--"#)]);
        assert_eq!(
            sql,
            r#"'org.apache.kafka.common.security.scram.ScramLoginModule required username="svc" password="p''a\"s\\s;--";'"#
        );
    }

    #[test]
    fn backslash_outside_a_double_quoted_span_is_written_as_is() {
        assert_eq!(
            sub("'${U}:${P}'", &[("U", "u"), ("P", r#"a\b"c"#)]),
            r#"'u:a\b"c'"#
        );
    }

    #[test]
    fn escaped_quote_inside_a_jaas_span_does_not_end_it() {
        assert_eq!(
            sub(r#"'x="a\" ${P}" y=${P}'"#, &[("P", r#"""#)]),
            r#"'x="a\" \"" y="'"#
        );
    }

    #[test]
    fn a_placeholder_behind_an_escaping_backslash_is_an_error_not_sent_as_is() {
        let jaas = r#"'x required password="\${P}";'"#;
        let e = errors(jaas, &[("P", "secret")]);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(r"t.sql:1:24: ${P} follows a \ that escapes its first character"),
            "{}",
            e[0]
        );
        let c_style = errors(r"E'\${P}'", &[("P", "n")]);
        assert!(
            c_style[0].starts_with("t.sql:1:4: ${P} follows a"),
            "{c_style:?}"
        );
    }

    #[test]
    fn a_backslash_before_an_escape_or_a_bare_dollar_stays_as_written() {
        assert_eq!(
            sub(r#"'p="\$${P}" q="\$x"'"#, &[]),
            r#"'p="\${P}" q="\$x"'"#
        );
        assert_eq!(sub(r"E'\\${P}'", &[("P", "v")]), r"E'\\v'");
    }

    #[test]
    fn json_inside_a_literal_gets_the_same_escaping() {
        assert_eq!(
            sub(r#"'{"k": "${V}"}'"#, &[("V", r#"say "hi"\"#)]),
            r#"'{"k": "say \"hi\"\\"}'"#
        );
    }

    #[test]
    fn c_style_string_escapes_backslashes() {
        assert_eq!(sub(r"E'${P}'", &[("P", r"a\b'c")]), r"E'a\\b''c'");
        assert_eq!(sub(r#"E'x="${P}"'"#, &[("P", r"\")]), r#"E'x="\\\\"'"#);
    }

    #[test]
    fn default_inside_a_c_style_string_is_written_as_it_stands() {
        assert_eq!(sub(r"E'${X:-a\tb}'", &[]), r"E'a\tb'");
    }

    #[test]
    fn identifiers_double_their_quote() {
        assert_eq!(
            sub("\"${A}\" `${A}`", &[("A", "x\"y`z")]),
            "\"x\"\"y`z\" `x\"y``z`"
        );
    }

    #[test]
    fn defaults_get_the_same_escaping_as_values() {
        assert_eq!(
            sub(r#"'${X:-it''s}' 'p="${Y:-a\b}"'"#, &[]),
            r#"'it''s' 'p="a\\b"'"#
        );
        assert_eq!(sub("${X:-a'b}", &[]), "a'b");
    }

    #[test]
    fn value_with_semicolons_and_comment_markers_is_inserted_verbatim_in_a_literal() {
        assert_eq!(sub("'${P}'", &[("P", "a;--b/*c")]), "'a;--b/*c'");
    }

    #[test]
    fn references_skip_comments_and_malformed_placeholders() {
        let refs = references("SELECT '${A}', ${B:-x}, ${C:?m} -- ${D}\n, ${bad one}");
        let names: Vec<_> = refs.iter().map(|r| (r.name, r.fallback)).collect();
        assert_eq!(
            names,
            [
                ("A", Fallback::None),
                ("B", Fallback::Default("x")),
                ("C", Fallback::Required("m"))
            ]
        );
        assert_eq!(refs[0].offset, 8);
    }

    #[test]
    fn template_treats_everything_as_plain_text() {
        let yaml = "name: ${NAME}\n# ${COMMENTED:-not special}\nimage: '${IMG:-flink:2.0}'\n";
        assert_eq!(
            render_template("m.yaml", yaml, &vars(&[("NAME", "it's")])).unwrap(),
            "name: it's\n# not special\nimage: 'flink:2.0'\n"
        );
    }

    #[test]
    fn template_reports_every_problem() {
        let e = render_template("m.yaml", "a: ${A}\nb: ${b c}\n", &Vars::default()).unwrap_err();
        let e: Vec<String> = e.iter().map(ToString::to_string).collect();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0], "m.yaml:1:4: variable A is not set");
        assert!(e[1].starts_with("m.yaml:2:4: ${b c} is not a valid placeholder"));
    }

    #[test]
    fn escaped_forms_cover_every_context() {
        let forms = escaped_forms(r#"a'b"c\d`"#);
        for expected in [
            r#"a'b"c\d`"#,
            r#"a''b"c\d`"#,
            r#"a''b\"c\\d`"#,
            r#"a''b"c\\d`"#,
            r#"a'b""c\d`"#,
            r#"a'b"c\d``"#,
        ] {
            assert!(
                forms.iter().any(|f| f == expected),
                "{expected} not in {forms:?}"
            );
        }
    }

    #[test]
    fn escaped_forms_include_the_parsers_quoting() {
        let forms = escaped_forms("S'é\\\"x😀");
        for expected in [
            r#"S\'\u00e9\\\"x\ud83d\ude00"#,
            r#"S\'\'\u00e9\\\\\\\"x\ud83d\ude00"#,
        ] {
            assert!(
                forms.iter().any(|f| f == expected),
                "{expected} not in {forms:?}"
            );
        }
    }

    #[test]
    fn the_parser_escapes_quotes_backslashes_controls_and_non_ascii() {
        assert_eq!(parser_escaped("a'b\"c\\d"), r#"a\'b\"c\\d"#);
        assert_eq!(parser_escaped("t\tn\n"), r#"t\tn\n"#);
        assert_eq!(parser_escaped("\u{7f}é"), r#"\u007f\u00e9"#);
    }

    fn map_of(text: &str, start: Pos, pairs: &[(&str, &str)]) -> (String, SourceMap) {
        substitute(&Arc::from("t.sql"), text, start, &vars(pairs)).unwrap()
    }

    #[test]
    fn source_map_without_substitution_offsets_by_the_statement_start() {
        let (sql, map) = map_of(
            "SELECT\n  x",
            Pos {
                line: 10,
                column: 3,
            },
            &[],
        );
        assert_eq!(
            map.to_source(&sql, Pos { line: 1, column: 6 }),
            Pos {
                line: 10,
                column: 8
            }
        );
        assert_eq!(
            map.to_source(&sql, Pos { line: 2, column: 3 }),
            Pos {
                line: 11,
                column: 3
            }
        );
    }

    #[test]
    fn source_map_accounts_for_longer_and_shorter_values() {
        let text = "SELECT '${A}', ${B}, bad";
        let (sql, map) = map_of(text, Pos::START, &[("A", "a much longer value"), ("B", "")]);
        let bad_in_sql = sql.find("bad").unwrap() + 1;
        assert_eq!(
            map.to_source(
                &sql,
                Pos {
                    line: 1,
                    column: bad_in_sql
                }
            ),
            Pos {
                line: 1,
                column: text.find("bad").unwrap() + 1
            }
        );
    }

    #[test]
    fn source_map_points_inside_a_value_to_its_dollar() {
        let (sql, map) = map_of(
            "SELECT\n  x + ${EXPR}",
            Pos { line: 2, column: 1 },
            &[("EXPR", "1 +\n oops")],
        );
        assert_eq!(sql, "SELECT\n  x + 1 +\n oops");
        assert_eq!(
            map.to_source(&sql, Pos { line: 3, column: 2 }),
            Pos { line: 3, column: 7 }
        );
    }

    #[test]
    fn source_map_after_a_multiline_value() {
        let (sql, map) = map_of("SELECT ${V}, y\n, z", Pos::START, &[("V", "a\nb\nc")]);
        // `y` is on line 3 of the SQL, on line 1 of the file.
        assert_eq!(
            map.to_source(&sql, Pos { line: 3, column: 4 }),
            Pos {
                line: 1,
                column: 14
            }
        );
        assert_eq!(
            map.to_source(&sql, Pos { line: 4, column: 3 }),
            Pos { line: 2, column: 3 }
        );
    }

    #[test]
    fn source_map_counts_literal_dollar_brace_as_an_edit() {
        let (sql, map) = map_of("'$${X}' bad", Pos::START, &[]);
        assert_eq!(sql, "'${X}' bad");
        assert_eq!(
            map.to_source(&sql, Pos { line: 1, column: 8 }),
            Pos { line: 1, column: 9 }
        );
    }

    #[test]
    fn source_map_counts_a_lone_cr_as_a_line_break_like_flink() {
        let (sql, map) = map_of(
            "SELECT\r  '${A}',\r\n  bad",
            Pos::START,
            &[("A", "long value")],
        );
        assert_eq!(
            map.to_source(&sql, Pos { line: 3, column: 3 }),
            Pos { line: 3, column: 3 }
        );
        assert_eq!(
            map.to_source(
                &sql,
                Pos {
                    line: 2,
                    column: 15
                }
            ),
            Pos { line: 2, column: 9 }
        );
    }

    #[test]
    fn default_source_map_is_the_identity() {
        let sql = "SELECT\n  x";
        assert_eq!(
            SourceMap::default().to_source(sql, Pos { line: 2, column: 3 }),
            Pos { line: 2, column: 3 }
        );
    }

    #[test]
    fn source_map_clamps_positions_out_of_range() {
        let (sql, map) = map_of("SELECT 1\nFROM t", Pos::START, &[]);
        assert_eq!(
            map.to_source(&sql, Pos { line: 9, column: 9 }),
            Pos { line: 2, column: 7 }
        );
        assert_eq!(
            map.to_source(
                &sql,
                Pos {
                    line: 1,
                    column: 99
                }
            ),
            Pos { line: 1, column: 9 }
        );
    }

    #[test]
    fn source_map_reads_flink_columns_as_utf16_units() {
        let (sql, map) = map_of("SELECT '😀', bad", Pos::START, &[]);
        // The emoji is two UTF-16 units for Flink but one character in our positions.
        assert_eq!(
            map.to_source(
                &sql,
                Pos {
                    line: 1,
                    column: 15
                }
            ),
            Pos {
                line: 1,
                column: 14
            }
        );
    }
}
