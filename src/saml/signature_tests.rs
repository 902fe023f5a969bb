//! Unit tests of `saml::signature`.

use super::*;

#[test]
fn signed_info_is_canonical_and_names_the_expected_algorithms() {
    let si = signed_info("_abc", "ZGln");
    assert_eq!(
        si,
        concat!(
            r#"<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:CanonicalizationMethod>"#,
            r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></ds:SignatureMethod>"#,
            r##"<ds:Reference URI="#_abc"><ds:Transforms>"##,
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform>"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform>"#,
            r#"</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod>"#,
            r#"<ds:DigestValue>ZGln</ds:DigestValue></ds:Reference></ds:SignedInfo>"#,
        )
    );
}

#[test]
fn digest_value_is_base64_sha256() {
    // SHA-256("abc"), FIPS 180-2 test vector.
    assert_eq!(
        digest_value("abc"),
        "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    );
}

#[test]
fn signature_element_wraps_value_and_certificate_without_line_breaks() {
    let sig = signature_element(
        "<ds:SignedInfo></ds:SignedInfo>",
        &[0xFB; 100],
        &key_info(&[1; 100]),
    );
    assert!(sig.starts_with(
        r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>"#
    ));
    assert!(!sig.contains('\n'));
    assert!(sig.contains("<ds:SignatureValue>+/v7"));
    assert!(sig.ends_with("</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"));
}
