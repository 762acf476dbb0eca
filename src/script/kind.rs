//! Statement kinds, classified from a statement's first keywords (comments skipped).
//!
//! The kind decides how the runner treats a statement (a query streams rows, an INSERT submits
//! a job) and is shown in JSON output. The gateway has the final word on what a statement did;
//! the kind is what we can know before sending it.

use super::lex::{Lexer, Token, TokenKind};

/// What a statement is, as far as its first keywords tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `SET`, `SET 'k' = 'v'`.
    Set,
    /// `RESET`, `RESET 'k'`.
    Reset,
    /// `CREATE`, `DROP`, `ALTER`, `TRUNCATE` (except the `CREATE TABLE … AS` family).
    Ddl,
    /// `CREATE [OR REPLACE] TABLE … AS SELECT`, `REPLACE TABLE … AS`, `CREATE MATERIALIZED TABLE
    /// … AS`: DDL that also submits a job.
    CreateTableAs,
    /// `INSERT INTO`, `INSERT OVERWRITE`, `UPSERT INTO`, `EXECUTE INSERT`.
    Insert,
    /// `EXECUTE STATEMENT SET BEGIN … END` (or `STATEMENT SET BEGIN … END`): one job.
    StatementSet,
    /// `BEGIN STATEMENT SET`: the older form; the gateway collects the INSERTs that follow.
    BeginStatementSet,
    /// `END` closing a `BEGIN STATEMENT SET`: submits the collected INSERTs as one job.
    EndStatementSet,
    /// `SELECT`, `WITH`, `VALUES`, `TABLE t`, also parenthesized.
    Query,
    /// `SHOW …` (except `SHOW JOBS`).
    Show,
    /// `DESCRIBE …` / `DESC …` (except `DESCRIBE JOB`).
    Describe,
    /// `EXPLAIN …`.
    Explain,
    /// `SHOW JOBS`, `DESCRIBE JOB '…'`, `STOP JOB '…'`.
    Job,
    /// `USE`, `USE CATALOG`, `USE MODULES`.
    Use,
    /// `ADD JAR`, `REMOVE JAR`.
    AddJar,
    /// `EXECUTE PLAN '…'`, `COMPILE AND EXECUTE PLAN '…' FOR …`: submits a job from a plan.
    ExecutePlan,
    /// Anything else (`LOAD MODULE`, `CALL`, `COMPILE PLAN`, `ANALYZE`, …).
    Other,
}

impl Kind {
    /// Classifies a statement from its text (placeholders not yet substituted is fine).
    pub fn of(text: &str) -> Kind {
        let mut classifier = Classifier::default();
        for token in Lexer::new(text).map_while(Result::ok) {
            if !token.is_comment() {
                classifier.see(&token, text);
            }
        }
        classifier.kind()
    }

    fn from_words(words: [Option<&str>; 3], table_as: bool) -> Kind {
        let [w0, w1, w2] = words;
        let is = |w: Option<&str>, k: &str| w.is_some_and(|w| w.eq_ignore_ascii_case(k));
        let first = w0.unwrap_or("").to_ascii_uppercase();
        match first.as_str() {
            "SET" => Kind::Set,
            "RESET" => Kind::Reset,
            "CREATE" | "REPLACE" if table_as => Kind::CreateTableAs,
            "CREATE" | "DROP" | "ALTER" | "TRUNCATE" => Kind::Ddl,
            "INSERT" | "UPSERT" => Kind::Insert,
            "EXECUTE" if is(w1, "STATEMENT") => Kind::StatementSet,
            "EXECUTE" if is(w1, "INSERT") || is(w1, "UPSERT") => Kind::Insert,
            "EXECUTE" if is(w1, "PLAN") => Kind::ExecutePlan,
            "COMPILE" if is(w1, "AND") && is(w2, "EXECUTE") => Kind::ExecutePlan,
            "STATEMENT" if is(w1, "SET") => Kind::StatementSet,
            "BEGIN" if is(w1, "STATEMENT") && is(w2, "SET") => Kind::BeginStatementSet,
            "END" if w1.is_none() => Kind::EndStatementSet,
            "SELECT" | "WITH" | "VALUES" | "TABLE" => Kind::Query,
            "SHOW" if is(w1, "JOBS") => Kind::Job,
            "SHOW" => Kind::Show,
            "DESCRIBE" | "DESC" if is(w1, "JOB") => Kind::Job,
            "DESCRIBE" | "DESC" => Kind::Describe,
            "STOP" if is(w1, "JOB") => Kind::Job,
            "EXPLAIN" => Kind::Explain,
            "USE" => Kind::Use,
            "ADD" | "REMOVE" if is(w1, "JAR") => Kind::AddJar,
            _ => Kind::Other,
        }
    }

