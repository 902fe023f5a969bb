use super::*;

pub(crate) const KEY_PKCS1: &str = include_str!("testdata/rsa2048-pkcs1.pem");
pub(crate) const KEY_PKCS8: &str = include_str!("testdata/rsa2048-pkcs8.pem");
pub(crate) const CERT: &str = include_str!("testdata/rsa2048-cert.pem");
const OTHER_KEY: &str = include_str!("testdata/other2048-pkcs1.pem");
const OTHER_CERT: &str = include_str!("testdata/other2048-cert.pem");
const WEAK_KEY_PKCS1: &str = include_str!("testdata/rsa1024-pkcs1.pem");
const WEAK_KEY_PKCS8: &str = include_str!("testdata/rsa1024-pkcs8.pem");
const WEAK_CERT: &str = include_str!("testdata/rsa1024-cert.pem");
const EC_KEY: &str = include_str!("testdata/ec-pkcs8.pem");
const EC_CERT: &str = include_str!("testdata/ec-cert.pem");
const ENCRYPTED_KEY: &str = include_str!("testdata/rsa2048-encrypted.pem");

/// A signer from the checked-in test key (fast: no key generation).
pub(crate) fn fixture_signer() -> SamlSigner {
    SamlSigner::from_pem(KEY_PKCS8, CERT, None).unwrap()
}

/// The same signer, publishing a second certificate as during a rotation.
pub(crate) fn fixture_signer_with_next() -> SamlSigner {
    SamlSigner::from_pem(KEY_PKCS8, CERT, Some(OTHER_CERT)).unwrap()
}

fn cert_der(pem_text: &str) -> Vec<u8> {
    pem::parse(pem_text).unwrap().contents().to_vec()
}

#[test]
fn pkcs8_and_pkcs1_keys_load_and_report_their_size() {
    for key in [KEY_PKCS8, KEY_PKCS1] {
        let signer = SamlSigner::from_pem(key, CERT, None).unwrap();
        assert_eq!(signer.key_bits(), 2048);
        assert_eq!(signer.certificate_der(), cert_der(CERT));
    }
}

#[test]
fn published_certificates_list_the_current_then_the_next() {
    let signer = fixture_signer();
    assert_eq!(
        signer.published_certificates(),
        vec![cert_der(CERT).as_slice()]
    );
    let rotating = fixture_signer_with_next();
    assert_eq!(
        rotating.published_certificates(),
        vec![cert_der(CERT).as_slice(), cert_der(OTHER_CERT).as_slice()]
    );
    // The next certificate is only published: signing still uses the current one.
    assert_eq!(rotating.certificate_der(), cert_der(CERT));
}

#[test]
fn a_certificate_for_another_key_is_refused() {
    assert_eq!(
        SamlSigner::from_pem(KEY_PKCS8, OTHER_CERT, None).unwrap_err(),
        SamlKeyError::CertificateKeyMismatch
    );
    assert_eq!(
        SamlSigner::from_pem(OTHER_KEY, CERT, None).unwrap_err(),
        SamlKeyError::CertificateKeyMismatch
    );
}

#[test]
fn a_1024_bit_key_is_refused_as_too_small() {
    for key in [WEAK_KEY_PKCS1, WEAK_KEY_PKCS8] {
        assert_eq!(
            SamlSigner::from_pem(key, WEAK_CERT, None).unwrap_err(),
            SamlKeyError::KeyTooSmall
        );
    }
    assert!(SamlKeyError::KeyTooSmall.to_string().contains("2048"));
}

#[test]
fn a_non_rsa_key_is_refused_as_not_rsa() {
    let err = SamlSigner::from_pem(EC_KEY, EC_CERT, None).unwrap_err();
    assert!(matches!(err, SamlKeyError::KeyNotRsa { .. }), "{err:?}");
    let sec1 = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
    let err = SamlSigner::from_pem(sec1, CERT, None).unwrap_err();
    assert_eq!(
        err,
        SamlKeyError::KeyNotRsa {
            label: "EC PRIVATE KEY".to_owned()
        }
    );
}

#[test]
fn text_that_is_not_pem_is_refused_as_not_pem() {
    assert_eq!(
        SamlSigner::from_pem("not a key", CERT, None).unwrap_err(),
        SamlKeyError::KeyNotPem
    );
    assert_eq!(
        SamlSigner::from_pem(KEY_PKCS8, "", None).unwrap_err(),
        SamlKeyError::CertificateNotPem {
            which: "signing certificate"
        }
    );
}

#[test]
fn swapped_key_and_certificate_files_are_named_in_the_error() {
    assert_eq!(
        SamlSigner::from_pem(CERT, KEY_PKCS8, None).unwrap_err(),
        SamlKeyError::NoPrivateKeyBlock {
            found: "CERTIFICATE".to_owned()
        }
    );
}

#[test]
fn an_encrypted_key_is_refused_with_a_hint() {
    let err = SamlSigner::from_pem(ENCRYPTED_KEY, CERT, None).unwrap_err();
    assert_eq!(err, SamlKeyError::KeyEncrypted);
    assert!(err.to_string().contains("decrypt"));
}

#[test]
fn garbage_inside_a_key_block_is_refused_as_malformed() {
    let bad = "-----BEGIN PRIVATE KEY-----\nAAECAwQ=\n-----END PRIVATE KEY-----\n";
    let err = SamlSigner::from_pem(bad, CERT, None).unwrap_err();
    assert!(
        matches!(
            err,
            SamlKeyError::KeyMalformed {
                format: "PKCS#8",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn an_unparseable_certificate_is_refused() {
    let bad = "-----BEGIN CERTIFICATE-----\nAAECAwQ=\n-----END CERTIFICATE-----\n";
    let err = SamlSigner::from_pem(KEY_PKCS8, bad, None).unwrap_err();
    assert!(
        matches!(
            err,
            SamlKeyError::CertificateMalformed {
                which: "signing certificate",
                ..
            }
        ),
        "{err:?}"
    );
    let err = SamlSigner::from_pem(KEY_PKCS8, CERT, Some(bad)).unwrap_err();
    assert!(
        matches!(
            err,
            SamlKeyError::CertificateMalformed {
                which: "next signing certificate",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_non_rsa_next_certificate_is_refused() {
    assert_eq!(
        SamlSigner::from_pem(KEY_PKCS8, CERT, Some(EC_CERT)).unwrap_err(),
        SamlKeyError::CertificateNotRsa {
            which: "next signing certificate"
        }
    );
}

#[test]
fn signatures_verify_with_the_certificate_key() {
    let signer = fixture_signer();
    let signature = signer.sign(b"message").unwrap();
    assert_eq!(signature.len(), 256);
    let (_, cert) = x509_parser::parse_x509_certificate(signer.certificate_der()).unwrap();
    let spki = cert.public_key().subject_public_key.data.to_vec();
    let key = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        spki,
    );
    key.verify(b"message", &signature).unwrap();
    assert!(key.verify(b"massage", &signature).is_err());
}

#[test]
fn debug_output_shows_no_key_material() {
    let text = format!("{:?}", fixture_signer());
    assert!(text.contains("key_bits: 2048"), "{text}");
    assert!(text.len() < 100, "{text}");
}

#[test]
fn a_weak_next_certificate_is_refused() {
    let err = SamlSigner::from_pem(KEY_PKCS8, CERT, Some(WEAK_CERT)).unwrap_err();
    assert!(
        matches!(err, SamlKeyError::NextCertificateTooSmall),
        "{err}"
    );
}
