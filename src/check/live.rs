//! Validation in a throwaway session, through the runner: session-scoped statements (SET, RESET,
//! USE, DDL in an in-memory catalog) run for real so later ones resolve; INSERTs, queries and
//! statement sets are planned with `EXPLAIN CHANGELOG_MODE, PLAN_ADVICE, JSON_EXECUTION_PLAN`,
//! never executed (the stream graph feeds the upgrade verdict of a running pipeline); what
//! would act outside the session is not run and is reported as a note. The session is closed
//! whatever happens.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::OnceLock;

use regex::Regex;

use super::ddl::{self, Table};
use super::{upgrade, Finding, Rule, Severity};
use crate::error::CliError;
use crate::model::{Outcome, Row, Sink, Status};
use crate::runner::{Cancel, Connect, Opened, RunOptions, Runner};
use crate::script::{Kind, Statement};

pub const INVALID: Rule = Rule {
    id: "FS101",
    name: "invalid-statement",
    severity: Severity::Error,
    reason: "Flink rejects the statement when it is validated or planned",
    fix: "fix what the message names, at the place it points to",
};
pub const NOT_VALIDATED: Rule = Rule {
    id: "FS102",
    name: "not-validated",
    severity: Severity::Note,
    reason: "the statement acts outside the session, so check does not run it",
    fix: "none needed; review it by hand",
};
pub const PLANNER_WARNING: Rule = Rule {
    id: "FS103",
    name: "planner-warning",
    severity: Severity::Warning,
    reason: "the planner warns about the plan (e.g. non-deterministic updates)",
    fix: "follow the planner's warning; --strict fails on it",
};
pub const PLANNER_ADVICE: Rule = Rule {
    id: "FS104",
    name: "planner-advice",
    severity: Severity::Note,
    reason: "the planner suggests a better configuration or query",
    fix: "consider the planner's advice",
};
pub const UPSERT_MATERIALIZE: Rule = Rule {
    id: "FS105",
    name: "sink-upsert-materializer",
    severity: Severity::Note,
    reason: "the planner adds a SinkUpsertMaterializer (extra state) before the sink",
    fix: "make the sink's primary key match the query's unique key, or accept the extra state",
};

pub const RULES: &[Rule] = &[
    INVALID,
    NOT_VALIDATED,
    PLANNER_WARNING,
    PLANNER_ADVICE,
    UPSERT_MATERIALIZE,
];

/// What the EXPLAIN in front of a statement says: details for the planner's advice, and the
/// stream graph the upgrade verdict reads.
const EXPLAIN: &str = "EXPLAIN CHANGELOG_MODE, PLAN_ADVICE, JSON_EXECUTION_PLAN ";

/// The catalog a session starts in: Flink's in-memory `GenericInMemoryCatalog`.
const DEFAULT_CATALOG: &str = "default_catalog";

/// What check does with one statement.
enum Action {
    /// Run as is: it changes only the session.
    Run,
    /// Plan it: the EXPLAIN statement to send.
    Explain(Statement),
    /// Nothing to send (the `BEGIN`/`END` around INSERTs explained one by one).
    Nothing,
    /// Not run, for this reason.
    NotValidated(String),
}

/// Which catalogs live in the session's memory, and which one is current.
struct Catalogs {
    memory: HashSet<String>,
    current: String,
}

impl Catalogs {
    fn new() -> Catalogs {
        Catalogs {
            memory: HashSet::from([DEFAULT_CATALOG.to_owned()]),
            current: DEFAULT_CATALOG.to_owned(),
        }
    }

    /// Decides what to do with `stmt`, following `USE CATALOG` and catalogs the script creates.
    fn action(&mut self, stmt: &Statement) -> Action {
        match stmt.kind {
            Kind::Set | Kind::Reset | Kind::Show | Kind::Describe | Kind::Explain => Action::Run,
            // The INSERTs between BEGIN STATEMENT SET and END are explained one by one.
            Kind::Insert | Kind::Query | Kind::StatementSet => explain(stmt),
            Kind::BeginStatementSet | Kind::EndStatementSet => Action::Nothing,
            Kind::Use | Kind::Ddl => self.ddl(stmt),
            Kind::CreateTableAs => not("CREATE TABLE … AS creates a table and starts a job"),
            Kind::AddJar => not("ADD/REMOVE JAR changes the gateway's class path"),
            Kind::Job => not("it acts on running jobs"),
            Kind::ExecutePlan => not("it runs a compiled plan, which starts a job"),
            Kind::Other => not("it may act outside the session (CALL, ANALYZE, …)"),
        }
    }

