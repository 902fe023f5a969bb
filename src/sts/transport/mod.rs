//! HTTP/1.1 POSTs to STS over pooled keep-alive connections, each driven by the calling
//! task (see [`connection`]). Redirects are never followed: STS does not send them, and
//! following one could carry an assertion elsewhere.

mod connect;
mod connection;
mod pool;
mod target;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper_util::client::proxy::matcher::Matcher;

pub(crate) use connect::ConnectError;
pub(crate) use connection::Exchange;
use connection::{Forward, SendError};
use pool::Pool;
pub(crate) use target::Target;

use crate::roots::Roots;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// Why a POST got no reply.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransportError {
    /// No connection could be made (DNS, TCP, proxy, TLS): nothing was sent.
    #[error("{0}")]
    Connect(#[from] ConnectError),
    /// The request or its reply failed on an open connection.
    #[error("{0}")]
    Failed(String),
}

pub(crate) struct Transport {
    connector: connect::Connector,
    pool: Arc<Pool>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transport")
    }
}

impl Transport {
    /// Trusts `roots` for HTTPS; `connect_timeout` bounds each new connection. Proxies
    /// come from the environment.
    pub fn new(roots: &Roots, connect_timeout: Duration) -> Result<Self, rustls::Error> {
        Self::with_proxies(roots, connect_timeout, Matcher::from_env())
    }

    fn with_proxies(
        roots: &Roots,
        connect_timeout: Duration,
        proxies: Matcher,
    ) -> Result<Self, rustls::Error> {
        Ok(Self {
            connector: connect::Connector::new(roots, connect_timeout, proxies)?,
            pool: Arc::new(Pool::new(pool::IDLE_TIMEOUT)),
        })
    }

    /// The same transport with idle connections kept for `timeout` (for tests).
    #[cfg(test)]
    fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool = Arc::new(Pool::new(timeout));
        self
    }

    /// Opens a connection to `target` (DNS, TCP, TLS) and keeps it idle for the next POST.
    pub async fn open(&self, target: &Target) -> Result<(), TransportError> {
        let connection = self.connector.connect(&target.origin).await?;
        self.pool.put(&target.origin, connection);
        Ok(())
    }

    /// POSTs a form to `target` and reads the reply, keeping at most `limit` bytes of body.
    pub async fn post_form(
        &self,
        target: &Target,
        body: Bytes,
        limit: usize,
    ) -> Result<Exchange, TransportError> {
        let origin = &target.origin;
        let (mut connection, reused) = match self.pool.take(origin) {
            Some(connection) => (connection, true),
            None => (self.connector.connect(origin).await?, false),
        };
        let request = form_request(target, body, connection.forward.as_ref())?;
        let exchange = match connection.exchange(request, limit).await {
            Ok(exchange) => exchange,
            // An idle connection the peer closed just as it was taken: the request never
            // left, so it goes out on a new connection at once, without counting as a
            // failed attempt.
            Err(SendError::NotSent(not_sent)) if reused => {
                tracing::debug!(error = %not_sent.error, "idle STS connection was closed; reconnecting");
                connection = self.connector.connect(origin).await?;
                connection
                    .exchange(not_sent.request, limit)
                    .await
                    .map_err(failed)?
            }
            Err(e) => return Err(failed(e)),
        };
        self.pool.put(origin, connection);
        Ok(exchange)
    }
}

fn failed(error: SendError) -> TransportError {
    let error = match error {
        SendError::NotSent(not_sent) => not_sent.error,
        SendError::Failed(error) => error,
    };
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    TransportError::Failed(reason)
}

/// The POST itself: origin form, or absolute form through a plain-HTTP proxy.
fn form_request(
    target: &Target,
    body: Bytes,
    forward: Option<&Forward>,
) -> Result<hyper::Request<Full<Bytes>>, TransportError> {
    let uri = match forward {
        Some(_) => target.absolute_form.clone(),
        None => target.origin_form.clone(),
    };
    let mut request = hyper::Request::post(uri)
        .header(header::HOST, target.host.clone())
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .header(header::ACCEPT, HeaderValue::from_static("text/xml"))
        .header(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    if let Some(authorization) = forward.and_then(|f| f.authorization.clone()) {
        request = request.header(header::PROXY_AUTHORIZATION, authorization);
    }
    request
        .body(Full::new(body))
        .map_err(|e| TransportError::Failed(format!("cannot form the request to STS: {e}")))
}
