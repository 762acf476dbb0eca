//! `flink-sql doctor`: what is wrong with this profile's connections, one check at a time. Each
//! check is one line (ok, warn or FAIL) with a hint when it is not ok: the gateway and the
//! JobManager (reachability, latency), the API version and what it allows, TLS and headers in use
//! (header names only), a session round trip, the Flink version and free slots, and the Kafka
//! brokers and schema registry the profile names, over TCP (and TLS where the profile says so).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::CliError;
use crate::gateway::{self, Client, Version};
use crate::jobmanager::JobManager;
use crate::secrets::Redactor;

/// How long one network check may take.
const CHECK_LIMIT: Duration = Duration::from_secs(5);

/// What the checks need, resolved from the profile and the flags by `settings`.
#[derive(Debug, Clone)]
pub struct Target {
    pub gateway: gateway::Config,
    pub jobmanager_url: Option<String>,
    /// `host:port` of each Kafka bootstrap server.
    pub kafka: Vec<String>,
    /// The profile's Kafka protocol says SSL (SSL or SASL_SSL).
    pub kafka_tls: bool,
    /// A CA for the brokers' certificates (KAFKA_CA_PEM); else the system roots.
    pub kafka_ca: Option<PathBuf>,
    pub registry_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Check {
    pub level: Level,
    pub name: &'static str,
    pub detail: String,
    pub hint: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            level: Level::Ok,
            name,
            detail: detail.into(),
            hint: None,
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Check {
        Check {
            level: Level::Fail,
            name,
            detail: detail.into(),
            hint: Some(hint.into()),
        }
    }

    fn warn(name: &'static str, detail: impl Into<String>, hint: impl Into<String>) -> Check {
        Check {
            level: Level::Warn,
            ..Check::fail(name, detail, hint)
        }
    }
}

/// Runs every check, in order; a check that needs an earlier one that failed says so.
pub async fn run(target: &Target, redactor: &Redactor) -> Result<Vec<Check>, CliError> {
    let mut checks = vec![transport(
        "gateway tls",
        &target.gateway.url,
        &target.gateway,
    )];
    let client = Client::new(&target.gateway, redactor.clone(), None)?;
    checks.extend(gateway_checks(client).await);
    checks.extend(jobmanager_checks(target, redactor).await?);
    for server in &target.kafka {
        checks.push(kafka(server, target).await);
    }
    if let Some(url) = &target.registry_url {
        checks.push(registry(url, target).await);
    }
    Ok(checks)
}

/// One line per check and its hint; `ok`/`warn`/`FAIL` first so a reader scans the left edge.
pub fn write_report(w: &mut impl Write, checks: &[Check]) -> io::Result<()> {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in checks {
        let level = match c.level {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        writeln!(w, "{level:<4}  {:<width$}  {}", c.name, c.detail)?;
        if let Some(hint) = &c.hint {
            writeln!(w, "      {:<width$}  hint: {hint}", "")?;
        }
    }
    Ok(())
}

/// Scheme, CA and header names (values are never shown; a token is named as such).
fn transport(name: &'static str, url: &str, config: &gateway::Config) -> Check {
    let scheme = if url.starts_with("https://") {
        "https"
    } else {
        "http (no TLS)"
    };
    let ca = match &config.ca_cert {
        Some(path) => format!(", CA {}", path.display()),
        None if scheme == "https" => ", system CAs".to_owned(),
        None => String::new(),
    };
    let mut headers: Vec<String> = config.headers.iter().map(|(k, _)| k.clone()).collect();
    if config.token.is_some() {
        headers.push("Authorization (bearer token, SQL_GATEWAY_TOKEN)".to_owned());
    }
    let headers = if headers.is_empty() {
        "no extra headers".to_owned()
    } else {
        format!("headers {} (values masked)", headers.join(", "))
    };
    Check::ok(name, format!("{scheme}{ca}; {headers}"))
}

async fn gateway_checks(mut client: Client) -> Vec<Check> {
    let url = gateway::without_password(client.http().base());
    let started = Instant::now();
    let version = match limited(client.negotiate()).await {
        Ok(v) => v,
        Err(e) => {
            return vec![Check::fail(
                "gateway",
                format!("{url}: {}", e.message),
                e.hints
                    .first()
                    .cloned()
                    .unwrap_or_else(|| gateway::GATEWAY_HINT.to_owned()),
            )]
        }
    };
    let mut checks = vec![Check::ok(
        "gateway",
        format!("{url} answered in {}", ms(started.elapsed())),
    )];
    checks.push(Check::ok(
        "api version",
        format!("{version:?}: {}", allows(version)),
    ));
    checks.push(match limited(client.info()).await {
        Ok(info) => Check::ok(
            "gateway flink",
            format!("{} {}", info.product_name, info.version),
        ),
        Err(e) => Check::fail(
            "gateway flink",
            e.message,
            "GET /info failed; -v shows the call",
        ),
    });
    checks.push(session_round_trip(&client).await);
    checks
}

/// What each API version lets flink-sql do.
fn allows(version: Version) -> &'static str {
    match version {
        Version::V1 => "statements and results (Flink 1.16); no statement completion",
        Version::V2 => {
            "statements, JSON rows, job ids of results, completion, configure-session (Flink 1.17+)"
        }
        Version::V3 => "as v2, plus materialized-table refresh (Flink 1.20)",
        Version::V4 => "as v3, plus application-mode scripts (Flink 2.x)",
    }
}

async fn session_round_trip(client: &Client) -> Check {
    let started = Instant::now();
    let round_trip = async {
        let id = client.open_session("flink-sql-doctor", &[]).await?;
        client.close_session(&id).await
    };
    match limited(round_trip).await {
        Ok(()) => Check::ok(
            "session",
            format!("opened and closed in {}", ms(started.elapsed())),
        ),
        Err(e) => Check::fail(
            "session",
            e.message,
            "the gateway answers but cannot open a session: see its log",
        ),
    }
}

async fn jobmanager_checks(target: &Target, redactor: &Redactor) -> Result<Vec<Check>, CliError> {
    let Some(url) = &target.jobmanager_url else {
        return Ok(vec![Check::warn(
            "jobmanager",
            "no JobManager URL",
            "set FLINK_REST_URL in the profile or pass --jobmanager (needed by --wait and jobs)",
        )]);
    };
    let config = &target.gateway;
    let jm = JobManager::with_auth(
        url,
        config.headers.clone(),
        config.token.clone(),
        config.ca_cert.clone(),
        redactor.clone(),
        None,
    )?;
    let shown = gateway::without_password(url);
    let mut checks = vec![transport("jobmanager tls", url, config)];
    let started = Instant::now();
    let overview = match limited(jm.cluster()).await {
        Ok(o) => o,
        Err(e) => {
            checks.push(Check::fail(
                "jobmanager",
                format!("{shown}: {}", e.message),
                e.hints
                    .first()
                    .cloned()
                    .unwrap_or_else(|| crate::jobmanager::JOBMANAGER_HINT.to_owned()),
            ));
            return Ok(checks);
        }
    };
    checks.push(Check::ok(
        "jobmanager",
        format!("{shown} answered in {}", ms(started.elapsed())),
    ));
    checks.push(Check::ok(
        "flink",
        format!("Flink {}", overview.flink_version),
    ));
    let slots = format!(
        "{} of {} task slots free on {} TaskManager(s)",
        overview.slots_available, overview.slots_total, overview.taskmanagers
    );
    checks.push(match (overview.taskmanagers, overview.slots_available) {
        (0, _) => Check::fail(
            "slots",
            slots,
            "no TaskManager is registered: no job can run",
        ),
        (_, 0) => Check::warn(
            "slots",
            slots,
            "every slot is taken: a new job waits (flink-sql jobs list shows what runs)",
        ),
        _ => Check::ok("slots", slots),
    });
    Ok(checks)
}

async fn kafka(server: &str, target: &Target) -> Check {
    let tls = target.kafka_tls.then_some(target.kafka_ca.as_ref());
    let hint = if target.kafka_tls {
        "check KAFKA_BOOTSTRAP_SERVERS, KAFKA_CA_PEM and that the broker's certificate names this host"
    } else {
        "check KAFKA_BOOTSTRAP_SERVERS and that the broker listens there"
    };
    endpoint("kafka", server, tls, hint).await
}

async fn registry(url: &str, target: &Target) -> Check {
    let Some((https, host_port)) = host_port(url) else {
        return Check::fail(
            "registry",
            format!(
                "cannot read SCHEMA_REGISTRY_URL '{}'",
                gateway::without_password(url)
            ),
            "it must look like https://host[:port][/path]",
        );
    };
    let ca = https.then_some(target.kafka_ca.as_ref().or(target.gateway.ca_cert.as_ref()));
    endpoint(
        "registry",
        &host_port,
        ca,
        "check SCHEMA_REGISTRY_URL and that the registry listens there",
    )
    .await
}

/// TCP to `server`, then a TLS handshake when `tls` is `Some` (with that CA, or the system roots).
async fn endpoint(
    name: &'static str,
    server: &str,
    tls: Option<Option<&PathBuf>>,
    hint: &str,
) -> Check {
    let started = Instant::now();
    let tcp = match limited_io(tokio::net::TcpStream::connect(server)).await {
        Ok(tcp) => tcp,
        Err(e) => return Check::fail(name, format!("{server}: TCP: {e}"), hint),
    };
    let Some(ca) = tls else {
        return Check::ok(
            name,
            format!("{server}: TCP connect in {}", ms(started.elapsed())),
        );
    };
    match handshake(tcp, server, ca).await {
        Ok(()) => Check::ok(
            name,
            format!("{server}: TCP + TLS handshake in {}", ms(started.elapsed())),
        ),
        Err(e) => Check::fail(name, format!("{server}: TLS: {e}"), hint),
    }
}

async fn handshake(
    tcp: tokio::net::TcpStream,
    server: &str,
    ca: Option<&PathBuf>,
) -> Result<(), String> {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let (added, _) = roots.add_parsable_certificates(pem_certs(&pem));
            if added == 0 {
                return Err(format!("{} holds no PEM certificate", path.display()));
            }
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let host = server.rsplit_once(':').map_or(server, |(h, _)| h);
    let name = rustls::pki_types::ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
        .map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    limited_io(connector.connect(name, tcp))
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn pem_certs(pem: &[u8]) -> Vec<tokio_rustls::rustls::pki_types::CertificateDer<'static>> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    tokio_rustls::rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect()
}

/// `https://host:port/path` → (is https, `host:port`), the port defaulting by scheme.
fn host_port(url: &str) -> Option<(bool, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let https = scheme.eq_ignore_ascii_case("https");
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority.is_empty() {
        return None;
    }
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok());
    Some(match has_port {
        true => (https, authority.to_owned()),
        false => (
            https,
            format!("{authority}:{}", if https { 443 } else { 80 }),
        ),
    })
}

