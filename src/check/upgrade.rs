//! The upgrade verdict: whether new SQL for a running pipeline can restore the running job's
//! savepoint with its state. Pure: a *state layout* is read from the planner's stream graph
//! (`EXPLAIN … JSON_EXECUTION_PLAN`) and the file's table declarations; the running job carries
//! the layout it was started with in its global job parameters (hashes only, never SQL or
//! options); the verdict compares the two.
//!
//! Flink SQL without a compiled plan gives each operator an id hashed from the stream graph's
//! topology (its place in a breadth-first walk, its chained outputs, its inputs' ids), not from
//! what it computes. So each stateful operator gets three hashes: `topo` (what its id depends on:
//! a changed `topo` means its state is not mapped), `own` (its kind, its description and, for a
//! source or sink, its table: a changed `own` on the same id means the state no longer fits) and
//! `lineage` (everything upstream, with the source tables' column types: a change there may change
//! the types its state holds, which the plan's text does not show → unknown).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use regex::Regex;
use ring::digest::{digest, SHA256};
use serde::Deserialize;

use super::{Finding, Rule, Severity};
use crate::script::{Kind, Statement};

pub const UPGRADE: Rule = Rule {
    id: "FS106",
    name: "upgrade-state",
    severity: Severity::Error,
    reason: "restoring the running pipeline's savepoint into this SQL loses state (error) or cannot be judged (warning)",
    fix: "keep the stateful part of the query as it is, or accept the loss (`jobs apply --allow-state-loss`)",
};

pub const RULES: &[Rule] = &[UPGRADE];

/// The verdict as a finding at the job statement: state loss is an error, unknown a warning
/// (`--strict` fails on it), compatible a note.
pub fn finding(stmt: &Statement, pipeline: &str, job: &str, verdict: &Verdict) -> Finding {
    let severity = match verdict {
        Verdict::StateLost(_) => Severity::Error,
        Verdict::Unknown(_) => Severity::Warning,
        Verdict::Compatible(_) => Severity::Note,
    };
    let message = format!(
        "upgrade of running pipeline '{pipeline}' (job {job}) from a savepoint: {}",
        verdict.describe()
    );
    Finding::new(&UPGRADE, &stmt.file, stmt.pos, message).with_severity(severity)
}

/// The key, in `pipeline.global-job-parameters`, of a job's state layout (next to the SQL hash).
pub const LAYOUT_PARAM: &str = "flink-sql.state-layout";

/// The version tag of the encoding; a job stamped with another version is `unknown`.
const VERSION: &str = "v1";

/// What check and apply need to know of the tables a pipeline's file declares: per table (short
/// name), its column types and a hash of its non-secret options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tables(BTreeMap<String, TableFacts>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct TableFacts {
    /// `name TYPE [NOT NULL]` per column, in order.
    columns: String,
    /// Hash of the options whose keys do not hold secrets.
    options: String,
    /// A sink whose writer keeps no state (`blackhole`, `print`): not tracked.
    stateless_sink: bool,
}

/// Connectors whose sink writer has no state.
const STATELESS_SINKS: &[&str] = &["blackhole", "print"];

impl Tables {
    /// The tables the statements create (`CREATE [TEMPORARY] TABLE`), substituted as sent.
    pub fn from_statements(statements: &[Statement]) -> Tables {
        let mut tables = BTreeMap::new();
        for stmt in statements.iter().filter(|s| s.kind == Kind::Ddl) {
            let Some(t) = super::lint::substituted_table(stmt) else {
                continue;
            };
            let columns: Vec<String> = t
                .columns
                .iter()
                .map(|c| {
                    let null = if c.not_null { " NOT NULL" } else { "" };
                    let computed = if c.physical { "" } else { " (computed)" };
                    format!("{} {}{null}{computed}", c.name, c.data_type.to_uppercase())
                })
                .collect();
            let mut options: Vec<String> = t
                .options
                .iter()
                .filter(|o| !super::lint::is_secret_key(&o.key))
                .map(|o| format!("{}={}", o.key, o.value))
                .collect();
            options.sort();
            let facts = TableFacts {
                columns: columns.join(", "),
                options: short_hash(&options.join("\n")),
                stateless_sink: t
                    .option("connector")
                    .is_some_and(|c| STATELESS_SINKS.contains(&c.value.as_str())),
            };
            tables.insert(t.short_name().to_owned(), facts);
        }
        Tables(tables)
    }
}

