//! Credential backends: how a delegation turns the settled user and AWS settings into STS
//! credentials. Each backend is one module behind [`CredentialBackend`]: it checks the
//! parts of `[clients.aws]` only it reads, chooses its principal, prepares its call
//! (what it will sign, with nothing signed yet), describes it for explain and `try-rule`,
//! writes its canonical content into the cache key, and finally signs and calls STS.
//!
//! The flow in `delegation` knows backends only through this interface; a backend is
//! registered by one line in [`REGISTERED`] (docs/architecture.md, "Add a credential
//! backend").

mod saml;
mod target;
mod web_identity;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::{Map, Value};
use time::OffsetDateTime;

pub use saml::Saml;
pub use target::{ResolvedAws, Session};
pub use web_identity::WebIdentity;

use crate::cache::KeyWriter;
use crate::domain::{PrincipalArn, RoleArn};
use crate::issuer::OidcIssuer;
use crate::saml::{Mappings, SamlSigner};
use crate::sts::{StsClient, StsError, StsResult};

/// Every backend, by its `clients.aws.backend` word; the first is the default.
pub static REGISTERED: &[&dyn CredentialBackend] = &[&Saml, &WebIdentity];

/// The backend a configuration word names.
pub fn by_name(word: &str) -> Option<&'static dyn CredentialBackend> {
    REGISTERED.iter().copied().find(|b| b.name() == word)
}

/// The backend of a target that names none.
pub fn default_backend() -> &'static dyn CredentialBackend {
    &Saml
}

/// The configuration words, for an error that lists them.
pub fn names() -> String {
    let names: Vec<&str> = REGISTERED.iter().map(|b| b.name()).collect();
    names.join(", ")
}

/// A future a backend returns, boxed so backends can be used as trait objects.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<StsResult, BackendError>> + Send + 'a>>;

/// One way of obtaining credentials from STS.
pub trait CredentialBackend: fmt::Debug + Send + Sync {
    /// The word of `clients.aws.backend`.
    fn name(&self) -> &'static str;

    /// Problems with the keys of a target's `[clients.aws]` as this backend reads them,
    /// each as (full key, problem).
    fn check_section(&self, section: &Section<'_>) -> Vec<(String, String)>;

    /// Who names the user to AWS, so users of different token issuers are kept apart.
    fn issued_by<'a>(
        &self,
        saml_issuer: Option<&'a str>,
        audience: Option<&'a str>,
    ) -> IssuedBy<'a>;

    /// The mappings of a target that configures none.
    fn default_mappings(&self) -> Mappings;

    /// The principal of the call: the IAM provider that trusts what the backend signs.
    fn principal(&self, input: PrincipalInput<'_>) -> Result<Option<PrincipalArn>, BackendError>;

    /// What this backend will send for `input`, with nothing signed yet.
    fn prepare(&self, input: CallInput<'_>) -> Result<Box<dyn PreparedCall>, BackendError>;
}

/// A call prepared by a backend: everything decided, nothing signed.
pub trait PreparedCall: fmt::Debug + Send + Sync {
    /// The AWS settings the call was prepared with.
    fn aws(&self) -> &ResolvedAws;

    /// Explain's view: the name of the part and what it holds (never a signature).
    fn explain(&self) -> (&'static str, Value);

    /// `try-rule`'s view: the name of the part and what it holds.
    fn preview(&self) -> (&'static str, Value);

    /// Writes everything that decides STS's answer, except when it is made, into `key`:
    /// two calls that write the same bytes get equivalent credentials.
    fn write_key(&self, key: &mut KeyWriter);

    /// Signs what was prepared and calls STS, within `deadline`.
    fn send<'a>(
        &'a self,
        services: &'a Services<'a>,
        now: OffsetDateTime,
        deadline: tokio::time::Instant,
    ) -> Sending<'a>;
}

/// The components a backend may use to sign and send.
#[derive(Clone, Copy)]
pub struct Services<'a> {
    pub sts: &'a StsClient,
    pub signer: &'a SamlSigner,
    /// `saml.issuer`: the SAML issuer of targets that set no `aws.saml_issuer`.
    pub saml_issuer: &'a str,
    /// `saml.lifetime_in_seconds`: how long an assertion is valid.
    pub assertion_lifetime: Duration,
    /// The server's own OIDC provider, when `[oidc_provider]` is set.
    pub oidc: Option<&'a OidcIssuer>,
}

/// A target's `[clients.aws]` keys as written, for a backend's own checks.
#[derive(Debug, Default)]
pub struct Section<'a> {
    /// The section's key, such as `clients[0].aws`.
    pub key: &'a str,
    pub principal: Option<&'a str>,
    /// Each role rule's `principal`, in order.
    pub role_rule_principals: Vec<Option<&'a str>>,
    pub saml_issuer: Option<&'a str>,
    pub allow_request_roles: usize,
    /// The names the mappings define.
    pub mapping_names: Vec<&'a str>,
}

/// Who names the user to AWS: within one of these, `sub` must come from one token issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuedBy<'a> {
    /// A SAML issuer: the target's `aws.saml_issuer`, or `saml.issuer` when `None`.
    SamlIssuer(Option<&'a str>),
    /// The server's own `[oidc_provider]`, with the `aud` STS accepts from it.
    OidcProvider { audience: &'a str },
}

/// What [`CredentialBackend::principal`] decides from.
#[derive(Debug, Clone, Copy)]
pub struct PrincipalInput<'a> {
    /// What rules set in `context.addonConfiguration.aws.principal`, parsed, or the
    /// problem with it; `None` when they set nothing.
    pub from_rules: Option<&'a Result<PrincipalArn, String>>,
    /// The configured principal, or the one of the role pair the request or a role rule chose.
    pub configured: Option<&'a PrincipalArn>,
    pub role: Option<&'a RoleArn>,
    /// `[oidc_provider] url`, when configured.
    pub oidc_url: Option<&'a str>,
}

/// A problem with what rules set in `context.addonConfiguration.aws.principal`.
pub fn rules_set_principal(problem: impl fmt::Display) -> BackendError {
    BackendError::Internal(format!(
        "rules set context.addonConfiguration.aws.principal: {problem}"
    ))
}

/// What a backend prepares its call from.
pub struct CallInput<'a> {
    /// `sub`, the user's name in AWS.
    pub user_id: &'a str,
    /// The user after rules, with `awsrole` and `rolesessionname` filled in.
    pub user: &'a Map<String, Value>,
    pub aws: ResolvedAws,
    pub services: Services<'a>,
}

/// Why a backend could not prepare or send its call.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The user's claims cannot be sent to AWS (the request's fault): the full text.
    #[error("{0}")]
    UserData(String),
    /// Configuration or rules the backend cannot use, or a failure to sign.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Sts(#[from] StsError),
}

/// Writes the STS parameters every backend sends: role, principal, region, duration and
/// session policies.
pub fn write_sts_target(aws: &ResolvedAws, key: &mut KeyWriter) {
    key.text(aws.role.as_str());
    key.text(aws.principal.as_str());
    key.text(aws.region.as_str());
    key.bytes(&aws.lifetime_in_seconds.to_be_bytes());
    key.optional(aws.session.policy.as_deref());
    key.list(&aws.session.policy_arns);
}

#[cfg(test)]
mod tests;
