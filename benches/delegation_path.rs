//! The server-side CPU cost of one delegation: verify the id_token, compute attributes,
//! build and sign the SAML Response, base64 it for STS, and parse STS's reply. Network
//! time is left out. Compare `whole_path` with `rsa2048_sign` (and `openssl speed rsa2048`,
//! see scripts/bench): the path should cost at most 1.5 signatures.

use std::time::Duration;

use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use delegation_server::saml::{self, ResponseParams, SamlSigner};
use delegation_server::sts::StsResult;
use delegation_server::token::{Expected, IssuerConfig, KeySource, TokenVerifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk};
use serde_json::{Value, json};

const ISSUER: &str = "https://example.auth0.com/";
const ROLE: &str = "arn:aws:iam::123456789012:role/auth0-role";
const PRINCIPAL: &str = "arn:aws:iam::123456789012:saml-provider/auth0-provider";

const STS_REPLY: &str = r#"<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithSAMLResult>
    <Issuer>urn:example.auth0.com</Issuer>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/auth0-role/jane</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:jane</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAV3ZUEFP6EXAMPLE</AccessKeyId>
      <SecretAccessKey>8P+SQvWIuLnKhh8d++jpw0nNmQRBZvNEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEOz////////////////////wEXAMPLEtMSJHMEUCIDoKK3JH9uGQE1z0sINr5M4jk+Na8KHDcCYRVjJCZEvOAiEA3OvJGtw1EcViOleS2vhs8VdCKFJQWPQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==</SessionToken>
      <Expiration>2026-11-27T19:00:00Z</Expiration>
    </Credentials>
    <Audience>https://signin.aws.amazon.com/saml</Audience>
    <SubjectType>persistent</SubjectType>
    <PackedPolicySize>6</PackedPolicySize>
    <NameQualifier>SbdGOnUkh1i4+EXAMPLExL/jEvs=</NameQualifier>
    <Subject>auth0|123</Subject>
  </AssumeRoleWithSAMLResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleWithSAMLResponse>"#;

struct Fixture {
    verifier: TokenVerifier,
    token: String,
    signer: SamlSigner,
    raw_key: RsaKeyPair,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> Fixture {
    let (issuer_pem, _) = saml::generate_key_and_certificate("issuer").unwrap();
    let (saml_pem, saml_cert) = saml::generate_key_and_certificate("saml").unwrap();
    let key = EncodingKey::from_rsa_pem(issuer_pem.as_bytes()).unwrap();
    let mut public = jwk::Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    public.common.key_id = Some("k1".into());
    let keys = jwk::JwkSet { keys: vec![public] };
    let verifier = TokenVerifier::new(
        vec![IssuerConfig {
            issuer: ISSUER.into(),
            keys: KeySource::Static(keys),
            algorithms: vec![Algorithm::RS256],
            leeway_seconds: 60,
        }],
        reqwest::Client::new(),
        16 * 1024,
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "iss": ISSUER, "aud": "app", "sub": "auth0|123", "iat": now, "exp": now + 36_000,
        "name": "Jane Doe", "nickname": "jane", "email": "jane@example.com",
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let der = pem::parse(&saml_pem).unwrap();
    Fixture {
        verifier,
        token,
        signer: SamlSigner::from_pem(&saml_pem, &saml_cert, None).unwrap(),
        raw_key: RsaKeyPair::from_pkcs8(der.contents()).unwrap(),
        runtime: tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
    }
}

fn verify(f: &Fixture) -> serde_json::Map<String, Value> {
    let expected = Expected {
        issuer: ISSUER,
        client_id: "app",
        client_secret: None,
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    f.runtime
        .block_on(f.verifier.verify(&f.token, &expected, now))
        .unwrap()
}

fn sign(f: &Fixture, user: &serde_json::Map<String, Value>) -> String {
    let attributes = saml::compute_attributes(user, &saml::default_mappings()).unwrap();
    let params = ResponseParams {
        issuer: "urn:example.auth0.com",
        subject: "auth0|123",
        recipient: "https://signin.aws.amazon.com/saml",
        audience: "https://signin.aws.amazon.com/saml",
        attributes: &attributes,
        issued_at: time::OffsetDateTime::now_utc(),
        lifetime: Duration::from_secs(180),
    };
    saml::build_signed_response(&params, &f.signer).unwrap()
}

fn user(claims: serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
    let mut user = claims;
    user.insert("user_id".into(), json!("auth0|123"));
    user.insert("awsrole".into(), json!(format!("{ROLE},{PRINCIPAL}")));
    let name = saml::default_session_name(&user);
    user.insert("rolesessionname".into(), json!(name));
    user
}

/// A delegation event as the flow fills it for an issued credential.
fn ops_event(request_id: String) -> delegation_server::ops::DelegationEvent {
    let text = |s: &str| Some(s.to_owned());
    delegation_server::ops::DelegationEvent {
        request_id,
        remote_addr: "203.0.113.7".into(),
        client: text("CLIENT_ID"),
        client_known: true,
        target: text("CLIENT_ID"),
        api_type: "aws",
        issuer: text(ISSUER),
        subject: text("auth0|5f7c8ec7c33c6c004bbafe82"),
        role: text(ROLE),
        principal: text(PRINCIPAL),
        region: text("us-east-1"),
        session_name: text("jane"),
        decided_by: text("configuration"),
        rules: None,
        sts_request_id: text("c6104cbe-af31-11e0-8154-cbc7ccf896c7"),
        cache: None,
        expiration: text("2026-11-27T19:00:00Z"),
        status: 200,
        outcome: "ok",
        latency: Duration::from_millis(40),
        endpoint: "",
    }
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let signed_user = user(verify(&f));
    c.bench_function("rsa2048_sign", |b| {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut sig = vec![0; f.raw_key.public_modulus_len()];
        b.iter(|| {
            f.raw_key
                .sign(&RSA_PKCS1_SHA256, &rng, b"signed info", &mut sig)
                .unwrap()
        })
    });
    c.bench_function("verify_token", |b| b.iter(|| verify(&f)));
    c.bench_function("build_and_sign_response", |b| {
        b.iter(|| sign(&f, &signed_user))
    });
    c.bench_function("parse_sts_reply", |b| {
        b.iter(|| StsResult::from_xml(STS_REPLY).unwrap())
    });
    // What operations add to each delegation: the request ID, the metrics update and the
    // audit record's JSON (written by its own thread, batched).
    let metrics = delegation_server::ops::Metrics::new();
    c.bench_function("ops_per_delegation", |b| {
        b.iter(|| {
            let event = ops_event(delegation_server::ops::request_id::generate());
            metrics.delegation(&event);
            event.audit_record(time::OffsetDateTime::now_utc()).len()
        })
    });
    c.bench_function("whole_path", |b| {
        b.iter(|| {
            let user = user(verify(&f));
            let xml = sign(&f, &user);
            let encoded = base64::engine::general_purpose::STANDARD.encode(xml);
            let reply = StsResult::from_xml(STS_REPLY).unwrap();
            (encoded.len(), serde_json::to_vec(&reply).unwrap().len())
        })
    });
}

criterion_group!(delegation, benches);
criterion_main!(delegation);
