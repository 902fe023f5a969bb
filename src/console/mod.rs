//! AWS Management Console sign-in from delegated credentials: the partition's federation
//! endpoint turns the credentials into a sign-in token (`Action=getSigninToken`), and the
//! answer is the `Action=login` URL that opens the console with it, as AWS's "custom
//! identity broker" guide describes
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html).
//! The URL carries a token equivalent to the credentials: it is never logged.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use crate::domain::Partition;
use crate::sts::Credentials;

/// Longest federation reply read; real ones are a few hundred bytes.
const MAX_REPLY_BYTES: usize = 16 * 1024;

/// A target's `[clients.console]`, when enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// Where the console opens; `None`: the partition's console home.
    pub destination: Option<Url>,
    /// Your sign-in page, where AWS sends users whose console session ended.
    pub issuer: Url,
    /// `SessionDuration` (900..=43200); `None`: not sent, AWS's default applies.
    pub session_duration: Option<u32>,
    /// Replaces the partition's federation endpoint (a local stand-in for tests).
    pub federation_endpoint: Option<Url>,
}

impl ConsoleSettings {
    /// The `SessionDuration` to send: the configured one, or with the target's clamp no
    /// more than the seconds the id_token has left (`token_left`).
    pub fn session_for(&self, token_left: Option<i64>) -> Option<u32> {
        match token_left {
            None => self.session_duration,
            Some(left) => {
                let left = u32::try_from(left.max(0)).unwrap_or(u32::MAX);
                Some(self.session_duration.unwrap_or(43_200).min(left))
            }
        }
    }
}

/// The console home of a partition, used when a target sets no destination.
pub fn default_destination(partition: Partition) -> &'static str {
    match partition {
        Partition::Aws => "https://console.aws.amazon.com/",
        Partition::AwsCn => "https://console.amazonaws.cn/",
        Partition::AwsUsGov => "https://console.amazonaws-us-gov.com/",
    }
}

/// The federation endpoint of a partition.
pub fn federation_endpoint(partition: Partition) -> &'static str {
    match partition {
        Partition::Aws => "https://signin.aws.amazon.com/federation",
        Partition::AwsCn => "https://signin.amazonaws.cn/federation",
        Partition::AwsUsGov => "https://signin.amazonaws-us-gov.com/federation",
    }
}

/// Whether `url` may be a console destination: https, no credentials or port, on a host
/// of one of AWS's console domains.
pub fn destination_problem(url: &Url) -> Option<&'static str> {
    let domains = ["aws.amazon.com", "amazonaws.cn", "amazonaws-us-gov.com"];
    let host = url.host_str().unwrap_or_default();
    let on_aws = domains
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")));
    if url.scheme() != "https" {
        Some("must be an https URL")
    } else if !url.username().is_empty() || url.password().is_some() || url.port().is_some() {
        Some("must not carry credentials or a port")
    } else if !on_aws {
        Some(
            "must be on an AWS console domain (aws.amazon.com, amazonaws.cn, amazonaws-us-gov.com)",
        )
    } else {
        None
    }
}

/// The answer to `api_type=aws_console`. `Debug` leaves the URL out.
#[derive(Clone, Serialize)]
pub struct ConsoleLogin {
    #[serde(rename = "SigninURL")]
    signin_url: String,
    /// When the credentials behind the session expire, as STS said (RFC 3339).
    #[serde(rename = "Expiration")]
    expiration: String,
}

impl fmt::Debug for ConsoleLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsoleLogin")
            .field(
                "signin_url",
                &format_args!("<{} bytes>", self.signin_url.len()),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl ConsoleLogin {
    pub fn expiration(&self) -> &str {
        &self.expiration
    }
}

/// Why no sign-in URL could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The federation endpoint could not be reached or did not answer in time.
    #[error("the AWS federation endpoint is unavailable: {0}")]
    Unavailable(String),
    /// It answered, but not with a sign-in token.
    #[error("the AWS federation endpoint refused the credentials: {0}")]
    Refused(String),
}

/// Calls the federation endpoint. One HTTP client for every request.
#[derive(Debug, Clone)]
pub struct Federation {
    http: reqwest::Client,
}

impl Federation {
    pub fn new(roots: &crate::roots::Roots) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .tls_certs_only(roots.to_reqwest())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self { http })
    }

    /// The sign-in URL for `credentials` of a role in `partition`, for a session of at
    /// most `session_duration` seconds when set.
    pub async fn sign_in(
        &self,
        partition: Partition,
        credentials: &Credentials,
        settings: &ConsoleSettings,
        session_duration: Option<u32>,
    ) -> Result<ConsoleLogin, ConsoleError> {
        let endpoint = match &settings.federation_endpoint {
            Some(url) => url.clone(),
            None => Url::parse(federation_endpoint(partition))
                .map_err(|e| ConsoleError::Unavailable(e.to_string()))?,
        };
        let session = serde_json::json!({
            "sessionId": credentials.access_key_id(),
            "sessionKey": credentials.secret_access_key(),
            "sessionToken": credentials.session_token(),
        })
        .to_string();
        let mut request = endpoint.clone();
        {
            let mut query = request.query_pairs_mut();
            query.clear().append_pair("Action", "getSigninToken");
            if let Some(seconds) = session_duration {
                query.append_pair("SessionDuration", &seconds.to_string());
            }
            query.append_pair("Session", &session);
        }
        let reply = self
            .http
            .get(request)
            .send()
            .await
            .map_err(|e| ConsoleError::Unavailable(e.without_url().to_string()))?;
        let status = reply.status();
        let body = reply
            .bytes()
            .await
            .map_err(|e| ConsoleError::Unavailable(e.without_url().to_string()))?;
        if status.is_server_error() {
            return Err(ConsoleError::Unavailable(format!(
                "HTTP {}",
                status.as_u16()
            )));
        }
        if !status.is_success() || body.len() > MAX_REPLY_BYTES {
            return Err(ConsoleError::Refused(format!("HTTP {}", status.as_u16())));
        }
        let token = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("SigninToken")?.as_str().map(str::to_owned))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ConsoleError::Refused("the reply has no SigninToken".into()))?;
        let destination = match &settings.destination {
            Some(url) => url.to_string(),
            None => default_destination(partition).to_owned(),
        };
        let mut login = endpoint;
        login
            .query_pairs_mut()
            .clear()
            .append_pair("Action", "login")
            .append_pair("Issuer", settings.issuer.as_str())
            .append_pair("Destination", &destination)
            .append_pair("SigninToken", &token);
        Ok(ConsoleLogin {
            signin_url: login.to_string(),
            expiration: credentials.expiration_text().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests;
