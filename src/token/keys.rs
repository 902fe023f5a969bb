//! An issuer's public keys and which of them may verify which algorithm.
//!
//! RFC 8725 §3.1: the key decides the algorithm family, never the token. A key is chosen by
//! `kid`, then must fit the token's `alg`: an RSA key for RS*/PS*, an EC key on the matching
//! curve for ES*, Ed25519 for EdDSA; its own `alg` (if any) must equal the token's, its
//! `use` (if any) must be `sig`. Symmetric (`oct`) keys are never taken from a key set.

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::rsa::RsaKey;

/// One parsed public key.
#[derive(Debug, Clone)]
pub(crate) struct PublicKey {
    kid: Option<String>,
    family: KeyFamily,
    /// The JWK's own `alg`, if it states one.
    alg: Option<KeyAlgorithm>,
    /// False for keys marked for encryption only (`use`/`key_ops`).
    for_signatures: bool,
    key: DecodingKey,
    /// For RSA keys: the key parsed once for each RSA scheme.
    rsa: Option<RsaKey>,
}

/// What verifies a token's signature.
pub(crate) enum Verifying {
    /// An RSA key parsed when the key set was loaded, for the token's algorithm.
    Rsa(std::sync::Arc<aws_lc_rs::signature::ParsedPublicKey>),
    /// Any other key, through jsonwebtoken.
    Other(DecodingKey),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFamily {
    Rsa,
    EcP256,
    EcP384,
    Ed25519,
}

/// The outcome of looking a token's key up.
#[derive(Debug)]
pub(crate) enum Selection<'a> {
    /// The one key to verify with.
    Found(&'a PublicKey),
    /// No key has the token's `kid` (or, without a `kid`, no key fits the algorithm):
    /// worth one refetch, the issuer may have rotated keys.
    NotFound,
    /// A key with this `kid` exists but may not verify this algorithm.
    NotUsable,
    /// The token has no `kid` and several keys fit; we will not guess.
    Ambiguous,
}

/// The usable public keys of one issuer.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    /// Parses a JWKS document. Keys we cannot use (unknown `kty`, unsupported curves,
    /// symmetric keys, broken values) are skipped, not fatal, so one exotic key published
    /// next to ours does not take the issuer down. Fails only if the document is not a
    /// JWKS at all.
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self, &'static str> {
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|_| "the JWKS response is not JSON")?;
        let Some(Value::Array(entries)) = doc.get("keys") else {
            return Err("the JWKS response has no \"keys\" array");
        };
        let keys = entries
            .iter()
            .filter_map(|entry| serde_json::from_value::<Jwk>(entry.clone()).ok())
            .filter_map(|jwk| PublicKey::from_jwk(&jwk))
            .collect();
        Ok(Self { keys })
    }

    /// Takes keys given in configuration, with the same filtering as [`KeySet::from_json`].
    pub(crate) fn from_jwk_set(set: &JwkSet) -> Self {
        Self {
            keys: set.keys.iter().filter_map(PublicKey::from_jwk).collect(),
        }
    }

    /// How many keys could verify a signature with some algorithm.
    pub(crate) fn signing_key_count(&self) -> usize {
        self.keys.iter().filter(|k| k.for_signatures).count()
    }

    /// Chooses the key for a token with this `kid` and `alg`.
    pub(crate) fn select(&self, kid: Option<&str>, alg: Algorithm) -> Selection<'_> {
        match kid {
            Some(kid) => {
                let mut named = self
                    .keys
                    .iter()
                    .filter(|k| k.kid.as_deref() == Some(kid))
                    .peekable();
                if named.peek().is_none() {
                    return Selection::NotFound;
                }
                match named.find(|k| k.fits(alg)) {
                    Some(key) => Selection::Found(key),
                    None => Selection::NotUsable,
                }
            }
            // Without a kid we only proceed when exactly one key could have signed: trying
            // each key in turn would multiply the work an attacker can make us do.
            None => {
                let mut fitting = self.keys.iter().filter(|k| k.fits(alg));
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Selection::Found(key),
                    (None, _) => Selection::NotFound,
                    (Some(_), Some(_)) => Selection::Ambiguous,
                }
            }
        }
    }
}

impl PublicKey {
    fn from_jwk(jwk: &Jwk) -> Option<Self> {
        let mut rsa = None;
        let family = match &jwk.algorithm {
            AlgorithmParameters::RSA(params) => {
                // A key that does not parse stays, and fails each verification as before.
                rsa = RsaKey::from_jwk_components(&params.n, &params.e);
                KeyFamily::Rsa
            }
            AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
                EllipticCurve::P256 => KeyFamily::EcP256,
                EllipticCurve::P384 => KeyFamily::EcP384,
                _ => return None,
            },
            AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
                KeyFamily::Ed25519
            }
            // `oct` keys are shared secrets: publishing one would let anyone sign, and
            // accepting one invites HMAC/public-key confusion (RFC 8725 §2.1).
            _ => return None,
        };
        let key = DecodingKey::from_jwk(jwk).ok()?;
        let use_ok = matches!(
            jwk.common.public_key_use,
            None | Some(PublicKeyUse::Signature)
        );
        let ops_ok = jwk
            .common
            .key_operations
            .as_ref()
            .is_none_or(|ops| ops.contains(&KeyOperations::Verify));
        Some(Self {
            kid: jwk.common.key_id.clone(),
            family,
            alg: jwk.common.key_algorithm,
            for_signatures: use_ok && ops_ok,
            key,
            rsa,
        })
    }

    /// What verifies a token signed with `alg`, which [`PublicKey::fits`] this key.
    pub(crate) fn verifying(&self, alg: Algorithm) -> Verifying {
        match self.rsa.as_ref().and_then(|rsa| rsa.for_alg(alg)) {
            Some(parsed) => Verifying::Rsa(parsed),
            None => Verifying::Other(self.key.clone()),
        }
    }

    /// Whether this key may verify a token signed with `alg`.
    fn fits(&self, alg: Algorithm) -> bool {
        // RFC 7517 §4.2/§4.3: a key marked for encryption is not a signature key.
        if !self.for_signatures {
            return false;
        }
        // RFC 7517 §4.4: a key that names its algorithm is only used with that algorithm.
        if self.alg.is_some_and(|own| own != KeyAlgorithm::from(alg)) {
            return false;
        }
        // RFC 8725 §3.1: the key type fixes the family; HMAC never matches a public key.
        match alg {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => self.family == KeyFamily::Rsa,
            Algorithm::ES256 => self.family == KeyFamily::EcP256,
            Algorithm::ES384 => self.family == KeyFamily::EcP384,
            Algorithm::EdDSA => self.family == KeyFamily::Ed25519,
            _ => false,
        }
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
