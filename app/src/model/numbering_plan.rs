//! The numbering-plan check (server only, `phone-metadata`): is `+digits` a valid number in its
//! country's plan, written exactly as E.164 writes it? The answer is Google libphonenumber's
//! (`parse`, `isValidNumber`, `format(E164)`), computed from the `phonenumber` crate's metadata
//! (libphonenumber 9.0.33) with libphonenumber's rules, not the crate's.
//!
//! The crate's own `parse` + `is_valid` disagree with libphonenumber in two ways (security review
//! item 11, "invalid numbers stored as valid"):
//!
//! - It matches a number type's pattern from the first digit (a `find` starting at 0) instead of
//!   against the whole national number, so a valid number with a digit appended still matches.
//!   It accepted `+8610123456787`, `+385123456787`, `+213123456787` and `+97233142764978`, all
//!   invalid in libphonenumber.
//! - Its parser strips a national prefix whenever the number starts with one. libphonenumber keeps
//!   the number as typed when it fits the country's general pattern and would not after
//!   stripping. The crate read toll-free `+78001234567` as `+7 001234567` (`8` is Russia's trunk
//!   prefix) and `+37080012345` as `+370 0012345`, and refused both valid numbers.
//!
//! libphonenumber's rules, as followed here:
//!
//! 1. The country code is the shortest one-to-three-digit prefix that is assigned; the national
//!    (significant) number is the rest, 2 to 17 digits.
//! 2. The country's main region's national prefix for parsing (its plain national prefix when it
//!    has none) is tried at the start of the national number. If it matches, the candidate is
//!    the rest of the number (or the prefix's transform rule applied, when the rule's last group
//!    took part). The candidate is dropped when the number as typed fits the general pattern and
//!    the candidate does not; it is also dropped unless its length is possible (or too long) for
//!    the country. A candidate that survives is the number libphonenumber parsed: its E.164 form
//!    differs from the input, so the input is refused (with the form to write instead when that
//!    number is valid).
//! 3. The region is the only one of its country code, or the first (main region first) whose
//!    leading digits match the start of the number or, for a region without leading digits,
//!    whose plan knows the number.
//! 4. The number is valid when it has one of the general description's possible lengths (derived,
//!    as libphonenumber's build does, from the types' lengths) and matches its whole pattern, and
//!    one number type matches likewise — premium rate, toll free, shared cost, VoIP, personal
//!    number, pager, UAN, voicemail, fixed line, or mobile when its pattern differs from fixed
//!    line's: its possible lengths (when it lists any) and its whole pattern.
//!
//! Every country code's patterns are compiled once, on first use, into `^(?:…)$` expressions of
//! our own: the crate's `CachedRegex` matching goes through one global mutex-guarded LRU cache,
//! which a CSV import of 100,000 numbers would queue on. `app/tests/data/e164_verdicts.tsv` holds
//! libphonenumber's own verdicts (every region's example numbers per type, one digit short and one
//! digit long); the tests below hold this module to all of them.

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex::{Regex, RegexBuilder};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Country codes have one to three digits.
const MAX_COUNTRY_CODE_DIGITS: usize = 3;
/// libphonenumber's bounds on a national significant number.
const MIN_NSN_DIGITS: usize = 2;
const MAX_NSN_DIGITS: usize = 17;
/// The region id libphonenumber gives the non-geographic country codes (+800, +882, …).
const NON_GEOGRAPHIC: &str = "001";

/// libphonenumber's verdict on a `+digits` string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid in its country's plan, and its E.164 form is the input.
    Valid,
    /// No assigned country code starts the digits.
    UnknownCountryCode,
    /// Nothing, or a single digit, after the country code.
    TooShort,
    /// More digits after the country code than any plan has.
    TooLong,
    /// Not a number of its country's plan. `region`: the country libphonenumber attributes it to
    /// (an ISO 3166 id), when there is one and it is not a non-geographic code.
    Invalid { region: Option<&'static str> },
    /// libphonenumber reads it with a national prefix removed, giving this valid E.164 number: the
    /// input is not written in E.164 form.
    NotE164 { e164: String },
}

