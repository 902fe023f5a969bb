//! `[clients.console]`: where the console opens, the sign-in page AWS returns users to, the
//! session's length, and (for tests) the federation endpoint.

use super::{Problems, http_url, in_range, private_url};
use crate::config::file::ConsoleSection;
use crate::console::{ConsoleSettings, destination_problem};

pub(super) fn console(c: &ConsoleSection, key: &str, p: &mut Problems) -> Option<ConsoleSettings> {
    let destination = match c.destination.as_deref().map(http_url).transpose() {
        Ok(Some(url)) => match destination_problem(&url) {
            Some(problem) => {
                p.add(&format!("{key}.destination"), format!("`{url}` {problem}"));
                None
            }
            None => Some(url),
        },
        Ok(None) => None,
        Err(e) => {
            p.add(&format!("{key}.destination"), e);
            None
        }
    };
    let issuer = match c.issuer.as_deref().map(http_url) {
        Some(Ok(url)) => Some(url),
        Some(Err(e)) => {
            p.add(&format!("{key}.issuer"), e);
            None
        }
        None => {
            p.add(
                &format!("{key}.issuer"),
                "is required: the URL of your sign-in page, where AWS sends users whose console session ended",
            );
            None
        }
    };
    if let Some(seconds) = c.session_duration_seconds {
        in_range(
            p,
            &format!("{key}.session_duration_seconds"),
            u64::from(seconds),
            900,
            43_200,
        );
    }
    let federation_endpoint = match c
        .federation_endpoint
        .as_deref()
        .map(|u| private_url(u, false))
    {
        Some(Ok(url)) => Some(url),
        Some(Err(e)) => {
            p.add(&format!("{key}.federation_endpoint"), e);
            None
        }
        None => None,
    };
    Some(ConsoleSettings {
        destination,
        issuer: issuer?,
        session_duration: c.session_duration_seconds,
        federation_endpoint,
    })
}
