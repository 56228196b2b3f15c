use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "virtual_extension")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `ORGANIZATION` or `LOCATION` (a CHECK constraint ties it to `location_id` and `scope_key`).
    pub level: app::model::Level,
    pub location_id: Option<String>,
    /// `org` or the location id: `UNIQUE(scope_key, extension)`.
    pub scope_key: String,
    pub extension: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    #[sea_orm(unique)]
    pub phone_number: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// The names folded for search (`app::model::search::search_name`).
    pub search_name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::location::Entity",
        from = "Column::LocationId",
        to = "super::location::Column::Id"
    )]
    Location,
}

impl Related<super::location::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Location.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
