//! RSA public keys parsed once per key and scheme, not once per token.
//!
//! Building the key for every verification (modulus to big number, Montgomery set-up)
//! costs about as much as the public-key operation itself; aws-lc keeps that set-up with
//! the parsed key, so a key parsed when the JWKS is loaded verifies at the floor.

use std::sync::Arc;

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;

use super::TokenError;

/// The schemes a JWS may name for an RSA key, with the parameters jsonwebtoken uses for
/// them: keys of 2048 to 8192 bits, PSS with the digest's length as salt length.
const SCHEMES: [(Algorithm, &RsaParameters); 6] = [
    (Algorithm::RS256, &signature::RSA_PKCS1_2048_8192_SHA256),
    (Algorithm::RS384, &signature::RSA_PKCS1_2048_8192_SHA384),
    (Algorithm::RS512, &signature::RSA_PKCS1_2048_8192_SHA512),
    (Algorithm::PS256, &signature::RSA_PSS_2048_8192_SHA256),
    (Algorithm::PS384, &signature::RSA_PSS_2048_8192_SHA384),
    (Algorithm::PS512, &signature::RSA_PSS_2048_8192_SHA512),
];

/// One RSA public key, parsed for each scheme in [`SCHEMES`].
#[derive(Debug, Clone)]
pub(crate) struct RsaKey {
    parsed: [Arc<ParsedPublicKey>; 6],
}

impl RsaKey {
    /// Parses a JWK's base64url `n` and `e`. `None` if they are not base64url or do not
    /// form an RSA key (empty, leading zero bytes); such a key verifies nothing.
    pub(crate) fn from_jwk_components(n: &str, e: &str) -> Option<Self> {
        let n = URL_SAFE_NO_PAD.decode(n).ok()?;
        let e = URL_SAFE_NO_PAD.decode(e).ok()?;
        let components = RsaPublicKeyComponents { n: &n, e: &e };
        let mut parsed = Vec::with_capacity(SCHEMES.len());
        for (_, params) in SCHEMES {
            parsed.push(Arc::new(components.to_parsed_public_key(params).ok()?));
        }
        Some(Self {
            parsed: parsed.try_into().ok()?,
        })
    }

    /// The key parsed for `alg`; `None` if `alg` is not an RSA scheme.
    pub(crate) fn for_alg(&self, alg: Algorithm) -> Option<Arc<ParsedPublicKey>> {
        SCHEMES
            .iter()
            .zip(&self.parsed)
            .find(|((scheme, _), _)| *scheme == alg)
            .map(|(_, key)| Arc::clone(key))
    }
}

/// Checks the JWS signature over `signing_input` (`header.payload`, as sent). The key's
/// size is checked here too: outside 2048-8192 bits nothing verifies.
pub(crate) fn verify(
    key: &ParsedPublicKey,
    signing_input: &str,
    signature_b64: &str,
) -> Result<(), TokenError> {
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| TokenError::Malformed("a part is not base64url"))?;
    key.verify_sig(signing_input.as_bytes(), &signature)
        .map_err(|_| TokenError::Signature)
}

#[cfg(test)]
#[path = "rsa_tests.rs"]
mod tests;
