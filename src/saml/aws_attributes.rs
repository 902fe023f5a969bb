//! Checks for the attributes AWS defines (`https://aws.amazon.com/SAML/Attributes/…`).
//! STS refuses an assertion with an invalid one (`InvalidIdentityToken`); catching it here
//! gives the operator a message naming the attribute instead of a failed AWS call.

use crate::domain::session::is_tag_text;
use crate::domain::{PrincipalArn, RoleArn};

use super::session_name::{is_session_name_char, session_name};
use super::{AttributeError, SamlAttribute};

pub(crate) const AWS_PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/";
pub(crate) const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
pub(crate) const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const PRINCIPAL_TAG: &str = "PrincipalTag:";
pub(crate) const PRINCIPAL_TAG_ATTRIBUTE: &str =
    "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
pub(crate) const TRANSITIVE_TAG_KEYS: &str =
    "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
pub(crate) const SOURCE_IDENTITY: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";

const MAX_PRINCIPAL_TAGS: usize = 50;
const MAX_TAG_KEY_CHARS: usize = 128;
const MAX_TAG_VALUE_CHARS: usize = 256;
const SESSION_DURATION_SECONDS: std::ops::RangeInclusive<u32> = 900..=43200;

/// Checks (or, for `RoleSessionName`, repairs) the values of one attribute, mapped from
/// user property `property`. Attributes outside the AWS namespace, and AWS ones without
/// documented limits, pass unchanged.
pub(super) fn check(
    name: &str,
    property: &str,
    values: Vec<String>,
) -> Result<Vec<String>, AttributeError> {
    let Some(aws_name) = name.strip_prefix(AWS_PREFIX) else {
        return Ok(values);
    };
    let invalid = |problem| AttributeError::Invalid {
        attribute: name.to_owned(),
        problem,
    };
    let invalid_value = |problem| AttributeError::InvalidValue {
        attribute: name.to_owned(),
        property: property.to_owned(),
        problem,
    };
    let single = |values| single(name, property, values);
    match aws_name {
        // Never an error: AWS needs exactly one valid name, so keep the first and fix it.
        "RoleSessionName" => Ok(values
            .first()
            .map(|v| session_name(v))
            .into_iter()
            .collect()),
        "Role" => {
            let value = single(values)?;
            if !is_role_pair(&value) {
                return Err(invalid(
                    "must be \"<role ARN>,<SAML provider ARN>\" with both ARNs in the same partition",
                ));
            }
            Ok(vec![value])
        }
        "SessionDuration" => {
            let value = single(values)?;
            let seconds = (!value.is_empty()
                && value.len() <= 5
                && value.bytes().all(|b| b.is_ascii_digit()))
            .then(|| value.parse::<u32>().ok())
            .flatten();
            match seconds {
                Some(s) if SESSION_DURATION_SECONDS.contains(&s) => Ok(vec![value]),
                _ => Err(invalid_value(
                    "must be a whole number of seconds from 900 to 43200",
                )),
            }
        }
        "SourceIdentity" => {
            let value = single(values)?;
            if value
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
            {
                return Err(invalid_value("must not start with \"aws:\""));
            }
            if !(2..=64).contains(&value.len()) || !value.chars().all(is_session_name_char) {
                return Err(invalid_value(
                    "must be 2 to 64 characters from [A-Za-z0-9_+=,.@-]",
                ));
            }
            Ok(vec![value])
        }
        other => match other.strip_prefix(PRINCIPAL_TAG) {
            Some(key) => {
                if key.is_empty() || key.chars().count() > MAX_TAG_KEY_CHARS {
                    return Err(invalid(
                        "the tag key after \"PrincipalTag:\" must be 1 to 128 characters",
                    ));
                }
                if !is_tag_text(key) {
                    return Err(invalid(
                        "the tag key after \"PrincipalTag:\" may hold only letters, spaces, numbers and _ . : / = + - @",
                    ));
                }
                let value = single(values)?;
                if value.chars().count() > MAX_TAG_VALUE_CHARS {
                    return Err(invalid_value(
                        "is longer than 256 characters, the most a tag value may have",
                    ));
                }
                if !is_tag_text(&value) {
                    return Err(invalid_value(
                        "holds characters a tag value cannot: only letters, spaces, numbers and _ . : / = + - @ are allowed",
                    ));
                }
                Ok(vec![value])
            }
            None => Ok(values),
        },
    }
}

/// Checks across attributes: the tag limit, and that single-valued AWS attributes are not
/// mapped twice (two `Role` attributes would be as wrong as two values in one).
pub(super) fn check_together(attributes: &[SamlAttribute]) -> Result<(), AttributeError> {
    let tags = attributes
        .iter()
        .filter(|a| {
            a.name
                .strip_prefix(AWS_PREFIX)
                .is_some_and(|n| n.starts_with(PRINCIPAL_TAG))
        })
        .count();
    if tags > MAX_PRINCIPAL_TAGS {
        return Err(AttributeError::TooManyPrincipalTags { count: tags });
    }
    for (i, attribute) in attributes.iter().enumerate() {
        let single_valued = attribute
            .name
            .strip_prefix(AWS_PREFIX)
            .is_some_and(|n| n != "TransitiveTagKeys");
        if single_valued && attributes[..i].iter().any(|a| a.name == attribute.name) {
            return Err(AttributeError::Repeated {
                attribute: attribute.name.clone(),
            });
        }
    }
    Ok(())
}

fn single(name: &str, property: &str, mut values: Vec<String>) -> Result<String, AttributeError> {
    match values.len() {
        1 => Ok(values.swap_remove(0)),
        count => Err(AttributeError::NotSingleValued {
            attribute: name.to_owned(),
            property: property.to_owned(),
            count,
        }),
    }
}

/// `role,provider` or `provider,role` (AWS accepts either order), same partition.
fn is_role_pair(value: &str) -> bool {
    let Some((a, b)) = value.split_once(',') else {
        return false;
    };
    let pair = |role: &str, provider: &str| {
        let (Ok(role), Ok(provider)) = (RoleArn::parse(role), PrincipalArn::parse(provider)) else {
            return false;
        };
        role.partition() == provider.partition()
    };
    pair(a, b) || pair(b, a)
}
