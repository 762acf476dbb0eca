//! Typed values: how one gateway JSON value of a Flink type is written as text (table, plain, csv)
//! or as JSON (json, ndjson), and how wide text is on a terminal.
//!
//! The gateway (rowFormat=JSON) sends strings for character, date/time and binary (base64) types,
//! JSON numbers whose text we keep exactly (`arbitrary_precision`), booleans, and nested JSON for
//! ROW (an object keyed by field name), ARRAY and MAP (an object). See
//! docs/gateway-transcripts/types.json for what a real gateway answered.

use std::fmt::Write as _;
use std::io::{self, Write};

use std::borrow::Cow;

use serde_json::Value;

use crate::model::{decimal, DataType, Field};

/// What the text form of a NULL is in table and plain output (Flink's own client spells it so).
pub const NULL_TEXT: &str = "<NULL>";

/// How values of one column are written: decided once per column from its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Text,
    Integer,
    Float,
    /// DECIMAL with its scale: `12.3` in a DECIMAL(10, 2) is shown `12.30`.
    Decimal(u32),
    Boolean,
    /// BINARY/VARBINARY: base64 on the wire, `x'cafe'` as text.
    Binary,
    Date,
    /// TIME(p): fraction padded to p digits as text.
    Time(u32),
    /// TIMESTAMP(p) and TIMESTAMP_LTZ(p): fraction padded to p digits, `T` shown as a space in text.
    Timestamp(u32),
    /// INTERVAL DAY TO SECOND: milliseconds on the wire, `+2 00:00:00.000` as text (as Flink's client).
    IntervalDayTime,
    /// INTERVAL YEAR TO MONTH: months on the wire, `+1-02` as text.
    IntervalYearMonth,
    /// ROW, ARRAY, MAP, MULTISET, structured types: compact JSON as text.
    Nested,
    Other,
}

impl Class {
    /// Classifies a column type by its root (`DECIMAL`, `TIMESTAMP_WITHOUT_TIME_ZONE`, …), falling
    /// back on its SQL spelling (`DECIMAL(10, 2)`) when the root is unfamiliar.
    pub fn of(data_type: &DataType) -> Class {
        let root = data_type.root.to_ascii_uppercase();
        let class = Class::of_name(&root, data_type);
        if class != Class::Other {
            return class;
        }
        let sql = data_type.sql.to_ascii_uppercase();
        let head = sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        Class::of_name(head, data_type)
    }

    fn of_name(name: &str, data_type: &DataType) -> Class {
        match name {
            "CHAR" | "VARCHAR" | "STRING" => Class::Text,
            "TINYINT" | "SMALLINT" | "INTEGER" | "INT" | "BIGINT" => Class::Integer,
            "FLOAT" | "DOUBLE" | "REAL" => Class::Float,
            "DECIMAL" | "DEC" | "NUMERIC" => Class::Decimal(scale(data_type)),
            "BOOLEAN" => Class::Boolean,
            "BINARY" | "VARBINARY" | "BYTES" => Class::Binary,
            "DATE" => Class::Date,
            "TIME" | "TIME_WITHOUT_TIME_ZONE" => Class::Time(precision(data_type, 0)),
            n if n.starts_with("TIMESTAMP") => Class::Timestamp(precision(data_type, 6)),
            "INTERVAL_DAY_TIME" => Class::IntervalDayTime,
            "INTERVAL_YEAR_MONTH" => Class::IntervalYearMonth,
            "ROW" | "ARRAY" | "MAP" | "MULTISET" | "STRUCTURED_TYPE" => Class::Nested,
            _ => Class::Other,
        }
    }

    /// Numbers are right-aligned in a table.
    pub fn is_numeric(self) -> bool {
        matches!(self, Class::Integer | Class::Float | Class::Decimal(_))
    }
}

/// The numbers inside `DECIMAL(10, 2)` / `TIMESTAMP(3)`.
fn type_params(sql: &str) -> Vec<u32> {
    let Some((_, rest)) = sql.split_once('(') else {
        return Vec::new();
    };
    let inner = rest.split(')').next().unwrap_or("");
    inner
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect()
}

/// Flink's largest fraction precision of a TIME or TIMESTAMP.
const MAX_PRECISION: u32 = 9;

