//! What the checks read out of one statement's text: a `CREATE TABLE`'s name, columns, primary
//! key and `WITH` options, a `SET` pair, an `INSERT`'s target, each with its place in the file.
//! Read with the script lexer (so comments, quotes and placeholders are what Flink sees); not a
//! parser: anything it does not recognise is `None`, and the live check is the judge.

use crate::script::lex::{Cursor, Lexer, Token, TokenKind};
use crate::script::Pos;

/// A `CREATE TABLE` as far as the checks need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The name as written, parts unquoted: `["cat", "db", "orders"]` or `["orders"]`.
    pub name: Vec<String>,
    pub temporary: bool,
    pub columns: Vec<Column>,
    /// Primary key columns, in key order.
    pub primary_key: Vec<String>,
    pub options: Vec<Opt>,
}

impl Table {
    /// The last part of the name: what an error's `'cat.db.name'` ends with.
    pub fn short_name(&self) -> &str {
        self.name.last().map_or("", String::as_str)
    }

    /// The value of option `key`, if set.
    pub fn option(&self, key: &str) -> Option<&Opt> {
        self.options.iter().find(|o| o.key == key)
    }
}

/// A declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// The type as written, upper-cased, spaces normalised: `DECIMAL(10, 2)`, `STRING`.
    pub data_type: String,
    pub not_null: bool,
    /// A physical column (not computed with `AS`, not `METADATA`).
    pub physical: bool,
    pub pos: Pos,
}

/// One `'key' = 'value'` pair (a table option or a `SET`).
#[derive(Debug, Clone, PartialEq)]
pub struct Opt {
    pub key: String,
    /// The value as written, quotes removed (`''` read as `'`); placeholders not substituted.
    pub value: String,
    pub key_pos: Pos,
    pub value_pos: Pos,
}

/// The statement's tokens without comments, with the text and a cursor for positions.
struct Tokens<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    cursor: Cursor<'a>,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str, origin: Pos) -> Tokens<'a> {
        let tokens = Lexer::new(text)
            .map_while(Result::ok)
            .filter(|t| !t.is_comment())
            .flat_map(|t| split_punct(t, text))
            .collect();
        Tokens {
            text,
            tokens,
            cursor: Cursor::new(text, origin),
        }
    }

    fn text(&self, i: usize) -> &'a str {
        self.tokens.get(i).map_or("", |t| t.text(self.text))
    }

    fn word(&self, i: usize) -> Option<String> {
        let t = self.tokens.get(i)?;
        (t.kind == TokenKind::Word).then(|| t.text(self.text).to_ascii_uppercase())
    }

    fn is(&self, i: usize, word: &str) -> bool {
        self.word(i).is_some_and(|w| w == word)
    }

    fn pos(&mut self, i: usize) -> Pos {
        let offset = self.tokens.get(i).map_or(self.text.len(), |t| t.start);
        self.cursor.pos_at(offset)
    }

    /// The index just past the group opened by the `(` at `open`.
    fn close_of(&self, open: usize) -> usize {
        let mut depth = 0usize;
        for i in open..self.tokens.len() {
            match self.text(i) {
                "(" => depth += 1,
                ")" => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        }
        self.tokens.len()
    }
}

/// A run of punctuation (`)),`) cut into one token per character, so parentheses can be counted.
fn split_punct(t: Token, text: &str) -> Vec<Token> {
    if t.kind != TokenKind::Other || t.end - t.start == 1 || t.text(text).starts_with("/*+") {
        return vec![t];
    }
    (t.start..t.end)
        .filter(|&i| text.is_char_boundary(i))
        .map(|i| Token {
            kind: TokenKind::Other,
            start: i,
            end: i + text[i..].chars().next().map_or(1, char::len_utf8),
        })
        .collect()
}

/// A string literal's content, `''` read as `'`.
fn unquote(token: &Token, text: &str) -> Option<String> {
    match token.kind {
        TokenKind::String => {
            let (a, b) = token.content()?;
            Some(text[a..b].replace("''", "'"))
        }
        _ => None,
    }
}

