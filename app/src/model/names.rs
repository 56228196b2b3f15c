//! Display Name (mandatory) and First/Last Name (optional): what directories and caller ID show.

use super::error::{ErrorCode, Field, FieldError};
use super::text::{check_name, normalize, NameCodes};
use serde::{Deserialize, Serialize};

/// Longest display, first or last name, in code points after NFC.
pub const NAME_MAX_CHARS: usize = 60;

/// A display name: trimmed, NFC-normalized, 1–60 code points, no invisible or control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = normalize(raw);
        if value.is_empty() {
            return Err(FieldError::new(
                Field::DisplayName,
                ErrorCode::DisplayNameRequired,
                "Display Name is required: enter the name (1–60 characters) that directories \
                 and caller ID should show.",
            ));
        }
        check_name(
            &value,
            NAME_MAX_CHARS,
            NameCodes {
                field: Field::DisplayName,
                too_long: ErrorCode::DisplayNameTooLong,
                invalid_character: ErrorCode::DisplayNameInvalidCharacter,
            },
        )?;
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Which optional name a [`PersonName`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonNameKind {
    First,
    Last,
}

impl PersonNameKind {
    fn codes(self) -> NameCodes {
        match self {
            PersonNameKind::First => NameCodes {
                field: Field::FirstName,
                too_long: ErrorCode::FirstNameTooLong,
                invalid_character: ErrorCode::FirstNameInvalidCharacter,
            },
            PersonNameKind::Last => NameCodes {
                field: Field::LastName,
                too_long: ErrorCode::LastNameTooLong,
                invalid_character: ErrorCode::LastNameInvalidCharacter,
            },
        }
    }
}

/// A first or last name: optional, so blank input is `None`; otherwise the display-name rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str, kind: PersonNameKind) -> Result<Option<Self>, FieldError> {
        let value = normalize(raw);
        if value.is_empty() {
            return Ok(None);
        }
        check_name(&value, NAME_MAX_CHARS, kind.codes())?;
        Ok(Some(Self(value)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// `name` as plain text for phone systems that drop it between the quotes of a SIP header
/// (`From: "Name" <sip:…>`) without escaping it: `"` becomes `'`, `\` and anything that is
/// not a printable character (control characters, line and paragraph separators) go, and runs
/// of spaces become one. The rules keep names on one line already; quotes and backslashes stay
/// theirs (`Ann "AJ" Lee`), and this is where they are made safe.
pub fn sip_safe(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = match c {
            '"' => '\'',
            '\\' => ' ',
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => ' ',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c != ' ' || !(out.is_empty() || out.ends_with(' ')) {
            out.push(c);
        }
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(raw: &str) -> Result<String, ErrorCode> {
        DisplayName::parse(raw).map(DisplayName::into_inner).map_err(|e| e.code)
    }

    #[test]
    fn display_name_table() {
        let sixty = "a".repeat(60);
        let sixty_one = "a".repeat(61);
        // 60 × "e" + combining acute: 61 code points as NFD, 60 after NFC.
        let nfd_sixty = format!("{}e\u{0301}", "a".repeat(59));
        let cases: Vec<(&str, Result<String, ErrorCode>)> = vec![
            ("José Müller", Ok("José Müller".into())),
            ("王小明", Ok("王小明".into())),
            ("محمد", Ok("محمد".into())),
            ("Zoë 👩\u{200D}💻", Ok("Zoë 👩\u{200D}💻".into())),
            ("  padded\u{3000}", Ok("padded".into())),
            ("x", Ok("x".into())),
            // Caller ID escapes these in the SIP header; they are a name's own business.
            ("Ann \"AJ\" Lee", Ok("Ann \"AJ\" Lee".into())),
            ("Sales \\ Support", Ok("Sales \\ Support".into())),
            ("O'Brien", Ok("O'Brien".into())),
            (&sixty, Ok(sixty.clone())),
            (&sixty_one, Err(ErrorCode::DisplayNameTooLong)),
            (&nfd_sixty, Ok(format!("{}é", "a".repeat(59)))),
            ("", Err(ErrorCode::DisplayNameRequired)),
            (" \t\u{00A0} ", Err(ErrorCode::DisplayNameRequired)),
            ("Ann\tLee", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("Ann\nLee", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("Ann\u{0}", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("Ann\u{85}Lee", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("evil\u{202E}gpj.exe", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("zero\u{200B}width", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("soft\u{00AD}hyphen", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("\u{FEFF}bom inside x\u{FEFF}y", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("line\u{2028}sep", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("private\u{E000}", Err(ErrorCode::DisplayNameInvalidCharacter)),
            ("non\u{FFFE}char", Err(ErrorCode::DisplayNameInvalidCharacter)),
        ];
        for (raw, expected) in cases {
            assert_eq!(code(raw), expected, "input {raw:?}");
        }
    }

    #[test]
    fn sip_safe_table() {
        for (name, safe) in [
            ("Alice Remote", "Alice Remote"),
            ("Ann \"AJ\" Lee", "Ann 'AJ' Lee"),
            ("IT \\ Help Desk \"24h\"", "IT Help Desk '24h'"),
            ("Bob Fjällström", "Bob Fjällström"),
            ("a\r\nb\u{2028}c", "a b c"),
            ("\\", ""),
        ] {
            assert_eq!(sip_safe(name), safe, "{name:?}");
        }
    }

    #[test]
    fn sixty_one_emoji_is_too_long_and_says_by_how_much() {
        let err = DisplayName::parse(&"😀".repeat(61)).unwrap_err();
        assert_eq!(err.code, ErrorCode::DisplayNameTooLong);
        assert!(err.message.contains("61"), "{}", err.message);
        assert!(err.message.contains("by 1"), "{}", err.message);
    }

    #[test]
    fn forbidden_character_message_names_it_and_its_position() {
        let err = DisplayName::parse("ab\u{202E}c").unwrap_err();
        assert!(err.message.contains("U+202E"), "{}", err.message);
        assert!(err.message.contains("character 3"), "{}", err.message);
    }

    #[test]
    fn person_names_are_optional_with_their_own_codes() {
        assert_eq!(PersonName::parse("  ", PersonNameKind::First), Ok(None));
        assert_eq!(
            PersonName::parse(&"b".repeat(61), PersonNameKind::Last).unwrap_err().code,
            ErrorCode::LastNameTooLong
        );
        assert_eq!(
            PersonName::parse("a\u{200B}", PersonNameKind::First).unwrap_err().code,
            ErrorCode::FirstNameInvalidCharacter
        );
        assert_eq!(PersonName::parse(" Ana ", PersonNameKind::First).unwrap().unwrap().as_str(), "Ana");
    }

    proptest! {
        #[test]
        fn display_name_never_panics(raw in any::<String>()) {
            let _ = DisplayName::parse(&raw);
        }

        #[test]
        fn accepted_names_are_fixed_points(raw in any::<String>()) {
            if let Ok(name) = DisplayName::parse(&raw) {
                let again = DisplayName::parse(name.as_str()).expect("accepted stays accepted");
                prop_assert_eq!(again, name);
            }
        }

        /// Phone systems read the look-ups' plain text line by line and put names into SIP
        /// headers (`From: "Name" <sip:…>`, with `"` and `\` escaped there): an accepted name
        /// never holds a control character or a line break. Quotes and backslashes are names'
        /// own business and stay accepted.
        #[test]
        fn accepted_names_are_single_lines_without_control_characters(
            raw in proptest::collection::vec(
                prop_oneof![
                    Just('"'), Just('\\'), Just('\r'), Just('\n'), Just('\t'), Just('\0'),
                    Just('\u{85}'), Just('\u{2028}'), Just('\u{7f}'), Just('\''), Just(' '),
                    any::<char>(), proptest::char::range('a', 'z'),
                ],
                0..70,
            ).prop_map(|chars| chars.into_iter().collect::<String>())
        ) {
            let breaks_a_line = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
            if let Ok(name) = DisplayName::parse(&raw) {
                prop_assert!(!name.as_str().chars().any(breaks_a_line), "{:?}", name);
                prop_assert_eq!(name.as_str().lines().count(), 1);
            }
            for kind in [PersonNameKind::First, PersonNameKind::Last] {
                if let Ok(Some(name)) = PersonName::parse(&raw, kind) {
                    prop_assert!(!name.as_str().chars().any(breaks_a_line), "{:?}", name);
                }
            }
        }

        /// Whatever a name holds, its plain-text form for phone systems is one line that a SIP
        /// header's quoted display name takes as it is: no `"`, `\\` or control character.
        #[test]
        fn sip_safe_names_never_break_a_sip_header(
            raw in proptest::collection::vec(
                prop_oneof![
                    Just('"'), Just('\\'), Just('\r'), Just('\n'), Just('\t'), Just('\0'),
                    Just('\u{85}'), Just('\u{2028}'), Just(' '), any::<char>(),
                ],
                0..70,
            ).prop_map(|chars| chars.into_iter().collect::<String>())
        ) {
            let safe = sip_safe(&raw);
            prop_assert!(!safe.contains(['"', '\\']), "{:?}", safe);
            prop_assert!(!safe.chars().any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')), "{:?}", safe);
            prop_assert!(!safe.starts_with(' ') && !safe.ends_with(' ') && !safe.contains("  "), "{:?}", safe);
            if let Ok(name) = DisplayName::parse(&raw) {
                prop_assert_eq!(sip_safe(name.as_str()).is_empty(), name.as_str().chars().all(|c| c == '\\' || c.is_whitespace()));
            }
        }

        #[test]
        fn accepted_names_have_1_to_60_chars(raw in "\\PC{0,80}") {
            if let Ok(name) = DisplayName::parse(&raw) {
                let n = name.as_str().chars().count();
                prop_assert!((1..=60).contains(&n));
            }
        }
    }
}
