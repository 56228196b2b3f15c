//! SQLite: an insert that brings its own `search_rowid` (a bulk import numbers its rows itself)
//! indexes it in `ve_search` under that rowid; only an insert without one takes the old path
//! (the FTS table picks the rowid and the trigger writes it back into the row, an UPDATE per
//! row). PostgreSQL has no such column: nothing to do.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_insert",
    "CREATE TRIGGER tr_virtual_extension_search_insert_unnumbered AFTER INSERT ON virtual_extension \
     WHEN new.search_rowid IS NULL BEGIN \
       INSERT INTO ve_search (names, digits) VALUES (new.search_name, new.extension || ' ' || new.phone_number); \
       UPDATE virtual_extension SET search_rowid = last_insert_rowid() WHERE id = new.id; \
     END",
    "CREATE TRIGGER tr_virtual_extension_search_insert_numbered AFTER INSERT ON virtual_extension \
     WHEN new.search_rowid IS NOT NULL BEGIN \
       INSERT INTO ve_search (rowid, names, digits) \
       VALUES (new.search_rowid, new.search_name, new.extension || ' ' || new.phone_number); \
     END",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_insert_numbered",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_insert_unnumbered",
    "CREATE TRIGGER tr_virtual_extension_search_insert AFTER INSERT ON virtual_extension BEGIN \
       INSERT INTO ve_search (names, digits) VALUES (new.search_name, new.extension || ' ' || new.phone_number); \
       UPDATE virtual_extension SET search_rowid = last_insert_rowid() WHERE id = new.id; \
     END",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}
