//! `deploy smoke`, after `up`: the platform works from the outside. The gateway is reached (its
//! Service's load balancer, else `kubectl port-forward` on a free local port, always stopped), a
//! statement runs, a Kafka connectivity statement runs with the deployed Secret's credentials
//! (`deploy/smoke-kafka.sql`), and a running JobManager pod's jars are listed against the image's
//! manifest. One line per check with a hint; exit 1 when one failed.

use std::io::Write;
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use super::check::{line, print, Line, Mark};
use super::config::DeployConfig;
use super::image::{self, Jar};
use super::kube::{first_line, Tools};
use super::Target;
use crate::error::{CliError, Exit};
use crate::gateway;
use crate::model::{Outcome, Row, Sink, Status, StopReason};
use crate::profile::{Origin, Vars};
use crate::runner::{self, Cancel, Connect, Opened, RunOptions, Runner};
use crate::script::{self, Source, Statement};

/// The gateway's Service and port (deploy/60-sql-gateway.yaml).
pub const GATEWAY_SERVICE: &str = "flink-sql-gateway";
const GATEWAY_PORT: u16 = 8083;
/// The statement that proves the gateway runs SQL: a job on the session cluster, one row.
pub const STATEMENT: &str = "SELECT 1 AS smoke";
pub const KAFKA_SQL: &str = include_str!("../../deploy/smoke-kafka.sql");
/// Longer than the Kafka client's default.api.timeout.ms in KAFKA_SQL (10 s): a query still
/// running then, without an error, has listed the topics.
const KAFKA_WAIT: Duration = Duration::from_secs(30);
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(120);
/// kubectl waits this long for a running pod behind the Service, then says why it gave up.
const POD_RUNNING_TIMEOUT: &str = "--pod-running-timeout=20s";
const FORWARD_READY: Duration = Duration::from_secs(45);
/// The container the operator names in JobManager and TaskManager pods.
const FLINK_CONTAINER: &str = "flink-main-container";
/// Written by the generated Dockerfile before the manifest's jars are added.
pub const BASE_JARS_FILE: &str = "/opt/flink/base-jars.txt";

/// What `smoke` takes from the profile beyond the deploy config.
#[derive(Debug, Clone, Default)]
pub struct SmokeRequest {
    /// KAFKA_BOOTSTRAP_SERVERS from the profile (as the pipelines use it).
    pub kafka_bootstrap: Option<String>,
}

pub fn smoke(
    config: &DeployConfig,
    mut tools: Tools,
    target: &Target,
    request: &SmokeRequest,
    out: &mut dyn Write,
) -> Result<Exit, CliError> {
    let (context, first) = super::check::context_line(&mut tools, target)?;
    let mut lines = vec![first];
    match reach_gateway(config, &tools) {
        Ok(gateway) => {
            lines.push(gateway.line.clone());
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| CliError::new(Exit::Connection, format!("runtime: {e}")))?;
            lines.push(runtime.block_on(statement(&gateway.url, &tools)));
            lines.push(kafka(config, &mut tools, request, &gateway.url, &runtime));
            // Dropping the gateway stops the port-forward.
            drop(gateway);
        }
        Err(failed) => {
            lines.push(failed);
            for name in ["statement", "kafka"] {
                lines.push(line(
                    Mark::Skip,
                    name,
                    "not run: the gateway was not reached",
                ));
            }
        }
    }
    lines.push(jars(config, &tools));
    let failed = print(&lines, out)?;
    let verdict = if failed == 0 {
        format!("smoke: the platform answers in context {context}")
    } else {
        format!("smoke: {failed} check(s) failed in context {context}")
    };
    writeln!(out, "{verdict}").map_err(|e| CliError::new(Exit::Connection, e.to_string()))?;
    Ok(if failed == 0 {
        Exit::Success
    } else {
        Exit::StatementFailed
    })
}