/// The EXPLAIN that gives a job statement's stream graph (`EXECUTE` left out: EXPLAIN does not
/// take it), positions kept.
pub fn explain(stmt: &Statement) -> Statement {
    let execute = stmt
        .sql
        .get(..7)
        .is_some_and(|w| w.eq_ignore_ascii_case("EXECUTE"));
    let mut plan = match execute {
        true => stmt.prefixed("EXPLAIN JSON_EXECUTION_PLAN", "EXECUTE".len()),
        false => stmt.prefixed("EXPLAIN JSON_EXECUTION_PLAN ", 0),
    };
    plan.kind = Kind::Explain;
    plan
}

/// Adds the layout to the `pipeline.global-job-parameters` entry of a job's configuration.
pub fn add_to_params(config: &mut [(String, String)], layout: &Layout) {
    let params = crate::jobs::pipeline::GLOBAL_PARAMS;
    if let Some((_, value)) = config.iter_mut().find(|(k, _)| k == params) {
        let kept: Vec<&str> = value
            .split(',')
            .filter(|e| !e.trim().starts_with(&format!("{LAYOUT_PARAM}:")))
            .collect();
        *value = format!("{},{LAYOUT_PARAM}:{}", kept.join(","), layout.encode());
    }
}

/// How an operator's state is judged when it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Keyed or operator state that holds the query's values (aggregates, joins, ranks, …, and
    /// anything not known to be stateless).
    Values,
    /// A source: its state is its position (splits, offsets).
    Source,
    /// A sink's writer or committer: its state is the sink's own (transactions).
    Sink,
}

impl Class {
    fn tag(self) -> char {
        match self {
            Class::Values => 'k',
            Class::Source => 's',
            Class::Sink => 'w',
        }
    }

    fn from_tag(c: char) -> Option<Class> {
        match c {
            'k' => Some(Class::Values),
            's' => Some(Class::Source),
            'w' => Some(Class::Sink),
            _ => None,
        }
    }
}

/// Operators that hold no state (their changes matter only through what is downstream).
const STATELESS: &[&str] = &[
    "Calc",
    "WatermarkAssigner",
    "Union",
    "Correlate",
    "Expand",
    "DropUpdateBefore",
    "StreamRecordTimestampInserter",
    "ConstraintEnforcer",
];

/// One stateful operator of a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    class: Class,
    /// Its kind, e.g. `GroupAggregate`, `Source_src`, `snk_Writer` (letters, digits, `_`).
    pub name: String,
    topo: String,
    own: String,
    lineage: String,
}

/// The state layout of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// A table the plan reads or writes is not declared in the file (a persistent catalog's):
    /// its column types are not known, so changes to them cannot be seen.
    pub undeclared: bool,
    pub operators: Vec<Operator>,
}

#[derive(Deserialize)]
struct Graph {
    nodes: Vec<Node>,
}

#[derive(Deserialize)]
struct Node {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    contents: String,
    #[serde(default)]
    parallelism: i64,
    #[serde(default)]
    predecessors: Vec<Edge>,
}

#[derive(Deserialize)]
struct Edge {
    id: i64,
    ship_strategy: String,
}

