//! Indexes for the list's sorts by first and last name: the same expressions the list orders by
//! (`lower(coalesce(name, ''))`, then the folded names and the id as tie-breakers), so that a
//! page of a large filtered list walks an index instead of sorting every match.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "CREATE INDEX ix_virtual_extension_first_name_sort \
     ON virtual_extension (lower(coalesce(first_name, '')), search_name, id)",
    "CREATE INDEX ix_virtual_extension_last_name_sort \
     ON virtual_extension (lower(coalesce(last_name, '')), search_name, id)",
];

const DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_virtual_extension_last_name_sort",
    "DROP INDEX IF EXISTS ix_virtual_extension_first_name_sort",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in UP {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in DOWN {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
