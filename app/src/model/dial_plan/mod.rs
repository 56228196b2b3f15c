//! The dial plan and caller ID, as pure functions over an in-memory snapshot of the directory.
//!
//! [`DialPlan::route`] answers "someone at this location dialed this: where does the call go,
//! and why?"; [`DialPlan::caller_id`] answers "this number calls someone at this location: what
//! does their phone show?". Test Call Routing, the REST API, the CLI and the phone systems'
//! look-ups all ask these two, so one directory gives one answer everywhere.
//!
//! The snapshot is built once from the store ([`DialPlanData`]) and never changed: the server
//! swaps in a new one after a change. Look-ups allocate little and hash integers, not strings:
//! an extension, a routing prefix or a number is at most 17 digits, which [`digits_key`] packs
//! with its length into one `u64` (so `012` and `12` differ).

mod caller_id;
mod route;
#[cfg(test)]
mod tests;

use super::mode::VirtualExtensionMode;
use super::range::RangePattern;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub use caller_id::{CallerId, CallerIdReport, CallerIdSource, ShownAs};
pub use route::{DestinationType, MatchedEntry, MatchedRange, Route, RouteReport, Step};

/// How numbers are dialed inside a location's country (from the numbering-plan metadata).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NationalDialing {
    /// ISO 3166 code, as the location stores it.
    pub country: String,
    /// The country calling code: `1`, `44`.
    pub country_code: u16,
    /// The trunk prefix dialed before a national number (`0` in the UK, `1` in the US).
    pub trunk_prefix: Option<String>,
    /// What is dialed before a number in another country (`00`, `011`).
    pub international_prefix: Option<String>,
}

impl NationalDialing {
    /// `digits` dialed as a national number, written in E.164 (`+` and at most 15 digits).
    pub fn to_e164(&self, digits: &str) -> Option<String> {
        let national = match &self.trunk_prefix {
            Some(trunk) if digits.len() > trunk.len() => {
                digits.strip_prefix(trunk.as_str()).unwrap_or(digits)
            }
            _ => digits,
        };
        let code = self.country_code.to_string();
        let ok = national.len() >= 2 && code.len() + national.len() <= super::E164_MAX_DIGITS;
        ok.then(|| format!("+{code}{national}"))
    }

    /// `digits` with the international prefix taken off, when they start with it.
    pub fn strip_international<'a>(&self, digits: &'a str) -> Option<&'a str> {
        let prefix = self.international_prefix.as_deref()?;
        digits.strip_prefix(prefix).filter(|rest| !rest.is_empty())
    }
}

/// A location as the dial plan sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLocation {
    pub id: String,
    pub name: String,
    pub routing_prefix: Option<String>,
    /// Dialed before an outside number (`9`).
    pub outside_dial_digit: Option<char>,
    /// `None` when the location has no country (or one the metadata does not know).
    pub national: Option<NationalDialing>,
}

/// A virtual extension as the dial plan sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanEntry {
    pub id: String,
    /// `None`: organization level.
    pub location_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    pub extension: String,
    pub phone_number: String,
}

/// A virtual extension range as the dial plan sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRange {
    pub id: String,
    pub name: String,
    /// `None`: organization level.
    pub location_id: Option<String>,
    pub prefix: String,
    pub patterns: Vec<RangePattern>,
}

/// Everything a snapshot is built from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialPlanData {
    pub mode: VirtualExtensionMode,
    pub locations: Vec<PlanLocation>,
    pub entries: Vec<PlanEntry>,
    pub ranges: Vec<PlanRange>,
}

/// Where an entry or a range lives, as an index: 0 is the organization, `i + 1` location `i`.
type ScopeIndex = u32;
const ORGANIZATION: ScopeIndex = 0;

