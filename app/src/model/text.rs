//! The character rules shared by every name shown in directories and caller ID.

use super::error::{ErrorCode, Field, FieldError};
use super::unicode::{category, nfc, Category};

/// Why a character cannot appear in a name. The message names the character and says how to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForbiddenChar {
    Control,
    Bidi,
    Invisible,
    LineBreak,
    Noncharacter,
    PrivateUse,
    Unassigned,
}

impl ForbiddenChar {
    fn describe(self) -> &'static str {
        match self {
            ForbiddenChar::Control => "a control character",
            ForbiddenChar::Bidi => "a bidirectional text control, which can disguise how the name reads",
            ForbiddenChar::Invisible => "an invisible formatting character",
            ForbiddenChar::LineBreak => "a line or paragraph separator",
            ForbiddenChar::Noncharacter => "a Unicode noncharacter",
            ForbiddenChar::PrivateUse => "a private-use character that other systems cannot display",
            ForbiddenChar::Unassigned => "an unassigned code point",
        }
    }
}

/// Classifies one code point: `None` when it may appear in a name.
pub fn forbidden_char(c: char) -> Option<ForbiddenChar> {
    const ZWNJ: char = '\u{200C}';
    const ZWJ: char = '\u{200D}';
    let cp = c as u32;
    // Noncharacters first: the category tables call them unassigned, but they have a name.
    if (0xFDD0..=0xFDEF).contains(&cp) || (cp & 0xFFFE) == 0xFFFE {
        return Some(ForbiddenChar::Noncharacter);
    }
    if matches!(cp, 0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F | 0x061C) {
        return Some(ForbiddenChar::Bidi);
    }
    match category(c) {
        Category::Control => Some(ForbiddenChar::Control),
        // ZWJ and ZWNJ shape emoji sequences and several scripts (👩‍💻, Persian, Indic).
        Category::Format if c == ZWJ || c == ZWNJ => None,
        Category::Format => Some(ForbiddenChar::Invisible),
        Category::LineSeparator | Category::ParagraphSeparator => Some(ForbiddenChar::LineBreak),
        Category::PrivateUse => Some(ForbiddenChar::PrivateUse),
        Category::Unassigned => Some(ForbiddenChar::Unassigned),
        Category::DecimalNumber | Category::Other => None,
    }
}

/// Trims Unicode whitespace and NFC-normalizes: the canonical form vext stores and counts.
pub fn normalize(raw: &str) -> String {
    nfc(raw.trim())
}

/// Counts what admins call characters: Unicode code points after normalization.
pub fn char_count(normalized: &str) -> usize {
    normalized.chars().count()
}

/// The codes one name field reports.
#[derive(Clone, Copy)]
pub(crate) struct NameCodes {
    pub field: Field,
    pub too_long: ErrorCode,
    pub invalid_character: ErrorCode,
}

/// Checks an already normalized, non-empty name against the character and length rules.
pub(crate) fn check_name(value: &str, max: usize, codes: NameCodes) -> Result<(), FieldError> {
    let label = codes.field.label();
    if let Some((position, c, why)) =
        value.chars().enumerate().find_map(|(i, c)| forbidden_char(c).map(|why| (i + 1, c, why)))
    {
        return Err(FieldError::new(
            codes.field,
            codes.invalid_character,
            format!(
                "{label} contains {} (U+{:04X}) at character {position}. Remove it: names may use \
                 letters of any script, marks, digits, punctuation, symbols, emoji and spaces.",
                why.describe(),
                c as u32
            ),
        ));
    }
    let count = char_count(value);
    if count > max {
        return Err(FieldError::new(
            codes.field,
            codes.too_long,
            format!("{label} is {count} characters long; the limit is {max}. Shorten it by {}.", count - max),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_forbidden_characters() {
        let cases = [
            ('\t', Some(ForbiddenChar::Control)),
            ('\r', Some(ForbiddenChar::Control)),
            ('\n', Some(ForbiddenChar::Control)),
            ('\0', Some(ForbiddenChar::Control)),
            ('\u{85}', Some(ForbiddenChar::Control)),
            ('\u{202E}', Some(ForbiddenChar::Bidi)),
            ('\u{202A}', Some(ForbiddenChar::Bidi)),
            ('\u{2066}', Some(ForbiddenChar::Bidi)),
            ('\u{2069}', Some(ForbiddenChar::Bidi)),
            ('\u{200E}', Some(ForbiddenChar::Bidi)),
            ('\u{200F}', Some(ForbiddenChar::Bidi)),
            ('\u{061C}', Some(ForbiddenChar::Bidi)),
            ('\u{200B}', Some(ForbiddenChar::Invisible)),
            ('\u{FEFF}', Some(ForbiddenChar::Invisible)),
            ('\u{00AD}', Some(ForbiddenChar::Invisible)),
            ('\u{2028}', Some(ForbiddenChar::LineBreak)),
            ('\u{2029}', Some(ForbiddenChar::LineBreak)),
            ('\u{FDD0}', Some(ForbiddenChar::Noncharacter)),
            ('\u{FFFF}', Some(ForbiddenChar::Noncharacter)),
            ('\u{10FFFE}', Some(ForbiddenChar::Noncharacter)),
            ('\u{E000}', Some(ForbiddenChar::PrivateUse)),
            ('\u{F0000}', Some(ForbiddenChar::PrivateUse)),
            ('\u{0378}', Some(ForbiddenChar::Unassigned)),
            ('\u{200D}', None),
            ('\u{200C}', None),
            ('a', None),
            ('é', None),
            ('王', None),
            ('م', None),
            ('👩', None),
            (' ', None),
            ('\u{00A0}', None),
            ('-', None),
            ('\'', None),
        ];
        for (c, expected) in cases {
            assert_eq!(forbidden_char(c), expected, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn normalize_trims_unicode_whitespace_and_composes() {
        assert_eq!(normalize("\u{3000} Jose\u{0301} \u{2003}"), "José");
        assert_eq!(normalize("\u{00A0}x\u{00A0}"), "x");
    }
}
