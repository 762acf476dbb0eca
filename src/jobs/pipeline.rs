//! A pipeline file: the statements of one `*.sql` file that `SET 'pipeline.name'` and start one
//! job. Pure: its name, the hash of its SQL (what `apply` compares with the running job's), the
//! deterministic job id of one start, and the `pipeline.global-job-parameters` that carry the hash
//! to the JobManager, where `/jobs/{id}/config` shows it to any machine.
//!
//! The hash is SHA-256 over the statements as sent (placeholders substituted), each normalized:
//! comments dropped, whitespace between tokens collapsed to one space, everything else (case,
//! literals, identifiers) kept. So re-indenting or commenting a file keeps the running job; any
//! change Flink could see, including a changed variable (a new topic, a rotated password), upgrades
//! it. Only the hash leaves the machine: secrets are never stored, and the SQL text is not either.

use std::sync::Arc;

use ring::digest::{digest, SHA256};

use crate::error::CliError;
use crate::script::lex::{Lexer, TokenKind};
use crate::script::{Kind, Statement};

/// The key, inside `pipeline.global-job-parameters`, that carries a pipeline's SQL hash. Measured on
/// Flink 2.0: of the configuration a statement is submitted with, only the global job parameters
/// reach the JobManager's `/jobs/{id}/config` (as `execution-config.user-config`); an arbitrary
/// key does not.
pub const HASH_PARAM: &str = "flink-sql.sql-hash";

/// Flink's option for a job's global parameters (`k1:v1,k2:v2`).
pub const GLOBAL_PARAMS: &str = "pipeline.global-job-parameters";

/// Flink 2.x's restore option.
pub const RESTORE_PATH: &str = "execution.state-recovery.path";

/// One pipeline file, prepared (split and substituted) and checked.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub name: String,
    pub file: Arc<str>,
    /// 64 hex digits.
    pub hash: String,
    pub statements: Vec<Statement>,
    /// The index of the statement that starts the job.
    pub job_statement: usize,
    /// The file's own `pipeline.global-job-parameters` in effect at that statement.
    pub user_params: Option<String>,
}

/// `SET 'key' = 'value'` → (key, value), quotes undone (`''` → `'`). `None` for anything else.
pub fn set_pair(sql: &str) -> Option<(String, String)> {
    let mut tokens = Lexer::new(sql)
        .filter_map(Result::ok)
        .filter(|t| !t.is_comment());
    let set = tokens.next()?;
    if set.kind != TokenKind::Word || !set.text(sql).eq_ignore_ascii_case("SET") {
        return None;
    }
    let key = tokens.next().filter(|t| t.kind == TokenKind::String)?;
    let eq = tokens.next()?;
    if eq.text(sql) != "=" {
        return None;
    }
    let value = tokens.next().filter(|t| t.kind == TokenKind::String)?;
    if tokens.next().is_some() {
        return None;
    }
    Some((unquote(key.text(sql)), unquote(value.text(sql))))
}

/// `RESET 'key'` → Some(Some(key)); bare `RESET` → Some(None).
fn reset_key(sql: &str) -> Option<Option<String>> {
    let mut tokens = Lexer::new(sql)
        .filter_map(Result::ok)
        .filter(|t| !t.is_comment());
    let reset = tokens.next()?;
    if reset.kind != TokenKind::Word || !reset.text(sql).eq_ignore_ascii_case("RESET") {
        return None;
    }
    match tokens.next() {
        None => Some(None),
        Some(t) if t.kind == TokenKind::String => Some(Some(unquote(t.text(sql)))),
        Some(_) => None,
    }
}

fn unquote(s: &str) -> String {
    s[1..s.len() - 1].replace("''", "'")
}

/// The value of `key` in effect after `statements` ran in one session (SET, RESET).
pub fn setting_after(statements: &[Statement], key: &str) -> Option<String> {
    let mut value = None;
    for stmt in statements {
        match stmt.kind {
            Kind::Set => {
                if let Some((k, v)) = set_pair(&stmt.sql) {
                    if k == key {
                        value = Some(v);
                    }
                }
            }
            Kind::Reset => match reset_key(&stmt.sql) {
                Some(None) => value = None,
                Some(Some(k)) if k == key => value = None,
                _ => {}
            },
            _ => {}
        }
    }
    value
}

