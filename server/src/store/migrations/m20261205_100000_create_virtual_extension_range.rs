//! Virtual extension ranges and their patterns, a location's outside dial digit, and the
//! directory version that tells a dial-plan snapshot it is stale.
//!
//! What the database holds true on its own: a range's name is unique ignoring case
//! (`name_key`), its level, location and scope agree (as for entries), a pattern is unique in
//! its scope (the same pattern cannot route to two prefixes), a pattern belongs to one range and
//! goes with it, and a location in use by a range cannot be deleted. Overlap (`12XX` against
//! `123X`) is not an equality, so the service checks it, under the range write lock.

use super::m20261127_100000_create_location::Location;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VirtualExtensionRange {
    Table,
    Id,
    Name,
    NameKey,
    Prefix,
    Level,
    LocationId,
    ScopeKey,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum VirtualExtensionRangePattern {
    Table,
    RangeId,
    ScopeKey,
    Pattern,
    Position,
}

#[derive(DeriveIden)]
enum LocationCalling {
    OutsideDialDigit,
}

#[derive(DeriveIden)]
enum OrgSettings {
    Table,
    DirectoryVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use VirtualExtensionRange as R;
        use VirtualExtensionRangePattern as P;
        let organization = Expr::col(R::Level)
            .eq("ORGANIZATION")
            .and(Expr::col(R::LocationId).is_null())
            .and(Expr::col(R::ScopeKey).eq("org"));
        let location = Expr::col(R::Level)
            .eq("LOCATION")
            .and(Expr::col(R::LocationId).is_not_null())
            .and(Expr::col(R::ScopeKey).equals(R::LocationId));
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(ColumnDef::new(R::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(R::Name).string_len(400).not_null())
                    .col(ColumnDef::new(R::NameKey).string_len(400).not_null())
                    .col(ColumnDef::new(R::Prefix).string_len(32).not_null())
                    .col(ColumnDef::new(R::Level).string_len(16).not_null())
                    .col(ColumnDef::new(R::LocationId).string_len(64).null())
                    .col(ColumnDef::new(R::ScopeKey).string_len(64).not_null())
                    .col(ColumnDef::new(R::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(R::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(R::Version).integer().not_null().default(1))
                    .check(Check::named("ck_virtual_extension_range_scope", organization.or(location)))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_virtual_extension_range_location")
                            .from(R::Table, R::LocationId)
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
                    .name("ux_virtual_extension_range_name_key")
                    .table(R::Table)
                    .col(R::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_virtual_extension_range_location_id")
                    .table(R::Table)
                    .col(R::LocationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(ColumnDef::new(P::RangeId).string_len(64).not_null())
                    .col(ColumnDef::new(P::ScopeKey).string_len(64).not_null())
                    .col(ColumnDef::new(P::Pattern).string_len(16).not_null())
                    .col(ColumnDef::new(P::Position).integer().not_null())
                    .primary_key(Index::create().col(P::RangeId).col(P::Pattern))
                    .check(Check::named(
                        "ck_virtual_extension_range_pattern_length",
                        Expr::cust("length(pattern) BETWEEN 2 AND 10"),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_virtual_extension_range_pattern_range")
                            .from(P::Table, P::RangeId)
                            .to(R::Table, R::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_virtual_extension_range_pattern_scope")
                    .table(P::Table)
                    .col(P::ScopeKey)
                    .col(P::Pattern)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Location::Table)
                    .add_column(ColumnDef::new(LocationCalling::OutsideDialDigit).string_len(1).null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OrgSettings::Table)
                    .add_column(
                        ColumnDef::new(OrgSettings::DirectoryVersion).big_integer().not_null().default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OrgSettings::Table)
                    .drop_column(OrgSettings::DirectoryVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Location::Table)
                    .drop_column(LocationCalling::OutsideDialDigit)
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(VirtualExtensionRangePattern::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(VirtualExtensionRange::Table).to_owned()).await
    }
}
