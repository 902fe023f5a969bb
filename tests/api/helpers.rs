//! Test harness: a local OIDC issuer, a recording STS front for moto (with fault modes), and
//! the real server on port 0 configured through a real TOML file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk};
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const ROLE: &str = "arn:aws:iam::123456789012:role/auth0-role";
pub const PRINCIPAL: &str = "arn:aws:iam::123456789012:saml-provider/auth0-provider";
pub const SAML_ISSUER: &str = "urn:delegation.test";
pub const HS_SECRET: &str = "legacy-client-shared-secret-0123456789abcdef";
pub const AWS_SAML: &str = "https://signin.aws.amazon.com/saml";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// One RSA key pair per test binary: generation is slow and the tests only need distinct
/// roles for the issuer and the SAML signer.
type KeyAndCert = (String, String);

fn keys() -> &'static (KeyAndCert, KeyAndCert, KeyAndCert) {
    static KEYS: OnceLock<(KeyAndCert, KeyAndCert, KeyAndCert)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let gen_key = || delegation_server::saml::generate_key_and_certificate("test").unwrap();
        (gen_key(), gen_key(), gen_key())
    })
}

pub fn saml_key_pem() -> &'static (String, String) {
    &keys().0
}

pub async fn serve_on_port_0(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// A local OIDC issuer serving its JWKS over HTTP.
pub struct Issuer {
    pub issuer: String,
    pub kid: String,
    key: EncodingKey,
    /// A second key the JWKS does not publish, for wrong-signature tests.
    pub rogue_key: EncodingKey,
    pub public_pem: String,
}

/// The JWKS server of an issuer that is down: its port refuses connections until
/// [`DownIssuer::come_up`].
pub struct DownIssuer {
    port: u16,
    router: Router,
}

impl DownIssuer {
    pub async fn come_up(self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        tokio::spawn(async move { axum::serve(listener, self.router).await.unwrap() });
    }
}

impl Issuer {
    pub async fn start() -> Self {
        let (issuer, jwks) = Self::down().await;
        jwks.come_up().await;
        issuer
    }

    /// An issuer whose JWKS endpoint is down until the returned handle brings it up.
    pub async fn down() -> (Self, DownIssuer) {
        let (issuer, router) = Self::build().await;
        let port: u16 = issuer
            .issuer
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .parse()
            .unwrap();
        (issuer, DownIssuer { port, router })
    }

    /// The issuer, on a port reserved for it (free, for now), and its JWKS router.
    async fn build() -> (Self, Router) {
        let (issuer_key, issuer_cert) = &keys().1;
        let key = EncodingKey::from_rsa_pem(issuer_key.as_bytes()).unwrap();
        let rogue_key = EncodingKey::from_rsa_pem(keys().2.0.as_bytes()).unwrap();
        let kid = "test-key-1".to_owned();
        let mut public = jwk::Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(jwk::PublicKeyUse::Signature);
        let public_pem = public_key_pem(issuer_cert);
        let jwks = json!({ "keys": [public] });
        let router = Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
        let reserved = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", reserved.local_addr().unwrap());
        drop(reserved);
        let issuer = Self {
            issuer: format!("{base}/"),
            kid,
            key,
            rogue_key,
            public_pem,
        };
        (issuer, router)
    }

    pub fn jwks_uri(&self) -> String {
        format!("{}.well-known/jwks.json", self.issuer)
    }

    /// Standard claims for `sub`, valid now, for audience `aud`; `extra` is merged in.
    pub fn claims(&self, sub: &str, aud: &str, extra: Value) -> Value {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut claims = json!({
            "iss": self.issuer, "sub": sub, "aud": aud,
            "iat": now, "exp": now + 600,
            "name": "Jane Doe", "nickname": "jane", "email": "jane@example.com",
        });
        if let (Some(base), Value::Object(more)) = (claims.as_object_mut(), extra) {
            base.extend(more);
        }
        claims
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }

    /// Signs `claims` with the issuer's real key (RS256) under a header written by the
    /// caller, for headers jsonwebtoken cannot express (`crit`, odd `typ`, extra members).
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        self.sign_raw(&header.to_string(), &claims.to_string())
    }

    /// Signs header and claims given as JSON text (which may name a member twice).
    pub fn sign_raw(&self, header: &str, claims: &str) -> String {
        let b64 = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
        let input = format!("{}.{}", b64(header), b64(claims));
        let signature =
            jsonwebtoken::crypto::sign(input.as_bytes(), &self.key, Algorithm::RS256).unwrap();
        format!("{input}.{signature}")
    }

    pub fn token(&self, sub: &str, aud: &str) -> String {
        self.sign(&self.claims(sub, aud, json!({})))
    }
}

