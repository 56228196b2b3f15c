use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "virtual_extension_range")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// The name in lower case: unique, so two ranges cannot differ only by case.
    #[sea_orm(unique)]
    pub name_key: String,
    pub prefix: String,
    /// `ORGANIZATION` or `LOCATION` (a CHECK ties it to `location_id` and `scope_key`).
    pub level: app::model::Level,
    pub location_id: Option<String>,
    /// `org` or the location id; copied to each pattern for `UNIQUE(scope_key, pattern)`.
    pub scope_key: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::virtual_extension_range_pattern::Entity")]
    Pattern,
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

impl Related<super::virtual_extension_range_pattern::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Pattern.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
