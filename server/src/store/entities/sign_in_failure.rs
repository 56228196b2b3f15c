use sea_orm::entity::prelude::*;

/// Failed sign-ins for one typed email address from one client (IPv4 address or IPv6 /64).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_failure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub email: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub client: String,
    pub failures: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub last_failed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
