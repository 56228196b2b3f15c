use super::*;
use crate::model::range::RangePattern;
use proptest::prelude::*;

fn us() -> NationalDialing {
    NationalDialing {
        country: "US".into(),
        country_code: 1,
        trunk_prefix: Some("1".into()),
        international_prefix: Some("011".into()),
    }
}

fn national(country: &str, code: u16) -> NationalDialing {
    NationalDialing {
        country: country.into(),
        country_code: code,
        trunk_prefix: Some("0".into()),
        international_prefix: Some("00".into()),
    }
}

fn location(
    id: &str,
    name: &str,
    prefix: Option<&str>,
    outside: Option<char>,
    national: Option<NationalDialing>,
) -> PlanLocation {
    PlanLocation {
        id: id.into(),
        name: name.into(),
        routing_prefix: prefix.map(str::to_string),
        outside_dial_digit: outside,
        national,
    }
}

fn entry(id: &str, at: Option<&str>, extension: &str, name: &str, number: &str) -> PlanEntry {
    PlanEntry {
        id: id.into(),
        location_id: at.map(str::to_string),
        first_name: None,
        last_name: None,
        display_name: name.into(),
        extension: extension.into(),
        phone_number: number.into(),
    }
}

fn range(id: &str, at: Option<&str>, prefix: &str, patterns: &[&str]) -> PlanRange {
    PlanRange {
        id: id.into(),
        name: format!("Range {id}"),
        location_id: at.map(str::to_string),
        prefix: prefix.into(),
        patterns: patterns.iter().map(|p| RangePattern::parse(p).expect("pattern")).collect(),
    }
}

/// Dallas (8214, outside 9, US), London (8442, outside 9, GB), Berlin (no prefix, DE),
/// Nowhere (83, no country).
fn data(mode: VirtualExtensionMode) -> DialPlanData {
    DialPlanData {
        mode,
        locations: vec![
            location("dal", "Dallas", Some("8214"), Some('9'), Some(us())),
            location("lon", "London", Some("8442"), Some('9'), Some(national("GB", 44))),
            location("ber", "Berlin", None, None, Some(national("DE", 49))),
            location("now", "Nowhere", Some("83"), None, None),
        ],
        entries: vec![
            entry("org-alice", None, "2000", "Alice Org", "+12145550100"),
            entry("dal-shadow", Some("dal"), "2000", "Dallas Shadow", "+12145550101"),
            entry("dal-nine", Some("dal"), "9123", "Nine", "+12145550102"),
            entry("lon-ann", Some("lon"), "3000", "London Ann", "+442079460018"),
            entry("ber-bob", Some("ber"), "4000", "Berlin Bob", "+4930123456"),
            entry("org-only", None, "5000", "Only Org", "+12145550103"),
        ],
        ranges: vec![
            range("org-sales", None, "+1214555", &["12XX", "567X"]),
            range("dal-range", Some("dal"), "+1972555", &["12XX", "7XXX"]),
            range("lon-range", Some("lon"), "+4420794", &["30XX"]),
        ],
    }
}

fn plan() -> DialPlan {
    DialPlan::new(data(VirtualExtensionMode::Standard))
}

/// (from, dialed) → (destination, number called, entry or range id).
fn check(plan: &DialPlan, from: Option<&str>, dialed: &str, expected: (DestinationType, &str, &str)) {
    let route = plan.route(from, dialed);
    let matched =
        route.entry.map(|e| e.id.as_str()).or(route.range.map(|(r, _)| r.id.as_str())).unwrap_or("");
    let got = (route.destination, route.routing_address.as_deref().unwrap_or(""), matched);
    assert_eq!(got, expected, "{dialed:?} from {from:?}: steps {:?}", route.steps);
    // Every step can be said in words.
    let report = plan.route_report(from, dialed);
    assert_eq!(report.steps.len(), route.steps.len());
    assert!(report.steps.iter().all(|s| !s.is_empty()), "{report:?}");
    assert_eq!(report.is_rejected, route.destination.is_rejected());
}

use DestinationType::*;

