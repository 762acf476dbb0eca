//! `flink-sql check`: profile → read inputs → split + substitute → lint (offline) → per file,
//! validation and planner advice in a throwaway session, and the schema-registry contract → one
//! list of findings, rendered once. Exit 1 when a finding fails the check.

use std::io::{self, Write};

use crate::check::{self, lint, Finding};
use crate::error::{CliError, Exit};
use crate::render;
use crate::runner::{self, Connect};
use crate::script::{self, input, Source, Statement};
use crate::secrets::RedactWriter;
use crate::settings::{self, CheckSettings, World};

pub fn run(args: crate::cli::CheckArgs, verbose: u8) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()?;
    let world = World::current(&cwd);
    let settings = settings::check(args, verbose, &world)?;
    let redactor = settings.profile.redactor.clone();
    let mut stderr = RedactWriter::new(io::stderr(), redactor.clone());
    super::env::warn_profile(&settings.profile, &mut stderr)?;
    let (sources, statements) = match read(&settings) {
        Ok(read) => read,
        Err((diagnostics, sources)) => {
            render::write_input_problems(&mut stderr, &diagnostics, &sources, &redactor)?;
            return Ok(Exit::Input);
        }
    };
    if statements.is_empty() {
        return Err(CliError::input("the input holds no statements").into());
    }
    // Secrets written into the SQL are masked like the profile's from here on.
    let literal = lint::literal_secrets(&statements);
    let redactor = redactor.with_values(literal.iter().map(String::as_str));
    let mut settings = settings;
    settings.profile.redactor = redactor.clone();
    let mut stderr = RedactWriter::new(io::stderr(), redactor.clone());
    let mut findings = lint::lint(&sources, &statements, &settings.profile.vars);
    if !settings.offline {
        findings.extend(live(&settings, &statements)?);
    }
    findings.sort_by(|a, b| {
        (&a.file, a.pos.line, a.pos.column).cmp(&(&b.file, b.pos.line, b.pos.column))
    });
    let mut out = RedactWriter::new(crate::render::stdout_locked(), redactor.clone());
    let rules = check::all_rules();
    render::write_findings(
        &mut out,
        settings.format,
        &findings,
        &sources,
        &rules,
        settings.strict,
        &redactor,
    )?;
    out.flush()?;
    render::write_summary(
        &mut stderr,
        &findings,
        settings.strict,
        settings.github,
        &redactor,
    )?;
    Ok(match findings.iter().any(|f| f.fails(settings.strict)) {
        true => Exit::StatementFailed,
        false => Exit::Success,
    })
}

type Read = (Vec<Source>, Vec<Statement>);

/// Reads every path and prepares its statements; any input problem is returned with the sources.
fn read(settings: &CheckSettings) -> Result<Read, (Vec<script::Diagnostic>, Vec<Source>)> {
    let mut sources = Vec::new();
    let mut diagnostics = Vec::new();
    for path in &settings.paths {
        match input::read_path(path) {
            Ok(mut more) => sources.append(&mut more),
            Err(d) => diagnostics.push(d),
        }
    }
    if !diagnostics.is_empty() {
        return Err((diagnostics, sources));
    }
    match script::prepare(&sources, &settings.profile.vars, false) {
        Ok(statements) => Ok((sources, statements)),
        Err(d) => Err((d, sources)),
    }
}

/// Validation, advice and the registry contract, one throwaway session per file (a few files at
/// once: `check::live::LANES`), the registry asked alongside.
fn live(settings: &CheckSettings, statements: &[Statement]) -> anyhow::Result<Vec<Finding>> {
    let redactor = settings.profile.redactor.clone();
    let log = super::exec::verbose_log(settings.verbose, &redactor);
    let opts = settings
        .run
        .options(&settings.gateway, &redactor, log.clone())?;
    let connect = Connect::new(settings.gateway.config(), redactor.clone(), log);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (canceller, cancel) = runner::cancellation();
        super::exec::on_signals(&canceller)?;
        let files = || statements.chunk_by(|a, b| a.file == b.file);
        let live = check::live::validate_each(
            &connect,
            &opts,
            files().map(<[_]>::to_vec).collect(),
            &cancel,
        );
        // The registry is asked meanwhile: its answers do not depend on the sessions'.
        let contracts = async {
            let mut findings = Vec::new();
            for file in files() {
                findings.extend(check::registry::contracts(file, &redactor).await?);
            }
            anyhow::Ok(findings)
        };
        let (mut findings, contracts) = tokio::try_join!(live, contracts)?;
        findings.extend(contracts);
        Ok(findings)
    })
}
