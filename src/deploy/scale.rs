//! `deploy scale --taskmanagers N`: the FlinkDeployment's TaskManager count, sized against the
//! namespace's ResourceQuota before anything changes. The change is the profile's FlinkDeployment
//! with N TaskManagers, server-side applied with `up`'s field manager, so `up` and `scale` never
//! conflict over the field (the next `up` applies the profile's TM_REPLICAS again). Then the wait
//! for the operator to report the new size.

use std::io::Write;
use std::time::{Duration, Instant};

use super::check::{current_taskmanagers, quotas};
use super::config::DeployConfig;
use super::kube::Tools;
use super::steps::{self, Outcome, Report};
use super::{context, render_all, sizing, templates, wait, Target};
use crate::error::{CliError, Exit};
use crate::profile::Origin;

pub fn scale(
    config: &DeployConfig,
    mut tools: Tools,
    target: &Target,
    wanted: u64,
    wait: Option<Duration>,
    out: &mut dyn Write,
) -> Result<Exit, CliError> {
    let wait = wait.filter(|_| !target.dry_run);
    let mut report = Report::new(out, 5 + usize::from(wait.is_some()));
    report.step("check tools", || super::check_tools(&tools))?;
    let context = context::choose(&tools, target.context.as_deref(), "scale", target.confirm)?;
    tools.context = Some(context.clone());
    report.step("kube context", || super::server_version(&tools, &context))?;
    let (name, ns) = (&config.cluster_name, &config.namespace);
    let mut now = 0;
    report.step("current size", || {
        match current_taskmanagers(config, &tools)? {
            Some(n) => {
                now = n;
                Ok(Outcome::Done(format!(
                    "{n} TaskManager(s) in FlinkDeployment {name}"
                )))
            }
            None => Err(
                CliError::input(format!("no FlinkDeployment {name} in namespace {ns}"))
                    .with_hint("deploy the platform first: flink-sql deploy up"),
            ),
        }
    })?;
    report.step("quota", || within_quota(config, &tools, wanted, now))?;
    report.step("patch", || {
        if wanted == now {
            return Ok(Outcome::Unchanged);
        }
        let mut sized = config.clone();
        sized
            .template_vars
            .insert("TM_REPLICAS", wanted.to_string(), Origin::Profile);
        let manifest = render_all(&sized, false)?
            .into_iter()
            .find(|m| m.file == templates::FLINK_SESSION.file)
            .expect("the session template is rendered");
        match steps::apply(&tools, &manifest.text, target.dry_run, ns)? {
            Outcome::Changed(_) => Ok(Outcome::Changed(format!(
                "spec.taskManager.replicas {now} -> {wanted}"
            ))),
            Outcome::WouldChange(_) => Ok(Outcome::WouldChange(format!(
                "spec.taskManager.replicas {now} -> {wanted}"
            ))),
            other => Ok(other),
        }
    })?;
    if let Some(timeout) = wait {
        let deadline = Instant::now() + timeout;
        report.step("wait: taskmanagers", || {
            wait::taskmanagers(&tools, ns, name, wanted, deadline)
        })?;
    }
    report.line(&format!(
        "scale: {name} {} {wanted} TaskManager(s) in context {context}{}",
        if target.dry_run { "would run" } else { "runs" },
        if wait.is_none() && !target.dry_run {
            " (not waited for)"
        } else {
            ""
        }
    ));
    Ok(Exit::Success)
}

/// N TaskManagers of the profile's size, with the JobManagers and the gateway, must fit every
/// quota of the namespace (less what its other pods use).
fn within_quota(
    config: &DeployConfig,
    tools: &Tools,
    wanted: u64,
    now: u64,
) -> Result<Outcome, CliError> {
    let need = sizing::platform(config, wanted);
    let ours = sizing::platform(config, now);
    let tm = sizing::taskmanager(config);
    for (name, quota) in quotas(config, tools)? {
        if let Err(available) = sizing::fits(&quota, need, ours) {
            return Err(CliError::input(format!(
                "{wanted} TaskManagers ({} each) do not fit: the platform would need {}, ResourceQuota {name} leaves {}",
                tm.show().trim_end_matches(", 1 pods"),
                need.show(),
                available.show()
            ))
            .with_hint("nothing was changed; ask for fewer TaskManagers, or raise QUOTA_CPU / QUOTA_MEMORY / QUOTA_PODS and run `deploy up`"));
        }
    }
    Ok(Outcome::Done(format!("{} fits", need.show())))
}
