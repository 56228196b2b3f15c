//! Virtual extension ranges: a named prefix with up to [`RANGE_PATTERNS_MAX`] patterns such as
//! `12XX`. Dialing `1234` where prefix `+1214555` has pattern `12XX` calls `+12145551234`.
//!
//! This file holds the rules that need nothing stored (the name, the prefix, each pattern, the
//! list) and the rules against the rest of the directory, given as [`RangeNeighbours`]: the other
//! ranges of the same scope, the individual extensions there and, at organization level, the
//! locations' ESNs. The page, the REST API and its validate action all ask these.

use super::error::{ErrorCode, Field, FieldError};
use super::extension::{EXTENSION_MAX_DIGITS, EXTENSION_MIN_DIGITS};
use super::level::{Level, Scope};
use super::location::parse_location_name;
use super::mode::VirtualExtensionMode;
use serde::{Deserialize, Serialize};

/// Patterns one range may hold in total.
pub const RANGE_PATTERNS_MAX: usize = 100;
/// The prefix's digits and a pattern's characters together: the longest number a range calls.
pub const RANGE_NUMBER_MAX_DIGITS: usize = 16;

/// A pattern: leading digits, then one or more `X` (any digit), 2–10 characters in all.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RangePattern(String);

impl RangePattern {
    /// Reads a pattern as typed: trimmed, a lower-case `x` taken as `X`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().replace('x', "X");
        let invalid = |why: String| Err(FieldError::new(Field::Pattern, ErrorCode::PatternInvalid, why));
        if value.is_empty() {
            return invalid("A pattern is empty: write digits followed by X, such as 12XX.".into());
        }
        let len = value.chars().count();
        if !(EXTENSION_MIN_DIGITS..=EXTENSION_MAX_DIGITS).contains(&len) {
            return invalid(format!(
                "Pattern {value} has {len} characters; a pattern is {EXTENSION_MIN_DIGITS}–{EXTENSION_MAX_DIGITS} \
                 characters like an extension, such as 12XX."
            ));
        }
        let fixed = value.trim_end_matches('X');
        if let Some(bad) = value.chars().find(|c| !c.is_ascii_digit() && *c != 'X') {
            return invalid(format!(
                "Pattern {value} contains {bad:?}: use only the digits 0–9 and X, such as 12XX."
            ));
        }
        if fixed.contains('X') {
            let digits = fixed.replace('X', "");
            return invalid(format!(
                "Pattern {value} has an X between digits: X may only stand at the right end, such \
                 as {digits}{}.",
                "X".repeat(len - digits.len())
            ));
        }
        if fixed.len() == len {
            return invalid(format!(
                "Pattern {value} has no X: end it with one or more X (12XX), or add {value} as a \
                 virtual extension."
            ));
        }
        if fixed.is_empty() {
            return invalid(format!(
                "Pattern {value} is all X, which would take every {len}-digit extension: start it \
                 with at least one digit, such as 1{}.",
                "X".repeat(len - 1)
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Characters in all (the length of the extensions it matches).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: a pattern has at least two characters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The leading digits.
    pub fn fixed(&self) -> &str {
        self.0.trim_end_matches('X')
    }

    /// Does `dialed` (digits) match: same length, same leading digits?
    pub fn matches(&self, dialed: &str) -> bool {
        dialed.len() == self.len()
            && dialed.bytes().all(|b| b.is_ascii_digit())
            && dialed.starts_with(self.fixed())
    }

    /// Could one string match both? Same length, and one's digits start the other's.
    pub fn overlaps(&self, other: &RangePattern) -> bool {
        self.len() == other.len()
            && (self.fixed().starts_with(other.fixed()) || other.fixed().starts_with(self.fixed()))
    }
}

impl std::fmt::Display for RangePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A range's prefix under the organization's mode. Standard: `+` and digits (the start of an
/// E.164 number). Enhanced: digits, with or without `+` (the provider's signalling carries
/// numbers outside E.164).
pub fn parse_range_prefix(raw: &str, mode: VirtualExtensionMode) -> Result<String, FieldError> {
    let value = raw.trim();
    let error = |code, why: String| Err(FieldError::new(Field::Prefix, code, why));
    if value.is_empty() {
        return error(
            ErrorCode::PrefixRequired,
            "Prefix is required: enter the start of the numbers the range calls, such as +1214555.".into(),
        );
    }
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return error(
            ErrorCode::PrefixInvalid,
            format!("Prefix {value} must be + and digits 0–9 only, such as +1214555."),
        );
    }
    if mode == VirtualExtensionMode::Standard {
        if !value.starts_with('+') {
            return error(
                ErrorCode::PrefixInvalid,
                format!(
                    "In Standard mode a prefix is the start of an E.164 number: write +{value} with \
                     the country code first."
                ),
            );
        }
        if digits.starts_with('0') {
            return error(
                ErrorCode::PrefixInvalid,
                format!("Prefix {value} starts with 0, and country codes never do: put the country code after the +."),
            );
        }
    }
    if digits.len() + EXTENSION_MIN_DIGITS > RANGE_NUMBER_MAX_DIGITS {
        return error(
            ErrorCode::RangeNumberTooLong,
            format!(
                "Prefix {value} has {} digits; with a pattern of at least {EXTENSION_MIN_DIGITS} \
                 characters the numbers called would pass {RANGE_NUMBER_MAX_DIGITS} digits.",
                digits.len()
            ),
        );
    }
    Ok(value.to_string())
}

/// The digits a prefix contributes to a called number.
fn prefix_digits(prefix: &str) -> usize {
    prefix.trim_start_matches('+').len()
}

/// A stored range, as the pages and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualExtensionRange {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub level: Level,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    /// In the order given.
    pub patterns: Vec<String>,
    pub version: i32,
}

impl VirtualExtensionRange {
    pub fn scope(&self) -> Scope {
        Scope::of(self.location_id.clone())
    }

    /// The form's values for this range.
    pub fn to_input(&self) -> RangeInput {
        RangeInput {
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            patterns: self.patterns.clone(),
            location: self.location_id.clone().unwrap_or_default(),
        }
    }
}

/// A saved range and the warnings its patterns raised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedRange {
    pub range: VirtualExtensionRange,
    pub warnings: Vec<RangeFault>,
}

/// What an item of a range is: the three things the validate action reports on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "item", content = "value")]
pub enum RangeItem {
    Name(String),
    Prefix(String),
    Pattern(String),
    Location(String),
}

/// One thing wrong with one item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeFault {
    pub item: RangeItem,
    pub error: FieldError,
}