/// An identifier part without its quotes.
fn ident(token: &Token, text: &str) -> Option<String> {
    let raw = token.text(text);
    match token.kind {
        TokenKind::Word | TokenKind::Placeholder => Some(raw.to_owned()),
        TokenKind::BacktickIdent => Some(raw[1..raw.len() - 1].replace("``", "`")),
        TokenKind::QuotedIdent => Some(raw[1..raw.len() - 1].replace("\"\"", "\"")),
        _ => None,
    }
}

/// A possibly qualified name starting at token `i`, and the index after it.
fn name_at(t: &Tokens, mut i: usize) -> Option<(Vec<String>, usize)> {
    let mut parts = vec![ident(t.tokens.get(i)?, t.text)?];
    while t.text(i + 1) == "." {
        parts.push(ident(t.tokens.get(i + 2)?, t.text)?);
        i += 2;
    }
    Some((parts, i + 1))
}

/// Reads `CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (…) … WITH (…)` (not `CREATE TABLE … AS`).
pub fn create_table(text: &str, origin: Pos) -> Option<Table> {
    let mut t = Tokens::new(text, origin);
    let mut i = 1;
    if !t.is(0, "CREATE") {
        return None;
    }
    let temporary = t.is(i, "TEMPORARY");
    if temporary {
        i += 1;
    }
    if !t.is(i, "TABLE") {
        return None;
    }
    i += 1;
    if t.is(i, "IF") {
        i += 3;
    }
    let (name, after) = name_at(&t, i)?;
    let mut table = Table {
        name,
        temporary,
        columns: Vec::new(),
        primary_key: Vec::new(),
        options: Vec::new(),
    };
    let mut i = after;
    if t.text(i) == "(" {
        let end = t.close_of(i);
        read_body(&mut t, &mut table, i + 1, end - 1);
        i = end;
    }
    while i < t.tokens.len() && !t.is(i, "WITH") {
        if t.is(i, "AS") {
            return None;
        }
        i += 1;
    }
    if t.text(i + 1) == "(" {
        let end = t.close_of(i + 1);
        table.options = pairs(&mut t, i + 2, end);
        if t.is(end, "AS") {
            return None;
        }
    }
    Some(table)
}

/// Columns and constraints between `from` and `to` (the parentheses excluded).
fn read_body(t: &mut Tokens, table: &mut Table, from: usize, to: usize) {
    let mut start = from;
    let mut depth = 0usize;
    for i in from..to {
        match t.text(i) {
            "(" | "<" => depth += 1,
            ")" | ">" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                read_element(t, table, start, i);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < to {
        read_element(t, table, start, to);
    }
}

/// One column or constraint, tokens `from..to`.
fn read_element(t: &mut Tokens, table: &mut Table, from: usize, to: usize) {
    let first = t.word(from).unwrap_or_default();
    if matches!(first.as_str(), "CONSTRAINT" | "PRIMARY") {
        let open = (from..to).find(|&i| t.text(i) == "(");
        if let Some(open) = open {
            table.primary_key = (open + 1..to)
                .filter_map(|i| t.tokens.get(i).and_then(|tk| ident(tk, t.text)))
                .filter(|s| !s.eq_ignore_ascii_case("NOT") && !s.eq_ignore_ascii_case("ENFORCED"))
                .collect();
        }
        return;
    }
    if matches!(first.as_str(), "WATERMARK" | "PERIOD" | "LIKE") {
        return;
    }
    let Some(name) = t.tokens.get(from).and_then(|tk| ident(tk, t.text)) else {
        return;
    };
    let words: Vec<String> = (from + 1..to).filter_map(|i| t.word(i)).collect();
    let stop = (from + 1..to)
        .find(|&i| {
            t.word(i).is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "NOT" | "NULL" | "METADATA" | "COMMENT" | "PRIMARY" | "CONSTRAINT" | "VIRTUAL"
                )
            })
        })
        .unwrap_or(to);
    let type_text = match (t.tokens.get(from + 1), t.tokens.get(stop.max(from + 1) - 1)) {
        (Some(a), Some(b)) if stop > from + 1 => &t.text[a.start..b.end],
        _ => "",
    };
    let physical = !t.is(from + 1, "AS") && !words.iter().any(|w| w == "METADATA");
    if words.windows(2).any(|w| w[0] == "PRIMARY" && w[1] == "KEY") {
        table.primary_key = vec![name.clone()];
    }
    let pos = t.pos(from);
    table.columns.push(Column {
        name,
        data_type: normalise_type(type_text),
        not_null: words.windows(2).any(|w| w[0] == "NOT" && w[1] == "NULL"),
        physical,
        pos,
    });
}

