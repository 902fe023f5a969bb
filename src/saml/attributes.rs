//! SAML attributes computed from the user object and the mappings (docs/tokens-saml-sts.md,
//! "The SAML Response").

use serde_json::{Map, Value};

use super::aws_attributes;
use crate::domain::claims::{lookup, scalar_text};

/// One SAML attribute: its `Name` and its `AttributeValue`s, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlAttribute {
    pub name: String,
    pub values: Vec<String>,
}

/// SAML attribute name → user property name, in output order.
pub type Mappings = Vec<(String, String)>;

/// Why attributes could not be computed. Messages name the attribute and the problem so an
/// operator can fix a mapping or rule, but never repeat the claim value (it may be
/// personal data, and the text can reach clients).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttributeError {
    #[error(
        "SAML attribute `{attribute}`: user property `{property}` holds an object or a nested array; expected a string, number, boolean or an array of those"
    )]
    NotText { attribute: String, property: String },
    #[error(
        "SAML attribute `{attribute}` must have exactly one value, but user property `{property}` gives {count}"
    )]
    NotSingleValued {
        attribute: String,
        property: String,
        count: usize,
    },
    #[error("SAML attribute `{attribute}` is mapped more than once; AWS expects it once")]
    Repeated { attribute: String },
    /// The value of a user property breaks an AWS rule for the attribute.
    #[error("SAML attribute `{attribute}`: the value of user property `{property}` {problem}")]
    InvalidValue {
        attribute: String,
        property: String,
        problem: &'static str,
    },
    /// The attribute itself (its name, or a value only rules and the server set) is wrong.
    #[error("SAML attribute `{attribute}`: {problem}")]
    Invalid {
        attribute: String,
        problem: &'static str,
    },
    #[error("{count} PrincipalTag attributes are mapped; AWS allows at most 50")]
    TooManyPrincipalTags { count: usize },
}

impl AttributeError {
    /// Whether the user's data (an id_token claim, as the mappings read it) is what cannot
    /// be sent, rather than a mapping, a rule or the server's own values: the request is
    /// then refused as invalid, not failed as an internal error. `Role` carries the role
    /// pair the server or a rule chose, never a claim.
    pub fn is_user_data(&self) -> bool {
        match self {
            Self::NotText { attribute, .. } | Self::NotSingleValued { attribute, .. } => {
                attribute != aws_attributes::ROLE
            }
            Self::InvalidValue { .. } => true,
            Self::Repeated { .. } | Self::Invalid { .. } | Self::TooManyPrincipalTags { .. } => {
                false
            }
        }
    }
}

/// Auth0's default AWS mappings: the user's `name` as the claims-identity name identifier,
/// `awsrole` as the AWS `Role`, `rolesessionname` as the AWS `RoleSessionName`.
pub fn default_mappings() -> Mappings {
    [
        (
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
            "name",
        ),
        (aws_attributes::ROLE, "awsrole"),
        (aws_attributes::ROLE_SESSION_NAME, "rolesessionname"),
    ]
    .into_iter()
    .map(|(attribute, property)| (attribute.to_owned(), property.to_owned()))
    .collect()
}

/// The attribute values for each mapping, read from `user` (the id_token claims plus
/// `user_id`, `awsrole` and `rolesessionname`).
///
/// A property is looked up by its exact name first, then as a dotted path into nested
/// objects (`app_metadata.team`), as Auth0 allowed. Strings are taken as they are, numbers
/// and booleans become their JSON text, arrays give one value each (`null` items are
/// skipped, and empty strings for attributes outside AWS's namespace), and a missing,
/// `null` or empty-array property omits the attribute, as does an empty string outside
/// AWS's namespace. Objects
/// are refused. AWS-defined attributes are then checked (see `aws_attributes`), except
/// `RoleSessionName`: its first value is kept and made valid with [`super::session_name`],
/// so it never fails a request.
pub fn compute_attributes(
    user: &Map<String, Value>,
    mappings: &Mappings,
) -> Result<Vec<SamlAttribute>, AttributeError> {
    let mut attributes = Vec::with_capacity(mappings.len());
    for (name, property) in mappings {
        let Some(value) = lookup(user, property) else {
            continue;
        };
        // AWS's own attributes keep an empty value, so their checks can name it.
        let skip_blank = !name.starts_with(aws_attributes::AWS_PREFIX);
        let values = values_of(value, skip_blank).ok_or_else(|| AttributeError::NotText {
            attribute: name.clone(),
            property: property.clone(),
        })?;
        if values.is_empty() {
            continue;
        }
        attributes.push(SamlAttribute {
            name: name.clone(),
            values: aws_attributes::check(name, property, values)?,
        });
    }
    aws_attributes::check_together(&attributes)?;
    Ok(attributes)
}

/// The attributes that carry session tags (`PrincipalTag:<key>`), which of them are
/// transitive (`TransitiveTagKeys`) and the source identity, already checked.
pub fn session_attributes(
    tags: &[(String, String)],
    transitive: &[String],
    source_identity: Option<&str>,
) -> Vec<SamlAttribute> {
    let mut out: Vec<SamlAttribute> = tags
        .iter()
        .map(|(key, value)| SamlAttribute {
            name: format!("{}{key}", aws_attributes::PRINCIPAL_TAG_ATTRIBUTE),
            values: vec![value.clone()],
        })
        .collect();
    if !transitive.is_empty() {
        out.push(SamlAttribute {
            name: aws_attributes::TRANSITIVE_TAG_KEYS.to_owned(),
            values: transitive.to_vec(),
        });
    }
    if let Some(identity) = source_identity {
        out.push(SamlAttribute {
            name: aws_attributes::SOURCE_IDENTITY.to_owned(),
            values: vec![identity.to_owned()],
        });
    }
    out
}

/// Checks a whole set of attributes together: at most 50 tags, single-valued AWS
/// attributes present once.
pub fn check_attribute_set(attributes: &[SamlAttribute]) -> Result<(), AttributeError> {
    aws_attributes::check_together(attributes)
}

/// The text values of a property, or `None` if it holds something without a text form.
/// With `skip_blank`, empty strings are left out like `null`: SAML consumers disagree on
/// an empty `AttributeValue` (python3-saml reads none, signature libraries read `""`).
fn values_of(value: &Value, skip_blank: bool) -> Option<Vec<String>> {
    let blank = |item: &&Value| item.is_null() || (skip_blank && item.as_str() == Some(""));
    match value {
        Value::Array(items) => items
            .iter()
            .filter(|item| !blank(item))
            .map(scalar_text)
            .collect(),
        other if blank(&other) => Some(Vec::new()),
        other => scalar_text(other).map(|text| vec![text]),
    }
}

#[cfg(test)]
#[path = "attributes_tests.rs"]
mod tests;
