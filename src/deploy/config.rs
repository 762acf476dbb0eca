//! The deployment profile: every key `deploy` reads, its default, and the check its value must
//! pass before anything is rendered or run. `template_vars` is the only map templates see, so a
//! template cannot pick up a stray variable from the process environment.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use regex::Regex;

use crate::error::CliError;
use crate::profile::{Origin, Vars};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Gcp,
    Azure,
}

/// The values a check accepts, described for the error message.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// A DNS-1123 label: lowercase letters, digits, '-'.
    Name,
    /// A whole number ≥ 0.
    Count,
    /// CPU cores, e.g. 0.5 or 2.
    Cpu,
    /// A Kubernetes quantity, e.g. 8Gi or 500m.
    Quantity,
    /// A Flink memory size, e.g. 2048m or 8g.
    FlinkMemory,
    Bool,
    /// An IPv4 CIDR.
    Cidr,
    OneOf(&'static [&'static str]),
    /// A container image reference.
    Image,
    /// Text without spaces, quotes, '#', or control characters (ids, paths, e-mail addresses).
    Word,
    /// A `Word`, or empty to turn the feature off.
    OptionalWord,
    /// A comma-separated list of TCP ports.
    Ports,
    Duration,
    /// An absolute file path in the container whose folder may be mounted over.
    MountPath,
    /// A taint to tolerate: `key=value:Effect` or `key:Effect`.
    Toleration,
    /// A node label `key=value`, or empty for none.
    NodeLabel,
    /// `key=value` pairs of Flink configuration, separated by commas or newlines.
    FlinkConf,
    /// An image digest `sha256:<64 hex>`, or empty.
    Digest,
}

