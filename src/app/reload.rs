//! How a reload treats each setting. `App::build_with` keeps a component of the running
//! app when the settings it is built from compare equal, and rebuilds it otherwise;
//! [`on_reload`] lists every field of [`Settings`] with what a change to it does.

use crate::config::{ServerSettings, Settings};

/// The components a reload keeps while their settings are unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The token verifier, with its JWKS caches.
    Verifier,
    /// The STS client, with its connection pool.
    Sts,
    /// The rules engine, with its workers.
    Rules,
    /// The Redis connection.
    State,
    /// The server's own OIDC issuer, with the keys a reload stopped signing with.
    Oidc,
    /// The per-user rate limit, with its buckets.
    Limiter,
    /// The credential cache, with its entries.
    Cache,
    /// The places of `server.max_in_flight`.
    InFlight,
    /// The audit sink, with its open file.
    Audit,
}

/// What a reload does with a changed setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnReload {
    /// Part of what these components are built from: each is kept while everything it is
    /// built from compares equal, and rebuilt when any of it changed.
    Compared(&'static [Component]),
    /// Read from the running settings where it is used (per request): applies at once.
    Live,
    /// Built into something a reload always makes anew (the SAML signer, the listener's TLS
    /// configuration): applies at once.
    Rebuilt,
    /// Read once when the server starts: applies after a restart.
    Restart,
    /// A section whose fields are listed one by one, as `section.field`.
    PerField,
}

/// Destructures `$value` as `$ty` without `..`, so that a field added to the type does not
/// compile until it is listed here, and pairs each field's name with how a reload treats it.
macro_rules! classify {
    ($value:expr, $prefix:literal, $ty:ident { $($field:ident: $how:expr),* $(,)? }) => {{
        let $ty { $($field: _),* } = $value;
        vec![$((concat!($prefix, stringify!($field)), $how)),*]
    }};
}

/// Every field of `settings` (and of its `server` section) with how a reload treats it.
/// The list is checked against what `App::build_with` actually keeps (src/app_tests.rs).
pub fn on_reload(settings: &Settings) -> Vec<(&'static str, OnReload)> {
    use Component::*;
    use OnReload::*;
    let mut fields = classify!(
        settings,
        "",
        Settings {
            server: PerField,
            saml: Rebuilt,
            sts: Compared(&[Sts, Cache]),
            verifier: Compared(&[Verifier]),
            clients: Live,
            rules: Compared(&[Rules]),
            limits: Compared(&[Limiter]),
            cache: Compared(&[Cache]),
            state: Compared(&[State, Limiter, Cache]),
            oidc_issuer: Compared(&[Oidc]),
            outbound: Compared(&[Verifier, Sts]),
            audit: Compared(&[Audit]),
            // Whether the management listener is bound at all is decided at start, with
            // `server.metrics`.
            admin_token: Live,
            // Only warned about when the server starts.
            renamed: Restart,
        }
    );
    // `listen`, `management_listen` and `metrics` are the ones `Server::reload` warns about;
    // adding or removing `tls` is refused there.
    fields.extend(classify!(
        &settings.server,
        "server.",
        ServerSettings {
            listen: Restart,
            max_body_bytes: Live,
            max_header_bytes: Restart,
            request_timeout: Live,
            body_read_timeout: Live,
            cors_origins: Live,
            json_logs: Restart,
            forwarded_hops: Live,
            header_read_timeout: Restart,
            keep_alive: Restart,
            max_connections: Restart,
            max_connections_per_address: Restart,
            max_in_flight: Compared(&[InFlight]),
            metrics: Restart,
            management_listen: Restart,
            readiness_grace: Live,
            // Read from the running settings when SIGTERM arrives.
            shutdown_delay: Live,
            tls: Rebuilt,
            pid_file: Restart,
        }
    ));
    fields
}