/// The issuer's public key as PEM: the classic HS256 confusion attack uses this text, which
/// anyone can fetch, as the HMAC secret.
fn public_key_pem(cert_pem: &str) -> String {
    use x509_parser::prelude::FromDer;
    let der = pem::parse(cert_pem).unwrap();
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der.contents()).unwrap();
    let spki = cert.tbs_certificate.subject_pki.raw.to_vec();
    pem::encode(&pem::Pem::new("PUBLIC KEY", spki))
}

/// What the fake STS front does with the next requests.
#[derive(Clone)]
pub enum StsMode {
    /// Forward to moto and relay its answer.
    Forward,
    /// Answer with this status and body.
    Reply(u16, String),
    /// Never answer.
    Hang,
    /// Wait this long, then forward to moto.
    Delay(std::time::Duration),
}

#[derive(Default)]
pub struct StsLog {
    pub forms: Vec<HashMap<String, String>>,
}

#[derive(Clone)]
struct StubState {
    moto: String,
    mode: Arc<Mutex<StsMode>>,
    log: Arc<Mutex<StsLog>>,
    http: reqwest::Client,
}

/// Sits in front of moto's STS: records every request and can inject faults.
pub struct StsFront {
    pub url: String,
    mode: Arc<Mutex<StsMode>>,
    log: Arc<Mutex<StsLog>>,
}

impl StsFront {
    pub async fn start() -> Self {
        let state = StubState {
            moto: moto_endpoint(),
            mode: Arc::new(Mutex::new(StsMode::Forward)),
            log: Arc::new(Mutex::new(StsLog::default())),
            http: reqwest::Client::new(),
        };
        let (mode, log) = (state.mode.clone(), state.log.clone());
        let router = Router::new().route("/", post(sts_front)).with_state(state);
        Self {
            url: serve_on_port_0(router).await + "/",
            mode,
            log,
        }
    }

    pub fn set_mode(&self, mode: StsMode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn attempts(&self) -> usize {
        self.log.lock().unwrap().forms.len()
    }

    /// The SAML Response XML of the last request.
    pub fn last_saml_response(&self) -> String {
        let log = self.log.lock().unwrap();
        let form = log.forms.last().expect("STS was not called");
        let b64 = &form["SAMLAssertion"];
        let xml = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        String::from_utf8(xml).unwrap()
    }

    /// Every SAML Response sent to STS so far.
    pub fn all_saml_responses(&self) -> Vec<String> {
        let log = self.log.lock().unwrap();
        log.forms
            .iter()
            .filter_map(|form| form.get("SAMLAssertion"))
            .map(|b64| {
                let xml = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap();
                String::from_utf8(xml).unwrap()
            })
            .collect()
    }

    pub fn last_form(&self) -> HashMap<String, String> {
        self.log
            .lock()
            .unwrap()
            .forms
            .last()
            .cloned()
            .expect("STS was not called")
    }
}

async fn sts_front(
    State(s): State<StubState>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    s.log.lock().unwrap().forms.push(form);
    let mode = s.mode.lock().unwrap().clone();
    if let StsMode::Delay(pause) = mode {
        tokio::time::sleep(pause).await;
    }
    match mode {
        StsMode::Forward | StsMode::Delay(_) => {
            let reply = s
                .http
                .post(&s.moto)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = axum::http::StatusCode::from_u16(reply.status().as_u16()).unwrap();
            (status, reply.text().await.unwrap()).into_response()
        }
        StsMode::Reply(status, text) => {
            let status = axum::http::StatusCode::from_u16(status).unwrap();
            (status, [("content-type", "text/xml")], text).into_response()
        }
        StsMode::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            axum::http::StatusCode::OK.into_response()
        }
    }
}

/// moto's server, started by `scripts/test` (see README).
pub fn moto_endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").unwrap_or_else(|_| {
        panic!("MOTO_ENDPOINT is not set: run the suite with scripts/test, which starts moto")
    })
}
