//! Loading the issuer's signing keys: RSA of 2048 bits or more (RS256), or EC P-256 (ES256).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
    #[error("signing_key or next_signing_key is listed in revoked_kids")]
    Revoked,
    #[error("{0}")]
    Key(String),
    #[error("signing a token: {0}")]
    Sign(String),
}

/// The private key, parsed once: parsing (and aws-lc's checks of) an RSA key costs more
/// than a signature, so it is never done per token.
enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

pub(super) struct IssuerKey {
    signer: Signer,
    /// The JWT header (`alg`, `kid`, `typ`), base64url-encoded.
    header: String,
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
        let unsupported = |_| IssuerKeyError::Unsupported(what);
        let (key, alg, signer) = match block.tag() {
            "PRIVATE KEY" => {
                if let Ok(rsa) = RsaKeyPair::from_pkcs8(der) {
                    (rsa_key()?, Algorithm::RS256, Signer::Rsa(rsa))
                } else {
                    let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                        .map_err(unsupported)?;
                    let key = EncodingKey::from_ec_pem(pem_text.as_bytes()).map_err(failed)?;
                    (key, Algorithm::ES256, Signer::Ec(ec))
                }
            }
            "RSA PRIVATE KEY" => {
                let rsa = RsaKeyPair::from_der(der).map_err(unsupported)?;
                (rsa_key()?, Algorithm::RS256, Signer::Rsa(rsa))
            }
            other => return Err(IssuerKeyError::Format(what, other.to_owned())),
        };
        let mut public = jwk::Jwk::from_encoding_key(&key, alg).map_err(failed)?;
        let kid = public
            .thumbprint(jwk::ThumbprintHash::SHA256)
            .map_err(failed)?;
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(jwk::PublicKeyUse::Signature);
        let alg_name = match alg {
            Algorithm::ES256 => "ES256",
            _ => "RS256",
        };
        let header = serde_json::json!({"alg": alg_name, "kid": kid, "typ": "JWT"});
        let key = Self {
            signer,
            header: URL_SAFE_NO_PAD.encode(header.to_string()),
            alg,
            kid,
            public,
        };
        key.check_against_jwk(what)?;
        Ok(key)
    }
}

impl IssuerKey {
    /// Signs a token and verifies it with the JWK that will be published, so a key whose
    /// signatures would not verify for others is refused when it is loaded.
    fn check_against_jwk(&self, what: &'static str) -> Result<(), IssuerKeyError> {
        let broken = |detail: String| {
            IssuerKeyError::Key(format!(
                "{what}: a test signature does not verify with the published key: {detail}"
            ))
        };
        let token = self.sign_jwt(br#"{"sub":"key-check"}"#)?;
        let decoding =
            jsonwebtoken::DecodingKey::from_jwk(&self.public).map_err(|e| broken(e.to_string()))?;
        let mut validation = jsonwebtoken::Validation::new(self.alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_aud = false;
        jsonwebtoken::decode::<serde_json::Value>(&token, &decoding, &validation)
            .map(|_| ())
            .map_err(|e| broken(e.to_string()))
    }

    /// A compact JWS over `payload` (the claims' JSON): RS256 (PKCS#1 v1.5, SHA-256) or
    /// ES256 (the fixed 64-byte r||s form JWS requires).
    pub fn sign_jwt(&self, payload: &[u8]) -> Result<String, IssuerKeyError> {
        let mut jwt = String::with_capacity(self.header.len() + payload.len() * 4 / 3 + 400);
        jwt.push_str(&self.header);
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut jwt);
        let failed = |_| IssuerKeyError::Sign("the signing operation failed".into());
        let rng = SystemRandom::new();
        let signature = match &self.signer {
            Signer::Rsa(key) => {
                let mut out = vec![0u8; key.public_modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, jwt.as_bytes(), &mut out)
                    .map_err(failed)?;
                out
            }
            Signer::Ec(key) => key
                .sign(&rng, jwt.as_bytes())
                .map_err(failed)?
                .as_ref()
                .to_vec(),
        };
        jwt.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut jwt);
        Ok(jwt)
    }
}

/// A fresh RSA-2048 key as PKCS#8 PEM, for `keygen --kind oidc --algorithm rs256`.
pub fn generate_rsa_key() -> Result<String, IssuerKeyError> {
    generate(&rcgen::PKCS_RSA_SHA256)
}

/// A fresh EC P-256 key as PKCS#8 PEM, for `keygen --kind oidc` (ES256).
pub fn generate_ec_key() -> Result<String, IssuerKeyError> {
    generate(&rcgen::PKCS_ECDSA_P256_SHA256)
}

fn generate(algorithm: &'static rcgen::SignatureAlgorithm) -> Result<String, IssuerKeyError> {
    rcgen::KeyPair::generate_for(algorithm)
        .map(|k| k.serialize_pem())
        .map_err(|e| IssuerKeyError::Key(format!("generating a key: {e}")))
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
