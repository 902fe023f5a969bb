//! The `samlp:Response` carrying one signed `saml:Assertion` (DESIGN §5).
//!
//! The Assertion is written directly in exclusive canonical form (see `xml.rs`), digested,
//! and the `ds:Signature` is then spliced in right after its `Issuer`. The Response itself
//! is unsigned, as AWS accepts; it is written without an XML declaration (UTF-8 is the
//! XML default) and without whitespace between elements.

use std::time::Duration;

use time::OffsetDateTime;

use super::signature::{digest_value, signature_element, signed_info};
use super::xml::{element, push_end, push_start, text_element};
use super::{SamlAttribute, SamlSigner};

const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAMLP_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const UNSPECIFIED_AUTHN: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";
const URI_NAME_FORMAT: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";

/// How far before `issued_at` the assertion's `NotBefore` lies, so a relying party whose
/// clock runs a little behind ours does not see an assertion from the future.
pub const CLOCK_SKEW_ALLOWANCE: time::Duration = time::Duration::seconds(60);

/// Why a Response could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SamlError {
    #[error("the SAML {0} is empty")]
    Empty(&'static str),
    #[error("the assertion's {0} is outside the years 0000-9999 that SAML timestamps can express")]
    TimeOutOfRange(&'static str),
    #[error("the system random source failed")]
    Random,
    #[error("signing the assertion failed")]
    Signing,
}

/// What goes into one Response. All text may be untrusted: it is escaped on output.
#[derive(Debug, Clone)]
pub struct ResponseParams<'a> {
    /// Our entity ID, e.g. `urn:example.auth0.com` (both `Issuer`s).
    pub issuer: &'a str,
    /// The `NameID` value: the user's `user_id` (`${saml:sub}` in IAM policies).
    pub subject: &'a str,
    /// `Destination` and `SubjectConfirmationData/@Recipient`.
    pub recipient: &'a str,
    /// `AudienceRestriction/Audience`.
    pub audience: &'a str,
    /// `AttributeStatement` content, in order; omitted entirely when empty.
    pub attributes: &'a [SamlAttribute],
    /// `IssueInstant` and `AuthnInstant`; passed in so tests can pin time.
    pub issued_at: OffsetDateTime,
    /// `NotOnOrAfter` = `issued_at + lifetime` (AWS wants 5 minutes or less in practice).
    pub lifetime: Duration,
}

/// Builds the `samlp:Response` with one signed `saml:Assertion` and returns its XML text
/// (UTF-8, no XML declaration). Timestamps are UTC with milliseconds; `NotBefore` is
/// `issued_at` minus [`CLOCK_SKEW_ALLOWANCE`].
pub fn build_signed_response(
    params: &ResponseParams<'_>,
    signer: &SamlSigner,
) -> Result<String, SamlError> {
    for (what, value) in [
        ("issuer", params.issuer),
        ("subject (NameID)", params.subject),
        ("recipient", params.recipient),
        ("audience", params.audience),
    ] {
        if value.is_empty() {
            return Err(SamlError::Empty(what));
        }
    }
    let times = Times::new(params.issued_at, params.lifetime)?;
    let response_id = random_id()?;
    let assertion_id = random_id()?;

    let assertion = signed_assertion(params, &times, &assertion_id, signer)?;
    let children = [
        issuer(params.issuer),
        element(
            "samlp:Status",
            &[],
            &element("samlp:StatusCode", &[("Value", SUCCESS)], ""),
        ),
        assertion,
    ]
    .concat();
    Ok(element(
        "samlp:Response",
        &[
            ("xmlns:samlp", SAMLP_NS),
            ("xmlns:saml", SAML_NS),
            ("ID", &response_id),
            ("Version", "2.0"),
            ("IssueInstant", &times.issued),
            ("Destination", params.recipient),
        ],
        &children,
    ))
}

/// The assertion's timestamps, formatted once.
struct Times {
    issued: String,
    not_before: String,
    not_on_or_after: String,
}

impl Times {
    fn new(issued_at: OffsetDateTime, lifetime: Duration) -> Result<Self, SamlError> {
        let expiry = time::Duration::try_from(lifetime)
            .ok()
            .and_then(|d| issued_at.checked_add(d))
            .ok_or(SamlError::TimeOutOfRange("NotOnOrAfter"))?;
        let not_before = issued_at
            .checked_sub(CLOCK_SKEW_ALLOWANCE)
            .ok_or(SamlError::TimeOutOfRange("NotBefore"))?;
        Ok(Self {
            issued: saml_instant(issued_at, "IssueInstant")?,
            not_before: saml_instant(not_before, "NotBefore")?,
            not_on_or_after: saml_instant(expiry, "NotOnOrAfter")?,
        })
    }
}

