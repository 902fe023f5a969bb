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
mod tests {
    use super::*;
    use crate::saml::signer::tests::{fixture_signer, fixture_signer_with_next};

    #[test]
    fn metadata_names_the_entity_and_publishes_the_certificate() {
        let signer = fixture_signer();
        let xml = metadata_xml("urn:example.auth0.com", "https://idp.example/sso", &signer);
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<md:EntityDescriptor")
        );
        assert!(xml.contains(r#"entityID="urn:example.auth0.com""#));
        assert!(
            xml.contains(r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol""#)
        );
        let cert = STANDARD.encode(signer.certificate_der());
        assert!(xml.contains(&format!("<ds:X509Certificate>{cert}</ds:X509Certificate>")));
        assert_eq!(
            xml.matches(r#"<md:KeyDescriptor use="signing">"#).count(),
            1
        );
        assert!(xml.contains(
            r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso">"#
        ));
    }

    #[test]
    fn metadata_publishes_the_next_certificate_during_rotation() {
        let signer = fixture_signer_with_next();
        let xml = metadata_xml("urn:e", "https://idp.example/sso", &signer);
        assert_eq!(
            xml.matches(r#"<md:KeyDescriptor use="signing">"#).count(),
            2
        );
        let certs = signer.published_certificates();
        let first = xml.find(&STANDARD.encode(certs[0])).unwrap();
        let second = xml.find(&STANDARD.encode(certs[1])).unwrap();
        assert!(first < second);
    }

    #[test]
    fn metadata_escapes_entity_id_and_url() {
        let signer = fixture_signer();
        let xml = metadata_xml("urn:a\"<&>", "https://x/?a=1&b=\"2\"", &signer);
        assert!(xml.contains(r#"entityID="urn:a&quot;&lt;&amp;>""#));
        assert!(xml.contains(r#"Location="https://x/?a=1&amp;b=&quot;2&quot;""#));
    }
}
