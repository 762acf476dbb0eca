//! `flink-sql doctor`: settings → `doctor` checks → one report on stdout; exit 1 when one failed.

use crate::cli::DoctorArgs;
use crate::doctor::{self, Level};
use crate::error::Exit;
use crate::secrets::RedactWriter;
use crate::settings::{self, World};

pub fn run(args: &DoctorArgs) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()?;
    let world = World::current(&cwd);
    let (profile, target) = settings::doctor(args, &world)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let checks = runtime.block_on(doctor::run(&target, &profile.redactor))?;
    let mut out = RedactWriter::new(crate::render::stdout_locked(), profile.redactor.clone());
    doctor::write_report(&mut out, &checks)?;
    let failed = checks.iter().any(|c| c.level == Level::Fail);
    Ok(if failed {
        Exit::StatementFailed
    } else {
        Exit::Success
    })
}
