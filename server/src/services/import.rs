//! Applying a virtual extension CSV: every row is checked (the rules, the database, the file's
//! other rows; the same checker as `vext csv check` and Validate) and the valid rows are
//! written chunk by chunk in **one transaction**, with one audit entry. Nothing is ever
//! half-applied: either the transaction commits whole or nothing changed.

use super::audit::{self, Snapshot, Target};
use super::csv_check::{self, CheckError, CheckReport, Plan};
use super::search::search_name;
use super::ServiceError;
use crate::store::entities::virtual_extension as ve;
use crate::store::{begin_write, new_id, serialize, Lock};
use app::model::admin::Actor;
use app::model::audit::AuditAction;
use app::model::csv::Limits;
use app::model::directory::DirEntry;
use app::model::{Level, ORGANIZATION_SCOPE_KEY};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, DynIden, Expr, ExprTrait, IntoIden, Query};
use sea_orm::TransactionTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter,
};
use serde::Serialize;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Rows per multi-row INSERT: 14 columns × 2,000 = 28,000 bind parameters, under SQLite's
/// 32,766 and PostgreSQL's 65,535 (and a whole chunk of the check, so one statement).
const INSERT_CHUNK: usize = 2_000;
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
    let outcome = import_in(&txn, actor, file_name, input, options, &Progress::default()).await?;
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
/// completion with it). Leaves nothing written when nothing is to change or when
/// `all_or_nothing` and a row failed (the rows go through a savepoint, rolled back then).
pub async fn import_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
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
    let report = csv_check::run(&rows, actor, input, options.limits, progress, Utc::now()).await?;
    let s = &report.summary;
    if s.add + s.update + s.delete == 0 || (options.all_or_nothing && !report.is_valid()) {
        rows.rollback().await.map_err(ServiceError::from)?;
        return Ok(ImportOutcome { report, applied: false });
    }
    rows.commit().await.map_err(ServiceError::from)?;
    let counts = Snapshot::new()
        .with("File", file_name.to_string())
        .with("Added", s.add.to_string())
        .with("Updated", s.update.to_string())
        .with("Deleted", s.delete.to_string())
        .with("Unchanged", s.unchanged.to_string())
        .with("Failed rows", s.failed.to_string());
    let id = new_id();
    audit::record(
        txn,
        actor,
        AuditAction::ImportApplied,
        Target { id: &id, label: file_name.to_string() },
        None,
        Some(&counts),
    )
    .await?;
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

/// One new entry's values, in `INSERT_COLUMNS` order.
fn new_row(entry: &DirEntry, now: DateTime<Utc>) -> Vec<Expr> {
    let (level, scope_key) = match &entry.location_id {
        Some(location) => (Level::Location, location.clone()),
        None => (Level::Organization, ORGANIZATION_SCOPE_KEY.to_string()),
    };
    vec![
        Expr::value(new_id()),
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

/// Writes a chunk's `plan` in the order that keeps every unique index satisfied at every step.
pub(super) async fn write_chunk(
    db: &impl ConnectionTrait,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    for ids in plan.deletes.chunks(DELETE_CHUNK) {
        ve::Entity::delete_many()
            .filter(ve::Column::Id.is_in(ids.iter().map(String::as_str)))
            .exec(db)
            .await?;
    }
    for entry in &plan.updates {
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
    insert_adds(db, &plan.adds, now).await
}
