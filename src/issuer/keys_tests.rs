//! Unit tests of `issuer::keys`.

use super::*;

#[test]
fn a_key_whose_signatures_the_published_jwk_rejects_is_refused() {
    let mut key = IssuerKey::from_pem(&generate_rsa_key().unwrap(), "signing_key").unwrap();
    assert!(key.check_against_jwk("signing_key").is_ok());
    let other = IssuerKey::from_pem(&generate_rsa_key().unwrap(), "signing_key").unwrap();
    key.public = other.public.clone();
    let refused = key.check_against_jwk("signing_key").unwrap_err();
    assert!(refused.to_string().contains("does not verify"), "{refused}");
}
