//! The closing summary on stderr: statement counts, jobs started, elapsed time, and with `--timing`
//! one line per statement. Also the one-line notes printed as statements end.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use crate::model::{Cut, Outcome, Status, StopReason, Summary};
use crate::script::{Pos, Statement};

/// What the summary remembers of each statement (never its rows).
#[derive(Debug, Clone)]
pub struct Record {
    pub index: usize,
    pub file: Arc<str>,
    pub pos: Pos,
    pub kind: &'static str,
    pub status: Status,
    pub elapsed: Duration,
    pub rows: u64,
    pub job_state: Option<String>,
}

impl Record {
    pub fn new(stmt: &Statement, outcome: &Outcome) -> Self {
        Record {
            index: stmt.index,
            file: stmt.file.clone(),
            pos: stmt.pos,
            kind: stmt.kind.as_str(),
            status: outcome.status,
            elapsed: outcome.elapsed,
            rows: outcome.rows,
            job_state: outcome.job_state.clone(),
        }
    }

    fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.pos.line, self.pos.column)
    }
}

/// `12 ms`, `3.21 s`, `2m 03s`, `1h 05m`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{} ms", d.as_millis()),
        1..=59 => format!("{:.2} s", d.as_secs_f64()),
        60..=3599 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, secs / 60 % 60),
    }
}

/// `sql/a.sql:30:1: query stopped after 10 rows (--max-rows 10)`.
pub fn write_stopped(w: &mut impl Write, stmt: &Statement, outcome: &Outcome) -> io::Result<()> {
    let Some(stop) = outcome.stopped else {
        return Ok(());
    };
    let at = super::location(stmt);
    let rows = plural(outcome.rows, "row");
    match stop {
        StopReason::MaxRows(n) => writeln!(w, "{at}: query stopped after {rows} (--max-rows {n})"),
        StopReason::MaxWait(d) => {
            writeln!(
                w,
                "{at}: query stopped after {} with {rows} (--max-wait {})",
                human(outcome.elapsed),
                humantime::format_duration(d)
            )
        }
    }
}

/// `sql/a.sql:20:1: job 5c9e… submitted`.
pub fn write_job(w: &mut impl Write, stmt: &Statement, job_id: &str) -> io::Result<()> {
    writeln!(w, "{}: job {job_id} submitted", super::location(stmt))
}

/// The closing summary.
pub fn write_summary(
    w: &mut impl Write,
    summary: &Summary,
    records: &[Record],
    timing: bool,
) -> io::Result<()> {
    let total = summary.ok + summary.failed + summary.skipped;
    writeln!(
        w,
        "{} in {}: {} ok, {} failed, {} skipped",
        plural(total as u64, "statement"),
        human(summary.elapsed),
        summary.ok,
        summary.failed,
        summary.skipped
    )?;
    if !summary.jobs.is_empty() {
        writeln!(w, "jobs started:")?;
        for (index, job_id) in &summary.jobs {
            let record = records.iter().find(|r| r.index == *index);
            let location = record
                .map(Record::location)
                .unwrap_or_else(|| format!("statement {index}"));
            let state = record
                .and_then(|r| r.job_state.as_deref())
                .map(|s| format!("  {s}"))
                .unwrap_or_default();
            writeln!(w, "  {job_id}  {location}{state}")?;
        }
    }
    if timing {
        write_timing(w, records)?;
    }
    Ok(())
}

/// A run cut short: each statement done or not, what to do, and the command to go on.
pub fn write_cut(
    w: &mut impl Write,
    cut: &Cut,
    records: &[Record],
    resume: Option<&str>,
) -> io::Result<()> {
    writeln!(w, "the run stopped at statement {}:", cut.at)?;
    let index_width = records
        .iter()
        .map(|r| r.index.to_string().len())
        .max()
        .unwrap_or(1);
    for r in records {
        let state = match r.status {
            Status::Ok => "done",
            _ if r.index == cut.at && cut.may_have_run => "may have run",
            _ if r.index >= cut.at => "not done",
            other => other.as_str(),
        };
        writeln!(
            w,
            "  {:>iw$}  {state:<12}  {:<10}  {}",
            r.index,
            r.kind,
            r.location(),
            iw = index_width
        )?;
    }
    for hint in &cut.hints {
        writeln!(w, "  hint: {hint}")?;
    }
    let Some(command) = resume else {
        return Ok(());
    };
    if cut.may_have_run {
        writeln!(
            w,
            "statement {} may have run: check its effect, then go on after it with:\n  {command} --from-statement {}\nor run it again with:\n  {command} --from-statement {}",
            cut.at,
            cut.at + 1,
            cut.at
        )?;
    } else {
        writeln!(w, "to go on:\n  {command} --from-statement {}", cut.at)?;
    }
    if command.contains("***") {
        writeln!(
            w,
            "  (*** stands for a secret: give it again, or put it in the profile)"
        )?;
    }
    Ok(())
}

/// `sql/a.sql:30:1: the session was lost; a new one replays 3 statements (1, 2, 4) first`.
pub fn write_reconnected(
    w: &mut impl Write,
    at: &Statement,
    replayed: &[Statement],
) -> io::Result<()> {
    let indexes: Vec<String> = replayed.iter().map(|s| s.index.to_string()).collect();
    writeln!(
        w,
        "{}: the gateway lost the session; opened a new one and replayed {}{}",
        super::location(at),
        plural(replayed.len() as u64, "session statement"),
        if indexes.is_empty() {
            String::new()
        } else {
            format!(" ({})", indexes.join(", "))
        }
    )
}

