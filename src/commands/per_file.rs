//! `exec --session-per-file`: each input file in a session of its own, one after the other, so
//! files that reuse table names or SETs never see each other's. The runner runs each file as it
//! runs a whole batch; this module only cuts the statements at file boundaries and makes the
//! sinks see one run (one summary, one JSON document, one JUnit report).

use crate::error::Exit;
use crate::gateway::Log;
use crate::model::{Outcome, Status, Summary};
use crate::render::Sink;
use crate::runner::{self, Cancel, RunOptions};
use crate::script::Statement;
use crate::secrets::Redactor;
use crate::settings;

/// Runs each file's statements in a fresh session. After a failure the next files are skipped,
/// unless `continue_on_error`; after a cancellation they are always skipped.
pub async fn exec(
    gateway: &settings::Gateway,
    redactor: Redactor,
    log: Option<Log>,
    statements: &[Statement],
    opts: &RunOptions,
    sink: &mut dyn Sink,
    cancel: &Cancel,
) -> anyhow::Result<(Summary, Exit)> {
    let mut one_run = OneRun {
        inner: sink,
        summary: Summary::default(),
    };
    let mut exit = Exit::Success;
    for file in by_file(statements) {
        let stop =
            cancel.requested().is_some() || (exit != Exit::Success && !opts.continue_on_error);
        let (_, file_exit) = if stop {
            skip(file, &mut one_run)?
        } else {
            let (redactor, log) = (redactor.clone(), log.clone());
            runner::exec(gateway, redactor, log, file, opts, &mut one_run, cancel).await?
        };
        if exit == Exit::Success {
            exit = file_exit;
        }
    }
    let exit = cancel.requested().unwrap_or(exit);
    one_run.inner.done(&one_run.summary)?;
    Ok((one_run.summary, exit))
}

/// The statements cut where the file changes (each `-c` and stdin count as a file).
pub fn by_file(statements: &[Statement]) -> Vec<&[Statement]> {
    let mut files = Vec::new();
    let mut rest = statements;
    while let Some(first) = rest.first() {
        let n = rest.iter().take_while(|s| s.file == first.file).count();
        let (file, next) = rest.split_at(n);
        files.push(file);
        rest = next;
    }
    files
}

fn skip(statements: &[Statement], sink: &mut OneRun) -> anyhow::Result<(Summary, Exit)> {
    let mut summary = Summary::default();
    for stmt in statements {
        sink.finished(
            stmt,
            &Outcome::new(Status::Skipped, std::time::Duration::ZERO),
        )?;
        summary.skipped += 1;
    }
    sink.done(&summary)?;
    Ok((summary, Exit::Success))
}

/// Passes every event on except the end of each file's run, whose totals it adds up for the one
/// `done` at the very end.
struct OneRun<'a> {
    inner: &'a mut dyn Sink,
    summary: Summary,
}

impl Sink for OneRun<'_> {
    fn started(&mut self, stmt: &Statement) -> std::io::Result<()> {
        self.inner.started(stmt)
    }
    fn columns(
        &mut self,
        stmt: &Statement,
        columns: &[crate::model::Column],
    ) -> std::io::Result<()> {
        self.inner.columns(stmt, columns)
    }
    fn rows(&mut self, stmt: &Statement, rows: &[crate::model::Row]) -> std::io::Result<()> {
        self.inner.rows(stmt, rows)
    }
    fn job_submitted(&mut self, stmt: &Statement, job_id: &str) -> std::io::Result<()> {
        self.inner.job_submitted(stmt, job_id)
    }
    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> std::io::Result<()> {
        self.inner.finished(stmt, outcome)
    }
    fn done(&mut self, summary: &Summary) -> std::io::Result<()> {
        self.summary.ok += summary.ok;
        self.summary.failed += summary.failed;
        self.summary.skipped += summary.skipped;
        self.summary.jobs.extend(summary.jobs.iter().cloned());
        self.summary.elapsed += summary.elapsed;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{input, prepare};

    fn statements() -> Vec<Statement> {
        let sources = [
            input::from_bytes("a.sql", b"SET 'x' = '1'; SELECT 1;".to_vec()).unwrap(),
            input::from_bytes("b.sql", b"SELECT 2;".to_vec()).unwrap(),
            input::command_line(1, "SELECT 3").unwrap(),
        ];
        prepare(&sources, &Default::default(), false).unwrap()
    }

    #[test]
    fn statements_are_cut_where_the_file_changes() {
        let all = statements();
        let sizes: Vec<usize> = by_file(&all).iter().map(|f| f.len()).collect();
        assert_eq!(sizes, [2, 1, 1]);
        assert!(by_file(&[]).is_empty());
    }

    #[derive(Default)]
    struct Record {
        events: Vec<String>,
    }

    impl Sink for Record {
        fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> std::io::Result<()> {
            self.events
                .push(format!("{} {:?}", stmt.index, outcome.status));
            Ok(())
        }
        fn done(&mut self, summary: &Summary) -> std::io::Result<()> {
            self.events.push(format!(
                "done {} {} {}",
                summary.ok, summary.failed, summary.skipped
            ));
            Ok(())
        }
    }

    #[test]
    fn the_sinks_see_one_run_with_added_totals() {
        let all = statements();
        let mut record = Record::default();
        let mut one_run = OneRun {
            inner: &mut record,
            summary: Summary::default(),
        };
        for file in by_file(&all) {
            skip(file, &mut one_run).unwrap();
        }
        let total = one_run.summary.clone();
        one_run.inner.done(&total).unwrap();
        assert_eq!(
            record.events,
            [
                "1 Skipped",
                "2 Skipped",
                "3 Skipped",
                "4 Skipped",
                "done 0 0 4"
            ]
        );
    }
}
