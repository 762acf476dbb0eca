//! Which jobs a command means: by id, by `pipeline.name`, by pattern; the default window of
//! `jobs list` and its order. Pure: takes the `/jobs/overview` rows, returns references into them.

use regex::Regex;

use crate::error::CliError;
use crate::jobmanager::{JobOverview, TERMINAL_STATES};

/// How long an ended job stays in the default `jobs list` (the JobManager may forget it sooner:
/// `jobstore.expiration-time`, 1 h by default).
pub const RECENT_MS: i64 = 60 * 60 * 1000;

/// What the user named.
#[derive(Debug, Clone)]
pub enum Selector {
    /// A 32-hex job id; also tried as a name when no job has that id.
    Id(String),
    /// A `pipeline.name`, matched exactly.
    Name(String),
    /// `--name REGEX`, matched anywhere in the job name.
    Pattern(Regex),
}

impl Selector {
    /// `ID|NAME` or `--name REGEX`, exactly one of them.
    pub fn parse(arg: Option<&str>, pattern: Option<&str>) -> Result<Selector, CliError> {
        match (arg, pattern) {
            (Some(_), Some(_)) => Err(CliError::input(
                "give either a job id or name, or --name REGEX, not both",
            )),
            (None, None) => Err(CliError::input(
                "which job? give an id, a name or --name REGEX",
            )),
            (None, Some(p)) => Ok(Selector::Pattern(regex(p)?)),
            (Some(a), None) if is_job_id(a) => Ok(Selector::Id(a.to_ascii_lowercase())),
            (Some(a), None) => Ok(Selector::Name(a.to_owned())),
        }
    }

    /// How the selector reads in messages.
    pub fn describe(&self) -> String {
        match self {
            Selector::Id(id) => format!("job {id}"),
            Selector::Name(n) => format!("pipeline '{n}'"),
            Selector::Pattern(r) => format!("the pattern /{}/", r.as_str()),
        }
    }
}

/// Compiles a user's pattern; a bad one is a usage error.
pub fn regex(pattern: &str) -> Result<Regex, CliError> {
    Regex::new(pattern).map_err(|e| CliError::input(format!("--name: not a valid regex: {e}")))
}

/// Flink job ids are 32 hex digits.
pub fn is_job_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The job has not reached a state it will never leave.
pub fn is_active(job: &JobOverview) -> bool {
    !TERMINAL_STATES.contains(&job.state.as_str())
}

/// Jobs a destructive command acts on: the job with that id (whatever its state, so the
/// JobManager can say why it refuses), else the active jobs with that name or matching the pattern.
pub fn targets<'a>(jobs: &'a [JobOverview], sel: &Selector) -> Vec<&'a JobOverview> {
    if let Selector::Id(id) = sel {
        let by_id: Vec<_> = jobs.iter().filter(|j| &j.jid == id).collect();
        if !by_id.is_empty() {
            return by_id;
        }
    }
    let mut found: Vec<_> = jobs
        .iter()
        .filter(|j| is_active(j) && name_matches(j, sel))
        .collect();
    sort(&mut found);
    found
}

/// Jobs `show` describes: like [`targets`], but a name with no active job gives its newest run.
pub fn to_show<'a>(jobs: &'a [JobOverview], sel: &Selector) -> Vec<&'a JobOverview> {
    let active = targets(jobs, sel);
    if !active.is_empty() {
        return active;
    }
    let mut ended: Vec<_> = jobs.iter().filter(|j| name_matches(j, sel)).collect();
    sort(&mut ended);
    ended.truncate(1);
    ended
}

/// Every run of a pipeline the JobManager still remembers, newest first.
pub fn runs_of<'a>(jobs: &'a [JobOverview], name: &str) -> Vec<&'a JobOverview> {
    let mut runs: Vec<_> = jobs.iter().filter(|j| j.name == name).collect();
    runs.sort_by(|a, b| b.start_time.cmp(&a.start_time).then(a.jid.cmp(&b.jid)));
    runs
}

