//! The way to Redis, whichever kind `redis_url` names: one server (`redis://`, `rediss://`),
//! kept by the connection manager, which reconnects to the same address by itself; or the
//! primary behind Redis Sentinel (`redis+sentinel://`, `rediss+sentinel://`), followed
//! through failovers by [`Primary`].

use std::time::Duration;

use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, ServerErrorKind, Value};

use super::primary::Primary;
use super::{StateError, StateSettings};

pub(super) enum Link {
    Single(ConnectionManager),
    Sentinel(Box<Primary>),
}

/// The connection one operation runs on.
pub(super) enum Conn {
    Single(ConnectionManager),
    Primary(MultiplexedConnection),
}

/// Which connection an operation used, so that its failure can be reported against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Used(Option<u64>);

impl Link {
    /// Connects lazily: nothing is asked of Redis or of the sentinels until the first
    /// operation.
    pub fn new(settings: &StateSettings) -> Result<Self, StateError> {
        if let Some(sentinel) = &settings.sentinel {
            let primary = Primary::new(sentinel, settings.ca_pem.as_deref(), settings.timeout)?;
            return Ok(Self::Sentinel(Box::new(primary)));
        }
        let url = settings.url.expose().as_str();
        let client = match &settings.ca_pem {
            Some(pem) => redis::Client::build_with_tls(
                url,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                },
            )?,
            None => redis::Client::open(url)?,
        };
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        Ok(Self::Single(ConnectionManager::new_lazy_with_config(
            client, config,
        )?))
    }

    pub async fn connection(&self) -> Result<(Conn, Used), StateError> {
        match self {
            Self::Single(manager) => Ok((Conn::Single(manager.clone()), Used(None))),
            Self::Sentinel(primary) => {
                let held = primary.connection().await?;
                Ok((Conn::Primary(held.conn), Used(Some(held.id))))
            }
        }
    }

    /// Told that an operation on `used` failed with `error`: when that says the primary
    /// is gone or demoted, the next operation asks the sentinels again.
    pub fn failed(&self, used: Used, error: &StateError) {
        if let (Self::Sentinel(primary), Used(Some(id))) = (self, used)
            && primary_lost(error)
        {
            tracing::debug!(%error, "shared state store: asking the sentinels for the primary again");
            primary.forget(id);
        }
    }
}

/// Whether `error` means the connection no longer leads to a writable primary: it broke or
/// timed out (the primary may be down, or partitioned away), or the node answered that it
/// is a replica now (`READONLY`) or has lost its primary (`MASTERDOWN`).
pub(super) fn primary_lost(error: &StateError) -> bool {
    match error {
        StateError::Timeout(_) => true,
        StateError::Redis(error) => redis_says_primary_lost(error),
        StateError::Entry(_) => false,
    }
}

fn redis_says_primary_lost(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_unrecoverable_error()
        || matches!(
            error.kind(),
            ErrorKind::Server(ServerErrorKind::ReadOnly | ServerErrorKind::MasterDown)
        )
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            Self::Primary(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Primary(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            Self::Primary(c) => c.get_db(),
        }
    }
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
