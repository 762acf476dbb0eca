//! `flink-sql env show`: every variable a run would see, where its value comes from and what it
//! overrides, secrets masked. Also the profile notes every command that reads a profile prints.

use std::io::{self, Write};
use std::path::Path;

use crate::cli::{EnvAction, EnvArgs};
use crate::error::Exit;
use crate::profile::{retired, Definition, Origin, Vars};
use crate::secrets::{RedactWriter, MASK};
use crate::settings::{self, Profile, World};

pub fn run(args: EnvArgs) -> anyhow::Result<Exit> {
    let EnvAction::Show { profile, all } = args.action;
    let cwd = std::env::current_dir()?;
    let world = World::current(&cwd);
    let profile = settings::load_profile(&profile, &world)?;
    let mut stderr = RedactWriter::new(io::stderr(), profile.redactor.clone());
    warn_profile(&profile, &mut stderr)?;
    let mut out = RedactWriter::new(crate::render::stdout_locked(), profile.redactor.clone());
    let file = profile.file.as_deref().map(|f| shown_path(f, &cwd));
    write_listing(&profile, file.as_deref(), all, &mut out)?;
    out.flush()?;
    Ok(Exit::Success)
}

/// What a run says about its profile on stderr, once: how it was found, the old executor's keys
/// it sets, and the names whose profile value the process environment overrides.
pub fn warn_profile(profile: &Profile, err: &mut impl Write) -> io::Result<()> {
    for line in profile
        .notes
        .iter()
        .chain(&retired::warnings(&profile.vars))
    {
        writeln!(err, "{line}")?;
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let file = (profile.file.as_deref()).map_or("the profile".into(), |f| shown_path(f, &cwd));
    for (name, lines) in profile.vars.repeated_in_profile() {
        let (last, earlier) = lines.split_last().expect("repeated: two lines or more");
        let earlier: Vec<String> = earlier.iter().map(usize::to_string).collect();
        writeln!(
            err,
            "warning: {file}:{last}: {name} is set again (also on line {}); the last value wins",
            earlier.join(", ")
        )?;
    }
    let overridden: Vec<&str> = profile.vars.environment_overrides().collect();
    if !overridden.is_empty() {
        writeln!(
            err,
            "note: the process environment overrides the profile for {} (flink-sql env show \
             lists where each value comes from)",
            overridden.join(", ")
        )?;
    }
    Ok(())
}

/// `NAME  SOURCE  VALUE`, one line per variable, in name order. Secrets' values are `***`.
fn write_listing(
    profile: &Profile,
    file: Option<&str>,
    all: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let file_name = file.unwrap_or("profile");
    match file {
        Some(f) => writeln!(out, "# profile: {f}")?,
        None => writeln!(out, "# no profile (give --env NAME or --env-file PATH)")?,
    }
    let secret: Vec<&str> = settings::secret_vars(&profile.vars)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let rows: Vec<[String; 3]> = profile
        .vars
        .iter()
        .filter(|(name, _)| all || listed(&profile.vars, name))
        .map(|(name, value)| {
            let shown = if secret.contains(&name) && !value.is_empty() {
                MASK.to_owned()
            } else {
                quoted(value)
            };
            [
                name.to_owned(),
                source(&profile.vars, name, file_name),
                shown,
            ]
        })
        .chain(profile.not_unicode.iter().filter(|_| all).map(|n| {
            [
                n.clone(),
                "environment, not UTF-8: ignored".into(),
                "-".into(),
            ]
        }))
        .collect();
    write_columns(&rows, out)
}

/// Without `--all`: what the profile or `--var` sets, and the tool's own settings.
fn listed(vars: &Vars, name: &str) -> bool {
    vars.origin(name) != Some(Origin::Environment)
        || !vars.shadowed(name).is_empty()
        || settings::is_setting(name)
}

fn source(vars: &Vars, name: &str, file: &str) -> String {
    let describe = |d: &Definition| match (d.origin, d.line) {
        (Origin::CommandLine, _) => "--var".to_owned(),
        (Origin::Environment, _) => "environment".to_owned(),
        (Origin::Profile, Some(line)) => format!("{file}:{line}"),
        (Origin::Profile, None) => file.to_owned(),
    };
    let Some(winner) = vars.definition(name) else {
        return String::new();
    };
    let shadowed: Vec<String> = vars.shadowed(name).iter().map(describe).collect();
    if shadowed.is_empty() {
        describe(&winner)
    } else {
        format!("{} (overrides {})", describe(&winner), shadowed.join(", "))
    }
}

/// A value as typed: bare when that is unambiguous, else in double quotes with escapes.
fn quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && !value.starts_with([' ', '"'])
        && !value.ends_with(' ')
        && !value.chars().any(char::is_control);
    if plain {
        value.to_owned()
    } else {
        format!("\"{}\"", value.escape_debug())
    }
}

