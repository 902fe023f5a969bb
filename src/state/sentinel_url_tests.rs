//! Unit tests of `state::sentinel_url`.

use super::*;

#[test]
fn a_full_url_gives_every_part_and_shows_no_password() {
    let url = SentinelUrl::parse(
        "rediss+sentinel://app:s%40cret%2Fpw@Sentinel-1.example:26380,10.0.0.2,[::1]:26381/my-primary.1/3",
    )
    .unwrap();
    assert!(url.tls);
    assert_eq!(
        url.sentinels,
        vec![
            ("sentinel-1.example".to_owned(), 26380),
            ("10.0.0.2".to_owned(), SENTINEL_PORT),
            ("::1".to_owned(), 26381),
        ]
    );
    assert_eq!(url.service, "my-primary.1");
    assert_eq!(url.db, 3);
    assert_eq!(url.username.as_deref(), Some("app"));
    assert_eq!(url.password.as_ref().unwrap().expose(), "s@cret/pw");
    let shown = url.display();
    assert_eq!(
        shown,
        "rediss+sentinel://app:redacted@sentinel-1.example:26380,10.0.0.2:26379,[::1]:26381/my-primary.1/3"
    );
    assert!(!format!("{url:?}").contains("cret"));
}

#[test]
fn the_short_forms_take_the_defaults() {
    let url = SentinelUrl::parse("redis+sentinel://s1/mymaster").unwrap();
    assert!(!url.tls);
    assert_eq!(url.sentinels, vec![("s1".to_owned(), 26379)]);
    assert_eq!((url.service.as_str(), url.db), ("mymaster", 0));
    assert_eq!((url.username, url.password), (None, None));
    let trailing = SentinelUrl::parse("redis+sentinel://s1:1,s2:2/mymaster/").unwrap();
    assert_eq!(trailing.db, 0);
    assert_eq!(trailing.sentinels.len(), 2);
    // A password alone, as Redis's default user has.
    let password = SentinelUrl::parse("redis+sentinel://:pw@s1/m").unwrap();
    assert_eq!(password.username, None);
    assert_eq!(password.password.unwrap().expose(), "pw");
    assert_eq!(
        SentinelUrl::parse("redis+sentinel://:pw@s1/m")
            .unwrap()
            .display(),
        "redis+sentinel://:redacted@s1:26379/m/0"
    );
}

#[test]
fn mistakes_are_named() {
    use SentinelUrlError::*;
    let cases: &[(&str, SentinelUrlError)] = &[
        ("redis+sentinel:///mymaster", NoHosts),
        ("redis+sentinel://:pw@/mymaster", NoHosts),
        ("redis+sentinel://,,/mymaster", NoHosts),
        ("redis+sentinel://s1:port/m", BadPort("s1:port".into())),
        ("redis+sentinel://s1:0/m", BadPort("s1:0".into())),
        ("redis+sentinel://s1:65536/m", BadPort("s1:65536".into())),
        ("redis+sentinel://s1:+80/m", BadPort("s1:+80".into())),
        ("redis+sentinel://s1:/m", BadPort("s1:".into())),
        ("redis+sentinel://s1,s 2/m", BadHost("s 2".into())),
        ("redis+sentinel://::1:26379/m", BadHost("::1:26379".into())),
        ("redis+sentinel://[zz]:1/m", BadHost("[zz]:1".into())),
        ("redis+sentinel://s1", NoService),
        ("redis+sentinel://s1/", NoService),
        ("redis+sentinel://s1//0", NoService),
        (
            "redis+sentinel://s1/my master",
            BadService("my master".into()),
        ),
        ("redis+sentinel://s1/m/x", BadDb("x".into())),
        ("redis+sentinel://s1/m/-1", BadDb("-1".into())),
        ("redis+sentinel://s1/m/1/2", ExtraPath("2".into())),
        ("rediss+sentinel://s1/m#insecure", QueryOrFragment),
        ("redis+sentinel://s1/m?db=1", QueryOrFragment),
        ("redis+sentinel://u:%zz@s1/m", BadCredentials),
    ];
    for (text, expected) in cases {
        assert_eq!(SentinelUrl::parse(text).as_ref(), Err(expected), "{text}");
    }
}

#[test]
fn no_message_shows_the_password() {
    for text in [
        "redis+sentinel://u:hunter2@s1:x/m",
        "redis+sentinel://u:hunter2@s1",
        "redis+sentinel://u:hunter2@s1/m/db",
        "redis+sentinel://u:hunter2@/m",
    ] {
        let message = SentinelUrl::parse(text).unwrap_err().to_string();
        assert!(!message.contains("hunter2"), "{message}");
    }
}

#[test]
fn only_the_sentinel_schemes_are_sentinel_urls() {
    assert!(SentinelUrl::is_sentinel("redis+sentinel://s/m"));
    assert!(SentinelUrl::is_sentinel("rediss+sentinel://s/m"));
    assert!(!SentinelUrl::is_sentinel("redis://s/0"));
    assert!(!SentinelUrl::is_sentinel("sentinel://s/m"));
}

#[test]
fn a_password_with_a_slash_or_an_at_sign_is_read_whole_and_never_shown() {
    let url = SentinelUrl::parse("redis+sentinel://u:12/ab@c@s1:26380/primary/2").unwrap();
    assert_eq!(url.password.as_ref().unwrap().expose(), "12/ab@c");
    assert_eq!(url.sentinels, vec![("s1".to_owned(), 26380)]);
    assert_eq!(url.service, "primary");
    assert_eq!(url.db, 2);
    for bad in [
        "redis+sentinel://u:pw/secret@s1:nope/primary",
        "redis+sentinel://u:pw/secret@s1/bad service",
        "redis+sentinel://u:pw/secret@/primary",
    ] {
        let error = SentinelUrl::parse(bad).unwrap_err().to_string();
        assert!(
            !error.contains("secret") && !error.contains("pw"),
            "{bad}: {error}"
        );
    }
}
