//! The STS client against a local fault stub (what real STS cannot be made to do on purpose)
//! and against moto's STS emulator (the real wire protocol).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use delegation_server::domain::{PrincipalArn, Region, RoleArn};
use delegation_server::roots::Roots;
use delegation_server::sts::{AssumeRoleWithSaml, StsClient, StsError, StsResult, StsSettings};
use tokio::time::Instant;

const ROLE: &str = "arn:aws:iam::123456789012:role/auth0-role";
const PRINCIPAL: &str = "arn:aws:iam::123456789012:saml-provider/auth0";

/// Unsigned, but with what moto reads: a Role attribute with one "role,principal" value and
/// a RoleSessionName (moto needs at least two attributes).
const SAML: &str = concat!(
    r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
    r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0">"#,
    r#"<saml:Issuer>urn:example.auth0.com</saml:Issuer>"#,
    r#"<saml:Assertion ID="_a1" Version="2.0"><saml:Issuer>urn:example.auth0.com</saml:Issuer>"#,
    r#"<saml:Subject><saml:NameID>auth0|123</saml:NameID></saml:Subject><saml:AttributeStatement>"#,
    r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>"#,
    r#"arn:aws:iam::123456789012:role/auth0-role,arn:aws:iam::123456789012:saml-provider/auth0"#,
    r#"</saml:AttributeValue></saml:Attribute>"#,
    r#"<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">"#,
    r#"<saml:AttributeValue>jane</saml:AttributeValue></saml:Attribute>"#,
    r#"</saml:AttributeStatement></saml:Assertion></samlp:Response>"#
);

const SUCCESS: &str = r#"<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithSAMLResult>
    <Audience>https://signin.aws.amazon.com/saml</Audience>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLEID12345678:jane</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/auth0-role/jane</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLEKEY123456</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEXAMPLETOKEN</SessionToken>
      <Expiration>2026-11-27T19:00:00Z</Expiration>
    </Credentials>
    <Issuer>urn:example.auth0.com</Issuer>
    <NameQualifier>SbdGOnUkh1i4+EXAMPLE=</NameQualifier>
    <Subject>auth0|123</Subject>
    <SubjectType>persistent</SubjectType>
  </AssumeRoleWithSAMLResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleWithSAMLResponse>"#;

fn error_xml(code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
         <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>"
    )
}

/// What the stub does on one attempt.
#[derive(Clone)]
enum Canned {
    Reply {
        status: u16,
        retry_after: Option<&'static str>,
        body: String,
    },
    /// Accepts the request and never answers.
    Hang,
}

fn reply(status: u16, body: impl Into<String>) -> Canned {
    Canned::Reply {
        status,
        retry_after: None,
        body: body.into(),
    }
}

type Script = Arc<dyn Fn(usize) -> Canned + Send + Sync>;

/// One received request: its Content-Type and its form fields.
type Received = (Option<String>, HashMap<String, String>);

/// A local STS stand-in that counts attempts and records each form it receives.
#[derive(Clone)]
struct Stub {
    attempts: Arc<AtomicUsize>,
    forms: Arc<Mutex<Vec<Received>>>,
    script: Script,
}

impl Stub {
    /// Serves `script(attempt)` (attempts count from 1) on 127.0.0.1, port 0.
    async fn start(script: impl Fn(usize) -> Canned + Send + Sync + 'static) -> (Self, String) {
        let stub = Stub {
            attempts: Arc::default(),
            forms: Arc::default(),
            script: Arc::new(script),
        };
        let app = Router::new().fallback(handle).with_state(stub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (stub, format!("http://{addr}/"))
    }

    fn attempts(&self) -> usize {
        self.attempts.load(Ordering::SeqCst)
    }
}

async fn handle(State(stub): State<Stub>, headers: HeaderMap, body: String) -> Response {
    let attempt = stub.attempts.fetch_add(1, Ordering::SeqCst) + 1;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let form = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    stub.forms.lock().unwrap().push((content_type, form));
    match (stub.script)(attempt) {
        Canned::Hang => std::future::pending().await,
        Canned::Reply {
            status,
            retry_after,
            body,
        } => {
            let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, seconds.parse().unwrap());
            }
            response
        }
    }
}

