//! The offline lint: Flink-aware rules over the statements of each file, and across the files of
//! a run. Pure: statements and the profile's variables in, findings out. A comment
//! `-- flink-sql: allow(RULE)` (id or name; several separated by commas) before or inside a
//! statement silences that rule for that statement only.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use regex::Regex;

use super::ddl::{self, Opt, Table};
use super::{Finding, Rule, Severity};
use crate::profile::Vars;
use crate::script::{Kind, Pos, Source, Statement};

pub const FLINK1_KEY: Rule = Rule {
    id: "FS001",
    name: "flink1-config-key",
    severity: Severity::Error,
    reason: "a Flink 1.x configuration key: Flink 2.x ignores or rejects it",
    fix: "use the Flink 2.x key the message names",
};
pub const NO_PIPELINE_NAME: Rule = Rule {
    id: "FS002",
    name: "insert-without-pipeline-name",
    severity: Severity::Warning,
    reason: "a job without pipeline.name cannot be found by name (jobs, savepoints, upgrades)",
    fix: "SET 'pipeline.name' = '…'; before the INSERT or statement set",
};
pub const SEVERAL_INSERTS: Rule = Rule {
    id: "FS003",
    name: "inserts-outside-statement-set",
    severity: Severity::Warning,
    reason: "each INSERT outside a statement set starts a job of its own",
    fix: "put the INSERTs in one EXECUTE STATEMENT SET BEGIN … END",
};
pub const LITERAL_SECRET: Rule = Rule {
    id: "FS004",
    name: "literal-secret",
    severity: Severity::Error,
    reason: "a secret written into the SQL ends up in Git, the job graph and the Flink UI",
    fix: "write the secret as ${VAR} (e.g. password=\"${KAFKA_PASSWORD}\") and set VAR in the profile or the environment",
};
pub const UNPROVIDED_PATH: Rule = Rule {
    id: "FS005",
    name: "unprovided-file-path",
    severity: Severity::Error,
    reason: "a file path in table options that the deployment does not mount",
    fix: "use '${TRUSTSTORE_PATH}', the path the deploy profile mounts the truststore at",
};
pub const SHARED_SINK_TOPIC: Rule = Rule {
    id: "FS006",
    name: "shared-sink-topic",
    severity: Severity::Error,
    reason: "two pipelines write the same Kafka topic",
    fix: "give each pipeline its own sink topic, or merge them into one statement set",
};
pub const SHARED_GROUP: Rule = Rule {
    id: "FS007",
    name: "shared-consumer-group",
    severity: Severity::Error,
    reason: "two pipelines share a Kafka consumer group: their committed offsets mix",
    fix: "give each pipeline its own 'properties.group.id'",
};
pub const DUPLICATE_TABLE: Rule = Rule {
    id: "FS008",
    name: "duplicate-table",
    severity: Severity::Error,
    reason: "the same name is created twice in one session",
    fix: "drop the second CREATE, rename it, or use CREATE OR REPLACE",
};

/// Every lint rule, in id order.
pub const RULES: &[Rule] = &[
    FLINK1_KEY,
    NO_PIPELINE_NAME,
    SEVERAL_INSERTS,
    LITERAL_SECRET,
    UNPROVIDED_PATH,
    SHARED_SINK_TOPIC,
    SHARED_GROUP,
    DUPLICATE_TABLE,
];

/// Flink 1.x keys and their Flink 2.x replacements.
pub const FLINK1_KEYS: &[(&str, &str)] = &[
    ("execution.savepoint.path", "execution.state-recovery.path"),
    (
        "execution.savepoint.ignore-unclaimed-state",
        "execution.state-recovery.ignore-unclaimed-state",
    ),
    (
        "execution.savepoint-restore-mode",
        "execution.state-recovery.claim-mode",
    ),
    ("state.backend", "state.backend.type"),
    (
        "state.savepoints.dir",
        "execution.checkpointing.savepoint-dir",
    ),
    ("state.checkpoints.dir", "execution.checkpointing.dir"),
    (
        "state.checkpoint-storage",
        "execution.checkpointing.storage",
    ),
    (
        "state.checkpoints.num-retained",
        "execution.checkpointing.num-retained",
    ),
    (
        "state.backend.incremental",
        "execution.checkpointing.incremental",
    ),
    (
        "state.backend.local-recovery",
        "execution.state-recovery.from-local",
    ),
    ("restart-strategy", "restart-strategy.type"),
];

