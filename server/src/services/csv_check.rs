//! Checks a virtual extension CSV against the rules, the current database and who imports it
//! (a location administrator's rows must be at their own locations), row by row and top to
//! bottom, without changing anything. `vext csv check` and the upload's Validate use it;
//! the import applies exactly what it accepts.

use super::directory::load_all;
use super::import::Progress;
use super::{settings, ServiceError};
use app::model::admin::Actor;
use app::model::csv::{Action, CsvReader, FileError, Limits, NamedScope, RowChange};
use app::model::directory::{DirEntry, DirLocation, Directory};
use app::model::{E164Number, ErrorCode, Field, FieldError, Scope};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one row: which column, a stable code, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub row: u64,
    pub column: &'static str,
    pub code: ErrorCode,
    pub message: String,
    pub severity: Severity,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let warning = if self.severity == Severity::Warning { "warning " } else { "" };
        write!(f, "row {}, {}: {warning}{}: {}", self.row, self.column, self.code, self.message)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    pub rows: u64,
    pub add: u64,
    pub update: u64,
    pub delete: u64,
    pub unchanged: u64,
    pub failed: u64,
    pub warnings: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub summary: CheckSummary,
    pub problems: Vec<RowProblem>,
}

impl CheckReport {
    pub fn is_valid(&self) -> bool {
        self.summary.failed == 0
    }
}

/// Why a file could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// What applying a checked file does, in an order that never breaks a unique index midway:
/// deletes, then updates in file order, then adds. (The rows were checked top to bottom, each
/// against the directory as the rows above left it; deleting first only frees, and an add never
/// frees what an update needs.)
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Ids of the entries to delete.
    pub deletes: Vec<String>,
    /// The new state of changed entries (their ids are the stored ones).
    pub updates: Vec<DirEntry>,
    /// New entries (their ids are placeholders: `row:N`).
    pub adds: Vec<DirEntry>,
}

/// What the file has touched so far, so that two rows cannot claim one extension or number.
#[derive(Default)]
struct FileClaims {
    keys: HashMap<(Option<String>, String), u64>,
    numbers: HashMap<String, u64>,
}

struct Checker<'a> {
    /// Who imports: a location administrator's rows must be at their own locations.
    actor: &'a Actor,
    directory: Directory,
    locations_by_name: HashMap<String, DirLocation>,
    claims: FileClaims,
    report: CheckReport,
    /// Collected only when the file will be applied (a dry run keeps no copy of the rows).
    plan: Option<Plan>,
}

impl Checker<'_> {
    fn problem(&mut self, row: u64, error: FieldError, severity: Severity) {
        if severity == Severity::Warning {
            self.report.summary.warnings += 1;
        }
        self.report.problems.push(RowProblem {
            row,
            column: error.field.label(),
            code: error.code,
            message: error.message,
            severity,
        });
    }

    fn fail(&mut self, row: u64, errors: Vec<FieldError>) {
        self.report.summary.failed += 1;
        for error in errors {
            self.problem(row, error, Severity::Error);
        }
    }

    fn resolve(&self, scope: &NamedScope) -> Result<Option<&DirLocation>, FieldError> {
        let NamedScope::Location(name) = scope else { return Ok(None) };
        if let Some(location) = self.locations_by_name.get(name) {
            return Ok(Some(location));
        }
        // The same name in another case, or one or two typos away.
        let wanted = name.to_lowercase();
        let close = self
            .locations_by_name
            .keys()
            .map(|known| (edit_distance(&known.to_lowercase(), &wanted), known))
            .filter(|(distance, _)| *distance <= 2)
            .min()
            .map(|(_, known)| known);
        let hint = match close {
            Some(known) => format!(" Did you mean \"{known}\"? Names must match exactly."),
            None => " Check the spelling, or create the location first.".to_string(),
        };
        Err(FieldError::new(
            Field::Location,
            ErrorCode::LocationNotFound,
            format!("No location is named \"{name}\".{hint}"),
        ))
    }

    fn check_row(&mut self, row: u64, change: RowChange) {
        let location = match self.resolve(change.scope()) {
            Ok(location) => location.cloned(),
            Err(error) => return self.fail(row, vec![error]),
        };
        let location_id = location.as_ref().map(|l| l.id.clone());
        let place =
            location.as_ref().map_or("at organization level".to_string(), |l| format!("at {}", l.name));
        let scope = location_id.clone().map_or(Scope::Organization, Scope::Location);
        if !self.actor.may_change(&scope) {
            let error = FieldError::new(
                if location.is_some() { Field::Location } else { Field::Level },
                ErrorCode::OutsideYourLocations,
                format!(
                    "This row is {place}, which you do not manage: location administrators import rows of their own locations only. Remove the row, or ask a full administrator."
                ),
            );
            return self.fail(row, vec![error]);
        }
        let extension = change.extension().as_str().to_string();
        let key = (location_id.clone(), extension.clone());
        if let Some(earlier) = self.claims.keys.get(&key) {
            let error = FieldError::new(
                Field::Extension,
                ErrorCode::ExtensionDuplicateInFile,
                format!("Row {earlier} already uses or changes extension {extension} {place}: keep one of the two rows."),
            );
            return self.fail(row, vec![error]);
        }
        let existing = self.directory.find(location_id.as_deref(), &extension).cloned();
        let RowChange::Upsert { action, first_name, last_name, display_name, phone_number, .. } = change
        else {
            // DELETE
            let Some(existing) = existing else { return self.fail(row, vec![not_found(&extension, &place)]) };
            self.directory.remove(&existing.id);
            self.claims.keys.insert(key, row);
            self.report.summary.delete += 1;
            if let Some(plan) = &mut self.plan {
                plan.deletes.push(existing.id);
            }
            return;
        };
        let id = match (action, &existing) {
            (Action::Update, None) => return self.fail(row, vec![not_found(&extension, &place)]),
            (Action::Update, Some(existing)) => existing.id.clone(),
            (_, _) => format!("row:{row}"),
        };
        let candidate = DirEntry {
            id,
            location_id,
            extension,
            phone_number: phone_number.into_inner(),
            display_name: display_name.into_inner(),
            first_name: first_name.map(|n| n.into_inner()),
            last_name: last_name.map(|n| n.into_inner()),
        };
        let mut errors = Vec::new();
        let verdict = self.directory.check(&candidate);
        if let Some(earlier) = self.claims.numbers.get(&candidate.phone_number) {
            errors.push(FieldError::new(
                Field::PhoneNumber,
                ErrorCode::PhoneNumberDuplicateInFile,
                format!(
                    "Row {earlier} already gives {} a virtual extension: one number, one entry.",
                    candidate.phone_number
                ),
            ));
            // The owner the directory would name is that earlier row: say it once.
            errors.extend(verdict.errors.into_iter().filter(|e| e.code != ErrorCode::PhoneNumberInUse));
        } else {
            errors.extend(verdict.errors);
        }
        if !errors.is_empty() {
            return self.fail(row, errors);
        }
        for warning in verdict.warnings {
            self.problem(row, warning, Severity::Warning);
        }
        match (action, existing) {
            (Action::Update, Some(existing)) if existing == candidate => self.report.summary.unchanged += 1,
            (Action::Update, _) => {
                self.report.summary.update += 1;
                if let Some(plan) = &mut self.plan {
                    plan.updates.push(candidate.clone());
                }
            }
            _ => {
                self.report.summary.add += 1;
                if let Some(plan) = &mut self.plan {
                    plan.adds.push(candidate.clone());
                }
            }
        }
        self.claims.keys.insert(key, row);
        self.claims.numbers.insert(candidate.phone_number.clone(), row);
        self.directory.insert(candidate);
    }
}

