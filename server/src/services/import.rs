//! Applying a virtual extension CSV: every row is checked (the rules, the database, the file's
//! other rows; the same checker as `vext csv check` and Validate) and the valid rows are
//! written chunk by chunk in **one transaction**, with one audit entry. Nothing is ever
//! half-applied: either the transaction commits whole or nothing changed.

use super::audit::{self, Snapshot, Target};
use super::csv_check::{self, CheckError, CheckReport, Plan, Purpose, Update};
use super::search::search_name;
use super::virtual_extensions;
use super::ServiceError;
use crate::store::entities::{import_change, virtual_extension as ve};
use crate::store::{begin_write, new_id, serialize, Lock};
use app::model::admin::Actor;
use app::model::csv::Limits;
use app::model::directory::DirEntry;
use app::model::{Level, ORGANIZATION_SCOPE_KEY};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, DynIden, Expr, ExprTrait, IntoIden, Query};
use sea_orm::TransactionTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, Statement,
};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Rows per multi-row INSERT: 14 columns × 2,000 = 28,000 bind parameters, under SQLite's
/// 32,766 and PostgreSQL's 65,535 (and a whole chunk of the check, so one statement).
const INSERT_CHUNK: usize = 2_000;
/// Ids per `DELETE … WHERE id IN (…)`.
const DELETE_CHUNK: usize = 1_000;
/// Rows per multi-row INSERT of per-entry history (4 columns).
const HISTORY_CHUNK: usize = 2_000;

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
    serialize(txn, Lock::Directory).await.map_err(ServiceError::from)?;
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

/// The columns an import writes for a new entry (SQLite adds `search_rowid`).
const INSERT_COLUMNS: [ve::Column; 13] = [
    ve::Column::Id,
    ve::Column::Level,
    ve::Column::LocationId,
    ve::Column::ScopeKey,
    ve::Column::Extension,
    ve::Column::FirstName,
    ve::Column::LastName,
    ve::Column::DisplayName,
    ve::Column::PhoneNumber,
    ve::Column::CreatedAt,
    ve::Column::UpdatedAt,
    ve::Column::Version,
    ve::Column::SearchName,
];

/// One new entry's values, in `INSERT_COLUMNS` order (`entry.id` is its new id).
fn new_row(entry: &DirEntry, now: DateTime<Utc>) -> Vec<Expr> {
    let (level, scope_key) = match &entry.location_id {
        Some(location) => (Level::Location, location.clone()),
        None => (Level::Organization, ORGANIZATION_SCOPE_KEY.to_string()),
    };
    vec![
        Expr::value(entry.id.clone()),
        Expr::value(level.as_str()),
        Expr::value(entry.location_id.clone()),
        Expr::value(scope_key),
        Expr::value(entry.extension.clone()),
        Expr::value(entry.first_name.clone()),
        Expr::value(entry.last_name.clone()),
        Expr::value(entry.display_name.clone()),
        Expr::value(entry.phone_number.clone()),
        Expr::value(now),
        Expr::value(now),
        Expr::value(1),
        Expr::value(search_name(
            &entry.display_name,
            entry.first_name.as_deref(),
            entry.last_name.as_deref(),
        )),
    ]
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

/// Inserts `adds` in multi-row INSERTs under both databases' bind limits.
async fn insert_adds(
    db: &impl ConnectionTrait,
    adds: &[DirEntry],
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let backend = db.get_database_backend();
    let sqlite = backend == DbBackend::Sqlite;
    let mut columns: Vec<DynIden> = INSERT_COLUMNS.iter().map(|c| c.into_iden()).collect();
    let mut next_rowid = 0;
    if sqlite {
        columns.push(Alias::new("search_rowid").into_iden());
        next_rowid = next_search_rowid(db).await?;
    }
    for chunk in adds.chunks(INSERT_CHUNK) {
        let mut insert = Query::insert();
        insert.into_table(ve::Entity).columns(columns.clone());
        for entry in chunk {
            let mut values = new_row(entry, now);
            if sqlite {
                values.push(Expr::value(next_rowid));
                next_rowid += 1;
            }
            insert.values_panic(values);
        }
        db.execute_raw(backend.build(&insert)).await?;
    }
    Ok(())
}

/// Where an import's per-entry history goes: its audit event, and the location names its
/// snapshots show (by location id).
#[derive(Clone, Debug)]
pub struct History {
    pub event_id: String,
    pub location_names: HashMap<String, String>,
}

impl History {
    /// An entry's fields as the audit log records them (as the pages' `snapshot`), in JSON.
    fn snapshot(&self, entry: &DirEntry) -> String {
        let (level, location) = match &entry.location_id {
            Some(id) => (Level::Location, self.location_names.get(id).map_or("", String::as_str)),
            None => (Level::Organization, ""),
        };
        let mut json = String::with_capacity(200);
        audit::write_json_object(
            &mut json,
            virtual_extensions::recorded_fields(virtual_extensions::RecordedEntry {
                level,
                location,
                first_name: entry.first_name.as_deref().unwrap_or_default(),
                last_name: entry.last_name.as_deref().unwrap_or_default(),
                display_name: &entry.display_name,
                extension: &entry.extension,
                phone_number: &entry.phone_number,
            }),
        );
        json
    }
}

/// Records each changed entry's before and after under the import's event.
///
/// SQLite: multi-row INSERTs (4 columns, so a chunk of the check is one statement).
/// PostgreSQL plans a statement with thousands of parameters anew for each chunk, which took
/// longer than the import's own rows (4.5 s per 100,000); there the chunk goes as one JSON
/// parameter that `json_to_recordset` unpacks (the snapshots are JSON already, so they are
/// embedded as they are).
async fn record_changes(
    db: &impl ConnectionTrait,
    history: &History,
    changes: Vec<(&str, Option<String>, Option<String>)>,
) -> Result<(), ServiceError> {
    let backend = db.get_database_backend();
    for chunk in changes.chunks(HISTORY_CHUNK) {
        if backend == DbBackend::Postgres {
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
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO import_change (entry_id, event_id, before, after) \
                 SELECT r.e, $1, r.b::text, r.a::text FROM json_to_recordset($2::text::json) AS r(e text, b json, a json)",
                [history.event_id.as_str().into(), rows.into()],
            ))
            .await?;
            continue;
        }
        let mut insert = Query::insert();
        insert.into_table(import_change::Entity).columns([
            import_change::Column::EntryId,
            import_change::Column::EventId,
            import_change::Column::Before,
            import_change::Column::After,
        ]);
        for (entry_id, before, after) in chunk {
            insert.values_panic([
                Expr::value(*entry_id),
                Expr::value(history.event_id.as_str()),
                Expr::value(before.clone()),
                Expr::value(after.clone()),
            ]);
        }
        db.execute_raw(backend.build(&insert)).await?;
    }
    Ok(())
}

