//! One delegation, from checked parameters to STS credentials (docs/architecture.md, "The
//! request path"). `/delegation`, explain and `try-rule` run the same stages (src/delegation/
//! flow.rs), each reporting to a [`Trace`]; they differ only in where they start and stop.

mod app_token;
mod aws;
mod choice;
mod context;
mod error;
mod explain;
mod flow;
mod request;
mod session;
mod trace;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use app_token::AppToken;
pub use aws::AwsPrefill;
pub use choice::{Choice, Chooser};
pub use context::user_from_claims;
pub use error::DelegationError;
pub use explain::explain;
pub use request::{ApiType, DelegationRequest, Params, RequestInfo};
pub use trace::{TokenTrace, Trace};

use crate::app::App;
use crate::backend::PreparedCall;
pub use crate::backend::{ResolvedAws, Session};
use crate::config::Client;
use crate::console::ConsoleLogin;
use crate::domain::Subject;
use crate::sts::StsResult;
use flow::Purpose;

/// The calling client and the target whose AWS settings apply.
#[derive(Debug, Clone, Copy)]
pub struct Parties<'a> {
    pub caller: &'a Client,
    pub target: &'a Client,
}

/// What a delegation hands out.
#[derive(Debug)]
pub enum Issued {
    /// `api_type=aws`: STS's credentials.
    Aws(Box<StsResult>),
    /// `api_type=app`: a new id_token for the target.
    App(AppToken),
    /// `api_type=aws_console`: a console sign-in URL, and the STS call behind it.
    Console(Box<ConsoleIssued>),
}

/// What a delegation hands out, and the refresh token an issuer rotated while redeeming
/// the caller's, which goes back to the caller. `Debug` leaves that token out.
pub struct Delegated {
    pub issued: Issued,
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for Delegated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delegated")
            .field("issued", &self.issued)
            .field("refresh_token_rotated", &self.refresh_token.is_some())
            .finish()
    }
}

/// A console sign-in and what the audit record keeps of the credentials behind it.
#[derive(Debug)]
pub struct ConsoleIssued {
    pub login: ConsoleLogin,
    pub sts_request_id: String,
    pub expires_at: time::OffsetDateTime,
}

/// The user as the verified id_token (or `try-rule`'s user file) describes them.
#[derive(Debug)]
pub struct VerifiedUser {
    pub subject: Subject,
    pub claims: Map<String, Value>,
}

/// Everything decided before signing: the user after rules, and the backend's call with
/// the final AWS settings.
#[derive(Debug)]
pub struct Prepared {
    /// `sub`: the user's name in AWS.
    pub user_id: String,
    pub user: Map<String, Value>,
    pub call: Box<dyn PreparedCall>,
}

/// Runs the whole flow for an already-parsed request, reporting each stage to `trace`.
///
/// Only the calling client is looked up before the id_token is verified: until then every
/// refusal that depends on configuration (the target, its callers, its AWS settings, the
/// role allowlist, the browser origin) would tell an unauthenticated caller something
/// about it.
pub async fn delegate(
    app: &Arc<App>,
    req: &DelegationRequest,
    deadline: tokio::time::Instant,
    trace: &mut Trace,
) -> Result<Delegated, DelegationError> {
    let now = app.clock.now();
    let (caller, verified, refresh_token) = flow::verify(app, req, now, true, trace).await?;
    // Only a verified caller takes one of the `max_in_flight` places, and keeps it until
    // the flow ends: unauthenticated clients, however many and however slow, cannot.
    let _permit = Arc::clone(&app.in_flight)
        .try_acquire_owned()
        .map_err(|_| DelegationError::Unavailable {
            description: "the server is at its limit of delegations in flight; retry".into(),
            retry_after: std::time::Duration::from_secs(1),
        })?;
    flow::admitted(caller, &verified, trace);
    if let Some(limiter) = &app.limiter {
        limiter
            .check(&format!("{}\n{}", caller.issuer, verified.subject))
            .await?;
    }
    let issued = match flow::settle(app, req, caller, verified, Purpose::Issue(now), trace).await? {
        flow::Settled::App(token) => Issued::App(token),
        flow::Settled::Aws(parties, prepared) => {
            let result = flow::send(app, parties, &prepared, now, deadline, trace).await?;
            if req.api_type == ApiType::AwsConsole {
                let login = flow::console(app, parties.target, &prepared, &result, trace).await?;
                Issued::Console(Box::new(ConsoleIssued {
                    login,
                    sts_request_id: result.request_id().to_owned(),
                    expires_at: result.expiration(),
                }))
            } else {
                Issued::Aws(Box::new(result))
            }
        }
    };
    Ok(Delegated {
        issued,
        refresh_token,
    })
}

/// The same stages as [`delegate`] up to the backend's prepared call, which is neither
/// signed nor sent; no place in flight is taken and the per-user limit is not charged.
/// For administrators: `trace` should be [`Trace::detailed`].
pub async fn dry_run(
    app: &App,
    req: &DelegationRequest,
    trace: &mut Trace,
) -> Result<Prepared, DelegationError> {
    let now = app.clock.now();
    let (caller, verified, _) = flow::verify(app, req, now, false, trace).await?;
    flow::admitted(caller, &verified, trace);
    flow::settle(app, req, caller, verified, Purpose::Explain, trace)
        .await?
        .prepared()
}

/// [`dry_run`] for a user given as claims instead of an id_token (`try-rule`).
pub async fn dry_run_user(
    app: &App,
    req: &DelegationRequest,
    user: VerifiedUser,
    trace: &mut Trace,
) -> Result<Prepared, DelegationError> {
    let caller = req.caller(&app.settings.clients)?;
    flow::admitted(caller, &user, trace);
    flow::settle(app, req, caller, user, Purpose::Explain, trace)
        .await?
        .prepared()
}
