//! Unit tests of `config::validate::oidc`.

use super::*;

#[test]
fn issuer_urls_are_https_without_a_trailing_slash() {
    assert_eq!(
        issuer_url("https://d.example.com/").unwrap(),
        "https://d.example.com"
    );
    assert_eq!(
        issuer_url("https://d.example.com/oidc").unwrap(),
        "https://d.example.com/oidc"
    );
    assert!(issuer_url("http://127.0.0.1:8080").is_ok());
    assert!(issuer_url("http://d.example.com").is_err());
    assert!(issuer_url("https://d.example.com/?x=1").is_err());
    assert!(issuer_url("d.example.com").is_err());
    for odd in [
        "https://D.example.com",
        "https://d.example.com:443",
        "https:d.example.com",
        "https://:pw@d.example.com",
        " https://d.example.com",
    ] {
        assert!(issuer_url(odd).is_err(), "{odd}");
    }
}
