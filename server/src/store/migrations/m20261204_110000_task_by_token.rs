//! An import can be submitted by an API token as well as by an administrator: `task.created_by`
//! (the administrator) becomes optional beside a new `created_by_token_id` (the token), each a
//! foreign key, and a CHECK makes exactly one of them set.
//!
//! PostgreSQL alters the table in place. SQLite cannot change a column's constraints, so the
//! table is rebuilt as SQLite's documentation prescribes (foreign keys off on one connection,
//! new table, copy, drop, rename, indexes, `foreign_key_check`), in one transaction.

use sea_orm::{sqlx, ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_query::SqliteQueryBuilder;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Task {
    Table,
    Id,
    Kind,
    Status,
    FileName,
    FileBytes,
    FileSha256,
    IdempotencyKey,
    AllOrNothing,
    TotalRows,
    ProcessedRows,
    Added,
    Updated,
    Deleted,
    Unchanged,
    Failed,
    Warnings,
    ErrorCode,
    ErrorMessage,
    CreatedBy,
    CreatedByTokenId,
    CreatedByEmail,
    CreatedAt,
    StartedAt,
    FinishedAt,
    LeaseOwner,
    LeaseToken,
    LeaseExpiresAt,
    Attempts,
}

#[derive(DeriveIden)]
enum AdminUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
}

/// Exactly one submitter: an administrator or a token.
const ONE_SUBMITTER: &str = "(created_by IS NULL) <> (created_by_token_id IS NULL)";

fn token_key() -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name("fk_task_created_by_token")
        .from(Task::Table, Task::CreatedByTokenId)
        .to(ApiToken::Table, ApiToken::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => rebuild_sqlite(manager, task_table("task_new", true)).await,
            _ => {
                let db = manager.get_connection();
                db.execute_unprepared("ALTER TABLE task ALTER COLUMN created_by DROP NOT NULL").await?;
                manager
                    .alter_table(
                        Table::alter()
                            .table(Task::Table)
                            .add_column(ColumnDef::new(Task::CreatedByTokenId).string_len(64).null())
                            .add_foreign_key(token_key().get_foreign_key())
                            .to_owned(),
                    )
                    .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE task ADD CONSTRAINT ck_task_one_submitter CHECK ({ONE_SUBMITTER})"
                ))
                .await?;
                Ok(())
            }
        }
    }

    /// Back to administrators only: refused while a task submitted by a token exists (undoing
    /// would have to delete it).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let by_token = db
            .query_one(
                &Query::select()
                    .expr(Expr::val(1))
                    .from(Task::Table)
                    .and_where(Expr::col(Task::CreatedByTokenId).is_not_null())
                    .limit(1)
                    .to_owned(),
            )
            .await?;
        if by_token.is_some() {
            return Err(DbErr::Migration(
                "API tokens submitted import tasks: delete those tasks before undoing this migration".into(),
            ));
        }
        match manager.get_database_backend() {
            DbBackend::Sqlite => rebuild_sqlite(manager, task_table("task_new", false)).await,
            _ => {
                db.execute_unprepared("ALTER TABLE task DROP CONSTRAINT ck_task_one_submitter").await?;
                db.execute_unprepared("ALTER TABLE task DROP COLUMN created_by_token_id").await?;
                db.execute_unprepared("ALTER TABLE task ALTER COLUMN created_by SET NOT NULL").await?;
                Ok(())
            }
        }
    }
}

