//! delegation-server: a self-hosted replacement for Auth0's legacy `/delegation` endpoint
//! for AWS. Verifies an OIDC id_token, signs a SAML 2.0 Response and exchanges it with STS
//! `AssumeRoleWithSAML` for temporary credentials.
//!
//! # Layout
//!
//! The modules read top-down as a request flows (docs/architecture.md has the whole path):
//!
//! - [`cli`]: the commands; `serve` builds a [`server::Server`] and hands it to [`startup`];
//!   `import auth0` runs [`import`], which turns an Auth0 tenant export into configuration.
//! - [`startup`]: the accept loop: listeners, connection limits, SIGHUP, shutdown.
//! - [`server`]: the live swap of the [`app::App`] snapshot on reload; [`app`] is the
//!   component snapshot (signer, verifier, STS client, rules engine, cache, …) built from
//!   settings.
//! - [`http`]: routes and handlers, the public and the management router; [`error`] is
//!   where an error becomes an HTTP response.
//! - [`delegation`]: one delegation as stages reporting to a `Trace`: parties, role
//!   choice, rules, the backend's call, and explain and `try-rule` over the same stages.
//! - [`backend`]: the credential backends (`saml`, `web_identity`) behind one trait, and
//!   their registry.
//! - Components the flow calls: [`token`] (id_token verification), [`rules`] (the
//!   JavaScript engine), [`saml`] (the signed Response), [`sts`] (the STS client),
//!   [`cache`] (the credential cache), [`state`] (Redis), [`limit`] (the per-user rate
//!   limit), [`issuer`] (the server's own OIDC provider), [`console`] (AWS console
//!   sign-in URLs).
//! - [`domain`]: typed values parsed once (ARNs, regions, subjects, role rules, policies,
//!   secrets).
//! - Above the components: [`config`] (the file, environment overrides, validation into
//!   each component's settings). Beside the flow: [`ops`] (metrics, audit log, request IDs),
//!   [`telemetry`] (logs), [`tls`] and [`roots`] (server and client certificates).
//!
//! No module imports one above it, and the imports between modules have no circle
//! (tests/layers.rs).

// Slicing a `str` by byte offsets panics off a character boundary: user and configuration
// text is never sliced (use `get`, `split_at_checked` or byte comparisons instead).
#![deny(clippy::string_slice)]

pub mod app;
pub mod backend;
pub mod cache;
pub mod cli;
pub mod config;
pub mod console;
pub mod delegation;
pub mod domain;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod import;
pub mod issuer;
pub mod limit;
pub mod ops;
pub mod roots;
pub mod rules;
pub mod saml;
pub mod server;
pub mod startup;
pub mod state;
pub mod sts;
pub mod telemetry;
pub mod tls;
pub mod token;
