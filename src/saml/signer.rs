//! The SAML signing key and the certificates published for it.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use x509_parser::public_key::PublicKey;

/// Why a signing key or certificate cannot be used. Each variant says what to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SamlKeyError {
    #[error("the signing key is not PEM text (expected a -----BEGIN PRIVATE KEY----- block)")]
    KeyNotPem,
    #[error(
        "the signing key PEM has no private key block (found: {found}); expected \"PRIVATE KEY\" (PKCS#8) or \"RSA PRIVATE KEY\" (PKCS#1)"
    )]
    NoPrivateKeyBlock { found: String },
    #[error("the signing key is encrypted; decrypt it first (openssl pkey -in KEY -out KEY.plain)")]
    KeyEncrypted,
    #[error("the signing key is not an RSA key (PEM label \"{label}\"); SAML for AWS needs RSA")]
    KeyNotRsa { label: String },
    #[error(
        "the signing key is smaller than 2048 bits; AWS and this server require RSA-2048 or larger"
    )]
    KeyTooSmall,
    #[error("the signing key is larger than 8192 bits, which is not supported")]
    KeyTooLarge,
    #[error("the signing key is not a valid {format} RSA private key ({reason})")]
    KeyMalformed {
        format: &'static str,
        reason: &'static str,
    },
    #[error("the {which} is not PEM text (expected a -----BEGIN CERTIFICATE----- block)")]
    CertificateNotPem { which: &'static str },
    #[error("the {which} PEM has no CERTIFICATE block (found: {found})")]
    NoCertificateBlock { which: &'static str, found: String },
    #[error("the {which} is not a parseable X.509 certificate: {reason}")]
    CertificateMalformed { which: &'static str, reason: String },
    #[error("the {which} does not hold an RSA public key")]
    CertificateNotRsa { which: &'static str },
    #[error(
        "the signing certificate's public key does not match the signing key (wrong certificate for this key?)"
    )]
    CertificateKeyMismatch,
    #[error("the next signing certificate's RSA key is smaller than 2048 bits")]
    NextCertificateTooSmall,
    #[error("generating a key or certificate failed: {0}")]
    Generation(String),
}

/// The RSA key that signs assertions, its certificate, and optionally the next
/// certificate (published in metadata during a key rotation; never used to sign).
pub struct SamlSigner {
    key: RsaKeyPair,
    certificate: Vec<u8>,
    /// The `ds:KeyInfo` every signature carries, made once.
    key_info: String,
    next_certificate: Option<Vec<u8>>,
}

impl fmt::Debug for SamlSigner {
    // Never print key material, even by accident in a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SamlSigner")
            .field("key_bits", &self.key_bits())
            .field("has_next_certificate", &self.next_certificate.is_some())
            .finish_non_exhaustive()
    }
}

impl SamlSigner {
    /// Loads a PEM RSA private key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`), its
    /// PEM certificate, and an optional next certificate. Checks that the key is RSA of at
    /// least 2048 bits and that the certificate carries this key's public key.
    pub fn from_pem(
        key_pem: &str,
        cert_pem: &str,
        next_cert_pem: Option<&str>,
    ) -> Result<Self, SamlKeyError> {
        let key = parse_key(key_pem)?;
        let certificate = parse_certificate(cert_pem, "signing certificate")?;
        let (modulus, exponent) = rsa_public_key(&certificate, "signing certificate")?;
        let public = key.public_key();
        if modulus != public.modulus().big_endian_without_leading_zero()
            || exponent != public.exponent().big_endian_without_leading_zero()
        {
            return Err(SamlKeyError::CertificateKeyMismatch);
        }
        let next_certificate = match next_cert_pem {
            Some(pem) => {
                let der = parse_certificate(pem, "next signing certificate")?;
                let (next_modulus, _) = rsa_public_key(&der, "next signing certificate")?;
                // IAM trusts every published certificate, so the next one must be as strong.
                if next_modulus.len() * 8 < 2048 {
                    return Err(SamlKeyError::NextCertificateTooSmall);
                }
                Some(der)
            }
            None => None,
        };
        Ok(Self {
            key,
            key_info: super::signature::key_info(&certificate),
            certificate,
            next_certificate,
        })
    }

    /// DER of the certificates to publish in metadata: the current one first, then the
    /// next one if a rotation is under way.
    pub fn published_certificates(&self) -> Vec<&[u8]> {
        std::iter::once(self.certificate.as_slice())
            .chain(self.next_certificate.as_deref())
            .collect()
    }

