//! Operations: what an operator watches and keeps. Metrics, the audit log, request IDs and
//! the admin token's guard live here; the delegation flow reports to them through one
//! [`DelegationEvent`] per finished delegation, and the token verifier and STS client
//! through small observer traits of their own.

pub mod admin;
pub mod audit;
mod event;
pub mod metrics;
pub mod request_id;

pub use audit::{AuditError, AuditSink, AuditTarget};
pub use event::{DelegationEvent, RulesReport};
pub use metrics::Metrics;