/// A time's fraction digits, as declared, within what Flink allows: a page declaring more must
/// not make every value padded to its size.
fn precision(data_type: &DataType, default: u32) -> u32 {
    type_param(data_type, "precision", 0).map_or(default, |p| p.min(MAX_PRECISION))
}

fn scale(data_type: &DataType) -> u32 {
    type_param(data_type, "scale", 1).map_or(0, |s| s.min(decimal::MAX_SCALE as u32))
}

/// A type parameter from the gateway's JSON, else from the SQL spelling's `(…)` at `index`.
fn type_param(data_type: &DataType, key: &str, index: usize) -> Option<u32> {
    let raw = data_type.raw.get(key).and_then(Value::as_u64);
    raw.map(|p| u32::try_from(p).unwrap_or(u32::MAX))
        .or_else(|| type_params(&data_type.sql).get(index).copied())
}

/// A field's JSON text, read without decoding numbers or unescaped strings.
enum Json<'a> {
    Null,
    Bool(bool),
    /// The number's exact text.
    Number(&'a str),
    /// A string's content; owned only when the JSON text holds escapes.
    Str(Cow<'a, str>),
    /// Objects and arrays (ROW, ARRAY, MAP, MULTISET): rare, decoded.
    Nested(Value),
}

impl<'a> Json<'a> {
    fn read(field: &'a Field) -> Json<'a> {
        let text = field.json();
        match text.as_bytes().first() {
            Some(b'n') => Json::Null,
            Some(b't') => Json::Bool(true),
            Some(b'f') => Json::Bool(false),
            Some(b'"') => Json::Str(field.as_str().unwrap_or(Cow::Borrowed(text))),
            Some(b'{' | b'[') => Json::Nested(field.value()),
            _ => Json::Number(text),
        }
    }
}

/// The text form of a value, `None` for NULL. Borrows from the value when it can, else builds the
/// text in `scratch` (cleared first), so rendering a row allocates nothing once `scratch` has grown.
pub fn text<'a>(class: Class, field: &'a Field, scratch: &'a mut String) -> Option<&'a str> {
    scratch.clear();
    let text = match (class, Json::read(field)) {
        (_, Json::Null) => return None,
        (_, Json::Bool(true)) => "TRUE",
        (_, Json::Bool(false)) => "FALSE",
        (Class::Decimal(scale), Json::Number(n)) => decimal(n, scale, scratch),
        (Class::IntervalDayTime, Json::Number(n)) => interval_day_time(n, scratch),
        (Class::IntervalYearMonth, Json::Number(n)) => interval_year_month(n, scratch),
        (_, Json::Number(n)) => n,
        (_, Json::Str(Cow::Borrowed(s))) => string_text(class, s, scratch),
        (_, Json::Str(Cow::Owned(s))) => {
            let mut own = String::new();
            let text = string_text(class, &s, &mut own).to_owned();
            scratch.push_str(&text);
            scratch
        }
        (_, Json::Nested(nested)) => {
            compact_json(&nested, scratch);
            scratch
        }
    };
    Some(text)
}

/// The text form of a string value of a column of `class`.
fn string_text<'a>(class: Class, s: &'a str, scratch: &'a mut String) -> &'a str {
    match class {
        Class::Decimal(scale) => decimal(s, scale, scratch),
        Class::Binary => binary_text(s, scratch),
        Class::Timestamp(p) => timestamp(s, p, ' ', scratch),
        Class::Time(p) => time(s, p, scratch),
        _ => s,
    }
}

/// Writes a value as JSON: the gateway's value, with DECIMAL written in plain notation at its
/// scale and timestamps/times with their fraction padded to the type's precision. Numbers,
/// booleans, NULL and strings without escapes are copied from the gateway's text.
pub fn write_json(
    w: &mut impl Write,
    class: Class,
    field: &Field,
    scratch: &mut String,
) -> io::Result<()> {
    scratch.clear();
    match (class, Json::read(field)) {
        (Class::Decimal(scale), Json::Number(n)) => {
            w.write_all(decimal(n, scale, scratch).as_bytes())
        }
        (Class::Timestamp(p), Json::Str(s)) => write_json_str(w, timestamp(&s, p, 'T', scratch)),
        (Class::Time(p), Json::Str(s)) => write_json_str(w, time(&s, p, scratch)),
        (_, Json::Str(Cow::Owned(s))) => write_json_str(w, &s),
        (_, Json::Nested(nested)) => serde_json::to_writer(w, &nested).map_err(io::Error::from),
        // Numbers, booleans, NULL, strings without escapes: the text is already what we would write.
        _ => w.write_all(field.json().as_bytes()),
    }
}

/// Writes a JSON string literal.
pub fn write_json_str(w: &mut impl Write, s: &str) -> io::Result<()> {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        return serde_json::to_writer(w, s).map_err(io::Error::from);
    }
    // Nothing to escape (the common case): serde_json would write exactly this.
    w.write_all(b"\"")?;
    w.write_all(s.as_bytes())?;
    w.write_all(b"\"")
}

fn compact_json(value: &Value, scratch: &mut String) {
    // Display of a Value is compact JSON; it cannot fail when writing into a String.
    let _ = write!(scratch, "{value}");
}

/// Plain notation with at least `scale` fraction digits: `12.3` → `12.30`, `1.0E-7` → `0.00000010`.
/// Text that is not a number is returned unchanged.
pub fn decimal<'a>(text: &'a str, scale: u32, scratch: &'a mut String) -> &'a str {
    let scale = (scale as usize).min(decimal::MAX_SCALE);
    if text.contains(['e', 'E']) {
        return if decimal::plain(text, scale, scratch) {
            scratch
        } else {
            text
        };
    }
    let have = fraction_len(text);
    if have >= scale
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
    {
        return text;
    }
    scratch.clear();
    scratch.push_str(text);
    if have == 0 {
        scratch.push('.');
    }
    scratch.extend(std::iter::repeat_n('0', scale - have));
    scratch
}

fn fraction_len(text: &str) -> usize {
    // Bytes, not a `char` pattern: the pattern's searcher cost more than the rest of a
    // timestamp's rendering.
    text.bytes()
        .position(|b| b == b'.')
        .map_or(0, |dot| text.len() - dot - 1)
}

/// `2024-01-02T03:04:05.1` with precision 3 → `2024-01-02 03:04:05.100` (separator `' '`), and the
/// same for a trailing `Z` (TIMESTAMP_LTZ). Text of another shape is returned unchanged.
pub fn timestamp<'a>(
    text: &'a str,
    precision: u32,
    separator: char,
    scratch: &'a mut String,
) -> &'a str {
    // One pass over bytes: the delimiters are ASCII (so the splits fall on char boundaries);
    // searchers for sets of chars and a pass per check cost most of a million rows' render.
    let Some(at) = text.bytes().position(|b| b == b'T' || b == b' ') else {
        return text;
    };
    let (date, time_part) = (&text[..at], &text[at + 1..]);
    let Some((clock_len, fraction)) = scan_clock(time_part.as_bytes()) else {
        return text;
    };
    if !date.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return text;
    }
    if text.as_bytes()[at] == separator as u8 && fraction >= precision as usize {
        return text;
    }
    let (clock, zone) = time_part.split_at(clock_len);
    scratch.clear();
    scratch.push_str(date);
    scratch.push(separator);
    push_padded_clock(clock, precision, scratch);
    scratch.push_str(zone);
    scratch
}