/// The deploy key naming where the truststore is mounted.
const TRUSTSTORE_KEY: &str = "TRUSTSTORE_PATH";

/// A finding and the statement it belongs to (for `allow`).
type Found = (usize, Finding);

/// Lints `statements` (of every file, in order); `sources` give the comments `allow` reads.
pub fn lint(sources: &[Source], statements: &[Statement], vars: &Vars) -> Vec<Finding> {
    let truststore = vars
        .get(TRUSTSTORE_KEY)
        .map(str::to_owned)
        .or_else(|| crate::deploy::config::default_value(TRUSTSTORE_KEY).map(str::to_owned));
    let mut found = Vec::new();
    let files: Vec<&[Statement]> = statements.chunk_by(|a, b| a.file == b.file).collect();
    for file in &files {
        for stmt in *file {
            found.extend(config_keys(stmt));
            found.extend(secrets(stmt));
            found.extend(paths(stmt, truststore.as_deref()));
        }
        found.extend(pipeline_names(file));
        found.extend(several_inserts(file));
        found.extend(duplicate_tables(file));
    }
    found.extend(shared_topics(&files));
    found.extend(shared_groups(&files));
    let allowed = allowances(sources, statements);
    let mut out: Vec<Finding> = found
        .into_iter()
        .filter(|(index, f)| {
            !allowed
                .get(index)
                .is_some_and(|a| a.contains(f.rule) || a.contains(f.name))
        })
        .map(|(_, f)| f)
        .collect();
    out.sort_by(|a, b| {
        (&a.file, a.pos.line, a.pos.column).cmp(&(&b.file, b.pos.line, b.pos.column))
    });
    out
}

/// The rules each statement allows, by statement index: `-- flink-sql: allow(…)` on the lines
/// after the previous statement up to the statement's last line.
fn allowances(sources: &[Source], statements: &[Statement]) -> HashMap<usize, HashSet<String>> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?:--|//|/\*)\s*flink-sql:\s*allow\(([^)]*)\)").expect("valid regex")
    });
    let mut out = HashMap::new();
    for source in sources {
        let lines: Vec<&str> = line_breaks().split(&source.text).collect();
        let mut after = 0;
        for stmt in statements.iter().filter(|s| s.file == source.name) {
            let last = stmt.pos.line + line_breaks().find_iter(&stmt.text).count();
            let mut rules = HashSet::new();
            for line in lines.iter().take(last).skip(after) {
                for caps in re.captures_iter(line) {
                    rules.extend(caps[1].split(',').map(|r| r.trim().to_owned()));
                }
            }
            after = last;
            if !rules.is_empty() {
                out.insert(stmt.index, rules);
            }
        }
    }
    out
}

fn line_breaks() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\r\n|\r|\n").expect("valid regex"))
}

/// FS001: a `SET` of a Flink 1.x key.
fn config_keys(stmt: &Statement) -> Option<Found> {
    let set = ddl::set_pair(&stmt.text, stmt.pos)?;
    let (old, new) = FLINK1_KEYS.iter().find(|(old, _)| *old == set.key)?;
    let finding = Finding::new(
        &FLINK1_KEY,
        &stmt.file,
        set.key_pos,
        format!("'{old}' is a Flink 1.x key; Flink 2.x reads '{new}'"),
    )
    .with_fix(format!("SET '{new}' = …"));
    Some((stmt.index, finding))
}

/// Whether an option (or `SET`) key holds a secret.
pub(super) fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    !key.ends_with("credentials-source")
        && [
            "password",
            "secret",
            "token",
            "jaas.config",
            "user-info",
            "credentials",
        ]
        .iter()
        .any(|s| key.contains(s))
}

/// Whether `text` is one placeholder and nothing else.
fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("${") && t.ends_with('}') && t[2..].find('}') == Some(t.len() - 3)
}

