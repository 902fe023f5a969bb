//! The errors a request can end in, and the one place they become HTTP responses.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::delegation::DelegationError;

/// Everything that can stop a request: a refusal of the flow, or one of the answers only
/// HTTP gives. The text is the client-facing `error_description`, except an internal
/// error's, which goes only to the log.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The delegation flow refused (the request, the token, a rule, STS, …).
    #[error(transparent)]
    Refused(#[from] DelegationError),
    #[error("request body exceeds {0} bytes")]
    PayloadTooLarge(usize),
    #[error("no such resource")]
    NotFound,
    /// An admin endpoint without the admin bearer token.
    #[error("{0}")]
    InvalidToken(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl ApiError {
    /// The status each kind of refusal is answered with (docs/api.md's table, pinned by
    /// `error_tests.rs`).
    pub fn status(&self) -> StatusCode {
        use DelegationError as E;
        match self {
            Self::Refused(refusal) => match refusal {
                E::InvalidRequest(_) | E::UnsupportedGrantType(_) => StatusCode::BAD_REQUEST,
                E::InvalidClient(_) | E::InvalidGrant(_) => StatusCode::UNAUTHORIZED,
                E::Unauthorized(_) | E::AccessDenied(_) => StatusCode::FORBIDDEN,
                E::Upstream(_) => StatusCode::BAD_GATEWAY,
                E::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
                E::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
                E::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
        }
    }

    /// The OAuth-style `error` code.
    pub fn code(&self) -> &'static str {
        use DelegationError as E;
        match self {
            Self::Refused(refusal) => match refusal {
                E::InvalidRequest(_) => "invalid_request",
                E::UnsupportedGrantType(_) => "unsupported_grant_type",
                E::InvalidClient(_) => "invalid_client",
                E::InvalidGrant(_) => "invalid_grant",
                E::Unauthorized(_) => "unauthorized",
                E::AccessDenied(_) => "access_denied",
                E::Upstream(_) | E::Internal(_) => "server_error",
                E::Unavailable { .. } => "temporarily_unavailable",
                E::TooManyRequests { .. } => "too_many_requests",
            },
            Self::PayloadTooLarge(_) => "invalid_request",
            Self::NotFound => "not_found",
            Self::InvalidToken(_) => "invalid_token",
        }
    }

    /// How long the client should wait before trying again, when it should.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Refused(
                DelegationError::Unavailable { retry_after, .. }
                | DelegationError::TooManyRequests { retry_after },
            ) => Some(*retry_after),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let description = match &self {
            Self::Refused(DelegationError::Internal(detail)) => {
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
        if let Some(retry_after) = self.retry_after() {
            // An upstream Retry-After can be an hour; clients should come back sooner.
            let secs = retry_after.as_secs().clamp(1, 30);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// An explain report with its `outcome`: `"ok"`, or the error as `/delegation` would
/// answer it (`error`, `status`) with its whole text: administrators see internal details
/// too, since they are what to fix.
pub fn explanation(
    mut report: serde_json::Map<String, serde_json::Value>,
    outcome: Result<(), DelegationError>,
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
