//! Phone Number: a strict E.164 number (`+`, country code, at most 15 digits).
//!
//! The syntax rules run identically in the browser and on the server. With the
//! `phone-metadata` feature (server only: it adds ~300 KB brotli to WASM) the number must also be
//! valid in its country's numbering plan, and its E.164 formatting must equal the input exactly.

use super::error::{ErrorCode, Field, FieldError};
use super::mode::VirtualExtensionMode;
use serde::{Deserialize, Serialize};

/// E.164 allows at most 15 digits after the `+`.
pub const E164_MAX_DIGITS: usize = 15;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct E164Number(String);

fn error(code: ErrorCode, message: String) -> FieldError {
    FieldError::new(Field::PhoneNumber, code, message)
}

/// `1.21E+10`, `2.14555E10`: what a spreadsheet shows after eating a long number.
fn is_scientific_notation(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let (int, frac) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// Finds an extension suffix such as `x123`, `ext. 12`, `;ext=12` or `#12`.
fn has_extension_suffix(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.contains("ext") || lower.contains('#') || lower.contains(';') || {
        // An `x` after at least one digit: `+12145550100x12`.
        lower.split_once('x').is_some_and(|(before, after)| {
            before.bytes().any(|b| b.is_ascii_digit())
                && after.trim_start_matches(['.', ' ']).bytes().next().is_some_and(|b| b.is_ascii_digit())
        })
    }
}

/// The characters people type to group digits.
pub(crate) fn is_grouping(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '\u{00A0}' | '\u{2010}'..='\u{2015}' | '\u{2212}')
}

