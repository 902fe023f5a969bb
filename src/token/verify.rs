//! The verifier: checks run cheapest and most decisive first, and nothing the token says
//! is used before it has been checked against configuration.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::checks::Check;
use super::claims::{check_claims_reporting, check_unverified_issuer};
use super::error::describe_value;
use super::header::{JoseHeader, alg_name, parse_header};
use super::jwks::JwksCache;
use super::keys::{KeySet, Selection, Verifying};
use super::parts::{JsonFault, json_object};
use super::{Claims, Expected, IssuerConfig, KeySource, TokenError};

/// Verifies id_tokens against the configured issuers. Cheap to share behind an `Arc`;
/// all methods take `&self` and are safe to call concurrently.
#[derive(Debug)]
pub struct TokenVerifier {
    pub(super) issuers: HashMap<String, Issuer>,
    max_token_bytes: usize,
    /// For JWKS fetches and refresh grants.
    pub(super) http: reqwest::Client,
    pub(super) token_endpoints: super::refresh::TokenEndpoints,
}

#[derive(Debug)]
pub(super) struct Issuer {
    algorithms: Vec<Algorithm>,
    leeway_seconds: u64,
    pub(super) keys: Keys,
}

#[derive(Debug)]
pub(super) enum Keys {
    Static(Arc<KeySet>),
    Jwks(Arc<JwksCache>),
}

impl TokenVerifier {
    /// Builds a verifier. `http` is the shared client used for JWKS fetches (its pool,
    /// proxy and TLS settings apply); `max_token_bytes` bounds the token before any parsing.
    /// Nothing is fetched here; call [`TokenVerifier::refresh_all`] at start.
    pub fn new(issuers: Vec<IssuerConfig>, http: reqwest::Client, max_token_bytes: usize) -> Self {
        let mut map = HashMap::with_capacity(issuers.len());
        for config in issuers {
            let keys = match config.keys {
                KeySource::Static(set) => Keys::Static(Arc::new(KeySet::from_jwk_set(&set))),
                KeySource::Jwks {
                    uri,
                    min_refresh,
                    default_ttl,
                } => Keys::Jwks(Arc::new(JwksCache::new(
                    config.issuer.clone(),
                    uri,
                    min_refresh,
                    default_ttl,
                    http.clone(),
                ))),
            };
            let issuer = Issuer {
                algorithms: config.algorithms,
                leeway_seconds: config.leeway_seconds,
                keys,
            };
            // The config layer rejects duplicates; if one slips through, the first wins.
            map.entry(config.issuer).or_insert(issuer);
        }
        Self {
            issuers: map,
            max_token_bytes,
            http,
            token_endpoints: Default::default(),
        }
    }

