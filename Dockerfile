# delegation-server container image.
#
#   docker build -t delegation-server .
#   docker run -p 8080:8080 -v "$PWD/deploy/config:/etc/delegation:ro" delegation-server
#
# Two stages: the build stage compiles the release binary (dependencies first, in a layer
# that changes only with Cargo.toml, Cargo.lock, .cargo/ and benches/); the runtime stage is
# distroless: the binary, the C runtime and the CA bundle, no shell, running as nonroot.

# At least the crate's rust-version (Cargo.toml).
ARG RUST_VERSION=1.95.0

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src

# Dependencies: built against placeholder sources, so this layer is reused until the
# manifest or the lock file changes. The benchmarks are named in the manifest, and cargo
# wants their files to exist.
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
COPY benches benches
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked --bin delegation-server \
    && rm -rf src

# The crate itself. `touch` makes sure cargo sees the real sources as newer than the
# placeholder build, whatever times the build context carries.
COPY src src
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin delegation-server \
    && cp target/release/delegation-server /delegation-server \
    && mkdir -p /state/delegation

FROM gcr.io/distroless/cc-debian12:nonroot

# The crate's version (Cargo.toml), and where the source is published; scripts pass both.
ARG VERSION=0.1.0
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="delegation-server" \
      org.opencontainers.image.description="Self-hosted replacement for Auth0's legacy /delegation endpoint for AWS" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

COPY --from=build /delegation-server /usr/local/bin/delegation-server
# Owned by nonroot, so a named volume mounted here (keys made by `keygen`) is writable.
COPY --from=build --chown=65532:65532 /state/delegation /var/lib/delegation

# The configuration (and the keys it names) is mounted here; see deploy/ for examples.
# Any key can also be set with DELEGATION_<SECTION>__<KEY>.
ENV DELEGATION_CONFIG=/etc/delegation/delegation.toml
# distroless's nonroot user, by number so orchestrators can check runAsNonRoot.
USER 65532:65532
EXPOSE 8080

# The image has no shell or curl: the binary probes its own /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/delegation-server", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/delegation-server"]
CMD ["serve"]
