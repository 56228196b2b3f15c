//! The import worker: claims queued tasks with a lease and runs them.
//!
//! Exactly once, whatever crashes: a task's rows, its row problems, its audit entry and its
//! final state are written in **one transaction**, whose last statement is the state update
//! fenced by the lease token (`WHERE lease_token = ?`). A worker that dies leaves nothing
//! behind (its transaction never commits); once its lease expires another worker (or the same
//! server after a restart) claims the task and runs it from the start. A worker whose lease was
//! taken over finds its fenced update matching nothing and rolls back.

use super::check::{CheckError, CheckReport, ProblemSpill};
use super::engine::{after_bulk_load, import_in, ImportOptions};
use super::progress::{Board, Progress};
use super::tasks::record_problems;
use crate::services::{accounts, tokens, ServiceError};
use crate::store::entities::{admin_user, task};
use crate::store::{begin_write, new_id};
use crate::telemetry::names;
use app::model::admin::Actor;
use app::model::csv::Limits;
use app::model::task::{ImportRun, TaskOutcome, TaskStatus};
use app::model::ErrorCode;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, UpdateMany,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// Claims after which a task that keeps failing is given up (a crash counts as a claim too).
pub const MAX_ATTEMPTS: i32 = 10;
/// How often an idle worker looks for tasks queued by other replicas.
const POLL: Duration = Duration::from_secs(1);

/// A task this worker holds, and the token that fences its writes.
#[derive(Debug)]
pub struct Claim {
    pub task: task::Model,
    pub token: String,
}

/// How a run ended, for logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ran {
    Finished(TaskStatus),
    /// Another worker took the task over (this one's lease had expired): nothing written.
    LeaseLost,
}

#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    /// Who holds a lease (for operators reading the table): host, process and a random part.
    owner: String,
    lease: Duration,
    board: Board,
    wake: Arc<Notify>,
}

