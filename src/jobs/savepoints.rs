//! A pipeline's savepoints, found from Flink and storage, never from a local ledger: the
//! JobManager's checkpoint history of every run it remembers, plus a listing of the pipeline's
//! own directory under the cluster's savepoint directory (`<savepoint-dir>/<sanitised name>/`)
//! where this machine can read it (`file://`). So any machine finds them, also after the job has
//! left the JobManager's history.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::jobmanager::Checkpoints;

/// One savepoint and where we learnt of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Savepoint {
    /// As Flink writes it (`file:/…`, `gs://…`).
    pub path: String,
    /// Completion time (ms since the epoch): the last acknowledgement, or the `_metadata` file's
    /// modification time for one found only on storage.
    pub time_ms: i64,
    /// The job that took it, when the JobManager still remembers.
    pub job: Option<String>,
    /// `jobmanager`, `storage`, or both.
    pub sources: Vec<&'static str>,
}

/// The directory name for a pipeline: letters, digits, `.`, `_` and `-` kept, runs of anything
/// else become one `-`. "Orders Enrichment" → "Orders-Enrichment".
pub fn sanitise(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').trim_start_matches('.');
    if out.is_empty() {
        "unnamed".to_owned()
    } else {
        out.to_owned()
    }
}

/// `<base>/<sanitised name>`: where `stop` and `savepoint` write a pipeline's savepoints.
pub fn pipeline_dir(base: &str, name: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), sanitise(name))
}

/// The local path of a `file:` URI (or a bare absolute path); `None` for other schemes.
pub fn local_path(uri: &str) -> Option<PathBuf> {
    if let Some(rest) = uri.strip_prefix("file://") {
        // file:///x (empty authority) or file://localhost/x
        let path = rest.strip_prefix("localhost").unwrap_or(rest);
        return path.starts_with('/').then(|| PathBuf::from(path));
    }
    if let Some(rest) = uri.strip_prefix("file:") {
        return rest.starts_with('/').then(|| PathBuf::from(rest));
    }
    uri.starts_with('/').then(|| PathBuf::from(uri))
}

/// One spelling per location, so `file:/x` and `file:///x` are the same savepoint.
fn key(path: &str) -> String {
    match local_path(path) {
        Some(p) => p.to_string_lossy().trim_end_matches('/').to_owned(),
        None => path.trim_end_matches('/').to_owned(),
    }
}

/// The completed savepoints in one job's checkpoint statistics.
pub fn from_checkpoints(job: &str, c: &Checkpoints) -> Vec<Savepoint> {
    let latest = c.latest.savepoint.iter();
    latest
        .chain(c.history.iter())
        .filter(|cp| cp.is_savepoint && cp.status == "COMPLETED")
        .filter_map(|cp| {
            let path = cp.external_path.clone().filter(|p| !p.is_empty())?;
            let time_ms = if cp.latest_ack_timestamp > 0 {
                cp.latest_ack_timestamp
            } else {
                cp.trigger_timestamp
            };
            Some(Savepoint {
                path,
                time_ms,
                job: Some(job.to_owned()),
                sources: vec!["jobmanager"],
            })
        })
        .collect()
}

/// Savepoints in a local directory: subdirectories holding a `_metadata` file (a savepoint is
/// complete once Flink has written it). A missing directory is an empty list.
pub fn list_dir(dir: &Path) -> std::io::Result<Vec<Savepoint>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(meta) = std::fs::metadata(entry.path().join("_metadata")) else {
            continue;
        };
        let time_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        found.push(Savepoint {
            path: format!("file:{}", entry.path().display()),
            time_ms,
            job: None,
            sources: vec!["storage"],
        });
    }
    Ok(found)
}