/// `decimal(10,2)` → `DECIMAL(10, 2)`: upper case, one space after a comma, none elsewhere.
fn normalise_type(text: &str) -> String {
    let upper = text.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    words
        .join(" ")
        .replace(" (", "(")
        .replace(", ", ",")
        .replace(',', ", ")
}

/// `'k' = 'v'` pairs among tokens `from..to`.
fn pairs(t: &mut Tokens, from: usize, to: usize) -> Vec<Opt> {
    let mut out = Vec::new();
    let mut i = from;
    while i + 2 < to.max(from + 3) && i + 2 < t.tokens.len() {
        let (k, eq, v) = (t.tokens[i], t.text(i + 1), t.tokens[i + 2]);
        match (unquote(&k, t.text), eq, unquote(&v, t.text)) {
            (Some(key), "=", Some(value)) => {
                let key_pos = t.pos(i);
                let value_pos = t.pos(i + 2);
                out.push(Opt {
                    key,
                    value,
                    key_pos,
                    value_pos,
                });
                i += 3;
            }
            _ => i += 1,
        }
    }
    out
}

/// What a DDL or `USE` statement acts on, as far as deciding whether it stays in the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// `CREATE`, `DROP`, `ALTER`, `USE`, …, upper-cased.
    pub verb: String,
    /// `TABLE`, `VIEW`, `FUNCTION`, `DATABASE`, `CATALOG` (empty for `USE name`).
    pub what: String,
    pub temporary: bool,
    pub name: Vec<String>,
    /// A `CREATE CATALOG`'s `'type'` option.
    pub catalog_type: Option<String>,
}

/// Reads `CREATE|DROP|ALTER [OR REPLACE] [TEMPORARY [SYSTEM]] KIND [IF [NOT] EXISTS] name` and
/// `USE [CATALOG] name`.
pub fn object(text: &str) -> Option<Object> {
    let mut t = Tokens::new(text, Pos::START);
    let verb = t.word(0)?;
    let mut object = Object {
        verb,
        what: String::new(),
        temporary: false,
        name: Vec::new(),
        catalog_type: None,
    };
    let mut i = 1;
    while let Some(w) = t.word(i) {
        match w.as_str() {
            "OR" | "REPLACE" | "SYSTEM" | "IF" | "NOT" | "EXISTS" | "MATERIALIZED" => {}
            "TEMPORARY" => object.temporary = true,
            "TABLE" | "VIEW" | "FUNCTION" | "DATABASE" | "CATALOG" | "MODEL"
                if object.what.is_empty() =>
            {
                object.what = w
            }
            _ => break,
        }
        i += 1;
    }
    object.name = name_at(&t, i)?.0;
    if object.verb == "CREATE" && object.what == "CATALOG" {
        let len = t.tokens.len();
        object.catalog_type = pairs(&mut t, i, len)
            .into_iter()
            .find(|o| o.key == "type")
            .map(|o| o.value);
    }
    Some(object)
}

/// `SET 'key' = 'value'`.
pub fn set_pair(text: &str, origin: Pos) -> Option<Opt> {
    let mut t = Tokens::new(text, origin);
    if !t.is(0, "SET") {
        return None;
    }
    let len = t.tokens.len();
    pairs(&mut t, 1, len).into_iter().next()
}