/// The immutable snapshot the look-ups read.
#[derive(Debug, Default)]
pub struct DialPlan {
    data: DialPlanData,
    location_index: HashMap<String, u32>,
    /// (scope, extension) → entry.
    by_extension: HashMap<(ScopeIndex, u64), u32>,
    /// The digits of an entry's E.164 number → entry.
    by_number: HashMap<u64, u32>,
    /// Routing prefix → location; bit `n` of `prefix_lengths` says a prefix of `n` digits exists.
    by_prefix: HashMap<u64, u32>,
    prefix_lengths: u32,
    /// (scope, pattern length, leading digits) → (range, pattern).
    by_pattern: HashMap<(ScopeIndex, u8, u64), (u32, u16)>,
    /// Per scope: bit `length * 16 + leading digits` says such a pattern exists there.
    pattern_shapes: Vec<u128>,
    /// Range prefix (as stored) → ranges, for caller ID in Enhanced mode; bit `n` of
    /// `range_prefix_lengths` says a prefix of `n` characters exists.
    by_range_prefix: HashMap<String, Vec<u32>>,
    range_prefix_lengths: u32,
}

/// Packs up to 17 ASCII digits with their count: equal keys mean equal strings.
pub fn digits_key(digits: &str) -> Option<u64> {
    if digits.is_empty() || digits.len() > 17 {
        return None;
    }
    let mut value: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    Some((value << 5) | digits.len() as u64)
}

fn shape_bit(length: usize, fixed: usize) -> u128 {
    1u128 << (length * 11 + fixed)
}

impl DialPlan {
    /// Builds the indexes. Entries or ranges naming an unknown location, and values that are
    /// not digits, are left out of the look-ups (the store's constraints make them impossible);
    /// the first of two equal keys wins.
    pub fn new(data: DialPlanData) -> Self {
        let mut plan = DialPlan { pattern_shapes: vec![0; data.locations.len() + 1], ..DialPlan::default() };
        for (i, location) in data.locations.iter().enumerate() {
            plan.location_index.insert(location.id.clone(), i as u32);
            if let Some(key) = location.routing_prefix.as_deref().and_then(digits_key) {
                plan.by_prefix.entry(key).or_insert(i as u32);
                plan.prefix_lengths |= 1 << location.routing_prefix.as_deref().map_or(0, str::len);
            }
        }
        for (i, entry) in data.entries.iter().enumerate() {
            let Some(scope) = plan.scope_of(entry.location_id.as_deref()) else { continue };
            if let Some(key) = digits_key(&entry.extension) {
                plan.by_extension.entry((scope, key)).or_insert(i as u32);
            }
            if let Some(key) = entry.phone_number.strip_prefix('+').and_then(digits_key) {
                plan.by_number.entry(key).or_insert(i as u32);
            }
        }
        for (i, range) in data.ranges.iter().enumerate() {
            let Some(scope) = plan.scope_of(range.location_id.as_deref()) else { continue };
            for (p, pattern) in range.patterns.iter().enumerate() {
                let Some(fixed) = digits_key(pattern.fixed()) else { continue };
                plan.by_pattern.entry((scope, pattern.len() as u8, fixed)).or_insert((i as u32, p as u16));
                plan.pattern_shapes[scope as usize] |= shape_bit(pattern.len(), pattern.fixed().len());
            }
            if range.prefix.len() < 32 {
                plan.by_range_prefix.entry(range.prefix.clone()).or_default().push(i as u32);
                plan.range_prefix_lengths |= 1 << range.prefix.len();
            }
        }
        plan.data = data;
        plan
    }

    pub fn mode(&self) -> VirtualExtensionMode {
        self.data.mode
    }

    pub fn data(&self) -> &DialPlanData {
        &self.data
    }

    pub fn location(&self, id: &str) -> Option<&PlanLocation> {
        self.location_index.get(id).map(|&i| &self.data.locations[i as usize])
    }

    /// The location with this id, or else with this name (in any case).
    pub fn find_location(&self, id_or_name: &str) -> Option<&PlanLocation> {
        self.location(id_or_name).or_else(|| {
            let wanted = id_or_name.trim().to_lowercase();
            self.data.locations.iter().find(|l| l.name.to_lowercase() == wanted)
        })
    }

