//! Inbound caller ID: a number calls someone at a location; what does their phone show?
//!
//! The entry's display name, and the number to show and call back: its extension where that
//! reaches it from the callee's location (its own location, or organization level when no entry
//! there shadows it), else its ESN, else its phone number. In Enhanced mode a number inside a
//! range (the range's prefix followed by digits one of its patterns matches) shows the range's
//! name and those digits, as the provider's signalling identifies the extension.

use super::route::{clean, is_e164_digits, MatchedEntry, MatchedRange};
use super::{DialPlan, PlanEntry, PlanRange};
use crate::model::mode::VirtualExtensionMode;
use crate::model::range::RangePattern;
use serde::{Deserialize, Serialize};

/// What the callee's phone shows as the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShownAs {
    /// The extension: it reaches the caller from the callee's location.
    Extension,
    /// The routing prefix and the extension: the caller is at another location.
    Esn,
    /// The caller's own number: nothing shorter reaches them from there.
    PhoneNumber,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallerIdSource<'a> {
    Entry(&'a PlanEntry),
    /// Enhanced mode: a number inside a range; `extension` is what follows the prefix.
    Range {
        range: &'a PlanRange,
        pattern: &'a RangePattern,
        extension: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerId<'a> {
    pub source: CallerIdSource<'a>,
    /// The calling number as the directory holds it (`+12145550100`).
    pub calling_number: String,
    /// The name shown.
    pub name: &'a str,
    /// The number shown, and dialed to call back.
    pub number: String,
    pub shown_as: ShownAs,
}

impl DialPlan {
    /// What a phone at location `to` (an id; `None` or unknown: the organization) shows for a
    /// call from `calling`, written as E.164, as a national number of the callee's country, with
    /// the callee's international prefix, or as E.164 without its `+`. `None`: no entry has it.
    pub fn caller_id(&self, calling: &str, to: Option<&str>) -> Option<CallerId<'_>> {
        let callee = to.and_then(|id| self.location_index.get(id).copied());
        let text = clean(calling)?;
        // The E.164 digits it could be, most likely first.
        let mut candidates: Vec<String> = Vec::with_capacity(3);
        match text.strip_prefix('+') {
            Some(digits) => candidates.push(digits.to_string()),
            None => {
                if let Some(national) = callee.and_then(|i| self.data.locations[i as usize].national.as_ref())
                {
                    if let Some(rest) = national.strip_international(&text) {
                        candidates.push(rest.to_string());
                    }
                    if let Some(e164) = national.to_e164(&text) {
                        candidates.push(e164[1..].to_string());
                    }
                }
                candidates.push(text.to_string());
            }
        }
        candidates.retain(|digits| is_e164_digits(digits));
        for digits in &candidates {
            if let Some(entry) = self.entry_by_number(digits) {
                let (number, shown_as) = self.dialed_from(to, entry);
                return Some(CallerId {
                    source: CallerIdSource::Entry(entry),
                    calling_number: entry.phone_number.clone(),
                    name: &entry.display_name,
                    number,
                    shown_as,
                });
            }
        }
        if self.data.mode == VirtualExtensionMode::Enhanced {
            let forms = std::iter::once(text.to_string()).chain(candidates.iter().map(|d| format!("+{d}")));
            for form in forms {
                if let Some(found) = self.range_caller(&form, to) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// Enhanced mode: the range whose prefix starts `number` and one of whose patterns matches
    /// the rest.
    fn range_caller(&self, number: &str, to: Option<&str>) -> Option<CallerId<'_>> {
        let lengths = (1..number.len().min(32)).filter(|&n| self.range_prefix_lengths & (1 << n) != 0);
        for n in lengths {
            let Some(ranges) = self.by_range_prefix.get(&number[..n]) else { continue };
            let extension = &number[n..];
            for &i in ranges {
                let range = &self.data.ranges[i as usize];
                let Some(pattern) = range.patterns.iter().find(|p| p.matches(extension)) else { continue };
                // Shown as the extension when dialing it from the callee's location reaches this range.
                let reached = self.route(to, extension).range.is_some_and(|(r, _)| r.id == range.id);
                let esn = range
                    .location_id
                    .as_deref()
                    .and_then(|id| self.location(id))
                    .and_then(|l| l.routing_prefix.as_deref())
                    .map(|prefix| format!("{prefix}{extension}"));
                let (shown, shown_as) = match (reached, esn) {
                    (true, _) => (extension.to_string(), ShownAs::Extension),
                    (false, Some(esn)) => (esn, ShownAs::Esn),
                    (false, None) => (number.to_string(), ShownAs::PhoneNumber),
                };
                return Some(CallerId {
                    source: CallerIdSource::Range { range, pattern, extension: extension.to_string() },
                    calling_number: number.to_string(),
                    name: &range.name,
                    number: shown,
                    shown_as,
                });
            }
        }
        None
    }

    /// [`DialPlan::caller_id`], told in full.
    pub fn caller_id_report(&self, calling: &str, to: Option<&str>) -> CallerIdReport {
        let found = self.caller_id(calling, to);
        let mut report = CallerIdReport {
            calling: calling.trim().to_string(),
            to: to.and_then(|id| self.location(id)).map(|l| l.name.clone()),
            found: found.is_some(),
            name: String::new(),
            number: String::new(),
            shown_as: None,
            calling_number: String::new(),
            virtual_extension: None,
            range: None,
            explanation: String::new(),
        };
        let Some(found) = found else {
            report.explanation = if clean(calling).is_none() {
                "This is not a phone number: only digits, a leading + and spaces or dashes.".to_string()
            } else {
                "No virtual extension has this number, so the phone shows the number as it arrives."
                    .to_string()
            };
            return report;
        };
        report.name = found.name.to_string();
        report.number = found.number.clone();
        report.shown_as = Some(found.shown_as);
        report.calling_number = found.calling_number.clone();
        let place = |location_id: Option<&str>| match self.location_name(location_id) {
            Some(name) => format!("at {name}"),
            None => "at organization level".to_string(),
        };
        let (what, location_id) = match &found.source {
            CallerIdSource::Entry(entry) => {
                report.virtual_extension = Some(self.matched_entry(entry));
                (
                    format!("{} is the virtual extension \"{}\"", found.calling_number, entry.display_name),
                    entry.location_id.as_deref(),
                )
            }
            CallerIdSource::Range { range, pattern, extension } => {
                report.range = Some(self.matched_range(range, pattern));
                (
                    format!(
                        "{} is extension {extension} of range \"{}\" (Enhanced mode)",
                        found.calling_number, range.name
                    ),
                    range.location_id.as_deref(),
                )
            }
        };
        let shown = match found.shown_as {
            ShownAs::Extension => format!("its extension {}, which reaches it from there", found.number),
            ShownAs::Esn => format!(
                "its ESN {} (routing prefix and extension), as it is at another location",
                found.number
            ),
            ShownAs::PhoneNumber => {
                format!("its number {}, as no extension or ESN reaches it from there", found.number)
            }
        };
        report.explanation =
            format!("{what} {}: the phone shows \"{}\" and {shown}.", place(location_id), found.name);
        report
    }
}

/// The caller ID answer as the pages, the REST API and the CLI show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdReport {
    pub calling: String,
    /// The callee's location's name; `None`: the organization.
    pub to: Option<String>,
    pub found: bool,
    pub name: String,
    pub number: String,
    pub shown_as: Option<ShownAs>,
    pub calling_number: String,
    pub virtual_extension: Option<MatchedEntry>,
    pub range: Option<MatchedRange>,
    pub explanation: String,
}
