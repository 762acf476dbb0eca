//! The manifests: templates in `deploy/`, embedded in the binary, rendered with the same
//! substitution engine as SQL. A line ending in `#@when KEY=VALUE [KEY=VALUE…]` (or `#@when KEY`,
//! meaning set and not `false`) is kept only when every condition holds; the marker is removed.

use crate::profile::Vars;
use crate::script::{self, Diagnostic};

/// One template file.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    pub file: &'static str,
    pub text: &'static str,
}

macro_rules! template {
    ($file:literal) => {
        Template {
            file: $file,
            text: include_str!(concat!("../../deploy/", $file)),
        }
    };
}

pub const NAMESPACE: Template = template!("00-namespace.yaml");
pub const IDENTITY: Template = template!("10-identity.yaml");
pub const QUOTA: Template = template!("20-quota.yaml");
pub const NETWORK_POLICIES: Template = template!("30-network-policies.yaml");
pub const KAFKA_SECRET: Template = template!("40-kafka-secret.yaml");
pub const FLINK_SESSION: Template = template!("50-flink-session.yaml");
pub const SQL_GATEWAY: Template = template!("60-sql-gateway.yaml");

/// Every template, in apply order.
pub const ALL: [Template; 7] = [
    NAMESPACE,
    IDENTITY,
    QUOTA,
    NETWORK_POLICIES,
    KAFKA_SECRET,
    FLINK_SESSION,
    SQL_GATEWAY,
];

/// A rendered template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub file: &'static str,
    pub text: String,
    /// Kind and name of each object, in order.
    pub objects: Vec<ObjectRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
}

impl ObjectRef {
    /// `kind/name` as kubectl takes it.
    pub fn arg(&self) -> String {
        format!("{}/{}", self.kind.to_lowercase(), self.name)
    }
}

/// Renders one template.
pub fn render(template: Template, vars: &Vars) -> Result<Manifest, Vec<Diagnostic>> {
    let selected = select_lines(template.text, vars);
    let name = format!("deploy/{}", template.file);
    let text = script::substitute::render_template(&name, &selected, vars)?;
    let objects = objects(&text);
    Ok(Manifest {
        file: template.file,
        text,
        objects,
    })
}

/// Sets `key: "value"` pairs in the FlinkDeployment's `flinkConfiguration`: a key the template
/// already has gets the new value in place, others are added at the end of the block. Every value
/// is a YAML string, as the operator requires.
pub fn set_flink_configuration(text: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return text.to_owned();
    }
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let Some(start) = lines.iter().position(|l| l == "  flinkConfiguration:") else {
        return text.to_owned();
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.is_empty() && !l.starts_with("    "))
        .map_or(lines.len(), |i| start + 1 + i);
    let mut added = Vec::new();
    for (key, value) in pairs {
        let line = format!("    {key}: {}  # FLINK_CONFIGURATION", yaml_string(value));
        let prefix = format!("    {key}: ");
        match lines[start + 1..end]
            .iter()
            .position(|l| l.starts_with(&prefix))
        {
            Some(i) => lines[start + 1 + i] = line,
            None => added.push(line),
        }
    }
    lines.splice(end..end, added);
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn yaml_string(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The `pod-security.kubernetes.io/*` labels of a rendered namespace manifest.
pub fn pod_security_labels(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("pod-security.kubernetes.io/"))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

/// Applies `#@when` markers.
pub fn select_lines(text: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        match body.split_once("#@when ") {
            Some((code, conditions)) => {
                if conditions.split_whitespace().all(|c| holds(c, vars)) {
                    out.push_str(code.trim_end());
                    out.push_str(newline);
                }
            }
            None => {
                out.push_str(body);
                out.push_str(newline);
            }
        }
    }
    out
}

fn holds(condition: &str, vars: &Vars) -> bool {
    match condition.split_once('=') {
        Some((key, expected)) => vars.get(key) == Some(expected),
        None => vars
            .get(condition)
            .is_some_and(|v| !v.is_empty() && v != "false"),
    }
}

