use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_user")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Lower-cased; unique.
    pub email: String,
    /// Argon2id, PHC string format. Never logged, never sent to a client.
    pub password_hash: String,
    /// `FULL`, `READ_ONLY` or `LOCATION`.
    pub role: app::model::admin::Role,
    pub disabled: bool,
    pub password_changed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
