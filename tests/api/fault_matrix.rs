//! STS faults moto cannot make, from a raw-socket stub: each gets its documented status
//! and code within the request deadline, is retried only when retrying is safe, leaves no
//! credential in the log, and the next good request succeeds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{Issuer, StsFront};
use crate::logs::captured_logs;
use crate::test_app::TestApp;

const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzFAULTMATRIX";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjFAULTMATRIXTOKEN";
/// `server.request_timeout_ms` of the test configuration.
const DEADLINE: Duration = Duration::from_millis(4000);

fn success(session_token: bool) -> String {
    let token = if session_token {
        format!("<SessionToken>{SESSION_TOKEN}</SessionToken>")
    } else {
        String::new()
    };
    format!(
        "<AssumeRoleWithSAMLResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithSAMLResult>\
         <Audience>https://signin.aws.amazon.com/saml</Audience><AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:jane</AssumedRoleId>\
         <Arn>arn:aws:sts::123456789012:assumed-role/auth0-role/jane</Arn></AssumedRoleUser><Credentials>\
         <AccessKeyId>ASIAFAULTMATRIX12345</AccessKeyId><SecretAccessKey>{SECRET_KEY}</SecretAccessKey>{token}\
         <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><Issuer>urn:delegation.test</Issuer>\
         <NameQualifier>q</NameQualifier><Subject>auth0|1</Subject><SubjectType>persistent</SubjectType>\
         </AssumeRoleWithSAMLResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleWithSAMLResponse>"
    )
}

fn aws_error(status: u16, code: &str) -> Fault {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
         <Code>{code}</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    );
    Fault::Reply(status, None, body)
}

/// What the stub does with each request.
#[derive(Clone)]
enum Fault {
    Reply(u16, Option<&'static str>, String),
    /// Starts a reply, then resets the connection.
    ResetMidReply,
    /// Reads the request and never answers.
    Hang,
    /// Sends a good reply one byte every 100 ms.
    Trickle,
}

#[derive(Clone)]
struct RawSts {
    fault: Arc<Mutex<Fault>>,
    attempts: Arc<AtomicUsize>,
}

impl RawSts {
    async fn start() -> (Self, String) {
        let sts = RawSts {
            fault: Arc::new(Mutex::new(Fault::Reply(200, None, success(true)))),
            attempts: Arc::default(),
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let stub = sts.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(stub.clone().serve(stream));
            }
        });
        (sts, url)
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
        self.attempts.store(0, Ordering::SeqCst);
    }

    async fn serve(self, mut stream: TcpStream) {
        loop {
            if !read_request(&mut stream).await {
                return;
            }
            self.attempts.fetch_add(1, Ordering::SeqCst);
            let fault = self.fault.lock().unwrap().clone();
            let head = |status: u16, extra: &str, len: usize| {
                format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nContent-Length: {len}\r\n{extra}\r\n"
                )
            };
            let _ = match fault {
                Fault::Reply(status, retry_after, body) => {
                    let extra = retry_after
                        .map(|s| format!("Retry-After: {s}\r\n"))
                        .unwrap_or_default();
                    stream
                        .write_all(format!("{}{body}", head(status, &extra, body.len())).as_bytes())
                        .await
                }
                Fault::ResetMidReply => {
                    let body = success(true);
                    let _ = stream
                        .write_all(
                            format!("{}{}", head(200, "", body.len()), &body[..40]).as_bytes(),
                        )
                        .await;
                    // Linger zero turns the drop into a reset; with zero nothing blocks.
                    #[allow(deprecated)]
                    let _ = stream.set_linger(Some(Duration::ZERO));
                    return;
                }
                Fault::Hang => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return;
                }
                Fault::Trickle => {
                    let body = success(true);
                    let _ = stream.write_all(head(200, "", body.len()).as_bytes()).await;
                    for byte in body.as_bytes() {
                        if stream.write_all(&[*byte]).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Ok(())
                }
            };
        }
    }
}

/// Reads one request (head and `Content-Length` body); `false` when the peer closed.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