    fn ddl(&mut self, stmt: &Statement) -> Action {
        let Some(object) = ddl::object(&stmt.sql) else {
            return not("check cannot tell where this statement acts");
        };
        if object.what == "CATALOG" && object.verb == "CREATE" {
            let name = object.name.join(".");
            return match object.catalog_type.as_deref() {
                Some("generic_in_memory") => {
                    self.memory.insert(name);
                    Action::Run
                }
                other => not(&format!(
                    "catalog {name} of type '{}' connects to a store outside the session",
                    other.unwrap_or("?")
                )),
            };
        }
        if object.verb == "USE" && object.what == "CATALOG" {
            self.current = object.name.join(".");
        }
        if object.temporary {
            return Action::Run;
        }
        let catalog = match (
            object.verb.as_str(),
            object.what.as_str(),
            object.name.len(),
        ) {
            ("USE", "CATALOG", _) | (_, "CATALOG", _) => object.name[0].clone(),
            ("USE", _, 2) | (_, "DATABASE", 2) | (_, _, 3) => object.name[0].clone(),
            _ => self.current.clone(),
        };
        match self.memory.contains(&catalog) {
            true => Action::Run,
            false => not(&format!(
                "catalog {catalog} is persistent: {} there would change it for everyone",
                object.verb
            )),
        }
    }
}

fn not(reason: &str) -> Action {
    Action::NotValidated(reason.to_owned())
}

/// The EXPLAIN of an INSERT, query or statement set (`EXECUTE` is left out: EXPLAIN does not take it).
fn explain(stmt: &Statement) -> Action {
    let execute = stmt
        .sql
        .get(..7)
        .is_some_and(|w| w.eq_ignore_ascii_case("EXECUTE"));
    let mut plan = match execute {
        true => stmt.prefixed(EXPLAIN.trim_end(), "EXECUTE".len()),
        false => stmt.prefixed(EXPLAIN, 0),
    };
    plan.kind = Kind::Explain;
    Action::Explain(plan)
}

/// Collects the text of a result (EXPLAIN's one row).
#[derive(Default)]
pub(crate) struct Capture {
    pub(crate) text: String,
}

impl Sink for Capture {
    fn rows(&mut self, _stmt: &Statement, rows: &[Row]) -> std::io::Result<()> {
        for field in rows.iter().flat_map(|r| &r.fields) {
            if let Some(s) = field.as_str() {
                self.text.push_str(&s);
                self.text.push('\n');
            }
        }
        Ok(())
    }
}

/// How many files are validated at once. Each file has a session of its own, and most of a
/// statement's time is spent waiting for the gateway (a new session's first statements most), so
/// sessions side by side overlap those waits. Measured on the local 2-core stack, 20 files: 2 at
/// once 0.41 s, 4 0.32 s, 6 0.29 s, 8 0.26 s, 16 and 20 the same as 8. Few enough not to crowd
/// a shared gateway.
pub const LANES: usize = 8;

/// The JobManager's job list, asked for once per check by the first file that needs it (a
/// pipeline with a `pipeline.name`): one call for a folder, not one per file.
type JobList = tokio::sync::OnceCell<Vec<crate::jobmanager::JobOverview>>;

/// `validate` for every file (each a run of statements of one file), `LANES` sessions at a
/// time; the findings of all files, in no particular order (the caller sorts them). A file's
/// upgrade verdicts ask the JobManager after its session is closed, outside the lanes, so the
/// next file's session opens meanwhile. The first error ends the check; the sessions still
/// open are then closed as their runners drop.
pub async fn validate_each(
    connect: &Connect,
    opts: &RunOptions,
    files: Vec<Vec<Statement>>,
    cancel: &Cancel,
) -> anyhow::Result<Vec<Finding>> {
    // Local tasks: a runner's sinks are not `Send`, and one thread is plenty for waiting.
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let lanes = Arc::new(tokio::sync::Semaphore::new(LANES));
            let jobs = Arc::new(JobList::new());
            let mut running = tokio::task::JoinSet::new();
            for file in files {
                let (connect, opts, cancel) = (connect.clone(), opts.clone(), cancel.clone());
                let (lanes, jobs) = (lanes.clone(), jobs.clone());
                running.spawn_local(async move {
                    let lane = lanes.acquire_owned().await?;
                    let (findings, plans) = in_own_session(&connect, &opts, &file, &cancel).await?;
                    drop(lane);
                    verdicts(&opts, &jobs, &file, findings, &plans).await
                });
            }
            let mut findings = Vec::new();
            while let Some(done) = running.join_next().await {
                findings.extend(done??);
            }
            Ok(findings)
        })
        .await
}