/// `YYYY-MM-DDThh:mm:ss.sssZ` in UTC, the xs:dateTime form SAML requires (no offset).
fn saml_instant(t: OffsetDateTime, what: &'static str) -> Result<String, SamlError> {
    let t = t.to_offset(time::UtcOffset::UTC);
    if !(0..=9999).contains(&t.year()) {
        return Err(SamlError::TimeOutOfRange(what));
    }
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    ))
}

/// A fresh xs:ID: `_` then 40 hex digits (160 random bits), unguessable and an NCName.
fn random_id() -> Result<String, SamlError> {
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| SamlError::Random)?;
    let mut id = String::with_capacity(41);
    id.push('_');
    for b in bytes {
        id.push_str(&format!("{b:02x}"));
    }
    Ok(id)
}

fn issuer(entity_id: &str) -> String {
    text_element("saml:Issuer", &[], entity_id)
}

/// Writes the Assertion, digests it without a signature (what the enveloped-signature
/// transform leaves), signs the canonical `SignedInfo`, and inserts the signature after
/// the `Issuer` as the schema requires.
fn signed_assertion(
    params: &ResponseParams<'_>,
    times: &Times,
    id: &str,
    signer: &SamlSigner,
) -> Result<String, SamlError> {
    let mut start = String::new();
    // xmlns:saml is declared here as exc-c14n renders it with the Assertion as apex.
    push_start(
        &mut start,
        "saml:Assertion",
        &[
            ("xmlns:saml", SAML_NS),
            ("ID", id),
            ("IssueInstant", &times.issued),
            ("Version", "2.0"),
        ],
    );
    let head = [start, issuer(params.issuer)].concat();
    let mut tail = [
        subject(params, times),
        conditions(params.audience, times),
        authn_statement(times),
        attribute_statement(params.attributes),
    ]
    .concat();
    push_end(&mut tail, "saml:Assertion");

    let unsigned = [head.as_str(), tail.as_str()].concat();
    let signed_info = signed_info(id, &digest_value(&unsigned));
    let signature_value = signer
        .sign(signed_info.as_bytes())
        .map_err(|_| SamlError::Signing)?;
    let signature = signature_element(&signed_info, &signature_value, signer.certificate_der());
    Ok([head, signature, tail].concat())
}

fn subject(params: &ResponseParams<'_>, times: &Times) -> String {
    let name_id = text_element("saml:NameID", &[("Format", PERSISTENT)], params.subject);
    let data = element(
        "saml:SubjectConfirmationData",
        &[
            ("NotOnOrAfter", &times.not_on_or_after),
            ("Recipient", params.recipient),
        ],
        "",
    );
    let confirmation = element("saml:SubjectConfirmation", &[("Method", BEARER)], &data);
    element("saml:Subject", &[], &[name_id, confirmation].concat())
}

fn conditions(audience: &str, times: &Times) -> String {
    let restriction = element(
        "saml:AudienceRestriction",
        &[],
        &text_element("saml:Audience", &[], audience),
    );
    element(
        "saml:Conditions",
        &[
            ("NotBefore", &times.not_before),
            ("NotOnOrAfter", &times.not_on_or_after),
        ],
        &restriction,
    )
}

fn authn_statement(times: &Times) -> String {
    let class = text_element("saml:AuthnContextClassRef", &[], UNSPECIFIED_AUTHN);
    element(
        "saml:AuthnStatement",
        &[("AuthnInstant", &times.issued)],
        &element("saml:AuthnContext", &[], &class),
    )
}

/// The schema wants at least one `Attribute` in an `AttributeStatement`, so none at all
/// means no statement. Values are plain text: an `xsi:type` QName would not be "visibly
/// used" in exc-c14n and would break the signature in verifiers that re-serialize.
fn attribute_statement(attributes: &[SamlAttribute]) -> String {
    if attributes.is_empty() {
        return String::new();
    }
    let body: String = attributes
        .iter()
        .map(|attribute| {
            let values: String = attribute
                .values
                .iter()
                .map(|v| text_element("saml:AttributeValue", &[], v))
                .collect();
            element(
                "saml:Attribute",
                &[("Name", &attribute.name), ("NameFormat", URI_NAME_FORMAT)],
                &values,
            )
        })
        .collect();
    element("saml:AttributeStatement", &[], &body)
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
