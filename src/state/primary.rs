//! The primary behind Redis Sentinel: asked of the sentinels, connected to, and asked for
//! again once it fails.
//!
//! One connection to the current primary is shared by every request. When an operation on
//! it fails in a way that says the primary is gone or no longer primary (see
//! [`super::link`]), the connection is dropped and the next operation asks the sentinels
//! again. Only one lookup runs at a time; requests that queued behind a lookup that failed
//! get its error rather than asking again, so a failover does not turn every request into
//! a round of sentinel queries. Every lookup is bounded by `[state] timeout`.
//!
//! The sentinels are asked in the order listed, and a slow one holds up the answers of
//! those after it. So when a lookup fails or is cut short, the next one starts with the
//! next sentinel: one that is gone without refusing connections (its zone dark, its
//! packets dropped) costs a lookup or two rather than every one.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{AsyncConnectionConfig, ConnectionAddr, RedisError, TlsCertificates, TlsMode};

use super::StateError;
use super::sentinel_url::SentinelUrl;

/// The connection to the primary in use, and which lookup made it.
#[derive(Clone)]
pub(super) struct Held {
    pub id: u64,
    pub conn: MultiplexedConnection,
}

struct Lookup {
    sentinels: SentinelClient,
    /// The sentinel asked first, as an index into the listed ones.
    first: usize,
    /// Set while a lookup runs and left set when it does not succeed (it failed, or was
    /// dropped at the timeout): the next lookup starts with the next sentinel.
    unsettled: bool,
    /// Why the last lookup failed, for requests that waited for it.
    failed: Option<Failed>,
    /// Where the last primary was, so that a change is logged once.
    address: Option<String>,
}

#[derive(Clone)]
enum Failed {
    Redis(RedisError),
    Timeout,
}

pub(super) struct Primary {
    lookup: tokio::sync::Mutex<Lookup>,
    url: SentinelUrl,
    ca_pem: Option<Vec<u8>>,
    held: Mutex<Option<Held>>,
    /// Lookups started so far; also numbers the connections.
    lookups: AtomicU64,
    /// Lookups ended so far, whether they finished or their caller gave up on them.
    ended: AtomicU64,
    config: AsyncConnectionConfig,
    timeout: Duration,
    service: String,
}

