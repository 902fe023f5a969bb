//! Connections are opened before the first request is served. Against an HTTPS STS
//! stand-in (a private CA, trusted through `[outbound] ca_file`), the server has made its
//! one TLS connection by the time it answers, and the first delegation travels on it; with
//! `[state]`, its connection to a real Redis is open too. A Redis that is down delays the
//! start by `state.warm_up_ms` at most.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::*;
use crate::shared_state::app_with_state;
use crate::shared_state::support::{Redis, eventually};
use crate::test_app::TestApp;

const REPLY: &str = include_str!("../../benches/load/sts-reply.xml");

/// An HTTPS STS stand-in for `localhost`: counts TLS handshakes and requests, answers each
/// POST with a fixed AssumeRoleWithSAMLResponse. Returns the CA's PEM, the port, the counts.
async fn tls_sts() -> (String, u16, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(made.signing_key.serialize_der()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (handshakes, requests) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (h, r) = (Arc::clone(&handshakes), Arc::clone(&requests));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, h, r) = (acceptor.clone(), Arc::clone(&h), Arc::clone(&r));
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                h.fetch_add(1, Ordering::SeqCst);
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 8192];
                while let Ok(n) = tls.read(&mut chunk).await {
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    // The server's form POSTs carry Content-Length; one request is whole
                    // once its body is.
                    let text = String::from_utf8_lossy(&buffer).into_owned();
                    let Some(end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let length: usize = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if buffer.len() < end + 4 + length {
                        continue;
                    }
                    buffer.clear();
                    r.fetch_add(1, Ordering::SeqCst);
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
                        REPLY.trim_end().len()
                    );
                    let _ = tls.write_all(head.as_bytes()).await;
                    let _ = tls.write_all(REPLY.trim_end().as_bytes()).await;
                }
            });
        }
    });
    (made.cert.pem(), port, handshakes, requests)
}

#[tokio::test]
async fn the_sts_connection_is_open_before_the_first_request_and_carries_it() {
    let (ca, port, handshakes, requests) = tls_sts().await;
    let issuer = Issuer::start().await;
    let front = StsFront::start().await;
    let endpoint = format!("https://localhost:{port}/");
    let extra = "[outbound]\nca_file = \"sts-ca.pem\"\n";
    let app = TestApp::spawn_custom(
        issuer,
        front,
        extra,
        Some(&endpoint),
        &[("sts-ca.pem", &ca)],
    )
    .await;
    assert_eq!(
        handshakes.load(Ordering::SeqCst),
        1,
        "opened before serving"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 0, "opening sends nothing");

    let response = app.post_json(&app.body_for("app", "auth0|first")).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert_eq!(handshakes.load(Ordering::SeqCst), 1, "no second handshake");
}

/// The commands Redis's clients last ran (`CLIENT LIST`), leaving out the connection this
/// question comes on.
fn redis_clients(redis: &Redis) -> Vec<String> {
    let list = redis.command(&["CLIENT", "LIST"]).unwrap();
    list.lines()
        .filter(|line| line.contains("id=") && !line.contains("cmd=client|list"))
        .map(|line| {
            let cmd = line.split(' ').find_map(|f| f.strip_prefix("cmd="));
            cmd.unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_redis_connection_is_open_before_the_first_request_and_carries_it() {
    let redis = Redis::start().await;
    let app = app_with_state(&redis, "[limits]\nper_user_burst = 5\n", "").await;
    assert_eq!(
        redis_clients(&redis),
        ["ping"],
        "connected and asked before serving"
    );

    let response = app.post_json(&app.body_for("app", "auth0|first")).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let clients = redis_clients(&redis);
    assert_eq!(clients.len(), 1, "no second connection: {clients:?}");
    assert_ne!(clients[0], "ping", "the rate limit went over it");
}

#[tokio::test]
async fn a_redis_that_is_down_delays_the_start_by_the_warm_up_at_most() {
    let logs = crate::logs::captured_logs();
    let mut redis = Redis::start().await;
    redis.kill();
    let started = Instant::now();
    let app = app_with_state(&redis, "", "warm_up_ms = 300").await;
    let took = started.elapsed();
    // It tried for the 300 ms configured, not the 2 s default.
    assert!(
        (Duration::from_millis(300)..Duration::from_millis(1_800)).contains(&took),
        "started after {took:?}"
    );
    let store = format!("127.0.0.1:{}", redis.port);
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logged
            .lines()
            .any(|l| l.contains("could not connect to Redis ahead") && l.contains(&store)),
        "no warning for {store}"
    );
    // Once Redis is back, requests connect to it as after any outage: the first one may
    // still meet the failed attempt (503) and starts the new connection.
    redis.restart().await;
    eventually(
        "a delegation once Redis is back",
        Duration::from_secs(5),
        async || {
            let body = app.body_for("app", "auth0|later");
            app.post_json(&body).await.status() == 200
        },
    )
    .await;
}
