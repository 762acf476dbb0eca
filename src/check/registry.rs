//! The schema-registry contract: for each Kafka or upsert-kafka table with an `avro-confluent`
//! key or value format, the subject's latest schema (fetched with the table's own URL and basic
//! auth) against the declared columns: names, types (Avro to Flink), nullability, and the key
//! fields against the primary key. Mismatches are reported at the column.

use std::collections::HashSet;

use base64::Engine;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::ddl::{Column, Table};
use super::{Finding, Rule, Severity};
use crate::gateway::{Http, Retry, Target};
use crate::script::Statement;
use crate::secrets::Redactor;

pub const MISMATCH: Rule = Rule {
    id: "FS201",
    name: "schema-mismatch",
    severity: Severity::Error,
    reason: "a declared column does not match the registry's schema for the topic",
    fix: "declare the column as the subject's latest schema has it (name, type, nullability)",
};
pub const MISSING_SUBJECT: Rule = Rule {
    id: "FS202",
    name: "missing-subject",
    severity: Severity::Error,
    reason: "the registry has no schema under the subject the table reads or writes",
    fix: "register the schema, or set '…avro-confluent.subject' to the subject that exists",
};

pub const RULES: &[Rule] = &[MISMATCH, MISSING_SUBJECT];

/// One Avro side of a table: its option prefix and which columns it carries.
struct Side {
    /// `key` or `value`, for subjects (`<topic>-key`) and messages.
    part: &'static str,
    /// `avro-confluent.`, `key.avro-confluent.` or `value.avro-confluent.`.
    prefix: &'static str,
}

/// The table's Avro sides.
fn sides(table: &Table) -> Vec<Side> {
    let is = |k: &str| table.option(k).is_some_and(|o| o.value == "avro-confluent");
    let mut out = Vec::new();
    if is("format") {
        out.push(Side {
            part: "value",
            prefix: "avro-confluent.",
        });
    }
    if is("value.format") {
        out.push(Side {
            part: "value",
            prefix: "value.avro-confluent.",
        });
    }
    if is("key.format") {
        out.push(Side {
            part: "key",
            prefix: "key.avro-confluent.",
        });
    }
    out
}

/// The key columns: `key.fields` (kafka) or the primary key (upsert-kafka).
fn key_columns(table: &Table) -> Vec<String> {
    match table.option("key.fields") {
        Some(o) => o.value.split(';').map(|s| s.trim().to_owned()).collect(),
        None => table.primary_key.clone(),
    }
}

/// The columns a side carries.
fn columns<'a>(table: &'a Table, side: &Side) -> Vec<&'a Column> {
    let keys = key_columns(table);
    let except_key = table
        .option("value.fields-include")
        .is_some_and(|o| o.value.eq_ignore_ascii_case("EXCEPT_KEY"));
    table
        .columns
        .iter()
        .filter(|c| c.physical)
        .filter(|c| match side.part {
            "key" => keys.contains(&c.name),
            _ => !(except_key && keys.contains(&c.name)),
        })
        .collect()
}

#[derive(Deserialize)]
struct Latest {
    schema: String,
}

/// Checks every Avro table `file` creates.
pub async fn contracts(file: &[Statement], redactor: &Redactor) -> anyhow::Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for stmt in file {
        let Some(table) = super::lint::substituted_table(stmt) else {
            continue;
        };
        let kafka = table
            .option("connector")
            .is_some_and(|c| c.value == "kafka" || c.value == "upsert-kafka");
        if !kafka {
            continue;
        }
        for side in sides(&table) {
            findings.extend(side_contract(stmt, &table, &side, redactor).await?);
        }
    }
    Ok(findings)
}

async fn side_contract(
    stmt: &Statement,
    table: &Table,
    side: &Side,
    redactor: &Redactor,
) -> anyhow::Result<Vec<Finding>> {
    let opt = |k: &str| {
        table
            .option(&format!("{}{k}", side.prefix))
            .map(|o| o.value.clone())
    };
    let (Some(url), Some(topic)) = (opt("url"), table.option("topic").map(|o| o.value.clone()))
    else {
        return Ok(Vec::new());
    };
    let subject = opt("subject").unwrap_or_else(|| format!("{topic}-{}", side.part));
    let mut headers = Vec::new();
    if let Some(info) = opt("basic-auth.user-info") {
        let encoded = base64::engine::general_purpose::STANDARD.encode(info.as_bytes());
        headers.push(("Authorization".to_owned(), format!("Basic {encoded}")));
    }
    let http = Http::new(
        Target {
            base: url.trim_end_matches('/').to_owned(),
            headers,
            token: None,
            ca_cert: None,
            what: "schema registry",
            hint: format!(
                "the registry URL comes from table {}'s options",
                table.short_name()
            ),
        },
        redactor.clone(),
        None,
    )?;
    let path = format!("/subjects/{}/versions/latest", encode(&subject));
    let latest: Option<Latest> = http
        .call_optional(Method::GET, &path, None::<&()>, Retry::Idempotent)
        .await?;
    let Some(latest) = latest else {
        let f = Finding::new(
            &MISSING_SUBJECT,
            &stmt.file,
            stmt.pos,
            format!(
                "table {}: the registry has no subject '{subject}' ({} schema of topic '{topic}')",
                table.short_name(),
                side.part
            ),
        )
        .with_fix(MISSING_SUBJECT.fix);
        return Ok(vec![f]);
    };
    let schema: Value = serde_json::from_str(&latest.schema).map_err(|e| {
        anyhow::anyhow!("subject {subject}: the registry's schema is not JSON: {e}")
    })?;
    Ok(compare(stmt, table, side, &subject, &schema))
}

