//! A fast "yes" for the numbering-plan check (server only, `phone-metadata`).
//!
//! The `phonenumber` crate matches a number against its country's patterns through a global
//! regular-expression cache: an LRU of 100 entries behind one mutex, looked up by the pattern's
//! text on every match. A CSV file of 100,000 numbers spends a quarter of its check there, two
//! threads only queue on the mutex, and a file with numbers from many countries keeps evicting
//! and recompiling patterns. This module compiles each country code's patterns once, from the
//! crate's own metadata, and answers one question: would the crate accept this `+digits` number
//! *unchanged* (valid in its plan, and its E.164 form equal to the input)?
//!
//! It answers "yes" only when it can follow the crate's decision exactly: the country code is
//! known, the national number does not start with `0` and does not start with anything the
//! crate's parser would strip (the national prefix, or what the country's
//! `national_prefix_for_parsing` matches). Every other number — every invalid one included —
//! goes through the crate as before, so the messages and edge cases stay the crate's. The tests
//! below hold the "yes" to the crate's verdict over every country's example numbers and many
//! random ones.

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Country codes have one to three digits.
const MAX_COUNTRY_CODE_DIGITS: usize = 3;
/// The crate's bounds on a national significant number.
const MIN_NSN_DIGITS: usize = 2;
const MAX_NSN_DIGITS: usize = 17;

/// The crate's `Descriptor::is_match`: one of the possible lengths (when listed), and the
/// pattern matching from the first digit.
struct Pattern {
    lengths: Vec<u16>,
    regex: Regex,
}

/// A pattern anchored at the start, as the crate matches it (`find` starting at 0), with the
/// crate's regex options.
fn anchored(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(&format!("^(?:{pattern})")).ignore_whitespace(true).build().ok()
}

impl Pattern {
    fn new(descriptor: &Descriptor) -> Option<Self> {
        Some(Self {
            lengths: descriptor.possible_length().to_vec(),
            regex: anchored(descriptor.national_number().as_str())?,
        })
    }

    fn matches(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16)))
            && self.regex.is_match(national)
    }
}

/// One region's plan: what the crate's `number_type` and parser look at.
struct Region {
    leading_digits: Option<Regex>,
    national_prefix: Option<String>,
    national_prefix_for_parsing: Option<Regex>,
    general: Pattern,
    /// Every number type `number_type` knows; a number is valid when it is one of them.
    types: Vec<Pattern>,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Self> {
        let d = meta.descriptors();
        let types = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ];
        Some(Self {
            leading_digits: match meta.leading_digits() {
                Some(pattern) => Some(anchored(pattern.as_str())?),
                None => None,
            },
            national_prefix: meta.national_prefix().map(str::to_string),
            national_prefix_for_parsing: match meta.national_prefix_for_parsing() {
                Some(pattern) => Some(anchored(pattern.as_str())?),
                None => None,
            },
            general: Pattern::new(d.general())?,
            types: types.into_iter().flatten().map(Pattern::new).collect::<Option<_>>()?,
        })
    }

    /// The crate's `number_type(..) != Type::Unknown`.
    fn is_known_number(&self, national: &str) -> bool {
        self.general.matches(national) && self.types.iter().any(|t| t.matches(national))
    }

    /// Would the crate's parser rewrite this national number (strip a national prefix or a
    /// carrier code)? Then only the crate can say what it becomes.
    fn parser_may_rewrite(&self, national: &str) -> bool {
        let parsing = self.national_prefix_for_parsing.as_ref().is_some_and(|p| p.is_match(national));
        parsing || self.national_prefix.as_deref().is_some_and(|prefix| national.starts_with(prefix))
    }
}

/// The regions sharing a country code, in the crate's order.
struct CountryCode {
    regions: Vec<Region>,
}

impl CountryCode {
    fn new(code: u16) -> Option<Self> {
        let ids = DATABASE.region(&code)?;
        let regions = ids
            .iter()
            .map(|id| {
                let meta = if *id == "001" {
                    DATABASE.by_code(&code)?.into_iter().next()?
                } else {
                    DATABASE.by_id(*id)?
                };
                Region::new(meta)
            })
            .collect::<Option<Vec<_>>>()?;
        (!regions.is_empty()).then_some(Self { regions })
    }

    /// The crate's `source_for`: the only region, or the first whose leading digits match or,
    /// lacking those, whose plan knows the number.
    fn region_for(&self, national: &str) -> Option<&Region> {
        if let [only] = self.regions.as_slice() {
            return Some(only);
        }
        self.regions.iter().find(|region| match &region.leading_digits {
            Some(leading) => leading.is_match(national),
            None => region.is_known_number(national),
        })
    }
}