/// The typed inputs one call borrows.
struct Call {
    region: Region,
    role: RoleArn,
    principal: PrincipalArn,
}

impl Call {
    fn new() -> Self {
        Call {
            region: Region::parse("us-east-1").unwrap(),
            role: RoleArn::parse(ROLE).unwrap(),
            principal: PrincipalArn::parse(PRINCIPAL).unwrap(),
        }
    }

    fn request(&self) -> AssumeRoleWithSaml<'_> {
        AssumeRoleWithSaml {
            region: &self.region,
            role: &self.role,
            principal: &self.principal,
            saml_response_xml: SAML,
            duration_seconds: 3600,
            policy: None,
            policy_arns: &[],
        }
    }
}

fn client(endpoint: &str, timeout_ms: u64, retries: u32) -> StsClient {
    let settings = StsSettings {
        endpoint: Some(endpoint.parse().unwrap()),
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(timeout_ms),
        retries,
        ..StsSettings::default()
    };
    StsClient::new(&settings, &Roots::bundled()).unwrap()
}

/// Calls with 2 retries, a 1 s attempt timeout and a 10 s deadline.
async fn call(endpoint: &str) -> Result<StsResult, StsError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    client(endpoint, 1000, 2)
        .assume_role_with_saml(&Call::new().request(), deadline)
        .await
}

