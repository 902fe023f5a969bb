//! Unit tests of `config::validate::state`.

use super::*;

#[test]
fn urls_are_checked_and_never_show_the_password() {
    assert_eq!(
        redis_url("redis://:hunter2@cache:6380/2").unwrap(),
        "redis://:redacted@cache:6380/2"
    );
    assert!(redis_url("rediss://cache.example.com").is_ok());
    let bad = redis_url("http://:hunter2@cache/").unwrap_err();
    assert!(bad.contains("http") && !bad.contains("hunter2"), "{bad}");
    assert!(redis_url("cache:6379").is_err());
    assert!(redis_url("rediss://cache/#insecure").is_err());
}

#[test]
fn keys_are_64_hex_digits_or_base64_of_32_bytes() {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    assert_eq!(parse_key(hex).unwrap()[1], 0x11);
    let b64 = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
    assert_eq!(parse_key(&b64).unwrap(), [9u8; 32]);
    assert!(parse_key("too short").is_err());
    assert!(parse_key(&base64::engine::general_purpose::STANDARD.encode([9u8; 16])).is_err());
}

const STATE_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/// `[state]` with `keys` (and the state key) through the validation, with files for
/// `state.key` and `ca.pem` beside the configuration.
fn validated(keys: &str) -> (Option<StateSettings>, Vec<String>) {
    use figment::providers::{Format, Toml};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("state.key"), STATE_KEY).unwrap();
    std::fs::write(dir.path().join("ca.pem"), CA).unwrap();
    let text = format!(
        "[saml]\nissuer = \"urn:test\"\nsigning_key = \"k\"\nsigning_cert = \"c\"\n\
         [state]\nencryption_key_file = \"state.key\"\n{keys}\n"
    );
    let raw: FileConfig = figment::Figment::from(Toml::string(&text))
        .extract()
        .unwrap();
    let mut p = Problems::default();
    let settings = state(&raw, dir.path(), &mut p);
    (settings, p.0)
}

#[test]
fn a_sentinel_url_is_read_into_its_parts_and_shown_without_its_password() {
    let (settings, problems) = validated(
        "redis_url = \"rediss+sentinel://app:hunter2@s1:26380,s2/mymaster/2\"\nca_file = \"ca.pem\"",
    );
    assert!(problems.is_empty(), "{problems:?}");
    let settings = settings.unwrap();
    assert_eq!(
        settings.display_url,
        "rediss+sentinel://app:redacted@s1:26380,s2:26379/mymaster/2"
    );
    let sentinel = settings.sentinel.as_ref().unwrap();
    assert!(sentinel.tls);
    assert_eq!(sentinel.service, "mymaster");
    assert_eq!(sentinel.db, 2);
    assert_eq!(sentinel.password.as_ref().unwrap().expose(), "hunter2");
    assert!(settings.ca_pem.is_some());
    assert!(!format!("{settings:?}").contains("hunter2"));
    // A plain URL has no sentinel part.
    let (plain, _) = validated("redis_url = \"redis://cache:6379/0\"");
    assert_eq!(plain.unwrap().sentinel, None);
}

#[test]
fn a_bad_sentinel_url_is_refused_under_its_key_without_the_password() {
    for (url, says) in [
        ("redis+sentinel://:hunter2@/mymaster", "names no sentinel"),
        (
            "redis+sentinel://:hunter2@s1:99999/mymaster",
            "no valid port",
        ),
        (
            "redis+sentinel://:hunter2@s1,s2:x/mymaster",
            "no valid port",
        ),
        ("redis+sentinel://:hunter2@s1:26379", "names no service"),
        (
            "redis+sentinel://:hunter2@s1/mymaster/db1",
            "database `db1`",
        ),
        (
            "rediss+sentinel://:hunter2@s1/mymaster#insecure",
            "fragment",
        ),
    ] {
        let (settings, problems) = validated(&format!("redis_url = \"{url}\""));
        assert!(settings.is_none(), "{url}");
        assert_eq!(problems.len(), 1, "{url}: {problems:?}");
        assert!(
            problems[0].starts_with("state.redis_url: ") && problems[0].contains(says),
            "{url}: {problems:?}"
        );
        assert!(!problems[0].contains("hunter2"), "{problems:?}");
    }
}

#[test]
fn ca_file_needs_tls_to_the_sentinels() {
    let (_, problems) =
        validated("redis_url = \"redis+sentinel://s1/mymaster\"\nca_file = \"ca.pem\"");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("state.ca_file: "), "{problems:?}");
    let (settings, problems) =
        validated("redis_url = \"rediss+sentinel://s1/mymaster\"\nca_file = \"ca.pem\"");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(settings.unwrap().ca_pem.is_some());
}

#[test]
fn other_schemes_name_the_sentinel_ones_too() {
    let bad = redis_url("sentinel://s1/mymaster").unwrap_err();
    assert!(bad.contains("redis+sentinel://"), "{bad}");
}

#[test]
fn a_password_that_is_not_percent_encoded_is_refused_without_showing_it() {
    for text in [
        "redis://u:12/ab@cache:6379/0",
        "rediss://:pw?x@cache",
        "redis://:pw#frag@cache/1",
    ] {
        let error = redis_url(text).unwrap_err();
        assert!(error.contains("percent-encode"), "{error}");
        assert!(!error.contains("12") && !error.contains("pw"), "{error}");
    }
    assert!(redis_url("redis://u:12%2Fab@cache:6379/0").is_ok());
}
