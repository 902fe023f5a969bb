//! The stages of a delegation, in the order they run, each reporting to the [`Trace`]:
//! verify the id_token for the calling client, settle the target, role, rules and the
//! backend's call, and send it through the credential cache.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::aws::AwsPrefill;
use super::choice::choose;
use super::trace::{TokenTrace, Trace};
use super::{
    ApiType, AppToken, DelegationError, DelegationRequest, Parties, Prepared, VerifiedUser,
    app_token, context,
};
use crate::app::App;
use crate::backend::{BackendError, CallInput};
use crate::cache::{FetchError, KeyWriter};
use crate::config::Client;
use crate::console::{ConsoleError, ConsoleLogin};
use crate::domain::Subject;
use crate::saml;
use crate::sts::StsResult;
use crate::token::Expected;

/// Whether the flow is to hand something out, or only to show what it would.
#[derive(Debug, Clone, Copy)]
pub(super) enum Purpose {
    /// Sign and send, at this time.
    Issue(OffsetDateTime),
    /// Stop at the prepared call (explain, `try-rule`).
    Explain,
}

/// Where [`settle`] ends.
pub(super) enum Settled<'a> {
    /// `api_type=app`: the id_token is signed.
    App(AppToken),
    /// `api_type=aws`: the backend's call, prepared.
    Aws(Parties<'a>, Prepared),
}

impl Settled<'_> {
    pub(super) fn prepared(self) -> Result<Prepared, DelegationError> {
        match self {
            Settled::Aws(_, prepared) => Ok(prepared),
            Settled::App(_) => Err(DelegationError::Internal(
                "an app token was signed where only an explanation was asked for".into(),
            )),
        }
    }
}

/// The calling client and the user its id_token names, at `now`.
///
/// A `refresh_token` is redeemed at the caller's issuer first, when `redeem` allows (not
/// for explain: a rotating issuer would use it up); the rotated one it may return is the
/// third value.
pub(super) async fn verify<'a>(
    app: &'a App,
    req: &DelegationRequest,
    now: OffsetDateTime,
    redeem: bool,
    trace: &mut Trace,
) -> Result<(&'a Client, VerifiedUser, Option<String>), DelegationError> {
    let caller = req.caller(&app.settings.clients)?;
    let redeemed = match &req.refresh_token {
        None => None,
        Some(_) if !redeem => {
            return Err(DelegationError::InvalidRequest(
                "explain takes an id_token: redeeming a refresh_token would use it up".into(),
            ));
        }
        Some(refresh_token) => {
            let Some(refresh) = &caller.refresh else {
                return Err(DelegationError::InvalidRequest(format!(
                    "client `{}` does not accept refresh_token; send the user's id_token, or enable [clients.refresh]",
                    caller.client_id
                )));
            };
            let secret = refresh.client_secret.as_ref().map(|s| s.expose().as_str());
            let redeemed = app
                .verifier
                .redeem_refresh_token(&caller.issuer, &caller.client_id, secret, refresh_token)
                .await?;
            Some(redeemed)
        }
    };
    let id_token = redeemed
        .as_ref()
        .map_or(req.id_token.as_str(), |r| r.id_token.as_str());
    let expected = Expected {
        issuer: &caller.issuer,
        client_id: &caller.client_id,
        client_secret: caller.secret.as_ref().map(|s| s.expose().as_slice()),
    };
    let now = now.unix_timestamp();
    let verified = if trace.detailed {
        let (alg, kid) = crate::token::header_summary(id_token).unwrap_or(("?", None));
        let mut token = TokenTrace {
            issuer: caller.issuer.clone(),
            alg: alg.to_owned(),
            kid,
            ..TokenTrace::default()
        };
        let named = &mut token.named;
        let verified = app
            .verifier
            .verify_reporting(id_token, &expected, now, &mut |check| named.push(check))
            .await;
        token.failure = verified.as_ref().err().map(ToString::to_string);
        trace.token = Some(token);
        verified?
    } else {
        app.verifier.verify(id_token, &expected, now).await?
    };
    let subject = Subject::from_claims(&verified).map_err(|e| {
        if let Some(token) = &mut trace.token {
            token.failure = Some(e.to_string());
        }
        DelegationError::InvalidGrant(e.to_string())
    })?;
    let user = VerifiedUser {
        subject,
        claims: verified,
    };
    Ok((caller, user, redeemed.and_then(|r| r.refresh_token)))
}

