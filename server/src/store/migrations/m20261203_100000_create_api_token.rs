use super::m20261127_100000_create_location::Location;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    Name,
    SecretHash,
    Role,
    CreatedById,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AdminUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiTokenLocation {
    Table,
    TokenId,
    LocationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A script's credential for the REST API: a role like an administrator's, a name for the
        // audit log, and only the SHA-256 of its secret.
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(ColumnDef::new(ApiToken::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(ApiToken::Name).string_len(255).not_null())
                    .col(ColumnDef::new(ApiToken::SecretHash).string_len(64).not_null())
                    .col(ColumnDef::new(ApiToken::Role).string_len(16).not_null())
                    // Who made it: an administrator's id (none for the command line), and their
                    // email or "command line (user …)" as it was then.
                    .col(ColumnDef::new(ApiToken::CreatedById).string_len(64).null())
                    .col(ColumnDef::new(ApiToken::CreatedBy).string_len(300).not_null())
                    .col(ColumnDef::new(ApiToken::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ApiToken::LastUsedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ApiToken::ExpiresAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ApiToken::RevokedAt).timestamp_with_time_zone().null())
                    .check(Check::named(
                        "ck_api_token_role",
                        Expr::col(ApiToken::Role).is_in(["FULL", "READ_ONLY", "LOCATION"]),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_token_created_by")
                            .from(ApiToken::Table, ApiToken::CreatedById)
                            .to(AdminUser::Table, AdminUser::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in
            [("ux_api_token_name", ApiToken::Name), ("ux_api_token_secret_hash", ApiToken::SecretHash)]
        {
            manager
                .create_index(
                    Index::create().name(name).table(ApiToken::Table).col(column).unique().to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ApiTokenLocation::Table)
                    .col(ColumnDef::new(ApiTokenLocation::TokenId).string_len(64).not_null())
                    .col(ColumnDef::new(ApiTokenLocation::LocationId).string_len(64).not_null())
                    .primary_key(
                        Index::create().col(ApiTokenLocation::TokenId).col(ApiTokenLocation::LocationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_token_location_token")
                            .from(ApiTokenLocation::Table, ApiTokenLocation::TokenId)
                            .to(ApiToken::Table, ApiToken::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_token_location_location")
                            .from(ApiTokenLocation::Table, ApiTokenLocation::LocationId)
                            .to(Location::Table, Location::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_token_location_location")
                    .table(ApiTokenLocation::Table)
                    .col(ApiTokenLocation::LocationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApiTokenLocation::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ApiToken::Table).to_owned()).await
    }
}
