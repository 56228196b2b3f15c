use super::m20261127_100000_create_location::Location;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AdminUser {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    Disabled,
    PasswordChangedAt,
    FailedSignIns,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AdminLocation {
    Table,
    AdminId,
    LocationId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdminUser::Table)
                    .col(ColumnDef::new(AdminUser::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(AdminUser::Email).string_len(254).not_null())
                    .col(ColumnDef::new(AdminUser::PasswordHash).string_len(255).not_null())
                    .col(ColumnDef::new(AdminUser::Role).string_len(16).not_null())
                    .col(ColumnDef::new(AdminUser::Disabled).boolean().not_null().default(false))
                    .col(ColumnDef::new(AdminUser::PasswordChangedAt).timestamp_with_time_zone().not_null())
                    // Per-account back-off, in the database so that every replica sees it.
                    .col(ColumnDef::new(AdminUser::FailedSignIns).integer().not_null().default(0))
                    .col(ColumnDef::new(AdminUser::LockedUntil).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(AdminUser::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(AdminUser::UpdatedAt).timestamp_with_time_zone().not_null())
                    .check(Check::named(
                        "ck_admin_user_role",
                        Expr::col(AdminUser::Role).is_in(["FULL", "READ_ONLY", "LOCATION"]),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_admin_user_email")
                    .table(AdminUser::Table)
                    .col(AdminUser::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The locations a location administrator manages.
        manager
            .create_table(
                Table::create()
                    .table(AdminLocation::Table)
                    .col(ColumnDef::new(AdminLocation::AdminId).string_len(64).not_null())
                    .col(ColumnDef::new(AdminLocation::LocationId).string_len(64).not_null())
                    .primary_key(Index::create().col(AdminLocation::AdminId).col(AdminLocation::LocationId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_location_admin")
                            .from(AdminLocation::Table, AdminLocation::AdminId)
                            .to(AdminUser::Table, AdminUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_location_location")
                            .from(AdminLocation::Table, AdminLocation::LocationId)
                            .to(Location::Table, Location::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AdminLocation::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(AdminUser::Table).to_owned()).await
    }
}
