//! Profiles: find the `.env` file for `--env NAME`, read it into a map, merge with the process
//! environment and `--var`. The process environment is never modified.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::CliError;

pub mod dotenv;
pub mod retired;

pub use dotenv::Entry;

/// Where a variable's value came from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    CommandLine,
    Environment,
    Profile,
}

/// One definition of a variable: where it came from and, for the profile, its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition {
    pub origin: Origin,
    /// 1-based line in the profile file (profile definitions read from a file).
    pub line: Option<usize>,
}

#[derive(Debug, Clone)]
struct Var {
    value: String,
    winner: Definition,
    /// Definitions of lower precedence that this value overrides, highest first.
    shadowed: Vec<Definition>,
}

/// The merged variables of a run: `--var` > process environment > profile file.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    map: BTreeMap<String, Var>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|v| v.value.as_str())
    }

    pub fn origin(&self, name: &str) -> Option<Origin> {
        self.map.get(name).map(|v| v.winner.origin)
    }

    /// Where the value in use came from.
    pub fn definition(&self, name: &str) -> Option<Definition> {
        self.map.get(name).map(|v| v.winner)
    }

    /// The lower-precedence definitions the value in use overrides, highest first.
    pub fn shadowed(&self, name: &str) -> &[Definition] {
        self.map.get(name).map_or(&[], |v| v.shadowed.as_slice())
    }

    /// Sets a value unless one of higher precedence is already there.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>, origin: Origin) {
        self.define(name.into(), value.into(), Definition { origin, line: None });
    }

    /// Like `insert`, remembering what was overridden (for `env show` and the override hint).
    /// Of two definitions from the same source, the later wins, as in a dotenv file.
    pub fn define(&mut self, name: String, value: String, def: Definition) {
        let Some(var) = self.map.get_mut(&name) else {
            let var = Var {
                value,
                winner: def,
                shadowed: Vec::new(),
            };
            self.map.insert(name, var);
            return;
        };
        let (new, old) = (rank(def.origin), rank(var.winner.origin));
        if new > old {
            var.shadowed.push(def);
            var.shadowed.sort_by_key(|d| rank(d.origin));
            return;
        }
        // A later line of the same source wins too; the earlier one is kept as shadowed, so
        // `env show` and the warning about repeated keys can name it.
        var.shadowed.insert(0, var.winner);
        var.value = value;
        var.winner = def;
    }

    /// Keys the profile file sets more than once: (name, the lines that set it, in order).
    pub fn repeated_in_profile(&self) -> Vec<(&str, Vec<usize>)> {
        self.map
            .iter()
            .filter_map(|(name, var)| {
                let mut lines: Vec<usize> = std::iter::once(&var.winner)
                    .chain(&var.shadowed)
                    .filter(|d| d.origin == Origin::Profile)
                    .filter_map(|d| d.line)
                    .collect();
                lines.sort_unstable();
                (lines.len() > 1).then_some((name.as_str(), lines))
            })
            .collect()
    }

    /// Forgets a variable, whatever its source (the shell's `\unset`).
    pub fn remove(&mut self, name: &str) -> bool {
        self.map.remove(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.value.as_str()))
    }

    /// Names whose profile value is overridden by the process environment.
    pub fn environment_overrides(&self) -> impl Iterator<Item = &str> {
        self.map
            .iter()
            .filter(|(_, v)| {
                v.winner.origin == Origin::Environment
                    && v.shadowed.iter().any(|d| d.origin == Origin::Profile)
            })
            .map(|(k, _)| k.as_str())
    }
}

fn rank(origin: Origin) -> u8 {
    match origin {
        Origin::CommandLine => 0,
        Origin::Environment => 1,
        Origin::Profile => 2,
    }
}

/// Which profile to read.
#[derive(Debug, Clone)]
pub enum ProfileRef {
    Name(String),
    File(PathBuf),
}

/// The candidate paths for `--env NAME`, in the order they are tried.
pub fn candidates(name: &str, cwd: &Path, env_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = vec![cwd.to_path_buf()];
    dirs.extend(env_dir.map(Path::to_path_buf));
    dirs.iter()
        .flat_map(|d| {
            [
                d.join("env").join(format!("{name}.env")),
                d.join(format!(".{name}.env")),
            ]
        })
        .collect()
}

