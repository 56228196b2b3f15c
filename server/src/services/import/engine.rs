//! Applying a virtual extension CSV: every row is checked (the rules, the database, the file's
//! other rows; the same checker as `vext csv check` and Validate) and the valid rows are
//! written chunk by chunk in **one transaction**, with one audit entry. Nothing is ever
//! half-applied: either the transaction commits whole or nothing changed.

use super::audit::{self, Snapshot, Target};
use super::csv_check::{self, CheckError, CheckReport, Plan, Purpose, Update};
use super::search::search_name;
use super::virtual_extensions;
use super::ServiceError;
use crate::store::entities::virtual_extension as ve;
use crate::store::{begin_write, lock_directory, new_id};
use app::model::admin::Actor;
use app::model::csv::Limits;
use app::model::directory::DirEntry;
use app::model::{Level, ORGANIZATION_SCOPE_KEY};
use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, Statement, Value,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Rows per statement when writing a chunk (the check's chunk is 2,000 rows: one statement
/// each for its adds, its updates and its history). SQLite binds each value (its limit is
/// 32,766 parameters: 2,000 rows of 14); PostgreSQL gets the rows as one JSON parameter.
const WRITE_CHUNK: usize = 2_000;
/// Ids per `DELETE … WHERE id IN (…)`.
const DELETE_CHUNK: usize = 1_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Reject the whole file if any row has an error.
    pub all_or_nothing: bool,
    pub limits: Limits,
}

/// What an import did: the check's report (counts and row problems) and whether anything was
/// written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub report: CheckReport,
    /// False when nothing was written: all-or-nothing with a failed row, or nothing to change.
    pub applied: bool,
}

/// How far an import is, for the Tasks list: which phase, and rows done. Shared between the
/// import and whoever watches it (atomics: the import never waits for a reader).
#[derive(Debug, Default)]
pub struct Progress {
    applying: AtomicBool,
    rows: AtomicU64,
}

impl Progress {
    /// Rows checked, and written when importing (a chunk at a time).
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// True once the first rows are written (before: reading and checking the first chunk).
    pub fn is_applying(&self) -> bool {
        self.applying.load(Ordering::Relaxed)
    }

    pub(crate) fn advance(&self, rows: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
    }

    pub(crate) fn start_applying(&self) {
        self.applying.store(true, Ordering::Relaxed);
    }
}

/// Full administrators import anything; location administrators rows of their own locations
/// (the check refuses the others row by row); read-only administrators nothing.
pub fn require_importer(actor: &Actor) -> Result<(), ServiceError> {
    if actor.may_change_any() {
        Ok(())
    } else {
        Err(super::forbidden(actor, "import virtual extensions"))
    }
}

/// Checks and applies `input` in a transaction of its own.
///
/// Errors: `CheckError::File` (the file as a whole is unusable: encoding, header, size),
/// `CheckError::Service` (`Forbidden`, the database).
#[tracing::instrument(skip_all, fields(file = file_name))]
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    file_name: &str,
    input: impl Read,
    options: ImportOptions,
) -> Result<ImportOutcome, CheckError> {
    require_importer(actor)?;
    let txn = begin_write(db).await.map_err(ServiceError::from)?;
    let outcome = import_in(&txn, actor, None, file_name, input, options, &Progress::default()).await?;
    if outcome.applied {
        txn.commit().await.map_err(ServiceError::from)?;
        crate::store::directory_changed();
        after_bulk_load(db, &outcome.report).await;
    } else {
        txn.rollback().await.map_err(ServiceError::from)?;
    }
    Ok(outcome)
}

/// Rows an import must write before [`after_bulk_load`] tidies up.
const BULK_LOAD_ROWS: u64 = 10_000;

