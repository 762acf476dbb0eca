//! Secrets: which variables are secret, and masking their values in everything we write.
//!
//! Masking happens at the output boundary (`RedactWriter` around stdout, stderr and report files)
//! so that no renderer, log line or echoed gateway error can forget it.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

/// What a masked value is replaced with.
pub const MASK: &str = "***";

/// Values this short cannot be masked by search without mangling output.
const MIN_MASKABLE: usize = 3;

/// A variable is secret when its name says so, or when `FLINK_SQL_SECRETS` lists it.
pub fn is_secret_name(name: &str, listed: &[String]) -> bool {
    static PATTERN: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let re = PATTERN.get_or_init(|| {
        Regex::new("(?i)PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|USER_INFO|JAAS")
            .expect("valid regex")
    });
    re.is_match(name) || listed.iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// Parses `FLINK_SQL_SECRETS` (comma or whitespace separated names).
pub fn listed_names(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Replaces every occurrence of every secret value with `***`.
#[derive(Clone, Default)]
pub struct Redactor {
    matcher: Option<Arc<AhoCorasick>>,
    /// The maskable values it was built from, so that more can be added (`with_values`).
    values: Arc<Vec<String>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor(***)")
    }
}

impl Redactor {
    /// Builds a redactor. Returns it with the values that were too short to mask (the caller warns,
    /// naming the variable, never the value).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> (Redactor, Vec<&'a str>) {
        let mut maskable: Vec<String> = Vec::new();
        let mut too_short = Vec::new();
        for value in values {
            if value.is_empty() {
                continue;
            }
            if value.chars().count() < MIN_MASKABLE {
                too_short.push(value);
                continue;
            }
            maskable.push(value.to_owned());
        }
        (Redactor::of(maskable), too_short)
    }

    /// This redactor masking `more` too (values too short to mask are left out): for secrets
    /// that are not variables, such as a password in a URL.
    pub fn with_values<'a>(&self, more: impl IntoIterator<Item = &'a str>) -> Redactor {
        let extra: Vec<&str> = more
            .into_iter()
            .filter(|v| v.chars().count() >= MIN_MASKABLE)
            .collect();
        if extra.is_empty() {
            return self.clone();
        }
        let values = self.values.iter().map(String::as_str).chain(extra);
        Redactor::of(values.map(str::to_owned).collect())
    }

    fn of(values: Vec<String>) -> Redactor {
        let mut needles: Vec<String> = values.iter().flat_map(|v| spellings(v)).collect();
        needles.retain(|n| n.chars().count() >= MIN_MASKABLE);
        needles.sort();
        needles.dedup();
        if needles.is_empty() {
            return Redactor::default();
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&needles)
            .expect("secret patterns build");
        Redactor {
            matcher: Some(Arc::new(matcher)),
            values: Arc::new(values),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    /// The text with every secret masked; borrows when there is nothing to mask.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match &self.matcher {
            Some(m) if m.is_match(text) => {
                Cow::Owned(m.replace_all(text, &vec![MASK; m.patterns_len()]))
            }
            _ => Cow::Borrowed(text),
        }
    }

    fn redact_bytes<'t>(&self, bytes: &'t [u8]) -> Cow<'t, [u8]> {
        match &self.matcher {
            Some(m) if m.is_match(bytes) => {
                Cow::Owned(m.replace_all_bytes(bytes, &vec![MASK.as_bytes(); m.patterns_len()]))
            }
            _ => Cow::Borrowed(bytes),
        }
    }
}

/// Every way a value can appear in what we write: each spelling substitution can produce (SQL `''`
/// doubling, JAAS and C-style escapes, identifier quoting, and each as Flink's parser quotes it in
/// a parse error — taken from the substitution engine so the two never drift apart), JSON-escaped, each of those CSV-quoted (`"` doubled: a csv field, also
/// one holding a ROW/ARRAY/MAP as JSON), and each line of a multi-line value.
fn spellings(value: &str) -> Vec<String> {
    let mut all = crate::script::substitute::escaped_forms(value);
    let json: Vec<String> = all.iter().map(|form| json_escaped(form)).collect();
    all.extend(json);
    let csv: Vec<String> = all
        .iter()
        .filter(|form| form.contains('"'))
        .map(|form| form.replace('"', "\"\""))
        .collect();
    all.extend(csv);
    if value.contains('\n') {
        all.extend(value.lines().map(|l| l.trim().to_owned()));
    }
    all
}

/// The text as it appears inside a JSON string (without the surrounding quotes).
fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_owned()
}