    /// DER of the certificate matching the signing key (sent in each signature's KeyInfo).
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    /// The `ds:KeyInfo` element naming the certificate, for each signature.
    pub(crate) fn key_info_xml(&self) -> &str {
        &self.key_info
    }

    /// When the current and the next certificate expire (Unix time), so an alert can fire
    /// before IAM stops trusting assertions.
    pub fn certificates_not_after(&self) -> (Option<i64>, Option<i64>) {
        let not_after = |der: &[u8]| {
            x509_parser::parse_x509_certificate(der)
                .ok()
                .map(|(_, cert)| cert.validity().not_after.timestamp())
        };
        (
            not_after(&self.certificate),
            self.next_certificate.as_deref().and_then(not_after),
        )
    }

    /// Size of the RSA modulus in bits.
    pub fn key_bits(&self) -> usize {
        self.key.public_modulus_len() * 8
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message` (what `rsa-sha256` means in XML DSig).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, aws_lc_rs::error::Unspecified> {
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message,
            &mut signature,
        )?;
        Ok(signature)
    }
}

fn labels(blocks: &[pem::Pem]) -> String {
    let labels: Vec<&str> = blocks.iter().map(pem::Pem::tag).collect();
    if labels.is_empty() {
        "nothing".to_owned()
    } else {
        labels.join(", ")
    }
}

fn parse_key(key_pem: &str) -> Result<RsaKeyPair, SamlKeyError> {
    let blocks = pem::parse_many(key_pem).map_err(|_| SamlKeyError::KeyNotPem)?;
    if blocks.is_empty() {
        return Err(SamlKeyError::KeyNotPem);
    }
    let block = blocks
        .iter()
        .find(|b| b.tag().ends_with("PRIVATE KEY"))
        .ok_or_else(|| SamlKeyError::NoPrivateKeyBlock {
            found: labels(&blocks),
        })?;
    let (format, parsed) = match block.tag() {
        "PRIVATE KEY" => ("PKCS#8", RsaKeyPair::from_pkcs8(block.contents())),
        "RSA PRIVATE KEY" => ("PKCS#1", RsaKeyPair::from_der(block.contents())),
        "ENCRYPTED PRIVATE KEY" => return Err(SamlKeyError::KeyEncrypted),
        other => {
            return Err(SamlKeyError::KeyNotRsa {
                label: other.to_owned(),
            });
        }
    };
    parsed.map_err(|rejected| match rejected.description_() {
        "TooSmall" => SamlKeyError::KeyTooSmall,
        "TooLarge" => SamlKeyError::KeyTooLarge,
        // A PKCS#8 key of another algorithm (EC, Ed25519) is refused as wrong algorithm
        // or unspecified, depending on where parsing stops.
        "WrongAlgorithm" => SamlKeyError::KeyNotRsa {
            label: block.tag().to_owned(),
        },
        reason => SamlKeyError::KeyMalformed { format, reason },
    })
}

fn parse_certificate(cert_pem: &str, which: &'static str) -> Result<Vec<u8>, SamlKeyError> {
    let blocks =
        pem::parse_many(cert_pem).map_err(|_| SamlKeyError::CertificateNotPem { which })?;
    if blocks.is_empty() {
        return Err(SamlKeyError::CertificateNotPem { which });
    }
    // A chain file is fine: the leaf certificate comes first.
    let block = blocks
        .iter()
        .find(|b| b.tag() == "CERTIFICATE")
        .ok_or_else(|| SamlKeyError::NoCertificateBlock {
            which,
            found: labels(&blocks),
        })?;
    let der = block.contents().to_vec();
    x509_parser::parse_x509_certificate(&der).map_err(|e| SamlKeyError::CertificateMalformed {
        which,
        reason: e.to_string(),
    })?;
    Ok(der)
}

/// The certificate's RSA modulus and exponent, big-endian without leading zeros.
fn rsa_public_key(der: &[u8], which: &'static str) -> Result<(Vec<u8>, Vec<u8>), SamlKeyError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| {
        SamlKeyError::CertificateMalformed {
            which,
            reason: e.to_string(),
        }
    })?;
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => Ok((
            strip_leading_zeros(rsa.modulus).to_vec(),
            strip_leading_zeros(rsa.exponent).to_vec(),
        )),
        _ => Err(SamlKeyError::CertificateNotRsa { which }),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
#[path = "signer_tests.rs"]
pub(crate) mod tests;
