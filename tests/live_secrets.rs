//! Secret hygiene over every mode, in one test: distinctive secrets (one with `'`, `"`, `\`, `$`
//! and non-ASCII characters, a bearer token, a password in the gateway URL) go through a dry run,
//! runs with `-v` and `--echo`, the json, ndjson and plain formats, a JUnit report, the REAL
//! gateway's errors (a validation error that echoes table options, an unknown object, a parse
//! error that Flink's parser writes with its own escapes), and `deploy render`. Every channel and
//! every file written is searched for every spelling of every secret.
//!
//! Run: `cargo test --features live --test live_secrets`.

mod common;

use std::path::Path;

use base64::Engine;
use common::*;

/// `'`, `"`, `\`, `$` and non-ASCII, with long plain runs between them (searched for alone too).
const TRICKY: &str = "Hyg1ene-Pw'Q\"R\\S$T-ünïcødé€-END42x";
const TOKEN: &str = "Tok3n-Hyg-77aa-zz";
const URL_PASSWORD: &str = "Url-Hyg-Pw-55q";

/// Every spelling under which a secret could leak: as is, SQL-doubled, JAAS-escaped, JSON-escaped
/// (also with `\uXXXX`), CSV-doubled, XML-escaped, as Flink's parser escapes it, base64, and each
/// run of 5+ characters between the characters that get escaped.
fn spellings(secret: &str) -> Vec<String> {
    let sql = secret.replace('\'', "''");
    let jaas = secret.replace('\\', "\\\\").replace('"', "\\\"");
    let mut forms = vec![
        secret.to_owned(),
        sql.clone(),
        jaas.clone(),
        jaas.replace('\'', "''"),
        secret.replace('"', "\"\""),
        secret
            .replace('&', "&amp;")
            .replace('\'', "&apos;")
            .replace('"', "&quot;"),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ];
    forms.extend([parser_escaped(secret), parser_escaped(&sql)]);
    let json: Vec<String> = forms
        .iter()
        .flat_map(|f| {
            let plain = serde_json::to_string(f).unwrap();
            [plain[1..plain.len() - 1].to_owned(), ascii_json(f)]
        })
        .collect();
    forms.extend(json);
    forms.extend(
        secret
            .split(|c: char| "'\"\\$".contains(c) || !c.is_ascii())
            .filter(|run| run.chars().count() >= 5)
            .map(str::to_owned),
    );
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    forms
}

/// Flink's parser (JavaCC): `'`, `"`, `\` escaped, non-ASCII as `\uXXXX` per UTF-16 unit.
fn parser_escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\'' | '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// JSON with every non-ASCII character as `\uXXXX`.
fn ascii_json(text: &str) -> String {
    let plain = serde_json::to_string(text).unwrap();
    parser_escaped_non_ascii(&plain[1..plain.len() - 1])
}

fn parser_escaped_non_ascii(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect()
}

/// Panics if `text` holds any spelling of any secret; the message never shows one.
fn assert_clean(channel: &str, text: &str) {
    for secret in [TRICKY, TOKEN, URL_PASSWORD] {
        let forms = spellings(secret);
        for (i, form) in forms.iter().enumerate() {
            if let Some(line) = text.lines().find(|l| l.contains(form.as_str())) {
                let shown = forms
                    .iter()
                    .fold(line.to_owned(), |l, f| l.replace(f.as_str(), "«SECRET»"));
                panic!("{channel} leaks a secret (spelling {i}) in this line:\n{shown}");
            }
        }
    }
}

/// Every file under `dir`, searched.
fn assert_dir_clean(channel: &str, dir: &Path) {
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_dir_clean(channel, &path);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            assert_clean(
                &format!("{channel} {}", path.display()),
                &String::from_utf8_lossy(&bytes),
            );
            files += 1;
        }
    }
    assert!(files > 0, "{channel}: nothing written in {}", dir.display());
}

fn assert_run_clean(what: &str, run: &Run) {
    assert_clean(&format!("{what} stdout"), &run.stdout);
    assert_clean(&format!("{what} stderr"), &run.stderr);
}

fn now_millis() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.unwrap().as_millis() as u64
}

