//! The `/delegation` body parser: JSON, form, JSON under a form type, duplicates.
//! Property: never panics; a parsed body holds each parameter once, as text or JSON.
#![no_main]

use delegation_server::http::body;
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [Option<&str>; 7] = [
    None,
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("application/json; charset=utf-8"),
    Some("text/plain"),
    Some("application/jwt+json"),
    Some("multipart/form-data; boundary=x"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    if let Ok(params) = body::parse(content_type, bytes) {
        for name in params.0.keys() {
            // Every accessor answers without panicking, whatever the value's type.
            let _ = params.string(name);
        }
    }
});
