//! `flink-sql jobs ui DIR`: the pipelines screen. A front end over the `jobs` functions: the
//! rows are `jobs status`'s verdicts with each pipeline's facts (`rows`), the actions call
//! `lifecycle::resume`/`apply` and `jobs::savepoint`/`cancel`/`show` (`actions`), `screen` holds
//! the state and draws it, `term` owns the terminal.

pub mod actions;
pub mod rows;
pub mod screen;
pub mod term;

use std::sync::Arc;
use std::time::Duration;

use crate::jobmanager::JobManager;
use crate::jobs::lifecycle::Starter;
use crate::jobs::pipeline::Pipeline;
use crate::jobs::{Ctx, Format};

/// Refresh period of the screen.
pub const REFRESH: Duration = Duration::from_secs(3);

/// What the screen's background tasks need: cheap to clone into a thread.
#[derive(Clone)]
pub struct Env {
    pub jm: JobManager,
    pub timeout: Duration,
    pub savepoint_base: Option<String>,
    /// How a pipeline file is started (`jobs resume` and `jobs apply` use the same).
    pub starter: Arc<Starter>,
    /// The folder's pipeline files, read once before the screen opens.
    pub pipelines: Arc<Vec<Pipeline>>,
}

/// The screen already asked for confirmation: the `jobs` functions must not ask again.
fn no(_: &str) -> bool {
    false
}

impl Env {
    /// A `jobs` context for one action: confirmed, never prompting on the terminal the screen
    /// owns; `format` is how the action's result is read back.
    pub fn ctx(&self, format: Format) -> Ctx<'static> {
        Ctx {
            jm: self.jm.clone(),
            format,
            dry_run: false,
            yes: true,
            interactive: false,
            ask: &no,
            timeout: self.timeout,
            savepoint_base: self.savepoint_base.clone(),
        }
    }
}