/// Validates one file's statements in a session of its own, closed whatever happens.
pub async fn validate(
    connect: &Connect,
    opts: &RunOptions,
    file: &[Statement],
    cancel: &Cancel,
) -> anyhow::Result<Vec<Finding>> {
    let (findings, plans) = in_own_session(connect, opts, file, cancel).await?;
    verdicts(opts, &JobList::new(), file, findings, &plans).await
}

/// The findings of one file in a session of its own, closed whatever happens, and the EXPLAIN
/// text of each statement that starts a job.
async fn in_own_session(
    connect: &Connect,
    opts: &RunOptions,
    file: &[Statement],
    cancel: &Cancel,
) -> anyhow::Result<(Vec<Finding>, Vec<(Statement, String)>)> {
    let runner = match Runner::open(connect, opts.clone(), cancel).await? {
        Opened::Ready(runner) => runner,
        Opened::Cancelled(exit) => return Err(CliError::new(exit, "interrupted").into()),
    };
    let result = in_session(&runner, file, cancel).await;
    runner.close(cancel).await;
    result
}

/// `findings` and the upgrade verdicts of `plans`, when a JobManager is known.
async fn verdicts(
    opts: &RunOptions,
    jobs: &JobList,
    file: &[Statement],
    mut findings: Vec<Finding>,
    plans: &[(Statement, String)],
) -> anyhow::Result<Vec<Finding>> {
    if let Some(jm) = &opts.jobmanager {
        findings.extend(upgrade_verdicts(jm, jobs, file, plans).await?);
    }
    Ok(findings)
}

/// The upgrade verdict of each job statement whose `pipeline.name` runs now (one active job of
/// that name), from its EXPLAIN (`plans`: statement and text) and the running job's parameters.
async fn upgrade_verdicts(
    jm: &crate::jobmanager::JobManager,
    jobs: &JobList,
    file: &[Statement],
    plans: &[(Statement, String)],
) -> anyhow::Result<Vec<Finding>> {
    use crate::jobs::{pipeline, select};
    let mut findings = Vec::new();
    let tables = upgrade::Tables::from_statements(file);
    let new_hash = pipeline::hash(file);
    for (stmt, text) in plans {
        let before: Vec<Statement> = file
            .iter()
            .take_while(|s| s.index < stmt.index)
            .cloned()
            .collect();
        let Some(name) = pipeline::setting_after(&before, "pipeline.name") else {
            continue;
        };
        let all = jobs.get_or_try_init(|| jm.overview()).await?;
        let running: Vec<_> = select::runs_of(all, &name)
            .into_iter()
            .filter(|j| select::is_active(j))
            .collect();
        let [job] = running[..] else {
            continue;
        };
        let params = jm.user_config(&job.jid).await?.unwrap_or_default();
        let new = upgrade::Layout::from_explain(text, &tables);
        let verdict = upgrade::verdict(
            params.get(pipeline::HASH_PARAM).map(String::as_str),
            params.get(upgrade::LAYOUT_PARAM).map(String::as_str),
            &new_hash,
            new.as_ref(),
        );
        findings.push(upgrade::finding(stmt, &name, &job.jid, &verdict));
    }
    Ok(findings)
}

/// The findings of one file's statements, and the EXPLAIN text of each statement that starts a job.
async fn in_session(
    runner: &Runner,
    file: &[Statement],
    cancel: &Cancel,
) -> anyhow::Result<(Vec<Finding>, Vec<(Statement, String)>)> {
    let mut catalogs = Catalogs::new();
    let mut tables: HashMap<String, (Statement, Table)> = HashMap::new();
    let mut findings = Vec::new();
    let mut plans = Vec::new();
    for stmt in file {
        if let Some(exit) = cancel.requested() {
            return Err(CliError::new(exit, "interrupted").into());
        }
        if let Some(table) = super::lint::substituted_table(stmt) {
            tables.insert(table.short_name().to_owned(), (stmt.clone(), table));
        }
        let action = catalogs.action(stmt);
        let explained = matches!(action, Action::Explain(_));
        let sent = match action {
            Action::Nothing => continue,
            Action::NotValidated(reason) => {
                let f = Finding::new(
                    &NOT_VALIDATED,
                    &stmt.file,
                    stmt.pos,
                    format!("not validated: {reason}"),
                );
                findings.push(f);
                continue;
            }
            Action::Run => stmt.clone(),
            Action::Explain(plan) => plan,
        };
        let mut capture = Capture::default();
        let outcome = runner.run(&sent, &mut capture, cancel).await?;
        match outcome.status {
            // The planner's advice is reported for what will run as a pipeline, not for queries.
            Status::Ok if stmt.kind != Kind::Query => {
                findings.extend(advice(stmt, &capture.text));
                if explained {
                    plans.push((stmt.clone(), capture.text));
                }
            }
            Status::Ok => {}
            _ => findings.push(failure(stmt, &outcome, &tables)),
        }
    }
    Ok((findings, plans))
}

