//! Why a delegation did not hand anything out, in the flow's own terms. Each variant is a
//! kind of refusal Auth0's clients tell apart; which HTTP status and `error` code it
//! becomes is decided at the edge (`crate::error`), nowhere here.

use crate::backend::BackendError;
use std::time::Duration;

use crate::sts::StsError;
use crate::token::{RefreshError, TokenError};

/// Everything that can stop a delegation. The text of each variant is safe to show the
/// client, except `Internal`'s, which only the log gets.
#[derive(Debug, thiserror::Error)]
pub enum DelegationError {
    /// The request itself is wrong: a parameter, the body, a claim AWS cannot carry.
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    UnsupportedGrantType(String),
    /// The calling client or the target is unknown or not allowed.
    #[error("{0}")]
    InvalidClient(String),
    /// The id_token was refused; the text names the check.
    #[error("{0}")]
    InvalidGrant(String),
    /// A rule (or a role rule) refused the user.
    #[error("{0}")]
    Unauthorized(String),
    /// STS refused to let this user assume the role.
    #[error("{0}")]
    AccessDenied(String),
    /// STS rejected our request or assertion: a configuration problem here or in IAM.
    #[error("{0}")]
    Upstream(String),
    /// Something needed is unavailable for now; retry after `retry_after`.
    #[error("{description}")]
    Unavailable {
        description: String,
        retry_after: Duration,
    },
    /// The user is over their rate.
    #[error("too many delegations for this user; retry after the time in Retry-After")]
    TooManyRequests { retry_after: Duration },
    #[error("{0}")]
    Internal(String),
}

impl From<crate::limit::LimitError> for DelegationError {
    fn from(error: crate::limit::LimitError) -> Self {
        use crate::limit::LimitError;
        match error {
            LimitError::Over(retry_after) => Self::TooManyRequests { retry_after },
            LimitError::StoreDown(retry_after) => Self::Unavailable {
                description: "the shared rate-limit store is unavailable; retry later".into(),
                retry_after,
            },
        }
    }
}

impl From<TokenError> for DelegationError {
    fn from(error: TokenError) -> Self {
        if error.is_key_fetch_failure() {
            tracing::warn!(%error, "id_token could not be checked");
            Self::Unavailable {
                description: "the token issuer's signing keys are unavailable; retry later".into(),
                retry_after: Duration::from_secs(5),
            }
        } else {
            Self::InvalidGrant(error.to_string())
        }
    }
}

impl From<StsError> for DelegationError {
    fn from(error: StsError) -> Self {
        match error {
            StsError::Denied { .. } => Self::AccessDenied(error.to_string()),
            // The tags and policy come largely from the user's claims, so too much of them
            // is the request's problem, not a misconfiguration.
            StsError::Rejected { ref code, .. } if code == "PackedPolicyTooLarge" => {
                Self::InvalidRequest(format!(
                    "the session tags and policy are too large for AWS once packed: {error}"
                ))
            }
            StsError::Rejected { .. } => Self::Upstream(error.to_string()),
            StsError::Unavailable { retry_after, .. } => {
                tracing::warn!(%error, "STS unavailable");
                Self::Unavailable {
                    description: "AWS STS is unavailable; retry later".into(),
                    retry_after: retry_after.unwrap_or(Duration::from_secs(2)),
                }
            }
            StsError::Malformed { .. } => {
                tracing::warn!(%error, "STS reply not understood");
                Self::Upstream("AWS STS sent a reply that could not be understood".into())
            }
        }
    }
}

impl From<RefreshError> for DelegationError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::Refused(_) => Self::InvalidGrant(error.to_string()),
            RefreshError::Failed(_) => {
                tracing::warn!(%error, "refresh grant");
                Self::Upstream(error.to_string())
            }
            RefreshError::Unavailable(_) => {
                tracing::warn!(%error, "refresh grant");
                Self::Unavailable {
                    description: "the token issuer is unavailable; retry later".into(),
                    retry_after: Duration::from_secs(2),
                }
            }
        }
    }
}

impl From<BackendError> for DelegationError {
    fn from(error: BackendError) -> Self {
        match error {
            BackendError::UserData(description) => Self::InvalidRequest(description),
            BackendError::Internal(detail) => Self::Internal(detail),
            BackendError::Sts(error) => error.into(),
        }
    }
}
