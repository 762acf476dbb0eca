//! `deploy migrate`: clears the way for `up` in a namespace the old platform ran in. It lists the
//! objects that would stop `up` (old Flink clusters, objects with our names that flink-sql did not
//! create, owners of pods that break Pod Security "restricted"), shows the list, and removes
//! exactly that list once it is confirmed. Everything else in the namespace stays.

use std::io::Write;

use super::context::{self, Confirm};
use super::kube::Tools;
use super::steps::{self, Outcome, Report};
use super::survey::{self, Found};
use super::{check_tools, render_all, secret_objects, server_version, Target};
use crate::deploy::config::DeployConfig;
use crate::error::{CliError, Exit};

/// Runs the survey and, once confirmed, the removal. `--dry-run` asks the server to check the
/// deletions and removes nothing.
pub fn migrate(
    config: &DeployConfig,
    mut tools: Tools,
    target: &Target,
    out: &mut dyn Write,
) -> Result<Exit, CliError> {
    let mut manifests = render_all(config, false)?;
    manifests.insert(4, secret_objects(config)?);
    let mut report = Report::new(out, 4);
    report.step("check tools", || check_tools(&tools))?;
    let context = context::choose(&tools, target.context.as_deref(), "migrate", target.confirm)?;
    tools.context = Some(context.clone());
    report.step("kube context", || server_version(&tools, &context))?;
    let mut blockers = survey::Blockers::default();
    report.step("find old objects", || {
        blockers = survey::blockers(&tools, &config.namespace, &manifests)?;
        Ok(Outcome::Done(format!(
            "{} object(s) in namespace {} stand in the way of up",
            blockers.found.len(),
            config.namespace
        )))
    })?;
    let found = blockers.found;
    let width = found.iter().map(|f| f.object.len()).max().unwrap_or(0);
    for f in &found {
        report.line(&format!("    {:<width$}  {}", f.object, f.why));
    }
    if blockers.unnamed_pods > 0 {
        report.line(&format!(
            "    and {} more pod(s) break Pod Security without the server naming them: run \
             migrate again once these are gone",
            blockers.unnamed_pods
        ));
    }
    if found.is_empty() {
        report.line("migrate: nothing to remove; next: flink-sql deploy up");
        return Ok(Exit::Success);
    }
    if !target.dry_run {
        report.line(
            "Stop every job on the old cluster with a savepoint before these go \
             (README: Moving from the old platform).",
        );
        confirm(&found, &config.namespace, target.confirm)?;
    }
    report.step("remove old objects", || {
        remove(&tools, &config.namespace, &found, target.dry_run)
    })?;
    let next = "next: flink-sql deploy up, then resume each pipeline from its savepoint";
    report.line(&if target.dry_run {
        format!("migrate: dry run, nothing removed; {next}")
    } else {
        format!("migrate: removed {} object(s); {next}", found.len())
    });
    Ok(Exit::Success)
}

/// The list was shown: `--yes` or a yes at the prompt lets it go; anything else stops (exit 2).
fn confirm(found: &[Found], namespace: &str, confirm: Confirm) -> Result<(), CliError> {
    let question = format!(
        "remove these {} object(s) from namespace {namespace}? [y/N] ",
        found.len()
    );
    if confirm.yes || (confirm.interactive && context::ask(&question)) {
        return Ok(());
    }
    Err(CliError::input(format!(
        "nothing removed: the {} object(s) listed were not confirmed",
        found.len()
    ))
    .with_hint("check the list, then run again with --yes (or answer y at a terminal)"))
}

/// Old Flink clusters first, waited for (their operator stops them), then the rest.
fn remove(
    tools: &Tools,
    namespace: &str,
    found: &[Found],
    dry_run: bool,
) -> Result<Outcome, CliError> {
    let (clusters, rest): (Vec<&Found>, Vec<&Found>) = found
        .iter()
        .partition(|f| f.object.starts_with("flinkdeployment"));
    let mut removed = Vec::new();
    for (group, wait) in [(clusters, true), (rest, false)] {
        let objects: Vec<String> = group.iter().map(|f| f.object.clone()).collect();
        if objects.is_empty() {
            continue;
        }
        match steps::delete(tools, Some(namespace), &objects, wait, dry_run)? {
            Outcome::Changed(what) | Outcome::WouldChange(what) => removed.push(what),
            _ => {}
        }
    }
    let what = removed.join(", ");
    Ok(match (removed.is_empty(), dry_run) {
        (true, _) => Outcome::Unchanged,
        (false, true) => Outcome::WouldChange(what),
        (false, false) => Outcome::Changed(what),
    })
}
