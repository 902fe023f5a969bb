//! Idle connections, per STS origin, for reuse by the next call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use tokio::time::Instant;

use super::connection::Connection;

/// Where a connection goes: scheme, host and port of the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    pub https: bool,
    /// As in the URL: IPv6 addresses keep their brackets.
    pub host: String,
    pub port: u16,
}

/// Idle connections kept per origin; more are closed as they come back. One per
/// concurrent call is enough, and a burst beyond this only costs new connections.
const MAX_IDLE_PER_ORIGIN: usize = 64;

/// How long an idle connection is kept. Servers close idle keep-alive connections on
/// their own schedule (AWS after about a minute); reusing one just as it closes fails the
/// call, so ours are closed well before.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

type Idle = HashMap<Origin, Vec<Connection>>;

pub(super) struct Pool {
    idle: Mutex<Idle>,
    idle_timeout: Duration,
    /// Whether the task closing expired connections runs.
    sweeping: AtomicBool,
}

impl Pool {
    pub fn new(idle_timeout: Duration) -> Self {
        Self {
            idle: Mutex::default(),
            idle_timeout,
            sweeping: AtomicBool::new(false),
        }
    }

    /// A panic elsewhere while the lock was held leaves the map intact: keep using it.
    fn lock(&self) -> MutexGuard<'_, Idle> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most recently used idle connection to `origin` that is still usable.
    pub fn take(&self, origin: &Origin) -> Option<Connection> {
        let now = Instant::now();
        let mut idle = self.lock();
        let list = idle.get_mut(origin)?;
        while let Some(mut connection) = list.pop() {
            if connection.reusable(now, self.idle_timeout) {
                return Some(connection);
            }
        }
        None
    }

    /// Keeps `connection` for the next call to `origin`, if it can carry one.
    pub fn put(self: &Arc<Self>, origin: &Origin, mut connection: Connection) {
        let now = Instant::now();
        connection.idle_since = now;
        if !connection.reusable(now, self.idle_timeout) {
            return;
        }
        {
            let mut idle = self.lock();
            let list = idle.entry(origin.clone()).or_default();
            list.retain(|c| now.saturating_duration_since(c.idle_since) < self.idle_timeout);
            if list.len() < MAX_IDLE_PER_ORIGIN {
                list.push(connection);
            }
        }
        self.start_sweeping();
    }

    /// Closes idle connections that expired or that the peer closed, so none outlives
    /// [`IDLE_TIMEOUT`] by much when calls stop. Runs while the pool exists.
    fn start_sweeping(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool: Weak<Self> = Arc::downgrade(self);
        let period = self.idle_timeout / 3;
        runtime.spawn(async move {
            let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
            loop {
                ticks.tick().await;
                let Some(pool) = pool.upgrade() else {
                    return;
                };
                pool.sweep();
            }
        });
    }

    fn sweep(&self) {
        let now = Instant::now();
        let mut idle = self.lock();
        for list in idle.values_mut() {
            list.retain_mut(|c| c.reusable(now, self.idle_timeout));
        }
        idle.retain(|_, list| !list.is_empty());
    }

    /// Idle connections to `origin` (for tests).
    #[cfg(test)]
    pub fn idle(&self, origin: &Origin) -> usize {
        self.lock().get(origin).map_or(0, Vec::len)
    }
}
