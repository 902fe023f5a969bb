//! The AWS settings that apply to one request: the target's defaults, then what the request
//! may choose (through the allowlist).

use serde_json::{Map, Value};

use super::DelegationRequest;
use crate::config::AwsDefaults;
use crate::domain::{PrincipalArn, Region, RoleArn};
use crate::error::ApiError;
use crate::saml::{self, Mappings};

/// Role, principal, region and attributes for one `AssumeRoleWithSAML` call.
#[derive(Debug, Clone)]
pub struct ResolvedAws {
    pub role: RoleArn,
    pub principal: PrincipalArn,
    pub region: Region,
    pub lifetime_in_seconds: u32,
    pub mappings: Mappings,
    pub saml_issuer: Option<String>,
    pub audience: Option<String>,
}

impl ResolvedAws {
    pub fn resolve(defaults: &AwsDefaults, req: &DelegationRequest) -> Result<Self, ApiError> {
        let (role, principal) = match (&req.role, &req.principal) {
            (None, None) => (defaults.role.clone(), defaults.principal.clone()),
            (Some(role), Some(principal)) => {
                let pair = defaults
                    .allowed_request_roles
                    .iter()
                    .find(|(r, p)| r.as_str() == role && p.as_str() == principal);
                let Some((r, p)) = pair else {
                    return Err(ApiError::InvalidRequest(format!(
                        "the role/principal pair is not allowed for client `{}`; set them in its configuration",
                        req.target
                    )));
                };
                (Some(r.clone()), Some(p.clone()))
            }
            _ => {
                return Err(ApiError::InvalidRequest(
                    "`role` and `principal` must be given together".into(),
                ));
            }
        };
        let (Some(role), Some(principal)) = (role, principal) else {
            return Err(ApiError::Internal(format!(
                "client `{}` has no AWS role and principal configured",
                req.target
            )));
        };
        if role.partition() != principal.partition() {
            return Err(ApiError::Internal(
                "role and principal are in different AWS partitions".into(),
            ));
        }
        let region = match &defaults.region {
            Some(region) => region.clone(),
            None => Region::parse(role.partition().default_region())
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        };
        if region.partition() != role.partition() {
            return Err(ApiError::Internal(format!(
                "region {region} is not in the role's partition {}",
                role.partition()
            )));
        }
        Ok(Self {
            role,
            principal,
            region,
            lifetime_in_seconds: defaults.lifetime_in_seconds,
            mappings: defaults
                .mappings
                .clone()
                .unwrap_or_else(saml::default_mappings),
            saml_issuer: defaults.saml_issuer.clone(),
            audience: defaults.audience.clone(),
        })
    }

    /// Sets `awsrole` to the chosen pair and derives `rolesessionname` as Auth0 did (from
    /// nickname, name, email, user_id). Both overwrite id_token claims of the same name, so
    /// a claim cannot pick the role. The session name is a label for people reading
    /// CloudTrail, not an identity: users can often edit their nickname, and two users can
    /// share one. Policies must key on `${saml:sub}`, which is `sub`.
    pub fn fill_user_defaults(&self, user: &mut Map<String, Value>) {
        let pair = format!("{},{}", self.role, self.principal);
        user.insert("awsrole".into(), Value::String(pair));
        user.remove("rolesessionname");
        let name = saml::default_session_name(user);
        user.insert("rolesessionname".into(), Value::String(name));
    }
}
