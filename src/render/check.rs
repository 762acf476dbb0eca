//! `check`'s findings: text (`file:line:col: error[RULE]: message`, a caret excerpt, the fix),
//! one JSON document, SARIF 2.1.0 for GitHub code scanning, and `::error`/`::warning` workflow
//! commands. Messages are masked again here, like every other output.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::diagnostic::write_excerpt_line;
use super::github::{escape_data, escape_property};
use crate::check::{Finding, Rule, Severity};
use crate::cli::CheckFormat;
use crate::script::{self, Source};
use crate::secrets::Redactor;

/// Writes every finding in `format`; `rules` are the rules SARIF describes.
pub fn write_findings(
    w: &mut dyn Write,
    format: CheckFormat,
    findings: &[Finding],
    sources: &[Source],
    rules: &[Rule],
    strict: bool,
    redactor: &Redactor,
) -> io::Result<()> {
    let masked: Vec<Finding> = findings.iter().map(|f| mask(f, redactor)).collect();
    match format {
        CheckFormat::Text => write_text(w, &masked, sources, redactor),
        CheckFormat::Json => write_json(w, &masked, strict),
        CheckFormat::Sarif => write_sarif(w, &masked, rules),
    }
}

fn mask(f: &Finding, redactor: &Redactor) -> Finding {
    let mut f = f.clone();
    f.message = redactor.redact(&f.message).into_owned();
    f.fix = f.fix.map(|x| redactor.redact(&x).into_owned());
    f
}

fn write_text(
    w: &mut dyn Write,
    findings: &[Finding],
    sources: &[Source],
    redactor: &Redactor,
) -> io::Result<()> {
    for f in findings {
        let pos = f.position();
        match pos.line {
            0 => writeln!(
                w,
                "{}: {}[{} {}]: {}",
                f.file,
                f.severity.as_str(),
                f.rule,
                f.name,
                f.message
            )?,
            _ => writeln!(
                w,
                "{}:{}:{}: {}[{} {}]: {}",
                f.file,
                pos.line,
                pos.column,
                f.severity.as_str(),
                f.rule,
                f.name,
                f.message
            )?,
        }
        let source = sources.iter().find(|s| s.name == f.file);
        if let Some(line) = source.and_then(|s| script::line(&s.text, pos.line)) {
            let mut out = Vec::new();
            write_excerpt_line(
                &mut out,
                Some(pos.line),
                &redactor.redact(line),
                Some(pos.column),
            )?;
            w.write_all(&out)?;
        }
        if let Some(fix) = &f.fix {
            writeln!(w, "  = fix: {fix}")?;
        }
    }
    Ok(())
}

/// Counts by severity: (errors, warnings, notes).
fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let n = |s| findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Note))
}

fn write_json(w: &mut dyn Write, findings: &[Finding], strict: bool) -> io::Result<()> {
    let (errors, warnings, notes) = counts(findings);
    let doc = json!({
        "passed": !findings.iter().any(|f| f.fails(strict)),
        "errors": errors,
        "warnings": warnings,
        "notes": notes,
        "findings": findings,
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

/// A SARIF artifact URI: the path as given, with `/` separators and no leading `./`.
fn uri(file: &str) -> String {
    let file = file.replace('\\', "/");
    file.strip_prefix("./").unwrap_or(&file).to_owned()
}

fn write_sarif(w: &mut dyn Write, findings: &[Finding], rules: &[Rule]) -> io::Result<()> {
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.reason},
                "fullDescription": {"text": format!("{} Fix: {}", r.reason, r.fix)},
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": r.severity.as_str()},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": f.severity.as_str(),
                "message": {"text": match &f.fix {
                    Some(fix) => format!("{} (fix: {fix})", f.message),
                    None => f.message.clone(),
                }},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(&f.file)},
                    "region": {"startLine": f.pos.line.max(1), "startColumn": f.pos.column.max(1)},
                }}],
            });
            if let Some(i) = rules.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = json!(i);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "flink-sql",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

/// The closing line on stderr, and under GitHub Actions one annotation per finding.
pub fn write_summary(
    w: &mut dyn Write,
    findings: &[Finding],
    strict: bool,
    github: bool,
    redactor: &Redactor,
) -> io::Result<()> {
    if github {
        for f in findings {
            write_annotation(w, &mask(f, redactor))?;
        }
    }
    let (errors, warnings, notes) = counts(findings);
    let failed = findings.iter().any(|f| f.fails(strict));
    let verdict = if failed {
        "check failed"
    } else {
        "check passed"
    };
    writeln!(
        w,
        "{errors} errors, {warnings} warnings, {notes} notes: {verdict}"
    )
}

fn write_annotation(w: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let title = escape_property(&format!("{} {}", f.rule, f.name));
    let message = escape_data(&f.message);
    if f.file.starts_with('<') || f.pos.line == 0 {
        return writeln!(
            w,
            "::{command} title={title}::{}: {message}",
            escape_data(&f.file)
        );
    }
    writeln!(
        w,
        "::{command} file={},line={},col={},title={title}::{message}",
        escape_property(&f.file),
        f.pos.line,
        f.pos.column
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::lint::LITERAL_SECRET;
    use crate::script::Pos;
    use std::sync::Arc;

    fn finding() -> Finding {
        Finding::new(
            &LITERAL_SECRET,
            &Arc::from("./sql/a.sql"),
            Pos { line: 2, column: 5 },
            "option 'x' holds hunter22",
        )
    }

    #[test]
    fn sarif_names_the_rule_the_file_and_the_region() {
        let (redactor, _) = Redactor::new(["hunter22"]);
        let mut out = Vec::new();
        write_findings(
            &mut out,
            CheckFormat::Sarif,
            &[finding()],
            &[],
            &[LITERAL_SECRET],
            false,
            &redactor,
        )
        .unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["version"], "2.1.0");
        let result = &doc["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "FS004");
        assert_eq!(result["ruleIndex"], 0);
        assert_eq!(result["level"], "error");
        let loc = &result["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "sql/a.sql");
        assert_eq!(loc["region"]["startLine"], 2);
        assert!(!String::from_utf8(out).unwrap().contains("hunter22"));
    }

    #[test]
    fn annotations_carry_file_line_column_and_rule() {
        let (redactor, _) = Redactor::new(["hunter22"]);
        let mut out = Vec::new();
        write_summary(&mut out, &[finding()], false, true, &redactor).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("::error file=./sql/a.sql,line=2,col=5,title=FS004 literal-secret::option 'x' holds ***\n"),
            "{text}"
        );
        assert!(text.ends_with("1 errors, 0 warnings, 0 notes: check failed\n"));
    }
}
