//! Extension: what colleagues dial. ASCII digits only, 2–10 of them.

use super::error::{ErrorCode, Field, FieldError};
use serde::{Deserialize, Serialize};

pub const EXTENSION_MIN_DIGITS: usize = 2;
pub const EXTENSION_MAX_DIGITS: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extension(String);

impl Extension {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        let error = |code, message: String| Err(FieldError::new(Field::Extension, code, message));
        if value.is_empty() {
            return error(
                ErrorCode::ExtensionRequired,
                format!(
                    "Extension is required: enter the {EXTENSION_MIN_DIGITS}–{EXTENSION_MAX_DIGITS} \
                     digits colleagues will dial."
                ),
            );
        }
        if let Some(bad) = value.chars().find(|c| !c.is_ascii_digit()) {
            let hint = if bad.is_numeric() {
                // Arabic-Indic, full-width and other digits look right but dial nothing.
                let ascii: String = value
                    .chars()
                    .map(|c| decimal_digit_value(c).and_then(|d| char::from_digit(d, 10)).unwrap_or(c))
                    .collect();
                if ascii.chars().all(|c| c.is_ascii_digit()) {
                    format!(" Type it with the digits 0–9: {ascii}.")
                } else {
                    " Type it with the digits 0–9.".to_string()
                }
            } else {
                " Use only the digits 0–9, without spaces, + or punctuation.".to_string()
            };
            return error(
                ErrorCode::ExtensionNotDigits,
                format!("Extension must be digits 0–9; found {bad:?}.{hint}"),
            );
        }
        let digits = value.len();
        if digits < EXTENSION_MIN_DIGITS {
            return error(
                ErrorCode::ExtensionTooShort,
                format!("Extension has {digits} digit; it needs at least {EXTENSION_MIN_DIGITS}."),
            );
        }
        if digits > EXTENSION_MAX_DIGITS {
            return error(
                ErrorCode::ExtensionTooLong,
                format!(
                    "Extension has {digits} digits; the most allowed is {EXTENSION_MAX_DIGITS}. \
                     For an external number, use Phone Number instead."
                ),
            );
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The value of any Unicode decimal digit (Nd), e.g. '٣' → 3 or '３' → 3.
///
/// Every Nd run in Unicode is made of whole 0–9 sequences, so the offset from the start of the
/// run, modulo 10, is the digit's value.
pub fn decimal_digit_value(c: char) -> Option<u32> {
    use super::unicode::{category, Category::DecimalNumber};
    if category(c) != DecimalNumber {
        return None;
    }
    let mut steps = 0;
    let mut cp = c as u32;
    while let Some(prev) = cp.checked_sub(1).and_then(char::from_u32) {
        if category(prev) != DecimalNumber {
            break;
        }
        steps += 1;
        cp -= 1;
    }
    Some(steps % 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn extension_table() {
        let cases: &[(&str, Result<&str, ErrorCode>)] = &[
            ("12", Ok("12")),
            ("0100", Ok("0100")),
            (" 4321 ", Ok("4321")),
            ("1234567890", Ok("1234567890")),
            ("1", Err(ErrorCode::ExtensionTooShort)),
            ("12345678901", Err(ErrorCode::ExtensionTooLong)),
            ("", Err(ErrorCode::ExtensionRequired)),
            ("   ", Err(ErrorCode::ExtensionRequired)),
            ("12a", Err(ErrorCode::ExtensionNotDigits)),
            ("12 34", Err(ErrorCode::ExtensionNotDigits)),
            ("+1234", Err(ErrorCode::ExtensionNotDigits)),
            ("-12", Err(ErrorCode::ExtensionNotDigits)),
            ("١٢٣٤", Err(ErrorCode::ExtensionNotDigits)),
            ("１２３４", Err(ErrorCode::ExtensionNotDigits)),
        ];
        for (raw, expected) in cases {
            let got = Extension::parse(raw);
            assert_eq!(got.as_ref().map(Extension::as_str).map_err(|e| e.code), *expected, "input {raw:?}");
        }
    }

    #[test]
    fn non_ascii_digits_get_the_ascii_spelling_as_a_hint() {
        let err = Extension::parse("１２３４").unwrap_err();
        assert!(err.message.contains("1234"), "{}", err.message);
    }

    #[test]
    fn decimal_digit_values() {
        assert_eq!(decimal_digit_value('7'), Some(7));
        assert_eq!(decimal_digit_value('٣'), Some(3));
        assert_eq!(decimal_digit_value('۹'), Some(9));
        assert_eq!(decimal_digit_value('５'), Some(5));
        assert_eq!(decimal_digit_value('९'), Some(9));
        assert_eq!(decimal_digit_value('x'), None);
    }

    proptest! {
        #[test]
        fn never_panics(raw in any::<String>()) {
            let _ = Extension::parse(&raw);
        }

        #[test]
        fn digit_strings_in_range_round_trip(raw in "[0-9]{2,10}") {
            let parsed = Extension::parse(&raw).unwrap();
            prop_assert_eq!(parsed.as_str(), raw.as_str());
        }
    }
}
