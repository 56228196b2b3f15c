//! Where a dialed call goes, in the order the issue and the cloud product give:
//! 1. normalise (outside dial digit, international prefix, national number → E.164);
//! 2. an extension at the caller's location, else at organization level;
//! 3. an ESN: a location's routing prefix and one of its extensions (or digits one of its
//!    ranges' patterns match);
//! 4. a range pattern at the caller's location, else at organization level;
//! 5. otherwise an unknown extension (2–10 digits), a PSTN number, or an unknown number.

use super::{DialPlan, PlanEntry, PlanRange, ScopeIndex, ORGANIZATION};
use crate::model::e164::is_grouping;
use crate::model::mode::VirtualExtensionMode;
use crate::model::range::RangePattern;
use crate::model::{E164_MAX_DIGITS, EXTENSION_MAX_DIGITS, EXTENSION_MIN_DIGITS};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The kind of destination, as the cloud product's Test Call Routing names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum DestinationType {
    VirtualExtension,
    VirtualExtensionRange,
    PstnNumber,
    UnknownExtension,
    UnknownNumber,
}

impl DestinationType {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            DestinationType::VirtualExtension => "Virtual extension",
            DestinationType::VirtualExtensionRange => "Virtual extension range",
            DestinationType::PstnNumber => "PSTN number",
            DestinationType::UnknownExtension => "Unknown extension",
            DestinationType::UnknownNumber => "Unknown number",
        }
    }

    /// The call is refused (nothing answers it).
    pub fn is_rejected(self) -> bool {
        matches!(self, DestinationType::UnknownExtension | DestinationType::UnknownNumber)
    }
}

/// One step the dial plan took. `at`: a location index, `None` for organization level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Characters other than digits, one leading `+` and spaces or dashes.
    NotANumber,
    /// `+` and digits: an international number.
    International {
        valid: bool,
    },
    /// The caller's outside dial digit came first (before more digits than an extension has).
    OutsideDialDigit(char),
    /// The caller's country's international prefix came first.
    InternationalPrefix(String),
    /// A national number of the caller's country, written in E.164.
    National {
        country: String,
        valid: bool,
    },
    /// More digits than an extension, and no country to read them with.
    NoCountry,
    Extension {
        at: Option<u32>,
        found: bool,
    },
    Esn {
        location: u32,
        extension: String,
        found: bool,
    },
    NoEsn,
    Range {
        at: Option<u32>,
        found: bool,
    },
}

/// The answer, borrowing from the snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route<'a> {
    pub destination: DestinationType,
    /// The number actually called: the entry's phone number, the range's prefix and the dialed
    /// digits, or the PSTN number.
    pub routing_address: Option<String>,
    pub entry: Option<&'a PlanEntry>,
    pub range: Option<(&'a PlanRange, &'a RangePattern)>,
    /// Enhanced mode: the extension dialed, which the provider's signalling carries with the call.
    pub signalled_extension: Option<String>,
    pub steps: Vec<Step>,
}

/// Takes out what people type to group digits, and `tel:`; `None` unless what is left is
/// digits, with at most one leading `+`.
pub(super) fn clean(dialed: &str) -> Option<Cow<'_, str>> {
    let text = dialed.trim();
    let text = text.strip_prefix("tel:").or_else(|| text.strip_prefix("TEL:")).unwrap_or(text);
    let cleaned: Cow<str> = if text.chars().any(is_grouping) {
        Cow::Owned(text.chars().filter(|c| !is_grouping(*c)).collect())
    } else {
        Cow::Borrowed(text)
    };
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(cleaned)
}

/// `+digits` is an E.164 number: 1–15 digits, the first not 0.
pub(super) fn is_e164_digits(digits: &str) -> bool {
    (1..=E164_MAX_DIGITS).contains(&digits.len()) && !digits.starts_with('0')
}

impl DialPlan {
    /// Where a call from someone at location `from` (an id; `None` or an unknown id: the
    /// organization) to `dialed` goes, and the steps that decided it.
    pub fn route(&self, from: Option<&str>, dialed: &str) -> Route<'_> {
        let caller = from.and_then(|id| self.location_index.get(id).copied());
        let scope: ScopeIndex = caller.map_or(ORGANIZATION, |i| i + 1);
        let location = caller.map(|i| &self.data.locations[i as usize]);
        let mut route = Route {
            destination: DestinationType::UnknownNumber,
            routing_address: None,
            entry: None,
            range: None,
            signalled_extension: None,
            steps: Vec::with_capacity(4),
        };
        let Some(text) = clean(dialed) else {
            route.steps.push(Step::NotANumber);
            return route;
        };
        if let Some(digits) = text.strip_prefix('+') {
            return self.outside(
                route,
                Some(format!("+{digits}")),
                Step::International { valid: is_e164_digits(digits) },
            );
        }
        let digits: &str = &text;