#[test]
fn extensions_location_beats_organization() {
    let plan = plan();
    check(&plan, Some("dal"), "2000", (VirtualExtension, "+12145550101", "dal-shadow"));
    check(&plan, Some("lon"), "2000", (VirtualExtension, "+12145550100", "org-alice"));
    check(&plan, None, "2000", (VirtualExtension, "+12145550100", "org-alice"));
    check(&plan, Some("ber"), "5000", (VirtualExtension, "+12145550103", "org-only"));
    // A location-level extension is not dialable as such from elsewhere.
    check(&plan, Some("ber"), "3000", (UnknownExtension, "", ""));
    check(&plan, None, "4000", (UnknownExtension, "", ""));
    let steps = plan.route(Some("dal"), "2000").steps;
    assert_eq!(steps, [Step::Extension { at: Some(0), found: true }]);
    let steps = plan.route(Some("lon"), "2000").steps;
    assert_eq!(
        steps,
        [Step::Extension { at: Some(1), found: false }, Step::Extension { at: None, found: true }]
    );
}

#[test]
fn esns_from_every_other_location_and_the_callers_own() {
    let plan = plan();
    for from in [None, Some("dal"), Some("lon"), Some("ber"), Some("now")] {
        check(&plan, from, "82142000", (VirtualExtension, "+12145550101", "dal-shadow"));
        check(&plan, from, "8214 9123", (VirtualExtension, "+12145550102", "dal-nine"));
        check(&plan, from, "84423000", (VirtualExtension, "+442079460018", "lon-ann"));
        // A prefix with no such extension behind it.
        check(&plan, from, "84429999", (UnknownExtension, "", ""));
    }
    // Berlin has no routing prefix: its entries have no ESN.
    check(&plan, Some("dal"), "4000", (UnknownExtension, "", ""));
    let steps = plan.route(Some("lon"), "84429999").steps;
    assert!(steps.contains(&Step::Esn { location: 1, extension: "9999".into(), found: false }), "{steps:?}");
}

#[test]
fn ranges_location_then_organization_and_entries_first() {
    let plan = plan();
    check(&plan, Some("dal"), "1234", (VirtualExtensionRange, "+19725551234", "dal-range"));
    check(&plan, Some("lon"), "1234", (VirtualExtensionRange, "+12145551234", "org-sales"));
    check(&plan, None, "1299", (VirtualExtensionRange, "+12145551299", "org-sales"));
    check(&plan, Some("ber"), "5679", (VirtualExtensionRange, "+12145555679", "org-sales"));
    check(&plan, Some("dal"), "7001", (VirtualExtensionRange, "+19725557001", "dal-range"));
    check(&plan, Some("lon"), "7001", (UnknownExtension, "", ""));
    // Another location's range through its ESN; the range's number, with the digits after the prefix.
    check(&plan, Some("lon"), "82147001", (VirtualExtensionRange, "+19725557001", "dal-range"));
    check(&plan, Some("lon"), "84423001", (VirtualExtensionRange, "+44207943001", "lon-range"));
    // An individual virtual extension beats the range that covers it.
    check(&plan, Some("lon"), "3000", (VirtualExtension, "+442079460018", "lon-ann"));
    check(&plan, Some("lon"), "3001", (VirtualExtensionRange, "+44207943001", "lon-range"));
    // Same leading digits, other lengths: no match.
    check(&plan, Some("lon"), "123", (UnknownExtension, "", ""));
    check(&plan, Some("lon"), "12345", (UnknownExtension, "", ""));
    let report = plan.route_report(Some("dal"), "1234");
    let matched = report.range.expect("range");
    assert_eq!((matched.pattern.as_str(), matched.location_name.as_deref()), ("12XX", Some("Dallas")));
}

