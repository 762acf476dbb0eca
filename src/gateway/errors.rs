//! Root causes from Flink's server-side traces: the one line a user needs, plus where it points.
//!
//! The gateway answers errors as `{"errors": ["Internal server error.", "<Exception on server
//! side:\n<java trace with Caused by: chain>\n\nEnd of exception on server side>"]}`. Like Flink's
//! own SQL client we show the last `Caused by:` whose message says something, cut before its
//! first stack frame.

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

/// Reduces a Java stack trace to its root cause.
pub fn from_trace(trace: &str) -> ServerError {
    let causes = causes(trace);
    let message = root_cause(&causes).unwrap_or_else(|| one_line(trace));
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

/// The last cause whose message says something. A message that only repeats a wrapped
/// exception (`java.lang.RuntimeException: org.x.Y: msg`) says what `Y` says, so it counts too.
fn root_cause(causes: &[Cause]) -> Option<String> {
    let said = causes.iter().rev().find(|c| says_something(&c.message));
    let chosen = said.or(causes.last())?;
    let text = if chosen.message.is_empty() {
        short_class(&chosen.class)
    } else {
        &chosen.message
    };
    Some(one_line(strip_nested_class(text)))
}

fn says_something(message: &str) -> bool {
    let m = strip_nested_class(message).trim();
    !m.is_empty() && m != "null" && !looks_like_class(m)
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
    let cut = ["Was expecting one of:", "Was expecting:"]
        .iter()
        .filter_map(|p| text.find(p))
        .min();
    let text = &text[..cut.unwrap_or(text.len())];
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(squeezed)
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
