//! Checks a virtual extension CSV against the rules, the database and who imports it (a
//! location administrator's rows must be at their own locations), row by row and top to bottom.
//!
//! The file streams through in chunks of [`CHUNK_ROWS`]: each chunk's rows are checked against
//! the stored entries they could clash with (loaded for that chunk) and against the file's
//! earlier rows. Two purposes share the checker:
//!
//! - **Apply** (an import): each chunk's accepted changes are written inside the caller's
//!   transaction, which holds the directory lock. The next chunk is checked while they are
//!   written: its stored entries are loaded just before the write starts, so it is checked
//!   against them with the written chunk's changes laid over them (the chunk before that is in
//!   the database by then). Memory stays flat however long the file is.
//! - **Check** (Validate, `vext csv check`): nothing is written and no lock is taken. The file
//!   is checked against a read snapshot (other writers go on meanwhile), and the file's earlier
//!   changes are kept in memory over it: the stored entries the file has looked at, minus what
//!   it deleted, plus what it added or changed. Exact, and bounded by the file's size (about
//!   three entries per row at most). The import checks again, under the lock, when it applies.

use super::progress::Progress;
use super::write::{chunk_statements, execute, History, Plan, Update};
use crate::services::directory::{load_for, locations, Probe};
use crate::services::{settings, ServiceError};
use crate::store::{begin_snapshot, new_id};
use app::model::admin::Actor;
use app::model::csv::{Action, CsvReader, CsvRow, FileError, Limits, NamedScope, RowChange, RowShapeError};
use app::model::directory::{DirEntry, DirLocation, Directory};
use app::model::{E164Number, ErrorCode, Field, FieldError, Scope, VirtualExtensionMode};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// What a pass over a file is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Check only, against a read snapshot: nothing is written.
    Check,
    /// Check and write each chunk's accepted changes (inside the caller's locked transaction),
    /// each changed entry's before and after under the import's audit event.
    Apply { event_id: String },
}

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

/// A task's row problems as the check finds them, kept in a temporary file rather than in
/// memory (a file in which each of a million rows fails has a million problems); the worker
/// stores them with the task's completion, a chunk of rows at a time. One JSON array a line.
pub struct ProblemSpill {
    out: BufWriter<std::fs::File>,
}

/// A row problem as the spill gives it back (the task's row error as stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpilledProblem {
    pub row: u64,
    pub column: String,
    pub code: String,
    pub message: String,
    pub is_error: bool,
}

impl ProblemSpill {
    /// An empty spill in an anonymous temporary file (deleted when dropped, even after a crash).
    pub fn new() -> Result<Self, ServiceError> {
        Ok(Self { out: BufWriter::new(tempfile::tempfile().map_err(spill_failed)?) })
    }

    /// Moves `problems` (in order) to the end of the spill.
    pub fn append(&mut self, problems: &mut Vec<RowProblem>) -> Result<(), ServiceError> {
        for p in problems.drain(..) {
            let line = (p.row, p.column, p.code.as_str(), p.severity == Severity::Error, &p.message);
            serde_json::to_writer(&mut self.out, &line).map_err(|e| spill_failed(e.into()))?;
            self.out.write_all(b"\n").map_err(spill_failed)?;
        }
        Ok(())
    }