#[derive(Debug, Clone, Copy)]
enum Fallback {
    None,
    Value(&'static str),
    PerCloud(&'static str, &'static str),
}

/// One profile key.
struct Key {
    name: &'static str,
    check: Check,
    default: Fallback,
    /// Needed only for this cloud; ignored otherwise.
    cloud: Option<Cloud>,
}

const fn key(name: &'static str, check: Check, default: Fallback) -> Key {
    Key {
        name,
        check,
        default,
        cloud: None,
    }
}

const fn cloud_key(name: &'static str, check: Check, cloud: Cloud) -> Key {
    Key {
        name,
        check,
        default: Fallback::None,
        cloud: Some(cloud),
    }
}

use Check::*;
use Fallback::{PerCloud, Value};

const KEYS: &[Key] = &[
    key("DEPLOY_CLOUD", OneOf(&["gcp", "azure"]), Fallback::None),
    key("K8S_NAMESPACE", Name, Value("flink-studio")),
    key("K8S_SERVICE_ACCOUNT", Name, Value("flink")),
    key("FLINK_CLUSTER_NAME", Name, Value("flink-session")),
    key("FLINK_IMAGE", Image, Fallback::None),
    // The Flink minor version FLINK_IMAGE runs: the FlinkDeployment's flinkVersion (v2_0, v2_2),
    // the base and jar manifest of `deploy image`, the jars `deploy smoke` expects. The versions
    // the live suites passed on (README: Flink versions).
    key("FLINK_VERSION", OneOf(&["2.0", "2.2"]), Value("2.0")),
    // The official base image's digest for `deploy image` (no registry is asked: it cannot be
    // known offline); empty pins by tag only, with a warning.
    key("FLINK_BASE_IMAGE_DIGEST", Digest, Value("")),
    key(
        "FLINK_IMAGE_PULL_POLICY",
        OneOf(&["Always", "IfNotPresent", "Never"]),
        Value("Always"),
    ),
    cloud_key("GCP_PROJECT_ID", Word, Cloud::Gcp),
    cloud_key("GCP_SERVICE_ACCOUNT", Word, Cloud::Gcp),
    cloud_key("GCS_BUCKET", Word, Cloud::Gcp),
    cloud_key("AZURE_TENANT_ID", Word, Cloud::Azure),
    cloud_key("AZURE_CLIENT_ID", Word, Cloud::Azure),
    cloud_key("AZURE_STORAGE_ACCOUNT_NAME", Word, Cloud::Azure),
    cloud_key("AZURE_STORAGE_CONTAINER_NAME", Word, Cloud::Azure),
    // Empty puts the folders at the bucket's root, as the old platform had them.
    key("FLINK_STORAGE_PATH", OptionalWord, Value("flink")),
    key("JM_REPLICAS", Count, Value("1")),
    key("JM_CPU", Cpu, Value("1")),
    key("JM_MEMORY", FlinkMemory, Value("2048m")),
    key("TM_REPLICAS", Count, Value("2")),
    key("TM_CPU", Cpu, Value("2")),
    key("TM_MEMORY", FlinkMemory, Value("8192m")),
    key("TM_SLOTS", Count, Value("4")),
    key("TM_SPOT", Bool, PerCloud("false", "true")),
    key(
        "TM_SPOT_TOLERATION",
        Toleration,
        PerCloud(
            "cloud.google.com/gke-spot=true:NoSchedule",
            "kubernetes.azure.com/scalesetpriority=spot:NoSchedule",
        ),
    ),
    key(
        "TM_SPOT_NODE_SELECTOR",
        NodeLabel,
        PerCloud(
            "cloud.google.com/gke-spot=true",
            "kubernetes.azure.com/scalesetpriority=spot",
        ),
    ),
    key("FLINK_CONFIGURATION", FlinkConf, Value("")),
    key(
        "ROCKSDB_VOLUME",
        OneOf(&["emptydir", "pvc"]),
        PerCloud("emptydir", "pvc"),
    ),
    key("ROCKSDB_VOLUME_SIZE", Quantity, Value("50Gi")),
    key(
        "ROCKSDB_STORAGE_CLASS",
        Name,
        PerCloud("standard-rwo", "managed-csi"),
    ),
    key("GATEWAY_REPLICAS", Count, Value("1")),
    key("GATEWAY_CPU", Cpu, Value("1")),
    key("GATEWAY_MEMORY", Quantity, Value("2Gi")),
    key("GATEWAY_CLIENT_CIDR", Cidr, Value("")),
    key("KAFKA_SECRET_NAME", Name, Value("kafka-credentials")),
    // The SQL variable the pipelines use as ${TRUSTSTORE_PATH}: the truststore is mounted there.
    key(
        "TRUSTSTORE_PATH",
        MountPath,
        Value("/etc/kafka/secrets/kafka.truststore.jks"),
    ),
    key("KAFKA_EGRESS_PORTS", Ports, Value("")),
    key("KAFKA_EGRESS_CIDR", Cidr, Value("0.0.0.0/0")),
    key("EGRESS_CIDR", Cidr, Value("0.0.0.0/0")),
    key("QUOTA_CPU", Cpu, Value("40")),
    key("QUOTA_MEMORY", Quantity, Value("160Gi")),
    key("QUOTA_PODS", Count, Value("50")),
    key("QUOTA_PVCS", Count, Value("20")),
    key("QUOTA_STORAGE", Quantity, Value("1Ti")),
    key("OPERATOR_NAMESPACE", Name, Value("flink-system")),
    key(
        "OPERATOR_WATCH",
        OneOf(&["keep", "namespace", "all"]),
        Value("keep"),
    ),
    key("OPERATOR_RELEASE", Name, Value("flink-kubernetes-operator")),
    key("OPERATOR_VERSION", Word, Value("1.12.1")),
    key("OPERATOR_CHART", Word, Value("flink-kubernetes-operator")),
    key(
        "OPERATOR_CHART_REPO",
        OptionalWord,
        Value("https://downloads.apache.org/flink/flink-kubernetes-operator-${OPERATOR_VERSION}/"),
    ),
    key("DEPLOY_TIMEOUT", Duration, Value("10m")),
];

/// The Kafka credentials for the Secret; required only when the Secret is rendered or applied.
const KAFKA_KEYS: [&str; 4] = [
    "KAFKA_USERNAME",
    "KAFKA_PASSWORD",
    "TRUSTSTORE_PASSWORD",
    "KAFKA_TRUSTSTORE_FILE",
];

/// Where the Flink Kubernetes Operator's chart comes from and how it is installed.
#[derive(Debug, Clone)]
pub struct Operator {
    pub namespace: String,
    pub release: String,
    pub version: String,
    /// A chart name (with `repo`) or a local path / URL (without).
    pub chart: String,
    pub repo: Option<String>,
    pub watch: Watch,
}

/// Which namespaces the operator watches (OPERATOR_WATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// A new release watches our namespace; an existing one keeps its scope (a list gains ours,
    /// a cluster-wide release stays cluster-wide), so FlinkDeployments elsewhere stay managed.
    Keep,
    /// Our namespace only, even if the release watched more before.
    Namespace,
    /// Every namespace.
    All,
}

