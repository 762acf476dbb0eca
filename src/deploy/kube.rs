//! Running kubectl and helm: argv built here never holds a secret (manifests and values go on
//! stdin), every kubectl call names the chosen context, and everything either tool prints passes
//! through the redactor before it reaches the user.

use std::io::Write;
use std::process::{Child, Command, Stdio};

use crate::error::{CliError, Exit};
use crate::secrets::Redactor;

/// What a tool run printed.
#[derive(Debug, Clone)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn ok(&self) -> bool {
        self.code == 0
    }
}

/// kubectl and helm, bound to one kube context once it is chosen.
#[derive(Debug, Clone)]
pub struct Tools {
    pub context: Option<String>,
    pub redactor: Redactor,
    pub verbose: u8,
}

impl Tools {
    pub fn new(redactor: Redactor, verbose: u8) -> Self {
        Tools {
            context: None,
            redactor,
            verbose,
        }
    }

    /// Runs kubectl with `--context` first when one is chosen.
    pub fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Result<Output, CliError> {
        let mut argv: Vec<&str> = Vec::with_capacity(args.len() + 2);
        if let Some(context) = &self.context {
            argv.extend(["--context", context.as_str()]);
        }
        argv.extend(args);
        self.run("kubectl", &argv, stdin)
    }

    /// Runs helm with `--kube-context` when one is chosen.
    pub fn helm(&self, args: &[&str], stdin: Option<&str>) -> Result<Output, CliError> {
        let mut argv: Vec<&str> = args.to_vec();
        if let Some(context) = &self.context {
            argv.extend(["--kube-context", context.as_str()]);
        }
        self.run("helm", &argv, stdin)
    }

    /// Starts a long-running kubectl (`port-forward`) with stdout and stderr piped; the caller
    /// owns the child and must stop it.
    pub fn spawn_kubectl(&self, args: &[&str]) -> Result<Child, CliError> {
        let mut argv: Vec<&str> = Vec::with_capacity(args.len() + 2);
        if let Some(context) = &self.context {
            argv.extend(["--context", context.as_str()]);
        }
        argv.extend(args);
        self.log_call("kubectl", &argv);
        Command::new("kubectl")
            .args(&argv)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| missing_tool("kubectl", &e))
    }

    /// kubectl whose stdout is NOT redacted: only for output that is parsed and never shown
    /// (a Secret's data, which the redactor would mask before it could be decoded).
    pub fn kubectl_unredacted(&self, args: &[&str]) -> Result<Output, CliError> {
        let mut argv: Vec<&str> = Vec::with_capacity(args.len() + 2);
        if let Some(context) = &self.context {
            argv.extend(["--context", context.as_str()]);
        }
        argv.extend(args);
        let quiet = Tools {
            redactor: Redactor::default(),
            verbose: 0,
            ..self.clone()
        };
        self.log_call("kubectl", &argv);
        let mut out = quiet.run("kubectl", &argv, None)?;
        out.stderr = self.redactor.redact(&out.stderr).into_owned();
        Ok(out)
    }

    fn log_call(&self, program: &str, args: &[&str]) {
        if self.verbose > 0 {
            let line = format!("$ {program} {}", args.join(" "));
            eprintln!("{}", self.redactor.redact(&line));
        }
    }

    fn run(&self, program: &str, args: &[&str], stdin: Option<&str>) -> Result<Output, CliError> {
        self.log_call(program, args);
        let mut child = Command::new(program)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| missing_tool(program, &e))?;
        let writer = stdin.map(|text| {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            let text = text.to_owned();
            std::thread::spawn(move || pipe.write_all(text.as_bytes()))
        });
        let out = child
            .wait_with_output()
            .map_err(|e| CliError::new(Exit::Connection, format!("{program}: {e}")))?;
        if let Some(handle) = writer {
            // A tool that exits without reading all of stdin closes the pipe: its exit code
            // and stderr say why, so a broken pipe here adds nothing.
            let _ = handle.join();
        }
        let output = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: self
                .redactor
                .redact(&String::from_utf8_lossy(&out.stdout))
                .into_owned(),
            stderr: self
                .redactor
                .redact(&String::from_utf8_lossy(&out.stderr))
                .into_owned(),
        };
        if self.verbose > 1 {
            eprint!("{}", output.stderr);
        }
        Ok(output)
    }
}

fn missing_tool(program: &str, err: &std::io::Error) -> CliError {
    let hint = match program {
        "kubectl" => "install kubectl 1.30 or newer and put it on PATH",
        _ => "install helm 3.14 or newer and put it on PATH",
    };
    CliError::input(format!("cannot run {program}: {err}")).with_hint(hint)
}

/// The first line of a tool's complaint, for one-line errors.
pub fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("(no message)")
}
