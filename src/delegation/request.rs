//! The parameters of a `/delegation` request, checked against the table in
//! docs/api.md, and the clients they name.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::DelegationError;
use crate::config::{AwsDefaults, Client};
use crate::domain::truncate;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Facts about the HTTP request that rules may read (`context.request`), and the browser
/// origin the caller's CORS settings are checked against.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub ip: String,
    pub user_agent: Option<String>,
    pub hostname: Option<String>,
    /// The `Origin` header of a browser request.
    pub origin: Option<String>,
}

/// The request parameters as sent (JSON or form), each present at most once.
#[derive(Debug, Default)]
pub struct Params(pub Map<String, Value>);

impl Params {
    /// A string parameter; empty strings count as absent.
    pub fn string(&self, name: &str) -> Result<Option<&str>, DelegationError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(DelegationError::InvalidRequest(format!(
                "`{name}` must be a string"
            ))),
        }
    }

    pub fn required(&self, name: &str) -> Result<&str, DelegationError> {
        self.string(name)?
            .ok_or_else(|| DelegationError::InvalidRequest(format!("`{name}` is required")))
    }
}

/// What the request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiType {
    /// AWS credentials (the default).
    Aws,
    /// A new id_token for the target, signed by `[oidc_provider]`.
    App,
    /// An AWS console sign-in URL made from the credentials `aws` would hand out.
    AwsConsole,
}

impl ApiType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::App => "app",
            Self::AwsConsole => "aws_console",
        }
    }
}

/// A `/delegation` request whose parameters are present and well-formed. `Debug` leaves
/// out the tokens and the body that carries them.
pub struct DelegationRequest {
    pub client_id: String,
    pub api_type: ApiType,
    pub target: String,
    /// Empty when the request sent a `refresh_token` instead.
    pub id_token: String,
    /// A refresh token to redeem for the id_token.
    pub refresh_token: Option<String>,
    pub role: Option<String>,
    pub principal: Option<String>,
    /// The whole body as sent, for rules (`context.request.body`).
    pub body: Map<String, Value>,
    pub info: RequestInfo,
}

impl std::fmt::Debug for DelegationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelegationRequest")
            .field("client_id", &self.client_id)
            .field("api_type", &self.api_type)
            .field("target", &self.target)
            .field("refresh", &self.refresh_token.is_some())
            .field("role", &self.role)
            .field("principal", &self.principal)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl DelegationRequest {
    pub fn from_params(params: Params, info: RequestInfo) -> Result<Self, DelegationError> {
        let client_id = params.required("client_id")?.to_owned();
        match params.string("grant_type")? {
            None => {
                return Err(DelegationError::InvalidRequest(
                    "`grant_type` is required".into(),
                ));
            }
            Some(JWT_BEARER) => {}
            Some(other) => {
                return Err(DelegationError::UnsupportedGrantType(format!(
                    "grant_type `{}` is not supported; use {JWT_BEARER}",
                    truncate(other)
                )));
            }
        }
        let (id_token, refresh_token) =
            match (params.string("id_token")?, params.string("refresh_token")?) {
                (Some(token), _) => (token.to_owned(), None),
                // Redeemed at the caller's issuer, if the caller allows it (`[clients.refresh]`).
                (None, Some(refresh)) => (String::new(), Some(refresh.to_owned())),
                (None, None) => {
                    return Err(DelegationError::InvalidRequest(
                        "`id_token` is required".into(),
                    ));
                }
            };
        let api_type = match params.string("api_type")? {
            None | Some("aws") => ApiType::Aws,
            Some("app") => ApiType::App,
            Some("aws_console") => ApiType::AwsConsole,
            Some(other) => {
                return Err(DelegationError::InvalidRequest(format!(
                    "api_type `{}` is not supported; use `aws`, `app` or `aws_console`",
                    truncate(other)
                )));
            }
        };
        params.string("scope")?;
        let target = params.string("target")?.unwrap_or(&client_id).to_owned();
        let role = params.string("role")?.map(str::to_owned);
        let principal = params.string("principal")?.map(str::to_owned);
        Ok(Self {
            client_id,
            api_type,
            target,
            id_token,
            refresh_token,
            role,
            principal,
            body: params.0,
            info,
        })
    }

    /// A request a command on this machine makes (`explain`, `try-rule`), read from the
    /// same parameters as a `/delegation` body: `api_type` aws, from `client_id` for
    /// `target`.
    pub fn local(
        client_id: &str,
        target: &str,
        id_token: &str,
        command: &str,
    ) -> Result<Self, DelegationError> {
        let mut params = Map::new();
        for (name, value) in [
            ("client_id", client_id),
            ("target", target),
            ("grant_type", JWT_BEARER),
            ("id_token", id_token),
            ("api_type", "aws"),
        ] {
            params.insert(name.into(), Value::String(value.to_owned()));
        }
        let info = RequestInfo {
            ip: "127.0.0.1".into(),
            user_agent: Some(format!("delegation-server {command}")),
            ..RequestInfo::default()
        };
        Self::from_params(Params(params), info)
    }

    /// The calling client, whose issuer and audience the id_token is verified against.
    /// Client IDs are public (every app embeds its own), so naming an unknown one reveals
    /// nothing; everything else about the configuration waits for a verified token.
    pub fn caller<'a>(
        &self,
        clients: &'a BTreeMap<String, Client>,
    ) -> Result<&'a Client, DelegationError> {
        clients.get(&self.client_id).ok_or_else(|| {
            DelegationError::InvalidClient(format!(
                "unknown client `{}`",
                truncate(&self.client_id)
            ))
        })
    }

    /// The target whose AWS settings apply; asked only once the id_token is verified.
    /// An unknown target and one that does not list the caller get the same answer, so
    /// a caller cannot map which clients exist or trust which.
    pub fn target<'a>(
        &self,
        caller: &Client,
        clients: &'a BTreeMap<String, Client>,
    ) -> Result<&'a Client, DelegationError> {
        clients
            .get(&self.target)
            .filter(|t| {
                t.client_id == caller.client_id || t.allowed_callers.contains(&caller.client_id)
            })
            .ok_or_else(|| {
                DelegationError::InvalidClient(format!(
                    "client `{}` may not request delegation for target `{}`",
                    caller.client_id,
                    truncate(&self.target)
                ))
            })
    }

    /// Refuses a browser request whose origin neither the calling client nor the server
    /// (`server_origins`) allows.
    pub fn check_origin(
        &self,
        caller: &Client,
        server_origins: &[String],
    ) -> Result<(), DelegationError> {
        let Some(origin) = &self.info.origin else {
            return Ok(());
        };
        if caller
            .cors_origins
            .iter()
            .chain(server_origins)
            .any(|o| o == origin)
        {
            Ok(())
        } else {
            Err(DelegationError::InvalidClient(format!(
                "origin `{}` is not allowed for client `{}`",
                truncate(origin),
                caller.client_id
            )))
        }
    }

    /// The target's AWS settings; `api_type` is `aws` or absent, so AWS must be configured.
    pub fn aws_defaults<'a>(&self, target: &'a Client) -> Result<&'a AwsDefaults, DelegationError> {
        target.aws.as_ref().ok_or_else(|| {
            DelegationError::InvalidRequest(format!(
                "client `{}` has no AWS settings, so api_type aws cannot be served",
                target.client_id
            ))
        })
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
