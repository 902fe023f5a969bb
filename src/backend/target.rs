//! The AWS side of one call, as the flow settled it: what every backend sends to STS.

use serde_json::{Map, Value};

use super::CredentialBackend;
use crate::domain::{PrincipalArn, Region, RoleArn};
use crate::saml::{self, Mappings};

/// Role, principal, region and session for one STS call, after rules.
#[derive(Debug, Clone)]
pub struct ResolvedAws {
    pub backend: &'static dyn CredentialBackend,
    pub role: RoleArn,
    /// The IAM SAML provider, or with web identity the IAM OIDC provider for `[oidc_provider]`.
    pub principal: PrincipalArn,
    pub region: Region,
    pub lifetime_in_seconds: u32,
    pub mappings: Mappings,
    pub saml_issuer: Option<String>,
    pub audience: Option<String>,
    /// Session tags, `TransitiveTagKeys`, `SourceIdentity`, and the session policies.
    pub session: Session,
}

/// What shapes the session besides the role, ready to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// (key, value), in configuration order, then the keys rules added.
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
    /// The inline session policy, rendered (compact JSON).
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
}

impl ResolvedAws {
    /// Sets `awsrole` to the chosen pair and derives `rolesessionname` as Auth0 did (from
    /// nickname, name, email, user_id), unless a rule set them. The session name is a label
    /// for people reading CloudTrail, not an identity: users can often edit their nickname,
    /// and two users can share one. Policies must key on `${saml:sub}`, which is `sub`.
    pub fn fill_user_defaults(&self, user: &mut Map<String, Value>) {
        if !user.contains_key("awsrole") {
            let pair = format!("{},{}", self.role, self.principal);
            user.insert("awsrole".into(), Value::String(pair));
        }
        if !user.contains_key("rolesessionname") {
            let name = saml::default_session_name(user);
            user.insert("rolesessionname".into(), Value::String(name));
        }
    }
}
