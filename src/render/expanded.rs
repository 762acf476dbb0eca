//! Expanded results (the shell's `\x`): one field per line, a header line per record, for rows
//! too wide for a table. Streams: each row is written as it arrives.

use std::io::{self, Write};

use super::value::{self, display_width, Class, NULL_TEXT};
use super::Sink;
use crate::model::{Column, Outcome, Row};
use crate::script::{Kind, Statement};
use crate::secrets::Redactor;

pub struct Expanded<W: Write> {
    out: W,
    redactor: Redactor,
    /// The result being written: its statement, column names (padded), classes, records so far.
    current: Option<Current>,
}

struct Current {
    index: usize,
    op: bool,
    names: Vec<String>,
    classes: Vec<Class>,
    records: u64,
}

impl<W: Write> Expanded<W> {
    pub fn new(out: W, redactor: Redactor) -> Self {
        Expanded {
            out,
            redactor,
            current: None,
        }
    }
}

/// Names padded to the widest, so values line up.
fn padded(columns: &[Column], op: bool) -> Vec<String> {
    let names: Vec<&str> = op
        .then_some("op")
        .into_iter()
        .chain(columns.iter().map(|c| c.name.as_str()))
        .collect();
    let width = names.iter().map(|n| display_width(n)).max().unwrap_or(0);
    names
        .iter()
        .map(|n| format!("{n}{}", " ".repeat(width - display_width(n))))
        .collect()
}

impl<W: Write> Sink for Expanded<W> {
    fn columns(&mut self, stmt: &Statement, columns: &[Column]) -> io::Result<()> {
        let op = stmt.kind == Kind::Query;
        self.current = Some(Current {
            index: stmt.index,
            op,
            names: padded(columns, op),
            classes: columns.iter().map(|c| Class::of(&c.data_type)).collect(),
            records: 0,
        });
        Ok(())
    }

    fn rows(&mut self, stmt: &Statement, rows: &[Row]) -> io::Result<()> {
        let Some(current) = self.current.as_mut().filter(|c| c.index == stmt.index) else {
            return Ok(());
        };
        let mut scratch = String::new();
        for row in rows {
            current.records += 1;
            writeln!(self.out, "-[ RECORD {} ]-", current.records)?;
            let mut names = current.names.iter();
            if current.op {
                let name = names.next().expect("op is named first");
                writeln!(self.out, "{name} | {}", row.kind.op())?;
            }
            for ((name, field), class) in names.zip(&row.fields).zip(&current.classes) {
                let text = value::text(*class, field, &mut scratch).unwrap_or(NULL_TEXT);
                writeln!(self.out, "{name} | {}", self.redactor.redact(text))?;
            }
        }
        self.out.flush()
    }

    fn finished(&mut self, _stmt: &Statement, _outcome: &Outcome) -> io::Result<()> {
        if self.current.take().is_some_and(|c| c.records == 0) {
            writeln!(self.out, "(0 rows)")?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RowKind;
    use crate::render::testing::{col, row, stmt};
    use serde_json::json;

    #[test]
    fn each_field_of_a_record_is_a_line_with_the_names_aligned() {
        let mut out = Vec::new();
        let mut sink = Expanded::new(&mut out, Redactor::default());
        let s = stmt(1, Kind::Query, "SELECT …");
        let columns = [
            col("id", "INT", "INT", json!({"type": "INTEGER"})),
            col("name", "VARCHAR", "STRING", json!({"type": "VARCHAR"})),
        ];
        sink.columns(&s, &columns).unwrap();
        sink.rows(&s, &[row(RowKind::Insert, json!([7, "x"]))])
            .unwrap();
        sink.finished(
            &s,
            &Outcome::new(crate::model::Status::Ok, Default::default()),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "-[ RECORD 1 ]-\nop   | +I\nid   | 7\nname | x\n"
        );
    }
}
