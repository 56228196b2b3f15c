//! CSV imports as tasks: the upload stores the file and queues a task (so any replica can run
//! it, and a crash loses nothing); `worker` runs it; the Tasks list and a task's page read
//! it back, with the progress of tasks this process is running.

use super::check::{self, CheckError, CheckReport, ProblemSpill};
use super::engine::require_importer;
use super::progress::Board;
use crate::services::{rfc3339, tokens, ServiceError};
use crate::store::entities::{task, task_row_error};
use crate::store::new_id;
use app::error::AppError;
use app::model::admin::Actor;
use app::model::csv::{inert_cell, CsvReader, Limits, ERROR_COLUMN};
use app::model::task::{Submitted, TaskDetail, TaskRowError, TaskStatus, TaskSummary, TASK_ERRORS_PAGE};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The kind of every task today.
pub const KIND_CSV_IMPORT: &str = "csv_import";
/// Tasks the Tasks list shows (newest first).
pub const LIST_MAX: u64 = 200;
/// Import tasks one administrator may have queued or running at once: a loop of uploads
/// cannot fill the database with files waiting their turn.
pub const ACTIVE_TASKS_PER_ADMIN: u64 = 3;
/// Problems written per multi-row INSERT (7 columns: 7,000 binds).
const PROBLEM_CHUNK: usize = 1_000;

/// The task list's columns: everything but the file.
#[derive(Debug, FromQueryResult)]
struct TaskRow {
    id: String,
    status: TaskStatus,
    file_name: String,
    all_or_nothing: bool,
    total_rows: i64,
    processed_rows: i64,
    added: i64,
    updated: i64,
    deleted: i64,
    unchanged: i64,
    failed: i64,
    warnings: i64,
    error_message: Option<String>,
    created_by_email: String,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl TaskRow {
    fn into_summary(self) -> TaskSummary {
        TaskSummary {
            id: self.id,
            file_name: self.file_name,
            submitted_by: self.created_by_email,
            submitted_at: rfc3339(self.created_at),
            finished_at: self.finished_at.map(rfc3339),
            status: self.status,
            all_or_nothing: self.all_or_nothing,
            total_rows: count(self.total_rows),
            processed_rows: count(self.processed_rows),
            added: count(self.added),
            updated: count(self.updated),
            deleted: count(self.deleted),
            unchanged: count(self.unchanged),
            failed: count(self.failed),
            warnings: count(self.warnings),
            error: self.error_message,
        }
    }
}

fn summary_query() -> sea_orm::Select<task::Entity> {
    use task::Column as C;
    task::Entity::find().select_only().columns([
        C::Id,
        C::Status,
        C::FileName,
        C::AllOrNothing,
        C::TotalRows,
        C::ProcessedRows,
        C::Added,
        C::Updated,
        C::Deleted,
        C::Unchanged,
        C::Failed,
        C::Warnings,
        C::ErrorMessage,
        C::CreatedByEmail,
        C::CreatedAt,
        C::FinishedAt,
    ])
}

/// The tasks `actor` sees: full and read-only administrators every task (a file may touch any
/// location), location administrators their own.
fn visible_to<S: QueryFilter>(query: S, actor: &Actor) -> S {
    if actor.may_read_audit() {
        query
    } else {
        query.filter(submitted_by(actor))
    }
}

/// The tasks `actor` submitted: an administrator's or an API token's.
fn submitted_by(actor: &Actor) -> sea_orm::Condition {
    match tokens::token_id(actor) {
        Some(token) => sea_orm::Condition::all().add(task::Column::CreatedByTokenId.eq(token)),
        None => sea_orm::Condition::all().add(task::Column::CreatedBy.eq(actor.id.as_str())),
    }
}

fn not_found() -> ServiceError {
    AppError::NotFound { what: "The import task".to_string() }.into()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The name shown for an upload: its last path component, trimmed, at most 200 characters.
fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw).trim();
    let name: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if name.is_empty() {
        "upload.csv".to_string()
    } else {
        name
    }
}

