//! Unit tests of `http::delegation`.

use super::*;

fn with_xff(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
    headers
}

#[test]
fn the_client_address_is_counted_from_the_trusted_end() {
    let peer: SocketAddr = "10.0.0.9:443".parse().unwrap();
    let headers = with_xff("6.6.6.6, 203.0.113.7");
    assert_eq!(client_ip(peer, &headers, 0), "10.0.0.9");
    assert_eq!(client_ip(peer, &headers, 1), "203.0.113.7");
    assert_eq!(client_ip(peer, &headers, 2), "6.6.6.6");
    // Fewer entries than trusted hops, or garbage: fall back to the peer.
    assert_eq!(client_ip(peer, &headers, 3), "10.0.0.9");
    assert_eq!(client_ip(peer, &with_xff("not-an-ip"), 1), "10.0.0.9");
}
