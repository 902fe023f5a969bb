//! The IdP metadata document to upload to IAM as the SAML provider, served at
//! `/samlp/metadata` as Auth0 served it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::SamlSigner;
use super::xml::{element, text_element};

const MD_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// The `md:EntityDescriptor` for `entity_id` with one `IDPSSODescriptor` (SAML 2.0): a
/// signing `KeyDescriptor` per published certificate (two during a rotation, so IAM trusts
/// the next key before we sign with it), `NameIDFormat` persistent, and the
/// `SingleSignOnService` the schema requires (IAM never calls it). Starts with an XML
/// declaration because it is served and saved as a standalone file.
pub fn metadata_xml(entity_id: &str, sso_url: &str, signer: &SamlSigner) -> String {
    let key_descriptors: String = signer
        .published_certificates()
        .into_iter()
        .map(key_descriptor)
        .collect();
    let descriptor = element(
        "md:IDPSSODescriptor",
        &[("protocolSupportEnumeration", PROTOCOL)],
        &[
            key_descriptors,
            text_element("md:NameIDFormat", &[], PERSISTENT),
            element(
                "md:SingleSignOnService",
                &[("Binding", HTTP_REDIRECT), ("Location", sso_url)],
                "",
            ),
        ]
        .concat(),
    );
    let entity = element(
        "md:EntityDescriptor",
        &[("xmlns:md", MD_NS), ("entityID", entity_id)],
        &descriptor,
    );
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{entity}\n")
}

fn key_descriptor(certificate_der: &[u8]) -> String {
    let certificate = text_element("ds:X509Certificate", &[], &STANDARD.encode(certificate_der));
    let key_info = element(
        "ds:KeyInfo",
        &[("xmlns:ds", DS_NS)],
        &element("ds:X509Data", &[], &certificate),
    );
    element("md:KeyDescriptor", &[("use", "signing")], &key_info)
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
mod tests;
