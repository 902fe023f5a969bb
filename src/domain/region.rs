use std::fmt;

/// An AWS partition: decides the STS host suffix and the SAML recipient and audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Partition {
    Aws,
    AwsCn,
    AwsUsGov,
}

impl Partition {
    /// Parses the partition field of an ARN.
    pub fn from_arn_field(field: &str) -> Option<Self> {
        match field {
            "aws" => Some(Self::Aws),
            "aws-cn" => Some(Self::AwsCn),
            "aws-us-gov" => Some(Self::AwsUsGov),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::AwsCn => "aws-cn",
            Self::AwsUsGov => "aws-us-gov",
        }
    }

    /// Where AWS expects the SAML Response to be addressed (`Destination`, `Recipient`).
    pub fn saml_recipient(self) -> &'static str {
        match self {
            Self::Aws => "https://signin.aws.amazon.com/saml",
            Self::AwsCn => "https://signin.amazonaws.cn/saml",
            Self::AwsUsGov => "https://signin.amazonaws-us-gov.com/saml",
        }
    }

    /// The `AudienceRestriction` value AWS accepts by default in this partition.
    pub fn saml_audience(self) -> &'static str {
        match self {
            Self::Aws => "https://signin.aws.amazon.com/saml",
            Self::AwsCn => "urn:amazon:webservices:cn-north-1",
            Self::AwsUsGov => "urn:amazon:webservices:govcloud",
        }
    }

    /// The region used when a client names none.
    pub fn default_region(self) -> &'static str {
        match self {
            Self::Aws => "us-east-1",
            Self::AwsCn => "cn-north-1",
            Self::AwsUsGov => "us-gov-west-1",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegionError {
    #[error("`{0}` is not an AWS region name (expected e.g. us-east-1, cn-north-1, us-gov-west-1)")]
    Malformed(String),
    #[error(
        "`{region}` is in the {partition} partition, which is not supported: its SAML sign-in and STS endpoints are not public; use a region of aws, aws-cn or aws-us-gov"
    )]
    Unsupported {
        region: String,
        partition: &'static str,
    },
}

/// The isolated and sovereign partitions, by a group their region names carry
/// (`us-iso-east-1`, `us-isob-east-1`, `eu-isoe-west-1`, `us-isof-south-1`,
/// `eusc-de-east-1`), and by their ARN field. Their regions look like commercial ones, so
/// without this they would pass as `aws` and fail only at STS.
const UNSUPPORTED: [(&str, &str); 5] = [
    ("iso", "aws-iso"),
    ("isob", "aws-iso-b"),
    ("isoe", "aws-iso-e"),
    ("isof", "aws-iso-f"),
    ("eusc", "aws-eusc"),
];

/// The partition of a region in an unsupported partition, if `name` is one.
fn unsupported_partition(name: &str) -> Option<&'static str> {
    name.split('-').find_map(|group| {
        UNSUPPORTED
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, partition)| *partition)
    })
}

/// Whether `field` names an AWS partition this server does not support (an ARN's
/// partition field such as `aws-iso`).
pub(crate) fn is_unsupported_partition(field: &str) -> bool {
    UNSUPPORTED.iter().any(|(_, p)| *p == field)
}

/// An AWS region name such as `eu-west-1`, with the partition it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region {
    name: String,
    partition: Partition,
}

impl Region {
    pub fn parse(name: &str) -> Result<Self, RegionError> {
        let err = || RegionError::Malformed(name.to_owned());
        // Shape: two or more lowercase groups joined by '-', ending in a number: us-east-1,
        // us-gov-west-1, ap-southeast-3, cn-northwest-1.
        let mut parts: Vec<&str> = name.split('-').collect();
        let last = parts.pop().ok_or_else(err)?;
        if parts.len() < 2
            || last.is_empty()
            || !last.bytes().all(|b| b.is_ascii_digit())
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_lowercase()))
        {
            return Err(err());
        }
        if let Some(partition) = unsupported_partition(name) {
            return Err(RegionError::Unsupported {
                region: name.to_owned(),
                partition,
            });
        }
        let partition = if name.starts_with("cn-") {
            Partition::AwsCn
        } else if name.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else {
            Partition::Aws
        };
        Ok(Self {
            name: name.to_owned(),
            partition,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn partition(&self) -> Partition {
        self.partition
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
#[path = "region_tests.rs"]
mod tests;