/// After a large import has committed, PostgreSQL: merge the GIN indexes' pending lists (the
/// trigram search would read them on every query until autovacuum gets round to it) and
/// refresh the planner's statistics. Best effort: a failure only costs speed, so it is logged.
pub async fn after_bulk_load(db: &DatabaseConnection, report: &CheckReport) {
    let s = &report.summary;
    if db.get_database_backend() != DbBackend::Postgres || s.add + s.update + s.delete < BULK_LOAD_ROWS {
        return;
    }
    for sql in [
        "SELECT gin_clean_pending_list(i.indexrelid::regclass) FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam \
         WHERE i.indrelid = 'virtual_extension'::regclass AND a.amname = 'gin'",
        "ANALYZE virtual_extension",
    ] {
        if let Err(error) = db.execute_unprepared(sql).await {
            tracing::warn!(%error, sql, "after a large import: could not tidy the indexes");
        }
    }
}

/// Checks and applies `input` inside `txn`, which the caller commits (a task commits its own
/// completion with it; `task` is its id, the audit event's target). Leaves nothing written
/// when nothing is to change or when `all_or_nothing` and a row failed (the rows go through a
/// savepoint, rolled back then).
pub async fn import_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    task: Option<&str>,
    file_name: &str,
    input: impl Read,
    options: ImportOptions,
    progress: &Progress,
) -> Result<ImportOutcome, CheckError> {
    require_importer(actor)?;
    // The check reads the directory inside the transaction that writes: what was checked is
    // what is changed, even with other replicas writing.
    // Dropped before the caller commits: the callers tell `store::directory_changed` after it.
    let _early = lock_directory(txn).await.map_err(ServiceError::from)?;
    let rows = txn.begin().await.map_err(ServiceError::from)?;
    // The import's event first: each changed entry's history row refers to it. Its target is
    // the task (the command line imports without one: then the event stands for itself).
    let own_id = new_id();
    let target = Target { id: task.unwrap_or(&own_id), label: file_name.to_string() };
    let event_id = audit::start_import(&rows, actor, target, file_name).await?;
    let purpose = Purpose::Apply { event_id: event_id.clone() };
    let report = csv_check::run(&rows, actor, input, options.limits, purpose, progress, Utc::now()).await?;
    let s = &report.summary;
    if s.add + s.update + s.delete == 0 || (options.all_or_nothing && !report.is_valid()) {
        rows.rollback().await.map_err(ServiceError::from)?;
        return Ok(ImportOutcome { report, applied: false });
    }
    let counts = Snapshot::new()
        .with("File", file_name.to_string())
        .with("Added", s.add.to_string())
        .with("Updated", s.update.to_string())
        .with("Deleted", s.delete.to_string())
        .with("Unchanged", s.unchanged.to_string())
        .with("Failed rows", s.failed.to_string());
    audit::finish_import(&rows, &event_id, &counts).await?;
    rows.commit().await.map_err(ServiceError::from)?;
    tracing::info!(
        added = s.add,
        updated = s.update,
        deleted = s.delete,
        failed = s.failed,
        "import applied"
    );
    Ok(ImportOutcome { report, applied: true })
}

/// SQLite: the first free rowid of the search index, so that an import numbers its rows itself
/// (see the `search_rowid_given` migration). Writers are serialized, so nobody takes it meanwhile.
async fn next_search_rowid(db: &impl ConnectionTrait) -> Result<i64, ServiceError> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "SELECT max(coalesce((SELECT max(search_rowid) FROM virtual_extension), 0), \
                        coalesce((SELECT max(rowid) FROM ve_search), 0)) + 1 AS next",
        ))
        .await?;
    Ok(row.and_then(|r| r.try_get::<i64>("", "next").ok()).unwrap_or(1))
}

