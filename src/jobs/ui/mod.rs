//! `flink-sql jobs ui DIR`: the pipelines screen. A front end over the `jobs` functions: the
//! rows come from one `/jobs/overview` per refresh matched to the folder's pipeline files
//! (`rows`), the actions call `jobs::savepoint`/`cancel`/`show` and run a file with `exec`
//! (`actions`), `screen` holds the state and draws it, `term` owns the terminal.

pub mod actions;
pub mod rows;
pub mod screen;
pub mod term;

use std::time::Duration;

use crate::jobmanager::JobManager;
use crate::jobs::{Ctx, Format};

/// Refresh period of the screen.
pub const REFRESH: Duration = Duration::from_secs(3);

/// What the screen's background tasks need: cheap to clone into a thread.
#[derive(Clone)]
pub struct Env {
    pub jm: JobManager,
    pub timeout: Duration,
    pub savepoint_base: Option<String>,
    /// The profile arguments to hand to `flink-sql exec` when a pipeline is started.
    pub profile_args: Vec<String>,
}

/// The screen already asked for confirmation: the `jobs` functions must not ask again.
fn no(_: &str) -> bool {
    false
}

impl Env {
    /// A `jobs` context for one action: plain output (a stop prints just its savepoint path),
    /// confirmed, never prompting on the terminal the screen owns.
    pub fn ctx(&self) -> Ctx<'static> {
        Ctx {
            jm: self.jm.clone(),
            format: Format::Plain,
            dry_run: false,
            yes: true,
            interactive: false,
            ask: &no,
            timeout: self.timeout,
            savepoint_base: self.savepoint_base.clone(),
        }
    }
}