/// Reports the admitted user.
pub(super) fn admitted(caller: &Client, user: &VerifiedUser, trace: &mut Trace) {
    trace.issuer = Some(caller.issuer.clone());
    trace.subject = Some(user.subject.to_string());
}

/// From the verified user to what will be handed out: the target, the browser origin, the
/// starting role, the rules, and the backend's call (or, for `api_type=app`, the token).
pub(super) async fn settle<'a>(
    app: &'a App,
    req: &DelegationRequest,
    caller: &'a Client,
    user: VerifiedUser,
    purpose: Purpose,
    trace: &mut Trace,
) -> Result<Settled<'a>, DelegationError> {
    let target = req.target(caller, &app.settings.clients)?;
    req.check_origin(caller, &app.settings.server.cors_origins)?;
    let parties = Parties { caller, target };
    let now = match purpose {
        Purpose::Issue(now) => now,
        Purpose::Explain => app.clock.now(),
    };
    // With the target's clamp, what is handed out ends no later than the id_token.
    let token_left = target
        .clamp_to_token_lifetime
        .then(|| token_seconds_left(&user.claims, now))
        .flatten();
    if req.api_type == ApiType::App {
        let Purpose::Issue(now) = purpose else {
            return Err(DelegationError::InvalidRequest(
                "explain covers api_type aws; api_type app runs the rules and signs an id_token, with no role to choose".into(),
            ));
        };
        return app_token::issue(app, req, parties, user, now, token_left, trace)
            .await
            .map(Settled::App);
    }
    if req.api_type == ApiType::AwsConsole && target.console.is_none() {
        return Err(DelegationError::InvalidRequest(format!(
            "client `{}` does not allow api_type aws_console; enable it with [clients.console]",
            target.client_id
        )));
    }
    // Role rules read the user the JavaScript rules see: `user_id` is `sub`, and claims
    // only the server sets (`awsrole`, `rolesessionname`) are not taken from the token.
    let user_id = user.subject.to_string();
    let user = context::user_from_claims(user.claims, &user_id);
    let defaults = req.aws_defaults(target)?;
    let choice = choose(defaults, req, &user, trace)?;
    trace.choice = Some(choice.clone());
    let prefill = AwsPrefill::new(defaults, choice);
    let clamp = Clamp { token_left };
    let prepared = prepare(app, req, parties, prefill, (user_id, user), clamp, trace).await?;
    Ok(Settled::Aws(parties, prepared))
}

/// The console sign-in URL for the credentials `result` holds. With the target's clamp,
/// the console session ends no later than the id_token, as the credentials do.
pub(super) async fn console(
    app: &App,
    target: &Client,
    prepared: &Prepared,
    result: &StsResult,
    trace: &Trace,
) -> Result<ConsoleLogin, DelegationError> {
    let Some(settings) = &target.console else {
        return Err(DelegationError::Internal(
            "console settings vanished".into(),
        ));
    };
    let session = settings.session_for(trace.clamp.map(|(_, left)| left));
    let partition = prepared.call.aws().role.partition();
    app.federation
        .sign_in(partition, result.credentials(), settings, session)
        .await
        .map_err(|e| match e {
            ConsoleError::Unavailable(_) => {
                tracing::warn!(error = %e, "console sign-in");
                DelegationError::Unavailable {
                    description: "the AWS federation endpoint is unavailable; retry later".into(),
                    retry_after: std::time::Duration::from_secs(2),
                }
            }
            ConsoleError::Refused(_) => DelegationError::Upstream(e.to_string()),
        })
}

/// Seconds until the id_token's `exp`, when it has one.
fn token_seconds_left(claims: &Map<String, Value>, now: OffsetDateTime) -> Option<i64> {
    let exp = claims.get("exp")?.as_f64()?;
    // `exp` was checked to be a date between 1970 and 9999 when the token was verified.
    Some(exp.floor() as i64 - now.unix_timestamp())
}

/// The target's clamp of the session to the id_token's lifetime: `token_left` is set when
/// it applies.
#[derive(Debug, Clone, Copy)]
struct Clamp {
    token_left: Option<i64>,
}

