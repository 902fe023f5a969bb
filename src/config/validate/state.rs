//! `[state]`: the Redis URL, one server or Redis Sentinel (its password never appears in a
//! message), the sealing key for cache entries, and what to do when Redis is down.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use url::Url;

use super::{Problems, in_range, read};
use crate::config::file::FileConfig;
use crate::domain::Secret;
use crate::state::{OnError, SentinelUrl, StateSettings};

const KEY_HINT: &str = "must hold a 256-bit key: 64 hex digits or 44 base64 characters \
                        (make one with `openssl rand -hex 32`)";

/// `None` when `redis_url` is unset: everything stays in process.
pub(super) fn state(raw: &FileConfig, base: &Path, p: &mut Problems) -> Option<StateSettings> {
    let s = &raw.state;
    in_range(p, "state.timeout_ms", s.timeout_ms, 10, 10_000);
    in_range(p, "state.warm_up_ms", s.warm_up_ms, 0, 30_000);
    let on_error = match s.on_error.as_str() {
        "closed" => OnError::Closed,
        "open" => OnError::Open,
        other => {
            p.add(
                "state.on_error",
                format!("`{other}` is not one of \"closed\", \"open\""),
            );
            OnError::Closed
        }
    };
    if s.key_prefix.len() > 64
        || s.key_prefix
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        p.add(
            "state.key_prefix",
            "must be at most 64 characters without spaces or control characters",
        );
    }
    let Some(url) = s.redis_url.as_deref().filter(|u| !u.is_empty()) else {
        if s.encryption_key_file.is_some() {
            p.add(
                "state.encryption_key_file",
                "is set but state.redis_url is not; set both or neither",
            );
        }
        return None;
    };
    let (display_url, sentinel) = if SentinelUrl::is_sentinel(url) {
        let sentinel = p.check("state.redis_url", SentinelUrl::parse(url))?;
        (sentinel.display(), Some(sentinel))
    } else {
        (p.check("state.redis_url", redis_url(url))?, None)
    };
    let tls = url.starts_with("rediss://") || url.starts_with("rediss+sentinel://");
    let ca_pem = match &s.ca_file {
        Some(_) if !tls => {
            p.add(
                "state.ca_file",
                "applies to rediss:// and rediss+sentinel:// (TLS) URLs only",
            );
            return None;
        }
        Some(path) => {
            let text = read(p, "state.ca_file", base, path)?;
            if !text.contains("-----BEGIN CERTIFICATE-----") {
                p.add("state.ca_file", "holds no PEM certificate");
                return None;
            }
            Some(text.into_bytes())
        }
        None => None,
    };
    let encryption_key = match &s.encryption_key_file {
        Some(path) => {
            let text = read(p, "state.encryption_key_file", base, path)?;
            Some(Secret::new(
                p.check("state.encryption_key_file", parse_key(&text))?,
            ))
        }
        None => {
            p.add(
                "state.encryption_key_file",
                "is required with redis_url: cache entries are sealed with it, and the names of Redis keys that come from users are derived with it",
            );
            return None;
        }
    };
    Some(StateSettings {
        url: Secret::new(url.to_owned()),
        display_url,
        sentinel,
        encryption_key,
        ca_pem,
        on_error,
        key_prefix: s.key_prefix.clone(),
        timeout: Duration::from_millis(s.timeout_ms),
        warm_up: Duration::from_millis(s.warm_up_ms),
    })
}

/// Checks the URL and returns it without its password, for logs and messages.
fn redis_url(text: &str) -> Result<String, String> {
    // A user or password must be percent-encoded: one holding `/`, `?` or `#` would be
    // read as host, path or query, and the rest of it shown in messages and logs.
    if let Some((_, rest)) = text.split_once("://")
        && let Some((userinfo, _)) = rest.rsplit_once('@')
        && userinfo.contains(['/', '?', '#'])
    {
        return Err(
            "the user or password holds `/`, `?` or `#`: percent-encode them (%2F, %3F, %23)"
                .into(),
        );
    }
    let mut url = Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    if url.password().is_some() {
        let _ = url.set_password(Some("redacted"));
    }
    if url.fragment().is_some() {
        return Err(
            "a fragment (such as #insecure) is not accepted: TLS certificates are always checked"
                .into(),
        );
    }
    match url.scheme() {
        "redis" | "rediss" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url.to_string()),
        "redis" | "rediss" => Err(format!("`{url}` names no host")),
        other => Err(format!(
            "scheme `{other}` is not redis://, rediss:// (TLS), redis+sentinel:// or rediss+sentinel://"
        )),
    }
}

fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| {
                let hex = text.get(2 * i..2 * i + 2)?;
                u8::from_str_radix(hex, 16).ok()
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| KEY_HINT.to_owned())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| KEY_HINT.to_owned())?
    };
    bytes.try_into().map_err(|_| KEY_HINT.to_owned())
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
