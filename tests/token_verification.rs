//! id_token verification against a real local JWKS server.
//!
//! Keys are generated at test time with aws-lc-rs; tokens are minted with jsonwebtoken;
//! the JWKS is served by axum on 127.0.0.1 port 0, which counts its fetches.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use delegation_server::token::{
    Check, Claims, Expected, IssuerConfig, KeySource, TokenError, TokenVerifier,
};
use jsonwebtoken::crypto::sign;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const ISSUER: &str = "https://tenant.example.auth0.com/";
const CLIENT: &str = "client-abc";
const MAX_TOKEN: usize = 16 * 1024;
const LONG: Duration = Duration::from_secs(3600);

// ---------- keys ----------

struct TestKey {
    kid: String,
    alg: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
    /// SubjectPublicKeyInfo PEM, the bytes the HS256 confusion attack uses as a secret.
    public_pem: String,
}

/// Three RSA key pairs (private PEM, public PEM), generated once per test binary.
fn rsa_material(index: usize) -> &'static (String, String) {
    static KEYS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    &KEYS.get_or_init(|| {
        (0..3)
            .map(|_| {
                let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("generate RSA key");
                let pkcs8 =
                    AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).expect("PKCS#8");
                let spki: PublicKeyX509Der = pair.public_key().as_der().expect("SPKI");
                (
                    pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.as_ref())),
                    pem::encode(&pem::Pem::new("PUBLIC KEY", spki.as_ref())),
                )
            })
            .collect()
    })[index]
}

fn rsa_key(index: usize, kid: &str) -> TestKey {
    let (private_pem, public_pem) = rsa_material(index);
    let encoding = EncodingKey::from_rsa_pem(private_pem.as_bytes()).expect("RSA encoding key");
    test_key(encoding, Algorithm::RS256, kid, public_pem.clone())
}

fn ec_key(kid: &str) -> TestKey {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC key");
    let pkcs8 = pair.to_pkcs8v1().expect("PKCS#8");
    let encoding = EncodingKey::from_ec_der(pkcs8.as_ref());
    test_key(encoding, Algorithm::ES256, kid, String::new())
}

fn test_key(encoding: EncodingKey, alg: Algorithm, kid: &str, public_pem: String) -> TestKey {
    let jwk = Jwk::from_encoding_key(&encoding, alg).expect("JWK");
    let mut jwk = serde_json::to_value(jwk).expect("JWK JSON");
    jwk["kid"] = json!(kid);
    jwk["use"] = json!("sig");
    TestKey {
        kid: kid.to_owned(),
        alg,
        encoding,
        jwk,
        public_pem,
    }
}

fn jwks(keys: &[&TestKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
}

// ---------- tokens ----------

fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    i64::try_from(secs).expect("time fits i64")
}

fn claims() -> Value {
    let now = now();
    json!({ "iss": ISSUER, "aud": CLIENT, "sub": "auth0|123", "iat": now, "exp": now + 600 })
}

/// `claims()` with fields replaced; a `null` removes the field.
fn claims_with(patch: Value) -> Value {
    let mut base = claims();
    for (name, value) in patch.as_object().expect("patch object") {
        match value {
            Value::Null => base.as_object_mut().expect("object").remove(name),
            v => base
                .as_object_mut()
                .expect("object")
                .insert(name.clone(), v.clone()),
        };
    }
    base
}

fn mint(key: &TestKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    encode(&header, claims, &key.encoding).expect("mint")
}

fn hs_token(secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_secret(secret)).expect("mint HS256")
}

/// A token assembled by hand, for headers jsonwebtoken will not produce.
fn raw_token(header: &Value, claims: &Value, signature: &str) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.{signature}", part(header), part(claims))
}

/// A token whose header and claims are given as JSON text (so a member may repeat), signed
/// with `alg` over exactly the parts it carries.
fn signed_text(header: &str, claims: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = sign(input.as_bytes(), key, alg).expect("sign");
    format!("{input}.{signature}")
}

fn expected() -> Expected<'static> {
    Expected {
        issuer: ISSUER,
        client_id: CLIENT,
        client_secret: None,
    }
}

// ---------- the JWKS server ----------

struct JwksServer {
    uri: url::Url,
    state: Arc<ServerState>,
}

struct ServerState {
    jwks: Mutex<String>,
    cache_control: Mutex<Option<String>>,
    status: Mutex<StatusCode>,
    /// How long the server takes to answer, to make concurrent requests overlap.
    delay: Mutex<Duration>,
    fetches: AtomicUsize,
    other_requests: AtomicUsize,
}

