//! Unit tests of `sts::transport::target`.

use super::*;

fn target(text: &str) -> Result<Target, String> {
    Target::of(&Url::parse(text).unwrap())
}

#[test]
fn default_ports_are_filled_in_and_left_out_of_the_host_header() {
    let t = target("https://sts.us-east-1.amazonaws.com/").unwrap();
    assert_eq!(t.origin.port, 443);
    assert_eq!(t.host, "sts.us-east-1.amazonaws.com");
    assert_eq!(t.origin_form, "/");
    let t = target("http://127.0.0.1:5000/moto?x=1#frag").unwrap();
    assert_eq!((t.origin.https, t.origin.port), (false, 5000));
    assert_eq!(t.host, "127.0.0.1:5000");
    assert_eq!(t.origin_form, "/moto?x=1");
    assert_eq!(t.absolute_form, "http://127.0.0.1:5000/moto?x=1");
}

#[test]
fn ipv6_hosts_keep_their_brackets() {
    let t = target("http://[::1]:8080/").unwrap();
    assert_eq!(t.origin.host, "[::1]");
    assert_eq!(t.host, "[::1]:8080");
    assert_eq!(t.absolute_form, "http://[::1]:8080/");
}

#[test]
fn credentials_and_other_schemes_are_refused_without_being_repeated() {
    let error = target("https://user:hunter2@sts.amazonaws.com/").unwrap_err();
    assert!(error.contains("user name or password"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
    assert!(target("https://user@sts.amazonaws.com/").is_err());
    assert!(target("ftp://sts.amazonaws.com/").is_err());
}
