//! STS `AssumeRoleWithSAML` and `AssumeRoleWithWebIdentity`: exchange the signed SAML
//! Response, or a JWT from the server's own issuer, for temporary credentials, and turn the
//! reply into the JSON Auth0's `/delegation` answered with (docs/tokens-saml-sts.md).
//!
//! The call is an unsigned form POST — both actions authenticate with the assertion or
//! token itself, not with AWS keys. One pooled HTTP client serves every request; each call is
//! bounded by the caller's deadline, and only throttling, 5xx replies and transport failures
//! are retried (jittered exponential backoff), never another 4xx.
//!
//! How the HTTP layer maps [`StsError`]:
//!
//! | variant | response |
//! |---|---|
//! | [`StsError::Denied`] | 403 `access_denied` |
//! | [`StsError::Rejected`] | 502 `server_error`, AWS code and message in the description |
//! | [`StsError::Unavailable`] | 503 `temporarily_unavailable` with `Retry-After` |
//! | [`StsError::Malformed`] | 502 `server_error` |

mod classify;
mod client;
mod credentials;
mod reply;
mod retry;
mod transport;
mod warm;
mod wire;
mod xml;

use std::fmt;
use std::time::Duration;

use crate::domain::{PrincipalArn, Region, RoleArn};

pub use client::StsClient;
pub use credentials::Credentials;
pub use reply::{AssumedRoleUser, Identity, StsResult};
pub use warm::Opened;

/// Largest STS reply body read; real replies are a few KiB.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Longest AWS error message kept (in characters); AWS messages can quote whole policies.
pub const MAX_MESSAGE_CHARS: usize = 512;

/// Told about every STS attempt, for metrics.
pub trait Observer: Send + Sync + std::fmt::Debug {
    /// One attempt ended: `result` is `ok`, `denied`, `rejected`, `malformed`,
    /// `throttled`, `unavailable`, `timeout` or `network`; `retry` says whether it repeated
    /// an attempt that had failed.
    fn attempt(&self, result: &'static str, duration: Duration, retry: bool);
}

/// `[sts]`: how the client reaches STS. The certificate authorities it trusts are given
/// beside these (see [`StsClient::new`]), as they are shared with the JWKS fetcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsSettings {
    /// Sends every call here instead of the regional endpoint (an emulator such as moto).
    pub endpoint: Option<url::Url>,
    /// Longest wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Longest wait for one attempt, from sending to the last byte of the reply; further
    /// bounded by the request's deadline.
    pub timeout: Duration,
    /// Extra attempts after the first, only for throttling, 5xx and transport failures.
    pub retries: u32,
    /// Longest wait at start for connections to the STS endpoints in use to open before
    /// the server reports ready; zero opens none ahead.
    pub warm_up: Duration,
}

impl Default for StsSettings {
    /// The regional endpoints, a 2 s connect and 5 s attempt timeout, two retries, and up
    /// to 2 s at start to open connections.
    fn default() -> Self {
        Self {
            endpoint: None,
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            retries: 2,
            warm_up: Duration::from_secs(2),
        }
    }
}

/// One `AssumeRoleWithSAML` call. Its `Debug` leaves the assertion out: a signed assertion
/// is a bearer credential for five minutes.
#[derive(Clone, Copy)]
pub struct AssumeRoleWithSaml<'a> {
    /// Picks the regional endpoint (unless an override is configured).
    pub region: &'a Region,
    /// The role to assume; it must also appear in the assertion's Role attribute.
    pub role: &'a RoleArn,
    /// The IAM SAML provider that trusts our signing certificate.
    pub principal: &'a PrincipalArn,
    /// The signed `samlp:Response` document; the client base64-encodes it.
    pub saml_response_xml: &'a str,
    /// Session lifetime; STS accepts 900–43200 and refuses others with `ValidationError`.
    pub duration_seconds: u32,
    /// An inline session policy (JSON), sent as `Policy`.
    pub policy: Option<&'a str>,
    /// Managed session policies, sent as `PolicyArns.member.N.arn`.
    pub policy_arns: &'a [String],
}

