//! `[server]`: the listener, its limits, TLS, metrics and logs.

use std::path::Path;
use std::time::Duration;

use super::{Problems, in_range, origins, read};
use crate::config::file::FileConfig;
use crate::config::settings::ServerSettings;
use crate::domain::Secret;
use crate::tls::TlsSettings;

/// Where the management listener binds unless configured: loopback only.
const DEFAULT_MANAGEMENT_LISTEN: &str = "127.0.0.1:9090";

pub(super) fn server(raw: &FileConfig, base: &Path, p: &mut Problems) -> Option<ServerSettings> {
    let s = &raw.server;
    let listen = p.check(
        "server.listen",
        s.listen
            .parse()
            .map_err(|_| format!("`{}` is not an address:port such as 0.0.0.0:8080", s.listen)),
    );
    in_range(
        p,
        "server.max_body_bytes",
        s.max_body_bytes as u64,
        1024,
        1 << 20,
    );
    // hyper needs room for at least 8 KiB of head.
    in_range(
        p,
        "server.max_header_bytes",
        s.max_header_bytes as u64,
        8192,
        1 << 20,
    );
    in_range(
        p,
        "server.max_token_bytes",
        s.max_token_bytes as u64,
        1024,
        s.max_body_bytes as u64,
    );
    in_range(
        p,
        "server.request_timeout_ms",
        s.request_timeout_ms,
        100,
        120_000,
    );
    in_range(
        p,
        "server.body_read_timeout_ms",
        s.body_read_timeout_ms,
        100,
        120_000,
    );
    let json_logs = match s.log_format.as_str() {
        "json" => true,
        "text" => false,
        other => {
            p.add(
                "server.log_format",
                format!("`{other}` is not one of text, json"),
            );
            false
        }
    };
    origins(p, "server.cors_origins", &s.cors_origins);
    in_range(p, "server.forwarded_hops", s.forwarded_hops as u64, 0, 10);
    in_range(
        p,
        "server.header_read_timeout_ms",
        s.header_read_timeout_ms,
        100,
        600_000,
    );
    in_range(
        p,
        "server.max_connections",
        s.max_connections as u64,
        1,
        1_000_000,
    );
    in_range(
        p,
        "server.max_in_flight",
        s.max_in_flight as u64,
        1,
        1_000_000,
    );
    in_range(
        p,
        "server.readiness_grace_seconds",
        s.readiness_grace_seconds,
        0,
        86_400,
    );
    in_range(
        p,
        "server.shutdown_delay_seconds",
        s.shutdown_delay_seconds,
        0,
        300,
    );
    in_range(
        p,
        "server.max_connections_per_address",
        s.max_connections_per_address as u64,
        0,
        1_000_000,
    );
    // An empty metrics_listen meant "on the main listener" under the old name: now there
    // is no such place, so it reads as unset.
    let old = s.metrics_listen.as_deref().filter(|t| !t.is_empty());
    let (key, management) = match (&s.management_listen, old) {
        (Some(_), Some(_)) => {
            p.add(
                "server.metrics_listen",
                "is the old name of server.management_listen, which is set too: keep only management_listen",
            );
            return None;
        }
        (Some(text), None) => ("server.management_listen", text.as_str()),
        (None, Some(text)) => ("server.metrics_listen", text),
        (None, None) => ("server.management_listen", DEFAULT_MANAGEMENT_LISTEN),
    };
    let management_listen = p.check(
        key,
        management
            .parse()
            .map_err(|_| format!("`{management}` is not an address:port such as 127.0.0.1:9090")),
    );
    let tls = match &s.tls {
        Some(t) => {
            let cert = read(p, "server.tls.cert", base, &t.cert);
            let key = read(p, "server.tls.key", base, &t.key);
            Some(TlsSettings {
                cert_pem: cert?,
                key_pem: Secret::new(key?.into_bytes()),
            })
        }
        None => None,
    };
    Some(ServerSettings {
        tls,
        pid_file: s.pid_file.as_ref().map(|f| base.join(f)),
        listen: listen?,
        max_body_bytes: s.max_body_bytes,
        max_header_bytes: s.max_header_bytes,
        request_timeout: Duration::from_millis(s.request_timeout_ms),
        body_read_timeout: Duration::from_millis(s.body_read_timeout_ms),
        cors_origins: s.cors_origins.clone(),
        json_logs,
        forwarded_hops: s.forwarded_hops,
        header_read_timeout: Duration::from_millis(s.header_read_timeout_ms),
        keep_alive: s.keep_alive,
        max_connections: s.max_connections,
        max_connections_per_address: s.max_connections_per_address,
        max_in_flight: s.max_in_flight,
        metrics: s.metrics,
        management_listen: management_listen?,
        readiness_grace: Duration::from_secs(s.readiness_grace_seconds),
        shutdown_delay: Duration::from_secs(s.shutdown_delay_seconds),
    })
}
