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
mod tests {
    use super::*;

    fn target(text: &str) -> Result<Target, String> {
        Target::of(&Url::parse(text).unwrap())
    }

    #[test]
    fn default_ports_are_filled_in_and_left_out_of_the_host_header() {
        let t = target("https://sts.us-east-1.amazonaws.com/").unwrap();
        assert_eq!(t.origin.port, 443);
        assert_eq!(t.host, "sts.us-east-1.amazonaws.com");
        assert_eq!(t.origin_form, "/");
        let t = target("http://127.0.0.1:5000/moto?x=1#frag").unwrap();
        assert_eq!((t.origin.https, t.origin.port), (false, 5000));
        assert_eq!(t.host, "127.0.0.1:5000");
        assert_eq!(t.origin_form, "/moto?x=1");
        assert_eq!(t.absolute_form, "http://127.0.0.1:5000/moto?x=1");
    }

    #[test]
    fn ipv6_hosts_keep_their_brackets() {
        let t = target("http://[::1]:8080/").unwrap();
        assert_eq!(t.origin.host, "[::1]");
        assert_eq!(t.host, "[::1]:8080");
        assert_eq!(t.absolute_form, "http://[::1]:8080/");
    }

    #[test]
    fn credentials_and_other_schemes_are_refused_without_being_repeated() {
        let error = target("https://user:hunter2@sts.amazonaws.com/").unwrap_err();
        assert!(error.contains("user name or password"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        assert!(target("https://user@sts.amazonaws.com/").is_err());
        assert!(target("ftp://sts.amazonaws.com/").is_err());
    }
}
