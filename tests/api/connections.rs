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

/// Opens a connection that sends a complete `/delegation` head and one byte of a
/// 1,000-byte body, then stalls.
async fn slow_body(address: String) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(&address).await.ok()?;
    let head = "POST /delegation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
    stream.write_all(head.as_bytes()).await.ok()?;
    Some(stream)
}

#[tokio::test]
async fn two_thousand_slow_bodies_take_no_delegation_place_from_verified_users() {
    // The defaults that matter, written out: 1,024 places in flight, 4,096 connections,
    // five seconds for a body.
    let keys = "max_in_flight = 1024\nmax_connections = 4096\nbody_read_timeout_ms = 5000\n";
    let app = TestApp::spawn_with_server_keys(keys).await;
    let address = socket_address(&app);
    let mut slow = Vec::new();
    for _ in 0..20 {
        let batch = (0..100).map(|_| slow_body(address.clone()));
        slow.extend(futures_all(batch).await.into_iter().flatten());
    }
    assert_eq!(slow.len(), 2000, "every slow connection was accepted");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // While all 2,000 wait for their bodies, verified users are served, each in < 2 s.
    for i in 0..10 {
        let started = Instant::now();
        let response = app
            .post_json(&app.body_for("app", &format!("auth0|busy-{i}")))
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    // The slow ones are answered 400 once their body deadline passes.
    let mut first = slow.swap_remove(0);
    let answer = tokio::time::timeout(CEILING, read_until_closed(&mut first))
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
}

/// Runs `futures` concurrently and collects their outputs in order.
async fn futures_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

/// A client whose connections come from `local`, a loopback address of its own.
fn client_from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(local.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn one_address_holds_at_most_its_connections_and_others_are_served() {
    let app = TestApp::spawn_with_server_keys("max_connections_per_address = 3\n").await;
    let address = socket_address(&app);
    let local = "127.0.0.2".parse::<std::net::IpAddr>().unwrap();
    let mut held = Vec::new();
    for _ in 0..3 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((local, 0).into()).unwrap();
        held.push(socket.connect(address.parse().unwrap()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A fourth from the same address is closed at once, unanswered.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((local, 0).into()).unwrap();
    let mut fourth = socket.connect(address.parse().unwrap()).await.unwrap();
    let _ = fourth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let seen = tokio::time::timeout(CEILING, read_until_closed(&mut fourth))
        .await
        .unwrap();
    assert!(seen.is_empty(), "{}", String::from_utf8_lossy(&seen));
    // Another address is served, and so is this one once a connection closes.
    let body = app.body_for("app", "auth0|per-address");
    let other = client_from("127.0.0.1")
        .post(format!("{}/delegation", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let again = client_from("127.0.0.2")
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}
