use super::m20261127_100000_create_location::Location;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VirtualExtension {
    Table,
    Id,
    Level,
    LocationId,
    ScopeKey,
    Extension,
    FirstName,
    LastName,
    DisplayName,
    PhoneNumber,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use VirtualExtension as Ve;
        let organization = Expr::col(Ve::Level)
            .eq("ORGANIZATION")
            .and(Expr::col(Ve::LocationId).is_null())
            .and(Expr::col(Ve::ScopeKey).eq("org"));
        let location = Expr::col(Ve::Level)
            .eq("LOCATION")
            .and(Expr::col(Ve::LocationId).is_not_null())
            .and(Expr::col(Ve::ScopeKey).equals(Ve::LocationId));
        manager
            .create_table(
                Table::create()
                    .table(Ve::Table)
                    .col(ColumnDef::new(Ve::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(Ve::Level).string_len(16).not_null())
                    .col(ColumnDef::new(Ve::LocationId).string_len(64).null())
                    .col(ColumnDef::new(Ve::ScopeKey).string_len(64).not_null())
                    .col(ColumnDef::new(Ve::Extension).string_len(16).not_null())
                    .col(ColumnDef::new(Ve::FirstName).string_len(400).null())
                    .col(ColumnDef::new(Ve::LastName).string_len(400).null())
                    .col(ColumnDef::new(Ve::DisplayName).string_len(400).not_null())
                    .col(ColumnDef::new(Ve::PhoneNumber).string_len(16).not_null())
                    .col(ColumnDef::new(Ve::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Ve::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Ve::Version).integer().not_null().default(1))
                    // The level decides the location and the scope: no row can say otherwise.
                    .check(Check::named("ck_virtual_extension_scope", organization.or(location)))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_virtual_extension_location")
                            .from(Ve::Table, Ve::LocationId)
                            .to(Location::Table, Location::Id)
                            .on_delete(ForeignKeyAction::Restrict)
                            .on_update(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_virtual_extension_scope_extension")
                    .table(Ve::Table)
                    .col(Ve::ScopeKey)
                    .col(Ve::Extension)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One number, one person: two entries would make caller ID ambiguous.
        manager
            .create_index(
                Index::create()
                    .name("ux_virtual_extension_phone_number")
                    .table(Ve::Table)
                    .col(Ve::PhoneNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_virtual_extension_location_id")
                    .table(Ve::Table)
                    .col(Ve::LocationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_virtual_extension_display_name")
                    .table(Ve::Table)
                    .col(Ve::DisplayName)
                    .col(Ve::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(VirtualExtension::Table).to_owned()).await
    }
}
