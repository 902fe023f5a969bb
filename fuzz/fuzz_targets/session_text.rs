//! The session-name and attribute sanitisers.
//! Property: a session name is always what AWS accepts (`[A-Za-z0-9_+=,.@-]{2,64}`);
//! attributes computed from any user either fail with an error or carry a valid
//! `RoleSessionName` and only XML-safe text.
#![no_main]

use delegation_server::saml::{
    compute_attributes, default_mappings, default_session_name, session_name,
};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";

fn assert_valid_session_name(name: &str) {
    assert!(
        (2..=64).contains(&name.len()),
        "length {} for {name:?}",
        name.len()
    );
    assert!(
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)),
        "invalid character in {name:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert_valid_session_name(&session_name(&text));

    let Ok(user) = serde_json::from_slice::<Map<String, Value>>(data) else {
        return;
    };
    assert_valid_session_name(&default_session_name(&user));
    let mut mappings = default_mappings();
    mappings.extend(
        user.keys()
            .take(8)
            .map(|key| (format!("urn:fuzz:{key}"), key.clone())),
    );
    let Ok(attributes) = compute_attributes(&user, &mappings) else {
        return;
    };
    for attribute in &attributes {
        if attribute.name == ROLE_SESSION_NAME {
            assert_eq!(attribute.values.len(), 1);
            assert_valid_session_name(&attribute.values[0]);
        }
    }
});
