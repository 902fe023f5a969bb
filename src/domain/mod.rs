//! Typed values parsed once from untrusted or configured text; the rest of the code trusts them.

mod arn;
mod region;

pub use arn::{ArnError, PrincipalArn, RoleArn};
pub use region::{Partition, Region, RegionError};
