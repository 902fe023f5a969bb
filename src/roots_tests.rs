//! Unit tests of `roots`.

use super::*;

#[test]
fn the_bundled_roots_are_there_without_any_system_store() {
    let roots = load(CaRoots::Bundled, None).unwrap();
    assert!(roots.len() > 100, "{} roots", roots.len());
}

#[test]
fn choices_parse_and_print_alike() {
    for choice in [CaRoots::SystemAndBundled, CaRoots::System, CaRoots::Bundled] {
        assert_eq!(CaRoots::parse(&choice.to_string()), Some(choice));
    }
    assert_eq!(CaRoots::parse("none"), None);
}

#[test]
fn an_extra_file_must_hold_certificates() {
    assert!(load(CaRoots::Bundled, Some(b"not pem")).is_err());
}

#[test]
fn both_clients_get_every_bundled_root() {
    let roots = load(CaRoots::Bundled, None).unwrap();
    assert_eq!(roots.to_reqwest().len(), roots.len());
    assert_eq!(roots.to_rustls().unwrap().len(), roots.len());
}