/// The task table as it is from this migration on (`by_token`), or as it was before.
fn task_table(name: &str, by_token: bool) -> TableCreateStatement {
    let count = |column: Task| ColumnDef::new(column).big_integer().not_null().default(0).to_owned();
    let mut table = Table::create()
        .table(Alias::new(name))
        .col(ColumnDef::new(Task::Id).string_len(64).not_null().primary_key())
        .col(ColumnDef::new(Task::Kind).string_len(32).not_null())
        .col(ColumnDef::new(Task::Status).string_len(32).not_null())
        .col(ColumnDef::new(Task::FileName).string_len(300).not_null())
        .col(ColumnDef::new(Task::FileBytes).blob().not_null())
        .col(ColumnDef::new(Task::FileSha256).string_len(64).not_null())
        .col(ColumnDef::new(Task::IdempotencyKey).string_len(100).null().unique_key())
        .col(ColumnDef::new(Task::AllOrNothing).boolean().not_null().default(false))
        .col(count(Task::TotalRows))
        .col(count(Task::ProcessedRows))
        .col(count(Task::Added))
        .col(count(Task::Updated))
        .col(count(Task::Deleted))
        .col(count(Task::Unchanged))
        .col(count(Task::Failed))
        .col(count(Task::Warnings))
        .col(ColumnDef::new(Task::ErrorCode).string_len(64).null())
        .col(ColumnDef::new(Task::ErrorMessage).text().null())
        .col(ColumnDef::new(Task::CreatedByEmail).string_len(300).not_null())
        .col(ColumnDef::new(Task::CreatedAt).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(Task::StartedAt).timestamp_with_time_zone().null())
        .col(ColumnDef::new(Task::FinishedAt).timestamp_with_time_zone().null())
        .col(ColumnDef::new(Task::LeaseOwner).string_len(100).null())
        .col(ColumnDef::new(Task::LeaseToken).string_len(64).null())
        .col(ColumnDef::new(Task::LeaseExpiresAt).timestamp_with_time_zone().null())
        .col(ColumnDef::new(Task::Attempts).integer().not_null().default(0))
        .foreign_key(
            ForeignKey::create()
                .name("fk_task_created_by")
                .from(Task::Table, Task::CreatedBy)
                .to(AdminUser::Table, AdminUser::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    if by_token {
        table
            .col(ColumnDef::new(Task::CreatedBy).string_len(64).null())
            .col(ColumnDef::new(Task::CreatedByTokenId).string_len(64).null())
            .check(Expr::cust(ONE_SUBMITTER))
            .foreign_key(&mut token_key());
    } else {
        table.col(ColumnDef::new(Task::CreatedBy).string_len(64).not_null());
    }
    table
}

/// Replaces table task by `table` (named `task_new`), keeping every row: SQLite's way to change
/// a column's constraints.
async fn rebuild_sqlite(manager: &SchemaManager<'_>, table: TableCreateStatement) -> Result<(), DbErr> {
    use sqlx::Connection;
    let sea_orm::DatabaseExecutor::Connection(db) = manager.get_connection() else {
        return Err(DbErr::Migration("rebuilding table task needs the pool, not a transaction".into()));
    };
    let pool = db.get_sqlite_connection_pool();
    let fail = |e: sqlx::Error| DbErr::Migration(format!("rebuilding table task: {e}"));
    // One connection throughout: the foreign_keys pragma belongs to a connection and cannot
    // change inside a transaction.
    let mut conn = pool.acquire().await.map_err(fail)?;
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(fail)?;
    let rebuilt = async {
        let mut txn = conn.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(table.to_string(SqliteQueryBuilder))).execute(&mut *txn).await?;
        let columns = "id, kind, status, file_name, file_bytes, file_sha256, idempotency_key, \
                       all_or_nothing, total_rows, processed_rows, added, updated, deleted, unchanged, \
                       failed, warnings, error_code, error_message, created_by, created_by_email, \
                       created_at, started_at, finished_at, lease_owner, lease_token, lease_expires_at, \
                       attempts";
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO task_new ({columns}) SELECT {columns} FROM task"
        )))
        .execute(&mut *txn)
        .await?;
        sqlx::query("DROP TABLE task").execute(&mut *txn).await?;
        sqlx::query("ALTER TABLE task_new RENAME TO task").execute(&mut *txn).await?;
        sqlx::query("CREATE INDEX ix_task_created_at ON task (created_at)").execute(&mut *txn).await?;
        sqlx::query("CREATE INDEX ix_task_status ON task (status, created_at)").execute(&mut *txn).await?;
        let broken: Vec<sqlx::sqlite::SqliteRow> =
            sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *txn).await?;
        if !broken.is_empty() {
            txn.rollback().await?;
            return Err(sqlx::Error::Protocol(format!(
                "{} rows would break a foreign key after the rebuild",
                broken.len()
            )));
        }
        txn.commit().await
    }
    .await;
    let restored = sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await;
    rebuilt.map_err(fail)?;
    restored.map_err(fail)?;
    Ok(())
}