/// One entry per location, newest first; the JobManager's time and job id win over storage's.
pub fn merge(lists: impl IntoIterator<Item = Vec<Savepoint>>) -> Vec<Savepoint> {
    let mut merged: Vec<Savepoint> = Vec::new();
    for sp in lists.into_iter().flatten() {
        match merged.iter_mut().find(|m| key(&m.path) == key(&sp.path)) {
            Some(m) => {
                for s in &sp.sources {
                    if !m.sources.contains(s) {
                        m.sources.push(s);
                    }
                }
                if m.job.is_none() {
                    m.job = sp.job;
                    m.time_ms = sp.time_ms;
                    m.path = sp.path;
                }
            }
            None => merged.push(sp),
        }
    }
    merged.sort_by(|a, b| b.time_ms.cmp(&a.time_ms).then(a.path.cmp(&b.path)));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobmanager::{Checkpoint, LatestCheckpoints};

    #[test]
    fn pipeline_names_become_safe_directory_names() {
        assert_eq!(sanitise("Orders Enrichment"), "Orders-Enrichment");
        assert_eq!(sanitise("a/b\\c:d"), "a-b-c-d");
        assert_eq!(sanitise("  ..hidden  "), "hidden");
        assert_eq!(sanitise("orders_v2.1-x"), "orders_v2.1-x");
        assert_eq!(
            sanitise("Bestellungen  für  München"),
            "Bestellungen-f-r-M-nchen"
        );
        assert_eq!(sanitise("///"), "unnamed");
        assert_eq!(
            pipeline_dir("file:///sp/", "Orders Enrichment"),
            "file:///sp/Orders-Enrichment"
        );
    }

    #[test]
    fn only_file_uris_are_local() {
        assert_eq!(local_path("file:///a/b"), Some(PathBuf::from("/a/b")));
        assert_eq!(local_path("file:/a/b"), Some(PathBuf::from("/a/b")));
        assert_eq!(local_path("file://localhost/a"), Some(PathBuf::from("/a")));
        assert_eq!(local_path("/a"), Some(PathBuf::from("/a")));
        assert_eq!(local_path("gs://bucket/sp"), None);
        assert_eq!(local_path("abfss://c@acct.dfs.core.windows.net/sp"), None);
        assert_eq!(local_path("file://host/a"), None);
    }

    fn cp(id: i64, savepoint: bool, status: &str, ack: i64, path: &str) -> Checkpoint {
        Checkpoint {
            id,
            status: status.into(),
            is_savepoint: savepoint,
            trigger_timestamp: ack - 5,
            latest_ack_timestamp: ack,
            external_path: Some(path.into()),
            ..Default::default()
        }
    }

    #[test]
    fn history_gives_completed_savepoints_only() {
        let c = Checkpoints {
            latest: LatestCheckpoints {
                savepoint: Some(cp(6, true, "COMPLETED", 60, "file:/sp/p/savepoint-a")),
                ..Default::default()
            },
            history: vec![
                cp(7, false, "COMPLETED", 70, "file:/chk/7"),
                cp(6, true, "COMPLETED", 60, "file:/sp/p/savepoint-a"),
                cp(5, true, "FAILED", 50, ""),
                cp(4, true, "IN_PROGRESS", 0, ""),
                cp(3, true, "COMPLETED", 30, "file:/sp/p/savepoint-b"),
            ],
            ..Default::default()
        };
        let merged = merge([from_checkpoints("j1", &c)]);
        let paths: Vec<_> = merged.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["file:/sp/p/savepoint-a", "file:/sp/p/savepoint-b"]);
        assert_eq!(merged[0].job.as_deref(), Some("j1"));
    }

    #[test]
    fn the_same_savepoint_from_both_sources_is_one_entry_newest_first() {
        let jm = vec![Savepoint {
            path: "file:/sp/p/savepoint-a".into(),
            time_ms: 100,
            job: Some("j1".into()),
            sources: vec!["jobmanager"],
        }];
        let storage = vec![
            Savepoint {
                path: "file:///sp/p/savepoint-a/".into(),
                time_ms: 101,
                job: None,
                sources: vec!["storage"],
            },
            Savepoint {
                path: "file:/sp/p/savepoint-old".into(),
                time_ms: 5,
                job: None,
                sources: vec!["storage"],
            },
            Savepoint {
                path: "file:/sp/p/savepoint-new".into(),
                time_ms: 200,
                job: None,
                sources: vec!["storage"],
            },
        ];
        let merged = merge([storage, jm]);
        let view: Vec<_> = merged
            .iter()
            .map(|s| (s.path.as_str(), s.job.as_deref(), s.sources.clone()))
            .collect();
        assert_eq!(
            view,
            [
                ("file:/sp/p/savepoint-new", None, vec!["storage"]),
                (
                    "file:/sp/p/savepoint-a",
                    Some("j1"),
                    vec!["storage", "jobmanager"]
                ),
                ("file:/sp/p/savepoint-old", None, vec!["storage"]),
            ]
        );
    }

    #[test]
    fn a_directory_lists_savepoints_with_metadata_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("savepoint-abc")).unwrap();
        std::fs::write(dir.path().join("savepoint-abc/_metadata"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("savepoint-partial")).unwrap();
        std::fs::write(dir.path().join("stray-file"), b"x").unwrap();
        let found = list_dir(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].path.ends_with("/savepoint-abc"), "{:?}", found);
        assert!(found[0].time_ms > 0);
        assert!(list_dir(&dir.path().join("missing")).unwrap().is_empty());
    }
}