#[test]
fn ranges_of_every_length_the_most_specific_pattern_first() {
    let mut data = data(VirtualExtensionMode::Standard);
    data.ranges = (2..=10)
        .map(|len| {
            let pattern = format!("1{}", "X".repeat(len - 1));
            range(&format!("r{len}"), None, &format!("+4930{len}"), &[&pattern])
        })
        .collect();
    // Two ranges that overlap (the rules refuse it; a snapshot still answers): the narrower wins.
    data.ranges.push(range("narrow", None, "+4940", &["12XXX"]));
    let plan = DialPlan::new(data);
    for len in 2..=10 {
        let dialed = format!("1{}", "7".repeat(len - 1));
        check(
            &plan,
            Some("ber"),
            &dialed,
            (VirtualExtensionRange, &format!("+4930{len}{dialed}"), &format!("r{len}")),
        );
    }
    check(&plan, Some("ber"), "12345", (VirtualExtensionRange, "+494012345", "narrow"));
    check(&plan, Some("ber"), "13345", (VirtualExtensionRange, "+4930513345", "r5"));
    // Entries still come first, at every length.
    check(&plan, Some("ber"), "4000", (VirtualExtension, "+4930123456", "ber-bob"));
}

#[test]
fn outside_dial_digit_against_extensions_that_start_with_it() {
    let plan = plan();
    // Four digits: an extension, never an outside call.
    check(&plan, Some("dal"), "9123", (VirtualExtension, "+12145550102", "dal-nine"));
    // 9 + a national number (with and without the trunk prefix 1).
    check(&plan, Some("dal"), "912145550199", (PstnNumber, "+12145550199", ""));
    check(&plan, Some("dal"), "9 214-555-0199", (PstnNumber, "+12145550199", ""));
    // 9 + the international prefix.
    check(&plan, Some("dal"), "9011442079460999", (PstnNumber, "+442079460999", ""));
    check(&plan, Some("lon"), "902079460999", (PstnNumber, "+442079460999", ""));
    // Dialing an entry's own number goes out to the PSTN, to that number.
    check(&plan, Some("lon"), "9004930123456", (PstnNumber, "+4930123456", ""));
    let steps = plan.route(Some("dal"), "912145550199").steps;
    assert_eq!(steps[0], Step::OutsideDialDigit('9'));
    // Berlin has no outside dial digit: a long number is national as dialed.
    check(&plan, Some("ber"), "0301234567890", (PstnNumber, "+49301234567890", ""));
}

#[test]
fn national_numbers_per_country() {
    let plan = plan();
    check(&plan, Some("dal"), "12145550199", (PstnNumber, "+12145550199", ""));
    check(&plan, Some("lon"), "02079460999", (PstnNumber, "+442079460999", ""));
    check(&plan, Some("ber"), "00442079460999", (PstnNumber, "+442079460999", ""));
    // Ten digits or fewer are extensions unless the outside dial digit says otherwise.
    check(&plan, Some("dal"), "2145550199", (UnknownExtension, "", ""));
    // No country: a national number cannot be read.
    check(&plan, Some("now"), "12145550199", (UnknownNumber, "", ""));
    check(&plan, None, "12145550199", (UnknownNumber, "", ""));
    // Too long for E.164 once the country code is added.
    check(&plan, Some("ber"), "0123456789012345", (UnknownNumber, "", ""));
    assert_eq!(plan.route(Some("now"), "12145550199").steps.last(), Some(&Step::NoCountry));
}

#[test]
fn plus_numbers_and_what_is_not_a_number() {
    let plan = plan();
    check(&plan, Some("ber"), "+442079460999", (PstnNumber, "+442079460999", ""));
    check(&plan, None, " +1 (214) 555-0199 ", (PstnNumber, "+12145550199", ""));
    check(&plan, None, "tel:+12145550199", (PstnNumber, "+12145550199", ""));
    for bad in ["+0123", "+1234567890123456", "++12145550100", "12ab", "", "*67", "2000#", "+"] {
        check(&plan, Some("dal"), bad, (UnknownNumber, "", ""));
    }
    check(&plan, Some("dal"), "7", (UnknownNumber, "", ""));
    assert_eq!(plan.route(None, "12ab").steps, [Step::NotANumber]);
}

#[test]
fn an_unknown_calling_location_is_the_organization() {
    let plan = plan();
    check(&plan, Some("nope"), "2000", (VirtualExtension, "+12145550100", "org-alice"));
}