/// A subject name as one URL path segment.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An Avro field's type as Flink would declare it, and whether it may be null.
fn flink_type(avro: &Value) -> (String, bool) {
    if let Value::Array(branches) = avro {
        let nullable = branches.iter().any(|b| b == "null");
        let rest: Vec<&Value> = branches.iter().filter(|b| *b != "null").collect();
        return match rest.as_slice() {
            [one] => (flink_type(one).0, nullable),
            _ => ("UNION".to_owned(), nullable),
        };
    }
    let logical = avro.get("logicalType").and_then(Value::as_str);
    let base = match avro {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("type").and_then(Value::as_str).unwrap_or(""),
        _ => "",
    };
    let t = match (base, logical) {
        ("int", Some("date")) => "DATE".to_owned(),
        ("int", Some("time-millis")) => "TIME".to_owned(),
        ("long", Some("timestamp-millis")) => "TIMESTAMP(3)".to_owned(),
        ("long", Some("timestamp-micros")) => "TIMESTAMP(6)".to_owned(),
        ("long", Some("local-timestamp-millis")) => "TIMESTAMP(3)".to_owned(),
        ("bytes" | "fixed", Some("decimal")) => format!(
            "DECIMAL({}, {})",
            avro.get("precision").and_then(Value::as_u64).unwrap_or(0),
            avro.get("scale").and_then(Value::as_u64).unwrap_or(0)
        ),
        ("string" | "enum", _) => "STRING".to_owned(),
        ("int", _) => "INT".to_owned(),
        ("long", _) => "BIGINT".to_owned(),
        ("boolean", _) => "BOOLEAN".to_owned(),
        ("float", _) => "FLOAT".to_owned(),
        ("double", _) => "DOUBLE".to_owned(),
        ("bytes" | "fixed", _) => "BYTES".to_owned(),
        ("record", _) => "ROW".to_owned(),
        ("array", _) => "ARRAY".to_owned(),
        ("map", _) => "MAP".to_owned(),
        (other, _) => other.to_ascii_uppercase(),
    };
    (t, false)
}

/// Whether a declared type reads the Avro type: the same root (`VARCHAR(n)` and `STRING` alike,
/// `TIMESTAMP_LTZ(3)` for `timestamp-millis`), and for DECIMAL the same precision and scale.
fn same_type(declared: &str, expected: &str) -> bool {
    let root = |t: &str| {
        let r = t.split(['(', '<', ' ']).next().unwrap_or("").to_owned();
        match r.as_str() {
            "VARCHAR" | "CHAR" => "STRING".to_owned(),
            "VARBINARY" | "BINARY" => "BYTES".to_owned(),
            "INTEGER" => "INT".to_owned(),
            "TIMESTAMP_LTZ" => "TIMESTAMP".to_owned(),
            _ => r,
        }
    };
    let (d, e) = (root(declared), root(expected));
    if d != e {
        return false;
    }
    match d.as_str() {
        "DECIMAL" => declared.replace(' ', "") == expected.replace(' ', ""),
        _ => true,
    }
}

fn compare(
    stmt: &Statement,
    table: &Table,
    side: &Side,
    subject: &str,
    schema: &Value,
) -> Vec<Finding> {
    let empty = Vec::new();
    let fields = schema
        .get("fields")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let declared = columns(table, side);
    let at = Place {
        stmt,
        table: table.short_name(),
        subject,
    };
    let mut out: Vec<Finding> = declared
        .iter()
        .filter_map(
            |column| match fields.iter().find(|f| name_of(f) == column.name) {
                Some(field) => column_contract(&at, column, field),
                None => Some(at.finding(
                    column.pos,
                    format!(
                        "column {} is not a field of subject '{subject}'",
                        column.name
                    ),
                )),
            },
        )
        .collect();
    if side.part == "key" {
        out.extend(key_contract(&at, table, fields));
    } else {
        out.extend(undeclared(&at, &declared, fields));
    }
    out
}

