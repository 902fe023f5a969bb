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

#[test]
fn the_addresses_of_one_ipv6_64_count_as_one_client() {
    let limits = PerAddress::new(1);
    let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
    let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
    let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
    let _held = limits.take(one).unwrap();
    assert!(
        limits.take(same_64).is_none(),
        "another address of the same /64"
    );
    assert!(limits.take(other_64).is_some());
    let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
    let _v4 = limits.take("192.0.2.7".parse().unwrap()).unwrap();
    assert!(
        limits.take(mapped).is_none(),
        "an IPv4-mapped address is its IPv4 address"
    );
}