/// A writer that masks secrets. It holds bytes back until a line ends (or `flush`), so a secret
/// split across two `write` calls is still found.
pub struct RedactWriter<W: Write> {
    inner: W,
    redactor: Redactor,
    pending: Vec<u8>,
}

impl<W: Write> RedactWriter<W> {
    pub fn new(inner: W, redactor: Redactor) -> Self {
        RedactWriter {
            inner,
            redactor,
            pending: Vec::new(),
        }
    }

    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    fn write_lines(&mut self) -> io::Result<()> {
        if let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') {
            let rest = self.pending.split_off(end + 1);
            let done = std::mem::replace(&mut self.pending, rest);
            self.inner.write_all(&self.redactor.redact_bytes(&done))?;
        }
        Ok(())
    }
}

impl<W: Write> Write for RedactWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.redactor.is_empty() {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        if buf.contains(&b'\n') {
            self.write_lines()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let done = std::mem::take(&mut self.pending);
            self.inner.write_all(&self.redactor.redact_bytes(&done))?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_secret_are_secret() {
        for name in [
            "KAFKA_PASSWORD",
            "sql_gateway_token",
            "SR_USER_INFO",
            "KAFKA_JAAS_CONFIG",
            "MY_API_KEY",
        ] {
            assert!(is_secret_name(name, &[]), "{name}");
        }
        assert!(!is_secret_name("KAFKA_ENV", &[]));
        assert!(is_secret_name(
            "KAFKA_USERNAME",
            &listed_names(Some("OTHER, kafka_username"))
        ));
    }

    #[test]
    fn every_occurrence_is_masked_inside_longer_strings() {
        let (r, short) = Redactor::new(["s3cr;t"]);
        assert!(short.is_empty());
        let jaas = r#"ScramLoginModule required username="u" password="s3cr;t"; again s3cr;t"#;
        assert_eq!(
            r.redact(jaas),
            r#"ScramLoginModule required username="u" password="***"; again ***"#
        );
    }

    #[test]
    fn escaped_spellings_are_masked_too() {
        let (r, _) = Redactor::new([r#"a'b"c\d"#]);
        assert_eq!(r.redact("x 'a''b\"c\\d' y"), "x '***' y");
        assert_eq!(r.redact(r#"password="a'b\"c\\d""#), r#"password="***""#);
        assert_eq!(r.redact(r#"{"sql":"a'b\"c\\d"}"#), r#"{"sql":"***"}"#);
    }

    #[test]
    fn csv_quoted_spellings_are_masked_also_inside_json() {
        let (r, _) = Redactor::new([r#"a'b"c\d"#]);
        assert_eq!(r.redact(r#"+I,"a'b""c\d""#), r#"+I,"***""#);
        assert_eq!(
            r.redact(r#"+I,"{""s"":""a'b\""c\\d""}""#),
            r#"+I,"{""s"":""***""}""#
        );
    }

    #[test]
    fn the_parsers_escaped_spellings_are_masked_also_inside_json() {
        let (r, _) = Redactor::new(["S'écret-ü\"x\\"]);
        let parse_error = r#"Encountered "\'S\'\'\u00e9cret-\u00fc\"x\\\'" at line 1, column 8."#;
        assert_eq!(
            r.redact(parse_error),
            r#"Encountered "\'***\'" at line 1, column 8."#
        );
        let json = serde_json::to_string(parse_error).unwrap();
        assert_eq!(
            r.redact(&json),
            r#""Encountered \"\\'***\\'\" at line 1, column 8.""#
        );
    }

    #[test]
    fn values_added_later_are_masked_with_the_first_ones() {
        let (r, _) = Redactor::new(["hunter22"]);
        let r = r.with_values(["pw-in-url", "ab"]);
        assert_eq!(
            r.redact("http://u:pw-in-url@h hunter22 ab"),
            "http://u:***@h *** ab"
        );
    }

    #[test]
    fn too_short_values_are_reported_not_masked() {
        let (r, short) = Redactor::new(["ab", "longer"]);
        assert_eq!(short, vec!["ab"]);
        assert_eq!(r.redact("ab longer"), "ab ***");
    }

    #[test]
    fn writer_masks_a_secret_split_across_writes() {
        let (r, _) = Redactor::new(["hunter22"]);
        let mut w = RedactWriter::new(Vec::new(), r);
        w.write_all(b"pass=hun").unwrap();
        w.write_all(b"ter22\nnext hunter").unwrap();
        w.write_all(b"22").unwrap();
        w.flush().unwrap();
        assert_eq!(
            String::from_utf8(w.get_ref().clone()).unwrap(),
            "pass=***\nnext ***"
        );
    }
}