/// Errors block the change; warnings are shown and the change goes ahead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeVerdict {
    pub errors: Vec<RangeFault>,
    pub warnings: Vec<RangeFault>,
}

impl RangeVerdict {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    fn error(&mut self, item: RangeItem, error: FieldError) {
        self.errors.push(RangeFault { item, error });
    }
}

/// A range as a form, the CLI or a REST body gives it. `location`: a location id, or blank for
/// organization level.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub location: String,
}

/// A range that passed every rule that needs nothing stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRange {
    pub name: String,
    pub prefix: String,
    pub patterns: Vec<RangePattern>,
    /// `None`: organization level.
    pub location_id: Option<String>,
}

impl NewRange {
    pub fn scope(&self) -> Scope {
        Scope::of(self.location_id.clone())
    }
}

impl RangeVerdict {
    /// Every error as a field error (for the pages' and the API's error bodies).
    pub fn into_field_errors(self) -> Vec<FieldError> {
        self.errors.into_iter().map(|fault| fault.error).collect()
    }
}

impl RangeInput {
    /// The rules of the input alone: each item's syntax, duplicates and overlaps within the
    /// list, the total, and each called number's length. Every fault is reported, by item.
    pub fn validate(&self, mode: VirtualExtensionMode) -> Result<NewRange, RangeVerdict> {
        let mut verdict = RangeVerdict::default();
        let name = parse_location_name(&self.name)
            .map_err(|e| verdict.error(RangeItem::Name(self.name.trim().to_string()), e))
            .ok();
        let prefix = parse_range_prefix(&self.prefix, mode)
            .map_err(|e| verdict.error(RangeItem::Prefix(self.prefix.trim().to_string()), e))
            .ok();
        let patterns = check_patterns(&self.patterns, prefix.as_deref(), &mut verdict);
        if self.patterns.len() > RANGE_PATTERNS_MAX {
            verdict.error(RangeItem::Pattern(String::new()), too_many_patterns(self.patterns.len()));
        }
        let location = self.location.trim();
        match (name, prefix) {
            (Some(name), Some(prefix)) if verdict.is_ok() => Ok(NewRange {
                name,
                prefix,
                patterns,
                location_id: (!location.is_empty()).then(|| location.to_string()),
            }),
            _ => Err(verdict),
        }
    }
}

