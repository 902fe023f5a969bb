//! Requests broken on the wire, sent byte by byte over a raw socket: each gets the status
//! that says what is wrong with it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::test_app::TestApp;

/// Sends `request`, then half-closes the socket when `close` is set, and returns the
/// status code and the body of the answer (status 0: the server closed without one).
pub(crate) async fn exchange(app: &TestApp, request: &[u8], close: bool) -> (u16, String) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    if close {
        stream.shutdown().await.unwrap();
    }
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer));
    // A server that answers and keeps the connection open is fine: read what came.
    let _ = read.await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

fn head(extra: &str) -> String {
    format!(
        "POST /delegation HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nConnection: close\r\n{extra}\r\n"
    )
}

#[tokio::test]
async fn a_malformed_chunk_is_a_400_that_says_so() {
    let app = TestApp::spawn().await;
    let request = head("Transfer-Encoding: chunked\r\n") + "zz\r\n{}\r\n0\r\n\r\n";
    let (status, body) = exchange(&app, request.as_bytes(), false).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid_request"), "{body}");
    assert!(body.contains("chunked encoding is malformed"), "{body}");
    assert!(!body.contains("exceeds"), "{body}");
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_400_that_says_so() {
    let app = TestApp::spawn().await;
    let request = head("Content-Length: 100\r\n") + r#"{"client_id":"#;
    let (status, body) = exchange(&app, request.as_bytes(), true).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("ended before its declared length"), "{body}");
}

#[tokio::test]
async fn only_a_body_over_the_limit_is_413_even_without_a_length() {
    let app = TestApp::spawn().await;
    let chunk = "x".repeat(40 * 1024);
    let mut request = head("Transfer-Encoding: chunked\r\n");
    for _ in 0..2 {
        request += &format!("{:x}\r\n{chunk}\r\n", chunk.len());
    }
    request += "0\r\n\r\n";
    let (status, body) = exchange(&app, request.as_bytes(), false).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("exceeds 65536 bytes"), "{body}");
}

#[tokio::test]
async fn a_header_block_over_the_limit_gets_431() {
    let app = TestApp::spawn().await;
    let huge = format!("X-Padding: {}\r\n", "a".repeat(100 * 1024));
    let (status, _) = exchange(&app, (head(&huge) + "{}").as_bytes(), false).await;
    assert_eq!(status, 431);
    // Many headers adding up past the limit count the same as one big one.
    let many: String = (0..40)
        .map(|i| format!("X-Many-{i}: {}\r\n", "b".repeat(500)))
        .collect();
    let (status, _) = exchange(&app, (head(&many) + "{}").as_bytes(), false).await;
    assert_eq!(status, 431);
    // Just under the default 16 KiB is read, and refused for its (empty) body instead.
    let fits = format!("X-Padding: {}\r\n", "a".repeat(15 * 1024));
    let request = head(&(fits + "Content-Length: 2\r\n")) + "{}";
    let (status, body) = exchange(&app, request.as_bytes(), false).await;
    assert_eq!(status, 400, "{body}");
}
