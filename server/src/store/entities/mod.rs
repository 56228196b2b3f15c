//! SeaORM entities: one per table.

pub mod location;
pub mod org_settings;
pub mod virtual_extension;
