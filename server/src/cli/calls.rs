//! `vext route` and `vext caller-id`: Test Call Routing and Caller ID on the command line,
//! with the answers the console and the REST API give.

use super::*;
use crate::services::calls::{self, DialPlans};
use app::model::dial_plan::{CallerIdReport, RouteReport};

/// A location named on the command line (name or id), or organization level.
async fn location_id(
    db: &sea_orm::DatabaseConnection,
    given: Option<&str>,
) -> Result<Option<String>, CliError> {
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        Some(given) => Ok(Some(find_location(db, given).await?.id)),
        None => Ok(None),
    }
}

fn print_json<T: serde::Serialize>(value: &T) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// Opens the database at `url` and runs `ask` on it; a failure is reported (its exit code).
async fn answer<T>(
    url: &str,
    ask: impl AsyncFnOnce(&sea_orm::DatabaseConnection) -> Result<T, CliError>,
) -> Result<T, ExitCode> {
    let run = async {
        let db = store::open(url).await?;
        ask(&db).await
    };
    run.await.map_err(|error| {
        error.report();
        ExitCode::from(error.exit_code())
    })
}

pub(super) async fn route(url: &str, from: Option<&str>, dialed: &str, format: Format) -> ExitCode {
    let report = answer(url, async |db| {
        let from = location_id(db, from).await?;
        Ok(calls::route(&DialPlans::default(), db, from.as_deref(), dialed).await?)
    })
    .await;
    let report = match report {
        Ok(report) => report,
        Err(code) => return code,
    };
    match format {
        Format::Json => print_json(&report),
        Format::Text => print_route(&report),
    }
    ExitCode::from(u8::from(report.is_rejected))
}

fn print_route(report: &RouteReport) {
    let from =
        report.from.as_deref().map(|l| format!("at {l}")).unwrap_or_else(|| "at organization level".into());
    println!("Dialed {} {from}: {}", report.dialed, report.destination.as_str());
    if !report.routing_address.is_empty() {
        println!("Calls {}", report.routing_address);
    }
    if let Some(m) = &report.virtual_extension {
        let place = m
            .location_name
            .as_deref()
            .map(|l| format!("at {l}"))
            .unwrap_or_else(|| "organization level".into());
        println!(
            "Virtual extension: {} ({}, {place}; id {})",
            m.entry.display_name, m.entry.extension, m.entry.id
        );
    }
    if let Some(r) = &report.range {
        let place = r
            .location_name
            .as_deref()
            .map(|l| format!("at {l}"))
            .unwrap_or_else(|| "organization level".into());
        println!("Range: {} (prefix {}, pattern {}, {place}; id {})", r.name, r.prefix, r.pattern, r.id);
    }
    if let Some(extension) = &report.signalled_extension {
        println!("Signalled extension (Enhanced mode): {extension}");
    }
    for (i, step) in report.steps.iter().enumerate() {
        println!("  {}. {step}", i + 1);
    }
}

pub(super) async fn caller_id(url: &str, to: Option<&str>, number: &str, format: Format) -> ExitCode {
    let report = answer(url, async |db| {
        let to = location_id(db, to).await?;
        Ok(calls::caller_id(&DialPlans::default(), db, number, to.as_deref()).await?)
    })
    .await;
    let report = match report {
        Ok(report) => report,
        Err(code) => return code,
    };
    match format {
        Format::Json => print_json(&report),
        Format::Text => print_caller_id(&report),
    }
    ExitCode::from(u8::from(!report.found))
}

fn print_caller_id(report: &CallerIdReport) {
    if report.found {
        println!("Shows: {} {}", report.name, report.number);
    } else {
        println!("Shows: {} (no virtual extension has it)", report.calling);
    }
    println!("  {}", report.explanation);
}
