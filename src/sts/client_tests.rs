//! Unit tests of `sts::client`.

use super::*;
use crate::domain::{PrincipalArn, RoleArn};

fn client(endpoint: Option<&str>) -> StsClient {
    let settings = StsSettings {
        endpoint: endpoint.map(|e| Url::parse(e).unwrap()),
        ..StsSettings::default()
    };
    StsClient::new(&settings, &Roots::bundled()).unwrap()
}

#[test]
fn endpoints_follow_the_partition_of_the_region() {
    let sts = client(None);
    for (region, url) in [
        ("us-east-1", "https://sts.us-east-1.amazonaws.com/"),
        ("eu-west-3", "https://sts.eu-west-3.amazonaws.com/"),
        ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com/"),
        ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/"),
        (
            "cn-northwest-1",
            "https://sts.cn-northwest-1.amazonaws.com.cn/",
        ),
    ] {
        let region = Region::parse(region).unwrap();
        assert_eq!(sts.endpoint_for(&region).as_str(), url);
    }
}

#[test]
fn an_endpoint_override_applies_to_every_region() {
    let sts = client(Some("http://127.0.0.1:5000/"));
    for region in ["us-east-1", "cn-north-1", "us-gov-east-1"] {
        let region = Region::parse(region).unwrap();
        assert_eq!(sts.endpoint_for(&region).as_str(), "http://127.0.0.1:5000/");
    }
}

#[test]
fn a_non_http_override_is_refused() {
    let settings = StsSettings {
        endpoint: Some(Url::parse("file:///etc/passwd").unwrap()),
        ..StsSettings::default()
    };
    assert!(matches!(
        StsClient::new(&settings, &Roots::bundled()),
        Err(StsBuildError::Endpoint(_))
    ));
}

#[test]
fn a_request_debug_never_shows_the_assertion() {
    let region = Region::parse("us-east-1").unwrap();
    let role = RoleArn::parse("arn:aws:iam::123456789012:role/r").unwrap();
    let principal = PrincipalArn::parse("arn:aws:iam::123456789012:saml-provider/p").unwrap();
    let shown = format!(
        "{:?}",
        AssumeRoleWithSaml {
            region: &region,
            role: &role,
            principal: &principal,
            saml_response_xml: "<secret-assertion/>",
            duration_seconds: 900,
            policy: None,
            policy_arns: &[],
        }
    );
    assert!(!shown.contains("secret-assertion"), "{shown}");
    assert!(
        shown.contains("<19 bytes>") && shown.contains("role/r"),
        "{shown}"
    );
}
