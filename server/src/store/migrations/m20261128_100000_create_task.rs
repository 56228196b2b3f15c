use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
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
enum TaskRowError {
    Table,
    TaskId,
    Seq,
    Row,
    Column,
    Code,
    Message,
    IsError,
}

#[derive(DeriveIden)]
enum AdminUser {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let count = |column: Task| ColumnDef::new(column).big_integer().not_null().default(0).to_owned();
        manager
            .create_table(
                Table::create()
                    .table(Task::Table)
                    .col(ColumnDef::new(Task::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(Task::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Task::Status).string_len(32).not_null())
                    .col(ColumnDef::new(Task::FileName).string_len(300).not_null())
                    // The upload itself: any replica can run the task, and a rerun after a crash
                    // reads exactly what was submitted.
                    .col(ColumnDef::new(Task::FileBytes).blob().not_null())
                    .col(ColumnDef::new(Task::FileSha256).string_len(64).not_null())
                    // Set while the task is queued or running, NULL once it has finished: the
                    // unique index refuses a second task for the same file meanwhile.
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
                    .col(ColumnDef::new(Task::CreatedBy).string_len(64).not_null())
                    .col(ColumnDef::new(Task::CreatedByEmail).string_len(300).not_null())
                    .col(ColumnDef::new(Task::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Task::StartedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Task::FinishedAt).timestamp_with_time_zone().null())
                    // The worker that holds the task, a token fencing its writes, and until when.
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
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_task_created_at").table(Task::Table).col(Task::CreatedAt).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_status")
                    .table(Task::Table)
                    .col(Task::Status)
                    .col(Task::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskRowError::Table)
                    .col(ColumnDef::new(TaskRowError::TaskId).string_len(64).not_null())
                    // Order of discovery (row order): the primary key keeps a task's problems
                    // together and in order.
                    .col(ColumnDef::new(TaskRowError::Seq).big_integer().not_null())
                    .col(ColumnDef::new(TaskRowError::Row).big_integer().not_null())
                    .col(ColumnDef::new(TaskRowError::Column).string_len(32).not_null())
                    .col(ColumnDef::new(TaskRowError::Code).string_len(64).not_null())
                    .col(ColumnDef::new(TaskRowError::Message).text().not_null())
                    .col(ColumnDef::new(TaskRowError::IsError).boolean().not_null())
                    .primary_key(Index::create().col(TaskRowError::TaskId).col(TaskRowError::Seq))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_task_row_error_task")
                            .from(TaskRowError::Table, TaskRowError::TaskId)
                            .to(Task::Table, Task::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TaskRowError::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Task::Table).to_owned()).await
    }
}