        // 1. An outside call: the outside dial digit, then more digits than an extension has.
        if let Some(digit) = location.and_then(|l| l.outside_dial_digit) {
            if digits.len() > EXTENSION_MAX_DIGITS && digits.starts_with(digit) {
                route.steps.push(Step::OutsideDialDigit(digit));
                return self.national(route, caller, &digits[1..]);
            }
        }
        let extension_like = (EXTENSION_MIN_DIGITS..=EXTENSION_MAX_DIGITS).contains(&digits.len());

        // 2. An extension: the caller's location first, then the organization.
        if extension_like {
            let scopes = if scope == ORGANIZATION { &[ORGANIZATION][..] } else { &[scope, ORGANIZATION][..] };
            for &at in scopes {
                let found = self.entry_at(at, digits);
                route.steps.push(Step::Extension { at: at.checked_sub(1), found: found.is_some() });
                if let Some(entry) = found {
                    return self.to_entry(route, entry, digits);
                }
            }
        }

        // 3. An ESN: prefixes never overlap, so at most one location's prefix starts the digits.
        match self.esn_split(digits) {
            Some((at, extension)) => {
                let entry = self.entry_at(at + 1, extension);
                // A range of that location is reached the same way.
                let range = entry.is_none().then(|| self.pattern_at(at + 1, extension)).flatten();
                let found = entry.is_some() || range.is_some();
                route.steps.push(Step::Esn { location: at, extension: extension.to_string(), found });
                if let Some(entry) = entry {
                    return self.to_entry(route, entry, extension);
                }
                if let Some((range, pattern)) = range {
                    return self.to_range(route, range, pattern, extension);
                }
            }
            None if self.prefix_lengths != 0 => route.steps.push(Step::NoEsn),
            None => {}
        }

        // 4. Ranges: the caller's location's, then the organization's.
        if extension_like {
            let scopes = if scope == ORGANIZATION { &[ORGANIZATION][..] } else { &[scope, ORGANIZATION][..] };
            for &at in scopes {
                let found = self.pattern_at(at, digits);
                route.steps.push(Step::Range { at: at.checked_sub(1), found: found.is_some() });
                if let Some((range, pattern)) = found {
                    return self.to_range(route, range, pattern, digits);
                }
            }
            // 5. Digits of an extension's length that reach nothing.
            route.destination = DestinationType::UnknownExtension;
            return route;
        }
        self.national(route, caller, digits)
    }

    fn signalled(&self, extension: &str) -> Option<String> {
        (self.data.mode == VirtualExtensionMode::Enhanced).then(|| extension.to_string())
    }

    fn to_entry<'a>(&'a self, mut route: Route<'a>, entry: &'a PlanEntry, extension: &str) -> Route<'a> {
        route.destination = DestinationType::VirtualExtension;
        route.routing_address = Some(entry.phone_number.clone());
        route.entry = Some(entry);
        route.signalled_extension = self.signalled(extension);
        route
    }

    fn to_range<'a>(
        &'a self,
        mut route: Route<'a>,
        range: &'a PlanRange,
        pattern: &'a RangePattern,
        extension: &str,
    ) -> Route<'a> {
        route.destination = DestinationType::VirtualExtensionRange;
        route.routing_address = Some(format!("{}{extension}", range.prefix));
        route.range = Some((range, pattern));
        route.signalled_extension = self.signalled(extension);
        route
    }

    /// Digits that are not an internal number: with the caller's international prefix, an
    /// international number; else a national number of the caller's country.
    fn national<'a>(&'a self, mut route: Route<'a>, caller: Option<u32>, digits: &str) -> Route<'a> {
        let Some(national) = caller.and_then(|i| self.data.locations[i as usize].national.as_ref()) else {
            route.steps.push(Step::NoCountry);
            return route;
        };
        if let Some(rest) = national.strip_international(digits) {
            let prefix = national.international_prefix.clone().unwrap_or_default();
            return self.outside(route, Some(format!("+{rest}")), Step::InternationalPrefix(prefix));
        }
        let e164 = national.to_e164(digits);
        let step = Step::National { country: national.country.clone(), valid: e164.is_some() };
        self.outside(route, e164, step)
    }

    /// A number outside the directory: the PSTN when it is E.164, else unknown.
    fn outside<'a>(&'a self, mut route: Route<'a>, e164: Option<String>, step: Step) -> Route<'a> {
        let valid = match &step {
            Step::International { valid } | Step::National { valid, .. } => *valid,
            _ => e164.as_deref().is_some_and(|n| is_e164_digits(&n[1..])),
        };
        route.steps.push(step);
        if valid {
            route.destination = DestinationType::PstnNumber;
            route.routing_address = e164;
        }
        route
    }
}

