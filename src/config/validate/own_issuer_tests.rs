//! Unit tests of `config::validate::own_issuer`.

use super::*;

fn problems(url: &str) -> usize {
    let mut p = Problems::default();
    web_identity_url(url, &mut p);
    p.0.len()
}

#[test]
fn ports_and_uppercase_hosts_are_named_as_written() {
    assert_eq!(problems("https://d.example.com"), 0);
    assert_eq!(problems("https://d.example.com/Path/X"), 0);
    assert_eq!(problems("https://d.example.com:443"), 1);
    assert_eq!(problems("https://d.example.com:8443/oidc"), 1);
    assert_eq!(problems("https://D.example.com/oidc"), 1);
    assert_eq!(problems("http://[::1]:8080"), 1);
    assert_eq!(problems("http://[::1]"), 0);
}
