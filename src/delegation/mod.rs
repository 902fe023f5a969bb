//! One delegation, from checked parameters to STS credentials (docs/architecture.md, "The
//! request path").

mod app_token;
mod aws;
mod choice;
mod context;
mod error;
mod explain;
mod request;
mod saml_call;
mod session;
mod web_identity;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use app_token::AppToken;
pub use aws::{AwsPrefill, ResolvedAws};
pub use choice::{Choice, Chooser};
pub use context::user_from_claims;
pub use error::DelegationError;
pub use explain::explain;
pub use request::{ApiType, DelegationRequest, Params, RequestInfo};
pub use session::Session;

use crate::app::App;
use crate::cache::FetchError;
use crate::config::{Backend, Client};
use crate::domain::Subject;

use crate::ops::DelegationEvent;
use crate::saml::{self, SamlAttribute};
use crate::sts::StsResult;
use crate::token::Expected;

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
}

/// The user as the verified id_token describes them.
#[derive(Debug)]
pub struct VerifiedUser {
    pub subject: Subject,
    pub claims: Map<String, Value>,
}

/// Everything decided before signing: the AWS settings, the user after rules, and the
/// SAML attributes (or, with web identity, the mapped token claims).
#[derive(Debug)]
pub struct Prepared {
    pub user_id: String,
    pub aws: ResolvedAws,
    pub user: Map<String, Value>,
    pub attributes: Vec<SamlAttribute>,
    /// The claims a web identity token carries besides the registered and AWS ones.
    pub token_claims: Map<String, Value>,
    /// What each rule changed, when traced.
    pub rule_changes: Vec<crate::rules::RuleChange>,
}

/// Runs the whole flow for an already-parsed request.
///
/// Only the calling client is looked up before the id_token is verified: until then every
/// refusal that depends on configuration (the target, its callers, its AWS settings, the
/// role allowlist, the browser origin) would tell an unauthenticated caller something
/// about it.
pub async fn delegate(
    app: &Arc<App>,
    req: &DelegationRequest,
    event: &mut DelegationEvent,
    deadline: tokio::time::Instant,
) -> Result<Issued, DelegationError> {
    let clients = &app.settings.clients;
    let caller = req.caller(clients)?;
    let expected = Expected {
        issuer: &caller.issuer,
        client_id: &caller.client_id,
        client_secret: caller.secret.as_ref().map(|s| s.expose().as_slice()),
    };
    let now = app.clock.now();
    let claims = app
        .verifier
        .verify(&req.id_token, &expected, now.unix_timestamp())
        .await?;
    // Only a verified caller takes one of the `max_in_flight` places, and keeps it until
    // the flow ends: unauthenticated clients, however many and however slow, cannot.
    let _permit = Arc::clone(&app.in_flight)
        .try_acquire_owned()
        .map_err(|_| DelegationError::Unavailable {
            description: "the server is at its limit of delegations in flight; retry".into(),
            retry_after: std::time::Duration::from_secs(1),
        })?;
    event.issuer = Some(caller.issuer.clone());
    let subject =
        Subject::from_claims(&claims).map_err(|e| DelegationError::InvalidGrant(e.to_string()))?;
    event.subject = Some(subject.to_string());
    if let Some(limiter) = &app.limiter {
        limiter
            .check(&format!("{}\n{subject}", caller.issuer))
            .await?;
    }

    let target = req.target(caller, clients)?;
    req.check_origin(caller, &app.settings.server)?;
    if req.api_type == ApiType::App {
        let parties = Parties { caller, target };
        let verified = VerifiedUser { subject, claims };
        return app_token::issue(app, req, parties, verified, now, event)
            .await
            .map(Issued::App);
    }
    // Role rules read the user the JavaScript rules see: `user_id` is `sub`, and claims
    // only the server sets (`awsrole`, `rolesessionname`) are not taken from the token.
    let claims = context::user_from_claims(claims, &subject.to_string());
    let prefill = AwsPrefill::new(req.aws_defaults(target)?, req, &claims).inspect_err(|e| {
        if matches!(e, DelegationError::Unauthorized(_)) {
            event.decided_by = Some("role_rules".to_owned());
        }
    })?;
    let parties = Parties { caller, target };
    let verified = VerifiedUser { subject, claims };
    let prepared = prepare(app, req, parties, prefill, verified, false, event).await?;
    let issued = match prepared.aws.backend {
        Backend::Saml => saml_call::issue(app, parties, &prepared, now, deadline, event).await,
        Backend::WebIdentity => {
            web_identity::issue(app, parties, &prepared, now, deadline, event).await
        }
    };
    issued.map(|result| Issued::Aws(Box::new(result)))
}