/// A reachable gateway; holds the port-forward, which `Drop` stops.
struct Gateway {
    url: String,
    line: Line,
    forward: Option<Child>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(child) = &mut self.forward {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn reach_gateway(config: &DeployConfig, tools: &Tools) -> Result<Gateway, Line> {
    let ns = &config.namespace;
    let name = "gateway";
    let service = tools
        .kubectl(
            &["get", "service", GATEWAY_SERVICE, "-n", ns, "-o", "json"],
            None,
        )
        .map_err(|e| line(Mark::Fail, name, e.message))?;
    if !service.ok() {
        return Err(line(
            Mark::Fail,
            name,
            format!(
                "no Service {GATEWAY_SERVICE} in {ns}: {}",
                first_line(&service.stderr)
            ),
        )
        .hint("deploy the platform first: flink-sql deploy up"));
    }
    let service: Value = serde_json::from_str(&service.stdout).unwrap_or(Value::Null);
    if let Some(host) = exposed_host(&service) {
        let url = format!("http://{host}:{GATEWAY_PORT}");
        return Ok(Gateway {
            line: line(
                Mark::Ok,
                name,
                format!("Service {GATEWAY_SERVICE} is exposed at {url}"),
            ),
            url,
            forward: None,
        });
    }
    port_forward(tools, ns)
}

/// The load balancer's address, when the Service has one.
fn exposed_host(service: &Value) -> Option<String> {
    let ingress = &service["status"]["loadBalancer"]["ingress"][0];
    ingress["ip"]
        .as_str()
        .or_else(|| ingress["hostname"].as_str())
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
}

/// A free port on the loopback interface: bound, then released for kubectl to take.
fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn port_forward(tools: &Tools, ns: &str) -> Result<Gateway, Line> {
    let name = "gateway";
    let port =
        free_port().map_err(|e| line(Mark::Fail, name, format!("no free local port: {e}")))?;
    let mapping = format!("{port}:{GATEWAY_PORT}");
    let service = format!("service/{GATEWAY_SERVICE}");
    let args = [
        "port-forward",
        "-n",
        ns,
        &service,
        "--address",
        "127.0.0.1",
        POD_RUNNING_TIMEOUT,
        &mapping,
    ];
    let mut child = tools
        .spawn_kubectl(&args)
        .map_err(|e| line(Mark::Fail, name, e.message))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines.any(|l| l.is_ok_and(|l| l.starts_with("Forwarding from")));
        let _ = tx.send(ready);
        // Keep reading so kubectl never blocks on a full pipe.
        for _ in lines {}
    });
    let ready = rx.recv_timeout(FORWARD_READY).unwrap_or(false);
    let url = format!("http://127.0.0.1:{port}");
    let mut gateway = Gateway {
        url: url.clone(),
        line: line(
            Mark::Ok,
            name,
            format!("through kubectl port-forward {service} {mapping} at {url}"),
        ),
        forward: Some(child),
    };
    if ready {
        return Ok(gateway);
    }
    let mut child = gateway.forward.take().expect("the child is held");
    let _ = child.kill();
    let mut why = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut stderr, &mut why);
    }
    let _ = child.wait();
    let why = tools.redactor.redact(&why);
    let why = if why.trim().is_empty() {
        format!("no \"Forwarding from\" within {}s", FORWARD_READY.as_secs())
    } else {
        first_line(&why).to_owned()
    };
    Err(line(
        Mark::Fail,
        name,
        format!("kubectl port-forward {service} failed: {why}"),
    )
    .hint(format!(
        "port-forward needs a running gateway pod: kubectl -n {ns} get pods -l app.kubernetes.io/name={GATEWAY_SERVICE}; \
         `flink-sql deploy status` says what is not ready"
    )))
}

/// The rows of one statement, nothing printed.
#[derive(Default)]
struct Collect {
    rows: Vec<Row>,
}

impl Sink for Collect {
    fn rows(&mut self, _: &Statement, rows: &[Row]) -> std::io::Result<()> {
        self.rows.extend_from_slice(rows);
        Ok(())
    }
}

fn options(max_wait: Option<Duration>) -> RunOptions {
    RunOptions {
        from_statement: 1,
        reconnect: false,
        continue_on_error: false,
        max_rows: Some(10),
        max_wait,
        wait: runner::WaitFor::Submitted,
        timeout: STATEMENT_TIMEOUT,
        jobmanager: None,
        stamps: Default::default(),
    }
}

