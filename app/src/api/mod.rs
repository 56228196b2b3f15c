//! Server functions, one file per resource. Each body is short: get the actor and the
//! resource's port, call it, map the result. Each file declares its port (server only); the
//! server implements them with its services (see [`port`]).

pub mod admins;
pub mod audit;
pub mod calls;
pub mod locations;
#[cfg(feature = "ssr")]
pub mod port;
pub mod ranges;
pub mod session;
pub mod settings;
pub mod tasks;
pub mod tokens;
pub mod virtual_extensions;