/// The error for a range that would hold `total` patterns.
pub fn too_many_patterns(total: usize) -> FieldError {
    FieldError::new(
        Field::Pattern,
        ErrorCode::PatternLimitExceeded,
        format!(
            "A range holds at most {RANGE_PATTERNS_MAX} patterns; this would make {total}. Split \
             them over two ranges."
        ),
    )
}

/// Parses each pattern; reports syntax, called-number length, and duplicates or overlaps
/// within the list (each pair once, on the later pattern). Returns the good ones, in order.
fn check_patterns(raw: &[String], prefix: Option<&str>, verdict: &mut RangeVerdict) -> Vec<RangePattern> {
    let mut good: Vec<RangePattern> = Vec::with_capacity(raw.len());
    for typed in raw {
        let item = || RangeItem::Pattern(typed.trim().to_string());
        let pattern = match RangePattern::parse(typed) {
            Ok(pattern) => pattern,
            Err(error) => {
                verdict.error(item(), error);
                continue;
            }
        };
        if let Some(prefix) = prefix {
            let total = prefix_digits(prefix) + pattern.len();
            if total > RANGE_NUMBER_MAX_DIGITS {
                verdict.error(
                    item(),
                    FieldError::new(
                        Field::Pattern,
                        ErrorCode::RangeNumberTooLong,
                        format!(
                            "{prefix} followed by {pattern} makes numbers of {total} digits; the most \
                             is {RANGE_NUMBER_MAX_DIGITS}: shorten the prefix or the pattern."
                        ),
                    ),
                );
                continue;
            }
        }
        if let Some(earlier) = good.iter().find(|earlier| earlier.overlaps(&pattern)) {
            let why = if *earlier == pattern {
                format!("Pattern {pattern} is in the list twice: remove one.")
            } else {
                format!(
                    "Patterns {earlier} and {pattern} overlap (a number could match both): keep the \
                     wider one or make them distinct."
                )
            };
            verdict.error(item(), FieldError::new(Field::Pattern, ErrorCode::PatternDuplicateInList, why));
            continue;
        }
        good.push(pattern);
    }
    good
}

/// What a range is checked against: everything in its scope, and the ESNs.
#[derive(Clone, Debug, Default)]
pub struct RangeNeighbours {
    /// Where the range is: "at organization level", "at Dallas".
    pub place: String,
    /// Range id (the range being edited is skipped), name and patterns, for every range of the
    /// same scope; names of all ranges are unique, so `names` lists the other ranges' names.
    pub ranges: Vec<(String, String, Vec<RangePattern>)>,
    pub names: Vec<(String, String)>,
    /// Individual virtual extensions of the same scope: extension and display name.
    pub extensions: Vec<(String, String)>,
    /// At organization level: every location-level entry's ESN, with its display name and
    /// location name.
    pub esns: Vec<(String, String, String)>,
}

