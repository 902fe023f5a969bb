//! `server.max_connections_per_address`: how many connections each peer address holds,
//! and the place each connection takes under its address's limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Open connections by peer address, for `max_connections_per_address`.
#[derive(Clone)]
pub(super) struct PerAddress {
    limit: usize,
    open: Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>,
}

/// One connection's place under its address's limit, given back when dropped.
pub(super) struct Slot {
    ip: IpAddr,
    open: Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>,
}

impl PerAddress {
    pub(super) fn new(limit: usize) -> Self {
        Self {
            limit,
            open: Arc::default(),
        }
    }

    /// A place for a connection from `ip`: `Some(None)` without a limit, `None` when the
    /// address is at its limit.
    pub(super) fn take(&self, ip: IpAddr) -> Option<Option<Slot>> {
        if self.limit == 0 {
            return Some(None);
        }
        let mut open = self.open.lock().ok()?;
        let count = open.entry(ip).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Some(Slot {
            ip,
            open: Arc::clone(&self.open),
        }))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Ok(mut open) = self.open.lock() else {
            return;
        };
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
#[path = "per_address_tests.rs"]
mod tests;
