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
#[path = "classify_tests.rs"]
mod tests;
