//! The STS reply parser: result and error documents, DOCTYPE and entity tricks, any bytes.
//! Property: never panics; a reply read as a result has credentials and turns into the
//! JSON answer the client gets.
#![no_main]

use delegation_server::fuzzing;
use delegation_server::sts::StsResult;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = fuzzing::sts_reply(data);
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(parsed.is_err(), "a reply that is not UTF-8 was read");
        return;
    };
    if let Ok(result) = StsResult::from_xml(text) {
        assert_eq!(parsed.ok(), Some("result"));
        assert!(!result.access_key_id().is_empty());
        let json = serde_json::to_value(&result).expect("the answer serialises");
        assert!(json["Credentials"]["SessionToken"].is_string());
    }
});
