//! Any bytes as a CSV upload: reading and validating never panics, and every accepted row is
//! accepted again after its values are written back.
#![no_main]

use app::model::csv::{CsvReader, RowChange};
use app::model::VirtualExtensionMode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = CsvReader::new(data) else { return };
    for _ in 0..10_000 {
        let Ok(Some(row)) = reader.next_row() else { return };
        let Ok(row) = row else { continue };
        for mode in [VirtualExtensionMode::Standard, VirtualExtensionMode::Enhanced] {
            if let Ok(RowChange::Upsert { display_name, phone_number, extension, .. }) = row.validate(mode) {
                assert_eq!(app::model::DisplayName::parse(display_name.as_str()).as_ref(), Ok(&display_name));
                assert_eq!(app::model::E164Number::parse_for(phone_number.as_str(), mode).as_ref(), Ok(&phone_number));
                assert_eq!(app::model::Extension::parse(extension.as_str()).as_ref(), Ok(&extension));
            }
        }
    }
});