/// Inserts `adds` (their ids given), one statement per `WRITE_CHUNK`: SQLite a multi-row
/// `VALUES` list; PostgreSQL one JSON parameter that `json_to_recordset` unpacks (a statement
/// with thousands of parameters is planned anew each time there).
async fn insert_adds(
    db: &impl ConnectionTrait,
    adds: &[DirEntry],
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let backend = db.get_database_backend();
    let mut next_rowid = match backend {
        DbBackend::Sqlite => next_search_rowid(db).await?,
        _ => 0,
    };
    for chunk in adds.chunks(WRITE_CHUNK) {
        let rows: Vec<NewRow<'_>> = chunk.iter().map(NewRow::from).collect();
        let statement = match backend {
            DbBackend::Sqlite => {
                let mut values = Vec::with_capacity(rows.len() * 14);
                for row in rows {
                    values.extend([
                        text(row.i),
                        text(row.v),
                        optional(row.o),
                        text(row.k),
                        text(row.x),
                        optional(row.f),
                        optional(row.l),
                        text(row.d),
                        text(row.p),
                        now.into(),
                        now.into(),
                        1.into(),
                        row.s.into(),
                        next_rowid.into(),
                    ]);
                    next_rowid += 1;
                }
                let sql = values_list(
                    "INSERT INTO virtual_extension (id, level, location_id, scope_key, extension, \
                       first_name, last_name, display_name, phone_number, created_at, updated_at, \
                       version, search_name, search_rowid) VALUES ",
                    chunk.len(),
                    14,
                );
                Statement::from_sql_and_values(backend, sql, values)
            }
            _ => Statement::from_sql_and_values(
                backend,
                "INSERT INTO virtual_extension (id, level, location_id, scope_key, extension, \
                   first_name, last_name, display_name, phone_number, created_at, updated_at, \
                   version, search_name) \
                 SELECT r.i, r.v, r.o, r.k, r.x, r.f, r.l, r.d, r.p, $2, $2, 1, r.s \
                 FROM json_to_recordset($1::text::json) AS r(i text, v text, o text, k text, \
                   x text, f text, l text, d text, p text, s text)",
                [to_json(&rows)?.into(), now.into()],
            ),
        };
        db.execute_raw(statement).await?;
    }
    Ok(())
}

/// A new entry as `insert_adds` sends it (short keys: 100,000 of these per file).
#[derive(Serialize)]
struct NewRow<'a> {
    i: &'a str,
    v: &'static str,
    o: Option<&'a str>,
    k: &'a str,
    x: &'a str,
    f: Option<&'a str>,
    l: Option<&'a str>,
    d: &'a str,
    p: &'a str,
    s: String,
}

impl<'a> From<&'a DirEntry> for NewRow<'a> {
    fn from(entry: &'a DirEntry) -> Self {
        let (level, scope_key) = match &entry.location_id {
            Some(location) => (Level::Location, location.as_str()),
            None => (Level::Organization, ORGANIZATION_SCOPE_KEY),
        };
        NewRow {
            i: &entry.id,
            v: level.as_str(),
            o: entry.location_id.as_deref(),
            k: scope_key,
            x: &entry.extension,
            f: entry.first_name.as_deref(),
            l: entry.last_name.as_deref(),
            d: &entry.display_name,
            p: &entry.phone_number,
            s: search_name(&entry.display_name, entry.first_name.as_deref(), entry.last_name.as_deref()),
        }
    }
}

/// A changed entry as `update_entries` sends it: its id and the fields a CSV row sets.
#[derive(Serialize)]
struct ChangedRow<'a> {
    i: &'a str,
    f: Option<&'a str>,
    l: Option<&'a str>,
    d: &'a str,
    p: &'a str,
    s: String,
}

/// Writes `updates` (in file order) with one statement per batch. A row may take a number
/// that a row above it gave up (the check allows it: it checks top to bottom); one statement
/// changes its rows in no set order, so such a row starts a new batch, after the one that
/// frees its number.
async fn update_entries(
    db: &impl ConnectionTrait,
    updates: &[Update],
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut batch: Vec<ChangedRow<'_>> = Vec::new();
    let mut freed: HashSet<&str> = HashSet::new();
    for Update { before, after } in updates {
        if batch.len() == WRITE_CHUNK || freed.contains(after.phone_number.as_str()) {
            write_updates(db, &batch, now).await?;
            batch.clear();
            freed.clear();
        }
        if before.phone_number != after.phone_number {
            freed.insert(&before.phone_number);
        }
        // A CSV row names its entry by level, location and extension: those stay; the rest is
        // the row's.
        batch.push(ChangedRow {
            i: &after.id,
            f: after.first_name.as_deref(),
            l: after.last_name.as_deref(),
            d: &after.display_name,
            p: &after.phone_number,
            s: search_name(&after.display_name, after.first_name.as_deref(), after.last_name.as_deref()),
        });
    }
    write_updates(db, &batch, now).await
}

