//! Building blocks shared by pages.

pub mod confirm;
pub mod field;
pub mod layout;
pub mod panel;
pub mod table;
pub mod upload;
