//! The STS reply: the success record Auth0 answered with, and the `ErrorResponse` document.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::xml::{Flat, flatten};
use super::{MAX_MESSAGE_CHARS, StsError};

const RESULT: &str = "AssumeRoleWithSAMLResponse/AssumeRoleWithSAMLResult";
/// Longest AWS error code kept; real codes are short identifiers.
const MAX_CODE_CHARS: usize = 128;

/// Temporary credentials. `Debug` hides the secret key and the session token so they never
/// reach a log line. They deserialise from the JSON they serialise to (the shared cache
/// store keeps them so, sealed).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", try_from = "StoredCredentials")]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    /// Normalised to `YYYY-MM-DDThh:mm:ss.sssZ`, what Auth0's JavaScript `Date` produced.
    expiration: String,
    #[serde(skip)]
    expires_at: OffsetDateTime,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StoredCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
}

impl TryFrom<StoredCredentials> for Credentials {
    type Error = StsError;

    fn try_from(s: StoredCredentials) -> Result<Self, StsError> {
        let (expires_at, expiration) = normalise_expiration(&s.expiration)?;
        Ok(Self {
            access_key_id: s.access_key_id,
            secret_access_key: s.secret_access_key,
            session_token: s.session_token,
            expiration,
            expires_at,
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// The assumed role session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct AssumedRoleUser {
    assumed_role_id: String,
    arn: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
struct ResponseMetadata {
    request_id: String,
}

/// A successful `AssumeRoleWithSAML` result. Serialises to exactly the JSON Auth0 answered
/// with: the SDK's member order, PascalCase keys, optional members omitted when absent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StsResult {
    credentials: Credentials,
    assumed_role_user: AssumedRoleUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    packed_policy_size: Option<u64>,
    subject: String,
    subject_type: String,
    issuer: String,
    audience: String,
    name_qualifier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_identity: Option<String>,
    response_metadata: ResponseMetadata,
}

impl StsResult {
    /// Parses an `AssumeRoleWithSAMLResponse` document; anything else is
    /// [`StsError::Malformed`].
    pub fn from_xml(text: &str) -> Result<Self, StsError> {
        match parse(text.as_bytes())? {
            Reply::Success(result) => Ok(*result),
            Reply::Error(e) => Err(StsError::malformed(format!(
                "expected a result, got error {}",
                e.code
            ))),
        }
    }

    /// The ARN of the assumed role session (`arn:aws:sts::…:assumed-role/<role>/<session>`).
    pub fn assumed_role_arn(&self) -> &str {
        &self.assumed_role_user.arn
    }

    /// `AROA…:<session name>`.
    pub fn assumed_role_id(&self) -> &str {
        &self.assumed_role_user.assumed_role_id
    }

    /// The assertion's `NameID`, as STS read it.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The access key id (not secret; identifies the session in CloudTrail).
    pub fn access_key_id(&self) -> &str {
        &self.credentials.access_key_id
    }

    /// When the credentials expire.
    pub fn expiration(&self) -> OffsetDateTime {
        self.credentials.expires_at
    }

    /// STS's request id, for correlating with AWS support and CloudTrail.
    pub fn request_id(&self) -> &str {
        &self.response_metadata.request_id
    }

    /// The source identity STS recorded, if the assertion set one.
    pub fn source_identity(&self) -> Option<&str> {
        self.source_identity.as_deref()
    }
}

/// An `ErrorResponse/Error` from STS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AwsError {
    /// `Sender` or `Receiver`, when present.
    pub kind: Option<String>,
    pub code: String,
    /// Capped at [`MAX_MESSAGE_CHARS`]; control characters replaced.
    pub message: String,
}

/// What an STS reply body says.
#[derive(Debug)]
pub(super) enum Reply {
    Success(Box<StsResult>),
    Error(AwsError),
}

/// Parses a reply body as either document STS sends.
pub(super) fn parse(body: &[u8]) -> Result<Reply, StsError> {
    let text = std::str::from_utf8(body).map_err(|_| StsError::malformed("reply is not UTF-8"))?;
    let flat = flatten(text).map_err(StsError::malformed)?;
    match flat.root.as_str() {
        "AssumeRoleWithSAMLResponse" => parse_result(&flat).map(|r| Reply::Success(Box::new(r))),
        "ErrorResponse" => parse_error(&flat).map(Reply::Error),
        other => Err(StsError::malformed(format!(
            "unexpected root element <{}>",
            cap(other, 64)
        ))),
    }
}

fn required<'a>(flat: &'a Flat, path: &str) -> Result<&'a str, StsError> {
    flat.get(path)
        .ok_or_else(|| StsError::malformed(format!("{path} is missing")))
}

