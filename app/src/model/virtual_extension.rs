//! A virtual extension: an external number with an internal extension and a directory name.

use super::e164::E164Number;
use super::error::{FieldError, FieldErrors};
use super::extension::Extension;
use super::level::{Level, Scope};
use super::mode::VirtualExtensionMode;
use super::names::{DisplayName, PersonName, PersonNameKind};
use serde::{Deserialize, Serialize};

/// Raw strings as a form (or later a CSV row) sends them. `location` is a location id here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualExtensionInput {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub extension: String,
    #[serde(default)]
    pub phone_number: String,
}

/// An entry that passed every rule that needs no database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVirtualExtension {
    pub scope: Scope,
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub display_name: DisplayName,
    pub extension: Extension,
    pub phone_number: E164Number,
}

impl VirtualExtensionInput {
    /// Applies every field rule under the organization's mode and reports all failures at
    /// once, each keyed by its field.
    pub fn validate(&self, mode: VirtualExtensionMode) -> Result<NewVirtualExtension, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let scope = errors
            .take(Level::parse(&self.level))
            .and_then(|level| errors.take(Scope::from_parts(level, &self.location)));
        let first_name = errors.take(PersonName::parse(&self.first_name, PersonNameKind::First));
        let last_name = errors.take(PersonName::parse(&self.last_name, PersonNameKind::Last));
        let display_name = errors.take(DisplayName::parse(&self.display_name));
        let extension = errors.take(Extension::parse(&self.extension));
        let phone_number = errors.take(E164Number::parse_for(&self.phone_number, mode));
        match (scope, first_name, last_name, display_name, extension, phone_number) {
            (
                Some(scope),
                Some(first_name),
                Some(last_name),
                Some(display_name),
                Some(extension),
                Some(phone_number),
            ) if errors.is_empty() => Ok(NewVirtualExtension {
                scope,
                first_name,
                last_name,
                display_name,
                extension,
                phone_number,
            }),
            _ => Err(errors.into_vec()),
        }
    }
}

/// A stored virtual extension, as the UI and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualExtension {
    pub id: String,
    pub level: Level,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    pub extension: String,
    pub phone_number: String,
    /// Bumped on every change, for optimistic concurrency.
    pub version: i32,
}

/// A saved entry and the warnings the rules raised (saved anyway).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedVirtualExtension {
    pub entry: VirtualExtension,
    pub warnings: Vec<FieldError>,
}

pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// What a list view asks for. Later issues add search, filters and sort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Zero-based page number.
    #[serde(default)]
    pub page: u32,
    #[serde(default = "default_page_size")]
    pub per_page: u32,
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

impl Default for ListQuery {
    fn default() -> Self {
        Self { page: 0, per_page: DEFAULT_PAGE_SIZE }
    }
}

impl ListQuery {
    /// Clamps the page size to the ones offered, so no request can ask for a million rows.
    pub fn normalized(&self) -> Self {
        let per_page = if PAGE_SIZES.contains(&self.per_page) { self.per_page } else { DEFAULT_PAGE_SIZE };
        Self { page: self.page, per_page }
    }
}

/// One page of a list and the total across all pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualExtensionPage {
    pub items: Vec<VirtualExtension>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorCode, Field};

    fn valid() -> VirtualExtensionInput {
        VirtualExtensionInput {
            level: "ORGANIZATION".into(),
            location: String::new(),
            first_name: " Ana ".into(),
            last_name: String::new(),
            display_name: "Ana (Remote)".into(),
            extension: "4001".into(),
            phone_number: "+12015550123".into(),
        }
    }

    #[test]
    fn valid_input_is_normalized() {
        let new = valid().validate(VirtualExtensionMode::Standard).unwrap();
        assert_eq!(new.scope, Scope::Organization);
        assert_eq!(new.first_name.unwrap().as_str(), "Ana");
        assert_eq!(new.last_name, None);
        assert_eq!(new.display_name.as_str(), "Ana (Remote)");
        assert_eq!(new.extension.as_str(), "4001");
        assert_eq!(new.phone_number.as_str(), "+12015550123");
    }

    #[test]
    fn every_bad_field_is_reported_once_with_its_field() {
        let input = VirtualExtensionInput {
            level: "LOCATION".into(),
            location: String::new(),
            first_name: "a\u{202E}".into(),
            last_name: "b".repeat(61),
            display_name: String::new(),
            extension: "1".into(),
            phone_number: "2145550100".into(),
        };
        let errors = input.validate(VirtualExtensionMode::Standard).unwrap_err();
        let got: Vec<(Field, ErrorCode)> = errors.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            [
                (Field::Location, ErrorCode::LocationRequired),
                (Field::FirstName, ErrorCode::FirstNameInvalidCharacter),
                (Field::LastName, ErrorCode::LastNameTooLong),
                (Field::DisplayName, ErrorCode::DisplayNameRequired),
                (Field::Extension, ErrorCode::ExtensionTooShort),
                (Field::PhoneNumber, ErrorCode::PhoneNumberMissingPlus),
            ]
        );
    }

    #[test]
    fn list_query_clamps_page_size() {
        assert_eq!(ListQuery { page: 2, per_page: 1_000_000 }.normalized().per_page, DEFAULT_PAGE_SIZE);
        assert_eq!(ListQuery { page: 2, per_page: 100 }.normalized().per_page, 100);
    }
}
