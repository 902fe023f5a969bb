//! Unit tests of `cli::healthcheck`.

use super::*;

#[test]
fn an_unspecified_listen_address_is_probed_on_loopback() {
    let v4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let v6: SocketAddr = "[::]:9000".parse().unwrap();
    let fixed: SocketAddr = "10.1.2.3:8080".parse().unwrap();
    assert_eq!(probe_address(v4), "127.0.0.1:8080".parse().unwrap());
    assert_eq!(probe_address(v6), "[::1]:9000".parse().unwrap());
    assert_eq!(probe_address(fixed), fixed);
}

#[test]
fn the_status_code_is_read_from_the_status_line() {
    assert_eq!(parse_status(b"HTTP/1.1 200 OK\r\ncontent-"), Some(200));
    assert_eq!(
        parse_status(b"HTTP/1.1 503 Service Unavailable\r\n"),
        Some(503)
    );
    assert_eq!(parse_status(b"SSH-2.0-OpenSSH_9.2\r\n"), None);
    assert_eq!(parse_status(b""), None);
}
