//! Clean-up after a stop: every call bounded by `CLEANUP_LIMIT` and cut short by a signal the
//! clean-up did not start with; and watching the JobManager for a stopped statement's pinned job.

use std::future::Future;
use std::time::Duration;

use tokio::time::sleep;

use super::Cancel;
use crate::error::CliError;
use crate::jobmanager::{JobDetails, JobManager};

/// Each clean-up call (cancelling or closing an operation, deleting the session, looking for or
/// cancelling a job) waits at most this long: a stalled gateway cannot hold a stopped run.
pub const CLEANUP_LIMIT: Duration = Duration::from_secs(5);

/// After a stop before a statement's job was known, how long the JobManager is watched for it:
/// a gateway that had begun submitting the job goes on after its operation was cancelled.
pub const FIND_JOB_WINDOW: Duration = Duration::from_secs(5);
const FIND_JOB_POLL: Duration = Duration::from_millis(200);

/// A signal during a clean-up that no signal started: it ends the clean-up at once. (A clean-up
/// a signal started ends on a second one, which quits the process; see `commands::exec`.)
#[derive(Clone)]
pub(super) struct Stop {
    cancel: Cancel,
    armed: bool,
}

impl Stop {
    pub(super) fn new(cancel: &Cancel) -> Stop {
        Stop {
            cancel: cancel.clone(),
            armed: cancel.requested().is_none(),
        }
    }

    pub(super) async fn wait(self) {
        if self.armed {
            self.cancel.wait().await;
        } else {
            std::future::pending::<()>().await;
        }
    }
}

/// Why a clean-up call did not answer.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cut {
    TimedOut,
    Signal,
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cut::TimedOut => write!(
                f,
                "got no answer within {}",
                humantime::format_duration(CLEANUP_LIMIT)
            ),
            Cut::Signal => f.write_str("was given up on a signal"),
        }
    }
}

/// One clean-up call: at most `CLEANUP_LIMIT`, and given up when `stop` fires.
pub(super) async fn bounded<T>(stop: &Stop, call: impl Future<Output = T>) -> Result<T, Cut> {
    tokio::select! {
        r = tokio::time::timeout(CLEANUP_LIMIT, call) => r.map_err(|_| Cut::TimedOut),
        () = stop.clone().wait() => Err(Cut::Signal),
    }
}

/// What watching the JobManager for a pinned job id found.
pub(super) enum Search {
    Seen(JobDetails),
    NotSeen,
    Failed(CliError),
    Cut(Cut),
}

/// Polls `GET /jobs/{id}` until the job shows up or `FIND_JOB_WINDOW` passes; each call is
/// bounded, and a signal ends the search.
pub(super) async fn bounded_search(stop: &Stop, jm: &JobManager, id: &str) -> Search {
    let until = tokio::time::Instant::now() + FIND_JOB_WINDOW;
    loop {
        match bounded(stop, jm.job(id)).await {
            Ok(Ok(Some(job))) => return Search::Seen(job),
            Ok(Ok(None)) => {}
            Ok(Err(e)) => return Search::Failed(e),
            Err(cut) => return Search::Cut(cut),
        }
        if tokio::time::Instant::now() >= until {
            return Search::NotSeen;
        }
        tokio::select! {
            () = sleep(FIND_JOB_POLL) => {}
            () = stop.clone().wait() => return Search::Cut(Cut::Signal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Exit;
    use crate::runner::cancellation;

    #[tokio::test]
    async fn a_signal_cuts_a_clean_up_it_did_not_start() {
        let (canceller, cancel) = cancellation();
        let stop = Stop::new(&cancel);
        canceller.cancel(Exit::Terminated);
        let cut = bounded(&stop, std::future::pending::<()>()).await;
        assert!(matches!(cut, Err(Cut::Signal)), "{cut:?}");
    }

    #[tokio::test]
    async fn the_signal_that_started_a_clean_up_does_not_cut_it() {
        let (canceller, cancel) = cancellation();
        canceller.cancel(Exit::Interrupted);
        let stop = Stop::new(&cancel);
        assert!(matches!(bounded(&stop, async { 7 }).await, Ok(7)));
        assert!(
            !canceller.cancel(Exit::Terminated),
            "a second request is not the first"
        );
    }
}
