//! The `samlp:Response` carrying one signed `saml:Assertion` (docs/tokens-saml-sts.md).
//!
//! The Assertion is written directly in exclusive canonical form (see `xml.rs`), digested,
//! and the `ds:Signature` is then spliced in right after its `Issuer`. The Response itself
//! is unsigned, as AWS accepts; it is written without an XML declaration (UTF-8 is the
//! XML default) and without whitespace between elements.

use std::time::Duration;

use time::OffsetDateTime;

use super::signature::{digest_value, signature_element, signed_info};
use super::xml::{push_end, push_start, push_text_element};
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
///
/// The whole document is written into one buffer: the Assertion first without its
/// signature (what the enveloped-signature transform leaves, so its digest is taken from
/// the buffer as it stands), then the `ds:Signature` is inserted after the Assertion's
/// `Issuer`, where the schema puts it.
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

    let mut out = String::with_capacity(capacity(params, signer));
    push_start(
        &mut out,
        "samlp:Response",
        &[
            ("xmlns:saml", SAML_NS),
            ("xmlns:samlp", SAMLP_NS),
            ("Destination", params.recipient),
            ("ID", &response_id),
            ("IssueInstant", &times.issued),
            ("Version", "2.0"),
        ],
    );
    push_issuer(&mut out, params.issuer);
    push_start(&mut out, "samlp:Status", &[]);
    push_start(&mut out, "samlp:StatusCode", &[("Value", SUCCESS)]);
    push_end(&mut out, "samlp:StatusCode");
    push_end(&mut out, "samlp:Status");

    let assertion_start = out.len();
    // xmlns:saml is declared here as exc-c14n renders it with the Assertion as apex.
    push_start(
        &mut out,
        "saml:Assertion",
        &[
            ("xmlns:saml", SAML_NS),
            ("ID", &assertion_id),
            ("IssueInstant", &times.issued),
            ("Version", "2.0"),
        ],
    );
    push_issuer(&mut out, params.issuer);
    let signature_at = out.len();
    push_subject(&mut out, params, &times);
    push_conditions(&mut out, params.audience, &times);
    push_authn_statement(&mut out, &times);
    push_attribute_statement(&mut out, params.attributes);
    push_end(&mut out, "saml:Assertion");
    let unsigned = out.get(assertion_start..).unwrap_or_default();

    let signed_info = signed_info(&assertion_id, &digest_value(unsigned));
    let signature_value = signer
        .sign(signed_info.as_bytes())
        .map_err(|_| SamlError::Signing)?;
    let signature = signature_element(&signed_info, &signature_value, signer.key_info_xml());
    out.insert_str(signature_at, &signature);
    push_end(&mut out, "samlp:Response");
    Ok(out)
}

/// Room for the whole document, so it is written without growing: the fixed markup,
/// the signature, and every piece of text (escaping rarely adds much).
fn capacity(params: &ResponseParams<'_>, signer: &SamlSigner) -> usize {
    let attributes: usize = params
        .attributes
        .iter()
        .map(|a| a.name.len() + 160 + a.values.iter().map(|v| v.len() + 48).sum::<usize>())
        .sum();
    3072 + signer.key_info_xml().len()
        + 2 * params.issuer.len()
        + params.subject.len()
        + 2 * params.recipient.len()
        + params.audience.len()
        + attributes
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
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 0xF)]));
    }
    Ok(id)
}

fn push_issuer(out: &mut String, entity_id: &str) {
    push_text_element(out, "saml:Issuer", &[], entity_id);
}

fn push_subject(out: &mut String, params: &ResponseParams<'_>, times: &Times) {
    push_start(out, "saml:Subject", &[]);
    push_text_element(
        out,
        "saml:NameID",
        &[("Format", PERSISTENT)],
        params.subject,
    );
    push_start(out, "saml:SubjectConfirmation", &[("Method", BEARER)]);
    push_start(
        out,
        "saml:SubjectConfirmationData",
        &[
            ("NotOnOrAfter", &times.not_on_or_after),
            ("Recipient", params.recipient),
        ],
    );
    push_end(out, "saml:SubjectConfirmationData");
    push_end(out, "saml:SubjectConfirmation");
    push_end(out, "saml:Subject");
}

fn push_conditions(out: &mut String, audience: &str, times: &Times) {
    push_start(
        out,
        "saml:Conditions",
        &[
            ("NotBefore", &times.not_before),
            ("NotOnOrAfter", &times.not_on_or_after),
        ],
    );
    push_start(out, "saml:AudienceRestriction", &[]);
    push_text_element(out, "saml:Audience", &[], audience);
    push_end(out, "saml:AudienceRestriction");
    push_end(out, "saml:Conditions");
}

fn push_authn_statement(out: &mut String, times: &Times) {
    push_start(
        out,
        "saml:AuthnStatement",
        &[("AuthnInstant", &times.issued)],
    );
    push_start(out, "saml:AuthnContext", &[]);
    push_text_element(out, "saml:AuthnContextClassRef", &[], UNSPECIFIED_AUTHN);
    push_end(out, "saml:AuthnContext");
    push_end(out, "saml:AuthnStatement");
}

/// The schema wants at least one `Attribute` in an `AttributeStatement`, so none at all
/// means no statement. Values are plain text: an `xsi:type` QName would not be "visibly
/// used" in exc-c14n and would break the signature in verifiers that re-serialize.
fn push_attribute_statement(out: &mut String, attributes: &[SamlAttribute]) {
    if attributes.is_empty() {
        return;
    }
    push_start(out, "saml:AttributeStatement", &[]);
    for attribute in attributes {
        push_start(
            out,
            "saml:Attribute",
            &[("Name", &attribute.name), ("NameFormat", URI_NAME_FORMAT)],
        );
        for value in &attribute.values {
            push_text_element(out, "saml:AttributeValue", &[], value);
        }
        push_end(out, "saml:Attribute");
    }
    push_end(out, "saml:AttributeStatement");
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