/// Checks a range (`id`: the range being edited, if any) against its neighbours.
pub fn check_range(id: Option<&str>, range: &NewRange, neighbours: &RangeNeighbours) -> RangeVerdict {
    let mut verdict = RangeVerdict::default();
    let others = |other: &str| Some(other) != id;
    if let Some((_, name)) = neighbours
        .names
        .iter()
        .find(|(other, name)| others(other) && name.to_lowercase() == range.name.to_lowercase())
    {
        verdict.error(
            RangeItem::Name(range.name.clone()),
            FieldError::new(
                Field::Name,
                ErrorCode::RangeNameInUse,
                format!("A virtual extension range is already named \"{name}\": choose another name."),
            ),
        );
    }
    for pattern in &range.patterns {
        let item = || RangeItem::Pattern(pattern.to_string());
        let taken =
            neighbours.ranges.iter().filter(|(other, ..)| others(other)).find_map(|(_, name, patterns)| {
                patterns.iter().find(|p| p.overlaps(pattern)).map(|p| (name, p))
            });
        if let Some((name, theirs)) = taken {
            let why = if theirs == pattern {
                format!("Range \"{name}\" already has pattern {pattern} {}: one extension cannot call two numbers.", neighbours.place)
            } else {
                format!(
                    "Pattern {pattern} overlaps pattern {theirs} of range \"{name}\" {}: a dialed \
                     number could match both. Make them distinct.",
                    neighbours.place
                )
            };
            verdict.error(item(), FieldError::new(Field::Pattern, ErrorCode::PatternOverlaps, why));
            continue;
        }
        if let Some((esn, who, location)) = neighbours.esns.iter().find(|(esn, ..)| pattern.matches(esn)) {
            verdict.error(
                item(),
                FieldError::new(
                    Field::Pattern,
                    ErrorCode::PatternConflictsWithEsn,
                    format!(
                        "Pattern {pattern} would take {esn}, the ESN of \"{who}\" at {location}: \
                         colleagues dial it to reach them. Narrow the pattern."
                    ),
                ),
            );
            continue;
        }
        let shadowed: Vec<&(String, String)> =
            neighbours.extensions.iter().filter(|(extension, _)| pattern.matches(extension)).collect();
        if let Some((extension, who)) = shadowed.first() {
            let more = match shadowed.len() - 1 {
                0 => String::new(),
                1 => " and 1 more".to_string(),
                n => format!(" and {n} more"),
            };
            verdict.warnings.push(RangeFault {
                item: item(),
                error: FieldError::new(
                    Field::Pattern,
                    ErrorCode::PatternShadowedByExtension,
                    format!(
                        "Extension {extension} (\"{who}\"){more} {} is in pattern {pattern}: those \
                         calls go to the virtual extension, not the range.",
                        neighbours.place
                    ),
                ),
            });
        }
    }
    verdict
}

/// How a PUT changes a range's patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::EnumString)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE", ascii_case_insensitive)]
pub enum PatternAction {
    Add,
    Remove,
    Replace,
}

impl PatternAction {
    pub fn parse(raw: &str) -> Option<Self> {
        raw.trim().parse().ok()
    }

    /// The patterns after the action, as typed strings (the new list is then validated whole).
    /// Removing a pattern the range does not have is an error.
    pub fn apply(self, current: &[RangePattern], given: &[String]) -> Result<Vec<String>, Vec<RangeFault>> {
        let current = current.iter().map(|p| p.to_string());
        match self {
            PatternAction::Add => Ok(current.chain(given.iter().cloned()).collect()),
            PatternAction::Replace => Ok(given.to_vec()),
            PatternAction::Remove => {
                let mut kept: Vec<String> = current.collect();
                let mut faults = Vec::new();
                for typed in given {
                    let wanted = RangePattern::parse(typed)
                        .map(|p| p.to_string())
                        .unwrap_or_else(|_| typed.trim().to_string());
                    match kept.iter().position(|p| *p == wanted) {
                        Some(at) => {
                            kept.remove(at);
                        }
                        None => faults.push(RangeFault {
                            item: RangeItem::Pattern(typed.trim().to_string()),
                            error: FieldError::new(
                                Field::Pattern,
                                ErrorCode::PatternNotInRange,
                                format!("Pattern {wanted} is not in this range, so it cannot be removed."),
                            ),
                        }),
                    }
                }
                if faults.is_empty() {
                    Ok(kept)
                } else {
                    Err(faults)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
