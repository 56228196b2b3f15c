//! What an import did to each entry: the entry's fields before and after, one row per changed
//! entry, under the import's own audit event (who, when, from where, which file). An entry's
//! history reads its page edits from `audit_event` and its imports from here.
//!
//! Narrow on purpose: an import of 100,000 rows writes 100,000 of these inside its transaction,
//! so each is one entry in one B-tree (SQLite: WITHOUT ROWID, clustered by entry), and what is
//! the same for every row of the import (actor, time, address) is stored once, in the event.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportChange {
    Table,
    EntryId,
    EventId,
    Before,
    After,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Sqlite {
            // SeaQuery cannot say WITHOUT ROWID.
            db.execute_unprepared(
                "CREATE TABLE import_change ( \
                   entry_id varchar(64) NOT NULL, \
                   event_id varchar(64) NOT NULL REFERENCES audit_event (id) ON DELETE CASCADE, \
                   before text NULL, \
                   after text NULL, \
                   PRIMARY KEY (entry_id, event_id), \
                   CHECK (before IS NOT NULL OR after IS NOT NULL) \
                 ) WITHOUT ROWID",
            )
            .await?;
            return Ok(());
        }
        manager
            .create_table(
                Table::create()
                    .table(ImportChange::Table)
                    // No foreign key to the entry: its history outlives it (a deleted entry's
                    // last change is its deletion).
                    .col(ColumnDef::new(ImportChange::EntryId).string_len(64).not_null())
                    .col(ColumnDef::new(ImportChange::EventId).string_len(64).not_null())
                    // JSON objects of the entry's fields, as the audit log's: NULL before a
                    // creation, after a deletion; never both.
                    .col(ColumnDef::new(ImportChange::Before).text().null())
                    .col(ColumnDef::new(ImportChange::After).text().null())
                    .primary_key(Index::create().col(ImportChange::EntryId).col(ImportChange::EventId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_import_change_event")
                            .from(ImportChange::Table, ImportChange::EventId)
                            .to(AuditEvent::Table, AuditEvent::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(
                        Expr::col(ImportChange::Before)
                            .is_not_null()
                            .or(Expr::col(ImportChange::After).is_not_null()),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ImportChange::Table).to_owned()).await
    }
}
