//! A TLS-terminating auth proxy on loopback, as users put in front of Flink: HTTPS with a
//! certificate from a CA made at test time (rcgen), a bearer token required on every request
//! (401 without it), and two upstreams by path prefix (`/gateway/…` → the SQL Gateway,
//! `/jobmanager/…` → the JobManager REST API), each request forwarded over plain HTTP with
//! `Connection: close`. It records each request's method, path and whether it carried the
//! token (never the token itself).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

/// A CA and a server certificate it signed for 127.0.0.1 and localhost.
pub struct Pki {
    pub ca_pem: String,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

impl Pki {
    pub fn new(name: &str) -> Pki {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("{name} test CA"));
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        Pki {
            ca_pem: ca.pem(),
            cert_der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        }
    }

    /// Writes the CA certificate (PEM) into `dir`.
    pub fn write_ca(&self, dir: &Path, file: &str) -> PathBuf {
        let path = dir.join(file);
        std::fs::write(&path, &self.ca_pem).unwrap();
        path
    }
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub had_token: bool,
}

pub struct TlsProxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TlsProxy {
    /// Listens on a free loopback port; `token` is the bearer token it requires.
    pub fn start(pki: &Pki, token: &str, gateway: &str, jobmanager: &str) -> TlsProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![pki.cert_der.clone().into()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(pki.key_der.clone().into()),
        )
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let routes = Arc::new(Routes {
            token: format!("Bearer {token}"),
            gateway: host_port(gateway),
            jobmanager: host_port(jobmanager),
            seen: seen.clone(),
        });
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, routes) = (acceptor.clone(), routes.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = routes.serve(tls).await;
                    }
                });
            }
        });
        TlsProxy {
            addr,
            seen,
            runtime: Some(runtime),
        }
    }

    pub fn url(&self, prefix: &str) -> String {
        format!("https://127.0.0.1:{}/{prefix}", self.addr.port())
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn host_port(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

struct Routes {
    token: String,
    gateway: String,
    jobmanager: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Routes {
    /// Requests on one connection, one after the other, each forwarded on a connection of its own.
    async fn serve<S>(&self, mut client: S) -> std::io::Result<()>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let mut buf = Vec::new();
        loop {
            let Some((head, body)) = read_request(&mut client, &mut buf).await? else {
                return Ok(());
            };
            let mut lines = head.split("\r\n");
            let request_line = lines.next().unwrap_or_default().to_owned();
            let mut parts = request_line.split(' ');
            let (method, target) = (
                parts.next().unwrap_or_default().to_owned(),
                parts.next().unwrap_or_default().to_owned(),
            );
            let headers: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
            let had_token = headers.iter().any(|h| {
                h.split_once(':').is_some_and(|(k, v)| {
                    k.eq_ignore_ascii_case("authorization") && v.trim() == self.token
                })
            });
            self.seen.lock().unwrap().push(Seen {
                method: method.clone(),
                path: target.clone(),
                had_token,
            });
            if !had_token {
                let body = r#"{"errors":["missing or wrong bearer token"]}"#;
                let answer = format!(
                    "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nwww-authenticate: Bearer\r\n\r\n{body}",
                    body.len()
                );
                client.write_all(answer.as_bytes()).await?;
                continue;
            }
            let (upstream, path) = match target.split_once('/').map(|(_, rest)| rest) {
                Some(rest) if rest.starts_with("gateway/") => {
                    (&self.gateway, &target["/gateway".len()..])
                }
                Some(rest) if rest.starts_with("jobmanager/") => {
                    (&self.jobmanager, &target["/jobmanager".len()..])
                }
                _ => {
                    client
                        .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                        .await?;
                    continue;
                }
            };
            let mut forward = format!("{method} {path} HTTP/1.1\r\n");
            for h in &headers {
                let name = h.split(':').next().unwrap_or_default();
                if !["connection", "host", "authorization"]
                    .iter()
                    .any(|n| name.eq_ignore_ascii_case(n))
                {
                    forward.push_str(h);
                    forward.push_str("\r\n");
                }
            }
            forward.push_str(&format!("host: {upstream}\r\nconnection: close\r\n\r\n"));
            let mut up = TcpStream::connect(upstream.as_str()).await?;
            up.write_all(forward.as_bytes()).await?;
            up.write_all(&body).await?;
            let mut answer = Vec::new();
            up.read_to_end(&mut answer).await?;
            client.write_all(&answer).await?;
            // The upstream's answer may say `connection: close`: the client then opens anew.
            if String::from_utf8_lossy(&answer[..answer.len().min(2048)])
                .to_ascii_lowercase()
                .contains("connection: close")
            {
                let _ = client.shutdown().await;
                return Ok(());
            }
        }
    }
}

/// Reads one request: its head (up to the blank line) and a `content-length` body.
async fn read_request<S: tokio::io::AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < end + 4 + length {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[end + 4..end + 4 + length].to_vec();
    buf.drain(..end + 4 + length);
    Ok(Some((head, body)))
}
