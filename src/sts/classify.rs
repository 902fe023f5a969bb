//! Decides what one STS HTTP reply means: a result, a final error, or a reason to retry.

use std::time::Duration;

use super::reply::{AwsError, Reply, parse};
use super::retry::is_throttling;
use super::{MAX_REPLY_BYTES, StsError, StsResult};

/// Codes that mean STS refused this user the role (403 `access_denied` to the caller).
const DENIAL_CODES: &[&str] = &["AccessDenied", "IDPRejectedClaim"];

/// The meaning of one attempt.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Success or an error retrying cannot change.
    Done(Result<Box<StsResult>, StsError>),
    /// Throttling, 5xx or a transport failure: worth another attempt if time allows.
    Transient {
        /// Short label for logs: the AWS code, `HTTP 503`, `timeout`, `connect`.
        code: String,
        /// What happened, for the final [`StsError::Unavailable`].
        reason: String,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
}

impl Outcome {
    pub(super) fn transient(code: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Transient {
            code: code.into(),
            reason: reason.into(),
            retry_after: None,
        }
    }
}

/// Classifies a reply from its status, its `Retry-After` and its body (`None` when the body
/// exceeded [`MAX_REPLY_BYTES`]).
pub(super) fn classify(status: u16, retry_after: Option<Duration>, body: Option<&[u8]>) -> Outcome {
    let parsed = body.map(parse);
    let aws_code = match &parsed {
        Some(Ok(Reply::Error(e))) => Some(e.code.clone()),
        _ => None,
    };
    let retry = |code: String, what: &str| Outcome::Transient {
        reason: format!("{what} (HTTP {status}, {code})"),
        code,
        retry_after,
    };
    // 429 and 5xx are transient whatever the body says (often a proxy's HTML page).
    if status == 429 {
        return retry(
            aws_code.unwrap_or_else(|| "HTTP 429".into()),
            "STS throttled the call",
        );
    }
    if (500..600).contains(&status) {
        return retry(
            aws_code.unwrap_or_else(|| format!("HTTP {status}")),
            "STS failed",
        );
    }
    if !(200..300).contains(&status) && !(400..500).contains(&status) {
        // Redirects are not followed; STS never sends one.
        return Outcome::Done(Err(StsError::malformed(format!(
            "unexpected HTTP status {status}"
        ))));
    }
    let Some(parsed) = parsed else {
        return Outcome::Done(Err(StsError::malformed(format!(
            "HTTP {status} reply larger than {} KiB",
            MAX_REPLY_BYTES / 1024
        ))));
    };
    match (status, parsed) {
        (200..=299, Ok(Reply::Success(result))) => Outcome::Done(Ok(result)),
        (_, Ok(Reply::Error(e))) if is_throttling(&e.code) => {
            retry(e.code, "STS throttled the call")
        }
        // STS could not fetch the web identity issuer's discovery document or keys.
        (_, Ok(Reply::Error(e))) if e.code == "IDPCommunicationError" => {
            retry(e.code, "STS could not reach the token issuer")
        }
        (_, Ok(Reply::Error(e))) => Outcome::Done(Err(refusal(e))),
        (_, Ok(Reply::Success(_))) => Outcome::Done(Err(StsError::malformed(format!(
            "HTTP {status} with a success document"
        )))),
        (_, Err(StsError::Malformed { reason })) => {
            Outcome::Done(Err(StsError::malformed(format!("HTTP {status}: {reason}"))))
        }
        (_, Err(e)) => Outcome::Done(Err(e)),
    }
}

/// A final refusal: the user's problem ([`StsError::Denied`]) or ours
/// ([`StsError::Rejected`]).
fn refusal(e: AwsError) -> StsError {
    tracing::debug!(code = %e.code, kind = ?e.kind, "STS refused the call");
    if DENIAL_CODES.contains(&e.code.as_str()) {
        StsError::Denied {
            code: e.code,
            message: e.message,
        }
    } else {
        StsError::Rejected {
            code: e.code,
            message: e.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_body(code: &str) -> Vec<u8> {
        format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>because</Message></Error><RequestId>r</RequestId></ErrorResponse>"
        )
        .into_bytes()
    }

    fn done_err(outcome: Outcome) -> StsError {
        match outcome {
            Outcome::Done(Err(e)) => e,
            other => panic!("expected a final error, got {other:?}"),
        }
    }

    #[test]
    fn access_denied_and_rejected_claims_are_denials() {
        for code in ["AccessDenied", "IDPRejectedClaim"] {
            let e = done_err(classify(403, None, Some(&error_body(code))));
            assert_eq!(
                e,
                StsError::Denied {
                    code: code.into(),
                    message: "because".into()
                }
            );
        }
    }

    #[test]
    fn misconfiguration_codes_are_rejections() {
        for (status, code) in [
            (400, "InvalidIdentityToken"),
            (400, "ExpiredTokenException"),
            (400, "MalformedPolicyDocument"),
            (400, "PackedPolicyTooLarge"),
            (400, "ValidationError"),
            (403, "RegionDisabledException"),
            (404, "SomethingNew"),
        ] {
            let e = done_err(classify(status, None, Some(&error_body(code))));
            assert!(matches!(e, StsError::Rejected { code: c, .. } if c == code));
        }
    }

    #[test]
    fn throttling_429_and_5xx_are_transient() {
        let after = Some(Duration::from_secs(2));
        for (status, body) in [
            (400, error_body("Throttling")),
            (400, error_body("ThrottlingException")),
            (400, error_body("IDPCommunicationError")),
            (429, b"slow down".to_vec()),
            (500, error_body("InternalFailure")),
            (503, error_body("ServiceUnavailable")),
            (502, b"<html>bad gateway</html>".to_vec()),
        ] {
            match classify(status, after, Some(&body)) {
                Outcome::Transient { retry_after, .. } => assert_eq!(retry_after, after),
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_transient_code_names_the_aws_code_or_the_status() {
        let Outcome::Transient { code, .. } =
            classify(503, None, Some(&error_body("ServiceUnavailable")))
        else {
            panic!()
        };
        assert_eq!(code, "ServiceUnavailable");
        let Outcome::Transient { code, .. } = classify(502, None, None) else {
            panic!()
        };
        assert_eq!(code, "HTTP 502");
    }

    #[test]
    fn unreadable_or_oversized_replies_are_malformed() {
        for (status, body) in [
            (200, Some(&b"<html><body>hi</body></html>"[..])),
            (403, Some(&b"<!DOCTYPE html><html>Forbidden</html>"[..])),
            (400, Some(&b""[..])),
            (200, None),
            (
                302,
                Some(&b"<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>"[..]),
            ),
        ] {
            let e = done_err(classify(status, None, body));
            assert!(matches!(e, StsError::Malformed { .. }), "{status}: {e:?}");
        }
    }
}
