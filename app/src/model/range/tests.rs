use super::*;
use crate::model::VirtualExtensionMode::{Enhanced, Standard};
use proptest::prelude::*;

fn code(result: Result<RangePattern, FieldError>) -> ErrorCode {
    result.expect_err("refused").code
}

#[test]
fn patterns_are_digits_then_x_on_the_right() {
    for (typed, stored) in
        [("12XX", "12XX"), ("998001X", "998001X"), (" 1x ", "1X"), ("1XXXXXXXXX", "1XXXXXXXXX")]
    {
        assert_eq!(RangePattern::parse(typed).map(|p| p.to_string()), Ok(stored.to_string()), "{typed}");
    }
    for bad in ["1X2X", "XX12", "XXXX", "1234", "", "1", "X", "12345678901X", "12-X", "١٢XX", "12Y"] {
        assert_eq!(code(RangePattern::parse(bad)), ErrorCode::PatternInvalid, "{bad:?}");
    }
    // The message says how to fix it.
    let message = RangePattern::parse("1X2X").unwrap_err().message;
    assert!(message.contains("12XX"), "{message}");
    assert!(RangePattern::parse("XXXX").unwrap_err().message.contains("1XXX"));
}

#[test]
fn a_pattern_matches_same_length_same_leading_digits() {
    let p = RangePattern::parse("12XX").unwrap();
    assert!(p.matches("1234") && p.matches("1200"));
    assert!(!p.matches("123") && !p.matches("12345") && !p.matches("1334") && !p.matches("12a4"));
    let overlaps =
        |a: &str, b: &str| RangePattern::parse(a).unwrap().overlaps(&RangePattern::parse(b).unwrap());
    assert!(overlaps("12XX", "123X") && overlaps("123X", "12XX") && overlaps("12XX", "12XX"));
    assert!(!overlaps("12XX", "13XX") && !overlaps("12XX", "12XXX") && !overlaps("123X", "124X"));
}

#[test]
fn prefixes_by_mode() {
    assert_eq!(parse_range_prefix(" +1214555 ", Standard), Ok("+1214555".into()));
    assert_eq!(parse_range_prefix("", Standard).unwrap_err().code, ErrorCode::PrefixRequired);
    for bad in ["1214555", "+", "+12a", "+0123", "++1214"] {
        assert_eq!(parse_range_prefix(bad, Standard).unwrap_err().code, ErrorCode::PrefixInvalid, "{bad}");
    }
    // Enhanced: provider numbers without + (a leading 0 too).
    assert_eq!(parse_range_prefix("5551", Enhanced), Ok("5551".into()));
    assert_eq!(parse_range_prefix("0555", Enhanced), Ok("0555".into()));
    assert_eq!(parse_range_prefix("+1214", Enhanced), Ok("+1214".into()));
    assert_eq!(parse_range_prefix("55a", Enhanced).unwrap_err().code, ErrorCode::PrefixInvalid);
    // Room must be left for a pattern of two characters.
    assert!(parse_range_prefix(&format!("+{}", "1".repeat(14)), Standard).is_ok());
    assert_eq!(
        parse_range_prefix(&format!("+{}", "1".repeat(15)), Standard).unwrap_err().code,
        ErrorCode::RangeNumberTooLong
    );
}

fn input(prefix: &str, patterns: &[&str]) -> RangeInput {
    RangeInput {
        name: "Sales".into(),
        prefix: prefix.into(),
        patterns: patterns.iter().map(|p| p.to_string()).collect(),
        location: String::new(),
    }
}

fn fault_codes(faults: &[RangeFault]) -> Vec<(String, ErrorCode)> {
    faults
        .iter()
        .map(|f| {
            let item = match &f.item {
                RangeItem::Name(v)
                | RangeItem::Prefix(v)
                | RangeItem::Pattern(v)
                | RangeItem::Location(v) => v,
            };
            (item.clone(), f.error.code)
        })
        .collect()
}

#[test]
fn the_list_is_checked_item_by_item() {
    let ok = input("+1214555", &["12XX", "13xx"]).validate(Standard).unwrap();
    assert_eq!(ok.patterns.iter().map(|p| p.as_str()).collect::<Vec<_>>(), ["12XX", "13XX"]);
    assert_eq!(ok.location_id, None);

    let bad = input("+1214555", &["12XX", "12XX", "123X", "1X2X", "14XX"]).validate(Standard).unwrap_err();
    assert_eq!(
        fault_codes(&bad.errors),
        [
            ("12XX".into(), ErrorCode::PatternDuplicateInList),
            ("123X".into(), ErrorCode::PatternDuplicateInList),
            ("1X2X".into(), ErrorCode::PatternInvalid),
        ]
    );
    // Prefix digits and pattern together: at most 16.
    let long = input("+12345678901", &["123XX", "1234XX"]).validate(Standard).unwrap_err();
    assert_eq!(fault_codes(&long.errors), [("1234XX".into(), ErrorCode::RangeNumberTooLong)]);
    // Name and prefix faults are reported with the pattern faults, all at once.
    let mut all = input("1214", &["1X2X"]);
    all.name = " ".into();
    let codes: Vec<ErrorCode> =
        all.validate(Standard).unwrap_err().errors.iter().map(|f| f.error.code).collect();
    assert_eq!(codes, [ErrorCode::NameRequired, ErrorCode::PrefixInvalid, ErrorCode::PatternInvalid]);
    // An empty list is a range with nothing in it yet.
    assert!(input("+1214555", &[]).validate(Standard).is_ok());
}

