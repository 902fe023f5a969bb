//! Unit tests of `domain::region`.

use super::*;

#[test]
fn regions_know_their_partition() {
    assert_eq!(
        Region::parse("us-east-1").unwrap().partition(),
        Partition::Aws
    );
    assert_eq!(
        Region::parse("cn-north-1").unwrap().partition(),
        Partition::AwsCn
    );
    assert_eq!(
        Region::parse("us-gov-west-1").unwrap().partition(),
        Partition::AwsUsGov
    );
}

#[test]
fn regions_of_isolated_and_sovereign_partitions_are_refused_by_name() {
    for (region, partition) in [
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ] {
        let err = Region::parse(region).unwrap_err();
        assert_eq!(
            err,
            RegionError::Unsupported {
                region: region.to_owned(),
                partition
            }
        );
        assert!(err.to_string().contains(partition), "{err}");
    }
    // A commercial region whose name merely contains the letters is unaffected.
    assert!(Region::parse("ap-isolated-1").is_ok());
}

#[test]
fn malformed_region_names_are_refused() {
    for bad in [
        "",
        "us",
        "us-east",
        "US-EAST-1",
        "us-east-x",
        "us--1",
        "us-east-1 ",
    ] {
        assert!(Region::parse(bad).is_err(), "{bad:?} was accepted");
    }
}
