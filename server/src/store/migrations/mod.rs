//! Schema migrations: SeaQuery builders, portable to SQLite and PostgreSQL, run at start.

use sea_orm_migration::prelude::*;

mod m20261127_100000_create_location;
mod m20261127_100100_create_virtual_extension;
mod m20261127_100200_create_org_settings;
mod m20261127_110000_create_admin_user;
mod m20261127_120000_create_session;
mod m20261127_130000_create_audit_event;
mod m20261127_140000_add_search_name;
mod m20261127_150000_add_search_index;
mod m20261127_160000_add_sort_indexes;
mod m20261128_100000_create_task;
mod m20261128_110000_search_rowid_given;
mod m20261201_100000_create_sign_in_failure;
mod m20261202_100000_create_import_change;
mod m20261202_110000_refold_search_names;
mod m20261203_100000_create_api_token;
mod m20261204_100000_add_org_id_and_location_address;
mod m20261204_110000_task_by_token;
mod m20261205_100000_create_virtual_extension_range;
mod m20261206_100000_search_external_content;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_100000_create_location::Migration),
            Box::new(m20261127_100100_create_virtual_extension::Migration),
            Box::new(m20261127_100200_create_org_settings::Migration),
            Box::new(m20261127_110000_create_admin_user::Migration),
            Box::new(m20261127_120000_create_session::Migration),
            Box::new(m20261127_130000_create_audit_event::Migration),
            Box::new(m20261127_140000_add_search_name::Migration),
            Box::new(m20261127_150000_add_search_index::Migration),
            Box::new(m20261127_160000_add_sort_indexes::Migration),
            Box::new(m20261128_100000_create_task::Migration),
            Box::new(m20261128_110000_search_rowid_given::Migration),
            Box::new(m20261201_100000_create_sign_in_failure::Migration),
            Box::new(m20261202_100000_create_import_change::Migration),
            Box::new(m20261202_110000_refold_search_names::Migration),
            Box::new(m20261203_100000_create_api_token::Migration),
            Box::new(m20261204_100000_add_org_id_and_location_address::Migration),
            Box::new(m20261204_110000_task_by_token::Migration),
            Box::new(m20261205_100000_create_virtual_extension_range::Migration),
            Box::new(m20261206_100000_search_external_content::Migration),
        ]
    }
}
