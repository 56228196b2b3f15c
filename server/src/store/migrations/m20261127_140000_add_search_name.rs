use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VirtualExtension {
    Table,
    Id,
    SearchName,
    DisplayName,
    FirstName,
    LastName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The names folded for search (lower case, accents removed): what the list's search
        // matches, so that "zoe" finds "Zoë" on SQLite and PostgreSQL alike.
        manager
            .alter_table(
                Table::alter()
                    .table(VirtualExtension::Table)
                    .add_column(
                        ColumnDef::new(VirtualExtension::SearchName).string_len(1300).not_null().default(""),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let select = Query::select()
            .columns([
                VirtualExtension::Id,
                VirtualExtension::DisplayName,
                VirtualExtension::FirstName,
                VirtualExtension::LastName,
            ])
            .from(VirtualExtension::Table)
            .to_owned();
        for row in db.query_all(&select).await? {
            let id: String = row.try_get("", "id")?;
            let display: String = row.try_get("", "display_name")?;
            let first: Option<String> = row.try_get("", "first_name")?;
            let last: Option<String> = row.try_get("", "last_name")?;
            let folded = app::model::search::search_name(&display, first.as_deref(), last.as_deref());
            let update = Query::update()
                .table(VirtualExtension::Table)
                .value(VirtualExtension::SearchName, folded)
                .and_where(Expr::col(VirtualExtension::Id).eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
        // The list's default order (by display name, case- and accent-insensitively) walks it.
        manager
            .create_index(
                Index::create()
                    .name("ix_virtual_extension_search_name")
                    .table(VirtualExtension::Table)
                    .col(VirtualExtension::SearchName)
                    .col(VirtualExtension::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_virtual_extension_search_name")
                    .table(VirtualExtension::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(VirtualExtension::Table)
                    .drop_column(VirtualExtension::SearchName)
                    .to_owned(),
            )
            .await
    }
}