    /// The problems, in the order they were appended.
    pub fn read(self) -> Result<impl Iterator<Item = Result<SpilledProblem, ServiceError>>, ServiceError> {
        let mut file = self.out.into_inner().map_err(|e| spill_failed(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(spill_failed)?;
        Ok(BufReader::new(file).lines().map(|line| {
            let line = line.map_err(spill_failed)?;
            let (row, column, code, is_error, message) =
                serde_json::from_str(&line).map_err(|e| spill_failed(e.into()))?;
            Ok(SpilledProblem { row, column, code, message, is_error })
        }))
    }
}

/// The temporary file failed (a full disk): the task runs again when its lease expires.
fn spill_failed(error: std::io::Error) -> ServiceError {
    ServiceError::Db(sea_orm::DbErr::Custom(format!(
        "the import's row problems could not be kept in a temporary file: {error}"
    )))
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

/// Rows checked and written together: the directory is loaded once per chunk, and the adds
/// go out in multi-row INSERTs.
pub const CHUNK_ROWS: usize = 2_000;

/// What the file has claimed so far (the extensions it uses or changes, per scope, and the
/// numbers it gives out), and in which row, so that two rows cannot claim one. Kept for the
/// whole file in compact form, exact: extensions are 2–10 ASCII digits and numbers at most 15
/// digits without a leading zero, so both fit a `u64` with their length.
#[derive(Default)]
struct FileClaims {
    scopes: HashMap<Scope, u32>,
    keys: HashMap<(u32, u64), u32>,
    numbers: HashMap<u64, u32>,
}

/// A string of ASCII digits (at most 16) as one number, its length in the top bits so that
/// leading zeros count (`007` ≠ `07`).
fn digits_key(digits: &str) -> u64 {
    debug_assert!(digits.len() <= 16 && digits.bytes().all(|b| b.is_ascii_digit()));
    let value = digits.bytes().fold(0u64, |n, b| n.wrapping_mul(10).wrapping_add(u64::from(b - b'0')));
    (digits.len() as u64) << 56 | value
}

/// Row numbers as stored in the claims (a file has far fewer than 4 billion rows).
fn claim_row(row: u64) -> u32 {
    u32::try_from(row).unwrap_or(u32::MAX)
}

impl FileClaims {
    fn scope(&mut self, scope: &Scope) -> u32 {
        let next = self.scopes.len() as u32;
        *self.scopes.entry(scope.clone()).or_insert(next)
    }

    fn key(&mut self, scope: &Scope, extension: &str) -> (u32, u64) {
        (self.scope(scope), digits_key(extension))
    }

    fn number(phone_number: &str) -> u64 {
        digits_key(phone_number.trim_start_matches('+'))
    }
}

/// One row of a chunk: what the rules alone made of it.
enum Pending {
    Valid(u64, RowChange),
    Failed(u64, Vec<FieldError>),
}

/// The checking itself, free of the database: it runs on a blocking thread of its own while
/// the previous chunk is written (the stored entries each chunk needs are loaded for it).
struct Checker {
    /// Who imports: a location administrator's rows must be at their own locations.
    actor: Actor,
    locations: Vec<DirLocation>,
    locations_by_name: HashMap<String, DirLocation>,
    /// Apply: the stored entries the current chunk can clash with (with the changes of the
    /// chunk being written laid over them), and the chunk's rows so far.
    /// Check: every stored entry the file's chunks have looked at, with the file's changes so
    /// far applied over them.
    directory: Directory,
    /// Check: the stored entries the file deleted (a later chunk's lookup must not bring them
    /// back from the snapshot).
    deleted: HashSet<String>,
    claims: FileClaims,
    report: CheckReport,
    /// The current chunk's changes.
    plan: Plan,
    backend: DbBackend,
    now: DateTime<Utc>,
    /// Apply (write each chunk, its changes recorded here) rather than check against a snapshot.
    history: Option<History>,
    /// Apply on SQLite: the search rowid the next new entry gets.
    next_rowid: i64,
}

impl Checker {
    fn apply(&self) -> bool {
        self.history.is_some()
    }

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
            .map(|known| (strsim::levenshtein(&known.to_lowercase(), &wanted), known))
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

    /// The statements that write the current chunk's plan (none when checking).
    fn statements(&mut self) -> Result<Vec<sea_orm::Statement>, sea_orm::DbErr> {
        match &self.history {
            Some(history) => {
                chunk_statements(self.backend, &self.plan, self.now, history, &mut self.next_rowid)
            }
            None => Ok(Vec::new()),
        }
    }

    /// The stored entries `chunk`'s rows can clash with.
    async fn load(&self, db: &impl ConnectionTrait, chunk: &[Pending]) -> Result<Directory, ServiceError> {
        let probes: Vec<Probe> = chunk
            .iter()
            .filter_map(|pending| match pending {
                Pending::Valid(_, change) => probe(&self.locations_by_name, change),
                Pending::Failed(..) => None,
            })
            .collect();
        load_for(db, &self.locations, &probes).await
    }

    /// Checks a chunk's rows in file order, against the file's earlier rows and the stored
    /// entries they can clash with: `stored`, loaded before `writing` (the previous chunk's
    /// plan, when applying) was written, so that plan's changes are laid over it here.
    fn check_chunk(&mut self, stored: Directory, writing: &Plan, chunk: Vec<Pending>) {
        match self.apply() {
            true => {
                self.directory = stored;
                for deleted in &writing.deletes {
                    self.directory.remove(&deleted.id);
                }
                let written = writing.updates.iter().map(|u| &u.after).chain(&writing.adds);
                for entry in written {
                    self.directory.insert(entry.clone());
                }
            }
            false => {
                // The snapshot does not change: an entry already here is either the same or
                // the file's own newer version of it.
                for entry in stored.into_entries() {
                    if self.directory.entry(&entry.id).is_none() && !self.deleted.contains(&entry.id) {
                        self.directory.insert(entry);
                    }
                }
            }
        }
        for pending in chunk {
            match pending {
                Pending::Valid(row, change) => self.check_row(row, change),
                Pending::Failed(row, errors) => self.fail(row, errors),
            }
        }
    }

    fn check_row(&mut self, row: u64, change: RowChange) {
        let location = match self.resolve(change.scope()) {
            Ok(location) => location.cloned(),
            Err(error) => return self.fail(row, vec![error]),
        };
        let place =
            location.as_ref().map_or("at organization level".to_string(), |l| format!("at {}", l.name));
        let scope = Scope::of(location.as_ref().map(|l| l.id.clone()));
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
        let key = self.claims.key(&scope, &extension);
        if let Some(earlier) = self.claims.keys.get(&key) {
            let error = FieldError::new(
                Field::Extension,
                ErrorCode::ExtensionDuplicateInFile,
                format!("Row {earlier} already uses or changes extension {extension} {place}: keep one of the two rows."),
            );
            return self.fail(row, vec![error]);
        }
        let existing = self.directory.find(&scope, &extension).cloned();
        let RowChange::Upsert { action, first_name, last_name, display_name, phone_number, .. } = change
        else {
            // DELETE
            let Some(existing) = existing else { return self.fail(row, vec![not_found(&extension, &place)]) };
            self.directory.remove(&existing.id);
            self.claims.keys.insert(key, claim_row(row));
            self.report.summary.delete += 1;
            match self.apply() {
                true => self.plan.deletes.push(existing),
                false => {
                    self.deleted.insert(existing.id);
                }
            }
            return;
        };
        let id = match (action, &existing) {
            (Action::Update, None) => return self.fail(row, vec![not_found(&extension, &place)]),
            (Action::Update, Some(existing)) => existing.id.clone(),
            // An import's new entries get their ids now (the chunk after checks against them).
            (_, _) if self.apply() => new_id(),
            (_, _) => format!("row:{row}"),
        };
        let candidate = DirEntry {
            id,
            scope,
            extension,
            phone_number: phone_number.into_inner(),
            display_name: display_name.into_inner(),
            first_name: first_name.map(|n| n.into_inner()),
            last_name: last_name.map(|n| n.into_inner()),
        };
        let mut errors = Vec::new();
        let verdict = self.directory.check(&candidate);
        let number = FileClaims::number(&candidate.phone_number);
        if let Some(earlier) = self.claims.numbers.get(&number) {
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
            (Action::Update, Some(existing)) => {
                self.report.summary.update += 1;
                if self.apply() {
                    self.plan.updates.push(Update { before: existing, after: candidate.clone() });
                }
            }
            _ => {
                self.report.summary.add += 1;
                if self.apply() {
                    self.plan.adds.push(candidate.clone());
                }
            }
        }
        self.claims.keys.insert(key, claim_row(row));
        self.claims.numbers.insert(number, claim_row(row));
        self.directory.insert(candidate);
    }
}

/// Where a row's change lands, for loading what it can clash with (`None`: its location is
/// unknown, so it fails before the directory is asked).
fn probe<'c>(
    locations_by_name: &'c HashMap<String, DirLocation>,
    change: &'c RowChange,
) -> Option<Probe<'c>> {
    let location_id = match change.scope() {
        NamedScope::Organization => None,
        NamedScope::Location(name) => Some(locations_by_name.get(name)?.id.as_str()),
    };
    Some(Probe {
        location_id,
        extension: change.extension().as_str(),
        phone_number: match change {
            RowChange::Upsert { phone_number, .. } => Some(phone_number.as_str()),
            RowChange::Delete { .. } => None,
        },
    })
}

fn not_found(extension: &str, place: &str) -> FieldError {
    FieldError::new(
        Field::Extension,
        ErrorCode::VirtualExtensionNotFound,
        format!("No virtual extension has extension {extension} {place}: check Level, Location and Extension, or use ADD."),
    )
}

/// Checks every row of `input` against the database and the file's other rows, changing
/// nothing and locking nothing: it reads one snapshot of the database (see the module's
/// comment), so other administrators' sign-ins, edits and imports go on meanwhile. A
/// `CheckError::File` means the file itself is unusable.
#[tracing::instrument(skip_all)]
pub async fn check(
    db: &DatabaseConnection,
    actor: &Actor,
    input: impl Read,
    limits: Limits,
) -> Result<CheckReport, CheckError> {
    let snapshot = begin_snapshot(db).await.map_err(ServiceError::from)?;
    let report =
        run(&snapshot, actor, input, limits, Purpose::Check, &Progress::default(), Utc::now(), None).await;
    snapshot.rollback().await.map_err(ServiceError::from)?;
    report
}

/// The next [`CHUNK_ROWS`] rows of the file as read (none at its end).
fn read_chunk<R: Read>(reader: &mut CsvReader<R>) -> Result<Vec<Result<CsvRow, RowShapeError>>, FileError> {
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    while chunk.len() < CHUNK_ROWS {
        let Some(next) = reader.next_row()? else { break };
        chunk.push(next);
    }
    Ok(chunk)
}

/// What the rules alone make of each row of a chunk.
fn validate_chunk(
    chunk: Vec<Result<CsvRow, RowShapeError>>,
    mode: VirtualExtensionMode,
    locations_by_name: &HashMap<String, DirLocation>,
) -> Vec<Pending> {
    let validate = |row: CsvRow| match row.validate(mode) {
        Ok(change) => Pending::Valid(row.row, change),
        Err(errors) => {
            // National numbers get their E.164 form when the row's location has a country.
            let country = locations_by_name.get(row.location.trim()).and_then(|l| l.country.as_deref());
            Pending::Failed(row.row, E164Number::hint_all(errors, &row.phone_number, country))
        }
    };
    chunk
        .into_iter()
        .map(|read| match read {
            Ok(row) => validate(row),
            Err(shape) => Pending::Failed(shape.row, vec![shape.error]),
        })
        .collect()
}

/// Checks every row of `input`; for [`Purpose::Apply`] it also writes the accepted changes
/// through `db` (a transaction: the caller commits or rolls back, and has taken the directory
/// lock). For [`Purpose::Check`], `db` should be a read snapshot.
#[allow(clippy::too_many_arguments)]
pub(super) async fn run(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: impl Read,
    limits: Limits,
    purpose: Purpose,
    progress: &Progress,
    now: DateTime<Utc>,
    mut spill: Option<&mut ProblemSpill>,
) -> Result<CheckReport, CheckError> {
    let mut reader = CsvReader::with_limits(input, limits)?;
    if db.get_database_backend() == DbBackend::Postgres {
        // Each chunk looks up a few thousand keys with `IN (…)` in a table growing inside this
        // transaction. PostgreSQL's planner then strays from the unique B-tree indexes: to
        // sequential scans, or to the trigram GIN indexes (which also answer `=`, reading their
        // whole pending list of this transaction's rows each time), and the file's cost turns
        // quadratic (100,000 rows: minutes instead of seconds). Every lookup here has its
        // unique index; plain index scans are the only plan this transaction may use. And no
        // JIT: a statement that must scan anyway (the locations) then looks so costly that
        // PostgreSQL compiles it first (65 ms, for ten rows).
        for sql in
            ["SET LOCAL enable_seqscan = off", "SET LOCAL enable_bitmapscan = off", "SET LOCAL jit = off"]
        {
            db.execute_unprepared(sql).await.map_err(ServiceError::from)?;
        }
    }
    let mode = settings::virtual_extension_mode(db).await?;
    let locations = locations(db).await?;
    let locations_by_name = locations.iter().map(|l| (l.name.clone(), l.clone())).collect();
    let history = match &purpose {
        Purpose::Check => None,
        Purpose::Apply { event_id } => Some(History {
            event_id: event_id.clone(),
            location_names: locations.iter().map(|l| (l.id.clone(), l.name.clone())).collect(),
        }),
    };
    let next_rowid = match (&history, db.get_database_backend()) {
        (Some(_), DbBackend::Sqlite) => {
            crate::store::virtual_extensions::next_search_rowid(db).await.map_err(ServiceError::from)?
        }
        _ => 0,
    };
    let mut checker = Checker {
        actor: actor.clone(),
        backend: db.get_database_backend(),
        now,
        history,
        next_rowid,
        directory: Directory::new(locations.iter().cloned()),
        deleted: HashSet::new(),
        locations,
        locations_by_name,
        claims: FileClaims::default(),
        report: CheckReport::default(),
        plan: Plan::default(),
    };
    // Four things at once, chunk after chunk: the database runs chunk N's statements while a
    // blocking thread checks chunk N + 1 (its stored entries loaded just before), makes its
    // statements and validates chunk N + 2, and this task reads chunk N + 3 (once the
    // statements are on their way: a read blocks this task, not the database).
    let mut writing = Vec::new();
    let mut under = Plan::default();
    let mut chunk = validate_chunk(read_chunk(&mut reader)?, mode, &checker.locations_by_name);
    let mut read = read_chunk(&mut reader)?;
    while !chunk.is_empty() {
        let rows = chunk.len() as u64;
        let stored = checker.load(db, &chunk).await?;
        let next = std::mem::take(&mut read);
        let checking = tokio::task::spawn_blocking(move || {
            checker.report.summary.rows += rows;
            checker.check_chunk(stored, &under, chunk);
            let statements = checker.statements();
            let next = validate_chunk(next, mode, &checker.locations_by_name);
            (checker, statements, next)
        });
        // `join!` polls in order: the write has sent its first statement before the read runs.
        let reading = async { read_chunk(&mut reader) };
        let (written, checked, after) =
            tokio::join!(execute(db, std::mem::take(&mut writing)), checking, reading);
        written?;
        let statements;
        (checker, statements, chunk) = match checked {
            Ok(checked) => checked,
            // A panic in the check stays a panic, as if it had run on this task.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => {
                let error = format!("the import's check stopped: {error}");
                return Err(ServiceError::Db(sea_orm::DbErr::Custom(error)).into());
            }
        };
        writing = statements.map_err(ServiceError::from)?;
        read = after?;
        under = std::mem::take(&mut checker.plan);
        if let Some(spill) = spill.as_deref_mut() {
            spill.append(&mut checker.report.problems)?;
        }
        progress.start_applying();
        progress.advance(rows);
    }
    execute(db, writing).await?;
    Ok(checker.report)
}

#[cfg(test)]
mod tests {
    use super::{digits_key, FileClaims};

    #[test]
    fn claim_keys_are_exact() {
        // Leading zeros and length count: these are four different extensions.
        let keys = ["07", "007", "70", "0000000007"].map(digits_key);
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(digits_key("4001"), digits_key("4001"));
        // The longest E.164 number and the largest extension fit without wrapping.
        assert_ne!(FileClaims::number("+999999999999999"), FileClaims::number("+99999999999999"));
        assert_ne!(digits_key("9999999999"), digits_key("999999999"));
        let mut claims = FileClaims::default();
        let org = app::model::Scope::Organization;
        assert_eq!(claims.key(&org, "4001"), claims.key(&org, "4001"));
        assert_ne!(
            claims.key(&org, "4001"),
            claims.key(&app::model::Scope::Location("L-dal".into()), "4001")
        );
    }
}