/// A statement Flink rejected: at Flink's position, or at the option a connector error names.
fn failure(
    stmt: &Statement,
    outcome: &Outcome,
    tables: &HashMap<String, (Statement, Table)>,
) -> Finding {
    let message =
        crate::render::failure_message(outcome).unwrap_or_else(|| "statement failed".into());
    if let Some((at, text)) = bad_option(&message, tables) {
        return Finding::new(&INVALID, &at.0, at.1, text);
    }
    let pos = outcome
        .failure
        .as_ref()
        .and_then(|f| f.pos)
        .unwrap_or(stmt.pos);
    Finding::new(&INVALID, &stmt.file, pos, message)
}

type Place = (std::sync::Arc<str>, crate::script::Pos);

/// A connector error (`Unable to create a source for reading table 'c.d.t'`, then the option
/// and value it could not take) placed at the option in the table's DDL.
fn bad_option(
    message: &str,
    tables: &HashMap<String, (Statement, Table)>,
) -> Option<(Place, String)> {
    static TABLE: OnceLock<Regex> = OnceLock::new();
    static KEY: OnceLock<Regex> = OnceLock::new();
    let table_re = TABLE
        .get_or_init(|| Regex::new(r"(?:reading|writing) table '([^']+)'").expect("valid regex"));
    let key_re = KEY.get_or_init(|| {
        Regex::new(
            r"for key '([^']+)'|Unsupported options:\s*(\S+)|Missing required options are:\s*(\S+)",
        )
        .expect("valid regex")
    });
    let qualified = &table_re.captures(message)?[1];
    let short = qualified.rsplit('.').next()?;
    let (stmt, table) = tables.get(short)?;
    let caps = key_re.captures(message)?;
    let key = caps.iter().skip(1).flatten().next()?.as_str();
    let cause = message.split_once("': ").map_or(message, |(_, c)| c);
    match table.option(key) {
        Some(opt) => {
            let value = match super::lint::is_secret_key(key) {
                true => "***".to_owned(),
                false => opt.value.clone(),
            };
            let text = format!("table {short}: option '{key}' = '{value}': {cause}");
            Some(((stmt.file.clone(), opt.key_pos), text))
        }
        None => {
            let text = format!("table {short}: option '{key}' is missing: {cause}");
            Some(((stmt.file.clone(), stmt.pos), text))
        }
    }
}