async fn open(url: &str, tools: &Tools, opts: RunOptions) -> Result<Runner, CliError> {
    let gateway = gateway::Config {
        url: url.to_owned(),
        ..Default::default()
    };
    let connect = Connect::new(gateway, tools.redactor.clone(), None);
    match Runner::open(&connect, opts, &Cancel::never()).await? {
        Opened::Ready(runner) => Ok(runner),
        Opened::Cancelled(exit) => Err(CliError::new(exit, "cancelled")),
    }
}

/// Runs the statements of `sql` in one session; the outcome of the last and its rows.
async fn run_all(
    url: &str,
    tools: &Tools,
    sql: &str,
    vars: &Vars,
    opts: RunOptions,
) -> Result<(Outcome, Vec<Row>), String> {
    let source = Source {
        name: "<deploy smoke>".into(),
        text: sql.to_owned(),
    };
    let statements = script::prepare(&[source], vars, false)
        .map_err(|d| d.first().map(|d| d.to_string()).unwrap_or_default())?;
    let runner = open(url, tools, opts).await.map_err(|e| e.message)?;
    let mut last = None;
    let cancel = Cancel::never();
    for stmt in &statements {
        let mut sink = Collect::default();
        match runner.run(stmt, &mut sink, &cancel).await {
            Ok(outcome) if outcome.status == Status::Ok => last = Some((outcome, sink.rows)),
            Ok(outcome) => {
                last = Some((outcome, sink.rows));
                break;
            }
            Err(e) => {
                runner.close(&cancel).await;
                return Err(tools.redactor.redact(&e.to_string()).into_owned());
            }
        }
    }
    runner.close(&cancel).await;
    last.ok_or_else(|| "no statement ran".to_owned())
}

fn failure(outcome: &Outcome) -> String {
    outcome
        .failure
        .as_ref()
        .map(|f| f.message.clone())
        .unwrap_or_else(|| outcome.status.as_str().to_owned())
}

async fn statement(url: &str, tools: &Tools) -> Line {
    let name = "statement";
    match run_all(url, tools, STATEMENT, &Vars::default(), options(None)).await {
        Ok((outcome, rows)) if outcome.status == Status::Ok => {
            let value = rows
                .first()
                .and_then(|r| r.fields.first())
                .map(|f| f.json().to_owned());
            if value.as_deref() == Some("1") {
                line(Mark::Ok, name, format!("{STATEMENT} returned 1 (a job ran on the session cluster)"))
            } else {
                line(Mark::Fail, name, format!("{STATEMENT} returned {value:?}, not 1"))
            }
        }
        Ok((outcome, _)) => line(Mark::Fail, name, format!("{STATEMENT}: {}", failure(&outcome)))
            .hint("the gateway answers but cannot run a job: `flink-sql deploy status`, then the JobManager's log"),
        Err(e) => line(Mark::Fail, name, e)
            .hint("the gateway was reached but does not answer the SQL Gateway API"),
    }
}

/// The Secret's values by key, decoded.
fn secret_values(
    config: &DeployConfig,
    tools: &Tools,
) -> Result<Vec<(&'static str, String)>, Line> {
    let name = config
        .template_vars
        .get("KAFKA_SECRET_NAME")
        .unwrap_or("kafka-credentials");
    let ns = &config.namespace;
    let fail = |text: String| {
        line(Mark::Fail, "kafka", text)
            .hint("`flink-sql deploy up` creates it from the profile's KAFKA_* keys")
    };
    let out = tools
        .kubectl_unredacted(&["get", "secret", name, "-n", ns, "-o", "json"])
        .map_err(|e| fail(e.message))?;
    if !out.ok() {
        return Err(fail(format!(
            "cannot read Secret {name} in {ns}: {}",
            first_line(&out.stderr)
        )));
    }
    let secret: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut values = Vec::new();
    for (key, var) in [
        ("username", "KAFKA_USERNAME"),
        ("password", "KAFKA_PASSWORD"),
        ("truststore-password", "TRUSTSTORE_PASSWORD"),
    ] {
        let decoded = secret["data"][key]
            .as_str()
            .and_then(|v| b64.decode(v).ok())
            .and_then(|v| String::from_utf8(v).ok())
            .ok_or_else(|| fail(format!("Secret {name} in {ns} has no key {key}")))?;
        values.push((var, decoded));
    }
    Ok(values)
}