#[test]
fn enhanced_mode_signals_the_extension_and_takes_provider_prefixes() {
    let standard = plan();
    assert_eq!(standard.route(Some("dal"), "2000").signalled_extension, None);
    assert_eq!(standard.route(Some("dal"), "1234").signalled_extension, None);
    let mut data = data(VirtualExtensionMode::Enhanced);
    data.ranges.push(range("provider", Some("ber"), "5551", &["6XX"]));
    let enhanced = DialPlan::new(data);
    let route = enhanced.route(Some("dal"), "2000");
    assert_eq!(
        (route.routing_address.as_deref(), route.signalled_extension.as_deref()),
        (Some("+12145550101"), Some("2000"))
    );
    // Through an ESN the signalled extension is the extension, not the ESN.
    assert_eq!(enhanced.route(Some("lon"), "82142000").signalled_extension.as_deref(), Some("2000"));
    assert_eq!(enhanced.route(Some("dal"), "1234").signalled_extension.as_deref(), Some("1234"));
    check(&enhanced, Some("ber"), "612", (VirtualExtensionRange, "5551612", "provider"));
    // PSTN and unknown answers carry none.
    assert_eq!(enhanced.route(Some("dal"), "912145550199").signalled_extension, None);
    assert_eq!(enhanced.route(Some("dal"), "4444").signalled_extension, None);
}

/// (calling, to) → (name, number shown, shown as).
fn shows(plan: &DialPlan, calling: &str, to: Option<&str>) -> Option<(String, String, ShownAs)> {
    plan.caller_id(calling, to).map(|c| (c.name.to_string(), c.number, c.shown_as))
}

fn shown(name: &str, number: &str, as_: ShownAs) -> Option<(String, String, ShownAs)> {
    Some((name.into(), number.into(), as_))
}

#[test]
fn caller_id_shows_extension_esn_or_number() {
    let plan = plan();
    use ShownAs::*;
    assert_eq!(shows(&plan, "+12145550101", Some("dal")), shown("Dallas Shadow", "2000", Extension));
    assert_eq!(shows(&plan, "+12145550101", Some("lon")), shown("Dallas Shadow", "82142000", Esn));
    assert_eq!(shows(&plan, "+12145550101", None), shown("Dallas Shadow", "82142000", Esn));
    // No routing prefix at Berlin: callers elsewhere get Bob's own number.
    assert_eq!(shows(&plan, "+4930123456", Some("dal")), shown("Berlin Bob", "+4930123456", PhoneNumber));
    assert_eq!(shows(&plan, "+4930123456", Some("ber")), shown("Berlin Bob", "4000", Extension));
    // Organization level: the extension, except where a location entry shadows it.
    assert_eq!(shows(&plan, "+12145550100", Some("lon")), shown("Alice Org", "2000", Extension));
    assert_eq!(shows(&plan, "+12145550100", None), shown("Alice Org", "2000", Extension));
    assert_eq!(shows(&plan, "+12145550100", Some("dal")), shown("Alice Org", "+12145550100", PhoneNumber));
    assert_eq!(shows(&plan, "+19995550100", Some("dal")), None);
    assert_eq!(shows(&plan, "not a number", Some("dal")), None);
}

#[test]
fn caller_id_reads_common_spellings() {
    let plan = plan();
    use ShownAs::*;
    let ann = shown("London Ann", "3000", Extension);
    for spelling in [
        "+442079460018",
        "442079460018",
        "02079460018",
        "020 7946 0018",
        "0044 20 7946 0018",
        "tel:+442079460018",
    ] {
        assert_eq!(shows(&plan, spelling, Some("lon")), ann, "{spelling}");
    }
    let shadow = shown("Dallas Shadow", "2000", Extension);
    for spelling in ["2145550101", "12145550101", "+1 214-555-0101", "(214) 555-0101", "01112145550101"] {
        assert_eq!(shows(&plan, spelling, Some("dal")), shadow, "{spelling}");
    }
    // National spellings follow the callee's country: Berlin reads 0207… as a German number.
    assert_eq!(shows(&plan, "02079460018", Some("ber")), None);
    assert_eq!(shows(&plan, "00442079460018", Some("ber")), shown("London Ann", "84423000", Esn));
    let report = plan.caller_id_report("02079460018", Some("lon"));
    assert_eq!((report.found, report.calling_number.as_str()), (true, "+442079460018"));
    assert!(report.explanation.contains("London Ann"), "{}", report.explanation);
    assert!(!plan.caller_id_report("+19995550100", Some("lon")).found);
}

