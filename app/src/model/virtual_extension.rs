//! A virtual extension: an external number with an internal extension and a directory name.

use super::e164::E164Number;
use super::error::{FieldError, FieldErrors};
use super::extension::Extension;
use super::level::{Level, Scope};
use super::mode::VirtualExtensionMode;
use super::names::{DisplayName, PersonName, PersonNameKind};
use serde::{Deserialize, Serialize};

/// Raw strings as a form (or later a CSV row) sends them. `location` is a location id here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualExtensionInput {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub extension: String,
    #[serde(default)]
    pub phone_number: String,
}

impl VirtualExtension {
    /// Where the entry lives (its location decides; the level follows).
    pub fn scope(&self) -> Scope {
        Scope::of(self.location_id.clone())
    }

    /// The form's values for this entry (blank where unset).
    pub fn to_input(&self) -> VirtualExtensionInput {
        VirtualExtensionInput {
            level: self.level.as_str().to_string(),
            location: self.location_id.clone().unwrap_or_default(),
            first_name: self.first_name.clone().unwrap_or_default(),
            last_name: self.last_name.clone().unwrap_or_default(),
            display_name: self.display_name.clone(),
            extension: self.extension.clone(),
            phone_number: self.phone_number.clone(),
        }
    }
}

/// An entry that passed every rule that needs no database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVirtualExtension {
    pub scope: Scope,
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub display_name: DisplayName,
    pub extension: Extension,
    pub phone_number: E164Number,
}

impl VirtualExtensionInput {
    /// Applies every field rule under the organization's mode and reports all failures at
    /// once, each keyed by its field.
    pub fn validate(&self, mode: VirtualExtensionMode) -> Result<NewVirtualExtension, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let scope = errors
            .take(Level::parse(&self.level))
            .and_then(|level| errors.take(Scope::from_parts(level, &self.location)));
        let first_name = errors.take(PersonName::parse(&self.first_name, PersonNameKind::First));
        let last_name = errors.take(PersonName::parse(&self.last_name, PersonNameKind::Last));
        let display_name = errors.take(DisplayName::parse(&self.display_name));
        let extension = errors.take(Extension::parse(&self.extension));
        let phone_number = errors.take(E164Number::parse_for(&self.phone_number, mode));
        match (scope, first_name, last_name, display_name, extension, phone_number) {
            (
                Some(scope),
                Some(first_name),
                Some(last_name),
                Some(display_name),
                Some(extension),
                Some(phone_number),
            ) if errors.is_empty() => Ok(NewVirtualExtension {
                scope,
                first_name,
                last_name,
                display_name,
                extension,
                phone_number,
            }),
            _ => Err(errors.into_vec()),
        }
    }
}

/// A stored virtual extension, as the UI and the API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualExtension {
    pub id: String,
    pub level: Level,
    pub location_id: Option<String>,
    pub location_name: Option<String>,
    /// The location's routing prefix, if it has one (the ESN is it + the extension).
    #[serde(default)]
    pub routing_prefix: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    pub extension: String,
    pub phone_number: String,
    /// Bumped on every change, for optimistic concurrency.
    pub version: i32,
}

/// A saved entry and the warnings the rules raised (saved anyway).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedVirtualExtension {
    pub entry: VirtualExtension,
    pub warnings: Vec<FieldError>,
}

/// What a delete did: how many entries went, and how many were gone already (someone else
/// deleted them since the admin's list was loaded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteOutcome {
    pub deleted: u64,
    pub already_gone: u64,
}

/// The most entries one delete may name (four full pages).
pub const DELETE_MAX: usize = 400;

pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// A column the list sorts by.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SortKey {
    #[default]
    DisplayName,
    FirstName,
    LastName,
    Extension,
    PhoneNumber,
    Location,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::DisplayName,
        SortKey::FirstName,
        SortKey::LastName,
        SortKey::Extension,
        SortKey::PhoneNumber,
        SortKey::Location,
    ];

    /// The URL's form (`sort=phone_number`).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::DisplayName => "Display Name",
            SortKey::FirstName => "First Name",
            SortKey::LastName => "Last Name",
            SortKey::Extension => "Extension",
            SortKey::PhoneNumber => "Phone Number",
            SortKey::Location => "Location",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }
}

