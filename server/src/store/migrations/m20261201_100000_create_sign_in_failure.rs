//! Failed sign-ins are counted per email address *and* client (an IPv4 address or an IPv6
//! /64), not per account: a stranger failing from their own address slows only themselves,
//! and the right password from anywhere else still opens a session. Unknown emails are counted
//! the same way, so both answers cost the same work. Replaces the per-account counter.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInFailure {
    Table,
    Email,
    Client,
    Failures,
    LockedUntil,
    LastFailedAt,
}

#[derive(DeriveIden)]
enum AdminUser {
    Table,
    FailedSignIns,
    LockedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInFailure::Table)
                    // What was typed, trimmed and lower-cased (known or not: no foreign key).
                    .col(ColumnDef::new(SignInFailure::Email).string_len(320).not_null())
                    .col(ColumnDef::new(SignInFailure::Client).string_len(64).not_null())
                    .col(ColumnDef::new(SignInFailure::Failures).integer().not_null().default(0))
                    .col(ColumnDef::new(SignInFailure::LockedUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(SignInFailure::LastFailedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(SignInFailure::Email).col(SignInFailure::Client))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_failure_last_failed_at")
                    .table(SignInFailure::Table)
                    .col(SignInFailure::LastFailedAt)
                    .to_owned(),
            )
            .await?;
        // SQLite alters one column per statement.
        for column in [AdminUser::FailedSignIns, AdminUser::LockedUntil] {
            manager
                .alter_table(Table::alter().table(AdminUser::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AdminUser::Table)
                    .add_column(ColumnDef::new(AdminUser::FailedSignIns).integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AdminUser::Table)
                    .add_column(ColumnDef::new(AdminUser::LockedUntil).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(SignInFailure::Table).to_owned()).await
    }
}