    /// Reports every JWKS fetch to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn super::JwksObserver>) -> Self {
        for issuer in self.issuers.values_mut() {
            // Only while the verifier is being built, so each cache is still unshared.
            if let Keys::Jwks(cache) = &mut issuer.keys
                && let Some(cache) = Arc::get_mut(cache)
            {
                cache.observer = Some(Arc::clone(&observer));
            }
        }
        self
    }

    /// Verifies `token` as an id_token for `expected`, at time `now_unix` (seconds since
    /// the epoch), and returns its claims.
    pub async fn verify(
        &self,
        token: &str,
        expected: &Expected<'_>,
        now_unix: i64,
    ) -> Result<Claims, TokenError> {
        self.verify_reporting(token, expected, now_unix, &mut |_| {})
            .await
    }

    /// [`Self::verify`], naming each [`Check`] to `enter` as it starts: when verification
    /// fails, the last check named is the one that failed.
    pub async fn verify_reporting(
        &self,
        token: &str,
        expected: &Expected<'_>,
        now_unix: i64,
        enter: &mut (dyn FnMut(Check) + Send),
    ) -> Result<Claims, TokenError> {
        enter(Check::Size);
        // RFC 8725 §3.12-style resource bound: refuse oversized input before decoding it.
        if token.len() > self.max_token_bytes {
            return Err(TokenError::TooLarge {
                max: self.max_token_bytes,
            });
        }
        enter(Check::Format);
        // RFC 7515 §7.1: compact JWS is exactly three base64url parts (JWE has five).
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed(
                "expected three dot-separated base64url parts",
            ));
        };
        // Our own header parse, so `none` and unknown algorithms are named as such.
        let header = parse_header(header_b64)?;

        enter(Check::Issuer);
        let issuer = self.issuers.get(expected.issuer).ok_or_else(|| {
            TokenError::Issuer(format!(
                "issuer {} is not configured",
                describe_value(expected.issuer)
            ))
        })?;
        enter(Check::Algorithm);
        // RFC 8725 §3.1: only algorithms this issuer is configured for.
        if !issuer.algorithms.contains(&header.alg) {
            return Err(TokenError::AlgorithmNotAllowed(format!(
                "{} is not allowed for this issuer",
                alg_name(header.alg)
            )));
        }
        enter(Check::Format);
        if signature_b64.is_empty() {
            return Err(TokenError::Malformed("the signature is empty"));
        }
        // Read before the signature is checked, only to name a wrong issuer early; they
        // are the claims returned once `decode` has verified this very payload part.
        let claims = peek_payload(payload_b64)?;
        enter(Check::Issuer);
        check_unverified_issuer(&claims, expected.issuer)?;

        enter(Check::SigningKey);
        let key = match header.alg {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                Verifying::Other(hmac_key(&header, expected)?)
            }
            _ => public_key(issuer, &header).await?,
        };
        enter(Check::Signature);
        match key {
            Verifying::Rsa(key) => {
                // Up to the second dot: the header and payload exactly as sent.
                let signing_input = token
                    .get(..header_b64.len() + 1 + payload_b64.len())
                    .ok_or(TokenError::Malformed("a part is not base64url"))?;
                super::rsa::verify(&key, signing_input, signature_b64)?;
            }
            Verifying::Other(key) => decode(token, &key, header.alg)?,
        }
        // The payload is now verified: `iss` was read from it above, and these are the
        // remaining claim checks, the same for every algorithm.
        check_claims_reporting(&claims, expected, now_unix, issuer.leeway_seconds, enter)?;
        Ok(claims)
    }

    /// Makes sure every issuer has usable keys, fetching JWKS that are missing or stale.
    /// Tries every issuer; the error is the first failure and names its issuer.
    pub async fn refresh_all(&self) -> Result<(), TokenError> {
        let mut names: Vec<&String> = self.issuers.keys().collect();
        names.sort();
        let mut first_error = None;
        for name in names {
            let Some(issuer) = self.issuers.get(name) else {
                continue;
            };
            let result = match &issuer.keys {
                Keys::Jwks(cache) => cache.keys().await.map(|_| ()),
                Keys::Static(set) if set.signing_key_count() > 0 => Ok(()),
                Keys::Static(_) => Err(TokenError::KeysUnavailable {
                    issuer: name.clone(),
                    reason: "no usable signing keys are configured".to_owned(),
                }),
            };
            if let Err(error) = result {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Decodes the payload without trusting it, only to read `iss` early.
fn peek_payload(encoded: &str) -> Result<Claims, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| TokenError::Malformed("the payload is not base64url"))?;
    // RFC 7519 §4: a claim named twice is refused, not resolved one way or another.
    json_object(&bytes).map_err(|kind| match kind {
        JsonFault::Syntax => TokenError::Malformed("the payload is not JSON"),
        JsonFault::Shape => {
            TokenError::Malformed("the payload is not a JSON object with each claim named once")
        }
    })
}

/// RFC 8725 §2.1/§3.2: HMAC is verified only with the calling client's own secret (Auth0's
/// legacy HS256 clients), never with key material the issuer publishes — otherwise anyone
/// holding the public key could "sign" with it as an HMAC secret.
fn hmac_key(header: &JoseHeader, expected: &Expected<'_>) -> Result<DecodingKey, TokenError> {
    match expected.client_secret {
        Some(secret) if !secret.is_empty() => Ok(DecodingKey::from_secret(secret)),
        _ => Err(TokenError::AlgorithmNotAllowed(format!(
            "{} is only accepted for clients with a client secret",
            alg_name(header.alg)
        ))),
    }
}

/// The issuer's key for this token, refetching the JWKS once if the `kid` is unknown.
async fn public_key(issuer: &Issuer, header: &JoseHeader) -> Result<Verifying, TokenError> {
    let kid = header.kid.as_deref();
    match &issuer.keys {
        Keys::Static(set) => chosen(set.select(kid, header.alg), header),
        Keys::Jwks(cache) => {
            let loaded = cache.keys().await?;
            match loaded.keys.select(kid, header.alg) {
                // The issuer may have rotated keys since we fetched: look once more (the
                // cache bounds how often that really goes out).
                Selection::NotFound => {
                    let again = cache.refetch(loaded.generation).await?;
                    chosen(again.keys.select(kid, header.alg), header)
                }
                other => chosen(other, header),
            }
        }
    }
}

fn chosen(selection: Selection<'_>, header: &JoseHeader) -> Result<Verifying, TokenError> {
    match selection {
        Selection::Found(key) => Ok(key.verifying(header.alg)),
        Selection::NotFound if header.kid.is_some() => Err(TokenError::UnknownKey(
            "no published key has the token's kid",
        )),
        Selection::NotFound => Err(TokenError::UnknownKey(
            "the token has no kid and no published key fits its algorithm",
        )),
        Selection::Ambiguous => Err(TokenError::UnknownKey(
            "the token has no kid and the issuer publishes several keys",
        )),
        Selection::NotUsable => Err(TokenError::AlgorithmNotAllowed(format!(
            "the key named by kid may not be used with {}",
            alg_name(header.alg)
        ))),
    }
}

/// The signature through jsonwebtoken, with exactly one algorithm, for keys other than
/// RSA. The claims are checked by `check_claims` for every algorithm alike, so none are
/// checked here, and they are not deserialised again.
fn decode(token: &str, key: &DecodingKey, alg: Algorithm) -> Result<(), TokenError> {
    // RFC 8725 §3.1: a single algorithm, the one we already checked against the allowlist
    // and the key; jsonwebtoken re-checks both.
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;

    jsonwebtoken::decode::<serde::de::IgnoredAny>(token, key, &validation)
        .map(|_| ())
        .map_err(|e| map_jwt_error(e.kind()))
}

/// jsonwebtoken's errors for a signature check; it checks no claims here, so its claim
/// errors cannot arise.
fn map_jwt_error(kind: &ErrorKind) -> TokenError {
    match kind {
        ErrorKind::InvalidSignature => TokenError::Signature,
        // A key that cannot be loaded cannot have produced the signature.
        ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidKeyFormat => TokenError::Signature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName => {
            TokenError::AlgorithmNotAllowed("the algorithm does not fit the key".to_owned())
        }
        ErrorKind::InvalidClaimFormat(_) => TokenError::Malformed("a claim has the wrong type"),
        ErrorKind::Base64(_) => TokenError::Malformed("a part is not base64url"),
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => TokenError::Malformed("a part is not JSON"),
        _ => TokenError::Malformed("the token could not be decoded"),
    }
}