fn write_columns(rows: &[[String; 3]], out: &mut impl Write) -> io::Result<()> {
    let header = ["NAME", "SOURCE", "VALUE"].map(str::to_owned);
    let width = |i: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    for row in [&header].into_iter().chain(rows) {
        writeln!(out, "{:w0$}  {:w1$}  {}", row[0], row[1], row[2])?;
    }
    Ok(())
}

/// The profile path as the user would type it: relative to the current folder when inside it.
fn shown_path(file: &Path, cwd: &Path) -> String {
    file.strip_prefix(cwd).unwrap_or(file).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{merge_entries, Entry};
    use crate::secrets::Redactor;

    fn profile(
        entries: &[(&str, &str, usize)],
        env: &[(&str, &str)],
        cli: &[(&str, &str)],
    ) -> Profile {
        let entries = entries
            .iter()
            .map(|(k, v, line)| Entry {
                key: (*k).into(),
                value: (*v).into(),
                line: *line,
            })
            .collect();
        let own = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect()
        };
        Profile {
            file: None,
            vars: merge_entries(entries, own(env), &own(cli)),
            redactor: Redactor::default(),
            unmaskable: Vec::new(),
            notes: Vec::new(),
            not_unicode: vec!["WEIRD".into()],
        }
    }

    fn listing(p: &Profile, all: bool) -> String {
        let mut out = Vec::new();
        write_listing(p, Some("env/uat.env"), all, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn each_variable_shows_its_source_and_what_it_overrides() {
        let p = profile(
            &[
                ("KAFKA_ENV", "uat", 3),
                ("TOPIC", "orders", 4),
                ("KAFKA_PASSWORD", "pw$1", 5),
            ],
            &[
                ("KAFKA_ENV", "prod"),
                ("HOME", "/root"),
                ("SQL_GATEWAY_URL", "http://gw"),
            ],
            &[("TOPIC", "cli-topic"), ("EXTRA", "x y ")],
        );
        let expected = "\
# profile: env/uat.env
NAME             SOURCE                                 VALUE
EXTRA            --var                                  \"x y \"
KAFKA_ENV        environment (overrides env/uat.env:3)  prod
KAFKA_PASSWORD   env/uat.env:5                          ***
SQL_GATEWAY_URL  environment                            http://gw
TOPIC            --var (overrides env/uat.env:4)        cli-topic
";
        assert_eq!(listing(&p, false), expected);
    }

    #[test]
    fn all_adds_the_rest_of_the_environment() {
        let p = profile(&[], &[("HOME", "/root")], &[]);
        let text = listing(&p, true);
        let words = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
        let lines: Vec<String> = text.lines().map(words).collect();
        assert!(
            lines.contains(&"HOME environment /root".to_owned()),
            "{text}"
        );
        assert!(
            lines.contains(&"WEIRD environment, not UTF-8: ignored -".to_owned()),
            "{text}"
        );
        assert!(!listing(&p, false).contains("HOME"));
    }

    #[test]
    fn the_override_hint_names_each_overridden_variable_once() {
        let p = profile(
            &[("A", "file", 1), ("B", "file", 2), ("C", "file", 3)],
            &[("A", "env"), ("B", "env")],
            &[("C", "cli")],
        );
        let mut err = Vec::new();
        warn_profile(&p, &mut err).unwrap();
        let text = String::from_utf8(err).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.starts_with("note: the process environment overrides the profile for A, B ("),
            "{text}"
        );
    }

    #[test]
    fn no_hint_when_nothing_is_overridden() {
        let p = profile(&[("A", "file", 1)], &[("B", "env")], &[]);
        let mut err = Vec::new();
        warn_profile(&p, &mut err).unwrap();
        assert!(err.is_empty());
    }
}
