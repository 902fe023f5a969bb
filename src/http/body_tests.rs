//! Unit tests of `http::body`.

use super::*;

fn parse(ct: Option<&str>, body: &str) -> Result<Params, ApiError> {
    super::parse(ct, body.as_bytes())
}

#[test]
fn json_under_a_form_content_type_is_read_as_json() {
    let body = parse(
        Some("application/x-www-form-urlencoded"),
        r#" {"client_id":"a"}"#,
    );
    assert_eq!(body.unwrap().required("client_id").unwrap(), "a");
}

#[test]
fn form_bodies_are_decoded() {
    let body = parse(None, "client_id=a%20b&id_token=x").unwrap();
    assert_eq!(body.required("client_id").unwrap(), "a b");
}

#[test]
fn repeated_parameters_are_refused_in_both_formats() {
    for (ct, text) in [
        (
            Some("application/json"),
            r#"{"client_id":"a","client_id":"b"}"#,
        ),
        (None, "client_id=a&client_id=b"),
    ] {
        let err = parse(ct, text).unwrap_err().to_string();
        assert!(err.contains("more than once"), "{err}");
    }
}

#[test]
fn malformed_and_empty_bodies_are_refused() {
    assert!(parse(Some("application/json"), "{\"a\":").is_err());
    assert!(parse(Some("application/json"), "[1]").is_err());
    assert!(parse(Some("application/json"), "{} trailing").is_err());
    assert!(parse(None, "   ").is_err());
    assert!(parse(Some("multipart/form-data"), "a=b").is_err());
}