impl JwksServer {
    async fn start(jwks: Value) -> Self {
        let state = Arc::new(ServerState {
            jwks: Mutex::new(jwks.to_string()),
            cache_control: Mutex::new(None),
            status: Mutex::new(StatusCode::OK),
            delay: Mutex::new(Duration::ZERO),
            fetches: AtomicUsize::new(0),
            other_requests: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/.well-known/jwks.json", get(serve_jwks))
            .fallback(count_other)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        let uri = format!("http://{addr}/.well-known/jwks.json")
            .parse()
            .expect("url");
        Self { uri, state }
    }

    fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }

    fn set_jwks(&self, jwks: String) {
        *self.state.jwks.lock().expect("lock") = jwks;
    }

    fn set_cache_control(&self, value: &str) {
        *self.state.cache_control.lock().expect("lock") = Some(value.to_owned());
    }

    fn set_delay(&self, delay: Duration) {
        *self.state.delay.lock().expect("lock") = delay;
    }

    fn set_status(&self, status: StatusCode) {
        *self.state.status.lock().expect("lock") = status;
    }

    fn issuer(&self, min_refresh: Duration, default_ttl: Duration) -> IssuerConfig {
        IssuerConfig {
            issuer: ISSUER.to_owned(),
            keys: KeySource::Jwks {
                uri: self.uri.clone(),
                min_refresh,
                default_ttl,
            },
            algorithms: vec![Algorithm::RS256],
            leeway_seconds: 60,
        }
    }

    /// RS256 only, refetch at most once a minute, fresh for an hour.
    fn verifier(&self) -> TokenVerifier {
        verifier(vec![self.issuer(Duration::from_secs(60), LONG)])
    }
}

async fn serve_jwks(State(state): State<Arc<ServerState>>) -> Response {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    let delay = *state.delay.lock().expect("lock");
    tokio::time::sleep(delay).await;
    let status = *state.status.lock().expect("lock");
    let body = state.jwks.lock().expect("lock").clone();
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(value) = state.cache_control.lock().expect("lock").as_deref() {
        let value = HeaderValue::from_str(value).expect("header value");
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

async fn count_other(State(state): State<Arc<ServerState>>) -> StatusCode {
    state.other_requests.fetch_add(1, Ordering::SeqCst);
    StatusCode::NOT_FOUND
}

fn verifier(issuers: Vec<IssuerConfig>) -> TokenVerifier {
    TokenVerifier::new(issuers, reqwest::Client::new(), MAX_TOKEN)
}

async fn verify(verifier: &TokenVerifier, token: &str) -> Result<Claims, TokenError> {
    verifier.verify(token, &expected(), now()).await
}

// ---------- accepted tokens ----------

#[tokio::test]
async fn a_valid_token_is_accepted_and_its_claims_returned() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();

    let result = verify(
        &verifier,
        &mint(&key, &claims_with(json!({"email": "j@x.io"}))),
    )
    .await;

    let verified = result.expect("valid token");
    assert_eq!(verified["sub"], "auth0|123");
    assert_eq!(verified["email"], "j@x.io");
    assert_eq!(server.fetches(), 1);
    // A second token is checked from the cache.
    verify(&verifier, &mint(&key, &claims()))
        .await
        .expect("valid token");
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn an_es256_token_is_accepted_when_the_issuer_allows_es256() {
    let ec = ec_key("ec-1");
    let server = JwksServer::start(jwks(&[&ec])).await;
    let mut issuer = server.issuer(Duration::from_secs(60), LONG);
    issuer.algorithms = vec![Algorithm::RS256, Algorithm::ES256];
    let verifier = verifier(vec![issuer]);

    let result = verify(&verifier, &mint(&ec, &claims())).await;

    assert!(result.is_ok(), "{result:?}");
    assert!(matches!(
        verify(&server.verifier(), &mint(&ec, &claims())).await,
        Err(TokenError::AlgorithmNotAllowed(_))
    ));
}

#[tokio::test]
async fn static_keys_work_without_any_http() {
    let key = rsa_key(0, "key-a");
    let set: JwkSet = serde_json::from_value(jwks(&[&key])).expect("JWKS");
    let issuer = IssuerConfig {
        issuer: ISSUER.to_owned(),
        keys: KeySource::Static(set),
        algorithms: vec![Algorithm::RS256],
        leeway_seconds: 60,
    };
    // A client that could not reach anything: proxies to a closed port.
    let offline = reqwest::Client::builder()
        .proxy(reqwest::Proxy::all("http://127.0.0.1:9").expect("proxy"))
        .build()
        .expect("client");
    let verifier = TokenVerifier::new(vec![issuer], offline, MAX_TOKEN);

    assert_eq!(verifier.refresh_all().await, Ok(()));
    assert!(verify(&verifier, &mint(&key, &claims())).await.is_ok());
    let other = rsa_key(1, "key-b");
    assert!(matches!(
        verify(&verifier, &mint(&other, &claims())).await,
        Err(TokenError::UnknownKey(_))
    ));
}

#[tokio::test]
async fn static_key_set_without_usable_keys_fails_readiness() {
    let issuer = IssuerConfig {
        issuer: ISSUER.to_owned(),
        keys: KeySource::Static(JwkSet { keys: vec![] }),
        algorithms: vec![Algorithm::RS256],
        leeway_seconds: 60,
    };
    let result = verifier(vec![issuer]).refresh_all().await;
    assert!(
        matches!(&result, Err(TokenError::KeysUnavailable { issuer, .. }) if issuer == ISSUER),
        "{result:?}"
    );
}

// ---------- time ----------

#[tokio::test]
async fn an_expired_token_is_rejected_beyond_the_leeway() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();

    let expired = mint(&key, &claims_with(json!({"exp": now() - 120})));
    let within_leeway = mint(&key, &claims_with(json!({"exp": now() - 30})));

    assert_eq!(verify(&verifier, &expired).await, Err(TokenError::Expired));
    assert!(verify(&verifier, &within_leeway).await.is_ok());
}

#[tokio::test]
async fn the_callers_clock_decides_not_the_system_clock() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();
    let token = mint(&key, &claims());

    let tomorrow = verifier.verify(&token, &expected(), now() + 86_400).await;
    let last_year = verifier
        .verify(&token, &expected(), now() - 365 * 86_400)
        .await;

    assert_eq!(tomorrow, Err(TokenError::Expired));
    assert_eq!(last_year, Err(TokenError::IssuedInFuture));
}

#[tokio::test]
async fn a_token_not_yet_valid_is_rejected() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;