async fn write_updates(
    db: &impl ConnectionTrait,
    batch: &[ChangedRow<'_>],
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if batch.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let statement = match backend {
        DbBackend::Sqlite => {
            let mut values = Vec::with_capacity(batch.len() * 7);
            for row in batch {
                values.extend([
                    text(row.i),
                    optional(row.f),
                    optional(row.l),
                    text(row.d),
                    text(row.p),
                    row.s.clone().into(),
                    now.into(),
                ]);
            }
            let mut sql = values_list("WITH r (i, f, l, d, p, s, t) AS (VALUES ", batch.len(), 7);
            sql.push_str(
                ") UPDATE virtual_extension SET first_name = r.f, last_name = r.l, display_name = r.d, \
                   phone_number = r.p, search_name = r.s, updated_at = r.t, version = version + 1 \
                 FROM r WHERE virtual_extension.id = r.i",
            );
            Statement::from_sql_and_values(backend, sql, values)
        }
        _ => Statement::from_sql_and_values(
            backend,
            "UPDATE virtual_extension AS t SET first_name = r.f, last_name = r.l, display_name = r.d, \
               phone_number = r.p, search_name = r.s, updated_at = $2, version = t.version + 1 \
             FROM json_to_recordset($1::text::json) AS r(i text, f text, l text, d text, p text, s text) \
             WHERE t.id = r.i",
            [to_json(batch)?.into(), now.into()],
        ),
    };
    db.execute_raw(statement).await?;
    Ok(())
}

/// SQLite: `head` followed by `rows` lists of `width` parameters (`(?, ?), (?, ?)`). SQLite
/// compiles such a list faster than it unpacks the same rows from JSON; its limit of 32,766
/// parameters allows `WRITE_CHUNK` rows of up to 16 columns.
fn values_list(head: &str, rows: usize, width: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * (width * 2 + 3));
    sql.push_str(head);
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ",(" });
        for column in 0..width {
            sql.push_str(if column == 0 { "?" } else { ",?" });
        }
        sql.push(')');
    }
    sql
}

fn text(value: &str) -> Value {
    value.to_string().into()
}

fn optional(value: Option<&str>) -> Value {
    value.map(str::to_string).into()
}

/// Rows as a JSON array, for the statements that unpack one (strings and nulls only: nothing
/// here can fail to serialize).
fn to_json(rows: &(impl Serialize + ?Sized)) -> Result<String, ServiceError> {
    serde_json::to_string(rows).map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(e.to_string())))
}

/// Where an import's per-entry history goes: its audit event, and the location names its
/// snapshots show (by location id).
#[derive(Clone, Debug)]
pub struct History {
    pub event_id: String,
    pub location_names: HashMap<String, String>,
}

impl History {
    /// An entry's fields as the audit log records them (as the pages' `snapshot`): their values
    /// as a JSON array in `RECORDED_FIELDS` order, a third the size of the labelled object (an
    /// import writes one or two per entry).
    fn snapshot(&self, entry: &DirEntry) -> String {
        let (level, location) = match &entry.location_id {
            Some(id) => (Level::Location, self.location_names.get(id).map_or("", String::as_str)),
            None => (Level::Organization, ""),
        };
        let fields = virtual_extensions::recorded_fields(virtual_extensions::RecordedEntry {
            level,
            location,
            first_name: entry.first_name.as_deref().unwrap_or_default(),
            last_name: entry.last_name.as_deref().unwrap_or_default(),
            display_name: &entry.display_name,
            extension: &entry.extension,
            phone_number: &entry.phone_number,
        });
        let mut json = String::with_capacity(120);
        audit::write_json_array(&mut json, fields.into_iter().map(|(_, value)| value));
        json
    }
}

