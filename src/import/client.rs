//! One application of the export as a `[[clients]]` entry: its add-on checked, its
//! origins kept when they are exact, and what it needs from the operator noted.

use super::ImportError;
use super::export::ExportClient;
use super::plan::PlannedClient;
use crate::domain::{PrincipalArn, RoleArn};

pub(super) fn planned_client(
    client: &ExportClient,
    id: String,
    allowed_callers: Vec<String>,
    attention: &mut Vec<String>,
) -> Result<PlannedClient, ImportError> {
    let aws = match &client.aws {
        None => None,
        Some(addon) => {
            let field = |name: &str| format!("{}: field `addons.aws.{name}`", client.at);
            if let Some(role) = &addon.role {
                RoleArn::parse(role)
                    .map_err(|e| ImportError::new(format!("{}: {e}", field("role"))))?;
            }
            if let Some(principal) = &addon.principal {
                PrincipalArn::parse(principal)
                    .map_err(|e| ImportError::new(format!("{}: {e}", field("principal"))))?;
            }
            if let Some(n) = addon
                .lifetime_in_seconds
                .filter(|n| !(900..=43_200).contains(n))
            {
                return Err(ImportError::new(format!(
                    "{}: {n} is outside 900..=43200 seconds",
                    field("lifetime_in_seconds")
                )));
            }
            if addon.role.is_none() || addon.principal.is_none() {
                attention.push(format!(
                    "`{}` has the AWS add-on without a role or principal: set them in its [clients.aws], or have a rule set them",
                    client.name
                ));
            }
            Some((
                addon.role.clone(),
                addon.principal.clone(),
                addon.lifetime_in_seconds,
            ))
        }
    };
    let mut cors_origins = Vec::new();
    for origin in &client.origins {
        let exact = url::Url::parse(origin)
            .map(|u| u.origin().ascii_serialization() == *origin.trim_end_matches('/'))
            .unwrap_or(false);
        if exact && !origin.contains('*') {
            let origin = origin.trim_end_matches('/').to_owned();
            if !cors_origins.contains(&origin) {
                cors_origins.push(origin);
            }
        } else {
            attention.push(format!(
                "`{}`: origin `{origin}` is not an exact origin (wildcards and paths are not supported here); list each origin it stood for in cors_origins",
                client.name
            ));
        }
    }
    let needs_secret = client.alg.as_deref().is_some_and(|a| a.starts_with("HS"));
    if needs_secret {
        attention.push(format!(
            "`{}` signs its id_tokens with HS256: copy its client secret from the Auth0 dashboard into client_secret (the export never has it, and this tool does not make one up)",
            client.name
        ));
    }
    Ok(PlannedClient {
        name: client.name.clone(),
        id,
        at: client.at.clone(),
        needs_secret,
        secret_encoded: client.secret_encoded,
        allowed_callers,
        cors_origins,
        aws,
    })
}
