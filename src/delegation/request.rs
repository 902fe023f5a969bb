//! The parameters of a `/delegation` request, checked against the table in DESIGN §2.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::config::{AwsDefaults, Client};
use crate::error::ApiError;
use crate::http::body::RequestBody;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Facts about the HTTP request that rules may read (`context.request`).
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub ip: String,
    pub user_agent: Option<String>,
    pub hostname: Option<String>,
}

/// A `/delegation` request whose parameters are present and well-formed.
#[derive(Debug)]
pub struct DelegationRequest {
    pub client_id: String,
    pub target: String,
    pub id_token: String,
    pub role: Option<String>,
    pub principal: Option<String>,
    /// The whole body as sent, for rules (`context.request.body`).
    pub body: Map<String, Value>,
    pub info: RequestInfo,
}

impl DelegationRequest {
    pub fn from_body(body: RequestBody, info: RequestInfo) -> Result<Self, ApiError> {
        let client_id = body.required("client_id")?.to_owned();
        match body.string("grant_type")? {
            None => return Err(ApiError::InvalidRequest("`grant_type` is required".into())),
            Some(JWT_BEARER) => {}
            Some(other) => {
                return Err(ApiError::UnsupportedGrantType(format!(
                    "grant_type `{}` is not supported; use {JWT_BEARER}",
                    truncate(other)
                )));
            }
        }
        let id_token = match (body.string("id_token")?, body.string("refresh_token")?) {
            (Some(token), _) => token.to_owned(),
            (None, Some(_)) => {
                return Err(ApiError::InvalidRequest(
                    "refresh_token is not supported; send the user's id_token".into(),
                ));
            }
            (None, None) => return Err(ApiError::InvalidRequest("`id_token` is required".into())),
        };
        match body.string("api_type")? {
            None | Some("aws") => {}
            Some(other) => {
                return Err(ApiError::InvalidRequest(format!(
                    "api_type `{}` is not supported; only `aws` is",
                    truncate(other)
                )));
            }
        }
        body.string("scope")?;
        let target = body.string("target")?.unwrap_or(&client_id).to_owned();
        let role = body.string("role")?.map(str::to_owned);
        let principal = body.string("principal")?.map(str::to_owned);
        Ok(Self {
            client_id,
            target,
            id_token,
            role,
            principal,
            body: body.0,
            info,
        })
    }

    /// The calling client and the target whose AWS settings apply.
    pub fn resolve_clients<'a>(
        &self,
        clients: &'a BTreeMap<String, Client>,
    ) -> Result<(&'a Client, &'a Client), ApiError> {
        let unknown =
            |id: &str| ApiError::InvalidClient(format!("unknown client `{}`", truncate(id)));
        let caller = clients
            .get(&self.client_id)
            .ok_or_else(|| unknown(&self.client_id))?;
        let target = clients
            .get(&self.target)
            .ok_or_else(|| unknown(&self.target))?;
        if target.client_id != caller.client_id
            && !target.allowed_callers.contains(&caller.client_id)
        {
            return Err(ApiError::InvalidClient(format!(
                "client `{}` does not allow `{}` to request delegation for it",
                target.client_id, caller.client_id
            )));
        }
        Ok((caller, target))
    }

    /// The target's AWS settings; `api_type` is `aws` or absent, so AWS must be configured.
    pub fn aws_defaults<'a>(&self, target: &'a Client) -> Result<&'a AwsDefaults, ApiError> {
        target.aws.as_ref().ok_or_else(|| {
            ApiError::InvalidRequest(format!(
                "client `{}` has no AWS settings, so api_type aws cannot be served",
                target.client_id
            ))
        })
    }
}

/// Echoes of request text in error messages and logs stay short.
pub fn truncate(text: &str) -> String {
    let mut cut: String = text.chars().take(64).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}
