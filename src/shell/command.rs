//! The shell's client commands (`\q`, `\format json`, …): parsed from one line, pure.

use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;

use crate::cli::Format;

/// A client command, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    Help,
    Format(Format),
    Expanded,
    Timing,
    /// `\materialize`: a query's current rows instead of its changelog (`--materialize`).
    Materialize,
    Include(PathBuf),
    /// `\o FILE`, or `\o` alone: back to stdout.
    Output(Option<PathBuf>),
    Set(String, String),
    Unset(String),
    Vars,
    Env(String),
    Edit,
    Watch(Duration),
}

/// Name, argument synopsis and what it does: `\?` prints these, Tab completes the names.
pub const COMMANDS: [(&str, &str, &str); 15] = [
    ("\\q", "", "close the session and quit (also Ctrl-D)"),
    ("\\?", "", "this list"),
    (
        "\\format",
        "FORMAT",
        "result format: table, plain, csv, json, ndjson",
    ),
    ("\\x", "", "toggle expanded output: one field per line"),
    ("\\timing", "", "toggle printing each statement's time"),
    (
        "\\materialize",
        "",
        "toggle showing a query's current rows, not its changelog",
    ),
    ("\\i", "FILE", "run a SQL file in this session"),
    (
        "\\o",
        "[FILE]",
        "send results to FILE; alone: back to stdout",
    ),
    ("\\set", "NAME VALUE", "set a ${NAME} variable"),
    ("\\unset", "NAME", "forget a variable"),
    ("\\vars", "", "list the variables (secrets masked)"),
    (
        "\\env",
        "NAME",
        "switch to profile NAME: a new session (the old one is closed)",
    ),
    ("\\e", "", "edit the last statement in $EDITOR, then run it"),
    (
        "\\watch",
        "SECONDS",
        "re-run the last query every SECONDS until Ctrl-C",
    ),
    ("\\help", "", "this list"),
];

/// Parses a line that starts with `\`. The error is a message for the user.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim().trim_end_matches(';').trim_end();
    let (name, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let arg = |what: &str| -> Result<String, String> {
        match rest {
            "" => Err(format!("{name} needs {what}")),
            _ => Ok(rest.to_owned()),
        }
    };
    let none = |command: Command| -> Result<Command, String> {
        match rest {
            "" => Ok(command),
            _ => Err(format!("{name} takes no argument")),
        }
    };
    match name {
        "\\q" | "\\quit" => none(Command::Quit),
        "\\?" | "\\help" => none(Command::Help),
        "\\format" => format(&arg("a format")?),
        "\\x" => none(Command::Expanded),
        "\\timing" => none(Command::Timing),
        "\\materialize" => none(Command::Materialize),
        "\\i" => Ok(Command::Include(PathBuf::from(arg("a file")?))),
        "\\o" => Ok(Command::Output((!rest.is_empty()).then(|| rest.into()))),
        "\\set" => set(&arg("NAME VALUE")?),
        "\\unset" => Ok(Command::Unset(name_arg(&arg("a name")?)?)),
        "\\vars" => none(Command::Vars),
        "\\env" => Ok(Command::Env(arg("a profile name")?)),
        "\\e" | "\\edit" => none(Command::Edit),
        "\\watch" => watch(&arg("SECONDS")?),
        _ => Err(format!("unknown command {name}; \\? lists them")),
    }
}

fn format(text: &str) -> Result<Command, String> {
    Format::from_str(text, true)
        .map(Command::Format)
        .map_err(|_| format!("unknown format {text:?}: table, plain, csv, json or ndjson"))
}

fn set(text: &str) -> Result<Command, String> {
    let (name, value) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    Ok(Command::Set(name_arg(name)?, value.trim_start().to_owned()))
}

/// A variable name as `${NAME}` accepts it.
fn name_arg(name: &str) -> Result<String, String> {
    let mut chars = name.chars();
    let good = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    match good {
        true => Ok(name.to_owned()),
        false => Err(format!(
            "{name:?} is not a variable name (letters, digits, _)"
        )),
    }
}

fn watch(text: &str) -> Result<Command, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(Command::Watch(Duration::from_secs_f64(s))),
        _ => Err(format!(
            "\\watch needs a number of seconds above 0 (at most a day), not {text:?}"
        )),
    }
}

/// The `\?` text.
pub fn help() -> String {
    let mut text = String::from("Client commands:\n");
    for (name, args, what) in COMMANDS {
        let left = format!("{name} {args}");
        text.push_str(&format!("  {left:<20} {what}\n"));
    }
    text.push_str(
        "SQL runs once its `;` arrives (a `;` in a string or comment does not count).\n\
         Ctrl-C cancels the running statement, Ctrl-R searches the history, Tab completes,\n\
         Ctrl-D quits.\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(parse("\\q"), Ok(Command::Quit));
        assert_eq!(
            parse("  \\format JSON ;"),
            Ok(Command::Format(Format::Json))
        );
        assert_eq!(
            parse("\\set TOPIC orders in"),
            Ok(Command::Set("TOPIC".into(), "orders in".into()))
        );
        assert_eq!(parse("\\o"), Ok(Command::Output(None)));
        assert_eq!(parse("\\materialize"), Ok(Command::Materialize));
        assert_eq!(
            parse("\\watch 2.5"),
            Ok(Command::Watch(Duration::from_millis(2500)))
        );
        assert_eq!(parse("\\env prod"), Ok(Command::Env("prod".into())));
    }

    #[test]
    fn bad_commands_say_what_is_wrong() {
        assert_eq!(
            parse("\\format yaml"),
            Err("unknown format \"yaml\": table, plain, csv, json or ndjson".into())
        );
        assert_eq!(parse("\\i"), Err("\\i needs a file".into()));
        assert_eq!(parse("\\q now"), Err("\\q takes no argument".into()));
        assert!(parse("\\watch 0").is_err());
        assert!(parse("\\set 1X y").is_err());
        assert_eq!(
            parse("\\nope"),
            Err("unknown command \\nope; \\? lists them".into())
        );
    }

    #[test]
    fn help_lists_every_command() {
        let help = help();
        for (name, _, _) in COMMANDS {
            assert!(help.contains(name), "{name} missing from \\?");
        }
    }
}
