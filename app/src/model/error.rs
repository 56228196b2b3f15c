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
    /// When an API token stops working.
    Expires,
    /// A location's street address, city, state or postal code (the REST API's `address`).
    Address,
    /// A location's time zone (an IANA name such as `Europe/Berlin`).
    TimeZone,
    /// A location's outside dial digit (dialed before an outside number).
    OutsideDialDigit,
    /// A virtual extension range's prefix.
    Prefix,
    /// A virtual extension range's pattern (`12XX`).
    Pattern,
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
            Field::Expires => "Expires",
            Field::Address => "Address",
            Field::TimeZone => "Time Zone",
            Field::OutsideDialDigit => "Outside Dial Digit",
            Field::Prefix => "Prefix",
            Field::Pattern => "Pattern",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

macro_rules! error_codes {
    ($($variant:ident => $code:literal = $number:literal,)*) => {
        /// Stable machine codes, one per way a value or a request can be wrong. Each has a name
        /// (the CSV reports, the CLI, the pages' answers) and a number (the REST API's
        /// `errorCode`); `error_codes.txt` holds every pair ever given out.
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

            /// The REST API's `errorCode`.
            pub fn number(self) -> u32 {
                match self {
                    $(ErrorCode::$variant => $number,)*
                }
            }
        }
    };
}

