//! Unit tests of `config::validate::aws::session`.

use super::is_policy_arn;

#[test]
fn policy_arns_are_checked_by_shape() {
    assert!(is_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"));
    assert!(is_policy_arn(
        "arn:aws:iam::123456789012:policy/team/s3-read"
    ));
    assert!(!is_policy_arn("arn:aws:iam::123456789012:role/r"));
    assert!(!is_policy_arn("arn:aws:s3:::bucket"));
    assert!(!is_policy_arn("arn:aws:iam::12345:policy/x"));
}
