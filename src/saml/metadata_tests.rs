//! Unit tests of `saml::metadata`.

use super::*;
use crate::saml::signer::tests::{fixture_signer, fixture_signer_with_next};

#[test]
fn metadata_names_the_entity_and_publishes_the_certificate() {
    let signer = fixture_signer();
    let xml = metadata_xml("urn:example.auth0.com", "https://idp.example/sso", &signer);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<md:EntityDescriptor"));
    assert!(xml.contains(r#"entityID="urn:example.auth0.com""#));
    assert!(xml.contains(r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol""#));
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
