//! Profiles: find the `.env` file for `--env NAME`, read it into a map, merge with the process
//! environment and `--var`. The process environment is never modified.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Where a variable's value came from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    CommandLine,
    Environment,
    Profile,
}

/// The merged variables of a run: `--var` > process environment > profile file.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    map: BTreeMap<String, (String, Origin)>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|(v, _)| v.as_str())
    }

    pub fn origin(&self, name: &str) -> Option<Origin> {
        self.map.get(name).map(|(_, o)| *o)
    }

    /// Sets a value unless one of higher precedence is already there.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>, origin: Origin) {
        let name = name.into();
        match self.map.get(&name) {
            Some((_, existing)) if rank(*existing) < rank(origin) => {}
            _ => {
                self.map.insert(name, (value.into(), origin));
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, (v, _))| (k.as_str(), v.as_str()))
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
        ProfileRef::File(path) => Err(CliError::input(format!(
            "profile file {} not found",
            path.display()
        ))),
        ProfileRef::Name(name) => {
            let tried = candidates(name, cwd, env_dir);
            tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
                let list: Vec<String> =
                    tried.iter().map(|p| format!("  {}", p.display())).collect();
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

/// Reads a dotenv file into ordered pairs (comments, quotes, `export`, multi-line values).
pub fn read_file(path: &Path) -> Result<Vec<(String, String)>, CliError> {
    let iter = dotenvy::from_path_iter(path)
        .map_err(|e| CliError::input(format!("{}: cannot read profile: {e}", path.display())))?;
    iter.map(|item| {
        item.map_err(|e| CliError::input(format!("{}: {}", path.display(), describe(&e))))
    })
    .collect()
}

fn describe(err: &dotenvy::Error) -> String {
    match err {
        dotenvy::Error::LineParse(line, index) => {
            // dotenvy reports the offending line's text, which may hold a secret: show only where.
            let _ = line;
            format!("invalid line in profile at character {index}")
        }
        other => other.to_string(),
    }
}

/// Merges profile pairs, the process environment (only for names the profile or the SQL can use:
/// all of it, since CI injects secrets there) and `--var` pairs.
pub fn merge(
    profile: Vec<(String, String)>,
    environment: impl IntoIterator<Item = (String, String)>,
    cli: &[(String, String)],
) -> Vars {
    let mut vars = Vars::default();
    for (k, v) in cli {
        vars.insert(k.clone(), v.clone(), Origin::CommandLine);
    }
    for (k, v) in environment {
        vars.insert(k, v, Origin::Environment);
    }
    for (k, v) in profile {
        vars.insert(k, v, Origin::Profile);
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn reads_quotes_export_comments_and_multiline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.env");
        std::fs::write(&path, "# c\nexport A=1\nB='x y' # trailing\nC=\"l1\nl2\"\n").unwrap();
        let pairs = read_file(&path).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "x y".into()),
                ("C".into(), "l1\nl2".into())
            ]
        );
    }
}
