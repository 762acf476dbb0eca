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

use super::lex::{Cursor, Lexer, Token, TokenKind};
use super::{Diagnostic, Pos, Source};

/// One statement's place in its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    /// The statement's text: from its first token to its last, without the `;`.
    pub text: &'a str,
    /// Byte offset of `text` in the source.
    pub offset: usize,
    /// Position of `text` in the source.
    pub pos: Pos,
}

/// Splits `source` into statements; with `single_statement`, the whole source is one statement
/// (without a trailing `;`). Yields at most one error, then stops: after an unterminated string
/// nothing that follows can be trusted.
pub fn split(source: &Source, single_statement: bool) -> Split<'_> {
    Split {
        source,
        tokens: Lexer::new(&source.text),
        cursor: Cursor::new(&source.text, Pos::START),
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
                    return self.finish(&open);
                }
            };
            if token.is_comment() {
                continue;
            }
            if token.kind == TokenKind::Semicolon && !self.single && !open.block.is_open() {
                match self.piece(&open) {
                    Some(piece) => return Some(Ok(piece)),
                    None => continue,
                }
            }
            open.take(token, &self.source.text, self.single);
        }
    }
}

impl<'a> Split<'a> {
    /// The last statement, which needs no `;`; `None` when only comments were left.
    fn finish(&mut self, open: &Open) -> Option<Result<Piece<'a>, Diagnostic>> {
        match open.first {
            Some(first) if open.block.is_open() => Some(Err(
                self.diagnostic(first, "STATEMENT SET BEGIN without a matching END")
            )),
            _ => self.piece(open).map(Ok),
        }
    }

    fn piece(&mut self, open: &Open) -> Option<Piece<'a>> {
        let first = open.first?;
        let end = open.end_without_semicolon();
        if end <= first {
            return None;
        }
        let pos = self.cursor.pos_at(first);
        Some(Piece {
            text: &self.source.text[first..end],
            offset: first,
            pos,
        })
    }

    fn diagnostic(&mut self, offset: usize, message: &str) -> Diagnostic {
        Diagnostic {
            file: self.source.name.clone(),
            pos: self.cursor.pos_at(offset),
            message: message.to_owned(),
        }
    }
}

/// The statement being collected.
#[derive(Debug, Default)]
struct Open {
    first: Option<usize>,
    end: usize,
    /// Where the statement ended before its last token, when that token is a `;`.
    before_semicolon: Option<usize>,
    block: StatementSetBlock,
}

impl Open {
    fn take(&mut self, token: Token, text: &str, single: bool) {
        self.first.get_or_insert(token.start);
        self.before_semicolon = (token.kind == TokenKind::Semicolon).then_some(self.end);
        self.end = token.end;
        if !single {
            self.block.see(token, text);
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
    if token.kind != TokenKind::Word || !(3..=9).contains(&(token.end - token.start)) {
        return Keyword::None;
    }
    let word = token.text(text);
    let known = [
        ("STATEMENT", Keyword::Statement),
        ("SET", Keyword::Set),
        ("BEGIN", Keyword::Begin),
        ("CASE", Keyword::Case),
        ("END", Keyword::End),
    ];
    known
        .iter()
        .find(|(k, _)| word.eq_ignore_ascii_case(k))
        .map_or(Keyword::None, |(_, kw)| *kw)
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
}