/// Reads the whole file once for what makes it unusable (encoding, header, size, row limit)
/// and counts its rows, so that an upload is refused at once rather than by a failed task.
pub fn scan(bytes: &[u8], limits: Limits) -> Result<u64, CheckError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(limits.too_large().into());
    }
    let mut reader = CsvReader::with_limits(bytes, limits)?;
    let mut rows = 0;
    while reader.next_row()?.is_some() {
        rows += 1;
    }
    Ok(rows)
}

/// Validate: the check of every row against the rules, the database and the other rows,
/// changing nothing (full administrators, who alone may import).
pub async fn validate(
    db: &DatabaseConnection,
    actor: &Actor,
    bytes: &[u8],
    limits: Limits,
) -> Result<CheckReport, CheckError> {
    require_importer(actor)?;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(limits.too_large().into());
    }
    check::check(db, actor, bytes, limits).await
}

/// Submit: stores the file as a queued task. The same file again while its task is queued or
/// running answers that task (`duplicate`), enforced by a unique index across replicas.
pub async fn submit(
    db: &DatabaseConnection,
    actor: &Actor,
    file_name: &str,
    bytes: Vec<u8>,
    all_or_nothing: bool,
    limits: Limits,
) -> Result<Submitted, CheckError> {
    require_importer(actor)?;
    let total_rows = scan(&bytes, limits)?;
    let key = format!("{KIND_CSV_IMPORT}:{}", sha256_hex(&bytes));
    if let Some(id) = active_with_key(db, &key).await? {
        return Ok(Submitted { task_id: id, duplicate: true });
    }
    let waiting = task::Entity::find()
        .filter(submitted_by(actor))
        .filter(task::Column::Status.is_in(TaskStatus::ACTIVE))
        .count(db)
        .await
        .map_err(ServiceError::from)?;
    if waiting >= ACTIVE_TASKS_PER_ADMIN {
        tracing::info!(admin = %actor.id, waiting, "import refused: too many of this administrator's imports waiting");
        return Err(ServiceError::from(AppError::TooManyRequests { retry_after_secs: 30 }).into());
    }
    let id = new_id();
    let row = task::ActiveModel {
        id: Set(id.clone()),
        kind: Set(KIND_CSV_IMPORT.to_string()),
        status: Set(TaskStatus::Queued),
        file_name: Set(clean_file_name(file_name)),
        file_sha256: Set(key[KIND_CSV_IMPORT.len() + 1..].to_string()),
        file_bytes: Set(bytes),
        idempotency_key: Set(Some(key.clone())),
        all_or_nothing: Set(all_or_nothing),
        total_rows: Set(i64::try_from(total_rows).unwrap_or(i64::MAX)),
        processed_rows: Set(0),
        added: Set(0),
        updated: Set(0),
        deleted: Set(0),
        unchanged: Set(0),
        failed: Set(0),
        warnings: Set(0),
        error_code: Set(None),
        error_message: Set(None),
        created_by: Set(tokens::token_id(actor).is_none().then(|| actor.id.clone())),
        created_by_token_id: Set(tokens::token_id(actor).map(str::to_string)),
        created_by_email: Set(actor.email.clone()),
        created_at: Set(Utc::now()),
        started_at: Set(None),
        finished_at: Set(None),
        lease_owner: Set(None),
        lease_token: Set(None),
        lease_expires_at: Set(None),
        attempts: Set(0),
    };
    match task::Entity::insert(row).exec_without_returning(db).await {
        Ok(_) => {
            tracing::info!(task = %id, admin = %actor.id, rows = total_rows, "import task queued");
            Ok(Submitted { task_id: id, duplicate: false })
        }
        // Another request stored the same file between the look-up and the insert.
        Err(error) => match active_with_key(db, &key).await? {
            Some(id) => Ok(Submitted { task_id: id, duplicate: true }),
            None => Err(ServiceError::from(error).into()),
        },
    }
}