/// The planner's `[WARNING]` and `[ADVICE]` lines and any SinkUpsertMaterializer, at the statement.
fn advice(stmt: &Statement, plan: &str) -> Vec<Finding> {
    static ADVICE: OnceLock<Regex> = OnceLock::new();
    static UPSERT: OnceLock<Regex> = OnceLock::new();
    let advice_re = ADVICE.get_or_init(|| {
        Regex::new(r"(?m)^advice\[\d+\]: \[(WARNING|ADVICE)\] (.*)$").expect("valid regex")
    });
    let upsert_re = UPSERT.get_or_init(|| {
        Regex::new(r"(?m)Sink\(table=\[([^\]]+)\][^\n]*upsertMaterialize=\[true\]")
            .expect("valid regex")
    });
    let mut out: Vec<Finding> = advice_re
        .captures_iter(plan)
        .map(|c| {
            let rule = if &c[1] == "WARNING" {
                &PLANNER_WARNING
            } else {
                &PLANNER_ADVICE
            };
            Finding::new(rule, &stmt.file, stmt.pos, format!("planner: {}", &c[2]))
        })
        .collect();
    let mut sinks = HashSet::new();
    for c in upsert_re.captures_iter(plan) {
        if sinks.insert(c[1].to_owned()) {
            out.push(Finding::new(
                &UPSERT_MATERIALIZE,
                &stmt.file,
                stmt.pos,
                format!(
                    "the planner adds a SinkUpsertMaterializer before sink {}",
                    &c[1]
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{input, prepare};

    fn statements(sql: &str) -> Vec<Statement> {
        let sources = [input::from_bytes("a.sql", sql.as_bytes().to_vec()).unwrap()];
        prepare(&sources, &Default::default(), false).unwrap()
    }

    fn actions(sql: &str) -> Vec<String> {
        let mut catalogs = Catalogs::new();
        statements(sql)
            .iter()
            .map(|s| match catalogs.action(s) {
                Action::Run => "run".to_owned(),
                Action::Explain(p) => p.sql,
                Action::Nothing => "nothing".to_owned(),
                Action::NotValidated(r) => format!("not: {r}"),
            })
            .collect()
    }

    #[test]
    fn session_statements_run_plans_are_explained_and_outside_effects_are_not_run() {
        let got = actions(
            "SET 'a'='b'; CREATE TABLE t (a INT) WITH ('connector'='datagen');\n\
             EXECUTE STATEMENT SET BEGIN INSERT INTO t SELECT 1; END;\n\
             INSERT INTO t SELECT 2; ADD JAR '/x.jar';\n\
             CREATE CATALOG h WITH ('type'='hive'); USE CATALOG h; CREATE TABLE u (a INT);\n\
             DROP TABLE h.db.u; CREATE TEMPORARY TABLE v (a INT); USE CATALOG default_catalog; DROP TABLE t",
        );
        assert_eq!(got[0], "run");
        assert_eq!(got[1], "run");
        assert_eq!(
            got[2],
            "EXPLAIN CHANGELOG_MODE, PLAN_ADVICE, JSON_EXECUTION_PLAN STATEMENT SET BEGIN INSERT INTO t SELECT 1; END"
        );
        assert_eq!(
            got[3],
            "EXPLAIN CHANGELOG_MODE, PLAN_ADVICE, JSON_EXECUTION_PLAN INSERT INTO t SELECT 2"
        );
        assert!(got[4].starts_with("not: ADD/REMOVE JAR"));
        assert!(
            got[5].starts_with("not: catalog h of type 'hive'"),
            "{}",
            got[5]
        );
        assert!(got[6].starts_with("not: catalog h is persistent"));
        assert!(got[7].starts_with("not: catalog h is persistent"));
        assert!(got[8].starts_with("not: catalog h is persistent"));
        assert_eq!(got[9], "run");
        assert_eq!(&got[10..], ["run", "run"]);
    }

    #[test]
    fn planner_warnings_advice_and_materializers_are_found() {
        let plan = "== Optimized Physical Plan With Advice ==\nSink(table=[default_catalog.default_database.s], fields=[a], upsertMaterialize=[true], changelogMode=[NONE])\n\nadvice[1]: [ADVICE] enable mini-batch\nadvice[2]: [WARNING] The column(s): t(generated by non-deterministic function: NOW ) can not satisfy the determinism\n";
        let stmt = &statements("INSERT INTO s SELECT 1")[0];
        let found: Vec<_> = advice(stmt, plan)
            .iter()
            .map(|f| (f.rule, f.severity))
            .collect();
        assert_eq!(
            found,
            [
                ("FS104", Severity::Note),
                ("FS103", Severity::Warning),
                ("FS105", Severity::Note)
            ]
        );
    }

    #[test]
    fn a_connector_error_points_at_the_option_and_names_table_option_and_value() {
        let all = statements("CREATE TABLE k (a INT) WITH (\n  'connector' = 'kafka',\n  'scan.startup.mode' = 'bogus'\n)");
        let table = super::super::lint::substituted_table(&all[0]).unwrap();
        let tables = HashMap::from([("k".to_owned(), (all[0].clone(), table))]);
        let message = "Unable to create a source for reading table 'default_catalog.default_database.k': Could not parse value 'bogus' for key 'scan.startup.mode': Expected one of: [earliest-offset]";
        let ((file, pos), text) = bad_option(message, &tables).unwrap();
        assert_eq!((&*file, pos.line, pos.column), ("a.sql", 3, 3));
        assert!(
            text.starts_with("table k: option 'scan.startup.mode' = 'bogus': Could not parse"),
            "{text}"
        );
    }
}
