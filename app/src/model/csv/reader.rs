//! Streaming reader: header checks, then one record at a time.

use super::schema::{Column, CsvRow, FileError, TEMPLATE_FILE_NAME};
use crate::model::error::{ErrorCode, Field, FieldError};
use serde::{Deserialize, Serialize};
use std::io::Read;

/// What a row may be instead of a record: too many or too few cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowShapeError {
    pub row: u64,
    pub error: FieldError,
}

/// How big a file may be. Both are configurable on the server (`VEXT_CSV_MAX_BYTES`,
/// `VEXT_CSV_MAX_ROWS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_bytes: u64,
    /// Rows after the header (blank lines not counted).
    pub max_rows: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 10 * 1024 * 1024, max_rows: 100_000 }
    }
}

impl Limits {
    /// No limit: for code that already knows the file is acceptable.
    pub const NONE: Limits = Limits { max_bytes: u64::MAX, max_rows: u64::MAX };

    pub fn too_large(&self) -> FileError {
        FileError::new(
            ErrorCode::FileTooLarge,
            format!(
                "The file is larger than {} (the limit): split it into smaller files and upload each.",
                human_bytes(self.max_bytes)
            ),
        )
    }

    pub fn too_many_rows(&self) -> FileError {
        FileError::new(
            ErrorCode::FileTooManyRows,
            format!(
                "The file has more than {} rows (the limit): split it into files of at most {} rows and upload each.",
                self.max_rows, self.max_rows
            ),
        )
    }
}

fn human_bytes(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

/// The input, counted: reading past the byte limit is an error the reader reports as
/// `FILE_TOO_LARGE` (the file is streamed, never held whole).
struct Limited<R> {
    inner: R,
    remaining: u64,
}

#[derive(Debug)]
struct SizeExceeded;

impl std::fmt::Display for SizeExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the file is over the size limit")
    }
}

impl std::error::Error for SizeExceeded {}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.remaining.checked_sub(n as u64) {
            Some(left) => {
                self.remaining = left;
                Ok(n)
            }
            None => Err(std::io::Error::other(SizeExceeded)),
        }
    }
}

/// The header cell of the column the errors download adds: a file that comes back with it is
/// read as if it were not there.
pub const ERROR_COLUMN: &str = "Error";

/// Reads a virtual extension CSV one row at a time.
pub struct CsvReader<R: Read> {
    records: ::csv::Reader<Limited<R>>,
    columns: Vec<Option<Column>>,
    header: Vec<String>,
    width: usize,
    record: ::csv::ByteRecord,
    row: u64,
    data_rows: u64,
    limits: Limits,
}

impl<R: Read> CsvReader<R> {
    /// Reads and checks the header row, with the default limits.
    pub fn new(input: R) -> Result<Self, FileError> {
        Self::with_limits(input, Limits::default())
    }

    /// Reads and checks the header row; the file may be at most as large as `limits` say.
    pub fn with_limits(input: R, limits: Limits) -> Result<Self, FileError> {
        let input = Limited { inner: input, remaining: limits.max_bytes };
        let mut records = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut header = ::csv::ByteRecord::new();
        let read = records.read_byte_record(&mut header).map_err(|e| read_error(e, &limits))?;
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
                // The errors download's own column: the admin fixed the rows and sent it back.
                None if cell.trim().trim_start_matches('\u{FEFF}').eq_ignore_ascii_case(ERROR_COLUMN) => {
                    columns.push(None)
                }
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
        Ok(Self {
            width: columns.len(),
            columns,
            header: cells,
            records,
            record: ::csv::ByteRecord::new(),
            row: 1,
            data_rows: 0,
            limits,
        })
    }

    /// The header row as the file has it.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The cells of the record `next_row` returned last, as the file has them (lossy only for
    /// bytes that are not UTF-8, which `next_row` refuses anyway).
    pub fn raw_cells(&self) -> Vec<String> {
        self.record.iter().map(|cell| String::from_utf8_lossy(cell).into_owned()).collect()
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
            if !self.records.read_byte_record(&mut self.record).map_err(|e| read_error(e, &self.limits))? {
                return Ok(None);
            }
            // Rows count like a spreadsheet's: the header is row 1, each record one row, however
            // many lines its quoted cells span.
            self.row += 1;
            let row = self.row;
            if self.record.iter().all(|cell| cell.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            self.data_rows += 1;
            if self.data_rows > self.limits.max_rows {
                return Err(self.limits.too_many_rows());
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

fn read_error(error: ::csv::Error, limits: &Limits) -> FileError {
    match error.kind() {
        ::csv::ErrorKind::Utf8 { pos, .. } => not_utf8(pos.as_ref().map_or(0, |p| p.line())),
        ::csv::ErrorKind::Io(e) if e.get_ref().is_some_and(|inner| inner.is::<SizeExceeded>()) => {
            limits.too_large()
        }
        ::csv::ErrorKind::Io(e) => {
            FileError::new(ErrorCode::FileUnreadable, format!("The file could not be read: {e}."))
        }
        _ => FileError::new(ErrorCode::FileUnreadable, format!("The file is not valid CSV: {error}.")),
    }
}
