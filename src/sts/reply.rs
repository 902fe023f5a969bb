//! The STS reply: the success record Auth0 answered with, and the `ErrorResponse` document.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::credentials::Credentials;
use super::xml::{Flat, flatten};
use super::{MAX_MESSAGE_CHARS, StsError};

const SAML: &str = "AssumeRoleWithSAMLResponse";
const WEB_IDENTITY: &str = "AssumeRoleWithWebIdentityResponse";
/// Longest AWS error code kept; real codes are short identifiers.
const MAX_CODE_CHARS: usize = 128;

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

/// A successful `AssumeRoleWithSAML` or `AssumeRoleWithWebIdentity` result. Serialises to
/// exactly the JSON Auth0 answered with: the SDK's member order, PascalCase keys, optional
/// members omitted when absent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct StsResult {
    credentials: Credentials,
    assumed_role_user: AssumedRoleUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    packed_policy_size: Option<u64>,
    #[serde(flatten)]
    identity: Identity,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_identity: Option<String>,
    response_metadata: ResponseMetadata,
}

/// Who STS says the session is for: the SAML members, or the web identity ones.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Identity {
    #[serde(rename_all = "PascalCase")]
    Saml {
        subject: String,
        subject_type: String,
        issuer: String,
        audience: String,
        name_qualifier: String,
    },
    #[serde(rename_all = "PascalCase")]
    WebIdentity {
        subject_from_web_identity_token: String,
        provider: String,
        audience: String,
    },
}

impl StsResult {
    /// Parses an `AssumeRoleWithSAMLResponse` or `AssumeRoleWithWebIdentityResponse`
    /// document; anything else is [`StsError::Malformed`].
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

    /// The assertion's `NameID`, or the token's `sub`, as STS read it.
    pub fn subject(&self) -> &str {
        match &self.identity {
            Identity::Saml { subject, .. } => subject,
            Identity::WebIdentity {
                subject_from_web_identity_token,
                ..
            } => subject_from_web_identity_token,
        }
    }

    /// Who STS says the session is for.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Fills the web identity members STS left empty with what the server sent: the
    /// token's `sub` and `aud`, and the IAM OIDC provider. Real STS sends all three; some
    /// emulators send none.
    pub fn complete_web_identity(&mut self, subject: &str, provider: &str, aud: &str) {
        if let Identity::WebIdentity {
            subject_from_web_identity_token,
            provider: sent_provider,
            audience,
        } = &mut self.identity
        {
            for (member, value) in [
                (subject_from_web_identity_token, subject),
                (sent_provider, provider),
                (audience, aud),
            ] {
                if member.is_empty() {
                    value.clone_into(member);
                }
            }
        }
    }

    /// The access key id (not secret; identifies the session in CloudTrail).
    pub fn access_key_id(&self) -> &str {
        &self.credentials.access_key_id
    }

    /// The credentials themselves (their `Debug` hides the secrets).
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
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
        SAML | WEB_IDENTITY => parse_result(&flat).map(|r| Reply::Success(Box::new(r))),
        "ErrorResponse" => parse_error(&flat).map(Reply::Error),
        other => Err(StsError::malformed(format!(
            "unexpected root element <{}>",
            cap(other, 64)
        ))),
    }
}

fn required<'a>(flat: &'a Flat, path: &[&str]) -> Result<&'a str, StsError> {
    flat.get(path)
        .ok_or_else(|| StsError::malformed(format!("{} is missing", path.join("/"))))
}

pub(super) fn non_empty<'a>(flat: &'a Flat, path: &[&str]) -> Result<&'a str, StsError> {
    match required(flat, path)? {
        "" => Err(StsError::malformed(format!("{} is empty", path.join("/")))),
        value => Ok(value),
    }
}

fn optional(flat: &Flat, path: &[&str]) -> Option<String> {
    flat.get(path).filter(|v| !v.is_empty()).map(str::to_owned)
}

fn parse_result(flat: &Flat) -> Result<StsResult, StsError> {
    let root = flat.root.as_str();
    let (result, saml) = if root == SAML {
        ("AssumeRoleWithSAMLResult", true)
    } else {
        ("AssumeRoleWithWebIdentityResult", false)
    };
    let packed_policy_size = optional(flat, &[root, result, "PackedPolicySize"])
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| StsError::malformed("PackedPolicySize is not a number"))
        })
        .transpose()?;
    let text = |name: &str| required(flat, &[root, result, name]).map(str::to_owned);
    let identity = if saml {
        Identity::Saml {
            subject: text("Subject")?,
            subject_type: text("SubjectType")?,
            issuer: text("Issuer")?,
            audience: text("Audience")?,
            name_qualifier: text("NameQualifier")?,
        }
    } else {
        let sent = |name: &str| optional(flat, &[root, result, name]).unwrap_or_default();
        Identity::WebIdentity {
            subject_from_web_identity_token: sent("SubjectFromWebIdentityToken"),
            provider: sent("Provider"),
            audience: sent("Audience"),
        }
    };
    let role_user =
        |name: &str| non_empty(flat, &[root, result, "AssumedRoleUser", name]).map(str::to_owned);
    Ok(StsResult {
        credentials: Credentials::parse(flat, &[root, result])?,
        assumed_role_user: AssumedRoleUser {
            assumed_role_id: role_user("AssumedRoleId")?,
            arn: role_user("Arn")?,
        },
        packed_policy_size,
        identity,
        source_identity: optional(flat, &[root, result, "SourceIdentity"]),
        response_metadata: ResponseMetadata {
            request_id: non_empty(flat, &[root, "ResponseMetadata", "RequestId"])?.to_owned(),
        },
    })
}

fn parse_error(flat: &Flat) -> Result<AwsError, StsError> {
    let code = non_empty(flat, &["ErrorResponse", "Error", "Code"])?;
    Ok(AwsError {
        kind: optional(flat, &["ErrorResponse", "Error", "Type"]).map(|t| cap(&t, MAX_CODE_CHARS)),
        code: cap(code, MAX_CODE_CHARS),
        message: cap(
            flat.get(&["ErrorResponse", "Error", "Message"])
                .unwrap_or_default(),
            MAX_MESSAGE_CHARS,
        ),
    })
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

#[cfg(test)]
#[path = "reply_web_identity_tests.rs"]
mod web_identity_tests;