/// The statements that record each changed entry's before and after under the import's
/// event, `WRITE_CHUNK` rows each. SQLite: multi-row INSERTs. PostgreSQL plans a statement
/// with thousands of parameters anew each time (it took longer over that than over the
/// import's own rows: 4.5 s per 100,000), so there the rows go as one JSON parameter that
/// `json_to_recordset` unpacks (the snapshots are JSON already: embedded as they are).
fn history_statements(
    backend: DbBackend,
    history: &History,
    changes: &[(&str, Option<String>, Option<String>)],
) -> Vec<Statement> {
    let mut statements = Vec::new();
    for chunk in changes.chunks(WRITE_CHUNK) {
        if backend == DbBackend::Sqlite {
            let mut values = Vec::with_capacity(chunk.len() * 4);
            for (entry_id, before, after) in chunk {
                values.extend([
                    text(entry_id),
                    text(&history.event_id),
                    before.clone().into(),
                    after.clone().into(),
                ]);
            }
            let sql = values_list(
                "INSERT INTO import_change (entry_id, event_id, before, after) VALUES ",
                chunk.len(),
                4,
            );
            statements.push(Statement::from_sql_and_values(backend, sql, values));
            continue;
        }
        let mut rows = String::with_capacity(chunk.len() * 400);
        rows.push('[');
        for (i, (entry_id, before, after)) in chunk.iter().enumerate() {
            if i > 0 {
                rows.push(',');
            }
            // Ids are UUIDs: nothing to escape.
            rows.push_str("{\"e\":\"");
            rows.push_str(entry_id);
            rows.push_str("\",\"b\":");
            rows.push_str(before.as_deref().unwrap_or("null"));
            rows.push_str(",\"a\":");
            rows.push_str(after.as_deref().unwrap_or("null"));
            rows.push('}');
        }
        rows.push(']');
        statements.push(Statement::from_sql_and_values(
            backend,
            "INSERT INTO import_change (entry_id, event_id, before, after) \
             SELECT r.e, $1, r.b::text, r.a::text \
             FROM json_to_recordset($2::text::json) AS r(e text, b json, a json)",
            [history.event_id.as_str().into(), rows.into()],
        ));
    }
    statements
}

/// Writes a chunk's `plan` in the order that keeps every unique index satisfied at every step,
/// and each changed entry's before and after under the import's event.
pub(super) async fn write_chunk(
    db: &impl ConnectionTrait,
    plan: &Plan,
    now: DateTime<Utc>,
    history: &History,
) -> Result<(), ServiceError> {
    // New entries get their ids here (the check numbered them by row).
    let adds: Vec<DirEntry> =
        plan.adds.iter().map(|entry| DirEntry { id: new_id(), ..entry.clone() }).collect();
    let entries = async {
        for entries in plan.deletes.chunks(DELETE_CHUNK) {
            ve::Entity::delete_many()
                .filter(ve::Column::Id.is_in(entries.iter().map(|e| e.id.as_str())))
                .exec(db)
                .await?;
        }
        update_entries(db, &plan.updates, now).await?;
        insert_adds(db, &adds, now).await
    };
    // The history's statements are made while the database writes the entries (the first
    // future only waits on the database after its first poll; the second never waits).
    let made = async {
        let deleted = plan.deletes.iter().map(|e| (e.id.as_str(), Some(history.snapshot(e)), None));
        let updated = plan.updates.iter().map(|u| {
            (u.after.id.as_str(), Some(history.snapshot(&u.before)), Some(history.snapshot(&u.after)))
        });
        let added = adds.iter().map(|e| (e.id.as_str(), None, Some(history.snapshot(e))));
        let changes: Vec<_> = deleted.chain(updated).chain(added).collect();
        history_statements(db.get_database_backend(), history, &changes)
    };
    let (written, statements) = tokio::join!(biased; entries, made);
    written?;
    for statement in statements {
        db.execute_raw(statement).await?;
    }
    Ok(())
}
