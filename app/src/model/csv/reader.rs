//! Streaming reader: header checks, then one record at a time.

use super::schema::{Column, CsvRow, FileError, TEMPLATE_FILE_NAME};
use crate::model::error::{ErrorCode, Field, FieldError};
use std::io::Read;

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
