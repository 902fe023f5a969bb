//! Temporary credentials from STS, and the expiration form Auth0 answered with.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::StsError;
use super::xml::Flat;

/// Temporary credentials. `Debug` hides the secret key and the session token so they never
/// reach a log line. They deserialise from the JSON they serialise to (the shared cache
/// store keeps them so, sealed).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", try_from = "StoredCredentials")]
pub struct Credentials {
    pub(super) access_key_id: String,
    pub(super) secret_access_key: String,
    pub(super) session_token: String,
    /// Normalised to `YYYY-MM-DDThh:mm:ss.sssZ`, what Auth0's JavaScript `Date` produced.
    pub(super) expiration: String,
    #[serde(skip)]
    pub(super) expires_at: OffsetDateTime,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StoredCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    expiration: String,
}

impl TryFrom<StoredCredentials> for Credentials {
    type Error = StsError;

    fn try_from(s: StoredCredentials) -> Result<Self, StsError> {
        let (expires_at, expiration) = normalise_expiration(&s.expiration)?;
        Ok(Self {
            access_key_id: s.access_key_id,
            secret_access_key: s.secret_access_key,
            session_token: s.session_token,
            expiration,
            expires_at,
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl Credentials {
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// Secret: never log it.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// Secret: never log it.
    pub fn session_token(&self) -> &str {
        &self.session_token
    }

    /// As Auth0 answered it: `YYYY-MM-DDThh:mm:ss.sssZ`.
    pub fn expiration_text(&self) -> &str {
        &self.expiration
    }

    /// `Credentials/*` under `result` (the result element's path: root, result).
    pub(super) fn parse(flat: &Flat, result: &[&str; 2]) -> Result<Self, StsError> {
        let field = |name: &str| {
            let [root, result] = *result;
            super::reply::non_empty(flat, &[root, result, "Credentials", name])
        };
        let (expires_at, expiration) = normalise_expiration(field("Expiration")?)?;
        let text = |name: &str| field(name).map(str::to_owned);
        Ok(Self {
            access_key_id: text("AccessKeyId")?,
            secret_access_key: text("SecretAccessKey")?,
            session_token: text("SessionToken")?,
            expiration,
            expires_at,
        })
    }
}

/// STS sends `2026-11-27T19:00:00Z` (moto adds microseconds); Auth0 passed it through a
/// JavaScript `Date`, which prints UTC with exactly three fractional digits (truncated).
fn normalise_expiration(text: &str) -> Result<(OffsetDateTime, String), StsError> {
    let bad = || StsError::malformed("Credentials/Expiration is not an RFC 3339 time");
    let at = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| bad())?
        .to_offset(time::UtcOffset::UTC);
    let shown = at
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .map_err(|_| bad())?;
    Ok((at, shown))
}