/// `RESET` alone or `RESET 'key'`: the key, or `None` for all.
pub fn reset_key(text: &str) -> Option<Option<String>> {
    let t = Tokens::new(text, Pos::START);
    if !t.is(0, "RESET") {
        return None;
    }
    Some(t.tokens.get(1).and_then(|k| unquote(k, text)))
}

/// The table an `INSERT`, `EXECUTE INSERT` or `UPSERT` writes to.
pub fn insert_target(text: &str) -> Option<Vec<String>> {
    let t = Tokens::new(text, Pos::START);
    let mut i = usize::from(t.is(0, "EXECUTE"));
    if !(t.is(i, "INSERT") || t.is(i, "UPSERT")) {
        return None;
    }
    i += 1;
    if t.is(i, "INTO") || t.is(i, "OVERWRITE") {
        i += 1;
    }
    name_at(&t, i).map(|(name, _)| name)
}

/// The INSERTs inside `EXECUTE STATEMENT SET BEGIN … END` / `STATEMENT SET BEGIN … END`, as texts.
pub fn statement_set_inserts(text: &str) -> Vec<&str> {
    let t = Tokens::new(text, Pos::START);
    let Some(begin) = (0..t.tokens.len()).find(|&i| t.is(i, "BEGIN")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start = None;
    for i in begin + 1..t.tokens.len() {
        let tk = t.tokens[i];
        if start.is_none() && (t.is(i, "INSERT") || t.is(i, "UPSERT")) {
            start = Some(tk.start);
        }
        if tk.kind == TokenKind::Semicolon {
            if let Some(s) = start.take() {
                out.push(&text[s..tk.start]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DDL: &str = "CREATE TABLE `db`.orders (\n  id BIGINT NOT NULL,\n  amount decimal(10,2),\n  ts AS PROCTIME(),\n  PRIMARY KEY (id) NOT ENFORCED\n) WITH (\n  'connector' = 'kafka',\n  'topic' = 'it''s'\n)";

    #[test]
    fn a_create_table_gives_columns_key_and_options_with_places() {
        let table = create_table(DDL, Pos { line: 3, column: 1 }).unwrap();
        assert_eq!(table.name, ["db", "orders"]);
        assert_eq!(table.primary_key, ["id"]);
        let cols: Vec<_> = table
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.data_type.as_str(),
                    c.not_null,
                    c.physical,
                    c.pos.line,
                )
            })
            .collect();
        assert_eq!(
            cols,
            [
                ("id", "BIGINT", true, true, 4),
                ("amount", "DECIMAL(10, 2)", false, true, 5),
                ("ts", "AS PROCTIME()", false, false, 6)
            ]
        );
        let topic = table.option("topic").unwrap();
        assert_eq!(topic.value, "it's");
        assert_eq!(
            topic.key_pos,
            Pos {
                line: 10,
                column: 3
            }
        );
        assert_eq!(
            topic.value_pos,
            Pos {
                line: 10,
                column: 13
            }
        );
    }

    #[test]
    fn set_reset_insert_and_statement_sets_are_read() {
        let set = set_pair("SET 'pipeline.name' = 'x'", Pos::START).unwrap();
        assert_eq!(
            (set.key.as_str(), set.value.as_str()),
            ("pipeline.name", "x")
        );
        assert_eq!(reset_key("RESET"), Some(None));
        assert_eq!(reset_key("RESET 'a'"), Some(Some("a".into())));
        assert_eq!(
            insert_target("INSERT INTO a.`b` SELECT 1"),
            Some(vec!["a".into(), "b".into()])
        );
        let set = "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b SELECT 2; END";
        assert_eq!(
            statement_set_inserts(set),
            ["INSERT INTO a SELECT 1", "INSERT INTO b SELECT 2"]
        );
        assert!(create_table("CREATE TABLE t WITH ('a'='b') AS SELECT 1", Pos::START).is_none());
    }
}
