//! Locations: a name, an optional routing prefix (for ESNs) and a country (for number hints).

use super::error::{ErrorCode, Field, FieldError, FieldErrors};
use super::text::{check_name, normalize, NameCodes};
use serde::{Deserialize, Serialize};

pub const LOCATION_NAME_MAX_CHARS: usize = 80;
pub const ROUTING_PREFIX_MAX_DIGITS: usize = 7;

/// A location as the UI and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub id: String,
    pub name: String,
    pub routing_prefix: Option<String>,
    pub country: Option<String>,
    /// Dialed before an outside number (`9`), for the dial plan.
    #[serde(default)]
    pub outside_dial_digit: Option<char>,
}

/// A location on the Locations page, with what still depends on it (what blocks a delete).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationRow {
    pub location: Location,
    pub virtual_extensions: u64,
    pub administrators: u64,
}

impl Location {
    /// The form's values for this location (blank where unset).
    pub fn to_input(&self) -> LocationInput {
        LocationInput {
            name: self.name.clone(),
            routing_prefix: self.routing_prefix.clone().unwrap_or_default(),
            country: self.country.clone().unwrap_or_default(),
            outside_dial_digit: self.outside_dial_digit.map(String::from).unwrap_or_default(),
        }
    }
}

/// Raw input from the form, the CLI or a REST body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub routing_prefix: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub outside_dial_digit: String,
}

/// A location that passed every rule that needs no database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLocation {
    pub name: String,
    pub routing_prefix: Option<String>,
    pub country: Option<String>,
    pub outside_dial_digit: Option<char>,
}

pub fn parse_location_name(raw: &str) -> Result<String, FieldError> {
    let value = normalize(raw);
    if value.is_empty() {
        return Err(FieldError::new(Field::Name, ErrorCode::NameRequired, "Name is required."));
    }
    check_name(
        &value,
        LOCATION_NAME_MAX_CHARS,
        NameCodes {
            field: Field::Name,
            too_long: ErrorCode::NameTooLong,
            invalid_character: ErrorCode::NameInvalidCharacter,
        },
    )?;
    Ok(value)
}

pub fn parse_routing_prefix(raw: &str) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            Field::RoutingPrefix,
            ErrorCode::RoutingPrefixNotDigits,
            "Routing Prefix must be digits 0–9 only.",
        ));
    }
    if value.len() > ROUTING_PREFIX_MAX_DIGITS {
        return Err(FieldError::new(
            Field::RoutingPrefix,
            ErrorCode::RoutingPrefixTooLong,
            format!(
                "Routing Prefix has {} digits; the most allowed is {ROUTING_PREFIX_MAX_DIGITS}.",
                value.len()
            ),
        ));
    }
    Ok(Some(value.to_string()))
}

/// ISO 3166-1 alpha-2, upper case (`US`, `GB`); blank means unknown.
pub fn parse_country(raw: &str) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(FieldError::new(
            Field::Country,
            ErrorCode::CountryInvalid,
            format!("Country {value:?} is not a two-letter ISO 3166 code such as US, GB or DE."),
        ));
    }
    Ok(Some(value.to_ascii_uppercase()))
}

/// Longest address line, city, state or postal code.
pub const ADDRESS_PART_MAX_CHARS: usize = 100;
/// Longest time zone name (IANA names are at most about 30).
pub const TIME_ZONE_MAX_CHARS: usize = 64;

/// Where a location is, and its time zone: the REST API's `address` and `timeZone`. Each part
/// is optional; the pages do not show them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationAddress {
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub time_zone: Option<String>,
}

/// A postal address and time zone as given (the REST API's `address` and `timeZone`, whose
/// names the messages use); blank parts mean none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressInput {
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub time_zone: String,
}

impl AddressInput {
    /// Every part parsed, or every part's problem.
    pub fn validate(&self) -> Result<LocationAddress, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let mut part = |what: &str, raw: &str| errors.take(parse_address_part(what, raw)).flatten();
        let address = LocationAddress {
            address1: part("address.address1", &self.address1),
            address2: part("address.address2", &self.address2),
            city: part("address.city", &self.city),
            state: part("address.state", &self.state),
            postal_code: part("address.postalCode", &self.postal_code),
            time_zone: None,
        };
        let time_zone = errors.take(parse_time_zone(&self.time_zone)).flatten();
        if errors.is_empty() {
            Ok(LocationAddress { time_zone, ..address })
        } else {
            Err(errors.into_vec())
        }
    }
}

/// An address part (`what` names it in the message): trimmed, blank means none, at most
/// [`ADDRESS_PART_MAX_CHARS`] characters and no control characters.
pub fn parse_address_part(what: &str, raw: &str) -> Result<Option<String>, FieldError> {
    let value = normalize(raw);
    if value.is_empty() {
        return Ok(None);
    }
    let count = value.chars().count();
    if count > ADDRESS_PART_MAX_CHARS {
        return Err(FieldError::new(
            Field::Address,
            ErrorCode::AddressInvalid,
            format!("{what} has {count} characters: shorten it to at most {ADDRESS_PART_MAX_CHARS}."),
        ));
    }
    if let Some(bad) = value.chars().find(|c| c.is_control()) {
        return Err(FieldError::new(
            Field::Address,
            ErrorCode::AddressInvalid,
            format!("{what} contains the control character U+{:04X}: remove it.", bad as u32),
        ));
    }
    Ok(Some(value))
}

