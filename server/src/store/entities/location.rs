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
    /// The address and time zone (the REST API's `address` and `timeZone`).
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub time_zone: Option<String>,
    /// Dialed before an outside number (one digit), for the dial plan.
    pub outside_dial_digit: Option<String>,
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
        Self {
            outside_dial_digit: m.outside_dial_digit.as_deref().and_then(|d| d.chars().next()),
            id: m.id,
            name: m.name,
            routing_prefix: m.routing_prefix,
            country: m.country,
        }
    }
}
