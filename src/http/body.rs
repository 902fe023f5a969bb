//! Reads a `/delegation` body: JSON, form, or JSON sent under a form or missing content type.

use serde_json::{Map, Value};

use axum::body::Body;
use axum::http::{HeaderMap, header};

use crate::config::ServerSettings;
use crate::delegation::DelegationError;
use crate::delegation::Params;
use crate::error::ApiError;

/// A 400 `invalid_request` with `text`.
fn invalid(text: String) -> ApiError {
    DelegationError::InvalidRequest(text).into()
}

/// Reads and parses a `/delegation` (or explain) body: a declared length over
/// `server.max_body_bytes` is refused at once (413), and the body must arrive within
/// `server.body_read_timeout`. Nothing is held for the request meanwhile: a client
/// trickling bytes costs a connection and no delegation place.
pub async fn read(
    headers: &HeaderMap,
    body: Body,
    server: &ServerSettings,
) -> Result<Params, ApiError> {
    let limit = server.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let deadline = tokio::time::Instant::now() + server.body_read_timeout;
    let bytes = tokio::time::timeout_at(deadline, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| invalid("the request body did not arrive in time".into()))?
        .map_err(|e| read_error(e, limit))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    parse(content_type, &bytes)
}

/// The request body as parameters, every one present at most once.
pub fn parse(content_type: Option<&str>, bytes: &[u8]) -> Result<Params, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let Some(&first) = first else {
        return Err(invalid("request body is empty".into()));
    };
    let media = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let is_json = media == "application/json" || media.ends_with("+json");
    // Auth0's documented curl and jQuery samples send a JSON object with a form content
    // type or none at all, so a body that starts like an object is read as JSON.
    if is_json || first == b'{' {
        return parse_json(bytes);
    }
    match media.as_str() {
        "" | "application/x-www-form-urlencoded" | "text/plain" => parse_form(bytes),
        other => Err(invalid(format!(
            "unsupported Content-Type `{}`; send application/json or application/x-www-form-urlencoded",
            crate::domain::truncate(other)
        ))),
    }
}

/// Why the body could not be read: over the limit (413), or broken on the wire — a
/// malformed chunk, or a connection closed before `Content-Length` bytes arrived (400).
pub fn read_error(error: axum::Error, limit: usize) -> ApiError {
    let error = error.into_inner();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error.as_ref());
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return ApiError::PayloadTooLarge(limit);
        }
        cause = e.source();
    }
    invalid(
        "the request body could not be read: it ended before its declared length or its chunked encoding is malformed"
            .into(),
    )
}

fn parse_json(bytes: &[u8]) -> Result<Params, ApiError> {
    let map = crate::domain::json::object_with_unique_keys(bytes).map_err(|e| {
        invalid(match e.classify() {
            serde_json::error::Category::Data => format!("invalid request body: {e}"),
            _ => format!("request body is not valid JSON ({e})"),
        })
    })?;
    Ok(Params(map))
}

fn parse_form(bytes: &[u8]) -> Result<Params, ApiError> {
    let mut map = Map::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        if key.is_empty() {
            continue;
        }
        if map.contains_key(key.as_ref()) {
            return Err(repeated(&key));
        }
        map.insert(key.into_owned(), Value::String(value.into_owned()));
    }
    if map.is_empty() {
        return Err(invalid(
            "request body is neither a JSON object nor form parameters".into(),
        ));
    }
    Ok(Params(map))
}

fn repeated(key: &str) -> ApiError {
    invalid(format!(
        "`{}` is given more than once",
        crate::domain::truncate(key)
    ))
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
