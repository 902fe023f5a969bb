//! `[oidc_provider]` (formerly `[issuer]`): the server's own OIDC provider, its URL and
//! keys.

use std::path::Path;

use url::Url;

use super::{Problems, read};
use crate::config::file::FileConfig;
use crate::domain::Secret;

/// `[oidc_provider]`, written as `[section]`: its URL is every token's `iss` and the base of
/// the documents IAM fetches, so it must be HTTPS (plain HTTP only on loopback, for tests),
/// without query or fragment.
pub(super) fn oidc_issuer(
    raw: &FileConfig,
    section: &str,
    base: &Path,
    p: &mut Problems,
) -> Option<crate::issuer::OidcIssuerSettings> {
    let s = raw.oidc_provider.as_ref()?;
    let key = |name: &str| format!("{section}.{name}");
    let url = p.check(&key("url"), issuer_url(&s.url))?;
    let signing_key = read(p, &key("signing_key"), base, &s.signing_key);
    let next = match &s.next_signing_key {
        Some(path) => Some(read(p, &key("next_signing_key"), base, path)?),
        None => None,
    };
    let mut retired = Vec::with_capacity(s.retired_signing_keys.len());
    for (i, path) in s.retired_signing_keys.iter().enumerate() {
        let key = key(&format!("retired_signing_keys[{i}]"));
        retired.push(Secret::new(read(p, &key, base, path)?));
    }
    let settings = crate::issuer::OidcIssuerSettings {
        url,
        signing_key_pem: Secret::new(signing_key?),
        next_signing_key_pem: next.map(Secret::new),
        retired_signing_key_pems: retired,
        revoked_kids: s.revoked_kids.clone(),
    };
    // Load the keys now, so a bad one is named at start and by check-config.
    p.check(
        &key("signing_key"),
        crate::issuer::OidcIssuer::new(&settings),
    )?;
    Some(settings)
}

fn issuer_url(text: &str) -> Result<String, String> {
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(format!(
                "`{text}` must be an https:// URL (IAM fetches only HTTPS)"
            ));
        }
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(format!("`{text}` must have no query, fragment or user"));
    }
    // The text is every token's `iss` and names the IAM provider, so it must be the URL's
    // own normal form: a lowercase host, no default port, no escapes or stray characters.
    if url.as_str().trim_end_matches('/') != text.trim_end_matches('/') {
        return Err(format!(
            "`{text}` must be written in its normal form, `{}`",
            url.as_str().trim_end_matches('/')
        ));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

#[cfg(test)]
#[path = "oidc_tests.rs"]
mod tests;