error_codes! {
    // Level and location
    LevelRequired => "LEVEL_REQUIRED" = 1001,
    LevelInvalid => "LEVEL_INVALID" = 1002,
    LocationRequired => "LOCATION_REQUIRED" = 1003,
    LocationNotAllowed => "LOCATION_NOT_ALLOWED" = 1004,
    LocationNotFound => "LOCATION_NOT_FOUND" = 1005,

    // Names
    DisplayNameRequired => "DISPLAY_NAME_REQUIRED" = 1101,
    DisplayNameTooLong => "DISPLAY_NAME_TOO_LONG" = 1102,
    DisplayNameInvalidCharacter => "DISPLAY_NAME_INVALID_CHARACTER" = 1103,
    FirstNameTooLong => "FIRST_NAME_TOO_LONG" = 1104,
    FirstNameInvalidCharacter => "FIRST_NAME_INVALID_CHARACTER" = 1105,
    LastNameTooLong => "LAST_NAME_TOO_LONG" = 1106,
    LastNameInvalidCharacter => "LAST_NAME_INVALID_CHARACTER" = 1107,

    // Extension
    ExtensionRequired => "EXTENSION_REQUIRED" = 1201,
    ExtensionNotDigits => "EXTENSION_NOT_DIGITS" = 1202,
    ExtensionTooShort => "EXTENSION_TOO_SHORT" = 1203,
    ExtensionTooLong => "EXTENSION_TOO_LONG" = 1204,
    ExtensionInUse => "EXTENSION_IN_USE" = 1205,
    ExtensionConflictsWithEsn => "EXTENSION_CONFLICTS_WITH_ESN" = 1206,
    ExtensionShadowsOrganization => "EXTENSION_SHADOWS_ORGANIZATION" = 1207,

    // Phone number
    PhoneNumberRequired => "PHONE_NUMBER_REQUIRED" = 1301,
    PhoneNumberNotE164 => "PHONE_NUMBER_NOT_E164" = 1302,
    PhoneNumberMissingPlus => "PHONE_NUMBER_MISSING_PLUS" = 1303,
    PhoneNumberFormatting => "PHONE_NUMBER_FORMATTING" = 1304,
    PhoneNumberScientificNotation => "PHONE_NUMBER_SCIENTIFIC_NOTATION" = 1305,
    PhoneNumberHasExtension => "PHONE_NUMBER_HAS_EXTENSION" = 1306,
    PhoneNumberBadCountryCode => "PHONE_NUMBER_BAD_COUNTRY_CODE" = 1307,
    PhoneNumberTooLong => "PHONE_NUMBER_TOO_LONG" = 1308,
    PhoneNumberInvalid => "PHONE_NUMBER_INVALID" = 1309,
    PhoneNumberInUse => "PHONE_NUMBER_IN_USE" = 1310,
    PhoneNumberDuplicateInList => "PHONE_NUMBER_DUPLICATE_IN_LIST" = 1311,

    // Locations
    NameRequired => "NAME_REQUIRED" = 1401,
    NameTooLong => "NAME_TOO_LONG" = 1402,
    NameInvalidCharacter => "NAME_INVALID_CHARACTER" = 1403,
    NameInUse => "NAME_IN_USE" = 1404,
    RoutingPrefixNotDigits => "ROUTING_PREFIX_NOT_DIGITS" = 1405,
    RoutingPrefixTooLong => "ROUTING_PREFIX_TOO_LONG" = 1406,
    RoutingPrefixInUse => "ROUTING_PREFIX_IN_USE" = 1407,
    RoutingPrefixOverlaps => "ROUTING_PREFIX_OVERLAPS" = 1408,
    CountryInvalid => "COUNTRY_INVALID" = 1409,
    LocationInUse => "LOCATION_IN_USE" = 1410,
    AddressInvalid => "ADDRESS_INVALID" = 1411,
    TimeZoneInvalid => "TIME_ZONE_INVALID" = 1412,
    OrganizationMismatch => "ORGANIZATION_MISMATCH" = 1413,
    OutsideDialDigitInvalid => "OUTSIDE_DIAL_DIGIT_INVALID" = 1414,

    // Entries and changes
    VirtualExtensionNotFound => "VIRTUAL_EXTENSION_NOT_FOUND" = 1501,
    EditConflict => "EDIT_CONFLICT" = 1502,
    NothingSelected => "NOTHING_SELECTED" = 1503,
    OutsideYourLocations => "OUTSIDE_YOUR_LOCATIONS" = 1504,

    // CSV files and imports
    ActionInvalid => "ACTION_INVALID" = 1601,
    ExtensionDuplicateInFile => "EXTENSION_DUPLICATE_IN_FILE" = 1602,
    PhoneNumberDuplicateInFile => "PHONE_NUMBER_DUPLICATE_IN_FILE" = 1603,
    RowFieldCount => "ROW_FIELD_COUNT" = 1604,
    FileEmpty => "FILE_EMPTY" = 1605,
    FileNotUtf8 => "FILE_NOT_UTF8" = 1606,
    FileUnreadable => "FILE_UNREADABLE" = 1607,
    FileTooLarge => "FILE_TOO_LARGE" = 1608,
    FileTooManyRows => "FILE_TOO_MANY_ROWS" = 1609,
    HeaderUnknownColumn => "HEADER_UNKNOWN_COLUMN" = 1610,
    HeaderMissingColumn => "HEADER_MISSING_COLUMN" = 1611,
    HeaderDuplicateColumn => "HEADER_DUPLICATE_COLUMN" = 1612,
    FileMissing => "FILE_MISSING" = 1613,
    UploadUnreadable => "UPLOAD_UNREADABLE" = 1614,
    ValidateInProgress => "VALIDATE_IN_PROGRESS" = 1615,
    RejectedWholeFile => "REJECTED_WHOLE_FILE" = 1616,
    NoValidRow => "NO_VALID_ROW" = 1617,
    TaskGaveUp => "TASK_GAVE_UP" = 1618,

    // Administrators and the audit log
    EmailInvalid => "EMAIL_INVALID" = 1701,
    EmailInUse => "EMAIL_IN_USE" = 1702,
    RoleInvalid => "ROLE_INVALID" = 1703,
    PasswordTooShort => "PASSWORD_TOO_SHORT" = 1704,
    PasswordTooLong => "PASSWORD_TOO_LONG" = 1705,
    PasswordTooCommon => "PASSWORD_TOO_COMMON" = 1706,
    CurrentPasswordRequired => "CURRENT_PASSWORD_REQUIRED" = 1707,
    CurrentPasswordIncorrect => "CURRENT_PASSWORD_INCORRECT" = 1708,
    LastFullAdministrator => "LAST_FULL_ADMINISTRATOR" = 1709,
    OwnAccount => "OWN_ACCOUNT" = 1710,
    AdministratorNotFound => "ADMINISTRATOR_NOT_FOUND" = 1711,
    DayInvalid => "DAY_INVALID" = 1712,

    // Virtual extension ranges (numbered as the cloud product numbers them: 27854 is its
    // "more than 100 patterns")
    RangeNameInUse => "RANGE_NAME_IN_USE" = 27850,
    PrefixRequired => "PREFIX_REQUIRED" = 27851,
    PrefixInvalid => "PREFIX_INVALID" = 27852,
    PatternInvalid => "PATTERN_INVALID" = 27853,
    PatternLimitExceeded => "PATTERN_LIMIT_EXCEEDED" = 27854,
    PatternDuplicateInList => "PATTERN_DUPLICATE_IN_LIST" = 27855,
    PatternOverlaps => "PATTERN_OVERLAPS" = 27856,
    PatternConflictsWithEsn => "PATTERN_CONFLICTS_WITH_ESN" = 27857,
    PatternShadowedByExtension => "PATTERN_SHADOWED_BY_EXTENSION" = 27858,
    RangeNumberTooLong => "RANGE_NUMBER_TOO_LONG" = 27859,
    RangeNotFound => "RANGE_NOT_FOUND" = 27860,
    PatternNotInRange => "PATTERN_NOT_IN_RANGE" = 27861,

    // API tokens
    ExpiryInvalid => "EXPIRY_INVALID" = 1901,
    TokenNotFound => "TOKEN_NOT_FOUND" = 1902,

    // Requests (any front)
    Unauthorized => "UNAUTHORIZED" = 1801,
    Forbidden => "FORBIDDEN" = 1802,
    NotFound => "NOT_FOUND" = 1803,
    BadRequest => "BAD_REQUEST" = 1804,
    TooManyRequests => "TOO_MANY_REQUESTS" = 1805,
    Busy => "BUSY" = 1806,
    Internal => "INTERNAL" = 1807,
    DatabaseUnavailable => "DATABASE_UNAVAILABLE" = 1808,
    Network => "NETWORK" = 1809,
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

    /// As [`take`](Self::take), for a whole input's errors.
    pub fn take_all<T>(&mut self, result: Result<T, Vec<FieldError>>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(errors) => {
                self.0.extend(errors);
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

    /// A client keys on `errorCode`: a number names one code for good. The file lists every
    /// pair given out; a new code adds a line, and a renumbered, renamed or reused one fails.
    #[test]
    fn every_code_has_its_own_number_as_given_out_in_error_codes_txt() {
        let given: Vec<(u32, &str)> = include_str!("error_codes.txt")
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| {
                let (number, name) = line.split_once(' ').expect("a line is `number NAME`");
                (number.parse().expect("a number"), name)
            })
            .collect();
        let mut numbers = HashSet::new();
        for &code in ErrorCode::ALL {
            assert!(code.number() > 0, "{code} has no number");
            assert!(
                numbers.insert(code.number()),
                "{code} shares number {} with another code",
                code.number()
            );
            assert!(
                given.contains(&(code.number(), code.as_str())),
                "{} {code} is not in error_codes.txt: add the line",
                code.number()
            );
        }
        for (number, name) in given {
            let code = ErrorCode::parse(name).unwrap_or_else(|| panic!("{name} was given out and is gone"));
            assert_eq!(code.number(), number, "{name} was given out as {number}");
        }
    }
}
