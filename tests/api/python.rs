//! The suite's Python side (the .venv `scripts/setup` makes): a support script under
//! `tests/support/`, fed on stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `tests/support/{script}` with `args`, `input` on stdin; stdout and stderr captured.
pub fn run_script(script: &str, args: &[&str], input: &[u8]) -> Output {
    let python = std::env::var("DELEGATION_TEST_PYTHON")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python").into());
    let path = format!("{}/tests/support/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(python)
        .arg(path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}