/// Keys of the old platform's deploy scripts, each with the key that replaces it. A profile that
/// still has one is read as if it had the new key, and told to rename it.
pub const OLD_KEYS: &[(&str, &str)] = &[
    ("GCP_PROJECT", "GCP_PROJECT_ID"),
    ("FLINK_GCS_SERVICE_ACCOUNT", "GCP_SERVICE_ACCOUNT"),
];

/// flinkConfiguration keys the NetworkPolicies depend on: a passthrough may not move them.
const FIXED_FLINK_KEYS: &[&str] = &[
    "rest.port",
    "jobmanager.rpc.port",
    "blob.server.port",
    "taskmanager.rpc.port",
    "taskmanager.data.port",
];

/// A validated deployment profile.
#[derive(Debug, Clone)]
pub struct DeployConfig {
    pub cloud: Cloud,
    pub namespace: String,
    pub cluster_name: String,
    /// K8S_CONTEXT from the profile: a context named there counts as chosen.
    pub context: Option<String>,
    pub operator: Operator,
    pub timeout: Duration,
    /// Every value templates may reference (without the Kafka Secret's).
    pub template_vars: Vars,
    /// FLINK_CONFIGURATION: extra flinkConfiguration keys, set over the template's defaults.
    pub flink_conf: Vec<(String, String)>,
    /// Things the user should know about the profile (old keys read under their new names).
    pub notes: Vec<String>,
    /// The Kafka credentials, when the profile has them all.
    kafka: Result<KafkaSecret, Vec<String>>,
}

#[derive(Debug, Clone)]
struct KafkaSecret {
    vars: Vec<(String, String)>,
}

impl DeployConfig {
    /// Template variables including the Secret's, or the list of what is missing.
    pub fn vars_with_secret(&self) -> Result<Vars, CliError> {
        let secret = self.kafka.as_ref().map_err(|problems| {
            let mut err = CliError::input("the Kafka credentials Secret cannot be built");
            for p in problems {
                err = err.with_hint(p.clone());
            }
            err
        })?;
        let mut vars = self.template_vars.clone();
        for (k, v) in &secret.vars {
            vars.insert(k.clone(), v.clone(), Origin::Profile);
        }
        Ok(vars)
    }
}