/// Finds the profile file, or says every path it tried.
pub fn locate(
    profile: &ProfileRef,
    cwd: &Path,
    env_dir: Option<&Path>,
) -> Result<PathBuf, CliError> {
    match profile {
        ProfileRef::File(path) if path.is_file() => Ok(path.clone()),
        ProfileRef::File(path) if path.is_dir() => Err(CliError::input(format!(
            "profile file {} is a directory, not a file",
            path.display()
        ))),
        ProfileRef::File(path) => Err(CliError::input(format!(
            "profile file {} not found",
            path.display()
        ))),
        ProfileRef::Name(name) => {
            let tried = candidates(name, cwd, env_dir);
            tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
                let list: Vec<String> = tried.iter().map(|p| tried_line(p)).collect();
                CliError::input(format!(
                    "profile '{name}' not found; tried:\n{}",
                    list.join("\n")
                ))
                .with_hint(
                    "create env/<name>.env (see env/example.env) or name a file with --env-file",
                )
            })
        }
    }
}

fn tried_line(path: &Path) -> String {
    let note = if path.is_dir() { " (a directory)" } else { "" };
    format!("  {}{note}", path.display())
}

/// Reads a profile file (see `dotenv` for the syntax). `outside` gives the values from outside
/// the file (`--var`, then the process environment) that a `${NAME}` in it prefers.
pub fn read_file(
    path: &Path,
    outside: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Entry>, CliError> {
    let read_error = |e: std::io::Error| {
        CliError::input(format!("{}: cannot read profile: {e}", path.display()))
    };
    let bytes = std::fs::read(path).map_err(read_error)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        CliError::input(format!(
            "{}:{line}: the profile is not valid UTF-8 (byte {})",
            path.display(),
            valid.len()
        ))
    })?;
    dotenv::read(&text, outside).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{}:{}:{}: {}", path.display(), e.line, e.column, e.message))
            .collect();
        CliError::input(lines.join("\n"))
    })
}

/// Merges profile pairs, the process environment (all of it: CI injects secrets there) and
/// `--var` pairs.
pub fn merge(
    profile: Vec<(String, String)>,
    environment: impl IntoIterator<Item = (String, String)>,
    cli: &[(String, String)],
) -> Vars {
    let entries = profile
        .into_iter()
        .map(|(key, value)| Entry {
            key,
            value,
            line: 0,
        })
        .collect();
    merge_entries(entries, environment, cli)
}

