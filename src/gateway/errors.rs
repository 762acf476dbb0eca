//! Flink's server-side traces reduced to one line a user can act on, plus where it points.
//!
//! The gateway answers errors as `{"errors": ["Internal server error.", "<Exception on server
//! side:\n<java trace with Caused by: chain>\n\nEnd of exception on server side>"]}`, and the
//! JobManager keeps a failed job's trace in `/jobs/{id}/exceptions`. Both go through [`from_trace`].
//! The root cause alone (what Flink's own SQL client shows) often drops what a user needs: which
//! table, option and value, or the exception class when the message is a bare path. So the line
//! is the root cause, led by the outer causes that name something it does not.

use std::sync::OnceLock;

use regex::Regex;

/// Longest root cause we show on one line; the full trace stays available for `-v`.
const MAX_MESSAGE: usize = 400;

/// A server-side error, reduced to what a user reads first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// One line: the root cause.
    pub message: String,
    /// `line X, column Y` the root cause (or a cause close to it) points at, relative to the SQL sent.
    pub line_col: Option<(usize, usize)>,
    /// Everything the server said, for `-v`.
    pub detail: String,
}

impl ServerError {
    /// The gateway no longer knows our session (restarted, or idle too long): nothing a statement
    /// did wrong, and nothing after it can run.
    pub fn is_session_lost(&self) -> bool {
        self.message.starts_with("Session '") && self.message.ends_with("' does not exist.")
    }

    /// configure-session refused the statement's kind before running anything (a kind this
    /// gateway does not run there): it can be submitted as an operation instead.
    pub fn is_unsupported_configure(&self) -> bool {
        self.message
            .starts_with("Unsupported statement for configuring session")
    }
}

/// Reads an error body (`{"errors": [...]}` or anything else) into a `ServerError`.
pub fn parse(body: &str) -> ServerError {
    let errors = match serde_json::from_str::<super::wire::ErrorBody>(body) {
        Ok(b) if !b.errors.is_empty() => b.errors,
        _ => vec![body.trim().to_owned()],
    };
    let trace = errors.iter().find(|e| is_trace(e)).map(|t| unwrap_trace(t));
    match trace {
        Some(trace) => from_trace(trace),
        None => {
            let text = errors.join("; ");
            ServerError {
                message: explain(one_line(&text)),
                line_col: line_col(&text),
                detail: text,
            }
        }
    }
}

/// Adds what we know about errors whose own text does not help.
fn explain(message: String) -> String {
    if message.contains("Could not map response to JSON") {
        return format!(
            "{message} (the gateway cannot write this result as JSON, e.g. a MAP with non-STRING keys: \
             CAST such columns to STRING)"
        );
    }
    message
}

/// Reduces a Java stack trace to one line: its root cause and the causes around it that name
/// something (see [`summary`]).
pub fn from_trace(trace: &str) -> ServerError {
    let causes = causes(trace);
    let message = summary(&causes).unwrap_or_else(|| one_line(trace));
    let line_col = causes.iter().rev().find_map(|c| line_col(&c.message));
    ServerError {
        message,
        line_col,
        detail: trace.to_owned(),
    }
}

fn is_trace(e: &str) -> bool {
    e.contains("\tat ") || e.contains("Caused by:") || e.starts_with("<Exception on server side")
}

fn unwrap_trace(t: &str) -> &str {
    let t = t.trim();
    let t = t.strip_prefix("<Exception on server side:").unwrap_or(t);
    let t = t
        .strip_suffix("End of exception on server side>")
        .unwrap_or(t);
    t.trim()
}

/// One exception of the chain: its class and the message lines before its first frame.
#[derive(Debug)]
struct Cause {
    class: String,
    message: String,
}

fn causes(trace: &str) -> Vec<Cause> {
    let mut causes = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in trace.lines() {
        if let Some(rest) = line.strip_prefix("Caused by: ") {
            causes.extend(current.take().map(|lines| cause(&lines)));
            current = Some(vec![rest]);
        } else if is_frame(line) {
            causes.extend(current.take().map(|lines| cause(&lines)));
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        } else if causes.is_empty() {
            current = Some(vec![line]);
        }
    }
    causes.extend(current.map(|lines| cause(&lines)));
    causes
}