/// Kind and `metadata.name` of each document (our templates keep both at fixed indentation).
fn objects(text: &str) -> Vec<ObjectRef> {
    let mut found = Vec::new();
    for doc in text.split("\n---\n") {
        let mut kind = None;
        let mut name = None;
        let mut in_metadata = false;
        for line in doc.lines() {
            if let Some(k) = line.strip_prefix("kind: ") {
                kind = Some(k.trim().to_owned());
            }
            if !line.starts_with(' ') {
                in_metadata = line.starts_with("metadata:");
            } else if in_metadata && name.is_none() {
                if let Some(n) = line.strip_prefix("  name: ") {
                    name = Some(n.trim().to_owned());
                }
            }
        }
        if let (Some(kind), Some(name)) = (kind, name) {
            found.push(ObjectRef { kind, name });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Origin;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        let mut v = Vars::default();
        for (k, val) in pairs {
            v.insert(*k, *val, Origin::Profile);
        }
        v
    }

    #[test]
    fn when_markers_keep_or_drop_lines() {
        let text = "a: 1\nb: 2  #@when CLOUD=gcp\nc: 3  #@when CLOUD=azure\nd: 4  #@when SPOT=true CLOUD=gcp\ne: 5  #@when CIDR\n";
        let gcp = select_lines(text, &vars(&[("CLOUD", "gcp"), ("SPOT", "true")]));
        assert_eq!(gcp, "a: 1\nb: 2\nd: 4\n");
        let azure = select_lines(text, &vars(&[("CLOUD", "azure"), ("CIDR", "10.0.0.0/8")]));
        assert_eq!(azure, "a: 1\nc: 3\ne: 5\n");
        let empty = select_lines(text, &vars(&[("CIDR", "")]));
        assert_eq!(empty, "a: 1\n");
    }

    #[test]
    fn flink_configuration_pairs_replace_in_place_or_are_added_at_the_end_of_the_block() {
        let text = "spec:\n  flinkConfiguration:\n    # c\n    taskmanager.numberOfTaskSlots: \"4\"\n    web.history: \"50\"\n  jobManager:\n    replicas: 1\n";
        let pairs = vec![
            ("taskmanager.numberOfTaskSlots".to_owned(), "3".to_owned()),
            (
                "taskmanager.memory.network.fraction".to_owned(),
                "0.15".to_owned(),
            ),
            ("env.java.opts".to_owned(), r#"-Da="b\c""#.to_owned()),
        ];
        let got = set_flink_configuration(text, &pairs);
        assert_eq!(
            got,
            "spec:\n  flinkConfiguration:\n    # c\n    taskmanager.numberOfTaskSlots: \"3\"  # FLINK_CONFIGURATION\n    web.history: \"50\"\n    taskmanager.memory.network.fraction: \"0.15\"  # FLINK_CONFIGURATION\n    env.java.opts: \"-Da=\\\"b\\\\c\\\"\"  # FLINK_CONFIGURATION\n  jobManager:\n    replicas: 1\n"
        );
        assert_eq!(set_flink_configuration(text, &[]), text);
    }

    #[test]
    fn objects_are_found_per_document() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  labels:\n    name: x\n---\nkind: Role\nmetadata:\n  namespace: ns\n  name: r\nrules: []\n";
        let refs = objects(text);
        assert_eq!(
            refs,
            vec![
                ObjectRef {
                    kind: "Namespace".into(),
                    name: "ns".into()
                },
                ObjectRef {
                    kind: "Role".into(),
                    name: "r".into()
                },
            ]
        );
        assert_eq!(refs[1].arg(), "role/r");
    }

    #[test]
    fn every_template_marker_names_a_known_key() {
        let known: Vec<&str> = crate::deploy::config::template_keys().collect();
        for t in ALL {
            for line in t.text.lines() {
                if let Some((_, conditions)) = line.split_once("#@when ") {
                    for c in conditions.split_whitespace() {
                        let key = c.split('=').next().unwrap();
                        assert!(known.contains(&key), "{}: unknown key {key}", t.file);
                    }
                }
            }
        }
    }
}