/// A clock (`hh:mm:ss[.fff]`: digits, `:` and `.`, at least one `:`) up to a zone (`Z`, `+` or
/// `-`) or the end: its length and how many characters follow its first `.`, as `is_clock` and
/// `fraction_len` would find them; `None` when it is not a clock.
fn scan_clock(text: &[u8]) -> Option<(usize, usize)> {
    let (mut colon, mut dot) = (false, None);
    let mut end = text.len();
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'0'..=b'9' => {}
            b':' => colon = true,
            b'.' => {
                dot.get_or_insert(i);
            }
            b'Z' | b'+' | b'-' => {
                end = i;
                break;
            }
            _ => return None,
        }
    }
    colon.then(|| (end, dot.map_or(0, |d| end - d - 1)))
}

/// `01:02:03` with precision 3 → `01:02:03.000`.
pub fn time<'a>(text: &'a str, precision: u32, scratch: &'a mut String) -> &'a str {
    if !is_clock(text)
        || fraction_len(text) >= precision as usize && (precision == 0 || text.contains('.'))
    {
        return text;
    }
    scratch.clear();
    push_padded_clock(text, precision, scratch);
    scratch
}

/// `hh:mm:ss[.fff]`.
fn is_clock(text: &str) -> bool {
    text.contains(':')
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
}

