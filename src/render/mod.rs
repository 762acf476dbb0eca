//! Renderers: turn run events into bytes on an `impl Write`. They never decide anything.

use std::io;

use crate::model::{Column, Outcome, Row, Summary};
use crate::script::Statement;

/// Receives what a run produces, in order. Every method writes; none prints directly.
pub trait Sink {
    /// A statement is about to be sent.
    fn started(&mut self, _stmt: &Statement) -> io::Result<()> {
        Ok(())
    }
    /// The result columns of a statement that returns content.
    fn columns(&mut self, _stmt: &Statement, _columns: &[Column]) -> io::Result<()> {
        Ok(())
    }
    /// A page of rows (possibly empty).
    fn rows(&mut self, _stmt: &Statement, _rows: &[Row]) -> io::Result<()> {
        Ok(())
    }
    /// An INSERT or statement set started a job.
    fn job_submitted(&mut self, _stmt: &Statement, _job_id: &str) -> io::Result<()> {
        Ok(())
    }
    /// The statement ended (also for skipped statements, without `started`).
    fn finished(&mut self, _stmt: &Statement, _outcome: &Outcome) -> io::Result<()> {
        Ok(())
    }
    /// The run ended.
    fn done(&mut self, _summary: &Summary) -> io::Result<()> {
        Ok(())
    }
}
