//! The AWS settings that apply to one request: the target's defaults, then what the request
//! may choose (through the allowlist), then what rules set in
//! `context.addonConfiguration.aws`.

use serde_json::{Map, Value, json};

use super::DelegationError;
use super::choice::Choice;
use super::session;
use crate::backend::{PrincipalInput, ResolvedAws};
use crate::config::AwsDefaults;
use crate::domain::{PrincipalArn, Region, RoleArn};
use crate::saml::Mappings;

/// The settings before rules run: what `context.addonConfiguration.aws` starts as.
#[derive(Debug, Clone)]
pub struct AwsPrefill<'a> {
    defaults: &'a AwsDefaults,
    /// How the starting role was chosen.
    pub choice: Choice,
    role: Option<RoleArn>,
    principal: Option<PrincipalArn>,
    region: Option<Region>,
    lifetime_in_seconds: u32,
    mappings: Mappings,
    saml_issuer: Option<String>,
    audience: Option<String>,
}

impl<'a> AwsPrefill<'a> {
    /// The starting settings: the target's, with the role `choice` made.
    pub fn new(defaults: &'a AwsDefaults, choice: Choice) -> Self {
        let (role, principal) = (choice.role.clone(), choice.principal.clone());
        Self {
            defaults,
            choice,
            role,
            principal,
            region: defaults.region.clone(),
            lifetime_in_seconds: defaults.lifetime_in_seconds,
            mappings: match &defaults.mappings {
                Some(mappings) => mappings.clone(),
                None => defaults.backend.default_mappings(),
            },
            saml_issuer: defaults.saml_issuer.clone(),
            audience: defaults.audience.clone(),
        }
    }

    /// `context.addonConfiguration.aws` as rules see it, with Auth0's key names.
    pub fn to_json(&self) -> Value {
        let mappings: Map<String, Value> = self
            .mappings
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut aws = json!({
            "lifetime_in_seconds": self.lifetime_in_seconds,
            "mappings": mappings,
            "tags": {},
        });
        let mut put = |key: &str, value: Option<String>| {
            if let (Some(v), Some(obj)) = (value, aws.as_object_mut()) {
                obj.insert(key.into(), Value::String(v));
            }
        };
        put("role", self.role.as_ref().map(|r| r.to_string()));
        put("principal", self.principal.as_ref().map(|p| p.to_string()));
        put("region", self.region.as_ref().map(|r| r.to_string()));
        aws
    }

    /// The final settings: every key rules set in `aws` (an object, when rules ran)
    /// replaces the prefilled value; keys they removed fall back to it. The session tags,
    /// source identity and policy come from `user` (the claims after rules) and the tags
    /// rules set. `oidc_issuer` is `[oidc_provider] url`, which names the IAM OIDC provider of a
    /// web identity target.
    pub fn resolve(
        self,
        aws: Option<&Value>,
        target: &str,
        user: &Map<String, Value>,
        oidc_issuer: Option<&str>,
    ) -> Result<ResolvedAws, DelegationError> {
        let set = match aws {
            None => RuleValues(None),
            Some(Value::Object(map)) => RuleValues(Some(map)),
            Some(_) => {
                return Err(DelegationError::Internal(
                    "rules left context.addonConfiguration.aws that is not an object".into(),
                ));
            }
        };
        let backend = self.defaults.backend;
        let role = set.parse("role", RoleArn::parse)?.or(self.role);
        let from_rules = set.get("principal").map(|value| match value {
            Value::String(s) => PrincipalArn::parse(s).map_err(|e| e.to_string()),
            _ => Err("not a string".to_owned()),
        });
        let principal = backend.principal(PrincipalInput {
            from_rules: from_rules.as_ref(),
            configured: self.principal.as_ref(),
            role: role.as_ref(),
            oidc_url: oidc_issuer,
        })?;
        let (Some(role), Some(principal)) = (role, principal) else {
            return Err(DelegationError::Internal(format!(
                "client `{target}` has no AWS role and principal: set aws.role and aws.principal in its configuration or in a rule"
            )));
        };
        if role.partition() != principal.partition() {
            return Err(DelegationError::Internal(format!(
                "role {role} and principal {principal} are in different AWS partitions"
            )));
        }
        let region = match set.parse("region", Region::parse)?.or(self.region) {
            Some(region) => region,
            None => Region::parse(role.partition().default_region())
                .map_err(|e| DelegationError::Internal(e.to_string()))?,
        };
        if region.partition() != role.partition() {
            return Err(DelegationError::Internal(format!(
                "region {region} is not in the role's partition {}",
                role.partition()
            )));
        }
        Ok(ResolvedAws {
            backend,
            role,
            principal,
            region,
            lifetime_in_seconds: set.lifetime()?.unwrap_or(self.lifetime_in_seconds),
            mappings: set.mappings()?.unwrap_or(self.mappings),
            saml_issuer: self.saml_issuer,
            audience: self.audience,
            session: session::resolve(self.defaults, user, set.get("tags"))?,
        })
    }
}

/// What rules left in `context.addonConfiguration.aws`; every problem names the key.
struct RuleValues<'a>(Option<&'a Map<String, Value>>);

impl RuleValues<'_> {
    /// A key the rules left out (or set to `undefined`) keeps the configured value.
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.and_then(|m| m.get(key))
    }

    fn bad(key: &str, problem: impl std::fmt::Display) -> DelegationError {
        DelegationError::Internal(format!(
            "rules set context.addonConfiguration.aws.{key}: {problem}"
        ))
    }

    fn parse<T, E: std::fmt::Display>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Option<T>, DelegationError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => parse(s).map(Some).map_err(|e| Self::bad(key, e)),
            // `null` also stands for NaN and Infinity after JSON: never a silent default.
            Some(_) => Err(Self::bad(key, "not a string")),
        }
    }

    fn lifetime(&self) -> Result<Option<u32>, DelegationError> {
        let key = "lifetime_in_seconds";
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        // Rules may hold numbers as strings, as Auth0's dashboard stored them.
        let number = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match number.and_then(|n| u32::try_from(n).ok()) {
            Some(n) if (900..=43_200).contains(&n) => Ok(Some(n)),
            _ => Err(Self::bad(
                key,
                "must be a whole number of seconds in 900..=43200",
            )),
        }
    }

    fn mappings(&self) -> Result<Option<Mappings>, DelegationError> {
        let Some(value) = self.get("mappings") else {
            return Ok(None);
        };
        let Value::Object(map) = value else {
            return Err(Self::bad("mappings", "not an object"));
        };
        map.iter()
            .map(|(name, property)| match property {
                Value::String(p) if !p.trim().is_empty() && !name.trim().is_empty() => {
                    Ok((name.clone(), p.clone()))
                }
                _ => Err(Self::bad(
                    "mappings",
                    format!("`{name}` must map to a property name"),
                )),
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }
}