    /// The lowercase name used in JSON output and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Set => "set",
            Kind::Reset => "reset",
            Kind::Ddl => "ddl",
            Kind::CreateTableAs => "create_table_as",
            Kind::Insert => "insert",
            Kind::StatementSet => "statement_set",
            Kind::BeginStatementSet => "begin_statement_set",
            Kind::EndStatementSet => "end_statement_set",
            Kind::Query => "query",
            Kind::Show => "show",
            Kind::Describe => "describe",
            Kind::Explain => "explain",
            Kind::Job => "job",
            Kind::Use => "use",
            Kind::AddJar => "add_jar",
            Kind::ExecutePlan => "execute_plan",
            Kind::Other => "other",
        }
    }

    /// A query streams rows back (bounded by `--max-rows`/`--max-wait` when unbounded).
    pub fn is_query(self) -> bool {
        self == Kind::Query
    }

    /// Submits a job whose result is a job id, not rows. (A query runs a job too, but its result
    /// is rows.) Inside `BEGIN STATEMENT SET … END`, the INSERTs only queue: `END` submits.
    pub fn starts_job(self) -> bool {
        matches!(
            self,
            Kind::Insert
                | Kind::StatementSet
                | Kind::EndStatementSet
                | Kind::CreateTableAs
                | Kind::ExecutePlan
        )
    }

    /// Changes only session state (configuration, current catalog, class path): cheap, no job.
    pub fn changes_session(self) -> bool {
        matches!(self, Kind::Set | Kind::Reset | Kind::Use | Kind::AddJar)
    }

    /// Only changes the session and answers just `OK`, so that the gateway's configure-session
    /// call (API v2+) runs it in one round trip with nothing lost: `SET 'k' = 'v'`, `RESET`,
    /// `USE`, and `CREATE`/`DROP`/`ALTER` of tables, views, functions, databases and catalogs.
    /// Not a bare `SET` (its answer lists the configuration), `TRUNCATE` (refused by that call),
    /// or a materialized table's statement (the gateway runs its refresh jobs elsewhere).
    pub fn configures_session(text: &str) -> bool {
        let mut words = Lexer::new(text)
            .map_while(Result::ok)
            .filter(|t| !t.is_comment())
            .map(|t| (t.kind, t.text(text)));
        let Some((TokenKind::Word, first)) = words.next() else {
            return false;
        };
        let is = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
        match Kind::of(text) {
            Kind::Set => words.next().is_some(),
            Kind::Reset | Kind::Use => true,
            Kind::Ddl => {
                !is(first, "TRUNCATE")
                    && !words
                        .take(5)
                        .any(|(kind, w)| kind == TokenKind::Word && is(w, "MATERIALIZED"))
            }
            _ => false,
        }
    }

    /// Acts on running jobs rather than on tables.
    pub fn is_job_statement(self) -> bool {
        self == Kind::Job
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies a statement from its tokens, fed in order without comments: the splitter feeds
/// it while splitting, so a statement is not lexed twice.
#[derive(Debug, Clone, Default)]
pub struct Classifier<'a> {
    /// The first three words, skipping opening parentheses before the first.
    words: [Option<&'a str>; 3],
    count: usize,
    words_done: bool,
    table_as: TableAs,
}

/// Follows `CREATE [OR REPLACE] [TEMPORARY] [MATERIALIZED] TABLE …` / `REPLACE TABLE …` to an
/// `AS` outside parentheses (inside them, `AS` is a computed column or a watermark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum TableAs {
    #[default]
    Prefix,
    Body {
        depth: i32,
    },
    Found,
    No,
}

impl<'a> Classifier<'a> {
    /// Takes the next token (not a comment) of `text`.
    pub fn see(&mut self, token: &Token, text: &'a str) {
        if !self.words_done {
            self.see_word(token, text);
        }
        self.table_as = match self.table_as {
            TableAs::Prefix => table_prefix(token, text),
            TableAs::Body { depth } => table_body(token, text, depth),
            done => done,
        };
    }

    fn see_word(&mut self, token: &Token, text: &'a str) {
        let leading_paren = self.count == 0
            && token.kind == TokenKind::Other
            && token.text(text).bytes().all(|b| b == b'(');
        if leading_paren {
            return;
        }
        if token.kind != TokenKind::Word {
            self.words_done = true;
            return;
        }
        self.words[self.count] = Some(token.text(text));
        self.count += 1;
        self.words_done = self.count == self.words.len();
    }

    /// The kind of the statement seen so far.
    pub fn kind(&self) -> Kind {
        Kind::from_words(self.words, self.table_as == TableAs::Found)
    }
}