/// `\tat frame`, `\t... 12 more`, and the `Suppressed:` blocks Java prints between them.
fn is_frame(line: &str) -> bool {
    let t = line.trim_start();
    line.starts_with(char::is_whitespace)
        && (t.starts_with("at ") || t.starts_with("... ") || t.starts_with("Suppressed:"))
}

fn cause(lines: &[&str]) -> Cause {
    let text = lines.join("\n");
    let (class, message) = split_class(&text);
    Cause {
        class: class.to_owned(),
        message: message.trim().to_owned(),
    }
}

/// `org.x.FooException: message` → (`org.x.FooException`, `message`).
fn split_class(text: &str) -> (&str, &str) {
    match text.split_once(": ") {
        Some((class, msg)) if looks_like_class(class) => (class, msg),
        _ if looks_like_class(text.trim()) => (text.trim(), ""),
        _ => ("", text),
    }
}

/// `org.x.Foo$Bar` or a bare `SomeException`.
fn looks_like_class(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(([a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*|[A-Z][\w$]*(Exception|Error|Throwable))$")
            .expect("valid regex")
    });
    re.is_match(s)
}

/// Most causes one line shows: the root and the outer ones that name something it does not.
const MAX_PARTS: usize = 3;

/// Outer causes that name something (a source, an operator id) yet only say that Flink handed the
/// failure on: the cause below them says what happened.
const PLUMBING: [&str; 1] = ["Global failure triggered by OperatorCoordinator"];

/// The chain in one line, outermost first, joined by `: ` as Java does. The root is the last
/// cause whose message says something (a message that only repeats a wrapped exception,
/// `java.lang.RuntimeException: org.x.Y: msg`, says what `Y` says, so it counts too); a bare
/// path or name gets its exception class. Walking outwards, a cause is kept only when it names a
/// table, option, value, topic or path (quoted, bracketed or a path) that no kept cause names:
/// Flink's generic wrappers ("Failed to fetchResults.", "Job execution failed.") name nothing,
/// and a wrapper that repeats its cause's text adds nothing.
fn summary(causes: &[Cause]) -> Option<String> {
    let root = (0..causes.len())
        .rposition(|i| says_something(causes, i))
        .or(causes.len().checked_sub(1))?;
    let mut parts = vec![root_text(&causes[root])];
    for c in causes[..root].iter().rev() {
        if parts.len() == MAX_PARTS {
            break;
        }
        let text = part_text(&c.message);
        let new_name = names(&text)
            .iter()
            .any(|n| !parts.iter().any(|p| p.contains(n.as_str())));
        if new_name && !PLUMBING.iter().any(|p| text.starts_with(p)) {
            parts.push(text);
        }
    }
    let last = parts.len() - 1;
    let joined = parts
        .iter()
        .rev()
        .enumerate()
        .map(|(i, p)| if i < last { p.trim_end_matches('.') } else { p })
        .collect::<Vec<_>>()
        .join(": ");
    Some(truncate(joined))
}

/// The root cause's message; its exception class (short) when the message alone is a bare path
/// or name (`NoSuchFileException: /etc/x.jks`), or is empty.
fn root_text(cause: &Cause) -> String {
    let (class, message) = innermost_class(&cause.class, &cause.message);
    let bare = squeeze(message);
    if bare.is_empty() || bare == "null" {
        short_class(class).to_owned()
    } else if !bare.contains(char::is_whitespace) && !class.is_empty() {
        // A bare name is the whole point here: keep its package (shaded or not matters).
        format!("{}: {bare}", short_class(class))
    } else {
        part_text(message)
    }
}

