use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Session {
    Table,
    TokenHash,
    AdminId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum AdminUser {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    // SHA-256 of the cookie's token: a copy of this table opens no session.
                    .col(ColumnDef::new(Session::TokenHash).char_len(64).not_null().primary_key())
                    .col(ColumnDef::new(Session::AdminId).string_len(64).not_null())
                    .col(ColumnDef::new(Session::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Session::LastSeenAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Session::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Session::Ip).string_len(64).null())
                    .col(ColumnDef::new(Session::UserAgent).string_len(400).null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_admin")
                            .from(Session::Table, Session::AdminId)
                            .to(AdminUser::Table, AdminUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_session_admin_id")
                    .table(Session::Table)
                    .col(Session::AdminId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Session::Table).to_owned()).await
    }
}