/// A statement as the hash sees it: tokens without comments, one space between them.
pub fn normalize(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    for token in Lexer::new(sql) {
        let Ok(token) = token else {
            // Unreachable for prepared statements (the splitter lexed them); keep the rest as is.
            out.push_str(sql);
            break;
        };
        if token.is_comment() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token.text(sql));
    }
    out
}

/// SHA-256 (hex) of the normalized statements, each followed by `;\n`.
pub fn hash(statements: &[Statement]) -> String {
    let mut text = String::new();
    for stmt in statements {
        text.push_str(&normalize(&stmt.sql));
        text.push_str(";\n");
    }
    hex(digest(&SHA256, text.as_bytes()).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Which start a job id is for, besides the pipeline revision: the savepoint it restores from,
/// the newest earlier run the JobManager lists (so a start after a cancel is a new id), and the
/// window of time it falls in (`now / jobstore.expiration-time`: once an earlier run has left the
/// JobManager's list, the window has moved on too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StartKey<'a> {
    pub restore: Option<&'a str>,
    pub previous: Option<&'a str>,
    pub window: u64,
}

/// The job id of one start of a pipeline revision: the same name, SQL and `StartKey` always give
/// the same id, so a retried or racing second submission of the same start is refused by Flink
/// itself. Measured on Flink 2.0: a second job with a used id is refused while the first runs
/// (`DuplicateJobSubmissionException`), after it ended, and even after it left `/jobs` (the
/// JobManager's job result store remembers it: "already reached a globally-terminal state").
pub fn job_id(name: &str, hash: &str, key: StartKey) -> String {
    let text = format!(
        "flink-sql job id v1\n{name}\n{hash}\n{}\n{}\n{}",
        key.restore.unwrap_or(""),
        key.previous.unwrap_or(""),
        key.window
    );
    hex(&digest(&SHA256, text.as_bytes()).as_ref()[..16])
}

/// The global job parameters a pipeline's job is submitted with: the file's own, plus the hash
/// (replacing an earlier hash entry).
pub fn global_params(user: Option<&str>, hash: &str) -> String {
    let mut entries: Vec<String> = user
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.starts_with(&format!("{HASH_PARAM}:")))
        .map(str::to_owned)
        .collect();
    entries.push(format!("{HASH_PARAM}:{hash}"));
    entries.join(",")
}

/// Reads a file's statements as a pipeline. `Ok(None)`: the file sets no `pipeline.name` (not a
/// pipeline). A pipeline starts exactly one job (one INSERT or statement set) and runs no query.
pub fn from_file(statements: Vec<Statement>) -> Result<Option<Pipeline>, CliError> {
    let Some(first) = statements.first() else {
        return Ok(None);
    };
    let file = first.file.clone();
    let jobs: Vec<&Statement> = statements.iter().filter(|s| starts_job(s)).collect();
    let Some(job) = jobs.first() else {
        return match setting_after(&statements, "pipeline.name") {
            Some(name) => Err(CliError::input(format!(
                "{file}: pipeline '{name}' starts no job (no INSERT or statement set)"
            ))),
            None => Ok(None),
        };
    };
    let before: Vec<Statement> = statements
        .iter()
        .take_while(|s| s.index < job.index)
        .cloned()
        .collect();
    let Some(name) = setting_after(&before, "pipeline.name") else {
        return Ok(None);
    };
    if let Some(extra) = jobs.get(1) {
        return Err(CliError::input(format!(
            "{file}:{}:{}: pipeline '{name}' starts a second job; a pipeline file starts one (use EXECUTE STATEMENT SET for several INSERTs)",
            extra.pos.line, extra.pos.column
        )));
    }
    if let Some(q) = statements.iter().find(|s| s.kind.is_query()) {
        return Err(CliError::input(format!(
            "{file}:{}:{}: pipeline '{name}' runs a query; a pipeline file starts one job and shows no rows",
            q.pos.line, q.pos.column
        )));
    }
    Ok(Some(Pipeline {
        name,
        file,
        hash: hash(&statements),
        job_statement: job.index,
        user_params: setting_after(&before, GLOBAL_PARAMS),
        statements,
    }))
}

