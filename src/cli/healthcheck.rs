//! `healthcheck`: GET `/healthz` on the configured listener, for container health checks
//! in images without curl (distroless). Exit 0 when the server answers 200, 1 otherwise.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::config::file::ServerSection;

/// Only `server.listen` matters here; the other sections are the server's business, so a
/// probe does not re-read keys or compile rules every few seconds.
#[derive(Deserialize)]
struct ListenOnly {
    #[serde(default)]
    server: ServerSection,
}

/// Checks that the server configured in `path` answers `/healthz` within `timeout`.
pub fn healthcheck(path: &Path, timeout: Duration) -> Result<(), String> {
    let target = probe_address(listen_address(path)?);
    let status = get_status(target, "/healthz", timeout)
        .map_err(|e| format!("http://{target}/healthz: {e}"))?;
    if status == 200 {
        println!("http://{target}/healthz: ok");
        Ok(())
    } else {
        Err(format!("http://{target}/healthz answered {status}"))
    }
}

/// `server.listen` as `serve` reads it: the file, then `DELEGATION_SERVER__LISTEN`.
fn listen_address(path: &Path) -> Result<SocketAddr, String> {
    if !path.exists() {
        return Err(format!(
            "{} does not exist (set --config or DELEGATION_CONFIG)",
            path.display()
        ));
    }
    let figment = crate::config::with_env_overrides(path).map_err(|e| e.to_string())?;
    let listen = figment
        .extract::<ListenOnly>()
        .map_err(|e| format!("cannot read server.listen: {e}"))?
        .server
        .listen;
    listen
        .parse()
        .map_err(|_| format!("server.listen: `{listen}` is not an address:port"))
}

/// A server listening on every address (0.0.0.0 or ::) is reached on loopback: the probe
/// runs beside it, in the same container or pod.
fn probe_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// One plain HTTP/1.1 GET; returns the status code. Blocking with timeouts on every step,
/// so a hung server fails the probe instead of hanging it.
fn get_status(target: SocketAddr, path: &str, timeout: Duration) -> Result<u16, String> {
    let mut stream = TcpStream::connect_timeout(&target, timeout).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    // The status line is all we need; it fits in the first read of a small reply.
    let mut head = [0u8; 64];
    let mut len = 0;
    while len < head.len() {
        match stream.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) => return Err(e.to_string()),
        }
        if head[..len].contains(&b'\n') {
            break;
        }
    }
    parse_status(&head[..len]).ok_or_else(|| "not an HTTP reply".to_owned())
}

fn parse_status(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let mut parts = line.split(' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    parts.next()?.parse().ok()
}

#[cfg(test)]
#[path = "healthcheck_tests.rs"]
mod tests;