/// The credentials from the cache (when configured) or from `fetch`; `key` is computed
/// only for a cache.
async fn cached<Fut>(
    app: &App,
    key: impl FnOnce() -> crate::cache::CacheKey,
    now: time::OffsetDateTime,
    event: &mut DelegationEvent,
    fetch: impl FnOnce() -> Fut,
) -> Result<StsResult, DelegationError>
where
    Fut: std::future::Future<Output = Result<StsResult, FetchError<DelegationError>>>,
{
    let refused = |e| match e {
        FetchError::Sts(e) => e.into(),
        FetchError::Other(e) => e,
        FetchError::Internal(what) => DelegationError::Internal(what.into()),
    };
    let Some(cache) = &app.cache else {
        return fetch().await.map_err(refused);
    };
    let (result, lookup) = cache.get_or_fetch(key(), now, fetch).await;
    event.cache = Some(lookup.as_str());
    result.map_err(refused)
}

/// From verified claims to the final AWS settings and SAML attributes: builds `user` and
/// `context`, runs the rules, and applies what they set. Shared with `try-rule`.
pub async fn prepare(
    app: &App,
    req: &DelegationRequest,
    parties: Parties<'_>,
    prefill: AwsPrefill<'_>,
    verified: VerifiedUser,
    trace: bool,
    event: &mut DelegationEvent,
) -> Result<Prepared, DelegationError> {
    let user_id = verified.subject.to_string();
    let user = context::user_from_claims(verified.claims, &user_id);
    // Without rules nothing reads the context, and the AWS settings it would hand back
    // are the prefilled ones.
    let rule_context = if app.rules.is_empty() {
        Map::new()
    } else {
        context::rule_context(req, parties, Some(&prefill))
    };
    let ran = context::run_rules(&app.rules, user, rule_context, trace, event).await?;
    let (mut user, rule_context) = (ran.user, ran.context);

    let chooser = prefill.choice.by;
    let oidc_issuer = app.oidc.as_ref().map(|o| o.url());
    let rule_aws = context::aws_from_context(&rule_context);
    let aws = prefill.resolve(rule_aws, &req.target, &user, oidc_issuer)?;
    event.role = Some(aws.role.to_string());
    event.principal = Some(aws.principal.to_string());
    event.region = Some(aws.region.to_string());
    event.decided_by = Some(match ran.decided_by {
        Some(rule) => format!("rule:{rule}"),
        None => chooser.describe(),
    });
    aws.fill_user_defaults(&mut user);
    event.session_name = user
        .get("rolesessionname")
        .and_then(Value::as_str)
        .map(saml::session_name);
    if aws.backend == Backend::WebIdentity {
        let token_claims = web_identity::mapped_claims(&user, &aws.mappings)?;
        return Ok(Prepared {
            user_id,
            aws,
            user,
            attributes: Vec::new(),
            token_claims,
            rule_changes: ran.changes,
        });
    }
    let mut attributes = saml::compute_attributes(&user, &aws.mappings).map_err(|e| {
        if e.is_user_data() {
            DelegationError::InvalidRequest(format!("the user's claims cannot be sent to AWS: {e}"))
        } else {
            DelegationError::Internal(format!("SAML attributes: {e}"))
        }
    })?;
    let session = &aws.session;
    attributes.extend(saml::session_attributes(
        &session.tags,
        &session.transitive_tag_keys,
        session.source_identity.as_deref(),
    ));
    saml::check_attribute_set(&attributes)
        .map_err(|e| DelegationError::Internal(format!("SAML attributes: {e}")))?;
    Ok(Prepared {
        user_id,
        aws,
        user,
        attributes,
        token_claims: Map::new(),
        rule_changes: ran.changes,
    })
}