impl Verdict {
    /// Why it does not parse, in the `phonenumber` crate's words, for the parse-failure variants.
    pub fn parse_failure(&self) -> Option<&'static str> {
        match self {
            Verdict::UnknownCountryCode => Some("invalid country code"),
            Verdict::TooShort => Some("the number is too short after the country code"),
            Verdict::TooLong => Some("the number is too long"),
            Verdict::Valid | Verdict::Invalid { .. } | Verdict::NotE164 { .. } => None,
        }
    }
}

/// True when libphonenumber finds `+digits` valid and formats it back to `+digits`.
///
/// `digits` are what follows the `+`.
pub fn is_valid_e164(digits: &str) -> bool {
    check(digits) == Verdict::Valid
}

/// libphonenumber's verdict on `+digits` (`digits`: what follows the `+`).
pub fn check(digits: &str) -> Verdict {
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Verdict::UnknownCountryCode;
    }
    // Codes are prefix-free: the shortest assigned prefix is the code.
    let Some((plan, national)) = (1..=MAX_COUNTRY_CODE_DIGITS.min(digits.len())).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        Some((plan(code)?, &digits[len..]))
    }) else {
        return Verdict::UnknownCountryCode;
    };
    if national.len() < MIN_NSN_DIGITS {
        return Verdict::TooShort;
    }
    let parsed = plan.strip_national_prefix(national);
    if parsed.len() < MIN_NSN_DIGITS {
        return Verdict::TooShort;
    }
    if parsed.len() > MAX_NSN_DIGITS {
        return Verdict::TooLong;
    }
    match plan.region_for(&parsed) {
        (Some(_), true) if *parsed == *national => Verdict::Valid,
        (Some(_), true) => Verdict::NotE164 { e164: format!("+{}{parsed}", plan.code) },
        (region, _) => {
            Verdict::Invalid { region: region.map(|r| r.id.as_str()).filter(|id| *id != NON_GEOGRAPHIC) }
        }
    }
}

/// How numbers are dialed inside `country` (an ISO 3166 code), for the dial plan: its calling
/// code, trunk prefix and international prefix (each only when the metadata gives plain digits).
pub fn national_dialing(country: &str) -> Option<crate::model::dial_plan::NationalDialing> {
    let meta = DATABASE.by_id(country)?;
    let digits = |s: &str| (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_string());
    Some(crate::model::dial_plan::NationalDialing {
        country: country.to_string(),
        country_code: meta.country_code(),
        trunk_prefix: meta.national_prefix().and_then(digits),
        international_prefix: meta
            .international_prefix()
            .and_then(|prefix| digits(prefix.as_str()))
            .or_else(|| meta.preferred_international_prefix().and_then(digits)),
    })
}

/// `pattern` with the crate's options (the metadata's patterns span lines of XML whitespace).
fn compile(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern).ignore_whitespace(true).build().ok()
}

/// Matches from the first digit (leading digits, national prefixes).
fn at_start(pattern: &str) -> Option<Regex> {
    compile(&format!("^(?:{pattern})"))
}

/// Matches the whole number only.
fn whole(pattern: &str) -> Option<Regex> {
    compile(&format!("^(?:{pattern})$"))
}

/// A number description: possible lengths and a whole-number pattern.
struct Description {
    /// Empty: any length.
    lengths: Vec<u16>,
    pattern: Regex,
}

impl Description {
    fn new(descriptor: &Descriptor, lengths: Vec<u16>) -> Option<Self> {
        Some(Self { lengths, pattern: whole(descriptor.national_number().as_str())? })
    }

    fn matches(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.iter().any(|&l| usize::from(l) == national.len()))
            && self.pattern.is_match(national)
    }
}