#[test]
fn enhanced_caller_id_names_numbers_inside_ranges() {
    use ShownAs::*;
    // Standard: a range number is nobody.
    assert_eq!(shows(&plan(), "+19725551234", Some("dal")), None);
    let mut data = data(VirtualExtensionMode::Enhanced);
    data.ranges.push(range("provider", Some("ber"), "5551", &["6XX"]));
    let enhanced = DialPlan::new(data);
    assert_eq!(shows(&enhanced, "+19725551234", Some("dal")), shown("Range dal-range", "1234", Extension));
    assert_eq!(shows(&enhanced, "19725551234", Some("dal")), shown("Range dal-range", "1234", Extension));
    assert_eq!(shows(&enhanced, "+19725551234", Some("lon")), shown("Range dal-range", "82141234", Esn));
    assert_eq!(shows(&enhanced, "+12145551234", Some("lon")), shown("Range org-sales", "1234", Extension));
    // At Dallas, 1234 reaches Dallas's own range: the organization's number shows in full.
    assert_eq!(
        shows(&enhanced, "+12145551234", Some("dal")),
        shown("Range org-sales", "+12145551234", PhoneNumber)
    );
    assert_eq!(shows(&enhanced, "5551612", Some("ber")), shown("Range provider", "612", Extension));
    // Entries still win.
    assert_eq!(shows(&enhanced, "+12145550101", Some("dal")), shown("Dallas Shadow", "2000", Extension));
    // Not a pattern's length: nobody.
    assert_eq!(shows(&enhanced, "+197255512345", Some("dal")), None);
}

#[test]
fn digits_keys_tell_leading_zeros_apart() {
    assert_ne!(digits_key("012"), digits_key("12"));
    assert_eq!(digits_key("12"), digits_key("12"));
    assert_eq!(digits_key(""), None);
    assert_eq!(digits_key("12a"), None);
    assert!(digits_key("99999999999999999").is_some());
    assert_eq!(digits_key("999999999999999999"), None);
}

