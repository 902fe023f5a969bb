//! Idle connections, per STS origin, for reuse by the next call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::connection::Connection;

/// Where a connection goes: scheme, host and port of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Origin {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

/// Idle connections kept per origin; more are closed as they come back. One per
/// concurrent call is enough, and a burst beyond this only costs new connections.
const MAX_IDLE_PER_ORIGIN: usize = 64;

/// How long an idle connection is kept. Servers close idle keep-alive connections on
/// their own schedule (AWS after about a minute); reusing one just as it closes fails the
/// call, so ours are dropped well before.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Default)]
pub(super) struct Pool {
    idle: Mutex<HashMap<Origin, Vec<Connection>>>,
}

impl Pool {
    /// The most recently used idle connection to `origin` that is still usable.
    pub fn take(&self, origin: &Origin) -> Option<Connection> {
        let now = Instant::now();
        let mut idle = self.idle.lock().ok()?;
        let list = idle.get_mut(origin)?;
        while let Some(mut connection) = list.pop() {
            if connection.reusable(now, IDLE_TIMEOUT) {
                return Some(connection);
            }
        }
        None
    }

    /// Keeps `connection` for the next call to `origin`, if it can carry one.
    pub fn put(&self, origin: &Origin, mut connection: Connection) {
        let now = Instant::now();
        connection.idle_since = now;
        if !connection.reusable(now, IDLE_TIMEOUT) {
            return;
        }
        let Ok(mut idle) = self.idle.lock() else {
            return;
        };
        let list = idle.entry(origin.clone()).or_default();
        list.retain(|c| now.saturating_duration_since(c.idle_since) < IDLE_TIMEOUT);
        if list.len() < MAX_IDLE_PER_ORIGIN {
            list.push(connection);
        }
    }

    /// Idle connections to `origin` (for tests).
    #[cfg(test)]
    pub fn idle(&self, origin: &Origin) -> usize {
        self.idle
            .lock()
            .map(|idle| idle.get(origin).map_or(0, Vec::len))
            .unwrap_or(0)
    }
}