#[test]
fn at_most_one_hundred_patterns() {
    let patterns: Vec<String> = (0..101).map(|i| format!("{:03}X", 100 + i)).collect();
    let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
    assert!(input("+1214555", &refs[..100]).validate(Standard).is_ok());
    let over = input("+1214555", &refs).validate(Standard).unwrap_err();
    assert_eq!(
        over.errors.iter().map(|f| f.error.code).collect::<Vec<_>>(),
        [ErrorCode::PatternLimitExceeded]
    );
    assert!(over.errors[0].error.message.contains("101"), "{}", over.errors[0].error.message);
}

fn neighbours() -> RangeNeighbours {
    let patterns = |list: &[&str]| list.iter().map(|p| RangePattern::parse(p).unwrap()).collect();
    RangeNeighbours {
        place: "at organization level".into(),
        ranges: vec![("r1".into(), "Support".into(), patterns(&["5XXX", "61XX"]))],
        names: vec![("r1".into(), "Support".into()), ("r2".into(), "Dallas block".into())],
        extensions: vec![("1234".into(), "Ann".into()), ("1299".into(), "Bob".into())],
        esns: vec![("82147001".into(), "Cy".into(), "Dallas".into())],
    }
}

#[test]
fn ranges_are_checked_against_their_scope() {
    let range = |name: &str, patterns: &[&str]| {
        let mut i = input("+1214555", patterns);
        i.name = name.into();
        i.validate(Standard).unwrap()
    };
    let verdict =
        check_range(None, &range("Dallas Block", &["12XX", "613X", "8214XXXX", "7XXX"]), &neighbours());
    assert_eq!(
        fault_codes(&verdict.errors),
        [
            ("Dallas Block".into(), ErrorCode::RangeNameInUse),
            ("613X".into(), ErrorCode::PatternOverlaps),
            ("8214XXXX".into(), ErrorCode::PatternConflictsWithEsn),
        ]
    );
    assert_eq!(fault_codes(&verdict.warnings), [("12XX".into(), ErrorCode::PatternShadowedByExtension)]);
    assert!(
        verdict.warnings[0].error.message.contains("and 1 more"),
        "{}",
        verdict.warnings[0].error.message
    );
    // Names differ only in case: the same name.
    assert!(!check_range(None, &range("SUPPORT", &[]), &neighbours()).is_ok());
    // Editing r1 itself: its own name and patterns are no conflict.
    assert!(check_range(Some("r1"), &range("Support", &["5XXX", "61XX"]), &neighbours()).is_ok());
}

#[test]
fn put_actions_add_remove_replace() {
    let current: Vec<RangePattern> =
        ["12XX", "13XX"].iter().map(|p| RangePattern::parse(p).unwrap()).collect();
    let given = |list: &[&str]| list.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    assert_eq!(PatternAction::Add.apply(&current, &given(&["14XX"])), Ok(given(&["12XX", "13XX", "14XX"])));
    assert_eq!(PatternAction::Replace.apply(&current, &given(&["9XX"])), Ok(given(&["9XX"])));
    assert_eq!(PatternAction::Remove.apply(&current, &given(&["12xx"])), Ok(given(&["13XX"])));
    let missing = PatternAction::Remove.apply(&current, &given(&["77XX"])).unwrap_err();
    assert_eq!(fault_codes(&missing), [("77XX".into(), ErrorCode::PatternNotInRange)]);
    assert_eq!(PatternAction::parse(" add "), Some(PatternAction::Add));
    assert_eq!(PatternAction::parse("MERGE"), None);
}

proptest! {
    #[test]
    fn parsing_never_panics_and_what_is_accepted_round_trips(raw in "\\PC{0,14}") {
        if let Ok(pattern) = RangePattern::parse(&raw) {
            prop_assert_eq!(RangePattern::parse(pattern.as_str()), Ok(pattern.clone()));
            let example: String = pattern.as_str().replace('X', "7");
            prop_assert!(pattern.matches(&example));
        }
    }

    #[test]
    fn overlap_is_exactly_a_common_match(a in "[1-3]{1,2}X{1,2}", b in "[1-3]{1,2}X{1,2}") {
        let (pa, pb) = (RangePattern::parse(&a).unwrap(), RangePattern::parse(&b).unwrap());
        let common = (0..10u32.pow(pa.len() as u32))
            .map(|n| format!("{n:0width$}", width = pa.len()))
            .any(|s| pa.matches(&s) && pb.matches(&s));
        prop_assert_eq!(pa.overlaps(&pb), common);
    }
}
