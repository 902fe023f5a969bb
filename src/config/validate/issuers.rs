//! `[[issuers]]` entries: who signs id_tokens and where their keys are.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use super::{Problems, in_range, private_url, read};
use crate::config::file::IssuerSection;
use crate::token::{IssuerConfig, KeySource};

pub(super) fn issuer(
    s: &IssuerSection,
    key: &str,
    base: &Path,
    p: &mut Problems,
) -> Option<IssuerConfig> {
    if s.issuer.trim().is_empty() {
        p.add(&format!("{key}.issuer"), "must not be empty");
    }
    let algorithms: Vec<_> = s
        .algorithms
        .iter()
        .filter_map(|a| {
            let parsed = jsonwebtoken::Algorithm::from_str(a)
                .map_err(|_| format!("`{a}` is not a JWS algorithm (e.g. RS256, ES256, HS256)"));
            p.check(&format!("{key}.algorithms"), parsed)
        })
        .collect();
    if s.algorithms.is_empty() {
        p.add(
            &format!("{key}.algorithms"),
            "must list at least one algorithm",
        );
    }
    in_range(
        p,
        &format!("{key}.leeway_seconds"),
        s.leeway_seconds,
        0,
        300,
    );
    let keys = match (&s.jwks_uri, &s.keys_file) {
        (Some(uri), None) => {
            let uri = p.check(&format!("{key}.jwks_uri"), private_url(uri, false))?;
            in_range(
                p,
                &format!("{key}.jwks_min_refresh_seconds"),
                s.jwks_min_refresh_seconds,
                1,
                3600,
            );
            in_range(
                p,
                &format!("{key}.jwks_cache_seconds"),
                s.jwks_cache_seconds,
                1,
                86_400,
            );
            KeySource::Jwks {
                uri,
                min_refresh: Duration::from_secs(s.jwks_min_refresh_seconds),
                default_ttl: Duration::from_secs(s.jwks_cache_seconds),
            }
        }
        (None, Some(path)) => {
            let text = read(p, &format!("{key}.keys_file"), base, path)?;
            let set = serde_json::from_str(&text).map_err(|e| format!("not a JWKS document: {e}"));
            KeySource::Static(p.check(&format!("{key}.keys_file"), set)?)
        }
        _ => {
            p.add(key, "set exactly one of jwks_uri or keys_file");
            return None;
        }
    };
    Some(IssuerConfig {
        issuer: s.issuer.clone(),
        keys,
        algorithms,
        leeway_seconds: s.leeway_seconds,
    })
}
