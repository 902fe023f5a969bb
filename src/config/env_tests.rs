//! Unit tests of `config::env`.

use super::*;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};

const FILE: &str = r#"
[server]
listen = "0.0.0.0:8080"
[[issuers]]
issuer = "https://a/"
jwks_uri = "https://a/jwks"
[[issuers]]
issuer = "https://b/"
jwks_uri = "https://b/jwks"
[[clients]]
client_id = "app"
[clients.aws]
role = "r"
"#;

fn applied(vars: &[(&str, &str)]) -> Result<serde_json::Value, String> {
    let mut tree: Dict = Figment::from(Toml::string(FILE)).extract().unwrap();
    let vars = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
    apply(&mut tree, vars)?;
    Ok(Figment::from(Serialized::defaults(tree)).extract().unwrap())
}

#[test]
fn entries_of_arrays_of_tables_are_reached_by_their_number() {
    let out = applied(&[
        (
            "DELEGATION_ISSUERS__1__JWKS_URI",
            "http://localhost:9000/jwks",
        ),
        ("DELEGATION_CLIENTS__0__AWS__REGION", "eu-west-1"),
        ("DELEGATION_SERVER__LISTEN", "127.0.0.1:9000"),
        ("DELEGATION_SERVER__MAX_IN_FLIGHT", "8"),
        ("DELEGATION_LOG", "debug"),
        ("OTHER__KEY", "x"),
    ])
    .unwrap();
    assert_eq!(out["issuers"][0]["jwks_uri"], "https://a/jwks");
    assert_eq!(out["issuers"][1]["jwks_uri"], "http://localhost:9000/jwks");
    assert_eq!(out["issuers"][1]["issuer"], "https://b/");
    assert_eq!(out["clients"][0]["aws"]["region"], "eu-west-1");
    assert_eq!(out["clients"][0]["aws"]["role"], "r");
    assert_eq!(out["server"]["listen"], "127.0.0.1:9000");
    assert_eq!(out["server"]["max_in_flight"], 8);
    assert!(out.get("log").is_none());
}

#[test]
fn overrides_that_cannot_apply_are_named() {
    let past = applied(&[("DELEGATION_ISSUERS__2__JWKS_URI", "x")]).unwrap_err();
    assert!(
        past.contains("DELEGATION_ISSUERS__2__JWKS_URI") && past.contains("2 entries"),
        "{past}"
    );
    let word = applied(&[("DELEGATION_ISSUERS__FIRST__JWKS_URI", "x")]).unwrap_err();
    assert!(word.contains("is a list"), "{word}");
    let below = applied(&[("DELEGATION_SERVER__LISTEN__PORT", "1")]).unwrap_err();
    assert!(below.contains("single value"), "{below}");
    let empty = applied(&[("DELEGATION_SERVER____LISTEN", "1")]).unwrap_err();
    assert!(empty.contains("empty key"), "{empty}");
}

#[test]
fn new_sections_and_keys_are_made() {
    let out = applied(&[("DELEGATION_STATE__REDIS_URL", "redis://r:6379/0")]).unwrap();
    assert_eq!(out["state"]["redis_url"], "redis://r:6379/0");
}

#[test]
fn a_sentinel_url_with_several_hosts_stays_one_string() {
    let url = "redis+sentinel://:pw@s1:26379,s2:26380/mymaster/1";
    let out = applied(&[("DELEGATION_STATE__REDIS_URL", url)]).unwrap();
    assert_eq!(out["state"]["redis_url"], url);
}
