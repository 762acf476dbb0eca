//! Fanout: one run, several sinks (stdout results, stderr console, a JUnit report).

use std::io;

use super::Sink;
use crate::model::{Column, Outcome, Row, Summary};
use crate::script::Statement;

/// Forwards every event to each sink in order. A sink that fails does not stop the others from
/// hearing the event; the first error is returned.
#[derive(Default)]
pub struct Fanout {
    sinks: Vec<Box<dyn Sink>>,
}

impl Fanout {
    pub fn new(sinks: Vec<Box<dyn Sink>>) -> Self {
        Fanout { sinks }
    }

    pub fn push(&mut self, sink: Box<dyn Sink>) {
        self.sinks.push(sink);
    }

    fn each(&mut self, mut event: impl FnMut(&mut dyn Sink) -> io::Result<()>) -> io::Result<()> {
        let mut first = Ok(());
        for sink in &mut self.sinks {
            let result = event(sink.as_mut());
            if first.is_ok() {
                first = result;
            }
        }
        first
    }
}

impl Sink for Fanout {
    fn started(&mut self, stmt: &Statement) -> io::Result<()> {
        self.each(|s| s.started(stmt))
    }
    fn columns(&mut self, stmt: &Statement, columns: &[Column]) -> io::Result<()> {
        self.each(|s| s.columns(stmt, columns))
    }
    fn rows(&mut self, stmt: &Statement, rows: &[Row]) -> io::Result<()> {
        self.each(|s| s.rows(stmt, rows))
    }
    fn quiet(&mut self, stmt: &Statement) -> io::Result<()> {
        self.each(|s| s.quiet(stmt))
    }
    fn job_submitted(&mut self, stmt: &Statement, job_id: &str) -> io::Result<()> {
        self.each(|s| s.job_submitted(stmt, job_id))
    }
    fn finished(&mut self, stmt: &Statement, outcome: &Outcome) -> io::Result<()> {
        self.each(|s| s.finished(stmt, outcome))
    }
    fn reconnected(&mut self, at: &Statement, replayed: &[Statement]) -> io::Result<()> {
        self.each(|s| s.reconnected(at, replayed))
    }
    fn done(&mut self, summary: &Summary) -> io::Result<()> {
        self.each(|s| s.done(summary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;
    use crate::script::Kind;

    struct Failing;
    impl Sink for Failing {
        fn started(&mut self, _: &Statement) -> io::Result<()> {
            Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
        }
    }

    struct Counting(std::rc::Rc<std::cell::Cell<usize>>);
    impl Sink for Counting {
        fn started(&mut self, _: &Statement) -> io::Result<()> {
            self.0.set(self.0.get() + 1);
            Ok(())
        }
    }

    #[test]
    fn every_sink_hears_an_event_even_after_one_failed() {
        let count = std::rc::Rc::new(std::cell::Cell::new(0));
        let mut fan = Fanout::new(vec![Box::new(Counting(count.clone())), Box::new(Failing)]);
        fan.push(Box::new(Counting(count.clone())));
        let err = fan.started(&stmt(1, Kind::Query, "SELECT 1")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(count.get(), 2);
    }
}