/// The class a message really comes from: `x.Wrapper: y.Inner: msg` is `y.Inner`'s `msg`.
fn innermost_class<'a>(class: &'a str, message: &'a str) -> (&'a str, &'a str) {
    let (mut class, mut m) = (class, message);
    while let Some((c, rest)) = m.split_once(": ") {
        if !looks_like_class(c) {
            break;
        }
        (class, m) = (c, rest);
    }
    (class, m)
}

/// One cause's message on one line, without what belongs only in the full trace: the repeated
/// class of a wrapped exception, the table's whole option list (secrets included), the parser's
/// list of expected tokens. Qualified class names inside the text shrink to their last segment.
fn part_text(message: &str) -> String {
    let m = strip_nested_class(message);
    let m = m.split("Table options are:").next().unwrap_or(m);
    let m = squeeze(m);
    shorten_classes(&m).trim().to_owned()
}

/// The things a message names: `'quoted'`, `"quoted"`, `` `quoted` ``, `[bracketed]`, `/a/path`.
fn names(text: &str) -> Vec<String> {
    name_spans(text)
        .map(|r| text[r].trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect()
}

fn name_spans(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r#"(?:^|[^\w])(?:'([^']+)'|"([^"]+)"|`([^`]+)`|\[([^\]]+)\]|(/[^\s:,;'"]+))"#)
            .expect("valid regex")
    });
    re.captures_iter(text)
        .filter_map(|c| (1..=5).find_map(|i| c.get(i)))
        .map(|m| m.range())
}

/// `org.apache.flink.….KafkaConnectorOptions$ScanStartupMode` → `ScanStartupMode`: the package
/// says nothing on one line. Only JVM packages, and never inside a name: a topic called
/// `org.shop.Orders` stays whole.
fn shorten_classes(text: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"\b(?:org|java|javax|jdk|com|io)(?:\.[a-z_][a-z0-9_]*)+\.(?:[A-Z]\w*\$)*([A-Z][\w$]*)",
        )
        .expect("valid regex")
    });
    let spans: Vec<_> = name_spans(text).collect();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for c in re.captures_iter(text) {
        let (whole, short) = (c.get(0).expect("match"), c.get(1).expect("group"));
        if spans
            .iter()
            .any(|s| s.start < whole.end() && whole.start() < s.end)
        {
            continue;
        }
        out.push_str(&text[last..whole.start()]);
        out.push_str(short.as_str());
        last = whole.end();
    }
    out.push_str(&text[last..]);
    out
}

/// A message says something unless it is empty, `null`, or only names the exception it wraps
/// (Java's `new RuntimeException(cause)` takes the cause's class as its message). A class name
/// that is not the next cause's is a bare name worth showing (`ClassNotFoundException: org.x.Y`).
fn says_something(causes: &[Cause], i: usize) -> bool {
    let m = strip_nested_class(&causes[i].message).trim();
    let wraps_next = causes.get(i + 1).is_some_and(|next| next.class == m);
    !m.is_empty()
        && m != "null"
        && !wraps_next
        && !(looks_like_class(m) && (m.ends_with("Exception") || m.ends_with("Error")))
}

fn strip_nested_class(message: &str) -> &str {
    let mut m = message;
    while let Some((class, rest)) = m.split_once(": ") {
        if !looks_like_class(class) {
            break;
        }
        m = rest;
    }
    m
}

