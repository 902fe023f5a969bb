//! The real server on port 0, configured through a TOML file in a temporary directory.

use std::sync::Arc;

use delegation_server::app::SystemClock;
use delegation_server::server::Server;
use delegation_server::startup::Listeners;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::saml_verify::{verify_like_aws, verify_with_xmlsec1};

pub struct TestApp {
    pub address: String,
    /// The metrics listener's address, when `server.metrics_listen` is set.
    /// The management listener (`/metrics`, explain), when it is bound.
    pub management_address: Option<String>,
    pub server: Arc<Server>,
    /// The configuration file, for tests that rewrite it and reload.
    pub config_path: std::path::PathBuf,
    pub http: reqwest::Client,
    pub issuer: Issuer,
    pub sts: StsFront,
    _dir: tempfile::TempDir,
    /// The signing certificate as published at `/samlp/metadata`.
    pub cert_pem: String,
    /// SAML issuers besides `SAML_ISSUER` that this test's clients use.
    pub other_saml_issuers: Vec<String>,
}

/// Every SAML Response a test made the server send is checked by both verifiers when the
/// test ends, not only the ones a test looks at.
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        for xml in self.sts.all_saml_responses() {
            if let Err(e) = verify_with_xmlsec1(&xml, &self.cert_pem) {
                panic!("xmlsec1 rejected a Response the server sent: {e}");
            }
            let issuer = response_issuer(&xml);
            if issuer != SAML_ISSUER && !self.other_saml_issuers.contains(&issuer) {
                panic!("a Response names issuer {issuer}, which no client of the test uses");
            }
            if let Err(e) = verify_like_aws(&xml, &self.cert_pem, &issuer, AWS_SAML, AWS_SAML) {
                panic!("the SP library rejected a Response the server sent: {e}");
            }
        }
    }
}

/// The text of the Response's first `Issuer` element.
pub fn response_issuer(xml: &str) -> String {
    let start = xml.find("Issuer>").map_or(0, |i| i + "Issuer>".len());
    let end = start + xml[start..].find('<').unwrap_or(0);
    xml[start..end].to_owned()
}

/// The configuration every test starts from; `{sts}`, `{issuer}`, `{jwks}` are filled in.
const BASE_CONFIG: &str = r#"
[server]
listen = "127.0.0.1:0"
management_listen = "127.0.0.1:0"
request_timeout_ms = 4000
cors_origins = []

[saml]
issuer = "urn:delegation.test"
signing_key = "saml.key"
signing_cert = "saml.crt"
lifetime_seconds = 120

[sts]
endpoint = "{sts}"
timeout_ms = 800
connect_timeout_ms = 300
retries = 2

[[issuers]]
issuer = "{issuer}"
jwks_uri = "{jwks}"
algorithms = ["RS256", "HS256"]
jwks_min_refresh_seconds = {min_refresh}

[[clients]]
client_id = "app"
issuer = "{issuer}"
cors_origins = ["https://app.example.com"]
[clients.aws]
role = "arn:aws:iam::123456789012:role/auth0-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"