/// The literal secret parts of a secret option's value (nothing when it goes through `${VAR}`):
/// a JAAS line's passwords, a user-info's password, else the whole value.
fn literal_parts(key: &str, value: &str) -> Vec<String> {
    static JAAS: OnceLock<Regex> = OnceLock::new();
    let key = key.to_ascii_lowercase();
    if value.is_empty() {
        return Vec::new();
    }
    if key.contains("jaas.config") {
        let re = JAAS
            .get_or_init(|| Regex::new(r#"(?i)password\s*=\s*"([^"]*)""#).expect("valid regex"));
        return re
            .captures_iter(value)
            .map(|c| c[1].to_owned())
            .filter(|p| !p.is_empty() && !is_placeholder(p))
            .collect();
    }
    if key.contains("user-info") && !is_placeholder(value) {
        return match value.split_once(':') {
            Some((_, password)) if is_placeholder(password) => Vec::new(),
            Some((_, password)) => vec![password.to_owned()],
            None => vec![value.to_owned()],
        };
    }
    match value.contains("${") {
        true => Vec::new(),
        false => vec![value.to_owned()],
    }
}

/// Whether a secret option's value is written literally (rather than through `${VAR}`).
fn literal_secret(key: &str, value: &str) -> bool {
    !literal_parts(key, value).is_empty()
}

/// The secret options (table options and SETs) of a statement, as written.
fn secret_options(stmt: &Statement) -> (Vec<Opt>, String) {
    let (options, owner) = match (
        ddl::create_table(&stmt.text, stmt.pos),
        ddl::set_pair(&stmt.text, stmt.pos),
    ) {
        (Some(table), _) => {
            let owner = format!("of table {}", table.short_name());
            (table.options, owner)
        }
        (None, Some(set)) => (vec![set], "in SET".to_owned()),
        (None, None) => return (Vec::new(), String::new()),
    };
    let secret = options
        .into_iter()
        .filter(|o| is_secret_key(&o.key))
        .collect();
    (secret, owner)
}

/// Every secret written literally into the statements: the run masks them in all output (the
/// source excerpts, the gateway's messages), since no profile names them.
pub fn literal_secrets(statements: &[Statement]) -> Vec<String> {
    statements
        .iter()
        .flat_map(|s| secret_options(s).0)
        .flat_map(|o| literal_parts(&o.key, &o.value))
        .collect()
}

/// FS004: a literal secret in a table option or a `SET`.
fn secrets(stmt: &Statement) -> Vec<Found> {
    let (options, owner) = secret_options(stmt);
    options
        .iter()
        .filter(|o| literal_secret(&o.key, &o.value))
        .map(|o| {
            let f = Finding::new(
                &LITERAL_SECRET,
                &stmt.file,
                o.value_pos,
                format!("option '{}' {owner} holds a literal secret", o.key),
            )
            .with_fix(LITERAL_SECRET.fix);
            (stmt.index, f)
        })
        .collect()
}

/// The table a statement creates, read from the substituted SQL (values as Flink gets them),
/// its positions mapped back to the file.
pub(super) fn substituted_table(stmt: &Statement) -> Option<Table> {
    let mut table = ddl::create_table(&stmt.sql, Pos::START)?;
    let map = |p: Pos| stmt.source_pos(p.line, p.column);
    for c in &mut table.columns {
        c.pos = map(c.pos);
    }
    for o in &mut table.options {
        o.key_pos = map(o.key_pos);
        o.value_pos = map(o.value_pos);
    }
    Some(table)
}

/// Whether an option names a file the job reads.
fn is_path_key(key: &str) -> bool {
    key.ends_with("truststore.location")
        || key.ends_with("keystore.location")
        || key.ends_with(".keytab")
}

/// FS005: a file path in table options that the deployment does not provide.
fn paths(stmt: &Statement, truststore: Option<&str>) -> Vec<Found> {
    let Some(table) = substituted_table(stmt) else {
        return Vec::new();
    };
    table
        .options
        .iter()
        .filter(|o| is_path_key(&o.key))
        .filter(|o| {
            !(o.key.ends_with("truststore.location") && Some(o.value.as_str()) == truststore)
        })
        .map(|o| (stmt.index, unprovided(stmt, &table, o, truststore)))
        .collect()
}

fn unprovided(stmt: &Statement, table: &Table, o: &Opt, truststore: Option<&str>) -> Finding {
    let provides = match truststore {
        Some(path) => {
            format!("the deployment mounts only the truststore, at {path} ({TRUSTSTORE_KEY})")
        }
        None => "the deployment mounts no such file".to_owned(),
    };
    Finding::new(
        &UNPROVIDED_PATH,
        &stmt.file,
        o.value_pos,
        format!(
            "option '{}' of table {} names '{}', which the deployment does not provide: {provides}",
            o.key,
            table.short_name(),
            o.value
        ),
    )
    .with_fix(UNPROVIDED_PATH.fix)
}

/// Whether a statement starts a job (a statement set's `BEGIN` stands for its `END`).
fn starts_job(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Insert | Kind::StatementSet | Kind::BeginStatementSet | Kind::CreateTableAs
    )
}

/// FS002: a job-starting statement with no `pipeline.name` set before it in its file.
fn pipeline_names(file: &[Statement]) -> Vec<Found> {
    let mut named = false;
    let mut in_set = false;
    let mut out = Vec::new();
    for stmt in file {
        if let Some(set) = ddl::set_pair(&stmt.text, stmt.pos) {
            named |= set.key == "pipeline.name" && !set.value.trim().is_empty();
        }
        if let Some(key) = ddl::reset_key(&stmt.text) {
            named &= key.is_some_and(|k| k != "pipeline.name");
        }
        match stmt.kind {
            Kind::BeginStatementSet => in_set = true,
            Kind::EndStatementSet => in_set = false,
            _ => {}
        }
        let job = starts_job(stmt.kind) && !(in_set && stmt.kind == Kind::Insert);
        if job && !named {
            let f = Finding::new(
                &NO_PIPELINE_NAME,
                &stmt.file,
                stmt.pos,
                "this statement starts a job, and no 'pipeline.name' is set before it",
            )
            .with_fix(NO_PIPELINE_NAME.fix);
            out.push((stmt.index, f));
        }
    }
    out
}

/// FS003: the second and later INSERT of a file outside any statement set.
fn several_inserts(file: &[Statement]) -> Vec<Found> {
    let mut in_set = false;
    let mut first: Option<Pos> = None;
    let mut out = Vec::new();
    for stmt in file {
        match stmt.kind {
            Kind::BeginStatementSet => in_set = true,
            Kind::EndStatementSet => in_set = false,
            Kind::Insert if !in_set => match first {
                None => first = Some(stmt.pos),
                Some(p) => {
                    let f = Finding::new(
                        &SEVERAL_INSERTS,
                        &stmt.file,
                        stmt.pos,
                        format!(
                            "a second INSERT outside a statement set (the first is at line {}): each starts its own job",
                            p.line
                        ),
                    )
                    .with_fix(SEVERAL_INSERTS.fix);
                    out.push((stmt.index, f));
                }
            },
            _ => {}
        }
    }
    out
}

/// FS008: a name created twice in the file's session (the same resolution `exec` warns with).
fn duplicate_tables(file: &[Statement]) -> Vec<Found> {
    crate::render::duplicates(file)
        .into_iter()
        .filter_map(|d| {
            let stmt = file
                .iter()
                .find(|s| s.pos == d.at.1 && *s.file == *d.at.0)?;
            let (ffile, fpos) = &d.first;
            let (effect, severity) = match d.if_not_exists {
                true => (
                    "does nothing: the session keeps the first definition",
                    Severity::Warning,
                ),
                false => ("fails with 'already exists'", Severity::Error),
            };
            let f = Finding::new(
                &DUPLICATE_TABLE,
                &stmt.file,
                stmt.pos,
                format!(
                    "CREATE {} {effect}; it was created at {ffile}:{}:{}",
                    d.what, fpos.line, fpos.column
                ),
            )
            .with_severity(severity)
            .with_fix(DUPLICATE_TABLE.fix);
            Some((stmt.index, f))
        })
        .collect()
}

/// The Kafka tables a file creates, by short name.
fn kafka_tables(file: &[Statement]) -> Vec<(&Statement, Table)> {
    file.iter()
        .filter_map(|s| substituted_table(s).map(|t| (s, t)))
        .filter(|(_, t)| {
            t.option("connector")
                .is_some_and(|c| c.value == "kafka" || c.value == "upsert-kafka")
        })
        .collect()
}

/// Every INSERT target of a file, with the statement that writes it.
fn insert_targets(file: &[Statement]) -> Vec<(&Statement, String)> {
    let mut out = Vec::new();
    for stmt in file {
        let texts = match stmt.kind {
            Kind::StatementSet => ddl::statement_set_inserts(&stmt.sql),
            Kind::Insert => vec![stmt.sql.as_str()],
            _ => continue,
        };
        for text in texts {
            if let Some(name) = ddl::insert_target(text).and_then(|n| n.last().cloned()) {
                out.push((stmt, name));
            }
        }
    }
    out
}

/// A place in a file, for messages.
fn at(file: &Arc<str>, pos: Pos) -> String {
    format!("{file}:{}:{}", pos.line, pos.column)
}

/// FS006: two files whose INSERTs write the same Kafka topic.
fn shared_topics(files: &[&[Statement]]) -> Vec<Found> {
    let mut seen: HashMap<String, (Arc<str>, Pos)> = HashMap::new();
    let mut out = Vec::new();
    for file in files {
        let tables = kafka_tables(file);
        let mut mine = HashSet::new();
        for (stmt, target) in insert_targets(file) {
            let Some((_, table)) = tables.iter().find(|(_, t)| t.short_name() == target) else {
                continue;
            };
            let Some(topic) = table.option("topic") else {
                continue;
            };
            if !mine.insert(topic.value.clone()) {
                continue;
            }
            match seen.get(&topic.value) {
                Some((other, pos)) if *other != stmt.file => {
                    let f = Finding::new(
                        &SHARED_SINK_TOPIC,
                        &stmt.file,
                        stmt.pos,
                        format!(
                            "writes topic '{}' (table {target}), as does the pipeline at {}",
                            topic.value,
                            at(other, *pos)
                        ),
                    )
                    .with_fix(SHARED_SINK_TOPIC.fix);
                    out.push((stmt.index, f));
                }
                Some(_) => {}
                None => {
                    seen.insert(topic.value.clone(), (stmt.file.clone(), stmt.pos));
                }
            }
        }
    }
    out
}

/// FS007: two files whose Kafka tables use the same consumer group.
fn shared_groups(files: &[&[Statement]]) -> Vec<Found> {
    let mut seen: HashMap<String, (Arc<str>, Pos)> = HashMap::new();
    let mut out = Vec::new();
    for file in files {
        for (stmt, table) in kafka_tables(file) {
            let Some(group) = table.option("properties.group.id") else {
                continue;
            };
            match seen.get(&group.value) {
                Some((other, pos)) if *other != stmt.file => {
                    let f = Finding::new(
                        &SHARED_GROUP,
                        &stmt.file,
                        group.value_pos,
                        format!(
                            "table {} uses consumer group '{}', as does the pipeline at {}",
                            table.short_name(),
                            group.value,
                            at(other, *pos)
                        ),
                    )
                    .with_fix(SHARED_GROUP.fix);
                    out.push((stmt.index, f));
                }
                Some(_) => {}
                None => {
                    seen.insert(group.value.clone(), (stmt.file.clone(), group.value_pos));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_secrets_are_told_from_placeholders() {
        let jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"${P}\";";
        assert!(!literal_secret("properties.sasl.jaas.config", jaas));
        assert!(literal_secret(
            "properties.sasl.jaas.config",
            &jaas.replace("${P}", "hunter2")
        ));
        assert!(!literal_secret("x.basic-auth.user-info", "${U}:${P}"));
        assert!(!literal_secret("x.basic-auth.user-info", "svc:${P}"));
        assert!(literal_secret("x.basic-auth.user-info", "svc:pw"));
        assert!(literal_secret(
            "properties.ssl.truststore.password",
            "changeit"
        ));
        assert!(!literal_secret(
            "properties.ssl.truststore.password",
            "${TRUSTSTORE_PASSWORD}"
        ));
        assert!(!is_secret_key(
            "value.avro-confluent.basic-auth.credentials-source"
        ));
    }
}
