//! Native TLS: a delegation over HTTPS with a real TLS client, TLS 1.2 and 1.3 only (checked
//! with `openssl s_client`), and certificate files picked up by a reload.

use std::process::Command;

use crate::helpers::*;
use crate::test_app::TestApp;

const TLS: &str = "\n[server.tls]\ncert = \"tls.crt\"\nkey = \"tls.key\"\n";

/// A self-signed certificate for 127.0.0.1, as (certificate PEM, key PEM).
fn certificate() -> (String, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    (made.cert.pem(), made.signing_key.serialize_pem())
}

async fn spawn_tls(cert: &str, key: &str) -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let files = [("tls.crt", cert), ("tls.key", key)];
    TestApp::spawn_full(issuer, sts, "", TLS, None, &files).await
}

fn client_trusting(cert_pem: &str) -> reqwest::Client {
    let cert = reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([cert])
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// Whether `openssl s_client` completes a handshake at `address` with `version`.
fn handshake_with(address: &str, version: &str) -> bool {
    let out = Command::new("openssl")
        .args(["s_client", "-connect", address, version, "-brief"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl is installed");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    text.contains("CONNECTION ESTABLISHED")
}

#[tokio::test]
async fn a_delegation_over_native_tls_returns_credentials() {
    let (cert, key) = certificate();
    let app = spawn_tls(&cert, &key).await;
    assert!(app.address.starts_with("https://"));
    let response = app.post_json(&app.body_for("app", "auth0|tls")).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["Credentials"]["AccessKeyId"].is_string());
    // Plain HTTP to the TLS port gets no answer it could mistake for one.
    let plain = app.address.replace("https://", "http://");
    assert!(reqwest::get(format!("{plain}/healthz")).await.is_err());
}

#[tokio::test]
async fn only_tls_1_2_and_1_3_are_offered() {
    let (cert, key) = certificate();
    let app = spawn_tls(&cert, &key).await;
    let address = app.address.trim_start_matches("https://").to_owned();
    let results = tokio::task::spawn_blocking(move || {
        ["-tls1_3", "-tls1_2", "-tls1_1", "-tls1"].map(|v| handshake_with(&address, v))
    })
    .await
    .unwrap();
    assert_eq!(results, [true, true, false, false]);
}

#[tokio::test]
async fn a_reload_serves_new_certificate_files_to_new_connections() {
    let (old_cert, old_key) = certificate();
    let app = spawn_tls(&old_cert, &old_key).await;
    let url = format!("{}/healthz", app.address);
    assert!(client_trusting(&old_cert).get(&url).send().await.is_ok());

    let (new_cert, new_key) = certificate();
    let dir = app.config_path.parent().unwrap();
    std::fs::write(dir.join("tls.crt"), &new_cert).unwrap();
    std::fs::write(dir.join("tls.key"), &new_key).unwrap();
    app.server.reload().expect("reloads");

    assert!(client_trusting(&new_cert).get(&url).send().await.is_ok());
    assert!(
        client_trusting(&old_cert).get(&url).send().await.is_err(),
        "still the old certificate"
    );

    // A broken key file fails the reload and the running certificate stays.
    std::fs::write(dir.join("tls.key"), "not a key").unwrap();
    assert!(app.server.reload().is_err());
    assert!(client_trusting(&new_cert).get(&url).send().await.is_ok());
}

#[tokio::test]
async fn a_reload_that_removes_tls_is_refused_and_the_port_keeps_speaking_tls() {
    let (cert, key) = certificate();
    let app = spawn_tls(&cert, &key).await;
    let url = format!("{}/healthz", app.address);
    let text = std::fs::read_to_string(&app.config_path).unwrap();
    std::fs::write(&app.config_path, text.replace(TLS, "\n")).unwrap();

    let error = app
        .server
        .reload()
        .expect_err("a reload dropping TLS is refused");
    assert!(error.to_string().contains("[server.tls]"), "{error}");
    assert!(
        app.server.app().tls.is_some(),
        "the running TLS settings stay"
    );
    assert!(client_trusting(&cert).get(&url).send().await.is_ok());
    let plain = app.address.replace("https://", "http://");
    assert!(
        reqwest::get(format!("{plain}/healthz")).await.is_err(),
        "the TLS port answered plain HTTP after the reload"
    );
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains("config_reloads_total{result=\"error\"} 1"),
        "{metrics}"
    );
}
