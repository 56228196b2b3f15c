//! The virtual extension CSV: the template's columns, header matching and row parsing.
//!
//! Shared by `vext csv check`, the upload's Validate and the import, so that all give the same
//! verdict for the same file. Reading is streaming: one record at a time.

mod reader;
mod schema;
#[cfg(test)]
mod tests;

pub use reader::{CsvReader, RowShapeError};
pub use schema::{template, Action, Column, CsvRow, FileError, NamedScope, RowChange, TEMPLATE_FILE_NAME};
