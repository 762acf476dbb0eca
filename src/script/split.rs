//! Splitting a source into statements at top-level `;` (SPEC §4), on the lexer's tokens.
//!
//! A statement starts at its first token (leading comments and whitespace are not part of it) and
//! ends at its last token before the `;` (trailing comments are not part of it either; comments
//! inside stay). Placeholders are opaque here: a value can never move a boundary.
//!
//! `EXECUTE STATEMENT SET BEGIN … END;` is one statement: once the words `STATEMENT SET BEGIN`
//! are seen, `;` no longer ends the statement until the block's `END` (a `CASE … END` inside an
//! INSERT is counted so its `END` does not close the block). The same holds for `EXPLAIN
//! STATEMENT SET BEGIN …` and `COMPILE PLAN … FOR STATEMENT SET BEGIN …`. The older
//! `BEGIN STATEMENT SET;` … `END;` stays a series of ordinary statements.

use super::kind::Classifier;
use super::lex::{Cursor, Lexer, Token, TokenKind};
use super::{substitute, Diagnostic, Kind, Pos, Source};

/// One statement's place in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<'a> {
    /// The statement's text: from its first token to its last, without the `;`.
    pub text: &'a str,
    /// Byte offset of `text` in the source.
    pub offset: usize,
    /// Position of `text` in the source.
    pub pos: Pos,
    /// Classified while splitting.
    pub kind: Kind,
    /// The tokens that may hold a placeholder, offsets relative to `text`: substitution looks
    /// only at these instead of lexing the statement again.
    pub(super) spots: Vec<Token>,
    /// Byte offset just past the `;` that ended the statement; `None` when the input's end did.
    pub ended_at: Option<usize>,
}

/// Splits `source` into statements; with `single_statement`, the whole source is one statement
/// (without a trailing `;`). Yields at most one error, then stops: after an unterminated string
/// nothing that follows can be trusted.
pub fn split(source: &Source, single_statement: bool) -> Split<'_> {
    split_from(source, Pos::START, single_statement)
}

/// `split` for a text that sits at `origin` in its file (the rest of a pipe after the statements
/// already taken from it).
pub fn split_from(source: &Source, origin: Pos, single_statement: bool) -> Split<'_> {
    Split {
        source,
        tokens: Lexer::new(&source.text),
        cursor: Cursor::new(&source.text, origin),
        single: single_statement,
        done: false,
    }
}

/// The iterator [`split`] returns.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    source: &'a Source,
    tokens: Lexer<'a>,
    cursor: Cursor<'a>,
    single: bool,
    done: bool,
}

impl<'a> Iterator for Split<'a> {
    type Item = Result<Piece<'a>, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let text = &self.source.text;
        let mut open = Open::default();
        loop {
            let token = match self.tokens.next() {
                Some(Ok(token)) => token,
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(self.diagnostic(e.offset, e.message())));
                }
                None => {
                    self.done = true;
                    return self.finish(open);
                }
            };
            if token.is_comment() {
                continue;
            }
            if token.kind == TokenKind::Semicolon && !self.single && !open.block.is_open() {
                match self.piece(std::mem::take(&mut open), Some(token.end)) {
                    Some(piece) => return Some(Ok(piece)),
                    None => continue,
                }
            }
            open.take(token, text, self.single);
        }
    }
}

