//! `[[clients]]` entries and their AWS settings.

use std::collections::BTreeSet;

use base64::Engine as _;

use super::aws::aws;
use super::{Problems, in_range, origins};
use crate::config::file::ClientSection;
use crate::config::settings::{AppSettings, Client, RefreshSettings};
use crate::domain::Secret;

pub(super) fn client(
    c: &ClientSection,
    key: &str,
    issuers: &[&str],
    known: &BTreeSet<&str>,
    p: &mut Problems,
) -> Option<Client> {
    if c.client_id.trim().is_empty() {
        p.add(&format!("{key}.client_id"), "must not be empty");
    }
    let issuer = match (&c.issuer, issuers) {
        (Some(i), _) if issuers.contains(&i.as_str()) => i.clone(),
        (Some(i), _) => {
            p.add(
                &format!("{key}.issuer"),
                format!("`{i}` is not one of the [[issuers]]"),
            );
            return None;
        }
        (None, [only]) => (*only).to_owned(),
        (None, _) => {
            p.add(
                &format!("{key}.issuer"),
                "required when several [[issuers]] are configured",
            );
            return None;
        }
    };
    let secret = c.client_secret.as_deref().and_then(|s| {
        let bytes = if c.client_secret_base64 {
            let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s.trim_end_matches('='))
                .map_err(|_| "is not base64url (client_secret_base64 is set)");
            p.check(&format!("{key}.client_secret"), decoded)?
        } else {
            s.as_bytes().to_vec()
        };
        if bytes.len() < 32 {
            p.add(
                &format!("{key}.client_secret"),
                "must be at least 32 bytes for HS256",
            );
        }
        Some(Secret::new(bytes))
    });
    for caller in &c.allowed_callers {
        if !known.contains(caller.as_str()) {
            p.add(
                &format!("{key}.allowed_callers"),
                format!("`{caller}` is not a configured client"),
            );
        }
    }
    origins(p, &format!("{key}.cors_origins"), &c.cors_origins);
    let aws = c
        .aws
        .as_ref()
        .and_then(|a| aws(a, &format!("{key}.aws"), p));
    if let Some(a) = &c.app {
        in_range(
            p,
            &format!("{key}.app.lifetime_in_seconds"),
            u64::from(a.lifetime_in_seconds),
            60,
            2_592_000,
        );
    }
    let app = c.app.as_ref().filter(|a| a.enabled).map(|a| AppSettings {
        lifetime_in_seconds: a.lifetime_in_seconds,
    });
    let console = c
        .console
        .as_ref()
        .filter(|s| s.enabled)
        .and_then(|s| super::console::console(s, &format!("{key}.console"), p));
    if console.is_some() && aws.is_none() {
        p.add(
            &format!("{key}.console"),
            "needs [clients.aws]: the console session is made from the target's AWS credentials",
        );
    }
    let refresh = c
        .refresh
        .as_ref()
        .filter(|r| r.enabled)
        .map(|r| RefreshSettings {
            client_secret: r.client_secret.clone().map(Secret::new),
        });
    Some(Client {
        app,
        console,
        refresh,
        client_id: c.client_id.clone(),
        name: c.name.clone(),
        issuer,
        secret,
        allowed_callers: c.allowed_callers.iter().cloned().collect(),
        cors_origins: c.cors_origins.clone(),
        clamp_to_token_lifetime: c.clamp_to_token_lifetime,
        aws,
    })
}
