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
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_places_back_as_its_connections_close() {
        let limits = PerAddress::new(2);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let first = limits.take(a).unwrap();
        let _second = limits.take(a).unwrap();
        assert!(limits.take(a).is_none(), "a third from the same address");
        assert!(limits.take(b).is_some(), "another address is not affected");
        drop(first);
        assert!(limits.take(a).is_some());
        assert!(
            PerAddress::new(0)
                .take(a)
                .is_some_and(|slot| slot.is_none())
        );
    }
}
