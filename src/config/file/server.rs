//! `[server]` as written: the listener, its limits, TLS, metrics and logs.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    pub listen: String,
    pub max_body_bytes: usize,
    pub max_header_bytes: usize,
    pub max_token_bytes: usize,
    pub request_timeout_ms: u64,
    pub body_read_timeout_ms: u64,
    pub cors_origins: Vec<String>,
    pub log_format: String,
    pub forwarded_hops: usize,
    pub header_read_timeout_ms: u64,
    pub keep_alive: bool,
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    pub max_in_flight: usize,
    pub metrics: bool,
    pub management_listen: Option<String>,
    /// The old name of `management_listen`.
    pub metrics_listen: Option<String>,
    pub readiness_grace_seconds: u64,
    pub shutdown_delay_seconds: u64,
    pub tls: Option<TlsSection>,
    pub pid_file: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            listen: "0.0.0.0:8080".into(),
            max_body_bytes: 64 * 1024,
            max_header_bytes: 16 * 1024,
            max_token_bytes: 16 * 1024,
            request_timeout_ms: 10_000,
            body_read_timeout_ms: 5_000,
            cors_origins: Vec::new(),
            log_format: "text".into(),
            forwarded_hops: 0,
            header_read_timeout_ms: 10_000,
            keep_alive: true,
            max_connections: 4096,
            max_connections_per_address: 0,
            max_in_flight: 1024,
            metrics: true,
            management_listen: None,
            metrics_listen: None,
            readiness_grace_seconds: 60,
            shutdown_delay_seconds: 0,
            tls: None,
            pid_file: None,
        }
    }
}