    let token = mint(&key, &claims_with(json!({"nbf": now() + 600})));

    assert_eq!(
        verify(&server.verifier(), &token).await,
        Err(TokenError::NotYetValid)
    );
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_rejected() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;

    let token = mint(&key, &claims_with(json!({"iat": now() + 600})));

    assert_eq!(
        verify(&server.verifier(), &token).await,
        Err(TokenError::IssuedInFuture)
    );
}

// ---------- signatures and algorithms ----------

#[tokio::test]
async fn a_token_signed_by_another_key_with_the_same_kid_is_rejected() {
    let key = rsa_key(0, "key-a");
    let impostor = rsa_key(1, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;

    let token = mint(&impostor, &claims());

    assert_eq!(
        verify(&server.verifier(), &token).await,
        Err(TokenError::Signature)
    );
}

#[tokio::test]
async fn a_tampered_payload_is_rejected() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let token = mint(&key, &claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(claims_with(json!({"sub": "admin"})).to_string());

    let result = verify(
        &server.verifier(),
        &format!("{}.{forged}.{}", parts[0], parts[2]),
    )
    .await;

    assert_eq!(result, Err(TokenError::Signature));
}

#[tokio::test]
async fn unsigned_none_tokens_are_never_accepted() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();

    for alg in ["none", "None", "NONE"] {
        for signature in ["", "c2ln"] {
            let header = json!({"alg": alg, "typ": "JWT", "kid": "key-a"});
            let result = verify(&verifier, &raw_token(&header, &claims(), signature)).await;
            assert!(
                matches!(result, Err(TokenError::AlgorithmNotAllowed(_))),
                "{alg}/{signature}: {result:?}"
            );
        }
    }
    assert_eq!(server.fetches(), 0);
}

#[tokio::test]
async fn hs256_signed_with_the_issuers_public_key_is_rejected() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let pem = key.public_pem.as_bytes();
    let forged = hs_token(pem, Some("key-a"), &claims());
    let forged_jwk = hs_token(key.jwk.to_string().as_bytes(), Some("key-a"), &claims());

    // The issuer allows only RS256.
    let rs_only = server.verifier();
    assert!(matches!(
        verify(&rs_only, &forged).await,
        Err(TokenError::AlgorithmNotAllowed(_))
    ));
    assert!(matches!(
        verify(&rs_only, &forged_jwk).await,
        Err(TokenError::AlgorithmNotAllowed(_))
    ));

    // Even when HS256 is allowed: no client secret means no HMAC at all ...
    let mut issuer = server.issuer(Duration::from_secs(60), LONG);
    issuer.algorithms = vec![Algorithm::RS256, Algorithm::HS256];
    let with_hs = verifier(vec![issuer]);
    assert!(matches!(
        verify(&with_hs, &forged).await,
        Err(TokenError::AlgorithmNotAllowed(_))
    ));

    // ... and with one, only the client's secret is used, never the public key.
    let own = Expected {
        client_secret: Some(b"the client's own secret, 32+ bytes long"),
        ..expected()
    };
    assert_eq!(
        with_hs.verify(&forged, &own, now()).await,
        Err(TokenError::Signature)
    );
    assert_eq!(
        with_hs.verify(&forged_jwk, &own, now()).await,
        Err(TokenError::Signature)
    );
    // The HMAC path never even looked at the published keys.
    assert_eq!(server.fetches(), 0);
}

#[tokio::test]
async fn hs256_with_the_clients_own_secret_is_accepted_only_when_allowed() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let secret: &[u8] = b"legacy-auth0-client-secret-0123456789";
    let token = hs_token(secret, None, &claims());
    let own = Expected {
        client_secret: Some(secret),
        ..expected()
    };
    let mut issuer = server.issuer(Duration::from_secs(60), LONG);
    issuer.algorithms = vec![Algorithm::RS256, Algorithm::HS256];
    let allowed = verifier(vec![issuer]);

    let accepted = allowed.verify(&token, &own, now()).await;
    let issuer_refuses = server.verifier().verify(&token, &own, now()).await;
    let no_secret = allowed.verify(&token, &expected(), now()).await;
    let empty_secret = Expected {
        client_secret: Some(b""),
        ..expected()
    };
    let empty = allowed.verify(&token, &empty_secret, now()).await;

    assert_eq!(accepted.expect("HS256 with own secret")["sub"], "auth0|123");
    assert!(matches!(
        issuer_refuses,
        Err(TokenError::AlgorithmNotAllowed(_))
    ));
    assert!(matches!(no_secret, Err(TokenError::AlgorithmNotAllowed(_))));
    assert!(matches!(empty, Err(TokenError::AlgorithmNotAllowed(_))));
}

