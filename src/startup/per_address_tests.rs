//! Unit tests of `startup::per_address`.

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
