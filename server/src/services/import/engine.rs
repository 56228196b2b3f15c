//! Applying a virtual extension CSV: every row is checked (the rules, the database, the file's
//! other rows; the same checker as `vext csv check` and Validate) and the valid rows are
//! written chunk by chunk in **one transaction**, with one audit entry. Nothing is ever
//! half-applied: either the transaction commits whole or nothing changed.

use super::check::{self, CheckError, CheckReport, ProblemSpill, Purpose};
use super::progress::Progress;
use crate::services::audit::{self, Snapshot, Target};
use crate::services::ServiceError;
use crate::store::{begin_write, lock_directory, new_id};
use app::model::admin::Actor;
use app::model::csv::Limits;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use serde::Serialize;
use std::io::Read;

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

/// Full administrators import anything; location administrators rows of their own locations
/// (the check refuses the others row by row); read-only administrators nothing.
pub fn require_importer(actor: &Actor) -> Result<(), ServiceError> {
    if actor.may_change_any() {
        Ok(())
    } else {
        Err(crate::services::forbidden(actor, "import virtual extensions"))
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
    let outcome = import_in(&txn, actor, None, file_name, input, options, &Progress::default(), None).await?;
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
/// savepoint, rolled back then). With a `spill`, the row problems go there chunk by chunk
/// (the outcome's report then has none), so that memory stays flat however many rows fail.
#[allow(clippy::too_many_arguments)]
pub async fn import_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    task: Option<&str>,
    file_name: &str,
    input: impl Read,
    options: ImportOptions,
    progress: &Progress,
    spill: Option<&mut ProblemSpill>,
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
    let report =
        check::run(&rows, actor, input, options.limits, purpose, progress, Utc::now(), spill).await?;
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