fn push_padded_clock(clock: &str, precision: u32, scratch: &mut String) {
    scratch.push_str(clock);
    let have = fraction_len(clock);
    let want = precision.min(MAX_PRECISION) as usize;
    if have >= want {
        return;
    }
    if have == 0 && !clock.as_bytes().contains(&b'.') {
        scratch.push('.');
    }
    scratch.extend(std::iter::repeat_n('0', want - have));
}

/// Milliseconds as Flink prints a day-time interval: `172800000` → `+2 00:00:00.000`.
fn interval_day_time<'a>(millis: &'a str, scratch: &'a mut String) -> &'a str {
    let Ok(ms) = millis.parse::<i64>() else {
        return millis;
    };
    let (sign, ms) = (if ms < 0 { '-' } else { '+' }, ms.unsigned_abs());
    let (secs, ms) = (ms / 1000, ms % 1000);
    let (days, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let _ = write!(scratch, "{sign}{days} {h:02}:{m:02}:{s:02}.{ms:03}");
    scratch
}

/// Months as Flink prints a year-month interval: `14` → `+1-02`.
fn interval_year_month<'a>(months: &'a str, scratch: &'a mut String) -> &'a str {
    let Ok(n) = months.parse::<i64>() else {
        return months;
    };
    let (sign, n) = (if n < 0 { '-' } else { '+' }, n.unsigned_abs());
    let _ = write!(scratch, "{sign}{}-{:02}", n / 12, n % 12);
    scratch
}

/// Base64 (the gateway's encoding of BINARY/VARBINARY) shown as a SQL literal `x'cafe'`.
/// Text that is not base64 is returned unchanged.
pub fn binary_text<'a>(base64: &'a str, scratch: &'a mut String) -> &'a str {
    scratch.clear();
    scratch.push_str("x'");
    if !decode_base64_hex(base64, scratch) {
        return base64;
    }
    scratch.push('\'');
    scratch
}

/// Decodes standard base64 (with or without padding), appending lowercase hex to `out`.
fn decode_base64_hex(input: &str, out: &mut String) -> bool {
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in input.bytes().filter(|&b| b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return false,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let _ = write!(out, "{:02x}", (acc >> bits) & 0xff);
        }
    }
    true
}

/// Columns a string takes on a terminal: wide (CJK, emoji) characters count 2, combining marks 0.
pub fn display_width(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(char_width).sum()
}