impl Clamp {
    /// AWS's shortest session.
    const AWS_MINIMUM: i64 = 900;

    /// `lifetime`, shortened to what is left of the id_token; refused when that is less
    /// than AWS's shortest session.
    fn apply(self, lifetime: u32, trace: &mut Trace) -> Result<u32, DelegationError> {
        let Some(left) = self.token_left else {
            return Ok(lifetime);
        };
        if left < Self::AWS_MINIMUM {
            return Err(DelegationError::InvalidGrant(format!(
                "the id_token expires in {} s, and AWS issues credentials for at least {} s; send a fresher id_token",
                left.max(0),
                Self::AWS_MINIMUM
            )));
        }
        let clamped = u32::try_from(left).map_or(lifetime, |left| lifetime.min(left));
        trace.clamp = Some((lifetime, left));
        Ok(clamped)
    }
}

/// Runs the rules on `user` and applies what they set, then has the backend prepare its
/// call.
async fn prepare(
    app: &App,
    req: &DelegationRequest,
    parties: Parties<'_>,
    prefill: AwsPrefill<'_>,
    (user_id, user): (String, Map<String, Value>),
    clamp: Clamp,
    trace: &mut Trace,
) -> Result<Prepared, DelegationError> {
    // Without rules nothing reads the context, and the AWS settings it would hand back
    // are the prefilled ones.
    let rule_context = if app.rules.is_empty() {
        Map::new()
    } else {
        context::rule_context(req, parties, Some(&prefill))
    };
    let ran = context::run_rules(&app.rules, user, rule_context, trace).await?;
    let (mut user, rule_context) = (ran.user, ran.context);

    let chooser = prefill.choice.by;
    let oidc_issuer = app.oidc.as_ref().map(|o| o.url());
    let rule_aws = context::aws_from_context(&rule_context);
    let mut aws = prefill.resolve(rule_aws, &req.target, &user, oidc_issuer)?;
    aws.lifetime_in_seconds = clamp.apply(aws.lifetime_in_seconds, trace)?;
    trace.role = Some(aws.role.to_string());
    trace.principal = Some(aws.principal.to_string());
    trace.region = Some(aws.region.to_string());
    trace.decided_by = Some(match ran.decided_by {
        Some(rule) => format!("rule:{rule}"),
        None => chooser.describe(),
    });
    aws.fill_user_defaults(&mut user);
    trace.session_name = user
        .get("rolesessionname")
        .and_then(Value::as_str)
        .map(saml::session_name);
    let backend = aws.backend;
    let call = backend.prepare(CallInput {
        user_id: &user_id,
        user: &user,
        aws,
        services: app.services(),
    })?;
    Ok(Prepared {
        user_id,
        user,
        call,
    })
}

/// Signs and sends the prepared call, through the credential cache when it is on.
pub(super) async fn send(
    app: &App,
    parties: Parties<'_>,
    prepared: &Prepared,
    now: OffsetDateTime,
    deadline: tokio::time::Instant,
    trace: &mut Trace,
) -> Result<StsResult, DelegationError> {
    let call = &*prepared.call;
    let services = app.services();
    let fetch = || async {
        call.send(&services, now, deadline)
            .await
            .map_err(|e| match e {
                BackendError::Sts(e) => FetchError::Sts(e),
                other => FetchError::Other(DelegationError::from(other)),
            })
    };
    let refused = |e| match e {
        FetchError::Sts(e) => e.into(),
        FetchError::Other(e) => e,
        FetchError::Internal(what) => DelegationError::Internal(what.into()),
    };
    let Some(cache) = &app.cache else {
        return fetch().await.map_err(refused);
    };
    // Who asks, and through which backend; then the backend's own call.
    let Parties { caller, target } = parties;
    let mut key = KeyWriter::new();
    key.text(call.aws().backend.name());
    for text in [&caller.issuer, &caller.client_id, &target.client_id] {
        key.text(text);
    }
    call.write_key(&mut key);
    let (result, lookup) = cache.get_or_fetch(key.finish(), now, fetch).await;
    trace.cache = Some(lookup.as_str());
    result.map_err(refused)
}