fn kafka(
    config: &DeployConfig,
    tools: &mut Tools,
    request: &SmokeRequest,
    url: &str,
    runtime: &tokio::runtime::Runtime,
) -> Line {
    let name = "kafka";
    let Some(bootstrap) = request.kafka_bootstrap.as_deref().filter(|b| !b.is_empty()) else {
        return line(
            Mark::Fail,
            name,
            "the profile has no KAFKA_BOOTSTRAP_SERVERS",
        )
        .hint("set it to the bootstrap servers the pipelines use");
    };
    let values = match secret_values(config, tools) {
        Ok(values) => values,
        Err(l) => return l,
    };
    // From here on the Secret's values are masked in everything shown, as the profile's are.
    tools.redactor = tools
        .redactor
        .with_values(values.iter().map(|(_, v)| v.as_str()));
    let mut vars = Vars::default();
    for (var, value) in &values {
        vars.insert(*var, value.clone(), Origin::Profile);
    }
    vars.insert("KAFKA_BOOTSTRAP_SERVERS", bootstrap, Origin::Profile);
    let truststore = config
        .template_vars
        .get("TRUSTSTORE_PATH")
        .unwrap_or_default();
    vars.insert("TRUSTSTORE_PATH", truststore, Origin::Profile);
    let result = runtime.block_on(run_all(
        url,
        tools,
        KAFKA_SQL,
        &vars,
        options(Some(KAFKA_WAIT)),
    ));
    kafka_verdict(result, bootstrap)
}

/// Still running when the wait ran out, without an error: Kafka listed its topics to the Secret's
/// credentials. A failure is Kafka's own message (authentication, TLS, a timeout).
fn kafka_verdict(result: Result<(Outcome, Vec<Row>), String>, bootstrap: &str) -> Line {
    let name = "kafka";
    match result {
        Ok((outcome, _)) if matches!(outcome.stopped, Some(StopReason::MaxWait(_))) => line(
            Mark::Ok,
            name,
            format!("{bootstrap} answered the Secret's credentials (SASL_SSL) from the cluster"),
        ),
        Ok((outcome, _)) if outcome.status == Status::Ok => line(
            Mark::Ok,
            name,
            format!("{bootstrap} answered the Secret's credentials (SASL_SSL); the read ended"),
        ),
        Ok((outcome, _)) => line(Mark::Fail, name, format!("{bootstrap}: {}", failure(&outcome)))
            .hint("check the Secret's credentials and truststore, and that the NetworkPolicy egress (KAFKA_EGRESS_PORTS / KAFKA_EGRESS_CIDR) lets Flink reach Kafka"),
        Err(e) => line(Mark::Fail, name, e),
    }
}