fn name_matches(job: &JobOverview, sel: &Selector) -> bool {
    match sel {
        Selector::Id(id) => job.name.eq_ignore_ascii_case(id),
        Selector::Name(n) => &job.name == n,
        Selector::Pattern(r) => r.is_match(&job.name),
    }
}

/// What `jobs list` shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only these states (upper case); when given, ended jobs of any age are included.
    pub states: Vec<String>,
    pub name: Option<Regex>,
    /// Everything the JobManager remembers.
    pub all: bool,
}

/// The rows of `jobs list`: by default active jobs and jobs that ended within [`RECENT_MS`].
pub fn list<'a>(jobs: &'a [JobOverview], filter: &ListFilter, now_ms: i64) -> Vec<&'a JobOverview> {
    let mut rows: Vec<_> = jobs
        .iter()
        .filter(|j| {
            let in_window = filter.all
                || !filter.states.is_empty()
                || is_active(j)
                || j.end_time >= now_ms - RECENT_MS;
            let state_ok = filter.states.is_empty() || filter.states.contains(&j.state);
            let name_ok = filter.name.as_ref().is_none_or(|r| r.is_match(&j.name));
            in_window && state_ok && name_ok
        })
        .collect();
    sort(&mut rows);
    rows
}

/// Active jobs first, then the newest start first; the id breaks ties so the order is stable.
pub fn sort(jobs: &mut [&JobOverview]) {
    jobs.sort_by(|a, b| {
        is_active(b)
            .cmp(&is_active(a))
            .then(b.start_time.cmp(&a.start_time))
            .then(a.jid.cmp(&b.jid))
    });
}

