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
        let ip = address_key(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
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

/// What one client's connections are counted under: its IPv4 address, or its IPv6 /64
/// (one host can use every address of its /64, so each is not a client of its own).
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
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