/// Country code → its compiled plan, compiled on first use (most files use a few countries).
fn plan(code: u16) -> Option<&'static CountryCode> {
    static PLANS: OnceLock<HashMap<u16, OnceLock<Option<CountryCode>>>> = OnceLock::new();
    let plans = PLANS.get_or_init(|| {
        let mut codes: HashMap<u16, OnceLock<Option<CountryCode>>> = HashMap::new();
        for meta in DATABASE.iter() {
            codes.entry(meta.country_code()).or_default();
        }
        codes
    });
    plans.get(&code)?.get_or_init(|| CountryCode::new(code)).as_ref()
}

/// True when the crate would parse `+digits` without rewriting it, find it valid in its
/// country's plan, and format it back as `+digits`. False means "ask the crate".
///
/// `digits` are the ASCII digits after the `+`.
pub fn confirms(digits: &str) -> bool {
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() <= MIN_NSN_DIGITS {
        return false;
    }
    // The crate takes the shortest known code (codes are prefix-free).
    let Some((country, national)) = (1..=MAX_COUNTRY_CODE_DIGITS.min(digits.len() - 1)).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        Some((plan(code)?, &digits[len..]))
    }) else {
        return false;
    };
    if national.starts_with('0') || !(MIN_NSN_DIGITS..=MAX_NSN_DIGITS).contains(&national.len()) {
        return false;
    }
    let Some(region) = country.region_for(national) else { return false };
    !region.parser_may_rewrite(national) && region.is_known_number(national)
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::Mode;

    /// The crate's own verdict: valid, and formatted back to the input.
    fn crate_accepts(digits: &str) -> bool {
        let raw = format!("+{digits}");
        match phonenumber::parse(None, &raw) {
            Ok(parsed) => {
                phonenumber::is_valid(&parsed) && parsed.format().mode(Mode::E164).to_string() == raw
            }
            Err(_) => false,
        }
    }

    fn examples() -> Vec<String> {
        let mut out = Vec::new();
        for meta in DATABASE.iter() {
            let d = meta.descriptors();
            let all = [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ];
            for example in all.into_iter().flatten().filter_map(Descriptor::example) {
                out.push(format!("{}{example}", meta.country_code()));
            }
        }
        out
    }

    #[test]
    fn a_yes_is_the_crates_yes_for_every_example_number() {
        let examples = examples();
        assert!(examples.len() > 1_000, "the metadata has examples for every region");
        let mut confirmed = 0;
        for digits in &examples {
            if confirms(digits) {
                confirmed += 1;
                assert!(crate_accepts(digits), "+{digits}: confirmed here, refused by the crate");
            }
        }
        // The fast path must actually serve most real numbers, or it is no fast path.
        assert!(
            confirmed * 10 >= examples.len() * 8,
            "only {confirmed} of {} example numbers confirmed",
            examples.len()
        );
    }

    #[test]
    fn a_yes_is_the_crates_yes_for_random_numbers() {
        // A small deterministic generator: the same numbers on every run.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut codes: Vec<u16> = DATABASE.iter().map(|m| m.country_code()).collect();
        codes.sort_unstable();
        codes.dedup();
        let (mut confirmed, mut tried) = (0, 0);
        for code in codes {
            for _ in 0..400 {
                let length = 4 + (next() % 11) as usize;
                let national: String = (0..length).map(|_| char::from(b'0' + (next() % 10) as u8)).collect();
                let digits = format!("{code}{national}");
                if digits.len() > 15 {
                    continue;
                }
                tried += 1;
                if confirms(&digits) {
                    confirmed += 1;
                    assert!(crate_accepts(&digits), "+{digits}: confirmed here, refused by the crate");
                }
            }
        }
        assert!(
            confirmed > 1_000,
            "{confirmed} of {tried} random numbers confirmed: the test must exercise the yes"
        );
    }

    #[test]
    fn no_for_what_it_cannot_follow() {
        assert!(confirms("12015550123"));
        assert!(confirms("442079460958"));
        // Invalid, unknown code, a leading zero after the code, a national prefix: the crate decides.
        assert!(!confirms("10995550123"));
        assert!(!confirms("9991234567"));
        assert!(!confirms("4402079460958"));
        assert!(!confirms("112015550123"));
        assert!(!confirms(""));
        assert!(!confirms("1"));
        assert!(!confirms("12a"));
    }
}
