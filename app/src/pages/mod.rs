//! Pages, mirroring Control Hub: Services > Call > Features > Virtual Extension, and Management.

pub mod admins;
pub mod audit;
pub mod calls;
pub mod lazy;
pub mod locations;
pub mod not_found;
pub mod ranges;
pub mod sign_in;
pub mod tasks;
pub mod tokens;
pub mod virtual_extensions;
