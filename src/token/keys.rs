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
mod tests {
    use super::*;

    // A real 2048-bit modulus is not needed to exercise selection; verification is not run.
    const RSA: &str = r#""kty":"RSA","n":"sXch","e":"AQAB""#;
    const EC: &str = r#""kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0""#;

    fn set(keys: &[String]) -> KeySet {
        let doc = format!(r#"{{"keys":[{}]}}"#, keys.join(","));
        KeySet::from_json(doc.as_bytes()).unwrap_or_default()
    }

    fn key(fields: &str, extra: &str) -> String {
        format!("{{{fields}{extra}}}")
    }

    #[test]
    fn a_key_is_found_by_kid_when_it_fits_the_algorithm() {
        let keys = set(&[key(RSA, r#","kid":"a""#), key(RSA, r#","kid":"b""#)]);
        assert!(matches!(
            keys.select(Some("b"), Algorithm::RS256),
            Selection::Found(_)
        ));
        assert!(matches!(
            keys.select(Some("c"), Algorithm::RS256),
            Selection::NotFound
        ));
    }

    #[test]
    fn keys_of_another_family_use_or_alg_are_not_usable() {
        let keys = set(&[
            key(EC, r#","kid":"ec""#),
            key(RSA, r#","kid":"enc","use":"enc""#),
            key(RSA, r#","kid":"rs512","alg":"RS512""#),
            key(RSA, r#","kid":"ops","key_ops":["encrypt"]"#),
        ]);
        for kid in ["ec", "enc", "rs512", "ops"] {
            let found = keys.select(Some(kid), Algorithm::RS256);
            assert!(matches!(found, Selection::NotUsable), "{kid}: {found:?}");
        }
        assert!(matches!(
            keys.select(Some("ec"), Algorithm::ES256),
            Selection::Found(_)
        ));
        assert!(matches!(
            keys.select(Some("ec"), Algorithm::ES384),
            Selection::NotUsable
        ));
    }

    #[test]
    fn hmac_never_selects_a_key_and_oct_keys_are_dropped() {
        let keys = set(&[
            key(RSA, r#","kid":"a""#),
            r#"{"kty":"oct","k":"c2VjcmV0","kid":"s"}"#.to_owned(),
        ]);
        assert_eq!(keys.signing_key_count(), 1);
        assert!(matches!(
            keys.select(Some("a"), Algorithm::HS256),
            Selection::NotUsable
        ));
        assert!(matches!(
            keys.select(Some("s"), Algorithm::HS256),
            Selection::NotFound
        ));
        assert!(matches!(
            keys.select(None, Algorithm::HS256),
            Selection::NotFound
        ));
    }

    #[test]
    fn without_kid_exactly_one_fitting_key_is_required() {
        let one = set(&[key(RSA, ""), key(EC, "")]);
        assert!(matches!(
            one.select(None, Algorithm::RS256),
            Selection::Found(_)
        ));
        let two = set(&[key(RSA, r#","kid":"a""#), key(RSA, r#","kid":"b""#)]);
        assert!(matches!(
            two.select(None, Algorithm::RS256),
            Selection::Ambiguous
        ));
    }

    #[test]
    fn unknown_key_types_are_skipped_and_non_jwks_refused() {
        let keys = set(&[
            r#"{"kty":"XYZ","kid":"x"}"#.to_owned(),
            r#"{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}"#.to_owned(),
            r#"{"kty":"RSA","alg":"RSA-OAEP","use":"enc","n":"sXch","e":"AQAB"}"#.to_owned(),
            key(RSA, ""),
        ]);
        assert_eq!(keys.signing_key_count(), 1);
        assert!(KeySet::from_json(b"[]").is_err());
        assert!(KeySet::from_json(b"not json").is_err());
        assert!(KeySet::from_json(br#"{"keys":{}}"#).is_err());
    }
}
