use sea_orm::entity::prelude::*;

/// A location a location administrator manages.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_location")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub admin_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub location_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