/// What the list shows: search, filters, sort and page. Its URL form (`to_query_string`,
/// `from_params`) is what the address bar, the back button and shared links carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Words in the display, first or last name (any case, accents optional), or digits of
    /// the extension or phone number.
    #[serde(default)]
    pub search: String,
    /// Only one level; `None` for both.
    #[serde(default)]
    pub level: Option<Level>,
    /// Only this location's entries (a location id).
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub sort: SortKey,
    #[serde(default)]
    pub descending: bool,
    /// Zero-based page number (the URL shows it one-based).
    #[serde(default)]
    pub page: u32,
    #[serde(default = "default_page_size")]
    pub per_page: u32,
}

fn default_page_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            search: String::new(),
            level: None,
            location: None,
            sort: SortKey::default(),
            descending: false,
            page: 0,
            per_page: DEFAULT_PAGE_SIZE,
        }
    }
}

/// The longest search accepted (longer ones are cut: no name is longer).
pub const SEARCH_MAX_CHARS: usize = 100;

impl ListQuery {
    /// Clamps the page size to the ones offered (no request asks for a million rows), trims
    /// and bounds the search, and drops empty filters.
    pub fn normalized(&self) -> Self {
        let per_page = if PAGE_SIZES.contains(&self.per_page) { self.per_page } else { DEFAULT_PAGE_SIZE };
        Self {
            search: self.search.trim().chars().take(SEARCH_MAX_CHARS).collect(),
            level: self.level,
            location: self.location.as_ref().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()),
            sort: self.sort,
            descending: self.descending,
            page: self.page.min(1_000_000),
            per_page,
        }
    }

    /// Reads the URL's parameters (`q`, `level`, `location`, `sort`, `dir`, `page`, `per_page`);
    /// anything unknown or malformed falls back to the default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let level = get("level").and_then(|l| Level::parse(&l).ok());
        Self {
            search: get("q").unwrap_or_default(),
            level,
            location: get("location").filter(|l| !l.is_empty()),
            sort: get("sort").and_then(|s| SortKey::parse(&s)).unwrap_or_default(),
            descending: get("dir").as_deref() == Some("desc"),
            page: super::PageIndex::parse(&get("page").unwrap_or_default()).get(),
            per_page: get("per_page").and_then(|p| p.parse().ok()).unwrap_or(DEFAULT_PAGE_SIZE),
        }
        .normalized()
    }

    /// The URL parameters that restore this query, as (name, value): only the ones set (no
    /// defaults, no empty `&q=`). Also the hidden fields of forms that carry the list along.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if !self.search.trim().is_empty() {
            params.push(("q", self.search.trim().to_string()));
        }
        if let Some(level) = self.level {
            params.push(("level", level.as_str().to_string()));
        }
        if let Some(location) = &self.location {
            params.push(("location", location.clone()));
        }
        if self.sort != SortKey::default() {
            params.push(("sort", self.sort.as_str().to_string()));
        }
        if self.descending {
            params.push(("dir", "desc".to_string()));
        }
        if self.page > 0 {
            params.push(("page", super::PageIndex::new(self.page.into()).to_string()));
        }
        if self.per_page != DEFAULT_PAGE_SIZE {
            params.push(("per_page", self.per_page.to_string()));
        }
        params
    }

    /// `path` carrying this query: the list itself, or a panel over it that returns to it.
    pub fn on_path(&self, path: &str) -> String {
        match self.to_query_string() {
            q if q.is_empty() => path.to_string(),
            q => format!("{path}?{q}"),
        }
    }

    /// The list's query in a full URL (a Referer), if it is one; the default otherwise.
    /// (Server only: the browser reads its own address through the router.)
    #[cfg(feature = "ssr")]
    pub fn from_url(url: &str) -> Self {
        let pairs: Vec<(String, String)> =
            url::Url::parse(url).map(|u| u.query_pairs().into_owned().collect()).unwrap_or_default();
        Self::from_params(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    /// The URL parameters that restore this query (defaults left out).
    pub fn to_query_string(&self) -> String {
        super::query::query_string(&self.to_params())
    }

    /// The digits of the search, when it could be (part of) an extension or phone number:
    /// "+1 (201) 555" → "1201555". `None` when it has letters or no digits.
    pub fn search_digits(&self) -> Option<String> {
        let search = self.search.trim();
        let numeric = search.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let digits: String = search.chars().filter(char::is_ascii_digit).collect();
        (numeric && !digits.is_empty()).then_some(digits)
    }
}

/// One page of a list and the total across all pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualExtensionPage {
    pub items: Vec<VirtualExtension>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorCode, Field};

    fn valid() -> VirtualExtensionInput {
        VirtualExtensionInput {
            level: "ORGANIZATION".into(),
            location: String::new(),
            first_name: " Ana ".into(),
            last_name: String::new(),
            display_name: "Ana (Remote)".into(),
            extension: "4001".into(),
            phone_number: "+12015550123".into(),
        }
    }

    #[test]
    fn valid_input_is_normalized() {
        let new = valid().validate(VirtualExtensionMode::Standard).unwrap();
        assert_eq!(new.scope, Scope::Organization);
        assert_eq!(new.first_name.unwrap().as_str(), "Ana");
        assert_eq!(new.last_name, None);
        assert_eq!(new.display_name.as_str(), "Ana (Remote)");
        assert_eq!(new.extension.as_str(), "4001");
        assert_eq!(new.phone_number.as_str(), "+12015550123");
    }

    #[test]
    fn every_bad_field_is_reported_once_with_its_field() {
        let input = VirtualExtensionInput {
            level: "LOCATION".into(),
            location: String::new(),
            first_name: "a\u{202E}".into(),
            last_name: "b".repeat(61),
            display_name: String::new(),
            extension: "1".into(),
            phone_number: "2145550100".into(),
        };
        let errors = input.validate(VirtualExtensionMode::Standard).unwrap_err();
        let got: Vec<(Field, ErrorCode)> = errors.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            [
                (Field::Location, ErrorCode::LocationRequired),
                (Field::FirstName, ErrorCode::FirstNameInvalidCharacter),
                (Field::LastName, ErrorCode::LastNameTooLong),
                (Field::DisplayName, ErrorCode::DisplayNameRequired),
                (Field::Extension, ErrorCode::ExtensionTooShort),
                (Field::PhoneNumber, ErrorCode::PhoneNumberMissingPlus),
            ]
        );
    }

    #[test]
    fn list_query_clamps_page_size() {
        assert_eq!(
            ListQuery { page: 2, per_page: 1_000_000, ..Default::default() }.normalized().per_page,
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(ListQuery { page: 2, per_page: 100, ..Default::default() }.normalized().per_page, 100);
    }
}