/// Reads and checks every deploy key. `profile_file` is the profile read (for line numbers in
/// errors and to resolve a relative truststore path); `namespace` is `--namespace`.
pub fn load(
    vars: &Vars,
    profile_file: Option<&Path>,
    cwd: &Path,
    namespace: Option<&str>,
) -> Result<DeployConfig, CliError> {
    let cloud = match vars.get("DEPLOY_CLOUD").map(str::trim) {
        Some("gcp") => Cloud::Gcp,
        Some("azure") => Cloud::Azure,
        Some(other) => {
            return Err(CliError::input(format!(
                "{}DEPLOY_CLOUD: expected gcp or azure, got '{other}'",
                located(profile_file, "DEPLOY_CLOUD")
            )))
        }
        None => {
            return Err(CliError::input(
                "the profile does not name a cloud: set DEPLOY_CLOUD=gcp or DEPLOY_CLOUD=azure",
            )
            .with_hint("deploy profiles are documented in env/example.env"))
        }
    };
    let (mapped, notes, mut problems) = map_old_keys(vars, profile_file);
    let vars = &mapped;
    let mut out = Vars::default();
    for key in KEYS {
        if key.cloud.is_some_and(|c| c != cloud) {
            continue;
        }
        let value = match (vars.get(key.name), key.default) {
            (Some(v), _) => v.trim().to_owned(),
            (None, Value(d)) => d.to_owned(),
            (None, PerCloud(g, a)) => if cloud == Cloud::Gcp { g } else { a }.to_owned(),
            (None, Fallback::None) => {
                problems.push(format!("{} is required", key.name));
                continue;
            }
        };
        let value = if key.name == "K8S_NAMESPACE" {
            namespace.map(str::to_owned).unwrap_or(value)
        } else {
            value
        };
        let value = value.replace(
            "${OPERATOR_VERSION}",
            out.get("OPERATOR_VERSION").unwrap_or(""),
        );
        if let Err(expected) = check(key.check, &value) {
            let at = match vars.origin(key.name) {
                Some(Origin::Profile) => located(profile_file, key.name),
                Some(Origin::CommandLine) => "--var ".to_owned(),
                Some(Origin::Environment) => "environment: ".to_owned(),
                None => String::new(),
            };
            problems.push(format!(
                "{at}{}: expected {expected}, got '{value}'",
                key.name
            ));
            continue;
        }
        out.insert(key.name, value, Origin::Profile);
    }
    if !problems.is_empty() {
        let mut err = CliError::input(format!(
            "the deploy profile{} has {} problem(s)",
            profile_file
                .map(|p| format!(" {}", p.display()))
                .unwrap_or_default(),
            problems.len()
        ));
        for p in problems {
            err = err.with_hint(p);
        }
        return Err(err.with_hint("deploy profiles are documented in env/example.env"));
    }
    derive(&mut out, cloud, vars);
    let get = |k: &str| out.get(k).unwrap_or_default().to_owned();
    let repo = get("OPERATOR_CHART_REPO");
    let watch = match get("OPERATOR_WATCH").as_str() {
        "namespace" => Watch::Namespace,
        "all" => Watch::All,
        _ => Watch::Keep,
    };
    Ok(DeployConfig {
        cloud,
        namespace: get("K8S_NAMESPACE"),
        cluster_name: get("FLINK_CLUSTER_NAME"),
        context: vars
            .get("K8S_CONTEXT")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        operator: Operator {
            namespace: get("OPERATOR_NAMESPACE"),
            release: get("OPERATOR_RELEASE"),
            version: get("OPERATOR_VERSION"),
            chart: get("OPERATOR_CHART"),
            repo: (!repo.is_empty()).then_some(repo),
            watch,
        },
        flink_conf: flink_pairs(&get("FLINK_CONFIGURATION")).unwrap_or_default(),
        notes,
        timeout: crate::cli::parse_duration(&get("DEPLOY_TIMEOUT")).unwrap_or_default(),
        kafka: kafka_secret(vars, profile_file, cwd),
        template_vars: out,
    })
}

/// Values computed from others: the storage root, the Kafka egress ports, where the truststore
/// is mounted, and the spot toleration and node selector as YAML.
fn derive(out: &mut Vars, cloud: Cloud, vars: &Vars) {
    let get = |k: &str| out.get(k).unwrap_or_default().to_owned();
    let root = match cloud {
        Cloud::Gcp => format!("gs://{}", get("GCS_BUCKET")),
        Cloud::Azure => format!(
            "abfss://{}@{}.dfs.core.windows.net",
            get("AZURE_STORAGE_CONTAINER_NAME"),
            get("AZURE_STORAGE_ACCOUNT_NAME")
        ),
    };
    let storage = storage_uri(&root, &get("FLINK_STORAGE_PATH"));
    let ports = egress_ports(&get("KAFKA_EGRESS_PORTS"), vars);
    let list = ports
        .iter()
        .map(|p| format!("{{port: {p}, protocol: TCP}}"))
        .collect::<Vec<_>>()
        .join(", ");
    let truststore = get("TRUSTSTORE_PATH");
    let (dir, file) = truststore.rsplit_once('/').unwrap_or(("", &truststore));
    let derived = [
        (
            "FLINK_VERSION_ENUM",
            format!("v{}", get("FLINK_VERSION").replace('.', "_")),
        ),
        ("STORAGE_URI", storage),
        ("KAFKA_EGRESS_PORT_LIST", format!("[{list}]")),
        ("TRUSTSTORE_MOUNT_DIR", dir.to_owned()),
        ("TRUSTSTORE_FILE_NAME", file.to_owned()),
        (
            "TM_SPOT_TOLERATION_YAML",
            toleration_yaml(&get("TM_SPOT_TOLERATION")),
        ),
        (
            "TM_SPOT_NODE_SELECTOR_YAML",
            node_selector_yaml(&get("TM_SPOT_NODE_SELECTOR")),
        ),
    ];
    for (k, v) in derived {
        out.insert(k, v, Origin::Profile);
    }
}

