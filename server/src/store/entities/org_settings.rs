use sea_orm::entity::prelude::*;

/// The organization's settings: exactly one row, id 1.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// `STANDARD` (default) or `ENHANCED`.
    pub virtual_extension_mode: app::model::VirtualExtensionMode,
    pub org_name: String,
    /// The organization's id (the REST API's `orgId`), given once by a migration.
    pub org_id: Option<String>,
    /// Raised in the transaction of every change the dial plan reads (entries, ranges,
    /// locations, the mode): a snapshot built at another version is stale.
    pub directory_version: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
