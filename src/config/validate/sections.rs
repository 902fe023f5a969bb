//! `[saml]`, `[sts]`, `[outbound]` and `[audit]`.

use std::path::Path;
use std::time::Duration;

use super::{Problems, http_url, in_range, private_url, read};
use crate::config::file::{FileConfig, SamlSection};
use crate::config::settings::SamlSettings;
use crate::domain::Secret;
use crate::roots::{CaRoots, OutboundSettings};
use crate::sts::StsSettings;

pub(super) fn saml(s: &SamlSection, base: &Path, p: &mut Problems) -> Option<SamlSettings> {
    if s.issuer.trim().is_empty() {
        p.add(
            "saml.issuer",
            "must not be empty (e.g. urn:delegation.example.com)",
        );
    }
    // AWS refuses assertions older than five minutes, so longer lifetimes only widen replay.
    in_range(p, "saml.lifetime_seconds", s.lifetime_seconds, 30, 300);
    let key = read(p, "saml.signing_key", base, &s.signing_key);
    let cert = read(p, "saml.signing_cert", base, &s.signing_cert);
    let next = match &s.next_signing_cert {
        Some(path) => Some(read(p, "saml.next_signing_cert", base, path)?),
        None => None,
    };
    let sso_url = s
        .sso_url
        .clone()
        .unwrap_or_else(|| "http://localhost/samlp".into());
    p.check("saml.sso_url", http_url(&sso_url));
    Some(SamlSettings {
        issuer: s.issuer.clone(),
        signing_key_pem: Secret::new(key?.into_bytes()),
        signing_cert_pem: cert?,
        next_signing_cert_pem: next,
        lifetime: Duration::from_secs(s.lifetime_seconds),
        sso_url,
    })
}

/// `"stdout"`, or a file path (relative to the configuration's directory).
pub(super) fn audit(
    raw: &FileConfig,
    base: &Path,
    p: &mut Problems,
) -> Option<crate::ops::AuditTarget> {
    match raw.audit.path.as_deref() {
        None | Some("") => None,
        Some("stdout") => Some(crate::ops::AuditTarget::Stdout),
        Some(path) if path.ends_with('/') => {
            p.add(
                "audit.path",
                format!("`{path}` names a directory; name a file"),
            );
            None
        }
        Some(path) => Some(crate::ops::AuditTarget::File(base.join(path))),
    }
}

pub(super) fn outbound(
    raw: &FileConfig,
    base: &Path,
    p: &mut Problems,
) -> Option<OutboundSettings> {
    let o = &raw.outbound;
    let ca_roots = CaRoots::parse(&o.ca_roots);
    if ca_roots.is_none() {
        p.add(
            "outbound.ca_roots",
            format!(
                "`{}` is not one of system+bundled, system, bundled",
                o.ca_roots
            ),
        );
    }
    let ca_file_pem = match &o.ca_file {
        Some(path) => Some(read(p, "outbound.ca_file", base, path)?.into_bytes()),
        None => None,
    };
    Some(OutboundSettings {
        ca_roots: ca_roots?,
        ca_file_pem,
    })
}

/// The STS endpoint override. Checked for credentials first, so that no message repeats
/// them: STS takes none, and the URL is shown in errors and logs.
fn sts_endpoint(text: &str, allow_http: bool) -> Result<url::Url, String> {
    if url::Url::parse(text).is_ok_and(|u| !u.username().is_empty() || u.password().is_some()) {
        return Err("must not carry a user name or password".into());
    }
    private_url(text, allow_http).map_err(|e| {
        format!("{e}; set sts.allow_http_endpoint = true for an emulator on another host")
    })
}

pub(super) fn sts(raw: &FileConfig, p: &mut Problems) -> Option<StsSettings> {
    let s = &raw.sts;
    let endpoint = match &s.endpoint {
        Some(text) if !text.is_empty() => {
            Some(p.check("sts.endpoint", sts_endpoint(text, s.allow_http_endpoint))?)
        }
        _ => None,
    };
    in_range(p, "sts.timeout_ms", s.timeout_ms, 100, 60_000);
    in_range(
        p,
        "sts.connect_timeout_ms",
        s.connect_timeout_ms,
        50,
        60_000,
    );
    in_range(p, "sts.retries", u64::from(s.retries), 0, 10);
    in_range(p, "sts.warm_up_ms", s.warm_up_ms, 0, 30_000);
    Some(StsSettings {
        endpoint,
        timeout: Duration::from_millis(s.timeout_ms),
        connect_timeout: Duration::from_millis(s.connect_timeout_ms),
        retries: s.retries,
        warm_up: Duration::from_millis(s.warm_up_ms),
    })
}

/// `[cache]`: `None` when off.
pub(super) fn cache(raw: &FileConfig, p: &mut Problems) -> Option<crate::cache::CacheSettings> {
    let c = &raw.cache;
    // The longest STS session is 12 hours: more left than that is never true.
    in_range(
        p,
        "cache.min_remaining_seconds",
        c.min_remaining_seconds,
        60,
        43_200,
    );
    in_range(p, "cache.max_entries", c.max_entries, 1, 10_000_000);
    in_range(
        p,
        "cache.negative_ttl_seconds",
        c.negative_ttl_seconds,
        0,
        300,
    );
    let max_entries = std::num::NonZeroUsize::new(usize::try_from(c.max_entries).ok()?)?;
    c.enabled.then(|| crate::cache::CacheSettings {
        min_remaining: Duration::from_secs(c.min_remaining_seconds),
        max_entries,
        negative_ttl: Duration::from_secs(c.negative_ttl_seconds),
    })
}