fn write_timing(w: &mut impl Write, records: &[Record]) -> io::Result<()> {
    writeln!(w, "timing:")?;
    let index_width = records
        .iter()
        .map(|r| r.index.to_string().len())
        .max()
        .unwrap_or(1);
    let kind_width = records.iter().map(|r| r.kind.len()).max().unwrap_or(4);
    for r in records {
        let rows = if r.rows > 0 {
            format!("  {}", plural(r.rows, "row"))
        } else {
            String::new()
        };
        writeln!(
            w,
            "  {:>iw$}  {:<11}  {:>9}  {:<kw$}  {}{rows}",
            r.index,
            r.status.as_str(),
            human(r.elapsed),
            r.kind,
            r.location(),
            iw = index_width,
            kw = kind_width,
        )?;
    }
    Ok(())
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::script::Kind;

    fn text(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn record(index: usize, kind: Kind, status: Status) -> Record {
        Record::new(
            &stmt(index, kind, "x"),
            &Outcome::new(status, Duration::ZERO),
        )
    }

    #[test]
    fn a_cut_run_lists_each_statement_and_the_command_to_go_on() {
        let records = [
            record(3, Kind::Set, Status::Ok),
            record(4, Kind::Insert, Status::Failed),
            record(5, Kind::Query, Status::Skipped),
        ];
        let not_sent = Cut {
            at: 4,
            may_have_run: false,
            hints: vec!["is the gateway running?".into()],
        };
        let out = text(|w| write_cut(w, &not_sent, &records, Some("flink-sql exec a.sql")));
        assert_eq!(
            out,
            "the run stopped at statement 4:\n\
             \x20 3  done          set         sql/orders.sql:30:1\n\
             \x20 4  not done      insert      sql/orders.sql:40:1\n\
             \x20 5  not done      query       sql/orders.sql:50:1\n\
             \x20 hint: is the gateway running?\n\
             to go on:\n\
             \x20 flink-sql exec a.sql --from-statement 4\n"
        );
        let sent = Cut {
            may_have_run: true,
            hints: Vec::new(),
            ..not_sent
        };
        let out = text(|w| write_cut(w, &sent, &records, Some("flink-sql exec --var 'P=***'")));
        assert!(out.contains("  4  may have run  insert"), "{out}");
        assert!(
            out.contains(
                "go on after it with:\n  flink-sql exec --var 'P=***' --from-statement 5\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("run it again with:\n  flink-sql exec --var 'P=***' --from-statement 4\n"),
            "{out}"
        );
        assert!(out.contains("*** stands for a secret"), "{out}");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_millis(12)), "12 ms");
        assert_eq!(human(Duration::from_millis(3210)), "3.21 s");
        assert_eq!(human(Duration::from_secs(123)), "2m 03s");
        assert_eq!(human(Duration::from_secs(3900)), "1h 05m");
    }

    #[test]
    fn the_summary_counts_statements_and_lists_jobs() {
        let s2 = stmt(2, Kind::Insert, "INSERT …");
        let mut o2 = ok(40, 0);
        o2.job_state = Some("RUNNING".into());
        let records = vec![
            Record::new(&stmt(1, Kind::Ddl, "CREATE …"), &ok(12, 0)),
            Record::new(&s2, &o2),
        ];
        let out = text(|w| {
            write_summary(
                w,
                &summary(2, 0, 0, vec![(2, "5c9e77b8".into())]),
                &records,
                false,
            )
        });
        assert_eq!(out, "2 statements in 1.50 s: 2 ok, 0 failed, 0 skipped\njobs started:\n  5c9e77b8  sql/orders.sql:20:1  RUNNING\n");
    }

    #[test]
    fn timing_adds_a_line_per_statement() {
        let records = vec![
            Record::new(&stmt(1, Kind::Ddl, "CREATE …"), &ok(12, 0)),
            Record::new(&stmt(2, Kind::Query, "SELECT …"), &ok(3210, 3)),
        ];
        let out = text(|w| write_summary(w, &summary(2, 0, 0, vec![]), &records, true));
        assert_eq!(
            out,
            "2 statements in 1.50 s: 2 ok, 0 failed, 0 skipped\ntiming:\n  \
             1  ok               12 ms  ddl    sql/orders.sql:10:1\n  \
             2  ok              3.21 s  query  sql/orders.sql:20:1  3 rows\n"
        );
    }

    #[test]
    fn stopped_queries_say_why() {
        let s = stmt(3, Kind::Query, "SELECT …");
        let mut o = ok(2000, 10);
        o.stopped = Some(StopReason::MaxRows(10));
        assert_eq!(
            text(|w| write_stopped(w, &s, &o)),
            "sql/orders.sql:30:1: query stopped after 10 rows (--max-rows 10)\n"
        );
        o.stopped = Some(StopReason::MaxWait(Duration::from_secs(30)));
        o.rows = 1;
        o.elapsed = Duration::from_secs(30);
        assert_eq!(
            text(|w| write_stopped(w, &s, &o)),
            "sql/orders.sql:30:1: query stopped after 30.00 s with 1 row (--max-wait 30s)\n"
        );
    }
}
