//! Redeeming a refresh token at its issuer's token endpoint (RFC 6749 §6) for a fresh
//! id_token, which is then verified like any other. The refresh token is sent once and
//! kept nowhere; a rotated one the issuer returns goes back to the caller.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use url::Url;

/// Longest token endpoint reply read.
const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Issuer → its token endpoint (`[[issuers]] token_endpoint`).
pub type TokenEndpoints = BTreeMap<String, Url>;

/// What the token endpoint returned. `Debug` shows neither token.
pub struct Redeemed {
    pub id_token: String,
    /// A new refresh token, when the issuer rotates them.
    pub refresh_token: Option<String>,
}

impl fmt::Debug for Redeemed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redeemed")
            .field("rotated", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a refresh token bought no id_token.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The issuer refused it (`invalid_grant`: revoked, expired, or another client's).
    #[error("the issuer refused the refresh token: {0}")]
    Refused(String),
    /// The issuer refused this server (`invalid_client`, …) or answered without an id_token.
    #[error("the token endpoint did not issue an id_token: {0}")]
    Failed(String),
    /// Unreachable, late, or 5xx.
    #[error("the token endpoint is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Deserialize)]
struct TokenReply {
    id_token: Option<String>,
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct ErrorReply {
    error: Option<String>,
    error_description: Option<String>,
}

impl super::TokenVerifier {
    /// The issuers' token endpoints, for [`Self::redeem_refresh_token`].
    pub fn with_token_endpoints(mut self, endpoints: TokenEndpoints) -> Self {
        self.token_endpoints = endpoints;
        self
    }

    /// A fresh id_token for `refresh_token` from `issuer`'s token endpoint; verify it next.
    pub async fn redeem_refresh_token(
        &self,
        issuer: &str,
        client_id: &str,
        client_secret: Option<&str>,
        refresh_token: &str,
    ) -> Result<Redeemed, RefreshError> {
        let endpoint = self.token_endpoints.get(issuer).ok_or_else(|| {
            RefreshError::Failed(format!("issuer `{issuer}` has no token_endpoint"))
        })?;
        redeem(
            &self.http,
            endpoint,
            client_id,
            client_secret,
            refresh_token,
        )
        .await
    }
}

/// POSTs the refresh grant for `client_id` (with `client_secret` as `client_secret_post`
/// when the client has one; public clients send none).
async fn redeem(
    http: &reqwest::Client,
    endpoint: &Url,
    client_id: &str,
    client_secret: Option<&str>,
    refresh_token: &str,
) -> Result<Redeemed, RefreshError> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", client_id),
        ("refresh_token", refresh_token),
        ("scope", "openid"),
    ];
    if let Some(secret) = client_secret {
        form.push(("client_secret", secret));
    }
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let reply = http
        .post(endpoint.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| RefreshError::Unavailable(e.without_url().to_string()))?;
    let status = reply.status();
    let bytes = reply
        .bytes()
        .await
        .map_err(|e| RefreshError::Unavailable(e.without_url().to_string()))?;
    if status.is_server_error() {
        return Err(RefreshError::Unavailable(format!(
            "HTTP {}",
            status.as_u16()
        )));
    }
    if bytes.len() > MAX_REPLY_BYTES {
        return Err(RefreshError::Failed("the reply is too large".into()));
    }
    if !status.is_success() {
        let error: Option<ErrorReply> = serde_json::from_slice(&bytes).ok();
        let (code, description) = error
            .map(|e| {
                (
                    e.error.unwrap_or_default(),
                    e.error_description.unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        // Only the issuer's own words about the grant, shortened; never the token.
        let said = crate::domain::truncate(&description);
        return Err(if code == "invalid_grant" {
            RefreshError::Refused(if said.is_empty() { code } else { said })
        } else {
            RefreshError::Failed(format!(
                "HTTP {} {}",
                status.as_u16(),
                crate::domain::truncate(&code)
            ))
        });
    }
    let reply: TokenReply = serde_json::from_slice(&bytes).map_err(|_| {
        RefreshError::Failed("the reply is not the JSON of a token response".into())
    })?;
    let id_token = reply.id_token.filter(|t| !t.is_empty()).ok_or_else(|| {
        RefreshError::Failed("the reply has no id_token (is the openid scope granted?)".into())
    })?;
    Ok(Redeemed {
        id_token,
        refresh_token: reply.refresh_token.filter(|t| !t.is_empty()),
    })
}
