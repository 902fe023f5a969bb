//! delegation-server: a self-hosted replacement for Auth0's legacy `/delegation` endpoint
//! for AWS. Verifies an OIDC id_token, signs a SAML 2.0 Response and exchanges it with STS
//! `AssumeRoleWithSAML` for temporary credentials.

// Slicing a `str` by byte offsets panics off a character boundary: user and configuration
// text is never sliced (use `get`, `split_at_checked` or byte comparisons instead).
#![deny(clippy::string_slice)]

pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod delegation;
pub mod domain;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
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
