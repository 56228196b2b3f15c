//! The rules applied against the store: one module per resource. Every way in (server
//! functions, the CLI, later the REST API) calls these, so all apply the same checks.

pub mod admins;
pub mod csv_check;
pub mod directory;
pub mod error;
pub mod locations;
pub mod sessions;
pub mod settings;
pub mod virtual_extensions;

pub use error::ServiceError;