#[tokio::test]
async fn a_success_reply_gives_credentials_and_the_stub_got_every_form_field() {
    let (stub, url) = Stub::start(|_| reply(200, SUCCESS)).await;

    let result = call(&url).await.unwrap();

    assert_eq!(stub.attempts(), 1);
    assert_eq!(
        result.assumed_role_arn(),
        "arn:aws:sts::123456789012:assumed-role/auth0-role/jane"
    );
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(
        json["Credentials"]["Expiration"],
        "2026-11-27T19:00:00.000Z"
    );
    let forms = stub.forms.lock().unwrap();
    let (content_type, form) = &forms[0];
    assert_eq!(
        content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(form["Action"], "AssumeRoleWithSAML");
    assert_eq!(form["Version"], "2011-06-15");
    assert_eq!(form["RoleArn"], ROLE);
    assert_eq!(form["PrincipalArn"], PRINCIPAL);
    assert_eq!(form["DurationSeconds"], "3600");
    assert_eq!(
        STANDARD.decode(&form["SAMLAssertion"]).unwrap(),
        SAML.as_bytes()
    );
    assert_eq!(form.len(), 6);
}

#[tokio::test]
async fn access_denied_is_a_denial_and_is_not_retried() {
    let (stub, url) =
        Stub::start(|_| reply(403, error_xml("AccessDenied", "Not authorized"))).await;

    let err = call(&url).await.unwrap_err();

    assert_eq!(
        err,
        StsError::Denied {
            code: "AccessDenied".into(),
            message: "Not authorized".into()
        }
    );
    assert_eq!(stub.attempts(), 1);
}

#[tokio::test]
async fn invalid_identity_token_is_a_rejection_and_is_not_retried() {
    let body = error_xml("InvalidIdentityToken", "Specified provider doesn't exist");
    let (stub, url) = Stub::start(move |_| reply(400, body.clone())).await;

    let err = call(&url).await.unwrap_err();

    assert!(
        matches!(&err, StsError::Rejected { code, message }
            if code == "InvalidIdentityToken" && message == "Specified provider doesn't exist"),
        "{err:?}"
    );
    assert_eq!(stub.attempts(), 1);
}

#[tokio::test]
async fn throttling_then_success_is_retried_until_it_succeeds() {
    let (stub, url) = Stub::start(|n| match n {
        1 => reply(400, error_xml("Throttling", "Rate exceeded")),
        _ => reply(200, SUCCESS),
    })
    .await;

    let result = call(&url).await;

    assert!(result.is_ok(), "{result:?}");
    assert_eq!(stub.attempts(), 2);
}

#[tokio::test]
async fn constant_throttling_is_unavailable_after_every_attempt_is_spent() {
    let (stub, url) = Stub::start(|_| reply(400, error_xml("Throttling", "Rate exceeded"))).await;

    let err = call(&url).await.unwrap_err();

    assert!(matches!(&err, StsError::Unavailable { reason, .. } if reason.contains("Throttling")));
    assert_eq!(stub.attempts(), 3);
}

#[tokio::test]
async fn status_429_is_retried_as_throttling() {
    let (stub, url) = Stub::start(|n| match n {
        1 => reply(429, "slow down"),
        _ => reply(200, SUCCESS),
    })
    .await;

    assert!(call(&url).await.is_ok());
    assert_eq!(stub.attempts(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_then_unavailable() {
    for (status, body) in [
        (500, error_xml("InternalFailure", "oops")),
        (503, error_xml("ServiceUnavailable", "later")),
        (502, "<html><body>Bad Gateway</body></html>".to_owned()),
    ] {
        let (stub, url) = Stub::start(move |_| reply(status, body.clone())).await;

        let err = call(&url).await.unwrap_err();

        assert!(
            matches!(err, StsError::Unavailable { .. }),
            "{status}: {err:?}"
        );
        assert_eq!(stub.attempts(), 3, "{status}");
    }
}

#[tokio::test]
async fn a_server_error_then_success_is_retried() {
    let (stub, url) = Stub::start(|n| match n {
        1 => reply(503, error_xml("ServiceUnavailable", "later")),
        _ => reply(200, SUCCESS),
    })
    .await;

    assert!(call(&url).await.is_ok());
    assert_eq!(stub.attempts(), 2);
}

#[tokio::test]
async fn a_stub_that_never_answers_is_unavailable_within_the_timeout() {
    let (stub, url) = Stub::start(|_| Canned::Hang).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let started = Instant::now();

    let err = client(&url, 300, 1)
        .assume_role_with_saml(&Call::new().request(), deadline)
        .await
        .unwrap_err();

    let elapsed = started.elapsed();
    assert!(matches!(err, StsError::Unavailable { .. }), "{err:?}");
    assert_eq!(stub.attempts(), 2);
    // Two 300 ms attempts and at most 100 ms of backoff between them.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn an_unreachable_port_is_unavailable() {
    let addr: SocketAddr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };

    let err = call(&format!("http://{addr}/")).await.unwrap_err();

    assert!(matches!(err, StsError::Unavailable { .. }), "{err:?}");
}

#[tokio::test]
async fn malformed_xml_is_malformed_and_not_retried() {
    let (stub, url) = Stub::start(|_| reply(200, "<AssumeRoleWithSAMLResponse><Assume")).await;

    let err = call(&url).await.unwrap_err();

    assert!(matches!(err, StsError::Malformed { .. }), "{err:?}");
    assert_eq!(stub.attempts(), 1);
}

#[tokio::test]
async fn html_error_pages_are_malformed() {
    for status in [200, 403] {
        let page =
            "<!DOCTYPE html><html><head><title>Forbidden</title></head><body>no</body></html>";
        let (stub, url) = Stub::start(move |_| reply(status, page)).await;

        let err = call(&url).await.unwrap_err();

        assert!(
            matches!(err, StsError::Malformed { .. }),
            "{status}: {err:?}"
        );
        assert_eq!(stub.attempts(), 1);
    }
}

#[tokio::test]
async fn an_oversized_reply_is_malformed() {
    let huge = format!("<ErrorResponse>{}</ErrorResponse>", " ".repeat(100 * 1024));
    let (_stub, url) = Stub::start(move |_| reply(200, huge.clone())).await;

    let err = call(&url).await.unwrap_err();

    assert!(matches!(err, StsError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn a_retry_after_header_is_honoured() {
    let (stub, url) = Stub::start(|n| match n {
        1 => Canned::Reply {
            status: 429,
            retry_after: Some("1"),
            body: String::new(),
        },
        _ => reply(200, SUCCESS),
    })
    .await;
    let started = Instant::now();

    assert!(call(&url).await.is_ok());

    assert_eq!(stub.attempts(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_stops_at_once_and_is_passed_on() {
    let (stub, url) = Stub::start(|_| Canned::Reply {
        status: 503,
        retry_after: Some("5"),
        body: error_xml("ServiceUnavailable", "later"),
    })
    .await;
    let started = Instant::now();

    let err = client(&url, 1000, 5)
        .assume_role_with_saml(&Call::new().request(), started + Duration::from_secs(1))
        .await
        .unwrap_err();

    assert_eq!(stub.attempts(), 1);
    // Not the 5 s STS asked for: the 1 s deadline comes first.
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        matches!(err, StsError::Unavailable { retry_after: Some(d), .. } if d == Duration::from_secs(5)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_deadline_shorter_than_the_backoff_ends_the_call_early() {
    let (stub, url) = Stub::start(|_| reply(400, error_xml("Throttling", "Rate exceeded"))).await;
    let started = Instant::now();

    let err = client(&url, 1000, 50)
        .assume_role_with_saml(&Call::new().request(), started + Duration::from_millis(400))
        .await
        .unwrap_err();

    assert!(matches!(err, StsError::Unavailable { .. }), "{err:?}");
    assert!(stub.attempts() < 51);
    // Fifty throttled attempts with backoff would take many seconds.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_deadline_already_passed_makes_no_call() {
    let (stub, url) = Stub::start(|_| reply(200, SUCCESS)).await;

    let err = client(&url, 1000, 2)
        .assume_role_with_saml(&Call::new().request(), Instant::now())
        .await
        .unwrap_err();

    assert!(matches!(err, StsError::Unavailable { .. }), "{err:?}");
    assert_eq!(stub.attempts(), 0);
}

/// moto's server, started for one test and killed when dropped.
struct Moto {
    child: Option<std::process::Child>,
    url: String,
}

impl Moto {
    /// Uses `MOTO_ENDPOINT` if set, else starts `.venv/bin/moto_server` on a free port;
    /// `None` when neither is available.
    async fn start() -> Option<Moto> {
        if let Ok(url) = std::env::var("MOTO_ENDPOINT") {
            return Some(Moto { child: None, url });
        }
        let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
        if !bin.exists() {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let moto = Moto {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}/"),
        };
        let waited = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                waited.elapsed() < Duration::from_secs(30),
                "moto did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(moto)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn a_real_reply_from_moto_parses() {
    let Some(moto) = Moto::start().await else {
        eprintln!("skipped: set MOTO_ENDPOINT or install moto[server] in .venv");
        return;
    };

    let result = call(&moto.url).await.unwrap();

    assert_eq!(
        result.assumed_role_arn(),
        "arn:aws:sts::123456789012:assumed-role/auth0-role/jane"
    );
    assert!(result.access_key_id().starts_with("ASIA"));
    let json = serde_json::to_value(&result).unwrap();
    let expiration = json["Credentials"]["Expiration"].as_str().unwrap();
    // moto sends microseconds; Auth0's shape has exactly milliseconds.
    assert_eq!(
        expiration.len(),
        "2026-11-27T19:00:00.000Z".len(),
        "{expiration}"
    );
    assert!(expiration.ends_with('Z') && &expiration[19..20] == ".");
    assert!(json["PackedPolicySize"].is_u64());
    assert!(json["ResponseMetadata"]["RequestId"].is_string());
}
