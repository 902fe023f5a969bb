//! Settings that are valid but risky: `check-config` prints these, `serve` logs them.

use std::collections::BTreeMap;

use super::Settings;

/// Every warning about `settings`, each naming the clients concerned.
pub fn warnings(settings: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    for (old, new) in &settings.renamed {
        out.push(format!(
            "`{old}` is an old name, still read for now: write `{new}` instead"
        ));
    }
    for target in settings.clients.values() {
        for caller in &target.allowed_callers {
            let Some(client) = settings.clients.get(caller) else {
                continue;
            };
            if client.secret.is_some() {
                out.push(format!(
                    "client `{caller}` verifies HS256 id_tokens with its client_secret and may call target `{}`: anyone holding that secret can mint a token for any `sub` and receive that target's AWS credentials as that user",
                    target.client_id
                ));
            }
        }
    }
    // Distinct SAML issuers keep NameQualifier apart, but `${saml:sub}` alone is then
    // shared by the users of every token issuer whose clients assume the same role.
    let mut issuers_by_role: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for client in settings.clients.values() {
        if let Some(role) = client.aws.as_ref().and_then(|a| a.role.as_ref()) {
            let issuers = issuers_by_role.entry(role.as_str()).or_default();
            if !issuers.contains(&client.issuer.as_str()) {
                issuers.push(&client.issuer);
            }
        }
    }
    for (role, issuers) in issuers_by_role {
        if issuers.len() > 1 {
            out.push(format!(
                "role `{role}` is assumed for users of several token issuers ({}): in its policies key on ${{saml:namequalifier}} together with ${{saml:sub}}, since `sub` is unique only within one issuer",
                issuers.join(", ")
            ));
        }
    }
    out
}
