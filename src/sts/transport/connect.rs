//! New connections to STS: DNS and TCP, an optional HTTP proxy, TLS, the HTTP/1.1 handshake.
//!
//! Proxies come from the environment as curl reads them (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, `NO_PROXY`, and their lowercase forms). HTTPS goes through an HTTP `CONNECT`
//! tunnel, so TLS still ends at STS; plain HTTP is forwarded in absolute form.

use std::sync::Arc;
use std::time::Duration;

use hyper::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tower::Service as _;

use super::connection::{Connection, Forward};
use super::pool::Origin;
use crate::roots::Roots;

/// Why no connection could be made; the text names the host and the cause, never a
/// proxy's credentials.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ConnectError(String);

pub(super) struct Connector {
    tcp: HttpConnector,
    tls: tokio_rustls::TlsConnector,
    proxies: Matcher,
    timeout: Duration,
}

impl Connector {
    /// `timeout` bounds everything up to the first request: DNS, TCP, proxy, TLS.
    pub fn new(roots: &Roots, timeout: Duration, proxies: Matcher) -> Result<Self, rustls::Error> {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        // Split across the addresses DNS gives, so one that does not answer leaves time to
        // try the next; the whole connect is bounded by `timeout` below as well.
        tcp.set_connect_timeout(Some(timeout));
        // A peer that vanishes without closing is noticed on a connection in use.
        tcp.set_keepalive(Some(Duration::from_secs(15)));
        tcp.set_keepalive_interval(Some(Duration::from_secs(15)));
        tcp.set_keepalive_retries(Some(3));
        #[cfg(target_os = "linux")]
        tcp.set_tcp_user_timeout(Some(Duration::from_secs(30)));
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_root_certificates(roots.to_rustls()?)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            tcp,
            tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
            proxies,
            timeout,
        })
    }

    pub async fn connect(&self, origin: &Origin) -> Result<Connection, ConnectError> {
        let target = origin.uri().map_err(ConnectError)?;
        let proxy = self.proxies.intercept(&target);
        let connecting = self.open(origin, target, proxy.as_ref());
        match tokio::time::timeout(self.timeout, connecting).await {
            Ok(result) => result,
            Err(_) => Err(ConnectError(format!(
                "no connection to {} within {} ms",
                origin.authority(),
                self.timeout.as_millis()
            ))),
        }
    }

    async fn open(
        &self,
        origin: &Origin,
        target: Uri,
        proxy: Option<&Intercept>,
    ) -> Result<Connection, ConnectError> {
        let failed = |what: &str, e: &dyn std::error::Error| {
            ConnectError(format!("{what} {}: {}", origin.authority(), chain(e)))
        };
        let (tcp, forward) = match proxy {
            None => {
                let tcp = self.tcp.clone().call(target).await;
                (tcp.map_err(|e| failed("cannot connect to", &e))?, None)
            }
            Some(proxy) => self.through(origin, target, proxy).await?,
        };
        if !origin.https {
            return Connection::handshake(tcp, forward)
                .await
                .map_err(|e| failed("HTTP handshake with", &e));
        }
        let name = ServerName::try_from(origin.host.trim_matches(['[', ']']).to_owned())
            .map_err(|e| failed("no TLS server name for", &e))?;
        let tls = self
            .tls
            .connect(name, tcp.into_inner())
            .await
            .map_err(|e| failed("TLS handshake failed with", &e))?;
        Connection::handshake(TokioIo::new(tls), None)
            .await
            .map_err(|e| failed("HTTP handshake with", &e))
    }

    /// A connection through `proxy`: a tunnel for HTTPS, the proxy itself for HTTP.
    async fn through(
        &self,
        origin: &Origin,
        target: Uri,
        proxy: &Intercept,
    ) -> Result<(TokioIo<TcpStream>, Option<Forward>), ConnectError> {
        // Host and port only: an authority with an unescaped `@` in a password can still
        // hold part of it.
        let at = format!(
            "{}:{}",
            proxy.uri().host().unwrap_or("?"),
            proxy.uri().port_u16().unwrap_or(80)
        );
        if proxy.uri().scheme_str() != Some("http") {
            return Err(ConnectError(format!(
                "the proxy {at} for {} is not an http:// URL; only HTTP proxies are supported",
                origin.authority()
            )));
        }
        let failed = |e: &dyn std::error::Error| {
            ConnectError(format!(
                "through the proxy {at}, cannot reach {}: {}",
                origin.authority(),
                chain(e)
            ))
        };
        if !origin.https {
            let tcp = self.tcp.clone().call(proxy.uri().clone()).await;
            let forward = Forward {
                authorization: proxy.basic_auth().cloned(),
            };
            return Ok((tcp.map_err(|e| failed(&e))?, Some(forward)));
        }
        let mut tunnel = Tunnel::new(proxy.uri().clone(), self.tcp.clone());
        if let Some(auth) = proxy.basic_auth() {
            tunnel = tunnel.with_auth(auth.clone());
        }
        let tcp = tunnel.call(target).await.map_err(|e| failed(&e))?;
        Ok((tcp, None))
    }
}

impl Origin {
    fn uri(&self) -> Result<Uri, String> {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}/", self.authority())
            .parse()
            .map_err(|e| format!("{} is not a usable address: {e}", self.authority()))
    }

    pub(super) fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// An error and its causes, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
