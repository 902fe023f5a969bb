//! The claims of a token for `AssumeRoleWithWebIdentity`: the registered ones this server
//! sets itself, the claims the target maps from the user, and AWS's session tag and
//! source identity claims.

use serde_json::{Map, Value, json};

/// Claims under this prefix are AWS's: session tags and source identity.
pub const AWS_CLAIM_PREFIX: &str = "https://aws.amazon.com/";
/// `principal_tags` and `transitive_tag_keys`, as STS reads session tags from a token.
pub const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
pub const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";
/// The longest `WebIdentityToken` STS accepts, in characters.
pub const MAX_WEB_IDENTITY_TOKEN_CHARS: usize = 20_000;
/// The `aud` of web identity tokens unless the target sets `audience`: the client ID an
/// IAM OIDC provider is usually created with.
pub const WEB_IDENTITY_DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// How long a web identity token is valid: it is redeemed at once, by this server.
pub const WEB_IDENTITY_TOKEN_SECONDS: i64 = 300;

/// The claims the server sets; a mapping may not replace them.
const REGISTERED: [&str; 8] = ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "azp"];

/// Claims of the user's id_token that belong to that token alone (its sign-in request, its
/// access token, its session, its key binding, the server's own `user_id`), left out of an
/// id_token made from it.
const TOKEN_BOUND: [&str; 6] = ["nonce", "at_hash", "c_hash", "sid", "cnf", "user_id"];

/// A random `jti`: 128 bits as hex, or `None` if the system random source failed.
pub fn new_jti() -> Option<String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).ok()?;
    Some(crate::domain::hex(&bytes))
}

/// The claims of an `api_type=app` id_token: the user's claims after rules, with `iss`,
/// `sub`, `aud` (the target), `azp` (the caller), `iat`, `exp` and `jti` set by the server.
#[derive(Debug)]
pub struct AppTokenClaims<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub audience: &'a str,
    pub authorized_party: &'a str,
    pub issued_at: i64,
    pub lifetime_seconds: u32,
    pub jti: &'a str,
}

impl AppTokenClaims<'_> {
    /// AWS's claims (`https://aws.amazon.com/...`) are left out too: an app token must not
    /// carry session tags or a source identity that the user or a rule chose.
    pub fn to_json(&self, mut user: Map<String, Value>) -> Map<String, Value> {
        for name in REGISTERED.iter().chain(&TOKEN_BOUND) {
            user.remove(*name);
        }
        user.retain(|name, _| !name.starts_with(AWS_CLAIM_PREFIX));
        let exp = self
            .issued_at
            .saturating_add(i64::from(self.lifetime_seconds));
        for (name, value) in [
            ("iss", json!(self.issuer)),
            ("sub", json!(self.subject)),
            ("aud", json!(self.audience)),
            ("azp", json!(self.authorized_party)),
            ("iat", json!(self.issued_at)),
            ("exp", json!(exp)),
            ("jti", json!(self.jti)),
        ] {
            user.insert(name.to_owned(), value);
        }
        user
    }
}

/// Why `name` cannot be a mapped claim, if it cannot.
pub fn reserved_claim_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("must not be empty")
    } else if REGISTERED.contains(&name) {
        Some("is a registered claim the server sets itself")
    } else if name.starts_with(AWS_CLAIM_PREFIX) {
        Some(
            "is in AWS's claim namespace; use session_tags, transitive_tag_keys and source_identity",
        )
    } else {
        None
    }
}

/// One web identity token, before signing.
#[derive(Debug)]
pub struct WebIdentityClaims<'a> {
    /// `[oidc_provider] url`.
    pub issuer: &'a str,
    pub subject: &'a str,
    pub audience: &'a str,
    pub issued_at: i64,
    /// Unique per token.
    pub jti: &'a str,
    /// The mapped claims, already checked against [`reserved_claim_problem`].
    pub mapped: &'a Map<String, Value>,
    /// Session tags (key, value), in order.
    pub tags: &'a [(String, String)],
    pub transitive_tag_keys: &'a [String],
    pub source_identity: Option<&'a str>,
}

impl WebIdentityClaims<'_> {
    /// The JWT payload: mapped claims first, then the registered and AWS claims, which win.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut claims = self.mapped.clone();
        for (name, value) in [
            ("iss", json!(self.issuer)),
            ("sub", json!(self.subject)),
            ("aud", json!(self.audience)),
            ("iat", json!(self.issued_at)),
            (
                "exp",
                json!(self.issued_at.saturating_add(WEB_IDENTITY_TOKEN_SECONDS)),
            ),
            ("jti", json!(self.jti)),
        ] {
            claims.insert(name.to_owned(), value);
        }
        if !self.tags.is_empty() || !self.transitive_tag_keys.is_empty() {
            let principal_tags: Map<String, Value> = self
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), json!([v])))
                .collect();
            let mut tags = json!({ "principal_tags": principal_tags });
            if !self.transitive_tag_keys.is_empty()
                && let Some(obj) = tags.as_object_mut()
            {
                obj.insert(
                    "transitive_tag_keys".into(),
                    json!(self.transitive_tag_keys),
                );
            }
            claims.insert(TAGS_CLAIM.to_owned(), tags);
        }
        if let Some(identity) = self.source_identity {
            claims.insert(SOURCE_IDENTITY_CLAIM.to_owned(), json!(identity));
        }
        claims
    }
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
