use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    At,
    ActorId,
    Actor,
    Source,
    Action,
    TargetKind,
    TargetId,
    TargetLabel,
    Before,
    After,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    // UUID v7: ordered by time, so "newest first" is an index scan.
                    .col(ColumnDef::new(AuditEvent::Id).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(AuditEvent::At).timestamp_with_time_zone().not_null())
                    // No foreign key: the log outlives what it describes, and the command line
                    // acts without an account. `actor` keeps the email as it was.
                    .col(ColumnDef::new(AuditEvent::ActorId).string_len(64).null())
                    .col(ColumnDef::new(AuditEvent::Actor).string_len(300).not_null())
                    .col(ColumnDef::new(AuditEvent::Source).string_len(64).not_null())
                    .col(ColumnDef::new(AuditEvent::Action).string_len(64).not_null())
                    .col(ColumnDef::new(AuditEvent::TargetKind).string_len(32).not_null())
                    .col(ColumnDef::new(AuditEvent::TargetId).string_len(64).not_null())
                    .col(ColumnDef::new(AuditEvent::TargetLabel).string_len(300).not_null())
                    // JSON objects of the target's fields; NULL before a creation, after a deletion.
                    .col(ColumnDef::new(AuditEvent::Before).text().null())
                    .col(ColumnDef::new(AuditEvent::After).text().null())
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_audit_event_at", vec![AuditEvent::At]),
            ("ix_audit_event_actor", vec![AuditEvent::ActorId, AuditEvent::At]),
            ("ix_audit_event_target", vec![AuditEvent::TargetKind, AuditEvent::TargetId, AuditEvent::At]),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvent::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditEvent::Table).to_owned()).await
    }
}
