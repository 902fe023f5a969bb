//! End-to-end tests: the real server on port 0, a local OIDC issuer, moto's STS behind a
//! recording front, and independent SAML verifiers.

mod app_token;
mod audit;
mod backends;
mod bad_requests;
mod bad_tokens;
mod cache;
mod claim_handling;
mod clamp;
mod cold_start;
mod connections;
mod console;
mod declarative;
mod delegation;
mod explain;
mod fault_matrix;
mod helpers;
mod hostile;
mod import;
mod logs;
mod metadata;
mod ops;
mod own_issuer;
mod python;
mod refresh;
mod reload;
mod rules;
#[path = "../support/saml_verify.rs"]
mod saml_verify;
mod security;
mod shared_state;
mod sts_faults;
mod test_app;
mod tls;
mod warm_up;
mod web_identity;
mod wire;