/// Writes a chunk's `plan` in the order that keeps every unique index satisfied at every step,
/// and each changed entry's before and after under the import's event.
pub(super) async fn write_chunk(
    db: &impl ConnectionTrait,
    plan: &Plan,
    now: DateTime<Utc>,
    history: &History,
) -> Result<(), ServiceError> {
    for entries in plan.deletes.chunks(DELETE_CHUNK) {
        ve::Entity::delete_many()
            .filter(ve::Column::Id.is_in(entries.iter().map(|e| e.id.as_str())))
            .exec(db)
            .await?;
    }
    for Update { after: entry, .. } in &plan.updates {
        // A CSV row names its entry by level, location and extension: those stay; the rest
        // is the row's.
        ve::Entity::update_many()
            .col_expr(ve::Column::FirstName, Expr::value(entry.first_name.clone()))
            .col_expr(ve::Column::LastName, Expr::value(entry.last_name.clone()))
            .col_expr(ve::Column::DisplayName, Expr::value(entry.display_name.clone()))
            .col_expr(ve::Column::PhoneNumber, Expr::value(entry.phone_number.clone()))
            .col_expr(
                ve::Column::SearchName,
                Expr::value(search_name(
                    &entry.display_name,
                    entry.first_name.as_deref(),
                    entry.last_name.as_deref(),
                )),
            )
            .col_expr(ve::Column::UpdatedAt, Expr::value(now))
            .col_expr(ve::Column::Version, Expr::col(ve::Column::Version).add(1))
            .filter(ve::Column::Id.eq(entry.id.as_str()))
            .exec(db)
            .await?;
    }
    // New entries get their ids here (the check numbered them by row).
    let adds: Vec<DirEntry> =
        plan.adds.iter().map(|entry| DirEntry { id: new_id(), ..entry.clone() }).collect();
    insert_adds(db, &adds, now).await?;
    let deleted = plan.deletes.iter().map(|e| (e.id.as_str(), Some(history.snapshot(e)), None));
    let updated = plan
        .updates
        .iter()
        .map(|u| (u.after.id.as_str(), Some(history.snapshot(&u.before)), Some(history.snapshot(&u.after))));
    let added = adds.iter().map(|e| (e.id.as_str(), None, Some(history.snapshot(e))));
    record_changes(db, history, deleted.chain(updated).chain(added).collect()).await
}
