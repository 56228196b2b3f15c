//! The two Unicode facts the rules need: NFC normalization and a character's general category.
//!
//! On the server (and in tests) they come from the `unicode-normalization` and
//! `unicode-general-category` crates. In the browser they come from the JavaScript engine
//! (`String.prototype.normalize`, `\p{…}` regular expressions), which already carries the
//! Unicode tables: shipping them again in the WASM would cost ~20 KB brotli. Both implement the
//! same Unicode algorithms; the server stays authoritative for characters newer than the
//! browser's Unicode version.

/// The categories the name rules distinguish; everything else is `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Control,
    Format,
    LineSeparator,
    ParagraphSeparator,
    PrivateUse,
    /// Includes surrogates, which a Rust `char` can never hold anyway.
    Unassigned,
    DecimalNumber,
    Other,
}

#[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
mod native {
    use super::Category;
    use unicode_general_category::{get_general_category, GeneralCategory as G};
    use unicode_normalization::UnicodeNormalization;

    pub fn nfc(s: &str) -> String {
        s.nfc().collect()
    }

    pub fn category(c: char) -> Category {
        match get_general_category(c) {
            G::Control => Category::Control,
            G::Format => Category::Format,
            G::LineSeparator => Category::LineSeparator,
            G::ParagraphSeparator => Category::ParagraphSeparator,
            G::PrivateUse => Category::PrivateUse,
            G::Surrogate | G::Unassigned => Category::Unassigned,
            G::DecimalNumber => Category::DecimalNumber,
            _ => Category::Other,
        }
    }
}

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
mod browser {
    use super::Category;
    use js_sys::{JsString, RegExp};

    thread_local! {
        static PATTERNS: Vec<(Category, RegExp)> = [
            (Category::Control, "^\\p{Cc}$"),
            (Category::Format, "^\\p{Cf}$"),
            (Category::LineSeparator, "^\\p{Zl}$"),
            (Category::ParagraphSeparator, "^\\p{Zp}$"),
            (Category::PrivateUse, "^\\p{Co}$"),
            (Category::Unassigned, "^\\p{Cn}$"),
            (Category::DecimalNumber, "^\\p{Nd}$"),
        ]
        .into_iter()
        .map(|(category, pattern)| (category, RegExp::new(pattern, "u")))
        .collect();
    }

    pub fn nfc(s: &str) -> String {
        JsString::from(s).normalize("NFC").as_string().unwrap_or_else(|| s.to_string())
    }

    pub fn category(c: char) -> Category {
        let s = c.to_string();
        PATTERNS.with(|patterns| {
            patterns.iter().find(|(_, re)| re.test(&s)).map_or(Category::Other, |(category, _)| *category)
        })
    }
}

#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
pub use browser::{category, nfc};
#[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
pub use native::{category, nfc};
