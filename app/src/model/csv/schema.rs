//! The template's columns, the actions, and one row's validation.

use crate::model::error::{ErrorCode, Field, FieldError};
use crate::model::level::{Level, Scope};
use crate::model::mode::VirtualExtensionMode;
use crate::model::{DisplayName, E164Number, Extension, PersonName, VirtualExtensionInput};
use serde::{Deserialize, Serialize};

pub const TEMPLATE_FILE_NAME: &str = "virtual-extension-template.csv";

/// The template's columns, in the template's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    Action,
    Level,
    Location,
    FirstName,
    LastName,
    DisplayName,
    PhoneNumber,
    Extension,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::Action,
        Column::Level,
        Column::Location,
        Column::FirstName,
        Column::LastName,
        Column::DisplayName,
        Column::PhoneNumber,
        Column::Extension,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Column::Action => "Action",
            Column::Level => "Level",
            Column::Location => "Location",
            Column::FirstName => "First Name",
            Column::LastName => "Last Name",
            Column::DisplayName => "Display Name",
            Column::PhoneNumber => "Phone Number",
            Column::Extension => "Extension",
        }
    }

    /// Columns a file must have. Action defaults to ADD; Location matters only for Location
    /// rows (which say so when it is missing); names are optional.
    pub fn required(self) -> bool {
        matches!(self, Column::Level | Column::DisplayName | Column::PhoneNumber | Column::Extension)
    }

    /// Whether a row must fill the column, as the column help says it: Location is required
    /// exactly on Location-level rows.
    pub fn requirement(self) -> &'static str {
        match self {
            Column::Location => "For Location level",
            c if c.required() => "Required",
            _ => "Optional",
        }
    }

    /// What the column means, for the upload page and the CLI's help.
    pub fn describe(self) -> &'static str {
        match self {
            Column::Action => "ADD (the default when blank), UPDATE or DELETE. UPDATE and DELETE find the entry by Level, Location and Extension.",
            Column::Level => "Organization (everyone dials the extension) or Location (people at the location dial it). Any case.",
            Column::Location => "The location's name, exactly as in vext. Required for Location level, empty for Organization level.",
            Column::FirstName => "Optional, up to 60 characters.",
            Column::LastName => "Optional, up to 60 characters.",
            Column::DisplayName => "Required: 1–60 characters shown in directories and caller ID.",
            Column::PhoneNumber => "The external number in E.164 form: + and country code, digits only (e.g. +12145550100).",
            Column::Extension => "2–10 digits that colleagues dial.",
        }
    }

    /// The field an error in this column is about.
    pub fn field(self) -> Field {
        match self {
            Column::Action => Field::Action,
            Column::Level => Field::Level,
            Column::Location => Field::Location,
            Column::FirstName => Field::FirstName,
            Column::LastName => Field::LastName,
            Column::DisplayName => Field::DisplayName,
            Column::PhoneNumber => Field::PhoneNumber,
            Column::Extension => Field::Extension,
        }
    }

    /// Matches a header cell in any case, ignoring spaces, `_` and `-`: "phone_number",
    /// " PHONE NUMBER " and "PhoneNumber" are all Phone Number.
    pub fn from_header(raw: &str) -> Option<Column> {
        let key = squash(raw);
        Column::ALL.into_iter().find(|c| squash(c.header()) == key)
    }
}

fn squash(s: &str) -> String {
    s.trim_start_matches('\u{FEFF}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The template file: the header row alone.
pub fn template() -> String {
    let header: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
    format!("{}\r\n", header.join(","))
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE", ascii_case_insensitive)]
pub enum Action {
    Add,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(Action::Add);
        }
        value.parse().map_err(|_| {
            FieldError::new(
                Field::Action,
                ErrorCode::ActionInvalid,
                format!(
                    "Action {value:?} is not one vext knows: use ADD, UPDATE or DELETE (blank means ADD)."
                ),
            )
        })
    }
}

/// A problem with the file as a whole: nothing in it can be trusted row by row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct FileError {
    pub code: ErrorCode,
    pub message: String,
}