fn non_empty<'a>(flat: &'a Flat, path: &str) -> Result<&'a str, StsError> {
    match required(flat, path)? {
        "" => Err(StsError::malformed(format!("{path} is empty"))),
        value => Ok(value),
    }
}

fn optional(flat: &Flat, path: &str) -> Option<String> {
    flat.get(path).filter(|v| !v.is_empty()).map(str::to_owned)
}

fn parse_result(flat: &Flat) -> Result<StsResult, StsError> {
    let field = |name: &str| format!("{RESULT}/{name}");
    let (expires_at, expiration) =
        normalise_expiration(non_empty(flat, &field("Credentials/Expiration"))?)?;
    let packed_policy_size = optional(flat, &field("PackedPolicySize"))
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| StsError::malformed("PackedPolicySize is not a number"))
        })
        .transpose()?;
    Ok(StsResult {
        credentials: Credentials {
            access_key_id: non_empty(flat, &field("Credentials/AccessKeyId"))?.to_owned(),
            secret_access_key: non_empty(flat, &field("Credentials/SecretAccessKey"))?.to_owned(),
            session_token: non_empty(flat, &field("Credentials/SessionToken"))?.to_owned(),
            expiration,
            expires_at,
        },
        assumed_role_user: AssumedRoleUser {
            assumed_role_id: non_empty(flat, &field("AssumedRoleUser/AssumedRoleId"))?.to_owned(),
            arn: non_empty(flat, &field("AssumedRoleUser/Arn"))?.to_owned(),
        },
        packed_policy_size,
        subject: required(flat, &field("Subject"))?.to_owned(),
        subject_type: required(flat, &field("SubjectType"))?.to_owned(),
        issuer: required(flat, &field("Issuer"))?.to_owned(),
        audience: required(flat, &field("Audience"))?.to_owned(),
        name_qualifier: required(flat, &field("NameQualifier"))?.to_owned(),
        source_identity: optional(flat, &field("SourceIdentity")),
        response_metadata: ResponseMetadata {
            request_id: non_empty(
                flat,
                "AssumeRoleWithSAMLResponse/ResponseMetadata/RequestId",
            )?
            .to_owned(),
        },
    })
}

fn parse_error(flat: &Flat) -> Result<AwsError, StsError> {
    let code = non_empty(flat, "ErrorResponse/Error/Code")?;
    Ok(AwsError {
        kind: optional(flat, "ErrorResponse/Error/Type").map(|t| cap(&t, MAX_CODE_CHARS)),
        code: cap(code, MAX_CODE_CHARS),
        message: cap(
            flat.get("ErrorResponse/Error/Message").unwrap_or_default(),
            MAX_MESSAGE_CHARS,
        ),
    })
}

/// STS sends `2026-11-27T19:00:00Z` (moto adds microseconds); Auth0 passed it through a
/// JavaScript `Date`, which prints UTC with exactly three fractional digits (truncated).
fn normalise_expiration(text: &str) -> Result<(OffsetDateTime, String), StsError> {
    let bad = || StsError::malformed("Credentials/Expiration is not an RFC 3339 time");
    let at = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| bad())?
        .to_offset(time::UtcOffset::UTC);
    let shown = at
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .map_err(|_| bad())?;
    Ok((at, shown))
}

/// Keeps at most `max` characters, replacing control characters so a message cannot forge
/// log lines; marks a cut with `…`.
fn cap(text: &str, max: usize) -> String {
    let clean = |c: char| if c.is_control() { ' ' } else { c };
    let mut out: String = text.chars().take(max).map(clean).collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
