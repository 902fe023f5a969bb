//! Checks across clients that keep users of different token issuers apart in AWS.
//!
//! OIDC `sub` is unique only within its issuer, yet it becomes the SAML `NameID` alone
//! (`${saml:sub}` in IAM policies), and STS derives `NameQualifier` from the SAML issuer.
//! If two token issuers could reach one SAML issuer, whoever controls `sub` values in the
//! weaker issuer could take the identity of a user of the other. So each SAML issuer
//! (the entity ID, and with it the IAM SAML provider) serves exactly one token issuer, and
//! a target accepts callers only from its own token issuer.

use std::collections::BTreeMap;

use super::Problems;
use crate::config::file::ClientSection;
use crate::config::settings::{Backend, Client};

pub(super) fn check(
    raw: &[ClientSection],
    clients: &BTreeMap<String, Client>,
    default_saml_issuer: &str,
    p: &mut Problems,
) {
    // SAML issuer → (token issuer, client) of the first client seen using it.
    let mut owners: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for (i, section) in raw.iter().enumerate() {
        let Some(client) = clients.get(&section.client_id) else {
            continue;
        };
        for caller in &client.allowed_callers {
            let Some(other) = clients.get(caller) else {
                continue; // reported as unknown elsewhere
            };
            if other.issuer != client.issuer {
                p.add(
                    &format!("clients[{i}].allowed_callers"),
                    format!(
                        "`{caller}` accepts id_tokens from `{}` but this client from `{}`; `sub` is unique only within one issuer, so a user of one could receive the AWS identity (${{saml:sub}}) of a user of the other. List only callers of the same issuer",
                        other.issuer, client.issuer
                    ),
                );
            }
        }
        let Some(aws) = client.aws.as_ref().filter(|a| a.backend == Backend::Saml) else {
            continue;
        };
        let saml_issuer = aws.saml_issuer.as_deref().unwrap_or(default_saml_issuer);
        match owners.get(saml_issuer) {
            None => {
                owners.insert(saml_issuer, (&client.issuer, &client.client_id));
            }
            Some((token_issuer, first)) if *token_issuer != client.issuer => {
                let key = match aws.saml_issuer {
                    Some(_) => format!("clients[{i}].aws.saml_issuer"),
                    None => format!("clients[{i}].aws"),
                };
                p.add(
                    &key,
                    format!(
                        "SAML issuer `{saml_issuer}` is also used by client `{first}`, whose id_tokens come from `{token_issuer}` (this client's come from `{}`); `sub` is unique only within one issuer, so users of both would share one AWS identity (${{saml:sub}}, NameQualifier). Give the clients of each token issuer their own aws.saml_issuer and IAM SAML provider",
                        client.issuer
                    ),
                );
            }
            Some(_) => {}
        }
    }
}

/// Web identity and `api_type=app` targets: the server's own issuer signs their tokens, so
/// `[issuer]` must be configured. Its one `sub` namespace in AWS may carry the users of one
/// token issuer only, as a SAML issuer's may (see [`check`]).
pub(super) fn own_issuer(
    raw: &[ClientSection],
    clients: &BTreeMap<String, Client>,
    has_issuer: bool,
    p: &mut Problems,
) {
    let mut first: Option<(&str, &str)> = None;
    for (i, section) in raw.iter().enumerate() {
        let Some(client) = clients.get(&section.client_id) else {
            continue;
        };
        if client.app.is_some() && !has_issuer {
            p.add(
                &format!("clients[{i}].app.enabled"),
                "is true, which needs [issuer]: it signs the id_tokens api_type=app returns",
            );
        }
        if client.aws.as_ref().map(|a| a.backend) != Some(Backend::WebIdentity) {
            continue;
        }
        let key = format!("clients[{i}].aws.backend");
        if !has_issuer {
            p.add(
                &key,
                "is web_identity, which needs [issuer]: its tokens are what STS redeems",
            );
        }
        match first {
            None => first = Some((&client.issuer, &client.client_id)),
            Some((token_issuer, owner)) if token_issuer != client.issuer => p.add(
                &key,
                format!(
                    "is web_identity like client `{owner}`, whose id_tokens come from `{token_issuer}` (this client's come from `{}`); the one [issuer] gives both the same `sub` namespace in AWS, so a user of one could receive the AWS identity of a user of the other. Use the saml backend for one of them",
                    client.issuer
                ),
            ),
            Some(_) => {}
        }
    }
}
