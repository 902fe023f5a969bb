//! Slow and greedy clients: a slowloris cannot starve ordinary requests, idle and
//! trickling connections are closed by the header timeout, and the caps on connections
//! and on delegations in flight hold.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error};

/// A generous ceiling for events that take about a second.
const CEILING: Duration = Duration::from_secs(30);

fn socket_address(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection; returns what came.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return seen,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_slowloris_does_not_keep_ordinary_requests_waiting_and_its_sockets_are_closed() {
    let app = TestApp::spawn_with_server_keys("header_read_timeout_ms = 1000\n").await;
    let address = socket_address(&app);
    let mut attackers = Vec::new();
    for _ in 0..60 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"POST /delegation HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        attackers.push(tokio::spawn(async move {
            let started = Instant::now();
            // One byte a second, for far longer than the header timeout allows.
            for _ in 0..60 {
                if stream.write_all(b"X").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1000)).await;
                let mut probe = [0u8; 1];
                if let Ok(Ok(0)) =
                    tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await
                {
                    break;
                }
            }
            started.elapsed()
        }));
    }
    // While they trickle, ordinary requests are answered.
    for i in 0..5 {
        assert_eq!(app.get("/healthz").await.status(), 200);
        let body = app.body_for("app", &format!("auth0|busy-{i}"));
        assert_eq!(app.post_json(&body).await.status(), 200);
    }
    for attacker in attackers {
        let held = tokio::time::timeout(CEILING, attacker)
            .await
            .unwrap()
            .unwrap();
        // Closed by the 1 s header timeout, long before the 60 s of trickling.
        assert!(held < Duration::from_secs(20), "held for {held:?}");
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let app = TestApp::spawn_with_server_keys("header_read_timeout_ms = 500\n").await;
    let mut stream = TcpStream::connect(socket_address(&app)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let seen = tokio::time::timeout(CEILING, read_until_closed(&mut stream))
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"));
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "closed before the timeout"
    );
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let keys = "header_read_timeout_ms = 1500\nmax_connections = 2\n";
    let app = TestApp::spawn_with_server_keys(keys).await;
    let address = socket_address(&app);
    // The test client's pooled connection from start-up is closed by the timeout first.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    // Two idle connections take both places...
    let _idle = [
        TcpStream::connect(&address).await.unwrap(),
        TcpStream::connect(&address).await.unwrap(),
    ];
    tokio::time::sleep(Duration::from_millis(100)).await;
    // ...so a third is not served until the header timeout frees one.
    let started = Instant::now();
    let fresh = reqwest::Client::new()
        .get(format!("{}/healthz", app.address))
        .send();
    let response = tokio::time::timeout(CEILING, fresh).await.unwrap().unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "served while both places were taken"
    );
}

#[tokio::test]
async fn delegations_over_the_in_flight_cap_get_503_at_once() {
    let app = TestApp::spawn_with_server_keys("max_in_flight = 1\n").await;
    app.sts.set_mode(StsMode::Hang);
    let first = {
        let (http, url, body) = (
            app.http.clone(),
            format!("{}/delegation", app.address),
            app.body_for("app", "auth0|slow"),
        );
        tokio::spawn(async move { http.post(url).json(&body).send().await.unwrap().status() })
    };
    // Wait until the first one is at STS, holding the only place.
    let waited = Instant::now();
    while app.sts.attempts() == 0 {
        assert!(waited.elapsed() < CEILING);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = app.post_json(&app.body_for("app", "auth0|second")).await;
    assert!(second.headers().contains_key("retry-after"));
    let description = assert_error(second, 503, "temporarily_unavailable").await;
    assert!(description.contains("in flight"), "{description}");
    assert_eq!(
        first.await.unwrap(),
        503,
        "the hung one ends at its deadline"
    );
    app.sts.set_mode(StsMode::Forward);
    assert_eq!(
        app.post_json(&app.body_for("app", "auth0|third"))
            .await
            .status(),
        200
    );
}
