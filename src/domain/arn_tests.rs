//! Unit tests of `domain::arn`.

use super::*;

#[test]
fn oidc_providers_are_in_the_account_and_partition_of_the_role() {
    let role = RoleArn::parse("arn:aws-cn:iam::123456789012:role/r").unwrap();
    let provider = PrincipalArn::oidc_provider(&role, "https://d.example.com/oidc");
    assert_eq!(
        provider.as_str(),
        "arn:aws-cn:iam::123456789012:oidc-provider/d.example.com/oidc"
    );
    assert_eq!(provider.partition(), Partition::AwsCn);
}

#[test]
fn role_arns_in_each_partition_parse() {
    let role = RoleArn::parse("arn:aws:iam::123456789012:role/auth0-role").unwrap();
    assert_eq!(role.partition(), Partition::Aws);
    let role = RoleArn::parse("arn:aws-cn:iam::123456789012:role/path/to/r").unwrap();
    assert_eq!(role.partition(), Partition::AwsCn);
    let p = PrincipalArn::parse("arn:aws-us-gov:iam::123456789012:saml-provider/idp").unwrap();
    assert_eq!(p.partition(), Partition::AwsUsGov);
}

#[test]
fn malformed_arns_are_refused() {
    for bad in [
        "",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam::12345678901:role/r",
        "arn:aws:s3::123456789012:role/r",
        "arn:aws:iam:us-east-1:123456789012:role/r",
        "arn:aws:iam::123456789012:user/r",
        "arn:aws:iam::123456789012:saml-provider/p",
        "arn:aws:iam::123456789012:role/a,b",
        "arn:other:iam::123456789012:role/r",
    ] {
        assert!(RoleArn::parse(bad).is_err(), "{bad:?} was accepted");
    }
    assert!(PrincipalArn::parse("arn:aws:iam::123456789012:role/r").is_err());
}

#[test]
fn arns_of_isolated_and_sovereign_partitions_are_refused_by_name() {
    for partition in ["aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"] {
        let role = format!("arn:{partition}:iam::123456789012:role/r");
        assert_eq!(
            RoleArn::parse(&role),
            Err(ArnError::UnsupportedPartition(role.clone()))
        );
        let provider = format!("arn:{partition}:iam::123456789012:saml-provider/p");
        assert_eq!(
            PrincipalArn::parse(&provider),
            Err(ArnError::UnsupportedPartition(provider.clone()))
        );
    }
}
