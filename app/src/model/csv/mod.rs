//! The virtual extension CSV: the template's columns, header matching and row parsing.
//!
//! Shared by `vext csv check`, the upload's Validate and the import, so that all give the same
//! verdict for the same file. Reading is streaming: one record at a time.

mod reader;
mod schema;
#[cfg(test)]
mod tests;

pub use reader::{CsvReader, Limits, RowShapeError, ERROR_COLUMN};
pub use schema::{template, Action, Column, CsvRow, FileError, NamedScope, RowChange, TEMPLATE_FILE_NAME};

/// A cell made safe for a spreadsheet to open: text starting with `=`, `+`, `-`, `@`, TAB or CR
/// would run as a formula, so it gets a leading apostrophe (which spreadsheets hide as a text
/// marker). Text that already starts with an apostrophe gets one more, so that vext's reader,
/// which takes one marker off again, gives back exactly the value written.
pub fn inert_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}
