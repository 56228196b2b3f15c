//! SQLite: the search index keeps no copy of the text it indexes. `ve_search` becomes an
//! external-content FTS5 table over a view of `virtual_extension` (the folded names, and the
//! extension and number as the digits), so each insert writes the index and not a second copy
//! of the row as well (measured: 100,000 inserts 2.0 → 1.9 s, a names update of all of them
//! 2.85 → 2.50 s; BENCHMARKS.md). The triggers tell the index what changed, giving the old
//! values back to remove (FTS5's `delete` command); the index is rebuilt once, here.
//! PostgreSQL has no such table: nothing to do.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The trigram table, its content read through the view.
const UP: &[&str] = &[
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_insert_numbered",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_insert_unnumbered",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_update",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_delete",
    "DROP TABLE IF EXISTS ve_search",
    "CREATE VIEW ve_search_content AS \
     SELECT search_rowid, search_name AS names, extension || ' ' || phone_number AS digits \
     FROM virtual_extension",
    "CREATE VIRTUAL TABLE ve_search USING fts5(names, digits, tokenize = 'trigram', \
     content = 've_search_content', content_rowid = 'search_rowid')",
    "INSERT INTO ve_search (ve_search) VALUES ('rebuild')",
    // The store numbers every row it writes; a row inserted without a number (by hand) gets the
    // next one here.
    "CREATE TRIGGER tr_virtual_extension_search_insert_unnumbered AFTER INSERT ON virtual_extension \
     WHEN new.search_rowid IS NULL BEGIN \
       UPDATE virtual_extension \
       SET search_rowid = (SELECT coalesce(max(search_rowid), 0) + 1 FROM virtual_extension) \
       WHERE id = new.id; \
       INSERT INTO ve_search (rowid, names, digits) \
       SELECT search_rowid, search_name, extension || ' ' || phone_number FROM virtual_extension \
       WHERE id = new.id; \
     END",
    "CREATE TRIGGER tr_virtual_extension_search_insert_numbered AFTER INSERT ON virtual_extension \
     WHEN new.search_rowid IS NOT NULL BEGIN \
       INSERT INTO ve_search (rowid, names, digits) \
       VALUES (new.search_rowid, new.search_name, new.extension || ' ' || new.phone_number); \
     END",
    "CREATE TRIGGER tr_virtual_extension_search_update \
     AFTER UPDATE OF search_name, extension, phone_number ON virtual_extension BEGIN \
       INSERT INTO ve_search (ve_search, rowid, names, digits) \
       VALUES ('delete', old.search_rowid, old.search_name, old.extension || ' ' || old.phone_number); \
       INSERT INTO ve_search (rowid, names, digits) \
       VALUES (new.search_rowid, new.search_name, new.extension || ' ' || new.phone_number); \
     END",
    "CREATE TRIGGER tr_virtual_extension_search_delete AFTER DELETE ON virtual_extension BEGIN \
       INSERT INTO ve_search (ve_search, rowid, names, digits) \
       VALUES ('delete', old.search_rowid, old.search_name, old.extension || ' ' || old.phone_number); \
     END",
];

/// Back to the table with its own copy (as `add_search_index` and `search_rowid_given` left it).
const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_insert_numbered",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_insert_unnumbered",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_update",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_delete",
    "DROP TABLE IF EXISTS ve_search",
    "DROP VIEW IF EXISTS ve_search_content",
    "CREATE VIRTUAL TABLE ve_search USING fts5(names, digits, tokenize = 'trigram')",
    "INSERT INTO ve_search (rowid, names, digits) \
     SELECT search_rowid, search_name, extension || ' ' || phone_number FROM virtual_extension",
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
    "CREATE TRIGGER tr_virtual_extension_search_update \
     AFTER UPDATE OF search_name, extension, phone_number ON virtual_extension BEGIN \
       UPDATE ve_search SET names = new.search_name, digits = new.extension || ' ' || new.phone_number \
       WHERE rowid = old.search_rowid; \
     END",
    "CREATE TRIGGER tr_virtual_extension_search_delete AFTER DELETE ON virtual_extension BEGIN \
       DELETE FROM ve_search WHERE rowid = old.search_rowid; \
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
    /// One transaction, so one connection: it drops and creates objects of the same names, and
    /// another pooled connection whose schema cache predates the drop would refuse the create
    /// ("trigger … already exists": SQLite does not recheck its schema on that error).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}