impl E164Number {
    /// Parses a phone number under Standard mode's rules.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_for(raw, VirtualExtensionMode::Standard)
    }

    /// Parses a phone number typed in a form or a CSV cell under the organization's mode
    /// (see [`VirtualExtensionMode`] for what each accepts). Without the `phone-metadata`
    /// feature (in the browser) only the syntax is checked, whatever the mode.
    pub fn parse_for(raw: &str, mode: VirtualExtensionMode) -> Result<Self, FieldError> {
        let number = Self::parse_syntax(raw)?;
        #[cfg(feature = "phone-metadata")]
        if mode.requires_numbering_plan() {
            number.check_numbering_plan()?;
        }
        #[cfg(not(feature = "phone-metadata"))]
        let _ = mode;
        Ok(number)
    }

    /// The syntax rules alone: what the browser can check without the numbering-plan metadata.
    pub fn parse_syntax(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        const EXAMPLE: &str = "+12145550100";
        if s.is_empty() {
            return Err(error(
                ErrorCode::PhoneNumberRequired,
                format!(
                    "Phone Number is required: enter the external number in E.164 form, such as {EXAMPLE}."
                ),
            ));
        }
        if is_scientific_notation(s) {
            return Err(error(
                ErrorCode::PhoneNumberScientificNotation,
                format!(
                    "{s} looks like a number a spreadsheet turned into scientific notation, which \
                     loses digits. Format the column as Text and re-enter the full number with + \
                     and the country code, such as {EXAMPLE}."
                ),
            ));
        }
        let lower = s.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("tel:") {
            return Err(error(
                ErrorCode::PhoneNumberNotE164,
                format!("Remove the \"tel:\" prefix: enter just the number, such as {}.", rest.trim()),
            ));
        }
        if has_extension_suffix(s) {
            return Err(error(
                ErrorCode::PhoneNumberHasExtension,
                "Phone Number cannot include an extension (x…, ext., #, ;). Enter only the E.164 \
                 number; the internal extension goes in Extension."
                    .to_string(),
            ));
        }
        if s.starts_with("++") {
            return Err(error(
                ErrorCode::PhoneNumberNotE164,
                format!("Use a single + before the country code: +{}.", s.trim_start_matches('+')),
            ));
        }
        let Some(digits) = s.strip_prefix('+') else {
            let only_digits: String = s.chars().filter(|c| !is_grouping(*c)).collect();
            if !only_digits.is_empty() && only_digits.bytes().all(|b| b.is_ascii_digit()) {
                let hint = match only_digits.strip_prefix("00") {
                    Some(rest) if !rest.is_empty() => format!("Replace the leading 00 with +: +{rest}."),
                    _ => format!("Add the + and the country code, such as {EXAMPLE}."),
                };
                return Err(error(
                    ErrorCode::PhoneNumberMissingPlus,
                    format!("{s} has no + and country code, so it is not an E.164 number. {hint}"),
                ));
            }
            return Err(error(
                ErrorCode::PhoneNumberNotE164,
                format!("Phone Number must be in E.164 form: + then the country code and number, digits only, such as {EXAMPLE}."),
            ));
        };
        if digits.chars().all(|c| c.is_ascii_digit()) {
            if digits.is_empty() {
                return Err(error(
                    ErrorCode::PhoneNumberNotE164,
                    format!("Enter the country code and number after the +, such as {EXAMPLE}."),
                ));
            }
            if digits.starts_with('0') {
                return Err(error(
                    ErrorCode::PhoneNumberBadCountryCode,
                    "Country codes never start with 0: after the + put the country code (1 for \
                     the US and Canada, 44 for the UK, …), then the number without its trunk 0."
                        .to_string(),
                ));
            }
            if digits.len() > E164_MAX_DIGITS {
                return Err(error(
                    ErrorCode::PhoneNumberTooLong,
                    format!(
                        "Phone Number has {} digits; E.164 allows at most {E164_MAX_DIGITS} after the +.",
                        digits.len()
                    ),
                ));
            }
            return Ok(Self(s.to_string()));
        }
        // Spaces, dashes and brackets: suggest the compact form when that is all that is wrong.
        let compact: String = digits.chars().filter(|c| !is_grouping(*c)).collect();
        if !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error(
                ErrorCode::PhoneNumberFormatting,
                format!("Remove spaces and punctuation: write it as +{compact}."),
            ));
        }
        Err(error(
            ErrorCode::PhoneNumberNotE164,
            format!("Phone Number may contain only + and the digits 0–9, such as {EXAMPLE}."),
        ))
    }

    /// Is the number assigned in its country's plan, and written exactly as E.164 writes it?
    /// libphonenumber's verdict (see `numbering_plan` for why not the `phonenumber` crate's).
    #[cfg(feature = "phone-metadata")]
    fn check_numbering_plan(&self) -> Result<(), FieldError> {
        use super::numbering_plan::{check, Verdict};
        let verdict = check(&self.0[1..]);
        match &verdict {
            Verdict::Valid => Ok(()),
            Verdict::NotE164 { e164 } => Err(error(
                ErrorCode::PhoneNumberNotE164,
                format!("{} is not written in E.164 form: write it as {e164}.", self.0),
            )),
            Verdict::Invalid { region } => {
                let country = region.map(|id| format!(" for country {id}")).unwrap_or_default();
                Err(error(
                    ErrorCode::PhoneNumberInvalid,
                    format!(
                        "{} is not a valid number{country}: check the country code and the digits \
                         (a digit missing, extra or mistyped).",
                        self.0
                    ),
                ))
            }
            Verdict::UnknownCountryCode | Verdict::TooShort | Verdict::TooLong => Err(error(
                ErrorCode::PhoneNumberInvalid,
                format!(
                    "{} is not a valid phone number ({}). Check the country code and the number of digits.",
                    self.0,
                    verdict.parse_failure().unwrap_or("not a number")
                ),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The E.164 form of a number typed in `country`'s national format ("(214) 555-0100" in
    /// US), when it is a valid number there.
    #[cfg(feature = "phone-metadata")]
    pub fn suggest_in_country(raw: &str, country: &str) -> Option<String> {
        let id: phonenumber::country::Id = country.parse().ok()?;
        // The crate reads the national format; libphonenumber's rules decide whether the result
        // is a valid number (the crate's own `is_valid` accepts numbers libphonenumber refuses).
        let parsed = phonenumber::parse(Some(id), raw.trim()).ok()?;
        let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
        super::numbering_plan::is_valid_e164(e164.strip_prefix('+')?).then_some(e164)
    }

    /// Adds the E.164 suggestion to a "missing +" or "formatting" error, given the country of
    /// the entry's location. Never changes what is stored: the admin confirms the number.
    #[cfg(feature = "phone-metadata")]
    pub fn hint_for_country(error: FieldError, raw: &str, country: &str) -> FieldError {
        let fixable = matches!(
            error.code,
            ErrorCode::PhoneNumberMissingPlus
                | ErrorCode::PhoneNumberFormatting
                | ErrorCode::PhoneNumberNotE164
        );
        match Self::suggest_in_country(raw, country) {
            Some(suggestion) if fixable && error.field == Field::PhoneNumber => FieldError {
                message: format!(
                    "{} looks like a national number; in the location's country ({country}) its E.164 form is {suggestion}. Enter {suggestion}.",
                    raw.trim()
                ),
                ..error
            },
            _ => error,
        }
    }

    /// [`Self::hint_for_country`] over a field's errors, when the location has a country.
    #[cfg(feature = "phone-metadata")]
    pub fn hint_all(errors: Vec<FieldError>, raw: &str, country: Option<&str>) -> Vec<FieldError> {
        match country {
            Some(country) => errors.into_iter().map(|e| Self::hint_for_country(e, raw, country)).collect(),
            None => errors,
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn syntax_table() {
        use ErrorCode::*;
        let sixteen = format!("+1{}", "2".repeat(15));
        let fifteen = format!("+1{}", "2".repeat(14));
        let cases: Vec<(&str, Result<&str, ErrorCode>)> = vec![
            ("+12145550100", Ok("+12145550100")),
            (" +12145550100 ", Ok("+12145550100")),
            (&fifteen, Ok(fifteen.as_str())),
            (&sixteen, Err(PhoneNumberTooLong)),
            ("", Err(PhoneNumberRequired)),
            ("12145550100", Err(PhoneNumberMissingPlus)),
            ("(214) 555-0100", Err(PhoneNumberMissingPlus)),
            ("0044 20 7946 0958", Err(PhoneNumberMissingPlus)),
            ("1.21E+10", Err(PhoneNumberScientificNotation)),
            ("2.14555E10", Err(PhoneNumberScientificNotation)),
            ("+1 214 555 0100", Err(PhoneNumberFormatting)),
            ("+1-214-555-0100", Err(PhoneNumberFormatting)),
            ("+1 (214) 555-0100", Err(PhoneNumberFormatting)),
            ("tel:+12145550100", Err(PhoneNumberNotE164)),
            ("++12145550100", Err(PhoneNumberNotE164)),
            ("+12145550100x123", Err(PhoneNumberHasExtension)),
            ("+12145550100 ext. 12", Err(PhoneNumberHasExtension)),
            ("+12145550100;ext=12", Err(PhoneNumberHasExtension)),
            ("+12145550100#12", Err(PhoneNumberHasExtension)),
            ("+0123456789", Err(PhoneNumberBadCountryCode)),
            ("+", Err(PhoneNumberNotE164)),
            ("+1214555CALL", Err(PhoneNumberNotE164)),
            ("+١٢١٤٥٥٥٠١٠٠", Err(PhoneNumberNotE164)),
            ("+12145550100abc", Err(PhoneNumberNotE164)),
        ];
        for (raw, expected) in cases {
            let got = E164Number::parse_syntax(raw);
            assert_eq!(got.as_ref().map(E164Number::as_str).map_err(|e| e.code), expected, "input {raw:?}");
        }
    }

    #[test]
    fn hints_carry_the_fix() {
        let e = E164Number::parse_syntax("+1 (214) 555-0100").unwrap_err();
        assert!(e.message.contains("+12145550100"), "{}", e.message);
        let e = E164Number::parse_syntax("0044 20 7946 0958").unwrap_err();
        assert!(e.message.contains("+442079460958"), "{}", e.message);
        let e = E164Number::parse_syntax("tel:+12145550100").unwrap_err();
        assert!(e.message.contains("+12145550100"), "{}", e.message);
        let e = E164Number::parse_syntax("++12145550100").unwrap_err();
        assert!(e.message.contains(": +12145550100"), "{}", e.message);
    }

    #[cfg(feature = "phone-metadata")]
    #[test]
    fn numbering_plan_table() {
        use ErrorCode::*;
        let cases: &[(&str, Result<&str, ErrorCode>)] = &[
            ("+12015550123", Ok("+12015550123")),
            ("+442079460958", Ok("+442079460958")),
            ("+4930123456", Ok("+4930123456")),
            ("+81312345678", Ok("+81312345678")),
            // Too short for the US plan.
            ("+1201555012", Err(PhoneNumberInvalid)),
            // Area code 099 does not exist.
            ("+10995550123", Err(PhoneNumberInvalid)),
            // Country code 999 is not assigned.
            ("+9991234567", Err(PhoneNumberInvalid)),
            ("+1", Err(PhoneNumberInvalid)),
            // Security review item 11: the `phonenumber` crate accepted these invalid numbers (a
            // type pattern matched their first digits) and refused the valid toll-free ones (it
            // stripped a trunk prefix they need). libphonenumber's verdicts.
            ("+8610123456787", Err(PhoneNumberInvalid)),
            ("+385123456787", Err(PhoneNumberInvalid)),
            ("+213123456787", Err(PhoneNumberInvalid)),
            ("+97233142764978", Err(PhoneNumberInvalid)),
            ("+78001234567", Ok("+78001234567")),
            ("+37080012345", Ok("+37080012345")),
            // The trunk 0 typed after the country code: valid without it.
            ("+4402079460958", Err(PhoneNumberNotE164)),
        ];
        for (raw, expected) in cases {
            let got = E164Number::parse(raw);
            assert_eq!(got.as_ref().map(E164Number::as_str).map_err(|e| e.code), *expected, "input {raw:?}");
        }
    }

    #[cfg(feature = "phone-metadata")]
    #[test]
    fn numbering_plan_messages_name_the_country_and_the_fix() {
        let e = E164Number::parse("+385123456787").unwrap_err();
        assert!(e.message.contains("not a valid number for country HR"), "{}", e.message);
        let e = E164Number::parse("+4402079460958").unwrap_err();
        assert!(e.message.contains("write it as +442079460958"), "{}", e.message);
        let e = E164Number::parse("+9991234567").unwrap_err();
        assert!(e.message.contains("(invalid country code)"), "{}", e.message);
        let e = E164Number::parse("+1").unwrap_err();
        assert!(e.message.contains("too short"), "{}", e.message);
    }

    #[cfg(feature = "phone-metadata")]
    #[test]
    fn national_numbers_get_their_e164_form_from_the_location_country() {
        let raw = "(214) 555-0100";
        let error = E164Number::parse(raw).unwrap_err();
        assert_eq!(error.code, ErrorCode::PhoneNumberMissingPlus);
        let hinted = E164Number::hint_for_country(error.clone(), raw, "US");
        assert_eq!(hinted.code, ErrorCode::PhoneNumberMissingPlus, "the code stays stable");
        assert!(hinted.message.contains("+12145550100"), "{}", hinted.message);
        let uk = E164Number::hint_for_country(
            E164Number::parse("020 7946 0958").unwrap_err(),
            "020 7946 0958",
            "GB",
        );
        assert!(uk.message.contains("+442079460958"), "{}", uk.message);
        // Not a whole number in that country (no area code): the generic message stays.
        let short = E164Number::parse("555-0100").unwrap_err();
        assert_eq!(E164Number::hint_for_country(short.clone(), "555-0100", "US").message, short.message);
        assert_eq!(E164Number::hint_for_country(error.clone(), raw, "??").message, error.message);
    }

    #[cfg(feature = "phone-metadata")]
    #[test]
    fn enhanced_mode_skips_only_the_numbering_plan() {
        use ErrorCode::*;
        let standard = VirtualExtensionMode::Standard;
        let enhanced = VirtualExtensionMode::Enhanced;
        assert_eq!(E164Number::parse_for("+10995550123", standard).unwrap_err().code, PhoneNumberInvalid);
        assert_eq!(E164Number::parse_for("+10995550123", enhanced).unwrap().as_str(), "+10995550123");
        for raw in ["2145550100", "+1 214 555 0100", "tel:+12145550100", "+0123", "+12145550100x1"] {
            assert_eq!(
                E164Number::parse_for(raw, enhanced).map_err(|e| e.code),
                E164Number::parse_for(raw, standard).map_err(|e| e.code),
                "{raw}: Enhanced keeps Standard's syntax"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics(raw in any::<String>()) {
            let _ = E164Number::parse(&raw);
        }

        #[test]
        fn never_panics_on_phone_like_input(raw in "[+0-9 ().eExt#;-]{0,24}") {
            let _ = E164Number::parse(&raw);
        }

        #[test]
        fn accepted_numbers_are_strict_e164(raw in "\\+?[0-9]{0,17}") {
            if let Ok(n) = E164Number::parse_syntax(&raw) {
                let s = n.as_str();
                prop_assert!(s.starts_with('+'));
                prop_assert!(!s[1..].starts_with('0'));
                prop_assert!((1..=15).contains(&s[1..].len()));
                prop_assert_eq!(E164Number::parse_syntax(s).unwrap(), n.clone());
            }
        }
    }
}