/// A running JobManager pod's jars against the manifest.
fn jars(config: &DeployConfig, tools: &Tools) -> Line {
    let name = "jars";
    let ns = &config.namespace;
    let selector = format!("app={},component=jobmanager", config.cluster_name);
    let pods = match tools.kubectl(
        &[
            "get",
            "pods",
            "-n",
            ns,
            "-l",
            &selector,
            "--field-selector=status.phase=Running",
            "-o",
            "json",
        ],
        None,
    ) {
        Ok(out) if out.ok() => out,
        Ok(out) => {
            return line(
                Mark::Fail,
                name,
                format!("cannot list pods: {}", first_line(&out.stderr)),
            )
        }
        Err(e) => return line(Mark::Fail, name, e.message),
    };
    let pods: Value = serde_json::from_str(&pods.stdout).unwrap_or(Value::Null);
    let Some(pod) = pods["items"][0]["metadata"]["name"].as_str() else {
        return line(
            Mark::Fail,
            name,
            format!("no running JobManager pod ({selector}) in {ns}"),
        )
        .hint(format!(
            "the jars are read from a running pod: kubectl -n {ns} get pods -l {selector}"
        ));
    };
    let script = format!(
        "cd /opt/flink && find lib plugins -name '*.jar' && echo '--- base' && cat {BASE_JARS_FILE} 2>/dev/null || true"
    );
    let listed = match tools.kubectl(
        &[
            "exec",
            "-n",
            ns,
            pod,
            "-c",
            FLINK_CONTAINER,
            "--",
            "sh",
            "-c",
            &script,
        ],
        None,
    ) {
        Ok(out) if out.ok() => out.stdout,
        Ok(out) => {
            return line(
                Mark::Fail,
                name,
                format!("kubectl exec {pod}: {}", first_line(&out.stderr)),
            )
        }
        Err(e) => return line(Mark::Fail, name, e.message),
    };
    let (found, base) = split_listing(&listed);
    let version = config.template_vars.get("FLINK_VERSION").unwrap_or("2.0");
    let diff = compare(&image::manifest_for(version), &found, base.as_deref());
    jars_line(pod, &diff)
}

/// `find` output, then (after `--- base`) the base image's own jars when the image has the list.
fn split_listing(text: &str) -> (Vec<String>, Option<Vec<String>>) {
    let (found, base) = match text.split_once("--- base") {
        Some((f, b)) => (f, Some(b)),
        None => (text, None),
    };
    let list = |t: &str| -> Vec<String> {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let base = base.map(list).filter(|b| !b.is_empty());
    (list(found), base)
}

/// What differs between the manifest and a pod.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct JarDiff {
    pub expected: usize,
    pub missing: Vec<String>,
    /// None when the image has no list of its base jars: extras cannot be told apart.
    pub extra: Option<Vec<String>>,
}

/// Missing: manifest jars not at their place. Extra: jars neither in the manifest nor in the
/// base image's own list.
pub fn compare(manifest: &[Jar], found: &[String], base: Option<&[String]>) -> JarDiff {
    let wanted: Vec<String> = manifest.iter().map(Jar::path).collect();
    let missing = wanted
        .iter()
        .filter(|w| !found.contains(w))
        .cloned()
        .collect();
    let extra = base.map(|base| {
        found
            .iter()
            .filter(|f| !wanted.contains(f) && !base.contains(f))
            .cloned()
            .collect()
    });
    JarDiff {
        expected: wanted.len(),
        missing,
        extra,
    }
}

