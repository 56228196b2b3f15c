use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "location")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub name: String,
    #[sea_orm(unique)]
    pub routing_prefix: Option<String>,
    pub country: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::virtual_extension::Entity")]
    VirtualExtension,
}

impl Related<super::virtual_extension::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VirtualExtension.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl From<Model> for app::model::Location {
    fn from(m: Model) -> Self {
        Self { id: m.id, name: m.name, routing_prefix: m.routing_prefix, country: m.country }
    }
}
