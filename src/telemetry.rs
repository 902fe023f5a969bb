//! Logging setup. Levels come from `DELEGATION_LOG` (e.g. `info`, `delegation_server=debug`).
//!
//! The text format writes one event per line whatever the values hold: every field value
//! and message goes through [`escape_controls`], so a claim or a rule's message with a
//! newline, a carriage return or an ANSI escape cannot start a forged line or repaint a
//! terminal. Colour is used only when standard error is a terminal and `NO_COLOR` is not
//! set. The JSON format escapes by construction.

use std::fmt::Write as _;
use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt as _;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::Writer;

/// `default` applies when `DELEGATION_LOG` is not set.
pub fn init(json: bool, default: &str) {
    install_panic_hook();
    let filter =
        EnvFilter::try_from_env("DELEGATION_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = wants_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    try_init(json, filter, ansi, std::io::stderr);
}

/// Installs the subscriber the server uses, writing to `writer`; a second call (tests)
/// keeps the first subscriber.
pub fn try_init<W>(json: bool, filter: EnvFilter, ansi: bool, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _ = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        let fields = tracing_subscriber::fmt::format::debug_fn(escaped_field).delimited(" ");
        builder.with_ansi(ansi).fmt_fields(fields).try_init()
    };
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything but nothing
/// (<https://no-color.org>).
pub fn wants_colour(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// One field of the text format: `name=value`, or the bare message, escaped.
fn escaped_field(
    writer: &mut Writer<'_>,
    field: &tracing::field::Field,
    value: &dyn std::fmt::Debug,
) -> std::fmt::Result {
    let mut text = String::new();
    write!(text, "{value:?}")?;
    let text = escape_controls(&text);
    if field.name() == "message" {
        writer.write_str(&text)
    } else {
        write!(writer, "{}={text}", field.name())
    }
}

/// Whether `c` could break a log line or make it read otherwise than it is: control
/// characters (C0, DEL, C1), the line and paragraph separators, and the bidirectional
/// overrides and isolates that reorder what a terminal shows.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with every character that could break or disguise a log line (see
/// `needs_escape`) written as an escape: `\n`, `\r`, `\t`, else `\u{…}`.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

thread_local! {
    /// Set while a request's code runs on this thread (see [`redacting_panics`]).
    static IN_REQUEST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with panics on this thread logged without their message (see
/// [`install_panic_hook`]). The request path polls every request's future through it.
pub fn redacting_panics<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_REQUEST.with(|flag| flag.set(self.0));
        }
    }
    let _reset = Reset(IN_REQUEST.with(|flag| flag.replace(true)));
    f()
}

/// A panic inside a request is logged with its location only: its message can quote the
/// text it choked on (a claim, say), and such text never reaches the log. Any other panic
/// goes to the hook that was installed before (Rust's default: the whole message).
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_REQUEST.with(std::cell::Cell::get) {
                return previous(info);
            }
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            tracing::error!(
                location,
                "a panic while handling request data; its message is not logged, as it may quote that data"
            );
        }));
    });
}

#[cfg(test)]
#[path = "telemetry_tests.rs"]
mod tests;
