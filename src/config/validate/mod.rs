//! Turns the file's shapes into [`Settings`], collecting every problem with the key it is at.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jsonwebtoken::Algorithm;
use url::Url;

mod aws;
mod clients;
mod console;
mod identity;
mod issuers;
mod oidc;
mod own_issuer;
mod rules;
mod sections;
mod server;
mod state;

use sections::{audit, cache, outbound, saml, sts};
use server::server;

use clients::client;
use issuers::issuer;

use super::file::FileConfig;
use super::settings::*;
use crate::domain::Secret;
use crate::limit::LimitSettings;
use crate::token::VerifierSettings;

/// Problems found so far, each prefixed with the key it concerns.
#[derive(Default)]
pub(super) struct Problems(Vec<String>);

impl Problems {
    pub(super) fn add(&mut self, key: &str, message: impl std::fmt::Display) {
        self.0.push(format!("{key}: {message}"));
    }

    /// Records the error of `result` under `key` and returns its value, if any.
    pub(super) fn check<T, E: std::fmt::Display>(
        &mut self,
        key: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        result.map_err(|e| self.add(key, e)).ok()
    }
}

pub(super) fn validate(mut raw: FileConfig, base: &Path) -> Result<Settings, Vec<String>> {
    let mut p = Problems::default();
    let (renamed, provider_section) = old_names(&mut raw, &mut p);
    let server = server(&raw, base, &mut p);
    let saml = saml(&raw.saml, base, &mut p);
    let sts = sts(&raw, &mut p);
    let issuers: Vec<_> = raw
        .issuers
        .iter()
        .enumerate()
        .filter_map(|(i, s)| issuer(s, &format!("issuers[{i}]"), base, &mut p))
        .collect();
    if raw.issuers.is_empty() {
        p.add("issuers", "at least one [[issuers]] entry is required");
    }
    let mut token_endpoints = crate::token::TokenEndpoints::new();
    for (i, s) in raw.issuers.iter().enumerate() {
        if let Some(url) = &s.token_endpoint {
            let key = format!("issuers[{i}].token_endpoint");
            if let Some(url) = p.check(&key, private_url(url, false)) {
                token_endpoints.insert(s.issuer.clone(), url);
            }
        }
    }
    let issuer_names: Vec<&str> = raw.issuers.iter().map(|i| i.issuer.as_str()).collect();
    for (i, name) in issuer_names.iter().enumerate() {
        if issuer_names[..i].contains(name) {
            p.add(
                &format!("issuers[{i}].issuer"),
                format!("`{name}` is listed twice"),
            );
        }
    }
    let known: BTreeSet<&str> = raw.clients.iter().map(|c| c.client_id.as_str()).collect();
    let mut clients = BTreeMap::new();
    for (i, c) in raw.clients.iter().enumerate() {
        let key = format!("clients[{i}]");
        if let Some(client) = client(c, &key, &issuer_names, &known, &mut p) {
            if clients.contains_key(&client.client_id) {
                p.add(&format!("{key}.client_id"), "is listed twice");
            }
            clients.insert(client.client_id.clone(), client);
        }
    }
    for (i, c) in raw.clients.iter().enumerate() {
        let Some(client) = clients.get(&c.client_id) else {
            continue;
        };
        let hmac = issuers
            .iter()
            .filter(|s| s.issuer == client.issuer)
            .flat_map(|s| &s.algorithms)
            .any(|a| matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512));
        if client.secret.is_some() && !hmac {
            p.add(
                &format!("clients[{i}].client_secret"),
                "is set, but the client's issuer lists no HS256/HS384/HS512 in algorithms",
            );
        }
        if client.refresh.is_some() && !token_endpoints.contains_key(&client.issuer) {
            p.add(
                &format!("clients[{i}].refresh"),
                format!(
                    "needs a token_endpoint on its issuer `{}` to redeem refresh tokens at",
                    client.issuer
                ),
            );
        }
    }
    if raw.clients.is_empty() {
        p.add("clients", "at least one [[clients]] entry is required");
    }
    identity::check(&raw.clients, &clients, &raw.saml.issuer, &mut p);
    let issuer_url = raw
        .oidc_provider
        .as_ref()
        .map(|i| i.url.trim_end_matches('/'));
    own_issuer::own_issuer(&raw.clients, &clients, issuer_url, &mut p);
    let rules = rules::rules(&raw.rules, raw.server.request_timeout_ms, base, &mut p);
    let limits = &raw.limits;
    in_range(
        &mut p,
        "limits.per_user_per_minute",
        u64::from(limits.per_user_per_minute),
        0,
        100_000,
    );
    in_range(
        &mut p,
        "limits.per_user_burst",
        u64::from(limits.per_user_burst),
        1,
        10_000,
    );
    let cache = cache(&raw, &mut p);
    let state = state::state(&raw, base, &mut p);
    let oidc_issuer = oidc::oidc_issuer(&raw, provider_section, base, &mut p);
    let outbound = outbound(&raw, base, &mut p);
    let audit = audit(&raw, base, &mut p);
    let admin_token = admin_token(&raw, base, &mut p);
    match (server, saml, sts, outbound) {
        (Some(server), Some(saml), Some(sts), Some(outbound)) if p.0.is_empty() => Ok(Settings {
            outbound,
            cache,
            state,
            oidc_issuer,
            audit,
            admin_token,
            renamed,
            rules,
            limits: LimitSettings {
                per_minute: raw.limits.per_user_per_minute,
                burst: raw.limits.per_user_burst,
            },
            verifier: VerifierSettings {
                issuers,
                max_token_bytes: raw.server.max_token_bytes,
                token_endpoints,
            },
            server,
            saml,
            sts,
            clients,
        }),
        _ => Err(p.0),
    }
}