/// Columns one character takes on a terminal (an approximation of UAX #11 that covers the common
/// wide and zero-width ranges).
pub fn char_width(c: char) -> usize {
    let cp = c as u32;
    match cp {
        0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F | 0x20D0..=0x20FF => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn dt(root: &str, sql: &str) -> DataType {
        DataType {
            root: root.into(),
            sql: sql.into(),
            nullable: true,
            raw: json!({ "type": root }),
        }
    }

    fn show(class: Class, value: Value) -> Option<String> {
        let mut scratch = String::new();
        text(class, &Field::from_value(&value), &mut scratch).map(str::to_owned)
    }

    fn as_json(class: Class, value: Value) -> String {
        let mut out = Vec::new();
        write_json(
            &mut out,
            class,
            &Field::from_value(&value),
            &mut String::new(),
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn number(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn classes_come_from_the_root_or_the_sql_spelling() {
        assert_eq!(
            Class::of(&dt("DECIMAL", "DECIMAL(10, 2)")),
            Class::Decimal(2)
        );
        assert_eq!(
            Class::of(&dt("TIMESTAMP_WITHOUT_TIME_ZONE", "TIMESTAMP(3)")),
            Class::Timestamp(3)
        );
        assert_eq!(
            Class::of(&dt("TIMESTAMP_WITH_LOCAL_TIME_ZONE", "TIMESTAMP_LTZ(6)")),
            Class::Timestamp(6)
        );
        assert_eq!(
            Class::of(&dt("TIME_WITHOUT_TIME_ZONE", "TIME(0)")),
            Class::Time(0)
        );
        assert_eq!(
            Class::of(&dt("whatever", "VARCHAR(5) NOT NULL")),
            Class::Text
        );
        assert_eq!(Class::of(&dt("VARBINARY", "BYTES")), Class::Binary);
        assert_eq!(Class::of(&dt("ROW", "ROW<`a` INT>")), Class::Nested);
        let mut with_raw = dt("DECIMAL", "DECIMAL");
        with_raw.raw = json!({"type": "DECIMAL", "precision": 10, "scale": 4});
        assert_eq!(Class::of(&with_raw), Class::Decimal(4));
    }

    #[test]
    fn declared_sizes_beyond_flinks_limits_are_capped() {
        // A page declaring a scale or precision no Flink type has (found by fuzzing) must not
        // make every value padded to that size.
        let mut huge = dt("DECIMAL", "DECIMAL");
        huge.raw = json!({"type": "DECIMAL", "precision": 10, "scale": 28_888_888_888_888_888u64});
        assert_eq!(Class::of(&huge), Class::Decimal(38));
        let mut time = dt("TIMESTAMP_WITHOUT_TIME_ZONE", "TIMESTAMP(4000000000)");
        time.raw = json!({"type": "TIMESTAMP_WITHOUT_TIME_ZONE"});
        assert_eq!(Class::of(&time), Class::Timestamp(9));
        let shown = show(Class::Decimal(u32::MAX), number("10.5")).unwrap();
        assert_eq!(shown.len(), 3 + 38);
        let shown = show(Class::Time(u32::MAX), json!("01:02:03")).unwrap();
        assert_eq!(shown, "01:02:03.000000000");
    }

    #[test]
    fn null_and_empty_string_differ() {
        assert_eq!(show(Class::Text, Value::Null), None);
        assert_eq!(show(Class::Text, json!("")), Some(String::new()));
        assert_eq!(as_json(Class::Text, Value::Null), "null");
        assert_eq!(as_json(Class::Text, json!("")), r#""""#);
    }

    #[test]
    fn decimal_keeps_its_scale() {
        assert_eq!(show(Class::Decimal(2), number("12.30")).unwrap(), "12.30");
        assert_eq!(show(Class::Decimal(2), number("12.3")).unwrap(), "12.30");
        assert_eq!(
            show(Class::Decimal(8), number("1.0E-7")).unwrap(),
            "0.00000010"
        );
        assert_eq!(show(Class::Decimal(0), number("1.2E+3")).unwrap(), "1200");
        assert_eq!(show(Class::Decimal(2), number("-0.5")).unwrap(), "-0.50");
        assert_eq!(show(Class::Decimal(2), json!("7.1")).unwrap(), "7.10");
        assert_eq!(as_json(Class::Decimal(2), number("12.30")), "12.30");
        assert_eq!(as_json(Class::Decimal(2), number("12.3")), "12.30");
        assert_eq!(
            as_json(Class::Integer, number("123456789012345678901234567890")),
            "123456789012345678901234567890"
        );
    }

    /// The one-pass `timestamp` against the way it was written before (a split and a check per
    /// part), over well-formed, odd and hostile shapes, at each precision and separator.
    #[test]
    fn the_one_pass_timestamp_agrees_with_the_split_and_check_reading() {
        fn reference<'a>(
            text: &'a str,
            precision: u32,
            sep: char,
            scratch: &'a mut String,
        ) -> &'a str {
            let Some((date, time_part)) = text.split_once(['T', ' ']) else {
                return text;
            };
            let (clock, zone) = match time_part.find(['Z', '+', '-']) {
                Some(at) => time_part.split_at(at),
                None => (time_part, ""),
            };
            if !date.bytes().all(|b| b.is_ascii_digit() || b == b'-') || !is_clock(clock) {
                return text;
            }
            let as_sent = text.as_bytes()[date.len()] == sep as u8;
            if as_sent && fraction_len(clock) >= precision as usize {
                return text;
            }
            scratch.clear();
            scratch.push_str(date);
            scratch.push(sep);
            push_padded_clock(clock, precision, scratch);
            scratch.push_str(zone);
            scratch
        }
        let shapes = [
            "2024-01-02T03:04:05.123",
            "2024-01-02 03:04:05.1",
            "2024-01-02T03:04:05",
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.5+01:00",
            "2024-01-02T03:04:05-0800",
            "2024-01-02T03:04",
            "2024-01-02T030405",
            "2024-01-02T03:04:05.1.2",
            "2024-01-02T.:",
            "2024-01-02T",
            "T",
            " ",
            "",
            "2024-01-02",
            "x2024-01-02T03:04:05",
            "2024-01-02T03:04:0é",
            "2024-01-02T03:04:05ZZ",
            "2024-01-02T03:04:05.123456789",
            "-1-01-01 00:00:00",
            "2024-01-02T03:04:05 ",
            "2024-01-02  03:04:05",
            "2024-01-02T03:04:05.",
            "2024-01-02T:",
        ];
        for text in shapes {
            for precision in [0, 1, 3, 6, 9, 12] {
                for sep in [' ', 'T'] {
                    let (mut a, mut b) = (String::new(), String::new());
                    assert_eq!(
                        timestamp(text, precision, sep, &mut a),
                        reference(text, precision, sep, &mut b),
                        "{text:?} precision {precision} separator {sep:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn timestamps_show_their_precision() {
        let ts = json!("2024-01-02T03:04:05.123");
        assert_eq!(
            show(Class::Timestamp(3), ts.clone()).unwrap(),
            "2024-01-02 03:04:05.123"
        );
        assert_eq!(
            as_json(Class::Timestamp(3), ts),
            r#""2024-01-02T03:04:05.123""#
        );
        assert_eq!(
            show(Class::Timestamp(3), json!("2024-01-02T03:04:05.1")).unwrap(),
            "2024-01-02 03:04:05.100"
        );
        assert_eq!(
            show(Class::Timestamp(3), json!("2024-01-02T03:04:05")).unwrap(),
            "2024-01-02 03:04:05.000"
        );
        assert_eq!(
            show(Class::Timestamp(0), json!("2024-01-02T03:04:05")).unwrap(),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            show(Class::Timestamp(3), json!("2024-01-02T03:04:05.5Z")).unwrap(),
            "2024-01-02 03:04:05.500Z"
        );
        assert_eq!(
            show(Class::Time(3), json!("01:02:03")).unwrap(),
            "01:02:03.000"
        );
        assert_eq!(show(Class::Time(0), json!("01:02:03")).unwrap(), "01:02:03");
        assert_eq!(
            show(Class::Timestamp(3), json!("not a time")).unwrap(),
            "not a time"
        );
        assert_eq!(show(Class::Time(3), json!("noon")).unwrap(), "noon");
    }

    #[test]
    fn strings_with_escapes_are_escaped_again_in_json() {
        let escaped = json!("a\tb\"c\\");
        assert_eq!(show(Class::Text, escaped.clone()).unwrap(), "a\tb\"c\\");
        assert_eq!(as_json(Class::Text, escaped), r#""a\tb\"c\\""#);
        assert_eq!(as_json(Class::Text, json!("日本")), r#""日本""#);
    }

    #[test]
    fn binary_is_a_hex_literal_as_text_and_base64_in_json() {
        assert_eq!(show(Class::Binary, json!("yv4=")).unwrap(), "x'cafe'");
        assert_eq!(show(Class::Binary, json!("")).unwrap(), "x''");
        assert_eq!(
            show(Class::Binary, json!("not base64!")).unwrap(),
            "not base64!"
        );
        assert_eq!(as_json(Class::Binary, json!("yv4=")), r#""yv4=""#);
    }

    #[test]
    fn nested_values_are_compact_json() {
        let row = json!({"f0": 1, "f1": "a"});
        assert_eq!(
            show(Class::Nested, row.clone()).unwrap(),
            r#"{"f0":1,"f1":"a"}"#
        );
        assert_eq!(as_json(Class::Nested, row), r#"{"f0":1,"f1":"a"}"#);
        assert_eq!(show(Class::Nested, json!([1, null])).unwrap(), "[1,null]");
        assert_eq!(show(Class::Nested, json!({"k": 1})).unwrap(), r#"{"k":1}"#);
    }

    #[test]
    fn intervals_are_shown_as_flink_shows_them() {
        assert_eq!(
            show(Class::IntervalDayTime, number("172800000")).unwrap(),
            "+2 00:00:00.000"
        );
        assert_eq!(
            show(Class::IntervalDayTime, number("-3723004")).unwrap(),
            "-0 01:02:03.004"
        );
        assert_eq!(
            show(Class::IntervalYearMonth, number("14")).unwrap(),
            "+1-02"
        );
        assert_eq!(as_json(Class::IntervalYearMonth, number("14")), "14");
    }

    #[test]
    fn booleans_are_sql_spelled_as_text() {
        assert_eq!(show(Class::Boolean, json!(true)).unwrap(), "TRUE");
        assert_eq!(as_json(Class::Boolean, json!(false)), "false");
    }

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("日本"), 4);
        assert_eq!(display_width("e\u{301}"), 1);
    }
}