    /// What callers at `from` (a location id; `None` or unknown: organization level) dial to
    /// reach `entry`, as phone directories list it and caller ID shows it: its extension when
    /// the extension step finds it from there, else its ESN, else its own number.
    pub fn dialed_from(&self, from: Option<&str>, entry: &PlanEntry) -> (String, ShownAs) {
        let scope = from.and_then(|id| self.location_index.get(id)).map_or(ORGANIZATION, |&i| i + 1);
        self.dialable_from(scope, entry).unwrap_or_else(|| (entry.phone_number.clone(), ShownAs::PhoneNumber))
    }

    /// The location's name, or `None` at organization level (or for an unknown id).
    pub fn location_name(&self, id: Option<&str>) -> Option<&str> {
        id.and_then(|id| self.location(id)).map(|l| l.name.as_str())
    }

    fn scope_of(&self, location_id: Option<&str>) -> Option<ScopeIndex> {
        match location_id {
            None => Some(ORGANIZATION),
            Some(id) => self.location_index.get(id).map(|&i| i + 1),
        }
    }

    fn location_at(&self, scope: ScopeIndex) -> Option<&PlanLocation> {
        scope.checked_sub(1).map(|i| &self.data.locations[i as usize])
    }

    fn entry_at(&self, scope: ScopeIndex, extension: &str) -> Option<&PlanEntry> {
        let key = digits_key(extension)?;
        self.by_extension.get(&(scope, key)).map(|&i| &self.data.entries[i as usize])
    }

    /// The entry whose E.164 number has these digits (after the `+`).
    fn entry_by_number(&self, digits: &str) -> Option<&PlanEntry> {
        self.by_number.get(&digits_key(digits)?).map(|&i| &self.data.entries[i as usize])
    }

    /// The range pattern of `scope` matching `dialed` (digits), the most specific first.
    fn pattern_at(&self, scope: ScopeIndex, dialed: &str) -> Option<(&PlanRange, &RangePattern)> {
        let shapes = *self.pattern_shapes.get(scope as usize)?;
        let length = dialed.len();
        if shapes == 0 || !(2..=10).contains(&length) {
            return None;
        }
        (1..length).rev().filter(|&fixed| shapes & shape_bit(length, fixed) != 0).find_map(|fixed| {
            let key = (scope, length as u8, digits_key(&dialed[..fixed])?);
            let &(range, pattern) = self.by_pattern.get(&key)?;
            let range = &self.data.ranges[range as usize];
            Some((range, &range.patterns[pattern as usize]))
        })
    }

    /// The location whose routing prefix starts `dialed`, and the rest (2–10 digits).
    fn esn_split<'d>(&self, dialed: &'d str) -> Option<(u32, &'d str)> {
        (1..=super::ROUTING_PREFIX_MAX_DIGITS)
            .filter(|&n| self.prefix_lengths & (1 << n) != 0)
            .filter(|&n| {
                dialed.len() >= n + super::EXTENSION_MIN_DIGITS
                    && dialed.len() <= n + super::EXTENSION_MAX_DIGITS
            })
            .find_map(|n| Some((*self.by_prefix.get(&digits_key(&dialed[..n])?)?, &dialed[n..])))
    }

    /// What callers at `from` dial to reach `entry`: its extension when the dial plan's
    /// extension step finds it from there, else its ESN, else nothing.
    fn dialable_from(&self, from: ScopeIndex, entry: &PlanEntry) -> Option<(String, ShownAs)> {
        let by_extension =
            self.entry_at(from, &entry.extension).or_else(|| self.entry_at(ORGANIZATION, &entry.extension));
        if by_extension.is_some_and(|found| found.id == entry.id) {
            return Some((entry.extension.clone(), ShownAs::Extension));
        }
        let home = self.scope_of(entry.location_id.as_deref())?;
        let prefix = self.location_at(home)?.routing_prefix.as_deref()?;
        Some((format!("{prefix}{}", entry.extension), ShownAs::Esn))
    }
}