async fn active_with_key(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, ServiceError> {
    Ok(task::Entity::find()
        .select_only()
        .column(task::Column::Id)
        .filter(task::Column::IdempotencyKey.eq(key))
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// The newest tasks, with live progress for those this process runs.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    board: &Board,
) -> Result<Vec<TaskSummary>, ServiceError> {
    let rows = visible_to(summary_query(), actor)
        .order_by_desc(task::Column::CreatedAt)
        .order_by_desc(task::Column::Id)
        .limit(LIST_MAX)
        .into_model::<TaskRow>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut summary = row.into_summary();
            board.overlay(&mut summary);
            summary
        })
        .collect())
}

/// A task `actor` may see (another's task reads as not found to a location administrator).
async fn summary(db: &impl ConnectionTrait, actor: &Actor, id: &str) -> Result<TaskSummary, ServiceError> {
    visible_to(summary_query().filter(task::Column::Id.eq(id)), actor)
        .into_model::<TaskRow>()
        .one(db)
        .await?
        .map(TaskRow::into_summary)
        .ok_or_else(not_found)
}

/// One task and a page of its row problems (in row order).
pub async fn get(
    db: &DatabaseConnection,
    actor: &Actor,
    board: &Board,
    id: &str,
    page: app::model::PageIndex,
) -> Result<TaskDetail, ServiceError> {
    let mut task = summary(db, actor, id).await?;
    board.overlay(&mut task);
    let problems = task_row_error::Entity::find().filter(task_row_error::Column::TaskId.eq(id));
    let total_problems = problems.clone().count(db).await?;
    let problems = problems
        .order_by_asc(task_row_error::Column::Seq)
        .offset(page.offset(TASK_ERRORS_PAGE))
        .limit(TASK_ERRORS_PAGE)
        .all(db)
        .await?
        .into_iter()
        .map(|p| TaskRowError {
            row: count(p.row),
            column: p.column,
            code: p.code,
            message: p.message,
            is_error: p.is_error,
        })
        .collect();
    Ok(TaskDetail { task, problems, total_problems, page })
}

/// Stores a task's row problems (inside the task's final transaction), in the order they
/// were found, `PROBLEM_CHUNK` rows a statement.
pub(crate) async fn record_problems(
    db: &impl ConnectionTrait,
    task_id: &str,
    problems: ProblemSpill,
) -> Result<(), ServiceError> {
    task_row_error::Entity::delete_many().filter(task_row_error::Column::TaskId.eq(task_id)).exec(db).await?;
    let mut batch = Vec::with_capacity(PROBLEM_CHUNK);
    for (seq, problem) in problems.read()?.enumerate() {
        let p = problem?;
        batch.push(task_row_error::ActiveModel {
            task_id: Set(task_id.to_string()),
            seq: Set(i64::try_from(seq).unwrap_or(i64::MAX)),
            row: Set(i64::try_from(p.row).unwrap_or(i64::MAX)),
            column: Set(p.column),
            code: Set(p.code),
            message: Set(p.message),
            is_error: Set(p.is_error),
        });
        if batch.len() == PROBLEM_CHUNK {
            task_row_error::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(db)
                .await?;
        }
    }
    if !batch.is_empty() {
        task_row_error::Entity::insert_many(batch).exec_without_returning(db).await?;
    }
    Ok(())
}

