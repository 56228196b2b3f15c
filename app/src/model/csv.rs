//! The virtual extension CSV: the template's columns, header matching and row parsing.
//!
//! Shared by `vext csv check`, the upload's Validate and the import, so that all give the same
//! verdict for the same file. Reading is streaming: one record at a time.

use super::error::{ErrorCode, Field, FieldError};
use super::level::{Level, Scope};
use super::mode::VirtualExtensionMode;
use super::{DisplayName, E164Number, Extension, PersonName, VirtualExtensionInput};
use serde::{Deserialize, Serialize};
use std::io::Read;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Add,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "ADD",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Ok(Action::Add);
        }
        [Action::Add, Action::Update, Action::Delete]
            .into_iter()
            .find(|a| value.eq_ignore_ascii_case(a.as_str()))
            .ok_or_else(|| {
                FieldError::new(
                    Field::Action,
                    ErrorCode::ActionInvalid,
                    format!("Action {value:?} is not one vext knows: use ADD, UPDATE or DELETE (blank means ADD)."),
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
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
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
            let mut errors = super::FieldErrors::new();
            let scope = errors
                .take(Level::parse(&self.level))
                .and_then(|level| errors.take(Scope::from_parts(level, &self.location)));
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
            location: self.location.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            display_name: self.display_name.clone(),
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

/// What a row may be instead of a record: too many or too few cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowShapeError {
    pub row: u64,
    pub error: FieldError,
}

/// Reads a virtual extension CSV one row at a time.
pub struct CsvReader<R: Read> {
    records: ::csv::Reader<R>,
    columns: Vec<Option<Column>>,
    width: usize,
    record: ::csv::ByteRecord,
    row: u64,
}

impl<R: Read> CsvReader<R> {
    /// Reads and checks the header row.
    pub fn new(input: R) -> Result<Self, FileError> {
        let mut records = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut header = ::csv::ByteRecord::new();
        let read = records.read_byte_record(&mut header).map_err(read_error)?;
        if !read || header.iter().all(|cell| cell.iter().all(u8::is_ascii_whitespace)) {
            return Err(FileError::new(
                ErrorCode::FileEmpty,
                format!(
                    "The file is empty. Start from {TEMPLATE_FILE_NAME}: its first row names the columns ({}).",
                    Column::ALL.map(Column::header).join(", ")
                ),
            ));
        }
        let cells = utf8_cells(&header, 1)?;
        if cells.iter().any(|c| c.contains('\0')) {
            return Err(not_utf8(1));
        }
        let mut columns = Vec::with_capacity(cells.len());
        let mut unknown = Vec::new();
        for cell in &cells {
            match Column::from_header(cell) {
                Some(column) if columns.contains(&Some(column)) => {
                    return Err(FileError::new(
                        ErrorCode::HeaderDuplicateColumn,
                        format!("The header names the column {} twice: keep one of them.", column.header()),
                    ))
                }
                Some(column) => columns.push(Some(column)),
                None if cell.trim().is_empty() => columns.push(None),
                None => {
                    unknown.push(cell.trim().to_string());
                    columns.push(None);
                }
            }
        }
        if !unknown.is_empty() {
            return Err(FileError::new(
                ErrorCode::HeaderUnknownColumn,
                format!(
                    "Unknown column{} {}: the template's columns are {}. Rename or remove {}.",
                    if unknown.len() > 1 { "s" } else { "" },
                    unknown.iter().map(|u| format!("{u:?}")).collect::<Vec<_>>().join(", "),
                    Column::ALL.map(Column::header).join(", "),
                    if unknown.len() > 1 { "them" } else { "it" },
                ),
            ));
        }
        let missing: Vec<&str> = Column::ALL
            .into_iter()
            .filter(|c| c.required() && !columns.contains(&Some(*c)))
            .map(Column::header)
            .collect();
        if !missing.is_empty() {
            return Err(FileError::new(
                ErrorCode::HeaderMissingColumn,
                format!(
                    "The header lacks the column{} {}: add {} (see {TEMPLATE_FILE_NAME}).",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(", "),
                    if missing.len() > 1 { "them" } else { "it" }
                ),
            ));
        }
        Ok(Self { width: columns.len(), columns, records, record: ::csv::ByteRecord::new(), row: 1 })
    }

    /// Which template columns this file has.
    pub fn columns(&self) -> impl Iterator<Item = Column> + '_ {
        self.columns.iter().flatten().copied()
    }

    /// The next row: `Ok(None)` at the end; `Err` only when the file itself is unusable.
    /// Blank lines are skipped (spreadsheets leave them at the end).
    #[allow(clippy::type_complexity)]
    pub fn next_row(&mut self) -> Result<Option<Result<CsvRow, RowShapeError>>, FileError> {
        loop {
            if !self.records.read_byte_record(&mut self.record).map_err(read_error)? {
                return Ok(None);
            }
            // Rows count like a spreadsheet's: the header is row 1, each record one row, however
            // many lines its quoted cells span.
            self.row += 1;
            let row = self.row;
            if self.record.iter().all(|cell| cell.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            let cells = utf8_cells(&self.record, row)?;
            if cells.len() != self.width {
                return Ok(Some(Err(RowShapeError {
                    row,
                    error: FieldError::new(
                        Field::Row,
                        ErrorCode::RowFieldCount,
                        format!(
                            "Row {row} has {} fields but the header has {}: check for a stray comma or an unquoted value that contains one.",
                            cells.len(),
                            self.width
                        ),
                    ),
                })));
            }
            let mut out = CsvRow {
                row,
                action: String::new(),
                level: String::new(),
                location: String::new(),
                first_name: String::new(),
                last_name: String::new(),
                display_name: String::new(),
                phone_number: String::new(),
                extension: String::new(),
            };
            for (column, cell) in self.columns.iter().zip(cells) {
                let Some(column) = column else { continue };
                let slot = match column {
                    Column::Action => &mut out.action,
                    Column::Level => &mut out.level,
                    Column::Location => &mut out.location,
                    Column::FirstName => &mut out.first_name,
                    Column::LastName => &mut out.last_name,
                    Column::DisplayName => &mut out.display_name,
                    Column::PhoneNumber => &mut out.phone_number,
                    Column::Extension => &mut out.extension,
                };
                *slot = cell;
            }
            return Ok(Some(Ok(out)));
        }
    }
}

fn not_utf8(row: u64) -> FileError {
    FileError::new(
        ErrorCode::FileNotUtf8,
        format!(
            "Row {row} is not UTF-8 text. Save the file as \"CSV UTF-8 (Comma delimited)\" (Excel) or \
             with the UTF-8 encoding (Numbers, LibreOffice, Google Sheets) and upload it again."
        ),
    )
}

fn utf8_cells(record: &::csv::ByteRecord, row: u64) -> Result<Vec<String>, FileError> {
    record
        .iter()
        .map(|cell| std::str::from_utf8(cell).map(str::to_string).map_err(|_| not_utf8(row)))
        .collect()
}

fn read_error(error: ::csv::Error) -> FileError {
    match error.kind() {
        ::csv::ErrorKind::Utf8 { pos, .. } => not_utf8(pos.as_ref().map_or(0, |p| p.line())),
        ::csv::ErrorKind::Io(e) => {
            FileError::new(ErrorCode::FileUnreadable, format!("The file could not be read: {e}."))
        }
        _ => FileError::new(ErrorCode::FileUnreadable, format!("The file is not valid CSV: {error}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PersonNameKind;
    use proptest::prelude::*;

    fn read_all(text: &[u8]) -> Result<Vec<Result<CsvRow, RowShapeError>>, FileError> {
        let mut reader = CsvReader::new(text)?;
        let mut rows = Vec::new();
        while let Some(row) = reader.next_row()? {
            rows.push(row);
        }
        Ok(rows)
    }

    fn file_code(text: &[u8]) -> ErrorCode {
        read_all(text).expect_err("the file should be refused").code
    }

    const HEADER: &str = "Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension";

    #[test]
    fn the_template_is_the_header_row_and_reads_back() {
        assert_eq!(template(), format!("{HEADER}\r\n"));
        assert_eq!(read_all(template().as_bytes()).unwrap(), vec![]);
    }

    #[test]
    fn accepts_what_spreadsheets_produce() {
        // BOM, CRLF, headers in another case with stray spaces, quoted commas, quotes and
        // newlines, a leading apostrophe, a trailing blank line.
        let text =
            "\u{FEFF} level , DISPLAY NAME,phone_number,Extension,Location,first name,Last Name,action\r\n\
                    organization,\"Lee, Ann \"\"AJ\"\"\",'+12015550123,'4001,,Ann,Lee,\r\n\
                    Location,\"Line one\nline two\",+12015550124,4002,Dallas,,,update\r\n\
                    \r\n";
        let rows = read_all(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        let first = rows[0].as_ref().unwrap();
        assert_eq!(first.row, 2);
        assert_eq!(first.display_name, "Lee, Ann \"AJ\"");
        assert_eq!(first.level, "organization");
        let change = first.validate(VirtualExtensionMode::Standard).unwrap();
        assert_eq!(change.action(), Action::Add);
        assert_eq!(change.extension().as_str(), "4001");
        let RowChange::Upsert { phone_number, .. } = change else { panic!("an ADD") };
        assert_eq!(phone_number.as_str(), "+12015550123");
        let second = rows[1].as_ref().unwrap();
        assert_eq!(second.row, 3);
        // The newline inside the display name is a control character: refused with its field.
        let errors = second.validate(VirtualExtensionMode::Standard).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.code).collect::<Vec<_>>(),
            [ErrorCode::DisplayNameInvalidCharacter]
        );
    }

    #[test]
    fn rows_count_like_a_spreadsheet_even_with_multiline_cells() {
        let text = format!("{HEADER}\n,Organization,,,,\"two\nlines\",+12015550123,4001\n,Organization,,,,X,+12015550124,4002\n");
        let rows = read_all(text.as_bytes()).unwrap();
        let numbers: Vec<u64> = rows.iter().map(|r| r.as_ref().unwrap().row).collect();
        assert_eq!(numbers, [2, 3], "a spreadsheet shows the second record as row 3");
    }

    #[test]
    fn refuses_unusable_files_with_specific_codes() {
        assert_eq!(file_code(b""), ErrorCode::FileEmpty);
        assert_eq!(file_code(b"\r\n"), ErrorCode::FileEmpty);
        assert_eq!(
            file_code(b"Level,Display Name,Phone Number,Extension,Colour\n"),
            ErrorCode::HeaderUnknownColumn
        );
        assert_eq!(file_code(b"Level,Display Name,Phone Number\n"), ErrorCode::HeaderMissingColumn);
        assert_eq!(
            file_code(b"Level,Display Name,Phone Number,Extension,level\n"),
            ErrorCode::HeaderDuplicateColumn
        );
        // Latin-1 "é" and UTF-16 are not UTF-8.
        assert_eq!(
            file_code(b"Level,Display Name,Phone Number,Extension\nOrganization,Jos\xe9,+12015550123,4001\n"),
            ErrorCode::FileNotUtf8
        );
        let utf16: Vec<u8> = "\u{FEFF}Level,Display Name".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(file_code(&utf16), ErrorCode::FileNotUtf8);
        let message = read_all(b"Level,Display Name,Phone Number,Extension,Colour\n").unwrap_err().message;
        assert!(message.contains("\"Colour\""), "{message}");
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_an_error_of_that_row() {
        let text = b"Level,Display Name,Phone Number,Extension\nOrganization,A,+12015550123\nOrganization,B,+12015550124,4002\n";
        let rows = read_all(text).unwrap();
        let shape = rows[0].as_ref().unwrap_err();
        assert_eq!((shape.row, shape.error.code), (2, ErrorCode::RowFieldCount));
        assert!(rows[1].is_ok());
    }

    #[test]
    fn delete_needs_only_level_location_and_extension() {
        let row = CsvRow {
            row: 2,
            action: "delete".into(),
            level: "Location".into(),
            location: "Dallas".into(),
            first_name: String::new(),
            last_name: String::new(),
            display_name: String::new(),
            phone_number: String::new(),
            extension: "4001".into(),
        };
        assert_eq!(
            row.validate(VirtualExtensionMode::Standard),
            Ok(RowChange::Delete {
                scope: NamedScope::Location("Dallas".into()),
                extension: Extension::parse("4001").unwrap()
            })
        );
        let bad = CsvRow { action: "REMOVE".into(), ..row };
        assert_eq!(
            bad.validate(VirtualExtensionMode::Standard).unwrap_err()[0].code,
            ErrorCode::ActionInvalid
        );
    }

    #[test]
    fn header_aliases() {
        assert_eq!(Column::from_header(" PHONE NUMBER "), Some(Column::PhoneNumber));
        assert_eq!(Column::from_header("phone_number"), Some(Column::PhoneNumber));
        assert_eq!(Column::from_header("PhoneNumber"), Some(Column::PhoneNumber));
        assert_eq!(Column::from_header("display-name"), Some(Column::DisplayName));
        assert_eq!(Column::from_header("Phone"), None);
    }

    fn write_row(display: &str, first: &str, phone: &str, ext: &str) -> Vec<u8> {
        let mut out = ::csv::Writer::from_writer(Vec::new());
        out.write_record(HEADER.split(',')).unwrap();
        out.write_record(["ADD", "Organization", "", first, "", display, phone, ext]).unwrap();
        out.into_inner().unwrap()
    }

    proptest! {
        #[test]
        fn reading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(mut reader) = CsvReader::new(bytes.as_slice()) {
                while let Ok(Some(row)) = reader.next_row() {
                    if let Ok(row) = row {
                        let _ = row.validate(VirtualExtensionMode::Standard);
                    }
                }
            }
        }

        /// What the rules accept survives a trip through a CSV file unchanged.
        #[test]
        fn accepted_values_round_trip_through_csv(display in "\\PC{1,60}", first in "\\PC{0,20}", ext in "[0-9]{2,10}") {
            let Ok(display) = DisplayName::parse(&display) else { return Ok(()) };
            let Ok(first) = PersonName::parse(&first, PersonNameKind::First) else { return Ok(()) };
            let first = first.map(PersonName::into_inner).unwrap_or_default();
            let bytes = write_row(display.as_str(), &first, "+12015550123", &ext);
            let mut reader = CsvReader::new(bytes.as_slice()).unwrap();
            let row = reader.next_row().unwrap().unwrap().unwrap();
            let RowChange::Upsert { display_name, first_name, extension, .. } = row.validate(VirtualExtensionMode::Standard).unwrap() else {
                panic!("an ADD")
            };
            prop_assert_eq!(display_name, display);
            prop_assert_eq!(first_name.map(PersonName::into_inner).unwrap_or_default(), first);
            prop_assert_eq!(extension.as_str(), ext.as_str());
        }
    }
}
