//! `jobs apply --upgrade savepoint` and the upgrade verdict (`check::upgrade`): before anything
//! is stopped, each pipeline to upgrade is validated like `flink-sql check` does (a throwaway
//! session, EXPLAIN, never a job) and its verdict printed. State loss refuses the whole apply
//! unless `--allow-state-loss`; unknown is said and the upgrade proceeds (the savepoint is kept:
//! the old file can be resumed from it).

use std::io::Write;

use super::lifecycle::Starter;
use super::pipeline::Pipeline;
use super::plan::{Action, Step};
use crate::check::{live, upgrade, Severity};
use crate::error::{CliError, Exit};
use crate::runner::Cancel;

/// Prints the verdict of every upgrade step; `Err` (exit 1, nothing done) when one loses state
/// and `allow_state_loss` is off.
pub async fn guard(
    starter: &Starter,
    pipelines: &[Pipeline],
    steps: &[Step],
    allow_state_loss: bool,
    err: &mut impl Write,
) -> anyhow::Result<()> {
    let mut losing = Vec::new();
    for step in steps.iter().filter(|s| s.action == Action::Upgrade) {
        let Some(p) = pipelines
            .iter()
            .find(|p| Some(p.file.to_string()) == step.file)
        else {
            continue;
        };
        let findings = live::validate(
            &starter.connect,
            &starter.opts,
            &p.statements,
            &Cancel::never(),
        )
        .await?;
        let verdicts: Vec<_> = findings
            .iter()
            .filter(|f| f.rule == upgrade::UPGRADE.id)
            .collect();
        if verdicts.is_empty() {
            writeln!(
                err,
                "upgrade verdict for '{}': unknown: no verdict (the new SQL did not plan, or the job is gone); proceeding",
                p.name
            )?;
        }
        for f in verdicts {
            let at = format!("{}:{}:{}", f.file, f.pos.line, f.pos.column);
            match f.severity {
                Severity::Error if !allow_state_loss => {
                    losing.push(format!("{at}: {}", f.message));
                }
                Severity::Error => writeln!(
                    err,
                    "{at}: {} (--allow-state-loss: upgrading anyway)",
                    f.message
                )?,
                Severity::Warning => writeln!(
                    err,
                    "{at}: {}; proceeding: the savepoint is kept, the old file can be resumed from it",
                    f.message
                )?,
                Severity::Note => writeln!(err, "{at}: {}", f.message)?,
            }
        }
    }
    if losing.is_empty() {
        return Ok(());
    }
    for line in &losing {
        writeln!(err, "{line}")?;
    }
    Err(CliError::new(
        Exit::StatementFailed,
        format!(
            "refusing to upgrade: {} pipeline(s) would lose state; nothing was stopped",
            losing.len()
        ),
    )
    .with_hint("--allow-state-loss upgrades anyway (the new job starts without that state)")
    .with_hint(
        "or keep the stateful part of the query unchanged; `flink-sql check` shows the verdict",
    )
    .into())
}
