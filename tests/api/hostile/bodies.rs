//! Bodies and the wire: sizes, nesting, encodings, duplicates, content types, framing.

use serde_json::{Value, json};

use super::{Case, Send, run_table};
use crate::test_app::TestApp;

const BAD: Option<&str> = Some("invalid_request");
const CLIENT: Option<&str> = Some("invalid_client");

fn bytes(content_type: &'static str, body: impl Into<Vec<u8>>) -> Send {
    Send::Bytes(Some(content_type), body.into())
}

fn json_bytes(body: impl Into<Vec<u8>>) -> Send {
    bytes("application/json", body)
}

fn with(body: &Value, key: &str, value: Value) -> Send {
    let mut body = body.clone();
    body[key] = value;
    Send::Json(body)
}

fn without(body: &Value, key: &str) -> Send {
    let mut body = body.clone();
    body.as_object_mut().unwrap().remove(key);
    Send::Json(body)
}

fn wire(head: &str, body: &str) -> Send {
    Send::Wire(
        format!("POST /delegation HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{head}\r\n{body}")
            .into_bytes(),
    )
}

fn form(body: &Value) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in body.as_object().unwrap() {
        out.append_pair(key, value.as_str().unwrap());
    }
    out.finish()
}

#[tokio::test]
async fn hostile_bodies_and_framing_get_their_documented_answers() {
    let app = TestApp::spawn().await;
    let good = app.body_for("app", "auth0|hostile-body");
    let good_text = good.to_string();
    let token = good["id_token"].as_str().unwrap().to_owned();
    let nested = format!(
        "{{\"client_id\":{}1{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let deep_param = format!("{{\"scope\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    let many_keys: String = (0..5_000).map(|i| format!("\"k{i}\":1,")).collect();
    let padded = format!("{}{}", " ".repeat(60_000), good_text);
    let chunked = format!("{:x}\r\n{good_text}\r\n0\r\n\r\n", good_text.len());
    let refresh_only = {
        let mut body = good.clone();
        body["refresh_token"] = body.as_object_mut().unwrap().remove("id_token").unwrap();
        Send::Json(body)
    };
    let mut cases = vec![
        Case::new("empty body", json_bytes(""), 400, BAD),
        Case::new("whitespace only", json_bytes(" \r\n\t "), 400, BAD),
        Case::new("JSON null", json_bytes("null"), 400, BAD),
        Case::new("JSON array", json_bytes("[1,2]"), 400, BAD),
        Case::new("JSON string", json_bytes("\"client_id\""), 400, BAD),
        Case::new("JSON number", json_bytes("7"), 400, BAD),
        Case::new("10,000 nested arrays", json_bytes(nested), 400, BAD),
        Case::new("nested 100 deep in a parameter", json_bytes(deep_param), 400, BAD),
        Case::new("5,000 unknown keys", json_bytes(format!("{{{many_keys}\"z\":1}}")), 400, BAD),
        Case::new("invalid UTF-8 in JSON", json_bytes(b"{\"client_id\":\"\xff\xfe\"}".to_vec()), 400, BAD),
        Case::new("invalid UTF-8 in a form", bytes("application/x-www-form-urlencoded", b"client_id=\xff\xfe".to_vec()), 400, BAD),
        Case::new("raw NUL inside JSON", json_bytes(b"{\"client_id\":\"a\x00b\"}".to_vec()), 400, BAD),
        Case::new("escaped NUL in client_id", with(&good, "client_id", json!("app\u{0}")), 401, CLIENT),
        Case::new("control character in client_id", with(&good, "client_id", json!("a\u{1}p")), 401, CLIENT),
        Case::new("60 kB client_id", with(&good, "client_id", json!("c".repeat(60_000))), 401, CLIENT),
        Case::new("duplicate key in JSON", json_bytes(good_text.replacen('{', "{\"client_id\":\"app\",", 1)), 400, BAD),
        Case::new("case-variant key only", json_bytes(good_text.replace("\"client_id\"", "\"Client_ID\"")), 400, BAD),
        Case::new("duplicate key in a form", bytes("application/x-www-form-urlencoded", format!("{}&client_id=app", form(&good))), 400, BAD),
        Case::new("duplicate key in JSON under a form type", bytes("application/x-www-form-urlencoded", good_text.replacen('{', "{\"target\":\"app\",", 1)), 400, BAD),
        Case::new("XML content type", bytes("application/xml", "<delegation/>"), 400, BAD),
        Case::new("multipart content type", bytes("multipart/form-data; boundary=x", "--x--"), 400, BAD),
        Case::new("form body sent as JSON", json_bytes(form(&good)), 400, BAD),
        Case::new("body over 64 KiB", json_bytes(format!("{}{good_text}", " ".repeat(65_537))), 413, BAD),
        Case::new("60 kB of whitespace before a good body", json_bytes(padded), 200, None),
        Case::new("trailing garbage after the object", json_bytes(format!("{good_text} x")), 400, BAD),
        Case::new("two objects", json_bytes(format!("{good_text}{good_text}")), 400, BAD),
        Case::new("byte order mark", json_bytes(format!("\u{feff}{good_text}")), 400, BAD),
        Case::new("bad percent-encoding in a form", bytes("application/x-www-form-urlencoded", "client_id=%ZZ&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&id_token=a.b.c"), 401, CLIENT),
        Case::new("another grant_type", with(&good, "grant_type", json!("password")), 400, Some("unsupported_grant_type")),
        Case::new("no grant_type", without(&good, "grant_type"), 400, BAD),
        Case::new("no id_token", without(&good, "id_token"), 400, BAD),
        Case::new("no client_id", without(&good, "client_id"), 400, BAD),
        Case::new("id_token is a number", with(&good, "id_token", json!(1)), 400, BAD),
        Case::new("id_token is an object", with(&good, "id_token", json!({"a": 1})), 400, BAD),
        Case::new("client_id is an array", with(&good, "client_id", json!(["app"])), 400, BAD),
        Case::new("unsupported api_type", with(&good, "api_type", json!("firebase")), 400, BAD),
        Case::new("refresh_token instead of an id_token", refresh_only, 400, BAD),
        Case::new("refresh_token beside an id_token is ignored", with(&good, "refresh_token", json!("r")), 200, None),
        Case::new("unknown target", with(&good, "target", json!("nobody")), 401, CLIENT),
        Case::new("target with a NUL", with(&good, "target", json!("app\u{0}")), 401, CLIENT),
        Case::new("role not allowed", with(&good, "role", json!("arn:aws:iam::999999999999:role/admin")), 400, BAD),
        Case::new("chunked body", wire("Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", &chunked), 200, None),
        Case::new("malformed chunk", wire("Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n"), 400, BAD),
        Case::new("body shorter than Content-Length", wire("Content-Type: application/json\r\nContent-Length: 500\r\n", "{}"), 400, BAD),
        Case::new("Content-Length beside chunked: chunked wins (RFC 9112 6.3)", wire(&format!("Content-Type: application/json\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n", chunked.len()), &chunked), 200, None),
        Case::new("one 100 kB header", wire(&format!("X-Big: {}\r\nContent-Length: 2\r\n", "a".repeat(100_000)), "{}"), 431, None),
        Case::new("150 small headers", wire(&format!("{}Content-Length: 2\r\n", (0..150).map(|i| format!("X-H{i}: v\r\n")).collect::<String>()), "{}"), 431, None),
        Case::new("GET", Send::Wire(b"GET /delegation HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".to_vec()), 405, None),
        Case::new("garbage request line", Send::Wire(b"\x16\x03\x01 not http\r\n\r\n".to_vec()), 400, None),
        Case::new("HTTP/1.0", Send::Wire(format!("POST /delegation HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{good_text}", good_text.len()).into_bytes()), 200, None),
    ];
    // A good body's own token reused under a grant for another client.
    cases.push(Case::new(
        "token for app sent by legacy",
        with(&good, "client_id", json!("legacy")),
        401,
        Some("invalid_grant"),
    ));
    run_table(&app, cases, &[token]).await;
}

#[tokio::test]
async fn pipelined_requests_each_get_their_answer() {
    let app = TestApp::spawn().await;
    let good = app.body_for("app", "auth0|pipelined").to_string();
    let one = format!(
        "POST /delegation HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{good}",
        good.len()
    );
    let bad = "POST /delegation HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(format!("{one}{bad}").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        stream.read_to_end(&mut answer),
    )
    .await;
    let text = String::from_utf8_lossy(&answer);
    let statuses: Vec<&str> = text
        .match_indices("HTTP/1.1 ")
        .map(|(at, _)| &text[at + 9..at + 12])
        .collect();
    assert_eq!(statuses, ["200", "400"], "{text}");
}
