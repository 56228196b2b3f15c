//! Server functions, one file per resource. Each body is short: get the backend, validate with
//! `app::model`, call the backend, map the result. The server implements [`backend::Backend`].

pub mod admins;
pub mod audit;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod calls;
pub mod locations;
pub mod ranges;
pub mod session;
pub mod settings;
pub mod tasks;
pub mod tokens;
pub mod virtual_extensions;