/// Name, fault, status, error code, and the attempts STS must see: exactly, or up to the
/// retries when the attempt timeout bounds them.
type Row = (&'static str, Fault, u16, &'static str, (usize, usize));

#[tokio::test]
async fn every_sts_fault_gets_its_answer_in_time_and_the_next_request_succeeds() {
    let logs = captured_logs();
    let (sts, url) = RawSts::start().await;
    let app = TestApp::spawn_custom(
        Issuer::start().await,
        StsFront::start().await,
        "",
        Some(&url),
        &[],
    )
    .await;
    let html = "<html><body>502 Bad Gateway</body></html>".to_owned();
    let huge = format!("{}{}", success(true), " ".repeat(200_000));
    let matrix: Vec<Row> = vec![
        (
            "reset mid-reply",
            Fault::ResetMidReply,
            503,
            "temporarily_unavailable",
            (3, 3),
        ),
        (
            "hang past the attempt timeout",
            Fault::Hang,
            503,
            "temporarily_unavailable",
            (1, 3),
        ),
        (
            "slow trickle",
            Fault::Trickle,
            503,
            "temporarily_unavailable",
            (1, 3),
        ),
        (
            "500 without Retry-After",
            Fault::Reply(500, None, String::new()),
            503,
            "temporarily_unavailable",
            (3, 3),
        ),
        (
            "503 with Retry-After",
            Fault::Reply(503, Some("1"), String::new()),
            503,
            "temporarily_unavailable",
            (2, 3),
        ),
        (
            "502 HTML page",
            Fault::Reply(502, None, html),
            503,
            "temporarily_unavailable",
            (3, 3),
        ),
        (
            "Throttling",
            aws_error(400, "Throttling"),
            503,
            "temporarily_unavailable",
            (3, 3),
        ),
        (
            "ExpiredTokenException",
            aws_error(400, "ExpiredTokenException"),
            502,
            "server_error",
            (1, 1),
        ),
        (
            "InvalidIdentityToken",
            aws_error(400, "InvalidIdentityToken"),
            502,
            "server_error",
            (1, 1),
        ),
        (
            "AccessDenied",
            aws_error(403, "AccessDenied"),
            403,
            "access_denied",
            (1, 1),
        ),
        (
            "malformed XML",
            Fault::Reply(200, None, "<AssumeRoleWithSAMLResponse><".into()),
            502,
            "server_error",
            (1, 1),
        ),
        (
            "200 without a session token",
            Fault::Reply(200, None, success(false)),
            502,
            "server_error",
            (1, 1),
        ),
        (
            "huge reply",
            Fault::Reply(200, None, huge),
            502,
            "server_error",
            (1, 1),
        ),
        (
            "redirect",
            Fault::Reply(302, None, String::new()),
            502,
            "server_error",
            (1, 1),
        ),
    ];
    let mut failures = Vec::new();
    for (i, (name, fault, status, code, (fewest, most))) in matrix.into_iter().enumerate() {
        sts.set(fault);
        let started = Instant::now();
        let answer = app
            .post_json(&app.body_for("app", &format!("auth0|fault-{i}")))
            .await;
        let elapsed = started.elapsed();
        let got_status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        let attempts = sts.attempts.load(Ordering::SeqCst);
        if got_status != status || body["error"] != code {
            failures.push(format!(
                "{name}: expected {status} {code}, got {got_status} {body}"
            ));
        }
        if !(fewest..=most).contains(&attempts) {
            failures.push(format!(
                "{name}: {attempts} attempts, expected {fewest}..={most}"
            ));
        }
        if elapsed > DEADLINE.mul_f64(1.1) {
            failures.push(format!("{name}: answered after {elapsed:?}"));
        }
        sts.set(Fault::Reply(200, None, success(true)));
        let next = app
            .post_json(&app.body_for("app", &format!("auth0|fault-next-{i}")))
            .await;
        if next.status() != 200 {
            failures.push(format!(
                "{name}: the next good request got {}",
                next.status()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        !text.contains(SECRET_KEY) && !text.contains(SESSION_TOKEN),
        "credentials in the log"
    );
}
