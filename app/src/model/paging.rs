//! Page numbers as every way in receives them (a URL, a form, a server function's body): bounded
//! at the edge, so that no offset computed from one can overflow or ask the database for the
//! impossible.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A zero-based page number, at most [`PageIndex::MAX`]. Anything larger, in any spelling,
/// reads as the last page there can be (the pages then say which page really is the last).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "u64", into = "u64")]
pub struct PageIndex(u32);

impl PageIndex {
    /// No list vext shows has a millionth page (100 rows a page: 100,000,000 rows).
    pub const MAX: u32 = 1_000_000;

    pub const FIRST: PageIndex = PageIndex(0);

    pub fn new(index: u64) -> Self {
        Self(index.min(u64::from(Self::MAX)) as u32)
    }

    /// A page number as every address carries it, counted from 1 (`?page=2` is the second
    /// page): digits (however many), else the first page.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Self::FIRST;
        }
        // All digits but too long for u64: beyond the last page.
        Self::new(text.parse::<u64>().unwrap_or(u64::MAX).saturating_sub(1))
    }

    /// The page's number as people and addresses count it: from 1.
    pub fn number(self) -> u64 {
        u64::from(self.0) + 1
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The offset of this page's first row at `per_page` rows a page.
    pub fn offset(self, per_page: u64) -> u64 {
        u64::from(self.0).saturating_mul(per_page)
    }

    pub fn next(self) -> Self {
        Self::new(u64::from(self.0) + 1)
    }

    /// The page before, or `None` on the first.
    pub fn previous(self) -> Option<Self> {
        self.0.checked_sub(1).map(Self)
    }
}

impl From<u64> for PageIndex {
    fn from(index: u64) -> Self {
        Self::new(index)
    }
}

impl From<PageIndex> for u64 {
    fn from(page: PageIndex) -> Self {
        u64::from(page.0)
    }
}

/// The page's number, counted from 1 (as [`PageIndex::parse`] reads it).
impl fmt::Display for PageIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.number().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_is_bounded() {
        assert_eq!(PageIndex::parse("0"), PageIndex::FIRST);
        assert_eq!(PageIndex::parse("1"), PageIndex::FIRST);
        assert_eq!(PageIndex::parse("7").get(), 6, "addresses count from 1");
        assert_eq!(PageIndex::parse("7").to_string(), "7");
        assert_eq!(PageIndex::new(6).number(), 7);
        assert_eq!(PageIndex::parse("92233720368547759").get(), PageIndex::MAX);
        assert_eq!(PageIndex::parse("1000001").get(), PageIndex::MAX);
        assert_eq!(PageIndex::parse("18446744073709551615").get(), PageIndex::MAX);
        assert_eq!(PageIndex::parse("99999999999999999999999999").get(), PageIndex::MAX);
        for junk in ["", "-1", "1e9", "0x10", " ", "１"] {
            assert_eq!(PageIndex::parse(junk), PageIndex::FIRST, "{junk:?}");
        }
        let last = PageIndex::new(u64::MAX);
        assert_eq!(last.next(), last, "never past the last");
        assert_eq!(last.offset(100), u64::from(PageIndex::MAX) * 100);
        assert_eq!(PageIndex::FIRST.previous(), None);
        assert_eq!(PageIndex::new(3).previous(), Some(PageIndex::new(2)));
    }

    #[test]
    fn a_request_body_cannot_carry_an_unbounded_page() {
        let page: PageIndex = serde_json::from_str("18446744073709551615").unwrap();
        assert_eq!(page.get(), PageIndex::MAX);
        assert!(serde_json::from_str::<PageIndex>("-1").is_err());
        assert_eq!(serde_json::to_string(&PageIndex::new(5)).unwrap(), "5");
    }
}