/// Levenshtein distance in characters (names are short: O(n·m) is fine).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

fn not_found(extension: &str, place: &str) -> FieldError {
    FieldError::new(
        Field::Extension,
        ErrorCode::VirtualExtensionNotFound,
        format!("No virtual extension has extension {extension} {place}: check Level, Location and Extension, or use ADD."),
    )
}

/// Rows checked between two yields to the async runtime.
const YIELD_EVERY: u64 = 512;

/// Checks every row of `input`. A `CheckError::File` means the file itself is unusable.
#[tracing::instrument(skip_all)]
pub async fn check(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: impl Read,
    limits: Limits,
) -> Result<CheckReport, CheckError> {
    Ok(run(db, actor, input, limits, false, &Progress::default()).await?.0)
}

/// Checks every row of `input` and returns what applying its valid rows would do.
#[tracing::instrument(skip_all)]
pub async fn plan(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: impl Read,
    limits: Limits,
    progress: &Progress,
) -> Result<(CheckReport, Plan), CheckError> {
    let (report, plan) = run(db, actor, input, limits, true, progress).await?;
    Ok((report, plan.unwrap_or_default()))
}

async fn run(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: impl Read,
    limits: Limits,
    planning: bool,
    progress: &Progress,
) -> Result<(CheckReport, Option<Plan>), CheckError> {
    let mut reader = CsvReader::with_limits(input, limits)?;
    let mode = settings::virtual_extension_mode(db).await?;
    let directory = load_all(db).await?;
    let locations_by_name = directory.locations().map(|l| (l.name.clone(), l.clone())).collect();
    let mut checker = Checker {
        actor,
        directory,
        locations_by_name,
        claims: FileClaims::default(),
        report: CheckReport::default(),
        plan: planning.then(Plan::default),
    };
    while let Some(next) = reader.next_row()? {
        checker.report.summary.rows += 1;
        progress.advance(1);
        // The check is CPU work: let the runtime run other tasks (a shutdown's deadline, other
        // requests on this thread) between batches of rows. (It stays on one core: the
        // numbering-plan check takes a global lock in the phonenumber crate, so threads only
        // wait on each other; measured in BENCHMARKS.md.)
        if checker.report.summary.rows.is_multiple_of(YIELD_EVERY) {
            tokio::task::yield_now().await;
        }
        let row = match next {
            Ok(row) => row,
            Err(shape) => {
                checker.fail(shape.row, vec![shape.error]);
                continue;
            }
        };
        match row.validate(mode) {
            Ok(change) => checker.check_row(row.row, change),
            Err(errors) => {
                // National numbers get their E.164 form when the row's location has a country.
                let country =
                    checker.locations_by_name.get(row.location.trim()).and_then(|l| l.country.clone());
                let errors = match country {
                    Some(country) => errors
                        .into_iter()
                        .map(|e| E164Number::hint_for_country(e, &row.phone_number, &country))
                        .collect(),
                    None => errors,
                };
                checker.fail(row.row, errors);
            }
        }
    }
    Ok((checker.report, checker.plan))
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("dallas", "dalas"), 1);
        assert_eq!(edit_distance("dallas", "dallas"), 0);
        assert_eq!(edit_distance("london", "dallas"), 6);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
