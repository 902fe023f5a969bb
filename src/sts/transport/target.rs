//! Where a POST goes, worked out from the URL before any connection is made.

use hyper::Uri;
use hyper::header::HeaderValue;
use url::{Position, Url};

use super::pool::Origin;

/// The origin to connect to, the `Host` header, and the request target in origin form
/// (`/path?query`) and in absolute form (for a plain-HTTP proxy).
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub origin: Origin,
    pub host: HeaderValue,
    pub origin_form: Uri,
    pub absolute_form: Uri,
}

impl Target {
    /// Refuses what cannot be sent: another scheme, no host, or a user name or password
    /// (STS takes none; the text names neither, so a password never reaches a log).
    pub fn of(url: &Url) -> Result<Self, String> {
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(format!("the STS URL has scheme {other}, not http(s)")),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the STS URL carries a user name or password".into());
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the STS URL has no host")?;
        let origin = Origin {
            https,
            host: host.to_owned(),
            port: url
                .port_or_known_default()
                .unwrap_or(if https { 443 } else { 80 }),
        };
        let unusable = |e: &dyn std::fmt::Display| format!("the STS URL cannot be sent: {e}");
        let authority = &url[Position::BeforeHost..Position::AfterPort];
        Ok(Self {
            origin,
            host: HeaderValue::from_str(authority).map_err(|e| unusable(&e))?,
            origin_form: url[Position::BeforePath..Position::AfterQuery]
                .parse()
                .map_err(|e| unusable(&e))?,
            absolute_form: url[..Position::AfterQuery]
                .parse()
                .map_err(|e| unusable(&e))?,
        })
    }
}

#[cfg(test)]
#[path = "target_tests.rs"]
mod tests;
