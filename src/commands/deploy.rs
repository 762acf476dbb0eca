//! `flink-sql deploy`: profile → checked deploy config → the chosen action. Everything the
//! action prints passes through a redactor that knows the profile's secrets and their base64
//! spellings (the Secret manifest carries them base64-encoded).

use base64::Engine;

use crate::cli::{DeployAction, DeployArgs, DeployOpts};
use crate::deploy::{self, config, context::Confirm, image, kube::Tools, Target};
use crate::error::{CliError, Exit};
use crate::secrets::{RedactWriter, Redactor};
use crate::settings::{self, World};

pub fn run(args: DeployArgs, verbose: u8) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()?;
    let world = World::current(&cwd);
    let opts = options(&args.action).clone();
    let profile = settings::load_profile(&opts.profile, &world)?;
    for note in &profile.notes {
        eprintln!("{note}");
    }
    let redactor = redactor(&profile.vars);
    let config = config::load(
        &profile.vars,
        profile.file.as_deref(),
        &cwd,
        opts.namespace.as_deref(),
    )?;
    for note in &config.notes {
        eprintln!("note: {note}");
    }
    let tools = Tools::new(redactor.clone(), verbose);
    let target = |yes: bool| Target {
        context: opts.context.clone().or_else(|| config.context.clone()),
        confirm: Confirm {
            yes,
            interactive: world.stdin_is_terminal,
        },
        dry_run: opts.dry_run,
    };
    let mut out = RedactWriter::new(crate::render::stdout_locked(), redactor);
    let exit = match args.action {
        DeployAction::Plan(_) => deploy::plan(&config, &target(false), &mut out)?,
        DeployAction::Render {
            out: dir,
            include_secrets,
            ..
        } => deploy::render(&config, &dir, include_secrets, opts.dry_run, &mut out)?,
        DeployAction::Up {
            yes,
            timeout,
            no_wait,
            ..
        } => {
            let wait = (!no_wait).then(|| timeout.unwrap_or(config.timeout));
            deploy::up(&config, tools, &target(yes), wait, &mut out)?
        }
        DeployAction::Status(_) => deploy::status(&config, tools, &target(true), &mut out)?,
        DeployAction::Check(_) => deploy::check::check(&config, tools, &target(true), &mut out)?,
        DeployAction::Smoke(_) if opts.dry_run => return Err(CliError::new(
            Exit::Input,
            "deploy smoke runs its checks on the cluster (a port-forward, a statement, a Kafka \
                 read, a jar listing): there is no dry run of it",
        )
        .with_hint("`flink-sql deploy check` is the read-only preflight")
        .into()),
        DeployAction::Smoke(_) => {
            let request = deploy::smoke::SmokeRequest {
                kafka_bootstrap: profile
                    .vars
                    .get("KAFKA_BOOTSTRAP_SERVERS")
                    .map(str::to_owned),
            };
            deploy::smoke::smoke(&config, tools, &target(true), &request, &mut out)?
        }
        DeployAction::Down { yes, operator, .. } => {
            deploy::down(&config, tools, &target(yes), operator, &mut out)?
        }
        DeployAction::Migrate { yes, .. } => {
            deploy::migrate::migrate(&config, tools, &target(yes), &mut out)?
        }
        DeployAction::Scale {
            taskmanagers,
            yes,
            timeout,
            no_wait,
            ..
        } => {
            let wait = (!no_wait).then(|| timeout.unwrap_or(config.timeout));
            deploy::scale::scale(&config, tools, &target(yes), taskmanagers, wait, &mut out)?
        }
        DeployAction::Image {
            out: dir,
            base,
            no_push,
            ..
        } => {
            image::check_buildable(config.template_vars.get("FLINK_VERSION").unwrap_or("2.0"))?;
            let (base, warning) = image::base_image(
                base.as_deref(),
                config.template_vars.get("FLINK_BASE_IMAGE_DIGEST"),
            );
            let request = image::ImageRequest {
                image: config
                    .template_vars
                    .get("FLINK_IMAGE")
                    .unwrap_or_default()
                    .to_owned(),
                dir,
                base,
                warning,
                push: !no_push,
                dry_run: opts.dry_run,
            };
            image::image(&request, &mut out)?
        }
    };
    Ok(exit)
}

fn options(action: &DeployAction) -> &DeployOpts {
    match action {
        DeployAction::Plan(opts)
        | DeployAction::Status(opts)
        | DeployAction::Check(opts)
        | DeployAction::Smoke(opts) => opts,
        DeployAction::Render { opts, .. }
        | DeployAction::Up { opts, .. }
        | DeployAction::Down { opts, .. }
        | DeployAction::Migrate { opts, .. }
        | DeployAction::Image { opts, .. }
        | DeployAction::Scale { opts, .. } => opts,
    }
}

/// Masks every secret of the profile as written and base64-encoded.
fn redactor(vars: &crate::profile::Vars) -> Redactor {
    let b64 = base64::engine::general_purpose::STANDARD;
    let values: Vec<String> = settings::secret_vars(vars)
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .flat_map(|(_, v)| [v.to_owned(), b64.encode(v.as_bytes())])
        .collect();
    Redactor::new(values.iter().map(String::as_str)).0
}
