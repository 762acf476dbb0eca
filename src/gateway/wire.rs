//! Wire types of the SQL Gateway REST API (v1–v4) and their conversion into `model` types.
//!
//! Field names follow Flink's JSON exactly; everything optional on some version is an `Option`
//! or has a default, so one set of types reads every version.

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::{decimal, Column, DataType, Field, Row, RowKind};

/// `GET /api_versions`.
#[derive(Debug, Deserialize)]
pub struct ApiVersions {
    pub versions: Vec<String>,
}

/// `GET /info`.
#[derive(Debug, Clone, Deserialize)]
pub struct Info {
    #[serde(rename = "productName", default)]
    pub product_name: String,
    #[serde(default)]
    pub version: String,
}

/// `POST /sessions` request.
#[derive(Debug, Serialize)]
pub struct OpenSession<'a> {
    #[serde(rename = "sessionName")]
    pub session_name: &'a str,
    pub properties: Map<String, Value>,
}

/// `POST /sessions` response.
#[derive(Debug, Deserialize)]
pub struct SessionHandle {
    #[serde(rename = "sessionHandle")]
    pub session_handle: String,
}

/// `GET /sessions/{s}/complete-statement` request body.
#[derive(Debug, Serialize)]
pub struct CompleteStatement<'a> {
    pub statement: &'a str,
    pub position: usize,
}

/// `GET /sessions/{s}/complete-statement` response.
#[derive(Debug, Deserialize)]
pub struct Candidates {
    #[serde(default)]
    pub candidates: Vec<String>,
}

/// `POST /sessions/{s}/configure-session` request (v2+); the answer is an empty object.
#[derive(Debug, Serialize)]
pub struct ConfigureSession<'a> {
    pub statement: &'a str,
}

/// `POST /sessions/{s}/statements` request.
#[derive(Debug, Serialize)]
pub struct ExecuteStatement<'a> {
    pub statement: &'a str,
    #[serde(rename = "executionTimeout", skip_serializing_if = "Option::is_none")]
    pub execution_timeout: Option<u64>,
    /// Session configuration for this statement only.
    #[serde(rename = "executionConfig", skip_serializing_if = "Map::is_empty")]
    pub execution_config: Map<String, Value>,
}

/// `POST /sessions/{s}/statements` response.
#[derive(Debug, Deserialize)]
pub struct OperationHandle {
    #[serde(rename = "operationHandle")]
    pub operation_handle: String,
}

/// `GET …/operations/{o}/status`, also the answer of cancel and close.
#[derive(Debug, Deserialize)]
pub struct OperationStatus {
    pub status: String,
}

/// Whether a page carries rows, says "ask again", or ends the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResultType {
    NotReady,
    Payload,
    Eos,
}

/// `SUCCESS` (DDL, SET: one `OK` row) or `SUCCESS_WITH_CONTENT` (queries, SHOW, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResultKind {
    Success,
    SuccessWithContent,
}

/// `GET …/operations/{o}/result/{token}`: one page.
#[derive(Debug, Deserialize)]
pub struct ResultPage {
    #[serde(rename = "resultType")]
    pub result_type: ResultType,
    /// v2+; absent on v1.
    #[serde(rename = "isQueryResult", default)]
    pub is_query_result: Option<bool>,
    #[serde(rename = "jobID", default)]
    pub job_id: Option<String>,
    #[serde(rename = "resultKind", default)]
    pub result_kind: Option<ResultKind>,
    #[serde(default)]
    pub results: Option<ResultSet>,
    #[serde(rename = "nextResultUri", default)]
    pub next_result_uri: Option<String>,
}

/// The `results` object of a page.
///
/// Read by hand so that each row's fields go into a vector sized by the columns, which come
/// first in Flink's answer: a row then costs one allocation, not one and its regrowth (the
/// regrowth was a tenth of the instructions spent on a million rows). Rows that come before
/// their columns, or are wider, still read; their vectors grow as needed.
#[derive(Debug, Default)]
pub struct ResultSet {
    pub columns: Vec<WireColumn>,
    pub data: Vec<WireRow>,
}

impl<'de> Deserialize<'de> for ResultSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ResultSet, D::Error> {
        d.deserialize_map(ResultSetVisitor)
    }
}

/// One column: name and Flink's logical type as JSON.
#[derive(Debug, Deserialize)]
pub struct WireColumn {
    pub name: String,
    #[serde(rename = "logicalType", default)]
    pub logical_type: Value,
}