/// The statement submits a job (`BEGIN STATEMENT SET` only collects; its `END` submits).
pub fn starts_job(stmt: &Statement) -> bool {
    stmt.kind.starts_job() && stmt.kind != Kind::BeginStatementSet
}

impl Pipeline {
    /// The configuration its job is submitted with.
    pub fn stamp(&self, key: StartKey) -> crate::runner::JobStamp {
        let mut config = vec![(
            GLOBAL_PARAMS.to_owned(),
            global_params(self.user_params.as_deref(), &self.hash),
        )];
        if let Some(path) = key.restore {
            config.push((RESTORE_PATH.to_owned(), path.to_owned()));
        }
        crate::runner::JobStamp {
            job_id: Some(job_id(&self.name, &self.hash, key)),
            config,
            layout: Some(Arc::new(crate::check::upgrade::Tables::from_statements(
                &self.statements,
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{input, prepare};

    fn statements(file: &str, text: &str) -> Vec<Statement> {
        let source = input::from_bytes(file, text.as_bytes().to_vec()).unwrap();
        prepare(&[source], &Default::default(), false).unwrap()
    }

    const ORDERS: &str = "SET 'pipeline.name' = 'Orders Enrichment';\n\
        CREATE TABLE src (k INT) WITH ('connector' = 'datagen');\n\
        CREATE TABLE snk (k INT) WITH ('connector' = 'blackhole');\n\
        INSERT INTO snk SELECT k FROM src;\n";

    #[test]
    fn set_statements_are_read_with_their_quotes_undone() {
        assert_eq!(
            set_pair("SET 'pipeline.name' = 'O''Brien orders'"),
            Some(("pipeline.name".into(), "O'Brien orders".into()))
        );
        assert_eq!(
            set_pair("set /* c */ 'a'='b'"),
            Some(("a".into(), "b".into()))
        );
        assert_eq!(set_pair("SET"), None);
        assert_eq!(set_pair("SELECT 'a' = 'b'"), None);
    }

    #[test]
    fn the_name_in_effect_follows_set_and_reset() {
        let s = statements(
            "p.sql",
            "SET 'pipeline.name' = 'a'; SET 'pipeline.name' = 'b'; RESET 'pipeline.name'; SET 'x' = 'y';",
        );
        assert_eq!(
            setting_after(&s[..2], "pipeline.name").as_deref(),
            Some("b")
        );
        assert_eq!(setting_after(&s, "pipeline.name"), None);
    }

    #[test]
    fn whitespace_and_comments_do_not_change_the_hash() {
        let a = hash(&statements("a.sql", ORDERS));
        let reformatted =
            "-- the orders pipeline\nSET 'pipeline.name'   =\n  'Orders Enrichment';\n\
            CREATE TABLE src (k INT)\n  WITH ('connector' = 'datagen'); /* source */\n\
            CREATE TABLE snk (k INT) WITH ('connector' = 'blackhole');\n\
            INSERT INTO snk\n  SELECT k\n  FROM src;\n";
        assert_eq!(a, hash(&statements("b.sql", reformatted)));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn a_change_flink_can_see_changes_the_hash() {
        let a = hash(&statements("a.sql", ORDERS));
        for changed in [
            ORDERS.replace("SELECT k FROM", "SELECT k + 1 FROM"),
            ORDERS.replace("'datagen'", "'datagen' , 'rows-per-second' = '5'"),
            ORDERS.replace("SELECT k", "select k"),
            // whitespace inside a literal is data
            ORDERS.replace("'Orders Enrichment'", "'Orders  Enrichment'"),
        ] {
            assert_ne!(a, hash(&statements("a.sql", &changed)), "{changed}");
        }
    }

    #[test]
    fn the_hash_covers_substituted_values_but_holds_none() {
        let text = "SET 'pipeline.name' = 'p'; CREATE TABLE t (k INT) WITH ('password' = '${PW}'); INSERT INTO t SELECT 1;";
        let source = input::from_bytes("p.sql", text.as_bytes().to_vec()).unwrap();
        let with = |pw: &str| {
            let mut vars = crate::profile::Vars::default();
            vars.insert("PW", pw, crate::profile::Origin::CommandLine);
            hash(&prepare(std::slice::from_ref(&source), &vars, false).unwrap())
        };
        let (a, b) = (with("s3cret-one"), with("s3cret-two"));
        assert_ne!(a, b, "a rotated secret is a change the job must get");
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn a_file_with_a_name_and_one_insert_is_a_pipeline() {
        let p = from_file(statements("sql/orders.sql", ORDERS))
            .unwrap()
            .unwrap();
        assert_eq!(p.name, "Orders Enrichment");
        assert_eq!(p.job_statement, 4);
        assert_eq!(&*p.file, "sql/orders.sql");
        let none = from_file(statements("x.sql", "CREATE TABLE t (k INT);")).unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn two_jobs_or_a_query_in_a_pipeline_file_are_refused_at_their_place() {
        let two = format!("{ORDERS}INSERT INTO snk SELECT 2;\n");
        let e = from_file(statements("p.sql", &two)).unwrap_err();
        assert!(
            e.message
                .starts_with("p.sql:5:1: pipeline 'Orders Enrichment' starts a second job"),
            "{}",
            e.message
        );
        let query = format!("{ORDERS}SELECT 1;\n");
        let e = from_file(statements("p.sql", &query)).unwrap_err();
        assert!(e.message.contains("runs a query"), "{}", e.message);
        let e = from_file(statements("p.sql", "SET 'pipeline.name' = 'idle';")).unwrap_err();
        assert!(e.message.contains("starts no job"), "{}", e.message);
    }

    #[test]
    fn job_ids_are_deterministic_per_revision_restore_and_previous_run() {
        let key = StartKey::default();
        let id = job_id("p", "h", key);
        assert_eq!(id.len(), 32);
        assert!(crate::jobs::select::is_job_id(&id));
        assert_eq!(id, job_id("p", "h", key));
        let others = [
            job_id("q", "h", key),
            job_id("p", "h2", key),
            job_id(
                "p",
                "h",
                StartKey {
                    restore: Some("file:/sp/1"),
                    ..key
                },
            ),
            job_id(
                "p",
                "h",
                StartKey {
                    previous: Some("0123"),
                    ..key
                },
            ),
            job_id("p", "h", StartKey { window: 1, ..key }),
        ];
        for other in others {
            assert_ne!(id, other);
        }
    }

    #[test]
    fn the_hash_joins_the_files_own_global_parameters() {
        assert_eq!(global_params(None, "abc"), "flink-sql.sql-hash:abc");
        assert_eq!(
            global_params(Some("team:orders, flink-sql.sql-hash:old"), "abc"),
            "team:orders,flink-sql.sql-hash:abc"
        );
        let p = from_file(statements(
            "p.sql",
            &format!("SET 'pipeline.global-job-parameters' = 'team:orders';\n{ORDERS}"),
        ))
        .unwrap()
        .unwrap();
        let key = StartKey {
            restore: Some("file:/sp/x"),
            previous: None,
            window: 7,
        };
        let stamp = p.stamp(key);
        assert_eq!(
            stamp.config,
            [
                (
                    GLOBAL_PARAMS.to_owned(),
                    format!("team:orders,{HASH_PARAM}:{}", p.hash)
                ),
                (RESTORE_PATH.to_owned(), "file:/sp/x".to_owned()),
            ]
        );
        assert_eq!(stamp.job_id, Some(job_id(&p.name, &p.hash, key)));
    }
}
