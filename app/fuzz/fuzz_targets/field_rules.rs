//! Any string through every field rule: no panic, and what is accepted is a fixed point.
#![no_main]

use app::model::{DisplayName, E164Number, Extension, Level, PersonName, PersonNameKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(name) = DisplayName::parse(raw) {
        assert_eq!(DisplayName::parse(name.as_str()), Ok(name.clone()));
        assert!((1..=60).contains(&name.as_str().chars().count()));
    }
    if let Ok(Some(name)) = PersonName::parse(raw, PersonNameKind::First) {
        assert_eq!(PersonName::parse(name.as_str(), PersonNameKind::First), Ok(Some(name.clone())));
    }
    if let Ok(number) = E164Number::parse(raw) {
        let s = number.as_str();
        assert!(s.starts_with('+') && s.len() <= 16 && s[1..].bytes().all(|b| b.is_ascii_digit()));
    }
    let _ = E164Number::parse_syntax(raw);
    let _ = Extension::parse(raw);
    let _ = Level::parse(raw);
});
