//! Keys the old executor read from its profiles, and what replaces each. Left alone they would be
//! taken for SQL variables and silently ignored, so a run warns about each one it finds in the
//! profile file (not in the process environment, where `LOG_LEVEL` and the like belong to other
//! programs). Deploy keys are `deploy`'s business and are not listed here.

use super::{Origin, Vars};

/// A retired key (or key prefix, ending in `_`) and what to use instead.
struct Retired {
    key: &'static str,
    instead: &'static str,
}

const RETIRED: &[Retired] = &[
    Retired {
        key: "CONTINUE_ON_ERROR",
        instead: "the old executor continued after a failed statement by default; flink-sql \
                  stops at the first failure and skips the rest. Pass --continue-on-error to keep \
                  going (the exit code still reports the failure)",
    },
    Retired {
        key: "SQL_GATEWAY_MAX_WAIT_TIME",
        instead: "use --timeout DURATION or FLINK_SQL_TIMEOUT (a statement or awaited job that \
                  takes longer exits 4); a streaming query stops with --max-wait or \
                  FLINK_SQL_MAX_WAIT",
    },
    Retired {
        key: "SQL_GATEWAY_POLL_INTERVAL",
        instead: "not needed: results are fetched with adaptive back-off, without fixed sleeps",
    },
    Retired {
        key: "LOG_LEVEL",
        instead: "use -v (HTTP calls and full server traces) or -q (results and errors only)",
    },
    Retired {
        key: "LOG_FILE",
        instead: "logs go to stderr, secrets masked: redirect it (2>run.log)",
    },
    Retired {
        key: "OUTPUT_FORMAT",
        instead: "use --format or FLINK_SQL_FORMAT",
    },
    Retired {
        key: "DRY_RUN",
        instead: "use --dry-run",
    },
    Retired {
        key: "JOB_MANAGEMENT_",
        instead: "not needed: every job id is printed, and --wait running|finished follows a job \
                  through the JobManager (FLINK_REST_URL); there is no local job database",
    },
    Retired {
        key: "CONNECTION_",
        instead: "not needed: reads are retried on connection errors with back-off, a statement \
                  is never re-sent, and --timeout bounds every wait; the gateway is \
                  SQL_GATEWAY_URL or --gateway",
    },
];

/// What replaces `key`, if the old executor read it.
pub fn replacement(key: &str) -> Option<&'static str> {
    RETIRED
        .iter()
        .find(|r| match r.key.strip_suffix('_') {
            Some(_) => key.len() > r.key.len() && key.starts_with(r.key),
            None => key == r.key,
        })
        .map(|r| r.instead)
}

/// One warning per retired key the profile file sets, in name order.
pub fn warnings(vars: &Vars) -> Vec<String> {
    vars.iter()
        .filter(|(name, _)| set_in_profile(vars, name))
        .filter_map(|(name, _)| {
            replacement(name).map(|instead| {
                format!("warning: profile key {name} is from the old executor and has no effect here: {instead}")
            })
        })
        .collect()
}

fn set_in_profile(vars: &Vars, name: &str) -> bool {
    vars.origin(name) == Some(Origin::Profile)
        || vars
            .shadowed(name)
            .iter()
            .any(|d| d.origin == Origin::Profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::merge;

    fn pairs(keys: &[&str]) -> Vec<(String, String)> {
        keys.iter()
            .map(|k| ((*k).to_owned(), "x".to_owned()))
            .collect()
    }

    #[test]
    fn each_old_key_in_the_profile_is_named_with_its_replacement() {
        let profile = pairs(&[
            "CONTINUE_ON_ERROR",
            "SQL_GATEWAY_MAX_WAIT_TIME",
            "LOG_LEVEL",
            "JOB_MANAGEMENT_ENABLED",
            "CONNECTION_TIMEOUT",
            "KAFKA_ENV",
            "SQL_GATEWAY_URL",
            "GCP_PROJECT",
        ]);
        let warnings = warnings(&merge(profile, Vec::new(), &[]));
        let named: Vec<&str> = warnings
            .iter()
            .map(|w| w.split_whitespace().nth(3).unwrap())
            .collect();
        assert_eq!(
            named,
            [
                "CONNECTION_TIMEOUT",
                "CONTINUE_ON_ERROR",
                "JOB_MANAGEMENT_ENABLED",
                "LOG_LEVEL",
                "SQL_GATEWAY_MAX_WAIT_TIME"
            ]
        );
        assert!(
            warnings[1].contains("stops at the first failure"),
            "{}",
            warnings[1]
        );
        assert!(
            warnings[1].contains("--continue-on-error"),
            "{}",
            warnings[1]
        );
        assert!(warnings[4].contains("--timeout"), "{}", warnings[4]);
    }

    #[test]
    fn old_keys_only_in_the_process_environment_are_not_warned_about() {
        let env = pairs(&["LOG_LEVEL", "CONNECTION_TIMEOUT"]);
        assert!(warnings(&merge(Vec::new(), env, &[])).is_empty());
    }

    #[test]
    fn an_old_key_overridden_by_the_environment_is_still_warned_about_once() {
        let vars = merge(pairs(&["LOG_LEVEL"]), pairs(&["LOG_LEVEL"]), &[]);
        assert_eq!(warnings(&vars).len(), 1);
    }

    #[test]
    fn a_prefix_alone_is_not_a_key() {
        assert!(replacement("CONNECTION_").is_none());
        assert!(replacement("CONNECTIONS").is_none());
        assert!(replacement("MY_LOG_LEVEL").is_none());
        assert!(replacement("CONNECTION_RETRIES").is_some());
    }
}