/// A job name for a table cell: whitespace collapsed (query jobs can be named by their SQL text),
/// at most `max` characters, an ellipsis when cut.
pub fn display_name(name: &str, max: usize) -> String {
    let one_line = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn job(jid: &str, name: &str, state: &str, start: i64, end: i64) -> JobOverview {
        JobOverview {
            jid: jid.into(),
            name: name.into(),
            state: state.into(),
            start_time: start,
            end_time: end,
            duration: if end > 0 { end - start } else { 0 },
            tasks: Default::default(),
        }
    }

    fn id(n: u8) -> String {
        format!("{n:032x}")
    }

    fn jids(jobs: &[&JobOverview]) -> Vec<String> {
        jobs.iter().map(|j| j.jid.clone()).collect()
    }

    fn sample() -> Vec<JobOverview> {
        vec![
            job(&id(1), "Orders Enrichment", "CANCELED", 100, 200),
            job(&id(2), "Orders Enrichment", "RUNNING", 300, -1),
            job(&id(3), "orders-dedup", "RUNNING", 400, -1),
            job(&id(4), "Payments", "FINISHED", 500, 900),
            job(&id(5), "Orders Enrichment", "RESTARTING", 250, -1),
        ]
    }

    #[test]
    fn an_id_is_32_hex_digits() {
        assert!(is_job_id(&id(7)));
        assert!(is_job_id("6E08BF37C866F1A5BA667C94D72D0254"));
        assert!(!is_job_id("orders"));
        assert!(!is_job_id(&format!("{}0", id(7))));
        assert!(matches!(
            Selector::parse(Some(&id(7)), None).unwrap(),
            Selector::Id(_)
        ));
        assert!(matches!(
            Selector::parse(Some("Orders"), None).unwrap(),
            Selector::Name(_)
        ));
    }

    #[test]
    fn an_id_and_a_pattern_together_or_neither_are_usage_errors() {
        assert!(Selector::parse(Some("x"), Some("y")).is_err());
        assert!(Selector::parse(None, None).is_err());
        let bad = Selector::parse(None, Some("(")).unwrap_err();
        assert_eq!(bad.exit, crate::error::Exit::Input);
    }

    #[test]
    fn a_name_targets_its_active_jobs_only_newest_first() {
        let jobs = sample();
        let sel = Selector::parse(Some("Orders Enrichment"), None).unwrap();
        assert_eq!(jids(&targets(&jobs, &sel)), vec![id(2), id(5)]);
    }

    #[test]
    fn a_name_is_exact_and_case_sensitive() {
        let jobs = sample();
        let sel = Selector::parse(Some("orders enrichment"), None).unwrap();
        assert!(targets(&jobs, &sel).is_empty());
        let sel = Selector::parse(Some("Orders"), None).unwrap();
        assert!(targets(&jobs, &sel).is_empty());
    }

    #[test]
    fn a_pattern_matches_anywhere_in_active_names() {
        let jobs = sample();
        let sel = Selector::parse(None, Some("(?i)^orders")).unwrap();
        assert_eq!(jids(&targets(&jobs, &sel)), vec![id(3), id(2), id(5)]);
    }

    #[test]
    fn an_id_finds_its_job_in_any_state() {
        let jobs = sample();
        let sel = Selector::parse(Some(&id(4)), None).unwrap();
        assert_eq!(jids(&targets(&jobs, &sel)), vec![id(4)]);
    }

    #[test]
    fn show_falls_back_to_the_newest_ended_run() {
        let mut jobs = sample();
        jobs.push(job(&id(6), "Payments", "CANCELED", 50, 60));
        let sel = Selector::parse(Some("Payments"), None).unwrap();
        assert_eq!(jids(&to_show(&jobs, &sel)), vec![id(4)]);
        let sel = Selector::parse(Some("Orders Enrichment"), None).unwrap();
        assert_eq!(jids(&to_show(&jobs, &sel)), vec![id(2), id(5)]);
    }

    #[test]
    fn list_shows_active_and_recent_jobs_active_first() {
        let jobs = sample();
        let now = 900 + RECENT_MS;
        let rows = list(&jobs, &ListFilter::default(), now);
        // id(1) ended at 200, more than an hour before `now`: only --all shows it.
        assert_eq!(jids(&rows), vec![id(3), id(2), id(5), id(4)]);
        let all = ListFilter {
            all: true,
            ..Default::default()
        };
        assert_eq!(
            jids(&list(&jobs, &all, now)),
            vec![id(3), id(2), id(5), id(4), id(1)]
        );
    }

    #[test]
    fn a_state_filter_reaches_past_the_recent_window() {
        let jobs = sample();
        let filter = ListFilter {
            states: vec!["CANCELED".into()],
            ..Default::default()
        };
        assert_eq!(jids(&list(&jobs, &filter, i64::MAX / 2)), vec![id(1)]);
    }

    #[test]
    fn list_filters_by_name_pattern() {
        let jobs = sample();
        let filter = ListFilter {
            name: Some(regex("dedup|Pay").unwrap()),
            all: true,
            ..Default::default()
        };
        assert_eq!(jids(&list(&jobs, &filter, 0)), vec![id(3), id(4)]);
    }

    #[test]
    fn equal_start_times_sort_by_id() {
        let jobs = [
            job(&id(9), "a", "RUNNING", 1, -1),
            job(&id(8), "b", "RUNNING", 1, -1),
        ];
        assert_eq!(
            jids(&list(&jobs, &ListFilter::default(), 0)),
            vec![id(8), id(9)]
        );
    }

    #[test]
    fn long_or_multi_line_names_are_cut_for_display() {
        assert_eq!(display_name("short", 10), "short");
        assert_eq!(
            display_name("INSERT INTO t\n  SELECT *\tFROM s", 100),
            "INSERT INTO t SELECT * FROM s"
        );
        assert_eq!(display_name("abcdefghijkl", 6), "abcde…");
        assert_eq!(display_name("äöüäöüäöü", 4).chars().count(), 4);
    }
}
