//! Applying a virtual extension CSV: every row is checked first (the rules, the database, the
//! file's other rows; the same checker as `vext csv check` and Validate), then the valid rows
//! are applied in **one transaction**, with one audit entry. Nothing is ever half-applied:
//! either the transaction commits whole or nothing changed.

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
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Rows per multi-row INSERT: 14 columns × 1,000 = 14,000 bind parameters, under SQLite's
/// 32,766 and PostgreSQL's 65,535.
const INSERT_CHUNK: usize = 1_000;
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

/// How far an import is, for the Tasks list: which phase, and rows done in it. Shared between
/// the import and whoever watches it (atomics: the import never waits for a reader).
#[derive(Debug, Default)]
pub struct Progress {
    applying: AtomicBool,
    rows: AtomicU64,
}

impl Progress {
    /// Rows checked (while validating) or rows whose fate is final (while importing).
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// True once every row is checked and the changes are being written.
    pub fn is_applying(&self) -> bool {
        self.applying.load(Ordering::Relaxed)
    }

    pub(crate) fn advance(&self, rows: u64) {
        self.rows.fetch_add(rows, Ordering::Relaxed);
    }

    /// Starts the writing phase with `settled` rows already final (failed or unchanged).
    fn start_applying(&self, settled: u64) {
        self.rows.store(settled, Ordering::Relaxed);
        self.applying.store(true, Ordering::Relaxed);
    }
}

/// Checks and applies `input` in a transaction of its own (full administrators: a file can touch
/// any scope).
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
    super::require_full(actor, "import virtual extensions")?;
    let txn = begin_write(db).await.map_err(ServiceError::from)?;
    let outcome = import_in(&txn, actor, file_name, input, options, &Progress::default()).await?;
    if outcome.applied {
        txn.commit().await.map_err(ServiceError::from)?;
    } else {
        txn.rollback().await.map_err(ServiceError::from)?;
    }
    Ok(outcome)
}

/// Checks and applies `input` inside `txn`, which the caller commits (a task commits its own
/// completion with it). Writes nothing when nothing is to change or when `all_or_nothing`
/// and a row failed.
pub async fn import_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    file_name: &str,
    input: impl Read,
    options: ImportOptions,
    progress: &Progress,
) -> Result<ImportOutcome, CheckError> {
    super::require_full(actor, "import virtual extensions")?;
    // The check reads the directory inside the transaction that writes: what was checked is
    // what is changed, even with other replicas writing.
    serialize(txn, Lock::Directory).await.map_err(ServiceError::from)?;
    let (report, plan) = csv_check::plan(txn, input, options.limits, progress).await?;
    let nothing = plan.deletes.is_empty() && plan.updates.is_empty() && plan.adds.is_empty();
    if nothing || (options.all_or_nothing && !report.is_valid()) {
        return Ok(ImportOutcome { report, applied: false });
    }
    let s = &report.summary;
    progress.start_applying(s.failed + s.unchanged);
    apply(txn, &plan, Utc::now(), progress).await?;
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

fn new_row(entry: &DirEntry, now: DateTime<Utc>) -> ve::ActiveModel {
    let (level, scope_key) = match &entry.location_id {
        Some(location) => (Level::Location, location.clone()),
        None => (Level::Organization, ORGANIZATION_SCOPE_KEY.to_string()),
    };
    ve::ActiveModel {
        id: Set(new_id()),
        level: Set(level.as_str().to_string()),
        location_id: Set(entry.location_id.clone()),
        scope_key: Set(scope_key),
        extension: Set(entry.extension.clone()),
        first_name: Set(entry.first_name.clone()),
        last_name: Set(entry.last_name.clone()),
        display_name: Set(entry.display_name.clone()),
        phone_number: Set(entry.phone_number.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        search_name: Set(search_name(
            &entry.display_name,
            entry.first_name.as_deref(),
            entry.last_name.as_deref(),
        )),
    }
}

/// Writes `plan` in the order that keeps every unique index satisfied at every step.
async fn apply(
    db: &impl ConnectionTrait,
    plan: &Plan,
    now: DateTime<Utc>,
    progress: &Progress,
) -> Result<(), ServiceError> {
    for ids in plan.deletes.chunks(DELETE_CHUNK) {
        ve::Entity::delete_many()
            .filter(ve::Column::Id.is_in(ids.iter().map(String::as_str)))
            .exec(db)
            .await?;
        progress.advance(ids.len() as u64);
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
        progress.advance(1);
    }
    for chunk in plan.adds.chunks(INSERT_CHUNK) {
        ve::Entity::insert_many(chunk.iter().map(|entry| new_row(entry, now))).exec(db).await?;
        progress.advance(chunk.len() as u64);
    }
    Ok(())
}
