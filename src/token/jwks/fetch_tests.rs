//! Unit tests of `token::jwks::fetch`.

use super::max_age;

#[test]
fn max_age_is_read_from_cache_control() {
    assert_eq!(max_age("public, max-age=3600"), Some(3600));
    assert_eq!(max_age("MAX-AGE = 60 , must-revalidate"), Some(60));
    assert_eq!(max_age("max-age=\"30\""), Some(30));
    assert_eq!(max_age("no-store"), Some(0));
    assert_eq!(max_age("public, s-maxage=10"), None);
    assert_eq!(max_age("max-age=soon"), None);
}
