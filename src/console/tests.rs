//! Unit tests of `console`: partitions, destinations, and the sign-in URL against a local
//! federation endpoint.

use super::*;

#[test]
fn each_partition_has_its_federation_endpoint_and_console() {
    assert_eq!(
        federation_endpoint(Partition::Aws),
        "https://signin.aws.amazon.com/federation"
    );
    assert_eq!(
        federation_endpoint(Partition::AwsCn),
        "https://signin.amazonaws.cn/federation"
    );
    assert_eq!(
        federation_endpoint(Partition::AwsUsGov),
        "https://signin.amazonaws-us-gov.com/federation"
    );
    assert_eq!(
        default_destination(Partition::AwsCn),
        "https://console.amazonaws.cn/"
    );
    assert_eq!(
        default_destination(Partition::AwsUsGov),
        "https://console.amazonaws-us-gov.com/"
    );
}

#[test]
fn only_https_aws_console_destinations_are_accepted() {
    let ok = [
        "https://console.aws.amazon.com/s3/home",
        "https://us-east-1.console.aws.amazon.com/ec2/",
        "https://console.amazonaws.cn/",
        "https://console.amazonaws-us-gov.com/",
    ];
    for url in ok {
        assert_eq!(
            destination_problem(&Url::parse(url).unwrap()),
            None,
            "{url}"
        );
    }
    let bad = [
        "http://console.aws.amazon.com/",
        "https://console.aws.amazon.com.evil.example/",
        "https://evilaws.amazon.com/",
        "https://user:pw@console.aws.amazon.com/",
        "https://console.aws.amazon.com:8443/",
        "https://example.com/",
    ];
    for url in bad {
        assert!(
            destination_problem(&Url::parse(url).unwrap()).is_some(),
            "{url}"
        );
    }
}
