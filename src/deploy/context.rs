//! Choosing the kube context: a context is acted on only when it was named (`--context`, or
//! K8S_CONTEXT in the profile) or confirmed (a yes at the prompt, or `--yes` for CI).

use std::io::{BufRead, Write};

use super::kube::{first_line, Tools};
use crate::error::{CliError, Exit};

/// How the user may confirm the current context.
#[derive(Debug, Clone, Copy)]
pub struct Confirm {
    /// `--yes`.
    pub yes: bool,
    /// Whether a prompt can be answered (stdin is a terminal).
    pub interactive: bool,
}

/// Returns the context to use, or an error (exit 2) when it was neither named nor confirmed.
pub fn choose(
    tools: &Tools,
    named: Option<&str>,
    action: &str,
    confirm: Confirm,
) -> Result<String, CliError> {
    if let Some(name) = named {
        let out = tools.kubectl(&["config", "get-contexts", name, "-o", "name"], None)?;
        if !out.ok() {
            return Err(CliError::input(format!(
                "kube context '{name}' is not in your kubeconfig"
            ))
            .with_hint("list contexts with: kubectl config get-contexts"));
        }
        return Ok(name.to_owned());
    }
    let out = tools.kubectl(&["config", "current-context"], None)?;
    if !out.ok() {
        return Err(CliError::input(format!(
            "no kube context is selected: {}",
            first_line(&out.stderr)
        ))
        .with_hint("name one with --context NAME or K8S_CONTEXT in the profile"));
    }
    let current = out.stdout.trim().to_owned();
    if confirm.yes {
        return Ok(current);
    }
    if confirm.interactive && ask(&format!("{action} in kube context '{current}'? [y/N] ")) {
        return Ok(current);
    }
    Err(CliError::new(
        Exit::Input,
        format!("refusing to {action} in kube context '{current}': it was not named or confirmed"),
    )
    .with_hint(format!(
        "name it with --context {current} (or K8S_CONTEXT in the profile), or pass --yes"
    )))
}

pub fn ask(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}