fn hash(text: &str) -> String {
    digest(&SHA256, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 10 hex digits (40 bits): enough to tell two layouts of one pipeline apart.
fn short_hash(text: &str) -> String {
    hash(text)[..10].to_owned()
}

/// Drops the planner's running numbers (`[123]`, `[123]:`), which differ from plan to plan.
fn unnumbered(s: &str) -> String {
    static NUM: OnceLock<Regex> = OnceLock::new();
    let re = NUM.get_or_init(|| Regex::new(r"\[\d+\]").expect("valid regex"));
    re.replace_all(s, "").trim().to_owned()
}

/// Drops the names given to results (`COUNT(v) AS total` → `COUNT(v)`): measured, renaming an
/// output column keeps the state. A `CAST(x AS T)` stays (there `AS` is followed by `)` or `(`).
fn unaliased(s: &str) -> String {
    static ALIAS: OnceLock<Regex> = OnceLock::new();
    let re = ALIAS.get_or_init(|| Regex::new(r" AS [\w$]+([,\]])").expect("valid regex"));
    re.replace_all(s, "$1").into_owned()
}

fn sanitized(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    out.trim_matches('_').chars().take(40).collect()
}

/// The stream graph's JSON out of an EXPLAIN's text (its `== Physical Execution Plan ==` part).
fn graph_json(explain: &str) -> Option<&str> {
    let at = explain.find("== Physical Execution Plan ==")?;
    let rest = &explain[at..];
    let start = rest.find('{')?;
    let end = rest.rfind('}')?;
    rest.get(start..=end)
}

fn class_of(kind: &str) -> Option<Class> {
    if kind.starts_with("Source:") || kind.starts_with("Source ") {
        return Some(Class::Source);
    }
    if kind.ends_with(": Writer") || kind.ends_with(": Committer") || kind.starts_with("Sink:") {
        return Some(Class::Sink);
    }
    let head = kind.split(['(', ':', ' ']).next().unwrap_or(kind);
    match STATELESS.contains(&head) {
        true => None,
        false => Some(Class::Values),
    }
}

/// The table a source or sink node names: `table=[[c, d, t]]` in a scan's description, the
/// prefix of a sink's `t: Writer`.
fn table_of(class: Class, kind: &str, contents: &str) -> Option<String> {
    static SCAN: OnceLock<Regex> = OnceLock::new();
    match class {
        Class::Source => {
            let re = SCAN.get_or_init(|| Regex::new(r"table=\[\[([^\]]+)\]\]").expect("valid"));
            let names = re.captures(contents)?;
            Some(
                names[1]
                    .rsplit(',')
                    .next()?
                    .trim()
                    .trim_matches('`')
                    .to_owned(),
            )
        }
        // `Sink: t` (a sink function), `t: Writer` / `t: Committer` (a sink of the v2 API).
        Class::Sink => match kind.strip_prefix("Sink: ") {
            Some(t) => Some(t.trim().to_owned()),
            None => Some(kind.rsplit_once(": ")?.0.trim().to_owned()),
        },
        Class::Values => None,
    }
}

impl Layout {
    /// The layout of the job an EXPLAIN (with `JSON_EXECUTION_PLAN`) describes. `None` when the
    /// text holds no stream graph.
    pub fn from_explain(explain: &str, tables: &Tables) -> Option<Layout> {
        let graph: Graph = serde_json::from_str(graph_json(explain)?).ok()?;
        let nodes: HashMap<i64, &Node> = graph.nodes.iter().map(|n| (n.id, n)).collect();
        let order = walk(&graph.nodes);
        let mut topo: HashMap<i64, String> = HashMap::new();
        let mut lineage: HashMap<i64, String> = HashMap::new();
        let mut layout = Layout {
            undeclared: false,
            operators: Vec::new(),
        };
        for (ordinal, id) in order.iter().enumerate() {
            let node = nodes[id];
            let kind = unnumbered(&node.kind).replace(" :", ":");
            let contents = unaliased(&unnumbered(&node.contents));
            // What Flink's id hashes: the place in the walk, the chained outputs, the inputs' ids.
            let chained = graph
                .nodes
                .iter()
                .flat_map(|n| n.predecessors.iter().map(move |e| (n, e)))
                .filter(|(n, e)| {
                    e.id == node.id
                        && e.ship_strategy == "FORWARD"
                        && n.parallelism == node.parallelism
                })
                .count();
            let inputs: Vec<&str> = node
                .predecessors
                .iter()
                .filter_map(|e| topo.get(&e.id).map(String::as_str))
                .collect();
            let t = short_hash(&format!("{ordinal}|{chained}|{}", inputs.join("|")));
            let mut class = class_of(&kind);
            let table = class.and_then(|c| table_of(c, &kind, &contents));
            let facts = table.as_ref().and_then(|t| tables.0.get(t));
            if class == Some(Class::Sink) && facts.is_some_and(|f| f.stateless_sink) {
                class = None;
            }
            if table.is_some() && facts.is_none() {
                layout.undeclared = true;
            }
            let own = match (class, facts) {
                (Some(Class::Source), Some(f)) => format!("{kind}|{contents}|{}", f.options),
                (Some(Class::Sink), Some(f)) => format!("{kind}|{}|{}", f.columns, f.options),
                _ => format!("{kind}|{contents}"),
            };
            let upstream: Vec<String> = node
                .predecessors
                .iter()
                .map(|e| {
                    let l = lineage.get(&e.id).map_or("?", String::as_str);
                    format!("{}:{l}", e.ship_strategy)
                })
                .collect();
            let types = facts.map_or("?", |f| f.columns.as_str());
            // A source's options (its rate, its topic) do not change the types downstream.
            let shape = match class {
                Some(Class::Source) => format!("{kind}|{contents}"),
                _ => own.clone(),
            };
            let l = short_hash(&format!("{shape}|{types}|{}", upstream.join("|")));
            if let Some(class) = class {
                layout.operators.push(Operator {
                    class,
                    name: sanitized(&kind),
                    topo: t.clone(),
                    own: short_hash(&own),
                    lineage: l.clone(),
                });
            }
            topo.insert(node.id, t);
            lineage.insert(node.id, l);
        }
        Some(layout)
    }

    /// The layout as a global job parameter value: letters, digits and `._~` only (no `,` or `:`,
    /// which separate the parameters).
    pub fn encode(&self) -> String {
        let mut out = String::from(VERSION);
        if self.undeclared {
            out.push('u');
        }
        for op in &self.operators {
            out.push('.');
            out.push(op.class.tag());
            out.push_str(&op.name);
            out.push('~');
            out.push_str(&op.topo);
            out.push_str(&op.own);
            out.push_str(&op.lineage);
        }
        out
    }

    /// Reads `encode`'s output; `None` for another version or a damaged value.
    pub fn decode(value: &str) -> Option<Layout> {
        let mut parts = value.split('.');
        let head = parts.next()?;
        let undeclared = match head.strip_prefix(VERSION)? {
            "" => false,
            "u" => true,
            _ => return None,
        };
        let mut operators = Vec::new();
        for part in parts {
            let mut chars = part.chars();
            let class = Class::from_tag(chars.next()?)?;
            let (name, hashes) = chars.as_str().rsplit_once('~')?;
            if hashes.len() != 30 || !hashes.is_ascii() {
                return None;
            }
            operators.push(Operator {
                class,
                name: name.to_owned(),
                topo: hashes[..10].to_owned(),
                own: hashes[10..20].to_owned(),
                lineage: hashes[20..].to_owned(),
            });
        }
        Some(Layout {
            undeclared,
            operators,
        })
    }
}

/// Flink's walk of the stream graph: sources in id order, then breadth first, a node once all
/// its inputs were visited.
fn walk(nodes: &[Node]) -> Vec<i64> {
    let mut ids: Vec<i64> = nodes.iter().map(|n| n.id).collect();
    ids.sort();
    let mut order: Vec<i64> = Vec::new();
    let mut queue: std::collections::VecDeque<i64> = ids
        .iter()
        .copied()
        .filter(|id| {
            nodes
                .iter()
                .any(|n| n.id == *id && n.predecessors.is_empty())
        })
        .collect();
    while let Some(id) = queue.pop_front() {
        if order.contains(&id) {
            continue;
        }
        let node = nodes.iter().find(|n| n.id == id).expect("listed node");
        if !node.predecessors.iter().all(|e| order.contains(&e.id)) {
            continue;
        }
        order.push(id);
        let mut next: Vec<i64> = nodes
            .iter()
            .filter(|n| n.predecessors.iter().any(|e| e.id == id))
            .map(|n| n.id)
            .collect();
        next.sort();
        queue.extend(next);
    }
    // A node the walk could not reach (a cycle in a damaged plan) still counts, last.
    for id in ids {
        if !order.contains(&id) {
            order.push(id);
        }
    }
    order
}

/// The verdict on restoring a running job's savepoint into new SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every stateful operator of the running job keeps its id and its state's shape.
    Compatible(String),
    /// These operators' state will not be restored (the restore fails, or drops it).
    StateLost(Vec<String>),
    /// Cannot tell, for this reason.
    Unknown(String),
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Compatible(_) => "compatible",
            Verdict::StateLost(_) => "state will be lost",
            Verdict::Unknown(_) => "unknown",
        }
    }

    /// One line: the verdict and why.
    pub fn describe(&self) -> String {
        match self {
            Verdict::Compatible(why) => format!("compatible: {why}"),
            Verdict::StateLost(ops) => format!("state will be lost: {}", ops.join("; ")),
            Verdict::Unknown(why) => format!("unknown: {why}"),
        }
    }
}