/// The keys of a result set and of a row that are read; any other is skipped.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum Key {
    Columns,
    Data,
    Kind,
    Fields,
    #[serde(other)]
    Other,
}

struct ResultSetVisitor;

impl<'de> Visitor<'de> for ResultSetVisitor {
    type Value = ResultSet;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a result set")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ResultSet, A::Error> {
        let mut set = ResultSet::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Columns => set.columns = map.next_value()?,
                Key::Data => {
                    let width = set.columns.len();
                    set.data = map.next_value_seed(Rows { width })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(set)
    }
}

/// The `data` array, each row's fields sized for `width` values.
struct Rows {
    width: usize,
}

impl<'de> DeserializeSeed<'de> for Rows {
    type Value = Vec<WireRow>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Vec<WireRow>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows {
    type Value = Vec<WireRow>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of rows")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<WireRow>, S::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(row) = seq.next_element_seed(RowSeed { width: self.width })? {
            rows.push(row);
        }
        Ok(rows)
    }
}

/// One row in the JSON row format; fields stay undecoded JSON text. A missing or unknown kind
/// is an insert (rather than failing the whole result); missing fields are none.
#[derive(Debug)]
pub struct WireRow {
    pub kind: RowKind,
    pub fields: Vec<Field>,
}

impl<'de> Deserialize<'de> for WireRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<WireRow, D::Error> {
        RowSeed { width: 0 }.deserialize(d)
    }
}

/// One row, its fields' vector sized for `width` values.
#[derive(Clone, Copy)]
struct RowSeed {
    width: usize,
}

impl<'de> DeserializeSeed<'de> for RowSeed {
    type Value = WireRow;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<WireRow, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed {
    type Value = WireRow;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a row")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireRow, A::Error> {
        let mut row = WireRow {
            kind: RowKind::Insert,
            fields: Vec::new(),
        };
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Kind => row.kind = map.next_value::<Kind>()?.0,
                Key::Fields => row.fields = map.next_value_seed(Fields { width: self.width })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(row)
    }
}

/// The most fields a row's vector is sized for before they are read: a wider table's rows grow
/// as they are read, as a `Vec`'s do.
const MAX_ROOM: usize = 1024;

/// A row's `fields` array.
struct Fields {
    width: usize,
}

impl<'de> DeserializeSeed<'de> for Fields {
    type Value = Vec<Field>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Vec<Field>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Fields {
    type Value = Vec<Field>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of field values")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<Field>, S::Error> {
        let room = self.width.min(MAX_ROOM);
        let mut fields = Vec::with_capacity(room);
        while let Some(field) = seq.next_element()? {
            fields.push(field);
        }
        // A row shorter than its columns keeps only what it holds: an answer of many short rows
        // under many columns costs what its rows hold, never rows × columns.
        if fields.len() < room {
            fields.shrink_to_fit();
        }
        Ok(fields)
    }
}

/// A row's kind, read without allocating a string per row.
struct Kind(RowKind);

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        d.deserialize_str(KindVisitor)
    }
}

struct KindVisitor;

impl Visitor<'_> for KindVisitor {
    type Value = Kind;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a row kind")
    }
    fn visit_str<E: serde::de::Error>(self, kind: &str) -> Result<Kind, E> {
        Ok(Kind(kind_named(kind)))
    }
}

/// An error answer: `{"errors": ["Internal server error.", "<trace>"]}`.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub errors: Vec<String>,
}

impl WireColumn {
    /// The model column; its type spelled in SQL, the raw JSON kept.
    pub fn into_column(self) -> Column {
        Column {
            name: self.name,
            data_type: data_type(self.logical_type),
        }
    }
}

impl WireRow {
    /// The model row; fields stay JSON text (numbers keep their exact text).
    pub fn into_row(self) -> Row {
        Row {
            kind: self.kind,
            fields: self.fields,
        }
    }
}

/// An unknown kind is shown as an insert rather than failing the whole result.
fn kind_named(kind: &str) -> RowKind {
    match kind {
        "UPDATE_BEFORE" => RowKind::UpdateBefore,
        "UPDATE_AFTER" => RowKind::UpdateAfter,
        "DELETE" => RowKind::Delete,
        _ => RowKind::Insert,
    }
}

/// Converts a `logicalType` JSON object into a `DataType`; never fails.
pub fn data_type(raw: Value) -> DataType {
    let root = raw
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("UNKNOWN")
        .to_owned();
    let nullable = raw.get("nullable").and_then(Value::as_bool).unwrap_or(true);
    let sql = sql_spelling(&raw);
    DataType {
        root,
        sql,
        nullable,
        raw,
    }
}