fn jars_line(pod: &str, diff: &JarDiff) -> Line {
    let name = "jars";
    let mut problems = Vec::new();
    if !diff.missing.is_empty() {
        problems.push(format!("missing {}", diff.missing.join(", ")));
    }
    if let Some(extra) = diff.extra.as_ref().filter(|e| !e.is_empty()) {
        problems.push(format!("extra {}", extra.join(", ")));
    }
    if !problems.is_empty() {
        return line(Mark::Fail, name, format!("pod {pod}: {}", problems.join("; ")))
            .hint("FLINK_IMAGE is not the image `flink-sql deploy image` builds from this manifest: rebuild it, push it, run `deploy up`");
    }
    match diff.extra {
        Some(_) => line(
            Mark::Ok,
            name,
            format!("pod {pod} carries the {} jars of the manifest and no others", diff.expected),
        ),
        None => line(
            Mark::Warn,
            name,
            format!("pod {pod} carries the {} jars of the manifest", diff.expected),
        )
        .hint(format!(
            "the image has no {BASE_JARS_FILE} (not built by `flink-sql deploy image`), so extra jars cannot be told from the base image's"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jar(artifact: &str, placement: &str) -> Jar {
        Jar {
            group: "g".into(),
            artifact: artifact.into(),
            version: "1".into(),
            placement: placement.into(),
            sha256: "0".repeat(64),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_missing_manifest_jar_and_an_extra_jar_are_both_named() {
        let manifest = [jar("a", "lib"), jar("gs", "plugins/gs-fs-hadoop")];
        let found = strings(&["lib/flink-dist-2.0.0.jar", "lib/a-1.jar", "lib/stray-2.jar"]);
        let base = strings(&["lib/flink-dist-2.0.0.jar"]);
        let diff = compare(&manifest, &found, Some(&base));
        assert_eq!(diff.missing, strings(&["plugins/gs-fs-hadoop/gs-1.jar"]));
        assert_eq!(diff.extra, Some(strings(&["lib/stray-2.jar"])));
        let l = jars_line("jm-0", &diff);
        assert_eq!(l.mark, Mark::Fail);
        assert!(
            l.text
                .contains("missing plugins/gs-fs-hadoop/gs-1.jar; extra lib/stray-2.jar"),
            "{}",
            l.text
        );
    }

    #[test]
    fn without_the_base_list_extras_are_not_judged_and_it_says_so() {
        let (found, base) = split_listing("lib/a-1.jar\nlib/flink-dist.jar\n--- base\n");
        assert_eq!(base, None);
        let diff = compare(&[jar("a", "lib")], &found, base.as_deref());
        assert_eq!(diff.extra, None);
        assert_eq!(jars_line("jm-0", &diff).mark, Mark::Warn);
        let (found, base) = split_listing("lib/a-1.jar\n--- base\nlib/flink-dist.jar\n");
        assert_eq!(found, strings(&["lib/a-1.jar"]));
        assert_eq!(base, Some(strings(&["lib/flink-dist.jar"])));
        let diff = compare(&[jar("a", "lib")], &found, base.as_deref());
        assert_eq!(jars_line("jm-0", &diff).mark, Mark::Ok);
    }

    #[test]
    fn a_load_balancer_address_is_used_and_a_cluster_ip_is_not() {
        let lb = serde_json::json!({"status": {"loadBalancer": {"ingress": [{"ip": "10.1.2.3"}]}}});
        assert_eq!(exposed_host(&lb).as_deref(), Some("10.1.2.3"));
        let internal =
            serde_json::json!({"spec": {"type": "ClusterIP"}, "status": {"loadBalancer": {}}});
        assert_eq!(exposed_host(&internal), None);
    }

    #[test]
    fn kafka_is_ok_only_when_the_read_outlived_the_api_timeout_or_ended() {
        let mut stopped = Outcome::new(Status::Ok, Duration::from_secs(30));
        stopped.stopped = Some(StopReason::MaxWait(KAFKA_WAIT));
        assert_eq!(
            kafka_verdict(Ok((stopped, vec![])), "k:9093").mark,
            Mark::Ok
        );
        let mut failed = Outcome::new(Status::Failed, Duration::from_secs(2));
        failed.failure = Some(crate::model::Failure {
            message: "Authentication failed during authentication due to invalid credentials"
                .into(),
            pos: None,
            detail: None,
        });
        let l = kafka_verdict(Ok((failed, vec![])), "k:9093");
        assert_eq!(l.mark, Mark::Fail);
        assert!(l.text.contains("Authentication failed"), "{}", l.text);
    }

    #[test]
    fn the_kafka_statement_substitutes_a_hard_password_into_a_working_jaas_line() {
        let mut vars = Vars::default();
        for (k, v) in [
            ("KAFKA_BOOTSTRAP_SERVERS", "k:9093"),
            ("KAFKA_USERNAME", "u"),
            ("KAFKA_PASSWORD", r#"p"a'b\c"#),
            ("TRUSTSTORE_PATH", "/etc/kafka/secrets/t.jks"),
            ("TRUSTSTORE_PASSWORD", "t"),
        ] {
            vars.insert(k, v, Origin::Profile);
        }
        let source = Source {
            name: "s".into(),
            text: KAFKA_SQL.to_owned(),
        };
        let stmts = script::prepare(&[source], &vars, false).unwrap();
        assert_eq!(stmts.len(), 4);
        assert!(
            stmts[2].sql.contains(r#"password="p\"a''b\\c";'"#),
            "{}",
            stmts[2].sql
        );
        assert!(stmts[3].sql.starts_with("SELECT"));
    }
}
