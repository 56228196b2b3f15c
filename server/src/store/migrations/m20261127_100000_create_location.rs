use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Location {
    Table,
    Id,
    Name,
    RoutingPrefix,
    Country,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Location::Table)
                    .col(ColumnDef::new(Location::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(Location::Name).string_len(400).not_null())
                    .col(ColumnDef::new(Location::RoutingPrefix).string_len(16).null())
                    .col(ColumnDef::new(Location::Country).char_len(2).null())
                    .col(ColumnDef::new(Location::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Location::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_location_name")
                    .table(Location::Table)
                    .col(Location::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in unique indexes on both databases: many locations may lack a prefix.
        manager
            .create_index(
                Index::create()
                    .name("ux_location_routing_prefix")
                    .table(Location::Table)
                    .col(Location::RoutingPrefix)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Location::Table).to_owned()).await
    }
}
