//! Unit tests of `error`: the status table of docs/api.md, pinned.

use super::*;
use crate::delegation::DelegationError;

/// Every refusal of the flow with the status and `error` code `/delegation` answers it
/// with. Changing a row changes what clients see: docs/api.md must change with it.
#[test]
fn each_refusal_has_the_status_and_code_of_the_documented_table() {
    let secs = Duration::from_secs;
    let text = || "t".to_owned();
    let table: Vec<(DelegationError, u16, &str)> = vec![
        (
            DelegationError::InvalidRequest(text()),
            400,
            "invalid_request",
        ),
        (
            DelegationError::UnsupportedGrantType(text()),
            400,
            "unsupported_grant_type",
        ),
        (
            DelegationError::InvalidClient(text()),
            401,
            "invalid_client",
        ),
        (DelegationError::InvalidGrant(text()), 401, "invalid_grant"),
        (DelegationError::Unauthorized(text()), 403, "unauthorized"),
        (DelegationError::AccessDenied(text()), 403, "access_denied"),
        (DelegationError::Upstream(text()), 502, "server_error"),
        (
            DelegationError::Unavailable {
                description: text(),
                retry_after: secs(1),
            },
            503,
            "temporarily_unavailable",
        ),
        (
            DelegationError::TooManyRequests {
                retry_after: secs(1),
            },
            429,
            "too_many_requests",
        ),
        (DelegationError::Internal(text()), 500, "server_error"),
    ];
    for (refusal, status, code) in table {
        let shown = format!("{refusal:?}");
        let answer = ApiError::from(refusal);
        assert_eq!(answer.status().as_u16(), status, "{shown}");
        assert_eq!(answer.code(), code, "{shown}");
    }
    // The edge's own answers.
    let edge: [(ApiError, u16, &str); 3] = [
        (ApiError::PayloadTooLarge(65536), 413, "invalid_request"),
        (ApiError::NotFound, 404, "not_found"),
        (ApiError::InvalidToken(text()), 401, "invalid_token"),
    ];
    for (answer, status, code) in edge {
        assert_eq!((answer.status().as_u16(), answer.code()), (status, code));
    }
}

#[test]
fn an_internal_detail_stays_in_the_log_and_retry_after_is_bounded() {
    let response = ApiError::from(DelegationError::Internal(
        "rule 01.js failed: secret detail".into(),
    ))
    .into_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let response = ApiError::from(DelegationError::Unavailable {
        description: "x".into(),
        retry_after: Duration::from_secs(3600),
    })
    .into_response();
    assert_eq!(response.headers()[header::RETRY_AFTER], "30");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
}
