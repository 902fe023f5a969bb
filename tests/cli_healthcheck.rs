//! `healthcheck` (the container image's health probe), `keygen --if-missing` (the compose
//! init step) and the shutdown delay, run as the image runs them: the real binary against a
//! real server.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_delegation-server");

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A configuration that needs nothing outside the machine: keys from `keygen`, and a static
/// JWKS (made from the same key; only its shape matters here).
fn offline_config() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["keygen", "--out", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let pem = std::fs::read(dir.path().join("saml.key")).unwrap();
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap();
    let mut jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&key, jsonwebtoken::Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("k1".into());
    let jwks = serde_json::json!({ "keys": [jwk] }).to_string();
    std::fs::write(dir.path().join("jwks.json"), jwks).unwrap();
    let config = dir.path().join("delegation.toml");
    std::fs::write(
        &config,
        r#"
[server]
listen = "127.0.0.1:8080"
[saml]
issuer = "urn:healthcheck.test"
signing_key = "saml.key"
signing_cert = "saml.crt"
[[issuers]]
issuer = "https://issuer.test/"
keys_file = "jwks.json"
[[clients]]
client_id = "app"
"#,
    )
    .unwrap();
    (dir, config)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn healthcheck(config: &Path, listen: &str) -> Output {
    Command::new(BIN)
        .arg("healthcheck")
        .env("DELEGATION_CONFIG", config)
        .env("DELEGATION_SERVER__LISTEN", listen)
        .output()
        .unwrap()
}

/// The server process, stopped when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(config: &Path, port: u16) -> Server {
    start_server_with(config, port, &[])
}

fn start_server_with(config: &Path, port: u16, env: &[(&str, &str)]) -> Server {
    let child = Command::new(BIN)
        .arg("serve")
        .envs(env.iter().copied())
        .env("DELEGATION_CONFIG", config)
        .env("DELEGATION_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        // Servers of parallel tests must not share the default management port.
        .env("DELEGATION_SERVER__MANAGEMENT_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(address).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

#[test]
fn healthcheck_succeeds_against_a_running_server() {
    let (_dir, config) = offline_config();
    let port = free_port();
    let _server = start_server(&config, port);

    let out = healthcheck(&config, &format!("127.0.0.1:{port}"));

    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("/healthz: ok"), "{}", text(&out));
}

#[test]
fn healthcheck_probes_loopback_when_the_server_listens_on_every_address() {
    let (_dir, config) = offline_config();
    let port = free_port();
    // The server itself stays on loopback; the probe reads the wildcard address the
    // container's configuration would hold.
    let _server = start_server(&config, port);

    let out = healthcheck(&config, &format!("0.0.0.0:{port}"));

    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("127.0.0.1:{port}")));
}

#[test]
fn healthcheck_fails_against_a_closed_port() {
    let (_dir, config) = offline_config();
    let port = free_port();

    let out = healthcheck(&config, &format!("127.0.0.1:{port}"));

    assert!(!out.status.success());
    assert!(
        text(&out).contains(&format!("127.0.0.1:{port}/healthz")),
        "{}",
        text(&out)
    );
}

#[test]
fn healthcheck_fails_when_the_server_is_not_healthy() {
    let (_dir, config) = offline_config();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request).unwrap();
        stream
            .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")
            .unwrap();
        String::from_utf8_lossy(&request).into_owned()
    });

    let out = healthcheck(&config, &format!("127.0.0.1:{port}"));

    assert!(!out.status.success());
    assert!(text(&out).contains("answered 503"), "{}", text(&out));
    assert!(
        answer
            .join()
            .unwrap()
            .starts_with("GET /healthz HTTP/1.1\r\n")
    );
}

#[test]
fn healthcheck_names_a_missing_configuration_file() {
    let out = healthcheck(Path::new("/nonexistent/delegation.toml"), "127.0.0.1:1");
    assert!(!out.status.success());
    assert!(text(&out).contains("/nonexistent/delegation.toml"));
}

#[test]
fn keygen_if_missing_keeps_existing_keys_and_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("keys");
    let keygen = |extra: &[&str]| {
        Command::new(BIN)
            .args(["keygen", "--out", out_dir.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let first = keygen(&["--if-missing"]);
    assert!(first.status.success(), "{}", text(&first));
    let key = std::fs::read(out_dir.join("saml.key")).unwrap();

    let again = keygen(&["--if-missing"]);

    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(std::fs::read(out_dir.join("saml.key")).unwrap(), key);
    assert!(text(&again).contains("keeping"), "{}", text(&again));
}

/// The server's exit status, waited for until `deadline` (failing with `what` after it).
fn exit_within(server: &mut Server, deadline: Instant, what: &str) -> std::process::ExitStatus {
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The status of `GET path` on 127.0.0.1:`port`; `None` when nothing answers.
fn status_of(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    reply.split(' ').nth(1)?.parse().ok()
}

#[test]
fn after_sigterm_readiness_fails_while_requests_are_still_served_for_the_delay() {
    let (_dir, config) = offline_config();
    let port = free_port();
    let delay = [("DELEGATION_SERVER__SHUTDOWN_DELAY_SECONDS", "2")];
    let mut server = start_server_with(&config, port, &delay);
    assert_eq!(status_of(port, "/readyz"), Some(200));

    let pid = server.0.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let signalled = Instant::now();
    let deadline = signalled + Duration::from_secs(1);
    while status_of(port, "/readyz") != Some(503) {
        assert!(Instant::now() < deadline, "/readyz never said 503");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Still serving: a load balancer's requests in the meantime are answered.
    assert_eq!(status_of(port, "/healthz"), Some(200));

    let exit = exit_within(
        &mut server,
        signalled + Duration::from_secs(15),
        "it never stopped",
    );
    assert!(exit.success(), "{exit:?}");
    let stopped_after = signalled.elapsed();
    assert!(stopped_after >= Duration::from_secs(2), "{stopped_after:?}");
    assert_eq!(status_of(port, "/healthz"), None);
}

#[test]
fn a_stop_while_sts_connections_open_is_heard_and_ends_the_process_cleanly() {
    let (_dir, config) = offline_config();
    // An STS endpoint that takes connections and never finishes a TLS handshake: opening
    // the connection ahead would take the whole warm-up.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let sts = silent.local_addr().unwrap().port();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[clients.aws]\nrole = \"arn:aws:iam::123456789012:role/r\"\nprincipal = \"arn:aws:iam::123456789012:saml-provider/p\"\n[sts]\nendpoint = \"https://127.0.0.1:{sts}/\"\nconnect_timeout_ms = 20000\nwarm_up_ms = 20000\n"
    ));
    std::fs::write(&config, text).unwrap();
    let port = free_port();
    let mut server = start_server(&config, port);
    std::thread::sleep(Duration::from_millis(300));

    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let signalled = Instant::now();
    let exit = exit_within(
        &mut server,
        signalled + Duration::from_secs(10),
        "the stop was not heard",
    );
    // Handled (exit 0), not the default action of a signal nobody listens for.
    assert!(exit.success(), "{exit:?}");
    drop(silent);
}
