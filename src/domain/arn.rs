use std::fmt;

use super::Partition;
use super::region::is_unsupported_partition;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArnError {
    #[error("`{0}` is not an IAM role ARN (expected arn:aws:iam::<12-digit account>:role/<name>)")]
    Role(String),
    #[error(
        "`{0}` is not an IAM SAML provider ARN (expected arn:aws:iam::<12-digit account>:saml-provider/<name>)"
    )]
    Principal(String),
    #[error(
        "`{0}` is in an AWS partition that is not supported (only aws, aws-cn and aws-us-gov are: the others' SAML sign-in endpoints are not public)"
    )]
    UnsupportedPartition(String),
}

/// Splits `arn:<partition>:iam::<account>:<kind>/<name>` into its partition, account and name.
fn parse_iam_arn<'a>(text: &'a str, kind: &str) -> Option<(Partition, &'a str, &'a str)> {
    let mut fields = text.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    if arn != "arn" || service != "iam" || !region.is_empty() {
        return None;
    }
    let partition = Partition::from_arn_field(partition)?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let name = resource.strip_prefix(kind)?.strip_prefix('/')?;
    // IAM also allows ',' in names, but the SAML Role attribute is "role,principal": a comma
    // inside either ARN would make that pair ambiguous, so it is refused.
    let valid_char = |c: char| c.is_ascii_alphanumeric() || "+=.@_-/".contains(c);
    if name.is_empty() || name.ends_with('/') || name.len() > 512 || !name.chars().all(valid_char) {
        return None;
    }
    Some((partition, account, name))
}

fn refuse_unsupported_partition(text: &str) -> Result<(), ArnError> {
    match text.split(':').nth(1) {
        Some(field) if is_unsupported_partition(field) => {
            Err(ArnError::UnsupportedPartition(text.to_owned()))
        }
        _ => Ok(()),
    }
}

/// The ARN of the IAM role to assume.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleArn {
    text: String,
    partition: Partition,
}

impl RoleArn {
    pub fn parse(text: &str) -> Result<Self, ArnError> {
        refuse_unsupported_partition(text)?;
        let (partition, _, _) =
            parse_iam_arn(text, "role").ok_or_else(|| ArnError::Role(text.to_owned()))?;
        Ok(Self {
            text: text.to_owned(),
            partition,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The 12-digit account the role is in.
    pub fn account(&self) -> &str {
        self.text.split(':').nth(4).unwrap_or_default()
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The ARN of the IAM SAML provider (the identity provider AWS trusts).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrincipalArn {
    text: String,
    partition: Partition,
}

impl PrincipalArn {
    pub fn parse(text: &str) -> Result<Self, ArnError> {
        refuse_unsupported_partition(text)?;
        let (partition, _, _) = parse_iam_arn(text, "saml-provider")
            .ok_or_else(|| ArnError::Principal(text.to_owned()))?;
        Ok(Self {
            text: text.to_owned(),
            partition,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn partition(&self) -> Partition {
        self.partition
    }
}

impl PrincipalArn {
    /// The IAM OIDC identity provider for tokens whose `iss` is `issuer_url`, in the role's
    /// account: `arn:<partition>:iam::<account>:oidc-provider/<host and path of the URL>`,
    /// as IAM names it.
    pub fn oidc_provider(role: &RoleArn, issuer_url: &str) -> Self {
        let host_and_path = issuer_url
            .split_once("://")
            .map_or(issuer_url, |(_, rest)| rest);
        Self {
            text: format!(
                "arn:{}:iam::{}:oidc-provider/{host_and_path}",
                role.partition(),
                role.account()
            ),
            partition: role.partition(),
        }
    }
}

impl fmt::Display for PrincipalArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
#[path = "arn_tests.rs"]
mod tests;