/// Template variables computed from the keys, for documentation checks of `#@when` markers.
const DERIVED_KEYS: [&str; 7] = [
    "FLINK_VERSION_ENUM",
    "STORAGE_URI",
    "KAFKA_EGRESS_PORT_LIST",
    "TRUSTSTORE_MOUNT_DIR",
    "TRUSTSTORE_FILE_NAME",
    "TM_SPOT_TOLERATION_YAML",
    "TM_SPOT_NODE_SELECTOR_YAML",
];

/// The storage root and the profile's folder below it, without empty segments (no `//`).
fn storage_uri(root: &str, path: &str) -> String {
    let mut uri = root.to_owned();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        uri.push('/');
        uri.push_str(segment);
    }
    uri
}

/// `key=value:Effect` → `{key: k, operator: Equal, value: "v", effect: Effect}`;
/// `key:Effect` tolerates the taint whatever its value.
fn toleration_yaml(spec: &str) -> String {
    let (taint, effect) = spec.rsplit_once(':').unwrap_or((spec, "NoSchedule"));
    match taint.split_once('=') {
        Some((key, value)) => {
            format!("{{key: {key}, operator: Equal, value: \"{value}\", effect: {effect}}}")
        }
        None => format!("{{key: {taint}, operator: Exists, effect: {effect}}}"),
    }
}

fn node_selector_yaml(label: &str) -> String {
    match label.split_once('=') {
        Some((key, value)) => format!("{{{key}: \"{value}\"}}"),
        None => String::new(),
    }
}

/// FLINK_CONFIGURATION as pairs: `key=value`, separated by commas or newlines.
pub fn flink_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for item in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        let Some((key, value)) = item.split_once('=') else {
            return Err(format!("'{item}' is not key=value"));
        };
        let (key, value) = (key.trim(), value.trim());
        if !matches(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", key) || value.is_empty() {
            return Err(format!("'{item}' is not key=value"));
        }
        if FIXED_FLINK_KEYS.contains(&key) {
            return Err(format!(
                "{key} is fixed: the NetworkPolicies open exactly that port"
            ));
        }
        pairs.push((key.to_owned(), value.to_owned()));
    }
    Ok(pairs)
}

/// Reads each old key under its new name (when the new one is not set), with a note to rename it;
/// both set to different values is a problem.
fn map_old_keys(vars: &Vars, file: Option<&Path>) -> (Vars, Vec<String>, Vec<String>) {
    let mut mapped = vars.clone();
    let (mut notes, mut problems) = (Vec::new(), Vec::new());
    for (old, new) in OLD_KEYS {
        let Some(value) = vars.get(old) else { continue };
        match vars.get(new) {
            None => {
                let origin = vars.origin(old).unwrap_or(Origin::Profile);
                mapped.insert(*new, value, origin);
                notes.push(format!(
                    "{}{old} is the old platform's key: read as {new}; rename it",
                    located(file, old)
                ));
            }
            Some(current) if current == value => notes.push(format!(
                "{}{old} is the old platform's key and repeats {new}: remove it",
                located(file, old)
            )),
            Some(_) => problems.push(format!(
                "{}{old} (the old platform's key for {new}) differs from {new}: keep only {new}",
                located(file, old)
            )),
        }
    }
    (mapped, notes, problems)
}

