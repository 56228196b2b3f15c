use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrgSettings {
    Table,
    Id,
    VirtualExtensionMode,
    OrgName,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use OrgSettings as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(ColumnDef::new(S::Id).integer().not_null().primary_key())
                    .col(
                        ColumnDef::new(S::VirtualExtensionMode).string_len(16).not_null().default("STANDARD"),
                    )
                    .col(ColumnDef::new(S::OrgName).string_len(400).not_null().default(""))
                    .col(ColumnDef::new(S::UpdatedAt).timestamp_with_time_zone().not_null())
                    // Exactly one row.
                    .check(Check::named("ck_org_settings_single_row", Expr::col(S::Id).eq(1)))
                    .check(Check::named(
                        "ck_org_settings_mode",
                        Expr::col(S::VirtualExtensionMode).is_in(["STANDARD", "ENHANCED"]),
                    ))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert
            .into_table(S::Table)
            .columns([S::Id, S::VirtualExtensionMode, S::OrgName, S::UpdatedAt])
            .values([1.into(), "STANDARD".into(), "".into(), chrono::Utc::now().into()])
            .map_err(|e| DbErr::Migration(format!("org_settings seed row: {e}")))?;
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OrgSettings::Table).to_owned()).await
    }
}
