//! The Dockerfile and what it leaves out of the build context.

use crate::read;

#[test]
fn the_dockerfile_pins_rust_runs_as_nonroot_and_labels_the_version() {
    let dockerfile = read("Dockerfile");
    let pinned = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("ARG RUST_VERSION="))
        .unwrap();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    assert!(version(pinned) >= version(env!("CARGO_PKG_RUST_VERSION")));
    assert!(dockerfile.contains("FROM rust:${RUST_VERSION}-slim-bookworm AS build"));
    assert!(dockerfile.contains("--release --locked"));
    // The build settings in .cargo/config.toml apply to the image's build too.
    assert!(dockerfile.contains("COPY .cargo .cargo"));
    let label = format!("ARG VERSION={}", env!("CARGO_PKG_VERSION"));
    assert!(dockerfile.contains(&label), "{label}");
    let user = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .unwrap();
    let uid: u32 = user.split(':').next().unwrap().parse().unwrap();
    assert_ne!(uid, 0);
    assert!(dockerfile.contains("CMD [\"/usr/local/bin/delegation-server\", \"healthcheck\"]"));
    assert!(dockerfile.contains("ENV DELEGATION_CONFIG=/etc/delegation/delegation.toml"));
    let ignored = read(".dockerignore");
    for dir in ["target/", ".venv/", ".run/"] {
        assert!(
            ignored.lines().any(|l| l == dir),
            "{dir} not in .dockerignore"
        );
    }
}