/// The answer as the pages, the REST API and the CLI show it: owned, with names resolved and
/// each step said in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteReport {
    pub dialed: String,
    /// The caller's location's name; `None`: the organization.
    pub from: Option<String>,
    pub destination: DestinationType,
    /// Empty when nothing is called.
    pub routing_address: String,
    pub is_rejected: bool,
    pub virtual_extension: Option<MatchedEntry>,
    pub range: Option<MatchedRange>,
    pub signalled_extension: Option<String>,
    pub steps: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedEntry {
    pub entry: PlanEntry,
    pub location_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedRange {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub pattern: String,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
}

impl DialPlan {
    /// [`DialPlan::route`], told in full.
    pub fn route_report(&self, from: Option<&str>, dialed: &str) -> RouteReport {
        let route = self.route(from, dialed);
        let caller = from.and_then(|id| self.location(id));
        RouteReport {
            dialed: dialed.trim().to_string(),
            from: caller.map(|l| l.name.clone()),
            destination: route.destination,
            routing_address: route.routing_address.clone().unwrap_or_default(),
            is_rejected: route.destination.is_rejected(),
            virtual_extension: route.entry.map(|entry| self.matched_entry(entry)),
            range: route.range.map(|(range, pattern)| self.matched_range(range, pattern)),
            signalled_extension: route.signalled_extension.clone(),
            steps: route.steps.iter().map(|step| self.explain(step, &route)).collect(),
        }
    }

    /// `entry` as answers carry it, with its location's name.
    pub fn matched_entry(&self, entry: &PlanEntry) -> MatchedEntry {
        MatchedEntry {
            entry: entry.clone(),
            location_name: self.location_name(entry.location_id.as_deref()).map(str::to_string),
        }
    }

    /// `range` and the `pattern` of it that matched, as answers carry them.
    pub fn matched_range(&self, range: &PlanRange, pattern: &RangePattern) -> MatchedRange {
        MatchedRange {
            id: range.id.clone(),
            name: range.name.clone(),
            prefix: range.prefix.clone(),
            pattern: pattern.to_string(),
            location_id: range.location_id.clone(),
            location_name: self.location_name(range.location_id.as_deref()).map(str::to_string),
        }
    }

    fn place(&self, at: Option<u32>) -> String {
        match at {
            Some(i) => format!("at {}", self.data.locations[i as usize].name),
            None => "at organization level".to_string(),
        }
    }

    /// One step in words.
    pub fn explain(&self, step: &Step, route: &Route<'_>) -> String {
        let number = route.routing_address.as_deref().unwrap_or("");
        match step {
            Step::NotANumber => "What was dialed is not a number: only digits, a leading + and spaces or \
                                 dashes can be dialed."
                .to_string(),
            Step::International { valid: true } => {
                format!("{number} starts with +: an international number.")
            }
            Step::International { valid: false } => {
                "It starts with + but is not an E.164 number (1–15 digits, not starting with 0).".to_string()
            }
            Step::OutsideDialDigit(digit) => format!(
                "It starts with the location's outside dial digit {digit} and is longer than an extension: \
                 an outside call, so {digit} is taken off."
            ),
            Step::InternationalPrefix(prefix) if route.routing_address.is_some() => {
                format!("It starts with the international prefix {prefix}: the number is {number}.")
            }
            Step::InternationalPrefix(prefix) => {
                format!("It starts with the international prefix {prefix}, but what follows is not an E.164 number.")
            }
            Step::National { country, valid: true } => {
                format!("A national number of {country}, written in E.164 as {number}.")
            }
            Step::National { country, valid: false } => {
                format!("It is longer than an extension but does not make a number of {country}.")
            }
            Step::NoCountry => "It is longer than an extension, and the caller has no location with a \
                                country to read a national number with."
                .to_string(),
            Step::Extension { at, found: true } => {
                format!("A virtual extension {} has this extension.", self.place(*at))
            }
            Step::Extension { at, found: false } => {
                format!("No virtual extension {} has this extension.", self.place(*at))
            }
            Step::Esn { location, extension, found } => {
                let location = &self.data.locations[*location as usize];
                let prefix = location.routing_prefix.as_deref().unwrap_or_default();
                if let (true, Some((range, _))) = (*found, route.range) {
                    format!(
                        "An ESN: routing prefix {prefix} of {} followed by {extension}, in range \"{}\" there.",
                        location.name, range.name
                    )
                } else if *found {
                    format!(
                        "An ESN: routing prefix {prefix} of {} followed by extension {extension}.",
                        location.name
                    )
                } else {
                    format!(
                        "Routing prefix {prefix} of {} starts it, but {} has no virtual extension {extension}.",
                        location.name, location.name
                    )
                }
            }
            Step::NoEsn => "No location's routing prefix starts it, so it is not an ESN.".to_string(),
            Step::Range { at, found: true } => {
                let Some((range, pattern)) = route.range else { return String::new() };
                format!(
                    "Range \"{}\" {} has pattern {pattern}: the call goes to its prefix {} followed by the digits dialed.",
                    range.name,
                    self.place(*at),
                    range.prefix
                )
            }
            Step::Range { at, found: false } => format!("No range pattern matches it {}.", self.place(*at)),
        }
    }
}