fn table_prefix(token: &Token, text: &str) -> TableAs {
    let word = if token.kind == TokenKind::Word {
        token.text(text)
    } else {
        ""
    };
    if word.eq_ignore_ascii_case("TABLE") {
        return TableAs::Body { depth: 0 };
    }
    let prefix = ["CREATE", "REPLACE", "OR", "TEMPORARY", "MATERIALIZED"];
    if prefix.iter().any(|p| word.eq_ignore_ascii_case(p)) {
        TableAs::Prefix
    } else {
        TableAs::No
    }
}

fn table_body(token: &Token, text: &str, depth: i32) -> TableAs {
    match token.kind {
        TokenKind::Other => {
            let t = token.text(text).as_bytes();
            let opened = t.iter().filter(|&&b| b == b'(').count() as i32;
            let closed = t.iter().filter(|&&b| b == b')').count() as i32;
            TableAs::Body {
                depth: depth + opened - closed,
            }
        }
        TokenKind::Word if depth == 0 && token.text(text).eq_ignore_ascii_case("AS") => {
            TableAs::Found
        }
        _ => TableAs::Body { depth },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(cases: &[(&str, Kind)]) {
        for (sql, kind) in cases {
            assert_eq!(Kind::of(sql), *kind, "{sql}");
        }
    }

    #[test]
    fn what_configure_session_may_run() {
        let yes = [
            "SET 'a' = 'b'",
            "set 'table.local-time-zone' = 'UTC'",
            "RESET",
            "RESET 'a'",
            "USE CATALOG c",
            "use db",
            "USE MODULES core",
            "CREATE TEMPORARY TABLE t (id INT) WITH ('connector' = 'datagen')",
            "-- a comment\nCREATE VIEW v AS SELECT 1",
            "CREATE CATALOG c WITH ('type' = 'generic_in_memory')",
            "DROP TABLE IF EXISTS t",
            "ALTER TABLE t SET ('k' = 'v')",
            "CREATE TEMPORARY FUNCTION f AS 'x.Y'",
        ];
        for sql in yes {
            assert!(Kind::configures_session(sql), "{sql}");
        }
        let no = [
            "SET",
            "set -- all of it",
            "TRUNCATE TABLE t",
            "CREATE TABLE t WITH ('connector' = 'blackhole') AS SELECT 1",
            "CREATE MATERIALIZED TABLE m FRESHNESS = INTERVAL '1' MINUTE AS SELECT 1",
            "ALTER MATERIALIZED TABLE m SUSPEND",
            "DROP MATERIALIZED TABLE IF EXISTS m",
            "CREATE OR REPLACE MATERIALIZED TABLE m AS SELECT 1",
            "INSERT INTO t SELECT 1",
            "SELECT 1",
            "SHOW TABLES",
            "EXPLAIN SELECT 1",
            "DESCRIBE t",
            "ADD JAR '/x.jar'",
            "LOAD MODULE hive",
            "ANALYZE TABLE t COMPUTE STATISTICS",
            "",
            "-- only a comment",
        ];
        for sql in no {
            assert!(!Kind::configures_session(sql), "{sql}");
        }
    }

    #[test]
    fn set_and_reset() {
        check(&[
            ("SET 'a' = 'b'", Kind::Set),
            ("set", Kind::Set),
            ("RESET 'a'", Kind::Reset),
        ]);
    }

    #[test]
    fn ddl_keywords() {
        check(&[
            (
                "CREATE TABLE t (a INT) WITH ('connector' = 'kafka')",
                Kind::Ddl,
            ),
            ("create temporary view v as select 1", Kind::Ddl),
            ("CREATE FUNCTION f AS 'com.x.F'", Kind::Ddl),
            ("DROP TABLE IF EXISTS t", Kind::Ddl),
            ("ALTER TABLE t SET ('a' = 'b')", Kind::Ddl),
            ("TRUNCATE TABLE t", Kind::Ddl),
        ]);
    }

    #[test]
    fn create_table_as_select_starts_a_job() {
        check(&[
            (
                "CREATE TABLE t WITH ('connector' = 'print') AS SELECT * FROM s",
                Kind::CreateTableAs,
            ),
            ("CREATE OR REPLACE TABLE t AS SELECT 1", Kind::CreateTableAs),
            ("REPLACE TABLE t AS SELECT 1", Kind::CreateTableAs),
            (
                "CREATE MATERIALIZED TABLE m FRESHNESS = INTERVAL '1' MINUTE AS SELECT 1",
                Kind::CreateTableAs,
            ),
        ]);
        assert!(Kind::CreateTableAs.starts_job());
    }

    #[test]
    fn create_table_as_around_comments_and_placeholders() {
        check(&[(
            "CREATE /* c */ TABLE ${T} -- x\n AS SELECT 1",
            Kind::CreateTableAs,
        )]);
    }

    #[test]
    fn as_inside_parentheses_is_not_create_table_as() {
        check(&[
            ("CREATE TABLE t (a INT, b AS a + 1, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('x' = 'y')", Kind::Ddl),
            ("CREATE TABLE t (a INT) LIKE s", Kind::Ddl),
            ("CREATE TABLE t (a INT) COMMENT 'made AS an example'", Kind::Ddl),
        ]);
    }

    #[test]
    fn insert_forms() {
        check(&[
            ("INSERT INTO t SELECT 1", Kind::Insert),
            ("INSERT OVERWRITE t SELECT 1", Kind::Insert),
            ("EXECUTE INSERT INTO t SELECT 1", Kind::Insert),
            ("UPSERT INTO t VALUES (1)", Kind::Insert),
        ]);
    }

    #[test]
    fn statement_set_forms() {
        check(&[
            (
                "EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1; END",
                Kind::StatementSet,
            ),
            (
                "STATEMENT SET BEGIN INSERT INTO t SELECT 1; END",
                Kind::StatementSet,
            ),
            ("BEGIN STATEMENT SET", Kind::BeginStatementSet),
            ("end", Kind::EndStatementSet),
        ]);
        assert!(!Kind::BeginStatementSet.starts_job());
        assert!(Kind::EndStatementSet.starts_job());
    }

    #[test]
    fn queries_also_in_parentheses() {
        check(&[
            ("SELECT 1", Kind::Query),
            ("WITH a AS (SELECT 1) SELECT * FROM a", Kind::Query),
            ("VALUES (1)", Kind::Query),
            ("TABLE t", Kind::Query),
            ("((SELECT 1) UNION (SELECT 2))", Kind::Query),
        ]);
        assert!(Kind::Query.is_query());
        assert!(!Kind::Query.starts_job());
    }

    #[test]
    fn job_statements_are_not_show_or_describe() {
        check(&[
            ("SHOW JOBS", Kind::Job),
            ("DESCRIBE JOB '228d70913eab60dda85c5e7f78b5782c'", Kind::Job),
            ("STOP JOB 'x' WITH SAVEPOINT", Kind::Job),
            ("SHOW TABLES", Kind::Show),
            ("SHOW JARS", Kind::Show),
            ("SHOW CREATE TABLE t", Kind::Show),
            ("DESC t", Kind::Describe),
            ("DESCRIBE t", Kind::Describe),
        ]);
    }

    #[test]
    fn explain_is_explain_even_of_a_statement_set() {
        check(&[
            ("EXPLAIN SELECT 1", Kind::Explain),
            (
                "EXPLAIN STATEMENT SET BEGIN INSERT INTO t SELECT 1; END",
                Kind::Explain,
            ),
            ("EXPLAIN PLAN FOR INSERT INTO t SELECT 1", Kind::Explain),
        ]);
    }

    #[test]
    fn use_and_jars() {
        check(&[
            ("USE CATALOG c", Kind::Use),
            ("USE MODULES hive", Kind::Use),
            ("use db", Kind::Use),
            ("ADD JAR '/x.jar'", Kind::AddJar),
            ("REMOVE JAR '/x.jar'", Kind::AddJar),
        ]);
        assert!(Kind::Set.changes_session());
    }

    #[test]
    fn plans_and_everything_else() {
        check(&[
            ("EXECUTE PLAN '/p.json'", Kind::ExecutePlan),
            (
                "COMPILE AND EXECUTE PLAN '/p.json' FOR INSERT INTO t SELECT 1",
                Kind::ExecutePlan,
            ),
            (
                "COMPILE PLAN '/p.json' FOR INSERT INTO t SELECT 1",
                Kind::Other,
            ),
            ("LOAD MODULE hive", Kind::Other),
            ("CALL sys.f()", Kind::Other),
            ("", Kind::Other),
        ]);
    }

    #[test]
    fn leading_comments_are_skipped() {
        check(&[
            (
                "-- first\n/* second */ INSERT INTO t SELECT 1",
                Kind::Insert,
            ),
            ("/* x */ SHOW -- y\n JOBS", Kind::Job),
        ]);
    }

    #[test]
    fn keywords_match_in_any_case() {
        check(&[
            ("Insert Into t Select 1", Kind::Insert),
            ("show jobs", Kind::Job),
            ("eXeCuTe StAtEmEnT SET BEGIN", Kind::StatementSet),
        ]);
    }

    #[test]
    fn as_str_is_lowercase_snake_case() {
        assert_eq!(Kind::StatementSet.as_str(), "statement_set");
        assert_eq!(Kind::Query.to_string(), "query");
    }
}
