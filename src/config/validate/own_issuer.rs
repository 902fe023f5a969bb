//! Clients whose tokens the server's own `[oidc_provider]` signs: web identity targets (the JWT
//! STS redeems) and `api_type=app` targets (an id_token for the application).
//!
//! Every such token carries the one `[oidc_provider] url` as `iss`, so its `sub` is one namespace
//! for AWS and for every application: all these clients take their users from one token
//! issuer, as a SAML issuer's do. An app token must never be redeemable at STS, so no app
//! client's ID may be the `aud` of the web identity tokens (which an IAM OIDC provider
//! lists as its client IDs). And IAM names the provider after the URL's host and path,
//! without a port, so a web identity issuer URL has none.

use std::collections::BTreeMap;

use super::Problems;
use crate::backend::IssuedBy;
use crate::config::file::ClientSection;
use crate::config::settings::Client;

pub(super) fn own_issuer(
    raw: &[ClientSection],
    clients: &BTreeMap<String, Client>,
    issuer_url: Option<&str>,
    p: &mut Problems,
) {
    // (index, client, config key of what makes it use the issuer)
    let mut users: Vec<(usize, &Client, String)> = Vec::new();
    for (i, section) in raw.iter().enumerate() {
        let Some(client) = clients.get(&section.client_id) else {
            continue;
        };
        if oidc_audience(client).is_some() {
            users.push((i, client, format!("clients[{i}].aws.backend")));
        }
        if client.app.is_some() {
            users.push((i, client, format!("clients[{i}].app.enabled")));
        }
    }
    let Some(url) = issuer_url else {
        for (_, _, key) in &users {
            p.add(
                key,
                "needs [oidc_provider]: the server's own issuer signs the tokens it hands out",
            );
        }
        return;
    };
    if let Some((_, first, _)) = users.first() {
        for (_, client, key) in &users {
            if client.issuer != first.issuer {
                p.add(
                    key,
                    format!(
                        "client `{}` takes id_tokens from `{}`, but client `{}`, which also gets tokens from [oidc_provider], from `{}`; every [oidc_provider] token carries the same iss, and `sub` is unique only within one token issuer, so a user of one could take the identity of a user of the other. Use the saml backend (and no [clients.app]) for the clients of one of them",
                        client.client_id, client.issuer, first.client_id, first.issuer
                    ),
                );
            }
        }
    }
    let audiences: BTreeMap<&str, &str> = users
        .iter()
        .filter_map(|(_, client, _)| Some((oidc_audience(client)?, client.client_id.as_str())))
        .collect();
    // An app token's aud is its target and its azp the caller: neither may be an audience
    // STS accepts (IAM may read azp as the audience, and may compare without case).
    if users.iter().any(|(_, client, _)| client.app.is_some()) {
        for (i, section) in raw.iter().enumerate() {
            let id = section.client_id.to_ascii_lowercase();
            let owner = audiences
                .iter()
                .find(|(aud, _)| aud.to_ascii_lowercase() == id);
            if let Some((_, owner)) = owner {
                p.add(
                    &format!("clients[{i}].client_id"),
                    format!(
                        "`{}` is also the aud of client `{owner}`'s web identity tokens, so the id_tokens api_type=app makes for or through it could be redeemed at STS directly. Give the web identity target another aws.audience",
                        section.client_id
                    ),
                );
            }
        }
    }
    if !audiences.is_empty() {
        web_identity_url(url, p);
    }
}

/// The `aud` STS accepts in the tokens `[oidc_provider]` signs for `client`'s backend, when
/// its backend uses them.
fn oidc_audience(client: &Client) -> Option<&str> {
    let aws = client.aws.as_ref()?;
    match aws
        .backend
        .issued_by(aws.saml_issuer.as_deref(), aws.audience.as_deref())
    {
        IssuedBy::OidcProvider { audience } => Some(audience),
        IssuedBy::SamlIssuer(_) => None,
    }
}

/// IAM refuses provider URLs with a port and names the provider in lowercase. Read from
/// the text as configured, which names the provider: `:443` is a port there too.
fn web_identity_url(url: &str, p: &mut Problems) {
    let authority = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    let after_host = authority
        .rsplit_once(']')
        .map_or(authority, |(_, rest)| rest);
    if after_host.contains(':') {
        p.add(
            "oidc_provider.url",
            "has a port, which an IAM OIDC provider URL cannot have (web identity clients are configured)",
        );
    }
    if authority.chars().any(|c| c.is_ascii_uppercase()) {
        p.add(
            "oidc_provider.url",
            "must have its host in lowercase, as IAM names the OIDC provider (web identity clients are configured)",
        );
    }
}

#[cfg(test)]
#[path = "own_issuer_tests.rs"]
mod tests;