/// `merge`, keeping each profile entry's line.
pub fn merge_entries(
    profile: Vec<Entry>,
    environment: impl IntoIterator<Item = (String, String)>,
    cli: &[(String, String)],
) -> Vars {
    let mut vars = Vars::default();
    let def = |origin, line| Definition { origin, line };
    for (k, v) in cli {
        vars.define(k.clone(), v.clone(), def(Origin::CommandLine, None));
    }
    for (k, v) in environment {
        vars.define(k, v, def(Origin::Environment, None));
    }
    for e in profile {
        let line = (e.line > 0).then_some(e.line);
        vars.define(e.key, e.value, def(Origin::Profile, line));
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_the_file_sets_twice_is_named_with_its_lines_and_the_last_wins() {
        let entry = |key: &str, value: &str, line| Entry {
            key: key.into(),
            value: value.into(),
            line,
        };
        let vars = merge_entries(
            vec![
                entry("A", "1", 2),
                entry("B", "x", 3),
                entry("A", "2", 5),
                entry("A", "3", 9),
            ],
            vec![("B".into(), "env".into())],
            &[],
        );
        assert_eq!(vars.get("A"), Some("3"));
        assert_eq!(vars.repeated_in_profile(), [("A", vec![2, 5, 9])]);
        // Once in the file, and overridden by the environment: not repeated.
        assert_eq!(vars.get("B"), Some("env"));
    }

    #[test]
    fn command_line_beats_environment_beats_profile() {
        let vars = merge(
            vec![
                ("A".into(), "file".into()),
                ("B".into(), "file".into()),
                ("C".into(), "file".into()),
            ],
            vec![("A".into(), "env".into()), ("B".into(), "env".into())],
            &[("A".into(), "cli".into())],
        );
        assert_eq!(vars.get("A"), Some("cli"));
        assert_eq!(vars.get("B"), Some("env"));
        assert_eq!(vars.get("C"), Some("file"));
        assert_eq!(vars.origin("C"), Some(Origin::Profile));
    }

    #[test]
    fn env_name_tries_env_dir_then_dot_file_then_fallback_dir() {
        let c = candidates("uat", Path::new("/w"), Some(Path::new("/p")));
        let c: Vec<_> = c.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            c,
            [
                "/w/env/uat.env",
                "/w/.uat.env",
                "/p/env/uat.env",
                "/p/.uat.env"
            ]
        );
    }

    #[test]
    fn missing_profile_lists_every_path_tried() {
        let dir = tempfile::tempdir().unwrap();
        let err = locate(&ProfileRef::Name("nope".into()), dir.path(), None).unwrap_err();
        assert!(err.message.contains("env/nope.env"), "{}", err.message);
        assert!(err.message.contains(".nope.env"), "{}", err.message);
        assert_eq!(err.exit, crate::error::Exit::Input);
    }

    fn no_outside(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn reads_quotes_export_comments_and_multiline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.env");
        std::fs::write(&path, "# c\nexport A=1\nB='x y' # trailing\nC=\"l1\nl2\"\n").unwrap();
        let entries = read_file(&path, &no_outside).unwrap();
        let got: Vec<_> = entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(got, [("A", "1", 2), ("B", "x y", 3), ("C", "l1\nl2", 4)]);
    }

    #[test]
    fn a_profile_error_names_the_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.env");
        std::fs::write(&path, "A=1\nKAFKA_PASSWORD=\"s3cr3t\" tail\n").unwrap();
        let err = read_file(&path, &no_outside).unwrap_err();
        let expected = format!("{}:2:25: unexpected text", path.display());
        assert!(err.message.starts_with(&expected), "{}", err.message);
        assert!(!err.message.contains("s3cr3t"), "{}", err.message);
        assert_eq!(err.exit, crate::error::Exit::Input);
    }

    #[test]
    fn an_undefined_reference_in_a_file_is_an_error_at_file_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.env");
        std::fs::write(&path, "A=1\nB=${UNDEFINED}\n").unwrap();
        let err = read_file(&path, &no_outside).unwrap_err();
        let expected = format!("{}:2:3: ${{UNDEFINED}} is not defined", path.display());
        assert!(err.message.starts_with(&expected), "{}", err.message);
    }

    #[test]
    fn a_profile_that_is_not_utf8_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.env");
        std::fs::write(&path, b"A=1\nB=\xff\n").unwrap();
        let err = read_file(&path, &no_outside).unwrap_err();
        assert!(
            err.message
                .contains("p.env:2: the profile is not valid UTF-8"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_profile_path_that_is_a_directory_is_not_reported_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        let err = locate(
            &ProfileRef::File(dir.path().to_path_buf()),
            dir.path(),
            None,
        )
        .unwrap_err();
        assert!(err.message.contains("is a directory"), "{}", err.message);
        assert!(!err.message.contains("not found"), "{}", err.message);
        std::fs::create_dir_all(dir.path().join("env/uat.env")).unwrap();
        let err = locate(&ProfileRef::Name("uat".into()), dir.path(), None).unwrap_err();
        assert!(
            err.message.contains("uat.env (a directory)"),
            "{}",
            err.message
        );
    }

    #[test]
    fn vars_remember_what_they_override() {
        let profile = vec![Entry {
            key: "A".into(),
            value: "file".into(),
            line: 7,
        }];
        let vars = merge_entries(
            profile,
            vec![
                ("A".to_owned(), "env".to_owned()),
                ("B".to_owned(), "env".to_owned()),
            ],
            &[("B".into(), "cli".into())],
        );
        let at = |origin, line| Definition { origin, line };
        assert_eq!(vars.definition("A"), Some(at(Origin::Environment, None)));
        assert_eq!(vars.shadowed("A"), [at(Origin::Profile, Some(7))]);
        assert_eq!(vars.shadowed("B"), [at(Origin::Environment, None)]);
        assert_eq!(vars.environment_overrides().collect::<Vec<_>>(), ["A"]);
    }

    #[test]
    fn a_later_profile_line_wins_over_an_earlier_one() {
        let entries = vec![
            Entry {
                key: "A".into(),
                value: "1".into(),
                line: 1,
            },
            Entry {
                key: "A".into(),
                value: "2".into(),
                line: 2,
            },
        ];
        let vars = merge_entries(entries, Vec::new(), &[]);
        assert_eq!(vars.get("A"), Some("2"));
        assert_eq!(vars.definition("A").unwrap().line, Some(2));
    }
}
