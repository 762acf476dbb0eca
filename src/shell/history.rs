//! The shell's history: where it lives and what of an entry may be written there.
//!
//! An entry is kept as typed, so a value that came in through `${VAR}` stays a `${VAR}`; any
//! secret value typed literally (or set with `\set`) is masked before the entry reaches the
//! editor, and so before it reaches the file.

use std::path::{Path, PathBuf};

use crate::secrets::Redactor;

/// `$XDG_DATA_HOME/flink-sql/history`, else `~/.local/share/flink-sql/history`; `None` without
/// either (no history file, the prompt still works). A relative XDG_DATA_HOME is ignored, as
/// the XDG spec says.
pub fn path(xdg_data_home: Option<&str>, home: Option<&str>) -> Option<PathBuf> {
    let data = match xdg_data_home.filter(|d| Path::new(d).is_absolute()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(home.filter(|h| !h.is_empty())?).join(".local/share"),
    };
    Some(data.join("flink-sql").join("history"))
}

/// What of a typed entry goes into the history: the text as typed, trailing blanks dropped,
/// every secret value masked. `None` for a blank entry.
pub fn entry(typed: &str, redactor: &Redactor) -> Option<String> {
    let typed = typed.trim_end();
    (!typed.trim().is_empty()).then(|| redactor.redact(typed).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_lives_in_the_users_data_directory() {
        assert_eq!(
            path(Some("/x/data"), Some("/home/u")),
            Some(PathBuf::from("/x/data/flink-sql/history"))
        );
        assert_eq!(
            path(None, Some("/home/u")),
            Some(PathBuf::from("/home/u/.local/share/flink-sql/history"))
        );
        assert_eq!(
            path(Some("relative"), Some("/home/u")),
            Some(PathBuf::from("/home/u/.local/share/flink-sql/history"))
        );
        assert_eq!(path(None, None), None);
    }

    #[test]
    fn an_entry_keeps_placeholders_and_masks_literal_secrets() {
        let (redactor, _) = Redactor::new(["s3cr3t-value"]);
        let typed = "CREATE TABLE t (a INT) WITH ('password' = '${KAFKA_PASSWORD}',\n  'x' = 's3cr3t-value');  ";
        assert_eq!(
            entry(typed, &redactor).unwrap(),
            "CREATE TABLE t (a INT) WITH ('password' = '${KAFKA_PASSWORD}',\n  'x' = '***');"
        );
        assert_eq!(entry("  \n ", &redactor), None);
    }
}