/// One region's plan.
struct Region {
    id: String,
    leading_digits: Option<Regex>,
    /// The general description, with the lengths libphonenumber derives for it.
    general: Description,
    /// Lengths only dialable locally (derived like the general lengths), which do not make a
    /// stripped national prefix stick.
    local_only_lengths: Vec<u16>,
    /// The number types `isValidNumber` accepts (mobile left out when it repeats fixed line).
    types: Vec<Description>,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Self> {
        let d = meta.descriptors();
        // Every type `getNumberType` tries; a number is valid when it is one of them. The order
        // does not change the verdict: fixed line and mobile first, as most numbers are.
        let types = [
            d.fixed_line(),
            d.mobile(),
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ];
        // libphonenumber's build gives the general description the union of the types' lengths
        // (noInternationalDialling excluded); its local-only lengths are the types' local-only
        // lengths that are not also national lengths.
        let mut lengths: Vec<u16> =
            types.iter().flatten().flat_map(|t| t.possible_length()).copied().collect();
        lengths.sort_unstable();
        lengths.dedup();
        let mut local_only_lengths: Vec<u16> = types
            .iter()
            .flatten()
            .flat_map(|t| t.possible_local_length())
            .copied()
            .filter(|l| !lengths.contains(l))
            .collect();
        local_only_lengths.sort_unstable();
        local_only_lengths.dedup();

        // libphonenumber skips mobile when its pattern is fixed line's (the same numbers).
        let text = |t: &Descriptor| t.national_number().as_str().split_whitespace().collect::<String>();
        let mobile =
            d.mobile().filter(|mobile| d.fixed_line().is_none_or(|fixed| text(fixed) != text(mobile)));
        let types = [d.fixed_line(), mobile]
            .into_iter()
            .chain(types[2..].iter().copied())
            .flatten()
            .map(|t| Description::new(t, t.possible_length().to_vec()))
            .collect::<Option<Vec<_>>>()?;

        Some(Self {
            id: meta.id().to_string(),
            leading_digits: match meta.leading_digits() {
                Some(pattern) => Some(at_start(pattern.as_str())?),
                None => None,
            },
            general: Description::new(d.general(), lengths)?,
            local_only_lengths,
            types,
        })
    }

    /// libphonenumber's `getNumberType(..) != UNKNOWN` for this region.
    fn is_known(&self, national: &str) -> bool {
        self.general.matches(national) && self.types.iter().any(|t| t.matches(national))
    }

    /// libphonenumber's `testNumberLength` is `IS_POSSIBLE` or `TOO_LONG`: the lengths at which
    /// it keeps a number with its national prefix stripped.
    fn keeps_stripped_length(&self, len: usize) -> bool {
        let (lengths, local) = (&self.general.lengths, &self.local_only_lengths);
        let Some(&longest) = lengths.last() else { return false };
        !local.iter().any(|&l| usize::from(l) == len)
            && (len > usize::from(longest) || lengths.iter().any(|&l| usize::from(l) == len))
    }
}

/// What the parser may strip from the start of a national number.
struct NationalPrefix {
    /// The national prefix for parsing (or the national prefix), anchored at the start.
    pattern: Regex,
    /// What replaces the match when its last group took part (`$1` written `${1}`).
    transform: Option<String>,
}

impl NationalPrefix {
    fn new(meta: &Metadata) -> Option<Option<Self>> {
        let pattern = match (meta.national_prefix_for_parsing(), meta.national_prefix()) {
            (Some(parsing), _) => parsing.as_str().to_string(),
            (None, Some(prefix)) if !prefix.is_empty() => regex::escape(prefix),
            (None, _) => return Some(None),
        };
        let transform =
            meta.national_prefix_transform_rule().filter(|rule| !rule.is_empty()).map(braced_groups);
        Some(Some(Self { pattern: at_start(&pattern)?, transform }))
    }
}

/// `8$1` → `8${1}`: the metadata's group references, unambiguous for `Regex::replace`.
fn braced_groups(rule: &str) -> String {
    let mut out = String::with_capacity(rule.len() + 4);
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push_str("${");
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                out.push(d);
            }
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

/// The regions sharing a country code, main region first, as libphonenumber orders them.
struct CountryCode {
    code: u16,
    regions: Vec<Region>,
    /// The main region's, which the parser uses.
    national_prefix: Option<NationalPrefix>,
}

impl CountryCode {
    fn new(code: u16) -> Option<Self> {
        let metas = DATABASE.by_code(&code)?;
        let main = metas.first()?;
        Some(Self {
            code,
            national_prefix: NationalPrefix::new(main)?,
            regions: metas.iter().map(|meta| Region::new(meta)).collect::<Option<Vec<_>>>()?,
        })
    }

