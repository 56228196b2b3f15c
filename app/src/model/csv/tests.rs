//! The CSV format as spreadsheets produce it.

use super::*;
use crate::model::PersonNameKind;
use crate::model::{DisplayName, ErrorCode, Extension, PersonName, VirtualExtensionMode};
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
    assert_eq!(errors.iter().map(|e| e.code).collect::<Vec<_>>(), [ErrorCode::DisplayNameInvalidCharacter]);
}

#[test]
fn rows_count_like_a_spreadsheet_even_with_multiline_cells() {
    let text = format!(
        "{HEADER}\n,Organization,,,,\"two\nlines\",+12015550123,4001\n,Organization,,,,X,+12015550124,4002\n"
    );
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
    assert_eq!(bad.validate(VirtualExtensionMode::Standard).unwrap_err()[0].code, ErrorCode::ActionInvalid);
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

    /// What the rules accept survives a trip through a CSV file as an export writes it (names
    /// made inert) unchanged.
    #[test]
    fn accepted_values_round_trip_through_csv(display in "['=+@-]?\\PC{1,60}", first in "['=+@-]?\\PC{0,20}", ext in "[0-9]{2,10}") {
        let Ok(display) = DisplayName::parse(&display) else { return Ok(()) };
        let Ok(first) = PersonName::parse(&first, PersonNameKind::First) else { return Ok(()) };
        let first = first.map(PersonName::into_inner).unwrap_or_default();
        let bytes = write_row(&super::inert_cell(display.as_str()), &super::inert_cell(&first), "+12015550123", &ext);
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

#[test]
fn cells_that_would_run_as_formulas_are_made_inert() {
    use super::inert_cell;
    for risky in ["=1+2", "+12015550123", "-3", "@SUM(A1)", "\tx", "\rx"] {
        assert_eq!(inert_cell(risky), format!("'{risky}"), "{risky:?}");
    }
    for plain in ["Ann Lee", "4001", "", "a=b", "O'Brien"] {
        assert_eq!(inert_cell(plain), plain);
    }
    // A leading apostrophe gets another, so that the reader's taking one off restores it.
    assert_eq!(inert_cell("'Ohana"), "''Ohana");
}

#[test]
fn the_public_template_file_is_the_template() {
    let file = include_str!("../../../../public/virtual-extension-template.csv");
    assert_eq!(file, template());
}

#[test]
fn limits_refuse_files_too_large_or_too_long() {
    let mut text = format!("{HEADER}\n");
    for i in 0..5 {
        text.push_str(&format!("ADD,Organization,,,,Desk {i},+1201555010{i},400{i}\n"));
    }
    // Blank lines do not count as rows.
    text.push_str("\n\n");
    let rows = |limits: Limits| -> Result<usize, FileError> {
        let mut reader = CsvReader::with_limits(text.as_bytes(), limits)?;
        let mut n = 0;
        while reader.next_row()?.is_some() {
            n += 1;
        }
        Ok(n)
    };
    assert_eq!(rows(Limits { max_bytes: 10_000, max_rows: 5 }), Ok(5));
    let long = rows(Limits { max_bytes: 10_000, max_rows: 4 }).unwrap_err();
    assert_eq!(long.code, ErrorCode::FileTooManyRows);
    assert!(long.message.contains("more than 4 rows"), "{}", long.message);
    let large = rows(Limits { max_bytes: 100, max_rows: 100 }).unwrap_err();
    assert_eq!(large.code, ErrorCode::FileTooLarge);
    assert!(large.message.contains("100 bytes"), "{}", large.message);
    assert_eq!(rows(Limits { max_bytes: text.len() as u64, max_rows: 5 }), Ok(5));
    assert!(Limits::default().too_large().message.contains("10 MiB"));
}

#[test]
fn an_error_column_from_the_errors_download_is_ignored() {
    let text =
        format!("{HEADER},Error\r\nADD,Organization,,,,Desk,+12015550100,4001,\"Extension: in use\"\r\n");
    let mut reader = CsvReader::new(text.as_bytes()).unwrap();
    assert_eq!(reader.header().last().map(String::as_str), Some("Error"));
    let row = reader.next_row().unwrap().unwrap().unwrap();
    assert_eq!((row.display_name.as_str(), row.extension.as_str()), ("Desk", "4001"));
    assert_eq!(reader.raw_cells().last().map(String::as_str), Some("Extension: in use"));
    // Any other unknown column is still refused.
    let other = format!("{HEADER},Notes\r\n");
    assert_eq!(file_code(other.as_bytes()), ErrorCode::HeaderUnknownColumn);
}
