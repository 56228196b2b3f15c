//! SeaORM entities: one per table.

pub mod admin_location;
pub mod admin_user;
pub mod api_token;
pub mod api_token_location;
pub mod audit_event;
pub mod import_change;
pub mod location;
pub mod org_settings;
pub mod session;
pub mod sign_in_failure;
pub mod task;
pub mod task_row_error;
pub mod virtual_extension;
pub mod virtual_extension_range;
pub mod virtual_extension_range_pattern;