fn short_class(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

/// Squeezes a multi-line message into one line. Parser messages list every expected token
/// after `Was expecting`; that list helps nobody on one line, so it goes (it stays in `detail`).
fn one_line(text: &str) -> String {
    truncate(squeeze(text))
}

fn squeeze(text: &str) -> String {
    let cut = ["Was expecting one of:", "Was expecting:"]
        .iter()
        .filter_map(|p| text.find(p))
        .min();
    let text = &text[..cut.unwrap_or(text.len())];
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(mut s: String) -> String {
    if s.chars().count() > MAX_MESSAGE {
        let end = s
            .char_indices()
            .nth(MAX_MESSAGE)
            .map_or(s.len(), |(i, _)| i);
        s.truncate(end);
        s.push('…');
    }
    s
}

/// The first `line X, column Y` in a message.
pub fn line_col(message: &str) -> Option<(usize, usize)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"line (\d+), column (\d+)").expect("valid regex"));
    let caps = re.captures(message)?;
    Some((caps[1].parse().ok()?, caps[2].parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALIDATION: &str = "org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.
\tat org.apache.flink.table.gateway.rest.handler.statement.FetchResultsHandler.handleRequest(FetchResultsHandler.java:91)
Caused by: org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 15 to line 1, column 21: Object 'missing' not found
\tat org.apache.flink.table.planner.calcite.FlinkPlannerImpl.validate(FlinkPlannerImpl.scala:200)
\t... 12 more
Caused by: org.apache.calcite.runtime.CalciteContextException: From line 1, column 15 to line 1, column 21: Object 'missing' not found
\tat java.base/jdk.internal.reflect.NativeConstructorAccessorImpl.newInstance0(Native Method)
Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Object 'missing' not found
\tat java.base/jdk.internal.reflect.NativeConstructorAccessorImpl.newInstance0(Native Method)
\t... 30 more
";

    #[test]
    fn last_cause_with_a_message_wins_and_position_comes_from_a_cause_that_has_one() {
        let e = from_trace(VALIDATION);
        assert_eq!(e.message, "Object 'missing' not found");
        assert_eq!(e.line_col, Some((1, 15)));
        assert!(e.detail.contains("FlinkPlannerImpl"));
    }

    #[test]
    fn causes_without_a_message_are_passed_over() {
        let t = "x.A: outer\n\tat a.b(C.java:1)\nCaused by: x.B: the real reason\n\tat a\nCaused by: java.lang.NullPointerException\n\tat b\n";
        assert_eq!(from_trace(t).message, "the real reason");
    }

    #[test]
    fn parse_errors_drop_the_expected_token_list() {
        let t = "x.SqlGatewayException: Failed\n\tat a\nCaused by: org.apache.flink.sql.parser.impl.ParseException: Encountered \"FORM\" at line 2, column 10.\nWas expecting one of:\n    <EOF> \n    \"EXCEPT\" ...\n\tat b\n";
        let e = from_trace(t);
        assert_eq!(e.message, "Encountered \"FORM\" at line 2, column 10.");
        assert_eq!(e.line_col, Some((2, 10)));
    }

    #[test]
    fn multi_line_messages_become_one_line() {
        let t = "Caused by: org.apache.flink.table.api.ValidationException: One or more required options are missing.\n\nMissing required options are:\n\nhostname\n\tat x\n";
        assert_eq!(
            from_trace(t).message,
            "One or more required options are missing. Missing required options are: hostname"
        );
    }

    #[test]
    fn error_bodies_are_unwrapped() {
        let body = serde_json::json!({"errors": ["Internal server error.", format!("<Exception on server side:\n{VALIDATION}\nEnd of exception on server side>")]});
        let e = parse(&body.to_string());
        assert_eq!(e.message, "Object 'missing' not found");
        assert!(!e.detail.contains("End of exception"));
    }

    #[test]
    fn unserializable_results_get_a_hint() {
        let e = parse(r#"{"errors":["Internal server error. Could not map response to JSON."]}"#);
        assert!(e
            .message
            .starts_with("Internal server error. Could not map response to JSON. (the gateway"));
    }

    /// The trace the client reads from a recorded exchange (docs/gateway-transcripts, recorded
    /// by `capture.sh` against the real stack): a statement's error body, or a job's latest
    /// exception from `/jobs/{id}/exceptions`.
    fn recorded(name: &str) -> ServerError {
        let path = format!(
            "{}/docs/gateway-transcripts/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let exchange: serde_json::Value = serde_json::from_str(&text).unwrap();
        let response = &exchange["response"];
        match response["exceptionHistory"]["entries"][0]["stacktrace"].as_str() {
            Some(trace) => from_trace(trace),
            None => parse(&response.to_string()),
        }
    }

    #[test]
    fn a_missing_truststore_names_the_exception_not_just_the_path() {
        let e = recorded("e01-missing-truststore-job-exceptions");
        assert_eq!(
            e.message,
            "NoSuchFileException: /etc/kafka/secrets/missing.truststore.jks"
        );
        assert!(e.detail.contains("Failed to load SSL keystore"));
    }

    #[test]
    fn a_bad_enum_value_names_the_table_the_option_and_the_value() {
        let e = recorded("e02-bad-enum-insert-result-00");
        assert_eq!(
            e.message,
            "Unable to create a source for reading table 'default_catalog.default_database.orders_enum': \
             Could not parse value 'earliest' for key 'scan.startup.mode': \
             Could not parse value for enum class ScanStartupMode. \
             Expected one of: [[earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets]]"
        );
        // The table's option list stays in the full trace only.
        assert!(!e.message.contains("Table options"));
        assert!(e.detail.contains("Table options are:"));
    }

    #[test]
    fn an_unknown_topic_names_the_topic() {
        let e = recorded("e03-unknown-topic-job-exceptions");
        let topics = Regex::new(r"^Failed to get metadata for topics \[local\.capture\.public\.no_such_topic_\d+\]: This server does not host this topic-partition\.$").unwrap();
        assert!(topics.is_match(&e.message), "{}", e.message);
    }

    #[test]
    fn a_wrong_password_names_the_topic_it_was_reading() {
        let e = recorded("k09-select-wrong-password-result-01");
        assert_eq!(
            e.message,
            "Failed to get metadata for topics [local.capture.public.orders_1795687131]: \
             Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512"
        );
    }

    #[test]
    fn wrappers_that_name_nothing_new_stay_out() {
        let nope = recorded("12-select-nope-result-00");
        assert_eq!(nope.message, "Object 'nope' not found");
        assert_eq!(nope.line_col, Some((1, 15)));
        assert_eq!(
            recorded("32-create-existing-result-00").message,
            "Table (or view) default_database.src already exists in Catalog default_catalog."
        );
        assert_eq!(
            recorded("13-syntax-error-result-00").message,
            "Incorrect syntax near the keyword 'WHERE' at line 2, column 6."
        );
        assert_eq!(
            recorded("91-session-after-delete").message,
            "Session 'd5f32864-f00d-45a2-b1b8-c329c3ffca1e' does not exist."
        );
    }

    #[test]
    fn a_class_name_that_is_not_the_next_cause_is_a_bare_name_worth_its_class() {
        let t = "x.A: Could not load the login module\n\tat a\nCaused by: java.lang.ClassNotFoundException: org.apache.kafka.common.security.scram.ScramLoginModule\n\tat b\n";
        assert_eq!(
            from_trace(t).message,
            "ClassNotFoundException: org.apache.kafka.common.security.scram.ScramLoginModule"
        );
        let wrapped =
            "java.lang.RuntimeException: x.Boom\n\tat a\nCaused by: x.Boom: it broke\n\tat b\n";
        assert_eq!(from_trace(wrapped).message, "it broke");
    }

    #[test]
    fn at_most_three_causes_share_the_line() {
        let t = "x.A: in 'a'\n\tat a\nCaused by: x.B: in 'b'\n\tat b\nCaused by: x.C: in 'c'\n\tat c\nCaused by: x.D: in 'd'\n";
        assert_eq!(from_trace(t).message, "in 'b': in 'c': in 'd'");
    }

    #[test]
    fn topics_that_look_like_packages_keep_their_name() {
        let t = "x.A: Failed to get metadata for topics [org.shop.public.Orders]\n\tat a\nCaused by: x.B: not there\n";
        assert_eq!(
            from_trace(t).message,
            "Failed to get metadata for topics [org.shop.public.Orders]: not there"
        );
    }

    #[test]
    fn plain_errors_are_joined() {
        let e = parse(r#"{"errors":["Not found: /v9/info"]}"#);
        assert_eq!(e.message, "Not found: /v9/info");
        assert_eq!(
            parse("<html>bad gateway</html>").message,
            "<html>bad gateway</html>"
        );
    }
}
