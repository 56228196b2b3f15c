//! The organization gets a stable id (the REST API's `orgId`, told by `GET /v1/organizations/me`),
//! and a location its address and time zone (the REST API's `address` and `timeZone`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrgSettings {
    Table,
    Id,
    OrgId,
}

#[derive(DeriveIden)]
enum Location {
    Table,
    Address1,
    Address2,
    City,
    State,
    PostalCode,
    TimeZone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OrgSettings::Table)
                    .add_column(ColumnDef::new(OrgSettings::OrgId).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        // Given once, here: an opaque id safe in a URL (a UUID), the same after every restart.
        let mut set = Query::update();
        set.table(OrgSettings::Table)
            .value(OrgSettings::OrgId, crate::store::new_id())
            .and_where(Expr::col(OrgSettings::Id).eq(1));
        manager.exec_stmt(set).await?;
        // SQLite adds one column per statement.
        for column in
            [Location::Address1, Location::Address2, Location::City, Location::State, Location::PostalCode]
        {
            manager
                .alter_table(
                    Table::alter()
                        .table(Location::Table)
                        .add_column(ColumnDef::new(column).string_len(400).null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Location::Table)
                    .add_column(ColumnDef::new(Location::TimeZone).string_len(64).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Location::Address1,
            Location::Address2,
            Location::City,
            Location::State,
            Location::PostalCode,
            Location::TimeZone,
        ] {
            manager.alter_table(Table::alter().table(Location::Table).drop_column(column).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table(OrgSettings::Table).drop_column(OrgSettings::OrgId).to_owned())
            .await
    }
}