/// A random directory: five locations with prefixes 81–85 (so an ESN starts with 8) and
/// entries whose extensions start with 1–7 (so no extension is another location's ESN).
fn directory(picks: Vec<(u8, u32)>) -> DialPlanData {
    let countries = [("US", 1), ("GB", 44), ("DE", 49), ("FR", 33), ("JP", 81)];
    let locations = (0..5)
        .map(|i| {
            let (country, code) = countries[i];
            location(
                &format!("L{i}"),
                &format!("Location {i}"),
                Some(&format!("8{}", i + 1)),
                Some('9'),
                Some(national(country, code)),
            )
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let entries = picks
        .into_iter()
        .enumerate()
        .filter_map(|(n, (at, ext))| {
            let at = (at % 6).checked_sub(1).map(|i| format!("L{i}"));
            let ext = (ext % 7 + 1).to_string() + &(ext / 7).to_string();
            let ext = ext[..ext.len().min(10)].to_string();
            seen.insert((at.clone(), ext.clone())).then(|| {
                entry(
                    &format!("e{n}"),
                    at.as_deref(),
                    &ext,
                    &format!("Person {n}"),
                    &format!("+1214{:07}", 1_000_000 + n),
                )
            })
        })
        .collect();
    DialPlanData { mode: VirtualExtensionMode::Standard, locations, entries, ranges: vec![] }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn every_entry_is_reached_and_named(picks in proptest::collection::vec((0u8..6, 0u32..2_000_000), 1_000)) {
        let data = directory(picks);
        let plan = DialPlan::new(data.clone());
        let froms: Vec<Option<String>> = std::iter::once(None).chain((0..5).map(|i| Some(format!("L{i}")))).collect();
        for e in &data.entries {
            match &e.location_id {
                Some(home) => {
                    let route = plan.route(Some(home), &e.extension);
                    prop_assert_eq!(route.entry.map(|x| &x.id), Some(&e.id));
                    let prefix = plan.location(home).and_then(|l| l.routing_prefix.clone()).unwrap();
                    for from in &froms {
                        let route = plan.route(from.as_deref(), &format!("{prefix}{}", e.extension));
                        prop_assert_eq!(route.entry.map(|x| &x.id), Some(&e.id));
                    }
                }
                None => {
                    let route = plan.route(None, &e.extension);
                    prop_assert_eq!(route.entry.map(|x| &x.id), Some(&e.id));
                }
            }
            let direct = plan.route(Some("L0"), &e.phone_number).routing_address;
            prop_assert_eq!(direct.as_deref(), Some(e.phone_number.as_str()));
            for from in &froms {
                let shown = plan.caller_id(&e.phone_number, from.as_deref());
                prop_assert!(shown.is_some(), "{} unknown at {:?}", e.phone_number, from);
                let shown = shown.unwrap();
                prop_assert_eq!(shown.name, e.display_name.as_str());
                // What the phone shows calls the caller back.
                let back = plan.route(from.as_deref(), &shown.number);
                let reached = back.entry.map(|x| x.id.clone());
                let called = back.routing_address.clone();
                prop_assert!(reached.as_ref() == Some(&e.id) || called.as_deref() == Some(e.phone_number.as_str()),
                    "{} shown as {} at {:?} calls {:?}", e.phone_number, shown.number, from, back);
            }
        }
    }

    #[test]
    fn route_and_caller_id_never_panic(dialed in "\\PC{0,24}", from in 0u8..7) {
        let plan = plan();
        let from = ["dal", "lon", "ber", "now", "nope"].get(from as usize).copied();
        let report = plan.route_report(from, &dialed);
        prop_assert_eq!(report.routing_address.is_empty(), report.is_rejected);
        let _ = plan.caller_id_report(&dialed, from);
    }
}

#[test]
fn directories_list_each_entry_as_a_location_dials_it() {
    let plan = plan();
    let entry = |id: &str| plan.data().entries.iter().find(|e| e.id == id).expect("entry");
    let cases = [
        (Some("dal"), "dal-shadow", "2000", ShownAs::Extension),
        // Shadowed at Dallas by Dallas's own 2000, and an organization entry has no ESN.
        (Some("dal"), "org-alice", "+12145550100", ShownAs::PhoneNumber),
        (Some("lon"), "org-alice", "2000", ShownAs::Extension),
        (Some("lon"), "dal-shadow", "82142000", ShownAs::Esn),
        (None, "lon-ann", "84423000", ShownAs::Esn),
        // Berlin has no routing prefix: from elsewhere only its number reaches Bob.
        (Some("dal"), "ber-bob", "+4930123456", ShownAs::PhoneNumber),
        (Some("ber"), "ber-bob", "4000", ShownAs::Extension),
    ];
    for (from, id, number, shown_as) in cases {
        assert_eq!(plan.dialed_from(from, entry(id)), (number.to_string(), shown_as), "{id} from {from:?}");
    }
    // Caller ID shows what the directory lists, for every entry at every location.
    for from in [None, Some("dal"), Some("lon"), Some("ber"), Some("now")] {
        for e in &plan.data().entries {
            let shown = plan.caller_id(&e.phone_number, from).expect("caller ID");
            assert_eq!((shown.number, shown.shown_as), plan.dialed_from(from, e), "{} at {from:?}", e.id);
        }
    }
}

#[test]
fn locations_are_found_by_id_or_by_name_in_any_case() {
    let plan = plan();
    let found = |key: &str| plan.find_location(key).map(|l| l.id.as_str());
    assert_eq!(found("dal"), Some("dal"));
    assert_eq!(found("Dallas"), Some("dal"));
    assert_eq!(found("DALLAS"), Some("dal"));
    assert_eq!(found(" london "), Some("lon"));
    assert_eq!(found("Paris"), None);
    assert_eq!(found(""), None);
}