/// The ports Flink must reach Kafka and the schema registry on: KAFKA_EGRESS_PORTS, else the
/// ports in KAFKA_BOOTSTRAP_SERVERS and SCHEMA_REGISTRY_URL, else 9092 and 443.
fn egress_ports(listed: &str, vars: &Vars) -> Vec<u16> {
    let mut ports: Vec<u16> = listed
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    if ports.is_empty() {
        let bootstrap = vars.get("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_default();
        ports.extend(
            bootstrap
                .split(',')
                .filter_map(|hp| hp.trim().rsplit_once(':'))
                .filter_map(|(_, p)| p.parse::<u16>().ok()),
        );
        if let Some(url) = vars.get("SCHEMA_REGISTRY_URL") {
            ports.push(url_port(url));
        }
    }
    if ports.is_empty() {
        ports = vec![9092, 443];
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

fn url_port(url: &str) -> u16 {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or_default();
    match host.rsplit_once(':').and_then(|(_, p)| p.parse().ok()) {
        Some(port) => port,
        None if url.starts_with("http://") => 80,
        None => 443,
    }
}

fn kafka_secret(
    vars: &Vars,
    profile_file: Option<&Path>,
    cwd: &Path,
) -> Result<KafkaSecret, Vec<String>> {
    let missing: Vec<String> = KAFKA_KEYS
        .iter()
        .filter(|k| vars.get(k).is_none_or(|v| v.is_empty()))
        .map(|k| format!("{k} is required for the Kafka credentials Secret"))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let file = truststore_path(
        vars.get("KAFKA_TRUSTSTORE_FILE").unwrap_or_default(),
        profile_file,
        cwd,
    );
    let truststore = std::fs::read(&file).map_err(|e| {
        vec![format!(
            "KAFKA_TRUSTSTORE_FILE: cannot read {}: {e}",
            file.display()
        )]
    })?;
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    let get = |k: &str| vars.get(k).unwrap_or_default().as_bytes();
    Ok(KafkaSecret {
        vars: vec![
            ("KAFKA_USERNAME_BASE64".into(), b64(get("KAFKA_USERNAME"))),
            ("KAFKA_PASSWORD_BASE64".into(), b64(get("KAFKA_PASSWORD"))),
            (
                "TRUSTSTORE_PASSWORD_BASE64".into(),
                b64(get("TRUSTSTORE_PASSWORD")),
            ),
            ("KAFKA_TRUSTSTORE_BASE64".into(), b64(&truststore)),
        ],
    })
}

/// A relative truststore path is relative to the profile's folder, so `deploy` works from any
/// working directory (the old deploy.sh only worked from one).
fn truststore_path(value: &str, profile_file: Option<&Path>, cwd: &Path) -> PathBuf {
    let path = Path::new(value);
    if path.is_absolute() {
        return path.to_owned();
    }
    let base = profile_file
        .and_then(Path::parent)
        .map(|p| {
            if p.is_absolute() {
                p.to_owned()
            } else {
                cwd.join(p)
            }
        })
        .unwrap_or_else(|| cwd.to_owned());
    base.join(path)
}

fn check(kind: Check, value: &str) -> Result<(), String> {
    let ok = match kind {
        Name => matches(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", value),
        Count => value.parse::<u32>().is_ok(),
        Cpu => matches(r"^[0-9]+(\.[0-9]+)?$", value),
        Quantity => matches(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$", value),
        FlinkMemory => matches(
            r"^[0-9]+(\.[0-9]+)?\s?(b|k|kb|m|mb|g|gb|t|tb)?$",
            &value.to_lowercase(),
        ),
        Bool => matches("^(true|false)$", value),
        Cidr => value.is_empty() || is_cidr(value),
        OneOf(options) => options.contains(&value),
        Image => matches(r"^[a-z0-9][A-Za-z0-9._/:@-]*$", value) && !value.contains(".."),
        OptionalWord => value.is_empty() || check(Word, value).is_ok(),
        Word => {
            !value.is_empty()
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || "'\"#`{}[],&*!|>%".contains(c))
        }
        Ports => {
            value.is_empty()
                || value
                    .split(',')
                    .all(|p| p.trim().parse::<u16>().is_ok_and(|n| n > 0))
        }
        Duration => crate::cli::parse_duration(value).is_ok(),
        MountPath => mount_path_ok(value),
        Toleration => matches(
            r"^[A-Za-z0-9./_-]+(=[A-Za-z0-9._-]+)?:(NoSchedule|PreferNoSchedule|NoExecute)$",
            value,
        ),
        NodeLabel => value.is_empty() || matches(r"^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*$", value),
        Digest => value.is_empty() || matches(r"^sha256:[0-9a-f]{64}$", value),
        FlinkConf => {
            return flink_pairs(value)
                .map(|_| ())
                .map_err(|why| format!("{}: {why}", describe(kind)))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(describe(kind))
    }
}

fn describe(check: Check) -> String {
    match check {
        Name => "a DNS label (lowercase letters, digits and '-', at most 63)".into(),
        Count => "a whole number".into(),
        Cpu => "a number of CPU cores such as 0.5 or 2".into(),
        Quantity => "a Kubernetes quantity such as 512Mi or 50Gi".into(),
        FlinkMemory => "a Flink memory size such as 2048m or 8g".into(),
        Bool => "true or false".into(),
        Cidr => "an IPv4 CIDR such as 10.0.0.0/8".into(),
        OneOf(options) => format!("one of {}", options.join(", ")),
        Image => "a container image such as registry.example/flink:2.0.0".into(),
        Word => "a value without spaces, quotes, '#' or brackets".into(),
        OptionalWord => "nothing, or a value without spaces, quotes, '#' or brackets".into(),
        Ports => "a comma-separated list of ports".into(),
        Duration => "a duration such as 10m".into(),
        MountPath => "an absolute file path whose folder holds nothing else the image needs, \
                      such as /etc/kafka/secrets/kafka.truststore.jks"
            .into(),
        Toleration => "a taint such as instance_type=spot:NoSchedule".into(),
        NodeLabel => "nothing, or a node label such as instance_type=spot".into(),
        FlinkConf => "key=value pairs separated by commas".into(),
        Digest => "nothing, or an image digest sha256: followed by 64 lowercase hex digits".into(),
    }
}

/// The truststore's folder is mounted over: it must not hide a folder the image or Flink needs.
fn mount_path_ok(value: &str) -> bool {
    const TAKEN: &[&str] = &[
        "",
        "/etc",
        "/usr",
        "/bin",
        "/sbin",
        "/lib",
        "/lib64",
        "/var",
        "/opt",
        "/opt/flink",
        "/tmp",
        "/home",
        "/root",
        "/proc",
        "/sys",
        "/dev",
        "/run",
    ];
    const FLINK: &[&str] = &[
        "lib", "plugins", "conf", "bin", "log", "opt", "rocksdb", "usrlib",
    ];
    if !matches(r"^/[A-Za-z0-9._/-]*[A-Za-z0-9_-]$", value)
        || value.contains("//")
        || value.split('/').any(|s| s == "." || s == "..")
    {
        return false;
    }
    let dir = value.rsplit_once('/').map_or("", |(d, _)| d);
    let under_flink = dir
        .strip_prefix("/opt/flink/")
        .and_then(|rest| rest.split('/').next())
        .is_some_and(|first| FLINK.contains(&first));
    !TAKEN.contains(&dir) && !under_flink
}

fn matches(pattern: &str, value: &str) -> bool {
    Regex::new(pattern).is_ok_and(|re| re.is_match(value))
}

fn is_cidr(value: &str) -> bool {
    let Some((ip, bits)) = value.split_once('/') else {
        return false;
    };
    ip.parse::<std::net::Ipv4Addr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 32)
}

/// `file:line: ` of a key in the profile file. Read only when a value is wrong, so a good
/// profile is read once (by `profile::read_file`).
fn located(file: Option<&Path>, key: &str) -> String {
    let Some(file) = file else {
        return String::new();
    };
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let line = text.lines().position(|l| {
        let l = l.trim_start();
        let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    match line {
        Some(n) => format!("{}:{}: ", file.display(), n + 1),
        None => String::new(),
    }
}

/// The default of a deploy key (`TRUSTSTORE_PATH`: where the truststore is mounted), if it has
/// one that does not depend on the cloud.
pub fn default_value(name: &str) -> Option<&'static str> {
    KEYS.iter()
        .find(|k| k.name == name)
        .and_then(|k| match k.default {
            Value(v) => Some(v),
            _ => None,
        })
}

/// Every key name `deploy` reads, for documentation checks.
pub fn key_names() -> impl Iterator<Item = &'static str> {
    KEYS.iter()
        .map(|k| k.name)
        .chain(KAFKA_KEYS)
        .chain(["K8S_CONTEXT"])
}

/// Every variable a template may use: the profile's keys and the values derived from them.
pub fn template_keys() -> impl Iterator<Item = &'static str> {
    key_names().chain(DERIVED_KEYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storage_prefix_may_be_empty_and_never_makes_a_double_slash() {
        assert_eq!(storage_uri("gs://b", "flink"), "gs://b/flink");
        assert_eq!(storage_uri("gs://b", ""), "gs://b");
        assert_eq!(storage_uri("gs://b", "/"), "gs://b");
        assert_eq!(storage_uri("gs://b", "/a//b/"), "gs://b/a/b");
    }

    #[test]
    fn the_truststore_may_not_be_mounted_over_a_folder_the_image_needs() {
        for ok in [
            "/etc/kafka/secrets/kafka.truststore.jks",
            "/opt/flink/secrets/client.truststore.jks",
            "/var/run/kafka/ca.jks",
        ] {
            assert!(mount_path_ok(ok), "{ok}");
        }
        for bad in [
            "kafka.jks",
            "/kafka.jks",
            "/etc/kafka.jks",
            "/tmp/kafka.jks",
            "/opt/flink/kafka.jks",
            "/opt/flink/lib/kafka.jks",
            "/opt/flink/conf/x/kafka.jks",
            "/etc/kafka/../kafka.jks",
            "/etc/kafka/secrets/",
        ] {
            assert!(!mount_path_ok(bad), "{bad}");
        }
    }

    #[test]
    fn tolerations_and_node_selectors_render_as_yaml_flow_maps() {
        assert_eq!(
            toleration_yaml("instance_type=spot:NoSchedule"),
            r#"{key: instance_type, operator: Equal, value: "spot", effect: NoSchedule}"#
        );
        assert_eq!(
            toleration_yaml("dedicated:NoExecute"),
            "{key: dedicated, operator: Exists, effect: NoExecute}"
        );
        assert_eq!(
            node_selector_yaml("cloud.google.com/gke-spot=true"),
            r#"{cloud.google.com/gke-spot: "true"}"#
        );
        assert_eq!(node_selector_yaml(""), "");
    }

    #[test]
    fn flink_configuration_is_key_value_pairs_and_the_fixed_ports_stay_fixed() {
        assert_eq!(
            flink_pairs("a.b=1, c=x y\nd=2").unwrap(),
            [("a.b", "1"), ("c", "x y"), ("d", "2")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(flink_pairs("").unwrap().is_empty());
        assert!(flink_pairs("novalue").is_err());
        assert!(flink_pairs("a=").is_err());
        assert!(flink_pairs("rest.port=80").unwrap_err().contains("fixed"));
    }

    #[test]
    fn old_keys_are_mapped_noted_or_refused() {
        let mut vars = Vars::default();
        vars.insert("GCP_PROJECT", "p", Origin::Profile);
        let (mapped, notes, problems) = map_old_keys(&vars, None);
        assert_eq!(mapped.get("GCP_PROJECT_ID"), Some("p"));
        assert_eq!(notes.len(), 1);
        assert!(problems.is_empty());
        vars.insert("GCP_PROJECT_ID", "q", Origin::Profile);
        let (_, _, problems) = map_old_keys(&vars, None);
        assert!(problems[0].contains("differs from GCP_PROJECT_ID"));
    }

    #[test]
    fn egress_ports_come_from_the_bootstrap_servers_and_the_registry() {
        let mut vars = Vars::default();
        vars.insert(
            "KAFKA_BOOTSTRAP_SERVERS",
            "a.aivencloud.com:24949,b.aivencloud.com:24949",
            Origin::Profile,
        );
        vars.insert(
            "SCHEMA_REGISTRY_URL",
            "https://a.aivencloud.com:24952/",
            Origin::Profile,
        );
        assert_eq!(egress_ports("", &vars), [24949, 24952]);
        assert_eq!(egress_ports("1, 2", &vars), [1, 2]);
        assert_eq!(egress_ports("", &Vars::default()), [443, 9092]);
    }
}
