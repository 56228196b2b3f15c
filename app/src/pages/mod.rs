//! Pages, mirroring Control Hub: Services > Call > Features > Virtual Extension.

pub mod not_found;
pub mod virtual_extensions;