#[cfg(test)]
mod list_query_tests {
    use super::*;

    #[test]
    fn the_url_restores_the_query_and_leaves_defaults_out() {
        let query = ListQuery {
            search: " Zoë & Co ".into(),
            level: Some(Level::Location),
            location: Some("L-1".into()),
            sort: SortKey::PhoneNumber,
            descending: true,
            page: 2,
            per_page: 25,
        };
        let url = query.to_query_string();
        assert_eq!(
            url,
            "q=Zo%C3%AB%20%26%20Co&level=LOCATION&location=L-1&sort=phone_number&dir=desc&page=3&per_page=25"
        );
        let pairs: Vec<(String, String)> = url
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("%C3%AB", "ë").replace("%20", " ").replace("%26", "&")))
            .collect();
        let back =
            ListQuery::from_params(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
        assert_eq!(back, query.normalized());
        assert_eq!(ListQuery::default().to_query_string(), "");
    }

    #[test]
    fn bad_parameters_fall_back_to_defaults() {
        let params = [
            ("sort", "password"),
            ("dir", "sideways"),
            ("page", "-3"),
            ("per_page", "5000"),
            ("level", "galaxy"),
        ];
        let query = ListQuery::from_params(|name| {
            params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        });
        assert_eq!(query, ListQuery::default());
        let huge = ListQuery { search: "x".repeat(500), ..Default::default() }.normalized();
        assert_eq!(huge.search.chars().count(), SEARCH_MAX_CHARS);
    }

    #[test]
    fn searches_that_look_like_numbers_also_match_digits() {
        let digits = |s: &str| ListQuery { search: s.into(), ..Default::default() }.search_digits();
        assert_eq!(digits("+1 (201) 555-01"), Some("120155501".into()));
        assert_eq!(digits("4001"), Some("4001".into()));
        assert_eq!(digits("Ann 4001"), None);
        assert_eq!(digits("+"), None);
    }
}
