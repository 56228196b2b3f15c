//! Trigram indexes for the list's substring search, so that a search reads the matches instead
//! of scanning every folded name (see BENCHMARKS.md).
//!
//! - SQLite: an FTS5 table with the `trigram` tokenizer over the folded names and the digits
//!   (extension and phone number), kept in step by triggers. Its rowids are its own, recorded
//!   in `virtual_extension.search_rowid`: the table's implicit rowid may change on VACUUM.
//! - PostgreSQL: `pg_trgm` GIN indexes on the same columns, which `LIKE '%…%'` uses as it is.
//!   Where the extension cannot be created (not installed, or no CREATE privilege), the search
//!   still works, unindexed, and the migration says so in the log.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "ALTER TABLE virtual_extension ADD COLUMN search_rowid INTEGER",
    "CREATE VIRTUAL TABLE ve_search USING fts5(names, digits, tokenize = 'trigram')",
    // Existing rows keep their current rowid as their search key (unique at this moment).
    "UPDATE virtual_extension SET search_rowid = rowid",
    "INSERT INTO ve_search (rowid, names, digits) \
     SELECT search_rowid, search_name, extension || ' ' || phone_number FROM virtual_extension",
    "CREATE UNIQUE INDEX ux_virtual_extension_search_rowid ON virtual_extension (search_rowid)",
    "CREATE TRIGGER tr_virtual_extension_search_insert AFTER INSERT ON virtual_extension BEGIN \
       INSERT INTO ve_search (names, digits) VALUES (new.search_name, new.extension || ' ' || new.phone_number); \
       UPDATE virtual_extension SET search_rowid = last_insert_rowid() WHERE id = new.id; \
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

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_delete",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_update",
    "DROP TRIGGER IF EXISTS tr_virtual_extension_search_insert",
    "DROP INDEX IF EXISTS ux_virtual_extension_search_rowid",
    "DROP TABLE IF EXISTS ve_search",
    "ALTER TABLE virtual_extension DROP COLUMN search_rowid",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_virtual_extension_search_name_trgm \
     ON virtual_extension USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_virtual_extension_extension_trgm \
     ON virtual_extension USING gin (extension gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_virtual_extension_phone_number_trgm \
     ON virtual_extension USING gin (phone_number gin_trgm_ops)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_virtual_extension_phone_number_trgm",
    "DROP INDEX IF EXISTS ix_virtual_extension_extension_trgm",
    "DROP INDEX IF EXISTS ix_virtual_extension_search_name_trgm",
];

async fn run(db: &SchemaManagerConnection<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Can this role create (or already use) `pg_trgm` here? Asked first: a failed CREATE EXTENSION
/// would abort the migration's transaction.
async fn pg_trgm_usable(db: &SchemaManagerConnection<'_>) -> Result<bool, DbErr> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') \
               OR (EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') \
                   AND (has_database_privilege(current_database(), 'CREATE') \
                        OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))) AS usable";
    let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await?;
    Ok(row.map(|r| r.try_get::<bool>("", "usable")).transpose()?.unwrap_or(false))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(db, SQLITE_UP).await,
            DbBackend::Postgres => {
                if pg_trgm_usable(db).await? {
                    run(db, POSTGRES_UP).await
                } else {
                    tracing::warn!(
                        "pg_trgm is not available to this database role: the virtual extension search \
                         works without its trigram indexes, slower at scale. To add them, install \
                         PostgreSQL's contrib package and run, as a superuser, the statements under \
                         'PostgreSQL without pg_trgm' in BENCHMARKS.md."
                    );
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => run(db, SQLITE_DOWN).await,
            DbBackend::Postgres => run(db, POSTGRES_DOWN).await,
            _ => Ok(()),
        }
    }
}
