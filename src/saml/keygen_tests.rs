//! Unit tests of `saml::keygen`.

use super::*;
use crate::saml::SamlSigner;

#[test]
fn generated_key_and_certificate_load_as_a_2048_bit_signer() {
    let (key, cert) = generate_key_and_certificate("urn:example.auth0.com").unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
    let signer = SamlSigner::from_pem(&key, &cert, None).unwrap();
    assert_eq!(signer.key_bits(), 2048);
}

#[test]
fn generated_certificate_names_the_subject_and_lasts_ten_years() {
    let (_, cert) = generate_key_and_certificate("Zoë & Co <idp>").unwrap();
    let der = pem::parse(&cert).unwrap();
    let (_, parsed) = x509_parser::parse_x509_certificate(der.contents()).unwrap();
    let cn = parsed.subject().iter_common_name().next().unwrap();
    assert_eq!(cn.as_str().unwrap(), "Zoë & Co <idp>");
    assert_eq!(parsed.subject(), parsed.issuer());
    let validity = parsed.validity();
    let days = (validity.not_after.timestamp() - validity.not_before.timestamp()) / 86_400;
    assert!((3652..=3653).contains(&days), "{days} days");
}

#[test]
fn two_generated_keys_differ() {
    let (a, _) = generate_key_and_certificate("a").unwrap();
    let (b, _) = generate_key_and_certificate("a").unwrap();
    assert_ne!(a, b);
}

#[test]
fn an_empty_common_name_is_refused() {
    assert!(matches!(
        generate_key_and_certificate(" "),
        Err(SamlKeyError::Generation(_))
    ));
}
