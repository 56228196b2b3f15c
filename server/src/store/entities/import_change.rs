use sea_orm::entity::prelude::*;

/// One entry's fields before and after one import (JSON objects, as in `audit_event`), under
/// the import's audit event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_change")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::audit_event::Entity",
        from = "Column::EventId",
        to = "super::audit_event::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
}

impl Related<super::audit_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
