//! Pages, mirroring Control Hub: Services > Call > Features > Virtual Extension.

pub mod not_found;
pub mod sign_in;
pub mod virtual_extensions;
