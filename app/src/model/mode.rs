//! The organization-wide virtual extension mode, and what each mode lets Phone Number be.
//!
//! **Standard** (the default): the number must be a valid E.164 number that is assigned in its
//! country's numbering plan, written exactly as E.164 writes it.
//!
//! **Enhanced**: the PSTN provider's special network signalling carries the number, so vext
//! also accepts numbers outside the public numbering-plan metadata (provider-internal ranges,
//! newly opened ranges the metadata does not know yet). The syntax stays strict E.164 (`+`,
//! country code, at most 15 digits, nothing else): caller ID is matched on that exact string, so
//! a looser format would let one number be stored twice.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE", ascii_case_insensitive)]
// Stored as a text column in this form; the entities hold the enum itself (server only).
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "SCREAMING_SNAKE_CASE")
)]
pub enum VirtualExtensionMode {
    #[default]
    Standard,
    Enhanced,
}

impl VirtualExtensionMode {
    pub const ALL: [VirtualExtensionMode; 2] =
        [VirtualExtensionMode::Standard, VirtualExtensionMode::Enhanced];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            VirtualExtensionMode::Standard => "Standard",
            VirtualExtensionMode::Enhanced => "Enhanced",
        }
    }

    /// Reads the stored form, in any case.
    pub fn parse(raw: &str) -> Option<Self> {
        raw.trim().parse().ok()
    }

    /// Whether Phone Number must also be assigned in its country's numbering plan.
    pub fn requires_numbering_plan(self) -> bool {
        self == VirtualExtensionMode::Standard
    }
}

impl fmt::Display for VirtualExtensionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stored_forms() {
        assert_eq!(VirtualExtensionMode::parse("STANDARD"), Some(VirtualExtensionMode::Standard));
        assert_eq!(VirtualExtensionMode::parse(" enhanced "), Some(VirtualExtensionMode::Enhanced));
        assert_eq!(VirtualExtensionMode::parse("turbo"), None);
        assert_eq!(VirtualExtensionMode::default(), VirtualExtensionMode::Standard);
    }
}
