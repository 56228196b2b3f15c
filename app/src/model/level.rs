//! Level: organization-wide, or one location's.

use super::error::{ErrorCode, Field, FieldError};
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
pub enum Level {
    /// Everyone in the organization dials the same extension.
    #[default]
    Organization,
    /// People at the location dial the extension; others dial routing prefix + extension.
    Location,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::Organization, Level::Location];

    /// The stored and wire form: `ORGANIZATION` / `LOCATION`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// What admins read: `Organization` / `Location`.
    pub fn label(self) -> &'static str {
        match self {
            Level::Organization => "Organization",
            Level::Location => "Location",
        }
    }

    /// Accepts either form, in any case, with stray spaces (what forms and spreadsheets send).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldError::new(
                Field::Level,
                ErrorCode::LevelRequired,
                "Level is required: choose Organization or Location.",
            ));
        }
        value.parse().map_err(|_| {
            FieldError::new(
                Field::Level,
                ErrorCode::LevelInvalid,
                format!("Level {value:?} is not one vext knows: use Organization or Location."),
            )
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where an extension is unique: the organization, or one location (by id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "level", content = "location_id", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Scope {
    Organization,
    Location(String),
}

impl Scope {
    /// The scope of a stored row: its location's, or organization level without one.
    pub fn of(location_id: Option<String>) -> Self {
        location_id.map_or(Scope::Organization, Scope::Location)
    }

    pub fn level(&self) -> Level {
        match self {
            Scope::Organization => Level::Organization,
            Scope::Location(_) => Level::Location,
        }
    }

    pub fn location_id(&self) -> Option<&str> {
        match self {
            Scope::Organization => None,
            Scope::Location(id) => Some(id),
        }
    }

    /// The location's id, taken out of the scope (`None` at organization level).
    pub fn into_location_id(self) -> Option<String> {
        match self {
            Scope::Organization => None,
            Scope::Location(id) => Some(id),
        }
    }

    /// The database's uniqueness key: `org`, or the location's id.
    pub fn key(&self) -> &str {
        match self {
            Scope::Organization => ORGANIZATION_SCOPE_KEY,
            Scope::Location(id) => id,
        }
    }

    /// Combines a level and an optional location reference, as a form or CSV row gives them.
    pub fn from_parts(level: Level, location: &str) -> Result<Self, FieldError> {
        let location = location.trim();
        match (level, location.is_empty()) {
            (Level::Organization, true) => Ok(Scope::Organization),
            (Level::Organization, false) => Err(FieldError::new(
                Field::Location,
                ErrorCode::LocationNotAllowed,
                "Organization-level virtual extensions have no location: clear Location, or set \
                 Level to Location.",
            )),
            (Level::Location, true) => Err(FieldError::new(
                Field::Location,
                ErrorCode::LocationRequired,
                "Location is required for a location-level virtual extension: choose the location \
                 whose people dial it.",
            )),
            (Level::Location, false) => Ok(Scope::Location(location.to_string())),
        }
    }
}

/// Scope key of organization-level entries. Location ids are UUIDs, so they never equal it.
pub const ORGANIZATION_SCOPE_KEY: &str = "org";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_parses_any_case_and_both_spellings() {
        for raw in ["Organization", "ORGANIZATION", " organization "] {
            assert_eq!(Level::parse(raw), Ok(Level::Organization), "{raw:?}");
        }
        for raw in ["Location", "LOCATION", "location"] {
            assert_eq!(Level::parse(raw), Ok(Level::Location), "{raw:?}");
        }
        assert_eq!(Level::parse("").unwrap_err().code, ErrorCode::LevelRequired);
        assert_eq!(Level::parse("Org").unwrap_err().code, ErrorCode::LevelInvalid);
    }

    #[test]
    fn scope_needs_a_location_exactly_for_location_level() {
        assert_eq!(Scope::from_parts(Level::Organization, " "), Ok(Scope::Organization));
        assert_eq!(Scope::from_parts(Level::Location, "L1"), Ok(Scope::Location("L1".into())));
        assert_eq!(Scope::from_parts(Level::Location, "").unwrap_err().code, ErrorCode::LocationRequired);
        assert_eq!(
            Scope::from_parts(Level::Organization, "L1").unwrap_err().code,
            ErrorCode::LocationNotAllowed
        );
        assert_eq!(Scope::Organization.key(), "org");
        assert_eq!(Scope::Location("abc".into()).key(), "abc");
    }
}