[[clients]]
client_id = "reports"
issuer = "{issuer}"
allowed_callers = ["app"]
[clients.aws]
role = "arn:aws:iam::123456789012:role/reports-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
lifetime_in_seconds = 900
allow_request_roles = [
  { role = "arn:aws:iam::123456789012:role/chosen-role", principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider" },
]

[[clients]]
client_id = "closed"
issuer = "{issuer}"
[clients.aws]
role = "arn:aws:iam::123456789012:role/closed-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"

[[clients]]
client_id = "legacy"
issuer = "{issuer}"
client_secret = "{secret}"
[clients.aws]
role = "arn:aws:iam::123456789012:role/legacy-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"

[[clients]]
client_id = "no-aws"
issuer = "{issuer}"
"#;

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with("").await
    }

    /// Starts the server with `extra` TOML appended to the base configuration.
    pub async fn spawn_with(extra: &str) -> Self {
        let issuer = Issuer::start().await;
        let sts = StsFront::start().await;
        Self::spawn_custom(issuer, sts, extra, None, &[]).await
    }

    /// Starts the server with these files written beside its configuration (rule files).
    pub async fn spawn_with_files(extra: &str, files: &[(&str, &str)]) -> Self {
        let issuer = Issuer::start().await;
        let sts = StsFront::start().await;
        Self::spawn_custom(issuer, sts, extra, None, files).await
    }

    /// Starts the server with `keys` added to its `[server]` section.
    pub async fn spawn_with_server_keys(keys: &str) -> Self {
        let issuer = Issuer::start().await;
        let sts = StsFront::start().await;
        Self::spawn_full(issuer, sts, keys, "", None, &[]).await
    }

    /// Full control: the STS endpoint may be replaced (e.g. by a closed port).
    pub async fn spawn_custom(
        issuer: Issuer,
        sts: StsFront,
        extra: &str,
        sts_endpoint: Option<&str>,
        files: &[(&str, &str)],
    ) -> Self {
        Self::spawn_full(issuer, sts, "", extra, sts_endpoint, files).await
    }

    /// As `spawn_custom`, with `server_keys` added to the `[server]` section.
    pub async fn spawn_full(
        issuer: Issuer,
        sts: StsFront,
        server_keys: &str,
        extra: &str,
        sts_endpoint: Option<&str>,
        files: &[(&str, &str)],
    ) -> Self {
        Self::spawn_refreshing(issuer, sts, server_keys, extra, sts_endpoint, files, 1).await
    }

    /// As `spawn_full`, with the issuer's `jwks_min_refresh_seconds` chosen.
    pub async fn spawn_refreshing(
        issuer: Issuer,
        sts: StsFront,
        server_keys: &str,
        extra: &str,
        sts_endpoint: Option<&str>,
        files: &[(&str, &str)],
        min_refresh_seconds: u64,
    ) -> Self {
        crate::logs::captured_logs();
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = saml_key_pem();
        std::fs::write(dir.path().join("saml.key"), key).unwrap();
        std::fs::write(dir.path().join("saml.crt"), cert).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let config = BASE_CONFIG
            .replacen("[server]\n", &format!("[server]\n{server_keys}"), 1)
            .replace("{sts}", sts_endpoint.unwrap_or(&sts.url))
            .replace("{issuer}", &issuer.issuer)
            .replace("{jwks}", &issuer.jwks_uri())
            .replace("{secret}", HS_SECRET)
            .replace("{min_refresh}", &min_refresh_seconds.to_string())
            + extra;
        let path = dir.path().join("delegation.toml");
        std::fs::write(&path, config).unwrap();
        let settings = delegation_server::config::load(&path).unwrap();
        let server = Server::build(settings, Some(path.clone()), Arc::new(SystemClock)).unwrap();
        let listeners = Listeners::bind(&server).await.unwrap();
        let scheme = if server.app().tls.is_some() {
            "https"
        } else {
            "http"
        };
        let address = format!("{scheme}://{}", listeners.main.local_addr().unwrap());
        let management_address = listeners
            .management
            .as_ref()
            .map(|l| format!("http://{}", l.local_addr().unwrap()));
        tokio::spawn(delegation_server::startup::serve(
            listeners,
            Arc::clone(&server),
            std::future::pending(),
        ));
        // A test serving HTTPS passes its certificate as `tls.crt`; the client trusts it.
        let mut http = reqwest::Client::builder().user_agent("delegation-tests/1.0");
        if let Some((_, pem)) = files.iter().find(|(name, _)| *name == "tls.crt") {
            let cert = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
            http = http.tls_certs_only([cert]);
        }
        let mut app = Self {
            address,
            management_address,
            server,
            config_path: path,
            http: http.build().unwrap(),
            issuer,
            sts,
            _dir: dir,
            cert_pem: String::new(),
            other_saml_issuers: Vec::new(),
        };
        app.cert_pem = app.published_cert_pem().await;
        app
    }

    /// The seed's request body for `client_id` with a valid token for `sub`.
    pub fn body_for(&self, client_id: &str, sub: &str) -> Value {
        json!({
            "client_id": client_id,
            "grant_type": JWT_BEARER,
            "id_token": self.issuer.token(sub, client_id),
            "target": client_id,
            "api_type": "aws",
        })
    }

    pub async fn post_json(&self, body: &Value) -> reqwest::Response {
        self.post_raw(Some("application/json"), body.to_string())
            .await
    }

    pub async fn post_raw(&self, content_type: Option<&str>, body: String) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/delegation", self.address))
            .body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// The management listener's base URL.
    pub fn management(&self) -> &str {
        self.management_address
            .as_deref()
            .expect("the management listener is bound")
    }

    /// The Prometheus exposition, from the management listener.
    pub async fn metrics_text(&self) -> String {
        let response = self
            .http
            .get(format!("{}/metrics", self.management()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET /metrics");
        response.text().await.unwrap()
    }

    /// Checks the last SAML Response sent to STS with both verifiers; returns the SP's view.
    pub fn verified_response(&self) -> Value {
        let xml = self.sts.last_saml_response();
        verify_with_xmlsec1(&xml, &self.cert_pem).expect("xmlsec1 rejected the Response");
        verify_like_aws(&xml, &self.cert_pem, SAML_ISSUER, AWS_SAML, AWS_SAML)
            .expect("SP rejected the Response")
    }

    /// The signing certificate as published in the metadata, as PEM.
    pub async fn published_cert_pem(&self) -> String {
        let xml = self.get("/samlp/metadata").await.text().await.unwrap();
        let start = xml.find("X509Certificate>").unwrap() + "X509Certificate>".len();
        let end = start + xml[start..].find('<').unwrap();
        let b64: String = xml[start..end].split_whitespace().collect();
        format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
    }
}

/// Asserts the status and `error` code of an error response and returns its description.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "errors must not be cached"
    );
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["error"], code, "body: {body}");
    let description = body["error_description"].as_str().unwrap().to_owned();
    assert!(!description.is_empty());
    description
}
