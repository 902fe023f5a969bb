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
use crate::backend::IssuedBy;
use crate::config::file::ClientSection;
use crate::config::settings::Client;

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
        let Some(aws) = &client.aws else {
            continue;
        };
        let issued_by = aws
            .backend
            .issued_by(aws.saml_issuer.as_deref(), aws.audience.as_deref());
        let IssuedBy::SamlIssuer(configured) = issued_by else {
            continue;
        };
        let saml_issuer = configured.unwrap_or(default_saml_issuer);
        match owners.get(saml_issuer) {
            None => {
                owners.insert(saml_issuer, (&client.issuer, &client.client_id));
            }
            Some((token_issuer, first)) if *token_issuer != client.issuer => {
                let key = match configured {
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
