//! Field-keyed validation errors with stable machine codes.
//!
//! The codes are part of vext's public contract: the form, CSV error reports, the CLI and
//! the REST API all carry them. Add codes; never rename one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A field an admin can get wrong. `label()` is the name shown in the UI and the CSV column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// A CSV row as a whole (wrong number of cells).
    Row,
    Action,
    Level,
    Location,
    FirstName,
    LastName,
    DisplayName,
    Extension,
    PhoneNumber,
    Name,
    RoutingPrefix,
    Country,
    Email,
    Password,
    /// The signed-in administrator's current password (asked before they set a new one).
    CurrentPassword,
    Role,
    /// An administrator's status (active or disabled).
    Status,
    /// The version a change was based on (optimistic concurrency).
    Version,
}

impl Field {
    /// The label admins see beside the input and in the CSV header.
    pub fn label(self) -> &'static str {
        match self {
            Field::Row => "Row",
            Field::Action => "Action",
            Field::Level => "Level",
            Field::Location => "Location",
            Field::FirstName => "First Name",
            Field::LastName => "Last Name",
            Field::DisplayName => "Display Name",
            Field::Extension => "Extension",
            Field::PhoneNumber => "Phone Number",
            Field::Name => "Name",
            Field::RoutingPrefix => "Routing Prefix",
            Field::Country => "Country",
            Field::Email => "Email",
            Field::Password => "Password",
            Field::CurrentPassword => "Current Password",
            Field::Role => "Role",
            Field::Status => "Status",
            Field::Version => "Version",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

macro_rules! error_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// Stable machine codes, one per way a value can be wrong.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    LevelRequired => "LEVEL_REQUIRED",
    LevelInvalid => "LEVEL_INVALID",
    LocationRequired => "LOCATION_REQUIRED",
    LocationNotAllowed => "LOCATION_NOT_ALLOWED",
    LocationNotFound => "LOCATION_NOT_FOUND",
    DisplayNameRequired => "DISPLAY_NAME_REQUIRED",
    DisplayNameTooLong => "DISPLAY_NAME_TOO_LONG",
    DisplayNameInvalidCharacter => "DISPLAY_NAME_INVALID_CHARACTER",
    FirstNameTooLong => "FIRST_NAME_TOO_LONG",
    FirstNameInvalidCharacter => "FIRST_NAME_INVALID_CHARACTER",
    LastNameTooLong => "LAST_NAME_TOO_LONG",
    LastNameInvalidCharacter => "LAST_NAME_INVALID_CHARACTER",
    ExtensionRequired => "EXTENSION_REQUIRED",
    ExtensionNotDigits => "EXTENSION_NOT_DIGITS",
    ExtensionTooShort => "EXTENSION_TOO_SHORT",
    ExtensionTooLong => "EXTENSION_TOO_LONG",
    ExtensionInUse => "EXTENSION_IN_USE",
    PhoneNumberRequired => "PHONE_NUMBER_REQUIRED",
    PhoneNumberNotE164 => "PHONE_NUMBER_NOT_E164",
    PhoneNumberMissingPlus => "PHONE_NUMBER_MISSING_PLUS",
    PhoneNumberFormatting => "PHONE_NUMBER_FORMATTING",
    PhoneNumberScientificNotation => "PHONE_NUMBER_SCIENTIFIC_NOTATION",
    PhoneNumberHasExtension => "PHONE_NUMBER_HAS_EXTENSION",
    PhoneNumberBadCountryCode => "PHONE_NUMBER_BAD_COUNTRY_CODE",
    PhoneNumberTooLong => "PHONE_NUMBER_TOO_LONG",
    PhoneNumberInvalid => "PHONE_NUMBER_INVALID",
    PhoneNumberInUse => "PHONE_NUMBER_IN_USE",
    NameRequired => "NAME_REQUIRED",
    NameTooLong => "NAME_TOO_LONG",
    NameInvalidCharacter => "NAME_INVALID_CHARACTER",
    NameInUse => "NAME_IN_USE",
    RoutingPrefixNotDigits => "ROUTING_PREFIX_NOT_DIGITS",
    RoutingPrefixTooLong => "ROUTING_PREFIX_TOO_LONG",
    RoutingPrefixInUse => "ROUTING_PREFIX_IN_USE",
    RoutingPrefixOverlaps => "ROUTING_PREFIX_OVERLAPS",
    CountryInvalid => "COUNTRY_INVALID",
    ExtensionConflictsWithEsn => "EXTENSION_CONFLICTS_WITH_ESN",
    ExtensionShadowsOrganization => "EXTENSION_SHADOWS_ORGANIZATION",
    ActionInvalid => "ACTION_INVALID",
    VirtualExtensionNotFound => "VIRTUAL_EXTENSION_NOT_FOUND",
    ExtensionDuplicateInFile => "EXTENSION_DUPLICATE_IN_FILE",
    PhoneNumberDuplicateInFile => "PHONE_NUMBER_DUPLICATE_IN_FILE",
    RowFieldCount => "ROW_FIELD_COUNT",
    FileEmpty => "FILE_EMPTY",
    FileNotUtf8 => "FILE_NOT_UTF8",
    FileUnreadable => "FILE_UNREADABLE",
    FileTooLarge => "FILE_TOO_LARGE",
    FileTooManyRows => "FILE_TOO_MANY_ROWS",
    HeaderUnknownColumn => "HEADER_UNKNOWN_COLUMN",
    HeaderMissingColumn => "HEADER_MISSING_COLUMN",
    HeaderDuplicateColumn => "HEADER_DUPLICATE_COLUMN",
    EmailInvalid => "EMAIL_INVALID",
    EmailInUse => "EMAIL_IN_USE",
    RoleInvalid => "ROLE_INVALID",
    PasswordTooShort => "PASSWORD_TOO_SHORT",
    PasswordTooLong => "PASSWORD_TOO_LONG",
    PasswordTooCommon => "PASSWORD_TOO_COMMON",
    CurrentPasswordRequired => "CURRENT_PASSWORD_REQUIRED",
    CurrentPasswordIncorrect => "CURRENT_PASSWORD_INCORRECT",
    LastFullAdministrator => "LAST_FULL_ADMINISTRATOR",
    OwnAccount => "OWN_ACCOUNT",
    AdministratorNotFound => "ADMINISTRATOR_NOT_FOUND",
    DayInvalid => "DAY_INVALID",
    EditConflict => "EDIT_CONFLICT",
    LocationInUse => "LOCATION_IN_USE",
    NothingSelected => "NOTHING_SELECTED",
    OutsideYourLocations => "OUTSIDE_YOUR_LOCATIONS",
}

// By hand rather than derived: a derived visitor for this many renamed variants costs ~8 KB of WASM.
impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        ErrorCode::parse(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {code:?}")))
    }
}

impl ErrorCode {
    pub fn parse(code: &str) -> Option<Self> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with one field: where, a stable code, and a message saying why and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { field, code, message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.field, self.code, self.message)
    }
}

/// Collects the errors of a whole input so that the admin sees all of them at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value when it parsed, records the error when it did not.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::{value::Error as DeError, IntoDeserializer};
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_screaming_snake_case_and_match_serde() {
        let mut seen = HashSet::new();
        for &code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'), "{s}");
            // What serde reads is what as_str writes, so JSON and text reports carry one code.
            let back = ErrorCode::deserialize(IntoDeserializer::<DeError>::into_deserializer(s))
                .expect("code deserializes from its string");
            assert_eq!(back, code);
        }
    }
}