/// Download errors (CSV): the rows that failed, as the file had them (its own header and
/// cells; formula-looking ones made inert), with an Error column that says what to fix; the admin fixes them and uploads the
/// file again (the reader ignores the Error column). Returns the download's file name and bytes.
pub async fn errors_csv(
    db: &DatabaseConnection,
    actor: &Actor,
    id: &str,
) -> Result<(String, Vec<u8>), ServiceError> {
    let row = visible_to(task::Entity::find_by_id(id), actor).one(db).await?.ok_or_else(not_found)?;
    let mut messages: HashMap<u64, Vec<String>> = HashMap::new();
    let problems = task_row_error::Entity::find()
        .filter(task_row_error::Column::TaskId.eq(id))
        .filter(task_row_error::Column::IsError.eq(true))
        .order_by_asc(task_row_error::Column::Seq)
        .all(db)
        .await?;
    for p in problems {
        messages.entry(count(p.row)).or_default().push(format!("{}: {} ({})", p.column, p.message, p.code));
    }
    // UTF-8 with a BOM, as spreadsheets want it.
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer("\u{feff}".as_bytes().to_vec());
    let write_error = |error: csv::Error| -> ServiceError {
        let reference = crate::telemetry::request_id().unwrap_or_else(new_id);
        tracing::error!(%reference, %error, "errors CSV could not be written");
        AppError::Internal { reference }.into()
    };
    match CsvReader::with_limits(row.file_bytes.as_slice(), Limits::NONE) {
        Ok(mut reader) => {
            let mut header = reader.header().to_vec();
            if let Some(first) = header.first_mut() {
                *first = first.trim_start_matches('\u{FEFF}').to_string();
            }
            let width = header.len();
            header.push(ERROR_COLUMN.to_string());
            out.write_record(&header).map_err(write_error)?;
            loop {
                let number = match reader.next_row() {
                    Ok(Some(Ok(r))) => r.row,
                    Ok(Some(Err(shape))) => shape.row,
                    Ok(None) | Err(_) => break,
                };
                let Some(found) = messages.get(&number) else { continue };
                // Formula-looking cells are made inert, as in the export (another administrator
                // may open this file); vext's reader takes the marker off again, so the fixed
                // file still goes back in.
                let mut cells: Vec<String> =
                    reader.raw_cells().iter().map(|cell| inert_cell(cell).into_owned()).collect();
                // A row with too few cells gets empty ones, so Error stays in its column.
                if cells.len() < width {
                    cells.resize(width, String::new());
                }
                cells.push(found.join(" "));
                out.write_record(&cells).map_err(write_error)?;
            }
        }
        // The file as a whole was unusable: one line that says why.
        Err(file) => {
            out.write_record([ERROR_COLUMN]).map_err(write_error)?;
            out.write_record([format!("{} ({})", file.message, file.code)]).map_err(write_error)?;
        }
    }
    let bytes = out.into_inner().map_err(|e| write_error(csv::Error::from(e.into_error())))?;
    let stem = row.file_name.strip_suffix(".csv").unwrap_or(&row.file_name).to_string();
    Ok((format!("{stem}-errors.csv"), bytes))
}

/// Finished tasks deleted per statement by [`prune_finished`]: each delete is short, so no
/// other writer waits long for it.
const PRUNE_BATCH: u64 = 100;

/// Deletes the tasks that finished before `cutoff`, with their files and row problems (the
/// task's audit entry, and the history it wrote for each entry, stay). Tasks still queued or
/// running are never touched. Returns how many were deleted.
pub async fn prune_finished(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> Result<u64, ServiceError> {
    let mut deleted = 0;
    loop {
        let finished = || {
            sea_orm::Condition::all()
                .add(task::Column::Status.is_not_in(TaskStatus::ACTIVE))
                .add(task::Column::FinishedAt.lt(cutoff))
        };
        let ids: Vec<String> = task::Entity::find()
            .select_only()
            .column(task::Column::Id)
            .filter(finished())
            .order_by_asc(task::Column::FinishedAt)
            .limit(PRUNE_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(deleted);
        }
        // Row problems go with their task (the foreign key cascades).
        let done = task::Entity::delete_many()
            .filter(task::Column::Id.is_in(ids.iter().map(String::as_str)))
            .filter(finished())
            .exec(db)
            .await?;
        deleted += done.rows_affected;
        if (ids.len() as u64) < PRUNE_BATCH {
            return Ok(deleted);
        }
    }
}
