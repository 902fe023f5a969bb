//! One HTTP/1.1 connection to STS, driven by the request task that is using it.
//!
//! A pooled hyper client runs each connection as a task of its own, so every call hands
//! the request to that task and the reply back: two cross-task wake-ups, often onto the
//! other worker thread, which under load cost more CPU than the HTTP work itself. Here the
//! connection's state machine is polled by the caller's own task while it waits for the
//! reply, and rests in the pool, unpolled, between calls.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::{Body as _, Incoming};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::rt::{Read, Write};
use tokio::time::Instant;

type Driver = Pin<Box<dyn Future<Output = hyper::Result<()>> + Send>>;

/// What came back: the status, the headers and the body, or `None` for a body over the
/// caller's limit (the connection is then not reused).
pub(crate) struct Exchange {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Option<Vec<u8>>,
}

/// Leaves the body out: a successful reply carries credentials.
impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("status", &self.status)
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("<{} bytes>", b.len())),
            )
            .finish_non_exhaustive()
    }
}

/// A request that never reached the wire, returned with the reason so it can go out on
/// another connection.
pub(super) struct NotSent {
    pub request: hyper::Request<Full<Bytes>>,
    pub error: hyper::Error,
}

pub(super) enum SendError {
    /// The connection was closed before any of the request was written.
    NotSent(Box<NotSent>),
    /// The request may have been sent; the reply was lost.
    Failed(hyper::Error),
}

pub(super) struct Connection {
    sender: SendRequest<Full<Bytes>>,
    /// `None` once the connection has ended: dropping hyper's state then fails whatever
    /// still waits on it instead of leaving it pending.
    driver: Option<Driver>,
    /// Since when it has rested in the pool.
    pub idle_since: Instant,
    /// Set for a connection to a plain-HTTP proxy: requests go in absolute form, with
    /// this `Proxy-Authorization` when the proxy URL carried credentials.
    pub forward: Option<Forward>,
}

/// Requests forwarded by a plain-HTTP proxy.
#[derive(Clone)]
pub(super) struct Forward {
    pub authorization: Option<hyper::header::HeaderValue>,
}

impl Connection {
    /// HTTP/1.1 over `io`, which is already connected (and TLS-wrapped, or tunnelled).
    pub async fn handshake<T>(io: T, forward: Option<Forward>) -> hyper::Result<Self>
    where
        T: Read + Write + Unpin + Send + 'static,
    {
        let (sender, connection) = http1::Builder::new().handshake(io).await?;
        Ok(Self {
            sender,
            driver: Some(Box::pin(connection)),
            idle_since: Instant::now(),
            forward,
        })
    }

    /// Whether it can carry another request: still open, idle, and not past `idle_limit`.
    /// Polls it once so a close the peer sent while it rested is noticed here.
    pub fn reusable(&mut self, now: Instant, idle_limit: std::time::Duration) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        self.poll_driver(&mut cx);
        self.driver.is_some()
            && self.sender.is_ready()
            && now.saturating_duration_since(self.idle_since) < idle_limit
    }

    /// Sends `request` and reads the reply, keeping at most `limit` bytes of body.
    pub async fn exchange(
        &mut self,
        request: hyper::Request<Full<Bytes>>,
        limit: usize,
    ) -> Result<Exchange, SendError> {
        let sending = self.sender.try_send_request(request);
        let response = match self.drive(sending).await {
            Ok(response) => response,
            Err(mut e) => {
                return Err(match e.take_message() {
                    Some(request) => SendError::NotSent(Box::new(NotSent {
                        request,
                        error: e.into_error(),
                    })),
                    None => SendError::Failed(e.into_error()),
                });
            }
        };
        let (head, body) = response.into_parts();
        let body = self
            .read_bounded(body, limit)
            .await
            .map_err(SendError::Failed)?;
        if body.is_none() {
            // The rest of an oversized body would still be on the wire.
            self.driver = None;
        }
        Ok(Exchange {
            status: head.status.as_u16(),
            headers: head.headers,
            body,
        })
    }

    /// The whole body, or `None` as soon as it is known to exceed `limit`.
    async fn read_bounded(
        &mut self,
        mut body: Incoming,
        limit: usize,
    ) -> hyper::Result<Option<Vec<u8>>> {
        let declared = body.size_hint().exact();
        if declared.is_some_and(|n| n > limit as u64) {
            return Ok(None);
        }
        let capacity = declared.map_or(0, |n| usize::try_from(n).unwrap_or(limit));
        let mut out = Vec::with_capacity(capacity.min(limit));
        while let Some(frame) = self.drive(body.frame()).await {
            let Ok(data) = frame?.into_data() else {
                continue; // trailers carry nothing we read
            };
            if out.len() + data.len() > limit {
                return Ok(None);
            }
            out.extend_from_slice(&data);
        }
        Ok(Some(out))
    }

    /// Runs `work` while polling the connection in this same task.
    async fn drive<F: Future>(&mut self, work: F) -> F::Output {
        let mut work = pin!(work);
        std::future::poll_fn(|cx| {
            self.poll_driver(cx);
            work.as_mut().poll(cx)
        })
        .await
    }

    fn poll_driver(&mut self, cx: &mut Context<'_>) {
        if let Some(driver) = &mut self.driver
            && let Poll::Ready(result) = driver.as_mut().poll(cx)
        {
            if let Err(error) = result {
                tracing::debug!(%error, "STS connection ended with an error");
            }
            self.driver = None;
        }
    }
}
