//! `api_type=app`: a new id_token for the target, made from the user after rules and
//! signed by `[oidc_provider]`, for targets with `[clients.app] enabled`.

use serde::Serialize;
use time::OffsetDateTime;

use super::DelegationError;
use super::trace::Trace;
use super::{DelegationRequest, Parties, VerifiedUser, context};
use crate::app::App;
use crate::issuer::{AppTokenClaims, new_jti};

/// The answer: Auth0's `{"id_token", "token_type": "Bearer", "expires_in"}`. `Debug`
/// leaves the token out.
#[derive(Clone, Serialize)]
pub struct AppToken {
    id_token: String,
    token_type: &'static str,
    expires_in: u32,
    #[serde(skip)]
    expires_at: OffsetDateTime,
}

impl std::fmt::Debug for AppToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppToken")
            .field("id_token", &format_args!("<{} bytes>", self.id_token.len()))
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl AppToken {
    /// When the token expires.
    pub fn expiration(&self) -> OffsetDateTime {
        self.expires_at
    }
}

pub(super) async fn issue(
    app: &App,
    req: &DelegationRequest,
    parties: Parties<'_>,
    verified: VerifiedUser,
    now: OffsetDateTime,
    token_left: Option<i64>,
    trace: &mut Trace,
) -> Result<AppToken, DelegationError> {
    let Parties { caller, target } = parties;
    let Some(settings) = target.app else {
        return Err(DelegationError::InvalidRequest(format!(
            "client `{}` does not allow api_type app; enable it with [clients.app]",
            target.client_id
        )));
    };
    let oidc = app.oidc.as_deref().ok_or_else(|| {
        DelegationError::Internal(
            "api_type app needs [oidc_provider], which is not configured".into(),
        )
    })?;
    let user_id = verified.subject.to_string();
    let user = context::user_from_claims(verified.claims, &user_id);
    let rule_context = context::rule_context(req, parties, None);
    let ran = context::run_rules(&app.rules, user, rule_context, trace).await?;
    trace.decided_by = ran.decided_by.map(|rule| format!("rule:{rule}"));
    // With the target's clamp, the new token expires no later than the one presented.
    let lifetime = match token_left {
        None => settings.lifetime_in_seconds,
        Some(left) if left < 1 => {
            return Err(DelegationError::InvalidGrant(
                "the id_token has expired; send a fresh one".into(),
            ));
        }
        Some(left) => {
            trace.clamp = Some((settings.lifetime_in_seconds, left));
            u32::try_from(left).map_or(settings.lifetime_in_seconds, |left| {
                settings.lifetime_in_seconds.min(left)
            })
        }
    };
    let jti = new_jti()
        .ok_or_else(|| DelegationError::Internal("the system random source failed".into()))?;
    let claims = AppTokenClaims {
        issuer: oidc.url(),
        subject: &user_id,
        audience: &target.client_id,
        authorized_party: &caller.client_id,
        issued_at: now.unix_timestamp(),
        lifetime_seconds: lifetime,
        jti: &jti,
    }
    .to_json(ran.user);
    let id_token = oidc
        .sign(&claims)
        .map_err(|e| DelegationError::Internal(format!("signing the id_token: {e}")))?;
    Ok(AppToken {
        id_token,
        token_type: "Bearer",
        expires_in: lifetime,
        expires_at: now + time::Duration::seconds(i64::from(lifetime)),
    })
}