/// The profile's comma-separated bootstrap list as `host:port` entries.
pub fn bootstrap_servers(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_start_matches("SASL_SSL://")
                .trim_start_matches("SSL://")
                .to_owned()
        })
        .collect()
}

async fn limited<T>(
    call: impl std::future::Future<Output = Result<T, impl Into<CliError>>>,
) -> Result<T, CliError> {
    match tokio::time::timeout(CHECK_LIMIT, call).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(CliError::connection(format!(
            "no answer within {}",
            humantime::format_duration(CHECK_LIMIT)
        ))),
    }
}

async fn limited_io<T>(call: impl std::future::Future<Output = io::Result<T>>) -> io::Result<T> {
    tokio::time::timeout(CHECK_LIMIT, call)
        .await
        .unwrap_or_else(|_| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no answer within 5s",
            ))
        })
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_urls_become_host_and_port_by_scheme() {
        assert_eq!(
            host_port("https://u:p@reg.example/apis/ccompat/v7"),
            Some((true, "reg.example:443".to_owned()))
        );
        assert_eq!(
            host_port("http://127.0.0.1:8085/x"),
            Some((false, "127.0.0.1:8085".to_owned()))
        );
        assert_eq!(host_port("reg.example"), None);
    }

    #[test]
    fn bootstrap_lists_split_on_commas_and_lose_protocol_prefixes() {
        assert_eq!(
            bootstrap_servers(" a:9093, SASL_SSL://b:9093 ,"),
            ["a:9093", "b:9093"]
        );
    }

    #[test]
    fn header_values_and_the_token_are_never_in_the_report() {
        let config = gateway::Config {
            url: "https://gw.example".into(),
            headers: vec![("X-Team".into(), "hush-value".into())],
            token: Some("t0k3n".into()),
            ..Default::default()
        };
        let check = transport("gateway tls", &config.url, &config);
        let mut out = Vec::new();
        write_report(&mut out, &[check]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("X-Team") && text.contains("bearer token"),
            "{text}"
        );
        assert!(
            !text.contains("hush-value") && !text.contains("t0k3n"),
            "{text}"
        );
    }
}