/// The names of the jobs the JobManager started since `millis`.
fn job_names_since(millis: u64) -> Vec<String> {
    let overview = get_json(&format!("{}/jobs/overview", jobmanager_url()));
    overview["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["start-time"].as_u64().is_some_and(|t| t >= millis))
        .map(|j| j["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const SCRIPT: &str = "\
CREATE TEMPORARY TABLE hyg (id BIGINT) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '1',
  'properties.group.id' = '${KAFKA_PASSWORD}'
);
SELECT id FROM hyg;
SELECT CONCAT('pw=', '${KAFKA_PASSWORD}') AS p;
SELECT * FROM `${KAFKA_PASSWORD}`;
SELECT 1 FROM '${KAFKA_PASSWORD}';
";

#[test]
fn no_secret_appears_in_any_mode_channel_or_file() {
    require_stack();
    let started = now_millis();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("hygiene.sql");
    std::fs::write(&script, SCRIPT).unwrap();
    let gateway = gateway_url().replacen("://", &format!("://flink:{URL_PASSWORD}@"), 1);
    let secret_var = format!("KAFKA_PASSWORD={TRICKY}");
    let exec = |args: &[&str]| {
        let mut cmd = flink_sql();
        cmd.env("SQL_GATEWAY_TOKEN", TOKEN)
            .args(["exec", "--env", "local", "--gateway", &gateway])
            .args(["--var", &secret_var, "--continue-on-error"])
            .args(args)
            .arg("-f")
            .arg(&script);
        Run::of(&mut cmd)
    };

    for format in ["plain", "json"] {
        let run = exec(&["--dry-run", "-v", "--echo", "--format", format]);
        run.expect_code(0);
        assert_run_clean(&format!("dry-run {format}"), &run);
        assert!(
            run.stdout.contains("'properties.group.id' = '***'"),
            "{}",
            run.dump()
        );
    }

    let junit = dir.path().join("report.xml");
    let report = format!("junit={}", junit.display());
    let run = exec(&["-v", "--echo", "--format", "ndjson", "--report", &report]);
    run.expect_code(1);
    assert_run_clean("ndjson -v --echo", &run);
    assert_clean(
        "the JUnit report",
        &std::fs::read_to_string(&junit).unwrap(),
    );
    assert!(
        run.stdout.contains(r#""values":["pw=***"]"#),
        "{}",
        run.dump()
    );
    assert!(
        run.stderr.contains("Object '***' not found"),
        "{}",
        run.dump()
    );
    assert!(
        run.stderr.contains("'properties.group.id'='***'"),
        "{}",
        run.dump()
    );

    // Flink names a job without `pipeline.name` after its SQL and shows the name in its web UI and
    // REST API: the CONCAT query's job carries the masked text instead.
    let names = job_names_since(started);
    assert_clean("the JobManager's job names", &names.join("\n"));
    assert!(
        names.iter().any(|n| n.contains("'pw=', '***'")),
        "the query's job is named by its masked SQL: {names:?}"
    );

    // The same script through a pipe: run statement by statement as it arrives.
    let mut piped = flink_sql();
    piped
        .env("SQL_GATEWAY_TOKEN", TOKEN)
        .args(["exec", "--env", "local", "--gateway", &gateway])
        .args(["--var", &secret_var, "--continue-on-error"])
        .args(["-v", "--echo", "--format", "ndjson", "-f", "-"])
        .stdin(std::fs::File::open(&script).unwrap());
    let run = Run::of(&mut piped);
    run.expect_code(1);
    assert_run_clean("a pipe, ndjson -v --echo", &run);
    assert!(
        run.stdout.contains(r#""values":["pw=***"]"#),
        "{}",
        run.dump()
    );

    // Default verbosity: Flink's parser quotes the literal with its own escapes.
    for format in ["json", "plain"] {
        let run = exec(&["--format", format]);
        run.expect_code(1);
        assert_run_clean(&format!("{format} at default verbosity"), &run);
        assert!(
            run.stderr.contains(r#"Encountered "\'***\'""#),
            "the parse error is shown, masked\n{}",
            run.dump()
        );
    }

    // deploy render: nothing anywhere; with --include-secrets, only in the Secret manifest
    // (which is what that flag is for).
    for include_secrets in [false, true] {
        let out = dir.path().join(format!("manifests-{include_secrets}"));
        let mut render = flink_sql();
        render
            .args(["deploy", "render", "--out"])
            .arg(&out)
            .arg("--env-file")
            .arg(repo().join("tests/fixtures/deploy/gcp.env"))
            .args(["--var", &secret_var]);
        if include_secrets {
            render.arg("--include-secrets");
        }
        let run = Run::of(&mut render);
        run.expect_code(0);
        assert_run_clean("deploy render", &run);
        let secret_file = out.join("40-kafka-secret.yaml");
        assert_eq!(secret_file.exists(), include_secrets, "{}", run.dump());
        if include_secrets {
            let moved = dir.path().join("the-secret-itself.yaml");
            std::fs::rename(&secret_file, &moved).unwrap();
        }
        assert_dir_clean("deploy render --out", &out);
    }
}
