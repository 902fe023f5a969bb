//! Unit tests of `sts::classify`.

use super::*;

fn error_body(code: &str) -> Vec<u8> {
    format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>because</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    )
    .into_bytes()
}

fn done_err(outcome: Outcome) -> StsError {
    match outcome {
        Outcome::Done(Err(e)) => e,
        other => panic!("expected a final error, got {other:?}"),
    }
}

#[test]
fn access_denied_and_rejected_claims_are_denials() {
    for code in ["AccessDenied", "IDPRejectedClaim"] {
        let e = done_err(classify(403, None, Some(&error_body(code))));
        assert_eq!(
            e,
            StsError::Denied {
                code: code.into(),
                message: "because".into()
            }
        );
    }
}

#[test]
fn misconfiguration_codes_are_rejections() {
    for (status, code) in [
        (400, "InvalidIdentityToken"),
        (400, "ExpiredTokenException"),
        (400, "MalformedPolicyDocument"),
        (400, "PackedPolicyTooLarge"),
        (400, "ValidationError"),
        (403, "RegionDisabledException"),
        (404, "SomethingNew"),
    ] {
        let e = done_err(classify(status, None, Some(&error_body(code))));
        assert!(matches!(e, StsError::Rejected { code: c, .. } if c == code));
    }
}

#[test]
fn throttling_429_and_5xx_are_transient() {
    let after = Some(Duration::from_secs(2));
    for (status, body) in [
        (400, error_body("Throttling")),
        (400, error_body("ThrottlingException")),
        (400, error_body("IDPCommunicationError")),
        (429, b"slow down".to_vec()),
        (500, error_body("InternalFailure")),
        (503, error_body("ServiceUnavailable")),
        (502, b"<html>bad gateway</html>".to_vec()),
    ] {
        match classify(status, after, Some(&body)) {
            Outcome::Transient { retry_after, .. } => assert_eq!(retry_after, after),
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[test]
fn the_transient_code_names_the_aws_code_or_the_status() {
    let Outcome::Transient { code, .. } =
        classify(503, None, Some(&error_body("ServiceUnavailable")))
    else {
        panic!()
    };
    assert_eq!(code, "ServiceUnavailable");
    let Outcome::Transient { code, .. } = classify(502, None, None) else {
        panic!()
    };
    assert_eq!(code, "HTTP 502");
}

#[test]
fn unreadable_or_oversized_replies_are_malformed() {
    for (status, body) in [
        (200, Some(&b"<html><body>hi</body></html>"[..])),
        (403, Some(&b"<!DOCTYPE html><html>Forbidden</html>"[..])),
        (400, Some(&b""[..])),
        (200, None),
        (
            302,
            Some(&b"<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>"[..]),
        ),
    ] {
        let e = done_err(classify(status, None, body));
        assert!(matches!(e, StsError::Malformed { .. }), "{status}: {e:?}");
    }
}
