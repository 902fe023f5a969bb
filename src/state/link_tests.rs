//! Unit tests of `state::link`.

use std::time::Duration;

use redis::{ErrorKind, RedisError, ServerErrorKind};

use super::*;

fn server(kind: ServerErrorKind) -> StateError {
    StateError::Redis(RedisError::from((
        ErrorKind::Server(kind),
        "from the server",
    )))
}

#[test]
fn a_demoted_or_unreachable_primary_is_asked_for_again() {
    assert!(primary_lost(&server(ServerErrorKind::ReadOnly)));
    assert!(primary_lost(&server(ServerErrorKind::MasterDown)));
    assert!(primary_lost(&StateError::Timeout(Duration::from_millis(
        250
    ))));
    for kind in [
        std::io::ErrorKind::ConnectionRefused,
        std::io::ErrorKind::ConnectionReset,
        std::io::ErrorKind::BrokenPipe,
        std::io::ErrorKind::TimedOut,
    ] {
        let error = StateError::Redis(RedisError::from(std::io::Error::from(kind)));
        assert!(primary_lost(&error), "{kind:?}");
    }
}

#[test]
fn answers_that_say_nothing_of_the_primary_keep_the_connection() {
    // A script error, a busy script, a missing script (reloaded by the caller), a stored
    // value that does not open: the primary is still the primary.
    assert!(!primary_lost(&server(ServerErrorKind::ResponseError)));
    assert!(!primary_lost(&server(ServerErrorKind::NoScript)));
    assert!(!primary_lost(&server(ServerErrorKind::BusyLoading)));
    assert!(!primary_lost(&StateError::Entry(
        "sealed with another key".into()
    )));
    let wrong_type = RedisError::from((ErrorKind::UnexpectedReturnType, "not a number"));
    assert!(!primary_lost(&StateError::Redis(wrong_type)));
}