    /// libphonenumber's `maybeStripNationalPrefixAndCarrierCode` followed by `parse`'s length
    /// test: the national number as parsed.
    fn strip_national_prefix<'a>(&self, national: &'a str) -> Cow<'a, str> {
        let Some(prefix) = &self.national_prefix else { return Cow::Borrowed(national) };
        let Some(found) = prefix.pattern.find(national) else { return Cow::Borrowed(national) };
        let main = &self.regions[0];
        let candidate = match &prefix.transform {
            Some(rule) => match prefix.pattern.captures(national) {
                // Java's `group(groupCount())`: the whole match when there are no groups.
                Some(groups) if groups.get(groups.len() - 1).is_some() => {
                    prefix.pattern.replace(national, rule.as_str())
                }
                _ => Cow::Borrowed(&national[found.end()..]),
            },
            None => Cow::Borrowed(&national[found.end()..]),
        };
        // A number that fits the general pattern as typed keeps its digits unless the stripped
        // one fits too.
        let viable_as_typed = main.general.pattern.is_match(national);
        if viable_as_typed && !main.general.pattern.is_match(&candidate) {
            return Cow::Borrowed(national);
        }
        if *candidate != *national && !main.keeps_stripped_length(candidate.len()) {
            return Cow::Borrowed(national);
        }
        candidate
    }

    /// libphonenumber's `getRegionCodeForNumber` (the only region, or the first whose leading
    /// digits match or, lacking those, whose plan knows the number), and whether that region's
    /// plan knows the number (`isValidNumber`).
    fn region_for(&self, national: &str) -> (Option<&Region>, bool) {
        let region = match self.regions.as_slice() {
            [only] => only,
            regions => {
                let found = regions.iter().find_map(|region| match &region.leading_digits {
                    Some(leading) => leading.is_match(national).then_some((region, None)),
                    // Chosen because its plan knows the number.
                    None => region.is_known(national).then_some((region, Some(true))),
                });
                match found {
                    Some((region, Some(known))) => return (Some(region), known),
                    Some((region, None)) => region,
                    None => return (None, false),
                }
            }
        };
        (Some(region), region.is_known(national))
    }
}

