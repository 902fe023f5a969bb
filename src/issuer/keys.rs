//! Loading the issuer's signing keys: RSA of 2048 bits or more (RS256), or EC P-256 (ES256).

use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use jsonwebtoken::{Algorithm, EncodingKey, jwk};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IssuerKeyError {
    #[error("{0}: not a PEM private key")]
    NotPem(&'static str),
    #[error(
        "{0}: a {1} PEM block; expected PKCS#8 \"PRIVATE KEY\" (RSA or EC P-256) or \"RSA PRIVATE KEY\" (convert with `openssl pkcs8 -topk8 -nocrypt`)"
    )]
    Format(&'static str, String),
    /// aws-lc takes RSA keys of 2048 to 8192 bits only, so a smaller one ends here too.
    #[error("{0}: neither an RSA key of 2048 bits or more nor an EC P-256 key")]
    Unsupported(&'static str),
    #[error("next_signing_key is the same key as signing_key")]
    SameKey,
    #[error("{0}")]
    Key(String),
    #[error("signing a token: {0}")]
    Sign(String),
}

pub(super) struct IssuerKey {
    pub key: EncodingKey,
    pub alg: Algorithm,
    pub kid: String,
    /// The public JWK as published: `kty`, the key's numbers, `kid`, `use`, `alg`.
    pub public: jwk::Jwk,
}

impl IssuerKey {
    pub fn from_pem(pem_text: &str, what: &'static str) -> Result<Self, IssuerKeyError> {
        let block = pem::parse(pem_text).map_err(|_| IssuerKeyError::NotPem(what))?;
        let der = block.contents();
        let failed = |e: jsonwebtoken::errors::Error| IssuerKeyError::Key(format!("{what}: {e}"));
        let rsa_key = || EncodingKey::from_rsa_pem(pem_text.as_bytes()).map_err(failed);
        let (key, alg) = match block.tag() {
            "PRIVATE KEY" => {
                if RsaKeyPair::from_pkcs8(der).is_ok() {
                    (rsa_key()?, Algorithm::RS256)
                } else if EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der).is_ok() {
                    let ec = EncodingKey::from_ec_pem(pem_text.as_bytes()).map_err(failed)?;
                    (ec, Algorithm::ES256)
                } else {
                    return Err(IssuerKeyError::Unsupported(what));
                }
            }
            "RSA PRIVATE KEY" => {
                RsaKeyPair::from_der(der).map_err(|_| IssuerKeyError::Unsupported(what))?;
                (rsa_key()?, Algorithm::RS256)
            }
            other => return Err(IssuerKeyError::Format(what, other.to_owned())),
        };
        let mut public = jwk::Jwk::from_encoding_key(&key, alg).map_err(failed)?;
        let kid = public
            .thumbprint(jwk::ThumbprintHash::SHA256)
            .map_err(failed)?;
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(jwk::PublicKeyUse::Signature);
        Ok(Self {
            key,
            alg,
            kid,
            public,
        })
    }
}

/// A fresh RSA-2048 key as PKCS#8 PEM, for `keygen --kind oidc`.
pub fn generate_rsa_key() -> Result<String, IssuerKeyError> {
    rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
        .map(|k| k.serialize_pem())
        .map_err(|e| IssuerKeyError::Key(format!("generating a key: {e}")))
}