impl Primary {
    pub fn new(
        url: &SentinelUrl,
        ca_pem: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Self, RedisError> {
        let ca_pem = ca_pem.map(<[u8]>::to_vec);
        Ok(Self {
            lookup: tokio::sync::Mutex::new(Lookup {
                sentinels: sentinel_client(url, ca_pem.as_deref(), 0)?,
                first: 0,
                unsettled: false,
                failed: None,
                address: None,
            }),
            url: url.clone(),
            ca_pem,
            held: Mutex::new(None),
            lookups: AtomicU64::new(0),
            ended: AtomicU64::new(0),
            config: AsyncConnectionConfig::new()
                .set_connection_timeout(Some(timeout))
                .set_response_timeout(Some(timeout)),
            timeout,
            service: url.service.clone(),
        })
    }

    fn current(&self) -> Option<Held> {
        self.held.lock().ok().and_then(|held| held.clone())
    }

    /// The connection to the primary, asking the sentinels for it if there is none.
    pub async fn connection(&self) -> Result<Held, StateError> {
        if let Some(held) = self.current() {
            return Ok(held);
        }
        let before = self.ended.load(Ordering::Acquire);
        let mut lookup = self.lookup.lock().await;
        if let Some(held) = self.current() {
            return Ok(held);
        }
        // A lookup ran while this request waited for its turn and failed: its answer
        // is this request's too.
        if self.ended.load(Ordering::Acquire) != before
            && let Some(failed) = &lookup.failed
        {
            return Err(match failed {
                Failed::Redis(error) => StateError::Redis(error.clone()),
                Failed::Timeout => StateError::Timeout(self.timeout),
            });
        }
        let id = self.lookups.fetch_add(1, Ordering::AcqRel) + 1;
        lookup.failed = None;
        if lookup.unsettled {
            let next = (lookup.first + 1) % self.url.sentinels.len().max(1);
            if let Ok(client) = sentinel_client(&self.url, self.ca_pem.as_deref(), next) {
                lookup.sentinels = client;
                lookup.first = next;
            }
        }
        lookup.unsettled = true;
        // What the waiters get if this caller gives up (its own deadline) before the
        // lookup ends; replaced by the outcome when it does end.
        lookup.failed = Some(Failed::Timeout);
        let _ended = Ended(&self.ended);
        let found = tokio::time::timeout(self.timeout, async {
            let client = lookup.sentinels.async_get_client().await?;
            let address = client.get_connection_info().addr().to_string();
            let conn = client
                .get_multiplexed_async_connection_with_config(&self.config)
                .await?;
            Ok::<_, RedisError>((address, conn))
        })
        .await;
        match found {
            Ok(Ok((address, conn))) => {
                lookup.unsettled = false;
                lookup.failed = None;
                if lookup.address.as_deref() != Some(address.as_str()) {
                    tracing::info!(service = %self.service, primary = %address, "shared state store: primary found through the sentinels");
                    lookup.address = Some(address);
                }
                let held = Held { id, conn };
                if let Ok(mut slot) = self.held.lock() {
                    *slot = Some(held.clone());
                }
                Ok(held)
            }
            Ok(Err(error)) => {
                lookup.failed = Some(Failed::Redis(error.clone()));
                Err(StateError::Redis(error))
            }
            Err(_) => {
                lookup.failed = Some(Failed::Timeout);
                Err(StateError::Timeout(self.timeout))
            }
        }
    }

    /// Forgets connection `id`: the next operation asks the sentinels again. A newer
    /// connection (another request already reconnected) is kept.
    pub fn forget(&self, id: u64) {
        if let Ok(mut held) = self.held.lock()
            && held.as_ref().is_some_and(|h| h.id == id)
        {
            *held = None;
        }
    }
}

/// A client for the sentinels of `url`, asking them in the order listed but starting with
/// the one at `first`. The credentials go to the sentinels and the data nodes alike.
fn sentinel_client(
    url: &SentinelUrl,
    ca_pem: Option<&[u8]>,
    first: usize,
) -> Result<SentinelClient, RedisError> {
    let count = url.sentinels.len();
    let addresses = (0..count)
        .map(|i| &url.sentinels[(first + i) % count])
        .map(|(host, port)| match url.tls {
            true => ConnectionAddr::TcpTls {
                host: host.clone(),
                port: *port,
                insecure: false,
                tls_params: None,
            },
            false => ConnectionAddr::Tcp(host.clone(), *port),
        });
    let mut builder =
        SentinelClientBuilder::new(addresses, &url.service, SentinelServerType::Master)?
            .set_client_to_redis_db(url.db);
    if let Some(user) = &url.username {
        builder = builder
            .set_client_to_redis_username(user)
            .set_client_to_sentinel_username(user);
    }
    if let Some(password) = &url.password {
        builder = builder
            .set_client_to_redis_password(password.expose())
            .set_client_to_sentinel_password(password.expose());
    }
    if url.tls {
        builder = builder
            .set_client_to_redis_tls_mode(TlsMode::Secure)
            .set_client_to_sentinel_tls_mode(TlsMode::Secure);
        if let Some(pem) = ca_pem {
            let certificates = TlsCertificates {
                client_tls: None,
                root_cert: Some(pem.to_vec()),
            };
            builder = builder
                .set_client_to_redis_certificates(certificates.clone())
                .set_client_to_sentinel_certificates(certificates);
        }
    }
    builder.build()
}

/// Counts a lookup as ended when dropped: when it finished, and when its caller gave up on
/// it, so the requests that waited for it share its outcome either way.
struct Ended<'a>(&'a AtomicU64);

impl Drop for Ended<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}
