use sea_orm::entity::prelude::*;

/// One recorded change: who, when, from where, what, and the values before and after.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub at: DateTimeUtc,
    pub actor_id: Option<String>,
    pub actor: String,
    pub source: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub target_label: String,
    /// A JSON object of the target's fields before the change (`None` for a creation).
    pub before: Option<String>,
    /// A JSON object of the target's fields after the change (`None` for a deletion).
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
