//! The dial plan and caller ID in memory: builds a snapshot of 100,000 virtual extensions
//! (50 locations, a fifth at organization level) and 1,000 ranges, then times look-ups on one
//! thread: `route` for extensions, ESNs, range numbers, national numbers and unknown
//! extensions, and `caller_id` for entries' numbers in several spellings.
//!
//! Budgets (ARCHITECTURE.md): building ≤ 200 ms; ≥ 1,000,000 look-ups per second on one core.
//! `cargo bench -p app --bench dial_plan` (VEXT_BENCH_ROWS, VEXT_BENCH_RANGES, VEXT_BENCH_RUNS
//! override the sizes).

use app::model::dial_plan::{DialPlan, DialPlanData, NationalDialing, PlanEntry, PlanLocation, PlanRange};
use app::model::range::RangePattern;
use app::model::VirtualExtensionMode;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const LOCATIONS: usize = 50;

fn data(rows: usize, ranges: usize) -> DialPlanData {
    let us = NationalDialing {
        country: "US".into(),
        country_code: 1,
        trunk_prefix: Some("1".into()),
        international_prefix: Some("011".into()),
    };
    let locations = (0..LOCATIONS)
        .map(|i| PlanLocation {
            id: format!("loc-{i:02}"),
            name: format!("Site {i:02}"),
            routing_prefix: Some(format!("8{i:02}")),
            outside_dial_digit: Some('9'),
            national: Some(us.clone()),
        })
        .collect();
    let entries = (0..rows)
        .map(|n| {
            // Every fifth at organization level; extensions 4–6 digits starting 1–7.
            let location_id = (n % 5 != 0).then(|| format!("loc-{:02}", n % LOCATIONS));
            PlanEntry {
                id: format!("e{n}"),
                location_id,
                first_name: Some(format!("First{n}")),
                last_name: Some(format!("Last{n}")),
                display_name: format!("Person {n}"),
                extension: format!("{}{:05}", 1 + n % 7, n / 7),
                phone_number: format!("+1214{:07}", n),
            }
        })
        .collect();
    let ranges = (0..ranges)
        .map(|n| PlanRange {
            id: format!("r{n}"),
            name: format!("Range {n}"),
            location_id: (n % 2 == 0).then(|| format!("loc-{:02}", n % LOCATIONS)),
            prefix: format!("+1972{:03}", n % 1000),
            // Seven-digit patterns starting 7 or 6: disjoint from the entries' six digits.
            patterns: vec![RangePattern::parse(&format!("7{:04}XX", n)).expect("pattern")],
        })
        .collect();
    DialPlanData { mode: VirtualExtensionMode::Standard, locations, entries, ranges }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let rows = env_number("VEXT_BENCH_ROWS", 100_000);
    let ranges = env_number("VEXT_BENCH_RANGES", 1_000);
    let runs = env_number("VEXT_BENCH_RUNS", 5);
    let data = data(rows, ranges);
    println!("dial plan: {rows} entries, {ranges} ranges, {LOCATIONS} locations; median of {runs} runs");

    let builds: Vec<Duration> = (0..runs)
        .map(|_| {
            let copy = data.clone();
            let start = Instant::now();
            black_box(DialPlan::new(copy));
            start.elapsed()
        })
        .collect();
    println!("build snapshot: {:.1} ms (budget 200 ms)", median(builds).as_secs_f64() * 1e3);

    let plan = DialPlan::new(data.clone());
    // What is dialed and by whom: (from, dialed, expected found).
    let mut calls: Vec<(Option<String>, String)> = Vec::new();
    for (i, e) in data.entries.iter().enumerate().step_by(97).take(2_000) {
        let home = e.location_id.clone();
        calls.push((home.clone(), e.extension.clone()));
        if let Some(home) = &home {
            let prefix = format!("8{}", &home[4..]);
            let other = format!("loc-{:02}", (i + 1) % LOCATIONS);
            calls.push((Some(other), format!("{prefix}{}", e.extension)));
        }
    }
    for n in (0..ranges).step_by(7) {
        calls.push((Some(format!("loc-{:02}", n % LOCATIONS)), format!("7{:04}42", n)));
    }
    for n in 0..500 {
        calls.push((Some(format!("loc-{:02}", n % LOCATIONS)), format!("91214555{:04}", n)));
        calls.push((Some(format!("loc-{:02}", n % LOCATIONS)), format!("9{:03}", n)));
    }
    let numbers: Vec<(Option<String>, String)> = data
        .entries
        .iter()
        .step_by(53)
        .take(3_000)
        .enumerate()
        .map(|(i, e)| {
            let to = Some(format!("loc-{:02}", i % LOCATIONS));
            let spelled = match i % 3 {
                0 => e.phone_number.clone(),
                1 => e.phone_number[1..].to_string(),
                _ => e.phone_number[2..].to_string(),
            };
            (to, spelled)
        })
        .collect();
    // Every call routes to what the data says (a wrong answer fast is no answer).
    let found = calls
        .iter()
        .filter(|(from, dialed)| plan.route(from.as_deref(), dialed).routing_address.is_some())
        .count();
    assert!(found * 10 > calls.len() * 8, "{found} of {} calls found a number", calls.len());
    assert!(
        numbers.iter().all(|(to, n)| plan.caller_id(n, to.as_deref()).is_some()),
        "every number is named"
    );

    let window = Duration::from_millis(600);
    let rate = |work: &dyn Fn() -> usize| {
        let mut rates = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (start, mut done) = (Instant::now(), 0usize);
            while start.elapsed() < window {
                done += work();
            }
            rates.push(done as f64 / start.elapsed().as_secs_f64());
        }
        rates.sort_by(|a, b| a.total_cmp(b));
        rates[rates.len() / 2]
    };
    let routes = rate(&|| {
        for (from, dialed) in &calls {
            black_box(plan.route(from.as_deref(), dialed));
        }
        calls.len()
    });
    println!("route: {:.2} M look-ups/s ({} kinds of call; budget 1 M/s)", routes / 1e6, calls.len());
    let names = rate(&|| {
        for (to, number) in &numbers {
            black_box(plan.caller_id(number, to.as_deref()));
        }
        numbers.len()
    });
    println!(
        "caller ID: {:.2} M look-ups/s ({} numbers, three spellings; budget 1 M/s)",
        names / 1e6,
        numbers.len()
    );
}
