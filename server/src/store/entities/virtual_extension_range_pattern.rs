use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "virtual_extension_range_pattern")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub range_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pattern: String,
    /// The range's scope key: `UNIQUE(scope_key, pattern)`.
    pub scope_key: String,
    /// Order in the range, as given.
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::virtual_extension_range::Entity",
        from = "Column::RangeId",
        to = "super::virtual_extension_range::Column::Id",
        on_delete = "Cascade"
    )]
    Range,
}

impl Related<super::virtual_extension_range::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Range.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
