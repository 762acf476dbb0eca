//! How `jobs` answers look: static grids through comfy-table, tab-separated plain text, one JSON
//! document, or one JSON object per line. Writes to `impl Write`; decides nothing.

use std::io::{self, Write};
use std::time::{Duration, UNIX_EPOCH};

use comfy_table::{presets, ContentArrangement, Table};
use serde_json::{json, Value};

use super::lifecycle::Applied;
use super::plan::{StatusRow, Step};
use super::select::display_name;
use super::{ActionResult, Health, JobReport};
use crate::jobmanager::JobOverview;
use crate::jobs::savepoints::Savepoint;

/// Output formats of the `jobs` commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Plain,
    Json,
    Ndjson,
}

/// Longest job name in a table cell; json keeps the whole name.
const NAME_WIDTH: usize = 60;

/// `2026-11-30T09:53:12Z`, or `-` for Flink's "never" (`-1`, `0`).
pub fn time(ms: i64) -> String {
    if ms <= 0 {
        return "-".to_owned();
    }
    let t = UNIX_EPOCH + Duration::from_millis(ms as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

/// `1h 2m 3s`, whole seconds.
pub fn duration(ms: i64) -> String {
    if ms < 0 {
        return "-".to_owned();
    }
    let secs = Duration::from_secs(ms as u64 / 1000);
    if secs.is_zero() {
        return "0s".to_owned();
    }
    humantime::format_duration(secs).to_string()
}

fn grid(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    t
}

fn write_ndjson(out: &mut impl Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    writeln!(out)
}

fn write_json(out: &mut impl Write, v: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    writeln!(out)
}

fn write_rows(
    out: &mut impl Write,
    format: Format,
    header: &[&str],
    rows: Vec<Vec<String>>,
    values: Vec<Value>,
) -> io::Result<()> {
    match format {
        Format::Table => {
            let mut t = grid(header);
            for r in rows {
                t.add_row(r);
            }
            writeln!(out, "{t}")
        }
        Format::Plain => {
            writeln!(out, "{}", header.join("\t"))?;
            for r in rows {
                writeln!(out, "{}", r.join("\t"))?;
            }
            Ok(())
        }
        Format::Json => write_json(out, &Value::Array(values)),
        Format::Ndjson => values.iter().try_for_each(|v| write_ndjson(out, v)),
    }
}

fn tasks(job: &JobOverview) -> String {
    let n = |k: &str| job.tasks.get(k).copied().unwrap_or(0);
    if job.tasks.is_empty() {
        return "-".to_owned();
    }
    format!("{}/{}", n("running"), n("total"))
}

fn overview_json(job: &JobOverview) -> Value {
    json!({
        "id": job.jid,
        "name": job.name,
        "state": job.state,
        "start_time": time(job.start_time),
        "end_time": if job.end_time > 0 { Value::from(time(job.end_time)) } else { Value::Null },
        "duration_ms": job.duration,
        "tasks": job.tasks,
    })
}

/// `jobs list`.
pub fn list(out: &mut impl Write, format: Format, jobs: &[&JobOverview]) -> io::Result<()> {
    let header = ["JOB ID", "NAME", "STATE", "TASKS", "STARTED", "DURATION"];
    let plain = format == Format::Plain;
    let rows = jobs
        .iter()
        .map(|j| {
            let name = if plain {
                display_name(&j.name, usize::MAX)
            } else {
                display_name(&j.name, NAME_WIDTH)
            };
            vec![
                j.jid.clone(),
                name,
                j.state.clone(),
                tasks(j),
                time(j.start_time),
                duration(j.duration),
            ]
        })
        .collect();
    let values = jobs.iter().map(|j| overview_json(j)).collect();
    write_rows(out, format, &header, rows, values)
}

/// `jobs show`: one report per job.
pub fn show(out: &mut impl Write, format: Format, reports: &[JobReport]) -> io::Result<()> {
    match format {
        Format::Json => write_json(
            out,
            &Value::Array(reports.iter().map(report_json).collect()),
        ),
        Format::Ndjson => reports
            .iter()
            .try_for_each(|r| write_ndjson(out, &report_json(r))),
        Format::Table | Format::Plain => {
            for (i, r) in reports.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                show_text(out, format, r)?;
            }
            Ok(())
        }
    }
}

fn show_text(out: &mut impl Write, format: Format, r: &JobReport) -> io::Result<()> {
    let fields = report_fields(r);
    let vertices: Vec<Vec<String>> = r
        .info
        .vertices
        .iter()
        .map(|v| vec![v.name.clone(), v.status.clone(), v.parallelism.to_string()])
        .collect();
    if format == Format::Plain {
        for (k, v) in &fields {
            writeln!(out, "{k}\t{v}")?;
        }
        for v in &vertices {
            writeln!(out, "vertex\t{}", v.join("\t"))?;
        }
    } else {
        let mut t = Table::new();
        t.load_preset(presets::NOTHING);
        for (k, v) in &fields {
            t.add_row(vec![k.to_string(), v.clone()]);
        }
        writeln!(out, "{t}")?;
        let mut g = grid(&["VERTEX", "STATUS", "PARALLELISM"]);
        for v in vertices {
            g.add_row(v);
        }
        writeln!(out, "{g}")?;
    }
    for e in &r.exceptions {
        let task = e
            .task
            .as_deref()
            .map(|t| format!(" {t}:"))
            .unwrap_or_default();
        writeln!(
            out,
            "exception\t{}{task} {}",
            time(e.timestamp),
            e.error.message
        )?;
    }
    Ok(())
}

/// The health verdict of one job: RUNNING with every vertex RUNNING.
pub fn health_word(r: &JobReport) -> String {
    let info = &r.info;
    if info.state != "RUNNING" {
        return "-".to_owned();
    }
    let waiting: Vec<_> = info
        .vertices
        .iter()
        .filter(|v| v.status != "RUNNING")
        .collect();
    if waiting.is_empty() {
        "healthy (every vertex RUNNING)".to_owned()
    } else {
        format!(
            "UNHEALTHY ({} of {} vertices not RUNNING)",
            waiting.len(),
            info.vertices.len()
        )
    }
}

fn report_fields(r: &JobReport) -> Vec<(&'static str, String)> {
    let info = &r.info;
    let c = r.checkpoints.clone().unwrap_or_default();
    let cp = |x: &Option<crate::jobmanager::Checkpoint>| match x {
        Some(c) => format!(
            "#{} {} {}",
            c.id,
            time(c.latest_ack_timestamp),
            c.external_path.as_deref().unwrap_or("-")
        ),
        None => "-".to_owned(),
    };
    let restored = match &c.latest.restored {
        Some(x) => format!(
            "{} {}",
            if x.is_savepoint {
                "savepoint"
            } else {
                "checkpoint"
            },
            x.external_path.as_deref().unwrap_or("-")
        ),
        None => "-".to_owned(),
    };
    vec![
        ("job", info.jid.clone()),
        ("name", display_name(&info.name, usize::MAX)),
        ("state", info.state.clone()),
        ("health", health_word(r)),
        ("started", time(info.start_time)),
        ("ended", time(info.end_time)),
        ("duration", duration(info.duration)),
        ("checkpoint", cp(&c.latest.completed)),
        ("savepoint", cp(&c.latest.savepoint)),
        ("restored from", restored),
        (
            "checkpoints",
            format!(
                "{} completed, {} failed, {} in progress",
                c.counts.completed, c.counts.failed, c.counts.in_progress
            ),
        ),
    ]
}

fn checkpoint_json(c: &Option<crate::jobmanager::Checkpoint>) -> Value {
    match c {
        Some(c) => json!({
            "id": c.id,
            "time": time(c.latest_ack_timestamp),
            "path": c.external_path,
        }),
        None => Value::Null,
    }
}

fn report_json(r: &JobReport) -> Value {
    let info = &r.info;
    let c = r.checkpoints.clone().unwrap_or_default();
    let healthy = info.state == "RUNNING" && info.vertices.iter().all(|v| v.status == "RUNNING");
    json!({
        "id": info.jid,
        "name": info.name,
        "state": info.state,
        "healthy": healthy,
        "start_time": time(info.start_time),
        "end_time": if info.end_time > 0 { Value::from(time(info.end_time)) } else { Value::Null },
        "duration_ms": info.duration,
        "vertices": info.vertices.iter().map(|v| json!({
            "name": v.name, "status": v.status, "parallelism": v.parallelism,
        })).collect::<Vec<_>>(),
        "checkpoints": {
            "completed": c.counts.completed,
            "failed": c.counts.failed,
            "in_progress": c.counts.in_progress,
            "latest": checkpoint_json(&c.latest.completed),
            "latest_savepoint": checkpoint_json(&c.latest.savepoint),
        },
        "restored_from": c.latest.restored.as_ref().map(|x| json!({
            "path": x.external_path, "is_savepoint": x.is_savepoint,
        })),
        "exceptions": r.exceptions.iter().map(|e| json!({
            "time": time(e.timestamp), "task": e.task, "message": e.error.message,
        })).collect::<Vec<_>>(),
    })
}

/// What `cancel`, `stop` and `savepoint` did, one row per job. Plain output is the savepoint
/// path (or the job id when there is none; with what would happen in a dry run), so
/// `sp=$(flink-sql jobs savepoint X)` works.
pub fn actions(out: &mut impl Write, format: Format, results: &[ActionResult]) -> io::Result<()> {
    if format == Format::Plain {
        for r in results {
            match (&r.savepoint, r.dry_run, r.action) {
                (Some(path), _, _) => writeln!(out, "{path}")?,
                (None, true, _) => writeln!(out, "{}\t{}", r.jid, r.result)?,
                (None, false, "cancel") => writeln!(out, "{}", r.jid)?,
                // A failed savepoint or stop: nothing to hand on; the error is on stderr.
                (None, false, _) => {}
            }
        }
        return Ok(());
    }
    let header = ["JOB ID", "NAME", "RESULT", "SAVEPOINT"];
    let rows = results
        .iter()
        .map(|r| {
            vec![
                r.jid.clone(),
                display_name(&r.name, NAME_WIDTH),
                r.result.clone(),
                r.savepoint.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let values = results
        .iter()
        .map(|r| {
            json!({
                "id": r.jid, "name": r.name, "action": r.action,
                "result": r.result, "dry_run": r.dry_run, "savepoint": r.savepoint,
            })
        })
        .collect();
    write_rows(out, format, &header, rows, values)
}

/// `jobs apply`'s plan: one line per pipeline (and per unexpected job).
pub fn plan(
    out: &mut impl Write,
    format: Format,
    steps: &[Step],
    from: &std::collections::BTreeMap<String, String>,
) -> io::Result<()> {
    let header = ["PIPELINE", "FILE", "PLAN", "JOB ID", "DETAIL"];
    let detail = |s: &Step| match (s.action, from.get(&s.name)) {
        (super::plan::Action::Start, Some(path)) => format!("not running: start from {path}"),
        (super::plan::Action::Start, None) => {
            "not running: start without state (no savepoint found)".to_owned()
        }
        _ => s.detail.clone(),
    };
    let rows = steps
        .iter()
        .map(|s| {
            vec![
                display_name(&s.name, NAME_WIDTH),
                s.file.clone().unwrap_or_else(|| "-".into()),
                s.action.as_str().to_owned(),
                or_dash(&s.jobs.join(",")),
                detail(s),
            ]
        })
        .collect();
    let values = steps
        .iter()
        .map(|s| {
            json!({
                "event": "plan", "pipeline": s.name, "file": s.file, "plan": s.action.as_str(),
                "jobs": s.jobs, "from_savepoint": from.get(&s.name), "detail": detail(s),
            })
        })
        .collect();
    write_rows(out, format, &header, rows, values)
}

/// `jobs apply --format json`: one document, `{"plan": [...], "applied": [...]}`.
pub fn plan_and_applied_json(
    out: &mut impl Write,
    steps: &[Step],
    from: &std::collections::BTreeMap<String, String>,
    results: &[Applied],
) -> io::Result<()> {
    let mut plan_doc = Vec::new();
    plan(&mut plan_doc, Format::Json, steps, from)?;
    let mut applied_doc = Vec::new();
    applied(&mut applied_doc, Format::Json, results)?;
    let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).map_err(io::Error::other);
    write_json(
        out,
        &json!({"plan": parse(&plan_doc)?, "applied": parse(&applied_doc)?}),
    )
}

/// What `jobs apply` and `jobs resume` did, one line per pipeline.
pub fn applied(out: &mut impl Write, format: Format, results: &[Applied]) -> io::Result<()> {
    let header = ["PIPELINE", "ACTION", "JOB ID", "FROM SAVEPOINT", "RESULT"];
    let rows = results
        .iter()
        .map(|r| {
            vec![
                display_name(&r.name, NAME_WIDTH),
                r.action.to_owned(),
                r.job.clone().unwrap_or_else(|| "-".into()),
                r.from.clone().unwrap_or_else(|| "-".into()),
                r.result.clone(),
            ]
        })
        .collect();
    let values = results
        .iter()
        .map(|r| {
            json!({
                "event": "applied", "pipeline": r.name, "file": r.file, "action": r.action,
                "job": r.job, "from_savepoint": r.from, "result": r.result, "ok": r.ok,
            })
        })
        .collect();
    write_rows(out, format, &header, rows, values)
}

/// `jobs status DIR`.
pub fn status(out: &mut impl Write, format: Format, rows: &[StatusRow]) -> io::Result<()> {
    let header = ["PIPELINE", "FILE", "STATUS", "JOB ID", "STATE"];
    let grid_rows = rows
        .iter()
        .map(|r| {
            vec![
                display_name(&r.name, NAME_WIDTH),
                r.file.clone().unwrap_or_else(|| "-".into()),
                r.verdict.as_str().to_owned(),
                or_dash(&r.jobs.join(",")),
                r.state.clone(),
            ]
        })
        .collect();
    let values = rows
        .iter()
        .map(|r| {
            json!({
                "pipeline": r.name, "file": r.file, "status": r.verdict.as_str(),
                "jobs": r.jobs, "state": r.state,
            })
        })
        .collect();
    write_rows(out, format, &header, grid_rows, values)
}

fn or_dash(s: &str) -> String {
    if s.is_empty() {
        "-".to_owned()
    } else {
        s.to_owned()
    }
}

/// `jobs savepoints NAME`, newest first.
pub fn savepoints(out: &mut impl Write, format: Format, list: &[Savepoint]) -> io::Result<()> {
    let header = ["TIME", "PATH", "JOB ID", "FOUND IN"];
    let rows = list
        .iter()
        .map(|s| {
            vec![
                time(s.time_ms),
                s.path.clone(),
                s.job.clone().unwrap_or_else(|| "-".into()),
                s.sources.join(", "),
            ]
        })
        .collect();
    let values = list
        .iter()
        .map(|s| json!({"time": time(s.time_ms), "path": s.path, "job": s.job, "found_in": s.sources}))
        .collect();
    write_rows(out, format, &header, rows, values)
}

/// One `jobs watch` tick.
pub fn health(out: &mut impl Write, format: Format, h: &Health) -> io::Result<()> {
    let v = health_json(h);
    match format {
        Format::Json => return write_json(out, &v),
        Format::Ndjson => return write_ndjson(out, &v),
        Format::Table | Format::Plain => {}
    }
    let verdict = if h.healthy() { "healthy" } else { "UNHEALTHY" };
    let facts = [
        ("cluster", format!("{verdict} at {}", time(h.time_ms))),
        ("taskmanagers", h.taskmanagers.to_string()),
        (
            "slots",
            format!("{} free of {}", h.slots_free, h.slots_total),
        ),
        ("running", h.running.to_string()),
        ("restarting", h.restarting.to_string()),
        (
            "failed",
            format!("{} (still in the JobManager's history)", h.failed),
        ),
    ];
    if format == Format::Plain {
        for (k, v) in &facts {
            writeln!(out, "{k}\t{v}")?;
        }
        for p in &h.problems {
            writeln!(out, "problem\t{}\t{}\t{}", p.jid, p.name, p.problem)?;
        }
        return Ok(());
    }
    let mut t = Table::new();
    t.load_preset(presets::NOTHING);
    for (k, v) in facts {
        t.add_row(vec![k.to_owned(), v]);
    }
    writeln!(out, "{t}")?;
    if !h.problems.is_empty() {
        let mut g = grid(&["JOB ID", "NAME", "PROBLEM"]);
        for p in &h.problems {
            g.add_row(vec![
                p.jid.clone(),
                display_name(&p.name, NAME_WIDTH),
                p.problem.clone(),
            ]);
        }
        writeln!(out, "{g}")?;
    }
    Ok(())
}

fn health_json(h: &Health) -> Value {
    json!({
        "time": time(h.time_ms),
        "healthy": h.healthy(),
        "taskmanagers": h.taskmanagers,
        "slots_total": h.slots_total,
        "slots_free": h.slots_free,
        "jobs": {"running": h.running, "restarting": h.restarting, "failed": h.failed},
        "problems": h.problems.iter().map(|p| json!({
            "id": p.jid, "name": p.name, "problem": p.problem,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobmanager::{JobInfo, Vertex};
    use crate::jobs::health::Problem;
    use crate::jobs::select::tests::job;

    fn render(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    // 2026-11-30T09:53:12Z
    const T0: i64 = 1_796_032_392_000;

    fn jobs() -> Vec<JobOverview> {
        let mut a = job(&"a".repeat(32), "Orders Enrichment", "RUNNING", T0, -1);
        a.duration = 3_723_000;
        a.tasks.insert("running".into(), 2);
        a.tasks.insert("total".into(), 2);
        let long = format!("INSERT INTO sink\n SELECT {}", "x, ".repeat(40));
        vec![a, job(&"b".repeat(32), &long, "FINISHED", T0 - 5000, T0)]
    }

    #[test]
    fn times_and_durations_read_like_a_clock() {
        assert_eq!(time(T0), "2026-11-30T09:53:12Z");
        assert_eq!(time(-1), "-");
        assert_eq!(duration(3_723_456), "1h 2m 3s");
        assert_eq!(duration(999), "0s");
        assert_eq!(duration(-1), "-");
    }

    #[test]
    fn list_as_table_cuts_long_names_and_shows_tasks() {
        let jobs = jobs();
        let rows: Vec<_> = jobs.iter().collect();
        let text = render(|o| list(o, Format::Table, &rows));
        assert!(text.contains("JOB ID"), "{text}");
        assert!(text.contains("Orders Enrichment"));
        assert!(text.contains("2/2"));
        assert!(text.contains("1h 2m 3s"));
        assert!(text.contains("INSERT INTO sink SELECT x, x,"));
        assert!(text.contains('…'), "a long name is cut: {text}");
        let widths: Vec<_> = text.lines().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "aligned: {text}");
    }

    #[test]
    fn list_as_plain_is_tab_separated_with_whole_names_on_one_line() {
        let jobs = jobs();
        let rows: Vec<_> = jobs.iter().collect();
        let text = render(|o| list(o, Format::Plain, &rows));
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], "JOB ID\tNAME\tSTATE\tTASKS\tSTARTED\tDURATION");
        assert_eq!(
            lines[1],
            format!(
                "{}\tOrders Enrichment\tRUNNING\t2/2\t2026-11-30T09:53:12Z\t1h 2m 3s",
                "a".repeat(32)
            )
        );
        assert!(!lines[2].contains('…'));
    }

    #[test]
    fn list_as_json_and_ndjson_keeps_the_whole_name() {
        let jobs = jobs();
        let rows: Vec<_> = jobs.iter().collect();
        let doc: Value = serde_json::from_str(&render(|o| list(o, Format::Json, &rows))).unwrap();
        assert_eq!(doc[0]["name"], "Orders Enrichment");
        assert_eq!(doc[0]["end_time"], Value::Null);
        assert_eq!(doc[1]["name"], jobs[1].name.as_str());
        assert_eq!(doc[1]["end_time"], "2026-11-30T09:53:12Z");
        let nd = render(|o| list(o, Format::Ndjson, &rows));
        let lines: Vec<Value> = nd
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["tasks"]["running"], 2);
    }

    fn report(vertex_states: &[&str]) -> JobReport {
        JobReport {
            info: JobInfo {
                jid: "c".repeat(32),
                name: "p".into(),
                state: "RUNNING".into(),
                start_time: T0,
                end_time: -1,
                duration: 1000,
                vertices: vertex_states
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Vertex {
                        id: i.to_string(),
                        name: format!("v{i}"),
                        status: (*s).into(),
                        parallelism: 2,
                    })
                    .collect(),
            },
            checkpoints: None,
            exceptions: vec![],
        }
    }

    #[test]
    fn a_job_is_healthy_only_when_every_vertex_runs() {
        assert_eq!(
            health_word(&report(&["RUNNING", "RUNNING"])),
            "healthy (every vertex RUNNING)"
        );
        assert_eq!(
            health_word(&report(&["RUNNING", "SCHEDULED"])),
            "UNHEALTHY (1 of 2 vertices not RUNNING)"
        );
        let doc: Value = serde_json::from_str(&render(|o| {
            show(o, Format::Json, &[report(&["RUNNING", "SCHEDULED"])])
        }))
        .unwrap();
        assert_eq!(doc[0]["healthy"], false);
        assert_eq!(doc[0]["vertices"][1]["status"], "SCHEDULED");
        assert_eq!(doc[0]["vertices"][1]["parallelism"], 2);
    }

    #[test]
    fn show_lists_vertices_and_exceptions_one_line_each() {
        let mut r = report(&["RUNNING"]);
        r.exceptions.push(crate::jobmanager::JobException {
            timestamp: T0,
            task: Some("Source: s".into()),
            error: crate::gateway::errors::from_trace(
                "java.lang.RuntimeException: boom\n\tat x.y(Z.java:1)\nCaused by: java.io.IOException: disk full\n\tat a.b(C.java:2)",
            ),
        });
        let text = render(|o| show(o, Format::Plain, &[r]));
        assert!(text.contains("state\tRUNNING\n"), "{text}");
        assert!(text.contains("vertex\tv0\tRUNNING\t2\n"), "{text}");
        let exc: Vec<_> = text
            .lines()
            .filter(|l| l.starts_with("exception"))
            .collect();
        assert_eq!(exc.len(), 1, "{text}");
        assert!(exc[0].contains("2026-11-30T09:53:12Z Source: s:"), "{text}");
        assert!(exc[0].contains("disk full"), "{text}");
        assert!(!exc[0].contains("\tat "), "{text}");
    }

    fn action(savepoint: Option<&str>, dry_run: bool) -> ActionResult {
        ActionResult {
            jid: "d".repeat(32),
            name: "p".into(),
            action: "stop",
            result: if dry_run {
                "dry run: would stop".into()
            } else {
                "FINISHED".into()
            },
            savepoint: savepoint.map(str::to_owned),
            dry_run,
        }
    }

    #[test]
    fn plain_actions_print_just_the_savepoint_path() {
        let text = render(|o| actions(o, Format::Plain, &[action(Some("file:/sp/x"), false)]));
        assert_eq!(text, "file:/sp/x\n");
        let text = render(|o| actions(o, Format::Plain, &[action(None, false)]));
        assert_eq!(text, "", "a failed stop hands on no path");
        let mut cancel = action(None, false);
        cancel.action = "cancel";
        let text = render(|o| actions(o, Format::Plain, &[cancel]));
        assert_eq!(text, format!("{}\n", "d".repeat(32)));
        let text = render(|o| actions(o, Format::Plain, &[action(None, true)]));
        assert_eq!(text, format!("{}\tdry run: would stop\n", "d".repeat(32)));
        let doc: Value = serde_json::from_str(&render(|o| {
            actions(o, Format::Json, &[action(Some("file:/sp/x"), false)])
        }))
        .unwrap();
        assert_eq!(doc[0]["savepoint"], "file:/sp/x");
        assert_eq!(doc[0]["dry_run"], false);
    }

    #[test]
    fn savepoints_render_newest_first_as_given() {
        let list = [
            Savepoint {
                path: "file:/sp/p/new".into(),
                time_ms: T0,
                job: None,
                sources: vec!["storage"],
            },
            Savepoint {
                path: "file:/sp/p/old".into(),
                time_ms: T0 - 1000,
                job: Some("j".into()),
                sources: vec!["jobmanager", "storage"],
            },
        ];
        let text = render(|o| savepoints(o, Format::Plain, &list));
        assert_eq!(
            text,
            "TIME\tPATH\tJOB ID\tFOUND IN\n\
             2026-11-30T09:53:12Z\tfile:/sp/p/new\t-\tstorage\n\
             2026-11-30T09:53:11Z\tfile:/sp/p/old\tj\tjobmanager, storage\n"
        );
    }

    #[test]
    fn health_as_ndjson_is_one_line_with_the_verdict_and_problems() {
        let h = Health {
            time_ms: T0,
            taskmanagers: 1,
            slots_total: 4,
            slots_free: 0,
            running: 1,
            restarting: 0,
            failed: 2,
            problems: vec![Problem {
                jid: "j".into(),
                name: "p".into(),
                problem: "2 of 2 tasks not RUNNING (waiting for slots?)".into(),
            }],
        };
        let text = render(|o| health(o, Format::Ndjson, &h));
        assert_eq!(text.lines().count(), 1);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["healthy"], false);
        assert_eq!(v["slots_free"], 0);
        assert_eq!(v["jobs"]["failed"], 2);
        assert_eq!(v["problems"][0]["id"], "j");
        let table = render(|o| health(o, Format::Table, &h));
        assert!(
            table.contains("UNHEALTHY at 2026-11-30T09:53:12Z"),
            "{table}"
        );
        assert!(table.contains("waiting for slots"), "{table}");
    }

    #[test]
    fn apply_as_json_is_one_document_with_the_plan_and_what_was_done() {
        use crate::jobs::plan::{Action, Step};
        let steps = [Step {
            name: "orders".into(),
            file: Some("p/orders.sql".into()),
            action: Action::Start,
            jobs: vec![],
            detail: "not running".into(),
        }];
        let from = [(
            "orders".to_owned(),
            "file:/sp/orders/savepoint-1".to_owned(),
        )]
        .into_iter()
        .collect();
        let done = [crate::jobs::lifecycle::Applied {
            name: "orders".into(),
            file: Some("p/orders.sql".into()),
            action: "start",
            job: Some("j1".into()),
            from: Some("file:/sp/orders/savepoint-1".into()),
            result: "RUNNING".into(),
            ok: true,
        }];
        let mut out = Vec::new();
        plan_and_applied_json(&mut out, &steps, &from, &done).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["plan"][0]["plan"], "start");
        assert_eq!(
            v["plan"][0]["detail"],
            "not running: start from file:/sp/orders/savepoint-1"
        );
        assert_eq!(v["applied"][0]["job"], "j1");
        assert_eq!(v["applied"][0]["ok"], true);
    }
}