#[tokio::test]
async fn a_key_of_another_family_or_use_is_not_used() {
    let key = rsa_key(0, "key-a");
    let ec = ec_key("ec-1");
    let mut enc = rsa_key(1, "enc-1");
    enc.jwk["use"] = json!("enc");
    let mut rs512 = rsa_key(2, "rs512-only");
    rs512.jwk["alg"] = json!("RS512");
    let server = JwksServer::start(jwks(&[&key, &ec, &enc, &rs512])).await;
    let verifier = server.verifier();

    // RS256 tokens whose kid names an EC key, an encryption key, an RS512-only key.
    let as_ec = rsa_key(0, "ec-1");
    for token in [
        mint(&as_ec, &claims()),
        mint(&enc, &claims()),
        mint(&rs512, &claims()),
    ] {
        let result = verify(&verifier, &token).await;
        assert!(
            matches!(result, Err(TokenError::AlgorithmNotAllowed(_))),
            "{result:?}"
        );
    }
    assert_eq!(
        server.fetches(),
        1,
        "a known kid does not trigger a refetch"
    );
}

#[tokio::test]
async fn key_pointing_headers_are_never_followed_or_used() {
    let key = rsa_key(0, "key-a");
    let attacker = rsa_key(1, "attacker");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();
    let evil = server.uri.join("/evil/jwks.json").expect("url").to_string();

    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("attacker".into());
    header.jku = Some(evil.clone());
    header.x5u = Some(evil);
    header.jwk = Some(serde_json::from_value(attacker.jwk.clone()).expect("jwk"));
    let own_kid = encode(&header, &claims(), &attacker.encoding).expect("mint");
    header.kid = Some("key-a".into());
    let real_kid = encode(&header, &claims(), &attacker.encoding).expect("mint");

    assert!(matches!(
        verify(&verifier, &own_kid).await,
        Err(TokenError::UnknownKey(_))
    ));
    assert_eq!(
        verify(&verifier, &real_kid).await,
        Err(TokenError::Signature)
    );
    assert_eq!(server.state.other_requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_token_without_kid_needs_exactly_one_usable_key() {
    let key = rsa_key(0, "key-a");
    let other = rsa_key(1, "key-b");
    let mut token_header = Header::new(Algorithm::RS256);
    token_header.kid = None;
    let token = encode(&token_header, &claims(), &key.encoding).expect("mint");

    let one = JwksServer::start(jwks(&[&key])).await;
    let two = JwksServer::start(jwks(&[&key, &other])).await;

    assert!(verify(&one.verifier(), &token).await.is_ok());
    assert!(matches!(
        verify(&two.verifier(), &token).await,
        Err(TokenError::UnknownKey(_))
    ));
}

// ---------- key lookup, refetch, rotation ----------

/// Refetch interval short enough to wait out in a test.
const SHORT: Duration = Duration::from_millis(300);

#[tokio::test]
async fn an_unknown_kid_triggers_one_refetch_then_unknown_key() {
    let key = rsa_key(0, "key-a");
    let stranger = rsa_key(1, "no-such-kid");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = verifier(vec![server.issuer(SHORT, LONG)]);
    verify(&verifier, &mint(&key, &claims()))
        .await
        .expect("warm the cache");
    tokio::time::sleep(SHORT + Duration::from_millis(50)).await;

    let first = verify(&verifier, &mint(&stranger, &claims())).await;
    let fetches_after_first = server.fetches();
    let second = verify(&verifier, &mint(&rsa_key(1, "another-kid"), &claims())).await;

    assert!(matches!(first, Err(TokenError::UnknownKey(_))), "{first:?}");
    assert_eq!(fetches_after_first, 2, "exactly one refetch");
    assert!(
        matches!(second, Err(TokenError::UnknownKey(_))),
        "{second:?}"
    );
    assert_eq!(server.fetches(), 2, "no refetch within min_refresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_share_one_fetch() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_delay(Duration::from_millis(100));
    let verifier = Arc::new(verifier(vec![server.issuer(SHORT, LONG)]));
    let token = mint(&key, &claims());

    // Cold cache: twenty requests at once, one fetch.
    let cold = run_concurrently(&verifier, vec![token; 20]).await;
    assert!(cold.iter().all(Result::is_ok), "{cold:?}");
    assert_eq!(server.fetches(), 1);

    // Twenty unknown kids at once, after min_refresh: one refetch.
    tokio::time::sleep(SHORT + Duration::from_millis(50)).await;
    let unknown = (0..20)
        .map(|i| mint(&rsa_key(1, &format!("kid-{i}")), &claims()))
        .collect();
    let unknown = run_concurrently(&verifier, unknown).await;
    assert!(
        unknown
            .iter()
            .all(|r| matches!(r, Err(TokenError::UnknownKey(_)))),
        "{unknown:?}"
    );
    assert_eq!(server.fetches(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiters_use_the_fetch_they_waited_for_even_without_a_refresh_interval() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_delay(Duration::from_millis(200));
    // No rate limit at all: only the single-flight logic keeps this to one fetch.
    let verifier = Arc::new(verifier(vec![server.issuer(Duration::ZERO, LONG)]));

    let results = run_concurrently(&verifier, vec![mint(&key, &claims()); 20]).await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(server.fetches(), 1);
}

async fn run_concurrently(
    verifier: &Arc<TokenVerifier>,
    tokens: Vec<String>,
) -> Vec<Result<Claims, TokenError>> {
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let verifier = Arc::clone(verifier);
            tokio::spawn(async move { verify(&verifier, &token).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task"));
    }
    results
}

#[tokio::test]
async fn a_rotated_key_is_accepted_after_a_refetch() {
    let old = rsa_key(0, "2024-key");
    let new = rsa_key(2, "2025-key");
    let server = JwksServer::start(jwks(&[&old])).await;
    let verifier = verifier(vec![server.issuer(SHORT, LONG)]);
    verify(&verifier, &mint(&old, &claims()))
        .await
        .expect("old key");
    tokio::time::sleep(SHORT + Duration::from_millis(50)).await;

    server.set_jwks(jwks(&[&old, &new]).to_string());
    let rotated = verify(&verifier, &mint(&new, &claims())).await;
    let again = verify(&verifier, &mint(&new, &claims())).await;
    let still_old = verify(&verifier, &mint(&old, &claims())).await;

    assert!(rotated.is_ok(), "{rotated:?}");
    assert!(again.is_ok() && still_old.is_ok());
    assert_eq!(server.fetches(), 2);
}

// ---------- issuer, audience, required claims ----------

#[tokio::test]
async fn a_token_from_another_issuer_is_rejected_without_touching_keys() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();

    for iss in [
        json!("https://evil.example/"),
        json!("https://tenant.example.auth0.com"),
        json!([ISSUER]),
    ] {
        let result = verify(&verifier, &mint(&key, &claims_with(json!({ "iss": iss })))).await;
        assert!(
            matches!(result, Err(TokenError::Issuer(_))),
            "{iss}: {result:?}"
        );
    }
    let no_iss = verify(&verifier, &mint(&key, &claims_with(json!({"iss": null})))).await;
    assert_eq!(no_iss, Err(TokenError::MissingClaim("iss")));
    assert_eq!(server.fetches(), 0);
}

#[tokio::test]
async fn an_issuer_that_is_not_configured_is_rejected() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let other = "https://other.example/";
    let token = mint(&key, &claims_with(json!({ "iss": other })));
    let expecting_other = Expected {
        issuer: other,
        ..expected()
    };

    let result = server
        .verifier()
        .verify(&token, &expecting_other, now())
        .await;

    assert!(
        matches!(&result, Err(TokenError::Issuer(text)) if text.contains("not configured")),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_for_another_audience_is_rejected() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();

    let other = verify(
        &verifier,
        &mint(&key, &claims_with(json!({"aud": "other-client"}))),
    )
    .await;
    let missing = verify(&verifier, &mint(&key, &claims_with(json!({"aud": null})))).await;

    assert!(matches!(other, Err(TokenError::Audience(_))), "{other:?}");
    assert_eq!(missing, Err(TokenError::MissingClaim("aud")));
}

#[tokio::test]
async fn several_audiences_need_azp_equal_to_the_client_id() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();
    let aud = json!([CLIENT, "https://api.example/"]);

    let without = verify(&verifier, &mint(&key, &claims_with(json!({ "aud": aud })))).await;
    let wrong = verify(
        &verifier,
        &mint(&key, &claims_with(json!({ "aud": aud, "azp": "x" }))),
    )
    .await;
    let right = verify(
        &verifier,
        &mint(&key, &claims_with(json!({ "aud": aud, "azp": CLIENT }))),
    )
    .await;
    let single = verify(
        &verifier,
        &mint(&key, &claims_with(json!({ "aud": [CLIENT] }))),
    )
    .await;

    assert!(
        matches!(without, Err(TokenError::Audience(_))),
        "{without:?}"
    );
    assert!(matches!(wrong, Err(TokenError::Audience(_))), "{wrong:?}");
    assert!(right.is_ok(), "{right:?}");
    assert!(single.is_ok(), "{single:?}");
}

#[tokio::test]
async fn sub_and_exp_are_required() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();

    for (patch, claim) in [
        (json!({"sub": null}), "sub"),
        (json!({"sub": ""}), "sub"),
        (json!({"sub": 12345}), "sub"),
        (json!({"exp": null}), "exp"),
    ] {
        let result = verify(&verifier, &mint(&key, &claims_with(patch.clone()))).await;
        assert_eq!(result, Err(TokenError::MissingClaim(claim)), "{patch}");
    }
    let result = verify(
        &verifier,
        &mint(&key, &claims_with(json!({"exp": "tomorrow"}))),
    )
    .await;
    assert_eq!(
        result,
        Err(TokenError::Malformed(
            "exp is not a number of seconds between 1970 and 9999"
        ))
    );
}

#[tokio::test]
async fn every_rsa_scheme_is_verified_when_the_issuer_allows_it() {
    let mut key = rsa_key(1, "key-b");
    // Published without an `alg` of its own, so it may serve every RSA scheme.
    if let Some(jwk) = key.jwk.as_object_mut() {
        jwk.remove("alg");
    }
    let server = JwksServer::start(jwks(&[&key])).await;
    let mut issuer = server.issuer(Duration::from_secs(60), LONG);
    let schemes = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ];
    issuer.algorithms = schemes.to_vec();
    let verifier = verifier(vec![issuer]);

    let payload = claims().to_string();
    for alg in schemes {
        key.alg = alg;
        assert!(
            verify(&verifier, &mint(&key, &claims())).await.is_ok(),
            "{alg:?}"
        );
        // A header naming one scheme, signed (over exactly that header) with another.
        let header = json!({"alg": alg, "kid": "key-b"}).to_string();
        for other in schemes.into_iter().filter(|other| *other != alg) {
            assert_eq!(
                verify(
                    &verifier,
                    &signed_text(&header, &payload, &key.encoding, other)
                )
                .await,
                Err(TokenError::Signature),
                "{alg:?} signed as {other:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_signature_covers_the_header_and_payload_exactly_as_sent() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();
    let token = mint(&key, &claims());
    let mut parts = token.split('.');
    let (header, payload, signature) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );

    // The same header, re-encoded with one harmless member more, under the old signature.
    let decoded: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).expect("header")).expect("json");
    let mut widened = decoded.clone();
    widened["x"] = json!(1);
    let widened = URL_SAFE_NO_PAD.encode(widened.to_string());
    let result = verify(&verifier, &format!("{widened}.{payload}.{signature}")).await;

    assert_eq!(result, Err(TokenError::Signature));
    assert!(verify(&verifier, &token).await.is_ok());
}

#[tokio::test]
async fn a_claim_or_header_member_named_twice_is_refused() {
    let key = rsa_key(0, "key-a");
    let ec = ec_key("ec-1");
    let server = JwksServer::start(jwks(&[&key, &ec])).await;
    let mut issuer = server.issuer(Duration::from_secs(60), LONG);
    issuer.algorithms = vec![Algorithm::RS256, Algorithm::ES256];
    let verifier = verifier(vec![issuer]);
    let now = now();
    let claims = format!(
        r#"{{"iss":"{ISSUER}","aud":"someone-else","sub":"auth0|1","exp":{},"aud":"{CLIENT}"}}"#,
        now + 600
    );
    let plain_claims = claims.replacen(r#""aud":"someone-else","#, "", 1);

    for (signer, alg) in [(&key, Algorithm::RS256), (&ec, Algorithm::ES256)] {
        let good_header = json!({"alg": alg, "kid": signer.kid}).to_string();
        let twice_header = format!(
            r#"{{"alg":{},"kid":"other","kid":"{}"}}"#,
            json!(alg),
            signer.kid
        );
        for (header, payload, expected) in [
            (
                &good_header,
                &claims,
                "the payload is not a JSON object with each claim named once",
            ),
            (
                &twice_header,
                &plain_claims,
                "the header is not a JSON object with each member named once",
            ),
        ] {
            let token = signed_text(header, payload, &signer.encoding, alg);
            let result = verify(&verifier, &token).await;
            assert_eq!(result, Err(TokenError::Malformed(expected)), "{alg:?}");
        }
        // The same claims, each once, verify.
        let token = signed_text(&good_header, &plain_claims, &signer.encoding, alg);
        let result = verify(&verifier, &token).await;
        assert!(result.is_ok(), "{alg:?}: {result:?}");
    }
}

#[tokio::test]
async fn claims_are_checked_alike_for_every_key_family() {
    let ec = ec_key("ec-1");
    let server = JwksServer::start(jwks(&[&ec])).await;
    let mut issuer = server.issuer(Duration::from_secs(60), LONG);
    issuer.algorithms = vec![Algorithm::ES256];
    let verifier = verifier(vec![issuer]);

    let other = verify(&verifier, &mint(&ec, &claims_with(json!({"aud": "x"})))).await;
    let missing = verify(&verifier, &mint(&ec, &claims_with(json!({"aud": null})))).await;
    let exp = verify(
        &verifier,
        &mint(&ec, &claims_with(json!({"exp": "tomorrow"}))),
    )
    .await;

    assert!(matches!(other, Err(TokenError::Audience(_))), "{other:?}");
    assert_eq!(missing, Err(TokenError::MissingClaim("aud")));
    assert_eq!(
        exp,
        Err(TokenError::Malformed(
            "exp is not a number of seconds between 1970 and 9999"
        ))
    );
}

// ---------- garbage and size ----------

#[tokio::test]
async fn garbage_strings_are_malformed() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();
    let good_header = json!({"alg": "RS256", "kid": "key-a"});
    let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);

    let garbage = [
        String::new(),
        "not a token".into(),
        "a.b".into(),
        "a.b.c.d.e".into(),
        "...".into(),
        "!!!.###.$$$".into(),
        format!("{}.{}.c2ln", b64("{\"alg\":\"RS256\""), b64("{}")),
        format!("{}.{}.c2ln", b64(&good_header.to_string()), b64("not json")),
        format!("{}.{}.c2ln", b64(&good_header.to_string()), b64("[1,2,3]")),
        format!("{}.%%%.c2ln", b64(&good_header.to_string())),
        raw_token(&good_header, &claims(), ""),
        raw_token(&good_header, &claims(), "***"),
        raw_token(&json!({"kid": "key-a"}), &claims(), "c2ln"),
        raw_token(
            &json!({"alg": "RS256", "crit": ["exp"], "exp": 1}),
            &claims(),
            "c2ln",
        ),
    ];
    for token in garbage {
        let result = verify(&verifier, &token).await;
        assert!(
            matches!(result, Err(TokenError::Malformed(_))),
            "{token:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn an_oversized_token_is_rejected_before_parsing() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();
    let padded = mint(&key, &claims_with(json!({"pad": "x".repeat(MAX_TOKEN)})));

    assert_eq!(
        verify(&verifier, &padded).await,
        Err(TokenError::TooLarge { max: MAX_TOKEN })
    );
    let junk = "a".repeat(MAX_TOKEN + 1);
    assert_eq!(
        verify(&verifier, &junk).await,
        Err(TokenError::TooLarge { max: MAX_TOKEN })
    );
    assert_eq!(server.fetches(), 0);
}

// ---------- caching and outages ----------

#[tokio::test]
async fn cache_control_max_age_shortens_the_default_ttl() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_cache_control("public, max-age=1");
    let verifier = verifier(vec![server.issuer(Duration::from_millis(100), LONG)]);
    let token = mint(&key, &claims());

    verify(&verifier, &token).await.expect("first");
    verify(&verifier, &token).await.expect("cached");
    assert_eq!(server.fetches(), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    verify(&verifier, &token).await.expect("after max-age");
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn cache_control_max_age_outlasts_the_default_ttl() {
    let key = rsa_key(0, "key-a");
    let with_max_age = JwksServer::start(jwks(&[&key])).await;
    with_max_age.set_cache_control("max-age=3600");
    let without = JwksServer::start(jwks(&[&key])).await;
    let one_second = Duration::from_secs(1);
    let fast = Duration::from_millis(100);
    let honours = verifier(vec![with_max_age.issuer(fast, one_second)]);
    let defaults = verifier(vec![without.issuer(fast, one_second)]);
    let token = mint(&key, &claims());

    verify(&honours, &token).await.expect("first");
    verify(&defaults, &token).await.expect("first");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    verify(&honours, &token).await.expect("cached");
    verify(&defaults, &token).await.expect("refetched");

    assert_eq!(with_max_age.fetches(), 1, "max-age=3600 keeps the set");
    assert_eq!(without.fetches(), 2, "default_ttl of 1 s expired");
}

#[tokio::test]
async fn a_jwks_server_that_is_down_gives_keys_unavailable() {
    let key = rsa_key(0, "key-a");
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let uri: url::Url = format!("http://{}/jwks.json", closed.local_addr().expect("addr"))
        .parse()
        .expect("url");
    drop(closed);
    let verifier = verifier(vec![IssuerConfig {
        issuer: ISSUER.to_owned(),
        keys: KeySource::Jwks {
            uri,
            min_refresh: SHORT,
            default_ttl: LONG,
        },
        algorithms: vec![Algorithm::RS256],
        leeway_seconds: 60,
    }]);

    let ready = verifier.refresh_all().await;
    let result = verify(&verifier, &mint(&key, &claims())).await;

    assert!(
        matches!(&ready, Err(TokenError::KeysUnavailable { issuer, .. }) if issuer == ISSUER),
        "{ready:?}"
    );
    let error = result.expect_err("keys are unavailable");
    assert!(matches!(&error, TokenError::KeysUnavailable { issuer, .. } if issuer == ISSUER));
    assert!(error.is_key_fetch_failure());
    assert!(error.to_string().contains(ISSUER), "{error}");
}

#[tokio::test]
async fn error_answers_and_bad_documents_give_keys_unavailable() {
    let key = rsa_key(0, "key-a");
    let token = mint(&key, &claims());
    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_status(StatusCode::INTERNAL_SERVER_ERROR);
    let result = verify(&server.verifier(), &token).await;
    let says_500 = |reason: &str| reason.contains("HTTP 500");
    assert!(
        matches!(&result, Err(TokenError::KeysUnavailable { reason, .. }) if says_500(reason)),
        "{result:?}"
    );

    let bodies = [
        "<html>not json</html>".to_owned(),
        json!({"keys": []}).to_string(),
        json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}).to_string(),
        format!("{{\"keys\":[],\"pad\":\"{}\"}}", "x".repeat(300 * 1024)),
    ];
    for body in bodies {
        let server = JwksServer::start(json!({})).await;
        server.set_jwks(body.clone());
        let result = verify(&server.verifier(), &token).await;
        assert!(
            matches!(result, Err(TokenError::KeysUnavailable { .. })),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn a_jwks_body_without_a_length_is_cut_off_at_the_bound() {
    // A bare HTTP/1.1 server that streams 1 MiB with no Content-Length, until closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(b"{\"keys\":[],\"pad\":\"");
            for _ in 0..64 {
                if stream.write_all(&[b'x'; 16 * 1024]).is_err() {
                    break;
                }
            }
        }
    });
    let key = rsa_key(0, "key-a");
    let verifier = verifier(vec![IssuerConfig {
        issuer: ISSUER.to_owned(),
        keys: KeySource::Jwks {
            uri: format!("http://{addr}/jwks.json").parse().expect("url"),
            min_refresh: SHORT,
            default_ttl: LONG,
        },
        algorithms: vec![Algorithm::RS256],
        leeway_seconds: 60,
    }]);

    let result = verify(&verifier, &mint(&key, &claims())).await;

    let too_large = |reason: &str| reason.contains("larger than");
    assert!(
        matches!(&result, Err(TokenError::KeysUnavailable { reason, .. }) if too_large(reason)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_failed_refetch_keeps_the_cached_keys() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    server.set_cache_control("max-age=1");
    let verifier = verifier(vec![server.issuer(Duration::from_millis(500), LONG)]);
    let token = mint(&key, &claims());
    verify(&verifier, &token).await.expect("first");

    server.set_status(StatusCode::SERVICE_UNAVAILABLE);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let during_outage = verify(&verifier, &token).await;
    let readiness = verifier.refresh_all().await;

    assert!(during_outage.is_ok(), "{during_outage:?}");
    assert_eq!(readiness, Ok(()));
    assert_eq!(server.fetches(), 2, "the expired set was refetched once");
}

#[tokio::test]
async fn refresh_all_fetches_each_issuer_once() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();

    assert_eq!(verifier.refresh_all().await, Ok(()));
    assert_eq!(verifier.refresh_all().await, Ok(()));
    verify(&verifier, &mint(&key, &claims()))
        .await
        .expect("valid token");

    assert_eq!(server.fetches(), 1);
}

// ---------- checks, as explain reports them ----------

/// Every check named while verifying `token`, in order (a check can be named twice: the
/// issuer is looked up before the algorithm and `iss` read after it), and the outcome.
async fn checks_named(verifier: &TokenVerifier, token: &str) -> (Vec<Check>, bool) {
    let mut named = Vec::new();
    let result = verifier
        .verify_reporting(token, &expected(), now(), &mut |check| named.push(check))
        .await;
    (named, result.is_ok())
}

/// Each check once, where it was first named.
fn distinct(named: &[Check]) -> Vec<Check> {
    let mut out: Vec<Check> = Vec::new();
    for check in named {
        if !out.contains(check) {
            out.push(*check);
        }
    }
    out
}

#[tokio::test]
async fn every_check_is_named_in_order() {
    let key = rsa_key(0, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();
    let (named, ok) = checks_named(&verifier, &mint(&key, &claims())).await;
    assert!(ok);
    assert_eq!(
        distinct(&named),
        Check::ALL,
        "the order Check::ALL lists is the order they run in"
    );
}

#[tokio::test]
async fn the_last_check_named_is_the_one_that_failed() {
    let key = rsa_key(0, "key-a");
    let other = rsa_key(1, "key-a");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = server.verifier();
    let cases = [
        ("x".repeat(MAX_TOKEN + 1), Check::Size),
        ("a.b".to_owned(), Check::Format),
        (
            mint(&key, &claims_with(json!({"iss": "https://other/"}))),
            Check::Issuer,
        ),
        (
            hs_token(b"secret", Some("key-a"), &claims()),
            Check::Algorithm,
        ),
        (mint(&rsa_key(0, "unknown"), &claims()), Check::SigningKey),
        (mint(&other, &claims()), Check::Signature),
        // A claim of the wrong type fails the check that reads it, not the format.
        (
            mint(&key, &claims_with(json!({"exp": "soon"}))),
            Check::Expiry,
        ),
        (mint(&key, &claims_with(json!({"exp": 1}))), Check::Expiry),
        (
            mint(&key, &claims_with(json!({"nbf": now() + 3600}))),
            Check::NotBefore,
        ),
        (
            mint(&key, &claims_with(json!({"iat": now() + 3600}))),
            Check::IssuedAt,
        ),
        (
            mint(&key, &claims_with(json!({"aud": [1]}))),
            Check::Audience,
        ),
        (
            mint(&key, &claims_with(json!({"aud": "other"}))),
            Check::Audience,
        ),
        (mint(&key, &claims_with(json!({"sub": ""}))), Check::Subject),
    ];
    for (token, failed) in cases {
        let (named, ok) = checks_named(&verifier, &token).await;
        assert!(!ok, "{failed:?} passed");
        assert_eq!(named.last(), Some(&failed), "{named:?}");
        // What ran is a prefix of Check::ALL: the rest was not reached.
        let ran = distinct(&named);
        assert_eq!(ran, Check::ALL[..ran.len()], "{named:?}");
    }
}