impl fmt::Debug for AssumeRoleWithSaml<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleWithSaml")
            .field("region", &self.region.as_str())
            .field("role", &self.role.as_str())
            .field("principal", &self.principal.as_str())
            .field(
                "saml_response_xml",
                &format_args!("<{} bytes>", self.saml_response_xml.len()),
            )
            .field("duration_seconds", &self.duration_seconds)
            .finish()
    }
}

/// One `AssumeRoleWithWebIdentity` call. Its `Debug` leaves the token out: it is a bearer
/// credential until it expires.
#[derive(Clone, Copy)]
pub struct AssumeRoleWithWebIdentity<'a> {
    pub region: &'a Region,
    pub role: &'a RoleArn,
    /// `RoleSessionName`, already valid for AWS.
    pub role_session_name: &'a str,
    /// The signed JWT.
    pub web_identity_token: &'a str,
    pub duration_seconds: u32,
    pub policy: Option<&'a str>,
    pub policy_arns: &'a [String],
}

impl fmt::Debug for AssumeRoleWithWebIdentity<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleWithWebIdentity")
            .field("region", &self.region.as_str())
            .field("role", &self.role.as_str())
            .field("role_session_name", &self.role_session_name)
            .field(
                "web_identity_token",
                &format_args!("<{} bytes>", self.web_identity_token.len()),
            )
            .field("duration_seconds", &self.duration_seconds)
            .finish()
    }
}

/// Why an STS call produced no credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StsError {
    /// STS refused this user the role: `AccessDenied` (the role's trust policy does not
    /// admit the assertion) or `IDPRejectedClaim` (a claim such as the session name was
    /// refused). The caller may fix this with different claims or another role.
    ///
    /// `RegionDisabledException` is deliberately *not* here: it says STS is not activated
    /// for the account in the configured region, a deployment mistake no user can fix, so
    /// it is [`StsError::Rejected`] like the other misconfigurations.
    #[error("STS refused the role ({code}): {message}")]
    Denied { code: String, message: String },
    /// STS rejected our request or assertion (`InvalidIdentityToken`,
    /// `ExpiredTokenException`, `MalformedPolicyDocument`, `PackedPolicyTooLarge`,
    /// `ValidationError`, `RegionDisabledException`, any other 4xx code): a
    /// misconfiguration the operator must fix.
    #[error("STS rejected the request ({code}): {message}")]
    Rejected { code: String, message: String },
    /// STS could not be reached or kept failing: connection refused, timeouts, 5xx,
    /// throttling after the retries, or the deadline ran out. `retry_after` is the server's
    /// `Retry-After` when it sent one.
    #[error("STS is unavailable: {reason}")]
    Unavailable {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The reply was not the XML STS sends (an HTML error page, a truncated or oversized
    /// body, a required element missing).
    #[error("STS reply was not understood: {reason}")]
    Malformed { reason: String },
}

impl StsError {
    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        Self::Malformed {
            reason: reason.into(),
        }
    }
}

/// The STS client could not be built from its settings.
#[derive(Debug, thiserror::Error)]
pub enum StsBuildError {
    /// The endpoint override cannot be used: not `http` or `https`, no host, or a user
    /// name or password in it.
    #[error("sts.endpoint: {0}")]
    Endpoint(String),
    /// The TLS configuration could not be built.
    #[error("could not build the STS client's TLS configuration")]
    Tls(#[source] rustls::Error),
}

/// Parses a reply body as the client does (for `crate::fuzzing`): `true` for a result,
/// `false` for an AWS error document.
#[cfg(feature = "fuzzing")]
pub(crate) fn parse_reply(body: &[u8]) -> Result<bool, StsError> {
    reply::parse(body).map(|reply| matches!(reply, reply::Reply::Success(_)))
}