/// Country code → its compiled plan, compiled on first use (most files use a few countries).
fn plan(code: u16) -> Option<&'static CountryCode> {
    static PLANS: OnceLock<HashMap<u16, OnceLock<Option<CountryCode>>>> = OnceLock::new();
    let plans = PLANS.get_or_init(|| {
        // Every assigned code (`DATABASE.iter()` would miss most non-geographic ones: it yields
        // one entry per region id, and they all share "001").
        (1..1000)
            .filter(|code| DATABASE.by_code(code).is_some())
            .map(|code| (code, OnceLock::new()))
            .collect()
    });
    plans.get(&code)?.get_or_init(|| CountryCode::new(code)).as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libphonenumber's verdicts, generated once by `gen_e164_verdicts.py` (see the README there).
    const VERDICTS: &str = include_str!("../../tests/data/e164_verdicts.tsv");

    #[test]
    fn every_libphonenumber_verdict_in_the_table_is_followed() {
        let (mut rows, mut valid) = (0, 0);
        let mut disagreements = Vec::new();
        for line in VERDICTS.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let fields: Vec<&str> = line.split('\t').collect();
            let [e164, verdict, region, kind, variant] = fields[..] else {
                panic!("malformed line {line:?}");
            };
            let expected = match verdict {
                "valid" => true,
                "invalid" => false,
                other => panic!("unknown verdict {other:?} in {line:?}"),
            };
            let digits = e164.strip_prefix('+').unwrap_or_else(|| panic!("no + in {line:?}"));
            rows += 1;
            valid += usize::from(expected);
            let got = check(digits);
            if (got == Verdict::Valid) != expected {
                disagreements.push(format!(
                    "{e164} ({region} {kind} {variant}): libphonenumber {verdict}, here {got:?}"
                ));
            }
        }
        assert!(rows > 3_000 && valid > 1_000 && rows - valid > 1_000, "{rows} rows, {valid} valid");
        assert!(
            disagreements.is_empty(),
            "{} of {rows} verdicts differ from libphonenumber's:\n{}",
            disagreements.len(),
            disagreements.join("\n")
        );
    }

    #[test]
    fn every_country_codes_plan_compiles() {
        let codes: Vec<u16> = (1..1000).filter(|code| DATABASE.by_code(code).is_some()).collect();
        assert!(codes.len() > 200 && codes.contains(&979), "{} codes", codes.len());
        let broken: Vec<u16> = codes.into_iter().filter(|&code| plan(code).is_none()).collect();
        assert!(broken.is_empty(), "no plan compiled for +{broken:?}");
    }

    #[test]
    fn the_reviews_cases() {
        // Accepted by the crate (a type pattern matched a prefix of the number): invalid.
        for (e164, region) in [
            ("+8610123456787", "CN"),
            ("+385123456787", "HR"),
            ("+213123456787", "DZ"),
            ("+97233142764978", "IL"),
        ] {
            assert_eq!(check(&e164[1..]), Verdict::Invalid { region: Some(region) }, "{e164}");
            assert!(!is_valid_e164(&e164[1..]), "{e164}");
        }
        // Refused by the crate (it stripped a trunk prefix the number needs): valid toll-free.
        for e164 in ["+78001234567", "+37080012345"] {
            assert_eq!(check(&e164[1..]), Verdict::Valid, "{e164}");
        }
    }

    #[test]
    fn ordinary_numbers() {
        for e164 in
            ["+12015550123", "+12145550100", "+442079460018", "+4930123456", "+81312345678", "+79123456789"]
        {
            assert!(is_valid_e164(&e164[1..]), "{e164}");
        }
        // Area code 099 does not exist; one digit short of a US number.
        assert_eq!(check("10995550123"), Verdict::Invalid { region: None });
        assert_eq!(check("1201555012"), Verdict::Invalid { region: None });
        // A single-region code names its country even when the number is invalid; a shared one
        // only when a region claims the number.
        assert_eq!(check("3851234"), Verdict::Invalid { region: Some("HR") });
        assert_eq!(check("4412345"), Verdict::Invalid { region: None });
        // Non-geographic codes: valid or invalid, no country.
        assert_eq!(check("80012345678"), Verdict::Valid);
        assert_eq!(check("800123456789"), Verdict::Invalid { region: None });
    }

    #[test]
    fn a_national_prefix_typed_after_the_country_code() {
        // libphonenumber drops the trunk prefix, so the E.164 form is not the input.
        assert_eq!(check("4402079460958"), Verdict::NotE164 { e164: "+442079460958".into() });
        assert_eq!(check("789123456789"), Verdict::NotE164 { e164: "+79123456789".into() });
        // Too short once stripped: read as typed, and invalid.
        assert_eq!(check("4400"), Verdict::Invalid { region: None });
        assert_eq!(check("440123"), Verdict::Invalid { region: None });
    }

    #[test]
    fn not_numbers_of_any_plan() {
        for digits in ["", "0123456789", "12a", "+12015550123", "٣٣١٢٣٤٥٦٧٨"] {
            assert_eq!(check(digits), Verdict::UnknownCountryCode, "{digits:?}");
        }
        // 999 and 99 are not assigned country codes (9 is not a code at all).
        assert_eq!(check("9991234567"), Verdict::UnknownCountryCode);
        assert_eq!(check("99"), Verdict::UnknownCountryCode);
        for digits in ["1", "12", "44", "441", "3531"] {
            assert_eq!(check(digits), Verdict::TooShort, "{digits:?}");
        }
        assert_eq!(check(&format!("1{}", "2".repeat(18))), Verdict::TooLong);
        assert_eq!(check("1").parse_failure(), Some("the number is too short after the country code"));
        assert_eq!(check("999").parse_failure(), Some("invalid country code"));
        assert_eq!(check("12015550123").parse_failure(), None);
    }

    #[test]
    fn national_dialing_comes_from_the_metadata() {
        let us = national_dialing("US").expect("US");
        assert_eq!(
            (us.country_code, us.trunk_prefix.as_deref(), us.international_prefix.as_deref()),
            (1, Some("1"), Some("011"))
        );
        let gb = national_dialing("GB").expect("GB");
        assert_eq!(
            (gb.country_code, gb.trunk_prefix.as_deref(), gb.international_prefix.as_deref()),
            (44, Some("0"), Some("00"))
        );
        assert_eq!(national_dialing("IT").expect("IT").trunk_prefix, None);
        assert_eq!(national_dialing("XX"), None);
    }

    #[test]
    fn group_references_are_braced() {
        assert_eq!(braced_groups("8$1"), "8${1}");
        assert_eq!(braced_groups("$2"), "${2}");
        assert_eq!(braced_groups("0549$1"), "0549${1}");
        assert_eq!(braced_groups("12"), "12");
    }
}
