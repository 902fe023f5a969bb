//! `[[clients]]` entries and their AWS settings.

use std::collections::BTreeSet;

use base64::Engine as _;

use super::{Problems, in_range, origins};
use crate::config::file::{AwsSection, ClientSection};
use crate::config::settings::{AwsDefaults, Client, Secret};
use crate::domain::{PrincipalArn, Region, RoleArn};

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
    Some(Client {
        client_id: c.client_id.clone(),
        name: c.name.clone(),
        issuer,
        secret,
        allowed_callers: c.allowed_callers.iter().cloned().collect(),
        cors_origins: c.cors_origins.clone(),
        aws,
    })
}

fn aws(a: &AwsSection, key: &str, p: &mut Problems) -> Option<AwsDefaults> {
    let role = a.role.as_deref().map(RoleArn::parse).transpose();
    let role = p.check(&format!("{key}.role"), role)?;
    let principal = a.principal.as_deref().map(PrincipalArn::parse).transpose();
    let principal = p.check(&format!("{key}.principal"), principal)?;
    let region = a.region.as_deref().map(Region::parse).transpose();
    let region = p.check(&format!("{key}.region"), region)?;
    let partition = role.as_ref().map(|r| r.partition());
    if let (Some(role_p), Some(principal)) = (partition, &principal)
        && principal.partition() != role_p
    {
        {
            p.add(
                &format!("{key}.principal"),
                format!(
                    "is in partition {} but the role is in {role_p}",
                    principal.partition()
                ),
            );
        }
    }
    if let (Some(role_p), Some(region)) = (partition, &region)
        && region.partition() != role_p
    {
        {
            p.add(
                &format!("{key}.region"),
                format!(
                    "`{region}` is in partition {} but the role is in {role_p}",
                    region.partition()
                ),
            );
        }
    }
    in_range(
        p,
        &format!("{key}.lifetime_in_seconds"),
        u64::from(a.lifetime_in_seconds),
        900,
        43_200,
    );
    if let Some(m) = &a.mappings
        && m.keys().chain(m.values()).any(|s| s.trim().is_empty())
    {
        {
            p.add(
                &format!("{key}.mappings"),
                "attribute names and user properties must not be empty",
            );
        }
    }
    let mut allowed = Vec::new();
    for (i, pair) in a.allow_request_roles.iter().enumerate() {
        let k = format!("{key}.allow_request_roles[{i}]");
        let r = p.check(&format!("{k}.role"), RoleArn::parse(&pair.role));
        let pr = p.check(
            &format!("{k}.principal"),
            PrincipalArn::parse(&pair.principal),
        );
        if let (Some(r), Some(pr)) = (r, pr) {
            if r.partition() != pr.partition() {
                p.add(&k, "role and principal are in different partitions");
            }
            if let Some(region) = &region
                && region.partition() != r.partition()
            {
                p.add(
                    &k,
                    format!("role is not in the partition of region `{region}`"),
                );
            }
            allowed.push((r, pr));
        }
    }
    Some(AwsDefaults {
        role,
        principal,
        region,
        lifetime_in_seconds: a.lifetime_in_seconds,
        mappings: a
            .mappings
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        allowed_request_roles: allowed,
        saml_issuer: a.saml_issuer.clone().filter(|s| !s.is_empty()),
        audience: a.audience.clone().filter(|s| !s.is_empty()),
    })
}