impl Worker {
    pub fn new(db: DatabaseConnection, board: Board, lease: Duration) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "vext".to_string());
        let owner = format!("{host}:{}:{}", std::process::id(), &new_id()[24..]);
        Self { db, owner, lease, board, wake: Arc::new(Notify::new()) }
    }

    /// Wakes the worker at once (an upload on this replica queued a task).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs tasks until `shutdown` turns true. A task running then gets `grace` to finish;
    /// after that its transaction is dropped (rolled back) and its lease released, so another
    /// replica, or this server's next start, runs it at once.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, grace: Duration) {
        tracing::info!(owner = %self.owner, lease_secs = self.lease.as_secs(), "import worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            let claim = match self.claim().await {
                Ok(Some(claim)) => claim,
                Ok(None) => {
                    tokio::select! {
                        () = self.wake.notified() => {}
                        () = tokio::time::sleep(POLL) => {}
                        _ = shutdown.changed() => {}
                    }
                    continue;
                }
                Err(error) => {
                    tracing::warn!(%error, "import worker: cannot look for tasks");
                    tokio::time::sleep(POLL * 5).await;
                    continue;
                }
            };
            let (id, token) = (claim.task.id.clone(), claim.token.clone());
            let mut work = Box::pin(self.execute(claim));
            let mut stopping = shutdown.clone();
            let deadline = async move {
                let _ = stopping.wait_for(|stop| *stop).await;
                tokio::time::sleep(grace).await;
            };
            tokio::select! {
                result = &mut work => match result {
                    Ok(ran) => tracing::info!(task = %id, ?ran, "import task ended"),
                    Err(error) => tracing::error!(task = %id, %error, "import task failed; it runs again when its lease expires"),
                },
                () = deadline => {
                    drop(work);
                    tracing::warn!(task = %id, "shutdown deadline: import rolled back, task queued again");
                    if let Err(error) = self.release(&id, &token).await {
                        tracing::warn!(task = %id, %error, "could not release the task; it runs again when its lease expires");
                    }
                    break;
                }
            }
        }
        tracing::info!("import worker stopped");
    }

    /// Claims the oldest task that is queued, or whose holder's lease has expired.
    pub async fn claim(&self) -> Result<Option<Claim>, DbErr> {
        let now = Utc::now();
        let claimable = || {
            Condition::all().add(task::Column::Status.is_in(TaskStatus::ACTIVE)).add(
                Condition::any()
                    .add(task::Column::LeaseExpiresAt.is_null())
                    .add(task::Column::LeaseExpiresAt.lt(now)),
            )
        };
        let candidates: Vec<(String, Option<String>)> = task::Entity::find()
            .select_only()
            .column(task::Column::Id)
            .column(task::Column::LeaseToken)
            .filter(claimable())
            .order_by_asc(task::Column::CreatedAt)
            .limit(4)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (id, previous) in candidates {
            let token = new_id();
            let expires =
                now + chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(60));
            // Compare-and-set on the token seen: of two workers racing, one matches.
            let held_by = match &previous {
                Some(previous) => task::Column::LeaseToken.eq(previous.as_str()),
                None => task::Column::LeaseToken.is_null(),
            };
            let claimed = task::Entity::update_many()
                .col_expr(task::Column::LeaseOwner, Expr::value(self.owner.clone()))
                .col_expr(task::Column::LeaseToken, Expr::value(token.clone()))
                .col_expr(task::Column::LeaseExpiresAt, Expr::value(expires))
                .col_expr(task::Column::Attempts, Expr::col(task::Column::Attempts).add(1))
                .col_expr(task::Column::Status, Expr::value(TaskStatus::Validating))
                .col_expr(task::Column::StartedAt, Expr::value(now))
                .filter(task::Column::Id.eq(id.as_str()))
                .filter(claimable())
                .filter(held_by)
                .exec(&self.db)
                .await?;
            if claimed.rows_affected == 1 {
                if let Some(task) = task::Entity::find_by_id(id.as_str()).one(&self.db).await? {
                    if previous.is_some() {
                        tracing::warn!(task = %id, attempt = task.attempts, "taking over an import whose worker stopped");
                    }
                    return Ok(Some(Claim { task, token }));
                }
            }
        }
        Ok(None)
    }

    /// Claims and runs one task, if any is waiting (tests drive the worker with this).
    pub async fn run_once(&self) -> Result<Option<Ran>, ServiceError> {
        match self.claim().await? {
            Some(claim) => Ok(Some(self.execute(claim).await?)),
            None => Ok(None),
        }
    }

    /// Runs a claimed task to its end, in one transaction with its completion.
    pub async fn execute(&self, claim: Claim) -> Result<Ran, ServiceError> {
        let Claim { task, token } = claim;
        if task.attempts > MAX_ATTEMPTS {
            let message = format!(
                "The import was started {MAX_ATTEMPTS} times without finishing (the server stopped or failed each \
                 time); nothing was changed. Check the server log, then submit the file again."
            );
            return self.finish_unapplied(&task, &token, ErrorCode::TaskGaveUp, &message).await;
        }
        let actor = match self.submitter(&task).await? {
            Some(actor) => actor,
            None => {
                let message = if task.created_by_token_id.is_some() {
                    format!(
                        "{} is revoked or expired, or its role no longer changes virtual extensions, so the import did not run; nothing was changed.",
                        task.created_by_email
                    )
                } else {
                    format!(
                        "{} is no longer an active administrator who may change virtual extensions, so the import did not run; nothing was changed.",
                        task.created_by_email
                    )
                };
                return self.finish_unapplied(&task, &token, ErrorCode::Forbidden, &message).await;
            }
        };
        let tracked = self.board.track(&task.id);
        if self.db.get_database_backend() == DbBackend::Sqlite {
            // SQLite: the import's transaction holds the one write lock until it commits, so no
            // other worker can claim the task meanwhile; the lease only matters after a crash.
            return self.import(&task, &token, &actor, &tracked.progress, &AtomicBool::new(false)).await;
        }
        // PostgreSQL: other replicas' claims proceed while the import runs, so its lease is
        // renewed until it commits; if it cannot be, the import gives the task up.
        // The renewals run as a task of their own, so a busy import cannot hold them up.
        let completing = Arc::new(AtomicBool::new(false));
        let heartbeat = tokio::spawn({
            let (worker, id, token) = (self.clone(), task.id.clone(), token.clone());
            let (progress, completing) = (tracked.progress.clone(), completing.clone());
            async move { worker.keep_lease(&id, &token, &progress, &completing).await }
        });
        // Stopped however this ends: finished, failed, or dropped at the shutdown deadline.
        let _stop_heartbeat = AbortOnDrop(heartbeat.abort_handle());
        tokio::select! {
            biased;
            ran = self.import(&task, &token, &actor, &tracked.progress, &completing) => ran,
            lost = heartbeat => {
                let reason = lost.unwrap_or("the lease renewals stopped");
                tracing::warn!(task = %task.id, reason, "import lease lost: rolled back, the new holder runs the task");
                metrics::counter!(names::IMPORT_LEASES_LOST).increment(1);
                Ok(Ran::LeaseLost)
            }
        }
    }

    /// Renews the lease on `id` every third of its length (and records the progress there, for
    /// the Tasks list of other replicas) while the import runs. Returns, with why, once the
    /// lease is lost: another worker holds the task, or no renewal landed before it expired.
    /// Once the import is `completing` (its fenced completion written, its commit and what
    /// follows under way) the fence decides, and this waits for it.
    async fn keep_lease(
        &self,
        id: &str,
        token: &str,
        progress: &Progress,
        completing: &AtomicBool,
    ) -> &'static str {
        let mut confirmed_until = tokio::time::Instant::now() + self.lease;
        loop {
            tokio::time::sleep(self.lease / 3).await;
            if completing.load(Ordering::Acquire) {
                return std::future::pending().await;
            }
            let now = Utc::now();
            let expires =
                now + chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::seconds(60));
            let phase = if progress.is_applying() { TaskStatus::Importing } else { TaskStatus::Validating };
            let renewal = task::Entity::update_many()
                .col_expr(task::Column::LeaseExpiresAt, Expr::value(expires))
                .col_expr(task::Column::Status, Expr::value(phase))
                .col_expr(task::Column::ProcessedRows, Expr::value(stored(progress.rows())))
                .filter(task::Column::Id.eq(id))
                .filter(task::Column::LeaseToken.eq(token))
                .exec(&self.db);
            let renewed = tokio::time::timeout(self.lease / 3, renewal).await;
            if completing.load(Ordering::Acquire) {
                return std::future::pending().await;
            }
            match renewed {
                Ok(Ok(done)) if done.rows_affected == 1 => {
                    confirmed_until = tokio::time::Instant::now() + self.lease
                }
                Ok(Ok(_)) => return "another worker holds the task",
                Ok(Err(error)) => tracing::warn!(task = %id, %error, "cannot renew the import's lease"),
                Err(_) => tracing::warn!(task = %id, "renewing the import's lease took too long"),
            }
            if tokio::time::Instant::now() + self.lease / 3 >= confirmed_until {
                return "the lease could not be renewed before it expired";
            }
        }
    }

    /// The import of a claimed task, its problems and its fenced completion, in one transaction.
    async fn import(
        &self,
        task: &task::Model,
        token: &str,
        actor: &Actor,
        progress: &Progress,
        completing: &AtomicBool,
    ) -> Result<Ran, ServiceError> {
        let txn = begin_write(&self.db).await?;
        // The file was checked against the limits at upload; the worker runs what was accepted.
        let options = ImportOptions { all_or_nothing: task.all_or_nothing, limits: Limits::NONE };
        let file = task.file_bytes.as_slice();
        // Row problems wait in a temporary file until the task's completion stores them.
        let mut spill = ProblemSpill::new()?;
        let outcome = import_in(
            &txn,
            actor,
            Some(&task.id),
            &task.file_name,
            file,
            options,
            progress,
            Some(&mut spill),
        )
        .await;
        let (mut report, applied, file_error) = match outcome {
            Ok(outcome) => (outcome.report, outcome.applied, None),
            Err(CheckError::File(error)) => (CheckReport::default(), false, Some(error)),
            Err(CheckError::Service(error)) => {
                txn.rollback().await.ok();
                return Err(error);
            }
        };
        spill.append(&mut report.problems)?;
        record_problems(&txn, &task.id, spill).await?;
        let s = &report.summary;
        let TaskOutcome { status, code, message } = ImportRun {
            file_error: file_error.map(|error| (error.code, error.message)),
            applied,
            all_or_nothing: task.all_or_nothing,
            failed: s.failed,
            valid: s.add + s.update + s.delete + s.unchanged,
        }
        .outcome();
        let done = |n: u64| if applied { stored(n) } else { 0 };
        // From here the fence decides whether this run stands (a renewal would only wait on it).
        completing.store(true, Ordering::Release);
        let fenced = finishing(&task.id, token)
            .col_expr(task::Column::Status, Expr::value(status))
            .col_expr(task::Column::ProcessedRows, Expr::value(stored(s.rows)))
            .col_expr(task::Column::Added, Expr::value(done(s.add)))
            .col_expr(task::Column::Updated, Expr::value(done(s.update)))
            .col_expr(task::Column::Deleted, Expr::value(done(s.delete)))
            .col_expr(task::Column::Unchanged, Expr::value(stored(s.unchanged)))
            .col_expr(task::Column::Failed, Expr::value(stored(s.failed)))
            .col_expr(task::Column::Warnings, Expr::value(stored(s.warnings)))
            .col_expr(task::Column::ErrorCode, Expr::value(code.map(ErrorCode::as_str)))
            .col_expr(task::Column::ErrorMessage, Expr::value(message))
            .exec(&txn)
            .await?;
        if fenced.rows_affected != 1 {
            txn.rollback().await?;
            tracing::warn!(task = %task.id, "lease lost before the commit: rolled back, the new holder runs the task");
            return Ok(Ran::LeaseLost);
        }
        txn.commit().await?;
        metrics::counter!(names::IMPORTS, "outcome" => outcome_label(status)).increment(1);
        for (result, rows) in [
            ("added", done(s.add)),
            ("updated", done(s.update)),
            ("deleted", done(s.delete)),
            ("unchanged", stored(s.unchanged)),
            ("failed", stored(s.failed)),
        ] {
            metrics::counter!(names::IMPORT_ROWS, "result" => result).increment(rows.unsigned_abs());
        }
        if applied {
            crate::store::directory_changed();
            after_bulk_load(&self.db, &report).await;
        }
        Ok(Ran::Finished(status))
    }

    /// Ends a task that changes nothing (fenced like any completion).
    async fn finish_unapplied(
        &self,
        task: &task::Model,
        token: &str,
        code: ErrorCode,
        message: &str,
    ) -> Result<Ran, ServiceError> {
        let fenced = finishing(&task.id, token)
            .col_expr(task::Column::Status, Expr::value(TaskStatus::Failed))
            .col_expr(task::Column::ErrorCode, Expr::value(code.as_str()))
            .col_expr(task::Column::ErrorMessage, Expr::value(message))
            .exec(&self.db)
            .await?;
        if fenced.rows_affected != 1 {
            return Ok(Ran::LeaseLost);
        }
        metrics::counter!(names::IMPORTS, "outcome" => outcome_label(TaskStatus::Failed)).increment(1);
        Ok(Ran::Finished(TaskStatus::Failed))
    }

    /// Gives a task back to the queue (shutdown): any worker may claim it at once.
    async fn release(&self, id: &str, token: &str) -> Result<(), DbErr> {
        fenced(id, token)
            .col_expr(task::Column::Status, Expr::value(TaskStatus::Queued))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The submitter as they are now (role and locations): an import runs only for an active
    /// administrator, or a token neither revoked nor expired, that may change virtual extensions.
    async fn submitter(&self, task: &task::Model) -> Result<Option<Actor>, ServiceError> {
        if let Some(token) = &task.created_by_token_id {
            let actor = tokens::current_actor(&self.db, token).await?;
            return Ok(actor.filter(Actor::may_change_any));
        }
        let Some(created_by) = &task.created_by else { return Ok(None) };
        let Some(row) = admin_user::Entity::find_by_id(created_by.as_str()).one(&self.db).await? else {
            return Ok(None);
        };
        let admin = accounts::load(&self.db, row).await?;
        if admin.disabled {
            return Ok(None);
        }
        let actor = admin.into_actor(Some("import task".to_string()), None);
        Ok(actor.may_change_any().then_some(actor))
    }
}

/// An update of task `id` that lands only while `token` still holds its lease (the fence), and
/// gives the lease up.
fn fenced(id: &str, token: &str) -> UpdateMany<task::Entity> {
    task::Entity::update_many()
        .col_expr(task::Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(task::Column::LeaseToken, Expr::value(Option::<String>::None))
        .col_expr(task::Column::LeaseExpiresAt, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .filter(task::Column::Id.eq(id))
        .filter(task::Column::LeaseToken.eq(token))
}

/// A fenced update that also ends the task: finished now, its file free to be submitted again.
fn finishing(id: &str, token: &str) -> UpdateMany<task::Entity> {
    fenced(id, token)
        .col_expr(task::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(task::Column::IdempotencyKey, Expr::value(Option::<String>::None))
}

/// Aborts a spawned task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A finished task's status as a metric label.
fn outcome_label(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Completed => "completed",
        TaskStatus::CompletedWithErrors => "completed_with_errors",
        _ => "failed",
    }
}

/// A count as the task table stores it.
fn stored(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