/// Reads sections and keys written under their old names as the new ones, and lists them
/// for a warning. Returns the list, and the name `[oidc_provider]` was written under (so
/// errors name the key as written).
fn old_names(
    raw: &mut FileConfig,
    p: &mut Problems,
) -> (Vec<(&'static str, &'static str)>, &'static str) {
    let mut renamed = Vec::new();
    let old_listen = raw
        .server
        .metrics_listen
        .as_deref()
        .is_some_and(|t| !t.is_empty());
    if raw.server.management_listen.is_none() && old_listen {
        renamed.push(("server.metrics_listen", "server.management_listen"));
    }
    let section = match (&raw.oidc_provider, raw.issuer.take()) {
        (Some(_), Some(_)) => {
            p.add(
                "issuer",
                "is the old name of [oidc_provider], which is set too: keep only [oidc_provider]",
            );
            "oidc_provider"
        }
        (None, Some(old)) => {
            raw.oidc_provider = Some(old);
            renamed.push(("[issuer]", "[oidc_provider]"));
            "issuer"
        }
        _ => "oidc_provider",
    };
    (renamed, section)
}

/// `[admin] token_file`: the admin bearer token, trimmed; at least 32 characters.
fn admin_token(raw: &FileConfig, base: &Path, p: &mut Problems) -> Option<Secret> {
    let path = raw.admin.token_file.as_ref()?;
    let text = read(p, "admin.token_file", base, path)?;
    let token = text.trim();
    if token.len() < 32 || token.chars().any(char::is_whitespace) {
        p.add(
            "admin.token_file",
            "must hold one token of at least 32 characters, without spaces",
        );
        return None;
    }
    Some(Secret::new(token.as_bytes().to_vec()))
}

pub(super) fn in_range(p: &mut Problems, key: &str, value: u64, min: u64, max: u64) {
    if !(min..=max).contains(&value) {
        p.add(key, format!("{value} is outside {min}..={max}"));
    }
}

pub(super) fn read(p: &mut Problems, key: &str, base: &Path, path: &Path) -> Option<String> {
    let full = base.join(path);
    let text =
        std::fs::read_to_string(&full).map_err(|e| format!("cannot read {}: {e}", full.display()));
    p.check(key, text)
}

pub(super) fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!(
            "`{text}` has scheme {other}; expected http or https"
        )),
    }
}

/// An origin is `scheme://host[:port]`, exactly as browsers send it in the `Origin` header.
pub(super) fn origins(p: &mut Problems, key: &str, list: &[String]) {
    for origin in list {
        let ok = Url::parse(origin)
            .map(|u| u.origin().ascii_serialization() == *origin)
            .unwrap_or(false);
        if !ok {
            p.add(
                key,
                format!("`{origin}` is not an origin such as https://app.example.com"),
            );
        }
    }
}

/// JWKS documents and STS traffic (assertions, credentials) must not travel in clear text:
/// https is required, except to loopback or where `allow_http` says so.
pub(super) fn private_url(text: &str, allow_http: bool) -> Result<Url, String> {
    let url = http_url(text)?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() == "http" && !loopback && !allow_http {
        return Err(format!(
            "`{text}` must use https (http is allowed only for loopback)"
        ));
    }
    Ok(url)
}
