//! `exec --session-per-file`: each input file in a session of its own, one after the other, so
//! files that reuse table names or SETs never see each other's. One `Batch` loops over a runner
//! per file and builds the one summary, so the sinks see one run (one summary, one JSON
//! document, one JUnit report); this module only cuts the statements at file boundaries.

use super::batch::Batch;
use crate::error::Exit;
use crate::model::{Sink, Summary};
use crate::runner::{Cancel, Connect, RunOptions};
use crate::script::Statement;

/// Runs each file's statements in a fresh session. After a failure the next files are skipped,
/// unless `continue_on_error`; after a cancellation they are always skipped.
pub async fn exec(
    connect: &Connect,
    statements: &[Statement],
    opts: &RunOptions,
    sink: &mut dyn Sink,
    cancel: &Cancel,
) -> anyhow::Result<(Summary, Exit)> {
    let mut batch = Batch::for_run(opts);
    for file in by_file(statements) {
        if batch.is_stopped(cancel) {
            batch.skip(file, sink)?;
        } else {
            batch
                .in_one_session(connect, file, opts, sink, cancel)
                .await?;
        }
    }
    Ok(batch.finish(sink, cancel)?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;
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
        let mut batch = Batch::new(false);
        for file in by_file(&all) {
            batch.skip(file, &mut record).unwrap();
        }
        let (summary, exit) = batch.finish(&mut record, &Cancel::never()).unwrap();
        assert_eq!((summary.skipped, exit), (4, Exit::Success));
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
