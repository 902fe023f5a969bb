//! SAML 2.0 for AWS: the signing key, the signed `samlp:Response` that STS
//! `AssumeRoleWithSAML` redeems, the attributes it carries, and the IdP metadata that
//! IAM is configured with (docs/tokens-saml-sts.md).
//!
//! The XML is written by small functions over typed values; every piece of text that
//! can come from a claim, a mapping or configuration is escaped, and characters XML 1.0
//! forbids are replaced with U+FFFD. The signed Assertion is emitted already in exclusive
//! canonical form so its digest is computed over exactly the bytes we send.

mod attributes;
mod aws_attributes;
mod keygen;
mod metadata;
mod response;
pub(crate) mod session_name;
mod signature;
mod signer;
mod xml;

pub use attributes::{
    AttributeError, Mappings, SamlAttribute, check_attribute_set, compute_attributes,
    default_mappings, session_attributes,
};
pub use keygen::generate_key_and_certificate;
pub use metadata::metadata_xml;
pub use response::{CLOCK_SKEW_ALLOWANCE, ResponseParams, SamlError, build_signed_response};
pub use session_name::{default_session_name, session_name};
pub use signer::{SamlKeyError, SamlSigner};
pub use xml::is_xml_text;