/// An IANA time zone name such as `America/Chicago` or `UTC`: letters, digits, `_`, `-`, `+`
/// and `/`-separated parts; blank means none.
pub fn parse_time_zone(raw: &str) -> Result<Option<String>, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let parts_ok = value.split('/').all(|part| {
        !part.is_empty()
            && part.starts_with(|c: char| c.is_ascii_alphabetic())
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    });
    if value.len() > TIME_ZONE_MAX_CHARS || !parts_ok {
        let shown: String = value.chars().take(TIME_ZONE_MAX_CHARS).collect();
        return Err(FieldError::new(
            Field::TimeZone,
            ErrorCode::TimeZoneInvalid,
            format!(
                "Time zone {shown:?} is not an IANA time zone name such as America/Chicago or Europe/Berlin."
            ),
        ));
    }
    Ok(Some(value.to_string()))
}

/// A location's outside dial digit: the one digit its people dial before an outside number
/// (`9` in `9 214 555 0100`); blank means none.
pub fn parse_outside_dial_digit(raw: &str) -> Result<Option<char>, FieldError> {
    let value = raw.trim();
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(digit), None) if digit.is_ascii_digit() => Ok(Some(digit)),
        _ => Err(FieldError::new(
            Field::OutsideDialDigit,
            ErrorCode::OutsideDialDigitInvalid,
            format!("Outside Dial Digit {value:?} must be a single digit 0–9, such as 9, or blank for none."),
        )),
    }
}

/// Two routing prefixes overlap when one starts with the other: their ESNs could collide.
pub fn prefixes_overlap(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

impl LocationInput {
    pub fn validate(&self) -> Result<NewLocation, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let name = errors.take(parse_location_name(&self.name));
        let routing_prefix = errors.take(parse_routing_prefix(&self.routing_prefix));
        let country = errors.take(parse_country(&self.country));
        let outside_dial_digit = errors.take(parse_outside_dial_digit(&self.outside_dial_digit));
        match (name, routing_prefix, country, outside_dial_digit) {
            (Some(name), Some(routing_prefix), Some(country), Some(outside_dial_digit))
                if errors.is_empty() =>
            {
                Ok(NewLocation { name, routing_prefix, country, outside_dial_digit })
            }
            _ => Err(errors.into_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_input_rules() {
        let ok = LocationInput {
            name: " Dallas ".into(),
            routing_prefix: "8214".into(),
            country: "us".into(),
            ..Default::default()
        };
        assert_eq!(
            ok.validate(),
            Ok(NewLocation {
                name: "Dallas".into(),
                routing_prefix: Some("8214".into()),
                country: Some("US".into()),
                outside_dial_digit: None,
            })
        );
        let bad = LocationInput {
            name: "".into(),
            routing_prefix: "82a".into(),
            country: "USA".into(),
            ..Default::default()
        };
        let codes: Vec<_> = bad.validate().unwrap_err().into_iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [ErrorCode::NameRequired, ErrorCode::RoutingPrefixNotDigits, ErrorCode::CountryInvalid]
        );
        assert_eq!(parse_routing_prefix("12345678").unwrap_err().code, ErrorCode::RoutingPrefixTooLong);
        assert_eq!(parse_routing_prefix(" "), Ok(None));
        assert_eq!(parse_outside_dial_digit(" 9 "), Ok(Some('9')));
        assert_eq!(parse_outside_dial_digit(""), Ok(None));
        for bad in ["99", "a", "٩", "+"] {
            assert_eq!(
                parse_outside_dial_digit(bad).unwrap_err().code,
                ErrorCode::OutsideDialDigitInvalid,
                "{bad}"
            );
        }
    }

    #[test]
    fn address_and_time_zone_rules() {
        assert_eq!(parse_address_part("City", "  Dallas  "), Ok(Some("Dallas".into())));
        assert_eq!(parse_address_part("City", " "), Ok(None));
        let long = "x".repeat(ADDRESS_PART_MAX_CHARS + 1);
        assert_eq!(parse_address_part("City", &long).unwrap_err().code, ErrorCode::AddressInvalid);
        let control = parse_address_part("Address 1", "Main\u{7}St").unwrap_err();
        assert!(control.message.contains("U+0007"), "{}", control.message);
        assert_eq!(
            parse_time_zone("America/Argentina/Buenos_Aires"),
            Ok(Some("America/Argentina/Buenos_Aires".into()))
        );
        assert_eq!(parse_time_zone("Etc/GMT+5"), Ok(Some("Etc/GMT+5".into())));
        assert_eq!(parse_time_zone("UTC"), Ok(Some("UTC".into())));
        for bad in ["Europe//Berlin", "/UTC", "Europe/Ber lin", "1/2", "Europe/Berlin\""] {
            assert_eq!(parse_time_zone(bad).unwrap_err().code, ErrorCode::TimeZoneInvalid, "{bad}");
        }
    }

    #[test]
    fn overlapping_prefixes() {
        assert!(prefixes_overlap("82", "821"));
        assert!(prefixes_overlap("821", "82"));
        assert!(prefixes_overlap("8", "8"));
        assert!(!prefixes_overlap("82", "83"));
    }
}