impl FileError {
    pub(super) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// One row as the file gives it. `row` counts like a spreadsheet: the header is row 1 and each
/// record is one row (a quoted cell may span lines).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRow {
    pub row: u64,
    pub action: String,
    pub level: String,
    pub location: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub phone_number: String,
    pub extension: String,
}

/// Where the scope's location is named (CSV) rather than identified (form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamedScope {
    Organization,
    Location(String),
}

/// A row that passed every rule that needs no database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowChange {
    /// ADD or UPDATE: the entry's full new state.
    Upsert {
        action: Action,
        scope: NamedScope,
        first_name: Option<PersonName>,
        last_name: Option<PersonName>,
        display_name: DisplayName,
        extension: Extension,
        phone_number: E164Number,
    },
    Delete {
        scope: NamedScope,
        extension: Extension,
    },
}

impl RowChange {
    pub fn action(&self) -> Action {
        match self {
            RowChange::Upsert { action, .. } => *action,
            RowChange::Delete { .. } => Action::Delete,
        }
    }

    pub fn scope(&self) -> &NamedScope {
        match self {
            RowChange::Upsert { scope, .. } | RowChange::Delete { scope, .. } => scope,
        }
    }

    pub fn extension(&self) -> &Extension {
        match self {
            RowChange::Upsert { extension, .. } | RowChange::Delete { extension, .. } => extension,
        }
    }
}

/// Spreadsheets mark text cells with a leading apostrophe (`'+12145550100`): drop it.
fn strip_text_marker(s: &str) -> &str {
    let trimmed = s.trim_start();
    match trimmed.strip_prefix('\'') {
        Some(rest) if rest.starts_with(|c: char| c == '+' || c.is_ascii_digit()) => rest,
        _ => s,
    }
}

/// `inert_cell` put an apostrophe before a name that a spreadsheet would run as a formula
/// (`'=Ann`), or that started with an apostrophe itself (`''Tis`): take that one off again, so
/// that an export re-imports unchanged. Any other leading apostrophe (`'Ohana`) is the name's.
fn strip_inert_marker(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) => rest,
        _ => s,
    }
}

impl From<Scope> for NamedScope {
    /// For a CSV row, a `Scope::Location` carries the location's name (the file names it).
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Organization => NamedScope::Organization,
            Scope::Location(name) => NamedScope::Location(name),
        }
    }
}

impl CsvRow {
    /// Applies the form's rules (the same `VirtualExtensionInput::validate`); DELETE needs only
    /// Level, Location and Extension.
    pub fn validate(&self, mode: VirtualExtensionMode) -> Result<RowChange, Vec<FieldError>> {
        let action = Action::parse(&self.action);
        if action == Ok(Action::Delete) {
            let mut errors = crate::model::FieldErrors::new();
            let scope = errors
                .take(Level::parse(&self.level))
                .and_then(|level| errors.take(Scope::from_parts(level, strip_inert_marker(&self.location))));
            let extension = errors.take(Extension::parse(strip_text_marker(&self.extension)));
            return match (scope, extension) {
                (Some(scope), Some(extension)) if errors.is_empty() => {
                    Ok(RowChange::Delete { scope: scope.into(), extension })
                }
                _ => Err(errors.into_vec()),
            };
        }
        let input = VirtualExtensionInput {
            level: self.level.clone(),
            location: strip_inert_marker(&self.location).to_string(),
            first_name: strip_inert_marker(&self.first_name).to_string(),
            last_name: strip_inert_marker(&self.last_name).to_string(),
            display_name: strip_inert_marker(&self.display_name).to_string(),
            extension: strip_text_marker(&self.extension).to_string(),
            phone_number: strip_text_marker(&self.phone_number).to_string(),
        };
        match (action, input.validate(mode)) {
            (Ok(action), Ok(new)) => Ok(RowChange::Upsert {
                action,
                scope: new.scope.into(),
                first_name: new.first_name,
                last_name: new.last_name,
                display_name: new.display_name,
                extension: new.extension,
                phone_number: new.phone_number,
            }),
            (action, fields) => {
                Err(action.err().into_iter().chain(fields.err().into_iter().flatten()).collect())
            }
        }
    }
}