/// The SQL spelling Flink itself prints, e.g. `DECIMAL(10, 2) NOT NULL`, `ROW<a INT, b STRING>`.
fn sql_spelling(t: &Value) -> String {
    let base = base_spelling(t);
    match t.get("nullable").and_then(Value::as_bool) {
        Some(false) => format!("{base} NOT NULL"),
        _ => base,
    }
}

fn base_spelling(t: &Value) -> String {
    let root = t.get("type").and_then(Value::as_str).unwrap_or("UNKNOWN");
    match root {
        "CHAR" | "VARCHAR" | "BINARY" | "VARBINARY" => sized(root, t),
        "DECIMAL" => decimal(t),
        "TIME_WITHOUT_TIME_ZONE" | "TIME" => format!("TIME({})", num(t, "precision", 0)),
        "TIMESTAMP_WITHOUT_TIME_ZONE" => format!("TIMESTAMP({})", num(t, "precision", 6)),
        "TIMESTAMP_WITH_TIME_ZONE" => {
            format!("TIMESTAMP({}) WITH TIME ZONE", num(t, "precision", 6))
        }
        "TIMESTAMP_WITH_LOCAL_TIME_ZONE" => format!("TIMESTAMP_LTZ({})", num(t, "precision", 6)),
        "ARRAY" | "MULTISET" => format!("{root}<{}>", child(t, "elementType")),
        "MAP" => format!("MAP<{}, {}>", child(t, "keyType"), child(t, "valueType")),
        "ROW" | "STRUCTURED_TYPE" => row(root, t),
        "TINYINT" | "SMALLINT" | "INTEGER" | "BIGINT" | "FLOAT" | "DOUBLE" | "BOOLEAN" | "DATE"
        | "NULL" => short_name(root).to_owned(),
        "INTERVAL_YEAR_MONTH" | "INTERVAL_DAY_TIME" => interval(root, t),
        other => other.to_owned(),
    }
}

/// Flink prints `STRING` for `VARCHAR(2147483647)` and `BYTES` for the maximal `VARBINARY`.
fn sized(root: &str, t: &Value) -> String {
    let len = num(t, "length", 1);
    match (root, len) {
        ("VARCHAR", 2_147_483_647) => "STRING".to_owned(),
        ("VARBINARY", 2_147_483_647) => "BYTES".to_owned(),
        _ => format!("{root}({len})"),
    }
}

fn decimal(t: &Value) -> String {
    format!(
        "DECIMAL({}, {})",
        num(t, "precision", 10),
        num(t, "scale", 0)
    )
}

fn interval(root: &str, t: &Value) -> String {
    match t.get("resolution").and_then(Value::as_str) {
        Some(res) => format!("INTERVAL {}", res.replace('_', " TO ")),
        None => root.to_owned(),
    }
}

fn short_name(root: &str) -> &str {
    if root == "INTEGER" {
        "INT"
    } else {
        root
    }
}

fn row(root: &str, t: &Value) -> String {
    let fields = t
        .get("fields")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let inner: Vec<String> = fields.iter().map(row_field).collect();
    format!("{root}<{}>", inner.join(", "))
}

fn row_field(f: &Value) -> String {
    let name = f.get("name").and_then(Value::as_str).unwrap_or("?");
    let ty = f
        .get("fieldType")
        .map(sql_spelling)
        .unwrap_or_else(|| "UNKNOWN".to_owned());
    format!("{name} {ty}")
}

fn child(t: &Value, key: &str) -> String {
    t.get(key)
        .map(sql_spelling)
        .unwrap_or_else(|| "UNKNOWN".to_owned())
}

fn num(t: &Value, key: &str, default: u64) -> u64 {
    t.get(key).and_then(Value::as_u64).unwrap_or(default)
}

/// Whether a type has a DECIMAL anywhere inside it.
pub fn has_decimal(t: &Value) -> bool {
    match t.get("type").and_then(Value::as_str) {
        Some("DECIMAL") => true,
        Some("ARRAY" | "MULTISET") => t.get("elementType").is_some_and(has_decimal),
        Some("MAP") => t.get("valueType").is_some_and(has_decimal),
        Some("ROW") => row_fields(t)
            .iter()
            .any(|f| f.get("fieldType").is_some_and(has_decimal)),
        _ => false,
    }
}