/// The verdict for a running job whose SQL hash is `old_hash` and whose layout parameter is
/// `old_layout` (either may be missing), against the new SQL's hash and layout.
pub fn verdict(
    old_hash: Option<&str>,
    old_layout: Option<&str>,
    new_hash: &str,
    new: Option<&Layout>,
) -> Verdict {
    if old_hash == Some(new_hash) {
        return Verdict::Compatible("the running job runs this SQL (same hash)".into());
    }
    let Some(old_value) = old_layout else {
        return Verdict::Unknown(
            "the running job carries no state layout (started before flink-sql recorded one, or not by flink-sql)".into(),
        );
    };
    let Some(old) = Layout::decode(old_value) else {
        return Verdict::Unknown("the running job's state layout is of another version".into());
    };
    let Some(new) = new else {
        return Verdict::Unknown("the planner gave no stream graph for the new SQL".into());
    };
    compare(&old, new)
}

/// Compares two layouts (see the module's comment for what each hash means).
pub fn compare(old: &Layout, new: &Layout) -> Verdict {
    let mut lost = Vec::new();
    let mut doubts = Vec::new();
    for o in &old.operators {
        let Some(n) = new.operators.iter().find(|n| n.topo == o.topo) else {
            lost.push(format!(
                "{}: its operator id changes (the plan's shape before it changed), so its state is not restored",
                o.name
            ));
            continue;
        };
        if n.class != o.class {
            lost.push(format!(
                "{}: its place is taken by {}, whose state is not its",
                o.name, n.name
            ));
            continue;
        }
        match (o.class, o.own == n.own, o.lineage == n.lineage) {
            (Class::Values, false, _) => lost.push(format!(
                "{}: same id but it computes something else now, so its state does not fit",
                o.name
            )),
            (Class::Values, true, false) => doubts.push(format!(
                "{}: its input changed upstream, and the plan does not show whether the types of its state did",
                o.name
            )),
            (Class::Source, false, _) => doubts.push(format!(
                "{}: the source's options changed; whether its position still applies depends on the connector",
                o.name
            )),
            (Class::Sink, false, _) => doubts.push(format!(
                "{}: the sink's table changed; whether its state still applies depends on the connector",
                o.name
            )),
            _ => {}
        }
    }
    if !lost.is_empty() {
        return Verdict::StateLost(lost);
    }
    if old.undeclared || new.undeclared {
        doubts.push(
            "a table the pipeline uses is not declared in its file, so changes to its column types cannot be seen"
                .into(),
        );
    }
    if !doubts.is_empty() {
        return Verdict::Unknown(doubts.join("; "));
    }
    let added: Vec<&str> = new
        .operators
        .iter()
        .filter(|n| n.class == Class::Values && !old.operators.iter().any(|o| o.topo == n.topo))
        .map(|n| n.name.as_str())
        .collect();
    Verdict::Compatible(match added.is_empty() {
        true => "every stateful operator keeps its id and the shape of its state".into(),
        false => format!(
            "every stateful operator keeps its id and the shape of its state; new ones start empty: {}",
            added.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{input, prepare};

    fn statements(sql: &str) -> Vec<Statement> {
        let sources = [input::from_bytes("a.sql", sql.as_bytes().to_vec()).unwrap()];
        prepare(&sources, &Default::default(), false).unwrap()
    }

    const DDL: &str = "CREATE TABLE src (k INT, v INT) WITH ('connector'='datagen', 'rows-per-second'='5', 'password'='hunter2');\n\
                       CREATE TABLE snk (k INT, c BIGINT) WITH ('connector'='blackhole');";

    /// An EXPLAIN's stream graph: source → Calc → (hash) aggregate → sink.
    fn plan(calc: &str, agg: &str, extra_calc: bool) -> String {
        let mut nodes = vec![
            r#"{"id":1,"type":"Source: src[10]","pact":"Data Source","contents":"[10]:TableSourceScan(table=[[default_catalog, default_database, src]], fields=[k, v])","parallelism":1}"#.to_owned(),
            format!(r#"{{"id":2,"type":"Calc[11]","contents":"[11]:Calc(select=[{calc}])","parallelism":1,"predecessors":[{{"id":1,"ship_strategy":"FORWARD","side":"second"}}]}}"#),
            format!(r#"{{"id":3,"type":"GroupAggregate[13]","contents":"[13]:GroupAggregate(groupBy=[k], select=[{agg}])","parallelism":1,"predecessors":[{{"id":2,"ship_strategy":"HASH","side":"second"}}]}}"#),
        ];
        let last = if extra_calc {
            nodes.push(r#"{"id":4,"type":"Calc[14]","contents":"[14]:Calc(select=[k, c], where=[(c > 1)])","parallelism":1,"predecessors":[{"id":3,"ship_strategy":"FORWARD","side":"second"}]}"#.to_owned());
            4
        } else {
            3
        };
        nodes.push(format!(r#"{{"id":5,"type":"snk[15]: Writer","contents":"snk[15]: Writer","parallelism":1,"predecessors":[{{"id":{last},"ship_strategy":"FORWARD","side":"second"}}]}}"#));
        format!(
            "== Optimized Execution Plan ==\nSink(...)\n\n== Physical Execution Plan ==\n{{\"nodes\":[{}]}}\n",
            nodes.join(",")
        )
    }

    fn layout(ddl: &str, explain: &str) -> Layout {
        Layout::from_explain(explain, &Tables::from_statements(&statements(ddl))).unwrap()
    }

    fn base() -> Layout {
        layout(DDL, &plan("k", "k, COUNT(*) AS c", false))
    }

    #[test]
    fn a_layout_names_the_stateful_operators_and_round_trips_without_sql_or_secrets() {
        let l = base();
        let names: Vec<&str> = l.operators.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            ["Source_src", "GroupAggregate"],
            "a blackhole sink keeps no state"
        );
        let kafka = layout(
            &DDL.replace("'blackhole'", "'kafka'"),
            &plan("k", "k, COUNT(*) AS c", false),
        );
        assert_eq!(kafka.operators[2].name, "snk_Writer");
        let value = l.encode();
        assert!(
            value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._~".contains(c)),
            "{value}"
        );
        assert!(
            !value.contains("hunter2") && !value.contains("COUNT"),
            "{value}"
        );
        assert_eq!(Layout::decode(&value), Some(l));
        assert_eq!(Layout::decode("v9.kX~0123456789"), None);
    }

    #[test]
    fn the_same_plan_with_other_running_numbers_is_compatible() {
        let again = layout(
            DDL,
            &plan("k", "k, COUNT(*) AS c", false).replace("[1", "[7"),
        );
        assert!(matches!(compare(&base(), &again), Verdict::Compatible(_)));
    }

    #[test]
    fn a_changed_aggregate_on_the_same_id_loses_its_state() {
        let sum = layout(DDL, &plan("k, v", "k, SUM(v) AS c", false));
        let v = compare(&base(), &sum);
        let Verdict::StateLost(ops) = v else {
            panic!("{v:?}")
        };
        assert_eq!(ops.len(), 1);
        assert!(ops[0].starts_with("GroupAggregate: same id"), "{ops:?}");
    }

    #[test]
    fn an_operator_whose_place_in_the_graph_changes_loses_its_state() {
        // A second source before the first in the walk moves every later operator.
        let two = plan("k", "k, COUNT(*) AS c", false).replace(
            r#"{"nodes":["#,
            r#"{"nodes":[{"id":0,"type":"Source: other[9]","contents":"x","parallelism":1},"#,
        );
        let v = compare(&base(), &layout(DDL, &two));
        assert!(
            matches!(&v, Verdict::StateLost(ops) if ops.iter().any(|o| o.starts_with("GroupAggregate: its operator id changes"))),
            "{v:?}"
        );
    }

    #[test]
    fn an_upstream_change_or_a_changed_column_type_is_unknown_not_compatible() {
        let filtered = layout(DDL, &plan("k, v", "k, COUNT(*) AS c", false));
        assert!(matches!(compare(&base(), &filtered), Verdict::Unknown(_)));
        let bigint = layout(
            &DDL.replace("(k INT, v INT)", "(k BIGINT, v INT)"),
            &plan("k", "k, COUNT(*) AS c", false),
        );
        let v = compare(&base(), &bigint);
        assert!(
            matches!(&v, Verdict::Unknown(why) if why.contains("GroupAggregate: its input changed")),
            "{v:?}"
        );
    }

    #[test]
    fn source_options_and_undeclared_tables_are_unknown_secrets_are_not_compared() {
        let faster = layout(
            &DDL.replace("'5'", "'50'"),
            &plan("k", "k, COUNT(*) AS c", false),
        );
        let v = compare(&base(), &faster);
        assert!(
            matches!(&v, Verdict::Unknown(why) if why.contains("Source_src")),
            "{v:?}"
        );
        let rotated = layout(
            &DDL.replace("hunter2", "hunter3"),
            &plan("k", "k, COUNT(*) AS c", false),
        );
        assert!(matches!(compare(&base(), &rotated), Verdict::Compatible(_)));
        let undeclared = layout("", &plan("k", "k, COUNT(*) AS c", false));
        assert!(undeclared.undeclared);
        assert!(matches!(
            compare(&undeclared, &undeclared),
            Verdict::Unknown(_)
        ));
    }

    #[test]
    fn result_names_do_not_count_casts_do_and_a_print_sink_is_not_tracked() {
        assert_eq!(
            unaliased("select=[k, COUNT(v) AS EXPR$1, CAST(v AS BIGINT) AS w]"),
            "select=[k, COUNT(v), CAST(v AS BIGINT)]"
        );
        let renamed = layout(DDL, &plan("k", "k, COUNT(*) AS total", false));
        assert!(matches!(compare(&base(), &renamed), Verdict::Compatible(_)));
        let print = plan("k", "k, COUNT(*) AS c", false).replace("snk[15]: Writer", "Sink: snk");
        let ddl = DDL.replace("'blackhole'", "'print'");
        assert_eq!(
            layout(&ddl, &print).operators.len(),
            2,
            "Sink: snk is print's"
        );
        let ddl = DDL.replace("'blackhole'", "'kafka'");
        assert_eq!(layout(&ddl, &print).operators[2].name, "Sink_snk");
    }

    #[test]
    fn a_filter_after_the_aggregate_keeps_its_state() {
        let v = compare(&base(), &layout(DDL, &plan("k", "k, COUNT(*) AS c", true)));
        assert!(matches!(v, Verdict::Compatible(_)), "{v:?}");
    }

    #[test]
    fn a_job_without_a_layout_is_unknown_and_the_same_sql_is_compatible() {
        let new = base();
        assert!(matches!(
            verdict(Some("h"), None, "h2", Some(&new)),
            Verdict::Unknown(_)
        ));
        assert!(matches!(
            verdict(Some("h"), None, "h", None),
            Verdict::Compatible(_)
        ));
        assert!(matches!(
            verdict(Some("h"), Some("v0.x"), "h2", Some(&new)),
            Verdict::Unknown(_)
        ));
    }
}
