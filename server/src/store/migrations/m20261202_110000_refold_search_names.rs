//! Search folds more letters than it did (`ø`, `æ`, `ł`, `ß`, …: see `app::model::search::fold`):
//! the stored folded names are recomputed, so that "Odegaard" finds an "Ødegaard" saved before.
//! In batches by id, writing only the names whose folding changed; on SQLite the search table's
//! update trigger follows each change.

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

const BATCH: u64 = 1_000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut after = String::new();
        loop {
            let select = Query::select()
                .columns([
                    VirtualExtension::Id,
                    VirtualExtension::SearchName,
                    VirtualExtension::DisplayName,
                    VirtualExtension::FirstName,
                    VirtualExtension::LastName,
                ])
                .from(VirtualExtension::Table)
                .and_where(Expr::col(VirtualExtension::Id).gt(after.clone()))
                .order_by(VirtualExtension::Id, Order::Asc)
                .limit(BATCH)
                .to_owned();
            let rows = db.query_all(&select).await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("", "id")?;
            for row in &rows {
                let id: String = row.try_get("", "id")?;
                let stored: String = row.try_get("", "search_name")?;
                let display: String = row.try_get("", "display_name")?;
                let first: Option<String> = row.try_get("", "first_name")?;
                let last: Option<String> = row.try_get("", "last_name")?;
                let folded = app::model::search::search_name(&display, first.as_deref(), last.as_deref());
                if folded == stored {
                    continue;
                }
                let update = Query::update()
                    .table(VirtualExtension::Table)
                    .value(VirtualExtension::SearchName, folded)
                    .and_where(Expr::col(VirtualExtension::Id).eq(id))
                    .to_owned();
                db.execute(&update).await?;
            }
        }
        Ok(())
    }

    /// The older folding's names still find everything they found before: nothing to undo.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