fn row_fields(t: &Value) -> &[Value] {
    t.get("fields")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Gives the DECIMAL values in a field back their scale (see `restore_decimals`).
pub fn restore_field_decimals(field: &mut Field, t: &Value) {
    if field.is_null() {
        return;
    }
    let mut value = field.value();
    restore_decimals(&mut value, t);
    *field = Field::from_value(&value);
}

/// Gives DECIMAL values back their scale. The gateway's JSON row format strips trailing zeros
/// and Jackson then writes exponents: a `DECIMAL(10, 2)` 10.00 arrives as `1E+1`, 1.50 as `1.5`.
pub fn restore_decimals(value: &mut Value, t: &Value) {
    match (t.get("type").and_then(Value::as_str), value) {
        (Some("DECIMAL"), v @ Value::Number(_)) => {
            let scale = usize::try_from(num(t, "scale", 0)).unwrap_or(usize::MAX);
            let mut text = String::new();
            if decimal::plain(&v.to_string(), scale, &mut text) {
                if let Ok(fixed) = serde_json::from_str(&text) {
                    *v = fixed;
                }
            }
        }
        (Some("ARRAY"), Value::Array(items)) => {
            let element = t.get("elementType").cloned().unwrap_or_default();
            items
                .iter_mut()
                .for_each(|item| restore_decimals(item, &element));
        }
        (Some("MAP"), Value::Object(map)) => {
            let value_type = t.get("valueType").cloned().unwrap_or_default();
            map.values_mut()
                .for_each(|v| restore_decimals(v, &value_type));
        }
        (Some("ROW"), Value::Object(map)) => {
            for f in row_fields(t) {
                let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
                if let (Some(v), Some(ft)) = (map.get_mut(name), f.get("fieldType")) {
                    restore_decimals(v, ft);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sql(v: Value) -> String {
        data_type(v).sql
    }

    #[test]
    fn decimal_keeps_precision_and_scale() {
        assert_eq!(
            sql(json!({"type":"DECIMAL","nullable":true,"precision":10,"scale":2})),
            "DECIMAL(10, 2)"
        );
    }

    #[test]
    fn not_null_is_spelled_out() {
        let t = data_type(json!({"type":"INTEGER","nullable":false}));
        assert_eq!(t.sql, "INT NOT NULL");
        assert!(!t.nullable);
        assert_eq!(t.root, "INTEGER");
    }

    #[test]
    fn maximal_varchar_is_string() {
        assert_eq!(
            sql(json!({"type":"VARCHAR","nullable":true,"length":2147483647})),
            "STRING"
        );
        assert_eq!(
            sql(json!({"type":"CHAR","nullable":false,"length":1})),
            "CHAR(1) NOT NULL"
        );
    }

    #[test]
    fn timestamps_carry_precision() {
        assert_eq!(
            sql(json!({"type":"TIMESTAMP_WITHOUT_TIME_ZONE","precision":3})),
            "TIMESTAMP(3)"
        );
        assert_eq!(
            sql(json!({"type":"TIMESTAMP_WITH_LOCAL_TIME_ZONE","precision":3})),
            "TIMESTAMP_LTZ(3)"
        );
    }

    #[test]
    fn nested_types_are_spelled_recursively() {
        let arr = json!({"type":"ARRAY","elementType":{"type":"INTEGER","nullable":true}});
        assert_eq!(sql(arr), "ARRAY<INT>");
        let map = json!({"type":"MAP","keyType":{"type":"VARCHAR","length":2147483647},"valueType":{"type":"INTEGER"}});
        assert_eq!(sql(map), "MAP<STRING, INT>");
        let row = json!({"type":"ROW","fields":[{"name":"a","fieldType":{"type":"INTEGER"}},
            {"name":"b","fieldType":{"type":"VARCHAR","length":2147483647}}]});
        assert_eq!(sql(row), "ROW<a INT, b STRING>");
    }

    #[test]
    fn unknown_roots_do_not_crash() {
        assert_eq!(sql(json!({"type":"VECTOR","dimension":3})), "VECTOR");
        assert_eq!(sql(json!(null)), "UNKNOWN");
        assert_eq!(sql(json!({"type":"RAW","class":"x"})), "RAW");
    }

    #[test]
    fn decimals_inside_arrays_rows_and_maps_are_restored() {
        let t = json!({"type":"ROW","fields":[
            {"name":"a","fieldType":{"type":"ARRAY","elementType":{"type":"DECIMAL","precision":6,"scale":1}}},
            {"name":"m","fieldType":{"type":"MAP","keyType":{"type":"VARCHAR"},"valueType":{"type":"DECIMAL","precision":5,"scale":2}}}]});
        assert!(has_decimal(&t));
        let mut v: Value = serde_json::from_str(r#"{"a":[1E+1,null],"m":{"k":2}}"#).unwrap();
        restore_decimals(&mut v, &t);
        assert_eq!(v.to_string(), r#"{"a":[10.0,null],"m":{"k":2.00}}"#);
    }

    #[test]
    fn rows_keep_kind_and_exact_numbers() {
        let w: WireRow =
            serde_json::from_str(r#"{"kind":"UPDATE_AFTER","fields":[1.10, "x", null]}"#).unwrap();
        let r = w.into_row();
        assert_eq!(r.kind, RowKind::UpdateAfter);
        assert_eq!(r.fields[0].to_string(), "1.10");
        assert_eq!(r.fields[1].json(), r#""x""#);
    }

    fn result_set(json: &str) -> ResultSet {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_rows_fields_are_sized_by_the_columns_before_it() {
        let set = result_set(
            r#"{"columns":[{"name":"a"},{"name":"b"},{"name":"c"}],"rowFormat":"JSON",
                "data":[{"kind":"DELETE","fields":[1,"x",null]},{"fields":[2,"y",{"k":[1]}]}]}"#,
        );
        assert_eq!(set.columns.len(), 3);
        assert_eq!(set.data.len(), 2);
        assert_eq!(set.data[0].kind, RowKind::Delete);
        assert_eq!(set.data[1].kind, RowKind::Insert);
        assert_eq!(set.data[1].fields[2].json(), r#"{"k":[1]}"#);
        assert!(set.data.iter().all(|r| r.fields.capacity() == 3));
    }

    #[test]
    fn rows_shorter_than_many_columns_keep_only_what_they_hold() {
        let columns: Vec<String> = (0..5000).map(|i| format!(r#"{{"name":"c{i}"}}"#)).collect();
        let rows = vec![r#"{"fields":[1]}"#; 100].join(",");
        let set = result_set(&format!(
            r#"{{"columns":[{}],"data":[{rows},{{"fields":[]}}]}}"#,
            columns.join(",")
        ));
        assert_eq!(set.columns.len(), 5000);
        assert_eq!(set.data.len(), 101);
        assert!(set.data.iter().all(|r| r.fields.capacity() <= 1));
        assert_eq!(set.data[0].fields[0].json(), "1");
    }

    #[test]
    fn rows_before_their_columns_wider_rows_and_unknown_keys_still_read() {
        let set = result_set(
            r#"{"data":[{"fields":[1,2,3,4,5,6,7,8,9],"extra":{"a":[1]},"kind":"UPDATE_BEFORE"}],
                "columns":[{"name":"a","logicalType":{"type":"INTEGER"}}],"other":null}"#,
        );
        assert_eq!(set.columns.len(), 1);
        assert_eq!(set.data[0].kind, RowKind::UpdateBefore);
        let texts: Vec<&str> = set.data[0].fields.iter().map(Field::json).collect();
        assert_eq!(texts, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        let wider = result_set(r#"{"columns":[{"name":"a"}],"data":[{"fields":[1,2]}]}"#);
        assert_eq!(wider.data[0].fields.len(), 2);
        assert!(result_set("{}").data.is_empty());
        assert!(serde_json::from_str::<ResultSet>(r#"{"data":[{"fields":[1,]}]}"#).is_err());
        assert!(serde_json::from_str::<ResultSet>(r#"{"data":{"fields":[]}}"#).is_err());
    }

    #[test]
    fn a_missing_or_unknown_kind_is_an_insert() {
        let w: WireRow = serde_json::from_str(r#"{"fields":[1]}"#).unwrap();
        assert_eq!(w.kind, RowKind::Insert);
        let w: WireRow = serde_json::from_str(r#"{"kind":"MERGE","fields":[1]}"#).unwrap();
        assert_eq!(w.kind, RowKind::Insert);
    }

    #[test]
    fn decimal_fields_are_restored_in_their_text() {
        let t = json!({"type":"DECIMAL","precision":10,"scale":2});
        let mut f = Field::from_json("1E+1").unwrap();
        restore_field_decimals(&mut f, &t);
        assert_eq!(f.json(), "10.00");
        let mut null = Field::from_json("null").unwrap();
        restore_field_decimals(&mut null, &t);
        assert_eq!(null.json(), "null");
    }
}
