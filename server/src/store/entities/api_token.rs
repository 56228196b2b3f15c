use sea_orm::entity::prelude::*;

/// A script's credential for the REST API. Only the SHA-256 of its secret is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub secret_hash: String,
    pub role: app::model::admin::Role,
    /// The administrator who made it (`None`: the command line).
    pub created_by_id: Option<String>,
    /// Their email, or "command line (user …)", as it was then.
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
