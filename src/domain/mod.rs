//! Typed values parsed once from untrusted or configured text; the rest of the code trusts them.

mod arn;
pub mod claims;
pub mod json;
mod region;
pub mod role_rule;
mod secret;
pub mod session;
mod subject;
mod text;

pub use arn::{ArnError, PrincipalArn, RoleArn};
pub use region::{Partition, Region, RegionError};
pub use secret::Secret;
pub use subject::{Subject, SubjectError};
pub use text::{hex, is_xml_char, is_xml_text, push_hex, starts_with_ignore_ascii_case, truncate};