impl<'a> Split<'a> {
    /// The last statement, which needs no `;`; `None` when only comments were left.
    fn finish(&mut self, open: Open<'a>) -> Option<Result<Piece<'a>, Diagnostic>> {
        match open.first {
            Some(first) if open.block.is_open() => Some(Err(
                self.diagnostic(first, "STATEMENT SET BEGIN without a matching END")
            )),
            _ => self.piece(open, None).map(Ok),
        }
    }

    fn piece(&mut self, open: Open<'a>, ended_at: Option<usize>) -> Option<Piece<'a>> {
        let first = open.first?;
        let end = open.end_without_semicolon();
        if end <= first {
            return None;
        }
        let pos = self.cursor.pos_at(first);
        let text = &self.source.text[first..end];
        Some(Piece {
            text,
            offset: first,
            pos,
            kind: open.classifier.kind(),
            spots: open.spots,
            ended_at,
        })
    }

    fn diagnostic(&mut self, offset: usize, message: &str) -> Diagnostic {
        let pos = self.cursor.pos_at(offset);
        Diagnostic {
            file: self.source.name.clone(),
            pos,
            message: message.to_owned(),
        }
    }
}

/// Splits text that arrives in chunks (a pipe, a prompt) with the lexer and rules of `split`:
/// each statement is handed out as soon as its terminating `;` (or the `END;` of a statement
/// set) has arrived, with positions that continue across chunks.
///
/// Only the text after the last statement handed out is kept, and it is split again only when a
/// chunk brings a `;` (or a `;` was held back): whether a `;` ends a statement depends on the text
/// before it, and on nothing after it but the rest of its line when an open `${NAME:-…` precedes
/// it there (see `open_placeholder`).
#[derive(Debug)]
pub struct Incremental {
    /// The text after the last statement handed out (its name is the input's).
    pending: Source,
    /// Where `pending` starts in the input.
    origin: Pos,
    /// A `;` arrived that an open placeholder may still swallow: look again at the next chunk.
    withheld: bool,
}

impl Incremental {
    pub fn new(name: impl Into<std::sync::Arc<str>>) -> Incremental {
        Incremental {
            pending: Source {
                name: name.into(),
                text: String::new(),
            },
            origin: Pos::START,
            withheld: false,
        }
    }

    /// Adds `chunk`; calls `each` with every statement it completes, in order.
    pub fn push(&mut self, chunk: &str, mut each: impl FnMut(Piece<'_>)) {
        self.pending.text.push_str(chunk);
        if !chunk.contains(';') && !self.withheld {
            return;
        }
        let undecided = open_placeholder(&self.pending.text);
        self.withheld = false;
        let mut taken = None;
        let mut split = split_from(&self.pending, self.origin, false);
        // An error here is text still open (a string, a comment): more may close it.
        while let Some(Ok(piece)) = split.next() {
            let Some(end) = piece.ended_at else { break };
            if undecided.is_some_and(|open| end > open) {
                self.withheld = true;
                break;
            }
            taken = Some((end, split.cursor.pos_at(end)));
            each(piece);
        }
        if let Some((end, pos)) = taken {
            self.pending.text.drain(..end);
            self.origin = pos;
        }
    }

    /// The end of the input: what is left is the last statement (it needs no `;`), or an error
    /// (a string, comment or statement set left open).
    pub fn finish(&self, mut each: impl FnMut(Result<Piece<'_>, Diagnostic>)) {
        for piece in split_from(&self.pending, self.origin, false) {
            each(piece);
        }
    }

    /// Bytes held for the statement still open (what a runaway producer would grow).
    pub fn pending_len(&self) -> usize {
        self.pending.text.len()
    }

    /// Whether nothing but whitespace and comments waits for a `;` (a prompt's input is complete).
    pub fn is_idle(&self) -> bool {
        let mut tokens = Lexer::new(&self.pending.text);
        tokens.all(|t| matches!(t, Ok(t) if t.is_comment() || t.kind == TokenKind::Semicolon))
    }
}

/// The one place where the lexer looks past a `;`: a `${NAME:-…}` or `${NAME:?…}` placeholder
/// runs to the first `}` on its line, `;` included. So a `;` after a `${` on the last line that no
/// `}` has closed yet is not decided until the `}` or the line's end arrives. Returns the offset of
/// the first such `${` (conservatively also one in a string or comment: it only waits for the
/// line's end).
fn open_placeholder(text: &str) -> Option<usize> {
    let line_start = text.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    // Every `${` after the line's last `}` is open; the first of them decides.
    let after_brace = text[line_start..]
        .rfind('}')
        .map_or(line_start, |i| line_start + i + 1);
    text[after_brace..].find("${").map(|i| after_brace + i)
}

/// The statement being collected.
#[derive(Debug, Default)]
struct Open<'a> {
    first: Option<usize>,
    end: usize,
    /// Where the statement ended before its last token, when that token is a `;`.
    before_semicolon: Option<usize>,
    block: StatementSetBlock,
    classifier: Classifier<'a>,
    spots: Vec<Token>,
}

impl<'a> Open<'a> {
    fn take(&mut self, token: Token, text: &'a str, single: bool) {
        let first = *self.first.get_or_insert(token.start);
        self.before_semicolon = (token.kind == TokenKind::Semicolon).then_some(self.end);
        self.end = token.end;
        if !single {
            self.block.see(token, text);
        }
        self.classifier.see(&token, text);
        if substitute::may_hold_placeholder(&token, text) {
            self.spots.push(Token {
                start: token.start - first,
                end: token.end - first,
                ..token
            });
        }
    }

    fn end_without_semicolon(&self) -> usize {
        self.before_semicolon.unwrap_or(self.end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Keyword {
    #[default]
    None,
    Statement,
    Set,
    Begin,
    Case,
    End,
}

fn keyword(token: Token, text: &str) -> Keyword {
    if token.kind != TokenKind::Word {
        return Keyword::None;
    }
    let word = token.text(text);
    // Called for every word: decide on length and first letter before comparing.
    let candidate = match (word.len(), word.as_bytes()[0].to_ascii_uppercase()) {
        (9, b'S') => ("STATEMENT", Keyword::Statement),
        (3, b'S') => ("SET", Keyword::Set),
        (5, b'B') => ("BEGIN", Keyword::Begin),
        (4, b'C') => ("CASE", Keyword::Case),
        (3, b'E') => ("END", Keyword::End),
        _ => return Keyword::None,
    };
    if word.eq_ignore_ascii_case(candidate.0) {
        candidate.1
    } else {
        Keyword::None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum BlockState {
    #[default]
    Before,
    Inside {
        case_depth: u32,
    },
    After,
}

/// Follows `STATEMENT SET BEGIN … END` within one statement.
#[derive(Debug, Default)]
struct StatementSetBlock {
    previous: [Keyword; 2],
    state: BlockState,
}

impl StatementSetBlock {
    fn is_open(&self) -> bool {
        matches!(self.state, BlockState::Inside { .. })
    }

    fn see(&mut self, token: Token, text: &str) {
        let kw = keyword(token, text);
        self.state = match (self.state, kw) {
            (BlockState::Before, Keyword::Begin)
                if self.previous == [Keyword::Statement, Keyword::Set] =>
            {
                BlockState::Inside { case_depth: 0 }
            }
            (BlockState::Inside { case_depth }, Keyword::Case) => BlockState::Inside {
                case_depth: case_depth + 1,
            },
            (BlockState::Inside { case_depth: 0 }, Keyword::End) => BlockState::After,
            (BlockState::Inside { case_depth }, Keyword::End) => BlockState::Inside {
                case_depth: case_depth - 1,
            },
            (state, _) => state,
        };
        self.previous = [self.previous[1], kw];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn source(text: &str) -> Source {
        Source {
            name: Arc::from("t.sql"),
            text: text.to_owned(),
        }
    }

    fn texts(text: &str) -> Vec<String> {
        let src = source(text);
        split(&src, false)
            .map(|p| p.unwrap().text.to_owned())
            .collect()
    }

    fn single(text: &str) -> Vec<String> {
        let src = source(text);
        split(&src, true)
            .map(|p| p.unwrap().text.to_owned())
            .collect()
    }

    fn error(text: &str) -> String {
        let src = source(text);
        split(&src, false)
            .find_map(Result::err)
            .expect("an error")
            .to_string()
    }

    fn positions(text: &str) -> Vec<(usize, usize)> {
        let src = source(text);
        split(&src, false)
            .map(|p| p.unwrap().pos)
            .map(|p| (p.line, p.column))
            .collect()
    }

    /// Feeds `chunks` one by one; after each, the statements it completed (text, line, column).
    fn fed(chunks: &[&str]) -> Vec<Vec<(String, usize, usize)>> {
        let mut inc = Incremental::new("<stdin>");
        let mut after = Vec::new();
        for chunk in chunks {
            let mut got = Vec::new();
            inc.push(chunk, |p| {
                got.push((p.text.to_owned(), p.pos.line, p.pos.column))
            });
            after.push(got);
        }
        let mut last = Vec::new();
        inc.finish(|p| {
            let p = p.unwrap();
            last.push((p.text.to_owned(), p.pos.line, p.pos.column))
        });
        after.push(last);
        after
    }

    fn st(text: &str, line: usize, column: usize) -> (String, usize, usize) {
        (text.to_owned(), line, column)
    }

    #[test]
    fn a_fed_statement_comes_out_when_its_semicolon_arrives() {
        assert_eq!(
            fed(&["SELECT 1", ";\nSEL", "ECT 2;", "\n  SELECT 3"]),
            [
                vec![],
                vec![st("SELECT 1", 1, 1)],
                vec![st("SELECT 2", 2, 1)],
                vec![],
                vec![st("SELECT 3", 3, 3)],
            ]
        );
    }

    #[test]
    fn a_fed_semicolon_inside_a_string_or_comment_waits_for_the_real_one() {
        assert_eq!(
            fed(&["SELECT 'a;", "b';", " /* ; */ SELECT -", "- x;\n", "2;"]),
            [
                vec![],
                vec![st("SELECT 'a;b'", 1, 1)],
                vec![],
                vec![],
                vec![st("SELECT -- x;\n2", 1, 23)],
                vec![],
            ]
        );
    }

    #[test]
    fn a_fed_semicolon_inside_a_placeholder_default_waits_for_its_brace() {
        assert_eq!(
            fed(&[
                "SELECT ${X:-a;",
                "b} AS v;",
                " SELECT ${Y:?no;",
                "\n};",
                "SELECT ${Z:-;",
                " ${",
                "W};"
            ]),
            [
                vec![],
                vec![st("SELECT ${X:-a;b} AS v", 1, 1)],
                vec![],
                // The line ended first: not a placeholder, so its `;` ended the statement.
                vec![st("SELECT ${Y:?no", 1, 24), st("}", 2, 1)],
                vec![],
                // A later `${` does not decide an earlier open one.
                vec![],
                vec![st("SELECT ${Z:-; ${W}", 2, 3)],
                vec![],
            ]
        );
    }

    #[test]
    fn a_fed_statement_set_ends_at_its_end_semicolon() {
        let got = fed(&[
            "EXECUTE STATEMENT SET BEGIN\n",
            "INSERT INTO a SELECT 1;\n",
            "INSERT INTO b SELECT CASE WHEN x THEN 1 END;\n",
            "END;",
        ]);
        assert!(got[..3].iter().all(Vec::is_empty), "{got:?}");
        assert_eq!(got[3].len(), 1);
        assert!(got[3][0].0.ends_with("END"));
    }

    #[test]
    fn feeding_character_by_character_splits_like_a_whole_file() {
        let text = "-- head\nSET 'a' = 'x;y';\r\n/* c; */ SELECT \"q;\" FROM t;;\n\
                    EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END;\nSELECT é, `b;` ";
        let whole: Vec<_> = split(&source(text), false)
            .map(|p| p.unwrap())
            .map(|p| (p.text.to_owned(), p.pos.line, p.pos.column))
            .collect();
        let chars: Vec<String> = text.chars().map(String::from).collect();
        let chunks: Vec<&str> = chars.iter().map(String::as_str).collect();
        let fed: Vec<_> = fed(&chunks).into_iter().flatten().collect();
        assert_eq!(whole.len(), 4);
        assert_eq!(fed, whole);
    }

    #[test]
    fn an_unterminated_string_at_the_end_of_a_feed_is_an_error_where_it_began() {
        let mut inc = Incremental::new("<stdin>");
        inc.push("SELECT 1;\nSELECT 'open;", |_| {});
        let mut errors = Vec::new();
        inc.finish(|p| errors.push(p.unwrap_err().to_string()));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("<stdin>:2:8: unterminated string literal"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_feed_is_idle_when_only_comments_wait() {
        let mut inc = Incremental::new("<stdin>");
        assert!(inc.is_idle());
        inc.push("SELECT 1; -- done\n", |_| {});
        assert!(inc.is_idle());
        inc.push("SELECT", |_| {});
        assert!(!inc.is_idle());
        inc.push(" 'x;", |_| {});
        assert!(!inc.is_idle(), "an open string is not idle");
    }

    #[test]
    fn splits_at_top_level_semicolons() {
        assert_eq!(texts("SELECT 1; SELECT 2;"), ["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn final_statement_without_semicolon_counts() {
        assert_eq!(texts("SELECT 1;\nSELECT 2\n"), ["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn semicolon_inside_string_across_lines_is_one_statement() {
        assert_eq!(texts("select ';\n';"), ["select ';\n'"]);
    }

    #[test]
    fn semicolon_inside_block_comment_is_one_statement() {
        assert_eq!(texts("select /*;\n*/1;"), ["select /*;\n*/1"]);
    }

    #[test]
    fn semicolon_inside_line_comment_is_one_statement() {
        assert_eq!(texts("select --;\n1;"), ["select --;\n1"]);
    }

    #[test]
    fn semicolons_in_identifiers_and_jaas_strings_do_not_split() {
        let sql = "CREATE TABLE `a;b` (\"c;d\" INT) WITH ('properties.sasl.jaas.config' = 'x required password=\"${P}\";');\nSELECT 1;";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn backslash_before_quote_does_not_escape_it() {
        assert_eq!(
            texts(r"SET 'k' = 'ends\'; SELECT 1;"),
            [r"SET 'k' = 'ends\'", "SELECT 1"]
        );
    }

    #[test]
    fn comment_only_statements_are_skipped() {
        assert_eq!(
            texts("-- header\n;\n/* nothing */;\n;;SELECT 1;\n-- footer\n"),
            ["SELECT 1"]
        );
        assert!(texts("-- only a comment").is_empty());
        assert!(texts("").is_empty());
    }

    #[test]
    fn leading_and_trailing_comments_are_not_part_of_the_statement() {
        assert_eq!(
            texts("-- about it\n/* more */ SELECT /* keep */ 1 -- trailing\n;"),
            ["SELECT /* keep */ 1"]
        );
    }

    #[test]
    fn banner_comment_opening_like_a_hint_is_skipped() {
        assert_eq!(texts("/*+------ it's; ------+*/\nSELECT 1;"), ["SELECT 1"]);
    }

    #[test]
    fn hint_inside_a_statement_is_part_of_it() {
        assert_eq!(
            texts("SELECT /*+ OPTIONS('a'=';') */ 1; SELECT 2"),
            ["SELECT /*+ OPTIONS('a'=';') */ 1", "SELECT 2"]
        );
    }

    #[test]
    fn statement_starts_at_its_first_token() {
        assert_eq!(
            positions("  SELECT 1;\n\n  -- c\n    SELECT 2;"),
            [(1, 3), (4, 5)]
        );
    }

    #[test]
    fn crlf_counts_as_one_line_break() {
        assert_eq!(
            positions("SELECT 1;\r\n\r\n  SELECT 2;\r\n"),
            [(1, 1), (3, 3)]
        );
        assert_eq!(
            texts("SELECT 1\r\n;\r\nSELECT\r\n2\r\n"),
            ["SELECT 1", "SELECT\r\n2"]
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(positions("SELECT 'ééé'; SELECT 2;"), [(1, 1), (1, 15)]);
    }

    #[test]
    fn execute_statement_set_is_one_statement() {
        let sql = "EXECUTE STATEMENT SET\nBEGIN\n  INSERT INTO a SELECT 1;\n  INSERT INTO b SELECT 2;\nEND;\nSELECT 3;";
        assert_eq!(
            texts(sql),
            ["EXECUTE STATEMENT SET\nBEGIN\n  INSERT INTO a SELECT 1;\n  INSERT INTO b SELECT 2;\nEND", "SELECT 3"]
        );
    }

    #[test]
    fn statement_set_keywords_match_in_any_case_and_around_comments() {
        let sql = "execute statement /* c */ set begin insert into a select 1; end; select 2";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn case_end_inside_a_statement_set_does_not_close_it() {
        let sql = "EXECUTE STATEMENT SET BEGIN\nINSERT INTO a SELECT CASE WHEN x THEN CASE y WHEN 1 THEN 2 END ELSE 0 END;\nINSERT INTO b SELECT 2;\nEND;\nSELECT 3";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn statement_set_without_semicolon_at_the_end_counts() {
        assert_eq!(
            texts("EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; END").len(),
            1
        );
    }

    #[test]
    fn explain_statement_set_is_one_statement() {
        assert_eq!(texts("EXPLAIN STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b SELECT 1; END; SELECT 1").len(), 2);
    }

    #[test]
    fn old_begin_statement_set_is_sent_statement_by_statement() {
        assert_eq!(
            texts("BEGIN STATEMENT SET;\nINSERT INTO a SELECT 1;\nINSERT INTO b SELECT 2;\nEND;"),
            [
                "BEGIN STATEMENT SET",
                "INSERT INTO a SELECT 1",
                "INSERT INTO b SELECT 2",
                "END"
            ]
        );
    }

    #[test]
    fn placeholder_named_end_does_not_close_a_statement_set() {
        assert_eq!(
            texts("EXECUTE STATEMENT SET BEGIN INSERT INTO ${END} SELECT 1; END; SELECT 2").len(),
            2
        );
    }

    #[test]
    fn unclosed_statement_set_is_an_error_at_its_start() {
        assert_eq!(
            error("SELECT 1;\n  EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;"),
            "t.sql:2:3: STATEMENT SET BEGIN without a matching END"
        );
    }

    #[test]
    fn unterminated_string_is_an_error_where_it_began() {
        assert_eq!(
            error("SELECT 1;\nSELECT 'abc;\nSELECT 2;"),
            "t.sql:2:8: unterminated string literal (a quote inside a string is written '')"
        );
    }

    #[test]
    fn statements_before_an_error_are_still_returned() {
        let src = source("SELECT 1; SELECT /* oops");
        let items: Vec<_> = split(&src, false).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().unwrap().text, "SELECT 1");
        assert_eq!(
            items[1].as_ref().unwrap_err().pos,
            Pos {
                line: 1,
                column: 18
            }
        );
    }

    #[test]
    fn single_statement_mode_keeps_inner_semicolons() {
        assert_eq!(
            single("-- c\nINSERT INTO a SELECT 1; INSERT INTO b SELECT 2;\n\n"),
            ["INSERT INTO a SELECT 1; INSERT INTO b SELECT 2"]
        );
    }

    #[test]
    fn single_statement_mode_trims_only_one_trailing_semicolon() {
        assert_eq!(single("SELECT 1;; -- done\n"), ["SELECT 1;"]);
        assert!(single("  ;  ").is_empty());
        assert!(single("-- nothing").is_empty());
    }

    #[test]
    fn single_statement_mode_still_reports_unterminated_strings() {
        let src = source("SELECT 'a");
        assert!(split(&src, true).next().unwrap().is_err());
    }

    /// Scripts whose statement boundaries must agree with sqlparser's tokenizer (GenericDialect
    /// reads `'`, `"`, back-ticks, `--` and `/* */` as Flink does). Left out on purpose: `//`
    /// comments, hints containing `*/`, and nested `/* /* */ */` (sqlparser's GenericDialect
    /// nests, Flink does not), `$$` (a dollar-quoted string there), and statement-set blocks
    /// (tested above: the tokenizer knows nothing about them).
    const ORACLE_CORPUS: &[&str] = &[
        "select ';\n';",
        "select /*;\n*/1;",
        "select --;\n1;",
        "SET 'k' = 'ends\\'; SELECT 1;",
        "SELECT 'it''s; fine', \"a;\"\"b\", `c;``d` FROM t; SELECT 2",
        "CREATE TABLE k (a INT) WITH (\n  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"${KAFKA_USERNAME}\" password=\"${KAFKA_PASSWORD}\";',\n  'topic' = '${KAFKA_ENV}.orders'\n);\nINSERT INTO k SELECT * FROM s;",
        "-- header; with semicolon\r\n/* block;\r\n comment */\r\nSELECT 1;\r\n\r\n  SELECT 2 -- trailing;\r\n;",
        ";;; SELECT 1 ;; ; SELECT 2",
        "SELECT E'it\\'s; \\\\', 'x' FROM t; SELECT 'ééé;', `ü;` ;\n  SELECT '😀;'",
        "SELECT a-b, a - -b, a/b, 1e5, .5 FROM t; SELECT 1 --\n;",
        "SELECT JSON_VALUE(p, '$.id'), REGEXP(a, '^a$') FROM t;\nSELECT 1",
        "SELECT /* a ; */ 1 /**/ ; SELECT /***/ 2 /* x **/;",
        "INSERT INTO t /*+ OPTIONS('a'=';') */ SELECT CASE WHEN x THEN 1 END FROM s;\nEND;",
        "",
        "   \n\t-- only comments ;\n/* ; */",
    ];

    /// Start positions of the statements sqlparser's tokenizer implies: the first non-comment
    /// token after the start and after each `;`.
    fn oracle_starts(sql: &str) -> Result<Vec<(usize, usize)>, (u64, u64)> {
        use sqlparser::dialect::GenericDialect;
        use sqlparser::tokenizer::{Token as T, Tokenizer};
        let tokens = Tokenizer::new(&GenericDialect {}, sql)
            .with_unescape(false)
            .tokenize_with_location()
            .map_err(|e| (e.location.line, e.location.column))?;
        let mut starts = Vec::new();
        let mut in_statement = false;
        for t in tokens {
            match t.token {
                T::SemiColon => in_statement = false,
                T::Whitespace(_) | T::EOF => {}
                _ if !in_statement => {
                    in_statement = true;
                    starts.push((t.span.start.line as usize, t.span.start.column as usize));
                }
                _ => {}
            }
        }
        Ok(starts)
    }

    #[test]
    fn statement_boundaries_agree_with_sqlparser() {
        for sql in ORACLE_CORPUS {
            let expected =
                oracle_starts(sql).unwrap_or_else(|e| panic!("sqlparser rejected {sql:?}: {e:?}"));
            assert_eq!(positions(sql), expected, "{sql:?}");
        }
    }

    #[test]
    fn unterminated_strings_are_located_like_sqlparser() {
        for sql in [
            "SELECT 1; SELECT 'abc;\n",
            "SELECT\n  \"ab",
            "SELECT `a;",
            "SELECT 1;\n  E'a\\'",
        ] {
            let (line, column) = oracle_starts(sql).expect_err("sqlparser rejects it");
            let src = source(sql);
            let ours = split(&src, false)
                .find_map(Result::err)
                .expect("we reject it");
            assert_eq!(
                (ours.pos.line as u64, ours.pos.column as u64),
                (line, column),
                "{sql:?}"
            );
        }
    }
}
