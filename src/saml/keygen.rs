//! A fresh signing key and self-signed certificate, for `delegation-server keygen`.

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, KeyUsagePurpose, SerialNumber};

use super::SamlKeyError;

/// How long a generated certificate is valid. IAM does not check SAML certificate expiry,
/// so this only needs to outlive the key; rotation is driven by the operator.
const VALIDITY: time::Duration = time::Duration::days(3653);

/// Generates an RSA-2048 key and a self-signed certificate for it, valid for ten years,
/// with `common_name` as subject and issuer. Returns `(key as PKCS#8 PEM, cert PEM)`.
pub fn generate_key_and_certificate(common_name: &str) -> Result<(String, String), SamlKeyError> {
    if common_name.trim().is_empty() {
        return Err(SamlKeyError::Generation(
            "the certificate common name is empty".to_owned(),
        ));
    }
    let failed = |e: rcgen::Error| SamlKeyError::Generation(e.to_string());
    let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).map_err(failed)?;

    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now;
    params.not_after = now + VALIDITY;
    params.serial_number = Some(random_serial()?);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];

    let certificate = params.self_signed(&key).map_err(failed)?;
    Ok((key.serialize_pem(), certificate.pem()))
}

/// A random positive 159-bit serial (RFC 5280 allows up to 20 octets, must be positive).
fn random_serial() -> Result<SerialNumber, SamlKeyError> {
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| SamlKeyError::Generation("the system random source failed".to_owned()))?;
    bytes[0] = (bytes[0] & 0x7F) | 0x01;
    Ok(SerialNumber::from_slice(&bytes))
}

#[cfg(test)]
#[path = "keygen_tests.rs"]
mod tests;