/// What a mismatch message needs to say where it is.
struct Place<'a> {
    stmt: &'a Statement,
    table: &'a str,
    subject: &'a str,
}

impl Place<'_> {
    fn finding(&self, pos: crate::script::Pos, message: String) -> Finding {
        Finding::new(
            &MISMATCH,
            &self.stmt.file,
            pos,
            format!("table {}: {message}", self.table),
        )
    }
}

fn name_of(field: &Value) -> String {
    field
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// One declared column against its Avro field: the type, then nullability.
fn column_contract(at: &Place, column: &Column, field: &Value) -> Option<Finding> {
    let (expected, nullable) = flink_type(field.get("type").unwrap_or(&Value::Null));
    let (name, subject) = (&column.name, at.subject);
    if !same_type(&column.data_type, &expected) {
        let not_null = if nullable { "" } else { " NOT NULL" };
        let message = format!(
            "column {name} is {} but subject '{subject}' has {expected}",
            column.data_type
        );
        return Some(
            at.finding(column.pos, message)
                .with_fix(format!("declare {name} {expected}{not_null}")),
        );
    }
    match (column.not_null, nullable) {
        (true, true) => Some(at.finding(
            column.pos,
            format!("column {name} is NOT NULL but subject '{subject}' allows null"),
        )),
        (false, false) => Some(
            at.finding(
                column.pos,
                format!("column {name} may be null but subject '{subject}' requires a value"),
            )
            .with_severity(Severity::Warning)
            .with_fix(format!("declare {name} {expected} NOT NULL")),
        ),
        _ => None,
    }
}

/// The key subject's fields against the table's key.
fn key_contract(at: &Place, table: &Table, fields: &[Value]) -> Option<Finding> {
    let avro_keys: HashSet<String> = fields.iter().map(name_of).collect();
    let key: HashSet<String> = key_columns(table).into_iter().collect();
    (avro_keys != key).then(|| {
        at.finding(
            at.stmt.pos,
            format!(
                "the key subject '{}' has fields {} but the key is {}",
                at.subject,
                sorted(&avro_keys),
                sorted(&key)
            ),
        )
    })
}

/// Value fields the schema requires (no default, not nullable) that the table does not declare.
fn undeclared(at: &Place, declared: &[&Column], fields: &[Value]) -> Vec<Finding> {
    let names: HashSet<&str> = declared.iter().map(|c| c.name.as_str()).collect();
    fields
        .iter()
        .filter(|f| !names.contains(name_of(f).as_str()))
        .filter(|f| {
            f.get("default").is_none() && !flink_type(f.get("type").unwrap_or(&Value::Null)).1
        })
        .map(|f| {
            at.finding(
                at.stmt.pos,
                format!(
                    "subject '{}' requires field {}, which the table does not declare",
                    at.subject,
                    name_of(f)
                ),
            )
            .with_severity(Severity::Warning)
        })
        .collect()
}

fn sorted(set: &HashSet<String>) -> String {
    let mut v: Vec<&String> = set.iter().collect();
    v.sort();
    format!(
        "({})",
        v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{input, prepare};
    use serde_json::json;

    #[test]
    fn columns_are_compared_by_name_type_and_nullability() {
        let sql = "CREATE TABLE t (\n  id BIGINT NOT NULL,\n  name STRING NOT NULL,\n  amount INT,\n  extra STRING\n) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'avro-confluent')";
        let sources = [input::from_bytes("a.sql", sql.as_bytes().to_vec()).unwrap()];
        let stmt = &prepare(&sources, &Default::default(), false).unwrap()[0];
        let table = super::super::lint::substituted_table(stmt).unwrap();
        let schema = json!({"type": "record", "name": "r", "fields": [
            {"name": "id", "type": "long"},
            {"name": "name", "type": ["null", "string"]},
            {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        ]});
        let side = &sides(&table)[0];
        let found: Vec<(usize, String)> = compare(stmt, &table, side, "x-value", &schema)
            .into_iter()
            .map(|f| (f.pos.line, f.message))
            .collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(found[0].0, 3);
        assert!(found[0]
            .1
            .contains("name is NOT NULL but subject 'x-value' allows null"));
        assert!(found[1]
            .1
            .contains("amount is INT but subject 'x-value' has DECIMAL(10, 2)"));
        assert_eq!(
            (found[2].0, found[2].1.contains("extra is not a field")),
            (5, true)
        );
    }
}
