//! The errors a request can end in, and the one place they become HTTP responses.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything that can stop a request. The text of each variant is the client-facing
/// `error_description`, except `Internal`, whose text goes only to the log.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("request body exceeds {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    UnsupportedGrantType(String),
    #[error("{0}")]
    InvalidClient(String),
    #[error("{0}")]
    InvalidGrant(String),
    /// A rule refused the request.
    #[error("{0}")]
    Unauthorized(String),
    /// STS refused to let this user assume the role.
    #[error("{0}")]
    AccessDenied(String),
    /// STS rejected our request or assertion: a configuration problem on our side or in IAM.
    #[error("{0}")]
    Upstream(String),
    #[error("{description}")]
    Unavailable {
        description: String,
        retry_after: Duration,
    },
    #[error("too many delegations for this user; retry after the time in Retry-After")]
    TooManyRequests { retry_after: Duration },
    #[error("no such resource")]
    NotFound,
    /// An admin endpoint without the admin bearer token.
    #[error("{0}")]
    InvalidToken(String),
    #[error("{0}")]
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_) | Self::UnsupportedGrantType(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::InvalidClient(_) | Self::InvalidGrant(_) | Self::InvalidToken(_) => {
                StatusCode::UNAUTHORIZED
            }
            Self::Unauthorized(_) | Self::AccessDenied(_) => StatusCode::FORBIDDEN,
            Self::Upstream(_) => StatusCode::BAD_GATEWAY,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The OAuth-style `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) | Self::PayloadTooLarge(_) => "invalid_request",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::InvalidClient(_) => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::Unauthorized(_) => "unauthorized",
            Self::AccessDenied(_) => "access_denied",
            Self::Upstream(_) | Self::Internal(_) => "server_error",
            Self::Unavailable { .. } => "temporarily_unavailable",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::NotFound => "not_found",
            Self::InvalidToken(_) => "invalid_token",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let description = match &self {
            Self::Internal(detail) => {
                tracing::error!(detail = %detail, "request failed with an internal error");
                "internal error; see the server log".to_owned()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: self.code(),
            error_description: &description,
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Self::InvalidToken(_) = &self {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::Unavailable { retry_after, .. } | Self::TooManyRequests { retry_after } = &self
        {
            // An upstream Retry-After can be an hour; clients should come back sooner.
            let secs = retry_after.as_secs().clamp(1, 30);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The edge's reading of a delegation's refusal: one `ApiError` per kind, so the status
/// table (docs/api.md) is decided here and only here.
impl From<crate::delegation::DelegationError> for ApiError {
    fn from(error: crate::delegation::DelegationError) -> Self {
        use crate::delegation::DelegationError as E;
        match error {
            E::InvalidRequest(text) => Self::InvalidRequest(text),
            E::UnsupportedGrantType(text) => Self::UnsupportedGrantType(text),
            E::InvalidClient(text) => Self::InvalidClient(text),
            E::InvalidGrant(text) => Self::InvalidGrant(text),
            E::Unauthorized(text) => Self::Unauthorized(text),
            E::AccessDenied(text) => Self::AccessDenied(text),
            E::Upstream(text) => Self::Upstream(text),
            E::Unavailable {
                description,
                retry_after,
            } => Self::Unavailable {
                description,
                retry_after,
            },
            E::TooManyRequests { retry_after } => Self::TooManyRequests { retry_after },
            E::Internal(detail) => Self::Internal(detail),
        }
    }
}

/// An explain report with its `outcome`: `"ok"`, or the error as `/delegation` would
/// answer it (`error`, `status`) with its whole text: administrators see internal details
/// too, since they are what to fix.
pub fn explanation(
    mut report: serde_json::Map<String, serde_json::Value>,
    outcome: Result<(), crate::delegation::DelegationError>,
) -> serde_json::Value {
    let outcome = match outcome {
        Ok(()) => serde_json::json!("ok"),
        Err(error) => {
            let description = error.to_string();
            let answer = ApiError::from(error);
            serde_json::json!({
                "error": answer.code(),
                "status": answer.status().as_u16(),
                "error_description": description,
            })
        }
    };
    report.insert("outcome".into(), outcome);
    serde_json::Value::Object(report)
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
