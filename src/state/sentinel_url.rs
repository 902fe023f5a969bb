//! `redis+sentinel://` and `rediss+sentinel://` URLs: where the sentinels are and which
//! primary to ask them for.
//!
//! `redis+sentinel://[user:password@]host[:port][,host[:port]...]/SERVICE[/DB]`. The
//! credentials are sent to the sentinels and to the data nodes alike; `rediss+` speaks TLS
//! to both. A port left out is Sentinel's own, 26379. Characters such as `@`, `/` or `:`
//! in the user or password are percent-encoded, as in any URL.

use crate::domain::Secret;

/// The port sentinels listen on unless told otherwise.
pub const SENTINEL_PORT: u16 = 26379;

/// A checked Sentinel URL.
#[derive(Clone, PartialEq)]
pub struct SentinelUrl {
    /// At least one sentinel, in the order given (they are asked in that order).
    pub sentinels: Vec<(String, u16)>,
    /// The name the sentinels monitor the primary under (`sentinel monitor <name> ...`).
    pub service: String,
    /// The database on the data nodes.
    pub db: i64,
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    /// TLS to the sentinels and to the data nodes.
    pub tls: bool,
}

impl std::fmt::Debug for SentinelUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SentinelUrlError {
    #[error("names no sentinel: write host:port[,host:port...] after the scheme")]
    NoHosts,
    #[error("`{0}` is not a host name or IP address")]
    BadHost(String),
    #[error("`{0}` has no valid port (1..=65535)")]
    BadPort(String),
    #[error("names no service: end with /SERVICE_NAME, the name the sentinels monitor")]
    NoService,
    #[error("service name `{0}` may hold only letters, digits, `.`, `_` and `-` (at most 128)")]
    BadService(String),
    #[error("database `{0}` is not a number from 0 to 1000000")]
    BadDb(String),
    #[error("has more after /SERVICE_NAME/DB: `{0}`")]
    ExtraPath(String),
    #[error(
        "a query or fragment (such as #insecure) is not accepted: TLS certificates are always checked"
    )]
    QueryOrFragment,
    #[error("the user or password is not valid percent-encoded UTF-8")]
    BadCredentials,
}

impl SentinelUrl {
    /// Whether `text` is meant as a Sentinel URL (then [`SentinelUrl::parse`] applies).
    pub fn is_sentinel(text: &str) -> bool {
        text.starts_with("redis+sentinel://") || text.starts_with("rediss+sentinel://")
    }

    pub fn parse(text: &str) -> Result<Self, SentinelUrlError> {
        let (tls, rest) = if let Some(rest) = text.strip_prefix("rediss+sentinel://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("redis+sentinel://") {
            (false, rest)
        } else {
            return Err(SentinelUrlError::NoHosts);
        };
        if rest.contains(['?', '#']) {
            return Err(SentinelUrlError::QueryOrFragment);
        }
        // The user and password first, up to the last `@`: a password may hold a `/` that
        // was not percent-encoded, and no part of it may reach an error message.
        let (userinfo, after) = match rest.rsplit_once('@') {
            Some((userinfo, after)) => (Some(userinfo), after),
            None => (None, rest),
        };
        let (hosts, path) = after.split_once('/').unwrap_or((after, ""));
        let sentinels = hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(host_port)
            .collect::<Result<Vec<_>, _>>()?;
        if sentinels.is_empty() {
            return Err(SentinelUrlError::NoHosts);
        }
        let (service, db) = service_db(path)?;
        let (username, password) = match userinfo {
            None => (None, None),
            Some(userinfo) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let user = decode(user)?;
                let password = decode(password)?;
                (
                    Some(user).filter(|u| !u.is_empty()),
                    Some(password).filter(|p| !p.is_empty()).map(Secret::new),
                )
            }
        };
        Ok(Self {
            sentinels,
            service,
            db,
            username,
            password,
            tls,
        })
    }

    /// The URL in full, without its password: for logs and messages.
    pub fn display(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        let user = self.username.as_deref().unwrap_or("");
        let userinfo = match (&self.password, user) {
            (Some(_), user) => format!("{user}:redacted@"),
            (None, "") => String::new(),
            (None, user) => format!("{user}@"),
        };
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|(host, port)| match host.contains(':') {
                true => format!("[{host}]:{port}"),
                false => format!("{host}:{port}"),
            })
            .collect();
        format!(
            "{scheme}+sentinel://{userinfo}{}/{}/{}",
            hosts.join(","),
            self.service,
            self.db
        )
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn host_port(text: &str) -> Result<(String, u16), SentinelUrlError> {
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (address, after) = v6
            .split_once(']')
            .ok_or_else(|| SentinelUrlError::BadHost(text.to_owned()))?;
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(SentinelUrlError::BadHost(text.to_owned()));
        }
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| SentinelUrlError::BadHost(text.to_owned()))?,
            ),
        };
        (address.to_owned(), port)
    } else {
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
        if !valid {
            return Err(SentinelUrlError::BadHost(text.to_owned()));
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => SENTINEL_PORT,
        Some(digits) => match digits.parse::<u16>() {
            Ok(port) if port != 0 && digits.bytes().all(|b| b.is_ascii_digit()) => port,
            _ => return Err(SentinelUrlError::BadPort(text.to_owned())),
        },
    };
    Ok((host, port))
}

/// `SERVICE`, `SERVICE/` or `SERVICE/DB`.
fn service_db(path: &str) -> Result<(String, i64), SentinelUrlError> {
    let mut parts = path.splitn(3, '/');
    let service = parts.next().unwrap_or("");
    if service.is_empty() {
        return Err(SentinelUrlError::NoService);
    }
    let valid = service.len() <= 128
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !valid {
        return Err(SentinelUrlError::BadService(service.to_owned()));
    }
    let db = match parts.next() {
        None | Some("") => 0,
        Some(db) => match db.parse::<i64>() {
            Ok(n) if (0..=1_000_000).contains(&n) && db.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(SentinelUrlError::BadDb(db.to_owned())),
        },
    };
    match parts.next() {
        None | Some("") => Ok((service.to_owned(), db)),
        Some(extra) => Err(SentinelUrlError::ExtraPath(extra.to_owned())),
    }
}

/// Percent-decoding, as URLs encode a user and password.
fn decode(text: &str) -> Result<String, SentinelUrlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .ok_or(SentinelUrlError::BadCredentials)?;
            let byte = u8::from_str_radix(hex, 16).map_err(|_| SentinelUrlError::BadCredentials)?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| SentinelUrlError::BadCredentials)
}

#[cfg(test)]
#[path = "sentinel_url_tests.rs"]
mod tests;
